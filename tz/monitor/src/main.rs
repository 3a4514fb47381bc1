//! oxtee's EL3 secure monitor for QEMU's `virt` machine with `secure=on`.
//!
//! It boots first (the `-bios` image in the secure flash), sets up EL3 and
//! the GIC's security configuration, copies the secure kernel (embedded at
//! build time) into secure RAM and runs its cold boot at S-EL1. When the
//! kernel reports its entry vector (`RETURN_ENTRY_DONE`), the monitor
//! enters the normal world: Linux's `Image` at [`NS_ENTRY`] with the
//! device tree at [`NS_DTB`] (both placed by QEMU's loader).
//!
//! From then on every SMC lands here. SMCCC architecture calls and PSCI
//! are answered by the monitor; trusted-OS calls (OP-TEE's identifiers)
//! switch worlds: the normal world's registers and EL1 system registers
//! are saved, the kernel's restored, and the kernel entered at its fast or
//! yielding entry with the caller's x0..x7; its `RETURN_CALL_DONE` SMC
//! switches back with x1..x4 as the caller's x0..x3. Anything else is
//! answered with SMCCC's "not supported". Single CPU (`-smp 1`).
#![no_std]
#![no_main]

mod el1;
mod platform;
mod seeds;

use core::cell::UnsafeCell;
use core::panic::PanicInfo;

use oxtee_tz_abi::monitor::{
    ENTRY_FAST, ENTRY_YIELDING, RETURN_CALL_DONE, RETURN_ENTRY_DONE, STAMP_LAST_RETURN, STAMP_SMC,
    TTBR_ASID, shares_translation, valid_entry_vector, valid_table,
};
use oxtee_tz_abi::smccc::{self, FunctionId, Route};

use oxtee_pl011::log;
use platform::*;

/// The registers of a lower exception level, as the vector stubs save
/// them on the EL3 stack (layout shared with the assembly below).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Frame {
    pub x: [u64; 31],
    pub elr: u64,
    pub spsr: u64,
    _pad: u64,
}

const FRAME_SIZE: usize = 272;
const _: () = assert!(core::mem::size_of::<Frame>() == FRAME_SIZE);

impl Frame {
    const ZERO: Frame = Frame {
        x: [0; 31],
        elr: 0,
        spsr: 0,
        _pad: 0,
    };
}

/// Round trips timed at boot.
const BENCH_CALLS: u32 = 1000;

fn counter() -> u64 {
    let v: u64;
    // SAFETY: reading the physical count has no side effect.
    unsafe { core::arch::asm!("isb", "mrs {}, cntpct_el0", out(reg) v) };
    v
}

fn counter_hz() -> u64 {
    let v: u64;
    // SAFETY: reading the counter frequency has no side effect.
    unsafe { core::arch::asm!("mrs {}, cntfrq_el0", out(reg) v) };
    v
}

/// Rewrite `frame` to enter the kernel's entry for a call with `args`
/// (secure world selected, the kernel's EL1 context loaded).
fn enter_kernel(frame: &mut Frame, st: &State, fast: bool, args: &[u64]) {
    *frame = Frame::ZERO;
    frame.x[..args.len()].copy_from_slice(args);
    frame.elr = st.vector + if fast { ENTRY_FAST } else { ENTRY_YIELDING };
    frame.spsr = SPSR_EL1H_MASKED;
}

/// EL1h with D, A, I and F masked: how both worlds are entered.
const SPSR_EL1H_MASKED: u64 = 0x3C5;

/// SCR_EL3: lower levels are AArch64 (RW), HVC disabled (no EL2), SMC
/// enabled, the secure physical timer S-EL1's (ST: the kernel's
/// watchdog); NS selects the world.
const SCR_RW: u64 = 1 << 10 | 1 << 11;
const SCR_NS: u64 = 1 << 0;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The kernel's cold boot runs.
    KernelBoot,
    /// Timing world switches at boot: fast calls into the kernel made by
    /// the monitor itself, with the full EL1 context swap a normal-world
    /// SMC costs (`left` to go, started at counter `start`).
    Bench { left: u32, start: u64 },
    /// The normal world runs.
    Normal,
    /// A call runs in the secure kernel.
    InKernel,
}

