# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: reading a TA's sub.mk files.
#
# Each directory of a TA has a sub.mk that adds to these variables; paths
# in them are relative to that directory:
#
#   srcs-y                 source files (.c, .cpp, .S, .s)
#   gensrcs-y              names of generated sources; for each name g:
#                            produce-g             the file it makes, under
#                                                  $(sub-dir-out)
#                            recipe-g              the command that makes it
#                                                  (run from the TA folder)
#                            depends-g             what it is made from
#                            produce-additional-g  other files the recipe
#                                                  makes (headers ...)
#                            force-gensrc-g = y    make it before any source
#                                                  of the TA is compiled
#   global-incdirs-y       include directories for every source of the TA
#                          (and for the devkit's user_ta_header.c)
#   incdirs-y              include directories for this directory's sources
#   cflags-y, cxxflags-y, cppflags-y, aflags-y
#                          flags for this directory's sources
#   cflags-remove-y, cxxflags-remove-y, cppflags-remove-y, aflags-remove-y
#                          flags removed from this directory's sources
#   <var>-<src>-y          the same for one source of this directory (for a
#                          generated source, <src> is its gensrcs-y name)
#   subdirs-y              subdirectories, each with its own sub.mk
#
# While a sub.mk is read, $(sub-dir) is its directory and $(sub-dir-out)
# the directory its generated files go to ($(O)/$(sub-dir)); that
# directory is also on the include path of the directory's sources.
#
# Result: oxtee-srcs (paths relative to the TA directory),
# oxtee-global-incdirs, oxtee-submk-files, oxtee-gen-files,
# oxtee-force-gensrcs, and per source
# oxtee-src-{obj,submk,cflags,cxxflags,cppflags,aflags}-<src> and
# oxtee-src-{cflags,cxxflags,cppflags,aflags}-remove-<src>.

oxtee-submk-vars := srcs-y gensrcs-y global-incdirs-y incdirs-y cflags-y \
		    cxxflags-y cppflags-y aflags-y cflags-remove-y \
		    cxxflags-remove-y cppflags-remove-y aflags-remove-y subdirs-y
oxtee-perfile-kinds := cflags cxxflags cppflags aflags incdirs cflags-remove \
		       cxxflags-remove cppflags-remove aflags-remove

oxtee-srcs :=
oxtee-global-incdirs :=
oxtee-submk-files :=
oxtee-gen-files :=
oxtee-force-gensrcs :=

# What a sub.mk may set: the variables above and their per-file forms.
# Anything else ending in -y is refused with a clear error rather than
# silently ignored; so are OP-TEE's library-only and core-only ones.
oxtee-refused-submk := asm-defines-y cflags-lib-y cxxflags-lib-y \
		       cppflags-lib-y incdirs-lib-y
oxtee-known-submk = $(filter-out $(oxtee-refused-submk),$(oxtee-submk-vars) \
	$(filter $(foreach k,$(oxtee-perfile-kinds),$(k)-%-y),$(.VARIABLES)))

# Object of a source: under $(O), same relative path, with "../" turned
# into "__/" and a leading "/" into "_abs/" so that nothing lands outside $(O).
oxtee-obj = $(call oxtee-out,$(patsubst /%,_abs/%,$(subst ../,__/,$(basename $(1)))).o)

# $(call oxtee-join,dir,path): path relative to dir, as seen from the TA dir.
oxtee-join = $(if $(filter /%,$(2)),$(2),$(if $(filter .,$(1)),$(2),$(1)/$(2)))
# $(call oxtee-dir-out,dir): where dir's generated files go, under $(O)
# ("../" becomes "__/", a leading "/" "_abs/", as for objects).
oxtee-dir-out = $(if $(filter .,$(1)),$(O),$(call oxtee-out,$(patsubst /%,_abs/%,$(subst ../,__/,$(1)))))

# $(call oxtee-src-flags,dir,src,per-file-name): record the flags of one
# source of dir's sub.mk (src as seen from the TA dir), then clear the
# per-file variables so that they do not reach another directory.
define oxtee-src-flags
ifneq ($$(filter $(2),$$(oxtee-srcs)),)
$$(error oxtee devkit: $(2) is listed twice in srcs-y or gensrcs-y)
endif
oxtee-srcs += $(2)
oxtee-src-submk-$(2) := $(1)/sub.mk
oxtee-src-cflags-$(2) := $$(cflags-y) $$(cflags-$(3)-y)
oxtee-src-cxxflags-$(2) := $$(cxxflags-y) $$(cxxflags-$(3)-y)
oxtee-src-aflags-$(2) := $$(aflags-y) $$(aflags-$(3)-y)
oxtee-src-cflags-remove-$(2) := $$(cflags-remove-y) $$(cflags-remove-$(3)-y)
oxtee-src-cxxflags-remove-$(2) := $$(cxxflags-remove-y) $$(cxxflags-remove-$(3)-y)
oxtee-src-aflags-remove-$(2) := $$(aflags-remove-y) $$(aflags-remove-$(3)-y)
oxtee-src-cppflags-remove-$(2) := $$(cppflags-remove-y) $$(cppflags-remove-$(3)-y)
oxtee-src-cppflags-$(2) := -I$$(sub-dir-out) \
	$$(addprefix -I,$$(foreach oxtee_i,$$(incdirs-$(3)-y) $$(incdirs-y),\
		$$(call oxtee-join,$(1),$$(oxtee_i)))) \
	$$(cppflags-y) $$(cppflags-$(3)-y)
