//! The GP lifecycle: create once per instance, open/close per session,
//! destroy with the last session; singleInstance, multiSession,
//! instanceKeepAlive; entry points never concurrent within an instance;
//! a dead client's sessions are closed.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};

fn counters(s: &Session) -> (u32, u32, u32) {
    let mut p = [
        Param::ValueOut { a: 0, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(0, &mut p).unwrap();
    match p {
        [
            Param::ValueOut {
                a: creates,
                b: opens,
            },
            Param::ValueOut { a: closes, .. },
        ] => (creates, opens, closes),
        _ => unreachable!(),
    }
}

#[test]
fn single_instance_multi_session_runs_create_once() {
    let w = World::start();
    let ctx = w.ctx();
    let (s1, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    let (s2, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    assert_eq!(counters(&s1), (1, 2, 0));
    drop(s2);
    assert_eq!(counters(&s1), (1, 2, 1), "close entry point ran");
    assert_eq!(w.ta_pids(LIFECYCLE).len(), 1);
    // Another context joins the same instance.
    let ctx2 = w.ctx();
    let (s3, _) = ctx2
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    assert_eq!(counters(&s3), (1, 3, 1));
    drop(s1);
    drop(s3);
    // Last session gone, no keep-alive: the instance is destroyed; a new
    // session starts a fresh one.
    let (s4, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    assert_eq!(counters(&s4), (1, 1, 0));
}

#[test]
fn entry_points_of_one_instance_never_overlap() {
    let w = World::start();
    let ctx = w.ctx();
    let sessions: Vec<_> = (0..4)
        .map(|_| {
            ctx.open_session(uuid(LIFECYCLE), Login::Public, &mut [])
                .unwrap()
                .0
        })
        .collect();
    std::thread::scope(|sc| {
        for s in &sessions {
            sc.spawn(move || {
                for _ in 0..3 {
                    s.invoke(1, &mut []).unwrap();
                }
            });
        }
    });
    let mut p = [Param::ValueOut { a: 9, b: 9 }];
    sessions[0].invoke(2, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 0, .. }),
        "entry points overlapped"
    );
}

#[test]
fn single_instance_without_multi_session_is_busy() {
    let w = World::start();
    let ctx = w.ctx();
    let (s1, _) = ctx
        .open_session(uuid(SINGLE), Login::Public, &mut [])
        .unwrap();
    let e = w
        .ctx()
        .open_session(uuid(SINGLE), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e, Error::new(0xFFFF_000D, 3));
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s1.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }));
    drop(s1);
    let (_s2, _) = ctx
        .open_session(uuid(SINGLE), Login::Public, &mut [])
        .unwrap();
}

#[test]
fn keep_alive_instance_survives_its_sessions() {
    let w = World::start();
    let ctx = w.ctx();
    for expected in 1..=3 {
        let (s, _) = ctx
            .open_session(uuid(KEEPALIVE), Login::Public, &mut [])
            .unwrap();
        let mut p = [Param::ValueOut { a: 0, b: 0 }];
        s.invoke(0, &mut p).unwrap();
        assert!(
            matches!(p[0], Param::ValueOut { a, .. } if a == expected),
            "{:?}",
            p[0]
        );
    }
    assert_eq!(w.ta_pids(KEEPALIVE).len(), 1);
}

#[test]
fn multi_instance_ta_gets_a_process_per_session() {
    let w = World::start();
    let ctx = w.ctx();
    let (_a, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    let (b, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    assert_eq!(w.ta_pids(HELLO_C).len(), 2);
    drop(b);
    // Destroy runs after the close is answered: wait (bounded) for it.
    let one = (0..400).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(10));
        w.ta_pids(HELLO_C).len() == 1
    });
    assert!(one, "destroyed with its last session");
}

#[test]
fn finalize_context_closes_its_sessions() {
    let w = World::start();
    let ctx = w.ctx();
    let (keep, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    let other = w.ctx();
    let (_o1, _) = other
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    let (_o2, _) = other
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    other.finalize();
    assert_eq!(counters(&keep), (1, 3, 2));
}

/// A client process that dies without closing anything: its sessions are
/// closed (close entry points run) and its shared memory released.
#[test]
fn dead_client_sessions_are_closed() {
    let w = World::start();
    let ctx = w.ctx();
    let (keep, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    let ca = crate::c_api::compile_ca(
        &w,
        "die",
        r#"
        #include <stdlib.h>
        #include <unistd.h>
        #include <tee_client_api.h>
        int main(int argc, char **argv) {
            TEEC_Context ctx; TEEC_Session s1, s2; TEEC_SharedMemory shm;
            TEEC_UUID u = { 0xfd03bd86, 0x9c9c, 0x45e9, { 0xac, 0xfd, 0x27, 0xee, 0x47, 0x9d, 0xc4, 0x3a } };
            if (TEEC_InitializeContext(argv[1], &ctx)) return 2;
            if (TEEC_OpenSession(&ctx, &s1, &u, TEEC_LOGIN_PUBLIC, NULL, NULL, NULL)) return 3;
            if (TEEC_OpenSession(&ctx, &s2, &u, TEEC_LOGIN_PUBLIC, NULL, NULL, NULL)) return 4;
            shm.size = 4096; shm.flags = TEEC_MEM_INPUT;
            if (TEEC_AllocateSharedMemory(&ctx, &shm)) return 5;
            _exit(0); /* no close, no release, no finalize */
        }
        "#,
    );
    let st = std::process::Command::new(&ca)
        .arg(&w.socket)
        .status()
        .unwrap();
    assert!(st.success(), "{st}");
    // The core notices the hang-up asynchronously: wait (bounded) for it.
    let mut last = (0, 0, 0);
    for _ in 0..200 {
        last = counters(&keep);
        if last.2 == 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        last,
        (1, 3, 2),
        "both sessions of the dead client were closed"
    );
}
