/*
 * The Internal Core API inside a user TA at S-EL0, through the GP Client
 * API (oxtee's libteec over /dev/tee0): drives tz/guest/ta/api (built
 * with the TrustZone devkit) and checks its answers, then times what
 * issue 13 measures: the invoke of a silent user TA, and the open+close
 * of a session of a TA that is loaded (fetched through the supplicant,
 * verified, mapped) for each session (the seed example's TA, which is
 * not single-instance) and of a running single instance; REE time and
 * TEE_Wait through RPCs, a cancelled endless wait. Exit status 0
 * when every answer is the expected one.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <tee_client_api.h>
#include <time.h>

#include "ta/api/api_ta.h"

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static const TEEC_UUID api = API_TA_UUID;
static const TEEC_UUID seed = { 0x12345678, 0x1234, 0x1234,
				{ 0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef } };

static int failures;
#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "apitest: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                    \
			fprintf(stderr, "\n");                           \
			failures++;                                      \
		}                                                        \
	} while (0)

/* Command `cmd` with one value out: its result; a and b. */
static TEEC_Result value(TEEC_Session *s, uint32_t cmd, uint32_t *a, uint32_t *b,
			 uint32_t *origin)
{
	TEEC_Operation op;
	TEEC_Result r;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = TEEC_InvokeCommand(s, cmd, &op, origin);
	*a = op.params[0].value.a;
	*b = op.params[0].value.b;
	return r;
}

static TEEC_Result wait_ms(TEEC_Session *s, uint32_t ms, uint32_t *elapsed, uint32_t *origin)
{
	TEEC_Operation op;
	TEEC_Result r;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].value.a = ms;
	r = TEEC_InvokeCommand(s, API_WAIT, &op, origin);
	*elapsed = op.params[1].value.a;
	return r;
}

struct waiter {
	TEEC_Session *s;
	uint32_t cmd;
	uint32_t a;
	TEEC_Operation op;
	TEEC_Result r;
	uint32_t origin;
	volatile int done;
};

/* Command `cmd` with a value in (a) and a value out, on a thread. */
static void *call_in(void *arg)
{
	struct waiter *w = arg;

	memset(&w->op, 0, sizeof(w->op));
	w->op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					    TEEC_NONE);
	w->op.params[0].value.a = w->a;
	w->r = TEEC_InvokeCommand(w->s, w->cmd, &w->op, &w->origin);
	w->done = 1;
	return NULL;
}

static void *wait_forever(void *arg)
{
	struct waiter *w = arg;

	memset(&w->op, 0, sizeof(w->op));
	w->op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE,
					    TEEC_NONE);
	w->op.params[0].value.a = 0xFFFFFFFF; /* TEE_TIMEOUT_INFINITE */
	w->r = TEEC_InvokeCommand(w->s, API_WAIT, &w->op, &w->origin);
	return NULL;
}

/* API_COUNT (its count in a), on a thread. */
static void *count_in(void *arg)
{
	struct waiter *w = arg;
	uint32_t b;

	w->r = value(w->s, API_COUNT, &w->a, &b, &w->origin);
	w->done = 1;
	return NULL;
}

/* An open of the API TA with a value in (a, b), on a thread. */
struct opener {
	TEEC_Context *ctx;
	uint32_t a, b;
	TEEC_Session s;
	TEEC_Result r;
	uint32_t origin;
};

static void *open_in(void *arg)
{
	struct opener *o = arg;
	TEEC_Operation op;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = o->a;
	op.params[0].value.b = o->b;
	o->r = TEEC_OpenSession(o->ctx, &o->s, &api, TEEC_LOGIN_PUBLIC, NULL, &op, &o->origin);
	return NULL;
}

/* TEEC_CloseSession on a thread. */
struct closer {
	TEEC_Session *s;
};

static void *close_in(void *arg)
{
	struct closer *c = arg;

	TEEC_CloseSession(c->s);
	return NULL;
}

