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
use nix::sys::socket::{ControlMessage, MsgFlags, SockFlag, SockType, sendmsg};
use std::ffi::CString;
use std::io::{self, IoSlice};
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

pub use oxtee_proto::{MAX_FDS, MAX_MESSAGE};

pub mod sandbox;
pub mod tee;

/// CLOCK_MONOTONIC in microseconds: one clock for every process of the
/// machine (the core's and libteec's trace events are ordered by it).
pub fn monotonic_us() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map(|t| t.tv_sec() as u64 * 1_000_000 + t.tv_nsec() as u64 / 1000)
        .unwrap_or(0)
}

/// Where a secure world listens when nothing else is said, in order:
/// `$OXTEE_SOCKET`; as root `/run/oxtee/oxtee.sock` (the system service);
/// `$XDG_RUNTIME_DIR/oxtee/oxtee.sock`; `/tmp/oxtee-<uid>/oxtee.sock`.
pub fn default_socket_path() -> std::path::PathBuf {
    default_candidates()[0].clone()
}

fn default_candidates() -> Vec<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("OXTEE_SOCKET") {
        return vec![PathBuf::from(p)];
    }
    let uid = nix::unistd::geteuid();
    let mut v = Vec::new();
    let system = PathBuf::from("/run/oxtee/oxtee.sock");
    if uid.is_root() {
        v.push(system.clone());
    }
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|x| !x.is_empty()) {
        v.push(PathBuf::from(x).join("oxtee/oxtee.sock"));
    }
    if !uid.is_root() {
        v.push(system);
    }
    v.push(PathBuf::from(format!(
        "/tmp/oxtee-{}/oxtee.sock",
        uid.as_raw()
    )));
    v
}

/// The socket a client connects to when nothing else is said: the first
/// of the default places (see [`default_socket_path`]) where a socket
/// exists, else the first of them.
pub fn client_socket_path() -> std::path::PathBuf {
    let c = default_candidates();
    c.iter()
        .find(|p| {
            use std::os::unix::fs::FileTypeExt;
            std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_socket())
        })
        .unwrap_or(&c[0])
        .clone()
}

/// Whether a folder can only have been written by `owner_ok` users: it is
/// a real folder (not a symbolic link) owned by one of them, and no one
/// else may write to it.
fn private_dir(md: &std::fs::Metadata, owner_ok: impl Fn(u32) -> bool) -> bool {
    use std::os::unix::fs::MetadataExt;
    md.file_type().is_dir() && owner_ok(md.uid()) && md.mode() & 0o022 == 0
}

/// Prepare the folder of the listening socket: create it (mode 0700, or
/// 0710 with `group` so that its members can reach the socket) or, when
/// it exists, refuse it unless it is a folder of ours (or root's) that
/// nobody else may write to. Another user who created it first must not
/// receive our clients' requests.
pub fn prepare_socket_dir(dir: &std::path::Path, group: Option<u32>) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let me = nix::unistd::geteuid().as_raw();
    let mode = if group.is_some() { 0o710 } else { 0o700 };
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(dir)?;
            // The umask may have narrowed the mode; set it exactly.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))?;
            if let Some(g) = group {
                nix::unistd::chown(dir, None, Some(nix::unistd::Gid::from_raw(g)))
                    .map_err(errno)?;
            }
            Ok(())
        }
        Err(e) => Err(e),
        Ok(md) if private_dir(&md, |o| o == me || o == 0) => {
            if let Some(g) = group {
                nix::unistd::chown(dir, None, Some(nix::unistd::Gid::from_raw(g)))
                    .map_err(errno)?;
            }
            Ok(())
        }
        Ok(md) => {
            use std::os::unix::fs::MetadataExt;
            Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is not a private folder of this user (owner uid {}, mode {:o}): \
                     refusing to put the socket there",
                    dir.display(),
                    md.uid(),
                    md.mode() & 0o7777
                ),
            ))
        }
    }
}

