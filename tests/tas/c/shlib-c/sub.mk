global-incdirs-y += include
global-incdirs-y += ../shlib-a/include
srcs-y += shlib_c.c
