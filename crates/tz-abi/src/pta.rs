//! Pseudo-TAs: services inside the secure kernel that the normal world
//! opens by UUID like a TA (OP-TEE's PTAs). A PTA sees GP parameters in
//! secure memory only: the kernel copies memory references in before the
//! call and out after it, so a PTA never touches normal-world memory and
//! never reads a byte twice.

use alloc::boxed::Box;
use alloc::vec::Vec;

use oxtee_gp::{
    TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_CANCEL, TEE_ERROR_GENERIC, TEE_ERROR_NOT_SUPPORTED,
    TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

use crate::rpc::{Rpc, ShmKind, Task};

/// The direction of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
    InOut,
}

impl Dir {
    pub fn input(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }
    pub fn output(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

/// One GP parameter as a PTA sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    None,
    /// `TEE_PARAM_TYPE_VALUE_*`.
    Value {
        a: u32,
        b: u32,
        dir: Dir,
    },
    /// `TEE_PARAM_TYPE_MEMREF_*`: `data` holds the buffer (its input for
    /// In/InOut, zeros for Out); `size` is what the PTA reports back: at
    /// most `data.len()` on success, or the size it needs with
    /// TEE_ERROR_SHORT_BUFFER.
    Memref {
        data: Vec<u8>,
        size: usize,
        dir: Dir,
    },
}

impl Param {
    /// GP's `TEE_PARAM_TYPE_*` number of this parameter.
    pub fn gp_type(&self) -> u32 {
        let d = |dir: Dir| match dir {
            Dir::In => 0,
            Dir::Out => 1,
            Dir::InOut => 2,
        };
        match self {
            Param::None => 0,
            Param::Value { dir, .. } => 1 + d(*dir),
            Param::Memref { dir, .. } => 5 + d(*dir),
        }
    }
}

/// GP's `TEE_PARAM_TYPES(t0, t1, t2, t3)` of a parameter set.
pub fn param_types(p: &[Param; 4]) -> u32 {
    p.iter()
        .enumerate()
        .fold(0, |acc, (i, p)| acc | p.gp_type() << (4 * i))
}

/// No parameters (what a task leaves behind when it moves them).
pub fn no_params() -> [Param; 4] {
    [Param::None, Param::None, Param::None, Param::None]
}

/// How a command went.
pub enum Invoked {
    /// Done: a GP result, the parameters updated in place.
    Done(u32),
    /// It continues across RPCs: the task owns the parameters it took
    /// and gives them back with its result.
    Later(Task),
}

/// A service in the secure kernel.
pub trait Pta {
    /// The UUID clients open it by.
    fn uuid(&self) -> [u8; 16];
    /// A session opens (`session` is its kernel-wide id).
    fn open_session(&mut self, session: u32, params: &mut [Param; 4]) -> u32;
    /// A session closes.
    fn close_session(&mut self, session: u32);
    /// A command: a GP result (origin: the trusted application), now or
    /// after RPCs through `rpc`.
    fn invoke(&mut self, session: u32, cmd: u32, params: &mut [Param; 4], rpc: &Rpc) -> Invoked;
}

/// oxtee's test pseudo-TA, 0e7ee7a0-7e57-4a7a-8e57-7e57a0000001: every
/// parameter type and the size feedback, for the normal world's tests.
///
/// | cmd | parameters | does |
/// |---|---|---|
/// | 0 `VALUES` | value in (a, b), value out | out = (a + b, a * b), wrapping |
/// | 1 `REVERSE` | memref in, memref out | out = in reversed; SHORT_BUFFER and the size needed when out is smaller |
/// | 2 `INC` | memref inout | adds 1 to every byte |
/// | 3 `SESSIONS` | value out | (sessions open on this PTA, calls made in this session) |
/// | 4 `REE_TIME` | value out | (seconds, nanoseconds) of the normal world's clock, by RPC |
/// | 5 `SLEEP` | value in (ms), optional memref inout | sleeps in the normal world in steps of at most 10 ms, then adds 1 to every byte of the memref; CANCEL when the client cancels |
/// | 6 `NOTIFY` | value in (0 wait / 1 send, key) | a notification through the driver |
/// | 7 `RPC_SHM` | value in (size), value out | allocates kernel shared memory by RPC, writes a pattern, reads it back, frees it: out = (size granted, 1 if it read back) |
/// | 8 `THREADS` | value out | (the most calls that waited in RPCs at once, ETHREAD_LIMIT answers) |
#[derive(Default)]
pub struct TestPta {
    /// (session, calls so far).
    sessions: Vec<(u32, u32)>,
}

/// The test PTA's UUID.
pub const TEST_PTA_UUID: [u8; 16] = [
    0x0e, 0x7e, 0xe7, 0xa0, 0x7e, 0x57, 0x4a, 0x7a, 0x8e, 0x57, 0x7e, 0x57, 0xa0, 0x00, 0x00, 0x01,
];

/// The test PTA's commands.
pub mod test_cmd {
    pub const VALUES: u32 = 0;
    pub const REVERSE: u32 = 1;
    pub const INC: u32 = 2;
    pub const SESSIONS: u32 = 3;
    pub const REE_TIME: u32 = 4;
    pub const SLEEP: u32 = 5;
    pub const NOTIFY: u32 = 6;
    pub const RPC_SHM: u32 = 7;
    pub const THREADS: u32 = 8;
}

/// The largest `RPC_SHM` size the test PTA accepts.
pub const TEST_RPC_SHM_MAX: u32 = 1 << 20;

/// The test PTA's sleep: steps of at most 10 ms until `ms` have passed or
/// the client cancels.
async fn sleep(rpc: Rpc, ms: u32) -> u32 {
    let mut left = ms;
    while left > 0 {
        if rpc.cancelled() {
            return TEE_ERROR_CANCEL;
        }
        let step = left.min(10);
        if let Err(code) = rpc.suspend(step).await {
            return code;
        }
        left -= step;
    }
    if rpc.cancelled() {
        TEE_ERROR_CANCEL
    } else {
        TEE_SUCCESS
    }
}

/// The test PTA's shared-memory round trip: (size granted, whether the
/// pattern read back).
async fn shm_round_trip(rpc: Rpc, size: u32) -> Result<(u32, bool), u32> {
    let (shm, granted) = rpc.shm_alloc(ShmKind::Kernel, u64::from(size)).await?;
    let pattern: Vec<u8> = (0..size)
        .map(|i| (i.wrapping_mul(7) ^ (i >> 8)) as u8)
        .collect();
    let checked = async {
        rpc.shm_write(shm, 0, pattern.clone()).await?;
        let back = rpc.shm_read(shm, 0, pattern.len()).await?;
        Ok::<bool, u32>(back == pattern)
    }
    .await;
    // Freed whatever the copies did.
    let freed = rpc.shm_free(shm).await;
    let same = checked?;
    freed?;
    Ok((u32::try_from(granted).unwrap_or(u32::MAX), same))
}

const fn types(t0: u32, t1: u32, t2: u32, t3: u32) -> u32 {
    t0 | t1 << 4 | t2 << 8 | t3 << 12
}

impl Pta for TestPta {
    fn uuid(&self) -> [u8; 16] {
        TEST_PTA_UUID
    }

