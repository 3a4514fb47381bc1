//! Trusted Storage (GP 1.3.1 sections 5.7-5.9) on the TA side: every
//! request goes to the core (which holds the keys and the store) in the
//! middle of an entry point, like a TA-to-TA call; bulk data travels in
//! the call buffer. Persistent object handles share the object handle
//! table with transient objects ([`crate::crypto`]); a persistent key
//! object carries its key, rebuilt from the stored attributes, so the
//! crypto API uses it like a transient one.
//!
//! The cases GP answers with a panic (an unknown handle, an access right
//! the handle lacks, an object id longer than 64 bytes) panic the TA;
//! callers only see the return codes GP lets a TA handle.

use crate::crypto::{self as rc, ObjHandle, Object};
use crate::panic_ta;
use crate::ta2ta::{CALL_BUFFER, ensure_buffer, recv, send};
use oxtee_proto::{CoreToTa, StorageCall, StorageReply, StoredAttrs, StoredInfo, TaCall, TaReply};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

pub const TEE_TYPE_DATA: u32 = 0xA000_00BF;
pub const TEE_OBJECT_ID_MAX_LEN: usize = oxtee_proto::limits::OBJECT_ID;
const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const TEE_ERROR_CORRUPT_OBJECT: u32 = 0xF010_0001;
const TEE_ERROR_CORRUPT_OBJECT_2: u32 = 0xF010_0002;
const TEE_HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;

/// One write goes to the core at most this large (each piece is atomic).
const MAX_CHUNK: usize = 64 << 20;

pub use oxtee_proto::StoredInfo as Info;

