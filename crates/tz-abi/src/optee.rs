//! OP-TEE's SMC interface (`optee_smc.h`) and message arguments
//! (`optee_msg.h`), as Linux's `optee` driver uses them.
//!
//! A yielding call passes the physical address of a `struct optee_msg_arg`
//! in normal-world memory. The secure kernel copies it into secure memory
//! once ([`ARG_HEADER_SIZE`] first, then the parameters the header
//! announces) and decodes the copy with [`MsgArg::decode`]; the normal
//! world may change its copy at any time and is never read twice.

// --- SMC function identifiers -------------------------------------------

/// `OPTEE_SMC_CALLS_COUNT`.
pub const CALLS_COUNT: u32 = 0xBF00_FF00;
/// `OPTEE_SMC_CALLS_UID`.
pub const CALLS_UID: u32 = 0xBF00_FF01;
/// `OPTEE_SMC_CALLS_REVISION`.
pub const CALLS_REVISION: u32 = 0xBF00_FF03;
/// `OPTEE_SMC_CALL_GET_OS_UUID`.
pub const GET_OS_UUID: u32 = 0xB200_0000;
/// `OPTEE_SMC_CALL_GET_OS_REVISION`.
pub const GET_OS_REVISION: u32 = 0xB200_0001;
/// `OPTEE_SMC_CALL_RETURN_FROM_RPC` (yielding).
pub const RETURN_FROM_RPC: u32 = 0x3200_0003;
/// `OPTEE_SMC_CALL_WITH_ARG` (yielding).
pub const CALL_WITH_ARG: u32 = 0x3200_0004;
/// `OPTEE_SMC_GET_SHM_CONFIG`.
pub const GET_SHM_CONFIG: u32 = 0xB200_0007;
/// `OPTEE_SMC_L2CC_MUTEX`.
pub const L2CC_MUTEX: u32 = 0xB200_0008;
/// `OPTEE_SMC_EXCHANGE_CAPABILITIES`.
pub const EXCHANGE_CAPABILITIES: u32 = 0xB200_0009;
/// `OPTEE_SMC_DISABLE_SHM_CACHE`.
pub const DISABLE_SHM_CACHE: u32 = 0xB200_000A;
/// `OPTEE_SMC_ENABLE_SHM_CACHE`.
pub const ENABLE_SHM_CACHE: u32 = 0xB200_000B;
/// `OPTEE_SMC_GET_THREAD_COUNT`.
pub const GET_THREAD_COUNT: u32 = 0xB200_000F;
/// `OPTEE_SMC_ENABLE_ASYNC_NOTIF`.
pub const ENABLE_ASYNC_NOTIF: u32 = 0xB200_0010;
/// `OPTEE_SMC_CALL_WITH_RPC_ARG` (yielding).
pub const CALL_WITH_RPC_ARG: u32 = 0x3200_0012;
/// `OPTEE_SMC_CALL_WITH_REGD_ARG` (yielding).
pub const CALL_WITH_REGD_ARG: u32 = 0x3200_0013;

// --- return values (a0) -------------------------------------------------

