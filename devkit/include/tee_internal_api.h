/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the header a TA includes for the GlobalPlatform TEE
 * Internal Core API (types, constants, functions, entry points, tracing).
 */
#ifndef TEE_INTERNAL_API_H
#define TEE_INTERNAL_API_H

#include <compiler.h>
#include <tee_api_defines.h>
#include <tee_api_types.h>
#include <tee_api.h>
#include <tee_ta_api.h>
#include <trace.h>

#endif /* TEE_INTERNAL_API_H */
