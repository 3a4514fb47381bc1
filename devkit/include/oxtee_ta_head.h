/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the TA header record.
 *
 * Every TA carries exactly one of these in the ELF section
 * ".oxtee_ta_head", under the global symbol "oxtee_ta_head". C TAs get it
 * from devkit/src/user_ta_header.c (filled from the TA's
 * user_ta_header_defines.h), Rust TAs from the SDK. The TEE core reads it
 * from the signed image to learn the TA's UUID, flags and sizes; the TA
 * runtime references the symbol, so it is always linked in.
 *
 * Layout (little-endian, 360 bytes, no padding):
 *   0   magic            OXTEE_TA_HEAD_MAGIC ("OXTA")
 *   4   head_version     OXTEE_TA_HEAD_VERSION
 *   8   uuid             TEE_UUID (timeLow, timeMid, timeHiAndVersion,
 *                        clockSeqAndNode[8])
 *   24  flags            TA_FLAG_*
 *   28  stack_size       bytes, OXTEE_TA_MIN_STACK_SIZE.. (the core checks)
 *   32  data_size        bytes of heap
 *   36  reserved         0
 *   40  version[64]      NUL-terminated (gpd.ta.version)
 *   104 description[256] NUL-terminated (gpd.ta.description)
 */
#ifndef OXTEE_TA_HEAD_H
#define OXTEE_TA_HEAD_H

#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>

#define OXTEE_TA_HEAD_SECTION		".oxtee_ta_head"
#define OXTEE_TA_HEAD_SYMBOL		"oxtee_ta_head"
#define OXTEE_TA_HEAD_MAGIC		0x4154584fU	/* "OXTA" little-endian */
#define OXTEE_TA_HEAD_VERSION		1U
#define OXTEE_TA_HEAD_SIZE		360
#define OXTEE_TA_VERSION_LEN		64
#define OXTEE_TA_DESCRIPTION_LEN	256
/* Smallest stack the core accepts; user_ta_header.c rounds up to it. */
#define OXTEE_TA_MIN_STACK_SIZE		(16 * 1024)

struct oxtee_ta_head {
	uint32_t magic;
	uint32_t head_version;
	TEE_UUID uuid;
	uint32_t flags;
	uint32_t stack_size;
	uint32_t data_size;
	uint32_t reserved;
	char version[OXTEE_TA_VERSION_LEN];
	char description[OXTEE_TA_DESCRIPTION_LEN];
};

#ifdef __cplusplus
#define OXTEE_TA_HEAD_ASSERT static_assert
#else
#define OXTEE_TA_HEAD_ASSERT _Static_assert
#endif
OXTEE_TA_HEAD_ASSERT(sizeof(struct oxtee_ta_head) == OXTEE_TA_HEAD_SIZE,
	       "struct oxtee_ta_head must be 360 bytes");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, uuid) == 8, "uuid at 8");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, flags) == 24, "flags at 24");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, stack_size) == 28,
	       "stack_size at 28");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, data_size) == 32,
	       "data_size at 32");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, version) == 40, "version at 40");
OXTEE_TA_HEAD_ASSERT(offsetof(struct oxtee_ta_head, description) == 104,
	       "description at 104");

extern const struct oxtee_ta_head oxtee_ta_head;

#endif /* OXTEE_TA_HEAD_H */
