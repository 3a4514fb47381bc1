global-incdirs-y += include
srcs-y += keepalive_ta.c
