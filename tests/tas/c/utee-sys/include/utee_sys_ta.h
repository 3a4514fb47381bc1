/* SPDX-License-Identifier: Apache-2.0 */
#ifndef UTEE_SYS_TA_H
#define UTEE_SYS_TA_H

#define TA_UTEE_SYS_UUID \
	{ 0x7761226a, 0xc229, 0x42a0, \
		{ 0x8a, 0xf6, 0xe8, 0xe8, 0xf0, 0x02, 0xba, 0x4e } }

/*
 * Every command calls OP-TEE's _utee_* functions directly and checks the
 * results inside the TA. Unless said otherwise p0 is VALUE_OUTPUT and
 * p0.a the number of the first failed check (0: all held), p0.b the
 * result code that check saw.
 */
/* Properties by name and by index in the three sets. */
#define TA_UTEE_CMD_PROPS	0
/* Time categories, TA persistent time, wait, cancellation mask, access
 * rights; p1 VALUE_OUTPUT = REE time (seconds, millis). */
#define TA_UTEE_CMD_TIME	1
/* Random bytes, also straight into p1 (MEMREF_OUTPUT). */
#define TA_UTEE_CMD_RANDOM	2
/* SHA-256 known answers through states (alloc, update, final, copy,
 * init); p1 MEMREF_OUTPUT (32) = SHA-256("abc"). */
#define TA_UTEE_CMD_SHA256	3
/* AES-CBC (SP 800-38A) and AES-GCM known answers with populated key
 * objects; keys owned by their states. */
#define TA_UTEE_CMD_AES		4
/* HMAC-SHA256 (RFC 4231), ECDSA P-256 sign and verify, ECDH both ways,
 * value attributes. */
#define TA_UTEE_CMD_ASYM	5
/* Trusted storage: create, write, seek, read, truncate, rename,
 * enumerate, access conflicts, a key object, delete. */
#define TA_UTEE_CMD_STORAGE	6
/* TA-to-TA with struct utee_params to the params TA; p1 VALUE_OUTPUT =
 * (result, origin) of opening a session to a TA that does not exist. */
#define TA_UTEE_CMD_TA2TA	7
/* Bad input answered with return codes (unknown handles, wrong state,
 * short buffers with the size needed, ...). */
#define TA_UTEE_CMD_BAD_INPUT	8
/*
 * Hostile pointers and lengths: p0 VALUE_INPUT a = case (see
 * utee_sys_ta.c), p1 VALUE_OUTPUT a = the result code. Cases 0..9 must
 * come back with an error; case 10 reads through a wild pointer (the
 * instance dies: TEE_ERROR_TARGET_DEAD).
 */
#define TA_UTEE_CMD_ATTACK	9
/* _utee_return: p0 VALUE_INOUT; b = 0: p0.a += 1 and end the entry
 * point from a nested function with result 0x1234ABCD; b = 1: p0.a = 77
 * and end it with TEE_SUCCESS. Command 11 tells whether code after
 * _utee_return ever ran. */
#define TA_UTEE_CMD_RETURN	10
/* p0 VALUE_OUTPUT a = 1 if code after _utee_return ran. */
#define TA_UTEE_CMD_AFTER_RETURN	11
/* _utee_cache_operation on p1 (MEMREF_INOUT), on the stack, with a bad
 * operation. */
#define TA_UTEE_CMD_CACHE	12

#endif /* UTEE_SYS_TA_H */
