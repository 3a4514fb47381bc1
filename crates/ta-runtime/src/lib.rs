//! The TA process side of oxtee.
//!
//! A TA process is started by the core with its sandbox already in force
//! (see `oxtee_sys::sandbox`). [`run`] locks the sandbox further, then
//! serves the core's requests on descriptor 3, calling the TA's entry
//! points through the [`EntryPoints`] trait: the C ABI crate
//! (`oxtee-ta-capi`) implements it over `TA_*EntryPoint` symbols, the Rust
//! SDK over a safe trait.
//!
//! The core is trusted by the TA, but its messages are still decoded with
//! bounds: a malformed request ends the process rather than corrupting it.

pub mod bigint;
pub mod crypto;
pub mod heap;
pub mod props;
pub mod shlib;
pub mod storage;
pub mod ta2ta;
pub mod time;

use oxtee_proto::{
    ClientParam, CoreToTa, Dir, DirectCall, DirectReply, Identity, OutParam, OutParams, Owner,
    Region, TaOp, TaParam, TaProps, TaReply, control, decode, encode, ta_fd,
};
/// Copies from and to memory a client may write (memrefs): volatile.
pub use oxtee_sys::volatile_copy;
use oxtee_sys::{Channel, Mapping};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::marker::PhantomData;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

pub const TEE_SUCCESS: u32 = 0;
pub const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ORIGIN_TRUSTED_APP: u32 = 4;
const TEEC_MEM_INPUT: u32 = 1;
const TEEC_MEM_OUTPUT: u32 = 2;

/// `TEE_Param.memref` (GP 1.3 layout).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Memref {
    pub buffer: *mut c_void,
    pub size: usize,
}

/// `TEE_Param.value`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Value {
    pub a: u32,
    pub b: u32,
}

/// `TEE_Param`.
#[repr(C)]
#[derive(Clone, Copy)]
pub union TeeParam {
    pub memref: Memref,
    pub value: Value,
}

impl TeeParam {
    const ZERO: TeeParam = TeeParam {
        memref: Memref {
            buffer: std::ptr::null_mut(),
            size: 0,
        },
    };
}

/// The four parameters of an entry point call, with the capacity of each
/// memref as the core provided it (the TA may lower `size`, or raise it to
/// report the size it needs).
pub struct CallParams<'a> {
    pub types: u32,
    pub raw: [TeeParam; 4],
    caps: [usize; 4],
    _mapping: PhantomData<&'a Mapping>,
}

impl<'a> CallParams<'a> {
    /// Parameter type `i` (TEE_PARAM_TYPE_*).
    pub fn type_of(&self, i: usize) -> u32 {
        (self.types >> (i * 4)) & 0xF
    }

    pub fn value(&self, i: usize) -> (u32, u32) {
        // SAFETY: both union variants are plain integers/pointers; reading
        // `value` of any initialised TeeParam yields some bits, never UB.
        let v = unsafe { self.raw[i].value };
        (v.a, v.b)
    }

    pub fn set_value(&mut self, i: usize, a: u32, b: u32) {
        self.raw[i].value = Value { a, b };
    }

    /// Capacity of memref `i` as provided by the client.
    pub fn capacity(&self, i: usize) -> usize {
        self.caps[i]
    }

    /// Whether memref `i` is a NULL buffer.
    pub fn is_null(&self, i: usize) -> bool {
        // SAFETY: see `value`.
        unsafe { self.raw[i].memref.buffer.is_null() }
    }

    /// The size currently reported in memref `i`.
    pub fn size(&self, i: usize) -> usize {
        // SAFETY: see `value`.
        unsafe { self.raw[i].memref.size }
    }

    pub fn set_size(&mut self, i: usize, size: usize) {
        self.raw[i].memref.size = size;
    }

    /// Copy memref `i` (its provided capacity) into a new vector. The
    /// bytes may be changed by the client at any time, so this is a
    /// snapshot: validate the copy, not the shared memory.
    pub fn read(&self, i: usize) -> Vec<u8> {
        let cap = self.caps[i];
        // SAFETY: see `value`.
        let ptr = unsafe { self.raw[i].memref.buffer } as *const u8;
        let mut v = vec![0u8; cap];
        if cap != 0 && !ptr.is_null() {
            // SAFETY: the runtime set `ptr..ptr+cap` inside a live mapping
            // when it built these params (checked in `build_params`), and
            // the mapping outlives `'a`.
            unsafe { oxtee_sys::volatile_copy(ptr, v.as_mut_ptr(), cap) };
        }
        v
    }

