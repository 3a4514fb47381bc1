//! Trusted storage for user TAs: the host tier's engine
//! (`oxtee-storage`) in the secure kernel, its blobs and RPMB frames
//! through the supplicant (`oxtee_tz_abi::ree_fs`), keyed by the
//! hardware-unique key [`HUK`].
//!
//! The engine is synchronous, so a job runs on the kernel's second stack
//! ([`crate::fiber`]): when the engine needs the normal world it
//! suspends, and the call's task makes the RPC and resumes it, across as
//! many entries of the kernel as the job takes. The store is opened at
//! the first job (the supplicant runs by then; a store that does not
//! open is tried again at the next job).
//!
//! One job at a time (one engine, one fiber): a call that finds the
//! store busy waits in the normal world on a notification key of its own
//! (`OPTEE_RPC_CMD_NOTIFICATION`, which Linux's driver serves; a send
//! before the wait is remembered, so no wakeup is lost) and the job that
//! ends wakes the first waiter.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell, UnsafeCell};

use oxtee_gp::TEE_ERROR_GENERIC;
use oxtee_storage::Store;
use oxtee_tz_abi::pta::SharedRng;
use oxtee_tz_abi::ree_fs::{Link, ReeFs, RpcRpmb, Transport};
use oxtee_tz_abi::rpc::{Reply, Request, Rpc};
use oxtee_tz_abi::tee_storage::{Done, Job};

use crate::fiber;

/// The hardware-unique key the storage keys derive from, fixed at build
/// time (`OXTEE_TZ_HUK`, 32 bytes; `scripts/tz.sh` makes one per
/// checkout). QEMU has no fused key: whoever holds the firmware image
/// holds this one, as with any development board's.
pub(crate) const HUK: &[u8; 32] = include_bytes!(env!("OXTEE_TZ_HUK"));

/// Notification keys the store's waiters use (Linux's driver takes keys
/// up to 255; the test pseudo-TA's clients use low ones).
const KEYS: core::ops::RangeInclusive<u32> = 192..=255;

/// The request the engine left when it suspended, and the answer it
/// finds when resumed.
struct Slot {
    request: Option<Request>,
    reply: Option<Reply>,
}

struct SlotCell(UnsafeCell<Slot>);

// SAFETY: one CPU; the fiber and the task that drives it take turns
// (`fiber::suspend`/`resume`), and neither keeps a reference across.
unsafe impl Sync for SlotCell {}

static SLOT: SlotCell = SlotCell(UnsafeCell::new(Slot {
    request: None,
    reply: None,
}));

fn slot() -> *mut Slot {
    SLOT.0.get()
}

/// The engine's transport: leave the request, suspend, take the answer.
pub struct FiberTransport;

impl Transport for FiberTransport {
    fn call(&mut self, req: Request) -> Reply {
        // SAFETY: see `SlotCell`; the references end before the switch.
        unsafe { (*slot()).request = Some(req) };
        fiber::suspend();
        // SAFETY: as above.
        unsafe { (*slot()).reply.take() }.unwrap_or(Reply::Failed(TEE_ERROR_GENERIC))
    }
}

/// The kernel's generator, as the engine takes one.
pub struct StoreRng(SharedRng);

impl rand_core::RngCore for StoreRng {
    fn next_u32(&mut self) -> u32 {
        self.0.borrow_mut().next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.borrow_mut().next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.borrow_mut().fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.borrow_mut().try_fill_bytes(dest)
    }
}

impl rand_core::CryptoRng for StoreRng {}

type KernelStore = Store<ReeFs<FiberTransport>, RpcRpmb<FiberTransport>, StoreRng>;

/// The storage service every instance shares.
pub struct Storage {
    store: RefCell<Option<KernelStore>>,
    link: Link<FiberTransport>,
    rng: SharedRng,
    /// A job holds the engine.
    busy: Cell<bool>,
    /// The keys of the calls waiting for it, in order.
    waiters: RefCell<VecDeque<u32>>,
    /// Instances gone while the engine was busy: their handles to close.
    gone: RefCell<Vec<u64>>,
    /// Jobs run, and RPCs they made (for the log).
    pub jobs: Cell<u64>,
    pub rpcs: Cell<u64>,
}