/// `OPTEE_SMC_RETURN_OK`.
pub const RETURN_OK: u64 = 0;
/// `OPTEE_SMC_RETURN_ETHREAD_LIMIT`: no free secure thread; retry later.
pub const RETURN_ETHREAD_LIMIT: u64 = 1;
/// `OPTEE_SMC_RETURN_EBUSY`.
pub const RETURN_EBUSY: u64 = 2;
/// `OPTEE_SMC_RETURN_ERESUME`.
pub const RETURN_ERESUME: u64 = 3;
/// `OPTEE_SMC_RETURN_EBADADDR`.
pub const RETURN_EBADADDR: u64 = 4;
/// `OPTEE_SMC_RETURN_EBADCMD`.
pub const RETURN_EBADCMD: u64 = 5;
/// `OPTEE_SMC_RETURN_ENOMEM`.
pub const RETURN_ENOMEM: u64 = 6;
/// `OPTEE_SMC_RETURN_ENOTAVAIL`.
pub const RETURN_ENOTAVAIL: u64 = 7;
/// `OPTEE_SMC_RETURN_UNKNOWN_FUNCTION`.
pub const RETURN_UNKNOWN_FUNCTION: u64 = 0xFFFF_FFFF;
/// `OPTEE_SMC_RETURN_RPC_CMD`: the secure world asks the normal world to
/// serve the RPC argument it wrote (after the call's own argument, with
/// `SEC_CAP_RPC_ARG`); x3 names the waiting thread, which
/// `RETURN_FROM_RPC` hands back in x3.
pub const RETURN_RPC_CMD: u64 = 0xFFFF_0005;
/// `OPTEE_SMC_RETURN_RPC_FOREIGN_INTR`: an interrupt of the normal world
/// arrived while the secure world ran; the normal world takes it and
/// resumes the thread in x3 with `RETURN_FROM_RPC` (no RPC argument).
pub const RETURN_RPC_FOREIGN_INTR: u64 = 0xFFFF_0004;

// --- capabilities -------------------------------------------------------

/// `OPTEE_SMC_NSEC_CAP_UNIPROCESSOR`.
pub const NSEC_CAP_UNIPROCESSOR: u64 = 1 << 0;
/// `OPTEE_SMC_SEC_CAP_HAVE_RESERVED_SHM`.
pub const SEC_CAP_HAVE_RESERVED_SHM: u64 = 1 << 0;
/// `OPTEE_SMC_SEC_CAP_UNREGISTERED_SHM`.
pub const SEC_CAP_UNREGISTERED_SHM: u64 = 1 << 1;
/// `OPTEE_SMC_SEC_CAP_DYNAMIC_SHM`: any normal-world RAM can carry
/// arguments; REGISTER_SHM/UNREGISTER_SHM are supported.
pub const SEC_CAP_DYNAMIC_SHM: u64 = 1 << 2;
/// `OPTEE_SMC_SEC_CAP_MEMREF_NULL`.
pub const SEC_CAP_MEMREF_NULL: u64 = 1 << 4;
/// `OPTEE_SMC_SEC_CAP_RPC_ARG`: the RPC argument follows the call's
/// (`CALL_WITH_RPC_ARG`), and arguments may live in registered shared
/// memory (`CALL_WITH_REGD_ARG`); a3 of the answer is the RPC argument's
/// parameter count.
pub const SEC_CAP_RPC_ARG: u64 = 1 << 6;

/// The API UID `CALLS_UID` answers: 384fb3e0-e7f8-11e3-af63-0002a5d5c51b
/// (`OPTEE_MSG_UID_0..3`), which Linux's driver checks.
pub const API_UID: [u32; 4] = [0x384f_b3e0, 0xe7f8_11e3, 0xaf63_0002, 0xa5d5_c51b];
/// API revision 2.0 (`OPTEE_MSG_REVISION_MAJOR/MINOR`).
pub const API_REVISION: (u64, u64) = (2, 0);

// --- optee_msg ----------------------------------------------------------

/// `OPTEE_MSG_CMD_OPEN_SESSION`.
pub const CMD_OPEN_SESSION: u32 = 0;
/// `OPTEE_MSG_CMD_INVOKE_COMMAND`.
pub const CMD_INVOKE_COMMAND: u32 = 1;
/// `OPTEE_MSG_CMD_CLOSE_SESSION`.
pub const CMD_CLOSE_SESSION: u32 = 2;
/// `OPTEE_MSG_CMD_CANCEL`.
pub const CMD_CANCEL: u32 = 3;
/// `OPTEE_MSG_CMD_REGISTER_SHM`.
pub const CMD_REGISTER_SHM: u32 = 4;
/// `OPTEE_MSG_CMD_UNREGISTER_SHM`.
pub const CMD_UNREGISTER_SHM: u32 = 5;

