/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SHLIB_A_H
#define SHLIB_A_H
#include <stddef.h>

/* a + b */
int shlib_a_add(int a, int b);
/* 1000 once the library's constructor ran */
int shlib_a_ctor_value(void);
/* snprintf(buf, n, "value=%d", v) (the C library, through the TA) */
int shlib_a_format(char *buf, size_t n, int v);
/* A TEE_Malloc'd copy of n bytes (the GP API, through the TA) */
void *shlib_a_dup(const void *p, size_t n);
#endif