thread_local! {
    /// Set while [`returning_codes`] runs its closure.
    static RETURN_CODES: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` with the core's answers that GP makes panics (ACCESS_DENIED,
/// BAD_STATE, BAD_PARAMETERS) returned as errors instead: OP-TEE's
/// system-call layer (`_utee_storage_*`) reports them as codes, and its
/// library is what panics. The caller checks handles and object id
/// lengths itself first (those still panic here).
pub fn returning_codes<R>(f: impl FnOnce() -> R) -> R {
    let before = RETURN_CODES.replace(true);
    let r = f();
    RETURN_CODES.set(before);
    r
}

/// One request and its answer: `Ok(reply)` or the GP code. Codes GP
/// answers with a panic panic the TA here (outside [`returning_codes`]).
fn call(c: StorageCall) -> Result<StorageReply, u32> {
    send(&TaReply::Call(TaCall::Storage(c)));
    match recv() {
        (CoreToTa::StorageDone { result, reply }, fds) if fds.is_empty() => match result {
            0 => Ok(reply),
            TEE_ERROR_ACCESS_DENIED | TEE_ERROR_BAD_STATE | TEE_ERROR_BAD_PARAMETERS
                if !RETURN_CODES.get() =>
            {
                panic_ta(result)
            }
            code => Err(code),
        },
        _ => crate::fatal("unexpected answer to a storage request"),
    }
}

/// The core's handle of an open persistent object (anything else panics).
fn core_handle(h: ObjHandle) -> u32 {
    match rc::persistent_handle(h) {
        Some(c) => c,
        None => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}

/// A request on an open handle: a corrupt object's handle is closed (by
/// the core and here), as GP says.
fn on_handle(h: ObjHandle, c: StorageCall) -> Result<StorageReply, u32> {
    let r = call(c);
    if let Err(TEE_ERROR_CORRUPT_OBJECT | TEE_ERROR_CORRUPT_OBJECT_2) = r {
        rc::remove_persistent(h);
    }
    r
}

fn check_id(id: &[u8]) {
    if id.len() > TEE_OBJECT_ID_MAX_LEN {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

pub use oxtee_crypto::object::{decode_attrs, encode_attrs};

/// The key of a persistent object from its stored attributes (None for
/// a data object); attributes that do not make a valid key mean a
/// corrupt object.
fn rebuild_key(a: &StoredAttrs) -> Result<Option<Object>, u32> {
    if a.object_type == TEE_TYPE_DATA {
        return Ok(None);
    }
    Object::from_stored(a.object_type, a.max_object_size, a.usage, &a.attributes)
        .map(Some)
        .ok_or(TEE_ERROR_CORRUPT_OBJECT)
}

/// Register the core's new handle `core` in the handle table, with the
/// object's key.
fn adopt(core: u32, info: &StoredInfo) -> Result<ObjHandle, u32> {
    let key = if info.object_type == TEE_TYPE_DATA {
        None
    } else {
        let r = match call(StorageCall::Attributes { handle: core }) {
            Ok(StorageReply::Attributes(a)) => rebuild_key(&a),
            Ok(_) => Err(TEE_ERROR_CORRUPT_OBJECT),
            Err(e) => Err(e),
        };
        match r {
            Ok(k) => k,
            Err(e) => {
                let _ = call(StorageCall::Close { handle: core });
                return Err(e);
            }
        }
    };
    rc::insert_persistent(core, key).map_err(|e| {
        let _ = call(StorageCall::Close { handle: core });
        e.code()
    })
}

/// TEE_OpenPersistentObject.
pub fn open(storage_id: u32, id: &[u8], flags: u32) -> Result<ObjHandle, u32> {
    check_id(id);
    match call(StorageCall::Open {
        storage_id,
        id: id.to_vec(),
        flags,
    })? {
        StorageReply::Handle { handle, info } => adopt(handle, &info),
        _ => crate::fatal("unexpected answer to TEE_OpenPersistentObject"),
    }
}

/// Copy `data` into the call buffer (from offset 0).
fn stage(data: &[u8]) -> Result<(), u32> {
    if data.is_empty() {
        return Ok(());
    }
    ensure_buffer(data.len())?;
    let ok = CALL_BUFFER
        .lock()
        .unwrap()
        .as_ref()
        .is_some_and(|m| m.write(0, data));
    if !ok {
        crate::fatal("call buffer too small");
    }
    Ok(())
}

/// TEE_CreatePersistentObject: the attributes (type, sizes, usage and
/// key) come from `attributes` (an initialised transient or persistent
/// object; `None` for a data object). Returns the new handle.
pub fn create(
    storage_id: u32,
    id: &[u8],
    flags: u32,
    attributes: Option<ObjHandle>,
    data: &[u8],
) -> Result<ObjHandle, u32> {
    check_id(id);
    let attrs = match attributes {
        None => StoredAttrs {
            object_type: TEE_TYPE_DATA,
            object_size: 0,
            max_object_size: 0,
            usage: 0xFFFF_FFFF,
            attributes: Vec::new(),
        },
        Some(h) => {
            if !rc::object_exists(h) {
                panic_ta(TEE_ERROR_BAD_PARAMETERS);
            }
            match rc::key_object(h) {
                Some(o) => {
                    let i = o.info();
                    if i.handle_flags & TEE_HANDLE_FLAG_INITIALIZED == 0 {
                        panic_ta(TEE_ERROR_BAD_PARAMETERS);
                    }
                    StoredAttrs {
                        object_type: i.object_type,
                        object_size: i.object_size,
                        max_object_size: i.max_object_size,
                        usage: i.object_usage,
                        attributes: encode_attrs(o.attributes()),
                    }
                }
                // A persistent data object as the template: a data object.
                None => StoredAttrs {
                    object_type: TEE_TYPE_DATA,
                    object_size: 0,
                    max_object_size: 0,
                    usage: info(h).usage,
                    attributes: Vec::new(),
                },
            }
        }
    };
    // Every key oxtee makes fits (the largest, ML-DSA-65, by half); a key
    // beyond the message bound is refused rather than sent.
    if attrs.attributes.len() > oxtee_proto::limits::STORED_ATTRIBUTES {
        return Err(TEE_ERROR_OUT_OF_MEMORY);
    }
    stage(data)?;
    match call(StorageCall::Create {
        storage_id,
        id: id.to_vec(),
        flags,
        attrs,
        data_len: data.len() as u64,
    })? {
        StorageReply::Handle { handle, info } => adopt(handle, &info),
        _ => crate::fatal("unexpected answer to TEE_CreatePersistentObject"),
    }
}

/// TEE_CloseObject of a persistent object.
pub fn close(h: ObjHandle) {
    let c = core_handle(h);
    rc::remove_persistent(h);
    let _ = call(StorageCall::Close { handle: c });
}

/// TEE_CloseAndDeletePersistentObject1: Ok, or STORAGE_NOT_AVAILABLE
/// (the handle is closed either way).
pub fn close_and_delete(h: ObjHandle) -> Result<(), u32> {
    let c = core_handle(h);
    let r = call(StorageCall::CloseAndDelete { handle: c });
    rc::remove_persistent(h);
    r.map(|_| ())
}

/// TEE_RenamePersistentObject.
pub fn rename(h: ObjHandle, new_id: &[u8]) -> Result<(), u32> {
    check_id(new_id);
    let c = core_handle(h);
    on_handle(
        h,
        StorageCall::Rename {
            handle: c,
            id: new_id.to_vec(),
        },
    )
    .map(|_| ())
}

/// TEE_ReadObjectData into `out`: the bytes read (0 at the end).
pub fn read(h: ObjHandle, out: &mut [u8]) -> Result<usize, u32> {
    let c = core_handle(h);
    ensure_buffer(out.len())?;
    match on_handle(
        h,
        StorageCall::Read {
            handle: c,
            len: out.len() as u64,
        },
    )? {
        StorageReply::Read(n) if n as usize <= out.len() => {
            let n = n as usize;
            let ok = n == 0
                || CALL_BUFFER
                    .lock()
                    .unwrap()
                    .as_ref()
                    .is_some_and(|m| m.read(0, &mut out[..n]));
            if !ok {
                crate::fatal("call buffer too small");
            }
            Ok(n)
        }
        _ => crate::fatal("unexpected answer to TEE_ReadObjectData"),
    }
}

/// TEE_WriteObjectData of `data` at the data position.
pub fn write(h: ObjHandle, data: &[u8]) -> Result<(), u32> {
    let c = core_handle(h);
    for chunk in data.chunks(MAX_CHUNK) {
        stage(chunk)?;
        on_handle(
            h,
            StorageCall::Write {
                handle: c,
                len: chunk.len() as u64,
            },
        )?;
    }
    if data.is_empty() {
        on_handle(h, StorageCall::Write { handle: c, len: 0 })?;
    }
    Ok(())
}

/// TEE_TruncateObjectData.
pub fn truncate(h: ObjHandle, size: u32) -> Result<(), u32> {
    let c = core_handle(h);
    on_handle(h, StorageCall::Truncate { handle: c, size }).map(|_| ())
}

/// TEE_SeekObjectData: the new position.
pub fn seek(h: ObjHandle, offset: i64, whence: u32) -> Result<u32, u32> {
    let c = core_handle(h);
    match on_handle(
        h,
        StorageCall::Seek {
            handle: c,
            offset,
            whence,
        },
    )? {
        StorageReply::Position(p) => Ok(p),
        _ => crate::fatal("unexpected answer to TEE_SeekObjectData"),
    }
}

/// TEE_GetObjectInfo1 of any object handle (transient: no data stream).
pub fn info(h: ObjHandle) -> StoredInfo {
    // The object went corrupt: its handle is closed.
    try_info(h).unwrap_or_else(|code| panic_ta(code))
}

/// [`info`], with a failure of the core's (a corrupt object, whose handle
/// is then closed) as an error.
pub fn try_info(h: ObjHandle) -> Result<StoredInfo, u32> {
    Ok(match rc::persistent_handle(h) {
        Some(c) => match on_handle(h, StorageCall::Info { handle: c })? {
            StorageReply::Info(i) => i,
            _ => crate::fatal("unexpected answer to TEE_GetObjectInfo1"),
        },
        None => {
            let i = rc::object_info(h);
            StoredInfo {
                object_type: i.object_type,
                object_size: i.object_size,
                max_object_size: i.max_object_size,
                usage: i.object_usage,
                data_size: 0,
                data_position: 0,
                handle_flags: i.handle_flags,
            }
        }
    })
}

/// TEE_RestrictObjectUsage1 of a persistent object (persisted).
pub(crate) fn restrict_usage(h: ObjHandle, core: u32, usage: u32) {
    // GP lets TEE_RestrictObjectUsage1 fail only with CORRUPT_OBJECT or
    // STORAGE_NOT_AVAILABLE, which the GP 1.1 form cannot report: on
    // failure the object keeps its old usage.
    if on_handle(
        h,
        StorageCall::RestrictUsage {
            handle: core,
            usage,
        },
    )
    .is_ok()
    {
        rc::restrict_key_usage(h, usage);
    }
}

/// A persistent object enumerator (TEE_ObjectEnumHandle).
#[derive(Default)]
struct Enumerator {
    /// Started on this storage id.
    storage: Option<u32>,
    /// The id returned last (the next one sorts after it).
    last: Option<Vec<u8>>,
}

#[derive(Default)]
struct EnumTable {
    next: u32,
    all: HashMap<u32, Enumerator>,
}

thread_local! {
    static ENUMS: RefCell<EnumTable> = RefCell::new(EnumTable::default());
}

/// TEE_AllocatePersistentObjectEnumerator.
pub fn enum_allocate() -> u32 {
    ENUMS.with(|t| {
        let mut t = t.borrow_mut();
        let EnumTable { next, all } = &mut *t;
        // Every id in use: TEE_ERROR_OUT_OF_MEMORY.
        let h = crate::next_handle_id(next, |id| all.contains_key(&id))
            .unwrap_or_else(|| panic_ta(0xFFFF_000C));
        all.insert(h, Enumerator::default());
        h
    })
}

fn with_enum<R>(h: u32, f: impl FnOnce(&mut Enumerator) -> R) -> R {
    ENUMS.with(|t| match t.borrow_mut().all.get_mut(&h) {
        Some(e) => f(e),
        None => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    })
}

/// Whether `h` is a live enumerator.
pub fn enum_exists(h: u32) -> bool {
    ENUMS.with(|t| t.borrow().all.contains_key(&h))
}

/// TEE_FreePersistentObjectEnumerator.
pub fn enum_free(h: u32) {
    if ENUMS.with(|t| t.borrow_mut().all.remove(&h)).is_none() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

/// TEE_ResetPersistentObjectEnumerator.
pub fn enum_reset(h: u32) {
    with_enum(h, |e| *e = Enumerator::default());
}

/// TEE_StartPersistentObjectEnumerator: ITEM_NOT_FOUND when the storage
/// has no object (or is not one this TEE has).
pub fn enum_start(h: u32, storage_id: u32) -> Result<(), u32> {
    with_enum(h, |e| *e = Enumerator::default());
    // Whether there is anything to enumerate.
    call(StorageCall::Next {
        storage_id,
        after: None,
    })?;
    with_enum(h, |e| e.storage = Some(storage_id));
    Ok(())
}

/// TEE_GetNextPersistentObject: the next object's info and id, or
/// ITEM_NOT_FOUND at the end. Objects created or deleted meanwhile may or
/// may not be seen (GP allows both); none is returned twice.
pub fn enum_next(h: u32) -> Result<(StoredInfo, Vec<u8>), u32> {
    let (storage, last) = with_enum(h, |e| (e.storage, e.last.clone()));
    let Some(storage_id) = storage else {
        return Err(TEE_ERROR_ITEM_NOT_FOUND);
    };
    match call(StorageCall::Next {
        storage_id,
        after: last,
    })? {
        StorageReply::Next { id, info } => {
            with_enum(h, |e| e.last = Some(id.clone()));
            Ok((info, id))
        }
        _ => crate::fatal("unexpected answer to TEE_GetNextPersistentObject"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxtee_crypto::consts::{TEE_TYPE_MLDSA_KEYPAIR, TEE_TYPE_RSA_KEYPAIR};
    use oxtee_crypto::object::Object;

    /// The largest key objects oxtee makes serialize well under the bound
    /// a storage request's attributes keep to (so persistent key objects
    /// of every type can be created).
    #[test]
    fn largest_keys_fit_the_stored_attribute_bound() {
        for (ty, bits) in [(TEE_TYPE_MLDSA_KEYPAIR, 1536), (TEE_TYPE_RSA_KEYPAIR, 4096)] {
            let mut o = Object::new(ty, bits).unwrap();
            o.generate(bits, &[], &mut crate::crypto::OsRng).unwrap();
            let n = encode_attrs(o.attributes()).len();
            assert!(
                n * 3 / 2 <= oxtee_proto::limits::STORED_ATTRIBUTES,
                "type {ty:#x}: {n} bytes"
            );
        }
    }
}
