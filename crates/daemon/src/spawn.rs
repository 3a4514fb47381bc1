//! Starting TA processes inside their sandbox.
//!
//! All forks happen on one long-lived thread (so `PR_SET_PDEATHSIG`, which
//! fires when the *thread* that forked exits, only fires when the daemon
//! goes away). Between fork and exec the child only makes async-signal-safe
//! system calls: it arranges its descriptors, lowers its resource limits,
//! installs the seccomp filters prepared by the parent, and executes the
//! sealed memfd holding the verified TA with `execveat(AT_EMPTY_PATH)`.
//! The filters are therefore in force before the first TA instruction,
//! ELF constructors and libc start-up included.
//!
//! Before the filters the child also gives up every privilege: when the
//! core runs as root it takes an unprivileged uid and gid of its own
//! ([`UidPool`]: one per instance, as Android isolates apps), no
//! supplementary groups, an empty capability bounding set; in every mode
//! it drops all capabilities (permitted, effective, inheritable, ambient)
//! and is not dumpable. The image is executed from a memfd of mode 0111
//! (execute, not read), so the kernel keeps the process non-dumpable
//! through `execveat` too: another process of the same uid can neither
//! ptrace it nor read `/proc/<pid>/mem`.

use crate::LockExt;
use oxtee_proto::ta_fd;
use oxtee_sys::sandbox::BpfProgram;
use oxtee_sys::sandbox::{self, EXEC_FD, TA_NOFILE};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, mpsc};

/// Unprivileged uids for TA instances (used when the core runs as root):
/// `first..first + count`, one per live instance, given back when its
/// process has been reaped.
#[derive(Debug)]
pub struct UidPool {
    first: u32,
    count: u32,
    state: Mutex<(u32, Vec<u32>)>,
}

/// A uid taken from the pool until dropped.
#[derive(Debug)]
pub struct UidLease {
    pool: Arc<UidPool>,
    pub uid: u32,
}

impl UidPool {
    pub fn new(first: u32, count: u32) -> Arc<UidPool> {
        Arc::new(UidPool {
            first,
            count,
            state: Mutex::new((0, Vec::new())),
        })
    }

    /// A free uid, or None when every one is in use.
    pub fn take(self: &Arc<Self>) -> Option<UidLease> {
        let mut st = self.state.locked();
        let off = match st.1.pop() {
            Some(o) => o,
            None if st.0 < self.count => {
                st.0 += 1;
                st.0 - 1
            }
            None => return None,
        };
        Some(UidLease {
            pool: self.clone(),
            uid: self.first + off,
        })
    }
}

impl Drop for UidLease {
    fn drop(&mut self) {
        let mut st = self.pool.state.locked();
        st.1.push(self.uid - self.pool.first);
    }
}

/// What a TA process gets.
pub struct SpawnRequest {
    pub name: String,
    pub channel: OwnedFd,
    pub control: OwnedFd,
    pub exec: OwnedFd,
    /// Write end of the pipe that becomes the TA's stdout and stderr.
    pub log: OwnedFd,
    pub data_limit: u64,
    pub stack_limit: u64,
    /// RLIMIT_AS: the whole address space.
    pub as_limit: u64,
    /// The uid (and gid) to run as; None keeps the core's (non-root core).
    pub uid: Option<u32>,
}

type Reply = std::io::Result<i32>;

/// Handle to the spawner thread.
pub struct Spawner {
    tx: mpsc::Sender<(SpawnRequest, mpsc::Sender<Reply>)>,
}

impl Spawner {
    pub fn start() -> std::io::Result<Spawner> {
        let (tx, rx) = mpsc::channel::<(SpawnRequest, mpsc::Sender<Reply>)>();
        let filters = [sandbox::soft_deny(), sandbox::allow_list()];
        let devnull = std::fs::File::open("/dev/null")?;
        std::thread::Builder::new()
            .name("oxtee-spawner".into())
            .spawn(move || {
                for (req, reply) in rx {
                    let r = spawn(&req, &filters, devnull.as_raw_fd());
                    let _ = reply.send(r);
                }
            })?;
        Ok(Spawner { tx })
    }

    /// Start a TA process; returns its pid.
    pub fn spawn(&self, req: SpawnRequest) -> std::io::Result<i32> {
        let (rtx, rrx) = mpsc::channel();
        self.tx
            .send((req, rtx))
            .map_err(|_| std::io::Error::other("spawner thread gone"))?;
        rrx.recv()
            .map_err(|_| std::io::Error::other("spawner thread gone"))?
    }
}

