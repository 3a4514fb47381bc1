//! The system calls of user TAs at S-EL0: OP-TEE's numbers and argument
//! conventions (`svc #0`, the number in x8, the arguments in x0..x7, the
//! result in x0), served against the TA's own memory.
//!
//! A TA is hostile: every pointer it passes is a user virtual address the
//! kernel checks page by page against the TA's own mappings before it
//! copies (a buffer the kernel writes must be the TA's writable data: a
//! system call never writes the TA's code or read-only data, whatever the
//! kernel's own mapping of those frames allows), every length is bounded
//! and every overflow is an error, never a panic. What is not served yet
//! answers `TEE_ERROR_NOT_SUPPORTED`.
//!
//! Served: `RETURN`, `LOG`, `PANIC`, `CHECK_ACCESS_RIGHTS`, the
//! cancellation flag and mask, `GET_TIME` (system time from the
//! architectural counter; REE time from the normal world), `WAIT` and
//! `CRYP_RANDOM_NUMBER_GENERATE` (the kernel's HMAC_DRBG). A call that
//! needs the normal world is answered [`Outcome::Rpc`]: the platform asks
//! (the TA's registers wait as data, never a stack) and finishes it with
//! [`complete`].

use core::cell::RefCell;
use core::ops::Range;

use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_CANCEL, TEE_ERROR_GENERIC,
    TEE_ERROR_NOT_SUPPORTED, TEE_SUCCESS,
};

use crate::elf::Perm;
use crate::rng::Drbg;

/// OP-TEE's system call numbers (`TEE_SCN_*`).
pub mod scn {
    pub const RETURN: u64 = 0;
    pub const LOG: u64 = 1;
    pub const PANIC: u64 = 2;
    pub const GET_PROPERTY: u64 = 3;
    pub const GET_PROPERTY_NAME_TO_INDEX: u64 = 4;
    pub const OPEN_TA_SESSION: u64 = 5;
    pub const CLOSE_TA_SESSION: u64 = 6;
    pub const INVOKE_TA_COMMAND: u64 = 7;
    pub const CHECK_ACCESS_RIGHTS: u64 = 8;
    pub const GET_CANCELLATION_FLAG: u64 = 9;
    pub const UNMASK_CANCELLATION: u64 = 10;
    pub const MASK_CANCELLATION: u64 = 11;
    pub const WAIT: u64 = 12;
    pub const GET_TIME: u64 = 13;
    pub const SET_TA_TIME: u64 = 14;
    pub const CRYP_RANDOM_NUMBER_GENERATE: u64 = 33;
}

/// `TEE_MEMORY_ACCESS_READ`.
pub const ACCESS_READ: u64 = 0x1;
/// `TEE_MEMORY_ACCESS_WRITE`.
pub const ACCESS_WRITE: u64 = 0x2;
/// `TEE_MEMORY_ACCESS_ANY_OWNER`.
pub const ACCESS_ANY_OWNER: u64 = 0x4;

/// `UTEE_TIME_CAT_SYSTEM`, `_TA_PERSISTENT`, `_REE`.
pub const TIME_SYSTEM: u64 = 0;
pub const TIME_TA_PERSISTENT: u64 = 1;
pub const TIME_REE: u64 = 2;

/// The longest log line a TA may send; longer ones are cut.
pub const MAX_LOG: usize = 256;

/// The kernel's random bytes go to the TA in pieces of this size.
const RANDOM_CHUNK: usize = 256;

const PAGE: u64 = 4096;

/// A TA's address space as the system calls see it.
pub trait UserMemory {
    /// How the TA may access the page at `page` (page aligned): `None`
    /// if it is not the TA's.
    fn perm(&self, page: u64) -> Option<Perm>;
    /// Copy from `va` (already checked readable by the TA).
    fn copy_from(&mut self, va: u64, out: &mut [u8]) -> Result<(), Fault>;
    /// Copy to `va` (already checked writable by the TA).
    fn copy_to(&mut self, va: u64, data: &[u8]) -> Result<(), Fault>;
}

