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
//! 2. `allow_list`: [`ALLOWED`] (and the soft-denied calls); everything
//!    else, every other architecture (i386 `int 0x80`) and every x32 call
//!    number kills the process (`SECCOMP_RET_KILL_PROCESS`).
//! 3. `runtime_lock` (installed by the TA runtime before any entry point):
//!    the soft-denied calls now kill too, and so does any new executable
//!    mapping: after start-up a TA cannot run a byte that was not in its
//!    verified image.
//!
//! The kernel evaluates every installed filter and applies the strictest
//! answer, so later filters can only narrow what earlier ones allowed.
//!
//! Every allowed call and every argument rule below carries the reason it
//! is there; a call is in this file or it kills (`tests/it/syscalls.rs`
//! proves it for every call number). Argument comparisons follow the
//! kernel's type of the argument: an `int`/`unsigned int` argument is
//! compared on its low 32 bits (the kernel ignores the upper half, so a
//! 64-bit comparison would be *less* exact), a pointer or `long` on all
//! 64 bits (a 32-bit comparison would let `0x1_0000_0000` pass as NULL).

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

/// The kernel's type of a system call argument: how wide to compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// `int`/`unsigned int`: the kernel reads the low 32 bits only.
    Int,
    /// A pointer, `long` or `size_t`: all 64 bits.
    Long,
}

/// One comparison of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `arg == v`
    Eq(u64),
    /// `arg & mask == v`
    Masked { mask: u64, v: u64 },
}

/// A condition on argument `arg` (0-based).
#[derive(Debug, Clone, Copy)]
pub struct Cond {
    pub arg: u8,
    pub width: Width,
    pub cmp: Cmp,
}

/// An argument rule: all of its conditions must hold.
#[derive(Debug, Clone, Copy)]
pub struct ArgRule {
    pub why: &'static str,
    pub all: &'static [Cond],
}

/// A system call a TA may make.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    pub nr: i64,
    pub name: &'static str,
    /// Why a TA needs it.
    pub why: &'static str,
    /// Empty: any arguments. Otherwise the call is allowed when any one
    /// rule holds, and kills the process when none does.
    pub when: &'static [ArgRule],
}

const fn int_eq(arg: u8, v: u64) -> Cond {
    Cond {
        arg,
        width: Width::Int,
        cmp: Cmp::Eq(v),
    }
}

const fn long_eq(arg: u8, v: u64) -> Cond {
    Cond {
        arg,
        width: Width::Long,
        cmp: Cmp::Eq(v),
    }
}

const fn long_bits_clear(arg: u8, mask: u64) -> Cond {
    Cond {
        arg,
        width: Width::Long,
        cmp: Cmp::Masked { mask, v: 0 },
    }
}

const fn long_masked(arg: u8, mask: u64, v: u64) -> Cond {
    Cond {
        arg,
        width: Width::Long,
        cmp: Cmp::Masked { mask, v },
    }
}

const PROT_W: u64 = libc::PROT_WRITE as u64;
const PROT_X: u64 = libc::PROT_EXEC as u64;
/// MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE.
const MAP_TYPE: u64 = 0x3;
const MAP_PRIVATE: u64 = libc::MAP_PRIVATE as u64;
const MAP_ANON: u64 = libc::MAP_ANONYMOUS as u64;

/// `mmap`: W^X (never writable and executable at once), and no shared
/// anonymous memory (RLIMIT_DATA does not count it; private anonymous
/// memory and mappings of the descriptors the core sent are what a TA
/// uses). Four rules: (not X or not W) and (not anonymous or private).
const MMAP_RULES: &[ArgRule] = &[
    ArgRule {
        why: "not executable, file-backed (shared memory the core sent)",
        all: &[long_bits_clear(2, PROT_X), long_bits_clear(3, MAP_ANON)],
    },
    ArgRule {
        why: "not executable, private (heap, stacks)",
        all: &[
            long_bits_clear(2, PROT_X),
            long_masked(3, MAP_TYPE, MAP_PRIVATE),
        ],
    },
    ArgRule {
        why: "not writable, file-backed",
        all: &[long_bits_clear(2, PROT_W), long_bits_clear(3, MAP_ANON)],
    },
    ArgRule {
        why: "not writable, private",
        all: &[
            long_bits_clear(2, PROT_W),
            long_masked(3, MAP_TYPE, MAP_PRIVATE),
        ],
    },
];

/// `mprotect`: W^X.
const MPROTECT_RULES: &[ArgRule] = &[
    ArgRule {
        why: "not executable (RELRO, guard pages, heap)",
        all: &[long_bits_clear(2, PROT_X)],
    },
    ArgRule {
        why: "not writable",
        all: &[long_bits_clear(2, PROT_W)],
    },
];

