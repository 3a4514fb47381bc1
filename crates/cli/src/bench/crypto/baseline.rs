//! The baselines of `oxtee bench --crypto`: each primitive called directly
//! from this (plain Rust) process, through AWS-LC (aws-lc-rs) and through
//! the RustCrypto crate the engine uses, on the same sizes as the TA.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// The primitives measured; the number is the TA's command argument
/// (tests/tas/rust/cryptobench).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prim {
    AesGcm128,
    AesCbc256,
    Sha256,
    HmacSha256,
    RsaSign,
    RsaVerify,
    EcdsaSign,
    EcdsaVerify,
    Ed25519Sign,
    X25519,
}

pub const ALL: [Prim; 10] = [
    Prim::AesGcm128,
    Prim::AesCbc256,
    Prim::Sha256,
    Prim::HmacSha256,
    Prim::RsaSign,
    Prim::RsaVerify,
    Prim::EcdsaSign,
    Prim::EcdsaVerify,
    Prim::Ed25519Sign,
    Prim::X25519,
];

/// Size of the symmetric primitives' input.
pub const MIB: usize = 1 << 20;

impl Prim {
    pub fn id(self) -> u32 {
        ALL.iter().position(|p| *p == self).unwrap_or_default() as u32
    }

    pub fn name(self) -> &'static str {
        match self {
            Prim::AesGcm128 => "AES-128-GCM encrypt, 1 MiB",
            Prim::AesCbc256 => "AES-256-CBC encrypt, 1 MiB",
            Prim::Sha256 => "SHA-256, 1 MiB",
            Prim::HmacSha256 => "HMAC-SHA256, 1 MiB",
            Prim::RsaSign => "RSA-2048 PKCS#1 v1.5 sign",
            Prim::RsaVerify => "RSA-2048 PKCS#1 v1.5 verify",
            Prim::EcdsaSign => "ECDSA P-256 sign",
            Prim::EcdsaVerify => "ECDSA P-256 verify",
            Prim::Ed25519Sign => "Ed25519 sign, 32 bytes",
            Prim::X25519 => "X25519 derive",
        }
    }

    /// The unit of its throughput.
    pub fn unit(self) -> &'static str {
        match self {
            Prim::AesGcm128 | Prim::AesCbc256 | Prim::Sha256 | Prim::HmacSha256 => "MiB/s",
            _ => "op/s",
        }
    }

    /// Iterations per timed round, so that a round takes some
    /// milliseconds.
    pub fn iters(self) -> u32 {
        match self {
            Prim::AesGcm128 => 64,
            Prim::AesCbc256 | Prim::Sha256 | Prim::HmacSha256 => 8,
            Prim::RsaSign => 20,
            Prim::RsaVerify => 400,
            Prim::EcdsaSign | Prim::EcdsaVerify | Prim::Ed25519Sign | Prim::X25519 => 200,
        }
    }
}

/// Keys and buffers prepared once (key generation is not timed).
pub struct Baselines {
    buf: Vec<u8>,
    digest: [u8; 32],
    rsa_rc: rsa::RsaPrivateKey,
    rsa_lc: aws_lc_rs::rsa::KeyPair,
    rsa_lc_pub: aws_lc_rs::signature::ParsedPublicKey,
    rsa_sig: Vec<u8>,
    ec_rc: p256::ecdsa::SigningKey,
    ec_lc: aws_lc_rs::signature::EcdsaKeyPair,
    ec_lc_pub: aws_lc_rs::signature::ParsedPublicKey,
    ec_sig: Vec<u8>,
    ed_rc: ed25519_dalek::SigningKey,
    ed_lc: aws_lc_rs::signature::Ed25519KeyPair,
    x_secret: [u8; 32],
    x_lc: aws_lc_rs::agreement::PrivateKey,
    x_peer: [u8; 32],
}

fn lc_digest(d: &[u8]) -> aws_lc_rs::digest::Digest {
    aws_lc_rs::digest::Digest::import_less_safe(d, &aws_lc_rs::digest::SHA256)
        .expect("a SHA-256 sized digest")
}

