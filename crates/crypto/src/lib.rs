//! The GP TEE cryptographic operation engine (Internal Core API v1.3.1,
//! chapter 6), shared by the C ABI (`oxtee-ta-capi`) and the Rust SDK
//! through the runtime's handle table (`oxtee_ta_runtime::crypto`).
//!
//! An [`Operation`] carries what TEE_GetOperationInfo reports (algorithm,
//! class, mode, maximum key size, digest length, handle flags) and the GP
//! 1.3 operation state (initial, active, extracting), and delegates the
//! arithmetic to a per-class [`Engine`]. Misuse that GP answers with a
//! panic of the TA comes back as [`Error::Panic`]: this crate makes no OS
//! calls and never ends the process itself.
//!
//! Classes implemented so far: TEE_OPERATION_DIGEST ([`digest`]). Later
//! classes (cipher, MAC, AE, asymmetric, key derivation) add an [`Engine`]
//! variant, their algorithms to [`Operation::new`] and
//! [`is_algorithm_supported`], and their key slots to
//! [`Operation::info_multiple`].
#![forbid(unsafe_code)]

pub mod consts;
pub mod digest;

use consts::*;
use digest::{DigestAlg, DigestEngine};

/// A failure of an operation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// TEE_ERROR_NOT_SUPPORTED.
    NotSupported,
    /// TEE_ERROR_SHORT_BUFFER: the output needs this many bytes; the
    /// operation is unchanged.
    ShortBuffer(usize),
    /// GP says the TA panics; the code is the panic code to use.
    Panic(u32),
}

impl Error {
    /// The GP return code (for `Panic`, the panic code).
    pub fn code(self) -> u32 {
        match self {
            Error::NotSupported => TEE_ERROR_NOT_SUPPORTED,
            Error::ShortBuffer(_) => TEE_ERROR_SHORT_BUFFER,
            Error::Panic(c) => c,
        }
    }
}

/// TEE_OPERATION_* classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Class {
    Cipher = TEE_OPERATION_CIPHER,
    Mac = TEE_OPERATION_MAC,
    Ae = TEE_OPERATION_AE,
    Digest = TEE_OPERATION_DIGEST,
    AsymmetricCipher = TEE_OPERATION_ASYMMETRIC_CIPHER,
    AsymmetricSignature = TEE_OPERATION_ASYMMETRIC_SIGNATURE,
    KeyDerivation = TEE_OPERATION_KEY_DERIVATION,
}

/// TEE_OPERATION_STATE_* (GP 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum OpState {
    Initial = TEE_OPERATION_STATE_INITIAL,
    Active = TEE_OPERATION_STATE_ACTIVE,
    Extracting = TEE_OPERATION_STATE_EXTRACTING,
}

/// The fields of `TEE_OperationInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Info {
    pub algorithm: u32,
    pub operation_class: u32,
    pub mode: u32,
    pub digest_length: u32,
    pub max_key_size: u32,
    pub key_size: u32,
    pub required_key_usage: u32,
    pub handle_state: u32,
}

/// One `TEE_OperationInfoKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyInfo {
    pub key_size: u32,
    pub required_key_usage: u32,
}

/// The fields of `TEE_OperationInfoMultiple`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InfoMultiple {
    pub algorithm: u32,
    pub operation_class: u32,
    pub mode: u32,
    pub digest_length: u32,
    pub max_key_size: u32,
    pub handle_state: u32,
    pub operation_state: u32,
    /// `numberOfKeys` is its length.
    pub keys: Vec<KeyInfo>,
}

/// The per-class computation.
#[derive(Clone)]
pub enum Engine {
    Digest(DigestEngine),
}

/// One GP operation (what a TEE_OperationHandle designates).
#[derive(Clone)]
pub struct Operation {
    algorithm: u32,
    class: Class,
    mode: u32,
    max_key_size: u32,
    digest_length: u32,
    handle_state: u32,
    state: OpState,
    engine: Engine,
}

/// TEE_IsAlgorithmSupported: `Ok` or [`Error::NotSupported`].
pub fn is_algorithm_supported(alg: u32, element: u32) -> Result<(), Error> {
    if DigestAlg::from_id(alg).is_some() && element == TEE_CRYPTO_ELEMENT_NONE {
        Ok(())
    } else {
        Err(Error::NotSupported)
    }
}

