//! The TA's cryptographic operations: a handle table of
//! [`oxtee_crypto::Operation`]s owned by this TA process, shared by the C
//! ABI (`oxtee-ta-capi`, which turns handles into `TEE_OperationHandle`
//! pointers) and the Rust SDK.
//!
//! Handles are never reused, so a freed or forged handle is always
//! recognised. Every case GP answers with a panic (unknown handle, misuse
//! of the operation's state or class) panics the TA here; callers only
//! see the return codes GP lets a TA handle.

use crate::panic_ta;
pub use oxtee_crypto::object::{Attr, Object, ObjectInfo};
pub use oxtee_crypto::{self as engine, Error, Info, InfoMultiple, KeyInfo, OpState, Operation};
use std::cell::RefCell;
use std::collections::HashMap;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;

/// An operation handle: a non-zero id, unique for the process's lifetime.
pub type OpHandle = u32;

#[derive(Default)]
struct Table {
    last: u32,
    ops: HashMap<OpHandle, Operation>,
}

/// An object handle (transient or persistent): a non-zero id, unique for
/// the process's lifetime (a separate table from the operations').
pub type ObjHandle = u32;

/// What an object handle designates: a transient object, or an open
/// persistent object (the core's handle) with its key, if it has one (a
/// pure data object has none).
struct ObjEntry {
    obj: Option<Object>,
    persistent: Option<u32>,
}

#[derive(Default)]
struct ObjTable {
    last: u32,
    objs: HashMap<ObjHandle, ObjEntry>,
}

thread_local! {
    static OPS: RefCell<Table> = RefCell::new(Table::default());
    static OBJS: RefCell<ObjTable> = RefCell::new(ObjTable::default());
}

fn done<R>(r: Result<R, Error>) -> Result<R, Error> {
    match r {
        Err(Error::Panic(code)) => panic_ta(code),
        r => r,
    }
}

