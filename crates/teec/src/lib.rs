//! `libteec.so`: the GlobalPlatform TEE Client API v1.0 as a C ABI over
//! [`oxtee_client`], with the names, constants and structure layouts of
//! OP-TEE's libteec (`devkit/include/tee_client_api.h`), so OP-TEE client
//! applications build and run unchanged.
//!
//! * Handles: the C structures carry small integers (`ctx->imp.fd`,
//!   `session->imp.session_id`, `shm->id`) that index a process-wide
//!   registry of the Rust objects; nothing Rust owns is ever stored in
//!   client memory.
//! * Temporary memory references and regions of registered memory are
//!   copied through private buffers: client buffers are read and written
//!   with raw copies only, never turned into Rust references, because the
//!   parameters of one operation may overlap and other threads (or, for a
//!   buffer that is itself shared memory, TAs) may write them meanwhile.
//!   Allocated shared memory is passed by reference (zero copy).
//! * No panic crosses the boundary: every export runs under
//!   `catch_unwind` and answers TEEC_ERROR_GENERIC if something panicked.
#![allow(non_camel_case_types, non_snake_case)]

mod trace;
mod types;
pub use types::*;

use oxtee_client::{
    CancelToken, Context, Error, Login, Param, SHAREDMEM_MAX_SIZE, Session, SharedMemory, Uuid,
};
use oxtee_proto::Dir;
use std::collections::HashMap;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError};

/// `TEEC_SharedMemory.internal.flags`: allocated by the library.
pub const SHM_ALLOCATED: u8 = 1;
/// `TEEC_SharedMemory.internal.flags`: the client's buffer, registered.
pub const SHM_REGISTERED: u8 = 2;

fn api(code: u32) -> Error {
    Error::new(code, TEEC_ORIGIN_API)
}

fn bad() -> Error {
    api(TEEC_ERROR_BAD_PARAMETERS)
}

/// Lock, ignoring poisoning: every critical section below leaves the maps
/// consistent, and a panic elsewhere must not make the library unusable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

struct ShmEntry {
    /// The context it belongs to.
    ctx: c_int,
    /// Allocated memory; `None` for registered client memory.
    mem: Option<Arc<SharedMemory>>,
}

#[derive(Default)]
struct Registry {
    last: c_int,
    contexts: HashMap<c_int, Context>,
    sessions: HashMap<(c_int, u32), Arc<Session>>,
    shms: HashMap<c_int, ShmEntry>,
}

impl Registry {
    /// A fresh positive handle. Contexts and shared memory share one
    /// counter, so a stale handle of either kind is not soon reused.
    fn handle(&mut self) -> c_int {
        loop {
            self.last = if self.last == c_int::MAX {
                1
            } else {
                self.last + 1
            };
            if !self.contexts.contains_key(&self.last) && !self.shms.contains_key(&self.last) {
                return self.last;
            }
        }
    }
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);

/// Operations that are running, or were cancelled before they started,
/// by the address of their TEEC_Operation.
static CANCELS: LazyLock<Mutex<HashMap<usize, Arc<CancelToken>>>> = LazyLock::new(Default::default);

/// Run the body of an export, turning a panic into TEEC_ERROR_GENERIC.
fn shield<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(api(TEEC_ERROR_GENERIC)))
}

/// [`shield`], recorded as the CA's call of TEE Client API function
/// `name` when the process is traced (see [`trace`]).
fn traced<T>(name: &'static str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let call = trace::call(name);
    let r = shield(f);
    if let Some(call) = call {
        call.ret(match &r {
            Ok(_) => TEEC_SUCCESS,
            Err(e) => e.code,
        });
    }
    r
}

fn code<T>(r: Result<T, Error>) -> TEEC_Result {
    match r {
        Ok(_) => TEEC_SUCCESS,
        Err(e) => e.code,
    }
}

