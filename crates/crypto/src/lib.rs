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
//! Classes implemented so far: TEE_OPERATION_DIGEST ([`digest`]),
//! TEE_OPERATION_CIPHER ([`cipher`], AES ECB/CBC/CTR/CTS/XTS, DES and
//! 3DES ECB/CBC, SM4 ECB/CBC/CTR) and TEE_OPERATION_MAC ([`mac`], HMAC, AES-CMAC and
//! CBC-MAC) and TEE_OPERATION_AE
//! ([`ae`], AES-GCM and AES-CCM) and TEE_OPERATION_KEY_DERIVATION
//! ([`kdf`], OP-TEE's HKDF and PBKDF2-HMAC-SHA1); keys come from transient
//! objects ([`object`]). Later classes (asymmetric) add an [`Engine`]
//! variant, their algorithms to [`Operation::new`] and
//! [`is_algorithm_supported`], and their key slots to
//! [`Operation::info_multiple`].
//!
//! No OS: `no_std` with a heap (the secure kernel of the TrustZone tier
//! links it too); the `aws-lc` backend needs the standard library.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(all(not(test), feature = "aws-lc"))]
extern crate std;
use alloc::{boxed::Box, vec, vec::Vec};

pub mod ae;
pub mod asym;
pub mod backend;
pub mod cipher;
pub use oxtee_gp::crypto::consts;
pub mod digest;
pub mod kdf;
pub mod mac;
pub mod object;
pub mod pqc;
pub mod sm2;

use ae::{AeAlg, AeEngine};
use asym::AsymAlg;
use cipher::{CipherAlg, CipherEngine};
use consts::*;
use digest::{DigestAlg, DigestEngine};
use kdf::KdfAlg;
use mac::{MacAlg, MacEngine};
use object::{Attr, Object};

pub use oxtee_gp::crypto::{Error, Info, InfoMultiple, KeyInfo, OpState};

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

/// The per-class computation.
#[derive(Clone)]
pub enum Engine {
    Digest(Box<DigestEngine>),
    /// The computation exists between TEE_CipherInit and the final.
    Cipher(CipherAlg, Option<Box<CipherEngine>>),
    /// The computation exists between TEE_MACInit and the final.
    Mac(MacAlg, Option<Box<MacEngine>>),
    /// The computation exists between TEE_AEInit and the final.
    Ae(AeAlg, Option<Box<AeEngine>>),
    /// Key derivation (OP-TEE's HKDF, PBKDF2 and Concat KDF): no state
    /// besides the key.
    Kdf(KdfAlg),
    /// Asymmetric ciphers and signatures, DH/ECDH/X25519 derivations: no
    /// state besides the key.
    Asym(AsymAlg),
}

/// The key of an operation (a copy of the key object's secret, or the
/// parsed asymmetric key).
#[derive(Clone)]
struct Key {
    bits: u32,
    secret: Vec<u8>,
    asym: Option<Box<asym::Key>>,
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
    key: Option<Key>,
}

/// TEE_IsAlgorithmSupported: `Ok` or [`Error::NotSupported`].
pub fn is_algorithm_supported(alg: u32, element: u32) -> Result<(), Error> {
    let known = DigestAlg::from_id(alg).is_some()
        || CipherAlg::from_id(alg).is_some()
        || MacAlg::from_id(alg).is_some()
        || AeAlg::from_id(alg).is_some()
        || KdfAlg::from_id(alg).is_some();
    let ok = match AsymAlg::from_id(alg) {
        // Elliptic-curve algorithms name a curve.
        Some(AsymAlg::Ecdsa(fixed) | AsymAlg::Ecdh(fixed)) => {
            asym::Curve::from_id(element).is_some_and(|c| fixed.is_none_or(|f| f == c))
        }
        Some(AsymAlg::Ed25519 | AsymAlg::X25519) => {
            matches!(element, TEE_CRYPTO_ELEMENT_NONE | TEE_ECC_CURVE_25519)
        }
        // OP-TEE: the SM2 algorithms name the SM2 curve.
        Some(AsymAlg::Sm2Dsa | AsymAlg::Sm2Pke | AsymAlg::Sm2Kep) => {
            matches!(element, TEE_CRYPTO_ELEMENT_NONE | TEE_ECC_CURVE_SM2)
        }
        Some(_) => element == TEE_CRYPTO_ELEMENT_NONE,
        None => known && element == TEE_CRYPTO_ELEMENT_NONE,
    };
    if ok { Ok(()) } else { Err(Error::NotSupported) }
}

