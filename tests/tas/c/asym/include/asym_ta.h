/* SPDX-License-Identifier: Apache-2.0 */
#ifndef ASYM_TA_H
#define ASYM_TA_H

#define TA_ASYM_UUID \
	{ 0x7a1e5c20, 0x3b4d, 0x4e8f, \
		{ 0x9a, 0x01, 0x6c, 0x2d, 0x3e, 0x4f, 0x5b, 0x01 } }

/*
 * A batch of asymmetric vectors: p0 MEMREF_INPUT the vectors, p1
 * MEMREF_OUTPUT the results. Everything is little-endian u32 words and
 * byte strings (u32 length, then the bytes), packed without padding.
 *
 * vector := kind alg key_type key_bits hash n_attrs attr* n_params
 *           param* input input2
 * attr   := id (a b if id has TEE_ATTR_FLAG_VALUE, else a byte string)
 *
 * kind: 0 encrypt, 1 decrypt, 2 sign, 3 verify (input2 = signature),
 * 4 derive (DH/ECDH/X25519: the params carry the peer's public value;
 * the shared secret goes into a generic secret object of 4096 bits and
 * is read back; for ECDH the peer's point is first checked by
 * populating an ECDH public-key object with it: a refusal is that
 * call's code), 5 generate (TEE_GenerateKey with the attrs as
 * parameters into an object of key_type/key_bits, then sign + verify or
 * encrypt + decrypt of input with alg, whose result is returned),
 * 6 derive with two keys (SM2 KEP: TEE_SetOperationKey2 with the key
 * of the attrs and a second key of the same type and size whose
 * attributes are input2, packed as n_attrs attr*; the operation's
 * maximum key size is key_bits; input is the size in bits, a u32, of
 * the generic secret object derived into, which is read back).
 * The key object (key_type, key_bits) is populated with the attrs and
 * set on an operation of alg (mode by kind, maximum key size key_bits).
 * hash: a TEE_ALG_* digest the TA applies to input first with
 * TEE_DigestDoFinal (sign, verify), or 0 for none. params: the
 * operation's TEE_Attribute array.
 *
 * A result is u32 return code (of the first call that failed), then a
 * byte string: the ciphertext, plaintext, signature or shared secret.
 */
#define TA_ASYM_CMD_BATCH	0
/* Panic cases, p0 VALUE_INPUT a = case: 0 sign with a VERIFY operation,
 * 1 key without TEE_USAGE_SIGN on a SIGN operation, 2 public key on a
 * SIGN operation, 3 encrypt before a key is set, 4 populate an RSA key
 * pair without its private exponent, 5 RSA-PSS digest of the wrong
 * length. */
#define TA_ASYM_CMD_PANIC	1
/* Random numbers: p0 MEMREF_OUTPUT filled by TEE_GenerateRandom. */
#define TA_ASYM_CMD_RANDOM	2

#endif /* ASYM_TA_H */
