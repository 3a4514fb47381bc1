//! Live traces of the secure world's boundary crossings (`oxtee trace`).
//!
//! Each crossing the core takes part in is a pair of [`Event`]s, a call
//! and its return, with the same `id`: a client's request through
//! libteec (the SMC analogue, with the OP-TEE SMC and message function it
//! stands for), the core calling a TA's entry points, a TA calling the
//! core (its system calls: TA-to-TA sessions, storage, time), the core
//! asking the normal world's supplicant (OP-TEE's RPCs). Subscribers
//! receive them as JSON lines through oxtee's trace PTA
//! ([`TracePta`]).
//!
//! Cost: with nobody subscribed, a request costs one atomic load and each
//! crossing one thread-local check. While anyone is subscribed, direct
//! channels are turned off (the TA runtime answers their calls with
//! `Redirect`, so every invoke passes the core and is seen), and each
//! crossing is formatted once per matching subscriber. A subscriber that
//! does not read loses events beyond [`QUEUE_BYTES`] (counted, and
//! reported in the stream), never slows the core down.

use crate::LockExt;
use crate::pta::{Caller, Pta, SessionState};
use oxtee_core::codes::*;
use oxtee_core::pta::{Dir, Param, param_types, types};
use oxtee_proto::Uuid;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

/// What one subscriber may hold unread before events are dropped.
pub const QUEUE_BYTES: usize = 4 << 20;
/// Subscriptions at once, in all (each may hold [`QUEUE_BYTES`]).
pub const MAX_SUBSCRIBERS: usize = 32;
/// Subscriptions at once of one client uid.
pub const MAX_SUBSCRIBERS_PER_UID: usize = 4;

pub use oxtee_proto::trace::Event;
use oxtee_proto::trace::Lines;

/// The participant name of TA `uuid`.
pub fn ta_participant(uuid: &Uuid) -> String {
    oxtee_proto::trace::ta_participant(uuid, false)
}

/// What a subscriber sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only crossings of this client uid's calls (forced for anyone but
    /// the core's user and root).
    pub uid: Option<u32>,
    /// Only this client process's crossings.
    pub pid: Option<i32>,
    /// Only crossings to, from or on behalf of this TA.
    pub ta: Option<Uuid>,
}

impl Filter {
    fn matches(&self, e: &Event, ta: Option<&Uuid>) -> bool {
        self.uid.is_none_or(|u| e.uid == Some(u))
            && self.pid.is_none_or(|p| e.pid == Some(p))
            && self.ta.is_none_or(|t| ta == Some(&t))
    }
}

/// One subscription: its filter and its unread lines.
pub struct Sub {
    /// The client uid it belongs to.
    owner: u32,
    filter: Filter,
    queue: Mutex<Lines>,
    ready: Condvar,
}

impl Sub {
    /// Take whole lines of at most `max` bytes in all, waiting up to
    /// `wait` (in slices of 100 ms, giving up when `abort` says so) for
    /// the first. `Err(n)`: the next line alone needs `n` bytes.
    pub fn read(
        &self,
        max: usize,
        wait: Duration,
        abort: &dyn Fn() -> bool,
    ) -> Result<String, usize> {
        let end = std::time::Instant::now() + wait;
        let mut q = self.queue.locked();
        while q.is_empty() {
            let now = std::time::Instant::now();
            if now >= end || abort() {
                return Ok(String::new());
            }
            let slice = (end - now).min(Duration::from_millis(100));
            q = self
                .ready
                .wait_timeout(q, slice)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        q.take(max, dropped_line)
    }

    fn push(&self, line: String) {
        self.queue.locked().push(line, QUEUE_BYTES);
        self.ready.notify_one();
    }
}

fn dropped_line(n: u64) -> String {
    let e = Event {
        t_us: oxtee_sys::monotonic_us(),
        ev: "dropped".into(),
        from: "core".into(),
        to: "core".into(),
        name: "dropped".into(),
        n: Some(n),
        ..Event::default()
    };
    let mut s = serde_json::to_string(&e).unwrap_or_default();
    s.push('\n');
    s
}

/// The core's subscribers.
#[derive(Default)]
pub struct Tracer {
    on: AtomicBool,
    subs: Mutex<Vec<Arc<Sub>>>,
    next: AtomicU64,
    /// Told when tracing starts or stops (the core turns direct
    /// channels off and on).
    hook: OnceLock<Box<dyn Fn(bool) + Send + Sync>>,
}

impl Tracer {
    /// Whether anyone is subscribed.
    pub fn on(&self) -> bool {
        self.on.load(Ordering::SeqCst)
    }