/// `fcntl`: the commands the runtime and libc use. No F_SETOWN/F_SETSIG/
/// F_SETLEASE/O_ASYNC (they make the kernel signal other processes), no
/// locks, no seals.
const FCNTL_RULES: &[ArgRule] = &[
    ArgRule {
        why: "F_GETFD: libc's descriptor checks",
        all: &[int_eq(1, libc::F_GETFD as u64)],
    },
    ArgRule {
        why: "F_SETFD: close-on-exec flag",
        all: &[int_eq(1, libc::F_SETFD as u64)],
    },
    ArgRule {
        why: "F_GETFL: status flags",
        all: &[int_eq(1, libc::F_GETFL as u64)],
    },
    ArgRule {
        why: "F_SETFL without O_ASYNC (O_NONBLOCK on the channel)",
        all: &[
            int_eq(1, libc::F_SETFL as u64),
            long_bits_clear(2, libc::O_ASYNC as u64),
        ],
    },
    ArgRule {
        why: "F_DUPFD_CLOEXEC: the runtime's second handle on its channel",
        all: &[int_eq(1, libc::F_DUPFD_CLOEXEC as u64)],
    },
];

/// The allow-list (filter 2), common to every architecture.
pub const ALLOWED: &[Allowed] = &[
    // The channel to the core, the log pipe and the descriptors the core sent.
    Allowed {
        nr: libc::SYS_read,
        name: "read",
        why: "reads on descriptors the TA was given (no file can be opened)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_write,
        name: "write",
        why: "trace output to the log pipe (fd 1/2)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_readv,
        name: "readv",
        why: "as read (libc stdio)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_writev,
        name: "writev",
        why: "as write (libc stdio)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_close,
        name: "close",
        why: "closing descriptors the core sent (released shared memory)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_recvmsg,
        name: "recvmsg",
        why: "requests (and their descriptors) from the core on the channel",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_sendmsg,
        name: "sendmsg",
        why: "answers to the core on the channel (no socket can be created)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_recvfrom,
        name: "recvfrom",
        why: "as recvmsg (std's recv)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_sendto,
        name: "sendto",
        why: "as sendmsg (std's send)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_ppoll,
        name: "ppoll",
        why: "waiting on the channel with a timeout; std's fd sanitising",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_fcntl,
        name: "fcntl",
        why: "descriptor flags (commands restricted)",
        when: FCNTL_RULES,
    },
    Allowed {
        nr: libc::SYS_fstat,
        name: "fstat",
        why: "libc stdio asks what its descriptors are",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_lseek,
        name: "lseek",
        why: "libc stdio on the log pipe (fails with ESPIPE)",
        when: &[],
    },
    // Memory.
    Allowed {
        nr: libc::SYS_mmap,
        name: "mmap",
        why: "heap, stacks, and the shared memory the core sent",
        when: MMAP_RULES,
    },
    Allowed {
        nr: libc::SYS_munmap,
        name: "munmap",
        why: "releasing mappings",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_mprotect,
        name: "mprotect",
        why: "RELRO after self-relocation, guard pages",
        when: MPROTECT_RULES,
    },
    Allowed {
        nr: libc::SYS_mremap,
        name: "mremap",
        why: "growing the heap (keeps protections; RLIMIT_DATA/AS bound it)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_madvise,
        name: "madvise",
        why: "returning freed heap pages (privileged advice needs capabilities a TA lacks)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_brk,
        name: "brk",
        why: "libc's heap (bounded by RLIMIT_DATA)",
        when: &[],
    },
    // Thread bookkeeping of libc / std (no thread can be created: no clone).
    Allowed {
        nr: libc::SYS_futex,
        name: "futex",
        why: "locks inside libc and std (one thread, but locks still call it)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_set_tid_address,
        name: "set_tid_address",
        why: "libc start-up",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_set_robust_list,
        name: "set_robust_list",
        why: "libc start-up",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_rseq,
        name: "rseq",
        why: "libc start-up registers restartable sequences",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_sched_yield,
        name: "sched_yield",
        why: "spin-lock back-off in libc",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_sched_getaffinity,
        name: "sched_getaffinity",
        why: "std's available_parallelism (its own affinity only matters to itself)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_getpid,
        name: "getpid",
        why: "libc (abort, raise)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_gettid,
        name: "gettid",
        why: "libc (abort, raise)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_getuid,
        name: "getuid",
        why: "libc start-up (secure mode check)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_geteuid,
        name: "geteuid",
        why: "libc start-up (secure mode check)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_getgid,
        name: "getgid",
        why: "libc start-up (secure mode check)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_getegid,
        name: "getegid",
        why: "libc start-up (secure mode check)",
        when: &[],
    },
    // Signals: its own handlers and masks only; nothing can be sent.
    Allowed {
        nr: libc::SYS_rt_sigaction,
        name: "rt_sigaction",
        why: "std installs its stack-overflow handler",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_rt_sigprocmask,
        name: "rt_sigprocmask",
        why: "libc masks signals around abort",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_rt_sigreturn,
        name: "rt_sigreturn",
        why: "return from its own signal handler",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_sigaltstack,
        name: "sigaltstack",
        why: "std's stack-overflow handler stack",
        when: &[],
    },
    // Time and randomness.
    Allowed {
        nr: libc::SYS_clock_gettime,
        name: "clock_gettime",
        why: "TEE_GetSystemTime / TEE_GetREETime (vDSO fallback)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_clock_getres,
        name: "clock_getres",
        why: "clock resolution (gpd.tee.systemTime.protectionLevel)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_clock_nanosleep,
        name: "clock_nanosleep",
        why: "TEE_Wait",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_nanosleep,
        name: "nanosleep",
        why: "TEE_Wait (std's sleep)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_gettimeofday,
        name: "gettimeofday",
        why: "time (vDSO fallback)",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_getrandom,
        name: "getrandom",
        why: "TEE_GenerateRandom and key generation",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_uname,
        name: "uname",
        why: "libc start-up checks the kernel version",
        when: &[],
    },
    // Narrowing its own sandbox.
    Allowed {
        nr: libc::SYS_prctl,
        name: "prctl",
        why: "the runtime installs a narrower filter",
        when: &[ArgRule {
            why: "PR_SET_NO_NEW_PRIVS only",
            all: &[int_eq(0, libc::PR_SET_NO_NEW_PRIVS as u64)],
        }],
    },
    Allowed {
        nr: libc::SYS_seccomp,
        name: "seccomp",
        why: "the runtime installs a narrower filter",
        when: &[ArgRule {
            why: "SECCOMP_SET_MODE_FILTER only",
            all: &[int_eq(0, libc::SECCOMP_SET_MODE_FILTER as u64)],
        }],
    },
    Allowed {
        nr: libc::SYS_execveat,
        name: "execveat",
        why: "the one exec of the verified image itself",
        when: &[ArgRule {
            why: "from EXEC_FD (close-on-exec, above RLIMIT_NOFILE: it cannot exist again) with AT_EMPTY_PATH",
            all: &[
                int_eq(0, EXEC_FD as u64),
                int_eq(4, libc::AT_EMPTY_PATH as u64),
            ],
        }],
    },
    Allowed {
        nr: libc::SYS_prlimit64,
        name: "prlimit64",
        why: "std reads its stack limit",
        when: &[ArgRule {
            why: "its own limits (pid 0), reading only (new limit NULL, all 64 bits)",
            all: &[int_eq(0, 0), long_eq(2, 0)],
        }],
    },
    // Leaving.
    Allowed {
        nr: libc::SYS_exit,
        name: "exit",
        why: "thread exit",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_exit_group,
        name: "exit_group",
        why: "process exit",
        when: &[],
    },
];

