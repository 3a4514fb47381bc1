global-incdirs-y += include
srcs-y += params_ta.c
