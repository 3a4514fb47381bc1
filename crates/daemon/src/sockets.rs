//! The GP TEE Sockets API on the host tier: OP-TEE's socket pseudo-TA
//! (`pta_socket.h`), served by the core, with the sockets themselves in
//! the normal world, as on OP-TEE (where tee-supplicant opens them).
//!
//! ```text
//! TA --TEE_tcpSocket/TEE_udpSocket (devkit/src/tee_socket.c) or
//!      oxtee_ta_sdk::socket--> socket PTA (this module, in the core)
//!    --NetRequest over a SEQPACKET pair--> `oxtee supplicant --net`:
//!      one normal-world process per TA instance with a socket
//!      session, under the supplicant's uid
//!    --> oxtee_tee_supplicant::socket (the engine both tiers share)
//! ```
//!
//! A TA's sandbox stays closed to the network: the TA reaches only the
//! core, the core only its link to the instance's network process, which
//! holds every socket of that instance and nothing else. Handles are the
//! core's (never reused in an instance), mapped to the process's; another
//! instance's handle means nothing. The process ends, and with it every
//! socket, when the instance's last socket session closes (OP-TEE closes
//! an instance's sockets when its session closes) or the instance dies.
//!
//! The network process is the normal world: its answers are checked (a
//! count never above what was sent, data never longer than asked), a
//! malformed one ends the process (`TEE_ERROR_COMMUNICATION`). A wait for
//! the network also ends, with `TEE_ERROR_CANCEL`, when the TA's client
//! goes away or the TA dies, so a `recv` without a timeout never pins a
//! core thread.

use crate::pta::{Caller, Pta};
use oxtee_core::codes::*;
use oxtee_core::pta::{Dir, Param, param_types, types};
use oxtee_gp::pta_system::socket as gp;
use oxtee_proto::{NET_MAX_MESSAGE, NET_PIECE, NetReply, NetRequest, Uuid};
use oxtee_sys::Channel;
use std::collections::HashMap;
use std::os::fd::AsFd;
use std::process::Child;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The network process: serve one TA instance's sockets on `ch` until
/// the core hangs up (every socket is closed with the process).
pub fn serve(ch: &Channel) -> std::io::Result<()> {
    use oxtee_tee_supplicant::socket::Sockets;
    let socks = Sockets::new();
    // One process per TA instance: one owner.
    const OWNER: u64 = 0;
    let mut buf = vec![0u8; NET_MAX_MESSAGE];
    loop {
        let n = match ch.recv(&mut buf, &mut Vec::new())? {
            Some(n) => n,
            None => return Ok(()),
        };
        let req = oxtee_proto::decode_with_limit::<NetRequest>(&buf[..n], NET_MAX_MESSAGE)
            .map_err(|_| std::io::Error::other("undecodable request from the core"))?;
        // A message from the core while an operation waits ends it.
        let abort = Some(ch.as_fd());
        let reply = |result, value, data| NetReply {
            result,
            value,
            data,
        };
        let r = match req {
            NetRequest::Open {
                ip_version,
                host,
                port,
                protocol,
            } if host.len() < gp::MAX_HOST && !host.contains('\0') => {
                match socks.open(OWNER, ip_version, &host, port, protocol, abort) {
                    Ok(h) => reply(TEE_SUCCESS, h, Vec::new()),
                    Err(e) => reply(e, 0, Vec::new()),
                }
            }
            NetRequest::Open { .. } => reply(gp::ERROR_HOSTNAME, 0, Vec::new()),
            NetRequest::Close { handle } => reply(socks.close(OWNER, handle), 0, Vec::new()),
            NetRequest::Send {
                handle,
                timeout_ms,
                data,
            } => {
                let (r, n) = socks.send(OWNER, handle, &data, timeout_ms, abort);
                reply(r, n as u32, Vec::new())
            }
            NetRequest::Recv {
                handle,
                timeout_ms,
                len,
            } => {
                let len = (len as usize).min(NET_PIECE);
                let (r, d) = socks.recv(OWNER, handle, len, timeout_ms, abort);
                reply(r, 0, d)
            }
            NetRequest::Ioctl {
                handle,
                command,
                mut data,
            } => {
                let r = socks.ioctl(OWNER, handle, command, &mut data);
                reply(r, 0, data)
            }
            // Late: the operation it was meant for has been answered.
            NetRequest::Cancel => continue,
        };
        let b = oxtee_proto::encode_with_limit(&r, NET_MAX_MESSAGE)
            .map_err(|_| std::io::Error::other("reply too large"))?;
        ch.send(&b, &[])?;
    }
}

