//! `oxtee trace`: the crossings of a live secure world as JSON lines, in
//! the order they happened, drawn as sequence diagrams; direct channels
//! give way while anyone traces; a user sees only their own clients; a TA
//! cannot watch.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use oxtee_daemon::trace::{Event, TracePta};

fn parse(text: &str) -> Vec<Event> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `oxtee trace` on `w`'s socket, writing its record to `out`, with `args`.
fn oxtee_trace(
    w: &World,
    out: &std::path::Path,
    args: &[&std::ffi::OsStr],
) -> std::process::Output {
    std::process::Command::new(oxtee_bin())
        .arg("trace")
        .arg("--socket")
        .arg(&w.socket)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The position of the first event matching `f`.
fn pos(ev: &[Event], what: &str, f: impl Fn(&Event) -> bool) -> usize {
    ev.iter()
        .position(f)
        .unwrap_or_else(|| panic!("no {what} in {ev:#?}"))
}

#[test]
fn the_seed_sample_traced_shows_every_layer_in_order() {
    let w = World::start();
    let dir = tempfile::tempdir().unwrap();
    let (out, mmd, svg) = (
        dir.path().join("seed.jsonl"),
        dir.path().join("seed.mmd"),
        dir.path().join("seed.svg"),
    );
    let st = oxtee_trace(
        &w,
        &out,
        &[
            "--mermaid".as_ref(),
            mmd.as_os_str(),
            "--svg".as_ref(),
            svg.as_os_str(),
            "--".as_ref(),
            dist().join("ca/seed-ca").as_os_str(),
            SEED_C.as_ref(),
        ],
    );
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let said = String::from_utf8_lossy(&st.stdout);
    assert!(said.contains("Output: 10"), "{said}");
    let ev = parse(&std::fs::read_to_string(&out).unwrap());
    let ta = format!("TA {SEED_C}");
    let ca = |name: &str| {
        pos(&ev, name, |e| {
            e.from == "CA" && e.to == "libteec" && e.name == name
        })
    };
    let core = |name: &str| {
        pos(&ev, name, |e| {
            e.from == "libteec" && e.to == "core" && e.name == name
        })
    };
    let entry = |name: &str| {
        pos(&ev, name, |e| {
            e.from == "core" && e.to == ta && e.name == name
        })
    };
    // The seed's sequence, as it happened: the CA's calls into libteec
    // (some never reach the core), the core's entries, the TA's entry
    // points inside them.
    let order = [
        ca("TEEC_InitializeContext"),
        core("TEEC_InitializeContext"),
        ca("TEEC_OpenSession"),
        core("TEEC_OpenSession"),
        entry("TA_CreateEntryPoint"),
        entry("TA_OpenSessionEntryPoint"),
        ca("TEEC_AllocateSharedMemory"),
        ca("TEEC_InvokeCommand"),
        core("TEEC_InvokeCommand"),
        entry("TA_InvokeCommandEntryPoint"),
        ca("TEEC_ReleaseSharedMemory"),
        ca("TEEC_CloseSession"),
        entry("TA_CloseSessionEntryPoint"),
        ca("TEEC_FinalizeContext"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}\n{ev:#?}");
    // The instance goes after its last session (off the client's path).
    assert!(entry("TA_DestroyEntryPoint") > order[12]);
    // Every call returns, once, to where it came from, after it.
    for (i, c) in ev.iter().enumerate().filter(|(_, e)| e.ev == "call") {
        let r: Vec<(usize, &Event)> = ev
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ev == "return" && e.id == c.id)
            .collect();
        assert_eq!(r.len(), 1, "{c:?}");
        let (j, r) = r[0];
        assert!(j > i && r.from == c.to && r.to == c.from && r.name == c.name);
        assert_eq!(r.ret, Some(0), "{r:?}");
    }
    // The core's entries name the OP-TEE SMC and message they stand for.
    let open = &ev[core("TEEC_OpenSession")];
    assert_eq!(open.smc.as_deref(), Some("OPTEE_SMC_CALL_WITH_ARG"));
    assert_eq!(open.msg.as_deref(), Some("OPTEE_MSG_CMD_OPEN_SESSION"));
    assert_eq!(open.ta.as_deref(), Some(SEED_C));
    // A TA's first load records its version in trusted storage: RPCs to
    // the supplicant inside the open.
    let rpc = pos(&ev, "an RPC", |e| e.from == "core" && e.to == "supplicant");
    assert!(order[3] < rpc && rpc < order[4], "{ev:#?}");
    assert_eq!(ev[rpc].msg.as_deref(), Some("OPTEE_RPC_CMD_FS"));
    assert_eq!(ev[rpc].smc.as_deref(), Some("OPTEE_SMC_RETURN_RPC_CMD"));
    let invoke = &ev[entry("TA_InvokeCommandEntryPoint")];
    assert_eq!(invoke.cmd, Some(0));
    // Only the traced program's crossings.
    assert!(ev.iter().all(|e| e.pid == ev[0].pid), "{ev:#?}");
    // The diagrams.
    let m = std::fs::read_to_string(&mmd).unwrap();
    assert!(m.starts_with("sequenceDiagram\n"));
    assert!(m.contains("TA_InvokeCommandEntryPoint (cmd 0) = SUCCESS"));
    assert_eq!(m.lines().filter(|l| l.contains("->>")).count(), ev.len());
    let s = std::fs::read_to_string(&svg).unwrap();
    assert!(s.starts_with("<svg") && s.contains("TA_DestroyEntryPoint"));
    // A recorded run draws again the same.
    let again = dir.path().join("again.mmd");
    let st = std::process::Command::new(oxtee_bin())
        .args(["trace", "--from"])
        .arg(&out)
        .arg("--mermaid")
        .arg(&again)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(std::fs::read_to_string(&again).unwrap(), m);
}

fn start(s: &Session, pid: u32) {
    s.invoke(TracePta::START, &mut [Param::ValueIn { a: pid, b: 0 }])
        .unwrap();
}

fn read(s: &Session) -> Vec<Event> {
    let mut out = Vec::new();
    loop {
        let mut buf = vec![0u8; 64 << 10];
        let mut p = [
            Param::ValueIn { a: 300, b: 0 },
            Param::TempOut {
                size: buf.len(),
                buf: &mut buf,
            },
        ];
        s.invoke(TracePta::READ, &mut p).unwrap();
        let Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        if size == 0 {
            return out;
        }
        out.extend(parse(std::str::from_utf8(&buf[..size]).unwrap()));
    }
}

#[test]
fn calls_on_direct_channels_pass_the_core_while_traced() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    // Warm: the client has its direct channel to the TA by now.
    let bump = |n: u32| {
        let mut p = [Param::ValueInOut { a: n, b: 0 }];
        s.invoke(0, &mut p).unwrap();
        assert!(matches!(p[0], Param::ValueInOut { a, .. } if a == n + 1));
    };
    for n in 0..5 {
        bump(n);
    }
    let tctx = w.ctx();
    let (t, _) = tctx
        .open_session(uuid(&uuid_text(TracePta::UUID)), Login::Public, &mut [])
        .unwrap();
    start(&t, std::process::id());
    for n in 0..6 {
        bump(n);
    }
    let ev = read(&t);
    let entries = ev
        .iter()
        .filter(|e| e.ev == "call" && e.name == "TA_InvokeCommandEntryPoint")
        .count();
    assert_eq!(entries, 6, "every invoke passed the core: {ev:#?}");
    // The trace session's own reads are not in it.
    assert!(
        ev.iter()
            .all(|e| e.ta.as_deref() != Some(&uuid_text(TracePta::UUID)[..]))
    );
    // Started twice: refused; the subscription goes with the session.
    let e = t
        .invoke(TracePta::START, &mut [Param::ValueIn { a: 0, b: 0 }])
        .unwrap_err();
    assert_eq!(e.code, 0xFFFF_0007);
    drop(t);
    for n in 0..3 {
        bump(n);
    }
}

fn uuid_text(b: [u8; 16]) -> String {
    oxtee_proto::Uuid(b).to_string()
}

#[test]
fn another_user_sees_only_their_own_clients_and_a_ta_cannot_watch() {
    use std::os::unix::process::CommandExt;
    let w = World::start_with(
        &ta_dir(),
        "socket_group = \"nogroup\"\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let other = |args: &[&str]| {
        std::process::Command::new(oxtee_bin_for_others())
            .arg(args[0])
            .arg("--socket")
            .arg(&w.socket)
            .args(&args[1..])
            .uid(4242)
            .gid(65534)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Another user traces "everything" for a while.
    let tracer = other(&["trace", "--seconds", "4"]);
    let ctx = w.ctx();
    let (mine, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    let t0 = std::time::Instant::now();
    while t0.elapsed() < std::time::Duration::from_millis(2500) {
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        mine.invoke(0, &mut p).unwrap();
        let st = other(&["invoke", HELLO_C, "0", "--value-inout", "1,0"])
            .wait_with_output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let out = tracer.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev = parse(&String::from_utf8_lossy(&out.stdout));
    assert!(
        ev.iter().any(|e| e.name == "TA_InvokeCommandEntryPoint"),
        "its own client's calls are there: {ev:#?}"
    );
    assert!(ev.iter().all(|e| e.uid == Some(4242)), "{ev:#?}");

    // A TA opening the trace PTA is refused.
    let (seal, _) = ctx
        .open_session(uuid(crate::seal::SEAL), Login::Public, &mut [])
        .unwrap();
    let (tl, tm, th, seq) = oxtee_proto::Uuid(TracePta::UUID).fields();
    let mut native = Vec::new();
    native.extend(tl.to_le_bytes());
    native.extend(tm.to_le_bytes());
    native.extend(th.to_le_bytes());
    native.extend(seq);
    let mut p = [
        Param::TempIn { buf: &native },
        Param::ValueOut { a: 0, b: 0 },
    ];
    seal.invoke(8, &mut p).unwrap();
    assert!(
        matches!(p[1], Param::ValueOut { a: 0xFFFF_0001, .. }),
        "{:?}",
        p[1]
    );
}

#[test]
fn a_traced_command_that_fails_fails_the_trace_after_writing_it() {
    let w = World::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.jsonl");
    let st = oxtee_trace(
        &w,
        &out,
        &[
            "--".as_ref(),
            oxtee_bin().as_ref(),
            "invoke".as_ref(),
            "00000000-0000-0000-0000-00000000beef".as_ref(),
            "0".as_ref(),
        ],
    );
    assert!(!st.status.success());
    assert!(String::from_utf8_lossy(&st.stderr).contains("ended with"));
    let ev = parse(&std::fs::read_to_string(&out).unwrap());
    let open = pos(&ev, "the open", |e| {
        e.ev == "return" && e.name == "TEEC_OpenSession"
    });
    assert_eq!(ev[open].ret, Some(0xFFFF_0008), "ITEM_NOT_FOUND, recorded");
}
