//! The authenticated encryption engine (TEE_OPERATION_AE): AES-GCM (NIST
//! SP 800-38D) and AES-CCM (SP 800-38C, RFC 3610), block-level code over
//! the RustCrypto `aes` block cipher, streaming as GP's TEE_AEUpdate
//! requires (every input byte gives one output byte at once).
//!
//! GP 1.3.1 (TEE_AEInit) allows tag lengths of 96 to 128 bits in steps of
//! 8 for GCM and 32 to 128 bits in steps of 16 for CCM; nonces of at least
//! one byte for GCM and of 7 to 13 bytes for CCM. CCM needs the AAD and
//! payload lengths at init: more data than declared, or less at the final,
//! panics the TA (GP leaves the code to the implementation: BAD_PARAMETERS).

use crate::cipher::Aes;
use crate::{Error, consts::*};

const BLOCK: usize = 16;

/// An AE algorithm this engine implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeAlg {
    AesGcm,
    AesCcm,
}

impl AeAlg {
    pub fn from_id(id: u32) -> Option<AeAlg> {
        Some(match id {
            TEE_ALG_AES_GCM => AeAlg::AesGcm,
            TEE_ALG_AES_CCM => AeAlg::AesCcm,
            _ => return None,
        })
    }

    /// Whether GP allows a tag of `bits` bits.
    pub fn tag_allowed(self, bits: u32) -> bool {
        match self {
            AeAlg::AesGcm => (96..=128).contains(&bits) && bits.is_multiple_of(8),
            AeAlg::AesCcm => (32..=128).contains(&bits) && bits.is_multiple_of(16),
        }
    }

    /// Whether GP allows a nonce of `len` bytes.
    pub fn nonce_allowed(self, len: usize) -> bool {
        match self {
            AeAlg::AesGcm => len >= 1,
            AeAlg::AesCcm => (7..=13).contains(&len),
        }
    }
}

const PANIC_PARAMS: Error = Error::Panic(TEE_ERROR_BAD_PARAMETERS);

/// Multiplication in GCM's GF(2^128) (bit 0 is the most significant).
/// Branch-free (masks instead of conditionals) so that its timing does
/// not depend on the hash key or the data; a bit at a time, so slow: a
/// carry-less-multiply backend is the next step for throughput.
fn gmul(x: u128, y: u128) -> u128 {
    let mut z = 0u128;
    let mut v = y;
    for i in 0..128 {
        let bit = (x >> (127 - i)) & 1;
        z ^= v & bit.wrapping_neg();
        let lsb = v & 1;
        v = (v >> 1) ^ ((0xE1u128 << 120) & lsb.wrapping_neg());
    }
    z
}

/// Increment the big-endian counter in the last `width` bytes (wraps).
fn inc(b: &mut [u8; BLOCK], width: usize) {
    for x in b[BLOCK - width..].iter_mut().rev() {
        *x = x.wrapping_add(1);
        if *x != 0 {
            break;
        }
    }
}

/// One initialised AE computation (TEE_AEInit to a final).
#[derive(Clone)]
pub struct AeEngine {
    alg: AeAlg,
    encrypt: bool,
    aes: Aes,
    tag_len: usize,
    /// The next counter block and the unused keystream of the last one.
    ctr: [u8; BLOCK],
    ks: [u8; BLOCK],
    ks_used: usize,
    /// E(J0) (GCM) or S0 (CCM): masks the tag.
    s0: [u8; BLOCK],
    /// GCM: the hash key; the accumulator is GHASH's (GCM) or the CBC-MAC
    /// chaining value (CCM).
    h: u128,
    acc: [u8; BLOCK],
    /// Authenticated input not yet a whole block.
    buf: Vec<u8>,
    aad_len: u64,
    payload_len: u64,
    aad_seen: u64,
    payload_seen: u64,
    in_payload: bool,
}

