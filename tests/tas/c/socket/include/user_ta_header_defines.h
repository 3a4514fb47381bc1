/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0xb1061e00, 0x5e11, 0x4c8a, \
		{ 0x9d, 0x2f, 0x73, 0x6f, 0x63, 0x6b, 0x65, 0x74 } }
/* One instance per session: each test session has sockets of its own. */
#define TA_FLAGS	0
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(512 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"GP TEE Sockets test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
