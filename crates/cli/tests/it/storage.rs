//! Trusted Storage (GP TEE Internal Core API v1.3.1 sections 5.7-5.9)
//! through the C TA `tests/tas/c/storage` and the Rust TA
//! `tests/tas/rust/storage`: every function, flag and error code, the
//! sharing rules, enumeration while objects come and go, two TAs with
//! the same object id, persistent key objects, misuse panics, durability
//! across restarts and SIGKILL of the core, tampered, swapped, copied and
//! rolled-back storage files, and a crash-injection run (the store killed
//! with SIGKILL at many points).

use crate::harness::*;
use oxtee_client::{Login, Param, Session};

const ST_C: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c01";
const ST_RUST: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c02";
const BOTH: [&str; 2] = [ST_C, ST_RUST];

const PRIVATE: u32 = 1;
const PRIVATE_REE: u32 = 0x8000_0000;
const PRIVATE_RPMB: u32 = 0x8000_0100;

const READ: u32 = 0x1;
const WRITE: u32 = 0x2;
const WRITE_META: u32 = 0x4;
const SHARE_READ: u32 = 0x10;
const SHARE_WRITE: u32 = 0x20;
const OVERWRITE: u32 = 0x400;
const RW: u32 = READ | WRITE | WRITE_META;

const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const ACCESS_CONFLICT: u32 = 0xFFFF_0003;
const OVERFLOW: u32 = 0xFFFF_300F;
const CORRUPT_OBJECT: u32 = 0xF010_0001;
const SECURITY: u32 = 0xFFFF_000F;
const TARGET_DEAD: u32 = 0xFFFF_3024;

const TYPE_DATA: u32 = 0xA000_00BF;
const TYPE_AES: u32 = 0xA000_0010;
const FLAG_PERSISTENT: u32 = 0x0001_0000;
const FLAG_INITIALIZED: u32 = 0x0002_0000;

/// The storage test TA's commands (include/storage_ta.h).
struct Ta(Session);

fn code<T>(r: Result<T, oxtee_client::Error>) -> u32 {
    r.err().map_or(0, |e| e.code)
}

impl Ta {
    fn new(w: &World, ta: &str) -> Ta {
        Ta(w.ctx()
            .open_session(uuid(ta), Login::Public, &mut [])
            .unwrap()
            .0)
    }

    fn open(&self, sid: u32, id: &[u8], flags: u32) -> Result<u32, u32> {
        let mut p = [
            Param::ValueIn { a: sid, b: flags },
            Param::TempIn { buf: id },
            Param::ValueOut { a: 0, b: 0 },
        ];
        self.0.invoke(0, &mut p).map_err(|e| e.code)?;
        let Param::ValueOut { a, .. } = p[2] else {
            unreachable!()
        };
        Ok(a)
    }

    /// Create with `data`; `key`: 0 data object, 1 AES-256, 2 RSA-1024, 4 RSA-4096,
    /// 3 the key of open handle `arg`. A handle is returned when `keep`.
    fn create_with(
        &self,
        sid: u32,
        id: &[u8],
        flags: u32,
        data: &[u8],
        key: u32,
        arg: u32,
    ) -> Result<u32, u32> {
        let mut p = [
            Param::ValueIn { a: sid, b: flags },
            Param::TempIn { buf: id },
            Param::TempIn { buf: data },
            Param::ValueInOut { a: key, b: arg },
        ];
        self.0.invoke(1, &mut p).map_err(|e| e.code)?;
        let Param::ValueInOut { a, .. } = p[3] else {
            unreachable!()
        };
        Ok(a)
    }

    fn create(&self, sid: u32, id: &[u8], flags: u32, data: &[u8]) -> Result<u32, u32> {
        self.create_with(sid, id, flags, data, 0, 1)
    }

    fn h(&self, cmd: u32, h: u32, b: u32) -> u32 {
        code(self.0.invoke(cmd, &mut [Param::ValueIn { a: h, b }]))
    }

    fn close(&self, h: u32) {
        assert_eq!(self.h(2, h, 0), 0);
    }

    fn delete(&self, h: u32) -> u32 {
        self.h(3, h, 0)
    }

