//! The normal world's side of the GP TEE Sockets API: TCP and UDP
//! sockets a TA opens through the socket pseudo-TA, as tee-supplicant
//! serves OP-TEE's `OPTEE_RPC_CMD_SOCKET`. The secure world never touches
//! the network itself; it asks for an operation on a handle and gets a GP
//! result back.
//!
//! Semantics (GP TEE Sockets API 1.0 with its TCP and UDP annexes; where
//! GP leaves room, as OP-TEE behaves):
//!
//! * `open` resolves the server (a name or an address literal) for the
//!   asked IP version and connects to the first address that answers. No
//!   address: `TEE_ISOCKET_ERROR_HOSTNAME`; refused or unreachable:
//!   `TEE_ERROR_COMMUNICATION`; the kernel's connect timeout:
//!   `TEE_ISOCKET_ERROR_TIMEOUT`; no descriptors or buffers:
//!   `TEE_ISOCKET_ERROR_OUT_OF_RESOURCES`. At most [`MAX_SOCKETS`] are
//!   open at once.
//! * `send` on TCP sends everything or stops at the timeout
//!   (`TEE_ISOCKET_ERROR_TIMEOUT`) with the count sent so far; on UDP it
//!   sends one datagram (too large: `TEE_ISOCKET_ERROR_LARGE_BUFFER`). A
//!   peer that reset the connection: `TEE_ISOCKET_ERROR_REMOTE_CLOSED`.
//! * `recv` waits for data up to the timeout and returns what is there
//!   (TCP: up to the buffer; 0 bytes once the peer has closed its side, as
//!   on OP-TEE; UDP: one datagram, cut to the buffer as OP-TEE does).
//! * Timeouts are milliseconds, `0` polls once and `u32::MAX` waits for
//!   ever (`TEE_TIMEOUT_INFINITE`).
//! * Every wait also watches an optional *abort* descriptor: readable
//!   (or hung up) ends the operation with `TEE_ERROR_CANCEL` (the host
//!   tier's core uses it when the TA's client went away).
//! * A socket belongs to an *owner* (OP-TEE's TA instance id): another
//!   owner's handle is refused, and [`Sockets::close_all`] closes an
//!   owner's sockets. The table is shared between threads: an operation
//!   that waits holds only its own socket, never the table.

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{self as sk, MsgFlags, SockFlag, SockType, SockaddrStorage};
use oxtee_gp::pta_system::socket as gp;
use oxtee_gp::{
    TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_CANCEL, TEE_ERROR_COMMUNICATION, TEE_ERROR_NOT_SUPPORTED,
    TEE_SUCCESS,
};
use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most sockets open at once in one table.
pub const MAX_SOCKETS: usize = 64;

struct Sock {
    fd: OwnedFd,
    udp: bool,
    owner: u64,
    /// Where a UDP socket's datagrams go (changed by ioctl).
    peer: Mutex<SocketAddr>,
}

#[derive(Default)]
struct Table {
    socks: BTreeMap<u32, Arc<Sock>>,
    next: u32,
}

/// Open sockets by handle. Handles are never reused within a table.
#[derive(Default)]
pub struct Sockets {
    table: Mutex<Table>,
}

/// A server name as the secure world sends it: NUL-terminated, no other
/// NUL, UTF-8, at most [`gp::MAX_HOST`] bytes with the NUL, not empty.
pub fn host_from_c(bytes: &[u8]) -> Option<&str> {
    let (&0, name) = bytes.split_last()? else {
        return None;
    };
    if name.is_empty() || bytes.len() > gp::MAX_HOST || name.contains(&0) {
        return None;
    }
    std::str::from_utf8(name).ok()
}

enum Waited {
    Ready,
    Timeout,
    Aborted,
}

/// When a wait of `timeout_ms` ends (`None`: never).
fn deadline(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms != gp::TIMEOUT_BLOCKING)
        .then(|| Instant::now() + Duration::from_millis(timeout_ms.into()))
}

