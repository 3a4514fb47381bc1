//! `oxtee bench`: round-trip costs through the real stack, each reported as
//! median and p99 and as a ratio to a floor measured in the same run (a
//! raw SEQPACKET round trip between two processes), because these
//! machines are shared and noisy.

mod crypto;

pub use crypto::run as run_crypto;

use oxtee_client::{Context, Login, Param, Uuid};
use oxtee_proto::Dir;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PARAMS_TA: &str = "69de423a-d673-49d1-a5ac-22b9dae89776";
const KEEPALIVE_TA: &str = "92ff0d31-7a78-42b6-b665-def3fc5fd20c";
const HELLO_C_TA: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
const CMD_NOP: u32 = 5;

struct Stats {
    name: &'static str,
    median: Duration,
    p99: Duration,
}

fn measure(name: &'static str, iters: usize, mut f: impl FnMut()) -> Stats {
    for _ in 0..(iters / 10).max(3) {
        f();
    }
    let mut v: Vec<Duration> = (0..iters)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    v.sort();
    Stats {
        name,
        median: v[v.len() / 2],
        p99: v[(v.len() * 99 / 100).min(v.len() - 1)],
    }
}

/// The echo side of the floor measurement: echo every message on stdin
/// (a SEQPACKET socket) until EOF.
pub fn echo_child() -> Result<(), String> {
    // SAFETY: stdin is the socket the parent handed us; we own it from now on.
    let ch = unsafe { oxtee_sys::Channel::from_raw(0) };
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    while let Ok(Some(n)) = ch.recv(&mut buf, &mut Vec::new()) {
        if ch.send(&buf[..n], &[]).is_err() {
            break;
        }
    }
    Ok(())
}

fn floor(iters: usize) -> Result<Stats, String> {
    let (mine, theirs) = oxtee_sys::Channel::pair().map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["bench", "--echo-child"])
        .stdin(Stdio::from(OwnedFd::from(theirs)))
        .spawn()
        .map_err(|e| e.to_string())?;
    let msg = oxtee_proto::encode(&oxtee_proto::ClientRequest::Invoke {
        session: 1,
        command: 0,
        params: [
            oxtee_proto::ClientParam::Value {
                dir: Dir::InOut,
                a: 1,
                b: 2,
            },
            oxtee_proto::ClientParam::None,
            oxtee_proto::ClientParam::None,
            oxtee_proto::ClientParam::None,
        ],
        cancel_id: 1,
    })
    .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    let s = measure("raw SEQPACKET round trip (floor)", iters, || {
        mine.send(&msg, &[]).unwrap();
        mine.recv(&mut buf, &mut Vec::new()).unwrap();
    });
    drop(mine);
    let _ = child.wait();
    Ok(s)
}

pub(crate) struct Daemon {
    child: Child,
    dir: tempfile_lite::Dir,
    pub(crate) socket: PathBuf,
}

mod tempfile_lite {
    /// A temporary directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(self.child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// The core's pid.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its temporary directory (socket, configuration, storage).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir.0
    }
}

pub(crate) fn start_daemon(dist: &Path, spares: bool) -> Result<Daemon, String> {
    start_daemon_with(dist, spares, "")
}

