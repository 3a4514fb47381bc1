//! Message digest test TA in Rust: the commands of tests/tas/c/digest
//! (see its include/digest_ta.h) through the SDK's `crypto` module. Panic
//! cases 2-5 only (the others need a forged handle or a NULL pointer,
//! which safe Rust cannot express: they answer NOT_SUPPORTED).
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::crypto::{InfoMultiple, Mode, Operation, alg, is_algorithm_supported};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ValueInOut, ValueOut, ta_main,
};

struct DigestTa;

fn alloc(algorithm: u32) -> TeeResult<Operation> {
    Operation::allocate(algorithm, Mode::Digest, 0)
}

fn words(m: &MemrefIn) -> Vec<usize> {
    m.data()
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) as usize)
        .collect()
}

/// DoFinal into a buffer the size of `out`; a short buffer reports the
/// size needed through `out`.
fn final_into(op: &mut Operation, chunk: &[u8], out: &mut MemrefOut) -> TeeResult {
    let mut buf = vec![0u8; out.capacity()];
    match op.digest_do_final(chunk, &mut buf) {
        Ok(n) => out.write(&buf[..n]),
        Err(TeeError::SHORT_BUFFER) => out.write(&vec![0u8; op.digest_len()]),
        Err(e) => Err(e),
    }
}

fn multiple_bytes(i: &InfoMultiple) -> Vec<u8> {
    [
        i.algorithm,
        i.operation_class,
        i.mode,
        i.digest_length,
        i.max_key_size,
        i.handle_state,
        i.operation_state,
        i.keys.len() as u32,
    ]
    .iter()
    .flat_map(|w| w.to_le_bytes())
    .collect()
}

fn info(algorithm: u32) -> TeeResult<Vec<u8>> {
    let mut op = alloc(algorithm)?;
    let i = op.info();
    let mut v: Vec<u8> = [
        i.algorithm,
        i.operation_class,
        i.mode,
        i.digest_length,
        i.max_key_size,
        i.key_size,
        i.required_key_usage,
        i.handle_state,
    ]
    .iter()
    .flat_map(|w| w.to_le_bytes())
    .collect();
    v.extend(multiple_bytes(&op.info_multiple()));
    op.digest_update(b"abc");
    v.extend(multiple_bytes(&op.info_multiple()));
    if algorithm == alg::SHAKE128 || algorithm == alg::SHAKE256 {
        op.digest_extract(&mut [0u8; 1]);
        v.extend(multiple_bytes(&op.info_multiple()));
    }
    Ok(v)
}

fn panic_case(case: u32) -> TeeResult {
    let mut buf = [0u8; 64];
    match case {
        2 | 3 => {
            let mut op = alloc(alg::SHAKE128)?;
            op.digest_extract(&mut buf);
            if case == 2 {
                op.digest_update(b"a");
            } else {
                op.digest_do_final(&[], &mut buf)?;
            }
        }
        4 => {
            let mut op = alloc(alg::SHA256)?;
            let other = alloc(alg::SHA1)?;
            op.copy_from(&other);
        }
        5 => {
            let mut op = alloc(alg::SHA256)?;
            op.digest_extract(&mut buf);
            op.digest_update(b"a");
        }
        _ => return Err(TeeError::NOT_SUPPORTED),
    }
    Ok(())
}

