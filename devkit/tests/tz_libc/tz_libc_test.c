// SPDX-License-Identifier: Apache-2.0
/*
 * Host test of devkit/src/oxtee_tz_libc.c (run by run.sh, which builds
 * that file for the host with every name it defines prefixed by
 * oxtee_test_). Its results are compared with the host glibc's: the
 * formatter (several hundred thousand format/argument combinations, and
 * every truncation of a sample of them), the strto* family, the string
 * functions, qsort/bsearch and ctype. What glibc cannot tell (%n, floats,
 * the log, panics, strlcpy) is checked against expected values.
 *
 * Exits 1 (after printing the differences) if anything differs.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define T(name) oxtee_test_##name
#define DECL(name) extern __typeof__(name) oxtee_test_##name

DECL(strlen);
DECL(strnlen);
DECL(strcmp);
DECL(strncmp);
DECL(strchr);
DECL(strrchr);
DECL(strcpy);
DECL(strncpy);
DECL(strcat);
DECL(strncat);
DECL(strstr);
DECL(memchr);
DECL(strdup);
DECL(strndup);
DECL(abort);
DECL(atoi);
DECL(atol);
DECL(atoll);
DECL(strtol);
DECL(strtoul);
DECL(strtoll);
DECL(strtoull);
DECL(abs);
DECL(labs);
DECL(llabs);
DECL(qsort);
DECL(bsearch);
DECL(isdigit);
DECL(isxdigit);
DECL(isalpha);
DECL(isalnum);
DECL(isspace);
DECL(isblank);
DECL(isupper);
DECL(islower);
DECL(isprint);
DECL(ispunct);
DECL(iscntrl);
DECL(isgraph);
DECL(toupper);
DECL(tolower);
DECL(__errno_location);
DECL(__assert_fail);
DECL(vsnprintf);
DECL(snprintf);
DECL(vsprintf);
DECL(sprintf);
DECL(printf);
DECL(vprintf);
DECL(puts);
DECL(putchar);
DECL(putc);
DECL(fputc);
DECL(vfprintf);
DECL(stdout);
size_t oxtee_test_strlcpy(char *dst, const char *src, size_t size);
size_t oxtee_test_strlcat(char *dst, const char *src, size_t size);
void oxtee_test___stack_chk_fail(void);

#define OERRNO (*oxtee_test___errno_location())

static unsigned long checks, failures;

#define FAIL(...)                                                   \
	do {                                                        \
		failures++;                                         \
		if (failures <= 100)                                \
			fprintf(stderr, "FAIL: " __VA_ARGS__);      \
		else if (failures == 101)                           \
			fprintf(stderr, "(more failures...)\n");    \
	} while (0)

#define CHECK(cond, ...)                  \
	do {                              \
		checks++;                 \
		if (!(cond))              \
			FAIL(__VA_ARGS__); \
	} while (0)

/* A printable form of s[0..n) (static buffers, a few in rotation). */
static const char *esc(const char *s, long n)
{
	static char bufs[4][2048];
	static int which;
	char *b = bufs[which++ & 3], *p = b;
	long i;

	if (!s)
		return "NULL";
	if (n < 0)
		n = 0;
	*p++ = '"';
	for (i = 0; i < n && p < b + sizeof(bufs[0]) - 8; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p++ = '"';
	*p = '\0';
	return b;
}

/* ------------------------------------------------------------------ */
/* The runtime, stubbed: the log and TEE_Panic. */

#define MAX_LOGS 64
static char logs[MAX_LOGS][512];
static size_t log_lens[MAX_LOGS];
static int nlogs;

void _utee_log(const void *buf, size_t len);
void TEE_Panic(uint32_t code) __attribute__((noreturn));

void _utee_log(const void *buf, size_t len)
{
	CHECK(len <= 256, "_utee_log of %zu bytes\n", len);
	if (nlogs < MAX_LOGS && len <= sizeof(logs[0])) {
		memcpy(logs[nlogs], buf, len);
		log_lens[nlogs] = len;
	}
	nlogs++;
}

static jmp_buf panic_jmp;
static bool panic_armed;
static uint32_t panic_code;

void TEE_Panic(uint32_t code)
{
	if (!panic_armed) {
		fprintf(stderr, "FAIL: unexpected TEE_Panic(%#x)\n", code);
		exit(1);
	}
	panic_armed = false;
	panic_code = code;
	longjmp(panic_jmp, 1);
}

/* The log calls since the last call are exactly the n strings given. */
static void expect_logs(const char *what, int n, ...)
{
	va_list ap;
	int i;

	checks++;
	va_start(ap, n);
	if (nlogs != n) {
		FAIL("%s: %d log calls, expected %d\n", what, nlogs, n);
		for (i = 0; i < nlogs && i < MAX_LOGS; i++)
			fprintf(stderr, "  log %d: %s\n", i,
				esc(logs[i], (long)log_lens[i]));
	} else {
		for (i = 0; i < n; i++) {
			const char *want = va_arg(ap, const char *);

			if (log_lens[i] != strlen(want) ||
			    memcmp(logs[i], want, log_lens[i]))
				FAIL("%s: log %d is %s, expected %s\n", what, i,
				     esc(logs[i], (long)log_lens[i]),
				     esc(want, (long)strlen(want)));
		}
	}
	va_end(ap);
	nlogs = 0;
}

/* ------------------------------------------------------------------ */
/* The formatter against glibc's. */

static unsigned long fmt_cases, trunc_cases;

/*
 * fmt with ap through glibc and ours: the same result and return value,
 * errno EOVERFLOW on both sides if -1; with trunc, also every buffer size
 * from 0 to the length + 1, in a buffer of exactly that size.
 */
static void vcheck(bool trunc, const char *fmt, va_list ap)
{
	static char want[8192], got[8192];
	va_list a;
	int wl, gl, werr, gerr;
	size_t n;

	checks++;
	fmt_cases++;
	errno = 0;
	va_copy(a, ap);
	wl = vsnprintf(want, sizeof(want), fmt, a);
	va_end(a);
	werr = errno;
	memset(got, 0x5a, sizeof(got));
	OERRNO = 0;
	va_copy(a, ap);
	gl = T(vsnprintf)(got, sizeof(got), fmt, a);
	va_end(a);
	gerr = OERRNO;
	if (wl != gl) {
		FAIL("format %s: returned %d, glibc %d (%s vs %s)\n",
		     esc(fmt, (long)strlen(fmt)), gl, wl,
		     esc(got, gl < (int)sizeof(got) ? gl : 0),
		     esc(want, wl < (int)sizeof(want) ? wl : 0));
		return;
	}
	if (wl < 0) {
		if (werr != gerr)
			FAIL("format %s: errno %d, glibc %d\n",
			     esc(fmt, (long)strlen(fmt)), gerr, werr);
		return;
	}
	if ((size_t)wl >= sizeof(want)) {
		/* Only the start was kept: compare that. */
		if (memcmp(want, got, sizeof(want)))
			FAIL("format %s: long outputs differ\n",
			     esc(fmt, (long)strlen(fmt)));
		return;
	}
	if (memcmp(want, got, (size_t)wl + 1)) {
		FAIL("format %s: %s, glibc %s\n", esc(fmt, (long)strlen(fmt)),
		     esc(got, wl + 1), esc(want, wl + 1));
		return;
	}
	if (!trunc || wl > 1000)
		return;
	trunc_cases++;
	for (n = 0; n <= (size_t)wl + 1; n++) {
		char *b = n ? malloc(n) : NULL;
		size_t k = n ? ((size_t)wl < n - 1 ? (size_t)wl : n - 1) : 0;
		int r;

		if (b)
			memset(b, 0x5a, n);
		va_copy(a, ap);
		r = T(vsnprintf)(b, n, fmt, a);
		va_end(a);
		checks++;
		if (r != wl || (n && (memcmp(b, want, k) || b[k])))
			FAIL("format %s, n = %zu: returned %d, %s; expected "
			     "%d, %s\n", esc(fmt, (long)strlen(fmt)), n, r,
			     n ? esc(b, (long)n) : "-", wl,
			     esc(want, (long)k));
		free(b);
	}
}

static void check_fmt(bool trunc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(trunc, fmt, ap);
	va_end(ap);
}

#define check(...) check_fmt(true, __VA_ARGS__)

/* Ours only: fmt gives want (and returns its length). */
static void expect_fmt(const char *want, const char *fmt, ...)
{
	char got[512];
	va_list ap;
	int r;

	memset(got, 0x5a, sizeof(got));
	va_start(ap, fmt);
	r = T(vsnprintf)(got, sizeof(got), fmt, ap);
	va_end(ap);
	CHECK(r == (int)strlen(want) && !strcmp(got, want),
	      "format %s: %d %s, expected %s\n", esc(fmt, (long)strlen(fmt)),
	      r, esc(got, r > 0 && r < 512 ? r : 0),
	      esc(want, (long)strlen(want)));
}

/* Ours only: fmt returns want (-1: errno EOVERFLOW); what fits is kept. */
static void expect_ret(int want, const char *fmt, ...)
{
	char got[16];
	va_list ap;
	int r;

	memset(got, 0x5a, sizeof(got));
	OERRNO = 0;
	va_start(ap, fmt);
	r = T(vsnprintf)(got, sizeof(got), fmt, ap);
	va_end(ap);
	CHECK(r == want && (r >= 0 || OERRNO == EOVERFLOW) &&
		      memchr(got, 0, sizeof(got)),
	      "format %s: %d errno %d, expected %d\n",
	      esc(fmt, (long)strlen(fmt)), r, OERRNO, want);
}

static const char *const lens[] = { "hh", "h", "", "l", "ll", "j", "z", "t" };

/* The integer v as the type of length modifier lens[li]. */
static void check_int(bool trunc, const char *fmt, int li,
		      unsigned long long v)
{
	switch (li) {
	case 3:
		check_fmt(trunc, fmt, (long)v);
		break;
	case 4:
		check_fmt(trunc, fmt, (long long)v);
		break;
	case 5:
		check_fmt(trunc, fmt, (intmax_t)v);
		break;
	case 6:
		check_fmt(trunc, fmt, (size_t)v);
		break;
	case 7:
		check_fmt(trunc, fmt, (ptrdiff_t)v);
		break;
	default:
		check_fmt(trunc, fmt, (int)v);
		break;
	}
}

/* The flags subset number i (of 32) of "-+ #0". */
static const char *flagset(unsigned int i)
{
	static char b[8];
	char *p = b;
	const char *all = "-+ #0";
	int k;

	for (k = 0; k < 5; k++)
		if (i & (1u << k))
			*p++ = all[k];
	*p = '\0';
	return b;
}

static void test_format_ints(void)
{
	static const char *const widths[] = { "", "1", "7", "24" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".5",
					     ".23" };
	static const unsigned long long vals[] = {
		0, 1, 7, 8, 42, 127, 128, 255, 256, 0x7fff, 0x8000, 0xffff,
		0x10000, INT_MAX, (unsigned int)INT_MIN, UINT_MAX,
		0x100000000ull, LLONG_MAX, (unsigned long long)LLONG_MIN,
		ULLONG_MAX, -42ull, -128ull, -129ull, 0x123456789abcdefull,
		1000000007ull, 01234567ull,
	};
	const char *convs = "diouxX";
	unsigned long sample = 0;
	unsigned int fl;
	size_t w, p, li, c, v;
	char fmt[64];

	for (fl = 0; fl < 32; fl++)
		for (w = 0; w < 4; w++)
			for (p = 0; p < 6; p++)
				for (li = 0; li < 8; li++)
					for (c = 0; c < 6; c++) {
						snprintf(fmt, sizeof(fmt),
							 "<%%%s%s%s%s%c>",
							 flagset(fl), widths[w],
							 precs[p], lens[li],
							 convs[c]);
						for (v = 0;
						     v < sizeof(vals) /
								 sizeof(vals[0]);
						     v++)
							check_int(
								++sample % 61 ==
									0,
								fmt, (int)li,
								vals[v]);
					}
}

static void test_format_stars(void)
{
	static const int ws[] = { -20, -3, -1, 0, 1, 5, 30 };
	static const int ps[] = { -7, -1, 0, 1, 4, 25 };
	static const unsigned int fls[] = { 0, 1, 2, 4, 8, 16, 17, 26, 31 };
	size_t i, j, k;
	char fmt[32];

	for (i = 0; i < sizeof(ws) / sizeof(ws[0]); i++)
		for (j = 0; j < sizeof(ps) / sizeof(ps[0]); j++)
			for (k = 0; k < sizeof(fls) / sizeof(fls[0]); k++) {
				int w = ws[i], p = ps[j];

				snprintf(fmt, sizeof(fmt), "[%%%s*.*d]",
					 flagset(fls[k]));
				check(fmt, w, p, -1234);
				check(fmt, w, p, 0);
				snprintf(fmt, sizeof(fmt), "[%%%s*.*lx]",
					 flagset(fls[k]));
				check(fmt, w, p, 0xabcdefUL);
				check(fmt, w, p, 0UL);
				snprintf(fmt, sizeof(fmt), "[%%%s*.*o]",
					 flagset(fls[k]));
				check(fmt, w, p, 8);
				check(fmt, w, p, 0);
				snprintf(fmt, sizeof(fmt), "[%%%s*.*s]",
					 flagset(fls[k]));
				check(fmt, w, p, "string");
				check(fmt, w, p, (char *)NULL);
				snprintf(fmt, sizeof(fmt), "[%%%s*c]",
					 flagset(fls[k]));
				check(fmt, w, 'q');
				snprintf(fmt, sizeof(fmt), "[%%%s*.*p]",
					 flagset(fls[k]));
				check(fmt, w, p, (void *)0x1234);
				check(fmt, w, p, (void *)NULL);
				snprintf(fmt, sizeof(fmt), "[%%%s%d.*u]",
					 flagset(fls[k]), (int)j * 3);
				check(fmt, p, 77u);
			}
}

static void test_format_cs_p(void)
{
	static const char *const widths[] = { "", "0", "1", "6", "13" };
	static const char *const precs[] = { "", ".", ".0", ".2", ".5", ".6",
					     ".7", ".40" };
	static const int chars[] = { 'a', ' ', 0, 0x7f, 0xff, -1, 'Z' + 256 };
	static const char *const strs[] = {
		"", "a", "hello", "sixchr", "a much longer string, over 24 chars",
		NULL, "tab\there", "\xff\x80 high",
	};
	static const uintptr_t ptrs[] = { 0, 1, 0xdeadbeef, UINTPTR_MAX,
					  0x7ffd12345678, 0x10 };
	unsigned long sample = 0;
	unsigned int fl;
	size_t w, p, i;
	char fmt[64];

	for (fl = 0; fl < 32; fl++)
		for (w = 0; w < 5; w++) {
			for (p = 0; p < 8; p++) {
				snprintf(fmt, sizeof(fmt), "(%%%s%s%sc)",
					 flagset(fl), widths[w], precs[p]);
				for (i = 0; i < sizeof(chars) / sizeof(chars[0]);
				     i++)
					check_fmt(++sample % 7 == 0, fmt,
						  chars[i]);
				snprintf(fmt, sizeof(fmt), "(%%%s%s%ss)",
					 flagset(fl), widths[w], precs[p]);
				for (i = 0; i < sizeof(strs) / sizeof(strs[0]);
				     i++)
					check_fmt(++sample % 7 == 0, fmt,
						  strs[i]);
				snprintf(fmt, sizeof(fmt), "(%%%s%s%sp)",
					 flagset(fl), widths[w], precs[p]);
				for (i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]);
				     i++)
					check_fmt(++sample % 7 == 0, fmt,
						  (void *)ptrs[i]);
			}
			snprintf(fmt, sizeof(fmt), "(%%%s%s%%)", flagset(fl),
				 widths[w]);
			check(fmt);
		}
	/* %p of a real pointer. */
	check("%p", (void *)&sample);
	check("%20p|%-20p|%020p", (void *)&sample, (void *)&fl, (void *)&w);
}