/// [`start_daemon`] with `top` (top-level configuration lines) added.
fn start_daemon_with(dist: &Path, spares: bool, top: &str) -> Result<Daemon, String> {
    let dir = std::env::temp_dir().join(format!("oxtee-bench-{}-{spares}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let socket = dir.join("oxtee.sock");
    let cfg = dir.join("oxtee.toml");
    std::fs::write(&cfg, format!("{top}[limits]\nspare_instances = {spares}\n"))
        .map_err(|e| e.to_string())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .arg("up")
        .arg("--config")
        .arg(&cfg)
        .arg("--socket")
        .arg(&socket)
        .arg("--ta-dir")
        .arg(dist.join("ta"))
        .arg("--storage-dir")
        .arg(&dir)
        .arg("--key")
        .arg(dist.join("devkit/keys/default_ta.pub.pem"))
        .env("OXTEE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let d = Daemon {
        child,
        dir: tempfile_lite::Dir(dir),
        socket,
    };
    for _ in 0..400 {
        if Context::new(Some(d.socket.to_str().unwrap())).is_ok() {
            return Ok(d);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Err("the secure world did not start".into())
}

/// The first call of a TA after the core started: the image read from
/// the TA folder and verified, the process started, open and one invoke
/// (what a signed image's size costs). A fresh core each round.
fn cold_first_call(dist: &Path, rounds: usize) -> Result<Stats, String> {
    let mut v = Vec::new();
    for _ in 0..rounds {
        let d = start_daemon(dist, false)?;
        let t = Instant::now();
        let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| e.to_string())?;
        let (s, _) = ctx
            .open_session(Uuid::parse(HELLO_C_TA).unwrap(), Login::Public, &mut [])
            .map_err(|e| e.to_string())?;
        let mut p = [Param::ValueInOut { a: 1, b: 0 }];
        s.invoke(0, &mut p).map_err(|e| e.to_string())?;
        v.push(t.elapsed());
    }
    v.sort();
    Ok(Stats {
        name: "first call after start (load, verify, run)",
        median: v[v.len() / 2],
        p99: v[(v.len() * 99 / 100).min(v.len() - 1)],
    })
}

pub fn run(dist: &Path, scale: usize, pin: bool) -> Result<(), String> {
    if pin {
        // Every process of the run (echo child, daemon, TAs) inherits this.
        let mut set = nix::sched::CpuSet::new();
        set.set(0).map_err(|e| e.to_string())?;
        nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
            .map_err(|e| e.to_string())?;
        println!("all processes pinned to CPU 0");
    }
    let dist = dist
        .canonicalize()
        .map_err(|e| format!("{}: {e} (run scripts/build.sh)", dist.display()))?;
    let n = |k: usize| (k * scale / 10).max(20);
    let floor = floor(n(20_000))?;
    let d = start_daemon(&dist, true)?;
    let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| e.to_string())?;
    let u = |s: &str| Uuid::parse(s).unwrap();
    let err = |e: oxtee_client::Error| e.to_string();
    let (s, _) = ctx
        .open_session(u(PARAMS_TA), Login::Public, &mut [])
        .map_err(err)?;
    let mut results = vec![];
    results.push(measure("empty invoke, one VALUE_INOUT", n(20_000), || {
        let mut p = [Param::ValueInOut { a: 1, b: 2 }];
        s.invoke(CMD_NOP, &mut p).unwrap();
    }));
    // The same while `oxtee trace` watches everything (a reader drains
    // the trace meanwhile), then again once it stopped.
    {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (started_tx, started) = std::sync::mpsc::channel();
        let reader = {
            let stop = stop.clone();
            let socket = d.socket.clone();
            std::thread::spawn(move || trace_reader(&socket, &stop, started_tx))
        };
        started
            .recv()
            .map_err(|_| "the trace reader did not start".to_string())??;
        results.push(measure("empty invoke, traced", n(20_000), || {
            let mut p = [Param::ValueInOut { a: 1, b: 2 }];
            s.invoke(CMD_NOP, &mut p).unwrap();
        }));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let lines = reader
            .join()
            .map_err(|_| "the trace reader failed".to_string())??;
        println!("trace reader: {lines} events read");
        results.push(measure("empty invoke, after tracing", n(20_000), || {
            let mut p = [Param::ValueInOut { a: 1, b: 2 }];
            s.invoke(CMD_NOP, &mut p).unwrap();
        }));
    }
    let shm = ctx.allocate_shared_memory(1 << 20, 3).map_err(err)?;
    shm.write(0, &vec![1u8; 1 << 20]);
    results.push(measure(
        "1 MiB INOUT, allocated shared memory",
        n(2_000),
        || {
            let mut p = [Param::Shm {
                mem: &shm,
                dir: Dir::InOut,
                offset: 0,
                size: 1 << 20,
            }];
            s.invoke(CMD_NOP, &mut p).unwrap();
        },
    ));
    let mut buf = vec![1u8; 1 << 20];
    let mut copy = vec![0u8; 1 << 20];
    results.push(measure("memcpy 1 MiB (in the client)", n(2_000), || {
        copy.copy_from_slice(&buf);
        std::hint::black_box(&mut copy);
    }));
    let mut small = vec![1u8; 4096];
    results.push(measure("4 KiB INOUT, temporary memref", n(20_000), || {
        let mut p = [Param::TempInOut {
            buf: &mut small,
            size: 4096,
        }];
        s.invoke(CMD_NOP, &mut p).unwrap();
    }));
    results.push(measure("1 MiB INOUT, temporary memref", n(2_000), || {
        let mut p = [Param::TempInOut {
            buf: &mut buf,
            size: 1 << 20,
        }];
        s.invoke(CMD_NOP, &mut p).unwrap();
    }));
    let (_keep, _) = ctx
        .open_session(u(KEEPALIVE_TA), Login::Public, &mut [])
        .map_err(err)?;
    results.push(measure("open+close session, warm TA", n(2_000), || {
        let (s, _) = ctx
            .open_session(u(KEEPALIVE_TA), Login::Public, &mut [])
            .unwrap();
        s.close();
    }));
    // A new instance: time the open only (its close, which destroys the
    // instance, is not timed); opens are spaced 10 ms apart, untimed, as
    // between real clients, which also lets a spare process get ready.
    let new_instance = |ctx: &Context, name: &'static str| {
        let mut open: Option<oxtee_client::Session> = None;
        let mut v = Vec::new();
        for i in 0..n(300) + 3 {
            drop(open.take());
            std::thread::sleep(Duration::from_millis(10));
            let t = Instant::now();
            open = Some(
                ctx.open_session(u(HELLO_C_TA), Login::Public, &mut [])
                    .unwrap()
                    .0,
            );
            if i >= 3 {
                v.push(t.elapsed());
            }
        }
        v.sort();
        Stats {
            name,
            median: v[v.len() / 2],
            p99: v[(v.len() * 99 / 100).min(v.len() - 1)],
        }
    };
    results.push(new_instance(
        &ctx,
        "open session, new instance (spare process)",
    ));
    drop(s);
    drop(_keep);
    ctx.finalize();
    // (64 contexts: the per-user limit; the one above is finished.)
    let scaling = [1, 64]
        .map(|clients| concurrent_calls(&d, clients, Duration::from_millis(n(4_000) as u64 / 4)));
    drop(d);
    // The same with four secure threads (OP-TEE's CFG_NUM_THREADS): calls
    // beyond them wait, and every call passes the core (no direct channels).
    let d = start_daemon_with(&dist, true, "secure_threads = 4\n")?;
    let limited = [1, 64]
        .map(|clients| concurrent_calls(&d, clients, Duration::from_millis(n(4_000) as u64 / 4)));
    drop(d);
    let d = start_daemon(&dist, false)?;
    let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| e.to_string())?;
    results.push(new_instance(
        &ctx,
        "open session, new instance (fork + exec)",
    ));
    ctx.finalize();
    drop(d);
    results.push(cold_first_call(&dist, n(100).min(30))?);
    // The partition boundary: the same storage and key requests in the
    // SPD mode (the core serves them) and partitioned (the storage and
    // crypto partitions do, through the SPMC).
    for mode in ["spd", "spm"] {
        results.extend(partition_boundary(&dist, mode, n(2_000))?);
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{:<45} {:>12} {:>12} {:>10}",
        "benchmark", "median (us)", "p99 (us)", "x floor"
    );
    for r in std::iter::once(&floor).chain(results.iter()) {
        println!(
            "{:<45} {:>12.1} {:>12.1} {:>10.2}",
            r.name,
            us(r.median),
            us(r.p99),
            us(r.median) / us(floor.median)
        );
    }
    let [one, many] = scaling;
    let (one, many) = (one?, many?);
    println!("{:<45} {:>12.0} calls/s", "1 client, empty invokes", one);
    println!(
        "{:<45} {:>12.0} calls/s {:>6.2} x 1 client",
        "64 clients (own sessions), empty invokes",
        many,
        many / one
    );
    let [one4, many4] = limited;
    let (one4, many4) = (one4?, many4?);
    println!(
        "{:<45} {:>12.0} calls/s",
        "1 client, 4 secure threads", one4
    );
    println!(
        "{:<45} {:>12.0} calls/s {:>6.2} x 1 client {:>6.2} x unlimited",
        "64 clients, 4 secure threads",
        many4,
        many4 / one4,
        many4 / many
    );
    let m = |name: &str| {
        results
            .iter()
            .find(|r| r.name == name)
            .map_or(f64::NAN, |r| us(r.median))
    };
    println!(
        "{:<64} {:>6.2}",
        "tracing on: empty invoke traced / untraced",
        m("empty invoke, traced") / m("empty invoke, one VALUE_INOUT")
    );
    println!(
        "{:<64} {:>6.2}",
        "tracing off again: empty invoke after / before",
        m("empty invoke, after tracing") / m("empty invoke, one VALUE_INOUT")
    );
    for what in [
        "storage: open + read 4 KiB + close",
        "storage: write 4 KiB (committed)",
        "system PTA: derive a TA's key",
    ] {
        println!(
            "{:<64} {:>6.2}",
            format!("partitioned / SPD mode, {what}"),
            m(&format!("{what} (spm)")) / m(&format!("{what} (spd)"))
        );
    }
    println!("ratios the performance goals name (issue 11):");
    let goal =
        |what: &str, ratio: f64, bound: &str| println!("  {what:<62} {ratio:>6.2}  (goal {bound})");
    goal(
        "empty invoke / raw round trip",
        m("empty invoke, one VALUE_INOUT") / us(floor.median),
        "<= 1.5",
    );
    goal(
        "1 MiB temporary memref / (1 MiB shared memory + memcpy)",
        m("1 MiB INOUT, temporary memref")
            / (m("1 MiB INOUT, allocated shared memory") + m("memcpy 1 MiB (in the client)")),
        "<= 2",
    );
    goal(
        "4 KiB temporary memref / empty invoke",
        m("4 KiB INOUT, temporary memref") / m("empty invoke, one VALUE_INOUT"),
        "<= 1.2",
    );
    goal(
        "open+close of a warm TA / raw round trip",
        m("open+close session, warm TA") / us(floor.median),
        "<= 3",
    );
    goal(
        "64 clients / 1 client, calls per second",
        many / one,
        ">= 1.8",
    );
    Ok(())
}

