//! The store: directory, commit protocol and GP persistent-object semantics.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use rand_core::{CryptoRng, RngCore};

use crate::keys::{Keys, looks_like_ours};
use crate::rpmb::{
    RPMB_DATA_SIZE, RPMB_KEY_NOT_PROGRAMMED, RPMB_OK, RPMB_REQ_GET_COUNTER, RPMB_REQ_PROGRAM_KEY,
    RPMB_REQ_READ, RPMB_REQ_WRITE, Rpmb, RpmbFrame, rpmb_response,
};
use crate::tree::{
    Env, FileCtx, Geometry, HDR_SIZE, REF_SIZE, Ref, TAG_SIZE, Tree, TreeCache, TreeState,
};
use crate::{Error, Stats, Supplicant, SupplicantError};

/// GP `TEE_STORAGE_PRIVATE`: the TA's default private storage.
pub const TEE_STORAGE_PRIVATE: u32 = 0x0000_0001;
/// GP (OP-TEE) `TEE_STORAGE_PRIVATE_REE`: storage kept by the REE.
pub const TEE_STORAGE_PRIVATE_REE: u32 = 0x8000_0000;
/// GP (OP-TEE) `TEE_STORAGE_PRIVATE_RPMB`: storage protected by RPMB.
pub const TEE_STORAGE_PRIVATE_RPMB: u32 = 0x8000_0100;

/// `TEE_DATA_FLAG_ACCESS_READ`.
pub const TEE_DATA_FLAG_ACCESS_READ: u32 = 0x0000_0001;
/// `TEE_DATA_FLAG_ACCESS_WRITE`.
pub const TEE_DATA_FLAG_ACCESS_WRITE: u32 = 0x0000_0002;
/// `TEE_DATA_FLAG_ACCESS_WRITE_META`.
pub const TEE_DATA_FLAG_ACCESS_WRITE_META: u32 = 0x0000_0004;
/// `TEE_DATA_FLAG_SHARE_READ`.
pub const TEE_DATA_FLAG_SHARE_READ: u32 = 0x0000_0010;
/// `TEE_DATA_FLAG_SHARE_WRITE`.
pub const TEE_DATA_FLAG_SHARE_WRITE: u32 = 0x0000_0020;
/// `TEE_DATA_FLAG_OVERWRITE`.
pub const TEE_DATA_FLAG_OVERWRITE: u32 = 0x0000_0400;
/// `TEE_HANDLE_FLAG_PERSISTENT`.
pub const TEE_HANDLE_FLAG_PERSISTENT: u32 = 0x0001_0000;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub const TEE_HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;
/// `TEE_DATA_MAX_POSITION`.
pub const TEE_DATA_MAX_POSITION: u64 = 0xFFFF_FFFF;
/// `TEE_OBJECT_ID_MAX_LEN`.
pub const TEE_OBJECT_ID_MAX_LEN: usize = 64;
/// `TEE_DATA_SEEK_SET`.
pub const TEE_DATA_SEEK_SET: u32 = 0;
/// `TEE_DATA_SEEK_CUR`.
pub const TEE_DATA_SEEK_CUR: u32 = 1;
/// `TEE_DATA_SEEK_END`.
pub const TEE_DATA_SEEK_END: u32 = 2;
/// Largest serialized attribute blob an object may carry.
pub const MAX_ATTRIBUTES_LEN: usize = 64 * 1024;

const ACCESS_MASK: u32 =
    TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_ACCESS_WRITE_META;
const OPEN_MASK: u32 = ACCESS_MASK | TEE_DATA_FLAG_SHARE_READ | TEE_DATA_FLAG_SHARE_WRITE;
const CREATE_MASK: u32 = OPEN_MASK | TEE_DATA_FLAG_OVERWRITE;

/// Size of a directory entry.
const ENTRY_SIZE: usize = 160;
const FRAME_MAGIC: &[u8; 8] = b"OXTSTORE";
const FORMAT_VERSION: u32 = 1;
/// Offset of the engine's HMAC inside the RPMB block.
const FRAME_MAC_OFF: usize = RPMB_DATA_SIZE - 32;

/// Engine configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Physical block (slot) size in bytes, 256..=65536. Fixed when the
    /// store is formatted (recorded in the RPMB frame).
    pub block_size: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config { block_size: 4096 }
    }
}

/// What the crypto layer supplies when creating an object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectAttrs {
    /// GP object type (`TEE_TYPE_*`, `TEE_TYPE_DATA` for pure data).
    pub object_type: u32,
    /// Key size in bits (GP `objectSize`).
    pub object_size: u32,
    /// GP `maxObjectSize`.
    pub max_object_size: u32,
    /// GP `objectUsage`.
    pub object_usage: u32,
    /// Opaque serialized attributes (at most [`MAX_ATTRIBUTES_LEN`]).
    pub attributes: Vec<u8>,
}

/// GP `TEE_ObjectInfo` of a persistent object handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// `objectType`.
    pub object_type: u32,
    /// `objectSize`.
    pub object_size: u32,
    /// `maxObjectSize`.
    pub max_object_size: u32,
    /// `objectUsage`.
    pub object_usage: u32,
    /// `dataSize`.
    pub data_size: u32,
    /// `dataPosition`.
    pub data_position: u32,
    /// `handleFlags`: PERSISTENT | INITIALIZED | the handle's data flags.
    pub handle_flags: u32,
}

/// A persistent object handle (valid for its owner only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectHandle(pub u32);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    ta: [u8; 16],
    sid: u32,
    id: Vec<u8>,
    fid: [u8; 16],
    root: Ref,
    height: u32,
    attr_len: u32,
    data_size: u64,
    object_type: u32,
    object_size: u32,
    max_object_size: u32,
    usage: u32,
}

