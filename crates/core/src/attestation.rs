//! Attestation: what the core signs about itself and its TAs, with keys
//! derived from the hardware-unique key (HUK).
//!
//! Two forms, both tiers:
//!
//! * OP-TEE's attestation PTA (`pta_attestation.h`): a SHA-256
//!   measurement followed by an RSASSA-PSS (SHA-256, salt 32) signature
//!   over `SHA-256(nonce || measurement)`, under an RSA-3072 key. OP-TEE
//!   generates that key once and keeps it in secure storage; here it is
//!   generated from a ChaCha20 stream seeded by the HUK, so it is the same
//!   on every start without being stored.
//! * The Arm PSA attestation token (RFC 9783): an EAT in a COSE_Sign1
//!   (ES256, P-256 key derived from the HUK) with the challenge, instance
//!   ID (0x01 || SHA-256 of the public key), implementation ID, security
//!   lifecycle, boot seed, client ID and one software component per
//!   measured item.
//!
//! [`verify_psa_token`] is oxtee's own check (`oxtee attest`); the tests
//! check tokens with an independent COSE implementation.

use alloc::string::String;
use alloc::vec::Vec;
use hkdf::Hkdf;
use minicbor::data::{Tag, Type};
use minicbor::{Decoder, Encoder};
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use rand_core::SeedableRng;
use rsa::{Pss, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// Size of the RSA attestation key (OP-TEE's default,
/// `CFG_ATTESTATION_PTA_KEY_SIZE`).
pub const RSA_BITS: usize = 3072;
/// The PSA profile of RFC 9783.
pub const PSA_PROFILE: &str = "tag:psacertified.org,2023:psa#tfm";
/// Lifecycle states (RFC 9783, 4.2.5): the major state in bits 15..8.
pub const LIFECYCLE_SECURED: u32 = 0x3000;
pub const LIFECYCLE_NON_PSA_ROT_DEBUG: u32 = 0x4000;

const SALT: &[u8] = b"oxtee-attestation-v1";

// Claim keys (RFC 9783, EAT).
const K_NONCE: i64 = 10;
const K_UEID: i64 = 256;
const K_PROFILE: i64 = 265;
const K_CLIENT_ID: i64 = 2394;
const K_LIFECYCLE: i64 = 2395;
const K_IMPLEMENTATION_ID: i64 = 2396;
const K_BOOT_SEED: i64 = 2397;
const K_SW_COMPONENTS: i64 = 2399;
// Software component keys.
const C_TYPE: i64 = 1;
const C_VALUE: i64 = 2;
const C_VERSION: i64 = 4;
const C_SIGNER: i64 = 5;
const C_DESC: i64 = 6;
/// COSE's ES256 and the COSE_Sign1 tag.
const ES256: i64 = -7;
const COSE_SIGN1: u64 = 18;

/// One measured software component.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// What it is (`oxtee-core`, `TA:<uuid>`).
    pub measurement_type: String,
    /// Its SHA-256 measurement.
    pub value: [u8; 32],
    pub version: String,
    /// Who signed it (the key id of its signer), when it is signed.
    pub signer_id: Option<[u8; 32]>,
}

/// The claims of a PSA token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// The verifier's challenge: 32, 48 or 64 bytes.
    pub nonce: Vec<u8>,
    /// 0x01 || SHA-256 of the attestation public key.
    pub instance_id: [u8; 33],
    pub implementation_id: [u8; 32],
    pub lifecycle: u32,
    /// Who asked: negative for the normal world, positive for a TA.
    pub client_id: i32,
    /// Random at each start of the secure world.
    pub boot_seed: [u8; 32],
    pub components: Vec<Component>,
}

/// Why a token does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Not a COSE_Sign1 of the expected shape.
    Malformed,
    /// Not signed with ES256.
    Algorithm,
    /// The signature does not verify with the key given.
    Signature,
    /// The claims do not follow the PSA profile.
    Claims,
}

/// The RSA key of OP-TEE's signed measurements.
pub struct RsaKey(RsaPrivateKey);

/// The ES256 key of PSA tokens.
pub struct PsaKey(SigningKey);

impl RsaKey {
    /// The key the HUK gives (the same one every time). It takes a while
    /// to generate (about a second of CPU here).
    pub fn derive(huk: &[u8; 32]) -> RsaKey {
        let hk = Hkdf::<Sha256>::new(Some(SALT), huk);
        let mut seed = zeroize::Zeroizing::new([0u8; 32]);
        hk.expand(b"rsa-key", &mut seed[..])
            .expect("32 bytes is a valid length");
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(*seed);
        RsaKey(RsaPrivateKey::new(&mut rng, RSA_BITS).expect("RSA key generation"))
    }