static void test_format_misc(void)
{
	static const char nt[3] = { 'a', 'b', 'c' };	/* not terminated */
	char *heap = malloc(3);
	int n = 12345;

	/* Mixed conversions and text. */
	check("");
	check("plain text, no conversion");
	check("%d", INT_MIN);
	check("%d %i", INT_MAX, -1);
	check("%ld|%lld|%lu|%llu", LONG_MIN, LLONG_MIN, ULONG_MAX, ULLONG_MAX);
	check("%lx|%llX|%lo|%llo", LONG_MIN, LLONG_MIN, ULONG_MAX, ULLONG_MAX);
	check("%jd|%ju|%zd|%zu|%td|%tu", INTMAX_MIN, UINTMAX_MAX,
	      (size_t)-5, SIZE_MAX, PTRDIFF_MIN, (ptrdiff_t)-1);
	check("%hhd|%hhu|%hhx|%hd|%hu|%hx", 300, -1, 0x1ff, 70000, -1,
	      0x12345);
	check("a%db%sc%%d%5.2xe%cf%pg", 1, "two", 3, '4', (void *)5);
	check("%.0d|%.0u|%.0x|%.0o|%#.0o|%#.0x|%+.0d|% .0d|%5.0d|%-5.0d|",
	      0, 0u, 0u, 0u, 0u, 0u, 0, 0, 0, 0);
	check("%#x|%#X|%#o|%#5x|%#-8X|%#08x|%#.5o|%#5o", 0, 0xab, 0, 1, 0xab,
	      0x1f, 8, 0777);
	check("%+d|% d|%+ d|% +d|%+u|% u|%+x", 5, 5, 5, 5, 5u, 5u, 5u);
	check("%-0+5d|%00-5d|%--5d|%++d|%  d|%##x|%0-0d|", 42, 42, 42, 42, 42,
	      42, 7);
	check("%'d|%'u|%'5d|%-'8d|", 1234567, 1234567u, 12, 12);
	check("%0*d|%-*d|%*d", 6, -42, 6, -42, -6, -42);
	check("%.*s|%.*s|%.*s", 2, "abcdef", 0, "abc", -1, "abc");
	check("%.3s|%-5.2s|%5.1s", nt, nt, nt);	/* never reads past 3 */
	memcpy(heap, "xyz", 3);
	check("%.3s|%.2s|%.0s", heap, heap, heap);
	check("%5%|%-5%|%05%|%%|%.3%");
	check("%c%c%c", 'a', 0, 'b');
	check("%s", "a\nnewline\tand tab");
	check("%s %s %s %s", "one", "two", "three", "four");
	check("%100d|%-100x|%0100o", 1, 2u, 3u);
	check("%.100d|%50.40x", -1, 0xdeadu);
	check("%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d", 1, 2, 3, 4, 5, 6, 7, 8, 9,
	      10, 11, 12, 13, 14, 15, 16);
	check("%lld %d %lld %d %lld %d %lld %d %lld", 1LL, 2, 3LL, 4, 5LL, 6,
	      7LL, 8, 9LL);
	check("%lc|%5lc|%-3lc|", (wint_t)'a', (wint_t)'x', (wint_t)'y');
	check("%ls|%.3ls|%-8ls|%8ls|%ls", L"hello", L"hello", L"ab", L"ab",
	      (wchar_t *)NULL);
	/* Unknown conversions stand as written. */
	check("%y|%5y|%-8.3y|%#y");
	/* Widths and precisions beyond INT_MAX. */
	check_fmt(false, "%2147483648d", 1);
	check_fmt(false, "%.2147483648d", 1);
	check_fmt(false, "%99999999999999999999d", 1);
	free(heap);

	/* Ours only. */
	expect_fmt("abcd7|12345", "ab%ncd%d|%d", &n, 7, n);
	CHECK(n == 12345, "%%n wrote %d\n", n);
	expect_fmt("[|x", "[%hhn%hn%ln%lln%jn%zn%tn|%c", (void *)0, (void *)0,
		   (void *)0, (void *)0, (void *)0, (void *)0, (void *)0, 'x');
	expect_fmt("[?|42|?|s|?|?|?|?|?|?|7]",
		   "[%f|%d|%e|%s|%g|%a|%F|%E|%G|%A|%d]", 1.5, 42, 2.5, "s",
		   3.5, 4.5, 5.5, 6.5, 7.5, 8.0, 7);
	expect_fmt("[?|?|1]", "[%10.3f|%-+#0Lf|%d]", 1.0, 1);
	expect_fmt("%hy|%lly|%zy|%jy|%ty|%-08.3y", "%hy|%lly|%zy|%jy|%ty|%-08.3y");
	expect_fmt("abc%", "abc%");
	expect_fmt("abc%-5", "abc%-5");
	expect_fmt("x%ll", "x%ll");
	expect_fmt("x%.", "x%.");
	expect_fmt("[%1$d]", "[%1$d]", 5);
	expect_fmt("%m", "%m");
	expect_fmt("5 5", "%Ld %d", 5, 5);
	expect_fmt("a?b|?|  ?", "%ls|%lc|%3lc", L"a\u00e9b", (wint_t)0xe9,
		   (wint_t)0x20ac);
	expect_fmt("(null)|(null)|", "%s|%.6s|%.5s", (char *)NULL,
		   (char *)NULL, (char *)NULL);
	expect_fmt("(nil)|(nil)|  (nil)", "%p|%.1p|%7p", (void *)0, (void *)0,
		   (void *)0);
	/*
	 * Outputs near INT_MAX characters (glibc takes seconds for each:
	 * checked here alone).
	 */
	expect_ret(2147483647, "%2147483647d", 1);
	expect_ret(-1, "%2147483647d%d", 1, 2);
	expect_ret(2147483647, "%2147483646d%d", 1, 2);
	expect_ret(-1, "x%2147483647d", 1);
	expect_ret(-1, "%-2147483647s|", "abc");
	expect_ret(2147483647, "%.2147483647d", 1);
	expect_ret(2147483001, "%*d|", -2147483000, 5);
	expect_ret(-1, "%-*d|", INT_MIN, 5);
	expect_ret(-1, "%.*d%2147483647d", 5, 1, 2);
	{
		char b[8];
		int r;

		OERRNO = 0;
		r = T(snprintf)(b, sizeof(b), "ab%*dcd", INT_MIN, 1);
		CHECK(r == -1 && OERRNO == EOVERFLOW && !strcmp(b, "ab"),
		      "%%*d of INT_MIN: %d errno %d %s\n", r, OERRNO,
		      esc(b, 3));
		r = T(snprintf)(NULL, 0, "%d", 12345);
		CHECK(r == 5, "snprintf(NULL, 0): %d\n", r);
	}
}

