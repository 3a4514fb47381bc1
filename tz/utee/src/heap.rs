//! The TA's heap: `TA_DATA_SIZE` bytes of its own `.bss` (`ta_heap`,
//! defined by the devkit's `user_ta_header.c`), managed by
//! `linked_list_allocator`. `TEE_Malloc`, C's `malloc` family and the
//! runtime's own Rust allocations share it.
//!
//! A block from `TEE_Malloc`/`malloc` carries a 16-byte header in front
//! (its size, and a tag that ties the header to its address): `TEE_Free`
//! of something that is not a live block panics the TA (GP), where C's
//! `free` would corrupt the heap.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, RefCell};
use core::ffi::c_void;
use core::ptr::{NonNull, null_mut};

use linked_list_allocator::Heap;

use crate::Global;

unsafe extern "C" {
    /// The heap's bytes and their number (devkit's `user_ta_header.c`).
    static mut ta_heap: [u8; 0];
    static ta_heap_size: usize;
}

static HEAP: Global<RefCell<Option<Heap>>> = Global(RefCell::new(None));
/// The bytes of `TEE_Malloc` blocks in use: at most gpd.ta.dataSize (the
/// host tier's bound; the heap itself is larger by the devkit's slack for
/// the headers and the allocator).
static IN_USE: Global<Cell<usize>> = Global(Cell::new(0));

/// Run `f` on the heap (set up at first use).
fn with_heap<R>(f: impl FnOnce(&mut Heap) -> R) -> R {
    let mut h = HEAP.0.borrow_mut();
    let heap = h.get_or_insert_with(|| {
        // SAFETY: `ta_heap` is `ta_heap_size` bytes of this TA's .bss,
        // used by nothing but this heap, for the life of the instance.
        unsafe {
            let start = (&raw mut ta_heap).cast::<u8>();
            let size = core::ptr::addr_of!(ta_heap_size).read();
            Heap::new(start, size)
        }
    });
    f(heap)
}

const HEADER: usize = 16;
const ALIGN: usize = 16;
/// Mixed into a block's tag with its address.
const TAG: usize = 0x6f78_7465_655f_6870;

/// What `TEE_Malloc(0)` returns: not NULL, never a block, faults if used.
const ZERO_SIZED: *mut c_void = core::ptr::without_provenance_mut(1);

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, ALIGN).ok()
}

/// A block of `size` bytes (zeroed if `zero`), or NULL.
fn alloc(size: usize, zero: bool) -> *mut u8 {
    let Some(l) = layout(size) else {
        return null_mut();
    };
    let in_use = IN_USE.0.get();
    if in_use
        .checked_add(size)
        .is_none_or(|n| n > crate::data_size())
    {
        return null_mut();
    }
    let Ok(p) = with_heap(|h| h.allocate_first_fit(l)) else {
        return null_mut();
    };
    IN_USE.0.set(in_use + size);
    let p = p.as_ptr();
    // SAFETY: `p` is a fresh allocation of HEADER + size bytes, 16-aligned.
    unsafe {
        let user = p.add(HEADER);
        p.cast::<usize>().write(size);
        p.cast::<usize>().add(1).write(TAG ^ user as usize);
        if zero {
            user.write_bytes(0, size);
        }
        user
    }
}

/// The size of the live block at `user`, or `None`.
///
/// # Safety
/// `user` is NULL or a pointer the TA got from this heap (a wild pointer
/// may fault, which ends the TA; it is never taken for a block unless its
/// header's tag matches).
unsafe fn block_size(user: *mut u8) -> Option<usize> {
    if (user as usize) < HEADER || !(user as usize).is_multiple_of(ALIGN) {
        return None;
    }
    // SAFETY: see the function's contract.
    let (size, tag) = unsafe {
        let h = user.sub(HEADER).cast::<usize>();
        (h.read(), h.add(1).read())
    };
    (tag == TAG ^ user as usize).then_some(size)
}

/// For a range that touches the heap: whether it lies inside one live
/// block (`None` for a range outside the heap). As OP-TEE's libutee,
/// `TEE_CheckMemoryAccessRights` grants heap memory only inside a block;
/// the block is the nearest header at or before `start` whose tag matches
/// (freed blocks' tags are cleared). (A Rust TA's own allocations have no
/// header: they are refused there, and the SDK never asks.)
pub(crate) fn within_block(start: usize, end: usize) -> Option<bool> {
    // SAFETY: the devkit's two symbols, read as addresses and a constant.
    let (base, size) = unsafe {
        (
            (&raw const ta_heap).cast::<u8>() as usize,
            core::ptr::addr_of!(ta_heap_size).read(),
        )
    };
    if end <= base || start >= base + size {
        return None;
    }
    let mut user = start - start % ALIGN;
    while user >= base + HEADER {
        // SAFETY: `user - HEADER` lies in the heap, mapped for the life
        // of the instance; only a matching tag makes it a block.
        if let Some(len) = unsafe { block_size(user as *mut u8) } {
            return Some(start >= user && end <= user + len);
        }
        user -= ALIGN;
    }
    Some(false)
}

