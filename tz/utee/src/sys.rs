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
const SET_TA_TIME: u64 = 14;
const GET_PROPERTY: u64 = 3;
const GET_PROPERTY_NAME_TO_INDEX: u64 = 4;
/// oxtee's own calls (see `oxtee_tz_abi::utee::scn`).
const OXTEE_PROPERTY_TEXT: u64 = 0x1000;
const OXTEE_REGISTER_PROPS: u64 = 0x1001;
const CRYP_RANDOM_NUMBER_GENERATE: u64 = 33;

/// One system call with up to three arguments.
fn svc(num: u64, a0: u64, a1: u64, a2: u64) -> u64 {
    svc8(num, [a0, a1, a2, 0, 0, 0, 0, 0])
}

/// One system call with up to seven arguments.
fn svc7(num: u64, a: [u64; 7]) -> u64 {
    let mut b = [0; 8];
    b[..7].copy_from_slice(&a);
    svc8(num, b)
}

/// One system call with up to eight arguments.
fn svc8(num: u64, a: [u64; 8]) -> u64 {
    let r;
    // SAFETY: the kernel reads the arguments (checking every address
    // against this TA's own mappings), may write the TA's memory they
    // name (so the asm is not `nomem`), and returns with x0 only changed;
    // x1..x7 are declared clobbered anyway.
    unsafe {
        core::arch::asm!("svc #0",
            inlateout("x0") a[0] => r,
            inlateout("x1") a[1] => _,
            inlateout("x2") a[2] => _,
            inlateout("x3") a[3] => _,
            inlateout("x4") a[4] => _,
            inlateout("x5") a[5] => _,
            inlateout("x6") a[6] => _,
            inlateout("x7") a[7] => _,
            in("x8") num,
            options(nostack));
    }
    r
}

/// One of oxtee's own calls (`cryp`, `storage`): up to eight arguments
/// (the rest zero), a `TEE_Result` back. The kernel checks every address
/// against the TA's own mappings and kills the TA for a bad one.
pub fn call(num: u64, args: &[u64]) -> u32 {
    let mut a = [0; 8];
    a[..args.len()].copy_from_slice(args);
    svc8(num, a) as u32
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

/// Set the TA's persistent time.
pub fn set_ta_time(t: &Time) -> u32 {
    svc(SET_TA_TIME, t as *const Time as u64, 0, 0) as u32
}

/// The index of property `name` (with its NUL) in `set`.
pub fn property_index(set: usize, name: &[u8]) -> Result<(usize, u32), u32> {
    let mut i = 0u32;
    let args = [
        set as u64,
        name.as_ptr() as u64,
        name.len() as u64,
        &raw mut i as u64,
        0,
        0,
        0,
    ];
    match svc7(GET_PROPERTY_NAME_TO_INDEX, args) as u32 {
        0 => Ok((set, i)),
        e => Err(e),
    }
}

/// A buffer of the TA and its capacity, which the kernel replaces with
/// the size needed.
pub type Sized<'a> = Option<(*mut u8, &'a mut u32)>;

fn sized(s: &mut Sized<'_>) -> (u64, u64) {
    match s {
        Some((p, n)) => (*p as u64, &raw mut **n as u64),
        None => (0, 0),
    }
}

/// Property `index` of `set`: its name and value (either may be left
/// out) and its type.
pub fn get_property(
    set: usize,
    index: u32,
    mut name: Sized<'_>,
    mut value: Sized<'_>,
    kind: &mut u32,
) -> u32 {
    let (n, nl) = sized(&mut name);
    let (v, vl) = sized(&mut value);
    let args = [
        set as u64,
        u64::from(index),
        n,
        nl,
        v,
        vl,
        kind as *mut u32 as u64,
    ];
    svc7(GET_PROPERTY, args) as u32
}

/// Property `index` of `set`'s value into `buf`.
pub fn get_property_into(set: usize, index: u32, buf: *mut u8, len: &mut u32) -> u32 {
    let mut kind = 0;
    get_property(set, index, None, Some((buf, len)), &mut kind)
}

/// Property `index` of `set`'s value as text.
pub fn property_text(set: usize, index: u32, buf: *mut u8, len: &mut u32) -> u32 {
    svc7(
        OXTEE_PROPERTY_TEXT,
        [
            set as u64,
            u64::from(index),
            buf as u64,
            len as *mut u32 as u64,
            0,
            0,
            0,
        ],
    ) as u32
}

/// The TA's own property table.
pub fn register_props(table: &[u8]) -> u32 {
    svc(
        OXTEE_REGISTER_PROPS,
        table.as_ptr() as u64,
        table.len() as u64,
        0,
    ) as u32
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
