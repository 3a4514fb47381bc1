//! Partitioned mode (`secure_mode = "spm"`, issue 15) as a client sees
//! it: trusted storage and the HUK's keys live in partition processes of
//! their own, the TA host (the core) never holds the HUK, and a partition
//! that dies is started again without losing committed data. (The whole
//! suite runs in this mode too: `OXTEE_TEST_SECURE_MODE=spm`.)

use crate::harness::*;
use crate::seal::{SEAL, SealTa, UNIQUE, VERSION};
use crate::storage::*;

const STORAGE_NOT_AVAILABLE: u32 = 0xF010_0003;

const LIMITS: &str = "[limits]\ncancel_grace_ms = 300\nspare_instances = false\n";

fn spm() -> World {
    World::start_with(&ta_dir(), &format!("secure_mode = \"spm\"\n{LIMITS}"))
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')')
        .next()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The live partition process of `kind` ("storage", "crypto") of `w`.
fn partition(w: &World, kind: &str) -> Option<i32> {
    let core = w.core_pid();
    let mut found = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let args: Vec<&[u8]> = cmd.split(|&b| b == 0).collect();
            parent_of(pid) == Some(core)
                && args.get(1) == Some(&&b"partition"[..])
                && args.get(2) == Some(&kind.as_bytes())
                && !ended(pid)
        })
        .collect::<Vec<_>>();
    assert!(found.len() <= 1, "one {kind} partition: {found:?}");
    found.pop()
}

fn status_line(pid: i32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with(key))
        .unwrap_or_default()
        .to_string()
}

fn kill(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_ended(&[pid]), "partition {pid} did not end");
}

/// Whether `needle` lies anywhere in the writable memory of `pid` (root
/// reads any process's memory, dumpable or not).
fn in_memory(pid: i32, needle: &[u8; 32]) -> bool {
    use std::os::unix::fs::FileExt;
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mem = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut buf = Vec::new();
    for l in maps.lines() {
        let mut f = l.split_whitespace();
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            continue;
        };
        if !perms.starts_with("rw") {
            continue;
        }
        let (a, b) = range.split_once('-').unwrap();
        let (a, b) = (
            u64::from_str_radix(a, 16).unwrap(),
            u64::from_str_radix(b, 16).unwrap(),
        );
        buf.resize((b - a) as usize, 0);
        let Ok(n) = mem.read_at(&mut buf, a) else {
            continue;
        };
        let hay = &buf[..n];
        let mut at = 0;
        while let Some(i) = hay[at..].iter().position(|&c| c == needle[0]) {
            let s = at + i;
            if hay.len() - s >= 32 && hay[s..s + 32] == needle[..] {
                return true;
            }
            at = s + 1;
        }
    }
    false
}

/// The storage and crypto partitions are processes of their own, started
/// by the core, confined (seccomp, not dumpable); storage and sealing
/// work through them, and the HUK is in their memory, never in the TA
/// host's. (In the SPD mode the same scan finds it in the core: the
/// control that the scan sees what it looks for.)
#[test]
fn the_ta_host_never_holds_the_huk() {
    let w = spm();
    let t = Ta::new(&w, ST_C);
    let h = t
        .create(PRIVATE, b"p", RW, b"kept by the storage partition")
        .unwrap();
    assert_eq!(t.read(h, 64).unwrap(), b"kept by the storage partition");
    let key = SealTa::open(&w, SEAL).key(UNIQUE, 0, b"e").unwrap();
    assert_eq!(key.len(), 32);
    let storage = partition(&w, "storage").expect("a storage partition");
    let crypto = partition(&w, "crypto").expect("a crypto partition");
    for pid in [storage, crypto] {
        assert!(
            status_line(pid, "Seccomp:").ends_with('2'),
            "{pid} filtered"
        );
        assert!(status_line(pid, "NoNewPrivs:").ends_with('1'));
    }
    if !nix::unistd::geteuid().is_root() {
        eprintln!("(not root: the descriptor and memory checks are left out)");
        return;
    }
    // Each holds its channel (standard input, and its own handle on it),
    // /dev/null and the log: nothing of the core's or of whatever started
    // the core (its region is mapped, the descriptor closed).
    for pid in [storage, crypto] {
        let mut fds: Vec<i32> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        fds.sort();
        assert_eq!(fds, [0, 1, 2, 3], "descriptors of partition {pid}");
        let link = |fd| std::fs::read_link(format!("/proc/{pid}/fd/{fd}")).unwrap();
        assert_eq!(link(3), link(0), "fd 3 is its channel");
    }
    let huk: [u8; 32] = std::fs::read(w.dir.path().join("storage/huk"))
        .unwrap()
        .try_into()
        .unwrap();
    assert!(
        in_memory(crypto, &huk),
        "the crypto partition holds the HUK"
    );
    assert!(!in_memory(w.core_pid(), &huk), "the TA host holds the HUK");
    // The control: in the SPD mode the core holds it.
    let spd = World::start_with(&ta_dir(), &format!("secure_mode = \"spd\"\n{LIMITS}"));
    let _ = SealTa::open(&spd, SEAL).key(UNIQUE, 0, b"e").unwrap();
    let huk: [u8; 32] = std::fs::read(spd.dir.path().join("storage/huk"))
        .unwrap()
        .try_into()
        .unwrap();
    assert!(
        in_memory(spd.core_pid(), &huk),
        "the scan finds the HUK in an SPD core"
    );
}

