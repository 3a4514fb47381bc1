//! Unit tests of the storage engine.
// The crate is no_std; its tests use std.
use std::borrow::ToOwned;
use std::string::{String, ToString};
use std::vec::Vec;
use std::{eprintln, thread_local, vec};

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use crate::rpmb::*;
use crate::tree::Geometry;
use crate::*;

const HUK: [u8; 32] = [7; 32];
const TA1: [u8; 16] = [1; 16];
const TA2: [u8; 16] = [2; 16];
const P: u32 = TEE_STORAGE_PRIVATE;
const RW: u32 =
    TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE | TEE_DATA_FLAG_ACCESS_WRITE_META;

type MemStore = Store<MemSupplicant, MemRpmb, ChaCha20Rng>;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn cfg(bs: usize) -> Config {
    Config { block_size: bs }
}

fn new_store(bs: usize) -> MemStore {
    Store::open_with(cfg(bs), HUK, MemSupplicant::new(), MemRpmb::new(), rng(1)).unwrap()
}

thread_local! {
    static SEED: RefCell<u64> = const { RefCell::new(100) };
}

fn next_seed() -> u64 {
    SEED.with(|s| {
        *s.borrow_mut() += 1;
        *s.borrow()
    })
}

fn reopen(s: MemStore, bs: usize) -> MemStore {
    let (sup, rp) = s.into_parts();
    Store::open_with(cfg(bs), HUK, sup, rp, rng(next_seed())).unwrap()
}

fn data(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn attrs(blob: &[u8]) -> ObjectAttrs {
    ObjectAttrs {
        object_type: 0xA000_0010,
        object_size: 256,
        max_object_size: 256,
        object_usage: 0xFFFF_FFFF,
        attributes: blob.to_vec(),
    }
}

fn create(s: &mut MemStore, ta: &[u8; 16], id: &[u8], d: &[u8]) -> ObjectHandle {
    s.create(1, ta, P, id, RW, &ObjectAttrs::default(), d)
        .unwrap()
}

fn read_all<S: Supplicant, R: Rpmb, G: RngCore + rand_core::CryptoRng>(
    s: &mut Store<S, R, G>,
    ta: &[u8; 16],
    id: &[u8],
) -> Result<Vec<u8>, Error> {
    let (h, info) = s.open_object(
        9,
        ta,
        P,
        id,
        TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_SHARE_READ,
    )?;
    let mut out = vec![0u8; info.data_size as usize];
    let r = s.read(9, h, &mut out);
    s.close(9, h).unwrap();
    assert_eq!(r?, out.len());
    Ok(out)
}

// ---------------------------------------------------------------- geometry

#[test]
fn geometry_positions_are_a_compact_bijection() {
    for block in [96usize, 116, 256] {
        let g = Geometry::new(block);
        let f = g.fanout;
        let n = f * f * f + 5;
        let mut seen = BTreeSet::new();
        for d in 0..n {
            assert!(seen.insert(g.pos_data(d)), "data {d}");
        }
        for k in 1..=4u32 {
            for j in 0..=(n - 1) / g.pow(k) {
                assert!(seen.insert(g.pos_node(k, j)), "node {k} {j}");
            }
        }
        // Complete prefix: positions 0..count without a gap up to data n-1.
        let last = g.pos_data(f * f * f - 1);
        for p in 0..=last {
            assert!(seen.contains(&p), "gap at {p} (fanout {f})");
        }
        // file_len covers every reachable position.
        for size in [1u64, 100, 5000, 20000] {
            let nb = g.blocks_for(size);
            let h = g.height_for(nb);
            let len = g.file_len(size);
            assert!((g.pos_data(nb - 1) + 1) * 2 * block as u64 <= len);
            for k in 1..=h {
                assert!((g.pos_node(k, (nb - 1) / g.pow(k)) + 1) * 2 * block as u64 <= len);
            }
        }
    }
    let g = Geometry::new(4096);
    assert_eq!(g.payload, 4060);
    assert_eq!(g.fanout, 203);
    // 1 GiB needs 3 index levels.
    assert_eq!(g.height_for(g.blocks_for(1 << 30)), 3);
    assert_eq!(g.height_for(1), 0);
    assert_eq!(g.height_for(2), 1);
}

// ---------------------------------------------------------------- errors

#[test]
fn error_codes() {
    assert_eq!(Error::ItemNotFound.code(), 0xFFFF_0008);
    assert_eq!(Error::AccessConflict.code(), 0xFFFF_0003);
    assert_eq!(Error::CorruptObject.code(), 0xF010_0001);
    assert_eq!(Error::Security.code(), 0xFFFF_000F);
    assert_eq!(Error::Rollback.code(), 0xFFFF_000F);
    assert_eq!(Error::StorageNoSpace.code(), 0xFFFF_3041);
    assert_eq!(Error::OutOfMemory.code(), 0xFFFF_000C);
    assert_eq!(Error::BadParameters.code(), 0xFFFF_0006);
    assert_eq!(Error::Generic.code(), 0xFFFF_0000);
    assert_eq!(Error::Overflow.code(), 0xFFFF_300F);
    assert_eq!(Error::AccessDenied.code(), 0xFFFF_0001);
    assert_eq!(Error::BadState.code(), 0xFFFF_0007);
    assert!(Error::Rollback.to_string().contains("0xffff000f"));
}

// ---------------------------------------------------------------- RPMB

#[test]
fn rpmb_device_rules() {
    let key = [9u8; 32];
    let mut dev = RpmbDevice::new(2);
    let mut rd = RpmbFrame::new(RPMB_REQ_READ);
    rd.block_count = 1;
    assert_eq!(dev.handle(&rd).0.result, RPMB_KEY_NOT_PROGRAMMED);
    let mut pk = RpmbFrame::new(RPMB_REQ_PROGRAM_KEY);
    pk.mac = key;
    let (resp, changed) = dev.handle(&pk);
    assert_eq!((resp.kind, resp.result, changed), (0x0100, RPMB_OK, true));
    assert_eq!(
        dev.handle(&pk).0.result,
        RPMB_GENERAL_FAILURE,
        "key is one-time"
    );

    let mut w = RpmbFrame::new(RPMB_REQ_WRITE);
    w.block_count = 1;
    w.data[0] = 42;
    w.sign(&[1; 32]);
    assert_eq!(dev.handle(&w).0.result, RPMB_AUTH_FAILURE);
    w.write_counter = 5;
    w.sign(&key);
    assert_eq!(dev.handle(&w).0.result, RPMB_COUNTER_FAILURE);
    w.write_counter = 0;
    w.block_count = 2;
    w.sign(&key);
    assert_eq!(dev.handle(&w).0.result, RPMB_GENERAL_FAILURE, "one block");
    w.block_count = 1;
    w.sign(&key);
    let (resp, changed) = dev.handle(&w);
    assert!(changed);
    // The result read: type 0x0300, the new counter under the MAC.
    assert_eq!(
        (resp.kind, resp.result, resp.write_counter),
        (0x0300, RPMB_OK, 1)
    );
    assert!(resp.verify(&key));
    assert_eq!(
        dev.handle(&w).0.result,
        RPMB_COUNTER_FAILURE,
        "replayed write refused"
    );
    w.address = 7;
    w.write_counter = 1;
    w.sign(&key);
    assert_eq!(dev.handle(&w).0.result, RPMB_ADDRESS_FAILURE);

    rd.nonce = [3; 16];
    let r = dev.handle(&rd).0;
    assert!(r.verify(&key));
    assert_eq!((r.kind, r.data[0], r.nonce), (0x0400, 42, [3; 16]));
    let mut forged = r.clone();
    forged.data[0] = 43;
    assert!(!forged.verify(&key));
    let mut c = RpmbFrame::new(RPMB_REQ_GET_COUNTER);
    c.nonce = [4; 16];
    let r = dev.handle(&c).0;
    assert!(r.verify(&key));
    assert_eq!((r.kind, r.write_counter, r.nonce), (0x0200, 1, [4; 16]));

    let b = dev.to_bytes();
    assert_eq!(RpmbDevice::from_bytes(&b).unwrap(), dev);
    assert!(RpmbDevice::from_bytes(&b[..b.len() - 1]).is_none());
    let f = RpmbFrame::from_bytes(&r.to_bytes()).unwrap();
    assert_eq!(f, r);
    assert!(RpmbFrame::from_bytes(&[0; 10]).is_none());
}

#[test]
fn rpmb_frames_are_the_parts_frames() {
    // JEDEC's layout, big-endian, and its MAC over bytes 228..512: what
    // tee-supplicant's emulation (and a real part) checks.
    let mut f = RpmbFrame::new(RPMB_REQ_WRITE);
    f.write_counter = 0x0102_0304;
    f.address = 0x0506;
    f.block_count = 1;
    f.nonce = [7; 16];
    f.data = [9; 256];
    f.sign(&[5; 32]);
    let b = f.to_bytes();
    assert_eq!(&b[..196], &[0u8; 196][..]);
    assert_eq!(&b[228..484], &[9u8; 256][..]);
    assert_eq!(&b[484..500], &[7u8; 16][..]);
    assert_eq!(&b[500..512], &[1, 2, 3, 4, 5, 6, 0, 1, 0, 0, 0, 3]);
    use hmac::{Hmac, Mac};
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&[5; 32]).unwrap();
    m.update(&b[228..]);
    assert_eq!(&b[196..228], &m.finalize().into_bytes()[..]);
}

