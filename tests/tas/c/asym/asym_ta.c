// SPDX-License-Identifier: Apache-2.0
/*
 * Asymmetric cryptography test TA: runs batches of vectors through the
 * GP asymmetric functions (TEE_Asymmetric*, TEE_DeriveKey,
 * TEE_GenerateKey) as include/asym_ta.h describes, and panics on request
 * the ways GP says.
 */
#include <string.h>
#include <asym_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)
#define MAX_ATTRS 12
#define SECRET_BITS 4096

struct rd {
	const uint8_t *p;
	size_t n;
	int bad;
};

static uint32_t u32(struct rd *r)
{
	uint32_t v;

	if (r->bad || r->n < 4) {
		r->bad = 1;
		return 0;
	}
	v = r->p[0] | r->p[1] << 8 | r->p[2] << 16 | (uint32_t)r->p[3] << 24;
	r->p += 4;
	r->n -= 4;
	return v;
}

static const uint8_t *bytes(struct rd *r, size_t *len)
{
	size_t l = u32(r);
	const uint8_t *p = r->p;

	if (r->bad || r->n < l) {
		r->bad = 1;
		*len = 0;
		return NULL;
	}
	r->p += l;
	r->n -= l;
	*len = l;
	return p;
}

static uint32_t attrs(struct rd *r, TEE_Attribute *a)
{
	uint32_t n = u32(r), i, id, x, y;
	const uint8_t *b;
	size_t l;

	if (n > MAX_ATTRS) {
		r->bad = 1;
		return 0;
	}
	for (i = 0; i < n && !r->bad; i++) {
		id = u32(r);
		if (id & TEE_ATTR_FLAG_VALUE) {
			x = u32(r);
			y = u32(r);
			TEE_InitValueAttribute(&a[i], id, x, y);
		} else {
			b = bytes(r, &l);
			TEE_InitRefAttribute(&a[i], id, b, l);
		}
	}
	return n;
}

static uint32_t mode_of(uint32_t kind)
{
	switch (kind) {
	case 0:
		return TEE_MODE_ENCRYPT;
	case 1:
		return TEE_MODE_DECRYPT;
	case 2:
		return TEE_MODE_SIGN;
	case 3:
		return TEE_MODE_VERIFY;
	default:
		return TEE_MODE_DERIVE;
	}
}

/* An operation of alg/mode keyed with k. */
static TEE_Result keyed_op(uint32_t alg, uint32_t mode, uint32_t bits,
			   TEE_ObjectHandle k, TEE_OperationHandle *op)
{
	TEE_Result res = TEE_AllocateOperation(op, alg, mode, bits);

	if (!res)
		TEE_SetOperationKey(*op, k);
	return res;
}

/* A shared secret derived by `op` with params p into out (cap *n). */
static TEE_Result derive(TEE_OperationHandle op, TEE_Attribute *p,
			 uint32_t pn, uint8_t *out, size_t *n)
{
	TEE_ObjectHandle s;
	TEE_Result res;

	res = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET,
					  SECRET_BITS, &s);
	if (res)
		return res;
	TEE_DeriveKey(op, p, pn, s);
	res = TEE_GetObjectBufferAttribute(s, TEE_ATTR_SECRET_VALUE, out, n);
	TEE_FreeTransientObject(s);
	return res;
}

/* ECDH: the peer's point (X and Y of p) must make a valid ECDH public
 * key on the curve of the key attributes ka. */
static TEE_Result check_peer(uint32_t bits, const TEE_Attribute *ka,
			     uint32_t kn, const TEE_Attribute *p, uint32_t pn)
{
	TEE_Attribute a[3];
	TEE_ObjectHandle o;
	TEE_Result res;
	uint32_t i, n = 0;

	for (i = 0; i < pn && n < 2; i++)
		if (p[i].attributeID == TEE_ATTR_ECC_PUBLIC_VALUE_X ||
		    p[i].attributeID == TEE_ATTR_ECC_PUBLIC_VALUE_Y)
			a[n++] = p[i];
	for (i = 0; i < kn; i++)
		if (ka[i].attributeID == TEE_ATTR_ECC_CURVE)
			a[n++] = ka[i];
	res = TEE_AllocateTransientObject(TEE_TYPE_ECDH_PUBLIC_KEY, bits, &o);
	if (res)
		return res;
	res = TEE_PopulateTransientObject(o, a, n);
	TEE_FreeTransientObject(o);
	return res;
}

