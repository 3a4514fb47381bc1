//! The fast backend behind the engines.
//!
//! With the `aws-lc` feature, AWS-LC (C and assembly, through aws-lc-rs)
//! computes what it can compute exactly as GP asks: AES-GCM (one-shot,
//! 96-bit nonces, full tags), AES ECB and CBC without padding, RSA PKCS#1
//! v1.5 and PSS with SHA-256/384/512 (2048 to 8192-bit keys, two primes,
//! PSS salt as long as the hash), ECDSA on P-256/P-384/P-521 with a digest
//! as long as the curve's hash, pure Ed25519 signing and X25519. Every
//! function here answers `None` for "not handled": the engine then runs
//! its RustCrypto code, which is the fallback when the feature is off and
//! the reference the vectors hold both to.
//!
//! AWS-LC's random generator touches the file system the first time it
//! runs (it looks for a VM generation counter, `/dev/sysgenid`), which a
//! TA's sandbox answers with a kill. The operations that draw from it (RSA
//! and ECDSA signing) therefore use AWS-LC only after
//! [`pre_sandbox_init`] has run, which the TA runtime calls before it
//! locks the sandbox; nothing else here uses AWS-LC's generator.

use core::sync::atomic::{AtomicBool, Ordering};

static RAND_READY: AtomicBool = AtomicBool::new(false);

/// Do now what the backend would do lazily, and outside a sandbox, on its
/// first random number. Call it before the sandbox forbids file look-ups;
/// without it RSA and ECDSA signing stay on RustCrypto. A no-op without
/// the `aws-lc` feature.
pub fn pre_sandbox_init() {
    #[cfg(feature = "aws-lc")]
    {
        let mut b = [0u8; 16];
        if aws_lc_rs::rand::fill(&mut b).is_ok() {
            RAND_READY.store(true, Ordering::Release);
        }
    }
}

/// The name of the backend compiled in, for reports.
pub fn name() -> &'static str {
    if cfg!(feature = "aws-lc") {
        "aws-lc"
    } else {
        "rustcrypto"
    }
}

#[allow(dead_code)]
fn rand_ready() -> bool {
    RAND_READY.load(Ordering::Acquire)
}

#[cfg(feature = "aws-lc")]
mod imp {
    use super::rand_ready;
    use crate::digest::DigestAlg;
    use aws_lc_rs::{aead, agreement, cipher, digest, signature as sig};
    use rsa::traits::{PrivateKeyParts, PublicKeyParts};
    use rsa::{RsaPrivateKey, RsaPublicKey};
    use std::sync::{Arc, OnceLock};
    use std::vec;
    use std::vec::Vec;

    // ---- AES-GCM ----

    /// An AES-GCM key (16, 24 or 32 bytes).
    #[derive(Clone)]
    pub struct Gcm(Arc<aead::LessSafeKey>);

    pub fn gcm(key: &[u8]) -> Option<Gcm> {
        let alg = match key.len() {
            16 => &aead::AES_128_GCM,
            24 => &aead::AES_192_GCM,
            32 => &aead::AES_256_GCM,
            _ => return None,
        };
        let k = aead::UnboundKey::new(alg, key).ok()?;
        Some(Gcm(Arc::new(aead::LessSafeKey::new(k))))
    }

    impl Gcm {
        /// Encrypt `input` into `out` (as long): the full tag.
        pub fn seal_into(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
            out: &mut [u8],
        ) -> Option<[u8; 16]> {
            let mut tag = [0u8; 16];
            let n = aead::Nonce::assume_unique_for_key(*nonce);
            self.0
                .seal_out_of_place_scatter(n, aead::Aad::from(aad), input, out, &[], &mut tag)
                .ok()?;
            Some(tag)
        }

