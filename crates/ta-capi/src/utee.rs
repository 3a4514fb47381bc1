//! OP-TEE's system-call layer: the `_utee_*` functions that OP-TEE's
//! libutee builds the Internal Core API on, for TAs (and libraries such
//! as Teaclave's `optee-utee-sys`) that call them directly. Declared in
//! the devkit's `utee_syscalls.h`, with OP-TEE's signatures; the structures
//! are in `utee_types.h`.
//!
//! On OP-TEE these are system calls into the kernel; here they call the
//! same Rust implementations as the `TEE_*` functions, in the TA's own
//! process. What differs from the `TEE_*` functions is OP-TEE's kernel
//! contract, followed here:
//!
//! * Misuse is a return code, not a panic (OP-TEE's libutee is what turns
//!   those codes into panics): an unknown operation state, enumerator or
//!   TA session is `TEE_ERROR_BAD_PARAMETERS`, an unknown object
//!   `TEE_ERROR_BAD_STATE` (`TEE_ERROR_ITEM_NOT_FOUND` from
//!   `_utee_cryp_obj_get_attr`), a state used for the wrong kind of
//!   operation or in the wrong state whatever the engine's panic code is,
//!   a handle lacking an access right `TEE_ERROR_ACCESS_CONFLICT`.
//! * Handles are 32-bit values: object and enumerator handles are the
//!   `TEE_ObjectHandle` / `TEE_ObjectEnumHandle` values (as on OP-TEE, where
//!   libutee passes them through), TA sessions the `TEE_TASessionHandle`
//!   values, and an operation state is the `TEE_OperationHandle` value of
//!   the same operation table (OP-TEE keeps a separate kernel id).
//! * Lengths the TA gets back are `uint64_t`; a TA's length that does not
//!   fit a `size_t` is `TEE_ERROR_OVERFLOW`.
//! * Pointers: a buffer the TA could not hand over as asked (NULL with a
//!   length, a range wrapping around the address space, or one starting
//!   in memory the runtime knows, a heap block, the image, the stack, a
//!   memref of the current call, and running beyond what grants the
//!   access) is `TEE_ERROR_ACCESS_DENIED`, as OP-TEE's kernel answers when
//!   its copy from or to the TA fails; output buffers are checked for the
//!   capacity the TA claims. Memory the runtime does not track (libc's
//!   heap, other mappings) is taken as the `TEE_*` functions take it: an
//!   unmapped page faults and ends the instance, never the core. Every
//!   buffer is copied with volatile accesses (it may be a memref the
//!   client shares), never borrowed as a Rust reference.
//! * Keys given to `_utee_cryp_state_alloc` belong to the state, as on
//!   OP-TEE: `_utee_cryp_obj_close` of one says `TEE_ERROR_ITEM_NOT_FOUND`
//!   while the state lives, and `_utee_cryp_state_free` closes them.
//! * `_utee_return` ends the entry point in progress with its code, as on
//!   OP-TEE: it unwinds the TA's frames back to the runtime's call of the
//!   entry point, which answers with that code (outputs the TA already
//!   wrote to its `TEE_Param`s go back). Outside an entry point (an ELF
//!   constructor) there is nothing to end: the TA panics with the code.
//!   A TA whose frames cannot be unwound (Rust `extern "C"` entry points,
//!   as Teaclave's macros make) aborts instead: its instance dies.

use crate::crypto::{self, TeeObjectInfo};
use crate::props::TeeUuid;
use crate::{storage, ta2ta};
use oxtee_proto::Uuid;
use oxtee_ta_runtime::crypto::engine::Class;
use oxtee_ta_runtime::crypto::engine::consts::{
    TEE_ATTR_FLAG_PUBLIC, TEE_ATTR_FLAG_VALUE, TEE_ATTR_SM2_KEP_CONFIRMATION_OUT,
    TEE_HANDLE_FLAG_EXPECT_TWO_KEYS, TEE_MODE_DECRYPT, TEE_MODE_ENCRYPT, TEE_MODE_SIGN,
    TEE_USAGE_EXTRACTABLE,
};
use oxtee_ta_runtime::crypto::{self as rc, Attr, Error, ObjHandle, Object, OpHandle, Operation};
use oxtee_ta_runtime::props::{self as rp, PropSet};
use oxtee_ta_runtime::storage as st;
use oxtee_ta_runtime::ta2ta::{self as rt, CallArg, CallResult};
use oxtee_ta_runtime::time::{self as rtime, TeeTime};
use oxtee_ta_runtime::{heap, panic_ta};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::{c_ulong, c_void};
use std::mem::MaybeUninit;

const TEE_SUCCESS: u32 = 0;
const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;
const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
const TEE_ERROR_CANCEL: u32 = 0xFFFF_0002;
const TEE_ERROR_ACCESS_CONFLICT: u32 = 0xFFFF_0003;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const TEE_ERROR_NOT_SUPPORTED: u32 = 0xFFFF_000A;
const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;
const TEE_ERROR_OVERFLOW: u32 = 0xFFFF_300F;
const TEE_ORIGIN_TEE: u32 = 3;

const ACCESS_READ: u32 = heap::ACCESS_READ;
const ACCESS_RW: u32 = heap::ACCESS_READ | heap::ACCESS_WRITE;

const TEE_DATA_FLAG_ACCESS_WRITE_META: u32 = 0x0000_0004;
const TA_FLAG_CACHE_MAINTENANCE: u32 = 1 << 7;
/// `UTEE_TIME_CAT_*`.
const TIME_CAT_SYSTEM: c_ulong = 0;
const TIME_CAT_TA_PERSISTENT: c_ulong = 1;
const TIME_CAT_REE: c_ulong = 2;
/// `TEE_CACHEINVALIDATE`, the last `enum utee_cache_operation`.
const CACHE_OP_LAST: c_ulong = 2;

// ---------------------------------------------------------------------
// The structures of utee_types.h.

/// `struct utee_params`: per parameter, `vals[2n]` is `value.a` or the
/// memref's buffer, `vals[2n + 1]` `value.b` or its size.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct UteeParams {
    types: u64,
    vals: [u64; 8],
}

/// `struct utee_attribute`: `a` and `b` are a value attribute's two
/// words, or a buffer attribute's address and length. (`_pad` makes
/// the C layout's tail padding explicit.)
#[repr(C)]
#[derive(Clone, Copy)]
pub struct UteeAttribute {
    a: u64,
    b: u64,
    attribute_id: u32,
    _pad: u32,
}

/// `struct utee_object_info`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct UteeObjectInfo {
    obj_type: u32,
    obj_size: u32,
    max_obj_size: u32,
    obj_usage: u32,
    data_size: u32,
    data_pos: u32,
    handle_flags: u32,
}

// OP-TEE's layout (LP64): the C structures' sizes.
const _: () = assert!(size_of::<UteeParams>() == 72);
const _: () = assert!(size_of::<UteeAttribute>() == 24);
const _: () = assert!(size_of::<UteeObjectInfo>() == 28);
const _: () = assert!(size_of::<TeeUuid>() == 16 && size_of::<TeeTime>() == 8);

/// Plain data the TA's memory is read into or written from.
///
/// # Safety
/// Only for `repr(C)` types made of integers with no padding bytes:
/// every bit pattern is a value, and every byte of a value is
/// initialised.
unsafe trait Pod: Copy {}

// SAFETY: integers.
unsafe impl Pod for u32 {}
// SAFETY: an integer.
unsafe impl Pod for u64 {}
// SAFETY: repr(C), u64 fields only.
unsafe impl Pod for UteeParams {}
// SAFETY: repr(C), two u64 then two u32 (the padding is a field).
unsafe impl Pod for UteeAttribute {}
// SAFETY: repr(C), seven u32.
unsafe impl Pod for UteeObjectInfo {}
// SAFETY: repr(C): u32, u16, u16, [u8; 8], no padding.
unsafe impl Pod for TeeUuid {}
// SAFETY: repr(C), two u32.
unsafe impl Pod for TeeTime {}

// ---------------------------------------------------------------------
// The TA's memory.

