//! GlobalPlatform constants shared by the client and internal APIs, on
//! both tiers (the host daemon and the secure kernel). Values are those
//! of the GP specifications as OP-TEE defines them.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

/// Needs a heap (feature `alloc`): the monitor has none.
#[cfg(feature = "alloc")]
pub mod crypto;
pub mod pta_system;
pub mod ta;

pub const TEE_SUCCESS: u32 = 0x0000_0000;
pub const TEE_ERROR_CORRUPT_OBJECT: u32 = 0xF010_0001;
pub const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;
pub const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
pub const TEE_ERROR_CANCEL: u32 = 0xFFFF_0002;
pub const TEE_ERROR_ACCESS_CONFLICT: u32 = 0xFFFF_0003;
pub const TEE_ERROR_EXCESS_DATA: u32 = 0xFFFF_0004;
pub const TEE_ERROR_BAD_FORMAT: u32 = 0xFFFF_0005;
pub const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
pub const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
pub const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
pub const TEE_ERROR_NOT_IMPLEMENTED: u32 = 0xFFFF_0009;
pub const TEE_ERROR_NOT_SUPPORTED: u32 = 0xFFFF_000A;
pub const TEE_ERROR_NO_DATA: u32 = 0xFFFF_000B;
pub const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
pub const TEE_ERROR_BUSY: u32 = 0xFFFF_000D;
pub const TEE_ERROR_COMMUNICATION: u32 = 0xFFFF_000E;
pub const TEE_ERROR_SECURITY: u32 = 0xFFFF_000F;
pub const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;
pub const TEE_ERROR_EXTERNAL_CANCEL: u32 = 0xFFFF_0011;
pub const TEE_ERROR_TARGET_DEAD: u32 = 0xFFFF_3024;

pub const ORIGIN_API: u32 = 1;
pub const ORIGIN_COMMS: u32 = 2;
pub const ORIGIN_TEE: u32 = 3;
pub const ORIGIN_TRUSTED_APP: u32 = 4;

pub const LOGIN_PUBLIC: u32 = 0;
pub const LOGIN_USER: u32 = 1;
pub const LOGIN_GROUP: u32 = 2;
pub const LOGIN_APPLICATION: u32 = 4;
pub const LOGIN_USER_APPLICATION: u32 = 5;
pub const LOGIN_GROUP_APPLICATION: u32 = 6;
pub const LOGIN_TRUSTED_APP: u32 = 0xF000_0000;
/// `TEE_LOGIN_REE_KERNEL` (OP-TEE): a client in the normal world's kernel.
pub const LOGIN_REE_KERNEL: u32 = 0x8000_0000;

/// TA-side parameter types (TEE_PARAM_TYPE_*).
pub const PARAM_NONE: u32 = 0;
pub const PARAM_VALUE_INPUT: u32 = 1;
pub const PARAM_VALUE_OUTPUT: u32 = 2;
pub const PARAM_VALUE_INOUT: u32 = 3;
pub const PARAM_MEMREF_INPUT: u32 = 5;
pub const PARAM_MEMREF_OUTPUT: u32 = 6;
pub const PARAM_MEMREF_INOUT: u32 = 7;

/// Client-side parameter types (TEEC_*).
pub const TEEC_NONE: u32 = 0;
pub const TEEC_VALUE_INPUT: u32 = 1;
pub const TEEC_VALUE_OUTPUT: u32 = 2;
pub const TEEC_VALUE_INOUT: u32 = 3;
pub const TEEC_MEMREF_TEMP_INPUT: u32 = 5;
pub const TEEC_MEMREF_TEMP_OUTPUT: u32 = 6;
pub const TEEC_MEMREF_TEMP_INOUT: u32 = 7;
pub const TEEC_MEMREF_WHOLE: u32 = 0xC;
pub const TEEC_MEMREF_PARTIAL_INPUT: u32 = 0xD;
pub const TEEC_MEMREF_PARTIAL_OUTPUT: u32 = 0xE;
pub const TEEC_MEMREF_PARTIAL_INOUT: u32 = 0xF;

