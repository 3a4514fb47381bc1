/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the IP version choice shared by the TCP and UDP socket
 * setups of the GlobalPlatform TEE Sockets API, with OP-TEE's values.
 */
#ifndef ____TEE_IPSOCKET_H
#define ____TEE_IPSOCKET_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum TEE_ipSocket_ipVersion_e {
	TEE_IP_VERSION_DC = 0,	/* either, the implementation chooses */
	TEE_IP_VERSION_4 = 1,
	TEE_IP_VERSION_6 = 2
} TEE_ipSocket_ipVersion;

#ifdef __cplusplus
}
#endif

#endif /* ____TEE_IPSOCKET_H */
