// SPDX-License-Identifier: Apache-2.0
/*
 * TA-to-TA call test TA: calls the hello, params and misbehave test TAs,
 * and itself, from its entry points (see ../README.md for the commands).
 */
#include <string.h>
#include <tee_internal_api.h>
#include <user_ta_header_defines.h> /* TA_UUID, PEER_UUID */

static const TEE_UUID hello = { 0x8aaaf200, 0x2450, 0x11e4, { 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b } };
static const TEE_UUID params_ta = { 0x69de423a, 0xd673, 0x49d1, { 0xa5, 0xac, 0x22, 0xb9, 0xda, 0xe8, 0x97, 0x76 } };
static const TEE_UUID misbehave = { 0x40dc6fa0, 0xb27f, 0x4171, { 0x8f, 0xca, 0x84, 0xf5, 0x66, 0x76, 0x7c, 0xb5 } };
static const TEE_UUID internal_ta = { 0x35bce8ee, 0xe6ba, 0x4655, { 0xb2, 0xae, 0x9a, 0x5d, 0xca, 0x61, 0x9c, 0xed } };
static const TEE_UUID self = TA_UUID;
static const TEE_UUID peer = PEER_UUID;

/* A session opened by TA_CreateEntryPoint, closed by TA_DestroyEntryPoint. */
static TEE_TASessionHandle from_create;

TEE_Result TA_CreateEntryPoint(void)
{
	uint32_t origin;

	return TEE_OpenTASession(&hello, TEE_TIMEOUT_INFINITE, 0, NULL, &from_create, &origin);
}

void TA_DestroyEntryPoint(void)
{
	TEE_CloseTASession(from_create);
}

static TEE_Result inc_via(TEE_TASessionHandle s, uint32_t *v);

/* With p0 VALUE_INOUT, open-session increments a through the hello TA. */
TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param params[4], void **ctx)
{
	(void)ctx;
	if (TEE_PARAM_TYPE_GET(pt, 0) == TEE_PARAM_TYPE_VALUE_INOUT)
		return inc_via(from_create, &params[0].value.a);
	return TEE_SUCCESS;
}

/* Close-session calls the hello TA too, and panics if that fails. */
void TA_CloseSessionEntryPoint(void *ctx)
{
	uint32_t v = 1;

	(void)ctx;
	if (inc_via(from_create, &v) != TEE_SUCCESS || v != 2)
		TEE_Panic(0xC105E);
}

static TEE_Result inc_via(TEE_TASessionHandle s, uint32_t *v)
{
	TEE_Param p[4];
	uint32_t origin;
	TEE_Result res;

	memset(p, 0, sizeof(p));
	p[0].value.a = *v;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 0,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
				  p, &origin);
	*v = p[0].value.a;
	return res;
}

/* 0: p0 VALUE_INOUT: increment a through a new session to the hello TA. */
static TEE_Result cmd_hello(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	uint32_t origin;
	TEE_Result res = TEE_OpenTASession(&hello, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);

	if (res)
		return res;
	res = inc_via(s, &p[0].value.a);
	TEE_CloseTASession(s);
	return res;
}

/*
 * 1: p0 MEMREF_INOUT (the client's buffer): the params TA adds one to
 * each byte of it, then of a heap buffer; then a short-buffer call.
 * p1 VALUE_OUTPUT: a = 0 when every check held, else the failed check.
 */
static TEE_Result cmd_memrefs(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	TEE_Param q[4];
	uint32_t origin, i;
	uint8_t *heap = TEE_Malloc(64, TEE_MALLOC_FILL_ZERO);
	uint8_t small[10];
	TEE_Result res;

	p[1].value.a = 0;
	if (!heap)
		return TEE_ERROR_OUT_OF_MEMORY;
	res = TEE_OpenTASession(&params_ta, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);
	if (res)
		return res;
	memset(q, 0, sizeof(q));
	q[0].memref.buffer = p[0].memref.buffer;
	q[0].memref.size = p[0].memref.size;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 0,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), q, &origin);
	if (res)
		p[1].value.a = 1;
	memset(heap, 1, 64);
	q[0].memref.buffer = heap;
	q[0].memref.size = 64;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 0,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INOUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), q, &origin);
	for (i = 0; i < 64 && !p[1].value.a; i++)
		if (res || heap[i] != 2)
			p[1].value.a = 2;
	q[0].memref.buffer = small;
	q[0].memref.size = sizeof(small);
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 1,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT, TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), q, &origin);
	if (!p[1].value.a && (res != TEE_ERROR_SHORT_BUFFER || q[0].memref.size != 100 ||
			       origin != TEE_ORIGIN_TRUSTED_APP))
		p[1].value.a = 3;
	TEE_CloseTASession(s);
	TEE_Free(heap);
	return TEE_SUCCESS;
}

