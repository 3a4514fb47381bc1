//! The storage partition: the trusted storage engine and its
//! HUK-derived keys, in a process of their own. The TA host sends it the
//! TAs' (and its own) storage requests; the engine's normal-world I/O
//! (blobs, RPMB frames) goes back to the TA host as RPCs inside the
//! request, as OP-TEE's storage goes through the normal world's
//! supplicant. Neither the keys nor a plaintext block ever leave it
//! except as the answers to a TA's own requests.

use crate::link::{Link, LinkError};
use crate::wire::{BlobError, Rpc, RpcAns, StorageAns, StorageReq};
use oxtee_proto::StorageCall;
use oxtee_storage::{Error as StoreError, Rpmb, RpmbFrame, Store, Supplicant, SupplicantError};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

type Shared = Rc<RefCell<Link>>;

/// Blobs through the TA host.
struct Blobs(Shared);
/// The RPMB through the TA host.
struct RpmbLink(Shared);

fn blob_err(e: BlobError) -> SupplicantError {
    match e {
        BlobError::NotFound => SupplicantError::NotFound,
        BlobError::NoSpace => SupplicantError::NoSpace,
        BlobError::Io => SupplicantError::Io,
    }
}

impl Blobs {
    fn ask(&self, rpc: Rpc, bulk: &[u8]) -> Result<(RpcAns, Vec<u8>), SupplicantError> {
        let r = self.0.borrow_mut().rpc::<_, RpcAns>(&rpc, bulk);
        match r {
            Ok((RpcAns::Failed(e), _)) => Err(blob_err(e)),
            Ok(a) => Ok(a),
            Err(e) => {
                tracing::error!("storage partition: RPC failed: {e:?}");
                Err(SupplicantError::Io)
            }
        }
    }

    fn done(&self, rpc: Rpc, bulk: &[u8]) -> Result<(), SupplicantError> {
        match self.ask(rpc, bulk)? {
            (RpcAns::Done, _) => Ok(()),
            _ => Err(SupplicantError::Io),
        }
    }
}

impl Supplicant for Blobs {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        let rpc = Rpc::ReadAt {
            name: name.into(),
            offset,
            len: buf.len() as u64,
        };
        match self.ask(rpc, &[])? {
            (RpcAns::Read, data) if data.len() <= buf.len() => {
                buf[..data.len()].copy_from_slice(&data);
                Ok(data.len())
            }
            _ => Err(SupplicantError::Io),
        }
    }
    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        self.done(
            Rpc::WriteAt {
                name: name.into(),
                offset,
            },
            data,
        )
    }
    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        self.done(
            Rpc::SetLen {
                name: name.into(),
                len,
            },
            &[],
        )
    }
    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        match self.ask(Rpc::Size { name: name.into() }, &[])? {
            (RpcAns::Size(s), _) => Ok(s),
            _ => Err(SupplicantError::Io),
        }
    }
    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        self.done(Rpc::Remove { name: name.into() }, &[])
    }
    fn sync(&mut self, names: &[&str]) -> Result<(), SupplicantError> {
        let names = names.iter().map(|n| n.to_string()).collect();
        self.done(Rpc::Sync { names }, &[])
    }
    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        match self.ask(Rpc::List, &[])? {
            (RpcAns::List(l), _) => Ok(l),
            _ => Err(SupplicantError::Io),
        }
    }
}

impl Rpmb for RpmbLink {
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, StoreError> {
        let r = self
            .0
            .borrow_mut()
            .rpc::<_, RpcAns>(&Rpc::Rpmb, &req.to_bytes());
        match r {
            Ok((RpcAns::Rpmb, frame)) => RpmbFrame::from_bytes(&frame).ok_or(StoreError::Generic),
            Ok((RpcAns::RpmbFailed { no_space: true }, _)) => Err(StoreError::StorageNoSpace),
            Ok(_) => Err(StoreError::Generic),
            Err(e) => {
                tracing::error!("storage partition: RPMB RPC failed: {e:?}");
                Err(StoreError::Generic)
            }
        }
    }
}

type PartitionStore = Store<Blobs, RpmbLink, rand_core::OsRng>;

