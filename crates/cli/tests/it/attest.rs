//! Attestation on the host tier: `oxtee attest` fetches a PSA token
//! (RFC 9783) about a TA and verifies it; an independent verifier
//! (`tests/attest/verify_psa.py`: pycose and the exported key) accepts it
//! and checks every claim against the PSA profile, and refuses a tampered
//! token, a wrong challenge, another TA's token and another device's key.
//! OP-TEE's attestation PTA interface from a client (public key, signed
//! TA header digest, signed core measurement; TA memory refused) and from
//! TAs (C and Rust SDK).

use crate::harness::*;
use crate::seal::{RUST_INTERNAL, SEAL, SealTa};
use oxtee_client::{Login, Param};
use oxtee_core::image;
use rsa::Pss;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

const ATTESTATION: &str = "39800861-182a-4720-9b67-2bcd622bc0b5";
const ACCESS_DENIED: u32 = 0xFFFF_0001;
const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
const SIGNED: usize = 32 + 384;

/// The Python with pycose (scripts/pyenv.sh, run by the test command).
fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/pyenv.sh (the README's test command does)",
        p.display()
    );
    p
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A TA's signed digest and signer, from its image in dist/.
fn measured(ta: &str) -> ([u8; 32], [u8; 32]) {
    let bytes = std::fs::read(ta_dir().join(format!("{ta}.ta"))).unwrap();
    let key = image::public_key_from_pem(&std::fs::read_to_string(dev_pubkey()).unwrap()).unwrap();
    let img = image::verify(&bytes, &[key]).unwrap();
    (img.hash.try_into().unwrap(), img.signer.unwrap())
}

fn attest(w: &World, ta: &str, challenge: &str, dir: &Path, extra: &[&str]) -> (bool, String) {
    let o = Command::new(oxtee_bin())
        .args(["attest", "--ta", ta, "--challenge", challenge, "--socket"])
        .arg(&w.socket)
        .arg("--token-out")
        .arg(dir.join("token.cbor"))
        .arg("--key-out")
        .arg(dir.join("key.pem"))
        .args(extra)
        .output()
        .unwrap();
    verdict(&o)
}

/// Whether a command succeeded, and all it printed.
fn verdict(o: &std::process::Output) -> (bool, String) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// The independent verifier's verdict on `token` for `ta`.
fn pycose(token: &Path, key: &Path, challenge: &str, ta: &str) -> (bool, String) {
    let (digest, signer) = measured(ta);
    let o = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/attest/verify_psa.py"))
        .arg("--token")
        .arg(token)
        .arg("--key")
        .arg(key)
        .args(["--challenge", challenge, "--ta", ta])
        .args(["--ta-digest", &hex(&digest), "--ta-signer", &hex(&signer)])
        .output()
        .unwrap();
    verdict(&o)
}

#[test]
fn a_psa_token_verifies_independently_and_forgeries_do_not() {
    let mut w = World::start();
    let d = tempfile::tempdir().unwrap();
    let challenge = hex(&[0x5a; 32]);
    let (ok, out) = attest(&w, HELLO_C, &challenge, d.path(), &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("signature valid") && out.contains(&format!("TA:{HELLO_C}")),
        "{out}"
    );
    let (token, key) = (d.path().join("token.cbor"), d.path().join("key.pem"));
    let (ok, why) = pycose(&token, &key, &challenge, HELLO_C);
    assert!(ok, "pycose refused a genuine token: {why}");
    // A wrong challenge, another TA's expected measurement.
    let (ok, why) = pycose(&token, &key, &hex(&[0x5b; 32]), HELLO_C);
    assert!(!ok && why.contains("another challenge"), "{why}");
    let (ok, why) = pycose(&token, &key, &challenge, SEAL);
    assert!(!ok && why.contains("no component measures"), "{why}");
    // Every tampered byte of the token (sampled) is refused.
    let genuine = std::fs::read(&token).unwrap();
    let bad = d.path().join("bad.cbor");
    for i in (0..genuine.len()).step_by(genuine.len() / 24 + 1) {
        let mut t = genuine.clone();
        t[i] ^= 0x20;
        std::fs::write(&bad, &t).unwrap();
        let (ok, why) = pycose(&bad, &key, &challenge, HELLO_C);
        assert!(!ok, "tampered byte {i} accepted: {why}");
    }
    // Another device (another HUK) signs with another key: its token does
    // not verify with this device's key.
    let other = World::start();
    let d2 = tempfile::tempdir().unwrap();
    let (ok, out) = attest(&other, HELLO_C, &challenge, d2.path(), &[]);
    assert!(ok, "{out}");
    let (ok, why) = pycose(&d2.path().join("token.cbor"), &key, &challenge, HELLO_C);
    assert!(!ok && why.contains("signature"), "{why}");
    // `oxtee attest` with the first device's key pinned refuses it too.
    let (ok, out) = attest(
        &other,
        HELLO_C,
        &challenge,
        d2.path(),
        &["--key", key.to_str().unwrap()],
    );
    assert!(!ok && out.contains("does not verify"), "{out}");
    // The same device's key stays the same across a restart.
    w.restart();
    let (ok, out) = attest(
        &w,
        HELLO_C,
        &challenge,
        d2.path(),
        &["--key", key.to_str().unwrap()],
    );
    assert!(ok && out.contains("pinned key"), "{out}");
    // Bad requests: a short challenge, no such TA.
    let (ok, out) = attest(&w, HELLO_C, &hex(&[1; 16]), d.path(), &[]);
    assert!(!ok && out.contains("32, 48 or 64"), "{out}");
    let (ok, out) = attest(
        &w,
        "0badc0de-0000-4000-8000-000000000001",
        &challenge,
        d.path(),
        &[],
    );
    assert!(!ok && out.contains("cannot get a token"), "{out}");
}