    fn rename(&self, h: u32, id: &[u8]) -> u32 {
        code(self.0.invoke(
            4,
            &mut [Param::ValueIn { a: h, b: 0 }, Param::TempIn { buf: id }],
        ))
    }

    fn read(&self, h: u32, n: usize) -> Result<Vec<u8>, u32> {
        let mut buf = vec![0u8; n];
        let mut p = [
            Param::ValueIn { a: h, b: 0 },
            Param::TempOut {
                buf: &mut buf,
                size: n,
            },
        ];
        self.0.invoke(5, &mut p).map_err(|e| e.code)?;
        let Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        buf.truncate(size);
        Ok(buf)
    }

    fn write(&self, h: u32, data: &[u8]) -> u32 {
        code(self.0.invoke(
            6,
            &mut [Param::ValueIn { a: h, b: 0 }, Param::TempIn { buf: data }],
        ))
    }

    fn truncate(&self, h: u32, size: u32) -> u32 {
        self.h(7, h, size)
    }

    /// (code, position afterwards).
    fn seek(&self, h: u32, off: i64, whence: u32) -> (u32, u32) {
        let o = off as u64;
        let mut p = [
            Param::ValueIn { a: h, b: whence },
            Param::ValueIn {
                a: o as u32,
                b: (o >> 32) as u32,
            },
            Param::ValueOut { a: 0, b: 0 },
        ];
        let c = code(self.0.invoke(8, &mut p));
        let Param::ValueOut { a, .. } = p[2] else {
            unreachable!()
        };
        (c, a)
    }

    /// type, size, max size, usage, data size, position, handle flags.
    fn info(&self, h: u32) -> [u32; 7] {
        let mut buf = vec![0u8; 28];
        let mut p = [
            Param::ValueIn { a: h, b: 0 },
            Param::TempOut {
                buf: &mut buf,
                size: 28,
            },
        ];
        self.0.invoke(9, &mut p).unwrap();
        let mut w = [0u32; 7];
        for (i, x) in w.iter_mut().enumerate() {
            *x = u32::from_le_bytes(buf[4 * i..4 * i + 4].try_into().unwrap());
        }
        w
    }

    /// The ids an enumeration returns (mode 1: delete each, 2: create
    /// while enumerating).
    fn enumerate(&self, sid: u32, mode: u32) -> Result<Vec<Vec<u8>>, u32> {
        let mut buf = vec![0u8; 8192];
        let mut p = [
            Param::ValueIn { a: sid, b: mode },
            Param::TempOut {
                buf: &mut buf,
                size: 8192,
            },
        ];
        self.0.invoke(10, &mut p).map_err(|e| e.code)?;
        let Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        let mut d = &buf[..size];
        let mut ids = Vec::new();
        while !d.is_empty() {
            let n = u32::from_le_bytes(d[..4].try_into().unwrap()) as usize;
            ids.push(d[4..4 + n].to_vec());
            d = &d[4 + n..];
        }
        Ok(ids)
    }

    fn key_use(&self, h: u32) -> Result<Vec<u8>, u32> {
        let mut buf = vec![0u8; 64];
        let mut p = [
            Param::ValueIn { a: h, b: 0 },
            Param::TempOut {
                buf: &mut buf,
                size: 64,
            },
        ];
        self.0.invoke(11, &mut p).map_err(|e| e.code)?;
        let Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        buf.truncate(size);
        Ok(buf)
    }
}

