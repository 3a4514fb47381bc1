// SPDX-License-Identifier: Apache-2.0
/*
 * Test TA for OP-TEE's system-call layer: every command calls the
 * _utee_* functions directly (not the TEE_* ones, except to cross-check)
 * and checks their results here, returning the number of the first
 * failed check (see include/utee_sys_ta.h and ../README.md).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <user_ta_header.h>
#include <utee_syscalls.h>

#include <utee_sys_ta.h>

_Static_assert(sizeof(struct utee_params) == 72, "utee_params");
_Static_assert(sizeof(struct utee_attribute) == 24, "utee_attribute");
_Static_assert(sizeof(struct utee_object_info) == 28, "utee_object_info");

/* Failed check n: a condition, or a call whose result is not `want`. */
#define CHECK(n, cond) \
	do { \
		if (!(cond)) \
			return (n); \
	} while (0)
#define EXPECT(n, call, want) \
	do { \
		TEE_Result r__ = (call); \
		if (r__ != (want)) { \
			*res = r__; \
			return (n); \
		} \
	} while (0)

#define SET_TA		((unsigned long)TEE_PROPSET_CURRENT_TA)
#define SET_CLIENT	((unsigned long)TEE_PROPSET_CURRENT_CLIENT)
#define SET_TEE		((unsigned long)TEE_PROPSET_TEE_IMPLEMENTATION)

#define PARAMS_TA_UUID \
	{ 0x69de423a, 0xd673, 0x49d1, \
		{ 0xa5, 0xac, 0x22, 0xb9, 0xda, 0xe8, 0x97, 0x76 } }

static const uint8_t sha256_abc[32] = {
	0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde,
	0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
	0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};
static const uint8_t sha256_empty[32] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8,
	0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
	0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

/* NIST SP 800-38A F.2.1 (CBC-AES128), two blocks. */
static const uint8_t cbc_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const uint8_t cbc_iv[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const uint8_t cbc_pt[32] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
	0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c,
	0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
};
static const uint8_t cbc_ct[32] = {
	0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
	0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d,
	0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72, 0x19, 0xee,
	0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2,
};

/* The GCM specification's test case 2: zero key, IV and plaintext. */
static const uint8_t gcm_ct[16] = {
	0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92,
	0xf3, 0x28, 0xc2, 0xb9, 0x71, 0xb2, 0xfe, 0x78,
};
static const uint8_t gcm_tag[16] = {
	0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd,
	0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57, 0xbd, 0xdf,
};

/* RFC 4231 test case 2. */
static const uint8_t hmac_sha256_jefe[32] = {
	0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26,
	0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
	0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
};

static const char rodata_text[] = "read-only text of the image";

/* Set by code that runs only if _utee_return did not end the entry. */
static uint32_t after_return;

static struct utee_attribute ref_attr(uint32_t id, const void *buf,
				      size_t len)
{
	struct utee_attribute a = { 0 };

	a.a = (uintptr_t)buf;
	a.b = len;
	a.attribute_id = id;
	return a;
}

static struct utee_attribute value_attr(uint32_t id, uint32_t x, uint32_t y)
{
	struct utee_attribute a = { 0 };

	a.a = x;
	a.b = y;
	a.attribute_id = id;
	return a;
}

/* A transient AES key object holding `key` (16 bytes). */
static TEE_Result aes_key(const uint8_t *key, uint32_t *obj)
{
	struct utee_attribute a = ref_attr(TEE_ATTR_SECRET_VALUE, key, 16);
	TEE_Result r = _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, obj);

	if (r)
		return r;
	return _utee_cryp_obj_populate(*obj, &a, 1);
}

/* SHA-256 of `len` bytes into out[32], through a state. */
static TEE_Result sha256(const void *msg, size_t len, uint8_t *out)
{
	uint32_t s = 0;
	uint64_t n = 32;
	TEE_Result r = _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST,
					      0, 0, &s);

	if (r)
		return r;
	r = _utee_hash_final(s, msg, len, out, &n);
	_utee_cryp_state_free(s);
	if (!r && n != 32)
		r = TEE_ERROR_GENERIC;
	return r;
}

