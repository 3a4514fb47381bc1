/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: implementation-specific constants, with OP-TEE's values
 * so that TAs written for OP-TEE's extensions keep their meaning.
 */
#ifndef TEE_API_DEFINES_EXTENSIONS_H
#define TEE_API_DEFINES_EXTENSIONS_H

/* Vendor-specific errors (0x80000000..0x8FFFFFFF). */
#define TEE_ERROR_DEFER_DRIVER_INIT		0x80000000
#define TEE_ERROR_NODE_DISABLED			0x80000001

/* RSA with MD5 (vendor ids) */
#define TEE_ALG_RSASSA_PKCS1_PSS_MGF1_MD5	0xF0111930
#define TEE_ALG_RSAES_PKCS1_OAEP_MGF1_MD5	0xF0110230

/* HKDF (RFC 5869) as an OP-TEE key derivation */
#define TEE_ALG_HKDF_MD5_DERIVE_KEY		0x800010C0
#define TEE_ALG_HKDF_SHA1_DERIVE_KEY		0x800020C0
#define TEE_ALG_HKDF_SHA224_DERIVE_KEY		0x800030C0
#define TEE_ALG_HKDF_SHA256_DERIVE_KEY		0x800040C0
#define TEE_ALG_HKDF_SHA384_DERIVE_KEY		0x800050C0
#define TEE_ALG_HKDF_SHA512_DERIVE_KEY		0x800060C0
#define TEE_TYPE_HKDF_IKM			0xA10000C0
#define TEE_ATTR_HKDF_IKM			0xC00001C0
/* Renamed in OP-TEE to avoid the clash with GP's TEE_ATTR_HKDF_SALT/INFO. */
#define __OPTEE_TEE_ATTR_HKDF_SALT		0xD00002C0
#define __OPTEE_TEE_ATTR_HKDF_INFO		0xD00003C0
#define TEE_ATTR_HKDF_OKM_LENGTH		0xF00004C0

/* Concat KDF (NIST SP 800-56A 5.8.1) */
#define TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY	0x800020C1
#define TEE_ALG_CONCAT_KDF_SHA224_DERIVE_KEY	0x800030C1
#define TEE_ALG_CONCAT_KDF_SHA256_DERIVE_KEY	0x800040C1
#define TEE_ALG_CONCAT_KDF_SHA384_DERIVE_KEY	0x800050C1
#define TEE_ALG_CONCAT_KDF_SHA512_DERIVE_KEY	0x800060C1
#define TEE_TYPE_CONCAT_KDF_Z			0xA10000C1
#define TEE_ATTR_CONCAT_KDF_Z			0xC00001C1
#define TEE_ATTR_CONCAT_KDF_OTHER_INFO		0xD00002C1
#define TEE_ATTR_CONCAT_KDF_DKM_LENGTH		0xF00003C1

/* PBKDF2 (PKCS #5 v2.0, RFC 2898 5.2) */
#define TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY	0x800020C2
#define TEE_TYPE_PBKDF2_PASSWORD		0xA10000C2
#define TEE_ATTR_PBKDF2_PASSWORD		0xC00001C2
#define TEE_ATTR_PBKDF2_SALT			0xD00002C2
#define TEE_ATTR_PBKDF2_ITERATION_COUNT		0xF00003C2
#define TEE_ATTR_PBKDF2_DKM_LENGTH		0xF00004C2

/* RSASSA PKCS#1 v1.5 over a caller-supplied (already encoded) digest */
#define TEE_ALG_RSASSA_PKCS1_V1_5		0xF0000830

/* Triple-DES CMAC (NIST SP 800-38B) */
#define TEE_ALG_DES3_CMAC			0xF0000613

/* SM4 in XTS mode */
#define TEE_ALG_SM4_XTS				0xF0000414

