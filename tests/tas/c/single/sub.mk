global-incdirs-y += include
srcs-y += single_ta.c
