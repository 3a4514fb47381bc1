//! The emulated replay-protected memory block (RPMB).
//!
//! eMMC RPMB (JEDEC eMMC 5.1, 6.6.22): a device holds a few 256-byte
//! blocks, a one-time programmed 32-byte authentication key and a 32-bit
//! write counter that only increases. Every request and response is an
//! [`RpmbFrame`], the part's own 512-byte data frame, so the engine talks
//! to a real part (or tee-supplicant's emulation, through OP-TEE's RPMB
//! RPC) exactly as to [`RpmbDevice`]; authenticated frames carry an
//! HMAC-SHA256 of their bytes 228..512 under the key. A write is accepted
//! only with a valid MAC and the current counter, then the counter
//! increments, and its answer (the result read) carries the new counter
//! under the MAC; counter and data reads echo a caller nonce inside the
//! MAC, so an old answer cannot be replayed.
//!
//! [`RpmbDevice`] is the complete, pure device logic; the daemon only
//! persists [`RpmbDevice::to_bytes`] atomically after every request that
//! changed it (see [`RpmbDevice::handle`]). [`MemRpmb`] keeps it in memory.

use alloc::vec;
use alloc::vec::Vec;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::Error;

/// Bytes of data per RPMB block.
pub const RPMB_DATA_SIZE: usize = 256;
/// Encoded size of an [`RpmbFrame`]: the eMMC's 512-byte data frame.
pub const RPMB_FRAME_SIZE: usize = 512;
/// Where the fields of a frame lie (JEDEC eMMC 5.1, section 6.6.22):
/// stuff bytes, then the key or MAC, data, nonce, write counter,
/// address, block count, result and request/response type; numbers are
/// big-endian.
pub mod frame_at {
    pub const KEY_MAC: usize = 196;
    pub const DATA: usize = 228;
    pub const NONCE: usize = 484;
    pub const COUNTER: usize = 500;
    pub const ADDRESS: usize = 504;
    pub const BLOCK_COUNT: usize = 506;
    pub const RESULT: usize = 508;
    pub const TYPE: usize = 510;
}

/// Request: program the authentication key (in the key/MAC field); once
/// only. The response is the result read's.
pub const RPMB_REQ_PROGRAM_KEY: u16 = 0x0001;
/// Request: read the write counter (authenticated answer, nonce echoed).
pub const RPMB_REQ_GET_COUNTER: u16 = 0x0002;
/// Request: authenticated write of one block. The response is the
/// result read's: the result, the new counter, the address, a MAC.
pub const RPMB_REQ_WRITE: u16 = 0x0003;
/// Request: authenticated read of one block (nonce echoed, no counter).
pub const RPMB_REQ_READ: u16 = 0x0004;
/// Request: the result of the last write or key programming.
pub const RPMB_REQ_RESULT_READ: u16 = 0x0005;

/// The response type to a request type (`0x0100` for key programming,
/// `0x0200` for the counter, ...).
pub const fn rpmb_response(req: u16) -> u16 {
    req << 8
}

/// Result: success.
pub const RPMB_OK: u16 = 0;
/// Result: general failure (malformed request).
pub const RPMB_GENERAL_FAILURE: u16 = 1;
/// Result: MAC mismatch.
pub const RPMB_AUTH_FAILURE: u16 = 2;
/// Result: the write counter did not match.
pub const RPMB_COUNTER_FAILURE: u16 = 3;
/// Result: address out of range.
pub const RPMB_ADDRESS_FAILURE: u16 = 4;
/// Result: write refused.
pub const RPMB_WRITE_FAILURE: u16 = 5;
/// Result: no key programmed yet.
pub const RPMB_KEY_NOT_PROGRAMMED: u16 = 7;
/// Set in every result once the write counter has expired.
pub const RPMB_COUNTER_EXPIRED: u16 = 0x80;

/// One request or response: an eMMC RPMB data frame, so that the same
/// frames go to a real part (through the normal world's supplicant) and
/// to the emulations.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RpmbFrame {
    /// Request or response type (`RPMB_REQ_*`, [`rpmb_response`]).
    pub kind: u16,
    /// Result code of a response (`RPMB_OK`, ...).
    pub result: u16,
    /// Block address (in 256-byte blocks).
    pub address: u16,
    /// Blocks in the request.
    pub block_count: u16,
    /// Write counter.
    pub write_counter: u32,
    /// Caller nonce, echoed in read and counter responses.
    pub nonce: [u8; 16],
    /// Block data.
    pub data: [u8; RPMB_DATA_SIZE],
    /// HMAC-SHA256 of bytes 228..512 of the frame (data to type) under
    /// the key; the key itself in a key programming request.
    pub mac: [u8; 32],
}

