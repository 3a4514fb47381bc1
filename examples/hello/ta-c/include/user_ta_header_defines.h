/* SPDX-License-Identifier: Apache-2.0 */
/* Properties of the hello world TA, read by the devkit's user_ta_header.c. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <hello_world_ta.h>

#define TA_UUID		TA_HELLO_WORLD_UUID

/* A new instance for each session. */
#define TA_FLAGS	TA_FLAG_EXEC_DDR
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(32 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"Hello world TA"

#endif /* USER_TA_HEADER_DEFINES_H */
