//! The normal-world supplicant: it keeps the trusted storage's blobs as
//! files for the core (OP-TEE's tee-supplicant does the same for its REE
//! file system). It runs as its own process (`oxtee supplicant DIR`, its
//! standard input a SEQPACKET socket to the core) and holds no key: what
//! it stores is ciphertext and what it returns is authenticated by the
//! core, which trusts none of it.
//!
//! [`FileSupplicant`] is the file side (also used in-process by the
//! crash-injection workload), [`serve`] the process's request loop, and
//! [`RemoteSupplicant`] the core's side of the socket.

use oxtee_proto::limits::SUPPLICANT_WRITES;
use oxtee_proto::{
    BlobWrite, SUPPLICANT_MAX_MESSAGE, SUPPLICANT_NAMES, SUPPLICANT_PIECE, SupplicantReply,
    SupplicantRequest,
};
use oxtee_storage::{Supplicant, SupplicantError};
use oxtee_sys::Channel;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::fd::{AsFd, AsRawFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Open files the supplicant keeps (beyond this, the least recently
/// opened are closed).
const MAX_OPEN: usize = 64;

/// The normal world's side of storage: blobs as files in one directory.
pub struct FileSupplicant {
    dir: PathBuf,
    open: HashMap<String, File>,
    /// A file was created or removed since the directory was last synced.
    dir_dirty: bool,
}

fn sup_err(e: std::io::Error) -> SupplicantError {
    match e.kind() {
        ErrorKind::NotFound => SupplicantError::NotFound,
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => SupplicantError::NoSpace,
        _ if e.raw_os_error() == Some(libc::ENOSPC) => SupplicantError::NoSpace,
        _ => SupplicantError::Io,
    }
}

/// The store names its blobs itself; anything else (a path, a dot file)
/// is refused rather than trusted.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

impl FileSupplicant {
    pub fn new(dir: PathBuf) -> std::io::Result<FileSupplicant> {
        if !dir.is_dir() {
            crate::fsperm::private_dir(&dir, 0o700, None)?;
        }
        Ok(FileSupplicant {
            dir,
            open: HashMap::new(),
            dir_dirty: false,
        })
    }

    fn file(&mut self, name: &str, create: bool) -> Result<&File, SupplicantError> {
        if !valid_name(name) {
            return Err(SupplicantError::Io);
        }
        if !self.open.contains_key(name) {
            let path = self.dir.join(name);
            let existed = path.exists();
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(create)
                .mode(0o600)
                .custom_flags(libc::O_CLOEXEC)
                .open(&path)
                .map_err(sup_err)?;
            if create && !existed {
                self.dir_dirty = true;
            }
            if self.open.len() >= MAX_OPEN {
                // Unsynced data stays in the page cache; sync() reopens.
                self.open.clear();
            }
            self.open.insert(name.to_owned(), f);
        }
        self.open.get(name).ok_or(SupplicantError::Io)
    }
}

impl Supplicant for FileSupplicant {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        let f = self.file(name, false)?;
        let mut n = 0;
        while n < buf.len() {
            match f.read_at(&mut buf[n..], offset + n as u64) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(sup_err(e)),
            }
        }
        Ok(n)
    }

    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        self.file(name, true)?
            .write_all_at(data, offset)
            .map_err(sup_err)
    }

    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        self.file(name, true)?.set_len(len).map_err(sup_err)
    }

    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        if !valid_name(name) {
            return Err(SupplicantError::Io);
        }
        match std::fs::metadata(self.dir.join(name)) {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(sup_err(e)),
        }
    }

    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        if !valid_name(name) {
            return Err(SupplicantError::Io);
        }
        self.open.remove(name);
        match std::fs::remove_file(self.dir.join(name)) {
            Ok(()) => {
                self.dir_dirty = true;
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(sup_err(e)),
        }
    }

    fn sync(&mut self, names: &[&str]) -> Result<(), SupplicantError> {
        for name in names {
            // fdatasync through any descriptor flushes the file's data.
            match self.file(name, false) {
                Ok(f) => f.sync_data().map_err(sup_err)?,
                Err(SupplicantError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        if self.dir_dirty {
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(sup_err)?;
            self.dir_dirty = false;
        }
        Ok(())
    }

    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        let mut names = Vec::new();
        for e in std::fs::read_dir(&self.dir).map_err(sup_err)? {
            let e = e.map_err(sup_err)?;
            if let Some(n) = e.file_name().to_str() {
                if valid_name(n) {
                    names.push(n.to_owned());
                }
            }
        }
        Ok(names)
    }
}

/// The supplicant process: answer the core's requests on `ch` from the
/// files in `dir` until the core goes away. Without `dir`, the core's
/// first message carries the folder as an open descriptor (the supplicant
/// runs under a uid of its own, which need not be able to walk the path
/// to it).
///
/// With `plugins`, the supplicant plugins of that folder
/// ([`crate::plugins`]) answer `Plugin` requests.
pub fn serve(ch: &Channel, dir: Option<PathBuf>, plugins: Option<&Path>) -> std::io::Result<()> {
    let plugins = plugins
        .map(crate::plugins::Plugins::load)
        .unwrap_or_default();
    let mut buf = vec![0u8; SUPPLICANT_MAX_MESSAGE];
    let mut held = Vec::new();
    let dir = match dir {
        Some(d) => d,
        None => {
            ch.recv(&mut buf, &mut held)?;
            let [fd] = held.as_slice() else {
                return Err(std::io::Error::other("the core sent no storage folder"));
            };
            // The folder through our own descriptor: no path permissions.
            PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        }
    };
    let mut fs = FileSupplicant::new(dir)?;
    loop {
        let n = match ch.recv(&mut buf, &mut Vec::new())? {
            Some(n) => n,
            None => return Ok(()),
        };
        let Ok(req) =
            oxtee_proto::decode_with_limit::<SupplicantRequest>(&buf[..n], SUPPLICANT_MAX_MESSAGE)
        else {
            return Err(std::io::Error::other("undecodable request from the core"));
        };
        let e = |e: SupplicantError| match e {
            SupplicantError::NotFound => SupplicantReply::NotFound,
            SupplicantError::NoSpace => SupplicantReply::NoSpace,
            SupplicantError::Io => SupplicantReply::Failed,
        };
        let reply = match req {
            SupplicantRequest::ReadAt { name, offset, len } => {
                let mut v = vec![0u8; (len as usize).min(SUPPLICANT_PIECE)];
                match fs.read_at(&name, offset, &mut v) {
                    Ok(k) => {
                        v.truncate(k);
                        SupplicantReply::Data(v)
                    }
                    Err(x) => e(x),
                }
            }
            SupplicantRequest::Write { writes } if writes.len() > SUPPLICANT_WRITES => {
                SupplicantReply::Failed
            }
            SupplicantRequest::Write { writes } => writes
                .iter()
                .try_for_each(|w| fs.write_at(&w.name, w.offset, &w.data))
                .map_or_else(e, |()| SupplicantReply::Done),
            SupplicantRequest::SetLen { name, len } => fs
                .set_len(&name, len)
                .map_or_else(e, |()| SupplicantReply::Done),
            SupplicantRequest::Size { name } => {
                fs.size(&name).map_or_else(e, SupplicantReply::Size)
            }
            SupplicantRequest::Remove { name } => {
                fs.remove(&name).map_or_else(e, |()| SupplicantReply::Done)
            }
            SupplicantRequest::Sync { names } => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                fs.sync(&names).map_or_else(e, |()| SupplicantReply::Done)
            }
            SupplicantRequest::List { after } => match fs.list() {
                Ok(mut all) => {
                    all.sort();
                    SupplicantReply::Names(
                        all.into_iter()
                            .filter(|n| after.as_ref().is_none_or(|a| n > a))
                            .take(SUPPLICANT_NAMES)
                            .collect(),
                    )
                }
                Err(x) => e(x),
            },
            SupplicantRequest::Plugin {
                uuid,
                cmd,
                sub_cmd,
                mut data,
            } => {
                let (result, n) = plugins.invoke(&uuid, cmd, sub_cmd, &mut data);
                data.truncate(n);
                SupplicantReply::Plugin { result, data }
            }
        };
        let b = oxtee_proto::encode_with_limit(&reply, SUPPLICANT_MAX_MESSAGE)
            .map_err(|_| std::io::Error::other("reply too large"))?;
        ch.send(&b, &[])?;
    }
}

