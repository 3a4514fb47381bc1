// SPDX-License-Identifier: Apache-2.0
/*
 * Message digest test TA: drives TEE_AllocateOperation, the digest
 * functions and the generic operation functions as include/digest_ta.h
 * describes, and panics on request the ways GP says.
 */
#include <string.h>
#include <digest_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

static TEE_Result alloc(TEE_OperationHandle *op, uint32_t alg)
{
	return TEE_AllocateOperation(op, alg, TEE_MODE_DIGEST, 0);
}

static TEE_Result oneshot(uint32_t pt, TEE_Param p[4])
{
	TEE_OperationHandle op;
	TEE_Result res;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	res = TEE_DigestDoFinal(op, p[1].memref.buffer, p[1].memref.size,
				p[2].memref.buffer, &p[2].memref.size);
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result multi(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *msg = p[1].memref.buffer;
	const uint8_t *offs = p[3].memref.buffer;
	TEE_OperationHandle op;
	TEE_Result res;
	size_t at = 0, i, off;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, MEMREF_INPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	for (i = 0; i + 4 <= p[3].memref.size; i += 4) {
		off = offs[i] | offs[i + 1] << 8 | offs[i + 2] << 16 |
		      (uint32_t)offs[i + 3] << 24;
		if (off < at || off > p[1].memref.size) {
			TEE_FreeOperation(op);
			return TEE_ERROR_BAD_PARAMETERS;
		}
		TEE_DigestUpdate(op, msg + at, off - at);
		at = off;
	}
	res = TEE_DigestDoFinal(op, msg + at, p[1].memref.size - at,
				p[2].memref.buffer, &p[2].memref.size);
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result copy(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *msg = p[1].memref.buffer;
	uint8_t *out = p[2].memref.buffer;
	size_t split = p[0].value.b, n, m;
	TEE_OperationHandle a, b;
	TEE_OperationInfo info;
	TEE_Result res;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, NONE) ||
	    split > p[1].memref.size)
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&a, p[0].value.a);
	if (res)
		return res;
	res = alloc(&b, p[0].value.a);
	if (res) {
		TEE_FreeOperation(a);
		return res;
	}
	TEE_GetOperationInfo(a, &info);
	if (p[2].memref.size < 2 * info.digestLength) {
		p[2].memref.size = 2 * info.digestLength;
		res = TEE_ERROR_SHORT_BUFFER;
		goto out;
	}
	TEE_DigestUpdate(a, msg, split);
	TEE_CopyOperation(b, a);
	TEE_DigestUpdate(a, "XYZ", 3);
	n = info.digestLength;
	res = TEE_DigestDoFinal(b, msg + split, p[1].memref.size - split, out, &n);
	if (res)
		goto out;
	m = info.digestLength;
	res = TEE_DigestDoFinal(a, NULL, 0, out + n, &m);
	p[2].memref.size = n + m;
out:
	TEE_FreeOperation(a);
	TEE_FreeOperation(b);
	return res;
}

