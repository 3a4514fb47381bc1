//! Transient objects, AES and HMAC test TA in Rust: the commands of
//! tests/tas/c/symcrypt (see its include/symcrypt_ta.h) through the SDK's
//! `crypto` module. Panic cases 0-8 and 11-16 (9 and 10 need a forged
//! handle or a malformed attribute, which safe Rust cannot express: they
//! answer NOT_SUPPORTED).
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{
    Attribute, Mode, ObjectInfo, Operation, TransientObject, alg, consts, obj,
};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ValueInOut, ValueOut, ta_main,
};

struct SymcryptTa;

struct Blob {
    object_type: u32,
    key: Vec<u8>,
    iv: Vec<u8>,
    splits: Vec<usize>,
}

fn le32(b: &[u8]) -> usize {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
}

fn parse(m: &MemrefIn) -> TeeResult<Blob> {
    let d = m.data();
    if d.len() < 16 {
        return Err(TeeError::BAD_PARAMETERS);
    }
    let (kl, il, n) = (le32(&d[4..]), le32(&d[8..]), le32(&d[12..]));
    if kl > 1024 || il > 1024 || n > 1024 || 16 + kl + il + 4 * n != d.len() {
        return Err(TeeError::BAD_PARAMETERS);
    }
    let rest = &d[16..];
    Ok(Blob {
        object_type: le32(d) as u32,
        key: rest[..kl].to_vec(),
        iv: rest[kl..kl + il].to_vec(),
        splits: rest[kl + il..].chunks_exact(4).map(le32).collect(),
    })
}

fn mode_of(m: u32) -> Mode {
    match m {
        0 => Mode::Encrypt,
        1 => Mode::Decrypt,
        _ => Mode::Mac,
    }
}

fn make_key(object_type: u32, key: &[u8]) -> TeeResult<TransientObject> {
    let mut o = TransientObject::allocate(object_type, 8 * key.len() as u32)?;
    o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, key)])?;
    Ok(o)
}

/// An operation with the blob's key set (the key object freed at once).
fn keyed(b: &Blob, algorithm: u32, mode: Mode) -> TeeResult<Operation> {
    if algorithm == alg::AES_XTS {
        // key1 || key2, set with TEE_SetOperationKey2.
        let (k1, k2) = b.key.split_at(b.key.len() / 2);
        let mut op = Operation::allocate(algorithm, mode, 8 * k1.len() as u32)?;
        op.set_key2(
            Some(&make_key(b.object_type, k1)?),
            Some(&make_key(b.object_type, k2)?),
        );
        return Ok(op);
    }
    let mut op = Operation::allocate(algorithm, mode, 8 * b.key.len() as u32)?;
    op.set_key(Some(&make_key(b.object_type, &b.key)?));
    Ok(op)
}

/// The pieces of `data` before the last split, and the rest.
fn pieces<'d>(b: &Blob, data: &'d [u8]) -> TeeResult<(Vec<&'d [u8]>, &'d [u8])> {
    let mut at = 0;
    let mut v = Vec::new();
    for &off in &b.splits {
        if off < at || off > data.len() {
            return Err(TeeError::BAD_PARAMETERS);
        }
        v.push(&data[at..off]);
        at = off;
    }
    Ok((v, &data[at..]))
}

fn cipher(a: &ValueIn, blob: &MemrefIn, data: &MemrefIn, out: &mut MemrefOut) -> TeeResult {
    let b = parse(blob)?;
    let mut op = keyed(&b, a.a, mode_of(a.b))?;
    op.cipher_init(&b.iv);
    let (parts, rest) = pieces(&b, data.data())?;
    let mut buf = vec![0u8; out.capacity()];
    let mut w = 0;
    for p in parts {
        w += op.cipher_update(p, &mut buf[w..])?;
    }
    match op.cipher_do_final(rest, &mut buf[w..]) {
        Ok(n) => out.write(&buf[..w + n]),
        // Report the size needed through `out` (the operation was left
        // unchanged, so the final can run into a vector).
        Err(TeeError::SHORT_BUFFER) => out.write(&vec![0u8; w + op.cipher_final_vec(rest)?.len()]),
        Err(e) => Err(e),
    }
}

fn mac_op(a: &ValueIn, blob: &MemrefIn, data: &MemrefIn) -> TeeResult<(Operation, Vec<u8>)> {
    let b = parse(blob)?;
    let mut op = keyed(&b, a.a, Mode::Mac)?;
    op.mac_init(&b.iv);
    let (parts, rest) = pieces(&b, data.data())?;
    for p in parts {
        op.mac_update(p);
    }
    Ok((op, rest.to_vec()))
}

