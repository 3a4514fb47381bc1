//! Cryptographic operations and transient objects (GP Internal Core API
//! v1.3.1 chapter 6 and the transient-object part of chapter 5) over the
//! kernel's `cryp` system calls, which do the cryptography.
//!
//! The kernel kills the TA for a bad pointer, an unknown handle and every
//! misuse GP answers with a panic; what is left here is the NULL pointers
//! GP (and the host tier, `crates/ta-capi/src/crypto.rs`) answer with a
//! panic, and the handles: a `TEE_OperationHandle` is `OP_TAG | id` and a
//! `TEE_ObjectHandle` `OBJ_TAG | id` of the kernel's id, the host tier's
//! values; any other value panics. The GP 1.1 forms (`uint32_t` sizes,
//! the GP 1.1 attribute and object-info layouts) are the devkit's shims
//! (`devkit/src/tee_api_compat.c`) over the functions here.

use core::ffi::c_void;

use crate::{BAD_PARAMETERS, SUCCESS, sys};

const SHORT_BUFFER: u32 = 0xFFFF_0010;
pub(crate) const OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const TEE_ATTR_FLAG_VALUE: u32 = 1 << 29;

const OP_TAG: usize = 0x6f00_0000;
const OBJ_TAG: usize = 0x6e00_0000;
pub(crate) const ID_MASK: usize = 0x00FF_FFFF;
/// Persistent objects' handles (`storage`).
pub(crate) const PERSIST_TAG: usize = 0x6c00_0000;

// The kernel's numbers (`oxtee_tz_abi::cryp`).
const OP_ALLOC: u64 = 0x1100;
const OP_FREE: u64 = 0x1101;
const OP_INFO: u64 = 0x1102;
const OP_INFO_MULTIPLE: u64 = 0x1103;
const OP_RESET: u64 = 0x1104;
const OP_COPY: u64 = 0x1105;
const OP_SET_KEY: u64 = 0x1106;
const OP_SET_KEY2: u64 = 0x1107;
const IS_ALG_SUPPORTED: u64 = 0x1108;
const DIGEST_UPDATE: u64 = 0x1110;
const DIGEST_FINAL: u64 = 0x1111;
const DIGEST_EXTRACT: u64 = 0x1112;
const CIPHER_INIT: u64 = 0x1118;
const CIPHER_UPDATE: u64 = 0x1119;
const CIPHER_FINAL: u64 = 0x111A;
const MAC_INIT: u64 = 0x1120;
const MAC_UPDATE: u64 = 0x1121;
const MAC_COMPUTE_FINAL: u64 = 0x1122;
const MAC_COMPARE_FINAL: u64 = 0x1123;
const AE_INIT: u64 = 0x1128;
const AE_UPDATE_AAD: u64 = 0x1129;
const AE_UPDATE: u64 = 0x112A;
const AE_ENCRYPT_FINAL: u64 = 0x112B;
const AE_DECRYPT_FINAL: u64 = 0x112C;
const ASYM_ENCRYPT: u64 = 0x1130;
const ASYM_DECRYPT: u64 = 0x1131;
const ASYM_SIGN_DIGEST: u64 = 0x1132;
const ASYM_VERIFY_DIGEST: u64 = 0x1133;
const DERIVE_KEY: u64 = 0x1134;
const OBJ_ALLOC: u64 = 0x1140;
const OBJ_FREE: u64 = 0x1141;
const OBJ_RESET: u64 = 0x1142;
const OBJ_POPULATE: u64 = 0x1143;
const OBJ_GENERATE: u64 = 0x1144;
const OBJ_INFO: u64 = 0x1145;
const OBJ_RESTRICT_USAGE: u64 = 0x1146;
const OBJ_BUFFER_ATTR: u64 = 0x1147;
const OBJ_VALUE_ATTR: u64 = 0x1148;
const OBJ_COPY_ATTRS: u64 = 0x1149;

/// A `TEE_OperationHandle` or `TEE_ObjectHandle`.
pub(crate) type Handle = *mut c_void;