    /// Its public half (OP-TEE's GET_PUBKEY).
    pub fn public(&self) -> RsaPublicKey {
        self.0.to_public_key()
    }

    /// Its public half as exponent and modulus (big-endian bytes).
    pub fn public_parts(&self) -> (Vec<u8>, Vec<u8>) {
        use rsa::traits::PublicKeyParts;
        (self.0.e().to_bytes_be(), self.0.n().to_bytes_be())
    }

    /// [`RsaKey::sign_measurement`] with the salt drawn from a generator
    /// seeded by `seed`.
    pub fn sign_measurement_seeded(
        &self,
        nonce: &[u8],
        measurement: &[u8; 32],
        seed: [u8; 32],
    ) -> Vec<u8> {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        self.sign_measurement(nonce, measurement, &mut rng)
    }

    /// OP-TEE's signed measurement: `measurement` followed by the
    /// RSASSA-PSS signature of `SHA-256(nonce || measurement)`.
    pub fn sign_measurement(
        &self,
        nonce: &[u8],
        measurement: &[u8; 32],
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Vec<u8> {
        let h: [u8; 32] = Sha256::new()
            .chain_update(nonce)
            .chain_update(measurement)
            .finalize()
            .into();
        let sig = self
            .0
            .sign_with_rng(rng, Pss::new_with_salt::<Sha256>(32), &h)
            .expect("a 32-byte digest fits the key");
        let mut out = measurement.to_vec();
        out.extend_from_slice(&sig);
        out
    }
}

impl PsaKey {
    /// The key the HUK gives (the same one every time; cheap).
    pub fn derive(huk: &[u8; 32]) -> PsaKey {
        let hk = Hkdf::<Sha256>::new(Some(SALT), huk);
        // A scalar in [1, n): HKDF output, tried again in the (2^-32
        // likely) case it is not one.
        let mut counter = 0u32;
        loop {
            let mut k = zeroize::Zeroizing::new([0u8; 32]);
            hk.expand_multi_info(&[b"psa-es256", &counter.to_be_bytes()], &mut k[..])
                .expect("32 bytes is a valid length");
            if let Ok(key) = SigningKey::from_bytes(&(*k).into()) {
                return PsaKey(key);
            }
            counter += 1;
        }
    }

    /// Its public key: an uncompressed SEC1 point.
    pub fn public(&self) -> [u8; 65] {
        let p = self.0.verifying_key().to_encoded_point(false);
        let mut out = [0u8; 65];
        out.copy_from_slice(p.as_bytes());
        out
    }

    /// The instance ID of this device's tokens.
    pub fn instance_id(&self) -> [u8; 33] {
        instance_id(&self.public())
    }

    /// The PSA token (COSE_Sign1, ES256) of `claims`.
    pub fn token(&self, claims: &Claims) -> Vec<u8> {
        self.sign_payload(&encode_claims(claims))
    }

    /// The PSA token (COSE_Sign1, ES256) of claims already encoded
    /// ([`encode_claims`]).
    pub fn sign_payload(&self, payload: &[u8]) -> Vec<u8> {
        let protected = protected_header();
        let tbs = sig_structure(&protected, payload);
        let sig: Signature = self.0.sign(&tbs);
        let mut e = Encoder::new(Vec::new());
        e.tag(Tag::new(COSE_SIGN1))
            .and_then(|e| e.array(4))
            .and_then(|e| e.bytes(&protected))
            .and_then(|e| e.map(0))
            .and_then(|e| e.bytes(payload))
            .and_then(|e| e.bytes(&sig.to_bytes()))
            .expect("writing to a Vec");
        e.into_writer()
    }
}

/// The instance ID for an attestation public key (SEC1 bytes).
pub fn instance_id(public: &[u8]) -> [u8; 33] {
    let mut id = [0u8; 33];
    id[0] = 0x01;
    id[1..].copy_from_slice(&Sha256::digest(public));
    id
}

/// The protected header: `{1: -7}` (alg: ES256).
fn protected_header() -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(1)
        .and_then(|e| e.i64(1))
        .and_then(|e| e.i64(ES256))
        .expect("writing to a Vec");
    e.into_writer()
}

/// COSE's `Sig_structure` for a COSE_Sign1 without external data.
fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.array(4)
        .and_then(|e| e.str("Signature1"))
        .and_then(|e| e.bytes(protected))
        .and_then(|e| e.bytes(&[]))
        .and_then(|e| e.bytes(payload))
        .expect("writing to a Vec");
    e.into_writer()
}

