//! Trusted Storage on the host tier (the shared cases are in `storage`):
//! two TAs with the same object id, durability across restarts and
//! SIGKILL of the core, tampered, swapped, copied and rolled-back storage
//! files, a crash-injection run (the store killed with SIGKILL at many
//! points), the supplicant as a separate process, RSA-4096 keys.

use crate::harness::*;
use crate::storage::*;

const CORRUPT_OBJECT: u32 = 0xF010_0001;
const SECURITY: u32 = 0xFFFF_000F;

/// The C and the Rust TA each have their own object "same": same id,
/// different objects.
#[test]
fn two_tas_with_the_same_id_stay_apart() {
    let w = World::start();
    let c = Ta::new(&w, ST_C);
    let r = Ta::new(&w, ST_RUST);
    let hc = c.create(PRIVATE, b"same", RW, b"from C").unwrap();
    let hr = r.create(PRIVATE, b"same", RW, b"from Rust").unwrap();
    assert_eq!(c.read(hc, 20).unwrap(), b"from C");
    assert_eq!(r.read(hr, 20).unwrap(), b"from Rust");
    assert_eq!(c.delete(hc), 0);
    assert_eq!(c.open(PRIVATE, b"same", READ), Err(ITEM_NOT_FOUND));
    r.close(hr);
    let h = r.open(PRIVATE, b"same", READ).unwrap();
    assert_eq!(r.read(h, 20).unwrap(), b"from Rust");
    assert_eq!(r.enumerate(PRIVATE, 0).unwrap(), vec![b"same".to_vec()]);
    assert!(c.enumerate(PRIVATE, 0).unwrap().is_empty());
}

/// Persistent keys and data after a restart of the core.
#[test]
fn persistent_keys_after_a_restart() {
    let mut w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t
            .create_with(PRIVATE, b"rsa", RW, b"data too", 2, 1)
            .unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}");
        t.close(h);
    }
    w.restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"rsa", READ).unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta} after a restart");
        assert_eq!(t.read(h, 20).unwrap(), b"data too");
    }
}

/// Changes survive a clean restart and a SIGKILL of the core right after
/// the call returned.
#[test]
fn durable_across_restart_and_sigkill() {
    let mut w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.create(PRIVATE, b"d", RW, b"one").unwrap();
        t.close(h);
    }
    w.restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"d", RW).unwrap();
        assert_eq!(t.read(h, 10).unwrap(), b"one", "{ta}");
        t.seek(h, 0, 0);
        assert_eq!(t.write(h, b"two"), 0);
    }
    w.crash_and_restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"d", RW).unwrap();
        assert_eq!(
            t.read(h, 10).unwrap(),
            b"two",
            "{ta}: the write survived SIGKILL"
        );
        assert_eq!(t.rename(h, b"e"), 0);
        assert_eq!(t.truncate(h, 1), 0);
    }
    w.crash_and_restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        assert_eq!(t.open(PRIVATE, b"d", READ), Err(ITEM_NOT_FOUND));
        let h = t.open(PRIVATE, b"e", READ).unwrap();
        assert_eq!(t.read(h, 10).unwrap(), b"t", "{ta}");
    }
}

/// The store's files (name -> bytes) under `dir`.
fn files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// What a TA sees of object `id`: its data, or the code.
fn see(t: &Ta, id: &[u8]) -> Result<Vec<u8>, u32> {
    let h = t.open(PRIVATE, id, READ)?;
    let r = t.read(h, 1 << 16);
    if r.is_ok() {
        t.close(h);
    }
    r
}

