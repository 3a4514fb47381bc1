/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: TA logging (EMSG, IMSG, DMSG, FMSG, MSG and the _RAW
 * variants). Messages above TRACE_LEVEL are removed at compile time; the
 * rest go to trace_printf(), which the oxtee TA runtime implements and
 * forwards to the TEE's log.
 */
#ifndef OXTEE_TRACE_H
#define OXTEE_TRACE_H

#include <compiler.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <trace_levels.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Implemented by the runtime.
 * @func, @line: origin of the message; @func == NULL means "raw": print
 *                the text without the level/function/line prefix.
 * @level:       TRACE_* level of the message (0 for MSG/MSG_RAW).
 * @level_ok:    true when the compile-time level check already passed;
 *               the runtime prints the message if @level_ok is true or
 *               @level is within its own current level.
 */
void trace_printf(const char *func, int line, int level, bool level_ok,
		  const char *fmt, ...) __printf(5, 6);

#define trace_printf_helper(level, level_ok, ...) \
	trace_printf(__func__, __LINE__, (level), (level_ok), __VA_ARGS__)
#define trace_printf_helper_raw(level, level_ok, ...) \
	trace_printf(NULL, 0, (level), (level_ok), __VA_ARGS__)

/*
 * Compiled-out messages still type-check their arguments (and count as a
 * use of variables only logged), but generate no code.
 */
#define __oxtee_no_trace(...) \
	do { \
		if (0) \
			trace_printf(NULL, 0, 0, false, __VA_ARGS__); \
	} while (0)

#define MSG(...)	trace_printf_helper(0, false, __VA_ARGS__)
#define MSG_RAW(...)	trace_printf_helper_raw(0, false, __VA_ARGS__)

#if TRACE_LEVEL >= TRACE_ERROR
#define EMSG(...)	trace_printf_helper(TRACE_ERROR, true, __VA_ARGS__)
#define EMSG_RAW(...)	trace_printf_helper_raw(TRACE_ERROR, true, __VA_ARGS__)
#else
#define EMSG(...)	__oxtee_no_trace(__VA_ARGS__)
#define EMSG_RAW(...)	__oxtee_no_trace(__VA_ARGS__)
#endif

#if TRACE_LEVEL >= TRACE_INFO
#define IMSG(...)	trace_printf_helper(TRACE_INFO, true, __VA_ARGS__)
#define IMSG_RAW(...)	trace_printf_helper_raw(TRACE_INFO, true, __VA_ARGS__)
#else
#define IMSG(...)	__oxtee_no_trace(__VA_ARGS__)
#define IMSG_RAW(...)	__oxtee_no_trace(__VA_ARGS__)
#endif

#if TRACE_LEVEL >= TRACE_DEBUG
#define DMSG(...)	trace_printf_helper(TRACE_DEBUG, true, __VA_ARGS__)
#define DMSG_RAW(...)	trace_printf_helper_raw(TRACE_DEBUG, true, __VA_ARGS__)
#else
#define DMSG(...)	__oxtee_no_trace(__VA_ARGS__)
#define DMSG_RAW(...)	__oxtee_no_trace(__VA_ARGS__)
#endif

#if TRACE_LEVEL >= TRACE_FLOW
#define FMSG(...)	trace_printf_helper(TRACE_FLOW, true, __VA_ARGS__)
#define FMSG_RAW(...)	trace_printf_helper_raw(TRACE_FLOW, true, __VA_ARGS__)
#else
#define FMSG(...)	__oxtee_no_trace(__VA_ARGS__)
#define FMSG_RAW(...)	__oxtee_no_trace(__VA_ARGS__)
#endif

/* Entry/exit tracing, as in OP-TEE. */
#define INMSG(...)	FMSG("> " __VA_ARGS__)
#define OUTMSG(...)	FMSG("< " __VA_ARGS__)
#define OUTRMSG(r) \
	do { \
		OUTMSG("r=[%x]", (unsigned int)(r)); \
		return r; \
	} while (0)

/*
 * Hex dumps, 16 bytes a line, through trace_printf(); header-only so the
 * runtime needs no extra symbol.
 */
static inline void __oxtee_hexdump(const char *func, int line, int level,
				   const void *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = (const uint8_t *)buf;
	char out[16 * 3 + 1];
	size_t n = 0;
	size_t i = 0;

	for (n = 0; n < len; n += 16) {
		size_t o = 0;

		for (i = n; i < len && i < n + 16; i++) {
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 0xf];
			out[o++] = ' ';
		}
		out[o ? o - 1 : 0] = '\0';
		trace_printf(func, line, level, true, "%04zx: %s", n, out);
	}
}

#if TRACE_LEVEL >= TRACE_DEBUG
#define DHEXDUMP(buf, len) \
	__oxtee_hexdump(__func__, __LINE__, TRACE_DEBUG, (buf), (len))
#else
#define DHEXDUMP(buf, len)	do { (void)(buf); (void)(len); } while (0)
#endif
#if TRACE_LEVEL >= TRACE_INFO
#define IHEXDUMP(buf, len) \
	__oxtee_hexdump(__func__, __LINE__, TRACE_INFO, (buf), (len))
#else
#define IHEXDUMP(buf, len)	do { (void)(buf); (void)(len); } while (0)
#endif
#if TRACE_LEVEL >= TRACE_ERROR
#define EHEXDUMP(buf, len) \
	__oxtee_hexdump(__func__, __LINE__, TRACE_ERROR, (buf), (len))
#else
#define EHEXDUMP(buf, len)	do { (void)(buf); (void)(len); } while (0)
#endif

#ifdef __cplusplus
}
#endif

#endif /* OXTEE_TRACE_H */
