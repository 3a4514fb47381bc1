//! GP cryptographic operations (Internal Core API v1.3.1 chapter 6) in
//! safe Rust: so far the generic operation functions and message digests.
//!
//! An [`Operation`] owns its handle and frees it when dropped. Misuse that
//! GP answers with a panic (updating a SHAKE operation that is already
//! extracting, copying between different algorithms, extracting from a
//! fixed-length hash) panics the TA, as in C.
//!
//! ```ignore
//! let mut op = Operation::allocate(alg::SHA256, Mode::Digest, 0)?;
//! op.digest_update(b"ab");
//! let mut out = [0u8; 32];
//! let n = op.digest_do_final(b"c", &mut out)?;
//! ```

use crate::{TeeError, TeeResult};
use oxtee_ta_runtime::crypto::{self as rc, Error, OpHandle};

pub use oxtee_ta_runtime::crypto::{Info, InfoMultiple, KeyInfo, OpState};

/// Algorithm identifiers (TEE_ALG_*).
pub mod alg {
    pub use oxtee_ta_runtime::crypto::engine::consts::{
        TEE_ALG_MD5 as MD5, TEE_ALG_SHA1 as SHA1, TEE_ALG_SHA3_224 as SHA3_224,
        TEE_ALG_SHA3_256 as SHA3_256, TEE_ALG_SHA3_384 as SHA3_384, TEE_ALG_SHA3_512 as SHA3_512,
        TEE_ALG_SHA224 as SHA224, TEE_ALG_SHA256 as SHA256, TEE_ALG_SHA384 as SHA384,
        TEE_ALG_SHA512 as SHA512, TEE_ALG_SHAKE128 as SHAKE128, TEE_ALG_SHAKE256 as SHAKE256,
        TEE_ALG_SM3 as SM3,
    };
}

/// Other GP constants of this API (classes, states, handle flags).
pub use oxtee_ta_runtime::crypto::engine::consts;

/// TEE_MODE_*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Mode {
    Encrypt = 0,
    Decrypt = 1,
    Sign = 2,
    Verify = 3,
    Mac = 4,
    Digest = 5,
    Derive = 6,
}

fn err(e: Error) -> TeeError {
    TeeError(e.code())
}

/// TEE_IsAlgorithmSupported (`element` is TEE_CRYPTO_ELEMENT_*; 0 for
/// none).
pub fn is_algorithm_supported(algorithm: u32, element: u32) -> TeeResult {
    rc::is_algorithm_supported(algorithm, element).map_err(err)
}

/// A cryptographic operation (TEE_OperationHandle), freed on drop.
#[derive(Debug)]
pub struct Operation {
    h: OpHandle,
}

impl Operation {
    /// TEE_AllocateOperation. An unknown algorithm, a mode the algorithm
    /// does not have, or a key size it cannot take: `NOT_SUPPORTED`.
    pub fn allocate(algorithm: u32, mode: Mode, max_key_size: u32) -> TeeResult<Operation> {
        rc::allocate(algorithm, mode as u32, max_key_size)
            .map(|h| Operation { h })
            .map_err(err)
    }

    /// TEE_GetOperationInfo.
    pub fn info(&self) -> Info {
        rc::info(self.h)
    }

    /// TEE_GetOperationInfoMultiple (with every key slot).
    pub fn info_multiple(&self) -> InfoMultiple {
        rc::info_multiple(self.h)
    }

    /// TEE_ResetOperation: back to the initial state.
    pub fn reset(&mut self) {
        rc::reset(self.h)
    }

    /// TEE_CopyOperation: make `self` an independent copy of `src` (same
    /// algorithm and mode, else the TA panics).
    pub fn copy_from(&mut self, src: &Operation) {
        rc::copy(self.h, src.h)
    }

    /// TEE_DigestUpdate.
    pub fn digest_update(&mut self, chunk: &[u8]) {
        rc::digest_update(self.h, chunk)
    }

    /// TEE_DigestDoFinal into `out`: the number of bytes written (for
    /// SHAKE, all of `out`). Too small a buffer: `SHORT_BUFFER`, with the
    /// size needed in [`Operation::digest_len`], the operation unchanged.
    pub fn digest_do_final(&mut self, chunk: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        let d = rc::digest_do_final(self.h, chunk, out.len()).map_err(err)?;
        out[..d.len()].copy_from_slice(&d);
        Ok(d.len())
    }

    /// TEE_DigestDoFinal into a new vector of the digest's length (for
    /// SHAKE, of `xof_len` bytes).
    pub fn digest_final(&mut self, chunk: &[u8], xof_len: usize) -> Vec<u8> {
        let len = match self.digest_len() {
            0 => xof_len,
            n => n,
        };
        let mut out = vec![0u8; len];
        match self.digest_do_final(chunk, &mut out) {
            Ok(n) => out.truncate(n),
            Err(_) => unreachable!("a buffer of the digest length is large enough"),
        }
        out
    }

    /// TEE_DigestExtract: fill `out` with the next bytes of a SHAKE
    /// output; the operation is then extracting until reset.
    pub fn digest_extract(&mut self, out: &mut [u8]) {
        rc::digest_extract(self.h, out)
    }

    /// The digest length (0 for SHAKE, whose output has any length).
    pub fn digest_len(&self) -> usize {
        self.info().digest_length as usize
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        rc::free(self.h)
    }
}
