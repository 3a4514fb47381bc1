//! The attestation pseudo-TA (OP-TEE's `PTA_ATTESTATION_UUID`): evidence
//! about this TA that a remote verifier checks with the device's
//! attestation key. Each call opens a session to the PTA and closes it.
//!
//! ```no_run
//! // The verifier's challenge in, a PSA token (RFC 9783) out.
//! let token = oxtee_ta_sdk::attestation::psa_token(&[0u8; 32])?;
//! # Ok::<(), oxtee_ta_sdk::ta_session::CallError>(())
//! ```

use crate::ta_session::{CallArg, CallError, INFINITE, TaSession, Uuid};
use alloc::vec;
use alloc::vec::Vec;
use oxtee_gp::pta_system::attestation as pta;

/// The largest token the PTA makes, with room to spare.
const MAX_TOKEN: usize = 4096;
/// A signed measurement: SHA-256, then an RSA-3072 signature.
const SIGNED: usize = 32 + 384;

fn call(command: u32, args: &mut [CallArg<'_>]) -> Result<(), CallError> {
    let s = TaSession::open(Uuid(pta::UUID), INFINITE, &mut [])?;
    s.invoke(command, INFINITE, args)
}

/// A PSA attestation token about this TA for `challenge` (32, 48 or 64
/// bytes): a COSE_Sign1 (ES256) whose claims measure the secure world
/// and this TA's signed image and signer.
pub fn psa_token(challenge: &[u8]) -> Result<Vec<u8>, CallError> {
    let mut token = vec![0u8; MAX_TOKEN];
    let mut args = [
        CallArg::MemIn {
            buf: Some(challenge),
            size: challenge.len(),
        },
        CallArg::MemIn {
            buf: Some(&[]),
            size: 0,
        },
        CallArg::MemOut {
            buf: Some(&mut token),
            size: MAX_TOKEN,
        },
    ];
    call(pta::OXTEE_GET_PSA_TOKEN, &mut args)?;
    let CallArg::MemOut { size, .. } = args[2] else {
        unreachable!("the argument set above")
    };
    token.truncate(size);
    Ok(token)
}

/// OP-TEE's `PTA_ATTESTATION_HASH_TA_MEMORY`: the SHA-256 of this TA's
/// code as mapped, followed by the RSA-PSS signature of
/// `SHA-256(nonce || hash)` (`nonce` must not be empty).
pub fn hash_ta_memory(nonce: &[u8]) -> Result<Vec<u8>, CallError> {
    let mut out = vec![0u8; SIGNED];
    call(
        pta::HASH_TA_MEMORY,
        &mut [
            CallArg::MemIn {
                buf: Some(nonce),
                size: nonce.len(),
            },
            CallArg::MemOut {
                buf: Some(&mut out),
                size: SIGNED,
            },
        ],
    )?;
    Ok(out)
}
