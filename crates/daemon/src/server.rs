//! The core's front door: a SEQPACKET listening socket (the analogue of
//! the SMC entry), one thread per client connection, and the context /
//! session bookkeeping of the GP TEE Client API.
//!
//! A client library opens one connection per context and may attach more
//! connections to the same context (one per concurrent call) with the
//! context's secret token. A context ends with `Finalize` or when its last
//! connection closes; either way its sessions are closed (the TA's close
//! entry points run) and its shared memory released.

use crate::LockExt;
use crate::config::Config;
use crate::spawn::Spawner;
use crate::store::{LoadedTa, Store, Versioned};
use crate::ta::{Call, ClientMem, Instance, Shm};
use oxtee_core::cancel::{Cancellations, Found};
use oxtee_core::codes::*;
use oxtee_core::identity::{PeerInfo, client_identity};
use oxtee_core::instances::{Installed, Instances, Released, Slot};
use oxtee_core::params::{self, ShmInfo};
use oxtee_core::sessions::Sessions;
use oxtee_proto::{ClientReply, ClientRequest, Identity, Uuid, decode, encode};
use oxtee_sys::{Channel, Mapping};
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("socket {0} is in use by a running oxtee (stop it or choose another socket path)")]
    SocketInUse(PathBuf),
    #[error("cannot create socket {path}: {err}")]
    Socket { path: PathBuf, err: std::io::Error },
    #[error("TA directory {0} does not exist or is not a directory")]
    TaDir(PathBuf),
    #[error("cannot read TA signing key {path}: {err}")]
    Key { path: PathBuf, err: String },
    #[error("no TA signing key is configured (ta_keys): no TA could be loaded")]
    NoKeys,
    #[error(
        "storage directory {0} is in use by another running oxtee (two cores on one store would corrupt it)"
    )]
    StorageInUse(PathBuf),
    #[error("socket_group {0:?}: no such group")]
    Group(String),
    #[error("invalid uids: {0}")]
    Uids(String),
    #[error("partitioned mode: {0}")]
    Partitions(String),
    #[error("cannot start: {0}")]
    Io(#[from] std::io::Error),
}

/// As root, TA instances and the supplicant run under the configured
/// uids: they must be unprivileged and distinct.
fn check_uids(cfg: &Config) -> Result<(), StartError> {
    let first = cfg.ta_uid_first as u64;
    let end = first + cfg.ta_uid_count as u64;
    let sup = cfg.supplicant_uid as u64;
    if cfg.ta_uid_first == 0 || cfg.ta_uid_count == 0 || end > u32::MAX as u64 {
        return Err(StartError::Uids(format!(
            "ta_uid_first {first} / ta_uid_count {}: a non-empty range of non-root uids below 2^32 - 1",
            cfg.ta_uid_count
        )));
    }
    if sup == 0 || (first..end).contains(&sup) {
        return Err(StartError::Uids(format!(
            "supplicant_uid {sup} must be non-root and outside the TA range"
        )));
    }
    Ok(())
}

/// Take the storage directory for this core alone: an exclusive lock on
/// `<storage_dir>/lock`, held as long as the returned value lives.
fn lock_storage(dir: &Path, dir_mode: u32) -> Result<nix::fcntl::Flock<std::fs::File>, StartError> {
    use std::os::unix::fs::OpenOptionsExt;
    crate::fsperm::private_dir(dir, dir_mode, None)?;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join("lock"))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|(_, e)| {
        if e == nix::errno::Errno::EWOULDBLOCK {
            StartError::StorageInUse(dir.to_owned())
        } else {
            StartError::Io(e.into())
        }
    })
}

/// Every connection costs descriptors: use all the kernel allows.
fn raise_nofile() {
    if let Ok((_, hard)) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
    {
        let _ =
            nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    }
}

struct Session {
    target: Target,
    /// The id the TA process knows this session by (unique in the core).
    ta_id: u32,
    /// The client uid charged for it (None: a TA's session).
    charged: Option<u32>,
    /// The client has its direct channel (at most one per session).
    direct: AtomicBool,
    /// The id of the staging buffer of its direct calls, mapped in the TA.
    direct_staging: Mutex<Option<u32>>,
    /// A PTA session's own state (see [`crate::pta::Pta::session_state`]).
    pta_state: Option<crate::pta::SessionState>,
}

/// What a session is open to.
enum Target {
    Ta(Arc<Instance>),
    /// A pseudo-TA (opened by a TA: see [`crate::pta`]).
    Pta(Arc<dyn crate::pta::Pta>),
}

impl Session {
    /// The TA instance of a session to a TA.
    fn ta(&self) -> Option<&Arc<Instance>> {
        match &self.target {
            Target::Ta(i) => Some(i),
            Target::Pta(_) => None,
        }
    }
}

/// What one client uid holds (quotas, see [`Quota`]).
#[derive(Debug, Default)]
struct Usage {
    connections: u64,
    contexts: u64,
    sessions: u64,
    shm_objects: u64,
    shm_bytes: u64,
    temp_bytes: u64,
}

/// A charge against a quota, refunded on drop (see [`Shared::charged`]).
struct Charge<'a> {
    shared: &'a Shared,
    uid: u32,
    q: Quota,
    n: u64,
}

impl Charge<'_> {
    /// Keep what was charged (it is refunded elsewhere, later).
    fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for Charge<'_> {
    fn drop(&mut self) {
        self.shared.refund(self.uid, self.q, self.n);
    }
}

/// The per-uid quotas: one user cannot deny service to another.
#[derive(Debug, Clone, Copy)]
enum Quota {
    Connections,
    Contexts,
    Sessions,
    ShmObjects,
    ShmBytes,
    /// Temporary memrefs of calls in flight (bounce memory in the core).
    TempBytes,
}

static TA_SESSION_IDS: AtomicU32 = AtomicU32::new(1);

/// How long TA_CloseSessionEntryPoint may take before its instance is killed.
const CLOSE_LIMIT: Duration = Duration::from_secs(10);

/// A call in progress, for its cancellation: the instance and the call's
/// sequence number there.
type Running = (Weak<Instance>, u64);

/// Bound on remembered early cancellations per context.
const MAX_PENDING_CANCELS: usize = 256;

struct Context {
    id: u32,
    /// A session to one of oxtee's monitoring PTAs was opened in it (see
    /// [`monitoring`]).
    monitor: AtomicBool,
    token: [u8; 16],
    uid: u32,
    conns: Mutex<usize>,
    shm: Mutex<HashMap<u32, Arc<Shm>>>,
    shm_bytes: Mutex<u64>,
    /// Calls in flight by cancel id, and cancellations that arrived before
    /// their call reached a TA (applied as soon as it does).
    running: Mutex<Cancellations<u64, Running>>,
    finished: AtomicBool,
}

/// A spare process and the verified image it was started from.
type Spare = (Arc<LoadedTa>, Arc<Instance>);

pub struct Shared {
    cfg: Config,
    store: Store,
    spawner: Spawner,
    contexts: Mutex<HashMap<u32, Arc<Context>>>,
    /// The instance table (GP's single-instance, multi-session and
    /// keep-alive rules; the same table as the secure kernel's, from
    /// `oxtee-core`), instances by their `id`.
    table: Mutex<Instances<Arc<Instance>>>,
    instances: Mutex<Vec<Weak<Instance>>>,
    next: AtomicU32,
    connections: std::sync::atomic::AtomicUsize,
    /// A started (sandboxed, exec'd) but not yet created process per TA
    /// in use, so that a new instance costs two messages instead of a
    /// fork and an exec. Tied to the verified image it was started from.
    spares: Mutex<HashMap<Uuid, Spare>>,
    /// Every session, by its owner: a client context, or the TA
    /// instance that opened it (TA-to-TA). The same table as the secure
    /// kernel's, from `oxtee-core`.
    sessions: Mutex<Sessions<Owner, Arc<Session>>>,
    /// TEE_PROPSET_TEE_IMPLEMENTATION, sent to every instance.
    tee_props: Vec<oxtee_proto::Property>,
    /// Trusted Storage (persistent objects).
    storage: crate::trusted_storage::TrustedStorage,
    /// The pseudo-TAs.
    ptas: crate::pta::Registry,
    /// The secure threads (`secure_threads`).
    threads: crate::threads::Threads,
    /// Who watches the crossings (`oxtee trace`).
    tracer: Arc<crate::trace::Tracer>,
    /// The secure world's memory (`secure_memory`).
    budget: Arc<crate::budget::Budget>,
    /// When the core started.
    started: std::time::Instant,
    /// The TAs installed into trusted storage, each with the generation
    /// of its image (a TA's cache entry is reused while it holds).
    installed: Mutex<HashMap<Uuid, u64>>,
    install_generation: std::sync::atomic::AtomicU64,
    /// TA uids, when the core runs as root.
    uids: Option<Arc<crate::spawn::UidPool>>,
    /// Per client uid usage, against the `*_per_uid` limits.
    usage: Mutex<HashMap<u32, Usage>>,
    /// This core's hold on the storage directory.
    _storage_lock: nix::fcntl::Flock<std::fs::File>,
    /// Partitioned mode's partitions, for the status.
    partitions: Vec<(&'static str, (u16, Arc<crate::partitions::Seen>))>,
}

/// A bound, not yet serving, secure world.
pub struct Server {
    shared: Arc<Shared>,
    listener: OwnedFd,
    path: PathBuf,
}

/// The seed of gpd.tee.deviceID: the host's machine id (or its host name).
fn device_id() -> Uuid {
    let seed = std::fs::read("/etc/machine-id")
        .or_else(|_| std::fs::read("/proc/sys/kernel/hostname"))
        .unwrap_or_default();
    oxtee_core::props::device_id(&seed)
}

fn bind(path: &Path) -> Result<OwnedFd, StartError> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, UnixAddr, socket};
    let err = |e: nix::errno::Errno| StartError::Socket {
        path: path.to_owned(),
        err: std::io::Error::from_raw_os_error(e as i32),
    };
    if path.exists() {
        // A live server answers; a stale file does not.
        if Channel::connect(path).is_ok() {
            return Err(StartError::SocketInUse(path.to_owned()));
        }
        std::fs::remove_file(path).map_err(|e| StartError::Socket {
            path: path.to_owned(),
            err: e,
        })?;
    }
    let fd = socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(err)?;
    let addr = UnixAddr::new(path).map_err(err)?;
    nix::sys::socket::bind(fd.as_raw_fd(), &addr).map_err(err)?;
    nix::sys::socket::listen(&fd, nix::sys::socket::Backlog::new(128).map_err(err)?)
        .map_err(err)?;
    Ok(fd)
}

