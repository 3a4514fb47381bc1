//! GP TEE Internal Core API, time functions: `TEE_GetSystemTime`,
//! `TEE_Wait`, `TEE_GetREETime` (see `oxtee_ta_runtime::time` for the
//! clocks), and `TEE_GetTAPersistentTime` / `TEE_SetTAPersistentTime`,
//! which the core keeps per TA (see `oxtee_core::ptime`).

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

/// TEE_GetTAPersistentTime.
///
/// # Safety
/// `time` points to a writable `TEE_Time` (NULL panics the TA).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetTAPersistentTime(time: *mut TeeTime) -> u32 {
    if time.is_null() {
        oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let (code, (seconds, millis)) = match oxtee_ta_runtime::ta2ta::persistent_time() {
        Ok(t) => (0, t),
        Err(e) => e,
    };
    // SAFETY: forwarded from the caller.
    unsafe { put(time, TeeTime { seconds, millis }) };
    code
}

/// TEE_SetTAPersistentTime. A millisecond field above 999 panics the TA.
///
/// # Safety
/// `time` points to a readable `TEE_Time` (NULL panics the TA).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_SetTAPersistentTime(time: *const TeeTime) -> u32 {
    if time.is_null() {
        oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: non-NULL and readable (caller's contract).
    let t = unsafe { time.read_unaligned() };
    if t.millis > 999 {
        oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    oxtee_ta_runtime::ta2ta::set_persistent_time(t.seconds, t.millis)
}