impl Baselines {
    pub fn new() -> Baselines {
        use aws_lc_rs::signature::{self as sig, KeyPair};
        use rand_core::{OsRng, RngCore};
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        let mut buf = vec![0u8; MIB];
        OsRng.fill_bytes(&mut buf);
        let mut digest = [0u8; 32];
        OsRng.fill_bytes(&mut digest);

        let rsa_rc = rsa::RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key generation");
        let be = |n: &rsa::BigUint| n.to_bytes_be();
        let p = &rsa_rc.primes()[0];
        let q = &rsa_rc.primes()[1];
        let comps = aws_lc_rs::rsa::KeyPairComponents {
            public_key: aws_lc_rs::rsa::PublicKeyComponents {
                n: be(rsa_rc.n()),
                e: be(rsa_rc.e()),
            },
            d: be(rsa_rc.d()),
            p: be(p),
            q: be(q),
            dP: be(rsa_rc.dp().expect("CRT values")),
            dQ: be(rsa_rc.dq().expect("CRT values")),
            qInv: rsa_rc.crt_coefficient().expect("CRT values").to_bytes_be(),
        };
        let rsa_lc = aws_lc_rs::rsa::KeyPair::from_components(&comps).expect("AWS-LC RSA key");
        let rsa_lc_pub = sig::ParsedPublicKey::new(
            &sig::RSA_PKCS1_2048_8192_SHA256,
            rsa_lc.public_key().as_ref(),
        )
        .expect("AWS-LC RSA public key");
        let mut rsa_sig = vec![0u8; rsa_lc.public_modulus_len()];
        rsa_lc
            .sign_digest(&sig::RSA_PKCS1_SHA256, &lc_digest(&digest), &mut rsa_sig)
            .expect("RSA sign");

        let ec_rc = p256::ecdsa::SigningKey::random(&mut OsRng);
        let ec_pub = ec_rc.verifying_key().to_encoded_point(false);
        let ec_lc = sig::EcdsaKeyPair::from_private_key_and_public_key(
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            &ec_rc.to_bytes(),
            ec_pub.as_bytes(),
        )
        .expect("AWS-LC P-256 key");
        let ec_lc_pub = sig::ParsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, ec_pub.as_bytes())
            .expect("AWS-LC P-256 public key");
        let ec_sig = ec_lc
            .sign_digest(&lc_digest(&digest))
            .expect("ECDSA sign")
            .as_ref()
            .to_vec();

        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        let ed_rc = ed25519_dalek::SigningKey::from_bytes(&seed);
        let ed_lc =
            sig::Ed25519KeyPair::from_seed_and_public_key(&seed, ed_rc.verifying_key().as_bytes())
                .expect("AWS-LC Ed25519 key");

