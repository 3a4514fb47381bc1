incdirs-y += priv
srcs-y += helper.c
# A flag cflags-remove-y must take away again (helper.c fails if it stays).
cflags-y += -DREMOVED_AGAIN=1
cflags-remove-y += -DREMOVED_AGAIN=1

# A generated source (and header) as OP-TEE's sub.mk files make them:
# gen_value.c and gen_value.h in $(sub-dir-out), from gen_value.in, made
# before any source compiles because helper.c includes the header.
gensrcs-y += gen_value
produce-gen_value = gen_value.c
produce-additional-gen_value = gen_value.h
depends-gen_value = $(sub-dir)/gen_value.in $(sub-dir)/gen_value.sh
recipe-gen_value = sh $(sub-dir)/gen_value.sh $(sub-dir)/gen_value.in $(sub-dir-out)
force-gensrc-gen_value = y
cppflags-gen_value-y += -DGEN_SCALE=2
