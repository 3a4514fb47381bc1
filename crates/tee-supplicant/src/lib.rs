//! The normal-world supplicant of a Linux TEE device: a drop-in for
//! OP-TEE's `tee-supplicant` on `/dev/teepriv0`, for oxtee's TrustZone
//! tier (and any OP-TEE system).
//!
//! The secure world asks the normal world for services with RPCs; Linux's
//! OP-TEE driver handles some itself (time, wait queues, kernel memory)
//! and forwards the rest to this process through `TEE_IOC_SUPPL_RECV` /
//! `TEE_IOC_SUPPL_SEND`. What is served, with OP-TEE's command numbers and
//! parameter layouts (`optee_rpc_cmd.h`, [`cmd`]):
//!
//! * `SHM_ALLOC` / `SHM_FREE` of type `APPL`: shared memory allocated
//!   from the driver on the supplicant's own descriptor, mapped here, and
//!   named by its id in later memory references.
//! * `LOAD_TA`: the file `<uuid>.ta` from the TA folders (`ta.rs`), with
//!   tee-supplicant's size query and copy.
//! * `FS`: OP-TEE's REE file system protocol (`fs.rs`) under one folder.
//! * `RPMB`: an emulated eMMC RPMB partition (`rpmb.rs`), as tee-supplicant
//!   built with `RPMB_EMU` offers, for OP-TEE's secure storage on RPMB
//!   (below).
//! * `SOCKET`: the GP sockets of TAs (`sockets.rs`, over the engine in
//!   [`socket`]); each request that may wait for the network runs on a
//!   thread of its own ([`run`] asks the driver for request ids).
//! * Anything else: `TEEC_ERROR_NOT_SUPPORTED`. A real RPMB part
//!   (`/dev/mmcblk*rpmb`), gprof, ftrace and plugins are not served yet.
//!
//! The emulated RPMB behaves as a real part: `GET_DEV_INFO` answers
//! tee-supplicant's emulated CID, a size of [`Config::rpmb_size_mult`] x
//! 128 KiB (default 2, as tee-supplicant) and a reliable write of one
//! sector; the authentication key can be programmed once; authenticated
//! writes need the key's HMAC-SHA256 and the current write counter, which
//! they advance; reads come back with the caller's nonce and a MAC; every
//! address and block count is checked. Unlike tee-supplicant's emulation,
//! which forgets everything when it exits, the part is kept in the file
//! `rpmb.img` of the storage folder (made on first use, replaced
//! atomically after every write and key programming), so the key, the
//! counter and the data survive a restart: oxtee's secure storage anchors
//! its rollback protection in that counter. The key lies in that file in
//! the clear, as on any emulated RPMB: this is a development device, and
//! whoever can rewrite the file can roll the storage back; real protection
//! needs a real part. The REE file system refuses the image's names.
//!
//! What it trusts: nothing the secure world or the driver sends. Every
//! request is checked before it is acted on: parameter counts and types
//! (wrong ones get `TEEC_ERROR_BAD_PARAMETERS`), every memory reference's
//! offset and size against the mapping it names (unknown ids refused),
//! every file name against the storage folder (relative, no `..`, no
//! symbolic link followed), every handle against a bounded table. No input
//! makes it panic or touch memory or files outside what it owns; the
//! worst a lying peer gets is an error code.
//!
//! The request loop is written against [`Device`] (receive a request,
//! send an answer, allocate shared memory), so it is tested on the host
//! with a fake device playing the secure world; [`TeePriv`] is the real
//! one over `oxtee_sys::tee`. Requests are served one at a time, in the
//! driver's synchronous mode (no meta parameter is offered).

#![deny(unsafe_code)]

mod fs;
mod linux;
mod rpmb;
pub mod socket;
mod sockets;
mod ta;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

pub use linux::{TeePriv, run};
pub use oxtee_sys::tee::Param;
use oxtee_sys::tee::{SHM_ID_NONE, attr};

/// OP-TEE's RPC protocol (commands, REE FS operations, shared-memory
/// types): one definition, in the TrustZone tier's ABI crate.
pub use oxtee_tz_abi::optee::rpc::{SHM_TYPE_APPL, SHM_TYPE_KERNEL, cmd, fs as fsop};

