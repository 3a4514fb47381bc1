//! The TrustZone tier's part of `oxtee trace`: the secure kernel records
//! the boundary crossings it takes part in, in the host tier's record
//! format ([`oxtee_proto::trace::Event`], one JSON line each), and serves
//! them through the same trace PTA ([`TracePta`], same UUID and commands).
//!
//! Each yielding SMC is four events: the normal world's SMC (`driver` ->
//! `monitor`, stamped by the monitor as it took the SMC), the world switch
//! into the kernel (`monitor` -> `kernel`), the switch back (`kernel` ->
//! `monitor`, with the SMC return it carries: `OPTEE_SMC_RETURN_OK`, or
//! `OPTEE_SMC_RETURN_RPC_CMD` and the RPC asked for), and the monitor's
//! return to the normal world (stamped by the monitor, and reported at the
//! next SMC). Between them, the TA entry points the kernel runs (`kernel`
//! -> `TA <uuid>`). An RPC is the SMC return that asks for it, the normal
//! world's work (Linux's driver, or the supplicant behind it: the secure
//! world does not see which), and the `RETURN_FROM_RPC` SMC that answers
//! it. The clock is the secure world's counter since reset, in
//! microseconds ([`oxtee_proto::trace::CMD_CLOCK`] tells a reader so).
//!
//! Cost: nobody tracing, one check of a flag per SMC and per entry point.
//! While someone traces, an SMC's events are kept until it returns and
//! then formatted once per subscriber; a subscriber holds at most
//! [`QUEUE_BYTES`] unread (beyond them events are dropped and counted).
//! The trace PTA's own calls are never recorded (a reader would otherwise
//! read about its reading).
//!
//! Who may trace: only a client the normal world's kernel vouches for as
//! root (`TEE_LOGIN_USER` with the client UUID Linux's driver computes for
//! uid 0): the crossings of every client are visible, and the secure
//! world cannot tell Linux's users apart otherwise. A TA may not.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;

use oxtee_gp::{
    LOGIN_USER, TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_BAD_STATE,
    TEE_ERROR_BUSY, TEE_ERROR_NOT_SUPPORTED, TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};
pub use oxtee_proto::trace::Event;
use oxtee_proto::trace::{
    CLOCK_SECURE_COUNTER, CMD_CLOCK, CMD_READ, CMD_START, Lines, MAX_WAIT_MS, PTA_UUID,
};

use crate::optee;
use crate::pta::{Client, Dir, Invoked, Param, Pta, param_types};
use crate::rpc::Rpc;
use oxtee_core::pta::types;

/// What one subscriber may hold unread before events are dropped.
pub const QUEUE_BYTES: usize = 256 << 10;
/// Subscriptions at once.
pub const MAX_SUBSCRIBERS: usize = 4;
/// The client UUID Linux's driver gives a `TEE_LOGIN_USER` session of
/// uid 0: UUIDv5 of "uid=0" in its client name space
/// (58ac9ca0-2086-4683-a1b8-ec4bc08e01b6), ef0180a3-13f3-5d1c-b7f5-888c0e21059a.
pub const ROOT_CLIENT: [u8; 16] = [
    0xef, 0x01, 0x80, 0xa3, 0x13, 0xf3, 0x5d, 0x1c, 0xb7, 0xf5, 0x88, 0x8c, 0x0e, 0x21, 0x05, 0x9a,
];

/// Whether `client` is a normal-world client Linux's driver vouches for
/// as root (who may watch every client: the trace and status PTAs).
pub fn vouched_root(client: &Client) -> bool {
    client.ta.is_none() && client.login == LOGIN_USER && client.uuid == ROOT_CLIENT
}

/// The secure world's clock, in microseconds.
pub type Clock = fn() -> u64;

/// The participant name of TA `uuid` (`pseudo`: a pseudo-TA, `PTA
/// <uuid>`).
pub fn ta_participant(uuid: &[u8; 16], pseudo: bool) -> String {
    oxtee_proto::trace::ta_participant(&oxtee_proto::Uuid(*uuid), pseudo)
}

