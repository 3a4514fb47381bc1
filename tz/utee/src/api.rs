//! The Internal Core API functions that need no state of their own beyond
//! a cell: panics, memory, instance data, time, random numbers,
//! cancellation and tracing.

use core::cell::Cell;
use core::ffi::{c_char, c_int, c_void};

use crate::Global;
use crate::sys;

const TEE_MEMORY_ACCESS_READ: u32 = 0x1;
const TEE_MEMORY_ACCESS_WRITE: u32 = 0x2;
const TEE_MEMORY_ACCESS_ANY_OWNER: u32 = 0x4;

#[unsafe(no_mangle)]
pub extern "C" fn TEE_Panic(code: u32) -> ! {
    sys::panic(code)
}

/// `TEE_MemMove`: the ranges may overlap.
///
/// # Safety
/// Both ranges are the TA's for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemMove(dest: *mut c_void, src: *const c_void, size: usize) {
    // SAFETY: the caller's contract; `copy` is memmove.
    unsafe { core::ptr::copy(src.cast::<u8>(), dest.cast::<u8>(), size) }
}

/// `TEE_MemFill`: `x` truncated to a byte.
///
/// # Safety
/// The range is the TA's for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemFill(buf: *mut c_void, x: u32, size: usize) {
    // SAFETY: the caller's contract.
    unsafe { buf.cast::<u8>().write_bytes(x as u8, size) }
}

/// `TEE_MemCompare`: the sign of the first differing byte, in time that
/// depends on `size` only (the bytes may be a secret, or shared with the
/// client and read once each).
///
/// # Safety
/// Both ranges are the TA's for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemCompare(a: *const c_void, b: *const c_void, size: usize) -> i32 {
    let (a, b) = (a.cast::<u8>(), b.cast::<u8>());
    let mut verdict = 0i32;
    for i in 0..size {
        // SAFETY: `i < size`: inside both ranges (the caller's contract).
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        let diff = i32::from(x) - i32::from(y);
        // Only the first difference counts; no branch on the bytes.
        let undecided = -i32::from(verdict == 0);
        verdict |= diff & undecided;
    }
    verdict.signum()
}

/// `TEE_CheckMemoryAccessRights`: the kernel checks the range against
/// the TA's pages and the memory the client shares in this call.
///
/// # Safety
/// None: the kernel checks.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_CheckMemoryAccessRights(
    flags: u32,
    buf: *mut c_void,
    size: usize,
) -> u32 {
    if size == 0 {
        return 0;
    }
    const ACCESS_DENIED: u32 = 0xFFFF_0001;
    // Unknown bits are ignored, as OP-TEE does (its SECURE and NONSECURE
    // the kernel checks).
    const NONSECURE: u32 = 0x1000_0000;
    const SECURE: u32 = 0x2000_0000;
    let flags = flags
        & (TEE_MEMORY_ACCESS_READ
            | TEE_MEMORY_ACCESS_WRITE
            | TEE_MEMORY_ACCESS_ANY_OWNER
            | NONSECURE
            | SECURE);
    let start = buf as usize;
    // The heap: inside one live block only (the kernel sees its pages).
    if start
        .checked_add(size)
        .and_then(|end| crate::heap::within_block(start, end))
        == Some(false)
    {
        return ACCESS_DENIED;
    }
    sys::check_access_rights(flags, start, size)
}

static INSTANCE_DATA: Global<Cell<*const c_void>> = Global(Cell::new(core::ptr::null()));

#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetInstanceData(data: *const c_void) {
    INSTANCE_DATA.0.set(data)
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetInstanceData() -> *const c_void {
    INSTANCE_DATA.0.get()
}

/// `TEE_GenerateRandom`: the kernel's generator.
///
/// # Safety
/// None: the kernel checks the buffer is the TA's writable memory; if it
/// is not, the TA panics (GP).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GenerateRandom(buf: *mut c_void, len: usize) {
    let r = sys::random(buf.cast(), len);
    if r != 0 {
        sys::panic(r)
    }
}

/// `TEE_GetSystemTime`: the architectural counter, from boot.
///
/// # Safety
/// `time` is the TA's writable `TEE_Time`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetSystemTime(time: *mut sys::Time) {
    let mut t = sys::Time::default();
    let r = sys::get_time(0, &mut t);
    if r != 0 {
        sys::panic(r)
    }
    // SAFETY: the caller's contract.
    unsafe { time.write(t) }
}

/// `TEE_GetREETime`: the normal world's clock, through the kernel's RPC
/// (the call waits in the normal world meanwhile).
///
/// # Safety
/// `time` is the TA's writable `TEE_Time`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetREETime(time: *mut sys::Time) {
    let mut t = sys::Time::default();
    let r = sys::get_time(2, &mut t);
    if r != 0 {
        sys::panic(r)
    }
    // SAFETY: the caller's contract.
    unsafe { time.write(t) }
}

