//! Cryptographic operations and transient objects for the Rust SDK,
//! through this crate's `TEE_*` functions (the kernel computes). Handles
//! are the C API's: they fit in 32 bits.
//!
//! A function with an output of unknown size asks with a buffer of a
//! likely size, and again with the size the kernel answers when that was
//! short (a short-buffer answer leaves the operation unchanged, GP).

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::ffi::c_void;

pub use oxtee_gp::crypto::{Attr, Error, Info, InfoMultiple, KeyInfo, ObjectInfo, OpState};

use crate::Global;
use crate::cryp::{self as c, Attribute, Handle};

pub type OpHandle = u32;
pub type ObjHandle = u32;

const SUCCESS: u32 = 0;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
const ATTR_FLAG_VALUE: u32 = 1 << 29;
const SM2_KEP_CONFIRMATION_OUT: u32 = 0xD000_0846;

/// The tag length (bytes) each AE operation was initialised with: GP's
/// operation information does not carry it.
static TAG_LEN: Global<RefCell<BTreeMap<OpHandle, usize>>> = Global(RefCell::new(BTreeMap::new()));

fn h(x: u32) -> Handle {
    x as usize as Handle
}

fn res(r: u32, needed: usize) -> Result<(), Error> {
    if r == SUCCESS {
        Ok(())
    } else {
        Err(Error::from_code(r, needed))
    }
}

/// A pointer for an output buffer: never dangling, even when empty.
fn out_ptr(out: &mut [u8], spare: &mut [u8; 1]) -> *mut c_void {
    if out.is_empty() {
        spare.as_mut_ptr().cast()
    } else {
        out.as_mut_ptr().cast()
    }
}

/// An output of at most `out_len` bytes, first asked for with room for
/// `guess` (see the module's documentation).
fn sized(
    out_len: usize,
    guess: usize,
    mut call: impl FnMut(*mut c_void, &mut usize) -> u32,
) -> Result<Vec<u8>, Error> {
    let mut cap = out_len.min(guess);
    for _ in 0..2 {
        let mut buf = vec![0u8; cap.max(1)];
        let mut n = cap;
        match call(buf.as_mut_ptr().cast(), &mut n) {
            SUCCESS => {
                buf.truncate(n.min(cap));
                return Ok(buf);
            }
            SHORT_BUFFER if n > cap && n <= out_len => cap = n,
            r => return Err(Error::from_code(r, n)),
        }
    }
    Err(Error::ShortBuffer(cap))
}

/// Attributes as `TEE_Attribute`s over `bufs` (the buffers' copies, which
/// the kernel may write: an SM2 confirmation).
fn c_attrs(a: &[Attr], bufs: &mut Vec<Vec<u8>>) -> Vec<Attribute> {
    *bufs = a
        .iter()
        .map(|a| match a {
            Attr::Ref(_, b) => b.clone(),
            Attr::Value(..) => Vec::new(),
        })
        .collect();
    a.iter()
        .zip(bufs.iter_mut())
        .map(|(a, b)| match a {
            Attr::Ref(id, _) => Attribute {
                id: *id & !ATTR_FLAG_VALUE,
                w0: if b.is_empty() {
                    0
                } else {
                    b.as_mut_ptr() as u64
                },
                w1: b.len() as u64,
            },
            Attr::Value(id, x, y) => Attribute {
                id: *id,
                w0: u64::from(*x) | (u64::from(*y) << 32),
                w1: 0,
            },
        })
        .collect()
}

/// TEE_AllocateOperation.
pub fn allocate(algorithm: u32, mode: u32, max_key_size: u32) -> Result<OpHandle, Error> {
    let mut o: Handle = core::ptr::null_mut();
    // SAFETY: `o` is writable.
    let r = unsafe { c::TEE_AllocateOperation(&mut o, algorithm, mode, max_key_size) };
    res(r, 0).map(|()| o as usize as OpHandle)
}

/// TEE_FreeOperation.
pub fn free(op: OpHandle) {
    TAG_LEN.0.borrow_mut().remove(&op);
    c::TEE_FreeOperation(h(op))
}

