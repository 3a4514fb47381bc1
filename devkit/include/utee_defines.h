/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oxtee devkit: helpers OP-TEE TAs take from <utee_defines.h>: sizes,
 * byte order, TEE_Time arithmetic. (The algorithm-id helpers
 * TEE_ALG_GET_* and TEE_MAIN_ALGO_* are in tee_api_defines.h.)
 */
#ifndef UTEE_DEFINES_H
#define UTEE_DEFINES_H

#include <compiler.h>
#include <stddef.h>
#include <stdint.h>
#include <tee_api_defines.h>
#include <types_ext.h>

#define TEE_AES_BLOCK_SIZE	16UL
#define TEE_DES_BLOCK_SIZE	8UL
#define TEE_SM4_BLOCK_SIZE	16UL
#define TEE_AES_MAX_KEY_SIZE	32UL

#ifndef TEE_MD5_HASH_SIZE
typedef enum {
	TEE_MD5_HASH_SIZE = 16,
	TEE_SHA1_HASH_SIZE = 20,
	TEE_SHA224_HASH_SIZE = 28,
	TEE_SHA256_HASH_SIZE = 32,
	TEE_SM3_HASH_SIZE = 32,
	TEE_SHA384_HASH_SIZE = 48,
	TEE_SHA512_HASH_SIZE = 64,
	TEE_MD5SHA1_HASH_SIZE = 16 + 20,
	TEE_MAX_HASH_SIZE = 64,
} t_hash_size;
#endif

/* Output size of a digest or MAC algorithm, 0 if unknown. */
static inline size_t __tee_alg_get_digest_size(uint32_t algo)
{
	switch (algo) {
	case TEE_ALG_MD5:
	case TEE_ALG_HMAC_MD5:
		return TEE_MD5_HASH_SIZE;
	case TEE_ALG_SHA1:
	case TEE_ALG_HMAC_SHA1:
	case TEE_ALG_DSA_SHA1:
	case TEE_ALG_ECDSA_SHA1:
		return TEE_SHA1_HASH_SIZE;
	case TEE_ALG_SHA224:
	case TEE_ALG_SHA3_224:
	case TEE_ALG_HMAC_SHA224:
	case TEE_ALG_HMAC_SHA3_224:
	case TEE_ALG_DSA_SHA224:
	case TEE_ALG_ECDSA_SHA224:
		return TEE_SHA224_HASH_SIZE;
	case TEE_ALG_SHA256:
	case TEE_ALG_SHA3_256:
	case TEE_ALG_HMAC_SHA256:
	case TEE_ALG_HMAC_SHA3_256:
	case TEE_ALG_DSA_SHA256:
	case TEE_ALG_ECDSA_SHA256:
		return TEE_SHA256_HASH_SIZE;
	case TEE_ALG_SHA384:
	case TEE_ALG_SHA3_384:
	case TEE_ALG_HMAC_SHA384:
	case TEE_ALG_HMAC_SHA3_384:
	case TEE_ALG_ECDSA_SHA384:
		return TEE_SHA384_HASH_SIZE;
	case TEE_ALG_SHA512:
	case TEE_ALG_SHA3_512:
	case TEE_ALG_HMAC_SHA512:
	case TEE_ALG_HMAC_SHA3_512:
	case TEE_ALG_ECDSA_SHA512:
		return TEE_SHA512_HASH_SIZE;
	case TEE_ALG_SM3:
	case TEE_ALG_HMAC_SM3:
		return TEE_SM3_HASH_SIZE;
	case TEE_ALG_AES_CBC_MAC_NOPAD:
	case TEE_ALG_AES_CBC_MAC_PKCS5:
	case TEE_ALG_AES_CMAC:
		return TEE_AES_BLOCK_SIZE;
	case TEE_ALG_DES_CBC_MAC_NOPAD:
	case TEE_ALG_DES_CBC_MAC_PKCS5:
	case TEE_ALG_DES3_CBC_MAC_NOPAD:
	case TEE_ALG_DES3_CBC_MAC_PKCS5:
	case TEE_ALG_DES3_CMAC:
		return TEE_DES_BLOCK_SIZE;
	default:
		return 0;
	}
}
#define TEE_ALG_GET_DIGEST_SIZE(algo)	__tee_alg_get_digest_size(algo)

#define TEE_U64_BSWAP(x)	__compiler_bswap64((x))
#define TEE_U32_BSWAP(x)	__compiler_bswap32((x))
#define TEE_U16_BSWAP(x)	__compiler_bswap16((x))

/* oxtee runs on little-endian hosts only. */
#define TEE_U64_FROM_LITTLE_ENDIAN(x)	((uint64_t)(x))
#define TEE_U32_FROM_LITTLE_ENDIAN(x)	((uint32_t)(x))
#define TEE_U16_FROM_LITTLE_ENDIAN(x)	((uint16_t)(x))
#define TEE_U64_TO_LITTLE_ENDIAN(x)	((uint64_t)(x))
#define TEE_U32_TO_LITTLE_ENDIAN(x)	((uint32_t)(x))
#define TEE_U16_TO_LITTLE_ENDIAN(x)	((uint16_t)(x))
#define TEE_U64_FROM_BIG_ENDIAN(x)	TEE_U64_BSWAP(x)
#define TEE_U32_FROM_BIG_ENDIAN(x)	TEE_U32_BSWAP(x)
#define TEE_U16_FROM_BIG_ENDIAN(x)	TEE_U16_BSWAP(x)
#define TEE_U64_TO_BIG_ENDIAN(x)	TEE_U64_BSWAP(x)
#define TEE_U32_TO_BIG_ENDIAN(x)	TEE_U32_BSWAP(x)
#define TEE_U16_TO_BIG_ENDIAN(x)	TEE_U16_BSWAP(x)

/* TEE_Time arithmetic (millis in 0..999). */
#define TEE_TIME_MILLIS_BASE	1000

#define TEE_TIME_LT(t1, t2) \
	(((t1).seconds == (t2).seconds) ? ((t1).millis < (t2).millis) : \
					  ((t1).seconds < (t2).seconds))
#define TEE_TIME_LE(t1, t2) \
	(((t1).seconds == (t2).seconds) ? ((t1).millis <= (t2).millis) : \
					  ((t1).seconds <= (t2).seconds))
#define TEE_TIME_ADD(t1, t2, dst) \
	do { \
		(dst).seconds = (t1).seconds + (t2).seconds; \
		(dst).millis = (t1).millis + (t2).millis; \
		if ((dst).millis >= TEE_TIME_MILLIS_BASE) { \
			(dst).seconds++; \
			(dst).millis -= TEE_TIME_MILLIS_BASE; \
		} \
	} while (0)
#define TEE_TIME_SUB(t1, t2, dst) \
	do { \
		(dst).seconds = (t1).seconds - (t2).seconds; \
		if ((t1).millis < (t2).millis) { \
			(dst).seconds--; \
			(dst).millis = (t1).millis + TEE_TIME_MILLIS_BASE - \
				       (t2).millis; \
		} else { \
			(dst).millis = (t1).millis - (t2).millis; \
		} \
	} while (0)

#endif /* UTEE_DEFINES_H */
