/* SPDX-License-Identifier: Apache-2.0 */
#ifndef KEEPALIVE_TA_H
#define KEEPALIVE_TA_H

/* 92ff0d31-7a78-42b6-b665-def3fc5fd20c */
#define TA_KEEPALIVE_UUID \
	{ 0x92ff0d31, 0x7a78, 0x42b6, \
		{ 0xb6, 0x65, 0xde, 0xf3, 0xfc, 0x5f, 0xd2, 0x0c } }

/*
 * Instance flags: SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE.
 *
 * Command 0: params VALUE_OUTPUT, NONE, NONE, NONE: value.a = number of
 *            TA_OpenSessionEntryPoint calls since the instance was
 *            created (keeps growing across sessions while the instance
 *            lives).
 */
#define TA_KEEPALIVE_CMD_GET_OPENS	0
#endif /* KEEPALIVE_TA_H */