/// `TEE_GetTAPersistentTime`: the TA's own clock, which the kernel runs
/// on its secure counter from when the TA set it (kept until the next
/// boot, as OP-TEE keeps it). TIME_NOT_SET before that; OVERFLOW past
/// 2^32 seconds, with the time modulo 2^32 seconds (GP).
///
/// # Safety
/// `time` is NULL (a panic) or the TA's writable `TEE_Time`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetTAPersistentTime(time: *mut sys::Time) -> u32 {
    const NOT_SET: u32 = 0xFFFF_5000;
    const NEEDS_RESET: u32 = 0xFFFF_5001;
    const OVERFLOW: u32 = 0xFFFF_300F;
    if time.is_null() {
        sys::panic(crate::BAD_PARAMETERS)
    }
    let mut t = sys::Time::default();
    match sys::get_time(1, &mut t) {
        r @ (0 | NOT_SET | NEEDS_RESET | OVERFLOW) => {
            // SAFETY: the caller's contract (checked non-NULL).
            unsafe { time.write(t) };
            r
        }
        r => sys::panic(r),
    }
}

/// `TEE_SetTAPersistentTime`: milliseconds past 999 panic the TA (as on
/// the host tier).
///
/// # Safety
/// `time` is NULL (a panic) or the TA's readable `TEE_Time`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_SetTAPersistentTime(time: *const sys::Time) -> u32 {
    if time.is_null() {
        sys::panic(crate::BAD_PARAMETERS)
    }
    // SAFETY: the caller's contract (checked non-NULL).
    let t = unsafe { time.read() };
    if t.millis > 999 {
        sys::panic(crate::BAD_PARAMETERS)
    }
    match sys::set_ta_time(&t) {
        0 => 0,
        r => sys::panic(r),
    }
}

/// `TEE_Wait`: sleeps in the normal world; TEE_ERROR_CANCEL when the
/// client cancels and the TA has unmasked cancellation.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_Wait(timeout: u32) -> u32 {
    const CANCEL: u32 = 0xFFFF_0002;
    match sys::wait(timeout) {
        r @ (0 | CANCEL) => r,
        r => sys::panic(r),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetCancellationFlag() -> bool {
    let (r, set) = sys::cancellation_flag();
    if r != 0 {
        sys::panic(r)
    }
    set != 0
}

/// Returns whether cancellation was masked before.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_UnmaskCancellation() -> bool {
    masked(false)
}

/// Returns whether cancellation was masked before.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_MaskCancellation() -> bool {
    masked(true)
}

fn masked(mask: bool) -> bool {
    let (r, old) = sys::set_cancellation_masked(mask);
    if r != 0 {
        sys::panic(r)
    }
    old != 0
}

/// Called by the devkit's `trace_printf` with the formatted message: one
/// line of the secure log, `<level>: <function>:<line> <message>`.
///
/// # Safety
/// `func` is NULL or a NUL-terminated string; `msg` is a NUL-terminated
/// string.
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
    let func = if func.is_null() {
        &[][..]
    } else {
        // SAFETY: the caller's contract.
        unsafe { core::ffi::CStr::from_ptr(func) }.to_bytes()
    };
    // SAFETY: the caller's contract.
    trace_line(
        level,
        func,
        line,
        unsafe { core::ffi::CStr::from_ptr(msg) }.to_bytes(),
    );
}

/// One line of the secure log: `<level>: <function>:<line> <message>`
/// (without the function and line when `func` is empty).
pub(crate) fn trace_line(level: c_int, func: &[u8], line: c_int, msg: &[u8]) {
    let mut out = Line::default();
    out.push(match level {
        1 => b"E: ",
        2 => b"I: ",
        3 => b"D: ",
        _ => b"F: ",
    });
    if !func.is_empty() {
        out.push(func);
        out.push(b":");
        out.decimal(line);
        out.push(b" ");
    }
    out.push(msg);
    sys::log(out.bytes());
}

/// A log line being put together (cut at the kernel's limit).
pub(crate) struct Line {
    buf: [u8; 256],
    len: usize,
}

impl Default for Line {
    fn default() -> Line {
        Line {
            buf: [0; 256],
            len: 0,
        }
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push(s.as_bytes());
        Ok(())
    }
}

impl Line {
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn decimal(&mut self, v: c_int) {
        let mut digits = [0u8; 12];
        let mut i = digits.len();
        let mut n = v.unsigned_abs();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        if v < 0 {
            i -= 1;
            digits[i] = b'-';
        }
        self.push(&digits[i..]);
    }
}
