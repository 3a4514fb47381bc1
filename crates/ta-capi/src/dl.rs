//! `dlopen`, `dlsym`, `dlclose`, `dlerror` for C TAs, as OP-TEE's libdl
//! offers them: library TAs by UUID (`dlopen("b3091a65-...", flags)`),
//! mapped at start by the runtime (`oxtee_ta_runtime::shlib`).

use std::ffi::{CStr, c_char, c_int, c_void};

/// Library handles are `HANDLE_TAG | index`: 32 bits, never NULL.
const HANDLE_TAG: usize = 0x6c00_0000;

/// # Safety
/// `file` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dlopen(file: *const c_char, _mode: c_int) -> *mut c_void {
    if file.is_null() {
        // dlopen(NULL): the TA itself (its exported symbols).
        return HANDLE_TAG as *mut c_void;
    }
    // SAFETY: caller's contract.
    let name = unsafe { CStr::from_ptr(file) }.to_string_lossy();
    match oxtee_ta_runtime::shlib::open(&name) {
        Some(i) => (HANDLE_TAG | i) as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

fn index(handle: *mut c_void) -> Option<usize> {
    let h = handle as usize;
    (h & !0x00FF_FFFF == HANDLE_TAG).then_some(h & 0x00FF_FFFF)
}

/// # Safety
/// `name` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn dlsym(handle: *mut c_void, name: *const c_char) -> *mut c_void {
    if name.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: caller's contract.
    let name = unsafe { CStr::from_ptr(name) };
    // RTLD_DEFAULT (NULL) and dlopen(NULL) search everything.
    let i = if handle.is_null() {
        Some(0)
    } else {
        index(handle).filter(|&i| i == 0 || oxtee_ta_runtime::shlib::is_handle(i))
    };
    match i.and_then(|i| oxtee_ta_runtime::shlib::symbol(i, name)) {
        Some(a) => a as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

/// Library TAs stay loaded (OP-TEE's RTLD_NODELETE behaviour): 0 for a
/// handle dlopen returned, else -1.
#[unsafe(no_mangle)]
pub extern "C" fn dlclose(handle: *mut c_void) -> c_int {
    match index(handle) {
        Some(i) if i == 0 || oxtee_ta_runtime::shlib::is_handle(i) => 0,
        _ => -1,
    }
}

thread_local! {
    static LAST: std::cell::RefCell<Option<std::ffi::CString>> =
        const { std::cell::RefCell::new(None) };
}

/// The last error of dlopen/dlsym (then NULL until the next one).
#[unsafe(no_mangle)]
pub extern "C" fn dlerror() -> *mut c_char {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        *l = oxtee_ta_runtime::shlib::take_error();
        l.as_ref()
            .map_or(std::ptr::null_mut(), |c| c.as_ptr() as *mut c_char)
    })
}
