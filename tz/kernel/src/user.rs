//! User mode (S-EL0), the first part of issue 13: an address space per
//! TA instance and running code in it until it traps back.
//!
//! An address space is a translation table tree of its own. It shares
//! the kernel's entries (global, EL1 only: EL0
//! can neither read nor execute the kernel or normal-world RAM) and adds
//! the user region [`USER_BASE`]..[`USER_END`] (the level-1 slot after
//! normal-world RAM), where every page is mapped for EL0 with one of
//! three permissions -- read-only, read-write, or read-execute (W^X; no
//! user page is ever executable at EL1) -- and non-global. Pages and
//! tables come from the kernel heap, which lies in secure RAM; whatever is
//! not mapped (the guard pages around the image and the stack) faults.
//!
//! [`run`] enters EL0 with a saved register frame and returns when the
//! code traps back (an `svc`, a fault, an undefined instruction): the
//! frame then holds the user registers, and the caller decides. Nothing
//! preempts user code yet (interrupts stay masked in the secure world).
//!
//! ASIDs: the translation registers keep the ASID the normal world's
//! call came with (the kernel shares Linux's TCR, where TTBR1 names the
//! ASID), and the secure EL1&0 TLB entries are invalidated (`tlbi
//! vmalle1`, which leaves the normal world's entries alone: they belong
//! to the other security state) when an address space other than the
//! last one entered runs, and when the last one entered goes away.
//! QEMU's TLB has no ASID tags: it flushes everything, the normal
//! world's entries too, whenever a TTBR's ASID field changes, which an
//! ASID per instance did twice per call (a silent user-TA invoke from
//! the guest took 306 us that way). Hardware that tags by ASID would
//! prefer an ASID per instance; the choice is here, in `run`.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::alloc::Layout;
use core::sync::atomic::{AtomicU64, Ordering};

use oxtee_tz_abi::elf::{self, Perm};

use crate::mmu;

/// Start of the user region.
pub const USER_BASE: u64 = 0x8000_0000;
/// End of the user region (one level-1 slot: 1 GiB).
pub const USER_END: u64 = 0xC000_0000;
use crate::mmu::{AF, AP_RO, PAGE, PXN, SH_INNER, TABLE, UXN, VALID};
/// EL0 may access the page.
const AP_EL0: u64 = 1 << 6;
/// Not global: the entry belongs to its address space's ASID.
const NG: u64 = 1 << 11;
/// Normal memory (MAIR index 0), as the kernel's own.
const USER_PAGE: u64 = VALID | TABLE | SH_INNER | AF | NG | AP_EL0 | PXN;

fn attrs(perm: Perm) -> u64 {
    match perm {
        Perm::R => USER_PAGE | AP_RO | UXN,
        Perm::Rw => USER_PAGE | UXN,
        Perm::Rx => USER_PAGE | AP_RO,
    }
}

#[repr(C, align(4096))]
struct Frame([u64; 512]);