/// The result code of `r`; its origin goes to `origin` unless NULL.
///
/// # Safety
/// `origin` is NULL or valid for writing a `u32`.
unsafe fn report(r: Result<u32, Error>, origin: *mut u32) -> TEEC_Result {
    let (code, o) = match r {
        Ok(o) => (TEEC_SUCCESS, o),
        Err(e) => (e.code, e.origin),
    };
    if !origin.is_null() {
        // SAFETY: non-NULL, so valid for writes (caller's contract).
        unsafe { origin.write(o) };
    }
    code
}

/// The registry handle and context behind a TEEC_Context.
///
/// # Safety
/// `context` is NULL or points to a readable TEEC_Context.
unsafe fn context_of(context: *const TEEC_Context) -> Result<(c_int, Context), Error> {
    if context.is_null() {
        return Err(bad());
    }
    // SAFETY: non-NULL and readable (caller's contract).
    let fd = unsafe { (*context).imp.fd };
    let ctx = lock(&REGISTRY).contexts.get(&fd).cloned().ok_or_else(bad)?;
    Ok((fd, ctx))
}

/// The context handle and session behind a TEEC_Session.
///
/// # Safety
/// `session` is NULL or points to a readable TEEC_Session whose `imp.ctx`
/// is NULL or points to a readable TEEC_Context.
unsafe fn session_of(session: *const TEEC_Session) -> Result<(c_int, Arc<Session>), Error> {
    if session.is_null() {
        return Err(bad());
    }
    // SAFETY: non-NULL and readable (caller's contract).
    let (ctx, id) = unsafe { ((*session).imp.ctx, (*session).imp.session_id) };
    if ctx.is_null() {
        return Err(bad());
    }
    // SAFETY: non-NULL and readable (caller's contract).
    let fd = unsafe { (*ctx).imp.fd };
    let s = lock(&REGISTRY)
        .sessions
        .get(&(fd, id))
        .cloned()
        .ok_or_else(bad)?;
    Ok((fd, s))
}

// ---------------------------------------------------------------------
// Operations and their parameters

/// `operation->started`, accessed atomically: TEEC_RequestCancellation
/// reads it from another thread.
///
/// # Safety
/// `op` points to a live TEEC_Operation whose `started` field is only
/// accessed atomically while the returned reference is used.
unsafe fn started<'a>(op: *mut TEEC_Operation) -> &'a AtomicU32 {
    // SAFETY: the field is a valid, 4-aligned u32 (repr(C) struct of the
    // caller's), and every access to it by this library is atomic.
    unsafe { AtomicU32::from_ptr(&raw mut (*op).started) }
}

/// A started operation's entry in [`CANCELS`], removed on drop.
struct Started {
    key: usize,
    token: Arc<CancelToken>,
}

impl Drop for Started {
    fn drop(&mut self) {
        let mut m = lock(&CANCELS);
        if m.get(&self.key)
            .is_some_and(|t| Arc::ptr_eq(t, &self.token))
        {
            m.remove(&self.key);
        }
    }
}

/// What one parameter becomes.
enum Plan {
    None,
    Value {
        dir: Dir,
        a: u32,
        b: u32,
    },
    /// A NULL temporary buffer (size feedback only).
    Null {
        dir: Dir,
        size: usize,
    },
    /// Client memory (a temporary reference or a region of registered
    /// memory), copied in and out.
    Copy {
        dir: Dir,
        ptr: *mut u8,
        len: usize,
    },
    /// A region of allocated shared memory.
    Shm {
        mem: Arc<SharedMemory>,
        dir: Dir,
        offset: usize,
        size: usize,
    },
}

impl Plan {
    fn dir(&self) -> Option<Dir> {
        match *self {
            Plan::None => None,
            Plan::Value { dir, .. }
            | Plan::Null { dir, .. }
            | Plan::Copy { dir, .. }
            | Plan::Shm { dir, .. } => Some(dir),
        }
    }
}

/// What comes back for one parameter.
#[derive(Clone, Copy)]
enum Back {
    None,
    Value(u32, u32),
    Size(usize),
}

fn dir_of(t: u32) -> Dir {
    match t & 3 {
        1 => Dir::In,
        2 => Dir::Out,
        _ => Dir::InOut,
    }
}