/// Nothing is ever mapped in the first page (the kernel's
/// `mmap_min_addr` keeps more free still).
const LOWEST_MAPPING: usize = 4096;
/// The end of user space: a range reaching beyond it is the kernel's.
#[cfg(target_arch = "x86_64")]
const USER_END: usize = 1 << 47;
#[cfg(not(target_arch = "x86_64"))]
const USER_END: usize = 1 << 48;

/// Whether the TA may hand over `len` bytes at `p` for `flags`
/// (`ACCESS_READ`, or `ACCESS_RW` for outputs): see the module
/// documentation. An empty range always passes.
fn range_ok(flags: u32, p: usize, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    if p < LOWEST_MAPPING || p.checked_add(len).is_none_or(|end| end > USER_END) {
        return false;
    }
    let any = heap::ACCESS_ANY_OWNER;
    // Starts in memory the runtime knows: all of it must be, as asked.
    !heap::check_access(ACCESS_READ | any, p, 1) || heap::check_access(flags | any, p, len)
}

/// A length from the TA as a `size_t`.
fn size_of_u64(v: u64) -> Result<usize, u32> {
    usize::try_from(v).map_err(|_| TEE_ERROR_OVERFLOW)
}

/// A zeroed buffer of `len` bytes, or OUT_OF_MEMORY.
fn zeroed(len: usize) -> Result<Vec<u8>, u32> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
    v.resize(len, 0);
    Ok(v)
}

/// A copy of the `len` bytes the TA passes at `p`.
///
/// # Safety
/// `p` is valid for reads of `len` bytes (the TA's contract, as for the
/// `TEE_*` functions; `range_ok` refuses what is known not to be).
unsafe fn copy_in(p: *const c_void, len: usize) -> Result<Vec<u8>, u32> {
    if !range_ok(ACCESS_READ, p as usize, len) {
        return Err(TEE_ERROR_ACCESS_DENIED);
    }
    let mut v = zeroed(len)?;
    if len != 0 {
        // SAFETY: `p` is readable for `len` bytes (caller's contract); `v`
        // is a distinct allocation of `len` bytes.
        unsafe { oxtee_ta_runtime::volatile_copy(p as *const u8, v.as_mut_ptr(), len) };
    }
    Ok(v)
}

/// [`copy_in`] of an optional input: NULL with a length is
/// BAD_PARAMETERS (as OP-TEE's hash and cipher calls answer).
///
/// # Safety
/// As [`copy_in`].
unsafe fn input(p: *const c_void, len: usize) -> Result<Vec<u8>, u32> {
    if p.is_null() && len != 0 {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: forwarded.
    unsafe { copy_in(p, len) }
}

/// Check an output buffer of `cap` bytes at `p` before anything is
/// computed.
fn out_ok(p: *mut c_void, cap: usize) -> Result<(), u32> {
    if range_ok(ACCESS_RW, p as usize, cap) {
        Ok(())
    } else {
        Err(TEE_ERROR_ACCESS_DENIED)
    }
}

/// Write `data` to `p`, checked with [`out_ok`] for at least
/// `data.len()` bytes.
///
/// # Safety
/// `p` is valid for writes of `data.len()` bytes.
unsafe fn copy_out(p: *mut c_void, data: &[u8]) {
    if !data.is_empty() {
        // SAFETY: caller's contract; `data` is the runtime's own memory.
        unsafe { oxtee_ta_runtime::volatile_copy(data.as_ptr(), p as *mut u8, data.len()) };
    }
}

/// Read a `T` the TA passes at `p`.
///
/// # Safety
/// `p` is valid for reads of a `T` (the TA's contract).
unsafe fn get<T: Pod>(p: *const T) -> Result<T, u32> {
    let n = size_of::<T>();
    if !range_ok(ACCESS_READ, p as usize, n) || p.is_null() {
        return Err(TEE_ERROR_ACCESS_DENIED);
    }
    let mut v = MaybeUninit::<T>::zeroed();
    // SAFETY: `p` is readable for `n` bytes (caller's contract); `v` is
    // `n` bytes of its own.
    unsafe { oxtee_ta_runtime::volatile_copy(p as *const u8, v.as_mut_ptr() as *mut u8, n) };
    // SAFETY: every byte is initialised and any bit pattern is a `T` (Pod).
    Ok(unsafe { v.assume_init() })
}

/// Check that a `T` can be written at `p`.
fn put_ok<T: Pod>(p: *mut T) -> Result<(), u32> {
    if p.is_null() || !range_ok(ACCESS_RW, p as usize, size_of::<T>()) {
        return Err(TEE_ERROR_ACCESS_DENIED);
    }
    Ok(())
}

/// Write `v` to `p`.
///
/// # Safety
/// `p` is valid for writes of a `T` (the TA's contract).
unsafe fn put<T: Pod>(p: *mut T, v: T) -> Result<(), u32> {
    put_ok(p)?;
    // SAFETY: `p` is writable for a `T` (caller's contract); `v` is a
    // `T` whose bytes are all initialised (Pod).
    unsafe {
        oxtee_ta_runtime::volatile_copy(&v as *const T as *const u8, p as *mut u8, size_of::<T>())
    };
    Ok(())
}

/// The result code of a function body written with `?`.
fn done(r: Result<(), u32>) -> u32 {
    r.err().unwrap_or(TEE_SUCCESS)
}

// ---------------------------------------------------------------------
// Return, log, panic.

thread_local! {
    /// How many of the TA's entry points are running (0 or 1).
    static IN_ENTRY: Cell<u32> = const { Cell::new(0) };
    /// What `_utee_log` received since the last line end.
    static LOG_LINE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The key objects each state took in `_utee_cryp_state_alloc`.
    static STATE_KEYS: RefCell<HashMap<OpHandle, Vec<ObjHandle>>> = RefCell::new(HashMap::new());
}

/// The unwinding payload of `_utee_return`.
struct EntryReturn(u32);

/// Run an entry point of the TA (`f` calls it): its result, or the code
/// it passed to `_utee_return`.
pub(crate) fn entry(f: impl FnOnce() -> u32) -> u32 {
    IN_ENTRY.set(IN_ENTRY.get() + 1);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_ENTRY.set(IN_ENTRY.get() - 1);
    match r {
        Ok(code) => code,
        Err(payload) => match payload.downcast::<EntryReturn>() {
            Ok(ret) => ret.0,
            // Nothing else unwinds out of an entry point (a panic of the
            // runtime's own code aborts at its C boundary).
            Err(other) => {
                std::mem::forget(other);
                panic_ta(TEE_ERROR_GENERIC)
            }
        },
    }
}

/// End the entry point in progress with `ret` as its result.
#[unsafe(no_mangle)]
pub extern "C-unwind" fn _utee_return(ret: c_ulong) -> ! {
    let code = ret as u32;
    if IN_ENTRY.get() == 0 {
        panic_ta(code);
    }
    std::panic::resume_unwind(Box::new(EntryReturn(code)))
}

/// The longest line `_utee_log` keeps before it logs what it has.
const LOG_LINE_MAX: usize = 4096;

/// Append `len` bytes to the TA's log (what Teaclave's `trace_println!`
/// calls): the bytes join the log a line at a time (INFO), however the TA
/// splits its writes. A buffer the TA cannot hand over is ignored.
///
/// # Safety
/// `buf` is valid for reading `len` bytes (NULL only with `len` 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_log(buf: *const c_void, len: usize) {
    if buf.is_null() {
        return;
    }
    // SAFETY: caller's contract.
    let Ok(bytes) = (unsafe { copy_in(buf, len) }) else {
        return;
    };
    LOG_LINE.with(|l| {
        let mut l = l.borrow_mut();
        for b in bytes {
            if b == b'\n' || l.len() >= LOG_LINE_MAX {
                oxtee_ta_runtime::trace(2, "", 0, &String::from_utf8_lossy(&l));
                l.clear();
                if b == b'\n' {
                    continue;
                }
            }
            l.push(b);
        }
    });
}

/// TEE_Panic by another name.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_panic(code: c_ulong) -> ! {
    panic_ta(code as u32)
}

// ---------------------------------------------------------------------
// Properties.

fn prop_set(v: c_ulong) -> Option<PropSet> {
    match v {
        0xFFFF_FFFD => Some(PropSet::Implementation),
        0xFFFF_FFFE => Some(PropSet::CurrentClient),
        0xFFFF_FFFF => Some(PropSet::CurrentTa),
        _ => None,
    }
}