/// A zeroed, page-aligned frame of secure RAM from the kernel heap, or
/// None when the heap is exhausted.
fn frame() -> Option<Box<Frame>> {
    let layout = Layout::new::<Frame>();
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc::alloc::alloc_zeroed(layout) } as *mut Frame;
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` was allocated by the global allocator with `Frame`'s
    // layout and is fully initialised (zeroes are a valid `Frame`).
    Some(unsafe { Box::from_raw(p) })
}

/// The heap ran out.
#[derive(Debug)]
pub struct OutOfMemory;

/// Address space numbers handed out so far (never reused).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// The address space EL0 ran in last (0: none, or its entries are gone
/// from the TLB).
static LAST_RUN: AtomicU64 = AtomicU64::new(0);

/// Invalidate the secure EL1&0 translation regime's TLB entries.
fn flush_secure_tlb() {
    // SAFETY: TLB maintenance; the kernel's own entries are refetched
    // from its unchanged tables.
    unsafe { core::arch::asm!("dsb ishst", "tlbi vmalle1", "dsb ish", "isb") };
}

/// A TA instance's address space.
pub struct AddressSpace {
    id: u64,
    l0: Box<Frame>,
    l1: Box<Frame>,
    l2: Box<Frame>,
    l3: Vec<Box<Frame>>,
    /// The mapped pages, by virtual address, with the user's access.
    pages: BTreeMap<u64, (Perm, Box<Frame>)>,
}

impl AddressSpace {
    pub fn new() -> Result<AddressSpace, OutOfMemory> {
        let (mut l0, mut l1, l2) = (
            frame().ok_or(OutOfMemory)?,
            frame().ok_or(OutOfMemory)?,
            frame().ok_or(OutOfMemory)?,
        );
        // The kernel's slots (devices and secure RAM; normal-world RAM).
        let kernel = mmu::kernel_l1();
        l1.0[..kernel.len()].copy_from_slice(&kernel);
        l1.0[(USER_BASE >> 30) as usize] = &raw const l2.0 as u64 | VALID | TABLE;
        l0.0[0] = &raw const l1.0 as u64 | VALID | TABLE;
        Ok(AddressSpace {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            l0,
            l1,
            l2,
            l3: Vec::new(),
            pages: BTreeMap::new(),
        })
    }

    /// The secure memory it holds: its pages and its tables.
    pub fn bytes(&self) -> usize {
        (self.pages.len() + self.l3.len() + 3) * PAGE as usize
    }

    /// Map a fresh zeroed page at `va` (page aligned, in the user region,
    /// not mapped yet) with `perm`; its bytes, for the kernel to fill.
    pub fn map(&mut self, va: u64, perm: Perm) -> Result<&mut [u8], OutOfMemory> {
        assert!(va.is_multiple_of(PAGE) && (USER_BASE..USER_END).contains(&va));
        let l2i = ((va - USER_BASE) >> 21) as usize;
        if self.l2.0[l2i] & VALID == 0 {
            let t = frame().ok_or(OutOfMemory)?;
            self.l2.0[l2i] = &raw const t.0 as u64 | VALID | TABLE;
            self.l3.push(t);
        }
        let l3 = (self.l2.0[l2i] & 0x0000_ffff_ffff_f000) as usize;
        let page = frame().ok_or(OutOfMemory)?;
        let pa = &raw const page.0 as u64;
        let l3i = ((va >> 12) & 511) as usize;
        let table = self
            .l3
            .iter_mut()
            .find(|t| &raw const t.0 as usize == l3)
            .expect("the level-3 table is this space's");
        assert!(table.0[l3i] & VALID == 0, "{va:#x} is mapped already");
        table.0[l3i] = pa | attrs(perm);
        let (_, page) = self.pages.entry(va).or_insert((perm, page));
        // The kernel sees the frame through its own identity map.
        Ok(bytemuck_u8(&mut page.0))
    }

    /// Copy `data` into the space at `va` (mapped pages only).
    pub fn write(&mut self, va: u64, data: &[u8]) -> Result<(), Unmapped> {
        self.each_page(va, data.len(), |page, done| {
            let n = page.len();
            page.copy_from_slice(&data[done..done + n]);
        })
    }

    /// Copy from the space at `va` into `out` (mapped pages only).
    pub fn read(&mut self, va: u64, out: &mut [u8]) -> Result<(), Unmapped> {
        self.each_page(va, out.len(), |page, done| {
            let n = page.len();
            out[done..done + n].copy_from_slice(page);
        })
    }

    /// Lend the bytes [va, va + len) to `f` page by page, where they are,
    /// until it answers `false`. Unmapped if a page is not mapped (pages
    /// before it were lent).
    pub fn read_in_place(
        &self,
        va: u64,
        len: usize,
        mut f: impl FnMut(&[u8]) -> bool,
    ) -> Result<(), Unmapped> {
        let mut done = 0;
        while done < len {
            let at = va.checked_add(done as u64).ok_or(Unmapped)?;
            let (_, page) = self.pages.get(&(at & !(PAGE - 1))).ok_or(Unmapped)?;
            let off = (at % PAGE) as usize;
            let n = (PAGE as usize - off).min(len - done);
            if !f(&bytemuck_u8_ref(&page.0)[off..off + n]) {
                break;
            }
            done += n;
        }
        Ok(())
    }

    /// The bytes [va, va + len) page by page: `f(bytes of one page, how
    /// many came before)`. Unmapped if any page is not mapped (pages
    /// before it were visited).
    fn each_page(
        &mut self,
        va: u64,
        len: usize,
        mut f: impl FnMut(&mut [u8], usize),
    ) -> Result<(), Unmapped> {
        let mut done = 0;
        while done < len {
            let at = va.checked_add(done as u64).ok_or(Unmapped)?;
            let (_, page) = self.pages.get_mut(&(at & !(PAGE - 1))).ok_or(Unmapped)?;
            let off = (at % PAGE) as usize;
            let n = (PAGE as usize - off).min(len - done);
            f(&mut bytemuck_u8(&mut page.0)[off..off + n], done);
            done += n;
        }
        Ok(())
    }

    /// The user's access to the page at `page`, if it is mapped.
    pub fn perm(&self, page: u64) -> Option<Perm> {
        self.pages.get(&page).map(|(p, _)| *p)
    }

    /// Map `count` pages from `va` with `perm`.
    pub fn map_range(&mut self, va: u64, count: u64, perm: Perm) -> Result<(), OutOfMemory> {
        for i in 0..count {
            self.map(va + i * PAGE, perm)?;
        }
        Ok(())
    }

    /// Load a TA image's ELF at `base`: its pages with their permissions,
    /// its bytes placed and relocated (see `oxtee_tz_abi::elf`); the entry
    /// point's address.
    pub fn load(&mut self, image: &[u8], base: u64) -> Result<u64, LoadFailed> {
        let plan = elf::plan(image).map_err(LoadFailed::Image)?;
        if base.checked_add(plan.span).is_none_or(|end| end > USER_END) {
            return Err(LoadFailed::TooLarge);
        }
        // Only the pages with the file's bytes are staged (a large .bss
        // costs its pages once, not twice), with a fallible allocation.
        let staged = plan.staged() as usize;
        let mut mem = Vec::new();
        mem.try_reserve_exact(staged)
            .map_err(|_| LoadFailed::OutOfMemory)?;
        mem.resize(staged, 0u8);
        elf::place(&plan, image, &mut mem).map_err(LoadFailed::Image)?;
        elf::relocate(&plan, base, &mut mem).map_err(LoadFailed::Image)?;
        for s in &plan.segments {
            let mut va = s.pages.start;
            while va < s.pages.end {
                // RELRO: read-only once relocated (the relocations are
                // applied above, before the TA ever runs).
                let perm = match &plan.relro {
                    Some(r) if r.contains(&va) => Perm::R,
                    _ => s.perm,
                };
                let page = self
                    .map(base + va, perm)
                    .map_err(|_| LoadFailed::OutOfMemory)?;
                // (Pages past the staged ones stay as mapped: zero.)
                if let Some(bytes) = mem.get(va as usize..(va + PAGE) as usize) {
                    page.copy_from_slice(bytes);
                }
                va += PAGE;
            }
        }
        Ok(base + plan.entry)
    }

    /// The root of this space for the walk TCR_EL1 asks for (level 0 for
    /// 48-bit regions, level 1 for 32-bit ones).
    fn root(&self, tcr: u64) -> u64 {
        if tcr & 0x3f <= 24 {
            &raw const self.l0.0 as u64
        } else {
            &raw const self.l1.0 as u64
        }
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        // Its frames go back to the heap: no TLB entry may still name
        // them (only the space EL0 ran in last can have any).
        if LAST_RUN
            .compare_exchange(self.id, 0, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
        {
            flush_secure_tlb();
        }
    }
}

/// An address the space does not map.
#[derive(Debug)]
pub struct Unmapped;

/// Why an image did not load.
#[derive(Debug)]
pub enum LoadFailed {
    Image(elf::LoadError),
    TooLarge,
    OutOfMemory,
}

/// A frame's bytes.
fn bytemuck_u8(words: &mut [u64; 512]) -> &mut [u8] {
    // SAFETY: u8 has no alignment or validity requirement; the slice
    // covers exactly the array's 4096 bytes and borrows it mutably.
    unsafe { core::slice::from_raw_parts_mut(words.as_mut_ptr() as *mut u8, 4096) }
}

fn bytemuck_u8_ref(words: &[u64; 512]) -> &[u8] {
    // SAFETY: as `bytemuck_u8`, borrowing the array shared.
    unsafe { core::slice::from_raw_parts(words.as_ptr() as *const u8, 4096) }
}

/// User registers while the kernel runs (layout shared with `enter_user`
/// and the EL0 vector below).
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct UserFrame {
    pub x: [u64; 31],
    pub sp: u64,
    pub elr: u64,
    pub spsr: u64,
}

/// EL0t (AArch64), interrupts masked.
pub const SPSR_EL0: u64 = 0x3C0;

/// How user code came back to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trap {
    /// ESR_EL1's exception class (0x15 `svc`, 0x20 instruction abort,
    /// 0x24 data abort, 0x00 undefined or trapped instruction).
    pub class: u32,
    pub esr: u64,
    pub far: u64,
}

