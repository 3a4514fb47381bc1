//! Entry points for the fuzz targets and their corpus replay (not an API).
//!
//! [`msg_arg`] decodes arbitrary bytes as an `optee_msg` argument;
//! [`smc`] runs the secure kernel's SMC service on registers and 16 KiB
//! of normal-world memory made from arbitrary bytes; [`ta_elf`] plans,
//! places and relocates arbitrary bytes as a TA image's ELF. Each checks
//! the invariants the kernel relies on, panicking (the fuzzer's finding)
//! when one breaks.

use crate::kernel::{self, BadAddress, NormalWorld, Service};
use crate::optee::{self, MsgArg, OpenSession};

/// Decode, and re-encode what decodes: the same structure comes back.
pub fn msg_arg(data: &[u8]) {
    if let Ok(arg) = MsgArg::decode(data) {
        assert!(arg.num_params <= optee::MAX_PARAMS);
        let size = optee::arg_size(arg.num_params);
        assert!(data.len() >= size);
        let mut out = [0u8; optee::arg_size(optee::MAX_PARAMS)];
        arg.encode(&mut out[..size]).unwrap();
        let again = MsgArg::decode(&out[..size]).unwrap();
        assert_eq!(again, arg);
        let _ = OpenSession::from_arg(&arg);
    }
}

/// The normal world's memory: 16 KiB at 1 GiB.
const BASE: u64 = 0x4000_0000;
const PAGE: usize = 4 * 4096;

struct Page<'a> {
    mem: &'a mut [u8; PAGE],
    written: bool,
}

impl Page<'_> {
    fn range(pa: u64, len: usize) -> Result<core::ops::Range<usize>, BadAddress> {
        let off =
            usize::try_from(pa.checked_sub(BASE).ok_or(BadAddress)?).map_err(|_| BadAddress)?;
        let end = off.checked_add(len).ok_or(BadAddress)?;
        if end > PAGE {
            return Err(BadAddress);
        }
        Ok(off..end)
    }
}

impl NormalWorld for Page<'_> {
    fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress> {
        let r = Self::range(pa, out.len())?;
        out.copy_from_slice(&self.mem[r]);
        Ok(())
    }
    fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress> {
        let r = Self::range(pa, data.len())?;
        // An argument, or a memref's output: never more than the bound.
        assert!(data.len() <= kernel::MAX_MEMREF);
        self.mem[r].copy_from_slice(data);
        self.written = true;
        Ok(())
    }
    fn check(&self, pa: u64, len: u64) -> Result<(), BadAddress> {
        Self::range(pa, usize::try_from(len).map_err(|_| BadAddress)?).map(|_| ())
    }
}

