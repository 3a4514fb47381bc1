//! The supplicant against a fake device playing the secure world (and a
//! lying driver): the protocol's happy paths and hostile requests.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use oxtee_sys::tee::{Param, SHM_ID_NONE, attr};

use crate::fs::{MAX_DIRS, MAX_FILES};
use crate::*;

mod rpmb;
mod sockets;
mod store;

/// Shared memory both sides see: the test reads and writes it as the
/// secure world would.
#[derive(Clone, Debug)]
struct Mem(Rc<RefCell<Vec<u8>>>);

impl Mem {
    fn put(&self, off: usize, data: &[u8]) {
        self.0.borrow_mut()[off..off + data.len()].copy_from_slice(data);
    }
    fn get(&self, off: usize, len: usize) -> Vec<u8> {
        self.0.borrow()[off..off + len].to_vec()
    }
    fn fill(&self, b: u8) {
        self.0.borrow_mut().fill(b);
    }
}

impl SharedMem for Mem {
    fn size(&self) -> usize {
        self.0.borrow().len()
    }
    fn read(&self, off: usize, dst: &mut [u8]) -> bool {
        let m = self.0.borrow();
        match off.checked_add(dst.len()) {
            Some(end) if end <= m.len() => {
                dst.copy_from_slice(&m[off..end]);
                true
            }
            _ => false,
        }
    }
    fn write(&self, off: usize, src: &[u8]) -> bool {
        let mut m = self.0.borrow_mut();
        match off.checked_add(src.len()) {
            Some(end) if end <= m.len() => {
                m[off..end].copy_from_slice(src);
                true
            }
            _ => false,
        }
    }
}

#[derive(Default)]
struct Fake {
    queue: VecDeque<Request>,
    answers: Vec<(u32, Vec<Param>)>,
    next_id: i32,
    /// Allocations the device made.
    allocs: usize,
    fail_alloc: bool,
    /// Hand out this many bytes less than asked.
    short_by: usize,
    /// Answer this id whatever the allocation.
    fixed_id: Option<i32>,
    mems: BTreeMap<i32, Mem>,
}

impl Device for Fake {
    type Shm = Mem;
    fn recv(&mut self) -> io::Result<Request> {
        self.queue
            .pop_front()
            .ok_or_else(|| io::Error::other("no more requests"))
    }
    fn send(&mut self, ret: u32, params: &[Param]) -> io::Result<()> {
        self.answers.push((ret, params.to_vec()));
        Ok(())
    }
    fn shm_alloc(&mut self, size: usize) -> io::Result<(i32, Mem)> {
        if self.fail_alloc {
            return Err(io::Error::other("no memory"));
        }
        self.allocs += 1;
        self.next_id += 1;
        let id = self.fixed_id.unwrap_or(self.next_id);
        let m = Mem(Rc::new(RefCell::new(vec![0; size - self.short_by])));
        self.mems.insert(id, m.clone());
        Ok((id, m))
    }
}

type Sup = Supplicant<Mem>;

fn val(attr: u64, a: u64, b: u64, c: u64) -> Param {
    Param { attr, a, b, c }
}

fn mref(attr: u64, id: i32, off: u64, size: u64) -> Param {
    Param {
        attr,
        a: off,
        b: size,
        c: id as u64,
    }
}

fn none_ref(attr: u64) -> Param {
    Param {
        attr,
        a: 0,
        b: 0,
        c: SHM_ID_NONE,
    }
}

/// One request through the loop: the result and the answered parameters.
fn call(sup: &mut Sup, dev: &mut Fake, func: u32, params: Vec<Param>) -> (u32, Vec<Param>) {
    let n = params.len();
    dev.queue.push_back(Request { func, params });
    sup.serve_one(dev, false).unwrap();
    let (ret, out) = dev.answers.pop().unwrap();
    assert_eq!(out.len(), n, "the answer carries as many parameters");
    (ret, out)
}

fn alloc(sup: &mut Sup, dev: &mut Fake, size: u64) -> (i32, Mem) {
    let (ret, out) = call(
        sup,
        dev,
        cmd::SHM_ALLOC,
        vec![val(attr::VALUE_INOUT, SHM_TYPE_APPL, size, 4096)],
    );
    assert_eq!(ret, res::SUCCESS);
    let id = out[0].c as i32;
    (id, dev.mems[&id].clone())
}

fn free(sup: &mut Sup, dev: &mut Fake, id: u64) -> u32 {
    call(
        sup,
        dev,
        cmd::SHM_FREE,
        vec![val(attr::VALUE_INPUT, SHM_TYPE_APPL, id, 0)],
    )
    .0
}

fn sup_with(ta_dirs: Vec<PathBuf>, fs_dir: PathBuf) -> Sup {
    Supplicant::new(Config {
        ta_dirs,
        fs_dir,
        ..Config::default()
    })
}

fn plain() -> (Sup, Fake) {
    (
        sup_with(
            vec![PathBuf::from("/nonexistent")],
            PathBuf::from("/nonexistent/tee"),
        ),
        Fake::default(),
    )
}

// ---------------------------------------------------------------- SHM