/// Start a normal-world process of the core's own executable (`oxtee`
/// with `args`), its standard input `stdin`, under the supplicant's
/// `uid` when the core runs as root.
pub fn spawn(
    args: &[std::ffi::OsString],
    uid: Option<u32>,
    stdin: Channel,
) -> std::io::Result<Child> {
    // Through a descriptor opened with the core's rights: the
    // supplicant's uid need not be able to walk to the executable.
    let exe = File::open(std::env::current_exe()?)?;
    let mut cmd = Command::new(format!("/proc/self/fd/{}", exe.as_raw_fd()));
    cmd.args(args)
        .env_clear()
        .envs(std::env::var_os("OXTEE_LOG").map(|v| ("OXTEE_LOG", v)))
        .stdin(Stdio::from(std::os::fd::OwnedFd::from(stdin)))
        .stdout(Stdio::null());
    if let Some(uid) = uid {
        use std::os::unix::process::CommandExt;
        // The normal world's own user: it cannot read the HUK or the
        // RPMB state (std drops the supplementary groups too).
        cmd.uid(uid).gid(uid);
    }
    cmd.spawn()
}

/// The core's side: each storage request is a round trip to the
/// supplicant process, started on first use and again if it died.
pub struct RemoteSupplicant {
    dir: PathBuf,
    /// The supplicant plugins' folder.
    plugins: Option<PathBuf>,
    /// The supplicant's uid (core running as root).
    uid: Option<u32>,
    /// A supplicant silent this long is killed and started again.
    timeout: std::time::Duration,
    link: Option<(Channel, Child)>,
    /// Read-ahead: a window of one blob as last read (dropped when the
    /// core writes to that blob).
    cache: Option<(String, u64, Vec<u8>)>,
    /// Write-behind: contiguous writes gathered into few messages, sent
    /// before any other request (the store asks for durability with
    /// `sync`, which sends them first).
    pending: Vec<(String, u64, Vec<u8>)>,
    pending_bytes: usize,
    /// The receive buffer, kept across requests.
    buf: Vec<u8>,
}