/// A crossing from `from` to `to` of `name` at `t_us`.
pub fn crossing(t_us: u64, from: &str, to: &str, name: &str) -> Event {
    Event {
        t_us,
        from: from.into(),
        to: to.into(),
        name: name.into(),
        ..Event::default()
    }
}

/// When the monitor saw an SMC: as it took it, and as it last returned
/// to the normal world from a yielding call (microseconds, the tracer's
/// clock).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamps {
    pub smc: u64,
    pub last_return: u64,
}

/// The tracer the kernel and its trace PTA share.
pub type SharedTracer = Rc<RefCell<Tracer>>;

/// The record being made and its subscribers.
pub struct Tracer {
    clock: Clock,
    subs: Vec<Sub>,
    next_id: u64,
    /// The events of the SMC being served, published when it returns.
    smc: Vec<Event>,
    /// The monitor's return to the normal world of the last SMC
    /// published: its time comes with the next SMC.
    eret: Option<Event>,
}

/// A subscription: the trace PTA session it belongs to, its TA filter
/// (the participant name), its unread lines.
struct Sub {
    session: u32,
    ta: Option<String>,
    lines: Lines,
}

impl Tracer {
    /// A tracer stamping with `clock`.
    pub fn new(clock: Clock) -> Tracer {
        Tracer {
            clock,
            subs: Vec::new(),
            next_id: 1,
            smc: Vec::new(),
            eret: None,
        }
    }

    /// Stamp with `clock` from now on.
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// Whether anyone traces.
    pub fn on(&self) -> bool {
        !self.subs.is_empty()
    }

    /// The clock now.
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// Record the call `e` describes (its id given here); the event
    /// returned is what [`Tracer::ret`] answers.
    pub fn call(&mut self, mut e: Event) -> Event {
        e.id = self.next_id;
        self.next_id += 1;
        e.ev = "call".into();
        self.smc.push(e.clone());
        e
    }

    /// Record the return of `call` at `t_us`.
    pub fn ret(&mut self, mut call: Event, t_us: u64, ret: Option<u32>, origin: Option<u32>) {
        call.us = Some(t_us.saturating_sub(call.t_us));
        call.t_us = t_us;
        call.ev = "return".into();
        core::mem::swap(&mut call.from, &mut call.to);
        call.ret = ret;
        call.origin = origin;
        self.smc.push(call);
    }

    /// An SMC from the normal world begins (SMC function `smc`): the
    /// last one's return to the normal world is published, this one's
    /// SMC and world switch recorded.
    pub fn begin(&mut self, at: Stamps, smc: &str) {
        self.smc.clear();
        if let Some(mut e) = self.eret.take() {
            e.us = Some(at.last_return.saturating_sub(e.t_us));
            e.t_us = at.last_return;
            let ta = e.ta.clone();
            self.publish(&[e], ta.as_deref());
        }
        let now = self.now();
        self.call(Event {
            smc: Some(smc.into()),
            ..crossing(at.smc, "driver", "monitor", "SMC")
        });
        self.call(crossing(now, "monitor", "kernel", "world switch"));
    }

