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
//! Served: `RETURN`, `LOG`, `PANIC`, `CHECK_ACCESS_RIGHTS`, the TA-to-TA
//! calls ([`crate::ta2ta`]), the
//! cancellation flag and mask, `GET_TIME` (system time from the
//! architectural counter; REE time from the normal world; the TA's
//! persistent time) and `SET_TA_TIME`, `WAIT` and
//! `CRYP_RANDOM_NUMBER_GENERATE` (the kernel's HMAC_DRBG), and oxtee's
//! cryptographic calls ([`crate::cryp`]). A call that
//! needs the normal world is answered [`Outcome::Rpc`]: the platform asks
//! (the TA's registers wait as data, never a stack) and finishes it with
//! [`complete`].

use core::cell::RefCell;
use core::ops::Range;

use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_FORMAT, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_BAD_STATE,
    TEE_ERROR_CANCEL, TEE_ERROR_GENERIC, TEE_ERROR_ITEM_NOT_FOUND, TEE_ERROR_NOT_SUPPORTED,
    TEE_ERROR_OUT_OF_MEMORY, TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

use alloc::string::String;
use alloc::vec::Vec;
use oxtee_core::ptime;
use oxtee_proto::{PropValue, Property};

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
    /// oxtee's own (beyond OP-TEE's numbers): a property's value as text
    /// (`TEE_GetPropertyAsString`), converted as the host tier converts.
    pub const OXTEE_PROPERTY_TEXT: u64 = 0x1000;
    /// oxtee's own: the TA's extra properties (its `ta_props` table), once,
    /// before its first entry point.
    pub const OXTEE_REGISTER_PROPS: u64 = 0x1001;
}

/// `TEE_PROPSET_CURRENT_TA`, `_CURRENT_CLIENT`, `_TEE_IMPLEMENTATION`.
pub const PROPSET_CURRENT_TA: u64 = 0xFFFF_FFFF;
pub const PROPSET_CURRENT_CLIENT: u64 = 0xFFFF_FFFE;
pub const PROPSET_IMPLEMENTATION: u64 = 0xFFFF_FFFD;

/// `USER_TA_PROP_TYPE_*` and the value bytes a TA gets (shared with the TA runtime).
pub use oxtee_proto::tee_layout::{encode, from_tee_uuid, prop_type};

/// The longest property name a TA may ask for.
pub const MAX_PROP_NAME: usize = 256;
/// The largest extra-property table a TA may register, and its entries.
pub const MAX_PROP_TABLE: usize = 16 << 10;
pub const MAX_PROPS: usize = 128;

/// The property sets of an instance (the client's set is the call's).
#[derive(Debug, Clone, Default)]
pub struct Props {
    /// The current TA's: from its verified header, then its own table.
    pub ta: Vec<Property>,
    /// The implementation's.
    pub tee: alloc::rc::Rc<[Property]>,
    /// Whether the TA registered its table.
    pub registered: bool,
}

/// A property table that does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadTable;

/// The TA's extra-property table as it registers it: entries of
/// `type: u32, name_len: u32, value_len: u32` (little-endian), the name
/// (UTF-8, no NUL), the value (as [`encode`] gives it, but a binary block
/// as its Base64 text, decoded here as OP-TEE decodes it). Entries of an
/// unknown type or with a value of the wrong size are skipped (the host
/// tier skips them too); a table that does not parse is refused.
pub fn decode_table(mut b: &[u8]) -> Result<Vec<Property>, BadTable> {
    let mut out = Vec::new();
    while !b.is_empty() {
        if out.len() >= MAX_PROPS || b.len() < 12 {
            return Err(BadTable);
        }
        let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize;
        let (kind, nlen, vlen) = (word(0) as u32, word(4), word(8));
        if nlen == 0 || nlen > MAX_PROP_NAME || vlen > MAX_PROP_TABLE {
            return Err(BadTable);
        }
        let total = 12 + nlen + vlen;
        if b.len() < total {
            return Err(BadTable);
        }
        let name = core::str::from_utf8(&b[12..12 + nlen]).map_err(|_| BadTable)?;
        let v = &b[12 + nlen..total];
        // A binary block is its Base64 text in the table (OP-TEE decodes it).
        let value = if kind == prop_type::BINARY_BLOCK {
            Some(PropValue::Binary(oxtee_proto::unbase64_lenient(
                &String::from_utf8_lossy(v),
            )))
        } else {
            oxtee_proto::tee_layout::decode(kind, v)
        };
        if let Some(value) = value {
            out.push(Property {
                name: name.into(),
                value,
            });
        }
        b = &b[total..];
    }
    Ok(out)
}

