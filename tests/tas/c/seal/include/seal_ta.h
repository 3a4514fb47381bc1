/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sealing test TA: keys from the system pseudo-TA, and data sealed
 * (AES-256-GCM) under them. It returns keys to its client so that the
 * tests can compare them: a real TA keeps them.
 */
#ifndef SEAL_TA_H
#define SEAL_TA_H

#define SEAL_TA_UUID \
	{ 0x5ea1c0de, 0x7a11, 0x4b0e, \
		{ 0x8d, 0x3a, 0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x01 } }
#define SEAL_PEER_TA_UUID \
	{ 0x5ea1c0de, 0x7a11, 0x4b0e, \
		{ 0x8d, 0x3a, 0x1f, 0x2e, 0x3d, 0x4c, 0x5b, 0x02 } }

/* MEMREF_INPUT extra data, MEMREF_OUTPUT key: DERIVE_TA_UNIQUE_KEY. */
#define SEAL_CMD_UNIQUE_KEY	0
/*
 * VALUE_INPUT (a: PTA_SYSTEM_OXTEE_SEAL_*, b: version floor),
 * MEMREF_INPUT extra data, MEMREF_OUTPUT key: the oxtee sealing key.
 */
#define SEAL_CMD_SEALING_KEY	1
/* MEMREF_INPUT: PTA_SYSTEM_ADD_RNG_ENTROPY. */
#define SEAL_CMD_ENTROPY	2
/*
 * VALUE_INPUT (policy, floor), MEMREF_INPUT data, MEMREF_OUTPUT blob:
 * iv (12) || tag (16) || ciphertext under the policy's 32-byte key with
 * extra data "seal-test".
 */
#define SEAL_CMD_SEAL		3
/* VALUE_INPUT (policy, floor), MEMREF_INPUT blob, MEMREF_OUTPUT data. */
#define SEAL_CMD_UNSEAL		4
/* VALUE_OUTPUT: a the result, b the origin of opening the system PTA. */
#define SEAL_CMD_OPEN_SYSTEM	5
/*
 * MEMREF_INPUT challenge, MEMREF_OUTPUT: a PSA attestation token about
 * this TA (PTA_ATTESTATION_OXTEE_GET_PSA_TOKEN, its own UUID left empty).
 */
#define SEAL_CMD_TOKEN		6
/* MEMREF_INPUT nonce, MEMREF_OUTPUT: PTA_ATTESTATION_HASH_TA_MEMORY. */
#define SEAL_CMD_HASH_MEMORY	7
/*
 * MEMREF_INPUT a TEE_UUID, VALUE_OUTPUT: a the result, b the origin of
 * opening a session to it (closed again at once).
 */
#define SEAL_CMD_OPEN		8

#define SEAL_IV_LEN	12
#define SEAL_TAG_LEN	16

#endif /* SEAL_TA_H */
