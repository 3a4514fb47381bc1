//! GP Trusted Storage for user TAs at S-EL0 (Internal Core API 5.7-5.9):
//! the system calls, and what the kernel does with the store's answers.
//!
//! The store is the host tier's engine (`oxtee-storage`, served by
//! [`oxtee_storage::calls`], so a TA gets the same answers on both
//! tiers), run by the kernel over the normal world's supplicant
//! ([`crate::ree_fs`]). Every storage call needs the normal world, so a
//! system call here checks and copies what the TA passes, then answers
//! [`Outcome::Rpc`] with a [`Job`]; the kernel runs the job against the
//! store ([`run`], on the store's own stack while the supplicant works)
//! and finishes the call with [`complete`].
//!
//! Persistent objects share the instance's object table
//! ([`crate::cryp::Crypto`]) with transient ones: an open persistent
//! object is an id there mapped to the store's handle, and a key object's
//! key is rebuilt from the stored attributes when it is opened, so the
//! cryptographic calls use it like a transient key; it never leaves the
//! kernel.
//!
//! The calls are oxtee's own (numbers [`num`], from 0x1200), one per GP
//! function; libutee maps handles and turns the codes GP answers with a
//! panic into panics, as OP-TEE's does. A TA is hostile: an unknown
//! handle, a pointer that is not the TA's (outputs: its writable data),
//! an object id longer than 64 bytes or in a client's shared memory kill
//! it; a buffer beyond
//! [`MAX_IO`] is refused (`OUT_OF_MEMORY`: libutee cuts reads and writes
//! into pieces of at most that); nothing the TA passes is read twice.
//! What a TA can make the kernel hold is bounded: [`MAX_OBJECTS`] objects
//! in the store (its directory is in the kernel's memory), and
//! [`crate::cryp::MAX_PERSISTENT`] open objects per instance.

use alloc::boxed::Box;
use alloc::vec::Vec;

use oxtee_crypto::object::{Object, encode_attrs};
use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_OUT_OF_MEMORY, TEE_SUCCESS,
};
use oxtee_proto::{StorageCall, StorageReply, StoredAttrs, StoredInfo};
use oxtee_storage::calls::{bulk_lengths, serve};
use oxtee_storage::{Rpmb, Store, Supplicant};
use rand_core::{CryptoRng, RngCore};

use crate::cryp::Crypto;
use crate::utee::{Context, Fault, Outcome, Pending, UserMemory, check, read_user, write_user};

/// The system call numbers.
pub mod num {
    /// `(storage_id, id, id_len, flags, handle_out: *u32)`.
    pub const OPEN: u64 = 0x1200;
    /// `(storage_id, id, id_len, flags, attributes (an object or 0),
    /// data, data_len, handle_out: *u32)`.
    pub const CREATE: u64 = 0x1201;
    /// `(handle)`.
    pub const CLOSE: u64 = 0x1202;
    /// `(handle)`.
    pub const CLOSE_AND_DELETE: u64 = 0x1203;
    /// `(handle, id, id_len)`.
    pub const RENAME: u64 = 0x1204;
    /// `(handle, buffer, len, count_out: *u64)`.
    pub const READ: u64 = 0x1205;
    /// `(handle, buffer, len)`.
    pub const WRITE: u64 = 0x1206;
    /// `(handle, size)`.
    pub const TRUNCATE: u64 = 0x1207;
    /// `(handle, offset: i64, whence)`.
    pub const SEEK: u64 = 0x1208;
    /// `(handle, info_out: *[u32; 7])`.
    pub const INFO: u64 = 0x1209;
    /// `(handle, usage)`.
    pub const RESTRICT_USAGE: u64 = 0x120A;
    /// `(storage_id, after, after_len (u64::MAX: from the start),
    /// info_out: *[u32; 7], id_out: *[u8; 64], id_len_out: *u64)`: the
    /// first object whose id sorts after `after`.
    pub const NEXT: u64 = 0x120B;

    /// Whether `n` is one of these calls' range.
    pub fn is_storage(n: u64) -> bool {
        (0x1200..0x1210).contains(&n)
    }
}

/// The largest buffer one call reads or writes (a write of at most this
/// much is one atomic change of the object).
pub const MAX_IO: usize = 1 << 20;
/// The most objects the store holds, all TAs together: its directory
/// lives in the kernel's memory (an entry per object), which a TA that
/// creates objects without end must not exhaust. Beyond: STORAGE_NO_SPACE.
pub const MAX_OBJECTS: usize = 4096;
const TEE_ERROR_STORAGE_NO_SPACE: u32 = 0xFFFF_3041;
/// `TEE_OBJECT_ID_MAX_LEN`.
pub const MAX_ID: usize = 64;
/// `sizeof(TEE_ObjectInfo)` as the calls write it: seven u32s.
const INFO_SIZE: u64 = 28;
const TEE_TYPE_DATA: u32 = 0xA000_00BF;
const TEE_HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;
const TEE_ERROR_CORRUPT_OBJECT: u32 = 0xF010_0001;
const TEE_ERROR_CORRUPT_OBJECT_2: u32 = 0xF010_0002;