pub const EC_SVC: u32 = 0x15;
pub const EC_INSTRUCTION_ABORT: u32 = 0x20;
pub const EC_DATA_ABORT: u32 = 0x24;
pub const EC_UNKNOWN: u32 = 0x00;

core::arch::global_asm!(
    r#"
    .text
    .balign 8
    // enter_user(frame: *mut UserFrame) -> esr: the user frame's registers
    // in place, eret to EL0; returns when EL0 traps (el0_sync below).
    .global enter_user
enter_user:
    stp     x19, x20, [sp, #-112]!
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    str     x0, [sp, #96]
    ldr     x9, [x0, #248]
    msr     sp_el0, x9
    ldr     x9, [x0, #256]
    msr     elr_el1, x9
    ldr     x9, [x0, #264]
    msr     spsr_el1, x9
    ldp     x2, x3, [x0, #16]
    ldp     x4, x5, [x0, #32]
    ldp     x6, x7, [x0, #48]
    ldp     x8, x9, [x0, #64]
    ldp     x10, x11, [x0, #80]
    ldp     x12, x13, [x0, #96]
    ldp     x14, x15, [x0, #112]
    ldp     x16, x17, [x0, #128]
    ldp     x18, x19, [x0, #144]
    ldp     x20, x21, [x0, #160]
    ldp     x22, x23, [x0, #176]
    ldp     x24, x25, [x0, #192]
    ldp     x26, x27, [x0, #208]
    ldp     x28, x29, [x0, #224]
    ldr     x30, [x0, #240]
    ldp     x0, x1, [x0, #0]
    eret

    // An interrupt while EL0 ran: saved as a synchronous exception is,
    // answered with INTERRUPTED instead of ESR_EL1.
    .global el0_irq
el0_irq:
    stp     x0, x1, [sp, #-16]!
    mov     x1, #1
    b       el0_save

    // A synchronous exception from EL0: SP is SP_EL1 as enter_user left
    // it (the frame pointer at sp + 96).
    .global el0_sync
el0_sync:
    stp     x0, x1, [sp, #-16]!
    mov     x1, #0
el0_save:
    ldr     x0, [sp, #112]
    stp     x2, x3, [x0, #16]
    stp     x4, x5, [x0, #32]
    stp     x6, x7, [x0, #48]
    stp     x8, x9, [x0, #64]
    stp     x10, x11, [x0, #80]
    stp     x12, x13, [x0, #96]
    stp     x14, x15, [x0, #112]
    stp     x16, x17, [x0, #128]
    stp     x18, x19, [x0, #144]
    stp     x20, x21, [x0, #160]
    stp     x22, x23, [x0, #176]
    stp     x24, x25, [x0, #192]
    stp     x26, x27, [x0, #208]
    stp     x28, x29, [x0, #224]
    str     x30, [x0, #240]
    ldp     x2, x3, [sp], #16
    stp     x2, x3, [x0, #0]
    mrs     x9, sp_el0
    str     x9, [x0, #248]
    mrs     x9, elr_el1
    str     x9, [x0, #256]
    mrs     x9, spsr_el1
    str     x9, [x0, #264]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     x19, x20, [sp], #112
    mrs     x0, esr_el1
    cbz     x1, 1f
    mov     x0, #{interrupted}
1:  ret
"#,
    interrupted = const INTERRUPTED,
);

/// What `enter_user` answers for an interrupt (not an ESR: those have no
/// bit above 31).
const INTERRUPTED: u64 = 1 << 40;
/// [`Trap::class`] of an interrupt of the normal world that preempted
/// user code (not an architectural exception class).
pub const EC_INTERRUPT: u32 = 0x100;

const _: () = assert!(core::mem::size_of::<UserFrame>() == 272);

unsafe extern "C" {
    fn enter_user(frame: *mut UserFrame) -> u64;
}

/// Which interrupts end a run of user code ([`EC_INTERRUPT`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Interrupts {
    /// None: it runs until it traps.
    Masked,
    /// IRQ and FIQ: the normal world's interrupts (the caller gives the
    /// normal world its turn) and the kernel's watchdog.
    All,
    /// FIQ only: the kernel's watchdog (the secure physical timer, group
    /// 0), for code that cannot give the normal world its turn.
    Watchdog,
}

/// Arm the watchdog (the secure physical timer) to fire in `ticks` of
/// the counter.
pub fn watchdog_arm(ticks: u64) {
    // SAFETY: the secure physical timer is the kernel's (SCR_EL3.ST);
    // enabled with its interrupt unmasked.
    unsafe {
        core::arch::asm!("msr cntps_tval_el1, {}", "msr cntps_ctl_el1, {}", "isb",
            in(reg) ticks, in(reg) 1u64);
    }
}

/// Whether the watchdog fired.
pub fn watchdog_fired() -> bool {
    let ctl: u64;
    // SAFETY: reading the kernel's timer.
    unsafe { core::arch::asm!("mrs {}, cntps_ctl_el1", out(reg) ctl) };
    ctl & 0b101 == 0b101 // ENABLE and ISTATUS
}

/// Disarm the watchdog: its interrupt line drops, so nothing of it
/// reaches the normal world (which has no handler for a FIQ).
pub fn watchdog_disarm() {
    // SAFETY: as in `watchdog_arm`.
    unsafe { core::arch::asm!("msr cntps_ctl_el1, xzr", "isb") };
}

/// Run `frame` in `space` at EL0 until it traps back, or until one of
/// `interrupts` arrives ([`EC_INTERRUPT`]).
pub fn run(space: &AddressSpace, frame: &mut UserFrame, interrupts: Interrupts) -> Trap {
    let (tcr, ttbr0): (u64, u64);
    // SAFETY: reading translation registers.
    unsafe {
        core::arch::asm!("mrs {}, tcr_el1", "mrs {}, ttbr0_el1", out(reg) tcr, out(reg) ttbr0);
    }
    // The ASID field stays as it is (see the module's documentation):
    // only the table base changes.
    let t0 = space.root(tcr) | (ttbr0 & (0xffff << 48));
    if LAST_RUN.swap(space.id, Ordering::Relaxed) != space.id {
        flush_secure_tlb();
    }
    // EL0t with debug and SError masked, IRQ and FIQ as asked, whatever
    // the frame says; only the condition flags are the user's.
    let daif = match interrupts {
        Interrupts::Masked => SPSR_EL0,
        Interrupts::All => SPSR_EL0 & !0xC0,
        Interrupts::Watchdog => SPSR_EL0 & !0x40,
    };
    frame.spsr = (frame.spsr & 0xF000_0000) | daif;
    // The EL0 registers belong to the normal world (Linux keeps its
    // `current` task in SP_EL0 and user thread pointers in TPIDR*_EL0; the
    // monitor does not swap them): kept here, zero for the TA (nothing of
    // the normal world reaches it), and put back before the kernel
    // returns to the monitor.
    let (sp_el0, tpidr, tpidrro): (u64, u64, u64);
    // SAFETY: reading EL0 registers from EL1.
    unsafe {
        core::arch::asm!("mrs {}, sp_el0", "mrs {}, tpidr_el0", "mrs {}, tpidrro_el0",
            out(reg) sp_el0, out(reg) tpidr, out(reg) tpidrro);
    }
    // The FP/SIMD registers hold the normal world's state (Linux lets
    // its tasks use them without trapping; the monitor does not swap
    // them): EL0 traps on any use (CPACR_EL1.FPEN = 0b01) while a TA runs.
    let cpacr: u64;
    // SAFETY: reading CPACR_EL1.
    unsafe { core::arch::asm!("mrs {}, cpacr_el1", out(reg) cpacr) };
    let esr;
    // SAFETY: the space's tables map the kernel exactly as its own tables
    // do (the same level-1 entries), so kernel execution continues across
    // the switch; `enter_user` returns only through `el0_sync`, with every
    // callee-saved register restored. The kernel's tables and the normal
    // world's EL0 registers come back before anything else runs.
    unsafe {
        core::arch::asm!("msr tpidr_el0, xzr", "msr tpidrro_el0, xzr");
        core::arch::asm!("msr cpacr_el1, {}", in(reg) (cpacr & !(3 << 20)) | (1 << 20));
        core::arch::asm!("dsb ishst", "msr ttbr0_el1, {}", "isb", in(reg) t0);
        esr = enter_user(frame);
        core::arch::asm!("msr ttbr0_el1, {}", "isb", in(reg) ttbr0);
        core::arch::asm!("msr sp_el0, {}", "msr tpidr_el0, {}", "msr tpidrro_el0, {}",
            "msr cpacr_el1, {}",
            in(reg) sp_el0, in(reg) tpidr, in(reg) tpidrro, in(reg) cpacr);
    }
    let far: u64;
    // SAFETY: reading the fault address register.
    unsafe { core::arch::asm!("mrs {}, far_el1", out(reg) far) };
    Trap {
        class: if esr == INTERRUPTED {
            EC_INTERRUPT
        } else {
            (esr >> 26) as u32 & 0x3f
        },
        esr,
        far,
    }
}

/// Where the self-test loads its program, and its stack.
const IMAGE_AT: u64 = USER_BASE + 0x10_0000;
const STACK_AT: u64 = USER_BASE + 0x40_0000;
const STACK_PAGES: u64 = 4;
/// A page of stubs, read-execute: [exit] `mov x8, #0; svc #0`, then the
/// probes, each one instruction followed by `svc #0`.
const STUBS_AT: u64 = USER_BASE;
const STUBS: [u32; 14] = [
    0xD280_0008,
    0xD400_0001, // 0: exit
    0xF940_0000,
    0xD400_0001, // 8: ldr x0, [x0]
    0xF900_0001,
    0xD400_0001, // 16: str x1, [x0]
    0xD61F_0000,
    0xD400_0001, // 24: br x0
    0xD518_2000,
    0xD400_0001, // 32: msr ttbr0_el1, x0
    0x9E67_0000,
    0xD400_0001, // 40: fmov d0, x0
    0xD503_4FDF,
    0xD400_0001, // 48: msr daifset, #15
];
const EXIT: u64 = STUBS_AT;
const LOAD: u64 = STUBS_AT + 8;
const STORE: u64 = STUBS_AT + 16;
const JUMP: u64 = STUBS_AT + 24;
const PRIVILEGED: u64 = STUBS_AT + 32;
const FLOAT: u64 = STUBS_AT + 40;
const MASK: u64 = STUBS_AT + 48;
/// ESR class of a trapped MSR, MRS or system instruction.
const EC_SYSREG: u32 = 0x18;
/// ESR class of a trapped floating-point or SIMD instruction.
pub const EC_FP: u32 = 0x07;

/// The image the self-test runs: `crates/tz-abi/src/testdata/pie.c`.
const PIE: &[u8] = include_bytes!("../../../crates/tz-abi/src/testdata/pie.elf");

/// A probe: its name, the stub it runs, the address it aims at, and
/// whether the trap is the one expected.
type Probe = (&'static str, u64, u64, fn(Trap, u64) -> bool);

/// Checks of user mode, as the kernel runs them at boot and the
/// user-mode test PTA on request: (passed, failed), with a log line per
/// failure.
pub fn self_test(mut fail: impl FnMut(&str, Trap)) -> Result<(u32, u32), OutOfMemory> {
    let mut space = AddressSpace::new()?;
    let stubs = space.map(STUBS_AT, Perm::Rx)?;
    for (i, w) in STUBS.iter().enumerate() {
        stubs[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    // The stack, between unmapped guard pages.
    space.map_range(STACK_AT, STACK_PAGES, Perm::Rw)?;
    let entry = match space.load(PIE, IMAGE_AT) {
        Ok(e) => e,
        Err(LoadFailed::OutOfMemory) => return Err(OutOfMemory),
        Err(LoadFailed::Image(e)) => {
            oxtee_pl011::log!(crate::UART, "oxtee kernel: the test program: {e:?}\n");
            fail("loading the test program", Trap::default());
            return Ok((0, 1));
        }
        Err(LoadFailed::TooLarge) => {
            fail("the test program fits", Trap::default());
            return Ok((0, 1));
        }
    };
    let (mut passed, mut failed) = (0, 0);
    let mut check = |name: &str, ok: bool, t: Trap| {
        if ok {
            passed += 1;
        } else {
            failed += 1;
            fail(name, t);
        }
    };
    let call = |space: &AddressSpace, pc: u64, x0: u64, x1: u64| {
        let mut f = UserFrame {
            elr: pc,
            sp: STACK_AT + STACK_PAGES * PAGE,
            ..UserFrame::default()
        };
        f.x[0] = x0;
        f.x[1] = x1;
        f.x[30] = EXIT;
        let t = run(space, &mut f, Interrupts::Masked);
        (t, f)
    };
    // The program runs, its pointers relocated, its data kept between
    // calls: (table[1][0] = 'f') + 1 + 1, then ('h') + 2 + 1.
    let (t, f) = call(&space, entry, 1, 0);
    check("run the program", t.class == EC_SVC && f.x[0] == 0x68, t);
    let (t, f) = call(&space, entry, 0, 0);
    check("run it again", t.class == EC_SVC && f.x[0] == 0x6b, t);
    // What user code may do: read its own code and data.
    let (t, f) = call(&space, LOAD, IMAGE_AT + 0x2000, 0);
    check(
        "read own rodata",
        t.class == EC_SVC && f.x[0].to_le_bytes() == *b"hello fr",
        t,
    );
    // What it may not do. Each faults, and the kernel goes on.
    let data_abort = |t: Trap, at: u64| t.class == EC_DATA_ABORT && t.far == at;
    let kernel = mmu::KERNEL_BASE;
    let probes: [Probe; 9] = [
        ("read kernel memory", LOAD, kernel, data_abort),
        ("read normal-world RAM", LOAD, 0x4000_0000, data_abort),
        ("read a guard page", LOAD, STACK_AT - PAGE, data_abort),
        (
            "read unmapped user memory",
            LOAD,
            USER_END - PAGE,
            data_abort,
        ),
        ("write own code", STORE, IMAGE_AT + 0x1000, data_abort),
        ("write own rodata", STORE, IMAGE_AT + 0x2000, data_abort),
        ("write kernel memory", STORE, kernel + 0x10_0000, data_abort),
        ("execute own data", JUMP, IMAGE_AT + 0x4000, |t, at| {
            t.class == EC_INSTRUCTION_ABORT && t.far == at
        }),
        ("execute kernel code", JUMP, kernel, |t, at| {
            t.class == EC_INSTRUCTION_ABORT && t.far == at
        }),
    ];
    for (name, pc, at, expect) in probes {
        let (t, _) = call(&space, pc, at, 0x5a5a);
        check(name, expect(t, at), t);
    }
    let (t, _) = call(&space, PRIVILEGED, 0, 0);
    check("write a system register", t.class == EC_UNKNOWN, t);
    // The FP/SIMD registers are the normal world's (the secure world
    // keeps no such state): any use traps.
    let (t, _) = call(&space, FLOAT, 0x5a5a, 0);
    check("use a floating-point register", t.class == EC_FP, t);
    // Nor can it keep the normal world's interrupts out (SCTLR_EL1.UMA
    // is clear): preemption holds.
    let (t, _) = call(&space, MASK, 0, 0);
    check("mask interrupts", t.class == EC_SYSREG, t);
    // Nothing was written where it must not be: the data page reads as
    // the program left it.
    let (t, f) = call(&space, LOAD, IMAGE_AT + 0x4000, 0);
    check(
        "data intact",
        t.class == EC_SVC && f.x[0] == IMAGE_AT + 0x2000,
        t,
    );
    Ok((passed, failed))
}

impl Default for Trap {
    fn default() -> Self {
        Trap {
            class: u32::MAX,
            esr: 0,
            far: 0,
        }
    }
}

/// oxtee's user-mode test pseudo-TA, 0e7ee7a0-7e57-4a7a-8e57-7e57a0000002:
/// command 0 runs [`self_test`] now (under whatever translation regime the
/// normal world's calls run in) and answers (passed, failed) in a value
/// out parameter.
pub struct UserTestPta;

/// Its UUID.
pub const USER_TEST_PTA_UUID: [u8; 16] = [
    0x0e, 0x7e, 0xe7, 0xa0, 0x7e, 0x57, 0x4a, 0x7a, 0x8e, 0x57, 0x7e, 0x57, 0xa0, 0x00, 0x00, 0x02,
];

impl oxtee_tz_abi::pta::Pta for UserTestPta {
    fn uuid(&self) -> [u8; 16] {
        USER_TEST_PTA_UUID
    }

    fn open_session(
        &mut self,
        _: u32,
        _: &oxtee_tz_abi::pta::Client,
        _: &mut [oxtee_tz_abi::pta::Param; 4],
    ) -> u32 {
        oxtee_gp::TEE_SUCCESS
    }

    fn close_session(&mut self, _: u32) {}

    fn invoke(
        &mut self,
        _: u32,
        cmd: u32,
        p: &mut [oxtee_tz_abi::pta::Param; 4],
        _: &oxtee_tz_abi::rpc::Rpc,
    ) -> oxtee_tz_abi::pta::Invoked {
        use oxtee_tz_abi::pta::{Dir, Invoked, Param, param_types};
        if cmd != 0 {
            return Invoked::Done(oxtee_gp::TEE_ERROR_NOT_SUPPORTED);
        }
        if param_types(p) != 2 {
            return Invoked::Done(oxtee_gp::TEE_ERROR_BAD_PARAMETERS);
        }
        match self_test(log_failure) {
            Ok((passed, failed)) => {
                p[0] = Param::Value {
                    a: passed,
                    b: failed,
                    dir: Dir::Out,
                };
                Invoked::Done(oxtee_gp::TEE_SUCCESS)
            }
            Err(OutOfMemory) => Invoked::Done(oxtee_gp::TEE_ERROR_OUT_OF_MEMORY),
        }
    }
}

/// Log a failed user-mode check.
pub fn log_failure(name: &str, t: Trap) {
    oxtee_pl011::log!(
        crate::UART,
        "oxtee kernel: S-EL0 check FAILED: {name} (exception class {:#x}, ESR {:#x}, FAR {:#x})\n",
        t.class,
        t.esr,
        t.far
    );
}
