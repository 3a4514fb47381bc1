// SPDX-License-Identifier: Apache-2.0
/*
 * oxtee devkit: GP 1.1 compatibility layer.
 *
 * Linked into TAs built with CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y (that is,
 * -D__OPTEE_CORE_API_COMPAT_1_1=1). This file itself is always compiled
 * without that define, so it sees both the GP 1.3.1 and the __GP11_*
 * declarations and translates between them:
 *
 *  - the GP 1.3 entry points the runtime calls, on top of the TA's
 *    __GP11_TA_OpenSessionEntryPoint / __GP11_TA_InvokeCommandEntryPoint
 *    (memref sizes: size_t <-> uint32_t);
 *  - the __GP11_TEE_* functions the TA calls, on top of the runtime's
 *    GP 1.3.1 functions (uint32_t length pointers, __GP11_TEE_Attribute,
 *    __GP11_TEE_ObjectInfo, __GP11_TEE_Param).
 */
#undef __OPTEE_CORE_API_COMPAT_1_1
#include <stddef.h>
#include <stdint.h>
#include <tee_internal_api.h>

#if __OPTEE_CORE_API_COMPAT_1_1
#error "tee_api_compat.c must be built without __OPTEE_CORE_API_COMPAT_1_1"
#endif

/* Saturate a length reported back through a 32-bit pointer. */
static uint32_t len32(size_t l)
{
	return l > UINT32_MAX ? UINT32_MAX : (uint32_t)l;
}

static bool is_memref(uint32_t t)
{
	return t == TEE_PARAM_TYPE_MEMREF_INPUT ||
	       t == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
	       t == TEE_PARAM_TYPE_MEMREF_INOUT;
}

static bool is_value(uint32_t t)
{
	return t == TEE_PARAM_TYPE_VALUE_INPUT ||
	       t == TEE_PARAM_TYPE_VALUE_OUTPUT ||
	       t == TEE_PARAM_TYPE_VALUE_INOUT;
}

/*
 * Parameters: GP 1.3 <-> GP 1.1. Buffers are never moved; only sizes
 * and values are copied.
 */
static TEE_Result params_to_gp11(uint32_t pt, const TEE_Param *p,
				 __GP11_TEE_Param *q)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint32_t t = TEE_PARAM_TYPE_GET(pt, n);

		q[n].memref.buffer = NULL;
		q[n].memref.size = 0;
		if (is_memref(t)) {
			if (p[n].memref.size > UINT32_MAX)
				return TEE_ERROR_BAD_PARAMETERS;
			q[n].memref.buffer = p[n].memref.buffer;
			q[n].memref.size = (uint32_t)p[n].memref.size;
		} else if (is_value(t)) {
			q[n].value.a = p[n].value.a;
			q[n].value.b = p[n].value.b;
		}
	}
	return TEE_SUCCESS;
}

static void params_from_gp11(uint32_t pt, const __GP11_TEE_Param *q,
			     TEE_Param *p)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint32_t t = TEE_PARAM_TYPE_GET(pt, n);

		if (t == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
		    t == TEE_PARAM_TYPE_MEMREF_INOUT) {
			p[n].memref.size = q[n].memref.size;
		} else if (t == TEE_PARAM_TYPE_VALUE_OUTPUT ||
			   t == TEE_PARAM_TYPE_VALUE_INOUT) {
			p[n].value.a = q[n].value.a;
			p[n].value.b = q[n].value.b;
		}
	}
}

static void params_from_gp11_in(uint32_t pt, const __GP11_TEE_Param *q,
				TEE_Param *p)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint32_t t = TEE_PARAM_TYPE_GET(pt, n);

		p[n].memref.buffer = NULL;
		p[n].memref.size = 0;
		if (is_memref(t)) {
			p[n].memref.buffer = q[n].memref.buffer;
			p[n].memref.size = q[n].memref.size;
		} else if (is_value(t)) {
			p[n].value.a = q[n].value.a;
			p[n].value.b = q[n].value.b;
		}
	}
}