impl RpmbFrame {
    /// A frame of the given kind with everything else zero.
    pub fn new(kind: u16) -> Self {
        RpmbFrame {
            kind,
            result: 0,
            address: 0,
            block_count: 0,
            write_counter: 0,
            nonce: [0; 16],
            data: [0; RPMB_DATA_SIZE],
            mac: [0; 32],
        }
    }

    /// Encodes the frame (stuff bytes zero).
    pub fn to_bytes(&self) -> [u8; RPMB_FRAME_SIZE] {
        use frame_at::*;
        let mut b = [0u8; RPMB_FRAME_SIZE];
        b[KEY_MAC..DATA].copy_from_slice(&self.mac);
        b[DATA..].copy_from_slice(&self.maced());
        b
    }

    /// Decodes a frame; `None` unless exactly [`RPMB_FRAME_SIZE`] bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        use frame_at::*;
        if b.len() != RPMB_FRAME_SIZE {
            return None;
        }
        let be16 = |at: usize| u16::from_be_bytes([b[at], b[at + 1]]);
        let mut f = RpmbFrame::new(be16(TYPE));
        f.result = be16(RESULT);
        f.address = be16(ADDRESS);
        f.block_count = be16(BLOCK_COUNT);
        f.write_counter =
            u32::from_be_bytes([b[COUNTER], b[COUNTER + 1], b[COUNTER + 2], b[COUNTER + 3]]);
        f.nonce.copy_from_slice(&b[NONCE..COUNTER]);
        f.data.copy_from_slice(&b[DATA..NONCE]);
        f.mac.copy_from_slice(&b[KEY_MAC..DATA]);
        Some(f)
    }

    /// The bytes the MAC covers (228..512 of the frame).
    fn maced(&self) -> [u8; RPMB_FRAME_SIZE - frame_at::DATA] {
        use frame_at::*;
        let mut b = [0u8; RPMB_FRAME_SIZE - DATA];
        let at = |off: usize| off - DATA;
        b[..at(NONCE)].copy_from_slice(&self.data);
        b[at(NONCE)..at(COUNTER)].copy_from_slice(&self.nonce);
        b[at(COUNTER)..at(ADDRESS)].copy_from_slice(&self.write_counter.to_be_bytes());
        b[at(ADDRESS)..at(BLOCK_COUNT)].copy_from_slice(&self.address.to_be_bytes());
        b[at(BLOCK_COUNT)..at(RESULT)].copy_from_slice(&self.block_count.to_be_bytes());
        b[at(RESULT)..at(TYPE)].copy_from_slice(&self.result.to_be_bytes());
        b[at(TYPE)..].copy_from_slice(&self.kind.to_be_bytes());
        b
    }

    /// HMAC-SHA256 of the frame (bytes 228..512) under `key`.
    pub fn compute_mac(&self, key: &[u8; 32]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        m.update(&self.maced());
        m.finalize().into_bytes().into()
    }

    /// Sets `mac` from the other fields.
    pub fn sign(&mut self, key: &[u8; 32]) {
        self.mac = self.compute_mac(key);
    }

    /// Constant-time check of `mac`.
    pub fn verify(&self, key: &[u8; 32]) -> bool {
        self.compute_mac(key).ct_eq(&self.mac).into()
    }

    /// The result without the counter-expired bit.
    pub fn outcome(&self) -> u16 {
        self.result & !RPMB_COUNTER_EXPIRED
    }
}

/// Transport to the RPMB device. The answer is untrusted: the engine
/// checks its MAC, nonce and counter.
pub trait Rpmb {
    /// Sends one request frame and returns the device's response frame
    /// (for a write or a key programming: the frame of the result read
    /// that follows it). An `Err` means no answer (the request may or
    /// may not have taken effect).
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error>;
}

/// The emulated device: key, counter and blocks, plus the request logic.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RpmbDevice {
    key: Option<[u8; 32]>,
    counter: u32,
    blocks: Vec<[u8; RPMB_DATA_SIZE]>,
}

const DEV_MAGIC: &[u8; 8] = b"OXRPMB01";

impl RpmbDevice {
    /// A blank device with `blocks` blocks (at least 1).
    pub fn new(blocks: usize) -> Self {
        RpmbDevice {
            key: None,
            counter: 0,
            blocks: vec![[0; RPMB_DATA_SIZE]; blocks.clamp(1, 0x1_0000)],
        }
    }

