global-incdirs-y += include
srcs-y += supp_plugin_ta.c
