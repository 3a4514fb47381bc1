/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: constants of the UDP instance of the GlobalPlatform TEE
 * Sockets API (Annex B), with OP-TEE's values.
 */
#ifndef ____TEE_UDPSOCKET_DEFINES_H
#define ____TEE_UDPSOCKET_DEFINES_H

/* TEE_iSocket.protocolID of the UDP instance. */
#define TEE_ISOCKET_PROTOCOLID_UDP			0x66

/* UDP-specific warning. */
#define TEE_ISOCKET_UDP_WARNING_UNKNOWN_OUT_OF_BAND	0xF1020002

/*
 * ioctl commands (top byte: TEE_ISOCKET_PROTOCOLID_UDP) that change the
 * peer's address / port.
 */
#define TEE_UDP_CHANGEADDR				0x66000001
#define TEE_UDP_CHANGEPORT				0x66000002

#endif /* ____TEE_UDPSOCKET_DEFINES_H */
