//! TA-to-TA calls on both tiers: values and memrefs (the client's buffer,
//! the heap, size feedback) through sessions opened in the invoke and
//! create entry points, the caller's identity as TEE_LOGIN_TRUSTED_APP,
//! calls from the open and close entry points, and a cycle refused
//! instead of deadlocking, timeouts and cancellation, a Rust caller, dead
//! callees, two threads crossing calls. The rest (a cancellation
//! overtaking its direct call, the core stopping) is in `ta2ta_host`.

use crate::harness::*;
use oxtee_client::{CancelToken, Login, Param};

pub(crate) const TA2TA: &str = "9c4e2f71-3a58-4b06-b7d2-6e1f0a8c5d39";
pub(crate) const CANCEL: u32 = 0xFFFF_0002;

#[test]
fn values_memrefs_and_identity() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    // Values through a session opened in an invoke entry point...
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 42, .. }));
    // ...and through one opened in TA_CreateEntryPoint.
    let mut p = [Param::ValueInOut { a: 99, b: 0 }];
    s.invoke(5, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 100, .. }));
    // Memrefs: the client's buffer, a heap buffer, size feedback.
    let mut buf = vec![7u8; 3000];
    let mut p = [
        Param::TempInOut {
            buf: &mut buf,
            size: 3000,
        },
        Param::ValueOut { a: 9, b: 9 },
    ];
    s.invoke(1, &mut p).unwrap();
    assert!(
        matches!(p[1], Param::ValueOut { a: 0, .. }),
        "failed check {:?}",
        p[1]
    );
    let _ = p;
    assert!(buf.iter().all(|&b| b == 8));
    // The callee sees the caller as a trusted application.
    let mut id = [0u8; 16];
    let mut p = [
        Param::ValueOut { a: 0, b: 0 },
        Param::TempOut {
            buf: &mut id,
            size: 16,
        },
    ];
    s.invoke(2, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 0xF000_0000, .. }),
        "{:?}",
        p[0]
    );
    let _ = p;
    let got = oxtee_proto::Uuid::from_fields(
        u32::from_le_bytes(id[0..4].try_into().unwrap()),
        u16::from_le_bytes(id[4..6].try_into().unwrap()),
        u16::from_le_bytes(id[6..8].try_into().unwrap()),
        id[8..16].try_into().unwrap(),
    );
    assert_eq!(got, uuid(TA2TA));
}

/// A single-instance TA opening a session to itself while its call runs:
/// BUSY from the TEE, not a hang.
#[test]
fn a_cycle_is_busy() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(4, &mut p).unwrap();
    assert!(
        matches!(
            p[0],
            Param::ValueOut {
                a: 0xFFFF_000D,
                b: 3
            }
        ),
        "{:?}",
        p[0]
    );
}

/// TA-to-TA calls from the open- and close-session entry points too.
#[test]
fn from_open_and_close_entry_points() {
    let w = World::start();
    let ctx = w.ctx();
    let mut p = [Param::ValueInOut { a: 10, b: 0 }];
    let (s1, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut p)
        .unwrap();
    assert!(
        matches!(p[0], Param::ValueInOut { a: 11, .. }),
        "{:?}",
        p[0]
    );
    let (s2, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    // Its close entry point calls the hello TA (and would panic the
    // shared instance if that failed).
    s2.close();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s1.invoke(5, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }));
    assert!(!w.log().contains("TEE_Panic(0x000c105e)"));
}

/// A TA-to-TA call's timeout is a cancellation request to the callee (the
/// internal test TA, waiting forever with cancellation unmasked), and so
/// is the client's cancellation of the caller; the caller lives on.
#[test]
fn timeout_and_cancellation_reach_the_callee() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    let t0 = std::time::Instant::now();
    let mut p = [Param::ValueInOut { a: 200, b: 0 }];
    s.invoke(9, &mut p).unwrap();
    let took = t0.elapsed();
    assert_eq!(p[0].clone_value(), (CANCEL, 4), "the callee cancelled");
    assert!(
        took >= std::time::Duration::from_millis(200) && took < std::time::Duration::from_secs(10),
        "{took:?}"
    );
    let token = CancelToken::new();
    std::thread::scope(|sc| {
        let t = token.clone();
        let s = &s;
        let h = sc.spawn(move || {
            let mut p = [Param::ValueInOut { a: 0, b: 0 }];
            s.invoke_cancellable(9, &mut p, Some(&t))
                .map(|_| p[0].clone_value())
        });
        while !token.is_running() {
            std::thread::yield_now();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        token.cancel();
        assert_eq!(h.join().unwrap().unwrap(), (CANCEL, 4));
    });
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }));
}

