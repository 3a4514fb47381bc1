// SPDX-License-Identifier: Apache-2.0
/*
 * Transient objects, AES ciphers and HMAC test TA: drives the GP object
 * and operation functions as include/symcrypt_ta.h describes, and panics
 * on request the ways GP says.
 */
#include <string.h>
#include <symcrypt_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

struct blob {
	uint32_t type;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *iv;
	size_t iv_len;
	const uint8_t *splits;
	size_t n;
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static TEE_Result parse(const TEE_Param *p, struct blob *b)
{
	const uint8_t *q = p->memref.buffer;
	size_t sz = p->memref.size;

	if (sz < 16)
		return TEE_ERROR_BAD_PARAMETERS;
	b->type = le32(q);
	b->key_len = le32(q + 4);
	b->iv_len = le32(q + 8);
	b->n = le32(q + 12);
	if (b->key_len > 1024 || b->iv_len > 1024 || b->n > 1024 ||
	    16 + b->key_len + b->iv_len + 4 * b->n != sz)
		return TEE_ERROR_BAD_PARAMETERS;
	b->key = q + 16;
	b->iv = b->key + b->key_len;
	b->splits = b->iv + b->iv_len;
	return TEE_SUCCESS;
}

/* AES-XTS: the blob's key is key1 || key2, set with TEE_SetOperationKey2. */
static TEE_Result keyed2(const struct blob *b, uint32_t alg, uint32_t mode,
			 TEE_OperationHandle *op)
{
	size_t half = b->key_len / 2;
	TEE_ObjectHandle k1 = TEE_HANDLE_NULL, k2 = TEE_HANDLE_NULL;
	TEE_Attribute a;
	TEE_Result res;

	res = TEE_AllocateOperation(op, alg, mode, 8 * half);
	if (res)
		return res;
	res = TEE_AllocateTransientObject(b->type, 8 * half, &k1);
	if (!res)
		res = TEE_AllocateTransientObject(b->type, 8 * half, &k2);
	if (!res) {
		TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, b->key, half);
		res = TEE_PopulateTransientObject(k1, &a, 1);
	}
	if (!res) {
		TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, b->key + half, half);
		res = TEE_PopulateTransientObject(k2, &a, 1);
	}
	if (!res)
		res = TEE_SetOperationKey2(*op, k1, k2);
	TEE_FreeTransientObject(k1);
	TEE_FreeTransientObject(k2);
	if (res)
		TEE_FreeOperation(*op);
	return res;
}

/* An operation with the blob's key set. */
static TEE_Result keyed(const struct blob *b, uint32_t alg, uint32_t mode,
			TEE_OperationHandle *op)
{
	TEE_ObjectHandle key;
	TEE_Attribute a;
	TEE_Result res;

	if (alg == TEE_ALG_AES_XTS)
		return keyed2(b, alg, mode, op);
	res = TEE_AllocateOperation(op, alg, mode, 8 * b->key_len);
	if (res)
		return res;
	res = TEE_AllocateTransientObject(b->type, 8 * b->key_len, &key);
	if (res)
		goto err;
	TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, b->key, b->key_len);
	res = TEE_PopulateTransientObject(key, &a, 1);
	if (!res)
		TEE_SetOperationKey(*op, key);
	TEE_FreeTransientObject(key);
	if (!res)
		return res;
err:
	TEE_FreeOperation(*op);
	return res;
}

