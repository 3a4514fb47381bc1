global-incdirs-y += include
srcs-y += compat11_ta.c