/// Check a parameter of type `t` and decide how to pass it.
///
/// # Safety
/// `p` points to a readable TEEC_Parameter; a memref parent it names is
/// NULL or a readable TEEC_SharedMemory.
unsafe fn plan(t: u32, p: *const TEEC_Parameter, ctx_fd: c_int) -> Result<Plan, Error> {
    Ok(match t {
        TEEC_NONE => Plan::None,
        TEEC_VALUE_INPUT | TEEC_VALUE_OUTPUT | TEEC_VALUE_INOUT => {
            // SAFETY: `p` is readable; the value member is plain data.
            let v = unsafe { (*p).value };
            Plan::Value {
                dir: dir_of(t),
                a: v.a,
                b: v.b,
            }
        }
        TEEC_MEMREF_TEMP_INPUT | TEEC_MEMREF_TEMP_OUTPUT | TEEC_MEMREF_TEMP_INOUT => {
            // SAFETY: `p` is readable; the tmpref member is plain data.
            let r = unsafe { (*p).tmpref };
            let dir = dir_of(t);
            if r.buffer.is_null() {
                if r.size != 0 && t == TEEC_MEMREF_TEMP_INPUT {
                    return Err(bad());
                }
                Plan::Null { dir, size: r.size }
            } else {
                Plan::Copy {
                    dir,
                    ptr: r.buffer.cast(),
                    len: r.size,
                }
            }
        }
        TEEC_MEMREF_WHOLE
        | TEEC_MEMREF_PARTIAL_INPUT
        | TEEC_MEMREF_PARTIAL_OUTPUT
        | TEEC_MEMREF_PARTIAL_INOUT => {
            // SAFETY: `p` is readable; the memref member is plain data.
            let r = unsafe { (*p).memref };
            let parent = r.parent;
            if parent.is_null() {
                return Err(bad());
            }
            // SAFETY: a non-NULL parent is readable (caller's contract).
            let (buffer, psize, flags, id) = unsafe {
                (
                    (*parent).buffer,
                    (*parent).size,
                    (*parent).flags,
                    (*parent).id,
                )
            };
            let inout = TEEC_MEM_INPUT | TEEC_MEM_OUTPUT;
            let (dir, offset, size) = if t == TEEC_MEMREF_WHOLE {
                if flags & inout == 0 {
                    return Err(bad());
                }
                (dir_of(flags & inout), 0, psize)
            } else {
                let dir = dir_of(t);
                if (dir.is_input() && flags & TEEC_MEM_INPUT == 0)
                    || (dir.is_output() && flags & TEEC_MEM_OUTPUT == 0)
                {
                    return Err(bad());
                }
                if r.offset.checked_add(r.size).is_none_or(|end| end > psize) {
                    return Err(bad());
                }
                (dir, r.offset, r.size)
            };
            let reg = lock(&REGISTRY);
            let entry = reg.shms.get(&id).ok_or_else(bad)?;
            if entry.ctx != ctx_fd {
                return Err(bad());
            }
            match &entry.mem {
                Some(mem) => Plan::Shm {
                    mem: mem.clone(),
                    dir,
                    offset,
                    size,
                },
                None if buffer.is_null() && size != 0 => return Err(bad()),
                None => Plan::Copy {
                    dir,
                    // In bounds of the registered buffer (checked above);
                    // wrapping_add avoids asserting more than that.
                    ptr: buffer.cast::<u8>().wrapping_add(offset),
                    len: size,
                },
            }
        }
        _ => return Err(bad()),
    })
}