/// The handle a call names, if any.
fn handle_of(call: &StorageCall) -> Option<u32> {
    match call {
        StorageCall::Close { handle }
        | StorageCall::CloseAndDelete { handle }
        | StorageCall::Rename { handle, .. }
        | StorageCall::Read { handle, .. }
        | StorageCall::Write { handle, .. }
        | StorageCall::Truncate { handle, .. }
        | StorageCall::Seek { handle, .. }
        | StorageCall::Info { handle }
        | StorageCall::RestrictUsage { handle, .. }
        | StorageCall::Attributes { handle } => Some(*handle),
        StorageCall::Open { .. } | StorageCall::Create { .. } | StorageCall::Next { .. } => None,
    }
}

/// TEE_ERROR_STORAGE_NOT_AVAILABLE: a handle of an earlier start of
/// this partition (its objects are intact; the handle is not).
const TEE_ERROR_STORAGE_NOT_AVAILABLE: u32 = 0xF010_0003;
const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;

/// Why the store did not open: its GP code and the explanation the core
/// logs.
pub fn open_error(e: StoreError) -> (u32, String) {
    let why = match e {
        StoreError::Rollback => "the storage files are older than the RPMB write counter (an old \
                                 copy was restored): refusing them"
            .to_string(),
        StoreError::Security => "the storage files or the RPMB state fail authentication \
                                 (tampered, or another hardware-unique key)"
            .to_string(),
        e => format!("{e:?}"),
    };
    (e.code(), why)
}

/// Run the storage partition on `link` until the TA host goes away; the
/// key is read from `huk_file` unless the start request carries it.
pub fn run(link: Link, huk_file: &Path) -> Result<(), LinkError> {
    let link: Shared = Rc::new(RefCell::new(link));
    let mut store: Option<PartitionStore> = None;
    let mut generation = 0u32;
    loop {
        let next = link.borrow_mut().next_call::<StorageReq>();
        let (req, input) = match next {
            Ok(r) => r,
            Err(LinkError::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        match req {
            StorageReq::Start { generation: g, huk } if store.is_none() => {
                generation = g;
                let key = match huk {
                    Some(k) => Ok(zeroize::Zeroizing::new(k)),
                    None => crate::huk::load(huk_file),
                };
                let r = key.map_err(|e| (0xFFFF_0000, e)).and_then(|k| {
                    // From here on the partition reads no file: only its
                    // channel and the region.
                    crate::sandbox()
                        .map_err(|e| (0xFFFF_0000, format!("storage partition sandbox: {e}")))?;
                    Store::open(
                        *k,
                        Blobs(link.clone()),
                        RpmbLink(link.clone()),
                        rand_core::OsRng,
                    )
                    .map_err(open_error)
                });
                let answer = match r {
                    Ok(mut s) => {
                        s.first_handle((g & 0xFF) << 24 | 1);
                        store = Some(s);
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                link.borrow_mut()
                    .answer(&StorageAns::Started(answer), &[])?;
            }
            StorageReq::Start { .. } => {
                return Err(LinkError::Protocol("started twice".into()));
            }
            StorageReq::Serve { owner, ta, call } => {
                let Some(s) = store.as_mut() else {
                    link.borrow_mut()
                        .answer(&StorageAns::Served(Err(TEE_ERROR_BAD_STATE)), &[])?;
                    continue;
                };
                let stale = handle_of(&call).is_some_and(|h| (h >> 24) != (generation & 0xFF));
                let (len_in, out_len) = oxtee_storage::calls::bulk_lengths(&call);
                if len_in != input.len() as u64 || out_len > crate::BULK_MAX as u64 {
                    return Err(LinkError::Protocol("request lengths".into()));
                }
                let mut output = vec![0u8; out_len as usize];
                let r = if stale {
                    Err(TEE_ERROR_STORAGE_NOT_AVAILABLE)
                } else {
                    oxtee_storage::calls::serve(s, owner, &ta, call, &input, &mut output)
                };
                let n = match &r {
                    Ok(oxtee_proto::StorageReply::Read(n)) => (*n as usize).min(output.len()),
                    _ => 0,
                };
                link.borrow_mut()
                    .answer(&StorageAns::Served(r), &output[..n])?;
            }
            StorageReq::CloseAll { owner } => {
                if let Some(s) = store.as_mut() {
                    s.close_all(owner);
                }
                link.borrow_mut().answer(&StorageAns::Closed, &[])?;
            }
        }
    }
}
