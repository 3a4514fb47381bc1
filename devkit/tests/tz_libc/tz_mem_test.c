// SPDX-License-Identifier: Apache-2.0
/*
 * Host test of devkit/src/oxtee_tz_mem.c (its names prefixed oxtee_test_
 * by run.sh): memcpy, memmove, memset, memcmp and bcmp against glibc for
 * every alignment of source and destination, lengths around the word
 * and block sizes, and overlaps in both directions; bytes around the
 * destination must stay untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *oxtee_test_memcpy(void *, const void *, size_t);
void *oxtee_test_memmove(void *, const void *, size_t);
void *oxtee_test_memset(void *, int, size_t);
int oxtee_test_memcmp(const void *, const void *, size_t);
int oxtee_test_bcmp(const void *, const void *, size_t);

static unsigned long failures, checks;

static void expect(int ok, const char *what, size_t a, size_t b, size_t n)
{
	checks++;
	if (!ok && failures++ < 20)
		fprintf(stderr, "tz_mem_test: %s wrong (offsets %zu %zu, length %zu)\n",
			what, a, b, n);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

int main(void)
{
	static const size_t lens[] = { 0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32,
				       33, 63, 64, 65, 100, 255, 256, 1000 };
	unsigned char src[1200], want[1300], got[1300];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(rand() & 0xff);
	for (size_t so = 0; so < 16; so++) {
		for (size_t dof = 0; dof < 16; dof++) {
			for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
				size_t n = lens[li];
				int r;

				memset(want, 0xA5, sizeof(want));
				memset(got, 0xA5, sizeof(got));
				memcpy(want + 64 + dof, src + so, n);
				r = oxtee_test_memcpy(got + 64 + dof, src + so, n) == got + 64 + dof;
				expect(r && !memcmp(want, got, sizeof(got)), "memcpy", so, dof, n);

				memset(want, 0x5A, sizeof(want));
				oxtee_test_memset(got, 0x5A, sizeof(got));
				memset(want + 64 + dof, (int)so | 0x100, n);
				r = oxtee_test_memset(got + 64 + dof, (int)so | 0x100, n) == got + 64 + dof;
				expect(r && !memcmp(want, got, sizeof(got)), "memset", so, dof, n);

				/* Overlapping moves, forwards and backwards. */
				memcpy(want, src, sizeof(src));
				memcpy(got, src, sizeof(src));
				memmove(want + dof, want + so + 32, n);
				oxtee_test_memmove(got + dof, got + so + 32, n);
				expect(!memcmp(want, got, sizeof(src)), "memmove down", so, dof, n);
				memcpy(want, src, sizeof(src));
				memcpy(got, src, sizeof(src));
				memmove(want + so + 32, want + dof, n);
				oxtee_test_memmove(got + so + 32, got + dof, n);
				expect(!memcmp(want, got, sizeof(src)), "memmove up", so, dof, n);

				/* Equal, then one byte changed at each end. */
				memcpy(got, src + so, n);
				expect(oxtee_test_memcmp(got, src + so, n) == 0, "memcmp equal", so, dof, n);
				if (n) {
					size_t at = dof % n;

					got[at] ^= 0x80;
					expect(sign(oxtee_test_memcmp(got, src + so, n)) ==
						       sign(memcmp(got, src + so, n)),
					       "memcmp order", so, dof, n);
					expect(oxtee_test_bcmp(got, src + so, n) != 0, "bcmp", so, dof, n);
				}
			}
		}
	}
	printf("tz_mem_test: %lu checks, %lu failures\n", checks, failures);
	return failures != 0;
}
