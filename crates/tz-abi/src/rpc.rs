//! Calls that wait for the normal world: secure threads and their RPCs.
//!
//! A yielding call that needs the normal world's help (its clock, a
//! sleep, a notification, shared memory; in part 2 a TA image or a file)
//! cannot keep the kernel's stack: the kernel returns to the normal world
//! with an RPC and is entered again, on a fresh stack, when the answer is
//! ready. So a call that may wait is a [`Task`], a future that owns
//! everything it needs (its parameters' copies, an [`Rpc`] handle) and
//! borrows nothing of the kernel: the kernel keeps it in a thread slot
//! while the normal world works, and polls it again on
//! `RETURN_FROM_RPC`. Up to [`crate::kernel::THREADS`] calls may be in
//! that state at once (OP-TEE's `CFG_NUM_THREADS`); beyond them a new
//! call is answered `ETHREAD_LIMIT` and Linux's driver retries it when
//! another call completes.
//!
//! The answers the normal world gives are read once from its memory,
//! decoded and checked by the kernel ([`crate::kernel`]); a task sees
//! only [`Reply`] values, never normal-world memory.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use oxtee_gp::TEE_ERROR_GENERIC;

use crate::pta::{Dir, Param};

pub use crate::optee::rpc::{NOTIFICATION_SEND, NOTIFICATION_WAIT, cmd};

/// Who owns RPC shared memory in the normal world (`OPTEE_RPC_SHM_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShmKind {
    /// The supplicant's (`APPL`, 0): for requests it serves.
    Application,
    /// The driver's (`KERNEL`, 1).
    Kernel,
}

impl ShmKind {
    /// The wire value.
    pub fn wire(self) -> u64 {
        match self {
            ShmKind::Application => crate::optee::rpc::SHM_TYPE_APPL,
            ShmKind::Kernel => crate::optee::rpc::SHM_TYPE_KERNEL,
        }
    }
}

/// RPC shared memory a call holds, by the kernel's own number (never the
/// normal world's cookie).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShmId(pub u32);

/// What a task asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `GET_TIME`.
    GetTime,
    /// `SUSPEND` for `ms` milliseconds.
    Suspend { ms: u32 },
    /// `NOTIFICATION` wait on `key`.
    Wait { key: u32 },
    /// `NOTIFICATION` send to `key`.
    Send { key: u32 },
    /// `SHM_ALLOC` of at least `size` bytes.
    ShmAlloc { kind: ShmKind, size: u64 },
    /// `SHM_FREE`.
    ShmFree { shm: ShmId },
    /// Copy `data` into RPC shared memory at `offset` (the kernel does it
    /// without leaving the secure world).
    ShmWrite {
        shm: ShmId,
        offset: u64,
        data: Vec<u8>,
    },
    /// Copy `len` bytes out of RPC shared memory at `offset` (as above).
    ShmRead { shm: ShmId, offset: u64, len: usize },
    /// Let the normal world take an interrupt that arrived while the
    /// secure world ran (`RETURN_RPC_FOREIGN_INTR`, no RPC argument): a
    /// user TA that was preempted.
    ForeignInterrupt,
    /// A request for the supplicant (`LOAD_TA`, `FS`, ...): its command
    /// and at most [`crate::kernel::RPC_PARAMS`] parameters, memory
    /// references in RPC shared memory of application type.
    Supplicant { cmd: u32, params: Vec<RpcParam> },
    /// A TA-to-TA call (the kernel serves it without leaving the secure
    /// world; see [`Rpc::ta_call`]).
    Ta(TaRequest),
}

/// A user TA's call of another TA (GP `TEE_OpenTASession`,
/// `TEE_InvokeTACommand`), as the kernel's code of the calling instance
/// asks it (`caller` is the kernel's number of that instance, never a
/// value the TA gives).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaRequest {
    /// Open a session of `uuid` (the caller's identity: LOGIN_TRUSTED_APP
    /// with its UUID).
    Open {
        caller: u64,
        uuid: [u8; 16],
        params: [Param; 4],
    },
    /// Command `cmd` on the caller's session `session`.
    Invoke {
        caller: u64,
        session: u32,
        cmd: u32,
        params: [Param; 4],
    },
    /// Close the caller's session `session` (its close entry point runs
    /// on this thread; the answer is always SUCCESS).
    Close { caller: u64, session: u32 },
    /// The task the kernel handed over for step `token` ended so.
    Step {
        token: u32,
        ret: u32,
        params: [Param; 4],
    },
}

