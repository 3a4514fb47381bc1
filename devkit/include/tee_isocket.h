/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: the generic socket interface of the GlobalPlatform TEE
 * Sockets API 1.0 (TEE_iSocket), laid out as in OP-TEE.
 *
 * Declarations only: oxtee does not implement the sockets yet. The
 * instances (TEE_tcpSocket in <tee_tcpsocket.h>, TEE_udpSocket in
 * <tee_udpsocket.h>) are not defined, so a TA that uses them fails to
 * link; they come with a later issue.
 */
#ifndef __TEE_ISOCKET_H
#define __TEE_ISOCKET_H

#include <stdint.h>
#include <tee_api_types.h>
#include <__tee_isocket_defines.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One open connection, as an instance's open() returns it. */
typedef void *TEE_iSocketHandle;

/*
 * A socket instance (one per protocol): its interface version
 * (TEE_ISOCKET_VERSION), its TEE_ISOCKET_PROTOCOLID_* and its operations.
 * open() takes the protocol's setup structure and stores a protocol
 * error code in *protocolError; send() and recv() update *length to the
 * bytes moved; error() returns the last protocol error of the handle;
 * ioctl() runs a protocol command on buf, whose size is *length.
 * Timeouts are in milliseconds (TEE_TIMEOUT_INFINITE waits forever).
 */
typedef const struct TEE_iSocket_s {
	uint32_t TEE_iSocketVersion;
	uint8_t protocolID;
	TEE_Result (*open)(TEE_iSocketHandle *ctx, void *setup,
			   uint32_t *protocolError);
	TEE_Result (*close)(TEE_iSocketHandle ctx);
	TEE_Result (*send)(TEE_iSocketHandle ctx, const void *buf,
			   uint32_t *length, uint32_t timeout);
	TEE_Result (*recv)(TEE_iSocketHandle ctx, void *buf, uint32_t *length,
			   uint32_t timeout);
	uint32_t (*error)(TEE_iSocketHandle ctx);
	TEE_Result (*ioctl)(TEE_iSocketHandle ctx, uint32_t commandCode,
			    void *buf, uint32_t *length);
} TEE_iSocket;

#ifdef __cplusplus
}
#endif

#endif /* __TEE_ISOCKET_H */
