//! The secure kernel's answers to OP-TEE's SMC ABI, as a pure function of
//! the caller's registers and of normal-world memory reached through
//! [`NormalWorld`] (the kernel maps it non-secure; the tests below play a
//! lying normal world).
//!
//! A yielding `CALL_WITH_ARG` copies the argument's header, then the
//! header and the parameters it announces, once; decodes that private
//! copy; serves it; and writes the answer back. What the normal world
//! does to its copy meanwhile changes nothing the kernel decided.

use crate::optee::{self, MsgArg, OpenSession, result};

/// Normal-world physical memory, as the kernel may touch it.
pub trait NormalWorld {
    /// Copy `out.len()` bytes from physical address `pa`.
    fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress>;
    /// Copy `data` to physical address `pa`.
    fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress>;
}

/// A physical range outside what the normal world may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAddress;

/// Secure threads: yielding calls that may be in progress at once
/// (OP-TEE's CFG_NUM_THREADS). Calls complete before the kernel returns
/// to the normal world for now (no RPC yet), so one is in use at a time.
pub const THREADS: u64 = 4;

/// The OS UUID `GET_OS_UUID` answers (oxtee's own, not OP-TEE's):
/// 6f787465-652d-4f53-8000-747a2d6b6e6c.
pub const OS_UUID: [u32; 4] = [0x6f78_7465, 0x652d_4f53, 0x8000_747a, 0x2d6b_6e6c];
/// The OS revision `GET_OS_REVISION` answers (major, minor); Linux's
/// driver prints it ("optee: revision 0.1").
pub const OS_REVISION: (u64, u64) = (0, 1);

/// What the kernel tells its log about a call (it has no other output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing worth a line.
    None,
    /// The normal world's capabilities were exchanged.
    Capabilities { normal_world: u64 },
    /// A session was asked for a TA the kernel does not have.
    NoSuchTa { uuid: [u8; 16], login: u32 },
}

/// A fast call: the caller's x0..x7 in, its x0..x3 out.
pub fn fast(regs: &[u64; 8]) -> ([u64; 4], Event) {
    let w = |v: [u32; 4]| v.map(u64::from);
    let out = match regs[0] as u32 {
        optee::CALLS_UID => w(optee::API_UID),
        optee::CALLS_REVISION => [optee::API_REVISION.0, optee::API_REVISION.1, 0, 0],
        optee::GET_OS_UUID => w(OS_UUID),
        optee::GET_OS_REVISION => [OS_REVISION.0, OS_REVISION.1, 0, 0],
        optee::EXCHANGE_CAPABILITIES => {
            // a2, the highest notification value: none are sent yet.
            let ev = Event::Capabilities {
                normal_world: regs[1] & 0xFFFF_FFFF,
            };
            return ([optee::RETURN_OK, optee::SEC_CAP_DYNAMIC_SHM, 0, 0], ev);
        }
        // Nothing is ever cached: the cache is always empty.
        optee::DISABLE_SHM_CACHE => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        optee::ENABLE_SHM_CACHE => [optee::RETURN_OK, 0, 0, 0],
        optee::GET_THREAD_COUNT => [optee::RETURN_OK, THREADS, 0, 0],
        // No reserved shared memory: dynamic shared memory only.
        optee::GET_SHM_CONFIG => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        _ => [optee::RETURN_UNKNOWN_FUNCTION, 0, 0, 0],
    };
    (out, Event::None)
}

/// A yielding call: the caller's x0..x7 in, its x0..x3 out.
pub fn yielding(nw: &mut impl NormalWorld, regs: &[u64; 8]) -> ([u64; 4], Event) {
    let (status, ev) = match regs[0] as u32 {
        optee::CALL_WITH_ARG => call_with_arg(nw, optee::reg_pair(regs[1], regs[2])),
        // No call is ever suspended in an RPC yet: nothing to resume.
        optee::RETURN_FROM_RPC => (optee::RETURN_ERESUME, Event::None),
        _ => (optee::RETURN_UNKNOWN_FUNCTION, Event::None),
    };
    ([status, 0, 0, 0], ev)
}

