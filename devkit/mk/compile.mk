# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: compile rules. Needs oxtee-* variables from ta_dev_kit.mk
# and subdir.mk; defines oxtee-objs, oxtee-cxx-objs and one rule per object.

# Flags every source gets (TA include dirs first, then the TA's own
# folder, as OP-TEE's devkit has it: user_ta_header_defines.h lives beside
# the sources in OP-TEE's examples; then the devkit's).
oxtee-common-cppflags := $(addprefix -I,$(oxtee-global-incdirs)) -I$(CURDIR) \
	-I$(oxtee-devkit)/include $(oxtee-defines)

# $(call oxtee-compile-rule,src,obj,driver,flags): obj from src with
# $(driver) (CC or CXX). Sources wait for the generated files sub.mk
# files marked force-gensrc (order only: a newer one alone rebuilds
# nothing; the dependency files track what a source really includes).
define oxtee-compile-rule
oxtee-objs += $(2)
oxtee-deps += $(2:.o=.d)
$(2): $(1) $(oxtee-src-submk-$(1)) $(oxtee-makefiles) | $(filter-out $(1),$(oxtee-force-gensrcs))
$(if $(filter-out ./,$(dir $(2))),	@mkdir -p $(dir $(2)))
	$(oxtee-echo) '  $(3)$(if $(filter CC,$(3)),     ,    ) $$@'
	$(q)$$($(3)) $(4) -MMD -MP -MF $(2:.o=.d) -c $(1) -o $(2)
endef

# C: cflags and cppflags (minus their -remove forms).
oxtee-c-flags = $(filter-out $(oxtee-src-cflags-remove-$(1)) $(oxtee-src-cppflags-remove-$(1)),\
	$(oxtee-cflags) $(oxtee-src-cflags-$(1)) \
	$(oxtee-src-cppflags-$(1)) $(oxtee-common-cppflags))
# C++: cxxflags and cppflags (likewise).
oxtee-cxx-flags = $(filter-out $(oxtee-src-cxxflags-remove-$(1)) $(oxtee-src-cppflags-remove-$(1)),\
	$(oxtee-cxxflags) $(oxtee-src-cxxflags-$(1)) \
	$(oxtee-src-cppflags-$(1)) $(oxtee-common-cppflags))
# Assembly: aflags and cppflags (.S goes through the preprocessor).
oxtee-asm-flags = $(filter-out $(oxtee-src-aflags-remove-$(1)) $(oxtee-src-cppflags-remove-$(1)),\
	$(oxtee-aflags) $(oxtee-src-aflags-$(1)) \
	$(oxtee-src-cppflags-$(1)) $(oxtee-common-cppflags))

oxtee-objs :=
oxtee-deps :=

$(foreach oxtee_src,$(oxtee-srcs),\
  $(if $(filter %.c,$(oxtee_src)),\
    $(eval $(call oxtee-compile-rule,$(oxtee_src),$(oxtee-src-obj-$(oxtee_src)),CC,$(strip $(call oxtee-c-flags,$(oxtee_src))))),\
  $(if $(filter %.cpp,$(oxtee_src)),\
    $(eval $(call oxtee-compile-rule,$(oxtee_src),$(oxtee-src-obj-$(oxtee_src)),CXX,$(strip $(call oxtee-cxx-flags,$(oxtee_src))))),\
  $(if $(filter %.S %.s,$(oxtee_src)),\
    $(eval $(call oxtee-compile-rule,$(oxtee_src),$(oxtee-src-obj-$(oxtee_src)),CC,$(strip $(call oxtee-asm-flags,$(oxtee_src))))),\
  $(error oxtee devkit: do not know how to build $(oxtee_src) (only .c, .cpp, .S and .s))))))

# C++ objects make the TA link with the C++ driver (libstdc++, libsupc++).
oxtee-cxx-objs := $(foreach oxtee_src,$(filter %.cpp,$(oxtee-srcs)),$(oxtee-src-obj-$(oxtee_src)))

ifneq ($(words $(oxtee-objs)),$(words $(sort $(oxtee-objs))))
$(error oxtee devkit: two sources map to the same object file: $(oxtee-srcs))
endif