/// TEE_GetOperationInfo.
pub fn info(op: OpHandle) -> Info {
    let mut w = [0u32; 8];
    // SAFETY: a `TEE_OperationInfo` is eight 32-bit words.
    unsafe { c::TEE_GetOperationInfo(h(op), w.as_mut_ptr().cast()) };
    Info {
        algorithm: w[0],
        operation_class: w[1],
        mode: w[2],
        digest_length: w[3],
        max_key_size: w[4],
        key_size: w[5],
        required_key_usage: w[6],
        handle_state: w[7],
    }
}

/// TEE_GetOperationInfoMultiple.
pub fn info_multiple(op: OpHandle) -> InfoMultiple {
    // The header's eight words, then two per key (at most two keys).
    let mut w = [0u32; 12];
    let mut size = core::mem::size_of_val(&w);
    // SAFETY: `w` is `size` bytes.
    let r = unsafe { c::TEE_GetOperationInfoMultiple(h(op), w.as_mut_ptr().cast(), &mut size) };
    if r != SUCCESS {
        crate::sys::panic(r)
    }
    let keys = (w[7] as usize).min(2);
    InfoMultiple {
        algorithm: w[0],
        operation_class: w[1],
        mode: w[2],
        digest_length: w[3],
        max_key_size: w[4],
        handle_state: w[5],
        operation_state: w[6],
        keys: (0..keys)
            .map(|k| KeyInfo {
                key_size: w[8 + 2 * k],
                required_key_usage: w[9 + 2 * k],
            })
            .collect(),
    }
}

/// TEE_ResetOperation.
pub fn reset(op: OpHandle) {
    c::TEE_ResetOperation(h(op))
}

/// TEE_CopyOperation.
pub fn copy(dst: OpHandle, src: OpHandle) {
    c::TEE_CopyOperation(h(dst), h(src));
    let mut t = TAG_LEN.0.borrow_mut();
    match t.get(&src).copied() {
        Some(n) => t.insert(dst, n),
        None => t.remove(&dst),
    };
}

/// TEE_IsAlgorithmSupported.
pub fn is_algorithm_supported(algorithm: u32, element: u32) -> Result<(), Error> {
    res(c::TEE_IsAlgorithmSupported(algorithm, element), 0)
}

/// TEE_DigestUpdate.
pub fn digest_update(op: OpHandle, chunk: &[u8]) {
    // SAFETY: `chunk` valid for its length.
    unsafe { c::TEE_DigestUpdate(h(op), chunk.as_ptr().cast(), chunk.len()) }
}

/// TEE_DigestDoFinal with room for `out_len` bytes.
pub fn digest_do_final(op: OpHandle, chunk: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    sized(out_len, 4096, |o, n| {
        // SAFETY: `chunk` valid; `o` valid for `*n` bytes.
        unsafe { c::TEE_DigestDoFinal(h(op), chunk.as_ptr().cast(), chunk.len(), o, n) }
    })
}

/// TEE_DigestExtract: the bytes written into `out`.
pub fn digest_extract(op: OpHandle, out: &mut [u8]) -> usize {
    let mut spare = [0u8; 1];
    let mut n = out.len();
    let p = out_ptr(out, &mut spare);
    // SAFETY: `p` valid for `n` bytes.
    match unsafe { c::TEE_DigestExtract(h(op), p, &mut n) } {
        SUCCESS => n.min(out.len()),
        _ => 0,
    }
}

/// TEE_SetOperationKey (None: clear it).
pub fn set_key(op: OpHandle, key: Option<ObjHandle>) {
    let r = c::TEE_SetOperationKey(h(op), key.map_or(core::ptr::null_mut(), h));
    if r != SUCCESS {
        crate::sys::panic(r)
    }
}

/// TEE_SetOperationKey2.
pub fn set_key2(op: OpHandle, key1: Option<ObjHandle>, key2: Option<ObjHandle>) {
    let k = |x: Option<ObjHandle>| x.map_or(core::ptr::null_mut(), h);
    let r = c::TEE_SetOperationKey2(h(op), k(key1), k(key2));
    if r != SUCCESS {
        crate::sys::panic(r)
    }
}

/// TEE_CipherInit.
pub fn cipher_init(op: OpHandle, iv: &[u8]) {
    // SAFETY: `iv` valid for its length.
    unsafe { c::TEE_CipherInit(h(op), iv.as_ptr().cast(), iv.len()) }
}