const STORAGE_TA: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c01";
const SEAL_TA: &str = "5ea1c0de-7a11-4b0e-8d3a-1f2e3d4c5b01";

/// Storage and key requests of TAs on a core in `mode` ("spd", "spm").
fn partition_boundary(dist: &Path, mode: &str, iters: usize) -> Result<Vec<Stats>, String> {
    let d = start_daemon_with(dist, false, &format!("secure_mode = {mode:?}\n"))?;
    let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| e.to_string())?;
    let err = |e: oxtee_client::Error| e.to_string();
    let u = |s: &str| Uuid::parse(s).unwrap();
    let (st, _) = ctx
        .open_session(u(STORAGE_TA), Login::Public, &mut [])
        .map_err(err)?;
    let (seal, _) = ctx
        .open_session(u(SEAL_TA), Login::Public, &mut [])
        .map_err(err)?;
    const PRIVATE: u32 = 1;
    const RW: u32 = 0x7;
    let data = vec![7u8; 4096];
    // "bench-r" is read (opened each time), "bench-w" written (kept open).
    let mut h = 0;
    for (id, keep) in [(&b"bench-r"[..], 0), (&b"bench-w"[..], 1)] {
        let mut create = [
            Param::ValueIn { a: PRIVATE, b: RW },
            Param::TempIn { buf: id },
            Param::TempIn { buf: &data },
            Param::ValueInOut { a: 0, b: keep },
        ];
        st.invoke(1, &mut create).map_err(err)?;
        if let Param::ValueInOut { a, .. } = create[3] {
            h = a;
        }
    }
    let mut out = vec![0u8; 4096];
    let name = |what: &str| -> &'static str { format!("{what} ({mode})").leak() };
    let mut v = vec![measure(
        name("storage: open + read 4 KiB + close"),
        iters,
        || {
            let mut p = [
                Param::ValueIn { a: PRIVATE, b: 0x1 },
                Param::TempIn { buf: b"bench-r" },
                Param::ValueOut { a: 0, b: 0 },
            ];
            st.invoke(0, &mut p).unwrap();
            let Param::ValueOut { a: r, .. } = p[2] else {
                unreachable!()
            };
            let mut p = [
                Param::ValueIn { a: r, b: 0 },
                Param::TempOut {
                    buf: &mut out,
                    size: 4096,
                },
            ];
            st.invoke(5, &mut p).unwrap();
            st.invoke(2, &mut [Param::ValueIn { a: r, b: 0 }]).unwrap();
        },
    )];
    v.push(measure(
        name("storage: write 4 KiB (committed)"),
        iters / 4,
        || {
            // Seek to 0, then write: each write is a commit.
            let mut p = [
                Param::ValueIn { a: h, b: 0 },
                Param::ValueIn { a: 0, b: 0 },
                Param::ValueOut { a: 0, b: 0 },
            ];
            st.invoke(8, &mut p).unwrap();
            let mut p = [Param::ValueIn { a: h, b: 0 }, Param::TempIn { buf: &data }];
            st.invoke(6, &mut p).unwrap();
        },
    ));
    v.push(measure(
        name("system PTA: derive a TA's key"),
        iters,
        || {
            let mut key = [0u8; 32];
            let mut p = [
                Param::ValueIn { a: 0, b: 0 },
                Param::TempIn { buf: b"e" },
                Param::TempOut {
                    buf: &mut key,
                    size: 32,
                },
            ];
            seal.invoke(1, &mut p).unwrap();
        },
    ));
    drop((st, seal));
    ctx.finalize();
    Ok(v)
}

