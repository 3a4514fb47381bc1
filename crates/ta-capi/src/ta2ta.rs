//! TEE_OpenTASession, TEE_InvokeTACommand, TEE_CloseTASession for C TAs.

use oxtee_proto::Uuid;
use oxtee_ta_runtime::ta2ta::{self, CallArg};
use oxtee_ta_runtime::{TeeParam, panic_ta};
use std::collections::HashSet;
use std::ffi::c_void;
use std::sync::Mutex;

use crate::props::TeeUuid;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ORIGIN_API: u32 = 1;
/// Session handles are session ids offset into a range no pointer uses.
const HANDLE_BASE: usize = 0x7d00_0000;

static OPEN: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

/// The open session a handle value designates, if any.
pub(crate) fn session_id(v: usize) -> Option<u32> {
    let id = v
        .checked_sub(HANDLE_BASE)
        .and_then(|d| u32::try_from(d).ok())?;
    OPEN.lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .contains(&id)
        .then_some(id)
}

/// Record a newly opened session: its handle value, or `None` (the
/// session is left to the caller to close) when the value would not fit
/// in 32 bits.
pub(crate) fn register_session(id: u32) -> Option<u32> {
    let v = u32::try_from(HANDLE_BASE + id as usize).ok()?;
    OPEN.lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .insert(id);
    Some(v)
}

/// Forget a session that is being closed.
pub(crate) fn forget_session(id: u32) {
    OPEN.lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .remove(&id);
}

fn handle_to_id(h: *mut c_void) -> u32 {
    let n = h as usize;
    let id = n
        .checked_sub(HANDLE_BASE)
        .and_then(|d| u32::try_from(d).ok());
    match id {
        Some(id)
            if OPEN
                .lock()
                .unwrap()
                .get_or_insert_with(HashSet::new)
                .contains(&id) =>
        {
            id
        }
        _ => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}

/// Build call arguments from the TA's TEE_Params. Memory references are
/// copied into `bufs` (they may be memrefs shared with the TA's own
/// client, which can change them at any time); [`copy_out`] puts output
/// back.
///
/// # Safety
/// `params` points to four TEE_Params whose memrefs of the given types are
/// valid for their sizes (the GP contract of the caller).
unsafe fn args<'a>(
    types: u32,
    params: *mut TeeParam,
    bufs: &'a mut [Vec<u8>; 4],
) -> Vec<CallArg<'a>> {
    let mut v = Vec::with_capacity(4);
    for (i, buf) in bufs.iter_mut().enumerate() {
        let t = (types >> (4 * i)) & 0xF;
        if t == 0 {
            v.push(CallArg::None);
            continue;
        }
        if params.is_null() {
            panic_ta(TEE_ERROR_BAD_PARAMETERS);
        }
        // SAFETY: `params` has four elements (caller's contract).
        let p = unsafe { &*params.add(i) };
        // SAFETY: the union is read as the member its type names.
        let (value, memref) = unsafe { (p.value, p.memref) };
        let (ptr, size) = (memref.buffer as *const u8, memref.size);
        if matches!(t, 5..=7) && !ptr.is_null() {
            *buf = vec![0u8; size];
            if t != 6 {
                // SAFETY: valid for `size` bytes (caller's contract); `buf`
                // is a distinct allocation of that size.
                unsafe { oxtee_ta_runtime::volatile_copy(ptr, buf.as_mut_ptr(), size) };
            }
        }
        let present = !ptr.is_null();
        v.push(match t {
            1 => CallArg::ValueIn {
                a: value.a,
                b: value.b,
            },
            2 => CallArg::ValueOut { a: 0, b: 0 },
            3 => CallArg::ValueInOut {
                a: value.a,
                b: value.b,
            },
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
            _ => panic_ta(TEE_ERROR_BAD_PARAMETERS),
        });
    }
    v
}

