global-incdirs-y += include
srcs-y += props_ta.c