struct State {
    phase: Phase,
    /// The kernel's entry vector.
    vector: u64,
    /// The normal world's registers while the kernel runs.
    ns_frame: Frame,
    ns_el1: el1::Regs,
    /// The kernel's EL1 context, as its cold boot left it (it never
    /// changes them later: every entry starts afresh).
    s_el1: el1::Regs,
    /// The kernel's level-0 table and empty table (for shared switches).
    l0: u64,
    empty: u64,
    /// The call in progress entered with the normal world's SCTLR and TCR
    /// left in place; the normal world's TTBR1 meanwhile.
    shared: bool,
    ns_ttbr1: u64,
    /// What the log last said about sharing (None: nothing yet).
    logged_shared: Option<bool>,
    /// The counter when the normal world's call trapped here.
    call_start: u64,
    /// The call in progress is a yielding one; the counter when the last
    /// yielding call returned to the normal world (both for the kernel's
    /// trace: see `oxtee_tz_abi::monitor::STAMP_SMC`).
    yielding: bool,
    last_return: u64,
    /// Trusted-OS calls answered, and the counter ticks they spent from
    /// the normal world's SMC to its return (both world switches and the
    /// kernel's work).
    calls: u64,
    call_ticks: u64,
    /// The counter when the kernel was entered; ticks spent in it.
    kernel_start: u64,
    kernel_ticks: u64,
}

struct Global(UnsafeCell<State>);

// SAFETY: one CPU, and EL3 runs with every interrupt masked: the state is
// only ever touched by one exception handler at a time.
unsafe impl Sync for Global {}

static STATE: Global = Global(UnsafeCell::new(State {
    phase: Phase::KernelBoot,
    vector: 0,
    ns_frame: Frame::ZERO,
    ns_el1: el1::Regs::ZERO,
    s_el1: el1::Regs::ZERO,
    l0: 0,
    empty: 0,
    shared: false,
    ns_ttbr1: 0,
    logged_shared: None,
    call_start: 0,
    yielding: false,
    last_return: 0,
    calls: 0,
    call_ticks: 0,
    kernel_start: 0,
    kernel_ticks: 0,
}));

fn state() -> &'static mut State {
    // SAFETY: see `Global`: handlers never nest, so this is the only
    // reference alive while a handler runs.
    unsafe { &mut *STATE.0.get() }
}

/// The secure kernel's flat image (see `scripts/tz.sh`).
#[repr(C, align(4096))]
struct Aligned<T: ?Sized>(T);
static KERNEL_IMAGE: &Aligned<[u8]> = &Aligned(*include_bytes!(env!("OXTEE_TZ_KERNEL")));

core::arch::global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
_start:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    cbnz    x0, 9f
    // The boot code runs below the top frame's slot (see `enter`).
    ldr     x0, =__stack_top
    sub     x0, x0, #512
    mov     sp, x0
    ldr     x0, =__data_start
    ldr     x1, =__data_end
    ldr     x2, =__data_lma
1:  cmp     x0, x1
    b.hs    2f
    ldr     x3, [x2], #8
    str     x3, [x0], #8
    b       1b
2:  ldr     x0, =__bss_start
    ldr     x1, =__bss_end
3:  cmp     x0, x1
    b.hs    4f
    str     xzr, [x0], #8
    b       3b
4:  adr     x0, el3_vectors
    msr     vbar_el3, x0
    isb
    bl      monitor_main
9:  wfe
    b       9b

    .text
    .balign 0x800
el3_vectors:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7
    .balign 0x80
    mov     x0, #\n
    b       el3_unexpected
    .endr
    .balign 0x80
    b       el3_lower_sync
    .irp n, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #\n
    b       el3_unexpected
    .endr

