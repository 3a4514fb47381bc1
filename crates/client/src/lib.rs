//! The GlobalPlatform TEE Client API for oxtee, in safe Rust.
//!
//! ```no_run
//! use oxtee_client::{Context, Login, Param, Uuid};
//! let ctx = Context::new(None)?;
//! let uuid = Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b").unwrap();
//! let (session, _) = ctx.open_session(uuid, Login::Public, &mut [])?;
//! let mut params = [Param::ValueInOut { a: 42, b: 0 }];
//! session.invoke(0, &mut params)?;
//! if let Param::ValueInOut { a, .. } = params[0] { assert_eq!(a, 43) }
//! # Ok::<(), oxtee_client::Error>(())
//! ```
//!
//! A [`Context`] is a connection to the secure world. Calls can be made
//! from many threads at once: each concurrent call uses its own connection
//! of the context (a small pool), so calls to different sessions proceed in
//! parallel. Temporary memory references travel through a per-connection
//! staging buffer; [`SharedMemory`] is mapped into the TA (zero copy).
#![forbid(unsafe_code)]

mod linux;

use oxtee_proto::{
    ClientParam, ClientReply, ClientRequest, Dir, DirectCall, DirectReply, OutParam, OutParams,
    decode, encode,
};
use oxtee_sys::{Channel, Mapping};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub use oxtee_proto::Uuid;

pub const TEEC_SUCCESS: u32 = 0;
pub const TEEC_ERROR_GENERIC: u32 = 0xFFFF_0000;
pub const TEEC_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
pub const TEEC_ERROR_CANCEL: u32 = 0xFFFF_0002;
pub const TEEC_ERROR_BAD_FORMAT: u32 = 0xFFFF_0005;
pub const TEEC_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
pub const TEEC_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
pub const TEEC_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
pub const TEEC_ERROR_NOT_SUPPORTED: u32 = 0xFFFF_000A;
pub const TEEC_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
pub const TEEC_ERROR_BUSY: u32 = 0xFFFF_000D;
pub const TEEC_ERROR_COMMUNICATION: u32 = 0xFFFF_000E;
pub const TEEC_ERROR_SECURITY: u32 = 0xFFFF_000F;
pub const TEEC_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;
pub const TEEC_ERROR_TARGET_DEAD: u32 = 0xFFFF_3024;
pub const TEEC_ORIGIN_API: u32 = 1;
pub const TEEC_ORIGIN_COMMS: u32 = 2;
pub const TEEC_ORIGIN_TEE: u32 = 3;
pub const TEEC_ORIGIN_TRUSTED_APP: u32 = 4;
pub const TEEC_MEM_INPUT: u32 = 1;
pub const TEEC_MEM_OUTPUT: u32 = 2;
/// Largest shared memory block (TEEC_CONFIG_SHAREDMEM_MAX_SIZE).
pub const SHAREDMEM_MAX_SIZE: usize = 256 << 20;

/// A GP result code with its return origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    pub code: u32,
    pub origin: u32,
}

impl Error {
    pub const fn new(code: u32, origin: u32) -> Error {
        Error { code, origin }
    }
    fn comms() -> Error {
        Error::new(TEEC_ERROR_COMMUNICATION, TEEC_ORIGIN_COMMS)
    }
    fn api(code: u32) -> Error {
        Error::new(code, TEEC_ORIGIN_API)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TEE error 0x{:08x} (origin {})", self.code, self.origin)
    }
}

impl std::error::Error for Error {}

/// Login methods (TEEC_LOGIN_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Login {
    Public,
    User,
    Group(u32),
    Application,
    UserApplication,
    GroupApplication(u32),
}

impl Login {
    /// From TEEC_LOGIN_* and the connection data (a gid for group logins).
    pub fn from_raw(method: u32, data: Option<u32>) -> Result<Login, Error> {
        Ok(match (method, data) {
            (0, _) => Login::Public,
            (1, _) => Login::User,
            (2, Some(g)) => Login::Group(g),
            (4, _) => Login::Application,
            (5, _) => Login::UserApplication,
            (6, Some(g)) => Login::GroupApplication(g),
            _ => return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS)),
        })
    }
    fn raw(self) -> (u32, u32) {
        match self {
            Login::Public => (0, 0),
            Login::User => (1, 0),
            Login::Group(g) => (2, g),
            Login::Application => (4, 0),
            Login::UserApplication => (5, 0),
            Login::GroupApplication(g) => (6, g),
        }
    }
}

