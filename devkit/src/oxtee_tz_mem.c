// SPDX-License-Identifier: Apache-2.0
/*
 * oxtee devkit, TrustZone tier: the C library's memory functions for user
 * TAs at S-EL0 (memcpy, memmove, memset, memcmp), which both the TA's C
 * code and the TA runtime (libutee.a, Rust) call. No floating-point or
 * SIMD registers (the TA is built with -mgeneral-regs-only): eight bytes
 * at a time through general registers once the addresses allow it.
 *
 * The compiler must not turn these loops back into calls of themselves.
 */
#include <stddef.h>
#include <stdint.h>

#pragma GCC optimize("no-tree-loop-distribute-patterns")

typedef uint64_t __attribute__((may_alias)) word_t;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*d++ = *s++;
			n--;
		}
		while (n >= 32) {
			word_t a = ((const word_t *)s)[0];
			word_t b = ((const word_t *)s)[1];
			word_t c = ((const word_t *)s)[2];
			word_t e = ((const word_t *)s)[3];

			((word_t *)d)[0] = a;
			((word_t *)d)[1] = b;
			((word_t *)d)[2] = c;
			((word_t *)d)[3] = e;
			d += 32;
			s += 32;
			n -= 32;
		}
		while (n >= 8) {
			*(word_t *)d = *(const word_t *)s;
			d += 8;
			s += 8;
			n -= 8;
		}
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	/* Forwards is safe unless the destination starts inside the source. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		return memcpy(dst, src, n);
	/* Backwards, from the end. */
	d += n;
	s += n;
	if ((((uintptr_t)d ^ (uintptr_t)s) & 7) == 0) {
		while (n && ((uintptr_t)d & 7)) {
			*--d = *--s;
			n--;
		}
		while (n >= 8) {
			d -= 8;
			s -= 8;
			*(word_t *)d = *(const word_t *)s;
			n -= 8;
		}
	}
	while (n--)
		*--d = *--s;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	word_t w = (unsigned char)c;

	w |= w << 8;
	w |= w << 16;
	w |= w << 32;
	while (n && ((uintptr_t)d & 7)) {
		*d++ = (unsigned char)c;
		n--;
	}
	while (n >= 8) {
		*(word_t *)d = w;
		d += 8;
		n -= 8;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
	}
	return 0;
}

int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}
