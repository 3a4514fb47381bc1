/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: constants of the GlobalPlatform TEE Sockets API 1.0
 * common to every socket instance, with OP-TEE's values.
 */
#ifndef ____TEE_ISOCKET_DEFINES_H
#define ____TEE_ISOCKET_DEFINES_H

/* Value of TEE_iSocket.TEE_iSocketVersion: interface version 1.0. */
#define TEE_ISOCKET_VERSION			0x01000000

/* Errors and warnings any instance can return. */
#define TEE_ISOCKET_ERROR_PROTOCOL		0xF1007001
#define TEE_ISOCKET_ERROR_REMOTE_CLOSED		0xF1007002
#define TEE_ISOCKET_ERROR_TIMEOUT		0xF1007003
#define TEE_ISOCKET_ERROR_OUT_OF_RESOURCES	0xF1007004
#define TEE_ISOCKET_ERROR_LARGE_BUFFER		0xF1007005
#define TEE_ISOCKET_WARNING_PROTOCOL		0xF1007006
#define TEE_ISOCKET_ERROR_HOSTNAME		0xF1007007

#endif /* ____TEE_ISOCKET_DEFINES_H */