static TEE_Result cipher(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *data = p[2].memref.buffer;
	uint8_t *out = p[3].memref.buffer;
	size_t cap = p[3].memref.size, at = 0, w = 0, i, off, n;
	TEE_OperationHandle op;
	TEE_Result res;
	struct blob b;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	res = parse(&p[1], &b);
	if (res)
		return res;
	res = keyed(&b, p[0].value.a, p[0].value.b, &op);
	if (res)
		return res;
	TEE_CipherInit(op, b.iv, b.iv_len);
	for (i = 0; i < b.n; i++) {
		off = le32(b.splits + 4 * i);
		if (off < at || off > p[2].memref.size) {
			res = TEE_ERROR_BAD_PARAMETERS;
			goto out;
		}
		n = cap - w;
		res = TEE_CipherUpdate(op, data + at, off - at, out + w, &n);
		if (res) {
			p[3].memref.size = w + n;
			goto out;
		}
		w += n;
		at = off;
	}
	n = cap - w;
	res = TEE_CipherDoFinal(op, data + at, p[2].memref.size - at, out + w, &n);
	p[3].memref.size = w + n;
out:
	TEE_FreeOperation(op);
	return res;
}

static TEE_Result mac(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *data = p[2].memref.buffer;
	size_t at = 0, i, off;
	TEE_OperationHandle op;
	TEE_Result res;
	struct blob b;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT) &&
	    pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_INPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	res = parse(&p[1], &b);
	if (res)
		return res;
	res = keyed(&b, p[0].value.a, TEE_MODE_MAC, &op);
	if (res)
		return res;
	TEE_MACInit(op, b.iv, b.iv_len);
	for (i = 0; i < b.n; i++) {
		off = le32(b.splits + 4 * i);
		if (off < at || off > p[2].memref.size) {
			res = TEE_ERROR_BAD_PARAMETERS;
			goto out;
		}
		TEE_MACUpdate(op, data + at, off - at);
		at = off;
	}
	if (p[0].value.b)
		res = TEE_MACCompareFinal(op, data + at, p[2].memref.size - at,
					  p[3].memref.buffer, p[3].memref.size);
	else
		res = TEE_MACComputeFinal(op, data + at, p[2].memref.size - at,
					  p[3].memref.buffer, &p[3].memref.size);
out:
	TEE_FreeOperation(op);
	return res;
}

static void info_words(TEE_ObjectHandle o, uint32_t *w)
{
	TEE_ObjectInfo i;

	TEE_GetObjectInfo1(o, &i);
	w[0] = i.objectType;
	w[1] = i.objectSize;
	w[2] = i.maxObjectSize;
	w[3] = i.objectUsage;
	w[4] = i.handleFlags;
}

static TEE_Result object(uint32_t pt, TEE_Param p[4])
{
	uint32_t w[10];
	uint8_t *out = p[2].memref.buffer;
	TEE_ObjectHandle o;
	TEE_Attribute a;
	TEE_Result res;
	size_t n;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_OUTPUT, VALUE_INOUT) ||
	    p[2].memref.size < sizeof(w) + p[3].value.b)
		return TEE_ERROR_BAD_PARAMETERS;
	res = TEE_AllocateTransientObject(p[0].value.a, p[0].value.b, &o);
	if (res)
		return res;
	info_words(o, w);
	if (p[1].memref.size) {
		TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE,
				     p[1].memref.buffer, p[1].memref.size);
		res = TEE_PopulateTransientObject(o, &a, 1);
		if (res) {
			TEE_FreeTransientObject(o);
			return res;
		}
	} else {
		TEE_GenerateKey(o, p[0].value.b, NULL, 0);
	}
	TEE_RestrictObjectUsage1(o, p[3].value.a);
	info_words(o, w + 5);
	memcpy(out, w, sizeof(w));
	n = p[3].value.b;
	p[3].value.a = TEE_GetObjectBufferAttribute(o, TEE_ATTR_SECRET_VALUE,
						    out + sizeof(w), &n);
	p[3].value.b = n;
	p[2].memref.size = sizeof(w) + (p[3].value.a ? 0 : n);
	TEE_FreeTransientObject(o);
	return TEE_SUCCESS;
}