/// Size of `struct optee_msg_arg` without parameters.
pub const ARG_HEADER_SIZE: usize = 32;
/// Size of one `struct optee_msg_param`.
pub const PARAM_SIZE: usize = 32;
/// Parameters oxtee accepts in one argument: the four GP parameters and
/// the two meta parameters of an open session.
pub const MAX_PARAMS: usize = 6;

/// `OPTEE_MSG_GET_ARG_SIZE(n)`.
pub const fn arg_size(num_params: usize) -> usize {
    ARG_HEADER_SIZE + PARAM_SIZE * num_params
}

/// Attribute bits (`OPTEE_MSG_ATTR_*`).
pub const ATTR_TYPE_MASK: u64 = 0xFF;
/// `OPTEE_MSG_ATTR_META`.
pub const ATTR_META: u64 = 1 << 8;
/// `OPTEE_MSG_ATTR_NONCONTIG`: the memref is a list of pages.
pub const ATTR_NONCONTIG: u64 = 1 << 9;
/// `OPTEE_MSG_ATTR_CACHE_SHIFT` and mask.
pub const ATTR_CACHE_MASK: u64 = 0x7 << 16;

/// The GP result codes and origins the kernel answers with.
pub mod result {
    pub use oxtee_gp::{
        ORIGIN_COMMS, ORIGIN_TEE, TEE_ERROR_BAD_PARAMETERS as BAD_PARAMETERS,
        TEE_ERROR_GENERIC as GENERIC, TEE_ERROR_ITEM_NOT_FOUND as ITEM_NOT_FOUND,
        TEE_ERROR_NOT_SUPPORTED as NOT_SUPPORTED, TEE_SUCCESS as SUCCESS,
    };
}

/// The type of a parameter (`OPTEE_MSG_ATTR_TYPE_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    /// 0.
    None,
    /// 1, 2, 3: a value (a, b, c).
    Value { input: bool, output: bool },
    /// 5, 6, 7: registered memory (offset into a registered buffer).
    Rmem { input: bool, output: bool },
    /// 9, 10, 11: temporary memory (a physical address, or a page list).
    Tmem { input: bool, output: bool },
}

impl ParamType {
    /// A memory reference (registered or temporary).
    pub fn is_memref(self) -> bool {
        matches!(self, ParamType::Rmem { .. } | ParamType::Tmem { .. })
    }

    /// Written by the secure world.
    pub fn output(self) -> bool {
        match self {
            ParamType::None => false,
            ParamType::Value { output, .. }
            | ParamType::Rmem { output, .. }
            | ParamType::Tmem { output, .. } => output,
        }
    }
}

/// What is wrong with an argument structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgError {
    /// Fewer bytes than the header or its parameters need.
    Truncated,
    /// More parameters than [`MAX_PARAMS`].
    TooManyParams,
    /// An unknown type or attribute bit in parameter `n`.
    BadAttr(usize),
}

/// One `struct optee_msg_param`: the attribute and the three words of its
/// union (value a/b/c, tmem buf_ptr/size/shm_ref, rmem offs/size/shm_ref).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgParam {
    pub attr: u64,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

impl MsgParam {
    /// The parameter's type; unknown types and attribute bits are refused.
    pub fn param_type(&self) -> Option<ParamType> {
        let t = self.attr & ATTR_TYPE_MASK;
        let known = ATTR_TYPE_MASK | ATTR_META | ATTR_NONCONTIG | ATTR_CACHE_MASK;
        if self.attr & !known != 0 {
            return None;
        }
        let io = |t: u64| (t & 1 != 0, t & 2 != 0);
        let ty = match t {
            0 => ParamType::None,
            1..=3 => {
                let (input, output) = io(t);
                ParamType::Value { input, output }
            }
            5..=7 => {
                let (input, output) = io(t - 4);
                ParamType::Rmem { input, output }
            }
            9..=11 => {
                let (input, output) = io(t - 8);
                ParamType::Tmem { input, output }
            }
            _ => return None,
        };
        // Only memory references may be page lists.
        if self.attr & ATTR_NONCONTIG != 0 && !matches!(ty, ParamType::Tmem { .. }) {
            return None;
        }
        Some(ty)
    }

