//! OS glue shared by the client library, the core daemon and TA processes:
//! sealed memfd shared memory, mappings of it, and SEQPACKET messages that
//! carry file descriptors.
//!
//! Every `unsafe` block of the shared-memory path lives here. A
//! [`Mapping`] never hands out `&[u8]` over memory another process can
//! write: data is copied in and out through bounds-checked methods, so a
//! peer changing bytes underneath us can change the bytes we copy but can
//! never make us read out of bounds (and, with `F_SEAL_SHRINK` checked
//! before mapping, never make us fault).

use nix::errno::Errno;
use nix::fcntl::{FcntlArg, SealFlag, fcntl};
use nix::sys::memfd::{MemFdCreateFlag, memfd_create};
use nix::sys::mman::{MapFlags, ProtFlags, mmap, munmap};
use nix::sys::socket::{
    ControlMessage, ControlMessageOwned, MsgFlags, SockFlag, SockType, recvmsg, sendmsg,
};
use std::ffi::CString;
use std::io::{self, IoSlice, IoSliceMut};
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

pub use oxtee_proto::{MAX_FDS, MAX_MESSAGE};

pub mod sandbox;

/// The socket path clients and the daemon use when nothing else is said:
/// `$OXTEE_SOCKET`, else `/tmp/oxtee-<uid>/oxtee.sock`.
pub fn default_socket_path() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("OXTEE_SOCKET") {
        return std::path::PathBuf::from(p);
    }
    std::path::PathBuf::from(format!(
        "/tmp/oxtee-{}/oxtee.sock",
        nix::unistd::getuid().as_raw()
    ))
}

fn errno(e: Errno) -> io::Error {
    io::Error::from_raw_os_error(e as i32)
}

/// Create an anonymous memory file of `size` bytes that allows sealing.
/// With `seal_size` it is sealed against shrinking and growing, so every
/// process that maps it can rely on its size.
pub fn memfd(name: &str, size: u64, seal_size: bool) -> io::Result<OwnedFd> {
    let cname = CString::new(name).map_err(|_| io::Error::other("bad memfd name"))?;
    let fd = memfd_create(
        &cname,
        MemFdCreateFlag::MFD_CLOEXEC | MemFdCreateFlag::MFD_ALLOW_SEALING,
    )
    .map_err(errno)?;
    nix::unistd::ftruncate(&fd, size as i64).map_err(errno)?;
    if seal_size {
        fcntl(
            fd.as_raw_fd(),
            FcntlArg::F_ADD_SEALS(
                SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_SEAL,
            ),
        )
        .map_err(errno)?;
    }
    Ok(fd)
}

/// Seal a memfd against any further change (used for TA executables: the
/// bytes verified are the bytes run).
pub fn seal_all(fd: BorrowedFd<'_>) -> io::Result<()> {
    fcntl(
        fd.as_raw_fd(),
        FcntlArg::F_ADD_SEALS(
            SealFlag::F_SEAL_SHRINK
                | SealFlag::F_SEAL_GROW
                | SealFlag::F_SEAL_WRITE
                | SealFlag::F_SEAL_SEAL,
        ),
    )
    .map_err(errno)?;
    Ok(())
}

/// Check that a memfd received from a peer cannot shrink under us, and
/// return its size. Used before mapping anything a peer sent.
pub fn sealed_size(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let seals = fcntl(fd.as_raw_fd(), FcntlArg::F_GET_SEALS).map_err(errno)?;
    let seals = SealFlag::from_bits_truncate(seals);
    if !seals.contains(SealFlag::F_SEAL_SHRINK) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "shared memory is not sealed against shrinking",
        ));
    }
    let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
    Ok(st.st_size as u64)
}

/// Write all of `data` into a file descriptor at offset 0 (TA executables).
pub fn write_all_at(fd: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    let mut off = 0i64;
    while !data.is_empty() {
        let n = nix::sys::uio::pwrite(fd, data, off).map_err(errno)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        data = &data[n..];
        off += n as i64;
    }
    Ok(())
}