impl Server {
    /// Check the configuration, load the trusted keys and bind the socket.
    pub fn bind(cfg: Config) -> Result<Server, StartError> {
        if !cfg.ta_dir.is_dir() {
            return Err(StartError::TaDir(cfg.ta_dir.clone()));
        }
        let mut keys = Vec::new();
        for k in &cfg.ta_keys {
            let pem = std::fs::read_to_string(k).map_err(|e| StartError::Key {
                path: k.clone(),
                err: e.to_string(),
            })?;
            keys.push(oxtee_core::image::public_key_from_pem(&pem).map_err(|e| {
                StartError::Key {
                    path: k.clone(),
                    err: e,
                }
            })?);
        }
        if keys.is_empty() {
            return Err(StartError::NoKeys);
        }
        // The core holds the HUK and every TA's keys: no other process of
        // its uid may ptrace it or read its memory.
        nix::sys::prctl::set_dumpable(false).map_err(|e| StartError::Io(e.into()))?;
        let root = nix::unistd::geteuid().is_root();
        if root {
            check_uids(&cfg)?;
        }
        // Before the socket: a core refused here leaves nothing behind.
        let storage_lock = lock_storage(&cfg.storage_dir, if root { 0o711 } else { 0o700 })?;
        raise_nofile();
        let group = match &cfg.socket_group {
            Some(name) => match nix::unistd::Group::from_name(name) {
                Ok(Some(g)) => Some(g.gid.as_raw()),
                _ => return Err(StartError::Group(name.clone())),
            },
            None => None,
        };
        let sock_err = |e| StartError::Socket {
            path: cfg.socket.clone(),
            err: e,
        };
        let dir = cfg
            .socket
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        oxtee_sys::prepare_socket_dir(dir, group).map_err(sock_err)?;
        let listener = bind(&cfg.socket)?;
        {
            use std::os::unix::fs::PermissionsExt;
            // Only the core's user, or the clients' group, may connect.
            let mode = if group.is_some() { 0o660 } else { 0o600 };
            std::fs::set_permissions(&cfg.socket, std::fs::Permissions::from_mode(mode))
                .map_err(sock_err)?;
            if let Some(g) = group {
                nix::unistd::chown(&cfg.socket, None, Some(nix::unistd::Gid::from_raw(g)))
                    .map_err(|e| sock_err(std::io::Error::from_raw_os_error(e as i32)))?;
            }
        }
        let store = Store::new(cfg.ta_dir.clone(), keys);
        let path = cfg.socket.clone();
        let uids = root.then(|| crate::spawn::UidPool::new(cfg.ta_uid_first, cfg.ta_uid_count));
        let sup_uid = root.then_some(cfg.supplicant_uid);
        let mut partitions = Vec::new();
        let (storage, keys) = match cfg.secure_mode {
            crate::config::SecureMode::Spd => {
                let storage = crate::trusted_storage::TrustedStorage::open(&cfg, sup_uid, None);
                // The storage opened above created the key if it was missing.
                let keys = match crate::trusted_storage::load_huk(&cfg) {
                    Ok(k) => crate::keys::RootKeys::local(k),
                    Err(e) => {
                        tracing::error!(
                            "no hardware-unique key ({e}): keys derived from it are refused"
                        );
                        crate::keys::RootKeys::Absent
                    }
                };
                (storage, keys)
            }
            crate::config::SecureMode::Spm => {
                let (storage, crypto) =
                    crate::partitions::start_partitions(&cfg).map_err(StartError::Partitions)?;
                partitions = vec![("storage", storage.seen()), ("crypto", crypto.seen())];
                let storage =
                    crate::trusted_storage::TrustedStorage::open(&cfg, sup_uid, Some(storage));
                let inline = match &cfg.huk {
                    Some(_) => Some(zeroize::Zeroizing::new(
                        crate::trusted_storage::load_huk(&cfg).map_err(StartError::Partitions)?,
                    )),
                    None => None,
                };
                let keys = crate::keys::RootKeys::Partition {
                    link: Mutex::new(crypto),
                    inline,
                };
                (storage, keys)
            }
        };
        let keys = Arc::new(keys);
        let per_owner = cfg.limits.max_sessions_per_context;
        let installed: HashMap<Uuid, u64> = match storage.ta_installed() {
            Ok(list) => list.into_iter().map(|u| (Uuid(u), 1)).collect(),
            Err(code) => {
                tracing::warn!("installed TAs unavailable (trusted storage: {code:#x})");
                HashMap::new()
            }
        };
        let tracer = Arc::new(crate::trace::Tracer::default());
        let shared = Arc::new(Shared {
            storage,
            tracer: tracer.clone(),
            threads: crate::threads::Threads::new(cfg.secure_threads),
            budget: crate::budget::Budget::new(cfg.secure_memory),
            started: std::time::Instant::now(),
            ptas: crate::pta::Registry::new(
                keys,
                crate::sockets::SocketPta::new(cfg.sockets, root.then_some(cfg.supplicant_uid)),
                crate::trace::TracePta::new(tracer.clone()),
            ),
            installed: Mutex::new(installed),
            install_generation: std::sync::atomic::AtomicU64::new(2),
            cfg,
            store,
            spawner: Spawner::start()?,
            contexts: Mutex::new(HashMap::new()),
            table: Mutex::new(Instances::new()),
            instances: Mutex::new(Vec::new()),
            next: AtomicU32::new(1),
            connections: std::sync::atomic::AtomicUsize::new(0),
            spares: Mutex::new(HashMap::new()),
            sessions: Mutex::new(Sessions::new(usize::MAX, per_owner)),
            tee_props: oxtee_core::props::implementation(device_id(), env!("CARGO_PKG_VERSION")),
            uids,
            usage: Mutex::new(HashMap::new()),
            _storage_lock: storage_lock,
            partitions,
        });
        // While traced, every instance's direct calls go through the core.
        let weak = Arc::downgrade(&shared);
        tracer.set_hook(Box::new(move |on| {
            if let Some(shared) = weak.upgrade() {
                for i in shared.instances.locked().iter().filter_map(Weak::upgrade) {
                    i.set_traced(on);
                }
            }
        }));
        Ok(Server {
            shared,
            listener,
            path,
        })
    }

    pub fn socket_path(&self) -> &Path {
        &self.path
    }

    /// Serve until `stop` becomes true, then end every TA process and
    /// remove the socket.
    pub fn run(self, stop: &AtomicBool) -> std::io::Result<()> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        tracing::info!(socket = %self.path.display(), "secure world ready");
        while !stop.load(Ordering::Relaxed) {
            let mut pfd = [PollFd::new(self.listener.as_fd(), PollFlags::POLLIN)];
            match poll(&mut pfd, PollTimeout::from(200u16)) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                Ok(_) => {}
                Err(e) => return Err(e.into()),
            }
            let fd = match nix::sys::socket::accept4(
                self.listener.as_raw_fd(),
                nix::sys::socket::SockFlag::SOCK_CLOEXEC,
            ) {
                Ok(fd) => fd,
                Err(
                    nix::errno::Errno::EINTR
                    | nix::errno::Errno::EAGAIN
                    | nix::errno::Errno::ECONNABORTED,
                ) => continue,
                Err(nix::errno::Errno::EMFILE | nix::errno::Errno::ENFILE) => {
                    tracing::error!("out of file descriptors; refusing connections for a moment");
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            // SAFETY: accept4 returned a new descriptor that nothing else owns.
            let ch =
                Channel::from_fd(unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) });
            let shared = self.shared.clone();
            let Ok((pid, uid, gid)) = ch.peer_cred() else {
                continue;
            };
            let refuse = |ch: &Channel| {
                if let Ok(b) = encode(&err(TEE_ERROR_BUSY, ORIGIN_TEE)) {
                    let _ = ch.send(&b, &[]);
                }
            };
            // Each connection costs a thread: refuse beyond the limits,
            // the user's own first.
            if !shared.charge(uid, Quota::Connections, 1) {
                refuse(&ch);
                continue;
            }
            if shared.connections.fetch_add(1, Ordering::AcqRel)
                >= shared.cfg.limits.max_connections
            {
                shared.connections.fetch_sub(1, Ordering::AcqRel);
                shared.refund(uid, Quota::Connections, 1);
                tracing::warn!("connection limit reached; refusing a client");
                refuse(&ch);
                continue;
            }
            let r = std::thread::Builder::new()
                .name("oxtee-conn".into())
                .spawn(move || {
                    serve(&shared, ch, pid, uid, gid);
                    shared.connections.fetch_sub(1, Ordering::AcqRel);
                    shared.refund(uid, Quota::Connections, 1);
                });
            if let Err(e) = r {
                self.shared.connections.fetch_sub(1, Ordering::AcqRel);
                self.shared.refund(uid, Quota::Connections, 1);
                tracing::error!("cannot start a connection thread: {e}");
            }
        }
        tracing::info!("shutting down");
        let _ = std::fs::remove_file(&self.path);
        self.shared.kill_all();
        Ok(())
    }
}

impl Shared {
    /// Charge `n` of quota `q` to `uid`; false (nothing charged) when that
    /// would exceed the user's limit.
    fn charge(&self, uid: u32, q: Quota, n: u64) -> bool {
        let l = &self.cfg.limits;
        let mut all = self.usage.locked();
        let u = all.entry(uid).or_default();
        let (used, max) = match q {
            Quota::Connections => (&mut u.connections, l.max_connections_per_uid as u64),
            Quota::Contexts => (&mut u.contexts, l.max_contexts_per_uid as u64),
            Quota::Sessions => (&mut u.sessions, l.max_sessions_per_uid as u64),
            Quota::ShmObjects => (&mut u.shm_objects, l.max_shm_objects_per_uid as u64),
            Quota::ShmBytes => (&mut u.shm_bytes, l.max_shm_bytes_per_uid),
            Quota::TempBytes => (&mut u.temp_bytes, l.max_temp_bytes_per_uid),
        };
        if used.saturating_add(n) > max {
            drop(all);
            tracing::warn!(uid, quota = ?q, "per-user quota reached; refusing");
            return false;
        }
        *used += n;
        true
    }