    /// A meta parameter (the TA and client identities of an open session).
    pub fn is_meta(&self) -> bool {
        self.attr & ATTR_META != 0
    }

    fn decode(b: &[u8]) -> MsgParam {
        MsgParam {
            attr: le64(&b[0..8]),
            a: le64(&b[8..16]),
            b: le64(&b[16..24]),
            c: le64(&b[24..32]),
        }
    }

    fn encode(&self, out: &mut [u8]) {
        out[0..8].copy_from_slice(&self.attr.to_le_bytes());
        out[8..16].copy_from_slice(&self.a.to_le_bytes());
        out[16..24].copy_from_slice(&self.b.to_le_bytes());
        out[24..32].copy_from_slice(&self.c.to_le_bytes());
    }
}

/// A decoded `struct optee_msg_arg` (a private copy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgArg {
    pub cmd: u32,
    pub func: u32,
    pub session: u32,
    pub cancel_id: u32,
    pub ret: u32,
    pub ret_origin: u32,
    pub num_params: usize,
    pub params: [MsgParam; MAX_PARAMS],
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

impl MsgArg {
    /// The number of parameters a header announces, bounded: how many
    /// bytes to copy after the header. `header` is at least
    /// [`ARG_HEADER_SIZE`] bytes.
    pub fn announced_params(header: &[u8]) -> Result<usize, ArgError> {
        if header.len() < ARG_HEADER_SIZE {
            return Err(ArgError::Truncated);
        }
        let n = le32(&header[28..32]) as usize;
        if n > MAX_PARAMS {
            return Err(ArgError::TooManyParams);
        }
        Ok(n)
    }

    /// Decode a private copy of an argument structure: the header and the
    /// parameters it announces (bytes beyond them are ignored). Every
    /// parameter's attribute is checked.
    pub fn decode(bytes: &[u8]) -> Result<MsgArg, ArgError> {
        let n = Self::announced_params(bytes)?;
        if bytes.len() < arg_size(n) {
            return Err(ArgError::Truncated);
        }
        let mut arg = MsgArg {
            cmd: le32(&bytes[0..4]),
            func: le32(&bytes[4..8]),
            session: le32(&bytes[8..12]),
            cancel_id: le32(&bytes[12..16]),
            ret: le32(&bytes[20..24]),
            ret_origin: le32(&bytes[24..28]),
            num_params: n,
            params: [MsgParam::default(); MAX_PARAMS],
        };
        for i in 0..n {
            let at = ARG_HEADER_SIZE + i * PARAM_SIZE;
            let p = MsgParam::decode(&bytes[at..at + PARAM_SIZE]);
            if p.param_type().is_none() {
                return Err(ArgError::BadAttr(i));
            }
            arg.params[i] = p;
        }
        Ok(arg)
    }

    /// Encode the fields the secure world answers with (session, ret,
    /// ret_origin and the parameters) over `out`, a copy of the caller's
    /// structure of at least `arg_size(self.num_params)` bytes; the
    /// caller's other fields are written back as decoded.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), ArgError> {
        if out.len() < arg_size(self.num_params) {
            return Err(ArgError::Truncated);
        }
        out[0..4].copy_from_slice(&self.cmd.to_le_bytes());
        out[4..8].copy_from_slice(&self.func.to_le_bytes());
        out[8..12].copy_from_slice(&self.session.to_le_bytes());
        out[12..16].copy_from_slice(&self.cancel_id.to_le_bytes());
        out[16..20].copy_from_slice(&0u32.to_le_bytes());
        out[20..24].copy_from_slice(&self.ret.to_le_bytes());
        out[24..28].copy_from_slice(&self.ret_origin.to_le_bytes());
        out[28..32].copy_from_slice(&(self.num_params as u32).to_le_bytes());
        for i in 0..self.num_params {
            let at = ARG_HEADER_SIZE + i * PARAM_SIZE;
            self.params[i].encode(&mut out[at..at + PARAM_SIZE]);
        }
        Ok(())
    }

    /// The parameters in use.
    pub fn params(&self) -> &[MsgParam] {
        &self.params[..self.num_params]
    }
}

