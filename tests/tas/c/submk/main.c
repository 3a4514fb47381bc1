// SPDX-License-Identifier: Apache-2.0
/*
 * Command 0 (VALUE_OUTPUT): a = FROM_CFLAGS + 10 * FROM_CPPFLAGS +
 * 100 * FROM_FILE_CFLAGS + helper_value() (1000, from lib/ with its own
 * private include directory): 1321 when every sub.mk convention works;
 * b = what lib/'s generated source returns (3 * 7 * 11 * 2 = 462).
 */
#include <submk_ta.h>
#include <tee_internal_api.h>

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param p[4], void **c)
{
	(void)pt; (void)p; (void)c;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *c) { (void)c; }

TEE_Result TA_InvokeCommandEntryPoint(void *c, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	(void)c;
	if (cmd != 0 || pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					      TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p[0].value.a = FROM_CFLAGS + 10 * FROM_CPPFLAGS + 100 * FROM_FILE_CFLAGS + helper_value();
	p[0].value.b = helper_generated();
	return TEE_SUCCESS;
}