#[test]
fn data_objects_every_function() {
    let w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.create(PRIVATE, b"obj1", RW, b"hello world").unwrap();
        let i = t.info(h);
        assert_eq!((i[0], i[4], i[5]), (TYPE_DATA, 11, 0), "{ta}");
        assert_eq!(
            i[6],
            FLAG_PERSISTENT | FLAG_INITIALIZED | RW,
            "{ta}: handle flags"
        );
        assert_eq!(t.read(h, 5).unwrap(), b"hello");
        assert_eq!(t.read(h, 100).unwrap(), b" world");
        assert_eq!(t.read(h, 100).unwrap(), b"", "{ta}: read at the end");
        assert_eq!(t.seek(h, -5, 2), (0, 6));
        assert_eq!(t.read(h, 5).unwrap(), b"world");
        assert_eq!(t.seek(h, -3, 1), (0, 8));
        // Before the start: position 0.
        assert_eq!(t.seek(h, -100, 1), (0, 0), "{ta}");
        // Writing past the end fills the gap with zeros.
        assert_eq!(t.seek(h, 20, 0), (0, 20));
        assert_eq!(t.write(h, b"X"), 0);
        assert_eq!(t.info(h)[4], 21);
        t.seek(h, 0, 0);
        let all = t.read(h, 100).unwrap();
        assert_eq!(&all[..11], b"hello world");
        assert!(
            all[11..20].iter().all(|&b| b == 0) && all[20] == b'X',
            "{ta}"
        );
        // Truncate shrinks and grows (zeros); the position stays.
        assert_eq!(t.truncate(h, 5), 0);
        assert_eq!(t.info(h)[4], 5);
        assert_eq!(t.truncate(h, 8), 0);
        t.seek(h, 0, 0);
        assert_eq!(t.read(h, 100).unwrap(), b"hello\0\0\0", "{ta}");
        // Overflow of TEE_DATA_MAX_POSITION.
        assert_eq!(t.seek(h, 0xFFFF_FFFF, 0), (0, 0xFFFF_FFFF), "{ta}");
        assert_eq!(t.seek(h, 1, 1).0, OVERFLOW, "{ta}");
        assert_eq!(t.seek(h, 0xFFFF_FFFF + 1, 0).0, OVERFLOW, "{ta}");
        assert_eq!(t.write(h, b"y"), OVERFLOW, "{ta}: write beyond the maximum");
        t.seek(h, 0, 0);
        // Missing and existing ids.
        assert_eq!(t.open(PRIVATE, b"nope", READ), Err(ITEM_NOT_FOUND));
        assert_eq!(
            t.create(PRIVATE, b"obj1", RW, b"again"),
            Err(ACCESS_CONFLICT),
            "{ta}: exists, no OVERWRITE"
        );
        t.close(h);
        let h = t
            .create(PRIVATE, b"obj1", RW | OVERWRITE, b"again")
            .unwrap();
        assert_eq!(t.read(h, 100).unwrap(), b"again", "{ta}: overwritten");
        // Rename, and onto an existing id.
        t.create_with(PRIVATE, b"other", 0, b"", 0, 0).unwrap();
        assert_eq!(t.rename(h, b"other"), ACCESS_CONFLICT, "{ta}");
        assert_eq!(t.rename(h, b"obj2"), 0);
        assert_eq!(t.open(PRIVATE, b"obj1", READ), Err(ITEM_NOT_FOUND));
        t.close(h);
        let h = t.open(PRIVATE, b"obj2", READ | WRITE_META).unwrap();
        assert_eq!(t.read(h, 100).unwrap(), b"again");
        // Delete.
        assert_eq!(t.delete(h), 0);
        assert_eq!(t.open(PRIVATE, b"obj2", READ), Err(ITEM_NOT_FOUND));
        // The storage ids are separate namespaces; others do not exist.
        for (sid, data) in [(PRIVATE_REE, &b"ree"[..]), (PRIVATE_RPMB, b"rpmb")] {
            t.create_with(sid, b"same", OVERWRITE, data, 0, 0).unwrap();
        }
        for (sid, data) in [(PRIVATE_REE, &b"ree"[..]), (PRIVATE_RPMB, b"rpmb")] {
            let h = t.open(sid, b"same", READ).unwrap();
            assert_eq!(t.read(h, 10).unwrap(), data, "{ta} {sid:#x}");
            t.close(h);
        }
        assert_eq!(t.open(PRIVATE, b"same", READ), Err(ITEM_NOT_FOUND));
        assert_eq!(t.open(0x1234, b"same", READ), Err(ITEM_NOT_FOUND), "{ta}");
        assert_eq!(t.create(0x1234, b"x", RW, b""), Err(ITEM_NOT_FOUND), "{ta}");
        // An id of the maximum length.
        let long = [7u8; 64];
        let h = t.create(PRIVATE, &long, RW, b"long").unwrap();
        t.close(h);
        assert!(t.open(PRIVATE, &long, READ).is_ok(), "{ta}");
        // A 3 MiB object written and read back in 1 MiB pieces.
        assert_eq!(
            code(t.0.invoke(14, &mut [Param::ValueIn { a: PRIVATE, b: 3 }])),
            0,
            "{ta}"
        );
    }
}

