// SPDX-License-Identifier: Apache-2.0
/*
 * A TA that uses mbedTLS from the devkit, as OP-TEE TAs built with
 * CFG_TA_MBEDTLS=y do: message digests, the library's self tests, ECDSA
 * with a CTR-DRBG fed by TEE_GenerateRandom, X.509 parsing.
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls_ta.h>
#include <tee_internal_api.h>

#ifndef CFG_TA_MBEDTLS
#error "the devkit should define CFG_TA_MBEDTLS"
#endif

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

static TEE_Result sha256(uint32_t pt, TEE_Param p[4])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (pt != PT(MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (p[1].memref.size < 32) {
		p[1].memref.size = 32;
		return TEE_ERROR_SHORT_BUFFER;
	}
	if (!md || mbedtls_md(md, p[0].memref.buffer, p[0].memref.size, p[1].memref.buffer))
		return TEE_ERROR_GENERIC;
	p[1].memref.size = 32;
	return TEE_SUCCESS;
}

static TEE_Result self_tests(uint32_t pt, TEE_Param p[4])
{
	uint32_t failed = 0;

	if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (mbedtls_aes_self_test(0))
		failed |= 1;
	if (mbedtls_sha256_self_test(0))
		failed |= 2;
	if (mbedtls_base64_self_test(0))
		failed |= 4;
	if (mbedtls_mpi_self_test(0))
		failed |= 8;
	if (mbedtls_ctr_drbg_self_test(0))
		failed |= 16;
	p[0].value.a = failed;
	return TEE_SUCCESS;
}

/* The TEE's random number generator as the DRBG's entropy source. */
static int tee_entropy(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	TEE_GenerateRandom(out, len);
	return 0;
}

static TEE_Result ecdsa_sign(uint32_t pt, TEE_Param p[4])
{
	mbedtls_ctr_drbg_context drbg;
	mbedtls_ecdsa_context key;
	unsigned char hash[32];
	size_t pub_len = 0, sig_len = 0;
	TEE_Result res = TEE_ERROR_GENERIC;

	if (pt != PT(MEMREF_INPUT, MEMREF_OUTPUT, MEMREF_OUTPUT, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	if (p[1].memref.size < 65 || p[2].memref.size < MBEDTLS_ECDSA_MAX_LEN)
		return TEE_ERROR_SHORT_BUFFER;
	mbedtls_ctr_drbg_init(&drbg);
	mbedtls_ecdsa_init(&key);
	if (mbedtls_ctr_drbg_seed(&drbg, tee_entropy, NULL,
				  (const unsigned char *)"oxtee", 5))
		goto out;
	if (mbedtls_ecdsa_genkey(&key, MBEDTLS_ECP_DP_SECP256R1,
				 mbedtls_ctr_drbg_random, &drbg))
		goto out;
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
		       p[0].memref.buffer, p[0].memref.size, hash))
		goto out;
	if (mbedtls_ecdsa_write_signature(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash),
					  p[2].memref.buffer, &sig_len,
					  mbedtls_ctr_drbg_random, &drbg))
		goto out;
	if (mbedtls_ecp_point_write_binary(&key.grp, &key.Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
					   &pub_len, p[1].memref.buffer, p[1].memref.size))
		goto out;
	p[1].memref.size = pub_len;
	p[2].memref.size = sig_len;
	res = TEE_SUCCESS;
out:
	mbedtls_ecdsa_free(&key);
	mbedtls_ctr_drbg_free(&drbg);
	return res;
}

static TEE_Result x509_subject(uint32_t pt, TEE_Param p[4])
{
	mbedtls_x509_crt crt;
	char *pem;
	int n;
	TEE_Result res = TEE_ERROR_BAD_FORMAT;

	if (pt != PT(MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	/* The parser reads a NUL-terminated PEM: take a private copy. */
	pem = TEE_Malloc(p[0].memref.size + 1, TEE_MALLOC_FILL_ZERO);
	if (!pem)
		return TEE_ERROR_OUT_OF_MEMORY;
	memcpy(pem, p[0].memref.buffer, p[0].memref.size);
	mbedtls_x509_crt_init(&crt);
	if (!mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, p[0].memref.size + 1)) {
		n = mbedtls_x509_dn_gets(p[1].memref.buffer, p[1].memref.size, &crt.subject);
		if (n >= 0) {
			p[1].memref.size = n;
			res = TEE_SUCCESS;
		} else {
			res = TEE_ERROR_SHORT_BUFFER;
		}
	}
	mbedtls_x509_crt_free(&crt);
	TEE_Free(pem);
	return res;
}

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}

TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param p[4], void **s)
{
	(void)pt; (void)p; (void)s;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *s) { (void)s; }

TEE_Result TA_InvokeCommandEntryPoint(void *s, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	(void)s;
	switch (cmd) {
	case TA_MBEDTLS_CMD_SHA256:
		return sha256(pt, p);
	case TA_MBEDTLS_CMD_SELF_TESTS:
		return self_tests(pt, p);
	case TA_MBEDTLS_CMD_ECDSA_SIGN:
		return ecdsa_sign(pt, p);
	case TA_MBEDTLS_CMD_X509_SUBJECT:
		return x509_subject(pt, p);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