    /// Copy `data` into memref `i` at offset 0. Returns false when it does
    /// not fit the provided capacity (nothing is written then).
    pub fn write(&mut self, i: usize, data: &[u8]) -> bool {
        // SAFETY: see `value`.
        let ptr = unsafe { self.raw[i].memref.buffer } as *mut u8;
        if data.len() > self.caps[i] || (ptr.is_null() && !data.is_empty()) {
            return false;
        }
        if !data.is_empty() {
            // SAFETY: as in `read`; `data.len() <= cap`.
            unsafe { oxtee_sys::volatile_copy(data.as_ptr(), ptr, data.len()) };
        }
        true
    }
}

/// The TA's entry points, as the runtime calls them.
pub trait EntryPoints {
    fn create(&mut self) -> u32;
    fn destroy(&mut self);
    /// Returns the result and the session context.
    fn open_session(&mut self, params: &mut CallParams<'_>) -> (u32, usize);
    fn close_session(&mut self, session: usize);
    fn invoke(&mut self, session: usize, command: u32, params: &mut CallParams<'_>) -> u32;
}

static CONTROL: OnceLock<Mapping> = OnceLock::new();
static CANCEL_MASKED: AtomicBool = AtomicBool::new(true);
static PROPS: OnceLock<TaProps> = OnceLock::new();

thread_local! {
    static CLIENT: RefCell<Option<Identity>> = const { RefCell::new(None) };
    static CHANNEL: RefCell<Option<Channel>> = const { RefCell::new(None) };
    /// Where the TA's own requests go while it runs a direct call.
    static SERVICE: RefCell<Option<Channel>> = const { RefCell::new(None) };
    static IN_DIRECT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Most direct channels one instance serves (one per session; the core
/// gives no more).
const MAX_DIRECT: usize = oxtee_proto::limits::DIRECT_CHANNELS;

/// The largest id of a handle table (operations, objects, storage
/// enumerators): the C API adds an 8-bit tag above it, so that every
/// handle a TA sees fits in 32 bits, as OP-TEE TAs expect (they pass
/// handles through `value.a`).
pub const MAX_HANDLE_ID: u32 = 0x00FF_FFFF;

/// The next id of a handle table after `last`: ids count up to
/// [`MAX_HANDLE_ID`] and then start again at 1, skipping ids still in use
/// (`taken`), so a freed handle is not reused before the whole space went
/// round. `None` when every id is in use.
pub fn next_handle_id(last: &mut u32, taken: impl Fn(u32) -> bool) -> Option<u32> {
    let mut id = *last;
    for _ in 0..MAX_HANDLE_ID {
        id = if id >= MAX_HANDLE_ID { 1 } else { id + 1 };
        if !taken(id) {
            *last = id;
            return Some(id);
        }
    }
    None
}

/// TEE_GetCancellationFlag: true when the current request was cancelled
/// and cancellation is not masked.
pub fn cancellation_flag() -> bool {
    if CANCEL_MASKED.load(Ordering::Relaxed) {
        return false;
    }
    CONTROL
        .get()
        .is_some_and(|c| c.load_u32(control::CANCEL_FLAG) != 0)
}

/// TEE_MaskCancellation / TEE_UnmaskCancellation; returns the previous mask state.
pub fn set_cancellation_masked(masked: bool) -> bool {
    CANCEL_MASKED.swap(masked, Ordering::Relaxed)
}

/// The identity of the client of the current session.
pub fn client_identity() -> Option<Identity> {
    CLIENT.with(|c| *c.borrow())
}

/// The TA's own properties, as the core read them from the signed image.
pub fn ta_props() -> Option<&'static TaProps> {
    PROPS.get()
}

/// Fill `buf` with random bytes from the kernel.
pub fn random(buf: &mut [u8]) {
    if getrandom::getrandom(buf).is_err() {
        panic_ta(0xFFFF_0000);
    }
}

/// Run `f` with the channel to the core (TA-to-TA calls from inside an
/// entry point use it while the request loop waits for the entry point).
pub(crate) fn with_channel<R>(f: impl FnOnce(&Channel) -> R) -> R {
    let which = if IN_DIRECT.with(|d| d.get()) {
        &SERVICE
    } else {
        &CHANNEL
    };
    which.with(|c| match c.borrow().as_ref() {
        Some(ch) => f(ch),
        None => fatal("no channel to the core"),
    })
}

/// TEE_Panic: tell the core, then end the process.
pub fn panic_ta(code: u32) -> ! {
    eprintln!("TA panic: TEE_Panic(0x{code:08x})");
    let which = if IN_DIRECT.with(|d| d.get()) {
        &SERVICE
    } else {
        &CHANNEL
    };
    which.with(|c| {
        if let Ok(c) = c.try_borrow()
            && let Some(ch) = c.as_ref()
            && let Ok(b) = encode(&TaReply::Panic { code })
        {
            let _ = ch.send(&b, &[]);
        }
    });
    // Skip atexit handlers: nothing of the TA runs after a panic.
    exit_now(3)
}

/// Write a trace line to the core's log (fd 2).
pub fn trace(level: i32, func: &str, line: i32, msg: &str) {
    let l = match level {
        1 => 'E',
        2 => 'I',
        3 => 'D',
        _ => 'F',
    };
    let uuid = PROPS.get().map(|p| p.uuid.to_string()).unwrap_or_default();
    let msg = msg.trim_end_matches('\n');
    if func.is_empty() {
        eprintln!("{l}/TA {uuid}: {msg}");
    } else {
        eprintln!("{l}/TA {uuid}: {func}:{line} {msg}");
    }
}

/// End the process now, without running atexit handlers (no TA code
/// runs after a panic or a fatal runtime error).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` has no preconditions; it never returns.
    unsafe { libc::_exit(code) }
}

struct SessionState {
    ctx: usize,
    client: Identity,
    masked: bool,
}

/// A session's direct channel: invokes straight from its client.
struct Direct {
    ch: Channel,
    session: u32,
    context: u32,
    /// Its pending-cancellation slot in the control page.
    slot: u32,
}

struct State {
    bounce: Option<Mapping>,
    shm: HashMap<u32, Mapping>,
    /// Who may refer to each mapping (direct calls are checked against it).
    owners: HashMap<u32, Owner>,
    direct: Vec<Direct>,
    /// Where the next poll round starts (fairness between channels).
    next_direct: usize,
    /// Shared memory the core sent that could not be mapped: a call that
    /// uses it is answered TEE_ERROR_BAD_PARAMETERS (the TA lives on).
    unmappable: std::collections::HashSet<u32>,
    /// Per session: the TA's context, the client, and the session's
    /// cancellation mask (masked when the session opens, as in OP-TEE; it
    /// persists across the session's entry points).
    sessions: HashMap<u32, SessionState>,
}

fn fatal(why: &str) -> ! {
    eprintln!("TA runtime: {why}");
    exit_now(2)
}

fn build_params<'a>(st: &'a State, op: &TaOp) -> CallParams<'a> {
    let mut p = CallParams {
        types: op.param_types,
        raw: [TeeParam::ZERO; 4],
        caps: [0; 4],
        _mapping: PhantomData,
    };
    for (i, tp) in op.params.iter().enumerate() {
        match *tp {
            TaParam::None => {}
            TaParam::Value { a, b } => p.raw[i].value = Value { a, b },
            TaParam::Mem {
                region,
                offset,
                size,
            } => {
                let (Ok(off), Ok(len)) = (usize::try_from(offset), usize::try_from(size)) else {
                    fatal("memref out of range")
                };
                let base = match region {
                    Region::Null => {
                        p.raw[i].memref = Memref {
                            buffer: std::ptr::null_mut(),
                            size: len,
                        };
                        continue;
                    }
                    Region::Bounce => st.bounce.as_ref(),
                    Region::Shm(id) => st.shm.get(&id),
                };
                let Some(m) = base else {
                    fatal("memref to an unknown region")
                };
                if off.checked_add(len).is_none_or(|e| e > m.len()) {
                    fatal("memref outside its region");
                }
                // SAFETY: `off <= m.len()` (checked above), so the pointer
                // stays inside (or one past) the mapping.
                let buffer = unsafe { m.as_ptr().add(off) }.cast();
                p.raw[i].memref = Memref { buffer, size: len };
                p.caps[i] = len;
            }
        }
    }
    heap::record_call_memrefs(&p);
    p
}

