//! The symmetric cipher engine (TEE_OPERATION_CIPHER): AES in ECB, CBC
//! (both without padding) and CTR mode, block-level code over the
//! RustCrypto `aes` block cipher, streaming as GP's TEE_CipherUpdate
//! requires.

use crate::{Error, consts::*};
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};

const BLOCK: usize = 16;

/// A cipher mode this engine implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherAlg {
    AesEcb,
    AesCbc,
    AesCtr,
}

impl CipherAlg {
    pub fn from_id(id: u32) -> Option<CipherAlg> {
        Some(match id {
            TEE_ALG_AES_ECB_NOPAD => CipherAlg::AesEcb,
            TEE_ALG_AES_CBC_NOPAD => CipherAlg::AesCbc,
            TEE_ALG_AES_CTR => CipherAlg::AesCtr,
            _ => return None,
        })
    }

    /// The IV length TEE_CipherInit requires (ECB ignores the IV).
    pub fn iv_len(self) -> Option<usize> {
        match self {
            CipherAlg::AesEcb => None,
            CipherAlg::AesCbc | CipherAlg::AesCtr => Some(BLOCK),
        }
    }
}

/// AES with a key of any of its sizes (shared with the AE and CMAC
/// engines).
#[derive(Clone)]
pub(crate) enum Aes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

impl Aes {
    pub(crate) fn new(key: &[u8]) -> Result<Aes, Error> {
        Ok(match key.len() {
            16 => Aes::A128(aes::Aes128::new(GenericArray::from_slice(key))),
            24 => Aes::A192(aes::Aes192::new(GenericArray::from_slice(key))),
            32 => Aes::A256(aes::Aes256::new(GenericArray::from_slice(key))),
            _ => return Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        })
    }

    pub(crate) fn encrypt(&self, b: &mut [u8; BLOCK]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Aes::A128(c) => c.encrypt_block(b),
            Aes::A192(c) => c.encrypt_block(b),
            Aes::A256(c) => c.encrypt_block(b),
        }
    }

    fn decrypt(&self, b: &mut [u8; BLOCK]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Aes::A128(c) => c.decrypt_block(b),
            Aes::A192(c) => c.decrypt_block(b),
            Aes::A256(c) => c.decrypt_block(b),
        }
    }
}

/// One initialised cipher computation (TEE_CipherInit to DoFinal).
#[derive(Clone)]
pub struct CipherEngine {
    alg: CipherAlg,
    encrypt: bool,
    aes: Aes,
    /// CBC: the chaining value; CTR: the counter block.
    iv: [u8; BLOCK],
    /// ECB/CBC: input not yet a whole block. CTR: unused keystream.
    pending: Vec<u8>,
}

impl CipherEngine {
    /// Start with `key` (16, 24 or 32 bytes) and `iv` (checked by the
    /// caller against [`CipherAlg::iv_len`]).
    pub fn new(alg: CipherAlg, encrypt: bool, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        let mut v = [0u8; BLOCK];
        if alg.iv_len().is_some() {
            v.copy_from_slice(iv);
        }
        Ok(CipherEngine {
            alg,
            encrypt,
            aes: Aes::new(key)?,
            iv: v,
            pending: Vec::new(),
        })
    }

    /// The output TEE_CipherUpdate produces for `n` more input bytes.
    pub fn update_len(&self, n: usize) -> usize {
        match self.alg {
            CipherAlg::AesCtr => n,
            _ => (self.pending.len() + n) / BLOCK * BLOCK,
        }
    }

    /// The output TEE_CipherDoFinal produces for `n` more input bytes, or
    /// BAD_PARAMETERS if the total is not a whole number of blocks.
    pub fn final_len(&self, n: usize) -> Result<usize, Error> {
        match self.alg {
            CipherAlg::AesCtr => Ok(n),
            _ if (self.pending.len() + n) & (BLOCK - 1) != 0 => Err(Error::Bad),
            _ => Ok(self.pending.len() + n),
        }
    }

    fn block(&mut self, b: &mut [u8; BLOCK]) {
        match (self.alg, self.encrypt) {
            (CipherAlg::AesEcb, true) => self.aes.encrypt(b),
            (CipherAlg::AesEcb, false) => self.aes.decrypt(b),
            (CipherAlg::AesCbc, true) => {
                for (x, c) in b.iter_mut().zip(self.iv) {
                    *x ^= c;
                }
                self.aes.encrypt(b);
                self.iv = *b;
            }
            (CipherAlg::AesCbc, false) => {
                let c = *b;
                self.aes.decrypt(b);
                for (x, v) in b.iter_mut().zip(self.iv) {
                    *x ^= v;
                }
                self.iv = c;
            }
            (CipherAlg::AesCtr, _) => unreachable!("CTR is a stream"),
        }
    }

    /// Process `input`, returning exactly [`CipherEngine::update_len`]
    /// bytes.
    pub fn update(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.update_len(input.len()));
        if self.alg == CipherAlg::AesCtr {
            for &x in input {
                if self.pending.is_empty() {
                    let mut ks = self.iv;
                    self.aes.encrypt(&mut ks);
                    // The whole block is the counter (big-endian, wraps).
                    let c = u128::from_be_bytes(self.iv).wrapping_add(1);
                    self.iv = c.to_be_bytes();
                    self.pending = ks.iter().rev().copied().collect();
                }
                let k = self.pending.pop().unwrap_or_default();
                out.push(x ^ k);
            }
            return out;
        }
        self.pending.extend_from_slice(input);
        let whole = self.pending.len() / BLOCK * BLOCK;
        let data: Vec<u8> = self.pending.drain(..whole).collect();
        for chunk in data.chunks_exact(BLOCK) {
            let mut b = [0u8; BLOCK];
            b.copy_from_slice(chunk);
            self.block(&mut b);
            out.extend_from_slice(&b);
        }
        out
    }
}
