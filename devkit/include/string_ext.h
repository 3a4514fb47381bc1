/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the string helpers of OP-TEE's <string_ext.h>, inline so
 * that they need nothing from the runtime. strlcpy/strlcat come from the
 * C library when it has them (glibc >= 2.38).
 */
#ifndef STRING_EXT_H
#define STRING_EXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* 0 if the buffers are equal; time depends on @len only. */
static inline int consttime_memcmp(const void *p1, const void *p2, size_t len)
{
	const volatile uint8_t *a = (const volatile uint8_t *)p1;
	const volatile uint8_t *b = (const volatile uint8_t *)p2;
	uint8_t diff = 0;
	size_t n = 0;

	for (n = 0; n < len; n++)
		diff |= a[n] ^ b[n];
	return diff != 0;
}

/* Constant-time comparison of two buffers (0 if equal). */
static inline int buf_compare_ct(const void *s1, const void *s2, size_t n)
{
	return consttime_memcmp(s1, s2, n);
}

/* Clear a buffer in a way the compiler does not remove. */
static inline void memzero_explicit(void *s, size_t count)
{
	volatile uint8_t *p = (volatile uint8_t *)s;

	while (count--)
		*p++ = 0;
}

#if !(defined(__GLIBC__) && \
      (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 38)))
/* Copy at most size - 1 bytes and terminate; returns strlen(src). */
static inline size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Append to a terminated string of at most size - 1 bytes; returns the
 * length it tried to create. */
static inline size_t strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}
#endif

#endif /* STRING_EXT_H */
