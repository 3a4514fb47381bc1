// SPDX-License-Identifier: Apache-2.0
/*
 * Authenticated encryption and CMAC test TA: runs batches of vectors
 * through the GP AE and MAC functions as include/aead_ta.h describes,
 * and panics on request the ways GP says.
 */
#include <string.h>
#include <aead_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* An operation with `key` set, or the code of the call that failed. */
static TEE_Result keyed(uint32_t alg, uint32_t mode, uint32_t type,
			const uint8_t *key, size_t key_len,
			TEE_OperationHandle *op)
{
	TEE_ObjectHandle k;
	TEE_Attribute a;
	TEE_Result res;

	res = TEE_AllocateOperation(op, alg, mode, 8 * key_len);
	if (res)
		return res;
	res = TEE_AllocateTransientObject(type, 8 * key_len, &k);
	if (res)
		goto err;
	TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, key, key_len);
	res = TEE_PopulateTransientObject(k, &a, 1);
	if (!res)
		TEE_SetOperationKey(*op, k);
	TEE_FreeTransientObject(k);
	if (!res)
		return res;
err:
	TEE_FreeOperation(*op);
	return res;
}

/* One vector (header words w, bytes d); writes up to cap bytes at out,
 * sets *n. */
static TEE_Result one(const uint32_t *w, const uint8_t *d, uint8_t *out,
		      size_t cap, size_t *n)
{
	uint32_t op_kind = w[0], alg = w[1];
	size_t kl = w[3], nl = w[4], al = w[5], il = w[6], tl = w[7];
	size_t as = w[8], is = w[9], a, b;
	const uint8_t *key = d, *nonce = key + kl, *aad = nonce + nl;
	const uint8_t *in = aad + al, *tag = in + il;
	uint32_t mode = op_kind == 0 ? TEE_MODE_ENCRYPT :
			op_kind == 1 ? TEE_MODE_DECRYPT : TEE_MODE_MAC;
	TEE_OperationHandle op;
	TEE_Result res;

	*n = 0;
	if (as > al || is > il || cap < il + tl + 64)
		return TEE_ERROR_BAD_PARAMETERS;
	res = keyed(alg, mode, w[2], key, kl, &op);
	if (res)
		return res;
	if (op_kind >= 2) {
		TEE_MACInit(op, NULL, 0);
		TEE_MACUpdate(op, in, is);
		if (op_kind == 3) {
			res = TEE_MACCompareFinal(op, in + is, il - is, tag, tl);
		} else {
			a = 64;
			res = TEE_MACComputeFinal(op, in + is, il - is, out, &a);
			if (!res)
				*n = a;
		}
		goto out;
	}
	res = TEE_AEInit(op, nonce, nl, 8 * tl, al, il);
	if (res)
		goto out;
	TEE_AEUpdateAAD(op, aad, as);
	TEE_AEUpdateAAD(op, aad + as, al - as);
	a = cap;
	res = TEE_AEUpdate(op, in, is, out, &a);
	if (res)
		goto out;
	b = cap - a;
	if (op_kind == 0) {
		size_t t = tl;

		/* The rest of the output (AES-CCM updates give whole blocks
		 * and keep the rest for the final, as OP-TEE), then the tag. */
		b = il - a;
		res = TEE_AEEncryptFinal(op, in + is, il - is, out + a, &b,
					 out + il, &t);
		if (!res)
			*n = a + b + t;
	} else {
		res = TEE_AEDecryptFinal(op, in + is, il - is, out + a, &b,
					 (void *)tag, tl);
		if (!res)
			*n = a + b;
	}
out:
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result batch(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *q = p[0].memref.buffer;
	size_t sz = p[0].memref.size, at = 0, w = 0, cap = p[1].memref.size;
	uint8_t *out = p[1].memref.buffer;
	uint32_t h[10];
	size_t len, n, i;
	TEE_Result res;

	if (pt != PT(MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	while (at < sz) {
		if (sz - at < 40)
			return TEE_ERROR_BAD_PARAMETERS;
		len = 0;
		for (i = 0; i < 10; i++) {
			h[i] = le32(q + at + 4 * i);
			if (i >= 3 && i <= 7) {
				if (h[i] > 65536)
					return TEE_ERROR_BAD_PARAMETERS;
				len += h[i];
			}
		}
		at += 40;
		if (sz - at < len || cap - w < 8)
			return TEE_ERROR_BAD_PARAMETERS;
		res = one(h, q + at, out + w + 8, cap - w - 8, &n);
		put32(out + w, res);
		put32(out + w + 4, n);
		w += 8 + n;
		at += len;
	}
	p[1].memref.size = w;
	return TEE_SUCCESS;
}

static const uint8_t K16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				 14, 15, 16 };

static TEE_OperationHandle aes_op(uint32_t alg, uint32_t mode, int with_key)
{
	TEE_OperationHandle op;

	if (with_key) {
		if (keyed(alg, mode, TEE_TYPE_AES, K16, 16, &op))
			TEE_Panic(0);
	} else if (TEE_AllocateOperation(&op, alg, mode, 128)) {
		TEE_Panic(0);
	}
	return op;
}

static TEE_Result panic_case(uint32_t pt, TEE_Param p[4])
{
	uint8_t buf[64];
	size_t n = sizeof(buf), t = 16;
	TEE_OperationHandle op;

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, 1);
		TEE_AEInit(op, K16, 12, 128, 0, 0);
		TEE_AEUpdate(op, K16, 4, buf, &n);
		TEE_AEUpdateAAD(op, K16, 4);
		break;
	case 1:
		op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, 1);
		TEE_AEUpdate(op, K16, 4, buf, &n);
		break;
	case 2:
		op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_DECRYPT, 1);
		TEE_AEInit(op, K16, 12, 128, 0, 0);
		TEE_AEEncryptFinal(op, K16, 4, buf, &n, buf + 32, &t);
		break;
	case 3:
		op = aes_op(TEE_ALG_AES_CCM, TEE_MODE_ENCRYPT, 1);
		TEE_AEInit(op, K16, 13, 128, 0, 4);
		TEE_AEUpdate(op, K16, 5, buf, &n);
		break;
	case 4:
		op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, 0);
		TEE_AEInit(op, K16, 12, 128, 0, 0);
		break;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
	return TEE_SUCCESS;
}

