incdirs-y += priv
srcs-y += helper.c
