//! GP properties: the three property sets and enumerators over them.
//!
//! The kernel holds the sets (the current TA's from the verified image
//! header, the implementation's, each session's client) and answers by
//! index; the TA's own extra properties (`TA_CURRENT_TA_EXT_PROPERTIES`,
//! the devkit's `ta_props` table in its memory) are registered with the
//! kernel before the first entry point, as one table, and merged there by
//! the host tier's rules (a TA cannot override what its header says).
//! Text forms come from the kernel too, so both tiers print a value the
//! same way.

use alloc::vec::Vec;
use core::cell::RefCell;
use core::ffi::{CStr, c_char, c_void};

use crate::{BAD_PARAMETERS, Global, sys};

const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const BAD_FORMAT: u32 = 0xFFFF_0005;
const OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const SHORT_BUFFER: u32 = 0xFFFF_0010;

const CURRENT_TA: usize = 0xFFFF_FFFF;
const CURRENT_CLIENT: usize = 0xFFFF_FFFE;
const IMPLEMENTATION: usize = 0xFFFF_FFFD;

/// Enumerator handles are this plus their slot (the host tier's values).
const ENUM_BASE: usize = 0x7e00_0000;
const MAX_ENUMS: usize = 64;

/// `USER_TA_PROP_TYPE_*`.
const T_BOOL: u32 = 0;
const T_U32: u32 = 1;
const T_UUID: u32 = 2;
const T_IDENTITY: u32 = 3;
const T_STRING: u32 = 4;
const T_BINARY: u32 = 5;
const T_U64: u32 = 6;

/// `struct user_ta_property` (devkit's `user_ta_header.h`).
#[repr(C)]
struct UserTaProperty {
    name: *const c_char,
    kind: u32,
    value: *const c_void,
}

unsafe extern "C" {
    static ta_props: [UserTaProperty; 0];
    static ta_num_props: usize;
}

/// Register the TA's own table with the kernel (once, before the first
/// entry point). Entries the runtime cannot read are left out.
pub fn register() {
    let mut table = Vec::new();
    // SAFETY: the devkit defines both symbols, an array of `ta_num_props`
    // entries written by the TA's author, immutable data of this image.
    let (base, n) = unsafe { ((&raw const ta_props).cast::<UserTaProperty>(), ta_num_props) };
    for i in 0..n.min(128) {
        // SAFETY: `i < ta_num_props`.
        let p = unsafe { &*base.add(i) };
        if p.name.is_null() || p.value.is_null() {
            continue;
        }
        // SAFETY: NUL-terminated names and values of the declared type
        // (C initialisers of the TA's table).
        let (name, value): (&[u8], &[u8]) = unsafe {
            let raw = |n: usize| core::slice::from_raw_parts(p.value.cast::<u8>(), n);
            let name = CStr::from_ptr(p.name).to_bytes();
            let value = match p.kind {
                T_BOOL => raw(1),
                T_U32 => raw(4),
                T_U64 => raw(8),
                T_UUID => raw(16),
                T_IDENTITY => raw(20),
                // Base64 text for a binary block: the kernel decodes it.
                T_STRING | T_BINARY => CStr::from_ptr(p.value.cast()).to_bytes(),
                _ => continue,
            };
            (name, value)
        };
        for w in [p.kind, name.len() as u32, value.len() as u32] {
            table.extend_from_slice(&w.to_le_bytes());
        }
        table.extend_from_slice(name);
        table.extend_from_slice(value);
    }
    let r = sys::register_props(&table);
    if r != 0 {
        sys::log(b"E: the TA's property table (TA_CURRENT_TA_EXT_PROPERTIES) was refused");
    }
}

/// An enumerator's slot: allocated, and started on (set, index).
type Slot = Option<Option<(usize, u32)>>;

static ENUMS: Global<RefCell<[Slot; MAX_ENUMS]>> = Global(RefCell::new([None; MAX_ENUMS]));

enum Target {
    Set(usize),
    Enum(usize),
}

