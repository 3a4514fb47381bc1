/*
 * User TAs at S-EL0 through the GP Client API (oxtee's libteec over
 * /dev/tee0): the kernel asks the supplicant for the bare-ABI test TA
 * (tz/guest/ta/rawta.c, signed by this checkout's development key),
 * verifies and loads it, and runs its entry points at S-EL0. Values,
 * memory references with size feedback, a log line, one instance per
 * session (the TA is multi-instance), and TAs that panic, read kernel
 * memory or write their own code: each answers TARGET_DEAD (origin TEE)
 * from then on while the other session goes on. Exit status 0 when every
 * answer is the expected one.
 */
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>
#include <time.h>

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static const TEEC_UUID rawta = { 0x5e1f7a00, 0x0000, 0x4000,
				 { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01 } };
static const TEEC_UUID missing = { 0x5e1f7a00, 0x0000, 0x4000,
				   { 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02 } };

static int failures;
#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "tatest: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                   \
			fprintf(stderr, "\n");                          \
			failures++;                                     \
		}                                                       \
	} while (0)

static TEEC_Result value(TEEC_Session *s, uint32_t cmd, uint32_t type, uint32_t *a,
			 uint32_t *b, uint32_t *origin)
{
	TEEC_Operation op;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(type, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = *a;
	op.params[0].value.b = *b;
	TEEC_Result r = TEEC_InvokeCommand(s, cmd, &op, origin);
	*a = op.params[0].value.a;
	*b = op.params[0].value.b;
	return r;
}

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session s1, s2, s3;
	uint32_t origin = 0, a, b;
	TEEC_Result r;

	r = TEEC_InitializeContext(NULL, &ctx);
	CHECK(r == TEEC_SUCCESS, "InitializeContext: %#x", r);
	r = TEEC_OpenSession(&ctx, &s1, &rawta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "OpenSession: %#x origin %u", r, origin);
	if (r != TEEC_SUCCESS)
		return 1;

	/* Values in and out. */
	a = 5, b = 7;
	r = value(&s1, 0, TEEC_VALUE_INOUT, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a == 10 && b == 8, "VALUE: %#x a=%u b=%u", r, a, b);
	printf("tatest: Input: 5, Output: %u (a user TA at S-EL0)\n", a);

	/* Memory references: a short output buffer gets the size needed. */
	{
		char in[] = "secure world", out[32];
		TEEC_Operation op;
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT,
						 TEEC_NONE, TEEC_NONE);
		op.params[0].tmpref.buffer = in;
		op.params[0].tmpref.size = strlen(in);
		op.params[1].tmpref.buffer = out;
		op.params[1].tmpref.size = 4;
		r = TEEC_InvokeCommand(&s1, 1, &op, &origin);
		CHECK(r == TEEC_ERROR_SHORT_BUFFER && op.params[1].tmpref.size == strlen(in),
		      "REVERSE short: %#x size %zu", r, op.params[1].tmpref.size);
		memset(out, 0, sizeof(out));
		op.params[1].tmpref.size = sizeof(out);
		r = TEEC_InvokeCommand(&s1, 1, &op, &origin);
		CHECK(r == TEEC_SUCCESS && op.params[1].tmpref.size == strlen(in) &&
			      strcmp(out, "dlrow eruces") == 0,
		      "REVERSE: %#x size %zu '%s'", r, op.params[1].tmpref.size, out);
	}
	r = TEEC_InvokeCommand(&s1, 2, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "LOG: %#x", r);
	/* What an invoke of a user TA costs (a value in and out). */
	{
		enum { N = 1000 };
		double start = now_us();
		for (int i = 0; i < N; i++) {
			a = 1, b = 1;
			r = value(&s1, 0, TEEC_VALUE_INOUT, &a, &b, &origin);
			if (r != TEEC_SUCCESS || a != 2)
				break;
		}
		CHECK(r == TEEC_SUCCESS && a == 2, "timed VALUE: %#x a=%u", r, a);
		printf("tatest: invoke of a user TA at S-EL0: %.1f us each (%d calls)\n",
		       (now_us() - start) / N, N);
	}
	r = TEEC_InvokeCommand(&s1, 99, NULL, &origin);
	CHECK(r == TEEC_ERROR_NOT_SUPPORTED && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "unknown command: %#x origin %u", r, origin);

	/* Multi-instance: a second session has its own instance and data. */
	r = TEEC_OpenSession(&ctx, &s2, &rawta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "second OpenSession: %#x", r);
	a = b = 0;
	r = value(&s2, 5, TEEC_VALUE_OUTPUT, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a == 1 && b == 1, "COUNT (2nd): %#x a=%u b=%u", r, a, b);
	a = b = 0;
	r = value(&s1, 5, TEEC_VALUE_OUTPUT, &a, &b, &origin);
	CHECK(r == TEEC_SUCCESS && a == 1006 && b == 1, "COUNT (1st): %#x a=%u b=%u", r, a, b);

	/* Misbehaving TAs die; the kernel and the other instance go on. */
	static const struct {
		uint32_t cmd;
		const char *what;
	} kills[] = { { 3, "panics" }, { 4, "reads kernel memory" }, { 6, "writes its code" } };
	for (unsigned i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		r = TEEC_OpenSession(&ctx, &s3, &rawta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
		CHECK(r == TEEC_SUCCESS, "OpenSession for a TA that %s: %#x", kills[i].what, r);
		r = TEEC_InvokeCommand(&s3, kills[i].cmd, NULL, &origin);
		CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
		      "a TA that %s: %#x origin %u", kills[i].what, r, origin);
		a = b = 0;
		r = value(&s3, 5, TEEC_VALUE_OUTPUT, &a, &b, &origin);
		CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
		      "after it %s: %#x origin %u", kills[i].what, r, origin);
		TEEC_CloseSession(&s3);
		a = b = 0;
		r = value(&s2, 5, TEEC_VALUE_OUTPUT, &a, &b, &origin);
		CHECK(r == TEEC_SUCCESS && a == 2 + i, "the other instance after one that %s: %#x a=%u",
		      kills[i].what, r, a);
	}

	/* A TA the supplicant does not have. */
	r = TEEC_OpenSession(&ctx, &s3, &missing, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_ERROR_ITEM_NOT_FOUND, "missing TA: %#x origin %u", r, origin);

	TEEC_CloseSession(&s2);
	TEEC_CloseSession(&s1);
	TEEC_FinalizeContext(&ctx);
	if (failures == 0)
		printf("tatest: all checks passed (user TAs at S-EL0)\n");
	return failures != 0;
}