/// Wait for `events` on `fd` until `until`, or for `abort`.
fn wait(
    fd: BorrowedFd<'_>,
    events: PollFlags,
    until: Option<Instant>,
    abort: Option<BorrowedFd<'_>>,
) -> Waited {
    loop {
        let t = match until {
            None => PollTimeout::NONE,
            Some(u) => {
                let left = u.saturating_duration_since(Instant::now()).as_millis();
                // Rounded up: never poll 0 before the deadline has come.
                let ms = if u > Instant::now() { left.max(1) } else { 0 };
                PollTimeout::try_from(ms.min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX)
            }
        };
        let mut fds = vec![PollFd::new(fd, events)];
        if let Some(a) = abort {
            fds.push(PollFd::new(a, PollFlags::POLLIN));
        }
        match nix::poll::poll(&mut fds, t) {
            Ok(_) => {
                let hit = |p: &PollFd<'_>| p.revents().is_some_and(|r| !r.is_empty());
                if fds.get(1).is_some_and(hit) {
                    return Waited::Aborted;
                }
                if hit(&fds[0]) {
                    return Waited::Ready;
                }
                if until.is_some_and(|u| Instant::now() >= u) {
                    return Waited::Timeout;
                }
            }
            Err(Errno::EINTR) => {}
            // poll itself failing (out of memory): nothing to wait on.
            Err(_) => return Waited::Timeout,
        }
    }
}

fn resources(e: Errno) -> bool {
    matches!(
        e,
        Errno::EMFILE | Errno::ENFILE | Errno::ENOBUFS | Errno::ENOMEM
    )
}

