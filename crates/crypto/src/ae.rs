//! The authenticated encryption engine (TEE_OPERATION_AE): AES-GCM (NIST
//! SP 800-38D) and AES-CCM (SP 800-38C, RFC 3610), streaming with
//! OP-TEE's output sizes: a GCM TEE_AEUpdate gives one output byte per
//! input byte at once; a CCM one gives whole 16-byte blocks and keeps the
//! rest (less than a block) for the next update or the final, as OP-TEE's
//! libutee buffers CCM data.
//! GCM streams over RustCrypto's `ctr` and `ghash`; a GCM message given
//! whole to the final (96-bit nonce) goes to the fast backend in one
//! piece when there is one (see [`crate::backend`]). CCM is block-level
//! code over the `aes` block cipher.
//!
//! GP 1.3.1 (TEE_AEInit) allows tag lengths of 96 to 128 bits in steps of
//! 8 for GCM and 32 to 128 bits in steps of 16 for CCM; nonces of at least
//! one byte for GCM and of 7 to 13 bytes for CCM. CCM needs the AAD and
//! payload lengths at init: more data than declared, or less at the final,
//! panics the TA (GP leaves the code to the implementation: BAD_PARAMETERS).

use crate::backend;
use crate::cipher::Aes;
use crate::{Error, consts::*};
use alloc::{boxed::Box, vec::Vec};

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

/// GCM's keystream: AES in CTR mode with a 32-bit big-endian counter
/// (RustCrypto `ctr`, several blocks at a time).
#[derive(Clone)]
enum Ctr32 {
    A128(ctr::Ctr32BE<aes::Aes128>),
    A192(ctr::Ctr32BE<aes::Aes192>),
    A256(ctr::Ctr32BE<aes::Aes256>),
}

impl Ctr32 {
    fn new(key: &[u8], iv: &[u8; BLOCK]) -> Result<Ctr32, Error> {
        use ctr::cipher::KeyIvInit;
        let bad = |_| PANIC_PARAMS;
        Ok(match key.len() {
            16 => Ctr32::A128(ctr::Ctr32BE::new_from_slices(key, iv).map_err(bad)?),
            24 => Ctr32::A192(ctr::Ctr32BE::new_from_slices(key, iv).map_err(bad)?),
            32 => Ctr32::A256(ctr::Ctr32BE::new_from_slices(key, iv).map_err(bad)?),
            _ => return Err(PANIC_PARAMS),
        })
    }

    fn apply(&mut self, data: &mut [u8]) {
        use ctr::cipher::StreamCipher;
        match self {
            Ctr32::A128(c) => c.apply_keystream(data),
            Ctr32::A192(c) => c.apply_keystream(data),
            Ctr32::A256(c) => c.apply_keystream(data),
        }
    }
}

/// GCM's streaming state: the keystream and GHASH (RustCrypto `ghash`,
/// carry-less multiplication where the CPU has it).
#[derive(Clone)]
struct Gcm {
    ctr: Ctr32,
    ghash: ghash::GHash,
    /// Authenticated bytes not yet a whole block.
    part: [u8; BLOCK],
    part_len: usize,
}

impl Gcm {
    fn absorb(&mut self, mut data: &[u8]) {
        use ghash::universal_hash::UniversalHash;
        if self.part_len > 0 {
            let n = (BLOCK - self.part_len).min(data.len());
            self.part[self.part_len..self.part_len + n].copy_from_slice(&data[..n]);
            self.part_len += n;
            data = &data[n..];
            if self.part_len < BLOCK {
                return;
            }
            self.ghash.update_padded(&self.part);
            self.part_len = 0;
        }
        let whole = data.len() / BLOCK * BLOCK;
        self.ghash.update_padded(&data[..whole]);
        let rest = &data[whole..];
        self.part[..rest.len()].copy_from_slice(rest);
        self.part_len = rest.len();
    }

    /// Complete the pending block with zeros.
    fn pad(&mut self) {
        use ghash::universal_hash::UniversalHash;
        if self.part_len > 0 {
            self.ghash.update_padded(&self.part[..self.part_len]);
            self.part_len = 0;
        }
    }
}