/// Where a call's answer goes in the TA's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// The new object's id (u32) at `at`.
    Handle { at: u64 },
    /// The bytes read into `buf`, their count (u64) at `count_at`.
    Read { buf: u64, count_at: u64 },
    /// The info at `at`.
    Info { at: u64 },
    /// The next object's info, its id (at most 64 bytes) and its length.
    Next {
        info_at: u64,
        id_at: u64,
        id_len_at: u64,
    },
    /// Only the result.
    Code,
    /// The usage of the object was restricted (its key's copy follows).
    Restricted { usage: u32 },
}

/// A storage request of a system call, for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The request, with the store's handles.
    pub call: StorageCall,
    /// The bytes it writes (a copy of the TA's).
    pub input: Vec<u8>,
    /// Where the answer goes.
    pub out: Out,
    /// The TA's object the call is about (a corrupt one is closed).
    pub obj: Option<u64>,
}

/// The store's answer to a [`Job`].
#[derive(Clone)]
pub struct Done {
    pub result: Result<StorageReply, u32>,
    /// The bytes read.
    pub output: Vec<u8>,
    /// An opened key object's key.
    pub key: Option<Object>,
}

impl core::fmt::Debug for Done {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Done")
            .field("result", &self.result)
            .field("output", &self.output.len())
            .field("key", &self.key.is_some())
            .finish()
    }
}

/// Why a call stops short of the store.
enum Stop {
    Code(u32),
    Kill(u32),
}

impl From<Fault> for Stop {
    fn from(_: Fault) -> Stop {
        Stop::Kill(TEE_ERROR_ACCESS_DENIED)
    }
}

fn job(call: StorageCall, input: Vec<u8>, out: Out) -> Result<Job, Stop> {
    Ok(Job {
        call,
        input,
        out,
        obj: None,
    })
}

fn on(obj: u64, call: StorageCall, input: Vec<u8>, out: Out) -> Result<Job, Stop> {
    Ok(Job {
        call,
        input,
        out,
        obj: Some(obj),
    })
}

/// A copy of the TA's `len` bytes at `va`, at most `max` (else `over`).
fn copy_in(
    mem: &mut dyn UserMemory,
    va: u64,
    len: u64,
    max: usize,
    over: Stop,
) -> Result<Vec<u8>, Stop> {
    let n = match usize::try_from(len) {
        Ok(n) if n <= max => n,
        _ => return Err(over),
    };
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
    v.resize(n, 0);
    read_user(mem, va, &mut v)?;
    Ok(v)
}

/// An object id: more than 64 bytes, or bytes in memory a client shares
/// in this call (GP 1.3.1), are misuses GP panics on.
fn object_id(
    mem: &mut dyn UserMemory,
    shared: &[core::ops::Range<u64>],
    va: u64,
    len: u64,
) -> Result<Vec<u8>, Stop> {
    let end = va.saturating_add(len);
    if len > 0 && shared.iter().any(|s| s.start < end && va < s.end) {
        return Err(Stop::Kill(TEE_ERROR_BAD_PARAMETERS));
    }
    copy_in(mem, va, len, MAX_ID, Stop::Kill(TEE_ERROR_BAD_PARAMETERS))
}

/// The store's handle of the TA's persistent object `h`.
fn store_handle(t: &Crypto, h: u64) -> Result<u32, Stop> {
    t.store_handle(h)
        .ok_or(Stop::Kill(TEE_ERROR_BAD_PARAMETERS))
}

fn writable(mem: &dyn UserMemory, va: u64, len: u64) -> Result<(), Stop> {
    check(mem, va, len, true).map_err(Stop::from)
}

/// Serve storage system call `n` (see [`num::is_storage`]).
pub fn syscall(n: u64, a: &[u64; 8], cx: &mut Context<'_>) -> Outcome {
    match prepare(n, a, cx) {
        Ok(j) => Outcome::Rpc(Pending::Storage(Box::new(j))),
        Err(Stop::Code(c)) => Outcome::Resume(u64::from(c)),
        Err(Stop::Kill(c)) => Outcome::Panic(c),
    }
}

