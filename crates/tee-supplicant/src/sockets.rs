//! `OPTEE_RPC_CMD_SOCKET`: the GP sockets of TAs (OP-TEE's socket
//! pseudo-TA forwards them here), served by the engine in [`crate::socket`].
//!
//! A request goes in three steps so that a wait for the network never
//! holds the supplicant: [`Supplicant::socket_job`] checks the parameters
//! and copies the input out of shared memory, [`SocketJob::run`] does
//! the network part (it may wait; [`crate::run`] gives it a thread of
//! its own), [`Supplicant::socket_done`] writes the output back. Sockets
//! belong to the TA instance the secure world names; `CLOSE_ALL` closes
//! an instance's.

use crate::socket::{Sockets, host_from_c};
use crate::{BAD, Buf, Param, Result, SharedMem, Supplicant, attr, expect, res};
use oxtee_gp::pta_system::socket as gp;
use oxtee_tz_abi::optee::rpc::socket as op;

const VAL_IN: &[u64] = &[attr::VALUE_INPUT];
const VAL_OUT: &[u64] = &[attr::VALUE_OUTPUT, attr::VALUE_INOUT];
const VAL_INOUT: &[u64] = &[attr::VALUE_INOUT];
const MEM_IN: &[u64] = &[attr::MEMREF_INPUT];
const MEM_OUT: &[u64] = &[attr::MEMREF_OUTPUT];
const MEM_INOUT: &[u64] = &[attr::MEMREF_INOUT];

/// The most a single send, receive or ioctl moves.
pub(crate) const MAX_SOCKET_IO: usize = 4 << 20;

/// What a socket request asks, its input copied.
#[derive(Debug)]
enum Op {
    Open {
        ip_version: u32,
        port: u16,
        protocol: u32,
        host: Option<String>,
    },
    Close(u32),
    CloseAll,
    Send {
        handle: u32,
        timeout: u32,
        data: Vec<u8>,
    },
    Recv {
        handle: u32,
        timeout: u32,
        len: usize,
    },
    Ioctl {
        handle: u32,
        command: u32,
        data: Vec<u8>,
    },
}

/// A checked socket request of instance `owner`.
#[derive(Debug)]
pub struct SocketJob {
    owner: u64,
    op: Op,
}

/// A socket request's outcome, to be written back.
#[derive(Debug)]
pub struct SocketDone {
    ret: u32,
    value: u64,
    data: Vec<u8>,
}

fn handle_of(p: &Param) -> Result<u32> {
    u32::try_from(p.c).map_err(|_| BAD)
}

impl SocketJob {
    /// Do it (this may wait for the network as long as its timeout).
    pub fn run(self, socks: &Sockets) -> SocketDone {
        let done = |ret, value, data| SocketDone { ret, value, data };
        let owner = self.owner;
        match self.op {
            Op::Open { host: None, .. } => done(gp::ERROR_HOSTNAME, 0, Vec::new()),
            Op::Open {
                ip_version,
                port,
                protocol,
                host: Some(host),
            } => match socks.open(owner, ip_version, &host, port, protocol, None) {
                Ok(h) => done(res::SUCCESS, h.into(), Vec::new()),
                Err(e) => done(e, 0, Vec::new()),
            },
            Op::Close(h) => done(socks.close(owner, h), 0, Vec::new()),
            Op::CloseAll => {
                socks.close_all(owner);
                done(res::SUCCESS, 0, Vec::new())
            }
            Op::Send {
                handle,
                timeout,
                data,
            } => {
                let (r, n) = socks.send(owner, handle, &data, timeout, None);
                done(r, n as u64, Vec::new())
            }
            Op::Recv {
                handle,
                timeout,
                len,
            } => {
                let (r, d) = socks.recv(owner, handle, len, timeout, None);
                done(r, 0, d)
            }
            Op::Ioctl {
                handle,
                command,
                mut data,
            } => {
                let r = socks.ioctl(owner, handle, command, &mut data);
                done(r, 0, data)
            }
        }
    }
}

