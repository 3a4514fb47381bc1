//! Buffers in the TA's heap. On this tier the heap is the TA's only
//! memory for data: Rust's allocations (`Vec`, `Box`) and `TEE_Malloc`
//! share its `TA_DATA_SIZE` bytes.

use core::ffi::c_void;
use core::ptr::NonNull;

/// A zero-filled buffer from the TA's heap (`TEE_Malloc`), freed on drop.
pub struct HeapBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl HeapBuf {
    /// None when the heap has no room for `len` bytes.
    pub fn try_new(len: usize) -> Option<HeapBuf> {
        if len == 0 {
            return Some(HeapBuf {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        NonNull::new(crate::heap::TEE_Malloc(len, 0).cast()).map(|ptr| HeapBuf { ptr, len })
    }
}

impl core::ops::Deref for HeapBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is a live, zero-filled heap block owned
        // by this HeapBuf alone (or empty with a dangling, aligned
        // pointer); only `drop` gives it back.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl core::ops::DerefMut for HeapBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for HeapBuf {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: the block came from TEE_Malloc and is this
            // HeapBuf's own; no reference to it outlives `self`.
            unsafe { crate::heap::TEE_Free(self.ptr.as_ptr().cast::<c_void>()) };
        }
    }
}

impl core::fmt::Debug for HeapBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HeapBuf").field("len", &self.len).finish()
    }
}

/// Bytes of the heap in use and its size.
pub fn usage() -> (usize, usize) {
    crate::heap::usage()
}