/// Run an operation (open or invoke) with the parameters of `op`, which
/// may be NULL, and write the results back into it.
///
/// # Safety
/// `op` is NULL or points to a TEEC_Operation valid for reads and writes
/// whose memory references describe memory valid as the GP API requires.
unsafe fn run_operation<R>(
    op: *mut TEEC_Operation,
    session: *mut TEEC_Session,
    ctx_fd: c_int,
    call: impl FnOnce(&mut [Param<'_>], Option<&Arc<CancelToken>>) -> Result<R, Error>,
) -> Result<R, Error> {
    if op.is_null() {
        return call(&mut [], None);
    }
    let guard = {
        let key = op as usize;
        let mut m = lock(&CANCELS);
        let token = m.entry(key).or_default().clone();
        // SAFETY: `op` is live for this call; `started` is accessed only
        // atomically by this library.
        unsafe { started(op) }.store(1, Ordering::SeqCst);
        Started { key, token }
    };
    // SAFETY: `op` is writable (caller's contract); TEEC_RequestCancellation
    // touches only `started`.
    unsafe { (*op).session = session };

    // SAFETY: `op` is readable (caller's contract).
    let types = unsafe { (*op).paramTypes };
    let mut plans = [Plan::None, Plan::None, Plan::None, Plan::None];
    for (i, p) in plans.iter_mut().enumerate() {
        // SAFETY: `op` is readable and its memory references valid
        // (caller's contract); a place projection makes no reference.
        *p = unsafe {
            plan(
                TEEC_PARAM_TYPE_GET(types, i),
                &raw const (*op).params[i],
                ctx_fd,
            )
        }?;
    }

    // Copy client memory in.
    let mut total = 0usize;
    let mut bufs: [Vec<u8>; 4] = Default::default();
    for (p, b) in plans.iter().zip(bufs.iter_mut()) {
        let Plan::Copy { dir, ptr, len } = *p else {
            continue;
        };
        total = total.checked_add(len).ok_or_else(bad)?;
        if total > SHAREDMEM_MAX_SIZE {
            return Err(api(TEEC_ERROR_OUT_OF_MEMORY));
        }
        b.try_reserve_exact(len)
            .map_err(|_| api(TEEC_ERROR_OUT_OF_MEMORY))?;
        if dir.is_input() && len > 0 {
            // SAFETY: `ptr` is valid for reading `len` bytes (the buffer of
            // a temporary reference, or a checked region of registered
            // memory); `b` has room for `len` bytes and is a separate
            // allocation; after the copy all `len` bytes are initialised.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, b.as_mut_ptr(), len);
                b.set_len(len);
            }
        } else {
            b.resize(len, 0);
        }
    }

    let mut params: Vec<Param<'_>> = plans
        .iter()
        .zip(bufs.iter_mut())
        .map(|(p, b)| match *p {
            Plan::None => Param::None,
            Plan::Value { dir: Dir::In, a, b } => Param::ValueIn { a, b },
            Plan::Value {
                dir: Dir::Out,
                a,
                b,
            } => Param::ValueOut { a, b },
            Plan::Value {
                dir: Dir::InOut,
                a,
                b,
            } => Param::ValueInOut { a, b },
            Plan::Null { dir, size } => Param::TempNull { dir, size },
            Plan::Copy { dir: Dir::In, .. } => Param::TempIn { buf: b },
            Plan::Copy {
                dir: Dir::Out, len, ..
            } => Param::TempOut { buf: b, size: len },
            Plan::Copy {
                dir: Dir::InOut,
                len,
                ..
            } => Param::TempInOut { buf: b, size: len },
            Plan::Shm {
                ref mem,
                dir,
                offset,
                size,
            } => Param::Shm {
                mem,
                dir,
                offset,
                size,
            },
        })
        .collect();
    let r = call(&mut params, Some(&guard.token));
    drop(guard);

    let mut back = [Back::None; 4];
    for (b, p) in back.iter_mut().zip(&params) {
        *b = match *p {
            Param::ValueOut { a, b } | Param::ValueInOut { a, b } => Back::Value(a, b),
            Param::TempOut { size, .. }
            | Param::TempInOut { size, .. }
            | Param::TempNull { size, .. }
            | Param::Shm { size, .. } => Back::Size(size),
            _ => Back::None,
        };
    }
    drop(params);

    for (i, (p, back)) in plans.iter().zip(back).enumerate() {
        if let (
            true,
            Plan::Copy {
                dir: Dir::Out | Dir::InOut,
                ptr,
                len,
            },
            Back::Size(n),
        ) = (r.is_ok(), p, back)
        {
            let n = n.min(*len);
            // (`ptr` may be NULL when `len` is 0: an empty registered buffer.)
            if n > 0 {
                // SAFETY: `ptr` is valid for writing `len` bytes (as for
                // the copy in, output direction); `bufs[i]` holds `len`
                // bytes and is a separate allocation.
                unsafe { std::ptr::copy_nonoverlapping(bufs[i].as_ptr(), *ptr, n) };
            }
        }
        if !p.dir().is_some_and(Dir::is_output) {
            continue;
        }
        // SAFETY: `op` is writable (caller's contract). Writing a union
        // member of plain data through a place needs no reference.
        unsafe {
            let q = &raw mut (*op).params[i];
            match back {
                Back::Value(a, b) => (*q).value = TEEC_Value { a, b },
                Back::Size(n) if TEEC_PARAM_TYPE_GET(types, i) <= TEEC_MEMREF_TEMP_INOUT => {
                    (*q).tmpref.size = n
                }
                Back::Size(n) => (*q).memref.size = n,
                Back::None => {}
            }
        }
    }
    r
}

// ---------------------------------------------------------------------
// The API

/// TEEC_InitializeContext.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `context` is NULL or valid
/// for writing a TEEC_Context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_InitializeContext(
    name: *const c_char,
    context: *mut TEEC_Context,
) -> TEEC_Result {
    code(traced("TEEC_InitializeContext", || {
        if context.is_null() {
            return Err(bad());
        }
        let name = if name.is_null() {
            None
        } else {
            // SAFETY: a non-NULL name is NUL-terminated (caller's contract).
            let s = unsafe { CStr::from_ptr(name) };
            Some(s.to_str().map_err(|_| api(TEEC_ERROR_ITEM_NOT_FOUND))?)
        };
        let ctx = Context::new(name).inspect_err(|e| {
            // As optee_client's libteec does, say why on standard error:
            // where it looked, and how to point it elsewhere.
            if e.code == TEEC_ERROR_ITEM_NOT_FOUND || e.code == TEEC_ERROR_ACCESS_DENIED {
                let at = oxtee_client::socket_path(name)
                    .map_or_else(|| format!("{name:?}"), |p| p.display().to_string());
                let why = if e.code == TEEC_ERROR_ACCESS_DENIED {
                    "it is served by a user this one has no reason to trust"
                } else {
                    "no secure world answers there"
                };
                eprintln!(
                    "libteec: cannot reach the secure world at {at}: {why}; \
                     start one with `oxtee up` or set OXTEE_SOCKET to its socket"
                );
            }
        })?;
        let fd = {
            let mut reg = lock(&REGISTRY);
            let fd = reg.handle();
            reg.contexts.insert(fd, ctx);
            fd
        };
        // SAFETY: non-NULL and writable (caller's contract).
        unsafe {
            context.write(TEEC_Context {
                imp: TEEC_ContextImp {
                    fd,
                    reg_mem: true,
                    memref_null: true,
                },
            })
        };
        Ok(())
    }))
}

