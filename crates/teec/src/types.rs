//! The C types and constants of `tee_client_api.h`, laid out as OP-TEE's.
//!
//! `tests/abi.rs` compiles a C program against the header and checks that
//! every size and offset here matches it.

use std::ffi::{c_int, c_void};

pub type TEEC_Result = u32;

pub const TEEC_CONFIG_PAYLOAD_REF_COUNT: usize = 4;
pub const TEEC_CONFIG_SHAREDMEM_MAX_SIZE: usize = oxtee_client::SHAREDMEM_MAX_SIZE;

pub const TEEC_NONE: u32 = 0x0;
pub const TEEC_VALUE_INPUT: u32 = 0x1;
pub const TEEC_VALUE_OUTPUT: u32 = 0x2;
pub const TEEC_VALUE_INOUT: u32 = 0x3;
pub const TEEC_MEMREF_TEMP_INPUT: u32 = 0x5;
pub const TEEC_MEMREF_TEMP_OUTPUT: u32 = 0x6;
pub const TEEC_MEMREF_TEMP_INOUT: u32 = 0x7;
pub const TEEC_MEMREF_WHOLE: u32 = 0xC;
pub const TEEC_MEMREF_PARTIAL_INPUT: u32 = 0xD;
pub const TEEC_MEMREF_PARTIAL_OUTPUT: u32 = 0xE;
pub const TEEC_MEMREF_PARTIAL_INOUT: u32 = 0xF;

pub use oxtee_client::{
    TEEC_ERROR_ACCESS_DENIED, TEEC_ERROR_BAD_FORMAT, TEEC_ERROR_BAD_PARAMETERS,
    TEEC_ERROR_BAD_STATE, TEEC_ERROR_BUSY, TEEC_ERROR_CANCEL, TEEC_ERROR_COMMUNICATION,
    TEEC_ERROR_GENERIC, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ERROR_NOT_SUPPORTED,
    TEEC_ERROR_OUT_OF_MEMORY, TEEC_ERROR_SECURITY, TEEC_ERROR_SHORT_BUFFER, TEEC_ERROR_TARGET_DEAD,
    TEEC_MEM_INPUT, TEEC_MEM_OUTPUT, TEEC_ORIGIN_API, TEEC_ORIGIN_COMMS, TEEC_ORIGIN_TEE,
    TEEC_ORIGIN_TRUSTED_APP, TEEC_SUCCESS,
};
pub const TEEC_ERROR_STORAGE_NOT_AVAILABLE: u32 = 0xF010_0003;
pub const TEEC_ERROR_ACCESS_CONFLICT: u32 = 0xFFFF_0003;
pub const TEEC_ERROR_EXCESS_DATA: u32 = 0xFFFF_0004;
pub const TEEC_ERROR_NOT_IMPLEMENTED: u32 = 0xFFFF_0009;
pub const TEEC_ERROR_NO_DATA: u32 = 0xFFFF_000B;
pub const TEEC_ERROR_EXTERNAL_CANCEL: u32 = 0xFFFF_0011;
pub const TEEC_ERROR_STORAGE_NO_SPACE: u32 = 0xFFFF_3041;

pub const TEEC_LOGIN_PUBLIC: u32 = 0;
pub const TEEC_LOGIN_USER: u32 = 1;
pub const TEEC_LOGIN_GROUP: u32 = 2;
pub const TEEC_LOGIN_APPLICATION: u32 = 4;
pub const TEEC_LOGIN_USER_APPLICATION: u32 = 5;
pub const TEEC_LOGIN_GROUP_APPLICATION: u32 = 6;

/// `TEEC_PARAM_TYPES(p0, p1, p2, p3)`.
pub const fn TEEC_PARAM_TYPES(p0: u32, p1: u32, p2: u32, p3: u32) -> u32 {
    p0 | (p1 << 4) | (p2 << 8) | (p3 << 12)
}

