//! The GP Trusted Storage requests of a TA ([`oxtee_proto::StorageCall`])
//! served against a [`Store`]: one mapping for both tiers (the host
//! tier's core, the TrustZone tier's secure kernel), so a TA sees the
//! same answers on each.
//!
//! Bulk data is the caller's to move: `input` holds exactly the bytes a
//! `Create` or `Write` names, `output` is where a `Read` puts its bytes
//! (at least the length it names). Anything else is `BAD_PARAMETERS`.
//! A corrupt object's handle is closed, as GP says.

use alloc::vec::Vec;

use oxtee_proto::{StorageCall, StorageReply, StoredAttrs, StoredInfo};
use rand_core::{CryptoRng, RngCore};

use crate::{Error, ObjectAttrs, ObjectHandle, ObjectInfo, Rpmb, Store, Supplicant};

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const TEE_ERROR_CORRUPT_OBJECT: u32 = 0xF010_0001;

/// The wire form of an object's info.
pub fn stored_info(i: ObjectInfo) -> StoredInfo {
    StoredInfo {
        object_type: i.object_type,
        object_size: i.object_size,
        max_object_size: i.max_object_size,
        usage: i.object_usage,
        data_size: i.data_size,
        data_position: i.data_position,
        handle_flags: i.handle_flags,
    }
}

/// The bytes a call carries in (`Create`, `Write`) and out (`Read`).
pub fn bulk_lengths(call: &StorageCall) -> (u64, u64) {
    match call {
        StorageCall::Create { data_len, .. } => (*data_len, 0),
        StorageCall::Write { len, .. } => (*len, 0),
        StorageCall::Read { len, .. } => (0, *len),
        _ => (0, 0),
    }
}

/// Serve `call` of instance `owner` of TA `ta`.
pub fn serve<S: Supplicant, R: Rpmb, G: RngCore + CryptoRng>(
    s: &mut Store<S, R, G>,
    owner: u64,
    ta: &[u8; 16],
    call: StorageCall,
    input: &[u8],
    output: &mut [u8],
) -> Result<StorageReply, u32> {
    let code = |e: Error| e.code();
    let on_handle = |s: &mut Store<S, R, G>, h: ObjectHandle, e: Error| {
        if e.code() == TEE_ERROR_CORRUPT_OBJECT {
            let _ = s.close(owner, h);
        }
        e.code()
    };
    let exactly = |len: u64| {
        if input.len() as u64 == len {
            Ok(input)
        } else {
            Err(TEE_ERROR_BAD_PARAMETERS)
        }
    };
    match call {
        StorageCall::Open {
            storage_id,
            id,
            flags,
        } => s
            .open_object(owner, ta, storage_id, &id, flags)
            .map(|(h, i)| StorageReply::Handle {
                handle: h.0,
                info: stored_info(i),
            })
            .map_err(code),
        StorageCall::Create {
            storage_id,
            id,
            flags,
            attrs,
            data_len,
        } => {
            let data = exactly(data_len)?;
            let a = ObjectAttrs {
                object_type: attrs.object_type,
                object_size: attrs.object_size,
                max_object_size: attrs.max_object_size,
                object_usage: attrs.usage,
                attributes: attrs.attributes,
            };
            let h = s
                .create(owner, ta, storage_id, &id, flags, &a, data)
                .map_err(code)?;
            let i = s.info(owner, h).map_err(code)?;
            Ok(StorageReply::Handle {
                handle: h.0,
                info: stored_info(i),
            })
        }
        StorageCall::Close { handle } => s
            .close(owner, ObjectHandle(handle))
            .map(|()| StorageReply::None)
            .map_err(code),
        StorageCall::CloseAndDelete { handle } => s
            .close_and_delete(owner, ObjectHandle(handle))
            .map(|()| StorageReply::None)
            .map_err(code),
        StorageCall::Rename { handle, id } => {
            let h = ObjectHandle(handle);
            s.rename(owner, h, &id)
                .map(|()| StorageReply::None)
                .map_err(|e| on_handle(s, h, e))
        }
        StorageCall::Read { handle, len } => {
            let h = ObjectHandle(handle);
            let out = usize::try_from(len)
                .ok()
                .and_then(|n| output.get_mut(..n))
                .ok_or(TEE_ERROR_BAD_PARAMETERS)?;
            s.read(owner, h, out)
                .map(|n| StorageReply::Read(n as u64))
                .map_err(|e| on_handle(s, h, e))
        }
        StorageCall::Write { handle, len } => {
            let data = exactly(len)?;
            let h = ObjectHandle(handle);
            s.write(owner, h, data)
                .map(|()| StorageReply::None)
                .map_err(|e| on_handle(s, h, e))
        }
        StorageCall::Truncate { handle, size } => {
            let h = ObjectHandle(handle);
            s.truncate(owner, h, size)
                .map(|()| StorageReply::None)
                .map_err(|e| on_handle(s, h, e))
        }
        StorageCall::Seek {
            handle,
            offset,
            whence,
        } => s
            .seek(owner, ObjectHandle(handle), offset, whence)
            .map(StorageReply::Position)
            .map_err(code),
        StorageCall::Info { handle } => s
            .info(owner, ObjectHandle(handle))
            .map(|i| StorageReply::Info(stored_info(i)))
            .map_err(code),
        StorageCall::RestrictUsage { handle, usage } => {
            let h = ObjectHandle(handle);
            s.restrict_usage(owner, h, usage)
                .map(|()| StorageReply::None)
                .map_err(|e| on_handle(s, h, e))
        }
        StorageCall::Attributes { handle } => {
            let h = ObjectHandle(handle);
            match (s.info(owner, h), s.attributes(owner, h)) {
                (Ok(i), Ok(attributes)) => Ok(StorageReply::Attributes(StoredAttrs {
                    object_type: i.object_type,
                    object_size: i.object_size,
                    max_object_size: i.max_object_size,
                    usage: i.object_usage,
                    attributes,
                })),
                (Err(e), _) | (_, Err(e)) => Err(on_handle(s, h, e)),
            }
        }
        StorageCall::Next { storage_id, after } => {
            let mut all: Vec<_> = s.list_info(ta, storage_id).map_err(code)?;
            all.sort_by(|a, b| a.0.cmp(&b.0));
            all.into_iter()
                .find(|(id, _)| after.as_ref().is_none_or(|a| id > a))
                .map(|(id, i)| StorageReply::Next {
                    id,
                    info: stored_info(i),
                })
                .ok_or(TEE_ERROR_ITEM_NOT_FOUND)
        }
    }
}