    fn open_session(&mut self, session: u32, _params: &mut [Param; 4]) -> u32 {
        self.sessions.push((session, 0));
        TEE_SUCCESS
    }

    fn close_session(&mut self, session: u32) {
        self.sessions.retain(|&(s, _)| s != session);
    }

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4], rpc: &Rpc) -> Invoked {
        let open = self.sessions.len() as u32;
        let Some(calls) = self
            .sessions
            .iter_mut()
            .find(|(s, _)| *s == session)
            .map(|(_, c)| c)
        else {
            return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
        };
        *calls += 1;
        let calls = *calls;
        let t = param_types(p);
        let later = |f: Task| Invoked::Later(f);
        match cmd {
            test_cmd::REE_TIME if t == types(2, 0, 0, 0) => {
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    match rpc.time().await {
                        Ok((secs, nanos)) => {
                            let mut p = no_params();
                            p[0] = Param::Value {
                                a: secs as u32,
                                b: nanos,
                                dir: Dir::Out,
                            };
                            (TEE_SUCCESS, p)
                        }
                        Err(code) => (code, no_params()),
                    }
                }))
            }
            test_cmd::SLEEP if t == types(1, 0, 0, 0) || t == types(1, 7, 0, 0) => {
                let Param::Value { a: ms, .. } = p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let mut p = core::mem::replace(p, no_params());
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    let ret = sleep(rpc, ms).await;
                    if let (TEE_SUCCESS, Param::Memref { data, .. }) = (ret, &mut p[1]) {
                        data.iter_mut().for_each(|b| *b = b.wrapping_add(1));
                    }
                    (ret, p)
                }))
            }
            test_cmd::NOTIFY if t == types(1, 0, 0, 0) => {
                let Param::Value { a: op, b: key, .. } = p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                if op > 1 {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                }
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    let ret = match rpc.notify(op == 1, key).await {
                        Ok(()) => TEE_SUCCESS,
                        Err(code) => code,
                    };
                    (ret, no_params())
                }))
            }
            test_cmd::RPC_SHM if t == types(1, 2, 0, 0) => {
                let Param::Value { a: size, .. } = p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                if size == 0 || size > TEST_RPC_SHM_MAX {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                }
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    let mut p = no_params();
                    let ret = match shm_round_trip(rpc, size).await {
                        Ok((granted, same)) => {
                            p[1] = Param::Value {
                                a: granted,
                                b: u32::from(same),
                                dir: Dir::Out,
                            };
                            if same { TEE_SUCCESS } else { TEE_ERROR_GENERIC }
                        }
                        Err(code) => code,
                    };
                    (ret, p)
                }))
            }
            test_cmd::THREADS if t == types(2, 0, 0, 0) => {
                let s = rpc.threads();
                p[0] = Param::Value {
                    a: s.max_in_use,
                    b: s.limit_answers,
                    dir: Dir::Out,
                };
                Invoked::Done(TEE_SUCCESS)
            }
            test_cmd::REE_TIME
            | test_cmd::SLEEP
            | test_cmd::NOTIFY
            | test_cmd::RPC_SHM
            | test_cmd::THREADS => Invoked::Done(TEE_ERROR_BAD_PARAMETERS),
            _ => Invoked::Done(Self::invoke_now(cmd, p, open, calls)),
        }
    }
}

