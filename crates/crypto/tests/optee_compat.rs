//! GP behaviour as OP-TEE TAs expect it (issue 10): where OP-TEE is more
//! lenient than a strict reading of GP and GP allows both, the engine
//! behaves as OP-TEE does.
//!
//! Vectors: RFC 6979 A.2.1 (DSA, 1024-bit key, SHA-256), RFC 5869 A.1
//! (HKDF-SHA-256), RFC 3610 packet vector 1 (AES-CCM), IEEE P1619 XTS-AES
//! vector 10 (its first two blocks), RFC 2409's 768-bit MODP group.

use oxtee_crypto::consts::*;
use oxtee_crypto::object::{Attr, Object};
use oxtee_crypto::{Error, Operation};
use rand_core::OsRng;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn populated(t: u32, bits: u32, attrs: &[Attr]) -> Result<Object, Error> {
    let mut o = Object::new(t, bits)?;
    o.populate(attrs)?;
    Ok(o)
}

fn keyed(alg: u32, mode: u32, bits: u32, key: &Object) -> Operation {
    let mut op = Operation::new(alg, mode, bits).unwrap();
    op.set_key(Some(key)).unwrap();
    op
}

fn sha256(m: &[u8]) -> Vec<u8> {
    let mut op = Operation::new(TEE_ALG_SHA256, TEE_MODE_DIGEST, 0).unwrap();
    op.digest_do_final(m, 32).unwrap()
}

// ---------------------------------------------------------------------
// DSA: a digest longer than N (the bit length of q).

/// RFC 6979 A.2.1: the 1024-bit DSA key (N = 160).
fn dsa_1024(private: bool) -> Object {
    let mut a = vec![
        Attr::Ref(
            TEE_ATTR_DSA_PRIME,
            hex(
                "86F5CA03DCFEB225063FF830A0C769B9DD9D6153AD91D7CE27F787C43278B447
                 E6533B86B18BED6E8A48B784A14C252C5BE0DBF60B86D6385BD2F12FB763ED88
                 73ABFD3F5BA2E0A8C0A59082EAC056935E529DAF7C610467899C77ADEDFC846C
                 881870B7B19B2B58F9BE0521A17002E3BDD6B86685EE90B3D9A1B02B782B1779",
            ),
        ),
        Attr::Ref(
            TEE_ATTR_DSA_SUBPRIME,
            hex("996F967F6C8E388D9E28D01E205FBA957A5698B1"),
        ),
        Attr::Ref(
            TEE_ATTR_DSA_BASE,
            hex(
                "07B0F92546150B62514BB771E2A0C0CE387F03BDA6C56B505209FF25FD3C133D
                 89BBCD97E904E09114D9A7DEFDEADFC9078EA544D2E401AEECC40BB9FBBF78FD
                 87995A10A1C27CB7789B594BA7EFB5C4326A9FE59A070E136DB77175464ADCA4
                 17BE5DCE2F40D10A46A3A3943F26AB7FD9C0398FF8C76EE0A56826A8A88F1DBD",
            ),
        ),
        Attr::Ref(
            TEE_ATTR_DSA_PUBLIC_VALUE,
            hex(
                "5DF5E01DED31D0297E274E1691C192FE5868FEF9E19A84776454B100CF16F653
                 92195A38B90523E2542EE61871C0440CB87C322FC4B4D2EC5E1E7EC766E1BE8D
                 4CE935437DC11C3C8FD426338933EBFE739CB3465F4D3668C5E473508253B1E6
                 82F65CBDC4FAE93C2EA212390E54905A86E2223170B44EAA7DA5DD9FFCFB7F3B",
            ),
        ),
    ];
    let t = if private {
        a.push(Attr::Ref(
            TEE_ATTR_DSA_PRIVATE_VALUE,
            hex("411602CB19A6CCC34494D79D98EF1E7ED5AF25F7"),
        ));
        TEE_TYPE_DSA_KEYPAIR
    } else {
        TEE_TYPE_DSA_PUBLIC_KEY
    };
    populated(t, 1024, &a).unwrap()
}

