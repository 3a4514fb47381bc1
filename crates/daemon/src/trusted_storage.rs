//! Trusted Storage in the core: the secure world's store
//! (`oxtee-storage`, which encrypts, authenticates and commits) over the
//! normal world's files.
//!
//! Three things live on disk under `storage_dir`, none of them trusted:
//! * `objects/`: the store's blobs, kept by the normal-world supplicant
//!   process (`oxtee supplicant`, [`crate::supplicant`]) which the core
//!   asks over a socket: names are the store's opaque hex names, contents
//!   are ciphertext, and the store authenticates everything it reads back;
//! * `rpmb.bin`: the emulated replay-protected memory block
//!   ([`FileRpmb`]): the device state (key, write counter, blocks), saved
//!   atomically before each answer that changed it;
//! * `huk`: the hardware-unique key (32 random bytes created on first
//!   start, mode 0600), unless the configuration gives one.
//!
//! Handles are per TA instance (the owner is the instance id); all of an
//! instance's handles are closed when it goes away.

use crate::LockExt;
use crate::config::Config;
pub use crate::supplicant::{FileSupplicant, RemoteSupplicant};
use oxtee_proto::{CoreToTa, StorageCall, StorageReply};
use oxtee_storage::{
    Error as StoreError, ObjectAttrs, ObjectHandle, Rpmb, RpmbDevice, RpmbFrame, Store,
};
use oxtee_sys::Mapping;
use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;

/// The emulated RPMB: the device logic is the store crate's; this keeps
/// its state in a file of two 512-byte slots (one sector each, written
/// whole), each `seq ‖ len ‖ SHA-256 ‖ state`. A new state goes to the
/// slot not holding the current one and is flushed (fdatasync) before
/// the request is answered, so an acknowledged write survives a crash;
/// on load the slot with the higher sequence number wins. A slot that is
/// neither blank nor intact was changed behind the core's back: refused
/// (SECURITY), never silently replaced by the older slot.
pub struct FileRpmb {
    path: PathBuf,
    device: RpmbDevice,
    file: Option<File>,
    seq: u64,
}

const RPMB_SLOT: usize = 512;
const RPMB_HEAD: usize = 8 + 4 + 32;

fn rpmb_digest(seq: u64, state: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"oxtee-rpmb-slot");
    h.update(seq.to_le_bytes());
    h.update(state);
    h.finalize().into()
}

/// The state in `slot` and its sequence number, if the slot is intact.
fn rpmb_slot(slot: &[u8]) -> Option<(u64, RpmbDevice)> {
    let seq = u64::from_le_bytes(slot.get(..8)?.try_into().ok()?);
    let len = u32::from_le_bytes(slot.get(8..12)?.try_into().ok()?) as usize;
    let state = slot.get(RPMB_HEAD..RPMB_HEAD.checked_add(len)?)?;
    if slot[12..RPMB_HEAD] != rpmb_digest(seq, state) {
        return None;
    }
    Some((seq, RpmbDevice::from_bytes(state)?))
}

impl FileRpmb {
    /// Load the device state (a blank device if there is none). Errors:
    /// the GP code (SECURITY for a file whose slots are both damaged)
    /// and why.
    pub fn open(path: PathBuf) -> Result<FileRpmb, (u32, String)> {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(FileRpmb {
                    path,
                    device: RpmbDevice::new(1),
                    file: None,
                    seq: 0,
                });
            }
            Err(e) => return Err((0xFFFF_0000, format!("{}: {e}", path.display()))),
        };
        let tampered = bytes.len() != 2 * RPMB_SLOT
            || bytes
                .chunks(RPMB_SLOT)
                .any(|c| c.iter().any(|&b| b != 0) && rpmb_slot(c).is_none());
        let best = bytes
            .chunks(RPMB_SLOT)
            .filter_map(rpmb_slot)
            .max_by_key(|(seq, _)| *seq);
        let (Some((seq, device)), false) = (best, tampered) else {
            return Err((
                StoreError::Security.code(),
                format!(
                    "{}: not an RPMB emulation state (tampered?)",
                    path.display()
                ),
            ));
        };
        Ok(FileRpmb {
            path,
            device,
            file: None,
            seq,
        })
    }

    /// Write `state` as the next sequence number and flush it.
    fn save(&mut self, state: &[u8]) -> std::io::Result<()> {
        if state.len() > RPMB_SLOT - RPMB_HEAD {
            return Err(std::io::Error::other("RPMB state too large"));
        }
        if self.file.is_none() {
            let existed = self.path.exists();
            let f = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&self.path)?;
            if !existed {
                f.set_len(2 * RPMB_SLOT as u64)?;
                f.sync_all()?;
                if let Some(dir) = self.path.parent() {
                    File::open(dir)?.sync_all()?;
                }
            }
            self.file = Some(f);
        }
        let seq = self.seq + 1;
        let mut slot = vec![0u8; RPMB_SLOT];
        slot[..8].copy_from_slice(&seq.to_le_bytes());
        slot[8..12].copy_from_slice(&(state.len() as u32).to_le_bytes());
        slot[12..RPMB_HEAD].copy_from_slice(&rpmb_digest(seq, state));
        slot[RPMB_HEAD..RPMB_HEAD + state.len()].copy_from_slice(state);
        let f = self
            .file
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no file"))?;
        use std::os::unix::fs::FileExt;
        f.write_all_at(&slot, (seq % 2) * RPMB_SLOT as u64)?;
        f.sync_data()?;
        self.seq = seq;
        Ok(())
    }
}

