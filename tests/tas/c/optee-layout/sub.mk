global-incdirs-y += include
srcs-y += layout_ta.c
