//! TA management on the host tier: `oxtee ta install / uninstall / list`
//! through OP-TEE's secure-storage TA management PTA. An installed TA is
//! verified at install and again at load, survives a restart, comes
//! before the TA folder's copy and goes with `uninstall`; a tampered
//! image is refused and nothing is installed; an older version than the
//! installed one conflicts (as OP-TEE), and one older than any version
//! seen is refused even after an uninstall (anti-rollback); another user
//! and a TA cannot manage TAs.

use crate::harness::*;
use oxtee_client::{Login, Param};
use oxtee_core::image;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const SEAL: &str = crate::seal::SEAL;

fn oxtee(w: &World, args: &[&str]) -> (bool, String) {
    let o = Command::new(oxtee_bin())
        .args(args)
        .arg("--socket")
        .arg(&w.socket)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), text)
}

fn install(w: &World, file: &Path) -> (bool, String) {
    oxtee(w, &["ta", "install", file.to_str().unwrap()])
}

fn opens(w: &World, ta: &str) -> Result<(), u32> {
    w.ctx()
        .open_session(uuid(ta), Login::Public, &mut [])
        .map(|_| ())
        .map_err(|e| e.code)
}

/// A world with an empty TA folder.
fn empty_world(t: &Path) -> World {
    let tas = t.join("ta");
    std::fs::create_dir_all(&tas).unwrap();
    World::start_with(&tas, "")
}

/// The seal TA signed as `version` with the devkit's key, at `out`.
fn seal_version(dir: &Path, version: u32) -> PathBuf {
    let bytes = std::fs::read(ta_dir().join(format!("{SEAL}.ta"))).unwrap();
    let elf = dir.join("seal.elf");
    std::fs::write(&elf, image::parse(&bytes).unwrap().elf).unwrap();
    let out = dir.join(format!("seal-v{version}.ta"));
    let r = Command::new(oxtee_bin())
        .args(["ta", "sign", "--key"])
        .arg(dist().join("devkit/keys/default_ta.pem"))
        .arg("--elf")
        .arg(&elf)
        .arg("--out")
        .arg(&out)
        .args(["--ta-version", &version.to_string()])
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    out
}