/* kind 5: generate a key with parameters ka, then use it (see the
 * header). */
static TEE_Result generated(uint32_t alg, uint32_t type, uint32_t bits,
			    TEE_Attribute *ka, uint32_t kn, TEE_Attribute *pa,
			    uint32_t pn, const uint8_t *in, size_t il,
			    uint8_t *out, size_t *n)
{
	TEE_ObjectHandle k = TEE_HANDLE_NULL, k2 = TEE_HANDLE_NULL;
	TEE_OperationHandle a = TEE_HANDLE_NULL, b = TEE_HANDLE_NULL;
	uint8_t tmp[1024], pub[MAX_ATTRS][520];
	size_t tn = sizeof(tmp), cap = *n, l;
	uint32_t cls = TEE_ALG_GET_CLASS(alg), i;
	TEE_Result res;

	*n = 0;
	res = TEE_AllocateTransientObject(type, bits, &k);
	if (!res)
		res = TEE_GenerateKey(k, bits, ka, kn);
	if (res)
		goto out;
	if (cls == TEE_OPERATION_KEY_DERIVATION) {
		/* A second key; each side derives with the other's public
		 * value (the attributes named in pa). */
		res = TEE_AllocateTransientObject(type, bits, &k2);
		if (!res)
			res = TEE_GenerateKey(k2, bits, ka, kn);
		if (res)
			goto out;
		res = keyed_op(alg, TEE_MODE_DERIVE, bits, k, &a);
		if (!res)
			res = keyed_op(alg, TEE_MODE_DERIVE, bits, k2, &b);
		for (i = 0; i < pn && !res; i++) {
			l = sizeof(pub[i]);
			res = TEE_GetObjectBufferAttribute(k2, pa[i].attributeID,
							   pub[i], &l);
			TEE_InitRefAttribute(&pa[i], pa[i].attributeID, pub[i], l);
		}
		if (!res)
			res = derive(a, pa, pn, tmp, &tn);
		for (i = 0; i < pn && !res; i++) {
			l = sizeof(pub[i]);
			res = TEE_GetObjectBufferAttribute(k, pa[i].attributeID,
							   pub[i], &l);
			TEE_InitRefAttribute(&pa[i], pa[i].attributeID, pub[i], l);
		}
		*n = cap;
		if (!res)
			res = derive(b, pa, pn, out, n);
		if (!res && (*n != tn || TEE_MemCompare(tmp, out, tn)))
			res = TEE_ERROR_GENERIC;
		goto out;
	}
	if (cls == TEE_OPERATION_ASYMMETRIC_SIGNATURE) {
		res = keyed_op(alg, TEE_MODE_SIGN, bits, k, &a);
		if (!res)
			res = keyed_op(alg, TEE_MODE_VERIFY, bits, k, &b);
		*n = cap;
		if (!res)
			res = TEE_AsymmetricSignDigest(a, pa, pn, in, il, out, n);
		if (!res)
			res = TEE_AsymmetricVerifyDigest(b, pa, pn, in, il, out,
							 *n);
		goto out;
	}
	res = keyed_op(alg, TEE_MODE_ENCRYPT, bits, k, &a);
	if (!res)
		res = keyed_op(alg, TEE_MODE_DECRYPT, bits, k, &b);
	*n = cap;
	if (!res)
		res = TEE_AsymmetricEncrypt(a, pa, pn, in, il, out, n);
	if (!res)
		res = TEE_AsymmetricDecrypt(b, pa, pn, out, *n, tmp, &tn);
	if (!res && (tn != il || TEE_MemCompare(tmp, in, il)))
		res = TEE_ERROR_GENERIC;
out:
	if (a)
		TEE_FreeOperation(a);
	if (b)
		TEE_FreeOperation(b);
	TEE_FreeTransientObject(k);
	TEE_FreeTransientObject(k2);
	return res;
}

/* kind 6: derive with the key of ka and a second key whose attributes
 * are packed in in2 (see the header); in is the derived size in bits. */
