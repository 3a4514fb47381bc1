//! Post-quantum vendor extensions: ML-KEM-768 (FIPS 203) and ML-DSA-65
//! (FIPS 204), over RustCrypto's `ml-kem` (0.2) and `ml-dsa` (0.1; 0.0.4,
//! the last on this crate's sha3/rand_core versions, accepts repeated
//! hint indices and rounds UseHint wrongly at r0 = 0, as Wycheproof
//! shows).
//!
//! Keys are byte strings in the standards' encodings: ML-KEM's
//! encapsulation key ek and (semi-expanded) decapsulation key dk, or the
//! seed d || z they come from; ML-DSA's public key pk and private key sk,
//! or the seed xi. What the crates do not check on decoding is checked
//! here: the ek modulus check and the dk hash check of FIPS 203 7.2 and
//! 7.3, and for an ML-DSA private key that it belongs to its public key
//! (rho and tr) and that its s1 and s2 coefficients are in [-eta, eta].
//!
//! GP mapping (oxtee's, documented in tee_api_defines_extensions.h):
//! ML-KEM encapsulation is TEE_AsymmetricEncrypt of an empty message with
//! the public key (or the key pair), giving ciphertext || shared secret;
//! decapsulation is TEE_AsymmetricDecrypt of the ciphertext with the key
//! pair, giving the shared secret (implicit rejection: a well-formed but
//! wrong ciphertext gives FIPS 203's pseudo-random secret, a ciphertext of
//! the wrong length is CIPHERTEXT_INVALID). ML-DSA signs and verifies the
//! message itself through TEE_AsymmetricSignDigest/VerifyDigest (as
//! Ed25519 does), with an optional context and an optional switch to the
//! deterministic variant.
//!
//! Stack: the crates keep their matrices and vectors on the stack. In a
//! release build ML-DSA-65 key generation (from a seed, also when a key
//! pair is populated with its seed) takes up to ~320 KiB, signing ~240
//! KiB, verification ~128 KiB; ML-KEM-768 under 48 KiB. A TA that uses
//! ML-DSA needs a stack that large (the test TAs declare 256 KiB, on top
//! of the daemon's 256 KiB overhead).

use alloc::{vec, vec::Vec};
use ml_dsa::MlDsa65;
use ml_kem::kem::{Decapsulate, Encapsulate};
use ml_kem::{EncapsulateDeterministic, EncodedSizeUser, KemCore, MlKem768};
use rand_core::CryptoRngCore;
use sha3::digest::{ExtendableOutput, Update, XofReader};
use sha3::{Digest, Sha3_256, Shake256};

/// ML-KEM-768 sizes (bytes).
pub const MLKEM768_EK_LEN: usize = 1184;
pub const MLKEM768_DK_LEN: usize = 2400;
pub const MLKEM768_CT_LEN: usize = 1088;
pub const MLKEM_SS_LEN: usize = 32;
pub const MLKEM_SEED_LEN: usize = 64;
/// The GP key size of ML-KEM-768 (256 * k, k = 3).
pub const MLKEM768_BITS: u32 = 768;

/// ML-DSA-65 sizes (bytes).
pub const MLDSA65_PK_LEN: usize = 1952;
pub const MLDSA65_SK_LEN: usize = 4032;
pub const MLDSA65_SIG_LEN: usize = 3309;
pub const MLDSA_SEED_LEN: usize = 32;
/// The GP key size of ML-DSA-65 (256 * k, k = 6).
pub const MLDSA65_BITS: u32 = 1536;

type Dk = <MlKem768 as KemCore>::DecapsulationKey;
type Ek = <MlKem768 as KemCore>::EncapsulationKey;

/// FIPS 203 7.2 modulus check: every 12-bit coefficient of the encoded
/// vector below q = 3329.
fn coefficients_reduced(t: &[u8]) -> bool {
    t.chunks_exact(3).all(|c| {
        let a = u16::from(c[0]) | (u16::from(c[1] & 0x0F) << 8);
        let b = u16::from(c[1] >> 4) | (u16::from(c[2]) << 4);
        a < 3329 && b < 3329
    })
}

