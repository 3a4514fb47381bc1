global-incdirs-y += include
srcs-y += utee_sys_ta.c