impl Rpmb for FileRpmb {
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, StoreError> {
        let mut dev = self.device.clone();
        let (resp, changed) = dev.handle(req);
        if changed {
            if let Err(e) = self.save(&dev.to_bytes()) {
                tracing::error!("cannot save the RPMB state {}: {e}", self.path.display());
                return Err(if e.raw_os_error() == Some(libc::ENOSPC) {
                    StoreError::StorageNoSpace
                } else {
                    StoreError::Generic
                });
            }
        }
        self.device = dev;
        Ok(resp)
    }
}

/// The kernel's random numbers as a `rand_core` generator.
pub struct OsRng;

impl rand_core::RngCore for OsRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }
    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::OsRng.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        rand_core::OsRng.try_fill_bytes(dest)
    }
}

impl rand_core::CryptoRng for OsRng {}

/// The core's store: blobs through the supplicant process.
type CoreStore = Store<RemoteSupplicant, FileRpmb, OsRng>;
/// A store over files in this process (the crash-injection workload).
pub type FileStore = Store<FileSupplicant, FileRpmb, OsRng>;

/// The handle owner of the core's own requests (instance ids start at 1).
const CORE_OWNER: u64 = 0;
/// The object id prefix of installed TAs.
const INSTALLED: &str = "installed-ta/";

fn installed_id(uuid: &[u8; 16]) -> Vec<u8> {
    [INSTALLED.as_bytes(), uuid].concat()
}

/// The hardware-unique key: the configured one, or the key file (created
/// with 32 random bytes, mode 0600, on first start).
pub fn load_huk(cfg: &Config) -> Result<[u8; 32], String> {
    if let Some(hex) = &cfg.huk {
        let b = hex_decode(hex.trim()).ok_or("huk: not 64 hexadecimal digits")?;
        return b
            .try_into()
            .map_err(|_| "huk: not 64 hexadecimal digits".into());
    }
    let path = cfg
        .huk_file
        .clone()
        .unwrap_or_else(|| cfg.storage_dir.join("huk"));
    oxtee_partition::huk::load(&path).map(|k| *k)
}

/// Blobs written before the supplicant had a uid of its own become its.
fn adopt_blobs(objects: &Path, uid: Option<u32>) -> std::io::Result<()> {
    let Some(uid) = uid else { return Ok(()) };
    for e in std::fs::read_dir(objects)? {
        let e = e?;
        let md = e.metadata()?;
        if std::os::unix::fs::MetadataExt::uid(&md) != uid && md.is_file() {
            nix::unistd::chown(
                &e.path(),
                Some(nix::unistd::Uid::from_raw(uid)),
                Some(nix::unistd::Gid::from_raw(uid)),
            )
            .map_err(|e| std::io::Error::from_raw_os_error(e as i32))?;
        }
    }
    Ok(())
}

/// The core's own namespace in the store: the nil UUID (refused as a TA's).
pub const CORE_UUID: [u8; 16] = [0; 16];

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Where the store runs.
#[allow(clippy::large_enum_variant)] // (one per core)
enum Engine {
    /// In the core (the SPD mode).
    Local(CoreStore),
    /// In the storage partition (partitioned mode): the core keeps the
    /// normal-world ends, the supplicant and the RPMB device, and performs
    /// the partition's I/O for it.
    Partition {
        link: crate::partitions::Partition,
        sup: RemoteSupplicant,
        rpmb: FileRpmb,
        /// The HUK when the configuration holds it inline.
        inline: Option<zeroize::Zeroizing<[u8; 32]>>,
    },
}

