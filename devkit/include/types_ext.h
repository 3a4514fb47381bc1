/* SPDX-License-Identifier: Apache-2.0 */
/* oxtee devkit: OP-TEE's address types, for TAs that use them. */
#ifndef TYPES_EXT_H
#define TYPES_EXT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uintptr_t vaddr_t;
#define PRIxVA	PRIxPTR
typedef uintptr_t paddr_t;
#define PRIxPA	PRIxPTR
typedef uintptr_t paddr_size_t;
#define PRIxPASZ PRIxPTR

#endif /* TYPES_EXT_H */