    /// [`Shared::charge`], given back when the guard is dropped unless it
    /// is kept (RAII: every early return refunds).
    fn charged(&self, uid: u32, q: Quota, n: u64) -> Option<Charge<'_>> {
        self.charge(uid, q, n).then_some(Charge {
            shared: self,
            uid,
            q,
            n,
        })
    }

    /// Give back what [`Shared::charge`] took.
    fn refund(&self, uid: u32, q: Quota, n: u64) {
        let mut all = self.usage.locked();
        let Some(u) = all.get_mut(&uid) else { return };
        let used = match q {
            Quota::Connections => &mut u.connections,
            Quota::Contexts => &mut u.contexts,
            Quota::Sessions => &mut u.sessions,
            Quota::ShmObjects => &mut u.shm_objects,
            Quota::ShmBytes => &mut u.shm_bytes,
            Quota::TempBytes => &mut u.temp_bytes,
        };
        *used = used.saturating_sub(n);
        if u.connections == 0
            && u.contexts == 0
            && u.sessions == 0
            && u.shm_objects == 0
            && u.shm_bytes == 0
            && u.temp_bytes == 0
        {
            all.remove(&uid);
        }
    }

    /// A verified TA image, with rollback protection when configured.
    fn load_ta(&self, uuid: Uuid) -> Result<Arc<LoadedTa>, TeeError> {
        let gate_on = if self.installed.locked().contains_key(&uuid) {
            self.cfg.installed_rollback_protection
        } else {
            self.cfg.rollback_protection
        };
        if !gate_on {
            return self.store.load(uuid, &|_, _, _| Ok(()), self);
        }
        self.store
            .load(uuid, &|kind, u, v| self.version_gate(kind, u, v), self)
    }

    /// Rollback protection: the highest version seen of a TA or subkey.
    fn version_gate(&self, kind: Versioned, u: &Uuid, v: u32) -> Result<(), String> {
        match kind {
            Versioned::Ta => self.storage.ta_version_gate(&u.0, v),
            Versioned::Subkey => self.storage.subkey_version_gate(&u.0, v),
        }
    }

    fn kill_all(&self) {
        let list: Vec<_> = self
            .instances
            .lock()
            .unwrap()
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for i in list {
            i.kill();
        }
    }

    /// Start a sandboxed process for `ta` (not yet created), within the
    /// global and per-TA instance caps, under a uid of its own when the
    /// core runs as root. Refused with TEE_ERROR_OUT_OF_MEMORY (OP-TEE's
    /// answer when it has no room for another instance).
    fn start_process(&self, ta: &LoadedTa) -> Result<Arc<Instance>, TeeError> {
        let limits = &self.cfg.limits;
        let mut l = self.instances.locked();
        l.retain(|w| w.upgrade().is_some_and(|i| !i.is_dead()));
        let of_ta = l
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|i| i.uuid == ta.props.uuid)
            .count();
        if l.len() >= limits.max_instances || of_ta >= limits.max_instances_per_ta {
            tracing::warn!(uuid = %ta.props.uuid, total = l.len(), of_ta, "TA instance cap reached; refusing a new instance");
            return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
        }
        let uid = match &self.uids {
            Some(pool) => match pool.take() {
                Some(u) => Some(u),
                None => {
                    tracing::warn!("no free TA uid left (ta_uid_count); refusing a new instance");
                    return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
                }
            },
            None => None,
        };
        let i = Instance::spawn(&self.spawner, ta, limits, uid)?;
        l.push(Arc::downgrade(&i));
        // (Under the list's lock: the tracer's hook cannot miss it.)
        if self.tracer.on() {
            i.set_traced(true);
        }
        Ok(i)
    }

    /// A new, created instance of `ta`: the spare process if there is one
    /// for this very image, else a fresh one. (The caller starts the next
    /// spare once the client has its answer: forking competes with the
    /// open for the CPU and the daemon's address space.)
    fn new_instance(
        self: &Arc<Self>,
        ta: &Arc<LoadedTa>,
        watch: Option<&Channel>,
    ) -> Result<Arc<Instance>, TeeError> {
        let limits = &self.cfg.limits;
        // Charged before anything starts: an instance that does not fit
        // in the secure world's memory is refused, nothing else moves.
        let need = ta.secure_footprint();
        let Some(charge) = self.budget.charge(need) else {
            let (size, used) = self.budget.usage();
            tracing::warn!(uuid = %ta.props.uuid, need, used, size, "secure memory budget exhausted; refusing a new instance");
            return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
        };
        let mut mem = ClientMem::none(Some(self), None);
        mem.watch = watch;
        mem.grace = Duration::from_millis(limits.cancel_grace_ms);
        let spare = self.spares.locked().remove(&ta.props.uuid);
        let spare = match spare {
            Some((img, i)) if Arc::ptr_eq(&img, ta) && !i.is_dead() => Some(i),
            Some((_, stale)) => {
                stale.kill();
                None
            }
            None => None,
        };
        if let Some(i) = spare {
            *i.charge.locked() = Some(charge);
            match i.create(&self.tee_props, &mem) {
                // A spare that died while idle is replaced by a fresh
                // process (its kill gave the charge back: charge again).
                Err(e) if e.code == TEE_ERROR_TARGET_DEAD => {
                    return self.new_instance(ta, watch);
                }
                r => return r.map(|()| i),
            }
        }
        let i = self.start_process(ta)?;
        *i.charge.locked() = Some(charge);
        i.create(&self.tee_props, &mem)?;
        Ok(i)
    }

    fn refill_spare(self: &Arc<Self>, ta: Arc<LoadedTa>) {
        let shared = self.clone();
        let r = std::thread::Builder::new()
            .name("oxtee-spare".into())
            .spawn(move || {
                let uuid = ta.props.uuid;
                if shared.spares.locked().contains_key(&uuid) {
                    return;
                }
                if let Ok(i) = shared.start_process(&ta) {
                    if let Some((_, old)) = shared.spares.locked().insert(uuid, (ta, i)) {
                        old.kill();
                    }
                }
            });
        if let Err(e) = r {
            tracing::warn!("cannot start a spare TA process: {e}");
        }
    }

    /// Where a TA's persistent time anchor is kept (storage directory).
    fn ptime_path(&self, uuid: Uuid) -> PathBuf {
        self.cfg.storage_dir.join("ta-time").join(uuid.to_string())
    }

    /// An instance died: no new session may join it, and what it held
    /// in the core (its sessions to other TAs and PTAs, with their
    /// sockets; its storage handles) goes now, not when its last client
    /// session closes.
    fn forget_single(self: &Arc<Self>, inst: &Arc<Instance>) {
        self.table.locked().died(inst.id);
        self.drop_ta_sessions_of(inst);
    }

    /// A session ended (closed or failed to open): destroy the instance
    /// when that was its last session and it is not kept alive.
    fn release_instance(self: &Arc<Self>, inst: &Arc<Instance>) {
        let dead = inst.is_dead();
        let released = self.table.locked().release(inst.id, dead);
        if dead {
            self.drop_ta_sessions_of(inst);
            return;
        }
        if let Released::Destroy(inst) = released {
            // TA_DestroyEntryPoint and reaping the process happen off the
            // client's path: nothing can reach this instance any more.
            let shared = self.clone();
            let traced = crate::trace::carry();
            let r = std::thread::Builder::new()
                .name("oxtee-destroy".into())
                .spawn(move || {
                    let _traced = traced.map(crate::trace::Carried::enter);
                    inst.destroy(Some(&shared));
                    shared.drop_ta_sessions_of(&inst);
                });
            if let Err(e) = r {
                // The closure (and the instance) is dropped: Drop kills the process.
                tracing::warn!("cannot start a destroy thread ({e}); killing the instance");
            }
        }
    }

    /// Close the TA-to-TA sessions an instance left open (it was destroyed
    /// or died).
    fn drop_ta_sessions_of(self: &Arc<Self>, inst: &Instance) {
        // Its persistent object handles go with it.
        self.storage.close_all(inst.id);
        let mine = self.sessions.locked().take_all(Owner::Ta(inst.id));
        for (_, s) in mine {
            self.close_session(&s);
        }
    }

    fn close_session(self: &Arc<Self>, s: &Session) {
        let inst = match &s.target {
            Target::Ta(i) => i,
            // A PTA keeps nothing per session.
            Target::Pta(_) => {
                if let Some(uid) = s.charged {
                    self.refund(uid, Quota::Sessions, 1);
                }
                return;
            }
        };
        if !inst.is_dead() {
            // Nobody may be waiting for this close (a vanished client):
            // bound it so a TA stuck in its close entry point cannot hold
            // its instance forever.
            // A direct call of this session still running (its client is
            // gone) is cancelled and has the grace period to end.
            let limit = if inst.running_direct() == session_key(s) {
                Duration::from_millis(self.cfg.limits.cancel_grace_ms)
            } else {
                CLOSE_LIMIT
            };
            let mem = ClientMem::none(Some(self), Some(limit));
            let _ = inst.call(
                Call::Close {
                    session: session_key(s),
                },
                &[params::Checked::None; 4],
                &mem,
                &|_| {},
            );
        }
        if let Some(id) = s.direct_staging.locked().take() {
            inst.queue_unmap(id);
        }
        inst.detach_direct(session_key(s));
        if let Some(uid) = s.charged {
            self.refund(uid, Quota::Sessions, 1);
        }
        self.release_instance(inst);
    }

    fn finish_context(self: &Arc<Self>, ctx: &Arc<Context>) {
        if ctx.finished.swap(true, Ordering::AcqRel) {
            return;
        }
        let sessions = self.sessions.locked().take_all(Owner::Client(ctx.id));
        for (_, s) in sessions {
            self.close_session(&s);
        }
        let shms: Vec<_> = ctx.shm.locked().drain().collect();
        for (id, shm) in shms {
            self.refund(ctx.uid, Quota::ShmObjects, 1);
            self.refund(ctx.uid, Quota::ShmBytes, shm.size);
            self.unmap_everywhere(id);
        }
        self.refund(ctx.uid, Quota::Contexts, 1);
        self.contexts.locked().remove(&ctx.id);
        tracing::debug!(context = ctx.id, "context finished");
    }

    /// A client context's open session.
    fn session(&self, ctx: &Context, id: u32) -> Option<Arc<Session>> {
        self.sessions
            .locked()
            .get(Owner::Client(ctx.id), id)
            .cloned()
    }

    fn unmap_everywhere(&self, id: u32) {
        for i in self
            .instances
            .lock()
            .unwrap()
            .iter()
            .filter_map(Weak::upgrade)
        {
            i.queue_unmap(id);
        }
    }
}

/// The TA-side session id.
fn session_key(s: &Session) -> u32 {
    s.ta_id
}

/// Who a session belongs to: only its owner reaches it by its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    /// A client context (by its id).
    Client(u32),
    /// A TA instance that opened it (TA-to-TA), by the instance's id.
    Ta(u64),
}

/// A session number reserved for an open under way: cancelled on drop
/// unless the session it was for fills it.
struct Reserved<'a> {
    shared: &'a Arc<Shared>,
    owner: Owner,
    id: u32,
    filled: bool,
}

impl<'a> Reserved<'a> {
    /// None: the owner holds `max_sessions_per_context` sessions.
    fn new(shared: &'a Arc<Shared>, owner: Owner) -> Option<Self> {
        let id = shared.sessions.locked().reserve(owner).ok()?;
        Some(Reserved {
            shared,
            owner,
            id,
            filled: false,
        })
    }

    /// The session opened: its number, or None when its owner went away
    /// meanwhile (then it is closed here; nothing is left behind).
    fn fill(mut self, session: Arc<Session>) -> Option<u32> {
        self.filled = true;
        let r = self
            .shared
            .sessions
            .locked()
            .fill(self.owner, self.id, session);
        match r {
            Ok(()) => Some(self.id),
            Err(session) => {
                self.shared.close_session(&session);
                None
            }
        }
    }
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        if !self.filled {
            self.shared.sessions.locked().cancel(self.owner, self.id);
        }
    }
}