fn call_with_arg(nw: &mut impl NormalWorld, pa: u64) -> (u64, Event) {
    let mut buf = [0u8; optee::arg_size(optee::MAX_PARAMS)];
    if !pa.is_multiple_of(8) || nw.read(pa, &mut buf[..optee::ARG_HEADER_SIZE]).is_err() {
        return (optee::RETURN_EBADADDR, Event::None);
    }
    let Ok(n) = MsgArg::announced_params(&buf[..optee::ARG_HEADER_SIZE]) else {
        return (optee::RETURN_EBADCMD, Event::None);
    };
    let size = optee::arg_size(n);
    if nw.read(pa, &mut buf[..size]).is_err() {
        return (optee::RETURN_EBADADDR, Event::None);
    }
    // The copy is decoded as it is: if the normal world changed the
    // header in between, the copy's own count must fit what was copied.
    let Ok(mut arg) = MsgArg::decode(&buf[..size]) else {
        return (bad_parameters(nw, pa, &mut buf[..size]), Event::None);
    };
    let mut ev = Event::None;
    match arg.cmd {
        optee::CMD_OPEN_SESSION => match OpenSession::from_arg(&arg) {
            Some(ids) => {
                ev = Event::NoSuchTa {
                    uuid: ids.uuid,
                    login: ids.login,
                };
                arg.ret = result::ITEM_NOT_FOUND;
            }
            None => arg.ret = result::BAD_PARAMETERS,
        },
        // No session exists yet (pseudo-TAs come next).
        optee::CMD_INVOKE_COMMAND | optee::CMD_CLOSE_SESSION => arg.ret = result::BAD_PARAMETERS,
        // Nothing runs that could be cancelled.
        optee::CMD_CANCEL => arg.ret = result::SUCCESS,
        optee::CMD_REGISTER_SHM | optee::CMD_UNREGISTER_SHM => arg.ret = result::NOT_SUPPORTED,
        _ => return (optee::RETURN_EBADCMD, Event::None),
    }
    arg.ret_origin = result::ORIGIN_TEE;
    if arg.encode(&mut buf[..size]).is_err() || nw.write(pa, &buf[..size]).is_err() {
        return (optee::RETURN_EBADADDR, Event::None);
    }
    (optee::RETURN_OK, ev)
}

