//! The channel between the SPMC (the core) and a partition process.
//!
//! Each message on the channel (a SEQPACKET socket) is one [`Frame`]: an
//! FF-A function ID, the sender and receiver IDs and FF-A's five argument
//! registers, as a partition would put them in x0..x7 for an SMC. The
//! only descriptor that ever travels is a memory region's, with
//! `FFA_MEM_RETRIEVE_RESP`.
//!
//! Payloads travel in a region the TA host shares with the partition
//! (`FFA_MEM_SHARE` at start, retrieved by the partition): a direct
//! message's arguments are `[op, header length, bulk length, 0, 0]`; the
//! header (a postcard-encoded message of this module) lies at offset 0,
//! the bulk bytes (object data, a key, an RPMB frame) at [`HEADER_MAX`].
//! Both sides copy out of the region before looking at anything (the
//! other side can write it at any time). The TA host uses `pread` and
//! `pwrite` on its descriptor rather than a mapping: a partition may
//! truncate the region, which must give the core a short read, not a
//! SIGBUS. A partition maps it (its sandbox has no `pread`); only the
//! SPMC truncates it, when the partition is dead.

use oxtee_proto::{StorageCall, StorageReply};
use oxtee_spmc::{Direct, Id};
use oxtee_sys::Mapping;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// What holds a region: a descriptor (the TA host) or a mapping (a
/// partition).
pub trait Region {
    /// Its size.
    fn size(&self) -> u64;
    /// Copy `buf.len()` bytes at `off` out; false if they are not all
    /// there.
    fn read_at(&self, off: u64, buf: &mut [u8]) -> bool;
    /// Copy `data` in at `off`; false if it does not fit.
    fn write_at(&self, off: u64, data: &[u8]) -> bool;
}

/// A region's descriptor and its size.
pub struct FileRegion<'a>(pub &'a File, pub u64);

impl Region for FileRegion<'_> {
    fn size(&self) -> u64 {
        self.1
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> bool {
        self.0.read_exact_at(buf, off).is_ok()
    }
    fn write_at(&self, off: u64, data: &[u8]) -> bool {
        off.saturating_add(data.len() as u64) <= self.1 && self.0.write_all_at(data, off).is_ok()
    }
}

impl Region for Mapping {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> bool {
        usize::try_from(off).is_ok_and(|o| self.read(o, buf))
    }
    fn write_at(&self, off: u64, data: &[u8]) -> bool {
        usize::try_from(off).is_ok_and(|o| self.write(o, data))
    }
}
use serde::{Deserialize, Serialize};

/// The TA host (the core itself).
pub const TA_HOST: Id = 0x8001;
/// The storage partition.
pub const STORAGE: Id = 0x8002;
/// The crypto partition.
pub const CRYPTO: Id = 0x8003;

/// FFA_MEM_RETRIEVE_RESP (the region's descriptor rides with it).
pub const MEM_RETRIEVE_RESP: u32 = 0x8400_0075;

/// A frame's size on the channel.
pub const FRAME: usize = 48;

/// Where a payload's bulk bytes start in the region; the header must fit
/// before.
pub const HEADER_MAX: usize = 64 << 10;

/// A request of the TA host (`args[0]` of a direct request).
pub const OP_CALL: u64 = 1;
/// A partition's answer to [`OP_CALL`] (direct response).
pub const OP_ANSWER: u64 = 2;
/// A partition's request for normal-world I/O in the middle of a call
/// (direct response; OP-TEE's RPC return).
pub const OP_RPC: u64 = 3;
/// The TA host's answer to [`OP_RPC`] (direct request: the call goes on).
pub const OP_RPC_ANSWER: u64 = 4;

/// One message on the channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// FF-A function ID (`oxtee_spmc::ffa`).
    pub func: u32,
    pub msg: Direct,
}

