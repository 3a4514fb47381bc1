//! OP-TEE's SMC ABI: the pure service of `oxtee_tz_abi::kernel` over this
//! kernel's view of normal-world memory, with its events in the log.

use core::sync::atomic::{AtomicU32, Ordering};

use core::cell::UnsafeCell;
use oxtee_pl011::log;

use oxtee_tz_abi::kernel::{self, Event, Service};
use oxtee_tz_abi::monitor::{STAMP_LAST_RETURN, STAMP_SMC};
use oxtee_tz_abi::optee;
use oxtee_tz_abi::trace::Stamps;

use crate::{UART, ns};

/// Unknown-TA lines logged before the log goes quiet about them (each
/// line costs the caller some 100 us of UART under emulation).
const NO_SUCH_TA_LINES: u32 = 4;

static NO_SUCH_TA_LOGGED: AtomicU32 = AtomicU32::new(0);

fn note(ev: Event) {
    if let Event::NoSuchTa { .. } = ev {
        let n = NO_SUCH_TA_LOGGED.fetch_add(1, Ordering::Relaxed);
        if n == NO_SUCH_TA_LINES {
            log!(
                UART,
                "oxtee kernel: (further unknown-TA opens are not logged)\n"
            );
        }
        if n >= NO_SUCH_TA_LINES {
            return;
        }
    }
    match ev {
        Event::None => {}
        Event::FirstCallForm(id) => {
            let form = match id {
                optee::CALL_WITH_ARG => "CALL_WITH_ARG (argument at a physical address)",
                optee::CALL_WITH_RPC_ARG => "CALL_WITH_RPC_ARG (RPC argument after the call's)",
                _ => "CALL_WITH_REGD_ARG (argument in registered shared memory)",
            };
            log!(
                UART,
                "oxtee kernel: first yielding call of the form {form}\n"
            )
        }
        Event::RpcFailed { cmd, ret } => {
            log!(
                UART,
                "oxtee kernel: RPC {cmd} answered {ret:#x} by the normal world\n"
            )
        }
        Event::Capabilities { normal_world } => {
            log!(
                UART,
                "oxtee kernel: capabilities exchanged (normal world {normal_world:#x})\n"
            )
        }
        Event::NoSuchTa { uuid: u, login } => log!(
            UART,
            "oxtee kernel: open session {:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x} (login {login:#x}): no such TA\n",
            u[0],
            u[1],
            u[2],
            u[3],
            u[4],
            u[5],
            u[6],
            u[7],
            u[8],
            u[9],
            u[10],
            u[11],
            u[12],
            u[13],
            u[14],
            u[15]
        ),
    }
}

/// A fast call: x0..x7 in, x0..x3 out.
pub fn fast(regs: &[u64; 8]) -> [u64; 4] {
    let (out, ev) = kernel::fast(regs);
    note(ev);
    out
}

struct State(UnsafeCell<Option<Service>>);

// SAFETY: one CPU, and every entry (a new call or a RETURN_FROM_RPC) runs
// with interrupts masked until it returns to the monitor: entries never
// overlap. A call waiting in an RPC is data inside the service (its task),
// not a stack or a borrow that outlives its entry.
unsafe impl Sync for State {}

static SERVICE: State = State(UnsafeCell::new(None));

/// The key TA images must be signed by, fixed at build time (as OP-TEE
/// compiles in its TA key): `OXTEE_TA_KEY`, one or more public keys in
/// PEM.
const TA_KEY: &str = include_str!(env!("OXTEE_TA_KEY"));

/// The kernel's code and read-only data: what attestation measures as
/// the secure world.
fn kernel_image() -> &'static [u8] {
    unsafe extern "C" {
        static __kernel_start: u8;
        static __rodata_end: u8;
    }
    let start = &raw const __kernel_start;
    let end = &raw const __rodata_end as usize;
    // SAFETY: the linker script puts the kernel's text and read-only data
    // between these two symbols; the MMU maps them readable (and never
    // writable) for as long as the kernel runs.
    unsafe { core::slice::from_raw_parts(start, end - start as usize) }
}