/// A client's staging buffer for one of its sessions, on one connection:
/// mapped into that session's TA instance (and no other), so temporary
/// memrefs reach the TA with no copy in the core. Unmapped from the
/// instance when dropped.
struct SessionStaging {
    session: u32,
    id: u32,
    fd: OwnedFd,
    map: Mapping,
    inst: Weak<Instance>,
}

impl Drop for SessionStaging {
    fn drop(&mut self) {
        if let Some(i) = self.inst.upgrade() {
            i.queue_unmap(self.id);
        }
    }
}

/// Session staging buffers one connection may hold (a client with more
/// sessions stages the others in its connection buffer).
const MAX_SESSION_STAGINGS: usize = 4;

struct Conn {
    ch: Channel,
    pid: i32,
    uid: u32,
    /// Who the peer was when it connected (groups; executable only when
    /// APPLICATION logins are enabled).
    peer: PeerInfo,
    ctx: Option<Arc<Context>>,
    staging: Option<(OwnedFd, Mapping)>,
    session_staging: Vec<SessionStaging>,
    /// A TA whose spare process was used by this request: start the next
    /// one after the reply is sent.
    refill: std::cell::RefCell<Option<Arc<LoadedTa>>>,
}

enum Out {
    Reply(ClientReply),
    /// Reply with a descriptor attached.
    ReplyFd(ClientReply, OwnedFd),
    /// Reply, then hang up on a misbehaving client.
    Close(ClientReply),
}

fn err(code: u32, origin: u32) -> ClientReply {
    ClientReply::Error {
        result: code,
        origin,
    }
}

fn op_err(e: TeeError) -> ClientReply {
    ClientReply::Op {
        result: e.code,
        origin: e.origin,
        session: 0,
        params: oxtee_proto::NO_OUT_PARAMS,
    }
}

fn serve(shared: &Arc<Shared>, ch: Channel, pid: i32, uid: u32, gid: u32) {
    // Who the peer is, taken now: a client cannot become someone else
    // between connecting and opening a session.
    let peer = peer_info(pid, uid, gid, shared.cfg.application_logins);
    let mut conn = Conn {
        ch,
        pid,
        uid,
        peer,
        ctx: None,
        staging: None,
        session_staging: Vec::new(),
        refill: std::cell::RefCell::new(None),
    };
    // A connection that never says anything would hold a thread and a
    // descriptor: its first message has a deadline.
    let first = Duration::from_millis(shared.cfg.limits.first_message_ms);
    if conn.ch.set_recv_timeout(Some(first)).is_err() {
        return;
    }
    let mut said_hello = false;
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    loop {
        let mut fds = Vec::new();
        let n = match conn.ch.recv(&mut buf, &mut fds) {
            Ok(Some(n)) => n,
            Ok(None) => break,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                tracing::warn!(pid, uid, "dropping client: no request within {first:?}");
                break;
            }
            Err(e) => {
                tracing::warn!(pid, "dropping client: {e}");
                break;
            }
        };
        if !said_hello {
            said_hello = true;
            if conn.ch.set_recv_timeout(None).is_err() {
                break;
            }
        }
        let traced = crate::trace::enter(&shared.tracer, pid, uid, conn.ctx.as_ref().map(|c| c.id));
        let out = match decode::<ClientRequest>(&buf[..n]) {
            Ok(req) => {
                let monitor = monitoring(shared, &conn, &req);
                let opens_monitor = monitor && matches!(req, ClientRequest::OpenSession { .. });
                let span = (!monitor)
                    .then(|| crate::trace::call(|| client_crossing(shared, &conn, &req)))
                    .flatten();
                // Calls into TAs take a secure thread for their whole run.
                let _thread = (matches!(
                    req,
                    ClientRequest::OpenSession { .. }
                        | ClientRequest::Invoke { .. }
                        | ClientRequest::CloseSession { .. }
                ) && !monitor)
                    .then(|| shared.threads.enter());
                let out = handle(shared, &mut conn, req, fds);
                if opens_monitor
                    && matches!(
                        &out,
                        Out::Reply(ClientReply::Op {
                            result: TEE_SUCCESS,
                            ..
                        })
                    )
                {
                    if let Some(c) = &conn.ctx {
                        c.monitor.store(true, Ordering::Release);
                    }
                }
                if let Some(span) = span {
                    let (ret, origin, session) = match &out {
                        Out::Reply(r) | Out::ReplyFd(r, _) | Out::Close(r) => match r {
                            ClientReply::Op {
                                result,
                                origin,
                                session,
                                ..
                            } => (*result, Some(*origin), (*session != 0).then_some(*session)),
                            ClientReply::Error { result, origin } => (*result, Some(*origin), None),
                            _ => (TEE_SUCCESS, None, None),
                        },
                    };
                    span.ret_with(ret, origin, session);
                }
                out
            }
            Err(e) => {
                tracing::warn!(pid, "dropping client: {e}");
                Out::Close(err(TEE_ERROR_BAD_FORMAT, ORIGIN_COMMS))
            }
        };
        let (reply, close, fd) = match out {
            Out::Reply(r) => (r, false, None),
            Out::ReplyFd(r, fd) => (r, false, Some(fd)),
            Out::Close(r) => (r, true, None),
        };
        let fds: Vec<_> = fd.iter().map(AsFd::as_fd).collect();
        let sent = encode(&reply).map(|b| conn.ch.send(&b, &fds));
        drop(traced);
        if let Some(ta) = conn.refill.borrow_mut().take() {
            if shared.cfg.limits.spare_instances {
                shared.refill_spare(ta);
            }
        }
        if close || !matches!(sent, Ok(Ok(()))) {
            break;
        }
    }
    if let Some(ctx) = conn.ctx.take() {
        // What a vanished client's context takes down is traced as its.
        let _traced = crate::trace::enter(&shared.tracer, pid, uid, Some(ctx.id));
        let last = {
            let mut n = ctx.conns.locked();
            *n -= 1;
            *n == 0
        };
        if last {
            shared.finish_context(&ctx);
        }
    }
}

/// Whether `req` is a monitoring request: opening a session of oxtee's
/// status or trace PTA, or any request on such a session (invoke, close,
/// its staging buffer), or (in a context with such a session open)
/// installing a connection's staging buffer. Those are not traced (a reader would see its own reads) and
/// take no secure thread (as OP-TEE's fast calls: the secure world's
/// state can be read while every thread is busy). Nothing else is, on
/// any connection: a client cannot escape the threads or the trace by
/// opening a monitoring session first.
fn monitoring(shared: &Shared, conn: &Conn, req: &ClientRequest) -> bool {
    // (Only a context that opened a monitoring session can have one:
    // every other request pays no lookup.)
    let opened = conn
        .ctx
        .as_ref()
        .is_some_and(|c| c.monitor.load(Ordering::Acquire));
    let session_is = |id: u32| {
        opened
            && conn
                .ctx
                .as_ref()
                .and_then(|ctx| shared.session(ctx, id))
                .is_some_and(|s| matches!(&s.target, Target::Pta(p) if p.monitoring()))
    };
    match req {
        ClientRequest::OpenSession { uuid, .. } => {
            shared.ptas.find(*uuid).is_some_and(|p| p.monitoring())
        }
        ClientRequest::Invoke { session, .. }
        | ClientRequest::CloseSession { session }
        | ClientRequest::Direct { session }
        | ClientRequest::DirectStaging { session, .. }
        | ClientRequest::SetStaging {
            session: Some(session),
            ..
        } => session_is(*session),
        ClientRequest::SetStaging { session: None, .. } => opened,
        _ => false,
    }
}

/// The trace of a client's request: the TEE Client API function behind
/// it and the OP-TEE SMC and message it stands for.
fn client_crossing(
    shared: &Shared,
    conn: &Conn,
    req: &ClientRequest,
) -> Option<crate::trace::Crossing> {
    use crate::trace::Crossing;
    const CALL: Option<&str> = Some("OPTEE_SMC_CALL_WITH_ARG");
    let session_ta = |id: u32| {
        let ctx = conn.ctx.as_ref()?;
        let s = shared.session(ctx, id)?;
        Some(match &s.target {
            Target::Ta(i) => i.uuid,
            Target::Pta(p) => p.uuid(),
        })
    };
    let (name, msg, session, ta, cmd) = match req {
        ClientRequest::Hello { .. } => ("TEEC_InitializeContext", None, None, None, None),
        ClientRequest::Attach { .. } => ("(attach to the context)", None, None, None, None),
        ClientRequest::OpenSession { uuid, .. } => (
            "TEEC_OpenSession",
            Some("OPTEE_MSG_CMD_OPEN_SESSION"),
            None,
            Some(*uuid),
            None,
        ),
        ClientRequest::Invoke {
            session, command, ..
        } => (
            "TEEC_InvokeCommand",
            Some("OPTEE_MSG_CMD_INVOKE_COMMAND"),
            Some(*session),
            session_ta(*session),
            Some(*command),
        ),
        ClientRequest::CloseSession { session } => (
            "TEEC_CloseSession",
            Some("OPTEE_MSG_CMD_CLOSE_SESSION"),
            Some(*session),
            session_ta(*session),
            None,
        ),
        ClientRequest::Cancel { .. } => (
            "TEEC_RequestCancellation",
            Some("OPTEE_MSG_CMD_CANCEL"),
            None,
            None,
            None,
        ),
        ClientRequest::RegisterShm { .. } => (
            "TEEC_AllocateSharedMemory",
            Some("OPTEE_MSG_CMD_REGISTER_SHM"),
            None,
            None,
            None,
        ),
        ClientRequest::ReleaseShm { .. } => (
            "TEEC_ReleaseSharedMemory",
            Some("OPTEE_MSG_CMD_UNREGISTER_SHM"),
            None,
            None,
            None,
        ),
        ClientRequest::SetStaging { session, .. } => (
            "(staging buffer for temporary memory)",
            Some("OPTEE_MSG_CMD_REGISTER_SHM"),
            *session,
            session.and_then(session_ta),
            None,
        ),
        ClientRequest::DirectStaging { session, .. } => (
            "(staging buffer for direct calls)",
            Some("OPTEE_MSG_CMD_REGISTER_SHM"),
            Some(*session),
            session_ta(*session),
            None,
        ),
        ClientRequest::Direct { session } => (
            "(direct channel to the TA)",
            None,
            Some(*session),
            session_ta(*session),
            None,
        ),
        ClientRequest::Finalize => ("TEEC_FinalizeContext", None, None, None, None),
    };
    Some(Crossing {
        smc: msg.and(CALL),
        msg,
        session,
        ta,
        cmd,
        ..Crossing::new("libteec", "core", name)
    })
}