type Through = unsafe extern "C" fn(Handle, *const c_void, usize, *mut c_void, *mut usize) -> u32;

fn through_into(f: Through, op: OpHandle, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let mut spare = [0u8; 1];
    let mut n = out.len();
    let p = out_ptr(out, &mut spare);
    // SAFETY: `src` valid for its length, `p` for `n` bytes.
    let r = unsafe { f(h(op), src.as_ptr().cast(), src.len(), p, &mut n) };
    res(r, n).map(|()| n.min(out.len()))
}

fn through_vec(f: Through, op: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    sized(out_len, src.len() + 64, |o, n| {
        // SAFETY: `src` valid; `o` valid for `*n` bytes.
        unsafe { f(h(op), src.as_ptr().cast(), src.len(), o, n) }
    })
}

/// TEE_CipherUpdate with room for `out_len` bytes.
pub fn cipher_update(op: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    through_vec(c::TEE_CipherUpdate, op, src, out_len)
}

/// TEE_CipherDoFinal with room for `out_len` bytes.
pub fn cipher_do_final(op: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    through_vec(c::TEE_CipherDoFinal, op, src, out_len)
}

/// TEE_CipherUpdate into `out`.
pub fn cipher_update_into(op: OpHandle, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    through_into(c::TEE_CipherUpdate, op, src, out)
}

/// TEE_CipherDoFinal into `out`.
pub fn cipher_do_final_into(op: OpHandle, src: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    through_into(c::TEE_CipherDoFinal, op, src, out)
}

/// TEE_MACInit.
pub fn mac_init(op: OpHandle, iv: &[u8]) {
    // SAFETY: `iv` valid for its length.
    unsafe { c::TEE_MACInit(h(op), iv.as_ptr().cast(), iv.len()) }
}

/// TEE_MACUpdate.
pub fn mac_update(op: OpHandle, chunk: &[u8]) {
    // SAFETY: `chunk` valid for its length.
    unsafe { c::TEE_MACUpdate(h(op), chunk.as_ptr().cast(), chunk.len()) }
}

/// TEE_MACComputeFinal with room for `out_len` bytes.
pub fn mac_compute_final(op: OpHandle, msg: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    through_vec(c::TEE_MACComputeFinal, op, msg, out_len)
}

/// TEE_MACCompareFinal.
pub fn mac_compare_final(op: OpHandle, msg: &[u8], mac: &[u8]) -> Result<(), Error> {
    // SAFETY: both valid for their lengths.
    let r = unsafe {
        c::TEE_MACCompareFinal(
            h(op),
            msg.as_ptr().cast(),
            msg.len(),
            mac.as_ptr().cast(),
            mac.len(),
        )
    };
    res(r, 0)
}

/// TEE_AEInit.
pub fn ae_init(
    op: OpHandle,
    nonce: &[u8],
    tag_bits: u32,
    aad_len: u64,
    payload_len: u64,
) -> Result<(), Error> {
    // SAFETY: `nonce` valid for its length.
    let r = unsafe {
        c::TEE_AEInit(
            h(op),
            nonce.as_ptr().cast(),
            nonce.len(),
            tag_bits,
            aad_len as usize,
            payload_len as usize,
        )
    };
    res(r, 0)?;
    TAG_LEN.0.borrow_mut().insert(op, (tag_bits / 8) as usize);
    Ok(())
}

/// TEE_AEUpdateAAD.
pub fn ae_update_aad(op: OpHandle, aad: &[u8]) {
    // SAFETY: `aad` valid for its length.
    unsafe { c::TEE_AEUpdateAAD(h(op), aad.as_ptr().cast(), aad.len()) }
}

/// TEE_AEUpdate with room for `out_len` bytes.
pub fn ae_update(op: OpHandle, src: &[u8], out_len: usize) -> Result<Vec<u8>, Error> {
    through_vec(c::TEE_AEUpdate, op, src, out_len)
}

/// The tag length in bytes the operation was initialised with.
pub fn ae_tag_len(op: OpHandle) -> usize {
    TAG_LEN.0.borrow().get(&op).copied().unwrap_or(0)
}

