//! The GP TEE Internal Core API as a C ABI, for TAs written in C.
//!
//! Built as `liboxtee_ta_capi.a` and linked by the devkit into every C TA
//! (a static PIE). It provides `main`, which hands control to the TA
//! runtime, and the `TEE_*` functions the TA calls; it calls the TA's
//! `TA_*EntryPoint` functions. This is a C boundary, so raw pointers from
//! the TA are accepted here; the GP rule for invalid arguments to most of
//! these functions is a panic of the TA.
//!
//! The GP 1.1 forms (`__GP11_*`, `uint32_t` sizes) are not defined here:
//! the devkit's `src/tee_api_compat.c` provides them on top of these
//! functions, and only GP 1.1 TAs link it (a definition here would clash).

// The TEE_BigInt* functions: `oxtee-gp-bigint`'s C ABI (linked in here).
use oxtee_gp_bigint as _;

mod crypto;
mod dl;
mod mem;
mod props;
mod storage;
mod ta2ta;
mod time;
mod utee;

use oxtee_ta_runtime::{CallParams, EntryPoints, TeeParam};
use std::ffi::{CStr, c_char, c_int, c_void};
// Runs an entry point: its result, or the code it gave `_utee_return`.
use utee::entry;

type TeeResult = u32;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;

// The entry points are declared "C-unwind": OP-TEE's `_utee_return`
// (utee.rs) ends the entry point in progress by unwinding out of the TA's
// frames back to `utee::entry` (C frames carry unwind tables on this
// target; the devkit links libgcc_eh).
unsafe extern "C-unwind" {
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
}

unsafe extern "C" {
    /// Emitted by the devkit's user_ta_header.c; referenced so it is linked.
    static oxtee_ta_head: [u8; 360];
}

struct CEntryPoints;

impl EntryPoints for CEntryPoints {
    fn create(&mut self) -> u32 {
        // SAFETY: calling the TA's entry point, as the GP lifecycle says.
        entry(|| unsafe { TA_CreateEntryPoint() })
    }
    fn destroy(&mut self) {
        // SAFETY: as above.
        entry(|| unsafe {
            TA_DestroyEntryPoint();
            0
        });
    }
    fn open_session(&mut self, p: &mut CallParams<'_>) -> (u32, usize) {
        let mut ctx: *mut c_void = std::ptr::null_mut();
        let ctx_out = &mut ctx;
        // SAFETY: `p.raw` is a valid array of four TEE_Param whose memrefs
        // point into live mappings for the duration of the call.
        let r = entry(|| unsafe { TA_OpenSessionEntryPoint(p.types, p.raw.as_mut_ptr(), ctx_out) });
        (r, ctx as usize)
    }
    fn close_session(&mut self, s: usize) {
        // SAFETY: `s` is the context the TA returned from open-session.
        entry(|| unsafe {
            TA_CloseSessionEntryPoint(s as *mut c_void);
            0
        });
    }
    fn invoke(&mut self, s: usize, cmd: u32, p: &mut CallParams<'_>) -> u32 {
        // SAFETY: as in `open_session`.
        entry(|| unsafe {
            TA_InvokeCommandEntryPoint(s as *mut c_void, cmd, p.types, p.raw.as_mut_ptr())
        })
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
    // The buffer may be shared with the client: fill a private copy, then
    // copy it out (no Rust reference over memory a peer can write).
    let mut v = vec![0u8; len];
    oxtee_ta_runtime::random(&mut v);
    // SAFETY: `buf` is valid for `len` bytes (caller's contract).
    unsafe { oxtee_ta_runtime::volatile_copy(v.as_ptr(), buf as *mut u8, len) }
}