static TEE_Result copy_reset(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *data = p[2].memref.buffer;
	size_t len = p[2].memref.size, split = p[0].value.b;
	uint8_t *out = p[3].memref.buffer;
	size_t cap = p[3].memref.size, w = 0, n;
	TEE_OperationHandle a, b;
	uint32_t alg = p[0].value.a;
	int is_mac = (alg >> 28) == 3;
	TEE_Result res;
	struct blob k;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT) ||
	    split > len)
		return TEE_ERROR_BAD_PARAMETERS;
	res = parse(&p[1], &k);
	if (res)
		return res;
	res = keyed(&k, alg, is_mac ? TEE_MODE_MAC : TEE_MODE_ENCRYPT, &a);
	if (res)
		return res;
	res = TEE_AllocateOperation(&b, alg, is_mac ? TEE_MODE_MAC : TEE_MODE_ENCRYPT,
				    8 * k.key_len);
	if (res) {
		TEE_FreeOperation(a);
		return res;
	}
#define STEP(call) do { n = cap - w; res = (call); if (res) goto out; w += n; } while (0)
	if (is_mac) {
		TEE_MACInit(a, NULL, 0);
		TEE_MACUpdate(a, data, split);
		TEE_CopyOperation(b, a);
		STEP(TEE_MACComputeFinal(b, data + split, len - split, out + w, &n));
		STEP(TEE_MACComputeFinal(a, "XYZ", 3, out + w, &n));
		TEE_ResetOperation(a);
		TEE_MACInit(a, NULL, 0);
		STEP(TEE_MACComputeFinal(a, data, len, out + w, &n));
	} else {
		TEE_CipherInit(a, k.iv, k.iv_len);
		STEP(TEE_CipherUpdate(a, data, split, out + w, &n));
		TEE_CopyOperation(b, a);
		STEP(TEE_CipherDoFinal(b, data + split, len - split, out + w, &n));
		STEP(TEE_CipherDoFinal(a, data + split, len - split, out + w, &n));
		TEE_ResetOperation(a);
		TEE_CipherInit(a, k.iv, k.iv_len);
		n = cap - w;
		TEE_CipherUpdate(a, "garbage", 7, out + w, &n);
		TEE_ResetOperation(a);
		TEE_CipherInit(a, k.iv, k.iv_len);
		STEP(TEE_CipherDoFinal(a, data, len, out + w, &n));
	}
#undef STEP
out:
	p[3].memref.size = w;
	TEE_FreeOperation(a);
	TEE_FreeOperation(b);
	return res;
}

static const uint8_t key16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t key32[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				   1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static TEE_ObjectHandle make_key(uint32_t type, const uint8_t *k, size_t len)
{
	TEE_ObjectHandle o;
	TEE_Attribute a;

	if (TEE_AllocateTransientObject(type, 8 * len, &o))
		TEE_Panic(1);
	TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, k, len);
	if (TEE_PopulateTransientObject(o, &a, 1))
		TEE_Panic(2);
	return o;
}

static TEE_OperationHandle make_op(uint32_t alg, uint32_t mode, uint32_t bits)
{
	TEE_OperationHandle op;

	if (TEE_AllocateOperation(&op, alg, mode, bits))
		TEE_Panic(3);
	return op;
}

