//! Time: TEE_GetSystemTime, TEE_GetREETime, TEE_Wait.

pub use oxtee_gp::ta::{TIMEOUT_INFINITE, TeeTime};

use crate::{api, sys};

/// A wait cut short because the operation was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

fn get(f: unsafe extern "C" fn(*mut sys::Time)) -> TeeTime {
    let mut t = sys::Time::default();
    // SAFETY: `t` is a valid `TEE_Time` to write.
    unsafe { f(&mut t) };
    TeeTime {
        seconds: t.seconds,
        millis: t.millis,
    }
}

/// TEE_GetSystemTime.
pub fn system_time() -> TeeTime {
    get(api::TEE_GetSystemTime)
}

/// TEE_GetREETime (the normal world's clock, through the supplicant).
pub fn ree_time() -> TeeTime {
    get(api::TEE_GetREETime)
}

/// TEE_Wait: `Err` when the operation was cancelled meanwhile.
pub fn wait(timeout_ms: u32) -> Result<(), Cancelled> {
    match api::TEE_Wait(timeout_ms) {
        0 => Ok(()),
        _ => Err(Cancelled),
    }
}
