//! The GP TEE Internal Core API as a C ABI, for TAs written in C.
//!
//! Built as `liboxtee_ta_capi.a` and linked by the devkit into every C TA
//! (a static PIE). It provides `main`, which hands control to the TA
//! runtime, and the `TEE_*` functions the TA calls; it calls the TA's
//! `TA_*EntryPoint` functions. This is a C boundary, so raw pointers from
//! the TA are accepted here; the GP rule for invalid arguments to most of
//! these functions is a panic of the TA.

mod props;

use oxtee_ta_runtime::{CallParams, EntryPoints, TeeParam};
use std::ffi::{CStr, c_char, c_int, c_void};

type TeeResult = u32;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_MALLOC_NO_FILL: u32 = 1;
const TEE_MALLOC_NO_SHARE: u32 = 2;

unsafe extern "C" {
    fn TA_CreateEntryPoint() -> TeeResult;
    fn TA_DestroyEntryPoint();
    fn TA_OpenSessionEntryPoint(
        param_types: u32,
        params: *mut TeeParam,
        sess_ctx: *mut *mut c_void,
    ) -> TeeResult;
    fn TA_CloseSessionEntryPoint(sess_ctx: *mut c_void);
    fn TA_InvokeCommandEntryPoint(
        sess_ctx: *mut c_void,
        cmd: u32,
        param_types: u32,
        params: *mut TeeParam,
    ) -> TeeResult;
    /// Emitted by the devkit's user_ta_header.c; referenced so it is linked.
    static oxtee_ta_head: [u8; 360];
}

struct CEntryPoints;

impl EntryPoints for CEntryPoints {
    fn create(&mut self) -> u32 {
        // SAFETY: calling the TA's entry point, as the GP lifecycle says.
        unsafe { TA_CreateEntryPoint() }
    }
    fn destroy(&mut self) {
        // SAFETY: as above.
        unsafe { TA_DestroyEntryPoint() }
    }
    fn open_session(&mut self, p: &mut CallParams<'_>) -> (u32, usize) {
        let mut ctx: *mut c_void = std::ptr::null_mut();
        // SAFETY: `p.raw` is a valid array of four TEE_Param whose memrefs
        // point into live mappings for the duration of the call.
        let r = unsafe { TA_OpenSessionEntryPoint(p.types, p.raw.as_mut_ptr(), &mut ctx) };
        (r, ctx as usize)
    }
    fn close_session(&mut self, s: usize) {
        // SAFETY: `s` is the context the TA returned from open-session.
        unsafe { TA_CloseSessionEntryPoint(s as *mut c_void) }
    }
    fn invoke(&mut self, s: usize, cmd: u32, p: &mut CallParams<'_>) -> u32 {
        // SAFETY: as in `open_session`.
        unsafe { TA_InvokeCommandEntryPoint(s as *mut c_void, cmd, p.types, p.raw.as_mut_ptr()) }
    }
}

/// Lock the sandbox before the TA's ELF constructors run: static glibc
/// runs `.preinit_array` before `.init_array`.
extern "C" fn preinit() {
    oxtee_ta_runtime::lock_sandbox();
}

#[used]
#[unsafe(link_section = ".preinit_array")]
static PREINIT: extern "C" fn() = preinit;

/// The process entry of a C TA.
#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    // Taking the address of an extern static is safe; it is never read.
    std::hint::black_box(std::ptr::addr_of!(oxtee_ta_head));
    // Keep the object holding the `.preinit_array` entry in the link.
    std::hint::black_box(&PREINIT);
    props::load_ext_props();
    oxtee_ta_runtime::run(&mut CEntryPoints)
}

/// Called by the devkit's `trace_printf` with the formatted message.
///
/// # Safety
/// `func` is NULL or a NUL-terminated string; `msg` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn oxtee_trace_write(
    level: c_int,
    func: *const c_char,
    line: c_int,
    msg: *const c_char,
) {
    if msg.is_null() {
        return;
    }
    // SAFETY: guaranteed by the caller (the devkit's trace.c).
    let m = unsafe { CStr::from_ptr(msg) }.to_string_lossy();
    let f = if func.is_null() {
        std::borrow::Cow::Borrowed("")
    } else {
        // SAFETY: as above.
        unsafe { CStr::from_ptr(func) }.to_string_lossy()
    };
    oxtee_ta_runtime::trace(level, &f, line, &m)
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_Panic(code: u32) -> ! {
    oxtee_ta_runtime::panic_ta(code)
}

/// TEE_Malloc: zero-filled unless TEE_MALLOC_NO_FILL. An unknown hint
/// bit is allowed by GP (implementation-defined); oxtee ignores it.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_Malloc(size: usize, hint: u32) -> *mut c_void {
    let _ = TEE_MALLOC_NO_SHARE;
    // GP: a zero-size allocation returns a valid pointer that must not be
    // dereferenced.
    let n = size.max(1);
    if hint & TEE_MALLOC_NO_FILL != 0 {
        // SAFETY: plain libc allocation.
        unsafe { libc::malloc(n) }
    } else {
        // SAFETY: plain libc allocation.
        unsafe { libc::calloc(1, n) }
    }
}

/// # Safety
/// `buffer` is NULL or was returned by TEE_Malloc/TEE_Realloc.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Realloc(buffer: *mut c_void, new_size: usize) -> *mut c_void {
    // SAFETY: guaranteed by the caller; realloc(NULL, n) is malloc(n).
    unsafe { libc::realloc(buffer, new_size.max(1)) }
}

/// # Safety
/// `buffer` is NULL or was returned by TEE_Malloc/TEE_Realloc.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Free(buffer: *mut c_void) {
    // SAFETY: guaranteed by the caller; free(NULL) does nothing.
    unsafe { libc::free(buffer) }
}

/// # Safety
/// Both ranges are valid for `size` bytes (they may overlap).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemMove(dest: *mut c_void, src: *const c_void, size: usize) {
    if size != 0 {
        // SAFETY: guaranteed by the caller; memmove handles overlap.
        unsafe { std::ptr::copy(src as *const u8, dest as *mut u8, size) }
    }
}

/// # Safety
/// Both ranges are valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemCompare(b1: *const c_void, b2: *const c_void, size: usize) -> i32 {
    if size == 0 {
        return 0;
    }
    // SAFETY: guaranteed by the caller.
    let r = unsafe { libc::memcmp(b1, b2, size) };
    r.signum()
}

/// # Safety
/// `buff` is valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemFill(buff: *mut c_void, x: u32, size: usize) {
    if size != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { std::ptr::write_bytes(buff as *mut u8, x as u8, size) }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetCancellationFlag() -> bool {
    oxtee_ta_runtime::cancellation_flag()
}

/// Returns whether cancellation was masked before.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_UnmaskCancellation() -> bool {
    oxtee_ta_runtime::set_cancellation_masked(false)
}

/// Returns whether cancellation was masked before.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_MaskCancellation() -> bool {
    oxtee_ta_runtime::set_cancellation_masked(true)
}

/// # Safety
/// `buf` is valid for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GenerateRandom(buf: *mut c_void, len: usize) {
    if len == 0 {
        return;
    }
    if buf.is_null() {
        oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: guaranteed by the caller; the slice lives only for this call.
    let s = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, len) };
    oxtee_ta_runtime::random(s)
}
