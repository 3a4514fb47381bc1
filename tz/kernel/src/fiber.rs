//! A second kernel stack, for the one piece of kernel code that waits
//! for the normal world in the middle of a deep call chain: the trusted
//! storage engine (`oxtee-storage`), which reads and writes its blobs
//! through synchronous calls while every read is an RPC to the
//! supplicant.
//!
//! The rest of the kernel waits as data (tasks, see `oxtee_tz_abi::rpc`);
//! the engine instead runs here, on the stack between `__fiber_guard` and
//! `__fiber_stack_top` (`link.ld`, a guard page below it that is never
//! mapped), and [`suspend`]s when it needs an answer: control goes back
//! to whoever [`start`]ed or [`resume`]d it (a task, which makes the RPC
//! and resumes it once answered, possibly in a later entry of the
//! kernel). Only callee-saved registers are switched: the kernel is built
//! without floating point, so there is no other state.
//!
//! One job at a time: the storage service takes its lock before it
//! starts one.

use alloc::boxed::Box;
use core::cell::UnsafeCell;

core::arch::global_asm!(
    r#"
    .section .text.oxtee_fiber, "ax"
    .global oxtee_fiber_switch
// oxtee_fiber_switch(save: *mut u64, to: u64): push the callee-saved
// registers, store sp at *save, load sp = to, pop the registers found
// there and return into whoever pushed them.
oxtee_fiber_switch:
    sub     sp, sp, #96
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #96
    ret

    .global oxtee_fiber_entry
// The first switch to a fresh fiber returns here, at the stack's top.
oxtee_fiber_entry:
    bl      oxtee_fiber_main
    brk     #0xf1
"#
);

unsafe extern "C" {
    fn oxtee_fiber_switch(save: *mut u64, to: u64);
    fn oxtee_fiber_entry();
    static __fiber_stack_top: u8;
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Running,
    Suspended,
}

struct Core {
    /// The stack pointer of whoever started or resumed the fiber.
    caller: u64,
    /// The fiber's stack pointer while it is suspended.
    fiber: u64,
    job: Option<Box<dyn FnOnce()>>,
    state: State,
}

struct Cell(UnsafeCell<Core>);

// SAFETY: one CPU, entries of the kernel never overlap, and the fiber
// only runs between a `start`/`resume` and its return: at any moment
// exactly one of the two stacks runs and touches `CORE`.
unsafe impl Sync for Cell {}

static CORE: Cell = Cell(UnsafeCell::new(Core {
    caller: 0,
    fiber: 0,
    job: None,
    state: State::Idle,
}));

fn core() -> *mut Core {
    CORE.0.get()
}

/// Run `job` on the fiber until it finishes (true) or suspends (false).
/// The fiber must be idle.
pub fn start(job: Box<dyn FnOnce()>) -> bool {
    let c = core();
    // SAFETY: see `Cell`. The fiber is idle, so its stack holds nothing:
    // a fresh frame at its top, which `oxtee_fiber_switch` pops into
    // x19..x30 (x30, the return address, is `oxtee_fiber_entry`; x29 = 0
    // ends backtraces there).
    unsafe {
        assert!((*c).state == State::Idle, "the fiber is busy");
        (*c).job = Some(job);
        let top = &raw const __fiber_stack_top as u64;
        let frame = top - 96;
        let regs = frame as *mut u64;
        for i in 0..12 {
            regs.add(i).write(0);
        }
        regs.add(11).write(oxtee_fiber_entry as *const () as u64);
        (*c).fiber = frame;
        (*c).state = State::Running;
        oxtee_fiber_switch(&raw mut (*c).caller, (*c).fiber);
        (*c).state == State::Idle
    }
}

/// Continue the suspended fiber until it finishes (true) or suspends
/// again (false).
pub fn resume() -> bool {
    let c = core();
    // SAFETY: see `Cell`; the fiber's stack pointer is the one it saved
    // when it suspended, its frames untouched since (nothing else uses
    // that stack).
    unsafe {
        assert!((*c).state == State::Suspended, "the fiber is not waiting");
        (*c).state = State::Running;
        oxtee_fiber_switch(&raw mut (*c).caller, (*c).fiber);
        (*c).state == State::Idle
    }
}

/// From inside the fiber: go back to whoever started or resumed it, and
/// continue when it resumes the fiber.
pub fn suspend() {
    let c = core();
    // SAFETY: see `Cell`; called on the fiber (state Running), whose
    // caller's stack pointer was saved by the switch that got here.
    unsafe {
        assert!((*c).state == State::Running, "suspend outside the fiber");
        (*c).state = State::Suspended;
        oxtee_fiber_switch(&raw mut (*c).fiber, (*c).caller);
    }
}

#[unsafe(no_mangle)]
extern "C" fn oxtee_fiber_main() {
    let c = core();
    // SAFETY: see `Cell`; the job was set by `start`.
    let job = unsafe { (*c).job.take() };
    if let Some(job) = job {
        job();
    }
    // SAFETY: as above. The job's frames are gone; this frame is
    // abandoned by the switch (the next start builds a fresh one).
    unsafe {
        (*c).state = State::Idle;
        let mut dead = 0u64;
        oxtee_fiber_switch(&raw mut dead, (*c).caller);
    }
}
