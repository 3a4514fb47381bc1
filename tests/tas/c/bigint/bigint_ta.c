// SPDX-License-Identifier: Apache-2.0
/*
 * Exercises the Internal Core API's arithmetic (GP 1.3.1 chapter 8): one
 * command runs one TEE_BigInt function on operands sent as octet strings
 * and returns the results the same way, so that the test can compare
 * them with an independent implementation. See include/bigint_ta.h.
 */
#include <stdint.h>
#include <string.h>

#include <bigint_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d)	TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
					TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

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

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static TEE_BigInt *new_bigint(uint32_t bits)
{
	size_t len = TEE_BigIntSizeInU32(bits);
	TEE_BigInt *x = TEE_Malloc(len * sizeof(uint32_t), TEE_MALLOC_FILL_ZERO);

	if (!x)
		TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	TEE_BigIntInit(x, len);
	return x;
}

/* Output records. */
struct out {
	uint8_t *buf;
	size_t size;
	size_t used;
	TEE_Result res;
};

static void put_bigint(struct out *o, const TEE_BigInt *x)
{
	size_t len = 0;
	TEE_Result res = TEE_SUCCESS;

	if (o->res)
		return;
	if (o->size - o->used < 8) {
		o->res = TEE_ERROR_SHORT_BUFFER;
		return;
	}
	len = o->size - o->used - 8;
	res = TEE_BigIntConvertToOctetString(o->buf + o->used + 8, &len, x);
	if (res) {
		o->res = res;
		return;
	}
	put_u32(o->buf + o->used, TEE_BigIntCmpS32(x, 0) < 0);
	put_u32(o->buf + o->used + 4, len);
	o->used += 8 + len;
}

static void put_zero(struct out *o)
{
	if (o->res)
		return;
	if (o->size - o->used < 8) {
		o->res = TEE_ERROR_SHORT_BUFFER;
		return;
	}
	put_u32(o->buf + o->used, 0);
	put_u32(o->buf + o->used + 4, 0);
	o->used += 8;
}