fn uses_unmappable(st: &State, op: &TaOp) -> bool {
    op.params.iter().any(
        |p| matches!(p, TaParam::Mem { region: Region::Shm(id), .. } if st.unmappable.contains(id)),
    )
}

fn outputs(p: &CallParams<'_>) -> OutParams {
    let mut out = [OutParam::None; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = match p.type_of(i) {
            2 | 3 => {
                let (a, b) = p.value(i);
                OutParam::Value { a, b }
            }
            6 | 7 => OutParam::Size(p.size(i) as u64),
            _ => OutParam::None,
        };
    }
    out
}

fn reply(ch: &Channel, r: &TaReply) {
    let b = encode(r).unwrap_or_else(|_| fatal("reply too large"));
    if ch.send(&b, &[]).is_err() {
        fatal("core channel lost");
    }
}

static LOCKED: AtomicBool = AtomicBool::new(false);

/// Install the runtime's seccomp filter: from here on an attempt to open a
/// file (or exec) kills the process. Idempotent. C TAs call this from
/// `.preinit_array`, before their ELF constructors run.
pub fn lock_sandbox() {
    if !LOCKED.load(Ordering::SeqCst) {
        // AWS-LC's random generator looks for a VM generation counter
        // (stat/open of /dev/sysgenid) on first use: do it while file
        // look-ups still fail softly.
        oxtee_crypto::backend::pre_sandbox_init();
        // Library TAs are mapped now, while executable mappings are
        // still allowed.
        receive_libraries();
    }
    if !LOCKED.swap(true, Ordering::SeqCst)
        && !oxtee_sys::sandbox::apply(&oxtee_sys::sandbox::runtime_lock())
    {
        fatal("cannot lock the sandbox");
    }
}