#[test]
fn shm_alloc_answers_the_id_and_free_gives_it_back() {
    let (mut sup, mut dev) = plain();
    let (a, ma) = alloc(&mut sup, &mut dev, 100);
    let (b, _) = alloc(&mut sup, &mut dev, 8192);
    assert_ne!(a, b);
    assert_eq!(sup.shm_count(), 2);
    assert_eq!(ma.size(), 100);
    // The supplicant holds the memory until freed.
    assert_eq!(Rc::strong_count(&ma.0), 3);
    assert_eq!(free(&mut sup, &mut dev, a as u64), res::SUCCESS);
    assert_eq!(sup.shm_count(), 1);
    assert_eq!(
        Rc::strong_count(&ma.0),
        2,
        "freed: the supplicant's mapping dropped"
    );
    // Twice, or an id never given: refused, nothing else freed.
    assert_eq!(free(&mut sup, &mut dev, a as u64), res::BAD_PARAMETERS);
    assert_eq!(free(&mut sup, &mut dev, 777), res::BAD_PARAMETERS);
    assert_eq!(free(&mut sup, &mut dev, u64::MAX), res::BAD_PARAMETERS);
    assert_eq!(free(&mut sup, &mut dev, 1 << 40), res::BAD_PARAMETERS);
    assert_eq!(sup.shm_count(), 1);
    assert_eq!(free(&mut sup, &mut dev, b as u64), res::SUCCESS);
    assert_eq!(sup.shm_count(), 0);
}

#[test]
fn shm_requests_of_the_wrong_shape_are_refused() {
    let (mut sup, mut dev) = plain();
    let bad = [
        vec![],
        vec![
            val(attr::VALUE_INOUT, 0, 16, 0),
            val(attr::VALUE_INOUT, 0, 16, 0),
        ],
        // The id must go back: an input value cannot carry it.
        vec![val(attr::VALUE_INPUT, 0, 16, 0)],
        vec![mref(attr::MEMREF_INOUT, 1, 0, 16)],
        // Kernel memory is the driver's business; size 0 is nothing.
        vec![val(attr::VALUE_INOUT, SHM_TYPE_KERNEL, 16, 0)],
        vec![val(attr::VALUE_INOUT, 2, 16, 0)],
        vec![val(attr::VALUE_INOUT, 0, 0, 0)],
        // Attributes with bits beyond the type (meta), unknown types.
        vec![val(attr::VALUE_INOUT | attr::META, 0, 16, 0)],
        vec![val(4, 0, 16, 0)],
        vec![val(0x1_0000_0003, 0, 16, 0)],
    ];
    for p in bad {
        let (ret, out) = call(&mut sup, &mut dev, cmd::SHM_ALLOC, p.clone());
        assert_eq!(ret, res::BAD_PARAMETERS, "{p:?}");
        for (i, o) in out.iter().enumerate() {
            assert_eq!(
                o.attr,
                p[i].attr & attr::TYPE_MASK,
                "attributes answered as sent, typed"
            );
        }
    }
    for p in [
        vec![],
        vec![val(attr::VALUE_INPUT, SHM_TYPE_KERNEL, 1, 0)],
        vec![mref(attr::MEMREF_INPUT, 1, 0, 0)],
    ] {
        assert_eq!(
            call(&mut sup, &mut dev, cmd::SHM_FREE, p).0,
            res::BAD_PARAMETERS
        );
    }
    assert_eq!(dev.allocs, 0, "nothing reached the device");
}

#[test]
fn shm_allocation_is_bounded_and_a_lying_device_is_not_believed() {
    let (mut sup, mut dev) = plain();
    let huge = val(attr::VALUE_INOUT, 0, MAX_SHM_SIZE + 1, 0);
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![huge]).0,
        res::OUT_OF_MEMORY
    );
    let huge = val(attr::VALUE_INOUT, 0, u64::MAX, 0);
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![huge]).0,
        res::OUT_OF_MEMORY
    );
    assert_eq!(dev.allocs, 0);

    dev.fail_alloc = true;
    let p = val(attr::VALUE_INOUT, 0, 64, 0);
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![p]).0,
        res::OUT_OF_MEMORY
    );
    dev.fail_alloc = false;

    // Less memory than asked for: given back, refused.
    dev.short_by = 1;
    let (ret, out) = call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![p]);
    assert_eq!((ret, out[0].c), (res::GENERIC, 0));
    dev.short_by = 0;
    assert_eq!(sup.shm_count(), 0);

    // An id already in use: the first allocation stays, the second goes.
    dev.fixed_id = Some(5);
    let (id, m) = alloc(&mut sup, &mut dev, 64);
    assert_eq!(id, 5);
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![p]).0,
        res::GENERIC
    );
    assert_eq!(sup.shm_count(), 1);
    // The first: held by the test and the supplicant (the fake forgot it).
    assert_eq!(Rc::strong_count(&m.0), 2);
    assert!(!Rc::ptr_eq(&m.0, &dev.mems[&5].0));
    assert_eq!(
        Rc::strong_count(&dev.mems[&5].0),
        1,
        "the second was dropped"
    );
    dev.fixed_id = Some(-3);
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![p]).0,
        res::GENERIC
    );
    dev.fixed_id = None;
    dev.next_id = 100;

    // At most MAX_SHM_COUNT live at once.
    while sup.shm_count() < MAX_SHM_COUNT {
        alloc(&mut sup, &mut dev, 16);
    }
    let before = dev.allocs;
    assert_eq!(
        call(&mut sup, &mut dev, cmd::SHM_ALLOC, vec![p]).0,
        res::OUT_OF_MEMORY
    );
    assert_eq!(dev.allocs, before);
}

