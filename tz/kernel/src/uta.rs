//! User TAs at S-EL0 (issue 13): the kernel's [`TaLoader`], which maps a
//! verified TA image into an address space of its own, and the instance
//! it makes, which runs the TA's entry points there.
//!
//! The entry ABI is OP-TEE's user TA ABI as far as it goes here: the
//! kernel enters the ELF's entry point with x0 = the entry function
//! (`UTEE_ENTRY_FUNC_OPEN_SESSION` 0, `_CLOSE_SESSION` 1,
//! `_INVOKE_COMMAND` 2), x1 = the session, x2 = a `struct utee_params`
//! (`types`, then a/b or buffer/size per parameter, 64-bit each) in the
//! TA's memory, x3 = the command; the TA ends the call with the system
//! call `RETURN` (`svc #0` with x8 = 0, x0 = its result). Memory
//! references are copied into a window of the TA's own memory before the
//! call and their output copied back after it (as much of what the TA
//! reports as a size as the buffer holds; the size itself is passed on). The system calls are
//! `oxtee_tz_abi::utee`'s, served against the instance's address space;
//! the TA side is `tz/utee` (libutee.a). A fault, an undefined or
//! floating-point instruction or a panic kills the instance: TARGET_DEAD
//! from then on.
//!
//! Open and invoke entry points run preemptible, and as tasks when a
//! system call waits for the normal world (REE time, `TEE_Wait`, trusted
//! storage, TA-to-TA calls), and so do the close entry points the normal
//! world asks for and those `TEE_CloseTASession` runs (on the caller's
//! thread); a close the kernel makes itself (one deferred while a call
//! of the instance waited, a TA-to-TA session of a caller that went, one
//! a close entry point run that way closed) runs at once under a
//! watchdog (a system call that needs the normal world answers
//! NOT_SUPPORTED there). Not yet: a budget for the secure memory
//! instances take.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use core::ops::Range;

use oxtee_core::Uuid;
use oxtee_core::head;
use oxtee_core::ptime::Anchor;
use oxtee_gp::{
    TEE_ERROR_BAD_FORMAT, TEE_ERROR_BUSY, TEE_ERROR_CANCEL, TEE_ERROR_NOT_SUPPORTED,
    TEE_ERROR_OUT_OF_MEMORY, TEE_ERROR_SHORT_BUFFER, TEE_ERROR_TARGET_DEAD,
};
use oxtee_pl011::log;
use oxtee_proto::{Identity, Property};
use oxtee_tz_abi::cryp::Crypto;
use oxtee_tz_abi::elf::{self, Perm};
use oxtee_tz_abi::kernel::TaLoader;
use oxtee_tz_abi::pta::{Client, Invoked, Param, Pta, SharedRng, param_types};
use oxtee_tz_abi::rpc::{Rpc, TaRequest};
use oxtee_tz_abi::ta2ta::TaKind;
use oxtee_tz_abi::utee::{self, Answer, Cancellation, Fault, Outcome, Pending, Props, UserMemory};

use crate::UART;
use crate::storage::Storage;
use crate::user::{
    AddressSpace, EC_INTERRUPT, EC_SVC, Interrupts, LoadFailed, OutOfMemory, USER_BASE, UserFrame,
    run, watchdog_arm, watchdog_disarm, watchdog_fired,
};

/// Where a TA's image goes (it spans at most `elf::MAX_SPAN`).
const IMAGE_AT: u64 = USER_BASE + 0x0010_0000;
/// The `utee_params` page.
const PARAMS_AT: u64 = USER_BASE + 0x0120_0000;
const _: () = assert!(IMAGE_AT + oxtee_tz_abi::elf::MAX_SPAN < PARAMS_AT);
const _: () = assert!(WINDOW_AT + WINDOW < STACK_TOP - MAX_STACK - PAGE);
/// The memory-reference window: a call's buffers, one after the other,
/// each 16-byte aligned. Its pages are mapped when a call first needs
/// them and stay the instance's (an instance that never receives a
/// buffer costs none).
const WINDOW_AT: u64 = USER_BASE + 0x0130_0000;
/// Its most: four of the largest buffers the normal world may pass.
pub const WINDOW: u64 = 4 * (oxtee_tz_abi::kernel::MAX_MEMREF as u64 + 16);
/// The stack's top (guard pages below and above).
const STACK_TOP: u64 = USER_BASE + 0x0200_0000;
/// The most stack a TA gets (the window's end is far below it).
const MAX_STACK: u64 = 1 << 20;
const PAGE: u64 = 4096;

const FUNC_OPEN: u64 = 0;
const FUNC_CLOSE: u64 = 1;
const FUNC_INVOKE: u64 = 2;

/// The kernel's user TA loader.
pub struct Loader {
    /// The kernel's random generator, for the TAs' system calls.
    rng: SharedRng,
    /// The implementation's property set, shared by every instance.
    tee: Rc<[Property]>,
    /// The most secure memory in use after a load so far (bytes).
    peak: usize,
    /// Each TA's persistent time, by UUID, since it was set (kept in
    /// secure memory until the next boot, as OP-TEE keeps it).
    ta_times: BTreeMap<[u8; 16], Rc<Cell<Option<Anchor>>>>,
    /// Trusted storage, for every instance.
    storage: Rc<Storage>,
    /// The last instance number given (the store's owner of its handles).
    instances: u64,
    /// Notification keys for calls waiting for a busy instance.
    turns: Rc<Turns>,
}