/// One parameter of an operation. Output values and sizes are written
/// back into the parameter when the call returns.
#[derive(Debug)]
pub enum Param<'a> {
    None,
    ValueIn {
        a: u32,
        b: u32,
    },
    ValueOut {
        a: u32,
        b: u32,
    },
    ValueInOut {
        a: u32,
        b: u32,
    },
    /// Temporary memory references (copied to and from the TA). `size`
    /// starts as the buffer length; after the call it is the size the TA
    /// reported (which may exceed the buffer with TEEC_ERROR_SHORT_BUFFER).
    TempIn {
        buf: &'a [u8],
    },
    TempOut {
        buf: &'a mut [u8],
        size: usize,
    },
    TempInOut {
        buf: &'a mut [u8],
        size: usize,
    },
    /// A NULL temporary buffer announcing `size` (size feedback only).
    TempNull {
        dir: Dir,
        size: usize,
    },
    /// A region of allocated shared memory (zero copy).
    Shm {
        mem: &'a SharedMemory,
        dir: Dir,
        offset: usize,
        size: usize,
    },
}

struct Conn {
    ch: Channel,
    staging: Option<(OwnedFd, Mapping)>,
    /// Staging buffers of single sessions (the core maps each into that
    /// session's TA: no copy in the core). A session gets one on its
    /// second call with temporary memrefs on this connection.
    sessions: Vec<(u32, OwnedFd, Mapping)>,
    /// Sessions that made a call with temporary memrefs here (the last few).
    seen: Vec<u32>,
}

impl Conn {
    fn new(ch: Channel) -> Conn {
        Conn {
            ch,
            staging: None,
            sessions: Vec::new(),
            seen: Vec::new(),
        }
    }
}

/// Session staging buffers per connection (the core's limit).
const MAX_SESSION_STAGINGS: usize = 4;

struct Inner {
    path: PathBuf,
    id: u32,
    token: [u8; 16],
    pool: Mutex<Vec<Conn>>,
    first: Mutex<Option<Conn>>,
    finalized: AtomicBool,
    next_cancel: AtomicU64,
    /// Sessions open in this context (a closed one's staging is dropped).
    open: Mutex<std::collections::HashSet<u32>>,
    /// The Linux TEE subsystem backend (`/dev/tee0`) instead of the socket.
    tee: Option<linux::Device>,
}

/// TEEC_Context: a connection to the secure world.
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Context({})", self.inner.id)
    }
}

/// Create a sealed staging buffer of at least `need` bytes and install it
/// in the core, for the connection or for one session's calls on it.
fn install_staging(
    ch: &Channel,
    need: usize,
    session: Option<u32>,
) -> Result<(OwnedFd, Mapping), Error> {
    let size = need.next_power_of_two().max(64 << 10);
    let oom = |_| Error::api(TEEC_ERROR_OUT_OF_MEMORY);
    let fd = oxtee_sys::memfd("oxtee-staging", size as u64, true).map_err(oom)?;
    let m = Mapping::map(fd.as_fd(), size).map_err(oom)?;
    let req = ClientRequest::SetStaging {
        size: size as u64,
        session,
    };
    match exchange(ch, &req, &[fd.as_fd()])? {
        ClientReply::Ok => Ok((fd, m)),
        ClientReply::Error { result, origin } => Err(Error::new(result, origin)),
        _ => Err(Error::comms()),
    }
}

