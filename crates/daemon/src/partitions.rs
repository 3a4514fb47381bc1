//! Partitioned mode's SPMC at work (`secure_mode = "spm"`): the core, as
//! the TA host partition, talks to the storage and crypto partition
//! processes (`oxtee_partition`) through the SPMC, which it also is.
//!
//! Every frame goes through `oxtee_spmc::Spmc`'s checks: the TA host's
//! requests ([`Partition::call`]) as direct requests from the TA host; a
//! partition's frames on its own channel, so a frame naming another
//! sender, a response to a request it does not serve, or a request to a
//! partition that is not its declared peer is refused (FFA_ERROR back to
//! the sender for a request; a response that breaks the rules ends the
//! partition: it is killed and started again).
//!
//! The payload region of each partition is the TA host's, shared with
//! the partition by FFA_MEM_SHARE when it starts and retrieved by it with
//! FFA_MEM_RETRIEVE_REQ; when a partition dies the SPMC relinquishes its
//! hold, which moves the region's bytes away from the dead process's
//! descriptors ([`crate::spm::Regions`]), and the restarted partition
//! retrieves it again. The TA host reads and writes the region with
//! `pread`/`pwrite`, never through a mapping: a partition truncating it
//! gives the TA host a short read, not a SIGBUS.
//!
//! A partition that dies (or hangs, or breaks the protocol) is started
//! again on the next request. A request that never reached it is sent
//! again to the new process; one it was serving fails (the caller turns
//! that into its GP error): its outcome is the partition's own
//! durability's (the storage engine commits atomically).

use crate::LockExt;
use crate::spm::Regions;
use oxtee_partition::wire::{self, Frame, OP_ANSWER, OP_CALL, OP_RPC, OP_RPC_ANSWER, Rpc, RpcAns};
use oxtee_spmc::manifest::Manifest;
use oxtee_spmc::{Direct, Id, Kind, Spmc, ffa};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::os::fd::AsFd;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The SPMC's state, shared by the partitions' links.
pub struct Spm {
    state: Mutex<(Spmc, Regions)>,
}

impl Spm {
    /// The SPMC for oxtee's manifests, with the TA host started.
    pub fn new() -> Result<Arc<Spm>, String> {
        let manifests = oxtee_partition::MANIFESTS
            .iter()
            .map(|t| Manifest::parse(t))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        Spm::with(manifests)
    }

    /// The SPMC for `manifests` (tests give their own).
    pub fn with(manifests: Vec<Manifest>) -> Result<Arc<Spm>, String> {
        let mut spmc = Spmc::new(manifests).map_err(|e| e.to_string())?;
        spmc.started(wire::TA_HOST).map_err(|e| e.to_string())?;
        Ok(Arc::new(Spm {
            state: Mutex::new((spmc, Regions::default())),
        }))
    }
}

/// What `oxtee status` shows of a partition, readable without waiting
/// for a request it is serving.
#[derive(Debug, Default)]
pub struct Seen {
    /// Its process id (0: not running).
    pub pid: std::sync::atomic::AtomicU32,
    /// How many times it started.
    pub starts: std::sync::atomic::AtomicU32,
}

/// How a partition process is started: its channel (the SPMC's end) and
/// the process, if it is one (tests run partitions on threads).
pub type Launcher = Box<dyn Fn() -> std::io::Result<(oxtee_sys::Channel, Option<Child>)> + Send>;

/// Why a request did not get its answer.
#[derive(Debug, PartialEq, Eq)]
pub enum CallError {
    /// The partition died, hung or broke the protocol while serving it
    /// (it is started again on the next request).
    Died(String),
    /// The partition cannot be started.
    Unavailable(String),
    /// It started but refused its start request: the GP code and why.
    Refused(u32, String),
    /// The request did not reach it (internal: it is sent again).
    NotDelivered(String),
    /// The request does not fit the region.
    TooLarge,
}

struct Live {
    ch: oxtee_sys::Channel,
    child: Option<Child>,
}

