// SPDX-License-Identifier: Apache-2.0
/*
 * Property API test TA: reads any property of the three sets as a string
 * or typed, enumerates sets, and panics on request the ways GP says.
 */
#include <string.h>
#include <props_ta.h>
#include <tee_internal_api.h>

static TEE_PropSetHandle set_of(uint32_t a)
{
	switch (a) {
	case 0:
		return TEE_PROPSET_CURRENT_TA;
	case 1:
		return TEE_PROPSET_CURRENT_CLIENT;
	default:
		return TEE_PROPSET_TEE_IMPLEMENTATION;
	}
}

/* Copy the name memref into a NUL-terminated buffer. */
static TEE_Result name_of(TEE_Param *p, char *out, size_t cap)
{
	if (p->memref.size >= cap)
		return TEE_ERROR_BAD_PARAMETERS;
	TEE_MemMove(out, p->memref.buffer, p->memref.size);
	out[p->memref.size] = '\0';
	return TEE_SUCCESS;
}

static void put_uuid(uint8_t *o, const TEE_UUID *u)
{
	o[0] = u->timeLow >> 24; o[1] = u->timeLow >> 16; o[2] = u->timeLow >> 8; o[3] = u->timeLow;
	o[4] = u->timeMid >> 8; o[5] = u->timeMid;
	o[6] = u->timeHiAndVersion >> 8; o[7] = u->timeHiAndVersion;
	memcpy(o + 8, u->clockSeqAndNode, 8);
}

static TEE_Result get_string(uint32_t pt, TEE_Param p[4])
{
	char name[128];
	size_t len;
	TEE_Result res;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = name_of(&p[1], name, sizeof(name));
	if (res)
		return res;
	len = p[2].memref.size;
	res = TEE_GetPropertyAsString(set_of(p[0].value.a), name, p[2].memref.buffer, &len);
	p[2].memref.size = len;
	return res;
}

static TEE_Result get_typed(uint32_t pt, TEE_Param p[4])
{
	char name[128];
	uint8_t *o = p[2].memref.buffer;
	TEE_PropSetHandle set;
	TEE_Result res;
	bool b;
	uint32_t u32;
	uint64_t u64;
	TEE_UUID uuid;
	TEE_Identity id;
	size_t len;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_MEMREF_INPUT,
				  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = name_of(&p[1], name, sizeof(name));
	if (res)
		return res;
	if (p[2].memref.size < 20)
		return TEE_ERROR_BAD_PARAMETERS;
	set = set_of(p[0].value.a);
	switch (p[0].value.b) {
	case 0:
		res = TEE_GetPropertyAsBool(set, name, &b);
		o[0] = b;
		p[2].memref.size = 1;
		break;
	case 1:
		res = TEE_GetPropertyAsU32(set, name, &u32);
		memcpy(o, &u32, 4);
		p[2].memref.size = 4;
		break;
	case 2:
		res = TEE_GetPropertyAsU64(set, name, &u64);
		memcpy(o, &u64, 8);
		p[2].memref.size = 8;
		break;
	case 3:
		res = TEE_GetPropertyAsUUID(set, name, &uuid);
		put_uuid(o, &uuid);
		p[2].memref.size = 16;
		break;
	case 4:
		res = TEE_GetPropertyAsIdentity(set, name, &id);
		memcpy(o, &id.login, 4);
		put_uuid(o + 4, &id.uuid);
		p[2].memref.size = 20;
		break;
	default:
		len = p[2].memref.size;
		res = TEE_GetPropertyAsBinaryBlock(set, name, o, &len);
		p[2].memref.size = len;
		break;
	}
	return res;
}

