//! Trusted storage for the Rust SDK: persistent objects and their
//! enumerators, through this crate's `TEE_*` storage functions. Handles
//! are the C API's (an object handle fits in 32 bits).

use alloc::vec::Vec;
use core::ffi::c_void;

pub use oxtee_proto::StoredInfo as Info;

use super::crypto::ObjHandle;
use crate::cryp::{Handle, ObjectInfo};
use crate::storage as st;

/// `TEE_OBJECT_ID_MAX_LEN`.
pub const TEE_OBJECT_ID_MAX_LEN: usize = st::ID_MAX;

const SUCCESS: u32 = 0;

fn h(o: ObjHandle) -> Handle {
    o as usize as Handle
}

fn code(r: u32) -> Result<(), u32> {
    if r == SUCCESS { Ok(()) } else { Err(r) }
}

/// TEE_OpenPersistentObject.
pub fn open(storage_id: u32, id: &[u8], flags: u32) -> Result<ObjHandle, u32> {
    let mut o: Handle = core::ptr::null_mut();
    // SAFETY: `id` valid for its length; `o` writable.
    let r = unsafe {
        st::TEE_OpenPersistentObject(storage_id, id.as_ptr().cast(), id.len(), flags, &mut o)
    };
    code(r).map(|()| o as usize as ObjHandle)
}

/// TEE_CreatePersistentObject with the attributes of `attributes` (None:
/// a data object).
pub fn create(
    storage_id: u32,
    id: &[u8],
    flags: u32,
    attributes: Option<ObjHandle>,
    data: &[u8],
) -> Result<ObjHandle, u32> {
    let mut o: Handle = core::ptr::null_mut();
    // SAFETY: `id` and `data` valid for their lengths; `o` writable.
    let r = unsafe {
        st::TEE_CreatePersistentObject(
            storage_id,
            id.as_ptr().cast(),
            id.len(),
            flags,
            attributes.map_or(core::ptr::null_mut(), h),
            data.as_ptr().cast(),
            data.len(),
            &mut o,
        )
    };
    code(r).map(|()| o as usize as ObjHandle)
}

/// TEE_CloseObject of a persistent object.
pub fn close(o: ObjHandle) {
    st::close(h(o))
}

/// TEE_CloseAndDeletePersistentObject1.
pub fn close_and_delete(o: ObjHandle) -> Result<(), u32> {
    code(st::TEE_CloseAndDeletePersistentObject1(h(o)))
}

/// TEE_RenamePersistentObject.
pub fn rename(o: ObjHandle, new_id: &[u8]) -> Result<(), u32> {
    // SAFETY: `new_id` valid for its length.
    code(unsafe { st::TEE_RenamePersistentObject(h(o), new_id.as_ptr().cast(), new_id.len()) })
}

/// TEE_ReadObjectData: the bytes read.
pub fn read(o: ObjHandle, out: &mut [u8]) -> Result<usize, u32> {
    let mut n = 0usize;
    // SAFETY: `out` valid for writing its length; `n` writable.
    let r = unsafe {
        st::TEE_ReadObjectData(h(o), out.as_mut_ptr().cast::<c_void>(), out.len(), &mut n)
    };
    code(r).map(|()| n.min(out.len()))
}

/// TEE_WriteObjectData.
pub fn write(o: ObjHandle, data: &[u8]) -> Result<(), u32> {
    // SAFETY: `data` valid for its length.
    code(unsafe { st::TEE_WriteObjectData(h(o), data.as_ptr().cast(), data.len()) })
}

/// TEE_TruncateObjectData.
pub fn truncate(o: ObjHandle, size: u32) -> Result<(), u32> {
    code(st::TEE_TruncateObjectData(h(o), size as usize))
}

/// TEE_SeekObjectData: the new position.
pub fn seek(o: ObjHandle, offset: i64, whence: u32) -> Result<u32, u32> {
    code(st::TEE_SeekObjectData(h(o), offset, whence))?;
    try_info(o).map(|i| i.data_position)
}

fn stored(i: &ObjectInfo) -> Info {
    Info {
        object_type: i.object_type,
        object_size: i.object_size,
        max_object_size: i.max_object_size,
        usage: i.object_usage,
        data_size: i.data_size as u32,
        data_position: i.data_position as u32,
        handle_flags: i.handle_flags,
    }
}

/// TEE_GetObjectInfo1 of a persistent object.
pub fn try_info(o: ObjHandle) -> Result<Info, u32> {
    let mut w = [0u32; 7];
    code(st::info(h(o), &mut w)).map(|()| stored(&st::info_of(&w)))
}

/// TEE_GetObjectInfo1 of a persistent object (a failure panics, as
/// TEE_GetObjectInfo).
pub fn info(o: ObjHandle) -> Info {
    try_info(o).unwrap_or_else(|r| crate::sys::panic(r))
}

/// TEE_AllocatePersistentObjectEnumerator (none free: the TA panics with
/// TEE_ERROR_OUT_OF_MEMORY, as on the host tier).
pub fn enum_allocate() -> u32 {
    let mut e: *mut c_void = core::ptr::null_mut();
    // SAFETY: `e` writable.
    match unsafe { st::TEE_AllocatePersistentObjectEnumerator(&mut e) } {
        SUCCESS => e as usize as u32,
        r => crate::sys::panic(r),
    }
}

fn eh(e: u32) -> *mut c_void {
    e as usize as *mut c_void
}

/// TEE_FreePersistentObjectEnumerator.
pub fn enum_free(e: u32) {
    st::TEE_FreePersistentObjectEnumerator(eh(e))
}

/// TEE_ResetPersistentObjectEnumerator.
pub fn enum_reset(e: u32) {
    st::TEE_ResetPersistentObjectEnumerator(eh(e))
}

/// TEE_StartPersistentObjectEnumerator.
pub fn enum_start(e: u32, storage_id: u32) -> Result<(), u32> {
    code(st::TEE_StartPersistentObjectEnumerator(eh(e), storage_id))
}

/// TEE_GetNextPersistentObject: the object's information and id.
pub fn enum_next(e: u32) -> Result<(Info, Vec<u8>), u32> {
    let mut info = ObjectInfo::default();
    let mut id = [0u8; TEE_OBJECT_ID_MAX_LEN];
    let mut n = id.len();
    // SAFETY: `info`, `id` (its length in `n`) and `n` writable.
    let r = unsafe {
        st::TEE_GetNextPersistentObject(eh(e), &mut info, id.as_mut_ptr().cast(), &mut n)
    };
    code(r).map(|()| (stored(&info), id[..n.min(id.len())].to_vec()))
}