/// The TA host's link to one partition; one request at a time (the
/// caller holds it under its own lock).
pub struct Partition {
    id: Id,
    spm: Arc<Spm>,
    launch: Launcher,
    /// The region (the TA host's descriptor of its live memfd), its size
    /// and the share's handle.
    region: File,
    size: u64,
    handle: u64,
    live: Option<Live>,
    /// Starts so far.
    pub generation: u32,
    timeout: Duration,
    seen: Arc<Seen>,
    /// Its name in traces ("storage partition").
    name: String,
}

/// What a call does with the partition's RPCs (normal-world I/O).
pub type RpcHandler<'a> = &'a mut dyn FnMut(Rpc, Vec<u8>) -> (RpcAns, Vec<u8>);

fn region_of(d: Vec<crate::spm::Delivery>, to: Id) -> Option<File> {
    d.into_iter().find(|d| d.to == to).map(|d| File::from(d.fd))
}

impl Partition {
    /// A link to partition `id`, its region created and shared with it
    /// (the process starts on the first request).
    pub fn new(
        spm: Arc<Spm>,
        id: Id,
        launch: Launcher,
        timeout: Duration,
    ) -> Result<Partition, String> {
        let size = oxtee_partition::region_size(id);
        let region = u64::from(id);
        let (handle, fd, name) = {
            let mut st = spm.state.locked();
            let (spmc, regions) = &mut *st;
            let name = match spmc.manifest(id) {
                Some(m) => format!("{} partition", m.name),
                None => return Err(format!("no partition {id:#06x}")),
            };
            let fd = regions
                .create(region, wire::TA_HOST, size)
                .map_err(|e| format!("region: {e}"))?;
            spmc.add_region(wire::TA_HOST, region)
                .map_err(|e| e.to_string())?;
            let (handle, changes) = spmc
                .mem_send(wire::TA_HOST, Kind::Share, region, &[id])
                .map_err(|e| format!("FFA_MEM_SHARE: {e}"))?;
            // (A share changes no one's access until it is retrieved.)
            regions.apply(&changes).map_err(|e| e.to_string())?;
            (handle, fd, name)
        };
        Ok(Partition {
            id,
            spm,
            launch,
            region: File::from(fd),
            size,
            handle,
            live: None,
            generation: 0,
            timeout,
            seen: Arc::default(),
            name,
        })
    }

    /// Whether it runs (it may have died since its last request).
    pub fn running(&self) -> bool {
        self.live.is_some()
    }

    /// Its ID and what the status shows of it.
    pub fn seen(&self) -> (Id, Arc<Seen>) {
        (self.id, self.seen.clone())
    }

    fn send(&self, f: &Frame, fd: Option<std::os::fd::BorrowedFd<'_>>) -> std::io::Result<()> {
        let live = self.live.as_ref().ok_or(std::io::ErrorKind::NotConnected)?;
        live.ch.send(&f.to_bytes(), fd.as_slice())
    }

