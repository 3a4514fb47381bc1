//! The examples, session basics and the generic client.

use crate::harness::*;
use oxtee_client::{Context, Error, Login, Param};

#[test]
fn unknown_ta_and_closed_sessions() {
    let w = World::start();
    let ctx = w.ctx();
    let e = ctx
        .open_session(
            uuid("00000000-1111-2222-3333-444444444444"),
            Login::Public,
            &mut [],
        )
        .unwrap_err();
    assert_eq!(
        e,
        Error::new(0xFFFF_0008, 3),
        "unknown UUID: ITEM_NOT_FOUND from the TEE"
    );
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    s.close();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    assert_eq!(
        s.invoke(0, &mut p).unwrap_err().code,
        0xFFFF_0007,
        "invoke on a closed session"
    );
    // Finalizing a context closes what it holds; a later call is refused.
    let (_s2, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    ctx.finalize();
    assert_eq!(
        ctx.allocate_shared_memory(8, 1).unwrap_err().code,
        0xFFFF_0007
    );
    assert!(w.wait_log("context finished"));
}

#[test]
fn no_secure_world_and_bad_names() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    assert_eq!(
        Context::new(Some(sock.to_str().unwrap())).unwrap_err().code,
        0xFFFF_0008
    );
    assert_eq!(
        Context::new(Some("no-such-tee")).unwrap_err().code,
        0xFFFF_0008
    );
}

#[test]
fn lost_core_is_a_communication_error() {
    let mut w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    assert!(w.stop(), "clean shutdown on SIGTERM");
    assert!(!w.socket.exists(), "socket removed on shutdown");
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    assert_eq!(s.invoke(0, &mut p).unwrap_err(), Error::new(0xFFFF_000E, 2));
}

#[test]
fn generic_client_invokes_and_reports() {
    let w = World::start();
    let out = std::process::Command::new(oxtee_bin())
        .args(["invoke", HELLO_RUST, "0", "--socket"])
        .arg(&w.socket)
        .args(["--value-inout", "41,5"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("result: SUCCESS (origin 4)") && text.contains("value a=42"),
        "{text}"
    );
    let input = w.dir.path().join("in.bin");
    std::fs::write(&input, [1u8, 2, 3, 250]).unwrap();
    let out = std::process::Command::new(oxtee_bin())
        .args(["invoke", PARAMS, "2", "--socket"])
        .arg(&w.socket)
        .arg("--memref-in")
        .arg(&input)
        .arg("--value-out")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("value a=256") && text.contains("b=4"),
        "{text}"
    );
    // A failing command exits non-zero and prints the code and origin.
    let out = std::process::Command::new(oxtee_bin())
        .args(["invoke", HELLO_RUST, "0", "--socket"])
        .arg(&w.socket)
        .args(["--value-in", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("TEEC_ERROR_BAD_PARAMETERS (0xffff0006, origin 4 TRUSTED_APP)"),
        "{text}"
    );
}

#[test]
fn refuses_to_start_on_a_busy_socket_or_bad_paths() {
    let w = World::start();
    let run = |args: &[&str]| {
        std::process::Command::new(oxtee_bin())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "up",
        "--socket",
        w.socket.to_str().unwrap(),
        "--ta-dir",
        ta_dir().to_str().unwrap(),
        "--key",
        dev_pubkey().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in use"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sock = w.dir.path().join("other.sock");
    let out = run(&[
        "up",
        "--socket",
        sock.to_str().unwrap(),
        "--ta-dir",
        "/nonexistent/ta",
        "--key",
        dev_pubkey().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TA directory"));
    let out = run(&[
        "up",
        "--socket",
        sock.to_str().unwrap(),
        "--ta-dir",
        ta_dir().to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signing key"));
}

/// Two cores on one storage directory would corrupt it: the second is
/// refused with a clear message, and leaves no socket behind.
#[test]
fn a_second_core_on_the_same_storage_is_refused() {
    let w = World::start();
    let other = w.dir.path().join("second.sock");
    let mut second = std::process::Command::new(oxtee_bin())
        .args(["up", "--socket"])
        .arg(&other)
        .arg("--ta-dir")
        .arg(ta_dir())
        .arg("--storage-dir")
        .arg(w.dir.path().join("storage"))
        .arg("--key")
        .arg(dev_pubkey())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // (Without the lock it would start and serve: do not wait forever.)
    let ended = (0..400).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        second.try_wait().unwrap().is_some()
    });
    if !ended {
        let _ = second.kill();
    }
    let out = second.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(ended, "a second core started on the same storage");
    assert!(
        !out.status.success() && err.contains("is in use by another running oxtee"),
        "{err}"
    );
    assert!(!other.exists());
}

/// `oxtee invoke` names results, and the core says where it looked for a
/// TA it cannot find.
#[test]
fn results_are_named_and_missing_tas_explained() {
    let w = World::start();
    let out = std::process::Command::new(oxtee_bin())
        .args([
            "invoke",
            "11111111-2222-3333-4444-555555555555",
            "0",
            "--socket",
        ])
        .arg(&w.socket)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("TEEC_ERROR_ITEM_NOT_FOUND"), "{text}");
    assert!(
        w.wait_log("no such TA: cannot read") && w.log().contains(&ta_dir().display().to_string()),
        "{}",
        w.log()
    );
}

/// `oxtee up --dev` trusts the devkit's development key (the key `make`
/// and the demo sign with) and says what it really uses.
#[test]
fn dev_mode_trusts_the_devkit_key_and_says_what_it_uses() {
    use std::io::Read;
    let t = tempfile::tempdir().unwrap();
    let sock = t.path().join("dev.sock");
    let mut up = std::process::Command::new(dist().join("bin/oxtee"))
        .args(["up", "--dev", "--socket"])
        .arg(&sock)
        .arg("--ta-dir")
        .arg(ta_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up_ok = (0..400).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(25));
        sock.exists()
    });
    let served = up_ok
        && Context::new(sock.to_str())
            .and_then(|ctx| {
                let (s, _) = ctx.open_session(uuid(HELLO_C), Login::Public, &mut [])?;
                let mut p = [Param::ValueInOut { a: 1, b: 0 }];
                s.invoke(0, &mut p)
            })
            .is_ok();
    let _ = up.kill();
    let _ = up.wait();
    let mut out = String::new();
    up.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    // The development storage is a fresh folder of its own: remove it.
    if let Some(st) = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("storage directory:"))
    {
        if let Some(base) = std::path::Path::new(st.trim()).parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
    assert!(served, "a TA signed with the devkit key runs:\n{out}");
    assert!(
        out.contains("devkit/keys/default_ta.pub.pem")
            && out.contains(&format!("TA directory:      {}", ta_dir().display()))
            && out.contains(&format!("socket:            {}", sock.display())),
        "{out}"
    );
}

/// `oxtee up --help` shows the defaults in force on this machine.
#[test]
fn up_help_shows_the_defaults() {
    let out = std::process::Command::new(oxtee_bin())
        .args(["up", "--help"])
        .env_remove("OXTEE_SOCKET")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let want = oxtee_sys::default_socket_path();
    for needle in [
        "Defaults (".to_string(),
        format!("socket:      {}", want.display()),
        "storage dir:".to_string(),
        "per user".to_string(),
    ] {
        assert!(text.contains(&needle), "{needle} in:\n{text}");
    }
}