fn target(h: *mut c_void) -> Target {
    match h as usize {
        s @ (CURRENT_TA | CURRENT_CLIENT | IMPLEMENTATION) => Target::Set(s),
        n if (ENUM_BASE..ENUM_BASE + MAX_ENUMS).contains(&n)
            && ENUMS.0.borrow()[n - ENUM_BASE].is_some() =>
        {
            Target::Enum(n - ENUM_BASE)
        }
        _ => sys::panic(BAD_PARAMETERS),
    }
}

/// The (set, index) a getter names: by name in a set, or an
/// enumerator's current property (the name is then ignored, as GP says).
///
/// # Safety
/// `name` is NULL or NUL-terminated.
unsafe fn locate(h: *mut c_void, name: *const c_char) -> Result<(usize, u32), u32> {
    match target(h) {
        Target::Set(set) => {
            if name.is_null() {
                sys::panic(BAD_PARAMETERS);
            }
            // SAFETY: the caller's contract.
            let name = unsafe { CStr::from_ptr(name) }.to_bytes_with_nul();
            sys::property_index(set, name)
        }
        Target::Enum(slot) => match ENUMS.0.borrow()[slot] {
            Some(Some(at)) => Ok(at),
            _ => Err(ITEM_NOT_FOUND),
        },
    }
}

/// A property's type and value bytes (at most `N`).
fn value<const N: usize>(at: (usize, u32)) -> Result<(u32, [u8; N]), u32> {
    let mut buf = [0u8; N];
    let mut len = N as u32;
    let mut kind = u32::MAX;
    match sys::get_property(
        at.0,
        at.1,
        None,
        Some((buf.as_mut_ptr(), &mut len)),
        &mut kind,
    ) {
        0 | SHORT_BUFFER => Ok((kind, buf)),
        e => Err(e),
    }
}