impl AeEngine {
    /// TEE_AEInit's computation: `tag_bits` and the nonce's length are
    /// checked by the caller ([`AeAlg::tag_allowed`],
    /// [`AeAlg::nonce_allowed`]). A CCM payload length that does not fit
    /// the counter the nonce leaves is NOT_SUPPORTED.
    pub fn new(
        alg: AeAlg,
        encrypt: bool,
        key: &[u8],
        nonce: &[u8],
        tag_bits: u32,
        aad_len: u64,
        payload_len: u64,
    ) -> Result<AeEngine, Error> {
        let mut e = AeEngine {
            alg,
            encrypt,
            aes: Aes::new(key)?,
            tag_len: tag_bits as usize / 8,
            ctr: [0; BLOCK],
            ks: [0; BLOCK],
            ks_used: BLOCK,
            s0: [0; BLOCK],
            h: 0,
            acc: [0; BLOCK],
            buf: Vec::new(),
            aad_len,
            payload_len,
            aad_seen: 0,
            payload_seen: 0,
            in_payload: false,
        };
        match alg {
            AeAlg::AesGcm => {
                let mut h = [0u8; BLOCK];
                e.aes.encrypt(&mut h);
                e.h = u128::from_be_bytes(h);
                let mut j0 = [0u8; BLOCK];
                if nonce.len() == 12 {
                    j0[..12].copy_from_slice(nonce);
                    j0[15] = 1;
                } else {
                    e.absorb(nonce);
                    e.pad();
                    let mut l = [0u8; BLOCK];
                    l[8..].copy_from_slice(&(8 * nonce.len() as u64).to_be_bytes());
                    e.absorb(&l);
                    j0 = e.acc;
                    e.acc = [0; BLOCK];
                }
                e.s0 = j0;
                e.aes.encrypt(&mut e.s0);
                inc(&mut j0, 4);
                e.ctr = j0;
            }
            AeAlg::AesCcm => {
                let q = 15 - nonce.len();
                if q < 8 && payload_len >> (8 * q) != 0 {
                    return Err(Error::NotSupported);
                }
                let mut b0 = [0u8; BLOCK];
                b0[0] = (u8::from(aad_len > 0) << 6)
                    | (((e.tag_len as u8 - 2) / 2) << 3)
                    | (q as u8 - 1);
                b0[1..1 + nonce.len()].copy_from_slice(nonce);
                b0[BLOCK - q..].copy_from_slice(&payload_len.to_be_bytes()[8 - q..]);
                e.absorb(&b0);
                if aad_len > 0 {
                    if aad_len < 0xFF00 {
                        e.absorb(&(aad_len as u16).to_be_bytes());
                    } else if aad_len <= u32::MAX as u64 {
                        e.absorb(&[0xFF, 0xFE]);
                        e.absorb(&(aad_len as u32).to_be_bytes());
                    } else {
                        e.absorb(&[0xFF, 0xFF]);
                        e.absorb(&aad_len.to_be_bytes());
                    }
                }
                let mut a0 = [0u8; BLOCK];
                a0[0] = q as u8 - 1;
                a0[1..1 + nonce.len()].copy_from_slice(nonce);
                e.s0 = a0;
                e.aes.encrypt(&mut e.s0);
                inc(&mut a0, q);
                e.ctr = a0;
            }
        }
        Ok(e)
    }

    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    pub fn encrypting(&self) -> bool {
        self.encrypt
    }

    fn block(&mut self, b: &[u8]) {
        for (a, x) in self.acc.iter_mut().zip(b) {
            *a ^= x;
        }
        match self.alg {
            AeAlg::AesGcm => {
                self.acc = gmul(u128::from_be_bytes(self.acc), self.h).to_be_bytes();
            }
            AeAlg::AesCcm => self.aes.encrypt(&mut self.acc),
        }
    }