impl<S: SharedMem> Supplicant<S> {
    /// Check a socket request and copy its input.
    pub(crate) fn socket_job(&self, params: &[Param]) -> Result<SocketJob> {
        let p0 = params.first().ok_or(BAD)?;
        if !VAL_IN.contains(&p0.attr) {
            return Err(BAD);
        }
        let owner = p0.b;
        let op = match p0.a {
            op::OPEN => {
                expect(params, &[VAL_IN, VAL_IN, MEM_IN, VAL_OUT])?;
                let v = params[1];
                let port = u16::try_from(v.a).map_err(|_| BAD)?;
                let protocol = u32::try_from(v.b).map_err(|_| BAD)?;
                let ip_version = u32::try_from(v.c).map_err(|_| BAD)?;
                let name = self.socket_input(&params[2], gp::MAX_HOST)?;
                Op::Open {
                    ip_version,
                    port,
                    protocol,
                    host: name.as_deref().and_then(host_from_c).map(str::to_owned),
                }
            }
            op::CLOSE => {
                expect(params, &[VAL_IN])?;
                Op::Close(handle_of(p0)?)
            }
            op::CLOSE_ALL => {
                expect(params, &[VAL_IN])?;
                Op::CloseAll
            }
            op::SEND => {
                expect(params, &[VAL_IN, MEM_IN, VAL_INOUT])?;
                let data = self.socket_input(&params[1], MAX_SOCKET_IO)?;
                Op::Send {
                    handle: handle_of(p0)?,
                    timeout: u32::try_from(params[2].a).map_err(|_| BAD)?,
                    data: data.unwrap_or_default(),
                }
            }
            op::RECV => {
                expect(params, &[VAL_IN, MEM_OUT, VAL_IN])?;
                let len = match self.memref(&params[1])? {
                    Buf::Absent => 0,
                    Buf::Region { len, .. } => len,
                };
                if len > MAX_SOCKET_IO {
                    return Err(BAD);
                }
                Op::Recv {
                    handle: handle_of(p0)?,
                    timeout: u32::try_from(params[2].a).map_err(|_| BAD)?,
                    len,
                }
            }
            op::IOCTL => {
                expect(params, &[VAL_IN, MEM_INOUT, VAL_IN])?;
                let data = self.socket_input(&params[1], gp::MAX_HOST)?;
                Op::Ioctl {
                    handle: handle_of(p0)?,
                    command: u32::try_from(params[2].a).map_err(|_| BAD)?,
                    data: data.unwrap_or_default(),
                }
            }
            _ => return Err(BAD),
        };
        Ok(SocketJob { owner, op })
    }

    /// A memory reference's bytes (at most `max`; none: absent).
    fn socket_input(&self, p: &Param, max: usize) -> Result<Option<Vec<u8>>> {
        match self.memref(p)? {
            Buf::Absent => Ok(None),
            Buf::Region { len, .. } if len > max => Err(BAD),
            Buf::Region { id, off, len } => {
                let mut v = vec![0u8; len];
                self.read_shm(id, off, 0, &mut v)?;
                Ok(Some(v))
            }
        }
    }

    /// Write a socket request's outcome into its parameters (and their
    /// shared memory): the result to answer.
    pub(crate) fn socket_done(&self, params: &mut [Param], done: SocketDone) -> u32 {
        let r = (|| -> Result<()> {
            match params.first().map(|p| p.a) {
                Some(op::OPEN) if done.ret == res::SUCCESS => params[3].a = done.value,
                Some(op::SEND) => params[2].b = done.value,
                Some(op::RECV | op::IOCTL) => {
                    let out = &params[1];
                    match self.memref(out)? {
                        Buf::Region { id, off, len } if done.data.len() <= len => {
                            self.write_shm(id, off, 0, &done.data)?;
                        }
                        Buf::Absent if done.data.is_empty() => {}
                        _ => return Err(res::GENERIC),
                    }
                    params[1].b = done.data.len() as u64;
                }
                _ => {}
            }
            Ok(())
        })();
        match r {
            Ok(()) => done.ret,
            Err(e) => e,
        }
    }
}
