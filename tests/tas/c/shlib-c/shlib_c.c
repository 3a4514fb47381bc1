// SPDX-License-Identifier: Apache-2.0
/* A TA using a linked library TA and a dlopened one (see the header). */
#include <dlfcn.h>
#include <string.h>
#include <shlib_a.h>
#include <tee_internal_api.h>
#include <trace.h>

#define PT(a, b, c, d) TEE_PARAM_TYPES(TEE_PARAM_TYPE_##a, TEE_PARAM_TYPE_##b, \
				       TEE_PARAM_TYPE_##c, TEE_PARAM_TYPE_##d)

static const char shlib_b_uuid[] = "330ab251-fa00-4daf-9809-ee9491427641";

TEE_Result TA_CreateEntryPoint(void) { return TEE_SUCCESS; }
void TA_DestroyEntryPoint(void) {}
TEE_Result TA_OpenSessionEntryPoint(uint32_t pt, TEE_Param p[4], void **s)
{
	(void)pt; (void)p; (void)s;
	return TEE_SUCCESS;
}
void TA_CloseSessionEntryPoint(void *s) { (void)s; }

static TEE_Result use_dlopen(uint32_t pt, TEE_Param p[4])
{
	int (*mul_add)(int, int);
	int (*ctor_value)(void);
	void *h, *h2;

	if (pt != PT(VALUE_OUTPUT, VALUE_OUTPUT, NONE, NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	h = dlopen(shlib_b_uuid, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	if (!h) {
		EMSG("dlopen: %s", dlerror());
		return TEE_ERROR_ITEM_NOT_FOUND;
	}
	mul_add = (int (*)(int, int))dlsym(h, "shlib_b_mul_add");
	ctor_value = (int (*)(void))dlsym(h, "shlib_b_ctor_value");
	if (!mul_add || !ctor_value)
		return TEE_ERROR_GENERIC;
	p[0].value.a = mul_add(6, 7);
	p[0].value.b = ctor_value();
	h2 = dlopen(shlib_b_uuid, RTLD_NOW);
	p[1].value.a = h2 == h;
	dlclose(h2);
	dlclose(h);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *s, uint32_t cmd, uint32_t pt, TEE_Param p[4])
{
	void *h, *copy;

	(void)s;
	switch (cmd) {
	case 0:
		if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		p[0].value.a = shlib_a_add(2, 3);
		p[0].value.b = shlib_a_ctor_value();
		return TEE_SUCCESS;
	case 1:
		if (pt != PT(MEMREF_OUTPUT, NONE, NONE, NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		p[0].memref.size = shlib_a_format(p[0].memref.buffer, p[0].memref.size, 42);
		return TEE_SUCCESS;
	case 2:
		return use_dlopen(pt, p);
	case 3:
		if (pt != PT(VALUE_OUTPUT, NONE, NONE, NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		h = dlopen("00000000-0000-0000-0000-000000000000", RTLD_NOW);
		p[0].value.a = !h && dlerror();
		/* A TA's UUID (the hello TA's) is no library: naming it gets
		 * the TA nothing of that image. */
		h = dlopen("8aaaf200-2450-11e4-abe2-0002a5d5c51b", RTLD_NOW);
		p[0].value.a = p[0].value.a && !h && dlerror();
		h = dlopen(shlib_b_uuid, RTLD_NOW);
		p[0].value.b = h && !dlsym(h, "no_such_function") && dlerror();
		return TEE_SUCCESS;
	case 4:
		if (pt != PT(MEMREF_INPUT, NONE, NONE, NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		copy = shlib_a_dup(p[0].memref.buffer, p[0].memref.size);
		if (!copy || memcmp(copy, p[0].memref.buffer, p[0].memref.size))
			return TEE_ERROR_GENERIC;
		TEE_Free(copy);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
