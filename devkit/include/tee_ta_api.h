/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the entry points every TA defines. The oxtee TA runtime
 * calls them: TA_CreateEntryPoint once when the instance starts,
 * TA_OpenSessionEntryPoint / TA_InvokeCommandEntryPoint /
 * TA_CloseSessionEntryPoint per session, TA_DestroyEntryPoint when the
 * instance ends normally.
 */
#ifndef TEE_TA_API_H
#define TEE_TA_API_H

#include <tee_api.h>
#include <tee_api_defines.h>
#include <tee_api_types.h>

#ifdef __cplusplus
extern "C" {
#endif

TEE_Result TA_CreateEntryPoint(void);

void TA_DestroyEntryPoint(void);

TEE_Result TA_OpenSessionEntryPoint(uint32_t paramTypes,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx);

void TA_CloseSessionEntryPoint(void *sess_ctx);

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t paramTypes,
				      TEE_Param params[TEE_NUM_PARAMS]);

/* GP 1.1 entry points (what a __OPTEE_CORE_API_COMPAT_1_1 TA defines). */
TEE_Result __GP11_TA_OpenSessionEntryPoint(uint32_t paramTypes,
					   __GP11_TEE_Param
					   params[TEE_NUM_PARAMS],
					   void **sess_ctx);

TEE_Result __GP11_TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
					     uint32_t paramTypes,
					     __GP11_TEE_Param
					     params[TEE_NUM_PARAMS]);

#ifdef __cplusplus
}
#endif

#endif /* TEE_TA_API_H */
