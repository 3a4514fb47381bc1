//! The boundary holds: each test plays one attacker of issue 9 (a hostile
//! TA, a hostile client, another user on the machine) and checks that the
//! attack fails and that everyone else is still served.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};
use oxtee_proto::{ClientReply, ClientRequest, decode, encode};
use oxtee_sys::Channel;
use std::os::fd::AsFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::time::Duration;

/// Entry points of the misbehave TA's raw system call command.
pub const X86_64: u32 = 0;
pub const X32: u32 = 1;
pub const I386: u32 = 2;

const SYSCALL: u32 = 12;
const SEND_FDS: u32 = 13;
const LOG: u32 = 14;

/// Run system call `nr` in the TA; Ok((return value, errno)).
pub fn syscall(s: &Session, abi: u32, nr: i64, args: &[u64]) -> Result<(i64, i32), Error> {
    let mut a = [0u8; 48];
    for (i, v) in args.iter().enumerate() {
        a[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
    }
    let mut p = [
        Param::ValueIn {
            a: nr as u32,
            b: abi,
        },
        Param::TempIn { buf: &a },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(SYSCALL, &mut p)?;
    let Param::ValueOut { a, b } = p[2] else {
        unreachable!()
    };
    Ok((a as i32 as i64, b as i32))
}

/// A fresh misbehave instance (each session gets its own process).
pub fn fresh(w: &World) -> Session {
    w.ctx()
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Whether system call `nr` (with `args`) kills the TA making it.
pub fn kills(w: &World, abi: u32, nr: i64, args: &[u64]) -> bool {
    match syscall(&fresh(w), abi, nr, args) {
        Err(e) => {
            assert_eq!(e, TARGET_DEAD, "syscall {nr} (abi {abi})");
            true
        }
        Ok(_) => false,
    }
}

fn hello_works(w: &World) {
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 42, .. }));
}

/// `oxtee invoke` of the hello TA as another user: success and output.
fn hello_as(w: &World, uid: u32, gid: u32) -> (bool, String) {
    let out = Command::new(oxtee_bin_for_others())
        .args(["invoke", HELLO_C, "0", "--socket"])
        .arg(&w.socket)
        .args(["--value-inout", "41,0"])
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn status_field(pid: i32, key: &str) -> String {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    st.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("{key} in /proc/{pid}/status"))
        .trim()
        .to_string()
}

/// Hand `path` to `uid` (and the group of the same number).
fn give(path: &std::path::Path, uid: u32) {
    nix::unistd::chown(
        path,
        Some(nix::unistd::Uid::from_raw(uid)),
        Some(nix::unistd::Gid::from_raw(uid)),
    )
    .unwrap();
}

/// One request on a raw connection (with at most one descriptor), and
/// its answer.
fn ask_raw(
    ch: &Channel,
    req: &ClientRequest,
    fd: Option<std::os::fd::BorrowedFd<'_>>,
) -> ClientReply {
    let fds: Vec<_> = fd.into_iter().collect();
    ch.send(&encode(req).unwrap(), &fds).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = ch.recv(&mut buf, &mut Vec::new()).unwrap().unwrap();
    decode::<ClientReply>(&buf[..n]).unwrap()
}

fn count_fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

fn threads_named(pid: i32, name: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == name))
        .count()
}

/// Poll until `f` holds (bounded): the core cleans up asynchronously.
fn eventually(f: impl Fn() -> bool) -> bool {
    (0..200).any(|_| {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
        false
    })
}

/// Finding 1: F_SETOWN/F_SETSIG/O_ASYNC would make the kernel signal any
/// process (the core) when a message arrives. Each kills the TA.
#[test]
fn fcntl_cannot_aim_signals() {
    let w = World::start();
    let core = w.core_pid() as u64;
    let f = libc::SYS_fcntl;
    for (what, args) in [
        ("F_SETOWN", [3, libc::F_SETOWN as u64, core]),
        ("F_SETSIG", [3, 10 /* F_SETSIG */, libc::SIGKILL as u64]),
        (
            "F_SETFL O_ASYNC",
            [
                3,
                libc::F_SETFL as u64,
                (libc::O_ASYNC | libc::O_NONBLOCK) as u64,
            ],
        ),
        ("F_SETLEASE", [3, libc::F_SETLEASE as u64, 0]),
        ("F_SETLK", [3, libc::F_SETLK as u64, 0]),
        ("F_ADD_SEALS", [3, libc::F_ADD_SEALS as u64, 0]),
    ] {
        assert!(kills(&w, X86_64, f, &args), "{what} was allowed");
    }
    // What the runtime needs still works.
    let s = fresh(&w);
    let (flags, err) = syscall(&s, X86_64, f, &[3, libc::F_GETFL as u64]).unwrap();
    assert!(flags >= 0 && err == 0, "F_GETFL: {flags} {err}");
    let (r, _) = syscall(&s, X86_64, f, &[3, libc::F_SETFL as u64, flags as u64]).unwrap();
    assert_eq!(r, 0, "F_SETFL without O_ASYNC");
    hello_works(&w);
}

