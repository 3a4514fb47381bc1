//! Tests that need no secure world: argument checks, parameter planning
//! and write-back (with a stand-in for the client library's call), and
//! cancellation bookkeeping. End-to-end tests run against a live secure
//! world elsewhere.

use super::*;
use std::ptr::{null, null_mut};

fn zeroed_op() -> TEEC_Operation {
    TEEC_Operation {
        started: 0,
        paramTypes: 0,
        params: [TEEC_Parameter {
            memref: TEEC_RegisteredMemoryReference {
                parent: null_mut(),
                size: 0,
                offset: 0,
            },
        }; 4],
        session: null_mut(),
    }
}

fn zeroed_shm() -> TEEC_SharedMemory {
    TEEC_SharedMemory {
        buffer: null_mut(),
        size: 0,
        flags: 0,
        id: 0,
        alloced_size: 0,
        shadow_buffer: null_mut(),
        registered_fd: 0,
        internal: TEEC_SharedMemoryInternal { flags: 0 },
    }
}

/// A context handle with no context behind it (planning never needs one).
fn fake_ctx() -> c_int {
    lock(&REGISTRY).handle()
}

/// Register `buf` under `ctx` the way TEEC_RegisterSharedMemory does.
fn register(ctx: c_int, buf: &mut [u8], flags: u32) -> TEEC_SharedMemory {
    let id = {
        let mut reg = lock(&REGISTRY);
        let id = reg.handle();
        reg.shms.insert(id, ShmEntry { ctx, mem: None });
        id
    };
    TEEC_SharedMemory {
        buffer: buf.as_mut_ptr().cast(),
        size: buf.len(),
        flags,
        id,
        alloced_size: buf.len(),
        internal: TEEC_SharedMemoryInternal {
            flags: SHM_REGISTERED,
        },
        ..zeroed_shm()
    }
}

fn tmp(buf: *mut u8, size: usize) -> TEEC_Parameter {
    TEEC_Parameter {
        tmpref: TEEC_TempMemoryReference {
            buffer: buf.cast(),
            size,
        },
    }
}

fn mref(parent: *mut TEEC_SharedMemory, offset: usize, size: usize) -> TEEC_Parameter {
    TEEC_Parameter {
        memref: TEEC_RegisteredMemoryReference {
            parent,
            size,
            offset,
        },
    }
}

fn val(a: u32, b: u32) -> TEEC_Parameter {
    TEEC_Parameter {
        value: TEEC_Value { a, b },
    }
}

