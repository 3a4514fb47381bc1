global-incdirs-y += include
srcs-y += misbehave_ctor_ta.c
