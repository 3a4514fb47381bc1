/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <utee_sys_ta.h>

#define TA_UUID		TA_UTEE_SYS_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION | \
			 TA_FLAG_CACHE_MAINTENANCE)
#define TA_STACK_SIZE	(64 * 1024)
#define TA_DATA_SIZE	(256 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"OP-TEE system-call layer test TA"

static const uint32_t utee_sys_u32 = 1234;

#define TA_CURRENT_TA_EXT_PROPERTIES \
	{ "com.oxtee.utee.u32", USER_TA_PROP_TYPE_U32, &utee_sys_u32 }

#endif /* USER_TA_HEADER_DEFINES_H */