static TEE_Result derived2(uint32_t alg, uint32_t type, uint32_t bits,
			   TEE_Attribute *ka, uint32_t kn, const uint8_t *in,
			   size_t il, const uint8_t *in2, size_t i2l,
			   TEE_Attribute *pa, uint32_t pn, uint8_t *out,
			   size_t *n)
{
	TEE_Attribute ka2[MAX_ATTRS];
	struct rd r2 = { in2, i2l, 0 };
	uint32_t kn2 = attrs(&r2, ka2), sbits;
	TEE_ObjectHandle k = TEE_HANDLE_NULL, k2 = TEE_HANDLE_NULL;
	TEE_ObjectHandle s = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL;
	TEE_Result res;
	size_t cap = *n;

	*n = 0;
	if (r2.bad || r2.n || il != 4)
		return TEE_ERROR_BAD_PARAMETERS;
	sbits = in[0] | in[1] << 8 | in[2] << 16 | (uint32_t)in[3] << 24;
	res = TEE_AllocateTransientObject(type, bits, &k);
	if (!res)
		res = TEE_PopulateTransientObject(k, ka, kn);
	if (!res)
		res = TEE_AllocateTransientObject(type, bits, &k2);
	if (!res)
		res = TEE_PopulateTransientObject(k2, ka2, kn2);
	if (!res)
		res = TEE_AllocateOperation(&op, alg, TEE_MODE_DERIVE, bits);
	if (!res) {
		TEE_SetOperationKey2(op, k, k2);
		res = TEE_AllocateTransientObject(TEE_TYPE_GENERIC_SECRET,
						  sbits, &s);
	}
	if (!res) {
		TEE_DeriveKey(op, pa, pn, s);
		*n = cap;
		res = TEE_GetObjectBufferAttribute(s, TEE_ATTR_SECRET_VALUE,
						   out, n);
		TEE_FreeTransientObject(s);
	}
	if (op)
		TEE_FreeOperation(op);
	TEE_FreeTransientObject(k);
	TEE_FreeTransientObject(k2);
	return res;
}

