/* SPDX-License-Identifier: Apache-2.0 */
#ifndef AEAD_TA_H
#define AEAD_TA_H

#define TA_AEAD_UUID \
	{ 0x7a1e5c20, 0x3b4d, 0x4e8f, \
		{ 0x9a, 0x01, 0x6c, 0x2d, 0x3e, 0x4f, 0x5a, 0x01 } }

/*
 * A batch of vectors: p0 MEMREF_INPUT the vectors, p1 MEMREF_OUTPUT the
 * results. A vector is 10 u32 little-endian words then bytes: op (0 AE
 * encrypt, 1 AE decrypt, 2 MAC compute, 3 MAC compare), algorithm, key
 * object type, key length, nonce length, AAD length, input length, tag
 * length (bytes), AAD split, input split; then the key, nonce, AAD,
 * input and tag. The key goes into a transient object of that type
 * (maximum size = the key's) set on an operation of the algorithm (mode
 * ENCRYPT, DECRYPT or MAC, maximum key size = the key's).
 *
 * AE: AEInit(nonce, 8 * tag length, AAD length, input length),
 * AEUpdateAAD of the AAD before and from its split, AEUpdate of the
 * input before its split, then AEEncryptFinal (output and tag buffers of
 * exactly the sizes needed) or AEDecryptFinal(rest, tag). MAC: MACInit,
 * MACUpdate of the input before its split, then MACComputeFinal (a
 * 64-byte buffer) or MACCompareFinal(rest, tag).
 *
 * A result is u32 return code (of the first call that failed), u32 n,
 * then n bytes: AE encrypt ciphertext and tag, AE decrypt plaintext, MAC
 * compute the MAC (nothing when the code is not TEE_SUCCESS).
 */
#define TA_AEAD_CMD_BATCH	0
/* Panic cases, p0 VALUE_INPUT a = case: 0 AEUpdateAAD after AEUpdate
 * (GCM), 1 AEUpdate before AEInit, 2 AEEncryptFinal on a DECRYPT
 * operation, 3 CCM payload beyond the length declared, 4 AEInit
 * without a key. */
#define TA_AEAD_CMD_PANIC	1
/* Return codes and sizes, p0 MEMREF_OUTPUT u32 words (see the tests). */
#define TA_AEAD_CMD_MISC	2

#endif /* AEAD_TA_H */