/// Who holds which instance, and the notification keys
/// (`OPTEE_RPC_CMD_NOTIFICATION`) for calls that wait in the normal world
/// for an instance busy with another call (the store uses 192..=255;
/// Linux's driver takes up to 255).
#[derive(Default)]
pub struct Turns {
    keys: Cell<u64>,
    /// The link of the call that holds each busy instance (by owner).
    holders: RefCell<BTreeMap<u64, Rpc>>,
}

/// The first of the 64 keys.
const TURN_KEYS: u32 = 128;

impl Turns {
    /// A free key (None: all 64 are taken).
    fn take(&self) -> Option<u32> {
        let used = self.keys.get();
        let i = (!used).trailing_zeros();
        (i < 64).then(|| {
            self.keys.set(used | (1 << i));
            TURN_KEYS + i
        })
    }

    fn give(&self, key: u32) {
        self.keys.set(self.keys.get() & !(1 << (key - TURN_KEYS)));
    }

    /// Whether a wait of the call on `link` for a turn held by `holder`
    /// would close a cycle: `holder` is `link`, or (transitively) waits
    /// for an instance `link` holds (crossed TA-to-TA calls on two
    /// threads). Such a call is answered BUSY instead of deadlocking.
    fn would_deadlock(&self, link: &Rpc, holder: &Rpc) -> bool {
        let holders = self.holders.borrow();
        let mut h = holder.clone();
        // (A chain is at most as long as there are busy instances.)
        for _ in 0..=holders.len() {
            if h.same_link(link) {
                return true;
            }
            match h.waiting_for().and_then(|i| holders.get(&i)) {
                Some(next) => h = next.clone(),
                None => return false,
            }
        }
        true
    }
}

/// The namespace of the device ID until a hardware unique key exists to
/// derive it from (issue 14): the same on every boot of this build.
const DEVICE_SEED: &[u8] = b"oxtee TrustZone tier (QEMU virt)";

impl Loader {
    pub fn new(rng: SharedRng) -> Loader {
        let tee = oxtee_core::props::implementation_on(
            oxtee_core::props::device_id(DEVICE_SEED),
            env!("CARGO_PKG_VERSION"),
            "GlobalPlatform TEE in TrustZone (QEMU virt, S-EL1 kernel)",
        );
        Loader {
            storage: Storage::new(rng.clone()),
            rng,
            tee: tee.into(),
            peak: 0,
            ta_times: BTreeMap::new(),
            instances: 0,
            turns: Rc::new(Turns::default()),
        }
    }
}

impl TaLoader for Loader {
    fn load(&mut self, uuid: [u8; 16], elf: &[u8]) -> Result<Box<dyn Pta>, u32> {
        let r = self.instance(uuid, elf);
        // The secure memory in use: logged when a load fails and when it
        // reaches a new high (each line costs the normal world its wait).
        let (used, size) = crate::heap_use();
        if r.is_err() || used > self.peak {
            self.peak = self.peak.max(used);
            log!(
                UART,
                "oxtee kernel: TA {} {}: secure memory in use {} KiB of {} KiB\n",
                Uuid(uuid),
                if r.is_ok() { "loaded" } else { "not loaded" },
                used / 1024,
                size / 1024
            );
        }
        r
    }
}

impl Loader {
    fn instance(&mut self, uuid: [u8; 16], elf: &[u8]) -> Result<Box<dyn Pta>, u32> {
        // The properties the signed image declares (its header section).
        let props = head::read(elf).map_err(|_| TEE_ERROR_BAD_FORMAT)?;
        if props.uuid != Uuid(uuid) {
            return Err(TEE_ERROR_BAD_FORMAT);
        }
        let mut space = AddressSpace::new().map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
        let entry = match space.load(elf, IMAGE_AT) {
            Ok(e) => e,
            // An image larger than a TA's address space (a heap of more
            // than the secure memory, say) is a TA this kernel has no
            // memory for (OP-TEE: OUT_OF_MEMORY), not a malformed one.
            Err(
                LoadFailed::OutOfMemory
                | LoadFailed::TooLarge
                | LoadFailed::Image(elf::LoadError::TooLarge),
            ) => return Err(TEE_ERROR_OUT_OF_MEMORY),
            Err(LoadFailed::Image(_)) => return Err(TEE_ERROR_BAD_FORMAT),
        };
        let stack = u64::from(props.stack_size).div_ceil(PAGE) * PAGE;
        if stack > MAX_STACK {
            return Err(TEE_ERROR_OUT_OF_MEMORY);
        }
        let mapped = space
            .map_range(STACK_TOP - stack, stack / PAGE, Perm::Rw)
            .and_then(|()| space.map(PARAMS_AT, Perm::Rw).map(|_| ()));
        if let Err(OutOfMemory) = mapped {
            return Err(TEE_ERROR_OUT_OF_MEMORY);
        }
        self.instances += 1;
        Ok(Box::new(UserTa(Rc::new(RefCell::new(Instance {
            uuid,
            owner: self.instances,
            number: 0,
            ta_closes: Vec::new(),
            storage: self.storage.clone(),
            flags: props.flags,
            space,
            entry,
            dead: false,
            busy: None,
            waiters: Vec::new(),
            turns: self.turns.clone(),
            closes: Vec::new(),
            rng: self.rng.clone(),
            props: Props {
                ta: oxtee_core::props::current_ta(&props),
                tee: self.tee.clone(),
                registered: false,
            },
            clients: BTreeMap::new(),
            unmasked: BTreeSet::new(),
            crypto: Crypto::new(),
            window: 0,
            ta_time: self.ta_times.entry(uuid).or_default().clone(),
        })))))
    }
}