static TEE_Result misc(uint32_t pt, TEE_Param p[4])
{
	uint32_t w[16];
	uint8_t buf[64], tag[16];
	size_t n, t;
	TEE_OperationHandle op;
	TEE_OperationInfo info;

	if (pt != PT(MEMREF_OUTPUT, NONE, NONE, NONE) ||
	    p[0].memref.size < sizeof(w))
		return TEE_ERROR_BAD_PARAMETERS;
	memset(w, 0, sizeof(w));
	memset(buf, 0x5a, sizeof(buf));
	op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, 1);
	w[0] = TEE_AEInit(op, K16, 12, 64, 0, 0);
	w[2] = TEE_AEInit(op, K16, 12, 128, 0, 0);
	n = 10;
	w[3] = TEE_AEUpdate(op, buf, 20, buf + 32, &n);
	w[4] = n;
	n = 5;
	t = 8;
	w[5] = TEE_AEEncryptFinal(op, buf, 5, buf + 32, &n, tag, &t);
	w[6] = n;
	w[7] = t;
	n = 5;
	t = 16;
	w[8] = TEE_AEEncryptFinal(op, buf, 5, buf + 32, &n, tag, &t);
	w[9] = t;
	TEE_FreeOperation(op);
	op = aes_op(TEE_ALG_AES_GCM, TEE_MODE_DECRYPT, 1);
	TEE_AEInit(op, K16, 12, 128, 0, 0);
	tag[0] ^= 1;
	n = 5;
	w[10] = TEE_AEDecryptFinal(op, buf + 32, 5, buf, &n, tag, 16);
	TEE_FreeOperation(op);
	op = aes_op(TEE_ALG_AES_CCM, TEE_MODE_ENCRYPT, 1);
	w[1] = TEE_AEInit(op, K16, 6, 64, 0, 0);
	TEE_FreeOperation(op);
	w[11] = TEE_IsAlgorithmSupported(TEE_ALG_AES_GCM, TEE_CRYPTO_ELEMENT_NONE);
	w[12] = TEE_IsAlgorithmSupported(TEE_ALG_AES_CCM, TEE_CRYPTO_ELEMENT_NONE);
	w[13] = TEE_IsAlgorithmSupported(TEE_ALG_AES_CMAC, TEE_CRYPTO_ELEMENT_NONE);
	op = aes_op(TEE_ALG_AES_CMAC, TEE_MODE_MAC, 1);
	TEE_GetOperationInfo(op, &info);
	w[14] = info.digestLength;
	TEE_FreeOperation(op);
	w[15] = TEE_AllocateOperation(&op, TEE_ALG_AES_CMAC, TEE_MODE_MAC, 100);
	memcpy(p[0].memref.buffer, w, sizeof(w));
	p[0].memref.size = sizeof(w);
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
	case TA_AEAD_CMD_BATCH:
		return batch(pt, p);
	case TA_AEAD_CMD_PANIC:
		return panic_case(pt, p);
	case TA_AEAD_CMD_MISC:
		return misc(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
