//! The secure kernel's storage engine (`oxtee-storage` over
//! `oxtee_tz_abi::ree_fs`) against this supplicant's REE file system and
//! emulated RPMB, the two ends of the TrustZone tier's storage joined
//! without the driver in between: what the engine asks is what the
//! supplicant serves, the store survives a restart of both, and what the
//! normal world changes is caught.

use super::*;
use oxtee_storage::{ObjectAttrs, Store, TEE_DATA_FLAG_ACCESS_READ, TEE_DATA_FLAG_ACCESS_WRITE};
use oxtee_tz_abi::pta::Dir;
use oxtee_tz_abi::ree_fs::{Link, Transport};
use oxtee_tz_abi::rpc::{Reply, Request, RpcParam, ShmId, ShmKind};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const HUK: [u8; 32] = [0x5a; 32];
const TA: [u8; 16] = [0x11; 16];

/// A change to an answer: the command, its parameters, the shared
/// memory by the supplicant's ids.
type Lie = Box<dyn FnMut(u32, &mut Vec<Param>, &BTreeMap<i32, Mem>)>;

/// The kernel's side of the RPCs, played directly: shared memory by the
/// kernel's ids, requests into [`Supplicant::handle`]. `tamper` may
/// change an answer's parameters before the engine sees them.
struct Direct {
    sup: Sup,
    dev: Fake,
    shms: BTreeMap<u32, (i32, Mem)>,
    next: u32,
    tamper: Option<Lie>,
    requests: Rc<RefCell<usize>>,
    /// After each request: live shared memory, open files and folders.
    probe: Rc<RefCell<(usize, (usize, usize))>>,
}

fn attr_of(memref: bool, dir: Dir) -> u64 {
    match (memref, dir) {
        (false, Dir::In) => attr::VALUE_INPUT,
        (false, Dir::Out) => attr::VALUE_OUTPUT,
        (false, Dir::InOut) => attr::VALUE_INOUT,
        (true, Dir::In) => attr::MEMREF_INPUT,
        (true, Dir::Out) => attr::MEMREF_OUTPUT,
        (true, Dir::InOut) => attr::MEMREF_INOUT,
    }
}

impl Transport for Direct {
    fn call(&mut self, req: Request) -> Reply {
        *self.requests.borrow_mut() += 1;
        let r = self.serve(req);
        *self.probe.borrow_mut() = (self.sup.shm_count(), self.sup.fs.open_counts());
        r
    }
}

impl Direct {
    fn serve(&mut self, req: Request) -> Reply {
        match req {
            Request::ShmAlloc {
                kind: ShmKind::Application,
                size,
            } => {
                let mut p = vec![val(attr::VALUE_INOUT, SHM_TYPE_APPL, size, 4096)];
                match self.sup.handle(&mut self.dev, cmd::SHM_ALLOC, &mut p) {
                    res::SUCCESS => {
                        let id = p[0].c as i32;
                        let mem = self.dev.mems[&id].clone();
                        self.next += 1;
                        let size = mem.size() as u64;
                        self.shms.insert(self.next, (id, mem));
                        Reply::Shm {
                            shm: ShmId(self.next),
                            size,
                        }
                    }
                    code => Reply::Failed(code),
                }
            }
            Request::ShmFree { shm } => {
                let Some((id, _)) = self.shms.remove(&shm.0) else {
                    return Reply::Failed(res::BAD_PARAMETERS);
                };
                let mut p = vec![val(attr::VALUE_INPUT, SHM_TYPE_APPL, id as u64, 0)];
                match self.sup.handle(&mut self.dev, cmd::SHM_FREE, &mut p) {
                    res::SUCCESS => Reply::Done,
                    code => Reply::Failed(code),
                }
            }
            Request::ShmWrite { shm, offset, data } => {
                self.shms[&shm.0].1.put(offset as usize, &data);
                Reply::Done
            }
            Request::ShmRead { shm, offset, len } => {
                Reply::Data(self.shms[&shm.0].1.get(offset as usize, len))
            }
            Request::Supplicant { cmd, params } => {
                let mut p: Vec<Param> = params
                    .iter()
                    .map(|rp| match *rp {
                        RpcParam::Value { a, b, c, dir } => val(attr_of(false, dir), a, b, c),
                        RpcParam::Memref {
                            shm,
                            offset,
                            size,
                            dir,
                        } => {
                            let id = shm.map_or(-1, |s| self.shms[&s.0].0);
                            mref(attr_of(true, dir), id, offset, size)
                        }
                    })
                    .collect();
                let ret = self.sup.handle(&mut self.dev, cmd, &mut p);
                if let Some(t) = self.tamper.as_mut() {
                    t(cmd, &mut p, &self.dev.mems);
                }
                if ret != res::SUCCESS {
                    return Reply::Failed(ret);
                }
                let out = params
                    .iter()
                    .zip(&p)
                    .map(|(rp, ans)| match *rp {
                        RpcParam::Value { dir, .. } => RpcParam::Value {
                            a: ans.a,
                            b: ans.b,
                            c: ans.c,
                            dir,
                        },
                        RpcParam::Memref {
                            shm, offset, dir, ..
                        } => RpcParam::Memref {
                            shm,
                            offset,
                            size: ans.b,
                            dir,
                        },
                    })
                    .collect();
                Reply::Params(out)
            }
            other => panic!("the storage engine asked for {other:?}"),
        }
    }
}