// ---------------------------------------------------------------- LOAD_TA

const TA_UUID: [u8; 16] = [
    0x8a, 0xaa, 0xf2, 0x00, 0x24, 0x50, 0x11, 0xe4, 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b,
];

fn uuid_value(o: &[u8; 16]) -> Param {
    let a = u64::from_ne_bytes(o[..8].try_into().unwrap());
    let b = u64::from_ne_bytes(o[8..].try_into().unwrap());
    val(attr::VALUE_INPUT, a, b, 0)
}

#[test]
fn ta_files_are_named_as_tee_supplicant_names_them() {
    assert_eq!(
        crate::ta::ta_file_names(&TA_UUID),
        [
            "8aaaf200-2450-11e4-abe2-0002a5d5c51b.ta".to_string(),
            "8aaaf200-2450-11e4-abe20002a5d5c51b.ta".to_string(),
        ]
    );
    // The octets travel as the bytes of value a then b.
    assert_eq!(crate::ta::uuid_octets(&uuid_value(&TA_UUID)), TA_UUID);
}

fn ta_env() -> (tempfile::TempDir, Sup, Fake, Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    let (d1, d2) = (t.path().join("first"), t.path().join("second"));
    std::fs::create_dir_all(&d1).unwrap();
    std::fs::create_dir_all(&d2).unwrap();
    let image: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    std::fs::write(d2.join("8aaaf200-2450-11e4-abe2-0002a5d5c51b.ta"), &image).unwrap();
    let sup = sup_with(vec![d1, d2], t.path().join("fs"));
    (t, sup, Fake::default(), image)
}

#[test]
fn load_ta_size_query_then_copy() {
    let (_t, mut sup, mut dev, image) = ta_env();
    let n = image.len() as u64;
    // Step 1: no buffer: the size, and success.
    let (ret, out) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![uuid_value(&TA_UUID), none_ref(attr::MEMREF_OUTPUT)],
    );
    assert_eq!((ret, out[1].b), (res::SUCCESS, n));
    // A buffer too small: the size, SHORT_BUFFER, nothing written.
    let (id, mem) = alloc(&mut sup, &mut dev, n + 16);
    mem.fill(0xee);
    let (ret, out) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![
            uuid_value(&TA_UUID),
            mref(attr::MEMREF_OUTPUT, id, 16, n - 1),
        ],
    );
    assert_eq!((ret, out[1].b), (res::SHORT_BUFFER, n));
    assert!(mem.get(0, (n + 16) as usize).iter().all(|&b| b == 0xee));
    // Step 2: the copy, at the reference's offset, and nothing around it.
    let (ret, out) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![uuid_value(&TA_UUID), mref(attr::MEMREF_INOUT, id, 16, n)],
    );
    assert_eq!((ret, out[1].b), (res::SUCCESS, n));
    assert_eq!(mem.get(16, n as usize), image);
    assert!(mem.get(0, 16).iter().all(|&b| b == 0xee));
    assert_eq!(out[1].attr, attr::MEMREF_INOUT);
}

#[test]
fn load_ta_old_name_missing_ta_and_search_order() {
    let (t, mut sup, mut dev, image) = ta_env();
    // The first folder wins, in the old name form too.
    std::fs::write(
        t.path()
            .join("first/8aaaf200-2450-11e4-abe20002a5d5c51b.ta"),
        b"old",
    )
    .unwrap();
    let (ret, out) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![uuid_value(&TA_UUID), none_ref(attr::MEMREF_OUTPUT)],
    );
    assert_eq!((ret, out[1].b), (res::SUCCESS, 3));
    std::fs::remove_file(
        t.path()
            .join("first/8aaaf200-2450-11e4-abe20002a5d5c51b.ta"),
    )
    .unwrap();
    // A folder with the TA's name is not a TA.
    std::fs::create_dir(
        t.path()
            .join("first/8aaaf200-2450-11e4-abe2-0002a5d5c51b.ta"),
    )
    .unwrap();
    let (ret, out) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![uuid_value(&TA_UUID), none_ref(attr::MEMREF_OUTPUT)],
    );
    assert_eq!((ret, out[1].b), (res::SUCCESS, image.len() as u64));
    let mut other = TA_UUID;
    other[15] ^= 1;
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![uuid_value(&other), none_ref(attr::MEMREF_OUTPUT)],
    );
    assert_eq!(ret, res::ITEM_NOT_FOUND);
}

