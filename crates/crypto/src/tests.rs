//! Known-answer and state-machine tests of the engine.

use super::*;

include!("../kat/digest.rs");

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn op(alg: u32) -> Operation {
    Operation::new(alg, TEE_MODE_DIGEST, 0).unwrap()
}

#[test]
fn known_answers_single_and_multi_part() {
    for &(alg, msg, xof_len, want) in VECTORS {
        let m = msg.bytes();
        let mut o = op(alg);
        let out_len = if xof_len == 0 { 64 } else { xof_len };
        assert_eq!(
            hex(&o.digest_do_final(&m, out_len).unwrap()),
            want,
            "{alg:#x} {msg:?}"
        );
        assert_eq!(o.state(), OpState::Initial);
        // The same, fed in uneven pieces, on the reused operation.
        for piece in m.chunks(7) {
            o.digest_update(piece).unwrap();
        }
        assert_eq!(hex(&o.digest_do_final(&[], out_len).unwrap()), want);
        if xof_len != 0 {
            // Squeezed in several calls.
            o.digest_update(&m).unwrap();
            let mut got = vec![0u8; xof_len];
            let (a, rest) = got.split_at_mut(1);
            o.digest_extract(a).unwrap();
            let (b, c) = rest.split_at_mut(rest.len().min(136));
            o.digest_extract(b).unwrap();
            o.digest_extract(&mut []).unwrap();
            o.digest_extract(c).unwrap();
            assert_eq!(hex(&got), want);
            assert_eq!(o.state(), OpState::Extracting);
        }
    }
}

#[test]
fn every_split_matches_single_shot() {
    let m = b"The quick brown fox jumps over the lazy dog";
    for alg in [TEE_ALG_MD5, TEE_ALG_SHA512, TEE_ALG_SHA3_256, TEE_ALG_SM3] {
        let want = op(alg).digest_do_final(m, 64).unwrap();
        for i in 0..=m.len() {
            for j in i..=m.len() {
                let mut o = op(alg);
                o.digest_update(&m[..i]).unwrap();
                o.digest_update(&m[i..j]).unwrap();
                assert_eq!(o.digest_do_final(&m[j..], 64).unwrap(), want);
            }
        }
    }
}

#[test]
fn allocation_rules_and_info() {
    // SM4-ECB/PKCS5: not implemented; AES-CBC in a mode it does not have
    // or with a key size AES does not have.
    assert_eq!(
        Operation::new(0x1000_0015, TEE_MODE_ENCRYPT, 128).err(),
        Some(Error::NotSupported)
    );
    assert_eq!(
        Operation::new(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_MAC, 128).err(),
        Some(Error::NotSupported)
    );
    assert_eq!(
        Operation::new(TEE_ALG_AES_CBC_NOPAD, TEE_MODE_ENCRYPT, 100).err(),
        Some(Error::NotSupported)
    );
    assert_eq!(
        Operation::new(TEE_ALG_SHA256, TEE_MODE_MAC, 0).err(),
        Some(Error::NotSupported)
    );
    assert_eq!(
        Operation::new(TEE_ALG_SHA256, TEE_MODE_DIGEST, 256).err(),
        Some(Error::NotSupported)
    );
    assert!(is_algorithm_supported(TEE_ALG_SHAKE256, TEE_CRYPTO_ELEMENT_NONE).is_ok());
    assert_eq!(
        is_algorithm_supported(TEE_ALG_SHA256, 1),
        Err(Error::NotSupported)
    );
    assert_eq!(
        is_algorithm_supported(0x5000_000F, 0),
        Err(Error::NotSupported)
    );
    let mut o = op(TEE_ALG_SHA384);
    let i = o.info();
    assert_eq!(
        (i.algorithm, i.operation_class, i.mode, i.digest_length),
        (TEE_ALG_SHA384, TEE_OPERATION_DIGEST, TEE_MODE_DIGEST, 48)
    );
    assert_eq!(
        i.handle_state,
        TEE_HANDLE_FLAG_KEY_SET | TEE_HANDLE_FLAG_INITIALIZED
    );
    assert_eq!(
        o.info_multiple().operation_state,
        TEE_OPERATION_STATE_INITIAL
    );
    o.digest_update(b"x").unwrap();
    assert_eq!(
        o.info_multiple().operation_state,
        TEE_OPERATION_STATE_ACTIVE
    );
    assert!(o.info_multiple().keys.is_empty());
}

