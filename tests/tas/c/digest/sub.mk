global-incdirs-y += include
srcs-y += digest_ta.c