/// `TEE_Attribute` on aarch64: `ref { buffer, length }` in `w0`, `w1`,
/// or `value { a, b }` in `w0` (a the low half).
#[repr(C)]
pub struct Attribute {
    pub(crate) id: u32,
    pub(crate) w0: u64,
    pub(crate) w1: u64,
}

/// `TEE_ObjectInfo` (GP 1.3.1: `size_t` data size and position).
#[repr(C)]
#[derive(Default)]
pub struct ObjectInfo {
    pub(crate) object_type: u32,
    pub(crate) object_size: u32,
    pub(crate) max_object_size: u32,
    pub(crate) object_usage: u32,
    pub(crate) data_size: usize,
    pub(crate) data_position: usize,
    pub(crate) handle_flags: u32,
}

pub(crate) fn bad() -> ! {
    sys::panic(BAD_PARAMETERS)
}

/// A call of a GP function without a result: anything but success is
/// fatal (as OP-TEE's libutee).
fn done(r: u32) {
    if r != SUCCESS {
        sys::panic(r)
    }
}

/// The kernel id handle `h` carries under `tag`; anything else panics.
fn id(h: Handle, tag: usize) -> u64 {
    let v = h as usize;
    if v & !ID_MASK != tag || v & ID_MASK == 0 {
        bad()
    }
    (v & ID_MASK) as u64
}

fn op(h: Handle) -> u64 {
    id(h, OP_TAG)
}

/// An object: transient, or persistent (whose key the kernel holds too).
pub(crate) fn obj(h: Handle) -> u64 {
    if crate::storage::is_persistent(h) {
        id(h, PERSIST_TAG)
    } else {
        id(h, OBJ_TAG)
    }
}

/// A key for an operation: TEE_HANDLE_NULL is none (0).
fn key(h: Handle) -> u64 {
    if h.is_null() { 0 } else { obj(h) }
}

/// An input buffer: NULL with a non-zero length panics.
fn input(p: *const c_void, len: usize) -> [u64; 2] {
    if len != 0 && p.is_null() {
        bad()
    }
    [p as u64, len as u64]
}

/// An attribute array: NULL with a non-zero count, or a reference with a
/// NULL buffer and a non-zero length, panics.
///
/// # Safety
/// `p` is NULL or valid for reading `n` attributes.
unsafe fn attrs(p: *const Attribute, n: u32) -> [u64; 2] {
    if n != 0 && p.is_null() {
        bad()
    }
    for i in 0..n as usize {
        // SAFETY: `i < n`: inside the array (the caller's contract).
        let a = unsafe { &*p.add(i) };
        if a.id & TEE_ATTR_FLAG_VALUE == 0 {
            input(a.w0 as *const c_void, a.w1 as usize);
        }
    }
    [p as u64, u64::from(n)]
}

/// The shape of TEE_DigestDoFinal, TEE_CipherUpdate/DoFinal,
/// TEE_MACComputeFinal and TEE_AEUpdate: call `num` with the operation,
/// an input, and an output with GP's size rule (`sized_out`).
///
/// # Safety
/// `src` is NULL or valid for `src_len` bytes; `dest_len` is NULL or
/// valid; `dest` is NULL or valid for `*dest_len` bytes.
unsafe fn through(
    num: u64,
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let h = op(operation);
    let [s, n] = input(src, src_len);
    // SAFETY: the caller's contract.
    unsafe { sized_out(dest, dest_len, |d, l| sys::call(num, &[h, s, n, d, l])) }
}

/// An output of the kernel's size rule: `*len` the room at `out` in, the
/// size written (or needed, with SHORT_BUFFER) out. A NULL `out` goes to
/// the kernel as no room: output it would have had room for panics.
///
/// # Safety
/// `len` is NULL or valid; `out` is NULL or valid for `*len` bytes.
unsafe fn sized_out(out: *mut c_void, len: *mut usize, call: impl FnOnce(u64, u64) -> u32) -> u32 {
    if len.is_null() {
        bad()
    }
    if !out.is_null() {
        return call(out as u64, len as u64);
    }
    // SAFETY: non-NULL and valid (the caller's contract).
    let cap = unsafe { *len };
    let mut n = 0u64;
    let r = call(0, &raw mut n as u64);
    if r == SHORT_BUFFER && n <= cap as u64 {
        bad()
    }
    if r == SUCCESS || r == SHORT_BUFFER {
        // SAFETY: as above.
        unsafe { *len = n as usize };
    }
    r
}

