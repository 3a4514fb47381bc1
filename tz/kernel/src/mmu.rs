//! The secure kernel's own translation tables (EL1&0 regime, TTBR0, 4 KiB
//! granule, 32-bit virtual addresses, identity mapped):
//!
//! | range | mapping |
//! |---|---|
//! | 0x09040000 (one page) | Device: the secure UART, nothing else of the devices |
//! | 0x0e000000..0x0e100000 | unmapped: the monitor's memory |
//! | kernel text | read-only, executable |
//! | kernel rodata | read-only, never executable |
//! | kernel data, bss, the two stacks, rest of secure RAM | read-write, never executable |
//! | the page below each stack | unmapped (guard) |
//! | 0x40000000..0x80000000 | normal-world RAM: Normal, **non-secure**, never executable |
//!
//! SCTLR_EL1.WXN is set as well: no writable page is ever executable.
//! (When the monitor lets the kernel run under the normal world's SCTLR
//! and TCR, WXN may be off: the tables alone keep W^X. The map is then
//! reached from a level-0 table, and TTBR1 points at an empty one.)

use core::cell::UnsafeCell;

use crate::ns;

pub(crate) const PAGE: u64 = 4096;
const BLOCK_2M: u64 = 2 << 20;

pub(crate) const VALID: u64 = 1 << 0;
pub(crate) const TABLE: u64 = 1 << 1; // table (L1/L2) or page (L3)
const ATTR_NORMAL: u64 = 0 << 2; // MAIR index 0
const ATTR_DEVICE: u64 = 1 << 2; // MAIR index 1
const NS: u64 = 1 << 5;
pub(crate) const AP_RO: u64 = 1 << 7;
pub(crate) const SH_INNER: u64 = 3 << 8;
pub(crate) const AF: u64 = 1 << 10;
pub(crate) const PXN: u64 = 1 << 53;
pub(crate) const UXN: u64 = 1 << 54;

const MEM_RW: u64 = VALID | ATTR_NORMAL | SH_INNER | AF | PXN | UXN;
const MEM_RO: u64 = VALID | ATTR_NORMAL | SH_INNER | AF | AP_RO | PXN | UXN;
const MEM_RX: u64 = VALID | ATTR_NORMAL | SH_INNER | AF | AP_RO | UXN;
const DEVICE: u64 = VALID | ATTR_DEVICE | AF | PXN | UXN;

const SECURE_RAM: u64 = 0x0e00_0000;
/// Where the kernel's image starts.
pub const KERNEL_BASE: u64 = 0x0e10_0000;
const SECURE_RAM_END: u64 = 0x0f00_0000;
const MONITOR_END: u64 = 0x0e10_0000;
/// The secure UART's page (the only device the kernel touches).
const SECURE_UART: u64 = 0x0904_0000;

#[repr(C, align(4096))]
struct Table([u64; 512]);

struct Tables {
    /// Level 0, entry 0 -> `l1`: the same map for regimes that start at
    /// level 0 (the normal world's TCR, when the monitor shares it).
    l0: Table,
    /// No entry valid: TTBR1 while the normal world's TCR is shared.
    empty: Table,
    l1: Table,
    l2: Table,
    /// The two 2 MiB blocks from the one the kernel starts in, page by
    /// page (its code and read-only data may reach into the second).
    l3: [Table; 2],
    /// The 2 MiB of devices holding the secure UART, page by page.
    l3_dev: Table,
}

struct Cell(UnsafeCell<Tables>);

// SAFETY: written once by the boot CPU before the MMU is on, then only
// read by the hardware walker.
unsafe impl Sync for Cell {}

static TABLES: Cell = Cell(UnsafeCell::new(Tables {
    l0: Table([0; 512]),
    empty: Table([0; 512]),
    l1: Table([0; 512]),
    l2: Table([0; 512]),
    l3: [Table([0; 512]), Table([0; 512])],
    l3_dev: Table([0; 512]),
}));

unsafe extern "C" {
    static __kernel_start: u8;
    static __text_end: u8;
    static __rodata_end: u8;
    static __kernel_end: u8;
    static __stack_guard: u8;
    static __fiber_guard: u8;
}

/// The kernel image's layout, as mapped.
pub struct Layout {
    pub text: (u64, u64),
    pub rodata_end: u64,
    pub kernel_end: u64,
    /// The level-0 root of the same map, and an empty table (for the
    /// monitor: see `oxtee_tz_abi::monitor::shares_translation`).
    pub l0: u64,
    pub empty: u64,
}