/// The core's first messages: the library TAs this TA may use (each a
/// sealed memfd), then `LibrariesDone`. Maps them and runs the linked
/// ones' constructors; a library that cannot be used ends the process
/// (the core reports the TA dead and the log says why).
fn receive_libraries() {
    // SAFETY: descriptor 3 is the channel the core set up before exec;
    // it is only borrowed here (ManuallyDrop: not closed).
    let ch = std::mem::ManuallyDrop::new(unsafe { Channel::from_raw(ta_fd::CHANNEL) });
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    let mut libs = Vec::new();
    loop {
        let mut fds = Vec::new();
        let n = match ch.recv(&mut buf, &mut fds) {
            Ok(Some(n)) => n,
            Ok(None) => exit_now(0),
            Err(_) => fatal("bad message from core"),
        };
        match decode::<CoreToTa>(&buf[..n]) {
            Ok(CoreToTa::Library { uuid, size, linked })
                if fds.len() == 1 && libs.len() < 64 && size <= 256 << 20 =>
            {
                let fd = fds
                    .pop()
                    .unwrap_or_else(|| fatal("library without its image"));
                libs.push((uuid, linked, fd, size as usize));
            }
            Ok(CoreToTa::LibrariesDone) if fds.is_empty() => break,
            _ => fatal("unexpected message from the core before start"),
        }
    }
    if let Err(e) = shlib::load(libs) {
        fatal(&e.0);
    }
}

/// Wait for the core's channel or a direct channel. True when the core's
/// channel has a message (the caller receives it); otherwise serve one
/// call of each ready direct channel and return false.
fn serve_directs(ch: &Channel, st: &mut State, ep: &mut dyn EntryPoints, buf: &mut [u8]) -> bool {
    let mut fds = vec![ch.as_fd()];
    fds.extend(st.direct.iter().map(|d| d.ch.as_fd()));
    let ready = oxtee_sys::poll_many(&fds, -1).unwrap_or_else(|_| fatal("poll"));
    drop(fds);
    let (core_ready, core_gone) = ready[0];
    if core_ready || core_gone {
        return true;
    }
    let n = st.direct.len();
    let start = st.next_direct % n.max(1);
    let mut gone = Vec::new();
    for k in 0..n {
        let i = (start + k) % n;
        let (readable, hup) = ready[i + 1];
        if readable {
            if !serve_direct(st, i, ep, buf) {
                gone.push(i);
            }
        } else if hup {
            gone.push(i);
        }
    }
    st.next_direct = start + 1;
    gone.sort_unstable();
    for i in gone.into_iter().rev() {
        st.direct.swap_remove(i);
    }
    false
}