/// A storage partition killed between requests: the next request goes to
/// a new process and finds every committed object; a handle opened
/// before is refused with STORAGE_NOT_AVAILABLE (never confused with a
/// new one), while the object itself opens again. A crypto partition
/// killed gives the same keys after its restart.
#[test]
fn a_partition_that_dies_restarts_without_losing_committed_data() {
    let w = spm();
    let t = Ta::new(&w, ST_C);
    let h = t.create(PRIVATE, b"a", RW, b"committed").unwrap();
    t.close(h);
    let old = t.open(PRIVATE, b"a", READ).unwrap();
    let first = partition(&w, "storage").unwrap();
    kill(first);
    let h = t.open(PRIVATE, b"a", READ | SHARE_READ).unwrap();
    assert_eq!(t.read(h, 64).unwrap(), b"committed", "the object survived");
    let second = partition(&w, "storage").expect("restarted");
    assert_ne!(first, second);
    let st = w.status();
    assert!(st.contains("secure_mode spm"), "{st}");
    assert!(
        st.contains(&format!("partition 0x8002 storage pid {second} starts 2")),
        "{st}"
    );
    assert_eq!(
        t.read(old, 64),
        Err(STORAGE_NOT_AVAILABLE),
        "a stale handle"
    );
    assert!(w.log().contains("partition 0x8002 ended"));
    // A write committed by the new process survives the next death too.
    let n = t.create(PRIVATE, b"b", RW, b"second life").unwrap();
    t.close(n);
    kill(second);
    assert_eq!(
        t.enumerate(PRIVATE, 0).unwrap(),
        vec![b"a".to_vec(), b"b".to_vec()]
    );

    let keys = |w: &World| {
        let s = SealTa::open(w, SEAL);
        [
            s.key(UNIQUE, 0, b"x").unwrap(),
            s.key(VERSION, 0, b"x").unwrap(),
        ]
    };
    let before = keys(&w);
    let crypto = partition(&w, "crypto").unwrap();
    kill(crypto);
    assert_eq!(
        keys(&w),
        before,
        "the same keys from a new crypto partition"
    );
    assert_ne!(partition(&w, "crypto"), Some(crypto));
}

/// `oxtee trace` in partitioned mode shows the partition boundary: the
/// seed sample's first load asks trusted storage (the TA version gate),
/// which is now a direct request from the core to the storage partition,
/// whose blob reads come back to the core as RPCs to the supplicant
/// inside that request.
#[test]
fn a_trace_shows_the_core_asking_the_storage_partition() {
    let w = spm();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.jsonl");
    let o = std::process::Command::new(oxtee_bin())
        .arg("trace")
        .arg("--socket")
        .arg(&w.socket)
        .arg("--out")
        .arg(&out)
        .arg("--")
        .arg(dist().join("ca/seed-ca"))
        .arg(SEED_C)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ev: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let is = |e: &serde_json::Value, ev: &str, from: &str, to: &str| {
        e["ev"] == ev && e["from"] == from && e["to"] == to
    };
    let call = ev
        .iter()
        .position(|e| {
            is(e, "call", "core", "storage partition")
                && e["smc"] == "FFA_MSG_SEND_DIRECT_REQ"
                && e["name"] == "request"
        })
        .expect("a request to the storage partition");
    let id = &ev[call]["id"];
    let ret = ev
        .iter()
        .position(|e| e["id"] == *id && is(e, "return", "storage partition", "core"))
        .expect("its return");
    assert!(ret > call);
    assert_eq!(ev[ret]["ret"], 0);
    // Its blob I/O: RPCs to the supplicant, each answered with "RPC done".
    let rpc = ev
        .iter()
        .position(|e| is(e, "call", "core", "supplicant") && e["msg"] == "OPTEE_RPC_CMD_FS")
        .expect("an RPC to the supplicant");
    assert!(
        rpc > ret,
        "the partition asked for its blob after its first answer"
    );
    assert!(
        ev[rpc..]
            .iter()
            .any(|e| is(e, "call", "core", "storage partition") && e["name"] == "RPC done")
    );
}
