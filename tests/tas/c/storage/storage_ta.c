// SPDX-License-Identifier: Apache-2.0
/*
 * Trusted storage test TA: one GP persistent object function per command
 * (include/storage_ta.h), handles kept in a small table.
 */
#include <string.h>
#include <storage_ta.h>
#include <tee_internal_api.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)
#define NHANDLES 64

static TEE_ObjectHandle handles[NHANDLES + 1];

static TEE_ObjectHandle get(uint32_t h)
{
	if (h < 1 || h > NHANDLES || !handles[h])
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	return handles[h];
}

/*
 * The object ID of a command, copied from the client's memref into the
 * TA's own memory: GP 1.3.1 makes an ID in shared memory a panic (cases 5
 * to 7 of PANIC check that). Freed by the caller.
 */
static void *private_id(const TEE_Param *p)
{
	void *id = TEE_Malloc(p->memref.size ? p->memref.size : 1, TEE_MALLOC_NO_FILL);

	if (!id)
		TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	TEE_MemMove(id, p->memref.buffer, p->memref.size);
	return id;
}

static uint32_t put(TEE_ObjectHandle o)
{
	uint32_t i;

	for (i = 1; i <= NHANDLES; i++) {
		if (!handles[i]) {
			handles[i] = o;
			return i;
		}
	}
	TEE_Panic(TEE_ERROR_OUT_OF_MEMORY);
	return 0;
}

static TEE_Result cmd_open(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle o;
	TEE_Result res;
	void *id;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, VALUE_OUTPUT, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	id = private_id(&p[1]);
	res = TEE_OpenPersistentObject(p[0].value.a, id, p[1].memref.size,
				       p[0].value.b, &o);
	TEE_Free(id);
	if (res) {
		if (o != TEE_HANDLE_NULL)
			TEE_Panic(0);
		return res;
	}
	p[2].value.a = put(o);
	return TEE_SUCCESS;
}

static TEE_ObjectHandle make_key(uint32_t kind)
{
	TEE_ObjectHandle k;
	uint32_t type = kind == 1 ? TEE_TYPE_AES : TEE_TYPE_RSA_KEYPAIR;
	uint32_t bits = kind == 1 ? 256 : kind == 4 ? 4096 : 1024;

	if (TEE_AllocateTransientObject(type, bits, &k) ||
	    TEE_GenerateKey(k, bits, NULL, 0))
		TEE_Panic(0);
	return k;
}

static TEE_Result cmd_create(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle o = TEE_HANDLE_NULL, attrs = TEE_HANDLE_NULL;
	TEE_Result res;
	uint32_t kind;
	void *id;

	if (pt != PT(VALUE_INPUT, MEMREF_INPUT, MEMREF_INPUT, VALUE_INOUT))
		return TEE_ERROR_BAD_PARAMETERS;
	kind = p[3].value.a;
	if (kind == 1 || kind == 2 || kind == 4)
		attrs = make_key(kind);
	else if (kind == 3)
		attrs = get(p[3].value.b);
	id = private_id(&p[1]);
	res = TEE_CreatePersistentObject(p[0].value.a, id, p[1].memref.size,
					 p[0].value.b, attrs,
					 p[2].memref.buffer, p[2].memref.size,
					 kind == 3 || p[3].value.b ? &o : NULL);
	TEE_Free(id);
	if (kind == 1 || kind == 2 || kind == 4)
		TEE_FreeTransientObject(attrs);
	p[3].value.a = res || !o ? 0 : put(o);
	return res;
}