/// Answer an argument that cannot be decoded: its own copy, with
/// BAD_PARAMETERS from the TEE.
fn bad_parameters(nw: &mut impl NormalWorld, pa: u64, copy: &mut [u8]) -> u64 {
    copy[20..24].copy_from_slice(&result::BAD_PARAMETERS.to_le_bytes());
    copy[24..28].copy_from_slice(&result::ORIGIN_TEE.to_le_bytes());
    match nw.write(pa, copy) {
        Ok(()) => optee::RETURN_OK,
        Err(_) => optee::RETURN_EBADADDR,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::*;
    use crate::optee::*;

    const BASE: u64 = 0x4000_0000;

    /// A normal world of one page at BASE; `after_reads` changes its
    /// memory after a number of reads (a racing CPU).
    struct Page {
        mem: Vec<u8>,
        reads: usize,
        after_reads: Option<(usize, fn(&mut Vec<u8>))>,
        writes: usize,
    }

    impl Page {
        fn new() -> Page {
            Page {
                mem: vec![0; 4096],
                reads: 0,
                after_reads: None,
                writes: 0,
            }
        }
        fn at(&self, pa: u64, len: usize) -> Result<core::ops::Range<usize>, BadAddress> {
            let off = pa.checked_sub(BASE).ok_or(BadAddress)? as usize;
            let end = off.checked_add(len).ok_or(BadAddress)?;
            if end > self.mem.len() {
                return Err(BadAddress);
            }
            Ok(off..end)
        }
        fn arg(&mut self, off: usize, cmd: u32, params: &[MsgParam]) {
            let mut a = MsgArg {
                cmd,
                num_params: params.len(),
                ..Default::default()
            };
            a.params[..params.len()].copy_from_slice(params);
            let size = arg_size(params.len());
            a.encode(&mut self.mem[off..off + size]).unwrap();
        }
        fn answer(&self, off: usize) -> (u32, u32) {
            let m = &self.mem[off..];
            (
                u32::from_le_bytes(m[20..24].try_into().unwrap()),
                u32::from_le_bytes(m[24..28].try_into().unwrap()),
            )
        }
    }

    impl NormalWorld for Page {
        fn read(&mut self, pa: u64, out: &mut [u8]) -> Result<(), BadAddress> {
            let r = self.at(pa, out.len())?;
            out.copy_from_slice(&self.mem[r]);
            self.reads += 1;
            if let Some((n, f)) = self.after_reads {
                if self.reads == n {
                    f(&mut self.mem);
                }
            }
            Ok(())
        }
        fn write(&mut self, pa: u64, data: &[u8]) -> Result<(), BadAddress> {
            let r = self.at(pa, data.len())?;
            self.mem[r].copy_from_slice(data);
            self.writes += 1;
            Ok(())
        }
    }

    fn call(nw: &mut Page, pa: u64) -> u64 {
        let hi = pa >> 32;
        yielding(
            nw,
            &[CALL_WITH_ARG as u64, hi, pa & 0xFFFF_FFFF, 0, 0, 0, 0, 0],
        )
        .0[0]
    }

    fn meta(u: [u8; 16], c: u64) -> MsgParam {
        MsgParam {
            attr: 1 | ATTR_META,
            a: u64::from_le_bytes(u[..8].try_into().unwrap()),
            b: u64::from_le_bytes(u[8..].try_into().unwrap()),
            c,
        }
    }

    #[test]
    fn the_calls_linux_probes_with() {
        let f = |id: u32| fast(&[id as u64, 0, 0, 0, 0, 0, 0, 0]).0;
        assert_eq!(
            f(CALLS_UID),
            [0x384f_b3e0, 0xe7f8_11e3, 0xaf63_0002, 0xa5d5_c51b]
        );
        assert_eq!(f(CALLS_REVISION)[..2], [2, 0]);
        assert_eq!(f(GET_OS_REVISION)[..2], [0, 1]);
        let (caps, ev) = fast(&[EXCHANGE_CAPABILITIES as u64, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(caps[0], RETURN_OK);
        assert_ne!(caps[1] & SEC_CAP_DYNAMIC_SHM, 0);
        assert_eq!(caps[1] & SEC_CAP_HAVE_RESERVED_SHM, 0);
        assert_eq!(ev, Event::Capabilities { normal_world: 1 });
        assert_eq!(f(DISABLE_SHM_CACHE)[0], RETURN_ENOTAVAIL);
        assert_eq!(f(ENABLE_SHM_CACHE)[0], RETURN_OK);
        assert_eq!(f(GET_THREAD_COUNT)[..2], [RETURN_OK, THREADS]);
        for id in [0xB200_00FF, L2CC_MUTEX, CALL_WITH_ARG, 0x8400_0000] {
            assert_eq!(f(id)[0], RETURN_UNKNOWN_FUNCTION, "{id:#x}");
        }
        let mut nw = Page::new();
        let y = |nw: &mut Page, id: u32| yielding(nw, &[id as u64, 0, 0, 0, 0, 0, 0, 0]).0[0];
        assert_eq!(y(&mut nw, RETURN_FROM_RPC), RETURN_ERESUME);
        assert_eq!(y(&mut nw, CALL_WITH_RPC_ARG), RETURN_UNKNOWN_FUNCTION);
        assert_eq!(y(&mut nw, GET_OS_UUID), RETURN_UNKNOWN_FUNCTION);
    }

    #[test]
    fn open_session_of_an_unknown_ta() {
        let mut nw = Page::new();
        let uuid = [
            0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53, 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf,
            0x13, 0xb8,
        ];
        nw.arg(256, CMD_OPEN_SESSION, &[meta(uuid, 0), meta([0; 16], 4)]);
        let (out, ev) = yielding(
            &mut nw,
            &[CALL_WITH_ARG as u64, 0, BASE + 256, 0, 0, 0, 0, 0],
        );
        assert_eq!(out[0], RETURN_OK);
        assert_eq!(ev, Event::NoSuchTa { uuid, login: 4 });
        assert_eq!(nw.answer(256), (result::ITEM_NOT_FOUND, result::ORIGIN_TEE));
        // Without its identities: bad parameters.
        nw.arg(
            512,
            CMD_OPEN_SESSION,
            &[MsgParam {
                attr: 1,
                ..Default::default()
            }],
        );
        assert_eq!(call(&mut nw, BASE + 512), RETURN_OK);
        assert_eq!(nw.answer(512), (result::BAD_PARAMETERS, result::ORIGIN_TEE));
        // Invoke and close of a session that does not exist.
        for cmd in [CMD_INVOKE_COMMAND, CMD_CLOSE_SESSION] {
            nw.arg(1024, cmd, &[]);
            assert_eq!(call(&mut nw, BASE + 1024), RETURN_OK);
            assert_eq!(nw.answer(1024).0, result::BAD_PARAMETERS);
        }
    }

    #[test]
    fn a_lying_normal_world_gets_errors_not_secrets() {
        let mut nw = Page::new();
        // Outside its RAM, across its end, unaligned, wrapping.
        for pa in [
            0x0e10_0000,
            BASE + 4096 - 16,
            BASE + 4,
            u64::MAX & !7,
            BASE - 8,
        ] {
            assert_eq!(call(&mut nw, pa), RETURN_EBADADDR, "{pa:#x}");
        }
        assert_eq!(nw.writes, 0);
        // The register pair's upper halves are ignored: 0x1_0000_0000 +
        // BASE is not BASE.
        nw.arg(0, CMD_CANCEL, &[]);
        let r = yielding(&mut nw, &[CALL_WITH_ARG as u64, 1, BASE, 0, 0, 0, 0, 0]).0[0];
        assert_eq!(r, RETURN_EBADADDR);
        let r = yielding(
            &mut nw,
            &[
                CALL_WITH_ARG as u64,
                0xFFFF_FFFF_0000_0000,
                0xAAAA_AAAA_0000_0000 | BASE,
                0,
                0,
                0,
                0,
                0,
            ],
        )
        .0[0];
        assert_eq!(r, RETURN_OK);
        // Announces more parameters than exist.
        nw.mem[28..32].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(call(&mut nw, BASE), RETURN_EBADCMD);
        // A header whose parameters run past the end of its RAM.
        nw.arg(4096 - 32, CMD_INVOKE_COMMAND, &[]);
        nw.mem[4096 - 4..].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(call(&mut nw, BASE + 4096 - 32), RETURN_EBADADDR);
        // An unknown parameter type: answered, nothing else read.
        nw.arg(
            0,
            CMD_INVOKE_COMMAND,
            &[MsgParam {
                attr: 0x44,
                ..Default::default()
            }],
        );
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        assert_eq!(nw.answer(0), (result::BAD_PARAMETERS, result::ORIGIN_TEE));
        // An unknown command.
        nw.arg(0, 99, &[]);
        assert_eq!(call(&mut nw, BASE), RETURN_EBADCMD);
    }

    #[test]
    fn a_header_changed_between_the_two_copies_is_decoded_as_copied() {
        // First copy: no parameters; then the normal world announces six.
        let mut nw = Page::new();
        nw.arg(0, CMD_CANCEL, &[]);
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&6u32.to_le_bytes())));
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        // The answer is about the copy: BAD_PARAMETERS (its count does not
        // fit what was copied), and nothing beyond the 32 copied bytes is
        // written.
        assert_eq!(nw.answer(0).0, result::BAD_PARAMETERS);
        let before = nw.mem[32..].to_vec();
        nw.arg(0, CMD_CANCEL, &[]);
        nw.reads = 0;
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&6u32.to_le_bytes())));
        nw.mem[32..].copy_from_slice(&before);
        let w = nw.writes;
        call(&mut nw, BASE);
        assert_eq!(nw.writes, w + 1);
        assert_eq!(nw.mem[32..], before[..]);
        // First copy announces two, then zero: served with the copy's zero.
        let mut nw = Page::new();
        nw.arg(
            0,
            CMD_CANCEL,
            &[MsgParam {
                attr: 1,
                a: 1,
                b: 2,
                c: 3,
            }; 2],
        );
        nw.after_reads = Some((1, |m| m[28..32].copy_from_slice(&0u32.to_le_bytes())));
        assert_eq!(call(&mut nw, BASE), RETURN_OK);
        assert_eq!(nw.answer(0), (result::SUCCESS, result::ORIGIN_TEE));
    }
}