/// A shared mapping of a memfd.
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a Mapping is a region of shared memory; all access goes through
// copies (`read`/`write`) or raw pointers handed to C, never through Rust
// references, so moving or sharing the handle between threads is sound.
unsafe impl Send for Mapping {}
// SAFETY: see above; `read` and `write` take `&self` and copy bytes, which
// is what shared memory between processes does anyway.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Map `len` bytes of `fd` shared, read-write. `len` 0 gives an empty
    /// mapping without a system call.
    pub fn map(fd: BorrowedFd<'_>, len: usize) -> io::Result<Mapping> {
        let Some(nz) = NonZeroUsize::new(len) else {
            return Ok(Mapping {
                ptr: NonNull::dangling(),
                len: 0,
            });
        };
        // SAFETY: we ask for a fresh mapping chosen by the kernel (no
        // fixed address), so no existing Rust object is affected. The
        // caller checked (or created) the file's size and seals, so the
        // whole range is backed.
        let p = unsafe {
            mmap(
                None,
                nz,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                fd,
                0,
            )
        }
        .map_err(errno)?;
        Ok(Mapping { ptr: p.cast(), len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The base address, for handing to C code (TA parameters).
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    fn range_ok(&self, off: usize, n: usize) -> bool {
        off.checked_add(n).is_some_and(|end| end <= self.len)
    }

    /// Copy `dst.len()` bytes from `off` into `dst`. False when out of range.
    pub fn read(&self, off: usize, dst: &mut [u8]) -> bool {
        if !self.range_ok(off, dst.len()) {
            return false;
        }
        if !dst.is_empty() {
            // SAFETY: `off..off+len` is inside the mapping (checked above);
            // `dst` is a distinct Rust buffer, so the ranges don't overlap.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.ptr.as_ptr().add(off),
                    dst.as_mut_ptr(),
                    dst.len(),
                )
            };
        }
        true
    }

    /// Copy `src` to `off`. False when out of range.
    pub fn write(&self, off: usize, src: &[u8]) -> bool {
        if !self.range_ok(off, src.len()) {
            return false;
        }
        if !src.is_empty() {
            // SAFETY: as in `read`, with the direction reversed.
            unsafe {
                std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr().add(off), src.len())
            };
        }
        true
    }

    /// Copy `len` bytes from `self[from..]` into `other[to..]`.
    pub fn copy_to(&self, from: usize, other: &Mapping, to: usize, len: usize) -> bool {
        if !self.range_ok(from, len) || !other.range_ok(to, len) {
            return false;
        }
        if len != 0 {
            // SAFETY: both ranges are inside their mappings (checked above).
            // Two mappings of different files never overlap; if they are
            // the same file `copy` (memmove) is still correct.
            unsafe { std::ptr::copy(self.ptr.as_ptr().add(from), other.ptr.as_ptr().add(to), len) };
        }
        true
    }

    /// Fill `len` bytes at `off` with zero.
    pub fn zero(&self, off: usize, len: usize) -> bool {
        if !self.range_ok(off, len) {
            return false;
        }
        // SAFETY: the range is inside the mapping (checked above).
        unsafe { std::ptr::write_bytes(self.ptr.as_ptr().add(off), 0, len) };
        true
    }

    /// Atomically load the little-endian u32 at `off` (4-aligned).
    pub fn load_u32(&self, off: usize) -> u32 {
        assert!(
            self.range_ok(off, 4) && off.is_multiple_of(4),
            "control word out of range"
        );
        // SAFETY: in range and aligned (asserted; mmap is page-aligned),
        // and only ever accessed atomically by both processes.
        let a =
            unsafe { std::sync::atomic::AtomicU32::from_ptr(self.ptr.as_ptr().add(off).cast()) };
        a.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Atomically store the u32 at `off` (4-aligned).
    pub fn store_u32(&self, off: usize, v: u32) {
        assert!(
            self.range_ok(off, 4) && off.is_multiple_of(4),
            "control word out of range"
        );
        // SAFETY: as in `load_u32`.
        let a =
            unsafe { std::sync::atomic::AtomicU32::from_ptr(self.ptr.as_ptr().add(off).cast()) };
        a.store(v, std::sync::atomic::Ordering::Release)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: `ptr/len` is exactly a mapping we created and nothing
            // holds a Rust reference into it (copies only).
            let _ = unsafe { munmap(self.ptr.cast(), self.len) };
        }
    }
}

