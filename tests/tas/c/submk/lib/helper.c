// SPDX-License-Identifier: Apache-2.0
#include <helper_priv.h>
#include <submk_ta.h>

#ifdef FROM_FILE_CFLAGS
#error "cflags-main.c-y must not reach lib/helper.c"
#endif

int helper_value(void)
{
	return HELPER_VALUE;
}
