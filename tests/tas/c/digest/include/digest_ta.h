/* SPDX-License-Identifier: Apache-2.0 */
#ifndef DIGEST_TA_H
#define DIGEST_TA_H

#define TA_DIGEST_UUID \
	{ 0xd1a6e5f0, 0x3c2b, 0x4e8a, \
		{ 0x9f, 0x17, 0x5b, 0x4c, 0x3a, 0x2d, 0x1e, 0x01 } }

/* Every command: p0 VALUE_INPUT a = algorithm (TEE_ALG_*), b = argument.
 * Output digests are written to p2 (MEMREF_OUTPUT); its size is the
 * hashLen given to TEE_DigestDoFinal (for SHAKE: the output length). */

/* p1 MEMREF_INPUT message: TEE_DigestDoFinal(message) on a new operation.
 * SHORT_BUFFER: p2 size = the size needed. */
#define TA_DIGEST_CMD_ONESHOT		0
/* p1 message, p3 MEMREF_INPUT split offsets (u32 little-endian,
 * ascending): TEE_DigestUpdate of each piece before the last offset,
 * TEE_DigestDoFinal with the rest. */
#define TA_DIGEST_CMD_MULTI		1
/* p1 message, b = split: A updates message[..b]; B = copy of A; A updates
 * "XYZ"; B DoFinal(message[b..]); A DoFinal(""). p2 = B's digest then
 * A's (each of the digest length). */
#define TA_DIGEST_CMD_COPY		2
/* p1 message: update "garbage", TEE_ResetOperation, DoFinal(message),
 * then DoFinal(message) again on the same operation; p2 = both. */
#define TA_DIGEST_CMD_RESET		3
/* p1 message, p3 MEMREF_INPUT output piece sizes (u32 LE): update with the
 * message, then TEE_DigestExtract each piece into p2 (size = their sum). */
#define TA_DIGEST_CMD_EXTRACT		4
/* p1 message (at least 1 byte): update message[..1], DoFinal(message[1..])
 * with hashLen = p2 size - 1 (SHORT_BUFFER expected, the operation
 * unchanged), then again with p2's size. p3 VALUE_OUTPUT a = the first
 * result, b = the size it reported. */
#define TA_DIGEST_CMD_SHORT		5
/* p2 = TEE_OperationInfo (32 bytes), TEE_OperationInfoMultiple (32 bytes)
 * after allocation, after an update, and (SHAKE) after an extract;
 * p3 VALUE_OUTPUT a = TEE_GetOperationInfoMultiple with 31 bytes, b = the
 * size it reported. */
#define TA_DIGEST_CMD_INFO		6
/* p0 VALUE_INOUT (a = algorithm, b = element), p1 VALUE_INOUT (a = mode,
 * b = maxKeySize): p0.a = TEE_IsAlgorithmSupported(a, b), p1.a =
 * TEE_AllocateOperation(a, mode, maxKeySize) (freed at once), p1.b = 1 if
 * the handle was TEE_HANDLE_NULL. */
#define TA_DIGEST_CMD_SUPPORTED		7
/* Panic cases, p0 a = case: 0 free a forged handle, 1 update a freed
 * handle, 2 update while extracting, 3 DoFinal while extracting, 4 copy
 * SHA-1 into SHA-256, 5 extract from SHA-256, 6 DoFinal with NULL hashLen,
 * 7 update with NULL chunk and size 1, 8 allocate into NULL, 9 get info
 * into NULL. */
#define TA_DIGEST_CMD_PANIC		8

#endif /* DIGEST_TA_H */
