//! Asymmetric keys and algorithms (GP 1.3.1 sections 6.8 and 6.9): RSA
//! (PKCS#1 v1.5 and OAEP encryption, raw RSA, PKCS#1 v1.5 and PSS
//! signatures), DSA, DH, ECDSA and ECDH on P-192..P-521, Ed25519 (pure,
//! ctx, ph) and X25519; SM2 signatures and encryption ([`crate::sm2`]);
//! the post-quantum vendor extensions ML-KEM-768 and ML-DSA-65
//! ([`crate::pqc`]).
//!
//! Keys are objects whose attributes are checked once, when they are
//! populated or generated ([`check_attributes`], [`generate`]); an
//! operation parses them into a [`Key`] when its key is set. The
//! arithmetic is RustCrypto's (`rsa`, `dsa`, `p192`..`p521`, `ecdsa`,
//! `ed25519-dalek`, `curve25519-dalek`), except two encodings those
//! crates cannot express for GP: OAEP with a binary label (the `rsa`
//! crate takes labels as UTF-8 strings) and Ed25519ctx (dom2 with a
//! context but no prehash), both written here over the crates'
//! primitives.

use crate::backend::{self, KeyCache};
use crate::digest::DigestAlg;
use crate::object::Attr;
use crate::{Error, consts::*};
use alloc::{boxed::Box, vec, vec::Vec};
use digest::{Digest, DynDigest};
use rand_core::CryptoRngCore;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use subtle::{ConditionallySelectable, ConstantTimeEq};

const PANIC_PARAMS: Error = Error::Panic(TEE_ERROR_BAD_PARAMETERS);

/// Whether `t` is an asymmetric key type this engine knows.
pub fn is_asym_type(t: u32) -> bool {
    spec(t).is_some()
}

/// The public-key type of a key-pair type.
pub fn public_type_of(keypair: u32) -> Option<u32> {
    Some(match keypair {
        TEE_TYPE_RSA_KEYPAIR => TEE_TYPE_RSA_PUBLIC_KEY,
        TEE_TYPE_DSA_KEYPAIR => TEE_TYPE_DSA_PUBLIC_KEY,
        TEE_TYPE_ECDSA_KEYPAIR => TEE_TYPE_ECDSA_PUBLIC_KEY,
        TEE_TYPE_ECDH_KEYPAIR => TEE_TYPE_ECDH_PUBLIC_KEY,
        TEE_TYPE_ED25519_KEYPAIR => TEE_TYPE_ED25519_PUBLIC_KEY,
        TEE_TYPE_X25519_KEYPAIR => TEE_TYPE_X25519_PUBLIC_KEY,
        TEE_TYPE_SM2_DSA_KEYPAIR => TEE_TYPE_SM2_DSA_PUBLIC_KEY,
        TEE_TYPE_SM2_KEP_KEYPAIR => TEE_TYPE_SM2_KEP_PUBLIC_KEY,
        TEE_TYPE_SM2_PKE_KEYPAIR => TEE_TYPE_SM2_PKE_PUBLIC_KEY,
        TEE_TYPE_MLKEM_KEYPAIR => TEE_TYPE_MLKEM_PUBLIC_KEY,
        TEE_TYPE_MLDSA_KEYPAIR => TEE_TYPE_MLDSA_PUBLIC_KEY,
        _ => return None,
    })
}

/// The attributes of `attrs` a `public_type` object has.
pub fn public_part(public_type: u32, attrs: &[Attr]) -> Vec<Attr> {
    let Some(s) = spec(public_type) else {
        return Vec::new();
    };
    attrs
        .iter()
        .filter(|a| s.required.contains(&a.id()) || s.optional.contains(&a.id()))
        .cloned()
        .collect()
}

/// The attributes of an object type (GP 1.3.1 table 5-10).
struct Spec {
    required: &'static [u32],
    optional: &'static [u32],
    /// The optional attributes come all together or not at all (RSA's
    /// CRT components).
    all_or_none: bool,
}

const RSA_PUB: &[u32] = &[TEE_ATTR_RSA_MODULUS, TEE_ATTR_RSA_PUBLIC_EXPONENT];
const RSA_PAIR: &[u32] = &[
    TEE_ATTR_RSA_MODULUS,
    TEE_ATTR_RSA_PUBLIC_EXPONENT,
    TEE_ATTR_RSA_PRIVATE_EXPONENT,
];
const RSA_CRT: &[u32] = &[
    TEE_ATTR_RSA_PRIME1,
    TEE_ATTR_RSA_PRIME2,
    TEE_ATTR_RSA_EXPONENT1,
    TEE_ATTR_RSA_EXPONENT2,
    TEE_ATTR_RSA_COEFFICIENT,
];
const DSA_PUB: &[u32] = &[
    TEE_ATTR_DSA_PRIME,
    TEE_ATTR_DSA_SUBPRIME,
    TEE_ATTR_DSA_BASE,
    TEE_ATTR_DSA_PUBLIC_VALUE,
];
const DSA_PAIR: &[u32] = &[
    TEE_ATTR_DSA_PRIME,
    TEE_ATTR_DSA_SUBPRIME,
    TEE_ATTR_DSA_BASE,
    TEE_ATTR_DSA_PUBLIC_VALUE,
    TEE_ATTR_DSA_PRIVATE_VALUE,
];
const DH_PAIR: &[u32] = &[
    TEE_ATTR_DH_PRIME,
    TEE_ATTR_DH_BASE,
    TEE_ATTR_DH_PUBLIC_VALUE,
    TEE_ATTR_DH_PRIVATE_VALUE,
];
const DH_OPT: &[u32] = &[TEE_ATTR_DH_SUBPRIME, TEE_ATTR_DH_X_BITS];
const EC_PUB: &[u32] = &[
    TEE_ATTR_ECC_PUBLIC_VALUE_X,
    TEE_ATTR_ECC_PUBLIC_VALUE_Y,
    TEE_ATTR_ECC_CURVE,
];
const EC_PAIR: &[u32] = &[
    TEE_ATTR_ECC_PUBLIC_VALUE_X,
    TEE_ATTR_ECC_PUBLIC_VALUE_Y,
    TEE_ATTR_ECC_PRIVATE_VALUE,
    TEE_ATTR_ECC_CURVE,
];
const SM2_PUB: &[u32] = &[TEE_ATTR_ECC_PUBLIC_VALUE_X, TEE_ATTR_ECC_PUBLIC_VALUE_Y];
const SM2_PAIR: &[u32] = &[
    TEE_ATTR_ECC_PUBLIC_VALUE_X,
    TEE_ATTR_ECC_PUBLIC_VALUE_Y,
    TEE_ATTR_ECC_PRIVATE_VALUE,
];
const SM2_OPT: &[u32] = &[TEE_ATTR_ECC_CURVE];
const ED_PUB: &[u32] = &[TEE_ATTR_ED25519_PUBLIC_VALUE];
const ED_PAIR: &[u32] = &[
    TEE_ATTR_ED25519_PUBLIC_VALUE,
    TEE_ATTR_ED25519_PRIVATE_VALUE,
];
const X_PUB: &[u32] = &[TEE_ATTR_X25519_PUBLIC_VALUE];
const X_PAIR: &[u32] = &[TEE_ATTR_X25519_PUBLIC_VALUE, TEE_ATTR_X25519_PRIVATE_VALUE];
/// The post-quantum key pairs: the private key, its seed or both (at
/// least one: [`Key::parse`]), and the public key; what is left out is
/// derived and stored ([`check_attributes`]).
const MLKEM_PUB: &[u32] = &[TEE_ATTR_MLKEM_PUBLIC_KEY];
const MLKEM_PAIR: &[u32] = &[
    TEE_ATTR_MLKEM_PUBLIC_KEY,
    TEE_ATTR_MLKEM_PRIVATE_KEY,
    TEE_ATTR_MLKEM_SEED,
];
const MLDSA_PUB: &[u32] = &[TEE_ATTR_MLDSA_PUBLIC_KEY];
const MLDSA_PAIR: &[u32] = &[
    TEE_ATTR_MLDSA_PUBLIC_KEY,
    TEE_ATTR_MLDSA_PRIVATE_KEY,
    TEE_ATTR_MLDSA_SEED,
];

fn spec(t: u32) -> Option<Spec> {
    let (required, optional, all_or_none): (&'static [u32], &'static [u32], bool) = match t {
        TEE_TYPE_RSA_PUBLIC_KEY => (RSA_PUB, &[], false),
        TEE_TYPE_RSA_KEYPAIR => (RSA_PAIR, RSA_CRT, true),
        TEE_TYPE_DSA_PUBLIC_KEY => (DSA_PUB, &[], false),
        TEE_TYPE_DSA_KEYPAIR => (DSA_PAIR, &[], false),
        TEE_TYPE_DH_KEYPAIR => (DH_PAIR, DH_OPT, false),
        TEE_TYPE_ECDSA_PUBLIC_KEY | TEE_TYPE_ECDH_PUBLIC_KEY => (EC_PUB, &[], false),
        TEE_TYPE_ECDSA_KEYPAIR | TEE_TYPE_ECDH_KEYPAIR => (EC_PAIR, &[], false),
        TEE_TYPE_ED25519_PUBLIC_KEY => (ED_PUB, &[], false),
        TEE_TYPE_ED25519_KEYPAIR => (ED_PAIR, &[], false),
        TEE_TYPE_X25519_PUBLIC_KEY => (X_PUB, &[], false),
        TEE_TYPE_X25519_KEYPAIR => (X_PAIR, &[], false),
        // OP-TEE: SM2 keys are ECC keys on the curve TEE_ECC_CURVE_SM2,
        // which their type implies: TEE_ATTR_ECC_CURVE may be left out
        // (recent OP-TEE takes none) or given (older OP-TEE requires it).
        TEE_TYPE_SM2_DSA_PUBLIC_KEY | TEE_TYPE_SM2_KEP_PUBLIC_KEY | TEE_TYPE_SM2_PKE_PUBLIC_KEY => {
            (SM2_PUB, SM2_OPT, false)
        }
        TEE_TYPE_SM2_DSA_KEYPAIR | TEE_TYPE_SM2_KEP_KEYPAIR | TEE_TYPE_SM2_PKE_KEYPAIR => {
            (SM2_PAIR, SM2_OPT, false)
        }
        TEE_TYPE_MLKEM_PUBLIC_KEY => (MLKEM_PUB, &[], false),
        TEE_TYPE_MLKEM_KEYPAIR => (&[], MLKEM_PAIR, false),
        TEE_TYPE_MLDSA_PUBLIC_KEY => (MLDSA_PUB, &[], false),
        TEE_TYPE_MLDSA_KEYPAIR => (&[], MLDSA_PAIR, false),
        _ => return None,
    };
    Some(Spec {
        required,
        optional,
        all_or_none,
    })
}

/// Whether attribute `id` is a big integer (stored without leading
/// zero bytes, as OP-TEE stores bignums).
fn is_bignum(id: u32) -> bool {
    !matches!(
        id,
        TEE_ATTR_ED25519_PUBLIC_VALUE
            | TEE_ATTR_ED25519_PRIVATE_VALUE
            | TEE_ATTR_X25519_PUBLIC_VALUE
            | TEE_ATTR_X25519_PRIVATE_VALUE
            | TEE_ATTR_MLKEM_PUBLIC_KEY
            | TEE_ATTR_MLKEM_PRIVATE_KEY
            | TEE_ATTR_MLKEM_SEED
            | TEE_ATTR_MLDSA_PUBLIC_KEY
            | TEE_ATTR_MLDSA_PRIVATE_KEY
            | TEE_ATTR_MLDSA_SEED
    ) && id & TEE_ATTR_FLAG_VALUE == 0
}

fn strip(v: &[u8]) -> Vec<u8> {
    let i = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    v[i..].to_vec()
}