/// How long the network process has to answer a cancelled operation
/// before it is killed.
const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// How often a waiting operation checks its caller.
const ABORT_POLL_MS: i32 = 100;

/// A socket the core handed out.
#[derive(Clone, Copy)]
struct Handle {
    /// The network process's handle.
    net: u32,
    udp: bool,
}

#[derive(Default)]
struct NetState {
    /// The link and the process (none: a test playing it).
    link: Option<(Channel, Option<Child>)>,
    handles: HashMap<u32, Handle>,
    next: u32,
    buf: Vec<u8>,
}

/// One TA instance's sockets: its network process (started on the first
/// open) and its handles. Shared by the instance's socket sessions.
pub struct InstanceNet {
    uid: Option<u32>,
    state: Mutex<NetState>,
}

impl NetState {
    fn drop_link(&mut self) {
        if let Some((ch, child)) = self.link.take() {
            drop(ch);
            if let Some(mut child) = child {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        // Every socket went with the process.
        self.handles.clear();
    }

    /// One round trip; `abort` is asked every [`ABORT_POLL_MS`] while
    /// the network process works.
    fn ask(
        &mut self,
        uid: Option<u32>,
        req: &NetRequest,
        abort: &dyn Fn() -> bool,
    ) -> Result<NetReply, u32> {
        let span = crate::trace::call(|| {
            let name = match req {
                NetRequest::Open { .. } => "open",
                NetRequest::Close { .. } => "close",
                NetRequest::Send { .. } => "send",
                NetRequest::Recv { .. } => "recv",
                NetRequest::Ioctl { .. } => "ioctl",
                NetRequest::Cancel => "cancel",
            };
            Some(crate::trace::Crossing {
                smc: Some("OPTEE_SMC_RETURN_RPC_CMD"),
                msg: Some("OPTEE_RPC_CMD_SOCKET"),
                ..crate::trace::Crossing::new("core", "supplicant", name)
            })
        });
        let r = self.ask_untraced(uid, req, abort);
        if let Some(span) = span {
            span.ret(r.as_ref().map_or_else(|e| *e, |_| 0), None);
        }
        r
    }

    fn ask_untraced(
        &mut self,
        uid: Option<u32>,
        req: &NetRequest,
        abort: &dyn Fn() -> bool,
    ) -> Result<NetReply, u32> {
        let comm = TEE_ERROR_COMMUNICATION;
        if self.link.is_none() {
            let (mine, theirs) = Channel::pair().map_err(|_| gp::ERROR_OUT_OF_RESOURCES)?;
            let args = ["supplicant".into(), "--net".into()];
            let child = crate::supplicant::spawn(&args, uid, theirs).map_err(|e| {
                tracing::error!("cannot start a network supplicant: {e}");
                gp::ERROR_OUT_OF_RESOURCES
            })?;
            self.link = Some((mine, Some(child)));
            self.buf = vec![0u8; NET_MAX_MESSAGE];
        }
        let msg = oxtee_proto::encode_with_limit(req, NET_MAX_MESSAGE)
            .map_err(|_| TEE_ERROR_BAD_PARAMETERS)?;
        let Some((ch, _)) = &self.link else {
            return Err(comm);
        };
        if ch.send(&msg, &[]).is_err() {
            self.drop_link();
            return Err(comm);
        }
        let mut cancelled: Option<Instant> = None;
        loop {
            let Some((ch, _)) = &self.link else {
                return Err(comm);
            };
            let (ready, gone) = ch.poll(ABORT_POLL_MS).unwrap_or((false, true));
            if ready || gone {
                let mut fds = Vec::new();
                let got = match ch.recv(&mut self.buf, &mut fds) {
                    Ok(Some(n)) if fds.is_empty() => {
                        oxtee_proto::decode_with_limit::<NetReply>(&self.buf[..n], NET_MAX_MESSAGE)
                            .ok()
                    }
                    _ => None,
                };
                return match got {
                    Some(r) => Ok(r),
                    None => {
                        tracing::warn!(
                            "the network supplicant died or misbehaved: its sockets are gone"
                        );
                        self.drop_link();
                        Err(comm)
                    }
                };
            }
            match cancelled {
                None if abort() => {
                    // (A Cancel that arrives after the answer is ignored.)
                    if ch
                        .send(
                            &oxtee_proto::encode(&NetRequest::Cancel).unwrap_or_default(),
                            &[],
                        )
                        .is_err()
                    {
                        self.drop_link();
                        return Err(TEE_ERROR_CANCEL);
                    }
                    cancelled = Some(Instant::now());
                }
                Some(t) if t.elapsed() > CANCEL_GRACE => {
                    tracing::warn!(
                        "the network supplicant did not end a cancelled operation: killing it"
                    );
                    self.drop_link();
                    return Err(TEE_ERROR_CANCEL);
                }
                _ => {}
            }
        }
    }
}

impl Drop for InstanceNet {
    fn drop(&mut self) {
        if let Ok(mut s) = self.state.lock() {
            s.drop_link();
        }
    }
}

/// OP-TEE's socket PTA, for TAs only (a client application has the
/// network of its own user already).
pub struct SocketPta {
    enabled: bool,
    /// The network processes' uid (the core runs as root).
    uid: Option<u32>,
    /// Instances with a socket session.
    instances: Mutex<HashMap<u64, Weak<InstanceNet>>>,
}

impl SocketPta {
    /// With `enabled` false, sessions are refused (ITEM_NOT_FOUND, as an
    /// OP-TEE built without the socket PTA answers).
    pub fn new(enabled: bool, uid: Option<u32>) -> SocketPta {
        SocketPta {
            enabled,
            uid,
            instances: Mutex::new(HashMap::new()),
        }
    }
}

fn value(p: &Param) -> (u32, u32) {
    match p {
        Param::Value { a, b, .. } => (*a, *b),
        _ => (0, 0),
    }
}

/// Milliseconds left of a wait that ends at `until` (`None`: never).
fn left(until: Option<Instant>) -> u32 {
    match until {
        None => gp::TIMEOUT_BLOCKING,
        Some(u) => {
            let ms = u.saturating_duration_since(Instant::now()).as_millis();
            ms.min((gp::TIMEOUT_BLOCKING - 1) as u128) as u32
        }
    }
}

impl Pta for SocketPta {
    fn uuid(&self) -> Uuid {
        Uuid(gp::UUID)
    }

    fn open(&self, caller: &Caller<'_>) -> Result<(), u32> {
        if !self.enabled {
            return Err(TEE_ERROR_ITEM_NOT_FOUND);
        }
        match caller.ta {
            Some(_) => Ok(()),
            None => Err(TEE_ERROR_ACCESS_DENIED),
        }
    }

    fn session_state(&self, caller: &Caller<'_>) -> Option<crate::pta::SessionState> {
        let id = caller.ta?.instance;
        let mut map = self.instances.lock().ok()?;
        map.retain(|_, w| w.strong_count() > 0);
        let net = match map.get(&id).and_then(Weak::upgrade) {
            Some(n) => n,
            None => {
                let n = Arc::new(InstanceNet {
                    uid: self.uid,
                    state: Mutex::new(NetState::default()),
                });
                map.insert(id, Arc::downgrade(&n));
                n
            }
        };
        Some(Box::new(net))
    }

    /// Sends larger than this are the TA's to split (GP's send may send
    /// less than asked only on a timeout: the core sends a TCP send's
    /// pieces in turn).
    fn max_memref(&self) -> usize {
        4 << 20
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let Some(net) = caller
            .state
            .and_then(|s| s.downcast_ref::<Arc<InstanceNet>>())
        else {
            return TEE_ERROR_BAD_STATE;
        };
        let Ok(mut st) = net.state.lock() else {
            return TEE_ERROR_BAD_STATE;
        };
        let uid = net.uid;
        let t = param_types(p);
        match cmd {
            gp::OPEN if t == types(1, 5, 1, 2) => {
                let (ip_version, port) = value(&p[0]);
                let (protocol, _) = value(&p[2]);
                let Ok(port) = u16::try_from(port) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Param::Memref { data, .. } = &p[1] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Some(host) = oxtee_tee_supplicant::socket::host_from_c(data) else {
                    return gp::ERROR_HOSTNAME;
                };
                if !matches!(protocol, gp::PROTOCOL_TCP | gp::PROTOCOL_UDP)
                    || ip_version > gp::IP_VERSION_6
                {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let req = NetRequest::Open {
                    ip_version,
                    host: host.to_owned(),
                    port,
                    protocol,
                };
                let r = match st.ask(uid, &req, caller.abort) {
                    Ok(r) => r,
                    Err(e) => return e,
                };
                if r.result != TEE_SUCCESS {
                    return r.result;
                }
                let handle = st.next;
                st.next = st.next.wrapping_add(1);
                st.handles.insert(
                    handle,
                    Handle {
                        net: r.value,
                        udp: protocol == gp::PROTOCOL_UDP,
                    },
                );
                p[3] = Param::Value {
                    a: handle,
                    b: 0,
                    dir: Dir::Out,
                };
                TEE_SUCCESS
            }
            gp::CLOSE if t == types(1, 0, 0, 0) => {
                let Some(h) = st.handles.remove(&value(&p[0]).0) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                match st.ask(uid, &NetRequest::Close { handle: h.net }, caller.abort) {
                    Ok(r) => r.result,
                    Err(e) => e,
                }
            }
            gp::SEND if t == types(1, 5, 2, 0) => {
                let (handle, timeout_ms) = value(&p[0]);
                let Some(h) = st.handles.get(&handle).copied() else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Param::Memref { data, .. } = &p[1] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let data = data.clone();
                let until = (timeout_ms != gp::TIMEOUT_BLOCKING)
                    .then(|| Instant::now() + Duration::from_millis(timeout_ms.into()));
                let (result, sent) = if h.udp && data.len() > NET_PIECE {
                    (gp::ERROR_LARGE_BUFFER, 0)
                } else {
                    let mut sent = 0usize;
                    let mut result = TEE_SUCCESS;
                    // One piece at least (an empty send is a send).
                    for piece in data
                        .chunks(NET_PIECE)
                        .chain(data.is_empty().then_some(&[][..]))
                    {
                        let req = NetRequest::Send {
                            handle: h.net,
                            timeout_ms: left(until),
                            data: piece.to_vec(),
                        };
                        match st.ask(uid, &req, caller.abort) {
                            Ok(r) if r.value as usize <= piece.len() => {
                                sent += r.value as usize;
                                result = r.result;
                                if r.result != TEE_SUCCESS || (r.value as usize) < piece.len() {
                                    break;
                                }
                            }
                            Ok(_) => {
                                tracing::warn!(
                                    "the network supplicant claimed to send more than it had: dropping it"
                                );
                                st.drop_link();
                                result = TEE_ERROR_COMMUNICATION;
                                break;
                            }
                            Err(e) => {
                                result = e;
                                break;
                            }
                        }
                    }
                    (result, sent)
                };
                p[2] = Param::Value {
                    a: sent as u32,
                    b: 0,
                    dir: Dir::Out,
                };
                result
            }
            gp::RECV if t == types(1, 6, 0, 0) => {
                let (handle, timeout_ms) = value(&p[0]);
                let Some(h) = st.handles.get(&handle).copied() else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Param::Memref { data, size, .. } = &mut p[1] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let len = data.len().min(NET_PIECE);
                let req = NetRequest::Recv {
                    handle: h.net,
                    timeout_ms,
                    len: len as u32,
                };
                match st.ask(uid, &req, caller.abort) {
                    Ok(r) if r.data.len() <= len => {
                        data[..r.data.len()].copy_from_slice(&r.data);
                        *size = r.data.len();
                        r.result
                    }
                    Ok(_) => {
                        tracing::warn!(
                            "the network supplicant answered more than asked: dropping it"
                        );
                        st.drop_link();
                        *size = 0;
                        TEE_ERROR_COMMUNICATION
                    }
                    Err(e) => {
                        *size = 0;
                        e
                    }
                }
            }
            gp::IOCTL if t == types(1, 7, 0, 0) => {
                let (handle, command) = value(&p[0]);
                let Some(h) = st.handles.get(&handle).copied() else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Param::Memref { data, size, .. } = &mut p[1] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                if data.len() > gp::MAX_HOST {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let req = NetRequest::Ioctl {
                    handle: h.net,
                    command,
                    data: data.clone(),
                };
                match st.ask(uid, &req, caller.abort) {
                    Ok(r) if r.data.len() <= data.len() => {
                        data[..r.data.len()].copy_from_slice(&r.data);
                        *size = r.data.len();
                        r.result
                    }
                    Ok(_) => {
                        st.drop_link();
                        TEE_ERROR_COMMUNICATION
                    }
                    Err(e) => e,
                }
            }
            gp::OPEN | gp::CLOSE | gp::SEND | gp::RECV | gp::IOCTL => TEE_ERROR_BAD_PARAMETERS,
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}

#[cfg(test)]
mod tests {
    //! The core against a network supplicant that lies or stalls (the
    //! normal world is not trusted): a thread plays it.
    use super::*;
    use oxtee_core::pta::attestation::TaImage;

    struct NoCore;
    impl crate::pta::Core for NoCore {
        fn ta_image(&self, _: Uuid) -> Result<TaImage, u32> {
            Err(TEE_ERROR_ITEM_NOT_FOUND)
        }
        fn install(&self, _: &[u8]) -> Result<(Uuid, u32), u32> {
            Err(TEE_ERROR_NOT_SUPPORTED)
        }
        fn uninstall(&self, _: Uuid) -> Result<bool, u32> {
            Err(TEE_ERROR_NOT_SUPPORTED)
        }
        fn installed(&self) -> Vec<(Uuid, u32)> {
            Vec::new()
        }
        fn status(&self) -> String {
            String::new()
        }
        fn set_budget(&self, _: u64) -> Result<(), u64> {
            Err(0)
        }
        fn supp_plugin(
            &self,
            _: [u8; 16],
            _: u32,
            _: u32,
            _: Vec<u8>,
        ) -> Result<(u32, Vec<u8>), u32> {
            Err(TEE_ERROR_NOT_SUPPORTED)
        }
    }

    /// An instance's sockets whose network process is `play`, answering
    /// each request (None: stay silent).
    fn hostile(play: impl Fn(NetRequest) -> Option<Vec<u8>> + Send + 'static) -> Arc<InstanceNet> {
        let (mine, theirs) = Channel::pair().unwrap();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; NET_MAX_MESSAGE];
            while let Ok(Some(n)) = theirs.recv(&mut buf, &mut Vec::new()) {
                let req = oxtee_proto::decode_with_limit::<NetRequest>(&buf[..n], NET_MAX_MESSAGE)
                    .unwrap();
                if let Some(answer) = play(req) {
                    let _ = theirs.send(&answer, &[]);
                }
            }
        });
        let mut st = NetState {
            link: Some((mine, None)),
            buf: vec![0u8; NET_MAX_MESSAGE],
            ..NetState::default()
        };
        // Handle 7 of the core is the process's 0, a TCP socket.
        st.handles.insert(7, Handle { net: 0, udp: false });
        Arc::new(InstanceNet {
            uid: None,
            state: Mutex::new(st),
        })
    }

    fn answer(result: u32, value: u32, data: Vec<u8>) -> Option<Vec<u8>> {
        Some(
            oxtee_proto::encode_with_limit(
                &NetReply {
                    result,
                    value,
                    data,
                },
                NET_MAX_MESSAGE,
            )
            .unwrap(),
        )
    }

    fn call(net: &Arc<InstanceNet>, abort: &dyn Fn() -> bool, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let state: crate::pta::SessionState = Box::new(net.clone());
        let caller = Caller {
            login: oxtee_core::codes::LOGIN_TRUSTED_APP,
            ta: None,
            uid: None,
            core: &NoCore,
            state: Some(&*state),
            abort,
        };
        SocketPta::new(true, None).invoke(&caller, cmd, p)
    }

    fn recv_params(len: usize) -> [Param; 4] {
        [
            Param::Value {
                a: 7,
                b: 1000,
                dir: Dir::In,
            },
            Param::Memref {
                size: len,
                data: vec![0; len],
                dir: Dir::Out,
            },
            Param::None,
            Param::None,
        ]
    }

    fn send_params(data: &[u8]) -> [Param; 4] {
        [
            Param::Value {
                a: 7,
                b: 1000,
                dir: Dir::In,
            },
            Param::Memref {
                size: data.len(),
                data: data.to_vec(),
                dir: Dir::In,
            },
            Param::Value {
                a: 0,
                b: 0,
                dir: Dir::Out,
            },
            Param::None,
        ]
    }

    fn handles(net: &Arc<InstanceNet>) -> usize {
        net.state.lock().unwrap().handles.len()
    }

    #[test]
    fn answers_longer_than_asked_are_refused() {
        let net = hostile(|_| answer(TEE_SUCCESS, 0, vec![1; 64]));
        let mut p = recv_params(16);
        assert_eq!(
            call(&net, &crate::pta::never, gp::RECV, &mut p),
            TEE_ERROR_COMMUNICATION
        );
        let Param::Memref { size, data, .. } = &p[1] else {
            unreachable!()
        };
        assert_eq!((*size, &data[..]), (0, &[0u8; 16][..]));
        // The lying process is dropped, and every handle with it.
        assert_eq!(handles(&net), 0);
        assert_eq!(
            call(&net, &crate::pta::never, gp::RECV, &mut recv_params(16)),
            TEE_ERROR_BAD_PARAMETERS
        );
    }

    #[test]
    fn a_count_beyond_what_was_sent_is_refused() {
        let net = hostile(|_| answer(TEE_SUCCESS, 1 << 20, Vec::new()));
        let mut p = send_params(b"four");
        assert_eq!(
            call(&net, &crate::pta::never, gp::SEND, &mut p),
            TEE_ERROR_COMMUNICATION
        );
        assert!(matches!(p[2], Param::Value { a: 0, .. }));
        assert_eq!(handles(&net), 0);
    }

    #[test]
    fn garbage_is_refused() {
        let net = hostile(|_| Some(vec![0xff; 40]));
        assert_eq!(
            call(&net, &crate::pta::never, gp::RECV, &mut recv_params(8)),
            TEE_ERROR_COMMUNICATION
        );
        assert_eq!(handles(&net), 0);
    }

    #[test]
    fn a_process_that_ignores_a_cancel_is_dropped() {
        // Silent for ever, even when cancelled.
        let net = hostile(|_| None);
        let t = Instant::now();
        let r = call(&net, &|| true, gp::RECV, &mut recv_params(8));
        assert_eq!(r, TEE_ERROR_CANCEL);
        assert!(
            t.elapsed() >= CANCEL_GRACE && t.elapsed() < CANCEL_GRACE * 3,
            "{:?}",
            t.elapsed()
        );
        assert_eq!(handles(&net), 0);
    }

    #[test]
    fn a_cancelled_wait_ends_with_the_process_answer() {
        // Answers a recv only once told to cancel.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Mutex::new(rx);
        let net = hostile(move |req| match req {
            NetRequest::Recv { .. } => {
                rx.lock().unwrap().recv().ok()?;
                answer(TEE_ERROR_CANCEL, 0, Vec::new())
            }
            NetRequest::Cancel => None,
            _ => answer(TEE_ERROR_GENERIC, 0, Vec::new()),
        });
        let asked = std::sync::atomic::AtomicBool::new(false);
        let abort = || {
            if !asked.swap(true, std::sync::atomic::Ordering::Relaxed) {
                let _ = tx.send(());
            }
            true
        };
        assert_eq!(
            call(&net, &abort, gp::RECV, &mut recv_params(8)),
            TEE_ERROR_CANCEL
        );
        // The process answered: it keeps its sockets.
        assert_eq!(handles(&net), 1);
    }
}