/// The core's trusted storage: the store, or why it is not available.
pub struct TrustedStorage {
    state: Mutex<Result<Engine, (u32, String)>>,
}

fn done(r: Result<StorageReply, u32>) -> CoreToTa {
    match r {
        Ok(reply) => CoreToTa::StorageDone { result: 0, reply },
        Err(result) => CoreToTa::StorageDone {
            result,
            reply: StorageReply::None,
        },
    }
}

/// TEE_ERROR_STORAGE_NOT_AVAILABLE: the storage partition died while
/// serving the request (or cannot be started).
const TEE_ERROR_STORAGE_NOT_AVAILABLE: u32 = 0xF010_0003;
const TEE_DATA_FLAG_OVERWRITE: u32 = 0x400;
const TEE_TYPE_DATA: u32 = 0xA000_00BF;

fn data_attrs() -> oxtee_proto::StoredAttrs {
    oxtee_proto::StoredAttrs {
        object_type: TEE_TYPE_DATA,
        ..Default::default()
    }
}

/// Perform one of the storage partition's normal-world requests.
fn perform(
    sup: &mut RemoteSupplicant,
    rpmb: &mut FileRpmb,
    q: oxtee_partition::wire::Rpc,
    data: Vec<u8>,
) -> (oxtee_partition::wire::RpcAns, Vec<u8>) {
    use oxtee_partition::wire::{BlobError, Rpc, RpcAns};
    use oxtee_storage::{Supplicant, SupplicantError};
    let failed = |e: SupplicantError| {
        RpcAns::Failed(match e {
            SupplicantError::NotFound => BlobError::NotFound,
            SupplicantError::NoSpace => BlobError::NoSpace,
            SupplicantError::Io => BlobError::Io,
        })
    };
    let unit = |r: Result<(), SupplicantError>| match r {
        Ok(()) => (RpcAns::Done, Vec::new()),
        Err(e) => (failed(e), Vec::new()),
    };
    match q {
        Rpc::ReadAt { name, offset, len } => {
            if len > oxtee_partition::BULK_MAX as u64 {
                return (RpcAns::Failed(BlobError::Io), Vec::new());
            }
            let mut buf = vec![0u8; len as usize];
            match sup.read_at(&name, offset, &mut buf) {
                Ok(n) => {
                    buf.truncate(n.min(buf.len()));
                    (RpcAns::Read, buf)
                }
                Err(e) => (failed(e), Vec::new()),
            }
        }
        Rpc::WriteAt { name, offset } => unit(sup.write_at(&name, offset, &data)),
        Rpc::SetLen { name, len } => unit(sup.set_len(&name, len)),
        Rpc::Size { name } => match sup.size(&name) {
            Ok(s) => (RpcAns::Size(s), Vec::new()),
            Err(e) => (failed(e), Vec::new()),
        },
        Rpc::Remove { name } => unit(sup.remove(&name)),
        Rpc::Sync { names } => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            unit(sup.sync(&names))
        }
        Rpc::List => match sup.list() {
            Ok(l) => (RpcAns::List(l), Vec::new()),
            Err(e) => (failed(e), Vec::new()),
        },
        Rpc::Rpmb => match RpmbFrame::from_bytes(&data).map(|f| rpmb.request(&f)) {
            Some(Ok(resp)) => (RpcAns::Rpmb, resp.to_bytes().to_vec()),
            Some(Err(StoreError::StorageNoSpace)) => {
                (RpcAns::RpmbFailed { no_space: true }, Vec::new())
            }
            _ => (RpcAns::RpmbFailed { no_space: false }, Vec::new()),
        },
    }
}

