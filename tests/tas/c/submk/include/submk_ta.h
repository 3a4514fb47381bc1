/* SPDX-License-Identifier: Apache-2.0 */
#ifndef SUBMK_TA_H
#define SUBMK_TA_H
int helper_value(void);
int helper_generated(void);
#endif
