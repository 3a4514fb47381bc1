//! libteec's part of `oxtee trace`: the CA's calls into the TEE Client
//! API, which never reach the core when they need not (registering
//! memory, say), recorded as the core's trace events are, one JSON line
//! each, appended to the file `$OXTEE_TRACE_CLIENT` names (`oxtee trace`
//! sets it for the program it runs). Not in a set-id program: its
//! environment is not its user's to trust.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

/// The record, if this process is traced.
fn sink() -> Option<&'static Mutex<File>> {
    static SINK: OnceLock<Option<Mutex<File>>> = OnceLock::new();
    SINK.get_or_init(|| {
        use nix::unistd::{getegid, geteuid, getgid, getuid};
        if getuid() != geteuid() || getgid() != getegid() {
            return None;
        }
        let path = std::env::var_os("OXTEE_TRACE_CLIENT")?;
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)
            .ok()
            .map(Mutex::new)
    })
    .as_ref()
}

/// A traced call of `name`, returned by [`Call::ret`].
pub struct Call {
    name: &'static str,
    id: u64,
    t0: u64,
}

fn line(text: String) {
    if let Some(s) = sink() {
        let mut f = s.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = f.write_all(text.as_bytes());
    }
}

/// Record the CA calling `name` (nothing, and `None`, when untraced).
pub fn call(name: &'static str) -> Option<Call> {
    sink()?;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    // Ids apart from the core's (which count up from 1).
    let id = 1 << 62 | NEXT.fetch_add(1, Ordering::Relaxed);
    let t0 = oxtee_sys::monotonic_us();
    line(format!(
        "{{\"t_us\":{t0},\"id\":{id},\"ev\":\"call\",\"from\":\"CA\",\"to\":\"libteec\",\"name\":\"{name}\",\"pid\":{}}}\n",
        std::process::id()
    ));
    Some(Call { name, id, t0 })
}

impl Call {
    /// Record the return to the CA with `result`.
    pub fn ret(self, result: u32) {
        let t = oxtee_sys::monotonic_us();
        line(format!(
            "{{\"t_us\":{t},\"id\":{},\"ev\":\"return\",\"from\":\"libteec\",\"to\":\"CA\",\"name\":\"{}\",\"pid\":{},\"ret\":{result},\"us\":{}}}\n",
            self.id,
            self.name,
            std::process::id(),
            t.saturating_sub(self.t0)
        ));
    }
}
