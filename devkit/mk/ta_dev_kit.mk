# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: build an OP-TEE style C TA as a signed host TA.
#
# A TA's Makefile sets BINARY (its UUID) and includes this file:
#
#     BINARY = 8aaaf200-2450-11e4-abe2-0002a5d5c51b
#     include $(TA_DEV_KIT_DIR)/mk/ta_dev_kit.mk
#
# and lists its sources in sub.mk (see subdir.mk). Targets:
#
#     all    $(O)/$(BINARY).ta: the stripped ELF $(O)/$(BINARY).stripped.elf
#            signed with $(TA_SIGN_KEY), as OP-TEE signs; the full
#            $(O)/$(BINARY).elf (debug information, for gdb) and the link
#            map $(O)/$(BINARY).map stay beside it (or, with LIBNAME
#            instead of BINARY, the static library $(O)/lib$(LIBNAME).a)
#     clean  remove what all built
#
# Variables: BINARY or LIBNAME, O (default .), CROSS_COMPILE (prefix of
# gcc and g++; empty = the host's), CC, CXX, CFG_TEE_TA_LOG_LEVEL (default 2),
# CFG_TA_OPTEE_CORE_API_COMPAT_1_1 (y = GP 1.1 API), LDADD (extra link
# arguments, e.g. -L dir -lfoo or path/libfoo.a), libnames / libdirs /
# libdeps (OP-TEE style: -l, -L and library files), EXTRA_CFLAGS,
# EXTRA_CXXFLAGS,
# TA_SIGN_KEY (default $(TA_DEV_KIT_DIR)/keys/default_ta.pem),
# TA_SUBKEY_ARGS and TA_SUBKEY_DEPS (as on OP-TEE, to sign through a
# subkey: TA_SIGN_KEY = subkey.pem, TA_SUBKEY_ARGS = --subkey subkey.bin
# --name <name>, TA_SUBKEY_DEPS = subkey.bin; BINARY must then be the UUID
# `oxtee ta subkey-uuid --in subkey.bin --name <name>` prints), OXTEE (the
# oxtee tool used to sign), OXTEE_TA_CAPI_LIB (the TA runtime archive),
# V=1 for full command lines.
#
# The TA is a static position-independent executable for the build host:
# the TA's objects, the devkit's TA header (src/user_ta_header.c) and the
# oxtee TA runtime (lib/liboxtee_ta_capi.a, which implements the GP
# Internal Core API and calls the TA's entry points), on the host C
# library.

all:

oxtee-devkit := $(patsubst %/,%,$(dir $(abspath $(dir $(lastword $(MAKEFILE_LIST))))))
TA_DEV_KIT_DIR ?= $(oxtee-devkit)

include $(oxtee-devkit)/mk/conf.mk