static TEE_Result panic_case(uint32_t pt, TEE_Param p[4])
{
	TEE_OperationHandle op;
	TEE_ObjectHandle key;
	TEE_Attribute a;
	uint8_t buf[64] = { 0 };
	size_t n = sizeof(buf);

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		op = make_op(TEE_ALG_AES_ECB_NOPAD, TEE_MODE_ENCRYPT, 128);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
		TEE_CipherUpdate(op, key16, 16, buf, &n);
		break;
	case 1:
		op = make_op(TEE_ALG_AES_ECB_NOPAD, TEE_MODE_ENCRYPT, 128);
		TEE_CipherInit(op, NULL, 0);
		break;
	case 2:
		op = make_op(TEE_ALG_HMAC_SHA256, TEE_MODE_MAC, 256);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_HMAC_SHA256, key32, 32));
		TEE_MACInit(op, NULL, 0);
		TEE_MACComputeFinal(op, "a", 1, buf, &n);
		TEE_MACUpdate(op, "a", 1);
		break;
	case 3:
		op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 128);
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_RestrictObjectUsage1(key, TEE_USAGE_DECRYPT);
		TEE_SetOperationKey(op, key);
		break;
	case 4:
		op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 256);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_HMAC_SHA256, key32, 32));
		break;
	case 5:
		op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 128);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key32, 32));
		break;
	case 6:
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_RestrictObjectUsage1(key, ~(uint32_t)TEE_USAGE_EXTRACTABLE);
		TEE_GetObjectBufferAttribute(key, TEE_ATTR_SECRET_VALUE, buf, &n);
		break;
	case 7:
		op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 128);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
		TEE_CipherInit(op, key16, 8);
		break;
	case 8:
		op = make_op(TEE_ALG_AES_CTR, TEE_MODE_ENCRYPT, 128);
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_SetOperationKey(op, key);
		TEE_CipherInit(op, key16, 16);
		TEE_SetOperationKey(op, key);
		break;
	case 9:
		TEE_GetObjectBufferAttribute((TEE_ObjectHandle)buf,
					     TEE_ATTR_SECRET_VALUE, buf, &n);
		break;
	case 10:
		TEE_InitRefAttribute(&a, TEE_ATTR_FLAG_VALUE | 1, buf, 1);
		break;
	case 11: /* One key for an operation expecting two. */
		op = make_op(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, 128);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
		break;
	case 12: /* Two keys for an operation taking one. */
		op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 128);
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_SetOperationKey2(op, key, key);
		break;
	case 13: /* An AES key for DES. */
		op = make_op(TEE_ALG_DES_ECB_NOPAD, TEE_MODE_ENCRYPT, 64);
		TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
		break;
	case 14: /* A protected value attribute of a non-extractable key. */
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_RestrictObjectUsage1(key, ~(uint32_t)TEE_USAGE_EXTRACTABLE);
		TEE_GetObjectValueAttribute(key, TEE_ATTR_FLAG_VALUE | 1,
					    (uint32_t *)buf, (uint32_t *)buf + 1);
		break;
	case 15: /* A buffer attribute asked as a value. */
		key = make_key(TEE_TYPE_AES, key16, 16);
		TEE_GetObjectValueAttribute(key, TEE_ATTR_SECRET_VALUE,
					    (uint32_t *)buf, (uint32_t *)buf + 1);
		break;
	case 16: /* Only one of the two keys. */
		op = make_op(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, 128);
		TEE_SetOperationKey2(op, make_key(TEE_TYPE_AES, key16, 16),
				     TEE_HANDLE_NULL);
		break;
	case 17: /* A key above the object's maximum size (GP 1.3.1). */
		if (TEE_AllocateTransientObject(TEE_TYPE_AES, 128, &key))
			return TEE_ERROR_GENERIC;
		TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, buf, 32);
		TEE_PopulateTransientObject(key, &a, 1);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	/* Only reached if the TEE did not panic. */
	return TEE_SUCCESS;
}