/// A user TA instance, shared with the task of a call that waits for the
/// normal world.
pub struct UserTa(Rc<RefCell<Instance>>);

pub struct Instance {
    uuid: [u8; 16],
    /// Its number (the owner of its handles in the store).
    owner: u64,
    /// The kernel's number for it (its TA-to-TA calls' caller).
    number: u64,
    /// TA-to-TA sessions it closed, for the kernel to close.
    ta_closes: Vec<u32>,
    storage: Rc<Storage>,
    flags: u32,
    space: AddressSpace,
    entry: u64,
    dead: bool,
    /// A call of the instance waits for the normal world: its registers
    /// and stack are that call's until it ends. Its thread's link (a
    /// TA-to-TA call back into the instance on it is a cycle: BUSY).
    busy: Option<Rpc>,
    /// Notification keys of the calls waiting for their turn.
    waiters: Vec<u32>,
    /// The kernel's pool of those keys.
    turns: Rc<Turns>,
    /// Sessions closed while it was busy, to close when it is not.
    closes: Vec<u32>,
    rng: SharedRng,
    props: Props,
    /// Each session's client property set.
    clients: BTreeMap<u32, Vec<Property>>,
    /// The sessions whose cancellation the TA unmasked (GP and OP-TEE: a
    /// session's mask holds from call to call; masked when it opens).
    unmasked: BTreeSet<u32>,
    /// Its cryptographic operations and key objects (they never leave the
    /// kernel; dropped with the instance).
    crypto: Crypto,
    /// The bytes of the memory-reference window mapped so far.
    window: u64,
    /// Its TA's persistent time (every instance of the UUID shares it).
    ta_time: Rc<Cell<Option<Anchor>>>,
}

impl Instance {
    /// A call on `rpc` waits for the normal world: the instance is its.
    fn hold(&mut self, rpc: &Rpc) {
        self.busy = Some(rpc.clone());
        self.turns
            .holders
            .borrow_mut()
            .insert(self.owner, rpc.clone());
    }

    fn release(&mut self) {
        self.busy = None;
        self.turns.holders.borrow_mut().remove(&self.owner);
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.turns.holders.borrow_mut().remove(&self.owner);
        // Its open persistent objects close with it.
        self.storage.forget(self.owner);
    }
}

/// The system calls' view of an instance's memory.
struct Mem<'a>(&'a mut AddressSpace);

impl UserMemory for Mem<'_> {
    fn perm(&self, page: u64) -> Option<Perm> {
        self.0.perm(page)
    }
    fn copy_from(&mut self, va: u64, out: &mut [u8]) -> Result<(), Fault> {
        self.0.read(va, out).map_err(|_| Fault)
    }
    fn copy_to(&mut self, va: u64, data: &[u8]) -> Result<(), Fault> {
        self.0.write(va, data).map_err(|_| Fault)
    }
    fn read_in_place(
        &mut self,
        va: u64,
        len: u64,
        f: &mut dyn FnMut(&[u8]) -> bool,
    ) -> Result<(), Fault> {
        let len = usize::try_from(len).map_err(|_| Fault)?;
        self.0.read_in_place(va, len, f).map_err(|_| Fault)
    }
}

/// The architectural counter and its frequency.
fn counter() -> (u64, u64) {
    let (count, freq): (u64, u64);
    // SAFETY: reading the counter and its frequency has no side effect.
    unsafe {
        core::arch::asm!("isb", "mrs {}, cntpct_el0", "mrs {}, cntfrq_el0",
            out(reg) count, out(reg) freq);
    }
    (count, freq)
}

/// Whether the call on `rpc` is cancelled now: by its client, or by the
/// timeout of a TA-to-TA call it serves.
fn cancelled(rpc: &Rpc) -> bool {
    // (The counter is read only when a deadline is in force: this runs at
    // every system call.)
    rpc.cancelled() || rpc.deadline().is_some_and(|d| counter().0 >= d)
}

