//! The EL1 system registers, which both worlds share: the monitor keeps
//! one copy per world of those the secure kernel writes, and swaps them at
//! every world switch.
//!
//! Only those (and TTBR1 when the normal world's translation controls are
//! shared, see [`Regs::restore_shared`]): the kernel never writes the
//! others (CONTEXTIDR, CPACR, PAR, AFSR*, AMAIR, CSSELR, CNTKCTL, MDSCR)
//! and writes the EL0 ones (SP_EL0, TPIDR_EL0, TPIDRRO_EL0) only while it
//! runs user code, putting the normal world's values back before it
//! returns, so they keep the normal world's values at every switch and
//! nothing of the secure world can be left in them. Every write of a translation
//! control register costs a full TLB flush under QEMU's TCG, so each
//! register swapped for nothing made every SMC slower. A kernel that
//! starts using another EL1 register must add it here.

/// One world's EL1 (and EL0) system register context.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Regs {
    r: [u64; N],
}

macro_rules! regs {
    ($($name:ident),* $(,)?) => {
        const N: usize = [$(stringify!($name)),*].len();

        impl Regs {
            /// Read the current EL1 context.
            pub fn save() -> Regs {
                let mut r = [0u64; N];
                let mut i = 0;
                $(
                    // SAFETY: reading an EL1 system register from EL3 has
                    // no side effect.
                    unsafe {
                        core::arch::asm!(concat!("mrs {}, ", stringify!($name)), out(reg) r[i]);
                    }
                    i += 1;
                )*
                let _ = i;
                Regs { r }
            }

            /// Load this context into the EL1 registers.
            pub fn restore(&self) {
                let mut i = 0;
                $(
                    // SAFETY: EL3 writes the lower level's registers while
                    // that level is not running; they take effect at eret.
                    unsafe {
                        core::arch::asm!(concat!("msr ", stringify!($name), ", {}"), in(reg) self.r[i]);
                    }
                    i += 1;
                )*
                let _ = i;
                // SAFETY: synchronise the writes above.
                unsafe { core::arch::asm!("isb") };
            }
        }
    };
}

regs!(
    sctlr_el1, tcr_el1, ttbr0_el1, mair_el1, vbar_el1, sp_el1, elr_el1, spsr_el1, esr_el1, far_el1,
);

/// Index of TTBR0_EL1 in [`Regs`]; the two before it (SCTLR, TCR) are the
/// translation controls a shared switch leaves alone.
const TTBR0: usize = 2;

/// Write one EL1 system register.
macro_rules! write_reg {
    ($name:literal, $v:expr) => {
        // SAFETY: EL3 writes the lower level's registers while that level
        // is not running; they take effect at eret.
        unsafe { core::arch::asm!(concat!("msr ", $name, ", {}"), in(reg) $v) }
    };
}

impl Regs {
    /// Load this context but SCTLR_EL1 and TCR_EL1, which keep their
    /// values (the normal world's, shared: see
    /// `oxtee_tz_abi::monitor::shares_translation`), with `ttbr0` for
    /// TTBR0_EL1 and `ttbr1` for TTBR1_EL1.
    pub fn restore_shared(&self, ttbr0: u64, ttbr1: u64) {
        write_reg!("ttbr0_el1", ttbr0);
        write_reg!("ttbr1_el1", ttbr1);
        write_reg!("mair_el1", self.r[TTBR0 + 1]);
        write_reg!("vbar_el1", self.r[TTBR0 + 2]);
        write_reg!("sp_el1", self.r[TTBR0 + 3]);
        write_reg!("elr_el1", self.r[TTBR0 + 4]);
        write_reg!("spsr_el1", self.r[TTBR0 + 5]);
        write_reg!("esr_el1", self.r[TTBR0 + 6]);
        write_reg!("far_el1", self.r[TTBR0 + 7]);
        // SAFETY: synchronise the writes above.
        unsafe { core::arch::asm!("isb") };
    }

    pub fn sctlr(&self) -> u64 {
        self.r[0]
    }

    pub fn tcr(&self) -> u64 {
        self.r[1]
    }

    pub fn ttbr0(&self) -> u64 {
        self.r[TTBR0]
    }
}

const _: () = assert!(N == TTBR0 + 8);

/// TTBR1_EL1 (the normal world's kernel tables; the secure kernel's own
/// TCR never walks it, and a shared switch points it at an empty table).
pub fn ttbr1() -> u64 {
    let v: u64;
    // SAFETY: reading an EL1 system register from EL3 has no side effect.
    unsafe { core::arch::asm!("mrs {}, ttbr1_el1", out(reg) v) };
    v
}

impl Regs {
    /// All zero.
    pub const ZERO: Regs = Regs { r: [0; N] };
    /// The normal world's first entry: everything zero but SCTLR_EL1's
    /// RES1 bits (MMU and caches off, as Linux's boot protocol wants).
    pub const NS_RESET: Regs = {
        let mut r = [0; N];
        r[0] = 0x30D0_0800;
        Regs { r }
    };
}
