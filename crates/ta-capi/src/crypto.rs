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

/// Handles are `OP_TAG | id`: 32 bits, as OP-TEE TAs expect (they pass
/// handles through `value.a`), and below every mapping of a TA process
/// (the kernel places them top-down from high addresses).
const OP_TAG: usize = 0x6f00_0000;
const ID_MASK: usize = oxtee_ta_runtime::MAX_HANDLE_ID as usize;

type OperationHandle = *mut c_void;

fn to_ptr(h: OpHandle) -> OperationHandle {
    (OP_TAG | h as usize) as OperationHandle
}

/// The operation id a handle value carries (whether or not it is live);
/// `None` for a value without the operation tag.
pub(crate) fn op_id(v: usize) -> Option<OpHandle> {
    (v & !ID_MASK == OP_TAG).then_some((v & ID_MASK) as OpHandle)
}

/// The handle value of operation `h` (32 bits).
pub(crate) fn op_value(h: OpHandle) -> u32 {
    (OP_TAG | h as usize) as u32
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
/// A copy of the TA's input buffer. The buffer may be a memref shared
/// with the client, which can change it at any time: the engine works on
/// a snapshot, never on a slice over shared memory.
///
/// # Safety
/// `p` is NULL or valid for reads of `len` bytes.
pub(crate) unsafe fn input(p: *const c_void, len: usize) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    if p.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let mut v = vec![0u8; len];
    // SAFETY: `p` is valid for `len` bytes (caller's contract); `v` is a
    // distinct allocation of the same length.
    unsafe { oxtee_ta_runtime::volatile_copy(p as *const u8, v.as_mut_ptr(), len) };
    v
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
    rc::digest_update(h, &unsafe { input(chunk, chunk_size) })
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
    let chunk = &unsafe { input(chunk, chunk_len) };
    match rc::digest_do_final(h, chunk, cap) {
        Ok(d) => {
            if !d.is_empty() {
                if hash.is_null() {
                    panic_ta(TEE_ERROR_BAD_PARAMETERS);
                }
                // SAFETY: `hash` holds `cap >= d.len()` bytes.
                unsafe { oxtee_ta_runtime::volatile_copy(d.as_ptr(), hash as *mut u8, d.len()) };
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
    // A fixed-length digest is handed out in pieces: what is left of it,
    // at most `len` bytes (OP-TEE); the count goes back in `*hash_len`.
    let mut out = vec![0u8; len];
    let n = rc::digest_extract(h, &mut out);
    // SAFETY: `hash` holds `len >= n` writable bytes (caller's contract).
    unsafe { oxtee_ta_runtime::volatile_copy(out.as_ptr(), hash as *mut u8, n) };
    // SAFETY: as above.
    unsafe { *hash_len = n };
    TEE_SUCCESS
}

// ---------------------------------------------------------------------
// Transient objects (GP 1.3.1 chapter 5) and keys of operations.

use oxtee_ta_runtime::crypto::{Attr, ObjHandle};

const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const TEE_ATTR_FLAG_VALUE: u32 = 1 << 29;

/// Object handles are `OBJ_TAG | id`, distinct from operation handles.
const OBJ_TAG: usize = 0x6e00_0000;

pub(crate) type ObjectHandle = *mut c_void;

pub(crate) fn obj_ptr(h: ObjHandle) -> ObjectHandle {
    (OBJ_TAG | h as usize) as ObjectHandle
}

/// The object id a handle value carries (whether or not it is live);
/// `None` for a value without the object tag.
pub(crate) fn obj_id(v: usize) -> Option<ObjHandle> {
    (v & !ID_MASK == OBJ_TAG).then_some((v & ID_MASK) as ObjHandle)
}

/// The live transient object `p` designates; anything else panics.
pub(crate) fn object(p: ObjectHandle) -> ObjHandle {
    let v = p as usize;
    let id = (v & ID_MASK) as ObjHandle;
    if v & !ID_MASK != OBJ_TAG || !rc::object_exists(id) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    id
}

/// `TEE_ObjectInfo`.
#[repr(C)]
pub struct TeeObjectInfo {
    pub(crate) object_type: u32,
    pub(crate) object_size: u32,
    pub(crate) max_object_size: u32,
    pub(crate) object_usage: u32,
    pub(crate) data_size: usize,
    pub(crate) data_position: usize,
    pub(crate) handle_flags: u32,
}

impl TeeObjectInfo {
    pub(crate) fn of(i: &oxtee_ta_runtime::storage::Info) -> TeeObjectInfo {
        TeeObjectInfo {
            object_type: i.object_type,
            object_size: i.object_size,
            max_object_size: i.max_object_size,
            object_usage: i.usage,
            data_size: i.data_size as usize,
            data_position: i.data_position as usize,
            handle_flags: i.handle_flags,
        }
    }
}

/// `TEE_Attribute`: the union is `ref` (buffer, length) or `value` (a, b).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TeeAttribute {
    attribute_id: u32,
    content: [usize; 2],
}

/// Copies of `count` attributes at `attrs` (NULL with a non-zero count,
/// or a NULL buffer with a non-zero length, panics).
///
/// # Safety
/// `attrs` is valid for `count` attributes whose buffers are valid.
unsafe fn attrs_in(attrs: *const TeeAttribute, count: u32) -> Vec<Attr> {
    if count == 0 {
        return Vec::new();
    }
    if attrs.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    (0..count as usize)
        .map(|i| {
            // SAFETY: caller's contract.
            let a = unsafe { attrs.add(i).read_unaligned() };
            if a.attribute_id & TEE_ATTR_FLAG_VALUE != 0 {
                let [lo, _] = a.content;
                Attr::Value(a.attribute_id, lo as u32, (lo >> 32) as u32)
            } else {
                // SAFETY: caller's contract.
                let b = &unsafe { input(a.content[0] as *const c_void, a.content[1]) };
                Attr::Ref(a.attribute_id, b.to_vec())
            }
        })
        .collect()
}

/// # Safety
/// `object` is valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocateTransientObject(
    object_type: u32,
    max_object_size: u32,
    object: *mut ObjectHandle,
) -> u32 {
    if object.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let (h, r) = match rc::allocate_object(object_type, max_object_size) {
        Ok(h) => (obj_ptr(h), TEE_SUCCESS),
        Err(e) => (std::ptr::null_mut(), e.code()),
    };
    // SAFETY: non-NULL, writable (caller's contract).
    unsafe { object.write(h) };
    r
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreeTransientObject(object: ObjectHandle) {
    if !object.is_null() {
        rc::free_object(self::object(object))
    }
}

/// TEE_CloseObject: a persistent object is closed, a transient one
/// freed.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseObject(object: ObjectHandle) {
    if object.is_null() {
        return;
    }
    let h = self::object(object);
    if rc::persistent_handle(h).is_some() {
        oxtee_ta_runtime::storage::close(h)
    } else {
        rc::free_object(h)
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetTransientObject(object: ObjectHandle) {
    if !object.is_null() {
        rc::reset_object(self::object(object))
    }
}

/// # Safety
/// `attrs` is valid for `attr_count` attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_PopulateTransientObject(
    object: ObjectHandle,
    attrs: *const TeeAttribute,
    attr_count: u32,
) -> u32 {
    let h = self::object(object);
    // SAFETY: caller's contract.
    let a = unsafe { attrs_in(attrs, attr_count) };
    match rc::populate(h, &a) {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}

/// # Safety
/// `attr` is valid for writing a `TEE_Attribute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InitRefAttribute(
    attr: *mut TeeAttribute,
    attribute_id: u32,
    buffer: *const c_void,
    length: usize,
) {
    if attr.is_null() || attribute_id & TEE_ATTR_FLAG_VALUE != 0 {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let a = TeeAttribute {
        attribute_id,
        content: [buffer as usize, length],
    };
    // SAFETY: caller's contract.
    unsafe { attr.write_unaligned(a) };
}

/// # Safety
/// `attr` is valid for writing a `TEE_Attribute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InitValueAttribute(
    attr: *mut TeeAttribute,
    attribute_id: u32,
    a: u32,
    b: u32,
) {
    if attr.is_null() || attribute_id & TEE_ATTR_FLAG_VALUE == 0 {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let v = TeeAttribute {
        attribute_id,
        content: [a as usize | (b as usize) << 32, 0],
    };
    // SAFETY: caller's contract.
    unsafe { attr.write_unaligned(v) };
}

/// # Safety
/// `params` is valid for `param_count` attributes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GenerateKey(
    object: ObjectHandle,
    key_size: u32,
    params: *const TeeAttribute,
    param_count: u32,
) -> u32 {
    let h = self::object(object);
    // SAFETY: caller's contract.
    let p = unsafe { attrs_in(params, param_count) };
    match rc::generate_key(h, key_size, &p) {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}

/// # Safety
/// `info` is valid for writing a `TEE_ObjectInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectInfo1(object: ObjectHandle, info: *mut TeeObjectInfo) -> u32 {
    let h = self::object(object);
    if info.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let out = TeeObjectInfo::of(&oxtee_ta_runtime::storage::info(h));
    // SAFETY: caller's contract.
    unsafe { info.write_unaligned(out) };
    TEE_SUCCESS
}

/// The deprecated form of TEE_GetObjectInfo1.
///
/// # Safety
/// As TEE_GetObjectInfo1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectInfo(object: ObjectHandle, info: *mut TeeObjectInfo) {
    // SAFETY: caller's contract.
    unsafe { TEE_GetObjectInfo1(object, info) };
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_RestrictObjectUsage1(object: ObjectHandle, object_usage: u32) -> u32 {
    rc::restrict_usage(self::object(object), object_usage);
    TEE_SUCCESS
}

/// The deprecated form of TEE_RestrictObjectUsage1.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_RestrictObjectUsage(object: ObjectHandle, object_usage: u32) {
    TEE_RestrictObjectUsage1(object, object_usage);
}

/// # Safety
/// `buffer` is valid for `*size` bytes; `size` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectBufferAttribute(
    object: ObjectHandle,
    attribute_id: u32,
    buffer: *mut c_void,
    size: *mut usize,
) -> u32 {
    let h = self::object(object);
    if size.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    let cap = unsafe { *size };
    match rc::buffer_attribute(h, attribute_id, cap) {
        Ok(v) => {
            // SAFETY: caller's contract; `v.len() <= cap`.
            unsafe {
                output(buffer, &v);
                *size = v.len();
            }
            TEE_SUCCESS
        }
        Err(Error::ShortBuffer(n)) => {
            // SAFETY: caller's contract.
            unsafe { *size = n };
            TEE_ERROR_SHORT_BUFFER
        }
        Err(e) => {
            debug_assert_eq!(e.code(), TEE_ERROR_ITEM_NOT_FOUND);
            e.code()
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyObjectAttributes1(dst: ObjectHandle, src: ObjectHandle) -> u32 {
    let (d, s) = (object(dst), object(src));
    rc::copy_object_attributes(d, s);
    TEE_SUCCESS
}

/// The deprecated form of TEE_CopyObjectAttributes1.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyObjectAttributes(dst: ObjectHandle, src: ObjectHandle) {
    TEE_CopyObjectAttributes1(dst, src);
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetOperationKey(operation: OperationHandle, key: ObjectHandle) -> u32 {
    let h = handle(operation);
    let k = if key.is_null() {
        None
    } else {
        Some(object(key))
    };
    rc::set_key(h, k);
    TEE_SUCCESS
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetOperationKey2(
    operation: OperationHandle,
    key1: ObjectHandle,
    key2: ObjectHandle,
) -> u32 {
    let h = handle(operation);
    let k = |p: ObjectHandle| if p.is_null() { None } else { Some(object(p)) };
    rc::set_key2(h, k(key1), k(key2));
    TEE_SUCCESS
}

/// # Safety
/// `a` and `b` are valid for writes (NULL panics).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectValueAttribute(
    object: ObjectHandle,
    attribute_id: u32,
    a: *mut u32,
    b: *mut u32,
) -> u32 {
    let h = self::object(object);
    match rc::value_attribute(h, attribute_id) {
        Ok((x, y)) => {
            if a.is_null() || b.is_null() {
                panic_ta(TEE_ERROR_BAD_PARAMETERS);
            }
            // SAFETY: caller's contract.
            unsafe {
                *a = x;
                *b = y;
            }
            TEE_SUCCESS
        }
        Err(e) => e.code(),
    }
}

/// Copy `v` to `out` (NULL with a non-empty `v` panics).
///
/// # Safety
/// `out` is valid for `v.len()` bytes.
pub(crate) unsafe fn output(out: *mut c_void, v: &[u8]) {
    if v.is_empty() {
        return;
    }
    if out.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe { oxtee_ta_runtime::volatile_copy(v.as_ptr(), out as *mut u8, v.len()) };
}

/// An engine result written to `dest`/`*dest_len`: the GP return code.
///
/// # Safety
/// `dest` is valid for `*dest_len` bytes, `dest_len` valid and non-NULL.
unsafe fn write_out(r: Result<Vec<u8>, Error>, dest: *mut c_void, dest_len: *mut usize) -> u32 {
    match r {
        Ok(v) => {
            // SAFETY: caller's contract; the engine checked the capacity.
            unsafe {
                output(dest, &v);
                *dest_len = v.len();
            }
            TEE_SUCCESS
        }
        Err(Error::ShortBuffer(n)) => {
            // SAFETY: caller's contract.
            unsafe { *dest_len = n };
            TEE_ERROR_SHORT_BUFFER
        }
        Err(e) => e.code(),
    }
}

/// # Safety
/// `iv` is valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherInit(
    operation: OperationHandle,
    iv: *const c_void,
    iv_len: usize,
) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    rc::cipher_init(h, &unsafe { input(iv, iv_len) })
}

/// # Safety
/// `src` valid for `src_len` bytes, `dest` for `*dest_len`, `dest_len`
/// valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherUpdate(
    operation: OperationHandle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let r = rc::cipher_update(h, &input(src, src_len), *dest_len);
        write_out(r, dest, dest_len)
    }
}

