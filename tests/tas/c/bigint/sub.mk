global-incdirs-y += include
srcs-y += bigint_ta.c