        /// Decrypt `input` into `out` (as long) with the full `tag`:
        /// whether the tag matched (if not, `out` is zeroed).
        pub fn open_into(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
            tag: &[u8],
            out: &mut [u8],
        ) -> Option<bool> {
            let n = aead::Nonce::assume_unique_for_key(*nonce);
            let ok = self
                .0
                .open_separate_gather(n, aead::Aad::from(aad), input, tag, out)
                .is_ok();
            if !ok {
                out.fill(0);
            }
            Some(ok)
        }

        /// Encrypt `input`: the ciphertext and the full tag.
        pub fn seal(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
        ) -> Option<(Vec<u8>, [u8; 16])> {
            let mut out = vec![0u8; input.len()];
            let tag = self.seal_into(nonce, aad, input, &mut out)?;
            Some((out, tag))
        }

        /// Decrypt `input` with the full `tag`: `Some(None)` if the tag
        /// does not match.
        pub fn open(
            &self,
            nonce: &[u8; 12],
            aad: &[u8],
            input: &[u8],
            tag: &[u8],
        ) -> Option<Option<Vec<u8>>> {
            let mut out = input.to_vec();
            let n = aead::Nonce::assume_unique_for_key(*nonce);
            let ok = self
                .0
                .open_in_place_separate_tag(n, aead::Aad::from(aad), tag, &mut out)
                .is_ok();
            Some(ok.then_some(out))
        }
    }

    // ---- AES ECB / CBC without padding ----

    /// An AES key for ECB or CBC in one direction.
    #[derive(Clone)]
    pub enum Blocks {
        Enc(Arc<cipher::EncryptingKey>),
        Dec(Arc<cipher::DecryptingKey>),
    }

    pub fn aes_blocks(key: &[u8], cbc: bool, encrypt: bool) -> Option<Blocks> {
        let alg = match key.len() {
            16 => &cipher::AES_128,
            24 => &cipher::AES_192,
            32 => &cipher::AES_256,
            _ => return None,
        };
        let k = cipher::UnboundCipherKey::new(alg, key).ok()?;
        Some(match (cbc, encrypt) {
            (true, true) => Blocks::Enc(Arc::new(cipher::EncryptingKey::cbc(k).ok()?)),
            (false, true) => Blocks::Enc(Arc::new(cipher::EncryptingKey::ecb(k).ok()?)),
            (true, false) => Blocks::Dec(Arc::new(cipher::DecryptingKey::cbc(k).ok()?)),
            (false, false) => Blocks::Dec(Arc::new(cipher::DecryptingKey::ecb(k).ok()?)),
        })
    }

    impl Blocks {
        /// Process whole blocks in place; CBC chains from `iv` and leaves
        /// the next chaining value in it. False if AWS-LC refused (the data
        /// is then unchanged or must not be used).
        pub fn run(&self, data: &mut [u8], iv: Option<&mut [u8]>) -> bool {
            if data.is_empty() {
                return true;
            }
            let Some(last) = data.len().checked_sub(16) else {
                return false;
            };
            match (self, iv) {
                (Blocks::Enc(k), Some(iv)) => {
                    let Ok(v) = <[u8; 16]>::try_from(&*iv) else {
                        return false;
                    };
                    let ctx = cipher::EncryptionContext::Iv128(v.into());
                    if k.less_safe_encrypt(data, ctx).is_err() {
                        return false;
                    }
                    iv.copy_from_slice(&data[last..]);
                    true
                }
                (Blocks::Dec(k), Some(iv)) => {
                    let Ok(v) = <[u8; 16]>::try_from(&*iv) else {
                        return false;
                    };
                    let next: [u8; 16] = data[last..].try_into().unwrap_or_default();
                    let ctx = cipher::DecryptionContext::Iv128(v.into());
                    if k.decrypt(data, ctx).is_err() {
                        return false;
                    }
                    iv.copy_from_slice(&next);
                    true
                }
                (Blocks::Enc(k), None) => k
                    .less_safe_encrypt(data, cipher::EncryptionContext::None)
                    .is_ok(),
                (Blocks::Dec(k), None) => k.decrypt(data, cipher::DecryptionContext::None).is_ok(),
            }
        }
    }

