//! Trusted Storage as the C ABI (GP 1.3.1 sections 5.7-5.9; the GP 1.1
//! forms with 32-bit sizes are the devkit's shims). Persistent object
//! handles are object handles (`crypto.rs`); enumerators have their own
//! tag.

use crate::crypto::{ObjectHandle, TeeObjectInfo, input, obj_ptr, object, output};
use oxtee_ta_runtime::panic_ta;
use oxtee_ta_runtime::storage as st;
use std::ffi::c_void;

const TEE_SUCCESS: u32 = 0;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;

/// Enumerator handles are `ENUM_TAG | id` (32 bits, like every handle).
const ENUM_TAG: usize = 0x6d00_0000;
const ID_MASK: usize = oxtee_ta_runtime::MAX_HANDLE_ID as usize;

type EnumHandle = *mut c_void;

/// The live enumerator a handle value designates, if any.
pub(crate) fn enum_id(v: usize) -> Option<u32> {
    let id = (v & ID_MASK) as u32;
    (v & !ID_MASK == ENUM_TAG && st::enum_exists(id)).then_some(id)
}

/// The handle value of enumerator `id` (32 bits).
pub(crate) fn enum_value(id: u32) -> u32 {
    (ENUM_TAG | id as usize) as u32
}

fn enumerator(p: EnumHandle) -> u32 {
    let v = p as usize;
    let id = (v & ID_MASK) as u32;
    if v & !ID_MASK != ENUM_TAG || !st::enum_exists(id) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    id
}