/// A connected SEQPACKET socket.
#[derive(Debug)]
pub struct Channel {
    fd: OwnedFd,
}

impl Channel {
    pub fn from_fd(fd: OwnedFd) -> Channel {
        Channel { fd }
    }

    /// Adopt a raw descriptor inherited from the parent (TA processes).
    ///
    /// # Safety
    /// `raw` must be an open socket descriptor owned by nobody else.
    pub unsafe fn from_raw(raw: RawFd) -> Channel {
        // SAFETY: guaranteed by the caller.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Channel { fd }
    }

    /// A connected pair (core <-> TA).
    pub fn pair() -> io::Result<(Channel, Channel)> {
        let (a, b) = nix::sys::socket::socketpair(
            nix::sys::socket::AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(errno)?;
        Ok((Channel { fd: a }, Channel { fd: b }))
    }

    /// Connect to a listening socket at `path`.
    pub fn connect(path: &std::path::Path) -> io::Result<Channel> {
        let fd = nix::sys::socket::socket(
            nix::sys::socket::AddressFamily::Unix,
            SockType::SeqPacket,
            SockFlag::SOCK_CLOEXEC,
            None,
        )
        .map_err(errno)?;
        let addr = nix::sys::socket::UnixAddr::new(path).map_err(errno)?;
        nix::sys::socket::connect(fd.as_raw_fd(), &addr).map_err(errno)?;
        Ok(Channel { fd })
    }

    /// Send one message with optional descriptors.
    pub fn send(&self, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
        let raw: Vec<RawFd> = fds.iter().map(|f| f.as_raw_fd()).collect();
        let cmsg = [ControlMessage::ScmRights(&raw)];
        let cmsgs: &[ControlMessage<'_>] = if raw.is_empty() { &[] } else { &cmsg };
        let iov = [IoSlice::new(bytes)];
        loop {
            match sendmsg::<()>(
                self.fd.as_raw_fd(),
                &iov,
                cmsgs,
                MsgFlags::MSG_NOSIGNAL,
                None,
            ) {
                Ok(_) => return Ok(()),
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(errno(e)),
            }
        }
    }

    /// Receive one message into `buf`, collecting attached descriptors.
    /// Returns `Ok(None)` on orderly end of stream. A message or descriptor
    /// list that does not fit is an error (the peer is misbehaving); the
    /// descriptors that did arrive are closed.
    pub fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<Option<usize>> {
        let mut cmsg_space = nix::cmsg_space!([RawFd; MAX_FDS]);
        loop {
            let mut iov = [IoSliceMut::new(buf)];
            let r = recvmsg::<()>(
                self.fd.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg_space),
                MsgFlags::MSG_CMSG_CLOEXEC,
            );
            let msg = match r {
                Ok(m) => m,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(errno(e)),
            };
            let mut got = Vec::new();
            if let Ok(cmsgs) = msg.cmsgs() {
                for c in cmsgs {
                    if let ControlMessageOwned::ScmRights(list) = c {
                        for raw in list {
                            // SAFETY: the kernel just installed these
                            // descriptors in our table for us alone.
                            got.push(unsafe { OwnedFd::from_raw_fd(raw) });
                        }
                    }
                }
            }
            let truncated = msg
                .flags
                .intersects(MsgFlags::MSG_TRUNC | MsgFlags::MSG_CTRUNC);
            let n = msg.bytes;
            if truncated {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "oversized message or too many descriptors",
                ));
            }
            if n == 0 && got.is_empty() {
                return Ok(None);
            }
            fds.extend(got);
            return Ok(Some(n));
        }
    }

    /// Wait until the socket is readable or hung up, up to `timeout_ms`
    /// (negative: forever). Returns (readable, hung_up).
    pub fn poll(&self, timeout_ms: i32) -> io::Result<(bool, bool)> {
        use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
        let mut pfd = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        let t = if timeout_ms < 0 {
            PollTimeout::NONE
        } else {
            PollTimeout::try_from(timeout_ms).unwrap_or(PollTimeout::MAX)
        };
        loop {
            match poll(&mut pfd, t) {
                Ok(_) => break,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(errno(e)),
            }
        }
        let r = pfd[0].revents().unwrap_or(PollFlags::empty());
        Ok((
            r.contains(PollFlags::POLLIN),
            r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL),
        ))
    }

    /// Make `recv` fail with `WouldBlock` after `t` without a message.
    pub fn set_recv_timeout(&self, t: Option<std::time::Duration>) -> io::Result<()> {
        let tv = match t {
            Some(d) => nix::sys::time::TimeVal::new(d.as_secs() as i64, d.subsec_micros() as i64),
            None => nix::sys::time::TimeVal::new(0, 0),
        };
        nix::sys::socket::setsockopt(&self.fd, nix::sys::socket::sockopt::ReceiveTimeout, &tv)
            .map_err(errno)
    }

    pub fn shutdown(&self) {
        let _ = nix::sys::socket::shutdown(self.fd.as_raw_fd(), nix::sys::socket::Shutdown::Both);
    }

    /// Credentials of the peer process, from the kernel.
    pub fn peer_cred(&self) -> io::Result<(i32, u32, u32)> {
        let c = nix::sys::socket::getsockopt(&self.fd, nix::sys::socket::sockopt::PeerCredentials)
            .map_err(errno)?;
        Ok((c.pid(), c.uid(), c.gid()))
    }
}

