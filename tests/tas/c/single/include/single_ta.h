/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SINGLE_TA_H
#define SINGLE_TA_H

/* 57364908-349e-4caf-a11d-b150128d9995 */
#define TA_SINGLE_UUID \
	{ 0x57364908, 0x349e, 0x4caf, \
		{ 0xa1, 0x1d, 0xb1, 0x50, 0x12, 0x8d, 0x99, 0x95 } }

/*
 * Instance flags: SINGLE_INSTANCE only, so one session at a time: a
 * second concurrent session gets TEE_ERROR_BUSY.
 *
 * Command 0: params VALUE_INOUT, NONE, NONE, NONE: value.a = value.a + 1.
 */
#define TA_SINGLE_CMD_INC	0
#endif /* SINGLE_TA_H */