fn info_words(i: ObjectInfo) -> [u32; 5] {
    [
        i.object_type,
        i.object_size,
        i.max_object_size,
        i.object_usage,
        i.handle_flags,
    ]
}

fn object(a: &ValueIn, secret: &MemrefIn, out: &mut MemrefOut, r: &mut ValueInOut) -> TeeResult {
    let mut o = TransientObject::allocate(a.a, a.b)?;
    let mut w = info_words(o.info()).to_vec();
    if secret.is_empty() {
        o.generate_key(a.b);
    } else {
        o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, secret.data())])?;
    }
    o.restrict_usage(r.a);
    w.extend(info_words(o.info()));
    let mut v: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut attr = vec![0u8; r.b as usize];
    match o.buffer_attribute(obj::ATTR_SECRET_VALUE, &mut attr) {
        Ok(n) => {
            (r.a, r.b) = (0, n as u32);
            v.extend_from_slice(&attr[..n]);
        }
        Err(e) => {
            r.a = e.0;
            if e == TeeError::SHORT_BUFFER {
                r.b = o.info().object_size / 8;
            }
        }
    }
    out.write(&v)
}

fn copy_reset(a: &ValueIn, blob: &MemrefIn, data: &MemrefIn, out: &mut MemrefOut) -> TeeResult {
    let b = parse(blob)?;
    let (d, split) = (data.data(), a.b as usize);
    if split > d.len() {
        return Err(TeeError::BAD_PARAMETERS);
    }
    let is_mac = a.a >> 28 == 3;
    let mode = if is_mac { Mode::Mac } else { Mode::Encrypt };
    let mut x = keyed(&b, a.a, mode)?;
    let mut y = Operation::allocate(a.a, mode, 8 * b.key.len() as u32)?;
    let mut v = Vec::new();
    if is_mac {
        let mut m = [0u8; 64];
        x.mac_init(&[]);
        x.mac_update(&d[..split]);
        y.copy_from(&x);
        let n = y.mac_compute_final(&d[split..], &mut m)?;
        v.extend_from_slice(&m[..n]);
        let n = x.mac_compute_final(b"XYZ", &mut m)?;
        v.extend_from_slice(&m[..n]);
        x.reset();
        x.mac_init(&[]);
        let n = x.mac_compute_final(d, &mut m)?;
        v.extend_from_slice(&m[..n]);
    } else {
        x.cipher_init(&b.iv);
        v.extend(x.cipher_update_vec(&d[..split]));
        y.copy_from(&x);
        v.extend(y.cipher_final_vec(&d[split..])?);
        v.extend(x.cipher_final_vec(&d[split..])?);
        x.reset();
        x.cipher_init(&b.iv);
        x.cipher_update_vec(b"garbage");
        x.reset();
        x.cipher_init(&b.iv);
        v.extend(x.cipher_final_vec(d)?);
    }
    out.write(&v)
}

const KEY16: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const KEY32: [u8; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16,
];

fn panic_case(case: u32) -> TeeResult {
    let mut buf = [0u8; 64];
    match case {
        0 => {
            let mut op = Operation::allocate(alg::AES_ECB_NOPAD, Mode::Encrypt, 128)?;
            op.set_key(Some(&make_key(obj::AES, &KEY16)?));
            op.cipher_update(&KEY16, &mut buf)?;
        }
        1 => Operation::allocate(alg::AES_ECB_NOPAD, Mode::Encrypt, 128)?.cipher_init(&[]),
        2 => {
            let mut op = Operation::allocate(alg::HMAC_SHA256, Mode::Mac, 256)?;
            op.set_key(Some(&make_key(obj::HMAC_SHA256, &KEY32)?));
            op.mac_init(&[]);
            op.mac_compute_final(b"a", &mut buf)?;
            op.mac_update(b"a");
        }
        3 => {
            let mut op = Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 128)?;
            let mut k = make_key(obj::AES, &KEY16)?;
            k.restrict_usage(obj::USAGE_DECRYPT);
            op.set_key(Some(&k));
        }
        4 => Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 256)?
            .set_key(Some(&make_key(obj::HMAC_SHA256, &KEY32)?)),
        5 => Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 128)?
            .set_key(Some(&make_key(obj::AES, &KEY32)?)),
        6 => {
            let mut k = make_key(obj::AES, &KEY16)?;
            k.restrict_usage(!obj::USAGE_EXTRACTABLE);
            k.buffer_attribute(obj::ATTR_SECRET_VALUE, &mut buf)?;
        }
        7 => {
            let mut op = Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 128)?;
            op.set_key(Some(&make_key(obj::AES, &KEY16)?));
            op.cipher_init(&KEY16[..8]);
        }
        8 => {
            let mut op = Operation::allocate(alg::AES_CTR, Mode::Encrypt, 128)?;
            let k = make_key(obj::AES, &KEY16)?;
            op.set_key(Some(&k));
            op.cipher_init(&KEY16);
            op.set_key(Some(&k));
        }
        11 => Operation::allocate(alg::AES_XTS, Mode::Encrypt, 128)?
            .set_key(Some(&make_key(obj::AES, &KEY16)?)),
        12 => {
            let k = make_key(obj::AES, &KEY16)?;
            Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 128)?
                .set_key2(Some(&k), Some(&k));
        }
        13 => Operation::allocate(alg::DES_ECB_NOPAD, Mode::Encrypt, 64)?
            .set_key(Some(&make_key(obj::AES, &KEY16)?)),
        14 => {
            let mut k = make_key(obj::AES, &KEY16)?;
            k.restrict_usage(!obj::USAGE_EXTRACTABLE);
            k.value_attribute(consts::TEE_ATTR_FLAG_VALUE | 1)?;
        }
        15 => {
            make_key(obj::AES, &KEY16)?.value_attribute(obj::ATTR_SECRET_VALUE)?;
        }
        16 => Operation::allocate(alg::AES_XTS, Mode::Encrypt, 128)?
            .set_key2(Some(&make_key(obj::AES, &KEY16)?), None),
        17 => {
            let mut o = TransientObject::allocate(obj::AES, 128)?;
            o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, &KEY32)])?;
        }
        _ => return Err(TeeError::NOT_SUPPORTED),
    }
    Ok(())
}