/// GP 1.3.1 5.7.1: a second handle opens only if its access is allowed
/// by the sharing of every open handle and vice versa; WRITE_META is
/// exclusive.
#[test]
fn sharing_rules() {
    let w = World::start();
    let flags = [
        READ,
        WRITE,
        READ | SHARE_READ,
        READ | SHARE_WRITE,
        WRITE | SHARE_READ,
        WRITE | SHARE_WRITE,
        READ | WRITE | SHARE_READ | SHARE_WRITE,
        SHARE_READ | SHARE_WRITE,
        WRITE_META,
        READ | WRITE_META | SHARE_READ,
    ];
    let ok = |a: u32, b: u32| {
        let sr = |f: u32| f & SHARE_READ != 0;
        let sw = |f: u32| f & SHARE_WRITE != 0;
        a & WRITE_META == 0
            && b & WRITE_META == 0
            && (b & READ == 0 || sr(a))
            && (b & WRITE == 0 || sw(a))
            && (a & READ == 0 || sr(b))
            && (a & WRITE == 0 || sw(b))
    };
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        t.create_with(PRIVATE, b"shared", OVERWRITE, b"x", 0, 0)
            .unwrap();
        let mut checked = 0;
        for &a in &flags {
            let h = t.open(PRIVATE, b"shared", a).unwrap();
            for &b in &flags {
                let r = t.open(PRIVATE, b"shared", b);
                if ok(a, b) {
                    let h2 = r.unwrap_or_else(|e| panic!("{ta} {a:#x} then {b:#x}: {e:#x}"));
                    t.close(h2);
                } else {
                    assert_eq!(r, Err(ACCESS_CONFLICT), "{ta} {a:#x} then {b:#x}");
                }
                checked += 1;
            }
            // Overwriting an object that is open is a conflict too.
            assert_eq!(
                t.create(PRIVATE, b"shared", RW | OVERWRITE, b""),
                Err(ACCESS_CONFLICT)
            );
            t.close(h);
        }
        assert_eq!(checked, flags.len() * flags.len());
    }
}

#[test]
fn enumeration_while_objects_come_and_go() {
    let w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        assert_eq!(t.enumerate(PRIVATE, 0).unwrap(), Vec::<Vec<u8>>::new());
        for id in [&b"c"[..], b"a", b"b"] {
            t.create_with(PRIVATE, id, 0, id, 0, 0).unwrap();
        }
        t.create_with(PRIVATE_REE, b"ree-only", 0, b"", 0, 0)
            .unwrap();
        let ids = t.enumerate(PRIVATE, 0).unwrap();
        assert_eq!(
            ids,
            vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()],
            "{ta}"
        );
        assert_eq!(
            t.enumerate(PRIVATE_REE, 0).unwrap(),
            vec![b"ree-only".to_vec()]
        );
        // Objects created while enumerating: every old one is seen
        // once, new ones at most once.
        let ids = t.enumerate(PRIVATE, 2).unwrap();
        for old in [&b"a"[..], b"b", b"c"] {
            assert_eq!(
                ids.iter().filter(|i| i.as_slice() == old).count(),
                1,
                "{ta}"
            );
        }
        let mut dedup = ids.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), ids.len(), "{ta}: no object twice");
        // Deleting each as it is returned: all are seen and gone.
        let n = t.enumerate(PRIVATE, 0).unwrap().len();
        assert_eq!(n, 6, "{ta}: a, b, c and three new ones");
        assert_eq!(t.enumerate(PRIVATE, 1).unwrap().len(), 6, "{ta}");
        assert!(t.enumerate(PRIVATE, 0).unwrap().is_empty(), "{ta}");
    }
}

