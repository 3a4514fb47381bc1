//! Internal Core API memory and time functions, in C (tests/tas/c/internal)
//! and through the Rust SDK (tests/tas/rust/internal): the heap bounded by
//! gpd.ta.dataSize, TEE_Malloc hints, TEE_CheckMemoryAccessRights on every
//! kind of memory, instance data, system / REE time, TEE_Wait and its
//! cancellation, and the panics GP asks for on bad pointers.

use crate::harness::*;
use oxtee_client::{CancelToken, Error, Login, Param, Session};
use oxtee_proto::Dir;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const INTERNAL_C: &str = "35bce8ee-e6ba-4655-b2ae-9a5dca619ced";
const INTERNAL_RUST: &str = "6da3ab60-2e9b-4ffa-a7d6-e17c5dac3eca";
/// gpd.ta.dataSize of both TAs.
const DATA_SIZE: u32 = 64 * 1024;

const OK: u32 = 0;
const DENIED: u32 = 0xFFFF_0001;
const CANCEL: Error = Error::new(0xFFFF_0002, 4);
/// What a successful invoke returns (the origin of the answer).
const SUCCESS: Result<u32, Error> = Ok(4);

const R: u32 = 0x1;
const W: u32 = 0x2;
const ANY: u32 = 0x4;
const NONSECURE: u32 = 0x1000_0000;
const SECURE: u32 = 0x2000_0000;

// Commands of the C TA (tests/tas/c/internal/include/internal_ta.h).
const CMD_MALLOC: u32 = 0;
const CMD_HEAP_BOUND: u32 = 1;
const CMD_MEM_FUNCS: u32 = 2;
const CMD_ACCESS: u32 = 3;
const CMD_INSTANCE_DATA: u32 = 4;
const CMD_WAIT: u32 = 5;
const CMD_REE_TIME: u32 = 6;
const CMD_BAD_POINTER: u32 = 7;