#[test]
fn load_ta_refuses_lying_references() {
    let (_t, mut sup, mut dev, image) = ta_env();
    let n = image.len() as u64;
    let (id, mem) = alloc(&mut sup, &mut dev, n);
    mem.fill(0x55);
    let u = uuid_value(&TA_UUID);
    let cases = vec![
        // Past the end of the allocation, by one and by wrapping around.
        vec![u, mref(attr::MEMREF_OUTPUT, id, 1, n)],
        vec![u, mref(attr::MEMREF_OUTPUT, id, u64::MAX, 2)],
        vec![u, mref(attr::MEMREF_OUTPUT, id, 8, u64::MAX - 4)],
        vec![u, mref(attr::MEMREF_OUTPUT, id, n + 1, 0)],
        // Ids never given out.
        vec![u, mref(attr::MEMREF_OUTPUT, id + 100, 0, n)],
        vec![
            u,
            Param {
                attr: attr::MEMREF_OUTPUT,
                a: 0,
                b: n,
                c: 1 << 33,
            },
        ],
        // An input buffer cannot be written; the UUID must be a value.
        vec![u, mref(attr::MEMREF_INPUT, id, 0, n)],
        vec![
            mref(attr::MEMREF_INPUT, id, 0, 16),
            mref(attr::MEMREF_OUTPUT, id, 0, n),
        ],
        vec![u],
        vec![
            u,
            mref(attr::MEMREF_OUTPUT, id, 0, n),
            val(attr::VALUE_INPUT, 0, 0, 0),
        ],
        vec![none_ref(attr::MEMREF_OUTPUT), u],
    ];
    for p in cases {
        let (ret, out) = call(&mut sup, &mut dev, cmd::LOAD_TA, p.clone());
        assert_eq!(ret, res::BAD_PARAMETERS, "{p:?}");
        assert_eq!(out, p, "nothing answered");
    }
    assert!(
        mem.get(0, n as usize).iter().all(|&b| b == 0x55),
        "nothing written"
    );
    // A freed id is unknown again.
    assert_eq!(free(&mut sup, &mut dev, id as u64), res::SUCCESS);
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::LOAD_TA,
        vec![u, mref(attr::MEMREF_OUTPUT, id, 0, n)],
    );
    assert_eq!(ret, res::BAD_PARAMETERS);
}

// ---------------------------------------------------------------- other commands

#[test]
fn other_commands_are_not_supported() {
    let (mut sup, mut dev) = plain();
    for func in [
        cmd::GET_TIME,
        cmd::NOTIFICATION,
        cmd::SUSPEND,
        8,
        cmd::GPROF,
        11,
        12,
        21,
        0x8000_0000,
        u32::MAX,
    ] {
        let p = vec![
            val(attr::VALUE_INOUT, 1, 2, 3),
            none_ref(attr::MEMREF_OUTPUT),
        ];
        let (ret, out) = call(&mut sup, &mut dev, func, p.clone());
        assert_eq!(ret, res::NOT_SUPPORTED, "command {func}");
        assert_eq!(out, p);
    }
}

#[test]
fn more_parameters_than_any_command_takes_are_refused() {
    let (mut sup, mut dev) = plain();
    let (id, _) = alloc(&mut sup, &mut dev, 64);
    for func in [cmd::LOAD_TA, cmd::FS, cmd::SHM_ALLOC, cmd::SHM_FREE] {
        let p = vec![val(attr::VALUE_INOUT, 0, 1, 0); 9];
        assert_eq!(call(&mut sup, &mut dev, func, p).0, res::BAD_PARAMETERS);
        let mut p = vec![mref(attr::MEMREF_INOUT, id, 0, 64); 64];
        p[0] = val(attr::VALUE_INPUT, 0, 1, 0);
        assert_eq!(call(&mut sup, &mut dev, func, p).0, res::BAD_PARAMETERS);
    }
    assert_eq!(sup.shm_count(), 1);
}

/// Random requests of every command (a fixed seed): no panic, and only
/// the results the protocol has.
#[test]
fn random_requests_never_panic() {
    let t = tempfile::tempdir().unwrap();
    let mut sup = sup_with(vec![t.path().to_path_buf()], t.path().join("fs"));
    let mut dev = Fake::default();
    for _ in 0..4 {
        alloc(&mut sup, &mut dev, 4096);
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let pick = |r: u64, small: &[u64]| small[(r % small.len() as u64) as usize];
    let ok = [
        res::SUCCESS,
        res::BAD_PARAMETERS,
        res::ITEM_NOT_FOUND,
        res::NOT_SUPPORTED,
        res::OUT_OF_MEMORY,
        res::SHORT_BUFFER,
        res::GENERIC,
        res::ACCESS_CONFLICT,
    ];
    for _ in 0..20_000 {
        let func = pick(rnd(), &[0, 1, 2, 6, 7, 99]) as u32;
        let n = (rnd() % 6) as usize;
        let params: Vec<Param> = (0..n)
            .map(|_| Param {
                attr: pick(rnd(), &[0, 1, 2, 3, 4, 5, 6, 7, 0x101, 9]),
                a: pick(rnd(), &[0, 1, 2, 3, 5, 8, 10, 4095, 4096, rnd()]),
                b: pick(rnd(), &[0, 1, 2, 16, 4096, 4097, u64::MAX, rnd()]),
                c: pick(rnd(), &[0, 1, 2, 3, 4, 5, u64::MAX, rnd()]),
            })
            .collect();
        // Keep the memory in place: no frees or huge allocations here.
        if func == cmd::SHM_FREE || func == cmd::SHM_ALLOC {
            continue;
        }
        let (ret, _) = call(&mut sup, &mut dev, func, params);
        assert!(ok.contains(&ret), "{ret:#x}");
    }
    // Whatever happened, nothing was written outside the storage folder.
    let names: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.iter().all(|n| n == "fs"), "{names:?}");
}

// ---------------------------------------------------------------- FS