/// A user address the TA may not access as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault;

/// Whether the TA may access `[va, va + len)`: `write` asks for its
/// writable data, otherwise any of its pages. An empty range is allowed.
pub fn check(mem: &dyn UserMemory, va: u64, len: u64, write: bool) -> Result<(), Fault> {
    if len == 0 {
        return Ok(());
    }
    let end = va.checked_add(len).ok_or(Fault)?;
    let mut page = va & !(PAGE - 1);
    while page < end {
        match mem.perm(page) {
            Some(Perm::Rw) => {}
            Some(_) if !write => {}
            _ => return Err(Fault),
        }
        page = match page.checked_add(PAGE) {
            Some(p) => p,
            None => break,
        };
    }
    Ok(())
}

/// Read `out.len()` bytes of the TA's memory at `va`.
pub fn read_user(mem: &mut dyn UserMemory, va: u64, out: &mut [u8]) -> Result<(), Fault> {
    check(mem, va, out.len() as u64, false)?;
    mem.copy_from(va, out)
}

/// Write `data` into the TA's writable memory at `va`.
pub fn write_user(mem: &mut dyn UserMemory, va: u64, data: &[u8]) -> Result<(), Fault> {
    check(mem, va, data.len() as u64, true)?;
    mem.copy_to(va, data)
}

/// The cancellation state of the call in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancellation {
    /// The client asked to cancel.
    pub requested: bool,
    /// The TA masks it (GP: masked when an entry point starts).
    pub masked: bool,
}

impl Default for Cancellation {
    fn default() -> Cancellation {
        Cancellation {
            requested: false,
            masked: true,
        }
    }
}

/// What a system call sees of the kernel and of the call in progress.
pub struct Context<'a> {
    /// The TA's memory.
    pub mem: &'a mut dyn UserMemory,
    /// The kernel's random generator.
    pub rng: &'a RefCell<Drbg>,
    /// The kernel's log, for `LOG` (a line without its end).
    pub log: &'a mut dyn FnMut(&[u8]),
    /// The architectural counter now, and its frequency (Hz).
    pub counter: (u64, u64),
    /// The TA's memory a client shares with it in this call (its memory
    /// references), for `CHECK_ACCESS_RIGHTS` without `ANY_OWNER`.
    pub shared: &'a [Range<u64>],
    /// The call's cancellation state.
    pub cancel: &'a mut Cancellation,
}

/// What the kernel does after a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Resume the TA with this in x0.
    Resume(u64),
    /// The entry point ended with this GP result (`RETURN`).
    Return(u32),
    /// The TA panicked with this code: it is dead.
    Panic(u32),
    /// The normal world must answer first; then [`complete`].
    Rpc(Pending),
}

/// What a system call waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// The REE's time (`GET_TIME` RPC), for the `TEE_Time` at `at`
    /// (checked writable before asking).
    ReeTime { at: u64 },
    /// `TEE_Wait`: `ms` milliseconds ([`WAIT_FOREVER`]: until cancelled),
    /// cut short by a cancellation the TA has unmasked.
    Wait { ms: u32 },
}

/// `TEE_TIMEOUT_INFINITE`.
pub const WAIT_FOREVER: u32 = u32::MAX;

/// What the normal world answered a [`Pending`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Its wall-clock time: seconds, nanoseconds.
    Time(u64, u32),
    /// The wait is over (`Ok`), was cancelled (`TEE_ERROR_CANCEL`) or
    /// could not be made.
    Waited(Result<(), u32>),
    /// The RPC failed with this code.
    Failed(u32),
}

