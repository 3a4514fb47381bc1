// SPDX-License-Identifier: Apache-2.0
/*
 * oxtee devkit: the TA header, compiled into every C TA by
 * mk/ta_dev_kit.mk with the TA's include directories, so that
 * <user_ta_header_defines.h> is the TA's own. That file defines:
 *
 *   TA_UUID        a TEE_UUID initializer, e.g.
 *                  { 0x8aaaf200, 0x2450, 0x11e4,
 *                    { 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } }
 *   TA_FLAGS       TA_FLAG_* bits
 *   TA_STACK_SIZE  stack size in bytes (raised to OXTEE_TA_MIN_STACK_SIZE:
 *                  the TA runs on the host C library, which needs more
 *                  stack than OP-TEE's)
 *   TA_DATA_SIZE   heap size in bytes
 *   TA_VERSION     optional string, at most 63 characters
 *   TA_DESCRIPTION optional string, at most 255 characters
 *   TA_CURRENT_TA_EXT_PROPERTIES  optional list of struct user_ta_property
 */
#include <compiler.h>
#include <oxtee_ta_head.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>
#include <user_ta_header.h>
#include <user_ta_header_defines.h>

#ifndef TA_UUID
#error "user_ta_header_defines.h must define TA_UUID"
#endif
#ifndef TA_FLAGS
#error "user_ta_header_defines.h must define TA_FLAGS"
#endif
#ifndef TA_STACK_SIZE
#error "user_ta_header_defines.h must define TA_STACK_SIZE"
#endif
#ifndef TA_DATA_SIZE
#error "user_ta_header_defines.h must define TA_DATA_SIZE"
#endif

#ifndef TA_VERSION
#define TA_VERSION "0.0"
#endif

#ifndef TA_DESCRIPTION
#define TA_DESCRIPTION "Undescribed TA"
#endif

_Static_assert(sizeof(TA_VERSION) <= OXTEE_TA_VERSION_LEN,
	       "TA_VERSION is longer than 63 characters");
_Static_assert(sizeof(TA_DESCRIPTION) <= OXTEE_TA_DESCRIPTION_LEN,
	       "TA_DESCRIPTION is longer than 255 characters");
_Static_assert(((TA_FLAGS) & ~TA_FLAGS_MASK) == 0,
	       "TA_FLAGS has bits outside TA_FLAGS_MASK");
_Static_assert((TA_STACK_SIZE) > 0 && (TA_STACK_SIZE) <= UINT32_MAX,
	       "TA_STACK_SIZE out of range");
_Static_assert((TA_DATA_SIZE) >= 0 && (TA_DATA_SIZE) <= UINT32_MAX,
	       "TA_DATA_SIZE out of range");

_Static_assert(sizeof(struct oxtee_ta_head) == 360,
	       "struct oxtee_ta_head must be 360 bytes");

/*
 * A smaller stack than oxtee's minimum is raised to it, and the build says
 * so (OP-TEE's examples ask for 2 KiB; a host TA's libc needs more).
 */
#if (TA_STACK_SIZE) < OXTEE_TA_MIN_STACK_SIZE
#warning "TA_STACK_SIZE is below oxtee's minimum TA stack (OXTEE_TA_MIN_STACK_SIZE, 16 KiB): the TA gets the minimum"
#endif
#define OXTEE_STACK_SIZE \
	((TA_STACK_SIZE) < OXTEE_TA_MIN_STACK_SIZE ? \
	 OXTEE_TA_MIN_STACK_SIZE : (TA_STACK_SIZE))

/*
 * Global (the runtime refers to it), in its own section (the core finds
 * it by section name), "used" so that the compiler keeps it even though
 * nothing in this file refers to it.
 */
const struct oxtee_ta_head oxtee_ta_head
	__attribute__((section(OXTEE_TA_HEAD_SECTION), used, aligned(8))) = {
	.magic = OXTEE_TA_HEAD_MAGIC,
	.head_version = OXTEE_TA_HEAD_VERSION,
	.uuid = TA_UUID,
	.flags = (uint32_t)(TA_FLAGS),
	.stack_size = (uint32_t)OXTEE_STACK_SIZE,
	.data_size = (uint32_t)(TA_DATA_SIZE),
	.reserved = 0,
	.version = TA_VERSION,
	.description = TA_DESCRIPTION,
};

/*
 * Extra properties, for gpd.ta.* / vendor properties the TA declares
 * beyond the standard ones carried by the header (always defined, so
 * that a runtime can refer to them; empty without
 * TA_CURRENT_TA_EXT_PROPERTIES).
 */
const struct user_ta_property ta_props[] = {
#ifdef TA_CURRENT_TA_EXT_PROPERTIES
	TA_CURRENT_TA_EXT_PROPERTIES
#endif
};

const size_t ta_num_props = sizeof(ta_props) / sizeof(ta_props[0]);

#ifdef OXTEE_TZ
/*
 * TrustZone tier: the TA's heap is TA_DATA_SIZE bytes of its own .bss, as
 * on OP-TEE (the runtime, libutee.a, manages it), plus room for the
 * allocator's bookkeeping, so that TA_DATA_SIZE bytes of blocks fit, as on
 * the host tier; the secure kernel maps it zeroed with the image.
 */
#define OXTEE_TZ_HEAP_SLACK 4096 /* the blocks' headers, the allocator's own */
uint8_t ta_heap[TA_DATA_SIZE + OXTEE_TZ_HEAP_SLACK] __attribute__((aligned(16)));
const size_t ta_heap_size = sizeof(ta_heap);
#endif
