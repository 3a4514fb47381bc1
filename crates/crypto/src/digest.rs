//! The digest engine (TEE_OPERATION_DIGEST): fixed-length hashes and the
//! SHAKE extendable-output functions, over the RustCrypto hashes.

use crate::{Error, consts::*};
use alloc::{vec, vec::Vec};
use sha3::digest::{Digest, ExtendableOutput, Update, XofReader};

/// A digest algorithm this engine implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    Shake128,
    Shake256,
    Sm3,
}

impl DigestAlg {
    /// The algorithm of a GP identifier (TEE_ALG_*), if it is a digest
    /// this engine implements.
    pub fn from_id(id: u32) -> Option<DigestAlg> {
        Some(match id {
            TEE_ALG_MD5 => DigestAlg::Md5,
            TEE_ALG_SHA1 => DigestAlg::Sha1,
            TEE_ALG_SHA224 => DigestAlg::Sha224,
            TEE_ALG_SHA256 => DigestAlg::Sha256,
            TEE_ALG_SHA384 => DigestAlg::Sha384,
            TEE_ALG_SHA512 => DigestAlg::Sha512,
            TEE_ALG_SHA3_224 => DigestAlg::Sha3_224,
            TEE_ALG_SHA3_256 => DigestAlg::Sha3_256,
            TEE_ALG_SHA3_384 => DigestAlg::Sha3_384,
            TEE_ALG_SHA3_512 => DigestAlg::Sha3_512,
            TEE_ALG_SHAKE128 => DigestAlg::Shake128,
            TEE_ALG_SHAKE256 => DigestAlg::Shake256,
            TEE_ALG_SM3 => DigestAlg::Sm3,
            _ => return None,
        })
    }

    /// Output size in bytes; 0 for the XOFs (any length may be squeezed).
    pub fn digest_len(self) -> usize {
        match self {
            DigestAlg::Md5 => 16,
            DigestAlg::Sha1 => 20,
            DigestAlg::Sha224 | DigestAlg::Sha3_224 => 28,
            DigestAlg::Sha256 | DigestAlg::Sha3_256 | DigestAlg::Sm3 => 32,
            DigestAlg::Sha384 | DigestAlg::Sha3_384 => 48,
            DigestAlg::Sha512 | DigestAlg::Sha3_512 => 64,
            DigestAlg::Shake128 | DigestAlg::Shake256 => 0,
        }
    }

    /// Whether this is an extendable-output function (SHAKE).
    pub fn is_xof(self) -> bool {
        matches!(self, DigestAlg::Shake128 | DigestAlg::Shake256)
    }
}

/// The hash state: absorbing input, squeezing output (XOFs), or handing
/// out a finished fixed-length digest piece by piece (TEE_DigestExtract
/// on a fixed-length hash, as OP-TEE allows).
#[derive(Clone)]
enum State {
    Md5(md5::Md5),
    Sha1(sha1::Sha1),
    Sha224(sha2::Sha224),
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
    Sha3_224(sha3::Sha3_224),
    Sha3_256(sha3::Sha3_256),
    Sha3_384(sha3::Sha3_384),
    Sha3_512(sha3::Sha3_512),
    Shake128(sha3::Shake128),
    Shake256(sha3::Shake256),
    Sm3(sm3::Sm3),
    Squeeze128(sha3::Shake128Reader),
    Squeeze256(sha3::Shake256Reader),
    /// A finished fixed-length digest and how much of it was extracted.
    Extracted(Vec<u8>, usize),
}

impl State {
    fn new(alg: DigestAlg) -> State {
        match alg {
            DigestAlg::Md5 => State::Md5(Default::default()),
            DigestAlg::Sha1 => State::Sha1(Default::default()),
            DigestAlg::Sha224 => State::Sha224(Default::default()),
            DigestAlg::Sha256 => State::Sha256(Default::default()),
            DigestAlg::Sha384 => State::Sha384(Default::default()),
            DigestAlg::Sha512 => State::Sha512(Default::default()),
            DigestAlg::Sha3_224 => State::Sha3_224(Default::default()),
            DigestAlg::Sha3_256 => State::Sha3_256(Default::default()),
            DigestAlg::Sha3_384 => State::Sha3_384(Default::default()),
            DigestAlg::Sha3_512 => State::Sha3_512(Default::default()),
            DigestAlg::Shake128 => State::Shake128(Default::default()),
            DigestAlg::Shake256 => State::Shake256(Default::default()),
            DigestAlg::Sm3 => State::Sm3(Default::default()),
        }
    }
}

/// One digest computation. Misuse (update while extracting, a finish
/// while squeezing an XOF) is reported as [`Error::Panic`]; the operation
/// layer keeps the GP state machine.
#[derive(Clone)]
pub struct DigestEngine {
    alg: DigestAlg,
    state: State,
}

