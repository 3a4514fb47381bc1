//! OP-TEE's system-call layer (`_utee_*`, devkit `utee_syscalls.h`)
//! called directly by a C TA (`tests/tas/c/utee-sys`), which checks the
//! results itself and answers with the number of the first check that
//! failed: properties, time, random, SHA-256 / AES-CBC / AES-GCM /
//! HMAC known answers, ECDSA and ECDH, storage, TA-to-TA with
//! `struct utee_params`, return codes for bad input, `_utee_return`, and
//! hostile pointers and lengths (errors, or the instance dies; the core
//! and every other session carry on).

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};

const UTEE_SYS: &str = "7761226a-c229-42a0-8af6-e8e8f002ba4e";

const PROPS: u32 = 0;
const TIME: u32 = 1;
const RANDOM: u32 = 2;
const SHA256: u32 = 3;
const AES: u32 = 4;
const ASYM: u32 = 5;
const STORAGE: u32 = 6;
const TA2TA: u32 = 7;
const BAD_INPUT: u32 = 8;
const ATTACK: u32 = 9;
const RETURN: u32 = 10;
const AFTER_RETURN: u32 = 11;
const CACHE: u32 = 12;

const ACCESS_DENIED: u32 = 0xFFFF_0001;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const OVERFLOW: u32 = 0xFFFF_300F;
const ORIGIN_TEE: u32 = 3;
const ORIGIN_TA: u32 = 4;

fn open(w: &World) -> Session {
    w.ctx()
        .open_session(uuid(UTEE_SYS), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Run a command whose p0 reports (failed check, code it saw) and whose
/// p1 is `p1`; panic with both unless every check held.
fn checks<'a>(s: &Session, cmd: u32, p1: Param<'a>) -> Param<'a> {
    let mut p = [Param::ValueOut { a: 99, b: 99 }, p1];
    s.invoke(cmd, &mut p).unwrap();
    let Param::ValueOut { a, b } = p[0] else {
        unreachable!()
    };
    assert_eq!(a, 0, "command {cmd}: check {a} failed (result {b:#x})");
    let [_, p1] = p;
    p1
}

#[test]
fn properties_time_random_and_known_answers() {
    let w = World::start();
    let s = open(&w);
    checks(&s, PROPS, Param::None);
    // Time: the REE time the TA read is the host's.
    let Param::ValueOut { a: secs, .. } = checks(&s, TIME, Param::ValueOut { a: 0, b: 0 }) else {
        unreachable!()
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        now.abs_diff(u64::from(secs)) < 60,
        "REE time {secs} vs {now}"
    );
    // Random bytes written straight into the client's buffer.
    let mut rnd = [0u8; 64];
    checks(
        &s,
        RANDOM,
        Param::TempOut {
            buf: &mut rnd,
            size: 64,
        },
    );
    assert!(rnd.iter().any(|&b| b != 0), "random bytes arrived");
    // SHA-256("abc") (FIPS 180-2), also into the client's buffer.
    let mut d = [0u8; 32];
    checks(
        &s,
        SHA256,
        Param::TempOut {
            buf: &mut d,
            size: 32,
        },
    );
    assert_eq!(
        hex(&d),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    checks(&s, AES, Param::None);
    checks(&s, ASYM, Param::None);
    // Cache maintenance on a memref (the TA has TA_FLAG_CACHE_MAINTENANCE).
    let mut m = [7u8; 64];
    checks(
        &s,
        CACHE,
        Param::TempInOut {
            buf: &mut m,
            size: 64,
        },
    );
}

#[test]
fn storage_and_ta_to_ta() {
    let w = World::start();
    let s = open(&w);
    checks(&s, STORAGE, Param::None);
    // Twice: everything the first run made was deleted again.
    checks(&s, STORAGE, Param::None);
    let Param::ValueOut { a, b } = checks(&s, TA2TA, Param::ValueOut { a: 0, b: 0 }) else {
        unreachable!()
    };
    assert_eq!(
        (a, b),
        (ITEM_NOT_FOUND, ORIGIN_TEE),
        "opening a TA that does not exist"
    );
}

#[test]
fn bad_input_is_a_return_code_not_a_panic() {
    let w = World::start();
    let s = open(&w);
    checks(&s, BAD_INPUT, Param::None);
    // The instance is alive and well.
    checks(
        &s,
        SHA256,
        Param::TempOut {
            buf: &mut [0u8; 32],
            size: 32,
        },
    );
}

/// `_utee_return` ends the entry point where it is called, nested in
/// the TA's functions, with its code as the result (outputs written
/// before it go back); the TA's code after it never runs, and the
/// session carries on.
#[test]
fn utee_return_ends_the_entry_point() {
    let w = World::start();
    let s = open(&w);
    let mut p = [Param::ValueInOut { a: 5, b: 0 }];
    assert_eq!(
        s.invoke(RETURN, &mut p).unwrap_err(),
        Error::new(0x1234_ABCD, ORIGIN_TA)
    );
    let mut p = [Param::ValueInOut { a: 5, b: 1 }];
    s.invoke(RETURN, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueInOut { a: 77, .. }),
        "{:?}",
        p[0]
    );
    let mut p = [Param::ValueOut { a: 9, b: 9 }];
    s.invoke(AFTER_RETURN, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 0, .. }),
        "code after _utee_return ran"
    );
    // Unwinding left the TA and its runtime in order.
    checks(
        &s,
        SHA256,
        Param::TempOut {
            buf: &mut [0u8; 32],
            size: 32,
        },
    );
    checks(&s, BAD_INPUT, Param::None);
}

