//! GP TEE Internal Core API, memory management (GP 1.3.1 §7.2 and
//! §7.1.1): `TEE_CheckMemoryAccessRights`, instance data, `TEE_Malloc`
//! and friends, `TEE_MemMove` / `TEE_MemCompare` / `TEE_MemFill`.
//!
//! The heap is the runtime's arena of `gpd.ta.dataSize` bytes
//! (`oxtee_ta_runtime::heap`): beyond it `TEE_Malloc` and `TEE_Realloc`
//! return NULL and the TA carries on. libc's `malloc` is a separate heap;
//! a pointer from it (or any pointer not returned by `TEE_Malloc` /
//! `TEE_Realloc`, or one already freed) given to `TEE_Free` or
//! `TEE_Realloc` panics the TA (GP: undefined; OP-TEE panics too).

use oxtee_ta_runtime::heap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, Ordering};

const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;

const TEE_MALLOC_FILL_ZERO: u32 = 0;
const TEE_MALLOC_NO_FILL: u32 = 1;
const TEE_MALLOC_NO_SHARE: u32 = 2;
/// OP-TEE's older name for "no fill" (`TEE_USER_MEM_HINT_NO_FILL_ZERO`),
/// in GP's implementation-defined hint range.
const OPTEE_HINT_NO_FILL_ZERO: u32 = 0x8000_0000;

/// What a zero-sized allocation returns: not NULL, never mapped (page 0),
/// so any access faults. The same value as OP-TEE's.
const ZERO_SIZED: *mut c_void = std::ptr::without_provenance_mut(1);

/// TEE_CheckMemoryAccessRights: `TEE_SUCCESS` when the TA may access the
/// whole range as asked, `TEE_ERROR_ACCESS_DENIED` otherwise. The buffer
/// is never touched. See `oxtee_ta_runtime::heap::check_access` for what
/// is known (heap blocks, the image, the stack, the current call's
/// memrefs) and the OP-TEE conventions followed (an empty range is
/// accepted; unknown flag bits are ignored).
#[unsafe(no_mangle)]
pub extern "C" fn TEE_CheckMemoryAccessRights(
    access_flags: u32,
    buffer: *mut c_void,
    size: usize,
) -> u32 {
    if heap::check_access(access_flags, buffer as usize, size) {
        0
    } else {
        TEE_ERROR_ACCESS_DENIED
    }
}

/// The TA instance's data pointer (one instance per process).
static INSTANCE_DATA: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());

/// TEE_SetInstanceData: any value; the framework never interprets it.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_SetInstanceData(instance_data: *const c_void) {
    INSTANCE_DATA.store(instance_data.cast_mut(), Ordering::Relaxed)
}

/// TEE_GetInstanceData: what was last set, NULL if nothing was.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_GetInstanceData() -> *const c_void {
    INSTANCE_DATA.load(Ordering::Relaxed)
}

/// TEE_Malloc. Hints as OP-TEE takes them: `TEE_MALLOC_FILL_ZERO` and
/// `TEE_MALLOC_NO_SHARE` zero-fill; `TEE_MALLOC_NO_FILL |
/// TEE_MALLOC_NO_SHARE` and OP-TEE's `0x80000000` do not. GP 1.3.1 wants
/// `TEE_MALLOC_NO_FILL` only together with `TEE_MALLOC_NO_SHARE` (OP-TEE
/// panics on it alone); every oxtee heap is private to its instance, so
/// oxtee treats it as `NO_FILL | NO_SHARE`. Any other hint value is
/// reported and answered with NULL (OP-TEE's behaviour).
///
/// `size` 0 returns a non-NULL pointer that must not be dereferenced
/// (any access faults, so the TA dies); it can be given to `TEE_Free` and
/// `TEE_Realloc`.
#[unsafe(no_mangle)]
pub extern "C" fn TEE_Malloc(size: usize, hint: u32) -> *mut c_void {
    let zero = match hint {
        TEE_MALLOC_FILL_ZERO | TEE_MALLOC_NO_SHARE => true,
        TEE_MALLOC_NO_FILL | OPTEE_HINT_NO_FILL_ZERO => false,
        h if h == TEE_MALLOC_NO_FILL | TEE_MALLOC_NO_SHARE => false,
        _ => {
            oxtee_ta_runtime::trace(1, "TEE_Malloc", 0, &format!("invalid hint {hint:#x}"));
            return std::ptr::null_mut();
        }
    };
    if size == 0 {
        return ZERO_SIZED;
    }
    heap::malloc(size, zero).cast()
}