/// Command 6: TEE_GetObjectValueAttribute of attribute `a.a` of an AES
/// key restricted to usage `a.b`: (result, a ^ b or 0xffffffff).
fn value(a: &ValueIn) -> TeeResult<(u32, u32)> {
    let mut k = make_key(obj::AES, &KEY16)?;
    k.restrict_usage(a.b);
    Ok(match k.value_attribute(a.a) {
        Ok((x, y)) => (0, x ^ y),
        Err(e) => (e.0, 0x5a5a_5a5a ^ 0xa5a5_a5a5),
    })
}

fn code(r: TeeResult) -> u32 {
    r.err().map_or(0, |e| e.0)
}

fn misc() -> TeeResult<Vec<u32>> {
    let mut w = vec![0u32; 20];
    let mut buf = [0u8; 64];
    let mut op = Operation::allocate(alg::AES_CBC_NOPAD, Mode::Encrypt, 128)?;
    op.set_key(Some(&make_key(obj::AES, &KEY16)?));
    op.cipher_init(&KEY16);
    w[0] = code(op.cipher_do_final(&KEY16[..15], &mut buf).map(|_| ()));
    w[1] = code(op.cipher_update(&KEY32[..20], &mut buf[..15]).map(|_| ()));
    w[2] = 16;
    let mut op = Operation::allocate(alg::HMAC_SHA256, Mode::Mac, 256)?;
    op.set_key(Some(&make_key(obj::HMAC_SHA256, &KEY32)?));
    op.mac_init(&[]);
    w[3] = code(op.mac_compute_final(b"abc", &mut buf[..10]).map(|_| ()));
    w[4] = op.info().digest_length;
    op.mac_compute_final(b"abc", &mut buf)?;
    op.mac_init(&[]);
    w[5] = code(op.mac_compare_final(b"abc", &buf[..16]));
    op.set_key(None);
    w[6] = op.info().key_size;
    w[7] = op.info().handle_state;
    // A size the type does not allow (one above the object's maximum
    // size panics: panic case 17).
    let mut o = TransientObject::allocate(obj::AES, 256)?;
    w[8] = code(o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, &KEY32[..17])]));
    let mut o = TransientObject::allocate(obj::AES, 256)?;
    w[9] = code(o.populate(&[Attribute::Ref(obj::ATTR_SECRET_VALUE, &KEY32[..20])]));
    w[10] = code(TransientObject::allocate(obj::AES, 100).map(|_| ()));
    w[11] = code(TransientObject::allocate(obj::HMAC_SHA256, 128).map(|_| ()));
    w[12] = code(TransientObject::allocate(0xA000_00FF, 128).map(|_| ()));
    let mut o = make_key(obj::AES, &KEY16)?;
    w[13] = code(o.buffer_attribute(0xD000_0130, &mut buf).map(|_| ()));
    o.restrict_usage(obj::USAGE_ENCRYPT | obj::USAGE_EXTRACTABLE);
    let mut d = TransientObject::allocate(obj::AES, 256)?;
    d.restrict_usage(obj::USAGE_ENCRYPT | obj::USAGE_DECRYPT);
    d.copy_attributes_from(&o);
    w[14] = d.info().object_usage;
    w[15] = d.info().object_size;
    let mut op = Operation::allocate(alg::AES_CBC_NOPAD, Mode::Decrypt, 256)?;
    op.set_key(Some(&make_key(obj::AES, &KEY16)?));
    let i = op.info();
    (w[16], w[17], w[18]) = (i.key_size, i.required_key_usage, i.handle_state);
    op.cipher_init(&KEY16);
    w[19] = op.info().handle_state;
    Ok(w)
}