/// The TEEC result codes answered.
pub mod res {
    pub use oxtee_gp::{
        TEE_ERROR_ACCESS_CONFLICT as ACCESS_CONFLICT, TEE_ERROR_BAD_PARAMETERS as BAD_PARAMETERS,
        TEE_ERROR_GENERIC as GENERIC, TEE_ERROR_ITEM_NOT_FOUND as ITEM_NOT_FOUND,
        TEE_ERROR_NOT_SUPPORTED as NOT_SUPPORTED, TEE_ERROR_OUT_OF_MEMORY as OUT_OF_MEMORY,
        TEE_ERROR_SHORT_BUFFER as SHORT_BUFFER, TEE_SUCCESS as SUCCESS,
    };
    /// `TEEC_ERROR_STORAGE_NOT_AVAILABLE`: the storage folder cannot be
    /// made or opened.
    pub const STORAGE_NOT_AVAILABLE: u32 = 0xF010_0003;
}

/// The largest single shared-memory allocation served (a TA image is a
/// few MiB; the driver has its own limits too).
pub const MAX_SHM_SIZE: u64 = 64 << 20;
/// How many allocations may be live at once.
pub const MAX_SHM_COUNT: usize = 256;

/// Memory shared with the secure world, as this process sees it: copies
/// in and out, bounds-checked (false when out of range), never a Rust
/// reference over memory someone else may write.
pub trait SharedMem {
    /// Its size in bytes.
    fn size(&self) -> usize;
    /// Copy `dst.len()` bytes from `off`.
    fn read(&self, off: usize, dst: &mut [u8]) -> bool;
    /// Copy `src` to `off`.
    fn write(&self, off: usize, src: &[u8]) -> bool;
}

/// One request of the secure world, as the device delivered it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The RPC command ([`cmd`]).
    pub func: u32,
    /// Its parameters (the device may lie about any of them).
    pub params: Vec<Param>,
}

/// The supplicant's side of a TEE device.
pub trait Device {
    /// Shared memory allocated by [`Device::shm_alloc`]; freed on drop.
    type Shm: SharedMem;
    /// Wait for the next request.
    fn recv(&mut self) -> io::Result<Request>;
    /// Answer the request last received: result and its parameters.
    fn send(&mut self, ret: u32, params: &[Param]) -> io::Result<()>;
    /// Shared memory of at least `size` bytes from the driver, and the id
    /// memory references will name it by.
    fn shm_alloc(&mut self, size: usize) -> io::Result<(i32, Self::Shm)>;
}

/// Where the services look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// TA folders, searched in order for `<uuid>.ta`.
    pub ta_dirs: Vec<PathBuf>,
    /// The root of the REE file system (made, mode 0700, on first use),
    /// which also holds the emulated RPMB's image.
    pub fs_dir: PathBuf,
    /// The emulated RPMB's size in units of 128 KiB (the eMMC's
    /// `RPMB_SIZE_MULT`); 0: no RPMB (`NOT_SUPPORTED`, as tee-supplicant
    /// without one). An image made for another size is refused, never
    /// resized.
    pub rpmb_size_mult: u8,
}

/// tee-supplicant's TA folder.
pub const DEFAULT_TA_DIR: &str = "/lib/optee_armtz";
/// tee-supplicant's REE FS folder.
pub const DEFAULT_FS_DIR: &str = "/data/tee";
/// tee-supplicant's emulated RPMB size: 2 x 128 KiB.
pub const DEFAULT_RPMB_SIZE_MULT: u8 = rpmb::DEFAULT_SIZE_MULT;
/// The emulated RPMB's image, in the storage folder.
pub const RPMB_IMAGE: &str = rpmb::IMAGE;

impl Default for Config {
    fn default() -> Config {
        Config {
            ta_dirs: vec![PathBuf::from(DEFAULT_TA_DIR)],
            fs_dir: PathBuf::from(DEFAULT_FS_DIR),
            rpmb_size_mult: DEFAULT_RPMB_SIZE_MULT,
        }
    }
}

/// A live allocation: the memory and the size the secure world asked
/// for (references are checked against this, never more than mapped).
struct Region<S> {
    mem: S,
    len: usize,
}

/// A checked memory reference: inside the region it names, or absent
/// (the driver's way of saying "no buffer").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Buf {
    Absent,
    Region { id: i32, off: usize, len: usize },
}

