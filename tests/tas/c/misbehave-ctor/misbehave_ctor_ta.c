// SPDX-License-Identifier: Apache-2.0
/*
 * A TA whose ELF constructor misbehaves. Constructors run before any
 * entry point, so they count as TA code: the sandbox must already be in
 * place, and the open() below must end the TA (sessions to it fail with
 * TEE_ERROR_TARGET_DEAD) rather than succeed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include <misbehave_ctor_ta.h>
#include <tee_internal_api.h>

static int ctor_fd = -2;	/* -2: the constructor never ran */
static int ctor_errno;

__attribute__((constructor))
static void misbehave_ctor(void)
{
	ctor_fd = open("/etc/passwd", O_RDONLY);
	ctor_errno = ctor_fd < 0 ? errno : 0;
	if (ctor_fd >= 0)
		close(ctor_fd);
}

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
	if (ctor_fd >= 0)
		EMSG("the constructor opened /etc/passwd: no sandbox!");
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;

	if (cmd_id != TA_MISBEHAVE_CTOR_CMD_GET_RESULT)
		return TEE_ERROR_NOT_SUPPORTED;
	if (param_types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE,
					   TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = (uint32_t)ctor_fd;
	params[0].value.b = (uint32_t)ctor_errno;
	return TEE_SUCCESS;
}
