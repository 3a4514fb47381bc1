# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: compile rules. Needs oxtee-* variables from ta_dev_kit.mk
# and subdir.mk; defines oxtee-objs and one rule per object.

# Object of a source: under $(O), same relative path, with "../" turned
# into "__/" and a leading "/" into "_abs/" so that nothing lands outside $(O).
oxtee-obj = $(call oxtee-out,$(patsubst /%,_abs/%,$(subst ../,__/,$(basename $(1)))).o)

# Flags every source gets (TA include dirs first, then the TA's own
# folder, as OP-TEE's devkit has it: user_ta_header_defines.h lives beside
# the sources in OP-TEE's examples; then the devkit's).
oxtee-common-cppflags := $(addprefix -I,$(oxtee-global-incdirs)) -I$(CURDIR) \
	-I$(oxtee-devkit)/include $(oxtee-defines)

# $(call oxtee-compile-rule,src,obj,driver-flags)
define oxtee-compile-rule
oxtee-objs += $(2)
oxtee-deps += $(2:.o=.d)
$(2): $(1) $(oxtee-src-submk-$(1)) $(oxtee-makefiles)
$(if $(filter-out ./,$(dir $(2))),	@mkdir -p $(dir $(2)))
	$(oxtee-echo) '  CC      $$@'
	$(q)$$(CC) $(3) -MMD -MP -MF $(2:.o=.d) -c $(1) -o $(2)
endef

# C: cflags (minus cflags-remove) and cppflags.
oxtee-c-flags = $(filter-out $(oxtee-src-cflags-remove-$(1)),\
	$(oxtee-cflags) $(oxtee-src-cflags-$(1))) \
	$(oxtee-src-cppflags-$(1)) $(oxtee-common-cppflags)
# Assembly: aflags and cppflags (.S goes through the preprocessor).
oxtee-asm-flags = $(oxtee-aflags) $(oxtee-src-aflags-$(1)) \
	$(oxtee-src-cppflags-$(1)) $(oxtee-common-cppflags)

oxtee-objs :=
oxtee-deps :=

$(foreach oxtee_src,$(oxtee-srcs),\
  $(if $(filter %.c,$(oxtee_src)),\
    $(eval $(call oxtee-compile-rule,$(oxtee_src),$(call oxtee-obj,$(oxtee_src)),$(strip $(call oxtee-c-flags,$(oxtee_src))))),\
  $(if $(filter %.S %.s,$(oxtee_src)),\
    $(eval $(call oxtee-compile-rule,$(oxtee_src),$(call oxtee-obj,$(oxtee_src)),$(strip $(call oxtee-asm-flags,$(oxtee_src))))),\
  $(error oxtee devkit: do not know how to build $(oxtee_src) (only .c, .S and .s)))))

ifneq ($(words $(oxtee-objs)),$(words $(sort $(oxtee-objs))))
$(error oxtee devkit: two sources map to the same object file: $(oxtee-srcs))
endif