impl Frame {
    pub fn to_bytes(&self) -> [u8; FRAME] {
        let mut b = [0u8; FRAME];
        b[0..4].copy_from_slice(&self.func.to_le_bytes());
        b[4..6].copy_from_slice(&self.msg.sender.to_le_bytes());
        b[6..8].copy_from_slice(&self.msg.receiver.to_le_bytes());
        for (i, a) in self.msg.args.iter().enumerate() {
            b[8 + 8 * i..16 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        b
    }

    /// A frame, or `None` for anything but exactly [`FRAME`] bytes.
    pub fn from_bytes(b: &[u8]) -> Option<Frame> {
        if b.len() != FRAME {
            return None;
        }
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let mut args = [0u64; 5];
        for (i, a) in args.iter_mut().enumerate() {
            *a = u64::from_le_bytes(b[8 + 8 * i..16 + 8 * i].try_into().ok()?);
        }
        Some(Frame {
            func: u32::from_le_bytes(b[0..4].try_into().ok()?),
            msg: Direct {
                sender: u16_at(4),
                receiver: u16_at(6),
                args,
            },
        })
    }
}

/// What is wrong with a payload.
#[derive(Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// It does not fit the region.
    TooLarge,
    /// Its lengths point outside the region, or its header does not
    /// decode.
    Malformed,
}

/// Put a payload into `region`: the lengths for `args[1..3]`.
pub fn put<T: Serialize>(
    region: &dyn Region,
    header: &T,
    bulk: &[u8],
) -> Result<[u64; 2], PayloadError> {
    let h =
        oxtee_proto::encode_with_limit(header, HEADER_MAX).map_err(|_| PayloadError::TooLarge)?;
    if (HEADER_MAX as u64).saturating_add(bulk.len() as u64) > region.size() {
        return Err(PayloadError::TooLarge);
    }
    if !region.write_at(0, &h) || !region.write_at(HEADER_MAX as u64, bulk) {
        return Err(PayloadError::Malformed);
    }
    Ok([h.len() as u64, bulk.len() as u64])
}

/// Copy a payload out of `region` (lengths from `args[1..3]`).
pub fn take<T: for<'de> Deserialize<'de>>(
    region: &dyn Region,
    lens: [u64; 2],
) -> Result<(T, Vec<u8>), PayloadError> {
    if lens[0] > HEADER_MAX as u64 || lens[1] > region.size().saturating_sub(HEADER_MAX as u64) {
        return Err(PayloadError::Malformed);
    }
    let mut h = vec![0u8; lens[0] as usize];
    let mut bulk = vec![0u8; lens[1] as usize];
    if !region.read_at(0, &mut h) || !region.read_at(HEADER_MAX as u64, &mut bulk) {
        return Err(PayloadError::Malformed);
    }
    let header = oxtee_proto::decode(&h).map_err(|_| PayloadError::Malformed)?;
    Ok((header, bulk))
}

/// The TA host's requests to the storage partition.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum StorageReq {
    /// Open the store (first request after each start). `huk`: the key
    /// when the configuration holds it inline (else the partition reads
    /// its key file). Handles of this start are `generation << 24 | n`.
    Start {
        generation: u32,
        huk: Option<[u8; 32]>,
    },
    /// Serve a TA's (or the core's own) request; bulk: its input.
    Serve {
        owner: u64,
        ta: [u8; 16],
        call: StorageCall,
    },
    /// Close every handle of `owner` (an instance that went away).
    CloseAll { owner: u64 },
}

/// The storage partition's answers.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum StorageAns {
    /// The store opened, or its GP code and why not.
    Started(Result<(), (u32, String)>),
    /// A request's result; bulk: the bytes a `Read` returns.
    Served(Result<StorageReply, u32>),
    Closed,
}

/// The storage partition's normal-world I/O (OP-TEE's
/// `OPTEE_RPC_CMD_FS` and `OPTEE_RPC_CMD_RPMB`), which the TA host
/// performs.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Rpc {
    ReadAt {
        name: String,
        offset: u64,
        len: u64,
    },
    /// Bulk: the data.
    WriteAt {
        name: String,
        offset: u64,
    },
    SetLen {
        name: String,
        len: u64,
    },
    Size {
        name: String,
    },
    Remove {
        name: String,
    },
    Sync {
        names: Vec<String>,
    },
    List,
    /// Bulk: the request frame.
    Rpmb,
}

/// A blob error as the store knows it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobError {
    NotFound,
    NoSpace,
    Io,
}

/// The TA host's answers to [`Rpc`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum RpcAns {
    Done,
    /// Bulk: the bytes read.
    Read,
    Size(Option<u64>),
    List(Vec<String>),
    Failed(BlobError),
    /// Bulk: the response frame.
    Rpmb,
    /// The RPMB request failed (`no_space`: the device's state could not
    /// be saved for lack of space).
    RpmbFailed {
        no_space: bool,
    },
}

/// A TA's identity as key derivations bind it.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    pub uuid: [u8; 16],
    pub ta_version: u32,
    pub signer: [u8; 32],
}

/// The TA host's requests to the crypto partition.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum CryptoReq {
    /// Load the HUK (first request after each start); as in
    /// [`StorageReq::Start`].
    Start {
        huk: Option<[u8; 32]>,
    },
    /// A key of TA `ta` (system PTA): `binding` is
    /// `oxtee_gp::pta_system`'s SEAL_* with the signer's floor; bulk: the
    /// extra data; `len`: the key's length.
    Derive {
        ta: Identity,
        binding: (u32, u32),
        len: u32,
    },
    RsaPublic,
    /// A signed measurement; bulk: the nonce.
    RsaSign {
        measurement: [u8; 32],
        seed: [u8; 32],
    },
    PsaPublic,
    /// A PSA token; bulk: the encoded claims.
    PsaSign,
}

/// The crypto partition's answers; bulk: the key, signature or token.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum CryptoAns {
    Started(Result<(), String>),
    /// Bulk: the output, or the GP error.
    Done(Result<(), u32>),
    RsaPublic {
        e: Vec<u8>,
        n: Vec<u8>,
    },
}
