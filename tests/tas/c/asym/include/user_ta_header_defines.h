/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <asym_ta.h>

#define TA_UUID		TA_ASYM_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(256 * 1024)	/* ML-DSA-65 computes on the stack */
#define TA_DATA_SIZE	(8 * 1024 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Asymmetric cryptography test TA"

#endif /* USER_TA_HEADER_DEFINES_H */