/// `TEE_MEMORY_ACCESS_READ`.
pub const ACCESS_READ: u64 = 0x1;
/// `TEE_MEMORY_ACCESS_WRITE`.
pub const ACCESS_WRITE: u64 = 0x2;
/// `TEE_MEMORY_ACCESS_ANY_OWNER`.
pub const ACCESS_ANY_OWNER: u64 = 0x4;
/// OP-TEE's `TEE_MEMORY_ACCESS_NONSECURE`: all of it shared by the client.
pub const ACCESS_NONSECURE: u64 = 0x1000_0000;
/// OP-TEE's `TEE_MEMORY_ACCESS_SECURE`: none of it shared by the client.
pub const ACCESS_SECURE: u64 = 0x2000_0000;

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
    /// Give `f` the bytes `[va, va + len)` (already checked readable by
    /// the TA) in consecutive pieces, until it answers `false`. A space
    /// that can lend its pages does so (no copy: digests and MACs read
    /// the TA's memory in place, as OP-TEE's do); by default each piece
    /// is copied out first.
    fn read_in_place(
        &mut self,
        va: u64,
        len: u64,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<(), Fault> {
        let mut buf = [0u8; 512];
        let mut done = 0u64;
        while done < len {
            let k = (len - done).min(buf.len() as u64) as usize;
            self.copy_from(va.checked_add(done).ok_or(Fault)?, &mut buf[..k])?;
            if !f(&buf[..k]) {
                break;
            }
            done += k as u64;
        }
        Ok(())
    }
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
    /// The TA masks it (masked when its session opens; the kernel keeps a
    /// session's mask from call to call, as OP-TEE does).
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
    /// Bit `i`: `shared[i]` is an input, which the TA may read only (its
    /// window page is writable, but `CHECK_ACCESS_RIGHTS` says what the
    /// client allowed).
    pub shared_inputs: u8,
    /// Where the kernel maps memory references: what of it is no call's
    /// memref is nobody's (`CHECK_ACCESS_RIGHTS` refuses it).
    pub window: Range<u64>,
    /// The call's cancellation state.
    pub cancel: &'a mut Cancellation,
    /// The instance's property sets.
    pub props: &'a mut Props,
    /// The current client's set (this call's session).
    pub client: &'a [Property],
    /// The instance's cryptographic operations and objects.
    pub crypto: &'a mut crate::cryp::Crypto,
    /// The TA's persistent time (shared by the instances of its UUID):
    /// where it was set, on the secure counter.
    pub ta_time: &'a core::cell::Cell<Option<ptime::Anchor>>,
}

/// What the kernel does after a system call.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    /// The REE's time (`GET_TIME` RPC), for the `TEE_Time` at `at`
    /// (checked writable before asking).
    ReeTime { at: u64 },
    /// `TEE_Wait`: `ms` milliseconds ([`WAIT_FOREVER`]: until cancelled),
    /// cut short by a cancellation the TA has unmasked.
    Wait { ms: u32 },
    /// A trusted storage request ([`crate::tee_storage`]).
    Storage(alloc::boxed::Box<crate::tee_storage::Job>),
    /// A TA-to-TA call ([`crate::ta2ta`]).
    Ta(alloc::boxed::Box<crate::ta2ta::TaCall>),
}

/// `TEE_TIMEOUT_INFINITE`.
pub const WAIT_FOREVER: u32 = u32::MAX;

/// What the normal world answered a [`Pending`] call.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Its wall-clock time: seconds, nanoseconds.
    Time(u64, u32),
    /// The wait is over (`Ok`), was cancelled (`TEE_ERROR_CANCEL`) or
    /// could not be made.
    Waited(Result<(), u32>),
    /// The RPC failed with this code.
    Failed(u32),
    /// The store's answer to a [`Pending::Storage`] job.
    Storage(alloc::boxed::Box<crate::tee_storage::Done>),
    /// The callee's answer to a [`Pending::Ta`] call.
    Ta(alloc::boxed::Box<crate::rpc::TaAnswer>),
}

