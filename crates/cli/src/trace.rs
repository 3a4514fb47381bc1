//! `oxtee trace`: record the boundary crossings of a live secure world
//! (through oxtee's trace PTA, `oxtee_daemon::trace`) as JSON lines, and
//! draw a recorded run as a sequence diagram (Mermaid text, SVG).
//!
//! With a command, the command runs traced: the core's crossings of its
//! process, and libteec's own record of every TEE Client API function
//! it calls (libteec writes them to `$OXTEE_TRACE_CLIENT`, which is set
//! for the command), merged by time.

use oxtee_client::{Context, Login, Param, Uuid};
use oxtee_daemon::trace::{Event, TracePta};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What to trace and where the record goes.
#[derive(clap::Args)]
pub struct Opts {
    /// Only this client process.
    #[arg(long, value_name = "PID")]
    pub client: Option<i32>,
    /// Only crossings of this TA.
    #[arg(long, value_name = "UUID")]
    pub ta: Option<String>,
    /// With a COMMAND: every client's crossings, not only the command's.
    #[arg(long)]
    pub all: bool,
    /// Stop after this many seconds.
    #[arg(long)]
    pub seconds: Option<u64>,
    /// Write the JSON lines here (default: standard output, unless a
    /// diagram is asked for).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a Mermaid sequence diagram here.
    #[arg(long, value_name = "FILE")]
    pub mermaid: Option<PathBuf>,
    /// Write an SVG sequence diagram here.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Draw a recorded file (JSON lines) instead of tracing.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client", "ta", "all", "seconds", "out", "command"])]
    pub from: Option<PathBuf>,
    /// Socket of the secure world (default $OXTEE_SOCKET or the default path).
    #[arg(long)]
    pub socket: Option<String>,
    /// The program to run traced, and its arguments (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(o: Opts) -> Result<(), String> {
    let (events, failed) = match &o.from {
        Some(f) => (
            parse(&std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?)?,
            None,
        ),
        None => record(&o)?,
    };
    if o.from.is_none() {
        let mut text = String::new();
        for e in &events {
            text.push_str(&serde_json::to_string(e).map_err(|e| e.to_string())?);
            text.push('\n');
        }
        match &o.out {
            Some(p) => std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))?,
            None if o.mermaid.is_none() && o.svg.is_none() => print!("{text}"),
            None => {}
        }
    }
    if let Some(p) = &o.mermaid {
        std::fs::write(p, mermaid(&events)).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    if let Some(p) = &o.svg {
        std::fs::write(p, svg(&events)).map_err(|e| format!("{}: {e}", p.display()))?;
    }
    // A command that failed fails the trace (once its record is written).
    failed.map_or(Ok(()), Err)
}

