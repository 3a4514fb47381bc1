/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SYMCRYPT_TA_H
#define SYMCRYPT_TA_H

#define TA_SYMCRYPT_UUID \
	{ 0x5c3a9e10, 0x7d21, 0x4f6b, \
		{ 0x8e, 0x43, 0x2a, 0x1b, 0x0c, 0x9d, 0x8e, 0x01 } }

/*
 * A key blob (p1 MEMREF_INPUT of commands 0, 1 and 3), u32 little-endian
 * words then bytes: object type, key length (bytes), IV length (bytes),
 * number of split offsets n, the key, the IV, n split offsets (u32 LE,
 * ascending, into the data of p2). The key goes into a transient object
 * of that type (maximum size = the key's) and is set on an operation of
 * p0 a = algorithm, p0 b = mode, maximum key size = the key's. For
 * TEE_ALG_AES_XTS the key is key1 || key2, two objects of half its size
 * set with TEE_SetOperationKey2 (maximum key size = half).
 */

/* Cipher: CipherInit(IV), CipherUpdate of each piece before the last
 * split, CipherDoFinal(rest). p2 MEMREF_INPUT data, p3 MEMREF_OUTPUT the
 * output (all pieces). */
#define TA_SYMCRYPT_CMD_CIPHER		0
/* MAC (p0 b = 0 compute, 1 compare; the mode is MAC): MACInit(IV),
 * MACUpdate of each piece, then MACComputeFinal into p3 MEMREF_OUTPUT
 * (macLen = its size) or MACCompareFinal with p3 MEMREF_INPUT. */
#define TA_SYMCRYPT_CMD_MAC		1
/* p0 VALUE_INPUT a = object type, b = max size (bits); p1 MEMREF_INPUT
 * secret (empty: TEE_GenerateKey of max size); p3 VALUE_INOUT in a =
 * usage to restrict to, b = buffer size for the attribute; out a = the
 * result of TEE_GetObjectBufferAttribute(SECRET_VALUE), b = the size it
 * reported. p2 MEMREF_OUTPUT: TEE_ObjectInfo as 5 u32 (type, size, max
 * size, usage, handle flags) after allocation and after population, then
 * the attribute. Returns the result of allocate / populate. */
#define TA_SYMCRYPT_CMD_OBJECT		2
/* Copy and reset (p0 a = algorithm, b = split; blob without splits; p2
 * data). MAC: A init, update data[..b]; B = copy of A; B final(data[b..]);
 * A final("XYZ"); reset A, init, A final(data). Cipher (mode ENCRYPT):
 * A init, update data[..b] (= P); B = copy; B final(data[b..]) (= Q);
 * A final(data[b..]) (= R); reset A, init, update "garbage", reset, init,
 * final(data) (= S). p3 MEMREF_OUTPUT = the outputs in that order. */
#define TA_SYMCRYPT_CMD_COPY_RESET	3
/* Panic cases, p0 a = case: 0 CipherUpdate before CipherInit, 1
 * CipherInit without a key, 2 MACUpdate after MACComputeFinal, 3 a key
 * restricted to DECRYPT on an ENCRYPT operation, 4 an HMAC key on an AES
 * operation, 5 a 256-bit key on a 128-bit operation, 6 the secret of a
 * key without TEE_USAGE_EXTRACTABLE, 7 AES-CBC with an 8-byte IV, 8
 * SetOperationKey on an active operation, 9 (C only) a forged object
 * handle, 10 (C only) TEE_InitRefAttribute with a value attribute ID,
 * 11 SetOperationKey on AES-XTS, 12 SetOperationKey2 on AES-CBC, 13 an
 * AES key on a DES operation, 14 a protected value attribute of a key
 * without TEE_USAGE_EXTRACTABLE, 15 GetObjectValueAttribute of a buffer
 * attribute, 16 SetOperationKey2 with one key and TEE_HANDLE_NULL. */
#define TA_SYMCRYPT_CMD_PANIC		4
/* Return codes and sizes, p2 MEMREF_OUTPUT u32 words (see the tests). */
#define TA_SYMCRYPT_CMD_MISC		5
/* p0 VALUE_INPUT a = attribute ID, b = usage an AES key is restricted
 * to; p1 VALUE_OUTPUT a = TEE_GetObjectValueAttribute's result, b = the
 * xor of the a and b it left (0xffffffff if untouched). */
#define TA_SYMCRYPT_CMD_VALUE		6
/* OP-TEE's HKDF / PBKDF2 (TEE_DeriveKey into a generic secret): p0
 * VALUE_INPUT a = algorithm, b = input key type (TEE_TYPE_HKDF_IKM or
 * TEE_TYPE_PBKDF2_PASSWORD); p1 MEMREF_INPUT the IKM / password (maximum
 * sizes = its size); p2 MEMREF_INPUT the parameters, records of u32 LE
 * attribute ID then u32 LE length and that many bytes (a buffer
 * attribute) or u32 LE a (a value attribute, b = 0); p3 MEMREF_OUTPUT
 * the derived TEE_ATTR_SECRET_VALUE. */
#define TA_SYMCRYPT_CMD_DERIVE		7

#endif /* SYMCRYPT_TA_H */