el3_lower_sync:
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mrs     x0, elr_el3
    mrs     x1, spsr_el3
    stp     x0, x1, [sp, #248]
    mov     x0, sp
    bl      el3_sync
    b       el3_exit

    .global el3_enter
el3_enter:
    mov     sp, x0
el3_exit:
    ldp     x0, x1, [sp, #248]
    msr     elr_el3, x0
    msr     spsr_el3, x1
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp, #0]
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    add     sp, sp, #{frame}
    eret
    "#,
    frame = const FRAME_SIZE,
);

unsafe extern "C" {
    /// Load `frame` (placed at the top of the EL3 stack) and `eret`.
    fn el3_enter(frame: *const Frame) -> !;
    static __stack_top: u8;
}

fn read_scr() -> u64 {
    let v: u64;
    // SAFETY: reading SCR_EL3 at EL3 has no side effect.
    unsafe { core::arch::asm!("mrs {}, scr_el3", out(reg) v) };
    v
}

fn write_scr(v: u64) {
    // SAFETY: the monitor owns SCR_EL3; callers pass one of the two
    // configurations above, and the change takes effect at the next eret.
    unsafe { core::arch::asm!("msr scr_el3, {}", "isb", in(reg) v) };
}

#[unsafe(no_mangle)]
extern "C" fn monitor_main() -> ! {
    log!(UART, "oxtee monitor: EL3 up\n");
    // SAFETY: EL3 configuration before any lower level runs: no trapping
    // of FP/SIMD or of debug and trace registers to EL3.
    unsafe {
        core::arch::asm!("msr cptr_el3, xzr", "msr mdcr_el3, xzr", "isb");
    }
    platform::gic_init();
    let image = &KERNEL_IMAGE.0;
    let room = (KERNEL_END - KERNEL_BASE) as usize;
    if image.len() > room {
        panic!("the secure kernel ({} bytes) does not fit", image.len());
    }
    // SAFETY: [KERNEL_BASE, KERNEL_END) is secure RAM that nothing else
    // uses (the monitor's own data is below KERNEL_BASE) and the source
    // is the monitor's read-only flash.
    unsafe {
        core::ptr::copy_nonoverlapping(image.as_ptr(), KERNEL_BASE as *mut u8, image.len());
    }
    log!(
        UART,
        "oxtee monitor: secure kernel loaded at {KERNEL_BASE:#x}, {} bytes\n",
        image.len()
    );
    let seeds = seeds::take();
    match seeds.secure {
        Some(_) => log!(
            UART,
            "oxtee monitor: secure boot seed taken from the machine's /secure-chosen and zeroed in normal-world RAM; this boot's /chosen seeds given to the normal world ({} properties)\n",
            seeds.refreshed
        ),
        None => log!(
            UART,
            "oxtee monitor: WARNING: the machine gave no secure boot seed (/secure-chosen rng-seed): the secure world's randomness starts from the counter alone\n"
        ),
    }
    let seed = seeds.secure.unwrap_or_default();
    write_scr(SCR_RW);
    let mut f = Frame::ZERO;
    f.x[0] = KERNEL_BASE;
    f.x[1] = KERNEL_END;
    // The seed to the kernel's cold boot in x2..x5 (registers, never
    // memory the normal world could read).
    for (i, w) in seed.chunks_exact(8).enumerate() {
        f.x[2 + i] = u64::from_le_bytes(w.try_into().unwrap_or_default());
    }
    f.elr = KERNEL_BASE;
    f.spsr = SPSR_EL1H_MASKED;
    enter(&f)
}

/// Enter a lower level with `f` from a fresh EL3 stack (called from the
/// boot code, whose stack starts below the slot).
fn enter(f: &Frame) -> ! {
    // SAFETY: the frame goes to the top of the EL3 stack, which holds
    // nothing the monitor still needs (the caller does not return).
    unsafe {
        let top = &raw const __stack_top as usize;
        let slot = (top - FRAME_SIZE) as *mut Frame;
        slot.write(*f);
        el3_enter(slot)
    }
}

#[unsafe(no_mangle)]
extern "C" fn el3_unexpected(vector: u64) -> ! {
    let (esr, elr): (u64, u64);
    // SAFETY: reading EL3 syndrome registers.
    unsafe { core::arch::asm!("mrs {}, esr_el3", "mrs {}, elr_el3", out(reg) esr, out(reg) elr) };
    log!(
        UART,
        "oxtee monitor: unexpected exception, vector {vector} esr {esr:#x} elr {elr:#x}\n"
    );
    platform::power_off()
}

/// A synchronous exception from a lower level (SMC, or a trap).
#[unsafe(no_mangle)]
extern "C" fn el3_sync(frame: &mut Frame) {
    let esr: u64;
    // SAFETY: reading ESR_EL3.
    unsafe { core::arch::asm!("mrs {}, esr_el3", out(reg) esr) };
    let ec = (esr >> 26) & 0x3F;
    if ec != 0x17 {
        // Not an SMC from AArch64: nothing else is routed here.
        log!(
            UART,
            "oxtee monitor: unexpected trap from a lower level, esr {esr:#x} elr {:#x}\n",
            frame.elr
        );
        platform::power_off();
    }
    if read_scr() & SCR_NS != 0 {
        from_normal_world(frame);
    } else {
        from_secure_world(frame);
    }
}

fn from_normal_world(frame: &mut Frame) {
    let st = state();
    let id = FunctionId::from_x0(frame.x[0]);
    match smccc::route(id) {
        Route::Monitor => platform::monitor_call(id, frame),
        Route::TrustedOsFast | Route::TrustedOsYielding => {
            st.call_start = counter();
            st.ns_frame = *frame;
            st.ns_el1 = el1::Regs::save();
            let (sctlr, tcr) = (st.ns_el1.sctlr(), st.ns_el1.tcr());
            st.shared = shares_translation(sctlr, tcr);
            if st.logged_shared != Some(st.shared) {
                st.logged_shared = Some(st.shared);
                let how = if st.shared {
                    "shared with the secure kernel (a world switch writes neither)"
                } else {
                    "not shareable: the kernel's own are loaded at each switch"
                };
                log!(
                    UART,
                    "oxtee monitor: the normal world's SCTLR_EL1 {sctlr:#x} and TCR_EL1 {tcr:#x}: {how}\n"
                );
            }
            if st.shared {
                st.ns_ttbr1 = el1::ttbr1();
                let ttbr0 = st.l0 | (st.ns_el1.ttbr0() & TTBR_ASID);
                let ttbr1 = st.empty | (st.ns_ttbr1 & TTBR_ASID);
                st.s_el1.restore_shared(ttbr0, ttbr1);
            } else {
                st.s_el1.restore();
            }
            write_scr(SCR_RW);
            let offset = if id.is_fast() {
                ENTRY_FAST
            } else {
                ENTRY_YIELDING
            };
            let args = frame.x;
            *frame = Frame::ZERO;
            frame.x[..8].copy_from_slice(&args[..8]);
            frame.x[STAMP_SMC] = st.call_start;
            frame.x[STAMP_LAST_RETURN] = st.last_return;
            st.yielding = !id.is_fast();
            frame.elr = st.vector + offset;
            frame.spsr = SPSR_EL1H_MASKED;
            st.phase = Phase::InKernel;
            st.kernel_start = counter();
        }
        Route::Unknown => frame.x[0] = id.unknown(),
    }
}

fn from_secure_world(frame: &mut Frame) {
    let st = state();
    let id = frame.x[0] as u32;
    match (st.phase, id) {
        (Phase::KernelBoot, RETURN_ENTRY_DONE) => {
            let vector = frame.x[1];
            if !valid_entry_vector(vector, KERNEL_BASE, KERNEL_END) {
                panic!("the secure kernel gave a bad entry vector {vector:#x}");
            }
            let (l0, empty) = (frame.x[2], frame.x[3]);
            if !valid_table(l0, KERNEL_BASE, KERNEL_END)
                || !valid_table(empty, KERNEL_BASE, KERNEL_END)
            {
                panic!("the secure kernel gave bad translation tables {l0:#x} {empty:#x}");
            }
            st.vector = vector;
            st.l0 = l0;
            st.empty = empty;
            st.s_el1 = el1::Regs::save();
            el1::Regs::NS_RESET.restore();
            st.phase = Phase::Bench {
                left: BENCH_CALLS,
                start: counter(),
            };
            bench_call(frame, st);
        }
        (Phase::Bench { left, start }, RETURN_CALL_DONE) => {
            if frame.x[1] != oxtee_tz_abi::optee::RETURN_OK {
                panic!(
                    "the secure kernel failed the timing call: {:#x}",
                    frame.x[1]
                );
            }
            st.ns_el1.restore();
            if left > 1 {
                st.phase = Phase::Bench {
                    left: left - 1,
                    start,
                };
                bench_call(frame, st);
                return;
            }
            let ns = (counter() - start) * 1_000_000_000 / counter_hz() / BENCH_CALLS as u64;
            log!(
                UART,
                "oxtee monitor: world switch round trip (EL3 -> S-EL1 fast call -> EL3, EL1 contexts swapped both ways): {}.{} us, mean of {BENCH_CALLS}\n",
                ns / 1000,
                (ns % 1000) / 100
            );
            el1::Regs::NS_RESET.restore();
            write_scr(SCR_RW | SCR_NS);
            let us = counter() * 1_000_000 / counter_hz();
            log!(
                UART,
                "oxtee monitor: entering the normal world at {NS_ENTRY:#x}, {}.{:03} ms after reset\n",
                us / 1000,
                us % 1000
            );
            *frame = Frame::ZERO;
            frame.x[0] = NS_DTB;
            frame.elr = NS_ENTRY;
            frame.spsr = SPSR_EL1H_MASKED;
            st.phase = Phase::Normal;
        }
        (Phase::InKernel, RETURN_CALL_DONE) => {
            st.kernel_ticks += counter().wrapping_sub(st.kernel_start);
            let results = [frame.x[1], frame.x[2], frame.x[3], frame.x[4]];
            // The kernel's own context is not saved: it is the same at
            // every entry (see `State::s_el1`).
            if st.shared {
                st.ns_el1.restore_shared(st.ns_el1.ttbr0(), st.ns_ttbr1);
            } else {
                st.ns_el1.restore();
            }
            write_scr(SCR_RW | SCR_NS);
            *frame = st.ns_frame;
            frame.x[..4].copy_from_slice(&results);
            st.phase = Phase::Normal;
            st.calls += 1;
            let now = counter();
            st.call_ticks += now.wrapping_sub(st.call_start);
            if st.yielding {
                st.last_return = now;
            }
        }
        _ => panic!("the secure kernel made an unexpected SMC {id:#x}"),
    }
}

/// At power-off: how long the normal world's calls spent in EL3 and the
/// secure world (SMC to return, RPC returns counted as calls).
pub fn log_call_stats() {
    let st = state();
    if st.calls == 0 {
        return;
    }
    let per_call = |ticks: u64| ticks * 1_000_000_000 / counter_hz() / st.calls;
    let (all, kernel) = (per_call(st.call_ticks), per_call(st.kernel_ticks));
    log!(
        UART,
        "oxtee monitor: {} trusted-OS calls from the normal world, {}.{} us each from its SMC to its return, {}.{} us of it in the kernel (means)\n",
        st.calls,
        all / 1000,
        (all % 1000) / 100,
        kernel / 1000,
        (kernel % 1000) / 100
    );
}

/// One timed round trip: what the normal world's SMC does on the way in.
fn bench_call(frame: &mut Frame, st: &mut State) {
    st.ns_el1 = el1::Regs::save();
    st.s_el1.restore();
    write_scr(SCR_RW);
    let id = oxtee_tz_abi::optee::GET_THREAD_COUNT as u64;
    enter_kernel(frame, st, true, &[id]);
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    log!(UART, "oxtee monitor: panic: {}\n", info.message());
    platform::power_off()
}
