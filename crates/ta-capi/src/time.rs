//! GP TEE Internal Core API, time functions: `TEE_GetSystemTime`,
//! `TEE_Wait`, `TEE_GetREETime` (see `oxtee_ta_runtime::time` for the
//! clocks). `TEE_GetTAPersistentTime` / `TEE_SetTAPersistentTime` need the
//! core's storage and are not provided yet.

use oxtee_ta_runtime::time::{self, TeeTime};

const TEE_ERROR_CANCEL: u32 = 0xFFFF_0002;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;

/// Store `t` at `out`; a NULL `out` panics the TA (GP).
///
/// # Safety
/// `out` is NULL or valid for writing a `TEE_Time`.
unsafe fn put(out: *mut TeeTime, t: TeeTime) {
    if out.is_null() {
        oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: guaranteed by the caller; unaligned to be lenient with
    // packed C structures.
    unsafe { out.write_unaligned(t) }
}

/// TEE_GetSystemTime: monotonic time since an arbitrary origin (the
/// host's boot).
///
/// # Safety
/// `time` points to a writable `TEE_Time` (NULL panics the TA).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetSystemTime(time: *mut TeeTime) {
    // SAFETY: forwarded from the caller.
    unsafe { put(time, time::system_time()) }
}

/// TEE_GetREETime: the host's wall clock (seconds since the Unix epoch),
/// which the normal world controls.
///
/// # Safety
/// `time` points to a writable `TEE_Time` (NULL panics the TA).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetREETime(time: *mut TeeTime) {
    // SAFETY: forwarded from the caller.
    unsafe { put(time, time::ree_time()) }
}

/// TEE_Wait: `TEE_SUCCESS` after `timeout` ms (`TEE_TIMEOUT_INFINITE`:
/// never), `TEE_ERROR_CANCEL` as soon as the operation is cancelled while
/// cancellation is unmasked.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_Wait(timeout: u32) -> u32 {
    match time::wait(timeout) {
        Ok(()) => 0,
        Err(time::Cancelled) => TEE_ERROR_CANCEL,
    }
}
