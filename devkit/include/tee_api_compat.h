/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: GP 1.1 source compatibility.
 *
 * A TA built with __OPTEE_CORE_API_COMPAT_1_1 set to 1 (the devkit
 * makefile does this for CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y, and
 * tee_api_defines.h for TEE_CORE_API_REQUIRED_MINOR_VERSION 1) sees the
 * GP 1.1 types and signatures under their usual names: the names below
 * are macros for the __GP11_* declarations. The GP 1.1 entry points it
 * defines become __GP11_TA_OpenSessionEntryPoint and
 * __GP11_TA_InvokeCommandEntryPoint; devkit/src/tee_api_compat.c, linked
 * into such TAs, provides the GP 1.3 entry points and functions on top.
 *
 * Included at the end of tee_api.h, after every GP 1.3.1 declaration.
 */
#ifndef TEE_API_COMPAT_H
#define TEE_API_COMPAT_H

#if __OPTEE_CORE_API_COMPAT_1_1
/* Types */
#define TEE_Attribute			__GP11_TEE_Attribute
#define TEE_ObjectInfo			__GP11_TEE_ObjectInfo
#define TEE_Param			__GP11_TEE_Param

/* Entry points */
#define TA_OpenSessionEntryPoint	__GP11_TA_OpenSessionEntryPoint
#define TA_InvokeCommandEntryPoint	__GP11_TA_InvokeCommandEntryPoint

/* Functions */
#define TEE_GetPropertyAsString		__GP11_TEE_GetPropertyAsString
#define TEE_GetPropertyAsBinaryBlock	__GP11_TEE_GetPropertyAsBinaryBlock
#define TEE_GetPropertyName		__GP11_TEE_GetPropertyName
#define TEE_OpenTASession		__GP11_TEE_OpenTASession
#define TEE_InvokeTACommand		__GP11_TEE_InvokeTACommand
#define TEE_CheckMemoryAccessRights	__GP11_TEE_CheckMemoryAccessRights
#define TEE_Malloc			__GP11_TEE_Malloc
#define TEE_Realloc			__GP11_TEE_Realloc
#define TEE_GetObjectInfo		__GP11_TEE_GetObjectInfo
#define TEE_GetObjectInfo1		__GP11_TEE_GetObjectInfo1
#define TEE_GetObjectBufferAttribute	__GP11_TEE_GetObjectBufferAttribute
#define TEE_PopulateTransientObject	__GP11_TEE_PopulateTransientObject
#define TEE_InitRefAttribute		__GP11_TEE_InitRefAttribute
#define TEE_InitValueAttribute		__GP11_TEE_InitValueAttribute
#define TEE_GenerateKey			__GP11_TEE_GenerateKey
#define TEE_GetNextPersistentObject	__GP11_TEE_GetNextPersistentObject
#define TEE_ReadObjectData		__GP11_TEE_ReadObjectData
#define TEE_GetOperationInfoMultiple	__GP11_TEE_GetOperationInfoMultiple
#define TEE_DigestDoFinal		__GP11_TEE_DigestDoFinal
#define TEE_CipherUpdate		__GP11_TEE_CipherUpdate
#define TEE_CipherDoFinal		__GP11_TEE_CipherDoFinal
#define TEE_MACComputeFinal		__GP11_TEE_MACComputeFinal
#define TEE_AEUpdate			__GP11_TEE_AEUpdate
#define TEE_AEEncryptFinal		__GP11_TEE_AEEncryptFinal
#define TEE_AEDecryptFinal		__GP11_TEE_AEDecryptFinal
#define TEE_AsymmetricEncrypt		__GP11_TEE_AsymmetricEncrypt
#define TEE_AsymmetricDecrypt		__GP11_TEE_AsymmetricDecrypt
#define TEE_AsymmetricSignDigest	__GP11_TEE_AsymmetricSignDigest
#define TEE_AsymmetricVerifyDigest	__GP11_TEE_AsymmetricVerifyDigest
#define TEE_DeriveKey			__GP11_TEE_DeriveKey
#define TEE_BigIntConvertToOctetString	__GP11_TEE_BigIntConvertToOctetString
#endif /* __OPTEE_CORE_API_COMPAT_1_1 */

#endif /* TEE_API_COMPAT_H */
