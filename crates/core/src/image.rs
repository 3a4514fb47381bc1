//! Signed TA images in OP-TEE's layout.
//!
//! ```text
//! struct shdr {                  // little-endian
//!     u32 magic;                 // 0x4f545348 ("OTSH")
//!     u32 img_type;              // 1 = SHDR_BOOTSTRAP_TA
//!     u32 img_size;              // size of the ELF that follows
//!     u32 algo;                  // TEE_ALG_RSASSA_PKCS1_{PSS_MGF1,V1_5}_SHA256
//!     u16 hash_size;             // 32
//!     u16 sig_size;              // modulus size in bytes
//! };
//! u8  hash[hash_size];           // SHA-256(shdr || uuid || ta_version || elf)
//! u8  sig[sig_size];             // RSA signature over hash
//! struct shdr_bootstrap_ta { u8 uuid[16]; u32 ta_version; };
//! u8  elf[img_size];             // the TA, an ELF built for the host
//! ```
//!
//! Verification works on bytes already in memory; the caller executes
//! exactly the `elf` slice of the buffer it verified.

use oxtee_proto::Uuid;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

pub const SHDR_MAGIC: u32 = 0x4f54_5348;
pub const SHDR_TA: u32 = 0;
pub const SHDR_BOOTSTRAP_TA: u32 = 1;
pub const SHDR_ENCRYPTED_TA: u32 = 2;
pub const ALG_RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;
pub const ALG_RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;

const SHDR_LEN: usize = 20;
const BOOTSTRAP_LEN: usize = 20;
const HASH_LEN: usize = 32;
/// Largest TA image accepted (the ELF plus headers).
pub const MAX_IMAGE: usize = 256 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image is truncated")]
    Truncated,
    #[error("image is too large")]
    TooLarge,
    #[error("bad magic 0x{0:08x} (not a signed TA)")]
    BadMagic(u32),
    #[error("unsupported image type {0} (only bootstrap TAs are supported)")]
    UnsupportedType(u32),
    #[error("unsupported signature algorithm 0x{0:08x}")]
    UnsupportedAlgorithm(u32),
    #[error("image size field does not match the file")]
    SizeMismatch,
    #[error("hash mismatch: the image was modified after signing")]
    HashMismatch,
    #[error("signature does not verify with any trusted key")]
    BadSignature,
    #[error("no trusted TA signing key is configured")]
    NoKeys,
    #[error("signing failed: {0}")]
    Sign(String),
}

/// The parsed parts of a signed image, borrowing the image buffer.
#[derive(Debug, Clone, Copy)]
pub struct SignedImage<'a> {
    pub img_type: u32,
    pub algo: u32,
    pub hash: &'a [u8],
    pub sig: &'a [u8],
    pub uuid: Uuid,
    pub ta_version: u32,
    pub elf: &'a [u8],
    signed_header: &'a [u8],
    bootstrap: &'a [u8],
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// Parse the layout without checking the signature.
pub fn parse(bytes: &[u8]) -> Result<SignedImage<'_>, ImageError> {
    if bytes.len() > MAX_IMAGE {
        return Err(ImageError::TooLarge);
    }
    if bytes.len() < SHDR_LEN {
        return Err(ImageError::Truncated);
    }
    let magic = le32(bytes, 0);
    if magic != SHDR_MAGIC {
        return Err(ImageError::BadMagic(magic));
    }
    let img_type = le32(bytes, 4);
    if img_type != SHDR_BOOTSTRAP_TA {
        return Err(ImageError::UnsupportedType(img_type));
    }
    let img_size = le32(bytes, 8) as usize;
    let algo = le32(bytes, 12);
    if algo != ALG_RSASSA_PKCS1_V1_5_SHA256 && algo != ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 {
        return Err(ImageError::UnsupportedAlgorithm(algo));
    }
    let hash_size = le16(bytes, 16) as usize;
    let sig_size = le16(bytes, 18) as usize;
    if hash_size != HASH_LEN {
        return Err(ImageError::UnsupportedAlgorithm(algo));
    }
    let hash_end = SHDR_LEN + hash_size;
    let sig_end = hash_end + sig_size;
    let boot_end = sig_end + BOOTSTRAP_LEN;
    if bytes.len() < boot_end {
        return Err(ImageError::Truncated);
    }
    let elf = &bytes[boot_end..];
    if elf.len() < img_size {
        return Err(ImageError::Truncated);
    }
    if elf.len() != img_size {
        return Err(ImageError::SizeMismatch);
    }
    let bootstrap = &bytes[sig_end..boot_end];
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&bootstrap[..16]);
    Ok(SignedImage {
        img_type,
        algo,
        hash: &bytes[SHDR_LEN..hash_end],
        sig: &bytes[hash_end..sig_end],
        uuid: Uuid(uuid),
        ta_version: le32(bootstrap, 16),
        elf,
        signed_header: &bytes[..SHDR_LEN],
        bootstrap,
    })
}

fn digest(header: &[u8], bootstrap: &[u8], elf: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(header);
    h.update(bootstrap);
    h.update(elf);
    h.finalize().into()
}