/// Copy `bytes` to `buf` (room in `*len`), `*len` set to their size
/// (SHORT_BUFFER when they do not fit), as OP-TEE's property call does.
///
/// # Safety
/// `buf` valid for `*len` bytes, `len` valid.
unsafe fn prop_out(bytes: &[u8], buf: *mut c_void, len: *mut u32) -> Result<(), u32> {
    // SAFETY: caller's contract.
    let cap = unsafe { get(len)? };
    let n = u32::try_from(bytes.len()).map_err(|_| TEE_ERROR_OVERFLOW)?;
    // SAFETY: as above.
    unsafe { put(len, n)? };
    if (cap as usize) < bytes.len() {
        return Err(TEE_ERROR_SHORT_BUFFER);
    }
    out_ok(buf, bytes.len())?;
    // SAFETY: `buf` holds `cap >= bytes.len()` bytes (caller's contract).
    unsafe { copy_out(buf, bytes) };
    Ok(())
}

/// Property number `index` of a set: its type (`prop_type`, if not
/// NULL), value (`buf` with room in `*blen`, if both are not NULL) and
/// NUL-terminated name (`name` with room in `*name_len`, likewise).
/// Indexes run over the whole set as the TA sees it (`TEE_*` enumerators
/// give the same order); past the end, ITEM_NOT_FOUND.
///
/// # Safety
/// Each non-NULL pointer is valid for what it describes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_property(
    prop_set: c_ulong,
    index: c_ulong,
    name: *mut c_void,
    name_len: *mut u32,
    buf: *mut c_void,
    blen: *mut u32,
    prop_type: *mut u32,
) -> u32 {
    let Some(set) = self::prop_set(prop_set) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    let list = rp::list(set);
    let Some(p) = usize::try_from(index).ok().and_then(|i| list.get(i)) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    // As OP-TEE's kernel hands a value out (little-endian: the host
    // tier runs on x86_64 and aarch64), the TrustZone kernel's layout.
    let (kind, value) = oxtee_proto::tee_layout::encode(&p.value);
    // SAFETY: the caller's contract for each pointer.
    done(unsafe {
        (|| {
            if !prop_type.is_null() {
                put(prop_type, kind)?;
            }
            if !buf.is_null() && !blen.is_null() {
                prop_out(&value, buf, blen)?;
            }
            if !name.is_null() && !name_len.is_null() {
                let mut n = p.name.as_bytes().to_vec();
                n.push(0);
                prop_out(&n, name, name_len)?;
            }
            Ok(())
        })()
    })
}

/// The index of the property `name` (`name_len` bytes, a NUL-terminated
/// string within them) in a set.
///
/// # Safety
/// `name` valid for `name_len` bytes, `index` for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_property_name_to_index(
    prop_set: c_ulong,
    name: *const c_void,
    name_len: c_ulong,
    index: *mut u32,
) -> u32 {
    let Some(set) = self::prop_set(prop_set) else {
        return TEE_ERROR_ITEM_NOT_FOUND;
    };
    if name.is_null() || name_len == 0 {
        return TEE_ERROR_BAD_PARAMETERS;
    }
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let mut n = copy_in(name, size_of_u64(name_len)?)?;
            // The last byte is the terminator, whatever it holds.
            n.pop();
            let n = n.split(|&b| b == 0).next().unwrap_or_default();
            let i = rp::list(set)
                .iter()
                .position(|p| p.name.as_bytes() == n)
                .ok_or(TEE_ERROR_ITEM_NOT_FOUND)?;
            put(index, i as u32)
        })()
    })
}

// ---------------------------------------------------------------------
// TA-to-TA.

/// Run a TA-to-TA call with the parameters of `params` (NULL: none):
/// memrefs copied in (the TA's buffers may be shared with its own
/// client), outputs written back into `params` (values, sizes) and the
/// output memrefs (data, on success, as far as it fits).
///
/// # Safety
/// `params` is NULL or valid for reading and writing a `UteeParams`
/// whose memrefs are valid for their sizes.
unsafe fn with_params(
    params: *mut UteeParams,
    call: impl FnOnce(&mut [CallArg<'_>]) -> CallResult,
) -> Result<CallResult, u32> {
    let mut up = if params.is_null() {
        UteeParams::default()
    } else {
        put_ok(params)?;
        // SAFETY: caller's contract.
        unsafe { get(params)? }
    };
    let mut kinds = [0u32; 4];
    let mut mem = [0usize; 4];
    let mut bufs: [Vec<u8>; 4] = Default::default();
    for n in 0..4 {
        let t = ((up.types >> (4 * n)) & 0xF) as u32;
        kinds[n] = t;
        if !matches!(t, 5..=7) {
            if t > 3 {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            continue;
        }
        let (a, size) = (up.vals[2 * n], size_of_u64(up.vals[2 * n + 1])?);
        if a == 0 {
            // A NULL memref only announces no data (OP-TEE).
            if size != 0 {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            continue;
        }
        let p = usize::try_from(a).map_err(|_| TEE_ERROR_ACCESS_DENIED)?;
        let flags = if t == 5 { ACCESS_READ } else { ACCESS_RW };
        if !range_ok(flags, p, size) {
            return Err(TEE_ERROR_ACCESS_DENIED);
        }
        mem[n] = p;
        bufs[n] = if t == 6 {
            zeroed(size)?
        } else {
            // SAFETY: the memref is readable for its size (caller).
            unsafe { copy_in(p as *const c_void, size)? }
        };
    }
    let mut args = Vec::with_capacity(4);
    for (n, buf) in bufs.iter_mut().enumerate() {
        let (a, b) = (up.vals[2 * n] as u32, up.vals[2 * n + 1] as u32);
        let size = buf.len();
        let present = mem[n] != 0;
        args.push(match kinds[n] {
            1 => CallArg::ValueIn { a, b },
            2 => CallArg::ValueOut { a: 0, b: 0 },
            3 => CallArg::ValueInOut { a, b },
            5 => CallArg::MemIn {
                buf: present.then_some(&buf[..]),
                size,
            },
            6 => CallArg::MemOut {
                buf: present.then_some(&mut buf[..]),
                size,
            },
            7 => CallArg::MemInOut {
                buf: present.then_some(&mut buf[..]),
                size,
            },
            _ => CallArg::None,
        });
    }
    let r = call(&mut args);
    let mut sizes = [0usize; 4];
    for (n, a) in args.iter().enumerate() {
        match a {
            CallArg::ValueOut { a, b } | CallArg::ValueInOut { a, b } => {
                up.vals[2 * n] = u64::from(*a);
                up.vals[2 * n + 1] = u64::from(*b);
            }
            CallArg::MemOut { size, .. } | CallArg::MemInOut { size, .. } => {
                sizes[n] = *size;
                up.vals[2 * n + 1] = *size as u64;
            }
            _ => {}
        }
    }
    drop(args);
    if r.result == TEE_SUCCESS {
        for n in 0..4 {
            if matches!(kinds[n], 6 | 7) && mem[n] != 0 {
                let len = sizes[n].min(bufs[n].len());
                // SAFETY: the memref is writable for its original size
                // (caller's contract, checked by range_ok), >= len.
                unsafe { copy_out(mem[n] as *mut c_void, &bufs[n][..len]) };
            }
        }
    }
    if !params.is_null() {
        // SAFETY: caller's contract.
        unsafe { put(params, up)? };
    }
    Ok(r)
}

/// Write a return origin where the TA asked for one (best effort, as
/// OP-TEE's kernel).
///
/// # Safety
/// `p` is NULL or valid for writing a `u32`.
unsafe fn origin_out(p: *mut u32, origin: u32) {
    if !p.is_null() {
        // SAFETY: caller's contract.
        let _ = unsafe { put(p, origin) };
    }
}

/// Open a session to the TA `dest` (`cancel_req_to`: the timeout in ms,
/// `TEE_TIMEOUT_INFINITE` or more for none) with `params`; `*sess` is the
/// session's handle, `*ret_orig` the origin of the result.
///
/// # Safety
/// `dest` readable; `params` as for [`with_params`]; `sess` writable;
/// `ret_orig` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_open_ta_session(
    dest: *const TeeUuid,
    cancel_req_to: c_ulong,
    params: *mut UteeParams,
    sess: *mut u32,
    ret_orig: *mut u32,
) -> u32 {
    // SAFETY: the caller's contract for each pointer.
    let r = unsafe {
        (|| -> Result<(u32, u32), u32> {
            let uuid: Uuid = get(dest)?.into();
            put_ok(sess)?;
            let timeout = u32::try_from(cancel_req_to).unwrap_or(u32::MAX);
            let r = with_params(params, |a| rt::open_session(uuid, timeout, a))?;
            if r.result == TEE_SUCCESS {
                let Some(h) = ta2ta::register_session(r.session) else {
                    rt::close_session(r.session);
                    return Err(TEE_ERROR_OUT_OF_MEMORY);
                };
                put(sess, h)?;
            }
            Ok((r.result, r.origin))
        })()
    };
    let (code, origin) = r.unwrap_or_else(|c| (c, TEE_ORIGIN_TEE));
    // SAFETY: caller's contract.
    unsafe { origin_out(ret_orig, origin) };
    code
}

/// Close a session `_utee_open_ta_session` (or TEE_OpenTASession) opened.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_close_ta_session(sess: c_ulong) -> u32 {
    let Some(id) = usize::try_from(sess).ok().and_then(ta2ta::session_id) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    ta2ta::forget_session(id);
    rt::close_session(id);
    TEE_SUCCESS
}

/// Invoke command `cmd_id` in session `sess` with `params`.
///
/// # Safety
/// `params` as for [`with_params`]; `ret_orig` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_invoke_ta_command(
    sess: c_ulong,
    cancel_req_to: c_ulong,
    cmd_id: c_ulong,
    params: *mut UteeParams,
    ret_orig: *mut u32,
) -> u32 {
    // SAFETY: the caller's contract for each pointer.
    let r = unsafe {
        (|| -> Result<(u32, u32), u32> {
            let id = usize::try_from(sess)
                .ok()
                .and_then(ta2ta::session_id)
                .ok_or(TEE_ERROR_BAD_PARAMETERS)?;
            let timeout = u32::try_from(cancel_req_to).unwrap_or(u32::MAX);
            let r = with_params(params, |a| rt::invoke(id, timeout, cmd_id as u32, a))?;
            Ok((r.result, r.origin))
        })()
    };
    let (code, origin) = r.unwrap_or_else(|c| (c, TEE_ORIGIN_TEE));
    // SAFETY: caller's contract.
    unsafe { origin_out(ret_orig, origin) };
    code
}

// ---------------------------------------------------------------------
// Memory, cancellation, time.

/// TEE_CheckMemoryAccessRights, as a result code.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_check_access_rights(flags: u32, buf: *const c_void, len: usize) -> u32 {
    if heap::check_access(flags, buf as usize, len) {
        TEE_SUCCESS
    } else {
        TEE_ERROR_ACCESS_DENIED
    }
}