    // ---- keys cached with the engine's parsed key ----

    /// AWS-LC's form of an asymmetric key, built on first use and kept
    /// with the parsed key (clones share it).
    #[derive(Clone, Default)]
    pub struct KeyCache {
        private: OnceLock<Option<Arc<Private>>>,
        /// The algorithm the verification key was parsed for, and the key
        /// (`None`: AWS-LC refused it).
        public: OnceLock<(u32, Option<Arc<sig::ParsedPublicKey>>)>,
    }

    enum Private {
        Rsa(aws_lc_rs::rsa::KeyPair),
        Ec(sig::EcdsaKeyPair),
        Ed(sig::Ed25519KeyPair),
        X(agreement::PrivateKey),
    }

    fn lc_digest(d: &[u8]) -> Option<digest::Digest> {
        let alg = match d.len() {
            32 => &digest::SHA256,
            48 => &digest::SHA384,
            64 => &digest::SHA512,
            _ => return None,
        };
        digest::Digest::import_less_safe(d, alg).ok()
    }

    /// RSA: the public exponent and size AWS-LC takes (odd e < 2^33, at
    /// least 3; 2048 to 8192 bits), so that a refusal always means an
    /// invalid signature.
    fn rsa_ok(public: &RsaPublicKey) -> bool {
        let e = public.e();
        let bits = public.n().bits();
        let odd = e.to_bytes_be().last().is_some_and(|b| b & 1 == 1);
        (2..=33).contains(&e.bits()) && odd && (2048..=8192).contains(&bits)
    }

    /// The verification algorithm of RSA (`pss`) with `hash`, as a tag
    /// and the parameters.
    fn rsa_params(pss: bool, hash: DigestAlg) -> Option<(u32, &'static sig::RsaParameters)> {
        Some(match (pss, hash) {
            (false, DigestAlg::Sha256) => (1, &sig::RSA_PKCS1_2048_8192_SHA256),
            (false, DigestAlg::Sha384) => (2, &sig::RSA_PKCS1_2048_8192_SHA384),
            (false, DigestAlg::Sha512) => (3, &sig::RSA_PKCS1_2048_8192_SHA512),
            (true, DigestAlg::Sha256) => (4, &sig::RSA_PSS_2048_8192_SHA256),
            (true, DigestAlg::Sha384) => (5, &sig::RSA_PSS_2048_8192_SHA384),
            (true, DigestAlg::Sha512) => (6, &sig::RSA_PSS_2048_8192_SHA512),
            _ => return None,
        })
    }