/// Flipped, truncated, swapped, cross-TA copied and rolled-back storage
/// files: every change is detected (CORRUPT_OBJECT for an object,
/// SECURITY for the store) or harmless (an unused slot), never wrong
/// data, and the core keeps serving.
#[test]
fn tampered_swapped_copied_and_rolled_back_files_are_detected() {
    // This test is about the store's own detection, seen through a TA's
    // storage calls. With rollback protection on, a broken store also
    // stops new TA images from loading (their versions cannot be checked:
    // `older_versions_are_refused` and SECURITY.md), so it is off here.
    let mut w = World::start_with(
        &ta_dir(),
        "rollback_protection = false\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let storage = w.dir.path().join("storage");
    let objects = storage.join("objects");
    let big: Vec<u8> = (0..9000u32).map(|i| (i * 7) as u8).collect();
    // Both TAs loaded first: loading an image records its version in the
    // store (an object of the core's), before the files are counted.
    let c = Ta::new(&w, ST_C);
    let r = Ta::new(&w, ST_RUST);
    c.create_with(PRIVATE, b"z", 0, b"zulu", 0, 0).unwrap();
    let before = files(&objects);
    c.create_with(PRIVATE, b"a", 0, &big, 0, 0).unwrap();
    let after_a = files(&objects);
    c.create_with(PRIVATE, b"b", 0, b"bravo", 0, 0).unwrap();
    let after_b = files(&objects);
    r.create_with(PRIVATE, b"a", 0, b"rust's a", 0, 0).unwrap();
    let after_r = files(&objects);
    drop((c, r));
    let new_file = |old: &std::collections::BTreeMap<String, Vec<u8>>,
                    new: &std::collections::BTreeMap<String, Vec<u8>>| {
        let n: Vec<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
        assert_eq!(n.len(), 1, "one file per object: {n:?} in {:?}", new.keys());
        n[0].clone()
    };
    let (fa, fb, fr) = (
        new_file(&before, &after_a),
        new_file(&after_a, &after_b),
        new_file(&after_b, &after_r),
    );
    let want: [(&str, &[u8], Vec<u8>); 4] = [
        (ST_C, b"z", b"zulu".to_vec()),
        (ST_C, b"a", big.clone()),
        (ST_C, b"b", b"bravo".to_vec()),
        (ST_RUST, b"a", b"rust's a".to_vec()),
    ];
    assert!(w.stop());
    let pristine = files(&objects);
    let rpmb = std::fs::read(storage.join("rpmb.bin")).unwrap();
    let restore = || {
        for (n, b) in &pristine {
            std::fs::write(objects.join(n), b).unwrap();
        }
        std::fs::write(storage.join("rpmb.bin"), &rpmb).unwrap();
    };
    // Start, look at every object: (detected, wrong data).
    let check = |w: &mut World, what: &str| -> usize {
        w.spawn();
        let mut detected = 0;
        for (ta, id, data) in &want {
            let t = Ta::new(w, ta);
            match see(&t, id) {
                Ok(d) => assert_eq!(&d, data, "{what}: wrong data for {ta} {id:?}"),
                Err(CORRUPT_OBJECT | SECURITY) => detected += 1,
                Err(e) => panic!("{what}: {ta} {id:?}: unexpected {e:#x}"),
            }
        }
        assert!(w.stop(), "{what}: the core survived");
        restore();
        detected
    };
    assert_eq!(check(&mut w, "untouched"), 0);
    // Flip bytes spread over every file (and the RPMB state).
    let mut flips = 0;
    let mut detected = 0;
    let mut targets: Vec<std::path::PathBuf> = pristine.keys().map(|n| objects.join(n)).collect();
    targets.push(storage.join("rpmb.bin"));
    for path in &targets {
        let orig = std::fs::read(path).unwrap();
        let step = (orig.len() / 7).max(1);
        for off in (0..orig.len()).step_by(step).chain([orig.len() - 1]) {
            let mut b = orig.clone();
            b[off] ^= 0x5a;
            std::fs::write(path, &b).unwrap();
            flips += 1;
            detected += usize::from(check(&mut w, &format!("{} byte {off}", path.display())) > 0);
        }
    }
    eprintln!("{flips} flipped bytes, {detected} detected, the rest harmless");
    assert!(
        detected * 2 >= flips,
        "most flips hit live data: {detected}/{flips}"
    );
    // Truncated files.
    for n in [&fa, &fb] {
        let p = objects.join(n);
        let len = pristine[n].len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(len as u64 / 2)
            .unwrap();
        assert!(check(&mut w, "truncated") > 0, "truncation of {n}");
    }
    // Two objects' files swapped.
    std::fs::write(objects.join(&fa), &pristine[&fb]).unwrap();
    std::fs::write(objects.join(&fb), &pristine[&fa]).unwrap();
    assert!(check(&mut w, "swapped") >= 2);
    // One TA's file copied over the other TA's object of the same id.
    std::fs::write(objects.join(&fa), &pristine[&fr]).unwrap();
    assert!(check(&mut w, "copied across TAs") >= 1);
    // Roll back: change the objects, then put the old files back.
    w.spawn();
    let c = Ta::new(&w, ST_C);
    let h = c.open(PRIVATE, b"b", WRITE).unwrap();
    assert_eq!(c.write(h, b"BRAVO"), 0);
    drop(c);
    assert!(w.stop());
    for (n, b) in &pristine {
        std::fs::write(objects.join(n), b).unwrap();
    }
    w.spawn();
    let c = Ta::new(&w, ST_C);
    assert_eq!(see(&c, b"b"), Err(SECURITY), "rolled-back files refused");
    assert!(
        w.wait_log("older than the RPMB write counter"),
        "a clear error in the log"
    );
}

/// Crash injection: a process running a sequence of creates, writes,
/// truncates, renames and deletes is killed with SIGKILL at random
/// instants (200 times); each time the store opens and holds exactly the
/// state before or after the operation that was running, and takes the
/// next operation.
#[test]
fn sigkill_at_random_instants_leaves_old_or_new_state() {
    use oxtee_daemon::trusted_storage::torture;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let kills: u64 = 200;
    let mut mid_op = 0;
    let mut max_done = 0;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..kills {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(oxtee_bin())
            .arg("storage-torture")
            .arg(dir.path())
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if lines.is_empty() {
                    let _ = tx.send(());
                }
                lines.push(l);
            }
            lines
        });
        // Let it run for 0-40 ms after its first operation began.
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the workload started");
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(std::time::Duration::from_micros(rng % 40_000));
        child.kill().unwrap();
        let _ = child.wait();
        let lines = reader.join().unwrap();
        let done = lines
            .iter()
            .filter_map(|l| l.strip_prefix("D "))
            .filter_map(|n| n.parse::<usize>().ok())
            .max()
            .map_or(0, |n| n + 1);
        let began = lines.iter().any(|l| *l == format!("B {done}"));
        mid_op += usize::from(began);
        max_done = max_done.max(done);
        let ops = torture::ops(round, done + 2);
        let mut old = torture::Model::new();
        for op in &ops[..done] {
            torture::apply_model(&mut old, op);
        }
        let mut new = old.clone();
        torture::apply_model(&mut new, &ops[done]);
        let mut s = torture::open_store(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e:?}"));
        let got = torture::read_back(&mut s)
            .unwrap_or_else(|e| panic!("round {round}: unreadable after {done} ops: {e:?}"));
        assert!(
            got == old || (began && got == new),
            "round {round}: killed after {done} ops (op {done} began: {began}): neither old nor new state"
        );
        // The store takes the interrupted operation (from the state it
        // is in) and the next one.
        let next = if got == old {
            &ops[done]
        } else {
            &ops[done + 1]
        };
        let mut model = got.clone();
        torture::apply_model(&mut model, next);
        if torture::apply(&mut s, next).is_ok() {
            assert_eq!(torture::read_back(&mut s).unwrap(), model, "round {round}");
        }
    }
    eprintln!(
        "{kills} kills, {mid_op} in the middle of an operation, up to {max_done} operations done"
    );
    assert!(
        mid_op as u64 > kills / 2,
        "most kills hit an operation: {mid_op}"
    );
}