/// `*cancel` = whether the current operation is cancelled (and
/// cancellation is not masked).
///
/// # Safety
/// `cancel` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_cancellation_flag(cancel: *mut u32) -> u32 {
    let flag = u32::from(oxtee_ta_runtime::cancellation_flag());
    // SAFETY: caller's contract.
    done(unsafe { put(cancel, flag) })
}

/// Set the cancellation mask; `*old_mask` its previous state.
///
/// # Safety
/// `old_mask` is writable.
unsafe fn set_mask(masked: bool, old_mask: *mut u32) -> u32 {
    if let Err(e) = put_ok(old_mask) {
        return e;
    }
    let old = u32::from(oxtee_ta_runtime::set_cancellation_masked(masked));
    // SAFETY: caller's contract.
    done(unsafe { put(old_mask, old) })
}

/// # Safety
/// `old_mask` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_unmask_cancellation(old_mask: *mut u32) -> u32 {
    // SAFETY: forwarded.
    unsafe { set_mask(false, old_mask) }
}

/// # Safety
/// `old_mask` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_mask_cancellation(old_mask: *mut u32) -> u32 {
    // SAFETY: forwarded.
    unsafe { set_mask(true, old_mask) }
}

/// TEE_Wait (`timeout` ms; `TEE_TIMEOUT_INFINITE` or more: no end).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_wait(timeout: c_ulong) -> u32 {
    match rtime::wait(u32::try_from(timeout).unwrap_or(u32::MAX)) {
        Ok(()) => TEE_SUCCESS,
        Err(rtime::Cancelled) => TEE_ERROR_CANCEL,
    }
}

/// The time of category `cat` (`UTEE_TIME_CAT_*`): written on success
/// and, for TA persistent time, with TEE_ERROR_OVERFLOW.
///
/// # Safety
/// `time` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_time(cat: c_ulong, time: *mut TeeTime) -> u32 {
    let (code, t) = match cat {
        TIME_CAT_SYSTEM => (TEE_SUCCESS, rtime::system_time()),
        TIME_CAT_REE => (TEE_SUCCESS, rtime::ree_time()),
        TIME_CAT_TA_PERSISTENT => match rt::persistent_time() {
            Ok((seconds, millis)) => (TEE_SUCCESS, TeeTime { seconds, millis }),
            Err((code, (seconds, millis))) => (code, TeeTime { seconds, millis }),
        },
        _ => return TEE_ERROR_BAD_PARAMETERS,
    };
    if !matches!(code, TEE_SUCCESS | TEE_ERROR_OVERFLOW) {
        return code;
    }
    // SAFETY: caller's contract.
    match unsafe { put(time, t) } {
        Ok(()) => code,
        Err(e) => e,
    }
}

/// TEE_SetTAPersistentTime (milliseconds above 999: BAD_PARAMETERS).
///
/// # Safety
/// `time` is readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_set_ta_time(time: *const TeeTime) -> u32 {
    // SAFETY: caller's contract.
    let t = match unsafe { get(time) } {
        Ok(t) => t,
        Err(e) => return e,
    };
    if t.millis > 999 {
        return TEE_ERROR_BAD_PARAMETERS;
    }
    rt::set_persistent_time(t.seconds, t.millis)
}

// ---------------------------------------------------------------------
// Cryptographic states.

/// The live operation a state handle designates.
fn state(v: c_ulong) -> Result<OpHandle, u32> {
    usize::try_from(v)
        .ok()
        .and_then(crypto::op_id)
        .filter(|&h| rc::exists(h))
        .ok_or(TEE_ERROR_BAD_PARAMETERS)
}

/// Run `f` on the operation of a state handle.
fn with_state<R>(v: c_ulong, f: impl FnOnce(&mut Operation) -> Result<R, Error>) -> Result<R, u32> {
    let h = state(v)?;
    rc::try_with_op(h, f)
        .ok_or(TEE_ERROR_BAD_PARAMETERS)?
        .map_err(Error::code)
}

/// The live object (transient or persistent) an object handle designates.
fn object(v: c_ulong) -> Option<ObjHandle> {
    usize::try_from(v)
        .ok()
        .and_then(crypto::obj_id)
        .filter(|&h| rc::object_exists(h))
}

/// Whether `obj` is a key a live state took.
fn busy(obj: ObjHandle) -> bool {
    STATE_KEYS.with(|m| {
        let mut m = m.borrow_mut();
        // States freed through TEE_FreeOperation leave their keys free.
        m.retain(|&s, _| rc::exists(s));
        m.values().any(|keys| keys.contains(&obj))
    })
}

/// Close an object handle (transient or persistent).
fn close_object(h: ObjHandle) {
    if rc::persistent_handle(h).is_some() {
        st::returning_codes(|| st::close(h));
    } else {
        rc::remove_transient(h);
    }
}