/// The end of a TA-to-TA call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaAnswer {
    pub ret: u32,
    pub origin: u32,
    /// The new session (an open that succeeded), else 0.
    pub session: u32,
    pub params: [Param; 4],
}

/// A parameter of a supplicant request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcParam {
    /// A value: inputs sent, outputs answered.
    Value { a: u64, b: u64, c: u64, dir: Dir },
    /// `size` bytes at `offset` of RPC shared memory (`None`: no buffer,
    /// as a size query sends); the answer's size may be larger (the size
    /// needed), never read beyond the memory.
    Memref {
        shm: Option<ShmId>,
        offset: u64,
        size: u64,
        dir: Dir,
    },
}

impl Request {
    /// Served by the kernel itself, without an RPC.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Request::ShmWrite { .. } | Request::ShmRead { .. } | Request::Ta(_)
        )
    }
}

/// What a task gets back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Done, nothing to report.
    Done,
    /// The normal world's time.
    Time { secs: u64, nanos: u32 },
    /// Shared memory of `size` bytes (at least what was asked).
    Shm { shm: ShmId, size: u64 },
    /// Bytes read.
    Data(Vec<u8>),
    /// A supplicant's answer: the parameters with their outputs.
    Params(Vec<RpcParam>),
    /// Refused or failed: a GP error code (the normal world's own answer,
    /// or the kernel's when the answer was malformed or the call cannot
    /// make RPCs).
    Failed(u32),
    /// A TA-to-TA call ended.
    Ta(TaAnswer),
    /// A TA-to-TA call goes on in a task the kernel handed over
    /// ([`Rpc::take_handed`]): run it, then report step `token`.
    TaTask { token: u32 },
}

#[derive(Default)]
struct Slot {
    request: Option<Request>,
    reply: Option<Reply>,
    cancelled: bool,
    threads: ThreadStats,
    /// A task the kernel hands the call (a callee's entry point).
    handed: Option<Task>,
    /// The cancellation deadlines of the TA-to-TA calls in progress on
    /// this link, outermost first (the kernel's counter values).
    deadlines: Vec<u64>,
    /// The instance (the kernel's number) this call waits its turn for.
    waiting_for: Option<u64>,
}

/// What the kernel's threads have done so far (for tests and the log).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThreadStats {
    /// Calls waiting in an RPC now.
    pub in_use: u32,
    /// The most that ever waited at once.
    pub max_in_use: u32,
    /// Calls answered `ETHREAD_LIMIT`.
    pub limit_answers: u32,
}

/// A task's link to the kernel: one request outstanding at a time.
#[derive(Clone, Default)]
pub struct Rpc(Rc<RefCell<Slot>>);

/// A TA-to-TA call's deadline in force (see [`Rpc::deadline_until_dropped`]).
pub struct DeadlineGuard(Rpc);

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        self.0.0.borrow_mut().deadlines.pop();
    }
}

/// A call in progress: its result and its parameters (for the kernel to
/// copy back).
pub type Task = Pin<Box<dyn Future<Output = (u32, [Param; 4])>>>;

/// Check a reply's shape, turning anything else into GENERIC.
fn expect<T>(r: Reply, f: impl FnOnce(Reply) -> Option<T>) -> Result<T, u32> {
    match r {
        Reply::Failed(code) => Err(code),
        r => f(r).ok_or(TEE_ERROR_GENERIC),
    }
}

impl Rpc {
    /// A fresh link (for one call).
    pub fn new(threads: ThreadStats) -> Rpc {
        let rpc = Rpc::default();
        rpc.0.borrow_mut().threads = threads;
        rpc
    }

    /// Whether the client asked to cancel this call.
    pub fn cancelled(&self) -> bool {
        self.0.borrow().cancelled
    }

    /// The instance this call waits its turn for, if it does (the kernel
    /// follows these to refuse a wait that would close a cycle).
    pub fn waiting_for(&self) -> Option<u64> {
        self.0.borrow().waiting_for
    }

