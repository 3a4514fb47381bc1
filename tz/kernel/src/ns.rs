//! Normal-world memory, seen from the secure kernel: mapped non-secure
//! (an access can never reach secure memory through it), never
//! executable, and only ever copied from or to (nothing the normal world
//! holds is read twice or trusted).

use oxtee_tz_abi::kernel::{BadAddress, NormalWorld};
use oxtee_tz_abi::optee::ns_range_ok;

/// Normal-world RAM the kernel maps: QEMU virt's RAM at 1 GiB, the first
/// GiB of it (the scripts start the machine with `-m 1024`).
pub const RAM_START: u64 = 0x4000_0000;
/// End of that RAM.
pub const RAM_END: u64 = 0x8000_0000;

/// Normal-world RAM through the kernel's non-secure mapping.
pub struct NsMemory;

impl NormalWorld for NsMemory {
    fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress> {
        if !ns_range_ok(pa, out.len() as u64, RAM_START, RAM_END) {
            return Err(BadAddress);
        }
        // SAFETY: the range lies in normal-world RAM, identity mapped by
        // `mmu` as non-secure Normal memory (the normal world may change it
        // concurrently, which only changes the bytes copied: every access
        // is volatile); `out` is ours.
        unsafe { copy_volatile(out.as_mut_ptr(), pa as *const u8, out.len(), Side::Source) };
        Ok(())
    }

    fn check(&self, pa: u64, len: u64) -> Result<(), BadAddress> {
        if ns_range_ok(pa, len, RAM_START, RAM_END) {
            Ok(())
        } else {
            Err(BadAddress)
        }
    }

    fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress> {
        if !ns_range_ok(pa, data.len() as u64, RAM_START, RAM_END) {
            return Err(BadAddress);
        }
        // SAFETY: as in `read`: normal-world RAM, mapped non-secure, and
        // `data` is ours.
        unsafe { copy_volatile(pa as *mut u8, data.as_ptr(), data.len(), Side::Destination) };
        Ok(())
    }
}

/// Which end of a copy is the normal world's memory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

/// Copy `len` bytes from `src` to `dst`, the normal world's end (`ns`)
/// accessed with volatile loads or stores only: eight bytes at a time
/// where both ends are 8-byte aligned alike (each access under QEMU's TCG
/// costs as much whatever its size), a byte at a time otherwise.
///
/// # Safety
///
/// Both ranges are valid for the access, and do not overlap.
unsafe fn copy_volatile(dst: *mut u8, src: *const u8, len: usize, ns: Side) {
    let mut i = 0;
    let words = (dst as usize ^ src as usize).is_multiple_of(8);
    if words {
        while i < len && !(src as usize + i).is_multiple_of(8) {
            // SAFETY: i < len (the caller's ranges).
            unsafe { copy_byte(dst.add(i), src.add(i), ns) };
            i += 1;
        }
        while len - i >= 8 {
            // SAFETY: both ends are 8-aligned here (they are alike and the
            // source is) and 8 bytes remain in both ranges.
            unsafe {
                let (d, s) = (dst.add(i) as *mut u64, src.add(i) as *const u64);
                match ns {
                    Side::Source => d.write(s.read_volatile()),
                    Side::Destination => d.write_volatile(s.read()),
                }
            }
            i += 8;
        }
    }
    while i < len {
        // SAFETY: i < len.
        unsafe { copy_byte(dst.add(i), src.add(i), ns) };
        i += 1;
    }
}

/// # Safety
///
/// As [`copy_volatile`], for one byte.
unsafe fn copy_byte(dst: *mut u8, src: *const u8, ns: Side) {
    // SAFETY: the caller's.
    unsafe {
        match ns {
            Side::Source => dst.write(src.read_volatile()),
            Side::Destination => dst.write_volatile(src.read()),
        }
    }
}