/// A `TEE_UUID` as it lies in memory.
fn tee_uuid(s: &str) -> [u8; 16] {
    oxtee_core::pta::attestation::swap_uuid(uuid(s).0)
}

#[test]
fn optee_attestation_interface_from_a_client() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(ATTESTATION), Login::Public, &mut [])
        .unwrap();
    // The public key: exponent, modulus, algorithm.
    let (mut e, mut n) = ([0u8; 8], [0u8; 512]);
    let mut p = [
        Param::TempOut {
            buf: &mut e,
            size: 8,
        },
        Param::TempOut {
            buf: &mut n,
            size: 512,
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(0, &mut p).unwrap();
    let (
        Param::TempOut { size: es, .. },
        Param::TempOut { size: ns, .. },
        Param::ValueOut { a: alg, .. },
    ) = (&p[0], &p[1], &p[2])
    else {
        unreachable!()
    };
    assert_eq!((*ns, *alg), (384, 0x7041_4930));
    let (es, ns) = (*es, *ns);
    let _ = p;
    let public = rsa::RsaPublicKey::new(
        rsa::BigUint::from_bytes_be(&n[..ns]),
        rsa::BigUint::from_bytes_be(&e[..es]),
    )
    .unwrap();
    let check = |nonce: &[u8], out: &[u8]| {
        let h = Sha256::new()
            .chain_update(nonce)
            .chain_update(&out[..32])
            .finalize();
        public
            .verify(Pss::new_with_salt::<Sha256>(32), &h, &out[32..])
            .is_ok()
    };
    // Inputs in, `len` bytes out: the output and its reported size.
    let call = |cmd: u32, ins: &[&[u8]], len: usize| {
        let mut out = vec![0u8; len];
        let mut p: Vec<Param> = ins.iter().map(|b| Param::TempIn { buf: b }).collect();
        p.push(Param::TempOut {
            buf: &mut out,
            size: len,
        });
        let r = s.invoke(cmd, &mut p).map_err(|e| e.code);
        let Some(Param::TempOut { size, .. }) = p.pop() else {
            unreachable!()
        };
        drop(p);
        r.map(|_| out).map_err(|e| (e, size))
    };
    // A TA's signed header digest, signed with the nonce.
    let id = tee_uuid(HELLO_C);
    let out = call(1, &[&id, b"nonce"], SIGNED).unwrap();
    assert_eq!(out[..32], measured(HELLO_C).0);
    assert!(check(b"nonce", &out));
    assert!(!check(b"nonc3", &out));
    // Too small a buffer: the size needed.
    assert_eq!(call(1, &[&id, b"nonce"], 100), Err((SHORT_BUFFER, SIGNED)));
    // No such TA; no nonce.
    let nobody = tee_uuid("0badc0de-0000-4000-8000-000000000001");
    let e = call(1, &[&nobody, b"n"], SIGNED).unwrap_err();
    assert_eq!(e.0, ITEM_NOT_FOUND);
    assert_eq!(call(1, &[&id, b""], SIGNED).unwrap_err().0, BAD_PARAMETERS);
    // The core's own measurement: the executable that runs it.
    let out = call(3, &[b"tee"], SIGNED).unwrap();
    let exe: [u8; 32] = Sha256::digest(std::fs::read(oxtee_bin()).unwrap()).into();
    assert_eq!(out[..32], exe);
    assert!(check(b"tee", &out));
    // A TA's memory: only for the TA itself.
    assert_eq!(call(2, &[b"ta"], SIGNED).unwrap_err().0, ACCESS_DENIED);
}

#[test]
fn tas_get_tokens_about_themselves() {
    let w = World::start();
    let d = tempfile::tempdir().unwrap();
    let challenge = [0x33u8; 48];
    // The device's key, exported by `oxtee attest`.
    let (ok, out) = attest(&w, SEAL, &hex(&challenge), d.path(), &[]);
    assert!(ok, "{out}");
    let key = d.path().join("key.pem");
    // From the C TA (its own UUID left empty: itself) and the Rust SDK.
    let a = SealTa::open(&w, SEAL);
    let token = a.token(&challenge).unwrap();
    let r = w
        .ctx()
        .open_session(uuid(RUST_INTERNAL), Login::Public, &mut [])
        .unwrap()
        .0;
    let mut rust_token = vec![0u8; 4096];
    let mut p = [
        Param::TempIn { buf: &challenge },
        Param::TempOut {
            buf: &mut rust_token,
            size: 4096,
        },
    ];
    r.invoke(6, &mut p).unwrap();
    let Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    rust_token.truncate(size);
    for (t, ta) in [(&token, SEAL), (&rust_token, RUST_INTERNAL)] {
        let f = d.path().join("ta-token.cbor");
        std::fs::write(&f, t).unwrap();
        let (ok, why) = pycose(&f, &key, &hex(&challenge), ta);
        assert!(ok, "{ta}: {why}");
        let (ok, _) = pycose(&f, &key, &hex(&challenge), HELLO_C);
        assert!(!ok, "{ta}'s token passed for another TA");
    }
    // Its own memory: the code its process maps, signed.
    let m = a.hash_memory(b"n").unwrap();
    assert_eq!(m.len(), SIGNED);
    let bytes = std::fs::read(ta_dir().join(format!("{SEAL}.ta"))).unwrap();
    let elf: [u8; 32] = Sha256::digest(image::parse(&bytes).unwrap().elf).into();
    assert_eq!(m[..32], elf);
}

/// A client playing the attacker against the PTA boundary: an oversized
/// input is refused by the core before any PTA runs (and the core goes
/// on); registered shared memory reaches a PTA as copies both ways.
/// (PTA sessions live in the core's one session table: another client
/// cannot name them, as `hostile.rs` checks for TA sessions.)
#[test]
fn hostile_clients_at_the_pta_boundary() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(ATTESTATION), Login::Public, &mut [])
        .unwrap();
    let huge = vec![7u8; 1 << 20];
    let mut out = vec![0u8; 4096];
    let id = tee_uuid(HELLO_C);
    let mut p = [
        Param::TempIn { buf: &huge },
        Param::TempIn { buf: &id },
        Param::TempOut {
            buf: &mut out,
            size: 4096,
        },
    ];
    let e = s.invoke(0x6f78_0001, &mut p).unwrap_err();
    assert_eq!((e.code, e.origin), (BAD_PARAMETERS, 3));
    // Shared memory: challenge and UUID in, the token out, in one region.
    let shm = ctx.allocate_shared_memory(8192, 3).unwrap();
    assert!(shm.write(0, &[0x11; 32]) && shm.write(32, &id));
    let mut p = [
        Param::Shm {
            mem: &shm,
            dir: oxtee_proto::Dir::In,
            offset: 0,
            size: 32,
        },
        Param::Shm {
            mem: &shm,
            dir: oxtee_proto::Dir::In,
            offset: 32,
            size: 16,
        },
        Param::Shm {
            mem: &shm,
            dir: oxtee_proto::Dir::Out,
            offset: 4096,
            size: 4096,
        },
    ];
    s.invoke(0x6f78_0001, &mut p).unwrap();
    let Param::Shm { size, .. } = p[2] else {
        unreachable!()
    };
    let mut token = vec![0u8; size];
    assert!(shm.read(4096, &mut token));
    let mut key = [0u8; 65];
    let mut p = [Param::TempOut {
        buf: &mut key,
        size: 65,
    }];
    s.invoke(0x6f78_0002, &mut p).unwrap();
    let claims = oxtee_core::attestation::verify_psa_token(&key, &token).unwrap();
    assert_eq!(claims.nonce, [0x11; 32]);
    // The core is still there.
    let mut p = [Param::TempOut {
        buf: &mut key,
        size: 65,
    }];
    s.invoke(0x6f78_0002, &mut p).unwrap();
}
