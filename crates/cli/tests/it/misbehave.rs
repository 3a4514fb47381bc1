//! Misbehaving TAs are contained on both tiers (the same sources run
//! against the TrustZone tier, `tests/tz`): a TA that faults, panics,
//! executes its data, overflows its stack, writes its code, reads the
//! kernel's memory or exhausts its heap is torn down with
//! TEEC_ERROR_TARGET_DEAD (origin TEE) and stays dead, while the core,
//! other instances of the same TA and other TAs carry on; an instance
//! cannot reach another's memory; a TA spinning until cancelled is
//! cancelled; a TA's claim about an output's size is passed on, not acted
//! on. (What only a process can try, files, sockets, processes, its
//! channel to the core, is the host tier's `sandbox.rs`.)

use crate::harness::*;
use oxtee_client::{CancelToken, Error, Login, Param, Session};

// The misbehave TA's commands (tests/tas/c/misbehave/include/misbehave_ta.h).
const WILD_WRITE: u32 = 4;
const EAT_MEMORY: u32 = 5;
const PANIC: u32 = 7;
const HEALTHY: u32 = 8;
const WAIT_CANCEL: u32 = 9;
const SIZE_LIE: u32 = 11;
const EXEC_DATA: u32 = 16;
const STACK_OVERFLOW: u32 = 17;
const READ: u32 = 18;
const WRITE_CODE: u32 = 19;
const SECRET: u32 = 20;

fn open(w: &World) -> Session {
    w.ctx()
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap()
        .0
}

fn healthy(s: &Session) {
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(HEALTHY, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 41, b: 42 }));
}

fn hello_works(w: &World) {
    for ta in [HELLO_C, HELLO_RUST] {
        let (s, _) = w
            .ctx()
            .open_session(uuid(ta), Login::Public, &mut [])
            .unwrap();
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        s.invoke(0, &mut p).unwrap();
        assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }), "{ta}");
    }
}

/// Read the 32-bit word at `at` in the instance's memory.
fn read(s: &Session, at: u64) -> Result<u32, Error> {
    let mut p = [Param::ValueInOut {
        a: at as u32,
        b: (at >> 32) as u32,
    }];
    s.invoke(READ, &mut p)?;
    let Param::ValueInOut { a, .. } = p[0] else {
        unreachable!()
    };
    Ok(a)
}

