//! `OPTEE_RPC_CMD_RPMB`: an emulated replay-protected memory block (the
//! eMMC RPMB partition OP-TEE's secure storage writes through
//! tee-supplicant), kept in memory and in one file of the storage folder.
//!
//! The request (`optee_rpc_cmd.h`, tee-supplicant's `rpmb.c`): memref 0
//! (in) holds a 6-byte header (`cmd`, `dev_id`, `block_count`, each a
//! native-endian `u16`) and, for a data request, whole 512-byte JEDEC data
//! frames; memref 1 (out) receives the answer: `struct rpmb_dev_info`
//! (19 bytes) for `GET_DEV_INFO`, whole data frames for a data request.
//!
//! A data frame: 196 stuff bytes, the key or MAC (32), data (256), nonce
//! (16), write counter (4), address (2, in 256-byte blocks), block count
//! (2), result (2), request or response type (2); numbers big-endian. The
//! MAC is HMAC-SHA256 under the device key of bytes 228..512 of every frame
//! of a request or response, carried in the last frame.
//!
//! | request type | frames in / out | what the device does |
//! |---|---|---|
//! | key programming (1) | 1 / 1 | store the key once; answer the result read |
//! | write counter read (2) | 1 / 1 | the counter, the request's nonce, a MAC |
//! | authenticated write (3) | 1..=2 / 1 | check MAC, counter, address; write; counter + 1; answer the result read |
//! | authenticated read (4) | 1 / n (`block_count` of the header) | n blocks, the nonce, a MAC over the n frames |
//! | result read (5) | 1 / 1 | the result of the last write or key programming |
//!
//! Results are a real part's: key not yet programmed (7) for anything but
//! key programming before it; a second key programming fails (general
//! failure, 1); a write whose MAC is wrong is an authentication failure
//! (2), one with a stale counter a counter failure (3), one out of the
//! device an address failure (4), one of more blocks than the reliable
//! write size or with inconsistent frames a general failure (1), one that
//! cannot be saved a write failure (5) and changes nothing; reads out of
//! the device answer an address failure in every frame. Once the counter
//! reaches its maximum every result carries the expired bit (0x80) and
//! writes fail. Requests that are not RPMB at all (sizes that are not
//! whole frames, no frame, frame counts a request type does not take,
//! frames of mixed types, bad memrefs) are `TEEC_ERROR_BAD_PARAMETERS`
//! and change nothing; an unknown request type is `TEEC_ERROR_GENERIC`,
//! as tee-supplicant answers.
//!
//! Persistence: the image [`IMAGE`] (the key, the counter, the data and a
//! SHA-256 of them) is made on first use and rewritten after every
//! successful write and key programming, through a temporary file that is
//! synced and renamed over it (and the folder synced), so a restart finds
//! the last acknowledged state. An image that is damaged or made for
//! another size is never replaced: the device answers
//! `TEEC_ERROR_STORAGE_NOT_AVAILABLE` until an administrator acts (a fresh
//! device would hand the counter back to zero). The key lies in the image
//! in the clear: this is a development device, and rollback protection
//! against whoever can write that file needs a real RPMB part.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use nix::fcntl::OFlag;
use oxtee_sys::tee::{Param, attr};
use sha2::{Digest, Sha256};

use crate::{BAD, Result, SharedMem, Supplicant, expect, res};

type HmacSha256 = Hmac<Sha256>;

/// The image file, in the storage folder.
pub const IMAGE: &str = "rpmb.img";
/// The image being written, renamed over [`IMAGE`] once synced.
pub const IMAGE_TMP: &str = "rpmb.img.tmp";

/// One JEDEC data frame.
pub const FRAME: usize = 512;
/// One RPMB block (a frame's data).
pub const BLOCK: usize = 256;
/// The unit of `rpmb_size_mult`.
pub const SIZE_UNIT: usize = 128 << 10;
/// tee-supplicant's emulated size: 2 x 128 KiB.
pub const DEFAULT_SIZE_MULT: u8 = 2;
/// Reliable write sector count (512-byte sectors), as tee-supplicant: one
/// sector, so an authenticated write takes at most two blocks.
pub const REL_WR_SEC_C: u8 = 1;
const MAX_WRITE_BLOCKS: usize = REL_WR_SEC_C as usize * 2;