/// Allocate a state for `algo` in `op_mode` with its keys (`key1`, and
/// `key2` for two-key algorithms such as AES-XTS; 0 for none, as digests
/// take): the keys belong to the state from now on. The state's maximum
/// key size is its key's size.
///
/// # Safety
/// `state` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_state_alloc(
    algo: c_ulong,
    op_mode: c_ulong,
    key1: c_ulong,
    key2: c_ulong,
    state: *mut u32,
) -> u32 {
    done((|| {
        put_ok(state)?;
        let algo = u32::try_from(algo).map_err(|_| TEE_ERROR_NOT_SUPPORTED)?;
        let mode = u32::try_from(op_mode).map_err(|_| TEE_ERROR_NOT_SUPPORTED)?;
        let mut keys = Vec::new();
        for k in [key1, key2] {
            if k == 0 {
                keys.push(None);
                continue;
            }
            let h = object(k).ok_or(TEE_ERROR_BAD_STATE)?;
            if busy(h) {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            // A persistent data object has no key; an uninitialised
            // object no key yet.
            let o = rc::try_with_object(h, |o| o.clone())
                .filter(Object::is_initialized)
                .ok_or(TEE_ERROR_BAD_PARAMETERS)?;
            keys.push(Some((h, o)));
        }
        // Digests take no key (and no key size); every other class
        // takes its key(s) here, and its maximum key size from them.
        let digest = Operation::new(algo, mode, 0).is_ok_and(|o| o.class() == Class::Digest);
        let op = match (digest, &keys[0], &keys[1]) {
            (true, None, None) => Operation::new(algo, mode, 0).map_err(Error::code)?,
            (false, Some((_, k1)), k2) => {
                let bits = k2
                    .as_ref()
                    .map_or(k1.size(), |(_, k2)| k1.size().max(k2.size()));
                let mut op = Operation::new(algo, mode, bits).map_err(Error::code)?;
                let two = op.info().handle_state & TEE_HANDLE_FLAG_EXPECT_TWO_KEYS != 0;
                let r = match k2 {
                    None if !two => op.set_key(Some(k1)),
                    Some((_, k2)) if two => op.set_key2(Some(k1), Some(k2)),
                    _ => return Err(TEE_ERROR_BAD_PARAMETERS),
                };
                r.map_err(Error::code)?;
                op
            }
            _ => return Err(TEE_ERROR_BAD_PARAMETERS),
        };
        let h = rc::insert_op(op).map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
        let taken: Vec<ObjHandle> = keys.iter().flatten().map(|(h, _)| *h).collect();
        STATE_KEYS.with(|m| m.borrow_mut().insert(h, taken));
        // SAFETY: checked writable above (caller's contract).
        unsafe { put(state, crypto::op_value(h)) }
    })())
}

/// `dst` becomes a copy of `src` (same algorithm and mode).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_state_copy(dst: c_ulong, src: c_ulong) -> u32 {
    done((|| {
        let s = with_state(src, |op| Ok(op.clone()))?;
        with_state(dst, |op| op.copy_from(&s))
    })())
}

/// Free a state and close the keys it took.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_state_free(state: c_ulong) -> u32 {
    let h = match self::state(state) {
        Ok(h) => h,
        Err(e) => return e,
    };
    rc::remove_op(h);
    let keys = STATE_KEYS.with(|m| m.borrow_mut().remove(&h));
    for k in keys.into_iter().flatten() {
        if rc::object_exists(k) {
            close_object(k);
        }
    }
    TEE_SUCCESS
}

/// Start a digest again, or a MAC (with `iv`, CBC-MAC's chaining value).
///
/// # Safety
/// `iv` valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_hash_init(state: c_ulong, iv: *const c_void, iv_len: usize) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let iv = input(iv, iv_len)?;
            with_state(state, |op| match op.class() {
                Class::Digest => {
                    op.reset();
                    Ok(())
                }
                Class::Mac => op.mac_init(&iv),
                _ => Err(Error::Bad),
            })
        })()
    })
}

/// Feed a digest or a MAC.
///
/// # Safety
/// `chunk` valid for `chunk_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_hash_update(
    state: c_ulong,
    chunk: *const c_void,
    chunk_size: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let chunk = input(chunk, chunk_size)?;
            with_state(state, |op| match op.class() {
                Class::Digest => op.digest_update(&chunk),
                Class::Mac => op.mac_update(&chunk),
                _ => Err(Error::Bad),
            })
        })()
    })
}

/// An engine result written to `dest` with room in `*dest_len`: the
/// output and its size, or SHORT_BUFFER and the size needed.
///
/// # Safety
/// `dest` checked writable for the room; `dest_len` writable.
unsafe fn write_sized(
    r: Result<Vec<u8>, Error>,
    dest: *mut c_void,
    dest_len: *mut u64,
) -> Result<(), u32> {
    match r {
        Ok(v) => {
            // SAFETY: `v` fits the room the caller checked.
            unsafe {
                copy_out(dest, &v);
                put(dest_len, v.len() as u64)
            }
        }
        Err(Error::ShortBuffer(n)) => {
            // SAFETY: caller's contract.
            unsafe { put(dest_len, n as u64)? };
            Err(TEE_ERROR_SHORT_BUFFER)
        }
        Err(e) => Err(e.code()),
    }
}

/// The room `*len` announces for `buf`, checked: (room).
///
/// # Safety
/// `len` readable and writable.
unsafe fn room(buf: *mut c_void, len: *mut u64) -> Result<usize, u32> {
    put_ok(len)?;
    // SAFETY: caller's contract.
    let cap = size_of_u64(unsafe { get(len)? })?;
    out_ok(buf, cap)?;
    Ok(cap)
}

/// Finish a digest or a MAC with a last chunk: the result in `hash`
/// (room in `*hash_len`, which gets its size; SHORT_BUFFER with the size
/// needed, the state unchanged).
///
/// # Safety
/// `chunk` valid for `chunk_size` bytes, `hash` for `*hash_len`,
/// `hash_len` readable and writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_hash_final(
    state: c_ulong,
    chunk: *const c_void,
    chunk_size: usize,
    hash: *mut c_void,
    hash_len: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let chunk = input(chunk, chunk_size)?;
            let cap = room(hash, hash_len)?;
            let r = with_state(state, |op| {
                Ok(match op.class() {
                    Class::Digest => op.digest_do_final(&chunk, cap),
                    Class::Mac => op.mac_compute_final(&chunk, cap),
                    _ => Err(Error::Bad),
                })
            })?;
            write_sized(r, hash, hash_len)
        })()
    })
}

/// Start a cipher with `iv`.
///
/// # Safety
/// `iv` valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cipher_init(
    state: c_ulong,
    iv: *const c_void,
    iv_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let iv = input(iv, iv_len)?;
            with_state(state, |op| op.cipher_init(&iv))
        })()
    })
}

/// The shape of the update and final calls: a copy of the input, the
/// room the TA announces, the output written back.
///
/// # Safety
/// `src` valid for `src_len` bytes, `dest` for `*dest_len`, `dest_len`
/// readable and writable.
unsafe fn transform(
    state: c_ulong,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut u64,
    f: impl FnOnce(&mut Operation, &[u8], usize) -> Result<Vec<u8>, Error>,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let src = input(src, src_len)?;
            let cap = room(dest, dest_len)?;
            let r = with_state(state, |op| Ok(f(op, &src, cap)))?;
            write_sized(r, dest, dest_len)
        })()
    })
}

/// # Safety
/// As [`transform`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cipher_update(
    state: c_ulong,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut u64,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        transform(state, src, src_len, dest, dest_len, |op, s, n| {
            op.cipher_update(s, n)
        })
    }
}

/// # Safety
/// As [`transform`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cipher_final(
    state: c_ulong,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut u64,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        transform(state, src, src_len, dest, dest_len, |op, s, n| {
            op.cipher_do_final(s, n)
        })
    }
}

/// Start authenticated encryption: `tag_len` in bytes (OP-TEE's libutee
/// passes the GP tag length in bits divided by 8).
///
/// # Safety
/// `nonce` valid for `nonce_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_authenc_init(
    state: c_ulong,
    nonce: *const c_void,
    nonce_len: usize,
    tag_len: usize,
    aad_len: usize,
    payload_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let nonce = input(nonce, nonce_len)?;
            let bits = tag_len
                .checked_mul(8)
                .and_then(|b| u32::try_from(b).ok())
                .ok_or(TEE_ERROR_NOT_SUPPORTED)?;
            with_state(state, |op| {
                op.ae_init(&nonce, bits, aad_len as u64, payload_len as u64)
            })
        })()
    })
}

/// # Safety
/// `aad_data` valid for `aad_data_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_authenc_update_aad(
    state: c_ulong,
    aad_data: *const c_void,
    aad_data_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let aad = input(aad_data, aad_data_len)?;
            with_state(state, |op| op.ae_update_aad(&aad))
        })()
    })
}

