//! Pseudo-TAs: services inside the secure kernel that the normal world
//! opens by UUID like a TA (OP-TEE's PTAs). A PTA sees GP parameters in
//! secure memory only: the kernel copies memory references in before the
//! call and out after it, so a PTA never touches normal-world memory and
//! never reads a byte twice.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use oxtee_gp::{
    TA_FLAG_INSTANCE_KEEP_ALIVE, TA_FLAG_MULTI_SESSION, TA_FLAG_SINGLE_INSTANCE,
    TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_CANCEL, TEE_ERROR_GENERIC, TEE_ERROR_NOT_SUPPORTED,
    TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
};

use oxtee_core::image::{self, RsaPublicKey};

use crate::optee::rpc::{cmd as rpc_cmd, fs};
use crate::rpc::{Rpc, RpcParam, ShmId, ShmKind, Task};

use oxtee_core::pta::attestation::TaImage;
pub use oxtee_core::pta::{Dir, Param, param_types};
use oxtee_core::sealing::TaIdentity;

/// A calling TA: its verified image, and the digest of its code as the
/// kernel mapped it.
pub type CallerTa = (TaImage, [u8; 32]);

/// Who opens a session: the login method (`TEE_LOGIN_*`, checked by the
/// kernel) and the client's identity UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    pub login: u32,
    pub uuid: [u8; 16],
    /// A calling TA's verified image and the digest of the code the
    /// kernel mapped for it (`None` for the normal world).
    pub ta: Option<CallerTa>,
}

/// No parameters (what a task leaves behind when it moves them).
pub fn no_params() -> [Param; 4] {
    [Param::None, Param::None, Param::None, Param::None]
}

/// How a command went.
pub enum Invoked {
    /// Done: a GP result, the parameters updated in place.
    Done(u32),
    /// Refused by the TEE before the service ran (origin TEE, nothing
    /// copied back): e.g. a user TA whose memory cannot take the call's
    /// buffers, or that is busy with another call.
    Refused(u32),
    /// It continues across RPCs: the task owns the parameters it took
    /// and gives them back with its result.
    Later(Task),
}

