// SPDX-License-Identifier: Apache-2.0
/*
 * oxtee devkit: the GP TEE Sockets API's TCP and UDP sockets
 * (TEE_tcpSocket, TEE_udpSocket) over the socket pseudo-TA (pta_socket.h),
 * the same on both tiers. Linked into every TA, each function in its own
 * section: a TA that does not use sockets keeps none of it.
 *
 * Where GP leaves room, as OP-TEE's libutee behaves: a server name that
 * does not resolve opens with TEE_ISOCKET_ERROR_PROTOCOL and the protocol
 * error TEE_ISOCKET_ERROR_HOSTNAME; error() reports the last send, recv
 * or ioctl result; an ioctl command of protocol 0 succeeds without doing
 * anything; a command the protocol does not know, or a NULL where GP
 * requires a pointer, panics the TA.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <tee_internal_api.h>
#include <tee_isocket.h>
#include <tee_tcpsocket.h>
#include <tee_udpsocket.h>
#include <__tee_tcpsocket_defines_extensions.h>
#include <pta_socket.h>

/*
 * The most one PTA call carries; longer sends go in pieces (the secure
 * kernel copies each piece: small pieces keep secure memory free).
 */
#define OXTEE_SOCKET_PIECE (64u * 1024u)

struct oxtee_socket {
	uint32_t handle;
	uint32_t error;
	uint8_t protocol;
};

/* One session to the socket PTA per TA instance, opened on first use. */
static TEE_TASessionHandle oxtee_socket_session = TEE_HANDLE_NULL;

static TEE_Result oxtee_socket_invoke(uint32_t cmd, uint32_t types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	static const TEE_UUID uuid = PTA_SOCKET_UUID;

	if (oxtee_socket_session == TEE_HANDLE_NULL) {
		TEE_Result res = TEE_OpenTASession(&uuid, TEE_TIMEOUT_INFINITE,
						   0, NULL,
						   &oxtee_socket_session,
						   NULL);

		if (res != TEE_SUCCESS) {
			oxtee_socket_session = TEE_HANDLE_NULL;
			return res;
		}
	}
	return TEE_InvokeTACommand(oxtee_socket_session, TEE_TIMEOUT_INFINITE,
				   cmd, types, params, NULL);
}

static TEE_Result oxtee_socket_open(uint8_t protocol, TEE_iSocketHandle *ctx,
				    TEE_ipSocket_ipVersion version,
				    const char *server, uint16_t port,
				    uint32_t *protocol_error)
{
	TEE_Param p[TEE_NUM_PARAMS];
	struct oxtee_socket *s = NULL;
	TEE_Result res = TEE_SUCCESS;

	*ctx = NULL;
	*protocol_error = TEE_SUCCESS;
	if (!server || (version != TEE_IP_VERSION_DC &&
			version != TEE_IP_VERSION_4 &&
			version != TEE_IP_VERSION_6))
		return TEE_ERROR_BAD_PARAMETERS;
	s = TEE_Malloc(sizeof(*s), TEE_MALLOC_FILL_ZERO);
	if (!s)
		return TEE_ERROR_OUT_OF_MEMORY;
	memset(p, 0, sizeof(p));
	p[0].value.a = version;
	p[0].value.b = port;
	p[1].memref.buffer = (void *)server;
	p[1].memref.size = strlen(server) + 1;
	p[2].value.a = protocol;
	res = oxtee_socket_invoke(PTA_SOCKET_OPEN,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INPUT,
						  TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_VALUE_OUTPUT),
				  p);
	if (res != TEE_SUCCESS) {
		TEE_Free(s);
		if (res == TEE_ISOCKET_ERROR_HOSTNAME) {
			*protocol_error = res;
			return TEE_ISOCKET_ERROR_PROTOCOL;
		}
		return res;
	}
	s->handle = p[3].value.a;
	s->protocol = protocol;
	*ctx = s;
	return TEE_SUCCESS;
}

static TEE_Result oxtee_tcp_open(TEE_iSocketHandle *ctx, void *setup,
				 uint32_t *protocol_error)
{
	TEE_tcpSocket_Setup *t = setup;

	if (!ctx || !setup || !protocol_error)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	return oxtee_socket_open(TEE_ISOCKET_PROTOCOLID_TCP, ctx, t->ipVersion,
				 t->server_addr, t->server_port,
				 protocol_error);
}

static TEE_Result oxtee_udp_open(TEE_iSocketHandle *ctx, void *setup,
				 uint32_t *protocol_error)
{
	TEE_udpSocket_Setup *u = setup;

	if (!ctx || !setup || !protocol_error)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	return oxtee_socket_open(TEE_ISOCKET_PROTOCOLID_UDP, ctx, u->ipVersion,
				 u->server_addr, u->server_port,
				 protocol_error);
}

static TEE_Result oxtee_socket_close(TEE_iSocketHandle ctx)
{
	struct oxtee_socket *s = ctx;
	TEE_Param p[TEE_NUM_PARAMS];
	TEE_Result res = TEE_SUCCESS;

	if (!s)
		return TEE_SUCCESS;
	memset(p, 0, sizeof(p));
	p[0].value.a = s->handle;
	res = oxtee_socket_invoke(PTA_SOCKET_CLOSE,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE),
				  p);
	TEE_Free(s);
	return res;
}

/* Milliseconds since some point, for the time left of a timeout. */
static uint64_t oxtee_socket_now(void)
{
	TEE_Time t;

	TEE_GetSystemTime(&t);
	return (uint64_t)t.seconds * 1000 + t.millis;
}