/// SHA-256 by the kernel's engine alone, 64 KiB pieces of 256 KiB: MiB/s
/// (what the same work costs through a TA's system calls is apitest's;
/// 3-4 ms of the boot).
pub fn sha256_speed() -> u64 {
    const SHA256: u32 = 0x5000_0004;
    let data = alloc::vec![0x5Au8; 256 << 10];
    // Once first, so that the emulator's translation is not timed.
    let _ = oxtee_tz_abi::cryp::digest_pieces(SHA256, &data[..64 << 10], 64 << 10);
    let (t0, freq) = counter();
    let ok = oxtee_tz_abi::cryp::digest_pieces(SHA256, &data, 64 << 10).is_ok();
    let ticks = counter().0.saturating_sub(t0).max(1);
    if ok { freq / 4 / ticks } else { 0 }
}

/// An entry point in progress: the TA's registers, where its parameters
/// went, and its cancellation mask.
struct Call {
    frame: UserFrame,
    /// The `utee_params` the kernel wrote.
    up: [u64; 9],
    /// The call's memory references in the TA's memory.
    shared: [Range<u64>; 4],
    /// Bit `i`: `shared[i]` is an input.
    shared_inputs: u8,
    cancel: Cancellation,
    /// The session (its client property set is the instance's).
    session: u32,
    /// The entry function (`FUNC_OPEN`, ...).
    func: u64,
}

/// How far an entry point got.
enum Step {
    /// It returned this result.
    Done(u32),
    /// It panicked or faulted.
    Dead,
    /// A system call waits for the normal world.
    Rpc(Pending),
    /// An interrupt of the normal world arrived (preemptible runs only).
    Preempted,
}

/// The longest an entry point that cannot yield to the normal world
/// (close: not a task yet) may run, in milliseconds.
const SYNC_BUDGET_MS: u64 = 5000;

/// A `TEE_Wait` sleeps in the normal world in slices this long, checking
/// for a cancellation between them.
const WAIT_SLICE_MS: u32 = 100;

impl Instance {
    /// Start entry function `func` for `session` (and `cmd`): the
    /// parameters into the TA's memory and its registers set.
    fn begin(&mut self, func: u64, session: u32, cmd: u32, p: &[Param; 4]) -> Result<Call, u32> {
        let mut up = [0u64; 9];
        up[0] = u64::from(param_types(p));
        // The window's pages this call needs, mapped if not yet.
        let need = p
            .iter()
            .map(|prm| match prm {
                Param::Memref { data, .. } => (data.len() as u64).next_multiple_of(16),
                _ => 0,
            })
            .sum::<u64>()
            .next_multiple_of(PAGE);
        if need > WINDOW {
            return Err(TEE_ERROR_OUT_OF_MEMORY);
        }
        while self.window < need {
            // (Page by page: what is mapped stays counted if one fails.)
            if let Err(OutOfMemory) = self.space.map(WINDOW_AT + self.window, Perm::Rw) {
                return Err(TEE_ERROR_OUT_OF_MEMORY);
            }
            self.window += PAGE;
        }
        let mut at = WINDOW_AT;
        // The client's memory in this call, as the TA sees it.
        let mut shared = [0..0, 0..0, 0..0, 0..0];
        let mut shared_inputs = 0u8;
        for (i, prm) in p.iter().enumerate() {
            match prm {
                Param::None => {}
                Param::Value { a, b, .. } => {
                    up[1 + 2 * i] = u64::from(*a);
                    up[2 + 2 * i] = u64::from(*b);
                }
                Param::Memref { data, dir, .. } => {
                    let len = data.len() as u64;
                    if !dir.output() {
                        shared_inputs |= 1 << i;
                    }
                    if at + len > WINDOW_AT + WINDOW {
                        return Err(TEE_ERROR_OUT_OF_MEMORY);
                    }
                    if self.space.write(at, data).is_err() {
                        return Err(TEE_ERROR_OUT_OF_MEMORY);
                    }
                    up[1 + 2 * i] = at;
                    up[2 + 2 * i] = len;
                    shared[i] = at..at + len;
                    at = (at + len).next_multiple_of(16);
                }
            }
        }
        if self.space.write(PARAMS_AT, &words(&up)).is_err() {
            return Err(TEE_ERROR_OUT_OF_MEMORY);
        }
        let mut frame = UserFrame {
            elr: self.entry,
            sp: STACK_TOP,
            ..UserFrame::default()
        };
        frame.x[0] = func;
        frame.x[1] = u64::from(session);
        frame.x[2] = PARAMS_AT;
        frame.x[3] = u64::from(cmd);
        Ok(Call {
            frame,
            up,
            shared,
            shared_inputs,
            cancel: Cancellation {
                requested: false,
                masked: !self.unmasked.contains(&session),
            },
            session,
            func,
        })
    }

