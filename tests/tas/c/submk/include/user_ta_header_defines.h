/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0x2e7f9d14, 0x8b3c, 0x4a61, \
		{ 0x9f, 0x05, 0xd4, 0xc8, 0xa1, 0xb6, 0xe2, 0x73 } }
#define TA_FLAGS	(0)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"sub.mk conventions test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
