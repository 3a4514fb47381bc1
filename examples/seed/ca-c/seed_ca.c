// SPDX-License-Identifier: Apache-2.0
/*
 * The client side of the "shared memory" sample from a learner's notes,
 * corrected: it passes an int32_t (5) to the seed TA through shared
 * memory and reads back the doubled value (10).
 *
 * What changed from the notes:
 *  - the shared memory is allocated by the library
 *    (TEEC_AllocateSharedMemory); the notes registered a buffer pointer
 *    that was never allocated;
 *  - the operation is zeroed before use, so unused parameters and the
 *    started field are defined;
 *  - the two halves of the block are passed as partial memory
 *    references with explicit offsets and sizes, input then output;
 *  - every call's result is checked, with the return origin;
 *  - int main, fixed-width int32_t on both sides, and the shared memory,
 *    session and context are released in reverse order.
 *
 * An optional argument names another TA UUID with the same command.
 */
#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tee_client_api.h>

/* 12345678-1234-1234-1234-567890abcdef */
#define TA_SEED_UUID \
	{ 0x12345678, 0x1234, 0x1234, \
		{ 0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef } }

/* Doubles the int32_t of params[0] into params[1]. */
#define TA_SEED_CMD_DOUBLE	0

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse the canonical xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx form. */
static int parse_uuid(const char *s, TEEC_UUID *uuid)
{
	uint8_t b[16];
	size_t i = 0;
	size_t n = 0;

	if (strlen(s) != 36)
		return -1;
	while (i < 36) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			i++;
			continue;
		}
		hi = hex_digit(s[i]);
		lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	uuid->timeLow = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			(uint32_t)b[2] << 8 | b[3];
	uuid->timeMid = (uint16_t)(b[4] << 8 | b[5]);
	uuid->timeHiAndVersion = (uint16_t)(b[6] << 8 | b[7]);
	memcpy(uuid->clockSeqAndNode, b + 8, 8);
	return 0;
}

int main(int argc, char *argv[])
{
	TEEC_Result res;
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_SharedMemory shm;
	TEEC_Operation op;
	TEEC_UUID uuid = TA_SEED_UUID;
	uint32_t origin = 0;
	int32_t input = 5;
	int32_t output = 0;

	if (argc > 2)
		errx(2, "usage: %s [TA-UUID]", argv[0]);
	if (argc == 2 && parse_uuid(argv[1], &uuid))
		errx(2, "invalid UUID '%s'", argv[1]);

	res = TEEC_InitializeContext(NULL, &ctx);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InitializeContext failed with code 0x%" PRIx32,
		     res);

	res = TEEC_OpenSession(&ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_OpenSession failed with code 0x%" PRIx32
		     " origin 0x%" PRIx32, res, origin);

	/* Room for the input and the output, readable and writable by the TA. */
	memset(&shm, 0, sizeof(shm));
	shm.size = 2 * sizeof(int32_t);
	shm.flags = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
	res = TEEC_AllocateSharedMemory(&ctx, &shm);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_AllocateSharedMemory failed with code 0x%" PRIx32,
		     res);
	memcpy(shm.buffer, &input, sizeof(input));

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT,
					 TEEC_MEMREF_PARTIAL_OUTPUT,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].memref.parent = &shm;
	op.params[0].memref.offset = 0;
	op.params[0].memref.size = sizeof(int32_t);
	op.params[1].memref.parent = &shm;
	op.params[1].memref.offset = sizeof(int32_t);
	op.params[1].memref.size = sizeof(int32_t);

	res = TEEC_InvokeCommand(&sess, TA_SEED_CMD_DOUBLE, &op, &origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InvokeCommand failed with code 0x%" PRIx32
		     " origin 0x%" PRIx32, res, origin);
	if (op.params[1].memref.size != sizeof(int32_t))
		errx(1, "the TA wrote %zu bytes, expected %zu",
		     op.params[1].memref.size, sizeof(int32_t));

	memcpy(&output, (uint8_t *)shm.buffer + sizeof(int32_t),
	       sizeof(output));
	printf("Input: %" PRId32 ", Output: %" PRId32 "\n", input, output);

	TEEC_ReleaseSharedMemory(&shm);
	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);

	if (output != (int32_t)((uint32_t)input * 2U))
		errx(1, "expected %" PRId32, (int32_t)((uint32_t)input * 2U));
	return 0;
}