impl Engine {
    /// Serve `call` of `owner` (instance) of TA `ta`: `input` is its bulk
    /// data, `output` receives what a `Read` returns.
    fn serve(
        &mut self,
        owner: u64,
        ta: &[u8; 16],
        call: StorageCall,
        input: &[u8],
        output: &mut [u8],
    ) -> Result<StorageReply, u32> {
        use oxtee_partition::wire::{StorageAns, StorageReq};
        let (link, sup, rpmb, inline) = match self {
            Engine::Local(s) => {
                return oxtee_storage::calls::serve(s, owner, ta, call, input, output);
            }
            Engine::Partition {
                link,
                sup,
                rpmb,
                inline,
            } => (link, sup, rpmb, inline),
        };
        let req = StorageReq::Serve {
            owner,
            ta: *ta,
            call,
        };
        match Self::ask(link, sup, rpmb, inline, &req, input)? {
            (StorageAns::Served(r), data) => {
                if let Ok(StorageReply::Read(n)) = &r {
                    if *n != data.len() as u64 || data.len() > output.len() {
                        tracing::error!("storage partition: a read answered with the wrong length");
                        return Err(TEE_ERROR_STORAGE_NOT_AVAILABLE);
                    }
                    output[..data.len()].copy_from_slice(&data);
                }
                r
            }
            _ => Err(TEE_ERROR_STORAGE_NOT_AVAILABLE),
        }
    }

    /// One request to the storage partition (started as needed).
    fn ask(
        link: &mut crate::partitions::Partition,
        sup: &mut RemoteSupplicant,
        rpmb: &mut FileRpmb,
        inline: &Option<zeroize::Zeroizing<[u8; 32]>>,
        req: &oxtee_partition::wire::StorageReq,
        input: &[u8],
    ) -> Result<(oxtee_partition::wire::StorageAns, Vec<u8>), u32> {
        use crate::partitions::CallError;
        use oxtee_partition::wire::{StorageAns, StorageReq};
        let huk = inline.as_deref().copied();
        let start = |generation| StorageReq::Start { generation, huk };
        let started = |a: StorageAns| match a {
            StorageAns::Started(r) => r,
            other => Err((0xFFFF_0000, format!("answered {other:?}"))),
        };
        let mut rpc = |q, data| perform(sup, rpmb, q, data);
        match link.call(&start, &started, req, input, &mut rpc) {
            Ok(a) => Ok(a),
            Err(CallError::Refused(code, why)) => {
                tracing::error!("trusted storage is not available (code {code:#x}): {why}");
                Err(code)
            }
            Err(CallError::TooLarge) => Err(TEE_ERROR_BAD_PARAMETERS),
            Err(e) => {
                tracing::error!("storage partition: {e:?}");
                Err(TEE_ERROR_STORAGE_NOT_AVAILABLE)
            }
        }
    }

    fn close_all(&mut self, owner: u64) {
        match self {
            Engine::Local(s) => {
                s.close_all(owner);
            }
            Engine::Partition {
                link,
                sup,
                rpmb,
                inline,
            } => {
                // A partition not running holds no handles.
                if link.running() {
                    let req = oxtee_partition::wire::StorageReq::CloseAll { owner };
                    let _ = Self::ask(link, sup, rpmb, inline, &req, &[]);
                }
            }
        }
    }

    fn supplicant(&mut self) -> &mut RemoteSupplicant {
        match self {
            Engine::Local(s) => s.supplicant(),
            Engine::Partition { sup, .. } => sup,
        }
    }

