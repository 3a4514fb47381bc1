// SPDX-License-Identifier: Apache-2.0
/*
 * oxtee devkit, TrustZone tier: the small C library of C TAs at S-EL0.
 *
 * The TA is a static PIE built against glibc's headers but linked without
 * glibc; this file provides the parts of <string.h>, <stdlib.h>,
 * <ctype.h>, <errno.h>, <assert.h> and <stdio.h> that TAs use, with the
 * prototypes of those headers. memcpy, memmove, memset, memcmp and bcmp
 * come from oxtee_tz_mem.c (beside it in libutils.a); malloc, calloc,
 * realloc, free, _utee_log() (one log line per call) and TEE_Panic()
 * from the TA runtime (libutee.a).
 *
 * Written from the C standard: "C" locale only (ASCII), a single thread
 * (errno is one static int), no floating point at all (the TA is built
 * with -mgeneral-regs-only, so a double argument cannot even be fetched).
 *
 * The formatter (printf family) supports flags - + space # 0 (and ',
 * a no-op in the "C" locale), width and precision (numbers or *), length
 * modifiers hh h l ll j z t (L is accepted and ignored for integers) and
 * conversions d i u o x X c s p % n, with glibc's output for %p
 * (0x..., "(nil)" for NULL) and for a NULL %s ("(null)", or nothing when
 * the precision is below 6). Not supported:
 *  - floating point: %a %A %e %E %f %F %g %G (with any flags, width,
 *    precision or L) print "?" and take no argument (a TA built with
 *    -mgeneral-regs-only cannot pass a double anyway; on AArch64 one would
 *    travel in a SIMD register, apart from the integer arguments, so the
 *    integer arguments after it still line up);
 *  - %n takes its pointer and writes nothing (nothing may be written
 *    through a pointer smuggled in by a format);
 *  - %lc and %ls print ASCII only (anything else as "?");
 *  - positional arguments (%1$d), glibc's %m and other extensions: an
 *    unknown conversion is printed as it stands in the format, so is an
 *    incomplete one at the end of the format.
 * An output longer than INT_MAX characters (or a width or precision
 * beyond INT_MAX) makes the function return -1 with errno EOVERFLOW.
 *
 * printf, vprintf, puts and putchar write to the TA's log, a line at a
 * time: the characters gather in a line of at most 255 characters, which
 * is sent (ended by '\n') on '\n' or when full, and at the end of every
 * printf, vprintf or puts; putchar only sends on '\n' (or a full line),
 * so that putchar loops build one line. Nothing is ever cut: a longer
 * output becomes several lines.
 *
 * At -O2 glibc's headers turn a TA's putchar(c) into putc(c, stdout) and
 * its vprintf(fmt, ap) into vfprintf(stdout, fmt, ap): stdout, putc,
 * fputc and vfprintf are here too, for that (whatever the stream, they
 * write to the log). There are no other streams.
 */
/* Plain declarations: no fortified wrappers, no ctype tables. */
#undef _FORTIFY_SOURCE
#ifndef __NO_CTYPE
#define __NO_CTYPE 1
#endif

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * GCC may turn loops into calls of the functions they implement (strlen
 * into a call of strlen): loop distribution into library calls is off for
 * this file, but for the functions at its end, which glibc's headers also
 * define (extern inline, at -O2): their definitions must be compiled with
 * the same options as the headers' (none has a loop GCC could replace).
 * Inside this file, none of those is called.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

/* BSD; glibc declares them from 2.38 on (the same prototypes). */
size_t strlcpy(char *dst, const char *src, size_t size);
size_t strlcat(char *dst, const char *src, size_t size);

/* The TA runtime. */
void _utee_log(const void *buf, size_t len);
void TEE_Panic(uint32_t code) __attribute__((noreturn));

/* Called by code built with -fstack-protector. */
void __stack_chk_fail(void) __attribute__((noreturn));

/* ------------------------------------------------------------------ */
/* errno */

static int oxtee_errno;

int *__errno_location(void)
{
	return &oxtee_errno;
}