/// The claims of a token as its payload (a CBOR map).
pub fn encode_claims(c: &Claims) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    let r = (|| {
        e.map(8)?;
        e.i64(K_PROFILE)?.str(PSA_PROFILE)?;
        e.i64(K_CLIENT_ID)?.i32(c.client_id)?;
        e.i64(K_LIFECYCLE)?.u32(c.lifecycle)?;
        e.i64(K_IMPLEMENTATION_ID)?.bytes(&c.implementation_id)?;
        e.i64(K_BOOT_SEED)?.bytes(&c.boot_seed)?;
        e.i64(K_SW_COMPONENTS)?.array(c.components.len() as u64)?;
        for s in &c.components {
            e.map(if s.signer_id.is_some() { 5 } else { 4 })?;
            e.i64(C_TYPE)?.str(&s.measurement_type)?;
            e.i64(C_VALUE)?.bytes(&s.value)?;
            e.i64(C_VERSION)?.str(&s.version)?;
            if let Some(id) = &s.signer_id {
                e.i64(C_SIGNER)?.bytes(id)?;
            }
            e.i64(C_DESC)?.str("sha-256")?;
        }
        e.i64(K_NONCE)?.bytes(&c.nonce)?;
        e.i64(K_UEID)?.bytes(&c.instance_id)?;
        Ok::<(), minicbor::encode::Error<core::convert::Infallible>>(())
    })();
    r.expect("writing to a Vec");
    e.into_writer()
}

/// Verify a PSA token against an attestation public key (SEC1 bytes)
/// and return its claims, checked against the PSA profile (every
/// mandatory claim present once, of its type and size; the instance ID
/// that of this key).
pub fn verify_psa_token(public: &[u8], token: &[u8]) -> Result<Claims, TokenError> {
    use TokenError::{Algorithm, Claims, Malformed};
    let key = VerifyingKey::from_sec1_bytes(public).map_err(|_| TokenError::Signature)?;
    let mut d = Decoder::new(token);
    let m = |_| Malformed;
    if d.tag().map_err(m)? != Tag::new(COSE_SIGN1) || d.array().map_err(m)? != Some(4) {
        return Err(Malformed);
    }
    let protected = d.bytes().map_err(m)?;
    // The unprotected header: a map, skipped.
    if d.datatype().map_err(m)? != Type::Map {
        return Err(Malformed);
    }
    d.skip().map_err(m)?;
    let payload = d.bytes().map_err(m)?;
    let sig = d.bytes().map_err(m)?;
    if d.position() != token.len() {
        return Err(Malformed);
    }
    // The protected header must name ES256 and nothing else.
    let mut h = Decoder::new(protected);
    if h.map().map_err(m)? != Some(1)
        || h.i64().map_err(m)? != 1
        || h.i64().map_err(|_| Algorithm)? != ES256
        || h.position() != protected.len()
    {
        return Err(Algorithm);
    }
    let sig = p256::ecdsa::Signature::from_slice(sig).map_err(|_| TokenError::Signature)?;
    key.verify(&sig_structure(protected, payload), &sig)
        .map_err(|_| TokenError::Signature)?;
    let claims = decode_claims(payload).ok_or(Claims)?;
    if claims.instance_id != instance_id(public) {
        return Err(Claims);
    }
    Ok(claims)
}

fn decode_claims(payload: &[u8]) -> Option<Claims> {
    let mut d = Decoder::new(payload);
    let n = d.map().ok()??;
    let mut seen = Vec::new();
    let (mut nonce, mut ueid, mut profile, mut client, mut life) = (None, None, None, None, None);
    let (mut implementation, mut seed, mut components) = (None, None, None);
    for _ in 0..n {
        let k = d.i64().ok()?;
        if seen.contains(&k) {
            return None;
        }
        seen.push(k);
        match k {
            K_NONCE => nonce = Some(d.bytes().ok()?.to_vec()),
            K_UEID => ueid = Some(<[u8; 33]>::try_from(d.bytes().ok()?).ok()?),
            K_PROFILE => profile = Some(d.str().ok()?),
            K_CLIENT_ID => client = Some(d.i32().ok()?),
            K_LIFECYCLE => life = Some(d.u32().ok()?),
            K_IMPLEMENTATION_ID => {
                implementation = Some(<[u8; 32]>::try_from(d.bytes().ok()?).ok()?)
            }
            K_BOOT_SEED => seed = Some(<[u8; 32]>::try_from(d.bytes().ok()?).ok()?),
            K_SW_COMPONENTS => {
                let count = d.array().ok()??;
                let mut v = Vec::new();
                for _ in 0..count {
                    v.push(decode_component(&mut d)?);
                }
                components = Some(v);
            }
            _ => d.skip().ok()?,
        }
    }
    let nonce = nonce?;
    let components = components?;
    if d.position() != payload.len()
        || profile? != PSA_PROFILE
        || ![32, 48, 64].contains(&nonce.len())
        || components.is_empty()
    {
        return None;
    }
    Some(Claims {
        nonce,
        instance_id: ueid?,
        implementation_id: implementation?,
        lifecycle: life?,
        client_id: client?,
        boot_seed: seed?,
        components,
    })
}

