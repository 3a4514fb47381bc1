/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The devkit's configuration (mk/conf.mk) for programs built on the host,
 * as OP-TEE's devkit gives it: CFG_* = y defined to 1, n undefined,
 * numbers as numbers. Kept equal to mk/conf.mk's defaults by a test.
 */
#ifndef OXTEE_HOST_CONF_H
#define OXTEE_HOST_CONF_H

#define CFG_TEE_TA_LOG_LEVEL 2
#define CFG_TA_FLOAT_SUPPORT 1
#define CFG_TA_MBEDTLS 1
/* CFG_TA_MBEDTLS_MPI is not set */
#define CFG_SYSTEM_PTA 1
/* CFG_TA_DYNLINK is not set */
/* CFG_UNWIND is not set */
/* CFG_TA_GPROF_SUPPORT is not set */
/* CFG_FTRACE_SUPPORT is not set */
#define CFG_TA_BIGNUM_MAX_BITS 4096
/* CFG_TA_OPTEE_CORE_API_COMPAT_1_1 is not set */

#endif /* OXTEE_HOST_CONF_H */
