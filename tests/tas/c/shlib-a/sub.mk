global-incdirs-y += include
srcs-y += shlib_a.c
