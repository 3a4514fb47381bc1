//! SM2 (GM/T 0003-2012, GB/T 32918-2016) on the recommended 256-bit
//! curve, with OP-TEE's conventions:
//!
//! - SM2 DSA with SM3 (TEE_ALG_SM2_DSA_SM3): TEE_AsymmetricSignDigest
//!   takes the digest e = SM3(Z_A || M) that the TA computed (Z_A from
//!   its distinguishing identifier and the public key: [`za`]); the
//!   signature is r || s, 32 bytes each.
//! - SM2 PKE (TEE_ALG_SM2_PKE): the ciphertext is C1 || C2 || C3 as in
//!   OP-TEE (core/lib/libtomcrypt/sm2-pke.c) and GM/T 0003.4-2012 (GB/T
//!   32918.4-2016 and some libraries order it C1 || C3 || C2: see
//!   [`c1c3c2_to_c1c2c3`]); C1 is the uncompressed point 04 || x1 || y1,
//!   C2 the message masked with KDF(x2 || y2), C3 = SM3(x2 || M || y2).
//!
//! - SM2 KEP (TEE_ALG_SM2_KEP, GM/T 0003.3): [`Kep`], one side of the
//!   key exchange with its confirmations.
//!
//! The curve arithmetic and the signature are RustCrypto's `sm2` crate
//! (0.13, which has no encryption or key exchange); the encryption, the
//! key exchange, their KDF and Z_A are written here over that arithmetic
//! and `sm3`.

use alloc::{vec, vec::Vec};
use elliptic_curve::ff::PrimeField;
use elliptic_curve::ops::Reduce;
use elliptic_curve::point::AffineCoordinates;
use elliptic_curve::sec1::{EncodedPoint, FromEncodedPoint, ToEncodedPoint};
use rand_core::CryptoRngCore;
use sm2::{AffinePoint, FieldBytes, NonZeroScalar, ProjectivePoint, PublicKey, Scalar, U256};
use sm3::{Digest, Sm3};
use subtle::ConstantTimeEq;

/// Bytes of a coordinate or a scalar.
pub const LEN: usize = 32;

/// The curve's a, b and base point (GM/T 0003.5 / GB/T 32918.5), as Z_A
/// hashes them.
const A: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
const B: [u8; 32] = hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const GX: [u8; 32] = hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const GY: [u8; 32] = hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// `v` left-padded with zeros to `len` bytes (None if longer, leading
/// zeros aside).
fn pad(v: &[u8], len: usize) -> Option<Vec<u8>> {
    let v = &v[v.iter().position(|&b| b != 0).unwrap_or(v.len())..];
    if v.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - v.len()];
    out.extend_from_slice(v);
    Some(out)
}

fn fb(v: &[u8]) -> Option<FieldBytes> {
    pad(v, LEN).map(|p| FieldBytes::clone_from_slice(&p))
}

/// The public key (x, y), big-endian, at most 32 bytes each; None if not
/// a point of the curve (or the identity).
pub fn public(x: &[u8], y: &[u8]) -> Option<PublicKey> {
    let p = EncodedPoint::<sm2::Sm2>::from_affine_coordinates(&fb(x)?, &fb(y)?, false);
    Option::from(PublicKey::from_encoded_point(&p))
}

/// The private scalar d in [1, n - 2] (d = n - 1 has no (1 + d)^-1, so
/// GM/T 0003 excludes it).
pub fn secret(d: &[u8]) -> Option<NonZeroScalar> {
    let s: NonZeroScalar = Option::from(NonZeroScalar::from_repr(fb(d)?))?;
    if bool::from((*s + Scalar::ONE).is_zero()) {
        return None;
    }
    Some(s)
}

/// Whether d is the private key of (x, y).
pub fn check_pair(x: &[u8], y: &[u8], d: &[u8]) -> bool {
    match (public(x, y), secret(d)) {
        (Some(p), Some(s)) => PublicKey::from_secret_scalar(&s) == p,
        _ => false,
    }
}

fn coords(p: &AffinePoint) -> (Vec<u8>, Vec<u8>) {
    let e = p.to_encoded_point(false);
    (
        e.x().map(|v| v.to_vec()).unwrap_or_default(),
        e.y().map(|v| v.to_vec()).unwrap_or_default(),
    )
}