/// tee-supplicant's emulated CID (a real eMMC part's: Micron "MMC04G").
pub const CID: [u8; 16] = [
    0xfe, 0x01, 0x4e, 0x4d, 0x4d, 0x43, 0x30, 0x34, 0x47, 0x42, 0xc8, 0xf6, 0x55, 0x2a, 0x61, 0x15,
];

/// The header before the frames: cmd, dev_id, block_count.
pub const REQ_HEADER: usize = 6;
/// `struct rpmb_dev_info`: CID, size multiplier, reliable write count,
/// ret code.
pub const DEV_INFO_SIZE: usize = 19;

/// `RPMB_CMD_*` of the header.
pub mod req {
    pub const DATA_REQ: u16 = 0;
    pub const GET_DEV_INFO: u16 = 1;
}

/// Request and response types of a frame.
pub mod msg {
    pub const KEY_PROGRAM: u16 = 0x0001;
    pub const COUNTER_READ: u16 = 0x0002;
    pub const DATA_WRITE: u16 = 0x0003;
    pub const DATA_READ: u16 = 0x0004;
    pub const RESULT_READ: u16 = 0x0005;
    pub const RESP_KEY_PROGRAM: u16 = 0x0100;
    pub const RESP_COUNTER_READ: u16 = 0x0200;
    pub const RESP_DATA_WRITE: u16 = 0x0300;
    pub const RESP_DATA_READ: u16 = 0x0400;
}

/// Operation results of a frame.
pub mod result {
    pub const OK: u16 = 0x00;
    pub const GENERAL_FAILURE: u16 = 0x01;
    pub const AUTH_FAILURE: u16 = 0x02;
    pub const COUNTER_FAILURE: u16 = 0x03;
    pub const ADDRESS_FAILURE: u16 = 0x04;
    pub const WRITE_FAILURE: u16 = 0x05;
    /// Never produced: the emulated part reads from memory.
    #[allow(dead_code)]
    pub const READ_FAILURE: u16 = 0x06;
    pub const KEY_NOT_PROGRAMMED: u16 = 0x07;
    /// Set in every result once the write counter is at its maximum.
    pub const COUNTER_EXPIRED: u16 = 0x80;
}

/// `rpmb_dev_info.ret_code`: OK.
pub const DEV_INFO_OK: u8 = 0;

/// Offsets in a frame: the JEDEC layout the secure world's storage
/// engine builds its frames with (one definition, in `oxtee-storage`).
pub mod off {
    pub use oxtee_storage::rpmb::frame_at::*;
    /// The MAC covers each frame from here to its end.
    pub const MACED: usize = DATA;
}

pub type Frame = [u8; FRAME];

fn get16(f: &Frame, at: usize) -> u16 {
    match f.get(at..at + 2) {
        Some(&[a, b]) => u16::from_be_bytes([a, b]),
        _ => 0,
    }
}