/// FIPS 186-4 4.6: with SHA-256 and N = 160 the leftmost 160 bits of the
/// digest are signed. RFC 6979's SHA-256 signature of "sample" verifies
/// with the whole digest and with the digest cut to N bits (which OP-TEE
/// requires); a signature made from the whole digest verifies as one of
/// the cut digest (under DSA-SHA1, whose hash has N bits).
#[test]
fn dsa_digest_longer_than_n_is_truncated() {
    let pair = dsa_1024(true);
    let public = dsa_1024(false);
    let d = sha256(b"sample");
    assert_eq!(
        d,
        hex("af2bdbe1aa9b6ec1e2ade1d694f41fc71a831d0268e9891562113d8a62add1bf")
    );
    let sig = hex("81F2F5850BE5BC123C43F71A3033E9384611C545
                   4CDD914B65EB6C66A8AAAD27299BEE6B035F5E89");
    let mut v = keyed(TEE_ALG_DSA_SHA256, TEE_MODE_VERIFY, 1024, &public);
    v.asymmetric_verify_digest(&[], &d, &sig).unwrap();
    v.asymmetric_verify_digest(&[], &d[..20], &sig).unwrap();
    let mut bad = d.clone();
    bad[31] ^= 1; // beyond N bits: still the same signed value
    v.asymmetric_verify_digest(&[], &bad, &sig).unwrap();
    bad[0] ^= 1;
    assert_eq!(
        v.asymmetric_verify_digest(&[], &bad, &sig),
        Err(Error::SignatureInvalid)
    );
    // Other lengths are refused (a panic of the TA, as in OP-TEE).
    assert!(matches!(
        v.asymmetric_verify_digest(&[], &d[..24], &sig),
        Err(Error::Panic(_))
    ));

    let mut s = keyed(TEE_ALG_DSA_SHA256, TEE_MODE_SIGN, 1024, &pair);
    let mut v1 = keyed(TEE_ALG_DSA_SHA1, TEE_MODE_VERIFY, 1024, &public);
    for digest in [&d[..], &d[..20]] {
        let sig = s
            .asymmetric_sign_digest(&[], digest, 40, &mut OsRng)
            .unwrap();
        assert_eq!(sig.len(), 40);
        v.asymmetric_verify_digest(&[], &d, &sig).unwrap();
        v1.asymmetric_verify_digest(&[], &d[..20], &sig).unwrap();
    }
    assert!(matches!(
        s.asymmetric_sign_digest(&[], &d[..31], 40, &mut OsRng),
        Err(Error::Panic(_))
    ));
}

// ---------------------------------------------------------------------
// SM2 keys without TEE_ATTR_ECC_CURVE.

#[test]
fn sm2_keys_without_curve_attribute() {
    for (pair_t, pub_t) in [
        (TEE_TYPE_SM2_DSA_KEYPAIR, TEE_TYPE_SM2_DSA_PUBLIC_KEY),
        (TEE_TYPE_SM2_PKE_KEYPAIR, TEE_TYPE_SM2_PKE_PUBLIC_KEY),
        (TEE_TYPE_SM2_KEP_KEYPAIR, TEE_TYPE_SM2_KEP_PUBLIC_KEY),
    ] {
        // Generated with no parameter: the curve is implied.
        let mut k = Object::new(pair_t, 256).unwrap();
        k.generate(256, &[], &mut OsRng).unwrap();
        let x = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_X, 32).unwrap();
        let y = k.buffer_attribute(TEE_ATTR_ECC_PUBLIC_VALUE_Y, 32).unwrap();
        let d = k.buffer_attribute(TEE_ATTR_ECC_PRIVATE_VALUE, 32).unwrap();
        let xy = [
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, x.clone()),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, y.clone()),
        ];
        let mut all = xy.to_vec();
        all.push(Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, d));
        let pair = populated(pair_t, 256, &all).unwrap();
        let public = populated(pub_t, 256, &xy).unwrap();
        for o in [&pair, &public] {
            assert_eq!(o.size(), 256);
            assert_eq!(
                o.value_attribute(TEE_ATTR_ECC_CURVE),
                Ok((TEE_ECC_CURVE_SM2, 0))
            );
        }
        // With the curve as older OP-TEE requires: the same key.
        let mut with = all.clone();
        with.push(Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_SM2, 0));
        populated(pair_t, 256, &with).unwrap();
        // Another curve: refused.
        let mut other = all.clone();
        other.push(Attr::Value(TEE_ATTR_ECC_CURVE, TEE_ECC_CURVE_NIST_P256, 0));
        assert_eq!(
            populated(pair_t, 256, &other).err(),
            Some(Error::NotSupported)
        );
        // A missing coordinate still panics.
        assert!(matches!(
            populated(pub_t, 256, &xy[..1]),
            Err(Error::Panic(_))
        ));
        if pair_t == TEE_TYPE_SM2_DSA_KEYPAIR {
            let e = sha256(b"message digest"); // any 32-byte e
            let mut s = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_SIGN, 256, &pair);
            let sig = s.asymmetric_sign_digest(&[], &e, 64, &mut OsRng).unwrap();
            let mut v = keyed(TEE_ALG_SM2_DSA_SM3, TEE_MODE_VERIFY, 256, &public);
            v.asymmetric_verify_digest(&[], &e, &sig).unwrap();
        }
        if pair_t == TEE_TYPE_SM2_PKE_KEYPAIR {
            let mut enc = keyed(TEE_ALG_SM2_PKE, TEE_MODE_ENCRYPT, 256, &public);
            let c = enc
                .asymmetric_encrypt(&[], b"hello", 200, &mut OsRng)
                .unwrap();
            let mut dec = keyed(TEE_ALG_SM2_PKE, TEE_MODE_DECRYPT, 256, &pair);
            assert_eq!(
                dec.asymmetric_decrypt(&[], &c, 200, &mut OsRng).unwrap(),
                b"hello"
            );
        }
    }
}