/// TEEC_FinalizeContext. Sessions and shared memory still open under the
/// context are closed and released.
///
/// # Safety
/// `context` is NULL or points to a TEEC_Context valid for reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_FinalizeContext(context: *mut TEEC_Context) {
    let _ = traced("TEEC_FinalizeContext", || {
        if context.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL and readable (caller's contract).
        let fd = unsafe { (*context).imp.fd };
        let (ctx, sessions, shms) = {
            let mut reg = lock(&REGISTRY);
            let Some(ctx) = reg.contexts.remove(&fd) else {
                return Ok(());
            };
            let keys: Vec<_> = reg.sessions.keys().filter(|k| k.0 == fd).copied().collect();
            let sessions: Vec<_> = keys.iter().filter_map(|k| reg.sessions.remove(k)).collect();
            let ids: Vec<_> = reg
                .shms
                .iter()
                .filter(|(_, e)| e.ctx == fd)
                .map(|(id, _)| *id)
                .collect();
            let shms: Vec<_> = ids.iter().filter_map(|id| reg.shms.remove(id)).collect();
            (ctx, sessions, shms)
        };
        // Finalizing first ends everything in the core at once; dropping
        // the objects afterwards then needs no more round trips.
        ctx.finalize();
        drop(sessions);
        drop(shms);
        // SAFETY: non-NULL and writable (caller's contract).
        unsafe { (*context).imp.fd = -1 };
        Ok(())
    });
}