/* ------------------------------------------------------------------ */
/* ctype.h: the "C" locale; EOF and anything outside ASCII is no class. */

static inline bool c_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool c_isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool c_islower(int c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool c_isalpha(int c)
{
	return c_isupper(c) || c_islower(c);
}

static inline bool c_isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool c_isgraph(int c)
{
	return c > ' ' && c < 0x7f;
}

int isdigit(int c)
{
	return c_isdigit(c);
}

int isxdigit(int c)
{
	return c_isdigit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

int isalpha(int c)
{
	return c_isalpha(c);
}

int isalnum(int c)
{
	return c_isalpha(c) || c_isdigit(c);
}

int isspace(int c)
{
	return c_isspace(c);
}

int isblank(int c)
{
	return c == ' ' || c == '\t';
}

int isupper(int c)
{
	return c_isupper(c);
}

int islower(int c)
{
	return c_islower(c);
}

int isprint(int c)
{
	return c >= ' ' && c < 0x7f;
}

int isgraph(int c)
{
	return c_isgraph(c);
}

int ispunct(int c)
{
	return c_isgraph(c) && !c_isalpha(c) && !c_isdigit(c);
}

int iscntrl(int c)
{
	return (c >= 0 && c < ' ') || c == 0x7f;
}

int toupper(int c)
{
	return c_islower(c) ? c - 'a' + 'A' : c;
}

int tolower(int c)
{
	return c_isupper(c) ? c - 'A' + 'a' : c;
}

/* ------------------------------------------------------------------ */
/* string.h */

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
	size_t n = 0;

	while (n < maxlen && s[n])
		n++;
	return n;
}

int strcmp(const char *s1, const char *s2)
{
	const unsigned char *a = (const unsigned char *)s1;
	const unsigned char *b = (const unsigned char *)s2;

	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a - *b;
}

int strncmp(const char *s1, const char *s2, size_t n)
{
	const unsigned char *a = (const unsigned char *)s1;
	const unsigned char *b = (const unsigned char *)s2;

	for (; n; n--, a++, b++) {
		if (*a != *b)
			return *a - *b;
		if (!*a)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strcpy(char *restrict dst, const char *restrict src)
{
	char *d = dst;

	while ((*d++ = *src++))
		;
	return dst;
}

char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	if (i < n)
		memset(dst + i, 0, n - i);
	return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
	strcpy(dst + strlen(dst), src);
	return dst;
}

char *strncat(char *restrict dst, const char *restrict src, size_t n)
{
	char *d = dst + strlen(dst);
	size_t i = 0;

	for (; i < n && src[i]; i++)
		d[i] = src[i];
	d[i] = '\0';
	return dst;
}

/* Plain search: time is at most strlen(haystack) * strlen(needle). */
char *strstr(const char *haystack, const char *needle)
{
	size_t nlen = strlen(needle);

	if (!nlen)
		return (char *)haystack;
	for (; *haystack; haystack++)
		if (*haystack == *needle && !strncmp(haystack, needle, nlen))
			return (char *)haystack;
	return NULL;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	unsigned char ch = (unsigned char)c;

	for (; n; n--, p++)
		if (*p == ch)
			return (void *)p;
	return NULL;
}

char *strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = malloc(len);

	if (p)
		memcpy(p, s, len);
	return p;
}

char *strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = malloc(len + 1);

	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

/* Copy at most size - 1 characters and terminate (if size); strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * Append to dst, a string in a buffer of size bytes: the result is at
 * most size - 1 characters; returns the length it tried to make (dst's
 * length, but size if dst is not terminated within size, plus
 * strlen(src)).
 */
size_t strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = strnlen(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + strlcpy(dst + dlen, src, size - dlen);
}

/* ------------------------------------------------------------------ */
/* stdlib.h */

int abs(int j)
{
	return j < 0 ? -j : j;
}

long int labs(long int j)
{
	return j < 0 ? -j : j;
}

long long int llabs(long long int j)
{
	return j < 0 ? -j : j;
}

/* The value of c as a digit (any base up to 36), or 36. */
static unsigned int digit_value(int c)
{
	if (c_isdigit(c))
		return (unsigned int)(c - '0');
	if (c_islower(c))
		return (unsigned int)(c - 'a' + 10);
	if (c_isupper(c))
		return (unsigned int)(c - 'A' + 10);
	return 36;
}

/*
 * The common part of the strto* functions: white space, a sign, a base
 * prefix and the digits, as an unsigned long long (*ovf when the digits
 * do not fit). *endptr is past the last digit, or nptr if there is none
 * (or the base is invalid: EINVAL).
 */
static unsigned long long parse_int(const char *nptr, char **endptr,
				    int base, bool *neg, bool *ovf)
{
	const char *s = nptr;
	unsigned long long v = 0;
	bool any = false;

	*neg = false;
	*ovf = false;
	if (base < 0 || base == 1 || base > 36) {
		oxtee_errno = EINVAL;
		if (endptr)
			*endptr = (char *)nptr;
		return 0;
	}
	while (c_isspace((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+') {
		*neg = *s == '-';
		s++;
	}
	/* "0x" counts only if a hex digit follows; else the "0" is read. */
	if ((base == 0 || base == 16) && s[0] == '0' &&
	    (s[1] == 'x' || s[1] == 'X') &&
	    digit_value((unsigned char)s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (;; s++) {
		unsigned int d = digit_value((unsigned char)*s);

		if (d >= (unsigned int)base)
			break;
		any = true;
		if (v > (ULLONG_MAX - d) / (unsigned int)base)
			*ovf = true;
		else
			v = v * (unsigned int)base + d;
	}
	if (endptr)
		*endptr = (char *)(any ? s : nptr);
	return v;
}

/* A parsed value as a signed type whose maximum is max (clamped: ERANGE). */
static long long to_signed(unsigned long long v, bool neg, bool ovf,
			   long long max)
{
	unsigned long long lim = (unsigned long long)max + neg;

	if (ovf || v > lim) {
		oxtee_errno = ERANGE;
		return neg ? -max - 1 : max;
	}
	if (neg)
		return v == lim ? -max - 1 : -(long long)v;
	return (long long)v;
}

/* A parsed value as an unsigned type whose maximum is max. */
static unsigned long long to_unsigned(unsigned long long v, bool neg,
				      bool ovf, unsigned long long max)
{
	if (ovf || v > max) {
		oxtee_errno = ERANGE;
		return max;
	}
	return neg ? (0 - v) & max : v;
}

long int strtol(const char *restrict nptr, char **restrict endptr, int base)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, endptr, base, &neg, &ovf);

	return (long int)to_signed(v, neg, ovf, LONG_MAX);
}

unsigned long int strtoul(const char *restrict nptr, char **restrict endptr,
			  int base)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, endptr, base, &neg, &ovf);

	return (unsigned long int)to_unsigned(v, neg, ovf, ULONG_MAX);
}

long long int strtoll(const char *restrict nptr, char **restrict endptr,
		      int base)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, endptr, base, &neg, &ovf);

	return to_signed(v, neg, ovf, LLONG_MAX);
}