/// # Safety
/// As [`transform`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_authenc_update_payload(
    state: c_ulong,
    src_data: *const c_void,
    src_len: usize,
    dest_data: *mut c_void,
    dest_len: *mut u64,
) -> u32 {
    // SAFETY: forwarded.
    unsafe {
        transform(state, src_data, src_len, dest_data, dest_len, |op, s, n| {
            op.ae_update(s, n)
        })
    }
}

/// Finish an encryption: the last output in `dest_data`, the tag in
/// `tag` (room and sizes in `*dest_len` and `*tag_len`; SHORT_BUFFER
/// with both sizes needed).
///
/// # Safety
/// As [`transform`], and `tag` valid for `*tag_len` bytes, `tag_len`
/// readable and writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_authenc_enc_final(
    state: c_ulong,
    src_data: *const c_void,
    src_len: usize,
    dest_data: *mut c_void,
    dest_len: *mut u64,
    tag: *mut c_void,
    tag_len: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let src = input(src_data, src_len)?;
            let cap = room(dest_data, dest_len)?;
            let tag_cap = room(tag, tag_len)?;
            let r = with_state(state, |op| {
                Ok(match op.ae_encrypt_final(&src, cap, tag_cap) {
                    Err(Error::ShortBuffer(n)) => Err((n, op.ae_tag_len())),
                    r => Ok(r),
                })
            })?;
            match r {
                Ok(Ok((out, t))) => {
                    copy_out(dest_data, &out);
                    put(dest_len, out.len() as u64)?;
                    copy_out(tag, &t);
                    put(tag_len, t.len() as u64)
                }
                Ok(Err(e)) => Err(e.code()),
                Err((n, t)) => {
                    put(dest_len, n as u64)?;
                    put(tag_len, t as u64)?;
                    Err(TEE_ERROR_SHORT_BUFFER)
                }
            }
        })()
    })
}

/// Finish a decryption, checking `tag` (MAC_INVALID: nothing released).
///
/// # Safety
/// As [`transform`], and `tag` valid for `tag_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_authenc_dec_final(
    state: c_ulong,
    src_data: *const c_void,
    src_len: usize,
    dest_data: *mut c_void,
    dest_len: *mut u64,
    tag: *const c_void,
    tag_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    let tag = match unsafe { input(tag, tag_len) } {
        Ok(t) => t,
        Err(e) => return e,
    };
    // SAFETY: forwarded.
    unsafe {
        transform(state, src_data, src_len, dest_data, dest_len, |op, s, n| {
            op.ae_decrypt_final(s, n, &tag)
        })
    }
}

/// Copies of `count` attributes at `p` (buffer attributes' bytes
/// copied too; value attributes' words truncated to 32 bits, as OP-TEE).
///
/// # Safety
/// `p` valid for `count` attributes whose buffers are valid.
unsafe fn attrs_in(p: *const UteeAttribute, count: c_ulong) -> Result<Vec<Attr>, u32> {
    let n = size_of_u64(count)?;
    if n == 0 {
        return Ok(Vec::new());
    }
    let bytes = n
        .checked_mul(size_of::<UteeAttribute>())
        .ok_or(TEE_ERROR_OVERFLOW)?;
    if p.is_null() || !range_ok(ACCESS_READ, p as usize, bytes) {
        return Err(TEE_ERROR_ACCESS_DENIED);
    }
    let mut out = Vec::new();
    out.try_reserve_exact(n)
        .map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
    for i in 0..n {
        // SAFETY: attribute `i` lies in the checked array (caller's
        // contract); `wrapping_add` stays in it.
        let a = unsafe { get(p.wrapping_add(i))? };
        out.push(if a.attribute_id & TEE_ATTR_FLAG_VALUE != 0 {
            Attr::Value(a.attribute_id, a.a as u32, a.b as u32)
        } else {
            let len = size_of_u64(a.b)?;
            let buf = usize::try_from(a.a).map_err(|_| TEE_ERROR_ACCESS_DENIED)?;
            // SAFETY: the attribute's buffer (caller's contract).
            Attr::Ref(a.attribute_id, unsafe {
                copy_in(buf as *const c_void, len)?
            })
        });
    }
    Ok(out)
}

/// An asymmetric encryption, decryption or signature (by the state's
/// class and mode) of `src_data`, with parameters `params`.
///
/// # Safety
/// `params` valid for `num_params` attributes, the rest as [`transform`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_asymm_operate(
    state: c_ulong,
    params: *const UteeAttribute,
    num_params: c_ulong,
    src_data: *const c_void,
    src_len: usize,
    dest_data: *mut c_void,
    dest_len: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    let p = match unsafe { attrs_in(params, num_params) } {
        Ok(p) => p,
        Err(e) => return e,
    };
    let rng = &mut rc::OsRng;
    // SAFETY: forwarded.
    unsafe {
        transform(
            state,
            src_data,
            src_len,
            dest_data,
            dest_len,
            |op, s, n| match (op.class(), op.mode()) {
                (Class::AsymmetricCipher, TEE_MODE_ENCRYPT) => op.asymmetric_encrypt(&p, s, n, rng),
                (Class::AsymmetricCipher, TEE_MODE_DECRYPT) => op.asymmetric_decrypt(&p, s, n, rng),
                (Class::AsymmetricSignature, TEE_MODE_SIGN) => {
                    op.asymmetric_sign_digest(&p, s, n, rng)
                }
                _ => Err(Error::Bad),
            },
        )
    }
}

/// Verify signature `sig` of `data` (SIGNATURE_INVALID if it does not
/// hold).
///
/// # Safety
/// `params` valid for `num_params` attributes, `data` for `data_len`
/// bytes, `sig` for `sig_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_asymm_verify(
    state: c_ulong,
    params: *const UteeAttribute,
    num_params: c_ulong,
    data: *const c_void,
    data_len: usize,
    sig: *const c_void,
    sig_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let p = attrs_in(params, num_params)?;
            let data = input(data, data_len)?;
            let sig = input(sig, sig_len)?;
            with_state(state, |op| op.asymmetric_verify_digest(&p, &data, &sig))
        })()
    })
}

/// Derive a key into the transient object `derived_key` (uninitialised,
/// TEE_TYPE_GENERIC_SECRET, or what the algorithm makes). For SM2 key
/// exchange the confirmation value goes into the buffer of the
/// TEE_ATTR_SM2_KEP_CONFIRMATION_OUT parameter (too small: SHORT_BUFFER).
///
/// # Safety
/// `params` valid for `param_count` attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_derive_key(
    state: c_ulong,
    params: *const UteeAttribute,
    param_count: c_ulong,
    derived_key: c_ulong,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let p = attrs_in(params, param_count)?;
            let k = object(derived_key).ok_or(TEE_ERROR_BAD_STATE)?;
            if rc::persistent_handle(k).is_some() {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            let mut out = rc::try_with_object(k, |o| o.clone()).ok_or(TEE_ERROR_BAD_STATE)?;
            let confirm = with_state(state, |op| op.derive_key_with_confirmation(&p, &mut out))?;
            // Where the confirmation goes, checked before the key is kept.
            let mut confirm_out = None;
            if let Some(c) = &confirm {
                for i in 0..size_of_u64(param_count)? {
                    let a = get(params.wrapping_add(i))?;
                    if a.attribute_id == TEE_ATTR_SM2_KEP_CONFIRMATION_OUT {
                        let (buf, len) = (a.a as usize, size_of_u64(a.b)?);
                        if len < c.len() {
                            return Err(TEE_ERROR_SHORT_BUFFER);
                        }
                        out_ok(buf as *mut c_void, len)?;
                        confirm_out = Some(buf);
                    }
                }
            }
            rc::try_with_object(k, |o| *o = out);
            if let (Some(c), Some(buf)) = (confirm, confirm_out) {
                copy_out(buf as *mut c_void, &c);
            }
            Ok(())
        })()
    })
}

/// Random bytes from the kernel.
///
/// # Safety
/// `buf` valid for `blen` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_random_number_generate(buf: *mut c_void, blen: usize) -> u32 {
    done((|| {
        out_ok(buf, blen)?;
        let mut v = zeroed(blen)?;
        oxtee_ta_runtime::random(&mut v);
        // SAFETY: checked writable for `blen` bytes (caller's contract).
        unsafe { copy_out(buf, &v) };
        Ok(())
    })())
}

