global-incdirs-y += include
srcs-y += aead_ta.c
