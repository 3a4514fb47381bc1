//! Message digests (GP TEE Internal Core API v1.3.1, TEE_OPERATION_DIGEST)
//! through the C TA `tests/tas/c/digest` and the Rust TA
//! `tests/tas/rust/digest`: known answers of the standards single-shot and
//! in parts, every split of a short input, copies, resets, SHAKE output
//! squeezed in pieces, short buffers, operation information, and each
//! case GP answers with a panic of the TA.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};

const DIGEST_C: &str = "d1a6e5f0-3c2b-4e8a-9f17-5b4c3a2d1e01";
const DIGEST_RUST: &str = "d1a6e5f0-3c2b-4e8a-9f17-5b4c3a2d1e02";
const BOTH: [&str; 2] = [DIGEST_C, DIGEST_RUST];

const TEE_ALG_MD5: u32 = 0x5000_0001;
const TEE_ALG_SHA1: u32 = 0x5000_0002;
const TEE_ALG_SHA224: u32 = 0x5000_0003;
const TEE_ALG_SHA256: u32 = 0x5000_0004;
const TEE_ALG_SHA384: u32 = 0x5000_0005;
const TEE_ALG_SHA512: u32 = 0x5000_0006;
const TEE_ALG_SM3: u32 = 0x5000_0007;
const TEE_ALG_SHA3_224: u32 = 0x5000_0008;
const TEE_ALG_SHA3_256: u32 = 0x5000_0009;
const TEE_ALG_SHA3_384: u32 = 0x5000_000A;
const TEE_ALG_SHA3_512: u32 = 0x5000_000B;
const TEE_ALG_SHAKE128: u32 = 0x5000_0101;
const TEE_ALG_SHAKE256: u32 = 0x5000_0102;

const SHORT_BUFFER: u32 = 0xFFFF_0010;
const NOT_SUPPORTED: u32 = 0xFFFF_000A;
const ORIGIN_TA: u32 = 4;

include!("../../../crypto/kat/digest.rs");

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn le_words(w: &[u32]) -> Vec<u8> {
    w.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// One call: p0 VALUE_INPUT (alg, arg), p1 the message (if any), p2 an
/// output buffer of `cap` bytes, p3 `extra`. Returns the result, the
/// output (as much as the TA reported, within the buffer), the size the
/// TA reported and, for a VALUE_OUTPUT p3, its values.
enum Extra<'a> {
    None,
    Words(&'a [u32]),
    Value,
}

struct Out {
    res: Result<(), Error>,
    data: Vec<u8>,
    size: usize,
    value: (u32, u32),
}

fn call(
    s: &Session,
    cmd: u32,
    alg: u32,
    arg: u32,
    msg: Option<&[u8]>,
    cap: usize,
    extra: Extra<'_>,
) -> Out {
    let mut buf = vec![0u8; cap];
    let words;
    let p1 = match msg {
        Some(m) => Param::TempIn { buf: m },
        None => Param::None,
    };
    let p3 = match extra {
        Extra::None => Param::None,
        Extra::Words(w) => {
            words = le_words(w);
            Param::TempIn { buf: &words }
        }
        Extra::Value => Param::ValueOut { a: 0, b: 0 },
    };
    let mut p = [
        Param::ValueIn { a: alg, b: arg },
        p1,
        Param::TempOut {
            buf: &mut buf,
            size: cap,
        },
        p3,
    ];
    let res = s.invoke(cmd, &mut p).map(|_| ());
    let Param::TempOut { size, .. } = p[2] else {
        unreachable!()
    };
    let value = match p[3] {
        Param::ValueOut { a, b } => (a, b),
        _ => (0, 0),
    };
    let data = buf[..size.min(cap)].to_vec();
    Out {
        res,
        data,
        size,
        value,
    }
}

fn oneshot(s: &Session, alg: u32, msg: &[u8], cap: usize) -> Vec<u8> {
    let o = call(s, 0, alg, 0, Some(msg), cap, Extra::None);
    o.res.unwrap_or_else(|e| panic!("{alg:#x}: {e}"));
    o.data
}

fn multi(s: &Session, alg: u32, msg: &[u8], cap: usize, splits: &[u32]) -> Vec<u8> {
    let o = call(s, 1, alg, 0, Some(msg), cap, Extra::Words(splits));
    o.res.unwrap_or_else(|e| panic!("{alg:#x} {splits:?}: {e}"));
    o.data
}

fn open(ctx: &oxtee_client::Context, ta: &str) -> Session {
    ctx.open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

fn digest_len(alg: u32) -> usize {
    match alg {
        TEE_ALG_MD5 => 16,
        TEE_ALG_SHA1 => 20,
        TEE_ALG_SHA224 | TEE_ALG_SHA3_224 => 28,
        TEE_ALG_SHA256 | TEE_ALG_SHA3_256 | TEE_ALG_SM3 => 32,
        TEE_ALG_SHA384 | TEE_ALG_SHA3_384 => 48,
        TEE_ALG_SHA512 | TEE_ALG_SHA3_512 => 64,
        _ => 0,
    }
}

const FIXED: [u32; 11] = [
    TEE_ALG_MD5,
    TEE_ALG_SHA1,
    TEE_ALG_SHA224,
    TEE_ALG_SHA256,
    TEE_ALG_SHA384,
    TEE_ALG_SHA512,
    TEE_ALG_SHA3_224,
    TEE_ALG_SHA3_256,
    TEE_ALG_SHA3_384,
    TEE_ALG_SHA3_512,
    TEE_ALG_SM3,
];

#[test]
fn known_answers_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for &(alg, msg, xof_len, want) in VECTORS {
            let m = msg.bytes();
            // Fixed-length hashes get a larger buffer: the size reported
            // is the digest's.
            let cap = if xof_len == 0 { 64 } else { xof_len };
            assert_eq!(
                hex(&oneshot(&s, alg, &m, cap)),
                want,
                "{ta} {alg:#x} {msg:?}"
            );
            let n = m.len() as u32;
            for splits in [
                vec![],
                vec![0, n],
                vec![1, n / 2],
                vec![n / 3, n / 3, 2 * n / 3],
            ] {
                let mut splits: Vec<u32> = splits.into_iter().map(|x| x.min(n)).collect();
                splits.sort();
                assert_eq!(
                    hex(&multi(&s, alg, &m, cap, &splits)),
                    want,
                    "{ta} {alg:#x} {msg:?} {splits:?}"
                );
            }
            if xof_len != 0 {
                // SHAKE squeezed in pieces (one of them empty).
                let x = xof_len as u32;
                let half = (x - 1) / 2;
                let pieces = [1, 0, half, x - 1 - half];
                let o = call(&s, 4, alg, 0, Some(&m), xof_len, Extra::Words(&pieces));
                o.res.unwrap();
                assert_eq!(hex(&o.data), want, "{ta} {alg:#x} extract");
            } else {
                // A fixed-length digest extracted in pieces (OP-TEE): the
                // last asks for more than is left and gets the rest.
                let n = want.len() as u32 / 2;
                let pieces = [1, 0, n / 2, n];
                let o = call(
                    &s,
                    4,
                    alg,
                    0,
                    Some(&m),
                    n as usize * 2,
                    Extra::Words(&pieces),
                );
                o.res.unwrap();
                assert_eq!(hex(&o.data), want, "{ta} {alg:#x} extract");
            }
        }
    }
}

