/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's implementation-specific ioctl commands of the
 * TCP socket instance, with OP-TEE's values.
 */
#ifndef ____TEE_TCPSOCKET_DEFINES_EXTENSIONS_H
#define ____TEE_TCPSOCKET_DEFINES_EXTENSIONS_H

/*
 * ioctl commands (top byte: TEE_ISOCKET_PROTOCOLID_TCP) that set the
 * socket's receive / send buffer size.
 */
#define TEE_TCP_SET_RECVBUF	0x65f00000
#define TEE_TCP_SET_SENDBUF	0x65f00001

#endif /* ____TEE_TCPSOCKET_DEFINES_EXTENSIONS_H */
