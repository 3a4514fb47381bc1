// SPDX-License-Identifier: Apache-2.0
/*
 * trace_printf() for C TAs: formats the message and hands it to the oxtee
 * TA runtime, which writes it to the secure world's log. (Variadic C
 * functions cannot be written in stable Rust, hence this small file.)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <trace.h>

void oxtee_trace_write(int level, const char *func, int line, const char *msg);

void trace_printf(const char *func, int line, int level, bool level_ok,
		  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)level_ok;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	oxtee_trace_write(level, func, line, buf);
}
