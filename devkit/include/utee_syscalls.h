/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the part of OP-TEE's system-call layer (libutee's
 * `_utee_*` functions) that oxtee's TA runtime provides, for TAs and
 * libraries that call it directly.
 */
#ifndef UTEE_SYSCALLS_H
#define UTEE_SYSCALLS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Append len bytes to the TA's log; the TEE logs whole lines. */
void _utee_log(const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* UTEE_SYSCALLS_H */