        let mut x_secret = [0u8; 32];
        OsRng.fill_bytes(&mut x_secret);
        let x_lc = aws_lc_rs::agreement::PrivateKey::from_private_key(
            &aws_lc_rs::agreement::X25519,
            &x_secret,
        )
        .expect("AWS-LC X25519 key");
        let mut peer = [0u8; 32];
        OsRng.fill_bytes(&mut peer);
        let x_peer = curve25519_dalek::MontgomeryPoint::mul_base_clamped(peer).to_bytes();
        Baselines {
            buf,
            digest,
            rsa_rc,
            rsa_lc,
            rsa_lc_pub,
            rsa_sig,
            ec_rc,
            ec_lc,
            ec_lc_pub,
            ec_sig,
            ed_rc,
            ed_lc,
            x_secret,
            x_lc,
            x_peer,
        }
    }

    /// `iters` runs of `p` through AWS-LC.
    pub fn aws_lc(&mut self, p: Prim, iters: u32) -> Duration {
        use aws_lc_rs::{aead, agreement, cipher, digest, hmac, signature as sig};
        let key = [7u8; 32];
        let t = Instant::now();
        match p {
            Prim::AesGcm128 => {
                let k = aead::LessSafeKey::new(
                    aead::UnboundKey::new(&aead::AES_128_GCM, &key[..16]).expect("key"),
                );
                for i in 0..iters {
                    let mut n = [0u8; 12];
                    n[..4].copy_from_slice(&i.to_be_bytes());
                    let tag = k
                        .seal_in_place_separate_tag(
                            aead::Nonce::assume_unique_for_key(n),
                            aead::Aad::empty(),
                            &mut self.buf,
                        )
                        .expect("seal");
                    let _ = black_box(tag);
                }
            }
            Prim::AesCbc256 => {
                let k = cipher::EncryptingKey::cbc(
                    cipher::UnboundCipherKey::new(&cipher::AES_256, &key).expect("key"),
                )
                .expect("key");
                for _ in 0..iters {
                    let ctx = cipher::EncryptionContext::Iv128([9u8; 16].into());
                    black_box(k.less_safe_encrypt(&mut self.buf, ctx).expect("encrypt"));
                }
            }
            Prim::Sha256 => {
                for _ in 0..iters {
                    black_box(digest::digest(&digest::SHA256, black_box(&self.buf)));
                }
            }
            Prim::HmacSha256 => {
                let k = hmac::Key::new(hmac::HMAC_SHA256, &key);
                for _ in 0..iters {
                    black_box(hmac::sign(&k, black_box(&self.buf)));
                }
            }
            Prim::RsaSign => {
                let mut s = vec![0u8; self.rsa_lc.public_modulus_len()];
                for _ in 0..iters {
                    self.rsa_lc
                        .sign_digest(&sig::RSA_PKCS1_SHA256, &lc_digest(&self.digest), &mut s)
                        .expect("sign");
                    black_box(&s);
                }
            }
            Prim::RsaVerify => {
                for _ in 0..iters {
                    self.rsa_lc_pub
                        .verify_digest_sig(&lc_digest(&self.digest), &self.rsa_sig)
                        .expect("verify");
                }
            }
            Prim::EcdsaSign => {
                for _ in 0..iters {
                    black_box(
                        self.ec_lc
                            .sign_digest(&lc_digest(&self.digest))
                            .expect("sign"),
                    );
                }
            }
            Prim::EcdsaVerify => {
                for _ in 0..iters {
                    self.ec_lc_pub
                        .verify_digest_sig(&lc_digest(&self.digest), &self.ec_sig)
                        .expect("verify");
                }
            }
            Prim::Ed25519Sign => {
                for _ in 0..iters {
                    black_box(self.ed_lc.sign(&self.digest));
                }
            }
            Prim::X25519 => {
                let peer = agreement::UnparsedPublicKey::new(&agreement::X25519, self.x_peer);
                for _ in 0..iters {
                    agreement::agree(&self.x_lc, peer, (), |s| {
                        black_box(s);
                        Ok(())
                    })
                    .expect("agree");
                }
            }
        }
        t.elapsed()
    }

    /// `iters` runs of `p` through the RustCrypto crates the engine uses.
    pub fn rust_crypto(&mut self, p: Prim, iters: u32) -> Duration {
        use rand_core::OsRng;
        let key = [7u8; 32];
        let t = Instant::now();
        match p {
            Prim::AesGcm128 => {
                use aes_gcm::aead::{AeadInPlace, KeyInit};
                let k = aes_gcm::Aes128Gcm::new_from_slice(&key[..16]).expect("key");
                for i in 0..iters {
                    let mut n = [0u8; 12];
                    n[..4].copy_from_slice(&i.to_be_bytes());
                    let tag = k
                        .encrypt_in_place_detached((&n).into(), &[], &mut self.buf)
                        .expect("seal");
                    black_box(tag);
                }
            }
            Prim::AesCbc256 => {
                use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::NoPadding};
                for _ in 0..iters {
                    let e = cbc::Encryptor::<aes::Aes256>::new((&key).into(), (&[9u8; 16]).into());
                    let n = self.buf.len();
                    black_box(
                        e.encrypt_padded_mut::<NoPadding>(&mut self.buf, n)
                            .expect("whole blocks"),
                    );
                }
            }
            Prim::Sha256 => {
                use sha2::Digest;
                for _ in 0..iters {
                    black_box(sha2::Sha256::digest(black_box(&self.buf)));
                }
            }
            Prim::HmacSha256 => {
                use hmac::Mac;
                for _ in 0..iters {
                    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
                    m.update(black_box(&self.buf));
                    black_box(m.finalize());
                }
            }
            Prim::RsaSign => {
                for _ in 0..iters {
                    let s = self
                        .rsa_rc
                        .sign_with_rng(
                            &mut OsRng,
                            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                            &self.digest,
                        )
                        .expect("sign");
                    black_box(s);
                }
            }
            Prim::RsaVerify => {
                let public = self.rsa_rc.to_public_key();
                for _ in 0..iters {
                    public
                        .verify(
                            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                            &self.digest,
                            &self.rsa_sig,
                        )
                        .expect("verify");
                }
            }
            Prim::EcdsaSign => {
                use p256::ecdsa::signature::hazmat::RandomizedPrehashSigner;
                for _ in 0..iters {
                    let s: p256::ecdsa::Signature = self
                        .ec_rc
                        .sign_prehash_with_rng(&mut OsRng, &self.digest)
                        .expect("sign");
                    black_box(s);
                }
            }
            Prim::EcdsaVerify => {
                use p256::ecdsa::signature::hazmat::PrehashVerifier;
                let vk = *self.ec_rc.verifying_key();
                let s = p256::ecdsa::Signature::from_slice(&self.ec_sig).expect("signature");
                for _ in 0..iters {
                    vk.verify_prehash(&self.digest, &s).expect("verify");
                }
            }
            Prim::Ed25519Sign => {
                use ed25519_dalek::Signer;
                for _ in 0..iters {
                    black_box(self.ed_rc.sign(&self.digest));
                }
            }
            Prim::X25519 => {
                for _ in 0..iters {
                    let s =
                        curve25519_dalek::MontgomeryPoint(self.x_peer).mul_clamped(self.x_secret);
                    black_box(s);
                }
            }
        }
        t.elapsed()
    }
}