fn peer_info(pid: i32, uid: u32, gid: u32, with_exe: bool) -> PeerInfo {
    let mut groups = vec![gid];
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        if let Some(line) = status.lines().find(|l| l.starts_with("Groups:")) {
            groups.extend(
                line[7..]
                    .split_whitespace()
                    .filter_map(|g| g.parse::<u32>().ok()),
            );
        }
    }
    let exe = with_exe
        .then(|| std::fs::read_link(format!("/proc/{pid}/exe")).ok())
        .flatten()
        .map(|p| p.to_string_lossy().into_owned());
    PeerInfo {
        uid,
        gid,
        groups,
        exe,
    }
}

fn handle(shared: &Arc<Shared>, conn: &mut Conn, req: ClientRequest, mut fds: Vec<OwnedFd>) -> Out {
    let takes_fd = matches!(
        req,
        ClientRequest::RegisterShm { .. }
            | ClientRequest::SetStaging { .. }
            | ClientRequest::DirectStaging { .. }
    );
    if (takes_fd && fds.len() != 1) || (!takes_fd && !fds.is_empty()) {
        return Out::Close(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_COMMS));
    }
    let limits = &shared.cfg.limits;
    // Every request but Hello/Attach needs a live context.
    let ctx = match (&req, &conn.ctx) {
        (ClientRequest::Hello { .. } | ClientRequest::Attach { .. }, None) => None,
        (ClientRequest::Hello { .. } | ClientRequest::Attach { .. }, Some(_)) => {
            return Out::Close(err(TEE_ERROR_BAD_STATE, ORIGIN_COMMS));
        }
        (_, None) => return Out::Close(err(TEE_ERROR_BAD_STATE, ORIGIN_COMMS)),
        (_, Some(c)) if c.finished.load(Ordering::Acquire) => {
            return Out::Close(err(TEE_ERROR_BAD_STATE, ORIGIN_COMMS));
        }
        (_, Some(c)) => Some(c.clone()),
    };
    match req {
        ClientRequest::Hello { version, .. } => {
            if version != oxtee_proto::PROTO_VERSION {
                return Out::Close(err(TEE_ERROR_NOT_SUPPORTED, ORIGIN_COMMS));
            }
            let mut contexts = shared.contexts.locked();
            if contexts.len() >= limits.max_contexts {
                tracing::warn!("context limit reached; refusing a client");
                return Out::Close(err(TEE_ERROR_BUSY, ORIGIN_TEE));
            }
            if !shared.charge(conn.uid, Quota::Contexts, 1) {
                return Out::Close(err(TEE_ERROR_BUSY, ORIGIN_TEE));
            }
            let mut token = [0u8; 16];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut token);
            let id = shared.next.fetch_add(1, Ordering::Relaxed);
            let ctx = Arc::new(Context {
                id,
                token,
                uid: conn.uid,
                conns: Mutex::new(1),
                shm: Mutex::new(HashMap::new()),
                shm_bytes: Mutex::new(0),
                running: Mutex::new(Cancellations::new(MAX_PENDING_CANCELS)),
                finished: AtomicBool::new(false),
                monitor: AtomicBool::new(false),
            });
            contexts.insert(id, ctx.clone());
            conn.ctx = Some(ctx);
            tracing::debug!(context = id, pid = conn.pid, "context initialized");
            Out::Reply(ClientReply::Hello { context: id, token })
        }
        ClientRequest::Attach { context, token } => {
            let found = shared.contexts.locked().get(&context).cloned();
            let ok = found.filter(|c| {
                let diff = c
                    .token
                    .iter()
                    .zip(token.iter())
                    .fold(0u8, |d, (a, b)| d | (a ^ b));
                diff == 0 && c.uid == conn.uid && !c.finished.load(Ordering::Acquire)
            });
            match ok {
                Some(c) => {
                    *c.conns.locked() += 1;
                    conn.ctx = Some(c);
                    Out::Reply(ClientReply::Ok)
                }
                None => Out::Close(err(TEE_ERROR_ACCESS_DENIED, ORIGIN_COMMS)),
            }
        }
        ClientRequest::OpenSession {
            uuid,
            login,
            connection_data,
            params,
            cancel_id,
        } => {
            let ctx = ctx.expect("checked above");
            Out::Reply(open_session(
                shared,
                conn,
                &ctx,
                uuid,
                login,
                connection_data,
                &params,
                cancel_id,
            ))
        }
        ClientRequest::Invoke {
            session,
            command,
            params,
            cancel_id,
        } => {
            let ctx = ctx.expect("checked above");
            let Some(s) = shared.session(&ctx, session) else {
                return Out::Reply(op_err(TeeError::api(TEE_ERROR_BAD_PARAMETERS)));
            };
            let checked = match check_params(conn, Some(session), &ctx, &params) {
                Ok(c) => c,
                Err(e) => return Out::Reply(op_err(e)),
            };
            let r = match &s.target {
                Target::Pta(pta) => {
                    let caller = crate::pta::Caller {
                        login: LOGIN_PUBLIC,
                        ta: None,
                        uid: Some(conn.uid),
                        core: &**shared,
                        state: s.pta_state.as_deref(),
                        abort: &crate::pta::never,
                    };
                    let mem = ClientPtaMem {
                        staging: staging_of(conn, Some(session)).0,
                        ctx: &ctx,
                    };
                    invoke_pta(&**pta, &caller, command, &checked, &mem)
                }
                Target::Ta(inst) => run_call(
                    shared,
                    conn,
                    &ctx,
                    inst,
                    Call::Invoke {
                        session: session_key(&s),
                        command,
                    },
                    ClientCall {
                        checked: &checked,
                        cancel_id,
                        session: Some(session),
                    },
                ),
            };
            Out::Reply(match r {
                Ok((result, params)) => ClientReply::Op {
                    result,
                    origin: ORIGIN_TRUSTED_APP,
                    session,
                    params,
                },
                Err(e) => op_err(e),
            })
        }
        ClientRequest::CloseSession { session } => {
            let ctx = ctx.expect("checked above");
            let s = shared
                .sessions
                .locked()
                .remove(Owner::Client(ctx.id), session);
            match s {
                Some(s) => {
                    shared.close_session(&s);
                    Out::Reply(ClientReply::Ok)
                }
                None => Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API)),
            }
        }
        ClientRequest::Cancel { cancel_id } => {
            let ctx = ctx.expect("checked above");
            let unknown = match ctx.running.locked().request(cancel_id) {
                Found::Running((inst, seq)) => {
                    if let Some(i) = inst.upgrade() {
                        i.cancel(*seq);
                    }
                    false
                }
                Found::AlreadyRequested => false,
                Found::Remembered => true,
            };
            // Not through the core: perhaps a direct call.
            if unknown {
                let direct: Vec<_> = shared
                    .sessions
                    .locked()
                    .owned(Owner::Client(ctx.id))
                    .map(|(_, s)| s)
                    .filter(|s| s.direct.load(Ordering::Acquire))
                    .cloned()
                    .collect();
                for s in direct {
                    if let Some(inst) = s.ta() {
                        inst.cancel_direct(session_key(&s), cancel_id as u32);
                    }
                }
            }
            Out::Reply(ClientReply::Ok)
        }
        ClientRequest::DirectStaging { session, size } => {
            let ctx = ctx.expect("checked above");
            let fd = fds.pop().expect("checked above");
            let Some(s) = shared.session(&ctx, session) else {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API));
            };
            if !s.direct.load(Ordering::Acquire) {
                return Out::Reply(err(TEE_ERROR_BAD_STATE, ORIGIN_API));
            }
            let Some(inst) = s.ta() else {
                return Out::Reply(err(TEE_ERROR_BAD_STATE, ORIGIN_API));
            };
            if size > limits.max_staging {
                return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
            }
            if !matches!(oxtee_sys::sealed_size(fd.as_fd()), Ok(real) if real >= size) {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE));
            }
            let id = shared.next.fetch_add(1, Ordering::Relaxed);
            let mut slot = s.direct_staging.locked();
            match inst.map_now(id, size, session_key(&s), fd, *slot) {
                Ok(()) => {
                    *slot = Some(id);
                    Out::Reply(ClientReply::Shm { id })
                }
                Err(e) => Out::Reply(err(e.code, e.origin)),
            }
        }
        ClientRequest::Direct { session } => {
            // Calls on a direct channel would not be counted.
            if shared.threads.limited() {
                return Out::Reply(err(TEE_ERROR_NOT_SUPPORTED, ORIGIN_TEE));
            }
            let ctx = ctx.expect("checked above");
            let Some(s) = shared.session(&ctx, session) else {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API));
            };
            let Some(inst) = s.ta().cloned() else {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API));
            };
            if s.direct.swap(true, Ordering::AcqRel) {
                return Out::Reply(err(TEE_ERROR_BUSY, ORIGIN_TEE));
            }
            let Ok((client_end, ta_end)) = Channel::pair() else {
                s.direct.store(false, Ordering::Release);
                return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
            };
            match inst.attach_direct(session_key(&s), ctx.id, ta_end.into_fd()) {
                Ok(service) => {
                    if let Some(svc) = service {
                        let served = inst.clone();
                        let shared = shared.clone();
                        let started = std::thread::Builder::new()
                            .name("oxtee-direct".into())
                            .spawn(move || {
                                served.serve_direct(svc, &shared);
                                // The process ended: what it held goes.
                                if served.is_dead() {
                                    shared.forget_single(&served);
                                }
                            });
                        if started.is_err() {
                            inst.kill();
                            return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
                        }
                    }
                    Out::ReplyFd(ClientReply::Ok, client_end.into_fd())
                }
                Err(e) => {
                    s.direct.store(false, Ordering::Release);
                    Out::Reply(err(e.code, e.origin))
                }
            }
        }
        ClientRequest::RegisterShm { size, flags } => {
            let ctx = ctx.expect("checked above");
            let fd = fds.pop().expect("checked above");
            if flags == 0 || flags & !(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT) != 0 {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE));
            }
            match oxtee_sys::sealed_size(fd.as_fd()) {
                Ok(real) if real >= size => {}
                _ => return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE)),
            }
            {
                let mut used = ctx.shm_bytes.locked();
                if used.saturating_add(size) > limits.max_shm_per_context {
                    return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
                }
                // Both kept until ReleaseShm / the context's end.
                let charges = shared
                    .charged(ctx.uid, Quota::ShmObjects, 1)
                    .zip(shared.charged(ctx.uid, Quota::ShmBytes, size));
                let Some((objects, bytes)) = charges else {
                    return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
                };
                objects.keep();
                bytes.keep();
                *used += size;
            }
            let id = shared.next.fetch_add(1, Ordering::Relaxed);
            ctx.shm.locked().insert(
                id,
                Arc::new(Shm {
                    id,
                    fd,
                    size,
                    flags,
                }),
            );
            Out::Reply(ClientReply::Shm { id })
        }
        ClientRequest::ReleaseShm { id } => {
            let ctx = ctx.expect("checked above");
            let removed = ctx.shm.locked().remove(&id);
            match removed {
                Some(s) => {
                    let mut used = ctx.shm_bytes.locked();
                    *used = used.saturating_sub(s.size);
                    shared.refund(ctx.uid, Quota::ShmObjects, 1);
                    shared.refund(ctx.uid, Quota::ShmBytes, s.size);
                    shared.unmap_everywhere(id);
                    Out::Reply(ClientReply::Ok)
                }
                None => Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API)),
            }
        }
        ClientRequest::SetStaging { size, session } => {
            let fd = fds.pop().expect("checked above");
            if size > limits.max_staging {
                return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
            }
            let ok = matches!(oxtee_sys::sealed_size(fd.as_fd()), Ok(real) if real >= size);
            if !ok {
                return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_TEE));
            }
            let ctx = ctx.expect("checked above");
            // A session's buffer: only for a session of this context; the
            // buffers of sessions since closed go first.
            let inst = match session {
                None => None,
                Some(id) => {
                    let sessions = shared.sessions.locked();
                    let owner = Owner::Client(ctx.id);
                    conn.session_staging
                        .retain(|st| sessions.contains(owner, st.session));
                    let Some(s) = sessions.get(owner, id) else {
                        return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API));
                    };
                    let replaces = conn.session_staging.iter().any(|st| st.session == id);
                    if !replaces && conn.session_staging.len() >= MAX_SESSION_STAGINGS {
                        return Out::Reply(err(TEE_ERROR_BUSY, ORIGIN_TEE));
                    }
                    let Some(inst) = s.ta() else {
                        return Out::Reply(err(TEE_ERROR_BAD_PARAMETERS, ORIGIN_API));
                    };
                    Some(Arc::downgrade(inst))
                }
            };
            let Ok(m) = Mapping::map(fd.as_fd(), size as usize) else {
                return Out::Reply(err(TEE_ERROR_OUT_OF_MEMORY, ORIGIN_TEE));
            };
            match (session, inst) {
                (Some(id), Some(inst)) => {
                    conn.session_staging.retain(|st| st.session != id);
                    conn.session_staging.push(SessionStaging {
                        session: id,
                        id: shared.next.fetch_add(1, Ordering::Relaxed),
                        fd,
                        map: m,
                        inst,
                    });
                }
                _ => conn.staging = Some((fd, m)),
            }
            Out::Reply(ClientReply::Ok)
        }
        ClientRequest::Finalize => {
            let ctx = ctx.expect("checked above");
            shared.finish_context(&ctx);
            Out::Reply(ClientReply::Ok)
        }
    }
}