/// An allocation: `call` with where the kernel writes the new id, the
/// handle (or NULL on failure) written at `out`.
///
/// # Safety
/// `out` is NULL or valid for writing a handle.
unsafe fn allocate(out: *mut Handle, tag: usize, free: u64, call: impl FnOnce(u64) -> u32) -> u32 {
    if out.is_null() {
        bad()
    }
    let mut id = 0u32;
    let mut r = call(&raw mut id as u64);
    if r == SUCCESS && id as usize > ID_MASK {
        // More ids than a handle carries: give it back.
        done(sys::call(free, &[u64::from(id)]));
        r = OUT_OF_MEMORY;
    }
    let h = if r == SUCCESS {
        (tag | id as usize) as Handle
    } else {
        core::ptr::null_mut()
    };
    // SAFETY: non-NULL, writable (the caller's contract).
    unsafe { out.write(h) };
    r
}

// ---------------------------------------------------------------------
// Generic operation functions.

/// # Safety
/// `operation` is valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocateOperation(
    operation: *mut Handle,
    algorithm: u32,
    mode: u32,
    max_key_size: u32,
) -> u32 {
    let args = [algorithm, mode, max_key_size].map(u64::from);
    // SAFETY: the caller's contract.
    unsafe {
        allocate(operation, OP_TAG, OP_FREE, |out| {
            sys::call(OP_ALLOC, &[args[0], args[1], args[2], out])
        })
    }
}

/// TEE_HANDLE_NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreeOperation(operation: Handle) {
    if !operation.is_null() {
        done(sys::call(OP_FREE, &[op(operation)]))
    }
}

/// # Safety
/// `info` is valid for writing a `TEE_OperationInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetOperationInfo(operation: Handle, info: *mut c_void) {
    let h = op(operation);
    if info.is_null() {
        bad()
    }
    done(sys::call(OP_INFO, &[h, info as u64]))
}

/// # Safety
/// `info` is NULL or valid for `*size` bytes; `size` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetOperationInfoMultiple(
    operation: Handle,
    info: *mut c_void,
    size: *mut usize,
) -> u32 {
    let h = op(operation);
    // SAFETY: the caller's contract.
    unsafe { sized_out(info, size, |b, l| sys::call(OP_INFO_MULTIPLE, &[h, b, l])) }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetOperation(operation: Handle) {
    done(sys::call(OP_RESET, &[op(operation)]))
}

/// A NULL `key` clears the operation's key.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetOperationKey(operation: Handle, key: Handle) -> u32 {
    let h = op(operation);
    sys::call(OP_SET_KEY, &[h, self::key(key)])
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetOperationKey2(operation: Handle, key1: Handle, key2: Handle) -> u32 {
    let h = op(operation);
    sys::call(OP_SET_KEY2, &[h, key(key1), key(key2)])
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyOperation(dst: Handle, src: Handle) {
    let (d, s) = (op(dst), op(src));
    done(sys::call(OP_COPY, &[d, s]))
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_IsAlgorithmSupported(alg: u32, element: u32) -> u32 {
    sys::call(IS_ALG_SUPPORTED, &[u64::from(alg), u64::from(element)])
}

// ---------------------------------------------------------------------
// Message digests.

/// # Safety
/// `chunk` is valid for `chunk_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestUpdate(
    operation: Handle,
    chunk: *const c_void,
    chunk_size: usize,
) {
    let h = op(operation);
    let [p, n] = input(chunk, chunk_size);
    done(sys::call(DIGEST_UPDATE, &[h, p, n]))
}

/// # Safety
/// `chunk` is valid for `chunk_len` bytes, `hash` for `*hash_len`;
/// `hash_len` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestDoFinal(
    operation: Handle,
    chunk: *const c_void,
    chunk_len: usize,
    hash: *mut c_void,
    hash_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { through(DIGEST_FINAL, operation, chunk, chunk_len, hash, hash_len) }
}

/// # Safety
/// `hash` is valid for `*hash_len` bytes; `hash_len` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DigestExtract(
    operation: Handle,
    hash: *mut c_void,
    hash_len: *mut usize,
) -> u32 {
    let h = op(operation);
    if hash_len.is_null() {
        bad()
    }
    // SAFETY: non-NULL and valid (the caller's contract).
    input(hash, unsafe { *hash_len });
    sys::call(DIGEST_EXTRACT, &[h, hash as u64, hash_len as u64])
}