/// Parse and verify an image against the trusted keys.
pub fn verify<'a>(bytes: &'a [u8], keys: &[RsaPublicKey]) -> Result<SignedImage<'a>, ImageError> {
    let img = parse(bytes)?;
    if keys.is_empty() {
        return Err(ImageError::NoKeys);
    }
    let computed = digest(img.signed_header, img.bootstrap, img.elf);
    if computed.as_slice() != img.hash {
        return Err(ImageError::HashMismatch);
    }
    for key in keys {
        let ok = match img.algo {
            ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => key
                .verify(Pss::new_with_salt::<Sha256>(HASH_LEN), &computed, img.sig)
                .is_ok(),
            _ => key
                .verify(Pkcs1v15Sign::new::<Sha256>(), &computed, img.sig)
                .is_ok(),
        };
        if ok {
            return Ok(img);
        }
    }
    Err(ImageError::BadSignature)
}

/// Produce a signed bootstrap image of `elf`.
pub fn sign(
    elf: &[u8],
    uuid: Uuid,
    ta_version: u32,
    key: &RsaPrivateKey,
    algo: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, ImageError> {
    use rsa::traits::PublicKeyParts;
    if elf.len() + 4096 > MAX_IMAGE {
        return Err(ImageError::TooLarge);
    }
    let sig_size = key.size();
    let mut header = Vec::with_capacity(SHDR_LEN);
    header.extend_from_slice(&SHDR_MAGIC.to_le_bytes());
    header.extend_from_slice(&SHDR_BOOTSTRAP_TA.to_le_bytes());
    header.extend_from_slice(&(elf.len() as u32).to_le_bytes());
    header.extend_from_slice(&algo.to_le_bytes());
    header.extend_from_slice(&(HASH_LEN as u16).to_le_bytes());
    header.extend_from_slice(&(sig_size as u16).to_le_bytes());
    let mut bootstrap = Vec::with_capacity(BOOTSTRAP_LEN);
    bootstrap.extend_from_slice(&uuid.0);
    bootstrap.extend_from_slice(&ta_version.to_le_bytes());
    let hash = digest(&header, &bootstrap, elf);
    let sig = match algo {
        ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => key
            .sign_with_rng(rng, Pss::new_with_salt::<Sha256>(HASH_LEN), &hash)
            .map_err(|e| ImageError::Sign(e.to_string()))?,
        ALG_RSASSA_PKCS1_V1_5_SHA256 => key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &hash)
            .map_err(|e| ImageError::Sign(e.to_string()))?,
        other => return Err(ImageError::UnsupportedAlgorithm(other)),
    };
    let mut out = Vec::with_capacity(SHDR_LEN + HASH_LEN + sig.len() + BOOTSTRAP_LEN + elf.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&hash);
    out.extend_from_slice(&sig);
    out.extend_from_slice(&bootstrap);
    out.extend_from_slice(elf);
    Ok(out)
}

/// Load an RSA private key from PEM (PKCS#8 or PKCS#1).
pub fn private_key_from_pem(pem: &str) -> Result<RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an RSA private key in PEM: {e}"))
}

/// Load an RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1), or
/// the public half of a private key.
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .or_else(|_| private_key_from_pem(pem).map(|k| k.to_public_key()))
        .map_err(|e| format!("not an RSA key in PEM: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn key() -> &'static RsaPrivateKey {
        static K: OnceLock<RsaPrivateKey> = OnceLock::new();
        K.get_or_init(|| RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap())
    }

    fn other_key() -> &'static RsaPrivateKey {
        static K: OnceLock<RsaPrivateKey> = OnceLock::new();
        K.get_or_init(|| RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap())
    }

    const U: Uuid = Uuid([7; 16]);

    fn signed(algo: u32) -> Vec<u8> {
        sign(
            b"\x7fELF pretend elf bytes",
            U,
            3,
            key(),
            algo,
            &mut rand_core::OsRng,
        )
        .unwrap()
    }

    #[test]
    fn sign_verify_both_algorithms() {
        let pubk = [key().to_public_key()];
        for algo in [
            ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            ALG_RSASSA_PKCS1_V1_5_SHA256,
        ] {
            let img = signed(algo);
            let v = verify(&img, &pubk).unwrap();
            assert_eq!(v.uuid, U);
            assert_eq!(v.ta_version, 3);
            assert_eq!(v.elf, b"\x7fELF pretend elf bytes");
            assert_eq!(v.algo, algo);
        }
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let pubk = [key().to_public_key()];
        let img = signed(ALG_RSASSA_PKCS1_PSS_MGF1_SHA256);
        // Flip one bit in every byte position (sampled stride for the
        // signature, all header and payload bytes).
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 1 << (i % 8);
            assert!(verify(&bad, &pubk).is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn truncated_wrong_key_unsigned_and_no_keys() {
        let img = signed(ALG_RSASSA_PKCS1_PSS_MGF1_SHA256);
        let pubk = [key().to_public_key()];
        for len in 0..img.len() {
            assert!(
                verify(&img[..len], &pubk).is_err(),
                "truncation to {len} accepted"
            );
        }
        assert_eq!(
            verify(&img, &[other_key().to_public_key()]).unwrap_err(),
            ImageError::BadSignature
        );
        assert_eq!(verify(&img, &[]).unwrap_err(), ImageError::NoKeys);
        assert_eq!(
            verify(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", &pubk).unwrap_err(),
            ImageError::BadMagic(0x464c457f)
        );
        // Any one of several keys may sign.
        let keys = [other_key().to_public_key(), key().to_public_key()];
        assert!(verify(&img, &keys).is_ok());
    }
}
