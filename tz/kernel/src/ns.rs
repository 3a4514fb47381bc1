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
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: the range lies in normal-world RAM, identity mapped by
            // `mmu` as non-secure Normal memory; the normal world may change
            // it concurrently, which only changes the bytes copied.
            *b = unsafe { core::ptr::read_volatile((pa as usize + i) as *const u8) };
        }
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
        for (i, &b) in data.iter().enumerate() {
            // SAFETY: as in `read`: normal-world RAM, mapped non-secure.
            unsafe { core::ptr::write_volatile((pa as usize + i) as *mut u8, b) };
        }
        Ok(())
    }
}