/// GCM through the fast backend, in one piece: possible while no payload
/// has been given to an update (the AAD is kept until the final).
#[derive(Clone)]
struct OneShot {
    key: backend::Gcm,
    nonce: [u8; 12],
    aad: Vec<u8>,
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
    /// E(J0) (GCM) or S0 (CCM): masks the tag.
    s0: [u8; BLOCK],
    /// GCM's streaming state.
    gcm: Option<Box<Gcm>>,
    /// GCM in one piece through the fast backend, while that is possible.
    oneshot: Option<OneShot>,
    /// CCM: the next counter block and the unused keystream of the last
    /// one; the CBC-MAC chaining value and the input not yet a whole block.
    ctr: [u8; BLOCK],
    ks: [u8; BLOCK],
    ks_used: usize,
    acc: [u8; BLOCK],
    buf: Vec<u8>,
    aad_len: u64,
    payload_len: u64,
    aad_seen: u64,
    payload_seen: u64,
    in_payload: bool,
    /// CCM: payload received but not yet processed (less than a block).
    hold: Vec<u8>,
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
            s0: [0; BLOCK],
            gcm: None,
            oneshot: None,
            ctr: [0; BLOCK],
            ks: [0; BLOCK],
            ks_used: BLOCK,
            acc: [0; BLOCK],
            buf: Vec::new(),
            aad_len,
            payload_len,
            aad_seen: 0,
            payload_seen: 0,
            in_payload: false,
            hold: Vec::new(),
        };
        match alg {
            AeAlg::AesGcm => {
                use ghash::universal_hash::{KeyInit, UniversalHash};
                let mut h = [0u8; BLOCK];
                e.aes.encrypt(&mut h);
                let ghash = ghash::GHash::new(&h.into());
                let mut j0 = [0u8; BLOCK];
                if let Ok(n) = <[u8; 12]>::try_from(nonce) {
                    j0[..12].copy_from_slice(&n);
                    j0[15] = 1;
                    // The backend computes whole messages with a 96-bit
                    // nonce; the tag is cut to the length asked for.
                    e.oneshot = backend::gcm(key).map(|key| OneShot {
                        key,
                        nonce: n,
                        aad: Vec::new(),
                    });
                } else {
                    let mut g = ghash.clone();
                    g.update_padded(nonce);
                    let mut l = [0u8; BLOCK];
                    l[8..].copy_from_slice(&(8 * nonce.len() as u64).to_be_bytes());
                    g.update_padded(&l);
                    j0 = g.finalize().into();
                }
                e.s0 = j0;
                e.aes.encrypt(&mut e.s0);
                inc(&mut j0, 4);
                e.gcm = Some(Box::new(Gcm {
                    ctr: Ctr32::new(key, &j0)?,
                    ghash,
                    part: [0; BLOCK],
                    part_len: 0,
                }));
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

    /// CCM: one CBC-MAC block.
    fn block(&mut self, b: &[u8]) {
        for (a, x) in self.acc.iter_mut().zip(b) {
            *a ^= x;
        }
        self.aes.encrypt(&mut self.acc);
    }

    /// Authenticate `data` (whole blocks at once, the rest kept).
    fn absorb(&mut self, mut data: &[u8]) {
        if let Some(g) = &mut self.gcm {
            g.absorb(data);
            return;
        }
        if !self.buf.is_empty() {
            let n = (BLOCK - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..n]);
            data = &data[n..];
            if self.buf.len() < BLOCK {
                return;
            }
            let b = core::mem::take(&mut self.buf);
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
        if let Some(g) = &mut self.gcm {
            g.pad();
            return;
        }
        if !self.buf.is_empty() {
            let mut b = core::mem::take(&mut self.buf);
            b.resize(BLOCK, 0);
            self.block(&b);
        }
    }

    /// Leave the one-piece path: the AAD kept is authenticated now.
    fn stream(&mut self) {
        if let Some(o) = self.oneshot.take() {
            self.absorb(&o.aad);
            if self.in_payload {
                self.pad();
            }
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
        match &mut self.oneshot {
            Some(o) => o.aad.extend_from_slice(aad),
            None => self.absorb(aad),
        }
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
        let total = self
            .payload_seen
            .saturating_add(self.hold.len() as u64)
            .saturating_add(n as u64);
        if self.alg == AeAlg::AesCcm
            && (total > self.payload_len || (!self.in_payload && self.aad_seen != self.aad_len))
        {
            return Err(PANIC_PARAMS);
        }
        Ok(())
    }

    /// The output size of a TEE_AEUpdate of `n` bytes (as in OP-TEE: GCM
    /// `n`; CCM the whole blocks of what is kept and `n`).
    pub fn update_len(&self, n: usize) -> usize {
        match self.alg {
            AeAlg::AesGcm => n,
            AeAlg::AesCcm => (self.hold.len() + n) / BLOCK * BLOCK,
        }
    }

    /// The output size of a final with `n` more bytes (what is kept, and
    /// `n`).
    pub fn final_len(&self, n: usize) -> usize {
        self.hold.len() + n
    }

    /// TEE_AEUpdate: the output ([`AeEngine::update_len`] bytes).
    pub fn update(&mut self, input: &[u8]) -> Result<Vec<u8>, Error> {
        self.check_payload(input.len())?;
        if self.alg == AeAlg::AesCcm {
            let mut data = core::mem::take(&mut self.hold);
            data.extend_from_slice(input);
            self.hold = data.split_off(data.len() / BLOCK * BLOCK);
            return self.process(&data);
        }
        self.process(input)
    }

    /// What is kept, then `input`, all processed.
    fn process_all(&mut self, input: &[u8]) -> Result<Vec<u8>, Error> {
        if self.hold.is_empty() {
            return self.process(input);
        }
        let mut data = core::mem::take(&mut self.hold);
        data.extend_from_slice(input);
        self.process(&data)
    }

    /// One output byte per input byte, at once.
    fn process(&mut self, input: &[u8]) -> Result<Vec<u8>, Error> {
        self.check_payload(input.len())?;
        if input.is_empty() && self.oneshot.is_some() {
            // No output yet: the one-piece path stays open (no more AAD).
            self.in_payload = true;
            return Ok(Vec::new());
        }
        self.stream();
        self.start_payload()?;
        self.payload_seen += input.len() as u64;
        let mut out = input.to_vec();
        if let Some(g) = &mut self.gcm {
            // GCM authenticates the ciphertext.
            if self.encrypt {
                g.ctr.apply(&mut out);
                g.absorb(&out);
            } else {
                g.absorb(input);
                g.ctr.apply(&mut out);
            }
            return Ok(out);
        }
        for x in out.iter_mut() {
            if self.ks_used == BLOCK {
                self.ks = self.ctr;
                self.aes.encrypt(&mut self.ks);
                inc(&mut self.ctr, BLOCK);
                self.ks_used = 0;
            }
            *x ^= self.ks[self.ks_used];
            self.ks_used += 1;
        }
        // CCM authenticates the plaintext.
        if self.encrypt {
            self.absorb(input);
        } else {
            let o = core::mem::take(&mut out);
            self.absorb(&o);
            out = o;
        }
        Ok(out)
    }

    /// The last `input` and the full tag (CCM: the declared lengths must
    /// have been met, else a panic).
    pub fn finish(mut self, input: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        if self.encrypt {
            if let Some(o) = &self.oneshot {
                if let Some((out, tag)) = o.key.seal(&o.nonce, &o.aad, input) {
                    return Ok((out, tag[..self.tag_len].to_vec()));
                }
            }
        }
        let out = self.process_all(input)?;
        if self.alg == AeAlg::AesCcm && self.payload_seen != self.payload_len {
            return Err(PANIC_PARAMS);
        }
        self.pad();
        let acc: [u8; BLOCK] = match self.gcm.take() {
            Some(mut g) => {
                use ghash::universal_hash::UniversalHash;
                let mut l = [0u8; BLOCK];
                l[..8].copy_from_slice(&(8 * self.aad_seen).to_be_bytes());
                l[8..].copy_from_slice(&(8 * self.payload_seen).to_be_bytes());
                g.ghash.update_padded(&l);
                g.ghash.finalize().into()
            }
            None => self.acc,
        };
        let tag = acc
            .iter()
            .zip(self.s0)
            .map(|(a, s)| a ^ s)
            .take(self.tag_len)
            .collect();
        Ok((out, tag))
    }

    /// [`AeEngine::finish`] writing the output into `out` (at least
    /// [`AeEngine::final_len`] bytes, checked by the caller) instead of a
    /// new vector: the tag. A GCM message given whole goes from `input`
    /// to `out` in one pass.
    pub fn finish_into(self, input: &[u8], out: &mut [u8]) -> Result<Vec<u8>, Error> {
        let out = &mut out[..self.final_len(input.len())];
        if self.encrypt {
            if let Some(o) = &self.oneshot {
                if let Some(tag) = o.key.seal_into(&o.nonce, &o.aad, input, out) {
                    return Ok(tag[..self.tag_len].to_vec());
                }
            }
        }
        let (v, tag) = self.finish(input)?;
        out.copy_from_slice(&v);
        Ok(tag)
    }

    /// [`AeEngine::finish_decrypt`] writing the plaintext into `out` (at
    /// least [`AeEngine::final_len`] bytes); on MAC_INVALID, no plaintext
    /// is left in `out`.
    pub fn finish_decrypt_into(
        self,
        input: &[u8],
        tag: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        let out = &mut out[..self.final_len(input.len())];
        if let Some(o) = &self.oneshot {
            if !self.encrypt && tag.len() == BLOCK && self.tag_len == BLOCK {
                if let Some(ok) = o.key.open_into(&o.nonce, &o.aad, input, tag, out) {
                    return if ok { Ok(()) } else { Err(Error::MacInvalid) };
                }
            }
        }
        out.copy_from_slice(&self.finish_decrypt(input, tag)?);
        Ok(())
    }

    /// A decryption's final: the last plaintext, or MAC_INVALID unless
    /// `tag` is the tag (compared in constant time).
    pub fn finish_decrypt(self, input: &[u8], tag: &[u8]) -> Result<Vec<u8>, Error> {
        use subtle::ConstantTimeEq;
        if let Some(o) = &self.oneshot {
            if !self.encrypt && tag.len() == BLOCK && self.tag_len == BLOCK {
                if let Some(r) = o.key.open(&o.nonce, &o.aad, input, tag) {
                    return r.ok_or(Error::MacInvalid);
                }
            }
        }
        let (out, t) = self.finish(input)?;
        if t.len() == tag.len() && bool::from(t.ct_eq(tag)) {
            Ok(out)
        } else {
            Err(Error::MacInvalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `_into` finals give the bytes of the vector ones, with and
    /// without payload streamed first, and leave no plaintext behind a
    /// wrong tag.
    #[test]
    fn finals_into_caller_buffers() {
        let key: Vec<u8> = (0..16).map(|i| i * 7 + 1).collect();
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 % 251) as u8).collect();
        for nonce in [&[3u8; 12][..], &[5u8; 8][..]] {
            for split in [0, 33] {
                let new = |enc| AeEngine::new(AeAlg::AesGcm, enc, &key, nonce, 128, 0, 0).unwrap();
                let mut e = new(true);
                e.update_aad(b"header").unwrap();
                let head = e.update(&data[..split]).unwrap();
                let (c, t) = e.clone().finish(&data[split..]).unwrap();
                let mut out = vec![0u8; data.len() + 5];
                let t2 = e.finish_into(&data[split..], &mut out).unwrap();
                assert_eq!((&out[..data.len() - split], &t2), (&c[..], &t));
                let mut all = head.clone();
                all.extend_from_slice(&c);
                let mut d = new(false);
                d.update_aad(b"header").unwrap();
                let mut p = vec![0u8; data.len()];
                d.clone().finish_decrypt_into(&all, &t, &mut p).unwrap();
                assert_eq!(p, data);
                let mut bad = t.clone();
                bad[0] ^= 1;
                let mut p = vec![0u8; data.len()];
                assert_eq!(
                    d.finish_decrypt_into(&all, &bad, &mut p),
                    Err(Error::MacInvalid)
                );
                assert!(p.iter().all(|&b| b == 0));
            }
        }
    }
}