/// (d, x, y) of a fresh key pair, 32 bytes each.
pub fn generate(rng: &mut dyn CryptoRngCore) -> [Vec<u8>; 3] {
    let mut rng = rng;
    loop {
        let d = NonZeroScalar::random(&mut rng);
        if bool::from((*d + Scalar::ONE).is_zero()) {
            continue;
        }
        let (x, y) = coords(PublicKey::from_secret_scalar(&d).as_affine());
        return [d.to_repr().to_vec(), x, y];
    }
}

/// Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A), the
/// hash of the signer's identity a TA puts before the message (None for
/// an identity of 8192 bytes or more).
pub fn za(id: &[u8], x: &[u8], y: &[u8]) -> Option<[u8; 32]> {
    let entl = u16::try_from(id.len().checked_mul(8)?).ok()?;
    let mut h = Sm3::new();
    h.update(entl.to_be_bytes());
    h.update(id);
    for v in [&A, &B, &GX, &GY] {
        h.update(v);
    }
    h.update(pad(x, LEN)?);
    h.update(pad(y, LEN)?);
    Some(h.finalize().into())
}

/// SM2 signing of the digest e with the nonce k (GM/T 0003.2 6.1 steps
/// A4..A7): r || s, or None if k is unusable (r = 0, r + k = n, s = 0).
/// Exposed for known-answer tests; [`sign`] draws k itself.
pub fn sign_with_k(d: &[u8], e: &[u8], k: &[u8]) -> Option<Vec<u8>> {
    let d = secret(d)?;
    let k: NonZeroScalar = Option::from(NonZeroScalar::from_repr(fb(k)?))?;
    let e = <Scalar as Reduce<U256>>::reduce_bytes(&fb(e)?);
    let x1 = (ProjectivePoint::GENERATOR * *k).to_affine().x();
    let r = e + <Scalar as Reduce<U256>>::reduce_bytes(&x1);
    if bool::from(r.is_zero() | (r + *k).is_zero()) {
        return None;
    }
    let inv: Scalar = Option::from((*d + Scalar::ONE).invert())?;
    let s = inv * (*k - r * *d);
    if bool::from(s.is_zero()) {
        return None;
    }
    let mut out = r.to_repr().to_vec();
    out.extend_from_slice(&s.to_repr());
    Some(out)
}

/// SM2 signing of the 32-byte digest e = SM3(Z_A || M), through the
/// `sm2` crate (k from RFC 6979 with SM3, hedged with fresh random
/// bytes): r || s.
pub fn sign(d: &[u8], e: &[u8], rng: &mut dyn CryptoRngCore) -> Option<Vec<u8>> {
    use sm2::dsa::signature::hazmat::RandomizedPrehashSigner;
    let mut rng = rng;
    if e.len() != LEN {
        return None;
    }
    let sk = sm2::dsa::SigningKey::from_nonzero_scalar("", secret(d)?).ok()?;
    let sig: sm2::dsa::Signature = sk.sign_prehash_with_rng(&mut rng, e).ok()?;
    Some(sig.to_bytes().to_vec())
}

/// SM2 verification of r || s over the 32-byte digest e.
pub fn verify(x: &[u8], y: &[u8], e: &[u8], sig: &[u8]) -> bool {
    use sm2::dsa::signature::hazmat::PrehashVerifier;
    let Some(p) = public(x, y) else {
        return false;
    };
    if e.len() != LEN || sig.len() != 2 * LEN {
        return false;
    }
    let Ok(vk) = sm2::dsa::VerifyingKey::new("", p) else {
        return false;
    };
    // r and s in [1, n - 1] (Signature refuses zero and values >= n).
    let Ok(sig) = sm2::dsa::Signature::from_slice(sig) else {
        return false;
    };
    vk.verify_prehash(e, &sig).is_ok()
}

/// The KDF of GM/T 0003.4 5.4.3 with SM3: klen bytes of
/// SM3(z || ct) for ct = 1, 2, ... (32-bit big-endian).
fn kdf(z: &[u8], klen: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(klen + LEN);
    let mut ct: u32 = 1;
    while out.len() < klen {
        out.extend_from_slice(
            &Sm3::new()
                .chain_update(z)
                .chain_update(ct.to_be_bytes())
                .finalize(),
        );
        ct = ct.wrapping_add(1);
    }
    out.truncate(klen);
    out
}

