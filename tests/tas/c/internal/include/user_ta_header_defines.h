/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <internal_ta.h>

#define TA_UUID		TA_INTERNAL_UUID
#define TA_FLAGS	(0)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	TA_INTERNAL_DATA_SIZE

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Internal Core API test TA: memory, access rights, time"

#endif /* USER_TA_HEADER_DEFINES_H */
