// SPDX-License-Identifier: Apache-2.0
/* A library TA that a TA dlopens by UUID; it needs shlib-a. */
#include <shlib_a.h>

int shlib_b_mul_add(int a, int b);
int shlib_b_ctor_value(void);

static int ctor_ran;

static void __attribute__((constructor)) shlib_b_init(void)
{
	/* shlib-a's constructor ran first: it is a dependency. */
	ctor_ran = 2000 + shlib_a_ctor_value();
}

int shlib_b_mul_add(int a, int b)
{
	return shlib_a_add(a * b, 0);
}

int shlib_b_ctor_value(void)
{
	return ctor_ran;
}
