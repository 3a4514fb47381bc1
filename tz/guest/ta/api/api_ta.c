// SPDX-License-Identifier: Apache-2.0
/*
 * The Internal Core API inside a user TA at S-EL0, as far as the
 * TrustZone tier serves it: the heap, access rights (the client's memory
 * only with ANY_OWNER, code and read-only data never writable, the kernel
 * and unmapped memory never), random numbers, system time, formatting,
 * instance data shared by the sessions of a single instance, the
 * cancellation mask, REE time and TEE_Wait (which wait in the normal
 * world, through RPCs), spinning (preempted by the normal world's
 * interrupts) until cancelled or for long, and the panics GP asks for (random numbers into
 * code, freeing what is not a block). Driven by tz/guest/apitest.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#include "api_ta.h"

struct instance {
	uint32_t count;
};

TEE_Result TA_CreateEntryPoint(void)
{
	struct instance *in = TEE_Malloc(sizeof(*in), TEE_MALLOC_FILL_ZERO);

	if (!in)
		return TEE_ERROR_OUT_OF_MEMORY;
	TEE_SetInstanceData(in);
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	TEE_Free((void *)TEE_GetInstanceData());
}

/* Set by API_CLOSE_SPIN (1: every later close of this instance spins
 * for ever) and API_CLOSE_SLOW (2: computes for 1 s). */
static volatile int close_spins;

static uint64_t now_ms(void)
{
	TEE_Time t;

	TEE_GetSystemTime(&t);
	return (uint64_t)t.seconds * 1000 + t.millis;
}

/* API_STORE and API_LOAD: the private object "r", made from or read
 * into the first parameter's buffer. */
static TEE_Result store_or_load(uint32_t cmd, uint32_t types, TEE_Param p[4])
{
	const uint32_t flags = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE |
			       TEE_DATA_FLAG_ACCESS_WRITE_META | TEE_DATA_FLAG_OVERWRITE;
	TEE_ObjectHandle o = TEE_HANDLE_NULL;
	TEE_Result res;
	size_t n = 0;

	if (cmd == API_STORE) {
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "r", 1, flags,
						  TEE_HANDLE_NULL, p[0].memref.buffer,
						  p[0].memref.size, NULL);
	}
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, "r", 1, TEE_DATA_FLAG_ACCESS_READ,
				       &o);
	if (res)
		return res;
	res = TEE_ReadObjectData(o, p[0].memref.buffer, p[0].memref.size, &n);
	TEE_CloseObject(o);
	p[0].memref.size = n;
	return res;
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **ctx)
{
	*ctx = NULL;
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_SUCCESS;
	/* An open that computes for long: the kernel preempts it. */
	if (params[0].value.a == API_OPEN_SPIN) {
		uint64_t end = now_ms() + params[0].value.b;

		while (now_ms() < end)
			__asm__ volatile("");
	}
	/* An open that waits in the normal world. */
	if (params[0].value.a == API_OPEN_WAIT)
		return TEE_Wait(params[0].value.b);
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *ctx)
{
	(void)ctx;
	if (close_spins == 2) {
		uint64_t end = now_ms() + 1000;

		while (now_ms() < end)
			__asm__ volatile("");
	}
	/* A hostile close: spins for ever, without a system call. */
	while (close_spins == 1)
		__asm__ volatile("");
}

static uint32_t heap(uint32_t *fit)
{
	enum { MAX = 128 };
	unsigned char *b[MAX];
	uint32_t n = 0, again = 0, bad = 0;
	unsigned char *p, *q;

	while (n < MAX && (b[n] = TEE_Malloc(1024, TEE_MALLOC_FILL_ZERO))) {
		for (int i = 0; i < 1024; i++)
			bad += b[n][i] != 0;
		TEE_MemFill(b[n], n, 1024);
		n++;
	}
	/* 64 KiB of heap: most of it, not more. */
	if (n < 40 || n >= 64)
		bad++;
	for (uint32_t i = 0; i < n; i++) {
		for (int j = 0; j < 1024; j++)
			bad += b[i][j] != (unsigned char)i;
		TEE_Free(b[i]);
	}
	/* All of it back. */
	while (again < MAX && (b[again] = malloc(1024)))
		again++;
	bad += again != n;
	for (uint32_t i = 0; i < again; i++)
		free(b[i]);
	/* Realloc keeps the bytes, zero-sized blocks are not NULL. */
	p = TEE_Malloc(16, TEE_MALLOC_FILL_ZERO);
	bad += !p;
	if (p) {
		memcpy(p, "0123456789abcdef", 16);
		q = TEE_Realloc(p, 4096);
		bad += !q || memcmp(q, "0123456789abcdef", 16) != 0 || q[4095] != 0;
		TEE_Free(q);
	}
	p = TEE_Malloc(0, TEE_MALLOC_FILL_ZERO);
	bad += !p;
	TEE_Free(p);
	bad += TEE_Malloc(1 << 20, TEE_MALLOC_FILL_ZERO) != NULL;
	p = calloc(100, 10);
	bad += !p;
	for (int i = 0; p && i < 1000; i++)
		bad += p[i] != 0;
	free(p);
	{
		/* An overflowing size: NULL (volatile: the compiler sees it). */
		volatile size_t huge = SIZE_MAX / 2;

		bad += calloc(huge, 4) != NULL;
	}
	*fit = n;
	return bad;
}

