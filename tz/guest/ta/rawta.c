/*
 * A user TA on the bare entry ABI of the TrustZone tier's kernel (see
 * tz/kernel/src/uta.rs): no GP Internal Core API library, only the
 * kernel's entry call and three system calls. It tests the kernel's
 * side of user TAs: loading, parameters, instances, and what happens to
 * a TA that panics or faults.
 *
 *   cmd 0 VALUE   value inout: a = a * 2, b = b + 1
 *   cmd 1 REVERSE memref in, memref out: out = in reversed; a short out
 *                 buffer gets SHORT_BUFFER and the size needed
 *   cmd 2 LOG     logs a line through the kernel
 *   cmd 3 PANIC   panics (the instance dies)
 *   cmd 4 WILD    reads the kernel's memory (the instance dies)
 *   cmd 5 COUNT   value out: a = invokes this instance served, b = opens
 *   cmd 6 CODE    writes its own code (the instance dies)
 */
#include <stdint.h>

#define TEE_SUCCESS 0u
#define TEE_ERROR_BAD_PARAMETERS 0xFFFF0006u
#define TEE_ERROR_NOT_SUPPORTED 0xFFFF000Au
#define TEE_ERROR_SHORT_BUFFER 0xFFFF0010u

/* The TA header the kernel (and the signing tool) read. */
struct oxtee_ta_head {
	uint32_t magic, head_version;
	uint32_t time_low;
	uint16_t time_mid, time_hi;
	uint8_t clock_seq[8];
	uint32_t flags, stack_size, data_size, reserved;
	char version[64], description[256];
};

__attribute__((section(".oxtee_ta_head"), used))
const struct oxtee_ta_head ta_head = {
	.magic = 0x4154584f,
	.head_version = 1,
	/* 5e1f7a00-0000-4000-8000-000000000001 */
	.time_low = 0x5e1f7a00,
	.time_mid = 0x0000,
	.time_hi = 0x4000,
	.clock_seq = { 0x80, 0, 0, 0, 0, 0, 0, 0x01 },
	/* Multi-instance: every session gets its own instance. */
	.flags = 0,
	.stack_size = 16384,
	.data_size = 0,
	.version = "1.0",
	.description = "bare-ABI test TA of the TrustZone tier",
};

struct utee_params {
	uint64_t types;
	uint64_t vals[8];
};

static long syscall2(long n, long a0, long a1)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a0;
	register long x1 __asm__("x1") = a1;
	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1) : "memory");
	return x0;
}

static void __attribute__((noreturn)) ta_return(uint32_t ret)
{
	syscall2(0, ret, 0);
	for (;;)
		;
}

static void ta_log(const char *s)
{
	long n = 0;
	while (s[n])
		n++;
	syscall2(1, (long)s, n);
}

#define TYPES(t0, t1, t2, t3) ((t0) | ((t1) << 4) | ((t2) << 8) | ((t3) << 12))
#define VALUE_INOUT 3
#define VALUE_OUT 2
#define MEMREF_IN 5
#define MEMREF_OUT 6

static uint32_t invokes, opens;

/* Code to overwrite (cmd 6). */
__attribute__((noinline, used)) void code_target(void)
{
	__asm__ volatile("" ::: "memory");
}
/* A pointer table: relocated at load. */
static const char *const greetings[] = { "hello from S-EL0", "hello again" };

static uint32_t invoke(uint32_t cmd, struct utee_params *p)
{
	invokes++;
	switch (cmd) {
	case 0:
		if (p->types != TYPES(VALUE_INOUT, 0, 0, 0))
			return TEE_ERROR_BAD_PARAMETERS;
		p->vals[0] *= 2;
		p->vals[1] += 1;
		return TEE_SUCCESS;
	case 1: {
		if (p->types != TYPES(MEMREF_IN, MEMREF_OUT, 0, 0))
			return TEE_ERROR_BAD_PARAMETERS;
		const uint8_t *in = (const uint8_t *)p->vals[0];
		uint64_t n = p->vals[1];
		uint8_t *out = (uint8_t *)p->vals[2];
		if (p->vals[3] < n) {
			p->vals[3] = n;
			return TEE_ERROR_SHORT_BUFFER;
		}
		for (uint64_t i = 0; i < n; i++)
			out[i] = in[n - 1 - i];
		p->vals[3] = n;
		return TEE_SUCCESS;
	}
	case 2:
		ta_log(greetings[invokes % 2]);
		return TEE_SUCCESS;
	case 3:
		syscall2(2, 0x5e1f, 0);
		return TEE_SUCCESS;
	case 4:
		return (uint32_t) * (volatile uint64_t *)0x0e100000;
	case 5:
		if (p->types != TYPES(VALUE_OUT, 0, 0, 0))
			return TEE_ERROR_BAD_PARAMETERS;
		p->vals[0] = invokes;
		p->vals[1] = opens;
		return TEE_SUCCESS;
	case 6:
		*(volatile uint32_t *)(uintptr_t)&code_target = 0;
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}

void __attribute__((noreturn))
_start(unsigned long func, unsigned long session, struct utee_params *p, unsigned long cmd)
{
	(void)session;
	switch (func) {
	case 0:
		opens++;
		ta_return(TEE_SUCCESS);
	case 1:
		ta_return(TEE_SUCCESS);
	case 2:
		ta_return(invoke((uint32_t)cmd, p));
	default:
		ta_return(TEE_ERROR_NOT_SUPPORTED);
	}
}