/// The C and the Rust TA each have their own object "same": same id,
/// different objects.
#[test]
fn two_tas_with_the_same_id_stay_apart() {
    let w = World::start();
    let c = Ta::new(&w, ST_C);
    let r = Ta::new(&w, ST_RUST);
    let hc = c.create(PRIVATE, b"same", RW, b"from C").unwrap();
    let hr = r.create(PRIVATE, b"same", RW, b"from Rust").unwrap();
    assert_eq!(c.read(hc, 20).unwrap(), b"from C");
    assert_eq!(r.read(hr, 20).unwrap(), b"from Rust");
    assert_eq!(c.delete(hc), 0);
    assert_eq!(c.open(PRIVATE, b"same", READ), Err(ITEM_NOT_FOUND));
    r.close(hr);
    let h = r.open(PRIVATE, b"same", READ).unwrap();
    assert_eq!(r.read(h, 20).unwrap(), b"from Rust");
    assert_eq!(r.enumerate(PRIVATE, 0).unwrap(), vec![b"same".to_vec()]);
    assert!(c.enumerate(PRIVATE, 0).unwrap().is_empty());
}

/// Keys stored as persistent objects work with the crypto API after
/// reopening (and after a restart); a restricted usage is persisted.
#[test]
fn persistent_keys_after_reopen_and_restart() {
    let mut w = World::start();
    let mut aes_ct = Vec::new();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.create_with(PRIVATE, b"aes", RW, b"", 1, 1).unwrap();
        let i = t.info(h);
        assert_eq!((i[0], i[1]), (TYPE_AES, 256), "{ta}");
        let ct = t.key_use(h).unwrap();
        assert_eq!(ct.len(), 16);
        t.close(h);
        let h = t.open(PRIVATE, b"aes", READ).unwrap();
        assert_eq!(
            t.key_use(h).unwrap(),
            ct,
            "{ta}: the same key after reopening"
        );
        t.close(h);
        aes_ct.push(ct);
        let h = t
            .create_with(PRIVATE, b"rsa", RW, b"data too", 2, 1)
            .unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}");
        // A copy of the key as another persistent object.
        let h2 = t.create_with(PRIVATE, b"rsa-copy", RW, b"", 3, h).unwrap();
        assert_eq!(t.key_use(h2).unwrap(), [0; 4], "{ta}");
        t.close(h2);
        // Restrict the usage of the AES key: persisted.
        let h = t.open(PRIVATE, b"aes", READ | WRITE_META).unwrap();
        assert_eq!(t.h(13, h, 0x1), 0);
        t.close(h);
        let h = t.open(PRIVATE, b"aes", READ).unwrap();
        assert_eq!(t.info(h)[3], 0x1, "{ta}: usage persisted");
        // Without TEE_USAGE_ENCRYPT the key cannot encrypt: a panic.
        assert_eq!(t.key_use(h), Err(TARGET_DEAD), "{ta}");
    }
    w.restart();
    for (ta, _) in BOTH.iter().zip(&aes_ct) {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"rsa", READ).unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta} after a restart");
        assert_eq!(t.read(h, 20).unwrap(), b"data too");
    }
}

#[test]
fn misuse_panics() {
    let w = World::start();
    for ta in BOTH {
        for case in 0..5u32 {
            let t = Ta::new(&w, ta);
            assert_eq!(t.h(12, case, 0), TARGET_DEAD, "{ta} case {case}");
        }
    }
}

/// GP 1.3.1: an object ID in memory shared with the client is a panic, for
/// open, create and rename (the C API; OP-TEE enforces the same), and
/// nothing is created or renamed on the way.
#[test]
fn object_id_in_shared_memory_panics() {
    let w = World::start();
    for case in 5..8u32 {
        let t = Ta::new(&w, ST_C);
        let mut p = [
            Param::ValueIn { a: case, b: 0 },
            Param::TempIn { buf: b"shm-id" },
        ];
        let e = t.0.invoke(12, &mut p).unwrap_err();
        assert_eq!(e.code, TARGET_DEAD, "case {case}");
        let t = Ta::new(&w, ST_C);
        assert_eq!(
            t.open(PRIVATE, b"shm-id", READ),
            Err(ITEM_NOT_FOUND),
            "case {case}"
        );
    }
}