/// Run `op` with `f` standing in for the client library.
fn run(
    op: &mut TEEC_Operation,
    ctx: c_int,
    f: impl FnOnce(&mut [Param<'_>], Option<&Arc<CancelToken>>) -> Result<u32, Error>,
) -> Result<u32, Error> {
    // SAFETY: `op` is a live operation whose memory references point at
    // buffers the test keeps alive.
    unsafe { run_operation(op, null_mut(), ctx, f) }
}

fn never(_: &mut [Param<'_>], _: Option<&Arc<CancelToken>>) -> Result<u32, Error> {
    panic!("the call must not be made")
}

#[test]
fn null_arguments_are_bad_parameters() {
    let mut origin = 0u32;
    // SAFETY: NULL is allowed for every pointer argument below.
    unsafe {
        assert_eq!(
            TEEC_InitializeContext(null(), null_mut()),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(
            TEEC_OpenSession(
                null_mut(),
                null_mut(),
                null(),
                0,
                null(),
                null_mut(),
                &mut origin
            ),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(origin, TEEC_ORIGIN_API);
        origin = 0;
        assert_eq!(
            TEEC_InvokeCommand(null_mut(), 0, null_mut(), &mut origin),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(origin, TEEC_ORIGIN_API);
        assert_eq!(
            TEEC_InvokeCommand(null_mut(), 0, null_mut(), null_mut()),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(
            TEEC_RegisterSharedMemory(null_mut(), null_mut()),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(
            TEEC_AllocateSharedMemory(null_mut(), null_mut()),
            TEEC_ERROR_BAD_PARAMETERS
        );
        TEEC_FinalizeContext(null_mut());
        TEEC_CloseSession(null_mut());
        TEEC_ReleaseSharedMemory(null_mut());
        TEEC_RequestCancellation(null_mut());
    }
}

#[test]
fn unknown_handles_are_bad_parameters() {
    let mut ctx = TEEC_Context {
        imp: TEEC_ContextImp {
            fd: -7,
            reg_mem: false,
            memref_null: false,
        },
    };
    let mut shm = zeroed_shm();
    shm.flags = TEEC_MEM_INPUT;
    shm.size = 4;
    let mut session = TEEC_Session {
        imp: TEEC_SessionImp {
            ctx: &mut ctx,
            session_id: 1,
        },
    };
    let uuid = TEEC_UUID {
        timeLow: 1,
        timeMid: 2,
        timeHiAndVersion: 3,
        clockSeqAndNode: [4; 8],
    };
    let mut origin = 0;
    // SAFETY: all pointers are to live locals.
    unsafe {
        assert_eq!(
            TEEC_AllocateSharedMemory(&mut ctx, &mut shm),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(
            TEEC_InvokeCommand(&mut session, 0, null_mut(), &mut origin),
            TEEC_ERROR_BAD_PARAMETERS
        );
        assert_eq!(origin, TEEC_ORIGIN_API);
        assert_eq!(
            TEEC_OpenSession(
                &mut ctx,
                &mut session,
                &uuid,
                TEEC_LOGIN_PUBLIC,
                null(),
                null_mut(),
                &mut origin
            ),
            TEEC_ERROR_BAD_PARAMETERS
        );
        TEEC_CloseSession(&mut session);
        TEEC_FinalizeContext(&mut ctx);
    }
}

#[test]
fn connection_data_must_match_the_login() {
    let mut ctx = TEEC_Context {
        imp: TEEC_ContextImp {
            fd: -7,
            reg_mem: false,
            memref_null: false,
        },
    };
    let mut session = TEEC_Session {
        imp: TEEC_SessionImp {
            ctx: null_mut(),
            session_id: 0,
        },
    };
    let uuid = TEEC_UUID {
        timeLow: 1,
        timeMid: 2,
        timeHiAndVersion: 3,
        clockSeqAndNode: [4; 8],
    };
    let gid = 100u32;
    let gid_ptr: *const c_void = (&raw const gid).cast();
    for (method, data) in [
        (TEEC_LOGIN_GROUP, null()),
        (TEEC_LOGIN_GROUP_APPLICATION, null()),
        (TEEC_LOGIN_PUBLIC, gid_ptr),
        (TEEC_LOGIN_USER, gid_ptr),
        (3, null()),
        (7, null()),
    ] {
        let mut origin = 0;
        // SAFETY: all pointers are to live locals or NULL.
        let r = unsafe {
            TEEC_OpenSession(
                &mut ctx,
                &mut session,
                &uuid,
                method,
                data,
                null_mut(),
                &mut origin,
            )
        };
        assert_eq!(r, TEEC_ERROR_BAD_PARAMETERS, "login {method}");
        assert_eq!(origin, TEEC_ORIGIN_API);
    }
}

#[test]
fn missing_tee_is_item_not_found() {
    let mut ctx = TEEC_Context {
        imp: TEEC_ContextImp {
            fd: 0,
            reg_mem: false,
            memref_null: false,
        },
    };
    for name in [c"/nonexistent/oxtee.sock", c"some-other-tee"] {
        // SAFETY: a NUL-terminated name and a live context.
        let r = unsafe { TEEC_InitializeContext(name.as_ptr(), &mut ctx) };
        assert_eq!(r, TEEC_ERROR_ITEM_NOT_FOUND);
    }
}

#[test]
fn bad_param_types_are_refused_before_the_call() {
    let ctx = fake_ctx();
    let mut buf = [0u8; 8];
    let mut inonly = register(ctx, &mut buf, TEEC_MEM_INPUT);
    let mut outonly = register(ctx, &mut [0u8; 8], TEEC_MEM_OUTPUT);
    let mut other = register(fake_ctx(), &mut [0u8; 8], TEEC_MEM_INPUT);
    let mut unknown = zeroed_shm();
    unknown.flags = TEEC_MEM_INPUT;
    unknown.size = 8;
    unknown.id = -1;
    let mut noflags = register(ctx, &mut [0u8; 8], 0);
    let cases: Vec<(u32, TEEC_Parameter)> = vec![
        (4, val(0, 0)),
        (8, val(0, 0)),
        (0xB, val(0, 0)),
        (TEEC_MEMREF_TEMP_INPUT, tmp(null_mut(), 4)),
        (TEEC_MEMREF_WHOLE, mref(null_mut(), 0, 0)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(null_mut(), 0, 0)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut inonly, 4, 5)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut inonly, 9, 0)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut inonly, usize::MAX, 2)),
        (TEEC_MEMREF_PARTIAL_OUTPUT, mref(&mut inonly, 0, 4)),
        (TEEC_MEMREF_PARTIAL_INOUT, mref(&mut inonly, 0, 4)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut outonly, 0, 4)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut other, 0, 4)),
        (TEEC_MEMREF_PARTIAL_INPUT, mref(&mut unknown, 0, 4)),
        (TEEC_MEMREF_WHOLE, mref(&mut noflags, 0, 0)),
    ];
    for (n, (t, p)) in cases.into_iter().enumerate() {
        for slot in 0..4 {
            let mut op = zeroed_op();
            op.paramTypes = t << (4 * slot);
            op.params[slot] = p;
            let r = run(&mut op, ctx, never);
            assert_eq!(r, Err(bad()), "case {n} in slot {slot}");
            assert_eq!(op.started, 1);
        }
    }
}

#[test]
fn values_and_temp_refs_round_trip() {
    let ctx = fake_ctx();
    let input = *b"hello";
    let mut out = [0u8; 16];
    let mut inout = *b"abcd";
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(
        TEEC_VALUE_INOUT,
        TEEC_MEMREF_TEMP_INPUT,
        TEEC_MEMREF_TEMP_OUTPUT,
        TEEC_MEMREF_TEMP_INOUT,
    );
    op.params[0] = val(42, 7);
    op.params[1] = tmp(input.as_ptr().cast_mut(), input.len());
    op.params[2] = tmp(out.as_mut_ptr(), out.len());
    op.params[3] = tmp(inout.as_mut_ptr(), inout.len());
    let r = run(&mut op, ctx, |p, cancel| {
        assert!(cancel.is_some());
        let [
            Param::ValueInOut { a, b },
            Param::TempIn { buf: i },
            Param::TempOut { buf: o, size: os },
            Param::TempInOut { buf: io, size: ios },
        ] = p
        else {
            panic!("unexpected params {p:?}")
        };
        assert_eq!((*a, *b), (42, 7));
        assert_eq!(*i, b"hello");
        assert_eq!((o.len(), *os), (16, 16));
        assert_eq!(&io[..], b"abcd");
        *a += 1;
        *b = 0;
        o[..3].copy_from_slice(b"xyz");
        *os = 3;
        io.copy_from_slice(b"ABCD");
        *ios = 2;
        Ok(TEEC_ORIGIN_TRUSTED_APP)
    });
    assert_eq!(r, Ok(TEEC_ORIGIN_TRUSTED_APP));
    // SAFETY: reading the union members the test wrote.
    unsafe {
        assert_eq!(op.params[0].value, TEEC_Value { a: 43, b: 0 });
        assert_eq!(op.params[1].tmpref.size, 5);
        assert_eq!(op.params[2].tmpref.size, 3);
        assert_eq!(op.params[3].tmpref.size, 2);
    }
    assert_eq!(&out[..4], b"xyz\0");
    // Only the reported size is copied back.
    assert_eq!(&inout, b"ABcd");
    assert!(lock(&CANCELS).get(&(&raw const op as usize)).is_none());
}

#[test]
fn short_buffer_reports_size_without_copying() {
    let ctx = fake_ctx();
    let mut out = [9u8; 2];
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(
        TEEC_MEMREF_TEMP_OUTPUT,
        TEEC_MEMREF_TEMP_OUTPUT,
        TEEC_VALUE_OUTPUT,
        TEEC_NONE,
    );
    op.params[0] = tmp(out.as_mut_ptr(), out.len());
    op.params[1] = tmp(null_mut(), 0);
    op.params[2] = val(5, 6);
    let r = run(&mut op, ctx, |p, _| {
        let [
            Param::TempOut { buf, size },
            Param::TempNull {
                dir: Dir::Out,
                size: nsize,
            },
            Param::ValueOut { a, b },
            Param::None,
        ] = p
        else {
            panic!("unexpected params {p:?}")
        };
        buf.fill(1);
        *size = 100;
        *nsize = 50;
        (*a, *b) = (1, 2);
        Err(Error::new(TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP))
    });
    assert_eq!(
        r,
        Err(Error::new(TEEC_ERROR_SHORT_BUFFER, TEEC_ORIGIN_TRUSTED_APP))
    );
    // SAFETY: reading the union members the test wrote.
    unsafe {
        assert_eq!(op.params[0].tmpref.size, 100);
        assert_eq!(op.params[1].tmpref.size, 50);
        assert_eq!(op.params[2].value, TEEC_Value { a: 1, b: 2 });
    }
    assert_eq!(out, [9, 9]);
}

#[test]
fn overlapping_temp_refs_are_sound() {
    let ctx = fake_ctx();
    let mut buf = *b"0123456789";
    let p = buf.as_mut_ptr();
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(
        TEEC_MEMREF_TEMP_INPUT,
        TEEC_MEMREF_TEMP_INOUT,
        TEEC_NONE,
        TEEC_NONE,
    );
    op.params[0] = tmp(p, 10);
    op.params[1] = tmp(p.wrapping_add(5), 5);
    let r = run(&mut op, ctx, |params, _| {
        let [
            Param::TempIn { buf: i },
            Param::TempInOut { buf: io, .. },
            ..,
        ] = params
        else {
            panic!()
        };
        assert_eq!(*i, b"0123456789");
        assert_eq!(&io[..], b"56789");
        io.copy_from_slice(b"abcde");
        Ok(TEEC_ORIGIN_TRUSTED_APP)
    });
    assert!(r.is_ok());
    assert_eq!(&buf, b"01234abcde");
}

#[test]
fn registered_memory_regions_are_copied() {
    let ctx = fake_ctx();
    let mut buf = [0u8; 8];
    buf[..4].copy_from_slice(&5i32.to_ne_bytes());
    let mut shm = register(ctx, &mut buf, TEEC_MEM_INPUT | TEEC_MEM_OUTPUT);
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(
        TEEC_MEMREF_PARTIAL_INPUT,
        TEEC_MEMREF_PARTIAL_OUTPUT,
        TEEC_MEMREF_WHOLE,
        TEEC_NONE,
    );
    op.params[0] = mref(&mut shm, 0, 4);
    op.params[1] = mref(&mut shm, 4, 4);
    op.params[2] = mref(&mut shm, 99, 99);
    let r = run(&mut op, ctx, |p, _| {
        let [
            Param::TempIn { buf: i },
            Param::TempOut { buf: o, size },
            Param::TempInOut {
                buf: w,
                size: wsize,
            },
            Param::None,
        ] = p
        else {
            panic!("unexpected params {p:?}")
        };
        assert_eq!(i.len(), 4);
        assert_eq!((o.len(), w.len(), *wsize), (4, 8, 8));
        let v = i32::from_ne_bytes((*i).try_into().unwrap());
        o.copy_from_slice(&(v * 2).to_ne_bytes());
        *size = 4;
        *wsize = 0;
        Ok(TEEC_ORIGIN_TRUSTED_APP)
    });
    assert!(r.is_ok());
    // SAFETY: reading the union members the test wrote.
    unsafe {
        assert_eq!(op.params[0].memref.size, 4);
        assert_eq!(op.params[1].memref.size, 4);
        assert_eq!(op.params[2].memref.size, 0);
    }
    // SAFETY: the registered buffer is `buf`, alive.
    unsafe { TEEC_ReleaseSharedMemory(&mut shm) };
    assert_eq!(i32::from_ne_bytes(buf[4..].try_into().unwrap()), 10);
    assert_eq!(shm.id, -1);
    // A registered buffer stays its owner's.
    assert_eq!(shm.buffer, buf.as_mut_ptr().cast());
    assert_eq!(shm.size, 8);
    // Released memory can no longer be used, and releasing is idempotent.
    let r = run(&mut op, ctx, never);
    assert_eq!(r, Err(bad()));
    // SAFETY: as above.
    unsafe { TEEC_ReleaseSharedMemory(&mut shm) };
}

#[test]
fn cancellation_before_start_reaches_the_operation() {
    let ctx = fake_ctx();
    let mut op = zeroed_op();
    let key = &raw const op as usize;
    // SAFETY: a live operation.
    unsafe { TEEC_RequestCancellation(&mut op) };
    let pre = lock(&CANCELS).get(&key).cloned().expect("token recorded");
    let r = run(&mut op, ctx, |_, cancel| {
        assert!(Arc::ptr_eq(cancel.unwrap(), &pre));
        Err(Error::new(TEEC_ERROR_CANCEL, TEEC_ORIGIN_API))
    });
    assert_eq!(r.unwrap_err().code, TEEC_ERROR_CANCEL);
    assert!(lock(&CANCELS).get(&key).is_none());

    // Finished (started != 0): a late request does not stick.
    // SAFETY: a live operation.
    unsafe { TEEC_RequestCancellation(&mut op) };
    assert!(lock(&CANCELS).get(&key).is_none());

    // A running operation is found by the request.
    op.started = 0;
    let r = run(&mut op, ctx, |_, cancel| {
        let t = cancel.unwrap().clone();
        assert!(Arc::ptr_eq(lock(&CANCELS).get(&key).unwrap(), &t));
        Ok(0)
    });
    assert!(r.is_ok());
}

#[test]
fn too_large_temp_refs_are_out_of_memory() {
    let ctx = fake_ctx();
    let mut b = [0u8; 1];
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(TEEC_MEMREF_TEMP_OUTPUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
    // Never dereferenced: the size check comes first.
    op.params[0] = tmp(b.as_mut_ptr(), SHAREDMEM_MAX_SIZE + 1);
    let r = run(&mut op, ctx, never);
    assert_eq!(r, Err(api(TEEC_ERROR_OUT_OF_MEMORY)));
}

#[test]
fn empty_registered_memory_with_null_buffer() {
    let ctx = fake_ctx();
    let mut shm = register(ctx, &mut [], TEEC_MEM_INPUT | TEEC_MEM_OUTPUT);
    shm.buffer = null_mut();
    let mut op = zeroed_op();
    op.paramTypes = TEEC_PARAM_TYPES(
        TEEC_MEMREF_WHOLE,
        TEEC_MEMREF_PARTIAL_INOUT,
        TEEC_NONE,
        TEEC_NONE,
    );
    op.params[0] = mref(&mut shm, 0, 0);
    op.params[1] = mref(&mut shm, 0, 0);
    let r = run(&mut op, ctx, |p, _| {
        let [Param::TempInOut { buf, size }, Param::TempInOut { .. }, ..] = p else {
            panic!("unexpected params {p:?}")
        };
        assert!(buf.is_empty());
        *size = 0;
        Ok(TEEC_ORIGIN_TRUSTED_APP)
    });
    assert!(r.is_ok());
}