/// Check the attributes given to TEE_PopulateTransientObject for an
/// asymmetric type: (key size in bits, the attributes as stored). A
/// missing mandatory attribute or one the type does not have panics
/// (the caller has already refused duplicates and value/buffer
/// mismatches); inconsistent or out-of-range components are
/// BAD_PARAMETERS.
pub fn check_attributes(t: u32, attrs: &[Attr]) -> Result<(u32, Vec<Attr>), Error> {
    let Some(s) = spec(t) else {
        return Err(PANIC_PARAMS);
    };
    let has = |id: &u32| attrs.iter().any(|a| a.id() == *id);
    if !s.required.iter().all(has)
        || attrs
            .iter()
            .any(|a| !s.required.contains(&a.id()) && !s.optional.contains(&a.id()))
    {
        return Err(PANIC_PARAMS);
    }
    let n_opt = s.optional.iter().filter(|id| has(id)).count();
    if s.all_or_none && n_opt != 0 && n_opt != s.optional.len() {
        return Err(Error::Bad);
    }
    let mut stored: Vec<Attr> = attrs
        .iter()
        .map(|a| match a {
            Attr::Ref(id, v) if is_bignum(*id) => Attr::Ref(*id, strip(v)),
            a => a.clone(),
        })
        .collect();
    // An SM2 key's implied curve is stored as if it had been given.
    if s.optional == SM2_OPT && !has(&TEE_ATTR_ECC_CURVE) {
        stored.push(Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0));
    }
    let key = Key::parse(t, &stored)?;
    let stored = complete_pq(&key, stored);
    Ok((key.bits(), stored))
}

fn get_ref(attrs: &[Attr], id: u32) -> Option<&[u8]> {
    attrs.iter().find_map(|a| match a {
        Attr::Ref(i, v) if *i == id => Some(v.as_slice()),
        _ => None,
    })
}

fn get_value(attrs: &[Attr], id: u32) -> Option<(u32, u32)> {
    attrs.iter().find_map(|a| match a {
        Attr::Value(i, x, y) if *i == id => Some((*x, *y)),
        _ => None,
    })
}

fn big(attrs: &[Attr], id: u32) -> Result<BigUint, Error> {
    get_ref(attrs, id)
        .map(BigUint::from_bytes_be)
        .ok_or(PANIC_PARAMS)
}

/// `v` left-padded with zeros to `len` bytes (None if longer).
fn pad(v: &[u8], len: usize) -> Option<Vec<u8>> {
    let v = &v[v.iter().position(|&b| b != 0).unwrap_or(v.len())..];
    if v.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - v.len()];
    out.extend_from_slice(v);
    Some(out)
}

fn be(n: &BigUint, len: usize) -> Vec<u8> {
    pad(&n.to_bytes_be(), len).unwrap_or_else(|| n.to_bytes_be())
}

fn bad<E>(_: E) -> Error {
    Error::Bad
}

/// The NIST curves, by their TEE_ECC_CURVE_* value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P192,
    P224,
    P256,
    P384,
    P521,
}

impl Curve {
    pub fn from_id(id: u32) -> Option<Curve> {
        Some(match id {
            TEE_ECC_CURVE_NIST_P192 => Curve::P192,
            TEE_ECC_CURVE_NIST_P224 => Curve::P224,
            TEE_ECC_CURVE_NIST_P256 => Curve::P256,
            TEE_ECC_CURVE_NIST_P384 => Curve::P384,
            TEE_ECC_CURVE_NIST_P521 => Curve::P521,
            _ => return None,
        })
    }

    pub fn bits(self) -> u32 {
        match self {
            Curve::P192 => 192,
            Curve::P224 => 224,
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    /// Bytes of a field element or a scalar.
    pub fn field_len(self) -> usize {
        self.bits().div_ceil(8) as usize
    }
}

/// The digest a DSA signature is computed over: FIPS 186-4 section 4.6
/// uses the leftmost N bits of the hash (N the bit length of q). The
/// digest may be given whole (the algorithm's hash length: it is cut
/// here) or already cut to N bits, as OP-TEE's DSA requires when the
/// hash is longer than N; any other length is BAD_PARAMETERS.
fn dsa_digest<'a>(
    h: DigestAlg,
    key: &dsa::VerifyingKey,
    digest: &'a [u8],
) -> Result<&'a [u8], Error> {
    let n = key.components().q().bits().div_ceil(8);
    let cut = h.digest_len().min(n);
    if digest.len() != h.digest_len() && digest.len() != cut {
        return Err(Error::Bad);
    }
    Ok(&digest[..cut])
}

/// ECDSA signing through the curve crate's `SigningKey` type.
macro_rules! crate_sign {
    ($Sk:ty) => {
        pub fn sign(
            d: &[u8],
            prehash: &[u8],
            len: usize,
            rng: &mut dyn CryptoRngCore,
        ) -> Option<Vec<u8>> {
            let mut rng = rng;
            let sk = <$Sk>::from_bytes(&fb(d, len)?).ok()?;
            let sig: ecdsa::Signature<C> = sk.sign_prehash_with_rng(&mut rng, prehash).ok()?;
            Some(sig.to_bytes().to_vec())
        }
    };
}

/// Per-curve ECDSA and ECDH over RustCrypto's curve crates. Coordinates
/// and scalars are big-endian, at most the field's length.
macro_rules! nist_curve {
    ($name:ident, $C:ty, $Vk:ty, $($sign:tt)*) => {
        mod $name {
            use super::pad;
            use alloc::vec::Vec;
            #[allow(unused_imports)]
            use ecdsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
            use elliptic_curve::sec1::{EncodedPoint, FromEncodedPoint, ToEncodedPoint};
            use elliptic_curve::{FieldBytes, PublicKey, SecretKey};
            use rand_core::CryptoRngCore;
            type C = $C;

            fn fb(v: &[u8], len: usize) -> Option<FieldBytes<C>> {
                pad(v, len).map(|p| FieldBytes::<C>::clone_from_slice(&p))
            }

            pub fn public(x: &[u8], y: &[u8], len: usize) -> Option<PublicKey<C>> {
                let p = EncodedPoint::<C>::from_affine_coordinates(&fb(x, len)?, &fb(y, len)?, false);
                Option::from(PublicKey::<C>::from_encoded_point(&p))
            }

            pub fn secret(d: &[u8], len: usize) -> Option<SecretKey<C>> {
                SecretKey::<C>::from_bytes(&fb(d, len)?).ok()
            }

            pub fn valid_public(x: &[u8], y: &[u8], len: usize) -> bool {
                public(x, y, len).is_some()
            }

            pub fn valid_secret(d: &[u8], len: usize) -> bool {
                secret(d, len).is_some()
            }

            pub fn check_pair(x: &[u8], y: &[u8], d: &[u8], len: usize) -> bool {
                match (public(x, y, len), secret(d, len)) {
                    (Some(p), Some(s)) => s.public_key() == p,
                    _ => false,
                }
            }

            /// (private, x, y) of a fresh key.
            pub fn generate(rng: &mut dyn CryptoRngCore) -> [Vec<u8>; 3] {
                let mut rng = rng;
                let s = SecretKey::<C>::random(&mut rng);
                let p = s.public_key().to_encoded_point(false);
                let (x, y) = (p.x().map(|v| v.to_vec()), p.y().map(|v| v.to_vec()));
                [s.to_bytes().to_vec(), x.unwrap_or_default(), y.unwrap_or_default()]
            }

            $($sign)*

            pub fn verify(x: &[u8], y: &[u8], prehash: &[u8], sig: &[u8], len: usize) -> bool {
                let Some(p) = public(x, y, len) else {
                    return false;
                };
                let Ok(vk) = <$Vk>::from_sec1_bytes(p.to_encoded_point(false).as_bytes()) else {
                    return false;
                };
                let Ok(sig) = ecdsa::Signature::<C>::from_slice(sig) else {
                    return false;
                };
                vk.verify_prehash(prehash, &sig).is_ok()
            }

            pub fn ecdh(d: &[u8], x: &[u8], y: &[u8], len: usize) -> Option<Vec<u8>> {
                let s = secret(d, len)?;
                let p = public(x, y, len)?;
                let shared = elliptic_curve::ecdh::diffie_hellman(s.to_nonzero_scalar(), p.as_affine());
                Some(shared.raw_secret_bytes().to_vec())
            }
        }
    };
}

// The p192 crate verifies but does not sign: ECDSA signing (FIPS 186-5
// 6.4.1) over its scalar and point arithmetic, with a random nonce.
nist_curve!(
    c192,
    p192::NistP192,
    ecdsa::VerifyingKey<p192::NistP192>,
    pub fn sign(
        d: &[u8],
        prehash: &[u8],
        len: usize,
        rng: &mut dyn CryptoRngCore,
    ) -> Option<Vec<u8>> {
        use elliptic_curve::NonZeroScalar;
        use elliptic_curve::bigint::U192;
        use elliptic_curve::ops::Reduce;
        use elliptic_curve::point::AffineCoordinates;
        use p192::{ProjectivePoint, Scalar};
        let mut rng = rng;
        let d = secret(d, len)?.to_nonzero_scalar();
        // bits2int: the leftmost 192 bits of the digest.
        let z =
            <Scalar as Reduce<U192>>::reduce_bytes(&fb(&prehash[..len.min(prehash.len())], len)?);
        loop {
            let k = NonZeroScalar::<C>::random(&mut rng);
            let x = (ProjectivePoint::GENERATOR * *k).to_affine().x();
            let r = <Scalar as Reduce<U192>>::reduce_bytes(&x);
            if bool::from(r.is_zero()) {
                continue;
            }
            let kinv = Option::<Scalar>::from(k.invert())?;
            let s = kinv * (z + r * *d);
            if bool::from(s.is_zero()) {
                continue;
            }
            let mut out = r.to_bytes().to_vec();
            out.extend_from_slice(&s.to_bytes());
            return Some(out);
        }
    }
);
nist_curve!(
    c224,
    p224::NistP224,
    ecdsa::VerifyingKey<p224::NistP224>,
    crate_sign!(ecdsa::SigningKey<p224::NistP224>);
);
nist_curve!(
    c256,
    p256::NistP256,
    ecdsa::VerifyingKey<p256::NistP256>,
    crate_sign!(ecdsa::SigningKey<p256::NistP256>);
);
nist_curve!(
    c384,
    p384::NistP384,
    ecdsa::VerifyingKey<p384::NistP384>,
    crate_sign!(ecdsa::SigningKey<p384::NistP384>);
);
nist_curve!(
    c521,
    p521::NistP521,
    p521::ecdsa::VerifyingKey,
    crate_sign!(p521::ecdsa::SigningKey);
);

/// Dispatch `$f(args..)` to the module of `$curve`.
macro_rules! on_curve {
    ($curve:expr, $f:ident ( $($a:expr),* )) => {
        match $curve {
            Curve::P192 => c192::$f($($a),*),
            Curve::P224 => c224::$f($($a),*),
            Curve::P256 => c256::$f($($a),*),
            Curve::P384 => c384::$f($($a),*),
            Curve::P521 => c521::$f($($a),*),
        }
    };
}

/// The digest given to ECDSA, as the curve crates take it: a digest
/// shorter than the field is left-padded with zeros (the same integer,
/// as FIPS 186 reads it); a longer one is truncated by the crates.
fn ec_prehash(digest: &[u8], len: usize) -> Vec<u8> {
    if digest.len() >= len {
        digest.to_vec()
    } else {
        let mut v = vec![0u8; len - digest.len()];
        v.extend_from_slice(digest);
        v
    }
}

/// A parsed asymmetric key.
#[derive(Clone)]
pub enum Key {
    Rsa {
        public: RsaPublicKey,
        private: Option<Box<RsaPrivateKey>>,
        /// The fast backend's form, built on first use.
        fast: KeyCache,
    },
    Dsa {
        public: dsa::VerifyingKey,
        private: Option<Box<dsa::SigningKey>>,
    },
    Dh {
        p: BigUint,
        g: BigUint,
        q: Option<BigUint>,
        x: BigUint,
    },
    Ec {
        curve: Curve,
        /// Which GP key family (ECDSA or ECDH) the object was.
        ecdh: bool,
        x: Vec<u8>,
        y: Vec<u8>,
        d: Option<Vec<u8>>,
        fast: KeyCache,
    },
    Ed25519 {
        public: [u8; 32],
        private: Option<[u8; 32]>,
        fast: KeyCache,
    },
    X25519 {
        public: [u8; 32],
        private: Option<[u8; 32]>,
        fast: KeyCache,
    },
    /// An SM2 key (coordinates and scalar 32 bytes each).
    Sm2 {
        /// The key-pair type of its family (DSA, KEP or PKE).
        family: u32,
        x: Vec<u8>,
        y: Vec<u8>,
        d: Option<Vec<u8>>,
    },
    /// The two keys of an SM2 KEP operation (TEE_SetOperationKey2): the
    /// own static and ephemeral key pairs (both `Key::Sm2`).
    Sm2Pair { own: Box<Key>, eph: Box<Key> },
    /// An ML-KEM-768 key: ek, and dk for a key pair.
    MlKem { ek: Vec<u8>, dk: Option<Vec<u8>> },
    /// An ML-DSA-65 key: pk, and sk for a key pair.
    MlDsa { pk: Vec<u8>, sk: Option<Vec<u8>> },
}

