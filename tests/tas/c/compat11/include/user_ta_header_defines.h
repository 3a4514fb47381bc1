/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0x5b0e9a64, 0x7c21, 0x4d3f, \
		{ 0x8e, 0x55, 0x1f, 0x6a, 0x2b, 0x9c, 0x7d, 0x08 } }
#define TA_FLAGS	(0)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)
#define TA_VERSION	"1.1"
#define TA_DESCRIPTION	"GP 1.1 API test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