    /// Run the call at EL0 until it returns, dies or waits for the normal
    /// world (`rpc` says whether the client cancelled it), or one of
    /// `interrupts` arrives.
    fn run(&mut self, call: &mut Call, rpc: &Rpc, interrupts: Interrupts) -> Step {
        let uuid = Uuid(self.uuid);
        loop {
            let f = &mut call.frame;
            let t = run(&self.space, f, interrupts);
            if t.class == EC_INTERRUPT {
                return Step::Preempted;
            }
            if t.class != EC_SVC {
                log!(
                    UART,
                    "oxtee kernel: TA {} died: exception class {:#x} at {:#x} (address {:#x})\n",
                    uuid,
                    t.class,
                    f.elr,
                    t.far
                );
                self.dead = true;
                return Step::Dead;
            }
            let args: [u64; 8] = core::array::from_fn(|i| f.x[i]);
            let mut log_line = |line: &[u8]| {
                let text = core::str::from_utf8(line).unwrap_or("(not UTF-8)");
                log!(UART, "oxtee TA {}: {}\n", uuid, text);
            };
            call.cancel.requested = cancelled(rpc);
            let mut cx = utee::Context {
                mem: &mut Mem(&mut self.space),
                rng: &self.rng,
                log: &mut log_line,
                counter: counter(),
                shared: &call.shared,
                shared_inputs: call.shared_inputs,
                window: WINDOW_AT..WINDOW_AT + WINDOW,
                cancel: &mut call.cancel,
                props: &mut self.props,
                client: self.clients.get(&call.session).map_or(&[], |c| c),
                crypto: &mut self.crypto,
                ta_time: &self.ta_time,
            };
            match utee::syscall(f.x[8], &args, &mut cx) {
                Outcome::Resume(x0) => f.x[0] = x0,
                Outcome::Return(r) => return Step::Done(r),
                Outcome::Panic(code) => {
                    log!(
                        UART,
                        "oxtee kernel: TA {} panicked: TEE_Panic({:#010x})\n",
                        uuid,
                        code
                    );
                    self.dead = true;
                    return Step::Dead;
                }
                Outcome::Rpc(pending) => return Step::Rpc(pending),
            }
        }
    }

    /// Resume the call with the normal world's answer to its system call.
    fn answer(&mut self, call: &mut Call, pending: &Pending, answer: Answer) -> Option<Step> {
        match utee::complete(pending, answer, &mut Mem(&mut self.space), &mut self.crypto) {
            Outcome::Resume(x0) => {
                call.frame.x[0] = x0;
                None
            }
            Outcome::Return(r) => Some(Step::Done(r)),
            Outcome::Panic(_) => {
                self.dead = true;
                Some(Step::Dead)
            }
            Outcome::Rpc(p) => Some(Step::Rpc(p)),
        }
    }

    /// The outputs back: values, and each buffer's reported size (bounded
    /// by the buffer) with its bytes.
    fn end(&mut self, call: &Call, ret: u32, p: &mut [Param; 4]) -> u32 {
        if call.cancel.masked || call.func == FUNC_CLOSE {
            self.unmasked.remove(&call.session);
        } else {
            self.unmasked.insert(call.session);
        }
        let mut raw = [0u8; 72];
        if self.space.read(PARAMS_AT, &mut raw).is_err() {
            return TEE_ERROR_OUT_OF_MEMORY;
        }
        let out: [u64; 9] = core::array::from_fn(|i| {
            u64::from_le_bytes(raw[8 * i..8 * i + 8].try_into().unwrap_or_default())
        });
        for (i, prm) in p.iter_mut().enumerate() {
            match prm {
                Param::Value { a, b, dir } if dir.output() => {
                    *a = out[1 + 2 * i] as u32;
                    *b = out[2 + 2 * i] as u32;
                }
                Param::Memref { data, size, dir } if dir.output() => {
                    let told = out[2 + 2 * i];
                    let len = data.len() as u64;
                    if ret == TEE_ERROR_SHORT_BUFFER && told > len {
                        *size = told as usize;
                        continue;
                    }
                    // The TA's size is passed on as it said (OP-TEE's
                    // does: a claim past the buffer is the client's to
                    // judge), with the bytes the buffer holds of it.
                    let n = told.min(len);
                    *size = usize::try_from(told).unwrap_or(usize::MAX);
                    // Read from where the kernel put the buffer, whatever
                    // the TA wrote into its pointer.
                    let from = call.up[1 + 2 * i];
                    if self.space.read(from, &mut data[..n as usize]).is_err() {
                        return TEE_ERROR_OUT_OF_MEMORY;
                    }
                }
                _ => {}
            }
        }
        ret
    }

    /// An entry point that cannot wait (close runs outside a task): a system call that needs the normal world is answered
    /// NOT_SUPPORTED, and since it cannot give the normal world its
    /// interrupts either, the kernel's watchdog (the secure physical
    /// timer) gives it [`SYNC_BUDGET_MS`] at most: a TA still running then
    /// is killed (TARGET_DEAD), and the normal world goes on.
    fn call_now(&mut self, func: u64, session: u32, p: &mut [Param; 4]) -> u32 {
        if self.dead {
            return TEE_ERROR_TARGET_DEAD;
        }
        let freq = counter().1;
        watchdog_arm(freq * SYNC_BUDGET_MS / 1000);
        let r = self.call_watched(func, session, p);
        watchdog_disarm();
        r
    }