    fn rsa_encoding(pss: bool, hash: DigestAlg) -> Option<&'static dyn sig::RsaEncoding> {
        Some(match (pss, hash) {
            (false, DigestAlg::Sha256) => &sig::RSA_PKCS1_SHA256,
            (false, DigestAlg::Sha384) => &sig::RSA_PKCS1_SHA384,
            (false, DigestAlg::Sha512) => &sig::RSA_PKCS1_SHA512,
            (true, DigestAlg::Sha256) => &sig::RSA_PSS_SHA256,
            (true, DigestAlg::Sha384) => &sig::RSA_PSS_SHA384,
            (true, DigestAlg::Sha512) => &sig::RSA_PSS_SHA512,
            _ => return None,
        })
    }

    impl KeyCache {
        fn private(&self, make: impl FnOnce() -> Option<Private>) -> Option<&Private> {
            self.private.get_or_init(|| make().map(Arc::new)).as_deref()
        }

        /// The cached public key if it was parsed for `tag`, else a new
        /// one (cached if none was).
        fn public(
            &self,
            tag: u32,
            make: impl FnOnce() -> Option<sig::ParsedPublicKey>,
        ) -> Option<Arc<sig::ParsedPublicKey>> {
            match self.public.get() {
                Some((t, k)) if *t == tag => k.clone(),
                // Parsed for another algorithm: this one is not cached.
                Some(_) => make().map(Arc::new),
                None => {
                    let k = make().map(Arc::new);
                    let _ = self.public.set((tag, k.clone()));
                    k
                }
            }
        }
    }

    /// RSA signature (PKCS#1 v1.5 when `!pss`) of `digest`.
    pub fn rsa_sign(
        cache: &KeyCache,
        key: &RsaPrivateKey,
        pss: bool,
        hash: DigestAlg,
        salt: usize,
        digest: &[u8],
    ) -> Option<Vec<u8>> {
        if !rand_ready() || (pss && salt != hash.digest_len()) || !rsa_ok(key.as_ref()) {
            return None;
        }
        let enc = rsa_encoding(pss, hash)?;
        let d = lc_digest(digest)?;
        let Private::Rsa(k) = cache.private(|| {
            let [p, q] = key.primes() else {
                return None;
            };
            let be = |v: &rsa::BigUint| v.to_bytes_be();
            let c = aws_lc_rs::rsa::KeyPairComponents {
                public_key: aws_lc_rs::rsa::PublicKeyComponents {
                    n: be(key.n()),
                    e: be(key.e()),
                },
                d: be(key.d()),
                p: be(p),
                q: be(q),
                dP: be(key.dp()?),
                dQ: be(key.dq()?),
                qInv: key.crt_coefficient()?.to_bytes_be(),
            };
            aws_lc_rs::rsa::KeyPair::from_components(&c)
                .ok()
                .map(Private::Rsa)
        })?
        else {
            return None;
        };
        let mut out = vec![0u8; k.public_modulus_len()];
        k.sign_digest(enc, &d, &mut out).ok()?;
        Some(out)
    }

    /// Whether `sig` is an RSA signature of `digest`.
    pub fn rsa_verify(
        cache: &KeyCache,
        key: &RsaPublicKey,
        pss: bool,
        hash: DigestAlg,
        salt: usize,
        digest: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        if (pss && salt != hash.digest_len()) || !rsa_ok(key) {
            return None;
        }
        let (tag, params) = rsa_params(pss, hash)?;
        let d = lc_digest(digest)?;
        let k = cache.public(tag, || {
            use rsa::pkcs1::EncodeRsaPublicKey;
            let der = key.to_pkcs1_der().ok()?;
            sig::ParsedPublicKey::new(params, der.as_bytes()).ok()
        })?;
        Some(k.verify_digest_sig(&d, signature).is_ok())
    }

    /// The curve's signing and verification algorithms (by field length)
    /// and the digest length they take.
    fn ec_algs(
        len: usize,
    ) -> Option<(
        &'static sig::EcdsaSigningAlgorithm,
        &'static sig::EcdsaVerificationAlgorithm,
        usize,
    )> {
        Some(match len {
            32 => (
                &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                &sig::ECDSA_P256_SHA256_FIXED,
                32,
            ),
            48 => (
                &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
                &sig::ECDSA_P384_SHA384_FIXED,
                48,
            ),
            66 => (
                &sig::ECDSA_P521_SHA512_FIXED_SIGNING,
                &sig::ECDSA_P521_SHA512_FIXED,
                64,
            ),
            _ => return None,
        })
    }

    fn sec1(x: &[u8], y: &[u8]) -> Vec<u8> {
        let mut p = vec![4u8];
        p.extend_from_slice(x);
        p.extend_from_slice(y);
        p
    }

    /// ECDSA (r || s) over P-256/384/521 (`len`: the field's bytes) of a
    /// digest as long as the curve's hash.
    pub fn ecdsa_sign(
        cache: &KeyCache,
        len: usize,
        x: &[u8],
        y: &[u8],
        d: &[u8],
        digest: &[u8],
    ) -> Option<Vec<u8>> {
        let (sa, _, dl) = ec_algs(len)?;
        if !rand_ready() || digest.len() != dl {
            return None;
        }
        let dg = lc_digest(digest)?;
        let Private::Ec(k) = cache.private(|| {
            sig::EcdsaKeyPair::from_private_key_and_public_key(sa, d, &sec1(x, y))
                .ok()
                .map(Private::Ec)
        })?
        else {
            return None;
        };
        Some(k.sign_digest(&dg).ok()?.as_ref().to_vec())
    }

    /// Whether `signature` (r || s) is an ECDSA signature of `digest`.
    pub fn ecdsa_verify(
        cache: &KeyCache,
        len: usize,
        x: &[u8],
        y: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        let (_, va, dl) = ec_algs(len)?;
        if digest.len() != dl {
            return None;
        }
        let dg = lc_digest(digest)?;
        let k = cache.public(len as u32, || {
            sig::ParsedPublicKey::new(va, sec1(x, y)).ok()
        })?;
        Some(k.verify_digest_sig(&dg, signature).is_ok())
    }

    /// Pure Ed25519 (no context, no prehash) signature of `msg`.
    pub fn ed25519_sign(
        cache: &KeyCache,
        seed: &[u8; 32],
        public: &[u8; 32],
        msg: &[u8],
    ) -> Option<Vec<u8>> {
        let Private::Ed(k) = cache.private(|| {
            sig::Ed25519KeyPair::from_seed_and_public_key(seed, public)
                .ok()
                .map(Private::Ed)
        })?
        else {
            return None;
        };
        Some(k.sign(msg).as_ref().to_vec())
    }

    /// X25519 of our `secret` and the peer's `public`; `None` also for an
    /// all-zero result (the caller's code gives its error).
    pub fn x25519(cache: &KeyCache, secret: &[u8; 32], public: &[u8]) -> Option<Vec<u8>> {
        let Private::X(k) = cache.private(|| {
            agreement::PrivateKey::from_private_key(&agreement::X25519, secret)
                .ok()
                .map(Private::X)
        })?
        else {
            return None;
        };
        let peer = agreement::UnparsedPublicKey::new(&agreement::X25519, public);
        agreement::agree(k, peer, (), |s| Ok(s.to_vec())).ok()
    }
}