    /// The SMC ends, answering `out` (its x0; for an RPC `rpc` names
    /// the RPC asked for): its events are published, those of the
    /// calls on `ta` only to subscribers of every TA or of that one;
    /// `msg` names the `optee_msg` command it carried, `result` its GP
    /// result and origin if it completed one.
    pub fn end(
        &mut self,
        out: u64,
        msg: Option<&str>,
        rpc: Option<&str>,
        ta: Option<&[u8; 16]>,
        result: Option<(u32, u32)>,
    ) {
        if self.smc.len() < 2 {
            self.smc.clear();
            return;
        }
        let now = self.now();
        let ta = ta.map(|u| oxtee_proto::Uuid(*u).to_string());
        for e in &mut self.smc {
            if e.ta.is_none() {
                e.ta = ta.clone();
            }
        }
        let msg = msg.map(String::from);
        self.smc[0].msg = msg.clone();
        self.smc[1].msg = msg;
        let mut switch = self.smc[1].clone();
        let mut smc_ret = self.smc[0].clone();
        switch.smc = Some(smc_return(out).into());
        switch.msg = rpc.map(String::from);
        let (ret, origin) = result.unzip();
        self.ret(switch, now, ret, origin);
        smc_ret.ev = "return".into();
        core::mem::swap(&mut smc_ret.from, &mut smc_ret.to);
        smc_ret.smc = Some(smc_return(out).into());
        smc_ret.msg = rpc.map(String::from);
        smc_ret.ret = ret;
        smc_ret.origin = origin;
        self.eret = Some(smc_ret);
        let events = core::mem::take(&mut self.smc);
        self.publish(&events, ta.as_deref());
    }

    /// The SMC ends unrecorded (a trace PTA call).
    pub fn discard(&mut self) {
        self.smc.clear();
    }

    fn publish(&mut self, events: &[Event], ta: Option<&str>) {
        let wants = |s: &Sub| s.ta.as_deref().is_none_or(|want| Some(want) == ta);
        if !self.subs.iter().any(wants) {
            return;
        }
        for e in events {
            let mut line = serde_json::to_string(e).unwrap_or_default();
            line.push('\n');
            for s in self.subs.iter_mut().filter(|s| wants(s)) {
                s.lines.push(line.clone(), QUEUE_BYTES);
            }
        }
    }

    /// Subscribe trace PTA session `session` (to the crossings of TA
    /// `ta`, or all).
    fn subscribe(&mut self, session: u32, ta: Option<[u8; 16]>) -> u32 {
        if self.subs.iter().any(|s| s.session == session) {
            return TEE_ERROR_BAD_STATE;
        }
        if self.subs.len() >= MAX_SUBSCRIBERS {
            return TEE_ERROR_BUSY;
        }
        self.subs.push(Sub {
            session,
            ta: ta.map(|u| oxtee_proto::Uuid(u).to_string()),
            lines: Lines::default(),
        });
        TEE_SUCCESS
    }

    fn unsubscribe(&mut self, session: u32) {
        self.subs.retain(|s| s.session != session);
        if self.subs.is_empty() {
            self.eret = None;
        }
    }

    /// Whole lines of at most `max` bytes (a report of dropped events
    /// first, alone), or the size the next line needs; `None` before
    /// START.
    fn read(&mut self, session: u32, max: usize) -> Option<Result<String, usize>> {
        let now = self.now();
        let s = self.subs.iter_mut().find(|s| s.session == session)?;
        Some(s.lines.take(max, |n| {
            let e = Event {
                t_us: now,
                ev: "dropped".into(),
                from: "kernel".into(),
                to: "kernel".into(),
                name: "dropped".into(),
                n: Some(n),
                ..Event::default()
            };
            let mut line = serde_json::to_string(&e).unwrap_or_default();
            line.push('\n');
            line
        }))
    }

    /// Events session `session` lost since its last read.
    #[cfg(test)]
    pub(crate) fn dropped(&self, session: u32) -> u64 {
        self.subs
            .iter()
            .find(|s| s.session == session)
            .map_or(0, |s| s.lines.dropped())
    }

    fn has_lines(&self, session: u32) -> bool {
        self.subs
            .iter()
            .any(|s| s.session == session && !s.lines.is_empty())
    }
}

