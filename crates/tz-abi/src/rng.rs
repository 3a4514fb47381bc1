//! The secure kernel's random generator: HMAC_DRBG with SHA-256 (NIST SP
//! 800-90A rev. 1, section 10.1.2), instantiated from the boot seed the
//! monitor takes from the machine, and reseeded with what is added later
//! (the system pseudo-TA's `ADD_RNG_ENTROPY`, the counter's low bits).
//! Checked against NIST's CAVP vectors below.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// HMAC_DRBG (SHA-256) state: the key `K` and value `V`.
pub struct Drbg {
    k: [u8; 32],
    v: [u8; 32],
}

fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: this cannot fail.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl Drbg {
    /// Instantiate from entropy, a nonce and a personalization string
    /// (their concatenation is the seed material; none may be secret from
    /// nobody: the entropy is what counts).
    pub fn new(entropy: &[u8], nonce: &[u8], personalization: &[u8]) -> Drbg {
        let mut d = Drbg {
            k: [0; 32],
            v: [1; 32],
        };
        d.update(&[entropy, nonce, personalization]);
        d
    }

    /// HMAC_DRBG_Update with the concatenation of `data`.
    fn update(&mut self, data: &[&[u8]]) {
        let empty = data.iter().all(|d| d.is_empty());
        for round in [0u8, 1] {
            if round == 1 && empty {
                break;
            }
            let mut parts: [&[u8]; 8] = [&[]; 8];
            parts[0] = &self.v;
            parts[1] = core::slice::from_ref(&round);
            for (slot, d) in parts[2..].iter_mut().zip(data) {
                *slot = d;
            }
            self.k = hmac(&self.k, &parts[..2 + data.len().min(6)]);
            self.v = hmac(&self.k, &[&self.v]);
        }
    }

    /// Reseed with more entropy (and optional additional input).
    pub fn reseed(&mut self, entropy: &[u8], additional: &[u8]) {
        self.update(&[entropy, additional]);
    }

    /// Fill `out` (HMAC_DRBG_Generate without additional input; any
    /// length, in requests of at most 64 KiB as SP 800-90A bounds them).
    pub fn generate(&mut self, out: &mut [u8]) {
        for request in out.chunks_mut(1 << 16) {
            for block in request.chunks_mut(32) {
                self.v = hmac(&self.k, &[&self.v]);
                block.copy_from_slice(&self.v[..block.len()]);
            }
            self.update(&[]);
        }
    }
}

impl rand_core::RngCore for Drbg {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.generate(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.generate(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.generate(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.generate(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for Drbg {}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// A NIST CAVP HMAC_DRBG.rsp case ([SHA-256], no prediction
    /// resistance, no personalization or additional input): instantiate,
    /// reseed if the case does, generate 1024 bits twice; the second are
    /// the returned bits.
    fn cavp(entropy: &str, nonce: &str, reseed: Option<&str>, returned: &[&str]) {
        let mut d = Drbg::new(&hex(entropy), &hex(nonce), &[]);
        if let Some(r) = reseed {
            d.reseed(&hex(r), &[]);
        }
        let mut out = [0u8; 128];
        d.generate(&mut out);
        d.generate(&mut out);
        assert_eq!(out.to_vec(), hex(&returned.concat()));
    }

    #[test]
    fn cavp_sha256_count0() {
        cavp(
            "ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488",
            "659ba96c601dc69fc902940805ec0ca8",
            None,
            &[
                "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89",
                "d54fbb978a15b5c443c9ec21036d2460b6f73ebad0dc2aba6e624abf07745bc1",
                "07694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668",
                "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8",
            ],
        );
    }

    /// The same file, a case with a reseed (line 5064).
    #[test]
    fn cavp_sha256_with_reseed() {
        cavp(
            "06032cd5eed33f39265f49ecb142c511da9aff2af71203bffaf34a9ca5bd9c0d",
            "0e66f71edc43e42a45ad3c6fc6cdc4df",
            Some("01920a4e669ed3a85ae8a33b35a74ad7fb2a6bb4cf395ce00334a9c9a5a5d552"),
            &[
                "76fc79fe9b50beccc991a11b5635783a83536add03c157fb30645e611c2898bb",
                "2b1bc215000209208cd506cb28da2a51bdb03826aaf2bd2335d576d519160842",
                "e7158ad0949d1a9ec3e66ea1b1a064b005de914eac2e9d4f2d72a8616a802254",
                "22918250ff66a41bd2f864a6a38cc5b6499dc43f7f2bd09e1e0f8f5885935124",
            ],
        );
    }

    #[test]
    fn reseeding_changes_the_stream() {
        let seed = [7u8; 32];
        let (mut a, mut b) = (Drbg::new(&seed, &[], &[]), Drbg::new(&seed, &[], &[]));
        let (mut x, mut y) = ([0u8; 40], [0u8; 40]);
        a.generate(&mut x);
        b.generate(&mut y);
        assert_eq!(x, y);
        b.reseed(b"more", &[]);
        a.generate(&mut x);
        b.generate(&mut y);
        assert_ne!(x, y);
    }
}
