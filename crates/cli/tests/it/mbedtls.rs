//! mbedTLS for TAs, as OP-TEE's devkit offers it (CFG_TA_MBEDTLS=y): the C
//! TA tests/tas/c/mbedtls builds with no extra flag and calls the library
//! inside the sandbox; what it computes is checked independently here.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use sha2::{Digest, Sha256};

const MBEDTLS_TA: &str = "886c064c-31c0-4583-a3c3-966f8f022ede";

fn outputs(s: &Session, cmd: u32, input: &[u8], caps: &[usize]) -> Vec<Vec<u8>> {
    let mut bufs: Vec<Vec<u8>> = caps.iter().map(|&n| vec![0u8; n]).collect();
    let mut p: Vec<Param<'_>> = vec![Param::TempIn { buf: input }];
    for b in bufs.iter_mut() {
        let size = b.len();
        p.push(Param::TempOut { buf: b, size });
    }
    s.invoke(cmd, &mut p).unwrap();
    let sizes: Vec<usize> = p[1..]
        .iter()
        .map(|q| match q {
            Param::TempOut { size, .. } => *size,
            _ => unreachable!(),
        })
        .collect();
    drop(p);
    bufs.into_iter()
        .zip(sizes)
        .map(|(mut b, n)| {
            b.truncate(n);
            b
        })
        .collect()
}

#[test]
fn a_ta_calls_mbedtls() {
    let w = World::start();
    let (s, _) = w
        .ctx()
        .open_session(uuid(MBEDTLS_TA), Login::Public, &mut [])
        .unwrap();

    // Digests through mbedtls_md agree with an independent SHA-256.
    for msg in [&b""[..], b"abc", &[0x5a; 1000]] {
        let out = outputs(&s, 0, msg, &[32]);
        assert_eq!(out[0], Sha256::digest(msg).as_slice());
    }

    // The library's own self tests pass in the sandbox.
    let mut p = [Param::ValueOut { a: 99, b: 0 }];
    s.invoke(1, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueOut { a: 0, .. }), "{:?}", p[0]);

    // ECDSA with a DRBG fed by TEE_GenerateRandom: the signature verifies
    // under the returned key with another implementation, and every key
    // is fresh.
    use p256::ecdsa::signature::Verifier;
    let msg = b"signed inside a TA by mbedTLS";
    let mut keys = Vec::new();
    for _ in 0..2 {
        let out = outputs(&s, 2, msg, &[65, 160]);
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&out[0]).unwrap();
        let sig = p256::ecdsa::Signature::from_der(&out[1]).unwrap();
        key.verify(msg, &sig).unwrap();
        keys.push(out[0].clone());
    }
    assert_ne!(keys[0], keys[1]);

    // X.509 parsing.
    let mut pem = include_bytes!("data/mbedtls_test_cert.pem").to_vec();
    pem.push(0);
    let out = outputs(&s, 3, &pem, &[200]);
    assert_eq!(
        String::from_utf8(out[0].clone()).unwrap(),
        "C=SE, O=oxtee tests, CN=mbedtls.example"
    );
    let mut p = [
        Param::TempIn {
            buf: b"not a certificate\0",
        },
        Param::TempOut {
            buf: &mut [0u8; 200],
            size: 200,
        },
    ];
    assert_eq!(s.invoke(3, &mut p).unwrap_err().code, 0xFFFF_0005);
}
