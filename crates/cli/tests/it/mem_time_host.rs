//! The host tier's part of the memory and time suite: a TA's persistent
//! time kept across a restart of the secure world (its anchor is a file
//! of the host's store; on the TrustZone tier it lives until reboot, as on
//! OP-TEE).

use crate::harness::*;
use oxtee_client::{Login, Param, Session};

const TA2TA: &str = "9c4e2f71-3a58-4b06-b7d2-6e1f0a8c5d39";
const NOT_SET: u32 = 0xFFFF_5000;
const NEEDS_RESET: u32 = 0xFFFF_5001;
const OVERFLOW: u32 = 0xFFFF_300F;

fn get(s: &Session) -> Result<(u32, u32), (u32, (u32, u32))> {
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    let r = s.invoke(6, &mut p);
    let Param::ValueOut { a, b } = p[0] else {
        unreachable!()
    };
    match r {
        Ok(_) => Ok((a, b)),
        Err(e) => Err((e.code, (a, b))),
    }
}

fn set(s: &Session, secs: u32, millis: u32) {
    let mut p = [Param::ValueIn { a: secs, b: millis }];
    s.invoke(7, &mut p).unwrap();
}

/// Per TA, kept across a restart of the secure world, and the GP
/// results for never set, rolled-back clock and overflow.
#[test]
fn persists_per_ta_across_restarts() {
    let mut w = World::start();
    let ctx = w.ctx();
    let (a, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    let (b, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    assert_eq!(get(&a).unwrap_err().0, NOT_SET);
    set(&a, 1_000_000, 250);
    let (secs, _) = get(&a).unwrap();
    assert!((1_000_000..1_000_010).contains(&secs), "{secs}");
    assert_eq!(
        get(&b).unwrap_err().0,
        NOT_SET,
        "another TA's time is its own"
    );
    // A restart of the secure world keeps it (same storage directory).
    let stored = w.dir.path().join("storage/ta-time").join(TA2TA);
    let anchor = std::fs::read_to_string(&stored).unwrap();
    drop((a, b, ctx));
    assert!(w.stop());
    let w2 = World::start();
    let dir2 = w2.dir.path().join("storage/ta-time");
    std::fs::create_dir_all(&dir2).unwrap();
    std::fs::write(dir2.join(TA2TA), &anchor).unwrap();
    let ctx = w2.ctx();
    let (a, _) = ctx
        .open_session(uuid(TA2TA), Login::Public, &mut [])
        .unwrap();
    let (secs, _) = get(&a).unwrap();
    assert!((1_000_000..1_000_010).contains(&secs), "{secs}");
    // The REE clock moved back behind the anchor: needs a reset.
    let future = format!("1000 {}\n", u64::MAX / 2);
    std::fs::write(dir2.join(TA2TA), future).unwrap();
    assert_eq!(get(&a).unwrap_err().0, NEEDS_RESET);
    // Seconds past u32::MAX: OVERFLOW with the time modulo 2^32.
    set(&a, u32::MAX, 999);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, (secs, _)) = get(&a).unwrap_err();
    assert_eq!(code, OVERFLOW);
    assert!(secs < 10, "{secs}");
    // The same API from a Rust TA (its own time, not the C TA's).
    let (r, _) = ctx
        .open_session(
            uuid("3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c14"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    assert_eq!(get(&r).unwrap_err().0, NOT_SET);
    set(&r, 77, 5);
    assert!(matches!(get(&r), Ok((77..=80, _))), "{:?}", get(&r));
    // A millisecond field above 999 panics the TA.
    let mut p = [Param::ValueIn { a: 1, b: 1000 }];
    assert_eq!(a.invoke(7, &mut p).unwrap_err(), TARGET_DEAD);
}