/// GP 1.3.1: an object ID in memory shared with the client (a memref of
/// the current call) is a panic; a zero-length ID (any pointer) is valid.
fn private_id(id: *const c_void, len: usize) {
    if oxtee_ta_runtime::heap::touches_client_memory(id as usize, len) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

fn code(r: Result<(), u32>) -> u32 {
    r.err().unwrap_or(TEE_SUCCESS)
}

/// # Safety
/// `object_id` valid for `object_id_len` bytes, `object` for writing a
/// handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_OpenPersistentObject(
    storage_id: u32,
    object_id: *const c_void,
    object_id_len: usize,
    flags: u32,
    object: *mut ObjectHandle,
) -> u32 {
    if object.is_null() || object_id_len > st::TEE_OBJECT_ID_MAX_LEN {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    private_id(object_id, object_id_len);
    // SAFETY: caller's contract.
    let id = unsafe { input(object_id, object_id_len) };
    let (h, r) = match st::open(storage_id, &id, flags) {
        Ok(h) => (obj_ptr(h), TEE_SUCCESS),
        Err(e) => (std::ptr::null_mut(), e),
    };
    // SAFETY: non-NULL, writable (caller's contract).
    unsafe { object.write(h) };
    r
}

/// # Safety
/// `object_id` valid for `object_id_len` bytes, `initial_data` for
/// `initial_data_len`, `object` NULL or valid for writing a handle.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn TEE_CreatePersistentObject(
    storage_id: u32,
    object_id: *const c_void,
    object_id_len: usize,
    flags: u32,
    attributes: ObjectHandle,
    initial_data: *const c_void,
    initial_data_len: usize,
    object: *mut ObjectHandle,
) -> u32 {
    if object_id_len > st::TEE_OBJECT_ID_MAX_LEN {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    private_id(object_id, object_id_len);
    let attrs = (!attributes.is_null()).then(|| self::object(attributes));
    // SAFETY: caller's contract.
    let (id, data) = unsafe {
        (
            input(object_id, object_id_len),
            input(initial_data, initial_data_len),
        )
    };
    let (h, r) = match st::create(storage_id, &id, flags, attrs, &data) {
        Ok(h) if object.is_null() => {
            // Nobody wants the handle: the object is created and closed.
            st::close(h);
            (std::ptr::null_mut(), TEE_SUCCESS)
        }
        Ok(h) => (obj_ptr(h), TEE_SUCCESS),
        Err(e) => (std::ptr::null_mut(), e),
    };
    if !object.is_null() {
        // SAFETY: non-NULL, writable (caller's contract).
        unsafe { object.write(h) };
    }
    r
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseAndDeletePersistentObject1(object: ObjectHandle) -> u32 {
    if object.is_null() {
        return TEE_SUCCESS;
    }
    code(st::close_and_delete(self::object(object)))
}

/// The GP 1.0 form (no return code).
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseAndDeletePersistentObject(object: ObjectHandle) {
    TEE_CloseAndDeletePersistentObject1(object);
}

/// # Safety
/// `new_object_id` valid for `new_object_id_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_RenamePersistentObject(
    object: ObjectHandle,
    new_object_id: *const c_void,
    new_object_id_len: usize,
) -> u32 {
    let h = self::object(object);
    if new_object_id_len > st::TEE_OBJECT_ID_MAX_LEN {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    private_id(new_object_id, new_object_id_len);
    // SAFETY: caller's contract.
    let id = unsafe { input(new_object_id, new_object_id_len) };
    code(st::rename(h, &id))
}

/// # Safety
/// `enumerator` valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocatePersistentObjectEnumerator(
    enumerator: *mut EnumHandle,
) -> u32 {
    if enumerator.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let h = (ENUM_TAG | st::enum_allocate() as usize) as EnumHandle;
    // SAFETY: non-NULL, writable (caller's contract).
    unsafe { enumerator.write(h) };
    TEE_SUCCESS
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreePersistentObjectEnumerator(enumerator: EnumHandle) {
    if !enumerator.is_null() {
        st::enum_free(self::enumerator(enumerator));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetPersistentObjectEnumerator(enumerator: EnumHandle) {
    if !enumerator.is_null() {
        st::enum_reset(self::enumerator(enumerator));
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_StartPersistentObjectEnumerator(
    enumerator: EnumHandle,
    storage_id: u32,
) -> u32 {
    code(st::enum_start(self::enumerator(enumerator), storage_id))
}

/// # Safety
/// `info` NULL or valid for writing a `TEE_ObjectInfo`; `object_id`
/// valid for `*object_id_len` bytes; `object_id_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetNextPersistentObject(
    enumerator: EnumHandle,
    info: *mut TeeObjectInfo,
    object_id: *mut c_void,
    object_id_len: *mut usize,
) -> u32 {
    let e = self::enumerator(enumerator);
    if object_id_len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: caller's contract.
    let cap = unsafe { *object_id_len };
    // GP: the buffer holds TEE_OBJECT_ID_MAX_LEN bytes; a smaller one is
    // refused before anything is consumed.
    if cap < st::TEE_OBJECT_ID_MAX_LEN {
        return TEE_ERROR_SHORT_BUFFER;
    }
    match st::enum_next(e) {
        Ok((i, id)) => {
            // SAFETY: caller's contract; `id` is at most 64 bytes.
            unsafe {
                output(object_id, &id);
                *object_id_len = id.len();
                if !info.is_null() {
                    info.write_unaligned(TeeObjectInfo::of(&i));
                }
            }
            TEE_SUCCESS
        }
        Err(c) => c,
    }
}

/// # Safety
/// `buffer` valid for `size` bytes, `count` for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_ReadObjectData(
    object: ObjectHandle,
    buffer: *mut c_void,
    size: usize,
    count: *mut usize,
) -> u32 {
    let h = self::object(object);
    if count.is_null() || (buffer.is_null() && size > 0) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    let mut v = vec![0u8; size];
    match st::read(h, &mut v) {
        Ok(n) => {
            // SAFETY: caller's contract; n <= size.
            unsafe {
                output(buffer, &v[..n]);
                *count = n;
            }
            TEE_SUCCESS
        }
        Err(c) => c,
    }
}

/// # Safety
/// `buffer` valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_WriteObjectData(
    object: ObjectHandle,
    buffer: *const c_void,
    size: usize,
) -> u32 {
    let h = self::object(object);
    // SAFETY: caller's contract.
    let data = unsafe { input(buffer, size) };
    code(st::write(h, &data))
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_TruncateObjectData(object: ObjectHandle, size: usize) -> u32 {
    let h = self::object(object);
    match u32::try_from(size) {
        Ok(s) => code(st::truncate(h, s)),
        // Beyond TEE_DATA_MAX_POSITION.
        Err(_) => 0xFFFF_300F,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SeekObjectData(object: ObjectHandle, offset: i64, whence: u32) -> u32 {
    code(st::seek(self::object(object), offset, whence).map(|_| ()))
}