static TEE_Result do_panic(uint32_t which)
{
	TEE_BigInt raw[8] = { 0 };
	TEE_BigInt *x = new_bigint(64);
	uint8_t buf[8] = { 0 };

	switch (which) {
	case TA_BIGINT_PANIC_UNINIT:
		TEE_BigIntAdd(x, x, raw);
		break;
	case TA_BIGINT_PANIC_INIT_LEN:
		TEE_BigIntInit(raw, 1);
		break;
	case TA_BIGINT_PANIC_NULL:
		TEE_BigIntConvertFromS32(NULL, 1);
		break;
	case TA_BIGINT_PANIC_NULL_LEN:
		TEE_BigIntConvertToOctetString(buf, NULL, x);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	TEE_Free(x);
	return TEE_SUCCESS;
}

static TEE_Result cmd_op(uint32_t pt, TEE_Param p[TEE_NUM_PARAMS])
{
	uint32_t op = 0, flags = 0, bits = 0, arg = 0;
	uint32_t ret = 0, ret2 = 0;
	const uint8_t *in = NULL;
	size_t in_size = 0, off = 0;
	TEE_BigInt *v[3] = { NULL };	/* a, b, n */
	TEE_BigInt *d[3] = { NULL };	/* destinations */
	TEE_BigInt *dest = NULL;
	TEE_BigInt *opb = NULL;
	struct out o = { 0 };
	TEE_Result res = TEE_SUCCESS;
	size_t i = 0;

	if (pt != PT(VALUE_INOUT, MEMREF_INPUT, MEMREF_OUTPUT, VALUE_INPUT))
		return TEE_ERROR_BAD_PARAMETERS;
	op = p[0].value.a;
	flags = p[0].value.b;
	bits = p[3].value.a;
	arg = p[3].value.b;
	in = p[1].memref.buffer;
	in_size = p[1].memref.size;
	o.buf = p[2].memref.buffer;
	o.size = p[2].memref.size;

	if (op == TA_BIGINT_OP_PANIC)
		return do_panic(arg);
	if (op == TA_BIGINT_OP_FMM_SIZES) {
		p[0].value.a = TEE_BigIntFMMSizeInU32(arg);
		p[0].value.b = TEE_BigIntFMMContextSizeInU32(arg);
		p[2].memref.size = 0;
		return TEE_SUCCESS;
	}

	for (i = 0; i < 3; i++) {
		uint32_t sign = 0, len = 0;

		v[i] = new_bigint(bits);
		d[i] = new_bigint(bits);
		if (off == in_size)
			continue;
		if (in_size - off < 8) {
			res = TEE_ERROR_BAD_PARAMETERS;
			goto out;
		}
		sign = get_u32(in + off);
		len = get_u32(in + off + 4);
		off += 8;
		if (in_size - off < len) {
			res = TEE_ERROR_BAD_PARAMETERS;
			goto out;
		}
		res = TEE_BigIntConvertFromOctetString(v[i], in + off, len,
						       sign ? -1 : 1);
		if (res)
			goto out;
		off += len;
	}

	dest = d[0];
	opb = v[1];
	switch (flags & TA_BIGINT_F_ALIAS_MASK) {
	case TA_BIGINT_F_ALIAS_A:
		dest = v[0];
		break;
	case TA_BIGINT_F_ALIAS_B:
		dest = v[1];
		break;
	case TA_BIGINT_F_ALIAS_AB:
		dest = v[0];
		opb = v[0];
		break;
	default:
		break;
	}

	switch (op) {
	case TA_BIGINT_OP_CONVERT:
		put_bigint(&o, v[0]);
		break;
	case TA_BIGINT_OP_TO_OCTET: {
		size_t len = arg;

		if (o.size < 8 || arg > o.size - 8) {
			res = TEE_ERROR_BAD_PARAMETERS;
			goto out;
		}
		ret = TEE_BigIntConvertToOctetString(o.buf + 8, &len, v[0]);
		ret2 = len;
		if (!ret) {
			put_u32(o.buf, TEE_BigIntCmpS32(v[0], 0) < 0);
			put_u32(o.buf + 4, len);
			o.used = 8 + len;
		}
		break;
	}
	case TA_BIGINT_OP_FROM_S32:
		TEE_BigIntConvertFromS32(dest, (int32_t)arg);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_TO_S32: {
		int32_t s = 0x5a5a5a5a;

		ret = TEE_BigIntConvertToS32(&s, v[0]);
		ret2 = (uint32_t)s;
		break;
	}
	case TA_BIGINT_OP_CMP:
		ret = (uint32_t)TEE_BigIntCmp(v[0], opb);
		break;
	case TA_BIGINT_OP_CMP_S32:
		ret = (uint32_t)TEE_BigIntCmpS32(v[0], (int32_t)arg);
		break;
	case TA_BIGINT_OP_SHIFT_RIGHT:
		TEE_BigIntShiftRight(dest, v[0], arg);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_GET_BIT:
		ret = TEE_BigIntGetBit(v[0], arg);
		break;
	case TA_BIGINT_OP_GET_BIT_COUNT:
		ret = TEE_BigIntGetBitCount(v[0]);
		break;
	case TA_BIGINT_OP_SET_BIT:
		ret = TEE_BigIntSetBit(v[0], arg,
				       flags & TA_BIGINT_F_BIT_VALUE);
		put_bigint(&o, v[0]);
		break;
	case TA_BIGINT_OP_ASSIGN:
	case TA_BIGINT_OP_ABS:
		if (arg && !(flags & TA_BIGINT_F_ALIAS_MASK))
			dest = new_bigint(arg);
		if (op == TA_BIGINT_OP_ASSIGN)
			ret = TEE_BigIntAssign(dest, v[0]);
		else
			ret = TEE_BigIntAbs(dest, v[0]);
		put_bigint(&o, dest);
		if (dest != d[0] && dest != v[0] && dest != v[1])
			TEE_Free(dest);
		break;
	case TA_BIGINT_OP_ADD:
		TEE_BigIntAdd(dest, v[0], opb);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_SUB:
		TEE_BigIntSub(dest, v[0], opb);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_NEG:
		TEE_BigIntNeg(dest, v[0]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_MUL:
		TEE_BigIntMul(dest, v[0], opb);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_SQUARE:
		TEE_BigIntSquare(dest, v[0]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_DIV: {
		TEE_BigInt *q = flags & TA_BIGINT_F_NULL_1 ? NULL : dest;
		TEE_BigInt *r = flags & TA_BIGINT_F_NULL_2 ? NULL : d[1];

		TEE_BigIntDiv(q, r, v[0], opb);
		if (q)
			put_bigint(&o, q);
		else
			put_zero(&o);
		if (r)
			put_bigint(&o, r);
		else
			put_zero(&o);
		break;
	}
	case TA_BIGINT_OP_MOD:
		TEE_BigIntMod(dest, v[0], v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_ADD_MOD:
		TEE_BigIntAddMod(dest, v[0], opb, v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_SUB_MOD:
		TEE_BigIntSubMod(dest, v[0], opb, v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_MUL_MOD:
		TEE_BigIntMulMod(dest, v[0], opb, v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_SQUARE_MOD:
		TEE_BigIntSquareMod(dest, v[0], v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_INV_MOD:
		TEE_BigIntInvMod(dest, v[0], v[2]);
		put_bigint(&o, dest);
		break;
	case TA_BIGINT_OP_EXP_MOD: {
		TEE_BigIntFMMContext *ctx = NULL;

		if (flags & TA_BIGINT_F_CONTEXT) {
			size_t len = TEE_BigIntFMMContextSizeInU32(bits);

			ctx = TEE_Malloc(len * sizeof(uint32_t), 0);
			if (!ctx) {
				res = TEE_ERROR_OUT_OF_MEMORY;
				goto out;
			}
			TEE_BigIntInitFMMContext(ctx, len, v[2]);
		}
		ret = TEE_BigIntExpMod(dest, v[0], opb, v[2], ctx);
		put_bigint(&o, dest);
		TEE_Free(ctx);
		break;
	}
	case TA_BIGINT_OP_RELATIVE_PRIME:
		ret = TEE_BigIntRelativePrime(v[0], opb);
		break;
	case TA_BIGINT_OP_EXT_GCD: {
		TEE_BigInt *u = flags & TA_BIGINT_F_NULL_1 ? NULL : d[1];
		TEE_BigInt *w = flags & TA_BIGINT_F_NULL_2 ? NULL : d[2];

		TEE_BigIntComputeExtendedGcd(dest, u, w, v[0], opb);
		put_bigint(&o, dest);
		if (u)
			put_bigint(&o, u);
		else
			put_zero(&o);
		if (w)
			put_bigint(&o, w);
		else
			put_zero(&o);
		break;
	}
	case TA_BIGINT_OP_IS_PRIME:
		ret = (uint32_t)TEE_BigIntIsProbablePrime(v[0], arg);
		break;
	case TA_BIGINT_OP_FMM: {
		size_t clen = TEE_BigIntFMMContextSizeInU32(bits);
		size_t flen = TEE_BigIntFMMSizeInU32(bits);
		TEE_BigIntFMMContext *ctx = TEE_Malloc(clen * 4, 0);
		TEE_BigIntFMM *fa = TEE_Malloc(flen * 4, 0);
		TEE_BigIntFMM *fb = TEE_Malloc(flen * 4, 0);
		TEE_BigIntFMM *fr = TEE_Malloc(flen * 4, 0);

		if (!ctx || !fa || !fb || !fr) {
			TEE_Free(ctx);
			TEE_Free(fa);
			TEE_Free(fb);
			TEE_Free(fr);
			res = TEE_ERROR_OUT_OF_MEMORY;
			goto out;
		}
		ret = TEE_BigIntInitFMMContext1(ctx, clen, v[2]);
		TEE_BigIntInitFMM(fa, flen);
		TEE_BigIntInitFMM(fb, flen);
		TEE_BigIntInitFMM(fr, flen);
		TEE_BigIntConvertToFMM(fa, v[0], v[2], ctx);
		TEE_BigIntConvertToFMM(fb, opb, v[2], ctx);
		TEE_BigIntComputeFMM(fr, fa, fb, v[2], ctx);
		TEE_BigIntConvertFromFMM(dest, fr, v[2], ctx);
		put_bigint(&o, dest);
		TEE_Free(ctx);
		TEE_Free(fa);
		TEE_Free(fb);
		TEE_Free(fr);
		break;
	}
	default:
		res = TEE_ERROR_NOT_SUPPORTED;
		goto out;
	}

	res = o.res;
	if (!res) {
		p[0].value.a = ret;
		p[0].value.b = ret2;
		p[2].memref.size = o.used;
	}
out:
	for (i = 0; i < 3; i++) {
		TEE_Free(v[i]);
		TEE_Free(d[i]);
	}
	return res;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	(void)sess_ctx;
	switch (cmd) {
	case TA_BIGINT_CMD_OP:
		return cmd_op(param_types, params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