static TEE_Result cmd_enum(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectEnumHandle e;
	TEE_ObjectInfo info;
	TEE_ObjectHandle o;
	uint8_t id[TEE_OBJECT_ID_MAX_LEN], *out = p[1].memref.buffer;
	size_t n, at = 0, cap = p[1].memref.size;
	TEE_Result res;
	char name[8] = "new-0";
	uint32_t made = 0;

	if (pt != PT(VALUE_INPUT, MEMREF_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = TEE_AllocatePersistentObjectEnumerator(&e);
	if (res)
		return res;
	res = TEE_StartPersistentObjectEnumerator(e, p[0].value.a);
	while (!res) {
		n = sizeof(id);
		res = TEE_GetNextPersistentObject(e, &info, id, &n);
		if (res)
			break;
		if (!(info.handleFlags & TEE_HANDLE_FLAG_PERSISTENT))
			TEE_Panic(0);
		if (at + 4 + n > cap) {
			res = TEE_ERROR_SHORT_BUFFER;
			break;
		}
		out[at] = n;
		out[at + 1] = out[at + 2] = out[at + 3] = 0;
		memcpy(out + at + 4, id, n);
		at += 4 + n;
		if (p[0].value.b == 1) {
			res = TEE_OpenPersistentObject(p[0].value.a, id, n,
						       TEE_DATA_FLAG_ACCESS_WRITE_META,
						       &o);
			if (!res)
				res = TEE_CloseAndDeletePersistentObject1(o);
		} else if (p[0].value.b == 2 && made < 3) {
			name[4] = '0' + made++;
			res = TEE_CreatePersistentObject(p[0].value.a, name, 5,
							 0, TEE_HANDLE_NULL,
							 NULL, 0, NULL);
		}
	}
	TEE_FreePersistentObjectEnumerator(e);
	p[1].memref.size = at;
	return res == TEE_ERROR_ITEM_NOT_FOUND ? TEE_SUCCESS : res;
}

static TEE_Result cmd_key_use(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle k = get(p[0].value.a);
	TEE_OperationHandle op;
	TEE_ObjectInfo info;
	uint8_t zero[16] = { 0 }, dig[32] = { 1 }, sig[512];
	size_t n = sizeof(sig);
	TEE_Result res;

	if (pt != PT(VALUE_INPUT, MEMREF_OUTPUT, NONE, NONE) ||
	    p[1].memref.size < 16)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_GetObjectInfo1(k, &info);
	if (info.objectType == TEE_TYPE_AES) {
		TEE_AllocateOperation(&op, TEE_ALG_AES_ECB_NOPAD,
				      TEE_MODE_ENCRYPT, info.objectSize);
		TEE_SetOperationKey(op, k);
		TEE_CipherInit(op, NULL, 0);
		n = 16;
		res = TEE_CipherDoFinal(op, zero, 16, p[1].memref.buffer, &n);
		TEE_FreeOperation(op);
		p[1].memref.size = n;
		return res;
	}
	TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
			      TEE_MODE_SIGN, info.objectSize);
	TEE_SetOperationKey(op, k);
	res = TEE_AsymmetricSignDigest(op, NULL, 0, dig, 32, sig, &n);
	TEE_FreeOperation(op);
	if (res)
		return res;
	TEE_AllocateOperation(&op, TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
			      TEE_MODE_VERIFY, info.objectSize);
	TEE_SetOperationKey(op, k);
	res = TEE_AsymmetricVerifyDigest(op, NULL, 0, dig, 32, sig, n);
	TEE_FreeOperation(op);
	memset(p[1].memref.buffer, 0, 4);
	p[1].memref.size = 4;
	return res;
}

static TEE_Result cmd_panic(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle o;
	uint8_t id[65] = { 0 };

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE) &&
	    pt != PT(VALUE_INPUT, MEMREF_INPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (p[0].value.a >= 5 && pt != PT(VALUE_INPUT, MEMREF_INPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "p0", 2,
					   TEE_DATA_FLAG_OVERWRITE,
					   TEE_HANDLE_NULL, NULL, 0, NULL);
		TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, "p0", 2,
					 TEE_DATA_FLAG_ACCESS_READ, &o);
		TEE_WriteObjectData(o, "x", 1);
		break;
	case 1:
		TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "p1", 2,
					   TEE_DATA_FLAG_OVERWRITE |
					   TEE_DATA_FLAG_ACCESS_READ,
					   TEE_HANDLE_NULL, NULL, 0, &o);
		TEE_CloseAndDeletePersistentObject1(o);
		break;
	case 2:
		TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, id, 65,
					 TEE_DATA_FLAG_ACCESS_READ, &o);
		break;
	case 3:
		TEE_ReadObjectData((TEE_ObjectHandle)0x1234, id, 1, NULL);
		break;
	case 4:
		TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "p4", 2,
					   TEE_DATA_FLAG_OVERWRITE,
					   TEE_HANDLE_NULL, NULL, 0, &o);
		TEE_FreeTransientObject(o);
		break;
	case 5:
		TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE, p[1].memref.buffer,
					 p[1].memref.size,
					 TEE_DATA_FLAG_ACCESS_READ, &o);
		break;
	case 6:
		TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, p[1].memref.buffer,
					   p[1].memref.size,
					   TEE_DATA_FLAG_OVERWRITE,
					   TEE_HANDLE_NULL, NULL, 0, NULL);
		break;
	case 7:
		TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, "p7", 2,
					   TEE_DATA_FLAG_OVERWRITE |
					   TEE_DATA_FLAG_ACCESS_WRITE_META,
					   TEE_HANDLE_NULL, NULL, 0, &o);
		TEE_RenamePersistentObject(o, p[1].memref.buffer,
					   p[1].memref.size);
		break;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
	return TEE_SUCCESS;
}

