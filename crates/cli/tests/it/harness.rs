//! Start a secure world in a temporary directory and talk to it.

#[path = "../shared/mod.rs"]
mod shared;
pub use shared::*;

use oxtee_client::Context;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// An address in the kernel's half of a process's address space.
pub const KERNEL_MEMORY: u64 = 0xffff_8880_0000_0000;
pub const MISBEHAVE_CTOR: &str = "a6fc02b0-c08c-46d6-beed-af02c62de7a7";
pub const LIFECYCLE: &str = "fd03bd86-9c9c-45e9-acfd-27ee479dc43a";
pub const SINGLE: &str = "57364908-349e-4caf-a11d-b150128d9995";
pub const KEEPALIVE: &str = "92ff0d31-7a78-42b6-b665-def3fc5fd20c";

/// The build output of scripts/build.sh.
pub fn dist() -> PathBuf {
    let d = std::env::var_os("OXTEE_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist"));
    assert!(
        d.join("ta").is_dir() && d.join("devkit/keys/default_ta.pub.pem").is_file(),
        "{} has no TAs: run scripts/build.sh first (the README's test command does)",
        d.display()
    );
    d
}

pub fn ta_dir() -> PathBuf {
    dist().join("ta")
}

pub fn dev_pubkey() -> PathBuf {
    dist().join("devkit/keys/default_ta.pub.pem")
}

pub fn oxtee_bin() -> &'static str {
    env!("CARGO_BIN_EXE_oxtee")
}

/// The `oxtee` command where other users can run it (tests that play
/// another user): the build output itself when every folder on its way
/// lets others through, else a copy in a fresh world-readable folder.
pub fn oxtee_bin_for_others() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    static COPY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let bin = Path::new(oxtee_bin());
    let open = bin
        .ancestors()
        .skip(1)
        .all(|d| std::fs::metadata(d).is_ok_and(|m| m.permissions().mode() & 0o001 != 0));
    if open {
        return bin.to_path_buf();
    }
    COPY.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("oxtee-bin-")
            .tempdir()
            .unwrap()
            .keep();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let to = dir.join("oxtee");
        std::fs::copy(bin, &to).unwrap();
        to
    })
    .clone()
}

/// A running secure world, stopped (SIGTERM) on drop.
pub struct World {
    pub dir: tempfile::TempDir,
    pub socket: PathBuf,
    child: Option<Child>,
    log: PathBuf,
}

impl World {
    pub fn start() -> World {
        World::start_with(&ta_dir(), "")
    }

    /// Start with a TA directory and extra TOML (e.g. "[limits]\n...").
    pub fn start_with(ta_dir: &Path, extra: &str) -> World {
        World::start_with_keys(ta_dir, &[dev_pubkey()], extra)
    }

    /// Start with a TA directory, these trusted TA signing (root) keys
    /// only, and extra TOML.
    pub fn start_with_keys(ta_dir: &Path, keys: &[PathBuf], extra: &str) -> World {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("oxtee.sock");
        let cfg = dir.path().join("oxtee.toml");
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
        let mut text = format!(
            "socket = {:?}\nta_dir = {:?}\nstorage_dir = {:?}\nta_keys = [{}]\n",
            socket,
            ta_dir,
            storage,
            keys.join(", ")
        );
        // The whole suite runs in either mode: OXTEE_TEST_SECURE_MODE=spm
        // runs it partitioned (a test choosing its mode keeps it).
        if let Ok(mode) = std::env::var("OXTEE_TEST_SECURE_MODE") {
            if !extra.contains("secure_mode") {
                text.push_str(&format!("secure_mode = {mode:?}\n"));
            }
        }
        // Spare processes are off by default here so that tests can count
        // TA processes; tests/it/spares.rs covers them.
        if !extra.contains("[limits]") {
            text.push_str("[limits]\ncancel_grace_ms = 300\nspare_instances = false\n");
        }
        text.push_str(extra);
        std::fs::write(&cfg, text).unwrap();
        let log = dir.path().join("oxtee.log");
        let mut w = World {
            dir,
            socket,
            child: None,
            log,
        };
        w.spawn();
        w
    }

    /// Start `oxtee up` on this world's directory and configuration, and
    /// wait until it is ready.
    pub fn spawn(&mut self) {
        let cfg = self.dir.path().join("oxtee.toml");
        let mut child = Command::new(oxtee_bin())
            .args(["up", "--config"])
            .arg(&cfg)
            .env("OXTEE_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start oxtee up");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let logf = self.log.clone();
        std::thread::spawn(move || {
            let mut out = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&logf)
                .unwrap();
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(out, "{line}");
                if line.contains("secure world ready") {
                    let _ = tx.send(());
                }
            }
        });
        self.child = Some(child);
        if rx.recv_timeout(Duration::from_secs(20)).is_err() {
            panic!("secure world did not start:\n{}", self.log());
        }
    }

    /// A full restart of the secure world (SIGTERM, then `oxtee up` again
    /// on the same directory: the same storage).
    pub fn restart(&mut self) {
        assert!(self.stop(), "clean shutdown");
        self.spawn();
    }

    /// SIGKILL the core (no shutdown at all), then start it again.
    pub fn crash_and_restart(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.spawn();
    }

    /// The pid of the core process.
    /// `oxtee status` of this world.
    pub fn status(&self) -> String {
        let o = Command::new(oxtee_bin())
            .args(["status", "--socket"])
            .arg(&self.socket)
            .output()
            .unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn core_pid(&self) -> i32 {
        self.child.as_ref().map_or(0, |c| c.id() as i32)
    }

    pub fn ctx(&self) -> Context {
        Context::new(Some(self.socket.to_str().unwrap())).expect("initialize context")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Wait (bounded) until the log contains `needle`.
    pub fn wait_log(&self, needle: &str) -> bool {
        for _ in 0..400 {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        false
    }

    /// The pids of live TA processes of `uuid`.
    pub fn ta_pids(&self, uuid: &str) -> Vec<i32> {
        let me = self.child.as_ref().unwrap().id() as i32;
        let mut pids = Vec::new();
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let ppid: i32 = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            if ppid != me {
                continue;
            }
            let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next())
                == Some("Z");
            if cmd.starts_with(&format!("oxtee-ta:{uuid}")) && !zombie {
                pids.push(pid);
            }
        }
        pids
    }

    /// Stop with SIGTERM and return whether it exited successfully.
    pub fn stop(&mut self) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(c.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
        for _ in 0..200 {
            if let Ok(Some(st)) = c.try_wait() {
                return st.success();
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }
}

/// Whether process `pid` has ended (gone, or a zombie).
pub fn ended(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z'))
    })
}

/// Wait up to 2 s for every process of `pids` to end.
pub fn wait_ended(pids: &[i32]) -> bool {
    (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        pids.iter().all(|&p| ended(p))
    })
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop();
    }
}
