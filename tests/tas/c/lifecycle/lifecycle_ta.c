// SPDX-License-Identifier: Apache-2.0
/*
 * Counts how often each entry point of the (single, multi-session)
 * instance runs, and whether two of them ever ran at the same time.
 */
#include <stdint.h>
#include <time.h>

#include <lifecycle_ta.h>
#include <tee_internal_api.h>

static uint32_t creates;
static uint32_t opens;
static uint32_t closes;

/* Entry points currently running; overlap is set when it exceeds 1. */
static int in_entry;
static int overlap;

static void enter(void)
{
	if (__atomic_fetch_add(&in_entry, 1, __ATOMIC_SEQ_CST) != 0)
		__atomic_store_n(&overlap, 1, __ATOMIC_SEQ_CST);
}

static void leave(void)
{
	__atomic_fetch_sub(&in_entry, 1, __ATOMIC_SEQ_CST);
}

static uint64_t now_ns(void)
{
	struct timespec ts = { 0 };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

TEE_Result TA_CreateEntryPoint(void)
{
	enter();
	creates++;
	leave();
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
	enter();
	leave();
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t param_types,
				    TEE_Param params[TEE_NUM_PARAMS],
				    void **sess_ctx)
{
	(void)param_types;
	(void)params;
	(void)sess_ctx;
	enter();
	opens++;
	leave();
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *sess_ctx)
{
	(void)sess_ctx;
	enter();
	closes++;
	leave();
}

static TEE_Result get_counts(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = creates;
	params[0].value.b = opens;
	params[1].value.a = closes;
	params[1].value.b = 0;
	return TEE_SUCCESS;
}

static TEE_Result spin_50ms(void)
{
	uint64_t end = now_ns() + 50 * 1000 * 1000;

	while (now_ns() < end) {
	}
	return TEE_SUCCESS;
}

static TEE_Result get_overlap(uint32_t pt, TEE_Param params[4])
{
	if (pt != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT,
				  TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE,
				  TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = (uint32_t)__atomic_load_n(&overlap,
						      __ATOMIC_SEQ_CST);
	params[0].value.b = 0;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *sess_ctx, uint32_t cmd_id,
				      uint32_t param_types,
				      TEE_Param params[TEE_NUM_PARAMS])
{
	TEE_Result res = TEE_ERROR_NOT_SUPPORTED;

	(void)sess_ctx;
	enter();
	switch (cmd_id) {
	case TA_LIFECYCLE_CMD_GET_COUNTS:
		res = get_counts(param_types, params);
		break;
	case TA_LIFECYCLE_CMD_SPIN_50MS:
		res = spin_50ms();
		break;
	case TA_LIFECYCLE_CMD_GET_OVERLAP:
		res = get_overlap(param_types, params);
		break;
	default:
		break;
	}
	leave();
	return res;
}
