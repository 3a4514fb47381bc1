//! QEMU `virt` with `secure=on`: addresses, the GIC's security setup,
//! power control (the secure PL061 GPIO) and the calls the monitor answers
//! itself (SMCCC architecture calls, PSCI).

use oxtee_tz_abi::smccc::{self, FunctionId};

use oxtee_pl011::{Pl011, log};

use crate::Frame;

/// The secure UART: the secure world's log.
// SAFETY: QEMU virt's secure PL011; EL3 runs with its MMU off.
pub const UART: Pl011 = unsafe { Pl011::new(0x0904_0000) };

/// Start of the secure kernel's part of the secure RAM.
pub const KERNEL_BASE: u64 = 0x0e10_0000;
/// End of the secure RAM (16 MiB at 0x0e000000).
pub const KERNEL_END: u64 = 0x0f00_0000;
/// Where the normal world's kernel `Image` is placed (2 MiB aligned RAM).
pub const NS_ENTRY: u64 = 0x4020_0000;
/// Where the normal world's device tree is placed.
pub const NS_DTB: u64 = 0x4800_0000;

const GICD: usize = 0x0800_0000;
const GICC: usize = 0x0801_0000;
const SECURE_GPIO: usize = 0x090b_0000;
const GPIO_POWEROFF: u32 = 0;
const GPIO_RESET: u32 = 1;

fn write32(addr: usize, v: u32) {
    // SAFETY: `addr` is one of the device registers above, mapped by the
    // machine at that physical address (EL3 runs with its MMU off).
    unsafe { core::ptr::write_volatile(addr as *mut u32, v) }
}

fn read32(addr: usize) -> u32 {
    // SAFETY: as in `write32`.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

/// The secure physical timer's interrupt (PPI 13 on QEMU `virt`).
const SECURE_TIMER_INTID: u32 = 29;

/// GICv2 with security extensions: every interrupt in group 1 (the
/// normal world's) but the secure physical timer's, which is group 0,
/// enabled, at the highest priority and signalled as FIQ: the secure
/// kernel's watchdog over user code that cannot be preempted (it arms the
/// timer only while it runs such code, and disarms it before the normal
/// world runs again). Both groups enabled, the CPU interface open. Linux
/// then configures the interrupts it uses from the normal world (it
/// cannot touch a group 0 interrupt).
pub fn gic_init() {
    let lines = ((read32(GICD + 0x4) & 0x1F) + 1) * 32;
    for n in 0..lines / 32 {
        let secure = if n == 0 { 1 << SECURE_TIMER_INTID } else { 0 };
        write32(GICD + 0x80 + 4 * n as usize, !secure); // GICD_IGROUPRn: group 1 but `secure`
    }
    let prio = GICD + 0x400 + SECURE_TIMER_INTID as usize; // GICD_IPRIORITYRn, one byte
    // SAFETY: as in `write32`; the byte of this interrupt's priority.
    unsafe { core::ptr::write_volatile(prio as *mut u8, 0) };
    write32(GICD + 0x100, 1 << SECURE_TIMER_INTID); // GICD_ISENABLER0 (this CPU's PPIs)
    write32(GICD, 0x3); // GICD_CTLR: EnableGrp0 | EnableGrp1
    write32(GICC + 0x4, 0xFF); // GICC_PMR: nothing masked
    write32(GICC, 0x3 | 1 << 3); // GICC_CTLR (secure copy): both groups, group 0 as FIQ
}

fn gpio_pulse(line: u32) -> ! {
    let bit = 1u32 << line;
    write32(SECURE_GPIO + 0x400, read32(SECURE_GPIO + 0x400) | bit); // GPIODIR
    write32(SECURE_GPIO + ((bit as usize) << 2), bit); // GPIODATA, masked
    loop {
        // SAFETY: waiting for the machine to stop.
        unsafe { core::arch::asm!("wfi") };
    }
}

/// PSCI SYSTEM_OFF: the secure GPIO's power-off line.
pub fn power_off() -> ! {
    gpio_pulse(GPIO_POWEROFF)
}

fn reset() -> ! {
    gpio_pulse(GPIO_RESET)
}

/// SMCCC architecture calls and PSCI from the normal world.
pub fn monitor_call(id: FunctionId, f: &mut Frame) {
    use smccc::*;
    let supported = |fid: u32| {
        matches!(
            fid,
            PSCI_VERSION
                | PSCI_FEATURES
                | PSCI_SYSTEM_OFF
                | PSCI_SYSTEM_RESET
                | PSCI_MIGRATE_INFO_TYPE
                | PSCI_CPU_ON_32
                | PSCI_CPU_ON_64
                | PSCI_AFFINITY_INFO_32
                | PSCI_AFFINITY_INFO_64
                | SMCCC_VERSION
        )
    };
    f.x[0] = match id.0 {
        SMCCC_VERSION => SMCCC_VERSION_1_1,
        // No CPU workarounds are offered.
        SMCCC_ARCH_FEATURES => NOT_SUPPORTED,
        PSCI_VERSION => PSCI_VERSION_1_0,
        PSCI_FEATURES => {
            if supported(f.x[1] as u32) {
                0
            } else {
                PSCI_E_NOT_SUPPORTED
            }
        }
        PSCI_MIGRATE_INFO_TYPE => PSCI_TOS_NOT_PRESENT_MP,
        // One CPU, always on.
        PSCI_CPU_ON_32 | PSCI_CPU_ON_64 => PSCI_E_ALREADY_ON,
        PSCI_AFFINITY_INFO_32 | PSCI_AFFINITY_INFO_64 => {
            if f.x[1] & 0xFF_00FF_FFFF == 0 {
                0 // ON
            } else {
                PSCI_E_NOT_SUPPORTED
            }
        }
        PSCI_SYSTEM_OFF => {
            crate::log_call_stats();
            log!(UART, "oxtee monitor: system off\n");
            power_off()
        }
        PSCI_SYSTEM_RESET => {
            log!(UART, "oxtee monitor: system reset\n");
            reset()
        }
        _ => id.unknown(),
    };
}
