#ifndef TA_LAYOUT_H
#define TA_LAYOUT_H

#define TA_LAYOUT_UUID \
	{ 0xb1a3f3c2, 0x6d0e, 0x4c1e, \
		{ 0x9a, 0x55, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b } }

/* VALUE_INOUT: value.a + 1 into value.a */
#define TA_LAYOUT_CMD_INC_VALUE		0
/*
 * VALUE_OUTPUT: a = CFG_TEE_TA_LOG_LEVEL, b = bit 0 CFG_TA_FLOAT_SUPPORT,
 * bit 1 CFG_TA_MBEDTLS, bit 2 CFG_SYSTEM_PTA (each: defined)
 */
#define TA_LAYOUT_CMD_CONF		1
/* VALUE_OUTPUT: a = atomic_inc32 of an instance counter, b = 1 when
 * atomic_cas_u32 behaved (refused a stale value, took the fresh one) */
#define TA_LAYOUT_CMD_ATOMIC		2
/*
 * VALUE_OUTPUT, VALUE_OUTPUT: as OP-TEE TAs do, keep every kind of handle
 * in a uint32_t and use it again from there (operation, transient object,
 * storage enumerator, property enumerator, TA session to the hello TA).
 * p0.a = bit n set when handle kind n did not fit in 32 bits or failed
 * through its 32-bit copy (0: all held); p0.b = the result of the first
 * failed call; p1.a / p1.b = the operation / object handle as 32 bits.
 */
#define TA_LAYOUT_CMD_HANDLES		3
/* No parameters: _utee_log of "first line\nsecond line\n" in three
 * pieces that do not follow the line ends. */
#define TA_LAYOUT_CMD_UTEE_LOG		4

#endif /* TA_LAYOUT_H */