impl DigestEngine {
    pub fn new(alg: DigestAlg) -> DigestEngine {
        DigestEngine {
            alg,
            state: State::new(alg),
        }
    }

    pub fn alg(&self) -> DigestAlg {
        self.alg
    }

    /// Back to the empty message.
    pub fn reset(&mut self) {
        self.state = State::new(self.alg);
    }

    /// Absorb `data`.
    pub fn update(&mut self, data: &[u8]) -> Result<(), Error> {
        match &mut self.state {
            State::Md5(h) => Digest::update(h, data),
            State::Sha1(h) => Digest::update(h, data),
            State::Sha224(h) => Digest::update(h, data),
            State::Sha256(h) => Digest::update(h, data),
            State::Sha384(h) => Digest::update(h, data),
            State::Sha512(h) => Digest::update(h, data),
            State::Sha3_224(h) => Digest::update(h, data),
            State::Sha3_256(h) => Digest::update(h, data),
            State::Sha3_384(h) => Digest::update(h, data),
            State::Sha3_512(h) => Digest::update(h, data),
            State::Shake128(h) => Update::update(h, data),
            State::Shake256(h) => Update::update(h, data),
            State::Sm3(h) => Digest::update(h, data),
            State::Squeeze128(_) | State::Squeeze256(_) | State::Extracted(..) => {
                return Err(Error::Panic(TEE_ERROR_BAD_STATE));
            }
        }
        Ok(())
    }

    /// Finish a fixed-length hash into a new vector and start over. For an
    /// XOF, `xof_len` bytes are squeezed. Not allowed while squeezing an
    /// XOF; after a fixed-length hash was extracted from, the bytes not
    /// yet extracted (at most `xof_len`).
    pub fn finish(&mut self, xof_len: usize) -> Result<Vec<u8>, Error> {
        let fresh = State::new(self.alg);
        let out = match core::mem::replace(&mut self.state, fresh) {
            State::Md5(h) => h.finalize().to_vec(),
            State::Sha1(h) => h.finalize().to_vec(),
            State::Sha224(h) => h.finalize().to_vec(),
            State::Sha256(h) => h.finalize().to_vec(),
            State::Sha384(h) => h.finalize().to_vec(),
            State::Sha512(h) => h.finalize().to_vec(),
            State::Sha3_224(h) => h.finalize().to_vec(),
            State::Sha3_256(h) => h.finalize().to_vec(),
            State::Sha3_384(h) => h.finalize().to_vec(),
            State::Sha3_512(h) => h.finalize().to_vec(),
            State::Sm3(h) => h.finalize().to_vec(),
            State::Shake128(h) => {
                let mut v = vec![0; xof_len];
                h.finalize_xof().read(&mut v);
                v
            }
            State::Shake256(h) => {
                let mut v = vec![0; xof_len];
                h.finalize_xof().read(&mut v);
                v
            }
            // OP-TEE: the bytes of the digest not yet extracted, as many
            // as `xof_len` allows.
            State::Extracted(d, pos) => {
                let n = (d.len() - pos).min(xof_len);
                d[pos..pos + n].to_vec()
            }
            s @ (State::Squeeze128(_) | State::Squeeze256(_)) => {
                self.state = s;
                return Err(Error::Panic(TEE_ERROR_BAD_STATE));
            }
        };
        Ok(out)
    }

    /// TEE_DigestExtract: the next bytes of the output into `out`; the
    /// first call ends the absorbing phase. An XOF fills `out`; a
    /// fixed-length hash is finished on the first call and hands out the
    /// following bytes of its digest, as many as are left (OP-TEE's
    /// behaviour; none once all were extracted). Returns the count.
    pub fn extract(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if !self.is_squeezing() {
            let placeholder = State::Extracted(Vec::new(), 0);
            self.state = match core::mem::replace(&mut self.state, placeholder) {
                State::Shake128(h) => State::Squeeze128(h.finalize_xof()),
                State::Shake256(h) => State::Squeeze256(h.finalize_xof()),
                absorbing => {
                    self.state = absorbing;
                    let d = self.finish(0)?;
                    State::Extracted(d, 0)
                }
            };
        }
        Ok(match &mut self.state {
            State::Squeeze128(r) => {
                r.read(out);
                out.len()
            }
            State::Squeeze256(r) => {
                r.read(out);
                out.len()
            }
            State::Extracted(d, pos) => {
                let n = (d.len() - *pos).min(out.len());
                out[..n].copy_from_slice(&d[*pos..*pos + n]);
                *pos += n;
                n
            }
            _ => unreachable!("extracting state set above"),
        })
    }

    /// Whether the output is being extracted (squeezed from an XOF, or
    /// handed out from a finished fixed-length digest).
    pub fn is_squeezing(&self) -> bool {
        matches!(
            self.state,
            State::Squeeze128(_) | State::Squeeze256(_) | State::Extracted(..)
        )
    }
}