impl Operation {
    /// TEE_AllocateOperation.
    pub fn new(algorithm: u32, mode: u32, max_key_size: u32) -> Result<Operation, Error> {
        let Some(alg) = DigestAlg::from_id(algorithm) else {
            return Err(Error::NotSupported);
        };
        if mode != TEE_MODE_DIGEST || max_key_size != 0 {
            return Err(Error::NotSupported);
        }
        Ok(Operation {
            algorithm,
            class: Class::Digest,
            mode,
            max_key_size,
            digest_length: alg.digest_len() as u32,
            // No key and no init function: a digest is ready at once.
            handle_state: TEE_HANDLE_FLAG_KEY_SET | TEE_HANDLE_FLAG_INITIALIZED,
            state: OpState::Initial,
            engine: Engine::Digest(DigestEngine::new(alg)),
        })
    }

    pub fn algorithm(&self) -> u32 {
        self.algorithm
    }

    pub fn class(&self) -> Class {
        self.class
    }

    pub fn mode(&self) -> u32 {
        self.mode
    }

    pub fn state(&self) -> OpState {
        self.state
    }

    /// TEE_GetOperationInfo.
    pub fn info(&self) -> Info {
        Info {
            algorithm: self.algorithm,
            operation_class: self.class as u32,
            mode: self.mode,
            digest_length: self.digest_length,
            max_key_size: self.max_key_size,
            key_size: 0,
            required_key_usage: 0,
            handle_state: self.handle_state,
        }
    }

    /// TEE_GetOperationInfoMultiple (the C ABI applies the size rules;
    /// digests have no key slot).
    pub fn info_multiple(&self) -> InfoMultiple {
        InfoMultiple {
            algorithm: self.algorithm,
            operation_class: self.class as u32,
            mode: self.mode,
            digest_length: self.digest_length,
            max_key_size: self.max_key_size,
            handle_state: self.handle_state,
            operation_state: self.state as u32,
            keys: Vec::new(),
        }
    }

    fn set_state(&mut self, s: OpState) {
        self.state = s;
        if s == OpState::Extracting {
            self.handle_state |= TEE_HANDLE_FLAG_EXTRACTING;
        } else {
            self.handle_state &= !TEE_HANDLE_FLAG_EXTRACTING;
        }
    }

    /// TEE_ResetOperation: back to the initial state (a digest forgets
    /// its input; the key, when later classes have one, stays).
    pub fn reset(&mut self) {
        match &mut self.engine {
            Engine::Digest(d) => d.reset(),
        }
        self.set_state(OpState::Initial);
    }

    /// TEE_CopyOperation: `self` becomes an independent copy of `src`.
    /// The two must have the same algorithm and mode (else a panic).
    pub fn copy_from(&mut self, src: &Operation) -> Result<(), Error> {
        if self.algorithm != src.algorithm || self.mode != src.mode {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        if self.max_key_size < src.max_key_size {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        let max_key_size = self.max_key_size;
        *self = src.clone();
        self.max_key_size = max_key_size;
        Ok(())
    }

    fn digest(&mut self) -> Result<&mut DigestEngine, Error> {
        match &mut self.engine {
            Engine::Digest(d) => Ok(d),
            #[allow(unreachable_patterns)]
            _ => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    }

    /// TEE_DigestUpdate. Panics (as an error) in the extracting state.
    pub fn digest_update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        if self.state == OpState::Extracting {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        }
        self.digest()?.update(chunk)?;
        self.set_state(OpState::Active);
        Ok(())
    }

    /// TEE_DigestDoFinal with an output buffer of `out_len` bytes: the
    /// digest (for SHAKE, `out_len` bytes of output), after which the
    /// operation is back in the initial state. A short buffer leaves the
    /// operation unchanged, `chunk` included.
    pub fn digest_do_final(&mut self, chunk: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        if self.state == OpState::Extracting {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        }
        let need = self.digest_length as usize;
        let d = self.digest()?;
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        d.update(chunk)?;
        let out = d.finish(out_len)?;
        self.set_state(OpState::Initial);
        Ok(out)
    }

    /// TEE_DigestExtract (XOFs only): squeeze `out.len()` more bytes; the
    /// operation is then in the extracting state until reset.
    pub fn digest_extract(&mut self, out: &mut [u8]) -> Result<(), Error> {
        let d = self.digest()?;
        if !d.alg().is_xof() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        d.extract(out)?;
        self.set_state(OpState::Extracting);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
