/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: constants of the TCP instance of the GlobalPlatform TEE
 * Sockets API (Annex A), with OP-TEE's values.
 */
#ifndef ____TEE_TCPSOCKET_DEFINES_H
#define ____TEE_TCPSOCKET_DEFINES_H

/* TEE_iSocket.protocolID of the TCP instance. */
#define TEE_ISOCKET_PROTOCOLID_TCP			0x65

/* TCP-specific warning. */
#define TEE_ISOCKET_TCP_WARNING_UNKNOWN_OUT_OF_BAND	0xF1010002

#endif /* ____TEE_TCPSOCKET_DEFINES_H */
