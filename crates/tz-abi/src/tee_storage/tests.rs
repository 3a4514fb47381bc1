//! The storage system calls against a real store (in memory), played by
//! a TA: every GP function's path, persistent keys used as keys, and the
//! hostile cases (foreign handles, bad pointers, long ids, oversized
//! buffers, persistent objects through the transient calls, a corrupt
//! object).

use super::num::*;
use super::*;
use crate::cryp::num::{OBJ_ALLOC, OBJ_BUFFER_ATTR, OBJ_FREE, OBJ_INFO, OBJ_POPULATE};
use crate::cryp::tests::{
    ATTRS, HANDLE, KILL_ACCESS, KILL_PARAMS, LEN, OK, OOM, OUT, SMALL, alloc, get, len, pattern,
    put, ref_attr, run as new_ta, set_len,
};
use crate::elf::Perm;
use crate::utee::Answer;
use crate::utee::tests::Run;
use alloc::vec;
use oxtee_crypto::consts::{TEE_ATTR_SECRET_VALUE, TEE_TYPE_HMAC_SHA256};
use oxtee_storage::{MemRpmb, MemSupplicant};

type MemStore = Store<MemSupplicant, MemRpmb, crate::rng::Drbg>;

const TA: [u8; 16] = [0x42; 16];
const OWNER: u64 = 9;
const ID: u64 = 0x3100;
const ID2: u64 = 0x3180;
const INFO_AT: u64 = 0x3200;
const COUNT: u64 = 0x3240;
const ID_OUT: u64 = 0x3280;
const ID_LEN: u64 = 0x32c0;
/// 1 MiB and a page, writable.
const HUGE: u64 = 0x20_0000;

const RW: u64 = 0x3; // ACCESS_READ | ACCESS_WRITE
const FLAG_READ: u64 = 0x1;
const FLAG_SHARE_READ: u64 = 0x10;
const WRITE_META: u64 = 0x4;
const PRIVATE: u64 = 1;

fn store() -> MemStore {
    let rng = crate::rng::Drbg::new(&[3; 32], &[], &[]);
    Store::open([1; 32], MemSupplicant::new(), MemRpmb::new(), rng).unwrap()
}

/// A storage system call, run to its end against `s` as the kernel does.
fn sys(r: &mut Run, s: &mut MemStore, n: u64, args: &[u64]) -> Outcome {
    match r.call(n, args) {
        Outcome::Rpc(p @ Pending::Storage(_)) => {
            let Pending::Storage(job) = &p else {
                unreachable!()
            };
            let done = run(s, OWNER, &TA, job);
            crate::utee::complete(
                &p,
                Answer::Storage(Box::new(done)),
                &mut r.mem,
                &mut r.crypto,
            )
        }
        o => o,
    }
}

fn code(c: u32) -> Outcome {
    Outcome::Resume(u64::from(c))
}

fn id_at(r: &mut Run, at: u64, id: &[u8]) -> (u64, u64) {
    put(r, at, id);
    (at, id.len() as u64)
}

fn handle(r: &mut Run) -> u64 {
    u64::from(u32::from_le_bytes(get(r, HANDLE, 4).try_into().unwrap()))
}

fn info(r: &mut Run) -> [u32; 7] {
    let b = get(r, INFO_AT, 28);
    core::array::from_fn(|i| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()))
}

fn create(r: &mut Run, s: &mut MemStore, id: &[u8], attrs: u64, data: &[u8]) -> Outcome {
    let (at, n) = id_at(r, ID, id);
    put(r, SMALL, data);
    let args = [
        PRIVATE,
        at,
        n,
        RW | WRITE_META,
        attrs,
        SMALL,
        data.len() as u64,
        HANDLE,
    ];
    sys(r, s, CREATE, &args)
}

fn open(r: &mut Run, s: &mut MemStore, id: &[u8], flags: u64) -> Outcome {
    let (at, n) = id_at(r, ID, id);
    sys(r, s, OPEN, &[PRIVATE, at, n, flags, HANDLE])
}

