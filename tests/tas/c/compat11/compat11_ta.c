// SPDX-License-Identifier: Apache-2.0
/*
 * A TA written against the GP 1.1 Internal API (uint32_t sizes), built
 * with CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y, to run beside GP 1.3 TAs.
 *
 * 0: MEMREF_INOUT, add one to every byte
 * 1: MEMREF_OUTPUT, needs 100 bytes (TEE_ERROR_SHORT_BUFFER with the size)
 * 2: VALUE_OUTPUT: a = sizeof(TEE_Param memref size), b = the string
 *    length of gpd.ta.version through the GP 1.1 uint32_t length API
 */
#include <tee_internal_api.h>

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param params[4], void **ctx)
{
	(void)pt;
	(void)params;
	(void)ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *ctx)
{
	(void)ctx;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	uint32_t i, len;
	uint8_t *b;
	char buf[32];

	(void)ctx;
	switch (cmd) {
	case 0:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		b = p[0].memref.buffer;
		for (i = 0; i < p[0].memref.size; i++)
			b[i]++;
		return TEE_SUCCESS;
	case 1:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		if (p[0].memref.size < 100) {
			p[0].memref.size = 100;
			return TEE_ERROR_SHORT_BUFFER;
		}
		TEE_MemFill(p[0].memref.buffer, 0x11, 100);
		p[0].memref.size = 100;
		return TEE_SUCCESS;
	case 2:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		len = sizeof(buf);
		if (TEE_GetPropertyAsString(TEE_PROPSET_CURRENT_TA, "gpd.ta.version", buf, &len))
			return TEE_ERROR_GENERIC;
		p[0].value.a = sizeof(p[0].memref.size);
		p[0].value.b = len;
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