/// Set the instance's secret (unless `value` is 0): (the secret before,
/// its address).
fn secret(s: &Session, value: u32) -> (u32, u64) {
    let mut p = [
        Param::ValueInOut { a: value, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(SECRET, &mut p).unwrap();
    let (Param::ValueInOut { a: old, .. }, Param::ValueOut { a: lo, b: hi }) = (&p[0], &p[1])
    else {
        unreachable!()
    };
    (*old, u64::from(*lo) | u64::from(*hi) << 32)
}

#[test]
fn every_misbehaviour_kills_only_that_instance() {
    let w = World::start();
    // A healthy instance of the same TA that must survive all of this.
    let bystander = open(&w);
    let kills = [
        (WILD_WRITE, "writes through a wild pointer"),
        (EAT_MEMORY, "allocates without bound"),
        (PANIC, "calls TEE_Panic"),
        (EXEC_DATA, "executes its data"),
        (STACK_OVERFLOW, "overflows its stack"),
        (WRITE_CODE, "writes its code"),
        (READ, "reads the kernel's memory"),
    ];
    for (cmd, what) in kills {
        let s = open(&w);
        healthy(&s);
        let r = match cmd {
            READ => read(&s, KERNEL_MEMORY).map(|_| ()),
            _ => s.invoke(cmd, &mut []).map(|_| ()),
        };
        assert_eq!(r.unwrap_err(), TARGET_DEAD, "a TA that {what}");
        // The session stays dead.
        let mut p = [Param::ValueInOut { a: 41, b: 0 }];
        assert_eq!(
            s.invoke(HEALTHY, &mut p).unwrap_err(),
            TARGET_DEAD,
            "after a TA {what}"
        );
        drop(s);
        healthy(&bystander);
        hello_works(&w);
    }
    assert!(
        w.wait_log("TEE_Panic(0x0000dead)"),
        "the panic code is logged"
    );
}

/// One instance cannot see or change another's memory: at the address of
/// the other's secret it finds its own memory or nothing (and dies).
#[test]
fn another_instance_is_out_of_reach() {
    let w = World::start();
    let victim = open(&w);
    let attacker = open(&w);
    const MINE: u32 = 0x5ec2_e7ed;
    let (before, at) = secret(&victim, MINE);
    assert_eq!(before, 0);
    match read(&attacker, at) {
        Ok(v) => {
            assert_ne!(v, MINE, "one instance read another's secret");
            // Its own secret is where it found it (the same image's
            // layout), and is still unset.
            assert_eq!(secret(&attacker, 0).0, 0);
        }
        Err(e) => assert_eq!(e, TARGET_DEAD, "reading at {at:#x}"),
    }
    assert_eq!(secret(&victim, 0), (MINE, at), "the victim's secret");
    healthy(&victim);
}

/// A TA that spins until its call is cancelled is cancelled (CANCEL,
/// origin TA); a call cancelled before it starts is not made.
#[test]
fn cancellation_reaches_a_polling_ta() {
    let w = World::start();
    let s = open(&w);
    // A cancellation that lands between the client marking the call as
    // running and sending it ends it in the client (CANCEL, origin API):
    // a legitimate outcome, but not the one under test, so try again.
    let mut outcome = None;
    for _ in 0..20 {
        let token = CancelToken::new();
        let r = std::thread::scope(|sc| {
            let t = token.clone();
            let s = &s;
            let h = sc.spawn(move || s.invoke_cancellable(WAIT_CANCEL, &mut [], Some(&t)));
            while !token.is_running() {
                std::thread::yield_now();
            }
            token.cancel();
            h.join().unwrap()
        });
        let e = r.unwrap_err();
        if e != Error::new(0xFFFF_0002, 1) {
            outcome = Some(e);
            break;
        }
    }
    assert_eq!(
        outcome,
        Some(Error::new(0xFFFF_0002, 4)),
        "TA saw the flag and returned CANCEL"
    );
    healthy(&s);
    // Cancelling before the call starts: the call is not made.
    let t = CancelToken::new();
    t.cancel();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    let s2 = open(&w);
    assert_eq!(
        s2.invoke_cancellable(HEALTHY, &mut p, Some(&t))
            .unwrap_err()
            .code,
        0xFFFF_0002
    );
    healthy(&s2);
}

/// Different instances (and different TAs) run in parallel: while one
/// instance is busy inside an entry point, others answer.
#[test]
fn instances_run_in_parallel() {
    let w = World::start();
    let busy = open(&w);
    let other = open(&w);
    let token = CancelToken::new();
    std::thread::scope(|sc| {
        let t = token.clone();
        let busy = &busy;
        let h = sc.spawn(move || busy.invoke_cancellable(WAIT_CANCEL, &mut [], Some(&t)));
        while !token.is_running() {
            std::thread::yield_now();
        }
        for _ in 0..10 {
            healthy(&other);
            hello_works(&w);
        }
        assert!(
            !h.is_finished(),
            "the busy instance is still inside its entry point"
        );
        token.cancel();
        assert_eq!(h.join().unwrap().unwrap_err().code, 0xFFFF_0002);
    });
    healthy(&busy);
}

/// A TA that claims far more output than the client's buffer holds: the
/// claim reaches the client as a size (as GP's size feedback does), and
/// nothing is written outside the buffer, a temporary one or a window of
/// registered shared memory.
#[test]
fn a_size_claim_is_passed_on_not_acted_on() {
    let w = World::start();
    let ctx = w.ctx();
    // (Registered memory is a context's: the session is that context's.)
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    for _ in 0..2 {
        let mut buf = [0u8; 16];
        let mut p = [Param::TempOut {
            buf: &mut buf,
            size: 16,
        }];
        s.invoke(SIZE_LIE, &mut p).unwrap();
        assert!(
            matches!(
                p[0],
                Param::TempOut {
                    size: 0x7fff_ffff,
                    ..
                }
            ),
            "the claim is passed on"
        );
        assert_eq!(buf, [0x77; 16]);
    }
    let shm = ctx.allocate_shared_memory(32, 2).unwrap();
    let mut p = [Param::Shm {
        mem: &shm,
        dir: oxtee_proto::Dir::Out,
        offset: 8,
        size: 8,
    }];
    s.invoke(SIZE_LIE, &mut p).unwrap();
    let mut seen = [0u8; 32];
    assert!(shm.read(0, &mut seen));
    assert_eq!(&seen[..8], &[0; 8]);
    assert_eq!(&seen[8..16], &[0x77; 8]);
    assert_eq!(&seen[16..32], &[0; 16]);
    healthy(&s);
    hello_works(&w);
}