/* 2: p0 VALUE_OUTPUT login, p1 MEMREF_OUTPUT 16 bytes: the identity the
 * params TA sees for this TA. */
static TEE_Result cmd_identity(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	TEE_Param q[4];
	uint32_t origin;
	TEE_Result res = TEE_OpenTASession(&params_ta, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);

	if (res)
		return res;
	memset(q, 0, sizeof(q));
	q[1].memref.buffer = p[1].memref.buffer;
	q[1].memref.size = p[1].memref.size;
	res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 3,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_MEMREF_OUTPUT,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE), q, &origin);
	p[0].value.a = q[0].value.a;
	p[1].memref.size = q[1].memref.size;
	TEE_CloseTASession(s);
	return res;
}

/* 3, 6, 7: call misbehave command p0.b with timeout p0.a (0 = infinite);
 * p0 becomes (result, origin). */
static TEE_Result cmd_misbehave(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	uint32_t origin = 0, timeout = p[0].value.a ? p[0].value.a : TEE_TIMEOUT_INFINITE;
	TEE_Result res = TEE_OpenTASession(&misbehave, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);

	if (res)
		return res;
	res = TEE_InvokeTACommand(s, timeout, p[0].value.b, 0, NULL, &origin);
	p[0].value.a = res;
	p[0].value.b = origin;
	TEE_CloseTASession(s);
	return TEE_SUCCESS;
}

/* 4: open a session to this very TA: a cycle, refused. p0 VALUE_OUTPUT
 * (result, origin). */
static TEE_Result cmd_cycle(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	uint32_t origin = 0;
	TEE_Result res = TEE_OpenTASession(&self, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);

	p[0].value.a = res;
	p[0].value.b = origin;
	if (!res)
		TEE_CloseTASession(s);
	return TEE_SUCCESS;
}

/*
 * 8: p0 VALUE_INOUT: wait p0.a ms inside this entry point, then call the
 * peer TA's command 5; p0 becomes (result, origin). Two clients doing this
 * on the two peers at once would deadlock without cycle detection.
 */
static TEE_Result cmd_call_peer(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	TEE_Param q[4];
	uint32_t origin = 0;
	TEE_Result res;

	TEE_Wait(p[0].value.a);
	res = TEE_OpenTASession(&peer, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);
	if (!res) {
		memset(q, 0, sizeof(q));
		res = TEE_InvokeTACommand(s, TEE_TIMEOUT_INFINITE, 5,
					  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
							  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
					  q, &origin);
		TEE_CloseTASession(s);
	}
	p[0].value.a = res;
	p[0].value.b = origin;
	return TEE_SUCCESS;
}

/*
 * 9: p0 VALUE_INOUT: the internal test TA waits forever with cancellation
 * unmasked, called with the timeout p0.a ms (0: none); p0 becomes its
 * (result, origin). The timeout, or the client's cancellation of this
 * call, is what ends the wait.
 */
static TEE_Result cmd_wait_in_callee(TEE_Param p[4])
{
	TEE_TASessionHandle s;
	TEE_Param q[4];
	uint32_t origin = 0, timeout = p[0].value.a ? p[0].value.a : TEE_TIMEOUT_INFINITE;
	TEE_Result res = TEE_OpenTASession(&internal_ta, TEE_TIMEOUT_INFINITE, 0, NULL, &s, &origin);

	if (res)
		return res;
	memset(q, 0, sizeof(q));
	q[0].value.a = TEE_TIMEOUT_INFINITE;
	q[0].value.b = 1; /* unmask cancellation */
	res = TEE_InvokeTACommand(s, timeout, 5 /* its wait command */,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT, TEE_PARAM_TYPE_VALUE_OUTPUT,
						  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE),
				  q, &origin);
	p[0].value.a = res;
	p[0].value.b = origin;
	TEE_CloseTASession(s);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	(void)ctx;
	(void)pt;
	switch (cmd) {
	case 0:
		return cmd_hello(p);
	case 1:
		return cmd_memrefs(p);
	case 2:
		return cmd_identity(p);
	case 3:
		return cmd_misbehave(p);
	case 4:
		return cmd_cycle(p);
	case 5:
		return inc_via(from_create, &p[0].value.a);
	case 8:
		return cmd_call_peer(p);
	case 9:
		return cmd_wait_in_callee(p);
	case 6: /* TEE_GetTAPersistentTime: p0 VALUE_OUTPUT (seconds, millis) */
		return TEE_GetTAPersistentTime((TEE_Time *)&p[0].value);
	case 7: /* TEE_SetTAPersistentTime: p0 VALUE_INPUT (seconds, millis) */
		return TEE_SetTAPersistentTime((const TEE_Time *)&p[0].value);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