/// The identities of an OPEN_SESSION: its two leading meta value
/// parameters (TA UUID; client UUID and login).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenSession {
    /// The TA's UUID in its 16 octets (RFC 4122 order, as GP's TEE_UUID
    /// is laid out big-endian on the wire by Linux's `export_uuid`).
    pub uuid: [u8; 16],
    /// The client's identity UUID (octets).
    pub client: [u8; 16],
    /// `TEE_LOGIN_*`.
    pub login: u32,
}

impl OpenSession {
    /// The identities, if the first two parameters are meta value inputs
    /// (Linux's driver always sends them so).
    pub fn from_arg(arg: &MsgArg) -> Option<OpenSession> {
        let [p0, p1] = [arg.params.first()?, arg.params.get(1)?];
        if arg.num_params < 2 {
            return None;
        }
        let meta_value_in = |p: &MsgParam| {
            p.is_meta()
                && p.param_type()
                    == Some(ParamType::Value {
                        input: true,
                        output: false,
                    })
        };
        if !meta_value_in(p0) || !meta_value_in(p1) {
            return None;
        }
        let octets = |p: &MsgParam| {
            let mut u = [0u8; 16];
            u[..8].copy_from_slice(&p.a.to_le_bytes());
            u[8..].copy_from_slice(&p.b.to_le_bytes());
            u
        };
        Some(OpenSession {
            uuid: octets(p0),
            client: octets(p1),
            login: p1.c as u32,
        })
    }
}

/// A physical range the normal world names, checked against the
/// normal-world RAM the secure kernel may touch: the range lies inside
/// `[ram_start, ram_end)` and does not wrap.
pub fn ns_range_ok(pa: u64, len: u64, ram_start: u64, ram_end: u64) -> bool {
    pa >= ram_start && pa.checked_add(len).is_some_and(|end| end <= ram_end)
}

