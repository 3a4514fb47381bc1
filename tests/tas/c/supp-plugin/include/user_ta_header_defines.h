/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0xb1061e00, 0x5e11, 0x4c8a, \
		{ 0x9d, 0x2f, 0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e } }
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Supplicant plugin test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