/// The blobs are kept by a separate normal-world process (the
/// supplicant); when it dies, the core starts it again and storage keeps
/// working.
#[test]
fn the_supplicant_is_a_separate_process_and_may_die() {
    let w = World::start();
    let t = Ta::new(&w, ST_C);
    let h = t.create(PRIVATE, b"s", RW, b"first").unwrap();
    let sup = |w: &World| -> Vec<i32> {
        let core = w.core_pid();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                let ppid = stat
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<i32>().ok());
                ppid == Some(core) && cmd.split(|&b| b == 0).nth(1) == Some(&b"supplicant"[..])
            })
            .collect()
    };
    let pids = sup(&w);
    assert_eq!(pids.len(), 1, "one supplicant process");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pids[0]),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    t.seek(h, 0, 2);
    assert_eq!(
        t.write(h, b"-second"),
        0,
        "storage works after the supplicant died"
    );
    t.seek(h, 0, 0);
    assert_eq!(t.read(h, 100).unwrap(), b"first-second");
    let again = sup(&w);
    assert!(
        again.len() == 1 && again != pids,
        "a new supplicant: {again:?}"
    );
}

/// A persistent object made from an RSA-4096 key pair: its attributes
/// make the TA's request far larger than 1 KiB, which used to get the TA
/// killed for a "malformed" message; the key works after reopening.
#[test]
fn persistent_rsa_4096_keys() {
    let w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t
            .create_with(PRIVATE, b"rsa4096", RW, b"", 4, 1)
            .unwrap_or_else(|e| panic!("{ta}: create from an RSA-4096 key: {e:#x}"));
        assert_eq!(t.info(h)[1], 4096, "{ta}");
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}");
        t.close(h);
        let h = t.open(PRIVATE, b"rsa4096", READ).unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}: after reopening");
        t.close(h);
    }
}
