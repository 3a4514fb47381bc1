use crate::wire::{self, Frame, HEADER_MAX, PayloadError, StorageAns};
use oxtee_spmc::Direct;
use std::os::unix::fs::PermissionsExt;

#[test]
fn frames_round_trip_and_nothing_else_is_a_frame() {
    let f = Frame {
        func: oxtee_spmc::ffa::MSG_SEND_DIRECT_REQ,
        msg: Direct {
            sender: wire::TA_HOST,
            receiver: wire::STORAGE,
            args: [1, 2, u64::MAX, 4, 5],
        },
    };
    assert_eq!(Frame::from_bytes(&f.to_bytes()), Some(f));
    let b = f.to_bytes();
    assert_eq!(Frame::from_bytes(&b[..wire::FRAME - 1]), None);
    assert_eq!(Frame::from_bytes(&[b.as_slice(), &[0]].concat()), None);
}

fn region(size: u64) -> std::fs::File {
    let fd = oxtee_sys::memfd("test-region", size, false).unwrap();
    std::fs::File::from(fd)
}

#[test]
fn payloads_stay_inside_the_region() {
    let f = region(HEADER_MAX as u64 + 100);
    let r = wire::FileRegion(&f, HEADER_MAX as u64 + 100);
    let lens = wire::put(&r, &StorageAns::Closed, b"bulk").unwrap();
    let (a, bulk) = wire::take::<StorageAns>(&r, lens).unwrap();
    assert_eq!((a, bulk.as_slice()), (StorageAns::Closed, &b"bulk"[..]));
    // Bulk beyond the region does not go in.
    assert_eq!(
        wire::put(&r, &StorageAns::Closed, &[0; 101]),
        Err(PayloadError::TooLarge)
    );
    // Lengths a peer makes up do not read beyond it.
    for lens in [[HEADER_MAX as u64 + 1, 0], [1, 101], [u64::MAX, u64::MAX]] {
        assert_eq!(
            wire::take::<StorageAns>(&r, lens).err(),
            Some(PayloadError::Malformed)
        );
    }
    // A header that does not decode is refused.
    assert_eq!(
        wire::take::<StorageAns>(&r, [3, 0]).err(),
        Some(PayloadError::Malformed)
    );
    // A region a peer truncated gives a refusal, not a fault.
    f.set_len(0).unwrap();
    assert_eq!(
        wire::take::<StorageAns>(&r, lens).err(),
        Some(PayloadError::Malformed)
    );
}

#[test]
fn the_huk_file_is_created_once_and_kept_private() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/huk");
    let a = crate::huk::load(&path).unwrap();
    let b = crate::huk::load(&path).unwrap();
    assert_eq!(*a, *b, "the same key on the next start");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // Readable by others: refused.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(crate::huk::load(&path).unwrap_err().contains("owner only"));
    // Not 32 bytes: refused.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(&path, [1u8; 31]).unwrap();
    assert!(crate::huk::load(&path).unwrap_err().contains("32-byte"));
    // Two partitions creating it at once end up with one key.
    let path = dir.path().join("race/huk");
    let keys: Vec<[u8; 32]> = std::thread::scope(|s| {
        let t: Vec<_> = (0..4)
            .map(|_| s.spawn(|| *crate::huk::load(&path).unwrap()))
            .collect();
        t.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert!(keys.iter().all(|k| *k == keys[0]));
}

#[test]
fn the_manifests_form_a_valid_set() {
    let set: Vec<_> = crate::MANIFESTS
        .iter()
        .map(|t| oxtee_spmc::manifest::Manifest::parse(t).unwrap())
        .collect();
    oxtee_spmc::manifest::check_set(&set).unwrap();
    let ids: Vec<u16> = set.iter().map(|m| m.id).collect();
    assert_eq!(ids, [wire::TA_HOST, wire::STORAGE, wire::CRYPTO]);
    // Partitions ask no one; the TA host asks both.
    assert!(set[1].peers.is_empty() && set[2].peers.is_empty());
    for m in &set[1..] {
        assert!(crate::region_size(m.id) <= m.memory, "{}", m.name);
    }
}
