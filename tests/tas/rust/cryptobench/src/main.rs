//! Crypto benchmark TA: command 0 prepares keys, operations and 1 MiB of
//! random data (all inside the TA); command 1 runs `b` iterations of
//! primitive `a` through the GP API and returns the nanoseconds they took,
//! measured here (high word in `a`, low in `b`). The primitives, in order,
//! are those of `oxtee bench --crypto` (crates/cli/src/bench_crypto).
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{Attribute, Mode, Operation, TransientObject, alg, consts, obj};
use oxtee_ta_sdk::{
    Identity, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn, ValueOut, ta_main,
};
use std::hint::black_box;
use std::time::Instant;

const MIB: usize = 1 << 20;

struct Bench {
    data: Vec<u8>,
    out: Vec<u8>,
    digest: [u8; 32],
    gcm: Operation,
    cbc: Operation,
    sha: Operation,
    hmac: Operation,
    rsa_sign: Operation,
    rsa_verify: Operation,
    rsa_sig: Vec<u8>,
    ec_sign: Operation,
    ec_verify: Operation,
    ec_sig: Vec<u8>,
    ed_sign: Operation,
    x_derive: Operation,
    x_peer: Vec<u8>,
    x_out: TransientObject,
    _keys: Vec<TransientObject>,
}

fn secret(ty: u32, bits: u32) -> TeeResult<TransientObject> {
    let mut k = TransientObject::allocate(ty, bits)?;
    k.generate_key(bits);
    Ok(k)
}

fn keyed(alg: u32, mode: Mode, bits: u32, k: &TransientObject) -> TeeResult<Operation> {
    let mut op = Operation::allocate(alg, mode, bits)?;
    op.set_key(Some(k));
    Ok(op)
}

fn sign(op: &mut Operation, digest: &[u8]) -> TeeResult<Vec<u8>> {
    let mut s = vec![0u8; 512];
    let n = op.asymmetric_sign_digest(&[], digest, &mut s)?;
    s.truncate(n);
    Ok(s)
}

impl Bench {
    fn new() -> TeeResult<Bench> {
        let mut data = vec![0u8; MIB];
        oxtee_ta_sdk::generate_random(&mut data);
        let mut digest = [0u8; 32];
        oxtee_ta_sdk::generate_random(&mut digest);
        let aes128 = secret(obj::AES, 128)?;
        let aes256 = secret(obj::AES, 256)?;
        let hkey = secret(obj::HMAC_SHA256, 256)?;
        let rsa = secret(obj::RSA_KEYPAIR, 2048)?;
        let mut ec = TransientObject::allocate(obj::ECDSA_KEYPAIR, 256)?;
        ec.generate_key_with(
            256,
            &[Attribute::Value(
                consts::TEE_ATTR_ECC_CURVE,
                consts::TEE_ECC_CURVE_NIST_P256,
                0,
            )],
        )?;
        let ed = secret(obj::ED25519_KEYPAIR, 256)?;
        let x = secret(obj::X25519_KEYPAIR, 256)?;
        let peer = secret(obj::X25519_KEYPAIR, 256)?;
        let mut x_peer = vec![0u8; 32];
        let n = peer.buffer_attribute(consts::TEE_ATTR_X25519_PUBLIC_VALUE, &mut x_peer)?;
        x_peer.truncate(n);

        let mut rsa_sign = keyed(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Sign, 2048, &rsa)?;
        let rsa_sig = sign(&mut rsa_sign, &digest)?;
        let mut ec_sign = keyed(alg::ECDSA_SHA256, Mode::Sign, 256, &ec)?;
        let ec_sig = sign(&mut ec_sign, &digest)?;
        Ok(Bench {
            data,
            out: vec![0u8; MIB],
            digest,
            gcm: keyed(alg::AES_GCM, Mode::Encrypt, 128, &aes128)?,
            cbc: keyed(alg::AES_CBC_NOPAD, Mode::Encrypt, 256, &aes256)?,
            sha: Operation::allocate(alg::SHA256, Mode::Digest, 0)?,
            hmac: keyed(alg::HMAC_SHA256, Mode::Mac, 256, &hkey)?,
            rsa_verify: keyed(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Verify, 2048, &rsa)?,
            rsa_sign,
            rsa_sig,
            ec_verify: keyed(alg::ECDSA_SHA256, Mode::Verify, 256, &ec)?,
            ec_sign,
            ec_sig,
            ed_sign: keyed(alg::ED25519, Mode::Sign, 256, &ed)?,
            x_derive: keyed(alg::X25519, Mode::Derive, 256, &x)?,
            x_peer,
            x_out: TransientObject::allocate(obj::GENERIC_SECRET, 256)?,
            _keys: vec![aes128, aes256, hkey, rsa, ec, ed, x, peer],
        })
    }

    /// `iters` runs of primitive `p`.
    fn run(&mut self, p: u32, iters: u32) -> TeeResult {
        let mut small = [0u8; 512];
        for i in 0..iters {
            match p {
                0 => {
                    let mut nonce = [0u8; 12];
                    nonce[..4].copy_from_slice(&i.to_be_bytes());
                    self.gcm.ae_init(&nonce, 128, 0, 0)?;
                    let mut tag = [0u8; 16];
                    self.gcm
                        .ae_encrypt_final(&self.data, &mut self.out, &mut tag)?;
                }
                1 => {
                    self.cbc.cipher_init(&[9u8; 16]);
                    self.cbc.cipher_do_final(&self.data, &mut self.out)?;
                }
                2 => {
                    self.sha.digest_do_final(&self.data, &mut small)?;
                }
                3 => {
                    self.hmac.mac_init(&[]);
                    self.hmac.mac_compute_final(&self.data, &mut small)?;
                }
                4 => {
                    self.rsa_sign
                        .asymmetric_sign_digest(&[], &self.digest, &mut small)?;
                }
                5 => self
                    .rsa_verify
                    .asymmetric_verify_digest(&[], &self.digest, &self.rsa_sig)?,
                6 => {
                    self.ec_sign
                        .asymmetric_sign_digest(&[], &self.digest, &mut small)?;
                }
                7 => self
                    .ec_verify
                    .asymmetric_verify_digest(&[], &self.digest, &self.ec_sig)?,
                8 => {
                    self.ed_sign
                        .asymmetric_sign_digest(&[], &self.digest, &mut small)?;
                }
                9 => {
                    self.x_out.reset();
                    self.x_derive.derive_key(
                        &[Attribute::Ref(
                            consts::TEE_ATTR_X25519_PUBLIC_VALUE,
                            &self.x_peer,
                        )],
                        &mut self.x_out,
                    );
                }
                _ => return Err(TeeError::BAD_PARAMETERS),
            }
            black_box(&self.out);
            black_box(&small);
        }
        Ok(())
    }
}

struct CryptoBenchTa {
    bench: Option<Bench>,
}

impl TrustedApp for CryptoBenchTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(CryptoBenchTa { bench: None })
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => {
                if self.bench.is_none() {
                    self.bench = Some(Bench::new()?);
                }
                Ok(())
            }
            1 => params.call(
                |(what, took, _, _): &mut (ValueIn, ValueOut, NoParam, NoParam)| {
                    let b = self.bench.as_mut().ok_or(TeeError::BAD_STATE)?;
                    let t = Instant::now();
                    b.run(what.a, what.b)?;
                    let ns = t.elapsed().as_nanos() as u64;
                    took.a = (ns >> 32) as u32;
                    took.b = ns as u32;
                    Ok(())
                },
            ),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(CryptoBenchTa);