static TEE_Result reset(uint32_t pt, TEE_Param p[4])
{
	uint8_t *out = p[2].memref.buffer;
	TEE_OperationHandle op;
	TEE_OperationInfo info;
	TEE_Result res;
	size_t n, m;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	TEE_GetOperationInfo(op, &info);
	if (p[2].memref.size < 2 * info.digestLength) {
		p[2].memref.size = 2 * info.digestLength;
		TEE_FreeOperation(op);
		return TEE_ERROR_SHORT_BUFFER;
	}
	TEE_DigestUpdate(op, "garbage", 7);
	TEE_ResetOperation(op);
	n = info.digestLength;
	res = TEE_DigestDoFinal(op, p[1].memref.buffer, p[1].memref.size, out, &n);
	if (!res) {
		m = info.digestLength;
		res = TEE_DigestDoFinal(op, p[1].memref.buffer, p[1].memref.size,
					out + n, &m);
		p[2].memref.size = n + m;
	}
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result extract(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *sz = p[3].memref.buffer;
	uint8_t *out = p[2].memref.buffer;
	TEE_OperationHandle op;
	TEE_Result res;
	size_t at = 0, i, n;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, MEMREF_INPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	TEE_DigestUpdate(op, p[1].memref.buffer, p[1].memref.size);
	for (i = 0; i + 4 <= p[3].memref.size; i += 4) {
		n = sz[i] | sz[i + 1] << 8 | sz[i + 2] << 16 |
		    (uint32_t)sz[i + 3] << 24;
		if (n > p[2].memref.size - at) {
			res = TEE_ERROR_BAD_PARAMETERS;
			break;
		}
		res = TEE_DigestExtract(op, n ? out + at : NULL, &n);
		if (res)
			break;
		at += n;
	}
	p[2].memref.size = at;
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result short_buffer(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *msg = p[1].memref.buffer;
	TEE_OperationHandle op;
	TEE_Result res;
	size_t n;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, VALUE_OUTPUT) ||
	    !p[1].memref.size || !p[2].memref.size)
		return TEE_ERROR_BAD_PARAMETERS;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	TEE_DigestUpdate(op, msg, 1);
	n = p[2].memref.size - 1;
	p[3].value.a = TEE_DigestDoFinal(op, msg + 1, p[1].memref.size - 1,
					 p[2].memref.buffer, &n);
	p[3].value.b = n;
	res = TEE_DigestDoFinal(op, msg + 1, p[1].memref.size - 1,
				p[2].memref.buffer, &p[2].memref.size);
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result info(uint32_t pt, TEE_Param p[4])
{
	uint8_t *out = p[2].memref.buffer;
	TEE_OperationHandle op;
	TEE_Result res;
	uint8_t byte;
	size_t n, at;

	if (pt != PT(VALUE_INPUT, NONE, MEMREF_OUTPUT, VALUE_OUTPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	if (p[2].memref.size < 4 * 32)
		return TEE_ERROR_SHORT_BUFFER;
	res = alloc(&op, p[0].value.a);
	if (res)
		return res;
	TEE_GetOperationInfo(op, (TEE_OperationInfo *)out);
	n = 31;
	p[3].value.a = TEE_GetOperationInfoMultiple(op, (void *)(out + 32), &n);
	p[3].value.b = n;
	n = 32;
	res = TEE_GetOperationInfoMultiple(op, (void *)(out + 32), &n);
	if (res || n != 32)
		goto out;
	TEE_DigestUpdate(op, "abc", 3);
	res = TEE_GetOperationInfoMultiple(op, (void *)(out + 64), &n);
	at = 96;
	if (!res && (p[0].value.a == TEE_ALG_SHAKE128 ||
		     p[0].value.a == TEE_ALG_SHAKE256)) {
		n = 1;
		TEE_DigestExtract(op, &byte, &n);
		n = 32;
		res = TEE_GetOperationInfoMultiple(op, (void *)(out + 96), &n);
		at = 128;
	}
	p[2].memref.size = at;
out:
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result supported(uint32_t pt, TEE_Param p[4])
{
	TEE_OperationHandle op = (TEE_OperationHandle)1;
	uint32_t alg = p[0].value.a;

	if (pt != PT(VALUE_INOUT, VALUE_INOUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	p[0].value.a = TEE_IsAlgorithmSupported(alg, p[0].value.b);
	p[1].value.a = TEE_AllocateOperation(&op, alg, p[1].value.a, p[1].value.b);
	p[1].value.b = op == TEE_HANDLE_NULL;
	TEE_FreeOperation(op);
	return TEE_SUCCESS;
}

static TEE_Result panic_case(uint32_t pt, TEE_Param p[4])
{
	TEE_OperationHandle op, other;
	uint8_t buf[64];
	size_t n = sizeof(buf);

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		TEE_FreeOperation((TEE_OperationHandle)buf);
		break;
	case 1:
		alloc(&op, TEE_ALG_SHA256);
		TEE_FreeOperation(op);
		TEE_DigestUpdate(op, "a", 1);
		break;
	case 2:
	case 3:
		alloc(&op, TEE_ALG_SHAKE128);
		TEE_DigestExtract(op, buf, &n);
		if (p[0].value.a == 2)
			TEE_DigestUpdate(op, "a", 1);
		else
			TEE_DigestDoFinal(op, NULL, 0, buf, &n);
		break;
	case 4:
		alloc(&op, TEE_ALG_SHA256);
		alloc(&other, TEE_ALG_SHA1);
		TEE_CopyOperation(op, other);
		break;
	case 5:
		alloc(&op, TEE_ALG_SHA256);
		TEE_DigestExtract(op, buf, &n);
		TEE_DigestUpdate(op, "a", 1);
		break;
	case 6:
		alloc(&op, TEE_ALG_SHA256);
		TEE_DigestDoFinal(op, "a", 1, buf, NULL);
		break;
	case 7:
		alloc(&op, TEE_ALG_SHA256);
		TEE_DigestUpdate(op, NULL, 1);
		break;
	case 8:
		TEE_AllocateOperation(NULL, TEE_ALG_SHA256, TEE_MODE_DIGEST, 0);
		break;
	case 9:
		alloc(&op, TEE_ALG_SHA256);
		TEE_GetOperationInfo(op, NULL);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	/* Only reached if the TEE did not panic. */
	return TEE_SUCCESS;
}

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
	(void)ctx;
	switch (cmd) {
	case TA_DIGEST_CMD_ONESHOT:
		return oneshot(pt, p);
	case TA_DIGEST_CMD_MULTI:
		return multi(pt, p);
	case TA_DIGEST_CMD_COPY:
		return copy(pt, p);
	case TA_DIGEST_CMD_RESET:
		return reset(pt, p);
	case TA_DIGEST_CMD_EXTRACT:
		return extract(pt, p);
	case TA_DIGEST_CMD_SHORT:
		return short_buffer(pt, p);
	case TA_DIGEST_CMD_INFO:
		return info(pt, p);
	case TA_DIGEST_CMD_SUPPORTED:
		return supported(pt, p);
	case TA_DIGEST_CMD_PANIC:
		return panic_case(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