/// # Safety
/// As TEE_CipherUpdate.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherDoFinal(
    operation: OperationHandle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let r = rc::cipher_do_final(h, &input(src, src_len), *dest_len);
        write_out(r, dest, dest_len)
    }
}

/// # Safety
/// `iv` is valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACInit(operation: OperationHandle, iv: *const c_void, iv_len: usize) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    rc::mac_init(h, &unsafe { input(iv, iv_len) })
}

/// # Safety
/// `chunk` is valid for `chunk_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACUpdate(
    operation: OperationHandle,
    chunk: *const c_void,
    chunk_size: usize,
) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    rc::mac_update(h, &unsafe { input(chunk, chunk_size) })
}

/// # Safety
/// `message` valid for `message_len` bytes, `mac` for `*mac_len`,
/// `mac_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACComputeFinal(
    operation: OperationHandle,
    message: *const c_void,
    message_len: usize,
    mac: *mut c_void,
    mac_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if mac_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let r = rc::mac_compute_final(h, &input(message, message_len), *mac_len);
        write_out(r, mac, mac_len)
    }
}

/// # Safety
/// `message` valid for `message_len` bytes, `mac` for `mac_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACCompareFinal(
    operation: OperationHandle,
    message: *const c_void,
    message_len: usize,
    mac: *const c_void,
    mac_len: usize,
) -> u32 {
    let h = handle(operation);
    // SAFETY: caller's contract.
    let r = unsafe { rc::mac_compare_final(h, &input(message, message_len), &input(mac, mac_len)) };
    match r {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}

// ---------------------------------------------------------------------
// Authenticated encryption (the GP 1.1 forms are the devkit's shims).

/// # Safety
/// `nonce` is valid for `nonce_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEInit(
    operation: OperationHandle,
    nonce: *const c_void,
    nonce_len: usize,
    tag_len: u32,
    aad_len: usize,
    payload_len: usize,
) -> u32 {
    let h = handle(operation);
    // SAFETY: caller's contract.
    let nonce = &unsafe { input(nonce, nonce_len) };
    match rc::ae_init(h, nonce, tag_len, aad_len as u64, payload_len as u64) {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}

/// # Safety
/// `aad` is valid for `aad_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEUpdateAAD(
    operation: OperationHandle,
    aad: *const c_void,
    aad_len: usize,
) {
    let h = handle(operation);
    // SAFETY: caller's contract.
    rc::ae_update_aad(h, &unsafe { input(aad, aad_len) })
}