static uint32_t cmd_props(TEE_Result *res)
{
	const char *n = "gpd.ta.appID";
	const char *u = "com.oxtee.utee.u32";
	const char *v = "gpd.tee.apiversion";
	const char *c = "gpd.client.identity";
	TEE_UUID me = TA_UTEE_SYS_UUID;
	TEE_PropSetHandle e = TEE_HANDLE_NULL;
	char name[128] = { 0 };
	char ename[128] = { 0 };
	uint8_t buf[128] = { 0 };
	uint32_t idx = 0;
	uint32_t nlen = 0;
	uint32_t blen = 0;
	uint32_t type = 99;
	uint32_t i = 0;
	uint32_t x = 0;

	EXPECT(1, _utee_get_property_name_to_index(SET_TA, n, strlen(n) + 1,
						   &idx), TEE_SUCCESS);
	nlen = sizeof(name);
	blen = sizeof(buf);
	EXPECT(2, _utee_get_property(SET_TA, idx, name, &nlen, buf, &blen,
				     &type), TEE_SUCCESS);
	CHECK(3, type == USER_TA_PROP_TYPE_UUID && nlen == strlen(n) + 1 &&
		 !strcmp(name, n));
	CHECK(4, blen == sizeof(TEE_UUID) && !memcmp(buf, &me, sizeof(me)));
	/* Too small: the size needed comes back. */
	blen = 4;
	EXPECT(5, _utee_get_property(SET_TA, idx, NULL, NULL, buf, &blen, NULL),
	       TEE_ERROR_SHORT_BUFFER);
	CHECK(6, blen == sizeof(TEE_UUID));
	nlen = 3;
	EXPECT(7, _utee_get_property(SET_TA, idx, name, &nlen, NULL, NULL,
				     NULL), TEE_ERROR_SHORT_BUFFER);
	CHECK(8, nlen == strlen(n) + 1);
	/* The TA's own extra property. */
	EXPECT(9, _utee_get_property_name_to_index(SET_TA, u, strlen(u) + 1,
						   &idx), TEE_SUCCESS);
	blen = sizeof(buf);
	EXPECT(10, _utee_get_property(SET_TA, idx, NULL, NULL, buf, &blen,
				      &type), TEE_SUCCESS);
	memcpy(&x, buf, 4);
	CHECK(11, type == USER_TA_PROP_TYPE_U32 && blen == 4 && x == 1234);
	/* The implementation's set: a string with its NUL. */
	EXPECT(12, _utee_get_property_name_to_index(SET_TEE, v, strlen(v) + 1,
						    &idx), TEE_SUCCESS);
	blen = sizeof(buf);
	EXPECT(13, _utee_get_property(SET_TEE, idx, NULL, NULL, buf, &blen,
				      &type), TEE_SUCCESS);
	CHECK(14, type == USER_TA_PROP_TYPE_STRING && blen > 1 &&
		  blen == strnlen((char *)buf, sizeof(buf)) + 1);
	/* The client's identity: a TEE_Identity (public login here). */
	EXPECT(15, _utee_get_property_name_to_index(SET_CLIENT, c,
						    strlen(c) + 1, &idx),
	       TEE_SUCCESS);
	blen = sizeof(buf);
	EXPECT(16, _utee_get_property(SET_CLIENT, idx, NULL, NULL, buf, &blen,
				      &type), TEE_SUCCESS);
	memcpy(&x, buf, 4);
	CHECK(17, type == USER_TA_PROP_TYPE_IDENTITY &&
		  blen == sizeof(TEE_Identity) && x == TEE_LOGIN_PUBLIC);
	/* What is not there. */
	EXPECT(18, _utee_get_property_name_to_index(SET_TA, "no.such", 8, &idx),
	       TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(19, _utee_get_property(SET_TA, 100000, NULL, NULL, NULL, NULL,
				      &type), TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(20, _utee_get_property(0x1234, 0, NULL, NULL, NULL, NULL, &type),
	       TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(21, _utee_get_property_name_to_index(0x1234, n, strlen(n) + 1,
						    &idx),
	       TEE_ERROR_ITEM_NOT_FOUND);
	/* The indexes follow a TEE_* enumerator's order, to the end. */
	EXPECT(22, TEE_AllocatePropertyEnumerator(&e), TEE_SUCCESS);
	TEE_StartPropertyEnumerator(e, TEE_PROPSET_CURRENT_TA);
	for (i = 0; i < 1000; i++) {
		size_t el = sizeof(ename);

		EXPECT(23, TEE_GetPropertyName(e, ename, &el), TEE_SUCCESS);
		nlen = sizeof(name);
		EXPECT(24, _utee_get_property(SET_TA, i, name, &nlen, NULL,
					      NULL, NULL), TEE_SUCCESS);
		CHECK(25, !strcmp(name, ename));
		if (TEE_GetNextProperty(e) != TEE_SUCCESS)
			break;
	}
	TEE_FreePropertyEnumerator(e);
	CHECK(26, i > 5 && i < 1000);
	EXPECT(27, _utee_get_property(SET_TA, i + 1, NULL, NULL, NULL, NULL,
				      &type), TEE_ERROR_ITEM_NOT_FOUND);
	/* The same value as the TEE_* getter. */
	EXPECT(28, TEE_GetPropertyAsU32(TEE_PROPSET_CURRENT_TA, u, &x),
	       TEE_SUCCESS);
	CHECK(29, x == 1234);
	return 0;
}

static uint32_t cmd_time(TEE_Result *res, TEE_Param *p)
{
	TEE_Time t0 = { 0 };
	TEE_Time t1 = { 0 };
	TEE_Time t2 = { 0 };
	TEE_Time pt = { 1000, 500 };
	uint32_t old = 9;
	uint32_t flag = 9;
	uint8_t stack[16] = { 0 };
	uint64_t ms = 0;

	EXPECT(1, _utee_get_time(UTEE_TIME_CAT_SYSTEM, &t0), TEE_SUCCESS);
	EXPECT(2, _utee_get_time(UTEE_TIME_CAT_REE, &t1), TEE_SUCCESS);
	CHECK(3, t1.seconds > 1600000000 && t1.millis < 1000);
	p[1].value.a = t1.seconds;
	p[1].value.b = t1.millis;
	EXPECT(4, _utee_wait(30), TEE_SUCCESS);
	EXPECT(5, _utee_get_time(UTEE_TIME_CAT_SYSTEM, &t2), TEE_SUCCESS);
	ms = (uint64_t)t2.seconds * 1000 + t2.millis -
	     ((uint64_t)t0.seconds * 1000 + t0.millis);
	CHECK(6, t2.seconds >= t0.seconds && ms >= 30 && ms < 10000);
	EXPECT(7, _utee_set_ta_time(&pt), TEE_SUCCESS);
	EXPECT(8, _utee_get_time(UTEE_TIME_CAT_TA_PERSISTENT, &t2),
	       TEE_SUCCESS);
	CHECK(9, t2.seconds >= 1000 && t2.seconds < 1100);
	/* The cancellation mask, with the old state out. */
	EXPECT(10, _utee_mask_cancellation(&old), TEE_SUCCESS);
	EXPECT(11, _utee_unmask_cancellation(&old), TEE_SUCCESS);
	CHECK(12, old == 1);
	EXPECT(13, _utee_get_cancellation_flag(&flag), TEE_SUCCESS);
	CHECK(14, flag == 0);
	EXPECT(15, _utee_mask_cancellation(&old), TEE_SUCCESS);
	CHECK(16, old == 0);
	/* Access rights as TEE_CheckMemoryAccessRights answers them. */
	EXPECT(17, _utee_check_access_rights(TEE_MEMORY_ACCESS_READ |
					     TEE_MEMORY_ACCESS_WRITE,
					     stack, sizeof(stack)),
	       TEE_SUCCESS);
	EXPECT(18, _utee_check_access_rights(TEE_MEMORY_ACCESS_WRITE,
					     rodata_text, 4),
	       TEE_ERROR_ACCESS_DENIED);
	EXPECT(19, _utee_check_access_rights(TEE_MEMORY_ACCESS_READ, NULL, 16),
	       TEE_ERROR_ACCESS_DENIED);
	return 0;
}

static uint32_t cmd_random(TEE_Result *res, TEE_Param *p)
{
	uint8_t a[32] = { 0 };
	uint8_t b[32] = { 0 };
	uint8_t zero[32] = { 0 };

	EXPECT(1, _utee_cryp_random_number_generate(a, sizeof(a)), TEE_SUCCESS);
	EXPECT(2, _utee_cryp_random_number_generate(b, sizeof(b)), TEE_SUCCESS);
	CHECK(3, memcmp(a, b, sizeof(a)) && memcmp(a, zero, sizeof(a)));
	EXPECT(4, _utee_cryp_random_number_generate(NULL, 0), TEE_SUCCESS);
	/* Straight into the client's memory. */
	EXPECT(5, _utee_cryp_random_number_generate(p[1].memref.buffer,
						    p[1].memref.size),
	       TEE_SUCCESS);
	return 0;
}

static uint32_t cmd_sha256(TEE_Result *res, TEE_Param *p)
{
	uint8_t out[32] = { 0 };
	uint64_t n = sizeof(out);
	uint32_t s = 0;
	uint32_t s2 = 0;

	EXPECT(1, _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST, 0, 0,
					 &s), TEE_SUCCESS);
	EXPECT(2, _utee_hash_update(s, "a", 1), TEE_SUCCESS);
	EXPECT(3, _utee_hash_update(s, "b", 1), TEE_SUCCESS);
	EXPECT(4, _utee_hash_final(s, "c", 1, out, &n), TEE_SUCCESS);
	CHECK(5, n == 32 && !memcmp(out, sha256_abc, 32));
	/* After a final the state starts again. */
	n = sizeof(out);
	EXPECT(6, _utee_hash_final(s, NULL, 0, out, &n), TEE_SUCCESS);
	CHECK(7, n == 32 && !memcmp(out, sha256_empty, 32));
	/* A copy carries the input so far. */
	EXPECT(8, _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST, 0, 0,
					 &s2), TEE_SUCCESS);
	EXPECT(9, _utee_hash_update(s, "ab", 2), TEE_SUCCESS);
	EXPECT(10, _utee_cryp_state_copy(s2, s), TEE_SUCCESS);
	EXPECT(11, _utee_hash_update(s, "garbage", 7), TEE_SUCCESS);
	n = sizeof(out);
	EXPECT(12, _utee_hash_final(s2, "c", 1, out, &n), TEE_SUCCESS);
	CHECK(13, !memcmp(out, sha256_abc, 32));
	/* hash_init forgets the input. */
	EXPECT(14, _utee_hash_init(s, NULL, 0), TEE_SUCCESS);
	n = sizeof(out);
	EXPECT(15, _utee_hash_final(s, "abc", 3, out, &n), TEE_SUCCESS);
	CHECK(16, !memcmp(out, sha256_abc, 32));
	/* The digest matches the TEE_* API's. */
	n = p[1].memref.size;
	EXPECT(17, _utee_hash_final(s, "abc", 3, p[1].memref.buffer, &n),
	       TEE_SUCCESS);
	p[1].memref.size = n;
	EXPECT(18, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(19, _utee_cryp_state_free(s2), TEE_SUCCESS);
	/* Freed: unknown from now on. */
	EXPECT(20, _utee_hash_update(s, "a", 1), TEE_ERROR_BAD_PARAMETERS);
	return 0;
}

static uint32_t cmd_aes(TEE_Result *res)
{
	uint8_t zero[16] = { 0 };
	uint8_t out[64] = { 0 };
	uint8_t tag[16] = { 0 };
	uint8_t got[16] = { 0 };
	struct utee_object_info info = { 0 };
	uint64_t n = 0;
	uint64_t tn = 0;
	uint32_t k = 0;
	uint32_t k2 = 0;
	uint32_t kg = 0;
	uint32_t s = 0;
	uint32_t s2 = 0;
	struct utee_attribute za = ref_attr(TEE_ATTR_SECRET_VALUE, zero, 16);

	EXPECT(1, aes_key(cbc_key, &k), TEE_SUCCESS);
	EXPECT(2, _utee_cryp_obj_get_info(k, &info), TEE_SUCCESS);
	CHECK(3, info.obj_type == TEE_TYPE_AES && info.obj_size == 128 &&
		 info.max_obj_size == 128 &&
		 (info.handle_flags & TEE_HANDLE_FLAG_INITIALIZED));
	n = sizeof(got);
	EXPECT(4, _utee_cryp_obj_get_attr(k, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_SUCCESS);
	CHECK(5, n == 16 && !memcmp(got, cbc_key, 16));
	/* A second key with the same value, for decryption. */
	EXPECT(6, _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, &k2), TEE_SUCCESS);
	EXPECT(7, _utee_cryp_obj_copy(k2, k), TEE_SUCCESS);
	/* AES-CBC encryption: one block by update, one by final. */
	EXPECT(8, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					 TEE_MODE_ENCRYPT, k, 0, &s),
	       TEE_SUCCESS);
	EXPECT(9, _utee_cipher_init(s, cbc_iv, 16), TEE_SUCCESS);
	n = sizeof(out);
	EXPECT(10, _utee_cipher_update(s, cbc_pt, 16, out, &n), TEE_SUCCESS);
	CHECK(11, n == 16);
	n = sizeof(out) - 16;
	EXPECT(12, _utee_cipher_final(s, cbc_pt + 16, 16, out + 16, &n),
	       TEE_SUCCESS);
	CHECK(13, n == 16 && !memcmp(out, cbc_ct, 32));
	/* The key belongs to the state while it lives. */
	EXPECT(14, _utee_cryp_obj_close(k), TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(15, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					  TEE_MODE_ENCRYPT, k, 0, &s2),
	       TEE_ERROR_BAD_PARAMETERS);
	/* Decryption in one final. */
	EXPECT(16, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					  TEE_MODE_DECRYPT, k2, 0, &s2),
	       TEE_SUCCESS);
	EXPECT(17, _utee_cipher_init(s2, cbc_iv, 16), TEE_SUCCESS);
	n = sizeof(out);
	EXPECT(18, _utee_cipher_final(s2, cbc_ct, 32, out, &n), TEE_SUCCESS);
	CHECK(19, n == 32 && !memcmp(out, cbc_pt, 32));
	/* Freeing a state closes its key. */
	EXPECT(20, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(21, _utee_cryp_obj_close(k), TEE_ERROR_BAD_STATE);
	EXPECT(22, _utee_cryp_state_free(s2), TEE_SUCCESS);
	EXPECT(23, _utee_cryp_obj_get_info(k2, &info), TEE_ERROR_BAD_STATE);

	/* AES-GCM (test case 2), encrypt then decrypt. */
	EXPECT(24, _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, &kg), TEE_SUCCESS);
	EXPECT(25, _utee_cryp_obj_populate(kg, &za, 1), TEE_SUCCESS);
	EXPECT(26, _utee_cryp_state_alloc(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT,
					  kg, 0, &s), TEE_SUCCESS);
	EXPECT(27, _utee_authenc_init(s, zero, 12, 16, 0, 16), TEE_SUCCESS);
	n = sizeof(out);
	tn = sizeof(tag);
	EXPECT(28, _utee_authenc_enc_final(s, zero, 16, out, &n, tag, &tn),
	       TEE_SUCCESS);
	CHECK(29, n == 16 && tn == 16 && !memcmp(out, gcm_ct, 16) &&
		  !memcmp(tag, gcm_tag, 16));
	EXPECT(30, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(31, _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, &kg), TEE_SUCCESS);
	EXPECT(32, _utee_cryp_obj_populate(kg, &za, 1), TEE_SUCCESS);
	EXPECT(33, _utee_cryp_state_alloc(TEE_ALG_AES_GCM, TEE_MODE_DECRYPT,
					  kg, 0, &s), TEE_SUCCESS);
	EXPECT(34, _utee_authenc_init(s, zero, 12, 16, 0, 16), TEE_SUCCESS);
	n = 8;
	EXPECT(35, _utee_authenc_update_payload(s, gcm_ct, 8, out, &n),
	       TEE_SUCCESS);
	CHECK(36, n == 8);
	n = sizeof(out) - 8;
	EXPECT(37, _utee_authenc_dec_final(s, gcm_ct + 8, 8, out + 8, &n,
					   gcm_tag, 16), TEE_SUCCESS);
	CHECK(38, n == 8 && !memcmp(out, zero, 16));
	/* With AAD: the tag covers it. */
	EXPECT(39, _utee_authenc_init(s, zero, 12, 16, 3, 16), TEE_SUCCESS);
	EXPECT(40, _utee_authenc_update_aad(s, "aad", 3), TEE_SUCCESS);
	n = sizeof(out);
	EXPECT(41, _utee_authenc_dec_final(s, gcm_ct, 16, out, &n, gcm_tag,
					   16), TEE_ERROR_MAC_INVALID);
	EXPECT(42, _utee_cryp_state_free(s), TEE_SUCCESS);
	return 0;
}