#[test]
fn every_split_matches_single_shot() {
    let w = World::start();
    let ctx = w.ctx();
    let m = b"oxtee splits this input";
    for ta in BOTH {
        let s = open(&ctx, ta);
        for alg in [TEE_ALG_SHA256, TEE_ALG_SHA3_512, TEE_ALG_MD5, TEE_ALG_SM3] {
            let want = oneshot(&s, alg, m, 64);
            assert_eq!(want.len(), digest_len(alg));
            let n = m.len() as u32;
            for i in 0..=n {
                for j in i..=n {
                    assert_eq!(
                        multi(&s, alg, m, 64, &[i, j]),
                        want,
                        "{ta} {alg:#x} {i} {j}"
                    );
                }
            }
        }
        // SHAKE: any split, any output length.
        let want = oneshot(&s, TEE_ALG_SHAKE256, m, 100);
        for i in 0..=m.len() as u32 {
            assert_eq!(multi(&s, TEE_ALG_SHAKE256, m, 100, &[i]), want);
        }
        assert_eq!(oneshot(&s, TEE_ALG_SHAKE256, m, 7), want[..7]);
    }
}

#[test]
fn copy_and_reset() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for alg in FIXED {
            let l = digest_len(alg);
            let whole = oneshot(&s, alg, b"abc", 64);
            for split in 0..=3u32 {
                let o = call(&s, 2, alg, split, Some(b"abc"), 2 * l, Extra::None);
                o.res.unwrap();
                assert_eq!(o.data[..l], whole, "{ta} {alg:#x}: the copy continues");
                let mut diverged = b"abc"[..split as usize].to_vec();
                diverged.extend_from_slice(b"XYZ");
                assert_eq!(
                    o.data[l..],
                    oneshot(&s, alg, &diverged, 64),
                    "{ta} {alg:#x}: the original goes on on its own"
                );
            }
            let o = call(&s, 3, alg, 0, Some(b"abc"), 2 * l, Extra::None);
            o.res.unwrap();
            assert_eq!(o.data[..l], whole, "{ta} {alg:#x}: reset forgets");
            assert_eq!(
                o.data[l..],
                whole,
                "{ta} {alg:#x}: DoFinal returns to initial"
            );
        }
    }
}

