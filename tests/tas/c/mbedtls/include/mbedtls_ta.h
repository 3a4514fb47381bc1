/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MBEDTLS_TA_H
#define MBEDTLS_TA_H

#define TA_MBEDTLS_UUID \
	{ 0x886c064c, 0x31c0, 0x4583, \
		{ 0xa3, 0xc3, 0x96, 0x6f, 0x8f, 0x02, 0x2e, 0xde } }

/* MEMREF_INPUT data, MEMREF_OUTPUT (32): SHA-256 through mbedtls_md. */
#define TA_MBEDTLS_CMD_SHA256		0
/* VALUE_OUTPUT: a = bit n set when self test n failed (0 AES, 1 SHA-256,
 * 2 base64, 3 MPI, 4 CTR-DRBG), 0 when all passed. */
#define TA_MBEDTLS_CMD_SELF_TESTS	1
/* MEMREF_INPUT message, MEMREF_OUTPUT public key (65 bytes, uncompressed
 * point), MEMREF_OUTPUT signature (DER): a fresh ECDSA P-256 key from a
 * CTR-DRBG seeded by TEE_GenerateRandom signs SHA-256(message). */
#define TA_MBEDTLS_CMD_ECDSA_SIGN	2
/* MEMREF_INPUT PEM certificate (with its NUL), MEMREF_OUTPUT: the
 * subject's distinguished name as mbedtls_x509_dn_gets writes it. */
#define TA_MBEDTLS_CMD_X509_SUBJECT	3

#endif
