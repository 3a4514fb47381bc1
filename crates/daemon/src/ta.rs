//! TA instances: one sandboxed process each, driven over a SEQPACKET
//! channel. An instance's entry points never run concurrently: every call
//! holds the instance's link lock from request to reply.
//!
//! Everything a TA process sends is checked: an undecodable reply, a reply
//! of the wrong kind, or silence after the client vanished gets the process
//! killed and its sessions answered with TEE_ERROR_TARGET_DEAD.

use crate::LockExt;
use crate::config::Limits;
use crate::spawn::{SpawnRequest, Spawner, UidLease};
use crate::store::LoadedTa;
use oxtee_core::codes::*;
use oxtee_core::params::Checked;
use oxtee_proto::{
    CoreToTa, Identity, OutParam, OutParams, Owner, Property, Region, TaCall, TaOp, TaParam,
    TaProps, TaReply, Uuid, control, decode, encode,
};
use oxtee_sys::{Channel, Mapping};
use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Largest call buffer a TA may ask for (TA-to-TA memrefs).
pub const MAX_CALL_BUFFER: u64 = 256 << 20;

/// Bounce memory kept resident between calls; beyond it the pages a call
/// used are given back when it ends (a sparse staging buffer must not
/// leave the core holding its size in real memory).
const BOUNCE_KEEP: u64 = 1 << 20;

/// The bytes a call's temporary memrefs take in the bounce buffer.
pub fn staged_bytes(params: &[Checked; 4]) -> u64 {
    params
        .iter()
        .map(|p| match p {
            Checked::Staged {
                size, null: false, ..
            } => align8(*size),
            _ => 0,
        })
        .sum()
}

/// Carries out TA-to-TA requests a TA makes in the middle of an entry
/// point (implemented by the server, which owns sessions and instances).
pub trait Nested {
    /// Run `call` for `caller`; `buf` is the caller's call buffer. Returns
    /// the `CallDone` answer.
    /// `watch` is the caller's client connection, if any (see
    /// [`ClientMem::watch`]).
    fn nested(
        &self,
        caller: &Instance,
        call: TaCall,
        buf: Option<&Mapping>,
        watch: Option<&Channel>,
    ) -> CoreToTa;
}

/// Who holds which instance, and who waits for which: TA-to-TA calls that
/// would close a cycle (and so deadlock) are refused with TEE_ERROR_BUSY.
#[derive(Default)]
struct LockGraph {
    holder: HashMap<u64, ThreadId>,
    waiting: HashMap<ThreadId, u64>,
    /// A thread serving an instance's own request in the middle of a
    /// direct call (the instance makes no progress until it is done).
    serving: HashMap<u64, ThreadId>,
    /// The instances a thread holds, innermost last: it waits for the
    /// last one's answer (or is about to).
    exchanging: HashMap<ThreadId, Vec<u64>>,
}

impl LockGraph {
    /// Whether `me` waiting for instance `start` would close a cycle:
    /// follow who keeps each instance busy (the thread serving its direct
    /// call's request, else the lock holder) and what that thread waits
    /// for (a lock, or an answer).
    fn would_deadlock(&self, start: u64, me: ThreadId) -> bool {
        let mut cur = start;
        for _ in 0..10_000 {
            let Some(t) = self.serving.get(&cur).or_else(|| self.holder.get(&cur)) else {
                return false;
            };
            if *t == me {
                return true;
            }
            let held = self.exchanging.get(t).and_then(|v| v.last());
            match self.waiting.get(t).or(held) {
                Some(next) if *next != cur => cur = *next,
                _ => return false,
            }
        }
        false
    }
}

/// Registers, while alive, that this thread serves an instance's own
/// request in the middle of a direct call (see [`LockGraph`]).
struct ServingMark {
    inst: u64,
}

impl ServingMark {
    fn new(inst: u64) -> ServingMark {
        let me = std::thread::current().id();
        let mut g = LOCKS.locked();
        g.get_or_insert_with(LockGraph::default)
            .serving
            .insert(inst, me);
        ServingMark { inst }
    }
}

impl Drop for ServingMark {
    fn drop(&mut self) {
        if let Some(g) = LOCKS.locked().as_mut() {
            g.serving.remove(&self.inst);
        }
    }
}

static LOCKS: Mutex<Option<LockGraph>> = Mutex::new(None);

/// The locked link of an instance; unregisters the holder on drop.
struct LinkGuard<'a> {
    guard: MutexGuard<'a, Link>,
    id: u64,
}

impl std::ops::Deref for LinkGuard<'_> {
    type Target = Link;
    fn deref(&self) -> &Link {
        &self.guard
    }
}

impl std::ops::DerefMut for LinkGuard<'_> {
    fn deref_mut(&mut self) -> &mut Link {
        &mut self.guard
    }
}

impl Drop for LinkGuard<'_> {
    fn drop(&mut self) {
        if let Some(g) = LOCKS.locked().as_mut() {
            g.holder.remove(&self.id);
            let me = std::thread::current().id();
            if let Some(v) = g.exchanging.get_mut(&me) {
                if let Some(at) = v.iter().rposition(|i| *i == self.id) {
                    v.remove(at);
                }
                if v.is_empty() {
                    g.exchanging.remove(&me);
                }
            }
        }
    }
}

static INSTANCE_IDS: AtomicU64 = AtomicU64::new(1);

/// A registered shared memory object (client-allocated, sealed memfd).
#[derive(Debug)]
pub struct Shm {
    pub id: u32,
    pub fd: OwnedFd,
    pub size: u64,
    pub flags: u32,
}

/// What a call asks the TA to do.
#[derive(Clone, Copy)]
pub enum Call {
    Open { session: u32, client: Identity },
    Invoke { session: u32, command: u32 },
    Close { session: u32 },
}