impl Storage {
    pub fn new(rng: SharedRng) -> Rc<Storage> {
        Rc::new(Storage {
            store: RefCell::new(None),
            link: Link::new(FiberTransport),
            rng,
            busy: Cell::new(false),
            waiters: RefCell::new(VecDeque::new()),
            gone: RefCell::new(Vec::new()),
            jobs: Cell::new(0),
            rpcs: Cell::new(0),
        })
    }

    /// Run `job` of instance `owner` of TA `ta`, waiting for the engine
    /// if another call holds it.
    pub async fn run(self: &Rc<Self>, rpc: &Rpc, owner: u64, ta: [u8; 16], job: Job) -> Done {
        self.lock(rpc).await;
        let done: Rc<RefCell<Option<Done>>> = Rc::default();
        let (me, out) = (self.clone(), done.clone());
        let mut finished = fiber::start(Box::new(move || {
            let d = me.serve(owner, &ta, &job);
            *out.borrow_mut() = Some(d);
        }));
        while !finished {
            // SAFETY: see `SlotCell`; the fiber is suspended.
            let req = unsafe { (*slot()).request.take() };
            let reply = match req {
                Some(r) => {
                    self.rpcs.set(self.rpcs.get() + 1);
                    rpc.ask(r).await
                }
                None => Reply::Failed(TEE_ERROR_GENERIC),
            };
            // SAFETY: as above.
            unsafe { (*slot()).reply = Some(reply) };
            finished = fiber::resume();
        }
        self.jobs.set(self.jobs.get() + 1);
        self.unlock(rpc).await;
        let d = done.borrow_mut().take();
        d.unwrap_or(Done {
            result: Err(TEE_ERROR_GENERIC),
            output: Vec::new(),
            key: None,
        })
    }

    /// On the fiber: open the store if needed, close what departed
    /// instances left open, run the job, give the supplicant's resources
    /// back.
    fn serve(&self, owner: u64, ta: &[u8; 16], job: &Job) -> Done {
        let mut st = self.store.borrow_mut();
        if st.is_none() {
            let rng = StoreRng(self.rng.clone());
            match Store::open(*HUK, self.link.blobs(), self.link.rpmb(), rng) {
                Ok(s) => *st = Some(s),
                Err(e) => {
                    self.link.release();
                    return Done {
                        result: Err(e.code()),
                        output: Vec::new(),
                        key: None,
                    };
                }
            }
        }
        let Some(store) = st.as_mut() else {
            return Done {
                result: Err(TEE_ERROR_GENERIC),
                output: Vec::new(),
                key: None,
            };
        };
        for gone in self.gone.take() {
            store.close_all(gone);
        }
        let d = oxtee_tz_abi::tee_storage::run(store, owner, ta, job);
        self.link.release();
        d
    }

    async fn lock(&self, rpc: &Rpc) {
        while self.busy.get() {
            let key = KEYS
                .clone()
                .find(|k| !self.waiters.borrow().contains(k))
                .unwrap_or(*KEYS.end());
            self.waiters.borrow_mut().push_back(key);
            let waited = rpc.notify(false, key).await;
            self.waiters.borrow_mut().retain(|&k| k != key);
            if waited.is_err() {
                // The normal world would not wait: a short sleep instead.
                let _ = rpc.suspend(1).await;
            }
        }
        self.busy.set(true);
    }

    async fn unlock(&self, rpc: &Rpc) {
        self.busy.set(false);
        let next = self.waiters.borrow_mut().pop_front();
        if let Some(key) = next {
            let _ = rpc.notify(true, key).await;
        }
    }

    /// Instance `owner` is gone: its open objects close (now, or at the
    /// next job if one holds the engine).
    pub fn forget(&self, owner: u64) {
        match self.store.try_borrow_mut() {
            Ok(mut st) => {
                if let Some(s) = st.as_mut() {
                    s.close_all(owner);
                }
            }
            Err(_) => self.gone.borrow_mut().push(owner),
        }
    }
}
