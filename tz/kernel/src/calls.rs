//! OP-TEE's SMC ABI: fast calls answered from registers, yielding calls
//! with an `optee_msg` argument in normal-world memory.

use oxtee_pl011::log;
use oxtee_tz_abi::optee::{self, MsgArg, OpenSession, result};

use crate::{UART, ns};

/// Secure threads: yielding calls that may be in progress at once
/// (OP-TEE's CFG_NUM_THREADS). Every call completes before the kernel
/// returns to the normal world for now (no RPC yet), so one is in use at
/// a time.
pub const THREADS: u64 = 4;

/// The OS UUID `GET_OS_UUID` answers (oxtee's own, not OP-TEE's).
const OS_UUID: [u32; 4] = [0x6f78_7465, 0x652d_4f53, 0x8000_747a, 0x2d6b_6e6c];
/// The OS revision `GET_OS_REVISION` answers (major, minor).
const OS_REVISION: (u64, u64) = (0, 1);

/// A fast call: x0..x7 in, x0..x3 out.
pub fn fast(regs: &[u64; 8]) -> [u64; 4] {
    let w = |v: [u32; 4]| v.map(u64::from);
    match regs[0] as u32 {
        optee::CALLS_UID => w(optee::API_UID),
        optee::CALLS_REVISION => [optee::API_REVISION.0, optee::API_REVISION.1, 0, 0],
        optee::GET_OS_UUID => w(OS_UUID),
        optee::GET_OS_REVISION => [OS_REVISION.0, OS_REVISION.1, 0, 0],
        optee::EXCHANGE_CAPABILITIES => {
            log!(
                UART,
                "oxtee kernel: capabilities asked (normal world {:#x})\n",
                regs[1]
            );
            // a2: the highest notification value (none are sent yet).
            [optee::RETURN_OK, optee::SEC_CAP_DYNAMIC_SHM, 0, 0]
        }
        // Nothing is cached: the cache is always empty.
        optee::DISABLE_SHM_CACHE => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        optee::ENABLE_SHM_CACHE => [optee::RETURN_OK, 0, 0, 0],
        optee::GET_THREAD_COUNT => [optee::RETURN_OK, THREADS, 0, 0],
        // No reserved shared memory: dynamic shared memory only.
        optee::GET_SHM_CONFIG => [optee::RETURN_ENOTAVAIL, 0, 0, 0],
        _ => [optee::RETURN_UNKNOWN_FUNCTION, 0, 0, 0],
    }
}

/// A yielding call: x0..x7 in, x0..x3 out.
pub fn yielding(regs: &[u64; 8]) -> [u64; 4] {
    let status = match regs[0] as u32 {
        optee::CALL_WITH_ARG => call_with_arg(optee::reg_pair(regs[1], regs[2])),
        // No call is ever suspended in an RPC yet: nothing to resume.
        optee::RETURN_FROM_RPC => optee::RETURN_ERESUME,
        _ => optee::RETURN_UNKNOWN_FUNCTION,
    };
    [status, 0, 0, 0]
}

/// OPTEE_SMC_CALL_WITH_ARG: copy the argument in (header, then the
/// parameters it announces), serve it, copy the answer out.
fn call_with_arg(pa: u64) -> u64 {
    let mut buf = [0u8; optee::arg_size(optee::MAX_PARAMS)];
    if !pa.is_multiple_of(8) || ns::read(pa, &mut buf[..optee::ARG_HEADER_SIZE]).is_err() {
        return optee::RETURN_EBADADDR;
    }
    let n = match MsgArg::announced_params(&buf[..optee::ARG_HEADER_SIZE]) {
        Ok(n) => n,
        Err(_) => return optee::RETURN_EBADCMD,
    };
    let size = optee::arg_size(n);
    if ns::read(pa, &mut buf[..size]).is_err() {
        return optee::RETURN_EBADADDR;
    }
    let Ok(mut arg) = MsgArg::decode(&buf[..size]) else {
        // A parameter with an unknown type: the call itself is answered.
        return reply_bad_parameters(pa, &buf[..size]);
    };
    match arg.cmd {
        optee::CMD_OPEN_SESSION => open_session(&mut arg),
        optee::CMD_INVOKE_COMMAND | optee::CMD_CLOSE_SESSION => {
            // No session exists yet (pseudo-TAs come next).
            arg.ret = result::BAD_PARAMETERS;
            arg.ret_origin = result::ORIGIN_TEE;
        }
        optee::CMD_CANCEL => {
            arg.ret = result::SUCCESS;
            arg.ret_origin = result::ORIGIN_TEE;
        }
        optee::CMD_REGISTER_SHM | optee::CMD_UNREGISTER_SHM => {
            arg.ret = result::NOT_SUPPORTED;
            arg.ret_origin = result::ORIGIN_TEE;
        }
        _ => return optee::RETURN_EBADCMD,
    }
    if arg.encode(&mut buf[..size]).is_err() || ns::write(pa, &buf[..size]).is_err() {
        return optee::RETURN_EBADADDR;
    }
    optee::RETURN_OK
}

fn reply_bad_parameters(pa: u64, copy: &[u8]) -> u64 {
    let mut out = [0u8; optee::arg_size(optee::MAX_PARAMS)];
    out[..copy.len()].copy_from_slice(copy);
    out[20..24].copy_from_slice(&result::BAD_PARAMETERS.to_le_bytes());
    out[24..28].copy_from_slice(&result::ORIGIN_TEE.to_le_bytes());
    match ns::write(pa, &out[..copy.len()]) {
        Ok(()) => optee::RETURN_OK,
        Err(_) => optee::RETURN_EBADADDR,
    }
}

fn open_session(arg: &mut MsgArg) {
    let Some(ids) = OpenSession::from_arg(arg) else {
        arg.ret = result::BAD_PARAMETERS;
        arg.ret_origin = result::ORIGIN_TEE;
        return;
    };
    let u = ids.uuid;
    log!(
        UART,
        "oxtee kernel: open session {:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x} (login {:#x}): no such TA\n",
        u[0],
        u[1],
        u[2],
        u[3],
        u[4],
        u[5],
        u[6],
        u[7],
        u[8],
        u[9],
        u[10],
        u[11],
        u[12],
        u[13],
        u[14],
        u[15],
        ids.login
    );
    arg.ret = result::ITEM_NOT_FOUND;
    arg.ret_origin = result::ORIGIN_TEE;
}