// ---------------------------------------------------------------------
// DH: every key size OP-TEE accepts (256 to 2048 bits, any step).

/// RFC 2409 6.1: the 768-bit MODP group (generator 2).
const MODP768: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74
    020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437
    4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";

#[test]
fn dh_every_size_allocates_and_generates() {
    for bits in 256..=2048u32 {
        // Allocation: the object and the operation.
        let mut k = Object::new(TEE_TYPE_DH_KEYPAIR, bits).unwrap();
        assert_eq!(k.info().max_object_size, bits);
        Operation::new(TEE_ALG_DH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, bits).unwrap();
        // Generation with a modulus of exactly `bits` bits (an odd
        // number; a short private value keeps the test fast).
        let mut p = vec![0u8; (bits as usize).div_ceil(8)];
        let top = (bits - 1) % 8;
        p[0] = 1 << top;
        let mid = p.len() / 2;
        p[mid] = 0x5A;
        *p.last_mut().unwrap() |= 1;
        let params = [
            Attr::Ref(TEE_ATTR_DH_PRIME, p.clone()),
            Attr::Ref(TEE_ATTR_DH_BASE, vec![2]),
            Attr::Value(TEE_ATTR_DH_X_BITS, 64, 0),
        ];
        k.generate(bits, &params, &mut OsRng)
            .unwrap_or_else(|e| panic!("{bits}: {e:?}"));
        assert_eq!(k.size(), bits);
        // OP-TEE compares the key size with the prime's length in bytes:
        // a key size of 8 times that is taken too.
        if bits % 8 != 0 {
            let whole = bits.div_ceil(8) * 8;
            let mut k = Object::new(TEE_TYPE_DH_KEYPAIR, whole).unwrap();
            k.generate(whole, &params, &mut OsRng).unwrap();
            assert_eq!(k.size(), whole);
        }
    }
    assert_eq!(
        Object::new(TEE_TYPE_DH_KEYPAIR, 255).err(),
        Some(Error::NotSupported)
    );

    // A real group: both sides derive the same secret.
    let params = [
        Attr::Ref(TEE_ATTR_DH_PRIME, hex(MODP768)),
        Attr::Ref(TEE_ATTR_DH_BASE, vec![2]),
    ];
    let make = || {
        let mut k = Object::new(TEE_TYPE_DH_KEYPAIR, 768).unwrap();
        k.generate(768, &params, &mut OsRng).unwrap();
        k
    };
    let (a, b) = (make(), make());
    let derive = |own: &Object, peer: &Object| {
        let y = peer.buffer_attribute(TEE_ATTR_DH_PUBLIC_VALUE, 96).unwrap();
        let mut op = keyed(TEE_ALG_DH_DERIVE_SHARED_SECRET, TEE_MODE_DERIVE, 768, own);
        let mut out = Object::new(TEE_TYPE_GENERIC_SECRET, 768).unwrap();
        op.derive_key(&[Attr::Ref(TEE_ATTR_DH_PUBLIC_VALUE, y)], &mut out)
            .unwrap();
        out.buffer_attribute(TEE_ATTR_SECRET_VALUE, 96).unwrap()
    };
    assert_eq!(derive(&a, &b), derive(&b, &a));
}