fn decode_component(d: &mut Decoder<'_>) -> Option<Component> {
    let n = d.map().ok()??;
    let (mut t, mut value, mut version, mut signer) = (None, None, None, None);
    for _ in 0..n {
        match d.i64().ok()? {
            C_TYPE => t = Some(String::from(d.str().ok()?)),
            C_VALUE => value = Some(<[u8; 32]>::try_from(d.bytes().ok()?).ok()?),
            C_VERSION => version = Some(String::from(d.str().ok()?)),
            C_SIGNER => signer = Some(<[u8; 32]>::try_from(d.bytes().ok()?).ok()?),
            C_DESC => {
                if d.str().ok()? != "sha-256" {
                    return None;
                }
            }
            _ => d.skip().ok()?,
        }
    }
    Some(Component {
        measurement_type: t?,
        value: value?,
        version: version.unwrap_or_default(),
        signer_id: signer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use std::sync::OnceLock;

    fn rsa() -> &'static RsaKey {
        static K: OnceLock<RsaKey> = OnceLock::new();
        K.get_or_init(|| RsaKey::derive(&[0x42; 32]))
    }

    fn claims(k: &PsaKey) -> Claims {
        Claims {
            nonce: vec![7; 32],
            instance_id: k.instance_id(),
            implementation_id: [1; 32],
            lifecycle: LIFECYCLE_NON_PSA_ROT_DEBUG,
            client_id: -1,
            boot_seed: [2; 32],
            components: vec![
                Component {
                    measurement_type: "oxtee-core".into(),
                    value: [3; 32],
                    version: "0.1.0".into(),
                    signer_id: None,
                },
                Component {
                    measurement_type: "TA:x".into(),
                    value: [4; 32],
                    version: "2".into(),
                    signer_id: Some([5; 32]),
                },
            ],
        }
    }

    #[test]
    fn keys_are_a_function_of_the_huk() {
        let (a, b) = (PsaKey::derive(&[0x42; 32]), PsaKey::derive(&[0x42; 32]));
        assert_eq!(a.public(), b.public());
        assert_ne!(a.public(), PsaKey::derive(&[0x43; 32]).public());
        let r = rsa();
        assert_eq!(r.public(), RsaKey::derive(&[0x42; 32]).public());
        assert_ne!(r.public(), RsaKey::derive(&[0x43; 32]).public());
        assert_eq!(rsa::traits::PublicKeyParts::size(&r.public()), RSA_BITS / 8);
    }

    #[test]
    fn a_token_verifies_and_a_changed_one_does_not() {
        let k = &PsaKey::derive(&[0x42; 32]);
        let c = claims(k);
        let t = k.token(&c);
        assert_eq!(verify_psa_token(&k.public(), &t), Ok(c.clone()));
        // Every byte matters.
        for i in 0..t.len() {
            let mut bad = t.clone();
            bad[i] ^= 0x01;
            assert!(verify_psa_token(&k.public(), &bad).is_err(), "byte {i}");
        }
        // Another device's key.
        let other = PsaKey::derive(&[0x43; 32]);
        assert_eq!(
            verify_psa_token(&other.public(), &t),
            Err(TokenError::Signature)
        );
        // Trailing bytes, truncation.
        let mut long = t.clone();
        long.push(0);
        assert!(verify_psa_token(&k.public(), &long).is_err());
        assert!(verify_psa_token(&k.public(), &t[..t.len() - 1]).is_err());
        // A bad nonce size is outside the profile, even when signed.
        let mut c2 = c;
        c2.nonce = vec![1; 31];
        let t2 = k.token(&c2);
        assert_eq!(verify_psa_token(&k.public(), &t2), Err(TokenError::Claims));
    }

    #[test]
    fn measurements_are_signed_as_optee_signs_them() {
        let k = rsa();
        let m = [9u8; 32];
        let out = k.sign_measurement(b"nonce", &m, &mut rand_core::OsRng);
        assert_eq!(out.len(), 32 + RSA_BITS / 8);
        assert_eq!(out[..32], m);
        let h: [u8; 32] = Sha256::new()
            .chain_update(b"nonce")
            .chain_update(m)
            .finalize()
            .into();
        let public = k.public();
        assert!(
            public
                .verify(Pss::new_with_salt::<Sha256>(32), &h, &out[32..])
                .is_ok()
        );
        let h2: [u8; 32] = Sha256::new()
            .chain_update(b"nonc3")
            .chain_update(m)
            .finalize()
            .into();
        assert!(
            public
                .verify(Pss::new_with_salt::<Sha256>(32), &h2, &out[32..])
                .is_err()
        );
    }
}