fn spawn(req: &SpawnRequest, filters: &[BpfProgram; 2], devnull: RawFd) -> std::io::Result<i32> {
    // Everything the child needs is prepared here, before fork: the child
    // must not allocate.
    let name =
        CString::new(req.name.as_bytes()).map_err(|_| std::io::Error::other("bad TA name"))?;
    let argv: [*const libc::c_char; 2] = [name.as_ptr(), std::ptr::null()];
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    let empty = c"";
    // No RLIMIT_FSIZE: it cannot open files of its own anyway.
    let limits: [(libc::__rlimit_resource_t, u64); 5] = [
        (libc::RLIMIT_NOFILE, TA_NOFILE),
        (libc::RLIMIT_DATA, req.data_limit),
        (libc::RLIMIT_STACK, req.stack_limit),
        (libc::RLIMIT_AS, req.as_limit),
        (libc::RLIMIT_CORE, 0),
    ];
    let srcs = [
        req.channel.as_raw_fd(),
        req.control.as_raw_fd(),
        req.exec.as_raw_fd(),
        req.log.as_raw_fd(),
    ];

    let parent = std::process::id() as libc::pid_t;
    // SAFETY: fork in a multi-threaded process is sound as long as the
    // child only calls async-signal-safe functions before exec; `child`
    // below only makes raw system calls on data prepared above.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if pid == 0 {
        child(
            srcs,
            devnull,
            &limits,
            req.uid,
            parent,
            filters,
            &argv,
            &envp,
            empty.as_ptr(),
        );
    }
    Ok(pid)
}

/// `struct __user_cap_header_struct` (capset(2)).
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}

/// `struct __user_cap_data_struct` (capset(2)).
#[repr(C)]
#[derive(Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
const PR_CAP_AMBIENT: i32 = 47;
const PR_CAP_AMBIENT_CLEAR_ALL: libc::c_ulong = 4;

/// Give up every privilege (in the forked child; async-signal-safe raw
/// system calls only). With `uid`, the core is root: empty bounding set,
/// no supplementary groups, that uid and gid. In every case: no
/// capabilities of any kind, not dumpable. False on any failure.
///
/// # Safety
/// Only between fork and exec, in the single-threaded child.
unsafe fn drop_privileges(uid: Option<u32>) -> bool {
    // SAFETY: plain system calls on values owned by this frame.
    unsafe {
        if let Some(uid) = uid {
            // Needs CAP_SETPCAP, which root has until the setresuid below.
            for cap in 0..64 {
                if libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) != 0 {
                    // EINVAL: past the last capability this kernel knows.
                    if *libc::__errno_location() == libc::EINVAL && cap > 0 {
                        break;
                    }
                    return false;
                }
            }
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setresgid(uid, uid, uid) != 0
                || libc::setresuid(uid, uid, uid) != 0
            {
                return false;
            }
        }
        let hdr = CapHeader {
            version: LINUX_CAPABILITY_VERSION_3,
            pid: 0,
        };
        let none = [CapData {
            effective: 0,
            permitted: 0,
            inheritable: 0,
        }; 2];
        if libc::syscall(libc::SYS_capset, &hdr as *const CapHeader, none.as_ptr()) != 0 {
            return false;
        }
        if libc::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 {
            return false;
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    }
}

/// The child side of fork. Never returns.
#[allow(clippy::too_many_arguments)]
fn child(
    srcs: [RawFd; 4],
    devnull: RawFd,
    limits: &[(libc::__rlimit_resource_t, u64)],
    uid: Option<u32>,
    parent: libc::pid_t,
    filters: &[BpfProgram; 2],
    argv: &[*const libc::c_char; 2],
    envp: &[*const libc::c_char; 1],
    empty: *const libc::c_char,
) -> ! {
    // SAFETY: only async-signal-safe system calls on descriptors and
    // memory owned by this (single-threaded) child; any failure ends the
    // child with `_exit`, which the core sees as a dead TA.
    unsafe {
        let fail = |code: i32| -> ! { libc::_exit(code) };
        // Move the sources out of the way of the target numbers first.
        let mut high = [0; 4];
        for (i, &s) in srcs.iter().enumerate() {
            high[i] = libc::fcntl(s, libc::F_DUPFD_CLOEXEC, EXEC_FD + 10);
            if high[i] < 0 {
                fail(120);
            }
        }
        if libc::dup2(devnull, 0) < 0 || libc::dup2(high[3], 1) < 0 || libc::dup2(high[3], 2) < 0 {
            fail(121);
        }
        if libc::dup2(high[0], ta_fd::CHANNEL) < 0
            || libc::dup2(high[1], ta_fd::CONTROL) < 0
            || libc::dup3(high[2], EXEC_FD, libc::O_CLOEXEC) < 0
        {
            fail(122);
        }
        // Close everything else (including the high copies).
        if libc::syscall(libc::SYS_close_range, 5u32, (EXEC_FD - 1) as u32, 0u32) != 0
            || libc::syscall(libc::SYS_close_range, (EXEC_FD + 1) as u32, u32::MAX, 0u32) != 0
        {
            fail(123);
        }
        for &(res, v) in limits {
            let l = libc::rlimit {
                rlim_cur: v,
                rlim_max: v,
            };
            if libc::setrlimit(res, &l) != 0 {
                fail(124);
            }
        }
        if !drop_privileges(uid) {
            fail(128);
        }
        // After the credential change (which clears it); and if the core
        // died before this point, nobody would ever reap or kill us.
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 || libc::getppid() != parent {
            fail(125);
        }
        for f in filters {
            if !sandbox::apply(f) {
                fail(126);
            }
        }
        libc::syscall(
            libc::SYS_execveat,
            EXEC_FD,
            empty,
            argv.as_ptr(),
            envp.as_ptr(),
            libc::AT_EMPTY_PATH,
        );
        fail(127)
    }
}
