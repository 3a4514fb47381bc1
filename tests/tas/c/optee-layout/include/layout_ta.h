#ifndef TA_LAYOUT_H
#define TA_LAYOUT_H

#define TA_LAYOUT_UUID \
	{ 0xb1a3f3c2, 0x6d0e, 0x4c1e, \
		{ 0x9a, 0x55, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b } }

/* VALUE_INOUT: value.a + 1 into value.a */
#define TA_LAYOUT_CMD_INC_VALUE		0

#endif /* TA_LAYOUT_H */