/* The wrappers: snprintf, sprintf, vsprintf. */
static int call_vsprintf(char *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = T(vsprintf)(b, fmt, ap);
	va_end(ap);
	return r;
}

static void test_format_wrappers(void)
{
	char a[128], b[128];
	int ra, rb;

	memset(b, 0x5a, sizeof(b));
	ra = sprintf(a, "%s-%05d-%x", "w", 42, 255u);
	rb = T(sprintf)(b, "%s-%05d-%x", "w", 42, 255u);
	CHECK(ra == rb && !strcmp(a, b), "sprintf: %d %s\n", rb,
	      esc(b, rb));
	memset(b, 0x5a, sizeof(b));
	rb = call_vsprintf(b, "%s-%05d-%x", "w", 42, 255u);
	CHECK(ra == rb && !strcmp(a, b), "vsprintf: %d %s\n", rb,
	      esc(b, rb));
	memset(b, 0x5a, sizeof(b));
	ra = snprintf(a, 6, "%s-%05d-%x", "w", 42, 255u);
	rb = T(snprintf)(b, 6, "%s-%05d-%x", "w", 42, 255u);
	CHECK(ra == rb && !strcmp(a, b) && b[6] == 0x5a, "snprintf: %d %s\n",
	      rb, esc(b, 7));
}

