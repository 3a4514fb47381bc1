//! TA-to-TA calls on the host tier (the shared cases are in `ta2ta`):
//! a cancellation overtaking its direct call, the core stopping while a
//! call waits.

use crate::harness::*;
use crate::ta2ta::{CANCEL, CloneValue, TA2TA};
use oxtee_client::{CancelToken, Login, Param};

/// A cancellation that reaches the core before its direct call reaches
/// the TA (here: the call waits behind another session's call in the same
/// single-instance TA) is not lost: the call starts cancelled, and so does
/// the TA-to-TA call it makes. (It once was: the core looked only at the
/// call the TA was running, and the cancelled call then waited forever for
/// a cancellation, as this test did under load.) Another context's
/// cancellations of its own calls to the same instance, made after it,
/// do not erase it.
#[test]
fn a_cancellation_overtaking_its_direct_call_is_kept() {
    let w = World::start();
    let ctx = w.ctx();
    let open_in = |ctx: &oxtee_client::Context| {
        let (s, _) = ctx
            .open_session(uuid(TA2TA), Login::Public, &mut [])
            .unwrap();
        // From a session's second invoke, calls go straight to the TA.
        for _ in 0..2 {
            let mut p = [Param::ValueInOut { a: 1, b: 0 }];
            s.invoke(0, &mut p).unwrap();
        }
        std::sync::Arc::new(s)
    };
    let open = || open_in(&ctx);
    let (a, b) = (open(), open());
    // Another client's sessions on the same instance: eight, so that one
    // shares any slot a scheme keyed by session id modulo 8 would give b.
    let other = w.ctx();
    let theirs: Vec<_> = (0..8).map(|_| open_in(&other)).collect();
    // Session a keeps the TA busy for 1.5 s (TEE_Wait, then a call).
    let busy = {
        let a = a.clone();
        std::thread::spawn(move || {
            let mut p = [Param::ValueInOut { a: 1500, b: 0 }];
            a.invoke(8, &mut p).map(|_| p[0].clone_value())
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    // Session b's call (to a callee that waits for cancellation) queues
    // behind it; its cancellation goes to the core at once.
    let token = CancelToken::new();
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let (b, t) = (b.clone(), token.clone());
        std::thread::spawn(move || {
            let mut p = [Param::ValueInOut { a: 0, b: 9 }];
            let r = b.invoke_cancellable(3, &mut p, Some(&t));
            let _ = tx.send(r.map(|_| p[0].clone_value()));
        });
    }
    while !token.is_running() {
        std::thread::yield_now();
    }
    token.cancel();
    // The other client queues a call too and cancels it (the core records
    // that for every direct session of the other client).
    let their_token = CancelToken::new();
    let theirs_done = {
        let (s, t) = (theirs[0].clone(), their_token.clone());
        std::thread::spawn(move || {
            let mut p = [Param::ValueInOut { a: 0, b: 0 }];
            s.invoke_cancellable(0, &mut p, Some(&t))
        })
    };
    while !their_token.is_running() {
        std::thread::yield_now();
    }
    their_token.cancel();
    let r = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the cancelled call still runs after 30 s: the cancellation was lost");
    assert_eq!(r.unwrap(), (CANCEL, 4));
    assert!(busy.join().unwrap().is_ok());
    let _ = theirs_done.join().unwrap();
}

/// Stopping the core while a direct call waits in a TA-to-TA call whose
/// callee spins until cancelled: the core exits at once and cleanly, and
/// both TA processes end with it.
#[test]
fn core_stops_while_a_direct_call_waits_for_its_callee() {
    let mut w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    for _ in 0..2 {
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        s.invoke(0, &mut p).unwrap();
    }
    let s = std::sync::Arc::new(s);
    let waiter = {
        let s = s.clone();
        std::thread::spawn(move || {
            let mut p = [Param::ValueInOut { a: 0, b: 9 }];
            s.invoke(3, &mut p)
        })
    };
    const MISBEHAVE: &str = "40dc6fa0-b27f-4171-8fca-84f566767cb5";
    let t0 = std::time::Instant::now();
    while w.ta_pids(MISBEHAVE).is_empty() && t0.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pids: Vec<i32> = [w.ta_pids(MISBEHAVE), w.ta_pids(TA2TA)].concat();
    assert_eq!(pids.len(), 2, "{pids:?}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    assert!(w.stop(), "the core did not exit cleanly on SIGTERM");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the core took {:?} to stop",
        started.elapsed()
    );
    assert!(
        wait_ended(&pids),
        "TA processes outlived their core: {pids:?}"
    );
    assert!(waiter.join().unwrap().is_err());
}