// ---------------------------------------------------------------------
// Objects.

/// The live object of a handle value, or BAD_STATE.
fn live(v: c_ulong) -> Result<ObjHandle, u32> {
    object(v).ok_or(TEE_ERROR_BAD_STATE)
}

/// A live transient object (a persistent one: BAD_PARAMETERS).
fn transient(v: c_ulong) -> Result<ObjHandle, u32> {
    let h = live(v)?;
    if rc::persistent_handle(h).is_some() {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    Ok(h)
}

/// Run `f` on the key object of `h`.
fn with_key<R>(h: ObjHandle, f: impl FnOnce(&mut Object) -> Result<R, Error>) -> Result<R, u32> {
    rc::try_with_object(h, f)
        .ok_or(TEE_ERROR_BAD_PARAMETERS)?
        .map_err(Error::code)
}

fn utee_info(i: &TeeObjectInfo) -> UteeObjectInfo {
    UteeObjectInfo {
        obj_type: i.object_type,
        obj_size: i.object_size,
        max_obj_size: i.max_object_size,
        obj_usage: i.object_usage,
        data_size: i.data_size as u32,
        data_pos: i.data_position as u32,
        handle_flags: i.handle_flags,
    }
}

/// The object's information.
///
/// # Safety
/// `info` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_obj_get_info(obj: c_ulong, info: *mut UteeObjectInfo) -> u32 {
    done((|| {
        let h = live(obj)?;
        put_ok(info)?;
        let i = st::returning_codes(|| st::try_info(h))?;
        // SAFETY: caller's contract.
        unsafe { put(info, utee_info(&TeeObjectInfo::of(&i))) }
    })())
}

/// Keep only the usage bits of `usage` (a persistent object's new usage
/// is stored).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_obj_restrict_usage(obj: c_ulong, usage: c_ulong) -> u32 {
    done((|| {
        let h = live(obj)?;
        st::returning_codes(|| rc::restrict_usage(h, usage as u32));
        Ok(())
    })())
}

/// An attribute of the object: a buffer attribute's bytes, or a value
/// attribute's two words (8 bytes); `*size` the room in, the size out
/// (SHORT_BUFFER with the size needed). An unknown object or attribute
/// is ITEM_NOT_FOUND; an uninitialised object, or a protected attribute
/// of an object without TEE_USAGE_EXTRACTABLE, BAD_PARAMETERS.
///
/// # Safety
/// `buffer` valid for `*size` bytes, `size` readable and writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_obj_get_attr(
    obj: c_ulong,
    attr_id: c_ulong,
    buffer: *mut c_void,
    size: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = object(obj).ok_or(TEE_ERROR_ITEM_NOT_FOUND)?;
            let id = u32::try_from(attr_id).map_err(|_| TEE_ERROR_ITEM_NOT_FOUND)?;
            let cap = room(buffer, size)?;
            // A persistent data object has no attributes.
            let r = rc::try_with_object(h, |o| {
                // OP-TEE's kernel: BAD_PARAMETERS (the GP function panics
                // with ACCESS_DENIED for the second).
                let hidden =
                    id & TEE_ATTR_FLAG_PUBLIC == 0 && o.usage() & TEE_USAGE_EXTRACTABLE == 0;
                if !o.is_initialized() || hidden {
                    return Err(Error::Bad);
                }
                if id & TEE_ATTR_FLAG_VALUE != 0 {
                    o.value_attribute(id).map(|(a, b)| {
                        let mut v = a.to_ne_bytes().to_vec();
                        v.extend(b.to_ne_bytes());
                        v
                    })
                } else {
                    o.buffer_attribute(id, cap)
                }
            })
            .unwrap_or(Err(Error::ItemNotFound));
            let r = match r {
                Ok(v) if v.len() > cap => Err(Error::ShortBuffer(v.len())),
                r => r,
            };
            write_sized(r, buffer, size)
        })()
    })
}

/// A new transient object of `type` able to hold a key of `max_size`
/// bits.
///
/// # Safety
/// `obj` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_obj_alloc(
    ttype: c_ulong,
    max_size: c_ulong,
    obj: *mut u32,
) -> u32 {
    done((|| {
        put_ok(obj)?;
        let t = u32::try_from(ttype).map_err(|_| TEE_ERROR_NOT_SUPPORTED)?;
        let m = u32::try_from(max_size).map_err(|_| TEE_ERROR_NOT_SUPPORTED)?;
        let o = Object::new(t, m).map_err(Error::code)?;
        let h = rc::insert_object(o).map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
        // SAFETY: checked writable (caller's contract).
        unsafe { put(obj, crypto::obj_ptr(h) as usize as u32) }
    })())
}

/// Close an object (free a transient one). A key a state took:
/// ITEM_NOT_FOUND.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_obj_close(obj: c_ulong) -> u32 {
    done((|| {
        let h = live(obj)?;
        if busy(h) {
            return Err(TEE_ERROR_ITEM_NOT_FOUND);
        }
        close_object(h);
        Ok(())
    })())
}

/// Back to uninitialised (transient objects only).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_obj_reset(obj: c_ulong) -> u32 {
    done((|| {
        let h = transient(obj)?;
        with_key(h, |o| {
            o.reset();
            Ok(())
        })
    })())
}

/// Populate an uninitialised transient object with `attr_count`
/// attributes.
///
/// # Safety
/// `attrs` valid for `attr_count` attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_obj_populate(
    obj: c_ulong,
    attrs: *mut UteeAttribute,
    attr_count: c_ulong,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = transient(obj)?;
            let a = attrs_in(attrs, attr_count)?;
            with_key(h, |o| o.populate(&a))
        })()
    })
}

/// Copy the attributes of `src_obj` into the uninitialised transient
/// object `dst_obj`.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cryp_obj_copy(dst_obj: c_ulong, src_obj: c_ulong) -> u32 {
    done((|| {
        let d = transient(dst_obj)?;
        let s = live(src_obj)?;
        let src = rc::try_with_object(s, |o| o.clone()).ok_or(TEE_ERROR_BAD_PARAMETERS)?;
        with_key(d, |o| o.copy_attributes_from(&src))
    })())
}

/// Generate a key of `key_size` bits into an uninitialised transient
/// object.
///
/// # Safety
/// `params` valid for `param_count` attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_obj_generate_key(
    obj: c_ulong,
    key_size: c_ulong,
    params: *const UteeAttribute,
    param_count: c_ulong,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = transient(obj)?;
            let bits = u32::try_from(key_size).map_err(|_| TEE_ERROR_NOT_SUPPORTED)?;
            let p = attrs_in(params, param_count)?;
            with_key(h, |o| o.generate(bits, &p, &mut rc::OsRng))
        })()
    })
}

// ---------------------------------------------------------------------
// Trusted storage.

/// An object id of at most TEE_OBJECT_ID_MAX_LEN bytes, copied.
///
/// # Safety
/// `p` valid for `len` bytes.
unsafe fn object_id(p: *const c_void, len: usize) -> Result<Vec<u8>, u32> {
    if len > st::TEE_OBJECT_ID_MAX_LEN {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe { copy_in(p, len) }
}

/// A live persistent object (transient: BAD_STATE).
fn persistent(v: c_ulong) -> Result<ObjHandle, u32> {
    let h = live(v)?;
    if rc::persistent_handle(h).is_none() {
        return Err(TEE_ERROR_BAD_STATE);
    }
    Ok(h)
}

/// The core's answer for a handle without the access right, as OP-TEE's
/// kernel gives it.
fn conflict(code: u32) -> u32 {
    if code == TEE_ERROR_ACCESS_DENIED {
        TEE_ERROR_ACCESS_CONFLICT
    } else {
        code
    }
}

/// Storage ids and flags are 32-bit values; anything larger is one this
/// TEE does not have.
fn word(v: c_ulong, e: u32) -> Result<u32, u32> {
    u32::try_from(v).map_err(|_| e)
}

/// Open a persistent object.
///
/// # Safety
/// `object_id` valid for `object_id_len` bytes, `obj` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_obj_open(
    storage_id: c_ulong,
    object_id: *const c_void,
    object_id_len: usize,
    flags: c_ulong,
    obj: *mut u32,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let id = self::object_id(object_id, object_id_len)?;
            put_ok(obj)?;
            let sid = word(storage_id, TEE_ERROR_ITEM_NOT_FOUND)?;
            let f = word(flags, TEE_ERROR_BAD_PARAMETERS)?;
            let h = st::returning_codes(|| st::open(sid, &id, f))?;
            put(obj, crypto::obj_ptr(h) as usize as u32)
        })()
    })
}

