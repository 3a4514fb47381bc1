//! TA-to-TA calls from inside an entry point: the TA sends a request on
//! its channel to the core and waits for the answer. Memory references
//! travel through the TA's call buffer (a memfd the core provides and
//! grows on request), copied in before and out after the call.

use oxtee_proto::{CallParam, CoreToTa, OutParam, TaCall, TaReply, Uuid, decode, encode};
use oxtee_sys::Mapping;
use std::os::fd::AsFd;
use std::sync::Mutex;

pub use oxtee_gp::ta::{CallArg, CallResult};

pub(crate) static CALL_BUFFER: Mutex<Option<Mapping>> = Mutex::new(None);

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

pub(crate) fn send(r: &TaReply) {
    let b = encode(r).unwrap_or_else(|_| crate::fatal("TA-to-TA request too large"));
    crate::with_channel(|ch| {
        if ch.send(&b, &[]).is_err() {
            crate::fatal("core channel lost");
        }
    });
}

pub(crate) fn recv() -> (CoreToTa, Vec<std::os::fd::OwnedFd>) {
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    let mut fds = Vec::new();
    let n = crate::with_channel(|ch| match ch.recv(&mut buf, &mut fds) {
        Ok(Some(n)) => n,
        _ => crate::fatal("core channel lost during a TA-to-TA call"),
    });
    let m = decode(&buf[..n]).unwrap_or_else(|_| crate::fatal("undecodable message from core"));
    (m, fds)
}

/// Make sure the call buffer holds `need` bytes: OUT_OF_MEMORY when the
/// core refuses to grow it (the secure memory budget has no room).
pub(crate) fn ensure_buffer(need: usize) -> Result<(), u32> {
    let have = CALL_BUFFER.lock().unwrap().as_ref().map_or(0, |m| m.len());
    if need == 0 || have >= need {
        return Ok(());
    }
    send(&TaReply::GrowCallBuffer { size: need as u64 });
    match recv() {
        (CoreToTa::SetCallBuffer { size }, mut fds) if fds.len() == 1 && size as usize >= need => {
            let fd = fds.pop().expect("one descriptor");
            let m = Mapping::map(fd.as_fd(), size as usize)
                .unwrap_or_else(|_| crate::fatal("cannot map call buffer"));
            *CALL_BUFFER.lock().unwrap() = Some(m);
            Ok(())
        }
        (CoreToTa::SetCallBuffer { size: 0 }, fds) if fds.is_empty() => Err(0xFFFF_000C),
        _ => crate::fatal("unexpected answer to GrowCallBuffer"),
    }
}

