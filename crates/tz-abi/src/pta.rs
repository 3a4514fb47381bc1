//! Pseudo-TAs: services inside the secure kernel that the normal world
//! opens by UUID like a TA (OP-TEE's PTAs). A PTA sees GP parameters in
//! secure memory only: the kernel copies memory references in before the
//! call and out after it, so a PTA never touches normal-world memory and
//! never reads a byte twice.

use alloc::vec::Vec;

use oxtee_gp::{
    TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_NOT_SUPPORTED, TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

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

/// A service in the secure kernel.
pub trait Pta {
    /// The UUID clients open it by.
    fn uuid(&self) -> [u8; 16];
    /// A session opens (`session` is its kernel-wide id).
    fn open_session(&mut self, session: u32, params: &mut [Param; 4]) -> u32;
    /// A session closes.
    fn close_session(&mut self, session: u32);
    /// A command: a GP result (origin: the trusted application).
    fn invoke(&mut self, session: u32, cmd: u32, params: &mut [Param; 4]) -> u32;
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

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let open = self.sessions.len() as u32;
        let Some(calls) = self
            .sessions
            .iter_mut()
            .find(|(s, _)| *s == session)
            .map(|(_, c)| c)
        else {
            return TEE_ERROR_BAD_PARAMETERS;
        };
        *calls += 1;
        let calls = *calls;
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