/// The name of an SMC function the kernel serves.
pub fn smc_name(id: u32) -> &'static str {
    match id {
        optee::CALL_WITH_ARG => "OPTEE_SMC_CALL_WITH_ARG",
        optee::CALL_WITH_RPC_ARG => "OPTEE_SMC_CALL_WITH_RPC_ARG",
        optee::CALL_WITH_REGD_ARG => "OPTEE_SMC_CALL_WITH_REGD_ARG",
        optee::RETURN_FROM_RPC => "OPTEE_SMC_CALL_RETURN_FROM_RPC",
        _ => "OPTEE_SMC_(unknown)",
    }
}

/// The name of an SMC return value.
pub fn smc_return(x0: u64) -> &'static str {
    match x0 {
        optee::RETURN_OK => "OPTEE_SMC_RETURN_OK",
        optee::RETURN_ETHREAD_LIMIT => "OPTEE_SMC_RETURN_ETHREAD_LIMIT",
        optee::RETURN_EBUSY => "OPTEE_SMC_RETURN_EBUSY",
        optee::RETURN_ERESUME => "OPTEE_SMC_RETURN_ERESUME",
        optee::RETURN_EBADADDR => "OPTEE_SMC_RETURN_EBADADDR",
        optee::RETURN_EBADCMD => "OPTEE_SMC_RETURN_EBADCMD",
        optee::RETURN_ENOMEM => "OPTEE_SMC_RETURN_ENOMEM",
        optee::RETURN_ENOTAVAIL => "OPTEE_SMC_RETURN_ENOTAVAIL",
        optee::RETURN_RPC_CMD => "OPTEE_SMC_RETURN_RPC_CMD",
        optee::RETURN_RPC_FOREIGN_INTR => "OPTEE_SMC_RETURN_RPC_FOREIGN_INTR",
        _ => "OPTEE_SMC_RETURN_UNKNOWN_FUNCTION",
    }
}

/// The name of an `optee_msg` command.
pub fn msg_name(cmd: u32) -> &'static str {
    match cmd {
        optee::CMD_OPEN_SESSION => "OPTEE_MSG_CMD_OPEN_SESSION",
        optee::CMD_INVOKE_COMMAND => "OPTEE_MSG_CMD_INVOKE_COMMAND",
        optee::CMD_CLOSE_SESSION => "OPTEE_MSG_CMD_CLOSE_SESSION",
        optee::CMD_CANCEL => "OPTEE_MSG_CMD_CANCEL",
        optee::CMD_REGISTER_SHM => "OPTEE_MSG_CMD_REGISTER_SHM",
        optee::CMD_UNREGISTER_SHM => "OPTEE_MSG_CMD_UNREGISTER_SHM",
        _ => "OPTEE_MSG_CMD_(unknown)",
    }
}

/// The name of an RPC command.
pub fn rpc_name(cmd: u32) -> &'static str {
    use optee::rpc::cmd;
    match cmd {
        cmd::LOAD_TA => "OPTEE_RPC_CMD_LOAD_TA",
        cmd::RPMB => "OPTEE_RPC_CMD_RPMB",
        cmd::FS => "OPTEE_RPC_CMD_FS",
        cmd::GET_TIME => "OPTEE_RPC_CMD_GET_TIME",
        cmd::NOTIFICATION => "OPTEE_RPC_CMD_NOTIFICATION",
        cmd::SUSPEND => "OPTEE_RPC_CMD_SUSPEND",
        cmd::SHM_ALLOC => "OPTEE_RPC_CMD_SHM_ALLOC",
        cmd::SHM_FREE => "OPTEE_RPC_CMD_SHM_FREE",
        cmd::GPROF => "OPTEE_RPC_CMD_GPROF",
        cmd::SOCKET => "OPTEE_RPC_CMD_SOCKET",
        _ => "OPTEE_RPC_CMD_(unknown)",
    }
}

/// oxtee's trace PTA in the secure kernel (the host tier's commands:
/// START, READ, CLOCK). A START naming a client pid is NOT_SUPPORTED:
/// the secure world does not know the normal world's processes.
pub struct TracePta {
    tracer: SharedTracer,
}

