//! The trusted storage engine's normal-world side on the TrustZone tier:
//! its blobs through OP-TEE's REE file system RPC (`OPTEE_RPC_CMD_FS`)
//! and its replay-protected anchor through the RPMB RPC
//! (`OPTEE_RPC_CMD_RPMB`), both served by the supplicant (oxtee's, or
//! OP-TEE's tee-supplicant with its emulated RPMB).
//!
//! The engine (`oxtee-storage`) is synchronous: it calls
//! [`Supplicant`] and [`Rpmb`] methods and expects answers. Here each
//! method becomes RPC [`Request`]s handed to a [`Transport`], which the
//! kernel implements by suspending the engine until the normal world has
//! answered (the engine runs on a stack of its own), and the host tests
//! by calling a supplicant directly.
//!
//! Everything the normal world answers is untrusted: sizes are checked
//! against what was asked, a frame must be exactly one frame, names must
//! be text; the engine authenticates the bytes themselves. A lying
//! supplicant can make an operation fail, nothing more.
//!
//! Layout: the blobs are files `oxtee/<name>` of the REE file system
//! (tee-supplicant's `/data/tee`). Requests travel in one buffer of
//! application shared memory ([`SHM_SIZE`]) taken at the first request of
//! an operation and given back, with the files opened meanwhile, by
//! [`Link::release`] when the operation ends: nothing is held across
//! operations, so a supplicant that restarts between them is no trouble.
//! Files are not synced by request: the supplicant opens them `O_SYNC`,
//! as tee-supplicant does, so every write is durable when answered.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use oxtee_gp::{TEE_ERROR_GENERIC, TEE_ERROR_ITEM_NOT_FOUND};
use oxtee_storage::rpmb::{RPMB_FRAME_SIZE, RpmbFrame};
use oxtee_storage::{Error, Rpmb, Supplicant, SupplicantError};

use crate::optee::rpc::{cmd, fs};
use crate::pta::Dir;
use crate::rpc::{Reply, Request, RpcParam, ShmId, ShmKind};

/// `TEE_ERROR_STORAGE_NO_SPACE`.
const TEE_ERROR_STORAGE_NO_SPACE: u32 = 0xFFFF_3041;

/// The folder of the engine's blobs in the REE file system.
pub const FOLDER: &str = "oxtee";
/// The shared buffer of an operation.
pub const SHM_SIZE: u64 = 64 << 10;
/// Where names go in it (a C string), and how long one may be.
const NAME_AT: u64 = 0;
const NAME_ROOM: u64 = 256;
/// Where data goes, and how much per request.
const DATA_AT: u64 = 1024;
const DATA_ROOM: u64 = SHM_SIZE - DATA_AT;
/// Files kept open during an operation.
const OPEN_FILES: usize = 8;
/// The most names a folder listing takes (a supplicant that never ends
/// one is lying).
const MAX_LISTED: usize = 1 << 16;
/// `struct rpmb_req`'s header: command, device id, block count (native
/// `u16`s), then the frames.
const RPMB_HEADER: u64 = 6;
/// `RPMB_CMD_DATA_REQ`.
const RPMB_DATA_REQ: u16 = 0;

/// Sends RPC requests and waits for their answers.
pub trait Transport {
    /// Ask, and wait.
    fn call(&mut self, req: Request) -> Reply;
}

struct State<T> {
    t: T,
    shm: Option<ShmId>,
    /// Open files by blob name (most recent last).
    files: Vec<(String, u64)>,
}

/// The link to the supplicant both halves of the engine's normal-world
/// side share.
pub struct Link<T>(Rc<RefCell<State<T>>>);

impl<T> Clone for Link<T> {
    fn clone(&self) -> Self {
        Link(self.0.clone())
    }
}

fn value(a: u64, b: u64, c: u64, dir: Dir) -> RpcParam {
    RpcParam::Value { a, b, c, dir }
}

fn memref(shm: ShmId, offset: u64, size: u64, dir: Dir) -> RpcParam {
    RpcParam::Memref {
        shm: Some(shm),
        offset,
        size,
        dir,
    }
}