/// Whether ek is an ML-KEM-768 encapsulation key (length and modulus
/// check).
pub fn mlkem_check_ek(ek: &[u8]) -> bool {
    ek.len() == MLKEM768_EK_LEN && coefficients_reduced(&ek[..MLKEM768_EK_LEN - 32])
}

/// Whether dk is an ML-KEM-768 decapsulation key: its length, the hash
/// check of FIPS 203 7.3 (H(ek) as stored), and the modulus check of the
/// ek inside it.
pub fn mlkem_check_dk(dk: &[u8]) -> bool {
    if dk.len() != MLKEM768_DK_LEN {
        return false;
    }
    let ek = mlkem_dk_ek(dk);
    let h = &dk[MLKEM768_DK_LEN - 64..MLKEM768_DK_LEN - 32];
    mlkem_check_ek(ek) && Sha3_256::digest(ek).as_slice() == h
}

/// The encapsulation key inside a (checked-length) decapsulation key.
pub fn mlkem_dk_ek(dk: &[u8]) -> &[u8] {
    &dk[1152..1152 + MLKEM768_EK_LEN]
}

/// (dk, ek) from the seed d || z (ML-KEM.KeyGen_internal).
pub fn mlkem_from_seed(seed: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    if seed.len() != MLKEM_SEED_LEN {
        return None;
    }
    let d = ml_kem::B32::try_from(&seed[..32]).ok()?;
    let z = ml_kem::B32::try_from(&seed[32..]).ok()?;
    let (dk, ek) = MlKem768::generate_deterministic(&d, &z);
    Some((dk.as_bytes().to_vec(), ek.as_bytes().to_vec()))
}

/// A fresh key: (seed, dk, ek).
pub fn mlkem_generate(rng: &mut dyn CryptoRngCore) -> [Vec<u8>; 3] {
    let mut seed = vec![0u8; MLKEM_SEED_LEN];
    rng.fill_bytes(&mut seed);
    let (dk, ek) = mlkem_from_seed(&seed).unwrap_or_default();
    [seed, dk, ek]
}

/// Encapsulation to ek (checked): ciphertext || shared secret. With `m`,
/// ML-KEM.Encaps_internal with that randomness (known-answer tests).
pub fn mlkem_encaps(ek: &[u8], m: Option<&[u8]>, rng: &mut dyn CryptoRngCore) -> Option<Vec<u8>> {
    let mut rng = rng;
    if !mlkem_check_ek(ek) {
        return None;
    }
    let ek = Ek::from_bytes(&ml_kem::Encoded::<Ek>::try_from(ek).ok()?);
    let (ct, ss) = match m {
        Some(m) => ek
            .encapsulate_deterministic(&ml_kem::B32::try_from(m).ok()?)
            .ok()?,
        None => ek.encapsulate(&mut rng).ok()?,
    };
    let mut out = ct.to_vec();
    out.extend_from_slice(&ss);
    Some(out)
}

/// Decapsulation of ct with dk (checked): the shared secret, None for a
/// ciphertext of the wrong length.
pub fn mlkem_decaps(dk: &[u8], ct: &[u8]) -> Option<Vec<u8>> {
    if ct.len() != MLKEM768_CT_LEN {
        return None;
    }
    let dk = Dk::from_bytes(&ml_kem::Encoded::<Dk>::try_from(dk).ok()?);
    let ct = ml_kem::Ciphertext::<MlKem768>::try_from(ct).ok()?;
    dk.decapsulate(&ct).ok().map(|s| s.to_vec())
}

/// (sk, pk) from the seed xi (ML-DSA.KeyGen_internal).
pub fn mldsa_from_seed(xi: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let xi = ml_dsa::Seed::try_from(xi).ok()?;
    let sk = ml_dsa::SigningKey::<MlDsa65>::from_seed(&xi);
    #[allow(deprecated)] // skEncode: the expanded form GP objects may hold
    let expanded = sk.expanded_key().to_expanded().to_vec();
    Some((
        expanded,
        sk.expanded_key().verifying_key().encode().to_vec(),
    ))
}