/// Finish a [`Pending`] call with the normal world's answer.
pub fn complete(pending: Pending, answer: Answer, mem: &mut dyn UserMemory) -> Outcome {
    match (pending, answer) {
        (Pending::ReeTime { at }, Answer::Time(secs, nanos)) => {
            let mut t = [0u8; 8];
            // GP's TEE_Time has 32-bit seconds; the millis are below 1000
            // whatever the normal world said.
            t[..4].copy_from_slice(&(secs as u32).to_le_bytes());
            t[4..].copy_from_slice(&((nanos % 1_000_000_000) / 1_000_000).to_le_bytes());
            match write_user(mem, at, &t) {
                Ok(()) => code(TEE_SUCCESS),
                Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
            }
        }
        (Pending::Wait { .. }, Answer::Waited(r)) => code(r.err().unwrap_or(TEE_SUCCESS)),
        (_, Answer::Failed(c)) => code(c),
        // An answer to another question.
        _ => code(TEE_ERROR_GENERIC),
    }
}

fn code(r: u32) -> Outcome {
    Outcome::Resume(u64::from(r))
}

/// Serve system call `num` with arguments `a` (x0..x7).
pub fn syscall(num: u64, a: &[u64; 8], cx: &mut Context<'_>) -> Outcome {
    match num {
        scn::RETURN => Outcome::Return(a[0] as u32),
        scn::PANIC => Outcome::Panic(a[0] as u32),
        scn::LOG => {
            let n = a[1].min(MAX_LOG as u64) as usize;
            let mut line = [0u8; MAX_LOG];
            match read_user(cx.mem, a[0], &mut line[..n]) {
                Ok(()) => {
                    let mut text = &line[..n];
                    while let [rest @ .., b'\n' | b'\r'] = text {
                        text = rest;
                    }
                    (cx.log)(text);
                    code(TEE_SUCCESS)
                }
                Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
            }
        }
        scn::CHECK_ACCESS_RIGHTS => code(check_access_rights(cx, a[0], a[1], a[2])),
        scn::GET_CANCELLATION_FLAG => {
            let set = cx.cancel.requested && !cx.cancel.masked;
            put_u32(cx, a[0], u32::from(set))
        }
        scn::UNMASK_CANCELLATION | scn::MASK_CANCELLATION => {
            let old = cx.cancel.masked;
            let out = put_u32(cx, a[0], u32::from(old));
            if out == code(TEE_SUCCESS) {
                cx.cancel.masked = num == scn::MASK_CANCELLATION;
            }
            out
        }
        scn::GET_TIME => match a[0] {
            TIME_SYSTEM => {
                let (count, freq) = cx.counter;
                if freq == 0 {
                    return code(TEE_ERROR_NOT_SUPPORTED);
                }
                let secs = count / freq;
                let millis = (count % freq) * 1000 / freq;
                let mut t = [0u8; 8];
                t[..4].copy_from_slice(&(secs as u32).to_le_bytes());
                t[4..].copy_from_slice(&(millis as u32).to_le_bytes());
                match write_user(cx.mem, a[1], &t) {
                    Ok(()) => code(TEE_SUCCESS),
                    Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
                }
            }
            TIME_REE => match check(cx.mem, a[1], 8, true) {
                Ok(()) => Outcome::Rpc(Pending::ReeTime { at: a[1] }),
                Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
            },
            // Persistent time needs trusted storage.
            TIME_TA_PERSISTENT => code(TEE_ERROR_NOT_SUPPORTED),
            _ => code(TEE_ERROR_BAD_PARAMETERS),
        },
        scn::WAIT => {
            if cx.cancel.requested && !cx.cancel.masked {
                return code(TEE_ERROR_CANCEL);
            }
            match u32::try_from(a[0]) {
                Ok(0) => code(TEE_SUCCESS),
                Ok(ms) => Outcome::Rpc(Pending::Wait { ms }),
                Err(_) => code(TEE_ERROR_BAD_PARAMETERS),
            }
        }
        scn::CRYP_RANDOM_NUMBER_GENERATE => {
            let (va, len) = (a[0], a[1]);
            if check(cx.mem, va, len, true).is_err() {
                return code(TEE_ERROR_ACCESS_DENIED);
            }
            let mut buf = [0u8; RANDOM_CHUNK];
            let mut done = 0u64;
            while done < len {
                let n = (len - done).min(RANDOM_CHUNK as u64) as usize;
                cx.rng.borrow_mut().generate(&mut buf[..n]);
                if cx.mem.copy_to(va + done, &buf[..n]).is_err() {
                    return code(TEE_ERROR_ACCESS_DENIED);
                }
                done += n as u64;
            }
            buf.fill(0);
            code(TEE_SUCCESS)
        }
        _ => code(TEE_ERROR_NOT_SUPPORTED),
    }
}

