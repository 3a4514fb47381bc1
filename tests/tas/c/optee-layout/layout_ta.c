// SPDX-License-Identifier: Apache-2.0
/* A TA laid out as OP-TEE's example TAs are: see the Makefile. */
#include <atomic.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <utee_syscalls.h>

#include <layout_ta.h>

TEE_Result TA_CreateEntryPoint(void)
{
	DMSG("has been called");
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	DMSG("has been called");
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param __maybe_unused params[4],
				    void __maybe_unused **sess_ctx)
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;
	IMSG("layout TA: session opened");
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void __maybe_unused *sess_ctx)
{
}

static TEE_Result inc_value(uint32_t param_types, TEE_Param params[4])
{
	uint32_t exp_param_types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE);

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a++;
	return TEE_SUCCESS;
}

static TEE_Result conf(uint32_t param_types, TEE_Param params[4])
{
	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = CFG_TEE_TA_LOG_LEVEL;
	params[0].value.b = 0;
#ifdef CFG_TA_FLOAT_SUPPORT
	params[0].value.b |= 1;
#endif
#ifdef CFG_TA_MBEDTLS
	params[0].value.b |= 2;
#endif
#ifdef CFG_SYSTEM_PTA
	params[0].value.b |= 4;
#endif
	return TEE_SUCCESS;
}

static uint32_t counter;

static TEE_Result atomics(uint32_t param_types, TEE_Param params[4])
{
	uint32_t stale = 12345;
	uint32_t fresh;
	bool ok;

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = atomic_inc32(&counter);
	/* A stale expected value is refused and replaced by the real one. */
	ok = !atomic_cas_u32(&counter, &stale, 0) &&
	     stale == atomic_load_u32(&counter);
	fresh = stale;
	ok = ok && atomic_cas_u32(&counter, &fresh, stale + 10) &&
	     atomic_dec32(&counter) == stale + 9;
	atomic_store_u32(&counter, stale);
	params[0].value.b = ok;
	return TEE_SUCCESS;
}

/* A handle kept in 32 bits, as OP-TEE TAs keep them in value.a. */
#define AS_U32(h) ((uint32_t)(uintptr_t)(h))
#define FROM_U32(type, v) ((type)(uintptr_t)(v))

static TEE_Result handles(uint32_t param_types, TEE_Param params[4])
{
	static const TEE_UUID hello = { 0x8aaaf200, 0x2450, 0x11e4,
		{ 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } };
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_ObjectEnumHandle en = TEE_HANDLE_NULL;
	TEE_PropSetHandle pe = TEE_HANDLE_NULL;
	TEE_TASessionHandle sess = TEE_HANDLE_NULL;
	TEE_OperationInfo info;
	TEE_ObjectInfo oinfo;
	TEE_Param p[4] = { 0 };
	uint32_t bad = 0, first = TEE_SUCCESS, origin;
	TEE_Result res;
	char name[64];
	size_t len = sizeof(name);

	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;

	res = TEE_AllocateOperation(&op, TEE_ALG_SHA256, TEE_MODE_DIGEST, 0);
	if (res || (uintptr_t)op > UINT32_MAX)
		bad |= 1;
	else
		TEE_GetOperationInfo(FROM_U32(TEE_OperationHandle, AS_U32(op)), &info);
	if (res && !first)
		first = res;

	res = TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &obj);
	if (!res)
		res = TEE_GetObjectInfo1(FROM_U32(TEE_ObjectHandle, AS_U32(obj)), &oinfo);
	if (res || (uintptr_t)obj > UINT32_MAX)
		bad |= 2;
	if (res && !first)
		first = res;

	res = TEE_AllocatePersistentObjectEnumerator(&en);
	if (!res) {
		res = TEE_StartPersistentObjectEnumerator(FROM_U32(TEE_ObjectEnumHandle, AS_U32(en)),
							  TEE_STORAGE_PRIVATE);
		if (res == TEE_ERROR_ITEM_NOT_FOUND)
			res = TEE_SUCCESS;
	}
	if (res || (uintptr_t)en > UINT32_MAX)
		bad |= 4;
	if (res && !first)
		first = res;

	res = TEE_AllocatePropertyEnumerator(&pe);
	if (!res) {
		TEE_StartPropertyEnumerator(FROM_U32(TEE_PropSetHandle, AS_U32(pe)),
					    TEE_PROPSET_CURRENT_TA);
		res = TEE_GetPropertyName(FROM_U32(TEE_PropSetHandle, AS_U32(pe)), name, &len);
	}
	if (res || (uintptr_t)pe > UINT32_MAX)
		bad |= 8;
	if (res && !first)
		first = res;

	res = TEE_OpenTASession(&hello, TEE_TIMEOUT_INFINITE, 0, p, &sess, &origin);
	if (!res) {
		p[0].value.a = 41;
		res = TEE_InvokeTACommand(FROM_U32(TEE_TASessionHandle, AS_U32(sess)),
					  TEE_TIMEOUT_INFINITE, 0,
					  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
							  TEE_PARAM_TYPE_NONE,
							  TEE_PARAM_TYPE_NONE,
							  TEE_PARAM_TYPE_NONE),
					  p, &origin);
		if (!res && p[0].value.a != 42)
			res = TEE_ERROR_GENERIC;
	}
	if (res || (uintptr_t)sess > UINT32_MAX)
		bad |= 16;
	if (res && !first)
		first = res;

	params[0].value.a = bad;
	params[0].value.b = first;
	params[1].value.a = AS_U32(op);
	params[1].value.b = AS_U32(obj);
	if (sess)
		TEE_CloseTASession(FROM_U32(TEE_TASessionHandle, AS_U32(sess)));
	if (pe)
		TEE_FreePropertyEnumerator(pe);
	if (en)
		TEE_FreePersistentObjectEnumerator(en);
	if (obj)
		TEE_FreeTransientObject(obj);
	if (op)
		TEE_FreeOperation(op);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void __maybe_unused *sess_ctx,
				      uint32_t cmd_id,
				      uint32_t param_types, TEE_Param params[4])
{
	switch (cmd_id) {
	case TA_LAYOUT_CMD_INC_VALUE:
		return inc_value(param_types, params);
	case TA_LAYOUT_CMD_CONF:
		return conf(param_types, params);
	case TA_LAYOUT_CMD_ATOMIC:
		return atomics(param_types, params);
	case TA_LAYOUT_CMD_HANDLES:
		return handles(param_types, params);
	case TA_LAYOUT_CMD_UTEE_LOG:
		_utee_log("first ", 6);
		_utee_log("line\nsecond", 11);
		_utee_log(" line\n", 6);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
}
