// SPDX-License-Identifier: Apache-2.0
/*
 * Exercises the Internal Core API's memory and time functions: the
 * bounded TEE_Malloc heap and its hints, TEE_Realloc / TEE_Free,
 * TEE_MemMove / TEE_MemCompare / TEE_MemFill, TEE_CheckMemoryAccessRights
 * on every kind of memory a TA has, instance data, TEE_GetSystemTime,
 * TEE_Wait (with cancellation), TEE_GetREETime, and the panics on bad
 * pointers. See include/internal_ta.h for the commands.
 */
#include <stdint.h>
#include <string.h>

#include <internal_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d)	TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
					TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

/* Targets of TEE_CheckMemoryAccessRights, one of each kind of memory. */
static char global_buf[64];
static int global_int;
static const char const_str[] = "a constant string, in .rodata";
/* Needs a relocation in a PIE: .data.rel.ro, read-only after start-up. */
static int *const relro_ptr = &global_int;

/* The range remembered by TA_INTERNAL_ACCESS_PARAM_SAVE. */
static void *saved_buf;
static size_t saved_size;

/* The blocks of the heap-bound command. */
#define MAX_BLOCKS 8192
static void *blocks[MAX_BLOCKS];

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	(void)param_types;
	(void)params;
	(void)sess_ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

static bool all_are(const void *p, uint8_t v, size_t n)
{
	const uint8_t *b = p;
	size_t i = 0;

	for (i = 0; i < n; i++)
		if (b[i] != v)
			return false;
	return true;
}

static bool aligned(const void *p)
{
	return ((uintptr_t)p % 16) == 0;
}

static bool can_rw(void *p, size_t n)
{
	return TEE_CheckMemoryAccessRights(TEE_MEMORY_ACCESS_READ |
					   TEE_MEMORY_ACCESS_WRITE, p, n) ==
	       TEE_SUCCESS;
}

/* Returns 0 when every step passed, else the number of the failed step. */
static uint32_t malloc_steps(void)
{
	uint8_t *dirty = NULL;
	uint8_t *p = NULL;
	uint8_t *q = NULL;
	uint8_t *r = NULL;
	uint8_t *z = NULL;
	uint8_t *a = NULL;
	uint8_t *b = NULL;

	/* 1: a zero-filled, aligned block; the heap is empty at this point. */
	p = TEE_Malloc(100, TEE_MALLOC_FILL_ZERO);
	if (!p || !aligned(p) || !all_are(p, 0, 100))
		return 1;
	TEE_Free(p);

	/* 2: dirty the start of the heap, then free it. */
	dirty = TEE_Malloc(4000, TEE_MALLOC_NO_FILL | TEE_MALLOC_NO_SHARE);
	if (!dirty)
		return 2;
	memset(dirty, 0xEE, 4000);
	TEE_Free(dirty);

	/* 3: a zero-filled block over dirty memory is zero. */
	p = TEE_Malloc(100, TEE_MALLOC_FILL_ZERO);
	if (!p || !all_are(p, 0, 100))
		return 3;
	memset(p, 0xAB, 100);

	/* 4: growing keeps the bytes and zero-fills the new ones (the hint
	 * stays with the block), in place or moved. */
	q = TEE_Realloc(p, 1000);
	if (!q || !aligned(q) || !all_are(q, 0xAB, 100) ||
	    !all_are(q + 100, 0, 900))
		return 4;
	p = TEE_Malloc(16, TEE_MALLOC_FILL_ZERO); /* a neighbour, maybe */
	if (!p)
		return 5;
	r = TEE_Realloc(q, 3000);
	if (!r || !all_are(r, 0xAB, 100) || !all_are(r + 100, 0, 2900))
		return 6;
	TEE_Free(p);

	/* 7: a realloc beyond the heap fails and leaves the block alone. */
	if (TEE_Realloc(r, 1024 * 1024))
		return 7;
	if (!all_are(r, 0xAB, 100) || !can_rw(r, 3000))
		return 8;

	/* 9: shrinking keeps the first bytes. */
	r = TEE_Realloc(r, 50);
	if (!r || !all_are(r, 0xAB, 50) || !can_rw(r, 50) || can_rw(r, 51))
		return 9;

	/* 10: realloc to 0 frees the block and returns a non-NULL pointer. */
	z = TEE_Realloc(r, 0);
	if (!z || can_rw(r, 1))
		return 10;
	TEE_Free(z);

	/* 11: TEE_Malloc(0): not NULL, inaccessible, freeable, reallocable. */
	z = TEE_Malloc(0, TEE_MALLOC_FILL_ZERO);
	if (!z || can_rw(z, 1))
		return 11;
	TEE_Free(z);
	z = TEE_Malloc(0, TEE_MALLOC_FILL_ZERO);
	p = TEE_Realloc(z, 32);
	if (!p || !all_are(p, 0, 32))
		return 12;
	TEE_Free(p);

	/* 13: TEE_Realloc(NULL, n) is TEE_Malloc(n, TEE_MALLOC_FILL_ZERO);
	 * TEE_Free(NULL) does nothing. */
	p = TEE_Realloc(NULL, 64);
	if (!p || !all_are(p, 0, 64))
		return 13;
	TEE_Free(p);
	TEE_Free(NULL);

	/* 14: hints. A freed dirty block comes back as it was with NO_FILL
	 * (this allocator reuses the best fit), and zeroed without. */
	a = TEE_Malloc(200, TEE_MALLOC_FILL_ZERO);
	if (!a)
		return 14;
	memset(a, 0x5A, 200);
	TEE_Free(a);
	b = TEE_Malloc(200, TEE_MALLOC_NO_FILL | TEE_MALLOC_NO_SHARE);
	if (b != a || !all_are(b, 0x5A, 200))
		return 15;
	TEE_Free(b);
	b = TEE_Malloc(200, TEE_MALLOC_NO_SHARE);
	if (b != a || !all_are(b, 0, 200))
		return 16;
	memset(b, 0x5A, 200);
	TEE_Free(b);
	b = TEE_Malloc(200, TEE_MALLOC_FILL_ZERO);
	if (b != a || !all_are(b, 0, 200))
		return 17;
	TEE_Free(b);
	b = TEE_Malloc(200, TEE_MALLOC_NO_FILL);
	if (!b)
		return 18;
	TEE_Free(b);
	b = TEE_Malloc(200, 0x80000000); /* OP-TEE's old "no fill" */
	if (!b)
		return 19;
	TEE_Free(b);
	/* 20: an unknown hint is refused (OP-TEE). */
	if (TEE_Malloc(200, 0x4) || TEE_Malloc(200, 0x100))
		return 20;

	/* 21: the bound: exactly the data size, not a byte more. */
	if (TEE_Malloc(TA_INTERNAL_DATA_SIZE + 1, TEE_MALLOC_FILL_ZERO) ||
	    TEE_Malloc(SIZE_MAX, TEE_MALLOC_FILL_ZERO))
		return 21;
	p = TEE_Malloc(TA_INTERNAL_DATA_SIZE, TEE_MALLOC_NO_FILL);
	if (!p || !can_rw(p, TA_INTERNAL_DATA_SIZE))
		return 22;
	if (TEE_Malloc(1, TEE_MALLOC_FILL_ZERO))
		return 23;
	TEE_Free(p);
	return 0;
}

