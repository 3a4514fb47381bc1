/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MISBEHAVE_TA_H
#define MISBEHAVE_TA_H

/* 40dc6fa0-b27f-4171-8fca-84f566767cb5 */
#define TA_MISBEHAVE_UUID \
	{ 0x40dc6fa0, 0xb27f, 0x4171, \
		{ 0x8f, 0xca, 0x84, 0xf5, 0x66, 0x76, 0x7c, 0xb5 } }

/*
 * Commands. 0..3 try something the sandbox must forbid; if it works the
 * command returns TEE_SUCCESS (a sandbox failure), if the call fails it
 * returns TEE_ERROR_ACCESS_DENIED. Either way, when params[0] is
 * VALUE_OUTPUT or VALUE_INOUT, value.a gets the call's return value and
 * value.b its errno.
 */
#define TA_MISBEHAVE_CMD_OPEN_FILE	0 /* open("/etc/passwd", O_RDONLY) */
#define TA_MISBEHAVE_CMD_SOCKET		1 /* socket(AF_INET, SOCK_STREAM, 0) */
#define TA_MISBEHAVE_CMD_FORK		2 /* fork(); the child _exit()s at once */
#define TA_MISBEHAVE_CMD_EXEC		3 /* execve("/bin/sh", ...) */
#define TA_MISBEHAVE_CMD_WILD_WRITE	4 /* *(volatile int *)0x10 = 1 */
#define TA_MISBEHAVE_CMD_EAT_MEMORY	5 /* TEE_Malloc 1 MiB blocks until NULL, then write to NULL */
#define TA_MISBEHAVE_CMD_SPIN		6 /* for (;;) {}, never checks cancellation */
#define TA_MISBEHAVE_CMD_PANIC		7 /* TEE_Panic(0xdead) */
#define TA_MISBEHAVE_CMD_HEALTHY	8 /* VALUE_INOUT: value.b = value.a + 1 */
#define TA_MISBEHAVE_CMD_WAIT_CANCEL	9 /* spin until TEE_GetCancellationFlag(), then TEE_ERROR_CANCEL */

#define TA_MISBEHAVE_CMD_GARBAGE	10 /* write garbage on the channel to the core */
#define TA_MISBEHAVE_CMD_SIZE_LIE	11 /* MEMREF_OUTPUT: claim a huge size, return TEE_SUCCESS */
/*
 * Raw system call. params[0] VALUE_INPUT: a = number, b = entry point
 * (0 x86_64 `syscall`, 1 x32 (number | 0x40000000), 2 i386 `int 0x80`);
 * params[1] MEMREF_INPUT: up to six uint64_t arguments; params[2]
 * VALUE_OUTPUT: a = return value (low 32 bits), b = errno.
 */
#define TA_MISBEHAVE_CMD_SYSCALL	12
/* Send value.a duplicates of its log descriptor to the core on its channel. */
#define TA_MISBEHAVE_CMD_SEND_FDS	13
/* params[0] MEMREF_INPUT text, params[1] VALUE_INPUT a: EMSG the text a times. */
#define TA_MISBEHAVE_CMD_LOG		14
/*
 * Open a session to this TA (a new instance: it is multi-instance) whose
 * open entry point does the same, value.a deep; params[0] VALUE_INOUT
 * becomes (result, how many instances the chain reached).
 */
#define TA_MISBEHAVE_CMD_OPEN_SELF	15
/* Call a function made of bytes in its writable data (a return). */
#define TA_MISBEHAVE_CMD_EXEC_DATA	16
/* Recurse without end (past the stack's guard page). */
#define TA_MISBEHAVE_CMD_STACK_OVERFLOW	17
/*
 * params[0] VALUE_INOUT: read the 32-bit word at address a | b << 32;
 * a becomes the word read.
 */
#define TA_MISBEHAVE_CMD_READ		18
/* Write a word into its own code. */
#define TA_MISBEHAVE_CMD_WRITE_CODE	19
/*
 * params[0] VALUE_INOUT: a becomes the instance's secret (a word in its
 * data, 0 until set), which becomes the a given unless it was 0; b is 0.
 * params[1] VALUE_OUTPUT: the secret's address (a low, b high 32 bits).
 */
#define TA_MISBEHAVE_CMD_SECRET		20

/*
 * The commands of the TrustZone tier's build (OXTEE_TZ): 4-9, 11, 14-20;
 * the others try what only a process can (files, sockets, processes,
 * its channel to the core) and answer TEE_ERROR_NOT_SUPPORTED there.
 */
#define TA_MISBEHAVE_PANIC_CODE		0xdead
#endif /* MISBEHAVE_TA_H */