/// Serve one call from direct channel `i`. False when the channel is to
/// be dropped (the client closed it, or sent something malformed).
fn serve_direct(st: &mut State, i: usize, ep: &mut dyn EntryPoints, buf: &mut [u8]) -> bool {
    let mut fds = Vec::new();
    let n = match st.direct[i].ch.recv(buf, &mut fds) {
        Ok(Some(n)) if fds.is_empty() => n,
        _ => return false,
    };
    let Ok(call) = decode::<DirectCall>(&buf[..n]) else {
        return false;
    };
    let (session, context, slot) = (
        st.direct[i].session,
        st.direct[i].context,
        st.direct[i].slot,
    );
    // While the secure world is traced every invoke goes through the core.
    let traced = CONTROL
        .get()
        .is_some_and(|c| c.load_u32(control::TRACE) != 0);
    let op = if traced {
        None
    } else {
        direct_op(st, session, context, &call)
    };
    let answer = match op {
        None => DirectReply::Redirect,
        Some(op) => {
            let Some(ss) = st.sessions.get(&session) else {
                return false;
            };
            let sess_ctx = ss.ctx;
            CLIENT.with(|c| *c.borrow_mut() = Some(ss.client));
            CANCEL_MASKED.store(ss.masked, Ordering::Relaxed);
            heap::forget_call_memrefs();
            if let Some(c) = CONTROL.get() {
                c.store_u32(control::CANCEL_FLAG, 0);
                c.store_u32(control::DIRECT_CANCEL, call.cancel_id as u32);
                c.store_u32(control::DIRECT_SESSION, session);
                // A cancellation that reached the core before this call
                // reached us (see the core's `cancel_direct`).
                std::sync::atomic::fence(Ordering::SeqCst);
                let pending = control::pending_value(session, call.cancel_id as u32);
                if c.load_u64(control::pending_slot(slot)) == pending {
                    c.store_u32(control::CANCEL_FLAG, 1);
                }
            }
            IN_DIRECT.with(|d| d.set(true));
            let mut p = build_params(st, &op);
            let r = ep.invoke(sess_ctx, call.command, &mut p);
            let out = outputs(&p);
            IN_DIRECT.with(|d| d.set(false));
            if let Some(c) = CONTROL.get() {
                c.store_u32(control::DIRECT_SESSION, 0);
                c.store_u32(control::CANCEL_FLAG, 0);
            }
            if let Some(ss) = st.sessions.get_mut(&session) {
                ss.masked = CANCEL_MASKED.load(Ordering::Relaxed);
            }
            DirectReply::Done {
                result: r,
                origin: ORIGIN_TRUSTED_APP,
                params: out,
            }
        }
    };
    let Ok(b) = encode(&answer) else {
        return false;
    };
    // A client that does not read its answers loses its channel, not the
    // TA's time.
    st.direct[i].ch.send_nowait(&b).is_ok()
}

/// The TA-side form of a direct call's parameters, checked against what
/// this session may refer to: its own staging buffer and its context's
/// shared memory (with the direction the client registered). None when
/// anything is missing or out of bounds: the client then goes through
/// the core, which checks again and answers.
fn direct_op(st: &State, session: u32, context: u32, call: &DirectCall) -> Option<TaOp> {
    let mut op = TaOp {
        param_types: 0,
        params: [TaParam::None; 4],
    };
    // A memref into mapping `id`, if it lies inside it.
    let mem = |id: u32, offset: u64, size: u64| {
        let len = st.shm.get(&id)?.len() as u64;
        (offset.checked_add(size)? <= len).then_some(TaParam::Mem {
            region: Region::Shm(id),
            offset,
            size,
        })
    };
    for (i, p) in call.params.iter().enumerate() {
        let (ty, tp) = match *p {
            ClientParam::None => (0, TaParam::None),
            ClientParam::Value { dir, a, b } => (value_type(dir), TaParam::Value { a, b }),
            ClientParam::Staged {
                dir,
                size,
                null: true,
                ..
            } => {
                if dir == Dir::In && size != 0 {
                    return None;
                }
                let tp = TaParam::Mem {
                    region: Region::Null,
                    offset: 0,
                    size,
                };
                (memref_type(dir), tp)
            }
            ClientParam::Staged {
                dir,
                offset,
                size,
                null: false,
            } => {
                let id = call.staging;
                if st.owners.get(&id) != Some(&Owner::Session(session)) {
                    return None;
                }
                (memref_type(dir), mem(id, offset, size)?)
            }
            ClientParam::Shm {
                dir,
                id,
                offset,
                size,
            } => {
                let Some(Owner::Context { id: owner, flags }) = st.owners.get(&id) else {
                    return None;
                };
                let dir_ok = (!dir.is_input() || flags & TEEC_MEM_INPUT != 0)
                    && (!dir.is_output() || flags & TEEC_MEM_OUTPUT != 0);
                if *owner != context || !dir_ok {
                    return None;
                }
                (memref_type(dir), mem(id, offset, size)?)
            }
        };
        op.param_types |= ty << (4 * i);
        op.params[i] = tp;
    }
    Some(op)
}

