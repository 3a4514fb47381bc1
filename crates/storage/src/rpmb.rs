//! The emulated replay-protected memory block (RPMB).
//!
//! Modelled on eMMC RPMB: a device holds a few 256-byte blocks, a one-time
//! programmed 32-byte authentication key and a 32-bit write counter that
//! only increases. Every request and response is an [`RpmbFrame`];
//! authenticated ones carry an HMAC-SHA256 over all other fields under the
//! key. A write is accepted only with a valid MAC and the current counter,
//! then the counter increments; reads echo a caller nonce inside the MAC,
//! so an old answer cannot be replayed.
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
/// Encoded size of an [`RpmbFrame`].
pub const RPMB_FRAME_SIZE: usize = 2 + 2 + 2 + 4 + 16 + RPMB_DATA_SIZE + 32;

/// Request: program the authentication key (data\[..32\]); once only.
pub const RPMB_REQ_PROGRAM_KEY: u16 = 0x0001;
/// Request: read the write counter (authenticated answer).
pub const RPMB_REQ_GET_COUNTER: u16 = 0x0002;
/// Request: authenticated write of one block.
pub const RPMB_REQ_WRITE: u16 = 0x0003;
/// Request: authenticated read of one block.
pub const RPMB_REQ_READ: u16 = 0x0004;
/// A response's kind is the request's kind with this bit set.
pub const RPMB_RESP: u16 = 0x0100;

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
/// Result: write refused (key already programmed, counter expired).
pub const RPMB_WRITE_FAILURE: u16 = 5;
/// Result: no key programmed yet.
pub const RPMB_KEY_NOT_PROGRAMMED: u16 = 7;

/// One request or response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RpmbFrame {
    /// Request or response kind (`RPMB_REQ_*`, `| RPMB_RESP`).
    pub kind: u16,
    /// Result code of a response (`RPMB_OK`, ...).
    pub result: u16,
    /// Block address.
    pub address: u16,
    /// Write counter.
    pub write_counter: u32,
    /// Caller nonce, echoed in responses.
    pub nonce: [u8; 16],
    /// Block data (or the key for `RPMB_REQ_PROGRAM_KEY`).
    pub data: [u8; RPMB_DATA_SIZE],
    /// HMAC-SHA256 over the fields above.
    pub mac: [u8; 32],
}

impl RpmbFrame {
    /// A frame of the given kind with everything else zero.
    pub fn new(kind: u16) -> Self {
        RpmbFrame {
            kind,
            result: 0,
            address: 0,
            write_counter: 0,
            nonce: [0; 16],
            data: [0; RPMB_DATA_SIZE],
            mac: [0; 32],
        }
    }

    /// Encodes the frame (little endian, fields in declaration order).
    pub fn to_bytes(&self) -> [u8; RPMB_FRAME_SIZE] {
        let mut b = [0u8; RPMB_FRAME_SIZE];
        b[..RPMB_FRAME_SIZE - 32].copy_from_slice(&self.mac_input());
        b[RPMB_FRAME_SIZE - 32..].copy_from_slice(&self.mac);
        b
    }

    /// Decodes a frame; `None` unless exactly [`RPMB_FRAME_SIZE`] bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Self> {
        if b.len() != RPMB_FRAME_SIZE {
            return None;
        }
        let mut f = RpmbFrame::new(u16::from_le_bytes([b[0], b[1]]));
        f.result = u16::from_le_bytes([b[2], b[3]]);
        f.address = u16::from_le_bytes([b[4], b[5]]);
        f.write_counter = u32::from_le_bytes([b[6], b[7], b[8], b[9]]);
        f.nonce.copy_from_slice(&b[10..26]);
        f.data.copy_from_slice(&b[26..26 + RPMB_DATA_SIZE]);
        f.mac.copy_from_slice(&b[26 + RPMB_DATA_SIZE..]);
        Some(f)
    }

    fn mac_input(&self) -> [u8; RPMB_FRAME_SIZE - 32] {
        let mut b = [0u8; RPMB_FRAME_SIZE - 32];
        b[0..2].copy_from_slice(&self.kind.to_le_bytes());
        b[2..4].copy_from_slice(&self.result.to_le_bytes());
        b[4..6].copy_from_slice(&self.address.to_le_bytes());
        b[6..10].copy_from_slice(&self.write_counter.to_le_bytes());
        b[10..26].copy_from_slice(&self.nonce);
        b[26..].copy_from_slice(&self.data);
        b
    }

    /// HMAC-SHA256 of the frame (all fields but `mac`) under `key`.
    pub fn compute_mac(&self, key: &[u8; 32]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        m.update(&self.mac_input());
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
}

/// Transport to the RPMB device. The answer is untrusted: the engine
/// checks its MAC, nonce and counter.
pub trait Rpmb {
    /// Sends one request frame and returns the device's response frame.
    /// An `Err` means no answer (the request may or may not have taken
    /// effect).
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
        let mut resp = RpmbFrame::new(req.kind | RPMB_RESP);
        resp.address = req.address;
        resp.nonce = req.nonce;
        let Some(key) = self.key else {
            if req.kind == RPMB_REQ_PROGRAM_KEY {
                let mut k = [0u8; 32];
                k.copy_from_slice(&req.data[..32]);
                self.key = Some(k);
                resp.result = RPMB_OK;
                return (resp, true);
            }
            resp.result = RPMB_KEY_NOT_PROGRAMMED;
            return (resp, false);
        };
        resp.write_counter = self.counter;
        let mut changed = false;
        match req.kind {
            RPMB_REQ_PROGRAM_KEY => resp.result = RPMB_WRITE_FAILURE,
            RPMB_REQ_GET_COUNTER => resp.result = RPMB_OK,
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