impl From<Channel> for OwnedFd {
    fn from(c: Channel) -> OwnedFd {
        c.fd
    }
}

impl AsFd for Channel {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Channel {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_passes_fds_and_detects_eof() {
        let (a, b) = Channel::pair().unwrap();
        let m = memfd("t", 4096, true).unwrap();
        a.send(b"hello", &[m.as_fd()]).unwrap();
        let mut buf = [0u8; 64];
        let mut fds = Vec::new();
        assert_eq!(b.recv(&mut buf, &mut fds).unwrap(), Some(5));
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(fds.len(), 1);
        assert_eq!(sealed_size(fds[0].as_fd()).unwrap(), 4096);
        let map1 = Mapping::map(m.as_fd(), 4096).unwrap();
        let map2 = Mapping::map(fds[0].as_fd(), 4096).unwrap();
        assert!(map1.write(10, b"xyz"));
        let mut got = [0u8; 3];
        assert!(map2.read(10, &mut got));
        assert_eq!(&got, b"xyz");
        assert!(!map2.read(4095, &mut got));
        assert!(!map2.write(usize::MAX, b"a"));
        drop(a);
        assert_eq!(b.recv(&mut buf, &mut fds).unwrap(), None);
    }

    #[test]
    fn oversized_message_is_an_error() {
        let (a, b) = Channel::pair().unwrap();
        a.send(&[0u8; 100], &[]).unwrap();
        let mut small = [0u8; 10];
        assert!(b.recv(&mut small, &mut Vec::new()).is_err());
    }

    #[test]
    fn unsealed_memfd_is_refused() {
        let m = memfd("u", 10, false).unwrap();
        assert!(sealed_size(m.as_fd()).is_err());
    }
}