fn value_type(dir: Dir) -> u32 {
    match dir {
        Dir::In => 1,
        Dir::Out => 2,
        Dir::InOut => 3,
    }
}

fn memref_type(dir: Dir) -> u32 {
    value_type(dir) + 4
}

/// Serve the core until it asks the TA to go away. Never returns.
pub fn run(ep: &mut dyn EntryPoints) -> ! {
    lock_sandbox();
    // SAFETY: descriptor 3 is the channel the core set up before exec;
    // nothing else in this process owns it.
    let ch = unsafe { Channel::from_raw(ta_fd::CHANNEL) };
    // SAFETY: descriptor 4 is the control page set up by the core.
    let ctl_fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(ta_fd::CONTROL) };
    let ctl = Mapping::map(ctl_fd.as_fd(), control::SIZE)
        .unwrap_or_else(|_| fatal("cannot map control page"));
    drop(ctl_fd);
    let _ = CONTROL.set(ctl);
    let probe = ch
        .as_fd()
        .try_clone_to_owned()
        .unwrap_or_else(|_| fatal("dup"));
    CHANNEL.with(|c| *c.borrow_mut() = Some(Channel::from_fd(probe)));

    let mut st = State {
        bounce: None,
        shm: HashMap::new(),
        owners: HashMap::new(),
        direct: Vec::new(),
        next_direct: 0,
        unmappable: std::collections::HashSet::new(),
        sessions: HashMap::new(),
    };
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    loop {
        // With direct channels, wait on all: the core's requests first,
        // then one call per ready channel, in turn.
        if !st.direct.is_empty() && !serve_directs(&ch, &mut st, ep, &mut buf) {
            continue;
        }
        let mut fds = Vec::new();
        let n = match ch.recv(&mut buf, &mut fds) {
            Ok(Some(n)) => n,
            Ok(None) => exit_now(0),
            Err(_) => fatal("bad message from core"),
        };
        let msg: CoreToTa =
            decode(&buf[..n]).unwrap_or_else(|_| fatal("undecodable message from core"));
        heap::forget_call_memrefs();
        match msg {
            CoreToTa::Create { props, ta, tee } => {
                let _ = PROPS.set(props);
                props::install(ta, tee);
                let r = ep.create();
                reply(
                    &ch,
                    &TaReply::Done {
                        result: r,
                        params: oxtee_proto::NO_OUT_PARAMS,
                    },
                );
            }
            CoreToTa::OpenSession { op, .. } | CoreToTa::Invoke { op, .. }
                if uses_unmappable(&st, &op) =>
            {
                reply(
                    &ch,
                    &TaReply::Done {
                        result: TEE_ERROR_BAD_PARAMETERS,
                        params: oxtee_proto::NO_OUT_PARAMS,
                    },
                );
            }
            CoreToTa::OpenSession {
                session,
                client,
                op,
            } => {
                CLIENT.with(|c| *c.borrow_mut() = Some(client));
                CANCEL_MASKED.store(true, Ordering::Relaxed);
                let mut p = build_params(&st, &op);
                let (r, ctx) = ep.open_session(&mut p);
                let out = outputs(&p);
                if r == TEE_SUCCESS {
                    let masked = CANCEL_MASKED.load(Ordering::Relaxed);
                    st.sessions.insert(
                        session,
                        SessionState {
                            ctx,
                            client,
                            masked,
                        },
                    );
                }
                reply(
                    &ch,
                    &TaReply::Done {
                        result: r,
                        params: out,
                    },
                );
            }
            CoreToTa::Invoke {
                session,
                command,
                op,
            } => {
                let Some(ss) = st.sessions.get(&session) else {
                    fatal("invoke on unknown session")
                };
                let ctx = ss.ctx;
                CLIENT.with(|c| *c.borrow_mut() = Some(ss.client));
                CANCEL_MASKED.store(ss.masked, Ordering::Relaxed);
                let mut p = build_params(&st, &op);
                let r = ep.invoke(ctx, command, &mut p);
                let out = outputs(&p);
                if let Some(ss) = st.sessions.get_mut(&session) {
                    ss.masked = CANCEL_MASKED.load(Ordering::Relaxed);
                }
                reply(
                    &ch,
                    &TaReply::Done {
                        result: r,
                        params: out,
                    },
                );
            }
            CoreToTa::CloseSession { session } => {
                let Some(ss) = st.sessions.remove(&session) else {
                    fatal("close of unknown session")
                };
                st.direct.retain(|d| d.session != session);
                CLIENT.with(|c| *c.borrow_mut() = Some(ss.client));
                CANCEL_MASKED.store(true, Ordering::Relaxed);
                ep.close_session(ss.ctx);
                reply(
                    &ch,
                    &TaReply::Done {
                        result: TEE_SUCCESS,
                        params: oxtee_proto::NO_OUT_PARAMS,
                    },
                );
            }
            CoreToTa::Destroy => {
                ep.destroy();
                reply(
                    &ch,
                    &TaReply::Done {
                        result: TEE_SUCCESS,
                        params: oxtee_proto::NO_OUT_PARAMS,
                    },
                );
                exit_now(0);
            }
            CoreToTa::Service => {
                let fd = fds
                    .pop()
                    .unwrap_or_else(|| fatal("Service without descriptor"));
                SERVICE.with(|c| *c.borrow_mut() = Some(Channel::from_fd(fd)));
            }
            CoreToTa::Attach {
                session,
                context,
                slot,
            } => {
                let fd = fds
                    .pop()
                    .unwrap_or_else(|| fatal("Attach without descriptor"));
                if st.sessions.contains_key(&session) && st.direct.len() < MAX_DIRECT {
                    st.direct.push(Direct {
                        ch: Channel::from_fd(fd),
                        session,
                        context,
                        slot,
                    });
                }
            }
            CoreToTa::MapShm { id, size, owner } => {
                st.owners.insert(id, owner);
                let fd = fds
                    .pop()
                    .unwrap_or_else(|| fatal("MapShm without descriptor"));
                let m = usize::try_from(size)
                    .ok()
                    .and_then(|len| Mapping::map(fd.as_fd(), len).ok());
                match m {
                    Some(m) => {
                        st.unmappable.remove(&id);
                        st.shm.insert(id, m);
                    }
                    None => {
                        eprintln!("TA runtime: cannot map shared memory {id}");
                        st.unmappable.insert(id);
                    }
                }
            }
            CoreToTa::UnmapShm { id } => {
                st.shm.remove(&id);
                st.owners.remove(&id);
                st.unmappable.remove(&id);
            }
            CoreToTa::SetBounce { size } => {
                let fd = fds
                    .pop()
                    .unwrap_or_else(|| fatal("SetBounce without descriptor"));
                let len = usize::try_from(size).unwrap_or_else(|_| fatal("bounce too large"));
                st.bounce = Some(
                    Mapping::map(fd.as_fd(), len)
                        .unwrap_or_else(|_| fatal("cannot map bounce buffer")),
                );
            }
            // Only ever answers to the TA's own requests (ta2ta.rs).
            CoreToTa::SetCallBuffer { .. }
            | CoreToTa::CallDone { .. }
            | CoreToTa::StorageDone { .. } => fatal("unsolicited TA-to-TA answer from the core"),
            CoreToTa::Library { .. } | CoreToTa::LibrariesDone => {
                fatal("library TAs after start-up")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_ids_fit_under_the_tag_and_go_round_without_reusing_live_ones() {
        let mut last = 0;
        assert_eq!(next_handle_id(&mut last, |_| false), Some(1));
        assert_eq!(next_handle_id(&mut last, |_| false), Some(2));
        // At the top of the space the ids start again at 1, skipping the
        // ones still in use.
        let mut last = MAX_HANDLE_ID - 1;
        assert_eq!(next_handle_id(&mut last, |_| false), Some(MAX_HANDLE_ID));
        assert_eq!(next_handle_id(&mut last, |id| id <= 3), Some(4));
        assert_eq!(last, 4);
        // Every id in use: none.
        let mut last = 7;
        assert_eq!(next_handle_id(&mut last, |_| true), None);
        assert_eq!(last, 7);
    }
}
