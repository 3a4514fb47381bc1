// SPDX-License-Identifier: Apache-2.0
/*
 * Sealing test TA: keys bound to its identity through the system
 * pseudo-TA, and data sealed under them (see include/seal_ta.h).
 */
#include <string.h>
#include <pta_attestation.h>
#include <pta_system.h>
#include <tee_internal_api.h>
#include <seal_ta.h>

static const TEE_UUID system_uuid = PTA_SYSTEM_UUID;
static const TEE_UUID attestation_uuid = PTA_ATTESTATION_UUID;

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

/* One command of a PTA, in a session of its own. */
static TEE_Result pta_call(const TEE_UUID *uuid, uint32_t cmd, uint32_t pt,
			   TEE_Param p[4])
{
	TEE_TASessionHandle s = TEE_HANDLE_NULL;
	uint32_t origin = 0;
	TEE_Result res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE,
					   0, NULL, &s, &origin);

	if (res)
		return res;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, cmd, pt, p, &origin);
	TEE_CloseTASession(s);
	return res;
}

static TEE_Result system_call(uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	return pta_call(&system_uuid, cmd, pt, p);
}

/* A PSA token about this TA: challenge in p[0], token out in p[1]. */
static TEE_Result token(TEE_Param p[4])
{
	TEE_Param q[4] = { 0 };
	TEE_Result res;

	q[0] = p[0];
	q[1].memref.buffer = NULL;
	q[1].memref.size = 0;
	q[2] = p[1];
	res = pta_call(&attestation_uuid, PTA_ATTESTATION_OXTEE_GET_PSA_TOKEN,
		       TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
				       TEE_PARAM_TYPE_MEMREF_INPUT,
				       TEE_PARAM_TYPE_MEMREF_OUTPUT,
				       TEE_PARAM_TYPE_NONE), q);
	p[1].memref.size = q[2].memref.size;
	return res;
}

/*
 * A key of `size` bytes into `key` (TA memory): policy `a` with floor
 * `b`, or OP-TEE's unique key when `unique`.
 */
static TEE_Result derive(bool unique, uint32_t a, uint32_t b, const void *extra,
			 uint32_t extra_len, void *key, uint32_t size)
{
	TEE_Param p[4] = { 0 };

	if (unique) {
		p[0].memref.buffer = (void *)extra;
		p[0].memref.size = extra_len;
		p[1].memref.buffer = key;
		p[1].memref.size = size;
		return system_call(PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY,
				   TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						   TEE_PARAM_TYPE_MEMREF_OUTPUT,
						   TEE_PARAM_TYPE_NONE,
						   TEE_PARAM_TYPE_NONE), p);
	}
	p[0].value.a = a;
	p[0].value.b = b;
	p[1].memref.buffer = (void *)extra;
	p[1].memref.size = extra_len;
	p[2].memref.buffer = key;
	p[2].memref.size = size;
	return system_call(PTA_SYSTEM_OXTEE_DERIVE_SEALING_KEY,
			   TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
					   TEE_PARAM_TYPE_MEMREF_INPUT,
					   TEE_PARAM_TYPE_MEMREF_OUTPUT,
					   TEE_PARAM_TYPE_NONE), p);
}

/* The key commands: derived into the TA's memory, then handed out. */
static TEE_Result key_cmd(bool unique, TEE_Param *policy, TEE_Param *extra,
			  TEE_Param *out)
{
	uint32_t size = out->memref.size;
	void *key = TEE_Malloc(size ? size : 1, TEE_MALLOC_FILL_ZERO);
	TEE_Result res;

	if (!key)
		return TEE_ERROR_OUT_OF_MEMORY;
	res = derive(unique, policy ? policy->value.a : 0,
		     policy ? policy->value.b : 0, extra->memref.buffer,
		     extra->memref.size, key, size);
	if (!res)
		TEE_MemMove(out->memref.buffer, key, size);
	TEE_Free(key);
	return res;
}

static TEE_Result aes_gcm(uint32_t mode, const TEE_Param *policy,
			  TEE_OperationHandle *op)
{
	static const char extra[] = "seal-test";
	uint8_t key[32];
	TEE_ObjectHandle obj = TEE_HANDLE_NULL;
	TEE_Attribute attr;
	TEE_Result res = derive(false, policy->value.a, policy->value.b, extra,
				sizeof(extra) - 1, key, sizeof(key));

	if (res)
		return res;
	res = TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &obj);
	if (!res) {
		TEE_InitRefAttribute(&attr, TEE_ATTR_SECRET_VALUE, key, sizeof(key));
		res = TEE_PopulateTransientObject(obj, &attr, 1);
	}
	if (!res)
		res = TEE_AllocateOperation(op, TEE_ALG_AES_GCM, mode, 256);
	if (!res)
		res = TEE_SetOperationKey(*op, obj);
	TEE_FreeTransientObject(obj);
	TEE_MemFill(key, 0, sizeof(key));
	return res;
}