// ---------------------------------------------------------------------
// HKDF with OP-TEE's attribute identifiers and GP 1.3.1's.

#[test]
fn hkdf_optee_and_gp_attribute_ids() {
    assert_eq!(
        (
            TEE_ALG_HKDF_SHA256_DERIVE_KEY,
            TEE_TYPE_HKDF_IKM,
            TEE_ATTR_HKDF_IKM,
            TEE_ATTR_HKDF_SALT,
            TEE_ATTR_HKDF_INFO,
            TEE_ATTR_HKDF_OKM_LENGTH,
        ),
        (
            0x8000_40C0,
            0xA100_00C0,
            0xC000_01C0,
            0xD000_02C0,
            0xD000_03C0,
            0xF000_04C0
        )
    );
    assert_eq!(
        (GP_TEE_ATTR_HKDF_SALT, GP_TEE_ATTR_HKDF_INFO),
        (0xD000_0946, 0xD000_0A46)
    );
    // RFC 5869 A.1.
    let ikm = vec![0x0b; 22];
    let salt = hex("000102030405060708090a0b0c");
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let okm =
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
    let key = populated(TEE_TYPE_HKDF_IKM, 176, &[Attr::Ref(TEE_ATTR_HKDF_IKM, ikm)]).unwrap();
    let run = |params: &[Attr]| {
        let mut op = keyed(TEE_ALG_HKDF_SHA256_DERIVE_KEY, TEE_MODE_DERIVE, 176, &key);
        let mut out = Object::new(TEE_TYPE_GENERIC_SECRET, 42 * 8).unwrap();
        op.derive_key(params, &mut out)?;
        out.buffer_attribute(TEE_ATTR_SECRET_VALUE, 42)
    };
    let len = Attr::Value(TEE_ATTR_HKDF_OKM_LENGTH, 42, 0);
    for (s, i) in [
        (TEE_ATTR_HKDF_SALT, TEE_ATTR_HKDF_INFO),
        (GP_TEE_ATTR_HKDF_SALT, GP_TEE_ATTR_HKDF_INFO),
        (TEE_ATTR_HKDF_SALT, GP_TEE_ATTR_HKDF_INFO),
        (GP_TEE_ATTR_HKDF_SALT, TEE_ATTR_HKDF_INFO),
    ] {
        let params = [
            Attr::Ref(s, salt.clone()),
            Attr::Ref(i, info.clone()),
            len.clone(),
        ];
        assert_eq!(run(&params).unwrap(), okm, "{s:#x} {i:#x}");
    }
    // The salt given twice (by both identifiers) panics.
    assert!(matches!(
        run(&[
            Attr::Ref(TEE_ATTR_HKDF_SALT, salt.clone()),
            Attr::Ref(GP_TEE_ATTR_HKDF_SALT, salt.clone()),
            len.clone(),
        ]),
        Err(Error::Panic(_))
    ));
}