/// Input: byte 0 is the number of calls (1 to 8); then per call one byte
/// picks the function and two the argument's offset in the normal world's
/// memory (for `RETURN_FROM_RPC`, the thread it names is that offset
/// modulo 5); the rest fills that memory. The calls run on one kernel, so
/// registrations, sessions and waiting calls carry over.
pub fn smc(data: &[u8]) {
    const IDS: [u32; 7] = [
        optee::CALL_WITH_ARG,
        optee::CALL_WITH_REGD_ARG,
        optee::RETURN_FROM_RPC,
        optee::CALL_WITH_RPC_ARG,
        optee::CALLS_UID,
        optee::EXCHANGE_CAPABILITIES,
        optee::GET_THREAD_COUNT,
    ];
    let Some((&n, mut rest)) = data.split_first() else {
        return;
    };
    let mut calls = [(0u8, 0u64); 8];
    let n = (n as usize % 8) + 1;
    for c in calls.iter_mut().take(n) {
        let Some((h, r)) = rest.split_first_chunk::<3>() else {
            return;
        };
        *c = (h[0], u16::from_le_bytes([h[1], h[2]]) as u64);
        rest = r;
    }
    let mut mem = [0u8; PAGE];
    let len = rest.len().min(PAGE);
    mem[..len].copy_from_slice(&rest[..len]);
    let mut service = Service::new();
    for &(pick, off) in &calls[..n] {
        let pa = BASE + off;
        let id = IDS[pick as usize % IDS.len()];
        // (For CALL_WITH_REGD_ARG: a cookie of `off` and the offset `off`.)
        let regs = if id == optee::CALL_WITH_REGD_ARG {
            [id as u64, 0, off, off, 0, 0, 0, 0]
        } else if id == optee::RETURN_FROM_RPC {
            [id as u64, 0, 0, off % 5, 0, 0, 0, 0]
        } else {
            [id as u64, pa >> 32, pa & 0xFFFF_FFFF, 0, 0, 0, 0, 0]
        };
        let (out, _) = if id & 0x8000_0000 != 0 {
            kernel::fast(&regs)
        } else {
            let mut page = Page {
                mem: &mut mem,
                written: false,
            };
            let r = service.yielding(&mut page, &regs);
            // A refused address is never written to.
            if r.0[0] == optee::RETURN_EBADADDR && Page::range(pa, 32).is_err() {
                assert!(!page.written);
            }
            r
        };
        let known = [
            optee::RETURN_OK,
            optee::RETURN_ERESUME,
            optee::RETURN_EBADADDR,
            optee::RETURN_EBADCMD,
            optee::RETURN_UNKNOWN_FUNCTION,
            optee::RETURN_ENOTAVAIL,
            optee::RETURN_ETHREAD_LIMIT,
            optee::RETURN_RPC_CMD,
        ];
        assert!(
            id == optee::CALLS_UID || known.contains(&out[0]),
            "{out:x?}"
        );
        let (shms, pages) = service.shared_memory();
        assert!(shms <= kernel::MAX_SHM && pages <= kernel::MAX_SHM_PAGES);
        assert!(service.sessions() <= kernel::MAX_SESSIONS);
        let t = service.threads();
        assert!(u64::from(t.in_use) <= kernel::THREADS);
        if out[0] == optee::RETURN_RPC_CMD {
            assert!(out[3] < kernel::THREADS);
        }
    }
}

/// A TA image's ELF: refused, or planned within the bounds the kernel
/// maps (W^X pages, in order, within the span; relocations into writable
/// memory), and then placed and relocated without error.
pub fn ta_elf(data: &[u8]) {
    use crate::elf::{self, Perm};
    let Ok(p) = elf::plan(data) else {
        return;
    };
    assert!(p.span <= elf::MAX_SPAN && p.span % elf::PAGE == 0);
    let mut end = 0;
    for s in &p.segments {
        assert!(s.pages.start >= end && s.pages.start < s.pages.end && s.pages.end <= p.span);
        assert!(s.file.end <= data.len());
        end = s.pages.end;
    }
    for &(at, _) in &p.relocs {
        let data_page = |a: u64| {
            p.segments
                .iter()
                .any(|s| s.perm == Perm::Rw && s.pages.contains(&a))
        };
        assert!(data_page(at) && data_page(at + 7));
    }
    let mut mem = alloc::vec![0u8; p.span as usize];
    elf::place(&p, data, &mut mem).unwrap();
    elf::relocate(&p, 0x4000_0000, &mut mem).unwrap();
}

/// A user TA's address space for [`ta_syscalls`]: code, read-only data,
/// data, a hole, data again, and the call's shared memory.
struct Space {
    pages: alloc::collections::BTreeMap<u64, (crate::elf::Perm, alloc::vec::Vec<u8>)>,
}