#[test]
fn a_data_object_through_every_call() {
    let mut r = new_ta();
    let mut s = store();
    assert_eq!(create(&mut r, &mut s, b"notes", 0, b"hello"), OK);
    let h = handle(&mut r);
    // (A new object's position is 0: to the end first.)
    assert_eq!(sys(&mut r, &mut s, SEEK, &[h, 0, 2]), OK);
    put(&mut r, SMALL, b", world");
    assert_eq!(sys(&mut r, &mut s, WRITE, &[h, SMALL, 7]), OK);
    assert_eq!(sys(&mut r, &mut s, INFO, &[h, INFO_AT]), OK);
    // type DATA, data size 12, position 12, PERSISTENT | INITIALIZED.
    let i = info(&mut r);
    assert_eq!(
        (i[0], i[4], i[5], i[6] & 0x3_0000),
        (0xA000_00BF, 12, 12, 0x3_0000)
    );
    assert_eq!(sys(&mut r, &mut s, SEEK, &[h, 7, 0]), OK);
    assert_eq!(sys(&mut r, &mut s, READ, &[h, OUT, 100, COUNT]), OK);
    assert_eq!(len(&mut r, COUNT), 5);
    assert_eq!(get(&mut r, OUT, 5), b"world");
    assert_eq!(sys(&mut r, &mut s, TRUNCATE, &[h, 5]), OK);
    let (at, n) = id_at(&mut r, ID2, b"renamed");
    assert_eq!(sys(&mut r, &mut s, RENAME, &[h, at, n]), OK);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[h]), OK);
    // Closed: the handle is gone.
    assert_eq!(sys(&mut r, &mut s, INFO, &[h, INFO_AT]), KILL_PARAMS);
    assert_eq!(open(&mut r, &mut s, b"notes", 1), code(0xFFFF_0008));
    // Enumeration: the first id after none, then none after it.
    let next = |r: &mut Run, s: &mut MemStore, after: Option<&[u8]>| {
        let (at, n) = match after {
            Some(a) => id_at(r, ID2, a),
            None => (0, u64::MAX),
        };
        sys(r, s, NEXT, &[PRIVATE, at, n, INFO_AT, ID_OUT, ID_LEN])
    };
    assert_eq!(next(&mut r, &mut s, None), OK);
    assert_eq!(
        {
            let n = len(&mut r, ID_LEN) as usize;
            get(&mut r, ID_OUT, n)
        },
        b"renamed"
    );
    assert_eq!(info(&mut r)[4], 5);
    assert_eq!(next(&mut r, &mut s, Some(b"renamed")), code(0xFFFF_0008));
    assert_eq!(open(&mut r, &mut s, b"renamed", RW | WRITE_META), OK);
    let h = handle(&mut r);
    assert_eq!(sys(&mut r, &mut s, READ, &[h, OUT, 100, COUNT]), OK);
    assert_eq!(
        {
            let n = len(&mut r, COUNT) as usize;
            get(&mut r, OUT, n)
        },
        b"hello"
    );
    assert_eq!(sys(&mut r, &mut s, CLOSE_AND_DELETE, &[h]), OK);
    assert_eq!(next(&mut r, &mut s, None), code(0xFFFF_0008));
    assert_eq!(r.crypto.handles(), 0);
}

#[test]
fn a_persistent_key_is_a_key_and_stays_in_the_kernel() {
    let mut r = new_ta();
    let mut s = store();
    let key = pattern(32);
    let o = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_HMAC_SHA256), 256]);
    put(&mut r, 0x3500, &key);
    ref_attr(&mut r, ATTRS, TEE_ATTR_SECRET_VALUE, 0x3500, 32);
    assert_eq!(r.call(OBJ_POPULATE, &[o, ATTRS, 1]), OK);
    assert_eq!(create(&mut r, &mut s, b"mac key", o, b""), OK);
    let p = handle(&mut r);
    assert_eq!(r.call(OBJ_FREE, &[o]), OK);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[p]), OK);
    // Reopened: the key is rebuilt from the store, in the kernel.
    assert_eq!(open(&mut r, &mut s, b"mac key", 1), OK);
    let p = handle(&mut r);
    set_len(&mut r, LEN, 64);
    let secret = u64::from(TEE_ATTR_SECRET_VALUE);
    assert_eq!(r.call(OBJ_BUFFER_ATTR, &[p, secret, OUT, LEN]), OK);
    assert_eq!(get(&mut r, OUT, 32), key);
    assert_eq!(sys(&mut r, &mut s, INFO, &[p, INFO_AT]), OK);
    assert_eq!(
        (info(&mut r)[0], info(&mut r)[1]),
        (TEE_TYPE_HMAC_SHA256, 256)
    );
    // What the normal world holds never shows the key.
    let blobs = s.supplicant().files.values();
    assert!(blobs.into_iter().all(|b| !b.windows(32).any(|w| w == key)));
    // A persistent object is no transient one.
    assert_eq!(r.call(OBJ_FREE, &[p]), KILL_PARAMS);
    assert_eq!(r.call(OBJ_INFO, &[p, INFO_AT]), KILL_PARAMS);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[p]), OK);
}

