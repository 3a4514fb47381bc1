/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GlobalPlatform TEE Client API (v1.0) for oxtee.
 *
 * Names, values and structure layouts follow OP-TEE's tee_client_api.h,
 * so that a client application written for OP-TEE builds unchanged and
 * links against oxtee's libteec.so. The "imp" members and the fields after
 * the GP-defined ones are implementation defined: a client application
 * must not touch them.
 *
 * The layouts are checked against the library (crates/teec) by
 * crates/teec/tests/abi.rs: change both together.
 */
#ifndef TEE_CLIENT_API_H
#define TEE_CLIENT_API_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of parameters of an operation. */
#define TEEC_CONFIG_PAYLOAD_REF_COUNT 4

/* Largest shared memory block (allocated or registered), in bytes. */
#define TEEC_CONFIG_SHAREDMEM_MAX_SIZE (256UL * 1024UL * 1024UL)

/* Parameter types (TEEC_PARAM_TYPES nibbles). */
#define TEEC_NONE                   0x00000000
#define TEEC_VALUE_INPUT            0x00000001
#define TEEC_VALUE_OUTPUT           0x00000002
#define TEEC_VALUE_INOUT            0x00000003
#define TEEC_MEMREF_TEMP_INPUT      0x00000005
#define TEEC_MEMREF_TEMP_OUTPUT     0x00000006
#define TEEC_MEMREF_TEMP_INOUT      0x00000007
#define TEEC_MEMREF_WHOLE           0x0000000C
#define TEEC_MEMREF_PARTIAL_INPUT   0x0000000D
#define TEEC_MEMREF_PARTIAL_OUTPUT  0x0000000E
#define TEEC_MEMREF_PARTIAL_INOUT   0x0000000F

/* Shared memory flags. */
#define TEEC_MEM_INPUT   0x00000001
#define TEEC_MEM_OUTPUT  0x00000002

/* Return codes. */
#define TEEC_SUCCESS                       0x00000000
#define TEEC_ERROR_STORAGE_NOT_AVAILABLE   0xF0100003
#define TEEC_ERROR_GENERIC                 0xFFFF0000
#define TEEC_ERROR_ACCESS_DENIED           0xFFFF0001
#define TEEC_ERROR_CANCEL                  0xFFFF0002
#define TEEC_ERROR_ACCESS_CONFLICT         0xFFFF0003
#define TEEC_ERROR_EXCESS_DATA             0xFFFF0004
#define TEEC_ERROR_BAD_FORMAT              0xFFFF0005
#define TEEC_ERROR_BAD_PARAMETERS          0xFFFF0006
#define TEEC_ERROR_BAD_STATE               0xFFFF0007
#define TEEC_ERROR_ITEM_NOT_FOUND          0xFFFF0008
#define TEEC_ERROR_NOT_IMPLEMENTED         0xFFFF0009
#define TEEC_ERROR_NOT_SUPPORTED           0xFFFF000A
#define TEEC_ERROR_NO_DATA                 0xFFFF000B
#define TEEC_ERROR_OUT_OF_MEMORY           0xFFFF000C
#define TEEC_ERROR_BUSY                    0xFFFF000D
#define TEEC_ERROR_COMMUNICATION           0xFFFF000E
#define TEEC_ERROR_SECURITY                0xFFFF000F
#define TEEC_ERROR_SHORT_BUFFER            0xFFFF0010
#define TEEC_ERROR_EXTERNAL_CANCEL         0xFFFF0011
#define TEEC_ERROR_TARGET_DEAD             0xFFFF3024
#define TEEC_ERROR_STORAGE_NO_SPACE        0xFFFF3041

/* Return code origins. */
#define TEEC_ORIGIN_API          0x00000001
#define TEEC_ORIGIN_COMMS        0x00000002
#define TEEC_ORIGIN_TEE          0x00000003
#define TEEC_ORIGIN_TRUSTED_APP  0x00000004

/* Login methods (TEEC_OpenSession connectionMethod). */
#define TEEC_LOGIN_PUBLIC             0x00000000
#define TEEC_LOGIN_USER               0x00000001
#define TEEC_LOGIN_GROUP              0x00000002
#define TEEC_LOGIN_APPLICATION        0x00000004
#define TEEC_LOGIN_USER_APPLICATION   0x00000005
#define TEEC_LOGIN_GROUP_APPLICATION  0x00000006