impl TracePta {
    /// The PTA over `tracer`.
    pub fn new(tracer: SharedTracer) -> TracePta {
        TracePta { tracer }
    }
}

impl Pta for TracePta {
    fn uuid(&self) -> [u8; 16] {
        PTA_UUID
    }

    fn open_session(&mut self, _session: u32, client: &Client, _params: &mut [Param; 4]) -> u32 {
        if vouched_root(client) {
            TEE_SUCCESS
        } else {
            TEE_ERROR_ACCESS_DENIED
        }
    }

    fn close_session(&mut self, session: u32) {
        self.tracer.borrow_mut().unsubscribe(session);
    }

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4], rpc: &Rpc) -> Invoked {
        let t = param_types(p);
        let done = Invoked::Done;
        match cmd {
            CMD_START if t == types(1, 0, 0, 0) || t == types(1, 5, 0, 0) => {
                let Param::Value { a: pid, .. } = p[0] else {
                    return done(TEE_ERROR_BAD_PARAMETERS);
                };
                if pid != 0 {
                    return done(TEE_ERROR_NOT_SUPPORTED);
                }
                let ta = match &p[1] {
                    Param::Memref { data, .. } => match <[u8; 16]>::try_from(&data[..]) {
                        Ok(u) => Some(u),
                        Err(_) => return done(TEE_ERROR_BAD_PARAMETERS),
                    },
                    _ => None,
                };
                done(self.tracer.borrow_mut().subscribe(session, ta))
            }
            CMD_READ if t == types(1, 6, 0, 0) => {
                let Param::Value { a: wait, .. } = p[0] else {
                    return done(TEE_ERROR_BAD_PARAMETERS);
                };
                if !self
                    .tracer
                    .borrow()
                    .subs
                    .iter()
                    .any(|s| s.session == session)
                {
                    return done(TEE_ERROR_BAD_STATE);
                }
                let wait = wait.min(MAX_WAIT_MS);
                if wait == 0 || self.tracer.borrow().has_lines(session) {
                    return done(read_into(&self.tracer, session, p));
                }
                // Nothing yet: wait in the normal world, 10 ms at a time.
                let mut p = core::mem::replace(p, crate::pta::no_params());
                let (tracer, rpc) = (self.tracer.clone(), rpc.clone());
                Invoked::Later(Box::pin(async move {
                    let mut left = wait;
                    while left > 0 && !rpc.cancelled() && !tracer.borrow().has_lines(session) {
                        let step = left.min(10);
                        if let Err(code) = rpc.suspend(step).await {
                            return (code, p);
                        }
                        left -= step;
                    }
                    let ret = read_into(&tracer, session, &mut p);
                    (ret, p)
                }))
            }
            CMD_CLOCK if t == types(2, 2, 0, 0) => {
                let now = self.tracer.borrow().now();
                p[0] = Param::Value {
                    a: now as u32,
                    b: (now >> 32) as u32,
                    dir: Dir::Out,
                };
                p[1] = Param::Value {
                    a: CLOCK_SECURE_COUNTER,
                    b: 0,
                    dir: Dir::Out,
                };
                done(TEE_SUCCESS)
            }
            CMD_START | CMD_READ | CMD_CLOCK => done(TEE_ERROR_BAD_PARAMETERS),
            _ => done(TEE_ERROR_NOT_SUPPORTED),
        }
    }
}

/// READ's answer into `p[1]`.
fn read_into(tracer: &SharedTracer, session: u32, p: &mut [Param; 4]) -> u32 {
    let Param::Memref { data, size, .. } = &mut p[1] else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    match tracer.borrow_mut().read(session, data.len()) {
        None => TEE_ERROR_BAD_STATE,
        Some(Ok(text)) => {
            data[..text.len()].copy_from_slice(text.as_bytes());
            *size = text.len();
            TEE_SUCCESS
        }
        Some(Err(need)) => {
            *size = need;
            TEE_ERROR_SHORT_BUFFER
        }
    }
}