#[test]
fn a_hostile_ta_is_stopped_before_the_store() {
    let mut r = new_ta();
    r.mem.map(HUGE, 257, Perm::Rw);
    let mut s = store();
    assert_eq!(create(&mut r, &mut s, b"x", 0, b"abc"), OK);
    let h = handle(&mut r);
    // Handles that are not this TA's open persistent objects.
    for bad in [0, h + 1, u64::MAX] {
        assert_eq!(
            sys(&mut r, &mut s, READ, &[bad, OUT, 1, COUNT]),
            KILL_PARAMS
        );
        assert_eq!(sys(&mut r, &mut s, CLOSE, &[bad]), KILL_PARAMS);
    }
    let t = alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_HMAC_SHA256), 256]);
    assert_eq!(sys(&mut r, &mut s, WRITE, &[t, SMALL, 1]), KILL_PARAMS);
    // An object id longer than 64 bytes.
    let (at, _) = id_at(&mut r, ID, &[b'a'; 65]);
    assert_eq!(
        sys(&mut r, &mut s, OPEN, &[PRIVATE, at, 65, 1, HANDLE]),
        KILL_PARAMS
    );
    // An id in the memory a client shares in this call (GP: a panic).
    let (at, n) = id_at(&mut r, 0x10010, b"shared");
    assert_eq!(
        sys(&mut r, &mut s, OPEN, &[PRIVATE, at, n, 1, HANDLE]),
        KILL_PARAMS
    );
    // Outputs into code, read-only data or nowhere; inputs from nowhere.
    assert_eq!(
        sys(&mut r, &mut s, READ, &[h, 0x1000, 3, COUNT]),
        KILL_ACCESS
    );
    assert_eq!(
        sys(&mut r, &mut s, READ, &[h, 0x2000, 3, COUNT]),
        KILL_ACCESS
    );
    assert_eq!(sys(&mut r, &mut s, READ, &[h, OUT, 3, 0x2000]), KILL_ACCESS);
    assert_eq!(sys(&mut r, &mut s, INFO, &[h, 0x5000]), KILL_ACCESS);
    assert_eq!(sys(&mut r, &mut s, WRITE, &[h, 0x5000, 4]), KILL_ACCESS);
    let (at, n) = id_at(&mut r, ID, b"y");
    assert_eq!(
        sys(&mut r, &mut s, OPEN, &[PRIVATE, at, n, 1, 0x1000]),
        KILL_ACCESS
    );
    // More than a call moves: refused, the object unchanged.
    let over = MAX_IO as u64 + 1;
    assert_eq!(sys(&mut r, &mut s, WRITE, &[h, HUGE, over]), OOM);
    assert_eq!(sys(&mut r, &mut s, READ, &[h, HUGE, over, COUNT]), OOM);
    assert_eq!(sys(&mut r, &mut s, WRITE, &[h, HUGE, MAX_IO as u64]), OK);
    assert_eq!(sys(&mut r, &mut s, INFO, &[h, INFO_AT]), OK);
    assert_eq!(info(&mut r)[4], MAX_IO as u32, "written at position 0");
    // The store's refusals are codes (libutee panics where GP says).
    let (at, n) = id_at(&mut r, ID, b"x");
    let read_only = sys(&mut r, &mut s, OPEN, &[PRIVATE, at, n, 1, HANDLE]);
    assert_eq!(
        read_only,
        code(0xFFFF_0003),
        "ACCESS_CONFLICT: shared badly"
    );
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[h]), OK);
    assert_eq!(open(&mut r, &mut s, b"x", 1), OK);
    let ro = handle(&mut r);
    put(&mut r, SMALL, b"z");
    assert_eq!(
        sys(&mut r, &mut s, WRITE, &[ro, SMALL, 1]),
        code(0xFFFF_0001)
    );
}

#[test]
fn a_full_table_refuses_before_the_store_opens_anything() {
    let mut r = new_ta();
    let mut s = store();
    assert_eq!(create(&mut r, &mut s, b"o", 0, b""), OK);
    let first = handle(&mut r);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[first]), OK);
    let mut n = 0;
    while r.crypto.has_room() {
        alloc(&mut r, OBJ_ALLOC, &[u64::from(TEE_TYPE_HMAC_SHA256), 256]);
        n += 1;
    }
    assert!(n > 0);
    assert_eq!(open(&mut r, &mut s, b"o", 1), OOM);
    assert_eq!(create(&mut r, &mut s, b"p", 0, b""), OOM);
    // Nothing was opened or made in the store.
    assert_eq!(s.list(&TA, 1).unwrap(), [b"o".to_vec()]);
}

