/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PARAMS_TA_H
#define PARAMS_TA_H

/* 69de423a-d673-49d1-a5ac-22b9dae89776 */
#define TA_PARAMS_UUID \
	{ 0x69de423a, 0xd673, 0x49d1, \
		{ 0xa5, 0xac, 0x22, 0xb9, 0xda, 0xe8, 0x97, 0x76 } }

/*
 * Open session: params[0] VALUE_INPUT with value.a == 0xBAD: returns
 * TEE_ERROR_ACCESS_DENIED (origin TRUSTED_APP). params[0] VALUE_INOUT:
 * value.b = value.a + 1. Anything else: TEE_SUCCESS.
 *
 * Command 0 (echo), any param types; for each param i:
 *   VALUE_INPUT    nothing
 *   VALUE_OUTPUT   a = 0x1111 * (i + 1), b = 0x2222 * (i + 1)
 *   VALUE_INOUT    a += 1, b += 2
 *   MEMREF_INPUT   nothing
 *   MEMREF_OUTPUT  every byte of the buffer = 0xA0 + i (size unchanged)
 *   MEMREF_INOUT   every byte of the buffer += 1
 * Command 1 (short buffer), MEMREF_OUTPUT, NONE, NONE, NONE: if the
 *   size is < 100, size = 100 and TEE_ERROR_SHORT_BUFFER; else 100 bytes
 *   of 0x5A and size = 100.
 * Command 2 (sum), MEMREF_INPUT, VALUE_OUTPUT, NONE, NONE:
 *   params[1].value.a = sum of the bytes mod 2^32, .b = size.
 * Command 3 (client identity), VALUE_OUTPUT, MEMREF_OUTPUT, NONE, NONE:
 *   from TEE_GetPropertyAsIdentity(TEE_PROPSET_CURRENT_CLIENT,
 *   "gpd.client.identity"): params[0].value.a = login, .b = 0;
 *   params[1] = the 16 bytes of the TEE_UUID struct (timeLow, timeMid,
 *   timeHiAndVersion in host byte order, then clockSeqAndNode), size 16
 *   (size < 16: size = 16 and TEE_ERROR_SHORT_BUFFER).
 * Command 4 (random), MEMREF_OUTPUT, NONE, NONE, NONE: TEE_GenerateRandom
 *   over the whole buffer.
 * Wrong param types: TEE_ERROR_BAD_PARAMETERS; unknown command:
 * TEE_ERROR_NOT_SUPPORTED.
 */
#define TA_PARAMS_OPEN_DENY_VALUE	0xBAD

#define TA_PARAMS_CMD_ECHO		0
#define TA_PARAMS_CMD_SHORT_BUFFER	1
#define TA_PARAMS_CMD_SUM		2
#define TA_PARAMS_CMD_IDENTITY		3
#define TA_PARAMS_CMD_RANDOM		4
#define TA_PARAMS_CMD_NOP		5 /* any params, touches nothing (benchmarks) */

#define TA_PARAMS_SHORT_BUFFER_SIZE	100
#endif /* PARAMS_TA_H */
