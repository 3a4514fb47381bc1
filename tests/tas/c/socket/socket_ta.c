// SPDX-License-Identifier: Apache-2.0
/*
 * GP TEE Sockets test TA: TEE_tcpSocket and TEE_udpSocket as an OP-TEE
 * TA uses them, one command per operation on up to eight sockets
 * ("slots") of the instance.
 *
 * 0 OPEN    VALUE_INPUT (a: TEE_ISOCKET_PROTOCOLID_*, b: port),
 *           MEMREF_INPUT server (NUL-terminated), VALUE_INPUT (a:
 *           ipVersion), VALUE_OUTPUT (a: slot, b: protocolError)
 * 1 SEND    VALUE_INPUT (a: slot, b: timeout), MEMREF_INPUT data,
 *           VALUE_OUTPUT (a: bytes sent, b: error())
 * 2 RECV    VALUE_INPUT (a: slot, b: timeout), MEMREF_OUTPUT (its size:
 *           the bytes received)
 * 3 CLOSE   VALUE_INPUT (a: slot)
 * 4 IOCTL   VALUE_INPUT (a: slot, b: command), MEMREF_INOUT
 * 5 ECHO    VALUE_INPUT (a: slot, b: bytes): send a pattern in 64 KiB
 *           pieces to an echo server, reading each piece back and
 *           checking it; VALUE_OUTPUT (a: bytes checked)
 * 6 PANIC   TEE_Panic (its sockets must close with the instance)
 * 7 RAW     VALUE_INPUT (a: a socket PTA handle): send one byte on that
 *           handle through a session of its own to the socket PTA, as a
 *           TA guessing another instance's handles would
 * 8 WAIT    VALUE_INPUT (a: port): connect to 127.0.0.1 and recv without
 *           a timeout (until the peer sends or closes, or the call ends)
 * Each returns the socket call's result.
 */
#include <string.h>
#include <tee_internal_api.h>
#include <tee_tcpsocket.h>
#include <tee_udpsocket.h>
#include <pta_socket.h>

#define SLOTS 8
#define PIECE (64 * 1024)

static struct {
	TEE_iSocket *api;
	TEE_iSocketHandle h;
} slots[SLOTS];

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param params[4],
				    void **ctx)
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

static int slot_of(uint32_t i)
{
	return i < SLOTS && slots[i].api ? (int)i : -1;
}

static TEE_Result open_socket(TEE_Param p[4])
{
	char server[300];
	TEE_tcpSocket_Setup tcp;
	TEE_udpSocket_Setup udp;
	uint32_t perr = 0;
	TEE_Result res;
	int i;

	for (i = 0; i < SLOTS && slots[i].api; i++)
		;
	if (i == SLOTS || p[1].memref.size >= sizeof(server))
		return TEE_ERROR_OUT_OF_MEMORY;
	memcpy(server, p[1].memref.buffer, p[1].memref.size);
	server[p[1].memref.size] = 0;
	if (p[0].value.a == TEE_ISOCKET_PROTOCOLID_TCP) {
		tcp.ipVersion = p[2].value.a;
		tcp.server_addr = server;
		tcp.server_port = p[0].value.b;
		slots[i].api = TEE_tcpSocket;
		res = TEE_tcpSocket->open(&slots[i].h, &tcp, &perr);
	} else {
		udp.ipVersion = p[2].value.a;
		udp.server_addr = server;
		udp.server_port = p[0].value.b;
		slots[i].api = TEE_udpSocket;
		res = TEE_udpSocket->open(&slots[i].h, &udp, &perr);
	}
	p[3].value.a = i;
	p[3].value.b = perr;
	if (res != TEE_SUCCESS) {
		if (slots[i].h)
			TEE_Panic(0xbad);	/* GP: no handle on failure */
		slots[i].api = NULL;
	}
	return res;
}