static TEE_Result misc(uint32_t pt, TEE_Param p[4])
{
	uint32_t w[20] = { 0 };
	TEE_OperationHandle op;
	TEE_OperationInfo info;
	TEE_ObjectHandle o, d;
	TEE_Attribute a;
	uint8_t buf[64];
	size_t n;

	if (pt != PT(NONE, NONE, MEMREF_OUTPUT, NONE) ||
	    p[2].memref.size < sizeof(w))
		return TEE_ERROR_BAD_PARAMETERS;
	/* CBC needs whole blocks in all. */
	op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 128);
	TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
	TEE_CipherInit(op, key16, 16);
	n = sizeof(buf);
	w[0] = TEE_CipherDoFinal(op, key16, 15, buf, &n);
	/* Update: 20 bytes in, one block out; 15 bytes of room are short. */
	n = 15;
	w[1] = TEE_CipherUpdate(op, key32, 20, buf, &n);
	w[2] = n;
	TEE_FreeOperation(op);
	/* MAC short buffer, then a truncated MAC does not compare. */
	op = make_op(TEE_ALG_HMAC_SHA256, TEE_MODE_MAC, 256);
	TEE_SetOperationKey(op, make_key(TEE_TYPE_HMAC_SHA256, key32, 32));
	TEE_MACInit(op, NULL, 0);
	n = 10;
	w[3] = TEE_MACComputeFinal(op, "abc", 3, buf, &n);
	w[4] = n;
	n = sizeof(buf);
	if (TEE_MACComputeFinal(op, "abc", 3, buf, &n))
		TEE_Panic(4);
	TEE_MACInit(op, NULL, 0);
	w[5] = TEE_MACCompareFinal(op, "abc", 3, buf, 16);
	/* TEE_HANDLE_NULL clears the key. */
	TEE_SetOperationKey(op, TEE_HANDLE_NULL);
	TEE_GetOperationInfo(op, &info);
	w[6] = info.keySize;
	w[7] = info.handleState;
	TEE_FreeOperation(op);
	/* Populate with sizes the type does not allow (a key above the
	 * object's maximum size panics: panic case 17). */
	if (TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &o))
		TEE_Panic(5);
	TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, key32, 17);
	w[8] = TEE_PopulateTransientObject(o, &a, 1);
	TEE_FreeTransientObject(o);
	if (TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &o))
		TEE_Panic(6);
	TEE_InitRefAttribute(&a, TEE_ATTR_SECRET_VALUE, key32, 20);
	w[9] = TEE_PopulateTransientObject(o, &a, 1);
	TEE_FreeTransientObject(o);
	/* Unsupported types and sizes. */
	w[10] = TEE_AllocateTransientObject(TEE_TYPE_AES, 100, &o);
	w[11] = TEE_AllocateTransientObject(TEE_TYPE_HMAC_SHA256, 128, &o);
	w[12] = TEE_AllocateTransientObject(0xA00000FF, 128, &o);
	/* An attribute the object does not have. */
	o = make_key(TEE_TYPE_AES, key16, 16);
	n = sizeof(buf);
	w[13] = TEE_GetObjectBufferAttribute(o, 0xD0000130, buf, &n);
	/* Copy: the usage is the intersection. */
	TEE_RestrictObjectUsage1(o, TEE_USAGE_ENCRYPT | TEE_USAGE_EXTRACTABLE);
	if (TEE_AllocateTransientObject(TEE_TYPE_AES, 256, &d))
		TEE_Panic(7);
	TEE_RestrictObjectUsage1(d, TEE_USAGE_ENCRYPT | TEE_USAGE_DECRYPT);
	TEE_CopyObjectAttributes1(d, o);
	{
		TEE_ObjectInfo oi;

		TEE_GetObjectInfo1(d, &oi);
		w[14] = oi.objectUsage;
		w[15] = oi.objectSize;
	}
	/* Operation information with a key. */
	op = make_op(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_DECRYPT, 256);
	TEE_RestrictObjectUsage1(d, TEE_USAGE_DECRYPT);
	TEE_SetOperationKey(op, make_key(TEE_TYPE_AES, key16, 16));
	TEE_GetOperationInfo(op, &info);
	w[16] = info.keySize;
	w[17] = info.requiredKeyUsage;
	w[18] = info.handleState;
	TEE_CipherInit(op, key16, 16);
	TEE_GetOperationInfo(op, &info);
	w[19] = info.handleState;
	TEE_FreeOperation(op);
	TEE_FreeTransientObject(o);
	TEE_FreeTransientObject(d);
	memcpy(p[2].memref.buffer, w, sizeof(w));
	p[2].memref.size = sizeof(w);
	return TEE_SUCCESS;
}

/*
 * TEE_GetObjectValueAttribute of attribute value.a of an AES key whose
 * usage is restricted to value.b: the result in value.a, a and b after.
 */
