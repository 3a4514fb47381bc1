/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#define TA_UUID \
	{ 0x856573fc, 0x0759, 0x499a, \
		{ 0x90, 0xe7, 0x4c, 0x70, 0xe0, 0xb7, 0x3b, 0x4f } }
#define TA_FLAGS	0
#define TA_STACK_SIZE	(16 * 1024)
#define TA_DATA_SIZE	(64 * 1024)
#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"A TA using library TAs"

/*
 * 0 VALUE_OUTPUT: a = shlib_a_add(2, 3), b = shlib_a_ctor_value()
 * 1 MEMREF_OUTPUT: shlib_a_format(42) ("value=42")
 * 2 VALUE_OUTPUT, VALUE_OUTPUT: dlopen of shlib-b by UUID: p0.a =
 *   shlib_b_mul_add(6, 7), p0.b = shlib_b_ctor_value(); p1.a = 1 when a
 *   second dlopen gave the same handle; TEE_ERROR_ITEM_NOT_FOUND when
 *   dlopen failed (its dlerror logged)
 * 3 VALUE_OUTPUT: a = 1 when dlopen of an unknown UUID and of a TA's
 *   (not a library's) UUID failed with a dlerror, b = 1 when dlsym of an
 *   unknown name failed
 * 4 MEMREF_INPUT: shlib_a_dup copies it (TEE_Malloc in the library); the
 *   copy compared: TEE_SUCCESS or TEE_ERROR_GENERIC
 */
#endif