/// A zero-length object ID is a valid one (GP sets only the maximum
/// length; OP-TEE accepts it): create, open, enumerate, rename to and from.
#[test]
fn zero_length_object_ids() {
    let w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.create(PRIVATE_REE, b"", RW, b"nameless").unwrap();
        t.close(h);
        let h = t.open(PRIVATE_REE, b"", RW).unwrap();
        assert_eq!(t.read(h, 100).unwrap(), b"nameless", "{ta}");
        assert!(
            t.enumerate(PRIVATE_REE, 0).unwrap().contains(&Vec::new()),
            "{ta}: the empty ID is enumerated"
        );
        assert_eq!(t.rename(h, b"named"), 0, "{ta}");
        assert_eq!(t.open(PRIVATE_REE, b"", READ), Err(ITEM_NOT_FOUND), "{ta}");
        assert_eq!(t.rename(h, b""), 0, "{ta}");
        assert_eq!(t.delete(h), 0, "{ta}");
        assert_eq!(t.open(PRIVATE_REE, b"", READ), Err(ITEM_NOT_FOUND), "{ta}");
    }
}

/// Changes survive a clean restart and a SIGKILL of the core right after
/// the call returned.
#[test]
fn durable_across_restart_and_sigkill() {
    let mut w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.create(PRIVATE, b"d", RW, b"one").unwrap();
        t.close(h);
    }
    w.restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"d", RW).unwrap();
        assert_eq!(t.read(h, 10).unwrap(), b"one", "{ta}");
        t.seek(h, 0, 0);
        assert_eq!(t.write(h, b"two"), 0);
    }
    w.crash_and_restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t.open(PRIVATE, b"d", RW).unwrap();
        assert_eq!(
            t.read(h, 10).unwrap(),
            b"two",
            "{ta}: the write survived SIGKILL"
        );
        assert_eq!(t.rename(h, b"e"), 0);
        assert_eq!(t.truncate(h, 1), 0);
    }
    w.crash_and_restart();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        assert_eq!(t.open(PRIVATE, b"d", READ), Err(ITEM_NOT_FOUND));
        let h = t.open(PRIVATE, b"e", READ).unwrap();
        assert_eq!(t.read(h, 10).unwrap(), b"t", "{ta}");
    }
}

/// The store's files (name -> bytes) under `dir`.
fn files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// What a TA sees of object `id`: its data, or the code.
fn see(t: &Ta, id: &[u8]) -> Result<Vec<u8>, u32> {
    let h = t.open(PRIVATE, id, READ)?;
    let r = t.read(h, 1 << 16);
    if r.is_ok() {
        t.close(h);
    }
    r
}