// ---------------------------------------------------------------- sharing rules

/// The 5.7.1 rule written out independently, case by case.
fn reference_sharing(existing: u32, new: u32) -> bool {
    let r = TEE_DATA_FLAG_ACCESS_READ;
    let w = TEE_DATA_FLAG_ACCESS_WRITE;
    let m = TEE_DATA_FLAG_ACCESS_WRITE_META;
    let sr = TEE_DATA_FLAG_SHARE_READ;
    let sw = TEE_DATA_FLAG_SHARE_WRITE;
    if existing & m != 0 || new & m != 0 {
        return false;
    }
    if existing & r != 0 && new & sr == 0 {
        return false;
    }
    if existing & w != 0 && new & sw == 0 {
        return false;
    }
    if new & r != 0 && existing & sr == 0 {
        return false;
    }
    if new & w != 0 && existing & sw == 0 {
        return false;
    }
    true
}

fn all_open_flags() -> Vec<u32> {
    let bits = [
        TEE_DATA_FLAG_ACCESS_READ,
        TEE_DATA_FLAG_ACCESS_WRITE,
        TEE_DATA_FLAG_ACCESS_WRITE_META,
        TEE_DATA_FLAG_SHARE_READ,
        TEE_DATA_FLAG_SHARE_WRITE,
    ];
    (0..32u32)
        .map(|m| {
            (0..5)
                .filter(|i| m & (1 << i) != 0)
                .map(|i| bits[i])
                .fold(0, |a, b| a | b)
        })
        .collect()
}

#[test]
fn sharing_rules_exhaustive_through_the_store() {
    let r = TEE_DATA_FLAG_ACCESS_READ;
    let sr = TEE_DATA_FLAG_SHARE_READ;
    let sw = TEE_DATA_FLAG_SHARE_WRITE;
    let w = TEE_DATA_FLAG_ACCESS_WRITE;
    // Spot checks of the rule itself.
    assert!(sharing_compatible(r | sr, r | sr));
    assert!(!sharing_compatible(r, r | sr));
    assert!(!sharing_compatible(r | sr, r));
    assert!(sharing_compatible(w | sw | sr, r | sw | sr));
    assert!(!sharing_compatible(r | sr, w | sr | sw));
    assert!(!sharing_compatible(0, TEE_DATA_FLAG_ACCESS_WRITE_META));
    assert!(sharing_compatible(0, 0));

    let mut s = new_store(256);
    let h = create(&mut s, &TA1, b"obj", b"x");
    s.close(1, h).unwrap();
    let flags = all_open_flags();
    for &a in &flags {
        for &b in &flags {
            assert_eq!(
                sharing_compatible(a, b),
                reference_sharing(a, b),
                "{a:#x} {b:#x}"
            );
            let (h1, _) = s.open_object(1, &TA1, P, b"obj", a).unwrap();
            let got = s.open_object(2, &TA1, P, b"obj", b);
            match got {
                Ok((h2, _)) => {
                    assert!(
                        reference_sharing(a, b),
                        "{a:#x} then {b:#x} should conflict"
                    );
                    s.close(2, h2).unwrap();
                }
                Err(e) => {
                    assert_eq!(e, Error::AccessConflict);
                    assert!(!reference_sharing(a, b), "{a:#x} then {b:#x} should open");
                }
            }
            s.close(1, h1).unwrap();
        }
    }
    // Three handles: the new one must agree with every existing one.
    let (h1, _) = s.open_object(1, &TA1, P, b"obj", r | sr | sw).unwrap();
    let (h2, _) = s.open_object(1, &TA1, P, b"obj", w | sr | sw).unwrap();
    assert_eq!(
        s.open_object(1, &TA1, P, b"obj", r | sr).unwrap_err(),
        Error::AccessConflict
    );
    let (h3, _) = s.open_object(1, &TA1, P, b"obj", r | sr | sw).unwrap();
    for h in [h1, h2, h3] {
        s.close(1, h).unwrap();
    }
    // Unknown flag bits.
    assert_eq!(
        s.open_object(1, &TA1, P, b"obj", 0x8).unwrap_err(),
        Error::BadParameters
    );
    assert_eq!(
        s.open_object(1, &TA1, P, b"obj", TEE_DATA_FLAG_OVERWRITE)
            .unwrap_err(),
        Error::BadParameters
    );
}

// ---------------------------------------------------------------- GP semantics

