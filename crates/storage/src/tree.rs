//! Copy-on-write block trees with A/B slots: the file format of both the
//! directory and every object (see the crate documentation).

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::{CryptoRng, RngCore};

use crate::{Error, Stats, Supplicant, SupplicantError};

/// Encoded size of a [`Ref`].
pub(crate) const REF_SIZE: usize = 20;
/// Clear header of a physical block: nonce (12) and generation (8).
pub(crate) const HDR_SIZE: usize = 20;
/// GCM tag size.
pub(crate) const TAG_SIZE: usize = 16;

/// A child reference: where a block lives and which exact version is
/// expected there (nonce and commit generation are both pinned).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Ref {
    pub nonce: [u8; 12],
    /// Commit generation that wrote the block; 0 = absent (a hole).
    pub generation: u64,
    /// A/B slot, 0 or 1.
    pub slot: u8,
}

impl Ref {
    pub const ABSENT: Ref = Ref {
        nonce: [0; 12],
        generation: 0,
        slot: 0,
    };

    pub fn is_present(&self) -> bool {
        self.generation != 0
    }

    pub fn encode(&self, out: &mut [u8]) {
        out[..12].copy_from_slice(&self.nonce);
        let v = (self.generation << 1) | u64::from(self.slot & 1);
        out[12..20].copy_from_slice(&v.to_le_bytes());
    }

    pub fn decode(b: &[u8]) -> Ref {
        let v = u64::from_le_bytes(b[12..20].try_into().expect("8 bytes"));
        if v >> 1 == 0 {
            return Ref::ABSENT;
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&b[..12]);
        Ref {
            nonce,
            generation: v >> 1,
            slot: (v & 1) as u8,
        }
    }
}

/// Block geometry derived from the physical block size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Physical block (slot) size.
    pub block: usize,
    /// Plaintext bytes per block: block - 20 (header) - 16 (tag).
    pub payload: usize,
    /// Children per index node: payload / 20.
    pub fanout: u64,
}

impl Geometry {
    pub fn new(block: usize) -> Geometry {
        let payload = block - HDR_SIZE - TAG_SIZE;
        Geometry {
            block,
            payload,
            fanout: (payload / REF_SIZE) as u64,
        }
    }

    /// fanout^k, saturating.
    pub fn pow(&self, k: u32) -> u64 {
        self.fanout.saturating_pow(k)
    }

    /// Logical position of data block `d`: `d` plus the index nodes laid
    /// out before it. A level-m node j sits right after the complete
    /// subtree of its first child, i.e. just before data block
    /// `j*F^m + F^(m-1)`; so the number of level-m nodes before `d` is
    /// `floor((d + F^m - F^(m-1)) / F^m)`.
    pub fn pos_data(&self, d: u64) -> u64 {
        let mut pos = d;
        let mut m = 1u32;
        loop {
            let lower = self.pow(m - 1);
            if lower > d || lower == u64::MAX {
                break;
            }
            let fm = self.pow(m);
            pos += ((d as u128 + fm as u128 - lower as u128) / fm as u128) as u64;
            m += 1;
        }
        pos
    }

    /// Logical position of index node `j` of level `k` (k >= 1): just
    /// before data block `j*F^k + F^(k-1)`.
    pub fn pos_node(&self, k: u32, j: u64) -> u64 {
        self.pos_data(j * self.pow(k) + self.pow(k - 1)) - 1
    }

    pub fn blocks_for(&self, size: u64) -> u64 {
        size.div_ceil(self.payload as u64)
    }

    /// Height needed for `n` data blocks: 0 for at most one block (the
    /// root reference then points at data block 0), else the smallest h
    /// with F^h >= n.
    pub fn height_for(&self, n: u64) -> u32 {
        let mut h = 0;
        while self.pow(h) < n {
            h += 1;
        }
        h
    }

    /// Bytes of file needed to hold every slot reachable from a tree of
    /// `size` logical bytes (both slots of the furthest position).
    pub fn file_len(&self, size: u64) -> u64 {
        let n = self.blocks_for(size);
        if n == 0 {
            return 0;
        }
        let h = self.height_for(n);
        let mut max = self.pos_data(n - 1);
        for k in 1..=h {
            max = max.max(self.pos_node(k, (n - 1) / self.pow(k)));
        }
        (max + 1) * 2 * self.block as u64
    }
}

