//! The GP cryptographic operation API for C TAs (Internal Core API v1.3.1
//! chapter 6): generic operation functions and message digests, over the
//! runtime's operation table (`oxtee_ta_runtime::crypto`).
//!
//! A `TEE_OperationHandle` is the runtime's handle tagged into a pointer
//! value no allocation uses; anything else (and a freed handle), and every
//! NULL pointer GP forbids, panics the TA (GP: "panic reasons").

use oxtee_ta_runtime::crypto::{self as rc, Error, OpHandle};
use oxtee_ta_runtime::panic_ta;
use std::ffi::c_void;

const TEE_SUCCESS: u32 = 0;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;

/// Handles are `OP_TAG | id`: far from any mapping a TA could hold.
const OP_TAG: usize = 0x6f70_0000_0000;
const ID_MASK: usize = 0xFFFF_FFFF;

type OperationHandle = *mut c_void;

fn to_ptr(h: OpHandle) -> OperationHandle {
    (OP_TAG | h as usize) as OperationHandle
}

/// The live operation `p` designates; anything else panics.
fn handle(p: OperationHandle) -> OpHandle {
    let v = p as usize;
    let id = (v & ID_MASK) as OpHandle;
    if v & !ID_MASK != OP_TAG || !rc::exists(id) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    id
}

/// `TEE_OperationInfo`.
#[repr(C)]
pub struct TeeOperationInfo {
    algorithm: u32,
    operation_class: u32,
    mode: u32,
    digest_length: u32,
    max_key_size: u32,
    key_size: u32,
    required_key_usage: u32,
    handle_state: u32,
}

/// The fixed part of `TEE_OperationInfoMultiple`; `numberOfKeys`
/// `TEE_OperationInfoKey`s (two `u32` each) follow it.
#[repr(C)]
pub struct TeeOperationInfoMultiple {
    algorithm: u32,
    operation_class: u32,
    mode: u32,
    digest_length: u32,
    max_key_size: u32,
    handle_state: u32,
    operation_state: u32,
    number_of_keys: u32,
}

/// A caller's input buffer as a slice (empty for a zero length; NULL with
/// a non-zero length panics).
///
/// # Safety
/// `p` is NULL or valid for `len` bytes for the returned lifetime.
unsafe fn input<'a>(p: *const c_void, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    if p.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts(p as *const u8, len) }
}

/// # Safety
/// `operation` is NULL or valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocateOperation(
    operation: *mut OperationHandle,
    algorithm: u32,
    mode: u32,
    max_key_size: u32,
) -> u32 {
    if operation.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let (h, r) = match rc::allocate(algorithm, mode, max_key_size) {
        Ok(h) => (to_ptr(h), TEE_SUCCESS),
        Err(e) => (std::ptr::null_mut(), e.code()),
    };
    // SAFETY: non-NULL, writable (caller's contract).
    unsafe { operation.write(h) };
    r
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreeOperation(operation: OperationHandle) {
    if operation.is_null() {
        return;
    }
    rc::free(handle(operation))
}

/// # Safety
/// `info` is valid for writing a `TEE_OperationInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetOperationInfo(
    operation: OperationHandle,
    info: *mut TeeOperationInfo,
) {
    let h = handle(operation);
    if info.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let i = rc::info(h);
    let out = TeeOperationInfo {
        algorithm: i.algorithm,
        operation_class: i.operation_class,
        mode: i.mode,
        digest_length: i.digest_length,
        max_key_size: i.max_key_size,
        key_size: i.key_size,
        required_key_usage: i.required_key_usage,
        handle_state: i.handle_state,
    };
    // SAFETY: non-NULL, writable (caller's contract).
    unsafe { info.write_unaligned(out) };
}