/// A `size_t *` length as the kernel's `uint32_t` capacity.
///
/// # Safety
/// `len` is the TA's valid `size_t *`.
unsafe fn cap(len: *mut usize) -> u32 {
    if len.is_null() {
        sys::panic(BAD_PARAMETERS);
    }
    // SAFETY: the caller's contract.
    u32::try_from(unsafe { *len }).unwrap_or(u32::MAX)
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsString(
    h: *mut c_void,
    name: *const c_char,
    buf: *mut c_char,
    len: *mut usize,
) -> u32 {
    // SAFETY: forwarded.
    let at = match unsafe { locate(h, name) } {
        Ok(at) => at,
        Err(e) => return e,
    };
    // SAFETY: forwarded.
    let mut n = unsafe { cap(len) };
    let r = sys::property_text(at.0, at.1, buf.cast(), &mut n);
    if r == 0 || r == SHORT_BUFFER {
        // SAFETY: checked non-NULL by `cap`.
        unsafe { *len = n as usize };
    }
    r
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsBinaryBlock(
    h: *mut c_void,
    name: *const c_char,
    buf: *mut c_void,
    len: *mut usize,
) -> u32 {
    // SAFETY: forwarded.
    let at = match unsafe { locate(h, name) } {
        Ok(at) => at,
        Err(e) => return e,
    };
    let mut kind = u32::MAX;
    match sys::get_property(at.0, at.1, None, None, &mut kind) {
        0 => {}
        e => return e,
    }
    if kind != T_BINARY {
        return BAD_FORMAT;
    }
    // SAFETY: forwarded.
    let mut n = unsafe { cap(len) };
    let r = sys::get_property_into(at.0, at.1, buf.cast(), &mut n);
    if r == 0 || r == SHORT_BUFFER {
        // SAFETY: checked non-NULL by `cap`.
        unsafe { *len = n as usize };
    }
    r
}

/// A typed getter: the value if the property has type `want`.
///
/// # Safety
/// As the getters: `name` NULL or NUL-terminated; `out` checked here.
unsafe fn typed<const N: usize>(
    h: *mut c_void,
    name: *const c_char,
    want: u32,
    out: *mut c_void,
) -> u32 {
    if out.is_null() {
        sys::panic(BAD_PARAMETERS);
    }
    // SAFETY: forwarded.
    let at = match unsafe { locate(h, name) } {
        Ok(at) => at,
        Err(e) => return e,
    };
    match value::<N>(at) {
        Ok((kind, bytes)) if kind == want => {
            // SAFETY: `out` is the TA's object of the getter's type, `N`
            // bytes (bool: 1; u32: 4; u64: 8; TEE_UUID: 16;
            // TEE_Identity: 20), any alignment.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), out.cast::<u8>(), N) };
            0
        }
        Ok(_) => BAD_FORMAT,
        Err(e) => e,
    }
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsBool(
    h: *mut c_void,
    name: *const c_char,
    v: *mut bool,
) -> u32 {
    // SAFETY: forwarded (a bool is one byte, 0 or 1, as the kernel sends).
    unsafe { typed::<1>(h, name, T_BOOL, v.cast()) }
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsU32(
    h: *mut c_void,
    name: *const c_char,
    v: *mut u32,
) -> u32 {
    // SAFETY: forwarded.
    unsafe { typed::<4>(h, name, T_U32, v.cast()) }
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsU64(
    h: *mut c_void,
    name: *const c_char,
    v: *mut u64,
) -> u32 {
    // SAFETY: forwarded.
    unsafe { typed::<8>(h, name, T_U64, v.cast()) }
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsUUID(
    h: *mut c_void,
    name: *const c_char,
    v: *mut c_void,
) -> u32 {
    // SAFETY: forwarded.
    unsafe { typed::<16>(h, name, T_UUID, v) }
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsIdentity(
    h: *mut c_void,
    name: *const c_char,
    v: *mut c_void,
) -> u32 {
    // SAFETY: forwarded.
    unsafe { typed::<20>(h, name, T_IDENTITY, v) }
}

/// # Safety
/// `e` is the TA's writable handle slot.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocatePropertyEnumerator(e: *mut *mut c_void) -> u32 {
    if e.is_null() {
        sys::panic(BAD_PARAMETERS);
    }
    let mut all = ENUMS.0.borrow_mut();
    let handle = match all.iter().position(Option::is_none) {
        Some(i) => {
            all[i] = Some(None);
            (ENUM_BASE + i) as *mut c_void
        }
        None => core::ptr::null_mut(),
    };
    drop(all);
    // SAFETY: the caller's contract.
    unsafe { e.write(handle) };
    if handle.is_null() { OUT_OF_MEMORY } else { 0 }
}

fn slot(e: *mut c_void) -> usize {
    match target(e) {
        Target::Enum(i) => i,
        Target::Set(_) => sys::panic(BAD_PARAMETERS),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreePropertyEnumerator(e: *mut c_void) {
    if !e.is_null() {
        let i = slot(e);
        ENUMS.0.borrow_mut()[i] = None;
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_StartPropertyEnumerator(e: *mut c_void, set: *mut c_void) {
    let i = slot(e);
    let Target::Set(set) = target(set) else {
        sys::panic(BAD_PARAMETERS)
    };
    ENUMS.0.borrow_mut()[i] = Some(Some((set, 0)));
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetPropertyEnumerator(e: *mut c_void) {
    let i = slot(e);
    ENUMS.0.borrow_mut()[i] = Some(None);
}

/// # Safety
/// GP's contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyName(
    e: *mut c_void,
    buf: *mut c_void,
    len: *mut usize,
) -> u32 {
    let Some(Some(at)) = ENUMS.0.borrow()[slot(e)] else {
        return ITEM_NOT_FOUND;
    };
    // SAFETY: forwarded.
    let mut n = unsafe { cap(len) };
    let mut kind = 0;
    let r = sys::get_property(at.0, at.1, Some((buf.cast(), &mut n)), None, &mut kind);
    if r == 0 || r == SHORT_BUFFER {
        // SAFETY: checked non-NULL by `cap`.
        unsafe { *len = n as usize };
    }
    r
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetNextProperty(e: *mut c_void) -> u32 {
    let i = slot(e);
    let Some(Some((set, index))) = ENUMS.0.borrow()[i] else {
        return ITEM_NOT_FOUND;
    };
    let next = index.saturating_add(1);
    ENUMS.0.borrow_mut()[i] = Some(Some((set, next)));
    let mut kind = 0;
    match sys::get_property(set, next, None, None, &mut kind) {
        0 => 0,
        _ => ITEM_NOT_FOUND,
    }
}