static uint32_t cmd_asym(TEE_Result *res)
{
	const char *msg = "what do ya want for nothing?";
	uint8_t digest[32] = { 0 };
	uint8_t sig[64] = { 0 };
	uint8_t mac[32] = { 0 };
	uint8_t ax[32] = { 0 };
	uint8_t ay[32] = { 0 };
	uint8_t bx[32] = { 0 };
	uint8_t by[32] = { 0 };
	uint8_t sa[32] = { 0 };
	uint8_t sb[32] = { 0 };
	uint32_t words[2] = { 0 };
	struct utee_attribute a = { 0 };
	struct utee_attribute curve = value_attr(TEE_ATTR_ECC_CURVE,
						 TEE_ECC_CURVE_NIST_P256, 0);
	struct utee_attribute peer[2];
	uint64_t n = 0;
	uint32_t hk = 0;
	uint32_t kp = 0;
	uint32_t pub = 0;
	uint32_t ka = 0;
	uint32_t kb = 0;
	uint32_t da = 0;
	uint32_t db = 0;
	uint32_t s = 0;
	uint32_t v = 0;

	/* HMAC-SHA256 through the hash functions, a generic secret key. */
	a = ref_attr(TEE_ATTR_SECRET_VALUE, "Jefe", 4);
	EXPECT(1, _utee_cryp_obj_alloc(TEE_TYPE_GENERIC_SECRET, 256, &hk),
	       TEE_SUCCESS);
	EXPECT(2, _utee_cryp_obj_populate(hk, &a, 1), TEE_SUCCESS);
	EXPECT(3, _utee_cryp_state_alloc(TEE_ALG_HMAC_SHA256, TEE_MODE_MAC, hk,
					 0, &s), TEE_SUCCESS);
	EXPECT(4, _utee_hash_init(s, NULL, 0), TEE_SUCCESS);
	EXPECT(5, _utee_hash_update(s, msg, 10), TEE_SUCCESS);
	n = sizeof(mac);
	EXPECT(6, _utee_hash_final(s, msg + 10, strlen(msg) - 10, mac, &n),
	       TEE_SUCCESS);
	CHECK(7, n == 32 && !memcmp(mac, hmac_sha256_jefe, 32));
	EXPECT(8, _utee_cryp_state_free(s), TEE_SUCCESS);

	/* ECDSA P-256: a generated key pair signs, its public half
	 * verifies. */
	EXPECT(9, _utee_cryp_obj_alloc(TEE_TYPE_ECDSA_KEYPAIR, 256, &kp),
	       TEE_SUCCESS);
	EXPECT(10, _utee_cryp_obj_generate_key(kp, 256, &curve, 1),
	       TEE_SUCCESS);
	/* A value attribute: two 32-bit words, 8 bytes. */
	n = sizeof(words);
	EXPECT(11, _utee_cryp_obj_get_attr(kp, TEE_ATTR_ECC_CURVE, words, &n),
	       TEE_SUCCESS);
	CHECK(12, n == 8 && words[0] == TEE_ECC_CURVE_NIST_P256 &&
		  words[1] == 0);
	n = 4;
	EXPECT(13, _utee_cryp_obj_get_attr(kp, TEE_ATTR_ECC_CURVE, words, &n),
	       TEE_ERROR_SHORT_BUFFER);
	CHECK(14, n == 8);
	EXPECT(15, _utee_cryp_obj_alloc(TEE_TYPE_ECDSA_PUBLIC_KEY, 256, &pub),
	       TEE_SUCCESS);
	EXPECT(16, _utee_cryp_obj_copy(pub, kp), TEE_SUCCESS);
	EXPECT(17, sha256("message", 7, digest), TEE_SUCCESS);
	EXPECT(18, _utee_cryp_state_alloc(TEE_ALG_ECDSA_SHA256, TEE_MODE_SIGN,
					  kp, 0, &s), TEE_SUCCESS);
	n = 10;
	EXPECT(19, _utee_asymm_operate(s, NULL, 0, digest, 32, sig, &n),
	       TEE_ERROR_SHORT_BUFFER);
	CHECK(20, n == 64);
	EXPECT(21, _utee_asymm_operate(s, NULL, 0, digest, 32, sig, &n),
	       TEE_SUCCESS);
	CHECK(22, n == 64);
	EXPECT(23, _utee_cryp_state_alloc(TEE_ALG_ECDSA_SHA256,
					  TEE_MODE_VERIFY, pub, 0, &v),
	       TEE_SUCCESS);
	EXPECT(24, _utee_asymm_verify(v, NULL, 0, digest, 32, sig, 64),
	       TEE_SUCCESS);
	sig[5] ^= 1;
	EXPECT(25, _utee_asymm_verify(v, NULL, 0, digest, 32, sig, 64),
	       TEE_ERROR_SIGNATURE_INVALID);
	/* A verify state does not sign. */
	n = sizeof(sig);
	EXPECT(26, _utee_asymm_operate(v, NULL, 0, digest, 32, sig, &n),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(27, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(28, _utee_cryp_state_free(v), TEE_SUCCESS);

	/* ECDH P-256 both ways: the same shared secret. */
	EXPECT(29, _utee_cryp_obj_alloc(TEE_TYPE_ECDH_KEYPAIR, 256, &ka),
	       TEE_SUCCESS);
	EXPECT(30, _utee_cryp_obj_generate_key(ka, 256, &curve, 1),
	       TEE_SUCCESS);
	EXPECT(31, _utee_cryp_obj_alloc(TEE_TYPE_ECDH_KEYPAIR, 256, &kb),
	       TEE_SUCCESS);
	EXPECT(32, _utee_cryp_obj_generate_key(kb, 256, &curve, 1),
	       TEE_SUCCESS);
	n = 32;
	EXPECT(33, _utee_cryp_obj_get_attr(ka, TEE_ATTR_ECC_PUBLIC_VALUE_X, ax,
					   &n), TEE_SUCCESS);
	n = 32;
	EXPECT(34, _utee_cryp_obj_get_attr(ka, TEE_ATTR_ECC_PUBLIC_VALUE_Y, ay,
					   &n), TEE_SUCCESS);
	n = 32;
	EXPECT(35, _utee_cryp_obj_get_attr(kb, TEE_ATTR_ECC_PUBLIC_VALUE_X, bx,
					   &n), TEE_SUCCESS);
	n = 32;
	EXPECT(36, _utee_cryp_obj_get_attr(kb, TEE_ATTR_ECC_PUBLIC_VALUE_Y, by,
					   &n), TEE_SUCCESS);
	EXPECT(37, _utee_cryp_obj_alloc(TEE_TYPE_GENERIC_SECRET, 256, &da),
	       TEE_SUCCESS);
	EXPECT(38, _utee_cryp_obj_alloc(TEE_TYPE_GENERIC_SECRET, 256, &db),
	       TEE_SUCCESS);
	EXPECT(39, _utee_cryp_state_alloc(TEE_ALG_ECDH_DERIVE_SHARED_SECRET,
					  TEE_MODE_DERIVE, ka, 0, &s),
	       TEE_SUCCESS);
	peer[0] = ref_attr(TEE_ATTR_ECC_PUBLIC_VALUE_X, bx, 32);
	peer[1] = ref_attr(TEE_ATTR_ECC_PUBLIC_VALUE_Y, by, 32);
	EXPECT(40, _utee_cryp_derive_key(s, peer, 2, da), TEE_SUCCESS);
	EXPECT(41, _utee_cryp_state_alloc(TEE_ALG_ECDH_DERIVE_SHARED_SECRET,
					  TEE_MODE_DERIVE, kb, 0, &v),
	       TEE_SUCCESS);
	peer[0] = ref_attr(TEE_ATTR_ECC_PUBLIC_VALUE_X, ax, 32);
	peer[1] = ref_attr(TEE_ATTR_ECC_PUBLIC_VALUE_Y, ay, 32);
	EXPECT(42, _utee_cryp_derive_key(v, peer, 2, db), TEE_SUCCESS);
	n = 32;
	EXPECT(43, _utee_cryp_obj_get_attr(da, TEE_ATTR_SECRET_VALUE, sa, &n),
	       TEE_SUCCESS);
	n = 32;
	EXPECT(44, _utee_cryp_obj_get_attr(db, TEE_ATTR_SECRET_VALUE, sb, &n),
	       TEE_SUCCESS);
	CHECK(45, n == 32 && !memcmp(sa, sb, 32));
	EXPECT(46, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(47, _utee_cryp_state_free(v), TEE_SUCCESS);
	EXPECT(48, _utee_cryp_obj_close(da), TEE_SUCCESS);
	EXPECT(49, _utee_cryp_obj_close(db), TEE_SUCCESS);
	/* The verify state took the public key: freeing it closed the key. */
	EXPECT(50, _utee_cryp_obj_close(pub), TEE_ERROR_BAD_STATE);
	return 0;
}

#define RW_FLAGS (TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE | \
		  TEE_DATA_FLAG_ACCESS_WRITE_META | TEE_DATA_FLAG_OVERWRITE)

static uint32_t cmd_storage(TEE_Result *res)
{
	struct utee_object_info info = { 0 };
	char id[TEE_OBJECT_ID_MAX_LEN] = { 0 };
	char buf[64] = { 0 };
	uint8_t got[16] = { 0 };
	uint64_t count = 0;
	uint64_t n = 0;
	uint32_t h = 0;
	uint32_t h2 = 0;
	uint32_t k = 0;
	uint32_t e = 0;
	int found_b = 0;
	int found_c = 0;
	int i = 0;

	EXPECT(1, _utee_storage_obj_create(TEE_STORAGE_PRIVATE, "utee-a", 6,
					   RW_FLAGS, 0, "hello", 5, &h),
	       TEE_SUCCESS);
	/* A new object's data position is 0. */
	EXPECT(50, _utee_cryp_obj_get_info(h, &info), TEE_SUCCESS);
	CHECK(51, info.data_size == 5 && info.data_pos == 0);
	EXPECT(52, _utee_storage_obj_seek(h, 0, TEE_DATA_SEEK_END),
	       TEE_SUCCESS);
	EXPECT(2, _utee_storage_obj_write(h, " world", 6), TEE_SUCCESS);
	EXPECT(3, _utee_cryp_obj_get_info(h, &info), TEE_SUCCESS);
	CHECK(4, info.obj_type == TEE_TYPE_DATA && info.data_size == 11 &&
		 info.data_pos == 11 &&
		 (info.handle_flags & TEE_HANDLE_FLAG_PERSISTENT));
	EXPECT(5, _utee_storage_obj_seek(h, 0, TEE_DATA_SEEK_SET), TEE_SUCCESS);
	EXPECT(6, _utee_storage_obj_read(h, buf, sizeof(buf), &count),
	       TEE_SUCCESS);
	CHECK(7, count == 11 && !memcmp(buf, "hello world", 11));
	EXPECT(8, _utee_storage_obj_seek(h, -5, TEE_DATA_SEEK_END),
	       TEE_SUCCESS);
	EXPECT(9, _utee_storage_obj_read(h, buf, sizeof(buf), &count),
	       TEE_SUCCESS);
	CHECK(10, count == 5 && !memcmp(buf, "world", 5));
	EXPECT(11, _utee_storage_obj_read(h, buf, sizeof(buf), &count),
	       TEE_SUCCESS);
	CHECK(12, count == 0);
	EXPECT(13, _utee_storage_obj_trunc(h, 5), TEE_SUCCESS);
	EXPECT(14, _utee_cryp_obj_get_info(h, &info), TEE_SUCCESS);
	CHECK(15, info.data_size == 5);
	EXPECT(16, _utee_storage_obj_rename(h, "utee-b", 6), TEE_SUCCESS);
	EXPECT(17, _utee_cryp_obj_close(h), TEE_SUCCESS);
	EXPECT(18, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, "utee-a", 6,
					  TEE_DATA_FLAG_ACCESS_READ, &h),
	       TEE_ERROR_ITEM_NOT_FOUND);
	/* Read only: writing and deleting conflict with the handle. */
	EXPECT(19, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, "utee-b", 6,
					  TEE_DATA_FLAG_ACCESS_READ, &h2),
	       TEE_SUCCESS);
	EXPECT(20, _utee_storage_obj_write(h2, "x", 1),
	       TEE_ERROR_ACCESS_CONFLICT);
	EXPECT(21, _utee_storage_obj_del(h2), TEE_ERROR_ACCESS_CONFLICT);
	EXPECT(22, _utee_storage_obj_read(h2, buf, sizeof(buf), &count),
	       TEE_SUCCESS);
	CHECK(23, count == 5 && !memcmp(buf, "hello", 5));
	EXPECT(24, _utee_cryp_obj_close(h2), TEE_SUCCESS);
	/* A persistent key object from a transient one. */
	EXPECT(25, aes_key(cbc_key, &k), TEE_SUCCESS);
	EXPECT(26, _utee_storage_obj_write(k, "x", 1), TEE_ERROR_BAD_STATE);
	EXPECT(27, _utee_storage_obj_create(TEE_STORAGE_PRIVATE, "utee-c", 6,
					    RW_FLAGS, k, NULL, 0, &h),
	       TEE_SUCCESS);
	n = sizeof(got);
	EXPECT(28, _utee_cryp_obj_get_attr(h, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_SUCCESS);
	CHECK(29, n == 16 && !memcmp(got, cbc_key, 16));
	EXPECT(30, _utee_cryp_obj_get_info(h, &info), TEE_SUCCESS);
	CHECK(31, info.obj_type == TEE_TYPE_AES && info.obj_size == 128);
	EXPECT(32, _utee_cryp_obj_reset(h), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(33, _utee_cryp_obj_close(h), TEE_SUCCESS);
	EXPECT(34, _utee_cryp_obj_close(k), TEE_SUCCESS);
	/* Enumerate. */
	EXPECT(35, _utee_storage_alloc_enum(&e), TEE_SUCCESS);
	EXPECT(36, _utee_storage_start_enum(e, TEE_STORAGE_PRIVATE),
	       TEE_SUCCESS);
	for (i = 0; i < 100; i++) {
		TEE_Result r = TEE_SUCCESS;

		n = 0;
		memset(id, 0, sizeof(id));
		r = _utee_storage_next_enum(e, &info, id, &n);
		if (r == TEE_ERROR_ITEM_NOT_FOUND)
			break;
		EXPECT(37, r, TEE_SUCCESS);
		if (n == 6 && !memcmp(id, "utee-b", 6))
			found_b = info.data_size == 5 &&
				  info.obj_type == TEE_TYPE_DATA;
		if (n == 6 && !memcmp(id, "utee-c", 6))
			found_c = info.obj_type == TEE_TYPE_AES;
	}
	CHECK(38, found_b && found_c);
	EXPECT(39, _utee_storage_reset_enum(e), TEE_SUCCESS);
	EXPECT(40, _utee_storage_next_enum(e, &info, id, &n),
	       TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(41, _utee_storage_free_enum(e), TEE_SUCCESS);
	EXPECT(42, _utee_storage_free_enum(e), TEE_ERROR_BAD_PARAMETERS);
	/* Delete both. */
	EXPECT(43, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, "utee-b", 6,
					  TEE_DATA_FLAG_ACCESS_WRITE_META, &h),
	       TEE_SUCCESS);
	EXPECT(44, _utee_storage_obj_del(h), TEE_SUCCESS);
	EXPECT(45, _utee_cryp_obj_close(h), TEE_ERROR_BAD_STATE);
	EXPECT(46, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, "utee-c", 6,
					  TEE_DATA_FLAG_ACCESS_WRITE_META, &h),
	       TEE_SUCCESS);
	EXPECT(47, _utee_storage_obj_del(h), TEE_SUCCESS);
	EXPECT(48, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, "utee-b", 6,
					  TEE_DATA_FLAG_ACCESS_READ, &h),
	       TEE_ERROR_ITEM_NOT_FOUND);
	return 0;
}