impl TestPta {
    /// The commands that complete at once.
    fn invoke_now(cmd: u32, p: &mut [Param; 4], open: u32, calls: u32) -> u32 {
        let t = param_types(p);
        match cmd {
            test_cmd::VALUES if t == types(1, 2, 0, 0) => {
                let Param::Value { a, b, .. } = p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                p[1] = Param::Value {
                    a: a.wrapping_add(b),
                    b: a.wrapping_mul(b),
                    dir: Dir::Out,
                };
                TEE_SUCCESS
            }
            test_cmd::REVERSE if t == types(5, 6, 0, 0) => {
                let [
                    Param::Memref { data: input, .. },
                    Param::Memref {
                        data: out, size, ..
                    },
                    ..,
                ] = p
                else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                *size = input.len();
                if out.len() < input.len() {
                    return TEE_ERROR_SHORT_BUFFER;
                }
                for (o, i) in out.iter_mut().zip(input.iter().rev()) {
                    *o = *i;
                }
                TEE_SUCCESS
            }
            test_cmd::INC if t == types(7, 0, 0, 0) => {
                let Param::Memref { data, .. } = &mut p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                data.iter_mut().for_each(|b| *b = b.wrapping_add(1));
                TEE_SUCCESS
            }
            test_cmd::SESSIONS if t == types(2, 0, 0, 0) => {
                p[0] = Param::Value {
                    a: open,
                    b: calls,
                    dir: Dir::Out,
                };
                TEE_SUCCESS
            }
            test_cmd::VALUES | test_cmd::REVERSE | test_cmd::INC | test_cmd::SESSIONS => {
                TEE_ERROR_BAD_PARAMETERS
            }
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}
