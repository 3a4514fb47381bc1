//! The TA side of the TrustZone tier: what OP-TEE's libutee is to an
//! OP-TEE TA, for user TAs at S-EL0. Linked into every C TA the devkit
//! builds for the TrustZone tier (`libutee.a`), it holds the TA's entry
//! (`__ta_entry`, where the secure kernel enters the image), turns the
//! kernel's `utee_params` into the `TEE_Param`s of the GP entry points and
//! back, keeps the instance's sessions, and implements the Internal Core
//! API over the kernel's system calls (`sys`: OP-TEE's numbers and
//! `_utee_*` functions) and the TA's own heap (`heap`).
//!
//! The kernel checks every argument of every system call: nothing here is
//! trusted by the kernel, and nothing here can hurt another TA or the
//! kernel. What this crate guards is the TA against its own mistakes, as
//! GP asks (a `TEE_Free` of a pointer that is not a block panics the TA).
//!
//! Served so far: the entry points and their parameters, memory
//! (`TEE_Malloc` .. `TEE_MemCompare`, `TEE_CheckMemoryAccessRights`,
//! instance data, and C's `malloc` family), `TEE_Panic`, tracing, system,
//! REE and TA persistent time, `TEE_Wait`, random numbers, the cancellation flag and
//! mask, properties (`props`), cryptographic operations and transient
//! objects (`cryp`, over the kernel's crypto calls), and the arithmetical
//! functions (`TEE_BigInt*` and FMM, in the TA itself: `oxtee-gp-bigint`,
//! which the host tier's C ABI shares), trusted storage (`storage`,
//! over the kernel's storage calls) and TA-to-TA calls (`ta2ta`).
#![no_std]

extern crate alloc;

// The TEE_BigInt* functions: `oxtee-gp-bigint`'s C ABI (linked in here).
use oxtee_gp_bigint as _;

mod api;
mod cryp;
mod heap;
mod props;
#[cfg(feature = "sdk")]
pub mod rt;
mod storage;
mod sys;
mod ta2ta;

use alloc::collections::BTreeMap;
use core::cell::{Cell, RefCell};
use core::ffi::c_void;

/// A TA instance is one thread: the kernel enters it for one call at a
/// time, to the end, never while a call runs. Its globals are plain
/// cells; none is borrowed across a call into the TA's code.
pub(crate) struct Global<T>(pub(crate) T);

// SAFETY: see `Global`: there is never a second thread to share with.
unsafe impl<T> Sync for Global<T> {}

/// `TEE_SUCCESS`.
const SUCCESS: u32 = 0;
/// `TEE_ERROR_BAD_PARAMETERS`.
pub(crate) const BAD_PARAMETERS: u32 = 0xFFFF_0006;
/// `TA_FLAG_INSTANCE_KEEP_ALIVE`.
const KEEP_ALIVE: u32 = 1 << 4;

const FUNC_OPEN: u64 = 0;
const FUNC_CLOSE: u64 = 1;
const FUNC_INVOKE: u64 = 2;

/// `struct utee_params`: the types, then per parameter a/b or
/// buffer/size, 64 bits each.
#[repr(C)]
pub struct UteeParams {
    types: u64,
    vals: [u64; 8],
}

/// `TEE_Param`: `memref { void *buffer; size_t size; }` or `value {
/// uint32_t a, b; }` (a and b share the first word).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Param {
    w0: u64,
    w1: u64,
}

/// The head of `struct oxtee_ta_head` (devkit's `oxtee_ta_head.h`), as
/// far as the runtime reads it.
#[repr(C)]
struct Head {
    magic: u32,
    head_version: u32,
    uuid: [u8; 16],
    flags: u32,
    stack_size: u32,
    data_size: u32,
}

unsafe extern "C" {
    fn TA_CreateEntryPoint() -> u32;
    fn TA_DestroyEntryPoint();
    fn TA_OpenSessionEntryPoint(types: u32, params: *mut Param, ctx: *mut *mut c_void) -> u32;
    fn TA_CloseSessionEntryPoint(ctx: *mut c_void);
    fn TA_InvokeCommandEntryPoint(
        ctx: *mut c_void,
        cmd: u32,
        types: u32,
        params: *mut Param,
    ) -> u32;
    /// The TA's header record (devkit's `user_ta_header.c`).
    static oxtee_ta_head: Head;
}

/// Whether the TA's property table went to the kernel.
static REGISTERED: Global<Cell<bool>> = Global(Cell::new(false));
/// Whether `TA_CreateEntryPoint` ran (and `TA_DestroyEntryPoint` did not
/// since).
static CREATED: Global<Cell<bool>> = Global(Cell::new(false));
/// The open sessions: the kernel's session number -> the TA's context.
static SESSIONS: Global<RefCell<BTreeMap<u32, usize>>> = Global(RefCell::new(BTreeMap::new()));