/* ------------------------------------------------------------------ */
/* The log: printf, vprintf, puts, putchar. */

static int call_vprintf(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = T(vprintf)(fmt, ap);
	va_end(ap);
	return r;
}

static int call_vfprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = T(vfprintf)(f, fmt, ap);
	va_end(ap);
	return r;
}

static void test_log(void)
{
	char big[701], want[3][300];
	int r;

	nlogs = 0;
	r = T(printf)("hello %d\n", 5);
	CHECK(r == 8, "printf returned %d\n", r);
	expect_logs("printf line", 1, "hello 5\n");
	r = T(printf)("no newline %s", "here");
	CHECK(r == 15, "printf returned %d\n", r);
	expect_logs("printf without newline", 1, "no newline here\n");
	T(printf)("a\nb\n\nc");
	expect_logs("printf of lines", 4, "a\n", "b\n", "\n", "c\n");
	T(printf)("%s", "");
	expect_logs("empty printf", 0);
	r = call_vprintf("v%dv\n", 1);
	CHECK(r == 4, "vprintf returned %d\n", r);
	expect_logs("vprintf", 1, "v1v\n");
	T(putchar)('a');
	r = T(putchar)('b' + 256);
	CHECK(r == 'b', "putchar returned %d\n", r);
	expect_logs("putchar without newline", 0);
	T(putchar)('\n');
	expect_logs("putchar line", 1, "ab\n");
	T(putchar)('x');
	T(printf)("yz\n");
	expect_logs("putchar then printf", 1, "xyz\n");
	r = T(puts)("line");
	CHECK(r >= 0, "puts returned %d\n", r);
	expect_logs("puts", 1, "line\n");
	T(puts)("");
	expect_logs("puts of nothing", 1, "\n");
	T(putchar)('>');
	T(puts)("p");
	expect_logs("putchar then puts", 1, ">p\n");
	/* What glibc's inline putchar and vprintf call. */
	CHECK(T(stdout) != NULL, "stdout is NULL\n");
	r = T(putc)('p' + 512, T(stdout));
	CHECK(r == 'p', "putc returned %d\n", r);
	r = T(fputc)('q', T(stdout));
	CHECK(r == 'q', "fputc returned %d\n", r);
	expect_logs("putc", 0);
	r = call_vfprintf(T(stdout), "<%d>\n", 9);
	CHECK(r == 4, "vfprintf returned %d\n", r);
	expect_logs("vfprintf", 1, "pq<9>\n");
	/* 700 characters: lines of 255. */
	memset(big, 'm', 700);
	big[700] = '\0';
	r = T(printf)("%s", big);
	CHECK(r == 700, "long printf returned %d\n", r);
	memset(want, 0, sizeof(want));
	memset(want[0], 'm', 255);
	want[0][255] = '\n';
	memcpy(want[1], want[0], 256);
	memset(want[2], 'm', 190);
	want[2][190] = '\n';
	expect_logs("long printf", 3, want[0], want[1], want[2]);
	r = T(printf)("%300d|\n", 1);
	CHECK(r == 302, "wide printf returned %d\n", r);
	CHECK(nlogs == 2 && log_lens[0] == 256 && log_lens[1] == 47,
	      "wide printf: %d calls\n", nlogs);
	nlogs = 0;
}

