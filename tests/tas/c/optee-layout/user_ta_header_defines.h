/*
 * The TA's properties, beside its sources (not under include/), where
 * OP-TEE's examples keep them.
 */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

#include <layout_ta.h>

#define TA_UUID				TA_LAYOUT_UUID

#define TA_FLAGS			0
#define TA_STACK_SIZE			(2 * 1024)
#define TA_DATA_SIZE			(32 * 1024)

#define TA_VERSION	"1.0"
#define TA_DESCRIPTION	"A TA laid out as OP-TEE's examples are"

#define TA_CURRENT_TA_EXT_PROPERTIES \
    { "org.oxtee.tests.layout.tag", \
	USER_TA_PROP_TYPE_STRING, \
        "layout TA" }, \
    { "org.oxtee.tests.layout.value", \
	USER_TA_PROP_TYPE_U32, &(const uint32_t){ 0x0010 } }

#endif /* USER_TA_HEADER_DEFINES_H */