fn prepare(n: u64, a: &[u64; 8], cx: &mut Context<'_>) -> Result<Job, Stop> {
    use num::*;
    let t = &mut *cx.crypto;
    let mem = &mut *cx.mem;
    let shared = cx.shared;
    match n {
        OPEN => {
            let id = object_id(mem, shared, a[1], a[2])?;
            writable(mem, a[4], 4)?;
            if !t.has_persistent_room() {
                return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
            }
            let call = StorageCall::Open {
                storage_id: a[0] as u32,
                id,
                flags: a[3] as u32,
            };
            job(call, Vec::new(), Out::Handle { at: a[4] })
        }
        CREATE => {
            let id = object_id(mem, shared, a[1], a[2])?;
            writable(mem, a[7], 4)?;
            let attrs = match a[4] {
                0 => data_attrs(),
                h => match t.template(h) {
                    None => return Err(Stop::Kill(TEE_ERROR_BAD_PARAMETERS)),
                    Some(None) => data_attrs(),
                    Some(Some(o)) => {
                        let i = o.info();
                        if i.handle_flags & TEE_HANDLE_FLAG_INITIALIZED == 0 {
                            return Err(Stop::Kill(TEE_ERROR_BAD_PARAMETERS));
                        }
                        let attributes = encode_attrs(o.attributes());
                        if attributes.len() > oxtee_proto::limits::STORED_ATTRIBUTES {
                            return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
                        }
                        StoredAttrs {
                            object_type: i.object_type,
                            object_size: i.object_size,
                            max_object_size: i.max_object_size,
                            usage: i.object_usage,
                            attributes,
                        }
                    }
                },
            };
            let data = copy_in(mem, a[5], a[6], MAX_IO, Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
            if !t.has_persistent_room() {
                return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
            }
            let call = StorageCall::Create {
                storage_id: a[0] as u32,
                id,
                flags: a[3] as u32,
                attrs,
                data_len: data.len() as u64,
            };
            job(call, data, Out::Handle { at: a[7] })
        }
        CLOSE | CLOSE_AND_DELETE => {
            // Closed here whatever the store answers.
            let handle = store_handle(t, a[0])?;
            t.drop_persistent(a[0]);
            let call = if n == CLOSE {
                StorageCall::Close { handle }
            } else {
                StorageCall::CloseAndDelete { handle }
            };
            job(call, Vec::new(), Out::Code)
        }
        RENAME => {
            let handle = store_handle(t, a[0])?;
            let id = object_id(mem, shared, a[1], a[2])?;
            let call = StorageCall::Rename { handle, id };
            on(a[0], call, Vec::new(), Out::Code)
        }
        READ => {
            let handle = store_handle(t, a[0])?;
            if a[2] > MAX_IO as u64 {
                return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
            }
            writable(mem, a[1], a[2])?;
            writable(mem, a[3], 8)?;
            let call = StorageCall::Read { handle, len: a[2] };
            let out = Out::Read {
                buf: a[1],
                count_at: a[3],
            };
            on(a[0], call, Vec::new(), out)
        }
        WRITE => {
            let handle = store_handle(t, a[0])?;
            let data = copy_in(mem, a[1], a[2], MAX_IO, Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
            let call = StorageCall::Write {
                handle,
                len: data.len() as u64,
            };
            on(a[0], call, data, Out::Code)
        }
        TRUNCATE => {
            let handle = store_handle(t, a[0])?;
            let call = StorageCall::Truncate {
                handle,
                size: a[1] as u32,
            };
            on(a[0], call, Vec::new(), Out::Code)
        }
        SEEK => {
            let handle = store_handle(t, a[0])?;
            let call = StorageCall::Seek {
                handle,
                offset: a[1] as i64,
                whence: a[2] as u32,
            };
            on(a[0], call, Vec::new(), Out::Code)
        }
        INFO => {
            let handle = store_handle(t, a[0])?;
            writable(mem, a[1], INFO_SIZE)?;
            on(
                a[0],
                StorageCall::Info { handle },
                Vec::new(),
                Out::Info { at: a[1] },
            )
        }
        RESTRICT_USAGE => {
            let handle = store_handle(t, a[0])?;
            let usage = a[1] as u32;
            let call = StorageCall::RestrictUsage { handle, usage };
            on(a[0], call, Vec::new(), Out::Restricted { usage })
        }
        NEXT => {
            let after = match a[2] {
                u64::MAX => None,
                len => Some(object_id(mem, shared, a[1], len)?),
            };
            writable(mem, a[3], INFO_SIZE)?;
            writable(mem, a[4], MAX_ID as u64)?;
            writable(mem, a[5], 8)?;
            let call = StorageCall::Next {
                storage_id: a[0] as u32,
                after,
            };
            let out = Out::Next {
                info_at: a[3],
                id_at: a[4],
                id_len_at: a[5],
            };
            job(call, Vec::new(), out)
        }
        _ => Err(Stop::Code(oxtee_gp::TEE_ERROR_NOT_SUPPORTED)),
    }
}

fn data_attrs() -> StoredAttrs {
    StoredAttrs {
        object_type: TEE_TYPE_DATA,
        object_size: 0,
        max_object_size: 0,
        usage: u32::MAX,
        attributes: Vec::new(),
    }
}

/// Run `job` of instance `owner` of TA `ta` against the store: its
/// answer, with an opened key object's key rebuilt (a key that does not
/// rebuild is a corrupt object: its handle is closed).
pub fn run<S: Supplicant, R: Rpmb, G: RngCore + CryptoRng>(
    store: &mut Store<S, R, G>,
    owner: u64,
    ta: &[u8; 16],
    job: &Job,
) -> Done {
    let out_len = bulk_lengths(&job.call).1 as usize;
    let mut output = Vec::new();
    if output.try_reserve_exact(out_len).is_err() {
        return Done {
            result: Err(TEE_ERROR_OUT_OF_MEMORY),
            output,
            key: None,
        };
    }
    output.resize(out_len, 0);
    if let StorageCall::Create { .. } = job.call
        && store.object_count() >= MAX_OBJECTS
    {
        return Done {
            result: Err(TEE_ERROR_STORAGE_NO_SPACE),
            output,
            key: None,
        };
    }
    let mut result = serve(store, owner, ta, job.call.clone(), &job.input, &mut output);
    let mut key = None;
    if let Ok(StorageReply::Handle { handle, info }) = &result
        && info.object_type != TEE_TYPE_DATA
    {
        let handle = *handle;
        let attrs = serve(
            store,
            owner,
            ta,
            StorageCall::Attributes { handle },
            &[],
            &mut [],
        );
        key = match attrs {
            Ok(StorageReply::Attributes(a)) => {
                Object::from_stored(a.object_type, a.max_object_size, a.usage, &a.attributes)
            }
            _ => None,
        };
        if key.is_none() {
            let _ = serve(
                store,
                owner,
                ta,
                StorageCall::Close { handle },
                &[],
                &mut [],
            );
            result = Err(TEE_ERROR_CORRUPT_OBJECT);
        }
    }
    Done {
        result,
        output,
        key,
    }
}

fn info_bytes(i: &StoredInfo) -> [u8; INFO_SIZE as usize] {
    let w = [
        i.object_type,
        i.object_size,
        i.max_object_size,
        i.usage,
        i.data_size,
        i.data_position,
        i.handle_flags,
    ];
    let mut b = [0u8; INFO_SIZE as usize];
    for (k, v) in w.iter().enumerate() {
        b[4 * k..4 * k + 4].copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// Finish the call of `job` with the store's answer: outputs into the
/// TA's memory (checked writable when the call was made; the TA has not
/// run since), the table updated.
pub fn complete(job: &Job, done: Done, mem: &mut dyn UserMemory, t: &mut Crypto) -> Outcome {
    match finish(job, done, mem, t) {
        Ok(c) => Outcome::Resume(u64::from(c)),
        Err(Fault) => Outcome::Panic(TEE_ERROR_ACCESS_DENIED),
    }
}

fn finish(job: &Job, done: Done, mem: &mut dyn UserMemory, t: &mut Crypto) -> Result<u32, Fault> {
    let reply = match done.result {
        Ok(r) => r,
        Err(code) => {
            if let (Some(h), TEE_ERROR_CORRUPT_OBJECT | TEE_ERROR_CORRUPT_OBJECT_2) =
                (job.obj, code)
            {
                // The store closed it (GP).
                t.drop_persistent(h);
            }
            return Ok(code);
        }
    };
    match (job.out, reply) {
        (Out::Handle { at }, StorageReply::Handle { handle, .. }) => {
            let id = t.adopt_persistent(handle, done.key);
            write_user(mem, at, &id.to_le_bytes())?;
        }
        (Out::Read { buf, count_at }, StorageReply::Read(n)) => {
            let n = (n as usize).min(done.output.len());
            write_user(mem, buf, &done.output[..n])?;
            write_user(mem, count_at, &(n as u64).to_le_bytes())?;
        }
        (Out::Info { at }, StorageReply::Info(i)) => write_user(mem, at, &info_bytes(&i))?,
        (
            Out::Next {
                info_at,
                id_at,
                id_len_at,
            },
            StorageReply::Next { id, info },
        ) => {
            let id = &id[..id.len().min(MAX_ID)];
            write_user(mem, info_at, &info_bytes(&info))?;
            write_user(mem, id_at, id)?;
            write_user(mem, id_len_at, &(id.len() as u64).to_le_bytes())?;
        }
        (Out::Restricted { usage }, _) => {
            if let Some(h) = job.obj {
                t.restrict_persistent(h, usage)
            }
        }
        (Out::Code, _) => {}
        // An answer of another shape: the store's mapping never gives one.
        _ => return Ok(oxtee_gp::TEE_ERROR_GENERIC),
    }
    Ok(TEE_SUCCESS)
}

#[cfg(test)]
mod tests;
