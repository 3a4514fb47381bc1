//! TA-to-TA calls of user TAs at S-EL0: OP-TEE's system calls
//! `OPEN_TA_SESSION` (5), `CLOSE_TA_SESSION` (6) and `INVOKE_TA_COMMAND`
//! (7) with OP-TEE's arguments (a `TEE_UUID`, the cancellation timeout,
//! a `struct utee_params` in the TA's memory, where the session and the
//! origin go).
//!
//! The parameters are copied out of the caller's memory when the call is
//! made (a memory reference must be the caller's: readable for input,
//! writable data for output, at most [`crate::kernel::MAX_MEMREF`] bytes)
//! and the answer written back when the callee is done: values, each
//! buffer's size and at most that many bytes into the caller's buffer
//! (the size needed, and no bytes, for a SHORT_BUFFER it cannot hold).
//! The call itself is the kernel's ([`crate::rpc::Rpc::ta_call`]): the
//! callee is opened with the caller's identity (`TEE_LOGIN_TRUSTED_APP`
//! and its UUID) and runs on the caller's thread. A close is a call too:
//! the callee's close entry point runs on the caller's thread before
//! `TEE_CloseTASession` returns (as on OP-TEE), so it may itself wait
//! for the normal world or call other TAs; where the caller cannot wait
//! (its own close the kernel runs at once) the close is recorded and done
//! when the caller's entry point has returned. A close cannot fail. The
//! timeout is a cancellation request to the callee when
//! it passes (the kernel's [`crate::rpc::Rpc::deadline_until_dropped`]),
//! as a client's cancellation of the caller is.

use alloc::boxed::Box;
use alloc::vec::Vec;

use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_OUT_OF_MEMORY,
    TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

use crate::pta::{Dir, Param};
use crate::rpc::TaAnswer;
use crate::utee::{Context, Fault, Outcome, Pending, UserMemory, check, read_user, write_user};

/// What a TA-to-TA system call asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaKind {
    /// Open a session of the TA with this UUID (as bytes, big-endian
    /// fields: the kernel's form).
    Open { uuid: [u8; 16] },
    /// Command `cmd` on the caller's session `session`.
    Invoke { session: u32, cmd: u32 },
    /// Close the caller's session `session`.
    Close { session: u32 },
}

/// A TA-to-TA call waiting for its callee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaCall {
    pub kind: TaKind,
    /// The parameters, copied from the caller.
    pub params: [Param; 4],
    /// Where the `utee_params` are, and what they said.
    pub up_at: u64,
    pub up: [u64; 9],
    /// Where the new session (an open) and the origin go.
    pub session_at: u64,
    pub origin_at: u64,
    /// Milliseconds until the callee is asked to cancel
    /// (`TEE_TIMEOUT_INFINITE`: never).
    pub timeout_ms: u32,
}

enum Stop {
    Code(u32),
    Kill(u32),
}

impl From<Fault> for Stop {
    fn from(_: Fault) -> Stop {
        Stop::Kill(TEE_ERROR_ACCESS_DENIED)
    }
}

fn outcome(r: Result<TaCall, Stop>) -> Outcome {
    match r {
        Ok(c) => Outcome::Rpc(Pending::Ta(Box::new(c))),
        Err(Stop::Code(c)) => Outcome::Resume(u64::from(c)),
        Err(Stop::Kill(c)) => Outcome::Panic(c),
    }
}

fn word(mem: &mut dyn UserMemory, va: u64) -> Result<(), Stop> {
    check(mem, va, 4, true).map_err(Stop::from)
}

/// `_utee_open_ta_session(dest, cancel_req_to, params, sess, ret_orig)`.
pub fn open(a: &[u64; 8], cx: &mut Context<'_>) -> Outcome {
    outcome((|| {
        let mut u = [0u8; 16];
        read_user(cx.mem, a[0], &mut u)?;
        word(cx.mem, a[3])?;
        word(cx.mem, a[4])?;
        let (up, params) = params_in(cx.mem, a[2])?;
        Ok(TaCall {
            kind: TaKind::Open {
                uuid: crate::utee::from_tee_uuid(&u).0,
            },
            params,
            up_at: a[2],
            up,
            session_at: a[3],
            origin_at: a[4],
            timeout_ms: a[1] as u32,
        })
    })())
}

