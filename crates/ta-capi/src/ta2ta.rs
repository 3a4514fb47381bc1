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

/// Build call arguments over the TA's TEE_Params.
///
/// # Safety
/// `params` points to four TEE_Params whose memrefs of the given types are
/// valid for their sizes (the GP contract of the caller).
unsafe fn args<'a>(types: u32, params: *mut TeeParam) -> Vec<CallArg<'a>> {
    let mut v = Vec::with_capacity(4);
    for i in 0..4 {
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
        let (ptr, size) = (memref.buffer as *mut u8, memref.size);
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
                // SAFETY: valid for `size` bytes for the call (caller's contract).
                buf: (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts(ptr, size) }),
                size,
            },
            6 => CallArg::MemOut {
                // SAFETY: as above; the TA does not touch it during the call.
                buf: (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(ptr, size) }),
                size,
            },
            7 => CallArg::MemInOut {
                // SAFETY: as above.
                buf: (!ptr.is_null()).then(|| unsafe { std::slice::from_raw_parts_mut(ptr, size) }),
                size,
            },
            _ => panic_ta(TEE_ERROR_BAD_PARAMETERS),
        });
    }
    v
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
    // SAFETY: forwarded GP contract.
    let mut a = unsafe { args(param_types, params) };
    let r = ta2ta::open_session(uuid, timeout, &mut a);
    if r.result == TEE_ERROR_BAD_PARAMETERS && r.origin == ORIGIN_API {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: forwarded GP contract.
    unsafe { write_back(params, &a) };
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
    // SAFETY: forwarded GP contract.
    let mut a = unsafe { args(param_types, params) };
    let r = ta2ta::invoke(id, timeout, command, &mut a);
    if r.result == TEE_ERROR_BAD_PARAMETERS && r.origin == ORIGIN_API {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: forwarded GP contract.
    unsafe { write_back(params, &a) };
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