/// Copy the output memrefs of a successful call back into the TA's
/// buffers (at most what each buffer holds).
///
/// # Safety
/// As for `args`; call after `write_back` updated the sizes.
unsafe fn copy_out(types: u32, params: *mut TeeParam, bufs: &[Vec<u8>; 4]) {
    for (i, buf) in bufs.iter().enumerate() {
        let t = (types >> (4 * i)) & 0xF;
        if !matches!(t, 6 | 7) || buf.is_empty() {
            continue;
        }
        // SAFETY: four elements (caller's contract); read as a memref.
        let m = unsafe { (*params.add(i)).memref };
        let n = m.size.min(buf.len());
        if !m.buffer.is_null() {
            // SAFETY: the TA's buffer holds `buf.len() >= n` bytes.
            unsafe { oxtee_ta_runtime::volatile_copy(buf.as_ptr(), m.buffer as *mut u8, n) };
        }
    }
}

/// Write outputs back into the TA's TEE_Params.
///
/// # Safety
/// As for `args`.
unsafe fn write_back(params: *mut TeeParam, args: &[CallArg<'_>]) {
    for (i, a) in args.iter().enumerate() {
        // SAFETY: four elements; each written as the member its type names.
        unsafe {
            match a {
                CallArg::ValueOut { a, b } | CallArg::ValueInOut { a, b } => {
                    (*params.add(i)).value = oxtee_ta_runtime::Value { a: *a, b: *b };
                }
                CallArg::MemOut { size, .. } | CallArg::MemInOut { size, .. } => {
                    (*params.add(i)).memref.size = *size;
                }
                _ => {}
            }
        }
    }
}

fn origin_out(p: *mut u32, origin: u32) {
    if !p.is_null() {
        // SAFETY: a non-NULL return-origin pointer is writable (GP contract).
        unsafe { p.write(origin) };
    }
}

/// # Safety
/// GP contract of TEE_OpenTASession.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_OpenTASession(
    destination: *const TeeUuid,
    timeout: u32,
    param_types: u32,
    params: *mut TeeParam,
    session: *mut *mut c_void,
    return_origin: *mut u32,
) -> u32 {
    if destination.is_null() || session.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: non-NULL and readable (GP contract).
    let uuid: Uuid = unsafe { *destination }.into();
    let mut bufs: [Vec<u8>; 4] = Default::default();
    // SAFETY: forwarded GP contract.
    let mut a = unsafe { args(param_types, params, &mut bufs) };
    let r = ta2ta::open_session(uuid, timeout, &mut a);
    if r.result == TEE_ERROR_BAD_PARAMETERS && r.origin == ORIGIN_API {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: forwarded GP contract.
    unsafe { write_back(params, &a) };
    drop(a);
    if r.result == 0 {
        // SAFETY: forwarded GP contract.
        unsafe { copy_out(param_types, params, &bufs) };
    }
    origin_out(return_origin, r.origin);
    if r.result == 0 {
        OPEN.lock()
            .unwrap()
            .get_or_insert_with(HashSet::new)
            .insert(r.session);
        // SAFETY: non-NULL and writable (GP contract).
        unsafe { session.write((HANDLE_BASE + r.session as usize) as *mut c_void) };
    } else {
        // SAFETY: as above.
        unsafe { session.write(std::ptr::null_mut()) };
    }
    r.result
}

/// # Safety
/// GP contract of TEE_InvokeTACommand.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InvokeTACommand(
    session: *mut c_void,
    timeout: u32,
    command: u32,
    param_types: u32,
    params: *mut TeeParam,
    return_origin: *mut u32,
) -> u32 {
    let id = handle_to_id(session);
    let mut bufs: [Vec<u8>; 4] = Default::default();
    // SAFETY: forwarded GP contract.
    let mut a = unsafe { args(param_types, params, &mut bufs) };
    let r = ta2ta::invoke(id, timeout, command, &mut a);
    if r.result == TEE_ERROR_BAD_PARAMETERS && r.origin == ORIGIN_API {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: forwarded GP contract.
    unsafe { write_back(params, &a) };
    drop(a);
    if r.result == 0 {
        // SAFETY: forwarded GP contract.
        unsafe { copy_out(param_types, params, &bufs) };
    }
    origin_out(return_origin, r.origin);
    r.result
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseTASession(session: *mut c_void) {
    if session.is_null() {
        return;
    }
    let id = handle_to_id(session);
    OPEN.lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .remove(&id);
    ta2ta::close_session(id);
}