fn sup_error(code: u32) -> SupplicantError {
    match code {
        TEE_ERROR_ITEM_NOT_FOUND => SupplicantError::NotFound,
        TEE_ERROR_STORAGE_NO_SPACE => SupplicantError::NoSpace,
        _ => SupplicantError::Io,
    }
}

impl<T: Transport> Link<T> {
    pub fn new(t: T) -> Link<T> {
        Link(Rc::new(RefCell::new(State {
            t,
            shm: None,
            files: Vec::new(),
        })))
    }

    fn call(&self, req: Request) -> Reply {
        self.0.borrow_mut().t.call(req)
    }

    /// The operation's shared buffer (taken on first use).
    fn shm(&self) -> Result<ShmId, u32> {
        if let Some(s) = self.0.borrow().shm {
            return Ok(s);
        }
        match self.call(Request::ShmAlloc {
            kind: ShmKind::Application,
            size: SHM_SIZE,
        }) {
            Reply::Shm { shm, size } if size >= SHM_SIZE => {
                self.0.borrow_mut().shm = Some(shm);
                Ok(shm)
            }
            // Too small: given back.
            Reply::Shm { shm, .. } => {
                let _ = self.call(Request::ShmFree { shm });
                Err(TEE_ERROR_GENERIC)
            }
            Reply::Failed(c) => Err(c),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    fn put(&self, offset: u64, data: Vec<u8>) -> Result<(), u32> {
        let shm = self.shm()?;
        match self.call(Request::ShmWrite { shm, offset, data }) {
            Reply::Done => Ok(()),
            Reply::Failed(c) => Err(c),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    fn get(&self, offset: u64, len: usize) -> Result<Vec<u8>, u32> {
        let shm = self.shm()?;
        match self.call(Request::ShmRead { shm, offset, len }) {
            Reply::Data(d) if d.len() == len => Ok(d),
            Reply::Failed(c) => Err(c),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    /// A supplicant request; the answer must keep the request's shape.
    fn ask(&self, command: u32, params: Vec<RpcParam>) -> Result<Vec<RpcParam>, u32> {
        let n = params.len();
        match self.call(Request::Supplicant {
            cmd: command,
            params,
        }) {
            Reply::Params(p) if p.len() == n => Ok(p),
            Reply::Failed(c) => Err(c),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    fn fs(&self, params: Vec<RpcParam>) -> Result<Vec<RpcParam>, u32> {
        self.ask(cmd::FS, params)
    }

    /// A path as a C string in the buffer.
    fn put_name(&self, path: &str) -> Result<RpcParam, u32> {
        let mut b = path.as_bytes().to_vec();
        b.push(0);
        let len = b.len() as u64;
        if len > NAME_ROOM {
            return Err(TEE_ERROR_GENERIC);
        }
        self.put(NAME_AT, b)?;
        Ok(memref(self.shm()?, NAME_AT, len, Dir::In))
    }

    /// The handle an OPEN, CREATE or OPENDIR answered.
    fn handle_of(answer: &[RpcParam]) -> Result<u64, u32> {
        match answer.get(2) {
            Some(&RpcParam::Value { a, .. }) => Ok(a),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    /// A handle for blob `name` (opened, or created when `create`).
    fn file(&self, name: &str, create: bool) -> Result<u64, u32> {
        {
            let mut st = self.0.borrow_mut();
            if let Some(i) = st.files.iter().position(|(n, _)| n == name) {
                let f = st.files.remove(i);
                let fd = f.1;
                st.files.push(f);
                return Ok(fd);
            }
        }
        let path = format!("{FOLDER}/{name}");
        let name_ref = self.put_name(&path)?;
        let out = value(0, 0, 0, Dir::Out);
        let opened = self.fs(vec![value(fs::OPEN, 0, 0, Dir::In), name_ref, out]);
        let answer = match opened {
            Err(TEE_ERROR_ITEM_NOT_FOUND) if create => {
                self.fs(vec![value(fs::CREATE, 0, 0, Dir::In), name_ref, out])?
            }
            r => r?,
        };
        let fd = Self::handle_of(&answer)?;
        let evicted = {
            let mut st = self.0.borrow_mut();
            st.files.push((String::from(name), fd));
            (st.files.len() > OPEN_FILES).then(|| st.files.remove(0))
        };
        if let Some((_, old)) = evicted {
            let _ = self.fs(vec![value(fs::CLOSE, old, 0, Dir::In)]);
        }
        Ok(fd)
    }

    /// Close `name`'s handle if open.
    fn forget(&self, name: &str) {
        let fd = {
            let mut st = self.0.borrow_mut();
            let i = st.files.iter().position(|(n, _)| n == name);
            i.map(|i| st.files.remove(i).1)
        };
        if let Some(fd) = fd {
            let _ = self.fs(vec![value(fs::CLOSE, fd, 0, Dir::In)]);
        }
    }

    /// Bytes read from handle `fd` at `offset` into the buffer: at most
    /// `len` (≤ [`DATA_ROOM`]), as many as the supplicant says it read.
    fn read_piece(&self, fd: u64, offset: u64, len: u64) -> Result<Vec<u8>, u32> {
        let shm = self.shm()?;
        let answer = self.fs(vec![
            value(fs::READ, fd, offset, Dir::In),
            memref(shm, DATA_AT, len, Dir::Out),
        ])?;
        match answer.get(1) {
            Some(&RpcParam::Memref { size, .. }) if size <= len => self.get(DATA_AT, size as usize),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    /// Close what the operation opened and give its buffer back.
    pub fn release(&self) {
        let files = core::mem::take(&mut self.0.borrow_mut().files);
        for (_, fd) in files {
            let _ = self.fs(vec![value(fs::CLOSE, fd, 0, Dir::In)]);
        }
        let shm = self.0.borrow_mut().shm.take();
        if let Some(shm) = shm {
            let _ = self.call(Request::ShmFree { shm });
        }
    }

    /// The blob side of the engine.
    pub fn blobs(&self) -> ReeFs<T> {
        ReeFs(self.clone())
    }

    /// The RPMB side of the engine.
    pub fn rpmb(&self) -> RpcRpmb<T> {
        RpcRpmb(self.clone())
    }
}

/// The engine's blobs as files of the REE file system.
pub struct ReeFs<T>(Link<T>);

impl<T: Transport> Supplicant for ReeFs<T> {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        let l = &self.0;
        let fd = l.file(name, false).map_err(sup_error)?;
        let mut done = 0usize;
        while done < buf.len() {
            let want = ((buf.len() - done) as u64).min(DATA_ROOM);
            let at = offset.checked_add(done as u64).ok_or(SupplicantError::Io)?;
            let got = l.read_piece(fd, at, want).map_err(sup_error)?;
            buf[done..done + got.len()].copy_from_slice(&got);
            done += got.len();
            if (got.len() as u64) < want {
                break;
            }
        }
        Ok(done)
    }

    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        let l = &self.0;
        let fd = l.file(name, true).map_err(sup_error)?;
        let shm = l.shm().map_err(sup_error)?;
        for (i, piece) in data.chunks(DATA_ROOM as usize).enumerate() {
            let at = offset
                .checked_add(i as u64 * DATA_ROOM)
                .ok_or(SupplicantError::NoSpace)?;
            l.put(DATA_AT, piece.to_vec()).map_err(sup_error)?;
            l.fs(vec![
                value(fs::WRITE, fd, at, Dir::In),
                memref(shm, DATA_AT, piece.len() as u64, Dir::In),
            ])
            .map_err(sup_error)?;
        }
        Ok(())
    }

    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        let l = &self.0;
        let fd = l.file(name, true).map_err(sup_error)?;
        l.fs(vec![value(fs::TRUNCATE, fd, len, Dir::In)])
            .map(|_| ())
            .map_err(sup_error)
    }

    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        // The REE file system has no stat: the first offset where a
        // one-byte read finds nothing, by doubling then halving.
        if !self.exists(name)? {
            return Ok(None);
        }
        let l = &self.0;
        let fd = l.file(name, false).map_err(sup_error)?;
        let has = |at: u64| -> Result<bool, SupplicantError> {
            Ok(!l.read_piece(fd, at, 1).map_err(sup_error)?.is_empty())
        };
        if !has(0)? {
            return Ok(Some(0));
        }
        let (mut lo, mut hi) = (0u64, 1u64);
        while has(hi)? {
            lo = hi;
            hi = hi.checked_mul(2).ok_or(SupplicantError::Io)?;
        }
        // A byte at lo, none at hi.
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if has(mid)? {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(Some(hi))
    }

    fn exists(&mut self, name: &str) -> Result<bool, SupplicantError> {
        match self.0.file(name, false) {
            Ok(_) => Ok(true),
            Err(TEE_ERROR_ITEM_NOT_FOUND) => Ok(false),
            Err(c) => Err(sup_error(c)),
        }
    }

    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        let l = &self.0;
        l.forget(name);
        let name_ref = l.put_name(&format!("{FOLDER}/{name}")).map_err(sup_error)?;
        match l.fs(vec![value(fs::REMOVE, 0, 0, Dir::In), name_ref]) {
            Ok(_) | Err(TEE_ERROR_ITEM_NOT_FOUND) => Ok(()),
            Err(c) => Err(sup_error(c)),
        }
    }

    fn sync(&mut self, _names: &[&str]) -> Result<(), SupplicantError> {
        // Every write was durable when answered (O_SYNC files).
        Ok(())
    }

    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        let l = &self.0;
        let name_ref = l.put_name(FOLDER).map_err(sup_error)?;
        let out = value(0, 0, 0, Dir::Out);
        let dir = match l.fs(vec![value(fs::OPENDIR, 0, 0, Dir::In), name_ref, out]) {
            Ok(a) => Link::<T>::handle_of(&a).map_err(sup_error)?,
            // No folder (or an empty one): no blobs.
            Err(TEE_ERROR_ITEM_NOT_FOUND) => return Ok(Vec::new()),
            Err(c) => return Err(sup_error(c)),
        };
        let shm = l.shm().map_err(sup_error)?;
        let mut names = Vec::new();
        let listed = loop {
            if names.len() >= MAX_LISTED {
                break Err(SupplicantError::Io);
            }
            let r = l.fs(vec![
                value(fs::READDIR, dir, 0, Dir::In),
                memref(shm, DATA_AT, NAME_ROOM, Dir::Out),
            ]);
            let size = match r.as_deref() {
                Ok([_, RpcParam::Memref { size, .. }]) if *size <= NAME_ROOM => *size,
                Err(&TEE_ERROR_ITEM_NOT_FOUND) => break Ok(names),
                Err(&c) => break Err(sup_error(c)),
                Ok(_) => break Err(SupplicantError::Io),
            };
            match l.get(DATA_AT, size as usize) {
                Ok(mut b) => {
                    if let Some(end) = b.iter().position(|&c| c == 0) {
                        b.truncate(end);
                    }
                    // Names that are not text are not the engine's.
                    if let Ok(n) = String::from_utf8(b) {
                        names.push(n);
                    }
                }
                Err(c) => break Err(sup_error(c)),
            }
        };
        let _ = l.fs(vec![value(fs::CLOSEDIR, dir, 0, Dir::In)]);
        listed
    }
}

/// The engine's RPMB through the supplicant: one data request per frame,
/// one frame back.
pub struct RpcRpmb<T>(Link<T>);

impl<T: Transport> Rpmb for RpcRpmb<T> {
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error> {
        let l = &self.0;
        let fail = |_| Error::Generic;
        let shm = l.shm().map_err(fail)?;
        let mut b = Vec::with_capacity(RPMB_HEADER as usize + RPMB_FRAME_SIZE);
        b.extend_from_slice(&RPMB_DATA_REQ.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&req.to_bytes());
        let req_len = b.len() as u64;
        l.put(DATA_AT, b).map_err(fail)?;
        let resp_at = DATA_AT + 1024;
        let frame = RPMB_FRAME_SIZE as u64;
        let answer = l
            .ask(
                cmd::RPMB,
                vec![
                    memref(shm, DATA_AT, req_len, Dir::In),
                    memref(shm, resp_at, frame, Dir::Out),
                ],
            )
            .map_err(fail)?;
        match answer.get(1) {
            Some(&RpcParam::Memref { size, .. }) if size == frame => {}
            _ => return Err(Error::Generic),
        }
        let got = l.get(resp_at, RPMB_FRAME_SIZE).map_err(fail)?;
        RpmbFrame::from_bytes(&got).ok_or(Error::Generic)
    }
}
