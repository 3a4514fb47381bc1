global-incdirs-y += include
srcs-y += asym_ta.c