struct FsEnv {
    _t: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    sup: Sup,
    dev: Fake,
    /// Shared memory for names and data: names at 0, data at 4096.
    id: i32,
    mem: Mem,
}

const DATA: u64 = 4096;

fn fs_env() -> FsEnv {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("data/tee");
    let outside = t.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"keep").unwrap();
    let mut sup = sup_with(vec![], root.clone());
    let mut dev = Fake::default();
    let (id, mem) = alloc(&mut sup, &mut dev, 3 * 4096);
    FsEnv {
        _t: t,
        root,
        outside,
        sup,
        dev,
        id,
        mem,
    }
}

impl FsEnv {
    fn fs(&mut self, params: Vec<Param>) -> (u32, Vec<Param>) {
        call(&mut self.sup, &mut self.dev, cmd::FS, params)
    }

    /// A name in the shared memory at `off` (with its NUL and some
    /// garbage after it, as OP-TEE's fixed buffers have).
    fn name(&self, off: u64, name: &[u8]) -> Param {
        let mut b = name.to_vec();
        b.push(0);
        b.extend_from_slice(b"garbage/../..");
        self.mem.put(off as usize, &b);
        mref(attr::MEMREF_INPUT, self.id, off, b.len() as u64)
    }

    fn open_like(&mut self, op: u64, name: &[u8]) -> (u32, u64) {
        let n = self.name(0, name);
        let (ret, out) = self.fs(vec![
            val(attr::VALUE_INPUT, op, 0, 0),
            n,
            val(attr::VALUE_OUTPUT, 0, 0, 0),
        ]);
        (ret, out[2].a)
    }

    fn open(&mut self, name: &[u8]) -> (u32, u64) {
        self.open_like(fsop::OPEN, name)
    }

    fn create(&mut self, name: &[u8]) -> (u32, u64) {
        self.open_like(fsop::CREATE, name)
    }

    fn opendir(&mut self, name: &[u8]) -> (u32, u64) {
        self.open_like(fsop::OPENDIR, name)
    }

    fn write(&mut self, h: u64, at: u64, data: &[u8]) -> u32 {
        self.mem.put(DATA as usize, data);
        let m = mref(attr::MEMREF_INPUT, self.id, DATA, data.len() as u64);
        self.fs(vec![val(attr::VALUE_INPUT, fsop::WRITE, h, at), m])
            .0
    }

    fn read(&mut self, h: u64, at: u64, len: u64) -> (u32, Vec<u8>) {
        let m = mref(attr::MEMREF_OUTPUT, self.id, DATA, len);
        let (ret, out) = self.fs(vec![val(attr::VALUE_INPUT, fsop::READ, h, at), m]);
        (ret, self.mem.get(DATA as usize, out[1].b as usize))
    }

    fn simple(&mut self, op: u64, h: u64, c: u64) -> u32 {
        self.fs(vec![val(attr::VALUE_INPUT, op, h, c)]).0
    }

    fn remove(&mut self, name: &[u8]) -> u32 {
        let n = self.name(0, name);
        self.fs(vec![val(attr::VALUE_INPUT, fsop::REMOVE, 0, 0), n])
            .0
    }

    fn rename(&mut self, old: &[u8], new: &[u8], replace: bool) -> u32 {
        let o = self.name(0, old);
        let n = self.name(1024, new);
        self.fs(vec![
            val(attr::VALUE_INPUT, fsop::RENAME, replace as u64, 0),
            o,
            n,
        ])
        .0
    }

    fn readdir(&mut self, h: u64, len: u64) -> (u32, u64, Vec<u8>) {
        let m = mref(attr::MEMREF_OUTPUT, self.id, DATA, len);
        let (ret, out) = self.fs(vec![val(attr::VALUE_INPUT, fsop::READDIR, h, 0), m]);
        let got = if ret == res::SUCCESS {
            self.mem.get(DATA as usize, out[1].b as usize)
        } else {
            vec![]
        };
        (ret, out[1].b, got)
    }

    fn outside_untouched(&self) {
        let names: Vec<_> = std::fs::read_dir(&self.outside)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["secret"]);
        assert_eq!(std::fs::read(self.outside.join("secret")).unwrap(), b"keep");
    }
}

