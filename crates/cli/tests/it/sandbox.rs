//! The host tier's sandbox: a TA process that tries what only a process
//! can (files, sockets, processes, its channel to the core) is torn down
//! with TEEC_ERROR_TARGET_DEAD (origin TEE), and the core and other TAs
//! carry on; a spinning TA goes with its client. (What a TA can do wrong
//! on either tier is `misbehave.rs`.)

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use std::time::Duration;

fn healthy(s: &Session) {
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(8, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 41, b: 42 }));
}

fn hello_works(w: &World) {
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_RUST), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }));
}

#[test]
fn every_sandbox_violation_kills_only_that_instance() {
    let w = World::start();
    let ctx = w.ctx();
    // A healthy instance of the same TA that must survive all of this.
    let (bystander, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    let cases = [
        (0, "open a file"),
        (1, "open a socket"),
        (2, "fork"),
        (3, "exec"),
    ];
    for (cmd, what) in cases {
        let (s, _) = ctx
            .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
            .unwrap();
        healthy(&s);
        let mut p = [Param::ValueOut { a: 0, b: 0 }];
        let r = s.invoke(cmd, &mut p);
        assert_eq!(r.unwrap_err(), TARGET_DEAD, "{what}: {:?}", p[0]);
        // The session stays dead.
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        assert_eq!(
            s.invoke(8, &mut p).unwrap_err(),
            TARGET_DEAD,
            "{what}: dead session"
        );
        healthy(&bystander);
        hello_works(&w);
    }
    assert!(
        w.wait_log("sandbox violation"),
        "seccomp kills are reported:\n{}",
        w.log()
    );
}

#[test]
fn constructor_runs_inside_the_sandbox() {
    let w = World::start();
    let e = w
        .ctx()
        .open_session(uuid(MISBEHAVE_CTOR), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(
        e, TARGET_DEAD,
        "a TA whose ELF constructor opens a file never runs"
    );
    hello_works(&w);
}

/// A TA spinning forever is killed when its client goes away (after the
/// cancellation grace period).
#[test]
fn spinning_ta_is_killed_when_its_client_dies() {
    let w = World::start();
    let client = std::process::Command::new(oxtee_bin())
        .args(["invoke", MISBEHAVE, "6", "--socket"])
        .arg(&w.socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    killed_with_its_client(&w, client, false);
}

/// The same when the spinning call came on the session's direct channel
/// (the client's second call goes straight to the TA).
#[test]
fn spinning_ta_is_killed_when_its_direct_client_dies() {
    let w = World::start();
    let exe = crate::c_api::compile_ca(
        &w,
        "spin",
        r#"#include <tee_client_api.h>
int main(void)
{
	TEEC_Context ctx;
	TEEC_Session s;
	TEEC_Operation op = { 0 };
	TEEC_UUID u = { 0x40dc6fa0, 0xb27f, 0x4171,
			{ 0x8f, 0xca, 0x84, 0xf5, 0x66, 0x76, 0x7c, 0xb5 } };
	uint32_t origin;

	if (TEEC_InitializeContext(NULL, &ctx) ||
	    TEEC_OpenSession(&ctx, &s, &u, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin))
		return 1;
	(void)TEEC_InvokeCommand(&s, 0xffff, &op, &origin);
	(void)TEEC_InvokeCommand(&s, 6, &op, &origin);
	return 2;
}
"#,
    );
    let client = std::process::Command::new(exe)
        .env("OXTEE_SOCKET", &w.socket)
        .spawn()
        .unwrap();
    killed_with_its_client(&w, client, true);
}

/// Wait until `client`'s call spins in the MISBEHAVE TA, kill the client:
/// the TA is killed soon after, and a new session gets a new instance.
/// With `direct`, the call must have come on a direct channel (the TA
/// holds a socket besides its channel to the core and the service one).
fn killed_with_its_client(w: &World, mut client: std::process::Child, direct: bool) {
    let mut pid = None;
    for _ in 0..400 {
        if let Some(p) = w.ta_pids(MISBEHAVE).first() {
            pid = Some(*p);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = pid.expect("the spinning TA started");
    // Wait until it is inside the spinning command (burning CPU time), so
    // the client dies mid-invoke, not while the session is being opened.
    let cpu_ticks = || -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
    };
    let spinning = (0..1000).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        cpu_ticks() >= 10
    });
    assert!(spinning, "the TA never started spinning");
    let sockets = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
        })
        .count();
    assert_eq!(sockets >= 3, direct, "{sockets} sockets in the TA");
    client.kill().unwrap();
    client.wait().unwrap();
    let gone = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        !std::path::Path::new(&format!("/proc/{pid}")).exists()
    });
    assert!(gone, "spinning TA still alive:\n{}", w.log());
    assert!(
        w.wait_log("did not finish after its client vanished"),
        "{}",
        w.log()
    );
    // A new session gets a fresh instance.
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    healthy(&s);
}

/// A TA process is a peer too: garbage on its channel does not hurt the
/// core or the client (sizes it cannot have written: `misbehave.rs`).
#[test]
fn hostile_ta_process() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    assert_eq!(s.invoke(10, &mut []).unwrap_err(), TARGET_DEAD);
    assert!(w.wait_log("undecodable reply"), "{}", w.log());
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    healthy(&s);
    hello_works(&w);
}

/// Stopping the core (SIGTERM) while a TA spins in a direct call that
/// never checks cancellation: the core still exits at once and cleanly,
/// and takes its TA processes with it (a stray spinning TA once outlived
/// its core).
#[test]
fn core_stops_while_a_ta_spins_in_a_direct_call() {
    let mut w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    for _ in 0..2 {
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        s.invoke(8, &mut p).unwrap();
    }
    let s = std::sync::Arc::new(s);
    let spinner = {
        let s = s.clone();
        std::thread::spawn(move || s.invoke(6, &mut []))
    };
    // The call spins in the TA (its CPU time grows).
    let pid = w.ta_pids(MISBEHAVE)[0];
    let cpu = |pid: i32| -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let f: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
    };
    let t0 = std::time::Instant::now();
    while cpu(pid) < 20 && t0.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(cpu(pid) >= 20, "the TA does not spin");
    let started = std::time::Instant::now();
    assert!(w.stop(), "the core did not exit cleanly on SIGTERM");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the core took {:?} to stop",
        started.elapsed()
    );
    assert!(wait_ended(&[pid]), "TA process {pid} outlived its core");
    // The client's call ends (with an error) once the TA is gone.
    assert!(spinner.join().unwrap().is_err());
}