/* ------------------------------------------------------------------ */
/* abort, __assert_fail, __stack_chk_fail. */

static void test_panics(void)
{
	char longexpr[400];

	nlogs = 0;
	panic_code = 0xdead;
	panic_armed = true;
	if (!setjmp(panic_jmp))
		T(__assert_fail)("x == 1", "file.c", 12, "fn");
	CHECK(!panic_armed && panic_code == 0, "assert: panic %#x\n",
	      panic_code);
	expect_logs("assert", 1, "file.c:12: fn: Assertion `x == 1' failed.\n");

	panic_code = 0xdead;
	panic_armed = true;
	if (!setjmp(panic_jmp))
		T(__assert_fail)("ok", "f.c", 4000000000u, NULL);
	CHECK(!panic_armed && panic_code == 0, "assert: panic %#x\n",
	      panic_code);
	expect_logs("assert without function", 1,
		    "f.c:4000000000: Assertion `ok' failed.\n");

	memset(longexpr, 'e', sizeof(longexpr) - 1);
	longexpr[sizeof(longexpr) - 1] = '\0';
	panic_armed = true;
	if (!setjmp(panic_jmp))
		T(__assert_fail)(longexpr, "f.c", 1, "g");
	CHECK(nlogs == 1 && log_lens[0] == 255 && logs[0][254] == '\n' &&
		      !memcmp(logs[0], "f.c:1: g: Assertion `eee", 24),
	      "long assert: %d calls, %s\n", nlogs,
	      esc(logs[0], (long)log_lens[0]));
	nlogs = 0;

	T(putchar)('a');
	panic_code = 0xdead;
	panic_armed = true;
	if (!setjmp(panic_jmp))
		T(abort)();
	CHECK(!panic_armed && panic_code == 0, "abort: panic %#x\n",
	      panic_code);
	expect_logs("abort", 1, "a\n");

	panic_code = 0xdead;
	panic_armed = true;
	if (!setjmp(panic_jmp))
		T(__stack_chk_fail)();
	CHECK(!panic_armed && panic_code == 0, "stack_chk: panic %#x\n",
	      panic_code);
	expect_logs("stack_chk", 1, "stack smashing detected\n");
}

