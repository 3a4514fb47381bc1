//! Asymmetric cryptography test TA in Rust: the commands of
//! tests/tas/c/asym (see its include/asym_ta.h) through the SDK's
//! `crypto` module.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{Attribute, Mode, Operation, TransientObject, consts, obj};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ta_main,
};

struct AsymTa;

/// A reader over the batch (any overrun is BAD_PARAMETERS).
struct Rd<'a>(&'a [u8]);

impl<'a> Rd<'a> {
    fn u32(&mut self) -> TeeResult<u32> {
        let Some((w, rest)) = self.0.split_first_chunk::<4>() else {
            return Err(TeeError::BAD_PARAMETERS);
        };
        self.0 = rest;
        Ok(u32::from_le_bytes(*w))
    }

    fn bytes(&mut self) -> TeeResult<&'a [u8]> {
        let n = self.u32()? as usize;
        if self.0.len() < n {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let (b, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(b)
    }

    fn attrs(&mut self) -> TeeResult<Vec<Attribute<'a>>> {
        let n = self.u32()?;
        if n > 12 {
            return Err(TeeError::BAD_PARAMETERS);
        }
        (0..n)
            .map(|_| {
                let id = self.u32()?;
                Ok(if id & consts::TEE_ATTR_FLAG_VALUE != 0 {
                    Attribute::Value(id, self.u32()?, self.u32()?)
                } else {
                    Attribute::Ref(id, self.bytes()?)
                })
            })
            .collect()
    }
}

fn mode_of(kind: u32) -> Mode {
    match kind {
        0 => Mode::Encrypt,
        1 => Mode::Decrypt,
        2 => Mode::Sign,
        3 => Mode::Verify,
        _ => Mode::Derive,
    }
}

fn keyed(alg: u32, mode: Mode, bits: u32, k: &TransientObject) -> TeeResult<Operation> {
    let mut op = Operation::allocate(alg, mode, bits)?;
    op.set_key(Some(k));
    Ok(op)
}