/// Identity of one tree file: blob name, key and the AAD binding.
pub(crate) struct FileCtx {
    pub name: String,
    pub cipher: Aes256Gcm,
    pub ta: [u8; 16],
    pub sid: u32,
    pub fid: [u8; 16],
    /// Error for a block that fails authentication.
    pub corrupt: Error,
    /// Error for a genuine block older than the reference (rollback).
    pub stale: Error,
}

/// The root of a tree: reference to node (height, 0), or to data block 0
/// when the height is 0, and the logical size in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct TreeState {
    pub root: Ref,
    pub height: u32,
    pub size: u64,
}

/// What a tree operation needs from the store.
pub(crate) struct Env<'a, S, G> {
    pub sup: &'a mut S,
    pub rng: &'a mut G,
    pub stats: &'a mut Stats,
}

struct Node {
    j: u64,
    refs: Vec<Ref>,
    dirty: bool,
}

/// Clean nodes and the last data block of a tree, kept between
/// operations (per handle, and for the directory). Valid only for the
/// exact root it was taken from: any other commit changes the root
/// reference (its nonce), which invalidates the cache.
pub(crate) struct TreeCache {
    st: TreeState,
    nodes: Vec<Option<Node>>,
    blk: Option<(u64, Ref, Vec<u8>)>,
}

/// A cursor over one tree for one operation. It caches at most one node
/// per level (the path to the current data block): memory is
/// O(block size * height).
pub(crate) struct Tree<'f> {
    geo: Geometry,
    file: &'f FileCtx,
    pub st: TreeState,
    cache: Vec<Option<Node>>,
    /// Generation of the transaction being built (committed + 1).
    generation: u64,
    /// Whether a block was written.
    pub touched: bool,
    io: Vec<u8>,
    pt: Vec<u8>,
    nb: Vec<u8>,
    /// Plaintext of the last data block read or written, with its ref.
    blk: Option<(u64, Ref, Vec<u8>)>,
}

fn map_io(e: SupplicantError, corrupt: Error) -> Error {
    match e {
        SupplicantError::NotFound => corrupt,
        SupplicantError::NoSpace => Error::StorageNoSpace,
        SupplicantError::Io => Error::Generic,
    }
}

