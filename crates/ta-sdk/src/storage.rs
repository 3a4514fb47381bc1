//! Trusted Storage (GP 1.3.1 sections 5.7-5.9) in safe Rust: persistent
//! objects (closed when dropped), their data streams, and enumeration.
//!
//! ```ignore
//! let mut o = PersistentObject::create(
//!     id::PRIVATE, b"counter", flags::ACCESS_READ | flags::ACCESS_WRITE,
//!     None, &0u32.to_le_bytes(),
//! )?;
//! o.seek(0, Whence::Set)?;
//! o.write(&1u32.to_le_bytes())?;
//! ```
//!
//! A persistent key object works wherever the crypto API takes a key
//! ([`crate::crypto::Operation::set_persistent_key`]). Misuse GP answers
//! with a panic (writing through a handle opened read-only, deleting
//! without `ACCESS_WRITE_META`, an object id over 64 bytes) panics the
//! TA, as in C.

use crate::crypto::TransientObject;
use crate::prelude::*;
use crate::rt::crypto::{self as rc, ObjHandle};
use crate::rt::storage as st;
use crate::{TeeError, TeeResult};

pub use crate::rt::storage::Info;

/// Storage identifiers.
pub mod id {
    /// TEE_STORAGE_PRIVATE.
    pub const PRIVATE: u32 = 0x0000_0001;
    /// OP-TEE's TEE_STORAGE_PRIVATE_REE.
    pub const PRIVATE_REE: u32 = 0x8000_0000;
    /// OP-TEE's TEE_STORAGE_PRIVATE_RPMB.
    pub const PRIVATE_RPMB: u32 = 0x8000_0100;
}

/// TEE_DATA_FLAG_* (and TEE_DATA_MAX_POSITION).
pub mod flags {
    pub const ACCESS_READ: u32 = 0x0000_0001;
    pub const ACCESS_WRITE: u32 = 0x0000_0002;
    pub const ACCESS_WRITE_META: u32 = 0x0000_0004;
    pub const SHARE_READ: u32 = 0x0000_0010;
    pub const SHARE_WRITE: u32 = 0x0000_0020;
    pub const OVERWRITE: u32 = 0x0000_0400;
    pub const MAX_POSITION: u32 = 0xFFFF_FFFF;
}

/// The largest object id (bytes).
pub const OBJECT_ID_MAX_LEN: usize = st::TEE_OBJECT_ID_MAX_LEN;

/// TEE_Whence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Whence {
    Set = 0,
    Cur = 1,
    End = 2,
}

/// An open persistent object (TEE_ObjectHandle), closed on drop.
#[derive(Debug)]
pub struct PersistentObject {
    pub(crate) h: ObjHandle,
}

fn res(r: Result<(), u32>) -> TeeResult {
    r.map_err(TeeError)
}

impl PersistentObject {
    /// TEE_OpenPersistentObject: `ITEM_NOT_FOUND`, `ACCESS_CONFLICT`,
    /// `CORRUPT_OBJECT`, `STORAGE_NOT_AVAILABLE`.
    pub fn open(storage_id: u32, id: &[u8], flags: u32) -> TeeResult<PersistentObject> {
        st::open(storage_id, id, flags)
            .map(|h| PersistentObject { h })
            .map_err(TeeError)
    }

    /// TEE_CreatePersistentObject with the key (type, size, usage and
    /// attributes) of `key`, or a pure data object for `None`, and
    /// `data` as the initial data stream. `ACCESS_CONFLICT` if the id
    /// exists without `flags::OVERWRITE`; `STORAGE_NO_SPACE`.
    pub fn create(
        storage_id: u32,
        id: &[u8],
        flags: u32,
        key: Option<&TransientObject>,
        data: &[u8],
    ) -> TeeResult<PersistentObject> {
        st::create(storage_id, id, flags, key.map(|k| k.h), data)
            .map(|h| PersistentObject { h })
            .map_err(TeeError)
    }

    /// As [`PersistentObject::create`] with another persistent object's
    /// key as the template.
    pub fn create_like(
        storage_id: u32,
        id: &[u8],
        flags: u32,
        template: &PersistentObject,
        data: &[u8],
    ) -> TeeResult<PersistentObject> {
        st::create(storage_id, id, flags, Some(template.h), data)
            .map(|h| PersistentObject { h })
            .map_err(TeeError)
    }

