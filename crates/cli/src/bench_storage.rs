//! `oxtee bench --storage`: Trusted Storage throughput through a TA
//! (the storage test TA's BENCH command, include/storage_ta.h), each
//! workload next to the same workload on plain files with fsync in the
//! same run (the floor), and the peak memory of the core.
//!
//! Workloads (OP-TEE's storage benchmark shapes and the issue's):
//! create + write 1 KiB + close of small objects per second; 2 MiB written
//! then read in 1 KiB pieces (KiB/s); 256 MiB written then read in 1 MiB
//! pieces (MiB/s). Every write is durable when it returns, in the store
//! and in the floor (fsync of the file, and of the directory for a new
//! file).

use oxtee_client::{Context, Login, Param, Uuid};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Instant;

const STORAGE_TA: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c01";

/// Peak resident memory (VmHWM) of process `pid`, in KiB.
fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The floor: the same workloads on plain files with fsync.
mod floor {
    use super::*;

    pub fn small_objects(dir: &Path, n: u32) -> std::io::Result<f64> {
        let data = [0x5au8; 1024];
        let t = Instant::now();
        for i in 0..n {
            let mut f = File::create(dir.join(format!("small-{i}")))?;
            f.write_all(&data)?;
            f.sync_all()?;
            drop(f);
            sync_dir(dir)?;
        }
        Ok(t.elapsed().as_secs_f64())
    }

    /// (write seconds, read seconds) of `n` pieces of `piece` bytes.
    pub fn stream(dir: &Path, name: &str, n: u32, piece: usize) -> std::io::Result<(f64, f64)> {
        let path = dir.join(name);
        let data = vec![0x5au8; piece];
        let t = Instant::now();
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)?;
        sync_dir(dir)?;
        for _ in 0..n {
            f.write_all(&data)?;
            f.sync_data()?;
        }
        drop(f);
        let w = t.elapsed().as_secs_f64();
        let mut buf = vec![0u8; piece];
        let t = Instant::now();
        let mut f = File::open(&path)?;
        for _ in 0..n {
            f.read_exact(&mut buf)?;
        }
        Ok((w, t.elapsed().as_secs_f64()))
    }
}

fn bench(s: &oxtee_client::Session, workload: u32, count: u32) -> Result<f64, String> {
    let t = Instant::now();
    s.invoke(
        15,
        &mut [Param::ValueIn {
            a: workload,
            b: count,
        }],
    )
    .map_err(|e| format!("storage workload {workload}: {e:?}"))?;
    Ok(t.elapsed().as_secs_f64())
}

/// Run the storage benchmark: `small` objects, `chunked_kib` KiB in 1 KiB
/// pieces, `seq_mib` MiB in 1 MiB pieces.
pub fn run(dist: &Path, small: u32, chunked_kib: u32, seq_mib: u32) -> Result<(), String> {
    let d = crate::bench::start_daemon(dist, false)?;
    let pid = d.pid();
    let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| format!("{e:?}"))?;
    let uuid = Uuid::parse(STORAGE_TA).ok_or("bad UUID")?;
    let (s, _) = ctx
        .open_session(uuid, Login::Public, &mut [])
        .map_err(|e| format!("open the storage TA (is dist/ built?): {e:?}"))?;
    let idle = peak_kib(pid);
    let floor_dir = d.dir().join("floor");
    std::fs::create_dir_all(&floor_dir).map_err(|e| e.to_string())?;
    let io = |e: std::io::Error| e.to_string();

    let ta_small = bench(&s, 0, small)?;
    let fl_small = floor::small_objects(&floor_dir, small).map_err(io)?;
    let ta_cw = bench(&s, 1, chunked_kib)?;
    let ta_cr = bench(&s, 2, chunked_kib)?;
    let (fl_cw, fl_cr) = floor::stream(&floor_dir, "chunked", chunked_kib, 1024).map_err(io)?;
    let ta_sw = bench(&s, 3, seq_mib)?;
    let ta_sr = bench(&s, 4, seq_mib)?;
    let (fl_sw, fl_sr) = floor::stream(&floor_dir, "seq", seq_mib, 1 << 20).map_err(io)?;
    let peak = peak_kib(pid);

    println!(
        "trusted storage through a TA, durable writes (fsync); floor = the same on plain files with fsync"
    );
    println!(
        "{:<44} {:>12} {:>12} {:>8}",
        "workload", "oxtee", "floor", "ratio"
    );
    let row = |name: &str, unit: &str, amount: f64, ta: f64, fl: f64| {
        let (a, b) = (amount / ta, amount / fl);
        println!(
            "{:<44} {:>8.0} {unit:<3} {:>8.0} {unit:<3} {:>8.2}",
            name,
            a,
            b,
            a / b
        );
    };
    row(
        &format!("{small} x create + write 1 KiB + close"),
        "/s",
        small as f64,
        ta_small,
        fl_small,
    );
    let kib = chunked_kib as f64;
    row(
        &format!("{chunked_kib} KiB in 1 KiB writes"),
        "KiB/s",
        kib,
        ta_cw,
        fl_cw,
    );
    row(
        &format!("{chunked_kib} KiB in 1 KiB reads"),
        "KiB/s",
        kib,
        ta_cr,
        fl_cr,
    );
    let mib = seq_mib as f64;
    row(
        &format!("{seq_mib} MiB sequential write (1 MiB writes)"),
        "MiB/s",
        mib,
        ta_sw,
        fl_sw,
    );
    row(
        &format!("{seq_mib} MiB sequential read (1 MiB reads)"),
        "MiB/s",
        mib,
        ta_sr,
        fl_sr,
    );
    println!(
        "peak memory of the core: {} KiB (idle {} KiB before the workloads)",
        peak, idle
    );
    Ok(())
}