/// TEE_AEEncryptFinal into `out` and `tag`: the bytes of each.
pub fn ae_encrypt_final_into(
    op: OpHandle,
    src: &[u8],
    out: &mut [u8],
    tag: &mut [u8],
) -> Result<(usize, usize), Error> {
    let (mut s1, mut s2) = ([0u8; 1], [0u8; 1]);
    let (mut n, mut t) = (out.len(), tag.len());
    let (o, g) = (out_ptr(out, &mut s1), out_ptr(tag, &mut s2));
    // SAFETY: `src` valid; `o` for `n` and `g` for `t` bytes.
    let r = unsafe {
        c::TEE_AEEncryptFinal(h(op), src.as_ptr().cast(), src.len(), o, &mut n, g, &mut t)
    };
    let needed = if n > out.len() { n } else { t };
    res(r, needed).map(|()| (n.min(out.len()), t.min(tag.len())))
}

/// TEE_AEDecryptFinal into `out`.
pub fn ae_decrypt_final_into(
    op: OpHandle,
    src: &[u8],
    out: &mut [u8],
    tag: &[u8],
) -> Result<usize, Error> {
    let mut spare = [0u8; 1];
    let mut n = out.len();
    let o = out_ptr(out, &mut spare);
    // SAFETY: `src` and `tag` valid; `o` for `n` bytes.
    let r = unsafe {
        c::TEE_AEDecryptFinal(
            h(op),
            src.as_ptr().cast(),
            src.len(),
            o,
            &mut n,
            tag.as_ptr().cast(),
            tag.len(),
        )
    };
    res(r, n).map(|()| n.min(out.len()))
}

type Asym = unsafe extern "C" fn(
    Handle,
    *const Attribute,
    u32,
    *const c_void,
    usize,
    *mut c_void,
    *mut usize,
) -> u32;

fn asym(
    f: Asym,
    op: OpHandle,
    params: &[Attr],
    src: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    let mut bufs = Vec::new();
    let a = c_attrs(params, &mut bufs);
    sized(out_len, 1024, |o, n| {
        // SAFETY: `a` (over `bufs`) and `src` valid; `o` for `*n` bytes.
        unsafe {
            f(
                h(op),
                a.as_ptr(),
                a.len() as u32,
                src.as_ptr().cast(),
                src.len(),
                o,
                n,
            )
        }
    })
}

/// TEE_AsymmetricEncrypt with room for `out_len` bytes.
pub fn asymmetric_encrypt(
    op: OpHandle,
    params: &[Attr],
    src: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    asym(c::TEE_AsymmetricEncrypt, op, params, src, out_len)
}

/// TEE_AsymmetricDecrypt with room for `out_len` bytes.
pub fn asymmetric_decrypt(
    op: OpHandle,
    params: &[Attr],
    src: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    asym(c::TEE_AsymmetricDecrypt, op, params, src, out_len)
}

