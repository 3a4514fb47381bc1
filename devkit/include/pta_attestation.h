/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's attestation pseudo-TA interface (UUID, command
 * ids, with OP-TEE's values), and oxtee's PSA attestation token.
 *
 * Open to clients and TAs. The signed measurements are a SHA-256 digest
 * followed by an RSASSA-PSS (SHA-256, salt 32) signature of
 * SHA-256(nonce || digest) under the device's RSA-3072 attestation key:
 * the output buffer takes 32 + 384 bytes (TEE_ERROR_SHORT_BUFFER and the
 * size needed otherwise).
 */
#ifndef __PTA_ATTESTATION_H
#define __PTA_ATTESTATION_H

#define PTA_ATTESTATION_UUID { 0x39800861, 0x182a, 0x4720, \
		{ 0x9b, 0x67, 0x2b, 0xcd, 0x62, 0x2b, 0xc0, 0xb5 } }

/*
 * The RSA public key: memref[0] out, the exponent, big-endian; memref[1]
 * out, the modulus, big-endian; value[2] out, a: the signature algorithm
 * (TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256).
 */
#define PTA_ATTESTATION_GET_PUBKEY		0x0
/*
 * A TA's signed header digest: memref[0] in, the TA's TEE_UUID; memref[1]
 * in, a nonce (not empty); memref[2] out, digest || signature.
 */
#define PTA_ATTESTATION_GET_TA_SHDR_DIGEST	0x1
/*
 * The calling TA's code as mapped (TAs only, else
 * TEE_ERROR_ACCESS_DENIED): memref[0] in, a nonce; memref[1] out,
 * hash || signature.
 */
#define PTA_ATTESTATION_HASH_TA_MEMORY		0x2
/* The secure world's own code: memref[0] in nonce; memref[1] out. */
#define PTA_ATTESTATION_HASH_TEE_MEMORY		0x3

/*
 * oxtee: a PSA attestation token (RFC 9783; a COSE_Sign1, ES256) about a
 * TA: memref[0] in, the challenge (32, 48 or 64 bytes); memref[1] in, the
 * TA's TEE_UUID (empty: the calling TA); memref[2] out, the token.
 */
#define PTA_ATTESTATION_OXTEE_GET_PSA_TOKEN	0x6f780001
/* oxtee: the token key, memref[0] out: an uncompressed P-256 point (65). */
#define PTA_ATTESTATION_OXTEE_GET_PSA_PUBKEY	0x6f780002

#endif /* __PTA_ATTESTATION_H */
