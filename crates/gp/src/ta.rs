//! Data types of the TA-side API that both tiers' runtimes and the Rust
//! SDK share: GP's `TEE_Time`, the property sets, and one parameter of a
//! TA-to-TA call as a Rust TA gives it.

use core::time::Duration;

/// `TEE_TIMEOUT_INFINITE`.
pub const TIMEOUT_INFINITE: u32 = 0xFFFF_FFFF;

/// `TEE_Time`: seconds and milliseconds (0..=999) since some origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
#[repr(C)]
pub struct TeeTime {
    pub seconds: u32,
    pub millis: u32,
}

impl TeeTime {
    /// The time in milliseconds.
    pub fn as_millis(self) -> u64 {
        u64::from(self.seconds) * 1000 + u64::from(self.millis)
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_millis(self.as_millis())
    }
}

/// A pseudo-handle's property set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropSet {
    CurrentTa,
    CurrentClient,
    Implementation,
}

/// One parameter of a TA-to-TA call (the calling TA's side of it).
#[derive(Debug)]
pub enum CallArg<'a> {
    None,
    ValueIn {
        a: u32,
        b: u32,
    },
    ValueOut {
        a: u32,
        b: u32,
    },
    ValueInOut {
        a: u32,
        b: u32,
    },
    /// `None` buffer: a NULL memref announcing `size`.
    MemIn {
        buf: Option<&'a [u8]>,
        size: usize,
    },
    MemOut {
        buf: Option<&'a mut [u8]>,
        size: usize,
    },
    MemInOut {
        buf: Option<&'a mut [u8]>,
        size: usize,
    },
}

impl CallArg<'_> {
    /// Its `TEE_PARAM_TYPE_*`.
    pub fn type_nibble(&self) -> u32 {
        match self {
            CallArg::None => 0,
            CallArg::ValueIn { .. } => 1,
            CallArg::ValueOut { .. } => 2,
            CallArg::ValueInOut { .. } => 3,
            CallArg::MemIn { .. } => 5,
            CallArg::MemOut { .. } => 6,
            CallArg::MemInOut { .. } => 7,
        }
    }
}

/// The outcome of a TA-to-TA call: result code, return origin, session id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallResult {
    pub result: u32,
    pub origin: u32,
    pub session: u32,
}