/// TEEC_OpenSession.
///
/// # Safety
/// Pointers are NULL or valid as the GP API describes: `context` an
/// initialized context, `session` writable, `destination` a readable UUID,
/// `connectionData` a readable `uint32_t` for group logins, `operation` a
/// TEEC_Operation valid for reads and writes whose memory references are
/// valid, `returnOrigin` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_OpenSession(
    context: *mut TEEC_Context,
    session: *mut TEEC_Session,
    destination: *const TEEC_UUID,
    connectionMethod: u32,
    connectionData: *const c_void,
    operation: *mut TEEC_Operation,
    returnOrigin: *mut u32,
) -> TEEC_Result {
    let r = traced("TEEC_OpenSession", || {
        // SAFETY: forwarded from this function's contract.
        unsafe {
            open_session(
                context,
                session,
                destination,
                connectionMethod,
                connectionData,
                operation,
            )
        }
    });
    // SAFETY: `returnOrigin` is NULL or writable (this function's contract).
    unsafe { report(r, returnOrigin) }
}

/// # Safety
/// As for [`TEEC_OpenSession`].
unsafe fn open_session(
    context: *mut TEEC_Context,
    session: *mut TEEC_Session,
    destination: *const TEEC_UUID,
    method: u32,
    data: *const c_void,
    op: *mut TEEC_Operation,
) -> Result<u32, Error> {
    if session.is_null() || destination.is_null() {
        return Err(bad());
    }
    let gid = match method {
        TEEC_LOGIN_GROUP | TEEC_LOGIN_GROUP_APPLICATION => {
            if data.is_null() {
                return Err(bad());
            }
            // SAFETY: for group logins a non-NULL connectionData points to
            // the uint32_t group id (caller's contract); read_unaligned
            // needs no alignment promise.
            Some(unsafe { data.cast::<u32>().read_unaligned() })
        }
        _ if !data.is_null() => return Err(bad()),
        _ => None,
    };
    let login = Login::from_raw(method, gid)?;
    // SAFETY: non-NULL and readable (caller's contract).
    let u = unsafe { destination.read_unaligned() };
    let uuid = Uuid::from_fields(u.timeLow, u.timeMid, u.timeHiAndVersion, u.clockSeqAndNode);
    // SAFETY: forwarded from the caller's contract.
    let (fd, ctx) = unsafe { context_of(context) }?;
    // SAFETY: forwarded from the caller's contract.
    let (s, origin) = unsafe {
        run_operation(op, session, fd, |params, cancel| {
            ctx.open_session_cancellable(uuid, login, params, cancel)
        })
    }?;
    let id = s.id();
    {
        let mut reg = lock(&REGISTRY);
        if !reg.contexts.contains_key(&fd) {
            // Finalized meanwhile: the session went with the context.
            return Err(api(TEEC_ERROR_BAD_STATE));
        }
        reg.sessions.insert((fd, id), Arc::new(s));
    }
    // SAFETY: non-NULL and writable (caller's contract).
    unsafe {
        session.write(TEEC_Session {
            imp: TEEC_SessionImp {
                ctx: context,
                session_id: id,
            },
        })
    };
    Ok(origin)
}