static uint32_t cmd_ta2ta(TEE_Result *res, TEE_Param *p)
{
	TEE_UUID dest = PARAMS_TA_UUID;
	TEE_UUID nobody = { 0x11111111, 0x2222, 0x3333,
			    { 4, 4, 4, 4, 4, 4, 4, 4 } };
	struct utee_params up = { 0 };
	TEE_Param tp[4];
	uint8_t out[8] = { 0 };
	uint8_t small[10] = { 0 };
	uint8_t *inout = TEE_Malloc(3, TEE_MALLOC_FILL_ZERO);
	uint32_t orig = 0;
	uint32_t sess = 0;
	uint32_t none = 0;
	size_t i = 0;

	CHECK(1, inout);
	/* Open: the params TA adds one to a value in/out. */
	up.types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
				   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				   TEE_PARAM_TYPE_NONE);
	up.vals[0] = 41;
	EXPECT(2, _utee_open_ta_session(&dest, TEE_TIMEOUT_INFINITE, &up,
					&sess, &orig), TEE_SUCCESS);
	CHECK(3, orig == TEE_ORIGIN_TRUSTED_APP && up.vals[1] == 42);
	/* Echo: values out and in/out, memrefs in/out and out. */
	inout[0] = 1;
	inout[1] = 2;
	inout[2] = 3;
	memset(&up, 0, sizeof(up));
	up.types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
				   TEE_PARAM_TYPE_MEMREF_INOUT,
				   TEE_PARAM_TYPE_MEMREF_OUTPUT,
				   TEE_PARAM_TYPE_VALUE_INOUT);
	up.vals[2] = (uintptr_t)inout;
	up.vals[3] = 3;
	up.vals[4] = (uintptr_t)out;
	up.vals[5] = sizeof(out);
	up.vals[6] = 5;
	up.vals[7] = 7;
	EXPECT(4, _utee_invoke_ta_command(sess, TEE_TIMEOUT_INFINITE, 0, &up,
					  &orig), TEE_SUCCESS);
	CHECK(5, up.vals[0] == 0x1111 && up.vals[1] == 0x2222);
	CHECK(6, inout[0] == 2 && inout[1] == 3 && inout[2] == 4 &&
		 up.vals[3] == 3);
	for (i = 0; i < sizeof(out); i++)
		CHECK(7, out[i] == 0xA2);
	CHECK(8, up.vals[5] == sizeof(out) && up.vals[6] == 6 &&
		 up.vals[7] == 9);
	/* A short buffer: the size the callee needs, its origin. */
	memset(&up, 0, sizeof(up));
	up.types = TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_OUTPUT,
				   TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				   TEE_PARAM_TYPE_NONE);
	up.vals[0] = (uintptr_t)small;
	up.vals[1] = sizeof(small);
	EXPECT(9, _utee_invoke_ta_command(sess, TEE_TIMEOUT_INFINITE, 1, &up,
					  &orig), TEE_ERROR_SHORT_BUFFER);
	CHECK(10, up.vals[1] == 100 && orig == TEE_ORIGIN_TRUSTED_APP);
	/* The handle is a TEE_TASessionHandle too. */
	memset(tp, 0, sizeof(tp));
	EXPECT(11, TEE_InvokeTACommand((TEE_TASessionHandle)(uintptr_t)sess,
				       TEE_TIMEOUT_INFINITE, 0,
				       TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
						       TEE_PARAM_TYPE_NONE,
						       TEE_PARAM_TYPE_NONE,
						       TEE_PARAM_TYPE_NONE),
				       tp, &orig), TEE_SUCCESS);
	CHECK(12, tp[0].value.a == 0x1111);
	/* No parameters at all. */
	EXPECT(13, _utee_invoke_ta_command(sess, TEE_TIMEOUT_INFINITE, 5, NULL,
					   &orig), TEE_SUCCESS);
	EXPECT(14, _utee_close_ta_session(sess), TEE_SUCCESS);
	EXPECT(15, _utee_close_ta_session(sess), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(16, _utee_invoke_ta_command(sess, TEE_TIMEOUT_INFINITE, 5, NULL,
					   &orig), TEE_ERROR_BAD_PARAMETERS);
	/* A TA that does not exist: reported to the client. */
	orig = 0;
	p[1].value.a = _utee_open_ta_session(&nobody, TEE_TIMEOUT_INFINITE,
					     NULL, &none, &orig);
	p[1].value.b = orig;
	TEE_Free(inout);
	return 0;
}

