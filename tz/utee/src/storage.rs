//! Trusted Storage (GP 1.3.1 sections 5.7-5.9) over the kernel's storage
//! calls (`oxtee_tz_abi::tee_storage`): the kernel runs the store and
//! keeps persistent objects in the instance's object table; here handles
//! are mapped, GP's NULL checks made, the codes GP answers with a panic
//! (ACCESS_DENIED, BAD_STATE, BAD_PARAMETERS from the store) turned into
//! panics, as OP-TEE's libutee does with its kernel's, and reads and
//! writes larger than a call carries cut into pieces. Enumerators live
//! here: the last id returned, and the kernel's "next after" call.
//!
//! A persistent object's handle is `PERSIST_TAG | id` (the kernel's id,
//! which the cryptographic calls also take: a persistent key is a key).

use core::cell::RefCell;
use core::ffi::c_void;

use crate::cryp::{Handle, ObjectInfo, PERSIST_TAG, bad, obj};
use crate::{Global, SUCCESS, sys};

const OPEN: u64 = 0x1200;
const CREATE: u64 = 0x1201;
const CLOSE: u64 = 0x1202;
const CLOSE_AND_DELETE: u64 = 0x1203;
const RENAME: u64 = 0x1204;
const READ: u64 = 0x1205;
const WRITE: u64 = 0x1206;
const TRUNCATE: u64 = 0x1207;
const SEEK: u64 = 0x1208;
const INFO: u64 = 0x1209;
const RESTRICT_USAGE: u64 = 0x120A;
const NEXT: u64 = 0x120B;

const ACCESS_DENIED: u32 = 0xFFFF_0001;
const BAD_STATE: u32 = 0xFFFF_0007;
const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
const OVERFLOW: u32 = 0xFFFF_300F;
/// `TEE_OBJECT_ID_MAX_LEN`.
pub(crate) const ID_MAX: usize = 64;
/// The most one call reads or writes (the kernel's `MAX_IO`).
const PIECE: usize = 1 << 20;

/// One storage call: the codes GP makes panics panic.
fn call(num: u64, args: &[u64]) -> u32 {
    match sys::call(num, args) {
        r @ (ACCESS_DENIED | BAD_STATE | BAD_PARAMETERS) => sys::panic(r),
        r => r,
    }
}

/// The kernel id of persistent object `h` (anything else panics).
fn persistent(h: Handle) -> u64 {
    let v = h as usize;
    if v & !crate::cryp::ID_MASK != PERSIST_TAG {
        bad()
    }
    obj(h)
}

/// Whether `h` is a persistent object's handle.
pub(crate) fn is_persistent(h: Handle) -> bool {
    (h as usize) & !crate::cryp::ID_MASK == PERSIST_TAG
}

fn id_arg(id: *const c_void, len: usize) -> [u64; 2] {
    if len > ID_MAX || (len > 0 && id.is_null()) {
        bad()
    }
    [id as u64, len as u64]
}

