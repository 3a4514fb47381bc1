//! Library TAs (OP-TEE's shared-library TAs): `tests/tas/c/shlib-a` (a
//! library, built with SHLIBNAME/SHLIBUUID), `shlib-b` (a library that
//! needs shlib-a), `shlib-c` (a TA linked against shlib-a that dlopens
//! shlib-b by UUID). The core verifies each library and hands it to the
//! TA process, which maps it before its sandbox locks.

use crate::harness::*;
use oxtee_client::{Error, Login, Param};
use std::path::Path;

const LIB_A: &str = "05a87e89-29c1-451d-b5a1-cf6e5d72dc70";
const LIB_B: &str = "330ab251-fa00-4daf-9809-ee9491427641";
const USER: &str = "856573fc-0759-499a-90e7-4c70e0b73b4f";
const SECURITY: u32 = 0xFFFF_000F;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;

/// A TA directory with copies of every TA of dist, for a test to change.
fn ta_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(ta_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), t.path().join(e.file_name())).unwrap();
    }
    t
}

/// `oxtee ta sign --key key --elf elf --out out`, which must succeed.
fn sign(key: &Path, elf: &Path, out: &Path) {
    let r = std::process::Command::new(oxtee_bin())
        .args(["ta", "sign", "--key"])
        .arg(key)
        .arg("--elf")
        .arg(elf)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
}

fn lib_path(dir: &Path, uuid: &str) -> std::path::PathBuf {
    dir.join(format!("{uuid}.ta"))
}

#[test]
fn linked_and_dlopened_library_tas_run() {
    let w = World::start();
    let (s, _) = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap();
    // Linked: a function of the library, whose constructor ran first.
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 5, b: 1000 }),
        "{:?}",
        p[0]
    );
    // The library calls the C library (snprintf) and the GP API
    // (TEE_Malloc, TEE_MemMove) of the TA.
    let mut out = [0u8; 32];
    let mut p = [Param::TempOut {
        buf: &mut out,
        size: 32,
    }];
    s.invoke(1, &mut p).unwrap();
    let Param::TempOut { size, .. } = p[0] else {
        unreachable!()
    };
    assert_eq!(&out[..size], b"value=42");
    let mut p = [Param::TempIn { buf: b"copied" }];
    s.invoke(4, &mut p).unwrap();
    // dlopen by UUID: a library that needs the linked one; its
    // constructor runs after that one's (2000 + 1000); dlopen twice gives
    // the same handle.
    let mut p = [
        Param::ValueOut { a: 0, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(2, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 42, b: 3000 }),
        "{:?}",
        p[0]
    );
    assert!(matches!(p[1], Param::ValueOut { a: 1, .. }), "{:?}", p[1]);
    // dlopen of an unknown UUID, of a TA's UUID named in the TA (a hostile
    // TA fishing for another image) and dlsym of an unknown name fail,
    // with dlerror saying so.
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(3, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueOut { a: 1, b: 1 }), "{:?}", p[0]);
}

/// A library TA is no TA: no session opens to it.
#[test]
fn a_library_ta_takes_no_sessions() {
    let w = World::start();
    for lib in [LIB_A, LIB_B] {
        let e = w
            .ctx()
            .open_session(uuid(lib), Login::Public, &mut [])
            .unwrap_err();
        assert_eq!(e.code, ITEM_NOT_FOUND, "{lib}");
    }
}

/// Missing libraries: a linked one stops the TA from starting
/// (ITEM_NOT_FOUND); a dlopen one only makes dlopen fail.
#[test]
fn missing_library_tas() {
    let t = ta_copy();
    std::fs::remove_file(lib_path(t.path(), LIB_B)).unwrap();
    let w = World::start_with(t.path(), "");
    let (s, _) = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    let mut p = [
        Param::ValueOut { a: 0, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    assert_eq!(s.invoke(2, &mut p).unwrap_err().code, ITEM_NOT_FOUND);
    drop(s);
    drop(w);

    let t = ta_copy();
    std::fs::remove_file(lib_path(t.path(), LIB_A)).unwrap();
    let w = World::start_with(t.path(), "");
    let e = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e.code, ITEM_NOT_FOUND);
    assert!(
        w.wait_log(&format!("needs library TA {LIB_A}")),
        "{}",
        w.log()
    );
}

/// A library changed after signing, or signed by a key the core does not
/// trust, is refused like a TA would be: the TA that links it does not
/// start, and nothing of the library runs.
#[test]
fn tampered_or_untrusted_library_tas_are_refused() {
    let t = ta_copy();
    let p = lib_path(t.path(), LIB_A);
    let mut bytes = std::fs::read(&p).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0x40;
    std::fs::write(&p, &bytes).unwrap();
    let w = World::start_with(t.path(), "");
    let e = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e, Error::new(SECURITY, 3));
    assert!(w.wait_log("hash mismatch"), "{}", w.log());
    drop(w);

    // Signed by another key.
    let t = ta_copy();
    let key = t.path().join("rogue.pem");
    let ok = std::process::Command::new(oxtee_bin())
        .args(["ta", "keygen", "--out"])
        .arg(&key)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok);
    let elf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../target/tas/shlib-a/{LIB_A}.stripped.elf"));
    sign(&key, &elf, &lib_path(t.path(), LIB_A));
    let w = World::start_with(t.path(), "");
    let e = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e.code, SECURITY);
}

/// A library the core verified but the TA's loader must not map (a
/// segment both writable and executable: W^X) ends the TA process before
/// any of its code runs, and says why.
#[test]
fn library_ta_with_a_writable_and_executable_segment_is_not_mapped() {
    let t = ta_copy();
    let src = t.path().join("wx.c");
    std::fs::write(&src, "int shlib_a_add(int a, int b) { return a + b; }\n").unwrap();
    let so = t.path().join("wx.so");
    let out = std::process::Command::new("gcc")
        .args(["-shared", "-nostdlib", "-fPIC", "-Wl,-N", "-o"])
        .arg(&so)
        .arg(&src)
        .arg(format!("-Wl,-soname={LIB_A}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sign(
        &dist().join("devkit/keys/default_ta.pem"),
        &so,
        &lib_path(t.path(), LIB_A),
    );
    let w = World::start_with(t.path(), "");
    let e = w
        .ctx()
        .open_session(uuid(USER), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e, TARGET_DEAD);
    assert!(w.wait_log("writable and executable"), "{}", w.log());
}