/// The allow-list entries that exist on x86_64 only.
#[cfg(target_arch = "x86_64")]
pub const ALLOWED_ARCH: &[Allowed] = &[
    Allowed {
        nr: libc::SYS_arch_prctl,
        name: "arch_prctl",
        why: "libc start-up sets the thread pointer (ARCH_SET_FS) and reads CPU features",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_poll,
        name: "poll",
        why: "std's fd sanitising at start-up",
        when: &[],
    },
    Allowed {
        nr: libc::SYS_time,
        name: "time",
        why: "time (vDSO fallback)",
        when: &[],
    },
];
#[cfg(not(target_arch = "x86_64"))]
pub const ALLOWED_ARCH: &[Allowed] = &[];

/// A call that fails softly during start-up and kills after the lock.
#[derive(Debug, Clone, Copy)]
pub struct SoftDenied {
    pub nr: i64,
    pub name: &'static str,
}

/// File-system look-ups glibc and std make at start-up: EACCES until the
/// runtime locks the sandbox, then they kill.
pub fn soft_denied() -> Vec<SoftDenied> {
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut v = vec![
        SoftDenied {
            nr: libc::SYS_openat,
            name: "openat",
        },
        SoftDenied {
            nr: libc::SYS_readlinkat,
            name: "readlinkat",
        },
        SoftDenied {
            nr: libc::SYS_newfstatat,
            name: "newfstatat",
        },
        SoftDenied {
            nr: libc::SYS_statx,
            name: "statx",
        },
        SoftDenied {
            nr: libc::SYS_faccessat,
            name: "faccessat",
        },
        SoftDenied {
            nr: libc::SYS_faccessat2,
            name: "faccessat2",
        },
    ];
    #[cfg(target_arch = "x86_64")]
    v.extend([
        SoftDenied {
            nr: libc::SYS_open,
            name: "open",
        },
        SoftDenied {
            nr: libc::SYS_readlink,
            name: "readlink",
        },
        SoftDenied {
            nr: libc::SYS_stat,
            name: "stat",
        },
        SoftDenied {
            nr: libc::SYS_lstat,
            name: "lstat",
        },
        SoftDenied {
            nr: libc::SYS_access,
            name: "access",
        },
    ]);
    v
}

