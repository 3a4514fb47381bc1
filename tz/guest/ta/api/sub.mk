srcs-y += api_ta.c