impl<'f> Tree<'f> {
    pub fn new(
        geo: Geometry,
        file: &'f FileCtx,
        st: TreeState,
        generation: u64,
        cached: Option<TreeCache>,
    ) -> Tree<'f> {
        let (cache, blk) = match cached {
            Some(c) if c.st == st && c.nodes.len() == st.height as usize + 1 => (c.nodes, c.blk),
            _ => ((0..=st.height).map(|_| None).collect(), None),
        };
        Tree {
            geo,
            file,
            st,
            cache,
            blk,
            generation,
            touched: false,
            io: vec![0; geo.block],
            pt: vec![0; geo.payload],
            nb: vec![0; geo.payload],
        }
    }

    fn account(&self, stats: &mut Stats) {
        let nodes = self.cache.iter().flatten().count() as u64;
        let blk = self.blk.as_ref().map_or(0, |b| b.2.len());
        let held = (self.io.len() + self.pt.len() + self.nb.len() + blk) as u64
            + nodes * (self.geo.fanout * core::mem::size_of::<Ref>() as u64);
        stats.peak_buffer_bytes = stats.peak_buffer_bytes.max(held);
    }

    fn pos(&self, level: u32, index: u64) -> u64 {
        if level == 0 {
            self.geo.pos_data(index)
        } else {
            self.geo.pos_node(level, index)
        }
    }

    fn aad(&self, level: u32, index: u64, generation: u64, slot: u8) -> [u8; 54] {
        let mut a = [0u8; 54];
        a[..16].copy_from_slice(&self.file.ta);
        a[16..20].copy_from_slice(&self.file.sid.to_le_bytes());
        a[20..36].copy_from_slice(&self.file.fid);
        a[36] = level as u8;
        a[37..45].copy_from_slice(&index.to_le_bytes());
        a[45] = slot;
        a[46..54].copy_from_slice(&generation.to_le_bytes());
        a
    }

    /// Reads and authenticates block (level, index) expected at `r` into
    /// `out` (payload bytes); zeros for an absent reference.
    fn load_block<S: Supplicant, G>(
        &mut self,
        env: &mut Env<'_, S, G>,
        level: u32,
        index: u64,
        r: Ref,
        out: &mut [u8],
    ) -> Result<(), Error> {
        if !r.is_present() {
            out.fill(0);
            return Ok(());
        }
        if let Some((d, cr, pt)) = &self.blk {
            if level == 0 && *d == index && *cr == r {
                out.copy_from_slice(pt);
                return Ok(());
            }
        }
        let l = self.geo.payload;
        let off = (2 * self.pos(level, index) + u64::from(r.slot)) * self.geo.block as u64;
        let n = env
            .sup
            .read_at(&self.file.name, off, &mut self.io)
            .map_err(|e| map_io(e, self.file.corrupt))?;
        env.stats.bytes_read += self.geo.block as u64;
        if n != self.geo.block {
            return Err(self.file.corrupt);
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&self.io[..12]);
        let stored_gen = u64::from_le_bytes(self.io[12..20].try_into().expect("8 bytes"));
        let mut tag = [0u8; TAG_SIZE];
        tag.copy_from_slice(&self.io[HDR_SIZE + l..]);
        let expected = nonce == r.nonce && stored_gen == r.generation;
        let aad = self.aad(level, index, stored_gen, r.slot);
        let ok = self
            .file
            .cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &aad,
                &mut self.io[HDR_SIZE..HDR_SIZE + l],
                Tag::from_slice(&tag),
            )
            .is_ok();
        if !ok {
            return Err(self.file.corrupt);
        }
        if !expected {
            // A genuine block, but not the version the parent pins.
            return Err(if stored_gen < r.generation {
                self.file.stale
            } else {
                self.file.corrupt
            });
        }
        out.copy_from_slice(&self.io[HDR_SIZE..HDR_SIZE + l]);
        if level == 0 {
            let mut v = match self.blk.take() {
                Some((_, _, v)) => v,
                None => vec![0; l],
            };
            v.copy_from_slice(out);
            self.blk = Some((index, r, v));
            self.account(env.stats);
        }
        Ok(())
    }

    /// Encrypts `payload` as block (level, index) into the slot the
    /// committed state does not use, returning the new reference.
    fn store_block<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        level: u32,
        index: u64,
        old: Ref,
        payload: &[u8],
    ) -> Result<Ref, Error> {
        let slot = if !old.is_present() {
            0
        } else if old.generation == self.generation {
            old.slot
        } else {
            old.slot ^ 1
        };
        let mut nonce = [0u8; 12];
        env.rng.fill_bytes(&mut nonce);
        let aad = self.aad(level, index, self.generation, slot);
        let l = self.geo.payload;
        self.io[..12].copy_from_slice(&nonce);
        self.io[12..20].copy_from_slice(&self.generation.to_le_bytes());
        self.io[HDR_SIZE..HDR_SIZE + l].copy_from_slice(payload);
        let tag = self
            .file
            .cipher
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &aad,
                &mut self.io[HDR_SIZE..HDR_SIZE + l],
            )
            .map_err(|_| Error::Generic)?;
        self.io[HDR_SIZE + l..].copy_from_slice(&tag);
        let off = (2 * self.pos(level, index) + u64::from(slot)) * self.geo.block as u64;
        env.sup
            .write_at(&self.file.name, off, &self.io)
            .map_err(|e| map_io(e, Error::Generic))?;
        env.stats.bytes_written += self.geo.block as u64;
        env.stats.block_writes += 1;
        self.touched = true;
        let r = Ref {
            nonce,
            generation: self.generation,
            slot,
        };
        if level == 0 {
            let mut v = match self.blk.take() {
                Some((_, _, v)) => v,
                None => vec![0; l],
            };
            v.copy_from_slice(payload);
            self.blk = Some((index, r, v));
            self.account(env.stats);
        }
        Ok(r)
    }

    fn fan(&self, j: u64) -> usize {
        (j % self.geo.fanout) as usize
    }

    fn parent_ref(&self, k: u32, j: u64) -> Ref {
        if k == self.st.height {
            self.st.root
        } else {
            let p = self.cache[k as usize + 1].as_ref().expect("parent cached");
            p.refs[self.fan(j)]
        }
    }

    fn set_parent_ref(&mut self, k: u32, j: u64, r: Ref) {
        if k == self.st.height {
            self.st.root = r;
        } else {
            let i = self.fan(j);
            let p = self.cache[k as usize + 1].as_mut().expect("parent cached");
            p.refs[i] = r;
            p.dirty = true;
        }
    }

    fn load_node<S: Supplicant, G>(
        &mut self,
        env: &mut Env<'_, S, G>,
        k: u32,
        j: u64,
    ) -> Result<(), Error> {
        let r = self.parent_ref(k, j);
        let f = self.geo.fanout as usize;
        let mut refs = vec![Ref::ABSENT; f];
        if r.is_present() {
            let mut buf = core::mem::take(&mut self.nb);
            let res = self.load_block(env, k, j, r, &mut buf);
            if res.is_ok() {
                for (i, rf) in refs.iter_mut().enumerate() {
                    *rf = Ref::decode(&buf[i * REF_SIZE..(i + 1) * REF_SIZE]);
                }
            }
            self.nb = buf;
            res?;
        }
        self.cache[k as usize] = Some(Node {
            j,
            refs,
            dirty: false,
        });
        self.account(env.stats);
        Ok(())
    }

    fn flush_node<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        k: u32,
    ) -> Result<(), Error> {
        let Some(node) = self.cache[k as usize].as_ref() else {
            return Ok(());
        };
        if !node.dirty {
            return Ok(());
        }
        let j = node.j;
        let mut buf = core::mem::take(&mut self.nb);
        buf.fill(0);
        for (i, r) in node.refs.iter().enumerate() {
            r.encode(&mut buf[i * REF_SIZE..(i + 1) * REF_SIZE]);
        }
        let old = self.parent_ref(k, j);
        let res = self.store_block(env, k, j, old, &buf);
        self.nb = buf;
        let new = res?;
        self.set_parent_ref(k, j, new);
        if let Some(n) = self.cache[k as usize].as_mut() {
            n.dirty = false;
        }
        Ok(())
    }

    fn flush_all<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
    ) -> Result<(), Error> {
        for k in 1..=self.st.height {
            self.flush_node(env, k)?;
        }
        Ok(())
    }

    /// Makes the cache hold the path from the root to data block `d`.
    fn ensure_path<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        d: u64,
    ) -> Result<(), Error> {
        let h = self.st.height;
        if h == 0 {
            return Ok(());
        }
        if self.cache[h as usize].is_none() {
            self.load_node(env, h, 0)?;
        }
        for k in (1..h).rev() {
            let j = d / self.geo.pow(k);
            if matches!(&self.cache[k as usize], Some(n) if n.j == j) {
                continue;
            }
            for l in 1..=k {
                self.flush_node(env, l)?;
            }
            for l in 1..=k {
                self.cache[l as usize] = None;
            }
            for l in (1..=k).rev() {
                self.load_node(env, l, d / self.geo.pow(l))?;
            }
            break;
        }
        Ok(())
    }

    fn data_ref<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        d: u64,
    ) -> Result<Ref, Error> {
        self.ensure_path(env, d)?;
        if self.st.height == 0 {
            return Ok(if d == 0 { self.st.root } else { Ref::ABSENT });
        }
        let i = self.fan(d);
        Ok(self.cache[1].as_ref().expect("leaf cached").refs[i])
    }

    fn set_data_ref(&mut self, d: u64, r: Ref) {
        if self.st.height == 0 {
            self.st.root = r;
        } else {
            let i = self.fan(d);
            let n = self.cache[1].as_mut().expect("leaf cached");
            n.refs[i] = r;
            n.dirty = true;
        }
    }

    /// Raises the height to `new_h`; node indices do not change with the
    /// height, so the cached path stays valid below the new root(s).
    fn grow(&mut self, new_h: u32) {
        let h = self.st.height;
        if new_h <= h {
            return;
        }
        let f = self.geo.fanout as usize;
        let old_root = self.st.root;
        for l in h + 1..=new_h {
            let mut refs = vec![Ref::ABSENT; f];
            if l == h + 1 {
                refs[0] = old_root;
            }
            self.cache.push(Some(Node {
                j: 0,
                refs,
                dirty: true,
            }));
        }
        self.st.height = new_h;
        self.st.root = Ref::ABSENT;
    }

    /// Lowers the height to `new_h` (the root's first child becomes the
    /// root); everything right of block 0's path must already be cut.
    fn shrink<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        new_h: u32,
    ) -> Result<(), Error> {
        if new_h >= self.st.height {
            return Ok(());
        }
        self.flush_all(env)?;
        while self.st.height > new_h {
            let h = self.st.height;
            if self.cache[h as usize].is_none() {
                self.load_node(env, h, 0)?;
            }
            let r = self.cache[h as usize].as_ref().expect("root").refs[0];
            self.cache.truncate(h as usize);
            for c in self.cache.iter_mut() {
                *c = None;
            }
            self.st.height = h - 1;
            self.st.root = r;
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at `off`; the caller keeps it within size.
    pub fn read<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        off: u64,
        buf: &mut [u8],
    ) -> Result<(), Error> {
        debug_assert!(off + buf.len() as u64 <= self.st.size);
        let l = self.geo.payload;
        let mut pos = off;
        let mut done = 0;
        while done < buf.len() {
            let d = pos / l as u64;
            let o = (pos % l as u64) as usize;
            let take = (l - o).min(buf.len() - done);
            let r = self.data_ref(env, d)?;
            if take == l {
                self.load_block(env, 0, d, r, &mut buf[done..done + l])?;
            } else {
                let mut pt = core::mem::take(&mut self.pt);
                let res = self.load_block(env, 0, d, r, &mut pt);
                if res.is_ok() {
                    buf[done..done + take].copy_from_slice(&pt[o..o + take]);
                }
                self.pt = pt;
                res?;
            }
            pos += take as u64;
            done += take;
        }
        Ok(())
    }

    /// Writes `data` at `off`, extending the tree as needed (a gap after
    /// the old end reads as zeros).
    pub fn write<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        off: u64,
        data: &[u8],
    ) -> Result<(), Error> {
        if data.is_empty() {
            return Ok(());
        }
        let end = off + data.len() as u64;
        let new_size = self.st.size.max(end);
        self.grow(self.geo.height_for(self.geo.blocks_for(new_size)));
        let l = self.geo.payload;
        let mut pos = off;
        let mut done = 0;
        while done < data.len() {
            let d = pos / l as u64;
            let o = (pos % l as u64) as usize;
            let take = (l - o).min(data.len() - done);
            let old = self.data_ref(env, d)?;
            let new = if take == l {
                self.store_block(env, 0, d, old, &data[done..done + l])?
            } else {
                let mut pt = core::mem::take(&mut self.pt);
                let res = self.load_block(env, 0, d, old, &mut pt).and_then(|()| {
                    pt[o..o + take].copy_from_slice(&data[done..done + take]);
                    self.store_block(env, 0, d, old, &pt)
                });
                self.pt = pt;
                res?
            };
            self.set_data_ref(d, new);
            pos += take as u64;
            done += take;
        }
        self.st.size = new_size;
        Ok(())
    }

    /// Sets the logical size. Shrinking zeroes the tail of the new last
    /// block and cuts every reference right of it (O(height) nodes), so
    /// all bytes past the size read as zeros; growing only raises the size.
    pub fn truncate<S: Supplicant, G: RngCore + CryptoRng>(
        &mut self,
        env: &mut Env<'_, S, G>,
        new_size: u64,
    ) -> Result<(), Error> {
        let n = self.geo.blocks_for(new_size);
        if new_size >= self.st.size {
            self.grow(self.geo.height_for(n));
            self.st.size = new_size;
            return Ok(());
        }
        if n == 0 {
            self.cache = vec![None];
            self.st = TreeState::default();
            return Ok(());
        }
        let l = self.geo.payload as u64;
        let last = n - 1;
        let tail = (new_size - last * l) as usize;
        if tail < self.geo.payload {
            let old = self.data_ref(env, last)?;
            if old.is_present() {
                let mut pt = core::mem::take(&mut self.pt);
                let res = self.load_block(env, 0, last, old, &mut pt).and_then(|()| {
                    pt[tail..].fill(0);
                    self.store_block(env, 0, last, old, &pt)
                });
                self.pt = pt;
                let new = res?;
                self.set_data_ref(last, new);
            }
        }
        if self.st.height > 0 {
            self.ensure_path(env, last)?;
            for k in 1..=self.st.height {
                let c = ((last / self.geo.pow(k - 1)) % self.geo.fanout) as usize;
                let node = self.cache[k as usize].as_mut().expect("path cached");
                if node.refs[c + 1..].iter().any(Ref::is_present) {
                    node.refs[c + 1..].fill(Ref::ABSENT);
                    node.dirty = true;
                }
            }
        }
        self.shrink(env, self.geo.height_for(n))?;
        self.st.size = new_size;
        Ok(())
    }

    /// Writes back the dirty path and returns the new root state with a
    /// cache valid for it.
    pub fn finish<S: Supplicant, G: RngCore + CryptoRng>(
        mut self,
        env: &mut Env<'_, S, G>,
    ) -> Result<(TreeState, TreeCache), Error> {
        self.flush_all(env)?;
        let st = self.st;
        Ok((st, self.into_cache()))
    }

    /// The cache of a tree that has no dirty node (after reads).
    pub fn into_cache(self) -> TreeCache {
        debug_assert!(self.cache.iter().flatten().all(|n| !n.dirty));
        TreeCache {
            st: self.st,
            nodes: self.cache,
            blk: self.blk,
        }
    }
}