/// # Safety
/// As TEE_CipherUpdate.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEUpdate(
    operation: OperationHandle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let r = rc::ae_update(h, &input(src, src_len), *dest_len);
        write_out(r, dest, dest_len)
    }
}

/// # Safety
/// `src` valid for `src_len` bytes, `dest` for `*dest_len`, `tag` for
/// `*tag_len`; `dest_len` and `tag_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEEncryptFinal(
    operation: OperationHandle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
    tag: *mut c_void,
    tag_len: *mut usize,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() || tag_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        match rc::ae_encrypt_final(h, &input(src, src_len), *dest_len, *tag_len) {
            Ok((out, t)) => {
                output(dest, &out);
                *dest_len = out.len();
                output(tag, &t);
                *tag_len = t.len();
                TEE_SUCCESS
            }
            Err(Error::ShortBuffer(n)) => {
                *dest_len = n;
                *tag_len = rc::ae_tag_len(h);
                TEE_ERROR_SHORT_BUFFER
            }
            Err(e) => e.code(),
        }
    }
}

/// # Safety
/// `src` valid for `src_len` bytes, `dest` for `*dest_len`, `tag` for
/// `tag_len`; `dest_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEDecryptFinal(
    operation: OperationHandle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
    tag: *const c_void,
    tag_len: usize,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let r = rc::ae_decrypt_final(h, &input(src, src_len), *dest_len, &input(tag, tag_len));
        write_out(r, dest, dest_len)
    }
}

