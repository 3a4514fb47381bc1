//! The TA sandbox policy, as reviewed data.
//!
//! A TA process runs under two seccomp filters installed by the core in
//! the forked child *before* `execveat` of the TA image (so they cover the
//! TA's ELF constructors and libc start-up), plus a third that the TA
//! runtime installs first thing in `main`:
//!
//! 1. `soft_deny`: file-system look-ups that glibc and Rust std attempt
//!    during start-up (reading `/proc/self/maps` for the stack guard) fail
//!    with `EACCES` instead of killing the process.
//! 2. `allow_list`: everything not listed kills the process
//!    (`SECCOMP_RET_KILL_PROCESS`). No `socket`, `fork`/`clone`,
//!    `kill`/`tgkill` (an abort therefore dies by SIGSYS, which is what an
//!    abort is for), `ptrace`, `execve`. `execveat` is allowed only on
//!    descriptor [`EXEC_FD`], which is close-on-exec and above the TA's
//!    `RLIMIT_NOFILE`, so it cannot exist again after the exec.
//! 3. `runtime_lock` (installed by the TA runtime before any entry point):
//!    the soft-denied calls now kill too, so a TA that tries to open a
//!    file is torn down.
//!
//! The kernel evaluates every installed filter and applies the strictest
//! answer, so later filters can only narrow what earlier ones allowed.

pub use seccompiler::BpfProgram;
use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};
use std::collections::BTreeMap;

/// The descriptor number the TA image is executed from.
pub const EXEC_FD: i32 = 1000;
/// RLIMIT_NOFILE inside a TA (below [`EXEC_FD`]).
pub const TA_NOFILE: u64 = 64;

#[cfg(target_arch = "x86_64")]
const ARCH: TargetArch = TargetArch::x86_64;
#[cfg(target_arch = "aarch64")]
const ARCH: TargetArch = TargetArch::aarch64;

/// Calls that fail softly (EACCES) during start-up and kill afterwards.
fn soft_denied() -> Vec<i64> {
    let mut v = vec![
        libc::SYS_openat,
        libc::SYS_readlinkat,
        libc::SYS_newfstatat,
        libc::SYS_statx,
        libc::SYS_faccessat,
        libc::SYS_faccessat2,
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        libc::SYS_open,
        libc::SYS_readlink,
        libc::SYS_stat,
        libc::SYS_lstat,
        libc::SYS_access,
    ]);
    v
}

/// Calls a TA may make, unconditionally.
fn allowed() -> Vec<i64> {
    let mut v = vec![
        // The channel to the core and the descriptors it was given.
        libc::SYS_read,
        libc::SYS_write,
        libc::SYS_readv,
        libc::SYS_writev,
        libc::SYS_close,
        libc::SYS_recvmsg,
        libc::SYS_sendmsg,
        libc::SYS_recvfrom,
        libc::SYS_sendto,
        libc::SYS_ppoll,
        libc::SYS_fcntl,
        libc::SYS_fstat,
        libc::SYS_lseek,
        // Memory.
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mprotect,
        libc::SYS_mremap,
        libc::SYS_madvise,
        libc::SYS_brk,
        // Threads of libc / std bookkeeping (no thread creation).
        libc::SYS_futex,
        libc::SYS_set_tid_address,
        libc::SYS_set_robust_list,
        libc::SYS_rseq,
        libc::SYS_sched_yield,
        libc::SYS_sched_getaffinity,
        libc::SYS_getpid,
        libc::SYS_gettid,
        libc::SYS_getuid,
        libc::SYS_geteuid,
        libc::SYS_getgid,
        libc::SYS_getegid,
        // Signals (own handlers only; no sending).
        libc::SYS_rt_sigaction,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigreturn,
        libc::SYS_sigaltstack,
        // Time and randomness.
        libc::SYS_clock_gettime,
        libc::SYS_clock_getres,
        libc::SYS_clock_nanosleep,
        libc::SYS_nanosleep,
        libc::SYS_gettimeofday,
        libc::SYS_getrandom,
        libc::SYS_uname,
        // Leaving.
        libc::SYS_exit,
        libc::SYS_exit_group,
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([libc::SYS_arch_prctl, libc::SYS_poll, libc::SYS_time]);
    v
}

fn cond(arg: u8, op: SeccompCmpOp, val: u64) -> SeccompCondition {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, val).expect("valid seccomp condition")
}

fn build(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> BpfProgram {
    SeccompFilter::new(rules, mismatch, matched, ARCH)
        .and_then(|f| f.try_into())
        .expect("the sandbox policy compiles")
}

/// Filter 1: soft-deny file-system look-ups with EACCES.
pub fn soft_deny() -> BpfProgram {
    let rules = soft_denied().into_iter().map(|s| (s, vec![])).collect();
    build(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EACCES as u32),
    )
}

/// Filter 2: the allow-list; anything else kills the process.
pub fn allow_list() -> BpfProgram {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for s in allowed().into_iter().chain(soft_denied()) {
        rules.insert(s, vec![]);
    }
    // Installing further (narrower) filters: prctl(PR_SET_NO_NEW_PRIVS)
    // and seccomp(SECCOMP_SET_MODE_FILTER) only.
    rules.insert(
        libc::SYS_prctl,
        vec![
            SeccompRule::new(vec![cond(
                0,
                SeccompCmpOp::Eq,
                libc::PR_SET_NO_NEW_PRIVS as u64,
            )])
            .unwrap(),
        ],
    );
    rules.insert(
        libc::SYS_seccomp,
        vec![
            SeccompRule::new(vec![cond(
                0,
                SeccompCmpOp::Eq,
                libc::SECCOMP_SET_MODE_FILTER as u64,
            )])
            .unwrap(),
        ],
    );
    // The one exec of the TA image itself.
    rules.insert(
        libc::SYS_execveat,
        vec![
            SeccompRule::new(vec![
                cond(0, SeccompCmpOp::Eq, EXEC_FD as u64),
                cond(4, SeccompCmpOp::Eq, libc::AT_EMPTY_PATH as u64),
            ])
            .unwrap(),
        ],
    );
    // Reading limits is harmless; setting them is not allowed.
    rules.insert(
        libc::SYS_prlimit64,
        vec![SeccompRule::new(vec![cond(2, SeccompCmpOp::Eq, 0)]).unwrap()],
    );
    build(rules, SeccompAction::KillProcess, SeccompAction::Allow)
}

/// Filter 3, installed by the TA runtime: the soft-denied calls kill.
pub fn runtime_lock() -> BpfProgram {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        soft_denied().into_iter().map(|s| (s, vec![])).collect();
    rules.insert(libc::SYS_execveat, vec![]);
    build(rules, SeccompAction::Allow, SeccompAction::KillProcess)
}

/// Install a filter on the calling thread (setting no_new_privs first).
/// Async-signal-safe (no allocation, even on failure), so it may run
/// between fork and exec.
pub fn apply(prog: &BpfProgram) -> bool {
    seccompiler::apply_filter(prog).is_ok()
}