impl Entry {
    fn encode(&self, out: &mut [u8]) {
        out.fill(0);
        out[0] = 1;
        out[1..17].copy_from_slice(&self.ta);
        out[17..21].copy_from_slice(&self.sid.to_le_bytes());
        out[21] = self.id.len() as u8;
        out[22..22 + self.id.len()].copy_from_slice(&self.id);
        out[86..102].copy_from_slice(&self.fid);
        self.root.encode(&mut out[102..102 + REF_SIZE]);
        out[122] = self.height as u8;
        out[123..127].copy_from_slice(&self.attr_len.to_le_bytes());
        out[127..135].copy_from_slice(&self.data_size.to_le_bytes());
        out[135..139].copy_from_slice(&self.object_type.to_le_bytes());
        out[139..143].copy_from_slice(&self.object_size.to_le_bytes());
        out[143..147].copy_from_slice(&self.max_object_size.to_le_bytes());
        out[147..151].copy_from_slice(&self.usage.to_le_bytes());
    }

    /// Decodes an entry; `Err` if the (authenticated) bytes are not a
    /// well-formed entry.
    fn decode(b: &[u8], geo: &Geometry) -> Result<Option<Entry>, Error> {
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
        match b[0] {
            0 => return Ok(None),
            1 => {}
            _ => return Err(Error::Security),
        }
        let id_len = usize::from(b[21]);
        if id_len == 0 || id_len > TEE_OBJECT_ID_MAX_LEN {
            return Err(Error::Security);
        }
        let mut ta = [0u8; 16];
        ta.copy_from_slice(&b[1..17]);
        let mut fid = [0u8; 16];
        fid.copy_from_slice(&b[86..102]);
        let e = Entry {
            ta,
            sid: u32_at(17),
            id: b[22..22 + id_len].to_vec(),
            fid,
            root: Ref::decode(&b[102..102 + REF_SIZE]),
            height: u32::from(b[122]),
            attr_len: u32_at(123),
            data_size: u64::from_le_bytes(b[127..135].try_into().expect("8 bytes")),
            object_type: u32_at(135),
            object_size: u32_at(139),
            max_object_size: u32_at(143),
            usage: u32_at(147),
        };
        if !valid_storage(e.sid)
            || e.attr_len as usize > MAX_ATTRIBUTES_LEN
            || e.data_size > TEE_DATA_MAX_POSITION
            || e.height != geo.height_for(geo.blocks_for(e.tree_size(geo)))
        {
            return Err(Error::Security);
        }
        Ok(Some(e))
    }

    fn data_off(&self, geo: &Geometry) -> u64 {
        data_off(self.attr_len, geo)
    }

    fn tree_size(&self, geo: &Geometry) -> u64 {
        self.data_off(geo) + self.data_size
    }

    fn tree(&self, geo: &Geometry) -> TreeState {
        TreeState {
            root: self.root,
            height: self.height,
            size: self.tree_size(geo),
        }
    }

    fn set_tree(&mut self, st: TreeState, geo: &Geometry) {
        self.root = st.root;
        self.height = st.height;
        self.data_size = st.size - self.data_off(geo);
    }

    fn info(&self, h: Option<&Handle>) -> ObjectInfo {
        ObjectInfo {
            object_type: self.object_type,
            object_size: self.object_size,
            max_object_size: self.max_object_size,
            object_usage: self.usage,
            data_size: self.data_size as u32,
            data_position: h.map_or(0, |h| h.pos as u32),
            handle_flags: TEE_HANDLE_FLAG_PERSISTENT
                | TEE_HANDLE_FLAG_INITIALIZED
                | h.map_or(0, |h| h.flags & OPEN_MASK),
        }
    }
}

fn data_off(attr_len: u32, geo: &Geometry) -> u64 {
    u64::from(attr_len).div_ceil(geo.payload as u64) * geo.payload as u64
}

fn valid_storage(sid: u32) -> bool {
    matches!(
        sid,
        TEE_STORAGE_PRIVATE | TEE_STORAGE_PRIVATE_REE | TEE_STORAGE_PRIVATE_RPMB
    )
}

/// GP 1.3.1 section 5.7.1: may a handle with flags `new` coexist with an
/// open handle with flags `existing`?
pub fn sharing_compatible(existing: u32, new: u32) -> bool {
    if (existing | new) & TEE_DATA_FLAG_ACCESS_WRITE_META != 0 {
        return false;
    }
    let permits = |share: u32, access: u32| {
        (access & TEE_DATA_FLAG_ACCESS_READ == 0 || share & TEE_DATA_FLAG_SHARE_READ != 0)
            && (access & TEE_DATA_FLAG_ACCESS_WRITE == 0 || share & TEE_DATA_FLAG_SHARE_WRITE != 0)
    };
    permits(new, existing) && permits(existing, new)
}

struct Handle {
    owner: u64,
    fid: [u8; 16],
    flags: u32,
    pos: u64,
    /// Path nodes and last block of the object as of its current root.
    cache: Option<TreeCache>,
}

struct HandleView {
    flags: u32,
    pos: u64,
}

type Key = ([u8; 16], u32, Vec<u8>);

enum RpmbState {
    Unprogrammed,
    Blank,
    Data(u32, Box<[u8; RPMB_DATA_SIZE]>),
}

/// The trusted storage engine (see the crate documentation).
pub struct Store<S, R, G> {
    sup: S,
    rpmb: R,
    rng: G,
    keys: Keys,
    geo: Geometry,
    /// RPMB write counter of the last commit (= its generation).
    counter: u32,
    dir: TreeState,
    dir_ctx: FileCtx,
    dir_cache: Option<TreeCache>,
    entries: Vec<Option<Entry>>,
    index: BTreeMap<Key, usize>,
    by_fid: BTreeMap<[u8; 16], usize>,
    handles: BTreeMap<u32, Handle>,
    next_handle: u32,
    stats: Stats,
    poisoned: bool,
}