    /// Open object `id` of the core's namespace: its handle and size.
    fn core_open(&mut self, id: &[u8], flags: u32) -> Result<Option<(u32, u32)>, u32> {
        let call = StorageCall::Open {
            storage_id: oxtee_storage::TEE_STORAGE_PRIVATE,
            id: id.to_vec(),
            flags,
        };
        match self.serve(CORE_OWNER, &CORE_UUID, call, &[], &mut []) {
            Ok(StorageReply::Handle { handle, info }) => Ok(Some((handle, info.data_size))),
            Ok(_) => Err(0xFFFF_0000),
            Err(oxtee_core::codes::TEE_ERROR_ITEM_NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn core_close(&mut self, handle: u32) {
        let close = StorageCall::Close { handle };
        let _ = self.serve(CORE_OWNER, &CORE_UUID, close, &[], &mut []);
    }

    /// Read all `len` bytes of a handle of the core's, and close it.
    fn core_read_all(&mut self, handle: u32, len: u32) -> Result<Vec<u8>, u32> {
        let mut data = vec![0u8; len as usize];
        let call = StorageCall::Read {
            handle,
            len: len as u64,
        };
        let r = self.serve(CORE_OWNER, &CORE_UUID, call, &[], &mut data);
        self.core_close(handle);
        match r {
            Ok(StorageReply::Read(n)) if n == len as u64 => Ok(data),
            Ok(_) => Err(oxtee_core::codes::TEE_ERROR_CORRUPT_OBJECT),
            Err(e) => Err(e),
        }
    }

    /// Create (or replace) object `id` of the core's namespace.
    fn core_write(&mut self, id: &[u8], data: &[u8]) -> Result<(), u32> {
        let call = StorageCall::Create {
            storage_id: oxtee_storage::TEE_STORAGE_PRIVATE,
            id: id.to_vec(),
            flags: oxtee_storage::TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_OVERWRITE,
            attrs: data_attrs(),
            data_len: data.len() as u64,
        };
        match self.serve(CORE_OWNER, &CORE_UUID, call, data, &mut [])? {
            StorageReply::Handle { handle, .. } => {
                self.core_close(handle);
                Ok(())
            }
            _ => Err(0xFFFF_0000),
        }
    }
}

impl TrustedStorage {
    /// Open the store of `cfg`. A store that cannot be opened (a wrong
    /// key, tampered or rolled-back files) is logged and every storage
    /// request is then refused with its code; the rest of the core works.
    ///
    /// With `supplicant_uid` (the core runs as root) the supplicant runs
    /// under that uid and owns only `objects/`; the HUK and the RPMB state
    /// stay readable by the core alone (storage_dir is 0711 then, so the
    /// supplicant can reach `objects/` without listing anything).
    ///
    /// With `partition` (partitioned mode) the store runs in the storage
    /// partition, started here; the core never reads the HUK.
    pub fn open(
        cfg: &Config,
        supplicant_uid: Option<u32>,
        partition: Option<crate::partitions::Partition>,
    ) -> TrustedStorage {
        let state = (|| {
            let dir_mode = if supplicant_uid.is_some() {
                0o711
            } else {
                0o700
            };
            let objects = cfg.storage_dir.join("objects");
            crate::fsperm::private_dir(&cfg.storage_dir, dir_mode, None)
                .and_then(|()| crate::fsperm::private_dir(&objects, 0o700, supplicant_uid))
                .and_then(|()| adopt_blobs(&objects, supplicant_uid))
                .map_err(|e| (0xFFFF_0000, format!("{}: {e}", cfg.storage_dir.display())))?;
            let timeout = std::time::Duration::from_millis(cfg.limits.supplicant_timeout_ms);
            let sup =
                RemoteSupplicant::new(objects, cfg.plugin_dir.clone(), supplicant_uid, timeout);
            let rpmb = FileRpmb::open(cfg.storage_dir.join("rpmb.bin"))?;
            if let Some(link) = partition {
                let inline = match &cfg.huk {
                    Some(_) => Some(zeroize::Zeroizing::new(
                        load_huk(cfg).map_err(|e| (0xFFFF_0000, e))?,
                    )),
                    None => None,
                };
                let mut e = Engine::Partition {
                    link,
                    sup,
                    rpmb,
                    inline,
                };
                // Start it now: a store that cannot open is reported at
                // start, as in the SPD mode.
                if let Engine::Partition {
                    link,
                    sup,
                    rpmb,
                    inline,
                } = &mut e
                {
                    let req = oxtee_partition::wire::StorageReq::CloseAll { owner: CORE_OWNER };
                    match Engine::ask(link, sup, rpmb, inline, &req, &[]) {
                        Ok(_) => {}
                        Err(code) => {
                            return Err((code, "the storage partition refused to start".into()));
                        }
                    }
                }
                return Ok(e);
            }
            let huk = load_huk(cfg).map_err(|e| (0xFFFF_0000, e))?;
            Store::open(huk, sup, rpmb, OsRng)
                .map(Engine::Local)
                .map_err(oxtee_partition::storage::open_error)
        })();
        if let Err((code, why)) = &state {
            tracing::error!(
                "trusted storage is not available (code {code:#x}): {why}; storage dir {}",
                cfg.storage_dir.display()
            );
        }
        TrustedStorage {
            state: Mutex::new(state),
        }
    }

    /// Rollback protection of TA images: the highest `ta_version` this
    /// secure world has accepted for `uuid` is kept in the store (so it is
    /// as rollback-protected as TA objects: RPMB-anchored), under the nil
    /// UUID, which no TA may have (the TA store refuses it). An older
    /// version is refused; a newer one raises the record. Without a store
    /// nothing can be remembered, and the image is refused: a normal world
    /// that breaks the store must not win downgrades by it.
    pub fn ta_version_gate(&self, uuid: &[u8; 16], version: u32) -> Result<(), String> {
        self.version_gate(b"ta-version/", uuid, version)
    }

    /// The same for the `subkey_version` of a subkey that signed a TA
    /// image (OP-TEE keeps these apart from TA versions too: an identity
    /// subkey has its TA's UUID).
    pub fn subkey_version_gate(&self, uuid: &[u8; 16], version: u32) -> Result<(), String> {
        self.version_gate(b"subkey-version/", uuid, version)
    }

    fn version_gate(&self, kind: &[u8], uuid: &[u8; 16], version: u32) -> Result<(), String> {
        let mut guard = self.state.locked();
        let s = guard
            .as_mut()
            .map_err(|(_, why)| format!("trusted storage is unavailable ({why})"))?;
        let id = [kind, uuid].concat();
        let highest = match s.core_open(&id, oxtee_storage::TEE_DATA_FLAG_ACCESS_READ) {
            Ok(Some((h, 4))) => match s.core_read_all(h, 4) {
                Ok(b) => Some(u32::from_le_bytes(b.try_into().expect("4 bytes"))),
                Err(e) => return Err(format!("version record unreadable ({e:#x})")),
            },
            Ok(Some((h, n))) => {
                let _ = s.core_read_all(h, 0);
                return Err(format!("version record unreadable ({n} bytes)"));
            }
            Ok(None) => None,
            Err(e) => return Err(format!("version record unreadable ({e:#x})")),
        };
        match highest {
            Some(h) if version < h => Err(format!(
                "version {version} is older than version {h}, already loaded (rollback)"
            )),
            Some(h) if version == h => Ok(()),
            _ => s
                .core_write(&id, &version.to_le_bytes())
                .map_err(|e| format!("cannot record the version ({e:#x})")),
        }
    }

    /// TAs installed into the store (`oxtee ta install`, OP-TEE's
    /// secure-storage TA management): each signed image as it was
    /// verified at install, object `installed-ta/<uuid>` of the core's
    /// namespace.
    pub fn ta_install(&self, uuid: &[u8; 16], image: &[u8]) -> Result<(), u32> {
        self.with_core(|s| s.core_write(&installed_id(uuid), image))
    }

    /// The image of an installed TA (`None`: not installed).
    pub fn ta_installed_image(&self, uuid: &[u8; 16]) -> Result<Option<Vec<u8>>, u32> {
        self.with_core(|s| {
            match s.core_open(
                &installed_id(uuid),
                oxtee_storage::TEE_DATA_FLAG_ACCESS_READ,
            )? {
                Some((h, len)) => s.core_read_all(h, len).map(Some),
                None => Ok(None),
            }
        })
    }

    /// Remove an installed TA: whether it was installed.
    pub fn ta_uninstall(&self, uuid: &[u8; 16]) -> Result<bool, u32> {
        self.with_core(|s| {
            match s.core_open(
                &installed_id(uuid),
                oxtee_storage::TEE_DATA_FLAG_ACCESS_WRITE_META,
            )? {
                Some((handle, _)) => s
                    .serve(
                        CORE_OWNER,
                        &CORE_UUID,
                        StorageCall::CloseAndDelete { handle },
                        &[],
                        &mut [],
                    )
                    .map(|_| true),
                None => Ok(false),
            }
        })
    }

    /// The UUIDs of the installed TAs.
    pub fn ta_installed(&self) -> Result<Vec<[u8; 16]>, u32> {
        self.with_core(|s| {
            let mut out = Vec::new();
            let mut after = None;
            loop {
                let call = StorageCall::Next {
                    storage_id: oxtee_storage::TEE_STORAGE_PRIVATE,
                    after: after.take(),
                };
                match s.serve(CORE_OWNER, &CORE_UUID, call, &[], &mut []) {
                    Ok(StorageReply::Next { id, .. }) => {
                        if let Some(u) = id
                            .strip_prefix(INSTALLED.as_bytes())
                            .and_then(|u| <[u8; 16]>::try_from(u).ok())
                        {
                            out.push(u);
                        }
                        after = Some(id);
                    }
                    Ok(_) => return Err(0xFFFF_0000),
                    Err(oxtee_core::codes::TEE_ERROR_ITEM_NOT_FOUND) => return Ok(out),
                    Err(e) => return Err(e),
                }
            }
        })
    }

    /// Invoke a supplicant plugin (through the supplicant process, which
    /// also keeps the store's blobs): its result and output.
    pub fn plugin(
        &self,
        uuid: [u8; 16],
        cmd: u32,
        sub_cmd: u32,
        data: Vec<u8>,
    ) -> Result<(u32, Vec<u8>), u32> {
        self.with_core(|s| {
            s.supplicant()
                .plugin(uuid, cmd, sub_cmd, data)
                .map_err(|_| oxtee_core::codes::TEE_ERROR_COMMUNICATION)
        })
    }

    fn with_core<R>(&self, f: impl FnOnce(&mut Engine) -> Result<R, u32>) -> Result<R, u32> {
        let mut guard = self.state.locked();
        match guard.as_mut() {
            Ok(s) => f(s),
            Err((code, _)) => Err(*code),
        }
    }

    /// Whether the store opened.
    pub fn available(&self) -> bool {
        self.state.locked().is_ok()
    }

    /// Close every handle of a TA instance that went away.
    pub fn close_all(&self, owner: u64) {
        if let Ok(s) = self.state.locked().as_mut() {
            s.close_all(owner);
        }
    }

    /// Serve one request of instance `owner` of TA `ta`; `buf` is its call
    /// buffer (bulk data in and out, from offset 0).
    pub fn call(
        &self,
        owner: u64,
        ta: &[u8; 16],
        call: StorageCall,
        buf: Option<&Mapping>,
    ) -> CoreToTa {
        let mut guard = self.state.locked();
        let s = match guard.as_mut() {
            Ok(s) => s,
            Err((code, _)) => return done(Err(*code)),
        };
        let buf_len = buf.map_or(0, |m| m.len() as u64);
        // The bulk data from and to the call buffer (offset 0).
        let (len_in, len_out) = oxtee_storage::calls::bulk_lengths(&call);
        if len_in.max(len_out) > buf_len {
            return done(Err(TEE_ERROR_BAD_PARAMETERS));
        }
        let mut input = vec![0u8; len_in as usize];
        if len_in > 0 && !buf.is_some_and(|m| m.read(0, &mut input)) {
            return done(Err(TEE_ERROR_BAD_PARAMETERS));
        }
        let mut output = vec![0u8; len_out as usize];
        let r = s
            .serve(owner, ta, call, &input, &mut output)
            .and_then(|reply| match reply {
                StorageReply::Read(n) if n > 0 => {
                    if buf.is_some_and(|m| m.write(0, &output[..n as usize])) {
                        Ok(reply)
                    } else {
                        Err(TEE_ERROR_BAD_PARAMETERS)
                    }
                }
                reply => Ok(reply),
            });
        done(r)
    }
}

/// The workload of the crash-injection test (`oxtee storage-torture`, a
/// hidden command): a deterministic sequence of creates, writes,
/// truncates, renames and deletes on a few objects of one TA, a model of
/// what the objects hold after each operation, and a way to read the
/// store back. The test kills a process running the sequence with
/// SIGKILL at random instants and checks that the store opens and holds
/// exactly the state before or after the operation that was running.
pub mod torture {
    use super::*;
    use std::collections::BTreeMap;

    /// The TA the objects belong to, and the key of the test store.
    pub const TA: [u8; 16] = [0x70; 16];
    pub const HUK: [u8; 32] = [0x42; 32];
    const IDS: u8 = 6;

    /// One operation; objects are named by a number.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub enum Op {
        Create { id: u8, data: Vec<u8> },
        Write { id: u8, at: u32, data: Vec<u8> },
        Truncate { id: u8, size: u32 },
        Rename { from: u8, to: u8 },
        Delete { id: u8 },
    }

    /// What the objects hold: id -> data.
    pub type Model = BTreeMap<u8, Vec<u8>>;

    /// Apply `op` to the model.
    pub fn apply_model(m: &mut Model, op: &Op) {
        match op {
            Op::Create { id, data } => {
                m.insert(*id, data.clone());
            }
            Op::Write { id, at, data } => {
                let d = m.entry(*id).or_default();
                let end = *at as usize + data.len();
                if d.len() < end {
                    d.resize(end, 0);
                }
                d[*at as usize..end].copy_from_slice(data);
            }
            Op::Truncate { id, size } => {
                m.entry(*id).or_default().resize(*size as usize, 0);
            }
            Op::Rename { from, to } => {
                if let Some(d) = m.remove(from) {
                    m.insert(*to, d);
                }
            }
            Op::Delete { id } => {
                m.remove(id);
            }
        }
    }

    /// The operations of `seed`, each valid in the state the ones before
    /// it leave.
    pub fn ops(seed: u64, n: usize) -> Vec<Op> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |bound: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % bound.max(1)
        };
        let mut m = Model::new();
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let existing: Vec<u8> = m.keys().copied().collect();
            let free: Vec<u8> = (0..IDS).filter(|i| !m.contains_key(i)).collect();
            let pick = |v: &[u8], r: u64| v[r as usize % v.len()];
            let fill = |len: usize, salt: usize| -> Vec<u8> {
                (0..len).map(|j| (j * 31 + salt * 7 + 1) as u8).collect()
            };
            let op = match (next(10), existing.is_empty(), free.is_empty()) {
                (_, true, _) | (0..=1, _, false) => {
                    let len = next(9000) as usize;
                    Op::Create {
                        id: pick(&free, next(64)),
                        data: fill(len, i),
                    }
                }
                (2..=5, false, _) => {
                    let id = pick(&existing, next(64));
                    let size = m[&id].len() as u64;
                    Op::Write {
                        id,
                        at: next(size + 4000) as u32,
                        data: fill(1 + next(12000) as usize, i),
                    }
                }
                (6..=7, false, _) => {
                    let id = pick(&existing, next(64));
                    Op::Truncate {
                        id,
                        size: next(m[&id].len() as u64 * 2 + 100) as u32,
                    }
                }
                (8, false, false) => Op::Rename {
                    from: pick(&existing, next(64)),
                    to: pick(&free, next(64)),
                },
                _ => Op::Delete {
                    id: pick(&existing, next(64)),
                },
            };
            apply_model(&mut m, &op);
            out.push(op);
        }
        out
    }

    /// The test store in `dir` (objects/ and rpmb.bin).
    pub fn open_store(dir: &Path) -> Result<FileStore, StoreError> {
        let sup = FileSupplicant::new(dir.join("objects")).map_err(|_| StoreError::Generic)?;
        let rpmb = FileRpmb::open(dir.join("rpmb.bin")).map_err(|_| StoreError::Generic)?;
        Store::open(HUK, sup, rpmb, OsRng)
    }

    fn name(id: u8) -> [u8; 5] {
        [b'o', b'b', b'j', b'-', b'0' + id]
    }

    const ALL: u32 = 0x1 | 0x2 | 0x4;

    /// Run `op` on the store (each operation opens and closes its
    /// object; the change is durable when this returns).
    pub fn apply(s: &mut FileStore, op: &Op) -> Result<(), StoreError> {
        let open = |s: &mut FileStore, id: u8| -> Result<ObjectHandle, StoreError> {
            s.open_object(1, &TA, 1, &name(id), ALL).map(|(h, _)| h)
        };
        let data_attrs = ObjectAttrs {
            object_type: 0xA000_00BF,
            object_size: 0,
            max_object_size: 0,
            object_usage: 0xFFFF_FFFF,
            attributes: Vec::new(),
        };
        let h = match op {
            Op::Create { id, data } => {
                s.create(1, &TA, 1, &name(*id), ALL | 0x400, &data_attrs, data)?
            }
            Op::Write { id, at, data } => {
                let h = open(s, *id)?;
                s.seek(1, h, *at as i64, 0)?;
                s.write(1, h, data)?;
                h
            }
            Op::Truncate { id, size } => {
                let h = open(s, *id)?;
                s.truncate(1, h, *size)?;
                h
            }
            Op::Rename { from, to } => {
                let h = open(s, *from)?;
                s.rename(1, h, &name(*to))?;
                h
            }
            Op::Delete { id } => {
                let h = open(s, *id)?;
                return s.close_and_delete(1, h);
            }
        };
        s.close(1, h)
    }

    /// What the store holds, as a model.
    pub fn read_back(s: &mut FileStore) -> Result<Model, StoreError> {
        let mut m = Model::new();
        for id in s.list(&TA, 1)? {
            let n = match id.as_slice() {
                [b'o', b'b', b'j', b'-', d] if (b'0'..b'0' + IDS).contains(d) => d - b'0',
                _ => return Err(StoreError::CorruptObject),
            };
            let (h, info) = s.open_object(1, &TA, 1, &id, 0x1)?;
            let mut data = vec![0u8; info.data_size as usize];
            let got = s.read(1, h, &mut data)?;
            s.close(1, h)?;
            if got != data.len() {
                return Err(StoreError::CorruptObject);
            }
            m.insert(n, data);
        }
        Ok(m)
    }
}
