global-incdirs-y += include
srcs-y += lifecycle_ta.c