fn map_sup(e: SupplicantError) -> Error {
    match e {
        SupplicantError::NoSpace => Error::StorageNoSpace,
        SupplicantError::NotFound | SupplicantError::Io => Error::Generic,
    }
}

impl<S: Supplicant, R: Rpmb, G: RngCore + CryptoRng> Store<S, R, G> {
    /// Opens the store with the default [`Config`]; see [`Store::open_with`].
    pub fn open(huk: [u8; 32], supplicant: S, rpmb: R, rng: G) -> Result<Self, Error> {
        Self::open_with(Config::default(), huk, supplicant, rpmb, rng)
    }

    /// Opens the store: programs the RPMB key and formats an empty store
    /// on first use, else authenticates the RPMB frame and the whole
    /// directory and removes orphaned blobs (left by a crash).
    ///
    /// Errors: `Security` (tamper, RPMB reset under existing blobs),
    /// `Rollback` (blobs older than the RPMB counter), `BadParameters`
    /// (block size out of range or different from the formatted one).
    pub fn open_with(
        config: Config,
        huk: [u8; 32],
        supplicant: S,
        rpmb: R,
        rng: G,
    ) -> Result<Self, Error> {
        if !(256..=65536).contains(&config.block_size) {
            return Err(Error::BadParameters);
        }
        let keys = Keys::new(&huk);
        let geo = Geometry::new(config.block_size);
        let dir_ctx = FileCtx {
            name: keys.dir_name(),
            cipher: keys.dir_cipher(),
            ta: [0; 16],
            sid: 0,
            fid: [0; 16],
            corrupt: Error::Security,
            stale: Error::Rollback,
        };
        let mut s = Store {
            sup: supplicant,
            rpmb,
            rng,
            keys,
            geo,
            counter: 0,
            dir: TreeState::default(),
            dir_ctx,
            dir_cache: None,
            entries: Vec::new(),
            index: BTreeMap::new(),
            by_fid: BTreeMap::new(),
            handles: BTreeMap::new(),
            next_handle: 1,
            stats: Stats::default(),
            poisoned: false,
        };
        s.load()?;
        s.remove_orphans()?;
        Ok(s)
    }

    /// Number new handles from `first` on (a store opened again after a
    /// restart hands out numbers its predecessor's holders cannot
    /// mistake for their old handles).
    pub fn first_handle(&mut self, first: u32) {
        self.next_handle = first;
    }

    /// Gives back the supplicant and the RPMB (to simulate a restart).
    pub fn into_parts(self) -> (S, R) {
        (self.sup, self.rpmb)
    }

