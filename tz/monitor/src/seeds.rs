//! The boot seeds QEMU hands the firmware. With `-bios`, QEMU places the
//! machine's device tree at the start of normal-world RAM ([`LIVE_DTB`]),
//! fresh for each boot: `/chosen` carries an `rng-seed` and a
//! `kaslr-seed` for the normal world, `/secure-chosen` the same for the
//! secure world (from the host's random source).
//!
//! The secure seed lies in normal-world RAM, so the monitor takes it
//! before the normal world runs and overwrites it there with zeros; it
//! seeds the secure kernel's random generator. The normal world boots
//! with the device tree the scripts placed at [`NS_DTB`] (built once,
//! from a dump of the machine's tree): its seeds would be the same on
//! every boot, so the monitor copies this boot's `/chosen` seeds into it
//! (same length, in place) and zeroes any secure seed it carries.

use oxtee_tz_abi::fdt;

use crate::platform::NS_DTB;

/// Where QEMU puts the machine's device tree for firmware.
pub const LIVE_DTB: u64 = 0x4000_0000;
/// Device trees larger than this are not looked at (QEMU's is 1 MiB at
/// most; the normal world's kernel image starts 2 MiB into RAM).
const MAX_DTB: usize = 2 << 20;

/// The device tree at `at`, as a mutable slice of its total size.
///
/// # Safety
/// `at` is normal-world RAM that nothing else uses or refers to while the
/// slice lives (before the normal world first runs).
unsafe fn tree(at: u64) -> Option<&'static mut [u8]> {
    // SAFETY: per the contract, [at, at + 8) is RAM nothing else uses.
    let header = unsafe { core::slice::from_raw_parts(at as *const u8, 8) };
    let size = fdt::total_size(header)?;
    if size > MAX_DTB {
        return None;
    }
    // SAFETY: as above, for the whole tree (bounded by MAX_DTB, below
    // the normal world's kernel image).
    Some(unsafe { core::slice::from_raw_parts_mut(at as *mut u8, size) })
}

/// Take this boot's seeds (see the module's description). Runs once, at
/// cold boot, before the normal world.
pub fn take() -> fdt::BootSeeds {
    // SAFETY: cold boot: the normal world has not run, nothing else
    // touches its RAM, and the two trees do not overlap (the scripts put
    // the normal world's at NS_DTB, 128 MiB into RAM).
    let live = unsafe { tree(LIVE_DTB) };
    // SAFETY: as above.
    let guest = unsafe { tree(NS_DTB) };
    match live {
        Some(live) => fdt::take_seeds(live, guest),
        None => fdt::BootSeeds {
            secure: None,
            refreshed: 0,
        },
    }
}