/// Events of a JSON-lines record (blank lines skipped).
pub fn parse(text: &str) -> Result<Vec<Event>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Trace until the command ends (or `seconds` pass, or SIGINT): the
/// events, and how the command failed if it did.
fn record(o: &Opts) -> Result<(Vec<Event>, Option<String>), String> {
    let ctx = Context::new(o.socket.as_deref())
        .map_err(|e| format!("cannot reach the secure world: {e}"))?;
    // (The TrustZone tier's kernel asks Linux's driver who the client
    // is: the user login; the host tier's core knows it from the socket.)
    let (s, _) = ctx
        .open_session(Uuid(TracePta::UUID), Login::User, &mut [])
        .map_err(|e| match e.code {
            0xFFFF_0001 => "only root (or the core's user) may trace every client".to_owned(),
            _ => format!("cannot open the trace PTA: {e}"),
        })?;
    let ta = match &o.ta {
        Some(t) => Some(Uuid::parse(t).ok_or_else(|| format!("not a UUID: {t}"))?.0),
        None => None,
    };
    let start = |pid: i32| -> Result<(), String> {
        let mut uuid = ta.unwrap_or_default();
        let mut p = [
            Param::ValueIn {
                a: pid as u32,
                b: 0,
            },
            match ta {
                Some(_) => Param::TempIn { buf: &mut uuid[..] },
                None => Param::None,
            },
        ];
        match s.invoke(TracePta::START, &mut p) {
            Ok(_) => Ok(()),
            // The TrustZone tier's secure world does not know the normal
            // world's processes: every client's crossings, then.
            Err(e) if e.code == 0xFFFF_000A && pid != 0 => {
                eprintln!(
                    "oxtee trace: this secure world cannot tell client processes apart: tracing every client"
                );
                p[0] = Param::ValueIn { a: 0, b: 0 };
                s.invoke(TracePta::START, &mut p)
                    .map(|_| ())
                    .map_err(|e| format!("cannot start tracing: {e}"))
            }
            Err(e) => Err(format!("cannot start tracing: {e}")),
        }
    };
    // Where the record's clock is on this machine's CLOCK_MONOTONIC.
    let offset = clock_offset(&s)?;
    let mut events = Vec::new();
    // The answers land in shared memory allocated once: a temporary
    // buffer would be registered with the secure world at every read on
    // the TrustZone tier (Linux's driver does so), crossings the record
    // would then show, read after read.
    let out_flag = 2; // TEEC_MEM_OUTPUT
    let alloc = |size: usize| {
        ctx.allocate_shared_memory(size, out_flag)
            .map_err(|e| format!("cannot allocate the trace buffer: {e}"))
    };
    let mut shm = alloc(64 << 10)?;
    let mut read = |wait_ms: u32, events: &mut Vec<Event>| -> Result<bool, String> {
        let size = shm.size();
        let mut p = [
            Param::ValueIn { a: wait_ms, b: 0 },
            Param::Shm {
                mem: &shm,
                dir: oxtee_proto::Dir::Out,
                offset: 0,
                size,
            },
        ];
        let r = s.invoke(TracePta::READ, &mut p);
        let Param::Shm { size: n, .. } = p[1] else {
            unreachable!("the parameter above")
        };
        match r {
            Ok(_) => {
                let mut text = vec![0u8; n.min(size)];
                if !shm.read(0, &mut text) {
                    return Err("cannot read the trace buffer".into());
                }
                let got = parse(&String::from_utf8_lossy(&text))?;
                let any = !got.is_empty();
                events.extend(got);
                Ok(any)
            }
            Err(e) if e.code == 0xFFFF_0010 && n > size => {
                shm = alloc(n)?;
                Ok(true)
            }
            Err(e) => Err(format!("cannot read the trace: {e}")),
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let mut set = nix::sys::signal::SigSet::empty();
        set.add(nix::sys::signal::Signal::SIGINT);
        set.add(nix::sys::signal::Signal::SIGTERM);
        set.thread_block().map_err(|e| e.to_string())?;
        let s2 = stop.clone();
        std::thread::spawn(move || {
            let _ = set.wait();
            s2.store(true, Ordering::Relaxed);
        });
    }
    let deadline = o.seconds.map(|n| Instant::now() + Duration::from_secs(n));
    if o.command.is_empty() {
        start(o.client.unwrap_or(0))?;
        while !stop.load(Ordering::Relaxed) && deadline.is_none_or(|d| Instant::now() < d) {
            read(200, &mut events)?;
        }
        return Ok((shift(events, offset), None));
    }
    // The command: started held at a gate (a FIFO its shell reads before
    // exec'ing it, keeping its pid), so that tracing starts first.
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let gate = dir.path().join("gate");
    nix::unistd::mkfifo(
        &gate,
        nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
    )
    .map_err(|e| format!("mkfifo: {e}"))?;
    let client_log = dir.path().join("libteec.jsonl");
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg("read _ < \"$0\" && exec \"$@\"")
        .arg(&gate)
        .args(&o.command)
        .env("OXTEE_TRACE_CLIENT", &client_log);
    // The command talks to the secure world being traced.
    if let Some(s) = &o.socket {
        cmd.env("OXTEE_SOCKET", s);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", o.command[0]))?;
    let pid = child.id() as i32;
    let filter = if o.all {
        o.client.unwrap_or(0)
    } else {
        o.client.unwrap_or(pid)
    };
    let started = start(filter);
    // Open the gate in any case (the command must not hang on it); not
    // waiting for ever on a shell that is gone.
    let opened = (|| {
        use std::os::unix::fs::OpenOptionsExt;
        let t0 = Instant::now();
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
                .open(&gate)
            {
                Ok(mut f) => return f.write_all(if started.is_ok() { b"go\n" } else { b"" }),
                Err(e) if e.raw_os_error() == Some(nix::libc::ENXIO) => {
                    if t0.elapsed() > Duration::from_secs(10) || child.try_wait()?.is_some() {
                        return Err(std::io::Error::other("the command did not start"));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(e),
            }
        }
    })();
    if let Err(e) = started {
        let _ = child.kill();
        let _ = child.wait();
        return Err(e);
    }
    opened.map_err(|e| format!("cannot start the command: {e}"))?;
    let status = loop {
        read(100, &mut events)?;
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            break child.wait().map_err(|e| e.to_string())?;
        }
    };
    // What it left the core doing (a TA's destroy) is already queued
    // (read for at most two seconds: other clients may keep the record
    // growing).
    let drain = Instant::now() + Duration::from_secs(2);
    while read(200, &mut events)? && Instant::now() < drain {}
    let mut events = shift(events, offset);
    // The traced program writes this file: lines that are not events are
    // left out (and counted), and at most 64 MiB of it is read.
    if let Ok(f) = std::fs::File::open(&client_log) {
        use std::io::Read;
        let mut text = String::new();
        let _ = f.take(64 << 20).read_to_string(&mut text);
        let mut bad = 0usize;
        let client: Vec<Event> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).map_err(|_| bad += 1).ok())
            .collect();
        if bad > 0 {
            eprintln!("oxtee trace: {bad} lines of libteec's record were not events: left out");
        }
        events = merge(events, client);
    }
    let failed = (!status.success()).then(|| format!("{} ended with {status}", o.command[0]));
    Ok((events, failed))
}