fn arr32(v: &[u8]) -> Result<[u8; 32], Error> {
    v.try_into().map_err(|_| Error::Bad)
}

impl Key {
    /// Parse and check the (stored) attributes of a key of type `t`.
    pub fn parse(t: u32, attrs: &[Attr]) -> Result<Key, Error> {
        Ok(match t {
            TEE_TYPE_RSA_PUBLIC_KEY | TEE_TYPE_RSA_KEYPAIR => {
                let n = big(attrs, TEE_ATTR_RSA_MODULUS)?;
                let e = big(attrs, TEE_ATTR_RSA_PUBLIC_EXPONENT)?;
                let public = RsaPublicKey::new(n.clone(), e.clone()).map_err(bad)?;
                let private = if t == TEE_TYPE_RSA_KEYPAIR {
                    let d = big(attrs, TEE_ATTR_RSA_PRIVATE_EXPONENT)?;
                    let primes = match (
                        get_ref(attrs, TEE_ATTR_RSA_PRIME1),
                        get_ref(attrs, TEE_ATTR_RSA_PRIME2),
                    ) {
                        (Some(p), Some(q)) => {
                            vec![BigUint::from_bytes_be(p), BigUint::from_bytes_be(q)]
                        }
                        _ => Vec::new(),
                    };
                    let k = RsaPrivateKey::from_components(n, e, d, primes).map_err(bad)?;
                    // Given CRT components must be those of the key.
                    if let (Some(dp), Some(dq), Some(qi)) = (
                        get_ref(attrs, TEE_ATTR_RSA_EXPONENT1),
                        get_ref(attrs, TEE_ATTR_RSA_EXPONENT2),
                        get_ref(attrs, TEE_ATTR_RSA_COEFFICIENT),
                    ) {
                        let ok = k.dp().is_some_and(|v| *v == BigUint::from_bytes_be(dp))
                            && k.dq().is_some_and(|v| *v == BigUint::from_bytes_be(dq))
                            && k.crt_coefficient()
                                .is_some_and(|v| v == BigUint::from_bytes_be(qi));
                        if !ok {
                            return Err(Error::Bad);
                        }
                    }
                    Some(Box::new(k))
                } else {
                    None
                };
                Key::Rsa {
                    public,
                    private,
                    fast: KeyCache::default(),
                }
            }
            TEE_TYPE_DSA_PUBLIC_KEY | TEE_TYPE_DSA_KEYPAIR => {
                let p = big(attrs, TEE_ATTR_DSA_PRIME)?;
                let q = big(attrs, TEE_ATTR_DSA_SUBPRIME)?;
                let g = big(attrs, TEE_ATTR_DSA_BASE)?;
                let y = big(attrs, TEE_ATTR_DSA_PUBLIC_VALUE)?;
                let one = BigUint::from(1u8);
                if q.bits() > p.bits() || g <= one || g >= p || y <= one || y >= p {
                    return Err(Error::Bad);
                }
                let comps = dsa::Components::from_components(p.clone(), q, g).map_err(bad)?;
                let public = dsa::VerifyingKey::from_components(comps, y.clone()).map_err(bad)?;
                let private = if t == TEE_TYPE_DSA_KEYPAIR {
                    let x = big(attrs, TEE_ATTR_DSA_PRIVATE_VALUE)?;
                    let c = public.components();
                    if x.bits() == 0 || &x >= c.q() || c.g().modpow(&x, &p) != y {
                        return Err(Error::Bad);
                    }
                    Some(Box::new(
                        dsa::SigningKey::from_components(public.clone(), x).map_err(bad)?,
                    ))
                } else {
                    None
                };
                Key::Dsa { public, private }
            }
            TEE_TYPE_DH_KEYPAIR => {
                let p = big(attrs, TEE_ATTR_DH_PRIME)?;
                let g = big(attrs, TEE_ATTR_DH_BASE)?;
                let y = big(attrs, TEE_ATTR_DH_PUBLIC_VALUE)?;
                let x = big(attrs, TEE_ATTR_DH_PRIVATE_VALUE)?;
                let q = get_ref(attrs, TEE_ATTR_DH_SUBPRIME).map(BigUint::from_bytes_be);
                let one = BigUint::from(1u8);
                if p.bits() < 2 || g <= one || g >= p || x.bits() == 0 || g.modpow(&x, &p) != y {
                    return Err(Error::Bad);
                }
                if let Some((bits, _)) = get_value(attrs, TEE_ATTR_DH_X_BITS) {
                    if x.bits() > bits as usize {
                        return Err(Error::Bad);
                    }
                }
                Key::Dh { p, g, q, x }
            }
            TEE_TYPE_ECDSA_PUBLIC_KEY
            | TEE_TYPE_ECDSA_KEYPAIR
            | TEE_TYPE_ECDH_PUBLIC_KEY
            | TEE_TYPE_ECDH_KEYPAIR => {
                let (cid, _) = get_value(attrs, TEE_ATTR_ECC_CURVE).ok_or(PANIC_PARAMS)?;
                let curve = Curve::from_id(cid).ok_or(Error::NotSupported)?;
                let len = curve.field_len();
                let x = get_ref(attrs, TEE_ATTR_ECC_PUBLIC_VALUE_X).ok_or(PANIC_PARAMS)?;
                let y = get_ref(attrs, TEE_ATTR_ECC_PUBLIC_VALUE_Y).ok_or(PANIC_PARAMS)?;
                let (x, y) = (
                    pad(x, len).ok_or(Error::Bad)?,
                    pad(y, len).ok_or(Error::Bad)?,
                );
                let ecdh = matches!(t, TEE_TYPE_ECDH_PUBLIC_KEY | TEE_TYPE_ECDH_KEYPAIR);
                // ECDH key pairs: as in OP-TEE, the public value is not
                // checked (not against the private one, not on the curve):
                // a derivation uses only the private scalar and the peer's
                // point, which is checked then. ECDSA key pairs and all
                // public keys (a TA may check a peer's point by populating
                // one) are checked.
                let d = match get_ref(attrs, TEE_ATTR_ECC_PRIVATE_VALUE) {
                    Some(d) => {
                        let d = pad(d, len).ok_or(Error::Bad)?;
                        let ok = if ecdh {
                            on_curve!(curve, valid_secret(&d, len))
                        } else {
                            on_curve!(curve, check_pair(&x, &y, &d, len))
                        };
                        if !ok {
                            return Err(Error::Bad);
                        }
                        Some(d)
                    }
                    None => {
                        if !on_curve!(curve, valid_public(&x, &y, len)) {
                            return Err(Error::Bad);
                        }
                        None
                    }
                };
                Key::Ec {
                    curve,
                    ecdh,
                    x,
                    y,
                    d,
                    fast: KeyCache::default(),
                }
            }
            TEE_TYPE_ED25519_PUBLIC_KEY | TEE_TYPE_ED25519_KEYPAIR => {
                let public =
                    arr32(get_ref(attrs, TEE_ATTR_ED25519_PUBLIC_VALUE).ok_or(PANIC_PARAMS)?)?;
                let private = match get_ref(attrs, TEE_ATTR_ED25519_PRIVATE_VALUE) {
                    Some(s) => {
                        let s = arr32(s)?;
                        let derived = ed25519_dalek::SigningKey::from_bytes(&s).verifying_key();
                        if derived.to_bytes() != public {
                            return Err(Error::Bad);
                        }
                        Some(s)
                    }
                    None => {
                        if ed25519_dalek::VerifyingKey::from_bytes(&public).is_err() {
                            return Err(Error::Bad);
                        }
                        None
                    }
                };
                Key::Ed25519 {
                    public,
                    private,
                    fast: KeyCache::default(),
                }
            }
            TEE_TYPE_X25519_PUBLIC_KEY | TEE_TYPE_X25519_KEYPAIR => {
                let public =
                    arr32(get_ref(attrs, TEE_ATTR_X25519_PUBLIC_VALUE).ok_or(PANIC_PARAMS)?)?;
                let private = match get_ref(attrs, TEE_ATTR_X25519_PRIVATE_VALUE) {
                    Some(s) => {
                        let s = arr32(s)?;
                        if curve25519_dalek::MontgomeryPoint::mul_base_clamped(s).to_bytes()
                            != public
                        {
                            return Err(Error::Bad);
                        }
                        Some(s)
                    }
                    None => None,
                };
                Key::X25519 {
                    public,
                    private,
                    fast: KeyCache::default(),
                }
            }
            TEE_TYPE_SM2_DSA_PUBLIC_KEY
            | TEE_TYPE_SM2_DSA_KEYPAIR
            | TEE_TYPE_SM2_KEP_PUBLIC_KEY
            | TEE_TYPE_SM2_KEP_KEYPAIR
            | TEE_TYPE_SM2_PKE_PUBLIC_KEY
            | TEE_TYPE_SM2_PKE_KEYPAIR => parse_sm2(t, attrs)?,
            TEE_TYPE_MLKEM_PUBLIC_KEY | TEE_TYPE_MLKEM_KEYPAIR => parse_mlkem(t, attrs)?,
            TEE_TYPE_MLDSA_PUBLIC_KEY | TEE_TYPE_MLDSA_KEYPAIR => parse_mldsa(t, attrs)?,
            _ => return Err(PANIC_PARAMS),
        })
    }

    /// The key size GP reports (bits of the modulus, the prime or the
    /// curve).
    pub fn bits(&self) -> u32 {
        match self {
            Key::Rsa { public, .. } => public.n().bits() as u32,
            Key::Dsa { public, .. } => public.components().p().bits() as u32,
            Key::Dh { p, .. } => p.bits() as u32,
            Key::Ec { curve, .. } => curve.bits(),
            Key::Ed25519 { .. } | Key::X25519 { .. } | Key::Sm2 { .. } | Key::Sm2Pair { .. } => 256,
            Key::MlKem { .. } => crate::pqc::MLKEM768_BITS,
            Key::MlDsa { .. } => crate::pqc::MLDSA65_BITS,
        }
    }
}

/// A random integer in [1, bound - 1] (bound > 1), from 64 extra random
/// bits reduced (negligible bias).
fn random_below(bound: &BigUint, rng: &mut dyn CryptoRngCore) -> BigUint {
    let one = BigUint::from(1u8);
    let mut buf = vec![0u8; bound.bits().div_ceil(8) + 8];
    rng.fill_bytes(&mut buf);
    BigUint::from_bytes_be(&buf) % (bound - &one) + one
}

