//! oxtee's protocol between the EL3 monitor and the S-EL1 kernel.
//!
//! The kernel is entered at fixed offsets of an *entry vector* whose
//! address it hands to the monitor once, at the end of its cold boot; it
//! answers every entry with an SMC carrying one of the `RETURN_*`
//! identifiers below and its results in x1..x4, which the monitor hands to
//! the normal world in x0..x3. (The identifiers are those TF-A's OP-TEE
//! dispatcher uses for the same roles.)

/// Cold boot finished; x1 = the entry vector's address, x2 = the
/// kernel's level-0 translation table (for regimes that start at level
/// 0, see [`shares_translation`]), x3 = an empty table for TTBR1.
pub const RETURN_ENTRY_DONE: u32 = 0xBE00_0000;
/// A call finished; x1..x4 = the normal world's x0..x3.
pub const RETURN_CALL_DONE: u32 = 0xBE00_0005;

/// The register (x8) in which the monitor hands the kernel, at each
/// entry, the counter as it took the normal world's SMC; and the one (x9)
/// with the counter as it last returned to the normal world from a
/// yielding call (the kernel's trace of SMCs and world switches).
pub const STAMP_SMC: usize = 8;
pub const STAMP_LAST_RETURN: usize = 9;

/// Offset of the yielding-call entry in the entry vector.
pub const ENTRY_YIELDING: u64 = 0;
/// Offset of the fast-call entry.
pub const ENTRY_FAST: u64 = 4;
/// Size of the entry vector (one branch instruction per entry).
pub const ENTRY_VECTOR_SIZE: u64 = 8;

/// What the monitor accepts as an entry vector: 4-byte aligned, and the
/// whole vector inside the kernel's own secure memory.
pub fn valid_entry_vector(addr: u64, kernel_start: u64, kernel_end: u64) -> bool {
    addr.is_multiple_of(4)
        && addr >= kernel_start
        && addr
            .checked_add(ENTRY_VECTOR_SIZE)
            .is_some_and(|end| end <= kernel_end)
}

/// What the monitor accepts as one of the kernel's translation tables:
/// a 4 KiB table inside the kernel's own secure memory.
pub fn valid_table(addr: u64, kernel_start: u64, kernel_end: u64) -> bool {
    addr.is_multiple_of(4096)
        && addr >= kernel_start
        && addr.checked_add(4096).is_some_and(|end| end <= kernel_end)
}

/// The ASID field of a TTBR.
pub const TTBR_ASID: u64 = 0xFFFF << 48;

