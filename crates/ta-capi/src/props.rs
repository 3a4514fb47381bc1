//! The GP property API (TEE_GetPropertyAs*, property enumerators) for C
//! TAs, over the runtime's property sets.
//!
//! Handles: the three pseudo-handles TEE_PROPSET_TEE_IMPLEMENTATION
//! (0xFFFFFFFD), TEE_PROPSET_CURRENT_CLIENT (0xFFFFFFFE) and
//! TEE_PROPSET_CURRENT_TA (0xFFFFFFFF), or an enumerator. Anything else,
//! and every NULL pointer GP forbids, panics the TA (GP: "panic reasons").

use oxtee_proto::{Identity, PropValue, Property, Uuid};
use oxtee_ta_runtime::panic_ta;
use oxtee_ta_runtime::props::{self as rp, PropSet};
use std::ffi::{CStr, c_char, c_void};

const TEE_SUCCESS: u32 = 0;
const TEE_ERROR_BAD_FORMAT: u32 = 0xFFFF_0005;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;

/// Enumerator handles are small integers offset into a range no pointer
/// pseudo-handle uses.
const ENUM_BASE: usize = 0x7e00_0000;

/// `TEE_UUID`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TeeUuid {
    time_low: u32,
    time_mid: u16,
    time_hi: u16,
    seq: [u8; 8],
}

impl From<Uuid> for TeeUuid {
    fn from(u: Uuid) -> TeeUuid {
        let (time_low, time_mid, time_hi, seq) = u.fields();
        TeeUuid {
            time_low,
            time_mid,
            time_hi,
            seq,
        }
    }
}

impl From<TeeUuid> for Uuid {
    fn from(t: TeeUuid) -> Uuid {
        Uuid::from_fields(t.time_low, t.time_mid, t.time_hi, t.seq)
    }
}

/// `TEE_Identity`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct TeeIdentity {
    login: u32,
    uuid: TeeUuid,
}

/// `struct user_ta_property` of the devkit's user_ta_header.h.
#[repr(C)]
struct UserTaProperty {
    name: *const c_char,
    kind: u32,
    value: *const c_void,
}

unsafe extern "C" {
    /// TA_CURRENT_TA_EXT_PROPERTIES, from the devkit's user_ta_header.c.
    static ta_props: [UserTaProperty; 0];
    static ta_num_props: usize;
}

/// Read the TA's extra properties compiled into its image.
pub(crate) fn load_ext_props() {
    // SAFETY: the devkit defines both symbols (an array of `ta_num_props`
    // elements); they are immutable data of this image.
    let (base, n) = unsafe {
        (
            std::ptr::addr_of!(ta_props) as *const UserTaProperty,
            ta_num_props,
        )
    };
    let mut out = Vec::new();
    for i in 0..n.min(1024) {
        // SAFETY: `i < ta_num_props`, inside the array.
        let p = unsafe { &*base.add(i) };
        if p.name.is_null() || p.value.is_null() {
            continue;
        }
        // SAFETY: the devkit's property table holds NUL-terminated names
        // and values of the declared type (C initialisers written by the TA
        // author, compiled into this image).
        let (name, value) = unsafe {
            let name = CStr::from_ptr(p.name).to_string_lossy().into_owned();
            let v = match p.kind {
                0 => Some(PropValue::Bool(*(p.value as *const bool))),
                1 => Some(PropValue::U32(*(p.value as *const u32))),
                2 => Some(PropValue::Uuid((*(p.value as *const TeeUuid)).into())),
                3 => {
                    let id = *(p.value as *const TeeIdentity);
                    Some(PropValue::Identity(Identity {
                        login: id.login,
                        uuid: id.uuid.into(),
                    }))
                }
                4 => Some(PropValue::String(
                    CStr::from_ptr(p.value as *const c_char)
                        .to_string_lossy()
                        .into_owned(),
                )),
                // Base64 text, decoded as OP-TEE decodes it.
                5 => Some(PropValue::Binary(oxtee_proto::unbase64_lenient(
                    &CStr::from_ptr(p.value as *const c_char).to_string_lossy(),
                ))),
                6 => Some(PropValue::U64(*(p.value as *const u64))),
                _ => None,
            };
            (name, v)
        };
        match value {
            Some(value) => out.push(Property { name, value }),
            None => {
                oxtee_ta_runtime::trace(1, "", 0, &format!("ignoring malformed TA property {name}"))
            }
        }
    }
    rp::add_extra(out);
}