/// TEE_Realloc. `buffer` NULL (or a zero-sized pointer): a new zero-filled
/// block, as `TEE_Malloc(new_size, TEE_MALLOC_FILL_ZERO)`. `new_size` 0:
/// the block is freed and a zero-sized pointer returned (OP-TEE). The
/// block keeps its hint: bytes added to a zero-filled block are zero. On
/// failure, NULL, and `buffer` stays valid and unchanged.
///
/// # Safety
/// `buffer` is NULL, a zero-sized pointer, or a live block of the heap;
/// if the block moves, the TA does not use `buffer` afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Realloc(buffer: *mut c_void, new_size: usize) -> *mut c_void {
    if new_size == 0 {
        // SAFETY: forwarded from the caller.
        unsafe { TEE_Free(buffer) };
        return ZERO_SIZED;
    }
    if buffer.is_null() || buffer == ZERO_SIZED {
        return heap::malloc(new_size, true).cast();
    }
    // SAFETY: forwarded from the caller.
    match unsafe { heap::realloc(buffer.cast(), new_size) } {
        Ok(p) => p.cast(),
        Err(heap::NotABlock) => bad_pointer("TEE_Realloc", buffer),
    }
}

/// TEE_Free. NULL and zero-sized pointers are ignored.
///
/// # Safety
/// `buffer` is NULL, a zero-sized pointer, or a live block of the heap
/// that the TA does not use afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Free(buffer: *mut c_void) {
    if buffer.is_null() || buffer == ZERO_SIZED {
        return;
    }
    // SAFETY: forwarded from the caller.
    if unsafe { heap::free(buffer.cast()) }.is_err() {
        bad_pointer("TEE_Free", buffer)
    }
}

fn bad_pointer(func: &str, p: *mut c_void) -> ! {
    let msg = format!("{p:p} is not a block from TEE_Malloc/TEE_Realloc");
    oxtee_ta_runtime::trace(1, func, 0, &msg);
    oxtee_ta_runtime::panic_ta(TEE_ERROR_BAD_PARAMETERS)
}

/// TEE_MemMove: copy `size` bytes; the ranges may overlap.
///
/// # Safety
/// Both ranges are valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemMove(dest: *mut c_void, src: *const c_void, size: usize) {
    if size != 0 {
        // SAFETY: guaranteed by the caller; `copy` is memmove.
        unsafe { std::ptr::copy(src as *const u8, dest as *mut u8, size) }
    }
}

/// TEE_MemCompare: 0 when equal, otherwise -1 or 1 by the first differing
/// byte (as unsigned). Runs in time independent of where the buffers
/// differ (as OP-TEE's), so TAs may compare MACs with it.
///
/// # Safety
/// Both ranges are valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemCompare(b1: *const c_void, b2: *const c_void, size: usize) -> i32 {
    let (a, b) = (b1 as *const u8, b2 as *const u8);
    let mut first: i32 = 0;
    for i in 0..size {
        // SAFETY: `i < size`, both ranges valid (caller). Volatile: the
        // bytes may be shared with the client, and the loop must not be
        // turned into an early-exit comparison.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        let d = i32::from(x) - i32::from(y);
        // Keep the first non-zero difference, without branching on data.
        let unset = -i32::from(first == 0);
        first |= d & unset;
    }
    first.signum()
}

/// TEE_MemFill: every byte = `x` truncated to 8 bits.
///
/// # Safety
/// `buff` is valid for `size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_MemFill(buff: *mut c_void, x: u32, size: usize) {
    if size != 0 {
        // SAFETY: guaranteed by the caller.
        unsafe { std::ptr::write_bytes(buff as *mut u8, x as u8, size) }
    }
}