/// Finding 2: the new-limit pointer is compared on 64 bits and the pid
/// must be the TA's own (0).
#[test]
fn prlimit_rules_compare_every_bit() {
    let w = World::start();
    let core = w.core_pid();
    let limits = || std::fs::read_to_string(format!("/proc/{core}/limits")).unwrap();
    let before = limits();
    let p = libc::SYS_prlimit64;
    let nofile = libc::RLIMIT_NOFILE as u64;
    assert!(
        kills(&w, X86_64, p, &[0, nofile, 0x1_0000_0000, 0]),
        "a non-NULL new limit with a zero low half"
    );
    assert!(
        kills(&w, X86_64, p, &[core as u64, nofile, 0, 0]),
        "another process's limits"
    );
    assert!(kills(&w, X86_64, p, &[0, nofile, 0x7fff_0000_1000, 0]));
    assert_eq!(
        syscall(&fresh(&w), X86_64, p, &[0, nofile, 0, 0]).unwrap(),
        (0, 0),
        "its own limits, read-only"
    );
    assert_eq!(limits(), before, "the core's limits are untouched");
    hello_works(&w);
}

/// Finding 3: a TA has no authority beyond its channel.
#[test]
fn ta_processes_hold_no_privilege() {
    let w = World::start();
    let a = fresh(&w);
    let b = fresh(&w);
    let pids = w.ta_pids(MISBEHAVE);
    assert_eq!(pids.len(), 2);
    let (uid_a, _) = syscall(&a, X86_64, libc::SYS_getuid, &[]).unwrap();
    let (uid_b, _) = syscall(&b, X86_64, libc::SYS_getuid, &[]).unwrap();
    let root = nix::unistd::geteuid().is_root();
    if root {
        // The core is root: each instance has an unprivileged uid of its own.
        for u in [uid_a, uid_b] {
            assert!((0x7000_0000..0x7001_0000).contains(&u), "TA uid {u}");
        }
        assert_ne!(uid_a, uid_b, "one uid per instance");
    }
    for pid in &pids {
        for cap in ["CapInh:", "CapPrm:", "CapEff:", "CapAmb:"] {
            assert_eq!(status_field(*pid, cap), "0000000000000000", "{cap}");
        }
        if root {
            assert_eq!(status_field(*pid, "CapBnd:"), "0000000000000000");
            assert_eq!(status_field(*pid, "Groups:"), "");
        }
        assert_eq!(status_field(*pid, "NoNewPrivs:"), "1");
        assert_eq!(status_field(*pid, "Seccomp:"), "2");
        // Another process of the TA's own uid cannot read its memory.
        let uid = status_field(*pid, "Uid:");
        let uid: u32 = uid.split_whitespace().next().unwrap().parse().unwrap();
        let out = Command::new("head")
            .args(["-c", "1", &format!("/proc/{pid}/mem")])
            .uid(uid)
            .gid(uid)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "/proc/{pid}/mem readable by uid {uid}"
        );
    }
    // mmap at address 0 (root's CAP_SYS_RAWIO would allow it) fails.
    let fixed = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED) as u64;
    let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
    let (r, e) = syscall(
        &a,
        X86_64,
        libc::SYS_mmap,
        &[0, 4096, rw, fixed, u64::MAX, 0],
    )
    .unwrap();
    assert_eq!((r, e), (-1, libc::EPERM), "mmap at address 0");
}