/*
 * Post-quantum algorithms (oxtee vendor extensions, in OP-TEE's vendor
 * style: 0xF0 algorithm ids, main algorithm 0xD0 for ML-KEM and 0xD1 for
 * ML-DSA, key types 0xA0/0xA1000000 | main algorithm).
 *
 * One algorithm and one key family per scheme; the key size in bits is
 * 256 * k (k the module rank) and names the parameter set: ML-KEM-768 is
 * 768 (ML-KEM-512/1024 would be 512/1024), ML-DSA-65 is 1536 (ML-DSA-44/87
 * would be 1024/2048). Implemented: ML-KEM-768 (FIPS 203) and ML-DSA-65
 * (FIPS 204).
 *
 * Keys are the standards' byte strings. A key pair is populated with its
 * private key, its seed or both, and optionally its public key (it is
 * checked, or derived and stored when left out); TEE_GenerateKey stores
 * all three. Inconsistent or malformed parts: TEE_ERROR_BAD_PARAMETERS.
 *
 * ML-KEM (class TEE_OPERATION_ASYMMETRIC_CIPHER):
 *  - encapsulation: TEE_AsymmetricEncrypt on a TEE_MODE_ENCRYPT operation
 *    with the public key (or the key pair), an empty input; the output
 *    is ciphertext || shared secret (1088 + 32 bytes for ML-KEM-768). The
 *    optional parameter TEE_ATTR_MLKEM_ENCAPS_M gives the 32-byte m of
 *    ML-KEM.Encaps_internal: for known-answer tests only, never for keys
 *    in use.
 *  - decapsulation: TEE_AsymmetricDecrypt on a TEE_MODE_DECRYPT operation
 *    with the key pair, the ciphertext as input; the output is the 32-byte
 *    shared secret (a wrong ciphertext of the right length gives FIPS
 *    203's implicit-rejection secret; a wrong length is
 *    TEE_ERROR_CIPHERTEXT_INVALID).
 *  A public key fails the FIPS 203 modulus check, or a decapsulation key
 *  its hash check: TEE_PopulateTransientObject returns
 *  TEE_ERROR_BAD_PARAMETERS.
 *
 * ML-DSA (class TEE_OPERATION_ASYMMETRIC_SIGNATURE): pure ML-DSA over
 * the message itself, given as the "digest" of TEE_AsymmetricSignDigest
 * and TEE_AsymmetricVerifyDigest (as Ed25519 does); the signature is 3309
 * bytes for ML-DSA-65. Optional parameters: TEE_ATTR_MLDSA_CONTEXT (at
 * most 255 bytes; empty by default) and TEE_ATTR_MLDSA_DETERMINISTIC
 * (value a = 1: the deterministic variant; default a = 0, hedged).
 */
#define TEE_ALG_MLKEM				0xF00000D0
#define TEE_ALG_MLDSA				0xF00000D1
#define TEE_TYPE_MLKEM_PUBLIC_KEY		0xA00000D0
#define TEE_TYPE_MLKEM_KEYPAIR			0xA10000D0
#define TEE_TYPE_MLDSA_PUBLIC_KEY		0xA00000D1
#define TEE_TYPE_MLDSA_KEYPAIR			0xA10000D1
/* ML-KEM encapsulation key ek */
#define TEE_ATTR_MLKEM_PUBLIC_KEY		0xD00001D0
/* ML-KEM decapsulation key dk (FIPS 203 encoding, ek inside) */
#define TEE_ATTR_MLKEM_PRIVATE_KEY		0xC00002D0
/* ML-KEM key generation seed d || z (64 bytes) */
#define TEE_ATTR_MLKEM_SEED			0xC00003D0
/* ML-KEM encapsulation randomness m (32 bytes; known-answer tests only) */
#define TEE_ATTR_MLKEM_ENCAPS_M			0xC00004D0
/* ML-DSA public key pk */
#define TEE_ATTR_MLDSA_PUBLIC_KEY		0xD00001D1
/* ML-DSA private key sk (FIPS 204 skEncode) */
#define TEE_ATTR_MLDSA_PRIVATE_KEY		0xC00002D1
/* ML-DSA key generation seed xi (32 bytes) */
#define TEE_ATTR_MLDSA_SEED			0xC00003D1
/* ML-DSA context string (signature parameter, at most 255 bytes) */
#define TEE_ATTR_MLDSA_CONTEXT			0xD00004D1
/* ML-DSA deterministic signing (signature parameter, value a = 0 or 1) */
#define TEE_ATTR_MLDSA_DETERMINISTIC		0xF00005D1

/* Storage ids besides TEE_STORAGE_PRIVATE (OP-TEE's REE FS and RPMB stores) */
#define TEE_STORAGE_PRIVATE_REE			0x80000000
#define TEE_STORAGE_PRIVATE_RPMB		0x80000100
#define TEE_STORAGE_PRIVATE_SQL_RESERVED	0x80000200

/* TEE_CheckMemoryAccessRights: require non-secure (shared) or secure memory */
#define TEE_MEMORY_ACCESS_NONSECURE		0x10000000
#define TEE_MEMORY_ACCESS_SECURE		0x20000000

/* Login of a client inside the REE kernel */
#define TEE_LOGIN_REE_KERNEL			0x80000000

/* The error came from the client application of a TA-to-TA call chain */
#define TEE_ORIGIN_CLIENT_APP			0xF0000001

#endif /* TEE_API_DEFINES_EXTENSIONS_H */