static const char rodata[] = "read-only data of the TA";

static uint32_t check_access(TEE_Param *shared)
{
	const uint32_t rw = TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_WRITE;
	uint8_t local[64];
	uint8_t *block = TEE_Malloc(256, TEE_MALLOC_FILL_ZERO);
	uint32_t bad = 0;

#define EXPECT(flags, p, n, want)                                              \
	do {                                                                   \
		TEE_Result r = TEE_CheckMemoryAccessRights((flags), (void *)(p), (n)); \
		if (r != (want)) {                                             \
			EMSG("access %#x %p %zu: %#x, not %#x", (unsigned)(flags), \
			     (void *)(p), (size_t)(n), r, (want));             \
			bad++;                                                 \
		}                                                              \
	} while (0)

	EXPECT(rw, local, sizeof(local), TEE_SUCCESS);
	EXPECT(rw, block, 256, TEE_SUCCESS);
	EXPECT(TEE_MEMORY_ACCESS_READ, (void *)check_access, 16, TEE_SUCCESS);
	EXPECT(TEE_MEMORY_ACCESS_WRITE, (void *)check_access, 16, TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ, rodata, sizeof(rodata), TEE_SUCCESS);
	EXPECT(TEE_MEMORY_ACCESS_WRITE, rodata, sizeof(rodata), TEE_ERROR_ACCESS_DENIED);
	/* The client's buffer: only as "any owner". */
	EXPECT(TEE_MEMORY_ACCESS_READ, shared->memref.buffer, shared->memref.size,
	       TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ | TEE_MEMORY_ACCESS_ANY_OWNER,
	       shared->memref.buffer, shared->memref.size, TEE_SUCCESS);
	/* Not the TA's: the kernel, normal-world RAM, nothing, the top. */
	EXPECT(TEE_MEMORY_ACCESS_READ, 0x0e100000, 8, TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ, 0x40000000, 8, TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ, 16, 8, TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ, UINTPTR_MAX - 4, 16, TEE_ERROR_ACCESS_DENIED);
	EXPECT(TEE_MEMORY_ACCESS_READ, 16, 0, TEE_SUCCESS);
#undef EXPECT
	TEE_Free(block);
	/* The buffer itself: its bytes reversed. */
	for (size_t i = 0, j = shared->memref.size; i + 1 < j; i++, j--) {
		uint8_t *m = shared->memref.buffer, t = m[i];

		m[i] = m[j - 1];
		m[j - 1] = t;
	}
	return bad;
}

static uint32_t random_check(void)
{
	uint8_t a[64], b[64], zero[64] = { 0 };
	uint32_t bad = 0;

	TEE_GenerateRandom(a, sizeof(a));
	TEE_GenerateRandom(b, sizeof(b));
	bad += !memcmp(a, b, sizeof(a));
	bad += !memcmp(a, zero, sizeof(a));
	return bad;
}

static uint32_t cancel_check(void)
{
	uint32_t bad = 0;

	/* Masked when the entry point starts; nothing requested. */
	bad += TEE_GetCancellationFlag() != false;
	bad += TEE_UnmaskCancellation() != true;
	bad += TEE_GetCancellationFlag() != false;
	bad += TEE_MaskCancellation() != false;
	bad += TEE_MaskCancellation() != true;
	return bad;
}

static TEE_Result value_out(uint32_t types, TEE_Param p[4], uint32_t a, uint32_t b)
{
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p[0].value.a = a;
	p[0].value.b = b;
	return TEE_SUCCESS;
}