/// TEE_AsymmetricSignDigest with room for `out_len` bytes.
pub fn asymmetric_sign_digest(
    op: OpHandle,
    params: &[Attr],
    digest: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, Error> {
    asym(c::TEE_AsymmetricSignDigest, op, params, digest, out_len)
}

/// TEE_AsymmetricVerifyDigest.
pub fn asymmetric_verify_digest(
    op: OpHandle,
    params: &[Attr],
    digest: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let mut bufs = Vec::new();
    let a = c_attrs(params, &mut bufs);
    // SAFETY: `a` (over `bufs`), `digest` and `signature` valid.
    let r = unsafe {
        c::TEE_AsymmetricVerifyDigest(
            h(op),
            a.as_ptr(),
            a.len() as u32,
            digest.as_ptr().cast(),
            digest.len(),
            signature.as_ptr().cast(),
            signature.len(),
        )
    };
    res(r, 0)
}

/// TEE_DeriveKey into `derived`: an SM2 key exchange's confirmation
/// (the `TEE_ATTR_SM2_KEP_CONFIRMATION_OUT` parameter's buffer, which the
/// kernel fills), if asked for.
pub fn derive_key(op: OpHandle, params: &[Attr], derived: ObjHandle) -> Option<Vec<u8>> {
    let mut bufs = Vec::new();
    let a = c_attrs(params, &mut bufs);
    // SAFETY: `a` valid, its buffers `bufs`, alive across the call.
    unsafe { c::TEE_DeriveKey(h(op), a.as_ptr(), a.len() as u32, h(derived)) };
    params
        .iter()
        .position(|p| p.id() == SM2_KEP_CONFIRMATION_OUT)
        .map(|i| core::mem::take(&mut bufs[i]))
}

/// TEE_AllocateTransientObject.
pub fn allocate_object(object_type: u32, max_size: u32) -> Result<ObjHandle, Error> {
    let mut o: Handle = core::ptr::null_mut();
    // SAFETY: `o` is writable.
    let r = unsafe { c::TEE_AllocateTransientObject(object_type, max_size, &mut o) };
    res(r, 0).map(|()| o as usize as ObjHandle)
}

/// TEE_FreeTransientObject.
pub fn free_object(o: ObjHandle) {
    c::TEE_FreeTransientObject(h(o))
}

/// TEE_ResetTransientObject.
pub fn reset_object(o: ObjHandle) {
    c::TEE_ResetTransientObject(h(o))
}

/// TEE_PopulateTransientObject.
pub fn populate(o: ObjHandle, attrs: &[Attr]) -> Result<(), Error> {
    let mut bufs = Vec::new();
    let a = c_attrs(attrs, &mut bufs);
    // SAFETY: `a` valid, its buffers `bufs`.
    res(
        unsafe { c::TEE_PopulateTransientObject(h(o), a.as_ptr(), a.len() as u32) },
        0,
    )
}

/// TEE_GenerateKey.
pub fn generate_key(o: ObjHandle, key_size: u32, params: &[Attr]) -> Result<(), Error> {
    let mut bufs = Vec::new();
    let a = c_attrs(params, &mut bufs);
    // SAFETY: `a` valid, its buffers `bufs`.
    res(
        unsafe { c::TEE_GenerateKey(h(o), key_size, a.as_ptr(), a.len() as u32) },
        0,
    )
}

/// TEE_GetObjectInfo1 (transient or persistent).
pub fn object_info(o: ObjHandle) -> ObjectInfo {
    let mut i = c::ObjectInfo::default();
    // SAFETY: `i` is writable.
    let r = unsafe { c::TEE_GetObjectInfo1(h(o), &mut i) };
    if r != SUCCESS {
        crate::sys::panic(r)
    }
    ObjectInfo {
        object_type: i.object_type,
        object_size: i.object_size,
        max_object_size: i.max_object_size,
        object_usage: i.object_usage,
        handle_flags: i.handle_flags,
    }
}

/// TEE_RestrictObjectUsage1.
pub fn restrict_usage(o: ObjHandle, usage: u32) {
    let r = c::TEE_RestrictObjectUsage1(h(o), usage);
    if r != SUCCESS {
        crate::sys::panic(r)
    }
}

/// TEE_GetObjectBufferAttribute with room for `cap` bytes.
pub fn buffer_attribute(o: ObjHandle, id: u32, cap: usize) -> Result<Vec<u8>, Error> {
    sized(cap, 1024, |b, n| {
        // SAFETY: `b` valid for `*n` bytes.
        unsafe { c::TEE_GetObjectBufferAttribute(h(o), id, b, n) }
    })
}

/// TEE_GetObjectValueAttribute.
pub fn value_attribute(o: ObjHandle, id: u32) -> Result<(u32, u32), Error> {
    let (mut a, mut b) = (0, 0);
    // SAFETY: both writable.
    let r = unsafe { c::TEE_GetObjectValueAttribute(h(o), id, &mut a, &mut b) };
    res(r, 0).map(|()| (a, b))
}

/// TEE_CopyObjectAttributes1.
pub fn copy_object_attributes(dst: ObjHandle, src: ObjHandle) {
    let r = c::TEE_CopyObjectAttributes1(h(dst), h(src));
    if r != SUCCESS {
        crate::sys::panic(r)
    }
}

/// The handle itself if it is a persistent object's.
pub fn persistent_handle(o: ObjHandle) -> Option<u32> {
    crate::storage::is_persistent(h(o)).then_some(o)
}