/* Pack four parameter types into TEEC_Operation.paramTypes. */
#define TEEC_PARAM_TYPES(p0, p1, p2, p3) \
	((p0) | ((p1) << 4) | ((p2) << 8) | ((p3) << 12))

/* Parameter type i (0..3) of a packed paramTypes value. */
#define TEEC_PARAM_TYPE_GET(p, i) (((p) >> ((i) * 4)) & 0xF)

typedef uint32_t TEEC_Result;

typedef struct {
	uint32_t timeLow;
	uint16_t timeMid;
	uint16_t timeHiAndVersion;
	uint8_t clockSeqAndNode[8];
} TEEC_UUID;

typedef struct {
	/* Implementation defined */
	struct {
		int fd;
		bool reg_mem;
		bool memref_null;
	} imp;
} TEEC_Context;

typedef struct {
	/* Implementation defined */
	struct {
		TEEC_Context *ctx;
		uint32_t session_id;
	} imp;
} TEEC_Session;

typedef struct {
	void *buffer;
	size_t size;
	uint32_t flags;
	/* Implementation defined */
	int id;
	size_t alloced_size;
	void *shadow_buffer;
	int registered_fd;
	union {
		bool dummy;
		uint8_t flags;
	} internal;
} TEEC_SharedMemory;

typedef struct {
	void *buffer;
	size_t size;
} TEEC_TempMemoryReference;

typedef struct {
	TEEC_SharedMemory *parent;
	size_t size;
	size_t offset;
} TEEC_RegisteredMemoryReference;

typedef struct {
	uint32_t a;
	uint32_t b;
} TEEC_Value;

typedef union {
	TEEC_TempMemoryReference tmpref;
	TEEC_RegisteredMemoryReference memref;
	TEEC_Value value;
} TEEC_Parameter;

typedef struct {
	uint32_t started;
	uint32_t paramTypes;
	TEEC_Parameter params[TEEC_CONFIG_PAYLOAD_REF_COUNT];
	/* Implementation defined */
	TEEC_Session *session;
} TEEC_Operation;

/*
 * Connect to a TEE. name NULL (or "oxtee") selects the default secure
 * world ($OXTEE_SOCKET, else the per-user default socket); a name that
 * starts with '/' is the path of a secure world's socket.
 */
TEEC_Result TEEC_InitializeContext(const char *name, TEEC_Context *context);

/* Disconnect; sessions and shared memory still open are released. */
void TEEC_FinalizeContext(TEEC_Context *context);

/*
 * Open a session with the TA destination. connectionData points to a
 * uint32_t group id for TEEC_LOGIN_GROUP and TEEC_LOGIN_GROUP_APPLICATION
 * and must be NULL otherwise. operation and returnOrigin may be NULL.
 */
TEEC_Result TEEC_OpenSession(TEEC_Context *context, TEEC_Session *session,
			     const TEEC_UUID *destination,
			     uint32_t connectionMethod,
			     const void *connectionData,
			     TEEC_Operation *operation,
			     uint32_t *returnOrigin);

void TEEC_CloseSession(TEEC_Session *session);

TEEC_Result TEEC_InvokeCommand(TEEC_Session *session, uint32_t commandID,
			       TEEC_Operation *operation,
			       uint32_t *returnOrigin);

/* Make the client's buffer [buffer, buffer + size) usable in operations. */
TEEC_Result TEEC_RegisterSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

/* OP-TEE extension; not supported by oxtee (TEEC_ERROR_NOT_SUPPORTED). */
TEEC_Result TEEC_RegisterSharedMemoryFileDescriptor(TEEC_Context *context,
						    TEEC_SharedMemory *sharedMem,
						    int fd);

/* Allocate size bytes shared with the TAs (zero copy); sets buffer. */
TEEC_Result TEEC_AllocateSharedMemory(TEEC_Context *context,
				      TEEC_SharedMemory *sharedMem);

void TEEC_ReleaseSharedMemory(TEEC_SharedMemory *sharedMemory);

/*
 * Ask for an operation to be cancelled. The operation's started field
 * must be set to 0 before the operation is passed to TEEC_OpenSession or
 * TEEC_InvokeCommand for cancellation before the start to be seen.
 */
void TEEC_RequestCancellation(TEEC_Operation *operation);

#ifdef __cplusplus
}
#endif

#endif /* TEE_CLIENT_API_H */
