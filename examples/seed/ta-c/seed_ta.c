// SPDX-License-Identifier: Apache-2.0
/*
 * The TA of the "shared memory" sample from a learner's notes, corrected
 * so that it builds and follows the GP Internal Core API: the client
 * registers one shared buffer of two ints and passes its halves as a
 * partial input memref (the value, 5) and a partial output memref; the
 * TA writes back twice the input (10).
 *
 * What changed from the notes:
 *  - TEE_MemBuffer does not exist: memref buffers are plain void *;
 *  - every path of TA_InvokeCommandEntryPoint returns a TEE_Result, and
 *    unknown commands get TEE_ERROR_NOT_SUPPORTED;
 *  - a too small output buffer is answered the GP way: the size needed
 *    goes back in params[1].memref.size with TEE_ERROR_SHORT_BUFFER;
 *  - the size actually written is reported in params[1].memref.size;
 *  - fixed-width int32_t instead of int, so both sides agree on the size.
 */
#include <seed_ta.h>
#include <stdint.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

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
	(void)param_types;
	(void)params;
	(void)sess_ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

static TEE_Result cmd_double(uint32_t param_types,
			     TEE_Param params[TEE_NUM_PARAMS])
{
	const uint32_t exp_param_types =
		TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				TEE_PARAM_TYPE_MEMREF_OUTPUT,
				TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE);
	int32_t input = 0;
	int32_t output = 0;

	if (param_types != exp_param_types)
		return TEE_ERROR_BAD_PARAMETERS;

	if (params[0].memref.size != sizeof(int32_t))
		return TEE_ERROR_BAD_PARAMETERS;

	if (params[1].memref.size < sizeof(int32_t)) {
		params[1].memref.size = sizeof(int32_t);
		return TEE_ERROR_SHORT_BUFFER;
	}

	/*
	 * The buffers are shared with the client, which may change them at
	 * any time: read the input once into a local and work on that.
	 */
	TEE_MemMove(&input, params[0].memref.buffer, sizeof(input));
	/* Unsigned arithmetic: doubling wraps instead of overflowing. */
	output = (int32_t)((uint32_t)input * 2U);
	TEE_MemMove(params[1].memref.buffer, &output, sizeof(output));
	params[1].memref.size = sizeof(int32_t);

	DMSG("input %" PRId32 ", output %" PRId32, input, output);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;

	switch (cmd_id) {
	case TA_SEED_CMD_DOUBLE:
		return cmd_double(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
