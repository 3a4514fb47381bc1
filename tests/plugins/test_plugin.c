// SPDX-License-Identifier: Apache-2.0
/*
 * A supplicant plugin for the tests, with tee-supplicant's plugin
 * interface: built as dist/plugins/oxtee-test.plugin by scripts/build.sh.
 *
 * UUID 7f1a5e00-91c3-4d4e-8a5b-706c7567696e. Commands:
 *   0 reverse the buffer in place (output: all of it);
 *   1 "inits=N calls=M": how often init and invoke ran (state kept);
 *   2 fail with TEEC_ERROR_BAD_FORMAT;
 *   3 claim 100 bytes more output than the buffer holds (a lying plugin);
 *   4 append the text after the first NUL to the file named before it,
 *     with sub_cmd as a line prefix number (output: nothing).
 */
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>

struct plugin_method {
	const char *name;
	TEEC_UUID uuid;
	TEEC_Result (*init)(void);
	TEEC_Result (*invoke)(unsigned int cmd, unsigned int sub_cmd,
			      void *data, size_t in_len, size_t *out_len);
};

static unsigned int inits;
static unsigned int calls;

static TEEC_Result test_init(void)
{
	inits++;
	return TEEC_SUCCESS;
}

static TEEC_Result test_invoke(unsigned int cmd, unsigned int sub_cmd,
			       void *data, size_t in_len, size_t *out_len)
{
	char *b = data;
	size_t i;

	calls++;
	switch (cmd) {
	case 0:
		for (i = 0; i < in_len / 2; i++) {
			char t = b[i];

			b[i] = b[in_len - 1 - i];
			b[in_len - 1 - i] = t;
		}
		*out_len = in_len;
		return TEEC_SUCCESS;
	case 1: {
		int n = snprintf(b, in_len, "inits=%u calls=%u", inits, calls);

		if (n < 0 || (size_t)n >= in_len)
			return TEEC_ERROR_SHORT_BUFFER;
		*out_len = (size_t)n;
		return TEEC_SUCCESS;
	}
	case 2:
		return TEEC_ERROR_BAD_FORMAT;
	case 3:
		*out_len = in_len + 100;
		return TEEC_SUCCESS;
	case 4: {
		size_t name_len = strnlen(b, in_len);
		FILE *f;

		if (name_len == in_len)
			return TEEC_ERROR_BAD_PARAMETERS;
		f = fopen(b, "a");
		if (!f)
			return TEEC_ERROR_ACCESS_DENIED;
		fprintf(f, "%u %.*s\n", sub_cmd, (int)(in_len - name_len - 1),
			b + name_len + 1);
		fclose(f);
		*out_len = 0;
		return TEEC_SUCCESS;
	}
	default:
		return TEEC_ERROR_NOT_SUPPORTED;
	}
}

struct plugin_method plugin_method = {
	.name = "oxtee-test",
	.uuid = { 0x7f1a5e00, 0x91c3, 0x4d4e,
		  { 0x8a, 0x5b, 0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e } },
	.init = test_init,
	.invoke = test_invoke,
};