/// The staging buffer a call's temporary memrefs are in: the session's
/// own on this connection, if the client installed one, otherwise the
/// connection's; with the id it is mapped into the TA under (session
/// buffers only).
fn staging_of(
    conn: &Conn,
    session: Option<u32>,
) -> (Option<&Mapping>, Option<(u32, BorrowedFd<'_>)>) {
    let own = session.and_then(|id| conn.session_staging.iter().find(|st| st.session == id));
    match own {
        Some(st) => (Some(&st.map), Some((st.id, st.fd.as_fd()))),
        None => (conn.staging.as_ref().map(|(_, m)| m), None),
    }
}

fn check_params(
    conn: &Conn,
    session: Option<u32>,
    ctx: &Context,
    p: &oxtee_proto::ClientOp,
) -> Result<[params::Checked; 4], TeeError> {
    let staging = staging_of(conn, session).0.map_or(0, |m| m.len() as u64);
    let shm = ctx.shm.locked();
    params::check(p, staging, |id| {
        shm.get(&id).map(|s| ShmInfo {
            size: s.size,
            flags: s.flags,
        })
    })
}

/// A client's operation as checked: its parameters, the id it may be
/// cancelled by, and the session it is for (None: an open).
struct ClientCall<'a> {
    checked: &'a [params::Checked; 4],
    cancel_id: u64,
    session: Option<u32>,
}

fn run_call(
    shared: &Arc<Shared>,
    conn: &Conn,
    ctx: &Context,
    inst: &Arc<Instance>,
    call: Call,
    op: ClientCall<'_>,
) -> Result<(u32, oxtee_proto::OutParams), TeeError> {
    let ClientCall {
        checked,
        cancel_id,
        session,
    } = op;
    // Temporary memrefs are copied into the instance's bounce buffer:
    // bounded per call and per user.
    // (A session's own staging buffer is not copied: nothing to charge.)
    let (staging, direct) = staging_of(conn, session);
    let temp = if direct.is_some() {
        0
    } else {
        crate::ta::staged_bytes(checked)
    };
    if temp > shared.cfg.limits.max_staging {
        return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
    }
    let _charge = shared
        .charged(conn.uid, Quota::TempBytes, temp)
        .ok_or(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
    let shm_lookup = |id: u32| ctx.shm.locked().get(&id).cloned();
    let mem = ClientMem {
        staging,
        context: ctx.id,
        direct,
        shm: &shm_lookup,
        watch: Some(&conn.ch),
        grace: Duration::from_millis(shared.cfg.limits.cancel_grace_ms),
        limit: None,
        cancel_after: None,
        nested: Some(shared),
    };
    let weak = Arc::downgrade(inst);
    let on_start = |seq: u64| {
        if ctx.running.locked().start(cancel_id, (weak.clone(), seq)) {
            inst.cancel(seq);
        }
    };
    let r = inst.call(call, checked, &mem, &on_start);
    ctx.running.locked().finish(&cancel_id);
    if inst.is_dead() {
        shared.forget_single(inst);
    }
    r
}

/// Find or start the instance a new session of `ta` goes to, following
/// the TA's instance flags, and reserve the session's slot on it. Returns
/// the instance and whether it was started for this session.
///
/// No lock is held while a new instance runs TA_CreateEntryPoint (it may
/// make TA-to-TA calls); if two opens of a single-instance TA race, the
/// first instance registered wins and the other is destroyed unused.
fn place_instance(
    shared: &Arc<Shared>,
    ta: &Arc<LoadedTa>,
    watch: Option<&Channel>,
) -> Result<(Arc<Instance>, bool), TeeError> {
    let (uuid, flags) = (ta.props.uuid, ta.props.flags);
    let alive = |i: &Arc<Instance>| !i.is_dead();
    if let Slot::Existing(_, i) = shared.table.locked().reserve(uuid, flags, alive)? {
        return Ok((i, false));
    }
    let fresh = shared.new_instance(ta, watch)?;
    let installed = shared
        .table
        .locked()
        .install(fresh.id, uuid, flags, fresh.clone(), alive);
    let other = match installed {
        Installed::Fresh => return Ok((fresh, true)),
        Installed::Joined(_, i) => Ok((i, false)),
        Installed::Refused(e) => Err(e),
    };
    // Another open of this single-instance TA won the race.
    let shared2 = shared.clone();
    let _ = std::thread::Builder::new()
        .name("oxtee-destroy".into())
        .spawn(move || fresh.destroy(Some(&shared2)));
    other
}

#[allow(clippy::too_many_arguments)]
fn open_session(
    shared: &Arc<Shared>,
    conn: &Conn,
    ctx: &Arc<Context>,
    uuid: Uuid,
    login: u32,
    connection_data: u32,
    p: &oxtee_proto::ClientOp,
    cancel_id: u64,
) -> ClientReply {
    if matches!(
        login,
        LOGIN_APPLICATION | LOGIN_USER_APPLICATION | LOGIN_GROUP_APPLICATION
    ) && !shared.cfg.application_logins
    {
        // As on Linux's TEE driver: nothing proves which program a peer
        // runs (it may have exec'd another since it connected).
        tracing::warn!(
            pid = conn.pid,
            login,
            "APPLICATION logins are disabled (application_logins = false); refused"
        );
        return op_err(TeeError::comms(TEE_ERROR_NOT_SUPPORTED));
    }
    let client = match client_identity(login, connection_data, &conn.peer) {
        Ok(c) => c,
        Err(e) => return op_err(e),
    };
    // Refunded on every failure; a session that opens keeps it until
    // `close_session`.
    let Some(charge) = shared.charged(conn.uid, Quota::Sessions, 1) else {
        return op_err(TeeError::tee(TEE_ERROR_BUSY));
    };
    // The session's number, held until it opens (or not).
    let owner = Owner::Client(ctx.id);
    let Some(reserved) = Reserved::new(shared, owner) else {
        return op_err(TeeError::tee(TEE_ERROR_BUSY));
    };
    let checked = match check_params(conn, None, ctx, p) {
        Ok(c) => c,
        Err(e) => return op_err(e),
    };
    if let Some(pta) = shared.ptas.find(uuid) {
        // A PTA refuses by its own login rules, origin TRUSTED_APP (as
        // OP-TEE's); its open takes no parameters.
        let caller = crate::pta::Caller {
            login,
            ta: None,
            uid: Some(conn.uid),
            core: &**shared,
            state: None,
            abort: &crate::pta::never,
        };
        let out = oxtee_proto::NO_OUT_PARAMS;
        if let Err(code) = pta.open(&caller) {
            tracing::info!(%uuid, login, "a pseudo-TA refused a client's session");
            return ClientReply::Op {
                result: code,
                origin: ORIGIN_TRUSTED_APP,
                session: 0,
                params: out,
            };
        }
        let pta_state = pta.session_state(&caller);
        let session = Arc::new(Session {
            target: Target::Pta(pta),
            ta_id: TA_SESSION_IDS.fetch_add(1, Ordering::Relaxed),
            charged: Some(conn.uid),
            direct: AtomicBool::new(false),
            direct_staging: Mutex::new(None),
            pta_state,
        });
        charge.keep();
        let Some(id) = reserved.fill(session) else {
            return op_err(TeeError::tee(TEE_ERROR_BAD_STATE));
        };
        return ClientReply::Op {
            result: TEE_SUCCESS,
            origin: ORIGIN_TRUSTED_APP,
            session: id,
            params: out,
        };
    }
    let ta = match shared.load_ta(uuid) {
        Ok(t) => t,
        Err(e) => return op_err(e),
    };
    // Find or start the instance, reserving a session slot on it.
    let (inst, started) = match place_instance(shared, &ta, Some(&conn.ch)) {
        Ok(x) => x,
        Err(e) => return op_err(e),
    };
    if started {
        *conn.refill.borrow_mut() = Some(ta.clone());
    }
    let session = Arc::new(Session {
        target: Target::Ta(inst.clone()),
        ta_id: TA_SESSION_IDS.fetch_add(1, Ordering::Relaxed),
        charged: Some(conn.uid),
        direct: AtomicBool::new(false),
        direct_staging: Mutex::new(None),
        pta_state: None,
    });
    let r = run_call(
        shared,
        conn,
        ctx,
        &inst,
        Call::Open {
            session: session_key(&session),
            client,
        },
        ClientCall {
            checked: &checked,
            cancel_id,
            session: None,
        },
    );
    match r {
        Ok((TEE_SUCCESS, params)) => {
            charge.keep();
            let Some(id) = reserved.fill(session) else {
                // The context was finalized meanwhile: the session is
                // closed again, and the client told.
                return op_err(TeeError::tee(TEE_ERROR_BAD_STATE));
            };
            tracing::debug!(%uuid, session = id, "session opened");
            ClientReply::Op {
                result: TEE_SUCCESS,
                origin: ORIGIN_TRUSTED_APP,
                session: id,
                params,
            }
        }
        Ok((result, params)) => {
            shared.release_instance(&inst);
            ClientReply::Op {
                result,
                origin: ORIGIN_TRUSTED_APP,
                session: 0,
                params,
            }
        }
        Err(e) => {
            shared.release_instance(&inst);
            op_err(e)
        }
    }
}

fn ree_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Replace `path` with `data` so that a crash leaves the old or the new
/// content: write a temporary file, fsync it, rename, fsync the directory.
pub(crate) fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    crate::fsperm::private_dir(dir, 0o700, None)?;
    let tmp = path.with_extension("tmp");
    let mut f = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?
    };
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

