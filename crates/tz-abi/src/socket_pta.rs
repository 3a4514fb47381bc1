//! OP-TEE's socket pseudo-TA (`pta_socket.h`) in the secure kernel: the
//! GP TEE Sockets API of user TAs (`TEE_tcpSocket`/`TEE_udpSocket` in the
//! devkit, `oxtee_ta_sdk::socket`), forwarded to the normal world's
//! supplicant as `OPTEE_RPC_CMD_SOCKET`, which holds the sockets (the
//! same engine as the host tier's, `oxtee_tee_supplicant::socket`).
//!
//! Each command is a task: the data goes through application shared
//! memory allocated for the call, the answer is checked (a count never
//! above what was sent, data never longer than the buffer). The
//! supplicant keeps sockets per session of this PTA (the "instance id"
//! of OP-TEE's RPC is the session's kernel-wide id), so one TA cannot
//! name another's sockets; closing the session closes its sockets
//! (`CLOSE_ALL`), as OP-TEE does when a TA's session with it ends.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use oxtee_core::pta::types;
use oxtee_gp::pta_system::socket as gp;
use oxtee_gp::{
    TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_GENERIC, TEE_ERROR_NOT_SUPPORTED,
    TEE_SUCCESS,
};

use crate::optee::rpc::{cmd as rpc_cmd, socket as op};
use crate::pta::{
    Client, Dir, Invoked, Param, Pta, memref_param, no_params, param_types, value_in, with_shm,
};
use crate::rpc::{Rpc, RpcParam, Task};

/// The most one send, receive or ioctl moves (what the supplicant
/// serves; the devkit's library and the Rust SDK send in pieces of
/// 64 KiB).
pub const MAX_IO: usize = 4 << 20;

/// The socket PTA: its open sessions (TAs only).
#[derive(Default)]
pub struct SocketPta {
    sessions: Vec<u32>,
}

fn value(p: &Param) -> (u32, u32) {
    match p {
        Param::Value { a, b, .. } => (*a, *b),
        _ => (0, 0),
    }
}

/// A memref's bytes (moved out of the parameters).
fn take_data(p: &mut Param) -> Vec<u8> {
    match p {
        Param::Memref { data, .. } => core::mem::take(data),
        _ => Vec::new(),
    }
}

/// A server name as TAs pass it: NUL-terminated, no other NUL, at most
/// [`gp::MAX_HOST`] bytes with the NUL.
fn host_ok(name: &[u8]) -> bool {
    matches!(name.split_last(), Some((0, rest)) if !rest.is_empty() && !rest.contains(&0))
        && name.len() <= gp::MAX_HOST
}

/// `data` into fresh application shared memory of `size` bytes for one
/// supplicant request: the answer's parameters, and with `back` what the
/// supplicant wrote there (the size its memref 1 answers).
async fn with_data(
    rpc: &Rpc,
    data: Vec<u8>,
    size: u64,
    back: bool,
    mk: impl FnOnce(Option<crate::rpc::ShmId>) -> Vec<RpcParam>,
) -> Result<(Vec<RpcParam>, Vec<u8>), u32> {
    if size == 0 {
        let q = rpc.supplicant(rpc_cmd::SOCKET, mk(None)).await?;
        return Ok((q, Vec::new()));
    }
    let inner = rpc.clone();
    with_shm(rpc, size, |shm| async move {
        let rpc = inner;
        if !data.is_empty() {
            rpc.shm_write(shm, 0, data).await?;
        }
        let q = rpc.supplicant(rpc_cmd::SOCKET, mk(Some(shm))).await?;
        if !back {
            return Ok((q, Vec::new()));
        }
        // What came back: the size answered, within the memory.
        let n = match q.get(1) {
            Some(&RpcParam::Memref { size: n, .. }) if n <= size => n as usize,
            Some(&RpcParam::Memref { .. }) => return Err(TEE_ERROR_GENERIC),
            _ => 0,
        };
        let back = if n > 0 {
            rpc.shm_read(shm, 0, n).await?
        } else {
            Vec::new()
        };
        Ok((q, back))
    })
    .await
}

/// The supplicant's result: the request's own result is the RPC's.
fn result(r: Result<(Vec<RpcParam>, Vec<u8>), u32>) -> (u32, Vec<RpcParam>, Vec<u8>) {
    match r {
        Ok((q, d)) => (TEE_SUCCESS, q, d),
        Err(code) => (code, Vec::new(), Vec::new()),
    }
}

impl Pta for SocketPta {
    fn uuid(&self) -> [u8; 16] {
        gp::UUID
    }

