/*
 * Calls that wait for the normal world, through oxtee's libteec, Linux's
 * stock driver and the secure kernel's threads: the normal world's clock
 * (RPC GET_TIME), sleeps (RPC SUSPEND) with a memory reference kept
 * across them, more concurrent calls than the secure world has threads
 * (the extra ones wait their turn: ETHREAD_LIMIT), a cancellation that
 * reaches a sleeping call, notifications between two calls, and shared
 * memory the secure world allocates by RPC; then requests the secure world
 * makes of the supplicant (oxtee supplicant --tee /dev/teepriv0): a TA
 * image (LOAD_TA) and a file's round trip (the REE FS). Exit status 0
 * when every answer is the expected one.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <tee_client_api.h>

#define CMD_REE_TIME 4
#define CMD_SLEEP 5
#define CMD_NOTIFY 6
#define CMD_RPC_SHM 7
#define CMD_THREADS 8
#define CMD_LOAD_TA 9
#define CMD_FS 10
#define CMD_VERIFY_TA 11

/* The secure kernel's thread count (GET_THREAD_COUNT). */
#define THREADS 4
#define SLEEPERS (THREADS + 2)
#define SLEEP_MS 300

static const TEEC_UUID test_pta = { 0x0e7ee7a0, 0x7e57, 0x4a7a,
				    { 0x8e, 0x57, 0x7e, 0x57, 0xa0, 0x00, 0x00, 0x01 } };

static int failures;
#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "rpctest: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                   \
			fprintf(stderr, "\n");                          \
			failures++;                                     \
		}                                                       \
	} while (0)

static TEEC_Context ctx;

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static TEEC_Result sleep_call(TEEC_Session *s, uint32_t ms, TEEC_Operation *op)
{
	uint32_t origin;
	memset(op, 0, sizeof(*op));
	op->paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op->params[0].value.a = ms;
	return TEEC_InvokeCommand(s, CMD_SLEEP, op, &origin);
}

struct sleeper {
	pthread_t thread;
	TEEC_Session session;
	TEEC_Result result;
	double took;
};

static void *sleeper(void *arg)
{
	struct sleeper *s = arg;
	TEEC_Operation op;
	double t0 = now();
	s->result = sleep_call(&s->session, SLEEP_MS, &op);
	s->took = now() - t0;
	return NULL;
}

struct notify {
	pthread_t thread;
	TEEC_Session *session;
	TEEC_Result result;
	double done_at;
};

static TEEC_Result notify(TEEC_Session *s, uint32_t op_code, uint32_t key)
{
	TEEC_Operation op;
	uint32_t origin;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = op_code;
	op.params[0].value.b = key;
	return TEEC_InvokeCommand(s, CMD_NOTIFY, &op, &origin);
}

static void *waiter(void *arg)
{
	struct notify *n = arg;
	n->result = notify(n->session, 0, 5);
	n->done_at = now();
	return NULL;
}

struct cancelled {
	pthread_t thread;
	TEEC_Session *session;
	TEEC_Operation op;
	TEEC_Result result;
	uint32_t origin;
};

static void *long_sleeper(void *arg)
{
	struct cancelled *c = arg;
	c->op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	c->op.params[0].value.a = 20000;
	c->result = TEEC_InvokeCommand(c->session, CMD_SLEEP, &c->op, &c->origin);
	return NULL;
}

