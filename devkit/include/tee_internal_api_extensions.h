/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's extensions to the Internal Core API, as far as
 * they make sense for a TA running as a host process. All of them are
 * inline here, so they need nothing from the runtime.
 */
#ifndef TEE_INTERNAL_API_EXTENSIONS_H
#define TEE_INTERNAL_API_EXTENSIONS_H

#include <stddef.h>
#include <stdint.h>
#include <tee_api.h>
#include <tee_api_defines_extensions.h>
#include <tee_api_types.h>
#include <pta_system.h>

/* Heap statistics hooks (no-ops: the TA heap is the host allocator's). */
static inline void tee_user_mem_mark_heap(void)
{
}

static inline size_t tee_user_mem_check_heap(void)
{
	return 0;
}

/*
 * Cache maintenance on a buffer. Host memory is cache coherent, so there
 * is nothing to do.
 */
static inline TEE_Result TEE_CacheClean(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return TEE_SUCCESS;
}

static inline TEE_Result TEE_CacheFlush(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return TEE_SUCCESS;
}

static inline TEE_Result TEE_CacheInvalidate(char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return TEE_SUCCESS;
}

static inline int __tee_hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parse "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into @uuid.
 * Returns TEE_ERROR_BAD_FORMAT if @s is not such a string.
 */
static inline TEE_Result tee_uuid_from_str(TEE_UUID *uuid, const char *s)
{
	uint8_t b[16] = { 0 };
	size_t n = 0;
	size_t i = 0;

	if (!uuid || !s)
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 0; i < 36; i++) {
		int hi = 0;
		int lo = 0;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return TEE_ERROR_BAD_FORMAT;
			continue;
		}
		hi = __tee_hex_nibble(s[i]);
		lo = hi < 0 ? -1 : __tee_hex_nibble(s[i + 1]);
		if (hi < 0 || lo < 0)
			return TEE_ERROR_BAD_FORMAT;
		b[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	if (s[36] != '\0')
		return TEE_ERROR_BAD_FORMAT;
	uuid->timeLow = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
			(uint32_t)b[2] << 8 | b[3];
	uuid->timeMid = (uint16_t)(b[4] << 8 | b[5]);
	uuid->timeHiAndVersion = (uint16_t)(b[6] << 8 | b[7]);
	for (i = 0; i < 8; i++)
		uuid->clockSeqAndNode[i] = b[8 + i];
	return TEE_SUCCESS;
}

/*
 * OP-TEE's tee_invoke_supp_plugin(): call supplicant plugin `uuid` (a
 * shared object the normal-world supplicant loaded) with `cmd` and
 * `sub_cmd` on `buf`, `len` bytes in and out; *outlen gets the length of
 * its output. Through the system PTA, as on OP-TEE:
 * TEE_ERROR_ITEM_NOT_FOUND when no plugin has that UUID, else the
 * plugin's own result.
 */
static inline TEE_Result tee_invoke_supp_plugin(const TEE_UUID *uuid,
						uint32_t cmd, uint32_t sub_cmd,
						void *buf, size_t len,
						size_t *outlen)
{
	const TEE_UUID sys = PTA_SYSTEM_UUID;
	TEE_TASessionHandle s = TEE_HANDLE_NULL;
	TEE_Param p[TEE_NUM_PARAMS] = { 0 };
	uint32_t origin = 0;
	TEE_Result res;

	if (!uuid || (!buf && len))
		return TEE_ERROR_BAD_PARAMETERS;
	res = TEE_OpenTASession(&sys, TEE_TIMEOUT_INFINITE, 0, NULL, &s,
				&origin);
	if (res)
		return res;
	p[0].memref.buffer = (void *)uuid;
	p[0].memref.size = sizeof(*uuid);
	p[1].value.a = cmd;
	p[1].value.b = sub_cmd;
	p[2].memref.buffer = buf;
	p[2].memref.size = len;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE,
				  PTA_SYSTEM_SUPP_PLUGIN_INVOKE,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INOUT,
						  TEE_PARAM_TYPE_VALUE_OUTPUT),
				  p, &origin);
	TEE_CloseTASession(s);
	if (!res && outlen)
		*outlen = p[3].value.a;
	return res;
}

#endif /* TEE_INTERNAL_API_EXTENSIONS_H */