    fn open_session(&mut self, session: u32, client: &Client, _: &mut [Param; 4]) -> u32 {
        if client.ta.is_none() || client.login != oxtee_gp::LOGIN_TRUSTED_APP {
            return TEE_ERROR_ACCESS_DENIED;
        }
        self.sessions.push(session);
        TEE_SUCCESS
    }

    fn close_session(&mut self, session: u32) {
        self.sessions.retain(|&s| s != session);
    }

    /// The session's sockets are closed in the normal world.
    fn close_session_waiting(&mut self, session: u32, rpc: &Rpc) -> Option<Task> {
        self.close_session(session);
        let rpc = rpc.clone();
        Some(Box::pin(async move {
            let q = vec![value_in(op::CLOSE_ALL, session.into(), 0)];
            let r = rpc.supplicant(rpc_cmd::SOCKET, q).await;
            (r.map_or_else(|e| e, |_| TEE_SUCCESS), no_params())
        }))
    }

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4], rpc: &Rpc) -> Invoked {
        if !self.sessions.contains(&session) {
            return Invoked::Done(TEE_ERROR_ACCESS_DENIED);
        }
        let who: u64 = session.into();
        let t = param_types(p);
        let (a, b) = value(&p[0]);
        let rpc = rpc.clone();
        let later = |f: Task| Invoked::Later(f);
        match cmd {
            gp::OPEN if t == types(1, 5, 1, 2) => {
                let (protocol, _) = value(&p[2]);
                let host = take_data(&mut p[1]);
                if !host_ok(&host) {
                    return Invoked::Done(gp::ERROR_HOSTNAME);
                }
                if b > u16::MAX.into()
                    || a > gp::IP_VERSION_6
                    || !matches!(protocol, gp::PROTOCOL_TCP | gp::PROTOCOL_UDP)
                {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                }
                later(Box::pin(async move {
                    let len = host.len() as u64;
                    let r = with_data(&rpc, host, len, false, |shm| {
                        vec![
                            value_in(op::OPEN, who, 0),
                            value_in(b.into(), protocol.into(), a.into()),
                            memref_param(shm, 0, len, Dir::In),
                            RpcParam::Value {
                                a: 0,
                                b: 0,
                                c: 0,
                                dir: Dir::Out,
                            },
                        ]
                    })
                    .await;
                    let (code, q, _) = result(r);
                    let mut out = no_params();
                    if code == TEE_SUCCESS {
                        let Some(&RpcParam::Value { a: h, .. }) = q.get(3) else {
                            return (TEE_ERROR_GENERIC, out);
                        };
                        let Ok(h) = u32::try_from(h) else {
                            return (TEE_ERROR_GENERIC, out);
                        };
                        out[3] = Param::Value {
                            a: h,
                            b: 0,
                            dir: Dir::Out,
                        };
                    }
                    (code, out)
                }))
            }
            gp::CLOSE if t == types(1, 0, 0, 0) => later(Box::pin(async move {
                let q = vec![value_in(op::CLOSE, who, a.into())];
                let r = rpc.supplicant(rpc_cmd::SOCKET, q).await;
                (r.map_or_else(|e| e, |_| TEE_SUCCESS), no_params())
            })),
            gp::SEND if t == types(1, 5, 2, 0) => {
                let data = take_data(&mut p[1]);
                if data.len() > MAX_IO {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                }
                later(Box::pin(async move {
                    let len = data.len() as u64;
                    let r = with_data(&rpc, data, len, false, |shm| {
                        vec![
                            value_in(op::SEND, who, a.into()),
                            memref_param(shm, 0, len, Dir::In),
                            RpcParam::Value {
                                a: b.into(),
                                b: 0,
                                c: 0,
                                dir: Dir::InOut,
                            },
                        ]
                    })
                    .await;
                    let (code, q, _) = result(r);
                    let sent = match q.get(2) {
                        Some(&RpcParam::Value { b: n, .. }) if n <= len => n as u32,
                        Some(_) => return (TEE_ERROR_GENERIC, no_params()),
                        None => 0,
                    };
                    let mut out = no_params();
                    out[2] = Param::Value {
                        a: sent,
                        b: 0,
                        dir: Dir::Out,
                    };
                    (code, out)
                }))
            }
            // Memref 1 comes back: received data, or an ioctl's buffer.
            gp::RECV | gp::IOCTL
                if (cmd == gp::RECV && t == types(1, 6, 0, 0))
                    || (cmd == gp::IOCTL && t == types(1, 7, 0, 0)) =>
            {
                let Param::Memref {
                    size: cap, data, ..
                } = &p[1]
                else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let (operation, dir, len, input) = if cmd == gp::RECV {
                    (op::RECV, Dir::Out, (*cap).min(MAX_IO), Vec::new())
                } else if *cap <= gp::MAX_HOST {
                    (op::IOCTL, Dir::InOut, *cap, data.clone())
                } else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let mut params = core::mem::replace(p, no_params());
                later(Box::pin(async move {
                    let r = with_data(&rpc, input, len as u64, true, |shm| {
                        vec![
                            value_in(operation, who, a.into()),
                            memref_param(shm, 0, len as u64, dir),
                            value_in(b.into(), 0, 0),
                        ]
                    })
                    .await;
                    let (code, _, back) = result(r);
                    if let (TEE_SUCCESS, Param::Memref { data, size, .. }) = (code, &mut params[1])
                    {
                        data[..back.len()].copy_from_slice(&back);
                        *size = back.len();
                    }
                    params[0] = Param::None;
                    (code, params)
                }))
            }
            gp::OPEN | gp::CLOSE | gp::SEND | gp::RECV | gp::IOCTL => {
                Invoked::Done(TEE_ERROR_BAD_PARAMETERS)
            }
            _ => Invoked::Done(TEE_ERROR_NOT_SUPPORTED),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The PTA against a normal world played here: what it asks the
    //! supplicant, and what it makes of lying answers.
    use super::*;
    use crate::rpc::{Reply, Request, ShmId, ThreadStats};
    use alloc::collections::BTreeMap;
    use core::task::Poll;

    /// A normal world: shared memory, and `sock` answering each socket
    /// request (its parameters and the memory its memref names).
    struct Nw<F: FnMut(&mut Vec<RpcParam>, &mut Vec<u8>) -> Reply> {
        shm: BTreeMap<u32, Vec<u8>>,
        next: u32,
        sock: F,
        seen: Vec<u64>,
    }

    impl<F: FnMut(&mut Vec<RpcParam>, &mut Vec<u8>) -> Reply> Nw<F> {
        fn new(sock: F) -> Self {
            Nw {
                shm: BTreeMap::new(),
                next: 1,
                sock,
                seen: Vec::new(),
            }
        }

        /// Run `task` to its end, answering its requests.
        fn run(&mut self, rpc: &Rpc, mut task: Task) -> (u32, [Param; 4]) {
            loop {
                if let Poll::Ready(r) = crate::rpc::poll(&mut task) {
                    assert!(self.shm.is_empty(), "shared memory left allocated");
                    return r;
                }
                let req = rpc.take_request().expect("a pending task asks something");
                let reply = match req {
                    Request::ShmAlloc { size, .. } => {
                        self.next += 1;
                        self.shm.insert(self.next, vec![0; size as usize]);
                        Reply::Shm {
                            shm: ShmId(self.next),
                            size,
                        }
                    }
                    Request::ShmFree { shm } => {
                        self.shm.remove(&shm.0);
                        Reply::Done
                    }
                    Request::ShmWrite { shm, offset, data } => {
                        let m = self.shm.get_mut(&shm.0).unwrap();
                        m[offset as usize..offset as usize + data.len()].copy_from_slice(&data);
                        Reply::Done
                    }
                    Request::ShmRead { shm, offset, len } => {
                        let m = &self.shm[&shm.0];
                        Reply::Data(m[offset as usize..offset as usize + len].to_vec())
                    }
                    Request::Supplicant { cmd, mut params } => {
                        assert_eq!(cmd, rpc_cmd::SOCKET);
                        let RpcParam::Value { a, .. } = params[0] else {
                            panic!("value 0 is the operation")
                        };
                        self.seen.push(a);
                        let id = params.iter().find_map(|p| match p {
                            RpcParam::Memref { shm: Some(s), .. } => Some(s.0),
                            _ => None,
                        });
                        let mut scratch = Vec::new();
                        let mem = match id {
                            Some(i) => self.shm.get_mut(&i).unwrap(),
                            None => &mut scratch,
                        };
                        let r = (self.sock)(&mut params, mem);
                        match r {
                            Reply::Done => Reply::Params(params),
                            other => other,
                        }
                    }
                    other => panic!("unexpected {other:?}"),
                };
                rpc.answer(reply);
            }
        }
    }

    fn ta() -> Client {
        let image = oxtee_core::pta::attestation::TaImage {
            identity: oxtee_core::sealing::TaIdentity {
                uuid: [1; 16],
                ta_version: 1,
                signer: [2; 32],
            },
            digest: [3; 32],
        };
        Client {
            login: oxtee_gp::LOGIN_TRUSTED_APP,
            uuid: [1; 16],
            ta: Some((image, [4; 32])),
        }
    }

    fn later(i: Invoked) -> Task {
        match i {
            Invoked::Later(t) => t,
            Invoked::Done(c) | Invoked::Refused(c) => panic!("done at once: {c:#x}"),
        }
    }

    fn val(a: u32, b: u32, dir: Dir) -> Param {
        Param::Value { a, b, dir }
    }

    fn mem(data: &[u8], size: usize, dir: Dir) -> Param {
        let mut d = data.to_vec();
        d.resize(size, 0);
        Param::Memref { size, data: d, dir }
    }

    #[test]
    fn only_tas_open_it() {
        let mut p = SocketPta::default();
        let client = Client {
            ta: None,
            login: 0,
            uuid: [0; 16],
        };
        assert_eq!(
            p.open_session(1, &client, &mut no_params()),
            TEE_ERROR_ACCESS_DENIED
        );
        let rpc = Rpc::new(ThreadStats::default());
        let mut q = [val(0, 0, Dir::In), Param::None, Param::None, Param::None];
        assert!(matches!(
            p.invoke(1, gp::CLOSE, &mut q, &rpc),
            Invoked::Done(TEE_ERROR_ACCESS_DENIED)
        ));
    }

    #[test]
    fn open_send_recv_close_as_the_supplicant_sees_them() {
        let mut p = SocketPta::default();
        assert_eq!(p.open_session(9, &ta(), &mut no_params()), TEE_SUCCESS);
        let mut nw = Nw::new(|q: &mut Vec<RpcParam>, m: &mut Vec<u8>| {
            let RpcParam::Value { a, b: who, c, .. } = q[0] else {
                unreachable!()
            };
            assert_eq!(who, 9, "the session names the instance");
            match a {
                op::OPEN => {
                    assert_eq!(&m[..], b"127.0.0.1\0");
                    assert!(matches!(
                        q[1],
                        RpcParam::Value {
                            a: 7777,
                            b: 0x65,
                            c: 1,
                            ..
                        }
                    ));
                    q[3] = RpcParam::Value {
                        a: 42,
                        b: 0,
                        c: 0,
                        dir: Dir::Out,
                    };
                }
                op::SEND => {
                    assert_eq!((c, &m[..]), (42, &b"hello"[..]));
                    let RpcParam::Value { a: t, .. } = q[2] else {
                        unreachable!()
                    };
                    assert_eq!(t, 1500);
                    q[2] = RpcParam::Value {
                        a: t,
                        b: 5,
                        c: 0,
                        dir: Dir::InOut,
                    };
                }
                op::RECV => {
                    m[..3].copy_from_slice(b"abc");
                    if let RpcParam::Memref { size, .. } = &mut q[1] {
                        *size = 3;
                    }
                }
                op::IOCTL => {
                    assert_eq!((c, &m[..]), (42, &7000u16.to_ne_bytes()[..]));
                    assert!(matches!(q[2], RpcParam::Value { a: 0x6600_0002, .. }));
                    m.copy_from_slice(&7001u16.to_ne_bytes());
                }
                op::CLOSE | op::CLOSE_ALL => {}
                _ => panic!("operation {a}"),
            }
            Reply::Done
        });
        let rpc = Rpc::new(ThreadStats::default());
        let mut q = [
            val(gp::IP_VERSION_4, 7777, Dir::In),
            mem(b"127.0.0.1\0", 10, Dir::In),
            val(gp::PROTOCOL_TCP, 0, Dir::In),
            val(0, 0, Dir::Out),
        ];
        let (r, out) = nw.run(&rpc, later(p.invoke(9, gp::OPEN, &mut q, &rpc)));
        assert_eq!(r, TEE_SUCCESS);
        assert!(matches!(out[3], Param::Value { a: 42, .. }));
        let mut q = [
            val(42, 1500, Dir::In),
            mem(b"hello", 5, Dir::In),
            val(0, 0, Dir::Out),
            Param::None,
        ];
        let (r, out) = nw.run(&rpc, later(p.invoke(9, gp::SEND, &mut q, &rpc)));
        assert_eq!(r, TEE_SUCCESS);
        assert!(matches!(out[2], Param::Value { a: 5, .. }));
        let mut q = [
            val(42, 0, Dir::In),
            mem(b"", 16, Dir::Out),
            Param::None,
            Param::None,
        ];
        let (r, out) = nw.run(&rpc, later(p.invoke(9, gp::RECV, &mut q, &rpc)));
        assert_eq!(r, TEE_SUCCESS);
        let Param::Memref { size, data, .. } = &out[1] else {
            panic!()
        };
        assert_eq!((*size, &data[..3]), (3, &b"abc"[..]));
        let mut q = [
            val(42, gp::UDP_CHANGEPORT, Dir::In),
            mem(&7000u16.to_ne_bytes(), 2, Dir::InOut),
            Param::None,
            Param::None,
        ];
        let (r, out) = nw.run(&rpc, later(p.invoke(9, gp::IOCTL, &mut q, &rpc)));
        assert_eq!(r, TEE_SUCCESS);
        let Param::Memref { size, data, .. } = &out[1] else {
            panic!()
        };
        assert_eq!((*size, &data[..]), (2, &7001u16.to_ne_bytes()[..]));
        let mut q = [val(42, 0, Dir::In), Param::None, Param::None, Param::None];
        let (r, _) = nw.run(&rpc, later(p.invoke(9, gp::CLOSE, &mut q, &rpc)));
        assert_eq!(r, TEE_SUCCESS);
        // Closing the session closes what is left of it.
        let t = p.close_session_waiting(9, &rpc).unwrap();
        assert_eq!(nw.run(&rpc, t).0, TEE_SUCCESS);
        assert_eq!(
            nw.seen,
            [
                op::OPEN,
                op::SEND,
                op::RECV,
                op::IOCTL,
                op::CLOSE,
                op::CLOSE_ALL
            ]
        );
    }

    #[test]
    fn lying_answers_and_bad_requests_are_refused() {
        let mut p = SocketPta::default();
        assert_eq!(p.open_session(3, &ta(), &mut no_params()), TEE_SUCCESS);
        // A count beyond what was sent; data beyond the buffer.
        let mut nw = Nw::new(|q: &mut Vec<RpcParam>, _: &mut Vec<u8>| {
            match q[0] {
                RpcParam::Value { a: op::SEND, .. } => {
                    q[2] = RpcParam::Value {
                        a: 0,
                        b: 1 << 30,
                        c: 0,
                        dir: Dir::InOut,
                    }
                }
                _ => {
                    if let RpcParam::Memref { size, .. } = &mut q[1] {
                        *size = 1 << 20;
                    }
                }
            }
            Reply::Done
        });
        let rpc = Rpc::new(ThreadStats::default());
        let mut q = [
            val(1, 0, Dir::In),
            mem(b"four", 4, Dir::In),
            val(0, 0, Dir::Out),
            Param::None,
        ];
        let (r, _) = nw.run(&rpc, later(p.invoke(3, gp::SEND, &mut q, &rpc)));
        assert_eq!(r, TEE_ERROR_GENERIC);
        let mut q = [
            val(1, 0, Dir::In),
            mem(b"", 8, Dir::Out),
            Param::None,
            Param::None,
        ];
        let (r, out) = nw.run(&rpc, later(p.invoke(3, gp::RECV, &mut q, &rpc)));
        assert_eq!(r, TEE_ERROR_GENERIC);
        assert!(
            matches!(&out[1], Param::Memref { size: 8, .. }),
            "nothing written"
        );
        // Names without their NUL, ports beyond 16 bits, unknown
        // protocols and commands: refused before any RPC.
        for (host, port, proto) in [
            (&b"host"[..], 1, gp::PROTOCOL_TCP),
            (b"\0", 1, gp::PROTOCOL_TCP),
            (b"a\0b\0", 1, gp::PROTOCOL_TCP),
            (b"h\0", 1 << 16, gp::PROTOCOL_TCP),
            (b"h\0", 1, 0x67),
        ] {
            let mut q = [
                val(gp::IP_VERSION_4, port, Dir::In),
                mem(host, host.len(), Dir::In),
                val(proto, 0, Dir::In),
                val(0, 0, Dir::Out),
            ];
            assert!(matches!(
                p.invoke(3, gp::OPEN, &mut q, &rpc),
                Invoked::Done(c) if c != TEE_SUCCESS
            ));
        }
        let mut q = [val(1, 0, Dir::In), Param::None, Param::None, Param::None];
        assert!(matches!(
            p.invoke(3, 99, &mut q, &rpc),
            Invoked::Done(TEE_ERROR_NOT_SUPPORTED)
        ));
        assert!(matches!(
            p.invoke(3, gp::SEND, &mut q, &rpc),
            Invoked::Done(TEE_ERROR_BAD_PARAMETERS)
        ));
        assert!(nw.seen.iter().all(|&o| o == op::SEND || o == op::RECV));
    }
}
