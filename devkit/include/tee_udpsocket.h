/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the UDP instance of the GlobalPlatform TEE Sockets API
 * (Annex B), laid out as in OP-TEE.
 *
 * Declarations only: oxtee does not implement the sockets yet.
 * TEE_udpSocket is declared here but not defined by the oxtee TA
 * runtime, so a TA that uses it fails to link; it comes with a later
 * issue.
 */
#ifndef __TEE_UDPSOCKET_H
#define __TEE_UDPSOCKET_H

#include <tee_isocket.h>
#include <__tee_ipsocket.h>
#include <__tee_udpsocket_defines.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * What TEE_udpSocket->open() takes as setup: the IP version to use, the
 * peer's host name or address (a NUL-terminated string) and its port.
 */
typedef struct TEE_udpSocket_Setup_s {
	TEE_ipSocket_ipVersion ipVersion;
	char *server_addr;
	uint16_t server_port;
} TEE_udpSocket_Setup;

/* The UDP socket instance. */
extern TEE_iSocket *const TEE_udpSocket;

#ifdef __cplusplus
}
#endif

#endif /* __TEE_UDPSOCKET_H */
