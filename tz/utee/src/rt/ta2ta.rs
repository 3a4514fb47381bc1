//! TA-to-TA calls and the TA's persistent time for the Rust SDK, through
//! `TEE_OpenTASession`, `TEE_InvokeTACommand`, `TEE_CloseTASession` and
//! `TEE_Get/SetTAPersistentTime`.

use alloc::vec;
use alloc::vec::Vec;
use core::ffi::c_void;

pub use oxtee_gp::ta::{CallArg, CallResult};
use oxtee_proto::Uuid;

use crate::{Param, api, sys, ta2ta};

/// `TEE_ORIGIN_API` / `TEE_ERROR_BAD_PARAMETERS`.
const ORIGIN_API: u32 = 1;
const BAD_PARAMETERS: u32 = 0xFFFF_0006;

/// The call's `TEE_Param`s: values as given, each memref in a buffer of
/// its announced size (the caller's bytes copied in), so the kernel never
/// writes past what the caller lent.
fn params(args: &[CallArg<'_>]) -> (u32, [Param; 4], [Vec<u8>; 4]) {
    let mut types = 0;
    let mut raw = [Param::default(); 4];
    let mut bufs: [Vec<u8>; 4] = Default::default();
    for (i, a) in args.iter().enumerate() {
        types |= a.type_nibble() << (4 * i);
        let (w0, w1) = match a {
            CallArg::None | CallArg::ValueOut { .. } => (0, 0),
            CallArg::ValueIn { a, b } | CallArg::ValueInOut { a, b } => {
                (u64::from(*a) | (u64::from(*b) << 32), 0)
            }
            CallArg::MemIn { buf, size } => mem(&mut bufs[i], buf.as_deref(), *size),
            CallArg::MemOut { buf, size } => {
                mem(&mut bufs[i], buf.as_ref().map(|_| &[][..]), *size)
            }
            CallArg::MemInOut { buf, size } => mem(&mut bufs[i], buf.as_deref(), *size),
        };
        raw[i] = Param { w0, w1 };
    }
    (types, raw, bufs)
}

fn mem(b: &mut Vec<u8>, src: Option<&[u8]>, size: usize) -> (u64, u64) {
    match src {
        None => (0, size as u64),
        Some(s) => {
            *b = vec![0; size];
            let n = size.min(s.len());
            b[..n].copy_from_slice(&s[..n]);
            (b.as_mut_ptr() as u64, size as u64)
        }
    }
}

/// The answer back into `args`: output values, memref sizes and bytes.
fn answer(args: &mut [CallArg<'_>], raw: &[Param; 4], bufs: &[Vec<u8>; 4]) {
    for (i, a) in args.iter_mut().enumerate() {
        let (w0, n) = (raw[i].w0, raw[i].w1 as usize);
        match a {
            CallArg::ValueOut { a, b } | CallArg::ValueInOut { a, b } => {
                (*a, *b) = (w0 as u32, (w0 >> 32) as u32);
            }
            CallArg::MemOut { buf, size } | CallArg::MemInOut { buf, size } => {
                if let Some(buf) = buf {
                    let k = n.min(buf.len()).min(bufs[i].len());
                    buf[..k].copy_from_slice(&bufs[i][..k]);
                }
                *size = n;
            }
            _ => {}
        }
    }
}

fn too_many() -> CallResult {
    CallResult {
        result: BAD_PARAMETERS,
        origin: ORIGIN_API,
        session: 0,
    }
}

/// TEE_OpenTASession. `timeout_ms` u32::MAX means no timeout.
pub fn open_session(uuid: Uuid, timeout_ms: u32, args: &mut [CallArg<'_>]) -> CallResult {
    if args.len() > 4 {
        return too_many();
    }
    let (types, mut raw, bufs) = params(args);
    let dest = oxtee_proto::tee_layout::tee_uuid(&uuid);
    let (mut session, mut origin) = (core::ptr::null_mut::<c_void>(), ORIGIN_API);
    // SAFETY: a TEE_UUID's 16 bytes, four parameters whose memrefs are
    // `bufs` (alive across the call), and two places to write.
    let result = unsafe {
        ta2ta::TEE_OpenTASession(
            dest.as_ptr().cast(),
            timeout_ms,
            types,
            raw.as_mut_ptr().cast(),
            &mut session,
            &mut origin,
        )
    };
    answer(args, &raw, &bufs);
    CallResult {
        result,
        origin,
        session: session as usize as u32,
    }
}

/// TEE_InvokeTACommand.
pub fn invoke(session: u32, timeout_ms: u32, command: u32, args: &mut [CallArg<'_>]) -> CallResult {
    if args.len() > 4 {
        return too_many();
    }
    if session == 0 {
        sys::panic(BAD_PARAMETERS)
    }
    let (types, mut raw, bufs) = params(args);
    let mut origin = ORIGIN_API;
    // SAFETY: as in `open_session`.
    let result = unsafe {
        ta2ta::TEE_InvokeTACommand(
            session as usize as *mut c_void,
            timeout_ms,
            command,
            types,
            raw.as_mut_ptr().cast(),
            &mut origin,
        )
    };
    answer(args, &raw, &bufs);
    CallResult {
        result,
        origin,
        session,
    }
}

/// TEE_CloseTASession.
pub fn close_session(session: u32) {
    ta2ta::TEE_CloseTASession(session as usize as *mut c_void)
}

/// TEE_GetTAPersistentTime: Ok(time) or Err((code, time)); with
/// TEE_ERROR_OVERFLOW the time is valid modulo 2^32 seconds.
pub fn persistent_time() -> Result<(u32, u32), (u32, (u32, u32))> {
    let mut t = sys::Time::default();
    // SAFETY: `t` is a valid `TEE_Time` to write.
    let r = unsafe { api::TEE_GetTAPersistentTime(&mut t) };
    let v = (t.seconds, t.millis);
    if r == 0 { Ok(v) } else { Err((r, v)) }
}

/// TEE_SetTAPersistentTime; returns the GP result.
pub fn set_persistent_time(seconds: u32, millis: u32) -> u32 {
    let t = sys::Time { seconds, millis };
    // SAFETY: `t` is a valid `TEE_Time` to read.
    unsafe { api::TEE_SetTAPersistentTime(&t) }
}
