global-incdirs-y += ../shlib-a/include
srcs-y += shlib_b.c
