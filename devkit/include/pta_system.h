/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's system pseudo-TA interface (UUID, command ids,
 * map flags, derived-key limits), with OP-TEE's values.
 *
 * Both tiers serve it to TAs (a client's open is refused with
 * TEE_ERROR_ACCESS_DENIED): PTA_SYSTEM_ADD_RNG_ENTROPY,
 * PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY and oxtee's
 * PTA_SYSTEM_OXTEE_DERIVE_SEALING_KEY. The memory and library commands
 * serve OP-TEE's loader inside a TA; oxtee loads TAs itself, so they
 * answer TEE_ERROR_NOT_SUPPORTED, as OP-TEE answers a command it lacks.
 */
#ifndef __PTA_SYSTEM_H
#define __PTA_SYSTEM_H

#include <util.h>

#define PTA_SYSTEM_UUID { 0x3a2f8978, 0x5dc0, 0x11e8, { \
			 0x9c, 0x2d, 0xfa, 0x7a, 0xe0, 0x1b, 0xbe, 0xbc } }

/* Bounds of PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY, in bytes. */
#define TA_DERIVED_KEY_MIN_SIZE		16
#define TA_DERIVED_KEY_MAX_SIZE		32
#define TA_DERIVED_EXTRA_DATA_MAX_SIZE	1024

/* Mix caller entropy into the RNG: memref[0] in. */
#define PTA_SYSTEM_ADD_RNG_ENTROPY	0

/*
 * Key unique to the device and the calling TA: memref[0] in, optional
 * extra data (at most TA_DERIVED_EXTRA_DATA_MAX_SIZE bytes); memref[1]
 * out, the key (TA_DERIVED_KEY_MIN_SIZE..TA_DERIVED_KEY_MAX_SIZE bytes).
 */
#define PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY	1

/*
 * Flags of PTA_SYSTEM_MAP_ZI, PTA_SYSTEM_MAP_TA_BINARY and
 * PTA_SYSTEM_SET_PROT.
 */
#define PTA_SYSTEM_MAP_FLAG_SHAREABLE	BIT32(0)
#define PTA_SYSTEM_MAP_FLAG_WRITEABLE	BIT32(1)
#define PTA_SYSTEM_MAP_FLAG_EXECUTABLE	BIT32(2)

/*
 * Memory management and TA binary access (used by OP-TEE's ELF loader).
 * Addresses travel as two values, upper 32 bits in .a, lower in .b.
 */
#define PTA_SYSTEM_MAP_ZI		2
#define PTA_SYSTEM_UNMAP		3
#define PTA_SYSTEM_OPEN_TA_BINARY	4
#define PTA_SYSTEM_CLOSE_TA_BINARY	5
#define PTA_SYSTEM_MAP_TA_BINARY	6
#define PTA_SYSTEM_COPY_FROM_TA_BINARY	7
#define PTA_SYSTEM_SET_PROT		8
#define PTA_SYSTEM_REMAP		9

/* Shared libraries: dlopen() and dlsym() of OP-TEE's libdl. */
#define PTA_SYSTEM_DLOPEN		10
#define PTA_SYSTEM_DLSYM		11

/* Copy of the TPM event log: memref[0] out. */
#define PTA_SYSTEM_GET_TPM_EVENT_LOG	12

/*
 * Call a tee-supplicant plugin: memref[0] the plugin's TEE_UUID,
 * value[1] command and sub-command, memref[2] data in/out, value[3].a
 * out, the length of the output.
 */
#define PTA_SYSTEM_SUPP_PLUGIN_INVOKE	13

/*
 * oxtee: a key bound to the calling TA's identity under a policy, as SGX
 * offers it. value[0].a the policy, value[0].b the version floor of
 * PTA_SYSTEM_OXTEE_SEAL_SIGNER (else 0); memref[1] in, optional extra
 * data (as for PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY); memref[2] out, the key
 * (TA_DERIVED_KEY_MIN_SIZE..TA_DERIVED_KEY_MAX_SIZE bytes).
 *
 * PTA_SYSTEM_OXTEE_SEAL_UNIQUE: the TA's UUID (the key
 *   PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY gives);
 * PTA_SYSTEM_OXTEE_SEAL_VERSION: UUID, the signed ta_version and the key
 *   that signed the TA (the last subkey of its chain, or the root key);
 * PTA_SYSTEM_OXTEE_SEAL_SIGNER: UUID, signer and the floor, which must
 *   not exceed the TA's ta_version (TEE_ERROR_ACCESS_DENIED): data sealed
 *   with floor N opens in every later version the same key signs.
 */
#define PTA_SYSTEM_OXTEE_DERIVE_SEALING_KEY	0x6f780001
#define PTA_SYSTEM_OXTEE_SEAL_UNIQUE		0
#define PTA_SYSTEM_OXTEE_SEAL_VERSION		1
#define PTA_SYSTEM_OXTEE_SEAL_SIGNER		2

#endif /* __PTA_SYSTEM_H */