fn run(make: impl FnOnce(u32, [CallParam; 4]) -> TaCall, args: &mut [CallArg<'_>]) -> CallResult {
    if args.len() > 4 {
        return CallResult {
            result: 0xFFFF_0006,
            origin: 1,
            session: 0,
        };
    }
    let mut offs = [0usize; 4];
    let mut need = 0usize;
    for (i, a) in args.iter().enumerate() {
        offs[i] = need;
        let n = match a {
            CallArg::MemIn { buf: Some(_), size }
            | CallArg::MemOut { buf: Some(_), size }
            | CallArg::MemInOut { buf: Some(_), size } => *size,
            _ => 0,
        };
        need = need.saturating_add(align8(n));
    }
    if let Err(result) = ensure_buffer(need) {
        return CallResult {
            result,
            origin: 3,
            session: 0,
        };
    }
    let guard = CALL_BUFFER.lock().unwrap();
    let cb = guard.as_ref();
    let mut types = 0u32;
    let mut wire = [CallParam::None; 4];
    for (i, a) in args.iter().enumerate() {
        types |= a.type_nibble() << (4 * i);
        wire[i] = match a {
            CallArg::None => CallParam::None,
            CallArg::ValueIn { a, b } | CallArg::ValueInOut { a, b } => {
                CallParam::Value { a: *a, b: *b }
            }
            CallArg::ValueOut { .. } => CallParam::Value { a: 0, b: 0 },
            CallArg::MemIn { buf, size } => {
                if let (Some(b), Some(cb)) = (buf, cb) {
                    cb.write(offs[i], &b[..(*size).min(b.len())]);
                }
                CallParam::Mem {
                    offset: offs[i] as u64,
                    size: *size as u64,
                    null: buf.is_none(),
                }
            }
            CallArg::MemInOut { buf, size } => {
                if let (Some(b), Some(cb)) = (buf, cb) {
                    cb.write(offs[i], &b[..(*size).min(b.len())]);
                }
                CallParam::Mem {
                    offset: offs[i] as u64,
                    size: *size as u64,
                    null: buf.is_none(),
                }
            }
            CallArg::MemOut { buf, size } => CallParam::Mem {
                offset: offs[i] as u64,
                size: *size as u64,
                null: buf.is_none(),
            },
        };
    }
    drop(guard);
    send(&TaReply::Call(make(types, wire)));
    let (result, origin, session, out) = match recv() {
        (
            CoreToTa::CallDone {
                result,
                origin,
                session,
                params,
            },
            fds,
        ) if fds.is_empty() => (result, origin, session, params),
        _ => crate::fatal("unexpected answer to a TA-to-TA call"),
    };
    let guard = CALL_BUFFER.lock().unwrap();
    for (i, a) in args.iter_mut().enumerate() {
        match (a, out[i]) {
            (
                CallArg::ValueOut { a, b } | CallArg::ValueInOut { a, b },
                OutParam::Value { a: na, b: nb },
            ) => {
                *a = na;
                *b = nb;
            }
            (
                CallArg::MemOut { buf, size } | CallArg::MemInOut { buf, size },
                OutParam::Size(n),
            ) => {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                if result == 0 {
                    if let (Some(b), Some(cb)) = (buf.as_deref_mut(), guard.as_ref()) {
                        let len = n.min(*size).min(b.len());
                        cb.read(offs[i], &mut b[..len]);
                    }
                }
                *size = n;
            }
            _ => {}
        }
    }
    CallResult {
        result,
        origin,
        session,
    }
}

/// TEE_OpenTASession. `timeout_ms` u32::MAX means no timeout.
pub fn open_session(uuid: Uuid, timeout_ms: u32, args: &mut [CallArg<'_>]) -> CallResult {
    run(
        |param_types, params| TaCall::Open {
            uuid,
            param_types,
            params,
            timeout_ms,
        },
        args,
    )
}

/// TEE_InvokeTACommand.
pub fn invoke(session: u32, timeout_ms: u32, command: u32, args: &mut [CallArg<'_>]) -> CallResult {
    run(
        |param_types, params| TaCall::Invoke {
            session,
            command,
            param_types,
            params,
            timeout_ms,
        },
        args,
    )
}

/// TEE_CloseTASession.
pub fn close_session(session: u32) {
    send(&TaReply::Call(TaCall::Close { session }));
    match recv() {
        (CoreToTa::CallDone { .. }, fds) if fds.is_empty() => {}
        _ => crate::fatal("unexpected answer to TEE_CloseTASession"),
    }
}

/// TEE_GetTAPersistentTime: Ok(time) or Err((code, time)); with
/// TEE_ERROR_OVERFLOW the time is valid modulo 2^32 seconds.
pub fn persistent_time() -> Result<(u32, u32), (u32, (u32, u32))> {
    send(&TaReply::Call(TaCall::GetPersistentTime));
    match recv() {
        (CoreToTa::CallDone { result, params, .. }, fds) if fds.is_empty() => {
            let t = match params[0] {
                OutParam::Value { a, b } => (a, b),
                _ => (0, 0),
            };
            if result == 0 { Ok(t) } else { Err((result, t)) }
        }
        _ => crate::fatal("unexpected answer to TEE_GetTAPersistentTime"),
    }
}

/// TEE_SetTAPersistentTime; returns the GP result.
pub fn set_persistent_time(seconds: u32, millis: u32) -> u32 {
    send(&TaReply::Call(TaCall::SetPersistentTime {
        seconds,
        millis,
    }));
    match recv() {
        (CoreToTa::CallDone { result, .. }, fds) if fds.is_empty() => result,
        _ => crate::fatal("unexpected answer to TEE_SetTAPersistentTime"),
    }
}