#[test]
fn create_open_overwrite_and_not_found() {
    let mut s = new_store(4096);
    let a = attrs(b"serialized attributes");
    let h = s.create(1, &TA1, P, b"key", RW, &a, b"hello").unwrap();
    let info = s.info(1, h).unwrap();
    assert_eq!(info.object_type, a.object_type);
    assert_eq!(info.object_size, 256);
    assert_eq!(info.max_object_size, 256);
    assert_eq!(info.object_usage, 0xFFFF_FFFF);
    assert_eq!(info.data_size, 5);
    assert_eq!(info.data_position, 0);
    assert_eq!(
        info.handle_flags,
        TEE_HANDLE_FLAG_PERSISTENT | TEE_HANDLE_FLAG_INITIALIZED | RW
    );
    assert_eq!(s.attributes(1, h).unwrap(), b"serialized attributes");
    // Exists, no OVERWRITE.
    assert_eq!(
        s.create(1, &TA1, P, b"key", RW, &a, b"").unwrap_err(),
        Error::AccessConflict
    );
    // Exists and open: even with OVERWRITE.
    assert_eq!(
        s.create(1, &TA1, P, b"key", RW | TEE_DATA_FLAG_OVERWRITE, &a, b"")
            .unwrap_err(),
        Error::AccessConflict
    );
    s.close(1, h).unwrap();
    let h = s
        .create(
            1,
            &TA1,
            P,
            b"key",
            RW | TEE_DATA_FLAG_OVERWRITE,
            &attrs(b"new"),
            b"replaced",
        )
        .unwrap();
    assert_eq!(
        s.info(1, h).unwrap().handle_flags & TEE_DATA_FLAG_OVERWRITE,
        0
    );
    s.close(1, h).unwrap();
    assert_eq!(read_all(&mut s, &TA1, b"key").unwrap(), b"replaced");
    let mut s = reopen(s, 4096);
    assert_eq!(read_all(&mut s, &TA1, b"key").unwrap(), b"replaced");
    let (h, info) = s
        .open_object(1, &TA1, P, b"key", TEE_DATA_FLAG_ACCESS_READ)
        .unwrap();
    assert_eq!(info.data_size, 8);
    assert_eq!(s.attributes(1, h).unwrap(), b"new");
    s.close(1, h).unwrap();
    // Only one blob per object (the replaced one was removed) + directory.
    assert_eq!(s.supplicant().files.len(), 2);

    assert_eq!(
        s.open_object(1, &TA1, P, b"nope", RW).unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(
        s.open_object(1, &TA2, P, b"key", RW).unwrap_err(),
        Error::ItemNotFound
    );
    // Bad ids and storages (the empty ID is a valid one, here absent).
    assert_eq!(
        s.open_object(1, &TA1, P, b"", RW).unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(
        s.open_object(1, &TA1, P, &[0; 65], RW).unwrap_err(),
        Error::BadParameters
    );
    assert_eq!(
        s.open_object(1, &TA1, 2, b"key", RW).unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(
        s.create(1, &TA1, 0x8000_0200, b"k", RW, &ObjectAttrs::default(), b"")
            .unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(
        s.create(1, &TA1, P, b"k", 0x1000, &ObjectAttrs::default(), b"")
            .unwrap_err(),
        Error::BadParameters
    );
    assert_eq!(
        s.create(
            1,
            &TA1,
            P,
            b"k",
            RW,
            &attrs(&vec![0; MAX_ATTRIBUTES_LEN + 1]),
            b""
        )
        .unwrap_err(),
        Error::BadParameters
    );
    // 64-byte ids work.
    let h = create(&mut s, &TA1, &[0xAB; 64], b"long id");
    s.close(1, h).unwrap();
    assert_eq!(read_all(&mut s, &TA1, &[0xAB; 64]).unwrap(), b"long id");
}

#[test]
fn storage_ids_are_separate_namespaces_and_tas_are_apart() {
    let mut s = new_store(512);
    for (i, sid) in [
        TEE_STORAGE_PRIVATE,
        TEE_STORAGE_PRIVATE_REE,
        TEE_STORAGE_PRIVATE_RPMB,
    ]
    .into_iter()
    .enumerate()
    {
        for (ta, tag) in [(TA1, 1u8), (TA2, 2u8)] {
            let d = vec![tag * 10 + i as u8; 100];
            let h = s
                .create(1, &ta, sid, b"same", RW, &ObjectAttrs::default(), &d)
                .unwrap();
            s.close(1, h).unwrap();
        }
    }
    let mut s = reopen(s, 512);
    for (i, sid) in [
        TEE_STORAGE_PRIVATE,
        TEE_STORAGE_PRIVATE_REE,
        TEE_STORAGE_PRIVATE_RPMB,
    ]
    .into_iter()
    .enumerate()
    {
        for (ta, tag) in [(TA1, 1u8), (TA2, 2u8)] {
            let (h, _) = s.open_object(1, &ta, sid, b"same", RW).unwrap();
            let mut b = vec![0; 200];
            assert_eq!(s.read(1, h, &mut b).unwrap(), 100);
            assert_eq!(b[..100], vec![tag * 10 + i as u8; 100][..]);
            s.close(1, h).unwrap();
        }
        assert_eq!(s.list(&TA1, sid).unwrap(), vec![b"same".to_vec()]);
    }
    // Deleting TA1's object leaves TA2's.
    let (h, _) = s.open_object(1, &TA1, P, b"same", RW).unwrap();
    s.close_and_delete(1, h).unwrap();
    assert_eq!(
        s.open_object(1, &TA1, P, b"same", RW).unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(read_all(&mut s, &TA2, b"same").unwrap(), vec![20; 100]);
    assert_eq!(s.list(&TA1, 7).unwrap_err(), Error::ItemNotFound);
}

#[test]
fn read_write_seek_overflow_and_access_rights() {
    let mut s = new_store(256);
    let h = create(&mut s, &TA1, b"o", b"");
    // Read at end: 0 bytes.
    let mut b = [0u8; 10];
    assert_eq!(s.read(1, h, &mut b).unwrap(), 0);
    // Write past the end zero-fills the gap.
    assert_eq!(s.seek(1, h, 1000, TEE_DATA_SEEK_SET).unwrap(), 1000);
    s.write(1, h, b"tail").unwrap();
    assert_eq!(s.info(1, h).unwrap().data_size, 1004);
    assert_eq!(s.info(1, h).unwrap().data_position, 1004);
    assert_eq!(s.seek(1, h, -1004, TEE_DATA_SEEK_CUR).unwrap(), 0);
    let mut all = vec![0xFFu8; 2000];
    assert_eq!(s.read(1, h, &mut all).unwrap(), 1004);
    assert!(all[..1000].iter().all(|&x| x == 0));
    assert_eq!(&all[1000..1004], b"tail");
    assert_eq!(s.read(1, h, &mut all).unwrap(), 0);
    // Seek rules.
    assert_eq!(s.seek(1, h, -5, TEE_DATA_SEEK_END).unwrap(), 999);
    assert_eq!(
        s.seek(1, h, -10_000, TEE_DATA_SEEK_CUR).unwrap(),
        0,
        "clamped to 0"
    );
    assert_eq!(
        s.seek(1, h, i64::from(u32::MAX), TEE_DATA_SEEK_SET)
            .unwrap(),
        u32::MAX
    );
    assert_eq!(
        s.seek(1, h, 1, TEE_DATA_SEEK_CUR).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(
        s.seek(1, h, 1 << 32, TEE_DATA_SEEK_SET).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(s.seek(1, h, 0, 3).unwrap_err(), Error::BadParameters);
    // Writing at MAX_POSITION overflows; read past the end is empty.
    assert_eq!(s.write(1, h, b"x").unwrap_err(), Error::Overflow);
    assert_eq!(s.read(1, h, &mut b).unwrap(), 0);
    s.seek(1, h, i64::from(u32::MAX) - 1, TEE_DATA_SEEK_SET)
        .unwrap();
    assert_eq!(s.write(1, h, b"xy").unwrap_err(), Error::Overflow);
    assert_eq!(
        s.info(1, h).unwrap().data_size,
        1004,
        "failed write changed nothing"
    );
    // Zero-length write is a no-op.
    s.write(1, h, b"").unwrap();
    assert_eq!(s.info(1, h).unwrap().data_size, 1004);
    // Foreign owner / unknown handle.
    assert_eq!(s.read(2, h, &mut b).unwrap_err(), Error::BadState);
    assert_eq!(s.info(2, h).unwrap_err(), Error::BadState);
    assert_eq!(s.close(2, h).unwrap_err(), Error::BadState);
    assert_eq!(
        s.read(1, ObjectHandle(999), &mut b).unwrap_err(),
        Error::BadState
    );
    s.close(1, h).unwrap();
    assert_eq!(s.close(1, h).unwrap_err(), Error::BadState);
    // Access rights.
    let (hr, _) = s
        .open_object(1, &TA1, P, b"o", TEE_DATA_FLAG_ACCESS_READ)
        .unwrap();
    assert_eq!(s.write(1, hr, b"no").unwrap_err(), Error::AccessDenied);
    assert_eq!(s.truncate(1, hr, 0).unwrap_err(), Error::AccessDenied);
    assert_eq!(s.rename(1, hr, b"p").unwrap_err(), Error::AccessDenied);
    assert_eq!(s.close_and_delete(1, hr).unwrap_err(), Error::AccessDenied);
    s.close(1, hr).unwrap();
    let (hw, _) = s
        .open_object(1, &TA1, P, b"o", TEE_DATA_FLAG_ACCESS_WRITE)
        .unwrap();
    assert_eq!(s.read(1, hw, &mut b).unwrap_err(), Error::AccessDenied);
    s.write(1, hw, b"head").unwrap();
    s.close(1, hw).unwrap();
    let got = read_all(&mut s, &TA1, b"o").unwrap();
    assert_eq!(&got[..4], b"head");
    assert_eq!(&got[1000..], b"tail");
}

#[test]
fn truncate_grow_and_shrink() {
    let mut s = new_store(256);
    let h = create(&mut s, &TA1, b"t", &data(5000, 3));
    s.seek(1, h, 100, TEE_DATA_SEEK_SET).unwrap();
    s.truncate(1, h, 10).unwrap();
    assert_eq!(
        s.info(1, h).unwrap().data_position,
        100,
        "position unchanged"
    );
    assert_eq!(s.info(1, h).unwrap().data_size, 10);
    s.truncate(1, h, 3000).unwrap();
    let mut s = reopen(s, 256);
    let got = read_all(&mut s, &TA1, b"t").unwrap();
    assert_eq!(got.len(), 3000);
    assert_eq!(got[..10], data(5000, 3)[..10]);
    assert!(
        got[10..].iter().all(|&x| x == 0),
        "old bytes must not reappear"
    );
    // Shrink to 0, then write past the end again.
    let (h, _) = s.open_object(1, &TA1, P, b"t", RW).unwrap();
    s.truncate(1, h, 0).unwrap();
    assert_eq!(s.info(1, h).unwrap().data_size, 0);
    s.seek(1, h, 700, TEE_DATA_SEEK_SET).unwrap();
    s.write(1, h, b"z").unwrap();
    s.close(1, h).unwrap();
    let got = read_all(&mut s, &TA1, b"t").unwrap();
    assert_eq!(got.len(), 701);
    assert!(got[..700].iter().all(|&x| x == 0));
    // The blob shrank with the object.
    let name = s.supplicant().files.keys().find(|n| n.len() == 32).cloned();
    assert!(name.is_some());
}

#[test]
fn rename_and_delete() {
    let mut s = new_store(512);
    let h = create(&mut s, &TA1, b"a", b"A");
    let hb = create(&mut s, &TA1, b"b", b"B");
    assert_eq!(s.rename(1, h, b"b").unwrap_err(), Error::AccessConflict);
    assert_eq!(s.rename(1, h, b"a").unwrap_err(), Error::AccessConflict);
    // The empty ID is an ID like any other.
    s.rename(1, h, b"").unwrap();
    assert_eq!(s.list(&TA1, P).unwrap(), vec![b"".to_vec(), b"b".to_vec()]);
    s.rename(1, h, b"c").unwrap();
    assert_eq!(s.list(&TA1, P).unwrap(), vec![b"b".to_vec(), b"c".to_vec()]);
    // The handle still works after the rename.
    s.write(1, h, b"CC").unwrap();
    s.close(1, h).unwrap();
    // Another TA may use the name.
    let h2 = create(&mut s, &TA2, b"c", b"other");
    s.close(1, h2).unwrap();
    s.close_and_delete(1, hb).unwrap();
    let mut s = reopen(s, 512);
    assert_eq!(s.list(&TA1, P).unwrap(), vec![b"c".to_vec()]);
    assert_eq!(read_all(&mut s, &TA1, b"c").unwrap(), b"CC");
    assert_eq!(read_all(&mut s, &TA2, b"c").unwrap(), b"other");
    assert_eq!(
        s.open_object(1, &TA1, P, b"a", RW).unwrap_err(),
        Error::ItemNotFound
    );
    assert_eq!(s.object_count(), 2);
    // Files: dir + 2 objects.
    assert_eq!(s.supplicant().files.len(), 3);
}

#[test]
fn restrict_usage_is_persisted_and_close_all() {
    let mut s = new_store(512);
    let h = s.create(1, &TA1, P, b"k", RW, &attrs(b"a"), b"").unwrap();
    s.restrict_usage(1, h, 0x0000_00F0).unwrap();
    assert_eq!(s.info(1, h).unwrap().object_usage, 0xF0);
    s.restrict_usage(1, h, 0xFFFF_FF0F).unwrap();
    assert_eq!(s.info(1, h).unwrap().object_usage, 0);
    assert_eq!(
        s.open_object(7, &TA2, P, b"k", RW).unwrap_err(),
        Error::ItemNotFound,
        "TA2 cannot see TA1's object"
    );
    let mut s = reopen(s, 512);
    let (h, info) = s
        .open_object(
            5,
            &TA1,
            P,
            b"k",
            TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_SHARE_READ,
        )
        .unwrap();
    assert_eq!(info.object_usage, 0);
    let (h3, _) = s
        .open_object(
            5,
            &TA1,
            P,
            b"k",
            TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_SHARE_READ,
        )
        .unwrap();
    let (h4, _) = s
        .open_object(
            6,
            &TA1,
            P,
            b"k",
            TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_SHARE_READ,
        )
        .unwrap();
    assert_eq!(s.close_all(5), 2);
    assert_eq!(s.info(5, h).unwrap_err(), Error::BadState);
    assert_eq!(s.info(5, h3).unwrap_err(), Error::BadState);
    assert!(s.info(6, h4).is_ok());
    // With the remaining reader gone, exclusive access works again.
    assert_eq!(
        s.open_object(5, &TA1, P, b"k", RW).unwrap_err(),
        Error::AccessConflict
    );
    assert_eq!(s.close_all(6), 1);
    assert!(s.open_object(5, &TA1, P, b"k", RW).is_ok());
}

#[test]
fn enumeration_while_creating_and_deleting() {
    let mut s = new_store(256);
    for i in 0..30u8 {
        let h = create(&mut s, &TA1, &[b'o', i], &[i; 3]);
        s.close(1, h).unwrap();
    }
    let h = create(&mut s, &TA2, b"x", b"");
    s.close(1, h).unwrap();
    let snapshot = s.list_info(&TA1, P).unwrap();
    assert_eq!(snapshot.len(), 30);
    assert!(snapshot.iter().all(|(_, i)| i.data_size == 3));
    // Mutate while walking the snapshot.
    for (n, (id, _)) in snapshot.iter().enumerate() {
        if n % 2 == 0 {
            let (h, _) = s.open_object(1, &TA1, P, id, RW).unwrap();
            s.close_and_delete(1, h).unwrap();
        } else {
            let h = create(&mut s, &TA1, &[b'n', n as u8], b"new");
            s.close(1, h).unwrap();
        }
    }
    let after = s.list(&TA1, P).unwrap();
    assert_eq!(after.len(), 30);
    assert_eq!(after.iter().filter(|i| i[0] == b'n').count(), 15);
    let s2 = reopen(s, 256);
    let mut s2 = s2;
    assert_eq!(s2.list(&TA1, P).unwrap(), after);
    assert_eq!(s2.list(&TA2, P).unwrap(), vec![b"x".to_vec()]);
    assert!(s2.list(&TA2, TEE_STORAGE_PRIVATE_REE).unwrap().is_empty());
}

/// Random writes, truncates and reads against a `Vec<u8>` model, with
/// reopens, on a tiny block size so trees get 3-4 levels.
#[test]
fn model_based_random_operations() {
    for seed in 0..4u64 {
        let bs = 256;
        let mut s = new_store(bs);
        let mut r = rng(1000 + seed);
        let mut model: Vec<u8> = Vec::new();
        let h0 = create(&mut s, &TA1, b"m", b"");
        let mut h = h0;
        for step in 0..250 {
            let op = r.next_u32() % 10;
            let size = model.len() as u64;
            match op {
                0..=4 => {
                    let pos = r.next_u64() % (size + 600);
                    let len = (r.next_u32() % 1500) as usize;
                    let d: Vec<u8> = (0..len).map(|_| r.next_u32() as u8).collect();
                    s.seek(1, h, pos as i64, TEE_DATA_SEEK_SET).unwrap();
                    s.write(1, h, &d).unwrap();
                    if !d.is_empty() {
                        let end = pos as usize + len;
                        if model.len() < end {
                            model.resize(end, 0);
                        }
                        model[pos as usize..end].copy_from_slice(&d);
                    }
                }
                5 | 6 => {
                    let n = (r.next_u64() % 40_000) as usize;
                    s.truncate(1, h, n as u32).unwrap();
                    model.resize(n, 0);
                }
                7 | 8 => {
                    let pos = r.next_u64() % (size + 100);
                    let len = (r.next_u32() % 3000) as usize;
                    s.seek(1, h, pos as i64, TEE_DATA_SEEK_SET).unwrap();
                    let mut b = vec![0u8; len];
                    let n = s.read(1, h, &mut b).unwrap();
                    let exp_n = len.min(model.len().saturating_sub(pos as usize));
                    assert_eq!(n, exp_n, "seed {seed} step {step}");
                    if n > 0 {
                        assert_eq!(
                            b[..n],
                            model[pos as usize..pos as usize + n],
                            "seed {seed} step {step}"
                        );
                    }
                }
                _ => {
                    s = reopen(s, bs);
                    h = s.open_object(1, &TA1, P, b"m", RW).unwrap().0;
                }
            }
            assert_eq!(s.info(1, h).unwrap().data_size as usize, model.len());
        }
        s = reopen(s, bs);
        assert_eq!(read_all(&mut s, &TA1, b"m").unwrap(), model);
        // The blob is never much larger than the object needs.
        let g = Geometry::new(bs);
        let len = s.supplicant().files.values().map(Vec::len).max().unwrap() as u64;
        assert!(
            len <= g.file_len(model.len() as u64).max(g.file_len(40_000) * 2),
            "{len}"
        );
    }
}

// ---------------------------------------------------------------- big objects

#[test]
fn large_object_bounded_memory_and_small_write_cost() {
    let mut s = new_store(4096);
    let h = create(&mut s, &TA1, b"big", b"");
    let chunk = data(1 << 20, 5);
    s.reset_stats();
    for _ in 0..64 {
        s.write(1, h, &chunk).unwrap();
    }
    let st = s.stats();
    assert_eq!(s.info(1, h).unwrap().data_size, 64 << 20);
    assert_eq!(st.syncs, 64);
    assert_eq!(st.rpmb_writes, 64);
    // 64 MiB object: height 2 at 4 KiB blocks; the working set is a few
    // blocks plus one node per level, independent of the object size.
    assert!(
        st.peak_buffer_bytes <= 32 * 1024,
        "peak {}",
        st.peak_buffer_bytes
    );
    // Writes are data plus index nodes (~0.5 % overhead) plus directory.
    let payload = (64u64 << 20) as f64;
    assert!(
        (st.bytes_written as f64) < payload * 1.05,
        "written {}",
        st.bytes_written
    );

    // A small write in the middle rewrites one path: data + 2 index
    // levels + the directory block.
    s.reset_stats();
    s.seek(1, h, 33 << 20, TEE_DATA_SEEK_SET).unwrap();
    s.write(1, h, &[0xEE; 1024]).unwrap();
    let st = s.stats();
    assert!(
        st.bytes_written <= 5 * 4096,
        "small write wrote {}",
        st.bytes_written
    );
    assert_eq!(st.syncs, 1);
    eprintln!(
        "1 KiB write into a 64 MiB object: {} bytes written, {} read",
        st.bytes_written, st.bytes_read
    );

    // Read back (sampled: debug-build AES-GCM is slow) through a bounded
    // buffer.
    s.reset_stats();
    let mut b = vec![0u8; 1 << 20];
    for i in [0u64, 17, 33, 63] {
        s.seek(1, h, (i << 20) as i64, TEE_DATA_SEEK_SET).unwrap();
        assert_eq!(s.read(1, h, &mut b).unwrap(), 1 << 20);
        if i == 33 {
            assert_eq!(&b[..1024], &[0xEE; 1024][..]);
            assert_eq!(b[1024..], chunk[1024..]);
        } else {
            assert_eq!(b, chunk);
        }
    }
    assert!(s.stats().peak_buffer_bytes <= 32 * 1024);
}

/// A supplicant that stores only written blocks (the engine does
/// block-aligned I/O), so a sparse 1 GiB object costs no memory.
#[derive(Default)]
struct SparseSup {
    files: BTreeMap<String, (u64, BTreeMap<u64, Vec<u8>>)>,
}

impl Supplicant for SparseSup {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        let (len, blocks) = self.files.get(name).ok_or(SupplicantError::NotFound)?;
        if offset >= *len {
            return Ok(0);
        }
        let n = buf.len().min((*len - offset) as usize);
        match blocks.get(&offset) {
            Some(b) => buf[..n].copy_from_slice(&b[..n]),
            None => buf[..n].fill(0),
        }
        Ok(n)
    }
    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        let f = self.files.entry(name.to_owned()).or_default();
        f.1.insert(offset, data.to_vec());
        f.0 = f.0.max(offset + data.len() as u64);
        Ok(())
    }
    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        let f = self.files.entry(name.to_owned()).or_default();
        f.0 = len;
        f.1.retain(|o, _| *o < len);
        Ok(())
    }
    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        Ok(self.files.get(name).map(|f| f.0))
    }
    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        self.files.remove(name);
        Ok(())
    }
    fn sync(&mut self, _names: &[&str]) -> Result<(), SupplicantError> {
        Ok(())
    }
    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        Ok(self.files.keys().cloned().collect())
    }
}

#[test]
fn small_write_into_sparse_1gib_object() {
    let mut s =
        Store::open_with(cfg(4096), HUK, SparseSup::default(), MemRpmb::new(), rng(1)).unwrap();
    let h = s
        .create(1, &TA1, P, b"huge", RW, &ObjectAttrs::default(), b"")
        .unwrap();
    s.truncate(1, h, 1 << 30).unwrap();
    assert_eq!(s.info(1, h).unwrap().data_size, 1 << 30);
    for (i, pos) in [(0, 700u64 << 20), (1, 3 << 20), (2, (1 << 30) - 512)] {
        s.reset_stats();
        s.seek(1, h, pos as i64, TEE_DATA_SEEK_SET).unwrap();
        s.write(1, h, &[i as u8 + 1; 1024]).unwrap();
        let st = s.stats();
        eprintln!(
            "1 KiB write at {pos} into a 1 GiB object: {} bytes written ({} blocks), {} read, {} sync, peak {} B",
            st.bytes_written, st.block_writes, st.bytes_read, st.syncs, st.peak_buffer_bytes
        );
        // data (+1 if it straddles) + 3 index levels + directory block.
        assert!(st.block_writes <= 6, "{st:?}");
        assert!(st.peak_buffer_bytes <= 32 * 1024);
    }
    let mut b = [0u8; 1024];
    s.seek(1, h, 700 << 20, TEE_DATA_SEEK_SET).unwrap();
    s.read(1, h, &mut b).unwrap();
    assert_eq!(b, [1; 1024]);
    s.seek(1, h, (700 << 20) - 1024, TEE_DATA_SEEK_SET).unwrap();
    s.read(1, h, &mut b).unwrap();
    assert_eq!(b, [0; 1024]);
    s.seek(1, h, -512, TEE_DATA_SEEK_END).unwrap();
    assert_eq!(s.read(1, h, &mut b).unwrap(), 512);
    assert_eq!(b[..512], [3; 512]);
}

// ---------------------------------------------------------------- tamper

/// (TA, object id, attribute blob, data) of each fixture object.
type FixtureObject = ([u8; 16], Vec<u8>, Vec<u8>, Vec<u8>);

struct Fixture {
    objects: Vec<FixtureObject>,
}

fn tamper_fixture(bs: usize) -> (MemStore, Fixture) {
    let mut s = new_store(bs);
    let objs = vec![
        (
            TA1,
            b"k1".to_vec(),
            b"attribute blob of k1, 100 bytes long........................................"
                .to_vec(),
            data(700, 1),
        ),
        (TA1, b"k2".to_vec(), Vec::new(), Vec::new()),
        // 14 blocks of 220 bytes: a two-level tree.
        (TA2, b"k1".to_vec(), Vec::new(), data(3000, 2)),
    ];
    for (ta, id, a, d) in &objs {
        let h = s.create(1, ta, P, id, RW, &attrs(a), d).unwrap();
        s.close(1, h).unwrap();
    }
    // One update so both slots of some blocks are in use.
    let (h, _) = s.open_object(1, &TA2, P, b"k1", RW).unwrap();
    s.seek(1, h, 10, TEE_DATA_SEEK_SET).unwrap();
    s.write(1, h, &[0xAB; 20]).unwrap();
    s.close(1, h).unwrap();
    (s, Fixture { objects: objs })
}

/// Opens the store and reads everything: Ok(()) if all data is exactly
/// right, Err(e) if the engine detected a problem. Wrong data panics.
fn verify(sup: MemSupplicant, rp: MemRpmb, bs: usize, fx: &Fixture) -> Result<(), Error> {
    let mut s = Store::open_with(cfg(bs), HUK, sup, rp, rng(next_seed()))?;
    for (ta, id, a, d) in &fx.objects {
        let (h, info) = s.open_object(1, ta, P, id, TEE_DATA_FLAG_ACCESS_READ)?;
        assert_eq!(info.data_size as usize, d.len(), "wrong size accepted");
        let got_a = s.attributes(1, h)?;
        assert_eq!(&got_a, a, "wrong attributes accepted");
        let mut b = vec![0u8; d.len()];
        let n = s.read(1, h, &mut b)?;
        assert_eq!(n, d.len());
        assert_eq!(&b, d, "wrong data accepted");
        s.close(1, h)?;
    }
    Ok(())
}

fn apply_fixture_update(fx: &mut Fixture) {
    // The fixture's update wrote 20 bytes of 0xAB at 10.
    fx.objects[2].3[10..30].fill(0xAB);
}

#[test]
fn tamper_every_byte_of_every_file_is_detected_or_harmless() {
    let bs = 256;
    let (s, mut fx) = tamper_fixture(bs);
    apply_fixture_update(&mut fx);
    let (sup, rp) = s.into_parts();
    verify(sup.clone(), rp.clone(), bs, &fx).unwrap();
    let mut total_detected = 0;
    for (name, content) in &sup.files {
        // Removal of the blob is always detected.
        let mut t = sup.clone();
        t.files.remove(name);
        assert!(
            verify(t, rp.clone(), bs, &fx).is_err(),
            "removing {name} undetected"
        );
        if content.is_empty() {
            // An object without attributes or data has no block.
            continue;
        }
        let slots = content.len().div_ceil(bs);
        let mut det = vec![(0usize, 0usize); slots];
        for i in 0..content.len() {
            let mut t = sup.clone();
            t.files.get_mut(name).unwrap()[i] ^= 0x01 << (i % 8);
            match verify(t, rp.clone(), bs, &fx) {
                Ok(()) => det[i / bs].1 += 1,
                Err(e) => {
                    assert!(
                        matches!(e, Error::CorruptObject | Error::Security | Error::Rollback),
                        "unexpected {e:?}"
                    );
                    det[i / bs].0 += 1;
                }
            }
        }
        // A slot is either live (every byte covered) or unused.
        for (k, (d, u)) in det.iter().enumerate() {
            assert!(
                *d == 0 || *u == 0,
                "slot {k} of {name}: {d} detected, {u} not"
            );
        }
        let live = det.iter().filter(|(d, _)| *d > 0).count();
        assert!(live > 0, "{name}: nothing detected");
        total_detected += live;
        // Truncation by one byte and by one slot.
        for cut in [1, bs] {
            if content.len() >= cut {
                let mut t = sup.clone();
                let f = t.files.get_mut(name).unwrap();
                f.truncate(content.len() - cut);
                // Cutting an unused trailing slot is harmless, else it is
                // detected; `verify` panics on wrong data either way.
                let _ = verify(t, rp.clone(), bs, &fx);
            }
        }
    }
    // The non-empty objects' blobs and the directory have live slots.
    assert!(total_detected >= 3 + 2);
}

#[test]
fn tamper_rpmb_state_and_responses() {
    let bs = 256;
    let (s, mut fx) = tamper_fixture(bs);
    apply_fixture_update(&mut fx);
    let (sup, rp) = s.into_parts();
    let dev = rp.device.to_bytes();
    for i in 0..dev.len() {
        let mut b = dev.clone();
        b[i] ^= 0x10;
        let Some(d) = RpmbDevice::from_bytes(&b) else {
            continue;
        };
        let r = verify(sup.clone(), MemRpmb { device: d }, bs, &fx);
        assert!(r.is_err(), "RPMB state byte {i} flip undetected");
    }

    /// Flips one byte of every response.
    struct Evil(MemRpmb, usize);
    impl Rpmb for Evil {
        fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error> {
            let r = self.0.request(req)?;
            let mut b = r.to_bytes();
            b[self.1] ^= 0x04;
            Ok(RpmbFrame::from_bytes(&b).unwrap())
        }
    }
    // (Bytes 0..196 are the frame's stuff bytes, which carry nothing.)
    for i in 196..RPMB_FRAME_SIZE {
        let r = Store::open_with(cfg(bs), HUK, sup.clone(), Evil(rp.clone(), i), rng(5));
        assert!(r.is_err(), "response byte {i} flip undetected");
    }
    // A device reset under existing blobs is refused.
    assert_eq!(
        verify(sup.clone(), MemRpmb::new(), bs, &fx).unwrap_err(),
        Error::Security
    );
    // Another HUK cannot open the store.
    let r = Store::open_with(cfg(bs), [8; 32], sup.clone(), rp.clone(), rng(5));
    assert!(matches!(r, Err(Error::Security)));
    // Block sizes out of range.
    for bad in [0, 255, 65537] {
        let r = Store::open_with(cfg(bad), HUK, MemSupplicant::new(), MemRpmb::new(), rng(5));
        assert!(matches!(r, Err(Error::BadParameters)));
    }
    // A different block size is refused.
    let r = Store::open_with(cfg(512), HUK, sup, rp, rng(5));
    assert!(matches!(r, Err(Error::BadParameters)));
}

fn new_files(before: &MemSupplicant, after: &MemSupplicant) -> Vec<String> {
    let dir = crate::keys::Keys::new(&HUK).dir_name();
    after
        .files
        .keys()
        .filter(|k| !before.files.contains_key(*k) && **k != dir)
        .cloned()
        .collect()
}

#[test]
fn swapped_and_cross_ta_copied_files_are_detected() {
    let bs = 256;
    let mut s = new_store(bs);
    let mut names = Vec::new();
    for (ta, id, d) in [
        (TA1, b"a", data(500, 1)),
        (TA1, b"b", data(500, 2)),
        (TA2, b"a", data(500, 3)),
    ] {
        let before = s.supplicant().clone();
        let h = create(&mut s, &ta, id, &d);
        s.close(1, h).unwrap();
        let n = new_files(&before, s.supplicant());
        assert_eq!(n.len(), 1, "one opaque blob per object");
        names.push(n[0].clone());
    }
    // Names are opaque: 32 hex digits of a keyed MAC.
    for n in &names {
        assert!(n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit()));
    }
    let (sup, rp) = s.into_parts();
    // Swap TA1's a and b.
    let mut t = sup.clone();
    let fa = t.files[&names[0]].clone();
    let fb = t.files[&names[1]].clone();
    t.files.insert(names[0].clone(), fb);
    t.files.insert(names[1].clone(), fa.clone());
    let mut st = Store::open_with(cfg(bs), HUK, t, rp.clone(), rng(11)).unwrap();
    assert_eq!(
        read_all(&mut st, &TA1, b"a").unwrap_err(),
        Error::CorruptObject
    );
    assert_eq!(
        read_all(&mut st, &TA1, b"b").unwrap_err(),
        Error::CorruptObject
    );
    assert_eq!(read_all(&mut st, &TA2, b"a").unwrap(), data(500, 3));
    // Copy TA1's "a" over TA2's "a".
    let mut t = sup.clone();
    t.files.insert(names[2].clone(), fa);
    let mut st = Store::open_with(cfg(bs), HUK, t, rp.clone(), rng(12)).unwrap();
    assert_eq!(
        read_all(&mut st, &TA2, b"a").unwrap_err(),
        Error::CorruptObject
    );
    assert_eq!(read_all(&mut st, &TA1, b"a").unwrap(), data(500, 1));
    // Its open fails too; the TA recovers by overwriting it, the others
    // keep working.
    assert_eq!(
        st.open_object(1, &TA2, P, b"a", RW).unwrap_err(),
        Error::CorruptObject
    );
    let h = st
        .create(
            1,
            &TA2,
            P,
            b"a",
            RW | TEE_DATA_FLAG_OVERWRITE,
            &ObjectAttrs::default(),
            b"fresh",
        )
        .unwrap();
    st.close(1, h).unwrap();
    assert_eq!(read_all(&mut st, &TA2, b"a").unwrap(), b"fresh");
    assert_eq!(read_all(&mut st, &TA1, b"b").unwrap(), data(500, 2));
}