/// # Safety
/// `params` is valid for `param_count` attributes whose buffers are valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DeriveKey(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    derived_key: ObjectHandle,
) {
    let h = handle(operation);
    let k = object(derived_key);
    // SAFETY: caller's contract.
    let a = unsafe { attrs_in(params, param_count) };
    if let Some(confirm) = rc::derive_key(h, &a, k) {
        // SM2 key exchange: the confirmation value goes into the buffer of
        // the TEE_ATTR_SM2_KEP_CONFIRMATION_OUT parameter (as OP-TEE).
        for i in 0..param_count as usize {
            // SAFETY: `params` is valid for `param_count` attributes
            // (checked non-NULL by attrs_in when the count is non-zero).
            let p = unsafe { params.add(i).read_unaligned() };
            if p.attribute_id == TEE_ATTR_SM2_KEP_CONFIRMATION_OUT {
                if p.content[1] < confirm.len() {
                    panic_ta(TEE_ERROR_SHORT_BUFFER);
                }
                // SAFETY: the attribute's buffer is valid for its length
                // (caller's contract), which holds the value.
                unsafe { output(p.content[0] as *mut c_void, &confirm) };
            }
        }
    }
}

const TEE_ATTR_SM2_KEP_CONFIRMATION_OUT: u32 = 0xD000_0846;