/// Create a persistent object: `attr` an initialised object whose type
/// and attributes it takes (0: a data object), `len` bytes of initial
/// data.
///
/// # Safety
/// `object_id` valid for `object_id_len` bytes, `data` for `len`, `obj`
/// writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn _utee_storage_obj_create(
    storage_id: c_ulong,
    object_id: *const c_void,
    object_id_len: usize,
    flags: c_ulong,
    attr: c_ulong,
    data: *const c_void,
    len: usize,
    obj: *mut u32,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let id = self::object_id(object_id, object_id_len)?;
            put_ok(obj)?;
            let sid = word(storage_id, TEE_ERROR_ITEM_NOT_FOUND)?;
            let f = word(flags, TEE_ERROR_BAD_PARAMETERS)?;
            let attrs = match attr {
                0 => None,
                a => {
                    let h = live(a)?;
                    if rc::try_with_object(h, |o| o.is_initialized()) == Some(false) {
                        return Err(TEE_ERROR_BAD_PARAMETERS);
                    }
                    Some(h)
                }
            };
            let data = input(data, len)?;
            let h = st::returning_codes(|| st::create(sid, &id, f, attrs, &data))?;
            put(obj, crypto::obj_ptr(h) as usize as u32)
        })()
    })
}

/// Delete a persistent object opened with TEE_DATA_FLAG_ACCESS_WRITE_META
/// and close its handle (without that right: ACCESS_CONFLICT, the handle
/// stays open).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_obj_del(obj: c_ulong) -> u32 {
    done((|| {
        let h = persistent(obj)?;
        st::returning_codes(|| {
            let i = st::try_info(h)?;
            if i.handle_flags & TEE_DATA_FLAG_ACCESS_WRITE_META == 0 {
                return Err(TEE_ERROR_ACCESS_CONFLICT);
            }
            st::close_and_delete(h)
        })
    })())
}

/// Rename a persistent object (needs TEE_DATA_FLAG_ACCESS_WRITE_META).
///
/// # Safety
/// `new_obj_id` valid for `new_obj_id_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_obj_rename(
    obj: c_ulong,
    new_obj_id: *const c_void,
    new_obj_id_len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = persistent(obj)?;
            let id = object_id(new_obj_id, new_obj_id_len)?;
            st::returning_codes(|| st::rename(h, &id)).map_err(conflict)
        })()
    })
}

/// A new persistent object enumerator.
///
/// # Safety
/// `obj_enum` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_alloc_enum(obj_enum: *mut u32) -> u32 {
    done((|| {
        put_ok(obj_enum)?;
        let id = st::enum_allocate();
        // SAFETY: checked writable (caller's contract).
        unsafe { put(obj_enum, storage::enum_value(id)) }
    })())
}

fn enumerator(v: c_ulong) -> Result<u32, u32> {
    usize::try_from(v)
        .ok()
        .and_then(storage::enum_id)
        .ok_or(TEE_ERROR_BAD_PARAMETERS)
}

#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_free_enum(obj_enum: c_ulong) -> u32 {
    done(enumerator(obj_enum).map(st::enum_free))
}

#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_reset_enum(obj_enum: c_ulong) -> u32 {
    done(enumerator(obj_enum).map(st::enum_reset))
}

/// Start enumerating the objects of `storage_id` (none: ITEM_NOT_FOUND).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_start_enum(obj_enum: c_ulong, storage_id: c_ulong) -> u32 {
    done((|| {
        let e = enumerator(obj_enum)?;
        let sid = word(storage_id, TEE_ERROR_ITEM_NOT_FOUND)?;
        st::returning_codes(|| st::enum_start(e, sid))
    })())
}

/// The next object: its information in `info`, its id in `obj_id` (room
/// for TEE_OBJECT_ID_MAX_LEN bytes, as OP-TEE's kernel requires), its
/// length in `*len`; ITEM_NOT_FOUND at the end.
///
/// # Safety
/// `info` writable, `obj_id` valid for 64 bytes, `len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_next_enum(
    obj_enum: c_ulong,
    info: *mut UteeObjectInfo,
    obj_id: *mut c_void,
    len: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let e = enumerator(obj_enum)?;
            put_ok(info)?;
            put_ok(len)?;
            if obj_id.is_null() {
                return Err(TEE_ERROR_ACCESS_DENIED);
            }
            out_ok(obj_id, st::TEE_OBJECT_ID_MAX_LEN)?;
            let (i, id) = st::returning_codes(|| st::enum_next(e))?;
            copy_out(obj_id, &id);
            put(len, id.len() as u64)?;
            put(info, utee_info(&TeeObjectInfo::of(&i)))
        })()
    })
}

/// Read up to `len` bytes at the data position; `*count` the bytes read.
///
/// # Safety
/// `data` valid for `len` bytes, `count` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_obj_read(
    obj: c_ulong,
    data: *mut c_void,
    len: usize,
    count: *mut u64,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = persistent(obj)?;
            put_ok(count)?;
            out_ok(data, len)?;
            let mut v = zeroed(len)?;
            let n = st::returning_codes(|| st::read(h, &mut v)).map_err(conflict)?;
            copy_out(data, &v[..n]);
            put(count, n as u64)
        })()
    })
}

/// Write `len` bytes at the data position.
///
/// # Safety
/// `data` valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_storage_obj_write(
    obj: c_ulong,
    data: *const c_void,
    len: usize,
) -> u32 {
    // SAFETY: caller's contract.
    done(unsafe {
        (|| {
            let h = persistent(obj)?;
            let v = input(data, len)?;
            st::returning_codes(|| st::write(h, &v)).map_err(conflict)
        })()
    })
}

/// Set the data stream's size (beyond TEE_DATA_MAX_POSITION: OVERFLOW).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_obj_trunc(obj: c_ulong, len: usize) -> u32 {
    done((|| {
        let h = persistent(obj)?;
        let size = u32::try_from(len).map_err(|_| TEE_ERROR_OVERFLOW)?;
        st::returning_codes(|| st::truncate(h, size)).map_err(conflict)
    })())
}

/// Move the data position (`whence`: TEE_DATA_SEEK_*).
#[unsafe(no_mangle)]
pub extern "C" fn _utee_storage_obj_seek(obj: c_ulong, offset: i32, whence: c_ulong) -> u32 {
    done((|| {
        let h = persistent(obj)?;
        let w = word(whence, TEE_ERROR_BAD_PARAMETERS)?;
        st::returning_codes(|| st::seek(h, i64::from(offset), w)).map(|_| ())
    })())
}

// ---------------------------------------------------------------------
// Cache maintenance.

/// Cache maintenance (`op`: `enum utee_cache_operation`) on `l` bytes at
/// `va`, which must lie in the current call's memrefs (OP-TEE: never the
/// TA's private memory), for a TA with TA_FLAG_CACHE_MAINTENANCE (else
/// NOT_SUPPORTED). Host memory is cache coherent: nothing else to do.
#[unsafe(no_mangle)]
pub extern "C" fn _utee_cache_operation(va: *mut c_void, l: usize, op: c_ulong) -> u32 {
    let flags = oxtee_ta_runtime::ta_props().map_or(0, |p| p.flags);
    if flags & TA_FLAG_CACHE_MAINTENANCE == 0 {
        return TEE_ERROR_NOT_SUPPORTED;
    }
    let shared = heap::ACCESS_READ | heap::ACCESS_ANY_OWNER | heap::ACCESS_NONSECURE;
    if !heap::check_access(shared, va as usize, l) {
        return TEE_ERROR_ACCESS_DENIED;
    }
    if op > CACHE_OP_LAST {
        return TEE_ERROR_NOT_SUPPORTED;
    }
    TEE_SUCCESS
}