/// Gathered writes as `Write` requests, in order, as few as the bounds
/// allow (the A/B slots of a commit's blocks are rarely contiguous, so a
/// commit is many small writes).
/// The trace of a request to the supplicant: OP-TEE's RPC for it.
fn rpc_crossing(req: &SupplicantRequest) -> crate::trace::Crossing {
    let (name, msg) = match req {
        SupplicantRequest::ReadAt { .. } => ("read", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::Write { .. } => ("write", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::SetLen { .. } => ("truncate", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::Size { .. } => ("size", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::Remove { .. } => ("remove", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::Sync { .. } => ("sync", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::List { .. } => ("list", "OPTEE_RPC_CMD_FS"),
        SupplicantRequest::Plugin { .. } => ("plugin", "OPTEE_RPC_CMD_SUPP_PLUGIN"),
    };
    crate::trace::Crossing {
        smc: Some("OPTEE_SMC_RETURN_RPC_CMD"),
        msg: Some(msg),
        ..crate::trace::Crossing::new("core", "supplicant", name)
    }
}

fn batches(pending: Vec<(String, u64, Vec<u8>)>) -> Vec<Vec<BlobWrite>> {
    let mut out = Vec::new();
    let mut batch: Vec<BlobWrite> = Vec::new();
    let mut bytes = 0;
    for (name, offset, data) in pending {
        for (i, piece) in data.chunks(SUPPLICANT_PIECE).enumerate() {
            if batch.len() == SUPPLICANT_WRITES || bytes + piece.len() > SUPPLICANT_PIECE {
                out.push(std::mem::take(&mut batch));
                bytes = 0;
            }
            bytes += piece.len();
            batch.push(BlobWrite {
                name: name.clone(),
                offset: offset + (i * SUPPLICANT_PIECE) as u64,
                data: piece.to_vec(),
            });
        }
    }
    if !batch.is_empty() {
        out.push(batch);
    }
    out
}

/// The read-ahead window.
const READ_AHEAD: usize = SUPPLICANT_PIECE;
/// Write-behind is flushed beyond this many bytes.
const WRITE_BEHIND: usize = 4 << 20;

impl RemoteSupplicant {
    /// A supplicant for the blobs in `dir` (started on first use).
    pub fn new(
        dir: PathBuf,
        plugins: Option<PathBuf>,
        uid: Option<u32>,
        timeout: std::time::Duration,
    ) -> RemoteSupplicant {
        RemoteSupplicant {
            dir,
            plugins,
            uid,
            timeout,
            link: None,
            cache: None,
            pending: Vec::new(),
            pending_bytes: 0,
            buf: vec![0u8; SUPPLICANT_MAX_MESSAGE],
        }
    }

    fn start(&self) -> std::io::Result<(Channel, Child)> {
        let (mine, theirs) = Channel::pair()?;
        mine.set_recv_timeout(Some(self.timeout))?;
        // Opened here, with the core's rights, and handed over: the
        // supplicant's uid need not be able to walk to it.
        let folder = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_CLOEXEC)
            .open(&self.dir)?;
        let mut args = vec![std::ffi::OsString::from("supplicant")];
        if let Some(p) = &self.plugins {
            args.push("--plugins".into());
            args.push(p.into());
        }
        let mut child = spawn(&args, self.uid, theirs)?;
        if let Err(e) = mine.send(b"objects", &[folder.as_fd()]) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok((mine, child))
    }

    /// One round trip. A lost supplicant is started again and the
    /// request (every storage request is idempotent) sent once more.
    fn ask(&mut self, req: &SupplicantRequest) -> Result<SupplicantReply, SupplicantError> {
        self.ask_tries(req, 2)
    }

    /// Invoke a supplicant plugin on `data` (at most
    /// [`SUPPLICANT_PIECE`] bytes): its result and output, which is never
    /// longer than `data`. Sent once: a plugin call is not idempotent.
    pub fn plugin(
        &mut self,
        uuid: [u8; 16],
        cmd: u32,
        sub_cmd: u32,
        data: Vec<u8>,
    ) -> Result<(u32, Vec<u8>), SupplicantError> {
        let cap = data.len();
        if cap > SUPPLICANT_PIECE {
            return Err(SupplicantError::Io);
        }
        self.flush()?;
        let req = SupplicantRequest::Plugin {
            uuid,
            cmd,
            sub_cmd,
            data,
        };
        match self.ask_tries(&req, 1)? {
            SupplicantReply::Plugin { result, data } if data.len() <= cap => Ok((result, data)),
            _ => Err(SupplicantError::Io),
        }
    }

    fn ask_tries(
        &mut self,
        req: &SupplicantRequest,
        tries: usize,
    ) -> Result<SupplicantReply, SupplicantError> {
        let span = crate::trace::call(|| Some(rpc_crossing(req)));
        let r = self.ask_tries_untraced(req, tries);
        if let Some(span) = span {
            let failed = oxtee_core::codes::TEE_ERROR_COMMUNICATION;
            span.ret(if r.is_ok() { 0 } else { failed }, None);
        }
        r
    }

    fn ask_tries_untraced(
        &mut self,
        req: &SupplicantRequest,
        tries: usize,
    ) -> Result<SupplicantReply, SupplicantError> {
        let msg = oxtee_proto::encode_with_limit(req, SUPPLICANT_MAX_MESSAGE)
            .map_err(|_| SupplicantError::Io)?;
        for attempt in 0..tries {
            if self.link.is_none() {
                match self.start() {
                    Ok(l) => self.link = Some(l),
                    Err(e) => {
                        tracing::error!("cannot start the supplicant: {e}");
                        return Err(SupplicantError::Io);
                    }
                }
            }
            let Some((ch, _)) = &self.link else {
                return Err(SupplicantError::Io);
            };
            let r = ch
                .send(&msg, &[])
                .and_then(|()| ch.recv(&mut self.buf, &mut Vec::new()));
            match r {
                Ok(Some(n)) => {
                    return oxtee_proto::decode_with_limit::<SupplicantReply>(
                        &self.buf[..n],
                        SUPPLICANT_MAX_MESSAGE,
                    )
                    .map_err(|_| {
                        tracing::error!("the supplicant sent an undecodable answer");
                        self.drop_link();
                        SupplicantError::Io
                    });
                }
                _ => {
                    tracing::warn!(attempt, "lost the supplicant; starting it again");
                    self.drop_link();
                }
            }
        }
        Err(SupplicantError::Io)
    }

    fn drop_link(&mut self) {
        if let Some((ch, mut child)) = self.link.take() {
            drop(ch);
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Send the gathered writes.
    fn flush(&mut self) -> Result<(), SupplicantError> {
        self.pending_bytes = 0;
        for writes in batches(std::mem::take(&mut self.pending)) {
            let r = self.ask(&SupplicantRequest::Write { writes })?;
            Self::done(r)?;
        }
        Ok(())
    }

    /// Forget the read-ahead of `name` (about to change).
    fn invalidate(&mut self, name: &str) {
        if self.cache.as_ref().is_some_and(|(n, _, _)| n == name) {
            self.cache = None;
        }
    }

    /// Read from the supplicant itself (no cache): up to `buf.len()`
    /// bytes at `offset`, short only at the end of the blob.
    fn fetch(&mut self, name: &str, offset: u64, buf: &mut [u8]) -> Result<usize, SupplicantError> {
        let mut n = 0;
        while n < buf.len() {
            let want = (buf.len() - n).min(SUPPLICANT_PIECE);
            match self.ask(&SupplicantRequest::ReadAt {
                name: name.to_owned(),
                offset: offset + n as u64,
                len: want as u32,
            })? {
                // More than asked for is a lie: refuse it.
                SupplicantReply::Data(d) if d.len() <= want => {
                    buf[n..n + d.len()].copy_from_slice(&d);
                    n += d.len();
                    if d.len() < want {
                        break;
                    }
                }
                r => return Self::done(r).and(Err(SupplicantError::Io)),
            }
        }
        Ok(n)
    }

    fn done(r: SupplicantReply) -> Result<(), SupplicantError> {
        match r {
            SupplicantReply::Done => Ok(()),
            SupplicantReply::NotFound => Err(SupplicantError::NotFound),
            SupplicantReply::NoSpace => Err(SupplicantError::NoSpace),
            _ => Err(SupplicantError::Io),
        }
    }
}

impl Drop for RemoteSupplicant {
    fn drop(&mut self) {
        self.drop_link();
    }
}

impl Supplicant for RemoteSupplicant {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        if self.pending.iter().any(|(n, _, _)| n == name) {
            self.flush()?;
        }
        if let Some((n, at, data)) = &self.cache {
            let end = at + data.len() as u64;
            if n == name && offset >= *at && offset + buf.len() as u64 <= end {
                let from = (offset - at) as usize;
                buf.copy_from_slice(&data[from..from + buf.len()]);
                return Ok(buf.len());
            }
        }
        if buf.len() >= READ_AHEAD {
            return self.fetch(name, offset, buf);
        }
        let mut window = vec![0u8; READ_AHEAD];
        let got = self.fetch(name, offset, &mut window)?;
        window.truncate(got);
        let n = got.min(buf.len());
        buf[..n].copy_from_slice(&window[..n]);
        self.cache = Some((name.to_owned(), offset, window));
        Ok(n)
    }

    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        self.invalidate(name);
        match self.pending.last_mut() {
            Some((n, at, d)) if n == name && *at + d.len() as u64 == offset => {
                d.extend_from_slice(data)
            }
            _ => self.pending.push((name.to_owned(), offset, data.to_vec())),
        }
        self.pending_bytes += data.len();
        if self.pending_bytes > WRITE_BEHIND {
            self.flush()?;
        }
        Ok(())
    }

    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        self.flush()?;
        self.invalidate(name);
        let r = self.ask(&SupplicantRequest::SetLen {
            name: name.to_owned(),
            len,
        })?;
        Self::done(r)
    }

    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        self.flush()?;
        match self.ask(&SupplicantRequest::Size {
            name: name.to_owned(),
        })? {
            SupplicantReply::Size(s) => Ok(s),
            r => Self::done(r).and(Err(SupplicantError::Io)),
        }
    }

    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        self.flush()?;
        self.invalidate(name);
        let r = self.ask(&SupplicantRequest::Remove {
            name: name.to_owned(),
        })?;
        Self::done(r)
    }

    fn sync(&mut self, names: &[&str]) -> Result<(), SupplicantError> {
        self.flush()?;
        // In pieces, so that each message keeps to the link's bound.
        for part in names.chunks(oxtee_proto::limits::SUPPLICANT_SYNC_NAMES) {
            let r = self.ask(&SupplicantRequest::Sync {
                names: part.iter().map(|n| n.to_string()).collect(),
            })?;
            Self::done(r)?;
        }
        Ok(())
    }

    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        self.flush()?;
        let mut all: Vec<String> = Vec::new();
        loop {
            let after = all.last().cloned();
            match self.ask(&SupplicantRequest::List {
                after: after.clone(),
            })? {
                SupplicantReply::Names(n) => {
                    // Sorted, after the last one, not too many: else a lie.
                    let sorted = n.windows(2).all(|w| w[0] < w[1])
                        && after
                            .as_ref()
                            .is_none_or(|a| n.first().is_none_or(|f| f > a));
                    if !sorted || n.len() > SUPPLICANT_NAMES {
                        return Err(SupplicantError::Io);
                    }
                    let last = n.len() < SUPPLICANT_NAMES;
                    all.extend(n);
                    if last {
                        return Ok(all);
                    }
                }
                r => return Self::done(r).and(Err(SupplicantError::Io)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(b: &[Vec<BlobWrite>]) -> Vec<(String, u64, Vec<u8>)> {
        b.iter()
            .flatten()
            .map(|w| (w.name.clone(), w.offset, w.data.clone()))
            .collect()
    }

    #[test]
    fn scattered_slots_travel_together_within_the_bounds() {
        // A commit of 1 MiB into slot A of fresh positions: 256 blocks of
        // 4 KiB, every other 4 KiB of the blob, then a node and the
        // directory block in other blobs.
        let mut pending: Vec<_> = (0..256u64)
            .map(|i| ("obj".to_string(), i * 8192, vec![i as u8; 4096]))
            .collect();
        pending.push(("obj".into(), 256 * 8192, vec![1; 4096]));
        pending.push(("dir".into(), 4096, vec![2; 4096]));
        // A contiguous run longer than a piece is cut into pieces.
        pending.push(("big".into(), 7, vec![3; SUPPLICANT_PIECE * 2 + 5]));
        let b = batches(pending.clone());
        // 1 MiB + 8 KiB of small writes: 9 messages, not 258; the big run
        // adds its three pieces.
        assert_eq!(
            b.len(),
            9 + 3,
            "{:?}",
            b.iter().map(Vec::len).collect::<Vec<_>>()
        );
        for m in &b {
            assert!(!m.is_empty() && m.len() <= SUPPLICANT_WRITES);
            assert!(m.iter().map(|w| w.data.len()).sum::<usize>() <= SUPPLICANT_PIECE);
            let req = SupplicantRequest::Write { writes: m.clone() };
            assert!(oxtee_proto::encode_with_limit(&req, SUPPLICANT_MAX_MESSAGE).is_ok());
        }
        // Same writes, same order; the big run's pieces at their offsets.
        let got = flat(&b);
        assert_eq!(got[..258], pending[..258]);
        let big: Vec<_> = got[258..]
            .iter()
            .map(|(n, o, d)| (n.as_str(), *o, d.len()))
            .collect();
        assert_eq!(
            big,
            [
                ("big", 7, SUPPLICANT_PIECE),
                ("big", 7 + SUPPLICANT_PIECE as u64, SUPPLICANT_PIECE),
                ("big", 7 + 2 * SUPPLICANT_PIECE as u64, 5)
            ]
        );
        // Tiny blocks: the count bound cuts before the byte bound.
        let tiny: Vec<_> = (0..200u64)
            .map(|i| ("t".to_string(), i * 512, vec![0; 256]))
            .collect();
        let b = batches(tiny);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), [64, 64, 64, 8]);
        assert!(batches(Vec::new()).is_empty());
    }

    /// A hostile supplicant answering plugin calls: more output than the
    /// TA's buffer, another reply, garbage. The core takes none of it,
    /// and sends a plugin call once (no retry on a new supplicant).
    #[test]
    fn plugin_answers_are_bounded_and_calls_are_not_repeated() {
        let answers = [
            Some(SupplicantReply::Plugin {
                result: 0,
                data: vec![1; 9],
            }),
            Some(SupplicantReply::Data(vec![1; 4])),
            None,
            Some(SupplicantReply::Plugin {
                result: 0xFFFF_0005,
                data: vec![2; 8],
            }),
        ];
        for answer in answers {
            let (core, sup) = Channel::pair().unwrap();
            let child = Command::new("sleep").arg("30").spawn().unwrap();
            let mut r = RemoteSupplicant::new(
                PathBuf::from("/nonexistent"),
                None,
                None,
                std::time::Duration::from_secs(5),
            );
            r.link = Some((core, child));
            let expect = answer.clone();
            let t = std::thread::spawn(move || {
                let mut buf = vec![0u8; SUPPLICANT_MAX_MESSAGE];
                let n = sup.recv(&mut buf, &mut Vec::new()).unwrap().unwrap();
                let req = oxtee_proto::decode::<SupplicantRequest>(&buf[..n]).unwrap();
                assert!(matches!(req, SupplicantRequest::Plugin { cmd: 3, .. }));
                match answer {
                    Some(a) => sup.send(&oxtee_proto::encode(&a).unwrap(), &[]).unwrap(),
                    None => sup.send(b"\xff\xfe garbage", &[]).unwrap(),
                }
                // Nothing more comes on this link.
                sup
            });
            let got = r.plugin([7; 16], 3, 0, vec![0; 8]);
            let _sup = t.join().unwrap();
            match expect {
                Some(SupplicantReply::Plugin { result, data }) if data.len() <= 8 => {
                    assert_eq!(got, Ok((result, data)));
                }
                _ => {
                    assert_eq!(got, Err(SupplicantError::Io));
                    // Not retried: the link is gone, no supplicant started
                    // (its folder does not exist).
                }
            }
        }
    }

    #[test]
    fn a_write_request_beyond_the_bound_is_refused_by_the_supplicant() {
        let dir = std::env::temp_dir().join(format!("oxtee-sup-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (core, sup) = Channel::pair().unwrap();
        let d = dir.clone();
        let t = std::thread::spawn(move || serve(&sup, Some(d), None));
        let ask = |req: &SupplicantRequest| {
            core.send(&oxtee_proto::encode(req).unwrap(), &[]).unwrap();
            let mut buf = vec![0u8; SUPPLICANT_MAX_MESSAGE];
            let n = core.recv(&mut buf, &mut Vec::new()).unwrap().unwrap();
            oxtee_proto::decode_with_limit::<SupplicantReply>(&buf[..n], SUPPLICANT_MAX_MESSAGE)
                .unwrap()
        };
        let w = |i: u64| BlobWrite {
            name: "b".into(),
            offset: i * 2,
            data: vec![i as u8 + 1; 1],
        };
        let too_many = (0..SUPPLICANT_WRITES as u64 + 1).map(w).collect();
        assert_eq!(
            ask(&SupplicantRequest::Write { writes: too_many }),
            SupplicantReply::Failed
        );
        assert_eq!(
            ask(&SupplicantRequest::Size { name: "b".into() }),
            SupplicantReply::Size(None)
        );
        let ok = (0..3).map(w).collect();
        assert_eq!(
            ask(&SupplicantRequest::Write { writes: ok }),
            SupplicantReply::Done
        );
        assert_eq!(
            ask(&SupplicantRequest::ReadAt {
                name: "b".into(),
                offset: 0,
                len: 16
            }),
            SupplicantReply::Data(vec![1, 0, 2, 0, 3])
        );
        drop(core);
        t.join().unwrap().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