fn get32(f: &Frame, at: usize) -> u32 {
    match f.get(at..at + 4) {
        Some(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => 0,
    }
}

fn put(f: &mut Frame, at: usize, bytes: &[u8]) {
    if let Some(d) = f.get_mut(at..at + bytes.len()) {
        d.copy_from_slice(bytes);
    }
}

fn nonce_of(f: &Frame) -> [u8; 16] {
    let mut n = [0u8; 16];
    n.copy_from_slice(&f[off::NONCE..off::COUNTER]);
    n
}

fn hmac(key: &[u8; 32]) -> Option<HmacSha256> {
    HmacSha256::new_from_slice(key).ok()
}

/// The MAC of `frames` under `key`.
pub fn frames_mac(key: &[u8; 32], frames: &[Frame]) -> Option<[u8; 32]> {
    let mut m = hmac(key)?;
    for f in frames {
        m.update(&f[off::MACED..]);
    }
    Some(m.finalize().into_bytes().into())
}

/// What the result read answers.
#[derive(Clone, Copy, Debug)]
enum LastOp {
    KeyProgram { result: u16 },
    Write { result: u16, address: u16 },
}

/// The emulated part.
struct Emu {
    dir: PathBuf,
    size_mult: u8,
    key: Option<[u8; 32]>,
    counter: u32,
    data: Vec<u8>,
    last: Option<LastOp>,
}

// ------------------------------------------------------------ image file

const MAGIC: &[u8; 8] = b"OXRPMB01";
/// magic, size multiplier, key programmed, 2 zero bytes, counter, key.
const IMAGE_HEADER: usize = 8 + 4 + 4 + 32;
const IMAGE_HASH: usize = 32;

fn image_len(size_mult: u8) -> usize {
    IMAGE_HEADER + usize::from(size_mult) * SIZE_UNIT + IMAGE_HASH
}

fn bad_image(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

impl Emu {
    fn fresh(dir: PathBuf, size_mult: u8) -> Emu {
        Emu {
            dir,
            size_mult,
            key: None,
            counter: 0,
            data: vec![0; usize::from(size_mult) * SIZE_UNIT],
            last: None,
        }
    }

    /// The image of `dir`, or a fresh device saved there when there is
    /// none. The folder is made (0700) if missing.
    fn load(dir: &Path, size_mult: u8) -> io::Result<Emu> {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
        let path = dir.join(IMAGE);
        let mut f = match OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).bits())
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let emu = Emu::fresh(dir.to_path_buf(), size_mult);
                emu.save()?;
                return Ok(emu);
            }
            Err(e) => return Err(e),
        };
        let meta = f.metadata()?;
        let want = image_len(size_mult);
        if !meta.is_file() {
            return Err(bad_image(&path, "not a regular file"));
        }
        if meta.len() != want as u64 {
            return Err(bad_image(
                &path,
                &format!(
                    "{} bytes, a device of {size_mult} x 128 KiB takes {want} \
                     (made for another size, or damaged)",
                    meta.len()
                ),
            ));
        }
        let mut img = vec![0u8; want];
        f.read_exact(&mut img)?;
        let (body, hash) = img.split_at(want - IMAGE_HASH);
        if Sha256::digest(body).as_slice() != hash {
            return Err(bad_image(&path, "checksum mismatch (damaged)"));
        }
        let (head, data) = body.split_at(IMAGE_HEADER);
        if &head[..8] != MAGIC || head[10..12] != [0, 0] || head[9] > 1 {
            return Err(bad_image(&path, "not an oxtee RPMB image"));
        }
        if head[8] != size_mult {
            return Err(bad_image(&path, "made for another size"));
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&head[16..48]);
        let mut counter = [0u8; 4];
        counter.copy_from_slice(&head[12..16]);
        Ok(Emu {
            dir: dir.to_path_buf(),
            size_mult,
            key: (head[9] == 1).then_some(key),
            counter: u32::from_be_bytes(counter),
            data: data.to_vec(),
            last: None,
        })
    }

    fn image(&self) -> Vec<u8> {
        let mut img = Vec::with_capacity(image_len(self.size_mult));
        img.extend_from_slice(MAGIC);
        img.extend_from_slice(&[self.size_mult, u8::from(self.key.is_some()), 0, 0]);
        img.extend_from_slice(&self.counter.to_be_bytes());
        img.extend_from_slice(&self.key.unwrap_or([0; 32]));
        img.extend_from_slice(&self.data);
        let hash = Sha256::digest(&img);
        img.extend_from_slice(&hash);
        img
    }

    /// Write the image: a temporary file, synced, renamed over the image,
    /// the folder synced. The rename is the commit: an error before it
    /// leaves the old image, none after it is reported (the new image is
    /// in place; a folder that cannot be synced is only logged).
    fn save(&self) -> io::Result<()> {
        let tmp = self.dir.join(IMAGE_TMP);
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).bits())
            .open(&tmp)?;
        if !f.metadata()?.is_file() {
            return Err(bad_image(&tmp, "not a regular file"));
        }
        f.write_all(&self.image())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, self.dir.join(IMAGE))?;
        if let Err(e) = File::open(&self.dir).and_then(|d| d.sync_all()) {
            eprintln!(
                "oxtee supplicant: RPMB: syncing {}: {e}",
                self.dir.display()
            );
        }
        Ok(())
    }

    fn save_or_log(&self) -> bool {
        match self.save() {
            Ok(()) => true,
            Err(e) => {
                eprintln!("oxtee supplicant: RPMB image: {e}");
                false
            }
        }
    }

    // -------------------------------------------------------- the part

    fn blocks(&self) -> usize {
        self.data.len() / BLOCK
    }

    fn expired(&self) -> u16 {
        if self.counter == u32::MAX {
            result::COUNTER_EXPIRED
        } else {
            0
        }
    }

    /// Sign `f` (a one-frame response) when there is a key.
    fn sign(&self, f: &mut Frame) {
        if let Some(mac) = self.key.as_ref().and_then(|k| frames_mac(k, &[*f])) {
            put(f, off::KEY_MAC, &mac);
        }
    }

    fn program_key(&mut self, f: &Frame) {
        let result = if self.key.is_some() {
            result::GENERAL_FAILURE
        } else {
            let mut key = [0u8; 32];
            key.copy_from_slice(&f[off::KEY_MAC..off::DATA]);
            self.key = Some(key);
            if self.save_or_log() {
                result::OK
            } else {
                self.key = None;
                result::WRITE_FAILURE
            }
        };
        self.last = Some(LastOp::KeyProgram { result });
    }

    fn counter_read(&self, req: &Frame) -> Frame {
        let mut f = [0u8; FRAME];
        put(&mut f, off::NONCE, &nonce_of(req));
        put(&mut f, off::COUNTER, &self.counter.to_be_bytes());
        put(&mut f, off::TYPE, &msg::RESP_COUNTER_READ.to_be_bytes());
        let r = if self.key.is_some() {
            result::OK
        } else {
            result::KEY_NOT_PROGRAMMED
        };
        put(&mut f, off::RESULT, &(r | self.expired()).to_be_bytes());
        self.sign(&mut f);
        f
    }

    /// An authenticated write of `frames` (one to [`MAX_WRITE_BLOCKS`]).
    fn write(&mut self, frames: &[Frame]) {
        let address = frames.last().map_or(0, |f| get16(f, off::ADDRESS));
        let result = self.try_write(frames, address);
        self.last = Some(LastOp::Write { result, address });
    }

    fn try_write(&mut self, frames: &[Frame], address: u16) -> u16 {
        let Some(last) = frames.last() else {
            return result::GENERAL_FAILURE;
        };
        let Some(key) = self.key else {
            return result::KEY_NOT_PROGRAMMED;
        };
        if self.counter == u32::MAX {
            return result::WRITE_FAILURE;
        }
        let n = frames.len();
        // Every frame names the same write: counter, address, block count.
        let same = frames
            .iter()
            .all(|f| f[off::COUNTER..off::RESULT] == last[off::COUNTER..off::RESULT]);
        if !same || usize::from(get16(last, off::BLOCK_COUNT)) != n || n > MAX_WRITE_BLOCKS {
            return result::GENERAL_FAILURE;
        }
        let start = usize::from(address);
        if start + n > self.blocks() {
            return result::ADDRESS_FAILURE;
        }
        let Some(mut m) = hmac(&key) else {
            return result::GENERAL_FAILURE;
        };
        for f in frames {
            m.update(&f[off::MACED..]);
        }
        if m.verify_slice(&last[off::KEY_MAC..off::DATA]).is_err() {
            return result::AUTH_FAILURE;
        }
        if get32(last, off::COUNTER) != self.counter {
            return result::COUNTER_FAILURE;
        }
        let range = start * BLOCK..(start + n) * BLOCK;
        let old = self.data[range.clone()].to_vec();
        for (i, f) in frames.iter().enumerate() {
            let at = (start + i) * BLOCK;
            self.data[at..at + BLOCK].copy_from_slice(&f[off::DATA..off::NONCE]);
        }
        self.counter += 1;
        if self.save_or_log() {
            result::OK
        } else {
            // Not saved: not written.
            self.data[range].copy_from_slice(&old);
            self.counter -= 1;
            result::WRITE_FAILURE
        }
    }

    /// The result read: the last write's or key programming's result.
    fn result_read(&self) -> Frame {
        let mut f = [0u8; FRAME];
        match self.last {
            Some(LastOp::KeyProgram { result }) => {
                put(&mut f, off::TYPE, &msg::RESP_KEY_PROGRAM.to_be_bytes());
                put(
                    &mut f,
                    off::RESULT,
                    &(result | self.expired()).to_be_bytes(),
                );
            }
            last => {
                let (result, address) = match last {
                    Some(LastOp::Write { result, address }) => (result, address),
                    // Nothing written since the device started.
                    _ => (result::GENERAL_FAILURE, 0),
                };
                put(&mut f, off::TYPE, &msg::RESP_DATA_WRITE.to_be_bytes());
                put(&mut f, off::COUNTER, &self.counter.to_be_bytes());
                put(&mut f, off::ADDRESS, &address.to_be_bytes());
                put(
                    &mut f,
                    off::RESULT,
                    &(result | self.expired()).to_be_bytes(),
                );
                self.sign(&mut f);
            }
        }
        f
    }

    /// Frame `i` of an authenticated read of `n` blocks at `address`
    /// (without the MAC).
    fn read_frame(&self, address: u16, n: u16, i: usize, nonce: &[u8; 16]) -> Frame {
        let mut f = [0u8; FRAME];
        let start = usize::from(address);
        let r = if self.key.is_none() {
            result::KEY_NOT_PROGRAMMED
        } else if start + usize::from(n) > self.blocks() {
            result::ADDRESS_FAILURE
        } else {
            let at = (start + i) * BLOCK;
            match self.data.get(at..at + BLOCK) {
                Some(d) => {
                    put(&mut f, off::DATA, d);
                    result::OK
                }
                None => result::ADDRESS_FAILURE,
            }
        };
        put(&mut f, off::NONCE, nonce);
        put(&mut f, off::ADDRESS, &address.to_be_bytes());
        put(&mut f, off::BLOCK_COUNT, &n.to_be_bytes());
        put(&mut f, off::RESULT, &(r | self.expired()).to_be_bytes());
        put(&mut f, off::TYPE, &msg::RESP_DATA_READ.to_be_bytes());
        f
    }
}

