/* SPDX-License-Identifier: Apache-2.0 */
#ifndef PROPS_TA_H
#define PROPS_TA_H

#define TA_PROPS_UUID \
	{ 0x3f1b7c2e, 0x5d0a, 0x4c8e, \
		{ 0x9b, 0x61, 0x2a, 0x7d, 0x4e, 0x8f, 0x0c, 0x13 } }

/* p0 VALUE_INPUT a = set (0 TA, 1 client, 2 implementation),
 * p1 MEMREF_INPUT name, p2 MEMREF_OUTPUT text: TEE_GetPropertyAsString. */
#define TA_PROPS_CMD_GET_STRING		0
/* p0 VALUE_INPUT a = set, b = type (0 bool, 1 u32, 2 u64, 3 uuid,
 * 4 identity, 5 binary), p1 MEMREF_INPUT name, p2 MEMREF_OUTPUT raw value
 * (bool 1 byte, integers little-endian, uuid 16 bytes in RFC order,
 * identity 4 bytes login + uuid, binary as is). */
#define TA_PROPS_CMD_GET_TYPED		1
/* p0 VALUE_INPUT a = set, p2 MEMREF_OUTPUT "name=text\n" for every
 * property, through a property enumerator. */
#define TA_PROPS_CMD_ENUMERATE		2
/* Panic cases: p0 VALUE_INPUT a = 0 (invalid handle), 1 (NULL name),
 * 2 (freed enumerator). */
#define TA_PROPS_CMD_PANIC		3
/* Enumerator protocol details; returns TEE_SUCCESS if every check held,
 * else the number of the failed check. */
#define TA_PROPS_CMD_ENUM_RULES		4

#endif /* PROPS_TA_H */
