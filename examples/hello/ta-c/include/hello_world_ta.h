/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TA_HELLO_WORLD_H
#define TA_HELLO_WORLD_H

/* 8aaaf200-2450-11e4-abe2-0002a5d5c51b */
#define TA_HELLO_WORLD_UUID \
	{ 0x8aaaf200, 0x2450, 0x11e4, \
		{ 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } }

/*
 * Commands. Both take params[0] as VALUE_INOUT (other params NONE):
 * INC adds 1 to value.a, DEC subtracts 1.
 */
#define TA_HELLO_WORLD_CMD_INC_VALUE	0
#define TA_HELLO_WORLD_CMD_DEC_VALUE	1

#endif /* TA_HELLO_WORLD_H */
