//! Every parameter type, NULL and empty buffers, size feedback, shared
//! memory directions, and the client identity a TA sees.

use crate::harness::*;
use oxtee_client::{Error, Login, Param};
use oxtee_proto::Dir;

#[test]
fn values_and_temporary_memrefs_round_trip() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    let input = vec![9u8; 1000];
    let mut out = vec![0u8; 300];
    let mut inout = vec![1u8, 2, 3];
    let mut p = [
        Param::TempIn { buf: &input },
        Param::TempOut {
            buf: &mut out,
            size: 300,
        },
        Param::TempInOut {
            buf: &mut inout,
            size: 3,
        },
        Param::ValueInOut { a: 10, b: 20 },
    ];
    s.invoke(0, &mut p).unwrap();
    let Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    assert_eq!(size, 300);
    let Param::ValueInOut { a, b } = p[3] else {
        unreachable!()
    };
    assert_eq!((a, b), (11, 22));
    let _ = p;
    assert!(out.iter().all(|&x| x == 0xA1), "TA wrote 0xA0+1 to param 1");
    assert_eq!(inout, [2, 3, 4]);

    let mut p = [
        Param::ValueOut { a: 5, b: 5 },
        Param::ValueIn { a: 1, b: 1 },
        Param::None,
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(
        p[0],
        Param::ValueOut {
            a: 0x1111,
            b: 0x2222
        }
    ));
    assert!(matches!(
        p[3],
        Param::ValueOut {
            a: 0x4444,
            b: 0x8888
        }
    ));
}

#[test]
fn short_buffer_null_buffer_and_empty_buffers() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    // A NULL output buffer asks for the size.
    let mut p = [Param::TempNull {
        dir: Dir::Out,
        size: 0,
    }];
    assert_eq!(s.invoke(1, &mut p).unwrap_err(), Error::new(0xFFFF_0010, 4));
    assert!(matches!(p[0], Param::TempNull { size: 100, .. }));
    let mut small = [0u8; 10];
    let mut p = [Param::TempOut {
        buf: &mut small,
        size: 10,
    }];
    assert_eq!(s.invoke(1, &mut p).unwrap_err().code, 0xFFFF_0010);
    assert!(matches!(p[0], Param::TempOut { size: 100, .. }));
    assert_eq!(small, [0; 10], "nothing is copied back on SHORT_BUFFER");
    let mut big = [0u8; 150];
    let mut p = [Param::TempOut {
        buf: &mut big,
        size: 150,
    }];
    s.invoke(1, &mut p).unwrap();
    assert!(matches!(p[0], Param::TempOut { size: 100, .. }));
    assert!(big[..100].iter().all(|&x| x == 0x5A) && big[100..].iter().all(|&x| x == 0));
    // Empty input buffer.
    let mut p = [Param::TempIn { buf: &[] }, Param::ValueOut { a: 9, b: 9 }];
    s.invoke(2, &mut p).unwrap();
    assert!(matches!(p[1], Param::ValueOut { a: 0, b: 0 }));
    // A NULL input with a size is malformed.
    let mut p = [
        Param::TempNull {
            dir: Dir::In,
            size: 4,
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    assert_eq!(s.invoke(2, &mut p).unwrap_err(), Error::new(0xFFFF_0006, 1));
}

#[test]
fn one_mebibyte_through_temp_and_shared_memory() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    let data: Vec<u8> = (0..1 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let sum: u32 = data.iter().map(|&b| b as u32).fold(0, u32::wrapping_add);
    let mut p = [Param::TempIn { buf: &data }, Param::ValueOut { a: 0, b: 0 }];
    s.invoke(2, &mut p).unwrap();
    assert!(matches!(p[1], Param::ValueOut { a, b } if a == sum && b == 1 << 20));
    let shm = ctx.allocate_shared_memory(1 << 20, 3).unwrap();
    assert!(shm.write(0, &data));
    let mut p = [Param::Shm {
        mem: &shm,
        dir: Dir::InOut,
        offset: 0,
        size: 1 << 20,
    }];
    s.invoke(0, &mut p).unwrap();
    let mut back = vec![0u8; 1 << 20];
    assert!(shm.read(0, &mut back));
    assert!(
        back.iter().zip(&data).all(|(b, d)| *b == d.wrapping_add(1)),
        "TA added one in place (zero copy)"
    );
    // A partial region, at an offset.
    let mut p = [
        Param::Shm {
            mem: &shm,
            dir: Dir::In,
            offset: 1000,
            size: 24,
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(2, &mut p).unwrap();
    let want: u32 = back[1000..1024].iter().map(|&b| b as u32).sum();
    assert!(matches!(p[1], Param::ValueOut { a, b: 24 } if a == want));
}

#[test]
fn shared_memory_bounds_and_directions_are_checked() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    let input_only = ctx.allocate_shared_memory(64, 1).unwrap();
    let bad = Error::new(0xFFFF_0006, 1);
    let mut p = [Param::Shm {
        mem: &input_only,
        dir: Dir::Out,
        offset: 0,
        size: 8,
    }];
    assert_eq!(
        s.invoke(0, &mut p).unwrap_err(),
        bad,
        "output to input-only memory"
    );
    let mut p = [Param::Shm {
        mem: &input_only,
        dir: Dir::In,
        offset: 60,
        size: 8,
    }];
    assert_eq!(s.invoke(0, &mut p).unwrap_err(), bad, "region past the end");
    let mut p = [Param::Shm {
        mem: &input_only,
        dir: Dir::In,
        offset: usize::MAX,
        size: 2,
    }];
    assert_eq!(s.invoke(0, &mut p).unwrap_err(), bad, "offset overflow");
    assert_eq!(ctx.allocate_shared_memory(8, 0).unwrap_err(), bad);
    // Memory of another context is not this context's.
    let other = w.ctx();
    let foreign = other.allocate_shared_memory(8, 3).unwrap();
    let mut p = [Param::Shm {
        mem: &foreign,
        dir: Dir::In,
        offset: 0,
        size: 8,
    }];
    assert_eq!(s.invoke(0, &mut p).unwrap_err(), bad);
    // Released memory is unmapped from the TA and the session still works.
    let shm = ctx.allocate_shared_memory(16, 3).unwrap();
    let mut p = [Param::Shm {
        mem: &shm,
        dir: Dir::InOut,
        offset: 0,
        size: 16,
    }];
    s.invoke(0, &mut p).unwrap();
    let _ = p;
    drop(shm);
    let mut p = [Param::ValueInOut { a: 1, b: 1 }];
    s.invoke(0, &mut p).unwrap();
}

#[test]
fn open_session_params_and_ta_refusal() {
    let w = World::start();
    let ctx = w.ctx();
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    let (_s, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut p)
        .unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 41, b: 42 }));
    let mut p = [Param::ValueIn { a: 0xBAD, b: 0 }];
    let e = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut p)
        .unwrap_err();
    assert_eq!(e, Error::new(0xFFFF_0001, 4), "refusal from the TA");
}

