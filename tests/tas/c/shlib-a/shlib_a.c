// SPDX-License-Identifier: Apache-2.0
/* A library TA: functions a TA calls through the devkit's import stubs. */
#include <stdio.h>
#include <shlib_a.h>
#include <tee_internal_api.h>

static int ctor_ran;

static void __attribute__((constructor)) shlib_a_init(void)
{
	ctor_ran = 1000;
}

int shlib_a_add(int a, int b)
{
	return a + b;
}

int shlib_a_ctor_value(void)
{
	return ctor_ran;
}

int shlib_a_format(char *buf, size_t n, int v)
{
	return snprintf(buf, n, "value=%d", v);
}

void *shlib_a_dup(const void *p, size_t n)
{
	void *q = TEE_Malloc(n, TEE_MALLOC_FILL_ZERO);

	if (q)
		TEE_MemMove(q, p, n);
	return q;
}
