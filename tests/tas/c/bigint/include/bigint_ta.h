/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BIGINT_TA_H
#define BIGINT_TA_H

/* b1961e7a-4b5d-4e2c-9a3f-0c8d7e6f5a41 */
#define TA_BIGINT_UUID \
	{ 0xb1961e7a, 0x4b5d, 0x4e2c, \
		{ 0x9a, 0x3f, 0x0c, 0x8d, 0x7e, 0x6f, 0x5a, 0x41 } }

/*
 * Command 0 (op): VALUE_INOUT, MEMREF_INPUT, MEMREF_OUTPUT, VALUE_INPUT.
 *
 * params[0] in:  a = operation (TA_BIGINT_OP_*), b = flags (TA_BIGINT_F_*).
 *           out: a = the function's return value (TEE_Result, int32_t or
 *                bool as uint32_t; 0 for void functions), b = a second
 *                output (TO_S32: the value; TO_OCTET: *bufferLen).
 * params[1]: the operands a, b, n, each a record
 *            { uint32_t sign (0 or 1), uint32_t len, uint8_t mag[len] }
 *            (little-endian words, big-endian magnitude); missing records
 *            are 0. Each is loaded with TEE_BigIntConvertFromOctetString
 *            into its own TEE_BigInt of params[3].value.a bits; if one
 *            does not fit the command returns TEE_ERROR_OVERFLOW.
 * params[2]: the results, records as above (division: q then r; extended
 *            gcd: gcd, u, v); size = bytes written.
 * params[3]: a = size in bits of every TEE_BigInt (operands and
 *            destinations), b = argument: shift / bit index / int32_t /
 *            confidence level / buffer size / destination bits
 *            (ASSIGN, ABS: 0 = a) / panic case (PANIC).
 */
#define TA_BIGINT_CMD_OP		0

#define TA_BIGINT_OP_CONVERT		0  /* result = a (octet string round trip) */
#define TA_BIGINT_OP_TO_OCTET		1  /* ConvertToOctetString(a) into b bytes */
#define TA_BIGINT_OP_FROM_S32		2  /* result = (int32_t)b */
#define TA_BIGINT_OP_TO_S32		3
#define TA_BIGINT_OP_CMP		4  /* Cmp(a, b) */
#define TA_BIGINT_OP_CMP_S32		5  /* CmpS32(a, arg) */
#define TA_BIGINT_OP_SHIFT_RIGHT	6  /* a >> arg */
#define TA_BIGINT_OP_GET_BIT		7
#define TA_BIGINT_OP_GET_BIT_COUNT	8
#define TA_BIGINT_OP_SET_BIT		9  /* SetBit(a, arg, F_BIT_VALUE); result = a */
#define TA_BIGINT_OP_ASSIGN		10
#define TA_BIGINT_OP_ABS		11
#define TA_BIGINT_OP_ADD		12
#define TA_BIGINT_OP_SUB		13
#define TA_BIGINT_OP_NEG		14
#define TA_BIGINT_OP_MUL		15
#define TA_BIGINT_OP_SQUARE		16
#define TA_BIGINT_OP_DIV		17 /* results q, r (0 when NULL) */
#define TA_BIGINT_OP_MOD		18 /* a mod n */
#define TA_BIGINT_OP_ADD_MOD		19
#define TA_BIGINT_OP_SUB_MOD		20
#define TA_BIGINT_OP_MUL_MOD		21
#define TA_BIGINT_OP_SQUARE_MOD		22
#define TA_BIGINT_OP_INV_MOD		23
#define TA_BIGINT_OP_EXP_MOD		24 /* a^b mod n */
#define TA_BIGINT_OP_RELATIVE_PRIME	25
#define TA_BIGINT_OP_EXT_GCD		26 /* results gcd, u, v */
#define TA_BIGINT_OP_IS_PRIME		27 /* confidence = arg */
#define TA_BIGINT_OP_FMM		28 /* a * b mod n through FMM */
#define TA_BIGINT_OP_FMM_SIZES		29 /* out a = FMMSizeInU32(arg), b = FMMContextSizeInU32(arg) */
#define TA_BIGINT_OP_PANIC		30 /* arg: TA_BIGINT_PANIC_* */

/* Flags. Aliasing: the destination (the first one) is a's array, b's
 * array, or both operands and the destination are a's array. */
#define TA_BIGINT_F_ALIAS_A		0x1
#define TA_BIGINT_F_ALIAS_B		0x2
#define TA_BIGINT_F_ALIAS_AB		0x3
#define TA_BIGINT_F_ALIAS_MASK		0x3
#define TA_BIGINT_F_NULL_1		0x10 /* DIV: q NULL; EXT_GCD: u NULL */
#define TA_BIGINT_F_NULL_2		0x20 /* DIV: r NULL; EXT_GCD: v NULL */
#define TA_BIGINT_F_CONTEXT		0x40 /* EXP_MOD: with an FMM context */
#define TA_BIGINT_F_BIT_VALUE		0x80 /* SET_BIT: the value */

#define TA_BIGINT_PANIC_UNINIT		0 /* TEE_BigIntAdd on a zero-filled array */
#define TA_BIGINT_PANIC_INIT_LEN	1 /* TEE_BigIntInit(x, 1) */
#define TA_BIGINT_PANIC_NULL		2 /* TEE_BigIntConvertFromS32(NULL, 1) */
#define TA_BIGINT_PANIC_NULL_LEN	3 /* TEE_BigIntConvertToOctetString(buf, NULL, x) */

#endif /* BIGINT_TA_H */