// ---------------------------------------------------------------------
// Asymmetric operations (the GP 1.1 forms are the devkit's shims).

/// An asymmetric operation of the runtime: (operation, parameters, input,
/// room for output) -> output.
type AsymFn = fn(OpHandle, &[Attr], &[u8], usize) -> Result<Vec<u8>, Error>;

/// The shape of TEE_AsymmetricEncrypt, Decrypt and SignDigest: copies of
/// the parameters and the input, `f` with the room `*dest_len` gives,
/// the output written back (or SHORT_BUFFER with the size needed).
///
/// # Safety
/// `params` valid for `param_count` attributes, `src` for `src_len`
/// bytes, `dest` for `*dest_len`, `dest_len` valid.
#[allow(clippy::too_many_arguments)]
unsafe fn asym_out(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
    f: AsymFn,
) -> u32 {
    let h = handle(operation);
    if dest_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    unsafe {
        let p = attrs_in(params, param_count);
        let r = f(h, &p, &input(src, src_len), *dest_len);
        write_out(r, dest, dest_len)
    }
}

/// # Safety
/// `params` valid for `param_count` attributes, `src` for `src_len`
/// bytes, `dest` for `*dest_len`, `dest_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricEncrypt(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    // SAFETY: caller's contract.
    unsafe {
        asym_out(
            operation,
            params,
            param_count,
            src,
            src_len,
            dest,
            dest_len,
            rc::asymmetric_encrypt,
        )
    }
}

/// # Safety
/// As [`TEE_AsymmetricEncrypt`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricDecrypt(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    // SAFETY: caller's contract.
    unsafe {
        asym_out(
            operation,
            params,
            param_count,
            src,
            src_len,
            dest,
            dest_len,
            rc::asymmetric_decrypt,
        )
    }
}

/// # Safety
/// `params` valid for `param_count` attributes, `digest` for
/// `digest_len` bytes, `signature` for `*signature_len`,
/// `signature_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricSignDigest(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    digest: *const c_void,
    digest_len: usize,
    signature: *mut c_void,
    signature_len: *mut usize,
) -> u32 {
    // SAFETY: caller's contract.
    unsafe {
        asym_out(
            operation,
            params,
            param_count,
            digest,
            digest_len,
            signature,
            signature_len,
            rc::asymmetric_sign_digest,
        )
    }
}

/// # Safety
/// `params` valid for `param_count` attributes, `digest` for
/// `digest_len` bytes, `signature` for `signature_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricVerifyDigest(
    operation: OperationHandle,
    params: *const TeeAttribute,
    param_count: u32,
    digest: *const c_void,
    digest_len: usize,
    signature: *const c_void,
    signature_len: usize,
) -> u32 {
    let h = handle(operation);
    // SAFETY: caller's contract.
    let r = unsafe {
        let p = attrs_in(params, param_count);
        rc::asymmetric_verify_digest(
            h,
            &p,
            &input(digest, digest_len),
            &input(signature, signature_len),
        )
    };
    match r {
        Ok(()) => TEE_SUCCESS,
        Err(e) => e.code(),
    }
}