static TEE_Result cmd_malloc(uint32_t pt, TEE_Param params[4])
{
	if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = malloc_steps();
	params[0].value.b = 0;
	return TEE_SUCCESS;
}

static TEE_Result cmd_heap_bound(uint32_t pt, TEE_Param params[4])
{
	size_t size = params[0].value.a;
	size_t n = 0;
	size_t i = 0;
	void *big = NULL;

	if (pt != PT(VALUE_INPUT, VALUE_OUTPUT, NONE, NONE) || !size)
		return TEE_ERROR_BAD_PARAMETERS;
	while (n < MAX_BLOCKS) {
		blocks[n] = TEE_Malloc(size, TEE_MALLOC_NO_FILL);
		if (!blocks[n])
			break;
		memset(blocks[n], (int)(n & 0xff), size);
		n++;
	}
	/* No two blocks overlap: each still holds its own pattern. */
	for (i = 0; i < n; i++)
		if (!all_are(blocks[i], (uint8_t)(i & 0xff), size))
			return TEE_ERROR_CORRUPT_OBJECT;
	params[1].value.a = (uint32_t)(n * size);
	params[1].value.b = (uint32_t)n;
	for (i = 0; i < n; i++)
		TEE_Free(blocks[i]);
	/* Freed blocks coalesce: most of the heap is one block again. */
	big = TEE_Malloc(TA_INTERNAL_DATA_SIZE / 4 * 3, TEE_MALLOC_FILL_ZERO);
	if (!big)
		return TEE_ERROR_OUT_OF_MEMORY;
	TEE_Free(big);
	return TEE_SUCCESS;
}

