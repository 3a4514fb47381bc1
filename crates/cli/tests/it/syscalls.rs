//! The sandbox denies by construction: every system call number, through
//! every entry point a 64-bit x86 process has (`syscall` with x86_64 and
//! x32 numbers, `int 0x80` with i386 numbers), either is in the reviewed
//! policy (`oxtee_sys::sandbox`) or kills the TA that makes it.

use crate::boundary::{I386, X32, X86_64, kills};
use crate::harness::*;
use std::collections::HashSet;

/// Above the highest number any of the three tables uses today.
const LAST: i64 = 560;

/// Whether the platform handles x86_64 call `nr` before seccomp sees it
/// (some virtual machines take a few numbers for themselves): a child
/// under a filter that kills every call but `exit_group` survives it.
/// Such a number is beyond any process sandbox's reach.
fn beyond_seccomp(nr: i64) -> bool {
    use seccompiler::{SeccompAction, SeccompFilter, TargetArch};
    let rules = [(libc::SYS_exit_group, vec![])].into_iter().collect();
    let prog: seccompiler::BpfProgram = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        TargetArch::x86_64,
    )
    .and_then(|f| f.try_into())
    .unwrap();
    // SAFETY: the child makes raw system calls only, on memory prepared
    // before the fork, and leaves with _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let ok = seccompiler::apply_filter(&prog).is_ok();
        // SAFETY: as above.
        unsafe {
            if ok {
                libc::syscall(nr, 0, 0, 0, 0, 0, 0);
            }
            libc::syscall(libc::SYS_exit_group, if ok { 0 } else { 99 });
        }
    }
    let mut st = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut st, 0) };
    !(libc::WIFSIGNALED(st) && libc::WTERMSIG(st) == libc::SIGSYS)
}

fn sweep(abi: u32, skip: &HashSet<i64>) {
    let w = World::start_with(
        &ta_dir(),
        "[limits]\ncancel_grace_ms = 300\nspare_instances = true\n",
    );
    let numbers: Vec<i64> = (0..=LAST).filter(|n| !skip.contains(n)).collect();
    let survivors: Vec<i64> = std::thread::scope(|sc| {
        let hs: Vec<_> = numbers
            .chunks(numbers.len().div_ceil(4))
            .map(|chunk| {
                let w = &w;
                sc.spawn(move || {
                    chunk
                        .iter()
                        .copied()
                        .filter(|&nr| !kills(w, abi, nr, &[0; 6]))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let (platform, escaped): (Vec<i64>, Vec<i64>) = survivors
        .into_iter()
        .partition(|&nr| abi == X86_64 && beyond_seccomp(nr));
    if !platform.is_empty() {
        println!("handled by the platform before seccomp (no sandbox can see them): {platform:?}");
    }
    assert!(
        escaped.is_empty(),
        "abi {abi}: system calls outside the reviewed policy did not kill: {escaped:?}"
    );
    assert!(w.wait_log("sandbox violation"));
}

#[test]
fn every_x86_64_call_outside_the_policy_kills() {
    let allowed: HashSet<i64> = oxtee_sys::sandbox::allowed().map(|a| a.nr).collect();
    assert!(allowed.len() > 40, "the policy is listed");
    sweep(X86_64, &allowed);
}

#[test]
fn every_x32_call_kills() {
    sweep(X32, &HashSet::new());
}

#[test]
fn every_i386_call_kills() {
    sweep(I386, &HashSet::new());
}