// ---------------------------------------------------------------------
// AES-XTS: maxKeySize of one key, or of both together (OP-TEE).

#[test]
fn aes_xts_max_key_size_of_both_keys() {
    for m in [128, 192, 256, 384, 512] {
        let op = Operation::new(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, m).unwrap();
        assert_eq!(op.info().max_key_size, m);
    }
    for m in [0, 64, 320, 448, 1024] {
        assert_eq!(
            Operation::new(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, m).err(),
            Some(Error::NotSupported),
            "{m}"
        );
    }
    // IEEE P1619 vector 10 (XTS-AES-256, data unit 0xff), first blocks.
    let k1 = hex("2718281828459045235360287471352662497757247093699959574966967627");
    let k2 = hex("3141592653589793238462643383279502884197169399375105820974944592");
    let pt: Vec<u8> = (0..32).collect();
    let want = hex("1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b");
    let mut tweak = [0u8; 16];
    tweak[0] = 0xff;
    let aes = |k: &[u8]| {
        populated(
            TEE_TYPE_AES,
            8 * k.len() as u32,
            &[Attr::Ref(TEE_ATTR_SECRET_VALUE, k.to_vec())],
        )
        .unwrap()
    };
    let (a, b) = (aes(&k1), aes(&k2));
    for m in [256, 512] {
        let mut op = Operation::new(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, m).unwrap();
        op.set_key2(Some(&a), Some(&b)).unwrap();
        op.cipher_init(&tweak).unwrap();
        assert_eq!(op.cipher_do_final(&pt, 32).unwrap(), want, "{m}");
    }
    // 384 bits: two 192-bit keys; 256-bit ones are too large.
    let mut op = Operation::new(TEE_ALG_AES_XTS, TEE_MODE_ENCRYPT, 384).unwrap();
    let (c, d) = (aes(&k1[..24]), aes(&k2[..24]));
    op.set_key2(Some(&c), Some(&d)).unwrap();
    assert!(matches!(
        op.set_key2(Some(&a), Some(&b)),
        Err(Error::Panic(_))
    ));
}

// ---------------------------------------------------------------------
// ECDH key pairs with any public value.

#[test]
fn ecdh_keypair_public_value_not_checked() {
    for (curve, bits, len) in [
        (TEE_ECC_CURVE_NIST_P256, 256u32, 32usize),
        (TEE_ECC_CURVE_NIST_P384, 384, 48),
    ] {
        let make = || {
            let mut k = Object::new(TEE_TYPE_ECDH_KEYPAIR, bits).unwrap();
            k.generate(
                bits,
                &[Attr::Value(TEE_ATTR_ECC_CURVE, curve, 0)],
                &mut OsRng,
            )
            .unwrap();
            k
        };
        let (a, b) = (make(), make());
        let get = |k: &Object, id| k.buffer_attribute(id, len).unwrap();
        let derive = |own: &Object, peer: &Object| {
            let mut op = keyed(
                TEE_ALG_ECDH_DERIVE_SHARED_SECRET,
                TEE_MODE_DERIVE,
                bits,
                own,
            );
            let mut out = Object::new(TEE_TYPE_GENERIC_SECRET, 8 * len as u32).unwrap();
            op.derive_key(
                &[
                    Attr::Ref(
                        TEE_ATTR_ECC_PUBLIC_VALUE_X,
                        get(peer, TEE_ATTR_ECC_PUBLIC_VALUE_X),
                    ),
                    Attr::Ref(
                        TEE_ATTR_ECC_PUBLIC_VALUE_Y,
                        get(peer, TEE_ATTR_ECC_PUBLIC_VALUE_Y),
                    ),
                ],
                &mut out,
            )
            .unwrap();
            out.buffer_attribute(TEE_ATTR_SECRET_VALUE, len).unwrap()
        };
        let want = derive(&a, &b);
        // A's private value with public values that are not its own: B's
        // point, and (1, 1), which is on no curve.
        let d = get(&a, TEE_ATTR_ECC_PRIVATE_VALUE);
        for (x, y) in [
            (
                get(&b, TEE_ATTR_ECC_PUBLIC_VALUE_X),
                get(&b, TEE_ATTR_ECC_PUBLIC_VALUE_Y),
            ),
            (vec![1], vec![1]),
        ] {
            let attrs = [
                Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, d.clone()),
                Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, x),
                Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, y),
                Attr::Value(TEE_ATTR_ECC_CURVE, curve, 0),
            ];
            let odd = populated(TEE_TYPE_ECDH_KEYPAIR, bits, &attrs).unwrap();
            assert_eq!(derive(&odd, &b), want);
            // ECDSA key pairs are still checked.
            assert_eq!(
                populated(TEE_TYPE_ECDSA_KEYPAIR, bits, &attrs).err(),
                Some(Error::Bad)
            );
        }
        // Public keys are checked (a TA checks a peer's point this way).
        let off = [
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, vec![1]),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, vec![1]),
            Attr::Value(TEE_ATTR_ECC_CURVE, curve, 0),
        ];
        assert_eq!(
            populated(TEE_TYPE_ECDH_PUBLIC_KEY, bits, &off).err(),
            Some(Error::Bad)
        );
        // A private value of zero is no key.
        let attrs = [
            Attr::Ref(TEE_ATTR_ECC_PRIVATE_VALUE, vec![0]),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_X, vec![1]),
            Attr::Ref(TEE_ATTR_ECC_PUBLIC_VALUE_Y, vec![1]),
            Attr::Value(TEE_ATTR_ECC_CURVE, curve, 0),
        ];
        assert_eq!(
            populated(TEE_TYPE_ECDH_KEYPAIR, bits, &attrs).err(),
            Some(Error::Bad)
        );
    }
}