/// Finding 7: memory a TA maps is bounded, and never writable and
/// executable at once; after start-up nothing new is executable at all.
#[test]
fn ta_memory_is_bounded_and_w_xor_x() {
    let w = World::start();
    let m = libc::SYS_mmap;
    let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
    let rwx = rw | libc::PROT_EXEC as u64;
    let rx = (libc::PROT_READ | libc::PROT_EXEC) as u64;
    let private = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
    let shared = (libc::MAP_SHARED | libc::MAP_ANONYMOUS) as u64;
    assert!(
        kills(&w, X86_64, m, &[0, 1 << 30, rw, shared, u64::MAX, 0]),
        "shared anonymous memory escapes RLIMIT_DATA"
    );
    assert!(kills(&w, X86_64, m, &[0, 4096, rwx, private, u64::MAX, 0]));
    assert!(kills(&w, X86_64, m, &[0, 4096, rx, private, u64::MAX, 0]));
    // mprotect to executable, of any memory.
    let s = fresh(&w);
    let at = 0x1000_0000u64;
    let noreplace = private | libc::MAP_FIXED_NOREPLACE as u64;
    let (addr, _) = syscall(&s, X86_64, m, &[at, 4096, rw, noreplace, u64::MAX, 0]).unwrap();
    assert_eq!(addr as u64, at);
    let r = syscall(&s, X86_64, libc::SYS_mprotect, &[at, 4096, rx]);
    assert_eq!(r.unwrap_err(), TARGET_DEAD, "mprotect to PROT_EXEC");
    // A gigabyte of private memory is beyond a 32 KiB TA's data limit.
    let (r, e) = syscall(
        &fresh(&w),
        X86_64,
        m,
        &[0, 1 << 30, rw, private, u64::MAX, 0],
    )
    .unwrap();
    assert_eq!((r, e), (-1, libc::ENOMEM));
    hello_works(&w);
}

/// Finding 4: descriptors sent with truncated control data (too many of
/// them) are closed, by clients and by TAs, and the TA's log thread ends.
#[test]
fn descriptors_from_peers_never_leak() {
    let w = World::start();
    let core = w.core_pid();
    hello_works(&w);
    let fds = count_fds(core);
    let m = oxtee_sys::memfd("x", 4096, true).unwrap();
    let many: Vec<_> = (0..12).map(|_| m.as_fd()).collect();
    let hello = encode(&ClientRequest::Hello {
        version: oxtee_proto::PROTO_VERSION,
        tee_name: None,
    })
    .unwrap();
    for _ in 0..200 {
        let ch = Channel::connect(&w.socket).unwrap();
        ch.send(&hello, &many).unwrap();
        let mut buf = [0u8; 512];
        let _ = ch.recv(&mut buf, &mut Vec::new());
    }
    assert!(
        eventually(|| count_fds(core) <= fds),
        "client descriptors leaked: {} -> {}",
        fds,
        count_fds(core)
    );
    let logs = threads_named(core, "oxtee-ta-log");
    for _ in 0..10 {
        let s = fresh(&w);
        let mut p = [Param::ValueIn { a: 12, b: 0 }];
        assert_eq!(s.invoke(SEND_FDS, &mut p).unwrap_err(), TARGET_DEAD);
    }
    assert!(
        eventually(|| count_fds(core) <= fds && threads_named(core, "oxtee-ta-log") <= logs),
        "TA descriptors or log threads leaked: fds {} -> {}, log threads {} -> {}",
        fds,
        count_fds(core),
        logs,
        threads_named(core, "oxtee-ta-log")
    );
    hello_works(&w);
}

/// Finding 9: shared memory sealed against writes is refused at
/// registration; the TA it would have been mapped into lives on.
#[test]
fn write_sealed_shared_memory_is_refused() {
    let w = World::start();
    let ch = Channel::connect(&w.socket).unwrap();
    assert!(matches!(
        ask_raw(
            &ch,
            &ClientRequest::Hello {
                version: oxtee_proto::PROTO_VERSION,
                tee_name: None
            },
            None
        ),
        ClientReply::Hello { .. }
    ));
    for seal in [libc::F_SEAL_WRITE, libc::F_SEAL_FUTURE_WRITE] {
        let m = oxtee_sys::memfd("sealed", 4096, false).unwrap();
        // SAFETY: fcntl on a descriptor we own.
        let r = unsafe {
            libc::fcntl(
                std::os::fd::AsRawFd::as_raw_fd(&m),
                libc::F_ADD_SEALS,
                libc::F_SEAL_SHRINK | seal,
            )
        };
        assert_eq!(r, 0);
        let reply = ask_raw(
            &ch,
            &ClientRequest::RegisterShm {
                size: 4096,
                flags: 3,
            },
            Some(m.as_fd()),
        );
        assert!(
            matches!(
                reply,
                ClientReply::Error {
                    result: 0xFFFF_0006,
                    ..
                }
            ),
            "{reply:?}"
        );
    }
    hello_works(&w);
}