#[test]
fn a_corrupt_object_closes_its_handle() {
    let mut r = new_ta();
    r.mem.map(HUGE, 5, Perm::Rw);
    let mut s = store();
    assert_eq!(create(&mut r, &mut s, b"victim", 0, b""), OK);
    let h = handle(&mut r);
    put(&mut r, HUGE, &pattern(20_000));
    assert_eq!(sys(&mut r, &mut s, WRITE, &[h, HUGE, 20_000]), OK);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[h]), OK);
    assert_eq!(open(&mut r, &mut s, b"victim", 1), OK);
    let h = handle(&mut r);
    // The normal world flips a byte in every block of every blob past
    // the first two; the open handle reads on into them.
    for f in s.supplicant().files.values_mut() {
        for at in (2 * 4096 + 100..f.len()).step_by(4096) {
            f[at] ^= 1;
        }
    }
    let got = sys(&mut r, &mut s, READ, &[h, HUGE, 20_000, COUNT]);
    assert_eq!(got, code(TEE_ERROR_CORRUPT_OBJECT));
    // GP: the handle is closed.
    assert_eq!(sys(&mut r, &mut s, INFO, &[h, INFO_AT]), KILL_PARAMS);
    assert_eq!(r.crypto.handles(), 0);
}

#[test]
fn every_answer_lands_where_the_call_said() {
    // The kernel finishes a call with the store's answer only where the
    // call was checked: a mismatched answer is GENERIC, a failure its
    // code, and nothing is written for either.
    let mut r = new_ta();
    put(&mut r, OUT, &[0xEE; 8]);
    let j = Job {
        call: StorageCall::Read { handle: 1, len: 4 },
        input: Vec::new(),
        out: Out::Read {
            buf: OUT,
            count_at: COUNT,
        },
        obj: Some(1),
    };
    let p = Pending::Storage(Box::new(j));
    let answer = |result| {
        Answer::Storage(Box::new(Done {
            result,
            output: vec![1, 2, 3, 4],
            key: None,
        }))
    };
    let c = crate::utee::complete(
        &p,
        answer(Ok(StorageReply::None)),
        &mut r.mem,
        &mut r.crypto,
    );
    assert_eq!(c, code(oxtee_gp::TEE_ERROR_GENERIC));
    let c = crate::utee::complete(&p, answer(Err(0xFFFF_3041)), &mut r.mem, &mut r.crypto);
    assert_eq!(c, code(0xFFFF_3041));
    assert_eq!(get(&mut r, OUT, 8), [0xEE; 8]);
    // A read answering more than was asked writes only what was asked.
    let c = crate::utee::complete(
        &p,
        answer(Ok(StorageReply::Read(99))),
        &mut r.mem,
        &mut r.crypto,
    );
    assert_eq!(c, OK);
    assert_eq!(get(&mut r, OUT, 8), [1, 2, 3, 4, 0xEE, 0xEE, 0xEE, 0xEE]);
    assert_eq!(len(&mut r, COUNT), 4);
}

#[test]
fn what_a_ta_makes_the_kernel_hold_is_bounded() {
    let mut r = new_ta();
    let mut s = store();
    // Open persistent objects per instance.
    assert_eq!(create(&mut r, &mut s, b"o", 0, b""), OK);
    let h = handle(&mut r);
    assert_eq!(sys(&mut r, &mut s, CLOSE, &[h]), OK);
    let mut open_ones = 0;
    while open(&mut r, &mut s, b"o", FLAG_READ | FLAG_SHARE_READ) == OK {
        open_ones += 1;
        assert!(open_ones <= crate::cryp::MAX_PERSISTENT, "no bound");
    }
    assert_eq!(open_ones, crate::cryp::MAX_PERSISTENT);
    assert_eq!(open(&mut r, &mut s, b"o", FLAG_READ | FLAG_SHARE_READ), OOM);
    // Objects in the store: created up to the bound, then NO_SPACE (the
    // store and the TA go on).
    let mut r = new_ta();
    let mut n = s.object_count();
    while n < MAX_OBJECTS {
        let id = (n as u32).to_le_bytes();
        let (at, len) = id_at(&mut r, ID, &id);
        let args = [PRIVATE, at, len, 0, 0, 0, 0, HANDLE];
        assert_eq!(sys(&mut r, &mut s, CREATE, &args), OK, "object {n}");
        let h = handle(&mut r);
        assert_eq!(sys(&mut r, &mut s, CLOSE, &[h]), OK);
        n += 1;
    }
    assert_eq!(
        create(&mut r, &mut s, b"one more", 0, b""),
        code(0xFFFF_3041)
    );
    assert_eq!(s.object_count(), MAX_OBJECTS);
    assert_eq!(open(&mut r, &mut s, b"o", FLAG_READ | FLAG_SHARE_READ), OK);
}
