//! Secure-world trusted storage engine (GP TEE Internal Core API v1.3.1,
//! persistent objects) over an untrusted normal-world blob store.
//!
//! Pure logic: no OS calls, `no_std` + `alloc` (it builds for
//! `aarch64-unknown-none`, for the TrustZone tier's secure kernel). The caller supplies the hardware-unique key
//! (HUK), a [`Supplicant`] (file-like access to opaque-named blobs, all
//! untrusted), an [`Rpmb`] transport (the replay-protected memory block;
//! [`RpmbDevice`] is the complete emulation) and a cryptographic RNG for
//! nonces and file identities. [`Store`] is single-threaded (`&mut self`);
//! the daemon wraps it in a lock.
//!
//! # Keys
//!
//! `PRK = HKDF-SHA256-Extract(salt = "oxtee-storage-v1", HUK)`, then with
//! HKDF-Expand (32 bytes each):
//!
//! | key | info |
//! |---|---|
//! | `K_rpmb` (RPMB authentication key) | `"rpmb-key"` |
//! | `K_frame` (engine MAC inside the RPMB block) | `"rpmb-frame-mac"` |
//! | `K_name` (blob names) | `"file-names"` |
//! | `K_dir` (directory AES-256-GCM key) | `"directory"` |
//! | `K_ta` (per-TA storage key) | `"ta-storage" ‖ uuid` |
//! | `K_obj` (per-object AES-256-GCM key) | HKDF-Expand(PRK = `K_ta`, `"object" ‖ storage_id(LE32) ‖ fid`) |
//!
//! # Blobs
//!
//! * the directory: name `hex(HMAC-SHA256(K_name, "dir")[..16])`;
//! * one blob per object: name `hex(HMAC-SHA256(K_name, "obj" ‖ fid)[..16])`,
//!   where `fid` is 16 random bytes drawn when the object is created (a
//!   create with OVERWRITE draws a new one; rename keeps it).
//!
//! Names are 32 hex digits and reveal neither object ids nor owners;
//! blob sizes are whole slots. What the normal world can see: the number
//! of objects, their sizes in blocks, and which blobs change when.
//!
//! # Blocks
//!
//! Every blob is an array of *slots* of the physical block size `B`
//! (default 4096, 256..=65536, fixed at format time and recorded in the
//! RPMB block). A slot holds
//! `nonce(12) ‖ gen(LE64) ‖ AES-256-GCM(plaintext of L = B - 36 bytes) ‖ tag(16)`
//! with the AAD
//! `ta_uuid(16) ‖ storage_id(LE32) ‖ fid(16) ‖ level(1) ‖ index(LE64) ‖ slot(1) ‖ gen(LE64)`
//! (the directory uses zero uuid, storage id and fid, and `K_dir`). So a
//! block only decrypts as the block it was written as: same owner TA,
//! storage, file identity, tree level, index, A/B slot and generation.
//!
//! # Trees
//!
//! The directory and every object are *trees*: a logical byte array cut
//! into data blocks of `L` bytes, indexed by nodes of `F = floor(L / 20)`
//! references (203 at 4 KiB). A reference is `nonce(12) ‖ LE64(gen << 1 | slot)`;
//! gen 0 means a hole (reads as zeros). It pins the exact version of the
//! child: the stored nonce and generation must match and the block must
//! authenticate, otherwise the read fails (`CorruptObject` for objects,
//! `Security` for the directory; a block that authenticates but is older
//! than its reference is reported as `Rollback` for the directory).
//!
//! Height `h` is the smallest with `F^h >= blocks` (0 when there is at
//! most one block: the root reference then points at data block 0). A
//! 1 GiB object has h = 3. The root reference of an object is in its
//! directory entry; the directory's is in the RPMB block.
//!
//! Placement is independent of the height, so growing never moves a
//! block: a level-k node j sits right after the complete subtree of its
//! first child. Data block d is at logical position
//! `pos(d) = d + sum over m >= 1 with F^(m-1) <= d of floor((d + F^m - F^(m-1)) / F^m)`
//! and node (k, j) at `pos(j * F^k + F^(k-1)) - 1`. Each position has two
//! slots (A/B) at byte offset `(2 * pos + slot) * B`.
//!
//! An object's logical content is its attribute blob (at most 64 KiB, from
//! the crypto layer), zero-padded to a multiple of `L`, then its data
//! stream. Every byte past the logical size reads as zero: a shrinking
//! truncate zeroes the tail of the new last block and clears the
//! references right of it along one root-to-leaf path (O(h) nodes), then
//! lowers the height.
//!
//! # Directory
//!
//! A tree of 160-byte entries, `floor(L / 160)` per block (25 at 4 KiB):
//! `used(1) ‖ ta_uuid(16) ‖ storage_id(4) ‖ id_len(1) ‖ id(64) ‖ fid(16) ‖
//! root ref(20) ‖ height(1) ‖ attr_len(4) ‖ data_size(8) ‖ object_type(4) ‖
//! object_size(4) ‖ max_object_size(4) ‖ usage(4) ‖ zero(9)`. Free entries
//! are reused. The engine keeps the decoded directory in memory
//! (O(number of objects)), read and authenticated entirely at open.
//!
//! # RPMB block and commit protocol
//!
//! RPMB block 0 holds `"OXTSTORE" ‖ version(LE32 = 1) ‖ B(LE32) ‖ gen(LE64) ‖
//! dir root ref(20) ‖ dir height(LE32) ‖ dir size(LE64) ‖ zero ‖
//! HMAC-SHA256(K_frame, bytes 0..224)` (at 224..256). It is written with
//! the RPMB authenticated write: HMAC-SHA256 under `K_rpmb` and the
//! device's write counter `c`; the device accepts only the current counter
//! and then holds `c + 1`, which must equal `gen`. Reads carry a fresh
//! nonce inside the device's MAC.
//!
//! Every mutating operation (create, write, truncate, rename, restrict
//! usage, delete) is one transaction with generation `g = c + 1`:
//!
//! 1. copy-on-write: every changed block (data, object nodes, directory
//!    block, directory nodes) is written with a fresh nonce into the slot
//!    the committed state does *not* reference (a reference whose gen is
//!    already `g` was shadowed in this transaction: same slot again); new
//!    objects go to a new blob. Order does not matter.
//! 2. one [`Supplicant::sync`] call over the touched blobs (object and
//!    directory).
//! 3. the RPMB write of the new block: the single commit point.
//! 4. best effort, unsynced: remove a replaced or deleted object's blob,
//!    shrink a truncated blob.
//!
//! A small write into an object costs 1 data block (2 if it straddles) +
//! h object nodes + 1 directory block + the directory height, one sync
//! and one RPMB write (measured: 5-6 blocks for 1 KiB into 1 GiB).
//!
//! # Crashes
//!
//! Until step 3 no slot reachable from the committed RPMB block has been
//! written (only shadow slots and new blobs), so whatever subset of the
//! unsynced writes reached the disk, in any order and even torn, the old
//! state is intact. After step 3 the new state is complete because of
//! step 2. The leftovers of an interrupted transaction or of step 4 are
//! unreachable; at open, blobs with engine-shaped names that no directory
//! entry references are removed. If the RPMB answer is lost (the write
//! may or may not have happened), the engine reloads its state from the
//! RPMB before the next operation.
//!
//! # Rollback and tamper
//!
//! Every byte of every reachable slot is authenticated and pinned by its
//! parent up to the RPMB block, whose freshness the monotonic counter
//! guarantees. Restoring older copies of the blobs is therefore refused at
//! open (`Rollback`, or `Security` when the old slot holds something else);
//! an older copy of one object's blob makes that object `CorruptObject`.
//! Swapping blobs, or copying one TA's blob onto another's name, fails the
//! key and AAD binding (`CorruptObject`). An RPMB device without key or
//! data while engine blobs exist is refused (`Security`). In the host
//! emulation the RPMB device state is itself a file kept by the daemon;
//! the rollback guarantee holds as long as that file is not rolled back
//! together with the blobs.
//!
//! # Storage ids
//!
//! `TEE_STORAGE_PRIVATE` (0x1), `TEE_STORAGE_PRIVATE_REE` (0x80000000)
//! and `TEE_STORAGE_PRIVATE_RPMB` (0x80000100) are three separate
//! namespaces per TA with identical protection: data in REE blobs,
//! confidentiality and integrity from the keys above, freshness from the
//! RPMB commit counter. (In OP-TEE, REE keeps objects in normal-world files
//! with a hash tree, RPMB keeps the data inside the RPMB partition, and
//! PRIVATE is the platform default.) Any other storage id is
//! `ItemNotFound`.
//!
//! # Memory
//!
//! An operation holds at most three block buffers, one cached node per
//! tree level and one data block plaintext: O(B * h), independent of the
//! object size and of the caller's buffer (see [`Stats::peak_buffer_bytes`]).
//! Each handle keeps those nodes and that block between operations while
//! the object's root is unchanged.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

#[cfg(feature = "proto")]
pub mod calls;
mod error;
mod keys;
pub mod rpmb;
mod store;
mod supplicant;
mod tree;

#[cfg(test)]
mod tests;

pub use error::*;
pub use rpmb::{MemRpmb, Rpmb, RpmbDevice, RpmbFrame};
pub use store::*;
pub use supplicant::{MemSupplicant, Supplicant, SupplicantError};

/// I/O and memory counters of a [`Store`] (instrumentation for tests and
/// benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes handed to `Supplicant::write_at`.
    pub bytes_written: u64,
    /// Bytes read through `Supplicant::read_at`.
    pub bytes_read: u64,
    /// Blocks written.
    pub block_writes: u64,
    /// `Supplicant::sync` calls.
    pub syncs: u64,
    /// RPMB write requests.
    pub rpmb_writes: u64,
    /// Successful commits.
    pub commits: u64,
    /// Largest amount of block buffers and cached index nodes one tree
    /// operation held at once (the engine's own working memory; the
    /// directory table and caller buffers are not counted).
    pub peak_buffer_bytes: u64,
}
