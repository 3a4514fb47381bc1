/*
 * GP properties inside a user TA at S-EL0: the host tier's property test
 * TA (tests/tas/c/props), built unchanged with the TrustZone devkit,
 * through oxtee's libteec over /dev/tee0, with the host tier's
 * expectations (crates/cli/tests/it/props.rs) where the tiers agree: the
 * current TA's set from the signed header and the TA's own table (every
 * type, OP-TEE's lenient Base64), the client's identity, the
 * implementation's set, typed getters and their errors, text forms and
 * size feedback, enumeration, the enumerator protocol, and GP's panics.
 * Exit status 0 when every answer is the expected one.
 */
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>

static const TEEC_UUID props = { 0x3f1b7c2e, 0x5d0a, 0x4c8e,
				 { 0x9b, 0x61, 0x2a, 0x7d, 0x4e, 0x8f, 0x0c, 0x13 } };

enum { TA = 0, CLIENT = 1, TEE = 2 };
#define BAD_FORMAT 0xFFFF0005u
#define NOT_FOUND 0xFFFF0008u

static int failures;
#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "propstest: line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			failures++;                                        \
		}                                                          \
	} while (0)

static TEEC_Session s;

/* Command 0 or 1: property `name` of `set` (as text, or typed `kind`). */
static TEEC_Result get(uint32_t cmd, uint32_t set, uint32_t kind, const char *name,
		       uint8_t *out, size_t *len)
{
	TEEC_Operation op;
	uint32_t origin;
	TEEC_Result r;

	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_MEMREF_TEMP_INPUT,
					 TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE);
	op.params[0].value.a = set;
	op.params[0].value.b = kind;
	op.params[1].tmpref.buffer = (void *)name;
	op.params[1].tmpref.size = strlen(name);
	op.params[2].tmpref.buffer = out;
	op.params[2].tmpref.size = *len;
	r = TEEC_InvokeCommand(&s, cmd, &op, &origin);
	*len = op.params[2].tmpref.size;
	return r;
}

/* The text form of a property ("" on error). */
static const char *text(uint32_t set, const char *name, TEEC_Result *r)
{
	static uint8_t buf[512];
	size_t len = sizeof(buf) - 1;

	*r = get(0, set, 0, name, buf, &len);
	if (*r || len == 0 || buf[len - 1] != 0)
		return "";
	return (const char *)buf;
}

#define EXPECT_TEXT(set, name, want)                                           \
	do {                                                                   \
		TEEC_Result r_;                                                \
		const char *t_ = text((set), (name), &r_);                     \
		CHECK(r_ == 0 && !strcmp(t_, (want)), "%s: %#x \"%s\", not \"%s\"", \
		      (name), r_, t_, (want));                                 \
	} while (0)

/* A typed value: its bytes must be `want` (n bytes). */
static void expect_typed(int line, uint32_t set, uint32_t kind, const char *name,
			 const void *want, size_t n)
{
	uint8_t buf[64];
	size_t len = sizeof(buf);
	TEEC_Result r = get(1, set, kind, name, buf, &len);

	if (r || len != n || memcmp(buf, want, n)) {
		fprintf(stderr, "propstest: line %d: %s (type %u): %#x, %zu bytes\n", line, name,
			kind, r, len);
		failures++;
	}
}
#define EXPECT_TYPED(set, kind, name, ...)                                       \
	do {                                                                     \
		const uint8_t w_[] = __VA_ARGS__;                                \
		expect_typed(__LINE__, (set), (kind), (name), w_, sizeof(w_)); \
	} while (0)

static TEEC_Result typed_error(uint32_t set, uint32_t kind, const char *name)
{
	uint8_t buf[64];
	size_t len = sizeof(buf);

	return get(1, set, kind, name, buf, &len);
}