static TEE_Result cmd_big(uint32_t pt, TEE_Param p[4])
{
	TEE_ObjectHandle o;
	TEE_Result res;
	uint8_t *buf, *back;
	size_t chunk = 1 << 20, n;
	uint32_t i, mib = p[0].value.b;

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	buf = TEE_Malloc(chunk, 0);
	back = TEE_Malloc(chunk, 0);
	if (!buf || !back)
		return TEE_ERROR_OUT_OF_MEMORY;
	res = TEE_CreatePersistentObject(p[0].value.a, "big", 3,
					 TEE_DATA_FLAG_ACCESS_READ |
					 TEE_DATA_FLAG_ACCESS_WRITE |
					 TEE_DATA_FLAG_ACCESS_WRITE_META |
					 TEE_DATA_FLAG_OVERWRITE,
					 TEE_HANDLE_NULL, NULL, 0, &o);
	for (i = 0; i < mib && !res; i++) {
		memset(buf, (int)(i * 7 + 1), chunk);
		res = TEE_WriteObjectData(o, buf, chunk);
	}
	if (!res)
		res = TEE_SeekObjectData(o, 0, TEE_DATA_SEEK_SET);
	for (i = 0; i < mib && !res; i++) {
		memset(buf, (int)(i * 7 + 1), chunk);
		n = 0;
		res = TEE_ReadObjectData(o, back, chunk, &n);
		if (!res && (n != chunk || TEE_MemCompare(buf, back, chunk)))
			res = TEE_ERROR_GENERIC;
	}
	if (!res)
		res = TEE_CloseAndDeletePersistentObject1(o);
	TEE_Free(buf);
	TEE_Free(back);
	return res;
}