#[test]
fn short_buffer_leaves_the_operation_unchanged() {
    let mut o = op(TEE_ALG_SHA256);
    o.digest_update(b"a").unwrap();
    assert_eq!(o.digest_do_final(b"bc", 31), Err(Error::ShortBuffer(32)));
    assert_eq!(o.state(), OpState::Active);
    assert_eq!(
        hex(&o.digest_do_final(b"bc", 32).unwrap()),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn copy_is_independent_and_reset_reuses() {
    let mut a = op(TEE_ALG_SHA1);
    a.digest_update(b"ab").unwrap();
    let mut b = op(TEE_ALG_SHA1);
    b.copy_from(&a).unwrap();
    a.digest_update(b"zzz").unwrap();
    assert_eq!(
        hex(&b.digest_do_final(b"c", 20).unwrap()),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    a.reset();
    assert_eq!(a.state(), OpState::Initial);
    assert_eq!(
        hex(&a.digest_do_final(b"abc", 20).unwrap()),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    let mut c = op(TEE_ALG_SHA256);
    assert!(matches!(c.copy_from(&a), Err(Error::Panic(_))));
}

#[test]
fn extracting_state_rules() {
    let mut o = op(TEE_ALG_SHAKE128);
    o.digest_update(b"abc").unwrap();
    let mut first = [0u8; 10];
    o.digest_extract(&mut first).unwrap();
    assert_ne!(o.info().handle_state & TEE_HANDLE_FLAG_EXTRACTING, 0);
    // A copy made while squeezing goes on from the same point.
    let mut c = op(TEE_ALG_SHAKE128);
    c.copy_from(&o).unwrap();
    let (mut x, mut y) = ([0u8; 5], [0u8; 5]);
    o.digest_extract(&mut x).unwrap();
    c.digest_extract(&mut y).unwrap();
    assert_eq!(x, y);
    assert!(matches!(o.digest_update(b"d"), Err(Error::Panic(_))));
    assert!(matches!(o.digest_do_final(b"", 4), Err(Error::Panic(_))));
    o.reset();
    assert_eq!(o.info().handle_state & TEE_HANDLE_FLAG_EXTRACTING, 0);
    o.digest_update(b"abc").unwrap();
    let mut again = [0u8; 10];
    o.digest_extract(&mut again).unwrap();
    assert_eq!(first, again);
}

/// OP-TEE lets a TA extract a fixed-length digest in pieces: the first
/// extract finishes the hash, each one hands out the following bytes,
/// fewer (then none) at the end; a final then gives what is left, and
/// input while extracting panics.
#[test]
fn fixed_length_digest_extract_in_pieces() {
    for &(alg, msg, xof_len, want) in VECTORS {
        if xof_len != 0 {
            continue;
        }
        let m = msg.bytes();
        let want = unhex(want);
        for piece in [1usize, 3, 7, 16, 100] {
            let mut o = op(alg);
            o.digest_update(&m).unwrap();
            let mut got = Vec::new();
            loop {
                let mut buf = vec![0xAAu8; piece];
                let n = o.digest_extract(&mut buf).unwrap();
                assert!(n <= piece);
                assert!(buf[n..].iter().all(|&b| b == 0xAA), "{alg:#x}");
                got.extend_from_slice(&buf[..n]);
                assert_eq!(o.state(), OpState::Extracting);
                assert_ne!(o.info().handle_state & TEE_HANDLE_FLAG_EXTRACTING, 0);
                if n < piece {
                    break;
                }
            }
            assert_eq!(got, want, "{alg:#x} pieces of {piece}");
            // Past the end: nothing more.
            assert_eq!(o.digest_extract(&mut [0u8; 4]).unwrap(), 0);
            assert!(matches!(o.digest_update(b"x"), Err(Error::Panic(_))));
            // The final after a partial extract: the rest, then a fresh
            // operation.
            let mut o = op(alg);
            o.digest_update(&m).unwrap();
            let mut head = [0u8; 5];
            assert_eq!(o.digest_extract(&mut head).unwrap(), 5);
            assert!(matches!(o.digest_do_final(b"x", 64), Err(Error::Panic(_))));
            let rest = o.digest_do_final(&[], 64).unwrap();
            assert_eq!([&head[..], &rest].concat(), want);
            assert_eq!(o.state(), OpState::Initial);
            let mut o2 = op(alg);
            o2.digest_update(&m).unwrap();
            let mut a = [0u8; 2];
            o2.digest_extract(&mut a).unwrap();
            // A final with less room than is left: as much as fits.
            assert_eq!(o2.digest_do_final(&[], 3).unwrap(), want[2..5]);
            assert_eq!(hex(&o2.digest_do_final(&m, 64).unwrap()), hex(&want));
        }
    }
}

fn key(object_type: u32, secret: &[u8]) -> crate::object::Object {
    let mut o = crate::object::Object::new(object_type, 8 * secret.len() as u32).unwrap();
    o.populate(&[crate::object::Attr::Ref(
        TEE_ATTR_SECRET_VALUE,
        secret.to_vec(),
    )])
    .unwrap();
    o
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn aes_fips197_and_streaming() {
    let k = unhex("000102030405060708090a0b0c0d0e0f");
    let mut op = Operation::new(TEE_ALG_AES_ECB_NOPAD, TEE_MODE_ENCRYPT, 128).unwrap();
    assert_eq!(
        op.cipher_init(&[]),
        Err(Error::Panic(TEE_ERROR_BAD_STATE)),
        "no key"
    );
    op.set_key(Some(&key(TEE_TYPE_AES, &k))).unwrap();
    op.cipher_init(&[]).unwrap();
    let pt = unhex("00112233445566778899aabbccddeeff");
    assert_eq!(op.cipher_update(&pt[..7], 0).unwrap(), Vec::<u8>::new());
    assert_eq!(op.cipher_update(&pt[7..], 15), Err(Error::ShortBuffer(16)));
    let ct = op.cipher_do_final(&pt[7..], 16).unwrap();
    assert_eq!(hex(&ct), "69c4e0d86a7b0430d8cdb78070b4c55a");
    assert_eq!(op.state(), OpState::Initial);
    assert_eq!(
        op.cipher_update(&pt, 16),
        Err(Error::Panic(TEE_ERROR_BAD_STATE)),
        "not initialised after the final"
    );
}

#[test]
fn hmac_rfc4231_case2_and_compare() {
    let mut op = Operation::new(TEE_ALG_HMAC_SHA256, TEE_MODE_MAC, 256).unwrap();
    op.set_key(Some(&key(TEE_TYPE_GENERIC_SECRET, b"Jefe")))
        .unwrap();
    op.mac_init(&[]).unwrap();
    op.mac_update(b"what do ya want ").unwrap();
    assert_eq!(
        op.mac_compute_final(b"for nothing?", 31),
        Err(Error::ShortBuffer(32))
    );
    let m = op.mac_compute_final(b"for nothing?", 32).unwrap();
    assert_eq!(
        hex(&m),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    op.mac_init(&[]).unwrap();
    assert_eq!(
        op.mac_compare_final(b"what do ya want for nothing?", &m[..31]),
        Err(Error::MacInvalid)
    );
    op.mac_init(&[]).unwrap();
    op.mac_compare_final(b"what do ya want for nothing?", &m)
        .unwrap();
}

#[test]
fn key_rules() {
    let mut op = Operation::new(TEE_ALG_AES_CTR, TEE_MODE_DECRYPT, 128).unwrap();
    let mut k = key(TEE_TYPE_AES, &[1; 16]);
    k.restrict_usage(TEE_USAGE_ENCRYPT);
    assert_eq!(
        op.set_key(Some(&k)),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(
        op.set_key(Some(&key(TEE_TYPE_AES, &[1; 32]))),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        "larger than the maximum"
    );
    assert_eq!(
        op.set_key(Some(&key(TEE_TYPE_HMAC_SHA1, &[1; 16]))),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        "another type"
    );
    op.set_key(Some(&key(TEE_TYPE_AES, &[1; 16]))).unwrap();
    assert_eq!(op.info().key_size, 128);
    op.set_key(None).unwrap();
    assert_eq!(op.info().key_size, 0);
    assert_eq!(op.info().handle_state & TEE_HANDLE_FLAG_KEY_SET, 0);
}

fn ae_op(alg: u32, mode: u32, k: &[u8]) -> Operation {
    let mut o = Operation::new(alg, mode, 8 * k.len() as u32).unwrap();
    o.set_key(Some(&key(TEE_TYPE_AES, k))).unwrap();
    o
}

/// (algorithm, key, nonce, AAD, plaintext, ciphertext, tag): the GCM
/// spec's test case 4 (McGrew & Viega) and RFC 3610 packet vector 1.
const AE_KAT: &[(u32, &str, &str, &str, &str, &str, &str)] = &[
    (
        TEE_ALG_AES_GCM,
        "feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        "5bc94fbc3221a5db94fae95ae7121a47",
    ),
    (
        TEE_ALG_AES_CCM,
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
        "00000003020100a0a1a2a3a4a5",
        "0001020304050607",
        "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
        "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
        "17e8d12cfdf926e0",
    ),
];

#[test]
fn ae_known_answers_split_and_tamper() {
    for &(alg, k, n, a, p, c, t) in AE_KAT {
        let (k, n, a, p) = (unhex(k), unhex(n), unhex(a), unhex(p));
        let tag_bits = 4 * t.len() as u32;
        for s in [0, 1, 7, 16, 17, p.len()] {
            let s = s.min(p.len()).min(a.len());
            let mut o = ae_op(alg, TEE_MODE_ENCRYPT, &k);
            o.ae_init(&n, tag_bits, a.len() as u64, p.len() as u64)
                .unwrap();
            o.ae_update_aad(&a[..s]).unwrap();
            o.ae_update_aad(&a[s..]).unwrap();
            let mut out = o.ae_update(&p[..s], 64).unwrap();
            let (rest, tag) = o.ae_encrypt_final(&p[s..], 64, 16).unwrap();
            out.extend(rest);
            assert_eq!((hex(&out), hex(&tag)), (c.to_string(), t.to_string()));
            let mut o = ae_op(alg, TEE_MODE_DECRYPT, &k);
            o.ae_init(&n, tag_bits, a.len() as u64, p.len() as u64)
                .unwrap();
            o.ae_update_aad(&a).unwrap();
            let mut out = o.ae_update(&unhex(c)[..s], 64).unwrap();
            out.extend(o.ae_decrypt_final(&unhex(c)[s..], 64, &unhex(t)).unwrap());
            assert_eq!(out, p);
            let mut bad = unhex(t);
            bad[0] ^= 1;
            o.ae_init(&n, tag_bits, a.len() as u64, p.len() as u64)
                .unwrap();
            o.ae_update_aad(&a).unwrap();
            assert_eq!(
                o.ae_decrypt_final(&unhex(c), 64, &bad),
                Err(Error::MacInvalid)
            );
            assert_eq!(o.state(), OpState::Initial);
        }
    }
}

#[test]
fn ae_rules() {
    let k = [7u8; 16];
    let mut o = ae_op(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, &k);
    assert_eq!(o.ae_init(&[1; 12], 64, 0, 0), Err(Error::NotSupported));
    assert_eq!(o.ae_init(&[], 128, 0, 0), Err(Error::NotSupported));
    o.ae_init(&[1; 12], 128, 0, 0).unwrap();
    assert_eq!(o.ae_update(b"abc", 2), Err(Error::ShortBuffer(3)));
    o.ae_update(b"abc", 3).unwrap();
    assert_eq!(
        o.ae_update_aad(b"x"),
        Err(Error::Panic(TEE_ERROR_BAD_STATE))
    );
    assert_eq!(o.ae_encrypt_final(b"", 0, 8), Err(Error::ShortBuffer(0)));
    assert_eq!(o.ae_tag_len(), 16);
    let mut o = ae_op(TEE_ALG_AES_CCM, TEE_MODE_ENCRYPT, &k);
    assert_eq!(o.ae_init(&[1; 6], 64, 0, 0), Err(Error::NotSupported));
    assert_eq!(o.ae_init(&[1; 13], 40, 0, 0), Err(Error::NotSupported));
    o.ae_init(&[1; 13], 48, 2, 3).unwrap();
    assert!(matches!(o.ae_update_aad(b"abc"), Err(Error::Panic(_))));
}

#[test]
fn cmac_rfc4493() {
    let k = unhex("2b7e151628aed2a6abf7158809cf4f3c");
    let m = unhex(
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
    );
    for (n, t) in [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ] {
        let mut o = Operation::new(TEE_ALG_AES_CMAC, TEE_MODE_MAC, 128).unwrap();
        o.set_key(Some(&key(TEE_TYPE_AES, &k))).unwrap();
        o.mac_init(&[]).unwrap();
        o.mac_update(&m[..n / 3]).unwrap();
        assert_eq!(hex(&o.mac_compute_final(&m[n / 3..n], 16).unwrap()), t);
    }
}

// Symmetric algorithms beyond AES ECB/CBC/CTR. Known answers: IEEE
// 1619-2007 vectors 1-3 (XTS), RFC 3962 appendix B (CTS), FIPS 81 and
// SP 800-67 examples (DES, 3DES), ANSI X9.9 (DES CBC-MAC); the others
// computed with Python's `cryptography` (OpenSSL), an independent
// implementation.

include!("../kat/symmetric.rs");

/// (algorithm, key type, key, message, MAC).
pub(crate) const CBC_MAC_VECTORS: &[(u32, u32, &str, &str, &str)] = &[
    // ANSI X9.9 (FIPS 113) example, the message zero-padded.
    (
        TEE_ALG_DES_CBC_MAC_NOPAD,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "37363534333231204e6f77206973207468652074696d6520666f722000000000",
        "f1d30f6849312ca4",
    ),
    (
        TEE_ALG_DES_CBC_MAC_NOPAD,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "70a30640cc76dd8b",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_NOPAD,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "54686520717566636b2062726f776e20666f78206a756d70",
        "70d563820afe8b35",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_NOPAD,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01",
        "54686520717566636b2062726f776e20666f78206a756d70",
        "ff7318fd670f51d9",
    ),
    (
        TEE_ALG_AES_CBC_MAC_NOPAD,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
        "b148c17f309ee692287ae57cf12add49",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "",
        "a254be88e037ddd9d79fb6411c3f9df8",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e",
        "790e590db5ea2ef841186c2224f092d7",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172a",
        "4b0673d23da20679744afa8e3d589236",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172aae2d8a57",
        "f8db671f4c688065ad607a1a5fe39f01",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "",
        "086f9a1d74c94d4e",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f7720697320",
        "760d86a352b22982",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f772069732074",
        "1efa4a588149de70",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "11b27d834a55577b",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "",
        "832846b52f9e213d",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "4e6f7720697320",
        "04e61b26a1dd71dc",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "4e6f772069732074",
        "108846cbe4657a05",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "63f8bc821fb79a69",
    ),
];

/// A cipher operation of `alg` keyed with `k` (XTS: both halves).
fn sym_op(alg: u32, kt: u32, mode: u32, k: &[u8]) -> Operation {
    let xts = alg == TEE_ALG_AES_XTS;
    let bits = 8 * k.len() as u32 / if xts { 2 } else { 1 };
    let mut op = Operation::new(alg, mode, bits).unwrap();
    if xts {
        let (a, b) = k.split_at(k.len() / 2);
        op.set_key2(Some(&key(kt, a)), Some(&key(kt, b))).unwrap();
    } else {
        op.set_key(Some(&key(kt, k))).unwrap();
    }
    op
}

/// Encrypt or decrypt `data` updating at each split, then the final.
fn sym_run(op: &mut Operation, iv: &[u8], splits: &[usize], data: &[u8]) -> Vec<u8> {
    op.cipher_init(iv).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    for &s in splits {
        let s = s.min(data.len()).max(at);
        out.extend(op.cipher_update(&data[at..s], 1 << 12).unwrap());
        at = s;
    }
    out.extend(op.cipher_do_final(&data[at..], 1 << 12).unwrap());
    out
}

#[test]
fn xts_cts_des_known_answers_every_split() {
    for &(alg, kt, k, iv, pt, ct) in SYM_VECTORS {
        let (k, iv, pt, ct) = (unhex(k), unhex(iv), unhex(pt), unhex(ct));
        let mut enc = sym_op(alg, kt, TEE_MODE_ENCRYPT, &k);
        let mut dec = sym_op(alg, kt, TEE_MODE_DECRYPT, &k);
        assert_eq!(hex(&sym_run(&mut enc, &iv, &[], &pt)), hex(&ct), "{alg:#x}");
        assert_eq!(sym_run(&mut dec, &iv, &[], &ct), pt, "{alg:#x}");
        for i in 0..=pt.len() {
            for j in i..=pt.len() {
                assert_eq!(sym_run(&mut enc, &iv, &[i, j], &pt), ct, "{alg:#x} {i} {j}");
                assert_eq!(sym_run(&mut dec, &iv, &[i, j], &ct), pt, "{alg:#x} {i} {j}");
            }
        }
    }
}

#[test]
fn cbc_mac_known_answers_every_split() {
    for &(alg, kt, k, m, mac) in CBC_MAC_VECTORS {
        let (k, m) = (unhex(k), unhex(m));
        let mut op = Operation::new(alg, TEE_MODE_MAC, 8 * k.len() as u32).unwrap();
        op.set_key(Some(&key(kt, &k))).unwrap();
        for i in 0..=m.len() {
            op.mac_init(&[]).unwrap();
            op.mac_update(&m[..i]).unwrap();
            assert_eq!(
                hex(&op.mac_compute_final(&m[i..], 16).unwrap()),
                mac,
                "{alg:#x}"
            );
        }
        op.mac_init(&[]).unwrap();
        assert_eq!(op.mac_compare_final(&m, &unhex(mac)), Ok(()));
    }
}

#[test]
fn sym_rules() {
    let k16 = [7u8; 16];
    // NOPAD totals, CTS one block, XTS less than one.
    for (alg, kt, k, n) in [
        (TEE_ALG_DES_ECB_NOPAD, TEE_TYPE_DES, &k16[..8], 12),
        (TEE_ALG_DES3_CBC_NOPAD, TEE_TYPE_DES3, &k16[..], 7),
        (TEE_ALG_AES_CTS, TEE_TYPE_AES, &k16[..], 16),
        (TEE_ALG_AES_CTS, TEE_TYPE_AES, &k16[..], 3),
        (TEE_ALG_AES_XTS, TEE_TYPE_AES, &[7u8; 32][..], 15),
    ] {
        let mut op = sym_op(alg, kt, TEE_MODE_ENCRYPT, k);
        op.cipher_init(
            &vec![0; if kt == TEE_TYPE_AES { 16 } else { 8 }][..if alg & 0xF00 == 0 {
                0
            } else {
                if kt == TEE_TYPE_AES { 16 } else { 8 }
            }],
        )
        .unwrap();
        assert_eq!(
            op.cipher_do_final(&vec![0; n], 64),
            Err(Error::Bad),
            "{alg:#x} {n}"
        );
    }
    let mut op = Operation::new(TEE_ALG_DES_CBC_MAC_NOPAD, TEE_MODE_MAC, 64).unwrap();
    op.set_key(Some(&key(TEE_TYPE_DES, &k16[..8]))).unwrap();
    op.mac_init(&[]).unwrap();
    op.mac_update(&[1; 5]).unwrap();
    assert_eq!(op.mac_compute_final(&[1; 2], 8), Err(Error::Bad));
    assert_eq!(op.mac_compute_final(&[1; 3], 8).map(|v| v.len()), Ok(8));
    // Key types, one key versus two.
    let mut op = Operation::new(TEE_ALG_DES3_ECB_NOPAD, TEE_MODE_ENCRYPT, 192).unwrap();
    let aes = key(TEE_TYPE_AES, &k16);
    assert_eq!(
        op.set_key(Some(&aes)),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(
        op.set_key2(Some(&aes), Some(&aes)),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    let mut xts = Operation::new(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, 256).unwrap();
    assert_ne!(xts.info().handle_state & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS, 0);
    assert_eq!(xts.info_multiple().keys.len(), 2);
    assert_eq!(
        xts.set_key(Some(&aes)),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(
        xts.set_key2(Some(&aes), None),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    let aes32 = key(TEE_TYPE_AES, &[1; 32]);
    assert_eq!(
        xts.set_key2(Some(&aes), Some(&aes32)),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(xts.set_key2(Some(&aes), Some(&aes)), Ok(()));
    assert_eq!(xts.info().key_size, 128);
    assert_eq!(xts.set_key2(None, None), Ok(()));
    assert_eq!(xts.info().handle_state & TEE_HANDLE_FLAG_KEY_SET, 0);
    // DES sizes: 56/64, 112/128, 168/192.
    use crate::object::Object;
    assert!(Object::new(TEE_TYPE_DES, 56).is_ok());
    assert!(Object::new(TEE_TYPE_DES, 64).is_ok());
    assert_eq!(
        Object::new(TEE_TYPE_DES, 128).err(),
        Some(Error::NotSupported)
    );
    assert!(Object::new(TEE_TYPE_DES3, 112).is_ok());
    assert!(Object::new(TEE_TYPE_DES3, 168).is_ok());
    assert_eq!(
        Object::new(TEE_TYPE_DES3, 64).err(),
        Some(Error::NotSupported)
    );
    let mut o = Object::new(TEE_TYPE_DES3, 168).unwrap();
    o.generate(112, &[], &mut rand_core::OsRng).unwrap();
    assert_eq!(o.size(), 128);
    assert!(Operation::new(TEE_ALG_DES_ECB_NOPAD, TEE_MODE_ENCRYPT, 56).is_ok());
    assert_eq!(
        Operation::new(TEE_ALG_DES_ECB_NOPAD, TEE_MODE_ENCRYPT, 128).err(),
        Some(Error::NotSupported)
    );
    // Value attributes: secret keys have none.
    let mut o = key(TEE_TYPE_AES, &k16);
    assert_eq!(
        o.value_attribute(TEE_ATTR_SECRET_VALUE).err(),
        Some(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(
        o.value_attribute(0xF000_0001).err(),
        Some(Error::ItemNotFound)
    );
    assert_eq!(
        o.value_attribute(0xE000_0001).err(),
        Some(Error::ItemNotFound)
    );
    o.restrict_usage(!TEE_USAGE_EXTRACTABLE);
    assert_eq!(
        o.value_attribute(0xF000_0001).err(),
        Some(Error::ItemNotFound)
    );
    assert_eq!(
        o.value_attribute(0xE000_0001).err(),
        Some(Error::Panic(TEE_ERROR_ACCESS_DENIED))
    );
}

/// (algorithm, key, message, MAC): RFC 2202 HMAC-MD5 case 2, HMAC-SM3 and
/// HMAC-SHA3 of RFC 2202's case 2 (computed once with Python's hmac over
/// OpenSSL, and HMAC-SM3 again with `openssl dgst -sm3 -hmac`).
const HMAC_MORE: &[(u32, &str, &str, &str)] = &[
    (
        TEE_ALG_HMAC_MD5,
        "4a656665",
        "what do ya want for nothing?",
        "750c783e6ab0b503eaa86e310a5db738",
    ),
    (
        TEE_ALG_HMAC_SM3,
        "4a656665",
        "what do ya want for nothing?",
        "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882",
    ),
    (
        TEE_ALG_HMAC_SHA3_224,
        "4a656665",
        "what do ya want for nothing?",
        "7fdb8dd88bd2f60d1b798634ad386811c2cfc85bfaf5d52bbace5e66",
    ),
    (
        TEE_ALG_HMAC_SHA3_256,
        "4a656665",
        "what do ya want for nothing?",
        "c7d4072e788877ae3596bbb0da73b887c9171f93095b294ae857fbe2645e1ba5",
    ),
    (
        TEE_ALG_HMAC_SHA3_384,
        "4a656665",
        "what do ya want for nothing?",
        "f1101f8cbf9766fd6764d2ed61903f21ca9b18f57cf3e1a23ca13508a93243ce48c045dc007f26a21b3f5e0e9df4c20a",
    ),
    (
        TEE_ALG_HMAC_SHA3_512,
        "4a656665",
        "what do ya want for nothing?",
        "5a4bfeab6166427c7a3647b747292b8384537cdb89afb3bf5665e4c5e709350b287baec921fd7ca0ee7a0c31d022a95e1fc92ba9d77df883960275beb4e62024",
    ),
];

#[test]
fn hmac_md5_sm3_sha3_known_answers() {
    for &(alg, k, m, want) in HMAC_MORE {
        let mut op = Operation::new(alg, TEE_MODE_MAC, 256).unwrap();
        assert_eq!(op.info().digest_length as usize, want.len() / 2);
        op.set_key(Some(&key(TEE_TYPE_GENERIC_SECRET, &unhex(k))))
            .unwrap();
        op.mac_init(&[]).unwrap();
        op.mac_update(&m.as_bytes()[..5]).unwrap();
        let got = op.mac_compute_final(&m.as_bytes()[5..], 64).unwrap();
        assert_eq!(hex(&got), want, "{alg:#x}");
        is_algorithm_supported(alg, TEE_CRYPTO_ELEMENT_NONE).unwrap();
    }
    // The HMAC-SHA3 key types and their sizes (GP table 5-9).
    for (t, min) in [
        (TEE_TYPE_HMAC_SHA3_224, 192),
        (TEE_TYPE_HMAC_SHA3_256, 256),
        (TEE_TYPE_HMAC_SHA3_384, 256),
        (TEE_TYPE_HMAC_SHA3_512, 256),
    ] {
        assert!(crate::object::size_allowed(t, min));
        assert!(crate::object::size_allowed(t, 1024));
        assert!(!crate::object::size_allowed(t, min - 8));
        assert!(!crate::object::size_allowed(t, 1032));
    }
    // A SHA3 HMAC key type keys its own algorithm only.
    let mut op = Operation::new(TEE_ALG_HMAC_SHA3_256, TEE_MODE_MAC, 256).unwrap();
    op.set_key(Some(&key(TEE_TYPE_HMAC_SHA3_256, &[7; 32])))
        .unwrap();
    assert_eq!(
        op.set_key(Some(&key(TEE_TYPE_HMAC_SHA3_224, &[7; 32]))),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
}

/// (algorithm, key, IV, plaintext, ciphertext): GB/T 32907-2016 example 1
/// (ECB), CBC and CTR computed once with OpenSSL's SM4.
const SM4_VECTORS: &[(u32, &str, &str, &str, &str)] = &[
    (
        TEE_ALG_SM4_ECB_NOPAD,
        "0123456789abcdeffedcba9876543210",
        "",
        "0123456789abcdeffedcba9876543210",
        "681edf34d206965e86b3e94f536e4246",
    ),
    (
        TEE_ALG_SM4_CBC_NOPAD,
        "0123456789abcdeffedcba9876543210",
        "000102030405060708090a0b0c0d0e0f",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "2677f46b09c122cc975533105bd4a22ad9ee98830e69745c9827f934a19621f8db45a48645909eefda6bae89a72e659ba6394a4e05bd7cfe514852a2ab9a2d80",
    ),
    (
        TEE_ALG_SM4_CTR,
        "0123456789abcdeffedcba9876543210",
        "000102030405060708090a0b0c0d0e0f",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f0001020304",
        "06999e6239a36eaa2284fd89eda5f7657f161f5854b6ea16c28809fe9d1db3053cfb70c3ee0ad1492ac453e5df31aa42f4996449643f266e08abb2059a04c090b9ddc32d64",
    ),
];

#[test]
fn sm4_known_answers_every_split() {
    for &(alg, k, iv, pt, ct) in SM4_VECTORS {
        let (k, iv, pt, ct) = (unhex(k), unhex(iv), unhex(pt), unhex(ct));
        for splits in [&[][..], &[1], &[15, 16, 17], &[33, 48]] {
            let mut e = sym_op(alg, TEE_TYPE_SM4, TEE_MODE_ENCRYPT, &k);
            assert_eq!(sym_run(&mut e, &iv, splits, &pt), ct, "{alg:#x} {splits:?}");
            let mut d = sym_op(alg, TEE_TYPE_SM4, TEE_MODE_DECRYPT, &k);
            assert_eq!(sym_run(&mut d, &iv, splits, &ct), pt, "{alg:#x} {splits:?}");
        }
    }
    // SM4 keys are 128 bits; an AES key does not key SM4.
    assert!(Operation::new(TEE_ALG_SM4_ECB_NOPAD, TEE_MODE_ENCRYPT, 256).is_err());
    let mut op = Operation::new(TEE_ALG_SM4_CBC_NOPAD, TEE_MODE_ENCRYPT, 128).unwrap();
    assert_eq!(
        op.set_key(Some(&key(TEE_TYPE_AES, &[1; 16]))),
        Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS))
    );
    assert_eq!(op.set_key(Some(&key(TEE_TYPE_SM4, &[1; 16]))), Ok(()));
    // A partial block at the final of CBC is BAD_PARAMETERS.
    op.cipher_init(&[0; 16]).unwrap();
    assert_eq!(op.cipher_do_final(&[0; 15], 64), Err(Error::Bad));
}

/// OP-TEE's TEE_ALG_DES3_CMAC (0xF0000613): CMAC over TDEA, the
/// examples of NIST SP 800-38B appendix D (three-key and two-key TDEA,
/// messages of 0, 64, 160 and 256 bits), whole and in every split.
#[test]
fn des3_cmac_sp800_38b() {
    let m = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51";
    let cases: &[(&str, usize, &str)] = &[
        (
            "8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5",
            0,
            "b7a688e122ffaf95",
        ),
        (
            "8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5",
            8,
            "8e8f293136283797",
        ),
        (
            "8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5",
            20,
            "743ddbe0ce2dc2ed",
        ),
        (
            "8aa83bf8cbda10620bc1bf19fbb6cd58bc313d4a371ca8b5",
            32,
            "33e6b1092400eae5",
        ),
        ("4cf15134a2850dd58a3d10ba80570d38", 0, "bd2ebf9a3ba00361"),
        ("4cf15134a2850dd58a3d10ba80570d38", 8, "4ff2ab813c53ce83"),
        ("4cf15134a2850dd58a3d10ba80570d38", 20, "62dd1b471902bd4e"),
        ("4cf15134a2850dd58a3d10ba80570d38", 32, "31b1e431dabc4eb8"),
    ];
    assert_eq!(TEE_ALG_DES3_CMAC, 0xF000_0613);
    assert!(is_algorithm_supported(TEE_ALG_DES3_CMAC, TEE_CRYPTO_ELEMENT_NONE).is_ok());
    for &(k, len, want) in cases {
        let k = unhex(k);
        let msg = &unhex(m)[..len];
        let bits = 8 * k.len() as u32;
        // Keys of 128 and 192 bits, as for the other 3DES algorithms;
        // both sizes also by their effective length (112, 168).
        for max in [bits, bits / 8 * 7, 192] {
            let mut o = Operation::new(TEE_ALG_DES3_CMAC, TEE_MODE_MAC, max).unwrap();
            assert_eq!(o.info().digest_length, 8);
            o.set_key(Some(&key(TEE_TYPE_DES3, &k))).unwrap();
            for i in 0..=msg.len() {
                o.mac_init(&[]).unwrap();
                o.mac_update(&msg[..i]).unwrap();
                assert_eq!(hex(&o.mac_compute_final(&msg[i..], 8).unwrap()), want);
            }
            o.mac_init(&[]).unwrap();
            assert!(o.mac_compare_final(msg, &unhex(want)).is_ok());
        }
    }
    // AES keys are not 3DES keys.
    let mut o = Operation::new(TEE_ALG_DES3_CMAC, TEE_MODE_MAC, 128).unwrap();
    assert!(matches!(
        o.set_key(Some(&key(TEE_TYPE_AES, &[0; 16]))),
        Err(Error::Panic(_))
    ));
    assert!(Operation::new(TEE_ALG_DES3_CMAC, TEE_MODE_MAC, 256).is_err());
}