    pub fn set_waiting_for(&self, instance: Option<u64>) {
        self.0.borrow_mut().waiting_for = instance;
    }

    /// Whether `other` is this very link (the same call's thread).
    pub fn same_link(&self, other: &Rpc) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// Whether the call is cancelled at counter value `now`: by its
    /// client, or because the timeout of a TA-to-TA call it serves (its
    /// own, or one that calls it) has passed (GP: a timeout is a
    /// cancellation request to the callee).
    pub fn cancelled_at(&self, now: u64) -> bool {
        let s = self.0.borrow();
        s.cancelled || s.deadlines.iter().any(|&d| now >= d)
    }

    /// The earliest TA-to-TA deadline in force.
    pub fn deadline(&self) -> Option<u64> {
        self.0.borrow().deadlines.iter().copied().min()
    }

    /// Cancel what runs on this link at counter value `at`, until the
    /// guard is dropped (the TA-to-TA call that set it has ended).
    pub fn deadline_until_dropped(&self, at: u64) -> DeadlineGuard {
        self.0.borrow_mut().deadlines.push(at);
        DeadlineGuard(self.clone())
    }

    /// The kernel's thread counters when the call began.
    pub fn threads(&self) -> ThreadStats {
        self.0.borrow().threads
    }

    /// Ask, and wait for the answer.
    pub fn ask(&self, request: Request) -> Ask {
        Ask {
            rpc: self.clone(),
            request: Some(request),
        }
    }

    /// The normal world's wall-clock time: (seconds, nanoseconds).
    pub async fn time(&self) -> Result<(u64, u32), u32> {
        expect(self.ask(Request::GetTime).await, |r| match r {
            Reply::Time { secs, nanos } => Some((secs, nanos)),
            _ => None,
        })
    }

    /// Sleep in the normal world.
    pub async fn suspend(&self, ms: u32) -> Result<(), u32> {
        expect(self.ask(Request::Suspend { ms }).await, |r| {
            (r == Reply::Done).then_some(())
        })
    }

    /// Yield to the normal world for an interrupt of its own.
    pub async fn foreign_interrupt(&self) -> Result<(), u32> {
        expect(self.ask(Request::ForeignInterrupt).await, |r| {
            (r == Reply::Done).then_some(())
        })
    }

    /// Wait for, or send, notification `key`.
    pub async fn notify(&self, send: bool, key: u32) -> Result<(), u32> {
        let req = if send {
            Request::Send { key }
        } else {
            Request::Wait { key }
        };
        expect(self.ask(req).await, |r| (r == Reply::Done).then_some(()))
    }

    /// Normal-world shared memory of at least `size` bytes: its id and
    /// its actual size.
    pub async fn shm_alloc(&self, kind: ShmKind, size: u64) -> Result<(ShmId, u64), u32> {
        expect(
            self.ask(Request::ShmAlloc { kind, size }).await,
            |r| match r {
                Reply::Shm { shm, size } => Some((shm, size)),
                _ => None,
            },
        )
    }

    /// Give shared memory back.
    pub async fn shm_free(&self, shm: ShmId) -> Result<(), u32> {
        expect(self.ask(Request::ShmFree { shm }).await, |r| {
            (r == Reply::Done).then_some(())
        })
    }

    /// Copy into shared memory.
    pub async fn shm_write(&self, shm: ShmId, offset: u64, data: Vec<u8>) -> Result<(), u32> {
        let req = Request::ShmWrite { shm, offset, data };
        expect(self.ask(req).await, |r| (r == Reply::Done).then_some(()))
    }

    /// Copy out of shared memory.
    pub async fn shm_read(&self, shm: ShmId, offset: u64, len: usize) -> Result<Vec<u8>, u32> {
        let req = Request::ShmRead { shm, offset, len };
        expect(self.ask(req).await, |r| match r {
            Reply::Data(d) => Some(d),
            _ => None,
        })
    }

    /// A request for the supplicant: the parameters as answered.
    pub async fn supplicant(&self, cmd: u32, params: Vec<RpcParam>) -> Result<Vec<RpcParam>, u32> {
        let req = Request::Supplicant { cmd, params };
        expect(self.ask(req).await, |r| match r {
            Reply::Params(p) => Some(p),
            _ => None,
        })
    }