/* Benchmark workloads (oxtee bench --storage); the client times them. */
static TEE_Result cmd_bench(uint32_t pt, TEE_Param p[4])
{
	static uint8_t buf[1 << 20];
	TEE_ObjectHandle o;
	TEE_Result res = TEE_SUCCESS;
	uint32_t i, n = p[0].value.b, rw = TEE_DATA_FLAG_ACCESS_READ |
		TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_ACCESS_WRITE_META;
	char id[12] = "bench-";
	size_t got;

	if (pt != PT(VALUE_INPUT, NONE, NONE, NONE) &&
	    pt != PT(VALUE_INPUT, MEMREF_INPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (p[0].value.a >= 5 && pt != PT(VALUE_INPUT, MEMREF_INPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0: /* n objects: create, write 1 KiB, close */
		for (i = 0; i < n && !res; i++) {
			id[6] = 'a' + i % 26;
			id[7] = 'a' + i / 26 % 26;
			id[8] = 'a' + i / 676 % 26;
			res = TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE, id, 9,
							 rw | TEE_DATA_FLAG_OVERWRITE,
							 TEE_HANDLE_NULL, NULL, 0,
							 &o);
			if (!res) {
				res = TEE_WriteObjectData(o, buf, 1024);
				TEE_CloseObject(o);
			}
		}
		return res;
	case 1: /* n KiB written in 1 KiB pieces into "chunked" */
	case 2: /* ... and read back */
	case 3: /* n MiB written in 1 MiB pieces into "seq" */
	case 4: /* ... and read back */
		res = p[0].value.a % 2 ?
			TEE_CreatePersistentObject(TEE_STORAGE_PRIVATE,
						   p[0].value.a < 3 ? "chunked" : "seq",
						   p[0].value.a < 3 ? 7 : 3,
						   rw | TEE_DATA_FLAG_OVERWRITE,
						   TEE_HANDLE_NULL, NULL, 0, &o) :
			TEE_OpenPersistentObject(TEE_STORAGE_PRIVATE,
						 p[0].value.a < 3 ? "chunked" : "seq",
						 p[0].value.a < 3 ? 7 : 3, rw, &o);
		for (i = 0; i < n && !res; i++) {
			size_t len = p[0].value.a < 3 ? 1024 : sizeof(buf);

			if (p[0].value.a % 2) {
				res = TEE_WriteObjectData(o, buf, len);
			} else {
				res = TEE_ReadObjectData(o, buf, len, &got);
				if (!res && got != len)
					res = TEE_ERROR_GENERIC;
			}
		}
		if (!res)
			TEE_CloseObject(o);
		return res;
	default:
		return TEE_ERROR_BAD_PARAMETERS;
	}
}

static TEE_Result dispatch(uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	uint32_t info[7];
	TEE_ObjectInfo i;
	TEE_Result res;
	size_t n;
	int64_t off;

	switch (cmd) {
	case TA_STORAGE_CMD_OPEN:
		return cmd_open(pt, p);
	case TA_STORAGE_CMD_CREATE:
		return cmd_create(pt, p);
	case TA_STORAGE_CMD_CLOSE:
		TEE_CloseObject(get(p[0].value.a));
		handles[p[0].value.a] = TEE_HANDLE_NULL;
		return TEE_SUCCESS;
	case TA_STORAGE_CMD_DELETE:
		res = TEE_CloseAndDeletePersistentObject1(get(p[0].value.a));
		handles[p[0].value.a] = TEE_HANDLE_NULL;
		return res;
	case TA_STORAGE_CMD_RENAME: {
		void *id = private_id(&p[1]);

		res = TEE_RenamePersistentObject(get(p[0].value.a), id,
						 p[1].memref.size);
		TEE_Free(id);
		return res;
	}
	case TA_STORAGE_CMD_READ:
		n = 0;
		res = TEE_ReadObjectData(get(p[0].value.a), p[1].memref.buffer,
					 p[1].memref.size, &n);
		p[1].memref.size = n;
		if (res == TEE_ERROR_CORRUPT_OBJECT)
			handles[p[0].value.a] = TEE_HANDLE_NULL;
		return res;
	case TA_STORAGE_CMD_WRITE:
		res = TEE_WriteObjectData(get(p[0].value.a), p[1].memref.buffer,
					  p[1].memref.size);
		if (res == TEE_ERROR_CORRUPT_OBJECT)
			handles[p[0].value.a] = TEE_HANDLE_NULL;
		return res;
	case TA_STORAGE_CMD_TRUNCATE:
		return TEE_TruncateObjectData(get(p[0].value.a), p[0].value.b);
	case TA_STORAGE_CMD_SEEK:
		off = (int64_t)((uint64_t)p[1].value.b << 32 | p[1].value.a);
		res = TEE_SeekObjectData(get(p[0].value.a), off, p[0].value.b);
		TEE_GetObjectInfo1(get(p[0].value.a), &i);
		p[2].value.a = i.dataPosition;
		return res;
	case TA_STORAGE_CMD_INFO:
		if (p[1].memref.size < sizeof(info))
			return TEE_ERROR_SHORT_BUFFER;
		res = TEE_GetObjectInfo1(get(p[0].value.a), &i);
		info[0] = i.objectType;
		info[1] = i.objectSize;
		info[2] = i.maxObjectSize;
		info[3] = i.objectUsage;
		info[4] = i.dataSize;
		info[5] = i.dataPosition;
		info[6] = i.handleFlags;
		memcpy(p[1].memref.buffer, info, sizeof(info));
		p[1].memref.size = sizeof(info);
		return res;
	case TA_STORAGE_CMD_ENUM:
		return cmd_enum(pt, p);
	case TA_STORAGE_CMD_KEY_USE:
		return cmd_key_use(pt, p);
	case TA_STORAGE_CMD_PANIC:
		return cmd_panic(pt, p);
	case TA_STORAGE_CMD_RESTRICT:
		return TEE_RestrictObjectUsage1(get(p[0].value.a), p[0].value.b);
	case TA_STORAGE_CMD_BIG:
		return cmd_big(pt, p);
	case TA_STORAGE_CMD_BENCH:
		return cmd_bench(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
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
	return dispatch(cmd, pt, p);
}
