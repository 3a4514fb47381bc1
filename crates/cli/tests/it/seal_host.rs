//! Sealing on the host tier's core: the keys are what the HUK, the TA's
//! UUID, signed version and signer give (checked against
//! `oxtee_core::sealing` with the core's HUK file), the same across
//! restarts; a new version signed by the same key opens data sealed under
//! the signer policy and not under the version policy; another signer
//! gets other keys (but OP-TEE's unique key, bound to the UUID only, is
//! the same).

use crate::harness::*;
use crate::seal::{SEAL, SIGNER, SealTa, UNIQUE, VERSION};
use oxtee_core::image;
use oxtee_core::sealing::{self, Binding, TaIdentity};
use std::path::{Path, PathBuf};

const MAC_INVALID: u32 = 0xFFFF_3071;
const ACCESS_DENIED: u32 = 0xFFFF_0001;

fn huk(w: &World) -> [u8; 32] {
    std::fs::read(w.dir.path().join("storage/huk"))
        .unwrap()
        .try_into()
        .unwrap()
}

fn public(pem: &Path) -> rsa::RsaPublicKey {
    image::public_key_from_pem(&std::fs::read_to_string(pem).unwrap()).unwrap()
}

/// The seal TA's ELF, out of its built image.
fn seal_elf(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(ta_dir().join(format!("{SEAL}.ta"))).unwrap();
    let img = image::parse(&bytes).unwrap();
    let elf = dir.join("seal.elf");
    std::fs::write(&elf, img.elf).unwrap();
    elf
}

/// Sign the seal TA's ELF with `key` as `version` into `ta_dir`.
fn sign(key: &Path, elf: &Path, version: u32, ta_dir: &Path) {
    let r = std::process::Command::new(oxtee_bin())
        .args(["ta", "sign", "--key"])
        .arg(key)
        .arg("--elf")
        .arg(elf)
        .arg("--out")
        .arg(ta_dir.join(format!("{SEAL}.ta")))
        .args(["--ta-version", &version.to_string()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

fn keygen(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    let r = std::process::Command::new(oxtee_bin())
        .args(["ta", "keygen", "--out"])
        .arg(&key)
        .arg("--public")
        .arg(&public)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    (key, public)
}

fn expected(huk: &[u8; 32], version: u32, signer: &rsa::RsaPublicKey, b: Binding) -> Vec<u8> {
    let ta = TaIdentity {
        uuid: uuid(SEAL).0,
        ta_version: version,
        signer: image::key_id(signer),
    };
    let mut k = vec![0u8; 32];
    sealing::derive(huk, &ta, b, b"e", &mut k).unwrap();
    k
}

#[test]
fn keys_are_what_the_huk_and_identity_give_and_survive_a_restart() {
    let mut w = World::start();
    let dev = public(&dev_pubkey());
    let h = huk(&w);
    let keys = |w: &World| {
        let a = SealTa::open(w, SEAL);
        [
            a.key(UNIQUE, 0, b"e").unwrap(),
            a.key(VERSION, 0, b"e").unwrap(),
            a.key(SIGNER, 0, b"e").unwrap(),
        ]
    };
    let before = keys(&w);
    assert_eq!(before[0], expected(&h, 0, &dev, Binding::Unique));
    assert_eq!(before[1], expected(&h, 0, &dev, Binding::Version));
    assert_eq!(before[2], expected(&h, 0, &dev, Binding::Signer(0)));
    w.restart();
    assert_eq!(keys(&w), before);
}

#[test]
fn a_new_version_opens_what_the_signer_policy_sealed_only() {
    let t = tempfile::tempdir().unwrap();
    let tas = t.path().join("ta");
    std::fs::create_dir(&tas).unwrap();
    let elf = seal_elf(t.path());
    let key = dist().join("devkit/keys/default_ta.pem");
    sign(&key, &elf, 1, &tas);
    let mut w = World::start_with(&tas, "");
    let data = b"sealed by version 1".to_vec();
    let (by_version, by_signer, unique) = {
        let a = SealTa::open(&w, SEAL);
        // Version 1 cannot reach a later version's keys.
        assert_eq!(a.key(SIGNER, 2, b"e"), Err(ACCESS_DENIED));
        (
            a.seal(VERSION, 0, &data).unwrap(),
            a.seal(SIGNER, 1, &data).unwrap(),
            a.key(UNIQUE, 0, b"e").unwrap(),
        )
    };
    assert!(w.stop());
    sign(&key, &elf, 2, &tas);
    w.spawn();
    let a = SealTa::open(&w, SEAL);
    assert_eq!(a.unseal(SIGNER, 1, &by_signer).unwrap(), data);
    assert_eq!(a.unseal(VERSION, 0, &by_version), Err(MAC_INVALID));
    assert_eq!(a.key(UNIQUE, 0, b"e").unwrap(), unique);
    let h = huk(&w);
    let dev = public(&dev_pubkey());
    assert_eq!(
        a.key(SIGNER, 2, b"e").unwrap(),
        expected(&h, 2, &dev, Binding::Signer(2))
    );
    assert_eq!(a.key(SIGNER, 3, b"e"), Err(ACCESS_DENIED));
}

#[test]
fn another_signer_gets_other_keys_but_the_same_unique_key() {
    let t = tempfile::tempdir().unwrap();
    let tas = t.path().join("ta");
    std::fs::create_dir(&tas).unwrap();
    let elf = seal_elf(t.path());
    let (other, other_pub) = keygen(t.path(), "other");
    sign(&dist().join("devkit/keys/default_ta.pem"), &elf, 0, &tas);
    let mut w = World::start_with_keys(&tas, &[dev_pubkey(), other_pub.clone()], "");
    let keys = |w: &World| {
        let a = SealTa::open(w, SEAL);
        [UNIQUE, VERSION, SIGNER].map(|p| a.key(p, 0, b"e").unwrap())
    };
    let first = keys(&w);
    let sealed = SealTa::open(&w, SEAL).seal(SIGNER, 0, b"x").unwrap();
    assert!(w.stop());
    sign(&other, &elf, 0, &tas);
    w.spawn();
    let second = keys(&w);
    assert_eq!(second[0], first[0]);
    assert_ne!(second[1], first[1]);
    assert_ne!(second[2], first[2]);
    let h = huk(&w);
    let o = public(&other_pub);
    assert_eq!(second[2], expected(&h, 0, &o, Binding::Signer(0)));
    let a = SealTa::open(&w, SEAL);
    assert_eq!(a.unseal(SIGNER, 0, &sealed), Err(MAC_INVALID));
}