    /// Call `hook` whenever tracing starts or stops (set once).
    pub fn set_hook(&self, hook: Box<dyn Fn(bool) + Send + Sync>) {
        let _ = self.hook.set(hook);
    }

    /// A new subscription of client uid `owner` (ended by
    /// [`Tracer::unsubscribe`]); `None` beyond [`MAX_SUBSCRIBERS`] or
    /// [`MAX_SUBSCRIBERS_PER_UID`].
    pub fn subscribe(&self, owner: u32, filter: Filter) -> Option<Arc<Sub>> {
        let sub = Arc::new(Sub {
            owner,
            filter,
            queue: Mutex::new(Lines::default()),
            ready: Condvar::new(),
        });
        let mut subs = self.subs.locked();
        if subs.len() >= MAX_SUBSCRIBERS
            || subs.iter().filter(|s| s.owner == owner).count() >= MAX_SUBSCRIBERS_PER_UID
        {
            return None;
        }
        subs.push(sub.clone());
        if subs.len() == 1 {
            self.on.store(true, Ordering::SeqCst);
            if let Some(h) = self.hook.get() {
                h(true);
            }
        }
        Some(sub)
    }

    /// End a subscription.
    pub fn unsubscribe(&self, sub: &Arc<Sub>) {
        let mut subs = self.subs.locked();
        let before = subs.len();
        subs.retain(|s| !Arc::ptr_eq(s, sub));
        if before > 0 && subs.is_empty() {
            self.on.store(false, Ordering::SeqCst);
            if let Some(h) = self.hook.get() {
                h(false);
            }
        }
    }

