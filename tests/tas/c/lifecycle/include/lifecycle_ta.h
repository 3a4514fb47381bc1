/* SPDX-License-Identifier: Apache-2.0 */
#ifndef LIFECYCLE_TA_H
#define LIFECYCLE_TA_H

/* fd03bd86-9c9c-45e9-acfd-27ee479dc43a */
#define TA_LIFECYCLE_UUID \
	{ 0xfd03bd86, 0x9c9c, 0x45e9, \
		{ 0xac, 0xfd, 0x27, 0xee, 0x47, 0x9d, 0xc4, 0x3a } }

/*
 * Instance flags: SINGLE_INSTANCE | MULTI_SESSION.
 *
 * Command 0: params VALUE_OUTPUT, VALUE_OUTPUT, NONE, NONE:
 *            params[0].value.a = TA_CreateEntryPoint calls,
 *            params[0].value.b = TA_OpenSessionEntryPoint calls,
 *            params[1].value.a = TA_CloseSessionEntryPoint calls,
 *            params[1].value.b = 0.
 * Command 1: any params: spins ~50 ms (CLOCK_MONOTONIC) inside the entry
 *            point, to give another session the chance to enter the TA.
 * Command 2: params VALUE_OUTPUT, NONE, NONE, NONE: value.a = 1 if two
 *            entry points of this instance ever ran at the same time,
 *            else 0.
 */
#define TA_LIFECYCLE_CMD_GET_COUNTS	0
#define TA_LIFECYCLE_CMD_SPIN_50MS	1
#define TA_LIFECYCLE_CMD_GET_OVERLAP	2
#endif /* LIFECYCLE_TA_H */