/// TEEC_CloseSession.
///
/// # Safety
/// `session` is NULL or a session filled by TEEC_OpenSession whose context
/// is still readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_CloseSession(session: *mut TEEC_Session) {
    let _ = traced("TEEC_CloseSession", || {
        // SAFETY: forwarded from this function's contract.
        let (fd, s) = unsafe { session_of(session) }?;
        // SAFETY: `session` is non-NULL (session_of checked) and readable.
        let id = unsafe { (*session).imp.session_id };
        lock(&REGISTRY).sessions.remove(&(fd, id));
        s.close();
        Ok(())
    });
}

/// TEEC_InvokeCommand.
///
/// # Safety
/// `session` as for [`TEEC_CloseSession`]; `operation` and `returnOrigin`
/// as for [`TEEC_OpenSession`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_InvokeCommand(
    session: *mut TEEC_Session,
    commandID: u32,
    operation: *mut TEEC_Operation,
    returnOrigin: *mut u32,
) -> TEEC_Result {
    let r = traced("TEEC_InvokeCommand", || {
        // SAFETY: forwarded from this function's contract.
        let (fd, s) = unsafe { session_of(session) }?;
        // SAFETY: forwarded from this function's contract.
        unsafe {
            run_operation(operation, session, fd, |params, cancel| {
                s.invoke_cancellable(commandID, params, cancel)
            })
        }
    });
    // SAFETY: `returnOrigin` is NULL or writable (this function's contract).
    unsafe { report(r, returnOrigin) }
}

fn check_flags(flags: u32) -> Result<(), Error> {
    if flags == 0 || flags & !(TEEC_MEM_INPUT | TEEC_MEM_OUTPUT) != 0 {
        return Err(bad());
    }
    Ok(())
}

/// TEEC_RegisterSharedMemory. The buffer stays the client's; operations
/// copy the regions they use.
///
/// # Safety
/// `context` an initialized context or NULL; `sharedMem` NULL or valid for
/// reads and writes, its `buffer` valid for `size` bytes for as long as it
/// is registered.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_RegisterSharedMemory(
    context: *mut TEEC_Context,
    sharedMem: *mut TEEC_SharedMemory,
) -> TEEC_Result {
    code(traced("TEEC_RegisterSharedMemory", || {
        if sharedMem.is_null() {
            return Err(bad());
        }
        // SAFETY: forwarded from this function's contract.
        let (fd, _ctx) = unsafe { context_of(context) }?;
        let shm = sharedMem;
        // SAFETY: non-NULL and readable (caller's contract).
        let (buffer, size, flags) = unsafe { ((*shm).buffer, (*shm).size, (*shm).flags) };
        check_flags(flags)?;
        // As optee_client: a NULL buffer is refused, whatever the size.
        if buffer.is_null() {
            return Err(bad());
        }
        if size > SHAREDMEM_MAX_SIZE {
            return Err(api(TEEC_ERROR_OUT_OF_MEMORY));
        }
        let id = {
            let mut reg = lock(&REGISTRY);
            let id = reg.handle();
            reg.shms.insert(id, ShmEntry { ctx: fd, mem: None });
            id
        };
        // SAFETY: non-NULL and writable (caller's contract).
        unsafe {
            (*shm).id = id;
            (*shm).alloced_size = size;
            (*shm).shadow_buffer = std::ptr::null_mut();
            (*shm).registered_fd = -1;
            (*shm).internal.flags = SHM_REGISTERED;
        }
        Ok(())
    }))
}

/// OP-TEE's TEEC_RegisterSharedMemoryFileDescriptor: not supported.
///
/// # Safety
/// None: no argument is used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_RegisterSharedMemoryFileDescriptor(
    _context: *mut TEEC_Context,
    _sharedMem: *mut TEEC_SharedMemory,
    _fd: c_int,
) -> TEEC_Result {
    TEEC_ERROR_NOT_SUPPORTED
}