static TEE_Result value(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle o;
	uint32_t a = 0x5a5a5a5a, b = 0xa5a5a5a5;

	if (pt != PT(VALUE_INPUT, VALUE_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	o = make_key(TEE_TYPE_AES, key16, 16);
	TEE_RestrictObjectUsage1(o, p[0].value.b);
	p[1].value.a = TEE_GetObjectValueAttribute(o, p[0].value.a, &a, &b);
	p[1].value.b = a ^ b;
	TEE_FreeTransientObject(o);
	return TEE_SUCCESS;
}

/*
 * OP-TEE's HKDF / PBKDF2: p0 a = algorithm, b = input key type; p1 the
 * IKM / password; p2 the parameters (records of u32 LE id, u32 LE length
 * then that many bytes, or for a value attribute u32 LE id, u32 LE a);
 * p3 the derived TEE_ATTR_SECRET_VALUE.
 */
static TEE_Result derive(uint32_t pt, TEE_Param p[4])
{
	const uint8_t *q = p[2].memref.buffer;
	size_t sz = p[2].memref.size, at = 0, n = 0, len;
	uint32_t key_attr, id;
	TEE_Attribute a[8], ka;
	TEE_OperationHandle op;
	TEE_ObjectHandle key, out;
	TEE_Result res;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, MEMREF_OUTPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	while (at < sz) {
		if (n == 8 || sz - at < 8)
			return TEE_ERROR_BAD_PARAMETERS;
		id = le32(q + at);
		len = le32(q + at + 4);
		at += 8;
		if (id & TEE_ATTR_FLAG_VALUE) {
			TEE_InitValueAttribute(&a[n++], id, len, 0);
			continue;
		}
		if (len > sz - at)
			return TEE_ERROR_BAD_PARAMETERS;
		TEE_InitRefAttribute(&a[n++], id, q + at, len);
		at += len;
	}
	key_attr = p[0].value.b == TEE_TYPE_HKDF_IKM ? TEE_ATTR_HKDF_IKM :
						       TEE_ATTR_PBKDF2_PASSWORD;
	res = TEE_AllocateOperation(&op, p[0].value.a, TEE_MODE_DERIVE,
				    8 * p[1].memref.size);
	if (res)
		return res;
	res = TEE_AllocateTransientObject(p[0].value.b, 8 * p[1].memref.size,
					  &key);
	if (res)
		goto free_op;
	TEE_InitRefAttribute(&ka, key_attr, p[1].memref.buffer,
			     p[1].memref.size);
	res = TEE_PopulateTransientObject(key, &ka, 1);
	if (res)
		goto free_key;
	TEE_SetOperationKey(op, key);
	res = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET, 4096, &out);
	if (res)
		goto free_key;
	TEE_DeriveKey(op, a, n, out);
	len = p[3].memref.size;
	res = TEE_GetObjectBufferAttribute(out, TEE_ATTR_SECRET_VALUE,
					   p[3].memref.buffer, &len);
	p[3].memref.size = len;
	TEE_FreeTransientObject(out);
free_key:
	TEE_FreeTransientObject(key);
free_op:
	TEE_FreeOperation(op);
	return res;
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
	case TA_SYMCRYPT_CMD_CIPHER:
		return cipher(pt, p);
	case TA_SYMCRYPT_CMD_MAC:
		return mac(pt, p);
	case TA_SYMCRYPT_CMD_OBJECT:
		return object(pt, p);
	case TA_SYMCRYPT_CMD_COPY_RESET:
		return copy_reset(pt, p);
	case TA_SYMCRYPT_CMD_PANIC:
		return panic_case(pt, p);
	case TA_SYMCRYPT_CMD_MISC:
		return misc(pt, p);
	case TA_SYMCRYPT_CMD_VALUE:
		return value(pt, p);
	case TA_SYMCRYPT_CMD_DERIVE:
		return derive(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
