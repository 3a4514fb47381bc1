/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CXX_TA_H
#define CXX_TA_H

#define TA_CXX_UUID \
	{ 0x90e08258, 0x1e51, 0x4cb7, \
		{ 0xb9, 0xde, 0x03, 0x73, 0x67, 0xc7, 0x69, 0x2c } }

/* VALUE_OUTPUT: a = the C++ checks' result (0: all held, else the number
 * of the first that failed), b = constructions of the static object. */
#define TA_CXX_CMD_CHECKS	0
/* MEMREF_INPUT text, MEMREF_OUTPUT: the words of the text sorted and
 * joined with single spaces (std::string, std::vector, std::sort). */
#define TA_CXX_CMD_SORT_WORDS	1
/* Throws an exception nobody catches: std::terminate, the TA dies. */
#define TA_CXX_CMD_UNCAUGHT	2

#ifdef __cplusplus
extern "C" {
#endif
/* From the C source of the TA (c_part.c). */
int cxx_ta_c_part(int x);
#ifdef __cplusplus
}
#endif

#endif