// ---------------------------------------------------------------------
// Symmetric ciphers and MACs.

/// # Safety
/// `iv` is valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherInit(operation: Handle, iv: *const c_void, iv_len: usize) {
    let h = op(operation);
    let [p, n] = input(iv, iv_len);
    done(sys::call(CIPHER_INIT, &[h, p, n]))
}

/// # Safety
/// `src` is valid for `src_len` bytes, `dest` for `*dest_len`;
/// `dest_len` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherUpdate(
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { through(CIPHER_UPDATE, operation, src, src_len, dest, dest_len) }
}

/// # Safety
/// As [`TEE_CipherUpdate`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CipherDoFinal(
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { through(CIPHER_FINAL, operation, src, src_len, dest, dest_len) }
}

/// # Safety
/// `iv` is valid for `iv_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACInit(operation: Handle, iv: *const c_void, iv_len: usize) {
    let h = op(operation);
    let [p, n] = input(iv, iv_len);
    done(sys::call(MAC_INIT, &[h, p, n]))
}

/// # Safety
/// `chunk` is valid for `chunk_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACUpdate(operation: Handle, chunk: *const c_void, chunk_size: usize) {
    let h = op(operation);
    let [p, n] = input(chunk, chunk_size);
    done(sys::call(MAC_UPDATE, &[h, p, n]))
}

/// # Safety
/// `message` is valid for `message_len` bytes, `mac` for `*mac_len`;
/// `mac_len` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACComputeFinal(
    operation: Handle,
    message: *const c_void,
    message_len: usize,
    mac: *mut c_void,
    mac_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe {
        through(
            MAC_COMPUTE_FINAL,
            operation,
            message,
            message_len,
            mac,
            mac_len,
        )
    }
}

/// # Safety
/// `message` is valid for `message_len` bytes, `mac` for `mac_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MACCompareFinal(
    operation: Handle,
    message: *const c_void,
    message_len: usize,
    mac: *const c_void,
    mac_len: usize,
) -> u32 {
    let h = op(operation);
    let [s, n] = input(message, message_len);
    let [m, ml] = input(mac, mac_len);
    sys::call(MAC_COMPARE_FINAL, &[h, s, n, m, ml])
}

// ---------------------------------------------------------------------
// Authenticated encryption.

/// # Safety
/// `nonce` is valid for `nonce_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEInit(
    operation: Handle,
    nonce: *const c_void,
    nonce_len: usize,
    tag_len: u32,
    aad_len: usize,
    payload_len: usize,
) -> u32 {
    let h = op(operation);
    let [p, n] = input(nonce, nonce_len);
    let args = [
        h,
        p,
        n,
        u64::from(tag_len),
        aad_len as u64,
        payload_len as u64,
    ];
    sys::call(AE_INIT, &args)
}

/// # Safety
/// `aad` is valid for `aad_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEUpdateAAD(operation: Handle, aad: *const c_void, aad_len: usize) {
    let h = op(operation);
    let [p, n] = input(aad, aad_len);
    done(sys::call(AE_UPDATE_AAD, &[h, p, n]))
}

/// # Safety
/// As [`TEE_CipherUpdate`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEUpdate(
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    // SAFETY: the caller's contract.
    unsafe { through(AE_UPDATE, operation, src, src_len, dest, dest_len) }
}