static TEE_Result echo(int s, uint32_t total, uint32_t *checked)
{
	static uint8_t out[PIECE], in[PIECE];
	uint32_t done = 0;

	while (done < total) {
		uint32_t n = total - done > PIECE ? PIECE : total - done;
		uint32_t len = n, got = 0, k;
		TEE_Result res;

		for (k = 0; k < n; k++)
			out[k] = (uint8_t)((done + k) * 7 % 251);
		res = slots[s].api->send(slots[s].h, out, &len, 5000);
		if (res != TEE_SUCCESS)
			return res;
		if (len != n)
			return TEE_ERROR_GENERIC;
		while (got < n) {
			len = n - got;
			res = slots[s].api->recv(slots[s].h, in + got, &len,
						 5000);
			if (res != TEE_SUCCESS)
				return res;
			if (!len)
				return TEE_ERROR_COMMUNICATION;
			got += len;
		}
		if (memcmp(in, out, n))
			return TEE_ERROR_MAC_INVALID;
		done += n;
		*checked = done;
	}
	return TEE_SUCCESS;
}

static TEE_Result raw_send(uint32_t handle)
{
	static const TEE_UUID pta = PTA_SOCKET_UUID;
	TEE_TASessionHandle sess = TEE_HANDLE_NULL;
	TEE_Param q[TEE_NUM_PARAMS];
	uint8_t byte = 'x';
	TEE_Result res;

	res = TEE_OpenTASession(&pta, TEE_TIMEOUT_INFINITE, 0, NULL, &sess,
				NULL);
	if (res != TEE_SUCCESS)
		return res;
	memset(q, 0, sizeof(q));
	q[0].value.a = handle;
	q[0].value.b = 1000;
	q[1].memref.buffer = &byte;
	q[1].memref.size = 1;
	res = TEE_InvokeTACommand(sess, TEE_TIMEOUT_INFINITE, PTA_SOCKET_SEND,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_VALUE_OUTPUT,
						  TEE_PARAM_TYPE_NONE),
				  q, NULL);
	TEE_CloseTASession(sess);
	return res;
}

static TEE_Result wait_for_ever(uint32_t port)
{
	TEE_tcpSocket_Setup tcp = {
		.ipVersion = TEE_IP_VERSION_4,
		.server_addr = (char *)"127.0.0.1",
		.server_port = port,
	};
	TEE_iSocketHandle h = NULL;
	uint32_t perr = 0;
	uint8_t buf[16];
	uint32_t len = sizeof(buf);
	TEE_Result res;

	res = TEE_tcpSocket->open(&h, &tcp, &perr);
	if (res != TEE_SUCCESS)
		return res;
	res = TEE_tcpSocket->recv(h, buf, &len, TEE_TIMEOUT_INFINITE);
	TEE_tcpSocket->close(h);
	return res;
}

TEE_Result TA_InvokeCommandEntryPoint(void *ctx, uint32_t cmd, uint32_t pt,
				      TEE_Param p[4])
{
	uint32_t len;
	TEE_Result res;
	int s;

	(void)ctx;
	(void)pt;
	if (cmd == 0)
		return open_socket(p);
	if (cmd == 6)
		TEE_Panic(0x50c);
	if (cmd == 7)
		return raw_send(p[0].value.a);
	if (cmd == 8)
		return wait_for_ever(p[0].value.a);
	s = slot_of(p[0].value.a);
	if (s < 0)
		return TEE_ERROR_ITEM_NOT_FOUND;
	switch (cmd) {
	case 1:
		len = p[1].memref.size;
		res = slots[s].api->send(slots[s].h, p[1].memref.buffer, &len,
					 p[0].value.b);
		p[2].value.a = len;
		p[2].value.b = slots[s].api->error(slots[s].h);
		return res;
	case 2:
		len = p[1].memref.size;
		res = slots[s].api->recv(slots[s].h, p[1].memref.buffer, &len,
					 p[0].value.b);
		p[1].memref.size = len;
		return res;
	case 3:
		res = slots[s].api->close(slots[s].h);
		slots[s].api = NULL;
		slots[s].h = NULL;
		return res;
	case 4:
		len = p[1].memref.size;
		res = slots[s].api->ioctl(slots[s].h, p[0].value.b,
					  p[1].memref.buffer, &len);
		p[1].memref.size = len;
		return res;
	case 5:
		p[1].value.a = 0;
		return echo(s, p[0].value.b, &p[1].value.a);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