static TEE_Result enumerate(uint32_t pt, TEE_Param p[4])
{
	TEE_PropSetHandle e;
	char *out = p[2].memref.buffer;
	size_t cap = p[2].memref.size, used = 0;
	TEE_Result res;

	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	res = TEE_AllocatePropertyEnumerator(&e);
	if (res)
		return res;
	TEE_StartPropertyEnumerator(e, set_of(p[0].value.a));
	do {
		char name[128], text[256];
		size_t nlen = sizeof(name), tlen = sizeof(text);

		res = TEE_GetPropertyName(e, name, &nlen);
		if (res)
			break;
		/* With an enumerator the name argument is ignored. */
		res = TEE_GetPropertyAsString(e, "ignored", text, &tlen);
		if (res)
			break;
		if (used + nlen + tlen + 1 > cap) {
			res = TEE_ERROR_SHORT_BUFFER;
			break;
		}
		memcpy(out + used, name, nlen - 1);
		used += nlen - 1;
		out[used++] = '=';
		memcpy(out + used, text, tlen - 1);
		used += tlen - 1;
		out[used++] = '\n';
	} while (TEE_GetNextProperty(e) == TEE_SUCCESS);
	TEE_FreePropertyEnumerator(e);
	if (res && res != TEE_ERROR_ITEM_NOT_FOUND)
		return res;
	p[2].memref.size = used;
	return TEE_SUCCESS;
}

static TEE_Result enum_rules(void)
{
	TEE_PropSetHandle e;
	char name[8];
	size_t len = 0;
	uint32_t v;

	if (TEE_AllocatePropertyEnumerator(&e))
		return 1;
	/* Not started: no current property, no next one. */
	if (TEE_GetPropertyName(e, name, &len) != TEE_ERROR_ITEM_NOT_FOUND)
		return 2;
	if (TEE_GetNextProperty(e) != TEE_ERROR_ITEM_NOT_FOUND)
		return 3;
	TEE_StartPropertyEnumerator(e, TEE_PROPSET_CURRENT_CLIENT);
	/* Short buffer: the needed size includes the terminator. */
	len = 4;
	if (TEE_GetPropertyName(e, name, &len) != TEE_ERROR_SHORT_BUFFER ||
	    len != sizeof("gpd.client.identity"))
		return 4;
	/* Wrong type through the enumerator. */
	if (TEE_GetPropertyAsU32(e, NULL, &v) != TEE_ERROR_BAD_FORMAT)
		return 5;
	if (TEE_GetNextProperty(e) != TEE_SUCCESS)
		return 6;
	if (TEE_GetPropertyAsU32(e, NULL, &v) != TEE_SUCCESS || v != 0)
		return 7;
	/* Past the end. */
	if (TEE_GetNextProperty(e) != TEE_ERROR_ITEM_NOT_FOUND)
		return 8;
	if (TEE_GetPropertyAsU32(e, NULL, &v) != TEE_ERROR_ITEM_NOT_FOUND)
		return 9;
	/* Reset: back to not started. */
	TEE_ResetPropertyEnumerator(e);
	len = sizeof(name);
	if (TEE_GetPropertyName(e, name, &len) != TEE_ERROR_ITEM_NOT_FOUND)
		return 10;
	TEE_FreePropertyEnumerator(e);
	TEE_FreePropertyEnumerator(TEE_HANDLE_NULL);
	return TEE_SUCCESS;
}

static TEE_Result panic_case(uint32_t pt, TEE_Param p[4])
{
	TEE_PropSetHandle e;
	uint32_t v;

	if (TEE_PARAM_TYPE_GET(pt, 0) != TEE_PARAM_TYPE_VALUE_INPUT)
		return TEE_ERROR_BAD_PARAMETERS;
	switch (p[0].value.a) {
	case 0:
		return TEE_GetPropertyAsU32((TEE_PropSetHandle)0x1234, "x", &v);
	case 1:
		return TEE_GetPropertyAsU32(TEE_PROPSET_CURRENT_TA, NULL, &v);
	default:
		if (TEE_AllocatePropertyEnumerator(&e))
			return TEE_ERROR_GENERIC;
		TEE_FreePropertyEnumerator(e);
		return TEE_GetNextProperty(e);
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
	switch (cmd) {
	case TA_PROPS_CMD_GET_STRING:
		return get_string(pt, p);
	case TA_PROPS_CMD_GET_TYPED:
		return get_typed(pt, p);
	case TA_PROPS_CMD_ENUMERATE:
		return enumerate(pt, p);
	case TA_PROPS_CMD_PANIC:
		return panic_case(pt, p);
	case TA_PROPS_CMD_ENUM_RULES:
		return enum_rules();
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
