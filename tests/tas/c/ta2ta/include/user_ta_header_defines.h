/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0x9c4e2f71, 0x3a58, 0x4b06, \
		{ 0xb7, 0xd2, 0x6e, 0x1f, 0x0a, 0x8c, 0x5d, 0x39 } }
/* The TA command 8 calls: its twin tests/tas/c/ta2ta-peer. */
#define PEER_UUID \
	{ 0x9c4e2f71, 0x3a58, 0x4b06, \
		{ 0xb7, 0xd2, 0x6e, 0x1f, 0x0a, 0x8c, 0x5d, 0x3a } }
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(32 * 1024)
#define TA_DATA_SIZE	(64 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"TA-to-TA call test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