/// A client of the trace PTA watching everything: says when it started,
/// then reads until `stop`; returns how many events it read.
fn trace_reader(
    socket: &Path,
    stop: &std::sync::atomic::AtomicBool,
    started: std::sync::mpsc::Sender<Result<(), String>>,
) -> Result<usize, String> {
    use oxtee_daemon::trace::TracePta;
    let begin = || -> Result<(Context, oxtee_client::Session), String> {
        let ctx = Context::new(Some(socket.to_str().unwrap())).map_err(|e| e.to_string())?;
        let (t, _) = ctx
            .open_session(Uuid(TracePta::UUID), Login::Public, &mut [])
            .map_err(|e| e.to_string())?;
        t.invoke(TracePta::START, &mut [Param::ValueIn { a: 0, b: 0 }])
            .map_err(|e| e.to_string())?;
        Ok((ctx, t))
    };
    let (_ctx, t) = match begin() {
        Ok(x) => {
            let _ = started.send(Ok(()));
            x
        }
        Err(e) => {
            let _ = started.send(Err(e.clone()));
            return Err(e);
        }
    };
    let mut buf = vec![0u8; 64 << 10];
    let mut lines = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let size = buf.len();
        let mut p = [
            Param::ValueIn { a: 100, b: 0 },
            Param::TempOut {
                buf: &mut buf,
                size,
            },
        ];
        t.invoke(TracePta::READ, &mut p)
            .map_err(|e| e.to_string())?;
        let Param::TempOut { size: n, .. } = p[1] else {
            unreachable!("the parameter above")
        };
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
    }
    Ok(lines)
}