/// Free a block; `Err` if `user` is not one.
///
/// # Safety
/// As [`block_size`].
unsafe fn release(user: *mut u8) -> Result<(), ()> {
    // SAFETY: forwarded.
    let size = unsafe { block_size(user) }.ok_or(())?;
    let l = layout(size).ok_or(())?;
    // SAFETY: the block is live (its tag matched); the tag is cleared so a
    // second free is caught.
    unsafe {
        let p = user.sub(HEADER);
        p.cast::<usize>().add(1).write(0);
        with_heap(|h| h.deallocate(NonNull::new_unchecked(p), l));
    }
    IN_USE.0.set(IN_USE.0.get().saturating_sub(size));
    Ok(())
}

/// Grow or shrink a block: a new one with the old bytes (the rest zeroed
/// if `zero`), the old one freed; `Err` if `user` is not a block, NULL
/// (the old block kept) if there is no room.
///
/// # Safety
/// As [`block_size`].
unsafe fn resize(user: *mut u8, size: usize, zero: bool) -> Result<*mut u8, ()> {
    // SAFETY: forwarded.
    let old = unsafe { block_size(user) }.ok_or(())?;
    let new = alloc(size, false);
    if new.is_null() {
        return Ok(null_mut());
    }
    let keep = old.min(size);
    // SAFETY: both blocks are live and at least `keep` bytes long.
    unsafe {
        new.copy_from_nonoverlapping(user, keep);
        if zero && size > keep {
            new.add(keep).write_bytes(0, size - keep);
        }
        release(user)?;
    }
    Ok(new)
}

fn bad_block() -> ! {
    crate::sys::log(b"E: TEE_Free/TEE_Realloc of something that is not a heap block");
    crate::sys::panic(crate::BAD_PARAMETERS)
}

const TEE_MALLOC_FILL_ZERO: u32 = 0;
const TEE_MALLOC_NO_FILL: u32 = 1;
const TEE_MALLOC_NO_SHARE: u32 = 2;
const OLD_NO_FILL: u32 = 0x8000_0000;

#[unsafe(no_mangle)]
pub extern "C" fn TEE_Malloc(size: usize, hint: u32) -> *mut c_void {
    // OP-TEE's old TEE_USER_MEM_HINT_NO_FILL_ZERO is NO_FILL.
    let hint = if hint == OLD_NO_FILL {
        TEE_MALLOC_NO_FILL
    } else {
        hint
    };
    if hint & !(TEE_MALLOC_NO_FILL | TEE_MALLOC_NO_SHARE) != TEE_MALLOC_FILL_ZERO {
        // OP-TEE's kernel-compatible hints only; anything else is refused.
        return null_mut();
    }
    if size == 0 {
        return ZERO_SIZED;
    }
    alloc(size, hint & TEE_MALLOC_NO_FILL == 0).cast()
}

/// # Safety
/// `buffer` is NULL, `TEE_Malloc(0)`'s pointer or a live block.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Realloc(buffer: *mut c_void, size: usize) -> *mut c_void {
    if buffer.is_null() || buffer == ZERO_SIZED {
        return TEE_Malloc(size, TEE_MALLOC_FILL_ZERO);
    }
    if size == 0 {
        // SAFETY: forwarded.
        unsafe { TEE_Free(buffer) };
        return ZERO_SIZED;
    }
    // SAFETY: forwarded.
    match unsafe { resize(buffer.cast(), size, true) } {
        Ok(p) => p.cast(),
        Err(()) => bad_block(),
    }
}

/// # Safety
/// `buffer` is NULL, `TEE_Malloc(0)`'s pointer or a live block.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_Free(buffer: *mut c_void) {
    if buffer.is_null() || buffer == ZERO_SIZED {
        return;
    }
    // SAFETY: forwarded.
    if unsafe { release(buffer.cast()) }.is_err() {
        bad_block()
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn malloc(size: usize) -> *mut c_void {
    alloc(size, false).cast()
}

#[unsafe(no_mangle)]
pub extern "C" fn calloc(n: usize, size: usize) -> *mut c_void {
    match n.checked_mul(size) {
        Some(total) => alloc(total, true).cast(),
        None => null_mut(),
    }
}

/// # Safety
/// C's `realloc` contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
    if p.is_null() {
        return malloc(size);
    }
    // SAFETY: forwarded.
    match unsafe { resize(p.cast(), size, false) } {
        Ok(q) => q.cast(),
        Err(()) => bad_block(),
    }
}

/// # Safety
/// C's `free` contract.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn free(p: *mut c_void) {
    // SAFETY: forwarded.
    if !p.is_null() && unsafe { release(p.cast()) }.is_err() {
        bad_block()
    }
}

/// Bytes of `TEE_Malloc` blocks in use and their bound (gpd.ta.dataSize),
/// as the host tier counts them.
#[cfg(feature = "sdk")]
pub(crate) fn usage() -> (usize, usize) {
    (IN_USE.0.get(), crate::data_size())
}

/// The runtime's own allocations (its session table), and a Rust TA's.
struct RuntimeAlloc;

// SAFETY: blocks come from the heap with the layout asked for and go
// back with the same one.
unsafe impl GlobalAlloc for RuntimeAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        with_heap(|h| h.allocate_first_fit(l)).map_or(null_mut(), |p| p.as_ptr())
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` came from `alloc` above with `l`.
        with_heap(|h| unsafe { h.deallocate(NonNull::new_unchecked(p), l) })
    }
}

#[global_allocator]
static RUNTIME: RuntimeAlloc = RuntimeAlloc;
