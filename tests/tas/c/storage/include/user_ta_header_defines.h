/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <storage_ta.h>

#define TA_UUID		TA_STORAGE_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION | \
			 TA_FLAG_INSTANCE_KEEP_ALIVE)
#define TA_STACK_SIZE	(64 * 1024)
#define TA_DATA_SIZE	(3 * 1024 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Trusted storage test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