/* ------------------------------------------------------------------ */
/* strto*, ato*, abs. */

static void test_strto(void)
{
	static const char *const in[] = {
		"", " ", "0", "-0", "+0", "123", "  -123abc", "\t\n+42",
		"\v\f\r 12", "0x", "0X1f", "0x1g", "-0x10", "0xg", "0x 1",
		"   0x", "+0x", "-0X", "0b101", "077", "08", "09", "0", "00",
		"z", "Z", "zz", "ZZZZZZZZZZZZZZ", "zzzzzzzzzzzzzz", "1e5",
		"9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616",
		"99999999999999999999999999", "-99999999999999999999999999x",
		"  +", "-", "+-1", "- 1", "--1", "0x7fffffffffffffff",
		"0x8000000000000000", "-0x8000000000000000",
		"0xffffffffffffffff", "0x10000000000000000", "-0x1",
		"2147483647", "2147483648", "-2147483648", "-2147483649",
		"4294967295", "4294967296", "0777777777777777777777",
		"01777777777777777777777", "02000000000000000000000",
		"1111111111111111111111111111111111111111111111111111111111111111",
		"11111111111111111111111111111111111111111111111111111111111111111",
		"3w5e11264sgsf", "3w5e11264sgsg", "-3w5e11264sgsg",
		"7b7n2pcniokcgf", "12 34", "  \t 1", "1.5", "+z", "\xff", "1\xff",
		"0x\xff",
	};
	static const int bases[] = { 0, 2, 3, 8, 10, 16, 35, 36, 1, 37, -1,
				     INT_MIN };
	size_t i, j;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const char *s = in[i];

		for (j = 0; j < sizeof(bases) / sizeof(bases[0]); j++) {
			int b = bases[j];
			bool bad = b < 0 || b == 1 || b > 36;
			char *we, *ge;
			int werr, gerr;

#define CMP_STRTO(fn, type, pf)                                               \
	do {                                                                  \
		type w, g;                                                    \
		we = ge = (char *)"sentinel";                                 \
		errno = 0;                                                    \
		w = fn(s, &we, b);                                            \
		werr = errno;                                                 \
		OERRNO = 0;                                                   \
		g = T(fn)(s, &ge, b);                                         \
		gerr = OERRNO;                                                \
		CHECK(w == g && werr == gerr &&                               \
			      (bad ? ge == s : we == ge),                     \
		      #fn "(%s, %d): " pf " errno %d end %+td; glibc " pf     \
			  " errno %d end %+td\n",                             \
		      esc(s, (long)strlen(s)), b, g, gerr, ge - s, w, werr,   \
		      we - s);                                                \
		OERRNO = 0;                                                   \
		g = T(fn)(s, NULL, b);                                        \
		CHECK(w == g && werr == OERRNO, #fn "(%s, %d), no end\n",     \
		      esc(s, (long)strlen(s)), b);                            \
	} while (0)

			CMP_STRTO(strtol, long, "%ld");
			CMP_STRTO(strtoul, unsigned long, "%lu");
			CMP_STRTO(strtoll, long long, "%lld");
			CMP_STRTO(strtoull, unsigned long long, "%llu");
			(void)ge;
			(void)werr;
		}
		CHECK(atoi(s) == T(atoi)(s), "atoi(%s): %d, glibc %d\n",
		      esc(s, (long)strlen(s)), T(atoi)(s), atoi(s));
		CHECK(atol(s) == T(atol)(s), "atol(%s)\n",
		      esc(s, (long)strlen(s)));
		CHECK(atoll(s) == T(atoll)(s), "atoll(%s)\n",
		      esc(s, (long)strlen(s)));
	}
	/* Success leaves errno alone. */
	OERRNO = 77;
	CHECK(T(strtol)("5", NULL, 10) == 5 && OERRNO == 77,
	      "strtol changed errno\n");
	CHECK(oxtee_test___errno_location() == oxtee_test___errno_location() &&
		      oxtee_test___errno_location() != &errno,
	      "__errno_location\n");

	CHECK(T(abs)(-5) == 5 && T(abs)(5) == 5 && T(abs)(0) == 0 &&
		      T(abs)(INT_MIN + 1) == INT_MAX,
	      "abs\n");
	CHECK(T(labs)(-5L) == 5 && T(labs)(LONG_MIN + 1) == LONG_MAX,
	      "labs\n");
	CHECK(T(llabs)(-5LL) == 5 && T(llabs)(LLONG_MIN + 1) == LLONG_MAX,
	      "llabs\n");
}

/* ------------------------------------------------------------------ */
/* ctype */

static void test_ctype(void)
{
	int c;

	for (c = -1; c < 256; c++) {
#define CMP_CTYPE(fn)                                                        \
	CHECK(!!fn(c) == !!T(fn)(c), #fn "(%d): %d, glibc %d\n", c, T(fn)(c), \
	      fn(c))
		CMP_CTYPE(isdigit);
		CMP_CTYPE(isxdigit);
		CMP_CTYPE(isalpha);
		CMP_CTYPE(isalnum);
		CMP_CTYPE(isspace);
		CMP_CTYPE(isblank);
		CMP_CTYPE(isupper);
		CMP_CTYPE(islower);
		CMP_CTYPE(isprint);
		CMP_CTYPE(ispunct);
		CMP_CTYPE(iscntrl);
		CMP_CTYPE(isgraph);
		CHECK(toupper(c) == T(toupper)(c), "toupper(%d): %d\n", c,
		      T(toupper)(c));
		CHECK(tolower(c) == T(tolower)(c), "tolower(%d): %d\n", c,
		      T(tolower)(c));
	}
}

