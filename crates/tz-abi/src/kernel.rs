//! The secure kernel's answers to OP-TEE's SMC ABI, as a pure function of
//! the caller's registers, normal-world memory reached through
//! [`NormalWorld`] (the kernel maps it non-secure; the tests below play a
//! lying normal world) and the kernel's own state ([`Service`]: sessions
//! of pseudo-TAs, registered shared memory).
//!
//! A yielding `CALL_WITH_ARG` copies the argument's header, then the
//! header and the parameters it announces, once; decodes that private
//! copy; serves it; and writes the answer back. Memory references are
//! copied into secure memory before a pseudo-TA runs and out after it.
//! What the normal world does to its copies meanwhile changes nothing
//! the kernel decided.
//!
//! A command that waits for the normal world (see [`crate::rpc`]) runs as
//! a task in one of [`THREADS`] thread slots: the kernel writes the RPC's
//! argument after the call's own (the `CALL_WITH_RPC_ARG` and
//! `CALL_WITH_REGD_ARG` forms reserve room for it), returns
//! `RETURN_RPC_CMD` with the slot in x3, and on `RETURN_FROM_RPC` reads
//! the answer once, checks it against what it asked and polls the task
//! again. The call's argument is written back when the task completes.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::task::Poll;

use oxtee_gp::{
    LOGIN_APPLICATION, LOGIN_GROUP, LOGIN_GROUP_APPLICATION, LOGIN_PUBLIC, LOGIN_REE_KERNEL,
    LOGIN_USER, LOGIN_USER_APPLICATION, ORIGIN_TEE, ORIGIN_TRUSTED_APP, TEE_ERROR_BAD_PARAMETERS,
    TEE_ERROR_BUSY, TEE_ERROR_GENERIC, TEE_ERROR_ITEM_NOT_FOUND, TEE_ERROR_NOT_SUPPORTED,
    TEE_ERROR_OUT_OF_MEMORY, TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};
use oxtee_gp::{TEE_ERROR_BAD_STATE, TEE_ERROR_SECURITY, TEE_ERROR_TARGET_DEAD};

use crate::optee::{self, MsgArg, MsgParam, OpenSession, ParamType};
use crate::pta::{Client, DevicePta, Dir, Invoked, Param, Pta, SystemPta, TestPta, no_params};
use oxtee_core::Uuid;
use oxtee_core::cancel::{Cancellations, Found};
use oxtee_core::instances::{Installed, Instances, Released, Slot};
use oxtee_core::pta::attestation::TaImage;
use oxtee_core::sealing::TaIdentity;
use oxtee_core::sessions::Sessions;

use crate::rpc::{
    self, Reply, Request, Rpc, RpcParam, ShmId, ShmKind, TaAnswer, TaRequest, Task, ThreadStats,
};
use crate::trace::{self as tracing, Event as TraceEvent, SharedTracer, Stamps, Tracer};
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use core::cell::RefCell;
use oxtee_core::image::RsaPublicKey;

/// Normal-world physical memory, as the kernel may touch it.
pub trait NormalWorld {
    /// Copy `out.len()` bytes from physical address `pa`.
    fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress>;
    /// Copy `data` to physical address `pa`.
    fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress>;
    /// Whether `[pa, pa + len)` is normal-world memory the kernel may copy
    /// from and to.
    fn check(&self, pa: u64, len: u64) -> Result<(), BadAddress>;
}

/// A physical range outside what the normal world may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAddress;

/// Secure threads: yielding calls that may wait in RPCs at once
/// (OP-TEE's CFG_NUM_THREADS). An `INVOKE_COMMAND` beyond them is
/// answered `ETHREAD_LIMIT` before anything of it is done.
pub const THREADS: u64 = 4;

/// The OS UUID `GET_OS_UUID` answers (oxtee's own, not OP-TEE's):
/// 6f787465-652d-4f53-8000-747a2d6b6e6c.
pub const OS_UUID: [u32; 4] = [0x6f78_7465, 0x652d_4f53, 0x8000_747a, 0x2d6b_6e6c];
/// The OS revision `GET_OS_REVISION` answers (major, minor); Linux's
/// driver prints it ("optee: revision 0.1").
pub const OS_REVISION: (u64, u64) = (0, 1);

/// Parameters of the RPC argument the normal world reserves after a
/// call's argument (`CALL_WITH_RPC_ARG`), as OP-TEE asks for.
pub const RPC_PARAMS: u64 = 4;

/// Where a yielding call's argument is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArgAt {
    /// At a physical address (`CALL_WITH_ARG`, `CALL_WITH_RPC_ARG`).
    Phys(u64),
    /// At an offset in registered shared memory (`CALL_WITH_REGD_ARG`).
    Registered { cookie: u64, offset: u64 },
}

impl ArgAt {
    /// `bytes` further on.
    fn after(self, bytes: usize) -> ArgAt {
        let n = bytes as u64;
        match self {
            ArgAt::Phys(pa) => ArgAt::Phys(pa.wrapping_add(n)),
            ArgAt::Registered { cookie, offset } => ArgAt::Registered {
                cookie,
                offset: offset.wrapping_add(n),
            },
        }
    }
}

/// Sessions open at once, over all pseudo-TAs.
pub const MAX_SESSIONS: usize = 64;
/// Shared-memory registrations at once.
pub const MAX_SHM: usize = 256;
/// Pages of all registrations together (64 MiB of normal-world memory;
/// the kernel keeps 8 bytes per page).
pub const MAX_SHM_PAGES: usize = 16384;
/// The largest memory reference copied into secure memory for a call.
pub const MAX_MEMREF: usize = 1 << 20;
/// Bytes of memory-reference copies all calls in progress may hold
/// together (the heap is the secure RAM after the kernel, some 14 MiB).
pub const MEMREF_BUDGET: usize = 8 << 20;
/// Cancellations remembered for calls that have not started.
pub const EARLY_CANCELS: usize = 64;
/// The largest TA image the kernel fetches from the supplicant.
pub const MAX_TA_IMAGE: u64 = 2 << 20;
/// Instance numbers of loaded user TAs start here (those below are the
/// built-in pseudo-TAs, by index).
const FIRST_TA: u64 = 1 << 32;
/// The largest RPC shared memory a call asks for.
pub const MAX_RPC_SHM: u64 = 4 << 20;
/// RPC shared-memory objects one call holds at once.
pub const MAX_RPC_SHMS: usize = 4;

const PAGE: u64 = 4096;
/// Page addresses in one page of an `OPTEE_MSG_ATTR_NONCONTIG` list; the
/// last 8 bytes hold the next list page's address.
const PAGE_LIST_ENTRIES: usize = 511;

/// What the kernel tells its log about a call (it has no other output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing worth a line.
    None,
    /// The normal world's capabilities were exchanged.
    Capabilities { normal_world: u64 },
    /// A session was asked for a TA the kernel does not have.
    NoSuchTa { uuid: [u8; 16], login: u32 },
    /// The first yielding call of this form (its SMC function id).
    FirstCallForm(u32),
    /// The normal world answered an RPC with an error, or with an answer
    /// that did not check out (`ret` GENERIC).
    RpcFailed { cmd: u32, ret: u32 },
}

/// A fast call: the caller's x0..x7 in, its x0..x3 out.
pub fn fast(regs: &[u64; 8]) -> ([u64; 4], Event) {
    let w = |v: [u32; 4]| v.map(u64::from);
    let out = match regs[0] as u32 {
        optee::CALLS_UID => w(optee::API_UID),
        optee::CALLS_REVISION => [optee::API_REVISION.0, optee::API_REVISION.1, 0, 0],
        optee::GET_OS_UUID => w(OS_UUID),
        optee::GET_OS_REVISION => [OS_REVISION.0, OS_REVISION.1, 0, 0],
        optee::EXCHANGE_CAPABILITIES => {
            // a2, the highest notification value: none are sent yet.
            let ev = Event::Capabilities {
                normal_world: regs[1] & 0xFFFF_FFFF,
            };
            let caps =
                optee::SEC_CAP_DYNAMIC_SHM | optee::SEC_CAP_RPC_ARG | optee::SEC_CAP_MEMREF_NULL;
            return ([optee::RETURN_OK, caps, 0, RPC_PARAMS], ev);
        }
        // Nothing is ever cached: the cache is always empty.
        optee::DISABLE_SHM_CACHE => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        optee::ENABLE_SHM_CACHE => [optee::RETURN_OK, 0, 0, 0],
        optee::GET_THREAD_COUNT => [optee::RETURN_OK, THREADS, 0, 0],
        // No reserved shared memory: dynamic shared memory only.
        optee::GET_SHM_CONFIG => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        _ => [optee::RETURN_UNKNOWN_FUNCTION, 0, 0, 0],
    };
    (out, Event::None)
}

/// Normal-world memory registered by `REGISTER_SHM` (Linux's dynamic
/// shared memory) or given by an RPC's `SHM_ALLOC`: its pages, the
/// buffer's offset in the first, its size.
struct Shm {
    pages: Vec<u64>,
    offset: u64,
    size: u64,
}

/// Where a memory reference's bytes are in normal-world memory.
enum Span<'a> {
    /// A contiguous physical range (temporary memory).
    Contiguous(u64),
    /// An offset into registered shared memory.
    Registered(&'a Shm, u64),
}

/// The physical pieces of the first `len` bytes at `span`: one for
/// contiguous memory, one per page touched for registered memory (whose
/// bounds the caller checked).
fn pieces<'a>(
    span: &'a Span<'a>,
    len: usize,
) -> impl Iterator<Item = (u64, core::ops::Range<usize>)> + 'a {
    let mut done = 0;
    let mut first = true;
    core::iter::from_fn(move || match *span {
        Span::Contiguous(pa) => {
            // One piece, even of no bytes (its address is still checked).
            let once = first.then_some((pa, 0..len));
            first = false;
            once
        }
        Span::Registered(shm, offs) => {
            if done >= len {
                return None;
            }
            let at = shm.offset + offs + done as u64;
            let page = shm.pages[(at / PAGE) as usize];
            let within = at % PAGE;
            let n = ((PAGE - within) as usize).min(len - done);
            let piece = (page + within, done..done + n);
            done += n;
            Some(piece)
        }
    })
}

/// The platform's user TAs: a verified TA image becomes an instance that
/// serves sessions through the [`Pta`] interface (the secure kernel maps
/// it at S-EL0 and runs its entry points there). The service fetches the
/// image through the supplicant and verifies it first; the loader sees
/// only the verified ELF.
pub trait TaLoader {
    /// A fresh instance of TA `uuid` from its verified ELF, or a GP error
    /// (e.g. TEE_ERROR_OUT_OF_MEMORY, TEE_ERROR_BAD_FORMAT).
    fn load(&mut self, uuid: [u8; 16], elf: &[u8]) -> Result<Box<dyn Pta>, u32>;
}

/// Who a session belongs to. (Part 2 adds the TA instances that open
/// sessions to other TAs.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    /// The normal world: Linux's driver, which keeps each client's
    /// sessions apart itself.
    NormalWorld,
    /// A user TA instance (its number): its TA-to-TA sessions.
    Ta(u64),
}

/// A TA-to-TA call whose task the caller runs: what the kernel does with
/// the task's result.
enum TaStep {
    /// The callee's image was fetched and verified: load it, open.
    Loading {
        caller: u64,
        session: u32,
        client: Client,
        elf: Fetched,
    },
    /// The callee's open entry point ended: the session is made or not.
    Opening {
        caller: u64,
        inst: u64,
        session: u32,
    },
    /// The callee's invoke entry point ended.
    Invoking { inst: u64 },
    /// The callee's close entry point ended: it goes if that was its last
    /// session.
    Closing { inst: u64 },
}

/// TA-to-TA steps in flight at most (one per thread and nesting level).
const MAX_TA_STEPS: usize = 64;

impl Thread {
    /// The thread of call `arg` (an invoke, or an open whose TA loads):
    /// its memory references, those after an open's two meta parameters.
    fn new(
        task: Task,
        rpc: Rpc,
        arg: &MsgArg,
        at: ArgAt,
        rpc_at: Option<ArgAt>,
        opening: Option<Opening>,
        entering: Option<Entering>,
    ) -> Box<Thread> {
        let first = if opening.is_some() || entering.is_some() {
            2
        } else {
            0
        };
        let (cookies, held) = call_memrefs(&arg.params[first..arg.num_params]);
        Box::new(Thread {
            task,
            rpc,
            at,
            arg: *arg,
            rpc_at,
            waiting: None,
            cookies,
            opening,
            entering,
            closing: None,
            held,
            shms: BTreeMap::new(),
            next_shm: 0,
            traced: None,
        })
    }
}

/// The registrations a call's memory references name (not to be
/// unregistered while it waits) and the bytes their copies hold.
fn call_memrefs(params: &[MsgParam]) -> (Vec<u64>, usize) {
    let cookies = params
        .iter()
        .filter(|p| matches!(p.param_type(), Some(ParamType::Rmem { .. })))
        .map(|p| p.c)
        .collect();
    let held = params
        .iter()
        .filter(|p| p.param_type().is_some_and(|t| t.is_memref()))
        .map(|p| p.b as usize)
        .sum();
    (cookies, held)
}

/// The secure kernel's state behind the SMC ABI.
pub struct Service {
    ptas: Vec<Box<dyn Pta>>,
    /// Sessions (the table the host daemon keeps too, from `oxtee_core`):
    /// the instance each one is on (a PTA's index, or a user TA's number).
    sessions: Sessions<Owner, u64>,
    /// The instance table the host daemon keeps too (`oxtee_core`): a
    /// PTA is an instance numbered by its index, a user TA instance by
    /// its number, placed and released by the same single-instance /
    /// multi-session / keep-alive rules.
    instances: Instances<u64>,
    /// Loaded user TA instances, by number (from [`FIRST_TA`]).
    tas: BTreeMap<u64, Box<dyn Pta>>,
    /// Who each loaded instance is (its verified image's identity: what
    /// its sealing keys are bound to).
    identities: BTreeMap<u64, (TaImage, [u8; 32])>,
    /// The last verified image of each TA loaded since boot (what the
    /// attestation PTA measures), shared with it.
    seen: crate::pta::SeenImages,
    next_ta: u64,
    /// User TAs: the loader (none: only the pseudo-TAs exist) and the
    /// keys their images must be signed by.
    loader: Option<Box<dyn TaLoader>>,
    ta_keys: Rc<[RsaPublicKey]>,
    /// The images verified so far (their digests), shared with the
    /// loading tasks.
    verified: Rc<RefCell<crate::verified::Verified>>,
    /// The kernel's random generator (the system PTA's), when it booted
    /// with one.
    rng: Option<crate::pta::SharedRng>,
    /// Registrations by the normal world's cookie.
    shms: BTreeMap<u64, Shm>,
    shm_pages: usize,
    /// Call forms seen (bit 0: WITH_ARG, 1: WITH_RPC_ARG, 2: WITH_REGD_ARG).
    forms_seen: u8,
    /// Calls waiting in RPCs, by thread slot.
    threads: Vec<Option<Thread>>,
    stats: ThreadStats,
    /// Bytes of memory-reference copies the waiting calls hold, and the
    /// most they and a new call may hold together.
    held: usize,
    memref_budget: usize,
    /// What the last resumed RPC has to tell the log.
    event: Event,
    /// Waiting calls by (session, cancel id), and cancellations that
    /// arrived before their call (the rules the host daemon keeps too).
    cancels: Cancellations<(u32, u32), usize>,
    /// TA-to-TA calls whose task a caller runs, by token.
    ta_steps: BTreeMap<u32, TaStep>,
    next_step: u32,
    /// `oxtee trace`'s record, shared with the trace PTA (the last
    /// pseudo-TA, instance `trace_pta`).
    tracer: SharedTracer,
    trace_pta: u64,
    /// The status PTA (instance `status_pta`) and the text the kernel
    /// writes for it before each of its calls; the kernel heap's use
    /// (bytes in use, its size) from the platform.
    status: Rc<RefCell<String>>,
    status_pta: u64,
    memory: fn() -> (usize, usize),
    /// What the SMC being served tells the trace.
    traced: Traced,
}

/// What the SMC being served tells the trace (when someone traces).
#[derive(Default)]
struct Traced {
    /// Someone traced when it began.
    on: bool,
    /// A trace PTA call: not recorded.
    mute: bool,
    /// The `optee_msg` command it carried.
    msg: Option<u32>,
    /// The RPC it returns with.
    rpc: Option<u32>,
    /// The TA (or pseudo-TA) its call is for.
    ta: Option<[u8; 16]>,
    /// The GP result and origin of the call it completed.
    result: Option<(u32, u32)>,
    /// The entry point just entered, whose return is recorded when it
    /// ends (now, or in the thread that runs it on).
    entry: Option<TraceEvent>,
}

/// A call waiting for the normal world.
struct Thread {
    task: Task,
    rpc: Rpc,
    /// Its argument: where, the decoded copy, and where RPC arguments go
    /// (none for `CALL_WITH_ARG`, which reserves no room for them).
    at: ArgAt,
    arg: MsgArg,
    rpc_at: Option<ArgAt>,
    /// The request sent and not yet answered.
    waiting: Option<Request>,
    /// Registrations its parameters name (not unregistered under it).
    cookies: Vec<u64>,
    /// An `OPEN_SESSION` whose TA is being fetched.
    opening: Option<Opening>,
    /// An `OPEN_SESSION` whose entry point runs (none of the two: an
    /// invoke).
    entering: Option<Entering>,
    /// A `CLOSE_SESSION` whose entry point runs: the instance to release
    /// when it ends.
    closing: Option<u64>,
    /// Bytes of memory-reference copies it holds.
    held: usize,
    /// RPC shared memory it holds, by its own id.
    shms: BTreeMap<ShmId, RpcShm>,
    next_shm: u32,
    /// The traced entry point it runs, whose return is recorded when it
    /// ends.
    traced: Option<TraceEvent>,
}

/// A session whose open entry point waits for the normal world: the
/// instance, and the session's reserved number.
#[derive(Clone, Copy)]
struct Entering {
    inst: u64,
    session: u32,
}

/// What the open of a freshly loaded TA came to.
enum Loaded {
    /// The answer: result and origin.
    Now(u32, u32),
    /// Its open entry point waits: the rest of it.
    Later(Task, Entering),
}

/// A session opening on a user TA that is not loaded yet: its reserved
/// number, the TA, the client, and where the task leaves the verified
/// ELF.
struct Opening {
    session: u32,
    uuid: [u8; 16],
    client: Client,
    elf: Fetched,
}

/// Where a loading task leaves the verified ELF and who its image says
/// the TA is.
type Fetched = Rc<RefCell<Option<(Vec<u8>, TaImage)>>>;

/// RPC shared memory: where, the normal world's cookie for it, its owner.
struct RpcShm {
    mem: Shm,
    cookie: u64,
    kind: ShmKind,
}

/// How an `INVOKE_COMMAND` went.
enum Outcome {
    /// Done: (result, origin).
    Now(u32, u32),
    /// Waiting for the normal world.
    Started(Box<Thread>),
}

/// oxtee's status PTA in the secure kernel
/// ([`oxtee_proto::status::PTA_UUID`], what `oxtee status` reads): the
/// text [`Service::status_text`] wrote before the call. Root only, as
/// the trace PTA ([`tracing::vouched_root`]); the secure memory's size
/// is the firmware's (SET_BUDGET: NOT_SUPPORTED).
struct StatusPta(Rc<RefCell<String>>);

impl Pta for StatusPta {
    fn uuid(&self) -> [u8; 16] {
        oxtee_proto::status::PTA_UUID
    }

    fn open_session(&mut self, _session: u32, client: &Client, _params: &mut [Param; 4]) -> u32 {
        if tracing::vouched_root(client) {
            TEE_SUCCESS
        } else {
            oxtee_gp::TEE_ERROR_ACCESS_DENIED
        }
    }

    fn close_session(&mut self, _session: u32) {}

    fn invoke(&mut self, _session: u32, cmd: u32, p: &mut [Param; 4], _rpc: &Rpc) -> Invoked {
        use oxtee_proto::status::{CMD_SET_BUDGET, CMD_STATUS};
        let t = oxtee_core::pta::param_types(p);
        Invoked::Done(match cmd {
            CMD_STATUS if t == oxtee_core::pta::types(6, 0, 0, 0) => {
                let text = self.0.borrow();
                let Param::Memref { data, size, .. } = &mut p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                *size = text.len();
                if data.len() < text.len() {
                    TEE_ERROR_SHORT_BUFFER
                } else {
                    data[..text.len()].copy_from_slice(text.as_bytes());
                    TEE_SUCCESS
                }
            }
            CMD_SET_BUDGET => TEE_ERROR_NOT_SUPPORTED,
            CMD_STATUS => TEE_ERROR_BAD_PARAMETERS,
            _ => TEE_ERROR_NOT_SUPPORTED,
        })
    }
}

impl Default for Service {
    fn default() -> Self {
        Self::new()
    }
}

impl Service {
    /// The kernel's services: the device enumeration and test pseudo-TAs.
    pub fn new() -> Service {
        Service::with_ptas(vec![
            Box::new(DevicePta::default()),
            Box::new(TestPta::default()),
        ])
    }

    /// The kernel's services as it boots: trusting `keys` for TA images,
    /// its random generator instantiated from the machine's boot `seed`
    /// and a `nonce` (the counter at boot), serving the device, test and
    /// system pseudo-TAs and the kernel's own `more`.
    pub fn boot(
        keys: Vec<RsaPublicKey>,
        huk: Option<[u8; 32]>,
        seed: &[u8; 32],
        nonce: u64,
        more: Vec<Box<dyn Pta>>,
    ) -> Service {
        Service::boot_measured(keys, huk, seed, nonce, &[], more)
    }

    /// [`boot`](Service::boot), with the kernel's own code and read-only
    /// data (`core_image`: what attestation measures as the secure world).
    pub fn boot_measured(
        keys: Vec<RsaPublicKey>,
        huk: Option<[u8; 32]>,
        seed: &[u8; 32],
        nonce: u64,
        core_image: &[u8],
        more: Vec<Box<dyn Pta>>,
    ) -> Service {
        let rng = crate::rng::Drbg::new(seed, &nonce.to_le_bytes(), b"oxtee secure kernel");
        let system = SystemPta::new(rng, huk);
        let rng = system.rng();
        let seen = crate::pta::SeenImages::default();
        let core: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(core_image).into();
        let attestation = crate::pta::AttestationPta::new(huk, rng.clone(), seen.clone(), core);
        let mut ptas: Vec<Box<dyn Pta>> = vec![
            Box::new(DevicePta::default()),
            Box::new(TestPta::with_keys(keys.clone())),
            Box::new(system),
            Box::new(attestation),
            Box::new(crate::socket_pta::SocketPta::default()),
        ];
        ptas.extend(more);
        Service {
            rng: Some(rng),
            ta_keys: keys.into(),
            seen,
            ..Service::with_ptas(ptas)
        }
    }

    /// The kernel's random generator, for the platform's system calls
    /// (none unless the service [`boot`](Service::boot)ed).
    pub fn rng(&self) -> Option<crate::pta::SharedRng> {
        self.rng.clone()
    }

    /// The same service, loading user TAs (signed by its keys) with
    /// `loader`.
    pub fn with_loader(self, loader: Box<dyn TaLoader>) -> Service {
        Service {
            loader: Some(loader),
            ..self
        }
    }

    /// A kernel serving these pseudo-TAs (and the trace PTA).
    pub fn with_ptas(mut ptas: Vec<Box<dyn Pta>>) -> Service {
        let tracer = Rc::new(RefCell::new(Tracer::new(|| 0)));
        ptas.push(Box::new(tracing::TracePta::new(tracer.clone())));
        let trace_pta = (ptas.len() - 1) as u64;
        let status = Rc::new(RefCell::new(String::new()));
        ptas.push(Box::new(StatusPta(status.clone())));
        let status_pta = (ptas.len() - 1) as u64;
        Service {
            tracer,
            trace_pta,
            status,
            status_pta,
            memory: || (0, 0),
            traced: Traced::default(),
            ptas,
            tas: BTreeMap::new(),
            identities: BTreeMap::new(),
            seen: crate::pta::SeenImages::default(),
            next_ta: FIRST_TA,
            loader: None,
            ta_keys: Rc::from(Vec::new()),
            verified: Rc::default(),
            rng: None,
            sessions: Sessions::new(MAX_SESSIONS, MAX_SESSIONS),
            instances: Instances::new(),
            shms: BTreeMap::new(),
            shm_pages: 0,
            forms_seen: 0,
            threads: (0..THREADS).map(|_| None).collect(),
            stats: ThreadStats::default(),
            held: 0,
            memref_budget: MEMREF_BUDGET,
            event: Event::None,
            cancels: Cancellations::new(EARLY_CANCELS),
            ta_steps: BTreeMap::new(),
            next_step: 0,
        }
    }