/// The normal-world side of a call's memory: the client's staging buffer
/// and its registered shared memory.
pub struct ClientMem<'a> {
    pub staging: Option<&'a Mapping>,
    /// The client context (its shared memory is mapped as its own).
    pub context: u32,
    /// The staging buffer may be mapped into the TA under this id (a
    /// session's own buffer): temporary memrefs then point into it, with
    /// no bounce copy.
    pub direct: Option<(u32, std::os::fd::BorrowedFd<'a>)>,
    pub shm: &'a dyn Fn(u32) -> Option<Arc<Shm>>,
    /// The client's connection: if it hangs up mid-call the TA is asked to
    /// cancel, and killed after the grace period.
    pub watch: Option<&'a Channel>,
    pub grace: Duration,
    /// A bound on the whole call (for entry points run without a client
    /// waiting, such as closing the sessions of a vanished client).
    pub limit: Option<Duration>,
    /// Raise the TA's cancellation flag after this long (TA-to-TA
    /// cancellationRequestTimeout).
    pub cancel_after: Option<Duration>,
    /// Where the TA's own TA-to-TA requests go.
    pub nested: Option<&'a dyn Nested>,
}

impl ClientMem<'_> {
    /// No client memory, no client to watch (core-initiated entry points).
    pub fn none<'a>(nested: Option<&'a dyn Nested>, limit: Option<Duration>) -> ClientMem<'a> {
        ClientMem {
            staging: None,
            context: 0,
            direct: None,
            shm: &|_| None,
            watch: None,
            grace: Duration::ZERO,
            limit,
            cancel_after: None,
            nested,
        }
    }
}

/// How often a waiting call checks that its client is still there.
pub const WATCH_INTERVAL: Duration = Duration::from_millis(100);

struct Link {
    ch: Channel,
    bounce: Option<(OwnedFd, Mapping)>,
    mapped: HashSet<u32>,
    /// The receive buffer for the TA's messages, kept across calls: as
    /// large as any message a TA can encode (`oxtee_proto::encode` refuses
    /// more; a persistent object made from an RSA-4096 key carries its
    /// attributes inline). Longer is a protocol violation.
    buf: Vec<u8>,
}

pub struct Instance {
    /// Unique in the core (lock bookkeeping, TA-to-TA session ownership).
    pub id: u64,
    pub uuid: Uuid,
    pub props: TaProps,
    /// Its verified image (its identity: what its sealing keys are bound
    /// to; and its signed digest), and the digest of the code it maps.
    pub image: oxtee_core::pta::attestation::TaImage,
    pub elf_digest: [u8; 32],
    pub pid: i32,
    link: Mutex<Link>,
    /// The TA's buffer for the memrefs of its own TA-to-TA calls.
    callbuf: Mutex<Option<(OwnedFd, Mapping)>>,
    /// Its direct channels (see [`DirectState`]).
    pub direct: Mutex<DirectState>,
    control: Mapping,
    dead: AtomicBool,
    /// Sequence number of the call in flight (for cancellation).
    current: AtomicU64,
    unmaps: Mutex<Vec<u32>>,
    reaped: Mutex<bool>,
    /// The instance this one is calling (TA-to-TA) and that call's
    /// sequence number, so that cancellation propagates.
    pub callee: Mutex<Option<(Weak<Instance>, u64)>>,
    /// The process's own uid (core running as root); given back to the
    /// pool when the instance is dropped, after the process was reaped.
    pub uid: Option<UidLease>,
    /// What it is charged in the secure memory budget; given back when
    /// the process is killed.
    pub charge: Mutex<Option<crate::budget::Charge>>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Instance({} pid {})", self.uuid, self.pid)
    }
}

fn dead() -> TeeError {
    TeeError::tee(TEE_ERROR_TARGET_DEAD)
}

fn align8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

static SEQ: AtomicU64 = AtomicU64::new(1);

/// Log lines a TA may write in a burst, and per second after it.
const LOG_BURST: f64 = 200.0;
const LOG_PER_SEC: f64 = 50.0;