/// TEE_GenerateKey for an asymmetric key-pair type of `bits` (already
/// checked against the type and the object): the attributes. GP's
/// generation parameters: RSA an optional public exponent; DSA the
/// domain (prime, subprime, base); DH prime and base, optionally the
/// subprime and the private value's size; ECC the curve, which must
/// have `bits`. A public-key type, a missing or foreign parameter
/// panics; domain parameters of the wrong size are BAD_PARAMETERS.
pub fn generate(
    t: u32,
    bits: u32,
    params: &[Attr],
    mut rng: &mut dyn CryptoRngCore,
) -> Result<Vec<Attr>, Error> {
    let allowed: &[u32] = match t {
        TEE_TYPE_RSA_KEYPAIR => &[TEE_ATTR_RSA_PUBLIC_EXPONENT],
        TEE_TYPE_DSA_KEYPAIR => &[TEE_ATTR_DSA_PRIME, TEE_ATTR_DSA_SUBPRIME, TEE_ATTR_DSA_BASE],
        TEE_TYPE_DH_KEYPAIR => &[
            TEE_ATTR_DH_PRIME,
            TEE_ATTR_DH_BASE,
            TEE_ATTR_DH_SUBPRIME,
            TEE_ATTR_DH_X_BITS,
        ],
        TEE_TYPE_ECDSA_KEYPAIR | TEE_TYPE_ECDH_KEYPAIR => &[TEE_ATTR_ECC_CURVE],
        TEE_TYPE_ED25519_KEYPAIR | TEE_TYPE_X25519_KEYPAIR => &[],
        TEE_TYPE_SM2_DSA_KEYPAIR | TEE_TYPE_SM2_KEP_KEYPAIR | TEE_TYPE_SM2_PKE_KEYPAIR => {
            &[TEE_ATTR_ECC_CURVE]
        }
        TEE_TYPE_MLKEM_KEYPAIR | TEE_TYPE_MLDSA_KEYPAIR => &[],
        _ => return Err(PANIC_PARAMS),
    };
    for (i, a) in params.iter().enumerate() {
        if !allowed.contains(&a.id())
            || matches!(a, Attr::Value(..)) != (a.id() & TEE_ATTR_FLAG_VALUE != 0)
            || params[..i].iter().any(|b| b.id() == a.id())
        {
            return Err(PANIC_PARAMS);
        }
    }
    let r = |id, v: &BigUint| Attr::Ref(id, v.to_bytes_be());
    Ok(match t {
        TEE_TYPE_RSA_KEYPAIR => {
            let e = get_ref(params, TEE_ATTR_RSA_PUBLIC_EXPONENT)
                .map(BigUint::from_bytes_be)
                .unwrap_or_else(|| BigUint::from(65537u32));
            let k =
                RsaPrivateKey::new_with_exp(&mut rng, bits as usize, &e).map_err(|_| Error::Bad)?;
            let primes = k.primes();
            let (Some(dp), Some(dq), Some(qi)) = (k.dp(), k.dq(), k.crt_coefficient()) else {
                return Err(Error::Bad);
            };
            vec![
                r(TEE_ATTR_RSA_MODULUS, k.n()),
                r(TEE_ATTR_RSA_PUBLIC_EXPONENT, k.e()),
                r(TEE_ATTR_RSA_PRIVATE_EXPONENT, k.d()),
                r(TEE_ATTR_RSA_PRIME1, &primes[0]),
                r(TEE_ATTR_RSA_PRIME2, &primes[1]),
                r(TEE_ATTR_RSA_EXPONENT1, dp),
                r(TEE_ATTR_RSA_EXPONENT2, dq),
                r(TEE_ATTR_RSA_COEFFICIENT, &qi),
            ]
        }
        TEE_TYPE_DSA_KEYPAIR => {
            let p = big(params, TEE_ATTR_DSA_PRIME)?;
            let q = big(params, TEE_ATTR_DSA_SUBPRIME)?;
            let g = big(params, TEE_ATTR_DSA_BASE)?;
            if p.bits() != bits as usize || q.bits() < 2 || g <= BigUint::from(1u8) || g >= p {
                return Err(Error::Bad);
            }
            let x = random_below(&q, rng);
            let y = g.modpow(&x, &p);
            vec![
                r(TEE_ATTR_DSA_PRIME, &p),
                r(TEE_ATTR_DSA_SUBPRIME, &q),
                r(TEE_ATTR_DSA_BASE, &g),
                r(TEE_ATTR_DSA_PUBLIC_VALUE, &y),
                r(TEE_ATTR_DSA_PRIVATE_VALUE, &x),
            ]
        }
        TEE_TYPE_DH_KEYPAIR => {
            let p = big(params, TEE_ATTR_DH_PRIME)?;
            let g = big(params, TEE_ATTR_DH_BASE)?;
            // The key size is the prime's: its bit length, or its byte
            // length in bits (what OP-TEE compares it with).
            let size_ok = p.bits() == bits as usize || p.bits().div_ceil(8) * 8 == bits as usize;
            if !size_ok || g <= BigUint::from(1u8) || g >= p {
                return Err(Error::Bad);
            }
            let q = get_ref(params, TEE_ATTR_DH_SUBPRIME).map(BigUint::from_bytes_be);
            let x_bits = get_value(params, TEE_ATTR_DH_X_BITS).map(|v| v.0);
            let x = match (x_bits, &q) {
                (Some(n), _) => {
                    if n == 0 || n as usize > p.bits() {
                        return Err(Error::Bad);
                    }
                    // Exactly n bits: the top one set.
                    let top = BigUint::from(1u8) << (n as usize - 1);
                    let mut buf = vec![0u8; (n as usize).div_ceil(8)];
                    rng.fill_bytes(&mut buf);
                    (BigUint::from_bytes_be(&buf) % &top) + top
                }
                (None, Some(q)) if q.bits() > 1 => random_below(q, rng),
                _ => random_below(&(&p - BigUint::from(1u8)), rng),
            };
            let y = g.modpow(&x, &p);
            let mut v = vec![
                r(TEE_ATTR_DH_PRIME, &p),
                r(TEE_ATTR_DH_BASE, &g),
                r(TEE_ATTR_DH_PUBLIC_VALUE, &y),
                r(TEE_ATTR_DH_PRIVATE_VALUE, &x),
            ];
            if let Some(q) = q {
                v.push(r(TEE_ATTR_DH_SUBPRIME, &q));
            }
            if let Some(n) = x_bits {
                v.push(Attr::Value(TEE_ATTR_DH_X_BITS, n, 0));
            }
            v
        }
        TEE_TYPE_ECDSA_KEYPAIR | TEE_TYPE_ECDH_KEYPAIR => {
            let (cid, _) = get_value(params, TEE_ATTR_ECC_CURVE).ok_or(PANIC_PARAMS)?;
            let curve = Curve::from_id(cid).ok_or(Error::NotSupported)?;
            if curve.bits() != bits {
                return Err(Error::Bad);
            }
            let [d, x, y] = on_curve!(curve, generate(rng));
            vec![
                Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, strip(&x)),
                Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, strip(&y)),
                Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, strip(&d)),
                Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0),
            ]
        }
        TEE_TYPE_ED25519_KEYPAIR => {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            let p = ed25519_dalek::SigningKey::from_bytes(&s).verifying_key();
            vec![
                Attr::Ref(TEE_ATTR_ED25519_PUBLIC_VALUE, p.to_bytes().to_vec()),
                Attr::Ref(TEE_ATTR_ED25519_PRIVATE_VALUE, s.to_vec()),
            ]
        }
        TEE_TYPE_X25519_KEYPAIR => {
            let mut s = [0u8; 32];
            rng.fill_bytes(&mut s);
            let p = curve25519_dalek::MontgomeryPoint::mul_base_clamped(s);
            vec![
                Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, p.to_bytes().to_vec()),
                Attr::Ref(TEE_ATTR_X25519_PRIVATE_VALUE, s.to_vec()),
            ]
        }
        TEE_TYPE_SM2_DSA_KEYPAIR | TEE_TYPE_SM2_KEP_KEYPAIR | TEE_TYPE_SM2_PKE_KEYPAIR => {
            generate_sm2(bits, params, rng)?
        }
        TEE_TYPE_MLKEM_KEYPAIR => {
            let [seed, dk, ek] = crate::pqc::mlkem_generate(rng);
            vec![
                Attr::Ref(TEE_ATTR_MLKEM_PUBLIC_KEY, ek),
                Attr::Ref(TEE_ATTR_MLKEM_PRIVATE_KEY, dk),
                Attr::Ref(TEE_ATTR_MLKEM_SEED, seed),
            ]
        }
        TEE_TYPE_MLDSA_KEYPAIR => {
            let [seed, sk, pk] = crate::pqc::mldsa_generate(rng);
            vec![
                Attr::Ref(TEE_ATTR_MLDSA_PUBLIC_KEY, pk),
                Attr::Ref(TEE_ATTR_MLDSA_PRIVATE_KEY, sk),
                Attr::Ref(TEE_ATTR_MLDSA_SEED, seed),
            ]
        }
        _ => return Err(PANIC_PARAMS),
    })
}

/// The asymmetric algorithms (operation classes ASYMMETRIC_CIPHER,
/// ASYMMETRIC_SIGNATURE and, for DH, ECDH and X25519, KEY_DERIVATION).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsymAlg {
    /// RSASSA-PKCS1-v1_5 with a DigestInfo for the hash; `None`: OP-TEE's
    /// raw variant and MD5SHA1 (the caller's bytes, no prefix).
    RsaPkcs1Sign(Option<DigestAlg>),
    RsaPss(DigestAlg),
    RsaPkcs1Enc,
    RsaOaep(DigestAlg),
    RsaNopad,
    Dsa(DigestAlg),
    /// ECDSA; `Some` for OP-TEE's per-curve identifiers, which fix the
    /// curve.
    Ecdsa(Option<Curve>),
    Ed25519,
    Dh,
    Ecdh(Option<Curve>),
    X25519,
    /// SM2 DSA over an SM3 digest e = SM3(Z_A || M).
    Sm2Dsa,
    /// SM2 public-key encryption (C1 || C2 || C3, as OP-TEE).
    Sm2Pke,
    /// SM2 key exchange (two keys: the own static and ephemeral pairs).
    Sm2Kep,
    /// ML-KEM (vendor): encapsulation and decapsulation.
    MlKem,
    /// ML-DSA (vendor), pure, over the message.
    MlDsa,
}