    /// Authenticate `data` (whole blocks at once, the rest kept).
    fn absorb(&mut self, mut data: &[u8]) {
        if !self.buf.is_empty() {
            let n = (BLOCK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() < BLOCK {
                return;
            }
            let b = std::mem::take(&mut self.buf);
            self.block(&b);
        }
        let mut it = data.chunks_exact(BLOCK);
        for b in &mut it {
            self.block(b);
        }
        self.buf.extend_from_slice(it.remainder());
    }

    /// Complete the pending block with zeros.
    fn pad(&mut self) {
        if !self.buf.is_empty() {
            let mut b = std::mem::take(&mut self.buf);
            b.resize(BLOCK, 0);
            self.block(&b);
        }
    }

    /// TEE_AEUpdateAAD. AAD after the payload has begun panics
    /// (BAD_STATE), as does CCM AAD beyond the length declared.
    pub fn update_aad(&mut self, aad: &[u8]) -> Result<(), Error> {
        if self.in_payload {
            return Err(Error::Panic(TEE_ERROR_BAD_STATE));
        }
        let total = self.aad_seen.saturating_add(aad.len() as u64);
        if self.alg == AeAlg::AesCcm && total > self.aad_len {
            return Err(PANIC_PARAMS);
        }
        self.aad_seen = total;
        self.absorb(aad);
        Ok(())
    }

    fn start_payload(&mut self) -> Result<(), Error> {
        if !self.in_payload {
            if self.alg == AeAlg::AesCcm && self.aad_seen != self.aad_len {
                return Err(PANIC_PARAMS);
            }
            self.pad();
            self.in_payload = true;
        }
        Ok(())
    }

    /// Check that `n` more payload bytes are allowed (CCM: no more than
    /// declared) before anything changes.
    pub fn check_payload(&self, n: usize) -> Result<(), Error> {
        let total = self.payload_seen.saturating_add(n as u64);
        if self.alg == AeAlg::AesCcm
            && (total > self.payload_len || (!self.in_payload && self.aad_seen != self.aad_len))
        {
            return Err(PANIC_PARAMS);
        }
        Ok(())
    }

    /// TEE_AEUpdate: one output byte per input byte.
    pub fn update(&mut self, input: &[u8]) -> Result<Vec<u8>, Error> {
        self.check_payload(input.len())?;
        self.start_payload()?;
        self.payload_seen += input.len() as u64;
        let mut out = Vec::with_capacity(input.len());
        for &x in input {
            if self.ks_used == BLOCK {
                self.ks = self.ctr;
                self.aes.encrypt(&mut self.ks);
                let w = if self.alg == AeAlg::AesGcm { 4 } else { BLOCK };
                inc(&mut self.ctr, w);
                self.ks_used = 0;
            }
            out.push(x ^ self.ks[self.ks_used]);
            self.ks_used += 1;
        }
        // GCM authenticates the ciphertext, CCM the plaintext.
        let auth_input = (self.alg == AeAlg::AesGcm) != self.encrypt;
        if auth_input {
            self.absorb(input);
        } else {
            self.absorb(&out);
        }
        Ok(out)
    }

    /// The last `input` and the full tag (CCM: the declared lengths must
    /// have been met, else a panic).
    pub fn finish(mut self, input: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let out = self.update(input)?;
        if self.alg == AeAlg::AesCcm && self.payload_seen != self.payload_len {
            return Err(PANIC_PARAMS);
        }
        self.pad();
        if self.alg == AeAlg::AesGcm {
            let mut l = [0u8; BLOCK];
            l[..8].copy_from_slice(&(8 * self.aad_seen).to_be_bytes());
            l[8..].copy_from_slice(&(8 * self.payload_seen).to_be_bytes());
            self.block(&l);
        }
        let tag = self
            .acc
            .iter()
            .zip(self.s0)
            .map(|(a, s)| a ^ s)
            .take(self.tag_len)
            .collect();
        Ok((out, tag))
    }
}