/// Flipped, truncated, swapped, cross-TA copied and rolled-back storage
/// files: every change is detected (CORRUPT_OBJECT for an object,
/// SECURITY for the store) or harmless (an unused slot), never wrong
/// data, and the core keeps serving.
#[test]
fn tampered_swapped_copied_and_rolled_back_files_are_detected() {
    // This test is about the store's own detection, seen through a TA's
    // storage calls. With rollback protection on, a broken store also
    // stops new TA images from loading (their versions cannot be checked:
    // `older_versions_are_refused` and SECURITY.md), so it is off here.
    let mut w = World::start_with(
        &ta_dir(),
        "rollback_protection = false\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let storage = w.dir.path().join("storage");
    let objects = storage.join("objects");
    let big: Vec<u8> = (0..9000u32).map(|i| (i * 7) as u8).collect();
    // Both TAs loaded first: loading an image records its version in the
    // store (an object of the core's), before the files are counted.
    let c = Ta::new(&w, ST_C);
    let r = Ta::new(&w, ST_RUST);
    c.create_with(PRIVATE, b"z", 0, b"zulu", 0, 0).unwrap();
    let before = files(&objects);
    c.create_with(PRIVATE, b"a", 0, &big, 0, 0).unwrap();
    let after_a = files(&objects);
    c.create_with(PRIVATE, b"b", 0, b"bravo", 0, 0).unwrap();
    let after_b = files(&objects);
    r.create_with(PRIVATE, b"a", 0, b"rust's a", 0, 0).unwrap();
    let after_r = files(&objects);
    drop((c, r));
    let new_file = |old: &std::collections::BTreeMap<String, Vec<u8>>,
                    new: &std::collections::BTreeMap<String, Vec<u8>>| {
        let n: Vec<&String> = new.keys().filter(|k| !old.contains_key(*k)).collect();
        assert_eq!(n.len(), 1, "one file per object: {n:?} in {:?}", new.keys());
        n[0].clone()
    };
    let (fa, fb, fr) = (
        new_file(&before, &after_a),
        new_file(&after_a, &after_b),
        new_file(&after_b, &after_r),
    );
    let want: [(&str, &[u8], Vec<u8>); 4] = [
        (ST_C, b"z", b"zulu".to_vec()),
        (ST_C, b"a", big.clone()),
        (ST_C, b"b", b"bravo".to_vec()),
        (ST_RUST, b"a", b"rust's a".to_vec()),
    ];
    assert!(w.stop());
    let pristine = files(&objects);
    let rpmb = std::fs::read(storage.join("rpmb.bin")).unwrap();
    let restore = || {
        for (n, b) in &pristine {
            std::fs::write(objects.join(n), b).unwrap();
        }
        std::fs::write(storage.join("rpmb.bin"), &rpmb).unwrap();
    };
    // Start, look at every object: (detected, wrong data).
    let check = |w: &mut World, what: &str| -> usize {
        w.spawn();
        let mut detected = 0;
        for (ta, id, data) in &want {
            let t = Ta::new(w, ta);
            match see(&t, id) {
                Ok(d) => assert_eq!(&d, data, "{what}: wrong data for {ta} {id:?}"),
                Err(CORRUPT_OBJECT | SECURITY) => detected += 1,
                Err(e) => panic!("{what}: {ta} {id:?}: unexpected {e:#x}"),
            }
        }
        assert!(w.stop(), "{what}: the core survived");
        restore();
        detected
    };
    assert_eq!(check(&mut w, "untouched"), 0);
    // Flip bytes spread over every file (and the RPMB state).
    let mut flips = 0;
    let mut detected = 0;
    let mut targets: Vec<std::path::PathBuf> = pristine.keys().map(|n| objects.join(n)).collect();
    targets.push(storage.join("rpmb.bin"));
    for path in &targets {
        let orig = std::fs::read(path).unwrap();
        let step = (orig.len() / 7).max(1);
        for off in (0..orig.len()).step_by(step).chain([orig.len() - 1]) {
            let mut b = orig.clone();
            b[off] ^= 0x5a;
            std::fs::write(path, &b).unwrap();
            flips += 1;
            detected += usize::from(check(&mut w, &format!("{} byte {off}", path.display())) > 0);
        }
    }
    eprintln!("{flips} flipped bytes, {detected} detected, the rest harmless");
    assert!(
        detected * 2 >= flips,
        "most flips hit live data: {detected}/{flips}"
    );
    // Truncated files.
    for n in [&fa, &fb] {
        let p = objects.join(n);
        let len = pristine[n].len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(len as u64 / 2)
            .unwrap();
        assert!(check(&mut w, "truncated") > 0, "truncation of {n}");
    }
    // Two objects' files swapped.
    std::fs::write(objects.join(&fa), &pristine[&fb]).unwrap();
    std::fs::write(objects.join(&fb), &pristine[&fa]).unwrap();
    assert!(check(&mut w, "swapped") >= 2);
    // One TA's file copied over the other TA's object of the same id.
    std::fs::write(objects.join(&fa), &pristine[&fr]).unwrap();
    assert!(check(&mut w, "copied across TAs") >= 1);
    // Roll back: change the objects, then put the old files back.
    w.spawn();
    let c = Ta::new(&w, ST_C);
    let h = c.open(PRIVATE, b"b", WRITE).unwrap();
    assert_eq!(c.write(h, b"BRAVO"), 0);
    drop(c);
    assert!(w.stop());
    for (n, b) in &pristine {
        std::fs::write(objects.join(n), b).unwrap();
    }
    w.spawn();
    let c = Ta::new(&w, ST_C);
    assert_eq!(see(&c, b"b"), Err(SECURITY), "rolled-back files refused");
    assert!(
        w.wait_log("older than the RPMB write counter"),
        "a clear error in the log"
    );
}

/// Crash injection: a process running a sequence of creates, writes,
/// truncates, renames and deletes is killed with SIGKILL at random
/// instants (200 times); each time the store opens and holds exactly the
/// state before or after the operation that was running, and takes the
/// next operation.
#[test]
fn sigkill_at_random_instants_leaves_old_or_new_state() {
    use oxtee_daemon::trusted_storage::torture;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let kills: u64 = 200;
    let mut mid_op = 0;
    let mut max_done = 0;
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..kills {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(oxtee_bin())
            .arg("storage-torture")
            .arg(dir.path())
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if lines.is_empty() {
                    let _ = tx.send(());
                }
                lines.push(l);
            }
            lines
        });
        // Let it run for 0-40 ms after its first operation began.
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the workload started");
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(std::time::Duration::from_micros(rng % 40_000));
        child.kill().unwrap();
        let _ = child.wait();
        let lines = reader.join().unwrap();
        let done = lines
            .iter()
            .filter_map(|l| l.strip_prefix("D "))
            .filter_map(|n| n.parse::<usize>().ok())
            .max()
            .map_or(0, |n| n + 1);
        let began = lines.iter().any(|l| *l == format!("B {done}"));
        mid_op += usize::from(began);
        max_done = max_done.max(done);
        let ops = torture::ops(round, done + 2);
        let mut old = torture::Model::new();
        for op in &ops[..done] {
            torture::apply_model(&mut old, op);
        }
        let mut new = old.clone();
        torture::apply_model(&mut new, &ops[done]);
        let mut s = torture::open_store(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e:?}"));
        let got = torture::read_back(&mut s)
            .unwrap_or_else(|e| panic!("round {round}: unreadable after {done} ops: {e:?}"));
        assert!(
            got == old || (began && got == new),
            "round {round}: killed after {done} ops (op {done} began: {began}): neither old nor new state"
        );
        // The store takes the interrupted operation (from the state it
        // is in) and the next one.
        let next = if got == old {
            &ops[done]
        } else {
            &ops[done + 1]
        };
        let mut model = got.clone();
        torture::apply_model(&mut model, next);
        if torture::apply(&mut s, next).is_ok() {
            assert_eq!(torture::read_back(&mut s).unwrap(), model, "round {round}");
        }
    }
    eprintln!(
        "{kills} kills, {mid_op} in the middle of an operation, up to {max_done} operations done"
    );
    assert!(
        mid_op as u64 > kills / 2,
        "most kills hit an operation: {mid_op}"
    );
}

