//! The system pseudo-TA (OP-TEE's `PTA_SYSTEM_UUID`): keys bound to this
//! TA's identity, derived in the core from the device's hardware-unique
//! key (what a TA seals its data with), and entropy for the core's
//! generator. Each call opens a session to the PTA and closes it.
//!
//! ```no_run
//! use oxtee_ta_sdk::system::{self, SealPolicy};
//! let mut key = [0u8; 32];
//! // Opens in every later version this signer signs.
//! system::derive_sealing_key(SealPolicy::Signer { floor: 1 }, b"db", &mut key)?;
//! # Ok::<(), oxtee_ta_sdk::ta_session::CallError>(())
//! ```

use crate::ta_session::{CallArg, CallError, INFINITE, TaSession, Uuid};
use oxtee_gp::pta_system as pta;

pub use pta::{EXTRA_MAX, KEY_MAX, KEY_MIN};

/// What a sealing key is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealPolicy {
    /// This TA's UUID (OP-TEE's unique key): any version, any signer.
    Unique,
    /// UUID, `ta_version` and the key that signed this image: another
    /// version or another signer derives another key.
    Version,
    /// UUID and signer, with a version floor no higher than this TA's
    /// `ta_version` (ACCESS_DENIED otherwise): every later version signed
    /// by the same key derives it.
    Signer { floor: u32 },
}

fn call(command: u32, args: &mut [CallArg<'_>]) -> Result<(), CallError> {
    let s = TaSession::open(Uuid(pta::UUID), INFINITE, &mut [])?;
    s.invoke(command, INFINITE, args)
}

/// `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`: fill `key` (16 to 32 bytes) with
/// the key unique to this device, this TA's UUID and `extra` (at most
/// 1024 bytes); BAD_PARAMETERS outside those sizes.
pub fn derive_ta_unique_key(extra: &[u8], key: &mut [u8]) -> Result<(), CallError> {
    derive(pta::DERIVE_TA_UNIQUE_KEY, None, extra, key)
}

/// oxtee's sealing key: as [`derive_ta_unique_key`], bound as `policy`
/// says.
pub fn derive_sealing_key(
    policy: SealPolicy,
    extra: &[u8],
    key: &mut [u8],
) -> Result<(), CallError> {
    let (a, b) = match policy {
        SealPolicy::Unique => (pta::SEAL_UNIQUE, 0),
        SealPolicy::Version => (pta::SEAL_VERSION, 0),
        SealPolicy::Signer { floor } => (pta::SEAL_SIGNER, floor),
    };
    derive(pta::OXTEE_DERIVE_SEALING_KEY, Some((a, b)), extra, key)
}

fn derive(
    command: u32,
    policy: Option<(u32, u32)>,
    extra: &[u8],
    key: &mut [u8],
) -> Result<(), CallError> {
    let size = key.len();
    let extra = CallArg::MemIn {
        buf: Some(extra),
        size: extra.len(),
    };
    let out = CallArg::MemOut {
        buf: Some(key),
        size,
    };
    match policy {
        None => call(command, &mut [extra, out]),
        Some((a, b)) => call(command, &mut [CallArg::ValueIn { a, b }, extra, out]),
    }
}

/// `PTA_SYSTEM_ADD_RNG_ENTROPY`: mix `data` into the core's random
/// generator.
pub fn add_rng_entropy(data: &[u8]) -> Result<(), CallError> {
    call(
        pta::ADD_RNG_ENTROPY,
        &mut [CallArg::MemIn {
            buf: Some(data),
            size: data.len(),
        }],
    )
}