    fn publish(&self, e: &Event, ta: Option<&Uuid>) {
        let subs = self.subs.locked().clone();
        let mut line: Option<String> = None;
        for s in subs.iter().filter(|s| s.filter.matches(e, ta)) {
            let l = line.get_or_insert_with(|| {
                let mut l = serde_json::to_string(e).unwrap_or_default();
                l.push('\n');
                l
            });
            s.push(l.clone());
        }
    }
}

/// The client call a thread is serving while tracing is on.
struct Scope {
    tracer: Arc<Tracer>,
    pid: i32,
    uid: u32,
    ctx: Option<u32>,
}

thread_local! {
    static SCOPE: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// While it lives, this thread's crossings are traced as the call of
/// client `pid`/`uid` (context `ctx`).
pub struct Entered(());

impl Drop for Entered {
    fn drop(&mut self) {
        SCOPE.with(|s| *s.borrow_mut() = None);
    }
}

/// Trace this thread's crossings as client `pid`'s while the result
/// lives: `None` (and nothing to do) when nobody is subscribed.
pub fn enter(tracer: &Arc<Tracer>, pid: i32, uid: u32, ctx: Option<u32>) -> Option<Entered> {
    if !tracer.on() {
        return None;
    }
    SCOPE.with(|s| {
        *s.borrow_mut() = Some(Scope {
            tracer: tracer.clone(),
            pid,
            uid,
            ctx,
        })
    });
    Some(Entered(()))
}

/// This thread's traced scope, to be carried to a thread that finishes
/// its work (a TA's destroy runs off the client's path).
pub struct Carried(Scope);

/// The scope this thread is in, if traced.
pub fn carry() -> Option<Carried> {
    SCOPE.with(|s| {
        s.borrow().as_ref().map(|c| {
            Carried(Scope {
                tracer: c.tracer.clone(),
                pid: c.pid,
                uid: c.uid,
                ctx: c.ctx,
            })
        })
    })
}

impl Carried {
    /// Trace this thread's crossings in the carried scope while the
    /// result lives.
    pub fn enter(self) -> Entered {
        SCOPE.with(|s| *s.borrow_mut() = Some(self.0));
        Entered(())
    }
}

/// A crossing, as its caller describes it.
pub struct Crossing {
    pub from: String,
    pub to: String,
    pub name: &'static str,
    pub smc: Option<&'static str>,
    pub msg: Option<&'static str>,
    pub session: Option<u32>,
    /// The TA it belongs to (for filters and the event's `ta`).
    pub ta: Option<Uuid>,
    pub instance: Option<u64>,
    pub cmd: Option<u32>,
}

impl Crossing {
    /// A crossing from `from` to `to` through `name`.
    pub fn new(from: impl Into<String>, to: impl Into<String>, name: &'static str) -> Crossing {
        Crossing {
            from: from.into(),
            to: to.into(),
            name,
            smc: None,
            msg: None,
            session: None,
            ta: None,
            instance: None,
            cmd: None,
        }
    }
}

/// A crossing whose call was traced: its return is traced by [`Span::ret`].
pub struct Span {
    tracer: Arc<Tracer>,
    base: Event,
    ta: Option<Uuid>,
}

/// Trace the call of the crossing `f` describes, if this thread is in a
/// traced scope (`f` runs only then; `None` from it: not traced).
pub fn call(f: impl FnOnce() -> Option<Crossing>) -> Option<Span> {
    SCOPE.with(|s| {
        let s = s.borrow();
        let scope = s.as_ref()?;
        let c = f()?;
        let base = Event {
            t_us: oxtee_sys::monotonic_us(),
            id: scope.tracer.next.fetch_add(1, Ordering::Relaxed) + 1,
            ev: "call".into(),
            from: c.from,
            to: c.to,
            name: c.name.into(),
            smc: c.smc.map(Into::into),
            msg: c.msg.map(Into::into),
            pid: Some(scope.pid),
            uid: Some(scope.uid),
            ctx: scope.ctx,
            session: c.session,
            ta: c.ta.map(|u| u.to_string()),
            instance: c.instance,
            cmd: c.cmd,
            ..Event::default()
        };
        scope.tracer.publish(&base, c.ta.as_ref());
        Some(Span {
            tracer: scope.tracer.clone(),
            base,
            ta: c.ta,
        })
    })
}

impl Span {
    /// Trace the return, with its result (and origin, if it has one).
    pub fn ret(self, ret: u32, origin: Option<u32>) {
        self.ret_with(ret, origin, None);
    }

    /// [`Span::ret`], naming the session the call opened.
    pub fn ret_with(mut self, ret: u32, origin: Option<u32>, session: Option<u32>) {
        let now = oxtee_sys::monotonic_us();
        let e = &mut self.base;
        e.us = Some(now.saturating_sub(e.t_us));
        e.t_us = now;
        e.ev = "return".into();
        std::mem::swap(&mut e.from, &mut e.to);
        e.ret = Some(ret);
        e.origin = origin;
        if session.is_some() {
            e.session = session;
        }
        self.tracer.publish(&self.base, self.ta.as_ref());
    }
}

/// oxtee's trace PTA: a client's window on the crossings (`oxtee
/// trace`). Clients only (a TA cannot watch the others); the core's user
/// and root see every client's crossings, anyone else only their own
/// uid's.
pub struct TracePta {
    tracer: Arc<Tracer>,
}

/// A trace session: its subscription, once started.
struct TraceSession {
    tracer: Arc<Tracer>,
    sub: Mutex<Option<Arc<Sub>>>,
}

impl Drop for TraceSession {
    fn drop(&mut self) {
        if let Some(s) = self.sub.locked().take() {
            self.tracer.unsubscribe(&s);
        }
    }
}

impl TracePta {
    /// 6f787465-0000-4000-8000-007472616365 ("oxte", "trace").
    pub const UUID: [u8; 16] = oxtee_proto::trace::PTA_UUID;
    /// See [`oxtee_proto::trace::CMD_START`].
    pub const START: u32 = oxtee_proto::trace::CMD_START;
    /// See [`oxtee_proto::trace::CMD_READ`].
    pub const READ: u32 = oxtee_proto::trace::CMD_READ;
    /// See [`oxtee_proto::trace::CMD_CLOCK`]: CLOCK_MONOTONIC here.
    pub const CLOCK: u32 = oxtee_proto::trace::CMD_CLOCK;
    /// The longest READ wait.
    pub const MAX_WAIT_MS: u32 = oxtee_proto::trace::MAX_WAIT_MS;

    /// The PTA of `tracer`.
    pub fn new(tracer: Arc<Tracer>) -> TracePta {
        TracePta { tracer }
    }

    fn state<'a>(caller: &'a Caller<'_>) -> Option<&'a TraceSession> {
        caller.state?.downcast_ref::<TraceSession>()
    }
}

impl Pta for TracePta {
    fn uuid(&self) -> Uuid {
        Uuid(Self::UUID)
    }

    fn monitoring(&self) -> bool {
        true
    }

    fn open(&self, caller: &Caller<'_>) -> Result<(), u32> {
        match caller.uid {
            Some(_) => Ok(()),
            None => Err(TEE_ERROR_ACCESS_DENIED),
        }
    }

    fn session_state(&self, _caller: &Caller<'_>) -> Option<SessionState> {
        Some(Box::new(TraceSession {
            tracer: self.tracer.clone(),
            sub: Mutex::new(None),
        }))
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let Some(session) = Self::state(caller) else {
            return TEE_ERROR_BAD_STATE;
        };
        let t = param_types(p);
        match cmd {
            Self::START if t == types(1, 0, 0, 0) || t == types(1, 5, 0, 0) => {
                let Param::Value { a: pid, .. } = p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let ta = match &p[1] {
                    Param::Memref { data, .. } => match <[u8; 16]>::try_from(&data[..]) {
                        Ok(u) => Some(Uuid(u)),
                        Err(_) => return TEE_ERROR_BAD_PARAMETERS,
                    },
                    _ => None,
                };
                let me = nix::unistd::geteuid().as_raw();
                let uid = caller.uid.filter(|&u| u != 0 && u != me);
                let mut sub = session.sub.locked();
                if sub.is_some() {
                    return TEE_ERROR_BAD_STATE;
                }
                let Some(owner) = caller.uid else {
                    return TEE_ERROR_ACCESS_DENIED;
                };
                let filter = Filter {
                    uid,
                    pid: (pid != 0).then_some(pid as i32),
                    ta,
                };
                match self.tracer.subscribe(owner, filter) {
                    Some(s) => {
                        *sub = Some(s);
                        TEE_SUCCESS
                    }
                    None => TEE_ERROR_BUSY,
                }
            }
            Self::READ if t == types(1, 6, 0, 0) => {
                let Param::Value { a: wait, .. } = p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Some(sub) = session.sub.locked().clone() else {
                    return TEE_ERROR_BAD_STATE;
                };
                let Param::Memref { data, size, .. } = &mut p[1] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let wait = Duration::from_millis(u64::from(wait.min(Self::MAX_WAIT_MS)));
                match sub.read(data.len(), wait, caller.abort) {
                    Ok(text) => {
                        data[..text.len()].copy_from_slice(text.as_bytes());
                        *size = text.len();
                        TEE_SUCCESS
                    }
                    Err(need) => {
                        *size = need;
                        TEE_ERROR_SHORT_BUFFER
                    }
                }
            }
            Self::CLOCK if t == types(2, 2, 0, 0) => {
                let now = oxtee_sys::monotonic_us();
                p[0] = Param::Value {
                    a: now as u32,
                    b: (now >> 32) as u32,
                    dir: Dir::Out,
                };
                p[1] = Param::Value {
                    a: oxtee_proto::trace::CLOCK_MONOTONIC,
                    b: 0,
                    dir: Dir::Out,
                };
                TEE_SUCCESS
            }
            Self::START | Self::READ | Self::CLOCK => TEE_ERROR_BAD_PARAMETERS,
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uuid(b: u8) -> Uuid {
        Uuid([b; 16])
    }

    fn traced(t: &Arc<Tracer>, pid: i32, uid: u32, ta: Option<Uuid>) {
        let _g = enter(t, pid, uid, Some(1));
        let s = call(|| {
            Some(Crossing {
                ta,
                ..Crossing::new("libteec", "core", "TEEC_InvokeCommand")
            })
        });
        s.expect("traced").ret(0, Some(4));
    }

    fn lines(s: &Sub) -> Vec<Event> {
        let text = s.read(1 << 20, Duration::ZERO, &|| false).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn nothing_is_traced_without_a_subscriber_or_a_scope() {
        let t = Arc::new(Tracer::default());
        assert!(enter(&t, 1, 2, None).is_none());
        assert!(call(|| unreachable!("not described when untraced")).is_none());
        let sub = t.subscribe(1, Filter::default()).unwrap();
        // A thread outside any client call traces nothing either.
        assert!(call(|| unreachable!("no scope")).is_none());
        traced(&t, 7, 8, None);
        let ev = lines(&sub);
        assert_eq!(ev.len(), 2);
        assert_eq!((ev[0].ev.as_str(), ev[1].ev.as_str()), ("call", "return"));
        assert_eq!(ev[0].id, ev[1].id);
        assert_eq!(
            (ev[1].from.as_str(), ev[1].to.as_str()),
            ("core", "libteec")
        );
        assert_eq!(
            (ev[1].ret, ev[1].origin, ev[1].pid),
            (Some(0), Some(4), Some(7))
        );
        t.unsubscribe(&sub);
        assert!(!t.on());
        // The scope ended with its guard.
        assert!(call(|| unreachable!("scope gone")).is_none());
    }

    #[test]
    fn filters_keep_other_users_processes_and_tas_apart() {
        let t = Arc::new(Tracer::default());
        let mine = t
            .subscribe(
                1000,
                Filter {
                    uid: Some(1000),
                    ..Filter::default()
                },
            )
            .unwrap();
        let one_pid = t
            .subscribe(
                0,
                Filter {
                    pid: Some(42),
                    ..Filter::default()
                },
            )
            .unwrap();
        let one_ta = t
            .subscribe(
                0,
                Filter {
                    ta: Some(uuid(9)),
                    ..Filter::default()
                },
            )
            .unwrap();
        traced(&t, 42, 1000, Some(uuid(1)));
        traced(&t, 43, 2000, Some(uuid(9)));
        let m = lines(&mine);
        assert!(m.len() == 2 && m.iter().all(|e| e.uid == Some(1000)));
        let p = lines(&one_pid);
        assert!(p.len() == 2 && p.iter().all(|e| e.pid == Some(42)));
        let u = lines(&one_ta);
        assert!(u.len() == 2 && u.iter().all(|e| e.ta == Some(uuid(9).to_string())));
    }

    #[test]
    fn a_reader_that_falls_behind_loses_events_counted_never_blocks_the_core() {
        let t = Arc::new(Tracer::default());
        let sub = t.subscribe(1, Filter::default()).unwrap();
        let mut n = 0u64;
        while sub.queue.locked().dropped() == 0 {
            traced(&t, 1, 1, None);
            n += 2;
            assert!(n < 1_000_000, "the queue never filled");
        }
        traced(&t, 1, 1, None);
        // The loss is reported first, then the queued lines in order.
        let first = sub.read(1 << 20, Duration::ZERO, &|| false).unwrap();
        let e: Event = serde_json::from_str(first.trim_end()).unwrap();
        assert_eq!(e.ev, "dropped");
        let lost = e.n.expect("a count");
        assert!(lost >= 1);
        let mut got = 0u64;
        loop {
            let text = sub.read(64 << 10, Duration::ZERO, &|| false).unwrap();
            if text.is_empty() {
                break;
            }
            got += text.lines().count() as u64;
        }
        assert_eq!(got + lost, n + 2);
    }

    #[test]
    fn subscriptions_are_bounded_per_user_and_in_all() {
        let t = Arc::new(Tracer::default());
        let mine: Vec<_> = (0..MAX_SUBSCRIBERS_PER_UID)
            .map(|_| t.subscribe(7, Filter::default()).unwrap())
            .collect();
        assert!(
            t.subscribe(7, Filter::default()).is_none(),
            "one user's share"
        );
        let others: Vec<_> = (0..MAX_SUBSCRIBERS - MAX_SUBSCRIBERS_PER_UID)
            .map(|i| t.subscribe(100 + i as u32, Filter::default()).unwrap())
            .collect();
        assert!(t.subscribe(999, Filter::default()).is_none(), "in all");
        t.unsubscribe(&mine[0]);
        assert!(t.subscribe(7, Filter::default()).is_some());
        drop(others);
    }

    #[test]
    fn a_buffer_too_small_for_one_line_is_told_the_size() {
        let t = Arc::new(Tracer::default());
        let sub = t.subscribe(1, Filter::default()).unwrap();
        traced(&t, 1, 1, None);
        let need = sub.read(10, Duration::ZERO, &|| false).unwrap_err();
        assert!(need > 10);
        let text = sub.read(need, Duration::ZERO, &|| false).unwrap();
        assert_eq!(text.len(), need);
        // An empty queue waits, and gives up when told to.
        let t0 = std::time::Instant::now();
        let _ = sub.read(1 << 10, Duration::from_secs(30), &|| false);
        let empty = sub
            .read(1 << 10, Duration::from_secs(30), &|| true)
            .unwrap();
        assert!(empty.is_empty() && t0.elapsed() < Duration::from_secs(5));
    }
}