static TEE_Result oxtee_socket_send(TEE_iSocketHandle ctx, const void *buf,
				    uint32_t *length, uint32_t timeout)
{
	struct oxtee_socket *s = ctx;
	const uint8_t *b = buf;
	uint64_t start = 0;
	uint32_t sent = 0;
	TEE_Result res = TEE_SUCCESS;

	if (!s || !length || (!buf && *length))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	if (timeout != TEE_TIMEOUT_INFINITE)
		start = oxtee_socket_now();
	do {
		TEE_Param p[TEE_NUM_PARAMS];
		uint32_t piece = *length - sent;
		uint32_t left = timeout;

		if (piece > OXTEE_SOCKET_PIECE)
			piece = OXTEE_SOCKET_PIECE;
		if (timeout != TEE_TIMEOUT_INFINITE) {
			uint64_t spent = oxtee_socket_now() - start;

			left = spent >= timeout ? 0 : timeout - (uint32_t)spent;
		}
		memset(p, 0, sizeof(p));
		p[0].value.a = s->handle;
		p[0].value.b = left;
		p[1].memref.buffer = (void *)(b ? b + sent : NULL);
		p[1].memref.size = piece;
		res = oxtee_socket_invoke(PTA_SOCKET_SEND,
				TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						TEE_PARAM_TYPE_MEMREF_INPUT,
						TEE_PARAM_TYPE_VALUE_OUTPUT,
						TEE_PARAM_TYPE_NONE),
				p);
		if (p[2].value.a > piece)
			TEE_Panic(TEE_ERROR_COMMUNICATION);
		sent += p[2].value.a;
		if (res != TEE_SUCCESS || p[2].value.a < piece)
			break;
	} while (sent < *length);
	*length = sent;
	s->error = res;
	return res;
}

static TEE_Result oxtee_socket_recv(TEE_iSocketHandle ctx, void *buf,
				    uint32_t *length, uint32_t timeout)
{
	struct oxtee_socket *s = ctx;
	TEE_Param p[TEE_NUM_PARAMS];
	TEE_Result res = TEE_SUCCESS;
	uint32_t want = 0;

	if (!s || !length || (!buf && *length))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	want = *length > OXTEE_SOCKET_PIECE ? OXTEE_SOCKET_PIECE : *length;
	memset(p, 0, sizeof(p));
	p[0].value.a = s->handle;
	p[0].value.b = timeout;
	p[1].memref.buffer = buf;
	p[1].memref.size = want;
	res = oxtee_socket_invoke(PTA_SOCKET_RECV,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_OUTPUT,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE),
				  p);
	/* Sizes come back with the data only. */
	if (res == TEE_SUCCESS && p[1].memref.size <= want)
		*length = p[1].memref.size;
	else
		*length = 0;
	s->error = res;
	return res;
}

static uint32_t oxtee_socket_error(TEE_iSocketHandle ctx)
{
	struct oxtee_socket *s = ctx;

	if (!s)
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	return s->error;
}

static TEE_Result oxtee_socket_ioctl(TEE_iSocketHandle ctx, uint32_t command,
				     void *buf, uint32_t *length)
{
	struct oxtee_socket *s = ctx;
	TEE_Param p[TEE_NUM_PARAMS];
	TEE_Result res = TEE_SUCCESS;
	int known = 0;

	if (!s || !length || (!buf && *length))
		TEE_Panic(TEE_ERROR_BAD_PARAMETERS);
	/* Commands of protocol 0 belong to no layer here. */
	if (!(command >> 24))
		return TEE_SUCCESS;
	if (s->protocol == TEE_ISOCKET_PROTOCOLID_TCP)
		known = command == TEE_TCP_SET_RECVBUF ||
			command == TEE_TCP_SET_SENDBUF;
	else
		known = command == TEE_UDP_CHANGEADDR ||
			command == TEE_UDP_CHANGEPORT;
	if (!known)
		TEE_Panic(TEE_ERROR_NOT_SUPPORTED);
	memset(p, 0, sizeof(p));
	p[0].value.a = s->handle;
	p[0].value.b = command;
	p[1].memref.buffer = buf;
	p[1].memref.size = *length;
	res = oxtee_socket_invoke(PTA_SOCKET_IOCTL,
				  TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
						  TEE_PARAM_TYPE_MEMREF_INOUT,
						  TEE_PARAM_TYPE_NONE,
						  TEE_PARAM_TYPE_NONE),
				  p);
	if (res == TEE_SUCCESS && p[1].memref.size <= *length)
		*length = p[1].memref.size;
	s->error = res;
	return res;
}

static TEE_iSocket oxtee_tcp_socket = {
	.TEE_iSocketVersion = TEE_ISOCKET_VERSION,
	.protocolID = TEE_ISOCKET_PROTOCOLID_TCP,
	.open = oxtee_tcp_open,
	.close = oxtee_socket_close,
	.send = oxtee_socket_send,
	.recv = oxtee_socket_recv,
	.error = oxtee_socket_error,
	.ioctl = oxtee_socket_ioctl,
};

static TEE_iSocket oxtee_udp_socket = {
	.TEE_iSocketVersion = TEE_ISOCKET_VERSION,
	.protocolID = TEE_ISOCKET_PROTOCOLID_UDP,
	.open = oxtee_udp_open,
	.close = oxtee_socket_close,
	.send = oxtee_socket_send,
	.recv = oxtee_socket_recv,
	.error = oxtee_socket_error,
	.ioctl = oxtee_socket_ioctl,
};

TEE_iSocket *const TEE_tcpSocket = &oxtee_tcp_socket;
TEE_iSocket *const TEE_udpSocket = &oxtee_udp_socket;