static TEE_Result cmd_mem_funcs(uint32_t pt, TEE_Param params[4])
{
	char buf[16];
	uint8_t x[3] = { 1, 2, 3 };
	uint8_t y[3] = { 1, 2, 4 };
	uint8_t hi = 0x80;
	uint8_t lo = 0x7f;
	uint32_t step = 0;

	if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	/* Overlapping moves, forwards and backwards. */
	memcpy(buf, "0123456789", 11);
	TEE_MemMove(buf + 2, buf, 6);
	if (memcmp(buf, "0101234589", 11))
		step = 1;
	memcpy(buf, "0123456789", 11);
	TEE_MemMove(buf, buf + 2, 6);
	if (!step && memcmp(buf, "2345676789", 11))
		step = 2;
	TEE_MemMove(NULL, NULL, 0);
	/* Signs, bytes compared as unsigned. */
	if (!step && TEE_MemCompare(x, x, 3) != 0)
		step = 3;
	if (!step && TEE_MemCompare(x, y, 3) >= 0)
		step = 4;
	if (!step && TEE_MemCompare(y, x, 3) <= 0)
		step = 5;
	if (!step && TEE_MemCompare(&hi, &lo, 1) <= 0)
		step = 6;
	if (!step && TEE_MemCompare(x, y, 2) != 0)
		step = 7;
	if (!step && TEE_MemCompare(NULL, NULL, 0) != 0)
		step = 8;
	/* Fill with the low byte of x; size 0 touches nothing. */
	memset(buf, 0, sizeof(buf));
	TEE_MemFill(buf + 1, 0x1A5, 14);
	if (!step && (buf[0] || buf[15] || !all_are(buf + 1, 0xA5, 14)))
		step = 9;
	TEE_MemFill(buf, 0x11, 0);
	if (!step && buf[0])
		step = 10;
	params[0].value.a = step;
	params[0].value.b = 0;
	return TEE_SUCCESS;
}

static bool is_memref(uint32_t t)
{
	return t == TEE_PARAM_TYPE_MEMREF_INPUT ||
	       t == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
	       t == TEE_PARAM_TYPE_MEMREF_INOUT;
}

static TEE_Result cmd_access(uint32_t pt, TEE_Param params[4])
{
	uint32_t target = params[0].value.a;
	uint32_t flags = params[0].value.b;
	char local[64];
	void *block = NULL;
	void *buf = NULL;
	size_t size = 0;
	uint32_t i = target % 10;

	if (TEE_PARAM_TYPE_GET(pt, 0) != TEE_PARAM_TYPE_VALUE_INOUT)
		return TEE_ERROR_BAD_PARAMETERS;
	memset(local, 0, sizeof(local));
	block = TEE_Malloc(256, TEE_MALLOC_FILL_ZERO);
	if (!block)
		return TEE_ERROR_OUT_OF_MEMORY;

	switch (target) {
	case TA_INTERNAL_ACCESS_HEAP:
		buf = block;
		size = 256;
		break;
	case TA_INTERNAL_ACCESS_HEAP_PAST:
		buf = block;
		size = 257;
		break;
	case TA_INTERNAL_ACCESS_HEAP_BEFORE:
		buf = (char *)block - 1;
		size = 2;
		break;
	case TA_INTERNAL_ACCESS_HEAP_FREED:
		buf = TEE_Malloc(32, TEE_MALLOC_FILL_ZERO);
		TEE_Free(buf);
		size = 16;
		break;
	case TA_INTERNAL_ACCESS_STACK:
		buf = local;
		size = sizeof(local);
		break;
	case TA_INTERNAL_ACCESS_GLOBAL:
		buf = global_buf;
		size = sizeof(global_buf);
		break;
	case TA_INTERNAL_ACCESS_CONST:
		buf = (void *)const_str;
		size = sizeof(const_str);
		break;
	case TA_INTERNAL_ACCESS_RELRO:
		buf = (void *)&relro_ptr;
		size = sizeof(relro_ptr);
		break;
	case TA_INTERNAL_ACCESS_CODE:
		buf = (void *)TA_InvokeCommandEntryPoint;
		size = 16;
		break;
	case TA_INTERNAL_ACCESS_NULL:
		buf = NULL;
		size = 1;
		break;
	case TA_INTERNAL_ACCESS_OVERFLOW:
		buf = (void *)(UINTPTR_MAX - 15);
		size = 32;
		break;
	case TA_INTERNAL_ACCESS_KERNEL:
		buf = (void *)(uintptr_t)0xffff800000000000ULL;
		size = 16;
		break;
	case TA_INTERNAL_ACCESS_ZERO_SIZED:
		buf = TEE_Malloc(0, TEE_MALLOC_FILL_ZERO);
		size = 1;
		break;
	case TA_INTERNAL_ACCESS_STACK_HUGE:
		buf = local;
		size = 1 << 30;
		break;
	case TA_INTERNAL_ACCESS_EMPTY:
		buf = NULL;
		size = 0;
		break;
	case TA_INTERNAL_ACCESS_SAVED:
		buf = saved_buf;
		size = saved_size;
		break;
	default:
		if (target < TA_INTERNAL_ACCESS_PARAM || target >= 60 ||
		    i < 1 || i > 3 ||
		    !is_memref(TEE_PARAM_TYPE_GET(pt, i))) {
			TEE_Free(block);
			return TEE_ERROR_BAD_PARAMETERS;
		}
		buf = params[i].memref.buffer;
		size = params[i].memref.size;
		switch (target - i) {
		case TA_INTERNAL_ACCESS_PARAM_PAST:
			size++;
			break;
		case TA_INTERNAL_ACCESS_PARAM_BEFORE:
			buf = (char *)buf - 1;
			size = 1;
			break;
		case TA_INTERNAL_ACCESS_PARAM_SAVE:
			saved_buf = buf;
			saved_size = size;
			break;
		default:
			break;
		}
		break;
	}
	params[0].value.a = TEE_CheckMemoryAccessRights(flags, buf, size);
	TEE_Free(block);
	return TEE_SUCCESS;
}