fn mode_of(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn fs_round_trip() {
    let mut e = fs_env();
    // The root is made on first use, private.
    let (ret, h) = e.create(b"dirf.db");
    assert_eq!(ret, res::SUCCESS);
    assert_eq!(mode_of(&e.root), 0o700);
    assert_eq!(mode_of(&e.root.join("dirf.db")), 0o600);
    assert_eq!(e.write(h, 0, b"hello world"), res::SUCCESS);
    assert_eq!(e.write(h, 20, b"!"), res::SUCCESS);
    assert_eq!(
        std::fs::read(e.root.join("dirf.db")).unwrap(),
        b"hello world\0\0\0\0\0\0\0\0\0!"
    );
    // Reads stop at the end of the file and say how much they read.
    assert_eq!(e.read(h, 6, 5), (res::SUCCESS, b"world".to_vec()));
    assert_eq!(e.read(h, 20, 100).1, b"!");
    assert_eq!(e.read(h, 1000, 100), (res::SUCCESS, vec![]));
    assert_eq!(e.simple(fsop::TRUNCATE, h, 5), res::SUCCESS);
    assert_eq!(e.read(h, 0, 100), (res::SUCCESS, b"hello".to_vec()));
    assert_eq!(e.simple(fsop::CLOSE, h, 0), res::SUCCESS);
    assert_eq!(e.simple(fsop::CLOSE, h, 0), res::GENERIC, "closed twice");
    assert_eq!(e.read(h, 0, 5).0, res::GENERIC, "a closed handle");

    // Open finds it again; create truncates.
    let (ret, h) = e.open(b"dirf.db");
    assert_eq!(ret, res::SUCCESS);
    assert_eq!(e.read(h, 0, 100).1, b"hello");
    let (ret, h2) = e.create(b"dirf.db");
    assert_eq!(ret, res::SUCCESS);
    assert_ne!(h, h2);
    assert_eq!(e.read(h, 0, 100).1, b"");
    assert_eq!(e.write(h2, 0, b"v2"), res::SUCCESS);
    assert_eq!(e.simple(fsop::CLOSE, h2, 0), res::SUCCESS);
    assert_eq!(e.simple(fsop::CLOSE, h, 0), res::SUCCESS);
    assert_eq!(e.open(b"missing").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.open(b"nodir/missing").0, res::ITEM_NOT_FOUND);

    // Create makes the folders a name needs; remove takes empty ones away.
    let (ret, h) = e.create(b"ta/0/obj");
    assert_eq!(ret, res::SUCCESS);
    assert_eq!(mode_of(&e.root.join("ta/0")), 0o700);
    assert_eq!(e.simple(fsop::CLOSE, h, 0), res::SUCCESS);

    // Rename: onto an existing name only when asked.
    let (_, h) = e.create(b"1");
    e.simple(fsop::CLOSE, h, 0);
    assert_eq!(e.rename(b"dirf.db", b"1", false), res::ACCESS_CONFLICT);
    assert_eq!(std::fs::read(e.root.join("1")).unwrap(), b"");
    assert_eq!(e.rename(b"dirf.db", b"1", true), res::SUCCESS);
    assert_eq!(std::fs::read(e.root.join("1")).unwrap(), b"v2");
    assert!(!e.root.join("dirf.db").exists());
    assert_eq!(e.rename(b"1", b"2", false), res::SUCCESS);
    assert_eq!(e.rename(b"1", b"3", false), res::ITEM_NOT_FOUND);
    assert_eq!(e.rename(b"2", b"nodir/3", false), res::ITEM_NOT_FOUND);
    assert_eq!(e.rename(b"2", b"ta/0/2", false), res::SUCCESS);

    // Readdir: every name once, NUL-terminated, dot names skipped.
    std::fs::write(e.root.join("ta/0/.hidden"), b"").unwrap();
    let (ret, d) = e.opendir(b"ta/0");
    assert_eq!(ret, res::SUCCESS);
    let mut seen = vec![];
    loop {
        let (ret, size, name) = e.readdir(d, 256);
        if ret == res::ITEM_NOT_FOUND {
            break;
        }
        assert_eq!(ret, res::SUCCESS);
        assert_eq!(size as usize, name.len());
        assert_eq!(name.last(), Some(&0));
        seen.push(String::from_utf8(name[..name.len() - 1].to_vec()).unwrap());
    }
    seen.sort();
    assert_eq!(seen, ["2", "obj"]);
    assert_eq!(e.simple(fsop::CLOSEDIR, d, 0), res::SUCCESS);
    assert_eq!(e.simple(fsop::CLOSEDIR, d, 0), res::BAD_PARAMETERS);
    assert_eq!(e.readdir(d, 256).0, res::BAD_PARAMETERS);
    // The root, and a short buffer that keeps the name for the next call.
    let (ret, d) = e.opendir(b"");
    assert_eq!(ret, res::SUCCESS);
    let (ret, size, _) = e.readdir(d, 1);
    assert_eq!((ret, size), (res::SHORT_BUFFER, 3));
    assert_eq!(e.readdir(d, 3), (res::SUCCESS, 3, b"ta\0".to_vec()));
    assert_eq!(e.readdir(d, 3).0, res::ITEM_NOT_FOUND);
    assert_eq!(e.simple(fsop::CLOSEDIR, d, 0), res::SUCCESS);

    // Remove: the file, then its folders once empty, never the root.
    std::fs::remove_file(e.root.join("ta/0/.hidden")).unwrap();
    assert_eq!(e.remove(b"ta/0/obj"), res::SUCCESS);
    assert!(e.root.join("ta/0").exists(), "not empty yet");
    assert_eq!(e.remove(b"ta/0/2"), res::SUCCESS);
    assert!(!e.root.join("ta").exists());
    assert!(e.root.exists());
    assert_eq!(e.remove(b"ta/0/2"), res::ITEM_NOT_FOUND);
    assert_eq!(e.remove(b"gone"), res::ITEM_NOT_FOUND);
    // An empty or missing folder is not found.
    assert_eq!(e.opendir(b"").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.opendir(b"nope").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.sup.fs.open_counts(), (0, 0));
    e.outside_untouched();
}

#[test]
fn fs_names_stay_inside_the_root() {
    let mut e = fs_env();
    let escape = e.outside.join("x");
    let abs = escape.to_str().unwrap().as_bytes().to_vec();
    let bad: Vec<&[u8]> = vec![
        &abs,
        b"/etc/passwd",
        b"../outside/x",
        b"../../outside/x",
        b"a/../../outside/x",
        b"a/..",
        b"..",
        b".",
        b"./x",
        b"a//x",
        b"",
        b"/",
        b"a/b/c/d/e/f/g/h/i",
    ];
    for n in &bad {
        assert_eq!(
            e.create(n).0,
            res::BAD_PARAMETERS,
            "{}",
            String::from_utf8_lossy(n)
        );
        assert_eq!(e.open(n).0, res::BAD_PARAMETERS);
        assert_eq!(e.remove(n), res::BAD_PARAMETERS);
        assert_eq!(e.rename(b"x", n, true), res::BAD_PARAMETERS);
    }
    for n in [&abs[..], b"../outside", b"/"] {
        assert_eq!(e.opendir(n).0, res::BAD_PARAMETERS);
    }
    // A name is cut at its NUL: what follows never counts.
    let (ret, h) = e.create(b"a\0/../../outside/x");
    assert_eq!(ret, res::SUCCESS);
    e.simple(fsop::CLOSE, h, 0);
    assert!(e.root.join("a").is_file());
    // Too long a name.
    let long = vec![b'n'; crate::fs::MAX_NAME + 1];
    assert_eq!(e.create(&long).0, res::BAD_PARAMETERS);
    let unterminated = mref(attr::MEMREF_INPUT, e.id, 0, 4096);
    e.mem.put(0, &[b'z'; 4096]);
    let (ret, _) = e.fs(vec![
        val(attr::VALUE_INPUT, fsop::CREATE, 0, 0),
        unterminated,
        val(attr::VALUE_OUTPUT, 0, 0, 0),
    ]);
    assert_eq!(ret, res::BAD_PARAMETERS);
    e.outside_untouched();
}

#[test]
fn fs_never_follows_a_symbolic_link() {
    let mut e = fs_env();
    let (_, h) = e.create(b"x");
    e.simple(fsop::CLOSE, h, 0);
    std::os::unix::fs::symlink(&e.outside, e.root.join("dlink")).unwrap();
    std::os::unix::fs::symlink(e.outside.join("secret"), e.root.join("flink")).unwrap();
    // Through a linked folder: nothing.
    assert_eq!(e.create(b"dlink/new").0, res::GENERIC);
    assert_eq!(e.open(b"dlink/secret").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.remove(b"dlink/secret"), res::GENERIC);
    assert_eq!(e.rename(b"x", b"dlink/x", true), res::GENERIC);
    assert_eq!(e.rename(b"dlink/secret", b"stolen", true), res::GENERIC);
    assert_eq!(e.opendir(b"dlink").0, res::ITEM_NOT_FOUND);
    // A linked file: neither opened nor truncated by create.
    assert_eq!(e.open(b"flink").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.create(b"flink").0, res::GENERIC);
    e.outside_untouched();
    // Renaming or removing a link moves or removes the link itself.
    assert_eq!(e.rename(b"flink", b"flink2", false), res::SUCCESS);
    assert_eq!(e.remove(b"flink2"), res::SUCCESS);
    assert_eq!(e.remove(b"dlink"), res::SUCCESS);
    e.outside_untouched();
    // Not a regular file (a folder): not opened.
    std::fs::create_dir(e.root.join("sub")).unwrap();
    assert_eq!(e.open(b"sub").0, res::ITEM_NOT_FOUND);
    assert_eq!(e.sup.fs.open_counts(), (0, 0));
}

#[test]
fn fs_refuses_malformed_requests() {
    let mut e = fs_env();
    let (_, h) = e.create(b"f");
    assert_eq!(e.write(h, 0, b"0123456789"), res::SUCCESS);
    let id = e.id;
    let size = 3 * 4096;
    let vin = |op, b, c| val(attr::VALUE_INPUT, op, b, c);
    let cases: Vec<Vec<Param>> = vec![
        vec![],
        vec![mref(attr::MEMREF_INPUT, id, 0, 4)],
        vec![vin(99, 0, 0)],
        vec![vin(u64::MAX, 0, 0)],
        // Out-of-bounds, unknown or absent buffers.
        vec![
            vin(fsop::READ, h, 0),
            mref(attr::MEMREF_OUTPUT, id, 1, size),
        ],
        vec![
            vin(fsop::READ, h, 0),
            mref(attr::MEMREF_OUTPUT, id, u64::MAX, 2),
        ],
        vec![
            vin(fsop::READ, h, 0),
            mref(attr::MEMREF_OUTPUT, id + 7, 0, 4),
        ],
        vec![vin(fsop::READ, h, 0), none_ref(attr::MEMREF_OUTPUT)],
        vec![
            vin(fsop::WRITE, h, 0),
            mref(attr::MEMREF_INPUT, id, size, 1),
        ],
        vec![vin(fsop::WRITE, h, 0), none_ref(attr::MEMREF_INPUT)],
        vec![
            vin(fsop::OPEN, 0, 0),
            none_ref(attr::MEMREF_INPUT),
            val(attr::VALUE_OUTPUT, 0, 0, 0),
        ],
        vec![vin(fsop::READDIR, 1, 0), none_ref(attr::MEMREF_OUTPUT)],
        // Wrong types and counts (tee-supplicant's exact layouts).
        vec![vin(fsop::READ, h, 0), mref(attr::MEMREF_INOUT, id, 0, 4)],
        vec![vin(fsop::WRITE, h, 0), mref(attr::MEMREF_OUTPUT, id, 0, 4)],
        vec![val(attr::VALUE_INOUT, fsop::CLOSE, h, 0)],
        vec![vin(fsop::CLOSE, h, 0), vin(0, 0, 0)],
        vec![vin(fsop::TRUNCATE, h, 0), vin(0, 0, 0)],
        vec![vin(fsop::OPEN, 0, 0), mref(attr::MEMREF_INPUT, id, 0, 2)],
        vec![
            vin(fsop::OPEN, 0, 0),
            mref(attr::MEMREF_INPUT, id, 0, 2),
            val(attr::VALUE_INOUT, 0, 0, 0),
        ],
        vec![vin(fsop::RENAME, 0, 0), mref(attr::MEMREF_INPUT, id, 0, 2)],
        vec![vin(fsop::CLOSEDIR, 1, 0)],
        vec![vin(fsop::CLOSEDIR, 0, 0)],
        vec![
            vin(fsop::READDIR, 0, 0),
            mref(attr::MEMREF_OUTPUT, id, 0, 16),
        ],
    ];
    for p in cases {
        let (ret, _) = e.fs(p.clone());
        assert_eq!(ret, res::BAD_PARAMETERS, "{p:?}");
    }
    // Unknown file handles are GENERIC (tee-supplicant's EBADF).
    for h in [0, 2, 63, 64, 65, u64::MAX] {
        assert_eq!(e.read(h, 0, 4).0, res::GENERIC);
        assert_eq!(e.write(h, 0, b"x"), res::GENERIC);
        assert_eq!(e.simple(fsop::TRUNCATE, h, 0), res::GENERIC);
        assert_eq!(e.simple(fsop::CLOSE, h, 0), res::GENERIC);
    }
    // Offsets and lengths past what a file can be.
    assert_eq!(e.write(h, u64::MAX, b"xy"), res::GENERIC);
    assert_eq!(e.simple(fsop::TRUNCATE, h, u64::MAX), res::GENERIC);
    assert_eq!(e.read(h, u64::MAX, 4).0, res::GENERIC);
    assert_eq!(e.read(h, 0, 100), (res::SUCCESS, b"0123456789".to_vec()));
    e.outside_untouched();
}

#[test]
fn fs_handles_are_bounded() {
    let mut e = fs_env();
    let mut hs = vec![];
    for i in 0..MAX_FILES {
        let (ret, h) = e.create(format!("f{i}").as_bytes());
        assert_eq!(ret, res::SUCCESS);
        hs.push(h);
    }
    assert_eq!(e.create(b"one-more").0, res::OUT_OF_MEMORY);
    assert_eq!(e.open(b"f0").0, res::OUT_OF_MEMORY);
    assert!(!e.root.join("one-more").exists());
    assert_eq!(e.simple(fsop::CLOSE, hs[10], 0), res::SUCCESS);
    assert_eq!(e.open(b"f0"), (res::SUCCESS, hs[10]), "the slot is reused");
    let mut ds = vec![];
    for _ in 0..MAX_DIRS {
        let (ret, d) = e.opendir(b"");
        assert_eq!(ret, res::SUCCESS);
        ds.push(d);
    }
    assert_eq!(e.opendir(b"").0, res::OUT_OF_MEMORY);
    assert_eq!(e.sup.fs.open_counts(), (MAX_FILES, MAX_DIRS));
}

#[test]
fn fs_storage_not_available() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("file"), b"").unwrap();
    let mut sup = sup_with(vec![], t.path().join("file/tee"));
    let mut dev = Fake::default();
    let (id, mem) = alloc(&mut sup, &mut dev, 64);
    mem.put(0, b"x\0");
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::FS,
        vec![
            val(attr::VALUE_INPUT, fsop::CREATE, 0, 0),
            mref(attr::MEMREF_INPUT, id, 0, 2),
            val(attr::VALUE_OUTPUT, 0, 0, 0),
        ],
    );
    assert_eq!(ret, res::STORAGE_NOT_AVAILABLE);
}

#[test]
fn request_ids_come_only_from_a_first_meta_value() {
    use crate::linux::split_meta;
    let meta = attr::META | attr::VALUE_INOUT;
    let p = [val(meta, 77, 0, 0), val(attr::VALUE_INPUT, 1, 2, 3)];
    let (id, rest) = split_meta(&p);
    assert_eq!((id, rest), (Some(77), &p[1..]));
    // No META first: no id, every parameter the request's.
    for p in [
        vec![val(attr::VALUE_INPUT, 1, 2, 3), val(meta, 77, 0, 0)],
        vec![val(attr::META | attr::VALUE_INPUT, 77, 0, 0)],
        vec![],
    ] {
        assert_eq!(split_meta(&p), (None, &p[..]));
    }
    // A META bit the driver should not send is a bad request, not a crash.
    let (mut sup, mut dev) = plain();
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::SOCKET,
        vec![val(attr::META | attr::VALUE_INPUT, 1, 2, 3)],
    );
    assert_eq!(ret, res::BAD_PARAMETERS);
}
