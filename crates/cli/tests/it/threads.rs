//! The secure world's threads (`secure_threads`, OP-TEE's
//! CFG_NUM_THREADS): calls beyond them wait their turn and then run;
//! `oxtee status` shows them; 64 clients at once all get their own
//! answers.

use crate::harness::*;
use oxtee_client::{Login, Param};
use std::time::{Duration, Instant};

/// One instance per session; command 5 waits a[0] ms.
const INTERNAL_C: &str = "35bce8ee-e6ba-4655-b2ae-9a5dca619ced";
const CMD_WAIT: u32 = 5;

#[test]
fn calls_beyond_the_secure_threads_wait_their_turn() {
    let w = World::start_with(
        &ta_dir(),
        "secure_threads = 2\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let sessions: Vec<_> = (0..3)
        .map(|_| {
            let ctx = w.ctx();
            let (s, _) = ctx
                .open_session(uuid(INTERNAL_C), Login::Public, &mut [])
                .unwrap();
            (ctx, s)
        })
        .collect();
    assert!(w.status().contains("secure_threads 2 busy 0 waiting 0"));
    let t0 = Instant::now();
    let took: Vec<Duration> = std::thread::scope(|sc| {
        let calls: Vec<_> = sessions
            .iter()
            .map(|(_, s)| {
                sc.spawn(move || {
                    let mut p = [
                        Param::ValueIn { a: 700, b: 0 },
                        Param::ValueOut { a: 0, b: 0 },
                    ];
                    s.invoke(CMD_WAIT, &mut p).unwrap();
                    t0.elapsed()
                })
            })
            .collect();
        // Two run, one waits (seen from outside while they do).
        std::thread::sleep(Duration::from_millis(300));
        let now = w.status();
        assert!(now.contains("secure_threads 2 busy 2 waiting 1"), "{now}");
        calls.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let mut took = took;
    took.sort();
    assert!(took[1] < Duration::from_millis(1300), "{took:?}");
    assert!(
        took[2] >= Duration::from_millis(1400),
        "the third waited its turn: {took:?}"
    );
    assert!(w.status().contains("secure_threads 2 busy 0 waiting 0"));
}

#[test]
fn sixty_four_clients_on_four_threads_all_get_their_own_answers() {
    let w = World::start_with(
        &ta_dir(),
        "secure_threads = 4\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    std::thread::scope(|sc| {
        let clients: Vec<_> = (0..64u32)
            .map(|t| {
                let w = &w;
                sc.spawn(move || {
                    let ctx = w.ctx();
                    let (s, _) = ctx
                        .open_session(uuid(HELLO_C), Login::Public, &mut [])
                        .unwrap();
                    for i in 0..20u32 {
                        let a = t << 16 | i;
                        let mut p = [Param::ValueInOut { a, b: t }];
                        s.invoke(0, &mut p).unwrap();
                        assert!(
                            matches!(p[0], Param::ValueInOut { a: r, b } if r == a + 1 && b == t),
                            "client {t}: {:?}",
                            p[0]
                        );
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
    });
    assert!(w.status().contains("secure_threads 4 busy 0 waiting 0"));
}

#[test]
fn a_monitoring_session_exempts_only_itself_from_the_threads() {
    use oxtee_daemon::pta::StatusPta;
    let w = World::start_with(
        &ta_dir(),
        "secure_threads = 1\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let (ctx_a, ctx_b) = (w.ctx(), w.ctx());
    let (a, _) = ctx_a
        .open_session(uuid(INTERNAL_C), Login::Public, &mut [])
        .unwrap();
    let (b, _) = ctx_b
        .open_session(uuid(INTERNAL_C), Login::Public, &mut [])
        .unwrap();
    // B's connection also holds a status session.
    let (status_b, _) = ctx_b
        .open_session(oxtee_client::Uuid(StatusPta::UUID), Login::Public, &mut [])
        .unwrap();
    let wait = |s: &oxtee_client::Session, ms: u32| {
        let mut p = [
            Param::ValueIn { a: ms, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(CMD_WAIT, &mut p).unwrap();
    };
    let t0 = Instant::now();
    std::thread::scope(|sc| {
        let first = sc.spawn(|| wait(&a, 800));
        std::thread::sleep(Duration::from_millis(200));
        // The status is read while the one thread is busy...
        let mut buf = vec![0u8; 4096];
        let mut p = [Param::TempOut {
            size: buf.len(),
            buf: &mut buf,
        }];
        status_b.invoke(StatusPta::STATUS, &mut p).unwrap();
        let Param::TempOut { size, .. } = p[0] else {
            unreachable!()
        };
        let now = String::from_utf8_lossy(&buf[..size]).into_owned();
        assert!(now.contains("secure_threads 1 busy 1 waiting 0"), "{now}");
        // ...but B's own call to a TA still waits for the thread.
        wait(&b, 10);
        assert!(
            t0.elapsed() >= Duration::from_millis(800),
            "{:?}",
            t0.elapsed()
        );
        first.join().unwrap();
    });
}