static TEE_Result cmd_instance_data(uint32_t pt, TEE_Param params[4])
{
	uint32_t *counter = (uint32_t *)TEE_GetInstanceData();
	uint32_t was_null = !counter;

	if (pt != PT(VALUE_INOUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (!counter) {
		counter = TEE_Malloc(sizeof(*counter), TEE_MALLOC_FILL_ZERO);
		if (!counter)
			return TEE_ERROR_OUT_OF_MEMORY;
		TEE_SetInstanceData(counter);
	}
	*counter += params[0].value.a;
	params[0].value.a = *counter;
	params[0].value.b = was_null;
	return TEE_SUCCESS;
}

static TEE_Result cmd_wait(uint32_t pt, TEE_Param params[4])
{
	TEE_Time t0 = { 0 };
	TEE_Time t1 = { 0 };
	TEE_Result res = TEE_SUCCESS;
	uint64_t ms0 = 0;
	uint64_t ms1 = 0;

	if (pt != PT(VALUE_INPUT, VALUE_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[0].value.b == 1)
		TEE_UnmaskCancellation();
	TEE_GetSystemTime(&t0);
	res = TEE_Wait(params[0].value.a);
	TEE_GetSystemTime(&t1);
	ms0 = (uint64_t)t0.seconds * 1000 + t0.millis;
	ms1 = (uint64_t)t1.seconds * 1000 + t1.millis;
	params[1].value.a = (uint32_t)(ms1 - ms0);
	params[1].value.b = ms1 >= ms0 && t0.millis < 1000 && t1.millis < 1000;
	return res;
}

static TEE_Result cmd_ree_time(uint32_t pt, TEE_Param params[4])
{
	TEE_Time t = { 0 };

	if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_GetREETime(&t);
	params[0].value.a = t.seconds;
	params[0].value.b = t.millis;
	return TEE_SUCCESS;
}

static TEE_Result cmd_bad_pointer(uint32_t pt, TEE_Param params[4])
{
	char local[16];
	char *p = NULL;

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (params[0].value.a) {
	case TA_INTERNAL_BAD_SYSTEM_TIME:
		TEE_GetSystemTime(NULL);
		break;
	case TA_INTERNAL_BAD_REE_TIME:
		TEE_GetREETime(NULL);
		break;
	case TA_INTERNAL_BAD_FREE_STACK:
		TEE_Free(local);
		break;
	case TA_INTERNAL_BAD_DOUBLE_FREE:
		p = TEE_Malloc(32, TEE_MALLOC_FILL_ZERO);
		TEE_Free(p);
		TEE_Free(p);
		break;
	case TA_INTERNAL_BAD_REALLOC_INNER:
		p = TEE_Malloc(64, TEE_MALLOC_FILL_ZERO);
		p = TEE_Realloc(p + 16, 128);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	/* Only reached if the call above did not panic. */
	return TEE_ERROR_GENERIC;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;

	switch (cmd_id) {
	case TA_INTERNAL_CMD_MALLOC:
		return cmd_malloc(param_types, params);
	case TA_INTERNAL_CMD_HEAP_BOUND:
		return cmd_heap_bound(param_types, params);
	case TA_INTERNAL_CMD_MEM_FUNCS:
		return cmd_mem_funcs(param_types, params);
	case TA_INTERNAL_CMD_ACCESS:
		return cmd_access(param_types, params);
	case TA_INTERNAL_CMD_INSTANCE_DATA:
		return cmd_instance_data(param_types, params);
	case TA_INTERNAL_CMD_WAIT:
		return cmd_wait(param_types, params);
	case TA_INTERNAL_CMD_REE_TIME:
		return cmd_ree_time(param_types, params);
	case TA_INTERNAL_CMD_BAD_POINTER:
		return cmd_bad_pointer(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
