/*
 * The GlobalPlatform TEE Client API (oxtee's libteec, linked statically)
 * in the normal world of the TrustZone tier: the library finds /dev/tee0
 * and talks to Linux's stock OP-TEE driver, which talks to oxtee's secure
 * kernel. Against its test pseudo-TA: values, temporary memory references
 * with size feedback, allocated and registered shared memory (whole and
 * partial), an unknown UUID, bad parameters. Exit status 0 when every
 * answer is the expected one.
 */
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>

#define CMD_VALUES 0
#define CMD_REVERSE 1
#define CMD_INC 2
#define CMD_SESSIONS 3

static const TEEC_UUID test_pta = { 0x0e7ee7a0, 0x7e57, 0x4a7a,
				    { 0x8e, 0x57, 0x7e, 0x57, 0xa0, 0x00, 0x00, 0x01 } };
/* OP-TEE's device enumeration PTA: for Linux's driver only. */
static const TEEC_UUID devices = { 0x7011a688, 0xddde, 0x4053,
				   { 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8 } };
static const TEEC_UUID nobody = { 0x0e7ee000, 0xdead, 0x4bee,
				  { 0x80, 0x00, 0x6e, 0x6f, 0x74, 0x61, 0x74, 0x61 } };

static int failures;
#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "teectest: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                    \
			fprintf(stderr, "\n");                           \
			failures++;                                      \
		}                                                        \
	} while (0)

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r = TEEC_InitializeContext(NULL, &ctx);
	if (r != TEEC_SUCCESS) {
		fprintf(stderr, "teectest: TEEC_InitializeContext: %#x\n", r);
		return 1;
	}

	/* A UUID the secure world does not have. */
	r = TEEC_OpenSession(&ctx, &sess, &nobody, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_ERROR_ITEM_NOT_FOUND && origin == TEEC_ORIGIN_TEE,
	      "unknown UUID: %#x origin %u", r, origin);

	/* The device enumeration PTA takes only the REE kernel (the driver
	 * enumerated at probe); a user-space client is refused by it. */
	r = TEEC_OpenSession(&ctx, &sess, &devices, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_ERROR_ACCESS_DENIED && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "device PTA from user space: %#x origin %u", r, origin);

	r = TEEC_OpenSession(&ctx, &sess, &test_pta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (r != TEEC_SUCCESS) {
		fprintf(stderr, "teectest: open the test PTA: %#x origin %u\n", r, origin);
		return 1;
	}

	/* Values. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 40;
	op.params[0].value.b = 2;
	r = TEEC_InvokeCommand(&sess, CMD_VALUES, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[1].value.a == 42 && op.params[1].value.b == 80,
	      "values: %#x %u %u", r, op.params[1].value.a, op.params[1].value.b);

	/* Wrong types: the PTA's BAD_PARAMETERS. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = TEEC_InvokeCommand(&sess, CMD_VALUES, &op, &origin);
	CHECK(r == TEEC_ERROR_BAD_PARAMETERS && origin == TEEC_ORIGIN_TRUSTED_APP,
	      "bad types: %#x origin %u", r, origin);

	/* Temporary memory references, with size feedback. */
	char in[300], out[300], small[10];
	for (int i = 0; i < 300; i++)
		in[i] = (char)i;
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_INPUT, TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE,
					 TEEC_NONE);
	op.params[0].tmpref.buffer = in;
	op.params[0].tmpref.size = sizeof(in);
	op.params[1].tmpref.buffer = small;
	op.params[1].tmpref.size = sizeof(small);
	r = TEEC_InvokeCommand(&sess, CMD_REVERSE, &op, &origin);
	CHECK(r == TEEC_ERROR_SHORT_BUFFER && op.params[1].tmpref.size == sizeof(in),
	      "short buffer: %#x size %zu", r, op.params[1].tmpref.size);
	op.params[1].tmpref.buffer = out;
	op.params[1].tmpref.size = sizeof(out);
	r = TEEC_InvokeCommand(&sess, CMD_REVERSE, &op, &origin);
	int same = 1;
	for (int i = 0; i < 300; i++)
		same &= out[i] == in[299 - i];
	CHECK(r == TEEC_SUCCESS && op.params[1].tmpref.size == 300 && same, "reverse: %#x", r);

	/* Allocated shared memory, whole and partial. */
	TEEC_SharedMemory shm = { .size = 10000, .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	r = TEEC_AllocateSharedMemory(&ctx, &shm);
	CHECK(r == TEEC_SUCCESS, "allocate: %#x", r);
	if (r == TEEC_SUCCESS) {
		memset(shm.buffer, 5, shm.size);
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_WHOLE, TEEC_NONE, TEEC_NONE, TEEC_NONE);
		op.params[0].memref.parent = &shm;
		r = TEEC_InvokeCommand(&sess, CMD_INC, &op, &origin);
		unsigned char *b = shm.buffer;
		CHECK(r == TEEC_SUCCESS && b[0] == 6 && b[9999] == 6, "whole: %#x %u %u", r, b[0],
		      b[9999]);
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
						 TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_NONE, TEEC_NONE);
		for (int i = 0; i < 4000; i++)
			b[100 + i] = (unsigned char)(i * 3);
		op.params[0].memref.parent = &shm;
		op.params[0].memref.offset = 100;
		op.params[0].memref.size = 4000;
		op.params[1].memref.parent = &shm;
		op.params[1].memref.offset = 5000;
		op.params[1].memref.size = 4500;
		r = TEEC_InvokeCommand(&sess, CMD_REVERSE, &op, &origin);
		same = 1;
		for (int i = 0; i < 4000; i++)
			same &= b[5000 + i] == (unsigned char)((3999 - i) * 3);
		CHECK(r == TEEC_SUCCESS && op.params[1].memref.size == 4000 && same,
		      "partial: %#x size %zu", r, op.params[1].memref.size);
		TEEC_ReleaseSharedMemory(&shm);
	}

	/* Registered shared memory (the caller's own buffer). */
	static unsigned char mine[8192];
	memset(mine, 1, sizeof(mine));
	TEEC_SharedMemory reg = { .buffer = mine, .size = sizeof(mine),
				  .flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT };
	r = TEEC_RegisterSharedMemory(&ctx, &reg);
	CHECK(r == TEEC_SUCCESS, "register: %#x", r);
	if (r == TEEC_SUCCESS) {
		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INOUT, TEEC_NONE, TEEC_NONE,
						 TEEC_NONE);
		op.params[0].memref.parent = &reg;
		op.params[0].memref.offset = 4090;
		op.params[0].memref.size = 10;
		r = TEEC_InvokeCommand(&sess, CMD_INC, &op, &origin);
		CHECK(r == TEEC_SUCCESS && mine[4089] == 1 && mine[4090] == 2 && mine[4099] == 2 &&
			      mine[4100] == 1,
		      "registered: %#x %u %u %u %u", r, mine[4089], mine[4090], mine[4099],
		      mine[4100]);
		TEEC_ReleaseSharedMemory(&reg);
	}

	/* Two sessions. */
	TEEC_Session other;
	r = TEEC_OpenSession(&ctx, &other, &test_pta, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "second session: %#x", r);
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	r = TEEC_InvokeCommand(&other, CMD_SESSIONS, &op, &origin);
	CHECK(r == TEEC_SUCCESS && op.params[0].value.a == 2 && op.params[0].value.b == 1,
	      "sessions: %#x %u %u", r, op.params[0].value.a, op.params[0].value.b);
	TEEC_CloseSession(&other);
	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);
	if (failures)
		printf("teectest: %d checks failed\n", failures);
	else
		printf("teectest: all checks passed (libteec over /dev/tee0)\n");
	return failures != 0;
}