/// Connect a new socket to `addr`: the socket, or a GP error.
fn connect(addr: SocketAddr, udp: bool, abort: Option<BorrowedFd<'_>>) -> Result<OwnedFd, u32> {
    let family = match addr {
        SocketAddr::V4(_) => sk::AddressFamily::Inet,
        SocketAddr::V6(_) => sk::AddressFamily::Inet6,
    };
    let ty = if udp {
        SockType::Datagram
    } else {
        SockType::Stream
    };
    let fd = sk::socket(
        family,
        ty,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(|e| {
        if resources(e) {
            gp::ERROR_OUT_OF_RESOURCES
        } else {
            TEE_ERROR_COMMUNICATION
        }
    })?;
    let sa = SockaddrStorage::from(addr);
    let status = match sk::connect(fd.as_raw_fd(), &sa) {
        Ok(()) => Ok(()),
        Err(Errno::EINPROGRESS) => match wait(fd.as_fd(), PollFlags::POLLOUT, None, abort) {
            Waited::Aborted => return Err(TEE_ERROR_CANCEL),
            Waited::Timeout => Err(Errno::ETIMEDOUT),
            Waited::Ready => match sk::getsockopt(&fd, sk::sockopt::SocketError) {
                Ok(0) => Ok(()),
                Ok(e) => Err(Errno::from_raw(e)),
                Err(e) => Err(e),
            },
        },
        Err(e) => Err(e),
    };
    match status {
        Ok(()) => Ok(fd),
        Err(Errno::ETIMEDOUT) => Err(gp::ERROR_TIMEOUT),
        Err(e) if resources(e) => Err(gp::ERROR_OUT_OF_RESOURCES),
        Err(_) => Err(TEE_ERROR_COMMUNICATION),
    }
}

/// The addresses of `host` for `ip_version`.
fn resolve(host: &str, port: u16, ip_version: u32) -> Result<Vec<SocketAddr>, u32> {
    let all = (host, port)
        .to_socket_addrs()
        .map_err(|_| gp::ERROR_HOSTNAME)?;
    let addrs: Vec<SocketAddr> = all
        .filter(|a| match ip_version {
            gp::IP_VERSION_4 => a.is_ipv4(),
            gp::IP_VERSION_6 => a.is_ipv6(),
            _ => true,
        })
        .collect();
    if addrs.is_empty() {
        return Err(gp::ERROR_HOSTNAME);
    }
    Ok(addrs)
}

impl Sockets {
    pub fn new() -> Sockets {
        Sockets::default()
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Owner `owner`'s socket `handle`.
    fn get(&self, owner: u64, handle: u32) -> Option<Arc<Sock>> {
        self.table()
            .socks
            .get(&handle)
            .filter(|s| s.owner == owner)
            .cloned()
    }

    /// How many are open.
    pub fn len(&self) -> usize {
        self.table().socks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table().socks.is_empty()
    }

    /// Open a socket for `owner` (`protocol`: `TEE_ISOCKET_PROTOCOLID_*`):
    /// its handle.
    pub fn open(
        &self,
        owner: u64,
        ip_version: u32,
        host: &str,
        port: u16,
        protocol: u32,
        abort: Option<BorrowedFd<'_>>,
    ) -> Result<u32, u32> {
        let udp = match protocol {
            gp::PROTOCOL_TCP => false,
            gp::PROTOCOL_UDP => true,
            _ => return Err(TEE_ERROR_BAD_PARAMETERS),
        };
        if !matches!(
            ip_version,
            gp::IP_VERSION_DC | gp::IP_VERSION_4 | gp::IP_VERSION_6
        ) {
            return Err(TEE_ERROR_BAD_PARAMETERS);
        }
        if self.len() >= MAX_SOCKETS {
            return Err(gp::ERROR_OUT_OF_RESOURCES);
        }
        let mut last = gp::ERROR_HOSTNAME;
        for addr in resolve(host, port, ip_version)? {
            match connect(addr, udp, abort) {
                Ok(fd) => {
                    let mut t = self.table();
                    // (Others may have opened meanwhile.)
                    if t.socks.len() >= MAX_SOCKETS {
                        return Err(gp::ERROR_OUT_OF_RESOURCES);
                    }
                    let handle = t.next;
                    t.next = t.next.wrapping_add(1);
                    let sock = Sock {
                        fd,
                        udp,
                        owner,
                        peer: Mutex::new(addr),
                    };
                    t.socks.insert(handle, Arc::new(sock));
                    return Ok(handle);
                }
                Err(TEE_ERROR_CANCEL) => return Err(TEE_ERROR_CANCEL),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Close a socket (an unknown handle, or another owner's:
    /// BAD_PARAMETERS). An operation still waiting on it keeps it open
    /// until it ends.
    pub fn close(&self, owner: u64, handle: u32) -> u32 {
        let mut t = self.table();
        match t.socks.get(&handle) {
            Some(s) if s.owner == owner => {
                t.socks.remove(&handle);
                TEE_SUCCESS
            }
            _ => TEE_ERROR_BAD_PARAMETERS,
        }
    }

    /// Close every socket of `owner`.
    pub fn close_all(&self, owner: u64) {
        self.table().socks.retain(|_, s| s.owner != owner);
    }

    /// Send `data`: the result and how many bytes went.
    pub fn send(
        &self,
        owner: u64,
        handle: u32,
        data: &[u8],
        timeout_ms: u32,
        abort: Option<BorrowedFd<'_>>,
    ) -> (u32, usize) {
        let Some(s) = self.get(owner, handle) else {
            return (TEE_ERROR_BAD_PARAMETERS, 0);
        };
        let until = deadline(timeout_ms);
        let mut sent = 0;
        loop {
            match wait(s.fd.as_fd(), PollFlags::POLLOUT, until, abort) {
                Waited::Ready => {}
                Waited::Timeout => return (gp::ERROR_TIMEOUT, sent),
                Waited::Aborted => return (TEE_ERROR_CANCEL, sent),
            }
            let flags = MsgFlags::MSG_DONTWAIT | MsgFlags::MSG_NOSIGNAL;
            match sk::send(s.fd.as_raw_fd(), &data[sent..], flags) {
                Ok(n) if s.udp => return (TEE_SUCCESS, n),
                Ok(n) => {
                    sent += n;
                    if sent == data.len() {
                        return (TEE_SUCCESS, sent);
                    }
                }
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(Errno::EMSGSIZE) => return (gp::ERROR_LARGE_BUFFER, sent),
                Err(Errno::EPIPE | Errno::ECONNRESET) => return (gp::ERROR_REMOTE_CLOSED, sent),
                Err(e) if resources(e) => return (gp::ERROR_OUT_OF_RESOURCES, sent),
                Err(_) => return (TEE_ERROR_COMMUNICATION, sent),
            }
        }
    }

    /// Receive up to `len` bytes: the result and the data.
    pub fn recv(
        &self,
        owner: u64,
        handle: u32,
        len: usize,
        timeout_ms: u32,
        abort: Option<BorrowedFd<'_>>,
    ) -> (u32, Vec<u8>) {
        let Some(s) = self.get(owner, handle) else {
            return (TEE_ERROR_BAD_PARAMETERS, Vec::new());
        };
        let until = deadline(timeout_ms);
        let mut buf = vec![0u8; len];
        loop {
            match wait(s.fd.as_fd(), PollFlags::POLLIN, until, abort) {
                Waited::Ready => {}
                Waited::Timeout => return (gp::ERROR_TIMEOUT, Vec::new()),
                Waited::Aborted => return (TEE_ERROR_CANCEL, Vec::new()),
            }
            match sk::recv(s.fd.as_raw_fd(), &mut buf, MsgFlags::MSG_DONTWAIT) {
                Ok(n) => {
                    // (With UDP a longer datagram is cut to the buffer.)
                    buf.truncate(n.min(len));
                    return (TEE_SUCCESS, buf);
                }
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(Errno::ECONNRESET | Errno::EPIPE) => {
                    return (gp::ERROR_REMOTE_CLOSED, Vec::new());
                }
                Err(e) if resources(e) => return (gp::ERROR_OUT_OF_RESOURCES, Vec::new()),
                Err(_) => return (TEE_ERROR_COMMUNICATION, Vec::new()),
            }
        }
    }

    /// A protocol command (`TEE_TCP_SET_*BUF`, `TEE_UDP_CHANGE*`) with
    /// its buffer, which it may rewrite.
    pub fn ioctl(&self, owner: u64, handle: u32, command: u32, data: &mut Vec<u8>) -> u32 {
        let Some(s) = self.get(owner, handle) else {
            return TEE_ERROR_BAD_PARAMETERS;
        };
        let mut peer = s.peer.lock().unwrap_or_else(PoisonError::into_inner);
        let int = |d: &[u8]| -> Option<usize> {
            let v = i32::from_ne_bytes(d.try_into().ok()?);
            usize::try_from(v).ok()
        };
        match (s.udp, command) {
            (false, gp::TCP_SET_RECVBUF | gp::TCP_SET_SENDBUF) => {
                let Some(size) = int(data) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let r = if command == gp::TCP_SET_RECVBUF {
                    sk::setsockopt(&s.fd, sk::sockopt::RcvBuf, &size)
                } else {
                    sk::setsockopt(&s.fd, sk::sockopt::SndBuf, &size)
                };
                match r {
                    Ok(()) => TEE_SUCCESS,
                    Err(_) => TEE_ERROR_BAD_PARAMETERS,
                }
            }
            (true, gp::UDP_CHANGEADDR) => {
                let Some(host) = host_from_c(data) else {
                    return gp::ERROR_HOSTNAME;
                };
                let version = if peer.is_ipv4() {
                    gp::IP_VERSION_4
                } else {
                    gp::IP_VERSION_6
                };
                let addrs = match resolve(host, peer.port(), version) {
                    Ok(a) => a,
                    Err(e) => return e,
                };
                for a in addrs {
                    if sk::connect(s.fd.as_raw_fd(), &SockaddrStorage::from(a)).is_ok() {
                        *peer = a;
                        return TEE_SUCCESS;
                    }
                }
                TEE_ERROR_COMMUNICATION
            }
            (true, gp::UDP_CHANGEPORT) => {
                let Ok(port) = <[u8; 2]>::try_from(data.as_slice()) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let mut to = *peer;
                to.set_port(u16::from_ne_bytes(port));
                match sk::connect(s.fd.as_raw_fd(), &SockaddrStorage::from(to)) {
                    Ok(()) => {
                        *peer = to;
                        TEE_SUCCESS
                    }
                    Err(_) => TEE_ERROR_COMMUNICATION,
                }
            }
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}

#[cfg(test)]
mod tests;