/// The mask t = KDF(x2 || y2, len) and C3 = SM3(x2 || msg || y2) for the
/// shared point (x2, y2); None if t is all zero.
fn mask_and_tag(p2: &AffinePoint, msg_len: usize) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let (x2, y2) = coords(p2);
    let mut z = x2.clone();
    z.extend_from_slice(&y2);
    let t = kdf(&z, msg_len);
    if t.iter().fold(0u8, |a, b| a | b) == 0 {
        return None;
    }
    Some((t, x2, y2))
}

/// SM2 encryption with the nonce k (GM/T 0003.4 6.1 steps A2..A8):
/// C1 || C2 || C3, or None if k is unusable or the message empty.
/// Exposed for known-answer tests; [`encrypt`] draws k itself.
pub fn encrypt_with_k(x: &[u8], y: &[u8], msg: &[u8], k: &[u8]) -> Option<Vec<u8>> {
    let pb = public(x, y)?;
    let k: NonZeroScalar = Option::from(NonZeroScalar::from_repr(fb(k)?))?;
    if msg.is_empty() {
        return None;
    }
    let c1 = (ProjectivePoint::GENERATOR * *k).to_affine();
    // The cofactor is 1: [h]P_B is P_B, never the identity.
    let p2 = (ProjectivePoint::from(*pb.as_affine()) * *k).to_affine();
    let (t, x2, y2) = mask_and_tag(&p2, msg.len())?;
    let c3 = Sm3::new()
        .chain_update(&x2)
        .chain_update(msg)
        .chain_update(&y2)
        .finalize();
    let mut out = c1.to_encoded_point(false).as_bytes().to_vec();
    out.extend(msg.iter().zip(&t).map(|(m, t)| m ^ t));
    out.extend_from_slice(&c3);
    Some(out)
}

/// SM2 encryption of a non-empty message to (x, y): C1 || C2 || C3.
pub fn encrypt(x: &[u8], y: &[u8], msg: &[u8], rng: &mut dyn CryptoRngCore) -> Option<Vec<u8>> {
    let mut rng = rng;
    public(x, y)?;
    if msg.is_empty() {
        return None;
    }
    // A new k while KDF gives all zeros (probability ~2^-256 per try).
    for _ in 0..16 {
        let k = NonZeroScalar::random(&mut rng);
        if let Some(c) = encrypt_with_k(x, y, msg, &k.to_repr()) {
            return Some(c);
        }
    }
    None
}

/// The bytes SM2 encryption adds to a message (C1 and C3).
pub const OVERHEAD: usize = 1 + 2 * LEN + LEN;

/// A C1 || C3 || C2 ciphertext (GB/T 32918.4-2016's order) in OP-TEE's
/// C1 || C2 || C3 order (None if too short).
pub fn c1c3c2_to_c1c2c3(c: &[u8]) -> Option<Vec<u8>> {
    if c.len() < OVERHEAD {
        return None;
    }
    let (c1, rest) = c.split_at(1 + 2 * LEN);
    let (c3, c2) = rest.split_at(LEN);
    Some([c1, c2, c3].concat())
}

/// SM2 decryption of C1 || C2 || C3 with d (GM/T 0003.4 7.1): the
/// message, or None if C1 is not a point of the curve, the ciphertext
/// too short or C3 does not match.
pub fn decrypt(d: &[u8], c: &[u8]) -> Option<Vec<u8>> {
    let d = secret(d)?;
    if c.len() <= OVERHEAD || c[0] != 0x04 {
        return None;
    }
    let c1 = EncodedPoint::<sm2::Sm2>::from_bytes(&c[..1 + 2 * LEN]).ok()?;
    let c1: AffinePoint = Option::from(AffinePoint::from_encoded_point(&c1))?;
    let (c2, c3) = c[1 + 2 * LEN..].split_at(c.len() - OVERHEAD);
    let p2 = (ProjectivePoint::from(c1) * *d).to_affine();
    let (t, x2, y2) = mask_and_tag(&p2, c2.len())?;
    let msg: Vec<u8> = c2.iter().zip(&t).map(|(c, t)| c ^ t).collect();
    let u = Sm3::new()
        .chain_update(&x2)
        .chain_update(&msg)
        .chain_update(&y2)
        .finalize();
    if bool::from(u.as_slice().ct_eq(c3)) {
        Some(msg)
    } else {
        None
    }
}