/// Run `f` on the operation of `h`; an unknown handle panics the TA, as
/// does an [`Error::Panic`] from the engine.
fn with<R>(h: OpHandle, f: impl FnOnce(&mut Operation) -> Result<R, Error>) -> Result<R, Error> {
    let r = OPS.with(|t| {
        let mut t = t.borrow_mut();
        match t.ops.get_mut(&h) {
            Some(op) => f(op),
            None => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    });
    done(r)
}

/// TEE_AllocateOperation.
pub fn allocate(algorithm: u32, mode: u32, max_key_size: u32) -> Result<OpHandle, Error> {
    let op = done(Operation::new(algorithm, mode, max_key_size))?;
    OPS.with(|t| {
        let mut t = t.borrow_mut();
        let Table { last, ops } = &mut *t;
        let Some(h) = crate::next_handle_id(last, |id| ops.contains_key(&id)) else {
            return Err(Error::NotSupported);
        };
        ops.insert(h, op);
        Ok(h)
    })
}

/// Whether `h` designates a live operation.
pub fn exists(h: OpHandle) -> bool {
    OPS.with(|t| t.borrow().ops.contains_key(&h))
}

/// TEE_FreeOperation (an unknown handle panics).
pub fn free(h: OpHandle) {
    let gone = OPS.with(|t| t.borrow_mut().ops.remove(&h));
    if gone.is_none() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

/// TEE_GetOperationInfo.
pub fn info(h: OpHandle) -> Info {
    with(h, |op| Ok(op.info())).unwrap_or_default()
}

/// TEE_GetOperationInfoMultiple (without the buffer-size rules).
pub fn info_multiple(h: OpHandle) -> InfoMultiple {
    with(h, |op| Ok(op.info_multiple())).unwrap_or_default()
}

/// TEE_ResetOperation.
pub fn reset(h: OpHandle) {
    let _ = with(h, |op| {
        op.reset();
        Ok(())
    });
}

/// TEE_CopyOperation: `dst` becomes an independent copy of `src`.
pub fn copy(dst: OpHandle, src: OpHandle) {
    let src_op = with(src, |op| Ok(op.clone())).ok();
    if let Some(src_op) = src_op {
        let _ = with(dst, |op| op.copy_from(&src_op));
    }
}

/// TEE_IsAlgorithmSupported.
pub fn is_algorithm_supported(algorithm: u32, element: u32) -> Result<(), Error> {
    engine::is_algorithm_supported(algorithm, element)
}

/// TEE_DigestUpdate.
pub fn digest_update(h: OpHandle, chunk: &[u8]) {
    let _ = with(h, |op| op.digest_update(chunk));
}

/// TEE_DigestDoFinal with room for `out_len` bytes: the digest, or
/// [`Error::ShortBuffer`] with the size needed (the operation unchanged).
pub fn digest_do_final(h: OpHandle, chunk: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    with(h, |op| op.digest_do_final(chunk, out_len))
}

/// TEE_DigestExtract: the next bytes of the output into `out`; the count
/// written (all of `out` for an XOF; for a fixed-length digest what is
/// left of it, at most `out.len()`).
pub fn digest_extract(h: OpHandle, out: &mut [u8]) -> usize {
    with(h, |op| op.digest_extract(out)).unwrap_or(0)
}

/// TEE_SetOperationKey (`None`: TEE_HANDLE_NULL clears the key).
pub fn set_key(h: OpHandle, key: Option<ObjHandle>) {
    let obj = key.map(|k| with_obj(k, |o| Ok(o.clone())).unwrap_or_else(|_| unreachable!()));
    let _ = with(h, |op| op.set_key(obj.as_ref()));
}

/// TEE_SetOperationKey2 (both `None` clear the keys).
pub fn set_key2(h: OpHandle, key1: Option<ObjHandle>, key2: Option<ObjHandle>) {
    let get = |k: ObjHandle| with_obj(k, |o| Ok(o.clone())).unwrap_or_else(|_| unreachable!());
    let (o1, o2) = (key1.map(get), key2.map(get));
    let _ = with(h, |op| op.set_key2(o1.as_ref(), o2.as_ref()));
}

/// TEE_CipherInit.
pub fn cipher_init(h: OpHandle, iv: &[u8]) {
    let _ = with(h, |op| op.cipher_init(iv));
}

/// TEE_CipherUpdate with room for `out_len` bytes.
pub fn cipher_update(h: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    with(h, |op| op.cipher_update(src, out_len))
}

/// TEE_CipherDoFinal with room for `out_len` bytes.
pub fn cipher_do_final(h: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    with(h, |op| op.cipher_do_final(src, out_len))
}

/// TEE_MACInit.
pub fn mac_init(h: OpHandle, iv: &[u8]) {
    let _ = with(h, |op| op.mac_init(iv));
}

/// TEE_MACUpdate.
pub fn mac_update(h: OpHandle, chunk: &[u8]) {
    let _ = with(h, |op| op.mac_update(chunk));
}

/// TEE_MACComputeFinal with room for `out_len` bytes.
pub fn mac_compute_final(h: OpHandle, msg: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    with(h, |op| op.mac_compute_final(msg, out_len))
}

/// TEE_MACCompareFinal.
pub fn mac_compare_final(h: OpHandle, msg: &[u8], mac: &[u8]) -> Result<(), Error> {
    with(h, |op| op.mac_compare_final(msg, mac))
}

/// Run `f` on the object of `h`; an unknown handle panics the TA, as
/// does an [`Error::Panic`].
/// Run `f` on the key object of `h` (transient, or the key of a
/// persistent object); an unknown handle or a persistent data object
/// panics the TA, as does an [`Error::Panic`].
fn with_obj<R>(h: ObjHandle, f: impl FnOnce(&mut Object) -> Result<R, Error>) -> Result<R, Error> {
    let r = OBJS.with(|t| {
        let mut t = t.borrow_mut();
        match t.objs.get_mut(&h).and_then(|e| e.obj.as_mut()) {
            Some(o) => f(o),
            None => Err(Error::Panic(TEE_ERROR_BAD_PARAMETERS)),
        }
    });
    done(r)
}

/// As [`with_obj`], for functions GP allows on transient objects only
/// (a persistent handle panics).
fn with_transient<R>(
    h: ObjHandle,
    f: impl FnOnce(&mut Object) -> Result<R, Error>,
) -> Result<R, Error> {
    if persistent_handle(h).is_some() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    with_obj(h, f)
}

fn insert_entry(e: ObjEntry) -> Result<ObjHandle, Error> {
    OBJS.with(|t| {
        let mut t = t.borrow_mut();
        let ObjTable { last, objs } = &mut *t;
        let Some(h) = crate::next_handle_id(last, |id| objs.contains_key(&id)) else {
            return Err(Error::NotSupported);
        };
        objs.insert(h, e);
        Ok(h)
    })
}

/// TEE_AllocateTransientObject.
pub fn allocate_object(object_type: u32, max_size: u32) -> Result<ObjHandle, Error> {
    let o = done(Object::new(object_type, max_size))?;
    insert_entry(ObjEntry {
        obj: Some(o),
        persistent: None,
    })
}

/// A handle for an open persistent object (`core` is the core's handle,
/// `key` its key if it has one).
pub(crate) fn insert_persistent(core: u32, key: Option<Object>) -> Result<ObjHandle, Error> {
    insert_entry(ObjEntry {
        obj: key,
        persistent: Some(core),
    })
}

/// The core's handle of `h` if it is an open persistent object.
pub fn persistent_handle(h: ObjHandle) -> Option<u32> {
    OBJS.with(|t| t.borrow().objs.get(&h).and_then(|e| e.persistent))
}

/// Forget a persistent object's handle (closed, or closed by the core
/// because the object is corrupt).
pub(crate) fn remove_persistent(h: ObjHandle) {
    OBJS.with(|t| {
        let mut t = t.borrow_mut();
        if t.objs.get(&h).is_some_and(|e| e.persistent.is_some()) {
            t.objs.remove(&h);
        }
    });
}

/// A copy of the key object of `h` (transient or persistent), if any.
pub(crate) fn key_object(h: ObjHandle) -> Option<Object> {
    OBJS.with(|t| t.borrow().objs.get(&h).and_then(|e| e.obj.clone()))
}

/// Update the usage of a persistent object's key (after the core
/// persisted it).
pub(crate) fn restrict_key_usage(h: ObjHandle, usage: u32) {
    OBJS.with(|t| {
        if let Some(o) = t.borrow_mut().objs.get_mut(&h).and_then(|e| e.obj.as_mut()) {
            o.restrict_usage(usage);
        }
    });
}

/// Whether `h` designates a live object (transient or persistent).
pub fn object_exists(h: ObjHandle) -> bool {
    OBJS.with(|t| t.borrow().objs.contains_key(&h))
}

/// TEE_FreeTransientObject (an unknown or persistent handle panics).
pub fn free_object(h: ObjHandle) {
    let gone = OBJS.with(|t| {
        let mut t = t.borrow_mut();
        match t.objs.get(&h) {
            Some(e) if e.persistent.is_none() => t.objs.remove(&h).is_some(),
            _ => false,
        }
    });
    if !gone {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

/// TEE_ResetTransientObject.
pub fn reset_object(h: ObjHandle) {
    let _ = with_transient(h, |o| {
        o.reset();
        Ok(())
    });
}

/// TEE_PopulateTransientObject.
pub fn populate(h: ObjHandle, attrs: &[Attr]) -> Result<(), Error> {
    with_transient(h, |o| o.populate(attrs))
}

/// The kernel's random numbers (getrandom(2), allowed by the sandbox) as
/// a `rand_core` generator for the engine.
pub struct OsRng;

impl rand_core::RngCore for OsRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        crate::random(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        crate::random(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        crate::random(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        crate::random(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for OsRng {}

/// TEE_GenerateKey: random key material from the OS. BAD_PARAMETERS for
/// generation parameters that do not fit the key size (the object stays
/// uninitialised); the misuse GP names panics.
pub fn generate_key(h: ObjHandle, key_size: u32, params: &[Attr]) -> Result<(), Error> {
    with_transient(h, |o| o.generate(key_size, params, &mut OsRng))
}

/// TEE_GetObjectInfo1 of a transient object (persistent ones:
/// [`crate::storage::info`]).
pub fn object_info(h: ObjHandle) -> ObjectInfo {
    with_obj(h, |o| Ok(o.info())).unwrap_or_default()
}

/// TEE_RestrictObjectUsage1 (a persistent object's new usage is
/// persisted).
pub fn restrict_usage(h: ObjHandle, usage: u32) {
    if let Some(core) = persistent_handle(h) {
        crate::storage::restrict_usage(h, core, usage);
        return;
    }
    let _ = with_obj(h, |o| {
        o.restrict_usage(usage);
        Ok(())
    });
}

/// A persistent data object (no key) has no attributes: ITEM_NOT_FOUND
/// for an identifier of the right kind (`value`), else a panic.
fn data_object_attribute(h: ObjHandle, id: u32, value: bool) -> Option<Error> {
    if persistent_handle(h).is_none() || key_object(h).is_some() {
        return None;
    }
    if (id & engine::consts::TEE_ATTR_FLAG_VALUE != 0) != value {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    Some(Error::ItemNotFound)
}

/// TEE_GetObjectBufferAttribute with room for `cap` bytes.
pub fn buffer_attribute(h: ObjHandle, id: u32, cap: usize) -> Result<Vec<u8>, Error> {
    if let Some(e) = data_object_attribute(h, id, false) {
        return Err(e);
    }
    with_obj(h, |o| o.buffer_attribute(id, cap))
}

/// TEE_GetObjectValueAttribute: (a, b) or ITEM_NOT_FOUND.
pub fn value_attribute(h: ObjHandle, id: u32) -> Result<(u32, u32), Error> {
    if let Some(e) = data_object_attribute(h, id, true) {
        return Err(e);
    }
    with_obj(h, |o| o.value_attribute(id))
}

/// TEE_CopyObjectAttributes1.
pub fn copy_object_attributes(dst: ObjHandle, src: ObjHandle) {
    let s = with_obj(src, |o| Ok(o.clone())).unwrap_or_else(|_| unreachable!());
    let _ = with_transient(dst, |o| o.copy_attributes_from(&s));
}

/// TEE_AEInit: `NOT_SUPPORTED` for a tag or nonce length GP does not
/// allow.
pub fn ae_init(
    h: OpHandle,
    nonce: &[u8],
    tag_bits: u32,
    aad_len: u64,
    payload_len: u64,
) -> Result<(), Error> {
    with(h, |op| op.ae_init(nonce, tag_bits, aad_len, payload_len))
}

/// TEE_AEUpdateAAD.
pub fn ae_update_aad(h: OpHandle, aad: &[u8]) {
    let _ = with(h, |op| op.ae_update_aad(aad));
}

/// TEE_AEUpdate with room for `out_len` bytes.
pub fn ae_update(h: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    with(h, |op| op.ae_update(src, out_len))
}

/// The tag length (bytes) of the current AE computation.
pub fn ae_tag_len(h: OpHandle) -> usize {
    with(h, |op| Ok(op.ae_tag_len())).unwrap_or_default()
}

/// TEE_AEEncryptFinal with room for `out_len` bytes and a tag of
/// `tag_cap`: (output, tag).
pub fn ae_encrypt_final(
    h: OpHandle,
    src: &[u8],
    out_len: usize,
    tag_cap: usize,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    with(h, |op| op.ae_encrypt_final(src, out_len, tag_cap))
}

/// TEE_CipherUpdate into `out`: the size written.
pub fn cipher_update_into(h: OpHandle, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    with(h, |op| op.cipher_update_into(src, out))
}

/// TEE_CipherDoFinal into `out`: the size written.
pub fn cipher_do_final_into(h: OpHandle, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    with(h, |op| op.cipher_do_final_into(src, out))
}

/// TEE_AEEncryptFinal into `out` and `tag`: (output size, tag size).
pub fn ae_encrypt_final_into(
    h: OpHandle,
    src: &[u8],
    out: &mut [u8],
    tag: &mut [u8],
) -> Result<(usize, usize), Error> {
    with(h, |op| op.ae_encrypt_final_into(src, out, tag))
}

/// TEE_AEDecryptFinal into `out`: the output size.
pub fn ae_decrypt_final_into(
    h: OpHandle,
    src: &[u8],
    out: &mut [u8],
    tag: &[u8],
) -> Result<usize, Error> {
    with(h, |op| op.ae_decrypt_final_into(src, out, tag))
}

/// TEE_AEDecryptFinal with room for `out_len` bytes.
pub fn ae_decrypt_final(
    h: OpHandle,
    src: &[u8],
    out_len: usize,
    tag: &[u8],
) -> Result<Vec<u8>, Error> {
    with(h, |op| op.ae_decrypt_final(src, out_len, tag))
}

/// TEE_AsymmetricEncrypt with room for `out_len` bytes.
pub fn asymmetric_encrypt(
    h: OpHandle,
    params: &[Attr],
    src: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    with(h, |op| {
        op.asymmetric_encrypt(params, src, out_len, &mut OsRng)
    })
}

/// TEE_AsymmetricDecrypt with room for `out_len` bytes.
pub fn asymmetric_decrypt(
    h: OpHandle,
    params: &[Attr],
    src: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    with(h, |op| {
        op.asymmetric_decrypt(params, src, out_len, &mut OsRng)
    })
}

/// TEE_AsymmetricSignDigest with room for `out_len` bytes.
pub fn asymmetric_sign_digest(
    h: OpHandle,
    params: &[Attr],
    digest: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    with(h, |op| {
        op.asymmetric_sign_digest(params, digest, out_len, &mut OsRng)
    })
}

/// TEE_AsymmetricVerifyDigest: `Ok` or SIGNATURE_INVALID.
pub fn asymmetric_verify_digest(
    h: OpHandle,
    params: &[Attr],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    with(h, |op| {
        op.asymmetric_verify_digest(params, digest, signature)
    })
}

/// TEE_DeriveKey: derive into the transient object `derived` (any error
/// panics the TA, as OP-TEE's). For SM2 key exchange with
/// TEE_ATTR_SM2_KEP_CONFIRMATION_OUT, the confirmation value S to send
/// to the peer.
pub fn derive_key(h: OpHandle, params: &[Attr], derived: ObjHandle) -> Option<Vec<u8>> {
    let r = with(h, |op| {
        let mut out = with_transient(derived, |o| Ok(o.clone()))?;
        let confirm = op.derive_key_with_confirmation(params, &mut out)?;
        Ok((out, confirm))
    });
    match r {
        Ok((out, confirm)) => {
            let _ = with_transient(derived, |o| {
                *o = out;
                Ok(())
            });
            confirm
        }
        Err(_) => None,
    }
}

// ---------------------------------------------------------------------
// OP-TEE's system-call layer (`_utee_*` in the C API) reports misuse as a
// return code where the GP functions panic (OP-TEE's libutee turns those
// codes into panics). These accessors never panic the TA: the caller
// drives the engine itself and hands every failure, `Error::Panic`
// included, back as a code.

/// Run `f` on the operation of `h`; `None` for an unknown handle.
pub fn try_with_op<R>(h: OpHandle, f: impl FnOnce(&mut Operation) -> R) -> Option<R> {
    OPS.with(|t| t.borrow_mut().ops.get_mut(&h).map(f))
}

/// Add an operation the caller made: its new handle.
pub fn insert_op(op: Operation) -> Result<OpHandle, Error> {
    OPS.with(|t| {
        let mut t = t.borrow_mut();
        let Table { last, ops } = &mut *t;
        let h =
            crate::next_handle_id(last, |id| ops.contains_key(&id)).ok_or(Error::NotSupported)?;
        ops.insert(h, op);
        Ok(h)
    })
}

/// Remove the operation of `h`; false when there is none.
pub fn remove_op(h: OpHandle) -> bool {
    OPS.with(|t| t.borrow_mut().ops.remove(&h).is_some())
}

/// Run `f` on the key object of `h` (a transient object, or a
/// persistent object's key); `None` for an unknown handle or a
/// persistent data object.
pub fn try_with_object<R>(h: ObjHandle, f: impl FnOnce(&mut Object) -> R) -> Option<R> {
    OBJS.with(|t| {
        t.borrow_mut()
            .objs
            .get_mut(&h)
            .and_then(|e| e.obj.as_mut())
            .map(f)
    })
}

/// Add a transient object the caller made: its new handle.
pub fn insert_object(o: Object) -> Result<ObjHandle, Error> {
    insert_entry(ObjEntry {
        obj: Some(o),
        persistent: None,
    })
}

/// Remove the transient object of `h`; false when `h` is not one.
pub fn remove_transient(h: ObjHandle) -> bool {
    OBJS.with(|t| {
        let mut t = t.borrow_mut();
        match t.objs.get(&h) {
            Some(e) if e.persistent.is_none() => t.objs.remove(&h).is_some(),
            _ => false,
        }
    })
}