#[test]
fn corrupt_object_open_reports_corrupt_and_delete_works() {
    let bs = 256;
    let mut s = new_store(bs);
    let before = s.supplicant().clone();
    let h = create(&mut s, &TA1, b"x", &data(3000, 9));
    s.close(1, h).unwrap();
    let name = new_files(&before, s.supplicant())[0].clone();
    let h = create(&mut s, &TA1, b"y", b"fine");
    s.close(1, h).unwrap();
    // Corrupt a data block in the middle: open succeeds (root path ok),
    // the read of that block fails, other objects keep working.
    // Data block 4, slot 0 (written once): not on the path to block 0.
    let off = (2 * Geometry::new(bs).pos_data(4) as usize) * bs;
    let f = s.supplicant().files.get_mut(&name).unwrap();
    for b in &mut f[off..off + bs] {
        *b ^= 0xFF;
    }
    let (h, _) = s.open_object(1, &TA1, P, b"x", RW).unwrap();
    let mut buf = vec![0u8; 3000];
    assert_eq!(s.read(1, h, &mut buf).unwrap_err(), Error::CorruptObject);
    assert_eq!(read_all(&mut s, &TA1, b"y").unwrap(), b"fine");
    s.close_and_delete(1, h).unwrap();
    // Removing an object's blob: its open reports CorruptObject.
    let before = s.supplicant().clone();
    let h = create(&mut s, &TA1, b"z", b"");
    s.close(1, h).unwrap();
    let name = new_files(&before, s.supplicant())[0].clone();
    s.supplicant().files.remove(&name);
    assert_eq!(
        s.open_object(1, &TA1, P, b"z", RW).unwrap_err(),
        Error::CorruptObject
    );
}

