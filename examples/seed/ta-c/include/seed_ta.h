/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SEED_TA_H
#define SEED_TA_H

/* 12345678-1234-1234-1234-567890abcdef */
#define TA_SEED_UUID \
	{ 0x12345678, 0x1234, 0x1234, \
		{ 0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef } }

/*
 * Command 0: doubles an int32_t.
 *   params[0] MEMREF_INPUT   the input, exactly sizeof(int32_t) bytes
 *   params[1] MEMREF_OUTPUT  receives input * 2 (at least sizeof(int32_t)
 *                            bytes; if smaller, TEE_ERROR_SHORT_BUFFER and
 *                            params[1].memref.size tells the size needed)
 */
#define TA_SEED_CMD_DOUBLE	0

#endif /* SEED_TA_H */
