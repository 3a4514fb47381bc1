global-incdirs-y += include
srcs-y += internal_ta.c
