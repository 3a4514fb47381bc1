/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OP-TEE's <atomic.h> for TAs: atomic increments, decrements,
 * compare-and-swap, loads and stores, sequentially consistent, on the
 * compiler's atomic builtins.
 */
#ifndef OXTEE_ATOMIC_H
#define OXTEE_ATOMIC_H

#include <stdbool.h>
#include <stdint.h>

/* *v + 1, stored and returned. */
static inline uint32_t atomic_inc32(volatile uint32_t *v)
{
	return __atomic_add_fetch(v, 1, __ATOMIC_SEQ_CST);
}

/* *v - 1, stored and returned. */
static inline uint32_t atomic_dec32(volatile uint32_t *v)
{
	return __atomic_sub_fetch(v, 1, __ATOMIC_SEQ_CST);
}

/*
 * If *p equals *oval, store nval in *p and return true; otherwise load
 * *p into *oval and return false.
 */
static inline bool atomic_cas_uint(unsigned int *p, unsigned int *oval,
				   unsigned int nval)
{
	return __atomic_compare_exchange_n(p, oval, nval, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline bool atomic_cas_u32(uint32_t *p, uint32_t *oval, uint32_t nval)
{
	return __atomic_compare_exchange_n(p, oval, nval, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

#define OXTEE_ATOMIC_LOAD_STORE(name, type)				\
static inline type atomic_load_##name(const type *p)			\
{									\
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);			\
}									\
static inline void atomic_store_##name(type *p, type val)		\
{									\
	__atomic_store_n(p, val, __ATOMIC_SEQ_CST);			\
}

OXTEE_ATOMIC_LOAD_STORE(int, int)
OXTEE_ATOMIC_LOAD_STORE(short, short int)
OXTEE_ATOMIC_LOAD_STORE(uint, unsigned int)
OXTEE_ATOMIC_LOAD_STORE(u32, uint32_t)
OXTEE_ATOMIC_LOAD_STORE(ulong, unsigned long)

#undef OXTEE_ATOMIC_LOAD_STORE

#endif /* OXTEE_ATOMIC_H */