/// The parameters of a TA-to-TA call, checked against the caller's call
/// buffer (`buf_len` bytes) exactly as a client's against its staging.
fn check_call_params(
    param_types: u32,
    params: &[oxtee_proto::CallParam; 4],
    buf_len: u64,
) -> Result<[params::Checked; 4], TeeError> {
    use oxtee_proto::{CallParam, ClientParam, Dir};
    let bad = || TeeError::api(TEE_ERROR_BAD_PARAMETERS);
    let mut cp = [ClientParam::None; 4];
    for (i, p) in params.iter().enumerate() {
        let t = param_type_get(param_types, i);
        let dir = match t {
            PARAM_VALUE_INPUT | PARAM_MEMREF_INPUT => Dir::In,
            PARAM_VALUE_OUTPUT | PARAM_MEMREF_OUTPUT => Dir::Out,
            PARAM_VALUE_INOUT | PARAM_MEMREF_INOUT => Dir::InOut,
            PARAM_NONE => Dir::In,
            _ => return Err(bad()),
        };
        cp[i] = match (t, *p) {
            (PARAM_NONE, _) => ClientParam::None,
            (PARAM_VALUE_INPUT..=PARAM_VALUE_INOUT, CallParam::Value { a, b }) => {
                ClientParam::Value { dir, a, b }
            }
            (PARAM_MEMREF_INPUT..=PARAM_MEMREF_INOUT, CallParam::Mem { offset, size, null }) => {
                ClientParam::Staged {
                    dir,
                    offset,
                    size,
                    null,
                }
            }
            _ => return Err(bad()),
        };
    }
    let checked = params::check(&cp, buf_len, |_| None)?;
    // Four memrefs may each cover the whole call buffer: bound their sum
    // (the callee's bounce buffer holds all of them).
    if crate::ta::staged_bytes(&checked) > crate::ta::MAX_CALL_BUFFER {
        return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
    }
    Ok(checked)
}

fn call_done(
    r: Result<(u32, u32, u32, oxtee_proto::OutParams), TeeError>,
) -> oxtee_proto::CoreToTa {
    match r {
        Ok((result, origin, session, params)) => oxtee_proto::CoreToTa::CallDone {
            result,
            origin,
            session,
            params,
        },
        Err(e) => oxtee_proto::CoreToTa::CallDone {
            result: e.code,
            origin: e.origin,
            session: 0,
            params: oxtee_proto::NO_OUT_PARAMS,
        },
    }
}

/// A TA as a PTA's caller.
fn pta_caller<'a>(
    shared: &'a Shared,
    caller: &Instance,
    abort: &'a dyn Fn() -> bool,
) -> crate::pta::Caller<'a> {
    crate::pta::Caller {
        state: None,
        abort,
        login: LOGIN_TRUSTED_APP,
        ta: Some(crate::pta::CallerTa {
            instance: caller.id,
            image: caller.image,
            memory: caller.elf_digest,
        }),
        uid: None,
        core: shared,
    }
}

impl crate::store::Installed for Shared {
    fn generation(&self, uuid: &Uuid) -> Option<u64> {
        self.installed.locked().get(uuid).copied()
    }
    fn image(&self, uuid: &Uuid) -> Result<Vec<u8>, TeeError> {
        match self.storage.ta_installed_image(&uuid.0) {
            Ok(Some(b)) => Ok(b),
            Ok(None) => Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND)),
            Err(code) => Err(TeeError::tee(code)),
        }
    }
}

impl crate::pta::Core for Shared {
    fn ta_image(&self, uuid: Uuid) -> Result<oxtee_core::pta::attestation::TaImage, u32> {
        self.load_ta(uuid).map(|t| t.image()).map_err(|e| e.code)
    }

    fn install(&self, image: &[u8]) -> Result<(Uuid, u32), u32> {
        // One install at a time: the check against what is installed and
        // the write go together.
        let mut installed = self.installed.locked();
        // As OP-TEE: an older version than the one installed conflicts
        // (the versions are not secret: checked before verification).
        let offered = oxtee_core::image::parse(image).map_err(|_| TEE_ERROR_SECURITY)?;
        if installed.contains_key(&offered.uuid)
            && let Ok(Some(old)) = self.storage.ta_installed_image(&offered.uuid.0)
            && let Ok(old) = oxtee_core::image::parse(&old)
            && old.ta_version > offered.ta_version
        {
            return Err(TEE_ERROR_ACCESS_CONFLICT);
        }
        let gate_on = self.cfg.installed_rollback_protection;
        let (uuid, version) = self
            .store
            .check_install(image, &|kind, u, v| {
                if gate_on {
                    self.version_gate(kind, u, v)
                } else {
                    Ok(())
                }
            })
            .map_err(|e| e.code)?;
        self.storage.ta_install(&uuid.0, image)?;
        let generation = self.install_generation.fetch_add(1, Ordering::Relaxed);
        installed.insert(uuid, generation);
        tracing::info!(%uuid, version, "installed TA into trusted storage");
        Ok((uuid, version))
    }

    fn uninstall(&self, uuid: Uuid) -> Result<bool, u32> {
        let mut installed = self.installed.locked();
        let was = self.storage.ta_uninstall(&uuid.0)?;
        installed.remove(&uuid);
        if was {
            tracing::info!(%uuid, "uninstalled TA from trusted storage");
        }
        Ok(was)
    }

    fn supp_plugin(
        &self,
        uuid: [u8; 16],
        cmd: u32,
        sub_cmd: u32,
        data: Vec<u8>,
    ) -> Result<(u32, Vec<u8>), u32> {
        self.storage.plugin(uuid, cmd, sub_cmd, data)
    }

    fn status(&self) -> String {
        use std::fmt::Write;
        let (size, used) = self.budget.usage();
        let (threads, busy, waiting) = self.threads.usage();
        let mut out = format!(
            "uptime_ms {}\nsecure_memory {size} used {used}\nsecure_threads {threads} busy {busy} waiting {waiting}\ncontexts {}\nsessions {}\nsecure_mode {}\n",
            self.started.elapsed().as_millis(),
            self.contexts.locked().len(),
            self.sessions.locked().len(),
            match self.cfg.secure_mode {
                crate::config::SecureMode::Spd => "spd",
                crate::config::SecureMode::Spm => "spm",
            },
        );
        for (name, (id, seen)) in &self.partitions {
            use std::sync::atomic::Ordering::Relaxed;
            let _ = writeln!(
                out,
                "partition {id:#06x} {name} pid {} starts {}",
                seen.pid.load(Relaxed),
                seen.starts.load(Relaxed)
            );
        }
        let live: Vec<Arc<Instance>> = self
            .instances
            .locked()
            .iter()
            .filter_map(Weak::upgrade)
            .filter(|i| !i.is_dead())
            .collect();
        let table = self.table.locked();
        for i in live {
            // (A spare process is not an instance yet: no entry.)
            let Some(sessions) = table.sessions(i.id) else {
                continue;
            };
            let memory = i.charge.locked().as_ref().map_or(0, |c| c.bytes());
            let _ = writeln!(
                out,
                "instance {} {} pid {} memory {memory} sessions {sessions}",
                i.id, i.uuid, i.pid
            );
        }
        out
    }

    fn set_budget(&self, bytes: u64) -> Result<(), u64> {
        let r = self.budget.resize(bytes);
        match r {
            Ok(()) => tracing::info!(bytes, "secure memory budget resized"),
            Err(used) => tracing::warn!(bytes, used, "secure memory budget not resized: in use"),
        }
        r
    }

    fn installed(&self) -> Vec<(Uuid, u32)> {
        let list: Vec<Uuid> = self.installed.locked().keys().copied().collect();
        list.into_iter()
            .filter_map(|u| {
                let img = self.storage.ta_installed_image(&u.0).ok()??;
                let v = oxtee_core::image::parse(&img).ok()?.ta_version;
                Some((u, v))
            })
            .collect()
    }
}

/// Where a PTA call's memrefs are: read and written at their checked
/// places (false: out of range, or the memory is gone).
trait PtaMem {
    fn read(&self, c: &params::Checked, buf: &mut [u8]) -> bool;
    fn write(&self, c: &params::Checked, data: &[u8]) -> bool;
}

/// A TA's call buffer.
struct TaPtaMem<'a>(Option<&'a Mapping>);

impl PtaMem for TaPtaMem<'_> {
    fn read(&self, c: &params::Checked, buf: &mut [u8]) -> bool {
        match (c, self.0) {
            (params::Checked::Staged { offset, .. }, Some(m)) => m.read(*offset as usize, buf),
            _ => false,
        }
    }
    fn write(&self, c: &params::Checked, data: &[u8]) -> bool {
        match (c, self.0) {
            (params::Checked::Staged { offset, .. }, Some(m)) => m.write(*offset as usize, data),
            _ => false,
        }
    }
}

/// A client's staging buffer and registered shared memory.
struct ClientPtaMem<'a> {
    staging: Option<&'a Mapping>,
    ctx: &'a Context,
}

impl ClientPtaMem<'_> {
    fn with<R>(&self, c: &params::Checked, f: impl FnOnce(&Mapping, usize) -> R) -> Option<R> {
        match *c {
            params::Checked::Staged { offset, .. } => Some(f(self.staging?, offset as usize)),
            params::Checked::Shm { id, offset, .. } => {
                let shm = self.ctx.shm.locked().get(&id).cloned()?;
                let m = Mapping::map(shm.fd.as_fd(), shm.size as usize).ok()?;
                Some(f(&m, offset as usize))
            }
            _ => None,
        }
    }
}

