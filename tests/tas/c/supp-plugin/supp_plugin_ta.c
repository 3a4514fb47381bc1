// SPDX-License-Identifier: Apache-2.0
/*
 * Supplicant plugin test TA: command 0 calls tee_invoke_supp_plugin() as
 * an OP-TEE TA does. Parameters: MEMREF_INPUT the plugin's TEE_UUID (16
 * bytes as the struct lies in memory), VALUE_INPUT (a command, b
 * sub-command), MEMREF_INOUT the data, VALUE_OUTPUT (a: the output's
 * length). Returns the call's result.
 */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

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

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t pt,
				      TEE_Param p[4])
{
	TEE_UUID plugin;
	size_t out = 0;
	TEE_Result res;
	void *buf;

	(void)ctx;
	if (cmd != 0)
		return TEE_ERROR_NOT_SUPPORTED;
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_VALUE_INPUT,
				  TEE_PARAM_TYPE_MEMREF_INOUT,
				  TEE_PARAM_TYPE_VALUE_OUTPUT) ||
	    p[0].memref.size != sizeof(plugin))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemMove(&plugin, p[0].memref.buffer, sizeof(plugin));
	/* The data through the TA's own memory. */
	buf = TEE_Malloc(p[2].memref.size ? p[2].memref.size : 1, 0);
	if (!buf)
		return TEE_ERROR_OUT_OF_MEMORY;
	TEE_MemMove(buf, p[2].memref.buffer, p[2].memref.size);
	res = tee_invoke_supp_plugin(&plugin, p[1].value.a, p[1].value.b, buf,
				     p[2].memref.size, &out);
	if (!res) {
		TEE_MemMove(p[2].memref.buffer, buf, out);
		p[3].value.a = out;
	}
	TEE_Free(buf);
	return res;
}