impl AsymAlg {
    pub fn from_id(id: u32) -> Option<AsymAlg> {
        use DigestAlg::*;
        Some(match id {
            TEE_ALG_RSASSA_PKCS1_V1_5_MD5 => AsymAlg::RsaPkcs1Sign(Some(Md5)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA1 => AsymAlg::RsaPkcs1Sign(Some(Sha1)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA224 => AsymAlg::RsaPkcs1Sign(Some(Sha224)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA256 => AsymAlg::RsaPkcs1Sign(Some(Sha256)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA384 => AsymAlg::RsaPkcs1Sign(Some(Sha384)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA512 => AsymAlg::RsaPkcs1Sign(Some(Sha512)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_224 => AsymAlg::RsaPkcs1Sign(Some(Sha3_224)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_256 => AsymAlg::RsaPkcs1Sign(Some(Sha3_256)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_384 => AsymAlg::RsaPkcs1Sign(Some(Sha3_384)),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_512 => AsymAlg::RsaPkcs1Sign(Some(Sha3_512)),
            TEE_ALG_RSASSA_PKCS1_V1_5_MD5SHA1 | TEE_ALG_RSASSA_PKCS1_V1_5 => {
                AsymAlg::RsaPkcs1Sign(None)
            }
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1 => AsymAlg::RsaPss(Sha1),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA224 => AsymAlg::RsaPss(Sha224),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => AsymAlg::RsaPss(Sha256),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA384 => AsymAlg::RsaPss(Sha384),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA512 => AsymAlg::RsaPss(Sha512),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_224 => AsymAlg::RsaPss(Sha3_224),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_256 => AsymAlg::RsaPss(Sha3_256),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_384 => AsymAlg::RsaPss(Sha3_384),
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_512 => AsymAlg::RsaPss(Sha3_512),
            TEE_ALG_RSAES_PKCS1_V1_5 => AsymAlg::RsaPkcs1Enc,
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1 => AsymAlg::RsaOaep(Sha1),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA224 => AsymAlg::RsaOaep(Sha224),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256 => AsymAlg::RsaOaep(Sha256),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA384 => AsymAlg::RsaOaep(Sha384),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA512 => AsymAlg::RsaOaep(Sha512),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_224 => AsymAlg::RsaOaep(Sha3_224),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_256 => AsymAlg::RsaOaep(Sha3_256),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_384 => AsymAlg::RsaOaep(Sha3_384),
            TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_512 => AsymAlg::RsaOaep(Sha3_512),
            TEE_ALG_RSA_NOPAD => AsymAlg::RsaNopad,
            TEE_ALG_DSA_SHA1 => AsymAlg::Dsa(Sha1),
            TEE_ALG_DSA_SHA224 => AsymAlg::Dsa(Sha224),
            TEE_ALG_DSA_SHA256 => AsymAlg::Dsa(Sha256),
            TEE_ALG_DSA_SHA3_224 => AsymAlg::Dsa(Sha3_224),
            TEE_ALG_DSA_SHA3_256 => AsymAlg::Dsa(Sha3_256),
            TEE_ALG_DSA_SHA3_384 => AsymAlg::Dsa(Sha3_384),
            TEE_ALG_DSA_SHA3_512 => AsymAlg::Dsa(Sha3_512),
            TEE_ALG_ECDSA_SHA1
            | TEE_ALG_ECDSA_SHA224
            | TEE_ALG_ECDSA_SHA256
            | TEE_ALG_ECDSA_SHA384
            | TEE_ALG_ECDSA_SHA512
            | TEE_ALG_ECDSA_SHA3_224
            | TEE_ALG_ECDSA_SHA3_256
            | TEE_ALG_ECDSA_SHA3_384
            | TEE_ALG_ECDSA_SHA3_512 => AsymAlg::Ecdsa(None),
            OPTEE_ALG_ECDSA_P192 => AsymAlg::Ecdsa(Some(Curve::P192)),
            OPTEE_ALG_ECDSA_P224 => AsymAlg::Ecdsa(Some(Curve::P224)),
            OPTEE_ALG_ECDSA_P256 => AsymAlg::Ecdsa(Some(Curve::P256)),
            OPTEE_ALG_ECDSA_P384 => AsymAlg::Ecdsa(Some(Curve::P384)),
            OPTEE_ALG_ECDSA_P521 => AsymAlg::Ecdsa(Some(Curve::P521)),
            TEE_ALG_ED25519 => AsymAlg::Ed25519,
            TEE_ALG_DH_DERIVE_SHARED_SECRET => AsymAlg::Dh,
            TEE_ALG_ECDH_DERIVE_SHARED_SECRET => AsymAlg::Ecdh(None),
            OPTEE_ALG_ECDH_P192 => AsymAlg::Ecdh(Some(Curve::P192)),
            OPTEE_ALG_ECDH_P224 => AsymAlg::Ecdh(Some(Curve::P224)),
            OPTEE_ALG_ECDH_P256 => AsymAlg::Ecdh(Some(Curve::P256)),
            OPTEE_ALG_ECDH_P384 => AsymAlg::Ecdh(Some(Curve::P384)),
            OPTEE_ALG_ECDH_P521 => AsymAlg::Ecdh(Some(Curve::P521)),
            TEE_ALG_X25519 => AsymAlg::X25519,
            TEE_ALG_SM2_DSA_SM3 => AsymAlg::Sm2Dsa,
            TEE_ALG_SM2_PKE => AsymAlg::Sm2Pke,
            TEE_ALG_SM2_KEP => AsymAlg::Sm2Kep,
            TEE_ALG_MLKEM => AsymAlg::MlKem,
            TEE_ALG_MLDSA => AsymAlg::MlDsa,
            _ => return None,
        })
    }

    /// The operation class.
    pub fn class(self) -> u32 {
        match self {
            AsymAlg::RsaPkcs1Enc
            | AsymAlg::RsaOaep(_)
            | AsymAlg::RsaNopad
            | AsymAlg::Sm2Pke
            | AsymAlg::MlKem => TEE_OPERATION_ASYMMETRIC_CIPHER,
            AsymAlg::Dh | AsymAlg::Ecdh(_) | AsymAlg::X25519 | AsymAlg::Sm2Kep => {
                TEE_OPERATION_KEY_DERIVATION
            }
            _ => TEE_OPERATION_ASYMMETRIC_SIGNATURE,
        }
    }

    /// The modes TEE_AllocateOperation accepts.
    pub fn mode_allowed(self, mode: u32) -> bool {
        match self.class() {
            TEE_OPERATION_ASYMMETRIC_CIPHER => matches!(mode, TEE_MODE_ENCRYPT | TEE_MODE_DECRYPT),
            TEE_OPERATION_KEY_DERIVATION => mode == TEE_MODE_DERIVE,
            _ => matches!(mode, TEE_MODE_SIGN | TEE_MODE_VERIFY),
        }
    }

    /// The key-pair object type of the algorithm.
    pub fn keypair_type(self) -> u32 {
        match self {
            AsymAlg::RsaPkcs1Sign(_)
            | AsymAlg::RsaPss(_)
            | AsymAlg::RsaPkcs1Enc
            | AsymAlg::RsaOaep(_)
            | AsymAlg::RsaNopad => TEE_TYPE_RSA_KEYPAIR,
            AsymAlg::Dsa(_) => TEE_TYPE_DSA_KEYPAIR,
            AsymAlg::Ecdsa(_) => TEE_TYPE_ECDSA_KEYPAIR,
            AsymAlg::Ed25519 => TEE_TYPE_ED25519_KEYPAIR,
            AsymAlg::Dh => TEE_TYPE_DH_KEYPAIR,
            AsymAlg::Ecdh(_) => TEE_TYPE_ECDH_KEYPAIR,
            AsymAlg::X25519 => TEE_TYPE_X25519_KEYPAIR,
            AsymAlg::Sm2Dsa => TEE_TYPE_SM2_DSA_KEYPAIR,
            AsymAlg::Sm2Pke => TEE_TYPE_SM2_PKE_KEYPAIR,
            AsymAlg::Sm2Kep => TEE_TYPE_SM2_KEP_KEYPAIR,
            AsymAlg::MlKem => TEE_TYPE_MLKEM_KEYPAIR,
            AsymAlg::MlDsa => TEE_TYPE_MLDSA_KEYPAIR,
        }
    }

    /// The object types a key for `mode` may have: the key pair, and for
    /// encryption and verification also the public key.
    pub fn key_types(self, mode: u32) -> [u32; 2] {
        let pair = self.keypair_type();
        match (mode, public_type_of(pair)) {
            (TEE_MODE_ENCRYPT | TEE_MODE_VERIFY, Some(p)) => [pair, p],
            _ => [pair, pair],
        }
    }

    /// Whether a maximum key size is one the algorithm's keys may have.
    pub fn size_allowed(self, bits: u32) -> bool {
        match self {
            AsymAlg::Ecdsa(Some(c)) | AsymAlg::Ecdh(Some(c)) => bits == c.bits(),
            // Two 256-bit keys: OP-TEE's users allocate with 512 or 256.
            AsymAlg::Sm2Kep => matches!(bits, 256 | 512),
            _ => crate::object::size_allowed(self.keypair_type(), bits),
        }
    }
}

/// A boxed hash function for the hand-written encodings (OAEP, MGF1).
fn dyn_digest(alg: DigestAlg) -> Result<Box<dyn DynDigest>, Error> {
    Ok(match alg {
        DigestAlg::Md5 => Box::new(md5::Md5::new()),
        DigestAlg::Sha1 => Box::new(sha1::Sha1::new()),
        DigestAlg::Sha224 => Box::new(sha2::Sha224::new()),
        DigestAlg::Sha256 => Box::new(sha2::Sha256::new()),
        DigestAlg::Sha384 => Box::new(sha2::Sha384::new()),
        DigestAlg::Sha512 => Box::new(sha2::Sha512::new()),
        DigestAlg::Sha3_224 => Box::new(sha3::Sha3_224::new()),
        DigestAlg::Sha3_256 => Box::new(sha3::Sha3_256::new()),
        DigestAlg::Sha3_384 => Box::new(sha3::Sha3_384::new()),
        DigestAlg::Sha3_512 => Box::new(sha3::Sha3_512::new()),
        DigestAlg::Sm3 => Box::new(sm3::Sm3::new()),
        DigestAlg::Shake128 | DigestAlg::Shake256 => return Err(Error::NotSupported),
    })
}

/// Run `$body` with `$D` the hash type of `$alg` (SHA-1, SHA-2, SHA-3,
/// MD5).
macro_rules! with_hash {
    ($alg:expr, $D:ident => $body:expr) => {
        match $alg {
            DigestAlg::Md5 => {
                type $D = md5::Md5;
                $body
            }
            DigestAlg::Sha1 => {
                type $D = sha1::Sha1;
                $body
            }
            DigestAlg::Sha224 => {
                type $D = sha2::Sha224;
                $body
            }
            DigestAlg::Sha256 => {
                type $D = sha2::Sha256;
                $body
            }
            DigestAlg::Sha384 => {
                type $D = sha2::Sha384;
                $body
            }
            DigestAlg::Sha512 => {
                type $D = sha2::Sha512;
                $body
            }
            DigestAlg::Sha3_224 => {
                type $D = sha3::Sha3_224;
                $body
            }
            DigestAlg::Sha3_256 => {
                type $D = sha3::Sha3_256;
                $body
            }
            DigestAlg::Sha3_384 => {
                type $D = sha3::Sha3_384;
                $body
            }
            DigestAlg::Sha3_512 => {
                type $D = sha3::Sha3_512;
                $body
            }
            _ => return Err(Error::NotSupported),
        }
    };
}

/// MGF1 (RFC 8017 B.2.1): `len` bytes from `seed`.
fn mgf1(h: &mut dyn DynDigest, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut counter = 0u32;
    while out.len() < len {
        h.update(seed);
        h.update(&counter.to_be_bytes());
        out.extend_from_slice(&h.finalize_reset());
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

fn xor(a: &mut [u8], b: &[u8]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x ^= y;
    }
}

/// EME-OAEP encoding (RFC 8017 7.1.1) of `msg` for a `k`-byte modulus.
fn oaep_encode(
    k: usize,
    msg: &[u8],
    label: &[u8],
    hash: DigestAlg,
    mgf: DigestAlg,
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, Error> {
    let mut h = dyn_digest(hash)?;
    let mut g = dyn_digest(mgf)?;
    let hl = h.output_size();
    if k < 2 * hl + 2 || msg.len() > k - 2 * hl - 2 {
        return Err(Error::Bad);
    }
    h.update(label);
    let mut db = h.finalize_reset().to_vec();
    db.resize(k - msg.len() - hl - 2, 0);
    db.push(1);
    db.extend_from_slice(msg);
    let mut seed = vec![0u8; hl];
    rng.fill_bytes(&mut seed);
    xor(&mut db, &mgf1(g.as_mut(), &seed, k - hl - 1));
    xor(&mut seed, &mgf1(g.as_mut(), &db, hl));
    let mut em = vec![0u8];
    em.extend_from_slice(&seed);
    em.extend_from_slice(&db);
    Ok(em)
}

/// EME-OAEP decoding of the `k`-byte `em`, in constant time up to the
/// one answer (the message, or BAD_PARAMETERS for any defect).
fn oaep_decode(em: &[u8], label: &[u8], hash: DigestAlg, mgf: DigestAlg) -> Result<Vec<u8>, Error> {
    let mut h = dyn_digest(hash)?;
    let mut g = dyn_digest(mgf)?;
    let hl = h.output_size();
    let k = em.len();
    if k < 2 * hl + 2 {
        return Err(Error::Bad);
    }
    h.update(label);
    let lhash = h.finalize_reset();
    let mut seed = em[1..1 + hl].to_vec();
    let mut db = em[1 + hl..].to_vec();
    xor(&mut seed, &mgf1(g.as_mut(), &db, hl));
    xor(&mut db, &mgf1(g.as_mut(), &seed, k - hl - 1));
    let mut good = em[0].ct_eq(&0) & db[..hl].ct_eq(&lhash);
    // Find the 0x01 after the zero padding without branching on data.
    let mut looking = subtle::Choice::from(1);
    let mut index = 0u32;
    let mut invalid = subtle::Choice::from(0);
    for (i, b) in db.iter().enumerate().skip(hl) {
        let is0 = b.ct_eq(&0);
        let is1 = b.ct_eq(&1);
        index = u32::conditional_select(&index, &(i as u32), looking & is1);
        invalid |= looking & !is0 & !is1;
        looking &= !is1;
    }
    good &= !invalid & !looking;
    if bool::from(good) {
        Ok(db[index as usize + 1..].to_vec())
    } else {
        Err(Error::Bad)
    }
}

/// The operation parameters (TEE_Attribute arrays) an algorithm takes;
/// anything else panics.
fn check_params(alg: AsymAlg, params: &[Attr]) -> Result<(), Error> {
    let allowed: &[u32] = match alg {
        AsymAlg::RsaOaep(_) => &[TEE_ATTR_RSA_OAEP_LABEL, TEE_ATTR_RSA_OAEP_MGF_HASH],
        AsymAlg::RsaPss(_) => &[TEE_ATTR_RSA_PSS_SALT_LENGTH],
        AsymAlg::Ed25519 => &[TEE_ATTR_EDDSA_CTX, TEE_ATTR_EDDSA_PREHASH],
        AsymAlg::Dh => &[TEE_ATTR_DH_PUBLIC_VALUE],
        AsymAlg::Ecdh(_) => &[TEE_ATTR_ECC_PUBLIC_VALUE_X, TEE_ATTR_ECC_PUBLIC_VALUE_Y],
        AsymAlg::X25519 => &[TEE_ATTR_X25519_PUBLIC_VALUE],
        AsymAlg::MlKem => &[TEE_ATTR_MLKEM_ENCAPS_M],
        AsymAlg::Sm2Kep => &[
            TEE_ATTR_ECC_PUBLIC_VALUE_X,
            TEE_ATTR_ECC_PUBLIC_VALUE_Y,
            TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X,
            TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y,
            OPTEE_SM2_KEP_ATTR_EPHEMERAL_X,
            OPTEE_SM2_KEP_ATTR_EPHEMERAL_Y,
            TEE_ATTR_SM2_ID_INITIATOR,
            TEE_ATTR_SM2_ID_RESPONDER,
            TEE_ATTR_SM2_KEP_USER,
            TEE_ATTR_SM2_KEP_CONFIRMATION_IN,
            TEE_ATTR_SM2_KEP_CONFIRMATION_OUT,
        ],
        AsymAlg::MlDsa => &[TEE_ATTR_MLDSA_CONTEXT, TEE_ATTR_MLDSA_DETERMINISTIC],
        _ => &[],
    };
    for (i, a) in params.iter().enumerate() {
        if !allowed.contains(&a.id())
            || matches!(a, Attr::Value(..)) != (a.id() & TEE_ATTR_FLAG_VALUE != 0)
            || params[..i].iter().any(|b| b.id() == a.id())
        {
            return Err(PANIC_PARAMS);
        }
    }
    Ok(())
}

/// OAEP's label and MGF1 hash (TEE_ATTR_RSA_OAEP_MGF_HASH holds a
/// TEE_ALG_* digest identifier as 4 little-endian bytes, as OP-TEE reads
/// it; by default the OAEP hash).
fn oaep_params(hash: DigestAlg, params: &[Attr]) -> Result<(Vec<u8>, DigestAlg), Error> {
    let label = get_ref(params, TEE_ATTR_RSA_OAEP_LABEL)
        .unwrap_or_default()
        .to_vec();
    let mgf = match get_ref(params, TEE_ATTR_RSA_OAEP_MGF_HASH) {
        None => hash,
        Some(v) => {
            let id: [u8; 4] = v.try_into().map_err(|_| Error::Bad)?;
            DigestAlg::from_id(u32::from_le_bytes(id))
                .filter(|a| !a.is_xof())
                .ok_or(Error::NotSupported)?
        }
    };
    Ok((label, mgf))
}

fn rsa_keys(key: &Key) -> Result<(&RsaPublicKey, Option<&RsaPrivateKey>), Error> {
    match key {
        Key::Rsa {
            public, private, ..
        } => Ok((public, private.as_deref())),
        _ => Err(PANIC_PARAMS),
    }
}

/// OP-TEE's raw RSA output: without leading zero bytes (one zero byte
/// for zero).
fn strip_one(v: Vec<u8>) -> Vec<u8> {
    let s = strip(&v);
    if s.is_empty() { vec![0] } else { s }
}

/// TEE_AsymmetricEncrypt: the ciphertext. A message too long for the
/// key is BAD_PARAMETERS.
pub fn encrypt(
    alg: AsymAlg,
    key: &Key,
    params: &[Attr],
    msg: &[u8],
    mut rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, Error> {
    check_params(alg, params)?;
    if let Some(r) = encrypt_ext(alg, key, params, msg, rng) {
        return r;
    }
    let (public, _) = rsa_keys(key)?;
    let k = public.size();
    match alg {
        AsymAlg::RsaPkcs1Enc => public
            .encrypt(&mut rng, rsa::Pkcs1v15Encrypt, msg)
            .map_err(|_| Error::Bad),
        AsymAlg::RsaOaep(h) => {
            let (label, mgf) = oaep_params(h, params)?;
            let em = oaep_encode(k, msg, &label, h, mgf, rng)?;
            let c = rsa::hazmat::rsa_encrypt(public, &BigUint::from_bytes_be(&em))
                .map_err(|_| Error::Bad)?;
            Ok(be(&c, k))
        }
        AsymAlg::RsaNopad => {
            let m = BigUint::from_bytes_be(msg);
            if msg.len() > k || &m >= public.n() {
                return Err(Error::Bad);
            }
            let c = rsa::hazmat::rsa_encrypt(public, &m).map_err(|_| Error::Bad)?;
            Ok(strip_one(c.to_bytes_be()))
        }
        _ => Err(PANIC_PARAMS),
    }
}

/// The RSA private-key operation on `c` (with blinding), `k` bytes.
fn rsa_private(
    private: &RsaPrivateKey,
    c: &[u8],
    mut rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, Error> {
    let k = private.size();
    let c = BigUint::from_bytes_be(c);
    if &c >= private.n() {
        return Err(Error::Bad);
    }
    let m =
        rsa::hazmat::rsa_decrypt_and_check(private, Some(&mut rng), &c).map_err(|_| Error::Bad)?;
    Ok(be(&m, k))
}

/// TEE_AsymmetricDecrypt: the plaintext, or BAD_PARAMETERS for a
/// ciphertext that does not decrypt.
pub fn decrypt(
    alg: AsymAlg,
    key: &Key,
    params: &[Attr],
    c: &[u8],
    mut rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, Error> {
    check_params(alg, params)?;
    if let Some(r) = decrypt_ext(alg, key, c) {
        return r;
    }
    let (_, Some(private)) = rsa_keys(key)? else {
        return Err(PANIC_PARAMS);
    };
    let k = private.size();
    match alg {
        AsymAlg::RsaPkcs1Enc => {
            if c.len() != k {
                return Err(Error::Bad);
            }
            private
                .decrypt_blinded(&mut rng, rsa::Pkcs1v15Encrypt, c)
                .map_err(|_| Error::Bad)
        }
        AsymAlg::RsaOaep(h) => {
            if c.len() != k {
                return Err(Error::Bad);
            }
            let (label, mgf) = oaep_params(h, params)?;
            let em = rsa_private(private, c, rng)?;
            oaep_decode(&em, &label, h, mgf)
        }
        AsymAlg::RsaNopad => {
            if c.len() > k {
                return Err(Error::Bad);
            }
            Ok(strip_one(rsa_private(private, c, rng)?))
        }
        _ => Err(PANIC_PARAMS),
    }
}

/// The length of a signature by `key` under `alg`.
pub fn signature_len(alg: AsymAlg, key: &Key) -> usize {
    match key {
        Key::Rsa { public, .. } => public.size(),
        Key::Dsa { public, .. } => 2 * public.components().q().bits().div_ceil(8),
        Key::Ec { curve, .. } => 2 * curve.field_len(),
        Key::Sm2 { .. } => 2 * crate::sm2::LEN,
        Key::MlDsa { .. } => crate::pqc::MLDSA65_SIG_LEN,
        _ if alg == AsymAlg::Ed25519 => 64,
        _ => 0,
    }
}

/// The message encoding of Ed25519's variants (RFC 8032 5.1): the
/// context (up to 255 bytes) and whether the message is prehashed.
fn eddsa_params(params: &[Attr]) -> Result<(Option<Vec<u8>>, bool), Error> {
    let ctx = get_ref(params, TEE_ATTR_EDDSA_CTX).map(|c| c.to_vec());
    if ctx.as_ref().is_some_and(|c| c.len() > 255) {
        return Err(Error::Bad);
    }
    let ph = match get_value(params, TEE_ATTR_EDDSA_PREHASH) {
        None | Some((0, _)) => false,
        Some((1, _)) => true,
        Some(_) => return Err(Error::Bad),
    };
    Ok((ctx.filter(|c| !c.is_empty() || ph), ph))
}

/// dom2(F, C) of RFC 8032.
fn dom2(ph: bool, ctx: &[u8]) -> Vec<u8> {
    let mut d = b"SigEd25519 no Ed25519 collisions".to_vec();
    d.push(ph as u8);
    d.push(ctx.len() as u8);
    d.extend_from_slice(ctx);
    d
}

/// Ed25519ctx (a context, no prehash) signing, over curve25519-dalek.
fn ed25519ctx_sign(seed: &[u8; 32], public: &[u8; 32], ctx: &[u8], msg: &[u8]) -> Vec<u8> {
    use curve25519_dalek::{EdwardsPoint, Scalar};
    let h = sha2::Sha512::digest(seed);
    let mut a = [0u8; 32];
    a.copy_from_slice(&h[..32]);
    a[0] &= 248;
    a[31] &= 127;
    a[31] |= 64;
    let a = Scalar::from_bytes_mod_order(a);
    let dom = dom2(false, ctx);
    let r = Scalar::from_hash(
        sha2::Sha512::new()
            .chain_update(&dom)
            .chain_update(&h[32..])
            .chain_update(msg),
    );
    let big_r = EdwardsPoint::mul_base(&r).compress();
    let k = Scalar::from_hash(
        sha2::Sha512::new()
            .chain_update(&dom)
            .chain_update(big_r.as_bytes())
            .chain_update(public)
            .chain_update(msg),
    );
    let s = r + k * a;
    let mut sig = big_r.as_bytes().to_vec();
    sig.extend_from_slice(s.as_bytes());
    sig
}

/// Ed25519ctx verification: [S]B = R + [k]A with S canonical.
fn ed25519ctx_verify(public: &[u8; 32], ctx: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    use curve25519_dalek::{EdwardsPoint, Scalar};
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    let Some(a) = CompressedEdwardsY(*public).decompress() else {
        return false;
    };
    let mut s = [0u8; 32];
    s.copy_from_slice(&sig[32..]);
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)) else {
        return false;
    };
    let k = Scalar::from_hash(
        sha2::Sha512::new()
            .chain_update(dom2(false, ctx))
            .chain_update(&sig[..32])
            .chain_update(public)
            .chain_update(msg),
    );
    let r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-a, &s);
    r.compress().as_bytes()[..] == sig[..32]
}

/// TEE_AsymmetricSignDigest: the signature. A digest of the wrong
/// length for the algorithm's hash is BAD_PARAMETERS. For Ed25519 the
/// "digest" is the message (as in OP-TEE), hashed here for Ed25519ph.
pub fn sign(
    alg: AsymAlg,
    key: &Key,
    params: &[Attr],
    digest: &[u8],
    mut rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>, Error> {
    check_params(alg, params)?;
    match (alg, key) {
        (AsymAlg::RsaPkcs1Sign(h), Key::Rsa { private, fast, .. }) => {
            let Some(k) = private else {
                return Err(PANIC_PARAMS);
            };
            let scheme = match h {
                Some(h) => {
                    if digest.len() != h.digest_len() {
                        return Err(Error::Bad);
                    }
                    if let Some(s) = backend::rsa_sign(fast, k, false, h, 0, digest) {
                        return Ok(s);
                    }
                    with_hash!(h, D => rsa::Pkcs1v15Sign::new::<D>())
                }
                None => rsa::Pkcs1v15Sign::new_unprefixed(),
            };
            k.sign_with_rng(&mut rng, scheme, digest)
                .map_err(|_| Error::Bad)
        }
        (AsymAlg::RsaPss(h), Key::Rsa { private, fast, .. }) => {
            let Some(k) = private else {
                return Err(PANIC_PARAMS);
            };
            if digest.len() != h.digest_len() {
                return Err(Error::Bad);
            }
            let salt = pss_salt(h, params);
            if let Some(s) = backend::rsa_sign(fast, k, true, h, salt, digest) {
                return Ok(s);
            }
            let scheme = with_hash!(h, D => rsa::Pss::new_with_salt::<D>(salt));
            k.sign_with_rng(&mut rng, scheme, digest)
                .map_err(|_| Error::Bad)
        }
        (AsymAlg::Dsa(h), Key::Dsa { private, public }) => {
            use ecdsa::signature::hazmat::RandomizedPrehashSigner;
            let Some(k) = private else {
                return Err(PANIC_PARAMS);
            };
            let digest = dsa_digest(h, public, digest)?;
            let sig = k
                .sign_prehash_with_rng(&mut rng, digest)
                .map_err(|_| Error::Bad)?;
            let n = public.components().q().bits().div_ceil(8);
            let mut out = be(sig.r(), n);
            out.extend_from_slice(&be(sig.s(), n));
            Ok(out)
        }
        (
            AsymAlg::Ecdsa(c),
            Key::Ec {
                curve,
                ecdh: false,
                x,
                y,
                d,
                fast,
            },
        ) => {
            let Some(d) = d else {
                return Err(PANIC_PARAMS);
            };
            if c.is_some_and(|c| c != *curve) || digest.is_empty() {
                return Err(Error::Bad);
            }
            let len = curve.field_len();
            if let Some(s) = backend::ecdsa_sign(fast, len, x, y, d, digest) {
                return Ok(s);
            }
            let pre = ec_prehash(digest, len);
            on_curve!(*curve, sign(d, &pre, len, rng)).ok_or(Error::Bad)
        }
        (
            AsymAlg::Ed25519,
            Key::Ed25519 {
                public,
                private,
                fast,
            },
        ) => {
            let Some(s) = private else {
                return Err(PANIC_PARAMS);
            };
            let (ctx, ph) = eddsa_params(params)?;
            if ctx.is_none() && !ph {
                if let Some(sig) = backend::ed25519_sign(fast, s, public, digest) {
                    return Ok(sig);
                }
            }
            let sk = ed25519_dalek::SigningKey::from_bytes(s);
            Ok(match (ctx, ph) {
                (None, false) => {
                    use ed25519_dalek::Signer;
                    sk.sign(digest).to_bytes().to_vec()
                }
                (ctx, true) => sk
                    .sign_prehashed(sha2::Sha512::new().chain_update(digest), ctx.as_deref())
                    .map_err(|_| Error::Bad)?
                    .to_bytes()
                    .to_vec(),
                (Some(ctx), false) => ed25519ctx_sign(s, public, &ctx, digest),
            })
        }
        (
            AsymAlg::Sm2Dsa,
            Key::Sm2 {
                family: TEE_TYPE_SM2_DSA_KEYPAIR,
                d,
                ..
            },
        ) => {
            let Some(d) = d else {
                return Err(PANIC_PARAMS);
            };
            if digest.len() != crate::sm2::LEN {
                return Err(Error::Bad);
            }
            crate::sm2::sign(d, digest, rng).ok_or(Error::Bad)
        }
        (AsymAlg::MlDsa, Key::MlDsa { sk, .. }) => {
            let Some(sk) = sk else {
                return Err(PANIC_PARAMS);
            };
            let (ctx, det) = mldsa_params(params)?;
            crate::pqc::mldsa_sign(sk, digest, ctx, det, rng).ok_or(Error::Bad)
        }
        _ => Err(PANIC_PARAMS),
    }
}

/// The PSS salt length: TEE_ATTR_RSA_PSS_SALT_LENGTH or the hash's.
fn pss_salt(h: DigestAlg, params: &[Attr]) -> usize {
    get_value(params, TEE_ATTR_RSA_PSS_SALT_LENGTH).map_or(h.digest_len(), |v| v.0 as usize)
}

/// TEE_AsymmetricVerifyDigest: `Ok` or SIGNATURE_INVALID.
pub fn verify(
    alg: AsymAlg,
    key: &Key,
    params: &[Attr],
    digest: &[u8],
    sig: &[u8],
) -> Result<(), Error> {
    check_params(alg, params)?;
    let ok = match (alg, key) {
        (AsymAlg::RsaPkcs1Sign(h), Key::Rsa { public, fast, .. }) => {
            let scheme = match h {
                Some(h) => {
                    if digest.len() != h.digest_len() {
                        return Err(Error::Bad);
                    }
                    if let Some(ok) = backend::rsa_verify(fast, public, false, h, 0, digest, sig) {
                        return if ok {
                            Ok(())
                        } else {
                            Err(Error::SignatureInvalid)
                        };
                    }
                    with_hash!(h, D => rsa::Pkcs1v15Sign::new::<D>())
                }
                None => rsa::Pkcs1v15Sign::new_unprefixed(),
            };
            public.verify(scheme, digest, sig).is_ok()
        }
        (AsymAlg::RsaPss(h), Key::Rsa { public, fast, .. }) => {
            if digest.len() != h.digest_len() {
                return Err(Error::Bad);
            }
            let salt = pss_salt(h, params);
            let scheme = with_hash!(h, D => rsa::Pss::new_with_salt::<D>(salt));
            sig.len() == public.size()
                && backend::rsa_verify(fast, public, true, h, salt, digest, sig)
                    .unwrap_or_else(|| public.verify(scheme, digest, sig).is_ok())
        }
        (AsymAlg::Dsa(h), Key::Dsa { public, .. }) => {
            use ecdsa::signature::hazmat::PrehashVerifier;
            let digest = dsa_digest(h, public, digest)?;
            let n = public.components().q().bits().div_ceil(8);
            sig.len() == 2 * n && {
                let r = BigUint::from_bytes_be(&sig[..n]);
                let s = BigUint::from_bytes_be(&sig[n..]);
                r.bits() != 0
                    && s.bits() != 0
                    && dsa::Signature::from_components(r, s)
                        .is_ok_and(|sig| public.verify_prehash(digest, &sig).is_ok())
            }
        }
        (
            AsymAlg::Ecdsa(c),
            Key::Ec {
                curve,
                ecdh: false,
                x,
                y,
                fast,
                ..
            },
        ) => {
            if c.is_some_and(|c| c != *curve) || digest.is_empty() {
                return Err(Error::Bad);
            }
            let len = curve.field_len();
            let pre = ec_prehash(digest, len);
            sig.len() == 2 * len
                && backend::ecdsa_verify(fast, len, x, y, digest, sig)
                    .unwrap_or_else(|| on_curve!(*curve, verify(x, y, &pre, sig, len)))
        }
        (AsymAlg::Ed25519, Key::Ed25519 { public, .. }) => {
            let (ctx, ph) = eddsa_params(params)?;
            let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
                return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS));
            };
            let Ok(s) = ed25519_dalek::Signature::from_slice(sig) else {
                return Err(Error::SignatureInvalid);
            };
            match (ctx, ph) {
                (None, false) => vk.verify_strict(digest, &s).is_ok(),
                (ctx, true) => vk
                    .verify_prehashed_strict(
                        sha2::Sha512::new().chain_update(digest),
                        ctx.as_deref(),
                        &s,
                    )
                    .is_ok(),
                (Some(ctx), false) => ed25519ctx_verify(public, &ctx, digest, sig),
            }
        }
        (
            AsymAlg::Sm2Dsa,
            Key::Sm2 {
                family: TEE_TYPE_SM2_DSA_KEYPAIR,
                x,
                y,
                ..
            },
        ) => {
            if digest.len() != crate::sm2::LEN {
                return Err(Error::Bad);
            }
            crate::sm2::verify(x, y, digest, sig)
        }
        (AsymAlg::MlDsa, Key::MlDsa { pk, .. }) => {
            // FIPS 204: a context over 255 bytes fails verification.
            let ctx = get_ref(params, TEE_ATTR_MLDSA_CONTEXT).unwrap_or_default();
            if get_value(params, TEE_ATTR_MLDSA_DETERMINISTIC).is_some_and(|v| v.0 > 1) {
                return Err(Error::Bad);
            }
            ctx.len() <= 255 && crate::pqc::mldsa_verify(pk, digest, ctx, sig)
        }
        _ => return Err(PANIC_PARAMS),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::SignatureInvalid)
    }
}

/// TEE_DeriveKey for DH, ECDH and X25519: the shared secret (DH: as long
/// as the prime; ECDH: the x-coordinate, as long as the field). A peer
/// value out of range or off the curve, or an all-zero X25519 result
/// (a small-order peer), is BAD_PARAMETERS; a missing one panics.
pub fn derive(alg: AsymAlg, key: &Key, params: &[Attr]) -> Result<Vec<u8>, Error> {
    check_params(alg, params)?;
    match (alg, key) {
        (AsymAlg::Dh, Key::Dh { p, x, .. }) => {
            let y = big(params, TEE_ATTR_DH_PUBLIC_VALUE)?;
            let one = BigUint::from(1u8);
            if y <= one || y >= p - &one {
                return Err(Error::Bad);
            }
            Ok(be(&y.modpow(x, p), p.bits().div_ceil(8)))
        }
        (
            AsymAlg::Ecdh(c),
            Key::Ec {
                curve,
                ecdh: true,
                d: Some(d),
                ..
            },
        ) => {
            if c.is_some_and(|c| c != *curve) {
                return Err(Error::Bad);
            }
            let px = get_ref(params, TEE_ATTR_ECC_PUBLIC_VALUE_X).ok_or(PANIC_PARAMS)?;
            let py = get_ref(params, TEE_ATTR_ECC_PUBLIC_VALUE_Y).ok_or(PANIC_PARAMS)?;
            let len = curve.field_len();
            on_curve!(*curve, ecdh(d, px, py, len)).ok_or(Error::Bad)
        }
        (
            AsymAlg::X25519,
            Key::X25519 {
                private: Some(s),
                fast,
                ..
            },
        ) => {
            let pk = get_ref(params, TEE_ATTR_X25519_PUBLIC_VALUE).ok_or(PANIC_PARAMS)?;
            let pk = arr32(pk)?;
            // An all-zero result (small-order peer) falls through to the
            // code below, which refuses it.
            if let Some(v) = backend::x25519(fast, s, &pk) {
                return Ok(v);
            }
            let shared = curve25519_dalek::MontgomeryPoint(pk)
                .mul_clamped(*s)
                .to_bytes();
            if bool::from(shared.ct_eq(&[0u8; 32])) {
                return Err(Error::Bad);
            }
            Ok(shared.to_vec())
        }
        _ => Err(PANIC_PARAMS),
    }
}

// SM2 and the post-quantum vendor algorithms: key parsing, generation
// and the cipher operations (the arithmetic is in crate::sm2 and
// crate::pqc).

/// An SM2 key of type `t`: ECC attributes on TEE_ECC_CURVE_SM2 (another
/// curve is NOT_SUPPORTED, as for an unknown curve).
fn parse_sm2(t: u32, attrs: &[Attr]) -> Result<Key, Error> {
    // The type implies the curve; one given must be it.
    if get_value(attrs, TEE_ATTR_ECC_CURVE).is_some_and(|(c, _)| c != TEE_ECC_CURVE_SM2) {
        return Err(Error::NotSupported);
    }
    let len = crate::sm2::LEN;
    let x = get_ref(attrs, TEE_ATTR_ECC_PUBLIC_VALUE_X).ok_or(PANIC_PARAMS)?;
    let y = get_ref(attrs, TEE_ATTR_ECC_PUBLIC_VALUE_Y).ok_or(PANIC_PARAMS)?;
    let (x, y) = (
        pad(x, len).ok_or(Error::Bad)?,
        pad(y, len).ok_or(Error::Bad)?,
    );
    let d = match get_ref(attrs, TEE_ATTR_ECC_PRIVATE_VALUE) {
        Some(d) => {
            let d = pad(d, len).ok_or(Error::Bad)?;
            if !crate::sm2::check_pair(&x, &y, &d) {
                return Err(Error::Bad);
            }
            Some(d)
        }
        None => {
            crate::sm2::public(&x, &y).ok_or(Error::Bad)?;
            None
        }
    };
    Ok(Key::Sm2 {
        family: t | TEE_TYPE_KEYPAIR_FLAG,
        x,
        y,
        d,
    })
}

/// The bit that makes a public-key type a key-pair type.
const TEE_TYPE_KEYPAIR_FLAG: u32 = 0x0100_0000;

/// An ML-KEM-768 key: ek (modulus-checked) and, for a key pair, dk
/// (hash-checked, with ek inside) and/or the seed it comes from; a key
/// pair's ek may be left out (it is dk's).
fn parse_mlkem(t: u32, attrs: &[Attr]) -> Result<Key, Error> {
    use crate::pqc::*;
    let ek = get_ref(attrs, TEE_ATTR_MLKEM_PUBLIC_KEY);
    if ek.is_some_and(|ek| !mlkem_check_ek(ek)) {
        return Err(Error::Bad);
    }
    if t == TEE_TYPE_MLKEM_PUBLIC_KEY {
        let ek = ek.ok_or(PANIC_PARAMS)?;
        return Ok(Key::MlKem {
            ek: ek.to_vec(),
            dk: None,
        });
    }
    let from_seed = match get_ref(attrs, TEE_ATTR_MLKEM_SEED) {
        Some(seed) => Some(mlkem_from_seed(seed).ok_or(Error::Bad)?.0),
        None => None,
    };
    let dk = match (get_ref(attrs, TEE_ATTR_MLKEM_PRIVATE_KEY), from_seed) {
        (None, None) => return Err(PANIC_PARAMS),
        (Some(dk), seeded) => {
            if !mlkem_check_dk(dk) || seeded.is_some_and(|d| d != dk) {
                return Err(Error::Bad);
            }
            dk.to_vec()
        }
        (None, Some(dk)) => dk,
    };
    let inner = mlkem_dk_ek(&dk);
    if ek.is_some_and(|ek| ek != inner) {
        return Err(Error::Bad);
    }
    Ok(Key::MlKem {
        ek: inner.to_vec(),
        dk: Some(dk),
    })
}

/// An ML-DSA-65 key: pk and, for a key pair, sk (checked against pk)
/// and/or the seed it comes from; a key pair's pk may be left out (it is
/// derived).
fn parse_mldsa(t: u32, attrs: &[Attr]) -> Result<Key, Error> {
    use crate::pqc::*;
    let pk = get_ref(attrs, TEE_ATTR_MLDSA_PUBLIC_KEY);
    if pk.is_some_and(|pk| !mldsa_check_pk(pk)) {
        return Err(Error::Bad);
    }
    if t == TEE_TYPE_MLDSA_PUBLIC_KEY {
        let pk = pk.ok_or(PANIC_PARAMS)?;
        return Ok(Key::MlDsa {
            pk: pk.to_vec(),
            sk: None,
        });
    }
    let sk = get_ref(attrs, TEE_ATTR_MLDSA_PRIVATE_KEY);
    let (sk, pk) = match (sk, get_ref(attrs, TEE_ATTR_MLDSA_SEED)) {
        (None, None) => return Err(PANIC_PARAMS),
        (sk, Some(seed)) => {
            let (s, p) = mldsa_from_seed(seed).ok_or(Error::Bad)?;
            if pk.is_some_and(|pk| pk != p) || sk.is_some_and(|sk| sk != s) {
                return Err(Error::Bad);
            }
            (s, p)
        }
        (Some(sk), None) => {
            let p = mldsa_pk_of_sk(sk).ok_or(Error::Bad)?;
            if pk.is_some_and(|pk| pk != p) {
                return Err(Error::Bad);
            }
            (sk.to_vec(), p)
        }
    };
    Ok(Key::MlDsa { pk, sk: Some(sk) })
}

/// The stored attributes of a post-quantum key pair with what was left
/// out and derived (the public key, the private key from the seed).
fn complete_pq(key: &Key, mut stored: Vec<Attr>) -> Vec<Attr> {
    let (derived, pub_id, priv_id) = match key {
        Key::MlKem { ek, dk: Some(dk) } => (
            [ek, dk],
            TEE_ATTR_MLKEM_PUBLIC_KEY,
            TEE_ATTR_MLKEM_PRIVATE_KEY,
        ),
        Key::MlDsa { pk, sk: Some(sk) } => (
            [pk, sk],
            TEE_ATTR_MLDSA_PUBLIC_KEY,
            TEE_ATTR_MLDSA_PRIVATE_KEY,
        ),
        _ => return stored,
    };
    for (id, v) in [pub_id, priv_id].into_iter().zip(derived) {
        if !stored.iter().any(|a| a.id() == id) {
            stored.push(Attr::Ref(id, v.clone()));
        }
    }
    stored
}

/// TEE_GenerateKey for SM2: the curve parameter must be
/// TEE_ECC_CURVE_SM2 (OP-TEE requires it) and the size 256.
fn generate_sm2(
    bits: u32,
    params: &[Attr],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<Attr>, Error> {
    // The curve is implied (recent OP-TEE takes no parameter); one given
    // must be TEE_ECC_CURVE_SM2.
    let cid = get_value(params, TEE_ATTR_ECC_CURVE).map_or(TEE_ECC_CURVE_SM2, |(c, _)| c);
    if cid != TEE_ECC_CURVE_SM2 {
        return Err(Error::NotSupported);
    }
    if bits != 256 {
        return Err(Error::Bad);
    }
    let [d, x, y] = crate::sm2::generate(rng);
    Ok(vec![
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, strip(&x)),
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, strip(&y)),
        Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, strip(&d)),
        Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0),
    ])
}

/// ML-DSA's context (at most 255 bytes, else BAD_PARAMETERS) and whether
/// to sign deterministically (a = 0 or 1).
fn mldsa_params(params: &[Attr]) -> Result<(&[u8], bool), Error> {
    let ctx = get_ref(params, TEE_ATTR_MLDSA_CONTEXT).unwrap_or_default();
    if ctx.len() > 255 {
        return Err(Error::Bad);
    }
    let det = match get_value(params, TEE_ATTR_MLDSA_DETERMINISTIC) {
        None | Some((0, _)) => false,
        Some((1, _)) => true,
        Some(_) => return Err(Error::Bad),
    };
    Ok((ctx, det))
}

/// TEE_AsymmetricEncrypt for SM2 PKE (a non-empty message; C1 || C2 ||
/// C3) and ML-KEM encapsulation (an empty message; ciphertext || shared
/// secret); None for the other algorithms.
fn encrypt_ext(
    alg: AsymAlg,
    key: &Key,
    params: &[Attr],
    msg: &[u8],
    rng: &mut dyn CryptoRngCore,
) -> Option<Result<Vec<u8>, Error>> {
    Some(match (alg, key) {
        (
            AsymAlg::Sm2Pke,
            Key::Sm2 {
                family: TEE_TYPE_SM2_PKE_KEYPAIR,
                x,
                y,
                ..
            },
        ) => crate::sm2::encrypt(x, y, msg, rng).ok_or(Error::Bad),
        (AsymAlg::MlKem, Key::MlKem { ek, .. }) => {
            if !msg.is_empty() {
                return Some(Err(Error::Bad));
            }
            let m = get_ref(params, TEE_ATTR_MLKEM_ENCAPS_M);
            if m.is_some_and(|m| m.len() != 32) {
                return Some(Err(Error::Bad));
            }
            crate::pqc::mlkem_encaps(ek, m, rng).ok_or(Error::Bad)
        }
        (AsymAlg::Sm2Pke | AsymAlg::MlKem, _) => Err(PANIC_PARAMS),
        _ => return None,
    })
}

/// TEE_AsymmetricDecrypt for SM2 PKE and ML-KEM decapsulation (the
/// shared secret); None for the other algorithms.
fn decrypt_ext(alg: AsymAlg, key: &Key, c: &[u8]) -> Option<Result<Vec<u8>, Error>> {
    Some(match (alg, key) {
        (
            AsymAlg::Sm2Pke,
            Key::Sm2 {
                family: TEE_TYPE_SM2_PKE_KEYPAIR,
                d: Some(d),
                ..
            },
        ) => crate::sm2::decrypt(d, c).ok_or(Error::Bad),
        (AsymAlg::MlKem, Key::MlKem { dk: Some(dk), .. }) => {
            crate::pqc::mlkem_decaps(dk, c).ok_or(Error::Bad)
        }
        (AsymAlg::Sm2Pke | AsymAlg::MlKem, _) => Err(PANIC_PARAMS),
        _ => return None,
    })
}

/// The ids OP-TEE once gave the SM2 KEP ephemeral public value by
/// mistake, still accepted (devkit: __OPTEE_SM2_KEP_ATTR_*).
const OPTEE_SM2_KEP_ATTR_EPHEMERAL_X: u32 = 0xD000_0946;
const OPTEE_SM2_KEP_ATTR_EPHEMERAL_Y: u32 = 0xD000_0A46;

impl Key {
    /// The key of a two-key operation (TEE_SetOperationKey2) from its
    /// two parsed keys; None where the algorithm takes no such pair.
    pub fn pair(alg: AsymAlg, own: Key, eph: Key) -> Option<Key> {
        match (alg, &own, &eph) {
            (AsymAlg::Sm2Kep, Key::Sm2 { d: Some(_), .. }, Key::Sm2 { d: Some(_), .. }) => {
                Some(Key::Sm2Pair {
                    own: Box::new(own),
                    eph: Box::new(eph),
                })
            }
            _ => None,
        }
    }
}

/// TEE_DeriveKey for SM2 KEP (OP-TEE's parameters): the shared key of
/// `klen` bytes and, when TEE_ATTR_SM2_KEP_CONFIRMATION_OUT is given,
/// this side's confirmation (S_A or S_B, 32 bytes) for it. The peer's
/// static key is TEE_ATTR_ECC_PUBLIC_VALUE_X/Y, its ephemeral key
/// TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X/Y, TEE_ATTR_SM2_KEP_USER a = 0
/// for the initiator, 1 for the responder (default 0); the identities
/// default to empty. A peer point off the curve, or a
/// TEE_ATTR_SM2_KEP_CONFIRMATION_IN that is not the peer's confirmation,
/// is BAD_PARAMETERS; a missing peer value panics.
pub fn sm2_kep_derive(
    key: &Key,
    params: &[Attr],
    klen: usize,
) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
    check_params(AsymAlg::Sm2Kep, params)?;
    let Key::Sm2Pair { own, eph } = key else {
        return Err(PANIC_PARAMS);
    };
    let (
        Key::Sm2 {
            x, y, d: Some(d), ..
        },
        Key::Sm2 {
            x: rx,
            y: ry,
            d: Some(r),
            ..
        },
    ) = (own.as_ref(), eph.as_ref())
    else {
        return Err(PANIC_PARAMS);
    };
    let get = |id: u32, alt: u32| get_ref(params, id).or_else(|| get_ref(params, alt));
    let peer_x = get_ref(params, TEE_ATTR_ECC_PUBLIC_VALUE_X).ok_or(PANIC_PARAMS)?;
    let peer_y = get_ref(params, TEE_ATTR_ECC_PUBLIC_VALUE_Y).ok_or(PANIC_PARAMS)?;
    let peer_rx = get(
        TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X,
        OPTEE_SM2_KEP_ATTR_EPHEMERAL_X,
    )
    .ok_or(PANIC_PARAMS)?;
    let peer_ry = get(
        TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y,
        OPTEE_SM2_KEP_ATTR_EPHEMERAL_Y,
    )
    .ok_or(PANIC_PARAMS)?;
    let initiator = match get_value(params, TEE_ATTR_SM2_KEP_USER) {
        None | Some((0, _)) => true,
        Some((1, _)) => false,
        Some(_) => return Err(Error::Bad),
    };
    let out = crate::sm2::Kep {
        initiator,
        d,
        x,
        y,
        r,
        rx,
        ry,
        peer_x,
        peer_y,
        peer_rx,
        peer_ry,
        id_initiator: get_ref(params, TEE_ATTR_SM2_ID_INITIATOR).unwrap_or_default(),
        id_responder: get_ref(params, TEE_ATTR_SM2_ID_RESPONDER).unwrap_or_default(),
        klen,
    }
    .run()
    .ok_or(Error::Bad)?;
    if let Some(c) = get_ref(params, TEE_ATTR_SM2_KEP_CONFIRMATION_IN) {
        if !bool::from(c.ct_eq(&out.expect[..])) {
            return Err(Error::Bad);
        }
    }
    let confirm = get_ref(params, TEE_ATTR_SM2_KEP_CONFIRMATION_OUT).map(|_| out.confirm.to_vec());
    Ok((out.key, confirm))
}