static TEE_Result sha256(uint32_t types, TEE_Param p[4])
{
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Result r;
	uint32_t i;
	size_t n;

	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				     TEE_PARAM_TYPE_VALUE_INPUT,
				     TEE_PARAM_TYPE_MEMREF_OUTPUT,
				     TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	r = TEE_AllocateOperation(&op, TEE_ALG_SHA256, TEE_MODE_DIGEST, 0);
	if (r)
		return r;
	for (i = 0; i < p[1].value.a; i++)
		TEE_DigestUpdate(op, p[0].memref.buffer, p[0].memref.size);
	n = p[2].memref.size;
	r = TEE_DigestDoFinal(op, NULL, 0, p[2].memref.buffer, &n);
	p[2].memref.size = n;
	TEE_FreeOperation(op);
	return r;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t types,
				      TEE_Param p[4])
{
	struct instance *in = (struct instance *)TEE_GetInstanceData();
	uint32_t fit = 0, bad;
	TEE_Time t1, t2;
	int n;

	(void)ctx;
	switch (cmd) {
	case API_NOP:
		return TEE_SUCCESS;
	case API_SHA256:
		return sha256(types, p);
	case API_PTIME_GET: {
		TEE_Result r = TEE_GetTAPersistentTime(&t1);

		if (value_out(types, p, t1.seconds, t1.millis))
			return TEE_ERROR_BAD_PARAMETERS;
		return r;
	}
	case API_PTIME_SET:
		t1.seconds = 1000;
		t1.millis = 0;
		return TEE_SetTAPersistentTime(&t1);
	case API_HEAP:
		bad = heap(&fit);
		return value_out(types, p, fit, bad);
	case API_ACCESS:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT,
					     TEE_PARAM_TYPE_VALUE_OUTPUT,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		p[1].value.b = check_access(&p[0]);
		return TEE_SUCCESS;
	case API_RANDOM:
		return value_out(types, p, 0, random_check());
	case API_TIME:
		TEE_GetSystemTime(&t1);
		TEE_GetSystemTime(&t2);
		if (t2.seconds < t1.seconds ||
		    (t2.seconds == t1.seconds && t2.millis < t1.millis) || t1.millis > 999)
			return TEE_ERROR_GENERIC;
		return value_out(types, p, t2.seconds, t2.millis);
	case API_FORMAT:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		n = snprintf(p[0].memref.buffer, p[0].memref.size, "%d|%-5s|%05x|%lld|%c|%.3s",
			     -42, "ab", 0xbeef, -9000000000LL, 'z', "truncated");
		if (n < 0)
			return TEE_ERROR_GENERIC;
		if ((size_t)n >= p[0].memref.size) {
			p[0].memref.size = n + 1;
			return TEE_ERROR_SHORT_BUFFER;
		}
		p[0].memref.size = n + 1;
		printf("formatted: %s\n", (char *)p[0].memref.buffer);
		return TEE_SUCCESS;
	case API_COUNT:
		return value_out(types, p, ++in->count, 0);
	case API_CLOSE_SPIN:
		close_spins = 1;
		return TEE_SUCCESS;
	case API_CLOSE_SLOW:
		close_spins = 2;
		return TEE_SUCCESS;
	case API_STORE:
	case API_LOAD:
		return store_or_load(cmd, types, p);
	case API_CANCEL:
		return value_out(types, p, 0, cancel_check());
	case API_REE_TIME:
		TEE_GetREETime(&t1);
		if (t1.millis > 999)
			return TEE_ERROR_GENERIC;
		return value_out(types, p, t1.seconds, t1.millis);
	case API_WAIT: {
		TEE_Result r;

		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					     TEE_PARAM_TYPE_VALUE_OUTPUT,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_UnmaskCancellation();
		TEE_GetSystemTime(&t1);
		r = TEE_Wait(p[0].value.a);
		TEE_GetSystemTime(&t2);
		p[1].value.a = (t2.seconds - t1.seconds) * 1000 + t2.millis - t1.millis;
		return r;
	}
	case API_SPIN: {
		uint32_t polls = 0;

		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					     TEE_PARAM_TYPE_VALUE_OUTPUT,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_UnmaskCancellation();
		while (!TEE_GetCancellationFlag())
			polls++;
		p[1].value.a = polls;
		return TEE_ERROR_CANCEL;
	}
	case API_BUSY: {
		uint64_t x = 1;

		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					     TEE_PARAM_TYPE_VALUE_OUTPUT,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		for (uint64_t i = 0; i < (uint64_t)p[0].value.a * 1000000; i++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			__asm__ volatile("" : "+r"(x));
		}
		p[1].value.a = (uint32_t)(x >> 32);
		return TEE_SUCCESS;
	}
	case API_RANDOM_INTO_CODE:
		TEE_GenerateRandom((void *)TA_InvokeCommandEntryPoint, 16);
		return TEE_ERROR_GENERIC;	/* not reached: the TA panicked */
	case API_FREE_STACK:
		TEE_Free(&fit);
		return TEE_ERROR_GENERIC;	/* not reached */
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