/// `_utee_check_access_rights(flags, buf, len)`: every page of the range
/// is the TA's, writable if `WRITE` is asked; without `ANY_OWNER` none of
/// it may be memory a client shares in this call.
fn check_access_rights(cx: &Context<'_>, flags: u64, va: u64, len: u64) -> u32 {
    if flags & !(ACCESS_READ | ACCESS_WRITE | ACCESS_ANY_OWNER) != 0 {
        return TEE_ERROR_BAD_PARAMETERS;
    }
    if len == 0 {
        return TEE_SUCCESS;
    }
    let Some(end) = va.checked_add(len) else {
        return TEE_ERROR_ACCESS_DENIED;
    };
    if check(cx.mem, va, len, flags & ACCESS_WRITE != 0).is_err() {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if flags & ACCESS_ANY_OWNER == 0 && cx.shared.iter().any(|s| s.start < end && va < s.end) {
        return TEE_ERROR_ACCESS_DENIED;
    }
    TEE_SUCCESS
}

fn put_u32(cx: &mut Context<'_>, va: u64, v: u32) -> Outcome {
    match write_user(cx.mem, va, &v.to_le_bytes()) {
        Ok(()) => code(TEE_SUCCESS),
        Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec;
    use alloc::vec::Vec;

    /// A TA's memory: code at 0x1000, rodata at 0x2000, data at
    /// 0x3000..0x5000, a hole at 0x5000, data again at 0x6000; shared
    /// memory at 0x10000..0x12000.
    struct Space(BTreeMap<u64, (Perm, Vec<u8>)>);

    fn space() -> Space {
        let mut m = BTreeMap::new();
        for (va, p) in [
            (0x1000, Perm::Rx),
            (0x2000, Perm::R),
            (0x3000, Perm::Rw),
            (0x4000, Perm::Rw),
            (0x6000, Perm::Rw),
            (0x10000, Perm::Rw),
            (0x11000, Perm::Rw),
        ] {
            m.insert(va, (p, vec![0xAAu8; 4096]));
        }
        m.insert(0xFFFF_FFFF_FFFF_F000, (Perm::Rw, vec![0; 4096]));
        Space(m)
    }

    impl UserMemory for Space {
        fn perm(&self, page: u64) -> Option<Perm> {
            self.0.get(&page).map(|p| p.0)
        }
        fn copy_from(&mut self, va: u64, out: &mut [u8]) -> Result<(), Fault> {
            for (i, b) in out.iter_mut().enumerate() {
                let at = va + i as u64;
                let (_, page) = self.0.get(&(at & !4095)).ok_or(Fault)?;
                *b = page[(at & 4095) as usize];
            }
            Ok(())
        }
        fn copy_to(&mut self, va: u64, data: &[u8]) -> Result<(), Fault> {
            for (i, b) in data.iter().enumerate() {
                let at = va + i as u64;
                let (_, page) = self.0.get_mut(&(at & !4095)).ok_or(Fault)?;
                page[(at & 4095) as usize] = *b;
            }
            Ok(())
        }
    }

    struct Run {
        mem: Space,
        rng: RefCell<Drbg>,
        logged: Vec<Vec<u8>>,
        cancel: Cancellation,
    }

    impl Run {
        fn new() -> Run {
            Run {
                mem: space(),
                rng: RefCell::new(Drbg::new(&[7; 32], &[], &[])),
                logged: Vec::new(),
                cancel: Cancellation::default(),
            }
        }
        fn call(&mut self, num: u64, args: &[u64]) -> Outcome {
            let mut a = [0u64; 8];
            a[..args.len()].copy_from_slice(args);
            let logged = &mut self.logged;
            let mut log = |l: &[u8]| logged.push(l.to_vec());
            let shared = [0x10000..0x10100, 0x20000..0x20000];
            let mut cx = Context {
                mem: &mut self.mem,
                rng: &self.rng,
                log: &mut log,
                counter: (62_500_000 * 7 + 31_250_000, 62_500_000),
                shared: &shared,
                cancel: &mut self.cancel,
            };
            syscall(num, &a, &mut cx)
        }
        fn byte(&self, va: u64) -> u8 {
            self.mem.0[&(va & !4095)].1[(va & 4095) as usize]
        }
    }

    const OK: Outcome = Outcome::Resume(TEE_SUCCESS as u64);
    const DENIED: Outcome = Outcome::Resume(TEE_ERROR_ACCESS_DENIED as u64);

    #[test]
    fn return_and_panic_end_the_call() {
        let mut r = Run::new();
        assert_eq!(
            r.call(scn::RETURN, &[0xFFFF_0010]),
            Outcome::Return(0xFFFF_0010)
        );
        assert_eq!(r.call(scn::PANIC, &[0x1234]), Outcome::Panic(0x1234));
    }

    #[test]
    fn log_reads_the_tas_memory_and_cuts_long_lines() {
        let mut r = Run::new();
        r.mem.copy_to(0x3000, b"hello\n").unwrap();
        assert_eq!(r.call(scn::LOG, &[0x3000, 6]), OK);
        assert_eq!(r.logged, [b"hello".to_vec()]);
        // Code and read-only data may be logged (they are the TA's).
        assert_eq!(r.call(scn::LOG, &[0x1ff0, 0x20]), OK);
        // A huge length is cut to MAX_LOG.
        assert_eq!(r.call(scn::LOG, &[0x3000, u64::MAX]), OK);
        assert_eq!(r.logged[2].len(), MAX_LOG);
        // Not the TA's: a hole, past the end of the space, the kernel.
        for (va, len) in [
            (0x4f80, 0x100),
            (0xFFFF_FFFF_FFFF_FFF0, 0x20),
            (0x0e10_0000, 8),
        ] {
            assert_eq!(r.call(scn::LOG, &[va, len]), DENIED);
        }
        assert_eq!(r.logged.len(), 3);
    }

    #[test]
    fn access_rights_follow_the_pages_and_the_calls_shared_memory() {
        let mut r = Run::new();
        let (rd, wr, any) = (ACCESS_READ, ACCESS_WRITE, ACCESS_ANY_OWNER);
        let cases: &[(u64, u64, u64, u32)] = &[
            (rd, 0x3000, 0x2000, TEE_SUCCESS),
            (rd | wr, 0x3000, 0x2000, TEE_SUCCESS),
            (rd, 0x1000, 0x2000, TEE_SUCCESS),
            (wr, 0x1000, 1, TEE_ERROR_ACCESS_DENIED),
            (wr, 0x2fff, 2, TEE_ERROR_ACCESS_DENIED),
            (rd, 0x4fff, 2, TEE_ERROR_ACCESS_DENIED),
            (rd, 0x5000, 1, TEE_ERROR_ACCESS_DENIED),
            (rd, 0, 1, TEE_ERROR_ACCESS_DENIED),
            (rd, u64::MAX, 2, TEE_ERROR_ACCESS_DENIED),
            (rd, 0x5000, 0, TEE_SUCCESS),
            // The client's memory: only with ANY_OWNER.
            (rd, 0x10000, 4, TEE_ERROR_ACCESS_DENIED),
            (rd, 0x100ff, 4, TEE_ERROR_ACCESS_DENIED),
            (rd | any, 0x10000, 4, TEE_SUCCESS),
            (rd, 0x10100, 4, TEE_SUCCESS),
            (0x8, 0x3000, 4, TEE_ERROR_BAD_PARAMETERS),
        ];
        for &(flags, va, len, want) in cases {
            assert_eq!(
                r.call(scn::CHECK_ACCESS_RIGHTS, &[flags, va, len]),
                Outcome::Resume(want.into()),
                "flags {flags:#x} at {va:#x} len {len:#x}"
            );
        }
    }

    #[test]
    fn random_fills_only_writable_memory() {
        let mut r = Run::new();
        assert_eq!(
            r.call(scn::CRYP_RANDOM_NUMBER_GENERATE, &[0x3100, 1000]),
            OK
        );
        let got: Vec<u8> = (0x3100..0x3100 + 1000).map(|va| r.byte(va)).collect();
        assert!(got.iter().filter(|b| **b == 0xAA).count() < 20);
        assert_eq!(r.byte(0x3100 + 1000), 0xAA, "not one byte more");
        // Two calls differ.
        assert_eq!(r.call(scn::CRYP_RANDOM_NUMBER_GENERATE, &[0x3100, 32]), OK);
        assert_ne!(
            got[..32],
            (0x3100..0x3120).map(|va| r.byte(va)).collect::<Vec<_>>()[..]
        );
        // Never into code or read-only data, a hole, or across the end.
        for (va, len) in [(0x1000, 16), (0x2ff0, 32), (0x4ff0, 32), (u64::MAX - 8, 16)] {
            assert_eq!(r.call(scn::CRYP_RANDOM_NUMBER_GENERATE, &[va, len]), DENIED);
        }
        assert!((0x1000..0x3000).all(|va| r.byte(va) == 0xAA));
        assert_eq!(r.call(scn::CRYP_RANDOM_NUMBER_GENERATE, &[0, 0]), OK);
    }

    #[test]
    fn system_time_comes_from_the_counter() {
        let mut r = Run::new();
        assert_eq!(r.call(scn::GET_TIME, &[TIME_SYSTEM, 0x3008]), OK);
        let mut t = [0u8; 8];
        r.mem.copy_from(0x3008, &mut t).unwrap();
        assert_eq!(u32::from_le_bytes(t[..4].try_into().unwrap()), 7);
        assert_eq!(u32::from_le_bytes(t[4..].try_into().unwrap()), 500);
        assert_eq!(r.call(scn::GET_TIME, &[TIME_SYSTEM, 0x2000]), DENIED);
        assert_eq!(
            r.call(scn::GET_TIME, &[9, 0x3008]),
            Outcome::Resume(TEE_ERROR_BAD_PARAMETERS.into())
        );
        assert_eq!(
            r.call(scn::GET_TIME, &[TIME_TA_PERSISTENT, 0x3008]),
            Outcome::Resume(TEE_ERROR_NOT_SUPPORTED.into())
        );
    }

    #[test]
    fn ree_time_asks_the_normal_world_for_a_writable_place_only() {
        let mut r = Run::new();
        // Read-only or straddling a hole: refused before anything is asked.
        for at in [0x2000, 0x4ffc, u64::MAX - 3] {
            assert_eq!(r.call(scn::GET_TIME, &[TIME_REE, at]), DENIED);
        }
        let p = r.call(scn::GET_TIME, &[TIME_REE, 0x3010]);
        let Outcome::Rpc(pending) = p else {
            panic!("{p:?}")
        };
        assert_eq!(pending, Pending::ReeTime { at: 0x3010 });
        // The answer lands there; millis below 1000 whatever was said.
        let done = complete(
            pending,
            Answer::Time(0x1_2345_6789, 4_123_456_789),
            &mut r.mem,
        );
        assert_eq!(done, OK);
        let mut t = [0u8; 8];
        r.mem.copy_from(0x3010, &mut t).unwrap();
        assert_eq!(u32::from_le_bytes(t[..4].try_into().unwrap()), 0x2345_6789);
        assert_eq!(u32::from_le_bytes(t[4..].try_into().unwrap()), 123);
        // A failed RPC is the TA's error; a mismatched answer GENERIC.
        assert_eq!(
            complete(pending, Answer::Failed(0xFFFF_3024), &mut r.mem),
            Outcome::Resume(0xFFFF_3024)
        );
        assert_eq!(
            complete(pending, Answer::Waited(Ok(())), &mut r.mem),
            Outcome::Resume(TEE_ERROR_GENERIC.into())
        );
    }

    #[test]
    fn wait_asks_the_normal_world_unless_cancelled_or_zero() {
        let mut r = Run::new();
        assert_eq!(r.call(scn::WAIT, &[0]), OK);
        assert_eq!(
            r.call(scn::WAIT, &[1 << 32]),
            Outcome::Resume(TEE_ERROR_BAD_PARAMETERS.into())
        );
        assert_eq!(
            r.call(scn::WAIT, &[250]),
            Outcome::Rpc(Pending::Wait { ms: 250 })
        );
        assert_eq!(
            r.call(scn::WAIT, &[u64::from(WAIT_FOREVER)]),
            Outcome::Rpc(Pending::Wait { ms: WAIT_FOREVER })
        );
        // A cancellation counts only once unmasked.
        r.cancel.requested = true;
        assert_eq!(
            r.call(scn::WAIT, &[250]),
            Outcome::Rpc(Pending::Wait { ms: 250 })
        );
        r.cancel.masked = false;
        assert_eq!(
            r.call(scn::WAIT, &[250]),
            Outcome::Resume(TEE_ERROR_CANCEL.into())
        );
        let w = Pending::Wait { ms: 5 };
        assert_eq!(complete(w, Answer::Waited(Ok(())), &mut r.mem), OK);
        assert_eq!(
            complete(w, Answer::Waited(Err(TEE_ERROR_CANCEL)), &mut r.mem),
            Outcome::Resume(TEE_ERROR_CANCEL.into())
        );
    }

    #[test]
    fn cancellation_is_masked_until_the_ta_unmasks_it() {
        let mut r = Run::new();
        r.cancel.requested = true;
        let flag = |r: &mut Run| {
            assert_eq!(r.call(scn::GET_CANCELLATION_FLAG, &[0x3000]), OK);
            r.byte(0x3000)
        };
        assert_eq!(flag(&mut r), 0);
        assert_eq!(r.call(scn::UNMASK_CANCELLATION, &[0x3004]), OK);
        assert_eq!(r.byte(0x3004), 1, "it was masked");
        assert_eq!(flag(&mut r), 1);
        assert_eq!(r.call(scn::MASK_CANCELLATION, &[0x3004]), OK);
        assert_eq!(r.byte(0x3004), 0, "it was unmasked");
        assert_eq!(flag(&mut r), 0);
        // The answer cannot go into read-only memory; nothing changes.
        assert_eq!(r.call(scn::UNMASK_CANCELLATION, &[0x2000]), DENIED);
        assert!(r.cancel.masked);
    }

    #[test]
    fn unknown_calls_are_not_supported() {
        let mut r = Run::new();
        for n in [scn::GET_PROPERTY, scn::OPEN_TA_SESSION, 70, u64::MAX] {
            assert_eq!(
                r.call(n, &[0x3000, 1, 2, 3]),
                Outcome::Resume(TEE_ERROR_NOT_SUPPORTED.into())
            );
        }
    }
}