/// The physical address a yielding call passes in a1 (upper 32 bits) and
/// a2 (lower 32 bits); the upper halves of the registers are ignored (the
/// driver passes 32-bit values).
pub fn reg_pair(hi: u64, lo: u64) -> u64 {
    ((hi & 0xFFFF_FFFF) << 32) | (lo & 0xFFFF_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(cmd: u32, n: u32) -> [u8; ARG_HEADER_SIZE] {
        let mut h = [0u8; ARG_HEADER_SIZE];
        h[0..4].copy_from_slice(&cmd.to_le_bytes());
        h[8..12].copy_from_slice(&7u32.to_le_bytes());
        h[28..32].copy_from_slice(&n.to_le_bytes());
        h
    }

    fn with_params(cmd: u32, ps: &[MsgParam]) -> [u8; arg_size(MAX_PARAMS)] {
        let mut b = [0u8; arg_size(MAX_PARAMS)];
        b[..ARG_HEADER_SIZE].copy_from_slice(&header(cmd, ps.len() as u32));
        for (i, p) in ps.iter().enumerate() {
            let at = ARG_HEADER_SIZE + i * PARAM_SIZE;
            p.encode(&mut b[at..at + PARAM_SIZE]);
        }
        b
    }

    #[test]
    fn header_bounds_the_copy() {
        assert_eq!(MsgArg::announced_params(&header(1, 4)), Ok(4));
        assert_eq!(
            MsgArg::announced_params(&header(1, 7)),
            Err(ArgError::TooManyParams)
        );
        assert_eq!(
            MsgArg::announced_params(&header(1, u32::MAX)),
            Err(ArgError::TooManyParams)
        );
        assert_eq!(
            MsgArg::announced_params(&[0u8; 31]),
            Err(ArgError::Truncated)
        );
        // Announces 2 but only one follows.
        let b = with_params(1, &[MsgParam::default(); 2]);
        assert_eq!(MsgArg::decode(&b[..arg_size(1)]), Err(ArgError::Truncated));
        assert_eq!(MsgArg::decode(&b[..arg_size(2)]).unwrap().num_params, 2);
    }

    #[test]
    fn attributes_are_checked() {
        let ok = [1, 2, 3, 5, 6, 7, 9, 10, 11, 0];
        for t in ok {
            let p = MsgParam {
                attr: t,
                ..Default::default()
            };
            assert!(p.param_type().is_some(), "{t}");
        }
        for t in [4, 8, 12, 0xFF] {
            let p = MsgParam {
                attr: t,
                ..Default::default()
            };
            assert!(p.param_type().is_none(), "{t}");
        }
        // A page list of a value, unknown high bits: refused.
        let bad = [1 | ATTR_NONCONTIG, 9 | (1 << 40), 9 | (1 << 10)];
        for attr in bad {
            let b = with_params(
                1,
                &[MsgParam {
                    attr,
                    ..Default::default()
                }],
            );
            assert_eq!(MsgArg::decode(&b), Err(ArgError::BadAttr(0)), "{attr:#x}");
        }
        let tmem_pages = MsgParam {
            attr: 11 | ATTR_NONCONTIG | (1 << 16),
            ..Default::default()
        };
        assert_eq!(
            tmem_pages.param_type(),
            Some(ParamType::Tmem {
                input: true,
                output: true
            })
        );
    }

    #[test]
    fn round_trip_and_open_session_identities() {
        let uuid: [u8; 16] = *b"\x8a\xaa\xf2\x00\x24\x50\x11\xe4\xab\xe2\x00\x02\xa5\xd5\xc5\x1b";
        let client = [0x11u8; 16];
        let meta = |u: [u8; 16], c: u64| MsgParam {
            attr: 1 | ATTR_META,
            a: u64::from_le_bytes(u[..8].try_into().unwrap()),
            b: u64::from_le_bytes(u[8..].try_into().unwrap()),
            c,
        };
        let v = MsgParam {
            attr: 3,
            a: 5,
            b: 6,
            c: 7,
        };
        let b = with_params(CMD_OPEN_SESSION, &[meta(uuid, 0), meta(client, 4), v]);
        let mut arg = MsgArg::decode(&b).unwrap();
        assert_eq!(arg.cmd, CMD_OPEN_SESSION);
        assert_eq!(arg.session, 7);
        assert_eq!(arg.params().len(), 3);
        let os = OpenSession::from_arg(&arg).unwrap();
        assert_eq!(os.uuid, uuid);
        assert_eq!(os.client, client);
        assert_eq!(os.login, 4);
        arg.ret = result::ITEM_NOT_FOUND;
        arg.ret_origin = result::ORIGIN_TEE;
        let mut out = [0u8; arg_size(3)];
        arg.encode(&mut out).unwrap();
        assert_eq!(MsgArg::decode(&out).unwrap(), arg);
        assert_eq!(
            arg.encode(&mut out[..arg_size(2)]),
            Err(ArgError::Truncated)
        );
        // Not meta, or not a value input: no identities.
        let b = with_params(CMD_OPEN_SESSION, &[v, meta(client, 0)]);
        assert_eq!(OpenSession::from_arg(&MsgArg::decode(&b).unwrap()), None);
        let b = with_params(CMD_OPEN_SESSION, &[meta(uuid, 0)]);
        assert_eq!(OpenSession::from_arg(&MsgArg::decode(&b).unwrap()), None);
    }

    #[test]
    fn normal_world_ranges() {
        let (s, e) = (0x4000_0000, 0x8000_0000);
        assert!(ns_range_ok(s, 32, s, e));
        assert!(ns_range_ok(e - 32, 32, s, e));
        assert!(!ns_range_ok(e - 31, 32, s, e));
        assert!(!ns_range_ok(0x0e00_0000, 32, s, e)); // secure RAM
        assert!(!ns_range_ok(u64::MAX - 8, 32, s, e));
        assert_eq!(
            reg_pair(0xFFFF_FFFF_0000_0001, 0xFFFF_FFFF_4000_1000),
            0x1_4000_1000
        );
    }
}

/// OP-TEE's RPCs: what the secure world asks the normal world for, in an
/// `optee_msg` argument of its own (`optee_rpc_cmd.h`). Linux's driver
/// serves some itself and forwards the rest to the supplicant.
pub mod rpc {
    /// `OPTEE_RPC_CMD_*`.
    pub mod cmd {
        /// Load a TA image: value 0 the UUID, memref 1 the buffer (or
        /// none, to learn the size). The supplicant.
        pub const LOAD_TA: u32 = 0;
        /// Replay-protected memory block frames. The supplicant.
        pub const RPMB: u32 = 1;
        /// The REE file system (operations in [`super::fs`]). The
        /// supplicant.
        pub const FS: u32 = 2;
        /// The normal world's wall-clock time. The driver.
        pub const GET_TIME: u32 = 3;
        /// Wait for or send a notification. The driver.
        pub const NOTIFICATION: u32 = 4;
        /// Sleep a number of milliseconds. The driver.
        pub const SUSPEND: u32 = 5;
        /// Allocate shared memory: value 0 (type, size, alignment).
        pub const SHM_ALLOC: u32 = 6;
        /// Free shared memory: value 0 (type, the allocation's reference).
        pub const SHM_FREE: u32 = 7;
        /// Profiling data. The supplicant.
        pub const GPROF: u32 = 9;
        /// Sockets. The supplicant.
        pub const SOCKET: u32 = 10;
    }

    /// `OPTEE_RPC_CMD_SOCKET`'s operations (value 0's `a`; its `b` is the
    /// TA instance the socket belongs to, its `c` the socket's handle):
    /// OPEN (value 1: port, protocol, IP version; memref 2: the server,
    /// NUL-terminated; value 3 out: the handle), CLOSE, CLOSE_ALL (the
    /// instance's), SEND (memref 1 in; value 2 inout: a the timeout, b
    /// the bytes sent), RECV (memref 1 out; value 2: the timeout), IOCTL
    /// (memref 1 inout; value 2: the command).
    pub mod socket {
        pub const OPEN: u64 = 0;
        pub const CLOSE: u64 = 1;
        pub const CLOSE_ALL: u64 = 2;
        pub const SEND: u64 = 3;
        pub const RECV: u64 = 4;
        pub const IOCTL: u64 = 5;
    }

    /// `OPTEE_RPC_NOTIFICATION_WAIT`.
    pub const NOTIFICATION_WAIT: u64 = 0;
    /// `OPTEE_RPC_NOTIFICATION_SEND`.
    pub const NOTIFICATION_SEND: u64 = 1;

    /// `OPTEE_RPC_SHM_TYPE_APPL`: memory of the supplicant (user space).
    pub const SHM_TYPE_APPL: u64 = 0;
    /// `OPTEE_RPC_SHM_TYPE_KERNEL`: memory of the driver.
    pub const SHM_TYPE_KERNEL: u64 = 1;

    /// The REE file system's operations (`OPTEE_RPC_FS_*`, value 0's `a`
    /// of a [`cmd::FS`] request).
    pub mod fs {
        pub const OPEN: u64 = 0;
        pub const CREATE: u64 = 1;
        pub const CLOSE: u64 = 2;
        pub const READ: u64 = 3;
        pub const WRITE: u64 = 4;
        pub const TRUNCATE: u64 = 5;
        pub const REMOVE: u64 = 6;
        pub const RENAME: u64 = 7;
        pub const OPENDIR: u64 = 8;
        pub const CLOSEDIR: u64 = 9;
        pub const READDIR: u64 = 10;
    }
}
