//! oxtee's secure kernel at S-EL1 (QEMU virt, secure=on).
//!
//! The monitor runs its cold boot once (`_start`): the kernel builds its
//! own translation tables (W^X, the monitor's memory unmapped, normal-world
//! RAM mapped non-secure and never executable), reports the secure memory
//! layout and hands the monitor its entry vector. Every later entry is one
//! SMC from the normal world, forwarded by the monitor to the fast or the
//! yielding entry with the caller's x0..x7; the kernel answers with an SMC
//! `RETURN_CALL_DONE` carrying the caller's x0..x3.
//!
//! What it serves (OP-TEE's SMC ABI, as Linux's `optee` driver speaks it):
//! the calls UID and revision, the OS UUID and revision, capabilities
//! (dynamic shared memory), the shared-memory cache calls, the thread
//! count, and `CALL_WITH_ARG` with its `optee_msg` argument copied once
//! from normal-world memory and checked (see [`calls`]); calls that wait
//! for the normal world return RPCs and continue on `RETURN_FROM_RPC`
//! (their state is a task in the service, never this stack: every entry
//! starts on a fresh one).
#![no_std]
#![no_main]

extern crate alloc;

mod calls;
mod fiber;
mod mmu;
mod ns;
mod storage;
mod user;
mod uta;

use core::alloc::{GlobalAlloc, Layout};
use core::panic::PanicInfo;

use buddy_system_allocator::Heap;

use oxtee_pl011::{Pl011, log};
use oxtee_tz_abi::monitor::{RETURN_CALL_DONE, RETURN_ENTRY_DONE};

/// The secure UART: the secure world's log.
// SAFETY: QEMU virt's secure PL011, identity mapped as Device memory by
// `mmu` (and reachable with the MMU off before that).
pub const UART: Pl011 = unsafe { Pl011::new(0x0904_0000) };

core::arch::global_asm!(
    r#"
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x9, =__stack_top
    mov     sp, x9
    ldr     x9, =__bss_start
    ldr     x10, =__bss_end
1:  cmp     x9, x10
    b.hs    2f
    str     xzr, [x9], #8
    b       1b
2:  adr     x9, el1_vectors
    msr     vbar_el1, x9
    isb
    bl      kernel_main
    b       .

    .text
    .balign 8
    .global entry_vector
entry_vector:
    b       yielding_entry
    b       fast_entry

yielding_entry:
    adr     x11, kernel_yielding
    b       call_entry
fast_entry:
    adr     x11, kernel_fast
call_entry:
    ldr     x10, =__stack_top
    mov     sp, x10
    sub     sp, sp, #80
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    mov     x0, sp
    blr     x11
    ldp     x1, x2, [sp, #0]
    ldp     x3, x4, [sp, #16]
    ldr     x0, ={done}
    smc     #0
    b       .

    .balign 0x800
el1_vectors:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7
    .balign 0x80
    mov     x0, #\n
    b       kernel_exception
    .endr
    // Lower EL, AArch64, synchronous: user code trapping back (`user`).
    .balign 0x80
    b       el0_sync
    // Lower EL, AArch64, IRQ and FIQ: the normal world's interrupts
    // preempting user code (`user`).
    .balign 0x80
    b       el0_irq
    .balign 0x80
    b       el0_irq
    .irp n, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #\n
    b       kernel_exception
    .endr
    "#,
    done = const RETURN_CALL_DONE,
);

unsafe extern "C" {
    static entry_vector: u8;
}

/// The kernel heap: a buddy allocator behind a spin lock.
struct KernelHeap(spin::Mutex<Heap<32>>);

// SAFETY: the heap's own invariants hold under the lock; a null pointer
// answers an allocation that does not fit (callers that can fail use
// fallible allocation); `dealloc` gets back what `alloc` gave with the
// same layout (GlobalAlloc's contract).
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0
            .lock()
            .alloc(layout)
            .map_or(core::ptr::null_mut(), |p| p.as_ptr())
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = core::ptr::NonNull::new(ptr) {
            // SAFETY: `ptr` came from `alloc` with this `layout` (the
            // caller's contract) and is not used again.
            unsafe { self.0.lock().dealloc(p, layout) };
        }
    }
}

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(spin::Mutex::new(Heap::empty()));

/// The kernel heap (all the secure RAM past the kernel's image: TA
/// pages too): bytes in use, and its size.
pub fn heap_use() -> (usize, usize) {
    let h = HEAP.0.lock();
    (h.stats_alloc_actual(), h.stats_total_bytes())
}

