// SPDX-License-Identifier: Apache-2.0
/* A TA laid out as OP-TEE's example TAs are: see the Makefile. */
#include <atomic.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

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
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
}