impl Operation {
    /// TEE_AllocateOperation.
    pub fn new(algorithm: u32, mode: u32, max_key_size: u32) -> Result<Operation, Error> {
        if let Some(c) = CipherAlg::from_id(algorithm) {
            // AES-XTS: a size of one key, or (OP-TEE) of both together.
            let sized = object::size_allowed(c.key_type(), max_key_size)
                || c.two_keys()
                    && max_key_size.is_multiple_of(2)
                    && object::size_allowed(c.key_type(), max_key_size / 2);
            if !matches!(mode, TEE_MODE_ENCRYPT | TEE_MODE_DECRYPT) || !sized {
                return Err(Error::NotSupported);
            }
            let mut op = Operation::keyed(
                algorithm,
                Class::Cipher,
                mode,
                max_key_size,
                0,
                Engine::Cipher(c, None),
            );
            if c.two_keys() {
                op.handle_state |= TEE_HANDLE_FLAG_EXPECT_TWO_KEYS;
            }
            return Ok(op);
        }
        if let Some(a) = AeAlg::from_id(algorithm) {
            if !matches!(mode, TEE_MODE_ENCRYPT | TEE_MODE_DECRYPT)
                || !object::size_allowed(TEE_TYPE_AES, max_key_size)
            {
                return Err(Error::NotSupported);
            }
            return Ok(Operation::keyed(
                algorithm,
                Class::Ae,
                mode,
                max_key_size,
                0,
                Engine::Ae(a, None),
            ));
        }
        if let Some(a) = AsymAlg::from_id(algorithm) {
            if !a.mode_allowed(mode) || !a.size_allowed(max_key_size) {
                return Err(Error::NotSupported);
            }
            let class = match a.class() {
                TEE_OPERATION_ASYMMETRIC_CIPHER => Class::AsymmetricCipher,
                TEE_OPERATION_KEY_DERIVATION => Class::KeyDerivation,
                _ => Class::AsymmetricSignature,
            };
            let mut op = Operation::keyed(algorithm, class, mode, max_key_size, 0, Engine::Asym(a));
            // SM2 KEP takes the own static and ephemeral key pairs.
            if a == AsymAlg::Sm2Kep {
                op.handle_state |= TEE_HANDLE_FLAG_EXPECT_TWO_KEYS;
            }
            return Ok(op);
        }
        if let Some(k) = KdfAlg::from_id(algorithm) {
            if mode != TEE_MODE_DERIVE || !object::size_allowed(k.key_type(), max_key_size) {
                return Err(Error::NotSupported);
            }
            return Ok(Operation::keyed(
                algorithm,
                Class::KeyDerivation,
                mode,
                max_key_size,
                0,
                Engine::Kdf(k),
            ));
        }
        if let Some(m) = MacAlg::from_id(algorithm) {
            // HMAC: any size a generic secret may have (GENERIC_SECRET
            // keys are accepted besides the algorithm's HMAC type).
            let key_type = if m.is_hmac() {
                TEE_TYPE_GENERIC_SECRET
            } else {
                m.key_type()
            };
            if mode != TEE_MODE_MAC || !object::size_allowed(key_type, max_key_size) {
                return Err(Error::NotSupported);
            }
            return Ok(Operation::keyed(
                algorithm,
                Class::Mac,
                mode,
                max_key_size,
                m.mac_len() as u32,
                Engine::Mac(m, None),
            ));
        }
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
            engine: Engine::Digest(Box::new(DigestEngine::new(alg))),
            key: None,
        })
    }

    fn keyed(
        algorithm: u32,
        class: Class,
        mode: u32,
        max_key_size: u32,
        digest_length: u32,
        engine: Engine,
    ) -> Operation {
        Operation {
            algorithm,
            class,
            mode,
            max_key_size,
            digest_length,
            handle_state: 0,
            state: OpState::Initial,
            engine,
            key: None,
        }
    }

    /// The key usage the operation's mode requires (0 for digests).
    fn required_usage(&self) -> u32 {
        match (self.class, self.mode) {
            (Class::Digest, _) => 0,
            (_, TEE_MODE_ENCRYPT) => TEE_USAGE_ENCRYPT,
            (_, TEE_MODE_DECRYPT) => TEE_USAGE_DECRYPT,
            (_, TEE_MODE_MAC) => TEE_USAGE_MAC,
            (_, TEE_MODE_SIGN) => TEE_USAGE_SIGN,
            (_, TEE_MODE_VERIFY) => TEE_USAGE_VERIFY,
            _ => TEE_USAGE_DERIVE,
        }
    }

    fn key_size(&self) -> u32 {
        self.key.as_ref().map_or(0, |k| k.bits)
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
            key_size: self.key_size(),
            required_key_usage: self.required_usage(),
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
            keys: if self.class == Class::Digest {
                Vec::new()
            } else {
                let k = KeyInfo {
                    key_size: self.key_size(),
                    required_key_usage: self.required_usage(),
                };
                if self.two_keys() { vec![k, k] } else { vec![k] }
            },
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
            Engine::Cipher(_, e) => *e = None,
            Engine::Mac(_, e) => *e = None,
            Engine::Ae(_, e) => *e = None,
            Engine::Kdf(_) | Engine::Asym(_) => {}
        }
        if self.class != Class::Digest && !self.stateless() {
            self.handle_state &= !TEE_HANDLE_FLAG_INITIALIZED;
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
    /// operation unchanged, `chunk` included. In the extracting state a
    /// fixed-length hash gives the bytes of its digest not yet extracted
    /// (as many as fit, no SHORT_BUFFER; input there panics), as in
    /// OP-TEE; an XOF that is being squeezed panics.
    pub fn digest_do_final(&mut self, chunk: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        let need = self.digest_length as usize;
        let extracting = self.state == OpState::Extracting;
        let d = self.digest()?;
        if extracting {
            if d.alg().is_xof() || !chunk.is_empty() {
                return Err(Error::Panic(TEE_ERROR_BAD_STATE));
            }
        } else if out_len < need {
            return Err(Error::ShortBuffer(need));
        } else {
            d.update(chunk)?;
        }
        let out = d.finish(out_len)?;
        self.set_state(OpState::Initial);
        Ok(out)
    }

    /// TEE_DigestExtract: the next bytes of the output into `out`, and
    /// how many were written; the operation is then in the extracting
    /// state until a final or a reset. An XOF fills `out`; a fixed-length
    /// hash is finished by the first call and each call hands out the
    /// following bytes of the digest, as many as are left (OP-TEE's
    /// behaviour: fewer than asked, or none, once the end is reached).
    pub fn digest_extract(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        let n = self.digest()?.extract(out)?;
        self.set_state(OpState::Extracting);
        Ok(n)
    }

    /// Whether the operation takes two keys (AES-XTS).
    fn two_keys(&self) -> bool {
        self.handle_state & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS != 0
    }

    /// The largest key the operation takes (in each slot): its maximum
    /// key size, except for an AES-XTS operation allocated, as OP-TEE
    /// allows, with the size of both keys together (384 or 512 bits:
    /// half of it each).
    fn max_key_per_key(&self) -> u32 {
        match self.engine {
            Engine::Cipher(c, _)
                if c.two_keys() && !object::size_allowed(c.key_type(), self.max_key_size) =>
            {
                self.max_key_size / 2
            }
            _ => self.max_key_size,
        }
    }

    /// The key types the operation accepts (a digest none: a panic).
    fn key_types(&self) -> Result<[u32; 2], Error> {
        Ok(match &self.engine {
            Engine::Digest(_) => return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
            Engine::Cipher(c, _) => [c.key_type(), c.key_type()],
            Engine::Ae(..) => [TEE_TYPE_AES, TEE_TYPE_AES],
            Engine::Kdf(k) => [k.key_type(), k.key_type()],
            Engine::Asym(a) => a.key_types(self.mode),
            Engine::Mac(m, _) if m.is_hmac() => [m.key_type(), TEE_TYPE_GENERIC_SECRET],
            Engine::Mac(m, _) => [m.key_type(), m.key_type()],
        })
    }

    /// The key material of `obj` if it may key this operation, else a
    /// panic.
    fn check_key(&self, want: [u32; 2], obj: &Object) -> Result<Key, Error> {
        if !obj.is_initialized() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        let max = object::stored_bits(obj.object_type(), self.max_key_per_key());
        if !want.contains(&obj.object_type())
            || obj.size() > max
            || obj.usage() & self.required_usage() != self.required_usage()
        {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        let key = if let Engine::Asym(a) = self.engine {
            let k = asym::Key::parse(obj.object_type(), obj.attributes())
                .map_err(|_| Error::Panic(TEE_ERROR_BAD_PARAMETERS))?;
            // OP-TEE's per-curve identifiers take keys on their curve.
            if let (AsymAlg::Ecdsa(Some(c)) | AsymAlg::Ecdh(Some(c)), asym::Key::Ec { curve, .. }) =
                (a, &k)
            {
                if c != *curve {
                    return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
                }
            }
            Key {
                bits: obj.size(),
                secret: Vec::new(),
                asym: Some(Box::new(k)),
            }
        } else {
            let Some(secret) = obj.secret() else {
                return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
            };
            Key {
                bits: obj.size(),
                secret: secret.to_vec(),
                asym: None,
            }
        };
        Ok(key)
    }

    /// Asymmetric operations and derivations have no init function: they
    /// are initialised as soon as they have a key.
    fn stateless(&self) -> bool {
        matches!(self.engine, Engine::Asym(_))
    }

    /// Clear the key of an operation in the initial state (which it is
    /// reset to) before a new one is set.
    fn clear_key(&mut self) -> Result<(), Error> {
        if self.state != OpState::Initial {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        }
        // Setting a key resets the operation.
        self.reset();
        self.key = None;
        self.handle_state &= !(TEE_HANDLE_FLAG_KEY_SET | TEE_HANDLE_FLAG_INITIALIZED);
        Ok(())
    }

    /// TEE_SetOperationKey (`None`: TEE_HANDLE_NULL, which clears the
    /// key). The operation must be in the initial state and take one key;
    /// the key object initialised, of the algorithm's type (for HMAC also
    /// TEE_TYPE_GENERIC_SECRET), no larger than the maximum key size and
    /// allowing the usage the mode requires. Anything else panics.
    pub fn set_key(&mut self, key: Option<&Object>) -> Result<(), Error> {
        let want = self.key_types()?;
        if self.two_keys() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        self.clear_key()?;
        let Some(obj) = key else {
            return Ok(());
        };
        let key = self.check_key(want, obj)?;
        self.key = Some(key);
        self.handle_state |= TEE_HANDLE_FLAG_KEY_SET;
        if self.stateless() {
            self.handle_state |= TEE_HANDLE_FLAG_INITIALIZED;
        }
        Ok(())
    }

    /// TEE_SetOperationKey2 (AES-XTS: the data key and the tweak key;
    /// both `None` clears them). As [`Operation::set_key`], for each key;
    /// an operation taking one key, only one of the two keys, or keys of
    /// different sizes panic.
    pub fn set_key2(&mut self, key1: Option<&Object>, key2: Option<&Object>) -> Result<(), Error> {
        let want = self.key_types()?;
        if !self.two_keys() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        let (k1, k2) = match (key1, key2) {
            (None, None) => return self.clear_key(),
            (Some(a), Some(b)) => (a, b),
            _ => return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        };
        let (a, b) = (self.check_key(want, k1)?, self.check_key(want, k2)?);
        let mut secret = a.secret;
        secret.extend_from_slice(&b.secret);
        if k1.size() != k2.size() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        // Asymmetric pairs (SM2 KEP): one key made of both.
        let asym = match (&self.engine, a.asym, b.asym) {
            (Engine::Asym(alg), Some(x), Some(y)) => Some(Box::new(
                asym::Key::pair(*alg, *x, *y).ok_or(Error::Panic(TEE_ERROR_BAD_PARAMETERS))?,
            )),
            _ => None,
        };
        self.clear_key()?;
        self.key = Some(Key {
            bits: k1.size(),
            secret,
            asym,
        });
        if self.stateless() {
            self.handle_state |= TEE_HANDLE_FLAG_INITIALIZED;
        }
        self.handle_state |= TEE_HANDLE_FLAG_KEY_SET;
        Ok(())
    }

    fn secret(&self) -> Result<&[u8], Error> {
        match &self.key {
            Some(k) => Ok(&k.secret),
            None => Err(Error::Panic(TEE_ERROR_BAD_STATE)),
        }
    }

    fn activate(&mut self) {
        self.handle_state |= TEE_HANDLE_FLAG_INITIALIZED;
        self.set_state(OpState::Active);
    }

    fn finished(&mut self) {
        self.handle_state &= !TEE_HANDLE_FLAG_INITIALIZED;
        self.set_state(OpState::Initial);
    }

    /// TEE_DeriveKey (OP-TEE's HKDF and PBKDF2): derive from the key
    /// with `params` into `derived`, an uninitialised
    /// TEE_TYPE_GENERIC_SECRET object (its TEE_ATTR_SECRET_VALUE). Not a
    /// derivation, no key, a missing or foreign parameter, a length of
    /// zero or beyond what the algorithm or the object allows: a panic.
    pub fn derive_key(&mut self, params: &[Attr], derived: &mut Object) -> Result<(), Error> {
        self.derive_key_with_confirmation(params, derived)
            .map(|_| ())
    }

    /// TEE_DeriveKey, and for SM2 KEP with TEE_ATTR_SM2_KEP_CONFIRMATION_OUT
    /// among `params` the confirmation (32 bytes) that OP-TEE writes into
    /// that attribute's buffer (the caller copies it there). SM2 KEP
    /// derives as many bytes as `derived` may hold (its maximum size).
    pub fn derive_key_with_confirmation(
        &mut self,
        params: &[Attr],
        derived: &mut Object,
    ) -> Result<Option<Vec<u8>>, Error> {
        if let Engine::Asym(AsymAlg::Sm2Kep) = self.engine {
            let klen = derived.info().max_object_size as usize / 8;
            let (out, confirm) = asym::sm2_kep_derive(self.asym_key()?, params, klen)
                .map_err(|e| Error::Panic(e.code()))?;
            derived.set_derived(out)?;
            return Ok(confirm);
        }
        let out = match self.engine {
            Engine::Kdf(alg) => alg.derive(self.secret()?, params)?,
            Engine::Asym(alg) if self.class == Class::KeyDerivation => {
                // A peer value GP lets the TA get wrong is still a panic
                // here: TEE_DeriveKey has no error return.
                asym::derive(alg, self.asym_key()?, params).map_err(|e| Error::Panic(e.code()))?
            }
            _ => return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        };
        derived.set_derived(out)?;
        Ok(None)
    }

    /// The asymmetric algorithm, if the operation is of `class` in
    /// `mode`, else a panic.
    fn asym_alg(&self, class: Class, mode: u32) -> Result<AsymAlg, Error> {
        match self.engine {
            Engine::Asym(a) if self.class == class && self.mode == mode => Ok(a),
            _ => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    }

    fn asym_key(&self) -> Result<&asym::Key, Error> {
        match self.key.as_ref().and_then(|k| k.asym.as_deref()) {
            Some(k) => Ok(k),
            None => Err(Error::Panic(TEE_ERROR_BAD_STATE)),
        }
    }

    /// TEE_AsymmetricEncrypt with room for `out_len` bytes.
    pub fn asymmetric_encrypt(
        &mut self,
        params: &[Attr],
        src: &[u8],
        out_len: usize,
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Result<Vec<u8>, Error> {
        let alg = self.asym_alg(Class::AsymmetricCipher, TEE_MODE_ENCRYPT)?;
        let out = asym::encrypt(alg, self.asym_key()?, params, src, rng)?;
        if out_len < out.len() {
            return Err(Error::ShortBuffer(out.len()));
        }
        Ok(out)
    }

    /// TEE_AsymmetricDecrypt with room for `out_len` bytes.
    pub fn asymmetric_decrypt(
        &mut self,
        params: &[Attr],
        src: &[u8],
        out_len: usize,
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Result<Vec<u8>, Error> {
        let alg = self.asym_alg(Class::AsymmetricCipher, TEE_MODE_DECRYPT)?;
        let out = asym::decrypt(alg, self.asym_key()?, params, src, rng).map_err(|e| match e {
            Error::Bad => Error::CiphertextInvalid,
            e => e,
        })?;
        if out_len < out.len() {
            return Err(Error::ShortBuffer(out.len()));
        }
        Ok(out)
    }

    /// TEE_AsymmetricSignDigest with room for `out_len` bytes (too few:
    /// SHORT_BUFFER with the signature's length, nothing computed). Any
    /// other failure (a digest of the wrong length) panics, as in
    /// OP-TEE.
    pub fn asymmetric_sign_digest(
        &mut self,
        params: &[Attr],
        digest: &[u8],
        out_len: usize,
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Result<Vec<u8>, Error> {
        let alg = self.asym_alg(Class::AsymmetricSignature, TEE_MODE_SIGN)?;
        let key = self.asym_key()?;
        let need = asym::signature_len(alg, key);
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        asym::sign(alg, key, params, digest, rng).map_err(|e| Error::Panic(e.code()))
    }

    /// TEE_AsymmetricVerifyDigest: `Ok` or SIGNATURE_INVALID; any other
    /// failure (a digest of the wrong length) panics, as in OP-TEE.
    pub fn asymmetric_verify_digest(
        &mut self,
        params: &[Attr],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let alg = self.asym_alg(Class::AsymmetricSignature, TEE_MODE_VERIFY)?;
        asym::verify(alg, self.asym_key()?, params, digest, signature).map_err(|e| match e {
            Error::SignatureInvalid => e,
            e => Error::Panic(e.code()),
        })
    }

    /// TEE_CipherInit (from the initial or the active state, which is
    /// reset first). No key, or an IV of the wrong length, panics.
    pub fn cipher_init(&mut self, iv: &[u8]) -> Result<(), Error> {
        let Engine::Cipher(alg, _) = self.engine else {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        };
        if alg.iv_len().is_some_and(|n| n != iv.len()) {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        let e = CipherEngine::new(alg, self.mode == TEE_MODE_ENCRYPT, self.secret()?, iv)?;
        self.engine = Engine::Cipher(alg, Some(Box::new(e)));
        self.activate();
        Ok(())
    }

    fn cipher(&mut self) -> Result<&mut CipherEngine, Error> {
        match &mut self.engine {
            Engine::Cipher(_, Some(e)) => Ok(e),
            Engine::Cipher(_, None) => Err(Error::Panic(TEE_ERROR_BAD_STATE)),
            _ => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    }

    /// The output a TEE_CipherUpdate of `n` more bytes produces (the
    /// panics of [`Operation::cipher_update`] as there): what a caller
    /// that feeds the input in pieces checks the room against first.
    pub fn cipher_update_len(&mut self, n: usize) -> Result<usize, Error> {
        Ok(self.cipher()?.update_len(n))
    }

    /// The output a TEE_CipherDoFinal with `n` more bytes produces, or
    /// BAD_PARAMETERS for a total the mode does not take (as there).
    pub fn cipher_final_len(&mut self, n: usize) -> Result<usize, Error> {
        self.cipher()?.final_len(n)
    }

    /// TEE_CipherUpdate with room for `out_len` bytes: SHORT_BUFFER (with
    /// the size needed, the operation unchanged) or the output.
    pub fn cipher_update(&mut self, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        let e = self.cipher()?;
        let need = e.update_len(src.len());
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        Ok(e.update(src))
    }

    /// TEE_CipherDoFinal: as an update, then back to the initial state.
    /// ECB and CBC need a whole number of blocks in all, CTS more than one
    /// block, XTS at least one (else BAD_PARAMETERS, the operation
    /// unchanged).
    pub fn cipher_do_final(&mut self, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        let e = self.cipher()?;
        let need = e.final_len(src.len())?;
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        let out = e.finish(src);
        if let Engine::Cipher(_, e) = &mut self.engine {
            *e = None;
        }
        self.finished();
        Ok(out)
    }

    /// [`Operation::cipher_update`] into `out`, a buffer the caller owns:
    /// the size written (SHORT_BUFFER as there, `out.len()` the room).
    pub fn cipher_update_into(&mut self, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let e = self.cipher()?;
        let need = e.update_len(src.len());
        if out.len() < need {
            return Err(Error::ShortBuffer(need));
        }
        Ok(e.update_into(src, out))
    }

    /// [`Operation::cipher_do_final`] into `out`, a buffer the caller
    /// owns: the size written.
    pub fn cipher_do_final_into(&mut self, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
        let e = self.cipher()?;
        let need = e.final_len(src.len())?;
        if out.len() < need {
            return Err(Error::ShortBuffer(need));
        }
        let n = e.finish_into(src, out);
        if let Engine::Cipher(_, e) = &mut self.engine {
            *e = None;
        }
        self.finished();
        Ok(n)
    }

    /// TEE_MACInit (the IV is CBC-MAC's initial chaining value, empty
    /// for zeros; HMAC and CMAC ignore it). No key panics.
    pub fn mac_init(&mut self, iv: &[u8]) -> Result<(), Error> {
        let Engine::Mac(alg, _) = self.engine else {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        };
        let e = MacEngine::new(alg, self.secret()?, iv)?;
        self.engine = Engine::Mac(alg, Some(Box::new(e)));
        self.activate();
        Ok(())
    }

    fn mac(&mut self) -> Result<&mut MacEngine, Error> {
        match &mut self.engine {
            Engine::Mac(_, Some(e)) => Ok(e),
            Engine::Mac(_, None) => Err(Error::Panic(TEE_ERROR_BAD_STATE)),
            _ => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    }

    /// TEE_MACUpdate (active state only).
    pub fn mac_update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.mac()?.update(chunk);
        Ok(())
    }

    fn mac_final(&mut self, msg: &[u8]) -> Result<Vec<u8>, Error> {
        let Engine::Mac(_, e) = &mut self.engine else {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        };
        let Some(ee) = e.as_ref() else {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        };
        // CBC-MAC without padding: a partial block is BAD_PARAMETERS, the
        // operation unchanged.
        ee.check_final(msg.len())?;
        let Some(mut e) = e.take() else {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        };
        e.update(msg);
        self.finished();
        Ok(e.finish())
    }

    /// TEE_MACComputeFinal with room for `out_len` bytes (SHORT_BUFFER
    /// leaves the operation unchanged, `msg` included).
    pub fn mac_compute_final(&mut self, msg: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        self.mac()?;
        let need = self.digest_length as usize;
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        self.mac_final(msg)
    }

    /// TEE_MACCompareFinal: MAC_INVALID unless `mac` is the whole MAC
    /// (compared in constant time).
    pub fn mac_compare_final(&mut self, msg: &[u8], mac: &[u8]) -> Result<(), Error> {
        use subtle::ConstantTimeEq;
        let m = self.mac_final(msg)?;
        if m.len() == mac.len() && bool::from(m.ct_eq(mac)) {
            Ok(())
        } else {
            Err(Error::MacInvalid)
        }
    }

    /// TEE_AEInit (from the initial or the active state, which is reset
    /// first): a tag or nonce length GP does not allow for the algorithm
    /// is NOT_SUPPORTED. No key panics.
    pub fn ae_init(
        &mut self,
        nonce: &[u8],
        tag_bits: u32,
        aad_len: u64,
        payload_len: u64,
    ) -> Result<(), Error> {
        let Engine::Ae(alg, _) = self.engine else {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        };
        let secret = self.secret()?;
        if !alg.tag_allowed(tag_bits) || !alg.nonce_allowed(nonce.len()) {
            return Err(Error::NotSupported);
        }
        let e = AeEngine::new(
            alg,
            self.mode == TEE_MODE_ENCRYPT,
            secret,
            nonce,
            tag_bits,
            aad_len,
            payload_len,
        )?;
        self.engine = Engine::Ae(alg, Some(Box::new(e)));
        self.activate();
        Ok(())
    }

    fn ae(&mut self) -> Result<&mut AeEngine, Error> {
        match &mut self.engine {
            Engine::Ae(_, Some(e)) => Ok(e),
            Engine::Ae(_, None) => Err(Error::Panic(TEE_ERROR_BAD_STATE)),
            _ => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    }

    /// The tag length (bytes) TEE_AEInit set (0 before).
    pub fn ae_tag_len(&self) -> usize {
        match &self.engine {
            Engine::Ae(_, Some(e)) => e.tag_len(),
            _ => 0,
        }
    }

    /// TEE_AEUpdateAAD (before any payload, else a panic).
    pub fn ae_update_aad(&mut self, aad: &[u8]) -> Result<(), Error> {
        self.ae()?.update_aad(aad)
    }

    /// The output a TEE_AEUpdate of `n` more payload bytes produces (its
    /// payload checks and panics as there).
    pub fn ae_update_len(&mut self, n: usize) -> Result<usize, Error> {
        let e = self.ae()?;
        e.check_payload(n)?;
        Ok(e.update_len(n))
    }

    /// TEE_AEUpdate with room for `out_len` bytes. The output sizes are
    /// OP-TEE's: GCM as long as the input; CCM whole blocks, the rest
    /// kept for the next update or the final.
    pub fn ae_update(&mut self, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
        let e = self.ae()?;
        e.check_payload(src.len())?;
        let need = e.update_len(src.len());
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        e.update(src)
    }

    /// The output a TEE_AEEncryptFinal with `n` more bytes produces (its
    /// checks and panics as there, but for the room).
    pub fn ae_encrypt_final_len(&mut self, n: usize) -> Result<usize, Error> {
        let e = self.ae()?;
        if !e.encrypting() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        e.check_payload(n)?;
        Ok(e.final_len(n))
    }

    /// The engine of a final in `encrypt` mode (else a panic), taken: the
    /// operation is back in the initial state.
    fn ae_take(&mut self) -> Result<AeEngine, Error> {
        let Engine::Ae(_, e) = &mut self.engine else {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        };
        let Some(e) = e.take() else {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        };
        self.finished();
        Ok(*e)
    }

    /// TEE_AEEncryptFinal with room for `out_len` bytes of output and
    /// `tag_cap` of tag: (output, tag). Either buffer short:
    /// SHORT_BUFFER with the output size needed (the tag's is
    /// [`Operation::ae_tag_len`]), the operation unchanged.
    pub fn ae_encrypt_final(
        &mut self,
        src: &[u8],
        out_len: usize,
        tag_cap: usize,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let e = self.ae()?;
        if !e.encrypting() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        e.check_payload(src.len())?;
        let need = e.final_len(src.len());
        if out_len < need || tag_cap < e.tag_len() {
            return Err(Error::ShortBuffer(need));
        }
        self.ae_take()?.finish(src)
    }

    /// [`Operation::ae_encrypt_final`] into buffers the caller owns (the
    /// output written once, straight from `src`): (output size, tag
    /// size). The same checks and errors, with `out.len()` and
    /// `tag.len()` as the room.
    pub fn ae_encrypt_final_into(
        &mut self,
        src: &[u8],
        out: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(usize, usize), Error> {
        let e = self.ae()?;
        if !e.encrypting() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        e.check_payload(src.len())?;
        let need = e.final_len(src.len());
        if out.len() < need || tag.len() < e.tag_len() {
            return Err(Error::ShortBuffer(need));
        }
        let t = self.ae_take()?.finish_into(src, out)?;
        tag[..t.len()].copy_from_slice(&t);
        Ok((need, t.len()))
    }

    /// [`Operation::ae_decrypt_final`] into `out`, a buffer the caller
    /// owns: the output size. On MAC_INVALID no plaintext is left in it.
    pub fn ae_decrypt_final_into(
        &mut self,
        src: &[u8],
        out: &mut [u8],
        tag: &[u8],
    ) -> Result<usize, Error> {
        let e = self.ae()?;
        if e.encrypting() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        e.check_payload(src.len())?;
        let need = e.final_len(src.len());
        if out.len() < need {
            return Err(Error::ShortBuffer(need));
        }
        self.ae_take()?.finish_decrypt_into(src, tag, out)?;
        Ok(need)
    }

    /// TEE_AEDecryptFinal with room for `out_len` bytes: the last
    /// plaintext, or MAC_INVALID (nothing of it released) unless `tag` is
    /// the tag, of the length TEE_AEInit set (compared in constant time).
    pub fn ae_decrypt_final(
        &mut self,
        src: &[u8],
        out_len: usize,
        tag: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let e = self.ae()?;
        if e.encrypting() {
            return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
        }
        e.check_payload(src.len())?;
        let need = e.final_len(src.len());
        if out_len < need {
            return Err(Error::ShortBuffer(need));
        }
        self.ae_take()?.finish_decrypt(src, tag)
    }
}

#[cfg(test)]
mod tests;
