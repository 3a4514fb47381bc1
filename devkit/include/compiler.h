/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: compiler attribute shorthands with the names OP-TEE TAs
 * use. TAs are built with the host GCC (or Clang) and link against the
 * host C library, so every macro is guarded in case a libc header got
 * there first.
 */
#ifndef OXTEE_COMPILER_H
#define OXTEE_COMPILER_H

#ifndef __deprecated
#define __deprecated		__attribute__((deprecated))
#endif
#ifndef __packed
#define __packed		__attribute__((packed))
#endif
#ifndef __weak
#define __weak			__attribute__((weak))
#endif
#ifndef __alias
#define __alias(x)		__attribute__((alias(x)))
#endif
#ifndef __noreturn
#define __noreturn		__attribute__((__noreturn__))
#endif
#ifndef __pure
#define __pure			__attribute__((pure))
#endif
#ifndef __aligned
#define __aligned(x)		__attribute__((aligned(x)))
#endif
#ifndef __printf
#define __printf(a, b)		__attribute__((format(printf, a, b)))
#endif
#ifndef __noinline
#define __noinline		__attribute__((noinline))
#endif
#ifndef __attr_const
#define __attr_const		__attribute__((__const__))
#endif
#ifndef __unused
#define __unused		__attribute__((unused))
#endif
#ifndef __maybe_unused
#define __maybe_unused		__attribute__((unused))
#endif
#ifndef __used
#define __used			__attribute__((__used__))
#endif
#ifndef __must_check
#define __must_check		__attribute__((warn_unused_result))
#endif
#ifndef __cold
#define __cold			__attribute__((__cold__))
#endif
#ifndef __section
#define __section(x)		__attribute__((section(x)))
#endif
#ifndef __data
#define __data			__section(".data")
#endif
#ifndef __bss
#define __bss			__section(".bss")
#endif
#ifndef __rodata
#define __rodata		__section(".rodata")
#endif
#ifndef __rodata_unpaged
#define __rodata_unpaged(...)	__rodata
#endif
#ifndef __noprof
#define __noprof		__attribute__((no_instrument_function))
#endif
#ifndef __nostackcheck
#define __nostackcheck		__noprof
#endif
#ifndef __no_stack_protector
#define __no_stack_protector	__attribute__((__optimize__("-fno-stack-protector")))
#endif
#ifndef __fallthrough
#define __fallthrough		__attribute__((__fallthrough__))
#endif

#define __compiler_bswap64(x)	__builtin_bswap64((x))
#define __compiler_bswap32(x)	__builtin_bswap32((x))
#define __compiler_bswap16(x)	__builtin_bswap16((x))

/* Overflow-checked arithmetic: evaluate to true when the result overflowed. */
#define __compiler_add_overflow(a, b, res)	__builtin_add_overflow((a), (b), (res))
#define __compiler_sub_overflow(a, b, res)	__builtin_sub_overflow((a), (b), (res))
#define __compiler_mul_overflow(a, b, res)	__builtin_mul_overflow((a), (b), (res))

#define __compiler_compare_and_swap(p, oval, nval) \
	__atomic_compare_exchange_n((p), (oval), (nval), true, \
				    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)
#define __compiler_atomic_load(p)	__atomic_load_n((p), __ATOMIC_RELAXED)
#define __compiler_atomic_store(p, val) \
	__atomic_store_n((p), (val), __ATOMIC_RELAXED)

#endif /* OXTEE_COMPILER_H */