/// Two outputs of the kernel's size rule (see `sized_out`): on
/// SHORT_BUFFER the kernel gives the output size and the tag length.
///
/// # Safety
/// `src` is valid for `src_len` bytes, `dest` for `*dest_len`, `tag` for
/// `*tag_len`; `dest_len` and `tag_len` are valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEEncryptFinal(
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
    tag: *mut c_void,
    tag_len: *mut usize,
) -> u32 {
    let h = op(operation);
    let [s, n] = input(src, src_len);
    if dest_len.is_null() || tag_len.is_null() {
        bad()
    }
    let (d, t) = (dest as u64, tag as u64);
    if d != 0 && t != 0 {
        let args = [h, s, n, d, dest_len as u64, t, tag_len as u64];
        return sys::call(AE_ENCRYPT_FINAL, &args);
    }
    // A NULL buffer goes as no room (both sizes in locals).
    // SAFETY: both non-NULL and valid (the caller's contract).
    let caps = unsafe { [*dest_len, *tag_len] }.map(|c| c as u64);
    let mut lens = [(d, caps[0]), (t, caps[1])].map(|(p, c)| if p == 0 { 0 } else { c });
    let l = lens.as_mut_ptr();
    let args = [h, s, n, d, l as u64, t, l.wrapping_add(1) as u64];
    let r = sys::call(AE_ENCRYPT_FINAL, &args);
    if r == SHORT_BUFFER && lens[0] <= caps[0] && lens[1] <= caps[1] {
        bad()
    }
    if r == SUCCESS || r == SHORT_BUFFER {
        // SAFETY: as above.
        unsafe {
            *dest_len = lens[0] as usize;
            *tag_len = lens[1] as usize;
        }
    }
    r
}

/// # Safety
/// `src` is valid for `src_len` bytes, `dest` for `*dest_len`, `tag` for
/// `tag_len`; `dest_len` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AEDecryptFinal(
    operation: Handle,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
    tag: *const c_void,
    tag_len: usize,
) -> u32 {
    let h = op(operation);
    let [s, n] = input(src, src_len);
    let [t, tl] = input(tag, tag_len);
    // SAFETY: the caller's contract.
    unsafe {
        sized_out(dest, dest_len, |d, l| {
            sys::call(AE_DECRYPT_FINAL, &[h, s, n, d, l, t, tl])
        })
    }
}

// ---------------------------------------------------------------------
// Asymmetric operations and key derivation.

/// TEE_AsymmetricEncrypt, Decrypt and SignDigest: call `num`.
///
/// # Safety
/// As [`TEE_AsymmetricEncrypt`].
#[allow(clippy::too_many_arguments)]
unsafe fn asym(
    num: u64,
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let h = op(operation);
    // SAFETY: the caller's contract.
    let [a, an] = unsafe { attrs(params, param_count) };
    let [s, n] = input(src, src_len);
    // SAFETY: the caller's contract.
    unsafe {
        sized_out(dest, dest_len, |d, l| {
            sys::call(num, &[h, a, an, s, n, d, l])
        })
    }
}

/// # Safety
/// `params` is valid for `param_count` attributes (their buffers valid),
/// `src` for `src_len` bytes, `dest` for `*dest_len`; `dest_len` is
/// valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricEncrypt(
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let num = ASYM_ENCRYPT;
    // SAFETY: the caller's contract.
    unsafe {
        asym(
            num,
            operation,
            params,
            param_count,
            src,
            src_len,
            dest,
            dest_len,
        )
    }
}

/// # Safety
/// As [`TEE_AsymmetricEncrypt`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricDecrypt(
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    src: *const c_void,
    src_len: usize,
    dest: *mut c_void,
    dest_len: *mut usize,
) -> u32 {
    let num = ASYM_DECRYPT;
    // SAFETY: the caller's contract.
    unsafe {
        asym(
            num,
            operation,
            params,
            param_count,
            src,
            src_len,
            dest,
            dest_len,
        )
    }
}

