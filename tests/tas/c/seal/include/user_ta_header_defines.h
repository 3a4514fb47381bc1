/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <seal_ta.h>

#define TA_UUID		SEAL_TA_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Sealing test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
