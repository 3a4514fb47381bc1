//! scripts/install.sh: libteec, its header, the command and the devkit
//! placed under a prefix as optee_client's install places them, so that a
//! client builds with plain `-lteec` and a TA with the installed devkit.
//!
//! Under the default prefix /usr/local, Debian's gcc searches
//! /usr/local/include and /usr/local/lib and ld.so.conf lists /usr/local/lib,
//! so clients run without LD_LIBRARY_PATH; these tests install under a
//! temporary prefix instead (the machine stays as it was), which needs the
//! -I/-L/library path a system prefix makes implicit.

use crate::harness::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn install_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install.sh")
}

fn install(args: &[&str]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(install_script())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn check(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}: {text}");
    text
}

/// Installed under a prefix: the C hello client builds from the installed
/// header and library alone, the hello TA builds and is signed with the
/// installed devkit alone, and the installed `oxtee up --dev` trusts that
/// devkit's key and runs the TA for the client.
#[test]
fn installed_prefix_builds_and_runs_a_client_and_a_ta() {
    let t = tempfile::tempdir().unwrap();
    let prefix = t.path().join("usr/local");
    let dist = dist();
    let (ok, out) = install(&[
        "--prefix",
        prefix.to_str().unwrap(),
        "--dist",
        dist.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("gcc my_ca.c -lteec"), "{out}");

    // The library as optee_client installs it.
    let lib = prefix.join("lib");
    assert_eq!(
        std::fs::read_link(lib.join("libteec.so")).unwrap(),
        Path::new("libteec.so.2")
    );
    assert_eq!(
        std::fs::read_link(lib.join("libteec.so.2")).unwrap(),
        Path::new("libteec.so.2.0.0")
    );
    assert!(prefix.join("include/tee_client_api.h").is_file());
    let pc = std::fs::read_to_string(lib.join("pkgconfig/teec.pc")).unwrap();
    assert!(
        pc.contains(&format!("prefix={}\n", prefix.display())) && pc.contains("-lteec"),
        "{pc}"
    );
    // The devkit signs with the installed command.
    let kit = prefix.join("share/oxtee/devkit");
    assert_eq!(
        std::fs::canonicalize(kit.join("bin/oxtee")).unwrap(),
        std::fs::canonicalize(prefix.join("bin/oxtee")).unwrap()
    );

    // A client application from the installed header and library.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello");
    let ca = t.path().join("hello-ca");
    check(
        Command::new("gcc")
            .arg("-o")
            .arg(&ca)
            .arg(src.join("ca-c/hello_world_ca.c"))
            .arg(format!("-I{}", prefix.join("include").display()))
            .arg(format!("-L{}", lib.display()))
            .arg("-lteec"),
    );
    // The TA from a copy of its sources and the installed devkit.
    let ta_src = t.path().join("ta-c");
    std::fs::create_dir_all(&ta_src).unwrap();
    for e in std::fs::read_dir(src.join("ta-c")).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), ta_src.join(e.file_name())).unwrap();
        } else if e.file_type().unwrap().is_dir() {
            let d = ta_src.join(e.file_name());
            std::fs::create_dir_all(&d).unwrap();
            for f in std::fs::read_dir(e.path()).unwrap() {
                let f = f.unwrap();
                std::fs::copy(f.path(), d.join(f.file_name())).unwrap();
            }
        }
    }
    let tas = t.path().join("tas");
    check(
        Command::new("make")
            .arg("-s")
            .arg("-C")
            .arg(&ta_src)
            .arg(format!("TA_DEV_KIT_DIR={}", kit.display()))
            .arg("CROSS_COMPILE=")
            .arg(format!("O={}", tas.display()))
            .env_remove("OXTEE"),
    );
    assert!(tas.join(format!("{HELLO_C}.ta")).is_file());
    // OP-TEE's sign script, installed with the devkit, finds the installed
    // command.
    check(
        Command::new(kit.join("scripts/sign_encrypt.py"))
            .args(["verify", "--uuid", HELLO_C, "--key"])
            .arg(kit.join("keys/default_ta.pem"))
            .arg("--in")
            .arg(tas.join(format!("{HELLO_C}.ta")))
            .env_remove("OXTEE"),
    );

    // The installed command in development mode trusts the installed
    // devkit's key.
    let run = tempfile::tempdir().unwrap();
    let socket = run.path().join("oxtee.sock");
    let mut up = Command::new(prefix.join("bin/oxtee"))
        .args(["up", "--dev", "--ta-dir"])
        .arg(&tas)
        .arg("--socket")
        .arg(&socket)
        .arg("--storage-dir")
        .arg(run.path().join("storage"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !socket.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = Command::new(&ca)
        .env("OXTEE_SOCKET", &socket)
        .env("LD_LIBRARY_PATH", &lib)
        .output()
        .unwrap();
    let _ = up.kill();
    let printed = {
        use std::io::Read;
        let mut s = String::new();
        let _ = up.stdout.take().unwrap().read_to_string(&mut s);
        s
    };
    let _ = up.wait();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("TA incremented value to 43"),
        "{text}{}\n{printed}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains(&kit.join("keys/default_ta.pub.pem").display().to_string()),
        "{printed}"
    );
}

