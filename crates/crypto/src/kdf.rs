//! The key derivation engine (TEE_OPERATION_KEY_DERIVATION) for OP-TEE's
//! vendor algorithms: HKDF (RFC 5869) over MD5, SHA-1 and SHA-2 with
//! RustCrypto `hkdf`, and PBKDF2-HMAC-SHA1 (RFC 2898 5.2) with RustCrypto
//! `pbkdf2`, and the Concat KDF of NIST SP 800-56A 5.8.1 (a digest in
//! counter mode, over SHA-1 and SHA-2). The parameters are OP-TEE's attributes; as in OP-TEE, whose
//! TEE_DeriveKey panics on any error of the derivation, a missing or
//! foreign attribute, or an output length of zero or beyond what the
//! algorithm or the derived object allows, is a panic
//! (TEE_ERROR_BAD_PARAMETERS).

use crate::object::Attr;
use crate::{Error, consts::*};
use alloc::{vec, vec::Vec};

/// A key derivation algorithm this engine implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfAlg {
    HkdfMd5,
    HkdfSha1,
    HkdfSha224,
    HkdfSha256,
    HkdfSha384,
    HkdfSha512,
    Pbkdf2HmacSha1,
    ConcatSha1,
    ConcatSha224,
    ConcatSha256,
    ConcatSha384,
    ConcatSha512,
}

/// The most a derivation may produce: the largest generic secret (4096
/// bits), which the derived object must hold anyway.
const MAX_DERIVED: usize = 512;

const PANIC_PARAMS: Error = Error::Panic(TEE_ERROR_BAD_PARAMETERS);

impl KdfAlg {
    pub fn from_id(id: u32) -> Option<KdfAlg> {
        Some(match id {
            TEE_ALG_HKDF_MD5_DERIVE_KEY => KdfAlg::HkdfMd5,
            TEE_ALG_HKDF_SHA1_DERIVE_KEY => KdfAlg::HkdfSha1,
            TEE_ALG_HKDF_SHA224_DERIVE_KEY => KdfAlg::HkdfSha224,
            TEE_ALG_HKDF_SHA256_DERIVE_KEY => KdfAlg::HkdfSha256,
            TEE_ALG_HKDF_SHA384_DERIVE_KEY => KdfAlg::HkdfSha384,
            TEE_ALG_HKDF_SHA512_DERIVE_KEY => KdfAlg::HkdfSha512,
            TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY => KdfAlg::Pbkdf2HmacSha1,
            TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY => KdfAlg::ConcatSha1,
            TEE_ALG_CONCAT_KDF_SHA224_DERIVE_KEY => KdfAlg::ConcatSha224,
            TEE_ALG_CONCAT_KDF_SHA256_DERIVE_KEY => KdfAlg::ConcatSha256,
            TEE_ALG_CONCAT_KDF_SHA384_DERIVE_KEY => KdfAlg::ConcatSha384,
            TEE_ALG_CONCAT_KDF_SHA512_DERIVE_KEY => KdfAlg::ConcatSha512,
            _ => return None,
        })
    }

    /// The object type of the input key (IKM or password).
    pub fn key_type(self) -> u32 {
        match self {
            KdfAlg::Pbkdf2HmacSha1 => TEE_TYPE_PBKDF2_PASSWORD,
            KdfAlg::ConcatSha1
            | KdfAlg::ConcatSha224
            | KdfAlg::ConcatSha256
            | KdfAlg::ConcatSha384
            | KdfAlg::ConcatSha512 => TEE_TYPE_CONCAT_KDF_Z,
            _ => TEE_TYPE_HKDF_IKM,
        }
    }

    /// Derive from `secret` with `params`: the output key material.
    pub fn derive(self, secret: &[u8], params: &[Attr]) -> Result<Vec<u8>, Error> {
        match self {
            KdfAlg::Pbkdf2HmacSha1 => pbkdf2(secret, params),
            KdfAlg::ConcatSha1 => concat::<sha1::Sha1>(secret, params),
            KdfAlg::ConcatSha224 => concat::<sha2::Sha224>(secret, params),
            KdfAlg::ConcatSha256 => concat::<sha2::Sha256>(secret, params),
            KdfAlg::ConcatSha384 => concat::<sha2::Sha384>(secret, params),
            KdfAlg::ConcatSha512 => concat::<sha2::Sha512>(secret, params),
            _ => self.hkdf(secret, params),
        }
    }

