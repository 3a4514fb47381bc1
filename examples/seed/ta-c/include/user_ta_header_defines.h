/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <seed_ta.h>

#define TA_UUID		TA_SEED_UUID
#define TA_FLAGS	0
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Doubles an integer passed through shared memory"

#endif /* USER_TA_HEADER_DEFINES_H */
