// SPDX-License-Identifier: Apache-2.0
/*
 * Exercises parameter passing in both directions: values, memrefs of
 * each direction, short buffers, the client identity, random data, and
 * an open-session failure.
 */
#include <stdint.h>
#include <string.h>

#include <params_ta.h>
#include <tee_internal_api.h>

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	uint32_t t0 = TEE_PARAM_TYPE_GET(param_types, 0);

	(void)sess_ctx;
	if (t0 == TEE_PARAM_TYPE_VALUE_INPUT &&
	    params[0].value.a == TA_PARAMS_OPEN_DENY_VALUE)
		return TEE_ERROR_ACCESS_DENIED;
	if (t0 == TEE_PARAM_TYPE_VALUE_INOUT)
		params[0].value.b = params[0].value.a + 1;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

static TEE_Result cmd_echo(uint32_t pt, TEE_Param params[4])
{
	uint32_t i = 0;

	for (i = 0; i < TEE_NUM_PARAMS; i++) {
		uint8_t *buf = params[i].memref.buffer;
		size_t n = 0;

		switch (TEE_PARAM_TYPE_GET(pt, i)) {
		case TEE_PARAM_TYPE_VALUE_OUTPUT:
			params[i].value.a = 0x1111 * (i + 1);
			params[i].value.b = 0x2222 * (i + 1);
			break;
		case TEE_PARAM_TYPE_VALUE_INOUT:
			params[i].value.a += 1;
			params[i].value.b += 2;
			break;
		case TEE_PARAM_TYPE_MEMREF_OUTPUT:
			TEE_MemFill(buf, 0xA0 + i, params[i].memref.size);
			break;
		case TEE_PARAM_TYPE_MEMREF_INOUT:
			for (n = 0; n < params[i].memref.size; n++)
				buf[n] = (uint8_t)(buf[n] + 1);
			break;
		default:
			/* NONE, VALUE_INPUT, MEMREF_INPUT: nothing to do */
			break;
		}
	}
	return TEE_SUCCESS;
}

static TEE_Result cmd_short_buffer(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[0].memref.size < TA_PARAMS_SHORT_BUFFER_SIZE) {
		params[0].memref.size = TA_PARAMS_SHORT_BUFFER_SIZE;
		return TEE_ERROR_SHORT_BUFFER;
	}
	TEE_MemFill(params[0].memref.buffer, 0x5A,
		    TA_PARAMS_SHORT_BUFFER_SIZE);
	params[0].memref.size = TA_PARAMS_SHORT_BUFFER_SIZE;
	return TEE_SUCCESS;
}

static TEE_Result cmd_sum(uint32_t pt, TEE_Param params[4])
{
	const uint8_t *buf = params[0].memref.buffer;
	uint32_t sum = 0;
	size_t n = 0;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	for (n = 0; n < params[0].memref.size; n++)
		sum += buf[n];
	params[1].value.a = sum;
	params[1].value.b = (uint32_t)params[0].memref.size;
	return TEE_SUCCESS;
}

static TEE_Result cmd_identity(uint32_t pt, TEE_Param params[4])
{
	TEE_Identity id = { 0 };
	TEE_Result res = TEE_SUCCESS;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_MEMREF_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (params[1].memref.size < sizeof(id.uuid)) {
		params[1].memref.size = sizeof(id.uuid);
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = TEE_GetPropertyAsIdentity(TEE_PROPSET_CURRENT_CLIENT,
					"gpd.client.identity", &id);
	if (res != TEE_SUCCESS) {
		EMSG("TEE_GetPropertyAsIdentity: %#" PRIx32, res);
		return res;
	}
	params[0].value.a = id.login;
	params[0].value.b = 0;
	TEE_MemMove(params[1].memref.buffer, &id.uuid, sizeof(id.uuid));
	params[1].memref.size = sizeof(id.uuid);
	return TEE_SUCCESS;
}

static TEE_Result cmd_random(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_GenerateRandom(params[0].memref.buffer, params[0].memref.size);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;

	switch (cmd_id) {
	case TA_PARAMS_CMD_ECHO:
		return cmd_echo(param_types, params);
	case TA_PARAMS_CMD_SHORT_BUFFER:
		return cmd_short_buffer(param_types, params);
	case TA_PARAMS_CMD_SUM:
		return cmd_sum(param_types, params);
	case TA_PARAMS_CMD_IDENTITY:
		return cmd_identity(param_types, params);
	case TA_PARAMS_CMD_RANDOM:
		return cmd_random(param_types, params);
	case TA_PARAMS_CMD_NOP:
		return TEE_SUCCESS;
	case 6: /* TEE_GetTAPersistentTime: p0 VALUE_OUTPUT (seconds, millis) */
		return TEE_GetTAPersistentTime((TEE_Time *)&params[0].value);
	case 7: /* TEE_SetTAPersistentTime: p0 VALUE_INPUT (seconds, millis) */
		return TEE_SetTAPersistentTime((const TEE_Time *)&params[0].value);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
