/* SPDX-License-Identifier: Apache-2.0 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <props_ta.h>

#define TA_UUID		TA_PROPS_UUID
#define TA_FLAGS	(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE	(32 * 1024)
#define TA_DATA_SIZE	(48 * 1024)

#define TA_VERSION	"2.5"
#define TA_DESCRIPTION	"Property API test TA"

static const uint32_t props_u32 = 42;
static const uint64_t props_u64 = 0x123456789abcdefULL;
static const bool props_bool = true;
static const TEE_UUID props_uuid = { 0x01020304, 0x0506, 0x0708, { 9, 10, 11, 12, 13, 14, 15, 16 } };
static const TEE_Identity props_identity = { 0xF0000000, { 0xaabbccdd, 0xeeff, 0x1122, { 1, 2, 3, 4, 5, 6, 7, 8 } } };

#define TA_CURRENT_TA_EXT_PROPERTIES \
	{ "com.oxtee.test.u32", USER_TA_PROP_TYPE_U32, &props_u32 }, \
	{ "com.oxtee.test.u64", USER_TA_PROP_TYPE_U64, &props_u64 }, \
	{ "com.oxtee.test.bool", USER_TA_PROP_TYPE_BOOL, &props_bool }, \
	{ "com.oxtee.test.uuid", USER_TA_PROP_TYPE_UUID, &props_uuid }, \
	{ "com.oxtee.test.identity", USER_TA_PROP_TYPE_IDENTITY, &props_identity }, \
	{ "com.oxtee.test.string", USER_TA_PROP_TYPE_STRING, "hello properties" }, \
	{ "com.oxtee.test.binary", USER_TA_PROP_TYPE_BINARY_BLOCK, "AAECAwT/" }, \
	/* Encodings OP-TEE's library accepts: line breaks and stray \
	 * characters skipped, no padding, text after the first '=' ignored. */ \
	{ "com.oxtee.test.binary.spaced", USER_TA_PROP_TYPE_BINARY_BLOCK, "AAEC\n  AwT/" }, \
	{ "com.oxtee.test.binary.unpadded", USER_TA_PROP_TYPE_BINARY_BLOCK, "Zm8" }, \
	{ "com.oxtee.test.binary.stray", USER_TA_PROP_TYPE_BINARY_BLOCK, "Zm9v-YmFy!" }, \
	{ "com.oxtee.test.binary.padded", USER_TA_PROP_TYPE_BINARY_BLOCK, "Zg==Zm9v" }

#endif /* USER_TA_HEADER_DEFINES_H */