/// # Safety
/// As [`TEE_AsymmetricEncrypt`] (`digest` in, `signature` out).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricSignDigest(
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    digest: *const c_void,
    digest_len: usize,
    signature: *mut c_void,
    signature_len: *mut usize,
) -> u32 {
    let num = ASYM_SIGN_DIGEST;
    // SAFETY: the caller's contract.
    unsafe {
        asym(
            num,
            operation,
            params,
            param_count,
            digest,
            digest_len,
            signature,
            signature_len,
        )
    }
}

/// # Safety
/// `params` is valid for `param_count` attributes (their buffers valid),
/// `digest` for `digest_len` bytes, `signature` for `signature_len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AsymmetricVerifyDigest(
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    digest: *const c_void,
    digest_len: usize,
    signature: *const c_void,
    signature_len: usize,
) -> u32 {
    let h = op(operation);
    // SAFETY: the caller's contract.
    let [a, an] = unsafe { attrs(params, param_count) };
    let [d, dl] = input(digest, digest_len);
    let [s, sl] = input(signature, signature_len);
    sys::call(ASYM_VERIFY_DIGEST, &[h, a, an, d, dl, s, sl])
}

/// The kernel writes an SM2 key exchange's confirmation into the buffer
/// of the `TEE_ATTR_SM2_KEP_CONFIRMATION_OUT` parameter itself.
///
/// # Safety
/// `params` is valid for `param_count` attributes (their buffers valid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_DeriveKey(
    operation: Handle,
    params: *const Attribute,
    param_count: u32,
    derived_key: Handle,
) {
    let (h, k) = (op(operation), obj(derived_key));
    // SAFETY: the caller's contract.
    let [a, an] = unsafe { attrs(params, param_count) };
    done(sys::call(DERIVE_KEY, &[h, a, an, k]))
}

// ---------------------------------------------------------------------
// Transient objects. Persistent objects do not exist on this tier yet:
// the kernel knows transient ones only.

/// # Safety
/// `object` is valid for writing a handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocateTransientObject(
    object_type: u32,
    max_object_size: u32,
    object: *mut Handle,
) -> u32 {
    let args = [object_type, max_object_size].map(u64::from);
    // SAFETY: the caller's contract.
    unsafe {
        allocate(object, OBJ_TAG, OBJ_FREE, |out| {
            sys::call(OBJ_ALLOC, &[args[0], args[1], out])
        })
    }
}

/// TEE_HANDLE_NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreeTransientObject(object: Handle) {
    if !object.is_null() {
        done(sys::call(OBJ_FREE, &[obj(object)]))
    }
}

/// A transient object is freed, a persistent one closed; TEE_HANDLE_NULL
/// is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CloseObject(object: Handle) {
    if crate::storage::is_persistent(object) {
        crate::storage::close(object)
    } else {
        TEE_FreeTransientObject(object)
    }
}

/// TEE_HANDLE_NULL is a no-op.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetTransientObject(object: Handle) {
    if !object.is_null() {
        done(sys::call(OBJ_RESET, &[obj(object)]))
    }
}

/// # Safety
/// `attrs` is valid for `attr_count` attributes (their buffers valid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_PopulateTransientObject(
    object: Handle,
    attrs: *const Attribute,
    attr_count: u32,
) -> u32 {
    let h = obj(object);
    // SAFETY: the caller's contract.
    let [a, n] = unsafe { self::attrs(attrs, attr_count) };
    sys::call(OBJ_POPULATE, &[h, a, n])
}

/// # Safety
/// `attr` is valid for writing a `TEE_Attribute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InitRefAttribute(
    attr: *mut Attribute,
    attribute_id: u32,
    buffer: *const c_void,
    length: usize,
) {
    if attr.is_null() || attribute_id & TEE_ATTR_FLAG_VALUE != 0 {
        bad()
    }
    let a = Attribute {
        id: attribute_id,
        w0: buffer as u64,
        w1: length as u64,
    };
    // SAFETY: non-NULL, writable (the caller's contract).
    unsafe { attr.write(a) }
}

