/* SPDX-License-Identifier: Apache-2.0 */
/* oxtee devkit: trace levels (values as in OP-TEE). */
#ifndef OXTEE_TRACE_LEVELS_H
#define OXTEE_TRACE_LEVELS_H

/*
 * A message at level L is compiled in when L <= TRACE_LEVEL.
 *  TRACE_ERROR: something failed
 *  TRACE_INFO:  significant events
 *  TRACE_DEBUG: details for debugging
 *  TRACE_FLOW:  function entry/exit level chatter
 */
#define TRACE_MIN	1
#define TRACE_ERROR	TRACE_MIN
#define TRACE_INFO	2
#define TRACE_DEBUG	3
#define TRACE_FLOW	4
#define TRACE_MAX	TRACE_FLOW

/* Level of plain printf()-style messages. */
#define TRACE_PRINTF_LEVEL	TRACE_ERROR

/* Set by the devkit makefile from CFG_TEE_TA_LOG_LEVEL (default 2). */
#ifndef CFG_TEE_TA_LOG_LEVEL
#define CFG_TEE_TA_LOG_LEVEL	TRACE_INFO
#endif

#ifndef TRACE_LEVEL
#define TRACE_LEVEL		CFG_TEE_TA_LOG_LEVEL
#endif

#endif /* OXTEE_TRACE_LEVELS_H */
