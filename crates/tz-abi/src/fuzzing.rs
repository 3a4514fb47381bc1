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