/// # Safety
/// `attr` is valid for writing a `TEE_Attribute`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_InitValueAttribute(
    attr: *mut Attribute,
    attribute_id: u32,
    a: u32,
    b: u32,
) {
    if attr.is_null() || attribute_id & TEE_ATTR_FLAG_VALUE == 0 {
        bad()
    }
    let v = Attribute {
        id: attribute_id,
        w0: u64::from(a) | u64::from(b) << 32,
        w1: 0,
    };
    // SAFETY: non-NULL, writable (the caller's contract).
    unsafe { attr.write(v) }
}

/// # Safety
/// `params` is valid for `param_count` attributes (their buffers valid).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GenerateKey(
    object: Handle,
    key_size: u32,
    params: *const Attribute,
    param_count: u32,
) -> u32 {
    let h = obj(object);
    // SAFETY: the caller's contract.
    let [a, n] = unsafe { attrs(params, param_count) };
    sys::call(OBJ_GENERATE, &[h, u64::from(key_size), a, n])
}

/// # Safety
/// `info` is valid for writing a `TEE_ObjectInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectInfo1(object: Handle, info: *mut ObjectInfo) -> u32 {
    let h = obj(object);
    if info.is_null() {
        bad()
    }
    // The kernel's form: seven u32s (a persistent object's from the store).
    let mut i = [0u32; 7];
    let r = if crate::storage::is_persistent(object) {
        crate::storage::info(object, &mut i)
    } else {
        sys::call(OBJ_INFO, &[h, i.as_mut_ptr() as u64])
    };
    if r == SUCCESS {
        // SAFETY: non-NULL, writable (the caller's contract).
        unsafe { info.write(crate::storage::info_of(&i)) }
    }
    r
}

/// The deprecated form of [`TEE_GetObjectInfo1`].
///
/// # Safety
/// As [`TEE_GetObjectInfo1`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectInfo(object: Handle, info: *mut ObjectInfo) {
    // SAFETY: the caller's contract.
    done(unsafe { TEE_GetObjectInfo1(object, info) })
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_RestrictObjectUsage1(object: Handle, object_usage: u32) -> u32 {
    if crate::storage::is_persistent(object) {
        return crate::storage::restrict_usage(object, object_usage);
    }
    sys::call(OBJ_RESTRICT_USAGE, &[obj(object), u64::from(object_usage)])
}

/// The deprecated form of [`TEE_RestrictObjectUsage1`].
#[unsafe(no_mangle)]
pub extern "C" fn TEE_RestrictObjectUsage(object: Handle, object_usage: u32) {
    done(TEE_RestrictObjectUsage1(object, object_usage))
}

/// # Safety
/// `buffer` is valid for `*size` bytes; `size` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectBufferAttribute(
    object: Handle,
    attribute_id: u32,
    buffer: *mut c_void,
    size: *mut usize,
) -> u32 {
    let (h, id) = (obj(object), u64::from(attribute_id));
    // SAFETY: the caller's contract.
    unsafe {
        sized_out(buffer, size, |b, l| {
            sys::call(OBJ_BUFFER_ATTR, &[h, id, b, l])
        })
    }
}

/// A NULL `a` or `b` panics once the attribute is found (as the host
/// tier).
///
/// # Safety
/// `a` and `b` are valid for writing a `uint32_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetObjectValueAttribute(
    object: Handle,
    attribute_id: u32,
    a: *mut u32,
    b: *mut u32,
) -> u32 {
    let args = [obj(object), u64::from(attribute_id), a as u64, b as u64];
    let r = sys::call(OBJ_VALUE_ATTR, &args);
    if r == SUCCESS && (a.is_null() || b.is_null()) {
        bad()
    }
    r
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyObjectAttributes1(dst: Handle, src: Handle) -> u32 {
    let (d, s) = (obj(dst), obj(src));
    sys::call(OBJ_COPY_ATTRS, &[d, s])
}

/// The deprecated form of [`TEE_CopyObjectAttributes1`].
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CopyObjectAttributes(dst: Handle, src: Handle) {
    done(TEE_CopyObjectAttributes1(dst, src))
}