    fn call_watched(&mut self, func: u64, session: u32, p: &mut [Param; 4]) -> u32 {
        let mut call = match self.begin(func, session, 0, p) {
            Ok(c) => c,
            Err(code) => return code,
        };
        let rpc = Rpc::default();
        loop {
            match self.run(&mut call, &rpc, Interrupts::Watchdog) {
                Step::Done(r) => return self.end(&call, r, p),
                Step::Dead => return TEE_ERROR_TARGET_DEAD,
                Step::Preempted if watchdog_fired() => {
                    log!(
                        UART,
                        "oxtee kernel: TA {} ran {} ms in an entry point that cannot be preempted yet (close): killed\n",
                        Uuid(self.uuid),
                        SYNC_BUDGET_MS
                    );
                    self.dead = true;
                    return TEE_ERROR_TARGET_DEAD;
                }
                // Not the watchdog's (nothing else is group 0): go on.
                Step::Preempted => {}
                // A TA-to-TA close: done when this entry point has
                // returned (it cannot wait for it here).
                Step::Rpc(Pending::Ta(ta)) if matches!(ta.kind, TaKind::Close { .. }) => {
                    if let Outcome::Resume(x0) =
                        oxtee_tz_abi::ta2ta::close_later(&ta, &mut self.ta_closes)
                    {
                        call.frame.x[0] = x0;
                    }
                }
                Step::Rpc(pending) => {
                    let no = Answer::Failed(TEE_ERROR_NOT_SUPPORTED);
                    match self.answer(&mut call, &pending, no) {
                        None | Some(Step::Preempted) => {}
                        Some(Step::Done(r)) => return self.end(&call, r, p),
                        Some(Step::Dead) => return TEE_ERROR_TARGET_DEAD,
                        Some(Step::Rpc(_)) => return TEE_ERROR_NOT_SUPPORTED,
                    }
                }
            }
        }
    }

    /// Close the sessions closed while the instance was busy.
    fn closes(&mut self) {
        while let Some(s) = self.closes.pop() {
            let _ = self.call_now(FUNC_CLOSE, s, &mut oxtee_tz_abi::pta::no_params());
        }
    }
}