ifeq ($(BINARY)$(LIBNAME)$(SHLIBNAME),)
$(error oxtee devkit: set BINARY (the TA's UUID), LIBNAME or SHLIBNAME before including ta_dev_kit.mk)
endif
ifneq ($(words $(if $(BINARY),x) $(if $(LIBNAME),x) $(if $(SHLIBNAME),x)),1)
$(error oxtee devkit: set only one of BINARY, LIBNAME and SHLIBNAME)
endif
ifneq ($(SHLIBNAME),)
ifeq ($(SHLIBUUID),)
$(error oxtee devkit: a library TA (SHLIBNAME = $(SHLIBNAME)) needs SHLIBUUID, its UUID)
endif
endif

# Tools. CC/AR from the command line or environment win; make's built-in
# defaults (cc, ar) are replaced by the CROSS_COMPILE ones.
ifeq ($(filter environment command line,$(origin CC)),)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(filter environment command line,$(origin CXX)),)
CXX := $(CROSS_COMPILE)g++
endif
ifeq ($(filter environment command line,$(origin AR)),)
AR := $(CROSS_COMPILE)ar
endif
OBJCOPY ?= $(CROSS_COMPILE)objcopy

OXTEE ?= $(firstword $(wildcard $(oxtee-devkit)/bin/oxtee) oxtee)
TA_SIGN_KEY ?= $(TA_DEV_KIT_DIR)/keys/default_ta.pem
OXTEE_TA_CAPI_LIB ?= $(oxtee-devkit)/lib/liboxtee_ta_capi.a

ifeq ($(V),1)
q :=
oxtee-echo := @:
else
q := @
oxtee-echo := @echo
endif

# $(call oxtee-out,file): file under $(O) (without a "./" for O=.)
oxtee-out = $(if $(filter .,$(O)),$(1),$(O)/$(1))

# A TA is a static PIE; a library TA a shared object (position-independent
# code either way).
oxtee-pic := $(if $(SHLIBNAME),-fPIC,-fPIE)
ifeq ($(OXTEE_TIER),tz)
# S-EL0: general registers only, no stack protector (no canary source
# before the runtime runs), glibc's headers without its ctype tables, and
# each function in its own section so the link keeps what is used.
oxtee-tier-flags := -mgeneral-regs-only -fno-stack-protector -D__NO_CTYPE -DOXTEE_TZ=1 \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
ifneq ($(SHLIBNAME),)
$(error oxtee devkit: library TAs (SHLIBNAME) are not offered on the TrustZone tier yet)
endif
else
oxtee-tier-flags :=
endif
oxtee-cflags := $(oxtee-pic) -std=gnu11 -Wall -O2 -g $(oxtee-tier-flags) $(EXTRA_CFLAGS)
oxtee-cxxflags := $(oxtee-pic) -Wall -O2 -g $(oxtee-tier-flags) $(EXTRA_CXXFLAGS)
oxtee-aflags := $(oxtee-pic) -g
# Every CFG_ variable of conf.mk (or set by the TA) as OP-TEE defines it:
# y -> 1, n or empty -> not defined, anything else -> its value.
oxtee-cfg-vars := $(sort $(filter CFG_%,$(.VARIABLES)))
oxtee-cfg-define = $(if $(filter y,$($(1))),-D$(1)=1,$(if $(filter-out n,$($(1))),-D$(1)=$($(1))))
oxtee-defines := $(foreach v,$(oxtee-cfg-vars),$(call oxtee-cfg-define,$(v))) -DOXTEE=1
ifeq ($(CFG_TA_OPTEE_CORE_API_COMPAT_1_1),y)
oxtee-defines += -D__OPTEE_CORE_API_COMPAT_1_1=1
endif

# Rebuild everything when the TA's Makefile or the devkit's makefiles change.
oxtee-makefiles := $(filter-out %.d,$(MAKEFILE_LIST))

include $(oxtee-devkit)/mk/subdir.mk
oxtee-makefiles += $(oxtee-submk-files)
include $(oxtee-devkit)/mk/compile.mk

# The devkit's own sources, compiled with the TA's global include dirs
# (user_ta_header.c includes the TA's user_ta_header_defines.h).
oxtee-head-obj := $(call oxtee-out,user_ta_header.o)
$(eval $(call oxtee-compile-rule,$(oxtee-devkit)/src/user_ta_header.c,$(oxtee-head-obj),CC,$(strip $(oxtee-cflags) $(oxtee-common-cppflags))))
oxtee-objs := $(filter-out $(oxtee-head-obj),$(oxtee-objs))
oxtee-trace-obj := $(call oxtee-out,oxtee_trace.o)
$(eval $(call oxtee-compile-rule,$(oxtee-devkit)/src/oxtee_trace.c,$(oxtee-trace-obj),CC,$(strip $(oxtee-cflags) -I$(oxtee-devkit)/include)))
oxtee-objs := $(filter-out $(oxtee-trace-obj),$(oxtee-objs))
# The GP TEE Sockets API (TEE_tcpSocket, TEE_udpSocket) over the socket
# PTA: each function and object in its own section, so that a TA without
# sockets links none of it (--gc-sections).
oxtee-socket-obj := $(call oxtee-out,tee_socket.o)
$(eval $(call oxtee-compile-rule,$(oxtee-devkit)/src/tee_socket.c,$(oxtee-socket-obj),CC,$(strip $(oxtee-cflags) -ffunction-sections -fdata-sections -I$(oxtee-devkit)/include)))
oxtee-objs := $(filter-out $(oxtee-socket-obj),$(oxtee-objs))

ifeq ($(CFG_TA_OPTEE_CORE_API_COMPAT_1_1),y)
# GP 1.1 shims: built without the compat define (the file needs both APIs).
oxtee-compat-obj := $(call oxtee-out,tee_api_compat.o)
# Each shim in its own section: with --gc-sections only the shims the TA
# uses are linked, so a GP 1.1 TA links as long as the GP 1.3 functions
# behind the shims it calls exist.
$(eval $(call oxtee-compile-rule,$(oxtee-devkit)/src/tee_api_compat.c,$(oxtee-compat-obj),CC,$(strip $(oxtee-cflags) -ffunction-sections -fdata-sections -I$(oxtee-devkit)/include)))
oxtee-objs := $(filter-out $(oxtee-compat-obj),$(oxtee-objs))
else
oxtee-compat-obj :=
endif

-include $(oxtee-deps)

ifneq ($(BINARY),)
oxtee-elf := $(call oxtee-out,$(BINARY).elf)
oxtee-ta := $(call oxtee-out,$(BINARY).ta)
oxtee-map := $(call oxtee-out,$(BINARY).map)
oxtee-stripped := $(call oxtee-out,$(BINARY).stripped.elf)

all: $(oxtee-ta)

# Objects first, then the runtime archive and extra libraries (grouped,
# so that they may refer to each other), then the host C library. The
# archive calls the TA's entry points and refers to oxtee_ta_head, both
# defined by the objects before it.
ifeq ($(CFG_TA_MBEDTLS),y)
oxtee-mbedtls-libs := $(foreach l,mbedtls mbedx509 mbedcrypto,$(oxtee-devkit)/lib/lib$(l).a)
else
oxtee-mbedtls-libs :=
endif
oxtee-link-libs := $(strip $(OXTEE_TA_CAPI_LIB) $(LDADD) $(libdeps) \
	$(addprefix -L,$(libdirs)) $(addprefix -l,$(libnames)) $(oxtee-mbedtls-libs))
oxtee-link-objs := $(strip $(oxtee-objs) $(oxtee-head-obj) $(oxtee-trace-obj) $(oxtee-socket-obj) $(oxtee-compat-obj))

# A TA with C++ sources links with the C++ driver (libstdc++ and the C++
# runtime, statically, like the C library).
oxtee-link-driver = $(if $(oxtee-cxx-objs),$(CXX),$(CC))

# Library TAs on the link line (-lfoo found as libfoo.so, a library TA
# built with SHLIBNAME) are not linked in: `oxtee ta imports` writes an
# import stub per function they define and the list of them the core
# loads (and verifies) for the TA, and the arguments of the link.
oxtee-imports := $(call oxtee-out,oxtee_imports)

ifeq ($(OXTEE_TIER),tz)
# S-EL0: a static PIE without the host's C library: the TA's objects, the
# TA runtime (lib/libutee.a: the entry the kernel enters, __ta_entry, and
# the Internal Core API over system calls) and oxtee's small C library
# (lib/libutils.a), W^X segments in 4 KiB pages, relocations resolved
# at link time but the base's (R_AARCH64_RELATIVE, which the kernel
# applies), RELRO.
ifneq ($(oxtee-cxx-objs),)
$(error oxtee devkit: C++ TAs are not offered on the TrustZone tier yet)
endif
oxtee-tz-libs := $(oxtee-devkit)/lib/libutee.a $(oxtee-devkit)/lib/libutils.a
oxtee-tz-objs := $(strip $(oxtee-objs) $(oxtee-head-obj) $(oxtee-trace-obj) $(oxtee-socket-obj) $(oxtee-compat-obj))

$(oxtee-elf): $(oxtee-tz-objs) $(oxtee-tz-libs) $(oxtee-mbedtls-libs) $(libdeps) $(oxtee-makefiles)
	$(oxtee-echo) '  LD      $@'
	$(q)$(CC) -static-pie -nostdlib -o $@ -Wl,-e,__ta_entry -Wl,--gc-sections \
		-Wl,-z,relro,-z,now,-z,noexecstack,-z,separate-code,-z,max-page-size=4096 \
		-Wl,--build-id=none -Wl,-Map=$(oxtee-map) $(oxtee-tz-objs) \
		-Wl,--start-group $(LDADD) $(libdeps) $(addprefix -L,$(libdirs)) \
		$(addprefix -l,$(libnames)) $(oxtee-mbedtls-libs) $(oxtee-tz-libs) -lgcc -Wl,--end-group

$(oxtee-tz-libs):
	@echo "oxtee devkit: $@ not found: the TrustZone tier's TA runtime is" \
		"exported by scripts/tz.sh (target/tz/export-ta_arm64)" >&2
	@false
else
$(oxtee-elf): $(oxtee-objs) $(oxtee-head-obj) $(oxtee-trace-obj) $(oxtee-socket-obj) $(oxtee-compat-obj) \
		$(OXTEE_TA_CAPI_LIB) $(oxtee-mbedtls-libs) $(libdeps) $(oxtee-makefiles)
	$(oxtee-echo) '  LD      $@'
	$(q)$(OXTEE) ta imports --dir $(O) --dl-exports $(oxtee-devkit)/mk/ta_dl_exports.txt \
		-- $(oxtee-link-objs) --libs $(oxtee-link-libs)
	$(q)$(CC) -c -o $(oxtee-imports).o $(oxtee-imports).S
	$(q)$(oxtee-link-driver) -static-pie -o $@ @$(oxtee-imports).rsp -lpthread -ldl -lm -lrt -lgcc_eh -Wl,--gc-sections -Wl,-Map=$(oxtee-map) 2>$@.ldlog; \
		st=$$?; grep -v -e 'statically linked applications requires' -e ': in function' $@.ldlog >&2; \
		rm -f $@.ldlog; exit $$st
endif

$(oxtee-mbedtls-libs):
	@echo "oxtee devkit: $@ not found: this devkit was built without mbedTLS" \
		"(install libmbedtls-dev and run scripts/build.sh again), or build" \
		"with CFG_TA_MBEDTLS=n" >&2
	@false

$(OXTEE_TA_CAPI_LIB):
	@echo "oxtee devkit: $@ not found: install the oxtee TA runtime" \
		"(liboxtee_ta_capi.a) there or set OXTEE_TA_CAPI_LIB" >&2
	@false

oxtee-outputs := $(oxtee-elf) $(oxtee-stripped) $(oxtee-ta) $(oxtee-map) \
	$(addprefix $(oxtee-imports).,S o rsp dynlist)
else ifneq ($(SHLIBNAME),)
# A library TA (OP-TEE's shared-library TA): $(SHLIBNAME).so to link TAs
# against (-L$(O) -l$(SHLIBNAME:lib%=%)), whose DT_SONAME is its UUID, and
# the signed $(SHLIBUUID).ta the core loads for the TAs that use it. Its
# undefined symbols (the C library, the GP API) are the TA's, exported
# to it when it is mapped.
oxtee-so := $(call oxtee-out,$(SHLIBNAME).so)
oxtee-elf := $(call oxtee-out,$(SHLIBUUID).elf)
oxtee-ta := $(call oxtee-out,$(SHLIBUUID).ta)
oxtee-map := $(call oxtee-out,$(SHLIBUUID).map)
oxtee-stripped := $(call oxtee-out,$(SHLIBUUID).stripped.elf)
oxtee-shlib-objs := $(strip $(oxtee-objs) $(oxtee-compat-obj))

all: $(oxtee-ta) $(oxtee-so)

$(oxtee-so): $(oxtee-shlib-objs) $(libdeps) $(oxtee-makefiles)
	$(oxtee-echo) '  LD      $@'
	$(q)$(CC) -shared -nostdlib -o $@ $(oxtee-shlib-objs) -Wl,-soname=$(SHLIBUUID) \
		-Wl,-z,now -Wl,-z,relro -Wl,-z,noexecstack -Wl,-z,text -Wl,-Map=$(oxtee-map) \
		$(LDADD) $(libdeps) $(addprefix -L,$(libdirs)) $(addprefix -l,$(libnames)) -lgcc

$(oxtee-elf): $(oxtee-so)
	$(q)cp $< $@

# Stripped and signed as a TA is (below).
oxtee-outputs := $(oxtee-so) $(oxtee-elf) $(oxtee-stripped) $(oxtee-ta) $(oxtee-map)
else
oxtee-lib := $(call oxtee-out,lib$(LIBNAME).a)

all: $(oxtee-lib)

$(oxtee-lib): $(oxtee-objs)
	$(oxtee-echo) '  AR      $@'
	$(q)rm -f $@
	$(q)$(AR) rcs $@ $^

oxtee-outputs := $(oxtee-lib)
endif

ifneq ($(oxtee-stripped),)
# What is signed and run carries no symbols or debug information (a tenth
# of the size; every instance maps it).
$(oxtee-stripped): $(oxtee-elf)
	$(oxtee-echo) '  STRIP   $@'
	$(q)$(OBJCOPY) --strip-unneeded $< $@

# With a subkey (OP-TEE's TA_SUBKEY_ARGS = --subkey <file> --name <name>),
# TA_SIGN_KEY is the subkey's private key and the image carries the chain.
$(oxtee-ta): $(oxtee-stripped) $(wildcard $(TA_SIGN_KEY)) $(TA_SUBKEY_DEPS)
	$(oxtee-echo) '  SIGN    $@'
	$(q)$(OXTEE) ta sign --key $(TA_SIGN_KEY) $(TA_SUBKEY_ARGS) --elf $< --out $@
endif

clean:
	$(oxtee-echo) '  CLEAN   $(O)'
	$(q)rm -f $(oxtee-objs) $(oxtee-head-obj) $(oxtee-trace-obj) $(oxtee-socket-obj) $(oxtee-compat-obj) \
		$(oxtee-deps) $(oxtee-outputs) $(oxtee-gen-files)

.PHONY: all clean