#[test]
fn random_differs_between_calls_and_instances() {
    let w = World::start();
    let ctx = w.ctx();
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (s, _) = ctx
            .open_session(uuid(PARAMS), Login::Public, &mut [])
            .unwrap();
        for _ in 0..2 {
            let mut buf = [0u8; 32];
            let mut p = [Param::TempOut {
                buf: &mut buf,
                size: 32,
            }];
            s.invoke(4, &mut p).unwrap();
            let _ = p;
            assert!(!seen.contains(&buf));
            seen.push(buf);
        }
    }
}

/// A TA built for the GP 1.1 API (uint32_t sizes, CFG_TA_OPTEE_CORE_API_COMPAT_1_1=y)
/// runs beside GP 1.3 TAs in the same secure world.
#[test]
fn gp11_and_gp13_tas_side_by_side() {
    const COMPAT11: &str = "5b0e9a64-7c21-4d3f-8e55-1f6a2b9c7d08";
    let w = World::start();
    let ctx = w.ctx();
    let (old, _) = ctx
        .open_session(uuid(COMPAT11), Login::Public, &mut [])
        .unwrap();
    let (new, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    let mut buf = [1u8, 2, 3];
    let mut p = [Param::TempInOut {
        buf: &mut buf,
        size: 3,
    }];
    old.invoke(0, &mut p).unwrap();
    let _ = p;
    assert_eq!(buf, [2, 3, 4]);
    let mut small = [0u8; 10];
    let mut p = [Param::TempOut {
        buf: &mut small,
        size: 10,
    }];
    assert_eq!(
        old.invoke(1, &mut p).unwrap_err(),
        Error::new(0xFFFF_0010, 4)
    );
    assert!(matches!(p[0], Param::TempOut { size: 100, .. }));
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    old.invoke(2, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 4, b: 4 }),
        "uint32_t sizes; \"1.1\" plus NUL: {:?}",
        p[0]
    );
    // The GP 1.3 TA beside it.
    let mut buf = [1u8, 2, 3];
    let mut p = [Param::TempInOut {
        buf: &mut buf,
        size: 3,
    }];
    new.invoke(0, &mut p).unwrap();
    let _ = p;
    assert_eq!(buf, [2, 3, 4]);
}

/// The devkit honours OP-TEE's sub.mk conventions (cflags-y, cppflags-y,
/// cflags-<file>-y, cflags-remove-y, subdirs-y, incdirs-y,
/// global-incdirs-y): the TA built with all of them reports 1321; and a
/// generated source (gensrcs-y with produce-, produce-additional-,
/// depends-, recipe-, force-gensrc- and cppflags-<name>-y) made by a
/// script from its input reports 3 * 7 * 11 * 2.
#[test]
fn devkit_sub_mk_conventions() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(
            uuid("2e7f9d14-8b3c-4a61-9f05-d4c8a1b6e273"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 1321, b: 462 }),
        "{:?}",
        p[0]
    );
}