#[cfg(not(feature = "aws-lc"))]
mod imp {
    //! Without the feature: nothing is handled here.
    #![allow(clippy::too_many_arguments)]
    use crate::digest::DigestAlg;
    #[allow(unused_imports)]
    use alloc::vec::Vec;
    use rsa::{RsaPrivateKey, RsaPublicKey};

    #[derive(Clone)]
    pub enum Gcm {}

    pub fn gcm(_: &[u8]) -> Option<Gcm> {
        None
    }

    impl Gcm {
        pub fn seal(&self, _: &[u8; 12], _: &[u8], _: &[u8]) -> Option<(Vec<u8>, [u8; 16])> {
            match *self {}
        }

        pub fn open(&self, _: &[u8; 12], _: &[u8], _: &[u8], _: &[u8]) -> Option<Option<Vec<u8>>> {
            match *self {}
        }

        pub fn seal_into(
            &self,
            _: &[u8; 12],
            _: &[u8],
            _: &[u8],
            _: &mut [u8],
        ) -> Option<[u8; 16]> {
            match *self {}
        }

        pub fn open_into(
            &self,
            _: &[u8; 12],
            _: &[u8],
            _: &[u8],
            _: &[u8],
            _: &mut [u8],
        ) -> Option<bool> {
            match *self {}
        }
    }

    #[derive(Clone)]
    pub enum Blocks {}

    pub fn aes_blocks(_: &[u8], _: bool, _: bool) -> Option<Blocks> {
        None
    }