/// `TEEC_PARAM_TYPE_GET(p, i)`.
pub const fn TEEC_PARAM_TYPE_GET(p: u32, i: usize) -> u32 {
    (p >> (i * 4)) & 0xF
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TEEC_UUID {
    pub timeLow: u32,
    pub timeMid: u16,
    pub timeHiAndVersion: u16,
    pub clockSeqAndNode: [u8; 8],
}

/// `TEEC_Context.imp`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_ContextImp {
    /// The registry handle of the context (not a file descriptor).
    pub fd: c_int,
    pub reg_mem: bool,
    pub memref_null: bool,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_Context {
    pub imp: TEEC_ContextImp,
}

/// `TEEC_Session.imp`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_SessionImp {
    pub ctx: *mut TEEC_Context,
    pub session_id: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_Session {
    pub imp: TEEC_SessionImp,
}

/// `TEEC_SharedMemory.internal`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union TEEC_SharedMemoryInternal {
    pub dummy: bool,
    pub flags: u8,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct TEEC_SharedMemory {
    pub buffer: *mut c_void,
    pub size: usize,
    pub flags: u32,
    /// Registry handle of the block (-1 once released).
    pub id: c_int,
    pub alloced_size: usize,
    /// Always NULL: registered memory is copied per operation instead.
    pub shadow_buffer: *mut c_void,
    /// Always -1.
    pub registered_fd: c_int,
    /// `SHM_ALLOCATED` or `SHM_REGISTERED` while live.
    pub internal: TEEC_SharedMemoryInternal,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_TempMemoryReference {
    pub buffer: *mut c_void,
    pub size: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TEEC_RegisteredMemoryReference {
    pub parent: *mut TEEC_SharedMemory,
    pub size: usize,
    pub offset: usize,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TEEC_Value {
    pub a: u32,
    pub b: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union TEEC_Parameter {
    pub tmpref: TEEC_TempMemoryReference,
    pub memref: TEEC_RegisteredMemoryReference,
    pub value: TEEC_Value,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct TEEC_Operation {
    pub started: u32,
    pub paramTypes: u32,
    pub params: [TEEC_Parameter; TEEC_CONFIG_PAYLOAD_REF_COUNT],
    pub session: *mut TEEC_Session,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    /// The LP64 layouts of OP-TEE's libteec (what every 64-bit Linux CA
    /// was compiled against). `tests/abi.rs` checks them against the
    /// header itself, on any target.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn lp64_layouts_match_optee() {
        assert_eq!(size_of::<TEEC_UUID>(), 16);
        assert_eq!(offset_of!(TEEC_UUID, clockSeqAndNode), 8);
        assert_eq!(size_of::<TEEC_Context>(), 8);
        assert_eq!(offset_of!(TEEC_Context, imp.reg_mem), 4);
        assert_eq!(offset_of!(TEEC_Context, imp.memref_null), 5);
        assert_eq!(size_of::<TEEC_Session>(), 16);
        assert_eq!(offset_of!(TEEC_Session, imp.session_id), 8);
        assert_eq!(size_of::<TEEC_SharedMemory>(), 48);
        assert_eq!(offset_of!(TEEC_SharedMemory, flags), 16);
        assert_eq!(offset_of!(TEEC_SharedMemory, id), 20);
        assert_eq!(offset_of!(TEEC_SharedMemory, alloced_size), 24);
        assert_eq!(offset_of!(TEEC_SharedMemory, shadow_buffer), 32);
        assert_eq!(offset_of!(TEEC_SharedMemory, registered_fd), 40);
        assert_eq!(offset_of!(TEEC_SharedMemory, internal), 44);
        assert_eq!(size_of::<TEEC_Parameter>(), 24);
        assert_eq!(size_of::<TEEC_Operation>(), 112);
        assert_eq!(offset_of!(TEEC_Operation, params), 8);
        assert_eq!(offset_of!(TEEC_Operation, session), 104);
    }

    #[test]
    fn param_type_macros() {
        let t = TEEC_PARAM_TYPES(
            TEEC_MEMREF_PARTIAL_INPUT,
            TEEC_MEMREF_PARTIAL_OUTPUT,
            TEEC_VALUE_INOUT,
            TEEC_NONE,
        );
        assert_eq!(t, 0x03ED);
        assert_eq!(TEEC_PARAM_TYPE_GET(t, 0), TEEC_MEMREF_PARTIAL_INPUT);
        assert_eq!(TEEC_PARAM_TYPE_GET(t, 1), TEEC_MEMREF_PARTIAL_OUTPUT);
        assert_eq!(TEEC_PARAM_TYPE_GET(t, 2), TEEC_VALUE_INOUT);
        assert_eq!(TEEC_PARAM_TYPE_GET(t, 3), TEEC_NONE);
    }
}