    /// Call another TA ([`TaRequest::Open`] or [`TaRequest::Invoke`]):
    /// the kernel answers at once, or hands over the callee's entry point
    /// (or the fetch of its image) as a task, which runs here, on this
    /// call's thread, its RPCs and cancellation this call's; then the
    /// kernel takes the step's result.
    pub async fn ta_call(&self, req: TaRequest) -> TaAnswer {
        let failed = |ret| TaAnswer {
            ret,
            origin: oxtee_gp::ORIGIN_TEE,
            session: 0,
            params: crate::pta::no_params(),
        };
        let mut reply = self.ask(Request::Ta(req)).await;
        loop {
            match reply {
                Reply::Ta(a) => return a,
                Reply::TaTask { token } => {
                    let (ret, params) = match self.take_handed() {
                        Some(task) => task.await,
                        None => (TEE_ERROR_GENERIC, crate::pta::no_params()),
                    };
                    let step = TaRequest::Step { token, ret, params };
                    reply = self.ask(Request::Ta(step)).await;
                }
                Reply::Failed(code) => return failed(code),
                _ => return failed(TEE_ERROR_GENERIC),
            }
        }
    }

    /// The task the kernel handed over (taken).
    pub fn take_handed(&self) -> Option<Task> {
        self.0.borrow_mut().handed.take()
    }

    // The kernel's side.

    /// Hand the call a task to run (see [`Rpc::ta_call`]).
    pub fn hand_over(&self, task: Task) {
        self.0.borrow_mut().handed = Some(task);
    }

    /// The request the task left when it stopped (taken).
    pub fn take_request(&self) -> Option<Request> {
        self.0.borrow_mut().request.take()
    }

    /// Hand the task its answer.
    pub fn answer(&self, reply: Reply) {
        self.0.borrow_mut().reply = Some(reply);
    }

    /// Mark the call cancelled.
    pub fn cancel(&self) {
        self.0.borrow_mut().cancelled = true;
    }
}

/// The future of one request.
pub struct Ask {
    rpc: Rpc,
    request: Option<Request>,
}

impl Future for Ask {
    type Output = Reply;

    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Reply> {
        if let Some(req) = self.request.take() {
            let mut slot = self.rpc.0.borrow_mut();
            slot.reply = None;
            slot.request = Some(req);
            return Poll::Pending;
        }
        match self.rpc.0.borrow_mut().reply.take() {
            Some(r) => Poll::Ready(r),
            None => Poll::Pending,
        }
    }
}

/// Poll a task once (the kernel has no other waker: a task only waits for
/// the answers the kernel hands it).
pub fn poll(task: &mut Task) -> Poll<(u32, [Param; 4])> {
    let mut cx = Context::from_waker(core::task::Waker::noop());
    task.as_mut().poll(&mut cx)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TA-to-TA call's timeout cancels what runs under it until the
    /// call ends; nested calls keep the earliest; the client's
    /// cancellation is there whatever the deadlines.
    #[test]
    fn deadlines_cancel_until_their_call_ends() {
        let rpc = Rpc::new(ThreadStats::default());
        assert!(!rpc.cancelled_at(u64::MAX));
        assert_eq!(rpc.deadline(), None);
        {
            let _outer = rpc.deadline_until_dropped(100);
            assert!(!rpc.cancelled_at(99));
            assert!(rpc.cancelled_at(100));
            {
                let _inner = rpc.deadline_until_dropped(500);
                assert_eq!(rpc.deadline(), Some(100));
                assert!(
                    rpc.cancelled_at(100),
                    "the outer call's timeout reaches the inner callee"
                );
            }
            {
                let _inner = rpc.deadline_until_dropped(50);
                assert_eq!(rpc.deadline(), Some(50));
                assert!(rpc.cancelled_at(60));
            }
            assert_eq!(rpc.deadline(), Some(100));
        }
        assert_eq!(rpc.deadline(), None);
        assert!(!rpc.cancelled_at(1_000));
        rpc.cancel();
        assert!(rpc.cancelled_at(0));
    }
}
