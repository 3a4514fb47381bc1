// SPDX-License-Identifier: Apache-2.0
/*
 * Client application of the hello_world TA, written as for OP-TEE: it
 * builds unchanged against OP-TEE's or oxtee's tee_client_api.h and runs
 * against either libteec.
 *
 * Opens a session with the TA, asks it to increment 42 (command 0, one
 * VALUE_INOUT parameter) and prints the result. An optional argument
 * names another TA UUID with the same command, for instance the Rust
 * version of the TA:
 *
 *     hello_world_ca 8aaaf200-2450-11e4-abe2-0002a5d5c51c
 */
#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <tee_client_api.h>

/* 8aaaf200-2450-11e4-abe2-0002a5d5c51b */
#define TA_HELLO_WORLD_UUID \
	{ 0x8aaaf200, 0x2450, 0x11e4, \
		{ 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } }

#define TA_HELLO_WORLD_CMD_INC_VALUE	0

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
	TEEC_Operation op;
	TEEC_UUID uuid = TA_HELLO_WORLD_UUID;
	uint32_t err_origin = 0;

	if (argc > 2)
		errx(2, "usage: %s [TA-UUID]", argv[0]);
	if (argc == 2 && parse_uuid(argv[1], &uuid))
		errx(2, "invalid UUID '%s'", argv[1]);

	/* Connect to the TEE. */
	res = TEEC_InitializeContext(NULL, &ctx);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InitializeContext failed with code 0x%" PRIx32,
		     res);

	/* Open a session with the TA. */
	res = TEEC_OpenSession(&ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &err_origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_OpenSession failed with code 0x%" PRIx32
		     " origin 0x%" PRIx32, res, err_origin);

	/* One value, read and written by the TA; the rest unused. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_NONE,
					 TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 42;

	printf("Invoking TA to increment %" PRIu32 "\n", op.params[0].value.a);
	res = TEEC_InvokeCommand(&sess, TA_HELLO_WORLD_CMD_INC_VALUE, &op,
				 &err_origin);
	if (res != TEEC_SUCCESS)
		errx(1, "TEEC_InvokeCommand failed with code 0x%" PRIx32
		     " origin 0x%" PRIx32, res, err_origin);
	printf("TA incremented value to %" PRIu32 "\n", op.params[0].value.a);
	if (op.params[0].value.a != 43)
		errx(1, "expected 43");

	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);
	return 0;
}
