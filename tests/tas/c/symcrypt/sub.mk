global-incdirs-y += include
srcs-y += symcrypt_ta.c
