global-incdirs-y += include
srcs-y += main.c
cflags-y += -DFROM_CFLAGS=1
cppflags-y += -DFROM_CPPFLAGS=2
cflags-main.c-y += -DFROM_FILE_CFLAGS=3
subdirs-y += lib