/// Finish a [`Pending`] call with the normal world's answer (`crypto`:
/// the instance's object table, which a storage answer may change).
pub fn complete(
    pending: &Pending,
    answer: Answer,
    mem: &mut dyn UserMemory,
    crypto: &mut crate::cryp::Crypto,
) -> Outcome {
    match (pending, answer) {
        (Pending::Storage(job), Answer::Storage(done)) => {
            crate::tee_storage::complete(job, *done, mem, crypto)
        }
        (Pending::Ta(call), Answer::Ta(ans)) => crate::ta2ta::complete(call, *ans, mem),
        (&Pending::ReeTime { at }, Answer::Time(secs, nanos)) => {
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
        scn::OPEN_TA_SESSION => crate::ta2ta::open(a, cx),
        scn::INVOKE_TA_COMMAND => crate::ta2ta::invoke(a, cx),
        scn::CLOSE_TA_SESSION => crate::ta2ta::close(a, cx),
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
            TIME_TA_PERSISTENT => {
                // GP writes the time with OVERFLOW too (modulo 2^32 s).
                let (r, (secs, millis)) = match ptime::get(cx.ta_time.get(), millis_now(cx)) {
                    Ok(t) => (TEE_SUCCESS, t),
                    Err(e) => e,
                };
                let mut t = [0u8; 8];
                t[..4].copy_from_slice(&secs.to_le_bytes());
                t[4..].copy_from_slice(&millis.to_le_bytes());
                match write_user(cx.mem, a[1], &t) {
                    Ok(()) => code(r),
                    Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
                }
            }
            _ => code(TEE_ERROR_BAD_PARAMETERS),
        },
        scn::SET_TA_TIME => {
            let mut t = [0u8; 8];
            if read_user(cx.mem, a[0], &mut t).is_err() {
                return code(TEE_ERROR_ACCESS_DENIED);
            }
            let secs = u32::from_le_bytes([t[0], t[1], t[2], t[3]]);
            let millis = u32::from_le_bytes([t[4], t[5], t[6], t[7]]);
            match ptime::set(secs, millis, millis_now(cx)) {
                Ok(anchor) => {
                    cx.ta_time.set(Some(anchor));
                    code(TEE_SUCCESS)
                }
                Err(e) => code(e),
            }
        }
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
        scn::GET_PROPERTY_NAME_TO_INDEX => code(name_to_index(cx, a[0], a[1], a[2], a[3])),
        scn::GET_PROPERTY => code(get_property(cx, a)),
        scn::OXTEE_PROPERTY_TEXT => code(property_text(cx, a[0], a[1], a[2], a[3])),
        scn::OXTEE_REGISTER_PROPS => code(register_props(cx, a[0], a[1])),
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
        n if crate::cryp::num::is_cryp(n) => crate::cryp::syscall(n, a, cx),
        n if crate::tee_storage::num::is_storage(n) => crate::tee_storage::syscall(n, a, cx),
        _ => code(TEE_ERROR_NOT_SUPPORTED),
    }
}

/// The secure counter in milliseconds: what a TA's persistent time runs
/// on here (as OP-TEE's, it counts from when the TA set it, with the
/// secure world's clock the normal world cannot move, and is not kept
/// across a reboot).
fn millis_now(cx: &Context<'_>) -> u64 {
    let (count, freq) = cx.counter;
    if freq == 0 {
        return 0;
    }
    (u128::from(count) * 1000 / u128::from(freq)) as u64
}

