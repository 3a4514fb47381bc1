//! Property API test TA in Rust: the commands of tests/tas/c/props
//! (0 string, 1 typed, 2 enumerate) through the SDK, and 9: a Rust panic.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::bigint::{self, BigInt};
use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::props::{self, PropSet};
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, NoParam, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ValueInOut, ta_main,
};

struct Props;

fn set_of(a: u32) -> PropSet {
    match a {
        0 => PropSet::CurrentTa,
        1 => PropSet::CurrentClient,
        _ => PropSet::Implementation,
    }
}

fn name_of(m: &MemrefIn) -> TeeResult<String> {
    String::from_utf8(m.data().to_vec()).map_err(|_| TeeError::BAD_PARAMETERS)
}

fn typed(set: PropSet, kind: u32, name: &str) -> TeeResult<Vec<u8>> {
    Ok(match kind {
        0 => vec![props::property_bool(set, name)? as u8],
        1 => props::property_u32(set, name)?.to_le_bytes().to_vec(),
        2 => props::property_u64(set, name)?.to_le_bytes().to_vec(),
        3 => props::property_uuid(set, name)?.0.to_vec(),
        4 => {
            let id = props::property_identity(set, name)?;
            let mut v = id.login.to_le_bytes().to_vec();
            v.extend_from_slice(&id.uuid.0);
            v
        }
        _ => props::property_binary(set, name)?,
    })
}

/// Operands a, b, n: records { u32 sign, u32 len, u8 magnitude\[len\] }.
fn operands(mut d: &[u8]) -> TeeResult<[BigInt; 3]> {
    let mut v: [BigInt; 3] = Default::default();
    for slot in &mut v {
        if d.is_empty() {
            break;
        }
        let word = |b: &[u8]| -> TeeResult<u32> {
            Ok(u32::from_le_bytes(
                b.get(..4)
                    .ok_or(TeeError::BAD_PARAMETERS)?
                    .try_into()
                    .unwrap_or_default(),
            ))
        };
        let neg = word(d)? == 1;
        let len = word(d.get(4..).ok_or(TeeError::BAD_PARAMETERS)?)? as usize;
        let mag = d.get(8..8 + len).ok_or(TeeError::BAD_PARAMETERS)?;
        *slot = bigint::from_octets(mag, neg);
        d = &d[8 + len..];
    }
    Ok(v)
}

/// (return value, second output, results) as tests/tas/c/bigint answers.
fn bigint_op(op: u32, flags: u32, arg: u32, input: &[u8]) -> TeeResult<(u32, u32, Vec<BigInt>)> {
    let [a, b, n] = operands(input)?;
    let zero = BigInt::default;
    let null = |bit: u32, v: BigInt| if flags & bit != 0 { zero() } else { v };
    Ok(match op {
        12 => (0, 0, vec![&a + &b]),
        13 => (0, 0, vec![&a - &b]),
        14 => (0, 0, vec![-a]),
        15 => (0, 0, vec![&a * &b]),
        16 => (0, 0, vec![&a * &a]),
        17 => {
            let (q, r) = bigint::div(&a, &b)?;
            (0, 0, vec![null(0x10, q), null(0x20, r)])
        }
        18 => (0, 0, vec![bigint::modulo(&a, &n)?]),
        19 => (0, 0, vec![bigint::add_mod(&a, &b, &n)?]),
        20 => (0, 0, vec![bigint::sub_mod(&a, &b, &n)?]),
        21 => (0, 0, vec![bigint::mul_mod(&a, &b, &n)?]),
        22 => (0, 0, vec![bigint::square_mod(&a, &n)?]),
        23 => (0, 0, vec![bigint::inv_mod(&a, &n)?]),
        24 => (0, 0, vec![bigint::exp_mod(&a, &b, &n)?]),
        25 => (bigint::relative_prime(&a, &b) as u32, 0, vec![]),
        26 => {
            let (g, u, v) = bigint::extended_gcd(&a, &b);
            (0, 0, vec![g, null(0x10, u), null(0x20, v)])
        }
        27 => (bigint::is_probable_prime(&a, arg) as u32, 0, vec![]),
        _ => return Err(TeeError::NOT_SUPPORTED),
    })
}

impl TrustedApp for Props {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(Props)
    }

    fn open_session(&mut self, _p: Params<'_, '_>, _c: Identity) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(|(set, name, out): &mut (ValueIn, MemrefIn, MemrefOut)| {
                let mut text = props::property_string(set_of(set.a), &name_of(name)?)?.into_bytes();
                text.push(0);
                out.write(&text)
            }),
            1 => params.call(|(set, name, out): &mut (ValueIn, MemrefIn, MemrefOut)| {
                out.write(&typed(set_of(set.a), set.b, &name_of(name)?)?)
            }),
            2 => params.call(|(set, _, out): &mut (ValueIn, NoParam, MemrefOut)| {
                let mut text = String::new();
                for p in props::properties(set_of(set.a)) {
                    text.push_str(&format!("{}={}\n", p.name, p.value.to_text()));
                }
                out.write(text.as_bytes())
            }),
            // TA-to-TA from Rust: increment a value through the hello C TA.
            8 => params.call(|(v,): &mut (oxtee_ta_sdk::ValueInOut,)| {
                use oxtee_ta_sdk::ta_session::{CallArg, INFINITE, TaSession, Uuid};
                let hello =
                    Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b").ok_or(TeeError::GENERIC)?;
                let s = TaSession::open(hello, INFINITE, &mut []).map_err(|e| e.code)?;
                let mut args = [CallArg::ValueInOut { a: v.a, b: 0 }];
                s.invoke(0, INFINITE, &mut args).map_err(|e| e.code)?;
                if let CallArg::ValueInOut { a, .. } = args[0] {
                    v.a = a;
                }
                Ok(())
            }),
            // TA persistent time through the SDK (as commands 6/7 of the C TAs).
            6 => params.call(|(t,): &mut (oxtee_ta_sdk::ValueOut,)| {
                match oxtee_ta_sdk::ta_persistent_time() {
                    Ok(now) => {
                        (t.a, t.b) = (now.seconds, now.millis);
                        Ok(())
                    }
                    Err((e, now)) => {
                        (t.a, t.b) = (now.seconds, now.millis);
                        Err(e)
                    }
                }
            }),
            7 => params.call(|(t,): &mut (oxtee_ta_sdk::ValueIn,)| {
                oxtee_ta_sdk::set_ta_persistent_time(oxtee_ta_sdk::TeeTime {
                    seconds: t.a,
                    millis: t.b,
                })
            }),
            // The arithmetic ops of tests/tas/c/bigint (command 0 there,
            // same parameters), through the SDK's bigint module.
            20 => params.call(
                |(op, input, out, arg): &mut (ValueInOut, MemrefIn, MemrefOut, ValueIn)| {
                    let (ret, ret2, nums) = bigint_op(op.a, op.b, arg.b, input.data())?;
                    (op.a, op.b) = (ret, ret2);
                    let mut bytes = Vec::new();
                    for n in &nums {
                        let (neg, mag) = bigint::to_octets(n);
                        bytes.extend_from_slice(&(neg as u32).to_le_bytes());
                        bytes.extend_from_slice(&(mag.len() as u32).to_le_bytes());
                        bytes.extend_from_slice(&mag);
                    }
                    out.write(&bytes)
                },
            ),
            // A Rust panic in TA code ends the instance like TEE_Panic.
            9 => panic!("deliberate panic for the tests"),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(Props);