    /// The same, stamping its trace with `clock` (microseconds).
    pub fn with_clock(self, clock: tracing::Clock) -> Service {
        self.tracer.borrow_mut().set_clock(clock);
        self
    }

    /// The same, asking `memory` for the secure memory's use (bytes in
    /// use, its size) for the status.
    pub fn with_memory(mut self, memory: fn() -> (usize, usize)) -> Service {
        self.memory = memory;
        self
    }

    /// What `oxtee status` shows (the status PTA's text): uptime, the
    /// secure memory, the threads, sessions, shared memory, and each
    /// user TA instance with its memory and sessions.
    pub fn status_text(&self) -> String {
        use core::fmt::Write;
        let (used, size) = (self.memory)();
        let t = self.stats;
        let mut out = alloc::format!(
            "uptime_ms {}\nsecure_memory {size} used {used}\nsecure_threads {THREADS} busy {} waiting 0\nthreads_max_busy {}\nthread_limit_answers {}\nsessions {}\nshared_memory {} pages {}\nsecure_mode tz\n",
            self.tracer.borrow().now() / 1000,
            t.in_use,
            t.max_in_use,
            t.limit_answers,
            self.sessions.len(),
            self.shms.len(),
            self.shm_pages,
        );
        for (&number, ta) in &self.tas {
            let Some(uuid) = self.uuid_of(number) else {
                continue;
            };
            let _ = writeln!(
                out,
                "instance {number} {} memory {} sessions {}",
                oxtee_core::Uuid(uuid),
                ta.memory(),
                self.instances.sessions(number).unwrap_or(0)
            );
        }
        out
    }

    /// The same with another budget for memory-reference copies.
    pub fn with_memref_budget(bytes: usize) -> Service {
        Service {
            memref_budget: bytes,
            ..Service::new()
        }
    }

    /// The thread counters.
    pub fn threads(&self) -> ThreadStats {
        self.stats
    }

    /// Open sessions.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Registered shared-memory objects and their pages.
    pub fn shared_memory(&self) -> (usize, usize) {
        (self.shms.len(), self.shm_pages)
    }

    /// A yielding call: the caller's x0..x7 in, its x0..x3 out.
    pub fn yielding(&mut self, nw: &mut impl NormalWorld, regs: &[u64; 8]) -> ([u64; 4], Event) {
        self.yielding_at(nw, regs, None)
    }

    /// A yielding call, with the monitor's stamps for the trace (none:
    /// now).
    pub fn yielding_at(
        &mut self,
        nw: &mut impl NormalWorld,
        regs: &[u64; 8],
        at: Option<Stamps>,
    ) -> ([u64; 4], Event) {
        let on = self.tracer.borrow().on();
        self.traced = Traced {
            on,
            ..Traced::default()
        };
        if on {
            let mut tr = self.tracer.borrow_mut();
            let now = tr.now();
            let at = at.unwrap_or(Stamps {
                smc: now,
                last_return: now,
            });
            tr.begin(at, tracing::smc_name(regs[0] as u32));
        }
        let (out, ev) = self.serve_yielding(nw, regs);
        if on {
            let t = core::mem::take(&mut self.traced);
            let mut tr = self.tracer.borrow_mut();
            if t.mute {
                tr.discard();
            } else {
                tr.end(
                    out[0],
                    t.msg.map(tracing::msg_name),
                    t.rpc.map(tracing::rpc_name),
                    t.ta.as_ref(),
                    t.result,
                );
            }
        }
        (out, ev)
    }

    /// The trace's subject: the session `session` of the normal world is
    /// on (a trace PTA session mutes the SMC).
    fn trace_session(&mut self, session: u32) {
        if let Some(&inst) = self.sessions.get(Owner::NormalWorld, session) {
            self.trace_instance(inst);
        }
    }

    /// The trace's subject: instance `inst`.
    fn trace_instance(&mut self, inst: u64) {
        if !self.traced.on {
            return;
        }
        if inst == self.trace_pta {
            self.traced.mute = true;
        }
        self.traced.ta = self.uuid_of(inst);
    }

    /// The UUID of instance `inst`, without asking it (a user TA whose
    /// call waits is borrowed by that call's task).
    fn uuid_of(&self, inst: u64) -> Option<[u8; 16]> {
        if inst < FIRST_TA {
            self.ptas.get(inst as usize).map(|p| p.uuid())
        } else {
            self.identities.get(&inst).map(|(id, _)| id.identity.uuid)
        }
    }

    /// Instance `inst`'s entry point `name` is entered (for `session`,
    /// command `cmd`): its return is recorded by [`Service::trace_return`].
    fn trace_entry(&mut self, inst: u64, name: &str, session: u32, cmd: Option<u32>) {
        if !self.traced.on || inst == self.trace_pta {
            return;
        }
        let Some(uuid) = self.uuid_of(inst) else {
            return;
        };
        let mut tr = self.tracer.borrow_mut();
        let now = tr.now();
        let to = tracing::ta_participant(&uuid, inst < FIRST_TA);
        let e = tr.call(TraceEvent {
            session: Some(session),
            cmd,
            ta: Some(oxtee_core::Uuid(uuid).to_string()),
            ..tracing::crossing(now, "kernel", &to, name)
        });
        self.traced.entry = Some(e);
    }

    /// An entry point entered returned (`e`, or the one just entered).
    fn trace_return(&mut self, e: Option<TraceEvent>, ret: u32, origin: u32) {
        if let Some(e) = e.or_else(|| self.traced.entry.take()) {
            let mut tr = self.tracer.borrow_mut();
            let now = tr.now();
            tr.ret(e, now, Some(ret), Some(origin));
        }
    }

    fn serve_yielding(&mut self, nw: &mut impl NormalWorld, regs: &[u64; 8]) -> ([u64; 4], Event) {
        let id = regs[0] as u32;
        let form = match id {
            optee::CALL_WITH_ARG => 1,
            optee::CALL_WITH_RPC_ARG => 2,
            optee::CALL_WITH_REGD_ARG => 4,
            _ => 0,
        };
        let first = form != 0 && self.forms_seen & form == 0;
        self.forms_seen |= form;
        let phys = ArgAt::Phys(optee::reg_pair(regs[1], regs[2]));
        let (out, ev) = match id {
            optee::CALL_WITH_ARG => self.call_with_arg(nw, phys, false),
            optee::CALL_WITH_RPC_ARG => self.call_with_arg(nw, phys, true),
            optee::CALL_WITH_REGD_ARG => {
                let at = ArgAt::Registered {
                    cookie: optee::reg_pair(regs[1], regs[2]),
                    offset: regs[3],
                };
                self.call_with_arg(nw, at, true)
            }
            optee::RETURN_FROM_RPC => {
                let out = self.resume(nw, regs[3]);
                (out, core::mem::replace(&mut self.event, Event::None))
            }
            _ => (status(optee::RETURN_UNKNOWN_FUNCTION), Event::None),
        };
        // Sessions to other TAs closed in any entry point, closed now.
        self.ta_closes();
        let ev = match ev {
            Event::None if first => Event::FirstCallForm(id),
            ev => ev,
        };
        (out, ev)
    }

    /// Copy the argument's bytes at `at` (read, or write back).
    fn arg_io(
        &self,
        nw: &mut impl NormalWorld,
        at: ArgAt,
        data: &mut [u8],
        to_normal_world: bool,
    ) -> Result<(), BadAddress> {
        match at {
            ArgAt::Phys(pa) => {
                if !pa.is_multiple_of(8) {
                    return Err(BadAddress);
                }
                let span = Span::Contiguous(pa);
                if to_normal_world {
                    self.write_span(nw, &span, data)
                } else {
                    self.read_span(nw, &span, data)
                }
            }
            ArgAt::Registered { cookie, offset } => {
                let shm = self.shms.get(&cookie).ok_or(BadAddress)?;
                let fits = offset
                    .checked_add(data.len() as u64)
                    .is_some_and(|end| end <= shm.size);
                if !offset.is_multiple_of(8) || !fits {
                    return Err(BadAddress);
                }
                let span = Span::Registered(shm, offset);
                if to_normal_world {
                    self.write_span(nw, &span, data)
                } else {
                    self.read_span(nw, &span, data)
                }
            }
        }
    }

    /// A call's argument at `at`; `rpc_arg`: its form reserved room for
    /// an RPC argument after it.
    fn call_with_arg(
        &mut self,
        nw: &mut impl NormalWorld,
        at: ArgAt,
        rpc_arg: bool,
    ) -> ([u64; 4], Event) {
        let mut buf = [0u8; optee::arg_size(optee::MAX_PARAMS)];
        let header = &mut buf[..optee::ARG_HEADER_SIZE];
        if self.arg_io(nw, at, header, false).is_err() {
            return (status(optee::RETURN_EBADADDR), Event::None);
        }
        let Ok(n) = MsgArg::announced_params(&buf[..optee::ARG_HEADER_SIZE]) else {
            return (status(optee::RETURN_EBADCMD), Event::None);
        };
        let size = optee::arg_size(n);
        if self.arg_io(nw, at, &mut buf[..size], false).is_err() {
            return (status(optee::RETURN_EBADADDR), Event::None);
        }
        // The copy is decoded as it is: if the normal world changed the
        // header in between, the copy's own count must fit what was copied.
        let Ok(mut arg) = MsgArg::decode(&buf[..size]) else {
            let copy = &mut buf[..size];
            copy[20..24].copy_from_slice(&TEE_ERROR_BAD_PARAMETERS.to_le_bytes());
            copy[24..28].copy_from_slice(&ORIGIN_TEE.to_le_bytes());
            return match self.arg_io(nw, at, copy, true) {
                Ok(()) => (status(optee::RETURN_OK), Event::None),
                Err(_) => (status(optee::RETURN_EBADADDR), Event::None),
            };
        };
        let mut ev = Event::None;
        if self.traced.on {
            self.traced.msg = Some(arg.cmd);
            if matches!(
                arg.cmd,
                optee::CMD_INVOKE_COMMAND | optee::CMD_CLOSE_SESSION | optee::CMD_CANCEL
            ) {
                self.trace_session(arg.session);
            }
        }
        let (ret, origin) = match arg.cmd {
            optee::CMD_OPEN_SESSION => {
                // An open may load a user TA, which waits for the normal
                // world: without a free thread nothing of it is done.
                if self.loader.is_some() && self.threads.iter().all(Option::is_some) {
                    self.stats.limit_answers = self.stats.limit_answers.saturating_add(1);
                    return (status(optee::RETURN_ETHREAD_LIMIT), Event::None);
                }
                let rpc_at = rpc_arg.then(|| at.after(size));
                match self.open_session(nw, &mut arg, &mut ev, at, rpc_at) {
                    Outcome::Now(ret, origin) => (ret, origin),
                    Outcome::Started(t) => {
                        // (A slot was free: checked above, before anything
                        // was done; should none be, nothing is kept.)
                        let Some(slot) = self.threads.iter().position(Option::is_none) else {
                            if let Some(o) = &t.opening {
                                self.sessions.cancel(Owner::NormalWorld, o.session);
                            }
                            return (status(optee::RETURN_ETHREAD_LIMIT), Event::None);
                        };
                        self.held += t.held;
                        let mut t = *t;
                        t.traced = self.traced.entry.take();
                        self.threads[slot] = Some(t);
                        self.stats.in_use += 1;
                        self.stats.max_in_use = self.stats.max_in_use.max(self.stats.in_use);
                        let out = self.run(nw, slot);
                        return (out, core::mem::replace(&mut self.event, Event::None));
                    }
                }
            }
            optee::CMD_INVOKE_COMMAND => {
                // A command may wait: without a free thread nothing of it
                // is done and the driver retries it later.
                let Some(slot) = self.threads.iter().position(Option::is_none) else {
                    self.stats.limit_answers = self.stats.limit_answers.saturating_add(1);
                    return (status(optee::RETURN_ETHREAD_LIMIT), Event::None);
                };
                let rpc_at = rpc_arg.then(|| at.after(size));
                let key = (arg.session, arg.cancel_id);
                match self.invoke(nw, &mut arg, at, rpc_at) {
                    Outcome::Now(ret, origin) => {
                        self.cancels.finish(&key);
                        (ret, origin)
                    }
                    Outcome::Started(t) => {
                        // A cancellation that overtook its call.
                        if self.cancels.start(key, slot) {
                            t.rpc.cancel();
                        }
                        self.held += t.held;
                        let mut t = *t;
                        t.traced = self.traced.entry.take();
                        self.threads[slot] = Some(t);
                        self.stats.in_use += 1;
                        self.stats.max_in_use = self.stats.max_in_use.max(self.stats.in_use);
                        return (self.run(nw, slot), ev);
                    }
                }
            }
            optee::CMD_CLOSE_SESSION => {
                // A user TA's close may wait: without a free thread
                // nothing of it is done.
                if self.loader.is_some() && self.threads.iter().all(Option::is_some) {
                    self.stats.limit_answers = self.stats.limit_answers.saturating_add(1);
                    return (status(optee::RETURN_ETHREAD_LIMIT), Event::None);
                }
                let rpc_at = rpc_arg.then(|| at.after(size));
                match self.close_session(&arg, at, rpc_at) {
                    Outcome::Now(ret, origin) => (ret, origin),
                    Outcome::Started(t) => {
                        let Some(slot) = self.threads.iter().position(Option::is_none) else {
                            return (status(optee::RETURN_ETHREAD_LIMIT), Event::None);
                        };
                        let mut t = *t;
                        t.traced = self.traced.entry.take();
                        self.threads[slot] = Some(t);
                        self.stats.in_use += 1;
                        self.stats.max_in_use = self.stats.max_in_use.max(self.stats.in_use);
                        let out = self.run(nw, slot);
                        return (out, core::mem::replace(&mut self.event, Event::None));
                    }
                }
            }
            optee::CMD_CANCEL => self.cancel(&arg),
            optee::CMD_REGISTER_SHM => self.register_shm(nw, &arg),
            optee::CMD_UNREGISTER_SHM => self.unregister_shm(&arg),
            _ => return (status(optee::RETURN_EBADCMD), Event::None),
        };
        arg.ret = ret;
        arg.ret_origin = origin;
        (self.answer_call(nw, at, &arg), ev)
    }

    /// Write a call's answer back over its argument.
    fn answer_call(&mut self, nw: &mut impl NormalWorld, at: ArgAt, arg: &MsgArg) -> [u64; 4] {
        self.traced.result = Some((arg.ret, arg.ret_origin));
        let mut buf = [0u8; optee::arg_size(optee::MAX_PARAMS)];
        let size = optee::arg_size(arg.num_params);
        if arg.encode(&mut buf[..size]).is_err()
            || self.arg_io(nw, at, &mut buf[..size], true).is_err()
        {
            return status(optee::RETURN_EBADADDR);
        }
        status(optee::RETURN_OK)
    }

    /// Poll the task in `slot` until it completes (its answer written
    /// back) or waits for the normal world (an RPC returned).
    fn run(&mut self, nw: &mut impl NormalWorld, slot: usize) -> [u64; 4] {
        let Some(mut t) = self.threads[slot].take() else {
            return status(optee::RETURN_ERESUME);
        };
        loop {
            let (ret, params) = match rpc::poll(&mut t.task) {
                Poll::Ready(done) => done,
                Poll::Pending => match t.rpc.take_request() {
                    Some(Request::Ta(req)) => {
                        let reply = self.ta_call(&mut t, req);
                        t.rpc.answer(reply);
                        continue;
                    }
                    Some(req) if req.is_local() => {
                        let reply = self.local(nw, &mut t, req);
                        t.rpc.answer(reply);
                        continue;
                    }
                    Some(Request::ForeignInterrupt) => {
                        t.waiting = Some(Request::ForeignInterrupt);
                        self.threads[slot] = Some(t);
                        return [optee::RETURN_RPC_FOREIGN_INTR, 0, 0, slot as u64];
                    }
                    Some(req) => match self.send_rpc(nw, &mut t, &req) {
                        Ok(()) => {
                            self.traced.rpc = Some(rpc_cmd(&req));
                            t.waiting = Some(req);
                            self.threads[slot] = Some(t);
                            return [optee::RETURN_RPC_CMD, 0, 0, slot as u64];
                        }
                        Err(code) => {
                            t.rpc.answer(Reply::Failed(code));
                            continue;
                        }
                    },
                    // A task that waits for nothing would never wake.
                    None => (TEE_ERROR_GENERIC, no_params()),
                },
            };
            return self.finish(nw, t, slot, ret, &params);
        }
    }

    /// A task completed: copy its outputs back and answer its call.
    fn finish(
        &mut self,
        nw: &mut impl NormalWorld,
        mut t: Thread,
        slot: usize,
        ret: u32,
        params: &[Param; 4],
    ) -> [u64; 4] {
        let mut arg = t.arg;
        let n = arg.num_params;
        let traced = t.traced.take();
        if traced.is_some() {
            self.trace_return(traced, ret, ORIGIN_TRUSTED_APP);
        }
        if let Some(o) = t.opening.take() {
            let mut params = params.clone();
            match self.open_loaded(nw, o, ret, &mut params, &mut arg, &t.rpc) {
                Loaded::Now(ret, origin) => {
                    arg.ret = ret;
                    arg.ret_origin = origin;
                }
                // The TA's open entry point waits: the same thread runs
                // it on.
                Loaded::Later(task, e) => {
                    t.task = task;
                    t.entering = Some(e);
                    t.traced = self.traced.entry.take();
                    self.threads[slot] = Some(t);
                    return self.run(nw, slot);
                }
            }
            self.stats.in_use = self.stats.in_use.saturating_sub(1);
            self.held = self.held.saturating_sub(t.held);
            return self.answer_call(nw, t.at, &arg);
        }
        self.stats.in_use = self.stats.in_use.saturating_sub(1);
        self.held = self.held.saturating_sub(t.held);
        if let Some(inst) = t.closing {
            // (A close answers success whatever its entry point did.)
            self.release(inst);
            arg.ret = TEE_SUCCESS;
            arg.ret_origin = ORIGIN_TEE;
            return self.answer_call(nw, t.at, &arg);
        }
        if let Some(e) = t.entering {
            let ret = self.params_out(nw, &mut arg.params[2..n], params, ret);
            let (ret, origin) = self.opened(e.inst, e.session, ret, &mut arg);
            arg.ret = ret;
            arg.ret_origin = origin;
            return self.answer_call(nw, t.at, &arg);
        }
        self.cancels.finish(&(t.arg.session, t.arg.cancel_id));
        // A user TA that died while its call waited: as in `invoke`.
        if let Some(&inst) = self.sessions.get(Owner::NormalWorld, t.arg.session) {
            if self.died(inst) {
                arg.ret = TEE_ERROR_TARGET_DEAD;
                arg.ret_origin = ORIGIN_TEE;
                return self.answer_call(nw, t.at, &arg);
            }
        }
        // RPC shared memory the task kept stays the normal world's to
        // free when the call ends; the kernel forgets it here.
        arg.ret = self.params_out(nw, &mut arg.params[..n], params, ret);
        arg.ret_origin = ORIGIN_TRUSTED_APP;
        self.answer_call(nw, t.at, &arg)
    }

    /// `RETURN_FROM_RPC`: the normal world answered the RPC of the thread
    /// in `slot` (x3).
    fn resume(&mut self, nw: &mut impl NormalWorld, slot: u64) -> [u64; 4] {
        let Some(slot) = usize::try_from(slot)
            .ok()
            .filter(|&s| s < self.threads.len())
        else {
            return status(optee::RETURN_ERESUME);
        };
        let Some(mut t) = self.threads[slot].take() else {
            return status(optee::RETURN_ERESUME);
        };
        let Some(req) = t.waiting.take() else {
            self.threads[slot] = Some(t);
            return status(optee::RETURN_ERESUME);
        };
        if self.traced.on {
            self.traced.msg = Some(t.arg.cmd);
            if let Some(o) = &t.opening {
                self.traced.ta = Some(o.uuid);
            } else if let Some(inst) = t.entering.map(|e| e.inst).or(t.closing) {
                self.trace_instance(inst);
            } else {
                self.trace_session(t.arg.session);
            }
        }
        // A foreign interrupt's return carries no answer to read.
        let reply = if req == Request::ForeignInterrupt {
            Reply::Done
        } else {
            self.read_reply(nw, &mut t, &req)
        };
        if let Reply::Failed(ret) = reply {
            let cmd = rpc_cmd(&req);
            // (A file the REE file system does not have is an answer the
            // trusted storage expects, not a failure worth a line.)
            if !(cmd == crate::rpc::cmd::FS && ret == oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND) {
                self.event = Event::RpcFailed { cmd, ret };
            }
        }
        t.rpc.answer(reply);
        self.threads[slot] = Some(t);
        self.run(nw, slot)
    }

    /// Write the RPC argument for `req` where the call reserved room.
    fn send_rpc(
        &mut self,
        nw: &mut impl NormalWorld,
        t: &mut Thread,
        req: &Request,
    ) -> Result<(), u32> {
        let rpc_at = t.rpc_at.ok_or(TEE_ERROR_NOT_SUPPORTED)?;
        let value_in = |a: u64, b: u64, c: u64| MsgParam { attr: 1, a, b, c };
        let mut msg = MsgArg::default();
        let one = |cmd, p| (cmd, [p]);
        match req {
            Request::Supplicant { cmd, params } => {
                if params.len() > RPC_PARAMS as usize {
                    return Err(TEE_ERROR_BAD_PARAMETERS);
                }
                msg.cmd = *cmd;
                msg.num_params = params.len();
                for (m, p) in msg.params.iter_mut().zip(params) {
                    *m = rpc_param(t, p)?;
                }
            }
            req => {
                let (cmd, [param]) = match *req {
                    Request::GetTime => one(
                        rpc::cmd::GET_TIME,
                        MsgParam {
                            attr: 2,
                            ..Default::default()
                        },
                    ),
                    Request::Suspend { ms } => {
                        one(rpc::cmd::SUSPEND, value_in(u64::from(ms), 0, 0))
                    }
                    Request::Wait { key } => one(
                        rpc::cmd::NOTIFICATION,
                        value_in(rpc::NOTIFICATION_WAIT, u64::from(key), 0),
                    ),
                    Request::Send { key } => one(
                        rpc::cmd::NOTIFICATION,
                        value_in(rpc::NOTIFICATION_SEND, u64::from(key), 0),
                    ),
                    Request::ShmAlloc { kind, size } => {
                        if size == 0 || size > MAX_RPC_SHM {
                            return Err(TEE_ERROR_BAD_PARAMETERS);
                        }
                        if t.shms.len() >= MAX_RPC_SHMS {
                            return Err(TEE_ERROR_OUT_OF_MEMORY);
                        }
                        one(rpc::cmd::SHM_ALLOC, value_in(kind.wire(), size, PAGE))
                    }
                    Request::ShmFree { shm } => {
                        // Forgotten now: whatever the normal world answers,
                        // the kernel does not touch that memory again.
                        let s = t.shms.remove(&shm).ok_or(TEE_ERROR_BAD_PARAMETERS)?;
                        one(rpc::cmd::SHM_FREE, value_in(s.kind.wire(), s.cookie, 0))
                    }
                    Request::ShmWrite { .. }
                    | Request::ShmRead { .. }
                    | Request::ForeignInterrupt
                    | Request::Ta(_)
                    | Request::Supplicant { .. } => {
                        return Err(TEE_ERROR_GENERIC);
                    }
                };
                msg.cmd = cmd;
                msg.num_params = 1;
                msg.params[0] = param;
            }
        }
        let mut buf = [0u8; optee::arg_size(RPC_PARAMS as usize)];
        let size = optee::arg_size(msg.num_params);
        msg.encode(&mut buf[..size])
            .map_err(|_| TEE_ERROR_GENERIC)?;
        self.arg_io(nw, rpc_at, &mut buf[..size], true)
            .map_err(|_| TEE_ERROR_GENERIC)
    }

