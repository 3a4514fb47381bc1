/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: types of the GlobalPlatform TEE Internal Core API v1.3.1,
 * laid out as in OP-TEE. The __GP11_* types are the GP 1.1 layouts used
 * when a TA is built with __OPTEE_CORE_API_COMPAT_1_1 (see tee_api_compat.h).
 */
#ifndef TEE_API_TYPES_H
#define TEE_API_TYPES_H

#include <compiler.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_api_defines.h>

typedef uint32_t TEE_Result;

typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEE_UUID;

/* Who a client is: @login is a TEE_LOGIN_* value, @uuid its identity (or nil). */
typedef struct {
	uint32_t login;
	TEE_UUID uuid;
} TEE_Identity;

/*
 * One parameter of an entry point or of a TA-to-TA call; which member is
 * valid follows from the parameter's TEE_PARAM_TYPE_*.
 */
typedef union {
	struct {
		void *buffer;
		size_t size;
	} memref;
	struct {
		uint32_t a;
		uint32_t b;
	} value;
} TEE_Param;

/* GP 1.1 layout: 32-bit memref size. */
typedef union {
	struct {
		void *buffer;
		uint32_t size;
	} memref;
	struct {
		uint32_t a;
		uint32_t b;
	} value;
} __GP11_TEE_Param;

/* Opaque handles */
typedef struct __TEE_TASessionHandle *TEE_TASessionHandle;
typedef struct __TEE_PropSetHandle *TEE_PropSetHandle;
typedef struct __TEE_ObjectHandle *TEE_ObjectHandle;
typedef struct __TEE_ObjectEnumHandle *TEE_ObjectEnumHandle;
typedef struct __TEE_OperationHandle *TEE_OperationHandle;

/*
 * Storage
 */
typedef uint32_t TEE_ObjectType;

typedef struct {
	uint32_t objectType;
	uint32_t objectSize;
	uint32_t maxObjectSize;
	uint32_t objectUsage;
	size_t dataSize;
	size_t dataPosition;
	uint32_t handleFlags;
} TEE_ObjectInfo;

/* GP 1.1 layout (key sizes were called keySize/maxKeySize in 1.1). */
typedef struct {
	uint32_t objectType;
	__extension__ union {
		uint32_t keySize;
		uint32_t objectSize;
	};
	__extension__ union {
		uint32_t maxKeySize;
		uint32_t maxObjectSize;
	};
	uint32_t objectUsage;
	uint32_t dataSize;
	uint32_t dataPosition;
	uint32_t handleFlags;
} __GP11_TEE_ObjectInfo;

/* TEE_DATA_SEEK_SET, TEE_DATA_SEEK_CUR or TEE_DATA_SEEK_END */
typedef uint32_t TEE_Whence;

/*
 * An attribute: a buffer (ref) or two integers (value), depending on
 * TEE_ATTR_FLAG_VALUE in @attributeID.
 */
typedef struct {
	uint32_t attributeID;
	union {
		struct {
			void *buffer;
			size_t length;
		} ref;
		struct {
			uint32_t a, b;
		} value;
	} content;
} TEE_Attribute;

/* GP 1.1 layout: 32-bit buffer length. */
typedef struct {
	uint32_t attributeID;
	union {
		struct {
			void *buffer;
			uint32_t length;
		} ref;
		struct {
			uint32_t a, b;
		} value;
	} content;
} __GP11_TEE_Attribute;

/*
 * Cryptographic operations
 */
/* TEE_MODE_* */
typedef uint32_t TEE_OperationMode;

typedef struct {
	uint32_t algorithm;
	uint32_t operationClass;
	uint32_t mode;
	uint32_t digestLength;
	uint32_t maxKeySize;
	uint32_t keySize;
	uint32_t requiredKeyUsage;
	uint32_t handleState;
} TEE_OperationInfo;

typedef struct {
	uint32_t keySize;
	uint32_t requiredKeyUsage;
} TEE_OperationInfoKey;

typedef struct {
	uint32_t algorithm;
	uint32_t operationClass;
	uint32_t mode;
	uint32_t digestLength;
	uint32_t maxKeySize;
	uint32_t handleState;
	uint32_t operationState;
	uint32_t numberOfKeys;
	TEE_OperationInfoKey keyInformation[];
} TEE_OperationInfoMultiple;

/*
 * Time
 */
typedef struct {
	uint32_t seconds;
	uint32_t millis;
} TEE_Time;

/*
 * Arithmetic: big integers are arrays of uint32_t sized with
 * TEE_BigIntSizeInU32() / TEE_BigIntFMMSizeInU32() /
 * TEE_BigIntFMMContextSizeInU32().
 */
typedef uint32_t TEE_BigInt;
typedef uint32_t TEE_BigIntFMM;
typedef uint32_t TEE_BigIntFMMContext;

/*
 * Secure Element API handles (types only; no SE API functions are declared)
 */
typedef struct __TEE_SEServiceHandle *TEE_SEServiceHandle;
typedef struct __TEE_SEReaderHandle *TEE_SEReaderHandle;
typedef struct __TEE_SESessionHandle *TEE_SESessionHandle;
typedef struct __TEE_SEChannelHandle *TEE_SEChannelHandle;

typedef struct {
	bool sePresent;
	bool teeOnly;
	bool selectResponseEnable;
} TEE_SEReaderProperties;

typedef struct {
	uint8_t *buffer;
	size_t bufferLen;
} TEE_SEAID;

/*
 * Other definitions OP-TEE's header carries
 */
typedef uint32_t TEE_ErrorOrigin;
typedef void *TEE_Session;

#define TEE_MEM_INPUT		0x00000001
#define TEE_MEM_OUTPUT		0x00000002

#define TEE_MEMREF_0_USED	0x00000001
#define TEE_MEMREF_1_USED	0x00000002
#define TEE_MEMREF_2_USED	0x00000004
#define TEE_MEMREF_3_USED	0x00000008

#define TEE_SE_READER_NAME_MAX	20

#endif /* TEE_API_TYPES_H */