/* One vector; writes up to *n bytes at out and sets *n. */
static TEE_Result one(struct rd *r, uint8_t *out, size_t *n)
{
	TEE_Attribute ka[MAX_ATTRS], pa[MAX_ATTRS];
	uint32_t kind = u32(r), alg = u32(r), type = u32(r), bits = u32(r);
	uint32_t hash = u32(r), kn, pn;
	const uint8_t *in, *in2;
	size_t il, i2l, cap = *n, dl = 64;
	uint8_t dig[64];
	TEE_ObjectHandle k = TEE_HANDLE_NULL;
	TEE_OperationHandle op = TEE_HANDLE_NULL, d;
	TEE_Result res;

	kn = attrs(r, ka);
	pn = attrs(r, pa);
	in = bytes(r, &il);
	in2 = bytes(r, &i2l);
	*n = 0;
	if (r->bad)
		return TEE_ERROR_BAD_PARAMETERS;
	if (hash) {
		res = TEE_AllocateOperation(&d, hash, TEE_MODE_DIGEST, 0);
		if (res)
			return res;
		res = TEE_DigestDoFinal(d, in, il, dig, &dl);
		TEE_FreeOperation(d);
		if (res)
			return res;
		in = dig;
		il = dl;
	}
	*n = cap;
	if (kind == 5)
		return generated(alg, type, bits, ka, kn, pa, pn, in, il, out, n);
	if (kind == 6)
		return derived2(alg, type, bits, ka, kn, in, il, in2, i2l, pa, pn,
				out, n);
	*n = 0;
	res = TEE_AllocateTransientObject(type, bits, &k);
	if (!res)
		res = TEE_PopulateTransientObject(k, ka, kn);
	if (!res)
		res = keyed_op(alg, mode_of(kind), bits, k, &op);
	if (res)
		goto out;
	*n = cap;
	switch (kind) {
	case 0:
		res = TEE_AsymmetricEncrypt(op, pa, pn, in, il, out, n);
		break;
	case 1:
		res = TEE_AsymmetricDecrypt(op, pa, pn, in, il, out, n);
		break;
	case 2:
		res = TEE_AsymmetricSignDigest(op, pa, pn, in, il, out, n);
		break;
	case 3:
		*n = 0;
		res = TEE_AsymmetricVerifyDigest(op, pa, pn, in, il, in2, i2l);
		break;
	default:
		if (alg == TEE_ALG_ECDH_DERIVE_SHARED_SECRET) {
			res = check_peer(bits, ka, kn, pa, pn);
			if (res) {
				*n = 0;
				break;
			}
		}
		res = derive(op, pa, pn, out, n);
		break;
	}
	if (res)
		*n = 0;
out:
	if (op)
		TEE_FreeOperation(op);
	TEE_FreeTransientObject(k);
	return res;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static TEE_Result batch(uint32_t pt, TEE_Param p[4])
{
	struct rd r;
	uint8_t *out;
	size_t cap, at = 0, n;
	TEE_Result res;

	if (pt != PT(MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	r.p = p[0].memref.buffer;
	r.n = p[0].memref.size;
	r.bad = 0;
	out = p[1].memref.buffer;
	cap = p[1].memref.size;
	while (r.n && !r.bad) {
		if (cap - at < 8)
			return TEE_ERROR_SHORT_BUFFER;
		n = cap - at - 8;
		res = one(&r, out + at + 8, &n);
		if (res)
			n = 0;
		put32(out + at, res);
		put32(out + at + 4, n);
		at += 8 + n;
	}
	if (r.bad)
		return TEE_ERROR_BAD_PARAMETERS;
	p[1].memref.size = at;
	return TEE_SUCCESS;
}

/* A 512-bit RSA key pair (the smallest the tests need) from fixed
 * components is too long to carry here: panic cases generate one. */
static TEE_ObjectHandle rsa_pair(uint32_t usage)
{
	TEE_ObjectHandle k;

	if (TEE_AllocateTransientObject(TEE_TYPE_RSA_KEYPAIR, 512, &k) ||
	    TEE_GenerateKey(k, 512, NULL, 0))
		TEE_Panic(0);
	TEE_RestrictObjectUsage1(k, usage);
	return k;
}

static TEE_Result panic_case(uint32_t pt, TEE_Param p[4])
{
	uint8_t dig[32] = { 0 }, sig[64], buf[256];
	size_t n = sizeof(sig);
	TEE_OperationHandle op;
	TEE_ObjectHandle k, pub;
	TEE_Attribute a[2];

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		k = rsa_pair(TEE_USAGE_DEFAULT);
		TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
				      TEE_MODE_VERIFY, 512);
		TEE_SetOperationKey(op, k);
		TEE_AsymmetricSignDigest(op, NULL, 0, dig, 32, sig, &n);
		break;
	case 1:
		k = rsa_pair(TEE_USAGE_VERIFY);
		TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
				      TEE_MODE_SIGN, 512);
		TEE_SetOperationKey(op, k);
		break;
	case 2:
		k = rsa_pair(TEE_USAGE_DEFAULT);
		TEE_AllocateTransientObject(TEE_TYPE_RSA_PUBLIC_KEY, 512, &pub);
		TEE_CopyObjectAttributes1(pub, k);
		TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
				      TEE_MODE_SIGN, 512);
		TEE_SetOperationKey(op, pub);
		break;
	case 3:
		TEE_AllocateOperation(&op, TEE_ALG_RSAES_PKCS1_V1_5,
				      TEE_MODE_ENCRYPT, 512);
		n = sizeof(buf);
		TEE_AsymmetricEncrypt(op, NULL, 0, dig, 4, buf, &n);
		break;
	case 4:
		TEE_AllocateTransientObject(TEE_TYPE_RSA_KEYPAIR, 512, &k);
		TEE_InitRefAttribute(&a[0], TEE_ATTR_RSA_MODULUS, buf, 64);
		TEE_InitRefAttribute(&a[1], TEE_ATTR_RSA_PUBLIC_EXPONENT, buf, 3);
		TEE_PopulateTransientObject(k, a, 2);
		break;
	case 5:
		k = rsa_pair(TEE_USAGE_DEFAULT);
		TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
				      TEE_MODE_SIGN, 512);
		TEE_SetOperationKey(op, k);
		TEE_AsymmetricSignDigest(op, NULL, 0, dig, 20, sig, &n);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	return TEE_SUCCESS;
}

static TEE_Result random_bytes(uint32_t pt, TEE_Param p[4])
{
	if (pt != PT(MEMREF_OUTPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_GenerateRandom(p[0].memref.buffer, p[0].memref.size);
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
	case TA_ASYM_CMD_BATCH:
		return batch(pt, p);
	case TA_ASYM_CMD_PANIC:
		return panic_case(pt, p);
	case TA_ASYM_CMD_RANDOM:
		return random_bytes(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