/// A fresh key: (seed, sk, pk).
pub fn mldsa_generate(rng: &mut dyn CryptoRngCore) -> [Vec<u8>; 3] {
    let mut xi = vec![0u8; MLDSA_SEED_LEN];
    rng.fill_bytes(&mut xi);
    let (sk, pk) = mldsa_from_seed(&xi).unwrap_or_default();
    [xi, sk, pk]
}

/// Whether pk has ML-DSA-65's length (every such string decodes).
pub fn mldsa_check_pk(pk: &[u8]) -> bool {
    pk.len() == MLDSA65_PK_LEN
}

/// The public key of the ML-DSA-65 private key sk (None if sk is not
/// one: its length, s1 and s2 coefficients outside [-4, 4] (eta = 4:
/// every 4-bit value at most 8), or tr not H(pk, 64) of the public key it
/// gives). The crate's skDecode checks none of this and may panic on keys
/// that fail the ranges.
pub fn mldsa_pk_of_sk(sk: &[u8]) -> Option<Vec<u8>> {
    if sk.len() != MLDSA65_SK_LEN {
        return None;
    }
    // rho (32) || K (32) || tr (64) || s1 (5 * 128) || s2 (6 * 128) || t0.
    if !sk[128..128 + 11 * 128]
        .iter()
        .all(|b| b & 0x0F <= 8 && b >> 4 <= 8)
    {
        return None;
    }
    let pk = mldsa_sk(sk)?.verifying_key().encode().to_vec();
    let mut tr = [0u8; 64];
    let mut h = Shake256::default();
    h.update(&pk);
    h.finalize_xof().read(&mut tr);
    (sk[64..128] == tr).then_some(pk)
}

/// Whether sk is an ML-DSA-65 private key of pk ([`mldsa_pk_of_sk`]).
pub fn mldsa_check_sk(sk: &[u8], pk: &[u8]) -> bool {
    mldsa_pk_of_sk(sk).is_some_and(|p| p == pk)
}

fn mldsa_sk(sk: &[u8]) -> Option<ml_dsa::ExpandedSigningKey<MlDsa65>> {
    let enc = ml_dsa::ExpandedSigningKeyBytes::<MlDsa65>::try_from(sk).ok()?;
    #[allow(deprecated)] // ranges checked by mldsa_pk_of_sk when populated
    Some(ml_dsa::ExpandedSigningKey::from_expanded(&enc))
}

/// ML-DSA-65 signature of msg with the context ctx (at most 255 bytes):
/// hedged (rnd from `rng`), or with rnd = 0 if `deterministic`.
pub fn mldsa_sign(
    sk: &[u8],
    msg: &[u8],
    ctx: &[u8],
    deterministic: bool,
    rng: &mut dyn CryptoRngCore,
) -> Option<Vec<u8>> {
    let k = mldsa_sk(sk)?;
    let ctx_len = u8::try_from(ctx.len()).ok()?;
    let mut rnd = ml_dsa::B32::default();
    if !deterministic {
        rng.fill_bytes(&mut rnd);
    }
    // ML-DSA.Sign: M' = 0 || |ctx| || ctx || M.
    let sig = k.sign_internal(&[&[0], &[ctx_len], ctx, msg], &rnd);
    Some(sig.encode().to_vec())
}

/// ML-DSA-65 verification.
pub fn mldsa_verify(pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
    let Ok(enc) = ml_dsa::EncodedVerifyingKey::<MlDsa65>::try_from(pk) else {
        return false;
    };
    let Ok(s) = ml_dsa::EncodedSignature::<MlDsa65>::try_from(sig) else {
        return false;
    };
    let Some(s) = ml_dsa::Signature::<MlDsa65>::decode(&s) else {
        return false;
    };
    ml_dsa::VerifyingKey::<MlDsa65>::decode(&enc).verify_with_context(msg, ctx, &s)
}