static TEEC_Result open(TEEC_Context *ctx, TEEC_Session *s, const TEEC_UUID *u)
{
	uint32_t origin;

	return TEEC_OpenSession(ctx, s, u, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
}

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session s1, s2, s3;
	TEEC_Operation op;
	TEEC_Result r;
	uint32_t a, b, origin;
	char buf[64];
	double t0;
	int i, n;

	r = TEEC_InitializeContext(NULL, &ctx);
	CHECK(r == TEEC_SUCCESS, "InitializeContext: %#x", r);
	if (r)
		return 1;
	r = open(&ctx, &s1, &api);
	CHECK(r == TEEC_SUCCESS, "open: %#x", r);
	if (r)
		return 1;

	r = value(&s1, API_HEAP, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && b == 0, "heap: %#x, %u blocks, %u failures", r, a, b);
	printf("apitest: heap: %u blocks of 1 KiB fit in TA_DATA_SIZE (64 KiB)\n", a);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INOUT, TEEC_VALUE_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	memcpy(buf, "0123456789", 10);
	op.params[0].tmpref.buffer = buf;
	op.params[0].tmpref.size = 10;
	r = TEEC_InvokeCommand(&s1, API_ACCESS, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[1].value.b == 0,
	      "access rights: %#x, %u failures", r, op.params[1].value.b);
	CHECK(!memcmp(buf, "9876543210", 10), "the memref came back: %.10s", buf);

	r = value(&s1, API_RANDOM, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && b == 0, "random: %#x, %u failures", r, b);
	r = value(&s1, API_TIME, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && b < 1000, "system time: %#x (%u s %u ms)", r, a, b);
	r = value(&s1, API_CANCEL, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && b == 0, "cancellation mask: %#x, %u failures", r, b);

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = buf;
	op.params[0].tmpref.size = 4;
	r = TEEC_InvokeCommand(&s1, API_FORMAT, &op, &origin);
	CHECK(r == TEEC_ERROR_SHORT_BUFFER && op.params[0].tmpref.size == 34,
	      "format, short: %#x, size %zu", r, op.params[0].tmpref.size);
	op.params[0].tmpref.size = sizeof(buf);
	r = TEEC_InvokeCommand(&s1, API_FORMAT, &op, &origin);
	CHECK(r == TEEC_SUCCESS && !strcmp(buf, "-42|ab   |0beef|-9000000000|z|tru"),
	      "format: %#x, \"%s\"", r, buf);

	/* One instance, two sessions: the instance data is shared. */
	r = open(&ctx, &s2, &api);
	CHECK(r == TEEC_SUCCESS, "second session: %#x", r);
	value(&s1, API_COUNT, &a, &b, &origin);
	r = value(&s2, API_COUNT, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a == 2, "instance data: %#x, count %u", r, a);

	/* REE time and waits: through RPCs from inside the TA. */
	r = value(&s1, API_REE_TIME, &a, &b, &origin);
	{
		time_t ree = time(NULL);

		CHECK(r == TEEC_SUCCESS && b < 1000 && (long)a - (long)ree < 5 &&
			      (long)ree - (long)a < 5,
		      "REE time: %#x, %u s %u ms (the guest says %ld)", r, a, b, (long)ree);
	}
	r = wait_ms(&s1, 250, &a, &origin);
	CHECK(r == TEEC_SUCCESS && a >= 240 && a < 2000, "wait 250 ms: %#x, %u ms", r, a);
	/* Cancelled: an endless wait ends with CANCEL (origin: the TA); a
	 * call of the other session meanwhile waits for its turn (the
	 * instance is busy; OP-TEE too serialises a TA's calls) and is
	 * answered when the wait has ended. */
	{
		struct waiter w = { .s = &s1 };
		struct waiter w2 = { .s = &s2 };
		pthread_t th, th2;

		pthread_create(&th, NULL, wait_forever, &w);
		usleep(300 * 1000);
		pthread_create(&th2, NULL, count_in, &w2);
		usleep(300 * 1000);
		CHECK(!w2.done, "the other session's call waits for its turn: %#x", w2.r);
		TEEC_RequestCancellation(&w.op);
		pthread_join(th, NULL);
		pthread_join(th2, NULL);
		CHECK(w.r == TEEC_ERROR_CANCEL && w.origin == TEEC_ORIGIN_TRUSTED_APP,
		      "cancelled wait: %#x origin %u", w.r, w.origin);
		CHECK(w2.r == TEEC_SUCCESS && w2.a == 3,
		      "the other session's call after its turn: %#x, count %u", w2.r, w2.a);
	}

	/* Preemption: TAs that never return on their own. The normal world
	 * keeps running meanwhile (one CPU: without preemption the guest
	 * would hang here), other TAs answer, and the spinning one ends
	 * when cancelled. */
	{
		struct waiter w = { .s = &s1, .cmd = API_SPIN };
		pthread_t th;
		TEEC_Session sd;
		double t1;

		pthread_create(&th, NULL, call_in, &w);
		usleep(200 * 1000);
		t1 = now_us();
		usleep(50 * 1000);
		t1 = now_us() - t1;
		CHECK(t1 < 2e6, "the normal world slept 50 ms in %.0f us", t1);
		r = open(&ctx, &sd, &seed);
		CHECK(r == TEEC_SUCCESS, "another TA while one spins: %#x", r);
		if (!r)
			TEEC_CloseSession(&sd);
		TEEC_RequestCancellation(&w.op);
		pthread_join(th, NULL);
		CHECK(w.r == TEEC_ERROR_CANCEL && w.origin == TEEC_ORIGIN_TRUSTED_APP,
		      "cancelled spin: %#x origin %u", w.r, w.origin);
		printf("apitest: a TA spun (%u polls of its cancellation flag) while the normal world "
		       "ran, until cancelled\n", w.op.params[1].value.a);
	}
	{
		uint32_t turns = 20;
		struct waiter w = { .s = &s1, .cmd = API_BUSY, .a = turns };
		pthread_t th;
		int ticks = 0;
		double t1 = now_us();

		pthread_create(&th, NULL, call_in, &w);
		/* The normal world's own 10 ms sleeps go on meanwhile. */
		while (!w.done) {
			usleep(10 * 1000);
			ticks++;
		}
		pthread_join(th, NULL);
		CHECK(w.r == TEEC_SUCCESS, "busy TA: %#x", w.r);
		printf("apitest: a TA computed for %.0f ms without a system call; the normal world "
		       "slept %d times meanwhile\n", (now_us() - t1) / 1000, ticks);
		CHECK(ticks > 1, "the normal world ran %d times", ticks);
	}

	/* Timings. */
	n = 1000;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		memset(&op, 0, sizeof(op));
		r = TEEC_InvokeCommand(&s1, API_NOP, &op, &origin);
		if (r)
			break;
	}
	CHECK(i == n, "silent invoke %d: %#x", i, r);
	printf("apitest: invoke of a silent user TA: %.1f us each (%d calls)\n",
	       (now_us() - t0) / n, n);
	n = 100;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		r = open(&ctx, &s3, &api);
		if (r)
			break;
		TEEC_CloseSession(&s3);
	}
	CHECK(i == n, "open+close %d: %#x", i, r);
	printf("apitest: open+close of a session of a running instance: %.1f us each (%d)\n",
	       (now_us() - t0) / n, n);
	n = 20;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		r = open(&ctx, &s3, &seed);
		if (r)
			break;
		TEEC_CloseSession(&s3);
	}
	CHECK(i == n, "open+close of the seed TA %d: %#x", i, r);
	printf("apitest: open+close of a session of a TA loaded for it: %.2f ms each (%d)\n",
	       (now_us() - t0) / n / 1000, n);

	/* SHA-256 through the TA (the kernel's engine behind system calls):
	 * 64 KiB of zeros once (a known answer), then 16 rounds of a
	 * pattern per call, timed. */
	{
		static const uint8_t zeros_digest[32] = {
			0xde, 0x2f, 0x25, 0x60, 0x64, 0xa0, 0xaf, 0x79, 0x77, 0x47, 0xc2,
			0xb9, 0x75, 0x05, 0xdc, 0x0b, 0x9f, 0x3d, 0xf0, 0xde, 0x4f, 0x48,
			0x9e, 0xac, 0x73, 0x1c, 0x23, 0xae, 0x9c, 0xa9, 0xcc, 0x31 };
		static const uint8_t pattern_digest[32] = {
			0x1d, 0x73, 0x68, 0xef, 0x6f, 0x59, 0xe0, 0xc7, 0x04, 0xa9, 0x78,
			0xb8, 0x15, 0x28, 0x8f, 0x1e, 0x46, 0x40, 0x37, 0x95, 0x96, 0x45,
			0xbb, 0xfd, 0x79, 0x34, 0x8d, 0x33, 0x02, 0x69, 0x48, 0x0d };
		static uint8_t buf[64 * 1024];
		uint8_t digest[32];
		TEEC_Operation op;
		int k, calls = 8;

		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_INPUT,
						 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
		op.params[0].tmpref.buffer = buf;
		op.params[0].tmpref.size = sizeof(buf);
		op.params[1].value.a = 1;
		op.params[2].tmpref.buffer = digest;
		op.params[2].tmpref.size = sizeof(digest);
		r = TEEC_InvokeCommand(&s1, API_SHA256, &op, &origin);
		CHECK(r == TEEC_SUCCESS && op.params[2].tmpref.size == 32 &&
		      !memcmp(digest, zeros_digest, 32), "SHA-256 of 64 KiB of zeros: %#x", r);
		for (k = 0; k < (int)sizeof(buf); k++)
			buf[k] = (uint8_t)(k * 7);
		op.params[1].value.a = 16;
		t0 = now_us();
		for (i = 0; i < calls; i++) {
			op.params[2].tmpref.size = sizeof(digest);
			r = TEEC_InvokeCommand(&s1, API_SHA256, &op, &origin);
			if (r || memcmp(digest, pattern_digest, 32))
				break;
		}
		CHECK(i == calls, "SHA-256 of 16 x 64 KiB, call %d: %#x", i, r);
		printf("apitest: SHA-256 through a TA, 64 KiB per TEE_DigestUpdate: %.1f MiB/s "
		       "(%d MiB)\n", calls / ((now_us() - t0) / 1e6), calls);
		/* What of each call above is not hashing: the 64 KiB in, the
		 * operation, the final. */
		op.params[1].value.a = 0;
		t0 = now_us();
		for (i = 0; i < 20; i++) {
			op.params[2].tmpref.size = sizeof(digest);
			r = TEEC_InvokeCommand(&s1, API_SHA256, &op, &origin);
			if (r)
				break;
		}
		CHECK(i == 20, "SHA-256 call without updates %d: %#x", i, r);
		printf("apitest: the same call with no update (64 KiB in, a final): %.0f us\n",
		       (now_us() - t0) / 20);
		/* A silent call with the same 64 KiB, as a temporary memref (a
		 * shared buffer per call) and in registered memory. */
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_NONE, TEEC_NONE,
						 TEEC_NONE);
		t0 = now_us();
		for (i = 0; i < 20; i++) {
			r = TEEC_InvokeCommand(&s1, API_NOP, &op, &origin);
			if (r)
				break;
		}
		CHECK(i == 20, "silent call with 64 KiB %d: %#x", i, r);
		printf("apitest: a silent call with a 64 KiB temporary memref: %.0f us\n",
		       (now_us() - t0) / 20);
		{
			TEEC_SharedMemory shm;

			memset(&shm, 0, sizeof(shm));
			shm.buffer = buf;
			shm.size = sizeof(buf);
			shm.flags = TEEC_MEM_INPUT;
			r = TEEC_RegisterSharedMemory(&ctx, &shm);
			CHECK(r == TEEC_SUCCESS, "registering 64 KiB: %#x", r);
			memset(&op, 0, sizeof(op));
			op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE,
							 TEEC_NONE);
			op.params[0].memref.parent = &shm;
			t0 = now_us();
			for (i = 0; r == TEEC_SUCCESS && i < 20; i++) {
				r = TEEC_InvokeCommand(&s1, API_NOP, &op, &origin);
				if (r)
					break;
			}
			CHECK(i == 20, "silent call with 64 KiB registered %d: %#x", i, r);
			printf("apitest: the same with the 64 KiB in registered memory: %.0f us\n",
			       (now_us() - t0) / 20);
			TEEC_ReleaseSharedMemory(&shm);
		}
	}

	/* The TA's persistent time: not set, then running from 1000 s. */
	r = value(&s1, API_PTIME_GET, &a, &b, &origin);
	CHECK(r == 0xFFFF5000 && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "persistent time before it is set: %#x origin %u", r, origin);
	r = value(&s1, API_PTIME_SET, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS, "setting the persistent time: %#x", r);
	usleep(200 * 1000);
	r = value(&s1, API_PTIME_GET, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a * 1000 + b >= 1000150 && a < 1030,
	      "persistent time 0.2 s after setting it to 1000 s: %#x, %u.%03u s", r, a, b);

	/* GP's panics: the instance dies for both sessions, the next open
	 * loads a fresh one. */
	r = value(&s1, API_RANDOM_INTO_CODE, &a, &b, &origin);
	CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
	      "random into code: %#x origin %u", r, origin);
	r = value(&s2, API_COUNT, &a, &b, &origin);
	CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
	      "the other session after the panic: %#x origin %u", r, origin);
	TEEC_CloseSession(&s1);
	TEEC_CloseSession(&s2);
	r = open(&ctx, &s1, &api);
	CHECK(r == TEEC_SUCCESS, "open after the panic: %#x", r);
	r = value(&s1, API_COUNT, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a == 1, "a fresh instance: %#x, count %u", r, a);
	r = value(&s1, API_PTIME_GET, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a >= 1000 && a < 1060,
	      "the persistent time in a fresh instance of the TA: %#x, %u.%03u s", r, a, b);
	r = value(&s1, API_FREE_STACK, &a, &b, &origin);
	CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
	      "TEE_Free of the stack: %#x origin %u", r, origin);
	TEEC_CloseSession(&s1);
	/* An open that computes for 1.5 s: preempted like an invoke, the
	 * normal world runs meanwhile and other TAs answer. */
	{
		struct opener o = { .ctx = &ctx, .a = API_OPEN_SPIN, .b = 1500 };
		pthread_t th;
		TEEC_Session sd;
		double t1;

		pthread_create(&th, NULL, open_in, &o);
		usleep(200 * 1000);
		t1 = now_us();
		usleep(50 * 1000);
		t1 = now_us() - t1;
		CHECK(t1 < 2e6, "the normal world slept 50 ms in %.0f us during an open", t1);
		r = open(&ctx, &sd, &seed);
		CHECK(r == TEEC_SUCCESS, "another TA while an open computes: %#x", r);
		if (!r)
			TEEC_CloseSession(&sd);
		pthread_join(th, NULL);
		CHECK(o.r == TEEC_SUCCESS, "the open that computed: %#x origin %u", o.r, o.origin);
		if (!o.r)
			TEEC_CloseSession(&o.s);
	}
	/* An open that waits in the normal world (TEE_Wait in
	 * TA_OpenSessionEntryPoint, as REE time or storage there). */
	{
		struct opener o = { .ctx = &ctx, .a = API_OPEN_WAIT, .b = 200 };
		double t1 = now_us();

		open_in(&o);
		t1 = now_us() - t1;
		CHECK(o.r == TEEC_SUCCESS && t1 >= 190e3, "an open that waited 200 ms: %#x in %.0f us",
		      o.r, t1);
		if (!o.r)
			TEEC_CloseSession(&o.s);
	}
	/* A close that computes for 1 s: preempted like an invoke, the
	 * normal world runs meanwhile. */
	r = open(&ctx, &s1, &api);
	CHECK(r == TEEC_SUCCESS, "open before the slow close: %#x", r);
	if (!r) {
		struct closer c = { .s = &s1 };
		pthread_t th;
		TEEC_Session sd;
		double t0 = now_us(), t1;

		r = value(&s1, API_CLOSE_SLOW, &a, &b, &origin);
		CHECK(r == TEEC_SUCCESS, "API_CLOSE_SLOW: %#x", r);
		pthread_create(&th, NULL, close_in, &c);
		usleep(200 * 1000);
		t1 = now_us();
		usleep(50 * 1000);
		t1 = now_us() - t1;
		CHECK(t1 < 2e6, "the normal world slept 50 ms in %.0f us during a close", t1);
		r = open(&ctx, &sd, &seed);
		CHECK(r == TEEC_SUCCESS, "another TA while a close computes: %#x", r);
		if (!r)
			TEEC_CloseSession(&sd);
		pthread_join(th, NULL);
		t0 = now_us() - t0;
		CHECK(t0 >= 0.9e6, "the slow close took %.0f us", t0);
	}
	/* A close that never returns, asked while a call of the instance
	 * waits: the kernel closes it when that call ends, synchronously,
	 * and its watchdog kills the TA after its budget; the normal world
	 * comes back, and a fresh instance opens. */
	r = open(&ctx, &s1, &api);
	CHECK(r == TEEC_SUCCESS, "open before the spinning close: %#x", r);
	r = open(&ctx, &s2, &api);
	CHECK(r == TEEC_SUCCESS, "second session before the spinning close: %#x", r);
	if (!r) {
		struct waiter w = { .s = &s1 };
		pthread_t th;
		double t1;

		r = value(&s2, API_CLOSE_SPIN, &a, &b, &origin);
		CHECK(r == TEEC_SUCCESS, "API_CLOSE_SPIN: %#x", r);
		pthread_create(&th, NULL, wait_forever, &w);
		usleep(300 * 1000);
		TEEC_CloseSession(&s2);
		t1 = now_us();
		TEEC_RequestCancellation(&w.op);
		pthread_join(th, NULL);
		t1 = now_us() - t1;
		CHECK(w.r == TEEC_ERROR_CANCEL || w.r == TEEC_ERROR_TARGET_DEAD,
		      "the wait the deferred close followed: %#x", w.r);
		CHECK(t1 >= 4.5e6, "the spinning close was killed after %.1f s", t1 / 1e6);
		printf("apitest: a close that spun was killed after %.1f s\n", t1 / 1e6);
		TEEC_CloseSession(&s1);
		r = open(&ctx, &s1, &api);
		CHECK(r == TEEC_SUCCESS, "open after the killed close: %#x", r);
		if (!r) {
			r = value(&s1, API_COUNT, &a, &b, &origin);
			CHECK(r == TEEC_SUCCESS && a == 1, "a fresh instance after it: %#x, count %u",
			      r, a);
			TEEC_CloseSession(&s1);
		}
	}
	/* The examples' TAs are not single-instance: four sessions of each
	 * at once are eight instances in secure memory (the kernel logs
	 * what is in use at each new high), each answering. */
	{
		static const TEEC_UUID hello = { 0x8aaaf200, 0x2450, 0x11e4,
			{ 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } };
		TEEC_Session hs[4], ss[4];
		int oh[4], os[4], opened = 0;

		for (int i = 0; i < 4; i++) {
			r = open(&ctx, &hs[i], &hello);
			CHECK(r == TEEC_SUCCESS, "hello world instance %d: %#x", i, r);
			oh[i] = !r;
			r = open(&ctx, &ss[i], &seed);
			CHECK(r == TEEC_SUCCESS, "seed instance %d: %#x", i, r);
			os[i] = !r;
			opened += oh[i] + os[i];
		}
		for (int i = 0; i < 4; i++) {
			if (!oh[i])
				continue;
			memset(&op, 0, sizeof(op));
			op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE,
							 TEEC_NONE);
			op.params[0].value.a = 100 + i;
			r = TEEC_InvokeCommand(&hs[i], 0, &op, &origin);
			CHECK(r == TEEC_SUCCESS && op.params[0].value.a == 101 + (uint32_t)i,
			      "hello world instance %d answers: %#x, %u", i, r,
			      op.params[0].value.a);
		}
		for (int i = 0; i < 4; i++) {
			if (oh[i])
				TEEC_CloseSession(&hs[i]);
			if (os[i])
				TEEC_CloseSession(&ss[i]);
		}
		printf("apitest: %d instances of the examples' TAs at once\n", opened);
	}
	TEEC_FinalizeContext(&ctx);
	if (failures) {
		printf("apitest: %d checks failed\n", failures);
		return 1;
	}
	printf("apitest: all checks passed (the Internal Core API at S-EL0)\n");
	return 0;
}