static void params_to_gp11_out(uint32_t pt, const TEE_Param *p,
			       __GP11_TEE_Param *q)
{
	size_t n = 0;

	for (n = 0; n < TEE_NUM_PARAMS; n++) {
		uint32_t t = TEE_PARAM_TYPE_GET(pt, n);

		if (t == TEE_PARAM_TYPE_MEMREF_OUTPUT ||
		    t == TEE_PARAM_TYPE_MEMREF_INOUT) {
			q[n].memref.size = len32(p[n].memref.size);
		} else if (t == TEE_PARAM_TYPE_VALUE_OUTPUT ||
			   t == TEE_PARAM_TYPE_VALUE_INOUT) {
			q[n].value.a = p[n].value.a;
			q[n].value.b = p[n].value.b;
		}
	}
}

/*
 * Entry points
 */
TEE_Result TA_OpenSessionEntryPoint(uint32_t paramTypes,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	__GP11_TEE_Param p11[TEE_NUM_PARAMS];
	TEE_Result res = params_to_gp11(paramTypes, params, p11);

	if (res != TEE_SUCCESS)
		return res;
	res = __GP11_TA_OpenSessionEntryPoint(paramTypes, p11, sess_ctx);
	params_from_gp11(paramTypes, p11, params);
	return res;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t paramTypes,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	__GP11_TEE_Param p11[TEE_NUM_PARAMS];
	TEE_Result res = params_to_gp11(paramTypes, params, p11);

	if (res != TEE_SUCCESS)
		return res;
	res = __GP11_TA_InvokeCommandEntryPoint(sess_ctx, cmd_id, paramTypes,
						p11);
	params_from_gp11(paramTypes, p11, params);
	return res;
}

/*
 * Properties
 */
