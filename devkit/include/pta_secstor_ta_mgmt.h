/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: OP-TEE's secure-storage TA management pseudo-TA (UUID and
 * command ids with OP-TEE's values), and oxtee's list command.
 *
 * Signed TA images installed into trusted storage come before the TA
 * folder's. Only clients running as the core's user or root may open it
 * (TEE_ERROR_ACCESS_DENIED otherwise).
 */
#ifndef __PTA_SECSTOR_TA_MGMT_H
#define __PTA_SECSTOR_TA_MGMT_H

/*
 * Install a signed TA image: memref[0] in. TEE_ERROR_SECURITY when it
 * does not verify (or a newer version was seen: rollback protection),
 * TEE_ERROR_ACCESS_CONFLICT when a newer version is installed.
 */
#define PTA_SECSTOR_TA_MGMT_BOOTSTRAP	0
/* Remove an installed TA: memref[0] in, its TEE_UUID. */
#define PTA_SECSTOR_TA_MGMT_UNINSTALL	1
/*
 * oxtee: the installed TAs, memref[0] out: 20 bytes each, the UUID's 16
 * octets (RFC 4122 order) then the ta_version, little-endian.
 */
#define PTA_SECSTOR_TA_MGMT_OXTEE_LIST	0x6f780001

#define PTA_SECSTOR_TA_MGMT_UUID { 0x6e256cba, 0xfc4d, 0x4941, { \
				   0xad, 0x09, 0x2c, 0xa1, 0x86, 0x03, 0x42, \
				   0xdd } }

#endif /* __PTA_SECSTOR_TA_MGMT_H */