    fn hkdf(self, ikm: &[u8], params: &[Attr]) -> Result<Vec<u8>, Error> {
        let (mut salt, mut info, mut len) = (None, None, None);
        // The salt and the info by OP-TEE's identifiers or GP 1.3.1's
        // (each at most once).
        for a in params {
            match a {
                Attr::Ref(TEE_ATTR_HKDF_SALT | GP_TEE_ATTR_HKDF_SALT, v) if salt.is_none() => {
                    salt = Some(v.as_slice())
                }
                Attr::Ref(TEE_ATTR_HKDF_INFO | GP_TEE_ATTR_HKDF_INFO, v) if info.is_none() => {
                    info = Some(v.as_slice())
                }
                Attr::Value(TEE_ATTR_HKDF_OKM_LENGTH, n, _) if len.is_none() => len = Some(*n),
                _ => return Err(PANIC_PARAMS),
            }
        }
        let len = len.ok_or(PANIC_PARAMS)? as usize;
        if len == 0 || len > MAX_DERIVED {
            return Err(PANIC_PARAMS);
        }
        let mut okm = vec![0u8; len];
        let (salt, info) = (salt, info.unwrap_or_default());
        macro_rules! run {
            ($h:ty) => {
                hkdf::Hkdf::<$h>::new(salt, ikm)
                    .expand(info, &mut okm)
                    .map_err(|_| PANIC_PARAMS)?
            };
        }
        match self {
            KdfAlg::HkdfMd5 => run!(md5::Md5),
            KdfAlg::HkdfSha1 => run!(sha1::Sha1),
            KdfAlg::HkdfSha224 => run!(sha2::Sha224),
            KdfAlg::HkdfSha256 => run!(sha2::Sha256),
            KdfAlg::HkdfSha384 => run!(sha2::Sha384),
            KdfAlg::HkdfSha512 => run!(sha2::Sha512),
            _ => return Err(PANIC_PARAMS),
        }
        Ok(okm)
    }
}

fn pbkdf2(password: &[u8], params: &[Attr]) -> Result<Vec<u8>, Error> {
    let (mut salt, mut count, mut len) = (None, None, None);
    for a in params {
        match a {
            Attr::Ref(TEE_ATTR_PBKDF2_SALT, v) if salt.is_none() => salt = Some(v.as_slice()),
            Attr::Value(TEE_ATTR_PBKDF2_ITERATION_COUNT, n, _) if count.is_none() => {
                count = Some(*n)
            }
            Attr::Value(TEE_ATTR_PBKDF2_DKM_LENGTH, n, _) if len.is_none() => len = Some(*n),
            _ => return Err(PANIC_PARAMS),
        }
    }
    let count = count.ok_or(PANIC_PARAMS)?;
    let len = len.ok_or(PANIC_PARAMS)? as usize;
    if count == 0 || len == 0 || len > MAX_DERIVED {
        return Err(PANIC_PARAMS);
    }
    let mut dk = vec![0u8; len];
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt.unwrap_or_default(), count, &mut dk);
    Ok(dk)
}

/// Concat KDF (SP 800-56A 5.8.1): H(counter || Z || OtherInfo) for
/// counter = 1, 2, ..., truncated to TEE_ATTR_CONCAT_KDF_DKM_LENGTH
/// bytes.
fn concat<H: sha2::Digest>(z: &[u8], params: &[Attr]) -> Result<Vec<u8>, Error> {
    let (mut info, mut len) = (None, None);
    for a in params {
        match a {
            Attr::Ref(TEE_ATTR_CONCAT_KDF_OTHER_INFO, v) if info.is_none() => {
                info = Some(v.as_slice())
            }
            Attr::Value(TEE_ATTR_CONCAT_KDF_DKM_LENGTH, n, _) if len.is_none() => len = Some(*n),
            _ => return Err(PANIC_PARAMS),
        }
    }
    let len = len.ok_or(PANIC_PARAMS)? as usize;
    if len == 0 || len > MAX_DERIVED {
        return Err(PANIC_PARAMS);
    }
    let mut out = Vec::with_capacity(len + 64);
    let mut counter = 1u32;
    while out.len() < len {
        let mut h = H::new();
        h.update(counter.to_be_bytes());
        h.update(z);
        h.update(info.unwrap_or_default());
        out.extend_from_slice(&h.finalize());
        counter += 1;
    }
    out.truncate(len);
    Ok(out)
}
