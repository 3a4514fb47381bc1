//! The MAC engine (TEE_OPERATION_MAC): HMAC over MD5, SHA-1, SHA-2, SHA-3
//! and SM3, with RustCrypto `hmac`, CMAC (NIST SP 800-38B) over AES (RFC
//! 4493) and over 3DES (OP-TEE's TEE_ALG_DES3_CMAC), and
//! CBC-MAC over AES, DES and 3DES (without padding or with PKCS #5
//! padding) as block-level code over the `aes` and `des` block ciphers.

use crate::cipher::{Bc, xor};
use crate::{Error, consts::*};
use alloc::{boxed::Box, vec, vec::Vec};
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
    HmacSha3_224,
    HmacSha3_256,
    HmacSha3_384,
    HmacSha3_512,
    AesCmac,
    /// OP-TEE's TDEA CMAC (NIST SP 800-38B over 3DES).
    Des3Cmac,
    AesCbcMacNopad,
    AesCbcMacPkcs5,
    DesCbcMacNopad,
    DesCbcMacPkcs5,
    Des3CbcMacNopad,
    Des3CbcMacPkcs5,
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
            TEE_ALG_HMAC_SHA3_224 => MacAlg::HmacSha3_224,
            TEE_ALG_HMAC_SHA3_256 => MacAlg::HmacSha3_256,
            TEE_ALG_HMAC_SHA3_384 => MacAlg::HmacSha3_384,
            TEE_ALG_HMAC_SHA3_512 => MacAlg::HmacSha3_512,
            TEE_ALG_AES_CMAC => MacAlg::AesCmac,
            TEE_ALG_DES3_CMAC => MacAlg::Des3Cmac,
            TEE_ALG_AES_CBC_MAC_NOPAD => MacAlg::AesCbcMacNopad,
            TEE_ALG_AES_CBC_MAC_PKCS5 => MacAlg::AesCbcMacPkcs5,
            TEE_ALG_DES_CBC_MAC_NOPAD => MacAlg::DesCbcMacNopad,
            TEE_ALG_DES_CBC_MAC_PKCS5 => MacAlg::DesCbcMacPkcs5,
            TEE_ALG_DES3_CBC_MAC_NOPAD => MacAlg::Des3CbcMacNopad,
            TEE_ALG_DES3_CBC_MAC_PKCS5 => MacAlg::Des3CbcMacPkcs5,
            _ => return None,
        })
    }

    /// The MAC length in bytes.
    pub fn mac_len(self) -> usize {
        match self {
            MacAlg::HmacMd5 | MacAlg::AesCmac | MacAlg::AesCbcMacNopad | MacAlg::AesCbcMacPkcs5 => {
                16
            }
            MacAlg::DesCbcMacNopad
            | MacAlg::DesCbcMacPkcs5
            | MacAlg::Des3CbcMacNopad
            | MacAlg::Des3CbcMacPkcs5
            | MacAlg::Des3Cmac => 8,
            MacAlg::HmacSha1 => 20,
            MacAlg::HmacSha224 | MacAlg::HmacSha3_224 => 28,
            MacAlg::HmacSha256 | MacAlg::HmacSm3 | MacAlg::HmacSha3_256 => 32,
            MacAlg::HmacSha384 | MacAlg::HmacSha3_384 => 48,
            MacAlg::HmacSha512 | MacAlg::HmacSha3_512 => 64,
        }
    }

    /// Whether the algorithm is an HMAC (keys of any size, generic
    /// secrets accepted).
    pub fn is_hmac(self) -> bool {
        !matches!(self.key_type(), TEE_TYPE_AES | TEE_TYPE_DES | TEE_TYPE_DES3)
    }

    /// For CBC-MAC: whether PKCS #5 padding is added (None: not a CBC-MAC).
    fn cbc_mac_pkcs5(self) -> Option<bool> {
        match self {
            MacAlg::AesCbcMacNopad | MacAlg::DesCbcMacNopad | MacAlg::Des3CbcMacNopad => {
                Some(false)
            }
            MacAlg::AesCbcMacPkcs5 | MacAlg::DesCbcMacPkcs5 | MacAlg::Des3CbcMacPkcs5 => Some(true),
            _ => None,
        }
    }

    /// The key object type of the algorithm (TEE_TYPE_HMAC_*, AES for
    /// CMAC).
    pub fn key_type(self) -> u32 {
        match self {
            MacAlg::AesCmac | MacAlg::AesCbcMacNopad | MacAlg::AesCbcMacPkcs5 => TEE_TYPE_AES,
            MacAlg::DesCbcMacNopad | MacAlg::DesCbcMacPkcs5 => TEE_TYPE_DES,
            MacAlg::Des3CbcMacNopad | MacAlg::Des3CbcMacPkcs5 | MacAlg::Des3Cmac => TEE_TYPE_DES3,
            MacAlg::HmacMd5 => TEE_TYPE_HMAC_MD5,
            MacAlg::HmacSha1 => TEE_TYPE_HMAC_SHA1,
            MacAlg::HmacSha224 => TEE_TYPE_HMAC_SHA224,
            MacAlg::HmacSha256 => TEE_TYPE_HMAC_SHA256,
            MacAlg::HmacSha384 => TEE_TYPE_HMAC_SHA384,
            MacAlg::HmacSha512 => TEE_TYPE_HMAC_SHA512,
            MacAlg::HmacSm3 => TEE_TYPE_HMAC_SM3,
            MacAlg::HmacSha3_224 => TEE_TYPE_HMAC_SHA3_224,
            MacAlg::HmacSha3_256 => TEE_TYPE_HMAC_SHA3_256,
            MacAlg::HmacSha3_384 => TEE_TYPE_HMAC_SHA3_384,
            MacAlg::HmacSha3_512 => TEE_TYPE_HMAC_SHA3_512,
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
    Sha3_224(Hmac<sha3::Sha3_224>),
    Sha3_256(Hmac<sha3::Sha3_256>),
    Sha3_384(Hmac<sha3::Sha3_384>),
    Sha3_512(Hmac<sha3::Sha3_512>),
    Cmac(Box<Cmac>),
    CbcMac(Box<CbcMac>),
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
    /// Start with `key`; `iv` is CBC-MAC's initial chaining value (empty:
    /// zeros; any other length than a block panics), ignored otherwise.
    pub fn new(alg: MacAlg, key: &[u8], iv: &[u8]) -> Result<MacEngine, Error> {
        if let Some(pkcs5) = alg.cbc_mac_pkcs5() {
            let bc = Bc::new(alg.key_type(), key)?;
            let bs = bc.block_len();
            let x = match iv.len() {
                0 => vec![0u8; bs],
                n if n == bs => iv.to_vec(),
                _ => return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
            };
            let m = CbcMac {
                bc,
                pkcs5,
                x,
                buf: Vec::new(),
                total: 0,
            };
            return Ok(MacEngine {
                state: State::CbcMac(Box::new(m)),
            });
        }
        let state = match alg {
            MacAlg::HmacMd5 => State::Md5(keyed(key)?),
            MacAlg::HmacSha1 => State::Sha1(keyed(key)?),
            MacAlg::HmacSha224 => State::Sha224(keyed(key)?),
            MacAlg::HmacSha256 => State::Sha256(keyed(key)?),
            MacAlg::HmacSha384 => State::Sha384(keyed(key)?),
            MacAlg::HmacSha512 => State::Sha512(keyed(key)?),
            MacAlg::HmacSm3 => State::Sm3(keyed(key)?),
            MacAlg::HmacSha3_224 => State::Sha3_224(keyed(key)?),
            MacAlg::HmacSha3_256 => State::Sha3_256(keyed(key)?),
            MacAlg::HmacSha3_384 => State::Sha3_384(keyed(key)?),
            MacAlg::HmacSha3_512 => State::Sha3_512(keyed(key)?),
            MacAlg::AesCmac | MacAlg::Des3Cmac => {
                State::Cmac(Box::new(Cmac::new(Bc::new(alg.key_type(), key)?)))
            }
            _ => unreachable!("CBC-MAC handled above"),
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
            State::Sha3_224(m) => m.update(data),
            State::Sha3_256(m) => m.update(data),
            State::Sha3_384(m) => m.update(data),
            State::Sha3_512(m) => m.update(data),
            State::Cmac(m) => m.update(data),
            State::CbcMac(m) => m.update(data),
        }
    }

    /// Whether a final with `n` more bytes is allowed: CBC-MAC without
    /// padding needs a whole number of blocks in all (else
    /// BAD_PARAMETERS).
    pub fn check_final(&self, n: usize) -> Result<(), Error> {
        match &self.state {
            State::CbcMac(m) if !m.pkcs5 && !(m.total + n).is_multiple_of(m.bc.block_len()) => {
                Err(Error::Bad)
            }
            _ => Ok(()),
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
            State::Sha3_224(m) => m.finalize().into_bytes().to_vec(),
            State::Sha3_256(m) => m.finalize().into_bytes().to_vec(),
            State::Sha3_384(m) => m.finalize().into_bytes().to_vec(),
            State::Sha3_512(m) => m.finalize().into_bytes().to_vec(),
            State::Cmac(m) => m.finish(),
            State::CbcMac(m) => m.finish(),
        }
    }
}

/// CMAC (SP 800-38B) over a 128-bit (AES) or 64-bit (3DES) block
/// cipher: the last block (possibly whole) is kept until the final.
#[derive(Clone)]
pub struct Cmac {
    bc: Bc,
    k1: Vec<u8>,
    k2: Vec<u8>,
    x: Vec<u8>,
    buf: Vec<u8>,
}

/// Doubling in GF(2^b) for the SP 800-38B subkeys (b = 128: Rb = 0x87;
/// b = 64: Rb = 0x1B), branch-free: the subkeys are secret.
fn dbl(b: &[u8]) -> Vec<u8> {
    if let Ok(b) = <[u8; 8]>::try_from(b) {
        let v = u64::from_be_bytes(b);
        ((v << 1) ^ (0x1B & (v >> 63).wrapping_neg()))
            .to_be_bytes()
            .to_vec()
    } else {
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        let v = u128::from_be_bytes(a);
        ((v << 1) ^ (0x87 & (v >> 127).wrapping_neg()))
            .to_be_bytes()
            .to_vec()
    }
}

impl Cmac {
    fn new(bc: Bc) -> Cmac {
        let mut l = vec![0u8; bc.block_len()];
        bc.encrypt(&mut l);
        let k1 = dbl(&l);
        let k2 = dbl(&k1);
        let x = vec![0u8; bc.block_len()];
        Cmac {
            bc,
            k1,
            k2,
            x,
            buf: Vec::new(),
        }
    }

    fn block(&mut self, b: &[u8]) {
        xor(&mut self.x, b);
        self.bc.encrypt(&mut self.x);
    }

    fn update(&mut self, mut data: &[u8]) {
        let bs = self.bc.block_len();
        while !data.is_empty() {
            if self.buf.len() == bs {
                let b = core::mem::take(&mut self.buf);
                self.block(&b);
            }
            let n = (bs - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let bs = self.bc.block_len();
        let mut last = core::mem::take(&mut self.buf);
        let k = if last.len() == bs {
            core::mem::take(&mut self.k1)
        } else {
            last.push(0x80);
            last.resize(bs, 0);
            core::mem::take(&mut self.k2)
        };
        xor(&mut last, &k);
        self.block(&last);
        self.x
    }
}

/// CBC-MAC: the last chaining value of CBC encryption of the message
/// (PKCS #5 padded, or a whole number of blocks).
#[derive(Clone)]
pub struct CbcMac {
    bc: Bc,
    pkcs5: bool,
    x: Vec<u8>,
    buf: Vec<u8>,
    total: usize,
}

impl CbcMac {
    fn block(&mut self, b: &[u8]) {
        xor(&mut self.x, b);
        self.bc.encrypt(&mut self.x);
    }

    fn update(&mut self, mut data: &[u8]) {
        let bs = self.bc.block_len();
        self.total = self.total.wrapping_add(data.len());
        while !data.is_empty() {
            let n = (bs - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() == bs {
                let b = core::mem::take(&mut self.buf);
                self.block(&b);
            }
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.pkcs5 {
            // The pad length depends only on the message length.
            let bs = self.bc.block_len();
            let pad = bs - self.buf.len();
            let mut last = core::mem::take(&mut self.buf);
            last.resize(bs, pad as u8);
            self.block(&last);
        }
        self.x
    }
}