unsigned long long int strtoull(const char *restrict nptr,
				char **restrict endptr, int base)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, endptr, base, &neg, &ovf);

	return to_unsigned(v, neg, ovf, ULLONG_MAX);
}

static void swap_bytes(char *a, char *b, size_t size)
{
	while (size--) {
		char t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

/* Move element root of the heap base[0..n) down to where it belongs. */
static void sift_down(char *base, size_t root, size_t n, size_t size,
		      __compar_fn_t compar)
{
	while (root < n / 2) {
		size_t child = 2 * root + 1;

		if (child + 1 < n &&
		    compar(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (compar(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

/* Heap sort: O(n log n) comparisons at worst, no recursion, no memory. */
void qsort(void *base, size_t nmemb, size_t size, __compar_fn_t compar)
{
	char *b = base;
	size_t i;

	if (nmemb < 2 || !size)
		return;
	for (i = nmemb / 2; i-- > 0;)
		sift_down(b, i, nmemb, size, compar);
	for (i = nmemb - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, compar);
	}
}

/* ------------------------------------------------------------------ */
/* The log: lines of at most LOG_LINE_MAX characters. */

#define LOG_LINE_MAX 255

static char log_line[LOG_LINE_MAX + 1];
static size_t log_len;

static void log_flush(void)
{
	log_line[log_len++] = '\n';
	_utee_log(log_line, log_len);
	log_len = 0;
}

static void log_putc(char c)
{
	if (c == '\n') {
		log_flush();
		return;
	}
	if (log_len == LOG_LINE_MAX)
		log_flush();
	log_line[log_len++] = c;
}

/* ------------------------------------------------------------------ */
/* The formatter. */

/* Where formatted characters go: a buffer or the log. */
struct out {
	char *buf;
	size_t cap;	/* characters buf may hold (its terminator aside) */
	size_t len;	/* characters produced so far */
	bool to_log;
};

static void out_putc(struct out *o, char c)
{
	if (o->to_log)
		log_putc(c);
	else if (o->len < o->cap)
		o->buf[o->len] = c;
	if (o->len != SIZE_MAX)
		o->len++;
}

/* Account for n more characters; how many of them fit in the buffer. */
static size_t out_room(struct out *o, size_t n)
{
	size_t room = o->len < o->cap ? o->cap - o->len : 0;

	o->len = n > SIZE_MAX - o->len ? SIZE_MAX : o->len + n;
	return room < n ? room : n;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	size_t at = o->len, room = out_room(o, n);

	if (o->to_log) {
		while (n--)
			log_putc(*s++);
		return;
	}
	if (room)
		memcpy(o->buf + at, s, room);
}

/* n times c (a width may be large: only what fits costs time). */
static void out_pad(struct out *o, char c, size_t n)
{
	size_t at = o->len, room = out_room(o, n);

	if (o->to_log) {
		while (n--)
			log_putc(c);
		return;
	}
	if (room)
		memset(o->buf + at, c, room);
}

#define F_MINUS 0x01
#define F_PLUS 0x02
#define F_SPACE 0x04
#define F_ALT 0x08
#define F_ZERO 0x10

enum len_mod { LM_NONE, LM_HH, LM_H, LM_L, LM_LL, LM_J, LM_Z, LM_T };

/* One conversion's flags, width and precision. */
struct spec {
	unsigned int flags;
	size_t width;
	size_t prec;
	bool has_prec;
};

/* s[0..len) padded to the width (with spaces, whatever the flags). */
static void fmt_str(struct out *o, const char *s, size_t len,
		    const struct spec *sp)
{
	size_t pad = sp->width > len ? sp->width - len : 0;

	if (!(sp->flags & F_MINUS))
		out_pad(o, ' ', pad);
	out_mem(o, s, len);
	if (sp->flags & F_MINUS)
		out_pad(o, ' ', pad);
}

/* %ls: ASCII only, the precision counts characters (bytes). */
static void fmt_wstr(struct out *o, const wchar_t *ws, const struct spec *sp)
{
	size_t len = 0, pad, i;

	while ((!sp->has_prec || len < sp->prec) && ws[len])
		len++;
	pad = sp->width > len ? sp->width - len : 0;
	if (!(sp->flags & F_MINUS))
		out_pad(o, ' ', pad);
	for (i = 0; i < len; i++)
		out_putc(o, (uint32_t)ws[i] < 0x80 ? (char)ws[i] : '?');
	if (sp->flags & F_MINUS)
		out_pad(o, ' ', pad);
}

/*
 * An integer: its magnitude v and sign neg in base 8, 10 or 16. F_PLUS
 * and F_SPACE only reach here for signed conversions (and %p).
 */
static void fmt_uint(struct out *o, uintmax_t v, bool neg, unsigned int base,
		     bool upper, const struct spec *sp)
{
	const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[sizeof(uintmax_t) * 3];	/* octal needs 22 for 64 bits */
	char *d = digits + sizeof(digits);
	char prefix[3];
	size_t nd, np = 0, zeros, total, pad = 0;
	size_t prec = sp->has_prec ? sp->prec : 1;
	unsigned int flags = sp->flags;

	for (; v; v /= base)
		*--d = digit[v % base];
	nd = (size_t)(digits + sizeof(digits) - d);

	if (neg)
		prefix[np++] = '-';
	else if (flags & F_PLUS)
		prefix[np++] = '+';
	else if (flags & F_SPACE)
		prefix[np++] = ' ';
	if (base == 16 && (flags & F_ALT) && nd) {
		prefix[np++] = '0';
		prefix[np++] = upper ? 'X' : 'x';
	}

	zeros = prec > nd ? prec - nd : 0;
	/* %#o: the first digit is a 0 (even for 0 with precision 0). */
	if (base == 8 && (flags & F_ALT) && !zeros && (!nd || *d != '0'))
		zeros = 1;

	total = np + zeros + nd;
	if (sp->width > total) {
		pad = sp->width - total;
		if (!(flags & F_MINUS) && (flags & F_ZERO) && !sp->has_prec) {
			zeros += pad;
			pad = 0;
		}
	}
	if (!(flags & F_MINUS))
		out_pad(o, ' ', pad);
	out_mem(o, prefix, np);
	out_pad(o, '0', zeros);
	out_mem(o, d, nd);
	if (flags & F_MINUS)
		out_pad(o, ' ', pad);
}

static intmax_t arg_signed(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LM_HH:
		return (signed char)va_arg(*ap, int);
	case LM_H:
		return (short)va_arg(*ap, int);
	case LM_L:
		return va_arg(*ap, long);
	case LM_LL:
		return va_arg(*ap, long long);
	case LM_J:
		return va_arg(*ap, intmax_t);
	case LM_Z:
		/* The signed type of size_t's width. */
		return (ptrdiff_t)va_arg(*ap, size_t);
	case LM_T:
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t arg_unsigned(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LM_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LM_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LM_L:
		return va_arg(*ap, unsigned long);
	case LM_LL:
		return va_arg(*ap, unsigned long long);
	case LM_J:
		return va_arg(*ap, uintmax_t);
	case LM_Z:
		return va_arg(*ap, size_t);
	case LM_T:
		/* The unsigned type of ptrdiff_t's width. */
		return (size_t)va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* A decimal number of the format, at most INT_MAX (else *ovf). */
static size_t fmt_number(const char **f, bool *ovf)
{
	size_t n = 0;

	for (; c_isdigit(**f); (*f)++) {
		n = n * 10 + (size_t)(**f - '0');
		if (n > INT_MAX) {
			*ovf = true;
			n = (size_t)INT_MAX + 1;
		}
	}
	return n;
}

/*
 * Format fmt with the arguments ap into o. Returns the number of
 * characters produced, or -1 (errno EOVERFLOW) if that is beyond INT_MAX.
 */
static int format(struct out *o, const char *fmt, va_list ap_in)
{
	const char *f = fmt;
	bool ovf = false;
	va_list ap;

	va_copy(ap, ap_in);
	while (*f && !ovf) {
		const char *start = f;
		struct spec sp = { 0, 0, 0, false };
		enum len_mod lm = LM_NONE;
		char c;

		if (o->len > INT_MAX) {
			ovf = true;
			break;
		}
		if (*f != '%') {
			out_putc(o, *f++);
			continue;
		}
		f++;

		/* Flags. */
		for (;; f++) {
			if (*f == '-')
				sp.flags |= F_MINUS;
			else if (*f == '+')
				sp.flags |= F_PLUS;
			else if (*f == ' ')
				sp.flags |= F_SPACE;
			else if (*f == '#')
				sp.flags |= F_ALT;
			else if (*f == '0')
				sp.flags |= F_ZERO;
			else if (*f != '\'')	/* grouping: none in "C" */
				break;
		}

		/* Width; a negative * is the - flag and a width. */
		if (*f == '*') {
			long long w = va_arg(ap, int);

			f++;
			if (w < 0) {
				sp.flags |= F_MINUS;
				w = -w;
			}
			sp.width = (size_t)w;
			if (sp.width > INT_MAX)
				ovf = true;
		} else {
			sp.width = fmt_number(&f, &ovf);
		}

		/* Precision; a negative * is none. */
		if (*f == '.') {
			f++;
			sp.has_prec = true;
			if (*f == '*') {
				int p = va_arg(ap, int);

				f++;
				if (p < 0)
					sp.has_prec = false;
				else
					sp.prec = (size_t)p;
			} else {
				sp.prec = fmt_number(&f, &ovf);
			}
		}
		if (ovf)
			break;

		/* Length modifier. */
		switch (*f) {
		case 'h':
			f++;
			lm = LM_H;
			if (*f == 'h') {
				f++;
				lm = LM_HH;
			}
			break;
		case 'l':
			f++;
			lm = LM_L;
			if (*f == 'l') {
				f++;
				lm = LM_LL;
			}
			break;
		case 'j':
			f++;
			lm = LM_J;
			break;
		case 'z':
			f++;
			lm = LM_Z;
			break;
		case 't':
			f++;
			lm = LM_T;
			break;
		case 'L':
			/* long double; nothing for integers. */
			f++;
			break;
		default:
			break;
		}

		c = *f;
		if (!c) {
			/* An incomplete conversion ends the format. */
			out_mem(o, start, (size_t)(f - start));
			break;
		}
		f++;

		switch (c) {
		case 'd':
		case 'i': {
			intmax_t v = arg_signed(&ap, lm);

			fmt_uint(o, v < 0 ? -(uintmax_t)v : (uintmax_t)v,
				 v < 0, 10, false, &sp);
			break;
		}
		case 'u':
		case 'o':
		case 'x':
		case 'X': {
			uintmax_t v = arg_unsigned(&ap, lm);

			sp.flags &= ~(unsigned int)(F_PLUS | F_SPACE);
			fmt_uint(o, v, false,
				 c == 'u' ? 10 : c == 'o' ? 8 : 16,
				 c == 'X', &sp);
			break;
		}
		case 'p': {
			const void *p = va_arg(ap, const void *);

			if (!p) {
				fmt_str(o, "(nil)", 5, &sp);
			} else {
				sp.flags |= F_ALT;
				fmt_uint(o, (uintptr_t)p, false, 16, false,
					 &sp);
			}
			break;
		}
		case 'c': {
			char ch;

			if (lm == LM_L) {
				/* wint_t */
				unsigned int wc = va_arg(ap, unsigned int);

				ch = wc < 0x80 ? (char)wc : '?';
			} else {
				ch = (char)va_arg(ap, int);
			}
			fmt_str(o, &ch, 1, &sp);
			break;
		}
		case 's':
			if (lm == LM_L) {
				const wchar_t *ws = va_arg(ap, const wchar_t *);

				if (ws) {
					fmt_wstr(o, ws, &sp);
					break;
				}
			} else {
				const char *s = va_arg(ap, const char *);

				if (s) {
					fmt_str(o, s, sp.has_prec ?
						strnlen(s, sp.prec) :
						strlen(s), &sp);
					break;
				}
			}
			/* NULL, as glibc: all of "(null)" or nothing. */
			if (!sp.has_prec || sp.prec >= 6)
				fmt_str(o, "(null)", 6, &sp);
			else
				fmt_str(o, "", 0, &sp);
			break;
		case '%':
			out_putc(o, '%');
			break;
		case 'n':
			/* Not written to: see the top of the file. */
			(void)va_arg(ap, void *);
			break;
		case 'a':
		case 'A':
		case 'e':
		case 'E':
		case 'f':
		case 'F':
		case 'g':
		case 'G':
			/* No floating point: see the top of the file. */
			out_putc(o, '?');
			break;
		default:
			out_mem(o, start, (size_t)(f - start));
			break;
		}
	}
	va_end(ap);
	if (ovf || o->len > INT_MAX) {
		oxtee_errno = EOVERFLOW;
		return -1;
	}
	return (int)o->len;
}

/* ------------------------------------------------------------------ */
/* stdio.h */

static int buf_vprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n ? n - 1 : 0, 0, false };
	int r = format(&o, fmt, ap);

	if (n)
		buf[o.len < o.cap ? o.len : o.cap] = '\0';
	return r;
}

static int log_vprintf(const char *fmt, va_list ap)
{
	struct out o = { NULL, 0, 0, true };
	int r = format(&o, fmt, ap);

	if (log_len)
		log_flush();
	return r;
}

int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt,
	      va_list ap)
{
	return buf_vprintf(buf, n, fmt, ap);
}

int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
	return buf_vprintf(buf, SIZE_MAX, fmt, ap);
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(buf, SIZE_MAX, fmt, ap);
	va_end(ap);
	return r;
}

int printf(const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_vprintf(fmt, ap);
	va_end(ap);
	return r;
}

int puts(const char *s)
{
	while (*s)
		log_putc(*s++);
	log_putc('\n');
	return 1;
}

/* The stream glibc's inline putchar and vprintf name (see the top). */
static FILE stdout_file;
FILE *stdout = &stdout_file;

int putc(int c, FILE *stream)
{
	(void)stream;
	log_putc((char)c);
	return (unsigned char)c;
}

int fputc(int c, FILE *stream)
{
	(void)stream;
	log_putc((char)c);
	return (unsigned char)c;
}

int vfprintf(FILE *restrict stream, const char *restrict fmt, va_list ap)
{
	(void)stream;
	return log_vprintf(fmt, ap);
}

/* ------------------------------------------------------------------ */
/* abort, assert.h, and the stack protector's end */

void abort(void)
{
	if (log_len)
		log_flush();
	TEE_Panic(0);
}

void __assert_fail(const char *assertion, const char *file,
		   unsigned int line, const char *function)
{
	char msg[LOG_LINE_MAX + 1];
	int n;

	if (log_len)
		log_flush();
	n = snprintf(msg, sizeof(msg), "%s:%u: %s%sAssertion `%s' failed.\n",
		     file, line, function ? function : "",
		     function ? ": " : "", assertion);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg)) {
		n = sizeof(msg) - 1;
		msg[n - 1] = '\n';
	}
	_utee_log(msg, (size_t)n);
	TEE_Panic(0);
}

void __stack_chk_fail(void)
{
	static const char msg[] = "stack smashing detected\n";

	if (log_len)
		log_flush();
	_utee_log(msg, sizeof(msg) - 1);
	TEE_Panic(0);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* ------------------------------------------------------------------ */
/* What glibc's headers also define inline (see the top of the file). */

/* atoi and friends: as glibc, strtol(nptr, NULL, 10) cast. */
int atoi(const char *nptr)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, NULL, 10, &neg, &ovf);

	return (int)to_signed(v, neg, ovf, LONG_MAX);
}

long int atol(const char *nptr)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, NULL, 10, &neg, &ovf);

	return (long int)to_signed(v, neg, ovf, LONG_MAX);
}

long long int atoll(const char *nptr)
{
	bool neg, ovf;
	unsigned long long v = parse_int(nptr, NULL, 10, &neg, &ovf);

	return to_signed(v, neg, ovf, LLONG_MAX);
}

void *bsearch(const void *key, const void *base, size_t nmemb, size_t size,
	      __compar_fn_t compar)
{
	const char *lo = base;

	while (nmemb) {
		const char *mid = lo + (nmemb / 2) * size;
		int r = compar(key, mid);

		if (!r)
			return (void *)mid;
		if (r > 0) {
			lo = mid + size;
			nmemb -= nmemb / 2 + 1;
		} else {
			nmemb /= 2;
		}
	}
	return NULL;
}

int vprintf(const char *restrict fmt, va_list ap)
{
	return log_vprintf(fmt, ap);
}

int putchar(int c)
{
	log_putc((char)c);
	return (unsigned char)c;
}