impl TrustedApp for DigestTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(DigestTa)
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(
                |(a, msg, out, _): &mut (ValueIn, MemrefIn, MemrefOut, NoParam)| {
                    final_into(&mut alloc(a.a)?, msg.data(), out)
                },
            ),
            1 => params.call(
                |(a, msg, out, offs): &mut (ValueIn, MemrefIn, MemrefOut, MemrefIn)| {
                    let mut op = alloc(a.a)?;
                    let m = msg.data();
                    let mut at = 0;
                    for off in words(offs) {
                        if off < at || off > m.len() {
                            return Err(TeeError::BAD_PARAMETERS);
                        }
                        op.digest_update(&m[at..off]);
                        at = off;
                    }
                    final_into(&mut op, &m[at..], out)
                },
            ),
            2 => params.call(
                |(a, msg, out, _): &mut (ValueIn, MemrefIn, MemrefOut, NoParam)| {
                    let (m, split) = (msg.data(), a.b as usize);
                    if split > m.len() {
                        return Err(TeeError::BAD_PARAMETERS);
                    }
                    let mut first = alloc(a.a)?;
                    let mut second = alloc(a.a)?;
                    first.digest_update(&m[..split]);
                    second.copy_from(&first);
                    first.digest_update(b"XYZ");
                    let mut v = second.digest_final(&m[split..], 0);
                    v.extend(first.digest_final(&[], 0));
                    out.write(&v)
                },
            ),
            3 => params.call(
                |(a, msg, out, _): &mut (ValueIn, MemrefIn, MemrefOut, NoParam)| {
                    let mut op = alloc(a.a)?;
                    op.digest_update(b"garbage");
                    op.reset();
                    let mut v = op.digest_final(msg.data(), 0);
                    v.extend(op.digest_final(msg.data(), 0));
                    out.write(&v)
                },
            ),
            4 => params.call(
                |(a, msg, out, sizes): &mut (ValueIn, MemrefIn, MemrefOut, MemrefIn)| {
                    let mut op = alloc(a.a)?;
                    op.digest_update(msg.data());
                    let mut v = Vec::new();
                    for n in words(sizes) {
                        if v.len() + n > out.capacity() {
                            return Err(TeeError::BAD_PARAMETERS);
                        }
                        let mut piece = vec![0u8; n];
                        let got = op.digest_extract(&mut piece);
                        v.extend(&piece[..got]);
                    }
                    out.write(&v)
                },
            ),
            5 => params.call(
                |(a, msg, out, r): &mut (ValueIn, MemrefIn, MemrefOut, ValueOut)| {
                    let m = msg.data();
                    if m.is_empty() || out.capacity() == 0 {
                        return Err(TeeError::BAD_PARAMETERS);
                    }
                    let mut op = alloc(a.a)?;
                    op.digest_update(&m[..1]);
                    let mut small = vec![0u8; out.capacity() - 1];
                    match op.digest_do_final(&m[1..], &mut small) {
                        Ok(n) => (r.a, r.b) = (0, n as u32),
                        Err(e) => (r.a, r.b) = (e.0, op.digest_len() as u32),
                    }
                    final_into(&mut op, &m[1..], out)
                },
            ),
            6 => params.call(
                |(a, _, out, r): &mut (ValueIn, NoParam, MemrefOut, ValueOut)| {
                    // GetOperationInfoMultiple's buffer rules are the C ABI's;
                    // here: the size of the information.
                    r.b = 32 + 8 * alloc(a.a)?.info_multiple().keys.len() as u32;
                    out.write(&info(a.a)?)
                },
            ),
            7 => params.call(|(a, m): &mut (ValueInOut, ValueInOut)| {
                let algorithm = a.a;
                a.a = is_algorithm_supported(algorithm, a.b)
                    .err()
                    .map_or(0, |e| e.0);
                let mode = match m.a {
                    0 => Mode::Encrypt,
                    1 => Mode::Decrypt,
                    2 => Mode::Sign,
                    3 => Mode::Verify,
                    4 => Mode::Mac,
                    5 => Mode::Digest,
                    _ => Mode::Derive,
                };
                match Operation::allocate(algorithm, mode, m.b) {
                    Ok(_) => (m.a, m.b) = (0, 0),
                    Err(e) => (m.a, m.b) = (e.0, 1),
                }
                Ok(())
            }),
            8 => params.call(|(a,): &mut (ValueIn,)| panic_case(a.a)),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(DigestTa);