type KStore =
    Store<oxtee_tz_abi::ree_fs::ReeFs<Direct>, oxtee_tz_abi::ree_fs::RpcRpmb<Direct>, ChaCha20Rng>;

fn direct(root: &Path) -> Direct {
    Direct {
        sup: sup_with(vec![], root.to_path_buf()),
        dev: Fake::default(),
        shms: BTreeMap::new(),
        next: 0,
        tamper: None,
        requests: Rc::default(),
        probe: Rc::default(),
    }
}

fn open(
    d: Direct,
) -> (
    std::result::Result<KStore, oxtee_storage::Error>,
    Link<Direct>,
) {
    let link = Link::new(d);
    let s = Store::open(
        HUK,
        link.blobs(),
        link.rpmb(),
        ChaCha20Rng::seed_from_u64(7),
    );
    link.release();
    (s, link)
}

fn data() -> ObjectAttrs {
    ObjectAttrs {
        object_type: 0xA000_00BF,
        object_size: 0,
        max_object_size: 0,
        object_usage: u32::MAX,
        attributes: Vec::new(),
    }
}

const RW: u32 = TEE_DATA_FLAG_ACCESS_READ | TEE_DATA_FLAG_ACCESS_WRITE;

fn write_object(s: &mut KStore, id: &[u8], bytes: &[u8]) {
    let h = s.create(1, &TA, 1, id, RW, &data(), &[]).unwrap();
    s.write(1, h, bytes).unwrap();
    s.close(1, h).unwrap();
}

fn read_object(s: &mut KStore, id: &[u8]) -> std::result::Result<Vec<u8>, oxtee_storage::Error> {
    let (h, info) = s.open_object(2, &TA, 1, id, TEE_DATA_FLAG_ACCESS_READ)?;
    let mut b = vec![0; info.data_size as usize];
    let n = s.read(2, h, &mut b)?;
    b.truncate(n);
    s.close(2, h)?;
    Ok(b)
}

