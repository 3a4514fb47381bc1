global-incdirs-y += include
srcs-y += seed_ta.c