    impl Blocks {
        pub fn run(&self, _: &mut [u8], _: Option<&mut [u8]>) -> bool {
            match *self {}
        }
    }

    #[derive(Clone, Default)]
    pub struct KeyCache {
        _none: (),
    }

    pub fn rsa_sign(
        _: &KeyCache,
        _: &RsaPrivateKey,
        _: bool,
        _: DigestAlg,
        _: usize,
        _: &[u8],
    ) -> Option<Vec<u8>> {
        None
    }

    pub fn rsa_verify(
        _: &KeyCache,
        _: &RsaPublicKey,
        _: bool,
        _: DigestAlg,
        _: usize,
        _: &[u8],
        _: &[u8],
    ) -> Option<bool> {
        None
    }

    pub fn ecdsa_sign(
        _: &KeyCache,
        _: usize,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[u8],
    ) -> Option<Vec<u8>> {
        None
    }

    pub fn ecdsa_verify(
        _: &KeyCache,
        _: usize,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[u8],
    ) -> Option<bool> {
        None
    }

    pub fn ed25519_sign(_: &KeyCache, _: &[u8; 32], _: &[u8; 32], _: &[u8]) -> Option<Vec<u8>> {
        None
    }

    pub fn x25519(_: &KeyCache, _: &[u8; 32], _: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

pub use imp::KeyCache;
pub(crate) use imp::{
    Blocks, Gcm, aes_blocks, ecdsa_sign, ecdsa_verify, ed25519_sign, gcm, rsa_sign, rsa_verify,
    x25519,
};

/// The backend against the RustCrypto code, with AWS-LC's generator
/// started (as in a TA): signatures each way, agreement, and AES-GCM in
/// one piece against every split of the streaming path.
#[cfg(all(test, feature = "aws-lc"))]
mod tests {
    use super::*;
    use crate::ae::{AeAlg, AeEngine};
    use crate::digest::DigestAlg;
    use rand_core::{OsRng, RngCore};

    fn random<const N: usize>() -> [u8; N] {
        let mut b = [0u8; N];
        OsRng.fill_bytes(&mut b);
        b
    }

    #[test]
    fn rsa_both_ways() {
        pre_sandbox_init();
        assert!(rand_ready());
        let k = rsa::RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
        let digest: [u8; 32] = random();
        let cache = KeyCache::default();
        let ours = rsa_sign(&cache, &k, false, DigestAlg::Sha256, 0, &digest).unwrap();
        let theirs = k
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
            .unwrap();
        assert_eq!(ours, theirs);
        let public = k.to_public_key();
        let pc = KeyCache::default();
        let v = |d: &[u8], s: &[u8]| rsa_verify(&pc, &public, false, DigestAlg::Sha256, 0, d, s);
        assert_eq!(v(&digest, &ours), Some(true));
        let mut bad = ours.clone();
        bad[5] ^= 1;
        assert_eq!(v(&digest, &bad), Some(false));
        // PSS with the hash's salt length; another salt is not handled.
        let pss = rsa_sign(&cache, &k, true, DigestAlg::Sha256, 32, &digest).unwrap();
        public
            .verify(rsa::Pss::new_with_salt::<sha2::Sha256>(32), &digest, &pss)
            .unwrap();
        assert_eq!(
            rsa_verify(&pc, &public, true, DigestAlg::Sha256, 32, &digest, &pss),
            Some(true)
        );
        assert!(rsa_sign(&cache, &k, true, DigestAlg::Sha256, 20, &digest).is_none());
        assert!(rsa_sign(&cache, &k, false, DigestAlg::Sha1, 0, &[0; 20]).is_none());
    }

    #[test]
    fn ecdsa_p256_both_ways() {
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        pre_sandbox_init();
        let sk = p256::ecdsa::SigningKey::random(&mut OsRng);
        let p = sk.verifying_key().to_encoded_point(false);
        let (x, y) = (p.x().unwrap().to_vec(), p.y().unwrap().to_vec());
        let digest: [u8; 32] = random();
        let cache = KeyCache::default();
        let s = ecdsa_sign(&cache, 32, &x, &y, &sk.to_bytes(), &digest).unwrap();
        let sig = p256::ecdsa::Signature::from_slice(&s).unwrap();
        sk.verifying_key().verify_prehash(&digest, &sig).unwrap();
        assert_eq!(ecdsa_verify(&cache, 32, &x, &y, &digest, &s), Some(true));
        let mut bad = s.clone();
        bad[40] ^= 1;
        assert_eq!(ecdsa_verify(&cache, 32, &x, &y, &digest, &bad), Some(false));
        // A digest of another length than SHA-256's: not handled here.
        assert!(ecdsa_sign(&cache, 32, &x, &y, &sk.to_bytes(), &[1; 20]).is_none());
    }

    #[test]
    fn ed25519_and_x25519_match() {
        use ed25519_dalek::Signer;
        let seed: [u8; 32] = random();
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let msg: [u8; 77] = random();
        let s = ed25519_sign(
            &KeyCache::default(),
            &seed,
            sk.verifying_key().as_bytes(),
            &msg,
        );
        assert_eq!(s.unwrap(), sk.sign(&msg).to_bytes().to_vec());
        let a: [u8; 32] = random();
        let b = curve25519_dalek::MontgomeryPoint::mul_base_clamped(random());
        let want = b.mul_clamped(a).to_bytes().to_vec();
        assert_eq!(x25519(&KeyCache::default(), &a, b.as_bytes()), Some(want));
        // A small-order peer (all-zero result) is left to the caller.
        assert_eq!(x25519(&KeyCache::default(), &a, &[0; 32]), None);
    }

    #[test]
    fn gcm_one_piece_equals_every_split() {
        let data: [u8; 300] = random();
        let aad: [u8; 40] = random();
        for klen in [16, 24, 32] {
            let key = &random::<32>()[..klen];
            let nonce: [u8; 12] = random();
            for tag_bits in [128, 96] {
                let whole = |enc: bool, input: &[u8]| {
                    let mut e =
                        AeEngine::new(AeAlg::AesGcm, enc, key, &nonce, tag_bits, 0, 0).unwrap();
                    e.update_aad(&aad).unwrap();
                    e.finish(input).unwrap()
                };
                let (c, t) = whole(true, &data);
                for split in [0, 1, 15, 16, 17, 100, 299, 300] {
                    let mut e =
                        AeEngine::new(AeAlg::AesGcm, true, key, &nonce, tag_bits, 0, 0).unwrap();
                    e.update_aad(&aad[..split.min(40)]).unwrap();
                    e.update_aad(&aad[split.min(40)..]).unwrap();
                    let mut out = e.update(&data[..split]).unwrap();
                    let (rest, tag) = e.finish(&data[split..]).unwrap();
                    out.extend(rest);
                    assert_eq!((&out, &tag), (&c, &t), "key {klen} split {split}");
                    let mut d =
                        AeEngine::new(AeAlg::AesGcm, false, key, &nonce, tag_bits, 0, 0).unwrap();
                    d.update_aad(&aad).unwrap();
                    let mut p = d.update(&c[..split]).unwrap();
                    p.extend(d.finish_decrypt(&c[split..], &t).unwrap());
                    assert_eq!(p, data);
                }
                let mut d =
                    AeEngine::new(AeAlg::AesGcm, false, key, &nonce, tag_bits, 0, 0).unwrap();
                d.update_aad(&aad).unwrap();
                assert_eq!(d.clone().finish_decrypt(&c, &t).unwrap(), data);
                let mut bad = t.clone();
                bad[3] ^= 1;
                assert_eq!(d.finish_decrypt(&c, &bad), Err(crate::Error::MacInvalid));
            }
        }
    }
}