    fn recv(&self) -> Result<Frame, String> {
        let live = self.live.as_ref().ok_or("not running")?;
        let mut buf = [0u8; wire::FRAME + 1];
        let mut fds = Vec::new();
        match live.ch.recv(&mut buf, &mut fds) {
            Ok(Some(n)) if fds.is_empty() => {
                Frame::from_bytes(&buf[..n]).ok_or_else(|| "not a frame".to_string())
            }
            Ok(Some(_)) => Err("sent a descriptor".into()),
            Ok(None) => Err("exited".into()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                Err(format!("silent for {:?}", self.timeout))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// Start the process and give it the region.
    fn start(&mut self) -> Result<(), String> {
        let (ch, child) = (self.launch)().map_err(|e| format!("cannot start: {e}"))?;
        ch.set_recv_timeout(Some(self.timeout))
            .map_err(|e| e.to_string())?;
        use std::sync::atomic::Ordering::Relaxed;
        self.seen
            .pid
            .store(child.as_ref().map_or(0, |c| c.id()), Relaxed);
        self.live = Some(Live { ch, child });
        self.generation += 1;
        self.seen.starts.store(self.generation, Relaxed);
        self.spm
            .state
            .locked()
            .0
            .started(self.id)
            .map_err(|e| e.to_string())?;
        let notice = Frame {
            func: ffa::MEM_SHARE,
            msg: Direct {
                sender: wire::TA_HOST,
                receiver: self.id,
                args: [self.handle, self.size, 0, 0, 0],
            },
        };
        self.send(&notice, None).map_err(|e| e.to_string())?;
        let f = self.recv()?;
        if f.func != ffa::MEM_RETRIEVE_REQ || f.msg.sender != self.id {
            return Err(format!("answered the share with {f:?}"));
        }
        let fd = {
            let mut st = self.spm.state.locked();
            let (spmc, regions) = &mut *st;
            let changes = spmc
                .mem_retrieve(self.id, f.msg.args[0])
                .map_err(|e| format!("FFA_MEM_RETRIEVE_REQ: {e}"))?;
            let d = regions.apply(&changes).map_err(|e| e.to_string())?;
            region_of(d, self.id).ok_or("no region delivered")?
        };
        let resp = Frame {
            func: wire::MEM_RETRIEVE_RESP,
            msg: Direct {
                sender: wire::TA_HOST,
                receiver: self.id,
                args: [self.handle, self.size, 0, 0, 0],
            },
        };
        self.send(&resp, Some(fd.as_fd()))
            .map_err(|e| e.to_string())
    }

    /// The partition is gone (or is made to go): reap it and unwind what
    /// it held; the region's bytes move away from its descriptors.
    fn died(&mut self, why: &str) {
        tracing::warn!(
            "partition {:#06x} ended ({why}); it starts again on the next request",
            self.id
        );
        if let Some(mut live) = self.live.take() {
            if let Some(c) = live.child.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        self.seen.pid.store(0, std::sync::atomic::Ordering::Relaxed);
        let mut st = self.spm.state.locked();
        let (spmc, regions) = &mut *st;
        let (_, changes) = spmc.partition_died(self.id);
        match regions.apply(&changes) {
            Ok(d) => {
                if let Some(f) = region_of(d, wire::TA_HOST) {
                    self.region = f;
                }
            }
            Err(e) => tracing::error!("partition {:#06x}: region: {e}", self.id),
        }
    }

    /// Send one direct request `[op, lens]` and wait for the partition's
    /// direct response, answering FFA_ERROR to anything it may not send;
    /// traced as a crossing from the core to the partition.
    fn exchange(&mut self, op: u64, lens: [u64; 2]) -> Result<Frame, CallError> {
        let span = crate::trace::call(|| {
            Some(crate::trace::Crossing {
                smc: Some("FFA_MSG_SEND_DIRECT_REQ"),
                ..crate::trace::Crossing::new(
                    "core",
                    self.name.clone(),
                    if op == OP_CALL { "request" } else { "RPC done" },
                )
            })
        });
        let r = self.exchange_untraced(op, lens);
        if let Some(span) = span {
            // (A response asking for an RPC returns too: the RPC follows
            // as the core's own crossing, then "RPC done" goes back.)
            let ret = match &r {
                Ok(_) => 0,
                Err(_) => oxtee_core::codes::TEE_ERROR_COMMUNICATION,
            };
            span.ret(ret, None);
        }
        r
    }

    fn exchange_untraced(&mut self, op: u64, lens: [u64; 2]) -> Result<Frame, CallError> {
        let req = Direct {
            sender: wire::TA_HOST,
            receiver: self.id,
            args: [op, lens[0], lens[1], 0, 0],
        };
        let to = self.spm.state.locked().0.direct_req(wire::TA_HOST, &req);
        if to != Ok(self.id) {
            return Err(CallError::Unavailable(format!(
                "FFA_MSG_SEND_DIRECT_REQ: {to:?}"
            )));
        }
        let f = Frame {
            func: ffa::MSG_SEND_DIRECT_REQ,
            msg: req,
        };
        if let Err(e) = self.send(&f, None) {
            return Err(if op == OP_CALL {
                CallError::NotDelivered(format!("send: {e}"))
            } else {
                CallError::Died(format!("send: {e}"))
            });
        }
        loop {
            let f = self.recv().map_err(CallError::Died)?;
            match f.func {
                ffa::MSG_SEND_DIRECT_RESP => {
                    let to = self.spm.state.locked().0.direct_resp(self.id, &f.msg);
                    return match to {
                        Ok(wire::TA_HOST) => Ok(f),
                        r => Err(CallError::Died(format!(
                            "a response the SPMC refuses ({r:?})"
                        ))),
                    };
                }
                ffa::MSG_SEND_DIRECT_REQ => {
                    // While serving, a partition may only ask its peers;
                    // oxtee's partitions have none, so whatever the SPMC
                    // says, the request goes nowhere.
                    let r = self.spm.state.locked().0.direct_req(self.id, &f.msg);
                    let e = match r {
                        Err(e) => e,
                        Ok(_) => oxtee_spmc::Error::NotSupported,
                    };
                    tracing::warn!(
                        "partition {:#06x}: a direct request {:?} refused: {e}",
                        self.id,
                        f.msg
                    );
                    let err = Frame {
                        func: ffa::ERROR,
                        msg: Direct {
                            sender: 0,
                            receiver: self.id,
                            args: [(e as i32) as u32 as u64, 0, 0, 0, 0],
                        },
                    };
                    self.send(&err, None)
                        .map_err(|e| CallError::Died(format!("send: {e}")))?;
                }
                other => return Err(CallError::Died(format!("function {other:#x}"))),
            }
        }
    }

    /// Give the region's large pages back after a transfer.
    fn trim(&self, bulk: u64) {
        const KEEP: u64 = 1 << 20;
        if bulk > KEEP {
            let from = wire::HEADER_MAX as u64 + KEEP;
            let _ = oxtee_sys::discard(self.region.as_fd(), from, self.size - from);
        }
    }

    /// Send `req` (with `bulk`) and return the partition's answer,
    /// performing its RPCs with `rpc` on the way. A partition that is not
    /// running is started first, and its first request is `start(generation)`,
    /// whose answer `started` checks. A request that could not be
    /// delivered (the process had died since the last one) goes to a new
    /// process; one that was delivered is not sent twice.
    pub fn call<Q, A>(
        &mut self,
        start: &dyn Fn(u32) -> Q,
        started: &dyn Fn(A) -> Result<(), (u32, String)>,
        req: &Q,
        bulk: &[u8],
        rpc: RpcHandler<'_>,
    ) -> Result<(A, Vec<u8>), CallError>
    where
        Q: Serialize,
        A: for<'de> Deserialize<'de>,
    {
        for attempt in 0..2 {
            if self.live.is_none() {
                if let Err(e) = self.start() {
                    self.died(&e);
                    return Err(CallError::Unavailable(e));
                }
                match self.call_once::<Q, A>(&start(self.generation), &[], rpc) {
                    Ok((a, _)) => {
                        if let Err((code, why)) = started(a) {
                            self.died("refused to start");
                            return Err(CallError::Refused(code, why));
                        }
                    }
                    Err(e) => {
                        self.died(&format!("{e:?}"));
                        return Err(CallError::Unavailable(format!("{e:?}")));
                    }
                }
            }
            match self.call_once::<Q, A>(req, bulk, rpc) {
                Err(CallError::NotDelivered(why)) => {
                    self.died(&why);
                    if attempt == 1 {
                        return Err(CallError::Died(why));
                    }
                }
                Err(CallError::Died(why)) => {
                    self.died(&why);
                    return Err(CallError::Died(why));
                }
                r => return r,
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    fn call_once<Q, A>(
        &mut self,
        req: &Q,
        bulk: &[u8],
        rpc: RpcHandler<'_>,
    ) -> Result<(A, Vec<u8>), CallError>
    where
        Q: Serialize,
        A: for<'de> Deserialize<'de>,
    {
        if self.live.is_none() {
            return Err(CallError::Unavailable("not running".into()));
        }
        let lens = wire::put(&wire::FileRegion(&self.region, self.size), req, bulk)
            .map_err(|_| CallError::TooLarge)?;
        let mut op = OP_CALL;
        let mut lens = lens;
        let mut moved = lens[1];
        loop {
            let f = self.exchange(op, lens)?;
            let got = [f.msg.args[1], f.msg.args[2]];
            moved = moved.max(got[1]);
            match f.msg.args[0] {
                OP_ANSWER => {
                    let r = wire::take::<A>(&wire::FileRegion(&self.region, self.size), got)
                        .map_err(|e| CallError::Died(format!("answer: {e:?}")));
                    self.trim(moved);
                    return r;
                }
                OP_RPC => {
                    let (q, data) =
                        wire::take::<Rpc>(&wire::FileRegion(&self.region, self.size), got)
                            .map_err(|e| CallError::Died(format!("RPC: {e:?}")))?;
                    let (a, out) = rpc(q, data);
                    moved = moved.max(out.len() as u64);
                    lens = wire::put(&wire::FileRegion(&self.region, self.size), &a, &out)
                        .map_err(|_| CallError::Died("RPC answer too large".into()))?;
                    op = OP_RPC_ANSWER;
                }
                other => return Err(CallError::Died(format!("unknown answer {other}"))),
            }
        }
    }
}

impl Drop for Partition {
    fn drop(&mut self) {
        if let Some(mut live) = self.live.take() {
            live.ch.shutdown();
            if let Some(c) = live.child.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// How long a partition may be silent in a request before it is taken
/// for hung (deriving the RSA attestation key takes seconds; storage
/// requests wait on the supplicant, which has its own timeout).
const PARTITION_TIMEOUT: Duration = Duration::from_secs(120);

/// The launcher of `oxtee partition <kind>`, reading the HUK from
/// `huk_file`, within `memory` bytes of address space.
pub fn process_launcher(kind: &'static str, huk_file: std::path::PathBuf, memory: u64) -> Launcher {
    Box::new(move || {
        let (mine, theirs) = oxtee_sys::Channel::pair()?;
        let args = [
            "partition".into(),
            kind.into(),
            "--huk-file".into(),
            huk_file.clone().into_os_string(),
            "--memory".into(),
            memory.to_string().into(),
        ];
        let child = crate::supplicant::spawn(&args, None, theirs)?;
        Ok((mine, Some(child)))
    })
}

/// Partitioned mode's storage and crypto partitions for `cfg` (their
/// processes start on first use: the storage partition's at once, when
/// the core opens its store).
pub fn start_partitions(cfg: &crate::config::Config) -> Result<(Partition, Partition), String> {
    let spm = Spm::new()?;
    let memory = |id| spm.state.locked().0.manifest(id).map_or(0, |m| m.memory);
    let (storage_memory, crypto_memory) = (memory(wire::STORAGE), memory(wire::CRYPTO));
    let huk_file = cfg
        .huk_file
        .clone()
        .unwrap_or_else(|| cfg.storage_dir.join("huk"));
    let storage = Partition::new(
        spm.clone(),
        wire::STORAGE,
        process_launcher("storage", huk_file.clone(), storage_memory),
        PARTITION_TIMEOUT,
    )?;
    let crypto = Partition::new(
        spm,
        wire::CRYPTO,
        process_launcher("crypto", huk_file, crypto_memory),
        PARTITION_TIMEOUT,
    )?;
    Ok((storage, crypto))
}

#[cfg(test)]
mod tests {
    //! The SPMC against partitions that misbehave, each played by a
    //! thread on the other end of the channel.

    use super::*;
    use oxtee_partition::wire::{StorageAns, StorageReq};
    use oxtee_sys::{Channel, Mapping};
    use std::sync::mpsc;

    /// The partition's side of the start: the share notice, the retrieve
    /// request, the region.
    fn handshake(ch: &Channel, me: Id) -> (Mapping, std::os::fd::OwnedFd) {
        let f = recv(ch).0;
        assert_eq!(f.func, ffa::MEM_SHARE);
        let (handle, size) = (f.msg.args[0], f.msg.args[1]);
        send(
            ch,
            ffa::MEM_RETRIEVE_REQ,
            me,
            wire::TA_HOST,
            [handle, 0, 0, 0, 0],
        );
        let (f, mut fds) = recv(ch);
        assert_eq!(f.func, wire::MEM_RETRIEVE_RESP);
        let fd = fds.pop().unwrap();
        (Mapping::map(fd.as_fd(), size as usize).unwrap(), fd)
    }

    fn send(ch: &Channel, func: u32, sender: Id, receiver: Id, args: [u64; 5]) {
        let f = Frame {
            func,
            msg: Direct {
                sender,
                receiver,
                args,
            },
        };
        let _ = ch.send(&f.to_bytes(), &[]);
    }

    fn recv(ch: &Channel) -> (Frame, Vec<std::os::fd::OwnedFd>) {
        let mut b = [0u8; wire::FRAME];
        let mut fds = Vec::new();
        let n = ch.recv(&mut b, &mut fds).unwrap().unwrap_or(0);
        (
            Frame::from_bytes(&b[..n]).unwrap_or(Frame {
                func: 0,
                msg: Direct {
                    sender: 0,
                    receiver: 0,
                    args: [0; 5],
                },
            }),
            fds,
        )
    }

    /// Answer a request as a good storage partition would (`sender` is
    /// who the answer claims to be from).
    fn answer(ch: &Channel, region: &Mapping, sender: Id, a: &StorageAns) {
        let lens = wire::put(region, a, &[]).unwrap();
        send(
            ch,
            ffa::MSG_SEND_DIRECT_RESP,
            sender,
            wire::TA_HOST,
            [OP_ANSWER, lens[0], lens[1], 0, 0],
        );
    }

    /// A link to a storage partition played by `play` (one thread per
    /// start, given the start's number).
    fn link(play: impl Fn(u32, Channel) + Send + Sync + 'static) -> Partition {
        let play = Arc::new(play);
        let starts = std::sync::atomic::AtomicU32::new(0);
        let launch: Launcher = Box::new(move || {
            let (mine, theirs) = Channel::pair()?;
            let play = play.clone();
            let n = starts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            std::thread::spawn(move || play(n, theirs));
            Ok((mine, None))
        });
        Partition::new(
            Spm::new().unwrap(),
            wire::STORAGE,
            launch,
            Duration::from_secs(10),
        )
        .unwrap()
    }

    fn close_all(p: &mut Partition) -> Result<(StorageAns, Vec<u8>), CallError> {
        let start = |generation| StorageReq::Start {
            generation,
            huk: None,
        };
        let started = |a: StorageAns| match a {
            StorageAns::Started(r) => r,
            _ => Err((1, "not started".into())),
        };
        let mut rpc = |_, _| (RpcAns::Done, Vec::new());
        p.call(
            &start,
            &started,
            &StorageReq::CloseAll { owner: 1 },
            &[],
            &mut rpc,
        )
    }

    /// Serve requests well until the channel closes.
    fn serve_well(ch: &Channel, region: &Mapping) {
        loop {
            let (f, _) = recv(ch);
            if f.func != ffa::MSG_SEND_DIRECT_REQ {
                return;
            }
            let (req, _) =
                wire::take::<StorageReq>(region, [f.msg.args[1], f.msg.args[2]]).unwrap();
            let a = match req {
                StorageReq::Start { .. } => StorageAns::Started(Ok(())),
                _ => StorageAns::Closed,
            };
            answer(ch, region, wire::STORAGE, &a);
        }
    }

    #[test]
    fn an_answer_claiming_another_partitions_id_ends_the_partition() {
        let mut p = link(|n, ch| {
            let (region, _fd) = handshake(&ch, wire::STORAGE);
            if n == 1 {
                // Claims to be the crypto partition.
                let _ = recv(&ch);
                answer(&ch, &region, wire::CRYPTO, &StorageAns::Started(Ok(())));
                // The SPMC hangs up on it.
                assert_eq!(recv(&ch).0.func, 0, "nothing more for a forger");
            } else {
                serve_well(&ch, &region);
            }
        });
        assert!(matches!(close_all(&mut p), Err(CallError::Unavailable(_))));
        assert_eq!(p.generation, 1);
        // The next request starts a new process, which works.
        assert_eq!(close_all(&mut p).unwrap().0, StorageAns::Closed);
        assert_eq!(p.generation, 2);
    }

    #[test]
    fn a_request_to_a_partition_that_is_not_a_peer_is_refused() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let mut p = link(move |_, ch| {
            let (region, _fd) = handshake(&ch, wire::STORAGE);
            let _ = recv(&ch); // Start
            // The storage partition has no peers: asking the crypto
            // partition (or the TA host) for anything is denied.
            for to in [wire::CRYPTO, wire::TA_HOST] {
                send(
                    &ch,
                    ffa::MSG_SEND_DIRECT_REQ,
                    wire::STORAGE,
                    to,
                    [9, 0, 0, 0, 0],
                );
                let (f, _) = recv(&ch);
                tx.locked()
                    .send((f.func, f.msg.args[0] as u32 as i32))
                    .unwrap();
            }
            answer(&ch, &region, wire::STORAGE, &StorageAns::Started(Ok(())));
            serve_well(&ch, &region);
        });
        assert_eq!(close_all(&mut p).unwrap().0, StorageAns::Closed);
        let denied = (ffa::ERROR, oxtee_spmc::Error::Denied as i32);
        assert_eq!(rx.recv().unwrap(), denied);
        assert_eq!(rx.recv().unwrap(), denied);
        assert_eq!(p.generation, 1, "a refused request is not a crash");
    }

    #[test]
    fn a_partition_truncating_the_region_cannot_crash_the_core() {
        let mut p = link(move |n, ch| {
            let (region, fd) = handshake(&ch, wire::STORAGE);
            let _ = recv(&ch);
            answer(&ch, &region, wire::STORAGE, &StorageAns::Started(Ok(())));
            if n == 1 {
                // Its answer, then the region cut to nothing under the
                // core's feet.
                let _ = recv(&ch);
                let lens = wire::put(&region, &StorageAns::Closed, &[]).unwrap();
                nix::unistd::ftruncate(&fd, 0).unwrap();
                send(
                    &ch,
                    ffa::MSG_SEND_DIRECT_RESP,
                    wire::STORAGE,
                    wire::TA_HOST,
                    [OP_ANSWER, lens[0], lens[1], 0, 0],
                );
                let _ = recv(&ch);
            } else {
                serve_well(&ch, &region);
            }
        });
        match close_all(&mut p) {
            Err(CallError::Died(why)) => assert!(why.contains("answer"), "{why}"),
            r => panic!("a truncated region: {r:?}"),
        }
        assert_eq!(close_all(&mut p).unwrap().0, StorageAns::Closed);
        assert_eq!(p.generation, 2);
    }

    #[test]
    fn a_partition_dying_mid_request_fails_that_request_only_and_loses_the_region() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let mut p = link(move |n, ch| {
            let (region, fd) = handshake(&ch, wire::STORAGE);
            let _ = recv(&ch);
            answer(&ch, &region, wire::STORAGE, &StorageAns::Started(Ok(())));
            if n == 1 {
                let _ = recv(&ch); // the request, then gone...
                // ...but its descriptor of the region kept somewhere.
                tx.locked().send(fd).unwrap();
            } else {
                serve_well(&ch, &region);
            }
        });
        assert!(matches!(close_all(&mut p), Err(CallError::Died(_))));
        let old = std::fs::File::from(rx.recv().unwrap());
        assert_eq!(close_all(&mut p).unwrap().0, StorageAns::Closed);
        assert_eq!(p.generation, 2);
        // The region moved away from the dead partition's descriptor.
        use std::os::unix::fs::FileExt;
        let mut b = [0u8; 16];
        assert_eq!(
            old.read_at(&mut b, 0).unwrap(),
            0,
            "the dead partition reads nothing"
        );
        assert_eq!(old.metadata().unwrap().len(), 0);
    }
}
