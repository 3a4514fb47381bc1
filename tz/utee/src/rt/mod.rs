//! The Rust SDK's backend on this tier (feature `sdk`): what
//! `oxtee-ta-sdk` calls when a Rust TA is built for S-EL0, with the same
//! names and types as the host tier's `oxtee-ta-runtime`, so that one SDK
//! and one TA source serve both tiers.
//!
//! Everything here goes through the GP functions this crate gives C TAs
//! (`TEE_*`, over the kernel's system calls): a Rust TA and a C TA make
//! the same calls, checked by the same kernel. The SDK's TA is entered
//! through the same `__ta_entry` and `TA_*EntryPoint` functions as a C TA;
//! `oxtee_ta_sdk::ta_main!` defines those five for the TA's type and hands
//! the calls to [`entry`].

pub mod bigint;
pub mod crypto;
pub mod entry;
pub mod heap;
pub mod props;
pub mod storage;
pub mod ta2ta;
pub mod time;

pub use entry::{CallParams, EntryPoints};

use crate::{api, sys};
use oxtee_proto::Identity;

/// TEE_GetCancellationFlag.
pub fn cancellation_flag() -> bool {
    api::TEE_GetCancellationFlag()
}

/// TEE_MaskCancellation / TEE_UnmaskCancellation: the previous state.
pub fn set_cancellation_masked(masked: bool) -> bool {
    if masked {
        api::TEE_MaskCancellation()
    } else {
        api::TEE_UnmaskCancellation()
    }
}

/// The client of the session being served (`gpd.client.identity`).
pub fn client_identity() -> Option<Identity> {
    match props::find(props::PropSet::CurrentClient, b"gpd.client.identity") {
        Some(oxtee_proto::PropValue::Identity(i)) => Some(i),
        _ => None,
    }
}

/// TEE_GenerateRandom.
pub fn random(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writing `buf.len()` bytes.
    unsafe { api::TEE_GenerateRandom(buf.as_mut_ptr().cast(), buf.len()) }
}

/// TEE_Panic.
pub fn panic_ta(code: u32) -> ! {
    sys::panic(code)
}

/// One line of the secure log (`level`: 1 error, 2 info, 3 debug).
pub fn trace(level: i32, func: &str, line: i32, msg: &str) {
    api::trace_line(level, func.as_bytes(), line, msg.as_bytes())
}