#[unsafe(no_mangle)]
extern "C" fn kernel_main(base: u64, end: u64, s0: u64, s1: u64, s2: u64, s3: u64) -> ! {
    // The boot seed the monitor took from the machine (x2..x5).
    let mut seed = [0u8; 32];
    for (out, w) in seed.chunks_exact_mut(8).zip([s0, s1, s2, s3]) {
        out.copy_from_slice(&w.to_le_bytes());
    }
    calls::set_boot_seed(seed);
    log!(
        UART,
        "oxtee kernel: S-EL1 up, secure RAM for the kernel {base:#x}..{end:#x}\n"
    );
    let layout = mmu::init();
    log!(
        UART,
        "oxtee kernel: MMU on; text {:#x}..{:#x} (RX), rodata ..{:#x} (R), data+bss+stack ..{:#x} (RW), free secure RAM {} KiB; normal-world RAM {:#x}..{:#x} (non-secure, never executable)\n",
        layout.text.0,
        layout.text.1,
        layout.rodata_end,
        layout.kernel_end,
        (end - layout.kernel_end) / 1024,
        ns::RAM_START,
        ns::RAM_END
    );
    // The heap: the secure RAM after the kernel's image and stack.
    // SAFETY: [kernel_end, end) is secure RAM mapped read-write by `mmu`
    // and used by nothing else; this runs once.
    unsafe {
        HEAP.0.lock().init(
            layout.kernel_end as usize,
            (end - layout.kernel_end) as usize,
        );
    }
    // User mode (S-EL0), checked before anything else may rely on it.
    match user::self_test(user::log_failure) {
        Ok((passed, 0)) => log!(
            UART,
            "oxtee kernel: S-EL0 self-test passed ({passed} checks: a relocated PIE runs and keeps its data; reads and writes of the kernel, normal-world RAM, guard pages and its own code fault; no page is writable and executable)\n"
        ),
        Ok((passed, failed)) => log!(
            UART,
            "oxtee kernel: S-EL0 self-test FAILED: {failed} of {} checks\n",
            passed + failed
        ),
        Err(_) => log!(
            UART,
            "oxtee kernel: S-EL0 self-test FAILED: out of memory\n"
        ),
    }
    log!(
        UART,
        "oxtee kernel: SHA-256 in the kernel, 64 KiB pieces: {} MiB/s\n",
        uta::sha256_speed()
    );
    let vector = &raw const entry_vector as u64;
    // SAFETY: the SMC hands control to the monitor, which never returns
    // here: later entries start at the entry vector with a fresh stack.
    unsafe {
        core::arch::asm!("smc #0", in("x0") RETURN_ENTRY_DONE as u64, in("x1") vector,
            in("x2") layout.l0, in("x3") layout.empty, options(noreturn));
    }
}

/// A yielding call: `regs` holds the caller's x0..x7 and the monitor's
/// stamps (x8, x9: `oxtee_tz_abi::monitor::STAMP_SMC`) and receives its
/// x0..x3.
#[unsafe(no_mangle)]
extern "C" fn kernel_yielding(regs: &mut [u64; 10]) {
    let out = calls::yielding(regs);
    regs[..4].copy_from_slice(&out);
}

/// A fast call, as [`kernel_yielding`].
#[unsafe(no_mangle)]
extern "C" fn kernel_fast(regs: &mut [u64; 10]) {
    let mut args = [0u64; 8];
    args.copy_from_slice(&regs[..8]);
    let out = calls::fast(&args);
    regs[..4].copy_from_slice(&out);
}

#[unsafe(no_mangle)]
extern "C" fn kernel_exception(vector: u64) -> ! {
    let (esr, elr, far): (u64, u64, u64);
    // SAFETY: reading the EL1 syndrome registers.
    unsafe {
        core::arch::asm!("mrs {}, esr_el1", "mrs {}, elr_el1", "mrs {}, far_el1",
            out(reg) esr, out(reg) elr, out(reg) far);
    }
    panic!("exception at S-EL1: vector {vector} esr {esr:#x} elr {elr:#x} far {far:#x}")
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    log!(UART, "oxtee kernel: panic: {}\n", info.message());
    loop {
        // SAFETY: halting this CPU.
        unsafe { core::arch::asm!("wfi") };
    }
}