int main(void)
{
	TEEC_Context ctx;
	TEEC_Operation op;
	TEEC_Result r;
	uint32_t origin;
	uint8_t small[4];
	char all[4096];
	size_t len;

	r = TEEC_InitializeContext(NULL, &ctx);
	CHECK(r == TEEC_SUCCESS, "InitializeContext: %#x", r);
	r = TEEC_OpenSession(&ctx, &s, &props, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	CHECK(r == TEEC_SUCCESS, "open: %#x", r);
	if (failures)
		return 1;

	/* The current TA: its signed header, then its own table. */
	EXPECT_TEXT(TA, "gpd.ta.appID", "3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c13");
	EXPECT_TEXT(TA, "gpd.ta.version", "2.5");
	EXPECT_TYPED(TA, 0, "gpd.ta.singleInstance", { 1 });
	EXPECT_TYPED(TA, 0, "gpd.ta.multiSession", { 1 });
	EXPECT_TYPED(TA, 0, "gpd.ta.instanceKeepAlive", { 0 });
	EXPECT_TYPED(TA, 1, "gpd.ta.dataSize", { 0x00, 0xc0, 0, 0 });
	EXPECT_TYPED(TA, 3, "gpd.ta.appID", { 0x3f, 0x1b, 0x7c, 0x2e, 0x5d, 0x0a, 0x4c, 0x8e,
					      0x9b, 0x61, 0x2a, 0x7d, 0x4e, 0x8f, 0x0c, 0x13 });
	EXPECT_TYPED(TA, 1, "com.oxtee.test.u32", { 42, 0, 0, 0 });
	EXPECT_TYPED(TA, 2, "com.oxtee.test.u64", { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 });
	EXPECT_TYPED(TA, 0, "com.oxtee.test.bool", { 1 });
	EXPECT_TEXT(TA, "com.oxtee.test.uuid", "01020304-0506-0708-090a-0b0c0d0e0f10");
	EXPECT_TEXT(TA, "com.oxtee.test.string", "hello properties");
	EXPECT_TYPED(TA, 5, "com.oxtee.test.binary", { 0, 1, 2, 3, 4, 0xff });
	EXPECT_TEXT(TA, "com.oxtee.test.binary", "AAECAwT/");
	EXPECT_TYPED(TA, 5, "com.oxtee.test.binary.spaced", { 0, 1, 2, 3, 4, 0xff });
	EXPECT_TEXT(TA, "com.oxtee.test.binary.unpadded", "Zm8=");
	EXPECT_TEXT(TA, "com.oxtee.test.binary.stray", "Zm9vYmFy");
	EXPECT_TEXT(TA, "com.oxtee.test.binary.padded", "Zg==");
	EXPECT_TEXT(TA, "com.oxtee.test.u64", "81985529216486895");
	EXPECT_TEXT(TA, "com.oxtee.test.identity", "f0000000:aabbccdd-eeff-1122-0102-030405060708");
	/* Wrong types, unknown names, separate sets. */
	CHECK(typed_error(TA, 1, "com.oxtee.test.string") == BAD_FORMAT, "u32 of a string");
	CHECK(typed_error(TA, 2, "com.oxtee.test.u32") == BAD_FORMAT, "u64 of a u32");
	CHECK(typed_error(TA, 0, "gpd.ta.version") == BAD_FORMAT, "bool of a string");
	CHECK(typed_error(TA, 5, "gpd.ta.version") == BAD_FORMAT, "binary of a string");
	CHECK(typed_error(TA, 1, "no.such.property") == NOT_FOUND, "unknown name");
	CHECK(typed_error(TEE, 1, "gpd.client.endian") == NOT_FOUND, "sets are separate");
	/* The client: a public login. */
	EXPECT_TYPED(CLIENT, 4, "gpd.client.identity", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
							 0, 0, 0, 0, 0, 0, 0, 0 });
	EXPECT_TEXT(CLIENT, "gpd.client.identity", "00000000:00000000-0000-0000-0000-000000000000");
	EXPECT_TYPED(CLIENT, 1, "gpd.client.endian", { 0, 0, 0, 0 });
	/* The implementation. */
	EXPECT_TYPED(TEE, 1, "gpd.tee.internalCore.version", { 0x00, 0x01, 0x03, 0x01 });
	EXPECT_TYPED(TEE, 1, "gpd.tee.arith.maxBigIntSize", { 0x00, 0x10, 0, 0 });
	EXPECT_TEXT(TEE, "gpd.tee.trustedos.manufacturer", "oxtee");
	EXPECT_TEXT(TEE, "gpd.tee.apiversion", "1.3.1");
	{
		TEEC_Result r2;
		const char *d = text(TEE, "gpd.tee.description", &r2);

		CHECK(r2 == 0 && strstr(d, "TrustZone"), "description: \"%s\"", d);
		printf("propstest: gpd.tee.description: %s\n", d);
	}
	/* Short buffer: the size needed counts the NUL. */
	len = sizeof(small);
	r = get(0, TA, 0, "com.oxtee.test.string", small, &len);
	CHECK(r == TEEC_ERROR_SHORT_BUFFER && len == 17, "short: %#x, %zu", r, len);

	/* Enumeration: the header's properties first, the table's after. */
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_MEMREF_TEMP_OUTPUT,
					 TEEC_NONE);
	op.params[0].value.a = TA;
	op.params[2].tmpref.buffer = all;
	op.params[2].tmpref.size = sizeof(all) - 1;
	r = TEEC_InvokeCommand(&s, 2, &op, &origin);
	all[r ? 0 : op.params[2].tmpref.size] = 0;
	CHECK(r == 0 && !strncmp(all, "gpd.ta.appID=3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c13\n", 50),
	      "enumerate: %#x \"%.60s\"", r, all);
	CHECK(strstr(all, "\ncom.oxtee.test.string=hello properties\n") != NULL, "enumerated: %s",
	      all);
	op.params[0].value.a = CLIENT;
	op.params[2].tmpref.size = sizeof(all) - 1;
	r = TEEC_InvokeCommand(&s, 2, &op, &origin);
	all[r ? 0 : op.params[2].tmpref.size] = 0;
	CHECK(r == 0 && !strcmp(all, "gpd.client.identity=00000000:00000000-0000-0000-0000-"
				     "000000000000\ngpd.client.endian=0\n"),
	      "client set: %#x \"%s\"", r, all);
	/* The enumerator protocol. */
	memset(&op, 0, sizeof(op));
	r = TEEC_InvokeCommand(&s, 4, &op, &origin);
	CHECK(r == TEEC_SUCCESS, "enumerator rules: step %#x", r);
	/* GP's panics: a bad set handle, a NULL name, a freed enumerator. */
	for (uint32_t c = 0; c < 3; c++) {
		TEEC_Session s2;

		memset(&op, 0, sizeof(op));
		op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
		op.params[0].value.a = c;
		r = TEEC_InvokeCommand(&s, 3, &op, &origin);
		CHECK(r == TEEC_ERROR_TARGET_DEAD && origin == TEEC_ORIGIN_TEE,
		      "panic case %u: %#x origin %u", c, r, origin);
		TEEC_CloseSession(&s);
		r = TEEC_OpenSession(&ctx, &s2, &props, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
		CHECK(r == TEEC_SUCCESS, "a fresh instance after case %u: %#x", c, r);
		s = s2;
	}
	TEEC_CloseSession(&s);
	TEEC_FinalizeContext(&ctx);
	if (failures) {
		printf("propstest: %d checks failed\n", failures);
		return 1;
	}
	printf("propstest: all checks passed (GP properties at S-EL0)\n");
	return 0;
}
