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

use oxtee_proto::ta_fd;
use oxtee_sys::sandbox::BpfProgram;
use oxtee_sys::sandbox::{self, EXEC_FD, TA_NOFILE};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::mpsc;

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
    let limits: [(libc::__rlimit_resource_t, u64); 4] = [
        (libc::RLIMIT_NOFILE, TA_NOFILE),
        (libc::RLIMIT_DATA, req.data_limit),
        (libc::RLIMIT_STACK, req.stack_limit),
        (libc::RLIMIT_CORE, 0),
    ];
    let srcs = [
        req.channel.as_raw_fd(),
        req.control.as_raw_fd(),
        req.exec.as_raw_fd(),
        req.log.as_raw_fd(),
    ];

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
            filters,
            &argv,
            &envp,
            empty.as_ptr(),
        );
    }
    Ok(pid)
}

/// The child side of fork. Never returns.
fn child(
    srcs: [RawFd; 4],
    devnull: RawFd,
    limits: &[(libc::__rlimit_resource_t, u64)],
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
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
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