/// A TA's text as it may appear in the core's log: control characters
/// (terminal escapes, carriage returns) escaped, so a TA line cannot
/// rewrite or imitate the lines around it.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Turn a TA's stdout/stderr (trace lines "E/TA <uuid>: ...") into log
/// events of the core, until the TA exits. A TA is not the core: its lines
/// carry target `ta` and its UUID, never rise above WARN (its own errors
/// are not the secure world's), are sanitised, and are rate-limited.
fn forward_log(uuid: Uuid, r: OwnedFd) {
    use std::io::{BufRead, Read};
    let spawned = std::thread::Builder::new()
        .name("oxtee-ta-log".into())
        .spawn(move || {
            let mut reader = std::io::BufReader::new(std::fs::File::from(r));
            let mut line = Vec::new();
            let mut tokens = LOG_BURST;
            let mut last = Instant::now();
            let mut dropped = 0u64;
            loop {
                line.clear();
                // Bounded lines: a TA cannot make the core buffer without limit.
                match std::io::Read::by_ref(&mut reader)
                    .take(4096)
                    .read_until(b'\n', &mut line)
                {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                let now = Instant::now();
                tokens = (tokens + now.duration_since(last).as_secs_f64() * LOG_PER_SEC)
                    .min(LOG_BURST);
                last = now;
                if tokens < 1.0 {
                    dropped += 1;
                    continue;
                }
                tokens -= 1.0;
                if dropped > 0 {
                    tracing::warn!(target: "ta", %uuid, "{dropped} log lines of this TA suppressed (rate limit)");
                    dropped = 0;
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\n', '\r']);
                let (level, msg) = match text.split_once(": ") {
                    Some((head, msg)) if head.len() > 2 && head.as_bytes()[1] == b'/' => {
                        (head.as_bytes()[0], msg)
                    }
                    _ => (b'I', text),
                };
                let msg = sanitize(msg);
                match level {
                    b'E' => tracing::warn!(target: "ta", %uuid, ta_level = "E", "{msg}"),
                    b'D' => tracing::debug!(target: "ta", %uuid, "{msg}"),
                    b'F' => tracing::trace!(target: "ta", %uuid, "{msg}"),
                    _ => tracing::info!(target: "ta", %uuid, "{msg}"),
                }
            }
            if dropped > 0 {
                tracing::warn!(target: "ta", %uuid, "{dropped} log lines of this TA suppressed (rate limit)");
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start a TA log thread: {e}");
    }
}

impl Instance {
    /// Start a sandboxed process for `ta`, not yet created: it waits for
    /// `Create` (see [`Instance::create`]).
    pub fn spawn(
        spawner: &Spawner,
        ta: &LoadedTa,
        limits: &Limits,
        uid: Option<UidLease>,
    ) -> Result<Arc<Instance>, TeeError> {
        let oom = |_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY);
        let (core_end, ta_end) = Channel::pair().map_err(oom)?;
        core_end
            .set_recv_timeout(Some(WATCH_INTERVAL))
            .map_err(oom)?;
        let ctl_fd = oxtee_sys::memfd("oxtee-control", control::SIZE as u64, true).map_err(oom)?;
        let control = Mapping::map(ctl_fd.as_fd(), control::SIZE).map_err(oom)?;
        let exec = ta.exec.try_clone().map_err(oom)?;
        let (log_r, log_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
        forward_log(ta.props.uuid, log_r);
        let data_limit = ta.props.data_size as u64 + limits.ta_heap_overhead;
        let stack_limit = ta.props.stack_size as u64 + limits.ta_stack_overhead;
        // Everything the TA can map: its heap and stack, the client's
        // shared memory and temporary memrefs, its call buffer, its image.
        let as_limit = data_limit
            .saturating_add(stack_limit)
            .saturating_add(limits.max_shm_per_context)
            .saturating_add(limits.max_staging.next_power_of_two())
            .saturating_add(MAX_CALL_BUFFER)
            .saturating_add(limits.ta_address_space_overhead);
        let req = SpawnRequest {
            name: format!("oxtee-ta:{}", ta.props.uuid),
            channel: OwnedFd::from(ta_end),
            control: ctl_fd,
            exec,
            log: log_w,
            data_limit,
            stack_limit,
            as_limit,
            uid: uid.as_ref().map(|l| l.uid),
        };
        let pid = spawner.spawn(req).map_err(|e| {
            tracing::error!("cannot start TA process: {e}");
            TeeError::tee(TEE_ERROR_OUT_OF_MEMORY)
        })?;
        tracing::debug!(uuid = %ta.props.uuid, pid, "started TA process");
        let inst = Arc::new(Instance {
            uuid: ta.props.uuid,
            props: ta.props.clone(),
            image: ta.image(),
            elf_digest: ta.elf_digest,
            pid,
            id: INSTANCE_IDS.fetch_add(1, Ordering::Relaxed),
            link: Mutex::new(Link {
                ch: core_end,
                bounce: None,
                mapped: HashSet::new(),
                buf: vec![0u8; oxtee_proto::MAX_MESSAGE],
            }),
            callbuf: Mutex::new(None),
            direct: Mutex::new(DirectState::default()),
            control,
            dead: AtomicBool::new(false),
            current: AtomicU64::new(0),
            unmaps: Mutex::new(Vec::new()),
            reaped: Mutex::new(false),
            callee: Mutex::new(None),
            uid,
            charge: Mutex::new(None),
        });
        // First thing the process reads: the library TAs it may use (it
        // maps them before its sandbox forbids new executable mappings).
        let sent = {
            let link = inst.lock_link()?;
            let mut ok = true;
            for (lib, linked) in &ta.libs {
                let msg = CoreToTa::Library {
                    uuid: lib.uuid,
                    size: lib.size,
                    linked: *linked,
                };
                ok &= encode(&msg)
                    .ok()
                    .is_some_and(|b| link.ch.send(&b, &[lib.exec.as_fd()]).is_ok());
            }
            ok && encode(&CoreToTa::LibrariesDone)
                .ok()
                .is_some_and(|b| link.ch.send(&b, &[]).is_ok())
        };
        if !sent {
            tracing::error!(uuid = %ta.props.uuid, "cannot hand the TA process its libraries");
            inst.kill();
            return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
        }
        Ok(inst)
    }

    /// Run TA_CreateEntryPoint. If the client behind `watch` vanishes
    /// meanwhile, the TA is killed after `grace` (a create entry point that
    /// never returns cannot hold up the core). On failure the process is
    /// gone.
    pub fn create(&self, tee: &[Property], mem: &ClientMem<'_>) -> Result<(), TeeError> {
        let r = {
            let mut link = self.lock_link()?;
            // The extra properties travel once, in `ta` (the message's
            // worst case is bounded by proto::limits).
            let req = CoreToTa::Create {
                props: TaProps {
                    ext: Vec::new(),
                    ..self.props.clone()
                },
                ta: oxtee_core::props::current_ta(&self.props),
                tee: tee.to_vec(),
            };
            self.exchange(&mut link, &req, mem)
        };
        match r {
            Ok((TEE_SUCCESS, _)) => Ok(()),
            Ok((result, _)) => {
                self.kill();
                Err(TeeError::ta(result))
            }
            Err(e) => {
                self.kill();
                Err(e)
            }
        }
    }

    /// Lock the instance for one entry point. Refused with TEE_ERROR_BUSY
    /// when waiting would deadlock: this thread already holds it, or the
    /// thread holding it waits (transitively) for an instance this thread
    /// holds (a TA-to-TA call cycle).
    fn lock_link(&self) -> Result<LinkGuard<'_>, TeeError> {
        let me = std::thread::current().id();
        {
            let mut g = LOCKS.locked();
            let g = g.get_or_insert_with(LockGraph::default);
            if g.would_deadlock(self.id, me) {
                return Err(TeeError::tee(TEE_ERROR_BUSY));
            }
            g.waiting.insert(me, self.id);
        }
        let guard = self.link.locked();
        let mut g = LOCKS.locked();
        let g = g.get_or_insert_with(LockGraph::default);
        g.waiting.remove(&me);
        g.holder.insert(self.id, me);
        g.exchanging.entry(me).or_default().push(self.id);
        Ok(LinkGuard { guard, id: self.id })
    }

    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// Ask the TA to notice cancellation of call `seq` (if still running),
    /// and pass it on to the TA it is calling, if any.
    pub fn cancel(&self, seq: u64) {
        if self.current.load(Ordering::Acquire) == seq {
            self.raise_cancel();
        }
    }

    /// Raise the cancellation flag of the call running, and pass it on to
    /// the TA-to-TA call it makes.
    fn raise_cancel(&self) {
        self.control.store_u32(control::CANCEL_FLAG, 1);
        let callee = self.callee.locked().clone();
        if let Some((c, cseq)) = callee {
            if let Some(c) = c.upgrade() {
                c.cancel(cseq);
            }
        }
    }

    /// Whether the call in flight has been asked to cancel.
    pub fn cancel_requested(&self) -> bool {
        self.control.load_u32(control::CANCEL_FLAG) != 0
    }

    /// Forget shared memory object `id` (sent before the next call).
    pub fn queue_unmap(&self, id: u32) {
        self.unmaps.locked().push(id);
    }

    /// Kill the process (if alive) and reap it.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::Release);
        self.charge.locked().take();
        let mut reaped = self.reaped.locked();
        if !*reaped {
            let pid = nix::unistd::Pid::from_raw(self.pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            match nix::sys::wait::waitpid(pid, None) {
                Ok(nix::sys::wait::WaitStatus::Signaled(_, sig, _))
                    if sig != nix::sys::signal::Signal::SIGKILL =>
                {
                    tracing::warn!(uuid = %self.uuid, pid = self.pid, "TA process killed by {sig:?}{}", if sig == nix::sys::signal::Signal::SIGSYS { " (sandbox violation)" } else { "" })
                }
                Ok(nix::sys::wait::WaitStatus::Exited(_, code)) if code != 0 => {
                    tracing::warn!(uuid = %self.uuid, pid = self.pid, "TA process exited with status {code}")
                }
                _ => {}
            }
            *reaped = true;
        }
    }

    /// Charge `bytes` more of secure memory to this instance (false: the
    /// budget has no room; an instance without a charge is not budgeted).
    fn charge_more(&self, bytes: u64) -> bool {
        self.charge.locked().as_mut().is_none_or(|c| c.grow(bytes))
    }

    /// Give back what [`Instance::charge_more`] took for a buffer that
    /// could not be made.
    fn charge_less(&self, bytes: u64) {
        if let Some(c) = self.charge.locked().as_mut() {
            c.shrink(bytes);
        }
    }

    /// Tell the TA runtime whether the secure world is traced (its
    /// direct calls then go through the core: see `control::TRACE`).
    pub fn set_traced(&self, on: bool) {
        self.control.store_u32(control::TRACE, u32::from(on));
    }

    /// Run TA_DestroyEntryPoint and let the process exit.
    pub fn destroy(&self, nested: Option<&dyn Nested>) {
        if !self.is_dead() {
            if let Ok(mut link) = self.lock_link() {
                let mem = ClientMem::none(nested, Some(Duration::from_secs(2)));
                let _ = self.exchange(&mut link, &CoreToTa::Destroy, &mem);
            }
        }
        self.kill();
    }

    /// Send one request and see it through to the TA's answer, serving
    /// the TA's own requests (TA-to-TA calls, call buffer) meanwhile.
    fn exchange(
        &self,
        link: &mut Link,
        req: &CoreToTa,
        mem: &ClientMem<'_>,
    ) -> Result<(u32, OutParams), TeeError> {
        let span = crate::trace::call(|| Some(self.entry_crossing(req)));
        let r = self.exchange_untraced(link, req, mem);
        if let Some(span) = span {
            match &r {
                Ok((result, _)) => span.ret(*result, Some(ORIGIN_TRUSTED_APP)),
                Err(e) => span.ret(e.code, Some(e.origin)),
            }
        }
        r
    }

    /// The trace of the core calling one of this TA's entry points.
    fn entry_crossing(&self, req: &CoreToTa) -> crate::trace::Crossing {
        let (name, session, cmd) = match req {
            CoreToTa::Create { .. } => ("TA_CreateEntryPoint", None, None),
            CoreToTa::OpenSession { session, .. } => {
                ("TA_OpenSessionEntryPoint", Some(*session), None)
            }
            CoreToTa::Invoke {
                session, command, ..
            } => ("TA_InvokeCommandEntryPoint", Some(*session), Some(*command)),
            CoreToTa::CloseSession { session } => {
                ("TA_CloseSessionEntryPoint", Some(*session), None)
            }
            CoreToTa::Destroy => ("TA_DestroyEntryPoint", None, None),
            _ => ("(core message)", None, None),
        };
        crate::trace::Crossing {
            session,
            cmd,
            ta: Some(self.uuid),
            instance: Some(self.id),
            ..crate::trace::Crossing::new("core", crate::trace::ta_participant(&self.uuid), name)
        }
    }

    /// The trace of one of this TA's requests to the core.
    fn syscall_crossing(&self, call: &TaCall) -> crate::trace::Crossing {
        use oxtee_proto::StorageCall as S;
        let name = match call {
            TaCall::Open { .. } => "TEE_OpenTASession",
            TaCall::Invoke { .. } => "TEE_InvokeTACommand",
            TaCall::Close { .. } => "TEE_CloseTASession",
            TaCall::GetPersistentTime => "TEE_GetTAPersistentTime",
            TaCall::SetPersistentTime { .. } => "TEE_SetTAPersistentTime",
            TaCall::Storage(op) => match op {
                S::Open { .. } => "TEE_OpenPersistentObject",
                S::Create { .. } => "TEE_CreatePersistentObject",
                S::Close { .. } => "TEE_CloseObject",
                S::CloseAndDelete { .. } => "TEE_CloseAndDeletePersistentObject1",
                S::Rename { .. } => "TEE_RenamePersistentObject",
                S::Read { .. } => "TEE_ReadObjectData",
                S::Write { .. } => "TEE_WriteObjectData",
                S::Truncate { .. } => "TEE_TruncateObjectData",
                S::Seek { .. } => "TEE_SeekObjectData",
                S::Info { .. } => "TEE_GetObjectInfo1",
                S::RestrictUsage { .. } => "TEE_RestrictObjectUsage1",
                S::Attributes { .. } => "TEE_OpenPersistentObject (attributes)",
                S::Next { .. } => "TEE_GetNextPersistentObject",
            },
        };
        crate::trace::Crossing {
            ta: Some(self.uuid),
            instance: Some(self.id),
            ..crate::trace::Crossing::new(crate::trace::ta_participant(&self.uuid), "core", name)
        }
    }

    fn exchange_untraced(
        &self,
        link: &mut Link,
        req: &CoreToTa,
        mem: &ClientMem<'_>,
    ) -> Result<(u32, OutParams), TeeError> {
        let bytes = encode(req).map_err(|_| TeeError::tee(TEE_ERROR_BAD_PARAMETERS))?;
        if link.ch.send(&bytes, &[]).is_err() {
            self.kill();
            return Err(dead());
        }
        let cancel_at = mem.cancel_after.map(|d| Instant::now() + d);
        let mut watch = mem.watch;
        let deadline = mem.limit.map(|l| Instant::now() + l);
        let own = match req {
            CoreToTa::OpenSession { session, .. }
            | CoreToTa::Invoke { session, .. }
            | CoreToTa::CloseSession { session } => *session,
            _ => 0,
        };
        loop {
            match self.wait_reply(link, &mut watch, mem.grace, deadline, cancel_at, own)? {
                TaReply::Done { result, params } => return Ok((result, params)),
                TaReply::Panic { .. } => return Err(dead()),
                // (The client as the call began: a PTA wait the TA starts after
                // its client vanished ends at once.)
                req => self.serve_request(&link.ch, req, mem.nested, mem.watch)?,
            }
        }
    }

    /// Answer one of the TA's own requests (a call buffer, a TA-to-TA
    /// call, storage) on `ch`.
    fn serve_request(
        &self,
        ch: &Channel,
        req: TaReply,
        nested: Option<&dyn Nested>,
        watch: Option<&Channel>,
    ) -> Result<(), TeeError> {
        match req {
            TaReply::GrowCallBuffer { size } => {
                if size > MAX_CALL_BUFFER {
                    tracing::warn!(uuid = %self.uuid, size, "TA asked for an oversized call buffer: killing it");
                    self.kill();
                    return Err(dead());
                }
                let size = size.next_power_of_two().max(64 << 10);
                let mut buf = self.callbuf.locked();
                let old = buf.as_ref().map_or(0, |(_, m)| m.len() as u64);
                // The call buffer is secure memory: charged to the budget.
                let made = (size > old && self.charge_more(size - old))
                    .then(|| {
                        let made = oxtee_sys::memfd("oxtee-callbuf", size, true).and_then(|fd| {
                            let m = Mapping::map(fd.as_fd(), size as usize)?;
                            Ok((fd, m))
                        });
                        if made.is_err() {
                            self.charge_less(size - old);
                        }
                        made.ok()
                    })
                    .flatten();
                match made {
                    Some((fd, m)) => {
                        self.send_on(ch, &CoreToTa::SetCallBuffer { size }, Some(fd.as_fd()))?;
                        *buf = Some((fd, m));
                    }
                    // No room (in the budget or the host): the TA's call
                    // fails with OUT_OF_MEMORY, and the TA goes on.
                    None => {
                        tracing::warn!(uuid = %self.uuid, size, "no room for a larger call buffer");
                        self.send_on(ch, &CoreToTa::SetCallBuffer { size: 0 }, None)?;
                    }
                }
                Ok(())
            }
            TaReply::Call(call) => {
                let span = crate::trace::call(|| Some(self.syscall_crossing(&call)));
                let done = match nested {
                    Some(n) => {
                        let buf = self.callbuf.locked();
                        n.nested(self, call, buf.as_ref().map(|(_, m)| m), watch)
                    }
                    None => CoreToTa::CallDone {
                        result: TEE_ERROR_NOT_SUPPORTED,
                        origin: ORIGIN_TEE,
                        session: 0,
                        params: oxtee_proto::NO_OUT_PARAMS,
                    },
                };
                if let Some(span) = span {
                    match &done {
                        CoreToTa::CallDone { result, origin, .. } => {
                            span.ret(*result, Some(*origin))
                        }
                        CoreToTa::StorageDone { result, .. } => span.ret(*result, None),
                        _ => span.ret(TEE_SUCCESS, None),
                    }
                }
                self.send_on(ch, &done, None)
            }
            TaReply::Done { .. } | TaReply::Panic { .. } => {
                tracing::warn!(uuid = %self.uuid, "TA answered nothing it was asked: killing it");
                self.kill();
                Err(dead())
            }
        }
    }

    /// Wait for the TA's next message. The common path is one blocking
    /// `recv`; every [`WATCH_INTERVAL`] without an answer the client's
    /// connection is checked: if the client vanished, the TA's
    /// cancellation flag is raised and the TA is killed `grace` later.
    /// `deadline` bounds the whole wait; at `cancel_at` the cancellation
    /// flag is raised.
    fn wait_reply(
        &self,
        link: &mut Link,
        watch: &mut Option<&Channel>,
        grace: Duration,
        mut deadline: Option<Instant>,
        mut cancel_at: Option<Instant>,
        own: u32,
    ) -> Result<TaReply, TeeError> {
        loop {
            let mut fds = Vec::new();
            let n = match link.ch.recv(&mut link.buf, &mut fds) {
                Ok(Some(n)) if fds.is_empty() => n,
                Ok(None) => {
                    self.kill();
                    tracing::warn!(uuid = %self.uuid, pid = self.pid, "TA process died");
                    return Err(dead());
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if let Some(c) = *watch {
                        if c.poll(0).map(|(_, gone)| gone).unwrap_or(true) {
                            tracing::info!(uuid = %self.uuid, "client vanished during a call: cancelling");
                            self.control.store_u32(control::CANCEL_FLAG, 1);
                            let d = Instant::now() + grace;
                            deadline = Some(deadline.map_or(d, |old| old.min(d)));
                            *watch = None;
                        }
                    }
                    if cancel_at.is_some_and(|t| Instant::now() >= t) {
                        self.control.store_u32(control::CANCEL_FLAG, 1);
                        cancel_at = None;
                    }
                    // The time another session's direct call takes is not
                    // this call's (the TA says which it runs: a TA that
                    // lies only keeps its own calls waiting).
                    let running = self.control.load_u32(control::DIRECT_SESSION);
                    if deadline.is_some_and(|d| Instant::now() >= d)
                        && running != 0
                        && running != own
                    {
                        deadline = Some(Instant::now() + WATCH_INTERVAL);
                    }
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        tracing::warn!(uuid = %self.uuid, pid = self.pid, "TA did not finish after its client vanished: killing it");
                        self.kill();
                        return Err(dead());
                    }
                    continue;
                }
                _ => {
                    tracing::warn!(uuid = %self.uuid, "TA sent a malformed message: killing it");
                    self.kill();
                    return Err(dead());
                }
            };
            return match decode::<TaReply>(&link.buf[..n]) {
                Ok(TaReply::Panic { code }) => {
                    tracing::warn!(uuid = %self.uuid, "TA panicked: TEE_Panic(0x{code:08x})");
                    self.kill();
                    Err(dead())
                }
                Ok(r) => Ok(r),
                Err(e) => {
                    tracing::warn!(uuid = %self.uuid, "TA sent an undecodable reply ({e}): killing it");
                    self.kill();
                    Err(dead())
                }
            };
        }
    }

    /// Run one entry point with parameters. Returns the TA's result and
    /// the outputs for the client; `seq_out` receives the call's sequence
    /// number as soon as it is known (for cancellation).
    pub fn call(
        &self,
        call: Call,
        params: &[Checked; 4],
        mem: &ClientMem<'_>,
        on_start: &dyn Fn(u64),
    ) -> Result<(u32, OutParams), TeeError> {
        let mut link = self.lock_link()?;
        if self.is_dead() {
            return Err(dead());
        }
        // Pending unmaps first, so a released object is gone before anything else.
        let unmaps: Vec<u32> = std::mem::take(&mut *self.unmaps.locked());
        for id in unmaps {
            if link.mapped.remove(&id) {
                self.send_oneway(&link, &CoreToTa::UnmapShm { id }, None)?;
            }
        }
        // Temporary memrefs go through the instance's bounce buffer; one
        // that is empty but not NULL still needs an address in it (GP lets
        // a client pass a zero-length buffer, and the TA sees a non-NULL
        // pointer, as on OP-TEE).
        let need = if mem.direct.is_some() {
            0
        } else {
            staged_bytes(params)
        };
        let staged = mem.direct.is_none()
            && params
                .iter()
                .any(|p| matches!(p, Checked::Staged { null: false, .. }));
        if staged
            && link
                .bounce
                .as_ref()
                .is_none_or(|(_, m)| (m.len() as u64) < need)
        {
            let size = need.next_power_of_two().max(64 << 10);
            let old = link.bounce.as_ref().map_or(0, |(_, m)| m.len() as u64);
            // The bounce buffer is secure memory: charged to the budget.
            if !self.charge_more(size - old) {
                tracing::warn!(uuid = %self.uuid, size, "secure memory budget exhausted: no bounce buffer");
                return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
            }
            let made = oxtee_sys::memfd("oxtee-bounce", size, true).and_then(|fd| {
                let m = Mapping::map(fd.as_fd(), size as usize)?;
                Ok((fd, m))
            });
            let Ok((fd, m)) = made else {
                self.charge_less(size - old);
                return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
            };
            self.send_oneway(&link, &CoreToTa::SetBounce { size }, Some(fd.as_fd()))?;
            link.bounce = Some((fd, m));
        }
        let mut op = TaOp {
            param_types: oxtee_core::params::ta_param_types(params),
            params: [TaParam::None; 4],
        };
        let mut bounce_off = [0u64; 4];
        let mut next = 0u64;
        for (i, p) in params.iter().enumerate() {
            op.params[i] = match *p {
                Checked::None => TaParam::None,
                Checked::Value { a, b, .. } => TaParam::Value { a, b },
                Checked::Staged {
                    null: true, size, ..
                } => TaParam::Mem {
                    region: Region::Null,
                    offset: 0,
                    size,
                },
                Checked::Staged {
                    offset,
                    size,
                    null: false,
                    ..
                } if mem.direct.is_some() => {
                    // The session's own staging buffer, mapped into this
                    // instance only: the TA works in it directly.
                    let (id, fd) = mem.direct.ok_or_else(dead)?;
                    let len = mem.staging.map_or(0, |m| m.len() as u64);
                    if !link.mapped.contains(&id) {
                        let owner = match call {
                            Call::Invoke { session, .. } => Owner::Session(session),
                            _ => Owner::Core,
                        };
                        let map = CoreToTa::MapShm {
                            id,
                            size: len,
                            owner,
                        };
                        self.send_oneway(&link, &map, Some(fd))?;
                        link.mapped.insert(id);
                    }
                    TaParam::Mem {
                        region: Region::Shm(id),
                        offset,
                        size,
                    }
                }
                Checked::Staged {
                    dir,
                    offset,
                    size,
                    null: false,
                } => {
                    let (_, bounce) = link.bounce.as_ref().ok_or_else(dead)?;
                    // (An empty buffer needs no staging buffer: a client
                    // may have none.)
                    let ok = if size == 0 {
                        true
                    } else if dir.is_input() {
                        let staging = mem.staging.ok_or(TeeError::api(TEE_ERROR_BAD_PARAMETERS))?;
                        staging.copy_to(offset as usize, bounce, next as usize, size as usize)
                    } else {
                        bounce.zero(next as usize, size as usize)
                    };
                    if !ok {
                        return Err(TeeError::api(TEE_ERROR_BAD_PARAMETERS));
                    }
                    bounce_off[i] = next;
                    let tp = TaParam::Mem {
                        region: Region::Bounce,
                        offset: next,
                        size,
                    };
                    next += align8(size);
                    tp
                }
                Checked::Shm {
                    id, offset, size, ..
                } => {
                    if !link.mapped.contains(&id) {
                        let shm = (mem.shm)(id).ok_or(TeeError::api(TEE_ERROR_BAD_PARAMETERS))?;
                        let map = CoreToTa::MapShm {
                            id,
                            size: shm.size,
                            owner: Owner::Context {
                                id: mem.context,
                                flags: shm.flags,
                            },
                        };
                        self.send_oneway(&link, &map, Some(shm.fd.as_fd()))?;
                        link.mapped.insert(id);
                    }
                    TaParam::Mem {
                        region: Region::Shm(id),
                        offset,
                        size,
                    }
                }
            };
        }
        let req = match call {
            Call::Open { session, client } => CoreToTa::OpenSession {
                session,
                client,
                op,
            },
            Call::Invoke { session, command } => CoreToTa::Invoke {
                session,
                command,
                op,
            },
            Call::Close { session } => CoreToTa::CloseSession { session },
        };
        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
        // The flag belongs to a direct call while one runs (the runtime
        // clears it around each); closing that call's session cancels it.
        match (call, self.control.load_u32(control::DIRECT_SESSION)) {
            (_, 0) => self.control.store_u32(control::CANCEL_FLAG, 0),
            (Call::Close { session }, running) if running == session => {
                self.control.store_u32(control::CANCEL_FLAG, 1)
            }
            _ => {}
        }
        self.current.store(seq, Ordering::Release);
        on_start(seq);
        let r = self.exchange(&mut link, &req, mem);
        self.current.store(0, Ordering::Release);
        let (result, tap) = r?;
        let release_bounce = |link: &Link| {
            if need > BOUNCE_KEEP {
                if let Some((fd, m)) = &link.bounce {
                    let _ =
                        oxtee_sys::discard(fd.as_fd(), BOUNCE_KEEP, m.len() as u64 - BOUNCE_KEEP);
                }
            }
        };
        // Copy outputs back, trusting nothing the TA reports beyond the
        // sizes the client provided.
        let mut out = oxtee_proto::NO_OUT_PARAMS;
        for (i, p) in params.iter().enumerate() {
            out[i] = match (*p, tap[i]) {
                (Checked::Value { dir, .. }, OutParam::Value { a, b }) if dir.is_output() => {
                    OutParam::Value { a, b }
                }
                (Checked::Value { dir, .. }, _) if dir.is_output() => {
                    OutParam::Value { a: 0, b: 0 }
                }
                (
                    Checked::Staged {
                        dir,
                        offset,
                        size,
                        null,
                    },
                    OutParam::Size(n),
                ) if dir.is_output() => {
                    if result == TEE_SUCCESS && !null && mem.direct.is_none() {
                        let len = n.min(size) as usize;
                        let (_, bounce) = link.bounce.as_ref().ok_or_else(dead)?;
                        if let Some(st) = mem.staging {
                            bounce.copy_to(bounce_off[i] as usize, st, offset as usize, len);
                        }
                    }
                    OutParam::Size(n)
                }
                (Checked::Shm { dir, .. }, OutParam::Size(n)) if dir.is_output() => {
                    OutParam::Size(n)
                }
                _ => OutParam::None,
            };
        }
        release_bounce(&link);
        Ok((result, out))
    }

    fn send_oneway(
        &self,
        link: &Link,
        msg: &CoreToTa,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
    ) -> Result<(), TeeError> {
        self.send_on(&link.ch, msg, fd)
    }

    fn send_on(
        &self,
        ch: &Channel,
        msg: &CoreToTa,
        fd: Option<std::os::fd::BorrowedFd<'_>>,
    ) -> Result<(), TeeError> {
        let bytes = encode(msg).map_err(|_| TeeError::tee(TEE_ERROR_BAD_PARAMETERS))?;
        let fds: Vec<_> = fd.into_iter().collect();
        if ch.send(&bytes, &fds).is_err() {
            self.kill();
            return Err(dead());
        }
        Ok(())
    }
}

/// The direct channels of an instance, as the core keeps them.
#[derive(Default)]
pub struct DirectState {
    /// The service socket is set up and its thread runs.
    pub serving: bool,
    /// The TA-side sessions that have a direct channel, and each one's
    /// pending-cancellation slot (distinct, below DIRECT_CHANNELS).
    sessions: HashMap<u32, u32>,
}

impl Instance {
    /// Give the TA `ta_end`, one end of a direct channel of `session`
    /// (TA-side id) of client context `context`. The first
    /// one also sets up the service socket; its core end is returned, to
    /// be served by [`Instance::serve_direct`] on a thread of its own.
    pub fn attach_direct(
        &self,
        session: u32,
        context: u32,
        ta_end: OwnedFd,
    ) -> Result<Option<Channel>, TeeError> {
        let link = self.lock_link()?;
        if self.is_dead() {
            return Err(dead());
        }
        let oom = |_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY);
        let mut d = self.direct.locked();
        if d.sessions.len() >= oxtee_proto::limits::DIRECT_CHANNELS {
            return Err(TeeError::tee(TEE_ERROR_BUSY));
        }
        let service = if d.serving {
            None
        } else {
            let (core, ta) = Channel::pair().map_err(oom)?;
            self.send_oneway(&link, &CoreToTa::Service, Some(ta.as_fd()))?;
            d.serving = true;
            Some(core)
        };
        let slot = (0..oxtee_proto::limits::DIRECT_CHANNELS as u32)
            .find(|s| !d.sessions.values().any(|v| v == s))
            .ok_or(TeeError::tee(TEE_ERROR_BUSY))?;
        self.send_oneway(
            &link,
            &CoreToTa::Attach {
                session,
                context,
                slot,
            },
            Some(ta_end.as_fd()),
        )?;
        d.sessions.insert(session, slot);
        Ok(service)
    }

    /// A session with a direct channel closed (the TA drops the channel).
    pub fn detach_direct(&self, session: u32) {
        self.direct.locked().sessions.remove(&session);
    }

    /// Map `fd` into the TA now as staging buffer `id` of `session`'s
    /// direct calls, unmapping the one it replaces.
    pub fn map_now(
        &self,
        id: u32,
        size: u64,
        session: u32,
        fd: OwnedFd,
        replaces: Option<u32>,
    ) -> Result<(), TeeError> {
        let mut link = self.lock_link()?;
        if self.is_dead() {
            return Err(dead());
        }
        if let Some(old) = replaces {
            if link.mapped.remove(&old) {
                self.send_oneway(&link, &CoreToTa::UnmapShm { id: old }, None)?;
            }
        }
        let map = CoreToTa::MapShm {
            id,
            size,
            owner: Owner::Session(session),
        };
        self.send_oneway(&link, &map, Some(fd.as_fd()))?;
        link.mapped.insert(id);
        Ok(())
    }

    /// The TA-side session whose direct call runs (0: none), as the TA
    /// says.
    pub fn running_direct(&self) -> u32 {
        self.control.load_u32(control::DIRECT_SESSION)
    }

    /// Cancel the direct call of `session` with cancellation id `cancel`
    /// (low half): now if it is the one running, else when it starts (the
    /// TA finds it pending: the client's cancel may overtake its call, or
    /// the call may wait behind another session's). The pending record
    /// is written before the running call is read, and the TA publishes
    /// its call before reading the record, so one of the two sees the
    /// other.
    pub fn cancel_direct(&self, session: u32, cancel: u32) {
        let Some(&slot) = self.direct.locked().sessions.get(&session) else {
            return;
        };
        self.control.store_u64(
            control::pending_slot(slot),
            control::pending_value(session, cancel),
        );
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.control.load_u32(control::DIRECT_SESSION) == session
            && self.control.load_u32(control::DIRECT_CANCEL) == cancel
        {
            self.raise_cancel();
        }
    }

    /// Serve the service socket until the TA process ends: the TA's own
    /// requests during direct calls (TA-to-TA calls, storage, call
    /// buffer). (A client that vanishes during its direct call has its
    /// session closed by the core; that close is bounded, see
    /// [`Instance::call`].)
    pub fn serve_direct(&self, svc: Channel, nested: &dyn Nested) {
        let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
        loop {
            if self.is_dead() {
                return;
            }
            let mut got = Vec::new();
            let msg = match svc.recv(&mut buf, &mut got) {
                Ok(Some(n)) if got.is_empty() => decode::<TaReply>(&buf[..n]).ok(),
                // The process ended (reaped and reported by `kill`).
                Ok(None) => {
                    self.kill();
                    return;
                }
                _ => None,
            };
            let served = match msg {
                Some(TaReply::Panic { code }) => {
                    tracing::info!(uuid = %self.uuid, "TA panicked (0x{code:08x}) in a direct call");
                    Err(dead())
                }
                Some(req) => {
                    let _mark = ServingMark::new(self.id);
                    self.serve_request(&svc, req, Some(nested), None)
                }
                None => {
                    tracing::warn!(uuid = %self.uuid, "TA sent an undecodable message (or descriptors) during a direct call: killing it");
                    Err(dead())
                }
            };
            if served.is_err() {
                self.kill();
                return;
            }
        }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ta_text_cannot_carry_control_characters() {
        let t = super::sanitize("ok\r\x1b[2Kfake core line\u{7}");
        assert!(!t.chars().any(char::is_control), "{t}");
        assert!(t.starts_with("ok\\r\\u{1b}[2Kfake"), "{t}");
    }
}
