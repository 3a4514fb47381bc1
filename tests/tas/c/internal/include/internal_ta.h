/* SPDX-License-Identifier: Apache-2.0 */
#ifndef INTERNAL_TA_H
#define INTERNAL_TA_H

/* 35bce8ee-e6ba-4655-b2ae-9a5dca619ced */
#define TA_INTERNAL_UUID \
	{ 0x35bce8ee, 0xe6ba, 0x4655, \
		{ 0xb2, 0xae, 0x9a, 0x5d, 0xca, 0x61, 0x9c, 0xed } }

/* gpd.ta.dataSize: the bound of the TEE_Malloc heap. */
#define TA_INTERNAL_DATA_SIZE		(64 * 1024)

/*
 * Command 0 (malloc), VALUE_OUTPUT, NONE, NONE, NONE: TEE_Malloc /
 *   TEE_Realloc / TEE_Free semantics and hints. value.a = the number of
 *   the first step that failed (0: all passed), value.b = 0.
 * Command 1 (heap bound), VALUE_INPUT, VALUE_OUTPUT, NONE, NONE:
 *   TEE_Malloc blocks of params[0].value.a bytes (>= 1) until it returns
 *   NULL, writing each; then frees them all and allocates 3/4 of the data
 *   size in one block (TEE_ERROR_OUT_OF_MEMORY if that fails).
 *   params[1].value.a = bytes allocated, .b = blocks.
 * Command 2 (mem functions), VALUE_OUTPUT, NONE, NONE, NONE:
 *   TEE_MemMove (overlapping both ways), TEE_MemCompare (signs),
 *   TEE_MemFill. value.a = first failed step (0: all passed).
 * Command 3 (access rights), VALUE_INOUT, any, any, any:
 *   params[0].value.a = target (TA_INTERNAL_ACCESS_*), .b = access
 *   flags; on return .a = TEE_CheckMemoryAccessRights' result.
 * Command 4 (instance data), VALUE_INOUT, NONE, NONE, NONE: the first
 *   call TEE_Mallocs a counter and TEE_SetInstanceData()s it; every call
 *   adds value.a to the counter. value.a = counter, value.b = 1 if
 *   TEE_GetInstanceData() returned NULL at the start of this call.
 * Command 5 (wait), VALUE_INPUT, VALUE_OUTPUT, NONE, NONE:
 *   params[0].value.b == 1: TEE_UnmaskCancellation() first (masked when
 *   the session opened); then TEE_Wait(params[0].value.a) between two
 *   TEE_GetSystemTime()s. Returns TEE_Wait's result; params[1].value.a =
 *   elapsed milliseconds by the system time, .b = 1 if the second system
 *   time was not before the first.
 * Command 6 (REE time), VALUE_OUTPUT, NONE, NONE, NONE: TEE_GetREETime
 *   -> value.a = seconds, value.b = millis.
 * Command 7 (bad pointers), VALUE_INPUT, NONE, NONE, NONE: value.a =
 *   0: TEE_GetSystemTime(NULL); 1: TEE_GetREETime(NULL); 2: TEE_Free of a
 *   stack address; 3: TEE_Free twice; 4: TEE_Realloc of a pointer inside
 *   a block. Each panics the TA (TEE_ERROR_TARGET_DEAD).
 * Wrong param types: TEE_ERROR_BAD_PARAMETERS; unknown command:
 * TEE_ERROR_NOT_SUPPORTED.
 */
#define TA_INTERNAL_CMD_MALLOC		0
#define TA_INTERNAL_CMD_HEAP_BOUND	1
#define TA_INTERNAL_CMD_MEM_FUNCS	2
#define TA_INTERNAL_CMD_ACCESS		3
#define TA_INTERNAL_CMD_INSTANCE_DATA	4
#define TA_INTERNAL_CMD_WAIT		5
#define TA_INTERNAL_CMD_REE_TIME	6
#define TA_INTERNAL_CMD_BAD_POINTER	7

/* Targets of command 3: the range checked. */
#define TA_INTERNAL_ACCESS_HEAP		0  /* a 256-byte TEE_Malloc block */
#define TA_INTERNAL_ACCESS_HEAP_PAST	1  /* the same block, 257 bytes */
#define TA_INTERNAL_ACCESS_HEAP_BEFORE	2  /* the byte before it and its first */
#define TA_INTERNAL_ACCESS_HEAP_FREED	3  /* a block after TEE_Free */
#define TA_INTERNAL_ACCESS_STACK	4  /* a 64-byte local array */
#define TA_INTERNAL_ACCESS_GLOBAL	5  /* a 64-byte static array */
#define TA_INTERNAL_ACCESS_CONST	6  /* a static const string (.rodata) */
#define TA_INTERNAL_ACCESS_RELRO	7  /* a static const pointer (RELRO) */
#define TA_INTERNAL_ACCESS_CODE		8  /* 16 bytes of a function */
#define TA_INTERNAL_ACCESS_NULL		9  /* NULL, 1 byte */
#define TA_INTERNAL_ACCESS_OVERFLOW	10 /* UINTPTR_MAX - 15, 32 bytes */
#define TA_INTERNAL_ACCESS_KERNEL	11 /* 0xffff800000000000, 16 bytes */
#define TA_INTERNAL_ACCESS_ZERO_SIZED	12 /* TEE_Malloc(0)'s pointer, 1 byte */
#define TA_INTERNAL_ACCESS_STACK_HUGE	13 /* the local array, 1 GiB */
#define TA_INTERNAL_ACCESS_EMPTY	14 /* NULL, 0 bytes */
#define TA_INTERNAL_ACCESS_PARAM	20 /* + i: params[i] buffer, size */
#define TA_INTERNAL_ACCESS_PARAM_PAST	30 /* + i: params[i] buffer, size + 1 */
#define TA_INTERNAL_ACCESS_PARAM_BEFORE	40 /* + i: params[i] buffer - 1, 1 */
#define TA_INTERNAL_ACCESS_PARAM_SAVE	50 /* + i: as PARAM, and remember it */
#define TA_INTERNAL_ACCESS_SAVED	60 /* the range remembered by 50 + i */

#define TA_INTERNAL_BAD_SYSTEM_TIME	0
#define TA_INTERNAL_BAD_REE_TIME	1
#define TA_INTERNAL_BAD_FREE_STACK	2
#define TA_INTERNAL_BAD_DOUBLE_FREE	3
#define TA_INTERNAL_BAD_REALLOC_INNER	4
#endif /* INTERNAL_TA_H */