static uint32_t cmd_bad_input(TEE_Result *res)
{
	struct utee_object_info info = { 0 };
	struct utee_params up = { 0 };
	struct utee_attribute a = { 0 };
	TEE_UUID dest = PARAMS_TA_UUID;
	TEE_Time t = { 1, 1000 };
	uint8_t out[32] = { 0 };
	uint8_t got[16] = { 0 };
	char id[TEE_OBJECT_ID_MAX_LEN + 1] = { 0 };
	uint64_t n = 0;
	uint32_t s = 0;
	uint32_t c = 0;
	uint32_t k = 0;
	uint32_t k2 = 0;
	uint32_t x = 0;

	/* Unknown handles of every kind. */
	EXPECT(1, _utee_hash_update(1234, "a", 1), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(2, _utee_hash_update(0x6f00fff0, "a", 1),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(3, _utee_cryp_state_free(1234), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(4, _utee_cryp_state_copy(1234, 1234), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(5, _utee_cipher_init(1234, NULL, 0), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(6, _utee_cryp_obj_get_info(1234, &info), TEE_ERROR_BAD_STATE);
	n = sizeof(got);
	EXPECT(7, _utee_cryp_obj_get_attr(1234, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_ERROR_ITEM_NOT_FOUND);
	EXPECT(8, _utee_cryp_obj_close(1234), TEE_ERROR_BAD_STATE);
	EXPECT(9, _utee_storage_free_enum(1234), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(10, _utee_close_ta_session(1234), TEE_ERROR_BAD_PARAMETERS);
	/* A short digest buffer: the size needed, the state unchanged. */
	EXPECT(11, _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST, 0,
					  0, &s), TEE_SUCCESS);
	EXPECT(12, _utee_hash_update(s, "ab", 2), TEE_SUCCESS);
	n = 16;
	EXPECT(13, _utee_hash_final(s, "c", 1, out, &n),
	       TEE_ERROR_SHORT_BUFFER);
	CHECK(14, n == 32);
	EXPECT(15, _utee_hash_final(s, "c", 1, out, &n), TEE_SUCCESS);
	CHECK(16, n == 32 && !memcmp(out, sha256_abc, 32));
	/* States used for what they are not. */
	EXPECT(17, aes_key(cbc_key, &k), TEE_SUCCESS);
	EXPECT(18, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					  TEE_MODE_ENCRYPT, k, 0, &c),
	       TEE_SUCCESS);
	EXPECT(19, _utee_hash_update(c, "a", 1), TEE_ERROR_BAD_PARAMETERS);
	n = sizeof(out);
	EXPECT(20, _utee_cipher_update(c, out, 16, out, &n),
	       TEE_ERROR_BAD_STATE);
	EXPECT(21, _utee_cipher_init(s, cbc_iv, 16), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(22, _utee_cipher_init(c, cbc_iv, 3), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(23, _utee_cryp_state_copy(s, c), TEE_ERROR_BAD_PARAMETERS);
	/* Keys a state does not take, or lacks. */
	EXPECT(24, aes_key(cbc_key, &k2), TEE_SUCCESS);
	EXPECT(25, _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST, k2,
					  0, &x), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(26, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					  TEE_MODE_ENCRYPT, 0, 0, &x),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(27, _utee_cryp_state_alloc(0x12345678, TEE_MODE_ENCRYPT, k2, 0,
					  &x), TEE_ERROR_NOT_SUPPORTED);
	EXPECT(28, _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
					  TEE_MODE_ENCRYPT, 1234, 0, &x),
	       TEE_ERROR_BAD_STATE);
	/* Object rules. */
	n = 8;
	EXPECT(29, _utee_cryp_obj_get_attr(k2, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_ERROR_SHORT_BUFFER);
	CHECK(30, n == 16);
	a = ref_attr(TEE_ATTR_SECRET_VALUE, cbc_key, 16);
	EXPECT(31, _utee_cryp_obj_populate(k2, &a, 1),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(32, _utee_cryp_obj_restrict_usage(k2, ~TEE_USAGE_EXTRACTABLE),
	       TEE_SUCCESS);
	n = sizeof(got);
	EXPECT(33, _utee_cryp_obj_get_attr(k2, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(34, _utee_cryp_obj_reset(k2), TEE_SUCCESS);
	n = sizeof(got);
	EXPECT(35, _utee_cryp_obj_get_attr(k2, TEE_ATTR_SECRET_VALUE, got, &n),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(36, _utee_cryp_obj_alloc(TEE_TYPE_AES, 100, &x),
	       TEE_ERROR_NOT_SUPPORTED);
	/* Storage and the rest. */
	memset(id, 'i', sizeof(id));
	EXPECT(37, _utee_storage_obj_open(TEE_STORAGE_PRIVATE, id, sizeof(id),
					  TEE_DATA_FLAG_ACCESS_READ, &x),
	       TEE_ERROR_BAD_PARAMETERS);
	EXPECT(38, _utee_get_time(7, &t), TEE_ERROR_BAD_PARAMETERS);
	t.millis = 1000;
	EXPECT(39, _utee_set_ta_time(&t), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(40, _utee_get_property_name_to_index(SET_TA, NULL, 5, &x),
	       TEE_ERROR_BAD_PARAMETERS);
	up.types = 0x4;
	EXPECT(41, _utee_open_ta_session(&dest, TEE_TIMEOUT_INFINITE, &up, &x,
					 NULL), TEE_ERROR_BAD_PARAMETERS);
	up.types = TEE_PARAM_TYPE_MEMREF_INPUT;
	up.vals[0] = 0;
	up.vals[1] = 16;
	EXPECT(42, _utee_open_ta_session(&dest, TEE_TIMEOUT_INFINITE, &up, &x,
					 NULL), TEE_ERROR_BAD_PARAMETERS);
	EXPECT(43, _utee_cryp_state_free(s), TEE_SUCCESS);
	EXPECT(44, _utee_cryp_state_free(c), TEE_SUCCESS);
	EXPECT(45, _utee_cryp_obj_close(k2), TEE_SUCCESS);
	return 0;
}

/*
 * Hostile pointers and lengths; the result code goes back to the client
 * (case 10 never returns: the instance dies).
 */
static TEE_Result attack(uint32_t which)
{
	TEE_UUID dest = PARAMS_TA_UUID;
	struct utee_params up = { 0 };
	struct utee_attribute a = { 0 };
	uint8_t stack[64] = { 0 };
	uint8_t *heap_in = NULL;
	uint8_t *heap_out = NULL;
	uint64_t n = 0;
	uint32_t s = 0;
	uint32_t k = 0;
	uint32_t x = 0;
	void *gone = NULL;
	TEE_Result r = TEE_SUCCESS;

	r = _utee_cryp_state_alloc(TEE_ALG_SHA256, TEE_MODE_DIGEST, 0, 0, &s);
	if (r)
		return r;
	switch (which) {
	case 0:	/* a length that wraps around the address space */
		return _utee_hash_update(s, stack, SIZE_MAX);
	case 1:	/* a stack buffer claimed to be 1 GiB */
		return _utee_hash_update(s, stack, 1UL << 30);
	case 2:	/* an output capacity that wraps */
		n = UINT64_MAX;
		return _utee_hash_final(s, NULL, 0, stack, &n);
	case 3:	/* a 16-byte heap block claimed to hold 4096 bytes */
		heap_in = TEE_Malloc(4096, TEE_MALLOC_FILL_ZERO);
		heap_out = TEE_Malloc(16, TEE_MALLOC_FILL_ZERO);
		if (!heap_in || !heap_out)
			return TEE_ERROR_OUT_OF_MEMORY;
		r = aes_key(cbc_key, &k);
		if (!r)
			r = _utee_cryp_state_alloc(TEE_ALG_AES_CBC_NOPAD,
						   TEE_MODE_ENCRYPT, k, 0, &x);
		if (!r)
			r = _utee_cipher_init(x, cbc_iv, 16);
		if (r)
			return r;
		n = 4096;
		return _utee_cipher_update(x, heap_in, 4096, heap_out, &n);
	case 4:	/* an attribute count whose array size overflows */
		r = _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, &k);
		if (r)
			return r;
		return _utee_cryp_obj_populate(k, &a,
					       SIZE_MAX /
					       sizeof(struct utee_attribute) + 2);
	case 5:	/* an attribute buffer running off the stack */
		r = _utee_cryp_obj_alloc(TEE_TYPE_AES, 128, &k);
		if (r)
			return r;
		a = ref_attr(TEE_ATTR_SECRET_VALUE, stack, 1UL << 40);
		return _utee_cryp_obj_populate(k, &a, 1);
	case 6:	/* random bytes into read-only data */
		return _utee_cryp_random_number_generate((void *)rodata_text,
							 16);
	case 7:	/* an address no mapping can have */
		return _utee_hash_update(s, (void *)0x10, 16);
	case 8:	/* a TA-to-TA memref running off the stack */
		up.types = TEE_PARAM_TYPE_MEMREF_INPUT;
		up.vals[0] = (uintptr_t)stack;
		up.vals[1] = 1UL << 40;
		return _utee_open_ta_session(&dest, TEE_TIMEOUT_INFINITE, &up,
					     &x, NULL);
	case 9:	/* a length pointer into the kernel's half */
		return _utee_hash_final(s, NULL, 0, stack,
					(uint64_t *)(uintptr_t)0xffffffffffff0000ULL);
	case 10: /* memory that was just unmapped: the instance dies */
		gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (gone == MAP_FAILED)
			return TEE_ERROR_OUT_OF_MEMORY;
		munmap(gone, 4096);
		return _utee_hash_update(s, gone, 16);
	case 11: /* libc's heap (not tracked) with a huge length */
		heap_in = malloc(16);
		if (!heap_in)
			return TEE_ERROR_OUT_OF_MEMORY;
		return _utee_hash_update(s, heap_in, 1UL << 40);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}

static void __attribute__((noinline)) end_entry(unsigned long code)
{
	_utee_return(code);
}

static void __attribute__((noinline)) nested(TEE_Param *p)
{
	if (p[0].value.b == 0) {
		p[0].value.a += 1;
		end_entry(0x1234ABCD);
	} else {
		p[0].value.a = 77;
		end_entry(TEE_SUCCESS);
	}
	after_return = 1;
}

static uint32_t cmd_cache(TEE_Result *res, TEE_Param *p)
{
	uint8_t stack[16] = { 0 };
	void *b = p[1].memref.buffer;
	size_t l = p[1].memref.size;

	EXPECT(1, _utee_cache_operation(b, l, TEE_CACHEFLUSH), TEE_SUCCESS);
	EXPECT(2, _utee_cache_operation(b, l, TEE_CACHECLEAN), TEE_SUCCESS);
	EXPECT(3, _utee_cache_operation(b, l, TEE_CACHEINVALIDATE),
	       TEE_SUCCESS);
	/* The TA's private memory is not for cache maintenance. */
	EXPECT(4, _utee_cache_operation(stack, sizeof(stack), TEE_CACHEFLUSH),
	       TEE_ERROR_ACCESS_DENIED);
	EXPECT(5, _utee_cache_operation(b, l, 3), TEE_ERROR_NOT_SUPPORTED);
	return 0;
}

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	(void)param_types;
	(void)params;
	(void)sess_ctx;
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
}

static TEE_Result check_types(uint32_t got, uint32_t p1)
{
	uint32_t want = TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, p1,
					TEE_PARAM_TYPE_NONE,
					TEE_PARAM_TYPE_NONE);

	return got == want ? TEE_SUCCESS : TEE_ERROR_BAD_PARAMETERS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	TEE_Result res = TEE_SUCCESS;
	uint32_t p1 = TEE_PARAM_TYPE_NONE;
	uint32_t step = 0;

	(void)sess_ctx;
	switch (cmd_id) {
	case TA_UTEE_CMD_TIME:
	case TA_UTEE_CMD_TA2TA:
		p1 = TEE_PARAM_TYPE_VALUE_OUTPUT;
		break;
	case TA_UTEE_CMD_RANDOM:
	case TA_UTEE_CMD_SHA256:
		p1 = TEE_PARAM_TYPE_MEMREF_OUTPUT;
		break;
	case TA_UTEE_CMD_CACHE:
		p1 = TEE_PARAM_TYPE_MEMREF_INOUT;
		break;
	case TA_UTEE_CMD_ATTACK:
		if (param_types !=
		    TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INPUT,
				    TEE_PARAM_TYPE_VALUE_OUTPUT,
				    TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[1].value.a = attack(params[0].value.a);
		params[1].value.b = 0;
		return TEE_SUCCESS;
	case TA_UTEE_CMD_RETURN:
		if (param_types !=
		    TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT,
				    TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				    TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		nested(params);
		after_return = 1;
		return TEE_ERROR_GENERIC;
	default:
		break;
	}
	if (check_types(param_types, p1))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (cmd_id) {
	case TA_UTEE_CMD_PROPS:
		step = cmd_props(&res);
		break;
	case TA_UTEE_CMD_TIME:
		step = cmd_time(&res, params);
		break;
	case TA_UTEE_CMD_RANDOM:
		step = cmd_random(&res, params);
		break;
	case TA_UTEE_CMD_SHA256:
		step = cmd_sha256(&res, params);
		break;
	case TA_UTEE_CMD_AES:
		step = cmd_aes(&res);
		break;
	case TA_UTEE_CMD_ASYM:
		step = cmd_asym(&res);
		break;
	case TA_UTEE_CMD_STORAGE:
		step = cmd_storage(&res);
		break;
	case TA_UTEE_CMD_TA2TA:
		step = cmd_ta2ta(&res, params);
		break;
	case TA_UTEE_CMD_BAD_INPUT:
		step = cmd_bad_input(&res);
		break;
	case TA_UTEE_CMD_AFTER_RETURN:
		params[0].value.a = after_return;
		params[0].value.b = 0;
		return TEE_SUCCESS;
	case TA_UTEE_CMD_CACHE:
		step = cmd_cache(&res, params);
		break;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
	params[0].value.a = step;
	params[0].value.b = step ? res : 0;
	return TEE_SUCCESS;
}
