/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: small helpers with the names OP-TEE's <util.h> gives TAs.
 * Macros that take arguments more than once say so (_UNSAFE) or use
 * statement expressions to evaluate them once.
 */
#ifndef OXTEE_UTIL_H
#define OXTEE_UTIL_H

#include <compiler.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIZE_4K		UINTPTR_C(0x1000)
#define SIZE_1M		UINTPTR_C(0x100000)
#define SIZE_2M		UINTPTR_C(0x200000)
#define SIZE_4M		UINTPTR_C(0x400000)
#define SIZE_8M		UINTPTR_C(0x800000)
#define SIZE_2G		UINT64_C(0x80000000)

/* Evaluate each argument once; both must have compatible types. */
#undef MAX
#define MAX(a, b) \
	(__extension__({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			 _a > _b ? _a : _b; }))
#undef MIN
#define MIN(a, b) \
	(__extension__({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); \
			 _a < _b ? _a : _b; }))

/* Usable in constant expressions; arguments are evaluated twice. */
#define MAX_UNSAFE(a, b)	(((a) > (b)) ? (a) : (b))
#define MIN_UNSAFE(a, b)	(((a) < (b)) ? (a) : (b))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x)		(sizeof(x) / sizeof((x)[0]))
#endif

/* Round up/down to a multiple of @size, which must be a power of two. */
#define ROUNDUP(v, size)	(((v) + ((__typeof__(v))(size) - 1)) & \
				 ~((__typeof__(v))(size) - 1))
#define ROUNDDOWN(v, size)	((v) & ~((__typeof__(v))(size) - 1))
/* Round up to any multiple of @size (not only powers of two). */
#define ROUNDUP2(v, size)	((((v) + (size) - 1) / (size)) * (size))
/* ROUNDUP() into *@res; true if it overflowed. */
#define ROUNDUP_OVERFLOW(v, size, res) \
	(__extension__({ \
		__typeof__(*(res)) __roundup_tmp = 0; \
		__typeof__(v) __roundup_mask = (__typeof__(v))(size) - 1; \
		ADD_OVERFLOW((v), __roundup_mask, &__roundup_tmp) ? true : \
			((void)(*(res) = __roundup_tmp & ~__roundup_mask), false); \
	}))

#define DIV_ROUND_UP(x, y)	(((x) + (y) - 1) / (y))
#define ROUNDUP_DIV(x, y)	DIV_ROUND_UP((x), (y))

#define IS_ALIGNED(x, a)	(((x) & ((a) - 1)) == 0)
#define IS_ALIGNED_WITH_TYPE(x, type) \
	(__extension__({ \
		type __is_aligned_y; \
		IS_ALIGNED((uintptr_t)(x), __alignof__(__is_aligned_y)); \
	}))

#define IS_POWER_OF_TWO(x)	(((x) != 0) && (((x) & (~(x) + 1)) == (x)))
#define IS_POWER_OF_2(x)	IS_POWER_OF_TWO(x)

#define BIT32(nr)		(UINT32_C(1) << (nr))
#define BIT64(nr)		(UINT64_C(1) << (nr))
#define BIT(nr)			BIT32(nr)
#define SHIFT_U32(v, shift)	((uint32_t)(v) << (shift))
#define SHIFT_U64(v, shift)	((uint64_t)(v) << (shift))

/* Bits @h down to @l (inclusive) set. */
#define GENMASK_32(h, l) \
	((UINT32_C(0xffffffff) << (l)) & (UINT32_C(0xffffffff) >> (31 - (h))))
#define GENMASK_64(h, l) \
	((~UINT64_C(0) << (l)) & (~UINT64_C(0) >> (63 - (h))))

#define ADD_OVERFLOW(a, b, res)	__compiler_add_overflow((a), (b), (res))
#define SUB_OVERFLOW(a, b, res)	__compiler_sub_overflow((a), (b), (res))
#define MUL_OVERFLOW(a, b, res)	__compiler_mul_overflow((a), (b), (res))

#ifndef container_of
#define container_of(ptr, type, member) \
	(__extension__({ \
		const __typeof__(((type *)0)->member) *__ptr = (ptr); \
		(type *)((unsigned long)(__ptr) - offsetof(type, member)); \
	}))
#endif

#define MEMBER_SIZE(type, member)	sizeof(((type *)0)->member)

static inline uint64_t reg_pair_to_64(uint32_t reg0, uint32_t reg1)
{
	return (uint64_t)reg0 << 32 | reg1;
}

static inline void reg_pair_from_64(uint64_t val, uint32_t *reg0,
				    uint32_t *reg1)
{
	*reg0 = (uint32_t)(val >> 32);
	*reg1 = (uint32_t)val;
}

#endif /* OXTEE_UTIL_H */