/// Where each temporary buffer goes in a staging area, and the bytes
/// needed.
fn layout(params: &[Param<'_>]) -> Result<([usize; 4], usize), Error> {
    let mut offs = [0usize; 4];
    let mut need = 0usize;
    for (i, p) in params.iter().enumerate() {
        let len = match p {
            Param::TempIn { buf } => buf.len(),
            Param::TempOut { buf, .. } | Param::TempInOut { buf, .. } => buf.len(),
            _ => 0,
        };
        offs[i] = need;
        need = need
            .checked_add(len.div_ceil(8) * 8)
            .ok_or(Error::api(TEEC_ERROR_BAD_PARAMETERS))?;
    }
    if need > SHAREDMEM_MAX_SIZE {
        return Err(Error::api(TEEC_ERROR_OUT_OF_MEMORY));
    }
    Ok((offs, need))
}

fn end_call(cancel: Option<&Arc<CancelToken>>) {
    if let Some(t) = cancel {
        t.running.store(0, Ordering::SeqCst);
    }
}

/// Copy a call's results into `params`: values, sizes, and (on success)
/// temporary outputs from `staging`, never more than each buffer holds.
fn copy_out(
    params: &mut [Param<'_>],
    staging: Option<&Mapping>,
    offs: &[usize; 4],
    result: u32,
    out: &OutParams,
) {
    for (i, p) in params.iter_mut().enumerate() {
        match (p, out[i]) {
            (
                Param::ValueOut { a, b } | Param::ValueInOut { a, b },
                OutParam::Value { a: na, b: nb },
            ) => {
                *a = na;
                *b = nb;
            }
            (Param::TempOut { buf, size } | Param::TempInOut { buf, size }, OutParam::Size(n)) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if result == TEEC_SUCCESS {
                    let len = n.min(buf.len());
                    if let Some(s) = staging {
                        s.read(offs[i], &mut buf[..len]);
                    }
                }
                *size = n;
            }
            (Param::TempNull { size, .. } | Param::Shm { size, .. }, OutParam::Size(n)) => {
                *size = usize::try_from(n).unwrap_or(usize::MAX);
            }
            _ => {}
        }
    }
}

fn exchange(
    ch: &Channel,
    req: &ClientRequest,
    fds: &[BorrowedFd<'_>],
) -> Result<ClientReply, Error> {
    exchange_fds(ch, req, fds, &mut Vec::new())
}

/// As [`exchange`], keeping the descriptors the answer carries.
fn exchange_fds(
    ch: &Channel,
    req: &ClientRequest,
    fds: &[BorrowedFd<'_>],
    got: &mut Vec<OwnedFd>,
) -> Result<ClientReply, Error> {
    let bytes = encode(req).map_err(|_| Error::api(TEEC_ERROR_BAD_PARAMETERS))?;
    ch.send(&bytes, fds).map_err(|_| Error::comms())?;
    // Replies are small (no bulk data travels in messages).
    let mut buf = [0u8; oxtee_proto::limits::CLIENT_REPLY];
    match ch.recv(&mut buf, got) {
        Ok(Some(n)) => decode(&buf[..n]).map_err(|_| Error::comms()),
        _ => Err(Error::comms()),
    }
}

/// One call on a direct channel and the TA's answer.
fn direct_exchange(ch: &Channel, call: &DirectCall) -> Result<DirectReply, Error> {
    let bytes = encode(call).map_err(|_| Error::api(TEEC_ERROR_BAD_PARAMETERS))?;
    ch.send(&bytes, &[]).map_err(|_| Error::comms())?;
    let mut buf = [0u8; oxtee_proto::limits::CLIENT_REPLY];
    match ch.recv(&mut buf, &mut Vec::new()) {
        Ok(Some(n)) => decode(&buf[..n]).map_err(|_| Error::comms()),
        _ => Err(Error::comms()),
    }
}

/// A session's direct channel to its TA (see [`Session::invoke`]).
#[derive(Default)]
struct Direct {
    /// Invokes so far: the channel is asked for on the second.
    calls: u32,
    ch: Option<Channel>,
    /// Refused or broken: the session's calls go through the core.
    off: bool,
    /// The staging buffer of direct calls: its id in the TA, and itself.
    staging: Option<(u32, OwnedFd, Mapping)>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Direct(open: {})", self.ch.is_some())
    }
}

/// The socket a context named `name` connects to (`None`: the default
/// secure world), or `None` for a name that is not a secure world's.
pub fn socket_path(name: Option<&str>) -> Option<PathBuf> {
    resolve(name).ok()
}

fn resolve(name: Option<&str>) -> Result<PathBuf, Error> {
    match name {
        None | Some("") | Some("oxtee") => Ok(oxtee_sys::client_socket_path()),
        Some(p) if p.starts_with('/') && p.len() <= oxtee_proto::limits::TEE_NAME => {
            Ok(PathBuf::from(p))
        }
        Some(_) => Err(Error::api(TEEC_ERROR_ITEM_NOT_FOUND)),
    }
}

/// Cancels an operation from another thread (TEEC_RequestCancellation).
#[derive(Debug, Default)]
pub struct CancelToken {
    requested: AtomicBool,
    running: AtomicU64,
    /// The session of the running call (0 while opening one): the Linux
    /// driver's cancel names it.
    session: std::sync::atomic::AtomicU32,
    ctx: Mutex<Option<Context>>,
}

impl CancelToken {
    pub fn new() -> Arc<CancelToken> {
        Arc::new(CancelToken::default())
    }

    /// Whether the operation this token guards has been sent to the core.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst) != 0
    }

    /// Request cancellation. An operation that has not started yet returns
    /// TEEC_ERROR_CANCEL as soon as it is started.
    pub fn cancel(&self) {
        self.requested.store(true, Ordering::SeqCst);
        let id = self.running.load(Ordering::SeqCst);
        let ctx = self.ctx.lock().unwrap().clone();
        if let (Some(ctx), true) = (ctx, id != 0) {
            match &ctx.inner.tee {
                Some(d) => {
                    let session = self.session.load(Ordering::SeqCst);
                    let _ = d.dev.cancel(session, id as u32);
                }
                None => {
                    let _ = ctx.simple(&ClientRequest::Cancel { cancel_id: id });
                }
            }
        }
    }
}

impl Context {
    /// TEEC_InitializeContext. `name` None (or "oxtee") selects the default
    /// secure world (`$OXTEE_SOCKET` or the default socket path); a name
    /// starting with '/' is a socket path.
    pub fn new(name: Option<&str>) -> Result<Context, Error> {
        if let Some(dev) = linux::device_for(name) {
            let d = linux::Device::open(dev)?;
            return Ok(Context {
                inner: Arc::new(Inner {
                    path: dev.to_path_buf(),
                    id: 0,
                    token: [0; 16],
                    pool: Mutex::new(Vec::new()),
                    first: Mutex::new(None),
                    finalized: AtomicBool::new(false),
                    next_cancel: AtomicU64::new(1),
                    open: Mutex::new(std::collections::HashSet::new()),
                    tee: Some(d),
                }),
            });
        }
        let path = resolve(name)?;
        let ch = Channel::connect_trusted(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                // A socket served by someone this user cannot trust (a
                // folder another user created first): never talk to it.
                Error::new(TEEC_ERROR_ACCESS_DENIED, TEEC_ORIGIN_COMMS)
            } else {
                Error::new(TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ORIGIN_COMMS)
            }
        })?;
        let hello = ClientRequest::Hello {
            version: oxtee_proto::PROTO_VERSION,
            tee_name: name.map(str::to_owned),
        };
        match exchange(&ch, &hello, &[])? {
            ClientReply::Hello { context, token } => Ok(Context {
                inner: Arc::new(Inner {
                    path,
                    id: context,
                    token,
                    pool: Mutex::new(Vec::new()),
                    first: Mutex::new(Some(Conn::new(ch))),
                    finalized: AtomicBool::new(false),
                    next_cancel: AtomicU64::new(1),
                    open: Mutex::new(std::collections::HashSet::new()),
                    tee: None,
                }),
            }),
            ClientReply::Error { result, origin } => Err(Error::new(result, origin)),
            _ => Err(Error::comms()),
        }
    }

    fn take_conn(&self) -> Result<Conn, Error> {
        if self.inner.finalized.load(Ordering::Acquire) {
            return Err(Error::api(TEEC_ERROR_BAD_STATE));
        }
        if let Some(c) = self.inner.pool.lock().unwrap().pop() {
            return Ok(c);
        }
        if let Some(c) = self.inner.first.lock().unwrap().take() {
            return Ok(c);
        }
        let ch = Channel::connect_trusted(&self.inner.path).map_err(|_| Error::comms())?;
        match exchange(
            &ch,
            &ClientRequest::Attach {
                context: self.inner.id,
                token: self.inner.token,
            },
            &[],
        )? {
            ClientReply::Ok => Ok(Conn::new(ch)),
            _ => Err(Error::comms()),
        }
    }

    fn put_conn(&self, c: Conn) {
        self.inner.pool.lock().unwrap().push(c);
    }

    fn simple(&self, req: &ClientRequest) -> Result<ClientReply, Error> {
        let c = self.take_conn()?;
        let r = exchange(&c.ch, req, &[]);
        if r.is_ok() {
            self.put_conn(c);
        }
        r
    }

    /// TEEC_OpenSession. Returns the session and the TA's return origin.
    pub fn open_session(
        &self,
        uuid: Uuid,
        login: Login,
        params: &mut [Param<'_>],
    ) -> Result<(Session, u32), Error> {
        self.open_session_cancellable(uuid, login, params, None)
    }

    pub fn open_session_cancellable(
        &self,
        uuid: Uuid,
        login: Login,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
    ) -> Result<(Session, u32), Error> {
        if let Some(d) = &self.inner.tee {
            if params.len() > 4 {
                return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
            }
            if self.inner.finalized.load(Ordering::Acquire) {
                return Err(Error::api(TEEC_ERROR_BAD_STATE));
            }
            return self.tee_open_session(d, uuid, login, params, cancel);
        }
        let (method, data) = login.raw();
        let (session, origin) = self.call(params, cancel, None, |p, cancel_id| {
            ClientRequest::OpenSession {
                uuid,
                login: method,
                connection_data: data,
                params: p,
                cancel_id,
            }
        })?;
        Ok((self.opened(session), origin))
    }

    /// A session the secure world opened, recorded as open here.
    fn opened(&self, session: u32) -> Session {
        self.inner.open.lock().unwrap().insert(session);
        Session {
            direct: Mutex::new(Direct::default()),
            ctx: self.clone(),
            id: session,
            open: AtomicBool::new(true),
        }
    }

    /// Run one operation: stage temporary memrefs, send, copy outputs back.
    fn call(
        &self,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
        session: Option<u32>,
        make: impl FnOnce([ClientParam; 4], u64) -> ClientRequest,
    ) -> Result<(u32, u32), Error> {
        if params.len() > 4 {
            return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
        }
        let mut conn = self.take_conn()?;
        let r = self.call_on(&mut conn, params, cancel, session, make);
        match r {
            Err(e) if e.origin == TEEC_ORIGIN_COMMS && e.code == TEEC_ERROR_COMMUNICATION => {}
            _ => self.put_conn(conn),
        }
        r
    }

    /// The index of `session`'s own staging buffer on `conn`, installed
    /// or grown as needed: once a session has one on a connection, the
    /// core takes every temporary memref of its calls there from it, so
    /// failing to grow it is an error. None: use the connection's.
    fn session_staging(
        &self,
        conn: &mut Conn,
        session: u32,
        need: usize,
    ) -> Result<Option<usize>, Error> {
        if let Some(i) = conn.sessions.iter().position(|x| x.0 == session) {
            if conn.sessions[i].2.len() < need {
                let (fd, m) = install_staging(&conn.ch, need, Some(session))?;
                conn.sessions[i] = (session, fd, m);
            }
            return Ok(Some(i));
        }
        if !conn.seen.contains(&session) {
            if conn.seen.len() >= 2 * MAX_SESSION_STAGINGS {
                conn.seen.remove(0);
            }
            conn.seen.push(session);
            return Ok(None);
        }
        // The core drops the buffers of closed sessions when asked for a
        // new one; so does this side.
        {
            let open = self.inner.open.lock().unwrap();
            conn.sessions.retain(|x| open.contains(&x.0));
        }
        if conn.sessions.len() >= MAX_SESSION_STAGINGS {
            return Ok(None);
        }
        match install_staging(&conn.ch, need, Some(session)) {
            Ok((fd, m)) => {
                conn.sessions.push((session, fd, m));
                Ok(Some(conn.sessions.len() - 1))
            }
            // Not installed: the connection's buffer serves.
            Err(e) if e.origin != TEEC_ORIGIN_COMMS => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Ask the core for `session`'s direct channel.
    fn direct_channel(&self, session: u32) -> Result<Channel, Error> {
        let c = self.take_conn()?;
        let mut got = Vec::new();
        let r = exchange_fds(&c.ch, &ClientRequest::Direct { session }, &[], &mut got);
        if r.is_ok() {
            self.put_conn(c);
        }
        match (r?, got.pop()) {
            (ClientReply::Ok, Some(fd)) if got.is_empty() => Ok(Channel::from_fd(fd)),
            (ClientReply::Error { result, origin }, _) => Err(Error::new(result, origin)),
            _ => Err(Error::comms()),
        }
    }

    /// A staging buffer of at least `need` bytes for `session`'s direct
    /// calls, installed (mapped into the TA by the core); with its id.
    fn direct_staging(&self, session: u32, need: usize) -> Result<(u32, OwnedFd, Mapping), Error> {
        let size = need.next_power_of_two().max(64 << 10);
        let oom = |_| Error::api(TEEC_ERROR_OUT_OF_MEMORY);
        let fd = oxtee_sys::memfd("oxtee-staging", size as u64, true).map_err(oom)?;
        let m = Mapping::map(fd.as_fd(), size).map_err(oom)?;
        let c = self.take_conn()?;
        let req = ClientRequest::DirectStaging {
            session,
            size: size as u64,
        };
        let r = exchange(&c.ch, &req, &[fd.as_fd()]);
        if r.is_ok() {
            self.put_conn(c);
        }
        match r? {
            ClientReply::Shm { id } => Ok((id, fd, m)),
            ClientReply::Error { result, origin } => Err(Error::new(result, origin)),
            _ => Err(Error::comms()),
        }
    }

    fn call_on(
        &self,
        conn: &mut Conn,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
        session: Option<u32>,
        make: impl FnOnce([ClientParam; 4], u64) -> ClientRequest,
    ) -> Result<(u32, u32), Error> {
        let (offs, need) = layout(params)?;
        let own = match session {
            Some(s) if need > 0 => self.session_staging(conn, s, need)?,
            _ => None,
        };
        if own.is_none() && need > 0 && conn.staging.as_ref().is_none_or(|(_, m)| m.len() < need) {
            let (fd, m) = install_staging(&conn.ch, need, None)?;
            conn.staging = Some((fd, m));
        }
        let staging = match own {
            Some(i) => Some(&conn.sessions[i].2),
            None => conn.staging.as_ref().map(|(_, m)| m),
        };
        let wire = self.wire(params, staging, &offs)?;
        let cancel_id = self.begin_call(cancel)?;
        let reply = exchange(&conn.ch, &make(wire, cancel_id), &[]);
        end_call(cancel);
        let (result, origin, session, out) = match reply? {
            ClientReply::Op {
                result,
                origin,
                session,
                params,
            } => (result, origin, session, params),
            ClientReply::Error { result, origin } => return Err(Error::new(result, origin)),
            _ => return Err(Error::comms()),
        };
        let staging = match own {
            Some(i) => Some(&conn.sessions[i].2),
            None => conn.staging.as_ref().map(|(_, m)| m),
        };
        copy_out(params, staging, &offs, result, &out);
        if result != TEEC_SUCCESS {
            return Err(Error::new(result, origin));
        }
        Ok((session, origin))
    }

    /// The wire form of `params`, temporary inputs copied into `staging`
    /// at `offs`.
    fn wire(
        &self,
        params: &[Param<'_>],
        staging: Option<&Mapping>,
        offs: &[usize; 4],
    ) -> Result<[ClientParam; 4], Error> {
        let mut wire = [ClientParam::None; 4];
        for (i, p) in params.iter().enumerate() {
            wire[i] = match p {
                Param::None => ClientParam::None,
                Param::ValueIn { a, b } => ClientParam::Value {
                    dir: Dir::In,
                    a: *a,
                    b: *b,
                },
                Param::ValueOut { .. } => ClientParam::Value {
                    dir: Dir::Out,
                    a: 0,
                    b: 0,
                },
                Param::ValueInOut { a, b } => ClientParam::Value {
                    dir: Dir::InOut,
                    a: *a,
                    b: *b,
                },
                Param::TempIn { buf } => {
                    staging.map(|s| s.write(offs[i], buf));
                    ClientParam::Staged {
                        dir: Dir::In,
                        offset: offs[i] as u64,
                        size: buf.len() as u64,
                        null: false,
                    }
                }
                Param::TempOut { buf, .. } => ClientParam::Staged {
                    dir: Dir::Out,
                    offset: offs[i] as u64,
                    size: buf.len() as u64,
                    null: false,
                },
                Param::TempInOut { buf, .. } => {
                    staging.map(|s| s.write(offs[i], buf));
                    ClientParam::Staged {
                        dir: Dir::InOut,
                        offset: offs[i] as u64,
                        size: buf.len() as u64,
                        null: false,
                    }
                }
                Param::TempNull { dir, size } => ClientParam::Staged {
                    dir: *dir,
                    offset: 0,
                    size: *size as u64,
                    null: true,
                },
                Param::Shm {
                    mem,
                    dir,
                    offset,
                    size,
                } => {
                    if !Arc::ptr_eq(&mem.ctx.inner, &self.inner) {
                        return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
                    }
                    ClientParam::Shm {
                        dir: *dir,
                        id: mem.id,
                        offset: *offset as u64,
                        size: *size as u64,
                    }
                }
            };
        }
        Ok(wire)
    }

    /// A new cancellation id, registered with `cancel`; TEEC_ERROR_CANCEL
    /// if cancellation was requested already.
    fn begin_call(&self, cancel: Option<&Arc<CancelToken>>) -> Result<u64, Error> {
        let cancel_id = self.inner.next_cancel.fetch_add(1, Ordering::Relaxed);
        if let Some(t) = cancel {
            *t.ctx.lock().unwrap() = Some(self.clone());
            t.running.store(cancel_id, Ordering::SeqCst);
            if t.requested.load(Ordering::SeqCst) {
                t.running.store(0, Ordering::SeqCst);
                return Err(Error::new(TEEC_ERROR_CANCEL, TEEC_ORIGIN_API));
            }
        }
        Ok(cancel_id)
    }

    /// TEEC_AllocateSharedMemory: memory mapped by both this process and
    /// the TAs it is passed to.
    pub fn allocate_shared_memory(&self, size: usize, flags: u32) -> Result<SharedMemory, Error> {
        if flags == 0 || flags & !(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT) != 0 {
            return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
        }
        if size > SHAREDMEM_MAX_SIZE {
            return Err(Error::api(TEEC_ERROR_OUT_OF_MEMORY));
        }
        if let Some(d) = &self.inner.tee {
            if self.inner.finalized.load(Ordering::Acquire) {
                return Err(Error::api(TEEC_ERROR_BAD_STATE));
            }
            return self.tee_allocate(d, size, flags);
        }
        let oom = |_| Error::api(TEEC_ERROR_OUT_OF_MEMORY);
        let fd = oxtee_sys::memfd("oxtee-shm", size as u64, true).map_err(oom)?;
        let map = Mapping::map(fd.as_fd(), size).map_err(oom)?;
        let c = self.take_conn()?;
        let r = exchange(
            &c.ch,
            &ClientRequest::RegisterShm {
                size: size as u64,
                flags,
            },
            &[fd.as_fd()],
        );
        if r.is_ok() {
            self.put_conn(c);
        }
        match r? {
            ClientReply::Shm { id } => Ok(SharedMemory {
                ctx: self.clone(),
                id,
                tee_id: None,
                map,
                size,
                flags,
            }),
            ClientReply::Error { result, origin } => Err(Error::new(result, origin)),
            _ => Err(Error::comms()),
        }
    }

    /// TEEC_FinalizeContext. Closes the sessions still open.
    pub fn finalize(&self) {
        if self.inner.finalized.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(d) = &self.inner.tee {
            // The driver ends what is left when the device is closed; the
            // sessions still open are closed now, as on the socket.
            let open: Vec<u32> = self.inner.open.lock().unwrap().drain().collect();
            for s in open {
                let _ = d.dev.close_session(s);
            }
            return;
        }
        let conn = self
            .inner
            .pool
            .lock()
            .unwrap()
            .pop()
            .or_else(|| self.inner.first.lock().unwrap().take());
        if let Some(c) = conn {
            let _ = exchange(&c.ch, &ClientRequest::Finalize, &[]);
        }
        self.inner.pool.lock().unwrap().clear();
        self.inner.first.lock().unwrap().take();
    }
}

/// TEEC_Session.
#[derive(Debug)]
pub struct Session {
    ctx: Context,
    id: u32,
    open: AtomicBool,
    direct: Mutex<Direct>,
}

impl Session {
    pub fn id(&self) -> u32 {
        self.id
    }

    /// TEEC_InvokeCommand. Returns the return origin.
    pub fn invoke(&self, command: u32, params: &mut [Param<'_>]) -> Result<u32, Error> {
        self.invoke_cancellable(command, params, None)
    }

    pub fn invoke_cancellable(
        &self,
        command: u32,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
    ) -> Result<u32, Error> {
        if !self.open.load(Ordering::Acquire) {
            return Err(Error::api(TEEC_ERROR_BAD_STATE));
        }
        if params.len() > 4 {
            return Err(Error::api(TEEC_ERROR_BAD_PARAMETERS));
        }
        if let Some(d) = &self.ctx.inner.tee {
            return self.tee_invoke(d, command, params, cancel);
        }
        // Straight to the TA when the session's channel is free (another
        // thread's call on the same session goes through the core).
        if let Ok(mut d) = self.direct.try_lock() {
            if let Some(r) = self.invoke_direct(&mut d, command, params, cancel) {
                return r;
            }
        }
        let id = self.id;
        self.ctx
            .call(params, cancel, Some(id), |p, cancel_id| {
                ClientRequest::Invoke {
                    session: id,
                    command,
                    params: p,
                    cancel_id,
                }
            })
            .map(|(_, origin)| origin)
    }

    /// An invoke on the direct channel; None when it must go through the
    /// core (no channel, or the TA does not have what it refers to yet).
    fn invoke_direct(
        &self,
        d: &mut Direct,
        command: u32,
        params: &mut [Param<'_>],
        cancel: Option<&Arc<CancelToken>>,
    ) -> Option<Result<u32, Error>> {
        if d.off {
            return None;
        }
        d.calls = d.calls.saturating_add(1);
        if d.ch.is_none() {
            if d.calls < 2 {
                return None;
            }
            match self.ctx.direct_channel(self.id) {
                Ok(ch) => d.ch = Some(ch),
                Err(_) => {
                    d.off = true;
                    return None;
                }
            }
        }
        let (offs, need) = match layout(params) {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        if need > 0 && d.staging.as_ref().is_none_or(|s| s.2.len() < need) {
            d.staging = None;
            d.staging = Some(self.ctx.direct_staging(self.id, need).ok()?);
        }
        let staging = d.staging.as_ref().map(|s| &s.2);
        let wire = match self.ctx.wire(params, staging, &offs) {
            Ok(w) => w,
            Err(e) => return Some(Err(e)),
        };
        let cancel_id = match self.ctx.begin_call(cancel) {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        let call = DirectCall {
            command,
            params: wire,
            staging: d.staging.as_ref().map_or(0, |s| s.0),
            cancel_id,
        };
        let reply = direct_exchange(d.ch.as_ref()?, &call);
        end_call(cancel);
        match reply {
            Ok(DirectReply::Done {
                result,
                origin,
                params: out,
            }) => {
                copy_out(params, staging, &offs, result, &out);
                Some(if result == TEEC_SUCCESS {
                    Ok(origin)
                } else {
                    Err(Error::new(result, origin))
                })
            }
            Ok(DirectReply::Redirect) => None,
            // The TA dropped the channel (or died): the core knows which.
            Err(_) => {
                d.ch = None;
                d.off = true;
                None
            }
        }
    }

    /// TEEC_CloseSession (also done on drop).
    pub fn close(&self) {
        if self.open.swap(false, Ordering::AcqRel) {
            let was_open = self.ctx.inner.open.lock().unwrap().remove(&self.id);
            if !self.ctx.inner.finalized.load(Ordering::Acquire) {
                match &self.ctx.inner.tee {
                    Some(d) if was_open => {
                        let _ = d.dev.close_session(self.id);
                    }
                    Some(_) => {}
                    None => {
                        let _ = self
                            .ctx
                            .simple(&ClientRequest::CloseSession { session: self.id });
                    }
                }
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close()
    }
}

/// TEEC_SharedMemory allocated by the library.
pub struct SharedMemory {
    ctx: Context,
    id: u32,
    /// The Linux driver's id of this memory (the `/dev/tee0` backend).
    tee_id: Option<i32>,
    map: Mapping,
    size: usize,
    flags: u32,
}

impl std::fmt::Debug for SharedMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedMemory(id {}, {} bytes)", self.id, self.size)
    }
}

impl SharedMemory {
    pub fn size(&self) -> usize {
        self.size
    }
    pub fn flags(&self) -> u32 {
        self.flags
    }
    /// Base address of the mapping (for the C API's `buffer`).
    pub fn as_ptr(&self) -> *mut u8 {
        self.map.as_ptr()
    }
    /// Copy out of the shared memory.
    pub fn read(&self, offset: usize, dst: &mut [u8]) -> bool {
        self.map.read(offset, dst)
    }
    /// Copy into the shared memory.
    pub fn write(&self, offset: usize, src: &[u8]) -> bool {
        self.map.write(offset, src)
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // The driver's memory is released with its last mapping.
        if self.tee_id.is_none() && !self.ctx.inner.finalized.load(Ordering::Acquire) {
            let _ = self.ctx.simple(&ClientRequest::ReleaseShm { id: self.id });
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the connections ends the context in the core; an explicit
        // Finalize is not needed.
    }
}