/// The supplicant's state: live shared memory, the TA folders, the REE
/// FS's handles, the emulated RPMB.
pub struct Supplicant<S> {
    cfg: Config,
    shm: BTreeMap<i32, Region<S>>,
    fs: fs::FsState,
    rpmb: rpmb::RpmbState,
    /// The TAs' GP sockets (shared with the threads that wait on them).
    sockets: std::sync::Arc<socket::Sockets>,
}

impl<S> std::fmt::Debug for Supplicant<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Supplicant")
            .field("cfg", &self.cfg)
            .field("shm", &self.shm.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

type Result<T> = std::result::Result<T, u32>;

const BAD: u32 = res::BAD_PARAMETERS;

fn is_value(p: &Param) -> bool {
    matches!(
        p.attr,
        attr::VALUE_INPUT | attr::VALUE_OUTPUT | attr::VALUE_INOUT
    )
}

/// Exactly `n` parameters of the given types (each a list of acceptable
/// attributes).
fn expect(params: &[Param], types: &[&[u64]]) -> Result<()> {
    if params.len() != types.len() {
        return Err(BAD);
    }
    for (p, ok) in params.iter().zip(types) {
        if !ok.contains(&p.attr) {
            return Err(BAD);
        }
    }
    Ok(())
}

impl<S: SharedMem> Supplicant<S> {
    pub fn new(cfg: Config) -> Supplicant<S> {
        let fs = fs::FsState::new(cfg.fs_dir.clone());
        let rpmb = rpmb::RpmbState::new(cfg.fs_dir.clone(), cfg.rpmb_size_mult);
        Supplicant {
            cfg,
            shm: BTreeMap::new(),
            fs,
            rpmb,
            sockets: Default::default(),
        }
    }

    /// How many shared-memory allocations are live.
    pub fn shm_count(&self) -> usize {
        self.shm.len()
    }

    /// Serve requests until the device fails (interrupted waits are
    /// retried by the device).
    pub fn serve<D: Device<Shm = S>>(&mut self, dev: &mut D) -> io::Result<()> {
        let trace = std::env::var_os("OXTEE_SUPPLICANT_TRACE").is_some();
        loop {
            self.serve_one(dev, trace)?;
        }
    }

    /// Receive one request, serve it, send the answer (`trace`: a line on
    /// standard error for each).
    pub fn serve_one<D: Device<Shm = S>>(&mut self, dev: &mut D, trace: bool) -> io::Result<()> {
        let mut req = dev.recv()?;
        if trace {
            eprintln!("oxtee supplicant: request {}: {:x?}", req.func, req.params);
        }
        let ret = self.handle(dev, req.func, &mut req.params);
        if trace {
            eprintln!("oxtee supplicant: answer {ret:#x}: {:x?}", req.params);
        }
        dev.send(ret, &req.params)
    }

    /// Serve one request: the result, with `params` updated in place as
    /// the answer (value outputs, memref sizes). Attributes are answered
    /// as received, less any bit outside the type.
    pub fn handle<D: Device<Shm = S>>(
        &mut self,
        dev: &mut D,
        func: u32,
        params: &mut [Param],
    ) -> u32 {
        let valid = params.iter().all(|p| {
            matches!(
                p.attr,
                attr::NONE
                    | attr::VALUE_INPUT
                    | attr::VALUE_OUTPUT
                    | attr::VALUE_INOUT
                    | attr::MEMREF_INPUT
                    | attr::MEMREF_OUTPUT
                    | attr::MEMREF_INOUT
            )
        });
        let r = if !valid {
            Err(BAD)
        } else {
            match func {
                cmd::SHM_ALLOC => self.shm_alloc(dev, params),
                cmd::SHM_FREE => self.shm_free(params),
                cmd::LOAD_TA => self.load_ta(params),
                cmd::FS => self.fs(params),
                cmd::RPMB if self.rpmb.enabled() => self.rpmb(params),
                // (Here it waits in line; `run` gives it a thread.)
                cmd::SOCKET => self.socket_job(params).and_then(|job| {
                    let done = job.run(&self.sockets);
                    match self.socket_done(params, done) {
                        res::SUCCESS => Ok(()),
                        code => Err(code),
                    }
                }),
                // gprof, ftrace, plugins and the commands the driver keeps
                // for itself: not served (yet).
                _ => Err(res::NOT_SUPPORTED),
            }
        };
        for p in params.iter_mut() {
            p.attr &= attr::TYPE_MASK;
        }
        match r {
            Ok(()) => res::SUCCESS,
            Err(code) => code,
        }
    }

    fn shm_alloc<D: Device<Shm = S>>(&mut self, dev: &mut D, params: &mut [Param]) -> Result<()> {
        // The id goes back in the value, so it must be an output.
        expect(params, &[&[attr::VALUE_INOUT]])?;
        let v = params[0];
        if v.a != SHM_TYPE_APPL || v.b == 0 {
            return Err(BAD);
        }
        if v.b > MAX_SHM_SIZE || self.shm.len() >= MAX_SHM_COUNT {
            return Err(res::OUT_OF_MEMORY);
        }
        let len = usize::try_from(v.b).map_err(|_| res::OUT_OF_MEMORY)?;
        let (id, mem) = dev.shm_alloc(len).map_err(|e| {
            // The driver refused: worth a line (the secure world only
            // sees OUT_OF_MEMORY).
            eprintln!("oxtee supplicant: shared memory of {len} bytes: {e}");
            res::OUT_OF_MEMORY
        })?;
        // A device that hands out less than asked, or an id in use (or
        // negative), is not believed; dropping `mem` gives it back.
        if mem.size() < len || id < 0 || self.shm.contains_key(&id) {
            return Err(res::GENERIC);
        }
        self.shm.insert(id, Region { mem, len });
        params[0].c = id as u64;
        Ok(())
    }

    fn shm_free(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[&[attr::VALUE_INPUT, attr::VALUE_INOUT]])?;
        let v = params[0];
        if v.a != SHM_TYPE_APPL {
            return Err(BAD);
        }
        let id = i32::try_from(v.b).map_err(|_| BAD)?;
        self.shm.remove(&id).map(drop).ok_or(BAD)
    }

    /// Check a memory reference: absent (the driver's "no shared memory"
    /// id), or inside the region it names.
    fn memref(&self, p: &Param) -> Result<Buf> {
        if !matches!(
            p.attr,
            attr::MEMREF_INPUT | attr::MEMREF_OUTPUT | attr::MEMREF_INOUT
        ) {
            return Err(BAD);
        }
        if p.c == SHM_ID_NONE {
            return Ok(Buf::Absent);
        }
        let id = i32::try_from(p.c).map_err(|_| BAD)?;
        let region = self.shm.get(&id).ok_or(BAD)?;
        let off = usize::try_from(p.a).map_err(|_| BAD)?;
        let len = usize::try_from(p.b).map_err(|_| BAD)?;
        match off.checked_add(len) {
            Some(end) if end <= region.len => Ok(Buf::Region { id, off, len }),
            _ => Err(BAD),
        }
    }

    /// A memory reference that must have a buffer.
    fn memref_present(&self, p: &Param) -> Result<(i32, usize, usize)> {
        match self.memref(p)? {
            Buf::Region { id, off, len } => Ok((id, off, len)),
            Buf::Absent => Err(BAD),
        }
    }

    /// Copy out of a checked reference (`at` bytes into it).
    fn read_shm(&self, id: i32, off: usize, at: usize, dst: &mut [u8]) -> Result<()> {
        let r = self.shm.get(&id).ok_or(BAD)?;
        let start = off.checked_add(at).ok_or(BAD)?;
        let end = start.checked_add(dst.len()).ok_or(BAD)?;
        if end > r.len || !r.mem.read(start, dst) {
            return Err(BAD);
        }
        Ok(())
    }

    /// Copy into a checked reference (`at` bytes into it).
    fn write_shm(&self, id: i32, off: usize, at: usize, src: &[u8]) -> Result<()> {
        let r = self.shm.get(&id).ok_or(BAD)?;
        let start = off.checked_add(at).ok_or(BAD)?;
        let end = start.checked_add(src.len()).ok_or(BAD)?;
        if end > r.len || !r.mem.write(start, src) {
            return Err(BAD);
        }
        Ok(())
    }
}

/// The size of the chunks files are copied through.
const CHUNK: usize = 64 << 10;