/// Whether the process serving socket `path` (peer uid `server`) is one
/// a client of uid `me` may trust with its requests and shared memory:
/// itself, root, or the owner of the socket's folder when only root
/// could have made that folder (a folder in a root-owned, not
/// world-writable parent, as `/run/oxtee`). A folder anyone could have
/// created first (in `/tmp`) proves nothing about its owner.
pub fn trusted_server(path: &std::path::Path, server: u32, me: u32) -> bool {
    if server == me || server == 0 {
        return true;
    }
    use std::os::unix::fs::MetadataExt;
    let Some(dir) = path.parent() else {
        return false;
    };
    let Some(parent) = dir.parent() else {
        return false;
    };
    let (Ok(d), Ok(p)) = (std::fs::symlink_metadata(dir), std::fs::metadata(parent)) else {
        return false;
    };
    private_dir(&d, |o| o == server) && p.uid() == 0 && p.mode() & 0o022 == 0
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

/// Seal a memfd against further seals only: its size and bytes stay
/// changeable by its owner, and no holder of a descriptor can seal it
/// (say, against shrinking, to keep a region it is to lose).
pub fn seal_seals(fd: BorrowedFd<'_>) -> io::Result<()> {
    fcntl(fd.as_raw_fd(), FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SEAL)).map_err(errno)?;
    Ok(())
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
    // A write seal makes every writable shared mapping fail (the TA, or
    // the core, could not map it): shared memory must stay writable.
    if seals.intersects(SealFlag::F_SEAL_WRITE | SealFlag::F_SEAL_FUTURE_WRITE) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "shared memory is sealed against writes",
        ));
    }
    let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(errno)?;
    Ok(st.st_size as u64)
}

/// The descriptors this process holds above 2 (standard input, output
/// and error).
fn open_descriptors() -> io::Result<Vec<RawFd>> {
    let mut fds = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd")? {
        if let Some(fd) = e?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<RawFd>().ok())
        {
            if fd > 2 {
                fds.push(fd);
            }
        }
    }
    Ok(fds)
}