/// `_utee_check_access_rights(flags, buf, len)`: every page of the range
/// is the TA's, writable if `WRITE` is asked; without `ANY_OWNER`, or
/// with `SECURE`, none of it may be memory a client shares in this call;
/// with `NONSECURE` all of it must be (the host tier's rules).
fn check_access_rights(cx: &Context<'_>, flags: u64, va: u64, len: u64) -> u32 {
    let known = ACCESS_READ | ACCESS_WRITE | ACCESS_ANY_OWNER | ACCESS_NONSECURE | ACCESS_SECURE;
    if flags & !known != 0 {
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
    let overlaps = |s: &Range<u64>| s.start < end && va < s.end;
    let touches_shared = cx.shared.iter().any(overlaps);
    let writes_input = cx
        .shared
        .iter()
        .enumerate()
        .any(|(i, s)| cx.shared_inputs & (1 << i) != 0 && overlaps(s));
    if flags & ACCESS_WRITE != 0 && writes_input {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if overlaps(&cx.window) && !covered(cx.shared, va.max(cx.window.start), end.min(cx.window.end))
    {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if touches_shared && (flags & ACCESS_ANY_OWNER == 0 || flags & ACCESS_SECURE != 0) {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if flags & ACCESS_NONSECURE != 0 && !covered(cx.shared, va, end) {
        return TEE_ERROR_ACCESS_DENIED;
    }
    TEE_SUCCESS
}

/// Whether `start..end` lies, without a gap, in the union of `ranges`.
fn covered(ranges: &[Range<u64>], start: u64, end: u64) -> bool {
    let mut at = start;
    while at < end {
        match ranges
            .iter()
            .filter(|r| r.start <= at && at < r.end)
            .map(|r| r.end)
            .max()
        {
            Some(next) => at = next,
            None => return false,
        }
    }
    true
}

/// The set a TA names (a pseudo-handle).
fn set<'c>(cx: &'c Context<'_>, handle: u64) -> Option<&'c [Property]> {
    match handle {
        PROPSET_CURRENT_TA => Some(&cx.props.ta),
        PROPSET_CURRENT_CLIENT => Some(cx.client),
        PROPSET_IMPLEMENTATION => Some(&cx.props.tee),
        _ => None,
    }
}

/// `_utee_get_property_name_to_index(set, name, name_len, index*)`: the
/// name's position in the set (a terminating NUL in the length is
/// allowed).
fn name_to_index(cx: &mut Context<'_>, handle: u64, name: u64, len: u64, out: u64) -> u32 {
    let Ok(len) = usize::try_from(len) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    if len > MAX_PROP_NAME + 1 {
        return TEE_ERROR_ITEM_NOT_FOUND;
    }
    let mut buf = [0u8; MAX_PROP_NAME + 1];
    if read_user(cx.mem, name, &mut buf[..len]).is_err() {
        return TEE_ERROR_ACCESS_DENIED;
    }
    let mut want = &buf[..len];
    if let [rest @ .., 0] = want {
        want = rest;
    }
    let Some(props) = set(cx, handle) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let Some(i) = props.iter().position(|p| p.name.as_bytes() == want) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    put_u32(cx, out, i as u32).into_code()
}

/// Bytes into a TA buffer of the capacity `*len_at` says, GP style: the
/// size needed goes back in `*len_at`; `Ok(false)` if it was too short
/// (nothing written then).
fn put_sized(cx: &mut Context<'_>, buf: u64, len_at: u64, bytes: &[u8]) -> Result<bool, u32> {
    let mut cap = [0u8; 4];
    read_user(cx.mem, len_at, &mut cap).map_err(|_| TEE_ERROR_ACCESS_DENIED)?;
    let need = u32::try_from(bytes.len()).map_err(|_| TEE_ERROR_GENERIC)?;
    write_user(cx.mem, len_at, &need.to_le_bytes()).map_err(|_| TEE_ERROR_ACCESS_DENIED)?;
    if u32::from_le_bytes(cap) < need {
        return Ok(false);
    }
    write_user(cx.mem, buf, bytes).map_err(|_| TEE_ERROR_ACCESS_DENIED)?;
    Ok(true)
}

/// `_utee_get_property(set, index, name, name_len*, buf, blen*, type*)`:
/// the property's name (NUL-terminated) and value ([`encode`]), each with
/// GP's size feedback, and its type; NULL pointers skip a part.
fn get_property(cx: &mut Context<'_>, a: &[u64; 8]) -> u32 {
    let (handle, index, name, name_len, buf, blen, kind) =
        (a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    let Some(props) = set(cx, handle) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let Some(p) = usize::try_from(index).ok().and_then(|i| props.get(i)) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    let mut text = p.name.as_bytes().to_vec();
    text.push(0);
    let (t, value) = encode(&p.value);
    let mut fits = true;
    if name != 0 {
        match put_sized(cx, name, name_len, &text) {
            Ok(f) => fits &= f,
            Err(e) => return e,
        }
    }
    if blen != 0 {
        match put_sized(cx, buf, blen, &value) {
            Ok(f) => fits &= f,
            Err(e) => return e,
        }
    }
    if kind != 0 && write_user(cx.mem, kind, &t.to_le_bytes()).is_err() {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if fits {
        TEE_SUCCESS
    } else {
        TEE_ERROR_SHORT_BUFFER
    }
}

/// oxtee's `PROPERTY_TEXT(set, index, buf, blen*)`: the value's text
/// form, NUL-terminated, with GP's size feedback.
fn property_text(cx: &mut Context<'_>, handle: u64, index: u64, buf: u64, blen: u64) -> u32 {
    let Some(props) = set(cx, handle) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let Some(p) = usize::try_from(index).ok().and_then(|i| props.get(i)) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    let mut text = p.value.to_text().into_bytes();
    text.push(0);
    match put_sized(cx, buf, blen, &text) {
        Ok(true) => TEE_SUCCESS,
        Ok(false) => TEE_ERROR_SHORT_BUFFER,
        Err(e) => e,
    }
}

/// oxtee's `REGISTER_PROPS(table, len)`: once per instance.
fn register_props(cx: &mut Context<'_>, table: u64, len: u64) -> u32 {
    if cx.props.registered {
        return TEE_ERROR_BAD_STATE;
    }
    let Some(len) = usize::try_from(len).ok().filter(|&l| l <= MAX_PROP_TABLE) else {
        return TEE_ERROR_OUT_OF_MEMORY;
    };
    let mut b = alloc::vec![0u8; len];
    if read_user(cx.mem, table, &mut b).is_err() {
        return TEE_ERROR_ACCESS_DENIED;
    }
    let Ok(extra) = decode_table(&b) else {
        return TEE_ERROR_BAD_FORMAT;
    };
    cx.props.registered = true;
    let ta = core::mem::take(&mut cx.props.ta);
    cx.props.ta = oxtee_core::props::merge(ta, extra);
    TEE_SUCCESS
}

impl Outcome {
    fn into_code(self) -> u32 {
        match self {
            Outcome::Resume(x) => x as u32,
            _ => TEE_ERROR_GENERIC,
        }
    }
}

fn put_u32(cx: &mut Context<'_>, va: u64, v: u32) -> Outcome {
    match write_user(cx.mem, va, &v.to_le_bytes()) {
        Ok(()) => code(TEE_SUCCESS),
        Err(Fault) => code(TEE_ERROR_ACCESS_DENIED),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec;
    use alloc::vec::Vec;
    use oxtee_proto::{Identity, Uuid};

    /// A TA's memory: code at 0x1000, rodata at 0x2000, data at
    /// 0x3000..0x5000, a hole at 0x5000, data again at 0x6000; shared
    /// memory at 0x10000..0x12000.
    pub(crate) struct Space(pub(crate) BTreeMap<u64, (Perm, Vec<u8>)>);

    impl Space {
        /// Map `pages` more pages at `va` (filled with 0xAA).
        pub(crate) fn map(&mut self, va: u64, pages: u64, p: Perm) {
            for i in 0..pages {
                self.0.insert(va + i * 4096, (p, vec![0xAAu8; 4096]));
            }
        }
    }

    pub(crate) fn space() -> Space {
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

    pub(crate) struct Run {
        pub(crate) mem: Space,
        rng: RefCell<Drbg>,
        pub(crate) crypto: crate::cryp::Crypto,
        ta_time: core::cell::Cell<Option<ptime::Anchor>>,
        pub(crate) counter: (u64, u64),
        logged: Vec<Vec<u8>>,
        cancel: Cancellation,
        props: Props,
        client: Vec<Property>,
    }

    fn prop(name: &str, value: PropValue) -> Property {
        Property {
            name: name.into(),
            value,
        }
    }

    impl Run {
        pub(crate) fn new() -> Run {
            Run {
                mem: space(),
                rng: RefCell::new(Drbg::new(&[7; 32], &[], &[])),
                crypto: crate::cryp::Crypto::new(),
                ta_time: core::cell::Cell::new(None),
                counter: (62_500_000 * 7 + 31_250_000, 62_500_000),
                logged: Vec::new(),
                cancel: Cancellation::default(),
                props: Props {
                    ta: alloc::vec![
                        prop("gpd.ta.singleInstance", PropValue::Bool(true)),
                        prop("gpd.ta.dataSize", PropValue::U32(0x8000)),
                        prop("gpd.ta.version", PropValue::String(String::new())),
                    ],
                    tee: alloc::vec![
                        prop("gpd.tee.apiversion", PropValue::String("1.3.1".into())),
                        prop(
                            "gpd.tee.deviceID",
                            PropValue::Uuid(Uuid([
                                0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 9, 10, 11, 12, 13,
                                14, 15, 16
                            ]))
                        ),
                        prop("gpd.tee.bin", PropValue::Binary(b"foo".to_vec())),
                    ]
                    .into(),
                    registered: false,
                },
                client: oxtee_core::props::current_client(&Identity {
                    login: 0xF000_0000,
                    uuid: Uuid::NIL,
                }),
            }
        }
        pub(crate) fn call(&mut self, num: u64, args: &[u64]) -> Outcome {
            let mut a = [0u64; 8];
            a[..args.len()].copy_from_slice(args);
            let logged = &mut self.logged;
            let mut log = |l: &[u8]| logged.push(l.to_vec());
            let shared = [0x10000..0x10100, 0x20000..0x20000];
            let mut cx = Context {
                mem: &mut self.mem,
                rng: &self.rng,
                log: &mut log,
                counter: self.counter,
                shared: &shared,
                shared_inputs: 0b01,
                window: 0x10000..0x12000,
                cancel: &mut self.cancel,
                props: &mut self.props,
                client: &self.client,
                crypto: &mut self.crypto,
                ta_time: &self.ta_time,
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
            // The window past the memrefs: no call's memory, nobody's.
            (rd, 0x10100, 4, TEE_ERROR_ACCESS_DENIED),
            (rd | any, 0x100fc, 8, TEE_ERROR_ACCESS_DENIED),
            (0x8, 0x3000, 4, TEE_ERROR_BAD_PARAMETERS),
            // OP-TEE's SECURE (none of it shared) and NONSECURE (all of it
            // shared, which needs ANY_OWNER too).
            (rd | any | ACCESS_NONSECURE, 0x10000, 4, TEE_SUCCESS),
            (
                rd | any | ACCESS_NONSECURE,
                0x100fe,
                4,
                TEE_ERROR_ACCESS_DENIED,
            ),
            (rd | ACCESS_NONSECURE, 0x10000, 4, TEE_ERROR_ACCESS_DENIED),
            (
                rd | any | ACCESS_NONSECURE,
                0x3000,
                4,
                TEE_ERROR_ACCESS_DENIED,
            ),
            (
                rd | any | ACCESS_SECURE,
                0x10000,
                4,
                TEE_ERROR_ACCESS_DENIED,
            ),
            (rd | ACCESS_SECURE, 0x3000, 4, TEE_SUCCESS),
            (
                rd | ACCESS_SECURE | ACCESS_NONSECURE,
                0x3000,
                4,
                TEE_ERROR_ACCESS_DENIED,
            ),
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
    }

    #[test]
    fn persistent_time_runs_on_the_secure_counter_from_when_it_was_set() {
        let mut r = Run::new();
        let get = |r: &mut Run| {
            let out = r.call(scn::GET_TIME, &[TIME_TA_PERSISTENT, 0x3008]);
            let mut t = [0u8; 8];
            r.mem.copy_from(0x3008, &mut t).unwrap();
            let word = |i: usize| u32::from_le_bytes(t[i..i + 4].try_into().unwrap());
            (out, word(0), word(4))
        };
        let not_set = Outcome::Resume(ptime::TEE_ERROR_TIME_NOT_SET.into());
        assert_eq!(get(&mut r), (not_set, 0, 0));
        // Set to 100.250 s at 7.5 s of the counter; read at 9.3 s.
        r.mem.copy_to(0x3100, &100u32.to_le_bytes()).unwrap();
        r.mem.copy_to(0x3104, &250u32.to_le_bytes()).unwrap();
        assert_eq!(r.call(scn::SET_TA_TIME, &[0x3100]), OK);
        r.counter.0 += 62_500_000 * 18 / 10;
        assert_eq!(get(&mut r), (OK, 102, 50));
        // Milliseconds past 999; a time in a hole; into read-only data.
        r.mem.copy_to(0x3104, &1000u32.to_le_bytes()).unwrap();
        let bad = Outcome::Resume(TEE_ERROR_BAD_PARAMETERS.into());
        assert_eq!(r.call(scn::SET_TA_TIME, &[0x3100]), bad);
        assert_eq!(r.call(scn::SET_TA_TIME, &[0x4ffc]), DENIED);
        assert_eq!(r.call(scn::GET_TIME, &[TIME_TA_PERSISTENT, 0x2000]), DENIED);
        assert_eq!(get(&mut r), (OK, 102, 50));
        // Past 2^32 seconds: OVERFLOW, with the time modulo 2^32 s.
        r.mem.copy_to(0x3100, &u32::MAX.to_le_bytes()).unwrap();
        r.mem.copy_to(0x3104, &999u32.to_le_bytes()).unwrap();
        assert_eq!(r.call(scn::SET_TA_TIME, &[0x3100]), OK);
        r.counter.0 += 62_500_000;
        let overflow = Outcome::Resume(ptime::TEE_ERROR_OVERFLOW.into());
        assert_eq!(get(&mut r), (overflow, 0, 999));
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
            &pending,
            Answer::Time(0x1_2345_6789, 4_123_456_789),
            &mut r.mem,
            &mut r.crypto,
        );
        assert_eq!(done, OK);
        let mut t = [0u8; 8];
        r.mem.copy_from(0x3010, &mut t).unwrap();
        assert_eq!(u32::from_le_bytes(t[..4].try_into().unwrap()), 0x2345_6789);
        assert_eq!(u32::from_le_bytes(t[4..].try_into().unwrap()), 123);
        // A failed RPC is the TA's error; a mismatched answer GENERIC.
        assert_eq!(
            complete(
                &pending,
                Answer::Failed(0xFFFF_3024),
                &mut r.mem,
                &mut r.crypto
            ),
            Outcome::Resume(0xFFFF_3024)
        );
        assert_eq!(
            complete(&pending, Answer::Waited(Ok(())), &mut r.mem, &mut r.crypto),
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
        assert_eq!(
            complete(&w, Answer::Waited(Ok(())), &mut r.mem, &mut r.crypto),
            OK
        );
        assert_eq!(
            complete(
                &w,
                Answer::Waited(Err(TEE_ERROR_CANCEL)),
                &mut r.mem,
                &mut r.crypto
            ),
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

    impl Run {
        fn put(&mut self, va: u64, b: &[u8]) {
            self.mem.copy_to(va, b).unwrap();
        }
        fn get(&mut self, va: u64, n: usize) -> Vec<u8> {
            let mut b = alloc::vec![0u8; n];
            self.mem.copy_from(va, &mut b).unwrap();
            b
        }
        fn u32_at(&mut self, va: u64) -> u32 {
            u32::from_le_bytes(self.get(va, 4).try_into().unwrap())
        }
    }

    fn code_of(r: u32) -> Outcome {
        Outcome::Resume(r.into())
    }

    #[test]
    fn properties_by_name_and_index_with_size_feedback() {
        let mut r = Run::new();
        let tee = PROPSET_IMPLEMENTATION;
        r.put(0x3000, b"gpd.tee.deviceID\0");
        // With or without its NUL.
        for len in [16, 17] {
            assert_eq!(
                r.call(scn::GET_PROPERTY_NAME_TO_INDEX, &[tee, 0x3000, len, 0x3100]),
                OK
            );
            assert_eq!(r.u32_at(0x3100), 1);
        }
        assert_eq!(
            r.call(scn::GET_PROPERTY_NAME_TO_INDEX, &[tee, 0x3000, 10, 0x3100]),
            code_of(TEE_ERROR_ITEM_NOT_FOUND)
        );
        assert_eq!(
            r.call(
                scn::GET_PROPERTY_NAME_TO_INDEX,
                &[0x1234, 0x3000, 16, 0x3100]
            ),
            code_of(TEE_ERROR_BAD_PARAMETERS)
        );
        // The UUID in TEE_UUID's layout, its name, its type.
        r.put(0x3200, &64u32.to_le_bytes());
        r.put(0x3204, &64u32.to_le_bytes());
        let args = [tee, 1, 0x3300, 0x3200, 0x3400, 0x3204, 0x3208];
        assert_eq!(r.call(scn::GET_PROPERTY, &args), OK);
        assert_eq!(r.get(0x3300, 17), b"gpd.tee.deviceID\0");
        assert_eq!(r.u32_at(0x3200), 17);
        assert_eq!(r.u32_at(0x3204), 16);
        assert_eq!(r.u32_at(0x3208), prop_type::UUID);
        assert_eq!(
            r.get(0x3400, 16),
            [4, 3, 2, 1, 6, 5, 8, 7, 9, 10, 11, 12, 13, 14, 15, 16]
        );
        // Too short: the size needed, nothing written.
        r.put(0x3204, &3u32.to_le_bytes());
        r.put(0x3400, &[0xEE; 16]);
        assert_eq!(
            r.call(scn::GET_PROPERTY, &args),
            code_of(TEE_ERROR_SHORT_BUFFER)
        );
        assert_eq!((r.u32_at(0x3204), r.get(0x3400, 1)[0]), (16, 0xEE));
        // NULL pointers skip a part; past the end: not found.
        assert_eq!(r.call(scn::GET_PROPERTY, &[tee, 0, 0, 0, 0, 0, 0x3208]), OK);
        assert_eq!(r.u32_at(0x3208), prop_type::STRING);
        assert_eq!(
            r.call(scn::GET_PROPERTY, &[tee, 3, 0, 0, 0, 0, 0x3208]),
            code_of(TEE_ERROR_ITEM_NOT_FOUND)
        );
        // The client's identity: login, then its UUID.
        r.put(0x3204, &64u32.to_le_bytes());
        let client = [PROPSET_CURRENT_CLIENT, 0, 0, 0, 0x3400, 0x3204, 0x3208];
        assert_eq!(r.call(scn::GET_PROPERTY, &client), OK);
        assert_eq!(r.u32_at(0x3204), 20);
        assert_eq!(r.u32_at(0x3400), 0xF000_0000);
        // Text forms, as the host tier gives them.
        r.put(0x3204, &64u32.to_le_bytes());
        assert_eq!(
            r.call(scn::OXTEE_PROPERTY_TEXT, &[tee, 2, 0x3400, 0x3204]),
            OK
        );
        assert_eq!(r.get(0x3400, 5), b"Zm9v\0");
        assert_eq!(r.u32_at(0x3204), 5);
        r.put(0x3204, &64u32.to_le_bytes());
        assert_eq!(
            r.call(scn::OXTEE_PROPERTY_TEXT, &[tee, 1, 0x3400, 0x3204]),
            OK
        );
        assert_eq!(r.get(0x3400, 37), b"01020304-0506-0708-090a-0b0c0d0e0f10\0");
    }

    #[test]
    fn property_calls_check_every_pointer() {
        let mut r = Run::new();
        let tee = PROPSET_IMPLEMENTATION;
        r.put(0x3000, b"gpd.tee.apiversion");
        // The index, a length or a value into read-only memory or a hole.
        assert_eq!(
            r.call(scn::GET_PROPERTY_NAME_TO_INDEX, &[tee, 0x3000, 18, 0x2000]),
            DENIED
        );
        assert_eq!(
            r.call(scn::GET_PROPERTY_NAME_TO_INDEX, &[tee, 0x4ff8, 18, 0x3100]),
            DENIED
        );
        assert_eq!(
            r.call(scn::GET_PROPERTY, &[tee, 0, 0, 0, 0x2000, 0x3204, 0]),
            {
                r.put(0x3204, &64u32.to_le_bytes());
                DENIED
            }
        );
        assert_eq!(
            r.call(scn::GET_PROPERTY, &[tee, 0, 0, 0, 0x3400, 0x2004, 0]),
            DENIED
        );
        assert_eq!(
            r.call(scn::GET_PROPERTY, &[tee, 0, 0, 0, 0, 0, 0x1000]),
            DENIED
        );
        assert!((0x1000..0x3000).all(|va| r.byte(va) == 0xAA));
        // A name longer than any: not found, nothing read.
        assert_eq!(
            r.call(
                scn::GET_PROPERTY_NAME_TO_INDEX,
                &[tee, 0x5000, 1 << 20, 0x3100]
            ),
            code_of(TEE_ERROR_ITEM_NOT_FOUND)
        );
    }

    /// The TA's own table, as libutee registers it.
    fn entry(kind: u32, name: &str, value: &[u8]) -> Vec<u8> {
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&(name.len() as u32).to_le_bytes());
        b.extend_from_slice(&(value.len() as u32).to_le_bytes());
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(value);
        b
    }

    #[test]
    fn a_tas_own_table_is_registered_once_and_cannot_override_its_header() {
        let mut r = Run::new();
        let mut t = entry(prop_type::U32, "my.u32", &7u32.to_le_bytes());
        t.extend(entry(prop_type::BOOL, "gpd.ta.singleInstance", &[0]));
        t.extend(entry(prop_type::STRING, "gpd.ta.version", b"1.2"));
        t.extend(entry(prop_type::BINARY_BLOCK, "my.bin", b"Zm9v\nYmFy"));
        t.extend(entry(prop_type::U32, "my.bad", &[1, 2]));
        t.extend(entry(9, "my.unknown", &[]));
        r.put(0x3000, &t);
        let n = t.len() as u64;
        assert_eq!(r.call(scn::OXTEE_REGISTER_PROPS, &[0x3000, n]), OK);
        let find = |r: &Run, name: &str| {
            r.props
                .ta
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.value.clone())
        };
        assert_eq!(find(&r, "my.u32"), Some(PropValue::U32(7)));
        assert_eq!(
            find(&r, "gpd.ta.singleInstance"),
            Some(PropValue::Bool(true))
        );
        assert_eq!(
            find(&r, "gpd.ta.version"),
            Some(PropValue::String("1.2".into()))
        );
        assert_eq!(
            find(&r, "my.bin"),
            Some(PropValue::Binary(b"foobar".to_vec()))
        );
        assert_eq!((find(&r, "my.bad"), find(&r, "my.unknown")), (None, None));
        // Once only.
        assert_eq!(
            r.call(scn::OXTEE_REGISTER_PROPS, &[0x3000, n]),
            code_of(TEE_ERROR_BAD_STATE)
        );
        // A table that does not parse, or is not the TA's, changes nothing.
        for (table, len, want) in [
            (&t[..t.len() - 1], None, TEE_ERROR_BAD_FORMAT),
            (&t[..5], None, TEE_ERROR_BAD_FORMAT),
            (&t[..], Some(1 << 30), TEE_ERROR_OUT_OF_MEMORY),
        ] {
            let mut r = Run::new();
            r.put(0x3000, table);
            let len = len.unwrap_or(table.len() as u64);
            assert_eq!(
                r.call(scn::OXTEE_REGISTER_PROPS, &[0x3000, len]),
                code_of(want)
            );
            assert!(!r.props.registered && r.props.ta.len() == 3);
        }
        let mut r = Run::new();
        assert_eq!(r.call(scn::OXTEE_REGISTER_PROPS, &[0x4f00, 0x200]), DENIED);
    }

    #[test]
    fn unknown_calls_are_not_supported() {
        let mut r = Run::new();
        for n in [70, 0x1210, u64::MAX] {
            assert_eq!(
                r.call(n, &[0x3000, 1, 2, 3]),
                Outcome::Resume(TEE_ERROR_NOT_SUPPORTED.into())
            );
        }
    }
}
