/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MISBEHAVE_CTOR_TA_H
#define MISBEHAVE_CTOR_TA_H

/* a6fc02b0-c08c-46d6-beed-af02c62de7a7 */
#define TA_MISBEHAVE_CTOR_UUID \
	{ 0xa6fc02b0, 0xc08c, 0x46d6, \
		{ 0xbe, 0xed, 0xaf, 0x02, 0xc6, 0x2d, 0xe7, 0xa7 } }

/*
 * The TA's ELF constructor calls open("/etc/passwd", O_RDONLY) before any
 * entry point: a correct sandbox kills the TA, so opening a session
 * fails with TEE_ERROR_TARGET_DEAD. TA_OpenSessionEntryPoint itself
 * returns TEE_SUCCESS.
 *
 * Command 0 (only reachable if the sandbox failed): params[0]
 * VALUE_OUTPUT, value.a = what the constructor's open() returned (a file
 * descriptor means the sandbox was not in place), value.b = its errno.
 */
#define TA_MISBEHAVE_CTOR_CMD_GET_RESULT	0
#endif /* MISBEHAVE_CTOR_TA_H */
