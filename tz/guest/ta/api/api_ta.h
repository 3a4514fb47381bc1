/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the API test TA and its CA (tz/guest/apitest.c). */
#ifndef API_TA_H
#define API_TA_H

#define API_TA_UUID \
	{ 0x5e1f7a00, 0x0000, 0x4000, \
		{ 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03 } }

enum api_cmd {
	API_NOP = 0,		/* nothing, no log: for timing */
	API_HEAP = 1,		/* value out: a = blocks of 1 KiB that fit, b = failures */
	API_ACCESS = 2,		/* memref inout (any); value out b = failures */
	API_RANDOM = 3,		/* value out b = failures */
	API_TIME = 4,		/* value out: a = seconds, b = millis */
	API_FORMAT = 5,		/* memref out: snprintf of fixed values */
	API_COUNT = 6,		/* value out a = instance-wide counter */
	API_CANCEL = 7,		/* value out b = failures */
	API_RANDOM_INTO_CODE = 8,	/* TEE_GenerateRandom into its code: panics */
	API_FREE_STACK = 9,	/* TEE_Free of a stack address: panics */
	API_REE_TIME = 10,	/* value out: a = REE seconds, b = millis */
	API_WAIT = 11,		/* value in a = ms (unmasks cancellation first);
				 * value out: a = elapsed ms (system time) */
	API_SPIN = 12,		/* spins until cancelled (unmasked first);
				 * value out a = polls of the flag */
	API_BUSY = 13,		/* value in a = millions of loop turns, no
				 * system call; value out a = a checksum */
	API_SHA256 = 14,	/* memref in; value in a = rounds; memref out:
				 * SHA-256 of the input repeated a times, fed
				 * to TEE_DigestUpdate one input at a time */
	API_PTIME_GET = 15,	/* value out: TEE_GetTAPersistentTime's time;
				 * its result */
	API_PTIME_SET = 16,	/* TEE_SetTAPersistentTime(1000.000 s) */
	API_CLOSE_SPIN = 17,	/* this instance's closes spin for ever */
	API_CLOSE_SLOW = 18,	/* this instance's closes compute for 1 s */
	API_STORE = 19,		/* memref in: the private object "r" made
				 * (or replaced) with these bytes */
	API_LOAD = 20,		/* memref out: the object "r"'s bytes */
};

/* A value a of the open's first parameter: the open computes for b ms
 * (without a system call but the clock's); or waits b ms in the normal
 * world (TEE_Wait) and answers its result. */
#define API_OPEN_SPIN 0x5b1a
#define API_OPEN_WAIT 0x5b1b

#endif
