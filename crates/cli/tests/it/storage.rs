//! Trusted Storage (GP TEE Internal Core API v1.3.1 sections 5.7-5.9)
//! through the C TA `tests/tas/c/storage` and the Rust TA
//! `tests/tas/rust/storage`, on both tiers (the TrustZone tier runs the
//! C TA at S-EL0, its store in the secure kernel over the supplicant):
//! every function, flag and error code, the sharing rules, enumeration
//! while objects come and go, persistent key objects, misuse panics.
//! What needs the host tier's core (two TAs of different languages,
//! restarts, the store's files, crash injection) is in `storage_host`.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};

pub(crate) const ST_C: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c01";
pub(crate) const ST_RUST: &str = "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c02";
pub(crate) const BOTH: [&str; 2] = [ST_C, ST_RUST];

pub(crate) const PRIVATE: u32 = 1;
pub(crate) const PRIVATE_REE: u32 = 0x8000_0000;
pub(crate) const PRIVATE_RPMB: u32 = 0x8000_0100;

pub(crate) const READ: u32 = 0x1;
pub(crate) const WRITE: u32 = 0x2;
pub(crate) const WRITE_META: u32 = 0x4;
pub(crate) const SHARE_READ: u32 = 0x10;
pub(crate) const SHARE_WRITE: u32 = 0x20;
pub(crate) const OVERWRITE: u32 = 0x400;
pub(crate) const RW: u32 = READ | WRITE | WRITE_META;

pub(crate) const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
pub(crate) const ACCESS_CONFLICT: u32 = 0xFFFF_0003;
pub(crate) const OVERFLOW: u32 = 0xFFFF_300F;
pub(crate) const TARGET_DEAD: u32 = 0xFFFF_3024;

pub(crate) const TYPE_DATA: u32 = 0xA000_00BF;
pub(crate) const TYPE_AES: u32 = 0xA000_0010;
pub(crate) const FLAG_PERSISTENT: u32 = 0x0001_0000;
pub(crate) const FLAG_INITIALIZED: u32 = 0x0002_0000;

/// The storage test TA's commands (include/storage_ta.h).
pub(crate) struct Ta(pub(crate) Session);

impl Ta {
    pub(crate) fn new(w: &World, ta: &str) -> Ta {
        Ta(w.ctx()
            .open_session(uuid(ta), Login::Public, &mut [])
            .unwrap()
            .0)
    }

    pub(crate) fn open(&self, sid: u32, id: &[u8], flags: u32) -> Result<u32, u32> {
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
    pub(crate) fn create_with(
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

    pub(crate) fn create(&self, sid: u32, id: &[u8], flags: u32, data: &[u8]) -> Result<u32, u32> {
        self.create_with(sid, id, flags, data, 0, 1)
    }

    pub(crate) fn h(&self, cmd: u32, h: u32, b: u32) -> u32 {
        code(self.0.invoke(cmd, &mut [Param::ValueIn { a: h, b }]))
    }

    pub(crate) fn close(&self, h: u32) {
        assert_eq!(self.h(2, h, 0), 0);
    }

    pub(crate) fn delete(&self, h: u32) -> u32 {
        self.h(3, h, 0)
    }

    pub(crate) fn rename(&self, h: u32, id: &[u8]) -> u32 {
        code(self.0.invoke(
            4,
            &mut [Param::ValueIn { a: h, b: 0 }, Param::TempIn { buf: id }],
        ))
    }

    pub(crate) fn read(&self, h: u32, n: usize) -> Result<Vec<u8>, u32> {
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

    pub(crate) fn write(&self, h: u32, data: &[u8]) -> u32 {
        code(self.0.invoke(
            6,
            &mut [Param::ValueIn { a: h, b: 0 }, Param::TempIn { buf: data }],
        ))
    }

    pub(crate) fn truncate(&self, h: u32, size: u32) -> u32 {
        self.h(7, h, size)
    }

    /// (code, position afterwards).
    pub(crate) fn seek(&self, h: u32, off: i64, whence: u32) -> (u32, u32) {
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
    pub(crate) fn info(&self, h: u32) -> [u32; 7] {
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
    pub(crate) fn enumerate(&self, sid: u32, mode: u32) -> Result<Vec<Vec<u8>>, u32> {
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

    pub(crate) fn key_use(&self, h: u32) -> Result<Vec<u8>, u32> {
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

pub(crate) fn code<T>(r: Result<T, oxtee_client::Error>) -> u32 {
    r.err().map_or(0, |e| e.code)
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
        let h = t.open(PRIVATE, &long, READ).unwrap();
        // (Closed: on the TrustZone tier the TA instance lives on.)
        t.close(h);
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
        // (The TrustZone tier's store is one for the whole suite: what
        // other tests left goes first, each object deleted as returned.)
        t.enumerate(PRIVATE, 1).unwrap();
        t.enumerate(PRIVATE_REE, 1).unwrap();
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

/// Keys stored as persistent objects work with the crypto API after
/// reopening; a restricted usage is persisted.
#[test]
fn persistent_keys_after_reopening() {
    let w = World::start();
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
