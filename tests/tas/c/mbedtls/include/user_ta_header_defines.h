/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <mbedtls_ta.h>

#define TA_UUID		TA_MBEDTLS_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(64 * 1024)
#define TA_DATA_SIZE	(1024 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"A TA using mbedTLS"

#endif /* USER_TA_HEADER_DEFINES_H */