#[test]
fn rollback_of_normal_world_files_is_refused() {
    let bs = 256;
    let mut s = new_store(bs);
    let h = create(&mut s, &TA1, b"ctr", b"0");
    let mut snapshots = Vec::new();
    for i in 1..8u8 {
        snapshots.push(s.supplicant().clone());
        s.seek(1, h, 0, TEE_DATA_SEEK_SET).unwrap();
        s.write(1, h, &[b'0' + i]).unwrap();
    }
    s.close(1, h).unwrap();
    let (sup, rp) = s.into_parts();
    let mut rollbacks = 0;
    for snap in &snapshots {
        match Store::open_with(cfg(bs), HUK, snap.clone(), rp.clone(), rng(3)) {
            Ok(_) => panic!("rolled-back store opened"),
            Err(Error::Rollback) => rollbacks += 1,
            Err(e) => assert_eq!(e, Error::Security),
        }
        // Rolling back only the object's blob: the object is corrupt.
        let mut t = sup.clone();
        for (n, c) in &snap.files {
            if t.files.contains_key(n) && *n != dir_name(&sup, snap) {
                t.files.insert(n.clone(), c.clone());
            }
        }
        let mut st = Store::open_with(cfg(bs), HUK, t, rp.clone(), rng(4)).unwrap();
        assert_eq!(
            read_all(&mut st, &TA1, b"ctr").unwrap_err(),
            Error::CorruptObject
        );
    }
    assert!(rollbacks > 0, "stale directory never diagnosed as rollback");
    let mut st = Store::open_with(cfg(bs), HUK, sup, rp, rng(5)).unwrap();
    assert_eq!(read_all(&mut st, &TA1, b"ctr").unwrap(), b"7");
}