/// Finding 5: a socket folder someone else made first is refused by the
/// core, and a client refuses a server it has no reason to trust.
#[test]
fn socket_folders_of_other_users_are_refused() {
    let t = tempfile::tempdir().unwrap();
    // Like /tmp: anyone may create a folder here.
    let public = t.path().join("tmp");
    std::fs::create_dir(&public).unwrap();
    std::fs::set_permissions(
        &public,
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    std::fs::set_permissions(
        t.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let attacker = 4242;
    let planted = public.join("oxtee-0");
    std::fs::create_dir(&planted).unwrap();
    give(&planted, attacker);
    // The core refuses the planted folder.
    let sock = planted.join("oxtee.sock");
    let out = Command::new(oxtee_bin())
        .args(["up", "--socket"])
        .arg(&sock)
        .arg("--ta-dir")
        .arg(ta_dir())
        .arg("--storage-dir")
        .arg(t.path().join("storage"))
        .arg("--key")
        .arg(dev_pubkey())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("not a private folder"),
        "{err}"
    );
    // The attacker's own secure world in that folder: a client of another
    // user refuses to talk to it.
    let key = planted.join("key.pem");
    std::fs::copy(dev_pubkey(), &key).unwrap();
    give(&key, attacker);
    let mut fake = Command::new(oxtee_bin_for_others())
        .args(["up", "--socket"])
        .arg(&sock)
        .arg("--ta-dir")
        .arg(&planted)
        .arg("--storage-dir")
        .arg(planted.join("storage"))
        .arg("--key")
        .arg(&key)
        .uid(attacker)
        .gid(attacker)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let up = eventually(|| sock.exists());
    let r = oxtee_client::Context::new(Some(sock.to_str().unwrap()));
    let _ = fake.kill();
    let _ = fake.wait();
    assert!(up, "the attacker's core did not start");
    assert_eq!(r.unwrap_err(), Error::new(0xFFFF_0001, 2));
}

/// Finding 8: one user's abuse (idle connections, contexts, shared memory,
/// sessions) hits that user's quotas; another user is still served.
#[test]
fn one_user_cannot_starve_another() {
    let w = World::start_with(
        &ta_dir(),
        "socket_group = \"nogroup\"\n[limits]\nspare_instances = false\n\
         max_connections_per_uid = 12\nmax_contexts_per_uid = 4\n\
         max_sessions_per_uid = 3\nmax_shm_objects_per_uid = 8\n\
         first_message_ms = 300\n",
    );
    // Idle connections are closed after the first-message deadline.
    let idle = Channel::connect(&w.socket).unwrap();
    let mut buf = [0u8; 64];
    let t = std::time::Instant::now();
    assert!(matches!(idle.recv(&mut buf, &mut Vec::new()), Ok(None)));
    assert!(t.elapsed() < Duration::from_secs(5));
    // Contexts: four, then BUSY.
    let ctxs: Vec<_> = (0..4).map(|_| w.ctx()).collect();
    assert_eq!(
        oxtee_client::Context::new(Some(w.socket.to_str().unwrap())).unwrap_err(),
        Error::new(0xFFFF_000D, 3)
    );
    // Shared memory objects: eight, then OUT_OF_MEMORY.
    let shms: Vec<_> = (0..8)
        .map(|_| ctxs[0].allocate_shared_memory(0, 3).unwrap())
        .collect();
    assert_eq!(
        ctxs[0].allocate_shared_memory(0, 3).unwrap_err().code,
        0xFFFF_000C
    );
    // Sessions: three, then BUSY.
    let sessions: Vec<_> = (0..3)
        .map(|_| {
            ctxs[1]
                .open_session(uuid(HELLO_C), Login::Public, &mut [])
                .unwrap()
        })
        .collect();
    assert_eq!(
        ctxs[1]
            .open_session(uuid(HELLO_C), Login::Public, &mut [])
            .unwrap_err()
            .code,
        0xFFFF_000D
    );
    // Connections: a flood of idle ones is refused beyond the quota.
    let flood: Vec<_> = (0..40)
        .filter_map(|_| Channel::connect(&w.socket).ok())
        .collect();
    // Meanwhile another user (uid 4242, in the clients' group) is served
    // (the test's folder is root's own: let the group through, as a
    // deployment's /run/oxtee would).
    std::fs::set_permissions(
        w.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o710),
    )
    .unwrap();
    let (ok, text) = hello_as(&w, 4242, 65534);
    assert!(ok && text.contains("42"), "{text}");
    assert!(w.wait_log("per-user quota reached"), "{}", w.log());
    drop((flood, sessions, shms));
    drop(ctxs);
    // Quotas are given back: the abuser can work again.
    assert!(eventually(
        || std::panic::catch_unwind(|| hello_works(&w)).is_ok()
    ));
}