/// x̄ = 2^w + (x mod 2^w), w = 127, of a point's x-coordinate (GM/T
/// 0003.3 6.1 A4/B3), as a scalar.
fn x_bar(x: &[u8]) -> Option<Scalar> {
    let mut b = [0u8; LEN];
    b[16..].copy_from_slice(&pad(x, LEN)?[16..]);
    b[16] |= 0x80;
    Option::from(Scalar::from_repr(b.into()))
}

/// One side of an SM2 key exchange (GM/T 0003.3 6.1), as OP-TEE's
/// TEE_ALG_SM2_KEP computes it: the own static key (d, x, y) and
/// ephemeral key (r, rx, ry), the peer's static and ephemeral public
/// keys, both identities, the role and the key length in bytes.
pub struct Kep<'a> {
    pub initiator: bool,
    pub d: &'a [u8],
    pub x: &'a [u8],
    pub y: &'a [u8],
    pub r: &'a [u8],
    pub rx: &'a [u8],
    pub ry: &'a [u8],
    pub peer_x: &'a [u8],
    pub peer_y: &'a [u8],
    pub peer_rx: &'a [u8],
    pub peer_ry: &'a [u8],
    pub id_initiator: &'a [u8],
    pub id_responder: &'a [u8],
    pub klen: usize,
}

/// The outcome of [`Kep::run`].
pub struct KepOut {
    /// The shared key (K_A or K_B).
    pub key: Vec<u8>,
    /// What the peer's confirmation must be (initiator: S_1, to compare
    /// with S_B; responder: S_2, to compare with S_A).
    pub expect: [u8; 32],
    /// This side's confirmation for the peer (initiator: S_A,
    /// responder: S_B).
    pub confirm: [u8; 32],
}

impl Kep<'_> {
    /// None if a point is not on the curve, a private value is out of
    /// range, the shared point is the identity or klen is 0.
    pub fn run(&self) -> Option<KepOut> {
        let d = secret(self.d)?;
        let r: NonZeroScalar = Option::from(NonZeroScalar::from_repr(fb(self.r)?))?;
        let own_r = public(self.rx, self.ry)?;
        if self.klen == 0 || PublicKey::from_secret_scalar(&r) != own_r {
            return None;
        }
        let peer = public(self.peer_x, self.peer_y)?;
        let peer_r = public(self.peer_rx, self.peer_ry)?;
        // t = (d + x̄_own * r) mod n; U = [h * t](P_peer + [x̄_peer] R_peer).
        let t = *d + x_bar(self.rx)? * *r;
        let sum = ProjectivePoint::from(*peer.as_affine())
            + ProjectivePoint::from(*peer_r.as_affine()) * x_bar(self.peer_rx)?;
        let u = (sum * t).to_affine();
        if bool::from(u.is_identity()) {
            return None;
        }
        let (xu, yu) = coords(&u);
        let ((xa, ya), (xb, yb), (x1, y1), (x2, y2)) = if self.initiator {
            (
                (self.x, self.y),
                (self.peer_x, self.peer_y),
                (self.rx, self.ry),
                (self.peer_rx, self.peer_ry),
            )
        } else {
            (
                (self.peer_x, self.peer_y),
                (self.x, self.y),
                (self.peer_rx, self.peer_ry),
                (self.rx, self.ry),
            )
        };
        let z_a = za(self.id_initiator, xa, ya)?;
        let z_b = za(self.id_responder, xb, yb)?;
        let mut z = xu.clone();
        z.extend_from_slice(&yu);
        z.extend_from_slice(&z_a);
        z.extend_from_slice(&z_b);
        let key = kdf(&z, self.klen);
        let mut inner = Sm3::new()
            .chain_update(&xu)
            .chain_update(z_a)
            .chain_update(z_b);
        for v in [x1, y1, x2, y2] {
            inner.update(pad(v, LEN)?);
        }
        let inner = inner.finalize();
        let s = |tag: u8| -> [u8; 32] {
            Sm3::new()
                .chain_update([tag])
                .chain_update(&yu)
                .chain_update(inner)
                .finalize()
                .into()
        };
        let (expect, confirm) = if self.initiator {
            (s(0x02), s(0x03))
        } else {
            (s(0x03), s(0x02))
        };
        Some(KepOut {
            key,
            expect,
            confirm,
        })
    }
}