/// The directory blob is the one present in every state.
fn dir_name(a: &MemSupplicant, b: &MemSupplicant) -> String {
    let keys = crate::keys::Keys::new(&HUK);
    let n = keys.dir_name();
    assert!(a.files.contains_key(&n) && b.files.contains_key(&n));
    n
}

// ---------------------------------------------------------------- crashes

#[derive(Default)]
struct CrashCtl {
    limit: u64,
    count: u64,
    crashed: bool,
    rpmb_applied_on_crash: bool,
}

impl CrashCtl {
    /// Counts one operation; false once the crash point is reached.
    fn tick(&mut self) -> bool {
        if self.crashed {
            return false;
        }
        self.count += 1;
        if self.count > self.limit {
            self.crashed = true;
            return false;
        }
        true
    }
}

#[derive(Clone, Debug)]
enum Pending {
    Write(u64, Vec<u8>),
    SetLen(u64),
    Remove,
}

struct CrashSup {
    ctl: Rc<RefCell<CrashCtl>>,
    view: MemSupplicant,
    durable: MemSupplicant,
    pending: Vec<(String, Pending)>,
}

fn apply_pending(m: &mut MemSupplicant, name: &str, p: &Pending) {
    match p {
        Pending::Write(off, d) => m.write_at(name, *off, d).unwrap(),
        Pending::SetLen(l) => m.set_len(name, *l).unwrap(),
        Pending::Remove => m.remove(name).unwrap(),
    }
}