impl TrustedApp for SymcryptTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(SymcryptTa)
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(
                |(a, blob, data, out): &mut (ValueIn, MemrefIn, MemrefIn, MemrefOut)| {
                    cipher(a, blob, data, out)
                },
            ),
            1 if (params.types() >> 12) & 0xF == 5 => params.call(
                |(a, blob, data, mac): &mut (ValueIn, MemrefIn, MemrefIn, MemrefIn)| {
                    let (mut op, rest) = mac_op(a, blob, data)?;
                    op.mac_compare_final(&rest, mac.data())
                },
            ),
            1 => params.call(
                |(a, blob, data, out): &mut (ValueIn, MemrefIn, MemrefIn, MemrefOut)| {
                    let (mut op, rest) = mac_op(a, blob, data)?;
                    let mut buf = vec![0u8; out.capacity()];
                    match op.mac_compute_final(&rest, &mut buf) {
                        Ok(n) => out.write(&buf[..n]),
                        Err(TeeError::SHORT_BUFFER) => {
                            out.write(&vec![0u8; op.info().digest_length as usize])
                        }
                        Err(e) => Err(e),
                    }
                },
            ),
            2 => params.call(
                |(a, secret, out, r): &mut (ValueIn, MemrefIn, MemrefOut, ValueInOut)| {
                    object(a, secret, out, r)
                },
            ),
            3 => params.call(
                |(a, blob, data, out): &mut (ValueIn, MemrefIn, MemrefIn, MemrefOut)| {
                    copy_reset(a, blob, data, out)
                },
            ),
            4 => params.call(|(a,): &mut (ValueIn,)| panic_case(a.a)),
            5 => params.call(
                |(_, _, out, _): &mut (NoParam, NoParam, MemrefOut, NoParam)| {
                    let v: Vec<u8> = misc()?.iter().flat_map(|x| x.to_le_bytes()).collect();
                    out.write(&v)
                },
            ),
            6 => params.call(|(a, r): &mut (ValueIn, ValueOut)| {
                (r.a, r.b) = value(a)?;
                Ok(())
            }),
            7 => params.call(
                |(a, secret, blob, out): &mut (ValueIn, MemrefIn, MemrefIn, MemrefOut)| {
                    derive(a, secret.data(), blob.data(), out)
                },
            ),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

/// Command 7: OP-TEE's HKDF / PBKDF2 through TEE_DeriveKey.
fn derive(a: &ValueIn, secret: &[u8], mut q: &[u8], out: &mut MemrefOut) -> TeeResult {
    let mut params = Vec::new();
    while !q.is_empty() {
        if q.len() < 8 || params.len() == 8 {
            return Err(TeeError::BAD_PARAMETERS);
        }
        let (id, len) = (le32(q) as u32, le32(&q[4..]));
        q = &q[8..];
        if id & consts::TEE_ATTR_FLAG_VALUE != 0 {
            params.push(Attribute::Value(id, len as u32, 0));
            continue;
        }
        if len > q.len() {
            return Err(TeeError::BAD_PARAMETERS);
        }
        params.push(Attribute::Ref(id, &q[..len]));
        q = &q[len..];
    }
    let key_attr = if a.b == consts::TEE_TYPE_HKDF_IKM {
        consts::TEE_ATTR_HKDF_IKM
    } else {
        consts::TEE_ATTR_PBKDF2_PASSWORD
    };
    let bits = 8 * secret.len() as u32;
    let mut op = Operation::allocate(a.a, Mode::Derive, bits)?;
    let mut key = TransientObject::allocate(a.b, bits)?;
    key.populate(&[Attribute::Ref(key_attr, secret)])?;
    op.set_key(Some(&key));
    let mut derived = TransientObject::allocate(obj::GENERIC_SECRET, 4096)?;
    op.derive_key(&params, &mut derived);
    let mut buf = vec![0u8; out.capacity()];
    let n = derived.buffer_attribute(obj::ATTR_SECRET_VALUE, &mut buf)?;
    out.write(&buf[..n])
}

ta_main!(SymcryptTa);
