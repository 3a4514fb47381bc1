// SPDX-License-Identifier: Apache-2.0
#include <gen_value.h>
#include <helper_priv.h>
#include <submk_ta.h>

#ifdef FROM_FILE_CFLAGS
#error "cflags-main.c-y must not reach lib/helper.c"
#endif
#ifdef REMOVED_AGAIN
#error "cflags-remove-y did not remove -DREMOVED_AGAIN=1"
#endif
#if GEN_PRODUCT != 231
#error "the generated header is not the one gen_value.sh wrote"
#endif

int helper_value(void)
{
	return HELPER_VALUE;
}

int helper_generated(void)
{
	return gen_value();
}