/// Finding 8: four temporary memrefs over one sparse staging region are
/// bounded by their sum, not each on its own.
#[test]
fn staged_memrefs_are_bounded_by_their_sum() {
    use oxtee_proto::{ClientOp, ClientParam, Dir};
    let w = World::start_with(
        &ta_dir(),
        "[limits]\nspare_instances = false\nmax_staging = 1048576\n",
    );
    let ch = Channel::connect(&w.socket).unwrap();
    ask_raw(
        &ch,
        &ClientRequest::Hello {
            version: oxtee_proto::PROTO_VERSION,
            tee_name: None,
        },
        None,
    );
    let staging = oxtee_sys::memfd("s", 1 << 20, true).unwrap();
    assert!(matches!(
        ask_raw(
            &ch,
            &ClientRequest::SetStaging {
                size: 1 << 20,
                session: None
            },
            Some(staging.as_fd())
        ),
        ClientReply::Ok
    ));
    let whole = ClientParam::Staged {
        dir: Dir::In,
        offset: 0,
        size: 1 << 20,
        null: false,
    };
    let reply = ask_raw(
        &ch,
        &ClientRequest::OpenSession {
            uuid: uuid(PARAMS),
            login: 0,
            connection_data: 0,
            params: [whole; 4] as ClientOp,
            cancel_id: 1,
        },
        None,
    );
    assert!(
        matches!(
            reply,
            ClientReply::Op {
                result: 0xFFFF_000C,
                ..
            }
        ),
        "{reply:?}"
    );
    hello_works(&w);
}

/// Finding 11: storage is private, and the supplicant (normal world)
/// cannot read the hardware-unique key.
#[test]
fn storage_is_private_and_the_huk_is_not_the_supplicants() {
    let w = World::start();
    let st = w.dir.path().join("storage");
    let root = nix::unistd::geteuid().is_root();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().mode() & 0o777;
    assert_eq!(mode(&st), if root { 0o711 } else { 0o700 });
    assert_eq!(mode(&st.join("objects")), 0o700);
    assert_eq!(mode(&st.join("huk")), 0o600);
    if root {
        let sup = 0x7000_0000 - 1;
        assert_eq!(std::fs::metadata(st.join("objects")).unwrap().uid(), sup);
        assert_eq!(std::fs::metadata(st.join("huk")).unwrap().uid(), 0);
        // The supplicant's uid cannot read the key (the test's tempdir is
        // private to root: make its way passable to show the file mode is
        // what stops it).
        std::fs::set_permissions(
            w.dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o711),
        )
        .unwrap();
        let out = Command::new("head")
            .args(["-c", "1"])
            .arg(st.join("huk"))
            .uid(sup)
            .gid(sup)
            .output()
            .unwrap();
        assert!(!out.status.success(), "the supplicant's uid reads the HUK");
    }
}