/// Where the kernel enters the TA: x0 = the entry function, x1 = the
/// session, x2 = the `utee_params` (in the TA's memory), x3 = the
/// command. Ends the call with the result through `_utee_return`.
///
/// # Safety
/// Called by the kernel only, with `up` pointing at the parameters page.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __ta_entry(func: u64, session: u64, up: *mut UteeParams, cmd: u64) -> ! {
    // SAFETY: the kernel's contract (above).
    let up = unsafe { &mut *up };
    let session = session as u32;
    if !REGISTERED.0.replace(true) {
        props::register();
    }
    let r = match func {
        FUNC_OPEN => open(session, up),
        FUNC_CLOSE => close(session),
        FUNC_INVOKE => invoke(session, cmd as u32, up),
        _ => BAD_PARAMETERS,
    };
    sys::utee_return(r)
}

/// gpd.ta.dataSize: the bytes of `TEE_Malloc` blocks the TA may hold at
/// once (the heap has room for the allocator's own bookkeeping besides).
pub(crate) fn data_size() -> usize {
    // SAFETY: the header is a constant the devkit links into every TA.
    unsafe { core::ptr::addr_of!(oxtee_ta_head.data_size).read() as usize }
}

fn keep_alive() -> bool {
    // SAFETY: the header is a constant the devkit links into every TA.
    let flags = unsafe { core::ptr::addr_of!(oxtee_ta_head.flags).read() };
    flags & KEEP_ALIVE != 0
}

fn open(session: u32, up: &mut UteeParams) -> u32 {
    if !CREATED.0.get() {
        // SAFETY: the TA's own entry point, called as GP defines it.
        let r = unsafe { TA_CreateEntryPoint() };
        if r != SUCCESS {
            return r;
        }
        CREATED.0.set(true);
    }
    let types = up.types as u32;
    let mut params = from_utee(up);
    let mut ctx: *mut c_void = core::ptr::null_mut();
    // SAFETY: four parameters and a context slot, as GP defines the call.
    let r = unsafe { TA_OpenSessionEntryPoint(types, params.as_mut_ptr(), &mut ctx) };
    to_utee(&params, up);
    if r == SUCCESS {
        SESSIONS.0.borrow_mut().insert(session, ctx as usize);
    } else {
        end_if_idle();
    }
    r
}

fn close(session: u32) -> u32 {
    let Some(ctx) = SESSIONS.0.borrow_mut().remove(&session) else {
        return BAD_PARAMETERS;
    };
    // SAFETY: the TA's entry point with the context its open gave.
    unsafe { TA_CloseSessionEntryPoint(ctx as *mut c_void) };
    end_if_idle();
    SUCCESS
}

/// The last session closed (or the first one failed to open): the
/// instance ends unless it is kept alive, as OP-TEE's libutee does.
fn end_if_idle() {
    if SESSIONS.0.borrow().is_empty() && !keep_alive() && CREATED.0.get() {
        CREATED.0.set(false);
        // SAFETY: the TA's entry point, after its last session.
        unsafe { TA_DestroyEntryPoint() };
    }
}

fn invoke(session: u32, cmd: u32, up: &mut UteeParams) -> u32 {
    let Some(ctx) = SESSIONS.0.borrow().get(&session).copied() else {
        return BAD_PARAMETERS;
    };
    let types = up.types as u32;
    let mut params = from_utee(up);
    // SAFETY: as GP defines the call, with the session's context.
    let r =
        unsafe { TA_InvokeCommandEntryPoint(ctx as *mut c_void, cmd, types, params.as_mut_ptr()) };
    to_utee(&params, up);
    r
}

fn param_type(types: u64, i: usize) -> u64 {
    (types >> (4 * i)) & 0xf
}

fn is_value(t: u64) -> bool {
    (1..=3).contains(&t)
}

fn is_memref(t: u64) -> bool {
    (5..=7).contains(&t)
}

fn from_utee(up: &UteeParams) -> [Param; 4] {
    core::array::from_fn(|i| {
        let (x, y) = (up.vals[2 * i], up.vals[2 * i + 1]);
        let t = param_type(up.types, i);
        if is_value(t) {
            Param {
                w0: (x & 0xffff_ffff) | (y << 32),
                w1: 0,
            }
        } else if is_memref(t) {
            Param { w0: x, w1: y }
        } else {
            Param::default()
        }
    })
}

fn to_utee(params: &[Param; 4], up: &mut UteeParams) {
    for (i, p) in params.iter().enumerate() {
        let t = param_type(up.types, i);
        if is_value(t) {
            up.vals[2 * i] = p.w0 & 0xffff_ffff;
            up.vals[2 * i + 1] = p.w0 >> 32;
        } else if is_memref(t) {
            up.vals[2 * i + 1] = p.w1;
        }
    }
}

/// A Rust panic (in a Rust TA, or in this runtime) is a TEE_Panic with
/// the code the host tier's SDK uses; its message and place go to the
/// secure log first.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let mut line = api::Line::default();
    let _ = write!(line, "E: TA panicked: {}", info.message());
    if let Some(l) = info.location() {
        let _ = write!(line, " at {}:{}", l.file(), l.line());
    }
    sys::log(line.bytes());
    sys::panic(0xFFFF_0000)
}