enum Target {
    Set(PropSet),
    Enum(u32),
}

fn target(h: *mut c_void) -> Target {
    match h as usize {
        0xFFFF_FFFD => Target::Set(PropSet::Implementation),
        0xFFFF_FFFE => Target::Set(PropSet::CurrentClient),
        0xFFFF_FFFF => Target::Set(PropSet::CurrentTa),
        n if n > ENUM_BASE
            && n - ENUM_BASE <= u32::MAX as usize
            && rp::enum_exists((n - ENUM_BASE) as u32) =>
        {
            Target::Enum((n - ENUM_BASE) as u32)
        }
        _ => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}

/// The property a getter names: by name in a set, or the enumerator's
/// current one (the name is then ignored, as GP says).
///
/// # Safety
/// `name` is NULL or a NUL-terminated string.
unsafe fn lookup(h: *mut c_void, name: *const c_char) -> Result<PropValue, u32> {
    match target(h) {
        Target::Set(set) => {
            if name.is_null() {
                panic_ta(TEE_ERROR_BAD_PARAMETERS);
            }
            // SAFETY: guaranteed by the caller.
            let name = unsafe { CStr::from_ptr(name) };
            rp::find(set, name.to_bytes()).ok_or(TEE_ERROR_ITEM_NOT_FOUND)
        }
        Target::Enum(id) => match rp::enum_current(id) {
            Ok(Some(p)) => Ok(p.value),
            Ok(None) => Err(TEE_ERROR_ITEM_NOT_FOUND),
            Err(()) => panic_ta(TEE_ERROR_BAD_PARAMETERS),
        },
    }
}

/// Copy `bytes` into a caller buffer of `*len` bytes, GP style.
///
/// # Safety
/// `buf` is valid for `*len` bytes (or NULL with `*len` 0); `len` is valid.
unsafe fn copy_out(bytes: &[u8], buf: *mut c_void, len: *mut usize) -> u32 {
    if len.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    // SAFETY: guaranteed by the caller.
    let cap = unsafe { *len };
    // SAFETY: as above.
    unsafe { *len = bytes.len() };
    if cap < bytes.len() {
        return TEE_ERROR_SHORT_BUFFER;
    }
    if !bytes.is_empty() {
        if buf.is_null() {
            panic_ta(TEE_ERROR_BAD_PARAMETERS);
        }
        // SAFETY: `buf` holds at least `cap >= bytes.len()` bytes.
        unsafe { oxtee_ta_runtime::volatile_copy(bytes.as_ptr(), buf as *mut u8, bytes.len()) };
    }
    TEE_SUCCESS
}

fn nul_terminated(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

/// # Safety
/// GP contract: `name` NUL-terminated (unless an enumerator is given),
/// `value_buffer` valid for `*value_buffer_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsString(
    h: *mut c_void,
    name: *const c_char,
    value_buffer: *mut c_char,
    value_buffer_len: *mut usize,
) -> u32 {
    // SAFETY: forwarded caller contract.
    match unsafe { lookup(h, name) } {
        // SAFETY: forwarded caller contract.
        Ok(v) => unsafe {
            copy_out(
                &nul_terminated(&v.to_text()),
                value_buffer.cast(),
                value_buffer_len,
            )
        },
        Err(e) => e,
    }
}

macro_rules! typed_getter {
    ($fname:ident, $ty:ty, $pat:pat => $val:expr) => {
        /// # Safety
        /// GP contract: `name` NUL-terminated (unless an enumerator is
        /// given), `value` valid for writing.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $fname(
            h: *mut c_void,
            name: *const c_char,
            value: *mut $ty,
        ) -> u32 {
            if value.is_null() {
                panic_ta(TEE_ERROR_BAD_PARAMETERS);
            }
            // SAFETY: forwarded caller contract.
            match unsafe { lookup(h, name) } {
                Ok($pat) => {
                    // SAFETY: `value` is non-NULL and writable (caller's contract).
                    unsafe { value.write($val) };
                    TEE_SUCCESS
                }
                Ok(_) => TEE_ERROR_BAD_FORMAT,
                Err(e) => e,
            }
        }
    };
}