$$(foreach oxtee_k,$$(oxtee-perfile-kinds),$$(eval $$(oxtee_k)-$(3)-y :=))
endef

# $(call oxtee-add-src,dir,src): one entry of dir's srcs-y.
define oxtee-add-src
oxtee-src := $$(call oxtee-join,$(1),$(2))
oxtee-src-obj-$$(oxtee-src) := $$(call oxtee-obj,$$(oxtee-src))
$$(eval $$(call oxtee-src-flags,$(1),$$(oxtee-src),$(2)))
endef

# $(call oxtee-add-gensrc,dir,name): one entry of dir's gensrcs-y: a rule
# that makes $(sub-dir-out)/$(produce-name) with $(recipe-name) (expanded
# now, while $(sub-dir-out) is this directory's), and that file compiled
# as a source of dir.
define oxtee-add-gensrc
ifeq ($$(words $$(produce-$(2))),0)
$$(error oxtee devkit: $(1)/sub.mk: gensrcs-y names $(2) but produce-$(2) is not set)
endif
ifneq ($$(words $$(produce-$(2))),1)
$$(error oxtee devkit: $(1)/sub.mk: produce-$(2) must name one file (others go in produce-additional-$(2)))
endif
ifeq ($$(strip $$(recipe-$(2))),)
$$(error oxtee devkit: $(1)/sub.mk: gensrcs-y names $(2) but recipe-$(2) is not set)
endif
oxtee-gen := $$(call oxtee-join,$$(sub-dir-out),$$(produce-$(2)))
oxtee-gen-extra := $$(foreach oxtee_a,$$(produce-additional-$(2)),\
	$$(call oxtee-join,$$(sub-dir-out),$$(oxtee_a)))
oxtee-gen-files += $$(oxtee-gen) $$(oxtee-gen-extra)
oxtee-recipe-$$(oxtee-gen) := $$(recipe-$(2))
oxtee-gen-outdir-$$(oxtee-gen) := $$(sub-dir-out)
$$(oxtee-gen): $$(depends-$(2)) $(1)/sub.mk $$(oxtee-makefiles)
	$$(oxtee-echo) '  GEN     $$@'
	$$(q)mkdir -p $$(oxtee-gen-outdir-$$@) $$(dir $$@)
	$$(q)$$(oxtee-recipe-$$@)
ifneq ($$(oxtee-gen-extra),)
$$(oxtee-gen-extra): $$(oxtee-gen)
endif
ifeq ($$(force-gensrc-$(2)),y)
oxtee-force-gensrcs += $$(oxtee-gen) $$(oxtee-gen-extra)
endif
oxtee-src-obj-$$(oxtee-gen) := $$(basename $$(oxtee-gen)).o
$$(eval $$(call oxtee-src-flags,$(1),$$(oxtee-gen),$(2)))
produce-$(2) :=
produce-additional-$(2) :=
recipe-$(2) :=
depends-$(2) :=
force-gensrc-$(2) :=
endef

# $(call oxtee-process-subdir,dir): read dir/sub.mk, then its subdirs-y.
define oxtee-process-subdir
$$(foreach oxtee_v,$$(oxtee-submk-vars),$$(eval $$(oxtee_v) :=))
sub-dir := $(1)
sub-dir-out := $$(call oxtee-dir-out,$(1))
ifeq ($$(wildcard $(1)/sub.mk),)
$$(error oxtee devkit: $(1)/sub.mk not found)
endif
include $(1)/sub.mk
oxtee-submk-files += $(1)/sub.mk
oxtee-unknown := $$(foreach oxtee_u,$$(filter-out $$(oxtee-known-submk),\
	$$(filter %-y,$$(.VARIABLES))),$$(if $$(filter file,$$(origin $$(oxtee_u))),\
	$$(if $$(strip $$($$(oxtee_u))),$$(oxtee_u))))
ifneq ($$(strip $$(oxtee-unknown)),)
$$(error oxtee devkit: $(1)/sub.mk sets $$(strip $$(oxtee-unknown)), which this devkit does not support; supported: $$(oxtee-submk-vars) and their per-file forms)
endif
oxtee-global-incdirs += $$(foreach oxtee_g,$$(global-incdirs-y),\
	$$(call oxtee-join,$(1),$$(oxtee_g)))
$$(foreach oxtee_g,$$(gensrcs-y),$$(eval $$(call oxtee-add-gensrc,$(1),$$(oxtee_g))))
$$(foreach oxtee_s,$$(srcs-y),$$(eval $$(call oxtee-add-src,$(1),$$(oxtee_s))))
oxtee-subdirs-$(1) := $$(subdirs-y)
$$(foreach oxtee_d,$$(oxtee-subdirs-$(1)),\
	$$(eval $$(call oxtee-process-subdir,$$(call oxtee-join,$(1),$$(oxtee_d)))))
endef

$(eval $(call oxtee-process-subdir,.))

oxtee-global-incdirs := $(strip $(oxtee-global-incdirs))
oxtee-srcs := $(strip $(oxtee-srcs))
oxtee-gen-files := $(strip $(oxtee-gen-files))
oxtee-force-gensrcs := $(strip $(oxtee-force-gensrcs))