/// A TA-to-TA call from a Rust TA through the SDK.
#[test]
fn from_a_rust_ta() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(
            uuid("3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c14"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    let mut p = [Param::ValueInOut { a: 7, b: 0 }];
    s.invoke(8, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 8, .. }));
}

pub(crate) trait CloneValue {
    fn clone_value(&self) -> (u32, u32);
}

impl CloneValue for Param<'_> {
    fn clone_value(&self) -> (u32, u32) {
        match self {
            Param::ValueInOut { a, b } | Param::ValueOut { a, b } | Param::ValueIn { a, b } => {
                (*a, *b)
            }
            _ => (0, 0),
        }
    }
}

/// A dead callee is TARGET_DEAD (origin TEE) and the caller lives on; a
/// call's timeout is a cancellation request to the callee; the client's
/// cancellation of the caller reaches the callee (the misbehaving test
/// TA, which polls its cancellation flag).
#[test]
fn dead_callee_timeout_and_cancellation() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    // The callee panics: TARGET_DEAD from the TEE, the caller lives on.
    let mut p = [Param::ValueInOut { a: 0, b: 7 }];
    s.invoke(3, &mut p).unwrap();
    assert!(
        matches!(
            p[0],
            Param::ValueInOut {
                a: 0xFFFF_3024,
                b: 3
            }
        ),
        "{:?}",
        p[0]
    );
    // A timeout cancels the callee (which waits for cancellation).
    let mut p = [Param::ValueInOut { a: 200, b: 9 }];
    s.invoke(3, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueInOut { a: CANCEL, b: 4 }),
        "{:?}",
        p[0]
    );
    // The client's cancellation reaches the callee through the caller.
    let token = CancelToken::new();
    std::thread::scope(|sc| {
        let t = token.clone();
        let s = &s;
        let h = sc.spawn(move || {
            let mut p = [Param::ValueInOut { a: 0, b: 9 }];
            s.invoke_cancellable(3, &mut p, Some(&t))
                .map(|_| p[0].clone_value())
        });
        // Cancel once the call is on its way (an early cancellation is
        // kept by the core and applied when the call starts).
        while !token.is_running() {
            std::thread::yield_now();
        }
        token.cancel();
        let r = h.join().unwrap().unwrap();
        assert_eq!(r, (CANCEL, 4));
    });
    // And the caller still works.
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(0, &mut p).unwrap();
}

/// Two clients make two single-instance TAs call each other at the same
/// time (A -> B while B -> A): one call is refused with BUSY instead of
/// both waiting forever, and the other completes (on the host tier
/// whether the calls came through the core or straight from the clients'
/// direct channels; on the TrustZone tier the other waits its turn).
/// The peer's close entry point calls another TA: TEE_CloseTASession runs
/// it on the caller's thread.
#[test]
fn cross_calls_do_not_deadlock() {
    const PEER: &str = "9c4e2f71-3a58-4b06-b7d2-6e1f0a8c5d3a";
    let w = World::start();
    let round = std::sync::Barrier::new(2);
    let results: Vec<Vec<(u32, u32)>> = std::thread::scope(|sc| {
        let hs: Vec<_> = [TA2TA, PEER]
            .into_iter()
            .map(|ta| {
                let (w, round) = (&w, &round);
                sc.spawn(move || {
                    let ctx = w.ctx();
                    let (s, _) = ctx.open_session(uuid(ta), Login::Public, &mut []).unwrap();
                    (0..3)
                        .map(|_| {
                            round.wait();
                            // Both sit in their entry point for 300 ms,
                            // then call the other.
                            let mut p = [Param::ValueInOut { a: 300, b: 0 }];
                            s.invoke(8, &mut p).unwrap();
                            p[0].clone_value()
                        })
                        .collect()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in 0..3 {
        let round: Vec<(u32, u32)> = results.iter().map(|v| v[r]).collect();
        let busy = round.iter().filter(|r| **r == (0xFFFF_000D, 3)).count();
        let ok = round.iter().filter(|r| r.0 == 0).count();
        assert_eq!((busy, ok), (1, 1), "round {r}: {round:x?}");
    }
}