/// The service, trusting [`TA_KEY`] (none if it does not parse: then no
/// image verifies).
fn new_service() -> Service {
    // One key or several, each a PEM block.
    let mut keys = alloc::vec::Vec::new();
    for block in TA_KEY.split("-----BEGIN ").skip(1) {
        let pem = alloc::format!("-----BEGIN {block}");
        match oxtee_core::image::public_key_from_pem(&pem) {
            Ok(k) => keys.push(k),
            Err(e) => log!(
                UART,
                "oxtee kernel: a TA key does not parse ({e}); images it signed will not verify\n"
            ),
        }
    }
    // SAFETY: see `Seed`: this runs once, inside the first yielding call.
    let (mut seed, nonce) = unsafe { (*BOOT_SEED.0.get()).take() }.unwrap_or_default();
    let user_test: alloc::boxed::Box<dyn oxtee_tz_abi::pta::Pta> =
        alloc::boxed::Box::new(crate::user::UserTestPta);
    let huk = Some(*crate::storage::HUK);
    let service = Service::boot_measured(
        keys,
        huk,
        &seed,
        nonce,
        kernel_image(),
        alloc::vec![user_test],
    );
    let service = service.with_clock(clock).with_memory(crate::heap_use);
    let service = match service.rng() {
        Some(rng) => service.with_loader(alloc::boxed::Box::new(crate::uta::Loader::new(rng))),
        None => service,
    };
    // The seed is in the generator's state now; not left lying about.
    seed.fill(0);
    // SAFETY: as above; volatile so the wipe is not optimised away.
    unsafe { core::ptr::write_volatile(&mut seed, [0; 32]) };
    service
}

struct Seed(UnsafeCell<Option<([u8; 32], u64)>>);

// SAFETY: written once at cold boot, taken once by the first yielding
// call; one CPU, entries never overlap (see `State`).
unsafe impl Sync for Seed {}

static BOOT_SEED: Seed = Seed(UnsafeCell::new(None));

/// Keep the machine's boot seed (and the counter now, as a nonce) for the
/// random generator the service instantiates at its first call.
pub fn set_boot_seed(seed: [u8; 32]) {
    let now: u64;
    // SAFETY: reading the physical count has no side effect.
    unsafe { core::arch::asm!("isb", "mrs {}, cntpct_el0", out(reg) now) };
    // SAFETY: cold boot, before any call: the only reference.
    unsafe { *BOOT_SEED.0.get() = Some((seed, now)) };
}

/// A yielding call: x0..x7 and the monitor's stamps (x8, x9) in, x0..x3
/// out.
pub fn yielding(regs: &[u64; 10]) -> [u64; 4] {
    // SAFETY: see `State`: this is the only reference while a call runs.
    let service = unsafe { &mut *SERVICE.0.get() }.get_or_insert_with(new_service);
    let mut args = [0u64; 8];
    args.copy_from_slice(&regs[..8]);
    let stamps = Stamps {
        smc: micros(regs[STAMP_SMC]),
        last_return: micros(regs[STAMP_LAST_RETURN]),
    };
    let (out, ev) = service.yielding_at(&mut ns::NsMemory, &args, Some(stamps));
    note(ev);
    out
}

/// Counter ticks as microseconds since reset.
fn micros(ticks: u64) -> u64 {
    let hz: u64;
    // SAFETY: reading the counter frequency has no side effect.
    unsafe { core::arch::asm!("mrs {}, cntfrq_el0", out(reg) hz) };
    (u128::from(ticks) * 1_000_000 / u128::from(hz.max(1))) as u64
}

/// The trace's clock: the counter now, in microseconds since reset.
fn clock() -> u64 {
    let now: u64;
    // SAFETY: reading the physical count has no side effect.
    unsafe { core::arch::asm!("isb", "mrs {}, cntpct_el0", out(reg) now) };
    micros(now)
}
