# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: reading a TA's sub.mk files.
#
# Each directory of a TA has a sub.mk that adds to these variables; paths
# in them are relative to that directory:
#
#   srcs-y                 source files (.c, .S, .s)
#   global-incdirs-y       include directories for every source of the TA
#                          (and for the devkit's user_ta_header.c)
#   incdirs-y              include directories for this directory's sources
#   cflags-y, cppflags-y, aflags-y
#                          flags for this directory's sources
#   cflags-remove-y        flags removed from this directory's sources
#   cflags-<src>-y, cppflags-<src>-y, aflags-<src>-y, incdirs-<src>-y,
#   cflags-remove-<src>-y  the same for one source of this directory
#   subdirs-y              subdirectories, each with its own sub.mk
#
# While a sub.mk is read, $(sub-dir) is its directory.
#
# Result: oxtee-srcs (paths relative to the TA directory),
# oxtee-global-incdirs, oxtee-submk-files, and per source
# oxtee-src-{cflags,cppflags,aflags,cflags-remove,submk}-<src>.

oxtee-submk-vars := srcs-y global-incdirs-y incdirs-y cflags-y cppflags-y \
		    aflags-y cflags-remove-y subdirs-y

oxtee-srcs :=
oxtee-global-incdirs :=
oxtee-submk-files :=

# What a sub.mk may set: the variables above and their per-file forms.
# Anything else ending in -y (OP-TEE's gensrcs-y, cxxflags-y, ...) is
# refused with a clear error rather than silently ignored.
oxtee-known-submk = $(oxtee-submk-vars) $(filter cflags-%-y cppflags-%-y \
	aflags-%-y incdirs-%-y cflags-remove-%-y,$(.VARIABLES))

# $(call oxtee-join,dir,path): path relative to dir, as seen from the TA dir.
oxtee-join = $(if $(filter /%,$(2)),$(2),$(if $(filter .,$(1)),$(2),$(1)/$(2)))

# $(call oxtee-add-src,dir,src): record one source of dir's sub.mk.
define oxtee-add-src
oxtee-src := $$(call oxtee-join,$(1),$(2))
ifneq ($$(filter $$(oxtee-src),$$(oxtee-srcs)),)
$$(error oxtee devkit: $$(oxtee-src) is listed twice in srcs-y)
endif
oxtee-srcs += $$(oxtee-src)
oxtee-src-submk-$$(oxtee-src) := $(1)/sub.mk
oxtee-src-cflags-$$(oxtee-src) := $$(cflags-y) $$(cflags-$(2)-y)
oxtee-src-aflags-$$(oxtee-src) := $$(aflags-y) $$(aflags-$(2)-y)
oxtee-src-cflags-remove-$$(oxtee-src) := $$(cflags-remove-y) \
	$$(cflags-remove-$(2)-y)
oxtee-src-cppflags-$$(oxtee-src) := \
	$$(addprefix -I,$$(foreach oxtee_i,$$(incdirs-$(2)-y) $$(incdirs-y),\
		$$(call oxtee-join,$(1),$$(oxtee_i)))) \
	$$(cppflags-y) $$(cppflags-$(2)-y)
cflags-$(2)-y :=
aflags-$(2)-y :=
cppflags-$(2)-y :=
incdirs-$(2)-y :=
cflags-remove-$(2)-y :=
endef

# $(call oxtee-process-subdir,dir): read dir/sub.mk, then its subdirs-y.
define oxtee-process-subdir
$$(foreach oxtee_v,$$(oxtee-submk-vars),$$(eval $$(oxtee_v) :=))
sub-dir := $(1)
ifeq ($$(wildcard $(1)/sub.mk),)
$$(error oxtee devkit: $(1)/sub.mk not found)
endif
oxtee-vars-before := $$(.VARIABLES)
include $(1)/sub.mk
oxtee-submk-files += $(1)/sub.mk
oxtee-unknown := $$(filter-out $$(oxtee-known-submk),\
	$$(filter %-y,$$(filter-out $$(oxtee-vars-before),$$(.VARIABLES))))
ifneq ($$(strip $$(foreach oxtee_u,$$(oxtee-unknown),$$($$(oxtee_u)))),)
$$(error oxtee devkit: $(1)/sub.mk sets $$(oxtee-unknown), which this devkit does not support (yet); supported: $$(oxtee-submk-vars) and their per-file forms)
endif
oxtee-global-incdirs += $$(foreach oxtee_g,$$(global-incdirs-y),\
	$$(call oxtee-join,$(1),$$(oxtee_g)))
$$(foreach oxtee_s,$$(srcs-y),$$(eval $$(call oxtee-add-src,$(1),$$(oxtee_s))))
oxtee-subdirs-$(1) := $$(subdirs-y)
$$(foreach oxtee_d,$$(oxtee-subdirs-$(1)),\
	$$(eval $$(call oxtee-process-subdir,$$(call oxtee-join,$(1),$$(oxtee_d)))))
endef

$(eval $(call oxtee-process-subdir,.))

oxtee-global-incdirs := $(strip $(oxtee-global-incdirs))
oxtee-srcs := $(strip $(oxtee-srcs))