// ---------------------------------------------------------------------
// AE update output sizes: OP-TEE's CCM gives whole blocks, GCM all.

fn ae(alg: u32, mode: u32, nonce: &[u8], tag_bits: u32, aad: &[u8], n: u64) -> Operation {
    let k = hex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
    let key = populated(TEE_TYPE_AES, 128, &[Attr::Ref(TEE_ATTR_SECRET_VALUE, k)]).unwrap();
    let mut op = keyed(alg, mode, 128, &key);
    op.ae_init(nonce, tag_bits, aad.len() as u64, n).unwrap();
    op.ae_update_aad(aad).unwrap();
    op
}

#[test]
fn ccm_update_output_whole_blocks() {
    // RFC 3610 packet vector 1.
    let nonce = hex("00000003020100a0a1a2a3a4a5");
    let aad = hex("0001020304050607");
    let pt = hex("08090a0b0c0d0e0f101112131415161718191a1b1c1d1e");
    let ct = hex("588c979a61c663d2f066d0c2c0f989806d5f6b61dac384");
    let tag = hex("17e8d12cfdf926e0");
    for (mode, input, output) in [(TEE_MODE_ENCRYPT, &pt, &ct), (TEE_MODE_DECRYPT, &ct, &pt)] {
        let mut op = ae(TEE_ALG_AES_CCM, mode, &nonce, 64, &aad, 23);
        // 5 bytes: less than a block, nothing out (no room needed).
        assert_eq!(op.ae_update(&input[..5], 0).unwrap(), b"");
        // 5 + 12 = 17: one block out; too little room is SHORT_BUFFER
        // with the size needed, the operation unchanged.
        assert_eq!(
            op.ae_update(&input[5..17], 15).err(),
            Some(Error::ShortBuffer(16))
        );
        assert_eq!(op.ae_update(&input[5..17], 16).unwrap(), output[..16]);
        assert_eq!(op.ae_update(&[], 0).unwrap(), b"");
        // The final gives the byte kept and the rest.
        let rest = &input[17..];
        if mode == TEE_MODE_ENCRYPT {
            assert_eq!(
                op.ae_encrypt_final(rest, 6, 8).err(),
                Some(Error::ShortBuffer(7))
            );
            let (c, t) = op.ae_encrypt_final(rest, 7, 8).unwrap();
            assert_eq!((c, t), (output[16..].to_vec(), tag.clone()));
        } else {
            assert_eq!(
                op.ae_decrypt_final(rest, 6, &tag).err(),
                Some(Error::ShortBuffer(7))
            );
            assert_eq!(op.ae_decrypt_final(rest, 7, &tag).unwrap(), output[16..]);
        }
        // Into a caller's buffer: the same sizes.
        let mut op = ae(TEE_ALG_AES_CCM, mode, &nonce, 64, &aad, 23);
        assert_eq!(op.ae_update(&input[..20], 16).unwrap(), output[..16]);
        let mut out = [0u8; 7];
        if mode == TEE_MODE_ENCRYPT {
            let mut t = [0u8; 8];
            assert_eq!(
                op.ae_encrypt_final_into(&input[20..], &mut out, &mut t),
                Ok((7, 8))
            );
            assert_eq!(t[..], tag[..]);
        } else {
            assert_eq!(
                op.ae_decrypt_final_into(&input[20..], &mut out, &tag),
                Ok(7)
            );
        }
        assert_eq!(out[..], output[16..]);
        // Byte by byte: a block out every 16 bytes.
        let mut op = ae(TEE_ALG_AES_CCM, mode, &nonce, 64, &aad, 23);
        let mut got = Vec::new();
        for (i, b) in input.iter().enumerate() {
            let o = op.ae_update(&[*b], 16).unwrap();
            assert_eq!(o.len(), if i == 15 { 16 } else { 0 }, "{i}");
            got.extend(o);
        }
        if mode == TEE_MODE_ENCRYPT {
            got.extend(op.ae_encrypt_final(&[], 7, 8).unwrap().0);
        } else {
            got.extend(op.ae_decrypt_final(&[], 7, &tag).unwrap());
        }
        assert_eq!(&got, output);
    }
    // More payload than declared still panics, counting what is kept.
    let mut op = ae(TEE_ALG_AES_CCM, TEE_MODE_ENCRYPT, &nonce, 64, &aad, 23);
    op.ae_update(&pt[..10], 0).unwrap();
    assert!(matches!(op.ae_update(&[0; 14], 16), Err(Error::Panic(_))));

    // GCM: every byte out at once.
    let mut op = ae(TEE_ALG_AES_GCM, TEE_MODE_ENCRYPT, &[7; 12], 128, b"", 0);
    assert_eq!(op.ae_update(&[1, 2, 3], 3).unwrap().len(), 3);
    assert_eq!(op.ae_update(&[4; 5], 4).err(), Some(Error::ShortBuffer(5)));
}

