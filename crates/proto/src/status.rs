//! oxtee's status PTA, 6f787465-0000-4000-8000-737461747573 ("oxte",
//! "status"): what the secure world holds, on both tiers (`oxtee
//! status`).

/// Its UUID.
pub const PTA_UUID: [u8; 16] = [
    0x6f, 0x78, 0x74, 0x65, 0x00, 0x00, 0x40, 0x00, 0x80, 0x00, 0x73, 0x74, 0x61, 0x74, 0x75, 0x73,
];
/// Memref out: lines of text, `key value...`.
pub const CMD_STATUS: u32 = 0;
/// Value in: the new size of the secure memory (a low, b high 32
/// bits). NOT_SUPPORTED where the size is the firmware's (the
/// TrustZone tier).
pub const CMD_SET_BUDGET: u32 = 1;