/// The RPMB service: the size, the folder, the part once loaded.
pub(crate) struct RpmbState {
    dir: PathBuf,
    size_mult: u8,
    emu: Option<Emu>,
}

impl RpmbState {
    pub(crate) fn new(dir: PathBuf, size_mult: u8) -> RpmbState {
        RpmbState {
            dir,
            size_mult,
            emu: None,
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.size_mult != 0
    }

    /// Take the part out (loaded or made on first use); put it back with
    /// `self.emu = Some(..)`.
    fn take(&mut self) -> Result<Emu> {
        if let Some(e) = self.emu.take() {
            return Ok(e);
        }
        Emu::load(&self.dir, self.size_mult).map_err(|e| {
            eprintln!("oxtee supplicant: RPMB: {e}");
            res::STORAGE_NOT_AVAILABLE
        })
    }
}

/// Set the counter in the image of `dir` (for tests of its expiry).
#[cfg(test)]
pub(crate) fn set_image_counter(dir: &Path, size_mult: u8, counter: u32) {
    let mut e = Emu::load(dir, size_mult).unwrap();
    e.counter = counter;
    e.save().unwrap();
}

const REQ_REF: &[u64] = &[attr::MEMREF_INPUT, attr::MEMREF_INOUT];
const RSP_REF: &[u64] = &[attr::MEMREF_OUTPUT, attr::MEMREF_INOUT];

impl<S: SharedMem> Supplicant<S> {
    pub(crate) fn rpmb(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[REQ_REF, RSP_REF])?;
        let req = self.memref_present(&params[0])?;
        let rsp = self.memref_present(&params[1])?;
        let (rid, roff, rlen) = req;
        if rlen < REQ_HEADER {
            return Err(BAD);
        }
        let mut hdr = [0u8; REQ_HEADER];
        self.read_shm(rid, roff, 0, &mut hdr)?;
        let cmd = u16::from_ne_bytes([hdr[0], hdr[1]]);
        // One emulated part whatever the device id, as tee-supplicant's
        // emulation answers.
        let block_count = u16::from_ne_bytes([hdr[4], hdr[5]]);
        match cmd {
            req::GET_DEV_INFO => {
                let (sid, soff, slen) = rsp;
                if rlen != REQ_HEADER || slen != DEV_INFO_SIZE {
                    return Err(BAD);
                }
                let mut info = [0u8; DEV_INFO_SIZE];
                info[..16].copy_from_slice(&CID);
                info[16] = self.rpmb.size_mult;
                info[17] = REL_WR_SEC_C;
                info[18] = DEV_INFO_OK;
                self.write_shm(sid, soff, 0, &info)
            }
            req::DATA_REQ => {
                let mut emu = self.rpmb.take()?;
                let r = self.rpmb_data(&mut emu, req, rsp, block_count);
                self.rpmb.emu = Some(emu);
                r
            }
            _ => Err(BAD),
        }
    }