    /// The write counter (for tests and diagnostics).
    pub fn write_counter(&self) -> u32 {
        self.counter
    }

    /// Handles one request and returns the response. Returns `true` in
    /// the second field when the device state changed (the daemon must
    /// persist [`RpmbDevice::to_bytes`] atomically before answering).
    pub fn handle(&mut self, req: &RpmbFrame) -> (RpmbFrame, bool) {
        let mut resp = RpmbFrame::new(rpmb_response(req.kind));
        match req.kind {
            RPMB_REQ_GET_COUNTER => resp.nonce = req.nonce,
            RPMB_REQ_READ => {
                resp.nonce = req.nonce;
                resp.address = req.address;
                resp.block_count = 1;
            }
            RPMB_REQ_WRITE => resp.address = req.address,
            _ => {}
        }
        let Some(key) = self.key else {
            if req.kind == RPMB_REQ_PROGRAM_KEY {
                self.key = Some(req.mac);
                resp.result = RPMB_OK;
                return (resp, true);
            }
            resp.result = RPMB_KEY_NOT_PROGRAMMED;
            return (resp, false);
        };
        let mut changed = false;
        match req.kind {
            RPMB_REQ_PROGRAM_KEY => {
                // Once only; the answer carries no MAC.
                resp.result = RPMB_GENERAL_FAILURE;
                return (resp, false);
            }
            RPMB_REQ_GET_COUNTER => {
                resp.write_counter = self.counter;
                resp.result = RPMB_OK;
            }
            RPMB_REQ_READ => match self.blocks.get(usize::from(req.address)) {
                Some(b) => {
                    resp.data = *b;
                    resp.result = RPMB_OK;
                }
                None => resp.result = RPMB_ADDRESS_FAILURE,
            },
            RPMB_REQ_WRITE => {
                resp.result = if !req.verify(&key) {
                    RPMB_AUTH_FAILURE
                } else if req.write_counter != self.counter {
                    RPMB_COUNTER_FAILURE
                } else if req.block_count != 1 {
                    RPMB_GENERAL_FAILURE
                } else if usize::from(req.address) >= self.blocks.len() {
                    RPMB_ADDRESS_FAILURE
                } else if self.counter == u32::MAX {
                    RPMB_WRITE_FAILURE
                } else {
                    self.blocks[usize::from(req.address)] = req.data;
                    self.counter += 1;
                    changed = true;
                    RPMB_OK
                };
                resp.write_counter = self.counter;
            }
            _ => resp.result = RPMB_GENERAL_FAILURE,
        }
        if self.counter == u32::MAX {
            resp.result |= RPMB_COUNTER_EXPIRED;
        }
        resp.sign(&key);
        (resp, changed)
    }

    /// Serialises the device state (for the daemon's persistence).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + 1 + 32 + 4 + 4 + self.blocks.len() * RPMB_DATA_SIZE);
        v.extend_from_slice(DEV_MAGIC);
        v.push(u8::from(self.key.is_some()));
        v.extend_from_slice(&self.key.unwrap_or([0; 32]));
        v.extend_from_slice(&self.counter.to_le_bytes());
        v.extend_from_slice(&(self.blocks.len() as u32).to_le_bytes());
        for b in &self.blocks {
            v.extend_from_slice(b);
        }
        v
    }

    /// Restores a state from [`RpmbDevice::to_bytes`].
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() < 49 || &b[..8] != DEV_MAGIC || b[8] > 1 {
            return None;
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&b[9..41]);
        let counter = u32::from_le_bytes(b[41..45].try_into().ok()?);
        let n = u32::from_le_bytes(b[45..49].try_into().ok()?) as usize;
        if n == 0 || n > 0x1_0000 || b.len() != 49 + n * RPMB_DATA_SIZE {
            return None;
        }
        let blocks = b[49..]
            .chunks_exact(RPMB_DATA_SIZE)
            .map(|c| {
                let mut a = [0u8; RPMB_DATA_SIZE];
                a.copy_from_slice(c);
                a
            })
            .collect();
        Some(RpmbDevice {
            key: (b[8] == 1).then_some(key),
            counter,
            blocks,
        })
    }
}

/// An in-memory RPMB device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemRpmb {
    /// The emulated device.
    pub device: RpmbDevice,
}

impl MemRpmb {
    /// A blank device with one block.
    pub fn new() -> Self {
        MemRpmb {
            device: RpmbDevice::new(1),
        }
    }
}

impl Default for MemRpmb {
    fn default() -> Self {
        Self::new()
    }
}

impl Rpmb for MemRpmb {
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error> {
        Ok(self.device.handle(req).0)
    }
}
