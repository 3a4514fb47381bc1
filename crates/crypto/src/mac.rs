//! The MAC engine (TEE_OPERATION_MAC): HMAC over MD5, SHA-1, SHA-2 and
//! SM3, with RustCrypto `hmac`.

use crate::{Error, consts::*};
use hmac::{Hmac, Mac};

/// A MAC algorithm this engine implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacAlg {
    HmacMd5,
    HmacSha1,
    HmacSha224,
    HmacSha256,
    HmacSha384,
    HmacSha512,
    HmacSm3,
}

impl MacAlg {
    pub fn from_id(id: u32) -> Option<MacAlg> {
        Some(match id {
            TEE_ALG_HMAC_MD5 => MacAlg::HmacMd5,
            TEE_ALG_HMAC_SHA1 => MacAlg::HmacSha1,
            TEE_ALG_HMAC_SHA224 => MacAlg::HmacSha224,
            TEE_ALG_HMAC_SHA256 => MacAlg::HmacSha256,
            TEE_ALG_HMAC_SHA384 => MacAlg::HmacSha384,
            TEE_ALG_HMAC_SHA512 => MacAlg::HmacSha512,
            TEE_ALG_HMAC_SM3 => MacAlg::HmacSm3,
            _ => return None,
        })
    }

    /// The MAC length in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            MacAlg::HmacMd5 => 16,
            MacAlg::HmacSha1 => 20,
            MacAlg::HmacSha224 => 28,
            MacAlg::HmacSha256 | MacAlg::HmacSm3 => 32,
            MacAlg::HmacSha384 => 48,
            MacAlg::HmacSha512 => 64,
        }
    }

    /// The key object type of the algorithm (TEE_TYPE_HMAC_*).
    pub fn key_type(self) -> u32 {
        match self {
            MacAlg::HmacMd5 => TEE_TYPE_HMAC_MD5,
            MacAlg::HmacSha1 => TEE_TYPE_HMAC_SHA1,
            MacAlg::HmacSha224 => TEE_TYPE_HMAC_SHA224,
            MacAlg::HmacSha256 => TEE_TYPE_HMAC_SHA256,
            MacAlg::HmacSha384 => TEE_TYPE_HMAC_SHA384,
            MacAlg::HmacSha512 => TEE_TYPE_HMAC_SHA512,
            MacAlg::HmacSm3 => TEE_TYPE_HMAC_SM3,
        }
    }
}

#[derive(Clone)]
enum State {
    Md5(Hmac<md5::Md5>),
    Sha1(Hmac<sha1::Sha1>),
    Sha224(Hmac<sha2::Sha224>),
    Sha256(Hmac<sha2::Sha256>),
    Sha384(Hmac<sha2::Sha384>),
    Sha512(Hmac<sha2::Sha512>),
    Sm3(Hmac<sm3::Sm3>),
}

/// One initialised MAC computation (TEE_MACInit to a final).
#[derive(Clone)]
pub struct MacEngine {
    state: State,
}

fn keyed<M: Mac + hmac::digest::KeyInit>(key: &[u8]) -> Result<M, Error> {
    <M as hmac::digest::KeyInit>::new_from_slice(key)
        .map_err(|_| Error::Panic(TEE_ERROR_BAD_PARAMETERS))
}

impl MacEngine {
    pub fn new(alg: MacAlg, key: &[u8]) -> Result<MacEngine, Error> {
        let state = match alg {
            MacAlg::HmacMd5 => State::Md5(keyed(key)?),
            MacAlg::HmacSha1 => State::Sha1(keyed(key)?),
            MacAlg::HmacSha224 => State::Sha224(keyed(key)?),
            MacAlg::HmacSha256 => State::Sha256(keyed(key)?),
            MacAlg::HmacSha384 => State::Sha384(keyed(key)?),
            MacAlg::HmacSha512 => State::Sha512(keyed(key)?),
            MacAlg::HmacSm3 => State::Sm3(keyed(key)?),
        };
        Ok(MacEngine { state })
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Md5(m) => m.update(data),
            State::Sha1(m) => m.update(data),
            State::Sha224(m) => m.update(data),
            State::Sha256(m) => m.update(data),
            State::Sha384(m) => m.update(data),
            State::Sha512(m) => m.update(data),
            State::Sm3(m) => m.update(data),
        }
    }

    /// The MAC of everything absorbed.
    pub fn finish(self) -> Vec<u8> {
        match self.state {
            State::Md5(m) => m.finalize().into_bytes().to_vec(),
            State::Sha1(m) => m.finalize().into_bytes().to_vec(),
            State::Sha224(m) => m.finalize().into_bytes().to_vec(),
            State::Sha256(m) => m.finalize().into_bytes().to_vec(),
            State::Sha384(m) => m.finalize().into_bytes().to_vec(),
            State::Sha512(m) => m.finalize().into_bytes().to_vec(),
            State::Sm3(m) => m.finalize().into_bytes().to_vec(),
        }
    }
}