    /// Frames in, frames out. `req`, `rsp`: the checked memrefs.
    fn rpmb_data(
        &self,
        emu: &mut Emu,
        req: (i32, usize, usize),
        rsp: (i32, usize, usize),
        block_count: u16,
    ) -> Result<()> {
        let (rid, roff, rlen) = req;
        let (sid, soff, slen) = rsp;
        let body = rlen - REQ_HEADER;
        if body == 0 || !body.is_multiple_of(FRAME) || slen == 0 || !slen.is_multiple_of(FRAME) {
            return Err(BAD);
        }
        let n_req = body / FRAME;
        let n_rsp = slen / FRAME;
        let read_frame = |i: usize| -> Result<Frame> {
            let mut f = [0u8; FRAME];
            self.read_shm(rid, roff, REQ_HEADER + i * FRAME, &mut f)?;
            Ok(f)
        };
        let first = read_frame(0)?;
        let kind = get16(&first, off::TYPE);
        let single = n_req == 1 && n_rsp == 1;
        match kind {
            msg::KEY_PROGRAM if single => {
                emu.program_key(&first);
                self.write_shm(sid, soff, 0, &emu.result_read())
            }
            msg::COUNTER_READ if single => self.write_shm(sid, soff, 0, &emu.counter_read(&first)),
            msg::RESULT_READ if single => self.write_shm(sid, soff, 0, &emu.result_read()),
            msg::DATA_WRITE if n_rsp == 1 => {
                if n_req > MAX_WRITE_BLOCKS {
                    // More than the part writes reliably: refused by the
                    // part, frames unread.
                    emu.last = Some(LastOp::Write {
                        result: result::GENERAL_FAILURE,
                        address: get16(&first, off::ADDRESS),
                    });
                } else {
                    let mut frames = vec![first];
                    for i in 1..n_req {
                        let f = read_frame(i)?;
                        if get16(&f, off::TYPE) != kind {
                            return Err(BAD);
                        }
                        frames.push(f);
                    }
                    emu.write(&frames);
                }
                self.write_shm(sid, soff, 0, &emu.result_read())
            }
            msg::DATA_READ if n_req == 1 => {
                // The header says how many blocks; the answer must hold
                // exactly that many frames.
                let n = u16::try_from(n_rsp).map_err(|_| BAD)?;
                if block_count != n {
                    return Err(BAD);
                }
                let address = get16(&first, off::ADDRESS);
                let nonce = nonce_of(&first);
                let mut mac = emu.key.as_ref().and_then(hmac);
                for i in 0..n_rsp {
                    let mut f = emu.read_frame(address, n, i, &nonce);
                    if let Some(m) = mac.as_mut() {
                        m.update(&f[off::MACED..]);
                    }
                    if i + 1 == n_rsp {
                        if let Some(m) = mac.take() {
                            put(&mut f, off::KEY_MAC, &m.finalize().into_bytes());
                        }
                    }
                    self.write_shm(sid, soff, i * FRAME, &f)?;
                }
                Ok(())
            }
            msg::KEY_PROGRAM
            | msg::COUNTER_READ
            | msg::RESULT_READ
            | msg::DATA_WRITE
            | msg::DATA_READ => Err(BAD),
            _ => Err(res::GENERIC),
        }
    }
}