/// A service in the secure kernel.
pub trait Pta {
    /// The UUID clients open it by.
    fn uuid(&self) -> [u8; 16];
    /// Its instance flags (`TA_FLAG_*`), under the same rules as a TA's
    /// (`oxtee_core::instances`): by default one instance, kept alive,
    /// many sessions.
    fn flags(&self) -> u32 {
        TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION | TA_FLAG_INSTANCE_KEEP_ALIVE
    }
    /// A session opens (`session` is its kernel-wide id) for `client`.
    fn open_session(&mut self, session: u32, client: &Client, params: &mut [Param; 4]) -> u32;
    /// The same, for a service whose open may wait for the normal world
    /// (a user TA's entry point): now, refused, or after RPCs through
    /// `rpc` (the task gives the parameters back with its result). By
    /// default the open above, now.
    fn open_session_waiting(
        &mut self,
        session: u32,
        client: &Client,
        params: &mut [Param; 4],
        _rpc: &Rpc,
    ) -> Invoked {
        Invoked::Done(self.open_session(session, client, params))
    }
    /// A session closes.
    fn close_session(&mut self, session: u32);
    /// The same, for a service whose close may wait for the normal world
    /// (a user TA's entry point): the rest of it as a task, or `None`
    /// when it is done. By default the close above.
    fn close_session_waiting(&mut self, session: u32, _rpc: &Rpc) -> Option<Task> {
        self.close_session(session);
        None
    }
    /// A command: a GP result (origin: the trusted application), now or
    /// after RPCs through `rpc`.
    fn invoke(&mut self, session: u32, cmd: u32, params: &mut [Param; 4], rpc: &Rpc) -> Invoked;
    /// The kernel's number for this instance (a user TA keeps it: its
    /// TA-to-TA calls name their caller by it). Ignored by default.
    fn attach(&mut self, _number: u64) {}
    /// The sessions to other TAs the instance closed
    /// (`TEE_CloseTASession`) since last asked: the kernel closes them.
    fn take_ta_closes(&mut self) -> Vec<u32> {
        Vec::new()
    }
    /// The secure memory the instance holds beyond the kernel's own
    /// (a user TA: its address space), for the status. None by default.
    fn memory(&self) -> usize {
        0
    }
    /// Whether the instance died (a user TA that panicked or faulted):
    /// its last call and every later one are answered TARGET_DEAD, origin
    /// TEE, and it takes no new session. Pseudo-TAs never die.
    fn is_dead(&self) -> bool {
        false
    }
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
/// | 9 `LOAD_TA` | memref in (a UUID's 16 octets), value out | asks the supplicant for the TA's size, then its image into application shared memory: out = (size, its first 4 bytes little-endian) |
/// | 11 `VERIFY_TA` | memref in (a UUID's 16 octets), value out | loads the TA's image through the supplicant into secure memory and verifies it (OP-TEE's signed format, the kernel's trusted keys, the UUID asked for): out = (size, ta_version); SECURITY when it does not verify |
/// | 10 `FS` | memref in (a file name), memref in (data), value out | through the supplicant's REE file system: create, write, close, open, read back, remove, open again (must be missing): out = (bytes read back, 1 if they match and the file is gone) |
#[derive(Default)]
pub struct TestPta {
    /// (session, calls so far).
    sessions: Vec<(u32, u32)>,
    /// The keys TA images must be signed by (`VERIFY_TA`).
    ta_keys: alloc::rc::Rc<[RsaPublicKey]>,
}

impl TestPta {
    /// The test PTA, trusting `keys` for TA images.
    pub fn with_keys(keys: Vec<RsaPublicKey>) -> TestPta {
        TestPta {
            sessions: Vec::new(),
            ta_keys: keys.into(),
        }
    }
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
    pub const LOAD_TA: u32 = 9;
    pub const FS: u32 = 10;
    pub const VERIFY_TA: u32 = 11;
}

/// The largest TA image or file the test PTA moves through the
/// supplicant.
pub const TEST_SUPPLICANT_MAX: u64 = 1 << 20;

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

/// A value input.
pub(crate) fn value_in(a: u64, b: u64, c: u64) -> RpcParam {
    RpcParam::Value {
        a,
        b,
        c,
        dir: Dir::In,
    }
}

/// `size` bytes at `offset` of `shm` (or no buffer).
pub(crate) fn memref_param(shm: Option<ShmId>, offset: u64, size: u64, dir: Dir) -> RpcParam {
    RpcParam::Memref {
        shm,
        offset,
        size,
        dir,
    }
}

/// Run `f` with application shared memory of `size` bytes, freed after
/// whatever `f` did.
pub(crate) async fn with_shm<T, F>(
    rpc: &Rpc,
    size: u64,
    f: impl FnOnce(ShmId) -> F,
) -> Result<T, u32>
where
    F: core::future::Future<Output = Result<T, u32>>,
{
    let (shm, _) = rpc.shm_alloc(ShmKind::Application, size).await?;
    let r = f(shm).await;
    let freed = rpc.shm_free(shm).await;
    let v = r?;
    freed?;
    Ok(v)
}

/// A TA's image from the supplicant (`LOAD_TA`: the size, then the
/// image into application shared memory), copied into secure memory.
pub async fn fetch_ta(rpc: &Rpc, uuid: [u8; 16], max: u64) -> Result<Vec<u8>, u32> {
    let mut w = [0u8; 8];
    w.copy_from_slice(&uuid[..8]);
    let a = u64::from_le_bytes(w);
    w.copy_from_slice(&uuid[8..]);
    let id = value_in(a, u64::from_le_bytes(w), 0);
    let q = rpc
        .supplicant(
            rpc_cmd::LOAD_TA,
            vec![id, memref_param(None, 0, 0, Dir::Out)],
        )
        .await?;
    let Some(&RpcParam::Memref { size, .. }) = q.get(1) else {
        return Err(TEE_ERROR_GENERIC);
    };
    if size == 0 || size > max {
        return Err(oxtee_gp::TEE_ERROR_OUT_OF_MEMORY);
    }
    let inner = rpc.clone();
    with_shm(rpc, size, |shm| async move {
        let rpc = inner;
        let got = rpc
            .supplicant(
                rpc_cmd::LOAD_TA,
                vec![id, memref_param(Some(shm), 0, size, Dir::Out)],
            )
            .await?;
        // The supplicant may not change the size between the two steps.
        if !matches!(got.get(1), Some(&RpcParam::Memref { size: s, .. }) if s == size) {
            return Err(TEE_ERROR_GENERIC);
        }
        rpc.shm_read(shm, 0, size as usize).await
    })
    .await
}

/// The test PTA's TA load: (size, first 4 bytes).
async fn load_ta(rpc: Rpc, uuid: [u8; 16]) -> Result<(u32, u32), u32> {
    let image = fetch_ta(&rpc, uuid, TEST_SUPPLICANT_MAX).await?;
    let mut w = [0u8; 4];
    let n = image.len().min(4);
    w[..n].copy_from_slice(&image[..n]);
    Ok((image.len() as u32, u32::from_le_bytes(w)))
}

/// The test PTA's TA verification: (size, ta_version). Nothing the normal
/// world holds is trusted: the image is verified in the kernel's copy.
async fn verify_ta(
    rpc: Rpc,
    uuid: [u8; 16],
    keys: alloc::rc::Rc<[RsaPublicKey]>,
) -> Result<(u32, u32), u32> {
    let image = fetch_ta(&rpc, uuid, TEST_SUPPLICANT_MAX).await?;
    let img = image::verify(&image, &keys).map_err(|_| oxtee_gp::TEE_ERROR_SECURITY)?;
    if img.uuid.0 != uuid {
        return Err(oxtee_gp::TEE_ERROR_SECURITY);
    }
    Ok((image.len() as u32, img.ta_version))
}

/// An REE FS handle from an OPEN/CREATE answer.
fn handle(answer: &[RpcParam]) -> Result<u64, u32> {
    match answer.get(2) {
        Some(&RpcParam::Value { a, .. }) => Ok(a),
        _ => Err(TEE_ERROR_GENERIC),
    }
}

/// The test PTA's file round trip: (bytes read back, whether they match
/// and the file is gone afterwards).
async fn fs_round_trip(rpc: Rpc, name: Vec<u8>, data: Vec<u8>) -> Result<(u32, bool), u32> {
    let n = name.len() as u64 + 1;
    let len = data.len() as u64;
    if n + len > TEST_SUPPLICANT_MAX {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    let inner = rpc.clone();
    with_shm(&rpc, n + len, |shm| async move {
        let rpc = inner;
        let mut c_name = name;
        c_name.push(0);
        rpc.shm_write(shm, 0, c_name).await?;
        rpc.shm_write(shm, n, data.clone()).await?;
        let op = |op| value_in(op, 0, 0);
        let out = RpcParam::Value {
            a: 0,
            b: 0,
            c: 0,
            dir: Dir::Out,
        };
        let name_in = memref_param(Some(shm), 0, n, Dir::In);
        let fs_call = |params| rpc.supplicant(rpc_cmd::FS, params);
        let fd = handle(&fs_call(vec![op(fs::CREATE), name_in, out]).await?)?;
        fs_call(vec![
            value_in(fs::WRITE, fd, 0),
            memref_param(Some(shm), n, len, Dir::In),
        ])
        .await?;
        fs_call(vec![value_in(fs::CLOSE, fd, 0)]).await?;
        let fd = handle(&fs_call(vec![op(fs::OPEN), name_in, out]).await?)?;
        rpc.shm_write(shm, n, vec![0; data.len()]).await?;
        let read = fs_call(vec![
            value_in(fs::READ, fd, 0),
            memref_param(Some(shm), n, len, Dir::Out),
        ])
        .await?;
        let Some(&RpcParam::Memref { size: got, .. }) = read.get(1) else {
            return Err(TEE_ERROR_GENERIC);
        };
        let back = rpc.shm_read(shm, n, got.min(len) as usize).await?;
        fs_call(vec![value_in(fs::CLOSE, fd, 0)]).await?;
        fs_call(vec![op(fs::REMOVE), name_in]).await?;
        let gone = fs_call(vec![op(fs::OPEN), name_in, out]).await
            == Err(oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND);
        Ok((got as u32, back == data && gone))
    })
    .await
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

    fn open_session(&mut self, session: u32, _: &Client, _params: &mut [Param; 4]) -> u32 {
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
            test_cmd::LOAD_TA if t == types(5, 2, 0, 0) => {
                let Param::Memref { data, .. } = &p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let Ok(uuid) = <[u8; 16]>::try_from(data.as_slice()) else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    let mut p = no_params();
                    let ret = match load_ta(rpc, uuid).await {
                        Ok((size, head)) => {
                            p[1] = Param::Value {
                                a: size,
                                b: head,
                                dir: Dir::Out,
                            };
                            TEE_SUCCESS
                        }
                        Err(code) => code,
                    };
                    (ret, p)
                }))
            }
            test_cmd::VERIFY_TA if t == types(5, 2, 0, 0) => {
                let Param::Memref { data, .. } = &p[0] else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let Ok(uuid) = <[u8; 16]>::try_from(data.as_slice()) else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                let (rpc, keys) = (rpc.clone(), self.ta_keys.clone());
                later(Box::pin(async move {
                    let mut p = no_params();
                    let ret = match verify_ta(rpc, uuid, keys).await {
                        Ok((size, version)) => {
                            p[1] = Param::Value {
                                a: size,
                                b: version,
                                dir: Dir::Out,
                            };
                            TEE_SUCCESS
                        }
                        Err(code) => code,
                    };
                    (ret, p)
                }))
            }
            test_cmd::FS if t == types(5, 5, 2, 0) => {
                let [
                    Param::Memref { data: name, .. },
                    Param::Memref { data, .. },
                    ..,
                ] = p
                else {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                };
                if name.is_empty() || name.contains(&0) {
                    return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
                }
                let (name, data) = (core::mem::take(name), core::mem::take(data));
                let rpc = rpc.clone();
                later(Box::pin(async move {
                    let mut p = no_params();
                    let ret = match fs_round_trip(rpc, name, data).await {
                        Ok((got, ok)) => {
                            p[2] = Param::Value {
                                a: got,
                                b: u32::from(ok),
                                dir: Dir::Out,
                            };
                            TEE_SUCCESS
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
            | test_cmd::THREADS
            | test_cmd::LOAD_TA
            | test_cmd::VERIFY_TA
            | test_cmd::FS => Invoked::Done(TEE_ERROR_BAD_PARAMETERS),
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

/// OP-TEE's device enumeration PTA, 7011a688-ddde-4053-a5a9-7b3c4ddf13b8.
/// Linux's driver opens it (login REE_KERNEL) when it probes and again
/// when the supplicant starts, and registers a TEE-bus device for every
/// UUID listed, for the kernel drivers that bind to them (OP-TEE's RNG
/// and RTC PTAs are found this way). Only the REE kernel may open it.
///
/// | cmd | parameters | lists |
/// |---|---|---|
/// | 0 `GET_DEVICES` | memref out | services usable at once |
/// | 1 `GET_DEVICES_SUPP` | memref out | services that need the supplicant |
/// | 2 `GET_DEVICES_RPMB` | memref out | services that need the RPMB |
///
/// The answer is the UUIDs' octets, 16 bytes each; a buffer too small
/// gets SHORT_BUFFER and the size needed. oxtee lists none yet.
#[derive(Default)]
pub struct DevicePta {
    /// Per command, the UUIDs listed.
    pub devices: [Vec<[u8; 16]>; 3],
}

/// The device enumeration PTA's UUID.
pub const DEVICE_PTA_UUID: [u8; 16] = [
    0x70, 0x11, 0xa6, 0x88, 0xdd, 0xde, 0x40, 0x53, 0xa5, 0xa9, 0x7b, 0x3c, 0x4d, 0xdf, 0x13, 0xb8,
];

impl Pta for DevicePta {
    fn uuid(&self) -> [u8; 16] {
        DEVICE_PTA_UUID
    }

    fn open_session(&mut self, _: u32, client: &Client, _: &mut [Param; 4]) -> u32 {
        if client.login == oxtee_gp::LOGIN_REE_KERNEL {
            TEE_SUCCESS
        } else {
            oxtee_gp::TEE_ERROR_ACCESS_DENIED
        }
    }

    fn close_session(&mut self, _: u32) {}

    fn invoke(&mut self, _: u32, cmd: u32, p: &mut [Param; 4], _: &Rpc) -> Invoked {
        let Some(list) = self.devices.get(cmd as usize) else {
            return Invoked::Done(TEE_ERROR_NOT_SUPPORTED);
        };
        if param_types(p) != types(6, 0, 0, 0) {
            return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
        }
        let Param::Memref { data, size, .. } = &mut p[0] else {
            return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
        };
        let need = list.len() * 16;
        *size = need;
        if data.len() < need {
            return Invoked::Done(TEE_ERROR_SHORT_BUFFER);
        }
        for (out, uuid) in data.chunks_exact_mut(16).zip(list) {
            out.copy_from_slice(uuid);
        }
        Invoked::Done(TEE_SUCCESS)
    }
}

/// OP-TEE's system pseudo-TA (`pta_system.h`), for user TAs only:
/// entropy for the kernel's generator, and keys bound to the calling TA's
/// identity (`oxtee_core::pta::system`, the same commands as the host
/// tier's). The memory and library commands serve OP-TEE's loader inside
/// a TA; this kernel loads TAs itself, so they answer NOT_SUPPORTED, as
/// OP-TEE answers a command it lacks.
pub struct SystemPta {
    rng: SharedRng,
    /// The hardware-unique key (none: keys are refused).
    huk: Option<[u8; 32]>,
    /// Open sessions and the TA each belongs to.
    sessions: Vec<(u32, TaIdentity)>,
}

/// The kernel's random generator, shared by the system PTA and the
/// system calls of user TAs (one CPU: never borrowed twice at once).
pub type SharedRng = alloc::rc::Rc<core::cell::RefCell<crate::rng::Drbg>>;

pub use oxtee_core::pta::system::{
    ADD_RNG_ENTROPY as SYSTEM_ADD_RNG_ENTROPY, UUID as SYSTEM_PTA_UUID,
};

impl SystemPta {
    /// The system PTA over the kernel's random generator and its HUK.
    pub fn new(rng: crate::rng::Drbg, huk: Option<[u8; 32]>) -> SystemPta {
        SystemPta {
            rng: SharedRng::new(rng.into()),
            huk,
            sessions: Vec::new(),
        }
    }

    /// The kernel's random generator.
    pub fn rng(&self) -> SharedRng {
        self.rng.clone()
    }
}

impl Pta for SystemPta {
    fn uuid(&self) -> [u8; 16] {
        SYSTEM_PTA_UUID
    }

    fn open_session(&mut self, session: u32, client: &Client, _: &mut [Param; 4]) -> u32 {
        match client.ta {
            Some((img, _)) if client.login == oxtee_gp::LOGIN_TRUSTED_APP => {
                self.sessions.push((session, img.identity));
                TEE_SUCCESS
            }
            _ => oxtee_gp::TEE_ERROR_ACCESS_DENIED,
        }
    }

    fn close_session(&mut self, session: u32) {
        self.sessions.retain(|s| s.0 != session);
    }

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4], _: &Rpc) -> Invoked {
        let Some(&(_, ta)) = self.sessions.iter().find(|s| s.0 == session) else {
            return Invoked::Done(oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        };
        if cmd == SYSTEM_ADD_RNG_ENTROPY {
            if param_types(p) != types(5, 0, 0, 0) {
                return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
            }
            let Param::Memref { data, .. } = &p[0] else {
                return Invoked::Done(TEE_ERROR_BAD_PARAMETERS);
            };
            self.rng
                .borrow_mut()
                .reseed(data, b"PTA_SYSTEM_ADD_RNG_ENTROPY");
            return Invoked::Done(TEE_SUCCESS);
        }
        let r = match &self.huk {
            Some(huk) => oxtee_core::pta::system::derive_command(huk, &ta, cmd, p),
            None => None,
        };
        Invoked::Done(r.unwrap_or(TEE_ERROR_NOT_SUPPORTED))
    }
}

/// The last verified image of each TA loaded since boot, by UUID.
pub type SeenImages =
    alloc::rc::Rc<core::cell::RefCell<alloc::collections::BTreeMap<[u8; 16], TaImage>>>;

/// OP-TEE's attestation PTA and oxtee's PSA token
/// (`oxtee_core::pta::attestation`, the host tier's logic), for the
/// normal world and TAs. Its keys derive from the HUK, each on first use.
/// What it measures: the kernel's code and read-only data (hashed at
/// boot), a TA's signed header digest for the TAs loaded since boot (a
/// TA never loaded is ITEM_NOT_FOUND: this kernel does not fetch images
/// for measurement alone), and a calling TA's code as the kernel mapped
/// it.
pub struct AttestationPta {
    huk: Option<[u8; 32]>,
    rng: SharedRng,
    rsa: core::cell::OnceCell<oxtee_core::attestation::RsaKey>,
    psa: core::cell::OnceCell<oxtee_core::attestation::PsaKey>,
    core: [u8; 32],
    boot_seed: [u8; 32],
    seen: SeenImages,
    sessions: Vec<(u32, Option<CallerTa>)>,
}

impl AttestationPta {
    /// `core`: the kernel's measurement; `seen`: the images it loads.
    pub fn new(huk: Option<[u8; 32]>, rng: SharedRng, seen: SeenImages, core: [u8; 32]) -> Self {
        let mut boot_seed = [0u8; 32];
        rng.borrow_mut().generate(&mut boot_seed);
        AttestationPta {
            huk,
            rng,
            rsa: core::cell::OnceCell::new(),
            psa: core::cell::OnceCell::new(),
            core,
            boot_seed,
            seen,
            sessions: Vec::new(),
        }
    }
}

/// The kernel as the attestation logic sees it (with a HUK).
struct Kernel<'a> {
    pta: &'a AttestationPta,
    huk: &'a [u8; 32],
}

impl Kernel<'_> {
    fn rsa_key(&self) -> &oxtee_core::attestation::RsaKey {
        self.pta
            .rsa
            .get_or_init(|| oxtee_core::attestation::RsaKey::derive(self.huk))
    }
    fn psa_key(&self) -> &oxtee_core::attestation::PsaKey {
        self.pta
            .psa
            .get_or_init(|| oxtee_core::attestation::PsaKey::derive(self.huk))
    }
}

impl oxtee_core::pta::attestation::Platform for Kernel<'_> {
    fn rsa_public(&self) -> Result<(Vec<u8>, Vec<u8>), u32> {
        Ok(self.rsa_key().public_parts())
    }
    fn rsa_sign(&self, nonce: &[u8], m: &[u8; 32], seed: [u8; 32]) -> Result<Vec<u8>, u32> {
        Ok(self.rsa_key().sign_measurement_seeded(nonce, m, seed))
    }
    fn psa_public(&self) -> Result<[u8; 65], u32> {
        Ok(self.psa_key().public())
    }
    fn psa_sign(&self, payload: &[u8]) -> Result<Vec<u8>, u32> {
        Ok(self.psa_key().sign_payload(payload))
    }
    fn ta_image(&self, uuid: [u8; 16]) -> Result<TaImage, u32> {
        self.pta
            .seen
            .borrow()
            .get(&uuid)
            .copied()
            .ok_or(oxtee_gp::TEE_ERROR_ITEM_NOT_FOUND)
    }
    fn core_measurement(&self) -> [u8; 32] {
        self.pta.core
    }
    fn core_version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }
    fn implementation_id(&self) -> [u8; 32] {
        <sha2::Sha256 as sha2::Digest>::digest(b"oxtee implementation: TrustZone tier (QEMU virt)")
            .into()
    }
    /// Under QEMU the HUK is part of the firmware image and the machine
    /// can be debugged: not a secured root of trust.
    fn lifecycle(&self) -> u32 {
        oxtee_core::attestation::LIFECYCLE_NON_PSA_ROT_DEBUG
    }
    fn boot_seed(&self) -> [u8; 32] {
        self.pta.boot_seed
    }
    fn random(&self, buf: &mut [u8]) {
        self.pta.rng.borrow_mut().generate(buf)
    }
}

impl Pta for AttestationPta {
    fn uuid(&self) -> [u8; 16] {
        oxtee_core::pta::attestation::UUID
    }

    fn open_session(&mut self, session: u32, client: &Client, _: &mut [Param; 4]) -> u32 {
        self.sessions.push((session, client.ta));
        TEE_SUCCESS
    }

    fn close_session(&mut self, session: u32) {
        self.sessions.retain(|s| s.0 != session);
    }

    fn invoke(&mut self, session: u32, cmd: u32, p: &mut [Param; 4], _: &Rpc) -> Invoked {
        let Some(&(_, ta)) = self.sessions.iter().find(|s| s.0 == session) else {
            return Invoked::Done(oxtee_gp::TEE_ERROR_ACCESS_DENIED);
        };
        let Some(huk) = self.huk else {
            return Invoked::Done(TEE_ERROR_GENERIC);
        };
        let k = Kernel {
            pta: self,
            huk: &huk,
        };
        let who = oxtee_core::pta::attestation::Caller { ta };
        Invoked::Done(oxtee_core::pta::attestation::invoke(&k, &who, cmd, p))
    }
}
