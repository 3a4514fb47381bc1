//! TA-to-TA calls (GP `TEE_OpenTASession`, `TEE_InvokeTACommand`,
//! `TEE_CloseTASession`) over OP-TEE's system calls `OPEN_TA_SESSION`,
//! `INVOKE_TA_COMMAND` and `CLOSE_TA_SESSION`: the `TEE_Param`s become a
//! `struct utee_params` for the kernel (which copies the buffers and
//! checks them against this TA's memory) and the answer goes back into
//! them. A session handle is the kernel's session number.

use core::ffi::c_void;

use crate::{BAD_PARAMETERS, Param, UteeParams, is_memref, is_value, param_type, sys};

const OPEN_TA_SESSION: u64 = 5;
const CLOSE_TA_SESSION: u64 = 6;
const INVOKE_TA_COMMAND: u64 = 7;
/// `TEE_ORIGIN_API`: the TA's own library refused.
const ORIGIN_API: u32 = 1;

/// `TEE_UUID` as C lays it out.
#[repr(C)]
pub struct TeeUuid {
    time_low: u32,
    time_mid: u16,
    time_hi_and_version: u16,
    clock_seq_and_node: [u8; 8],
}

/// The kernel's form of `params` of `types` (none for NULL with no types).
///
/// # Safety
/// `params` is NULL or valid for four `TEE_Param`s.
unsafe fn to_kernel(types: u32, params: *const Param) -> UteeParams {
    let mut up = UteeParams {
        types: u64::from(types),
        vals: [0; 8],
    };
    if types != 0 && params.is_null() {
        sys::panic(BAD_PARAMETERS)
    }
    for i in 0..4 {
        let t = param_type(up.types, i);
        if t == 0 {
            continue;
        }
        // SAFETY: non-NULL with types (above); four entries (contract).
        let p = unsafe { &*params.add(i) };
        if is_value(t) {
            up.vals[2 * i] = p.w0 & 0xffff_ffff;
            up.vals[2 * i + 1] = p.w0 >> 32;
        } else if is_memref(t) {
            up.vals[2 * i] = p.w0;
            up.vals[2 * i + 1] = p.w1;
        }
    }
    up
}

/// The kernel's answer back into `params`: values out, buffer sizes.
///
/// # Safety
/// As [`to_kernel`].
unsafe fn from_kernel(up: &UteeParams, params: *mut Param) {
    for i in 0..4 {
        let t = param_type(up.types, i);
        if t == 0 || params.is_null() {
            continue;
        }
        // SAFETY: as in `to_kernel`.
        let p = unsafe { &mut *params.add(i) };
        if is_value(t) && t != 1 {
            p.w0 = (up.vals[2 * i] & 0xffff_ffff) | (up.vals[2 * i + 1] << 32);
        } else if is_memref(t) && t != 5 {
            p.w1 = up.vals[2 * i + 1];
        }
    }
}

fn origin_out(origin: *mut u32, v: u32) {
    if !origin.is_null() {
        // SAFETY: non-NULL: the caller's contract makes it writable.
        unsafe { origin.write(v) }
    }
}

/// # Safety
/// `destination` valid; `params` NULL (no types) or four `TEE_Param`s;
/// `session` writable; `origin` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_OpenTASession(
    destination: *const TeeUuid,
    timeout: u32,
    param_types: u32,
    params: *mut c_void,
    session: *mut *mut c_void,
    origin: *mut u32,
) -> u32 {
    if destination.is_null() || session.is_null() {
        sys::panic(BAD_PARAMETERS)
    }
    let params = params as *mut Param;
    // SAFETY: the caller's contract.
    let mut up = unsafe { to_kernel(param_types, params) };
    let (mut s, mut o) = (0u32, ORIGIN_API);
    let r = sys::call(
        OPEN_TA_SESSION,
        &[
            destination as u64,
            u64::from(timeout),
            &raw mut up as u64,
            &raw mut s as u64,
            &raw mut o as u64,
        ],
    );
    // SAFETY: the caller's contract.
    unsafe {
        from_kernel(&up, params);
        session.write(if r == 0 {
            s as usize as *mut c_void
        } else {
            core::ptr::null_mut()
        });
    }
    origin_out(origin, o);
    r
}

/// # Safety
/// `params` NULL (no types) or four `TEE_Param`s; `origin` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InvokeTACommand(
    session: *mut c_void,
    timeout: u32,
    command: u32,
    param_types: u32,
    params: *mut c_void,
    origin: *mut u32,
) -> u32 {
    if session.is_null() {
        sys::panic(BAD_PARAMETERS)
    }
    let params = params as *mut Param;
    // SAFETY: the caller's contract.
    let mut up = unsafe { to_kernel(param_types, params) };
    let mut o = ORIGIN_API;
    let r = sys::call(
        INVOKE_TA_COMMAND,
        &[
            session as u64,
            u64::from(timeout),
            u64::from(command),
            &raw mut up as u64,
            &raw mut o as u64,
        ],
    );
    // SAFETY: the caller's contract.
    unsafe { from_kernel(&up, params) };
    origin_out(origin, o);
    r
}

/// TEE_HANDLE_NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseTASession(session: *mut c_void) {
    if !session.is_null() {
        let _ = sys::call(CLOSE_TA_SESSION, &[session as u64]);
    }
}
