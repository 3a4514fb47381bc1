//! The kernel's system calls: `svc #0` with OP-TEE's number in x8 and the
//! arguments in x0..x7, the result in x0 (the kernel gives back every
//! other register as it was). Exported with OP-TEE's `_utee_*` names and
//! signatures (the devkit's `utee_syscalls.h`), for TAs and libraries
//! that call them directly.

use core::ffi::c_void;

const RETURN: u64 = 0;
const LOG: u64 = 1;
const PANIC: u64 = 2;
const CHECK_ACCESS_RIGHTS: u64 = 8;
const GET_CANCELLATION_FLAG: u64 = 9;
const UNMASK_CANCELLATION: u64 = 10;
const MASK_CANCELLATION: u64 = 11;
const WAIT: u64 = 12;
const GET_TIME: u64 = 13;
const CRYP_RANDOM_NUMBER_GENERATE: u64 = 33;

/// One system call with up to three arguments.
fn svc(num: u64, a0: u64, a1: u64, a2: u64) -> u64 {
    let r;
    // SAFETY: the kernel reads the arguments (checking every address
    // against this TA's own mappings), may write the TA's memory they
    // name (so the asm is not `nomem`), and returns with x0 only changed;
    // x1..x2 are declared clobbered anyway.
    unsafe {
        core::arch::asm!("svc #0",
            inlateout("x0") a0 => r,
            inlateout("x1") a1 => _,
            inlateout("x2") a2 => _,
            in("x8") num,
            options(nostack));
    }
    r
}

/// End the entry point in progress with `ret`.
pub fn utee_return(ret: u32) -> ! {
    svc(RETURN, u64::from(ret), 0, 0);
    // The kernel never resumes a TA after RETURN.
    loop {
        core::hint::spin_loop();
    }
}

/// Panic: the instance is dead from here on.
pub fn panic(code: u32) -> ! {
    svc(PANIC, u64::from(code), 0, 0);
    loop {
        core::hint::spin_loop();
    }
}

/// A line for the secure log.
pub fn log(text: &[u8]) {
    svc(LOG, text.as_ptr() as u64, text.len() as u64, 0);
}

pub fn check_access_rights(flags: u32, buf: usize, len: usize) -> u32 {
    svc(
        CHECK_ACCESS_RIGHTS,
        u64::from(flags),
        buf as u64,
        len as u64,
    ) as u32
}

/// A 32-bit answer the kernel writes into the TA's memory.
fn get_u32(num: u64) -> (u32, u32) {
    let mut v = 0u32;
    let r = svc(num, &raw mut v as u64, 0, 0) as u32;
    (r, v)
}

pub fn cancellation_flag() -> (u32, u32) {
    get_u32(GET_CANCELLATION_FLAG)
}

/// (result, whether cancellation was masked before).
pub fn set_cancellation_masked(masked: bool) -> (u32, u32) {
    get_u32(if masked {
        MASK_CANCELLATION
    } else {
        UNMASK_CANCELLATION
    })
}

/// `TEE_Time`.
#[repr(C)]
#[derive(Default)]
pub struct Time {
    pub seconds: u32,
    pub millis: u32,
}

pub fn get_time(cat: u64, t: &mut Time) -> u32 {
    svc(GET_TIME, cat, t as *mut Time as u64, 0) as u32
}

pub fn wait(ms: u32) -> u32 {
    svc(WAIT, u64::from(ms), 0, 0) as u32
}

pub fn random(buf: *mut u8, len: usize) -> u32 {
    svc(CRYP_RANDOM_NUMBER_GENERATE, buf as u64, len as u64, 0) as u32
}

// OP-TEE's names, for code that calls the system calls directly.

#[unsafe(no_mangle)]
pub extern "C" fn _utee_return(ret: u64) -> ! {
    utee_return(ret as u32)
}

/// # Safety
/// None for the TA: the kernel checks `buf` and `len`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_log(buf: *const c_void, len: usize) {
    svc(LOG, buf as u64, len as u64, 0);
}

#[unsafe(no_mangle)]
pub extern "C" fn _utee_panic(code: u64) -> ! {
    panic(code as u32)
}

/// # Safety
/// None for the TA: the kernel checks the range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_check_access_rights(
    flags: u32,
    buf: *const c_void,
    len: usize,
) -> u32 {
    check_access_rights(flags, buf as usize, len)
}

/// # Safety
/// None for the TA: the kernel checks `out` is its writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_cancellation_flag(out: *mut u32) -> u32 {
    svc(GET_CANCELLATION_FLAG, out as u64, 0, 0) as u32
}

/// # Safety
/// As `_utee_get_cancellation_flag`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_unmask_cancellation(old: *mut u32) -> u32 {
    svc(UNMASK_CANCELLATION, old as u64, 0, 0) as u32
}

/// # Safety
/// As `_utee_get_cancellation_flag`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_mask_cancellation(old: *mut u32) -> u32 {
    svc(MASK_CANCELLATION, old as u64, 0, 0) as u32
}

/// # Safety
/// None for the TA: the kernel checks `time` is its writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_get_time(cat: u64, time: *mut Time) -> u32 {
    svc(GET_TIME, cat, time as u64, 0) as u32
}

#[unsafe(no_mangle)]
pub extern "C" fn _utee_wait(timeout: u64) -> u32 {
    svc(WAIT, timeout, 0, 0) as u32
}

/// # Safety
/// None for the TA: the kernel checks the range is its writable memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn _utee_cryp_random_number_generate(buf: *mut c_void, len: usize) -> u32 {
    random(buf.cast(), len)
}
