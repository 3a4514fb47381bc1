// SPDX-License-Identifier: Apache-2.0
/* The C half of the C++ TA: C sources and C++ sources link together. */
#include <cxx_ta.h>

#ifdef FROM_CXXFLAGS
#error "cxxflags-y must not reach C sources"
#endif

int cxx_ta_c_part(int x)
{
	return x * FROM_CFLAGS;
}