/// The shared secret `op` derives with `params`.
fn derive(op: &mut Operation, params: &[Attribute<'_>]) -> TeeResult<Vec<u8>> {
    let mut s = TransientObject::allocate(obj::GENERIC_SECRET, 4096)?;
    op.derive_key(params, &mut s);
    let mut out = vec![0u8; 512];
    let n = s.buffer_attribute(obj::ATTR_SECRET_VALUE, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The public attributes `ids` of `k`.
fn public_values(k: &TransientObject, ids: &[u32]) -> TeeResult<Vec<(u32, Vec<u8>)>> {
    ids.iter()
        .map(|&id| {
            let mut b = vec![0u8; 600];
            let n = k.buffer_attribute(id, &mut b)?;
            b.truncate(n);
            Ok((id, b))
        })
        .collect()
}

fn refs(v: &[(u32, Vec<u8>)]) -> Vec<Attribute<'_>> {
    v.iter().map(|(id, b)| Attribute::Ref(*id, b)).collect()
}

/// The operation class of `alg` (bits 31..28, except where OP-TEE's SM2
/// and the vendor identifiers do not follow that pattern).
fn class_of(alg: u32) -> u32 {
    match alg {
        consts::TEE_ALG_SM2_PKE | consts::TEE_ALG_MLKEM => consts::TEE_OPERATION_ASYMMETRIC_CIPHER,
        consts::TEE_ALG_SM2_KEP => consts::TEE_OPERATION_KEY_DERIVATION,
        consts::TEE_ALG_MLDSA => consts::TEE_OPERATION_ASYMMETRIC_SIGNATURE,
        _ => alg >> 28,
    }
}

/// kind 5: generate a key with parameters `ka`, then use it.
fn generated(
    alg: u32,
    ty: u32,
    bits: u32,
    ka: &[Attribute<'_>],
    pa: &[Attribute<'_>],
    input: &[u8],
) -> TeeResult<Vec<u8>> {
    let mut k = TransientObject::allocate(ty, bits)?;
    k.generate_key_with(bits, ka)?;
    let class = class_of(alg);
    let mut out = vec![0u8; 4096];
    if class == 8 {
        let mut k2 = TransientObject::allocate(ty, bits)?;
        k2.generate_key_with(bits, ka)?;
        let ids: Vec<u32> = pa
            .iter()
            .map(|a| match a {
                Attribute::Ref(id, _) | Attribute::Value(id, _, _) => *id,
            })
            .collect();
        let s1 = derive(
            &mut keyed(alg, Mode::Derive, bits, &k)?,
            &refs(&public_values(&k2, &ids)?),
        )?;
        let s2 = derive(
            &mut keyed(alg, Mode::Derive, bits, &k2)?,
            &refs(&public_values(&k, &ids)?),
        )?;
        return if s1 == s2 {
            Ok(s2)
        } else {
            Err(TeeError::GENERIC)
        };
    }
    if class == 7 {
        let n = keyed(alg, Mode::Sign, bits, &k)?.asymmetric_sign_digest(pa, input, &mut out)?;
        out.truncate(n);
        keyed(alg, Mode::Verify, bits, &k)?.asymmetric_verify_digest(pa, input, &out)?;
        return Ok(out);
    }
    let n = keyed(alg, Mode::Encrypt, bits, &k)?.asymmetric_encrypt(pa, input, &mut out)?;
    out.truncate(n);
    let mut back = vec![0u8; 4096];
    let m = keyed(alg, Mode::Decrypt, bits, &k)?.asymmetric_decrypt(pa, &out, &mut back)?;
    if back[..m] != *input {
        return Err(TeeError::GENERIC);
    }
    Ok(out)
}

/// kind 6: derive with the key of `ka` and a second key whose attributes
/// are packed in `input2`; `input` is the derived size in bits.
fn derived2(
    alg: u32,
    ty: u32,
    bits: u32,
    ka: &[Attribute<'_>],
    pa: &[Attribute<'_>],
    input: &[u8],
    input2: &[u8],
) -> TeeResult<Vec<u8>> {
    let mut r = Rd(input2);
    let ka2 = r.attrs()?;
    let sbits = input
        .try_into()
        .map(u32::from_le_bytes)
        .map_err(|_| TeeError::BAD_PARAMETERS)?;
    if !r.0.is_empty() {
        return Err(TeeError::BAD_PARAMETERS);
    }
    let mut k = TransientObject::allocate(ty, bits)?;
    k.populate(ka)?;
    let mut k2 = TransientObject::allocate(ty, bits)?;
    k2.populate(&ka2)?;
    let mut op = Operation::allocate(alg, Mode::Derive, bits)?;
    op.set_key2(Some(&k), Some(&k2));
    let mut s = TransientObject::allocate(obj::GENERIC_SECRET, sbits)?;
    op.derive_key(pa, &mut s);
    let mut out = vec![0u8; 512];
    let n = s.buffer_attribute(obj::ATTR_SECRET_VALUE, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// One vector: the output bytes, or the code of the call that failed.
fn one(r: &mut Rd<'_>) -> TeeResult<TeeResult<Vec<u8>>> {
    let (kind, alg, ty, bits, hash) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let ka = r.attrs()?;
    let pa = r.attrs()?;
    let (input, input2) = (r.bytes()?, r.bytes()?);
    Ok(run(kind, alg, ty, bits, hash, &ka, &pa, input, input2))
}

#[allow(clippy::too_many_arguments)]
fn run(
    kind: u32,
    alg: u32,
    ty: u32,
    bits: u32,
    hash: u32,
    ka: &[Attribute<'_>],
    pa: &[Attribute<'_>],
    input: &[u8],
    input2: &[u8],
) -> TeeResult<Vec<u8>> {
    let digest;
    let input = if hash != 0 {
        let mut d = Operation::allocate(hash, Mode::Digest, 0)?;
        digest = d.digest_final(input, 0);
        &digest[..]
    } else {
        input
    };
    if kind == 5 {
        return generated(alg, ty, bits, ka, pa, input);
    }
    if kind == 6 {
        return derived2(alg, ty, bits, ka, pa, input, input2);
    }
    let mut k = TransientObject::allocate(ty, bits)?;
    k.populate(ka)?;
    let mut op = keyed(alg, mode_of(kind), bits, &k)?;
    let mut out = vec![0u8; 4096];
    let n = match kind {
        0 => op.asymmetric_encrypt(pa, input, &mut out)?,
        1 => op.asymmetric_decrypt(pa, input, &mut out)?,
        2 => op.asymmetric_sign_digest(pa, input, &mut out)?,
        3 => {
            op.asymmetric_verify_digest(pa, input, input2)?;
            0
        }
        _ => {
            if alg == consts::TEE_ALG_ECDH_DERIVE_SHARED_SECRET {
                // The peer's point must be a valid public key first.
                let mut peer = TransientObject::allocate(obj::ECDH_PUBLIC_KEY, bits)?;
                let mut a: Vec<Attribute<'_>> = pa.to_vec();
                a.extend(ka.iter().filter(|x| {
                    matches!(x, Attribute::Value(id, _, _) if *id == consts::TEE_ATTR_ECC_CURVE)
                }));
                peer.populate(&a)?;
            }
            out = derive(&mut op, pa)?;
            out.len()
        }
    };
    out.truncate(n);
    Ok(out)
}

fn batch(input: &MemrefIn, out: &mut MemrefOut) -> TeeResult {
    let mut r = Rd(input.data());
    let mut v = Vec::new();
    while !r.0.is_empty() {
        let (code, bytes) = match one(&mut r)? {
            Ok(b) => (0, b),
            Err(e) => (e.0, Vec::new()),
        };
        v.extend(code.to_le_bytes());
        v.extend((bytes.len() as u32).to_le_bytes());
        v.extend(bytes);
    }
    out.write(&v)
}

fn rsa_pair(usage: u32) -> TeeResult<TransientObject> {
    let mut k = TransientObject::allocate(obj::RSA_KEYPAIR, 512)?;
    k.generate_key(512);
    k.restrict_usage(usage);
    Ok(k)
}

fn panic_case(case: u32) -> TeeResult {
    use oxtee_ta_sdk::crypto::alg;
    let dig = [0u8; 32];
    let mut sig = [0u8; 64];
    match case {
        0 => {
            let k = rsa_pair(obj::USAGE_DEFAULT)?;
            let mut op = keyed(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Verify, 512, &k)?;
            let _ = op.asymmetric_sign_digest(&[], &dig, &mut sig);
        }
        1 => {
            let k = rsa_pair(obj::USAGE_VERIFY)?;
            keyed(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Sign, 512, &k)?;
        }
        2 => {
            let k = rsa_pair(obj::USAGE_DEFAULT)?;
            let mut p = TransientObject::allocate(obj::RSA_PUBLIC_KEY, 512)?;
            p.copy_attributes_from(&k);
            keyed(alg::RSASSA_PKCS1_V1_5_SHA256, Mode::Sign, 512, &p)?;
        }
        3 => {
            let mut op = Operation::allocate(alg::RSAES_PKCS1_V1_5, Mode::Encrypt, 512)?;
            let _ = op.asymmetric_encrypt(&[], &dig[..4], &mut sig);
        }
        4 => {
            let mut k = TransientObject::allocate(obj::RSA_KEYPAIR, 512)?;
            let b = [1u8; 64];
            let _ = k.populate(&[
                Attribute::Ref(consts::TEE_ATTR_RSA_MODULUS, &b),
                Attribute::Ref(consts::TEE_ATTR_RSA_PUBLIC_EXPONENT, &b[..3]),
            ]);
        }
        5 => {
            let k = rsa_pair(obj::USAGE_DEFAULT)?;
            let mut op = keyed(alg::RSASSA_PKCS1_PSS_MGF1_SHA256, Mode::Sign, 512, &k)?;
            let _ = op.asymmetric_sign_digest(&[], &dig[..20], &mut sig);
        }
        _ => return Err(TeeError::BAD_PARAMETERS),
    }
    Ok(())
}

impl TrustedApp for AsymTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(AsymTa)
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(|(input, out): &mut (MemrefIn, MemrefOut)| batch(input, out)),
            1 => params.call(|(a,): &mut (ValueIn,)| panic_case(a.a)),
            2 => params.call(
                |(out, _, _, _): &mut (MemrefOut, NoParam, NoParam, NoParam)| {
                    let mut b = vec![0u8; out.capacity()];
                    oxtee_ta_sdk::generate_random(&mut b);
                    out.write(&b)
                },
            ),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(AsymTa);