#[test]
fn short_buffer_keeps_the_operation() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for alg in FIXED {
            let l = digest_len(alg);
            let o = call(&s, 5, alg, 0, Some(b"abc"), l, Extra::Value);
            o.res.unwrap();
            assert_eq!(o.value, (SHORT_BUFFER, l as u32), "{ta} {alg:#x}");
            assert_eq!(o.data, oneshot(&s, alg, b"abc", 64), "{ta} {alg:#x}");
            // Through the client: the size needed comes back.
            let o = call(&s, 0, alg, 0, Some(b"abc"), l - 1, Extra::None);
            assert_eq!(o.res.unwrap_err(), Error::new(SHORT_BUFFER, ORIGIN_TA));
            assert_eq!(o.size, l);
        }
    }
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
        .collect()
}

#[test]
fn operation_info() {
    const KEY_SET_INITIALIZED: u32 = 0x0004_0000 | 0x0002_0000;
    const EXTRACTING: u32 = 0x0010_0000;
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for alg in FIXED
            .into_iter()
            .chain([TEE_ALG_SHAKE128, TEE_ALG_SHAKE256])
        {
            let l = digest_len(alg) as u32;
            let o = call(&s, 6, alg, 0, None, 128, Extra::Value);
            o.res.unwrap();
            let v = words(&o.data);
            // TEE_OperationInfo: alg, class DIGEST, mode DIGEST, digest
            // length, no key, handle state.
            assert_eq!(
                v[..8],
                [alg, 5, 5, l, 0, 0, 0, KEY_SET_INITIALIZED],
                "{ta} {alg:#x}"
            );
            // TEE_OperationInfoMultiple, initial then active, no keys.
            assert_eq!(v[8..16], [alg, 5, 5, l, 0, KEY_SET_INITIALIZED, 0, 0]);
            assert_eq!(v[16..24], [alg, 5, 5, l, 0, KEY_SET_INITIALIZED, 1, 0]);
            if l == 0 {
                assert_eq!(
                    v[24..32],
                    [alg, 5, 5, 0, 0, KEY_SET_INITIALIZED | EXTRACTING, 2, 0]
                );
            } else {
                assert_eq!(v.len(), 24);
            }
            if ta == DIGEST_C {
                assert_eq!(o.value, (SHORT_BUFFER, 32), "31 bytes are too few");
            } else {
                assert_eq!(o.value.1, 32);
            }
        }
    }
}

#[test]
fn support_and_allocation_rules() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        let ask = |alg: u32, element: u32, mode: u32, max_key: u32| {
            let mut p = [
                Param::ValueInOut { a: alg, b: element },
                Param::ValueInOut {
                    a: mode,
                    b: max_key,
                },
            ];
            s.invoke(7, &mut p).unwrap();
            let (Param::ValueInOut { a: sup, .. }, Param::ValueInOut { a: res, b: null }) =
                (&p[0], &p[1])
            else {
                unreachable!()
            };
            (*sup, *res, *null)
        };
        for alg in FIXED
            .into_iter()
            .chain([TEE_ALG_SHAKE128, TEE_ALG_SHAKE256])
        {
            assert_eq!(ask(alg, 0, 5, 0), (0, 0, 0), "{ta} {alg:#x}");
            // An element other than TEE_CRYPTO_ELEMENT_NONE, a mode other
            // than DIGEST, a key size: not supported, TEE_HANDLE_NULL.
            assert_eq!(ask(alg, 1, 4, 0).0, NOT_SUPPORTED);
            assert_eq!(ask(alg, 0, 4, 0), (0, NOT_SUPPORTED, 1));
            assert_eq!(ask(alg, 0, 5, 128), (0, NOT_SUPPORTED, 1));
        }
        // MD5SHA1, SM4-ECB-PKCS5 (not yet), an invented identifier.
        for alg in [0x5000_000F, 0x1000_0015, 0x5000_00FF] {
            assert_eq!(
                ask(alg, 0, 5, 0),
                (NOT_SUPPORTED, NOT_SUPPORTED, 1),
                "{alg:#x}"
            );
        }
    }
}

/// Each panic case: TARGET_DEAD, and the next session works.
#[test]
fn panics() {
    let w = World::start();
    let ctx = w.ctx();
    for (ta, cases) in [(DIGEST_C, 0..10), (DIGEST_RUST, 2..6)].into_iter() {
        for case in cases {
            let s = open(&ctx, ta);
            let mut p = [Param::ValueIn { a: case, b: 0 }];
            assert_eq!(
                s.invoke(8, &mut p).unwrap_err(),
                TARGET_DEAD,
                "{ta} case {case}"
            );
            drop(s);
            let s = open(&ctx, ta);
            assert_eq!(
                hex(&oneshot(&s, TEE_ALG_SHA1, b"abc", 20)),
                "a9993e364706816aba3e25717850c26c9cd0d89d"
            );
        }
    }
    // Misuse of the state is BAD_STATE, the rest BAD_PARAMETERS.
    assert!(w.wait_log("TEE_Panic(0xffff0007)"), "{}", w.log());
    assert!(w.wait_log("TEE_Panic(0xffff0006)"), "{}", w.log());
}
