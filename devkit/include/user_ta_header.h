/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: TA flags and properties, as a TA's
 * user_ta_header_defines.h uses them (TA_FLAGS, TA_CURRENT_TA_EXT_PROPERTIES).
 */
#ifndef USER_TA_HEADER_H
#define USER_TA_HEADER_H

#include <stddef.h>
#include <stdint.h>
#include <tee_api_types.h>
#include <util.h>

/*
 * TA_FLAGS bits (values as in OP-TEE). SINGLE_INSTANCE, MULTI_SESSION and
 * INSTANCE_KEEP_ALIVE are the GP properties gpd.ta.singleInstance,
 * gpd.ta.multiSession and gpd.ta.instanceKeepAlive; the rest are OP-TEE's.
 */
#define TA_FLAG_USER_MODE		0	/* Deprecated, was (1 << 0) */
#define TA_FLAG_EXEC_DDR		0	/* Deprecated, was (1 << 1) */
#define TA_FLAG_SINGLE_INSTANCE		(1 << 2)
#define TA_FLAG_MULTI_SESSION		(1 << 3)
#define TA_FLAG_INSTANCE_KEEP_ALIVE	(1 << 4) /* keep the instance after the last session */
#define TA_FLAG_SECURE_DATA_PATH	(1 << 5) /* accesses SDP memory */
#define TA_FLAG_REMAP_SUPPORT		(1 << 6) /* Deprecated */
#define TA_FLAG_CACHE_MAINTENANCE	(1 << 7) /* uses the cache flush syscall */
/*
 * Several entry points of the instance may run at the same time (in
 * different sessions); only meaningful with SINGLE_INSTANCE | MULTI_SESSION.
 */
#define TA_FLAG_CONCURRENT		(1 << 8)
#define TA_FLAG_DEVICE_ENUM		(1 << 9)  /* enumerated on the TEE bus */
#define TA_FLAG_DEVICE_ENUM_SUPP	(1 << 10) /* same, once the supplicant runs */
/* The TA wants handles kept open when TEE_ERROR_CORRUPT_OBJECT is returned. */
#define TA_FLAG_DONT_CLOSE_HANDLE_ON_CORRUPT_OBJECT (1 << 11)
#define TA_FLAG_DEVICE_ENUM_TEE_STORAGE_PRIVATE (1 << 12)
/* A crashed instance with KEEP_ALIVE is not restarted (gpd.ta.instanceKeepCrashed). */
#define TA_FLAG_INSTANCE_KEEP_CRASHED	(1 << 13)

#define TA_FLAGS_MASK			GENMASK_32(13, 0)

/* Types of the values of TA properties. */
enum user_ta_prop_type {
	USER_TA_PROP_TYPE_BOOL,		/* bool */
	USER_TA_PROP_TYPE_U32,		/* uint32_t */
	USER_TA_PROP_TYPE_UUID,		/* TEE_UUID */
	USER_TA_PROP_TYPE_IDENTITY,	/* TEE_Identity */
	USER_TA_PROP_TYPE_STRING,	/* zero-terminated string of char */
	USER_TA_PROP_TYPE_BINARY_BLOCK,	/* zero-terminated base64 coded string */
	USER_TA_PROP_TYPE_U64,		/* uint64_t */
	USER_TA_PROP_TYPE_INVALID,	/* invalid value */
};

/* One TA property (an element of TA_CURRENT_TA_EXT_PROPERTIES). */
struct user_ta_property {
	const char *name;
	enum user_ta_prop_type type;
	const void *value;
};

/*
 * The extra properties a TA declares (from TA_CURRENT_TA_EXT_PROPERTIES
 * in its user_ta_header_defines.h), defined by the devkit's
 * user_ta_header.c; ta_num_props may be 0.
 */
extern const struct user_ta_property ta_props[];
extern const size_t ta_num_props;

/* Names of the standard TA properties. */
#define TA_PROP_STR_SINGLE_INSTANCE	"gpd.ta.singleInstance"
#define TA_PROP_STR_MULTI_SESSION	"gpd.ta.multiSession"
#define TA_PROP_STR_KEEP_ALIVE		"gpd.ta.instanceKeepAlive"
#define TA_PROP_STR_KEEP_CRASHED	"gpd.ta.instanceKeepCrashed"
#define TA_PROP_STR_DATA_SIZE		"gpd.ta.dataSize"
#define TA_PROP_STR_STACK_SIZE		"gpd.ta.stackSize"
#define TA_PROP_STR_VERSION		"gpd.ta.version"
#define TA_PROP_STR_DESCRIPTION		"gpd.ta.description"
#define TA_PROP_STR_ENDIAN		"gpd.ta.endian"
#define TA_PROP_STR_DOES_NOT_CLOSE_HANDLE_ON_CORRUPT_OBJECT \
	"gpd.ta.doesNotCloseHandleOnCorruptObject"
#define TA_PROP_STR_UNSAFE_PARAM	"op-tee.unsafe_param"
#define TA_PROP_STR_REMAP		"op-tee.remap"
#define TA_PROP_STR_CACHE_SYNC		"op-tee.cache_sync"

#endif /* USER_TA_HEADER_H */
