/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's socket pseudo-TA interface (UUID, commands and
 * their parameters), with OP-TEE's values. TAs normally use it through
 * TEE_tcpSocket and TEE_udpSocket (tee_tcpsocket.h, tee_udpsocket.h),
 * which the devkit implements over it; the sockets themselves are opened
 * by the normal world's supplicant. TAs only: a client's open is refused.
 */
#ifndef __PTA_SOCKET_H
#define __PTA_SOCKET_H

#define PTA_SOCKET_UUID { 0x3b996a7d, 0x2c2b, 0x4a49, { \
			  0xa8, 0x96, 0xe1, 0xfb, 0x57, 0x66, 0xd2, 0xf4 } }

/*
 * Connect a socket.
 * value[0] in: a = TEE_IP_VERSION_*, b = the server's port
 * memref[1] in: the server's name or address, NUL included
 * value[2] in: a = TEE_ISOCKET_PROTOCOLID_TCP or _UDP
 * value[3] out: a = the socket's handle
 */
#define PTA_SOCKET_OPEN		1

/* value[0] in: a = handle */
#define PTA_SOCKET_CLOSE	2

#define PTA_SOCKET_TIMEOUT_NONBLOCKING	0
#define PTA_SOCKET_TIMEOUT_BLOCKING	0xffffffff

/*
 * value[0] in: a = handle, b = timeout in milliseconds
 * memref[1] in: the data
 * value[2] out: a = the bytes sent
 */
#define PTA_SOCKET_SEND		3

/*
 * value[0] in: a = handle, b = timeout in milliseconds
 * memref[1] out: the data received (its size: how much)
 */
#define PTA_SOCKET_RECV		4

/*
 * value[0] in: a = handle, b = the command (TEE_TCP_SET_*, TEE_UDP_CHANGE*)
 * memref[1] inout: the command's buffer
 */
#define PTA_SOCKET_IOCTL	5

#endif /* __PTA_SOCKET_H */