/// The signed header digest of the image the core loads for `ta`
/// (through the attestation PTA).
fn loaded_digest(w: &World, ta: &str) -> Vec<u8> {
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(
            uuid("39800861-182a-4720-9b67-2bcd622bc0b5"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    let id = oxtee_core::pta::attestation::swap_uuid(uuid(ta).0);
    let mut out = vec![0u8; 32 + 384];
    let mut p = [
        Param::TempIn { buf: &id },
        Param::TempIn { buf: b"n" },
        Param::TempOut {
            buf: &mut out,
            size: 32 + 384,
        },
    ];
    s.invoke(1, &mut p).unwrap();
    out.truncate(32);
    out
}

#[test]
fn installed_tas_load_survive_a_restart_and_go() {
    let t = tempfile::tempdir().unwrap();
    let mut w = empty_world(t.path());
    assert_eq!(opens(&w, HELLO_C), Err(ITEM_NOT_FOUND));
    let (ok, out) = oxtee(&w, &["ta", "list"]);
    assert!(ok && out.trim().is_empty(), "{out}");
    let hello = ta_dir().join(format!("{HELLO_C}.ta"));
    let (ok, out) = install(&w, &hello);
    assert!(
        ok && out.contains(&format!("installed {HELLO_C} version 0")),
        "{out}"
    );
    opens(&w, HELLO_C).unwrap();
    let (ok, out) = oxtee(&w, &["ta", "list"]);
    assert!(ok && out.contains(&format!("{HELLO_C} version 0")), "{out}");
    // Kept in trusted storage: still there after a restart.
    w.restart();
    opens(&w, HELLO_C).unwrap();
    // Installed again (the same version): fine.
    assert!(install(&w, &hello).0);
    let (ok, out) = oxtee(&w, &["ta", "uninstall", HELLO_C]);
    assert!(ok, "{out}");
    assert_eq!(opens(&w, HELLO_C), Err(ITEM_NOT_FOUND));
    let (ok, out) = oxtee(&w, &["ta", "uninstall", HELLO_C]);
    assert!(!ok && out.contains("no such TA installed"), "{out}");
    let (ok, out) = oxtee(&w, &["ta", "list"]);
    assert!(ok && out.trim().is_empty(), "{out}");
}

#[test]
fn tampered_images_are_refused_and_nothing_is_installed() {
    let t = tempfile::tempdir().unwrap();
    let w = empty_world(t.path());
    let good = std::fs::read(ta_dir().join(format!("{HELLO_C}.ta"))).unwrap();
    let bad = t.path().join("bad.ta");
    for at in [8, 300, good.len() / 2, good.len() - 1] {
        let mut b = good.clone();
        b[at] ^= 0x10;
        std::fs::write(&bad, &b).unwrap();
        let (ok, out) = install(&w, &bad);
        assert!(!ok && out.contains("does not verify"), "byte {at}: {out}");
    }
    // Not a TA image at all, and a truncated one.
    std::fs::write(&bad, b"not a TA").unwrap();
    assert!(!install(&w, &bad).0);
    std::fs::write(&bad, &good[..good.len() / 3]).unwrap();
    assert!(!install(&w, &bad).0);
    let (ok, out) = oxtee(&w, &["ta", "list"]);
    assert!(ok && out.trim().is_empty(), "{out}");
    assert_eq!(opens(&w, HELLO_C), Err(ITEM_NOT_FOUND));
}

#[test]
fn versions_only_go_forward_and_the_installed_copy_comes_first() {
    let t = tempfile::tempdir().unwrap();
    let v1 = seal_version(t.path(), 1);
    let v2 = seal_version(t.path(), 2);
    let v3 = seal_version(t.path(), 3);
    // The folder holds version 1.
    let tas = t.path().join("ta");
    std::fs::create_dir_all(&tas).unwrap();
    std::fs::copy(&v1, tas.join(format!("{SEAL}.ta"))).unwrap();
    let w = World::start_with(&tas, "");
    let digest = |f: &Path| {
        image::parse(&std::fs::read(f).unwrap())
            .unwrap()
            .hash
            .to_vec()
    };
    assert_eq!(loaded_digest(&w, SEAL), digest(&v1));
    // Version 2 installed: it is what loads now.
    let (ok, out) = install(&w, &v2);
    assert!(ok, "{out}");
    assert_eq!(loaded_digest(&w, SEAL), digest(&v2));
    // An older version than the installed one conflicts.
    let (ok, out) = install(&w, &v1);
    assert!(!ok && out.contains("newer version"), "{out}");
    assert_eq!(loaded_digest(&w, SEAL), digest(&v2));
    // Version 3 replaces it.
    assert!(install(&w, &v3).0);
    assert_eq!(loaded_digest(&w, SEAL), digest(&v3));
    let (_, out) = oxtee(&w, &["ta", "list"]);
    assert!(out.contains(&format!("{SEAL} version 3")), "{out}");
    // Uninstalled, the folder's version 1 is older than version 3, seen
    // before: refused (rollback), and so is installing version 2 again.
    assert!(oxtee(&w, &["ta", "uninstall", SEAL]).0);
    assert_eq!(opens(&w, SEAL), Err(0xFFFF_000F));
    let (ok, out) = install(&w, &v2);
    assert!(!ok && out.contains("does not verify"), "{out}");
}

#[test]
fn another_user_cannot_manage_tas() {
    let w = World::start_with(
        &ta_dir(),
        "socket_group = \"nogroup\"\n[limits]\nspare_instances = false\n",
    );
    // The image where that user can read it.
    let d = tempfile::Builder::new()
        .prefix("oxtee-img-")
        .tempdir()
        .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let img = d.path().join("hello.ta");
    std::fs::copy(ta_dir().join(format!("{HELLO_C}.ta")), &img).unwrap();
    for args in [
        vec!["ta", "install", img.to_str().unwrap()],
        vec!["ta", "uninstall", HELLO_C],
        vec!["ta", "list"],
    ] {
        let o = Command::new(oxtee_bin_for_others())
            .args(&args)
            .arg("--socket")
            .arg(&w.socket)
            .uid(4242)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stderr);
        assert!(
            !o.status.success() && text.contains("cannot open the TA management PTA"),
            "{args:?}: {text}"
        );
    }
    // Nor can a TA (it runs as no user at all).
    let (s, _) = w
        .ctx()
        .open_session(uuid(SEAL), Login::Public, &mut [])
        .unwrap();
    let id =
        oxtee_core::pta::attestation::swap_uuid(uuid("6e256cba-fc4d-4941-ad09-2ca1860342dd").0);
    let mut p = [Param::TempIn { buf: &id }, Param::ValueOut { a: 0, b: 0 }];
    s.invoke(8, &mut p).unwrap();
    assert!(
        matches!(
            p[1],
            Param::ValueOut {
                a: 0xFFFF_0001,
                b: 4
            }
        ),
        "{:?}",
        p[1]
    );
    // The core's own user can.
    assert!(install(&w, &img).0);
}