/// The blobs are kept by a separate normal-world process (the
/// supplicant); when it dies, the core starts it again and storage keeps
/// working.
#[test]
fn the_supplicant_is_a_separate_process_and_may_die() {
    let w = World::start();
    let t = Ta::new(&w, ST_C);
    let h = t.create(PRIVATE, b"s", RW, b"first").unwrap();
    let sup = |w: &World| -> Vec<i32> {
        let core = w.core_pid();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
            .filter(|pid| {
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                let ppid = stat
                    .rsplit(')')
                    .next()
                    .and_then(|r| r.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<i32>().ok());
                ppid == Some(core) && cmd.split(|&b| b == 0).nth(1) == Some(&b"supplicant"[..])
            })
            .collect()
    };
    let pids = sup(&w);
    assert_eq!(pids.len(), 1, "one supplicant process");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pids[0]),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    t.seek(h, 0, 2);
    assert_eq!(
        t.write(h, b"-second"),
        0,
        "storage works after the supplicant died"
    );
    t.seek(h, 0, 0);
    assert_eq!(t.read(h, 100).unwrap(), b"first-second");
    let again = sup(&w);
    assert!(
        again.len() == 1 && again != pids,
        "a new supplicant: {again:?}"
    );
}

/// A persistent object made from an RSA-4096 key pair: its attributes
/// make the TA's request far larger than 1 KiB, which used to get the TA
/// killed for a "malformed" message; the key works after reopening.
#[test]
fn persistent_rsa_4096_keys() {
    let w = World::start();
    for ta in BOTH {
        let t = Ta::new(&w, ta);
        let h = t
            .create_with(PRIVATE, b"rsa4096", RW, b"", 4, 1)
            .unwrap_or_else(|e| panic!("{ta}: create from an RSA-4096 key: {e:#x}"));
        assert_eq!(t.info(h)[1], 4096, "{ta}");
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}");
        t.close(h);
        let h = t.open(PRIVATE, b"rsa4096", READ).unwrap();
        assert_eq!(t.key_use(h).unwrap(), [0; 4], "{ta}: after reopening");
        t.close(h);
    }
}