typed_getter!(TEE_GetPropertyAsBool, bool, PropValue::Bool(b) => b);
typed_getter!(TEE_GetPropertyAsU32, u32, PropValue::U32(n) => n);
typed_getter!(TEE_GetPropertyAsU64, u64, PropValue::U64(n) => n);
typed_getter!(TEE_GetPropertyAsUUID, TeeUuid, PropValue::Uuid(u) => u.into());
typed_getter!(TEE_GetPropertyAsIdentity, TeeIdentity, PropValue::Identity(i) => TeeIdentity { login: i.login, uuid: i.uuid.into() });

/// # Safety
/// GP contract, as for TEE_GetPropertyAsString.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyAsBinaryBlock(
    h: *mut c_void,
    name: *const c_char,
    value_buffer: *mut c_void,
    value_buffer_len: *mut usize,
) -> u32 {
    // SAFETY: forwarded caller contract.
    match unsafe { lookup(h, name) } {
        // SAFETY: forwarded caller contract.
        Ok(PropValue::Binary(b)) => unsafe { copy_out(&b, value_buffer, value_buffer_len) },
        Ok(_) => TEE_ERROR_BAD_FORMAT,
        Err(e) => e,
    }
}

/// # Safety
/// `enumerator` is valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_AllocatePropertyEnumerator(enumerator: *mut *mut c_void) -> u32 {
    if enumerator.is_null() {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
    match rp::enum_alloc() {
        Some(id) => {
            // SAFETY: non-NULL and writable (caller's contract).
            unsafe { enumerator.write((ENUM_BASE + id as usize) as *mut c_void) };
            TEE_SUCCESS
        }
        None => {
            // SAFETY: as above.
            unsafe { enumerator.write(std::ptr::null_mut()) };
            TEE_ERROR_OUT_OF_MEMORY
        }
    }
}

fn enum_id(h: *mut c_void) -> u32 {
    match target(h) {
        Target::Enum(id) => id,
        Target::Set(_) => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_FreePropertyEnumerator(enumerator: *mut c_void) {
    if enumerator.is_null() {
        return;
    }
    if !rp::enum_free(enum_id(enumerator)) {
        panic_ta(TEE_ERROR_BAD_PARAMETERS);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_StartPropertyEnumerator(enumerator: *mut c_void, prop_set: *mut c_void) {
    let id = enum_id(enumerator);
    let set = match target(prop_set) {
        Target::Set(s) => s,
        Target::Enum(_) => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    };
    rp::enum_start(id, set);
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_ResetPropertyEnumerator(enumerator: *mut c_void) {
    rp::enum_reset(enum_id(enumerator));
}

/// # Safety
/// `name_buffer` valid for `*name_buffer_len` bytes; `name_buffer_len` valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_GetPropertyName(
    enumerator: *mut c_void,
    name_buffer: *mut c_void,
    name_buffer_len: *mut usize,
) -> u32 {
    match rp::enum_current(enum_id(enumerator)) {
        // SAFETY: forwarded caller contract.
        Ok(Some(p)) => unsafe { copy_out(&nul_terminated(&p.name), name_buffer, name_buffer_len) },
        Ok(None) => TEE_ERROR_ITEM_NOT_FOUND,
        Err(()) => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetNextProperty(enumerator: *mut c_void) -> u32 {
    match rp::enum_next(enum_id(enumerator)) {
        Ok(true) => TEE_SUCCESS,
        Ok(false) => TEE_ERROR_ITEM_NOT_FOUND,
        Err(()) => panic_ta(TEE_ERROR_BAD_PARAMETERS),
    }
}