/// Whether the secure kernel can run under the normal world's SCTLR_EL1
/// and TCR_EL1 as they are, so that the monitor need not write them at
/// a world switch (under QEMU's TCG each write of either flushes every
/// TLB, which was most of a world switch's cost). The kernel then gets
/// its own TTBR0 (its identity map, rooted at level 0) and TTBR1 (an
/// empty table: no high address translates), both tagged with the
/// normal world's ASIDs so that writing them flushes nothing either; its
/// mappings are global and never change, so a stale entry under any
/// ASID is still right. (S-EL0 TAs run under that ASID too, their
/// non-global entries invalidated when the kernel switches between their
/// address spaces; see `tz/kernel/src/user.rs`.) Otherwise the monitor
/// loads the kernel's own
/// SCTLR and TCR (and leaves TTBR1 alone: the kernel's TCR disables
/// TTBR1 walks).
///
/// Required of SCTLR: MMU on, caches on, no alignment checks,
/// little-endian at EL1 and EL0, and EL0 unable to mask interrupts
/// (UMA clear: a TA must not keep the normal world's interrupts out, or
/// it could never be preempted) (the kernel's page tables enforce W^X
/// themselves, so WXN may be either). Required of TCR: a 4 KiB granule and a level-0
/// start for TTBR0 (T0SZ 16..=24, walks enabled, write-back cacheable
/// and inner shareable as the kernel's own), a 4 KiB granule for
/// TTBR1 unless its walks are disabled (the empty table is one 4 KiB
/// page), and no 52-bit descriptors (DS).
pub fn shares_translation(sctlr: u64, tcr: u64) -> bool {
    const M: u64 = 1 << 0;
    const A: u64 = 1 << 1;
    const C: u64 = 1 << 2;
    const I: u64 = 1 << 12;
    const EE: u64 = 1 << 25;
    const E0E: u64 = 1 << 24;
    const UMA: u64 = 1 << 9;
    let sctlr_ok = sctlr & (M | A | C | I | EE | E0E | UMA) == M | C | I;
    let t0sz = tcr & 0x3F;
    let epd0 = tcr & (1 << 7) != 0;
    let tg0 = (tcr >> 14) & 3;
    let epd1 = tcr & (1 << 23) != 0;
    let tg1 = (tcr >> 30) & 3;
    let ds = tcr & (1 << 59) != 0;
    // TTBR0 walks cacheable (write-back, write-allocate) and inner
    // shareable, as the kernel's own TCR has them.
    let walks = (tcr >> 8) & 0x3F == 0b11_01_01;
    let tcr_ok =
        tg0 == 0 && !epd0 && (16..=24).contains(&t0sz) && (epd1 || tg1 == 2) && !ds && walks;
    sctlr_ok && tcr_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's arm64 Linux 6.1 under QEMU (cortex-a57), as the monitor
    /// logged them at its first SMC.
    const LINUX_SCTLR: u64 = 0x0200_0000_34f4_d91d;
    const LINUX_TCR: u64 = 0x0050_0074_b550_3510;

    #[test]
    fn the_normal_worlds_translation_controls_are_shared_only_when_safe() {
        assert!(shares_translation(LINUX_SCTLR, LINUX_TCR));
        // MMU off (the normal world's reset state), caches off, alignment
        // checks, big-endian: the kernel's own SCTLR is loaded.
        assert!(!shares_translation(0x30d0_0800, LINUX_TCR));
        assert!(!shares_translation(LINUX_SCTLR & !(1 << 2), LINUX_TCR));
        assert!(!shares_translation(LINUX_SCTLR | 1 << 1, LINUX_TCR));
        assert!(!shares_translation(LINUX_SCTLR | 1 << 25, LINUX_TCR));
        // Big-endian EL0, or EL0 allowed to mask interrupts (a TA could
        // then never be preempted).
        assert!(!shares_translation(LINUX_SCTLR | 1 << 24, LINUX_TCR));
        assert!(!shares_translation(LINUX_SCTLR | 1 << 9, LINUX_TCR));
        assert!(shares_translation(LINUX_SCTLR | 1 << 19, LINUX_TCR), "WXN");
        // A 64 KiB or 16 KiB granule, a level-1 start (T0SZ 25), TTBR0
        // walks disabled, 52-bit descriptors: its own TCR.
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR | 1 << 14));
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR | 2 << 14));
        assert!(!shares_translation(LINUX_SCTLR, (LINUX_TCR & !0x3F) | 25));
        assert!(!shares_translation(LINUX_SCTLR, (LINUX_TCR & !0x3F) | 15));
        assert!(shares_translation(LINUX_SCTLR, (LINUX_TCR & !0x3F) | 24));
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR | 1 << 7));
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR | 1 << 59));
        // Non-cacheable or outer-shareable walks.
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR & !(3 << 8)));
        assert!(!shares_translation(LINUX_SCTLR, LINUX_TCR & !(1 << 12)));
        // TTBR1 with a 64 KiB granule: only if its walks are disabled.
        let tg1_64k = (LINUX_TCR & !(3 << 30)) | 3 << 30;
        assert!(!shares_translation(LINUX_SCTLR, tg1_64k));
        assert!(shares_translation(LINUX_SCTLR, tg1_64k | 1 << 23));
    }

    #[test]
    fn tables_must_lie_in_the_kernel() {
        let (s, e) = (0x0e10_0000, 0x0f00_0000);
        assert!(valid_table(s, s, e));
        assert!(valid_table(e - 4096, s, e));
        assert!(!valid_table(e, s, e));
        assert!(!valid_table(s + 8, s, e));
        assert!(!valid_table(s - 4096, s, e));
        assert!(!valid_table(!0xFFF, s, e));
    }

    #[test]
    fn entry_vector_must_lie_in_the_kernel() {
        let (s, e) = (0x0e10_0000, 0x0f00_0000);
        assert!(valid_entry_vector(s, s, e));
        assert!(valid_entry_vector(e - 8, s, e));
        assert!(!valid_entry_vector(e - 4, s, e));
        assert!(!valid_entry_vector(s + 2, s, e));
        assert!(!valid_entry_vector(s - 8, s, e));
        assert!(!valid_entry_vector(u64::MAX - 3, s, e));
    }
}
