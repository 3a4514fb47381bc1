//! A Rust TA's entry points: the five `TA_*EntryPoint` functions that
//! `oxtee_ta_sdk::ta_main!` defines call these, with the `TEE_Param`s this
//! crate's `__ta_entry` built for the call.

use alloc::boxed::Box;
use core::cell::RefCell;
use core::ffi::c_void;

use crate::{BAD_PARAMETERS, Global, Param};

/// `TEE_Param`: a memref `{ buffer, size }` or a value `{ a, b }`.
pub type TeeParam = Param;

/// The TA's entry points, as this runtime calls them (the host tier's
/// trait, the same methods).
pub trait EntryPoints {
    fn create(&mut self) -> u32;
    fn destroy(&mut self);
    /// Returns the result and the session context.
    fn open_session(&mut self, params: &mut CallParams<'_>) -> (u32, usize);
    fn close_session(&mut self, session: usize);
    fn invoke(&mut self, session: usize, command: u32, params: &mut CallParams<'_>) -> u32;
}

/// The instance's entry points, from its create to its destroy.
static INSTANCE: Global<RefCell<Option<Box<dyn EntryPoints>>>> = Global(RefCell::new(None));

/// Run `f` on the instance; it is taken out for the call, so nothing the
/// TA does meanwhile can reach it twice.
fn with<R>(default: R, f: impl FnOnce(&mut dyn EntryPoints) -> R) -> R {
    let Some(mut ep) = INSTANCE.0.borrow_mut().take() else {
        return default;
    };
    let r = f(&mut *ep);
    *INSTANCE.0.borrow_mut() = Some(ep);
    r
}

/// TA_CreateEntryPoint with the TA's entry points.
pub fn create(mut ep: Box<dyn EntryPoints>) -> u32 {
    let r = ep.create();
    if r == 0 {
        *INSTANCE.0.borrow_mut() = Some(ep);
    }
    r
}

/// TA_DestroyEntryPoint.
pub fn destroy() {
    if let Some(mut ep) = INSTANCE.0.borrow_mut().take() {
        ep.destroy();
    }
}

/// The four parameters of an entry point call, with the capacity of each
/// memref as the client gave it (the TA may lower `size`, or raise it to
/// report the size it needs).
pub struct CallParams<'a> {
    pub types: u32,
    raw: &'a mut [Param; 4],
    caps: [usize; 4],
}

impl<'a> CallParams<'a> {
    fn new(types: u32, raw: &'a mut [Param; 4]) -> CallParams<'a> {
        let caps = core::array::from_fn(|i| {
            if (5..=7).contains(&((types >> (4 * i)) & 0xF)) {
                raw[i].w1 as usize
            } else {
                0
            }
        });
        CallParams { types, raw, caps }
    }

    /// Parameter type `i` (TEE_PARAM_TYPE_*).
    pub fn type_of(&self, i: usize) -> u32 {
        (self.types >> (i * 4)) & 0xF
    }

    pub fn value(&self, i: usize) -> (u32, u32) {
        let w = self.raw[i].w0;
        (w as u32, (w >> 32) as u32)
    }

    pub fn set_value(&mut self, i: usize, a: u32, b: u32) {
        self.raw[i].w0 = u64::from(a) | (u64::from(b) << 32);
    }

    /// Capacity of memref `i` as provided by the client.
    pub fn capacity(&self, i: usize) -> usize {
        self.caps[i]
    }

    /// Whether memref `i` is a NULL buffer.
    pub fn is_null(&self, i: usize) -> bool {
        self.raw[i].w0 == 0
    }

    /// The size currently reported in memref `i`.
    pub fn size(&self, i: usize) -> usize {
        self.raw[i].w1 as usize
    }

    pub fn set_size(&mut self, i: usize, size: usize) {
        self.raw[i].w1 = size as u64;
    }

    /// Copy memref `i` (its provided capacity) into a new vector: the
    /// client can change shared memory at any time, so this is a
    /// snapshot, read once.
    pub fn read(&self, i: usize) -> alloc::vec::Vec<u8> {
        let cap = self.caps[i];
        let ptr = self.raw[i].w0 as *const u8;
        let mut v = alloc::vec![0u8; cap];
        if cap != 0 && !ptr.is_null() {
            // SAFETY: the kernel mapped `ptr..ptr+cap` into this TA for
            // the call (a memref of these parameters).
            unsafe { volatile_copy(ptr, v.as_mut_ptr(), cap) };
        }
        v
    }

    /// Copy `data` into memref `i` at offset 0. Returns false when it does
    /// not fit the provided capacity (nothing is written then).
    pub fn write(&mut self, i: usize, data: &[u8]) -> bool {
        let ptr = self.raw[i].w0 as *mut u8;
        if data.len() > self.caps[i]
            || (ptr.is_null() && !data.is_empty())
            || self.type_of(i) & 2 == 0
        {
            return false;
        }
        if !data.is_empty() {
            // SAFETY: as in `read`, an output memref; `data.len() <= cap`.
            unsafe { volatile_copy(data.as_ptr(), ptr, data.len()) };
        }
        true
    }
}

/// Copy `n` bytes with volatile accesses (memory the normal world shares
/// may change under us: every byte is read or written exactly once),
/// eight at a time where both sides allow it.
///
/// # Safety
/// `src` valid for reading and `dst` for writing `n` bytes, not
/// overlapping.
unsafe fn volatile_copy(src: *const u8, dst: *mut u8, n: usize) {
    let mut i = 0;
    // SAFETY: every access is at `i < n` (or `i + 8 <= n`), inside both
    // ranges by the caller's contract; the u64 accesses are 8-aligned.
    unsafe {
        if (src as usize) % 8 == (dst as usize) % 8 {
            while i < n && !(src as usize + i).is_multiple_of(8) {
                dst.add(i).write_volatile(src.add(i).read_volatile());
                i += 1;
            }
            while i + 8 <= n {
                let w = src.add(i).cast::<u64>().read_volatile();
                dst.add(i).cast::<u64>().write_volatile(w);
                i += 8;
            }
        }
        while i < n {
            dst.add(i).write_volatile(src.add(i).read_volatile());
            i += 1;
        }
    }
}

/// TA_OpenSessionEntryPoint.
///
/// # Safety
/// `params` is valid for four `TEE_Param`s of `types` and `ctx` for one
/// pointer, for the call (this crate's `__ta_entry` gives both).
pub unsafe fn open_session(types: u32, params: *mut Param, ctx: *mut *mut c_void) -> u32 {
    if params.is_null() || ctx.is_null() {
        return BAD_PARAMETERS;
    }
    // SAFETY: the caller's contract.
    let raw = unsafe { &mut *params.cast::<[Param; 4]>() };
    let mut p = CallParams::new(types, raw);
    let (r, session) = with((BAD_PARAMETERS, 0), |ep| ep.open_session(&mut p));
    // SAFETY: the caller's contract.
    unsafe { ctx.write(session as *mut c_void) };
    r
}

/// TA_CloseSessionEntryPoint.
pub fn close_session(ctx: *mut c_void) {
    with((), |ep| ep.close_session(ctx as usize))
}

/// TA_InvokeCommandEntryPoint.
///
/// # Safety
/// As [`open_session`], without `ctx`.
pub unsafe fn invoke(ctx: *mut c_void, command: u32, types: u32, params: *mut Param) -> u32 {
    if params.is_null() {
        return BAD_PARAMETERS;
    }
    // SAFETY: the caller's contract.
    let raw = unsafe { &mut *params.cast::<[Param; 4]>() };
    let mut p = CallParams::new(types, raw);
    with(BAD_PARAMETERS, |ep| {
        ep.invoke(ctx as usize, command, &mut p)
    })
}