impl CrashSup {
    /// The state after the crash: durable plus a random subset of the
    /// unsynced operations (in order), some writes torn.
    fn recover(&self, r: &mut ChaCha20Rng) -> MemSupplicant {
        let mut m = self.durable.clone();
        for (n, p) in &self.pending {
            match r.next_u32() % 4 {
                0 | 1 => {}
                2 => apply_pending(&mut m, n, p),
                _ => {
                    if let Pending::Write(off, d) = p {
                        let keep = (r.next_u32() as usize) % (d.len() + 1);
                        apply_pending(&mut m, n, &Pending::Write(*off, d[..keep].to_vec()));
                    } else {
                        apply_pending(&mut m, n, p);
                    }
                }
            }
        }
        m
    }
}

impl Supplicant for CrashSup {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        if self.ctl.borrow().crashed {
            return Err(SupplicantError::Io);
        }
        self.view.read_at(name, offset, buf)
    }
    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        if !self.ctl.borrow_mut().tick() {
            return Err(SupplicantError::Io);
        }
        self.pending
            .push((name.to_owned(), Pending::Write(offset, data.to_vec())));
        self.view.write_at(name, offset, data)
    }
    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        if !self.ctl.borrow_mut().tick() {
            return Err(SupplicantError::Io);
        }
        self.pending.push((name.to_owned(), Pending::SetLen(len)));
        self.view.set_len(name, len)
    }
    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        self.view.size(name)
    }
    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        if !self.ctl.borrow_mut().tick() {
            return Err(SupplicantError::Io);
        }
        self.pending.push((name.to_owned(), Pending::Remove));
        self.view.remove(name)
    }
    fn sync(&mut self, names: &[&str]) -> Result<(), SupplicantError> {
        if !self.ctl.borrow_mut().tick() {
            return Err(SupplicantError::Io);
        }
        let (now, later): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|(n, _)| names.contains(&n.as_str()));
        for (n, p) in &now {
            apply_pending(&mut self.durable, n, p);
        }
        self.pending = later;
        Ok(())
    }
    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        self.view.list()
    }
}

struct CrashRpmb {
    ctl: Rc<RefCell<CrashCtl>>,
    inner: MemRpmb,
}

impl Rpmb for CrashRpmb {
    fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error> {
        if req.kind != RPMB_REQ_WRITE {
            if self.ctl.borrow().crashed {
                return Err(Error::Generic);
            }
            return self.inner.request(req);
        }
        let ok = self.ctl.borrow_mut().tick();
        if !ok {
            // Crash during the write: the device may or may not have it.
            if self.ctl.borrow().rpmb_applied_on_crash {
                let _ = self.inner.request(req);
            }
            return Err(Error::Generic);
        }
        self.inner.request(req)
    }
}

type Snapshot = BTreeMap<Vec<u8>, (Vec<u8>, u32)>;

fn snapshot<S: Supplicant, R: Rpmb, G: RngCore + rand_core::CryptoRng>(
    s: &mut Store<S, R, G>,
) -> Snapshot {
    let mut m = BTreeMap::new();
    for id in s.list(&TA1, P).unwrap() {
        let (h, info) = s
            .open_object(99, &TA1, P, &id, TEE_DATA_FLAG_ACCESS_READ)
            .unwrap();
        let mut b = vec![0u8; info.data_size as usize];
        assert_eq!(s.read(99, h, &mut b).unwrap(), b.len());
        s.close(99, h).unwrap();
        m.insert(id, (b, info.object_usage));
    }
    m
}

type Op = fn(&mut Store<CrashSup, CrashRpmb, ChaCha20Rng>) -> Result<(), Error>;

fn crash_ops() -> Vec<Op> {
    fn open(
        s: &mut Store<CrashSup, CrashRpmb, ChaCha20Rng>,
        id: &[u8],
    ) -> Result<ObjectHandle, Error> {
        Ok(s.open_object(1, &TA1, P, id, RW)?.0)
    }
    vec![
        |s| {
            let h = s.create(1, &TA1, P, b"a", RW, &attrs(b"attr"), &data(300, 1))?;
            s.close(1, h)
        },
        |s| {
            let h = open(s, b"b")?;
            s.seek(1, h, 100, TEE_DATA_SEEK_SET)?;
            let r = s.write(1, h, &data(900, 2));
            s.close(1, h)?;
            r
        },
        |s| {
            let h = open(s, b"b")?;
            let r = s.truncate(1, h, 50);
            s.close(1, h)?;
            r
        },
        |s| {
            let h = s.create(
                1,
                &TA1,
                P,
                b"a",
                RW | TEE_DATA_FLAG_OVERWRITE,
                &attrs(b"x"),
                &data(1200, 3),
            )?;
            s.close(1, h)
        },
        |s| {
            let h = open(s, b"a")?;
            let r = s.rename(1, h, b"c");
            s.close(1, h)?;
            r
        },
        |s| {
            let h = open(s, b"d")?;
            s.close_and_delete(1, h)
        },
        |s| {
            let h = open(s, b"c")?;
            s.seek(1, h, 0, TEE_DATA_SEEK_END)?;
            let r = s.write(1, h, &data(3000, 4));
            s.close(1, h)?;
            r
        },
        |s| {
            let h = open(s, b"c")?;
            let r = s.truncate(1, h, 6000);
            s.close(1, h)?;
            r
        },
        |s| {
            let h = open(s, b"b")?;
            let r = s.restrict_usage(1, h, 0xF);
            s.close(1, h)?;
            r
        },
        |s| {
            let h = open(s, b"c")?;
            let r = s.truncate(1, h, 10);
            s.close(1, h)?;
            r
        },
    ]
}

fn crash_base(bs: usize) -> (MemSupplicant, MemRpmb) {
    let mut s = new_store(bs);
    for (id, n) in [(b"b", 400), (b"d", 2500)] {
        let h = s
            .create(1, &TA1, P, id, RW, &attrs(b""), &data(n, 7))
            .unwrap();
        s.close(1, h).unwrap();
    }
    s.into_parts()
}

#[test]
fn crash_at_every_operation_leaves_old_or_new_state() {
    let bs = 256;
    let (base_sup, base_rpmb) = crash_base(bs);
    let ops = crash_ops();
    // Reference run: the states after each op, and the op count.
    let ctl = Rc::new(RefCell::new(CrashCtl {
        limit: u64::MAX,
        ..Default::default()
    }));
    let mut s = Store::open_with(
        cfg(bs),
        HUK,
        CrashSup {
            ctl: ctl.clone(),
            view: base_sup.clone(),
            durable: base_sup.clone(),
            pending: Vec::new(),
        },
        CrashRpmb {
            ctl: ctl.clone(),
            inner: base_rpmb.clone(),
        },
        rng(77),
    )
    .unwrap();
    let mut states = vec![snapshot(&mut s)];
    for op in &ops {
        op(&mut s).unwrap();
        states.push(snapshot(&mut s));
    }
    let total = ctl.borrow().count;
    assert!(total > 30, "{total}");
    let mut r = rng(4242);
    let mut checked = 0;
    for limit in 0..=total {
        for variant in 0..3 {
            let ctl = Rc::new(RefCell::new(CrashCtl {
                limit,
                rpmb_applied_on_crash: variant == 1,
                ..Default::default()
            }));
            let mut s = Store::open_with(
                cfg(bs),
                HUK,
                CrashSup {
                    ctl: ctl.clone(),
                    view: base_sup.clone(),
                    durable: base_sup.clone(),
                    pending: Vec::new(),
                },
                CrashRpmb {
                    ctl: ctl.clone(),
                    inner: base_rpmb.clone(),
                },
                rng(500 + limit),
            )
            .unwrap();
            let mut done = 0;
            for op in &ops {
                if op(&mut s).is_err() {
                    break;
                }
                done += 1;
            }
            if limit >= total {
                assert_eq!(done, ops.len());
            }
            let (sup, rp) = s.into_parts();
            let recovered = sup.recover(&mut r);
            let mut s2 = Store::open_with(cfg(bs), HUK, recovered, rp.inner, rng(900 + limit))
                .unwrap_or_else(|e| panic!("store does not open after crash at {limit}: {e:?}"));
            let got = snapshot(&mut s2);
            let ok_old = got == states[done];
            let ok_new = done < ops.len() && got == states[done + 1];
            assert!(
                ok_old || ok_new,
                "crash at op {limit} (during op {done}, variant {variant}): state is neither old nor new"
            );
            // Orphans were removed: one blob per object plus the directory.
            assert_eq!(
                s2.supplicant().files.len(),
                got.len() + 1,
                "leftover blobs after crash at {limit}"
            );
            // The store keeps working.
            let h = s2
                .create(1, &TA1, P, b"after", RW, &attrs(b""), b"ok")
                .unwrap();
            s2.close(1, h).unwrap();
            assert_eq!(read_all(&mut s2, &TA1, b"after").unwrap(), b"ok");
            checked += 1;
        }
    }
    assert!(checked > 90);
}