/// Finding 11: a TA's log lines cannot pass for the core's (no control
/// characters, never ERROR) and are rate-limited.
#[test]
fn ta_log_lines_are_tamed() {
    let w = World::start();
    let s = fresh(&w);
    let forged = b"\x1b[2K\rERROR oxtee_daemon::server: secure world compromised";
    let mut p = [Param::TempIn { buf: forged }, Param::ValueIn { a: 1, b: 0 }];
    s.invoke(LOG, &mut p).unwrap();
    assert!(w.wait_log("secure world compromised"));
    let log = w.log();
    let line = log
        .lines()
        .find(|l| l.contains("secure world compromised"))
        .unwrap();
    assert!(!line.contains('\x1b') && !line.contains('\r'), "{line:?}");
    assert!(line.contains("\\u{1b}[2K\\r"), "{line:?}");
    assert!(line.contains("WARN") && line.contains(" ta:"), "{line:?}");
    // A flood: most lines are dropped, and that is said.
    let mut p = [
        Param::TempIn { buf: b"flood line" },
        Param::ValueIn { a: 5000, b: 0 },
    ];
    s.invoke(LOG, &mut p).unwrap();
    // One more line once the limit has refilled: the suppression is said.
    std::thread::sleep(Duration::from_millis(200));
    let mut p = [
        Param::TempIn { buf: b"after" },
        Param::ValueIn { a: 1, b: 0 },
    ];
    s.invoke(LOG, &mut p).unwrap();
    assert!(w.wait_log("suppressed (rate limit)"), "{}", w.log());
    let n = w.log().lines().filter(|l| l.contains("flood line")).count();
    assert!(n < 1000, "{n} flood lines reached the log");
}

/// The children of `parent` whose command line contains `needle`.
fn children(parent: i32, needle: &str) -> Vec<i32> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let mut f = stat.rsplit(')').next().unwrap_or("").split_whitespace();
        let state = f.next();
        let ppid: i32 = f.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == parent && state != Some("Z") && String::from_utf8_lossy(&cmd).contains(needle) {
            v.push(pid);
        }
    }
    v
}

/// Finding 11: a supplicant that stops answering (a hostile or hung
/// normal world) costs a timeout, not the core: it is replaced.
#[test]
fn a_silent_supplicant_is_replaced() {
    let w = World::start_with(
        &ta_dir(),
        "[limits]\nspare_instances = false\nsupplicant_timeout_ms = 500\n",
    );
    hello_works(&w); // loading an image records its version: the supplicant runs
    let core = w.core_pid();
    let sup = children(core, "supplicant");
    assert_eq!(sup.len(), 1, "one supplicant");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sup[0]),
        nix::sys::signal::Signal::SIGSTOP,
    )
    .unwrap();
    // A TA not loaded yet needs the store (its version record).
    let t = std::time::Instant::now();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .expect("served by a new supplicant");
    drop(s);
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(w.wait_log("lost the supplicant"), "{}", w.log());
    assert!(
        eventually(|| !children(core, "supplicant").contains(&sup[0])),
        "the silent supplicant is gone"
    );
}

/// Finding 3, development mode: the core runs as a normal user, TAs run
/// under that uid, and another process of the same uid still cannot read
/// a TA's (or the core's) memory.
#[test]
fn dev_mode_tas_are_private_from_their_own_uid() {
    let user = 4343;
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        t.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let base = t.path().join("w");
    std::fs::create_dir_all(base.join("ta")).unwrap();
    let ta = format!("{MISBEHAVE}.ta");
    std::fs::copy(ta_dir().join(&ta), base.join("ta").join(&ta)).unwrap();
    std::fs::copy(dev_pubkey(), base.join("key.pem")).unwrap();
    for p in [
        base.clone(),
        base.join("ta"),
        base.join("ta").join(&ta),
        base.join("key.pem"),
    ] {
        give(&p, user);
    }
    let sock = base.join("oxtee.sock");
    let as_user = |cmd: &mut Command| {
        cmd.uid(user).gid(user);
    };
    let mut core = Command::new(oxtee_bin_for_others());
    core.args(["up", "--socket"])
        .arg(&sock)
        .arg("--ta-dir")
        .arg(base.join("ta"))
        .arg("--storage-dir")
        .arg(base.join("storage"))
        .arg("--key")
        .arg(base.join("key.pem"))
        .stderr(std::process::Stdio::null());
    as_user(&mut core);
    let mut core = core.spawn().unwrap();
    let core_pid = core.id() as i32;
    let mut client = Command::new(oxtee_bin_for_others());
    client
        .args(["invoke", MISBEHAVE, "9", "--socket"])
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    as_user(&mut client);
    let up = eventually(|| sock.exists());
    let mut client = client.spawn().unwrap();
    let found = eventually(|| !children(core_pid, &format!("oxtee-ta:{MISBEHAVE}")).is_empty());
    let tas = children(core_pid, &format!("oxtee-ta:{MISBEHAVE}"));
    assert!(!tas.is_empty() || !found, "the TA vanished");
    let read_as_user = |pid: i32| {
        Command::new("head")
            .args(["-c", "1", &format!("/proc/{pid}/mem")])
            .uid(user)
            .gid(user)
            .output()
            .unwrap()
            .status
            .success()
    };
    let results: Vec<(i32, String, bool)> = tas
        .iter()
        .map(|&p| (p, status_field(p, "Uid:"), read_as_user(p)))
        .collect();
    let core_readable = read_as_user(core_pid);
    let _ = client.kill();
    let _ = client.wait();
    let _ = core.kill();
    let _ = core.wait();
    assert!(up && found, "the development-mode world did not serve");
    for (pid, uid, readable) in results {
        assert!(uid.starts_with(&user.to_string()), "TA {pid} runs as {uid}");
        assert!(!readable, "TA {pid}'s memory is readable by its own uid");
    }
    assert!(
        !core_readable,
        "the core's memory is readable by its own uid"
    );
}