/// Build the tables and turn the MMU on. Called once, at cold boot.
pub fn init() -> Layout {
    let text = (
        &raw const __kernel_start as u64,
        &raw const __text_end as u64,
    );
    let rodata_end = &raw const __rodata_end as u64;
    let kernel_end = &raw const __kernel_end as u64;
    // SAFETY: cold boot, one CPU, MMU off: nothing else refers to the
    // tables yet.
    let t = unsafe { &mut *TABLES.0.get() };
    // The 2 MiB blocks holding the kernel's image, page by page.
    let l3_base = text.0 & !(BLOCK_2M - 1);
    assert!(
        rodata_end <= l3_base + 2 * BLOCK_2M,
        "the kernel's code and read-only data end past the pages mapped one by one"
    );
    let guards = [
        &raw const __stack_guard as u64,
        &raw const __fiber_guard as u64,
    ];
    assert!(
        kernel_end <= l3_base + 2 * BLOCK_2M,
        "the kernel's stacks end past the pages mapped one by one"
    );
    let entries = t.l3.iter_mut().flat_map(|table| table.0.iter_mut());
    for (i, e) in entries.enumerate() {
        let pa = l3_base + i as u64 * PAGE;
        let attrs = if pa < MONITOR_END || guards.contains(&pa) {
            0
        } else if pa < text.1 {
            MEM_RX
        } else if pa < rodata_end {
            MEM_RO
        } else {
            MEM_RW
        };
        *e = if attrs == 0 { 0 } else { pa | attrs | TABLE };
    }
    // First GiB: devices and secure RAM in 2 MiB blocks.
    for (i, e) in t.l2.0.iter_mut().enumerate() {
        let pa = i as u64 * BLOCK_2M;
        *e = if pa == l3_base {
            &raw const t.l3[0] as u64 | VALID | TABLE
        } else if pa == l3_base + BLOCK_2M {
            &raw const t.l3[1] as u64 | VALID | TABLE
        } else if pa == SECURE_UART & !(BLOCK_2M - 1) {
            &raw const t.l3_dev as u64 | VALID | TABLE
        } else if (SECURE_RAM..SECURE_RAM_END).contains(&pa) && pa >= MONITOR_END {
            pa | MEM_RW
        } else {
            0
        };
    }
    let uart_index = ((SECURE_UART % BLOCK_2M) / PAGE) as usize;
    t.l3_dev.0[uart_index] = SECURE_UART | DEVICE | TABLE;
    t.l1.0[0] = &raw const t.l2 as u64 | VALID | TABLE;
    // Normal-world RAM: one 1 GiB block, non-secure.
    const _: () = assert!(ns::RAM_END - ns::RAM_START == 1 << 30);
    t.l1.0[(ns::RAM_START >> 30) as usize] = ns::RAM_START | MEM_RW | NS;
    t.l0.0[0] = &raw const t.l1 as u64 | VALID | TABLE;

    let mair: u64 = 0xFF; // index 0: Normal WB RA WA; index 1: Device-nGnRnE
    let tcr: u64 = 32 // T0SZ: 4 GiB
        | (1 << 8) | (1 << 10) | (3 << 12) // WB WA walks, inner shareable
        | (1 << 23) // EPD1: no TTBR1 walks
        | (1 << 32); // IPS: 36 bits
    let sctlr: u64 = 0x30D0_0800 // RES1
        | (1 << 0) // M
        | (1 << 2) // C
        | (1 << 3) // SA
        | (1 << 12) // I
        | (1 << 19); // WXN
    // SAFETY: the tables identity-map everything the kernel touches from
    // here on (its image, stack, the UART), so execution continues at the
    // same addresses once the MMU is on.
    unsafe {
        core::arch::asm!(
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr}",
            "dsb ish",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            "msr sctlr_el1, {sctlr}",
            "isb",
            mair = in(reg) mair,
            tcr = in(reg) tcr,
            ttbr = in(reg) &raw const t.l1 as u64,
            sctlr = in(reg) sctlr,
        );
    }
    Layout {
        text,
        rodata_end,
        kernel_end,
        l0: &raw const t.l0 as u64,
        empty: &raw const t.empty as u64,
    }
}

/// The kernel's level-1 entries (devices and secure RAM; normal-world
/// RAM), for address spaces that share them.
pub fn kernel_l1() -> [u64; 2] {
    // SAFETY: the tables were written once at cold boot (`init`) and are
    // only read since.
    let t = unsafe { &*TABLES.0.get() };
    [t.l1.0[0], t.l1.0[1]]
}