    /// Read and check the normal world's answer to `req` (one copy).
    fn read_reply(&mut self, nw: &mut impl NormalWorld, t: &mut Thread, req: &Request) -> Reply {
        let bad = Reply::Failed(TEE_ERROR_GENERIC);
        let Some(rpc_at) = t.rpc_at else { return bad };
        let sent = match req {
            Request::Supplicant { params, .. } => params.len(),
            _ => 1,
        };
        let mut buf = [0u8; optee::arg_size(RPC_PARAMS as usize)];
        let size = optee::arg_size(sent);
        if self.arg_io(nw, rpc_at, &mut buf[..size], false).is_err() {
            return bad;
        }
        let Ok(msg) = MsgArg::decode(&buf[..size]) else {
            return bad;
        };
        if msg.num_params != sent {
            return bad;
        }
        if msg.ret != TEE_SUCCESS {
            return Reply::Failed(msg.ret);
        }
        let p = msg.params[0];
        match *req {
            Request::Supplicant { ref params, .. } => {
                let mut out = params.clone();
                for (o, m) in out.iter_mut().zip(msg.params()) {
                    // The answer keeps the types asked for (a memory
                    // reference may come back registered or temporary:
                    // Linux's driver answers a reference without a
                    // buffer as temporary memory).
                    let (Ok(asked), Some(got)) = (rpc_param(t, o), m.param_type()) else {
                        return bad;
                    };
                    let same = match (asked.param_type(), got) {
                        (Some(a), g) if a.is_memref() => g.is_memref() && a.output() == g.output(),
                        (a, g) => a == Some(g),
                    };
                    if !same {
                        return bad;
                    }
                    match o {
                        RpcParam::Value { a, b, c, dir } if dir.output() => {
                            (*a, *b, *c) = (m.a, m.b, m.c);
                        }
                        RpcParam::Memref { size, dir, .. } if dir.output() => *size = m.b,
                        _ => {}
                    }
                }
                Reply::Params(out)
            }
            Request::GetTime => match p.param_type() {
                Some(ParamType::Value { output: true, .. }) if p.b < 1_000_000_000 => Reply::Time {
                    secs: p.a,
                    nanos: p.b as u32,
                },
                _ => bad,
            },
            Request::Suspend { .. } | Request::Wait { .. } | Request::Send { .. } => Reply::Done,
            Request::ShmFree { .. } => Reply::Done,
            Request::ShmAlloc { kind, size } => {
                let Some(ParamType::Tmem { output: true, .. }) = p.param_type() else {
                    return bad;
                };
                // At least what was asked; the kernel uses only that.
                if p.b < size {
                    return bad;
                }
                let mem = if p.attr & optee::ATTR_NONCONTIG != 0 {
                    let max = (MAX_RPC_SHM / PAGE + 1) as usize;
                    match read_page_list(nw, p.a, size, max) {
                        Ok(mem) => mem,
                        Err(_) => return bad,
                    }
                } else {
                    if nw.check(p.a, size).is_err() {
                        return bad;
                    }
                    let first = p.a - p.a % PAGE;
                    let offset = p.a % PAGE;
                    let npages = (offset + size).div_ceil(PAGE);
                    Shm {
                        pages: (0..npages).map(|i| first + i * PAGE).collect(),
                        offset,
                        size,
                    }
                };
                let shm = ShmId(t.next_shm);
                t.next_shm = t.next_shm.wrapping_add(1);
                t.shms.insert(
                    shm,
                    RpcShm {
                        mem,
                        cookie: p.c,
                        kind,
                    },
                );
                Reply::Shm { shm, size }
            }
            Request::ShmWrite { .. }
            | Request::ShmRead { .. }
            | Request::ForeignInterrupt
            | Request::Ta(_) => bad,
        }
    }

    /// Serve a task's copy into or out of its RPC shared memory.
    fn local(&self, nw: &mut impl NormalWorld, t: &mut Thread, req: Request) -> Reply {
        let bad = Reply::Failed(TEE_ERROR_BAD_PARAMETERS);
        let (shm, offset, len) = match &req {
            Request::ShmWrite { shm, offset, data } => (*shm, *offset, data.len()),
            Request::ShmRead { shm, offset, len } => (*shm, *offset, *len),
            _ => return bad,
        };
        let Some(s) = t.shms.get(&shm) else {
            return bad;
        };
        if offset
            .checked_add(len as u64)
            .is_none_or(|end| end > s.mem.size)
        {
            return bad;
        }
        let span = Span::Registered(&s.mem, offset);
        match req {
            Request::ShmWrite { data, .. } => match self.write_span(nw, &span, &data) {
                Ok(()) => Reply::Done,
                Err(_) => Reply::Failed(TEE_ERROR_GENERIC),
            },
            _ => {
                let mut data = Vec::new();
                if data.try_reserve_exact(len).is_err() {
                    return Reply::Failed(TEE_ERROR_OUT_OF_MEMORY);
                }
                data.resize(len, 0);
                match self.read_span(nw, &span, &mut data) {
                    Ok(()) => Reply::Data(data),
                    Err(_) => Reply::Failed(TEE_ERROR_GENERIC),
                }
            }
        }
    }

    /// `CANCEL`: mark the waiting call of (session, cancel id), or
    /// remember the cancellation for when that call starts (its INVOKE may
    /// still be waiting for a thread).
    fn cancel(&mut self, arg: &MsgArg) -> (u32, u32) {
        // (Nothing to remember for a session that does not exist; the
        // driver ignores a cancellation's answer.)
        if !self.sessions.contains(Owner::NormalWorld, arg.session) {
            return (TEE_SUCCESS, ORIGIN_TEE);
        }
        if let Found::Running(&slot) = self.cancels.request((arg.session, arg.cancel_id)) {
            if let Some(t) = self.threads.get(slot).and_then(Option::as_ref) {
                t.rpc.cancel();
            }
        }
        (TEE_SUCCESS, ORIGIN_TEE)
    }

    /// Whether a waiting call belongs to `session`.
    fn session_busy(&self, session: u32) -> bool {
        self.threads.iter().flatten().any(|t| {
            t.opening.is_none()
                && t.entering.is_none()
                && t.closing.is_none()
                && t.arg.session == session
        })
    }

    fn open_session(
        &mut self,
        nw: &mut impl NormalWorld,
        arg: &mut MsgArg,
        ev: &mut Event,
        at: ArgAt,
        rpc_at: Option<ArgAt>,
    ) -> Outcome {
        let now = |ret| Outcome::Now(ret, ORIGIN_TEE);
        let Some(ids) = OpenSession::from_arg(arg) else {
            return now(TEE_ERROR_BAD_PARAMETERS);
        };
        if self.traced.on {
            self.traced.ta = Some(ids.uuid);
            self.traced.mute = ids.uuid == oxtee_proto::trace::PTA_UUID;
        }
        // The logins a normal-world client may claim (as OP-TEE accepts
        // them): never TRUSTED_APP, which only the kernel gives a TA.
        if !matches!(
            ids.login,
            LOGIN_PUBLIC
                | LOGIN_USER
                | LOGIN_GROUP
                | LOGIN_APPLICATION
                | LOGIN_USER_APPLICATION
                | LOGIN_GROUP_APPLICATION
                | LOGIN_REE_KERNEL
        ) {
            return now(TEE_ERROR_BAD_PARAMETERS);
        }
        let client = Client {
            login: ids.login,
            uuid: ids.client,
            ta: None,
        };
        if self.loader.is_none() && !self.ptas.iter().any(|p| p.uuid() == ids.uuid) {
            *ev = Event::NoSuchTa {
                uuid: ids.uuid,
                login: ids.login,
            };
            return now(TEE_ERROR_ITEM_NOT_FOUND);
        }
        let inst = match self.place(ids.uuid) {
            Ok(Some(i)) => i,
            // (A thread is free: `call_with_arg` checked.)
            Ok(None) => return self.start_loading(nw, arg, at, rpc_at, ids.uuid, client),
            Err(code) => return now(code),
        };
        let Ok(id) = self.sessions.reserve(Owner::NormalWorld) else {
            self.release(inst);
            return now(TEE_ERROR_OUT_OF_MEMORY);
        };
        let n = arg.num_params;
        let mut params = match self.params_in(nw, &arg.params[2..n]) {
            Ok(p) => p,
            Err(code) => {
                self.sessions.cancel(Owner::NormalWorld, id);
                self.release(inst);
                return now(code);
            }
        };
        let rpc = Rpc::new(self.stats);
        match self.open_on(inst, id, &client, &mut params, &rpc) {
            Invoked::Done(ret) => {
                let ret = self.params_out(nw, &mut arg.params[2..n], &params, ret);
                let (ret, origin) = self.opened(inst, id, ret, arg);
                Outcome::Now(ret, origin)
            }
            Invoked::Refused(code) => {
                self.sessions.cancel(Owner::NormalWorld, id);
                self.release(inst);
                now(code)
            }
            Invoked::Later(task) => {
                let e = Entering { inst, session: id };
                Outcome::Started(Thread::new(task, rpc, arg, at, rpc_at, None, Some(e)))
            }
        }
    }

    /// The open entry point of instance `inst` for session `id`.
    fn open_on(
        &mut self,
        inst: u64,
        id: u32,
        client: &Client,
        params: &mut [Param; 4],
        rpc: &Rpc,
    ) -> Invoked {
        if self.instance(inst).is_some_and(|p| !p.is_dead()) {
            self.trace_entry(inst, "TA_OpenSessionEntryPoint", id, None);
        }
        let r = match self.instance(inst) {
            Some(p) if p.is_dead() => Invoked::Done(TEE_ERROR_TARGET_DEAD),
            Some(p) => p.open_session_waiting(id, client, params, rpc),
            None => Invoked::Done(TEE_ERROR_BAD_STATE),
        };
        match r {
            Invoked::Done(ret) => self.trace_return(None, ret, ORIGIN_TRUSTED_APP),
            Invoked::Refused(code) => self.trace_return(None, code, ORIGIN_TEE),
            Invoked::Later(_) => {}
        }
        r
    }

    /// Whether instance `inst` died (then it is forgotten as a running
    /// single instance: no session joins it).
    fn died(&mut self, inst: u64) -> bool {
        let dead = self.instance(inst).is_some_and(|p| p.is_dead());
        if dead {
            self.instances.died(inst);
        }
        dead
    }

    /// The open of session `id` on `inst` answered `ret` (its parameters
    /// copied out): the session exists, or nothing of it is left.
    fn opened(&mut self, inst: u64, id: u32, ret: u32, arg: &mut MsgArg) -> (u32, u32) {
        if self.died(inst) {
            self.sessions.cancel(Owner::NormalWorld, id);
            self.release(inst);
            return (TEE_ERROR_TARGET_DEAD, ORIGIN_TEE);
        }
        // (Nothing takes the normal world's reservations: filling one
        // cannot fail.)
        if ret == TEE_SUCCESS && self.sessions.fill(Owner::NormalWorld, id, inst).is_ok() {
            arg.session = id;
        } else {
            self.sessions.cancel(Owner::NormalWorld, id);
            if let Some(p) = self.instance(inst) {
                p.close_session(id);
            }
            self.release(inst);
        }
        (ret, ORIGIN_TRUSTED_APP)
    }

    /// A built-in PTA (by index) or a loaded user TA (by number).
    fn instance(&mut self, inst: u64) -> Option<&mut Box<dyn Pta>> {
        if inst < FIRST_TA {
            self.ptas.get_mut(inst as usize)
        } else {
            self.tas.get_mut(&inst)
        }
    }

    /// The open of a user TA that is not loaded: a thread fetches its
    /// image through the supplicant and verifies it; [`Service::finish`]
    /// then loads it and opens the session.
    fn start_loading(
        &mut self,
        nw: &mut impl NormalWorld,
        arg: &mut MsgArg,
        at: ArgAt,
        rpc_at: Option<ArgAt>,
        uuid: [u8; 16],
        client: Client,
    ) -> Outcome {
        let Ok(id) = self.sessions.reserve(Owner::NormalWorld) else {
            return Outcome::Now(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE);
        };
        let n = arg.num_params;
        let params = match self.params_in(nw, &arg.params[2..n]) {
            Ok(p) => p,
            Err(code) => {
                self.sessions.cancel(Owner::NormalWorld, id);
                return Outcome::Now(code, ORIGIN_TEE);
            }
        };
        let rpc = Rpc::new(self.stats);
        let (task, elf) = self.fetch_task(&rpc, uuid, params);
        let opening = Opening {
            session: id,
            uuid,
            client,
            elf,
        };
        Outcome::Started(Thread::new(task, rpc, arg, at, rpc_at, Some(opening), None))
    }

    /// A task that fetches TA `uuid`'s image through the supplicant (on
    /// `rpc`'s thread) and verifies it in the kernel's own copy, for the
    /// UUID asked (or knows the same bytes verified before, for that
    /// UUID), leaving the ELF in the cell; `params` pass through it.
    fn fetch_task(&self, rpc: &Rpc, uuid: [u8; 16], params: [Param; 4]) -> (Task, Fetched) {
        let elf = Rc::new(RefCell::new(None));
        let (fetch, out, keys) = (rpc.clone(), elf.clone(), self.ta_keys.clone());
        let verified = self.verified.clone();
        let task: Task = Box::pin(async move {
            let ret = match crate::pta::fetch_ta(&fetch, uuid, MAX_TA_IMAGE).await {
                Ok(image) => match verified.borrow_mut().check(&image, uuid, &keys) {
                    Some((img, signer)) => {
                        let identity = TaIdentity {
                            uuid,
                            ta_version: img.ta_version,
                            signer,
                        };
                        let mut digest = [0u8; 32];
                        digest.copy_from_slice(img.hash);
                        let id = TaImage { identity, digest };
                        *out.borrow_mut() = Some((img.elf.to_vec(), id));
                        TEE_SUCCESS
                    }
                    None => TEE_ERROR_SECURITY,
                },
                Err(code) => code,
            };
            (ret, params)
        });
        (task, elf)
    }

    /// A user TA's image was fetched and verified (`ret`): load it, place
    /// the instance, and open the session on it.
    fn open_loaded(
        &mut self,
        nw: &mut impl NormalWorld,
        o: Opening,
        ret: u32,
        params: &mut [Param; 4],
        arg: &mut MsgArg,
        rpc: &Rpc,
    ) -> Loaded {
        let fail = |k: &mut Service, code| {
            k.sessions.cancel(Owner::NormalWorld, o.session);
            Loaded::Now(code, ORIGIN_TEE)
        };
        if ret != TEE_SUCCESS {
            if ret == TEE_ERROR_ITEM_NOT_FOUND {
                self.event = Event::NoSuchTa {
                    uuid: o.uuid,
                    login: o.client.login,
                };
            }
            return fail(self, ret);
        }
        let Some((elf, id)) = o.elf.borrow_mut().take() else {
            return fail(self, TEE_ERROR_GENERIC);
        };
        let inst = match self.load_instance(id, &elf) {
            Ok(i) => i,
            Err(code) => return fail(self, code),
        };
        let n = arg.num_params;
        match self.open_on(inst, o.session, &o.client, params, rpc) {
            Invoked::Done(ret) => {
                let ret = self.params_out(nw, &mut arg.params[2..n], params, ret);
                let (ret, origin) = self.opened(inst, o.session, ret, arg);
                Loaded::Now(ret, origin)
            }
            Invoked::Refused(code) => {
                self.sessions.cancel(Owner::NormalWorld, o.session);
                self.release(inst);
                Loaded::Now(code, ORIGIN_TEE)
            }
            Invoked::Later(task) => Loaded::Later(
                task,
                Entering {
                    inst,
                    session: o.session,
                },
            ),
        }
    }

    /// A session of instance `inst` ended. A PTA's state outlives its
    /// "instance": one that is not kept alive is simply started afresh
    /// (placed again) by its next session. A user TA instance that is not
    /// kept alive goes with its last session (its memory with it).
    fn release(&mut self, inst: u64) {
        let dead = self.instance(inst).is_some_and(|p| p.is_dead());
        if let Released::Destroy(n) = self.instances.release(inst, dead) {
            self.tas.remove(&n);
            self.identities.remove(&n);
            // The sessions it had opened to other TAs go with it.
            for (id, callee) in self.sessions.take_all(Owner::Ta(n)) {
                self.close_callee(id, callee);
            }
        }
    }

    /// Close session `id` (a TA-to-TA one) on instance `inst`.
    fn close_callee(&mut self, id: u32, inst: u64) {
        if let Some(p) = self.instance(inst).filter(|p| !p.is_dead()) {
            p.close_session(id);
        }
        self.release(inst);
    }

    /// Close the TA-to-TA sessions the user TAs closed.
    fn ta_closes(&mut self) {
        // (After every entry: nothing is allocated unless a TA closed
        // something.)
        let mut closed = Vec::new();
        for (&n, p) in self.tas.iter_mut() {
            closed.extend(p.take_ta_closes().into_iter().map(|id| (n, id)));
        }
        for (n, id) in closed {
            if let Some(inst) = self.sessions.remove(Owner::Ta(n), id) {
                self.close_callee(id, inst);
            }
        }
    }

    /// A TA-to-TA request of the task on thread `t` (its RPC link runs the
    /// callee's tasks, so their RPCs and cancellation are the call's).
    fn ta_call(&mut self, t: &mut Thread, req: TaRequest) -> Reply {
        match req {
            TaRequest::Open {
                caller,
                uuid,
                params,
            } => self.ta_open(t, caller, uuid, params),
            TaRequest::Invoke {
                caller,
                session,
                cmd,
                mut params,
            } => {
                let Some(&inst) = self.sessions.get(Owner::Ta(caller), session) else {
                    return ta_now(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE, 0, params);
                };
                let Some(target) = self.instance(inst) else {
                    return ta_now(TEE_ERROR_BAD_STATE, ORIGIN_TEE, 0, params);
                };
                if target.is_dead() {
                    return ta_now(TEE_ERROR_TARGET_DEAD, ORIGIN_TEE, 0, params);
                }
                match target.invoke(session, cmd, &mut params, &t.rpc) {
                    Invoked::Done(ret) => self.ta_invoked(inst, ret, params),
                    Invoked::Refused(code) => ta_now(code, ORIGIN_TEE, 0, params),
                    Invoked::Later(task) => self.ta_hand_over(t, task, TaStep::Invoking { inst }),
                }
            }
            TaRequest::Close { caller, session } => {
                let closed = || ta_now(TEE_SUCCESS, ORIGIN_TEE, 0, no_params());
                // (A session the caller does not have: nothing to do.)
                let Some(inst) = self.sessions.remove(Owner::Ta(caller), session) else {
                    return closed();
                };
                let waits = match self.instance(inst).filter(|p| !p.is_dead()) {
                    Some(p) => p.close_session_waiting(session, &t.rpc),
                    None => None,
                };
                match waits {
                    // The callee goes (or not) when its close entry point
                    // has run on the caller's thread.
                    Some(task) => self.ta_hand_over(t, task, TaStep::Closing { inst }),
                    None => {
                        self.release(inst);
                        closed()
                    }
                }
            }
            TaRequest::Step { token, ret, params } => match self.ta_steps.remove(&token) {
                None => Reply::Failed(TEE_ERROR_BAD_STATE),
                Some(TaStep::Invoking { inst }) => self.ta_invoked(inst, ret, params),
                Some(TaStep::Closing { inst }) => {
                    self.release(inst);
                    ta_now(TEE_SUCCESS, ORIGIN_TEE, 0, no_params())
                }
                Some(TaStep::Opening {
                    caller,
                    inst,
                    session,
                }) => self.ta_opened(caller, inst, session, ret, params),
                Some(TaStep::Loading {
                    caller,
                    session,
                    client,
                    elf,
                }) => {
                    let cancel = |k: &mut Service, code, params| {
                        k.sessions.cancel(Owner::Ta(caller), session);
                        ta_now(code, ORIGIN_TEE, 0, params)
                    };
                    if ret != TEE_SUCCESS {
                        return cancel(self, ret, params);
                    }
                    let Some((elf, id)) = elf.borrow_mut().take() else {
                        return cancel(self, TEE_ERROR_GENERIC, params);
                    };
                    match self.load_instance(id, &elf) {
                        Ok(inst) => self.ta_enter(t, caller, inst, session, client, params),
                        Err(code) => cancel(self, code, params),
                    }
                }
            },
        }
    }

    /// `TEE_OpenTASession` by instance `caller`.
    fn ta_open(
        &mut self,
        t: &mut Thread,
        caller: u64,
        uuid: [u8; 16],
        params: [Param; 4],
    ) -> Reply {
        let Some(me) = self.tas.get(&caller).map(|p| p.uuid()) else {
            return ta_now(TEE_ERROR_BAD_STATE, ORIGIN_TEE, 0, params);
        };
        let client = Client {
            login: oxtee_gp::LOGIN_TRUSTED_APP,
            uuid: me,
            ta: self.identities.get(&caller).copied(),
        };
        let inst = match self.place(uuid) {
            Ok(i) => i,
            Err(code) => return ta_now(code, ORIGIN_TEE, 0, params),
        };
        let Ok(session) = self.sessions.reserve(Owner::Ta(caller)) else {
            if let Some(i) = inst {
                self.release(i);
            }
            return ta_now(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE, 0, params);
        };
        let Some(inst) = inst else {
            // Not running: fetched and verified by a task the caller runs
            // (the image through the supplicant), then loaded here.
            let (task, elf) = self.fetch_task(&t.rpc, uuid, params);
            let step = TaStep::Loading {
                caller,
                session,
                client,
                elf,
            };
            return self.ta_hand_over(t, task, step);
        };
        self.ta_enter(t, caller, inst, session, client, params)
    }

    /// The instance a session of `uuid` opens on, reserved: a pseudo-TA,
    /// a user TA's running single instance (which takes the session or
    /// refuses it), or `None`: a user TA to load (its flags decide when it
    /// is installed). ITEM_NOT_FOUND when no user TA can be loaded.
    fn place(&mut self, uuid: [u8; 16]) -> Result<Option<u64>, u32> {
        let alive = |_: &u64| true;
        let u = Uuid(uuid);
        match self.ptas.iter().position(|p| p.uuid() == uuid) {
            Some(pta) => {
                let flags = self.ptas[pta].flags();
                match self.instances.reserve(u, flags, alive) {
                    Ok(Slot::Existing(..)) => Ok(Some(pta as u64)),
                    Ok(Slot::Start) => match self
                        .instances
                        .install(pta as u64, u, flags, pta as u64, alive)
                    {
                        Installed::Fresh | Installed::Joined(..) => Ok(Some(pta as u64)),
                        Installed::Refused(e) => Err(e.code),
                    },
                    Err(e) => Err(e.code),
                }
            }
            None if self.loader.is_none() => Err(TEE_ERROR_ITEM_NOT_FOUND),
            None => match self.instances.reserve_running(u, alive) {
                Ok(Some((_, h))) => Ok(Some(h)),
                Ok(None) => Ok(None),
                Err(e) => Err(e.code),
            },
        }
    }

    /// Load a verified image as a new instance (or join the single
    /// instance another open loaded meanwhile): its number.
    fn load_instance(&mut self, id: TaImage, elf: &[u8]) -> Result<u64, u32> {
        let uuid = id.identity.uuid;
        self.seen.borrow_mut().insert(uuid, id);
        let loader = self.loader.as_mut().ok_or(TEE_ERROR_ITEM_NOT_FOUND)?;
        let mut fresh = loader.load(uuid, elf)?;
        let flags = fresh.flags();
        let number = self.next_ta;
        self.next_ta += 1;
        match self
            .instances
            .install(number, Uuid(uuid), flags, number, |_| true)
        {
            Installed::Fresh => {
                fresh.attach(number);
                self.tas.insert(number, fresh);
                let code: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(elf).into();
                self.identities.insert(number, (id, code));
                Ok(number)
            }
            // Another open of this single-instance TA loaded it first: the
            // fresh copy goes.
            Installed::Joined(_, other) => Ok(other),
            Installed::Refused(e) => Err(e.code),
        }
    }

    /// Run the open entry point of `inst` for the caller's session.
    fn ta_enter(
        &mut self,
        t: &mut Thread,
        caller: u64,
        inst: u64,
        session: u32,
        client: Client,
        mut params: [Param; 4],
    ) -> Reply {
        match self.open_on(inst, session, &client, &mut params, &t.rpc) {
            Invoked::Done(ret) => self.ta_opened(caller, inst, session, ret, params),
            Invoked::Refused(code) => {
                self.sessions.cancel(Owner::Ta(caller), session);
                self.release(inst);
                ta_now(code, ORIGIN_TEE, 0, params)
            }
            Invoked::Later(task) => {
                let step = TaStep::Opening {
                    caller,
                    inst,
                    session,
                };
                self.ta_hand_over(t, task, step)
            }
        }
    }