impl crate::utee::UserMemory for Space {
    fn perm(&self, page: u64) -> Option<crate::elf::Perm> {
        self.pages.get(&page).map(|p| p.0)
    }
    fn copy_from(&mut self, va: u64, out: &mut [u8]) -> Result<(), crate::utee::Fault> {
        for (i, b) in out.iter_mut().enumerate() {
            let at = va + i as u64;
            let page = self.pages.get(&(at & !4095)).ok_or(crate::utee::Fault)?;
            *b = page.1[(at & 4095) as usize];
        }
        Ok(())
    }
    fn copy_to(&mut self, va: u64, data: &[u8]) -> Result<(), crate::utee::Fault> {
        for (i, b) in data.iter().enumerate() {
            let at = va + i as u64;
            let page = self
                .pages
                .get_mut(&(at & !4095))
                .ok_or(crate::utee::Fault)?;
            // The kernel writes only the TA's writable data.
            assert_eq!(page.0, crate::elf::Perm::Rw, "a write to {at:#x}");
            page.1[(at & 4095) as usize] = *b;
        }
        Ok(())
    }
}

/// A hostile TA's system calls: per call one byte picks the number (the
/// cryptographic calls and the rest of the table, or a raw number) and
/// seven bytes the arguments, each an interesting value (addresses of
/// every kind of page and of none, sizes, handles, algorithms, key types)
/// or, for a byte above the table, the next eight bytes of the input.
/// The calls run on one instance's state, so handles carry over; the
/// storage calls run against a store in memory. Every call is served or
/// refused, never a panic; nothing but the TA's writable data is
/// written; the handles stay within their bound.
pub fn ta_syscalls(data: &[u8]) {
    use crate::cryp::{self, num};
    use crate::elf::Perm;
    use crate::tee_storage::num as st;
    use crate::utee::{self, Cancellation, Context, Outcome, Props};
    use alloc::vec;
    const NUMS: [u64; 67] = [
        5,
        6,
        7,
        st::OPEN,
        st::CREATE,
        st::CLOSE,
        st::CLOSE_AND_DELETE,
        st::RENAME,
        st::READ,
        st::WRITE,
        st::TRUNCATE,
        st::SEEK,
        st::INFO,
        st::RESTRICT_USAGE,
        st::NEXT,
        num::OP_ALLOC,
        num::OP_FREE,
        num::OP_INFO,
        num::OP_INFO_MULTIPLE,
        num::OP_RESET,
        num::OP_COPY,
        num::OP_SET_KEY,
        num::OP_SET_KEY2,
        num::IS_ALG_SUPPORTED,
        num::DIGEST_UPDATE,
        num::DIGEST_FINAL,
        num::DIGEST_EXTRACT,
        num::CIPHER_INIT,
        num::CIPHER_UPDATE,
        num::CIPHER_FINAL,
        num::MAC_INIT,
        num::MAC_UPDATE,
        num::MAC_COMPUTE_FINAL,
        num::MAC_COMPARE_FINAL,
        num::AE_INIT,
        num::AE_UPDATE_AAD,
        num::AE_UPDATE,
        num::AE_ENCRYPT_FINAL,
        num::AE_DECRYPT_FINAL,
        num::ASYM_ENCRYPT,
        num::ASYM_DECRYPT,
        num::ASYM_SIGN_DIGEST,
        num::ASYM_VERIFY_DIGEST,
        num::DERIVE_KEY,
        num::OBJ_ALLOC,
        num::OBJ_FREE,
        num::OBJ_RESET,
        num::OBJ_POPULATE,
        num::OBJ_GENERATE,
        num::OBJ_INFO,
        num::OBJ_RESTRICT_USAGE,
        num::OBJ_BUFFER_ATTR,
        num::OBJ_VALUE_ATTR,
        num::OBJ_COPY_ATTRS,
        1,
        3,
        4,
        8,
        9,
        10,
        11,
        12,
        13,
        33,
        0x1000,
        0x1001,
        0x11ff,
    ];
    const VALUES: [u64; 41] = [
        0,
        1,
        2,
        3,
        4,
        5,
        12,
        16,
        32,
        64,
        128,
        256,
        0x3000,
        0x3008,
        0x3010,
        0x3100,
        0x4ff8,
        0x4fff,
        0x5000,
        0x6000,
        0x2000,
        0x1000,
        0x10000,
        0x11ff0,
        0x0e10_0000,
        u64::MAX,
        u64::MAX - 7,
        1 << 32,
        40_000,
        1 << 20,
        0x5000_0004,
        0x5000_0102,
        0x1000_0210,
        0x1000_0110,
        0x4000_0810,
        0x3000_0004,
        0x7000_3042,
        0xA000_0010,
        0xA100_0041,
        0xA000_0004,
        0x4000,
    ];
    let mut pages = alloc::collections::BTreeMap::new();
    for (va, p) in [
        (0x1000, Perm::Rx),
        (0x2000, Perm::R),
        (0x3000, Perm::Rw),
        (0x4000, Perm::Rw),
        (0x6000, Perm::Rw),
        (0x10000, Perm::Rw),
        (0x11000, Perm::Rw),
    ] {
        pages.insert(va, (p, vec![0u8; 4096]));
    }
    // The data pages start with the input (attributes, keys, sizes).
    let mut rest = data;
    for va in [0x3000u64, 0x4000] {
        let page = &mut pages.get_mut(&va).unwrap().1;
        let n = rest.len().min(256);
        page[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
    }
    let mut mem = Space { pages };
    let rng = core::cell::RefCell::new(crate::rng::Drbg::new(&[1; 32], &[], &[]));
    let mut crypto = cryp::Crypto::new();
    let ta_time = core::cell::Cell::new(None);
    let mut cancel = Cancellation::default();
    let mut props = Props {
        ta: vec![],
        tee: alloc::rc::Rc::from(vec![]),
        registered: false,
    };
    let store_rng = crate::rng::Drbg::new(&[2; 32], &[], &[]);
    let mut store = oxtee_storage::Store::open(
        [5; 32],
        oxtee_storage::MemSupplicant::new(),
        oxtee_storage::MemRpmb::new(),
        store_rng,
    )
    .expect("a fresh store in memory opens");
    let mut calls = 0;
    while let Some((&pick, r)) = rest.split_first() {
        rest = r;
        calls += 1;
        if calls > 24 {
            break;
        }
        let n = NUMS[pick as usize % NUMS.len()];
        let mut a = [0u64; 8];
        for x in a.iter_mut().take(7) {
            let Some((&b, r)) = rest.split_first() else {
                return;
            };
            rest = r;
            *x = match VALUES.get(b as usize) {
                Some(&v) => v,
                None => {
                    let Some((w, r)) = rest.split_first_chunk::<8>() else {
                        return;
                    };
                    rest = r;
                    u64::from_le_bytes(*w)
                }
            };
        }
        let mut log = |_: &[u8]| {};
        let shared = [0x10000..0x11000, 0x11000..0x12000];
        let mut cx = Context {
            mem: &mut mem,
            rng: &rng,
            log: &mut log,
            counter: (1 << 30, 62_500_000),
            shared: &shared,
            shared_inputs: 0b01,
            window: 0x10000..0x12000,
            cancel: &mut cancel,
            props: &mut props,
            client: &[],
            crypto: &mut crypto,
            ta_time: &ta_time,
        };
        let mut out = utee::syscall(n, &a, &mut cx);
        if let Outcome::Rpc(p @ utee::Pending::Storage(_)) = &out {
            let utee::Pending::Storage(job) = p else {
                return;
            };
            let done = crate::tee_storage::run(&mut store, 1, &[7; 16], job);
            let answer = utee::Answer::Storage(alloc::boxed::Box::new(done));
            out = utee::complete(p, answer, &mut mem, &mut crypto);
        }
        assert!(crypto.handles() <= cryp::MAX_HANDLES);
        if let Outcome::Panic(_) = out {
            // The kernel ends a TA that panicked: its state goes with it.
            return;
        }
    }
}
