/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <single_ta.h>

#define TA_UUID		TA_SINGLE_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Single instance, single session TA"

#endif /* USER_TA_HEADER_DEFINES_H */