/// Every allowed call of this architecture.
pub fn allowed() -> impl Iterator<Item = &'static Allowed> {
    ALLOWED.iter().chain(ALLOWED_ARCH)
}

fn condition(c: &Cond) -> SeccompCondition {
    let len = match c.width {
        Width::Int => SeccompCmpArgLen::Dword,
        Width::Long => SeccompCmpArgLen::Qword,
    };
    let (op, v) = match c.cmp {
        Cmp::Eq(v) => (SeccompCmpOp::Eq, v),
        Cmp::Masked { mask, v } => (SeccompCmpOp::MaskedEq(mask), v),
    };
    SeccompCondition::new(c.arg, len, op, v).expect("the sandbox policy is well-formed")
}

fn rules_of(when: &[ArgRule]) -> Vec<SeccompRule> {
    when.iter()
        .map(|r| {
            SeccompRule::new(r.all.iter().map(condition).collect())
                .expect("the sandbox policy is well-formed")
        })
        .collect()
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
    let rules = soft_denied().into_iter().map(|s| (s.nr, vec![])).collect();
    build(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EACCES as u32),
    )
}

/// Filter 2: the allow-list; anything else kills the process.
pub fn allow_list() -> BpfProgram {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for a in allowed() {
        rules.insert(a.nr, rules_of(a.when));
    }
    for s in soft_denied() {
        rules.insert(s.nr, vec![]);
    }
    build(rules, SeccompAction::KillProcess, SeccompAction::Allow)
}

/// What filter 3 kills beyond the soft-denied calls: any new executable
/// memory, and a second exec.
const LOCK_EXEC: &[ArgRule] = &[ArgRule {
    why: "PROT_EXEC after start-up: only the verified image runs",
    all: &[long_masked(2, PROT_X, PROT_X)],
}];

/// Filter 3, installed by the TA runtime: the soft-denied calls kill, and
/// so do executable mappings and exec.
pub fn runtime_lock() -> BpfProgram {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        soft_denied().into_iter().map(|s| (s.nr, vec![])).collect();
    rules.insert(libc::SYS_execveat, vec![]);
    rules.insert(libc::SYS_mmap, rules_of(LOCK_EXEC));
    rules.insert(libc::SYS_mprotect, rules_of(LOCK_EXEC));
    build(rules, SeccompAction::Allow, SeccompAction::KillProcess)
}

/// Install a filter on the calling thread (setting no_new_privs first).
/// Async-signal-safe (no allocation, even on failure), so it may run
/// between fork and exec.
pub fn apply(prog: &BpfProgram) -> bool {
    seccompiler::apply_filter(prog).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_is_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for a in allowed() {
            assert!(seen.insert(a.nr), "{} listed twice", a.name);
            assert!(!a.why.is_empty(), "{} has no reason", a.name);
            for r in a.when {
                assert!(!r.why.is_empty() && !r.all.is_empty(), "{}", a.name);
            }
        }
        for s in soft_denied() {
            assert!(
                !seen.contains(&s.nr),
                "{} both allowed and soft-denied",
                s.name
            );
        }
        // Building them checks every condition.
        let _ = (soft_deny(), allow_list(), runtime_lock());
    }

    #[test]
    fn pointer_arguments_are_compared_on_64_bits() {
        let prl = allowed()
            .find(|a| a.nr == libc::SYS_prlimit64)
            .expect("prlimit64 listed");
        let new_limit = prl.when[0].all.iter().find(|c| c.arg == 2).unwrap();
        assert_eq!(new_limit.width, Width::Long);
        for a in allowed().filter(|a| a.nr == libc::SYS_mmap || a.nr == libc::SYS_mprotect) {
            for r in a.when {
                assert!(r.all.iter().all(|c| c.width == Width::Long), "{}", a.name);
            }
        }
    }
}