/// With --destdir the tree is staged for packaging: files under the
/// staging folder, paths inside naming the final prefix.
#[test]
fn install_stages_under_destdir() {
    let t = tempfile::tempdir().unwrap();
    let dist = dist();
    let (ok, out) = install(&[
        "--destdir",
        t.path().to_str().unwrap(),
        "--dist",
        dist.to_str().unwrap(),
    ]);
    assert!(ok, "{out}");
    let root = t.path().join("usr/local");
    let pc = std::fs::read_to_string(root.join("lib/pkgconfig/teec.pc")).unwrap();
    assert!(pc.starts_with("prefix=/usr/local\n"), "{pc}");
    assert!(root.join("lib/libteec.so.2.0.0").is_file());
    assert!(root.join("share/oxtee/devkit/mk/ta_dev_kit.mk").is_file());
    // The devkit's signer link is relative: it resolves inside the stage.
    assert_eq!(
        std::fs::canonicalize(root.join("share/oxtee/devkit/bin/oxtee")).unwrap(),
        std::fs::canonicalize(root.join("bin/oxtee")).unwrap()
    );
}

/// Bad arguments and a missing build are clear errors that install nothing.
#[test]
fn install_refuses_bad_arguments() {
    let t = tempfile::tempdir().unwrap();
    let (ok, out) = install(&["--prefix", "relative/dir"]);
    assert!(
        !ok && out.contains("--prefix must be an absolute path"),
        "{out}"
    );
    let (ok, out) = install(&["--frobnicate"]);
    assert!(
        !ok && out.contains("unknown argument --frobnicate"),
        "{out}"
    );
    let empty = t.path().join("empty-dist");
    std::fs::create_dir_all(&empty).unwrap();
    let prefix = t.path().join("p");
    let (ok, out) = install(&[
        "--dist",
        empty.to_str().unwrap(),
        "--prefix",
        prefix.to_str().unwrap(),
    ]);
    assert!(!ok && out.contains("run scripts/build.sh first"), "{out}");
    assert!(!prefix.exists(), "installed something from an empty build");
}

/// What ships carries no debug info: it is beside, in `.debug/`, named by
/// each file's `.gnu_debuglink` (where gdb looks), and installed with it.
#[test]
fn shipped_binaries_keep_their_debug_info_beside() {
    use object::{Object, ObjectSection};
    for (shipped, name) in [
        (dist().join("bin/oxtee"), "oxtee.debug"),
        (dist().join("teec/lib/libteec.so.2"), "libteec.so.2.debug"),
    ] {
        let bytes = std::fs::read(&shipped).unwrap();
        let f = object::File::parse(&*bytes).unwrap();
        assert!(
            f.section_by_name(".debug_info").is_none(),
            "{} still carries debug info",
            shipped.display()
        );
        let link = f.section_by_name(".gnu_debuglink").unwrap();
        let data = link.data().unwrap();
        assert!(data.starts_with(name.as_bytes()), "{}", shipped.display());
        let debug = shipped.parent().unwrap().join(".debug").join(name);
        let bytes = std::fs::read(&debug).unwrap();
        let f = object::File::parse(&*bytes).unwrap();
        assert!(
            f.section_by_name(".debug_info").is_some(),
            "{}",
            debug.display()
        );
    }
    // Installed with them.
    let t = tempfile::tempdir().unwrap();
    let (ok, text) = install(&[
        "--prefix",
        "/usr/local",
        "--destdir",
        t.path().to_str().unwrap(),
        "--dist",
        dist().to_str().unwrap(),
    ]);
    assert!(ok, "{text}");
    let usr = t.path().join("usr/local");
    assert!(usr.join("bin/.debug/oxtee.debug").is_file());
    assert!(usr.join("lib/.debug/libteec.so.2.debug").is_file());
}