/// `clients` threads, each with its own context and session of the
/// (multi-instance) params TA, make empty invokes for `run`; returns
/// calls per second over all of them. Every reply is checked against the
/// call it answers (a lost or crossed reply fails the run).
fn concurrent_calls(d: &Daemon, clients: usize, run: Duration) -> Result<f64, String> {
    let socket = d.socket.to_str().unwrap().to_owned();
    let ready = std::sync::Barrier::new(clients + 1);
    let go = std::sync::Barrier::new(clients + 1);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|sc| {
        let threads: Vec<_> = (0..clients as u32)
            .map(|t| {
                let (socket, ready, go, stop) = (&socket, &ready, &go, &stop);
                sc.spawn(move || -> Result<u64, String> {
                    let open = || {
                        Context::new(Some(socket)).and_then(|ctx| {
                            let (s, _) = ctx.open_session(
                                Uuid::parse(PARAMS_TA).unwrap(),
                                Login::Public,
                                &mut [],
                            )?;
                            Ok((ctx, s))
                        })
                    };
                    // The contexts of the previous round may still be
                    // closing in the core (64 per user): BUSY for a moment.
                    let mut opened = open();
                    for _ in 0..200 {
                        match &opened {
                            Err(e) if e.code == 0xFFFF_000D => {
                                std::thread::sleep(Duration::from_millis(10));
                                opened = open();
                            }
                            _ => break,
                        }
                    }
                    ready.wait();
                    go.wait();
                    let (_ctx, s) = opened.map_err(|e| e.to_string())?;
                    let mut calls = 0u64;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let (a, b) = (t << 20 | (calls as u32 & 0xFFFFF), !t);
                        let mut p = [Param::ValueInOut { a, b }];
                        s.invoke(0, &mut p).map_err(|e| e.to_string())?;
                        match p[0] {
                            Param::ValueInOut { a: ra, b: rb }
                                if ra == a.wrapping_add(1) && rb == b.wrapping_add(2) => {}
                            _ => return Err(format!("client {t}: a reply that is not its own")),
                        }
                        calls += 1;
                    }
                    Ok(calls)
                })
            })
            .collect();
        ready.wait();
        let t = Instant::now();
        go.wait();
        std::thread::sleep(run);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let mut total = 0;
        for th in threads {
            total += th
                .join()
                .map_err(|_| "a client thread panicked".to_string())??;
        }
        Ok(total as f64 / t.elapsed().as_secs_f64())
    })
}
