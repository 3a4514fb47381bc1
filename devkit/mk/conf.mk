# SPDX-License-Identifier: Apache-2.0
#
# oxtee devkit: default configuration of C TA builds. Every value may be
# overridden on the make command line, in the environment or in the TA's
# Makefile before it includes ta_dev_kit.mk.

# The tier the TA is built for: host (a static PIE for the build host,
# run in a sandboxed process by `oxtee up`) or tz (a static PIE for
# AArch64 user mode, run at S-EL0 by the TrustZone tier's secure kernel;
# the devkit that scripts/tz.sh exports, export-ta_arm64, sets it).
OXTEE_TIER ?= host
ifeq ($(OXTEE_TIER),tz)
CROSS_COMPILE ?= aarch64-linux-gnu-
# TAs at S-EL0 use general registers only (the secure world keeps no
# floating-point state), and link oxtee's own small C library.
CFG_TA_FLOAT_SUPPORT ?= n
CFG_TA_MBEDTLS ?= n
else ifneq ($(OXTEE_TIER),host)
$(error oxtee devkit: OXTEE_TIER is host or tz, not "$(OXTEE_TIER)")
endif

# Compile-time log level of EMSG/IMSG/DMSG/FMSG (0 = none ... 4 = flow).
CFG_TEE_TA_LOG_LEVEL ?= 2

# What this TEE offers a TA, as OP-TEE's devkit says it (every TA source
# sees CFG_* = y as a macro defined to 1, a number as that number, n as
# undefined; host programs read the same from host_include/conf.h).
# Floating point in TAs: the host's.
CFG_TA_FLOAT_SUPPORT ?= y
# mbedTLS for TAs, as OP-TEE's devkit offers it: lib/libmbedtls.a,
# libmbedx509.a, libmbedcrypto.a and include/mbedtls (Debian's build of
# the mbedTLS 2.28 LTS branch, copied in by scripts/build.sh), linked into
# every TA when y (the linker keeps only what the TA calls).
CFG_TA_MBEDTLS ?= y
# The TEE_BigInt API on mbedTLS's MPI (oxtee's is its own): no.
CFG_TA_MBEDTLS_MPI ?= n
# The system pseudo-TA (include/pta_system.h): offered on both tiers.
CFG_SYSTEM_PTA ?= y
# TA shared libraries, unwinding, profiling: not offered (yet).
CFG_TA_DYNLINK ?= n
CFG_UNWIND ?= n
CFG_TA_GPROF_SUPPORT ?= n
CFG_FTRACE_SUPPORT ?= n
# Largest TEE_BigInt the TA API handles, in bits.
CFG_TA_BIGNUM_MAX_BITS ?= 4096

# y: build the TA against the GP Internal Core API 1.1 (OP-TEE's
# __OPTEE_CORE_API_COMPAT_1_1), for TAs not yet ported to 1.3.
CFG_TA_OPTEE_CORE_API_COMPAT_1_1 ?= n

# Prefix of the compiler driver; empty means the host's gcc.
CROSS_COMPILE ?=

# Output directory for objects and the TA.
O ?= .

# 1 prints every command; 0 prints a short line per step.
V ?= 0
