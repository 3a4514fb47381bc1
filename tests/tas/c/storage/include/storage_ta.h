/* SPDX-License-Identifier: Apache-2.0 */
#ifndef STORAGE_TA_H
#define STORAGE_TA_H

#define TA_STORAGE_UUID \
	{ 0x7a1e5c20, 0x3b4d, 0x4e8f, \
		{ 0x9a, 0x01, 0x6c, 0x2d, 0x3e, 0x4f, 0x5c, 0x01 } }

/*
 * One GP Trusted Storage function per command, so that the tests script
 * scenarios. Handles are small integers (1..64) naming the TA's table of
 * open persistent objects; the return value of a command is the GP code
 * of the function. "h" is p0.value.a unless said otherwise.
 *
 *  0 OPEN     p0 VALUE_INPUT a storage, b flags; p1 MEMREF_INPUT id;
 *             p2 VALUE_OUTPUT a = handle
 *  1 CREATE   p0 VALUE_INPUT a storage, b flags; p1 MEMREF_INPUT id;
 *             p2 MEMREF_INPUT initial data (size 0: none);
 *             p3 VALUE_INOUT in a = key kind (0 data object, 1 AES-256,
 *             2 RSA-1024 key pair, 3 an open handle b, 4 RSA-4096 key
 *             pair), out a = handle
 *             (b = 0 in: created with a NULL object pointer, no handle)
 *  2 CLOSE    h
 *  3 CLOSE_AND_DELETE h
 *  4 RENAME   h; p1 MEMREF_INPUT new id
 *  5 READ     h; p1 MEMREF_OUTPUT (size = bytes read)
 *  6 WRITE    h; p1 MEMREF_INPUT
 *  7 TRUNCATE h, b size
 *  8 SEEK     h, b whence; p1 VALUE_INPUT a,b = offset (low, high words);
 *             p2 VALUE_OUTPUT a = data position afterwards
 *  9 INFO     h; p1 MEMREF_OUTPUT 7 u32 of TEE_GetObjectInfo1
 * 10 ENUM     p0 VALUE_INPUT a storage, b = 1: delete each object as it
 *             is returned, 2: create "new-<n>" objects while enumerating;
 *             p1 MEMREF_OUTPUT ids (u32 length, bytes each)
 * 11 KEY_USE  h (a key object); p1 MEMREF_OUTPUT: AES-256 ECB of a zero
 *             block, or an RSA-1024 PKCS#1 v1.5 signature check (u32 0)
 * 12 PANIC    p0 a = case: 0 write on a read-only handle, 1 delete
 *             without WRITE_META, 2 an id of 65 bytes, 3 an unknown handle,
 *             4 TEE_FreeTransientObject of a persistent handle; with
 *             p1 MEMREF_INPUT: 5 open, 6 create, 7 rename with p1 itself
 *             (shared memory) as the object ID
 *    (OPEN, CREATE and RENAME copy the ID into the TA's memory first, as
 *    OP-TEE's storage test TA does)
 * 13 RESTRICT h, b usage
 * 14 BIG      p0 a = storage, b = MiB: write an object of that many MiB
 *             in 1 MiB chunks, read it back and compare (result code)
 * 15 BENCH    p0 a = workload, b = count (oxtee bench --storage times
 *             it): 0 b objects of 1 KiB (create, write, close), 1 b KiB
 *             in 1 KiB writes, 2 the same read back, 3 b MiB in 1 MiB
 *             writes, 4 the same read back
 */
#define TA_STORAGE_CMD_OPEN		0
#define TA_STORAGE_CMD_CREATE		1
#define TA_STORAGE_CMD_CLOSE		2
#define TA_STORAGE_CMD_DELETE		3
#define TA_STORAGE_CMD_RENAME		4
#define TA_STORAGE_CMD_READ		5
#define TA_STORAGE_CMD_WRITE		6
#define TA_STORAGE_CMD_TRUNCATE		7
#define TA_STORAGE_CMD_SEEK		8
#define TA_STORAGE_CMD_INFO		9
#define TA_STORAGE_CMD_ENUM		10
#define TA_STORAGE_CMD_KEY_USE		11
#define TA_STORAGE_CMD_PANIC		12
#define TA_STORAGE_CMD_RESTRICT		13
#define TA_STORAGE_CMD_BIG		14
#define TA_STORAGE_CMD_BENCH		15

#endif /* STORAGE_TA_H */