    /// TEE_ReadObjectData into `buf`: the bytes read (0 at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> TeeResult<usize> {
        st::read(self.h, buf).map_err(TeeError)
    }

    /// TEE_WriteObjectData at the data position (atomic).
    pub fn write(&mut self, data: &[u8]) -> TeeResult {
        res(st::write(self.h, data))
    }

    /// TEE_TruncateObjectData.
    pub fn truncate(&mut self, size: u32) -> TeeResult {
        res(st::truncate(self.h, size))
    }

    /// TEE_SeekObjectData: the new position, or `OVERFLOW`.
    pub fn seek(&mut self, offset: i64, whence: Whence) -> TeeResult<u32> {
        st::seek(self.h, offset, whence as u32).map_err(TeeError)
    }

    /// TEE_RenamePersistentObject: `ACCESS_CONFLICT` if the id exists.
    pub fn rename(&mut self, new_id: &[u8]) -> TeeResult {
        res(st::rename(self.h, new_id))
    }

    /// TEE_GetObjectInfo1.
    pub fn info(&self) -> Info {
        st::info(self.h)
    }

    /// TEE_RestrictObjectUsage1 (persisted).
    pub fn restrict_usage(&mut self, usage: u32) {
        rc::restrict_usage(self.h, usage)
    }

    /// TEE_GetObjectBufferAttribute into `out`: the size written, or
    /// `SHORT_BUFFER` / `ITEM_NOT_FOUND`.
    pub fn buffer_attribute(&self, id: u32, out: &mut [u8]) -> TeeResult<usize> {
        let v = rc::buffer_attribute(self.h, id, out.len()).map_err(|e| TeeError(e.code()))?;
        out[..v.len()].copy_from_slice(&v);
        Ok(v.len())
    }

    /// TEE_GetObjectValueAttribute.
    pub fn value_attribute(&self, id: u32) -> TeeResult<(u32, u32)> {
        rc::value_attribute(self.h, id).map_err(|e| TeeError(e.code()))
    }

    /// TEE_CloseAndDeletePersistentObject1 (needs `ACCESS_WRITE_META`).
    pub fn close_and_delete(self) -> TeeResult {
        let h = self.h;
        core::mem::forget(self);
        res(st::close_and_delete(h))
    }
}

impl Drop for PersistentObject {
    fn drop(&mut self) {
        // A handle the core closed (corrupt object) is already gone.
        if rc::persistent_handle(self.h).is_some() {
            st::close(self.h)
        }
    }
}

impl TransientObject {
    /// TEE_CopyObjectAttributes1 from a persistent key object.
    pub fn copy_attributes_from_persistent(&mut self, src: &PersistentObject) {
        rc::copy_object_attributes(self.h, src.h)
    }
}

/// A persistent object enumerator (TEE_ObjectEnumHandle), freed on drop.
#[derive(Debug)]
pub struct Enumerator {
    h: u32,
}

impl Enumerator {
    /// TEE_AllocatePersistentObjectEnumerator.
    pub fn new() -> Enumerator {
        Enumerator {
            h: st::enum_allocate(),
        }
    }

    /// TEE_StartPersistentObjectEnumerator: `ITEM_NOT_FOUND` when the
    /// storage holds no object of this TA.
    pub fn start(&mut self, storage_id: u32) -> TeeResult {
        res(st::enum_start(self.h, storage_id))
    }

    /// TEE_ResetPersistentObjectEnumerator.
    pub fn reset(&mut self) {
        st::enum_reset(self.h)
    }

    /// TEE_GetNextPersistentObject: the next object's info and id, or
    /// `ITEM_NOT_FOUND` at the end.
    pub fn next_object(&mut self) -> TeeResult<(Info, Vec<u8>)> {
        st::enum_next(self.h).map_err(TeeError)
    }
}

impl Default for Enumerator {
    fn default() -> Self {
        Enumerator::new()
    }
}

impl Drop for Enumerator {
    fn drop(&mut self) {
        st::enum_free(self.h)
    }
}