int main(void)
{
	TEEC_Session sess;
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r = TEEC_InitializeContext(NULL, &ctx);
	if (r != TEEC_SUCCESS) {
		fprintf(stderr, "rpctest: TEEC_InitializeContext: %#x\n", r);
		return 1;
	}
	r = TEEC_OpenSession(&ctx, &sess, &test_pta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (r != TEEC_SUCCESS) {
		fprintf(stderr, "rpctest: open the test PTA: %#x origin %u\n", r, origin);
		return 1;
	}

	/* The normal world's clock, asked by the secure world. */
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = TEEC_InvokeCommand(&sess, CMD_REE_TIME, &op, &origin);
	long skew = (long)op.params[0].value.a - (long)wall.tv_sec;
	CHECK(r == TEEC_SUCCESS && skew >= 0 && skew <= 2 && op.params[0].value.b < 1000000000u,
	      "REE time: %#x %u.%09u against %ld", r, op.params[0].value.a,
	      op.params[0].value.b, (long)wall.tv_sec);

	/* A sleep with a memory reference: copied in before, out after. */
	unsigned char buf[64];
	memset(buf, 7, sizeof(buf));
	memset(&op, 0, sizeof(op));
	op.paramTypes =
		TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INOUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 50;
	op.params[1].tmpref.buffer = buf;
	op.params[1].tmpref.size = sizeof(buf);
	double t0 = now();
	r = TEEC_InvokeCommand(&sess, CMD_SLEEP, &op, &origin);
	double took = now() - t0;
	CHECK(r == TEEC_SUCCESS && buf[0] == 8 && buf[63] == 8 && took >= 0.050,
	      "sleep 50 ms: %#x %u %u, %.3f s", r, buf[0], buf[63], took);

	/* More sleepers than threads: all complete, never more than THREADS
	 * at once, so they take at least two rounds. */
	struct sleeper sl[SLEEPERS];
	for (int i = 0; i < SLEEPERS; i++) {
		r = TEEC_OpenSession(&ctx, &sl[i].session, &test_pta, TEEC_LOGIN_PUBLIC, NULL, NULL,
				     &origin);
		CHECK(r == TEEC_SUCCESS, "sleeper session %d: %#x", i, r);
	}
	t0 = now();
	for (int i = 0; i < SLEEPERS; i++)
		pthread_create(&sl[i].thread, NULL, sleeper, &sl[i]);
	for (int i = 0; i < SLEEPERS; i++) {
		pthread_join(sl[i].thread, NULL);
		CHECK(sl[i].result == TEEC_SUCCESS, "sleeper %d: %#x", i, sl[i].result);
	}
	took = now() - t0;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = TEEC_InvokeCommand(&sess, CMD_THREADS, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[0].value.a == THREADS,
	      "threads: %#x, at most %u waited at once (expected %d)", r, op.params[0].value.a,
	      THREADS);
	CHECK(took >= 2 * SLEEP_MS / 1000.0,
	      "%d sleepers of %d ms on %d threads took only %.3f s", SLEEPERS, SLEEP_MS, THREADS,
	      took);
	printf("rpctest: %d sleepers of %d ms on %d secure threads: %.3f s; ETHREAD_LIMIT "
	       "answers so far: %u\n",
	       SLEEPERS, SLEEP_MS, THREADS, took, op.params[0].value.b);
	for (int i = 0; i < SLEEPERS; i++)
		TEEC_CloseSession(&sl[i].session);

	/* A cancellation reaches a sleeping call. */
	struct cancelled c;
	memset(&c, 0, sizeof(c));
	c.session = &sess;
	t0 = now();
	pthread_create(&c.thread, NULL, long_sleeper, &c);
	usleep(300 * 1000);
	TEEC_RequestCancellation(&c.op);
	pthread_join(c.thread, NULL);
	took = now() - t0;
	CHECK(c.result == TEEC_ERROR_CANCEL && c.origin == TEEC_ORIGIN_TRUSTED_APP && took < 5,
	      "cancelled sleep: %#x origin %u after %.3f s", c.result, c.origin, took);

	/* Notifications: a call waits until another sends. */
	TEEC_Session other;
	r = TEEC_OpenSession(&ctx, &other, &test_pta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "second session: %#x", r);
	struct notify n = { .session = &other };
	pthread_create(&n.thread, NULL, waiter, &n);
	usleep(200 * 1000);
	double sent_at = now();
	r = notify(&sess, 1, 5);
	CHECK(r == TEEC_SUCCESS, "send: %#x", r);
	pthread_join(n.thread, NULL);
	CHECK(n.result == TEEC_SUCCESS && n.done_at >= sent_at, "wait: %#x, done %.3f s %s the send",
	      n.result, n.done_at - sent_at, n.done_at >= sent_at ? "after" : "before");
	TEEC_CloseSession(&other);

	/* Shared memory the secure world allocates by RPC (the driver's
	 * pages, a page list), written and read back there. */
	uint32_t sizes[] = { 100, 6000, 300000 };
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&op, 0, sizeof(op));
		op.paramTypes =
			TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = sizes[i];
		r = TEEC_InvokeCommand(&sess, CMD_RPC_SHM, &op, &origin);
		CHECK(r == TEEC_SUCCESS && op.params[1].value.a == sizes[i] &&
			      op.params[1].value.b == 1,
		      "RPC shm %u: %#x granted %u read back %u", sizes[i], r, op.params[1].value.a,
		      op.params[1].value.b);
	}

	/* A TA image from the supplicant: the stand-in the script put in
	 * /lib/optee_armtz ("OTSH", 70000 bytes); an unknown one. */
	uint8_t uuid[16] = { 0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
			     0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };
	memset(&op, 0, sizeof(op));
	op.paramTypes =
		TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = uuid;
	op.params[0].tmpref.size = sizeof(uuid);
	r = TEEC_InvokeCommand(&sess, CMD_LOAD_TA, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[1].value.a == 70000 &&
		      op.params[1].value.b == 0x4853544fu,
	      "LOAD_TA: %#x size %u head %#x", r, op.params[1].value.a, op.params[1].value.b);
	uuid[15] = 0x56;
	r = TEEC_InvokeCommand(&sess, CMD_LOAD_TA, &op, &origin);
	CHECK(r == TEEC_ERROR_ITEM_NOT_FOUND, "LOAD_TA of a missing TA: %#x", r);

	/* A signed TA image verified by the kernel in secure memory; the
	 * same image under another UUID's name, and one with a byte
	 * changed, refused. */
	uint8_t signed_ta[16] = { 0x05, 0xa8, 0x7e, 0x89, 0x29, 0xc1, 0x45, 0x1d,
				  0xb5, 0xa1, 0xcf, 0x6e, 0x5d, 0x72, 0xdc, 0x70 };
	memset(&op, 0, sizeof(op));
	op.paramTypes =
		TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].tmpref.buffer = signed_ta;
	op.params[0].tmpref.size = sizeof(signed_ta);
	r = TEEC_InvokeCommand(&sess, CMD_VERIFY_TA, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[1].value.a == 13968, "VERIFY_TA: %#x size %u", r,
	      op.params[1].value.a);
	for (uint8_t last = 0x71; last <= 0x72; last++) {
		signed_ta[15] = last;
		r = TEEC_InvokeCommand(&sess, CMD_VERIFY_TA, &op, &origin);
		CHECK(r == TEEC_ERROR_SECURITY, "VERIFY_TA of a bad image (%#x): %#x", last, r);
	}

	/* A file through the REE file system (in a folder of its own). */
	static char data[10000];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 13 + 1);
	const char *name = "rpctest/file-1";
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_INPUT,
					 TEEC_VALUE_OUTPUT, TEEC_NONE);
	op.params[0].tmpref.buffer = (void *)name;
	op.params[0].tmpref.size = strlen(name);
	op.params[1].tmpref.buffer = data;
	op.params[1].tmpref.size = sizeof(data);
	r = TEEC_InvokeCommand(&sess, CMD_FS, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[2].value.a == sizeof(data) && op.params[2].value.b == 1,
	      "REE FS round trip: %#x read %u ok %u", r, op.params[2].value.a,
	      op.params[2].value.b);
	/* A name that leaves the folder is refused by the supplicant. */
	op.params[0].tmpref.buffer = (void *)"../escape";
	op.params[0].tmpref.size = 9;
	r = TEEC_InvokeCommand(&sess, CMD_FS, &op, &origin);
	CHECK(r != TEEC_SUCCESS, "REE FS with ../: %#x", r);

	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);
	if (failures)
		printf("rpctest: %d checks failed\n", failures);
	else
		printf("rpctest: all checks passed (RPCs through Linux's driver)\n");
	return failures != 0;
}