/* ------------------------------------------------------------------ */
/* string.h */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* A random string of at most max characters from a small alphabet. */
static void rnd_str(char *s, size_t max)
{
	static const char alpha[] = "aab\x80\xff";
	size_t n = rnd() % (max + 1), i;

	for (i = 0; i < n; i++)
		s[i] = alpha[rnd() % (sizeof(alpha) - 1)];
	s[n] = '\0';
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_strings(void)
{
	static const int cs[] = { 0, 'a', 'b', 0x80, 0xff, -1, -128,
				  'a' + 256, 'z' };
	int iter;

	for (iter = 0; iter < 20000; iter++) {
		char a[16], b[16];
		char wbuf[64], gbuf[64];
		size_t n, i;

		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		rnd_str(a, 12);
		rnd_str(b, 6);
		n = rnd() % 16;

		CHECK(strlen(a) == T(strlen)(a), "strlen(%s)\n",
		      esc(a, (long)strlen(a)));
		CHECK(strnlen(a, n) == T(strnlen)(a, n), "strnlen(%s, %zu)\n",
		      esc(a, (long)strlen(a)), n);
		CHECK(sign(strcmp(a, b)) == sign(T(strcmp)(a, b)),
		      "strcmp(%s, %s)\n", esc(a, (long)strlen(a)),
		      esc(b, (long)strlen(b)));
		CHECK(sign(strncmp(a, b, n)) == sign(T(strncmp)(a, b, n)),
		      "strncmp(%s, %s, %zu)\n", esc(a, (long)strlen(a)),
		      esc(b, (long)strlen(b)), n);
		CHECK(strstr(a, b) == T(strstr)(a, b), "strstr(%s, %s)\n",
		      esc(a, (long)strlen(a)), esc(b, (long)strlen(b)));
		for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
			CHECK(strchr(a, cs[i]) == T(strchr)(a, cs[i]),
			      "strchr(%s, %d)\n", esc(a, (long)strlen(a)),
			      cs[i]);
			CHECK(strrchr(a, cs[i]) == T(strrchr)(a, cs[i]),
			      "strrchr(%s, %d)\n", esc(a, (long)strlen(a)),
			      cs[i]);
			CHECK(memchr(a, cs[i], n < sizeof(a) ? n : 0) ==
				      T(memchr)(a, cs[i], n < sizeof(a) ? n : 0),
			      "memchr(%s, %d, %zu)\n", esc(a, 16), cs[i], n);
		}

		/* Copies: the whole buffer must be the same. */
#define CMP_BUFS(what, wr, gr)                                            \
	CHECK((wr) - wbuf == (gr) - gbuf && !memcmp(wbuf, gbuf, sizeof(wbuf)), \
	      what "(%s, %s, %zu): %s, glibc %s\n", esc(a, (long)strlen(a)),  \
	      esc(b, (long)strlen(b)), n, esc(gbuf, 32), esc(wbuf, 32))
		memset(wbuf, 0x5a, sizeof(wbuf));
		memset(gbuf, 0x5a, sizeof(gbuf));
		CMP_BUFS("strcpy", strcpy(wbuf, a), T(strcpy)(gbuf, a));
		CMP_BUFS("strcat", strcat(wbuf, b), T(strcat)(gbuf, b));
		CMP_BUFS("strncat", strncat(wbuf, a, n),
			 T(strncat)(gbuf, a, n));
		memset(wbuf, 0x5a, sizeof(wbuf));
		memset(gbuf, 0x5a, sizeof(gbuf));
		CMP_BUFS("strncpy", strncpy(wbuf, a, n), T(strncpy)(gbuf, a, n));
		CMP_BUFS("strncpy", strncpy(wbuf + 20, b, n + 5),
			 T(strncpy)(gbuf + 20, b, n + 5));

		/* strlcpy: snprintf's result; strlcat: append, likewise. */
		memset(wbuf, 0x5a, sizeof(wbuf));
		memset(gbuf, 0x5a, sizeof(gbuf));
		{
			size_t wr = strlen(a), gr;

			if (n)
				snprintf(wbuf, n, "%s", a);
			gr = T(strlcpy)(gbuf, a, n);
			CHECK(wr == gr && !memcmp(wbuf, gbuf, sizeof(wbuf)),
			      "strlcpy(%s, %zu): %zu %s\n",
			      esc(a, (long)strlen(a)), n, gr, esc(gbuf, 20));

			/* dst now holds a prefix of a (or nothing). */
			for (i = 0; i <= 20; i++) {
				char w2[64], g2[64];
				size_t dl;

				memcpy(w2, wbuf, sizeof(w2));
				memcpy(g2, gbuf, sizeof(g2));
				dl = strnlen(w2, i);
				if (dl == i) {
					wr = i + strlen(b);
				} else {
					wr = dl + strlen(b);
					snprintf(w2 + dl, i - dl, "%s", b);
				}
				gr = T(strlcat)(g2, b, i);
				CHECK(wr == gr && !memcmp(w2, g2, sizeof(w2)),
				      "strlcat(%s, %s, %zu): %zu %s, "
				      "expected %zu %s\n",
				      esc(wbuf, 16), esc(b, (long)strlen(b)), i,
				      gr, esc(g2, 20), wr, esc(w2, 20));
			}
		}

		/* strdup, strndup. */
		{
			char *g = T(strdup)(a);

			CHECK(g && !strcmp(g, a), "strdup(%s)\n",
			      esc(a, (long)strlen(a)));
			free(g);
			g = T(strndup)(a, n);
			CHECK(g && strlen(g) == strnlen(a, n) &&
				      !strncmp(g, a, n),
			      "strndup(%s, %zu)\n", esc(a, (long)strlen(a)), n);
			free(g);
		}
	}

	/* strstr: a few structured cases. */
	{
		static const char *const h[] = {
			"", "a", "aaa", "aaab", "abababc", "hello world",
			"mississippi", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxy",
		};
		static const char *const nd[] = {
			"", "a", "aa", "aab", "ababc", "world", "issip", "ssi",
			"xy", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxy", "z", "hello world!",
		};
		size_t i, j;

		for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
			for (j = 0; j < sizeof(nd) / sizeof(nd[0]); j++)
				CHECK(strstr(h[i], nd[j]) ==
					      T(strstr)(h[i], nd[j]),
				      "strstr(%s, %s)\n", h[i], nd[j]);
	}

	/* No reads past what they may read (checked under ASan). */
	{
		char *p = malloc(5);
		char *g;

		memcpy(p, "abcde", 5);
		g = T(strndup)(p, 5);
		CHECK(g && !strcmp(g, "abcde"), "strndup of unterminated\n");
		free(g);
		g = T(strndup)(p, 3);
		CHECK(g && !strcmp(g, "abc"), "strndup short\n");
		free(g);
		CHECK(T(strnlen)(p, 5) == 5, "strnlen of unterminated\n");
		CHECK(T(strncmp)(p, "abcdefg", 5) == 0, "strncmp bound\n");
		CHECK(T(memchr)(p, 'e', 5) == p + 4 &&
			      T(memchr)(p, 'z', 5) == NULL,
		      "memchr\n");
		free(p);
	}
}

