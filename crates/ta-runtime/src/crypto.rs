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

thread_local! {
    static OPS: RefCell<Table> = RefCell::new(Table::default());
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
        let Some(h) = t.last.checked_add(1) else {
            // 2^32 allocations in one process: refuse rather than reuse.
            return Err(Error::NotSupported);
        };
        t.last = h;
        t.ops.insert(h, op);
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

/// TEE_DigestExtract: fill `out` with the next bytes of the XOF output.
pub fn digest_extract(h: OpHandle, out: &mut [u8]) {
    let _ = with(h, |op| op.digest_extract(out));
}