fn attack(s: &Session, case: u32) -> Result<u32, Error> {
    let mut p = [
        Param::ValueIn { a: case, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(ATTACK, &mut p)?;
    let Param::ValueOut { a, .. } = p[1] else {
        unreachable!()
    };
    Ok(a)
}

/// Play the hostile TA: lengths that wrap or run off the memory they
/// start in, counts whose array size overflows, read-only or kernel
/// addresses, each answered with an error code (the TA lives on); a read
/// through memory that was unmapped kills only that instance.
#[test]
fn hostile_pointers_and_lengths() {
    let w = World::start();
    let s = open(&w);
    let want = [
        (0, ACCESS_DENIED, "length wrapping around"),
        (1, ACCESS_DENIED, "stack buffer claimed 1 GiB"),
        (2, ACCESS_DENIED, "output capacity wrapping"),
        (3, ACCESS_DENIED, "heap block claimed larger"),
        (4, OVERFLOW, "attribute count overflowing"),
        (5, ACCESS_DENIED, "attribute buffer off the stack"),
        (6, ACCESS_DENIED, "writing read-only data"),
        (7, ACCESS_DENIED, "the first page"),
        (8, ACCESS_DENIED, "TA-to-TA memref off the stack"),
        (9, ACCESS_DENIED, "kernel address"),
        (11, OUT_OF_MEMORY, "untracked memory, 1 TiB"),
    ];
    for (case, code, what) in want {
        assert_eq!(attack(&s, case), Ok(code), "case {case}: {what}");
    }
    // Still the same healthy instance.
    checks(&s, BAD_INPUT, Param::None);
    // Another TA's session is not touched by what follows.
    let (other, _) = w
        .ctx()
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    assert_eq!(attack(&s, 10), Err(TARGET_DEAD), "read of unmapped memory");
    assert_eq!(s.invoke(SHA256, &mut []).unwrap_err(), TARGET_DEAD);
    let mut p = [Param::ValueInOut { a: 1, b: 2 }];
    other.invoke(0, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueInOut { a: 2, b: 4 }),
        "{:?}",
        p[0]
    );
    // A new instance works.
    let s = open(&w);
    checks(
        &s,
        SHA256,
        Param::TempOut {
            buf: &mut [0u8; 32],
            size: 32,
        },
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