    /// The callee's open entry point answered `ret`.
    fn ta_opened(
        &mut self,
        caller: u64,
        inst: u64,
        session: u32,
        ret: u32,
        params: [Param; 4],
    ) -> Reply {
        if self.died(inst) {
            self.sessions.cancel(Owner::Ta(caller), session);
            self.release(inst);
            return ta_now(TEE_ERROR_TARGET_DEAD, ORIGIN_TEE, 0, no_params());
        }
        if ret == TEE_SUCCESS && self.sessions.fill(Owner::Ta(caller), session, inst).is_ok() {
            return ta_now(TEE_SUCCESS, ORIGIN_TRUSTED_APP, session, params);
        }
        self.sessions.cancel(Owner::Ta(caller), session);
        self.release(inst);
        ta_now(ret, ORIGIN_TRUSTED_APP, 0, params)
    }

    /// The callee's invoke entry point answered `ret`.
    fn ta_invoked(&mut self, inst: u64, ret: u32, params: [Param; 4]) -> Reply {
        if self.died(inst) {
            return ta_now(TEE_ERROR_TARGET_DEAD, ORIGIN_TEE, 0, no_params());
        }
        ta_now(ret, ORIGIN_TRUSTED_APP, 0, params)
    }

    /// Hand `task` to the caller's thread, to report as `step`.
    fn ta_hand_over(&mut self, t: &mut Thread, task: Task, step: TaStep) -> Reply {
        if self.ta_steps.len() >= MAX_TA_STEPS {
            // (Never with the threads and nesting the kernel allows.)
            return Reply::Failed(TEE_ERROR_OUT_OF_MEMORY);
        }
        let token = self.next_step;
        self.next_step = self.next_step.wrapping_add(1);
        self.ta_steps.insert(token, step);
        t.rpc.hand_over(task);
        Reply::TaTask { token }
    }

    fn invoke(
        &mut self,
        nw: &mut impl NormalWorld,
        arg: &mut MsgArg,
        at: ArgAt,
        rpc_at: Option<ArgAt>,
    ) -> Outcome {
        let Some(&inst) = self.sessions.get(Owner::NormalWorld, arg.session) else {
            return Outcome::Now(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE);
        };
        let n = arg.num_params;
        let mut params = match self.params_in(nw, &arg.params[..n]) {
            Ok(p) => p,
            Err(code) => return Outcome::Now(code, ORIGIN_TEE),
        };
        let rpc = Rpc::new(self.stats);
        match self.instance(inst).map(|p| p.is_dead()) {
            None => return Outcome::Now(TEE_ERROR_BAD_STATE, ORIGIN_TEE),
            Some(true) => return Outcome::Now(TEE_ERROR_TARGET_DEAD, ORIGIN_TEE),
            Some(false) => {}
        }
        self.trace_entry(
            inst,
            "TA_InvokeCommandEntryPoint",
            arg.session,
            Some(arg.func),
        );
        if inst == self.status_pta {
            let text = self.status_text();
            *self.status.borrow_mut() = text;
        }
        let Some(target) = self.instance(inst) else {
            return Outcome::Now(TEE_ERROR_BAD_STATE, ORIGIN_TEE);
        };
        let invoked = target.invoke(arg.session, arg.func, &mut params, &rpc);
        if self.died(inst) {
            self.trace_return(None, TEE_ERROR_TARGET_DEAD, ORIGIN_TEE);
            return Outcome::Now(TEE_ERROR_TARGET_DEAD, ORIGIN_TEE);
        }
        match invoked {
            Invoked::Done(ret) => {
                self.trace_return(None, ret, ORIGIN_TRUSTED_APP);
                let ret = self.params_out(nw, &mut arg.params[..n], &params, ret);
                Outcome::Now(ret, ORIGIN_TRUSTED_APP)
            }
            Invoked::Refused(code) => {
                self.trace_return(None, code, ORIGIN_TEE);
                Outcome::Now(code, ORIGIN_TEE)
            }
            Invoked::Later(task) => {
                Outcome::Started(Thread::new(task, rpc, arg, at, rpc_at, None, None))
            }
        }
    }

    fn close_session(&mut self, arg: &MsgArg, at: ArgAt, rpc_at: Option<ArgAt>) -> Outcome {
        if self.session_busy(arg.session) {
            return Outcome::Now(TEE_ERROR_BUSY, ORIGIN_TEE);
        }
        let Some(inst) = self.sessions.remove(Owner::NormalWorld, arg.session) else {
            return Outcome::Now(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE);
        };
        self.cancels.forget(|&(s, _)| s == arg.session);
        let rpc = Rpc::new(self.stats);
        if self.instance(inst).is_some_and(|p| !p.is_dead()) {
            self.trace_entry(inst, "TA_CloseSessionEntryPoint", arg.session, None);
        }
        let waits = match self.instance(inst).filter(|p| !p.is_dead()) {
            Some(p) => p.close_session_waiting(arg.session, &rpc),
            None => None,
        };
        if waits.is_none() {
            self.trace_return(None, TEE_SUCCESS, ORIGIN_TRUSTED_APP);
        }
        match waits {
            // The instance goes (or not) when its close entry point ends.
            Some(task) => {
                let mut t = Thread::new(task, rpc, arg, at, rpc_at, None, None);
                t.closing = Some(inst);
                Outcome::Started(t)
            }
            None => {
                self.release(inst);
                Outcome::Now(TEE_SUCCESS, ORIGIN_TEE)
            }
        }
    }

    /// `REGISTER_SHM`: one temporary memref with `NONCONTIG`: `a` = the
    /// physical address of the first page-list page plus the buffer's
    /// offset in its first page, `b` = size, `c` = the normal world's
    /// cookie for it.
    fn register_shm(&mut self, nw: &mut impl NormalWorld, arg: &MsgArg) -> (u32, u32) {
        let bad = (TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE);
        let [p] = arg.params() else { return bad };
        if !matches!(p.param_type(), Some(ParamType::Tmem { .. }))
            || p.attr & optee::ATTR_NONCONTIG == 0
        {
            return bad;
        }
        let (cookie, offset, size) = (p.c, p.a % PAGE, p.b);
        if self.shms.contains_key(&cookie) || size == 0 {
            return bad;
        }
        let Some(npages) = offset.checked_add(size).map(|end| end.div_ceil(PAGE)) else {
            return bad;
        };
        if self.shms.len() >= MAX_SHM || npages > (MAX_SHM_PAGES - self.shm_pages) as u64 {
            return (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE);
        }
        let Ok(mem) = read_page_list(nw, p.a, size, MAX_SHM_PAGES - self.shm_pages) else {
            return bad;
        };
        let npages = mem.pages.len();
        self.shm_pages += npages;
        self.shms.insert(cookie, mem);
        (TEE_SUCCESS, ORIGIN_TEE)
    }

    /// `UNREGISTER_SHM`: one registered memref naming the cookie in `c`.
    fn unregister_shm(&mut self, arg: &MsgArg) -> (u32, u32) {
        let [p] = arg.params() else {
            return (TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE);
        };
        if !matches!(p.param_type(), Some(ParamType::Rmem { .. })) {
            return (TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE);
        }
        if self
            .threads
            .iter()
            .flatten()
            .any(|t| t.cookies.contains(&p.c))
        {
            return (TEE_ERROR_BUSY, ORIGIN_TEE);
        }
        match self.shms.remove(&p.c) {
            Some(shm) => {
                self.shm_pages -= shm.pages.len();
                (TEE_SUCCESS, ORIGIN_TEE)
            }
            None => (TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE),
        }
    }

    /// Where a memref parameter's bytes are, checked: temporary memory
    /// must be normal-world RAM, registered memory must be inside its
    /// registration.
    fn span(&self, nw: &impl NormalWorld, p: &MsgParam) -> Result<Span<'_>, u32> {
        let size = p.b;
        match p.param_type() {
            Some(ParamType::Tmem { .. }) => {
                if size > 0 && nw.check(p.a, size).is_err() {
                    return Err(TEE_ERROR_BAD_PARAMETERS);
                }
                Ok(Span::Contiguous(p.a))
            }
            Some(ParamType::Rmem { .. }) => {
                let shm = self.shms.get(&p.c).ok_or(TEE_ERROR_BAD_PARAMETERS)?;
                match p.a.checked_add(size) {
                    Some(end) if end <= shm.size => Ok(Span::Registered(shm, p.a)),
                    _ => Err(TEE_ERROR_BAD_PARAMETERS),
                }
            }
            _ => Err(TEE_ERROR_BAD_PARAMETERS),
        }
    }

    /// Copy from normal-world memory at `span` into `data`.
    fn read_span(
        &self,
        nw: &mut impl NormalWorld,
        span: &Span<'_>,
        data: &mut [u8],
    ) -> Result<(), BadAddress> {
        pieces(span, data.len()).try_for_each(|(pa, r)| nw.read(pa, &mut data[r]))
    }

    /// Copy `data` to normal-world memory at `span`.
    fn write_span(
        &self,
        nw: &mut impl NormalWorld,
        span: &Span<'_>,
        data: &[u8],
    ) -> Result<(), BadAddress> {
        pieces(span, data.len()).try_for_each(|(pa, r)| nw.write(pa, &data[r]))
    }

    /// The GP parameters of a call, memory references copied into secure
    /// memory (inputs) or zeroed (outputs).
    fn params_in(&self, nw: &mut impl NormalWorld, msg: &[MsgParam]) -> Result<[Param; 4], u32> {
        let mut out = no_params();
        if msg.len() > 4 {
            return Err(TEE_ERROR_BAD_PARAMETERS);
        }
        // The copies of all calls in progress stay within the budget.
        let total = msg
            .iter()
            .filter(|p| p.param_type().is_some_and(|t| t.is_memref()))
            .try_fold(0usize, |acc, p| acc.checked_add(usize::try_from(p.b).ok()?));
        if total.is_none_or(|t| t > self.memref_budget.saturating_sub(self.held)) {
            return Err(TEE_ERROR_OUT_OF_MEMORY);
        }
        for (p, o) in msg.iter().zip(out.iter_mut()) {
            if p.is_meta() || p.attr & optee::ATTR_NONCONTIG != 0 {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            let dir = |input: bool, output: bool| match (input, output) {
                (true, false) => Dir::In,
                (false, true) => Dir::Out,
                _ => Dir::InOut,
            };
            *o = match p.param_type() {
                Some(ParamType::None) => Param::None,
                Some(ParamType::Value { input, output }) => {
                    let d = dir(input, output);
                    let (a, b) = if input {
                        (p.a as u32, p.b as u32)
                    } else {
                        (0, 0)
                    };
                    Param::Value { a, b, dir: d }
                }
                // A NULL buffer (`MEMREF_NULL`): empty for the TA, an
                // output whose size it may answer (a size query); a NULL
                // input with a size is malformed.
                Some(ParamType::Tmem { input, output }) if p.a == 0 => {
                    if input && p.b != 0 {
                        return Err(TEE_ERROR_BAD_PARAMETERS);
                    }
                    Param::Memref {
                        data: Vec::new(),
                        size: 0,
                        dir: dir(input, output),
                    }
                }
                Some(ParamType::Tmem { input, output } | ParamType::Rmem { input, output }) => {
                    let d = dir(input, output);
                    let size = usize::try_from(p.b).map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
                    if size > MAX_MEMREF {
                        return Err(TEE_ERROR_OUT_OF_MEMORY);
                    }
                    let span = self.span(nw, p)?;
                    let mut data = Vec::new();
                    data.try_reserve_exact(size)
                        .map_err(|_| TEE_ERROR_OUT_OF_MEMORY)?;
                    data.resize(size, 0);
                    if d.input() {
                        self.read_span(nw, &span, &mut data)
                            .map_err(|_| TEE_ERROR_BAD_PARAMETERS)?;
                    }
                    Param::Memref { data, size, dir: d }
                }
                None => return Err(TEE_ERROR_BAD_PARAMETERS),
            };
        }
        Ok(out)
    }

    /// Copy a call's outputs back: values, and memory references on
    /// success (their data, at most the caller's size) or with
    /// SHORT_BUFFER (the size needed only). Returns the call's result (a
    /// PTA that claims more output than its buffer gets GENERIC).
    fn params_out(
        &self,
        nw: &mut impl NormalWorld,
        msg: &mut [MsgParam],
        params: &[Param; 4],
        ret: u32,
    ) -> u32 {
        let mut ret = ret;
        for (m, p) in msg.iter_mut().zip(params.iter()) {
            let ty = m.param_type();
            match p {
                Param::Value { a, b, dir }
                    if dir.output()
                        && matches!(ty, Some(ParamType::Value { output: true, .. })) =>
                {
                    m.a = u64::from(*a);
                    m.b = u64::from(*b);
                    m.c = 0;
                }
                Param::Memref { data, size, dir }
                    if dir.output() && ty.is_some_and(|t| t.is_memref() && t.output()) =>
                {
                    if ret == TEE_SUCCESS {
                        // A size past the buffer (a TA's claim) is passed
                        // on as OP-TEE does, with the bytes the buffer
                        // holds (`data` is as long as the client's).
                        // (No bytes, no address: a null memref has none.)
                        let n = (*size).min(data.len());
                        if n > 0 {
                            let Ok(span) = self.span(nw, m) else {
                                ret = TEE_ERROR_GENERIC;
                                continue;
                            };
                            if self.write_span(nw, &span, &data[..n]).is_err() {
                                ret = TEE_ERROR_GENERIC;
                                continue;
                            }
                        }
                        m.b = *size as u64;
                    } else if ret == TEE_ERROR_SHORT_BUFFER {
                        m.b = *size as u64;
                    }
                }
                _ => {}
            }
        }
        ret
    }
}

/// A call's status registers (x0..x3) with nothing but the status.
fn status(code: u64) -> [u64; 4] {
    [code, 0, 0, 0]
}

/// Read an `OPTEE_MSG_ATTR_NONCONTIG` page list: `list` is the physical
/// address of its first page plus the buffer's offset in its first page;
/// `size` bytes; at most `max_pages` pages. Every page must be
/// normal-world RAM.
fn read_page_list(
    nw: &mut impl NormalWorld,
    list: u64,
    size: u64,
    max_pages: usize,
) -> Result<Shm, BadAddress> {
    let offset = list % PAGE;
    let npages = offset
        .checked_add(size)
        .map(|end| end.div_ceil(PAGE))
        .ok_or(BadAddress)?;
    if size == 0 || npages > max_pages as u64 {
        return Err(BadAddress);
    }
    let npages = npages as usize;
    let mut pages = Vec::new();
    pages.try_reserve_exact(npages).map_err(|_| BadAddress)?;
    let mut list = list - offset;
    let mut page = [0u8; PAGE as usize];
    while pages.len() < npages {
        nw.read(list, &mut page)?;
        let entry = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&page[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        };
        for i in 0..PAGE_LIST_ENTRIES.min(npages - pages.len()) {
            let pa = entry(i);
            if !pa.is_multiple_of(PAGE) || nw.check(pa, PAGE).is_err() {
                return Err(BadAddress);
            }
            pages.push(pa);
        }
        list = entry(PAGE_LIST_ENTRIES);
        if pages.len() < npages && !list.is_multiple_of(PAGE) {
            return Err(BadAddress);
        }
    }
    Ok(Shm {
        pages,
        offset,
        size,
    })
}
/// A TA-to-TA call's answer.
fn ta_now(ret: u32, origin: u32, session: u32, params: [Param; 4]) -> Reply {
    Reply::Ta(TaAnswer {
        ret,
        origin,
        session,
        params,
    })
}

/// The RPC command of a request (for the log).
fn rpc_cmd(req: &Request) -> u32 {
    match req {
        Request::GetTime => rpc::cmd::GET_TIME,
        Request::Suspend { .. } => rpc::cmd::SUSPEND,
        Request::Wait { .. } | Request::Send { .. } => rpc::cmd::NOTIFICATION,
        Request::ShmAlloc { .. } => rpc::cmd::SHM_ALLOC,
        Request::ShmFree { .. } => rpc::cmd::SHM_FREE,
        Request::Supplicant { cmd, .. } => *cmd,
        Request::ShmWrite { .. }
        | Request::ShmRead { .. }
        | Request::ForeignInterrupt
        | Request::Ta(_) => u32::MAX,
    }
}