TEE_Result __GP11_TEE_GetPropertyAsString(TEE_PropSetHandle propsetOrEnumerator,
					  const char *name, char *valueBuffer,
					  uint32_t *valueBufferLen)
{
	size_t l = *valueBufferLen;
	TEE_Result res = TEE_GetPropertyAsString(propsetOrEnumerator, name,
						 valueBuffer, &l);

	*valueBufferLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_GetPropertyAsBinaryBlock(TEE_PropSetHandle
					       propsetOrEnumerator,
					       const char *name,
					       void *valueBuffer,
					       uint32_t *valueBufferLen)
{
	size_t l = *valueBufferLen;
	TEE_Result res = TEE_GetPropertyAsBinaryBlock(propsetOrEnumerator,
						      name, valueBuffer, &l);

	*valueBufferLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_GetPropertyName(TEE_PropSetHandle enumerator,
				      void *nameBuffer,
				      uint32_t *nameBufferLen)
{
	size_t l = *nameBufferLen;
	TEE_Result res = TEE_GetPropertyName(enumerator, nameBuffer, &l);

	*nameBufferLen = len32(l);
	return res;
}

/*
 * TA-to-TA
 */
TEE_Result __GP11_TEE_OpenTASession(const TEE_UUID *destination,
				    uint32_t cancellationRequestTimeout,
				    uint32_t paramTypes,
				    __GP11_TEE_Param params[TEE_NUM_PARAMS],
				    TEE_TASessionHandle *session,
				    uint32_t *returnOrigin)
{
	TEE_Param p[TEE_NUM_PARAMS];
	TEE_Result res = TEE_SUCCESS;

	params_from_gp11_in(paramTypes, params, p);
	res = TEE_OpenTASession(destination, cancellationRequestTimeout,
				paramTypes, p, session, returnOrigin);
	params_to_gp11_out(paramTypes, p, params);
	return res;
}

TEE_Result __GP11_TEE_InvokeTACommand(TEE_TASessionHandle session,
				      uint32_t cancellationRequestTimeout,
				      uint32_t commandID, uint32_t paramTypes,
				      __GP11_TEE_Param params[TEE_NUM_PARAMS],
				      uint32_t *returnOrigin)
{
	TEE_Param p[TEE_NUM_PARAMS];
	TEE_Result res = TEE_SUCCESS;

	params_from_gp11_in(paramTypes, params, p);
	res = TEE_InvokeTACommand(session, cancellationRequestTimeout,
				  commandID, paramTypes, p, returnOrigin);
	params_to_gp11_out(paramTypes, p, params);
	return res;
}

/*
 * Memory
 */
TEE_Result __GP11_TEE_CheckMemoryAccessRights(uint32_t accessFlags,
					      void *buffer, uint32_t size)
{
	return TEE_CheckMemoryAccessRights(accessFlags, buffer, size);
}

void *__GP11_TEE_Malloc(uint32_t size, uint32_t hint)
{
	return TEE_Malloc(size, hint);
}

void *__GP11_TEE_Realloc(void *buffer, uint32_t newSize)
{
	return TEE_Realloc(buffer, newSize);
}

/*
 * Objects
 */
static void info_to_gp11(const TEE_ObjectInfo *i, __GP11_TEE_ObjectInfo *o)
{
	o->objectType = i->objectType;
	o->objectSize = i->objectSize;
	o->maxObjectSize = i->maxObjectSize;
	o->objectUsage = i->objectUsage;
	o->dataSize = len32(i->dataSize);
	o->dataPosition = len32(i->dataPosition);
	o->handleFlags = i->handleFlags;
}

void __GP11_TEE_GetObjectInfo(TEE_ObjectHandle object,
			      __GP11_TEE_ObjectInfo *objectInfo)
{
	TEE_ObjectInfo i = { 0 };

	TEE_GetObjectInfo(object, &i);
	info_to_gp11(&i, objectInfo);
}

TEE_Result __GP11_TEE_GetObjectInfo1(TEE_ObjectHandle object,
				     __GP11_TEE_ObjectInfo *objectInfo)
{
	TEE_ObjectInfo i = { 0 };
	TEE_Result res = TEE_GetObjectInfo1(object, &i);

	info_to_gp11(&i, objectInfo);
	return res;
}

TEE_Result __GP11_TEE_GetObjectBufferAttribute(TEE_ObjectHandle object,
					       uint32_t attributeID,
					       void *buffer, uint32_t *size)
{
	size_t l = *size;
	TEE_Result res = TEE_GetObjectBufferAttribute(object, attributeID,
						      buffer, &l);

	*size = len32(l);
	return res;
}

/*
 * Attribute arrays: converted into a stack array for the usual small
 * counts, into TEE_Malloc'ed memory beyond that.
 */
#define ATTRS_ON_STACK	8

struct attrs13 {
	TEE_Attribute stack[ATTRS_ON_STACK];
	TEE_Attribute *a;
};

static TEE_Result attrs_from_gp11(struct attrs13 *c,
				  const __GP11_TEE_Attribute *in, uint32_t n)
{
	uint32_t i = 0;

	c->a = c->stack;
	if (n > ATTRS_ON_STACK) {
		c->a = TEE_Malloc((size_t)n * sizeof(TEE_Attribute),
				  TEE_MALLOC_FILL_ZERO);
		if (!c->a)
			return TEE_ERROR_OUT_OF_MEMORY;
	}
	for (i = 0; i < n; i++) {
		c->a[i].attributeID = in[i].attributeID;
		if (in[i].attributeID & TEE_ATTR_FLAG_VALUE) {
			c->a[i].content.value.a = in[i].content.value.a;
			c->a[i].content.value.b = in[i].content.value.b;
		} else {
			c->a[i].content.ref.buffer = in[i].content.ref.buffer;
			c->a[i].content.ref.length = in[i].content.ref.length;
		}
	}
	return TEE_SUCCESS;
}

static void attrs_free(struct attrs13 *c)
{
	if (c->a != c->stack)
		TEE_Free(c->a);
	c->a = NULL;
}

TEE_Result __GP11_TEE_PopulateTransientObject(TEE_ObjectHandle object,
					      const __GP11_TEE_Attribute *attrs,
					      uint32_t attrCount)
{
	struct attrs13 c;
	TEE_Result res = attrs_from_gp11(&c, attrs, attrCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_PopulateTransientObject(object, c.a, attrCount);
	attrs_free(&c);
	return res;
}

void __GP11_TEE_InitRefAttribute(__GP11_TEE_Attribute *attr,
				 uint32_t attributeID, const void *buffer,
				 uint32_t length)
{
	/* Same checks as the GP 1.3 function: it panics on a value id. */
	TEE_Attribute a;

	TEE_InitRefAttribute(&a, attributeID, buffer, length);
	attr->attributeID = a.attributeID;
	attr->content.ref.buffer = a.content.ref.buffer;
	attr->content.ref.length = len32(a.content.ref.length);
}

void __GP11_TEE_InitValueAttribute(__GP11_TEE_Attribute *attr,
				   uint32_t attributeID, uint32_t a,
				   uint32_t b)
{
	TEE_Attribute v;

	TEE_InitValueAttribute(&v, attributeID, a, b);
	attr->attributeID = v.attributeID;
	attr->content.value.a = v.content.value.a;
	attr->content.value.b = v.content.value.b;
}

TEE_Result __GP11_TEE_GenerateKey(TEE_ObjectHandle object, uint32_t keySize,
				  const __GP11_TEE_Attribute *params,
				  uint32_t paramCount)
{
	struct attrs13 c;
	TEE_Result res = attrs_from_gp11(&c, params, paramCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_GenerateKey(object, keySize, c.a, paramCount);
	attrs_free(&c);
	return res;
}

TEE_Result __GP11_TEE_GetNextPersistentObject(TEE_ObjectEnumHandle
					      objectEnumerator,
					      __GP11_TEE_ObjectInfo *objectInfo,
					      void *objectID,
					      uint32_t *objectIDLen)
{
	TEE_ObjectInfo i = { 0 };
	size_t l = *objectIDLen;
	TEE_Result res = TEE_GetNextPersistentObject(objectEnumerator,
						     objectInfo ? &i : NULL,
						     objectID, &l);

	if (objectInfo)
		info_to_gp11(&i, objectInfo);
	*objectIDLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_ReadObjectData(TEE_ObjectHandle object, void *buffer,
				     uint32_t size, uint32_t *count)
{
	size_t c = 0;
	TEE_Result res = TEE_ReadObjectData(object, buffer, size, &c);

	*count = len32(c);
	return res;
}

/*
 * Cryptographic operations
 */
TEE_Result __GP11_TEE_GetOperationInfoMultiple(TEE_OperationHandle operation,
				TEE_OperationInfoMultiple *operationInfoMultiple,
				uint32_t *operationSize)
{
	size_t l = *operationSize;
	TEE_Result res = TEE_GetOperationInfoMultiple(operation,
						      operationInfoMultiple,
						      &l);

	*operationSize = len32(l);
	return res;
}

TEE_Result __GP11_TEE_DigestDoFinal(TEE_OperationHandle operation,
				    const void *chunk, uint32_t chunkLen,
				    void *hash, uint32_t *hashLen)
{
	size_t l = *hashLen;
	TEE_Result res = TEE_DigestDoFinal(operation, chunk, chunkLen, hash,
					   &l);

	*hashLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_CipherUpdate(TEE_OperationHandle operation,
				   const void *srcData, uint32_t srcLen,
				   void *destData, uint32_t *destLen)
{
	size_t l = *destLen;
	TEE_Result res = TEE_CipherUpdate(operation, srcData, srcLen,
					  destData, &l);

	*destLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_CipherDoFinal(TEE_OperationHandle operation,
				    const void *srcData, uint32_t srcLen,
				    void *destData, uint32_t *destLen)
{
	size_t l = *destLen;
	TEE_Result res = TEE_CipherDoFinal(operation, srcData, srcLen,
					   destData, &l);

	*destLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_MACComputeFinal(TEE_OperationHandle operation,
				      const void *message, uint32_t messageLen,
				      void *mac, uint32_t *macLen)
{
	size_t l = *macLen;
	TEE_Result res = TEE_MACComputeFinal(operation, message, messageLen,
					     mac, &l);

	*macLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_AEUpdate(TEE_OperationHandle operation,
			       const void *srcData, uint32_t srcLen,
			       void *destData, uint32_t *destLen)
{
	size_t l = *destLen;
	TEE_Result res = TEE_AEUpdate(operation, srcData, srcLen, destData,
				      &l);

	*destLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_AEEncryptFinal(TEE_OperationHandle operation,
				     const void *srcData, uint32_t srcLen,
				     void *destData, uint32_t *destLen,
				     void *tag, uint32_t *tagLen)
{
	size_t dl = *destLen;
	size_t tl = *tagLen;
	TEE_Result res = TEE_AEEncryptFinal(operation, srcData, srcLen,
					    destData, &dl, tag, &tl);

	*destLen = len32(dl);
	*tagLen = len32(tl);
	return res;
}

TEE_Result __GP11_TEE_AEDecryptFinal(TEE_OperationHandle operation,
				     const void *srcData, uint32_t srcLen,
				     void *destData, uint32_t *destLen,
				     void *tag, uint32_t tagLen)
{
	size_t dl = *destLen;
	TEE_Result res = TEE_AEDecryptFinal(operation, srcData, srcLen,
					    destData, &dl, tag, tagLen);

	*destLen = len32(dl);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricEncrypt(TEE_OperationHandle operation,
					const __GP11_TEE_Attribute *params,
					uint32_t paramCount,
					const void *srcData, uint32_t srcLen,
					void *destData, uint32_t *destLen)
{
	struct attrs13 c;
	size_t l = *destLen;
	TEE_Result res = attrs_from_gp11(&c, params, paramCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AsymmetricEncrypt(operation, c.a, paramCount, srcData,
				    srcLen, destData, &l);
	attrs_free(&c);
	*destLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricDecrypt(TEE_OperationHandle operation,
					const __GP11_TEE_Attribute *params,
					uint32_t paramCount,
					const void *srcData, uint32_t srcLen,
					void *destData, uint32_t *destLen)
{
	struct attrs13 c;
	size_t l = *destLen;
	TEE_Result res = attrs_from_gp11(&c, params, paramCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AsymmetricDecrypt(operation, c.a, paramCount, srcData,
				    srcLen, destData, &l);
	attrs_free(&c);
	*destLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricSignDigest(TEE_OperationHandle operation,
					   const __GP11_TEE_Attribute *params,
					   uint32_t paramCount,
					   const void *digest,
					   uint32_t digestLen, void *signature,
					   uint32_t *signatureLen)
{
	struct attrs13 c;
	size_t l = *signatureLen;
	TEE_Result res = attrs_from_gp11(&c, params, paramCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AsymmetricSignDigest(operation, c.a, paramCount, digest,
				       digestLen, signature, &l);
	attrs_free(&c);
	*signatureLen = len32(l);
	return res;
}

TEE_Result __GP11_TEE_AsymmetricVerifyDigest(TEE_OperationHandle operation,
					     const __GP11_TEE_Attribute *params,
					     uint32_t paramCount,
					     const void *digest,
					     uint32_t digestLen,
					     const void *signature,
					     uint32_t signatureLen)
{
	struct attrs13 c;
	TEE_Result res = attrs_from_gp11(&c, params, paramCount);

	if (res != TEE_SUCCESS)
		return res;
	res = TEE_AsymmetricVerifyDigest(operation, c.a, paramCount, digest,
					 digestLen, signature, signatureLen);
	attrs_free(&c);
	return res;
}

void __GP11_TEE_DeriveKey(TEE_OperationHandle operation,
			  const __GP11_TEE_Attribute *params,
			  uint32_t paramCount, TEE_ObjectHandle derivedKey)
{
	struct attrs13 c;

	/* TEE_DeriveKey returns nothing; running out of memory is fatal. */
	if (attrs_from_gp11(&c, params, paramCount) != TEE_SUCCESS)
		TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	TEE_DeriveKey(operation, c.a, paramCount, derivedKey);
	attrs_free(&c);
}

/*
 * Arithmetic
 */
TEE_Result __GP11_TEE_BigIntConvertToOctetString(uint8_t *buffer,
						 uint32_t *bufferLen,
						 const TEE_BigInt *bigInt)
{
	size_t l = *bufferLen;
	TEE_Result res = TEE_BigIntConvertToOctetString(buffer, &l, bigInt);

	*bufferLen = len32(l);
	return res;
}