/// Finding 8: a TA opening sessions to new instances of itself, each of
/// which does the same, stops at the per-TA instance cap.
#[test]
fn ta_to_ta_open_loops_stop_at_the_instance_cap() {
    let w = World::start_with(
        &ta_dir(),
        "[limits]\nspare_instances = false\nmax_instances_per_ta = 8\n",
    );
    let s = fresh(&w);
    let mut p = [Param::ValueInOut { a: 1000, b: 0 }];
    s.invoke(15, &mut p).unwrap();
    assert!(
        matches!(
            p[0],
            Param::ValueInOut {
                a: 0xFFFF_000C,
                b: 7
            }
        ),
        "{:?}",
        p[0]
    );
    assert!(w.wait_log("TA instance cap reached"));
    assert!(eventually(|| w.ta_pids(MISBEHAVE).len() == 1));
    hello_works(&w);
}

/// Every argument rule of the policy is enforced from a TA: for each call
/// the policy allows only with conditions, a use outside them kills and a
/// use inside them works. A new rule in the policy fails this test until
/// it is played here too.
#[test]
fn every_argument_rule_is_enforced() {
    let ruled: std::collections::BTreeSet<&str> = oxtee_sys::sandbox::allowed()
        .filter(|a| !a.when.is_empty())
        .map(|a| a.name)
        .collect();
    let played: std::collections::BTreeSet<&str> = [
        "fcntl",
        "mmap",
        "mprotect",
        "prctl",
        "seccomp",
        "execveat",
        "prlimit64",
    ]
    .into();
    assert_eq!(ruled, played, "calls with argument rules");
    // fcntl, mmap, mprotect and prlimit64: the tests above. Here the rest.
    let w = World::start();
    let prctl = libc::SYS_prctl;
    assert!(kills(&w, X86_64, prctl, &[libc::PR_SET_DUMPABLE as u64, 1]));
    assert!(kills(
        &w,
        X86_64,
        prctl,
        &[libc::PR_SET_PDEATHSIG as u64, 0]
    ));
    assert_eq!(
        syscall(
            &fresh(&w),
            X86_64,
            prctl,
            &[libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0]
        )
        .unwrap(),
        (0, 0),
        "PR_SET_NO_NEW_PRIVS"
    );
    let seccomp = libc::SYS_seccomp;
    assert!(kills(
        &w,
        X86_64,
        seccomp,
        &[libc::SECCOMP_SET_MODE_STRICT as u64, 0, 0]
    ));
    assert!(kills(
        &w,
        X86_64,
        seccomp,
        &[libc::SECCOMP_GET_ACTION_AVAIL as u64, 0, 0]
    ));
    let execveat = libc::SYS_execveat;
    let empty_path = libc::AT_EMPTY_PATH as u64;
    assert!(
        kills(&w, X86_64, execveat, &[3, 0, 0, 0, empty_path]),
        "another descriptor"
    );
    assert!(
        kills(&w, X86_64, execveat, &[1000, 0, 0, 0, empty_path]),
        "a second exec, after start-up"
    );
    hello_works(&w);
}

/// Without `socket_group` the socket is the core user's alone (0600):
/// another user cannot even connect, whatever the folder allows.
#[test]
fn other_users_cannot_connect_by_default() {
    let w = World::start();
    let mode = std::fs::metadata(&w.socket).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(
        w.dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o711),
    )
    .unwrap();
    let (ok, text) = hello_as(&w, 4242, 4242);
    assert!(!ok, "{text}");
    hello_works(&w);
}
