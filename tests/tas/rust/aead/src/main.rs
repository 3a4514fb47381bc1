//! Authenticated encryption and CMAC test TA in Rust: the commands of
//! tests/tas/c/aead (see its include/aead_ta.h) through the SDK's
//! `crypto` module.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{Attribute, Mode, Operation, TransientObject, alg, obj};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ta_main,
};

struct AeadTa;

fn le32(b: &[u8]) -> usize {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
}

/// An operation with `key` set.
fn keyed(algorithm: u32, mode: Mode, key_type: u32, key: &[u8]) -> TeeResult<Operation> {
    let mut op = Operation::allocate(algorithm, mode, 8 * key.len() as u32)?;
    let mut o = TransientObject::allocate(key_type, 8 * key.len() as u32)?;
    o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, key)])?;
    op.set_key(Some(&o));
    Ok(op)
}

/// One vector: the output bytes, or the code of the call that failed.
fn one(w: &[usize; 10], d: &[u8]) -> TeeResult<Vec<u8>> {
    let [
        kind,
        algorithm,
        key_type,
        kl,
        nl,
        al,
        il,
        tl,
        asplit,
        isplit,
    ] = *w;
    let (key, d) = d.split_at(kl);
    let (nonce, d) = d.split_at(nl);
    let (aad, d) = d.split_at(al);
    let (input, tag) = d.split_at(il);
    if asplit > al || isplit > il {
        return Err(TeeError::BAD_PARAMETERS);
    }
    let mode = match kind {
        0 => Mode::Encrypt,
        1 => Mode::Decrypt,
        _ => Mode::Mac,
    };
    let mut op = keyed(algorithm as u32, mode, key_type as u32, key)?;
    let (first, rest) = input.split_at(isplit);
    if kind >= 2 {
        op.mac_init(&[]);
        op.mac_update(first);
        if kind == 3 {
            op.mac_compare_final(rest, tag)?;
            return Ok(Vec::new());
        }
        let mut m = [0u8; 64];
        let n = op.mac_compute_final(rest, &mut m)?;
        return Ok(m[..n].to_vec());
    }
    op.ae_init(nonce, 8 * tl as u32, al, il)?;
    op.ae_update_aad(&aad[..asplit]);
    op.ae_update_aad(&aad[asplit..]);
    let mut out = vec![0u8; il + tl];
    let a = op.ae_update(first, &mut out)?;
    if kind == 0 {
        // The rest of the output (AES-CCM updates give whole blocks and
        // keep the rest for the final, as OP-TEE), then the tag.
        let (o, t) = out[a..].split_at_mut(il - a);
        let (b, n) = op.ae_encrypt_final(rest, o, t)?;
        out.truncate(a + b + n);
    } else {
        let b = op.ae_decrypt_final(rest, &mut out[a..], tag)?;
        out.truncate(a + b);
    }
    Ok(out)
}

fn batch(input: &MemrefIn, out: &mut MemrefOut) -> TeeResult {
    let mut d = input.data();
    let mut v = Vec::new();
    while !d.is_empty() {
        if d.len() < 40 {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let mut w = [0usize; 10];
        for (i, x) in w.iter_mut().enumerate() {
            *x = le32(&d[4 * i..]);
        }
        if w[3..8].iter().any(|&n| n > 65536) {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let len: usize = w[3..8].iter().sum();
        d = &d[40..];
        if d.len() < len {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let (code, bytes) = match one(&w, &d[..len]) {
            Ok(b) => (0, b),
            Err(e) => (e.0, Vec::new()),
        };
        v.extend(code.to_le_bytes());
        v.extend((bytes.len() as u32).to_le_bytes());
        v.extend(bytes);
        d = &d[len..];
    }
    out.write(&v)
}

const K16: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

fn aes_op(algorithm: u32, mode: Mode) -> TeeResult<Operation> {
    keyed(algorithm, mode, obj::AES, &K16)
}

fn panic_case(case: u32) -> TeeResult {
    let mut buf = [0u8; 64];
    let mut tag = [0u8; 16];
    match case {
        0 => {
            let mut op = aes_op(alg::AES_GCM, Mode::Encrypt)?;
            op.ae_init(&K16[..12], 128, 0, 0)?;
            op.ae_update(&K16[..4], &mut buf)?;
            op.ae_update_aad(&K16[..4]);
        }
        1 => {
            aes_op(alg::AES_GCM, Mode::Encrypt)?.ae_update(&K16[..4], &mut buf)?;
        }
        2 => {
            let mut op = aes_op(alg::AES_GCM, Mode::Decrypt)?;
            op.ae_init(&K16[..12], 128, 0, 0)?;
            op.ae_encrypt_final(&K16[..4], &mut buf, &mut tag)?;
        }
        3 => {
            let mut op = aes_op(alg::AES_CCM, Mode::Encrypt)?;
            op.ae_init(&K16[..13], 128, 0, 4)?;
            op.ae_update(&K16[..5], &mut buf)?;
        }
        4 => {
            Operation::allocate(alg::AES_GCM, Mode::Encrypt, 128)?.ae_init(
                &K16[..12],
                128,
                0,
                0,
            )?;
        }
        _ => return Err(TeeError::NOT_SUPPORTED),
    }
    Ok(())
}

fn code<T>(r: TeeResult<T>) -> u32 {
    r.err().map_or(0, |e| e.0)
}

fn misc() -> TeeResult<Vec<u32>> {
    let mut w = vec![0u32; 16];
    let buf = [0x5au8; 20];
    let mut out = [0u8; 32];
    let mut tag = [0u8; 16];
    let mut op = aes_op(alg::AES_GCM, Mode::Encrypt)?;
    w[0] = code(op.ae_init(&K16[..12], 64, 0, 0));
    w[2] = code(op.ae_init(&K16[..12], 128, 0, 0));
    w[3] = code(op.ae_update(&buf, &mut out[..10]));
    w[4] = 20;
    w[5] = code(op.ae_encrypt_final(&buf[..5], &mut out[..5], &mut tag[..8]));
    (w[6], w[7]) = (5, op.ae_tag_len() as u32);
    let r = op.ae_encrypt_final(&buf[..5], &mut out[..5], &mut tag);
    w[8] = code(r);
    w[9] = r.map_or(0, |(_, t)| t as u32);
    let mut op = aes_op(alg::AES_GCM, Mode::Decrypt)?;
    op.ae_init(&K16[..12], 128, 0, 0)?;
    tag[0] ^= 1;
    let ct = out;
    w[10] = code(op.ae_decrypt_final(&ct[..5], &mut out, &tag));
    let mut op = aes_op(alg::AES_CCM, Mode::Encrypt)?;
    w[1] = code(op.ae_init(&K16[..6], 64, 0, 0));
    w[11] = code(oxtee_ta_sdk::crypto::is_algorithm_supported(
        alg::AES_GCM,
        0,
    ));
    w[12] = code(oxtee_ta_sdk::crypto::is_algorithm_supported(
        alg::AES_CCM,
        0,
    ));
    w[13] = code(oxtee_ta_sdk::crypto::is_algorithm_supported(
        alg::AES_CMAC,
        0,
    ));
    w[14] = aes_op(alg::AES_CMAC, Mode::Mac)?.info().digest_length;
    w[15] = code(Operation::allocate(alg::AES_CMAC, Mode::Mac, 100));
    Ok(w)
}

impl TrustedApp for AeadTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(AeadTa)
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
                    let v: Vec<u8> = misc()?.iter().flat_map(|x| x.to_le_bytes()).collect();
                    out.write(&v)
                },
            ),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(AeadTa);