/// `_utee_invoke_ta_command(sess, cancel_req_to, cmd_id, params, ret_orig)`.
pub fn invoke(a: &[u64; 8], cx: &mut Context<'_>) -> Outcome {
    outcome((|| {
        let session = u32::try_from(a[0]).map_err(|_| Stop::Kill(TEE_ERROR_BAD_PARAMETERS))?;
        word(cx.mem, a[4])?;
        let (up, params) = params_in(cx.mem, a[3])?;
        Ok(TaCall {
            kind: TaKind::Invoke {
                session,
                cmd: a[2] as u32,
            },
            params,
            up_at: a[3],
            up,
            session_at: 0,
            origin_at: a[4],
            timeout_ms: a[1] as u32,
        })
    })())
}

/// `_utee_close_ta_session(sess)`: a call of the kernel's, which
/// answers SUCCESS when the callee's close entry point has run.
pub fn close(a: &[u64; 8], _cx: &mut Context<'_>) -> Outcome {
    match u32::try_from(a[0]) {
        Ok(session) => Outcome::Rpc(Pending::Ta(Box::new(TaCall {
            kind: TaKind::Close { session },
            params: crate::pta::no_params(),
            up_at: 0,
            up: [0; 9],
            session_at: 0,
            origin_at: 0,
            timeout_ms: crate::utee::WAIT_FOREVER,
        }))),
        Err(_) => Outcome::Panic(TEE_ERROR_BAD_PARAMETERS),
    }
}

/// Record the close `call` (a [`TaKind::Close`]) for the kernel to do
/// when the caller's entry point has returned, where the caller cannot
/// wait for it: at most 256 sessions (a TA holds no more; a
/// close of an unknown session does nothing either way).
pub fn close_later(call: &TaCall, closes: &mut Vec<u32>) -> Outcome {
    if let TaKind::Close { session } = call.kind
        && closes.len() < MAX_CLOSES
        && !closes.contains(&session)
    {
        closes.push(session);
    }
    Outcome::Resume(u64::from(TEE_SUCCESS))
}

/// Closes one entry point may leave for later.
const MAX_CLOSES: usize = 256;

/// The caller's `utee_params` at `at` and the parameters they name.
fn params_in(mem: &mut dyn UserMemory, at: u64) -> Result<([u64; 9], [Param; 4]), Stop> {
    let mut raw = [0u8; 72];
    read_user(mem, at, &mut raw)?;
    // The kernel writes the answer back there.
    check(mem, at, 72, true)?;
    let up: [u64; 9] = core::array::from_fn(|i| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&raw[8 * i..8 * i + 8]);
        u64::from_le_bytes(w)
    });
    if up[0] >> 16 != 0 {
        return Err(Stop::Code(TEE_ERROR_BAD_PARAMETERS));
    }
    let mut params = crate::pta::no_params();
    let mut total = 0usize;
    for (i, p) in params.iter_mut().enumerate() {
        let (x, y) = (up[1 + 2 * i], up[2 + 2 * i]);
        let dir = |t: u64| match t & 3 {
            1 => Dir::In,
            2 => Dir::Out,
            _ => Dir::InOut,
        };
        *p = match (up[0] >> (4 * i)) & 0xf {
            0 => Param::None,
            t @ 1..=3 => Param::Value {
                a: if t == 2 { 0 } else { x as u32 },
                b: if t == 2 { 0 } else { y as u32 },
                dir: dir(t),
            },
            t @ 5..=7 => {
                let d = dir(t);
                let n = usize::try_from(y)
                    .ok()
                    .filter(|&n| n <= crate::kernel::MAX_MEMREF)
                    .ok_or(Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
                total += n;
                if total > 4 * crate::kernel::MAX_MEMREF {
                    return Err(Stop::Code(TEE_ERROR_OUT_OF_MEMORY));
                }
                check(mem, x, y, d.output())?;
                let mut data = Vec::new();
                data.try_reserve_exact(n)
                    .map_err(|_| Stop::Code(TEE_ERROR_OUT_OF_MEMORY))?;
                data.resize(n, 0);
                if d.input() {
                    read_user(mem, x, &mut data)?;
                }
                Param::Memref {
                    data,
                    size: n,
                    dir: d,
                }
            }
            _ => return Err(Stop::Code(TEE_ERROR_BAD_PARAMETERS)),
        };
    }
    Ok((up, params))
}