/// How far the trace's clock is behind this machine's CLOCK_MONOTONIC, in
/// microseconds (0 when it is that clock: the host tier). The TrustZone
/// tier's kernel stamps with its counter: its clock is read between two
/// readings of ours, the narrowest of a few such windows taken.
fn clock_offset(s: &oxtee_client::Session) -> Result<i64, String> {
    use oxtee_proto::trace::{CLOCK_MONOTONIC, CLOCK_SECURE_COUNTER};
    let mut best: Option<(u64, i64)> = None;
    for _ in 0..5 {
        let mut p = [
            Param::ValueOut { a: 0, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        let t0 = oxtee_sys::monotonic_us();
        let r = s.invoke(TracePta::CLOCK, &mut p);
        let t1 = oxtee_sys::monotonic_us();
        let (Param::ValueOut { a: lo, b: hi }, Param::ValueOut { a: clock, .. }) = (&p[0], &p[1])
        else {
            unreachable!("the parameters above")
        };
        match r {
            Ok(_) if *clock == CLOCK_MONOTONIC => return Ok(0),
            Ok(_) if *clock == CLOCK_SECURE_COUNTER => {
                let secure = (u64::from(*hi) << 32 | u64::from(*lo)) as i64;
                let mid = (t0 / 2 + t1 / 2) as i64;
                let width = t1 - t0;
                if best.is_none_or(|(w, _)| width < w) {
                    best = Some((width, mid - secure));
                }
            }
            Ok(_) => return Err(format!("the trace's clock {clock} is not one oxtee knows")),
            Err(e) => return Err(format!("cannot read the trace's clock: {e}")),
        }
    }
    Ok(best.map_or(0, |(_, off)| off))
}

/// Events moved by `offset` microseconds onto this machine's clock.
fn shift(mut events: Vec<Event>, offset: i64) -> Vec<Event> {
    if offset != 0 {
        for e in &mut events {
            e.t_us = e.t_us.saturating_add_signed(offset);
        }
    }
    events
}

/// The core's events and libteec's, in time order (at the same
/// microsecond a client's call comes before what it causes, and its
/// return after). The client's record is the traced program's to write:
/// only crossings between the CA and libteec are taken from it.
pub fn merge(core: Vec<Event>, client: Vec<Event>) -> Vec<Event> {
    let client = client.into_iter().filter(|e| {
        matches!(
            (e.from.as_str(), e.to.as_str(), e.ev.as_str()),
            ("CA", "libteec", "call") | ("libteec", "CA", "return")
        )
    });
    let rank = |e: &Event| match (e.from.as_str(), e.to.as_str()) {
        ("CA", _) => 0,
        (_, "CA") => 2,
        _ => 1,
    };
    let mut all: Vec<Event> = core.into_iter().chain(client).collect();
    all.sort_by_key(|e| (e.t_us, rank(e)));
    all
}

/// The participants, in the order of a TEE stack: CA, libteec, Linux's
/// driver, the core or the monitor and kernel, each TA and pseudo-TA as
/// it appears, the partitions, the supplicant.
fn participants(events: &[Event]) -> Vec<String> {
    let fixed = ["CA", "libteec", "driver", "core", "monitor", "kernel"];
    let mut out: Vec<String> = fixed
        .iter()
        .filter(|p| {
            ["CA", "libteec"].contains(p) || events.iter().any(|e| e.from == **p || e.to == **p)
        })
        .map(|p| p.to_string())
        .collect();
    let mut tas: Vec<&str> = Vec::new();
    let mut others: Vec<&str> = Vec::new();
    for e in events.iter().filter(|e| e.ev == "call" || e.ev == "return") {
        for p in [e.from.as_str(), e.to.as_str()] {
            let list = if p.starts_with("TA ") || p.starts_with("PTA ") {
                &mut tas
            } else {
                &mut others
            };
            if !fixed.contains(&p) && p != "supplicant" && !list.contains(&p) {
                list.push(p);
            }
        }
    }
    out.extend(tas.into_iter().chain(others).map(String::from));
    if events
        .iter()
        .any(|e| e.from == "supplicant" || e.to == "supplicant")
    {
        out.push("supplicant".into());
    }
    out
}

fn title(p: &str) -> String {
    match p {
        "CA" => "CA (client application)".into(),
        "libteec" => "TEE Client API (libteec)".into(),
        "core" => "driver + TEE core (oxtee)".into(),
        "driver" => "Linux OP-TEE driver".into(),
        "monitor" => "secure monitor (EL3)".into(),
        "kernel" => "secure kernel (S-EL1, oxtee)".into(),
        "supplicant" => "tee-supplicant".into(),
        ta => ta.into(),
    }
}

/// Text for a Mermaid line: no line breaks, and Mermaid's entity codes
/// for what it would read as syntax or markup.
fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A GP result, as a name when it is a common one.
fn result_name(r: u32) -> String {
    let name = match r {
        0x0000_0000 => "SUCCESS",
        0xFFFF_0000 => "ERROR_GENERIC",
        0xFFFF_0001 => "ERROR_ACCESS_DENIED",
        0xFFFF_0002 => "ERROR_CANCEL",
        0xFFFF_0006 => "ERROR_BAD_PARAMETERS",
        0xFFFF_0007 => "ERROR_BAD_STATE",
        0xFFFF_0008 => "ERROR_ITEM_NOT_FOUND",
        0xFFFF_000A => "ERROR_NOT_SUPPORTED",
        0xFFFF_000C => "ERROR_OUT_OF_MEMORY",
        0xFFFF_000D => "ERROR_BUSY",
        0xFFFF_000E => "ERROR_COMMUNICATION",
        0xFFFF_0010 => "ERROR_SHORT_BUFFER",
        0xFFFF_3024 => "ERROR_TARGET_DEAD",
        _ => return format!("0x{r:08x}"),
    };
    name.into()
}

/// What an arrow says.
fn label(e: &Event) -> String {
    let mut l = e.name.clone();
    if let Some(c) = e.cmd {
        l.push_str(&format!(" (cmd {c})"));
    }
    // The TrustZone tier's SMCs: the call form, and a return that asks
    // the normal world for something (an RPC, an interrupt of its own).
    let smc = e.smc.as_deref().unwrap_or_default();
    if e.name == "SMC" && e.ev == "call" {
        if let Some(form) = smc.strip_prefix("OPTEE_SMC_CALL_") {
            l.push_str(&format!(" {form}"));
        }
    }
    let asks = smc
        .strip_prefix("OPTEE_SMC_RETURN_")
        .filter(|r| e.ev == "return" && *r != "OK");
    if let Some(r) = asks {
        l.push_str(&format!(" {r}"));
    }
    if e.ev == "call" || asks == Some("RPC_CMD") {
        if let Some(m) = &e.msg {
            l.push_str(&format!(" [{m}]"));
        }
    }
    if let Some(r) = e.ret {
        l.push_str(&format!(" = {}", result_name(r)));
    }
    if let Some(us) = e.us {
        l.push_str(&format!(", {us} us"));
    }
    l
}

fn drawn(events: &[Event]) -> impl Iterator<Item = &Event> {
    events.iter().filter(|e| e.ev == "call" || e.ev == "return")
}

/// A Mermaid `sequenceDiagram` of the record.
pub fn mermaid(events: &[Event]) -> String {
    let parts = participants(events);
    let alias = |p: &str| format!("P{}", parts.iter().position(|q| q == p).unwrap_or(0));
    let mut out = String::from("sequenceDiagram\n");
    for p in &parts {
        out.push_str(&format!(
            "    participant {} as {}\n",
            alias(p),
            mermaid_text(&title(p))
        ));
    }
    for e in drawn(events) {
        let arrow = if e.ev == "call" { "->>" } else { "-->>" };
        let text = mermaid_text(&label(e));
        out.push_str(&format!(
            "    {}{arrow}{}: {text}\n",
            alias(&e.from),
            alias(&e.to)
        ));
    }
    for e in events.iter().filter(|e| e.ev == "dropped") {
        out.push_str(&format!(
            "    Note over P2: {} events dropped\n",
            e.n.unwrap_or(0)
        ));
    }
    out
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A self-contained SVG sequence diagram of the record.
pub fn svg(events: &[Event]) -> String {
    let parts = participants(events);
    let arrows: Vec<&Event> = drawn(events).collect();
    let (col, row, top, left) = (300.0_f64, 28.0_f64, 70.0_f64, 160.0_f64);
    let width = left * 2.0 + col * (parts.len().saturating_sub(1)) as f64;
    let height = top + row * (arrows.len() + 1) as f64 + 20.0;
    let x = |p: &str| left + col * parts.iter().position(|q| q == p).unwrap_or(0) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <defs><marker id=\"a\" markerWidth=\"10\" markerHeight=\"8\" refX=\"10\" refY=\"4\" \
         orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#333\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for p in &parts {
        let px = x(p);
        s.push_str(&format!(
            "<rect x=\"{}\" y=\"10\" width=\"280\" height=\"34\" rx=\"4\" fill=\"#eef3fb\" stroke=\"#335\"/>\n\
             <text x=\"{px}\" y=\"32\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n\
             <line x1=\"{px}\" y1=\"44\" x2=\"{px}\" y2=\"{}\" stroke=\"#999\" stroke-dasharray=\"4 4\"/>\n",
            px - 140.0,
            xml(&title(p)),
            height - 10.0
        ));
    }
    for (i, e) in arrows.iter().enumerate() {
        let y = top + row * (i as f64 + 0.5);
        let (x1, x2) = (x(&e.from), x(&e.to));
        let dash = if e.ev == "call" {
            ""
        } else {
            " stroke-dasharray=\"6 3\""
        };
        s.push_str(&format!(
            "<line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#333\"{dash} marker-end=\"url(#a)\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
            (x1 + x2) / 2.0,
            y - 4.0,
            xml(&label(e))
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(t: u64, ev: &str, from: &str, to: &str, name: &str) -> Event {
        Event {
            t_us: t,
            ev: ev.into(),
            from: from.into(),
            to: to.into(),
            name: name.into(),
            ..Event::default()
        }
    }

    fn sample() -> Vec<Event> {
        let ta = "TA 12345678-1234-1234-1234-567890abcdef";
        let core = vec![
            ev(11, "call", "libteec", "core", "TEEC_OpenSession"),
            ev(12, "call", "core", ta, "TA_CreateEntryPoint"),
            Event {
                ret: Some(0),
                ..ev(13, "return", ta, "core", "TA_CreateEntryPoint")
            },
            Event {
                ret: Some(0xFFFF_0006),
                ..ev(14, "return", "core", "libteec", "TEEC_OpenSession")
            },
        ];
        let client = vec![
            ev(10, "call", "CA", "libteec", "TEEC_OpenSession"),
            Event {
                ret: Some(0xFFFF_0006),
                ..ev(14, "return", "libteec", "CA", "TEEC_OpenSession")
            },
        ];
        merge(core, client)
    }

    #[test]
    fn records_merge_in_time_order_with_the_client_around_the_core() {
        let m = sample();
        let order: Vec<(&str, &str)> = m.iter().map(|e| (e.from.as_str(), e.to.as_str())).collect();
        assert_eq!(order[0], ("CA", "libteec"));
        assert_eq!(
            order[4],
            ("core", "libteec"),
            "the core's return at the same instant comes first"
        );
        assert_eq!(order[5], ("libteec", "CA"));
        // A record survives being written and read back.
        let text: String = m
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        assert_eq!(parse(&text).unwrap(), m);
        assert!(parse("{not json}\n").unwrap_err().starts_with("line 1"));
    }

    #[test]
    fn diagrams_show_the_stack_in_order_with_results() {
        let m = sample();
        let text = mermaid(&m);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "sequenceDiagram");
        assert_eq!(lines[1], "    participant P0 as CA (client application)");
        assert!(lines[4].contains("TA 12345678-1234-1234-1234-567890abcdef"));
        assert_eq!(
            lines.len(),
            1 + 4 + 6,
            "no supplicant in a run without RPCs"
        );
        assert_eq!(lines[5], "    P0->>P1: TEEC_OpenSession");
        assert_eq!(lines[7], "    P2->>P3: TA_CreateEntryPoint");
        assert_eq!(
            lines[10],
            "    P1-->>P0: TEEC_OpenSession = ERROR_BAD_PARAMETERS"
        );
        let s = svg(&m);
        assert!(s.starts_with("<svg") && s.trim_end().ends_with("</svg>"));
        assert_eq!(s.matches("marker-end").count(), 6);
        assert_eq!(
            s.matches("stroke-dasharray=\"6 3\"").count(),
            3,
            "returns are dashed"
        );
        assert!(s.contains("TA_CreateEntryPoint = SUCCESS"));
    }

    #[test]
    fn the_trustzone_tiers_and_the_partitions_participants_have_their_places() {
        let ta = "TA 12345678-1234-1234-1234-567890abcdef";
        let pta = "PTA 0e7ee7a0-7e57-4a7a-8e57-7e57a0000001";
        let tz = vec![
            ev(1, "call", "driver", "monitor", "SMC"),
            ev(2, "call", "monitor", "kernel", "world switch"),
            ev(3, "call", "kernel", pta, "TA_InvokeCommandEntryPoint"),
            ev(4, "call", "kernel", ta, "TA_OpenSessionEntryPoint"),
            ev(5, "return", "kernel", "monitor", "world switch"),
        ];
        let client = vec![ev(0, "call", "CA", "libteec", "TEEC_OpenSession")];
        let m = merge(shift(tz, 100), client);
        assert_eq!(m[0].from, "CA", "moved onto the client's clock");
        assert_eq!(m[1].t_us, 101);
        assert_eq!(
            participants(&m),
            ["CA", "libteec", "driver", "monitor", "kernel", pta, ta]
        );
        let text = mermaid(&m);
        assert!(text.contains("participant P3 as secure monitor (EL3)"));
        assert!(text.contains("P2->>P3: SMC\n"));
        // SMCs say their form, returns what they ask the normal world for.
        let mut call = ev(1, "call", "driver", "monitor", "SMC");
        call.smc = Some("OPTEE_SMC_CALL_RETURN_FROM_RPC".into());
        call.msg = Some("OPTEE_MSG_CMD_OPEN_SESSION".into());
        assert_eq!(
            label(&call),
            "SMC RETURN_FROM_RPC [OPTEE_MSG_CMD_OPEN_SESSION]"
        );
        let mut rpc = ev(2, "return", "kernel", "monitor", "world switch");
        rpc.smc = Some("OPTEE_SMC_RETURN_RPC_CMD".into());
        rpc.msg = Some("OPTEE_RPC_CMD_LOAD_TA".into());
        assert_eq!(label(&rpc), "world switch RPC_CMD [OPTEE_RPC_CMD_LOAD_TA]");
        rpc.smc = Some("OPTEE_SMC_RETURN_OK".into());
        rpc.msg = None;
        rpc.ret = Some(0);
        assert_eq!(label(&rpc), "world switch = SUCCESS");
        // A partition of the host tier: after the TAs, before the
        // supplicant, never drawn on another's line.
        let host = vec![
            ev(1, "call", "core", "storage partition", "request"),
            ev(2, "call", "storage partition", "core", "RPC"),
            ev(3, "call", "core", "supplicant", "OPTEE_RPC_CMD_FS"),
            ev(4, "call", "core", ta, "TA_InvokeCommandEntryPoint"),
        ];
        assert_eq!(
            participants(&host),
            [
                "CA",
                "libteec",
                "core",
                ta,
                "storage partition",
                "supplicant"
            ]
        );
        assert!(mermaid(&host).contains("P2->>P4: request"));
    }

    #[test]
    fn text_from_the_record_cannot_break_out_of_the_diagram() {
        let mut e = ev(1, "call", "libteec", "core", "x<script>&\"");
        e.msg = Some("a;b#c\nd".into());
        let s = svg(std::slice::from_ref(&e));
        assert!(!s.contains("<script>") && s.contains("x&lt;script&gt;&amp;&quot;"));
        let m = mermaid(std::slice::from_ref(&e));
        assert_eq!(
            m.lines().last().unwrap(),
            "    P1->>P2: x#lt;script#gt;&\" [a#59;b#35;c d]"
        );
    }

    #[test]
    fn a_traced_program_speaks_only_for_its_own_calls_into_libteec() {
        let forged = vec![
            ev(1, "call", "core", "TA x", "TA_OpenSessionEntryPoint"),
            ev(
                2,
                "call",
                "CA\nparticipant evil",
                "libteec",
                "TEEC_InvokeCommand",
            ),
            ev(3, "return", "CA", "libteec", "TEEC_InvokeCommand"),
            ev(4, "call", "CA", "libteec", "TEEC_InvokeCommand"),
        ];
        let m = merge(Vec::new(), forged);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].t_us, m[0].from.as_str()), (4, "CA"));
    }
}