/// A supplicant request's parameter in `optee_msg` form: values as they
/// are, memory references as registered memory (offset, size, the normal
/// world's reference to the allocation), checked against the allocation.
fn rpc_param(t: &Thread, p: &RpcParam) -> Result<MsgParam, u32> {
    let io = |dir: Dir| match dir {
        Dir::In => 0,
        Dir::Out => 1,
        Dir::InOut => 2,
    };
    Ok(match *p {
        RpcParam::Value { a, b, c, dir } => MsgParam {
            attr: 1 + io(dir),
            a,
            b,
            c,
        },
        // No buffer: temporary memory at no address (what OP-TEE sends).
        RpcParam::Memref {
            shm: None,
            size,
            dir,
            ..
        } => MsgParam {
            attr: 9 + io(dir),
            a: 0,
            b: size,
            c: 0,
        },
        RpcParam::Memref {
            shm: Some(id),
            offset,
            size,
            dir,
        } => {
            let s = t.shms.get(&id).ok_or(TEE_ERROR_BAD_PARAMETERS)?;
            if s.kind != ShmKind::Application
                || offset.checked_add(size).is_none_or(|end| end > s.mem.size)
            {
                return Err(TEE_ERROR_BAD_PARAMETERS);
            }
            MsgParam {
                attr: 5 + io(dir),
                a: offset,
                b: size,
                c: s.cookie,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::optee::*;
    use oxtee_core::image::RsaPublicKey;
    use oxtee_gp::ORIGIN_TRUSTED_APP;

    const BASE: u64 = 0x4000_0000;

    /// What a racing normal-world CPU does to the memory.
    type Race = fn(&mut Vec<u8>);

    /// A normal world of one page at BASE; `after_reads` changes its
    /// memory after a number of reads (a racing CPU).
    struct Page {
        mem: Vec<u8>,
        reads: usize,
        after_reads: Option<(usize, Race)>,
        writes: usize,
    }

    /// A call on a fresh kernel (the tests that need no state).
    fn yielding(nw: &mut Page, regs: &[u64; 8]) -> ([u64; 4], Event) {
        Service::new().yielding(nw, regs)
    }

    impl Page {
        fn new() -> Page {
            Page::with_pages(1)
        }
        fn with_pages(n: usize) -> Page {
            Page {
                mem: vec![0; 4096 * n],
                reads: 0,
                after_reads: None,
                writes: 0,
            }
        }
        fn at(&self, pa: u64, len: usize) -> Result<core::ops::Range<usize>, BadAddress> {
            let off = pa.checked_sub(BASE).ok_or(BadAddress)? as usize;
            let end = off.checked_add(len).ok_or(BadAddress)?;
            if end > self.mem.len() {
                return Err(BadAddress);
            }
            Ok(off..end)
        }
        fn arg(&mut self, off: usize, cmd: u32, params: &[MsgParam]) {
            let mut a = MsgArg {
                cmd,
                num_params: params.len(),
                ..Default::default()
            };
            a.params[..params.len()].copy_from_slice(params);
            let size = arg_size(params.len());
            a.encode(&mut self.mem[off..off + size]).unwrap();
        }
        fn answer(&self, off: usize) -> (u32, u32) {
            let m = &self.mem[off..];
            (
                u32::from_le_bytes(m[20..24].try_into().unwrap()),
                u32::from_le_bytes(m[24..28].try_into().unwrap()),
            )
        }
    }

    impl NormalWorld for Page {
        fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress> {
            let r = self.at(pa, out.len())?;
            out.copy_from_slice(&self.mem[r]);
            self.reads += 1;
            if let Some((n, f)) = self.after_reads {
                if self.reads == n {
                    f(&mut self.mem);
                }
            }
            Ok(())
        }
        fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress> {
            let r = self.at(pa, data.len())?;
            self.mem[r].copy_from_slice(data);
            self.writes += 1;
            Ok(())
        }
        fn check(&self, pa: u64, len: u64) -> Result<(), BadAddress> {
            self.at(pa, usize::try_from(len).map_err(|_| BadAddress)?)
                .map(|_| ())
        }
    }

    fn call(nw: &mut Page, pa: u64) -> u64 {
        let hi = pa >> 32;
        yielding(
            nw,
            &[CALL_WITH_ARG as u64, hi, pa & 0xFFFF_FFFF, 0, 0, 0, 0, 0],
        )
        .0[0]
    }

    fn meta(u: [u8; 16], c: u64) -> MsgParam {
        MsgParam {
            attr: 1 | ATTR_META,
            a: u64::from_le_bytes(u[..8].try_into().unwrap()),
            b: u64::from_le_bytes(u[8..].try_into().unwrap()),
            c,
        }
    }

    #[test]
    fn the_calls_linux_probes_with() {
        let f = |id: u32| fast(&[id as u64, 0, 0, 0, 0, 0, 0, 0]).0;
        assert_eq!(
            f(CALLS_UID),
            [0x384f_b3e0, 0xe7f8_11e3, 0xaf63_0002, 0xa5d5_c51b]
        );
        assert_eq!(f(CALLS_REVISION)[..2], [2, 0]);
        assert_eq!(f(GET_OS_REVISION)[..2], [0, 1]);
        let (caps, ev) = fast(&[EXCHANGE_CAPABILITIES as u64, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(caps[0], RETURN_OK);
        assert_ne!(caps[1] & SEC_CAP_DYNAMIC_SHM, 0);
        assert_ne!(caps[1] & SEC_CAP_RPC_ARG, 0);
        assert_eq!(caps[3], RPC_PARAMS);
        assert_eq!(caps[1] & SEC_CAP_HAVE_RESERVED_SHM, 0);
        assert_eq!(ev, Event::Capabilities { normal_world: 1 });
        assert_eq!(f(DISABLE_SHM_CACHE)[0], RETURN_ENOTAVAIL);
        assert_eq!(f(ENABLE_SHM_CACHE)[0], RETURN_OK);
        assert_eq!(f(GET_THREAD_COUNT)[..2], [RETURN_OK, THREADS]);
        for id in [0xB200_00FF, L2CC_MUTEX, CALL_WITH_ARG, 0x8400_0000] {
            assert_eq!(f(id)[0], RETURN_UNKNOWN_FUNCTION, "{id:#x}");
        }
        let mut nw = Page::new();
        let y = |nw: &mut Page, id: u32| yielding(nw, &[id as u64, 0, 0, 0, 0, 0, 0, 0]).0[0];
        assert_eq!(y(&mut nw, RETURN_FROM_RPC), RETURN_ERESUME);
        // The RPC-arg form of a call at address 0: not normal-world RAM.
        assert_eq!(y(&mut nw, CALL_WITH_RPC_ARG), RETURN_EBADADDR);
        assert_eq!(y(&mut nw, GET_OS_UUID), RETURN_UNKNOWN_FUNCTION);
    }

    #[test]
    fn open_session_of_an_unknown_ta() {
        let mut nw = Page::new();
        let uuid = [
            0x0e, 0x7e, 0xe0, 0x00, 0xde, 0xad, 0x4b, 0xee, 0x80, 0x00, 0x6e, 0x6f, 0x74, 0x61,
            0x74, 0x61,
        ];
        nw.arg(256, CMD_OPEN_SESSION, &[meta(uuid, 0), meta([0; 16], 4)]);
        let (out, ev) = yielding(
            &mut nw,
            &[CALL_WITH_ARG as u64, 0, BASE + 256, 0, 0, 0, 0, 0],
        );
        assert_eq!(out[0], RETURN_OK);
        assert_eq!(ev, Event::NoSuchTa { uuid, login: 4 });
        assert_eq!(nw.answer(256), (result::ITEM_NOT_FOUND, result::ORIGIN_TEE));
        // Without its identities: bad parameters.
        nw.arg(
            512,
            CMD_OPEN_SESSION,
            &[MsgParam {
                attr: 1,
                ..Default::default()
            }],
        );
        assert_eq!(call(&mut nw, BASE + 512), RETURN_OK);
        assert_eq!(nw.answer(512), (result::BAD_PARAMETERS, result::ORIGIN_TEE));
        // Invoke and close of a session that does not exist.
        for cmd in [CMD_INVOKE_COMMAND, CMD_CLOSE_SESSION] {
            nw.arg(1024, cmd, &[]);
            assert_eq!(call(&mut nw, BASE + 1024), RETURN_OK);
            assert_eq!(nw.answer(1024).0, result::BAD_PARAMETERS);
        }
    }

    #[test]
    fn a_lying_normal_world_gets_errors_not_secrets() {
        let mut nw = Page::new();
        // Outside its RAM, across its end, unaligned, wrapping.
        for pa in [0x0e10_0000, BASE + 4096 - 16, BASE + 4, !7, BASE - 8] {
            assert_eq!(call(&mut nw, pa), RETURN_EBADADDR, "{pa:#x}");
        }
        assert_eq!(nw.writes, 0);
        // The register pair's upper halves are ignored: 0x1_0000_0000 +
        // BASE is not BASE.
        nw.arg(0, CMD_CANCEL, &[]);
        let r = yielding(&mut nw, &[CALL_WITH_ARG as u64, 1, BASE, 0, 0, 0, 0, 0]).0[0];
        assert_eq!(r, RETURN_EBADADDR);
        let r = yielding(
            &mut nw,
            &[
                CALL_WITH_ARG as u64,
                0xFFFF_FFFF_0000_0000,
                0xAAAA_AAAA_0000_0000 | BASE,
                0,
                0,
                0,
                0,
                0,
            ],
        )
        .0[0];
        assert_eq!(r, RETURN_OK);
        // Announces more parameters than exist.
        nw.mem[28..32].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(call(&mut nw, BASE), RETURN_EBADCMD);
        // A header whose parameters run past the end of its RAM.
        nw.arg(4096 - 32, CMD_INVOKE_COMMAND, &[]);
        nw.mem[4096 - 4..].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(call(&mut nw, BASE + 4096 - 32), RETURN_EBADADDR);
        // An unknown parameter type: answered, nothing else read.
        nw.arg(
            0,
            CMD_INVOKE_COMMAND,
            &[MsgParam {
                attr: 0x44,
                ..Default::default()
            }],
        );
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        assert_eq!(nw.answer(0), (result::BAD_PARAMETERS, result::ORIGIN_TEE));
        // An unknown command.
        nw.arg(0, 99, &[]);
        assert_eq!(call(&mut nw, BASE), RETURN_EBADCMD);
    }

    #[test]
    fn a_header_changed_between_the_two_copies_is_decoded_as_copied() {
        // First copy: no parameters; then the normal world announces six.
        let mut nw = Page::new();
        nw.arg(0, CMD_CANCEL, &[]);
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&6u32.to_le_bytes())));
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        // The answer is about the copy: BAD_PARAMETERS (its count does not
        // fit what was copied), and nothing beyond the 32 copied bytes is
        // written.
        assert_eq!(nw.answer(0).0, result::BAD_PARAMETERS);
        let before = nw.mem[32..].to_vec();
        nw.arg(0, CMD_CANCEL, &[]);
        nw.reads = 0;
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&6u32.to_le_bytes())));
        nw.mem[32..].copy_from_slice(&before);
        let w = nw.writes;
        call(&mut nw, BASE);
        assert_eq!(nw.writes, w + 1);
        assert_eq!(nw.mem[32..], before[..]);
        // First copy announces two, then zero: served with the copy's zero.
        let mut nw = Page::new();
        nw.arg(
            0,
            CMD_CANCEL,
            &[MsgParam {
                attr: 1,
                a: 1,
                b: 2,
                c: 3,
            }; 2],
        );
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&0u32.to_le_bytes())));
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        assert_eq!(nw.answer(0), (result::SUCCESS, result::ORIGIN_TEE));
    }

    // --- the test pseudo-TA and registered shared memory -------------

    use crate::pta::{TEST_PTA_UUID, test_cmd};

    struct World {
        nw: Page,
        k: Service,
        /// What the test driver's supplicant answers LOAD_TA with.
        image: Vec<u8>,
        /// The pages its SHM_ALLOC gives (16 bytes into the first).
        shm_pages: Vec<usize>,
    }

    /// Four pages of arguments (at 0), page lists (at 0x1000) and data
    /// pages (0x2000..): 16 pages in all.
    impl World {
        fn new() -> World {
            World {
                nw: Page::with_pages(16),
                k: Service::new(),
                // 5000 bytes, "OTSH" first.
                image: b"OTSH"
                    .iter()
                    .copied()
                    .chain((4..5000u32).map(|i| i as u8))
                    .collect(),
                shm_pages: vec![0x9000, 0x8000],
            }
        }
        fn call(&mut self, cmd: u32, session: u32, func: u32, params: &[MsgParam]) -> (u32, u32) {
            let mut a = MsgArg {
                cmd,
                func,
                session,
                num_params: params.len(),
                ..Default::default()
            };
            a.params[..params.len()].copy_from_slice(params);
            a.encode(&mut self.nw.mem[..arg_size(params.len())])
                .unwrap();
            let r = self
                .k
                .yielding(
                    &mut self.nw,
                    &[CALL_WITH_ARG as u64, 0, BASE, 0, 0, 0, 0, 0],
                )
                .0[0];
            assert_eq!(r, RETURN_OK);
            self.nw.answer(0)
        }
        fn decoded(&self) -> MsgArg {
            MsgArg::decode(&self.nw.mem[..arg_size(MAX_PARAMS)]).unwrap()
        }
        fn open(&mut self) -> u32 {
            let r = self.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[meta(TEST_PTA_UUID, 0), meta([0; 16], 0)],
            );
            assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
            let s = self.decoded().session;
            assert_ne!(s, 0);
            s
        }
        /// Register `pages` data pages (from 0x2000, in reverse order so
        /// that the buffer is not contiguous) at `offset` in the first.
        fn register(&mut self, cookie: u64, offset: u64, size: u64, pages: &[u64]) -> (u32, u32) {
            for (i, pa) in pages.iter().enumerate() {
                self.nw.mem[0x1000 + 8 * i..0x1008 + 8 * i].copy_from_slice(&pa.to_le_bytes());
            }
            let p = MsgParam {
                attr: 0xb | ATTR_NONCONTIG,
                a: BASE + 0x1000 + offset,
                b: size,
                c: cookie,
            };
            self.call(CMD_REGISTER_SHM, 0, 0, &[p])
        }
    }

    fn rmem(attr: u64, cookie: u64, offs: u64, size: u64) -> MsgParam {
        MsgParam {
            attr,
            a: offs,
            b: size,
            c: cookie,
        }
    }

    #[test]
    fn test_pta_values_sessions_and_errors() {
        let mut w = World::new();
        let (s1, s2) = (w.open(), w.open());
        assert_ne!(s1, s2);
        assert_eq!(w.k.sessions(), 2);
        let v = |a, b| MsgParam {
            attr: 1,
            a,
            b,
            c: 0,
        };
        let out = MsgParam {
            attr: 2,
            ..Default::default()
        };
        let r = w.call(CMD_INVOKE_COMMAND, s1, test_cmd::VALUES, &[v(40, 2), out]);
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        let a = w.decoded();
        assert_eq!((a.params[1].a, a.params[1].b), (42, 80));
        // The value's upper half is not GP's: only 32 bits reach the PTA.
        w.call(
            CMD_INVOKE_COMMAND,
            s1,
            test_cmd::VALUES,
            &[v(1 << 32 | 5, 0), out],
        );
        assert_eq!(w.decoded().params[1].a, 5);
        // Wrong types, an unknown command: the PTA's answers.
        let r = w.call(CMD_INVOKE_COMMAND, s1, test_cmd::VALUES, &[out]);
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TRUSTED_APP));
        let r = w.call(CMD_INVOKE_COMMAND, s1, 77, &[]);
        assert_eq!(r, (result::NOT_SUPPORTED, ORIGIN_TRUSTED_APP));
        // More than four parameters, a meta one, a page list: refused by
        // the kernel.
        let r = w.call(CMD_INVOKE_COMMAND, s1, test_cmd::VALUES, &[v(0, 0); 5]);
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE));
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s1,
            test_cmd::VALUES,
            &[meta([0; 16], 0), out],
        );
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE));
        let pages = MsgParam {
            attr: 9 | ATTR_NONCONTIG,
            a: BASE + 0x1000,
            b: 8,
            c: 0,
        };
        let r = w.call(CMD_INVOKE_COMMAND, s1, test_cmd::INC, &[pages]);
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE));
        // Calls count per session; closing one leaves the other.
        let r = w.call(CMD_INVOKE_COMMAND, s2, test_cmd::SESSIONS, &[out]);
        assert_eq!(r.0, result::SUCCESS);
        assert_eq!((w.decoded().params[0].a, w.decoded().params[0].b), (2, 1));
        assert_eq!(w.call(CMD_CLOSE_SESSION, s1, 0, &[]).0, result::SUCCESS);
        assert_eq!(
            w.call(CMD_CLOSE_SESSION, s1, 0, &[]).0,
            result::BAD_PARAMETERS
        );
        let r = w.call(CMD_INVOKE_COMMAND, s1, test_cmd::SESSIONS, &[out]);
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE));
        w.call(CMD_INVOKE_COMMAND, s2, test_cmd::SESSIONS, &[out]);
        assert_eq!((w.decoded().params[0].a, w.decoded().params[0].b), (1, 2));
    }

    #[test]
    fn sessions_are_bounded() {
        let mut w = World::new();
        for _ in 0..MAX_SESSIONS {
            w.open();
        }
        let r = w.call(
            CMD_OPEN_SESSION,
            0,
            0,
            &[meta(TEST_PTA_UUID, 0), meta([0; 16], 0)],
        );
        assert_eq!(r, (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
        assert_eq!(w.k.sessions(), MAX_SESSIONS);
    }

    #[test]
    fn registered_memory_across_pages_with_size_feedback() {
        let mut w = World::new();
        let s = w.open();
        // 3 data pages, not contiguous, the buffer 0x10 into the first.
        let pages = [BASE + 0x6000, BASE + 0x3000, BASE + 0x5000];
        let (offset, size) = (0x10, 3 * 4096 - 0x10);
        assert_eq!(w.register(7, offset, size, &pages).0, result::SUCCESS);
        assert_eq!(w.k.shared_memory(), (1, 3));
        // Input at buffer offset 4000..7000 (across a page border).
        let n = 3000u64;
        let logical = |o: u64| {
            let at = offset + o;
            (pages[(at / 4096) as usize] - BASE + at % 4096) as usize
        };
        for i in 0..n {
            let at = logical(4000 + i);
            w.nw.mem[at] = (i * 7) as u8;
        }
        let inp = rmem(5, 7, 4000, n);
        // Too small: SHORT_BUFFER, the size needed, nothing written.
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::REVERSE,
            &[inp, rmem(6, 7, 7100, 100)],
        );
        assert_eq!(r, (TEE_ERROR_SHORT_BUFFER, ORIGIN_TRUSTED_APP));
        assert_eq!(w.decoded().params[1].b, n);
        assert!((7100..7200).all(|o| w.nw.mem[logical(o)] == 0));
        // Bigger than needed: the data and the real size.
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::REVERSE,
            &[inp, rmem(6, 7, 0, 4000)],
        );
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(w.decoded().params[1].b, n);
        assert!((0..n).all(|o| w.nw.mem[logical(o)] == ((n - 1 - o) * 7) as u8));
        assert!((n..4000).all(|o| w.nw.mem[logical(o)] == 0));
        // In-out across a page border.
        let inout = rmem(7, 7, 4096 - 0x10 - 5, 10);
        let before: Vec<u8> = (0..12)
            .map(|o| w.nw.mem[logical(4096 - 0x10 - 6 + o)])
            .collect();
        assert_eq!(
            w.call(CMD_INVOKE_COMMAND, s, test_cmd::INC, &[inout]).0,
            result::SUCCESS
        );
        for o in 0..12u64 {
            let now = w.nw.mem[logical(4096 - 0x10 - 6 + o)];
            let want = if (1..11).contains(&o) {
                before[o as usize].wrapping_add(1)
            } else {
                before[o as usize]
            };
            assert_eq!(now, want, "byte {o}");
        }
        // Past the registration's end, or of another cookie: refused by
        // the kernel before the PTA runs.
        for p in [
            rmem(7, 7, size - 4, 8),
            rmem(7, 7, u64::MAX, 2),
            rmem(7, 8, 0, 1),
        ] {
            let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::INC, &[p]);
            assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE), "{p:?}");
        }
        // Unregistered: gone.
        let r = w.call(CMD_UNREGISTER_SHM, 0, 0, &[rmem(5, 7, 0, 0)]);
        assert_eq!(r.0, result::SUCCESS);
        assert_eq!(w.k.shared_memory(), (0, 0));
        let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::INC, &[rmem(7, 7, 0, 1)]);
        assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE));
        assert_eq!(
            w.call(CMD_UNREGISTER_SHM, 0, 0, &[rmem(5, 7, 0, 0)]).0,
            result::BAD_PARAMETERS
        );
    }

    #[test]
    fn registrations_that_lie_are_refused() {
        let mut w = World::new();
        let ok = [BASE + 0x2000];
        // A page outside normal-world RAM (secure RAM), unaligned, zero.
        for bad in [0x0e10_0000, BASE + 0x2008, 0] {
            assert_eq!(
                w.register(1, 0, 16, &[bad]).0,
                result::BAD_PARAMETERS,
                "{bad:#x}"
            );
        }
        // More pages than the list holds entries for: the next-list
        // pointer is not page aligned (here: zero bytes after the list,
        // so the next list is at 0, outside RAM).
        let r = w.register(1, 0, 512 * 4096, &[BASE + 0x2000; 511]);
        assert_eq!(r.0, result::BAD_PARAMETERS);
        // Zero size, not a page list, a value, two params.
        assert_eq!(w.register(1, 0, 0, &ok).0, result::BAD_PARAMETERS);
        let plain = MsgParam {
            attr: 0xb,
            a: BASE + 0x1000,
            b: 16,
            c: 2,
        };
        assert_eq!(
            w.call(CMD_REGISTER_SHM, 0, 0, &[plain]).0,
            result::BAD_PARAMETERS
        );
        let value = MsgParam {
            attr: 1 | ATTR_NONCONTIG,
            ..plain
        };
        assert_eq!(
            w.call(CMD_REGISTER_SHM, 0, 0, &[value]).0,
            result::BAD_PARAMETERS
        );
        assert_eq!(
            w.call(CMD_REGISTER_SHM, 0, 0, &[plain, plain]).0,
            result::BAD_PARAMETERS
        );
        // Beyond the page budget.
        let r = w.register(1, 0, (MAX_SHM_PAGES as u64 + 1) * 4096, &ok);
        assert_eq!(r, (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
        let r = w.register(1, 0xfff, u64::MAX - 8, &ok);
        assert_eq!(r.0, result::BAD_PARAMETERS);
        assert_eq!(w.k.shared_memory(), (0, 0));
        // A cookie registered twice.
        assert_eq!(w.register(1, 0, 16, &ok).0, result::SUCCESS);
        assert_eq!(w.register(1, 0, 16, &ok).0, result::BAD_PARAMETERS);
        assert_eq!(w.k.shared_memory(), (1, 1));
        // Registrations are bounded.
        for c in 2..=MAX_SHM as u64 {
            assert_eq!(w.register(c, 0, 16, &ok).0, result::SUCCESS);
        }
        let r = w.register(10_000, 0, 16, &ok);
        assert_eq!(r, (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
    }

    #[test]
    fn temporary_memory_is_checked_and_copied_once() {
        let mut w = World::new();
        let s = w.open();
        // Temporary memory inside RAM works; outside it is refused.
        w.nw.mem[0x2000..0x2004].copy_from_slice(&[1, 2, 3, 4]);
        let t = |attr, a, b| MsgParam { attr, a, b, c: 0 };
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::INC,
            &[t(0xb, BASE + 0x2000, 4)],
        );
        assert_eq!(r.0, result::SUCCESS);
        assert_eq!(w.nw.mem[0x2000..0x2004], [2, 3, 4, 5]);
        for (a, b) in [
            (0x0e10_0000, 4),
            (BASE + 16 * 4096 - 2, 4),
            (u64::MAX - 1, 4),
        ] {
            let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::INC, &[t(0xb, a, b)]);
            assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE), "{a:#x}");
        }
        // Too big to copy in.
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::INC,
            &[t(0xb, BASE, MAX_MEMREF as u64 + 1)],
        );
        assert_eq!(r, (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
        // The input is copied before the PTA runs: the normal world
        // changing it afterwards (here: right after the parameters were
        // read) does not change what the PTA reversed.
        w.nw.mem[0x3000..0x3004].copy_from_slice(&[1, 2, 3, 4]);
        w.nw.reads = 0;
        w.nw.after_reads = Some((3, |m| m[0x3000..0x3004].copy_from_slice(&[9, 9, 9, 9])));
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::REVERSE,
            &[t(9, BASE + 0x3000, 4), t(0xa, BASE + 0x3100, 4)],
        );
        assert_eq!(r.0, result::SUCCESS);
        assert_eq!(w.nw.mem[0x3000..0x3004], [9, 9, 9, 9]);
        assert_eq!(w.nw.mem[0x3100..0x3104], [4, 3, 2, 1]);
    }

    #[test]
    fn arguments_in_registered_memory() {
        let mut w = World::new();
        // Two data pages; the argument straddles their border.
        let pages = [BASE + 0x5000, BASE + 0x3000];
        assert_eq!(w.register(9, 0, 8192, &pages).0, result::SUCCESS);
        let off = 4096 - 40;
        let mut a = MsgArg {
            cmd: CMD_OPEN_SESSION,
            num_params: 2,
            ..Default::default()
        };
        a.params[0] = meta(TEST_PTA_UUID, 0);
        a.params[1] = meta([0; 16], 0);
        let mut bytes = [0u8; arg_size(2)];
        a.encode(&mut bytes).unwrap();
        let logical = |o: usize| (pages[o / 4096] - BASE) as usize + o % 4096;
        for (i, b) in bytes.iter().enumerate() {
            w.nw.mem[logical(off + i)] = *b;
        }
        let regd = |cookie: u64, offset: u64| {
            [
                CALL_WITH_REGD_ARG as u64,
                cookie >> 32,
                cookie & 0xFFFF_FFFF,
                offset,
                0,
                0,
                0,
                0,
            ]
        };
        let r = w.k.yielding(&mut w.nw, &regd(9, off as u64)).0[0];
        assert_eq!(r, RETURN_OK);
        let mut back = [0u8; arg_size(2)];
        for (i, b) in back.iter_mut().enumerate() {
            *b = w.nw.mem[logical(off + i)];
        }
        let answer = MsgArg::decode(&back).unwrap();
        assert_eq!(
            (answer.ret, answer.ret_origin),
            (result::SUCCESS, ORIGIN_TRUSTED_APP)
        );
        assert_ne!(answer.session, 0);
        assert_eq!(w.k.sessions(), 1);
        // Another cookie, past the end, unaligned: refused, nothing served.
        for (cookie, offset) in [(8, 0), (9, 8192 - 16), (9, 4), (9, u64::MAX - 7)] {
            let r = w.k.yielding(&mut w.nw, &regd(cookie, offset)).0[0];
            assert_eq!(r, RETURN_EBADADDR, "{cookie} {offset:#x}");
        }
        assert_eq!(w.k.sessions(), 1);
    }

    // Threads and RPCs: the tests play Linux's driver, serving the RPCs
    // the kernel returns (or lying in its answers).

    /// Where the call at `off` puts its RPC argument (`n` call params).
    fn rpc_off(off: usize, n: usize) -> usize {
        off + arg_size(n)
    }

    impl World {
        /// Start a call in the RPC-arg form with its argument at `off`.
        fn start(&mut self, off: usize, a: MsgArg) -> [u64; 4] {
            a.encode(&mut self.nw.mem[off..off + arg_size(a.num_params)])
                .unwrap();
            let pa = BASE + off as u64;
            self.k
                .yielding(
                    &mut self.nw,
                    &[CALL_WITH_RPC_ARG as u64, 0, pa, 0, 0, 0, 0, 0],
                )
                .0
        }
        fn invoke_at(
            &mut self,
            off: usize,
            session: u32,
            func: u32,
            cancel_id: u32,
            params: &[MsgParam],
        ) -> [u64; 4] {
            let mut a = MsgArg {
                cmd: CMD_INVOKE_COMMAND,
                func,
                session,
                cancel_id,
                num_params: params.len(),
                ..Default::default()
            };
            a.params[..params.len()].copy_from_slice(params);
            self.start(off, a)
        }
        fn resume(&mut self, slot: u64) -> [u64; 4] {
            self.k
                .yielding(
                    &mut self.nw,
                    &[RETURN_FROM_RPC as u64, 0, 0, slot, 0, 0, 0, 0],
                )
                .0
        }
        fn rpc_msg(&self, off: usize, n: usize) -> MsgArg {
            let at = rpc_off(off, n);
            MsgArg::decode(&self.nw.mem[at..at + arg_size(RPC_PARAMS as usize)]).unwrap()
        }
        fn put_rpc(&mut self, off: usize, n: usize, m: &MsgArg) {
            let at = rpc_off(off, n);
            m.encode(&mut self.nw.mem[at..at + arg_size(RPC_PARAMS as usize)])
                .unwrap();
        }
        /// Serve RPCs as Linux does until the call at `off` completes;
        /// returns its answer and the RPC commands seen.
        fn serve(&mut self, off: usize, n: usize, mut out: [u64; 4]) -> ((u32, u32), Vec<u32>) {
            let mut seen = Vec::new();
            while out[0] == RETURN_RPC_CMD {
                let mut m = self.rpc_msg(off, n);
                seen.push(m.cmd);
                match m.cmd {
                    crate::rpc::cmd::GET_TIME => {
                        m.params[0].a = 1_700_000_000;
                        m.params[0].b = 5;
                    }
                    crate::rpc::cmd::SHM_ALLOC => {
                        // Data pages (by default two, in reverse order),
                        // 16 bytes in.
                        for (i, pa) in self.shm_pages.iter().enumerate() {
                            let pa = BASE + *pa as u64;
                            self.nw.mem[0x1000 + 8 * i..0x1008 + 8 * i]
                                .copy_from_slice(&pa.to_le_bytes());
                        }
                        let size = m.params[0].b;
                        m.params[0] = MsgParam {
                            attr: 0xa | ATTR_NONCONTIG,
                            a: BASE + 0x1000 + 16,
                            b: size,
                            c: 0xC00C1E,
                        };
                    }
                    crate::rpc::cmd::LOAD_TA => {
                        let buf = m.params[1];
                        if buf.c != 0 {
                            assert_eq!(buf.attr, 6, "registered memory, output");
                            assert_eq!(buf.c, 0xC00C1E, "the allocation's reference");
                            assert!(buf.a + buf.b <= 4096 * self.shm_pages.len() as u64 - 16);
                            for (i, b) in self.image.iter().enumerate() {
                                let at = 16 + buf.a as usize + i;
                                let page = self.shm_pages[at / 4096];
                                self.nw.mem[page + at % 4096] = *b;
                            }
                        } else {
                            assert_eq!(buf.attr, 0xa, "no buffer: temporary memory");
                        }
                        m.params[1].b = self.image.len() as u64;
                    }
                    _ => {}
                }
                // An empty image: the supplicant has no such TA.
                m.ret = if m.cmd == crate::rpc::cmd::LOAD_TA && self.image.is_empty() {
                    TEE_ERROR_ITEM_NOT_FOUND
                } else {
                    0
                };
                self.put_rpc(off, n, &m);
                out = self.resume(out[3]);
            }
            assert_eq!(out[0], RETURN_OK);
            (self.nw.answer(off), seen)
        }
    }

    fn value(attr: u64, a: u64, b: u64) -> MsgParam {
        MsgParam { attr, a, b, c: 0 }
    }

    /// Temporary memory of `size` bytes at `off` in the normal world's
    /// pages.
    fn tmem(attr: u64, off: u64, size: u64) -> MsgParam {
        MsgParam {
            attr,
            a: BASE + off,
            b: size,
            c: 0,
        }
    }

    fn answer_at(w: &World, off: usize) -> MsgArg {
        MsgArg::decode(&w.nw.mem[off..off + arg_size(MAX_PARAMS)]).unwrap()
    }

    #[test]
    fn a_call_waits_for_the_normal_worlds_clock() {
        let mut w = World::new();
        let s = w.open();
        let out = w.invoke_at(0x200, s, test_cmd::REE_TIME, 0, &[value(2, 9, 9)]);
        assert_eq!(out[0], RETURN_RPC_CMD);
        assert!(out[3] < THREADS);
        // The RPC argument follows the call's, as Linux reserved it.
        let m = w.rpc_msg(0x200, 1);
        assert_eq!((m.cmd, m.num_params), (crate::rpc::cmd::GET_TIME, 1));
        assert_eq!(m.params[0].attr, 2);
        // The call's own argument is not answered yet.
        assert_eq!(w.nw.answer(0x200), (0, 0));
        assert_eq!(w.k.threads().in_use, 1);
        let (ans, seen) = w.serve(0x200, 1, out);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(seen, [crate::rpc::cmd::GET_TIME]);
        let a = answer_at(&w, 0x200);
        assert_eq!((a.params[0].a, a.params[0].b), (1_700_000_000, 5));
        assert_eq!(w.k.threads().in_use, 0);
        // The same call without room for an RPC argument cannot wait.
        let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::REE_TIME, &[value(2, 0, 0)]);
        assert_eq!(r, (result::NOT_SUPPORTED, ORIGIN_TRUSTED_APP));
        assert_eq!(w.k.threads().in_use, 0);
    }

    #[test]
    fn calls_beyond_the_threads_are_answered_thread_limit() {
        let mut w = World::new();
        let s = w.open();
        let mut slots = Vec::new();
        for i in 0..THREADS as usize {
            let out = w.invoke_at(0x200 * (i + 1), s, test_cmd::SLEEP, 0, &[value(1, 30, 0)]);
            assert_eq!(out[0], RETURN_RPC_CMD, "call {i}");
            slots.push(out[3]);
        }
        slots.sort();
        assert_eq!(slots, (0..THREADS).collect::<Vec<_>>());
        // One more: nothing of it is done, its argument is untouched.
        let off = 0x200 * (THREADS as usize + 1);
        let out = w.invoke_at(off, s, test_cmd::SLEEP, 0, &[value(1, 10, 0)]);
        assert_eq!(out[0], RETURN_ETHREAD_LIMIT);
        assert_eq!(w.nw.answer(off), (0, 0));
        // Calls that never wait still go through.
        // Every invoke needs a thread (it might wait), in any call form.
        let mut a = MsgArg {
            cmd: CMD_INVOKE_COMMAND,
            func: test_cmd::SESSIONS,
            session: s,
            num_params: 1,
            ..Default::default()
        };
        a.params[0] = value(2, 0, 0);
        a.encode(&mut w.nw.mem[..arg_size(1)]).unwrap();
        let out =
            w.k.yielding(&mut w.nw, &[CALL_WITH_ARG as u64, 0, BASE, 0, 0, 0, 0, 0]);
        assert_eq!(out.0[0], RETURN_ETHREAD_LIMIT);
        let s2 = w.open();
        assert_eq!(w.call(CMD_CLOSE_SESSION, s2, 0, &[]).0, result::SUCCESS);
        // The first sleeper finishes (3 steps of 10 ms); the retry runs.
        // (The sleeper at 0x200 took slot 0; its SUSPEND is pending.)
        let first = w.serve(0x200, 1, [RETURN_RPC_CMD, 0, 0, 0]);
        assert_eq!(first.0, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(first.1, [crate::rpc::cmd::SUSPEND; 3]);
        let out = w.invoke_at(off, s, test_cmd::SLEEP, 0, &[value(1, 10, 0)]);
        assert_eq!(out[0], RETURN_RPC_CMD);
        let t = w.k.threads();
        assert_eq!((t.in_use, t.max_in_use, t.limit_answers), (4, 4, 2));
    }

    #[test]
    fn a_cancellation_reaches_a_waiting_call() {
        let mut w = World::new();
        let s = w.open();
        let out = w.invoke_at(0x200, s, test_cmd::SLEEP, 7, &[value(1, 1000, 0)]);
        assert_eq!(out[0], RETURN_RPC_CMD);
        // Another cancel id, or another session: not this call.
        for (session, id) in [(s, 8), (s + 1, 7)] {
            let mut c = MsgArg {
                cmd: CMD_CANCEL,
                session,
                cancel_id: id,
                ..Default::default()
            };
            c.num_params = 0;
            assert_eq!(w.start(0xC00, c)[0], RETURN_OK);
        }
        let out = w.resume(out[3]);
        assert_eq!(out[0], RETURN_RPC_CMD, "still sleeping");
        let c = MsgArg {
            cmd: CMD_CANCEL,
            session: s,
            cancel_id: 7,
            ..Default::default()
        };
        assert_eq!(w.start(0xC00, c)[0], RETURN_OK);
        assert_eq!(w.nw.answer(0xC00), (result::SUCCESS, ORIGIN_TEE));
        let out = w.resume(out[3]);
        let (ans, seen) = w.serve(0x200, 1, out);
        assert_eq!(ans, (oxtee_gp::TEE_ERROR_CANCEL, ORIGIN_TRUSTED_APP));
        assert!(seen.is_empty(), "no more sleeping after the cancel");
    }

    #[test]
    fn what_a_waiting_call_uses_is_kept_until_it_ends() {
        let mut w = World::new();
        assert_eq!(w.register(5, 0, 4096, &[BASE + 0x3000]).0, result::SUCCESS);
        w.nw.mem[0x3000..0x3004].copy_from_slice(&[1, 2, 3, 4]);
        let s = w.open();
        let out = w.invoke_at(
            0x200,
            s,
            test_cmd::SLEEP,
            0,
            &[value(1, 10, 0), rmem(7, 5, 0, 4)],
        );
        assert_eq!(out[0], RETURN_RPC_CMD);
        // Its registration and its session are busy meanwhile.
        let unreg = w.call(CMD_UNREGISTER_SHM, 0, 0, &[rmem(5, 5, 0, 0)]);
        assert_eq!(unreg, (TEE_ERROR_BUSY, ORIGIN_TEE));
        assert_eq!(
            w.call(CMD_CLOSE_SESSION, s, 0, &[]),
            (TEE_ERROR_BUSY, ORIGIN_TEE)
        );
        // The normal world changing the buffer meanwhile changes nothing:
        // the input was copied when the call began.
        w.nw.mem[0x3000..0x3004].copy_from_slice(&[9, 9, 9, 9]);
        let (ans, _) = w.serve(0x200, 2, out);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(w.nw.mem[0x3000..0x3004], [2, 3, 4, 5]);
        assert_eq!(
            w.call(CMD_UNREGISTER_SHM, 0, 0, &[rmem(5, 5, 0, 0)]).0,
            result::SUCCESS
        );
        assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
    }

    /// The test clock: one microsecond per reading.
    fn ticks() -> u64 {
        use core::sync::atomic::{AtomicU64, Ordering};
        static T: AtomicU64 = AtomicU64::new(1000);
        T.fetch_add(1, Ordering::Relaxed)
    }

    /// Open the trace PTA as the normal world's client `client` with
    /// `login`.
    fn open_trace(w: &mut World, login: u64, client: [u8; 16]) -> (u32, u32, u32) {
        let r = w.call(
            CMD_OPEN_SESSION,
            0,
            0,
            &[meta(oxtee_proto::trace::PTA_UUID, 0), meta(client, login)],
        );
        (r.0, r.1, w.decoded().session)
    }

    /// Everything the trace session `t` holds, as events.
    fn read_trace(w: &mut World, t: u32) -> Vec<crate::trace::Event> {
        let out = tmem(0xa, 0x3000, 0x4000);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t,
            oxtee_proto::trace::CMD_READ,
            &[value(1, 0, 0), out],
        );
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        let n = w.decoded().params[1].b as usize;
        let text = std::str::from_utf8(&w.nw.mem[0x3000..0x3000 + n]).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_trace_shows_smcs_world_switches_entry_points_and_rpcs() {
        let mut w = World::new();
        w.k = Service::new().with_clock(ticks);
        // Only a client Linux vouches for as root may trace.
        let denied = open_trace(&mut w, u64::from(oxtee_gp::LOGIN_PUBLIC), [0; 16]);
        assert_eq!(
            (denied.0, denied.1),
            (oxtee_gp::TEE_ERROR_ACCESS_DENIED, ORIGIN_TRUSTED_APP)
        );
        let mut other = crate::trace::ROOT_CLIENT;
        other[15] ^= 1;
        let denied = open_trace(&mut w, u64::from(LOGIN_USER), other);
        assert_eq!(denied.0, oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        let (r, _, t) = open_trace(&mut w, u64::from(LOGIN_USER), crate::trace::ROOT_CLIENT);
        assert_eq!(r, result::SUCCESS);
        // A client pid cannot be told apart in the secure world.
        let start = |w: &mut World, pid: u64| {
            w.call(
                CMD_INVOKE_COMMAND,
                t,
                oxtee_proto::trace::CMD_START,
                &[value(1, pid, 0)],
            )
            .0
        };
        assert_eq!(start(&mut w, 42), TEE_ERROR_NOT_SUPPORTED);
        assert_eq!(start(&mut w, 0), result::SUCCESS);
        assert_eq!(start(&mut w, 0), TEE_ERROR_BAD_STATE, "started once");
        // Traced: an open, a command that waits for one RPC, a close.
        let s = w.open();
        let out = w.invoke_at(0x200, s, test_cmd::SLEEP, 0, &[value(1, 10, 0)]);
        assert_eq!(out[0], RETURN_RPC_CMD);
        let (ans, seen) = w.serve(0x200, 1, out);
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!(seen, [crate::rpc::cmd::SUSPEND]);
        assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        let ev = read_trace(&mut w, t);
        let line = |e: &crate::trace::Event| {
            std::format!(
                "{} {}>{} {} {} {}",
                e.ev,
                e.from,
                e.to,
                e.name,
                e.smc.as_deref().unwrap_or("-"),
                e.msg.as_deref().unwrap_or("-")
            )
        };
        let got: Vec<std::string::String> = ev.iter().map(line).collect();
        let pta = std::format!("PTA {}", oxtee_core::Uuid(TEST_PTA_UUID));
        let smc = |msg: &str, call: &str, ret: &str, rpc: &str, inner: &[std::string::String]| {
            let mut v = vec![
                std::format!("call driver>monitor SMC {call} {msg}"),
                std::format!("call monitor>kernel world switch - {msg}"),
            ];
            v.extend_from_slice(inner);
            v.push(std::format!(
                "return kernel>monitor world switch {ret} {rpc}"
            ));
            v
        };
        let eret = |ret: &str, rpc: &str| std::format!("return monitor>driver SMC {ret} {rpc}");
        let open = "OPTEE_MSG_CMD_OPEN_SESSION";
        let invoke = "OPTEE_MSG_CMD_INVOKE_COMMAND";
        let close = "OPTEE_MSG_CMD_CLOSE_SESSION";
        let ok = "OPTEE_SMC_RETURN_OK";
        let rpc = "OPTEE_SMC_RETURN_RPC_CMD";
        let mut want = Vec::new();
        want.extend(smc(
            open,
            "OPTEE_SMC_CALL_WITH_ARG",
            ok,
            "-",
            &[
                std::format!("call kernel>{pta} TA_OpenSessionEntryPoint - -"),
                std::format!("return {pta}>kernel TA_OpenSessionEntryPoint - -"),
            ],
        ));
        want.push(eret(ok, "-"));
        want.extend(smc(
            invoke,
            "OPTEE_SMC_CALL_WITH_RPC_ARG",
            rpc,
            "OPTEE_RPC_CMD_SUSPEND",
            &[std::format!(
                "call kernel>{pta} TA_InvokeCommandEntryPoint - -"
            )],
        ));
        want.push(eret(rpc, "OPTEE_RPC_CMD_SUSPEND"));
        want.extend(smc(
            invoke,
            "OPTEE_SMC_CALL_RETURN_FROM_RPC",
            ok,
            "-",
            &[std::format!(
                "return {pta}>kernel TA_InvokeCommandEntryPoint - -"
            )],
        ));
        want.push(eret(ok, "-"));
        want.extend(smc(
            close,
            "OPTEE_SMC_CALL_WITH_ARG",
            ok,
            "-",
            &[
                std::format!("call kernel>{pta} TA_CloseSessionEntryPoint - -"),
                std::format!("return {pta}>kernel TA_CloseSessionEntryPoint - -"),
            ],
        ));
        // (The close's own return to the normal world comes with the next
        // SMC: the READ above, whose crossings are not recorded.)
        want.push(eret(ok, "-"));
        assert_eq!(got, want);
        // Calls pair with their returns; time only goes forward; the
        // invoke's events name its command, session and TA.
        for e in ev.iter().filter(|e| e.ev == "return") {
            let call = ev.iter().find(|c| c.id == e.id && c.ev == "call").unwrap();
            assert_eq!(
                (call.from.as_str(), call.to.as_str()),
                (e.to.as_str(), e.from.as_str())
            );
            assert_eq!(e.us, Some(e.t_us - call.t_us));
        }
        assert!(ev.windows(2).all(|p| p[0].t_us <= p[1].t_us));
        let entry = ev
            .iter()
            .find(|e| e.name == "TA_InvokeCommandEntryPoint")
            .unwrap();
        assert_eq!((entry.cmd, entry.session), (Some(test_cmd::SLEEP), Some(s)));
        let test_pta = oxtee_core::Uuid(TEST_PTA_UUID).to_string();
        assert!(
            ev.iter()
                .all(|e| e.ta.as_deref() == Some(test_pta.as_str()))
        );
        let mut done = ev
            .iter()
            .filter(|e| e.ev == "return" && e.name == "world switch");
        assert_eq!(done.next_back().unwrap().ret, Some(result::SUCCESS));
        // Nothing more since: the reads themselves are never recorded.
        assert!(read_trace(&mut w, t).is_empty());
        // A filter on another TA sees none of the test PTA's crossings.
        let (_, _, t2) = open_trace(&mut w, u64::from(LOGIN_USER), crate::trace::ROOT_CLIENT);
        let mut uuid = [7u8; 16];
        uuid[0] = 1;
        w.nw.mem[0x2000..0x2010].copy_from_slice(&uuid);
        let ta_in = tmem(9, 0x2000, 16);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t2,
            oxtee_proto::trace::CMD_START,
            &[value(1, 0, 0), ta_in],
        );
        assert_eq!(r.0, result::SUCCESS);
        let s = w.open();
        assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        assert!(read_trace(&mut w, t2).is_empty());
        assert!(!read_trace(&mut w, t).is_empty());
        // Tracing ends with the sessions.
        for t in [t, t2] {
            assert_eq!(w.call(CMD_CLOSE_SESSION, t, 0, &[]).0, result::SUCCESS);
        }
        assert!(!w.k.tracer.borrow().on());
    }

    #[test]
    fn a_trace_read_waits_in_the_normal_world_for_what_others_do() {
        let mut w = World::new();
        w.k = Service::new().with_clock(ticks);
        let (r, _, t) = open_trace(&mut w, u64::from(LOGIN_USER), crate::trace::ROOT_CLIENT);
        assert_eq!(r, result::SUCCESS);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t,
            oxtee_proto::trace::CMD_START,
            &[value(1, 0, 0)],
        );
        assert_eq!(r.0, result::SUCCESS);
        // A read with nothing to read waits (in SUSPEND RPCs) ...
        let out = tmem(0xa, 0x3000, 0x4000);
        let first = w.invoke_at(
            0x800,
            t,
            oxtee_proto::trace::CMD_READ,
            0,
            &[value(1, 50, 0), out],
        );
        assert_eq!(first[0], RETURN_RPC_CMD);
        assert_eq!(w.rpc_msg(0x800, 2).cmd, crate::rpc::cmd::SUSPEND);
        // ... while another client's calls run ...
        let s = w.open();
        let r = w.call(
            CMD_INVOKE_COMMAND,
            s,
            test_cmd::VALUES,
            &[value(1, 2, 3), value(2, 0, 0)],
        );
        assert_eq!(r.0, result::SUCCESS);
        // ... and answers with them at its next look.
        let (ans, seen) = w.serve(0x800, 2, first);
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!(seen, [crate::rpc::cmd::SUSPEND], "one step of 10 ms");
        let a = answer_at(&w, 0x800);
        let n = a.params[1].b as usize;
        let text = std::str::from_utf8(&w.nw.mem[0x3000..0x3000 + n]).unwrap();
        let names: Vec<&str> = text
            .lines()
            .map(|l| serde_json::from_str::<crate::trace::Event>(l).unwrap())
            .filter(|e| e.ev == "call" && e.from == "kernel")
            .map(|e| {
                if e.name.starts_with("TA_") {
                    "entry"
                } else {
                    "other"
                }
            })
            .collect();
        assert_eq!(names, ["entry", "entry"], "{text}");
        // A read that finds nothing for its whole wait answers empty.
        let again = w.invoke_at(
            0x800,
            t,
            oxtee_proto::trace::CMD_READ,
            0,
            &[value(1, 20, 0), out],
        );
        let (ans, seen) = w.serve(0x800, 2, again);
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!(seen.len(), 2);
        assert_eq!(answer_at(&w, 0x800).params[1].b, 0);
    }

    #[test]
    fn a_trace_client_that_lies_in_its_parameters_gets_errors_and_a_slow_one_loses_counted_events()
    {
        use oxtee_proto::trace::{CMD_CLOCK, CMD_READ, CMD_START};
        let mut w = World::new();
        w.k = Service::new().with_clock(ticks);
        let (_, _, t) = open_trace(&mut w, u64::from(LOGIN_USER), crate::trace::ROOT_CLIENT);
        let out = |size: u64| tmem(0xa, 0x3000, size);
        // A read before START; a TA filter that is not 16 bytes; a clock
        // asked with inputs.
        let r = w.call(CMD_INVOKE_COMMAND, t, CMD_READ, &[value(1, 0, 0), out(64)]);
        assert_eq!(r.0, TEE_ERROR_BAD_STATE);
        let short_uuid = tmem(9, 0x2000, 15);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t,
            CMD_START,
            &[value(1, 0, 0), short_uuid],
        );
        assert_eq!(r.0, result::BAD_PARAMETERS);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t,
            CMD_CLOCK,
            &[value(1, 0, 0), value(1, 0, 0)],
        );
        assert_eq!(r.0, result::BAD_PARAMETERS);
        let r = w.call(
            CMD_INVOKE_COMMAND,
            t,
            CMD_CLOCK,
            &[value(2, 0, 0), value(2, 0, 0)],
        );
        assert_eq!(r.0, result::SUCCESS);
        let d = w.decoded();
        assert_eq!(
            d.params[1].a,
            u64::from(oxtee_proto::trace::CLOCK_SECURE_COUNTER)
        );
        assert!(d.params[0].a > 0, "the counter, in microseconds");
        assert_eq!(
            w.call(CMD_INVOKE_COMMAND, t, CMD_START, &[value(1, 0, 0)])
                .0,
            result::SUCCESS
        );
        // A reader that does not read: the kernel keeps at most
        // QUEUE_BYTES and counts the rest.
        let s = w.open();
        let mut calls = 0;
        while w.k.tracer.borrow().dropped(t) == 0 {
            w.call(
                CMD_INVOKE_COMMAND,
                s,
                test_cmd::VALUES,
                &[value(1, 1, 2), value(2, 0, 0)],
            );
            calls += 1;
            assert!(calls < 100_000, "the queue never filled");
        }
        // A buffer too small for one line is told the size; the loss is
        // reported first, alone.
        let r = w.call(CMD_INVOKE_COMMAND, t, CMD_READ, &[value(1, 0, 0), out(8)]);
        assert_eq!(r.0, oxtee_gp::TEE_ERROR_SHORT_BUFFER);
        let need = w.decoded().params[1].b;
        assert!(need > 8);
        let ev = read_trace(&mut w, t);
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (ev[0].ev.as_str(), ev[0].n.map(|n| n > 0)),
            ("dropped", Some(true))
        );
        assert!(!read_trace(&mut w, t).is_empty(), "then what was kept");
    }

    #[test]
    fn the_status_shows_threads_memory_sessions_and_instances_to_root_only() {
        let mut w = World::new();
        w.k = Service::new()
            .with_clock(ticks)
            .with_memory(|| (300 << 10, 14 << 20));
        let open = |w: &mut World, login: u32, client: [u8; 16]| {
            let r = w.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[
                    meta(oxtee_proto::status::PTA_UUID, 0),
                    meta(client, u64::from(login)),
                ],
            );
            (r.0, w.decoded().session)
        };
        assert_eq!(
            open(&mut w, oxtee_gp::LOGIN_PUBLIC, [0; 16]).0,
            oxtee_gp::TEE_ERROR_ACCESS_DENIED
        );
        let (r, st) = open(&mut w, LOGIN_USER, crate::trace::ROOT_CLIENT);
        assert_eq!(r, result::SUCCESS);
        let s = w.open();
        let sleeping = w.invoke_at(0x800, s, test_cmd::SLEEP, 0, &[value(1, 10, 0)]);
        assert_eq!(sleeping[0], RETURN_RPC_CMD);
        let status = |w: &mut World, size: u64| {
            let out = tmem(0xa, 0x3000, size);
            let r = w.call(
                CMD_INVOKE_COMMAND,
                st,
                oxtee_proto::status::CMD_STATUS,
                &[out],
            );
            let n = w.decoded().params[0].b as usize;
            (
                r.0,
                std::string::String::from_utf8(
                    w.nw.mem[0x3000..0x3000 + n.min(size as usize)].to_vec(),
                )
                .unwrap(),
                n,
            )
        };
        let (r, text, _) = status(&mut w, 4096);
        assert_eq!(r, result::SUCCESS);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("uptime_ms "), "{text}");
        assert_eq!(lines[1], "secure_memory 14680064 used 307200");
        assert_eq!(lines[2], "secure_threads 4 busy 1 waiting 0");
        assert!(lines.contains(&"sessions 2"), "{text}");
        assert!(lines.contains(&"secure_mode tz"), "{text}");
        // Too small a buffer is told the size.
        let (r, _, need) = status(&mut w, 8);
        assert_eq!((r, need), (oxtee_gp::TEE_ERROR_SHORT_BUFFER, text.len()));
        // The size is the firmware's.
        let r = w.call(
            CMD_INVOKE_COMMAND,
            st,
            oxtee_proto::status::CMD_SET_BUDGET,
            &[value(1, 1 << 20, 0)],
        );
        assert_eq!(r.0, TEE_ERROR_NOT_SUPPORTED);
        let (ans, _) = w.serve(0x800, 1, sleeping);
        assert_eq!(ans.0, result::SUCCESS);
        let (_, text, _) = status(&mut w, 4096);
        assert!(
            text.contains("secure_threads 4 busy 0 waiting 0\nthreads_max_busy 1\n"),
            "{text}"
        );
    }

    #[test]
    fn copies_of_waiting_calls_stay_within_the_budget() {
        let mut w = World::new();
        w.k = Service::with_memref_budget(6000);
        let s = w.open();
        let out = w.invoke_at(
            0x200,
            s,
            test_cmd::SLEEP,
            0,
            &[value(1, 10, 0), tmem(0xb, 0x3000, 4000)],
        );
        assert_eq!(out[0], RETURN_RPC_CMD);
        let rev = [tmem(9, 0x4000, 1500), tmem(0xa, 0x5000, 1500)];
        let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::REVERSE, &rev);
        assert_eq!(r, (TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
        w.serve(0x200, 2, out);
        let r = w.call(CMD_INVOKE_COMMAND, s, test_cmd::REVERSE, &rev);
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
    }

    #[test]
    fn rpc_shared_memory_round_trip() {
        let mut w = World::new();
        let s = w.open();
        let out = w.invoke_at(
            0x200,
            s,
            test_cmd::RPC_SHM,
            0,
            &[value(1, 6000, 0), value(2, 0, 0)],
        );
        assert_eq!(out[0], RETURN_RPC_CMD);
        let m = w.rpc_msg(0x200, 2);
        assert_eq!(m.cmd, crate::rpc::cmd::SHM_ALLOC);
        assert_eq!(
            (
                m.params[0].attr,
                m.params[0].a,
                m.params[0].b,
                m.params[0].c
            ),
            (1, 1, 6000, 4096)
        );
        let (ans, seen) = w.serve(0x200, 2, out);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(
            seen,
            [crate::rpc::cmd::SHM_ALLOC, crate::rpc::cmd::SHM_FREE]
        );
        let a = answer_at(&w, 0x200);
        assert_eq!((a.params[1].a, a.params[1].b), (6000, 1));
        // The pattern is in the normal world's pages, in list order:
        // 16 bytes into the first listed page, then the second.
        let pat = |i: u32| (i.wrapping_mul(7) ^ (i >> 8)) as u8;
        assert_eq!(w.nw.mem[0x9010], pat(0));
        assert_eq!(w.nw.mem[0x9fff], pat(4095 - 16));
        assert_eq!(w.nw.mem[0x8000], pat(4096 - 16));
        assert_eq!(w.nw.mem[0x8000 + 6000 - 4080 - 1], pat(5999));
        // The free named the normal world's cookie and owner.
        let m = w.rpc_msg(0x200, 2);
        assert_eq!((m.params[0].a, m.params[0].b), (1, 0xC00C1E));
    }

    #[test]
    fn a_normal_world_that_lies_in_rpc_answers() {
        let mut w = World::new();
        let s = w.open();
        // Resuming what is not waiting.
        for slot in [0, 3, THREADS, u64::MAX] {
            assert_eq!(w.resume(slot)[0], RETURN_ERESUME, "slot {slot}");
        }
        type Lie = fn(&mut MsgArg);
        let lies: [(u32, Lie); 6] = [
            // Time: nanoseconds out of range; the parameter turned into a
            // memory reference; the count of parameters changed; an error.
            (test_cmd::REE_TIME, |m| m.params[0].b = 1_000_000_000),
            (test_cmd::REE_TIME, |m| m.params[0].attr = 0xa),
            (test_cmd::REE_TIME, |m| m.num_params = 0),
            (test_cmd::REE_TIME, |m| m.ret = result::BAD_PARAMETERS),
            // Shared memory smaller than asked; pages outside its RAM.
            (test_cmd::RPC_SHM, |m| {
                m.params[0] = MsgParam {
                    attr: 0xa,
                    a: BASE + 0x8000,
                    b: 100,
                    c: 1,
                }
            }),
            (test_cmd::RPC_SHM, |m| {
                m.params[0] = MsgParam {
                    attr: 0xa,
                    a: 0x1000,
                    b: 6000,
                    c: 1,
                }
            }),
        ];
        for (i, (cmd, lie)) in lies.into_iter().enumerate() {
            let params: &[MsgParam] = if cmd == test_cmd::REE_TIME {
                &[value(2, 0, 0)]
            } else {
                &[value(1, 6000, 0), value(2, 0, 0)]
            };
            let n = params.len();
            let out = w.invoke_at(0x200, s, cmd, 0, params);
            assert_eq!(out[0], RETURN_RPC_CMD, "lie {i}");
            let mut m = w.rpc_msg(0x200, n);
            m.ret = 0;
            lie(&mut m);
            w.put_rpc(0x200, n, &m);
            let out = w.resume(out[3]);
            let (ans, _) = w.serve(0x200, n, out);
            assert_ne!(ans.0, result::SUCCESS, "lie {i}");
            assert_eq!(w.k.threads().in_use, 0, "lie {i}: the thread is free again");
        }
        // An answer that changes the RPC argument's header so that it
        // cannot be decoded (too many parameters).
        let out = w.invoke_at(0x200, s, test_cmd::REE_TIME, 0, &[value(2, 0, 0)]);
        let at = rpc_off(0x200, 1);
        w.nw.mem[at + 28..at + 32].copy_from_slice(&99u32.to_le_bytes());
        let out = w.resume(out[3]);
        let (ans, _) = w.serve(0x200, 1, out);
        assert_eq!(ans.0, result::GENERIC);
    }

    #[test]
    fn a_ta_image_through_the_supplicant() {
        let mut w = World::new();
        let s = w.open();
        let uuid = [0x11u8; 16];
        w.nw.mem[0x3000..0x3010].copy_from_slice(&uuid);
        let id = MsgParam {
            attr: 9,
            a: BASE + 0x3000,
            b: 16,
            c: 0,
        };
        let out = w.invoke_at(0x200, s, test_cmd::LOAD_TA, 0, &[id, value(2, 0, 0)]);
        assert_eq!(out[0], RETURN_RPC_CMD);
        // The size query: the UUID's octets in a and b, no buffer.
        let m = w.rpc_msg(0x200, 2);
        assert_eq!((m.cmd, m.num_params), (crate::rpc::cmd::LOAD_TA, 2));
        assert_eq!(
            (m.params[0].attr, m.params[0].a, m.params[0].b),
            (1, 0x1111_1111_1111_1111, 0x1111_1111_1111_1111)
        );
        assert_eq!(
            (
                m.params[1].attr,
                m.params[1].a,
                m.params[1].b,
                m.params[1].c
            ),
            (0xa, 0, 0, 0)
        );
        let (ans, seen) = w.serve(0x200, 2, out);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        use crate::rpc::cmd::{LOAD_TA, SHM_ALLOC, SHM_FREE};
        assert_eq!(seen, [LOAD_TA, SHM_ALLOC, LOAD_TA, SHM_FREE]);
        let a = answer_at(&w, 0x200);
        assert_eq!(
            (a.params[1].a, a.params[1].b),
            (5000, u64::from(u32::from_le_bytes(*b"OTSH")))
        );
    }

    #[test]
    fn a_supplicant_answer_that_lies() {
        let mut w = World::new();
        let s = w.open();
        w.nw.mem[0x3000..0x3010].copy_from_slice(&[0x22; 16]);
        let id = MsgParam {
            attr: 9,
            a: BASE + 0x3000,
            b: 16,
            c: 0,
        };
        type Lie = fn(&mut MsgArg);
        let lies: [Lie; 3] = [
            // The buffer turned into a value; a value into temporary
            // memory at an address of the kernel's choosing; an error.
            |m| m.params[1].attr = 2,
            |m| m.params[0].attr = 9,
            |m| m.ret = oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND,
        ];
        for (i, lie) in lies.into_iter().enumerate() {
            let out = w.invoke_at(0x200, s, test_cmd::LOAD_TA, 0, &[id, value(2, 0, 0)]);
            assert_eq!(out[0], RETURN_RPC_CMD);
            let mut m = w.rpc_msg(0x200, 2);
            lie(&mut m);
            w.put_rpc(0x200, 2, &m);
            let out = w.resume(out[3]);
            let (ans, seen) = w.serve(0x200, 2, out);
            assert_ne!(ans.0, result::SUCCESS, "lie {i}");
            assert!(seen.is_empty(), "lie {i}: nothing more asked: {seen:?}");
            assert_eq!(w.k.threads().in_use, 0);
        }
    }

    #[test]
    fn a_normal_world_cannot_claim_a_trusted_app_login() {
        let mut w = World::new();
        for login in [
            oxtee_gp::LOGIN_TRUSTED_APP,
            3,
            7,
            0x7fff_ffff,
            0x8000_0001,
            u32::MAX,
        ] {
            let r = w.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[meta(TEST_PTA_UUID, 0), meta([0; 16], u64::from(login))],
            );
            assert_eq!(r, (result::BAD_PARAMETERS, ORIGIN_TEE), "login {login:#x}");
        }
        assert_eq!(w.k.sessions(), 0);
        for login in [0, 1, 2, 4, 5, 6, LOGIN_REE_KERNEL] {
            let r = w.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[meta(TEST_PTA_UUID, 0), meta([0; 16], u64::from(login))],
            );
            assert_eq!(r.0, result::SUCCESS, "login {login:#x}");
        }
    }

    /// A pseudo-TA that takes one session at a time.
    struct OneSession;

    impl Pta for OneSession {
        fn uuid(&self) -> [u8; 16] {
            [0x51; 16]
        }
        fn flags(&self) -> u32 {
            oxtee_gp::TA_FLAG_SINGLE_INSTANCE
        }
        fn open_session(&mut self, _: u32, _: &Client, _: &mut [Param; 4]) -> u32 {
            TEE_SUCCESS
        }
        fn close_session(&mut self, _: u32) {}
        fn invoke(&mut self, _: u32, _: u32, _: &mut [Param; 4], _: &Rpc) -> Invoked {
            Invoked::Done(TEE_SUCCESS)
        }
    }

    #[test]
    fn pseudo_tas_follow_the_instance_rules_of_tas() {
        let mut w = World::new();
        w.k = Service::with_ptas(vec![Box::new(OneSession), Box::new(TestPta::default())]);
        let open = |w: &mut World, uuid| {
            w.call(CMD_OPEN_SESSION, 0, 0, &[meta(uuid, 0), meta([0; 16], 0)])
        };
        assert_eq!(open(&mut w, [0x51; 16]).0, result::SUCCESS);
        let first = w.decoded().session;
        // Single instance, single session: BUSY while the first is open.
        assert_eq!(open(&mut w, [0x51; 16]), (TEE_ERROR_BUSY, ORIGIN_TEE));
        // Other PTAs are not affected.
        assert_eq!(open(&mut w, TEST_PTA_UUID).0, result::SUCCESS);
        assert_eq!(open(&mut w, TEST_PTA_UUID).0, result::SUCCESS);
        assert_eq!(w.call(CMD_CLOSE_SESSION, first, 0, &[]).0, result::SUCCESS);
        assert_eq!(open(&mut w, [0x51; 16]).0, result::SUCCESS);
    }

    #[test]
    fn the_device_enumeration_pta_answers_only_the_ree_kernel() {
        let mut w = World::new();
        let open = |w: &mut World, login: u64| {
            w.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[meta(crate::pta::DEVICE_PTA_UUID, 0), meta([0; 16], login)],
            )
        };
        // A user-space login is refused by the PTA.
        assert_eq!(
            open(&mut w, 0),
            (oxtee_gp::TEE_ERROR_ACCESS_DENIED, ORIGIN_TRUSTED_APP)
        );
        assert_eq!(open(&mut w, u64::from(LOGIN_REE_KERNEL)).0, result::SUCCESS);
        let s = w.decoded().session;
        // The size query, as Linux's driver makes it: no devices.
        let out = |size| MsgParam {
            attr: 0xa,
            a: BASE + 0x3000,
            b: size,
            c: 0,
        };
        for cmd in 0..3 {
            let r = w.call(CMD_INVOKE_COMMAND, s, cmd, &[out(0)]);
            assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP), "cmd {cmd}");
            assert_eq!(w.decoded().params[0].b, 0);
        }
        let r = w.call(CMD_INVOKE_COMMAND, s, 3, &[out(0)]);
        assert_eq!(r.0, result::NOT_SUPPORTED);
        let r = w.call(CMD_INVOKE_COMMAND, s, 0, &[value(1, 0, 0)]);
        assert_eq!(r.0, result::BAD_PARAMETERS);
        // With devices listed: size feedback, then the UUIDs.
        let mut d = DevicePta::default();
        d.devices[1] = vec![[7; 16], [9; 16]];
        w.k = Service::with_ptas(vec![Box::new(d)]);
        assert_eq!(open(&mut w, u64::from(LOGIN_REE_KERNEL)).0, result::SUCCESS);
        let s = w.decoded().session;
        let r = w.call(CMD_INVOKE_COMMAND, s, 1, &[out(20)]);
        assert_eq!(r.0, oxtee_gp::TEE_ERROR_SHORT_BUFFER);
        assert_eq!(w.decoded().params[0].b, 32);
        let r = w.call(CMD_INVOKE_COMMAND, s, 1, &[out(32)]);
        assert_eq!(r.0, result::SUCCESS);
        assert_eq!(w.nw.mem[0x3000..0x3010], [7; 16]);
        assert_eq!(w.nw.mem[0x3010..0x3020], [9; 16]);
    }

    /// The system PTA is there (a TA will find it), but for TAs only:
    /// every login the normal world may use is refused, and the refusal
    /// leaves no session behind.
    #[test]
    fn the_system_pta_refuses_the_normal_world() {
        let mut w = World::new();
        w.k = Service::boot(Vec::new(), Some([4; 32]), &[3; 32], 1, Vec::new());
        for login in [0, 1, 2, 4, 5, 6, LOGIN_REE_KERNEL] {
            let r = w.call(
                CMD_OPEN_SESSION,
                0,
                0,
                &[
                    meta(crate::pta::SYSTEM_PTA_UUID, 0),
                    meta([0; 16], u64::from(login)),
                ],
            );
            assert_eq!(
                r,
                (oxtee_gp::TEE_ERROR_ACCESS_DENIED, ORIGIN_TRUSTED_APP),
                "login {login:#x}"
            );
        }
        assert_eq!(w.k.sessions(), 0);
    }

    /// What a TA gets from it: entropy it adds changes what the kernel's
    /// generator gives next; wrong parameters and the commands that need
    /// user TAs are answered as OP-TEE answers them.
    #[test]
    fn the_system_pta_takes_entropy_from_tas() {
        let id = TaIdentity {
            uuid: [5; 16],
            ta_version: 0,
            signer: [6; 32],
        };
        let image = |identity| TaImage {
            identity,
            digest: [0; 32],
        };
        let ta = Client {
            login: oxtee_gp::LOGIN_TRUSTED_APP,
            uuid: [5; 16],
            ta: Some((image(id), [0; 32])),
        };
        let huk = [4; 32];
        let fresh = || {
            let mut p = SystemPta::new(crate::rng::Drbg::new(&[9; 32], &[], &[]), Some(huk));
            assert_eq!(p.open_session(1, &ta, &mut no_params()), TEE_SUCCESS);
            p
        };
        let (mut a, mut b) = (fresh(), fresh());
        let rpc = Rpc::new(ThreadStats::default());
        let entropy = |bytes: &[u8]| {
            let mut p = no_params();
            p[0] = Param::Memref {
                data: bytes.to_vec(),
                size: bytes.len(),
                dir: Dir::In,
            };
            p
        };
        let done = |i: Invoked| match i {
            Invoked::Done(r) | Invoked::Refused(r) => r,
            Invoked::Later(_) => panic!("the system PTA never waits"),
        };
        let sys = crate::pta::SYSTEM_ADD_RNG_ENTROPY;
        assert_eq!(
            done(a.invoke(1, sys, &mut entropy(b"noise"), &rpc)),
            TEE_SUCCESS
        );
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.rng().borrow_mut().generate(&mut x);
        b.rng().borrow_mut().generate(&mut y);
        assert_ne!(x, y, "the entropy was not mixed in");
        // The same entropy into the same state: the same stream (nothing
        // else, e.g. a parameter's size field, leaked into it).
        let mut c = fresh();
        done(c.invoke(1, sys, &mut entropy(b"noise"), &rpc));
        let mut z = [0u8; 32];
        c.rng().borrow_mut().generate(&mut z);
        assert_eq!(x, z);
        // Wrong parameter types (a value instead of the memref, or one
        // more): refused, nothing mixed in.
        for i in 0..2 {
            let mut wrong = entropy(b"x");
            wrong[i] = Param::Value {
                a: 1,
                b: 2,
                dir: Dir::In,
            };
            let r = done(b.invoke(1, sys, &mut wrong, &rpc));
            assert_eq!(r, TEE_ERROR_BAD_PARAMETERS);
        }
        let d = fresh();
        d.rng().borrow_mut().generate(&mut z);
        b.rng().borrow_mut().generate(&mut x);
        d.rng().borrow_mut().generate(&mut z);
        assert_eq!(x, z, "a refused call changed the generator");
        // The commands of OP-TEE's loader inside a TA.
        for cmd in 2..=13 {
            assert_eq!(
                done(a.invoke(1, cmd, &mut no_params(), &rpc)),
                oxtee_gp::TEE_ERROR_NOT_SUPPORTED
            );
        }
        // A key bound to the calling TA: what the shared logic gives for
        // the identity the kernel gave at open.
        let key = |p: &mut SystemPta, session| {
            let mut k = no_params();
            k[0] = Param::Memref {
                data: b"extra".to_vec(),
                size: 5,
                dir: Dir::In,
            };
            k[1] = Param::Memref {
                data: vec![0; 32],
                size: 32,
                dir: Dir::Out,
            };
            let r = done(p.invoke(session, 1, &mut k, &rpc));
            match &k[1] {
                Param::Memref { data, .. } => (r, data.clone()),
                _ => unreachable!(),
            }
        };
        let mut want = [0u8; 32];
        oxtee_core::sealing::derive(
            &huk,
            &id,
            oxtee_core::sealing::Binding::Unique,
            b"extra",
            &mut want,
        )
        .unwrap();
        assert_eq!(key(&mut a, 1), (TEE_SUCCESS, want.to_vec()));
        // Another TA, another key; a session it never opened, none.
        let other = Client {
            ta: Some((
                image(TaIdentity {
                    uuid: [7; 16],
                    ..id
                }),
                [0; 32],
            )),
            ..ta
        };
        assert_eq!(a.open_session(2, &other, &mut no_params()), TEE_SUCCESS);
        let (r, k2) = key(&mut a, 2);
        assert_eq!(r, TEE_SUCCESS);
        assert_ne!(k2, want.to_vec());
        a.close_session(2);
        assert_eq!(key(&mut a, 2).0, oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        // A TA client the kernel gave no identity is refused.
        let anonymous = Client { ta: None, ..ta };
        let r = a.open_session(3, &anonymous, &mut no_params());
        assert_eq!(r, oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        // No hardware-unique key: no keys.
        let mut n = SystemPta::new(crate::rng::Drbg::new(&[9; 32], &[], &[]), None);
        assert_eq!(n.open_session(1, &ta, &mut no_params()), TEE_SUCCESS);
        assert_eq!(key(&mut n, 1).0, oxtee_gp::TEE_ERROR_NOT_SUPPORTED);
    }

    #[test]
    fn ta_images_are_verified_in_secure_memory() {
        const FIXTURE: &[u8] =
            include_bytes!("../../../tz/guest/fixtures/05a87e89-29c1-451d-b5a1-cf6e5d72dc70.ta");
        const UUID: [u8; 16] = [
            0x05, 0xa8, 0x7e, 0x89, 0x29, 0xc1, 0x45, 0x1d, 0xb5, 0xa1, 0xcf, 0x6e, 0x5d, 0x72,
            0xdc, 0x70,
        ];
        let key = oxtee_core::image::public_key_from_pem(include_str!(
            "../../../tz/guest/fixtures/signer.pub.pem"
        ))
        .unwrap();
        let verify = |w: &mut World, uuid: [u8; 16]| {
            let s = w.open();
            w.nw.mem[0x3000..0x3010].copy_from_slice(&uuid);
            let id = MsgParam {
                attr: 9,
                a: BASE + 0x3000,
                b: 16,
                c: 0,
            };
            let out = w.invoke_at(0x200, s, test_cmd::VERIFY_TA, 0, &[id, value(2, 0, 0)]);
            let (ans, _) = w.serve(0x200, 2, out);
            (ans.0, answer_at(w, 0x200).params[1].a)
        };
        let world = |keys: Vec<RsaPublicKey>, image: &[u8]| {
            let mut w = World::new();
            w.k = Service::with_ptas(vec![Box::new(TestPta::with_keys(keys))]);
            w.image = image.to_vec();
            w.shm_pages = vec![0xF000, 0xE000, 0xD000, 0xC000];
            w
        };
        let mut w = world(vec![key.clone()], FIXTURE);
        assert_eq!(
            verify(&mut w, UUID),
            (result::SUCCESS, FIXTURE.len() as u64)
        );
        // The same image asked for by another UUID; a byte changed; a
        // kernel that trusts no key.
        let mut other = UUID;
        other[15] ^= 1;
        assert_eq!(verify(&mut w, other).0, oxtee_gp::TEE_ERROR_SECURITY);
        let mut bad = FIXTURE.to_vec();
        let last = bad.len() - 100;
        bad[last] ^= 0x40;
        let mut w = world(vec![key], &bad);
        assert_eq!(verify(&mut w, UUID).0, oxtee_gp::TEE_ERROR_SECURITY);
        let mut w = world(vec![], FIXTURE);
        assert_eq!(verify(&mut w, UUID).0, oxtee_gp::TEE_ERROR_SECURITY);
    }

    /// A user TA the tests load: counts its loads, sessions and drops.
    #[derive(Default, Clone)]
    struct Loads {
        loads: Rc<core::cell::Cell<u32>>,
        live: Rc<core::cell::Cell<i32>>,
        flags: u32,
        last_login: Rc<core::cell::Cell<u32>>,
        /// Close entry points that waited for the normal world.
        closes_waited: Rc<core::cell::Cell<u32>>,
    }

    struct FakeTa {
        uuid: [u8; 16],
        loads: Loads,
        serial: u32,
        /// The kernel's number for it, and the TA-to-TA sessions it
        /// closed.
        number: u64,
        ta_closes: Rc<RefCell<Vec<u32>>>,
        /// The login of its last open's client.
        last_login: Rc<core::cell::Cell<u32>>,
        /// Command 9 kills it (as a user TA's panic or fault would);
        /// command 10 too, after a sleep in the normal world (a call that
        /// dies while it waits, from its task).
        dead: Rc<core::cell::Cell<bool>>,
    }

    impl Drop for FakeTa {
        fn drop(&mut self) {
            self.loads.live.set(self.loads.live.get() - 1);
        }
    }

    impl Pta for FakeTa {
        fn uuid(&self) -> [u8; 16] {
            self.uuid
        }
        fn flags(&self) -> u32 {
            self.loads.flags
        }
        fn attach(&mut self, number: u64) {
            self.number = number;
        }
        fn take_ta_closes(&mut self) -> Vec<u32> {
            core::mem::take(&mut *self.ta_closes.borrow_mut())
        }
        fn open_session(&mut self, _: u32, c: &Client, p: &mut [Param; 4]) -> u32 {
            self.last_login.set(c.login);
            // The open's own parameter reaches the TA: a value in, +1 out.
            if let Param::Value { a, b, .. } = p[0] {
                p[0] = Param::Value {
                    a: a + 1,
                    b,
                    dir: Dir::InOut,
                };
            }
            if c.login == LOGIN_GROUP {
                oxtee_gp::TEE_ERROR_ACCESS_DENIED
            } else {
                TEE_SUCCESS
            }
        }
        /// Clients of three logins see an open that waits: USER_APPLICATION
        /// one that sleeps in the normal world and succeeds,
        /// GROUP_APPLICATION one that sleeps and refuses, APPLICATION one
        /// the TEE refuses before it runs (busy).
        fn open_session_waiting(
            &mut self,
            id: u32,
            c: &Client,
            p: &mut [Param; 4],
            rpc: &Rpc,
        ) -> Invoked {
            if c.login != LOGIN_APPLICATION {
                self.last_login.set(c.login);
            }
            let refuse = match c.login {
                LOGIN_USER_APPLICATION => false,
                LOGIN_GROUP_APPLICATION => true,
                LOGIN_APPLICATION => return Invoked::Refused(oxtee_gp::TEE_ERROR_BUSY),
                _ => return Invoked::Done(self.open_session(id, c, p)),
            };
            let mut params = core::mem::replace(p, no_params());
            let rpc = rpc.clone();
            Invoked::Later(Box::pin(async move {
                if rpc.suspend(1).await.is_err() {
                    return (TEE_ERROR_GENERIC, params);
                }
                if let Param::Value { a, b, .. } = params[0] {
                    params[0] = Param::Value {
                        a: a + 100,
                        b,
                        dir: Dir::InOut,
                    };
                }
                let ret = if refuse {
                    oxtee_gp::TEE_ERROR_ACCESS_DENIED
                } else {
                    TEE_SUCCESS
                };
                (ret, params)
            }))
        }
        fn close_session(&mut self, _: u32) {}
        /// After an open that waited (by USER_ or GROUP_APPLICATION) or
        /// one by a TA, a close sleeps in the normal world.
        fn close_session_waiting(&mut self, _: u32, rpc: &Rpc) -> Option<Task> {
            if !matches!(
                self.last_login.get(),
                LOGIN_USER_APPLICATION | LOGIN_GROUP_APPLICATION | oxtee_gp::LOGIN_TRUSTED_APP
            ) {
                return None;
            }
            let (rpc, waited) = (rpc.clone(), self.loads.closes_waited.clone());
            Some(Box::pin(async move {
                if rpc.suspend(1).await.is_ok() {
                    waited.set(waited.get() + 1);
                }
                (TEE_SUCCESS, no_params())
            }))
        }
        fn invoke(&mut self, _: u32, cmd: u32, p: &mut [Param; 4], rpc: &Rpc) -> Invoked {
            if cmd == 20 || cmd == 21 {
                // A TA-to-TA call: open a session of its own UUID (a new
                // instance, or itself if single), invoke `cmd - 20 + 9`
                // there (0: its serial; 1 ... 9: it dies), then as value
                // a says: 0 close the session when the entry point has
                // returned, 1 keep it, 2 close it now (a TA-to-TA call);
                // out: (its result, the callee's serial, or for 2 how
                // many instances live once the close returned).
                let (rpc, me, closes) = (rpc.clone(), self.number, self.ta_closes.clone());
                let (uuid, callee_cmd) = (self.uuid, if cmd == 20 { 0 } else { 9 });
                let mode = match p[0] {
                    Param::Value { a, .. } => a,
                    _ => 0,
                };
                let live = self.loads.live.clone();
                return Invoked::Later(Box::pin(async move {
                    let mut params = no_params();
                    params[0] = Param::Value {
                        a: 41,
                        b: 0,
                        dir: Dir::InOut,
                    };
                    let open = rpc
                        .ta_call(TaRequest::Open {
                            caller: me,
                            uuid,
                            params,
                        })
                        .await;
                    let out = |a, b| {
                        let mut p = no_params();
                        p[0] = Param::Value {
                            a,
                            b,
                            dir: Dir::Out,
                        };
                        p
                    };
                    if open.ret != TEE_SUCCESS {
                        return (TEE_SUCCESS, out(open.ret, open.origin));
                    }
                    assert!(matches!(open.params[0], Param::Value { a: 42, .. }));
                    let mut params = no_params();
                    params[0] = Param::Value {
                        a: 0,
                        b: 0,
                        dir: Dir::Out,
                    };
                    let inv = rpc
                        .ta_call(TaRequest::Invoke {
                            caller: me,
                            session: open.session,
                            cmd: callee_cmd,
                            params,
                        })
                        .await;
                    let serial = match inv.params[0] {
                        Param::Value { a, .. } => a,
                        _ => 0,
                    };
                    match mode {
                        0 => closes.borrow_mut().push(open.session),
                        2 => {
                            let closed = rpc
                                .ta_call(TaRequest::Close {
                                    caller: me,
                                    session: open.session,
                                })
                                .await;
                            assert_eq!((closed.ret, closed.session), (TEE_SUCCESS, 0));
                            return (TEE_SUCCESS, out(inv.ret, live.get() as u32));
                        }
                        _ => {}
                    }
                    (TEE_SUCCESS, out(inv.ret, serial))
                }));
            }
            if cmd == 11 {
                // Preempted twice (a user TA the normal world's
                // interrupts preempt), then done.
                let rpc = rpc.clone();
                return Invoked::Later(Box::pin(async move {
                    for _ in 0..2 {
                        if rpc.foreign_interrupt().await.is_err() {
                            return (TEE_ERROR_GENERIC, no_params());
                        }
                    }
                    (TEE_SUCCESS, no_params())
                }));
            }
            if cmd == 12 {
                // Refused before it runs (a user TA whose memory cannot
                // take the call's buffers): whatever it left in the
                // parameters is not the client's.
                p[0] = Param::Value {
                    a: 0x5ec2e7,
                    b: 0,
                    dir: Dir::Out,
                };
                return Invoked::Refused(oxtee_gp::TEE_ERROR_OUT_OF_MEMORY);
            }
            if cmd == 10 {
                let (rpc, dead) = (rpc.clone(), self.dead.clone());
                return Invoked::Later(Box::pin(async move {
                    let _ = rpc.suspend(1).await;
                    dead.set(true);
                    (TEE_SUCCESS, no_params())
                }));
            }
            self.dead.set(cmd == 9);
            p[0] = Param::Value {
                a: self.serial,
                b: 0,
                dir: Dir::Out,
            };
            Invoked::Done(TEE_SUCCESS)
        }
        fn is_dead(&self) -> bool {
            self.dead.get()
        }
    }

    impl TaLoader for Loads {
        fn load(&mut self, uuid: [u8; 16], elf: &[u8]) -> Result<Box<dyn Pta>, u32> {
            assert_eq!(&elf[..4], b"\x7fELF", "the loader sees the verified ELF");
            self.loads.set(self.loads.get() + 1);
            self.live.set(self.live.get() + 1);
            Ok(Box::new(FakeTa {
                uuid,
                loads: self.clone(),
                serial: self.loads.get(),
                number: 0,
                ta_closes: Rc::default(),
                last_login: self.last_login.clone(),
                dead: Rc::default(),
            }))
        }
    }

    const SIGNED: &[u8] =
        include_bytes!("../../../tz/guest/fixtures/05a87e89-29c1-451d-b5a1-cf6e5d72dc70.ta");
    const SIGNED_UUID: [u8; 16] = [
        0x05, 0xa8, 0x7e, 0x89, 0x29, 0xc1, 0x45, 0x1d, 0xb5, 0xa1, 0xcf, 0x6e, 0x5d, 0x72, 0xdc,
        0x70,
    ];

    fn loading_world(flags: u32, image: &[u8]) -> (World, Loads) {
        let key = oxtee_core::image::public_key_from_pem(include_str!(
            "../../../tz/guest/fixtures/signer.pub.pem"
        ))
        .unwrap();
        let loads = Loads {
            flags,
            ..Loads::default()
        };
        let mut w = World::new();
        w.k = Service::boot(vec![key], None, &[1; 32], 0, Vec::new())
            .with_loader(Box::new(loads.clone()));
        w.image = image.to_vec();
        w.shm_pages = vec![0xF000, 0xE000, 0xD000, 0xC000];
        (w, loads)
    }

    /// OPEN_SESSION of `uuid` in the RPC-arg form (with one value inout
    /// parameter), served to the end: (result, origin), session, the
    /// value's a, and the RPCs it made.
    fn open_ta(w: &mut World, uuid: [u8; 16], login: u32) -> ((u32, u32), u32, u64, Vec<u32>) {
        let mut a = MsgArg {
            cmd: CMD_OPEN_SESSION,
            num_params: 3,
            ..Default::default()
        };
        a.params[0] = meta(uuid, 0);
        a.params[1] = meta([0; 16], u64::from(login));
        a.params[2] = value(3, 41, 0);
        let out = w.start(0x200, a);
        let (ans, seen) = w.serve(0x200, 3, out);
        let got = answer_at(w, 0x200);
        (ans, got.session, got.params[2].a, seen)
    }

    #[test]
    fn user_tas_are_fetched_verified_loaded_and_opened() {
        let (mut w, loads) = loading_world(0, SIGNED);
        let (ans, s, a, seen) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_ne!(s, 0);
        assert_eq!(a, 42, "the open entry point got and gave its parameter");
        assert!(seen.contains(&crate::rpc::cmd::LOAD_TA));
        assert_eq!((loads.loads.get(), loads.live.get()), (1, 1));
        assert_eq!(w.k.threads().in_use, 0);
        // The session reaches the loaded instance.
        let r = w.call(CMD_INVOKE_COMMAND, s, 0, &[value(2, 0, 0)]);
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(w.decoded().params[0].a, 1);
        // Not single-instance: a second session loads a second instance.
        let (ans, s2, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!((loads.loads.get(), loads.live.get()), (2, 2));
        let r = w.call(CMD_INVOKE_COMMAND, s2, 0, &[value(2, 0, 0)]);
        assert_eq!((r.0, w.decoded().params[0].a), (result::SUCCESS, 2));
        // The status lists both instances with their sessions.
        let status = w.k.status_text();
        let listed: Vec<&str> = status
            .lines()
            .filter(|l| l.starts_with("instance "))
            .collect();
        let uuid = oxtee_core::Uuid(SIGNED_UUID);
        assert_eq!(
            listed,
            [
                std::format!("instance {FIRST_TA} {uuid} memory 0 sessions 1"),
                std::format!("instance {} {uuid} memory 0 sessions 1", FIRST_TA + 1)
            ],
            "{status}"
        );
        // Each instance goes with its last session.
        assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        assert_eq!(loads.live.get(), 1);
        assert_eq!(w.call(CMD_CLOSE_SESSION, s2, 0, &[]).0, result::SUCCESS);
        assert_eq!(loads.live.get(), 0);
        assert_eq!(w.k.sessions(), 0);
        // An open the TA refuses leaves nothing either.
        let (ans, s, _, _) = open_ta(&mut w, SIGNED_UUID, LOGIN_GROUP);
        assert_eq!(ans, (oxtee_gp::TEE_ERROR_ACCESS_DENIED, ORIGIN_TRUSTED_APP));
        assert_eq!((s, w.k.sessions(), loads.live.get()), (0, 0, 0));
    }

    #[test]
    fn an_open_entry_point_may_wait_for_the_normal_world() {
        use crate::rpc::cmd::{LOAD_TA, SUSPEND};
        let single = oxtee_gp::TA_FLAG_SINGLE_INSTANCE | oxtee_gp::TA_FLAG_MULTI_SESSION;
        let (mut w, loads) = loading_world(single, SIGNED);
        // Loaded, then its open entry point sleeps: one call, one thread.
        let (ans, s1, a, seen) = open_ta(&mut w, SIGNED_UUID, LOGIN_USER_APPLICATION);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(a, 141, "the waiting open gave its parameter back");
        assert!(
            seen.contains(&LOAD_TA) && seen.contains(&SUSPEND),
            "{seen:?}"
        );
        assert_eq!(w.k.threads().in_use, 0);
        let r = w.call(CMD_INVOKE_COMMAND, s1, 0, &[value(2, 0, 0)]);
        assert_eq!(r, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        // The running instance: only the sleep.
        let (ans, s2, _, seen) = open_ta(&mut w, SIGNED_UUID, LOGIN_USER_APPLICATION);
        assert_eq!((ans.0, seen), (result::SUCCESS, vec![SUSPEND]));
        assert_ne!(s2, s1);
        // A waiting open the TA refuses, and one the TEE refuses: no
        // session either way, the instance stays for its sessions.
        let (ans, s, a, _) = open_ta(&mut w, SIGNED_UUID, LOGIN_GROUP_APPLICATION);
        assert_eq!(ans, (oxtee_gp::TEE_ERROR_ACCESS_DENIED, ORIGIN_TRUSTED_APP));
        assert_eq!(
            (s, a),
            (0, 141),
            "a refusal's outputs still reach the client"
        );
        let (ans, s, _, _) = open_ta(&mut w, SIGNED_UUID, LOGIN_APPLICATION);
        assert_eq!((ans, s), ((oxtee_gp::TEE_ERROR_BUSY, ORIGIN_TEE), 0));
        assert_eq!((w.k.sessions(), loads.live.get()), (2, 1));
        // A close entry point that waits: its thread, then the answer;
        // the instance stays for its other session.
        let a = MsgArg {
            cmd: CMD_CLOSE_SESSION,
            session: s1,
            ..Default::default()
        };
        let out = w.start(0x200, a);
        let (ans, seen) = w.serve(0x200, 0, out);
        assert_eq!((ans, seen), ((result::SUCCESS, ORIGIN_TEE), vec![SUSPEND]));
        assert_eq!(loads.closes_waited.get(), 1);
        assert_eq!(
            (w.k.sessions(), loads.live.get(), w.k.threads().in_use),
            (1, 1, 0)
        );
        // (Without room for an RPC, the close's wait fails; it ends.)
        assert_eq!(w.call(CMD_CLOSE_SESSION, s2, 0, &[]).0, result::SUCCESS);
        assert_eq!((w.k.sessions(), loads.live.get()), (0, 0));
        // A fresh load whose waiting open is refused leaves nothing.
        let (ans, _, _, _) = open_ta(&mut w, SIGNED_UUID, LOGIN_GROUP_APPLICATION);
        assert_eq!(ans.0, oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        assert_eq!(
            (w.k.sessions(), loads.live.get(), w.k.threads().in_use),
            (0, 0, 0)
        );
    }

    #[test]
    fn a_user_ta_calls_another_ta() {
        use crate::rpc::cmd::LOAD_TA;
        let (mut w, loads) = loading_world(0, SIGNED);
        let (ans, s, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        let ta2ta = |w: &mut World, cmd: u32, keep: u64| {
            let out = w.invoke_at(0x200, s, cmd, 0, &[value(3, keep, 0)]);
            let (ans, seen) = w.serve(0x200, 1, out);
            let p = answer_at(w, 0x200).params[0];
            (ans, (p.a as u32, p.b as u32), seen)
        };
        // The callee (a second instance of the TA: not single-instance) is
        // fetched through the caller's thread, opened with the caller's
        // identity, invoked, and closed when the caller closes it.
        let (ans, got, seen) = ta2ta(&mut w, 20, 0);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(got, (result::SUCCESS, 2), "the callee's serial");
        assert!(seen.contains(&LOAD_TA));
        assert_eq!(loads.last_login.get(), oxtee_gp::LOGIN_TRUSTED_APP);
        assert_eq!((loads.loads.get(), loads.live.get()), (2, 1), "closed");
        assert_eq!((w.k.sessions(), w.k.threads().in_use), (1, 0));
        // A close the caller makes now (TEE_CloseTASession): the callee's
        // close entry point runs on the caller's thread, may wait for the
        // normal world there, and the callee is gone when it returns.
        let (ans, got, seen) = ta2ta(&mut w, 20, 2);
        assert_eq!(ans, (result::SUCCESS, ORIGIN_TRUSTED_APP));
        assert_eq!(got, (result::SUCCESS, 1), "only the caller lives");
        assert_eq!(seen.last(), Some(&crate::rpc::cmd::SUSPEND), "{seen:?}");
        assert_eq!(loads.closes_waited.get(), 1);
        assert_eq!((loads.loads.get(), loads.live.get()), (3, 1));
        assert_eq!((w.k.sessions(), w.k.threads().in_use), (1, 0));
        // A callee that dies: TARGET_DEAD from the TEE; the caller goes on.
        let (ans, got, _) = ta2ta(&mut w, 21, 0);
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!(got, (oxtee_gp::TEE_ERROR_TARGET_DEAD, 0));
        assert_eq!(loads.live.get(), 1, "the dead callee is gone");
        // Sessions the caller keeps go when the caller goes.
        let (ans, got, _) = ta2ta(&mut w, 20, 1);
        assert_eq!((ans.0, got.0), (result::SUCCESS, result::SUCCESS));
        assert_eq!((w.k.sessions(), loads.live.get()), (2, 2));
        assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        assert_eq!((w.k.sessions(), loads.live.get()), (0, 0));
        // A single-instance TA calling itself: BUSY, no hang.
        let single = oxtee_gp::TA_FLAG_SINGLE_INSTANCE | oxtee_gp::TA_FLAG_MULTI_SESSION;
        let (mut w, _) = loading_world(single, SIGNED);
        let (ans, s, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        let out = w.invoke_at(0x200, s, 20, 0, &[value(3, 0, 0)]);
        let (ans, _) = w.serve(0x200, 1, out);
        let p = answer_at(&w, 0x200).params[0];
        assert_eq!(ans.0, result::SUCCESS);
        assert_eq!(
            (p.a as u32, p.b as u32),
            (TEE_SUCCESS, 1),
            "itself, a plain session"
        );
        let _ = w;
    }

    #[test]
    fn a_single_instance_ta_is_loaded_once() {
        let single = oxtee_gp::TA_FLAG_SINGLE_INSTANCE | oxtee_gp::TA_FLAG_MULTI_SESSION;
        let (mut w, loads) = loading_world(single, SIGNED);
        let (ans, s1, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        // The second session joins it without asking the normal world.
        let (ans, s2, _, seen) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        assert!(seen.is_empty(), "no RPC: {seen:?}");
        assert_eq!((loads.loads.get(), loads.live.get()), (1, 1));
        for s in [s1, s2] {
            let r = w.call(CMD_INVOKE_COMMAND, s, 0, &[value(2, 0, 0)]);
            assert_eq!((r.0, w.decoded().params[0].a), (result::SUCCESS, 1));
        }
        w.call(CMD_CLOSE_SESSION, s1, 0, &[]);
        assert_eq!(loads.live.get(), 1);
        w.call(CMD_CLOSE_SESSION, s2, 0, &[]);
        assert_eq!(loads.live.get(), 0);
        // Without multi-session, a second session is BUSY while the
        // first is open.
        let (mut w, _) = loading_world(oxtee_gp::TA_FLAG_SINGLE_INSTANCE, SIGNED);
        assert_eq!(open_ta(&mut w, SIGNED_UUID, 0).0.0, result::SUCCESS);
        assert_eq!(
            open_ta(&mut w, SIGNED_UUID, 0).0,
            (TEE_ERROR_BUSY, ORIGIN_TEE)
        );
        assert_eq!(w.k.sessions(), 1);
    }

    /// A user TA instance that dies answers TARGET_DEAD (origin TEE) to
    /// its call and every later one; its sessions close without running it;
    /// it goes when they are closed, and the next session loads it afresh
    /// (a dead single instance is never joined).
    #[test]
    fn a_dead_instance_answers_target_dead_and_is_replaced() {
        let single = oxtee_gp::TA_FLAG_SINGLE_INSTANCE | oxtee_gp::TA_FLAG_MULTI_SESSION;
        let (mut w, loads) = loading_world(single, SIGNED);
        let (_, s1, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let (_, s2, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let dead = (TEE_ERROR_TARGET_DEAD, ORIGIN_TEE);
        assert_eq!(w.call(CMD_INVOKE_COMMAND, s1, 9, &[value(2, 0, 0)]), dead);
        assert_eq!(w.call(CMD_INVOKE_COMMAND, s2, 0, &[value(2, 0, 0)]), dead);
        // One that dies while its call waits for the normal world (in its
        // task) is dead the same way.
        let (_, s4, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let (_, s5, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let out = w.invoke_at(0x200, s4, 10, 0, &[value(2, 0, 0)]);
        let (ans, seen) = w.serve(0x200, 1, out);
        assert_eq!((ans, seen), (dead, vec![crate::rpc::cmd::SUSPEND]));
        assert_eq!(w.call(CMD_INVOKE_COMMAND, s5, 0, &[value(2, 0, 0)]), dead);
        assert_eq!(loads.live.get(), 2);
        for s in [s4, s5] {
            assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        }
        assert_eq!(loads.live.get(), 1, "freed with its last session");
        // A new session does not join the dead instance: a fresh load.
        let (ans, s3, _, seen) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans.0, result::SUCCESS);
        assert!(seen.contains(&crate::rpc::cmd::LOAD_TA));
        let r = w.call(CMD_INVOKE_COMMAND, s3, 0, &[value(2, 0, 0)]);
        assert_eq!((r.0, w.decoded().params[0].a), (result::SUCCESS, 3));
        assert_eq!(loads.live.get(), 2);
        // Closing the dead one's sessions frees it.
        for s in [s1, s2] {
            assert_eq!(w.call(CMD_CLOSE_SESSION, s, 0, &[]).0, result::SUCCESS);
        }
        assert_eq!(loads.live.get(), 1);
        assert_eq!(w.call(CMD_CLOSE_SESSION, s3, 0, &[]).0, result::SUCCESS);
        assert_eq!((loads.live.get(), w.k.sessions()), (0, 0));
    }

    /// A preempted call gives the normal world its interrupt with
    /// `RETURN_RPC_FOREIGN_INTR` (no RPC argument written) and goes on
    /// when resumed; resuming another thread, or one that does not wait,
    /// changes nothing.
    #[test]
    fn a_preempted_call_yields_for_foreign_interrupts() {
        let (mut w, _) = loading_world(0, SIGNED);
        let (_, s, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let before = w.nw.mem.clone();
        let mut out = w.invoke_at(0x200, s, 11, 0, &[value(2, 0, 0)]);
        for _ in 0..2 {
            assert_eq!(out[0], crate::optee::RETURN_RPC_FOREIGN_INTR);
            let slot = out[3];
            assert_eq!(w.k.threads().in_use, 1);
            // Nothing was written for the normal world to serve.
            let rpc = rpc_off(0x200, 1);
            let end = rpc + arg_size(RPC_PARAMS as usize);
            assert_eq!(w.nw.mem[rpc..end], before[rpc..end]);
            assert_eq!(w.resume(slot + 1)[0], crate::optee::RETURN_ERESUME);
            out = w.resume(slot);
        }
        assert_eq!(out[0], RETURN_OK);
        assert_eq!(w.nw.answer(0x200).0, result::SUCCESS);
        assert_eq!(w.resume(out[3])[0], crate::optee::RETURN_ERESUME);
        assert_eq!(w.k.threads().in_use, 0);
    }

    #[test]
    fn a_call_the_tee_refuses_comes_from_the_tee_and_returns_nothing() {
        let (mut w, _) = loading_world(0, SIGNED);
        let (_, s, _, _) = open_ta(&mut w, SIGNED_UUID, 0);
        let out = w.invoke_at(0x200, s, 12, 0, &[value(2, 7, 7)]);
        assert_eq!(out[0], RETURN_OK);
        assert_eq!(
            w.nw.answer(0x200),
            (oxtee_gp::TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE)
        );
        let p = answer_at(&w, 0x200).params[0];
        assert_eq!((p.a, p.b), (7, 7));
        // The session goes on.
        w.invoke_at(0x200, s, 0, 0, &[value(2, 0, 0)]);
        assert_eq!(w.nw.answer(0x200), (result::SUCCESS, ORIGIN_TRUSTED_APP));
    }

    /// What the normal world serves is never trusted: a missing image, a
    /// changed byte, another TA's image under this UUID; none is loaded
    /// and no session or thread is left behind.
    #[test]
    fn user_tas_that_do_not_verify_are_not_loaded() {
        let mut changed = SIGNED.to_vec();
        let last = changed.len() - 100;
        changed[last] ^= 0x40;
        let mut other = SIGNED_UUID;
        other[15] ^= 1;
        for (image, uuid, want) in [
            (&[][..], SIGNED_UUID, TEE_ERROR_ITEM_NOT_FOUND),
            (&changed[..], SIGNED_UUID, TEE_ERROR_SECURITY),
            (SIGNED, other, TEE_ERROR_SECURITY),
        ] {
            let (mut w, loads) = loading_world(0, image);
            let (ans, s, _, seen) = open_ta(&mut w, uuid, 0);
            assert_eq!(ans, (want, ORIGIN_TEE));
            assert!(seen.contains(&crate::rpc::cmd::LOAD_TA));
            assert_eq!((s, w.k.sessions(), loads.loads.get()), (0, 0, 0));
            assert_eq!(w.k.threads().in_use, 0);
        }
        // Without a loader, an unknown UUID is answered at once.
        let mut w = World::new();
        w.image = SIGNED.to_vec();
        let (ans, _, _, seen) = open_ta(&mut w, SIGNED_UUID, 0);
        assert_eq!(ans, (TEE_ERROR_ITEM_NOT_FOUND, ORIGIN_TEE));
        assert!(seen.is_empty());
    }

    #[test]
    fn a_cancellation_that_overtakes_its_call_cancels_it_when_it_starts() {
        let mut w = World::new();
        let s = w.open();
        let cancel = |w: &mut World, session, id| {
            let c = MsgArg {
                cmd: CMD_CANCEL,
                session,
                cancel_id: id,
                ..Default::default()
            };
            assert_eq!(w.start(0xC00, c)[0], RETURN_OK);
            w.nw.answer(0xC00)
        };
        // Before the call (its INVOKE waiting for a thread, say).
        assert_eq!(cancel(&mut w, s, 9), (result::SUCCESS, ORIGIN_TEE));
        let out = w.invoke_at(0x200, s, test_cmd::SLEEP, 9, &[value(1, 1000, 0)]);
        let (ans, seen) = w.serve(0x200, 1, out);
        assert_eq!(ans, (oxtee_gp::TEE_ERROR_CANCEL, ORIGIN_TRUSTED_APP));
        assert!(seen.is_empty(), "it never slept");
        // Consumed: the next call with that id runs.
        let out = w.invoke_at(0x200, s, test_cmd::SLEEP, 9, &[value(1, 10, 0)]);
        let (ans, _) = w.serve(0x200, 1, out);
        assert_eq!(ans.0, result::SUCCESS);
        // Nothing is remembered for a session that does not exist; early
        // cancellations are bounded.
        assert_eq!(cancel(&mut w, s + 100, 1).0, result::SUCCESS);
        assert!(w.k.cancels.is_empty());
        for id in 0..1000 {
            cancel(&mut w, s, 1000 + id);
        }
        assert!(w.k.cancels.len() <= EARLY_CANCELS);
    }
}