/// TEEC_AllocateSharedMemory: memory mapped by this process and by the TAs
/// it is passed to. A size of 0 still yields a valid, non-NULL buffer.
///
/// # Safety
/// `context` an initialized context or NULL; `sharedMem` NULL or valid for
/// reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_AllocateSharedMemory(
    context: *mut TEEC_Context,
    sharedMem: *mut TEEC_SharedMemory,
) -> TEEC_Result {
    code(traced("TEEC_AllocateSharedMemory", || {
        if sharedMem.is_null() {
            return Err(bad());
        }
        // SAFETY: forwarded from this function's contract.
        let (fd, ctx) = unsafe { context_of(context) }?;
        let shm = sharedMem;
        // SAFETY: non-NULL and readable (caller's contract).
        let (size, flags) = unsafe { ((*shm).size, (*shm).flags) };
        check_flags(flags)?;
        let mem = ctx.allocate_shared_memory(size.max(1), flags)?;
        let (buffer, alloced) = (mem.as_ptr(), mem.size());
        let id = {
            let mut reg = lock(&REGISTRY);
            if !reg.contexts.contains_key(&fd) {
                return Err(api(TEEC_ERROR_BAD_STATE));
            }
            let id = reg.handle();
            reg.shms.insert(
                id,
                ShmEntry {
                    ctx: fd,
                    mem: Some(Arc::new(mem)),
                },
            );
            id
        };
        // SAFETY: non-NULL and writable (caller's contract).
        unsafe {
            (*shm).buffer = buffer.cast();
            (*shm).id = id;
            (*shm).alloced_size = alloced;
            (*shm).shadow_buffer = std::ptr::null_mut();
            (*shm).registered_fd = -1;
            (*shm).internal.flags = SHM_ALLOCATED;
        }
        Ok(())
    }))
}

/// TEEC_ReleaseSharedMemory. NULL-safe and idempotent. Allocated memory is
/// unmapped and its `buffer`/`size` reset to NULL/0; a registered buffer
/// is left to its owner.
///
/// # Safety
/// `sharedMemory` is NULL or valid for reads and writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_ReleaseSharedMemory(sharedMemory: *mut TEEC_SharedMemory) {
    let _ = traced("TEEC_ReleaseSharedMemory", || {
        let shm = sharedMemory;
        if shm.is_null() {
            return Ok(());
        }
        // SAFETY: non-NULL and readable (caller's contract); any byte is a
        // valid u8 union member.
        let (id, iflags) = unsafe { ((*shm).id, (*shm).internal.flags) };
        if id == -1 {
            return Ok(());
        }
        let entry = lock(&REGISTRY).shms.remove(&id);
        let allocated = match &entry {
            Some(e) => e.mem.is_some(),
            None => iflags == SHM_ALLOCATED,
        };
        // Unmaps (unless an operation still uses it) and tells the core.
        drop(entry);
        // SAFETY: non-NULL and writable (caller's contract).
        unsafe {
            if allocated {
                (*shm).buffer = std::ptr::null_mut();
                (*shm).size = 0;
                (*shm).alloced_size = 0;
            }
            (*shm).id = -1;
            (*shm).shadow_buffer = std::ptr::null_mut();
            (*shm).registered_fd = -1;
            (*shm).internal.flags = 0;
        }
        Ok(())
    });
}

/// TEEC_RequestCancellation. An operation running in another thread is
/// cancelled; one not yet started (`started` still 0) is cancelled as soon
/// as it starts; a finished one is not affected.
///
/// # Safety
/// `operation` is NULL or points to a live TEEC_Operation.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEEC_RequestCancellation(operation: *mut TEEC_Operation) {
    let _ = traced("TEEC_RequestCancellation", || {
        if operation.is_null() {
            return Ok(());
        }
        let key = operation as usize;
        let running = {
            let mut m = lock(&CANCELS);
            match m.get(&key) {
                Some(t) => Some(t.clone()),
                // SAFETY: live (caller's contract); `started` is accessed
                // only atomically by this library.
                None if unsafe { started(operation) }.load(Ordering::SeqCst) == 0 => {
                    let t = CancelToken::new();
                    t.cancel();
                    m.insert(key, t);
                    None
                }
                None => None,
            }
        };
        // Outside the lock: this may talk to the core.
        if let Some(t) = running {
            t.cancel();
        }
        Ok(())
    });
}

#[cfg(test)]
mod tests;