static TEE_Result seal(TEE_Param p[4])
{
	uint8_t *blob = p[2].memref.buffer;
	uint32_t len = p[1].memref.size;
	uint32_t need = SEAL_IV_LEN + SEAL_TAG_LEN + len;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	uint8_t iv[SEAL_IV_LEN];
	uint8_t tag[SEAL_TAG_LEN];
	size_t out_len = len, tag_len = sizeof(tag);
	TEE_Result res;

	if (p[2].memref.size < need) {
		p[2].memref.size = need;
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = aes_gcm(TEE_MODE_ENCRYPT, &p[0], &op);
	if (res)
		goto out;
	TEE_GenerateRandom(iv, sizeof(iv));
	res = TEE_AEInit(op, iv, sizeof(iv), SEAL_TAG_LEN * 8, 0, 0);
	if (!res)
		res = TEE_AEEncryptFinal(op, p[1].memref.buffer, len,
					 blob + SEAL_IV_LEN + SEAL_TAG_LEN,
					 &out_len, tag, &tag_len);
	if (!res) {
		TEE_MemMove(blob, iv, sizeof(iv));
		TEE_MemMove(blob + SEAL_IV_LEN, tag, sizeof(tag));
		p[2].memref.size = need;
	}
out:
	if (op)
		TEE_FreeOperation(op);
	return res;
}

static TEE_Result unseal(TEE_Param p[4])
{
	const uint8_t *blob = p[1].memref.buffer;
	uint32_t size = p[1].memref.size;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	size_t out_len;
	TEE_Result res;

	if (size < SEAL_IV_LEN + SEAL_TAG_LEN)
		return TEE_ERROR_BAD_PARAMETERS;
	out_len = size - SEAL_IV_LEN - SEAL_TAG_LEN;
	if (p[2].memref.size < out_len) {
		p[2].memref.size = out_len;
		return TEE_ERROR_SHORT_BUFFER;
	}
	res = aes_gcm(TEE_MODE_DECRYPT, &p[0], &op);
	if (res)
		goto out;
	res = TEE_AEInit(op, blob, SEAL_IV_LEN, SEAL_TAG_LEN * 8, 0, 0);
	if (!res)
		res = TEE_AEDecryptFinal(op, blob + SEAL_IV_LEN + SEAL_TAG_LEN,
					 out_len, p[2].memref.buffer, &out_len,
					 (void *)(blob + SEAL_IV_LEN), SEAL_TAG_LEN);
	if (!res)
		p[2].memref.size = out_len;
out:
	if (op)
		TEE_FreeOperation(op);
	return res;
}

/* Open a session to `uuid` and close it: result and origin in `out`. */
static TEE_Result try_open(const TEE_UUID *uuid, TEE_Param *out)
{
	TEE_TASessionHandle s = TEE_HANDLE_NULL;
	uint32_t origin = 0;
	TEE_Result res = TEE_OpenTASession(uuid, TEE_TIMEOUT_INFINITE, 0, NULL,
					   &s, &origin);

	if (!res)
		TEE_CloseTASession(s);
	out->value.a = res;
	out->value.b = origin;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t pt,
				      TEE_Param p[4])
{
	const uint32_t key2 = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					      TEE_PARAM_TYPE_MEMREF_OUTPUT,
					      TEE_PARAM_TYPE_NONE,
					      TEE_PARAM_TYPE_NONE);
	const uint32_t with_policy = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						     TEE_PARAM_TYPE_MEMREF_INPUT,
						     TEE_PARAM_TYPE_MEMREF_OUTPUT,
						     TEE_PARAM_TYPE_NONE);
	(void)ctx;

	switch (cmd) {
	case SEAL_CMD_UNIQUE_KEY:
		if (pt != key2)
			return TEE_ERROR_BAD_PARAMETERS;
		return key_cmd(true, NULL, &p[0], &p[1]);
	case SEAL_CMD_SEALING_KEY:
		if (pt != with_policy)
			return TEE_ERROR_BAD_PARAMETERS;
		return key_cmd(false, &p[0], &p[1], &p[2]);
	case SEAL_CMD_ENTROPY:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return system_call(PTA_SYSTEM_ADD_RNG_ENTROPY, pt, p);
	case SEAL_CMD_SEAL:
		if (pt != with_policy)
			return TEE_ERROR_BAD_PARAMETERS;
		return seal(p);
	case SEAL_CMD_UNSEAL:
		if (pt != with_policy)
			return TEE_ERROR_BAD_PARAMETERS;
		return unseal(p);
	case SEAL_CMD_OPEN_SYSTEM:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return try_open(&system_uuid, &p[0]);
	case SEAL_CMD_OPEN: {
		TEE_UUID uuid;

		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					  TEE_PARAM_TYPE_VALUE_OUTPUT,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE) ||
		    p[0].memref.size != sizeof(uuid))
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_MemMove(&uuid, p[0].memref.buffer, sizeof(uuid));
		return try_open(&uuid, &p[1]);
	}
	case SEAL_CMD_TOKEN:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					  TEE_PARAM_TYPE_MEMREF_OUTPUT,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return token(p);
	case SEAL_CMD_HASH_MEMORY:
		if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					  TEE_PARAM_TYPE_MEMREF_OUTPUT,
					  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return pta_call(&attestation_uuid, PTA_ATTESTATION_HASH_TA_MEMORY,
				pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