fn blobs(root: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(root.join("oxtee"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let n = e.file_name().into_string().unwrap();
            (n, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn the_engine_keeps_its_store_in_the_supplicants_files_and_rpmb() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data/tee");
    let d = direct(&root);
    let probe = d.probe.clone();
    let (s, link) = open(d);
    let mut s = s.unwrap();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    write_object(&mut s, b"small", b"hello, REE FS");
    write_object(&mut s, b"big", &big);
    link.release();
    // What the normal world holds: opaque names, ciphertext, the RPMB
    // image; no shared memory or open file left behind.
    let files = blobs(&root);
    assert!(files.len() >= 3, "{:?}", files.keys());
    for (name, bytes) in &files {
        assert!(name.len() == 32 && name.bytes().all(|c| c.is_ascii_hexdigit()));
        assert!(!bytes.windows(13).any(|w| w == b"hello, REE FS"));
    }
    assert!(root.join("rpmb.img").exists());
    assert_eq!(
        *probe.borrow(),
        (0, (0, 0)),
        "shared memory, files, folders"
    );
    drop(s);
    // A fresh start of both ends finds everything.
    let (s, link) = open(direct(&root));
    let mut s = s.unwrap();
    assert_eq!(read_object(&mut s, b"small").unwrap(), b"hello, REE FS");
    assert_eq!(read_object(&mut s, b"big").unwrap(), big);
    assert_eq!(
        s.list(&TA, 1).unwrap(),
        [b"big".to_vec(), b"small".to_vec()]
    );
    link.release();
}

#[test]
fn old_copies_of_the_files_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data/tee");
    let (s, link) = open(direct(&root));
    let mut s = s.unwrap();
    write_object(&mut s, b"balance", b"100");
    link.release();
    let old = blobs(&root);
    let (h, _) = s.open_object(1, &TA, 1, b"balance", RW).unwrap();
    s.write(1, h, b"0").unwrap();
    s.close(1, h).unwrap();
    link.release();
    drop(s);
    // The normal world puts the old files back: the RPMB's counter has
    // moved on, so the store does not open.
    for (name, bytes) in &old {
        std::fs::write(root.join("oxtee").join(name), bytes).unwrap();
    }
    let (s, _) = open(direct(&root));
    assert!(
        matches!(
            s.err(),
            Some(oxtee_storage::Error::Rollback | oxtee_storage::Error::Security)
        ),
        "rolled back"
    );
    // So is a fresh RPMB under the existing files.
    std::fs::remove_file(root.join("rpmb.img")).unwrap();
    let (s, _) = open(direct(&root));
    assert_eq!(s.err(), Some(oxtee_storage::Error::Security));
}

#[test]
fn a_lying_supplicant_makes_operations_fail_and_nothing_else() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data/tee");
    let (s, link) = open(direct(&root));
    let mut s = s.unwrap();
    write_object(&mut s, b"kept", b"the truth");
    link.release();
    drop(s);
    // Each lie: the answered size of every memory reference larger than
    // the buffer; the REE FS's handles swapped for others; bytes of the
    // RPMB's answers flipped (its MAC, data, nonce, counter, result,
    // type).
    let mut lies: Vec<(String, Lie)> = vec![
        (
            "sizes".into(),
            Box::new(|_, p: &mut Vec<Param>, _: &BTreeMap<i32, Mem>| {
                for q in p.iter_mut().filter(|q| q.attr == attr::MEMREF_OUTPUT) {
                    q.b += 1;
                }
            }),
        ),
        (
            "handles".into(),
            Box::new(|c, p: &mut Vec<Param>, _: &BTreeMap<i32, Mem>| {
                if c == cmd::FS && p.len() == 3 && p[2].attr == attr::VALUE_OUTPUT {
                    p[2].a ^= 0x55;
                }
            }),
        ),
    ];
    for byte in [200usize, 230, 490, 502, 505, 509, 511] {
        lies.push((
            format!("RPMB byte {byte}"),
            Box::new(move |c, p: &mut Vec<Param>, mems: &BTreeMap<i32, Mem>| {
                if c == cmd::RPMB {
                    let m = &mems[&(p[1].c as i32)];
                    let at = p[1].a as usize + byte;
                    let b = m.get(at, 1)[0];
                    m.put(at, &[b ^ 4]);
                }
            }),
        ));
    }
    for (what, lie) in lies {
        let mut d = direct(&root);
        d.tamper = Some(lie);
        let (s, _) = open(d);
        assert!(s.is_err(), "{what}: the store opened through a liar");
    }
    // After all of that, the truth is intact.
    let (s, _) = open(direct(&root));
    assert_eq!(read_object(&mut s.unwrap(), b"kept").unwrap(), b"the truth");
}