fn handle_of(id: u32) -> Handle {
    (PERSIST_TAG | id as usize) as Handle
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
    object: *mut Handle,
) -> u32 {
    if object.is_null() {
        bad()
    }
    let [p, n] = id_arg(object_id, object_id_len);
    let mut id = 0u32;
    let r = call(
        OPEN,
        &[
            u64::from(storage_id),
            p,
            n,
            u64::from(flags),
            &raw mut id as u64,
        ],
    );
    let h = if r == SUCCESS {
        handle_of(id)
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: non-NULL, writable (the caller's contract).
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
    attributes: Handle,
    initial_data: *const c_void,
    initial_data_len: usize,
    object: *mut Handle,
) -> u32 {
    let [p, n] = id_arg(object_id, object_id_len);
    let attrs = if attributes.is_null() {
        0
    } else {
        obj(attributes)
    };
    if initial_data_len > 0 && initial_data.is_null() {
        bad()
    }
    let mut id = 0u32;
    let r = call(
        CREATE,
        &[
            u64::from(storage_id),
            p,
            n,
            u64::from(flags),
            attrs,
            initial_data as u64,
            initial_data_len as u64,
            &raw mut id as u64,
        ],
    );
    if r != SUCCESS {
        if !object.is_null() {
            // SAFETY: non-NULL, writable (the caller's contract).
            unsafe { object.write(core::ptr::null_mut()) };
        }
        return r;
    }
    if object.is_null() {
        // Nobody wants the handle: the object is made and closed.
        let _ = call(CLOSE, &[u64::from(id)]);
    } else {
        // SAFETY: as above.
        unsafe { object.write(handle_of(id)) };
    }
    SUCCESS
}

/// `TEE_CloseObject` of a persistent object.
pub(crate) fn close(object: Handle) {
    let _ = call(CLOSE, &[persistent(object)]);
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseAndDeletePersistentObject1(object: Handle) -> u32 {
    if object.is_null() {
        return SUCCESS;
    }
    call(CLOSE_AND_DELETE, &[persistent(object)])
}

/// The GP 1.0 form (no result).
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseAndDeletePersistentObject(object: Handle) {
    let _ = TEE_CloseAndDeletePersistentObject1(object);
}

/// # Safety
/// `new_object_id` valid for `new_object_id_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_RenamePersistentObject(
    object: Handle,
    new_object_id: *const c_void,
    new_object_id_len: usize,
) -> u32 {
    let h = persistent(object);
    let [p, n] = id_arg(new_object_id, new_object_id_len);
    call(RENAME, &[h, p, n])
}

/// # Safety
/// `buffer` valid for `size` bytes, `count` for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_ReadObjectData(
    object: Handle,
    buffer: *mut c_void,
    size: usize,
    count: *mut usize,
) -> u32 {
    let h = persistent(object);
    if count.is_null() || (buffer.is_null() && size > 0) {
        bad()
    }
    let mut total = 0usize;
    loop {
        let want = (size - total).min(PIECE);
        let mut got = 0u64;
        let at = (buffer as usize + total) as u64;
        let r = call(READ, &[h, at, want as u64, &raw mut got as u64]);
        if r != SUCCESS {
            return r;
        }
        total += got as usize;
        if (got as usize) < want || total == size {
            break;
        }
    }
    // SAFETY: non-NULL, writable (the caller's contract).
    unsafe { count.write(total) };
    SUCCESS
}

/// # Safety
/// `buffer` valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_WriteObjectData(
    object: Handle,
    buffer: *const c_void,
    size: usize,
) -> u32 {
    let h = persistent(object);
    if buffer.is_null() && size > 0 {
        bad()
    }
    // Up to a piece at once (each piece is one atomic change).
    let mut done = 0usize;
    loop {
        let n = (size - done).min(PIECE);
        let r = call(WRITE, &[h, (buffer as usize + done) as u64, n as u64]);
        if r != SUCCESS {
            return r;
        }
        done += n;
        if done == size {
            return SUCCESS;
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_TruncateObjectData(object: Handle, size: usize) -> u32 {
    let h = persistent(object);
    match u32::try_from(size) {
        Ok(s) => call(TRUNCATE, &[h, u64::from(s)]),
        // Beyond TEE_DATA_MAX_POSITION.
        Err(_) => OVERFLOW,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SeekObjectData(object: Handle, offset: i64, whence: u32) -> u32 {
    call(
        SEEK,
        &[persistent(object), offset as u64, u64::from(whence)],
    )
}

/// The kernel's seven words as a `TEE_ObjectInfo`.
pub(crate) fn info_of(i: &[u32; 7]) -> ObjectInfo {
    ObjectInfo {
        object_type: i[0],
        object_size: i[1],
        max_object_size: i[2],
        object_usage: i[3],
        data_size: i[4] as usize,
        data_position: i[5] as usize,
        handle_flags: i[6],
    }
}

/// `TEE_GetObjectInfo1` of a persistent object: the kernel's words.
pub(crate) fn info(object: Handle, words: &mut [u32; 7]) -> u32 {
    call(INFO, &[persistent(object), words.as_mut_ptr() as u64])
}

/// `TEE_RestrictObjectUsage1` of a persistent object.
pub(crate) fn restrict_usage(object: Handle, usage: u32) -> u32 {
    call(RESTRICT_USAGE, &[persistent(object), u64::from(usage)])
}

// ------------------------------------------------------------ enumerators

/// Enumerator handles are `ENUM_TAG | slot + 1`.
const ENUM_TAG: usize = 0x6d00_0000;
const ENUMS: usize = 32;

#[derive(Clone, Copy)]
struct Enum {
    storage_id: Option<u32>,
    /// The id last returned (`None`: from the start).
    last: Option<([u8; ID_MAX], usize)>,
}

static ENUMERATORS: Global<RefCell<[Option<Enum>; ENUMS]>> = Global(RefCell::new([None; ENUMS]));

type EnumHandle = *mut c_void;

fn slot(e: EnumHandle) -> usize {
    let v = e as usize;
    let i = (v & 0xFF).wrapping_sub(1);
    let live = ENUMERATORS.0.borrow().get(i).is_some_and(|s| s.is_some());
    if v & !0xFF != ENUM_TAG || !live {
        bad()
    }
    i
}

/// # Safety
/// `enumerator` valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocatePersistentObjectEnumerator(
    enumerator: *mut EnumHandle,
) -> u32 {
    if enumerator.is_null() {
        bad()
    }
    let mut all = ENUMERATORS.0.borrow_mut();
    let Some(i) = all.iter().position(|s| s.is_none()) else {
        return crate::cryp::OUT_OF_MEMORY;
    };
    all[i] = Some(Enum {
        storage_id: None,
        last: None,
    });
    // SAFETY: non-NULL, writable (the caller's contract).
    unsafe { enumerator.write((ENUM_TAG | (i + 1)) as EnumHandle) };
    SUCCESS
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreePersistentObjectEnumerator(enumerator: EnumHandle) {
    if !enumerator.is_null() {
        let i = slot(enumerator);
        ENUMERATORS.0.borrow_mut()[i] = None;
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetPersistentObjectEnumerator(enumerator: EnumHandle) {
    if !enumerator.is_null() {
        let i = slot(enumerator);
        ENUMERATORS.0.borrow_mut()[i] = Some(Enum {
            storage_id: None,
            last: None,
        });
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_StartPersistentObjectEnumerator(
    enumerator: EnumHandle,
    storage_id: u32,
) -> u32 {
    let i = slot(enumerator);
    ENUMERATORS.0.borrow_mut()[i] = Some(Enum {
        storage_id: None,
        last: None,
    });
    // An unknown storage, or one without objects: ITEM_NOT_FOUND now.
    if let Err(r) = next(storage_id, None) {
        return r;
    }
    ENUMERATORS.0.borrow_mut()[i] = Some(Enum {
        storage_id: Some(storage_id),
        last: None,
    });
    SUCCESS
}

/// The first object of `storage_id` whose id sorts after `after` (from
/// the start for `None`): its info words, id and id length.
fn next(
    storage_id: u32,
    after: Option<&([u8; ID_MAX], usize)>,
) -> Result<([u32; 7], [u8; ID_MAX], usize), u32> {
    let (at, at_len) = match after {
        Some((id, n)) => (id.as_ptr() as u64, *n as u64),
        None => (0, u64::MAX),
    };
    let mut words = [0u32; 7];
    let mut id = [0u8; ID_MAX];
    let mut len = 0u64;
    let r = call(
        NEXT,
        &[
            u64::from(storage_id),
            at,
            at_len,
            words.as_mut_ptr() as u64,
            id.as_mut_ptr() as u64,
            &raw mut len as u64,
        ],
    );
    if r != SUCCESS {
        return Err(r);
    }
    Ok((words, id, (len as usize).min(ID_MAX)))
}

/// # Safety
/// `info` NULL or valid for writing a `TEE_ObjectInfo`; `object_id`
/// valid for `*object_id_len` bytes; `object_id_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetNextPersistentObject(
    enumerator: EnumHandle,
    info: *mut ObjectInfo,
    object_id: *mut c_void,
    object_id_len: *mut usize,
) -> u32 {
    let i = slot(enumerator);
    if object_id_len.is_null() || object_id.is_null() {
        bad()
    }
    // SAFETY: the caller's contract.
    let cap = unsafe { object_id_len.read() };
    // GP: the buffer holds TEE_OBJECT_ID_MAX_LEN bytes; a smaller one is
    // refused before anything is consumed.
    if cap < ID_MAX {
        return SHORT_BUFFER;
    }
    let Some(e) = ENUMERATORS.0.borrow()[i] else {
        bad()
    };
    let Some(storage_id) = e.storage_id else {
        return ITEM_NOT_FOUND;
    };
    let (words, id, n) = match next(storage_id, e.last.as_ref()) {
        Ok(found) => found,
        Err(r) => return r,
    };
    // SAFETY: the caller's contract: `object_id` holds at least ID_MAX
    // bytes (checked above), `info` NULL or writable.
    unsafe {
        core::ptr::copy_nonoverlapping(id.as_ptr(), object_id as *mut u8, n);
        object_id_len.write(n);
        if !info.is_null() {
            info.write_unaligned(info_of(&words));
        }
    }
    ENUMERATORS.0.borrow_mut()[i] = Some(Enum {
        storage_id: Some(storage_id),
        last: Some((id, n)),
    });
    SUCCESS
}
