global-incdirs-y += include
srcs-y += misbehave_ta.c
