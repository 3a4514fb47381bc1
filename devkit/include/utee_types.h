/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the structures and constants of OP-TEE's system-call
 * layer (utee_syscalls.h), with OP-TEE's layout and values.
 */
#ifndef UTEE_TYPES_H
#define UTEE_TYPES_H

#include <inttypes.h>
#include <tee_api_defines.h>

/* The clock _utee_get_time reads. */
enum utee_time_category {
	UTEE_TIME_CAT_SYSTEM = 0,	/* TEE_GetSystemTime */
	UTEE_TIME_CAT_TA_PERSISTENT,	/* TEE_GetTAPersistentTime */
	UTEE_TIME_CAT_REE		/* TEE_GetREETime */
};

/* The entry point a TA's entry function is asked to run (OP-TEE). */
enum utee_entry_func {
	UTEE_ENTRY_FUNC_OPEN_SESSION = 0,
	UTEE_ENTRY_FUNC_CLOSE_SESSION,
	UTEE_ENTRY_FUNC_INVOKE_COMMAND,
};

/* What _utee_cache_operation does (TEE_CacheClean/Flush/Invalidate). */
enum utee_cache_operation {
	TEE_CACHECLEAN = 0,
	TEE_CACHEFLUSH,
	TEE_CACHEINVALIDATE,
};

/*
 * The parameters of a TA-to-TA call. types holds four TEE_PARAM_TYPE_*
 * nibbles as TEE_PARAM_TYPES() builds them. For parameter n,
 * vals[2 * n] is value.a or the memref's address and vals[2 * n + 1]
 * value.b or the memref's size; after the call they hold the outputs.
 */
struct utee_params {
	uint64_t types;
	uint64_t vals[TEE_NUM_PARAMS * 2];
};

/*
 * One attribute: a and b are a value attribute's two words, or a buffer
 * attribute's address and length.
 */
struct utee_attribute {
	uint64_t a;
	uint64_t b;
	uint32_t attribute_id;
};

/* An object's TEE_ObjectInfo, every field 32 bits wide. */
struct utee_object_info {
	uint32_t obj_type;
	uint32_t obj_size;
	uint32_t max_obj_size;
	uint32_t obj_usage;
	uint32_t data_size;
	uint32_t data_pos;
	uint32_t handle_flags;
};

#endif /* UTEE_TYPES_H */
