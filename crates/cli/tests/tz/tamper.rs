//! The TrustZone tier's trusted storage against a normal world that
//! changes the files the supplicant keeps (`/data/tee/oxtee`, which this
//! suite can write: it runs as root in the guest): a byte changed in
//! the object's blocks, or its file put back as it was before a write,
//! makes reading the object fail with CORRUPT_OBJECT; the true files put
//! back, it reads again. (A rollback of the whole store, RPMB included,
//! is refused when the store is opened: that needs a disk that outlives
//! the guest, which it has not yet; the host tier tests it.)

use crate::harness::*;
use crate::storage::{PRIVATE, READ, RW, Ta};
use std::collections::BTreeMap;
use std::path::Path;

const FOLDER: &str = "/data/tee/oxtee";
const ST_C: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c01";
const CORRUPT: u32 = 0xF010_0001;

fn files() -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(FOLDER)
        .expect("the supplicant's storage folder")
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn put_back(all: &BTreeMap<String, Vec<u8>>) {
    for (n, b) in all {
        std::fs::write(Path::new(FOLDER).join(n), b).unwrap();
    }
}

fn read_all(t: &Ta, id: &[u8]) -> Result<Vec<u8>, u32> {
    let h = t.open(PRIVATE, id, READ)?;
    let r = t.read(h, 40_000);
    if r.is_ok() {
        t.close(h);
    }
    r
}

#[test]
fn changed_and_old_files_are_caught() {
    let w = World::start();
    let t = Ta::new(&w, ST_C);
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let h = t.create(PRIVATE, b"tamper", RW, &data).unwrap();
    t.close(h);
    assert_eq!(read_all(&t, b"tamper").unwrap(), data);
    let good = files();
    // A byte changed in every block of every file past the first two.
    for (n, b) in &good {
        let mut b = b.clone();
        for at in (2 * 4096 + 100..b.len()).step_by(4096) {
            b[at] ^= 1;
        }
        std::fs::write(Path::new(FOLDER).join(n), b).unwrap();
    }
    let t = Ta::new(&w, ST_C);
    assert_eq!(read_all(&t, b"tamper"), Err(CORRUPT), "a changed block");
    put_back(&good);
    assert_eq!(
        read_all(&t, b"tamper").unwrap(),
        data,
        "the true files back"
    );
    // An old copy: the object's file (the largest: the directory's is a
    // few blocks) as it was before a write.
    let (name, old) = good.iter().max_by_key(|(_, b)| b.len()).unwrap();
    let h = t.open(PRIVATE, b"tamper", RW).unwrap();
    assert_eq!(t.write(h, &[0x55; 9000]), 0);
    t.close(h);
    std::fs::write(Path::new(FOLDER).join(name), old).unwrap();
    assert_eq!(read_all(&t, b"tamper"), Err(CORRUPT), "an old copy");
}

/// What the store costs through the supplicant's RPCs: 1 MiB written in
/// one call and read back (the storage TA's command 14), timed.
#[test]
fn a_mebibyte_through_the_store() {
    use oxtee_client::Param;
    let w = World::start();
    let t = Ta::new(&w, ST_C);
    let t0 = std::time::Instant::now();
    let r = t.0.invoke(14, &mut [Param::ValueIn { a: PRIVATE, b: 1 }]);
    let took = t0.elapsed();
    assert!(r.is_ok(), "{r:?}");
    println!(
        "oxtee-suite: trusted storage at S-EL0: 1 MiB written, read back and deleted in {} ms",
        took.as_millis()
    );
}