// ---------------------------------------------------------------------
// A key larger than the object's maximum size: a panic (GP 1.3.1).

#[test]
fn populate_key_above_max_object_size_panics() {
    let secret = |n: usize| [Attr::Ref(TEE_ATTR_SECRET_VALUE, vec![7; n])];
    assert!(matches!(
        populated(TEE_TYPE_AES, 128, &secret(32)),
        Err(Error::Panic(_))
    ));
    assert!(matches!(
        populated(TEE_TYPE_HMAC_SHA256, 256, &secret(64)),
        Err(Error::Panic(_))
    ));
    assert!(matches!(
        populated(TEE_TYPE_GENERIC_SECRET, 8, &secret(2)),
        Err(Error::Panic(_))
    ));
    // Within the maximum but a size the type does not have: an error.
    assert_eq!(
        populated(TEE_TYPE_AES, 256, &secret(17)).err(),
        Some(Error::Bad)
    );
    populated(TEE_TYPE_AES, 256, &secret(16)).unwrap();
    // Asymmetric: a 1024-bit DSA key into a 512-bit object.
    let pair = dsa_1024(true);
    let mut small = Object::new(TEE_TYPE_DSA_KEYPAIR, 512).unwrap();
    assert!(matches!(
        small.populate(pair.attributes()),
        Err(Error::Panic(_))
    ));
}