fn open(w: &World, ta: &str) -> Session {
    w.ctx()
        .open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

fn out_value(p: &Param<'_>) -> (u32, u32) {
    match *p {
        Param::ValueOut { a, b } | Param::ValueInOut { a, b } => (a, b),
        _ => unreachable!("not a value output"),
    }
}

/// One value-output command; returns (a, b).
fn value_out(s: &Session, cmd: u32) -> (u32, u32) {
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(cmd, &mut p).unwrap();
    out_value(&p[0])
}

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

#[test]
fn c_heap_semantics_bound_and_memory_functions() {
    let w = World::start();
    // Each session is a new instance (flags 0), so each starts with an
    // empty heap.
    let s = open(&w, INTERNAL_C);
    assert_eq!(value_out(&s, CMD_MALLOC), (0, 0), "first failed step");
    assert_eq!(value_out(&s, CMD_MEM_FUNCS), (0, 0), "first failed step");

    for size in [100u32, 1000, 4096, 30000] {
        let s = open(&w, INTERNAL_C);
        let mut p = [
            Param::ValueIn { a: size, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(CMD_HEAP_BOUND, &mut p).unwrap();
        let (total, blocks) = out_value(&p[1]);
        assert_eq!(total, blocks * size);
        assert!(
            total > DATA_SIZE / 2 && total <= DATA_SIZE,
            "{size}-byte blocks: {total} bytes in {blocks} blocks"
        );
        // The TA is alive, and its heap can be filled again.
        assert_eq!(value_out(&s, CMD_MEM_FUNCS), (0, 0));
        let mut p = [
            Param::ValueIn { a: size, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(CMD_HEAP_BOUND, &mut p).unwrap();
        assert_eq!(out_value(&p[1]), (total, blocks));
    }
    // A block as large as the heap: NULL, and the TA carries on.
    let s = open(&w, INTERNAL_C);
    let mut p = [
        Param::ValueIn {
            a: DATA_SIZE + 1,
            b: 0,
        },
        Param::ValueOut { a: 9, b: 9 },
    ];
    s.invoke(CMD_HEAP_BOUND, &mut p).unwrap();
    assert_eq!(out_value(&p[1]), (0, 0));
}

/// TEE_CheckMemoryAccessRights(flags, target) in the C TA, with `extra`
/// as params 1..3.
fn access(s: &Session, target: u32, flags: u32, extra: [Param<'_>; 3]) -> u32 {
    let [a, b, c] = extra;
    let mut p = [
        Param::ValueInOut {
            a: target,
            b: flags,
        },
        a,
        b,
        c,
    ];
    s.invoke(CMD_ACCESS, &mut p).unwrap();
    out_value(&p[0]).0
}

fn none3() -> [Param<'static>; 3] {
    [Param::None, Param::None, Param::None]
}

#[test]
fn c_access_rights_of_the_tas_own_memory() {
    let w = World::start();
    let s = open(&w, INTERNAL_C);
    let cases: &[(u32, &str, u32, u32)] = &[
        (0, "heap block", R | W, OK),
        (0, "heap block", R | W | ANY, OK),
        (0, "heap block", SECURE | R | W, OK),
        (0, "heap block", NONSECURE | R | ANY, DENIED),
        (0, "heap block", SECURE | NONSECURE | R, DENIED),
        (1, "heap block + 1", R, DENIED),
        (2, "byte before a heap block", R, DENIED),
        (3, "freed heap block", R, DENIED),
        (4, "stack local", R | W, OK),
        (4, "stack local", R | W | ANY, OK),
        (5, "static global", R | W, OK),
        (5, "static global", R | W | ANY, OK),
        (6, "const string", R, OK),
        (6, "const string", R | ANY, OK),
        (6, "const string", W, DENIED),
        (6, "const string", R | W | ANY, DENIED),
        (7, "RELRO pointer", R, OK),
        (7, "RELRO pointer", W, DENIED),
        (8, "code", R, OK),
        (8, "code", W, DENIED),
        (9, "NULL", R, DENIED),
        (9, "NULL", 0, DENIED),
        (10, "overflowing range", R, DENIED),
        (11, "kernel address", R, DENIED),
        (12, "TEE_Malloc(0) pointer", R, DENIED),
        (13, "stack local, 1 GiB", R, DENIED),
        (14, "empty range", R | W, OK),
    ];
    for &(target, what, flags, want) in cases {
        assert_eq!(
            access(&s, target, flags, none3()),
            want,
            "{what} with flags {flags:#x}"
        );
    }
}

#[test]
fn c_access_rights_of_the_current_calls_memrefs() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(INTERNAL_C), Login::Public, &mut [])
        .unwrap();
    let input = [1u8; 16];
    let mut out = [0u8; 16];
    let mut inout = [0u8; 16];
    // Temporary memrefs of each direction in params 1..3 (laid out one
    // after the other; INOUT is the last).
    let mut temp = |target: u32, flags: u32| {
        access(
            &s,
            target,
            flags,
            [
                Param::TempIn { buf: &input },
                Param::TempOut {
                    buf: &mut out,
                    size: 16,
                },
                Param::TempInOut {
                    buf: &mut inout,
                    size: 16,
                },
            ],
        )
    };
    let cases: &[(u32, &str, u32, u32)] = &[
        (21, "input", R | ANY, OK),
        (21, "input", NONSECURE | R | ANY, OK),
        (21, "input", SECURE | R | ANY, DENIED),
        (21, "input without ANY_OWNER", R, DENIED),
        (21, "input", W | ANY, DENIED),
        (21, "input", R | W | ANY, DENIED),
        (22, "output", W | ANY, OK),
        (22, "output (readable, as in OP-TEE)", R | W | ANY, OK),
        (22, "output without ANY_OWNER", W, DENIED),
        (23, "inout", R | W | ANY, OK),
        (23, "inout without ANY_OWNER", R | W, DENIED),
        (33, "inout + 1 byte", R | ANY, DENIED),
        (31, "input + 1 byte into the output", W | ANY, DENIED),
        (41, "byte before the input", R | ANY, DENIED),
    ];
    for &(target, what, flags, want) in cases {
        assert_eq!(temp(target, flags), want, "{what} with flags {flags:#x}");
    }
    // Allocated shared memory: only the part given as the memref.
    let shm = ctx.allocate_shared_memory(256, 3).unwrap();
    let part = |dir| Param::Shm {
        mem: &shm,
        dir,
        offset: 64,
        size: 32,
    };
    let in_part = || [part(Dir::In), Param::None, Param::None];
    assert_eq!(access(&s, 21, R | ANY, in_part()), OK);
    assert_eq!(access(&s, 21, W | ANY, in_part()), DENIED);
    assert_eq!(access(&s, 31, R | ANY, in_part()), DENIED, "past the part");
    assert_eq!(access(&s, 41, R | ANY, in_part()), DENIED, "before it");
    let io = [Param::None, part(Dir::InOut), Param::None];
    assert_eq!(access(&s, 22, R | W | ANY, io), OK);
    // A memref is the TA's only during its call.
    assert_eq!(access(&s, 51, R | ANY, in_part()), OK);
    assert_eq!(access(&s, 60, R | ANY, none3()), DENIED, "a later call");
    assert_eq!(access(&s, 60, R | ANY, in_part()), OK, "passed again");
    assert_eq!(
        access(
            &s,
            51,
            R | ANY,
            [Param::TempIn { buf: &input }, Param::None, Param::None]
        ),
        OK
    );
    assert_eq!(access(&s, 60, R | ANY, none3()), DENIED);
}

#[test]
fn c_instance_data_lives_as_long_as_the_instance() {
    let w = World::start();
    let add = |s: &Session, a: u32| {
        let mut p = [Param::ValueInOut { a, b: 9 }];
        s.invoke(CMD_INSTANCE_DATA, &mut p).unwrap();
        out_value(&p[0])
    };
    let s = open(&w, INTERNAL_C);
    assert_eq!(add(&s, 5), (5, 1), "first call: no instance data yet");
    assert_eq!(add(&s, 2), (7, 0));
    assert_eq!(add(&s, 0), (7, 0));
    // Another session is another instance (flags 0): its own data.
    let s2 = open(&w, INTERNAL_C);
    assert_eq!(add(&s2, 1), (1, 1));
    assert_eq!(add(&s, 1), (8, 0));
}

/// The C TA's wait command: (result, TA-measured ms, time went forward,
/// client-measured duration).
fn c_wait(
    s: &Session,
    ms: u32,
    unmask: bool,
    cancel: Option<&std::sync::Arc<CancelToken>>,
) -> (Result<u32, Error>, u32, u32, Duration) {
    let mut p = [
        Param::ValueIn {
            a: ms,
            b: u32::from(unmask),
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    let t = Instant::now();
    let r = s.invoke_cancellable(CMD_WAIT, &mut p, cancel);
    let el = t.elapsed();
    let (a, b) = out_value(&p[1]);
    (r, a, b, el)
}

/// Run `f` on another thread with a cancel token; cancel it once the call
/// has been running for `after`. Returns f's result and how long the call
/// took after the cancellation.
fn cancel_after<T: Send>(
    after: Duration,
    f: impl FnOnce(&std::sync::Arc<CancelToken>) -> T + Send,
) -> (T, Duration) {
    let token = CancelToken::new();
    std::thread::scope(|sc| {
        let t = token.clone();
        let h = sc.spawn(move || f(&t));
        while !token.is_running() {
            std::thread::yield_now();
        }
        std::thread::sleep(after);
        let t0 = Instant::now();
        token.cancel();
        let r = h.join().unwrap();
        (r, t0.elapsed())
    })
}

#[test]
fn c_system_time_wait_and_cancellation() {
    let w = World::start();
    let s = open(&w, INTERNAL_C);
    let (r, ta_ms, forward, el) = c_wait(&s, 50, false, None);
    assert_eq!(r, SUCCESS);
    assert_eq!(forward, 1, "system time is monotonic");
    assert!((50..2000).contains(&ta_ms), "TA measured {ta_ms} ms");
    assert!(el >= Duration::from_millis(50), "{el:?}");
    let (r, ta_ms, _, _) = c_wait(&s, 0, false, None);
    assert_eq!(r, SUCCESS);
    assert!(ta_ms < 1000);

    // Masked (as when a session opens): the wait runs its full time.
    let ((r, ta_ms, _, _), _) = cancel_after(Duration::from_millis(50), |t| {
        c_wait(&s, 400, false, Some(t))
    });
    assert_eq!(r, SUCCESS, "a masked wait is not cancelled");
    assert!(ta_ms >= 400, "waited {ta_ms} ms");

    // Unmasked: an infinite wait ends with CANCEL soon after the cancel.
    let s2 = open(&w, INTERNAL_C);
    let ((r, ta_ms, _, _), after) = cancel_after(Duration::from_millis(100), |t| {
        c_wait(&s2, 0xFFFF_FFFF, true, Some(t))
    });
    assert_eq!(r, Err(CANCEL));
    assert!(ta_ms >= 100, "waited {ta_ms} ms before the cancel");
    assert!(after < Duration::from_secs(1), "cancel took {after:?}");
    // A bounded wait too; the session's mask stays unmasked.
    let ((r, ta_ms, _, _), after) = cancel_after(Duration::from_millis(50), |t| {
        c_wait(&s2, 20_000, false, Some(t))
    });
    assert_eq!(r, Err(CANCEL));
    assert!(ta_ms < 10_000 && after < Duration::from_secs(1));
    // Without a cancellation the session works on.
    assert_eq!(c_wait(&s2, 10, false, None).0, SUCCESS);
}

#[test]
fn c_ree_time_is_the_hosts_clock() {
    let w = World::start();
    let s = open(&w, INTERNAL_C);
    let before = unix_now();
    let (secs, millis) = value_out(&s, CMD_REE_TIME);
    let after = unix_now();
    assert!(millis < 1000);
    let ree = Duration::from_secs(secs.into()) + Duration::from_millis(millis.into());
    // TEE_Time has millisecond resolution: truncated, never later.
    assert!(
        ree + Duration::from_millis(1) >= before && ree <= after,
        "{ree:?} not in {before:?}..{after:?}"
    );
}

#[test]
fn c_bad_pointers_panic_the_ta() {
    let w = World::start();
    let cases = [
        (0, "TEE_GetSystemTime(NULL)"),
        (1, "TEE_GetREETime(NULL)"),
        (2, "TEE_Free of a stack address"),
        (3, "double TEE_Free"),
        (4, "TEE_Realloc inside a block"),
    ];
    for (what, name) in cases {
        let s = open(&w, INTERNAL_C);
        let mut p = [Param::ValueIn { a: what, b: 0 }];
        assert_eq!(
            s.invoke(CMD_BAD_POINTER, &mut p).unwrap_err(),
            TARGET_DEAD,
            "{name}"
        );
        assert_eq!(
            s.invoke(CMD_MEM_FUNCS, &mut [Param::ValueOut { a: 0, b: 0 }])
                .unwrap_err(),
            TARGET_DEAD,
            "{name}: the session stays dead"
        );
        // The next session gets a healthy instance.
        assert_eq!(value_out(&open(&w, INTERNAL_C), CMD_MEM_FUNCS), (0, 0));
    }
    assert!(w.wait_log("TEE_Panic(0xffff0006)"), "{}", w.log());
}

/// The Rust TA's wait command: (result, (TA-measured ms, time went
/// forward)).
fn rust_wait(
    s: &Session,
    ms: u32,
    unmask: bool,
    cancel: Option<&std::sync::Arc<CancelToken>>,
) -> (Result<u32, Error>, (u32, u32)) {
    let mut p = [
        Param::ValueIn {
            a: ms,
            b: u32::from(unmask),
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    let r = s.invoke_cancellable(2, &mut p, cancel);
    (r, out_value(&p[1]))
}

#[test]
fn rust_sdk_time_wait_and_bounded_heap() {
    let w = World::start();
    let s = open(&w, INTERNAL_RUST);
    // System time: monotonic, and close to the client's elapsed time.
    let t = |(a, b): (u32, u32)| u64::from(a) * 1000 + u64::from(b);
    let t0 = t(value_out(&s, 0));
    std::thread::sleep(Duration::from_millis(30));
    let t1 = t(value_out(&s, 0));
    assert!(t1 >= t0 + 30 && t1 < t0 + 2000, "{t0} -> {t1}");
    // REE time: the host's clock.
    let (secs, _) = value_out(&s, 1);
    assert!(u64::from(secs).abs_diff(unix_now().as_secs()) <= 2);

    let (r, (ms, forward)) = rust_wait(&s, 50, false, None);
    assert_eq!(r, SUCCESS);
    assert!((50..2000).contains(&ms) && forward == 1, "{ms} ms");
    // Masked: not cancelled early.
    let ((r, (ms, _)), _) = cancel_after(Duration::from_millis(50), |t| {
        rust_wait(&s, 300, false, Some(t))
    });
    assert_eq!(r, SUCCESS);
    assert!(ms >= 300, "{ms} ms");
    // Unmasked: an infinite wait is cancelled.
    let ((r, (ms, _)), after) = cancel_after(Duration::from_millis(100), |t| {
        rust_wait(&s, u32::MAX, true, Some(t))
    });
    assert_eq!(r, Err(CANCEL));
    // The client counts its 100 ms from sending the request; the TA starts
    // its clock a little later (under load, several ms later).
    assert!(
        ms >= 50 && after < Duration::from_secs(1),
        "{ms} ms, {after:?}"
    );

    // The heap: bounded by data-size, and the TA survives hitting it.
    // What it holds before: nothing on the host tier (the process's own
    // allocations are elsewhere); at S-EL0 what the runtime keeps there.
    let (before, _) = value_out(&s, 4);
    for size in [1000u32, 4096] {
        let mut p = [
            Param::ValueIn { a: size, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(3, &mut p).unwrap();
        let (total, bufs) = out_value(&p[1]);
        assert_eq!(total, bufs * size);
        assert!(total > DATA_SIZE / 2 && total <= DATA_SIZE, "{total} bytes");
        assert_eq!(value_out(&s, 4), (before, DATA_SIZE), "all freed");
    }
}