#[test]
fn failed_rpmb_write_is_recovered_by_reload() {
    // The RPMB applies the write but the answer is lost: the engine
    // reloads before the next operation and sees the committed state.
    struct Lossy(MemRpmb, bool);
    impl Rpmb for Lossy {
        fn request(&mut self, req: &RpmbFrame) -> Result<RpmbFrame, Error> {
            let r = self.0.request(req);
            if req.kind == RPMB_REQ_WRITE && self.1 {
                self.1 = false;
                return Err(Error::Generic);
            }
            r
        }
    }
    let mut s = Store::open_with(
        cfg(256),
        HUK,
        MemSupplicant::new(),
        Lossy(MemRpmb::new(), false),
        rng(1),
    )
    .unwrap();
    let h = s
        .create(1, &TA1, P, b"o", RW, &ObjectAttrs::default(), b"one")
        .unwrap();
    s.rpmb_lossy_next();
    assert_eq!(s.write(1, h, b"two").unwrap_err(), Error::Generic);
    // The write did commit on the device; the next operation sees it.
    let mut b = [0u8; 6];
    s.seek(1, h, 0, TEE_DATA_SEEK_SET).unwrap();
    assert_eq!(s.read(1, h, &mut b).unwrap(), 3);
    assert_eq!(&b[..3], b"two");

    trait LossyNext {
        fn rpmb_lossy_next(&mut self);
    }
    impl LossyNext for Store<MemSupplicant, Lossy, ChaCha20Rng> {
        fn rpmb_lossy_next(&mut self) {
            self.rpmb_mut().1 = true;
        }
    }
}

#[test]
fn syncs_and_rpmb_writes_per_operation() {
    let mut s = new_store(4096);
    s.reset_stats();
    let h = create(&mut s, &TA1, b"o", &[1; 1024]);
    let st = s.stats();
    assert_eq!((st.syncs, st.rpmb_writes, st.commits), (1, 1, 1));
    // A 1 KiB object: one data block + one directory block.
    assert_eq!(st.block_writes, 2, "{st:?}");
    s.reset_stats();
    s.write(1, h, &[2; 1024]).unwrap();
    let st = s.stats();
    assert_eq!((st.syncs, st.rpmb_writes), (1, 1));
    s.reset_stats();
    s.close(1, h).unwrap();
    assert_eq!(s.stats(), Stats::default(), "close does no I/O");
}

#[test]
fn handle_caches_stay_coherent_across_handles() {
    let mut s = new_store(256);
    let sh = TEE_DATA_FLAG_SHARE_READ | TEE_DATA_FLAG_SHARE_WRITE;
    let h = s
        .create(
            1,
            &TA1,
            P,
            b"o",
            RW & !TEE_DATA_FLAG_ACCESS_WRITE_META | sh,
            &ObjectAttrs::default(),
            &data(5000, 1),
        )
        .unwrap();
    let (r, _) = s
        .open_object(2, &TA1, P, b"o", TEE_DATA_FLAG_ACCESS_READ | sh)
        .unwrap();
    let mut b = vec![0u8; 300];
    s.seek(2, r, 2000, TEE_DATA_SEEK_SET).unwrap();
    s.read(2, r, &mut b).unwrap();
    assert_eq!(b, data(5000, 1)[2000..2300]);
    // The writer changes the block the reader has cached.
    s.seek(1, h, 2100, TEE_DATA_SEEK_SET).unwrap();
    s.write(1, h, &[0xCC; 50]).unwrap();
    s.seek(2, r, 2000, TEE_DATA_SEEK_SET).unwrap();
    s.read(2, r, &mut b).unwrap();
    assert_eq!(b[..100], data(5000, 1)[2000..2100]);
    assert_eq!(b[100..150], [0xCC; 50]);
    assert_eq!(b[150..], data(5000, 1)[2150..2300]);
    // Truncate through the writer; the reader sees the new size and zeros.
    s.truncate(1, h, 2120).unwrap();
    s.truncate(1, h, 2400).unwrap();
    s.seek(2, r, 2000, TEE_DATA_SEEK_SET).unwrap();
    assert_eq!(s.read(2, r, &mut b).unwrap(), 300);
    assert_eq!(b[100..120], [0xCC; 20]);
    assert!(b[120..].iter().all(|&x| x == 0));
}

/// Fails writes once a byte budget is used up.
struct QuotaSup {
    inner: MemSupplicant,
    budget: u64,
}

impl Supplicant for QuotaSup {
    fn read_at(&mut self, n: &str, o: u64, b: &mut [u8]) -> Result<usize, SupplicantError> {
        self.inner.read_at(n, o, b)
    }
    fn write_at(&mut self, n: &str, o: u64, d: &[u8]) -> Result<(), SupplicantError> {
        if (d.len() as u64) > self.budget {
            return Err(SupplicantError::NoSpace);
        }
        self.budget -= d.len() as u64;
        self.inner.write_at(n, o, d)
    }
    fn set_len(&mut self, n: &str, l: u64) -> Result<(), SupplicantError> {
        self.inner.set_len(n, l)
    }
    fn size(&mut self, n: &str) -> Result<Option<u64>, SupplicantError> {
        self.inner.size(n)
    }
    fn remove(&mut self, n: &str) -> Result<(), SupplicantError> {
        self.inner.remove(n)
    }
    fn sync(&mut self, n: &[&str]) -> Result<(), SupplicantError> {
        self.inner.sync(n)
    }
    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        self.inner.list()
    }
}

#[test]
fn out_of_space_changes_nothing() {
    let sup = QuotaSup {
        inner: MemSupplicant::new(),
        budget: 20_000,
    };
    let mut s = Store::open_with(cfg(256), HUK, sup, MemRpmb::new(), rng(1)).unwrap();
    let h = s
        .create(1, &TA1, P, b"o", RW, &ObjectAttrs::default(), b"keep")
        .unwrap();
    assert_eq!(
        s.write(1, h, &vec![1; 50_000]).unwrap_err(),
        Error::StorageNoSpace
    );
    assert_eq!(s.info(1, h).unwrap().data_size, 4);
    assert_eq!(s.info(1, h).unwrap().data_position, 0);
    assert_eq!(
        s.create(1, &TA1, P, b"p", RW, &ObjectAttrs::default(), &[2; 50_000])
            .unwrap_err(),
        Error::StorageNoSpace
    );
    assert_eq!(s.list(&TA1, P).unwrap(), vec![b"o".to_vec()]);
    s.supplicant().budget = u64::MAX;
    s.write(1, h, b"ABCD").unwrap();
    s.close(1, h).unwrap();
    let (sup, rp) = s.into_parts();
    let mut s = Store::open_with(cfg(256), HUK, sup.inner, rp, rng(2)).unwrap();
    assert_eq!(read_all(&mut s, &TA1, b"o").unwrap(), b"ABCD");
    // The failed create left no blob behind.
    assert_eq!(s.supplicant().files.len(), 2);
}

/// Numbers for the report (4 KiB blocks): cost of the benchmark patterns.
#[test]
fn cost_of_benchmark_patterns() {
    let mut s = new_store(4096);
    for i in 0..100u32 {
        let h = create(&mut s, &TA1, &i.to_le_bytes(), b"");
        s.close(1, h).unwrap();
    }
    s.reset_stats();
    for i in 0..100u32 {
        let h = s
            .create(
                1,
                &TA1,
                P,
                &(1000 + i).to_le_bytes(),
                RW,
                &ObjectAttrs::default(),
                &[0; 0],
            )
            .unwrap();
        s.write(1, h, &[7; 1024]).unwrap();
        s.close(1, h).unwrap();
    }
    let st = s.stats();
    eprintln!(
        "create+write(1 KiB)+close, per object: {} B written in {} blocks, {} B read, {} syncs, {} RPMB writes",
        st.bytes_written / 100,
        st.block_writes / 100,
        st.bytes_read / 100,
        st.syncs / 100,
        st.rpmb_writes / 100
    );
    assert_eq!(st.syncs, 200);
    assert!(st.block_writes <= 100 * 6);

    let h = create(&mut s, &TA1, b"2mib", b"");
    s.reset_stats();
    for _ in 0..2048 {
        s.write(1, h, &[9; 1024]).unwrap();
    }
    let st = s.stats();
    eprintln!(
        "2 MiB in 1 KiB writes, per write: {} B written, {} B read, {} sync",
        st.bytes_written / 2048,
        st.bytes_read / 2048,
        st.syncs / 2048
    );
    assert!(st.bytes_written / 2048 <= 5 * 4096);
    s.seek(1, h, 0, TEE_DATA_SEEK_SET).unwrap();
    s.reset_stats();
    let mut b = [0u8; 1024];
    for _ in 0..2048 {
        assert_eq!(s.read(1, h, &mut b).unwrap(), 1024);
        assert_eq!(b, [9; 1024]);
    }
    let st = s.stats();
    eprintln!(
        "2 MiB in 1 KiB reads, per read: {} B read",
        st.bytes_read / 2048
    );
    // The handle caches the path and the last block: about one block
    // read per 4 KiB of data.
    assert!(st.bytes_read <= (2 << 20) * 11 / 10, "{}", st.bytes_read);
}
