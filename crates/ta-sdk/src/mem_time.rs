//! Time (TEE_GetSystemTime, TEE_GetREETime, TEE_Wait) and buffers in the
//! TA's bounded heap.

use crate::{TeeError, TeeResult};

pub use crate::rt::heap::HeapBuf;
pub use crate::rt::time::{TIMEOUT_INFINITE, TeeTime};

/// TEE_GetSystemTime: monotonic time since an arbitrary origin (the
/// host's boot), for measuring intervals.
pub fn system_time() -> TeeTime {
    crate::rt::time::system_time()
}

/// TEE_GetREETime: the host's wall clock (seconds since the Unix epoch).
/// The normal world sets it: never base a security decision on it.
pub fn ree_time() -> TeeTime {
    crate::rt::time::ree_time()
}

/// TEE_Wait: sleep `timeout_ms` milliseconds ([`TIMEOUT_INFINITE`]: until
/// cancelled). `Err(TeeError::CANCEL)` as soon as the client cancels the
/// operation, if cancellation is unmasked (it is masked when a session
/// opens: see [`crate::mask_cancellation`]).
pub fn wait(timeout_ms: u32) -> TeeResult {
    crate::rt::time::wait(timeout_ms).map_err(|_| TeeError::CANCEL)
}

/// A zero-filled buffer of `len` bytes from the TA's heap, which is
/// bounded by its `data-size` (gpd.ta.dataSize) and shared with C code's
/// `TEE_Malloc`. None when the heap has no room: the TA can answer
/// `TEE_ERROR_OUT_OF_MEMORY` instead of dying. (On the host tier ordinary
/// Rust allocations such as `Vec` use the process's own allocator, bounded
/// only by the process's memory limit; at S-EL0 they come from this heap
/// too, and one that does not fit ends the TA.)
pub fn try_alloc(len: usize) -> Option<HeapBuf> {
    HeapBuf::try_new(len)
}

/// Bytes of the TA's heap in use and its size; (0, 0) before the heap is
/// first used.
pub fn heap_usage() -> (usize, usize) {
    crate::rt::heap::usage()
}

/// TEE_GetTAPersistentTime: this TA's persistent time. Errors are
/// TEE_ERROR_TIME_NOT_SET, TEE_ERROR_TIME_NEEDS_RESET, and
/// TEE_ERROR_OVERFLOW (with the time modulo 2^32 seconds alongside).
pub fn ta_persistent_time() -> Result<TeeTime, (TeeError, TeeTime)> {
    match crate::rt::ta2ta::persistent_time() {
        Ok((seconds, millis)) => Ok(TeeTime { seconds, millis }),
        Err((code, (seconds, millis))) => Err((TeeError(code), TeeTime { seconds, millis })),
    }
}

/// TEE_SetTAPersistentTime (`millis` must be at most 999).
pub fn set_ta_persistent_time(t: TeeTime) -> TeeResult {
    if t.millis > 999 {
        return Err(TeeError::BAD_PARAMETERS);
    }
    match crate::rt::ta2ta::set_persistent_time(t.seconds, t.millis) {
        0 => Ok(()),
        c => Err(TeeError(c)),
    }
}
