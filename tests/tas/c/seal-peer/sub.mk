global-incdirs-y += include
srcs-y += seal_ta.c
