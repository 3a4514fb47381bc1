//! The emulated RPMB against a fake device playing OP-TEE's secure storage
//! (`tee_rpmb_fs.c`): the frames are built, and every MAC computed and
//! checked, here, with the numbers of the JEDEC frame written out (not
//! taken from the code under test).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::*;

// Request and response types, results: JEDEC's (and OP-TEE's) numbers.
const KEY_PROGRAM: u16 = 0x0001;
const COUNTER_READ: u16 = 0x0002;
const DATA_WRITE: u16 = 0x0003;
const DATA_READ: u16 = 0x0004;
const RESULT_READ: u16 = 0x0005;
const RESP_KEY_PROGRAM: u16 = 0x0100;
const RESP_COUNTER_READ: u16 = 0x0200;
const RESP_DATA_WRITE: u16 = 0x0300;
const RESP_DATA_READ: u16 = 0x0400;

const OK: u16 = 0;
const GENERAL_FAILURE: u16 = 1;
const AUTH_FAILURE: u16 = 2;
const COUNTER_FAILURE: u16 = 3;
const ADDRESS_FAILURE: u16 = 4;
const WRITE_FAILURE: u16 = 5;
const KEY_NOT_PROGRAMMED: u16 = 7;
const EXPIRED: u16 = 0x80;

type Frame = [u8; 512];

const KEY: [u8; 32] = *b"an RPMB key, 32 bytes, for tests";
const OTHER_KEY: [u8; 32] = *b"another key, also 32 bytes long!";

/// Where requests and responses go in the shared memory.
const REQ: u64 = 0;
const RSP: u64 = 64 << 10;
const SHM: u64 = RSP + (1 << 20);

/// Blocks of the default device (2 x 128 KiB).
const BLOCKS: u16 = 1024;