/// The size rules of TEE_GetOperationInfoMultiple: `*size` is the
/// buffer's size in, the size of the information out; a buffer smaller
/// than the header and the operation's key slots is SHORT_BUFFER.
///
/// # Safety
/// `info` is valid for `cap` bytes.
unsafe fn info_multiple(h: OpHandle, info: *mut c_void, cap: usize) -> (u32, usize) {
    let i = rc::info_multiple(h);
    let head = size_of::<TeeOperationInfoMultiple>();
    let need = head + 8 * i.keys.len();
    if cap < need {
        return (TEE_ERROR_SHORT_BUFFER, need);
    }
    if info.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let fixed = TeeOperationInfoMultiple {
        algorithm: i.algorithm,
        operation_class: i.operation_class,
        mode: i.mode,
        digest_length: i.digest_length,
        max_key_size: i.max_key_size,
        handle_state: i.handle_state,
        operation_state: i.operation_state,
        number_of_keys: i.keys.len() as u32,
    };
    // SAFETY: `info` holds `cap >= need` bytes (caller's contract).
    unsafe { (info as *mut TeeOperationInfoMultiple).write_unaligned(fixed) };
    for (n, k) in i.keys.iter().enumerate() {
        // SAFETY: key `n` lies inside the first `need` bytes.
        unsafe {
            let p = (info as *mut u8).add(head + 8 * n) as *mut [u32; 2];
            p.write_unaligned([k.key_size, k.required_key_usage]);
        }
    }
    (TEE_SUCCESS, need)
}

/// # Safety
/// `info` is valid for `*size` bytes; `size` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetOperationInfoMultiple(
    operation: OperationHandle,
    info: *mut c_void,
    size: *mut usize,
) -> u32 {
    let h = handle(operation);
    if size.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    let (r, n) = unsafe { info_multiple(h, info, *size) };
    // SAFETY: as above.
    unsafe { *size = n };
    r
}

// The GP 1.1 forms (`uint32_t` sizes) are the devkit's shims in
// src/tee_api_compat.c, linked only into GP 1.1 TAs.

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetOperation(operation: OperationHandle) {
    rc::reset(handle(operation))
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyOperation(dst: OperationHandle, src: OperationHandle) {
    let (d, s) = (handle(dst), handle(src));
    rc::copy(d, s)
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_IsAlgorithmSupported(alg: u32, element: u32) -> u32 {
    match rc::is_algorithm_supported(alg, element) {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}

/// # Safety
/// `chunk` is valid for `chunk_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestUpdate(
    operation: OperationHandle,
    chunk: *const c_void,
    chunk_size: usize,
) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    rc::digest_update(h, unsafe { input(chunk, chunk_size) })
}

/// DoFinal with room for `cap` bytes at `hash`: (result, size to report).
///
/// # Safety
/// `chunk` valid for `chunk_len` bytes, `hash` for `cap` bytes.
unsafe fn do_final(
    operation: OperationHandle,
    chunk: *const c_void,
    chunk_len: usize,
    hash: *mut c_void,
    cap: usize,
) -> (u32, usize) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    let chunk = unsafe { input(chunk, chunk_len) };
    match rc::digest_do_final(h, chunk, cap) {
        Ok(d) => {
            if !d.is_empty() {
                if hash.is_null() {
                    panic_ta(TEE_ERROR_BAD_PARAMETERS);
                }
                // SAFETY: `hash` holds `cap >= d.len()` bytes.
                unsafe { std::ptr::copy_nonoverlapping(d.as_ptr(), hash as *mut u8, d.len()) };
            }
            (TEE_SUCCESS, d.len())
        }
        Err(Error::ShortBuffer(n)) => (TEE_ERROR_SHORT_BUFFER, n),
        Err(e) => (e.code(), cap),
    }
}

/// # Safety
/// `chunk` is valid for `chunk_len` bytes, `hash` for `*hash_len` bytes,
/// `hash_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestDoFinal(
    operation: OperationHandle,
    chunk: *const c_void,
    chunk_len: usize,
    hash: *mut c_void,
    hash_len: *mut usize,
) -> u32 {
    if hash_len.is_null() {
        handle(operation);
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    let (r, n) = unsafe { do_final(operation, chunk, chunk_len, hash, *hash_len) };
    // SAFETY: as above.
    unsafe { *hash_len = n };
    r
}

/// # Safety
/// `hash` is valid for `*hash_len` bytes; `hash_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestExtract(
    operation: OperationHandle,
    hash: *mut c_void,
    hash_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if hash_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    let len = unsafe { *hash_len };
    if len == 0 {
        rc::digest_extract(h, &mut []);
        return TEE_SUCCESS;
    }
    if hash.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: `hash` holds `len` writable bytes (caller's contract); the
    // slice lives only for this call.
    let out = unsafe { std::slice::from_raw_parts_mut(hash as *mut u8, len) };
    rc::digest_extract(h, out);
    TEE_SUCCESS
}