/// Finish the call with the callee's answer: outputs into the caller's
/// memory (checked when the call was made; the caller has not run since).
pub fn complete(call: &TaCall, ans: TaAnswer, mem: &mut dyn UserMemory) -> Outcome {
    if let TaKind::Close { .. } = call.kind {
        // Nothing to write back: a close cannot fail.
        return Outcome::Resume(u64::from(TEE_SUCCESS));
    }
    match finish(call, &ans, mem) {
        Ok(()) => Outcome::Resume(u64::from(ans.ret)),
        Err(Fault) => Outcome::Panic(TEE_ERROR_ACCESS_DENIED),
    }
}

fn finish(call: &TaCall, ans: &TaAnswer, mem: &mut dyn UserMemory) -> Result<(), Fault> {
    write_user(mem, call.origin_at, &ans.origin.to_le_bytes())?;
    if let TaKind::Open { .. } = call.kind {
        write_user(mem, call.session_at, &ans.session.to_le_bytes())?;
    }
    let mut up = call.up;
    for (i, (asked, got)) in call.params.iter().zip(&ans.params).enumerate() {
        match (asked, got) {
            (Param::Value { dir, .. }, Param::Value { a, b, .. }) if dir.output() => {
                up[1 + 2 * i] = u64::from(*a);
                up[2 + 2 * i] = u64::from(*b);
            }
            (Param::Memref { dir, .. }, Param::Memref { data, size, .. }) if dir.output() => {
                let room = call.up[2 + 2 * i] as usize;
                if ans.ret == TEE_ERROR_SHORT_BUFFER && *size > room {
                    up[2 + 2 * i] = *size as u64;
                    continue;
                }
                let n = (*size).min(room).min(data.len());
                write_user(mem, call.up[1 + 2 * i], &data[..n])?;
                up[2 + 2 * i] = n as u64;
            }
            _ => {}
        }
    }
    let mut raw = [0u8; 72];
    for (k, w) in up.iter().enumerate() {
        raw[8 * k..8 * k + 8].copy_from_slice(&w.to_le_bytes());
    }
    write_user(mem, call.up_at, &raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cryp::tests::{OK, get, put, run};
    use crate::utee::scn;

    const UP: u64 = 0x3100;
    const SESS: u64 = 0x3200;
    const ORIG: u64 = 0x3204;
    const UUID: u64 = 0x3300;
    const BUF: u64 = 0x4000;

    fn up(r: &mut crate::utee::tests::Run, types: u64, vals: [u64; 8]) {
        let mut raw = Vec::new();
        raw.extend(types.to_le_bytes());
        for v in vals {
            raw.extend(v.to_le_bytes());
        }
        put(r, UP, &raw);
    }

    fn words(r: &mut crate::utee::tests::Run) -> [u64; 9] {
        let b = get(r, UP, 72);
        core::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap()))
    }

    #[test]
    fn parameters_go_out_and_answers_come_back_bounded() {
        let mut r = run();
        put(&mut r, BUF, b"hello");
        // value inout (7, 8), memref inout of 5 bytes, memref out of 3.
        up(&mut r, 0x673, [7, 8, BUF, 5, BUF + 0x100, 3, 0, 0]);
        put(&mut r, UUID, &[0x11; 16]);
        let o = r.call(scn::OPEN_TA_SESSION, &[UUID, u64::MAX, UP, SESS, ORIG]);
        let Outcome::Rpc(Pending::Ta(call)) = o else {
            panic!("{o:?}")
        };
        assert_eq!(call.kind, TaKind::Open { uuid: [0x11; 16] });
        assert_eq!(
            call.params[0],
            Param::Value {
                a: 7,
                b: 8,
                dir: Dir::InOut
            }
        );
        assert!(matches!(&call.params[1], Param::Memref { data, .. } if data == b"hello"));
        assert!(matches!(&call.params[2], Param::Memref { data, .. } if data == &[0; 3]));
        // The callee answers more than the buffers hold: only what fits.
        let mut params = crate::pta::no_params();
        params[0] = Param::Value {
            a: 70,
            b: 80,
            dir: Dir::InOut,
        };
        params[1] = Param::Memref {
            data: b"HELLO, WORLD".to_vec(),
            size: 12,
            dir: Dir::InOut,
        };
        params[2] = Param::Memref {
            data: b"xyz".to_vec(),
            size: 2,
            dir: Dir::Out,
        };
        let ans = TaAnswer {
            ret: 0,
            origin: 4,
            session: 9,
            params,
        };
        assert_eq!(complete(&call, ans, &mut r.mem), OK);
        let w = words(&mut r);
        assert_eq!((w[1], w[2], w[4], w[6]), (70, 80, 5, 2));
        assert_eq!(get(&mut r, BUF, 5), b"HELLO");
        assert_eq!(get(&mut r, BUF + 0x100, 3), [b'x', b'y', 0xAA]);
        assert_eq!(get(&mut r, SESS, 8), [9, 0, 0, 0, 4, 0, 0, 0]);
    }

    #[test]
    fn a_hostile_caller_is_stopped_before_the_callee() {
        let mut r = run();
        let kill = Outcome::Panic(TEE_ERROR_ACCESS_DENIED);
        put(&mut r, UUID, &[0x11; 16]);
        // Output buffers in read-only memory, parameters nowhere, the
        // answer's words in code; an unknown type; a buffer too large.
        up(&mut r, 0x6, [0x2000, 4, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            r.call(scn::OPEN_TA_SESSION, &[UUID, 0, UP, SESS, ORIG]),
            kill
        );
        assert_eq!(
            r.call(scn::OPEN_TA_SESSION, &[UUID, 0, 0x5000, SESS, ORIG]),
            kill
        );
        up(&mut r, 0x1, [1, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(
            r.call(scn::OPEN_TA_SESSION, &[UUID, 0, UP, 0x1000, ORIG]),
            kill
        );
        assert_eq!(r.call(scn::INVOKE_TA_COMMAND, &[1, 0, 0, UP, 0x2000]), kill);
        assert_eq!(
            r.call(scn::OPEN_TA_SESSION, &[0x5000, 0, UP, SESS, ORIG]),
            kill
        );
        up(&mut r, 0x4, [0; 8]);
        let bad = Outcome::Resume(u64::from(TEE_ERROR_BAD_PARAMETERS));
        assert_eq!(r.call(scn::INVOKE_TA_COMMAND, &[1, 0, 0, UP, ORIG]), bad);
        up(
            &mut r,
            0x5,
            [
                BUF,
                (crate::kernel::MAX_MEMREF + 1) as u64,
                0,
                0,
                0,
                0,
                0,
                0,
            ],
        );
        let oom = Outcome::Resume(u64::from(TEE_ERROR_OUT_OF_MEMORY));
        assert_eq!(r.call(scn::INVOKE_TA_COMMAND, &[1, 0, 0, UP, ORIG]), oom);
        // A close is a call of the kernel's, which nothing fails.
        let o = r.call(scn::CLOSE_TA_SESSION, &[5]);
        let Outcome::Rpc(Pending::Ta(call)) = o else {
            panic!("{o:?}")
        };
        assert_eq!(call.kind, TaKind::Close { session: 5 });
        let ans = TaAnswer {
            ret: TEE_ERROR_OUT_OF_MEMORY,
            origin: 3,
            session: 0,
            params: crate::pta::no_params(),
        };
        assert_eq!(complete(&call, ans, &mut r.mem), OK);
        assert_eq!(
            r.call(scn::CLOSE_TA_SESSION, &[1 << 32]),
            Outcome::Panic(TEE_ERROR_BAD_PARAMETERS)
        );
        // Where the caller cannot wait: recorded once, and boundedly.
        let mut later = Vec::new();
        for s in (0..1000).chain(0..1000) {
            let close = TaCall {
                kind: TaKind::Close { session: s },
                ..(*call).clone()
            };
            assert_eq!(close_later(&close, &mut later), OK);
        }
        assert_eq!(later, (0..MAX_CLOSES as u32).collect::<Vec<_>>());
    }
}
