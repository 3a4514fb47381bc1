//! `oxtee bench --crypto`: GP crypto through a TA against the same
//! primitives called directly from this process.
//!
//! The TA (tests/tas/rust/cryptobench) keeps its keys, operations and
//! 1 MiB of random data; each invoke runs N iterations of one primitive
//! through the GP API and returns the time they took, measured inside the
//! TA (so the invoke's round trip is not counted; the GP API's own work,
//! such as TEE_AEInit per message and the copy into the caller's output
//! buffer, is). The baselines run the same primitive N times here, through
//! AWS-LC (aws-lc-rs) and through the RustCrypto crate the engine uses,
//! interleaved with the TA's rounds so that all three see the same noise;
//! each figure is the median of the rounds, and the ratio is the TA's
//! against the faster baseline.

mod baseline;

use baseline::{ALL, Baselines, Prim};
use oxtee_client::{Context, Login, Param, Uuid};
use std::path::Path;
use std::time::Duration;

const CRYPTOBENCH_TA: &str = "5e20c956-af2b-4370-9b6f-f3e4d92d15c3";
const CMD_SETUP: u32 = 0;
const CMD_RUN: u32 = 1;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Throughput of `iters` runs taking `d`: MiB/s for the symmetric
/// primitives (1 MiB each), operations/s for the others.
fn rate(iters: u32, d: Duration) -> f64 {
    iters as f64 / d.as_secs_f64()
}

pub fn run(dist: &Path, rounds: usize, pin: bool) -> Result<(), String> {
    if pin {
        let mut set = nix::sched::CpuSet::new();
        set.set(0).map_err(|e| e.to_string())?;
        nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
            .map_err(|e| e.to_string())?;
        println!("all processes pinned to CPU 0");
    }
    let dist = dist
        .canonicalize()
        .map_err(|e| format!("{}: {e} (run scripts/build.sh)", dist.display()))?;
    let rounds = rounds.max(1);
    let d = super::start_daemon(&dist, false)?;
    let ctx = Context::new(Some(d.socket.to_str().unwrap())).map_err(|e| e.to_string())?;
    let err = |e: oxtee_client::Error| e.to_string();
    let (s, _) = ctx
        .open_session(Uuid::parse(CRYPTOBENCH_TA).unwrap(), Login::Public, &mut [])
        .map_err(err)?;
    s.invoke(CMD_SETUP, &mut []).map_err(err)?;
    let ta = |p: Prim, iters: u32| -> Result<Duration, String> {
        let mut params = [
            Param::ValueIn {
                a: p.id(),
                b: iters,
            },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(CMD_RUN, &mut params).map_err(err)?;
        let Param::ValueOut { a, b } = params[1] else {
            return Err("no time from the TA".into());
        };
        Ok(Duration::from_nanos((u64::from(a) << 32) | u64::from(b)))
    };
    let mut base = Baselines::new();
    println!("median of {rounds} rounds (TA time measured inside the TA)");
    println!(
        "{:<30} {:>6} {:>10} {:>10} {:>10} {:>8}",
        "primitive", "unit", "TA", "aws-lc", "RustCrypto", "TA/best"
    );
    for p in ALL {
        let n = p.iters();
        // One untimed round of each first (caches, lazy key set-up).
        ta(p, n)?;
        base.aws_lc(p, n);
        base.rust_crypto(p, n);
        let (mut t, mut a, mut r) = (vec![], vec![], vec![]);
        for _ in 0..rounds {
            t.push(ta(p, n)?);
            a.push(base.aws_lc(p, n));
            r.push(base.rust_crypto(p, n));
        }
        let (t, a, r) = (rate(n, median(t)), rate(n, median(a)), rate(n, median(r)));
        println!(
            "{:<30} {:>6} {:>10.0} {:>10.0} {:>10.0} {:>8.2}",
            p.name(),
            p.unit(),
            t,
            a,
            r,
            t / a.max(r)
        );
    }
    drop(s);
    ctx.finalize();
    drop(d);
    Ok(())
}