/// Mark every descriptor this process inherited above 2 close-on-exec:
/// whatever the program that started it left open never reaches the
/// processes it starts. (Call before opening anything of one's own.)
pub fn cloexec_inherited() -> io::Result<()> {
    use nix::fcntl::{FcntlArg, FdFlag, fcntl};
    for fd in open_descriptors()? {
        // (The listing's own descriptor is closed by now: EBADF.)
        match fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)) {
            Ok(_) | Err(nix::errno::Errno::EBADF) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Close every descriptor above 2 (a process that must hold only its
/// standard ones, before it opens anything of its own).
pub fn close_inherited() -> io::Result<()> {
    for fd in open_descriptors()? {
        match nix::unistd::close(fd) {
            Ok(()) | Err(nix::errno::Errno::EBADF) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Give back the memory of `len` bytes at `off` of a memfd (they read as
/// zeros afterwards), in every process that maps it.
pub fn discard(fd: BorrowedFd<'_>, off: u64, len: u64) -> io::Result<()> {
    if len == 0 {
        return Ok(());
    }
    nix::fcntl::fallocate(
        fd.as_raw_fd(),
        nix::fcntl::FallocateFlags::FALLOC_FL_PUNCH_HOLE
            | nix::fcntl::FallocateFlags::FALLOC_FL_KEEP_SIZE,
        off as i64,
        len as i64,
    )
    .map_err(errno)
}

/// Make a TA executable's memfd execute-only (mode 0111): a process
/// exec'd from a file its user cannot read stays non-dumpable, so other
/// processes of that uid cannot ptrace it or read its memory.
pub fn make_exec_only(fd: BorrowedFd<'_>) -> io::Result<()> {
    nix::sys::stat::fchmod(
        fd.as_raw_fd(),
        nix::sys::stat::Mode::from_bits_truncate(0o111),
    )
    .map_err(errno)
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

/// Own every descriptor of every SCM_RIGHTS message in the control data
/// the kernel filled in `msg` (also when it is marked truncated: the
/// descriptors that fitted are installed all the same).
fn take_rights(msg: &libc::msghdr) -> Vec<OwnedFd> {
    let mut got = Vec::new();
    let base = msg.msg_control as *const u8;
    #[allow(clippy::unnecessary_cast)] // socklen_t on some libcs
    let total = msg.msg_controllen as usize;
    // SAFETY: CMSG_FIRSTHDR/NXTHDR walk the control buffer the kernel
    // filled (`msg_controllen` bytes from `msg_control`) and return null
    // past its end; each header's length is checked against the buffer
    // before the descriptors in it are read (unaligned reads: the data
    // follows the header at CMSG_DATA).
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(msg);
        while !c.is_null() {
            let hdr = std::ptr::read_unaligned(c);
            let data = libc::CMSG_DATA(c);
            let start = data.offset_from(base) as usize;
            let end = (c as *const u8).offset_from(base) as usize + hdr.cmsg_len as usize;
            if hdr.cmsg_len as usize <= std::mem::size_of::<libc::cmsghdr>() || end > total {
                break;
            }
            if hdr.cmsg_level == libc::SOL_SOCKET && hdr.cmsg_type == libc::SCM_RIGHTS {
                let n = (end - start) / std::mem::size_of::<RawFd>();
                for i in 0..n {
                    let raw = std::ptr::read_unaligned(data.cast::<RawFd>().add(i));
                    if raw >= 0 {
                        // The kernel just installed this descriptor in our
                        // table, for us alone.
                        got.push(OwnedFd::from_raw_fd(raw));
                    }
                }
            }
            c = libc::CMSG_NXTHDR(msg, c);
        }
    }
    got
}

/// Copy `len` bytes where either side is memory another process may
/// write at any moment (shared memory): every access is volatile, so the
/// compiler can neither read a byte twice nor assume it stable (vm-memory's
/// rule). Where both sides are equally aligned the accesses are 16 bytes
/// wide (x86_64) or 8, four at a time: as fast as memcpy (1 MiB in about
/// 30 us here), where bytewise or single words cost three times that.
///
/// # Safety
/// `src..src+len` must be readable and `dst..dst+len` writable for the
/// whole call; the ranges must not overlap.
pub unsafe fn volatile_copy(src: *const u8, dst: *mut u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    type Wide = std::arch::x86_64::__m128i;
    #[cfg(not(target_arch = "x86_64"))]
    type Wide = u64;
    const W: usize = std::mem::size_of::<Wide>();
    const U: usize = std::mem::size_of::<u64>();
    let mut i = 0;
    // SAFETY: every access is inside `0..len` of its range (caller's
    // contract); a `Wide` (or `u64`) access happens only at offsets where
    // both pointers are aligned for it (same misalignment, head bytewise).
    unsafe {
        let same = |a: usize| (src as usize ^ dst as usize).is_multiple_of(a);
        let align = if same(W) {
            W
        } else if same(U) {
            U
        } else {
            1
        };
        if align > 1 {
            while i < len && !(src as usize + i).is_multiple_of(align) {
                dst.add(i).write_volatile(src.add(i).read_volatile());
                i += 1;
            }
        }
        if align == W {
            while i + 4 * W <= len {
                let s = src.add(i).cast::<Wide>();
                let d = dst.add(i).cast::<Wide>();
                let (a, b, c, e) = (
                    s.read_volatile(),
                    s.add(1).read_volatile(),
                    s.add(2).read_volatile(),
                    s.add(3).read_volatile(),
                );
                d.write_volatile(a);
                d.add(1).write_volatile(b);
                d.add(2).write_volatile(c);
                d.add(3).write_volatile(e);
                i += 4 * W;
            }
        }
        if align >= U {
            while i + U <= len {
                let w = src.add(i).cast::<u64>().read_volatile();
                dst.add(i).cast::<u64>().write_volatile(w);
                i += U;
            }
        }
        while i < len {
            dst.add(i).write_volatile(src.add(i).read_volatile());
            i += 1;
        }
    }
}

/// Fill `len` bytes of shared memory with `byte`, with volatile writes
/// (words four at a time where aligned).
///
/// # Safety
/// `dst..dst+len` must be writable for the whole call.
pub unsafe fn volatile_fill(dst: *mut u8, byte: u8, len: usize) {
    const U: usize = std::mem::size_of::<u64>();
    let word = u64::from_ne_bytes([byte; U]);
    let mut i = 0;
    // SAFETY: as in `volatile_copy`, with one (destination) range.
    unsafe {
        while i < len && !(dst as usize + i).is_multiple_of(U) {
            dst.add(i).write_volatile(byte);
            i += 1;
        }
        while i + 4 * U <= len {
            let d = dst.add(i).cast::<u64>();
            d.write_volatile(word);
            d.add(1).write_volatile(word);
            d.add(2).write_volatile(word);
            d.add(3).write_volatile(word);
            i += 4 * U;
        }
        while i + U <= len {
            dst.add(i).cast::<u64>().write_volatile(word);
            i += U;
        }
        while i < len {
            dst.add(i).write_volatile(byte);
            i += 1;
        }
    }
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
            unsafe { volatile_copy(self.ptr.as_ptr().add(off), dst.as_mut_ptr(), dst.len()) };
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
            unsafe { volatile_copy(src.as_ptr(), self.ptr.as_ptr().add(off), src.len()) };
        }
        true
    }

    /// Copy `len` bytes from `self[from..]` into `other[to..]`.
    pub fn copy_to(&self, from: usize, other: &Mapping, to: usize, len: usize) -> bool {
        if !self.range_ok(from, len) || !other.range_ok(to, len) {
            return false;
        }
        if std::ptr::eq(self, other) && from.max(to) < from.min(to) + len {
            return false;
        }
        if len != 0 {
            // SAFETY: both ranges are inside their mappings (checked
            // above), and two mappings (distinct `Mapping`s, distinct
            // addresses) never overlap.
            unsafe { volatile_copy(self.ptr.as_ptr().add(from), other.ptr.as_ptr().add(to), len) };
        }
        true
    }

    /// Fill `len` bytes at `off` with zero.
    pub fn zero(&self, off: usize, len: usize) -> bool {
        if !self.range_ok(off, len) {
            return false;
        }
        // SAFETY: the range is inside the mapping (checked above).
        unsafe { volatile_fill(self.ptr.as_ptr().add(off), 0, len) };
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

    /// Atomically load the little-endian u64 at `off` (8-aligned).
    pub fn load_u64(&self, off: usize) -> u64 {
        assert!(
            self.range_ok(off, 8) && off.is_multiple_of(8),
            "control word out of range"
        );
        // SAFETY: as in `load_u32`, for an aligned 8-byte word.
        let a =
            unsafe { std::sync::atomic::AtomicU64::from_ptr(self.ptr.as_ptr().add(off).cast()) };
        a.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Atomically store the u64 at `off` (8-aligned).
    pub fn store_u64(&self, off: usize, v: u64) {
        assert!(
            self.range_ok(off, 8) && off.is_multiple_of(8),
            "control word out of range"
        );
        // SAFETY: as in `load_u64`.
        let a =
            unsafe { std::sync::atomic::AtomicU64::from_ptr(self.ptr.as_ptr().add(off).cast()) };
        a.store(v, std::sync::atomic::Ordering::Release)
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

    /// The socket descriptor, to hand to another process.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
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

    /// Connect to a secure world's socket and check that the process
    /// listening there is one this user may trust ([`trusted_server`]).
    pub fn connect_trusted(path: &std::path::Path) -> io::Result<Channel> {
        let ch = Channel::connect(path)?;
        let (_, server, _) = ch.peer_cred()?;
        if !trusted_server(path, server, nix::unistd::geteuid().as_raw()) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is served by uid {server}, which this user has no reason to trust",
                    path.display()
                ),
            ));
        }
        Ok(ch)
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
    /// list that does not fit is an error (the peer is misbehaving).
    ///
    /// Every descriptor the kernel installed for us is owned (and so
    /// closed) on every path, truncated control data included: the
    /// control buffer is parsed by hand because a truncated one is exactly
    /// the case a peer controls.
    pub fn recv(&self, buf: &mut [u8], fds: &mut Vec<OwnedFd>) -> io::Result<Option<usize>> {
        // CMSG_SPACE(MAX_FDS descriptors): one SCM_RIGHTS message.
        const SPACE: usize = std::mem::size_of::<libc::cmsghdr>()
            + (MAX_FDS * std::mem::size_of::<RawFd>()).next_multiple_of(8);
        #[repr(C, align(8))]
        struct Ctl([u8; SPACE]);
        let mut ctl = Ctl([0; SPACE]);
        loop {
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            // SAFETY: an all-zero msghdr is valid (no name, no iovecs).
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = ctl.0.as_mut_ptr().cast();
            msg.msg_controllen = SPACE as _;
            // SAFETY: `msg` points at `iov` (over `buf`) and `ctl`, both
            // live and writable for the lengths given.
            let n = unsafe { libc::recvmsg(self.fd.as_raw_fd(), &mut msg, libc::MSG_CMSG_CLOEXEC) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            let got = take_rights(&msg);
            if msg.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0 || got.len() > MAX_FDS {
                drop(got);
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "oversized message or too many descriptors",
                ));
            }
            if n == 0 && got.is_empty() {
                return Ok(None);
            }
            fds.extend(got);
            return Ok(Some(n as usize));
        }
    }

    /// Wait until the socket is readable or hung up, up to `timeout_ms`
    /// (negative: forever). Returns (readable, hung_up).
    pub fn poll(&self, timeout_ms: i32) -> io::Result<(bool, bool)> {
        Ok(poll_many(&[self.fd.as_fd()], timeout_ms)?[0])
    }

    /// Send without blocking: an error (`WouldBlock` included) when the
    /// peer's queue is full, so a peer that stops reading cannot stall
    /// the sender.
    pub fn send_nowait(&self, data: &[u8]) -> io::Result<()> {
        let n = nix::sys::socket::send(
            self.fd.as_raw_fd(),
            data,
            nix::sys::socket::MsgFlags::MSG_DONTWAIT | nix::sys::socket::MsgFlags::MSG_NOSIGNAL,
        )
        .map_err(errno)?;
        if n != data.len() {
            return Err(io::Error::other("short send"));
        }
        Ok(())
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

/// Wait until one of `fds` is readable or hung up, up to `timeout_ms`
/// (negative: forever). For each: (readable, hung up).
pub fn poll_many(fds: &[BorrowedFd<'_>], timeout_ms: i32) -> io::Result<Vec<(bool, bool)>> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let mut pfd: Vec<PollFd<'_>> = fds
        .iter()
        .map(|f| PollFd::new(*f, PollFlags::POLLIN))
        .collect();
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
    Ok(pfd
        .iter()
        .map(|p| {
            let r = p.revents().unwrap_or(PollFlags::empty());
            (
                r.contains(PollFlags::POLLIN),
                r.intersects(PollFlags::POLLHUP | PollFlags::POLLERR | PollFlags::POLLNVAL),
            )
        })
        .collect())
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

    fn open_fds() -> usize {
        std::fs::read_dir("/proc/self/fd").unwrap().count()
    }

    /// A peer sending more descriptors than fit (truncated control data)
    /// gets an error, and not one of its descriptors stays open here.
    #[test]
    fn truncated_descriptors_are_all_closed() {
        let (a, b) = Channel::pair().unwrap();
        let m = memfd("t", 4096, true).unwrap();
        let many: Vec<BorrowedFd<'_>> = (0..12).map(|_| m.as_fd()).collect();
        let before = open_fds();
        for _ in 0..50 {
            a.send(b"x", &many).unwrap();
            let mut buf = [0u8; 16];
            let mut fds = Vec::new();
            assert!(b.recv(&mut buf, &mut fds).is_err());
            assert!(fds.is_empty());
            // Exactly MAX_FDS + 1 also fits no more than the limit.
            a.send(b"y", &many[..MAX_FDS + 1]).unwrap();
            assert!(b.recv(&mut buf, &mut fds).is_err());
        }
        assert_eq!(open_fds(), before, "descriptors leaked");
    }

    #[test]
    fn write_sealed_memfd_is_refused() {
        let m = memfd("w", 4096, true).unwrap();
        let m2 = memfd("w2", 4096, false).unwrap();
        fcntl(
            m2.as_raw_fd(),
            FcntlArg::F_ADD_SEALS(SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_WRITE),
        )
        .unwrap();
        assert!(sealed_size(m.as_fd()).is_ok());
        assert!(sealed_size(m2.as_fd()).is_err());
    }

    #[test]
    fn volatile_copies_match_memcpy() {
        let src: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        for off in 0..17 {
            for dst_off in 0..17 {
                let mut dst = vec![0u8; 1000];
                let n = 1000 - off.max(dst_off);
                // SAFETY: both ranges are inside their vectors.
                unsafe { volatile_copy(src.as_ptr().add(off), dst.as_mut_ptr().add(dst_off), n) };
                assert_eq!(&dst[dst_off..dst_off + n], &src[off..off + n]);
                assert!(dst[..dst_off].iter().all(|&b| b == 0));
            }
        }
        for (off, n) in [(3, 70), (0, 64), (5, 3), (8, 100)] {
            let mut z = vec![1u8; 120];
            // SAFETY: in range.
            unsafe { volatile_fill(z.as_mut_ptr().add(off), 9, n) };
            assert!(z[off..off + n].iter().all(|&b| b == 9));
            assert!(z[..off].iter().chain(&z[off + n..]).all(|&b| b == 1));
        }
    }

    #[test]
    fn unsealed_memfd_is_refused() {
        let m = memfd("u", 10, false).unwrap();
        assert!(sealed_size(m.as_fd()).is_err());
    }
}