impl PtaMem for ClientPtaMem<'_> {
    fn read(&self, c: &params::Checked, buf: &mut [u8]) -> bool {
        self.with(c, |m, at| m.read(at, buf)).unwrap_or(false)
    }
    fn write(&self, c: &params::Checked, data: &[u8]) -> bool {
        self.with(c, |m, at| m.write(at, data)).unwrap_or(false)
    }
}

/// Run a PTA command: its memrefs copied out of the caller's memory
/// (checked against it already) into the core, the outputs copied back
/// after the PTA returned. The GP result and what the caller gets back.
fn invoke_pta(
    pta: &dyn crate::pta::Pta,
    caller: &crate::pta::Caller<'_>,
    command: u32,
    checked: &[params::Checked; 4],
    mem: &dyn PtaMem,
) -> Result<(u32, oxtee_proto::OutParams), TeeError> {
    use oxtee_core::pta::Param;
    use oxtee_proto::OutParam;
    let gone = || TeeError::tee(TEE_ERROR_BAD_PARAMETERS);
    let mut p = [Param::None, Param::None, Param::None, Param::None];
    for (i, c) in checked.iter().enumerate() {
        p[i] = match *c {
            params::Checked::None => Param::None,
            params::Checked::Value { dir, a, b } => Param::Value {
                a,
                b,
                dir: dir.into(),
            },
            params::Checked::Staged { dir, size, .. } | params::Checked::Shm { dir, size, .. } => {
                // (A NULL memref is a zero-size one here.) The core copies
                // at most what the PTA takes of an output buffer, and
                // refuses a larger input (most take 64 KiB at most).
                let null = matches!(c, params::Checked::Staged { null: true, .. });
                let size = if null { 0 } else { size as usize };
                if dir.is_input() && size > pta.max_memref() {
                    return Err(TeeError::tee(TEE_ERROR_BAD_PARAMETERS));
                }
                let size = size.min(pta.max_memref());
                let mut data = vec![0u8; size];
                if dir.is_input() && size != 0 && !mem.read(c, &mut data) {
                    return Err(gone());
                }
                Param::Memref {
                    size,
                    data,
                    dir: dir.into(),
                }
            }
        };
    }
    let result = pta.invoke(caller, command, &mut p);
    let mut out = oxtee_proto::NO_OUT_PARAMS;
    for (i, (c, p)) in checked.iter().zip(&p).enumerate() {
        out[i] = match (c, p) {
            (params::Checked::Value { dir, .. }, Param::Value { a, b, .. }) if dir.is_output() => {
                OutParam::Value { a: *a, b: *b }
            }
            (
                params::Checked::Staged { dir, .. } | params::Checked::Shm { dir, .. },
                Param::Memref { data, size, .. },
            ) if dir.is_output() => {
                // The PTA's data when it fits, else only the size it needs.
                if *size <= data.len() && *size != 0 && !mem.write(c, &data[..*size]) {
                    return Err(gone());
                }
                OutParam::Size(*size as u64)
            }
            _ => OutParam::None,
        };
    }
    Ok((result, out))
}

/// TA-to-TA calls: the calling TA is the client, with login
/// TEE_LOGIN_TRUSTED_APP and its own UUID as identity; its sessions are
/// its own (another TA cannot use them) and are closed when it goes away.
impl crate::ta::Nested for Arc<Shared> {
    fn nested(
        &self,
        caller: &Instance,
        call: oxtee_proto::TaCall,
        buf: Option<&Mapping>,
        watch: Option<&Channel>,
    ) -> oxtee_proto::CoreToTa {
        // A PTA command waiting for the normal world gives up when the
        // caller died or its client went away (the caller's own wait then
        // cancels it and reaps it, see `Instance::exchange`).
        let abort = || {
            caller.is_dead()
                || watch.is_some_and(|c| c.poll(0).map(|(_, gone)| gone).unwrap_or(true))
        };
        use oxtee_proto::TaCall;
        let buf_len = buf.map_or(0, |m| m.len() as u64);
        let timeout = |ms: u32| (ms != u32::MAX).then(|| Duration::from_millis(ms as u64));
        let mem = |cancel_after| ClientMem {
            staging: buf,
            context: 0,
            direct: None,
            shm: &|_| None,
            watch: None,
            grace: Duration::from_millis(self.cfg.limits.cancel_grace_ms),
            limit: None,
            cancel_after,
            nested: Some(self),
        };
        // Cancellation of the caller's call reaches the callee's.
        let on_start = |callee: &Arc<Instance>| {
            let weak = Arc::downgrade(callee);
            move |seq: u64| {
                *caller.callee.locked() = Some((weak.clone(), seq));
                if caller.cancel_requested() {
                    if let Some(c) = weak.upgrade() {
                        c.cancel(seq);
                    }
                }
            }
        };
        let r = match call {
            // Trusted Storage answers with its own message.
            TaCall::Storage(c) => return self.storage.call(caller.id, &caller.uuid.0, c, buf),
            TaCall::Open {
                uuid,
                param_types,
                params,
                timeout_ms,
            } => (|| {
                let checked = check_call_params(param_types, &params, buf_len)?;
                let reserved = Reserved::new(self, Owner::Ta(caller.id))
                    .ok_or(TeeError::tee(TEE_ERROR_BUSY))?;
                if let Some(pta) = self.ptas.find(uuid) {
                    let pc = pta_caller(self, caller, &abort);
                    if let Err(code) = pta.open(&pc) {
                        let out = oxtee_proto::NO_OUT_PARAMS;
                        return Ok((code, ORIGIN_TRUSTED_APP, 0, out));
                    }
                    let pta_state = pta.session_state(&pc);
                    let session = Arc::new(Session {
                        target: Target::Pta(pta),
                        ta_id: TA_SESSION_IDS.fetch_add(1, Ordering::Relaxed),
                        charged: None,
                        direct: AtomicBool::new(false),
                        direct_staging: Mutex::new(None),
                        pta_state,
                    });
                    let id = reserved
                        .fill(session)
                        .ok_or(TeeError::tee(TEE_ERROR_BAD_STATE))?;
                    let out = oxtee_proto::NO_OUT_PARAMS;
                    return Ok((TEE_SUCCESS, ORIGIN_TRUSTED_APP, id, out));
                }
                let ta = self.load_ta(uuid)?;
                let (inst, started) = place_instance(self, &ta, None)?;
                if started && self.cfg.limits.spare_instances {
                    self.refill_spare(ta.clone());
                }
                let session = Arc::new(Session {
                    target: Target::Ta(inst.clone()),
                    ta_id: TA_SESSION_IDS.fetch_add(1, Ordering::Relaxed),
                    charged: None,
                    direct: AtomicBool::new(false),
                    direct_staging: Mutex::new(None),
                    pta_state: None,
                });
                let client = Identity {
                    login: LOGIN_TRUSTED_APP,
                    uuid: caller.uuid,
                };
                let r = inst.call(
                    Call::Open {
                        session: session_key(&session),
                        client,
                    },
                    &checked,
                    &mem(timeout(timeout_ms)),
                    &on_start(&inst),
                );
                *caller.callee.locked() = None;
                if inst.is_dead() {
                    self.forget_single(&inst);
                }
                match r {
                    Ok((TEE_SUCCESS, out)) => match reserved.fill(session) {
                        Some(id) => Ok((TEE_SUCCESS, ORIGIN_TRUSTED_APP, id, out)),
                        // The caller was destroyed meanwhile.
                        None => Err(TeeError::tee(TEE_ERROR_BAD_STATE)),
                    },
                    Ok((result, out)) => {
                        self.release_instance(&inst);
                        Ok((result, ORIGIN_TRUSTED_APP, 0, out))
                    }
                    Err(e) => {
                        self.release_instance(&inst);
                        Err(e)
                    }
                }
            })(),
            TaCall::Invoke {
                session,
                command,
                param_types,
                params,
                timeout_ms,
            } => (|| {
                let s = self
                    .sessions
                    .locked()
                    .get(Owner::Ta(caller.id), session)
                    .cloned();
                let s = s.ok_or(TeeError::api(TEE_ERROR_BAD_PARAMETERS))?;
                let checked = check_call_params(param_types, &params, buf_len)?;
                let inst = match &s.target {
                    Target::Ta(i) => i,
                    Target::Pta(pta) => {
                        let caller = crate::pta::Caller {
                            state: s.pta_state.as_deref(),
                            ..pta_caller(self, caller, &abort)
                        };
                        let mem = TaPtaMem(buf);
                        let r = invoke_pta(&**pta, &caller, command, &checked, &mem)?;
                        return Ok((r.0, ORIGIN_TRUSTED_APP, session, r.1));
                    }
                };
                let r = inst.call(
                    Call::Invoke {
                        session: session_key(&s),
                        command,
                    },
                    &checked,
                    &mem(timeout(timeout_ms)),
                    &on_start(inst),
                );
                *caller.callee.locked() = None;
                if inst.is_dead() {
                    self.forget_single(inst);
                }
                r.map(|(result, out)| (result, ORIGIN_TRUSTED_APP, session, out))
            })(),
            TaCall::GetPersistentTime => {
                let anchor = std::fs::read_to_string(self.ptime_path(caller.uuid))
                    .ok()
                    .and_then(|t| oxtee_core::ptime::Anchor::decode(&t));
                let (code, (secs, millis)) = match oxtee_core::ptime::get(anchor, ree_now_ms()) {
                    Ok(t) => (TEE_SUCCESS, t),
                    Err(e) => e,
                };
                let mut out = oxtee_proto::NO_OUT_PARAMS;
                out[0] = oxtee_proto::OutParam::Value { a: secs, b: millis };
                Ok((code, ORIGIN_TEE, 0, out))
            }
            TaCall::SetPersistentTime { seconds, millis } => {
                match oxtee_core::ptime::set(seconds, millis, ree_now_ms()) {
                    Ok(anchor) => match write_atomically(
                        &self.ptime_path(caller.uuid),
                        anchor.encode().as_bytes(),
                    ) {
                        Ok(()) => Ok((TEE_SUCCESS, ORIGIN_TEE, 0, oxtee_proto::NO_OUT_PARAMS)),
                        Err(e) => {
                            tracing::error!(uuid = %caller.uuid, "cannot store TA persistent time: {e}");
                            let code = if e.raw_os_error() == Some(libc::ENOSPC) {
                                0xFFFF_3041
                            } else {
                                TEE_ERROR_GENERIC
                            };
                            Err(TeeError::tee(code))
                        }
                    },
                    Err(code) => Err(TeeError::api(code)),
                }
            }
            TaCall::Close { session } => {
                let s = self.sessions.locked().remove(Owner::Ta(caller.id), session);
                match s {
                    Some(s) => {
                        self.close_session(&s);
                        Ok((TEE_SUCCESS, ORIGIN_TEE, 0, oxtee_proto::NO_OUT_PARAMS))
                    }
                    None => Err(TeeError::api(TEE_ERROR_BAD_PARAMETERS)),
                }
            }
        };
        call_done(r)
    }
}