pub const TEEC_MEM_INPUT: u32 = 0x1;
pub const TEEC_MEM_OUTPUT: u32 = 0x2;

/// TA flags (user_ta_header.h).
pub const TA_FLAG_SINGLE_INSTANCE: u32 = 1 << 2;
pub const TA_FLAG_MULTI_SESSION: u32 = 1 << 3;
pub const TA_FLAG_INSTANCE_KEEP_ALIVE: u32 = 1 << 4;

/// Pack four 4-bit parameter types (TEE_PARAM_TYPES / TEEC_PARAM_TYPES).
pub const fn param_types(t0: u32, t1: u32, t2: u32, t3: u32) -> u32 {
    t0 | (t1 << 4) | (t2 << 8) | (t3 << 12)
}

/// Extract parameter type `i` (TEE_PARAM_TYPE_GET).
pub const fn param_type_get(t: u32, i: usize) -> u32 {
    (t >> (i * 4)) & 0xF
}

/// A GP result code with its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeeError {
    pub code: u32,
    pub origin: u32,
}

impl TeeError {
    pub const fn tee(code: u32) -> TeeError {
        TeeError {
            code,
            origin: ORIGIN_TEE,
        }
    }
    pub const fn api(code: u32) -> TeeError {
        TeeError {
            code,
            origin: ORIGIN_API,
        }
    }
    pub const fn comms(code: u32) -> TeeError {
        TeeError {
            code,
            origin: ORIGIN_COMMS,
        }
    }
    pub const fn ta(code: u32) -> TeeError {
        TeeError {
            code,
            origin: ORIGIN_TRUSTED_APP,
        }
    }
}

impl core::fmt::Display for TeeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{} (0x{:08x}), origin {}",
            result_name(self.code),
            self.code,
            origin_name(self.origin)
        )
    }
}

impl core::error::Error for TeeError {}

/// The symbolic name of a result code.
pub fn result_name(code: u32) -> &'static str {
    match code {
        TEE_SUCCESS => "SUCCESS",
        TEE_ERROR_CORRUPT_OBJECT => "CORRUPT_OBJECT",
        TEE_ERROR_GENERIC => "GENERIC",
        TEE_ERROR_ACCESS_DENIED => "ACCESS_DENIED",
        TEE_ERROR_CANCEL => "CANCEL",
        TEE_ERROR_ACCESS_CONFLICT => "ACCESS_CONFLICT",
        TEE_ERROR_EXCESS_DATA => "EXCESS_DATA",
        TEE_ERROR_BAD_FORMAT => "BAD_FORMAT",
        TEE_ERROR_BAD_PARAMETERS => "BAD_PARAMETERS",
        TEE_ERROR_BAD_STATE => "BAD_STATE",
        TEE_ERROR_ITEM_NOT_FOUND => "ITEM_NOT_FOUND",
        TEE_ERROR_NOT_IMPLEMENTED => "NOT_IMPLEMENTED",
        TEE_ERROR_NOT_SUPPORTED => "NOT_SUPPORTED",
        TEE_ERROR_NO_DATA => "NO_DATA",
        TEE_ERROR_OUT_OF_MEMORY => "OUT_OF_MEMORY",
        TEE_ERROR_BUSY => "BUSY",
        TEE_ERROR_COMMUNICATION => "COMMUNICATION",
        TEE_ERROR_SECURITY => "SECURITY",
        TEE_ERROR_SHORT_BUFFER => "SHORT_BUFFER",
        TEE_ERROR_EXTERNAL_CANCEL => "EXTERNAL_CANCEL",
        TEE_ERROR_TARGET_DEAD => "TARGET_DEAD",
        _ => "UNKNOWN",
    }
}

/// The symbolic name of a return origin.
pub fn origin_name(origin: u32) -> &'static str {
    match origin {
        ORIGIN_API => "API",
        ORIGIN_COMMS => "COMMS",
        ORIGIN_TEE => "TEE",
        ORIGIN_TRUSTED_APP => "TRUSTED_APP",
        _ => "UNKNOWN",
    }
}