fn get16(f: &Frame, at: usize) -> u16 {
    u16::from_be_bytes([f[at], f[at + 1]])
}
fn get32(f: &Frame, at: usize) -> u32 {
    u32::from_be_bytes(f[at..at + 4].try_into().unwrap())
}
fn set16(f: &mut Frame, at: usize, v: u16) {
    f[at..at + 2].copy_from_slice(&v.to_be_bytes());
}
fn set32(f: &mut Frame, at: usize, v: u32) {
    f[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

// Fields of a frame.
fn mac_of(f: &Frame) -> &[u8] {
    &f[196..228]
}
fn data_of(f: &Frame) -> &[u8] {
    &f[228..484]
}
fn nonce_of(f: &Frame) -> &[u8] {
    &f[484..500]
}
fn counter_of(f: &Frame) -> u32 {
    get32(f, 500)
}
fn address_of(f: &Frame) -> u16 {
    get16(f, 504)
}
fn count_of(f: &Frame) -> u16 {
    get16(f, 506)
}
fn result_of(f: &Frame) -> u16 {
    get16(f, 508)
}
fn type_of(f: &Frame) -> u16 {
    get16(f, 510)
}

/// HMAC-SHA256 under `key` of bytes 228..512 of every frame.
fn mac(key: &[u8; 32], frames: &[Frame]) -> [u8; 32] {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    for f in frames {
        m.update(&f[228..]);
    }
    m.finalize().into_bytes().into()
}

fn mac_verifies(key: &[u8; 32], frames: &[Frame]) -> bool {
    mac_of(frames.last().unwrap()) == mac(key, frames)
}

fn frame(kind: u16) -> Frame {
    let mut f = [0u8; 512];
    set16(&mut f, 510, kind);
    f
}

/// The frames of an authenticated write, MAC'd with `key`.
fn write_frames(key: &[u8; 32], address: u16, counter: u32, blocks: &[[u8; 256]]) -> Vec<Frame> {
    let mut frames: Vec<Frame> = blocks
        .iter()
        .map(|b| {
            let mut f = frame(DATA_WRITE);
            f[228..484].copy_from_slice(b);
            set32(&mut f, 500, counter);
            set16(&mut f, 504, address);
            set16(&mut f, 506, blocks.len() as u16);
            f
        })
        .collect();
    let m = mac(key, &frames);
    frames.last_mut().unwrap()[196..228].copy_from_slice(&m);
    frames
}

fn header(cmd: u16, dev_id: u16, block_count: u16) -> Vec<u8> {
    [cmd, dev_id, block_count]
        .iter()
        .flat_map(|v| v.to_ne_bytes())
        .collect()
}

fn block(b: u8) -> [u8; 256] {
    let mut d = [0u8; 256];
    for (i, x) in d.iter_mut().enumerate() {
        *x = b ^ i as u8;
    }
    d
}

struct Env {
    t: tempfile::TempDir,
    mult: u8,
    sup: Sup,
    dev: Fake,
    id: i32,
    mem: Mem,
    nonce: u8,
}

fn env() -> Env {
    let t = tempfile::tempdir().unwrap();
    env_in(t, 2)
}

fn env_in(t: tempfile::TempDir, mult: u8) -> Env {
    let mut sup = Supplicant::new(Config {
        ta_dirs: vec![],
        fs_dir: t.path().join("tee"),
        rpmb_size_mult: mult,
    });
    let mut dev = Fake::default();
    let (id, mem) = alloc(&mut sup, &mut dev, SHM);
    Env {
        t,
        mult,
        sup,
        dev,
        id,
        mem,
        nonce: 0,
    }
}

impl Env {
    fn dir(&self) -> PathBuf {
        self.t.path().join("tee")
    }

    /// A new supplicant (and device) on the same folder.
    fn restart(self) -> Env {
        let mult = self.mult;
        env_in(self.t, mult)
    }

    fn rpmb(&mut self, params: Vec<Param>) -> u32 {
        call(&mut self.sup, &mut self.dev, cmd::RPMB, params).0
    }

    /// `req` at REQ, a response of `rsp_len` bytes at RSP (filled with
    /// garbage first): the result and the response's bytes.
    fn raw(&mut self, req: &[u8], rsp_len: u64) -> (u32, Vec<u8>) {
        self.mem.fill(0xee);
        self.mem.put(REQ as usize, req);
        let ret = self.rpmb(vec![
            mref(attr::MEMREF_INPUT, self.id, REQ, req.len() as u64),
            mref(attr::MEMREF_OUTPUT, self.id, RSP, rsp_len),
        ]);
        (ret, self.mem.get(RSP as usize, rsp_len as usize))
    }

    /// A data request of `frames`, `rsp` frames back.
    fn data(&mut self, block_count: u16, frames: &[Frame], rsp: usize) -> (u32, Vec<Frame>) {
        let mut req = header(0, 0, block_count);
        for f in frames {
            req.extend_from_slice(f);
        }
        let (ret, out) = self.raw(&req, (rsp * 512) as u64);
        let out = out
            .chunks(512)
            .map(|c| c.try_into().unwrap())
            .collect::<Vec<Frame>>();
        (ret, out)
    }

    /// One frame in, one out; SUCCESS expected.
    fn one(&mut self, f: Frame) -> Frame {
        let (ret, out) = self.data(0, &[f], 1);
        assert_eq!(ret, res::SUCCESS);
        out[0]
    }

    fn program(&mut self, key: &[u8; 32]) -> Frame {
        let mut f = frame(KEY_PROGRAM);
        f[196..228].copy_from_slice(key);
        self.one(f)
    }

    fn next_nonce(&mut self) -> [u8; 16] {
        self.nonce += 1;
        let mut n = [0x4e; 16];
        n[0] = self.nonce;
        n
    }

    /// The counter, the nonce checked, the response's result.
    fn counter(&mut self) -> (u32, u16, Frame) {
        let nonce = self.next_nonce();
        let mut f = frame(COUNTER_READ);
        f[484..500].copy_from_slice(&nonce);
        let r = self.one(f);
        assert_eq!(type_of(&r), RESP_COUNTER_READ);
        assert_eq!(nonce_of(&r), nonce);
        (counter_of(&r), result_of(&r), r)
    }

    /// The counter, checked as OP-TEE checks it (result OK, MAC with
    /// KEY).
    fn good_counter(&mut self) -> u32 {
        let (c, result, r) = self.counter();
        assert_eq!(result & !EXPIRED, OK);
        assert!(mac_verifies(&KEY, &[r]), "the counter's MAC");
        c
    }

    fn write(&mut self, key: &[u8; 32], address: u16, counter: u32, blocks: &[[u8; 256]]) -> Frame {
        let frames = write_frames(key, address, counter, blocks);
        let (ret, out) = self.data(0, &frames, 1);
        assert_eq!(ret, res::SUCCESS);
        assert_eq!(type_of(&out[0]), RESP_DATA_WRITE);
        out[0]
    }

    /// An authenticated read: the frames, nonce, address, count and type
    /// checked.
    fn read(&mut self, address: u16, n: u16) -> Vec<Frame> {
        let nonce = self.next_nonce();
        let mut f = frame(DATA_READ);
        f[484..500].copy_from_slice(&nonce);
        set16(&mut f, 504, address);
        let (ret, out) = self.data(n, &[f], n as usize);
        assert_eq!(ret, res::SUCCESS);
        for r in &out {
            assert_eq!(nonce_of(r), nonce);
            assert_eq!(address_of(r), address);
            assert_eq!(count_of(r), n);
            assert_eq!(type_of(r), RESP_DATA_READ);
        }
        out
    }

    /// An authenticated read that must succeed: the data of the blocks.
    fn good_read(&mut self, address: u16, n: u16) -> Vec<[u8; 256]> {
        let out = self.read(address, n);
        assert!(out.iter().all(|r| result_of(r) & !EXPIRED == OK));
        assert!(mac_verifies(&KEY, &out), "the read's MAC");
        out.iter().map(|r| data_of(r).try_into().unwrap()).collect()
    }

    fn image(&self) -> Vec<u8> {
        std::fs::read(self.dir().join(RPMB_IMAGE)).unwrap()
    }
}

// ---------------------------------------------------------------- dev info

#[test]
fn rpmb_dev_info_is_tee_supplicants() {
    let mut e = env();
    for dev_id in [0, 1, 0xffff] {
        let (ret, out) = e.raw(&header(1, dev_id, 0), 19);
        assert_eq!(ret, res::SUCCESS);
        // The CID of tee-supplicant's emulation; 2 x 128 KiB; one sector
        // written reliably; OK.
        assert_eq!(
            out[..16],
            [
                0xfe, 0x01, 0x4e, 0x4d, 0x4d, 0x43, 0x30, 0x34, 0x47, 0x42, 0xc8, 0xf6, 0x55, 0x2a,
                0x61, 0x15
            ]
        );
        assert_eq!(out[16..], [2, 1, 0]);
    }
    // Sizes other than the header and the struct: refused, nothing written.
    for (req, rsp) in [
        (header(1, 0, 0), 18),
        (header(1, 0, 0), 20),
        (header(1, 0, 0), 512),
        ([header(1, 0, 0), vec![0]].concat(), 19),
        (header(1, 0, 0)[..5].to_vec(), 19),
    ] {
        let (ret, out) = e.raw(&req, rsp);
        assert_eq!(ret, res::BAD_PARAMETERS, "{} {rsp}", req.len());
        assert!(out.iter().all(|&b| b == 0xee));
    }
    // Another size, configured.
    let mut e = env_in(tempfile::tempdir().unwrap(), 4);
    let (ret, out) = e.raw(&header(1, 0, 0), 19);
    assert_eq!((ret, out[16]), (res::SUCCESS, 4));
}

#[test]
fn rpmb_disabled_is_not_supported() {
    let mut e = env_in(tempfile::tempdir().unwrap(), 0);
    let (ret, _) = e.raw(&header(1, 0, 0), 19);
    assert_eq!(ret, res::NOT_SUPPORTED);
    let (ret, _) = e.data(0, &[frame(COUNTER_READ)], 1);
    assert_eq!(ret, res::NOT_SUPPORTED);
    assert!(!e.dir().join(RPMB_IMAGE).exists());
}

// ---------------------------------------------------------------- round trip

#[test]
fn rpmb_key_counter_write_read_and_restart() {
    let mut e = env();

    // A new part: no key. OP-TEE learns it from the counter read.
    let (c, result, r) = e.counter();
    assert_eq!((c, result), (0, KEY_NOT_PROGRAMMED));
    assert_eq!(mac_of(&r), [0; 32], "no key, no MAC");
    let r = e.write(&KEY, 0, 0, &[block(1)]);
    assert_eq!(result_of(&r), KEY_NOT_PROGRAMMED);
    let out = e.read(0, 1);
    assert_eq!(result_of(&out[0]), KEY_NOT_PROGRAMMED);
    assert!(e.dir().join(RPMB_IMAGE).exists(), "made on first use");

    // Program the key; the answer is the result read of the programming.
    let r = e.program(&KEY);
    assert_eq!((type_of(&r), result_of(&r)), (RESP_KEY_PROGRAM, OK));
    assert_eq!(e.good_counter(), 0);

    // Two blocks at 3 with the right MAC and counter.
    let r = e.write(&KEY, 3, 0, &[block(0xa0), block(0xb0)]);
    assert_eq!(result_of(&r), OK);
    assert_eq!(address_of(&r), 3);
    assert_eq!(counter_of(&r), 1, "one write, one step");
    assert!(mac_verifies(&KEY, &[r]), "the write result's MAC");
    assert_eq!(e.good_counter(), 1);

    // Read back, alone and with neighbours (never written: zeros).
    assert_eq!(e.good_read(3, 2), [block(0xa0), block(0xb0)]);
    assert_eq!(e.good_read(4, 1), [block(0xb0)]);
    assert_eq!(
        e.good_read(2, 4),
        [[0; 256], block(0xa0), block(0xb0), [0; 256]]
    );
    // The MAC covers every frame: tamper with the first, it fails.
    let mut out = e.read(3, 2);
    out[0][300] ^= 1;
    assert!(!mac_verifies(&KEY, &out));

    // The result read answers the last write again.
    let r = e.one(frame(RESULT_READ));
    assert_eq!(
        (type_of(&r), result_of(&r), address_of(&r), counter_of(&r)),
        (RESP_DATA_WRITE, OK, 3, 1)
    );
    assert!(mac_verifies(&KEY, &[r]));

    // The last block of the part, then a second write moves the counter.
    let r = e.write(&KEY, BLOCKS - 1, 1, &[block(0xff)]);
    assert_eq!((result_of(&r), counter_of(&r)), (OK, 2));
    assert_eq!(e.good_read(BLOCKS - 1, 1), [block(0xff)]);

    // Restart: key, counter and data come back from the file.
    let mut e = e.restart();
    assert_eq!(e.good_counter(), 2);
    assert_eq!(e.good_read(3, 2), [block(0xa0), block(0xb0)]);
    assert_eq!(e.good_read(BLOCKS - 1, 1), [block(0xff)]);
    let r = e.program(&OTHER_KEY);
    assert_eq!(result_of(&r), GENERAL_FAILURE, "the key survived too");
    let r = e.write(&KEY, 3, 2, &[block(0xc0)]);
    assert_eq!((result_of(&r), counter_of(&r)), (OK, 3));
    assert_eq!(e.good_read(3, 2), [block(0xc0), block(0xb0)]);

    // The image: 0600, nothing left behind.
    use std::os::unix::fs::PermissionsExt;
    let m = std::fs::metadata(e.dir().join(RPMB_IMAGE)).unwrap();
    assert_eq!(m.permissions().mode() & 0o777, 0o600);
    assert!(!e.dir().join("rpmb.img.tmp").exists());
    assert_eq!(m.len() as usize, 2 * 128 * 1024 + 48 + 32);
}

// ---------------------------------------------------------------- hostile

/// A part with KEY, one write done (counter 1, block 5 = block(0x55)).
fn keyed() -> Env {
    let mut e = env();
    assert_eq!(result_of(&e.program(&KEY)), OK);
    assert_eq!(result_of(&e.write(&KEY, 5, 0, &[block(0x55)])), OK);
    e
}

/// Nothing changed since `keyed`.
fn untouched(e: &mut Env, counter: u32) {
    assert_eq!(e.good_counter(), counter);
    assert_eq!(e.good_read(5, 1), [block(0x55)]);
    assert_eq!(e.good_read(6, 1), [[0; 256]]);
}

#[test]
fn rpmb_bad_mac_stale_counter_and_wrong_key_are_refused() {
    let mut e = keyed();
    let image = e.image();

    // A MAC with another key, a MAC over other data, no MAC.
    let r = e.write(&OTHER_KEY, 5, 1, &[block(1)]);
    assert_eq!(result_of(&r), AUTH_FAILURE);
    assert_eq!(counter_of(&r), 1);
    assert!(mac_verifies(&KEY, &[r]), "failures are signed too");
    let mut frames = write_frames(&KEY, 5, 1, &[block(1), block(2)]);
    frames[0][228] ^= 1;
    let (ret, out) = e.data(0, &frames, 1);
    assert_eq!((ret, result_of(&out[0])), (res::SUCCESS, AUTH_FAILURE));
    let mut frames = write_frames(&KEY, 5, 1, &[block(1)]);
    frames[0][196..228].fill(0);
    assert_eq!(e.data(0, &frames, 1).1[0][509], AUTH_FAILURE as u8);
    // The result read reports the last failure.
    let r = e.one(frame(RESULT_READ));
    assert_eq!(
        (type_of(&r), result_of(&r)),
        (RESP_DATA_WRITE, AUTH_FAILURE)
    );

    // A replay of the first write (counter 0), a counter from the future.
    let r = e.write(&KEY, 5, 0, &[block(0x66)]);
    assert_eq!(result_of(&r), COUNTER_FAILURE);
    let r = e.write(&KEY, 5, 2, &[block(0x66)]);
    assert_eq!(result_of(&r), COUNTER_FAILURE);
    let frames = write_frames(&KEY, 5, 0, &[block(0x55)]);
    let (_, out) = e.data(0, &frames, 1);
    assert_eq!(result_of(&out[0]), COUNTER_FAILURE, "an exact replay");

    // The key is programmed once.
    let r = e.program(&OTHER_KEY);
    assert_eq!(
        (type_of(&r), result_of(&r)),
        (RESP_KEY_PROGRAM, GENERAL_FAILURE)
    );
    let r = e.program(&KEY);
    assert_eq!(result_of(&r), GENERAL_FAILURE);

    untouched(&mut e, 1);
    assert_eq!(e.image(), image, "the image was not rewritten");
}

#[test]
fn rpmb_addresses_and_block_counts_are_checked() {
    let mut e = keyed();

    // Writes past the end, at the very end with two blocks, at 0xffff.
    for (address, n) in [(BLOCKS, 1), (BLOCKS - 1, 2), (0xffff, 1), (0xffff, 2)] {
        let blocks = vec![block(9); n];
        let r = e.write(&KEY, address, 1, &blocks);
        assert_eq!(result_of(&r), ADDRESS_FAILURE, "{address} {n}");
        assert_eq!(address_of(&r), address);
    }
    // Reads past the end: every frame says so, no data, still signed.
    for (address, n) in [(BLOCKS, 1), (BLOCKS - 1, 2), (0xffff, 3), (0, BLOCKS + 1)] {
        let out = e.read(address, n);
        assert!(out.iter().all(|r| result_of(r) == ADDRESS_FAILURE));
        assert!(out.iter().all(|r| data_of(r) == [0; 256]));
        assert!(mac_verifies(&KEY, &out));
    }
    // The whole part in one read is fine.
    let all = e.good_read(0, BLOCKS);
    assert_eq!(all.len(), BLOCKS as usize);
    assert_eq!(all[5], block(0x55));

    // More blocks than the reliable write size (one sector: two blocks).
    let r = e.write(&KEY, 0, 1, &[block(1), block(2), block(3)]);
    assert_eq!(result_of(&r), GENERAL_FAILURE);
    // A block count in the frames that is not the number of frames, zero
    // blocks, frames that disagree on the address or the counter.
    for (count, addr2, ctr2) in [(1, 7, 1), (3, 7, 1), (0, 7, 1), (2, 8, 1), (2, 7, 2)] {
        let mut frames = write_frames(&KEY, 7, 1, &[block(1), block(2)]);
        set16(&mut frames[0], 506, count);
        set16(&mut frames[1], 506, count);
        set16(&mut frames[0], 504, addr2);
        set32(&mut frames[0], 500, ctr2);
        // MAC'd correctly: the part refuses the shape, not the MAC.
        let m = mac(&KEY, &frames);
        frames[1][196..228].copy_from_slice(&m);
        let (ret, out) = e.data(0, &frames, 1);
        assert_eq!(ret, res::SUCCESS);
        assert_eq!(
            result_of(&out[0]),
            GENERAL_FAILURE,
            "{count} {addr2} {ctr2}"
        );
    }

    untouched(&mut e, 1);
}

#[test]
fn rpmb_malformed_requests_are_bad_parameters() {
    let mut e = keyed();
    let image = e.image();
    let good_write = write_frames(&KEY, 6, 1, &[block(7)]);
    let wbytes = [header(0, 0, 0), good_write[0].to_vec()].concat();
    let mut read = frame(DATA_READ);
    set16(&mut read, 504, 5);
    let rbytes = |n: u16| [header(0, 0, n), read.to_vec()].concat();

    let cases: Vec<(Vec<u8>, u64)> = vec![
        // No header, a short one, a header and no frame.
        (vec![], 512),
        (header(0, 0, 0)[..4].to_vec(), 512),
        (header(0, 0, 0), 512),
        // Truncated and overlong frames.
        (wbytes[..6 + 511].to_vec(), 512),
        ([wbytes.clone(), vec![0]].concat(), 512),
        ([wbytes.clone(), vec![0; 511]].concat(), 512),
        // Responses that are not whole frames, or none.
        (wbytes.clone(), 0),
        (wbytes.clone(), 511),
        (wbytes.clone(), 513),
        // A write answers one frame only.
        (wbytes.clone(), 1024),
        // Reads: one request frame, as many frames back as the header says.
        (rbytes(1), 1024),
        (rbytes(2), 512),
        (rbytes(0), 512),
        (rbytes(0), 0),
        ([rbytes(2), read.to_vec()].concat(), 1024),
        // The counter read, key programming, result read: one and one.
        (
            [header(0, 0, 0), frame(COUNTER_READ).to_vec()].concat(),
            1024,
        ),
        (
            [
                header(0, 0, 0),
                frame(KEY_PROGRAM).to_vec(),
                frame(KEY_PROGRAM).to_vec(),
            ]
            .concat(),
            512,
        ),
        (
            [header(0, 0, 0), frame(RESULT_READ).to_vec()].concat(),
            1024,
        ),
        // Frames of mixed types.
        ([wbytes.clone(), frame(DATA_READ).to_vec()].concat(), 512),
        // Unknown RPMB commands.
        ([header(2, 0, 0), good_write[0].to_vec()].concat(), 512),
        ([header(0xffff, 0, 0), good_write[0].to_vec()].concat(), 512),
    ];
    for (req, rsp) in cases {
        let (ret, out) = e.raw(&req, rsp);
        assert_eq!(ret, res::BAD_PARAMETERS, "{} {rsp}", req.len());
        assert!(out.iter().all(|&b| b == 0xee), "nothing answered");
    }
    // Unknown request types (and a response type sent as a request):
    // GENERIC, as tee-supplicant.
    for t in [0, 6, RESP_DATA_WRITE, 0xffff] {
        let (ret, _) = e.data(0, &[frame(t)], 1);
        assert_eq!(ret, res::GENERIC, "{t:#x}");
    }

    // The memrefs themselves: types, absent, outside the region, unknown.
    let id = e.id;
    let inp = |off, len| mref(attr::MEMREF_INPUT, id, off, len);
    let out = |off, len| mref(attr::MEMREF_OUTPUT, id, off, len);
    e.mem.put(0, &wbytes);
    let n = wbytes.len() as u64;
    let bad = [
        vec![],
        vec![inp(0, n)],
        vec![inp(0, n), out(RSP, 512), out(RSP, 512)],
        vec![out(0, n), out(RSP, 512)],
        vec![inp(0, n), inp(RSP, 512)],
        vec![val(attr::VALUE_INPUT, 0, n, id as u64), out(RSP, 512)],
        vec![none_ref(attr::MEMREF_INPUT), out(RSP, 512)],
        vec![inp(0, n), none_ref(attr::MEMREF_OUTPUT)],
        vec![inp(0, n), out(SHM - 511, 512)],
        vec![inp(SHM - 10, n), out(RSP, 512)],
        vec![inp(0, n), out(u64::MAX, 512)],
        vec![inp(0, u64::MAX), out(RSP, 512)],
        vec![inp(0, n), mref(attr::MEMREF_OUTPUT, 999, 0, 512)],
        vec![inp(0, n), mref(attr::MEMREF_OUTPUT, id, 0, 512 + SHM)],
    ];
    for p in bad {
        assert_eq!(e.rpmb(p.clone()), res::BAD_PARAMETERS, "{p:?}");
    }
    // In-out memrefs are memrefs too (the same write, now accepted).
    let r = e.rpmb(vec![
        mref(attr::MEMREF_INOUT, id, 0, n),
        mref(attr::MEMREF_INOUT, id, RSP, 512),
    ]);
    assert_eq!(r, res::SUCCESS);
    let f: Frame = e.mem.get(RSP as usize, 512).try_into().unwrap();
    assert_eq!((result_of(&f), counter_of(&f)), (OK, 2));
    assert_ne!(e.image(), image);
    assert_eq!(e.good_read(6, 1), [block(7)]);
}

#[test]
fn rpmb_counter_expiry() {
    let e = keyed();
    let dir = e.dir();
    drop(e.sup);
    crate::rpmb::set_image_counter(&dir, 2, u32::MAX - 1);
    let mut e = env_in(e.t, 2);
    assert_eq!(e.good_counter(), u32::MAX - 1);
    // The last write the part takes.
    let r = e.write(&KEY, 5, u32::MAX - 1, &[block(0x77)]);
    assert_eq!((result_of(&r), counter_of(&r)), (OK | EXPIRED, u32::MAX));
    let (c, result, _) = e.counter();
    assert_eq!((c, result), (u32::MAX, OK | EXPIRED));
    // Then none: a write failure, the data as it was; reads still work.
    let r = e.write(&KEY, 5, u32::MAX, &[block(0x88)]);
    assert_eq!(result_of(&r), WRITE_FAILURE | EXPIRED);
    assert!(mac_verifies(&KEY, &[r]));
    let out = e.read(5, 1);
    assert_eq!(result_of(&out[0]), OK | EXPIRED);
    assert_eq!(data_of(&out[0]), block(0x77));
    assert!(mac_verifies(&KEY, &out));
    // And after a restart.
    let mut e = e.restart();
    let r = e.write(&KEY, 5, u32::MAX, &[block(0x88)]);
    assert_eq!(result_of(&r), WRITE_FAILURE | EXPIRED);
}

#[test]
fn rpmb_write_that_cannot_be_saved_is_not_done() {
    let mut e = keyed();
    let image = e.image();
    // The temporary file cannot be made (a folder in its place; this
    // stops root too).
    std::fs::create_dir(e.dir().join("rpmb.img.tmp")).unwrap();
    let r = e.write(&KEY, 5, 1, &[block(0x99)]);
    assert_eq!((result_of(&r), counter_of(&r)), (WRITE_FAILURE, 1));
    untouched(&mut e, 1);
    assert_eq!(e.image(), image);
    std::fs::remove_dir(e.dir().join("rpmb.img.tmp")).unwrap();
    // The same write, once the image can be saved.
    let r = e.write(&KEY, 5, 1, &[block(0x99)]);
    assert_eq!((result_of(&r), counter_of(&r)), (OK, 2));
    let mut e = e.restart();
    assert_eq!(e.good_read(5, 1), [block(0x99)]);
}

#[test]
fn rpmb_damaged_or_foreign_images_are_never_replaced() {
    let e = keyed();
    let path = e.dir().join(RPMB_IMAGE);
    let good = e.image();
    let mut t = e.t;

    let storage_gone = |e: &mut Env| {
        let (ret, _) = e.data(0, &[frame(COUNTER_READ)], 1);
        assert_eq!(ret, res::STORAGE_NOT_AVAILABLE);
        let (ret, _) = e.data(0, &[frame(KEY_PROGRAM)], 1);
        assert_eq!(ret, res::STORAGE_NOT_AVAILABLE);
    };
    // A flipped bit, a truncated image, an empty one, another format.
    let mut flipped = good.clone();
    flipped[1000] ^= 1;
    let mut foreign = good.clone();
    foreign[0] = b'X';
    for bad in [flipped, good[..good.len() - 1].to_vec(), vec![], foreign] {
        std::fs::write(&path, &bad).unwrap();
        let mut e = env_in(t, 2);
        storage_gone(&mut e);
        assert_eq!(std::fs::read(&path).unwrap(), bad, "left as found");
        t = e.t;
    }
    std::fs::write(&path, &good).unwrap();

    // Configured for another size: refused, the image kept.
    let mut e = env_in(t, 4);
    storage_gone(&mut e);
    assert_eq!(e.image(), good);
    // The right size again: all there.
    let mut e = env_in(e.t, 2);
    untouched(&mut e, 1);

    // A symbolic link in the image's place is not followed.
    let elsewhere = e.t.path().join("elsewhere.img");
    std::fs::rename(&path, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    let mut e = e.restart();
    storage_gone(&mut e);
    assert_eq!(std::fs::read(&elsewhere).unwrap(), good);
}

#[test]
fn rpmb_image_is_out_of_the_ree_fs_reach() {
    let mut e = keyed();
    let image = e.image();
    let id = e.id;
    for name in [
        &b"rpmb.img\0"[..],
        b"rpmb.img.tmp\0",
        b"rpmb.img/\0",
        b"rpmb.img/x\0",
    ] {
        e.mem.put(0, name);
        let nref = mref(attr::MEMREF_INPUT, id, 0, name.len() as u64);
        for op in [fsop::OPEN, fsop::CREATE] {
            let (ret, _) = call(
                &mut e.sup,
                &mut e.dev,
                cmd::FS,
                vec![
                    val(attr::VALUE_INPUT, op, 0, 0),
                    nref,
                    val(attr::VALUE_OUTPUT, 0, 0, 0),
                ],
            );
            assert_eq!(ret, res::BAD_PARAMETERS);
        }
        let (ret, _) = call(
            &mut e.sup,
            &mut e.dev,
            cmd::FS,
            vec![val(attr::VALUE_INPUT, fsop::REMOVE, 0, 0), nref],
        );
        assert_eq!(ret, res::BAD_PARAMETERS);
    }
    // Renamed onto, or away.
    e.mem.put(0, b"x\0");
    e.mem.put(16, b"rpmb.img\0");
    for (a, b) in [(0, 16), (16, 0)] {
        let (ret, _) = call(
            &mut e.sup,
            &mut e.dev,
            cmd::FS,
            vec![
                val(attr::VALUE_INPUT, fsop::RENAME, 1, 0),
                mref(attr::MEMREF_INPUT, id, a, 16),
                mref(attr::MEMREF_INPUT, id, b, 16),
            ],
        );
        assert_eq!(ret, res::BAD_PARAMETERS);
    }
    assert_eq!(e.image(), image);
    untouched(&mut e, 1);
}

/// Random frames (a fixed seed) at random sizes: no panic, only the
/// results the protocol has, and no write without the key's MAC.
#[test]
fn rpmb_random_frames_never_panic() {
    let mut e = keyed();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..3000 {
        let nreq = (rnd() % 4) as usize;
        let mut req = header(
            (rnd() % 3) as u16,
            rnd() as u16,
            [0, 1, 2, BLOCKS, rnd() as u16][(rnd() % 5) as usize],
        );
        for _ in 0..nreq {
            let mut f = [0u8; 512];
            for b in f.iter_mut().skip(196) {
                *b = rnd() as u8;
            }
            set16(&mut f, 510, (rnd() % 7) as u16);
            set16(
                &mut f,
                504,
                [0, 5, BLOCKS - 1, rnd() as u16][(rnd() % 4) as usize],
            );
            set16(&mut f, 506, (rnd() % 4) as u16);
            set32(&mut f, 500, (rnd() % 3) as u32);
            req.extend_from_slice(&f);
        }
        if rnd() % 4 == 0 {
            req.truncate((rnd() % (req.len() as u64 + 1)) as usize);
        }
        let rsp = [0, 19, 512, 1024, 2048, rnd() % 5000][(rnd() % 6) as usize];
        let (ret, _) = e.raw(&req, rsp);
        assert!(
            [res::SUCCESS, res::BAD_PARAMETERS, res::GENERIC].contains(&ret),
            "{ret:#x}"
        );
    }
    // Nothing was written: no frame carried the key's MAC.
    untouched(&mut e, 1);
}