/* ------------------------------------------------------------------ */
/* qsort, bsearch */

static size_t elem_size;
static unsigned long ncompar;

/* A total order on whole elements: the sorted result is unique. */
static int cmp_bytes(const void *a, const void *b)
{
	ncompar++;
	return memcmp(a, b, elem_size);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	ncompar++;
	return (x > y) - (x < y);
}

static void test_sort(void)
{
	static const size_t sizes[] = { 1, 2, 3, 4, 8, 12, 24, 33 };
	static const size_t counts[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17,
					 31, 64, 100, 257, 1000, 4099 };
	size_t si, ci, i;

	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
			size_t sz = sizes[si], cnt = counts[ci];
			int pattern;

			for (pattern = 0; pattern < 5; pattern++) {
				unsigned char *w = malloc(sz * cnt + 1);
				unsigned char *g = malloc(sz * cnt + 1);

				for (i = 0; i < sz * cnt; i++) {
					switch (pattern) {
					case 0:	/* random */
						w[i] = (unsigned char)rnd();
						break;
					case 1:	/* few values */
						w[i] = (unsigned char)(rnd() % 3);
						break;
					case 2:	/* sorted */
						w[i] = (unsigned char)(i / sz);
						break;
					case 3:	/* reversed */
						w[i] = (unsigned char)(255 -
								       i / sz);
						break;
					default: /* all equal */
						w[i] = 7;
						break;
					}
				}
				memcpy(g, w, sz * cnt);
				elem_size = sz;
				qsort(w, cnt, sz, cmp_bytes);
				T(qsort)(g, cnt, sz, cmp_bytes);
				CHECK(!memcmp(w, g, sz * cnt),
				      "qsort of %zu elements of %zu bytes "
				      "(pattern %d)\n",
				      cnt, sz, pattern);
				free(w);
				free(g);
			}
		}
	{
		int one = 5;

		T(qsort)(&one, 0, sizeof(one), cmp_int);
		T(qsort)(&one, 1, sizeof(one), cmp_int);
		T(qsort)(&one, 7, 0, cmp_int);
		CHECK(one == 5, "qsort of nothing\n");
	}

	/* Comparisons: n log n. */
	{
		size_t n = 10000;
		int *v = malloc(n * sizeof(*v));
		unsigned long limit = 3 * n * 14;

		for (i = 0; i < n; i++)
			v[i] = (int)(rnd() % 1000) - 500;
		ncompar = 0;
		T(qsort)(v, n, sizeof(*v), cmp_int);
		for (i = 1; i < n; i++)
			if (v[i - 1] > v[i])
				break;
		CHECK(i == n && ncompar < limit,
		      "qsort of ints: sorted to %zu, %lu comparisons\n", i,
		      ncompar);
		free(v);
	}

	/* bsearch: unique keys (the same element as glibc), duplicates. */
	{
		int v[64], key;
		size_t n;

		for (n = 0; n <= 64; n++) {
			for (i = 0; i < n; i++)
				v[i] = (int)(i * 3);
			for (key = -2; key <= (int)(n * 3) + 1; key++)
				CHECK(bsearch(&key, v, n, sizeof(int), cmp_int) ==
					      T(bsearch)(&key, v, n,
							 sizeof(int), cmp_int),
				      "bsearch(%d) in %zu\n", key, n);
			for (i = 0; i < n; i++)
				v[i] = (int)(i / 4);
			for (key = -1; key <= (int)(n / 4) + 1; key++) {
				int *r = T(bsearch)(&key, v, n, sizeof(int),
						    cmp_int);
				bool there = n && key >= 0 &&
					     key <= (int)((n - 1) / 4);

				CHECK(there ? r && *r == key : !r,
				      "bsearch(%d) in %zu duplicates\n", key,
				      n);
			}
		}
	}
}

int main(void)
{
	test_format_ints();
	test_format_stars();
	test_format_cs_p();
	test_format_misc();
	test_format_wrappers();
	test_log();
	test_panics();
	test_strto();
	test_ctype();
	test_strings();
	test_sort();

	printf("tz_libc_test: %lu checks (%lu formats compared with glibc, "
	       "%lu of them at every truncation), %lu failures\n",
	       checks, fmt_cases, trunc_cases, failures);
	return failures ? 1 : 0;
}