    /// I/O counters since open (or the last [`Store::reset_stats`]).
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Zeroes the I/O counters.
    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
    }

    /// The supplicant (for tests and diagnostics).
    pub fn supplicant(&mut self) -> &mut S {
        &mut self.sup
    }

    /// The RPMB transport (for tests and diagnostics).
    pub fn rpmb_mut(&mut self) -> &mut R {
        &mut self.rpmb
    }

    /// Number of objects in the store (all TAs).
    pub fn object_count(&self) -> usize {
        self.index.len()
    }

    fn entries_per_block(&self) -> usize {
        self.geo.payload / ENTRY_SIZE
    }

    fn rpmb_read(&mut self) -> Result<RpmbState, Error> {
        // The counter first (a data read does not carry it), then the
        // block: each answer under the key, with this read's nonce.
        let mut req = RpmbFrame::new(RPMB_REQ_GET_COUNTER);
        self.rng.fill_bytes(&mut req.nonce);
        let resp = self.rpmb.request(&req)?;
        if resp.kind != rpmb_response(RPMB_REQ_GET_COUNTER) {
            return Err(Error::Security);
        }
        if resp.outcome() == RPMB_KEY_NOT_PROGRAMMED {
            return Ok(RpmbState::Unprogrammed);
        }
        if !resp.verify(&self.keys.rpmb) || resp.nonce != req.nonce {
            return Err(Error::Security);
        }
        if resp.outcome() != RPMB_OK {
            return Err(Error::Generic);
        }
        let counter = resp.write_counter;
        if counter == 0 {
            return Ok(RpmbState::Blank);
        }
        let mut req = RpmbFrame::new(RPMB_REQ_READ);
        req.block_count = 1;
        self.rng.fill_bytes(&mut req.nonce);
        let resp = self.rpmb.request(&req)?;
        if resp.kind != rpmb_response(RPMB_REQ_READ)
            || !resp.verify(&self.keys.rpmb)
            || resp.nonce != req.nonce
            || resp.address != 0
        {
            return Err(Error::Security);
        }
        if resp.outcome() != RPMB_OK {
            return Err(Error::Generic);
        }
        Ok(RpmbState::Data(counter, Box::new(resp.data)))
    }

    /// The single commit point: writes the new root with the counter.
    fn rpmb_write(&mut self, data: [u8; RPMB_DATA_SIZE]) -> Result<(), Error> {
        let mut req = RpmbFrame::new(RPMB_REQ_WRITE);
        req.write_counter = self.counter;
        req.block_count = 1;
        req.data = data;
        req.sign(&self.keys.rpmb);
        self.stats.rpmb_writes += 1;
        // Until the answer is checked we do not know whether it happened.
        self.poisoned = true;
        let resp = self.rpmb.request(&req)?;
        // The result read: authenticated, and fresh because the counter
        // it carries was never reached before.
        if resp.kind != rpmb_response(RPMB_REQ_WRITE)
            || !resp.verify(&self.keys.rpmb)
            || resp.address != 0
        {
            return Err(Error::Security);
        }
        if resp.outcome() != RPMB_OK {
            return Err(Error::Generic);
        }
        if Some(resp.write_counter) != self.counter.checked_add(1) {
            return Err(Error::Security);
        }
        self.counter = resp.write_counter;
        self.poisoned = false;
        Ok(())
    }

    fn frame(&self, dir: &TreeState) -> [u8; RPMB_DATA_SIZE] {
        let mut d = [0u8; RPMB_DATA_SIZE];
        d[..8].copy_from_slice(FRAME_MAGIC);
        d[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        d[12..16].copy_from_slice(&(self.geo.block as u32).to_le_bytes());
        d[16..24].copy_from_slice(&(u64::from(self.counter) + 1).to_le_bytes());
        dir.root.encode(&mut d[24..24 + REF_SIZE]);
        d[44..48].copy_from_slice(&dir.height.to_le_bytes());
        d[48..56].copy_from_slice(&dir.size.to_le_bytes());
        let mac = self.keys.frame_mac(&d[..FRAME_MAC_OFF]);
        d[FRAME_MAC_OFF..].copy_from_slice(&mac);
        d
    }

    fn has_our_blobs(&mut self) -> Result<bool, Error> {
        Ok(self
            .sup
            .list()
            .map_err(map_sup)?
            .iter()
            .any(|n| looks_like_ours(n)))
    }

    fn format(&mut self) -> Result<(), Error> {
        if self.has_our_blobs()? {
            // The RPMB was reset (or replaced) under an existing store.
            return Err(Error::Security);
        }
        self.counter = 0;
        let dir = TreeState::default();
        let f = self.frame(&dir);
        self.rpmb_write(f)?;
        self.dir = dir;
        self.entries.clear();
        self.index.clear();
        self.by_fid.clear();
        Ok(())
    }

    /// (Re)loads the committed state from the RPMB and the directory.
    fn load(&mut self) -> Result<(), Error> {
        let (counter, data) = match self.rpmb_read()? {
            RpmbState::Unprogrammed => {
                if self.has_our_blobs()? {
                    return Err(Error::Security);
                }
                let mut req = RpmbFrame::new(RPMB_REQ_PROGRAM_KEY);
                req.mac.copy_from_slice(&self.keys.rpmb[..]);
                let resp = self.rpmb.request(&req)?;
                req.mac.fill(0);
                if resp.kind != rpmb_response(RPMB_REQ_PROGRAM_KEY) || resp.outcome() != RPMB_OK {
                    return Err(Error::Security);
                }
                return self.format();
            }
            RpmbState::Blank => return self.format(),
            RpmbState::Data(c, d) => (c, d),
        };
        let mac = self.keys.frame_mac(&data[..FRAME_MAC_OFF]);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &mac[..],
            &data[FRAME_MAC_OFF..],
        )) {
            return Err(Error::Security);
        }
        if &data[..8] != FRAME_MAGIC || data[8..12] != FORMAT_VERSION.to_le_bytes() {
            return Err(Error::Security);
        }
        if data[12..16] != (self.geo.block as u32).to_le_bytes() {
            return Err(Error::BadParameters);
        }
        if data[16..24] != u64::from(counter).to_le_bytes() {
            return Err(Error::Security);
        }
        let dir = TreeState {
            root: Ref::decode(&data[24..24 + REF_SIZE]),
            height: u32::from_le_bytes(data[44..48].try_into().expect("4 bytes")),
            size: u64::from_le_bytes(data[48..56].try_into().expect("8 bytes")),
        };
        let l = self.geo.payload as u64;
        if dir.size.checked_rem(l) != Some(0)
            || dir.height != self.geo.height_for(dir.size / l)
            || dir.height > 8
        {
            return Err(Error::Security);
        }
        self.counter = counter;
        self.dir = dir;
        self.entries.clear();
        self.index.clear();
        self.by_fid.clear();
        let epb = self.entries_per_block();
        let mut buf = vec![0u8; self.geo.payload];
        let mut entries = Vec::new();
        {
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let mut t = Tree::new(self.geo, &self.dir_ctx, dir, 0, None);
            for b in 0..dir.size / l {
                t.read(&mut env, b * l, &mut buf)?;
                for i in 0..epb {
                    entries.push(Entry::decode(
                        &buf[i * ENTRY_SIZE..(i + 1) * ENTRY_SIZE],
                        &self.geo,
                    )?);
                }
            }
            self.dir_cache = Some(t.into_cache());
        }
        for (slot, e) in entries.iter().enumerate() {
            if let Some(e) = e {
                let dup_key = self
                    .index
                    .insert((e.ta, e.sid, e.id.clone()), slot)
                    .is_some();
                let dup_fid = self.by_fid.insert(e.fid, slot).is_some();
                if dup_key || dup_fid {
                    return Err(Error::Security);
                }
            }
        }
        self.entries = entries;
        self.poisoned = false;
        Ok(())
    }

    /// Removes blobs no committed state refers to (crash leftovers).
    fn remove_orphans(&mut self) -> Result<(), Error> {
        let mut live: BTreeSet<String> = self
            .entries
            .iter()
            .flatten()
            .map(|e| self.keys.object_name(&e.fid))
            .collect();
        live.insert(self.dir_ctx.name.clone());
        for name in self.sup.list().map_err(map_sup)? {
            if looks_like_ours(&name) && !live.contains(&name) {
                self.sup.remove(&name).map_err(map_sup)?;
            }
        }
        Ok(())
    }

    /// Reloads the committed state after an RPMB write whose outcome is
    /// unknown, and removes what the interrupted transaction left.
    fn ready(&mut self) -> Result<(), Error> {
        if self.poisoned {
            self.load()?;
            self.remove_orphans()?;
        }
        Ok(())
    }

    fn object_ctx(&self, e: &Entry) -> FileCtx {
        FileCtx {
            name: self.keys.object_name(&e.fid),
            cipher: self.keys.object_cipher(&e.ta, e.sid, &e.fid),
            ta: e.ta,
            sid: e.sid,
            fid: e.fid,
            corrupt: Error::CorruptObject,
            stale: Error::CorruptObject,
        }
    }

    /// Writes the directory blocks holding `changes` (slot, new entry)
    /// into shadow slots and returns the new directory root.
    fn dir_update(
        &mut self,
        changes: &[(usize, Option<&Entry>)],
    ) -> Result<(TreeState, TreeCache), Error> {
        let epb = self.entries_per_block();
        let l = self.geo.payload;
        let blocks: BTreeSet<usize> = changes.iter().map(|(s, _)| s / epb).collect();
        let generation = u64::from(self.counter) + 1;
        let mut env = Env {
            sup: &mut self.sup,
            rng: &mut self.rng,
            stats: &mut self.stats,
        };
        let mut t = Tree::new(
            self.geo,
            &self.dir_ctx,
            self.dir,
            generation,
            self.dir_cache.take(),
        );
        let mut buf = vec![0u8; l];
        for b in blocks {
            buf.fill(0);
            for i in 0..epb {
                let slot = b * epb + i;
                let e = match changes.iter().find(|(s, _)| *s == slot) {
                    Some((_, e)) => *e,
                    None => self.entries.get(slot).and_then(Option::as_ref),
                };
                if let Some(e) = e {
                    e.encode(&mut buf[i * ENTRY_SIZE..(i + 1) * ENTRY_SIZE]);
                }
            }
            t.write(&mut env, (b * l) as u64, &buf)?;
        }
        t.finish(&mut env)
    }

    /// Syncs the written blobs, then commits the new directory root
    /// through the RPMB.
    fn commit(&mut self, files: &[&str], dir: TreeState, cache: TreeCache) -> Result<(), Error> {
        self.sup.sync(files).map_err(map_sup)?;
        self.stats.syncs += 1;
        let f = self.frame(&dir);
        self.rpmb_write(f)?;
        self.dir = dir;
        self.dir_cache = Some(cache);
        self.stats.commits += 1;
        Ok(())
    }

    /// Applies a committed entry change to the in-memory directory.
    fn apply(&mut self, slot: usize, e: Option<Entry>) {
        let epb = self.entries_per_block();
        while self.entries.len() <= slot {
            self.entries.extend((0..epb).map(|_| None));
        }
        if let Some(old) = self.entries[slot].take() {
            self.index.remove(&(old.ta, old.sid, old.id));
            self.by_fid.remove(&old.fid);
        }
        if let Some(e) = &e {
            self.index.insert((e.ta, e.sid, e.id.clone()), slot);
            self.by_fid.insert(e.fid, slot);
        }
        self.entries[slot] = e;
    }

    fn free_slot(&self) -> usize {
        self.entries
            .iter()
            .position(Option::is_none)
            .unwrap_or(self.entries.len())
    }

    /// Commits `new` at `slot` after object blocks were written to
    /// `obj_file` (if any).
    fn commit_entry(
        &mut self,
        slot: usize,
        new: Option<&Entry>,
        obj_file: Option<&str>,
    ) -> Result<(), Error> {
        let (dir, cache) = self.dir_update(&[(slot, new)])?;
        let dir_name = self.dir_ctx.name.clone();
        let mut files = vec![dir_name.as_str()];
        if let Some(f) = obj_file {
            files.insert(0, f);
        }
        self.commit(&files, dir, cache)
    }

    fn handle(&self, owner: u64, h: ObjectHandle) -> Result<&Handle, Error> {
        match self.handles.get(&h.0) {
            Some(hd) if hd.owner == owner => Ok(hd),
            _ => Err(Error::BadState),
        }
    }

    /// The handle's flags and position, the object's slot and entry.
    fn handle_entry(
        &self,
        owner: u64,
        h: ObjectHandle,
    ) -> Result<(HandleView, usize, Entry), Error> {
        let hd = self.handle(owner, h)?;
        let view = HandleView {
            flags: hd.flags,
            pos: hd.pos,
        };
        let slot = *self.by_fid.get(&hd.fid).ok_or(Error::CorruptObject)?;
        let e = self.entries[slot].clone().ok_or(Error::CorruptObject)?;
        Ok((view, slot, e))
    }

    fn take_cache(&mut self, h: ObjectHandle) -> Option<TreeCache> {
        self.handles.get_mut(&h.0).and_then(|hd| hd.cache.take())
    }

    fn put_cache(&mut self, h: ObjectHandle, c: TreeCache) {
        if let Some(hd) = self.handles.get_mut(&h.0) {
            hd.cache = Some(c);
        }
    }

    fn new_handle(
        &mut self,
        owner: u64,
        fid: [u8; 16],
        flags: u32,
        cache: Option<TreeCache>,
    ) -> Result<ObjectHandle, Error> {
        if self.handles.len() >= u32::MAX as usize - 1 {
            return Err(Error::OutOfMemory);
        }
        while self.next_handle == 0 || self.handles.contains_key(&self.next_handle) {
            self.next_handle = self.next_handle.wrapping_add(1);
        }
        let h = self.next_handle;
        self.next_handle = self.next_handle.wrapping_add(1);
        self.handles.insert(
            h,
            Handle {
                owner,
                fid,
                flags: flags & OPEN_MASK,
                pos: 0,
                cache,
            },
        );
        Ok(ObjectHandle(h))
    }

    fn check_id(storage_id: u32, object_id: &[u8]) -> Result<(), Error> {
        // An empty ID is a valid one (GP sets only the maximum; OP-TEE
        // TAs use it).
        if object_id.len() > TEE_OBJECT_ID_MAX_LEN {
            return Err(Error::BadParameters);
        }
        if !valid_storage(storage_id) {
            return Err(Error::ItemNotFound);
        }
        Ok(())
    }

    /// `TEE_CreatePersistentObject`: creates (or with
    /// `TEE_DATA_FLAG_OVERWRITE` atomically replaces) an object with its
    /// attributes and initial data, and opens it with `flags`.
    ///
    /// Errors: `AccessConflict` (exists without OVERWRITE, or the
    /// existing object is open: as OP-TEE, an open object cannot be
    /// replaced), `ItemNotFound` (storage id), `BadParameters` (id
    /// length, flags, attribute blob too large), `Overflow` (data beyond
    /// `TEE_DATA_MAX_POSITION`), `StorageNoSpace`, `Generic`.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        owner: u64,
        ta: &[u8; 16],
        storage_id: u32,
        object_id: &[u8],
        flags: u32,
        attrs: &ObjectAttrs,
        initial_data: &[u8],
    ) -> Result<ObjectHandle, Error> {
        Self::check_id(storage_id, object_id)?;
        if flags & !CREATE_MASK != 0 || attrs.attributes.len() > MAX_ATTRIBUTES_LEN {
            return Err(Error::BadParameters);
        }
        if initial_data.len() as u64 > TEE_DATA_MAX_POSITION {
            return Err(Error::Overflow);
        }
        self.ready()?;
        let key = (*ta, storage_id, object_id.to_vec());
        let existing = self.index.get(&key).copied();
        if let Some(slot) = existing {
            if flags & TEE_DATA_FLAG_OVERWRITE == 0 {
                return Err(Error::AccessConflict);
            }
            let fid = self.entries[slot].as_ref().expect("indexed").fid;
            if self.handles.values().any(|h| h.fid == fid) {
                return Err(Error::AccessConflict);
            }
        }
        let mut fid = [0u8; 16];
        loop {
            self.rng.fill_bytes(&mut fid);
            if !self.by_fid.contains_key(&fid) {
                break;
            }
        }
        let mut e = Entry {
            ta: *ta,
            sid: storage_id,
            id: object_id.to_vec(),
            fid,
            root: Ref::ABSENT,
            height: 0,
            attr_len: attrs.attributes.len() as u32,
            data_size: 0,
            object_type: attrs.object_type,
            object_size: attrs.object_size,
            max_object_size: attrs.max_object_size,
            usage: attrs.object_usage,
        };
        let ctx = self.object_ctx(&e);
        let doff = e.data_off(&self.geo);
        let res = (|| {
            let generation = u64::from(self.counter) + 1;
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let mut t = Tree::new(self.geo, &ctx, TreeState::default(), generation, None);
            t.write(&mut env, 0, &attrs.attributes)?;
            t.truncate(&mut env, doff)?;
            t.write(&mut env, doff, initial_data)?;
            let (st, cache) = t.finish(&mut env)?;
            e.set_tree(st, &self.geo);
            // Make sure the blob exists even when it holds no block.
            if !self.sup.exists(&ctx.name).map_err(map_sup)? {
                self.sup.set_len(&ctx.name, 0).map_err(map_sup)?;
            }
            let slot = existing.unwrap_or_else(|| self.free_slot());
            self.commit_entry(slot, Some(&e), Some(&ctx.name))?;
            Ok((slot, cache))
        })();
        let (slot, cache) = match res {
            Ok(s) => s,
            Err(err) => {
                if !self.poisoned {
                    let _ = self.sup.remove(&ctx.name);
                }
                return Err(err);
            }
        };
        let old_name = existing.and_then(|s| {
            self.entries[s]
                .as_ref()
                .map(|o| self.keys.object_name(&o.fid))
        });
        self.apply(slot, Some(e));
        if let Some(n) = old_name {
            let _ = self.sup.remove(&n);
        }
        self.new_handle(owner, fid, flags, Some(cache))
    }

    /// `TEE_OpenPersistentObject`: opens an existing object; checks the
    /// sharing rules against every open handle and authenticates the
    /// object's root path.
    ///
    /// Errors: `ItemNotFound`, `AccessConflict`, `CorruptObject`,
    /// `BadParameters` (id length, flags).
    pub fn open_object(
        &mut self,
        owner: u64,
        ta: &[u8; 16],
        storage_id: u32,
        object_id: &[u8],
        flags: u32,
    ) -> Result<(ObjectHandle, ObjectInfo), Error> {
        Self::check_id(storage_id, object_id)?;
        if flags & !OPEN_MASK != 0 {
            return Err(Error::BadParameters);
        }
        self.ready()?;
        let slot = *self
            .index
            .get(&(*ta, storage_id, object_id.to_vec()))
            .ok_or(Error::ItemNotFound)?;
        let e = self.entries[slot].clone().expect("indexed");
        if self
            .handles
            .values()
            .any(|h| h.fid == e.fid && !sharing_compatible(h.flags, flags))
        {
            return Err(Error::AccessConflict);
        }
        // Authenticate the path to the first block (or the blob's presence).
        let ctx = self.object_ctx(&e);
        let st = e.tree(&self.geo);
        let mut cache = None;
        if st.size > 0 {
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let mut t = Tree::new(self.geo, &ctx, st, 0, None);
            let mut b = [0u8; 1];
            t.read(&mut env, 0, &mut b)?;
            cache = Some(t.into_cache());
        } else if !self.sup.exists(&ctx.name).map_err(map_sup)? {
            return Err(Error::CorruptObject);
        }
        let h = self.new_handle(owner, e.fid, flags, cache)?;
        let info = e.info(self.handles.get(&h.0));
        Ok((h, info))
    }

    /// `TEE_GetObjectInfo1`.
    pub fn info(&self, owner: u64, h: ObjectHandle) -> Result<ObjectInfo, Error> {
        let (_, _, e) = self.handle_entry(owner, h)?;
        Ok(e.info(self.handles.get(&h.0)))
    }

    /// The object's serialized attribute blob (as given at creation).
    pub fn attributes(&mut self, owner: u64, h: ObjectHandle) -> Result<Vec<u8>, Error> {
        self.ready()?;
        let (_, _, e) = self.handle_entry(owner, h)?;
        let mut out = vec![0u8; e.attr_len as usize];
        if !out.is_empty() {
            let ctx = self.object_ctx(&e);
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let cached = self.handles.get_mut(&h.0).and_then(|hd| hd.cache.take());
            let mut t = Tree::new(self.geo, &ctx, e.tree(&self.geo), 0, cached);
            t.read(&mut env, 0, &mut out)?;
            let c = t.into_cache();
            self.put_cache(h, c);
        }
        Ok(out)
    }

    /// `TEE_ReadObjectData`: reads up to `buf.len()` bytes at the data
    /// position, advancing it; 0 at or after the end.
    ///
    /// Errors: `AccessDenied` (no ACCESS_READ), `BadState`, `CorruptObject`.
    pub fn read(&mut self, owner: u64, h: ObjectHandle, buf: &mut [u8]) -> Result<usize, Error> {
        self.ready()?;
        let (hd, _, e) = self.handle_entry(owner, h)?;
        if hd.flags & TEE_DATA_FLAG_ACCESS_READ == 0 {
            return Err(Error::AccessDenied);
        }
        if hd.pos >= e.data_size {
            return Ok(0);
        }
        let n = buf.len().min((e.data_size - hd.pos) as usize);
        if n > 0 {
            let ctx = self.object_ctx(&e);
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let cached = self.handles.get_mut(&h.0).and_then(|hd| hd.cache.take());
            let mut t = Tree::new(self.geo, &ctx, e.tree(&self.geo), 0, cached);
            t.read(&mut env, e.data_off(&self.geo) + hd.pos, &mut buf[..n])?;
            let c = t.into_cache();
            self.put_cache(h, c);
        }
        if let Some(hd) = self.handles.get_mut(&h.0) {
            hd.pos += n as u64;
        }
        Ok(n)
    }

    /// Runs `f` over the object's tree as one transaction and commits.
    fn modify(
        &mut self,
        h: ObjectHandle,
        slot: usize,
        mut e: Entry,
        f: impl FnOnce(&mut Tree<'_>, &mut Env<'_, S, G>) -> Result<(), Error>,
    ) -> Result<Entry, Error> {
        let ctx = self.object_ctx(&e);
        let generation = u64::from(self.counter) + 1;
        let cached = self.take_cache(h);
        let (st, cache, touched) = {
            let mut env = Env {
                sup: &mut self.sup,
                rng: &mut self.rng,
                stats: &mut self.stats,
            };
            let mut t = Tree::new(self.geo, &ctx, e.tree(&self.geo), generation, cached);
            f(&mut t, &mut env)?;
            let touched_before = t.touched;
            let (st, cache) = t.finish(&mut env)?;
            (st, cache, touched_before || st.root != e.root)
        };
        let shrunk = st.size < e.tree_size(&self.geo);
        e.set_tree(st, &self.geo);
        self.commit_entry(slot, Some(&e), touched.then_some(ctx.name.as_str()))?;
        self.apply(slot, Some(e.clone()));
        self.put_cache(h, cache);
        if shrunk {
            let _ = self.sup.set_len(&ctx.name, self.geo.file_len(st.size));
        }
        Ok(e)
    }

    /// `TEE_WriteObjectData`: writes at the data position (zero-filling
    /// a gap past the end) and advances it; durable on return.
    ///
    /// Errors: `AccessDenied` (no ACCESS_WRITE), `Overflow` (position +
    /// size > `TEE_DATA_MAX_POSITION`), `CorruptObject`, `StorageNoSpace`.
    pub fn write(&mut self, owner: u64, h: ObjectHandle, data: &[u8]) -> Result<(), Error> {
        self.ready()?;
        let (hd, slot, e) = self.handle_entry(owner, h)?;
        if hd.flags & TEE_DATA_FLAG_ACCESS_WRITE == 0 {
            return Err(Error::AccessDenied);
        }
        let end = hd.pos + data.len() as u64;
        if end > TEE_DATA_MAX_POSITION {
            return Err(Error::Overflow);
        }
        if data.is_empty() {
            return Ok(());
        }
        let off = e.data_off(&self.geo) + hd.pos;
        self.modify(h, slot, e, |t, env| t.write(env, off, data))?;
        if let Some(hd) = self.handles.get_mut(&h.0) {
            hd.pos = end;
        }
        Ok(())
    }

    /// `TEE_TruncateObjectData`: sets the data size (zero-extending);
    /// the data position is unchanged.
    ///
    /// Errors: `AccessDenied` (no ACCESS_WRITE), `CorruptObject`,
    /// `StorageNoSpace`.
    pub fn truncate(&mut self, owner: u64, h: ObjectHandle, size: u32) -> Result<(), Error> {
        self.ready()?;
        let (hd, slot, e) = self.handle_entry(owner, h)?;
        if hd.flags & TEE_DATA_FLAG_ACCESS_WRITE == 0 {
            return Err(Error::AccessDenied);
        }
        if u64::from(size) == e.data_size {
            return Ok(());
        }
        let new = e.data_off(&self.geo) + u64::from(size);
        self.modify(h, slot, e, |t, env| t.truncate(env, new))?;
        Ok(())
    }

    /// `TEE_SeekObjectData`: returns the new position. A negative result
    /// is clamped to 0; beyond `TEE_DATA_MAX_POSITION` is `Overflow`.
    /// Errors: `BadParameters` (whence), `BadState`.
    pub fn seek(
        &mut self,
        owner: u64,
        h: ObjectHandle,
        offset: i64,
        whence: u32,
    ) -> Result<u32, Error> {
        let (hd, _, e) = self.handle_entry(owner, h)?;
        let base: i128 = match whence {
            TEE_DATA_SEEK_SET => 0,
            TEE_DATA_SEEK_CUR => i128::from(hd.pos),
            TEE_DATA_SEEK_END => i128::from(e.data_size),
            _ => return Err(Error::BadParameters),
        };
        let new = (base + i128::from(offset)).max(0);
        if new > i128::from(TEE_DATA_MAX_POSITION) {
            return Err(Error::Overflow);
        }
        if let Some(hd) = self.handles.get_mut(&h.0) {
            hd.pos = new as u64;
        }
        Ok(new as u32)
    }

    /// `TEE_RenamePersistentObject` (needs ACCESS_WRITE_META).
    /// Errors: `AccessConflict` (the new id exists, itself included),
    /// `AccessDenied`, `BadParameters` (id length).
    pub fn rename(&mut self, owner: u64, h: ObjectHandle, new_id: &[u8]) -> Result<(), Error> {
        self.ready()?;
        let (hd, slot, mut e) = self.handle_entry(owner, h)?;
        if hd.flags & TEE_DATA_FLAG_ACCESS_WRITE_META == 0 {
            return Err(Error::AccessDenied);
        }
        Self::check_id(e.sid, new_id)?;
        if self.index.contains_key(&(e.ta, e.sid, new_id.to_vec())) {
            return Err(Error::AccessConflict);
        }
        e.id = new_id.to_vec();
        self.commit_entry(slot, Some(&e), None)?;
        self.apply(slot, Some(e));
        Ok(())
    }

    /// `TEE_RestrictObjectUsage1` on a persistent object: usage &= `usage`,
    /// persisted.
    pub fn restrict_usage(&mut self, owner: u64, h: ObjectHandle, usage: u32) -> Result<(), Error> {
        self.ready()?;
        let (_, slot, mut e) = self.handle_entry(owner, h)?;
        if e.usage & usage == e.usage {
            return Ok(());
        }
        e.usage &= usage;
        self.commit_entry(slot, Some(&e), None)?;
        self.apply(slot, Some(e));
        Ok(())
    }

    /// `TEE_CloseObject` on a persistent object.
    pub fn close(&mut self, owner: u64, h: ObjectHandle) -> Result<(), Error> {
        self.handle(owner, h)?;
        self.handles.remove(&h.0);
        Ok(())
    }

    /// `TEE_CloseAndDeletePersistentObject1` (needs ACCESS_WRITE_META;
    /// without it `AccessDenied` and the handle stays open).
    pub fn close_and_delete(&mut self, owner: u64, h: ObjectHandle) -> Result<(), Error> {
        self.ready()?;
        let (hd, slot, e) = self.handle_entry(owner, h)?;
        if hd.flags & TEE_DATA_FLAG_ACCESS_WRITE_META == 0 {
            return Err(Error::AccessDenied);
        }
        self.commit_entry(slot, None, None)?;
        self.apply(slot, None);
        self.handles.remove(&h.0);
        let name = self.keys.object_name(&e.fid);
        let _ = self.sup.remove(&name);
        Ok(())
    }

    /// Closes every handle of `owner` (a TA instance that ended or died);
    /// returns how many were closed.
    pub fn close_all(&mut self, owner: u64) -> usize {
        let before = self.handles.len();
        self.handles.retain(|_, h| h.owner != owner);
        before - self.handles.len()
    }

    /// Object ids of a TA in one storage, in byte order (a snapshot; the
    /// caller's enumerator may keep it while objects come and go).
    /// Errors: `ItemNotFound` for an unknown storage id.
    pub fn list(&mut self, ta: &[u8; 16], storage_id: u32) -> Result<Vec<Vec<u8>>, Error> {
        Ok(self
            .list_info(ta, storage_id)?
            .into_iter()
            .map(|(id, _)| id)
            .collect())
    }

    /// Like [`Store::list`], with each object's info (no handle: position
    /// 0, flags PERSISTENT | INITIALIZED).
    pub fn list_info(
        &mut self,
        ta: &[u8; 16],
        storage_id: u32,
    ) -> Result<Vec<(Vec<u8>, ObjectInfo)>, Error> {
        if !valid_storage(storage_id) {
            return Err(Error::ItemNotFound);
        }
        self.ready()?;
        Ok(self
            .index
            .range((*ta, storage_id, Vec::new())..)
            .take_while(|((t, s, _), _)| t == ta && *s == storage_id)
            .filter_map(|((_, _, id), slot)| {
                self.entries[*slot]
                    .as_ref()
                    .map(|e| (id.clone(), e.info(None)))
            })
            .collect())
    }
}

/// Physical block layout constants, for documentation and tests.
pub const BLOCK_OVERHEAD: usize = HDR_SIZE + TAG_SIZE;