fn words(w: &[u64; 9]) -> [u8; 72] {
    let mut b = [0u8; 72];
    for (i, v) in w.iter().enumerate() {
        b[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
    }
    b
}

/// Whose call waits: for a storage job, the store and the instance.
struct Asker {
    storage: Rc<Storage>,
    owner: u64,
    uuid: [u8; 16],
    number: u64,
}

/// The normal world's answer to what a call waits for.
async fn ask(rpc: &Rpc, pending: &Pending, cancel: Cancellation, who: &Asker) -> Answer {
    match pending {
        Pending::Storage(job) => {
            let done = who
                .storage
                .run(rpc, who.owner, who.uuid, (**job).clone())
                .await;
            Answer::Storage(Box::new(done))
        }
        Pending::Ta(call) => {
            // The timeout: a cancellation request to the callee (and to
            // what it calls) once it has passed, until the call ends.
            let _deadline = (call.timeout_ms != utee::WAIT_FOREVER).then(|| {
                let (now, freq) = counter();
                rpc.deadline_until_dropped(
                    now.saturating_add(u64::from(call.timeout_ms) * freq / 1000),
                )
            });
            let params = call.params.clone();
            let req = match call.kind {
                TaKind::Open { uuid } => TaRequest::Open {
                    caller: who.number,
                    uuid,
                    params,
                },
                TaKind::Invoke { session, cmd } => TaRequest::Invoke {
                    caller: who.number,
                    session,
                    cmd,
                    params,
                },
                TaKind::Close { session } => TaRequest::Close {
                    caller: who.number,
                    session,
                },
            };
            Answer::Ta(Box::new(rpc.ta_call(req).await))
        }
        Pending::ReeTime { .. } => match rpc.time().await {
            Ok((secs, nanos)) => Answer::Time(secs, nanos),
            Err(code) => Answer::Failed(code),
        },
        &Pending::Wait { ms } => {
            let mut left = ms;
            loop {
                if cancelled(rpc) && !cancel.masked {
                    return Answer::Waited(Err(TEE_ERROR_CANCEL));
                }
                if left == 0 {
                    return Answer::Waited(Ok(()));
                }
                // Up to a TA-to-TA deadline, not past it.
                let (now, freq) = counter();
                let until = rpc.deadline().map_or(u64::MAX, |d| {
                    d.saturating_sub(now)
                        .saturating_mul(1000)
                        .div_ceil(freq.max(1))
                });
                let slice = left
                    .min(WAIT_SLICE_MS)
                    .min(u32::try_from(until).unwrap_or(u32::MAX).max(1));
                if let Err(code) = rpc.suspend(slice).await {
                    return Answer::Waited(Err(code));
                }
                if left != utee::WAIT_FOREVER {
                    left -= slice;
                }
            }
        }
    }
}

/// The rest of a call that waits for the normal world, as a task: ask
/// (or give the normal world its interrupt), resume the TA, and so on
/// until it returns or dies.
async fn finish(
    ta: Rc<RefCell<Instance>>,
    mut call: Call,
    mut waits: Step,
    mut params: [Param; 4],
    rpc: Rpc,
) -> (u32, [Param; 4]) {
    let who = {
        let inst = ta.borrow();
        Asker {
            storage: inst.storage.clone(),
            owner: inst.owner,
            uuid: inst.uuid,
            number: inst.number,
        }
    };
    loop {
        let step = match waits {
            Step::Rpc(pending) => {
                let answer = ask(&rpc, &pending, call.cancel, &who).await;
                let mut inst = ta.borrow_mut();
                match inst.answer(&mut call, &pending, answer) {
                    Some(step) => step,
                    None => inst.run(&mut call, &rpc, Interrupts::All),
                }
            }
            Step::Preempted => {
                // The normal world takes its interrupt and resumes us
                // (an error means it would not: the call goes on anyway).
                let _ = rpc.foreign_interrupt().await;
                ta.borrow_mut().run(&mut call, &rpc, Interrupts::All)
            }
            done => done,
        };
        if let Step::Rpc(_) | Step::Preempted = step {
            waits = step;
            continue;
        }
        let (ret, waiters) = {
            let mut inst = ta.borrow_mut();
            let ret = match step {
                Step::Done(r) => inst.end(&call, r, &mut params),
                _ => TEE_ERROR_TARGET_DEAD,
            };
            // An open that failed leaves no client behind.
            if call.func == FUNC_OPEN && ret != oxtee_gp::TEE_SUCCESS {
                inst.clients.remove(&call.session);
                inst.unmasked.remove(&call.session);
            }
            inst.release();
            inst.closes();
            (ret, core::mem::take(&mut inst.waiters))
        };
        // The calls that waited for this one: their turn (each looks again).
        for key in waiters {
            let _ = rpc.notify(true, key).await;
        }
        return (ret, params);
    }
}

/// An open (`client`: its identity) or invoke of the instance: begun now,
/// or, while another thread's call of the instance waits for the normal
/// world, when that call ends (as OP-TEE serialises the calls of a busy
/// TA). One on the thread whose call holds the instance, a TA-to-TA
/// cycle back into it, is BUSY: it could only wait for itself.
fn enter(ta: &Rc<RefCell<Instance>>, e: Entry, params: &mut [Param; 4], rpc: &Rpc) -> Invoked {
    {
        let inst = ta.borrow();
        if inst.dead {
            return Invoked::Done(TEE_ERROR_TARGET_DEAD);
        }
        match &inst.busy {
            None => {}
            Some(holder) if inst.turns.would_deadlock(rpc, holder) => {
                return Invoked::Refused(TEE_ERROR_BUSY);
            }
            Some(_) => {
                let params = core::mem::replace(params, oxtee_tz_abi::pta::no_params());
                return Invoked::Later(Box::pin(queued(ta.clone(), e, params, rpc.clone())));
            }
        }
    }
    start(ta, e, params, rpc)
}

/// What an entry point call is: the function, session and command, and
/// for an open the client's identity.
struct Entry {
    func: u64,
    session: u32,
    cmd: u32,
    client: Option<Identity>,
}

/// Begin the call on the idle instance and run it until it returns, dies
/// or waits for the normal world (then the rest is a task, `finish`).
fn start(ta: &Rc<RefCell<Instance>>, e: Entry, params: &mut [Param; 4], rpc: &Rpc) -> Invoked {
    let Entry {
        func,
        session,
        cmd,
        client,
    } = e;
    let mut inst = ta.borrow_mut();
    if let Some(id) = client {
        inst.clients
            .insert(session, oxtee_core::props::current_client(&id));
    }
    let mut call = match inst.begin(func, session, cmd, params) {
        Ok(c) => c,
        Err(code) => {
            if func == FUNC_OPEN {
                inst.clients.remove(&session);
                inst.unmasked.remove(&session);
            }
            return Invoked::Refused(code);
        }
    };
    let r = match inst.run(&mut call, rpc, Interrupts::All) {
        Step::Done(r) => inst.end(&call, r, params),
        Step::Dead => TEE_ERROR_TARGET_DEAD,
        waits => {
            inst.hold(rpc);
            let params = core::mem::replace(params, oxtee_tz_abi::pta::no_params());
            return Invoked::Later(Box::pin(finish(
                ta.clone(),
                call,
                waits,
                params,
                rpc.clone(),
            )));
        }
    };
    // An open that failed leaves no client behind.
    if func == FUNC_OPEN && r != oxtee_gp::TEE_SUCCESS {
        inst.clients.remove(&session);
        inst.unmasked.remove(&session);
    }
    Invoked::Done(r)
}

/// A call that found the instance busy: its turn, then the call.
async fn queued(
    ta: Rc<RefCell<Instance>>,
    e: Entry,
    mut params: [Param; 4],
    rpc: Rpc,
) -> (u32, [Param; 4]) {
    let owner = ta.borrow().owner;
    loop {
        {
            let inst = ta.borrow();
            if inst.dead {
                rpc.set_waiting_for(None);
                return (TEE_ERROR_TARGET_DEAD, params);
            }
            match &inst.busy {
                None => break,
                // Held again by a call that (since) waits for us.
                Some(holder) if inst.turns.would_deadlock(&rpc, holder) => {
                    rpc.set_waiting_for(None);
                    return (TEE_ERROR_BUSY, params);
                }
                Some(_) => rpc.set_waiting_for(Some(owner)),
            }
        }
        wait_turn(&ta, &rpc).await;
    }
    rpc.set_waiting_for(None);
    match start(&ta, e, &mut params, &rpc) {
        Invoked::Done(r) | Invoked::Refused(r) => (r, params),
        Invoked::Later(task) => task.await,
    }
}

/// Wait in the normal world until the call that holds the instance ends
/// (it wakes every waiter, which looks again): on a notification key,
/// or, with every key taken, a short sleep.
async fn wait_turn(ta: &Rc<RefCell<Instance>>, rpc: &Rpc) {
    let turns = ta.borrow().turns.clone();
    let Some(key) = turns.take() else {
        let _ = rpc.suspend(10).await;
        return;
    };
    ta.borrow_mut().waiters.push(key);
    let waited = rpc.notify(false, key).await;
    ta.borrow_mut().waiters.retain(|&k| k != key);
    turns.give(key);
    if waited.is_err() {
        // The normal world would not wait: a short sleep instead.
        let _ = rpc.suspend(1).await;
    }
}

impl Pta for UserTa {
    fn uuid(&self) -> [u8; 16] {
        self.0.borrow().uuid
    }

    fn flags(&self) -> u32 {
        self.0.borrow().flags
    }

    fn open_session(&mut self, session: u32, client: &Client, params: &mut [Param; 4]) -> u32 {
        let mut inst = self.0.borrow_mut();
        if inst.busy.is_some() {
            // Another session's call waits for the normal world.
            return TEE_ERROR_BUSY;
        }
        let id = Identity {
            login: client.login,
            uuid: Uuid(client.uuid),
        };
        inst.clients
            .insert(session, oxtee_core::props::current_client(&id));
        let r = inst.call_now(FUNC_OPEN, session, params);
        if r != oxtee_gp::TEE_SUCCESS {
            inst.clients.remove(&session);
            inst.unmasked.remove(&session);
        }
        r
    }

    /// The open entry point runs as an invoke does: preemptible, and a
    /// task when it waits for the normal world (storage, REE time,
    /// `TEE_Wait` in `TA_OpenSessionEntryPoint` as on OP-TEE).
    fn open_session_waiting(
        &mut self,
        session: u32,
        client: &Client,
        params: &mut [Param; 4],
        rpc: &Rpc,
    ) -> Invoked {
        let id = Identity {
            login: client.login,
            uuid: Uuid(client.uuid),
        };
        let e = Entry {
            func: FUNC_OPEN,
            session,
            cmd: 0,
            client: Some(id),
        };
        enter(&self.0, e, params, rpc)
    }

    fn close_session(&mut self, session: u32) {
        let mut inst = self.0.borrow_mut();
        inst.clients.remove(&session);
        inst.unmasked.remove(&session);
        if inst.busy.is_some() {
            inst.closes.push(session);
        } else {
            let _ = inst.call_now(FUNC_CLOSE, session, &mut oxtee_tz_abi::pta::no_params());
        }
    }

    /// A close the normal world asks for runs as an invoke does:
    /// preemptible, and a task when it waits for the normal world
    /// (storage, TA-to-TA calls in `TA_CloseSessionEntryPoint` or
    /// `TA_DestroyEntryPoint`). One asked while a call of the instance
    /// waits is done when that call ends (synchronously, under the
    /// watchdog).
    fn close_session_waiting(
        &mut self,
        session: u32,
        rpc: &Rpc,
    ) -> Option<oxtee_tz_abi::rpc::Task> {
        let mut inst = self.0.borrow_mut();
        inst.clients.remove(&session);
        inst.unmasked.remove(&session);
        if inst.dead {
            return None;
        }
        if inst.busy.is_some() {
            inst.closes.push(session);
            return None;
        }
        let mut params = oxtee_tz_abi::pta::no_params();
        let mut call = inst.begin(FUNC_CLOSE, session, 0, &params).ok()?;
        match inst.run(&mut call, rpc, Interrupts::All) {
            Step::Done(r) => {
                let _ = inst.end(&call, r, &mut params);
                None
            }
            Step::Dead => None,
            waits => {
                inst.hold(rpc);
                Some(Box::pin(finish(
                    self.0.clone(),
                    call,
                    waits,
                    params,
                    rpc.clone(),
                )))
            }
        }
    }

    fn invoke(&mut self, session: u32, cmd: u32, params: &mut [Param; 4], rpc: &Rpc) -> Invoked {
        let e = Entry {
            func: FUNC_INVOKE,
            session,
            cmd,
            client: None,
        };
        enter(&self.0, e, params, rpc)
    }

    fn is_dead(&self) -> bool {
        self.0.borrow().dead
    }

    fn memory(&self) -> usize {
        // (An instance whose call runs is not asked: none runs while the
        // kernel writes the status.)
        self.0.try_borrow().map_or(0, |i| i.space.bytes())
    }

    fn attach(&mut self, number: u64) {
        self.0.borrow_mut().number = number;
    }

    fn take_ta_closes(&mut self) -> Vec<u32> {
        // (An instance whose call waits keeps its list: the kernel asks
        // again after every entry.)
        match self.0.try_borrow_mut() {
            Ok(mut inst) => core::mem::take(&mut inst.ta_closes),
            Err(_) => Vec::new(),
        }
    }
}
