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

fn identity(w: &World, login: Login) -> Result<(u32, [u8; 16]), Error> {
    let ctx = w.ctx();
    let (s, _) = ctx.open_session(uuid(PARAMS), login, &mut [])?;
    let mut id = [0u8; 16];
    let mut p = [
        Param::ValueOut { a: 0, b: 0 },
        Param::TempOut {
            buf: &mut id,
            size: 16,
        },
    ];
    s.invoke(3, &mut p)?;
    let Param::ValueOut { a, .. } = p[0] else {
        unreachable!()
    };
    let _ = p;
    // TEE_UUID in memory: little-endian fields, then the 8 node bytes.
    let fields = oxtee_proto::Uuid::from_fields(
        u32::from_le_bytes(id[0..4].try_into().unwrap()),
        u16::from_le_bytes(id[4..6].try_into().unwrap()),
        u16::from_le_bytes(id[6..8].try_into().unwrap()),
        id[8..16].try_into().unwrap(),
    );
    Ok((a, fields.0))
}

fn v5(name: &str) -> [u8; 16] {
    let ns = uuid::Uuid::from_bytes(oxtee_core::identity::LOGIN_NAMESPACE);
    *uuid::Uuid::new_v5(&ns, name.as_bytes()).as_bytes()
}

#[test]
fn client_identity_from_peer_credentials() {
    let w = World::start();
    let uid = nix::unistd::getuid().as_raw();
    let gid = nix::unistd::getgid().as_raw();
    assert_eq!(identity(&w, Login::Public).unwrap(), (0, [0; 16]));
    assert_eq!(
        identity(&w, Login::User).unwrap(),
        (1, v5(&format!("uid={uid:x}")))
    );
    assert_eq!(
        identity(&w, Login::Group(gid)).unwrap(),
        (2, v5(&format!("gid={gid:x}")))
    );
    // A group the caller is not in.
    let e = identity(&w, Login::Group(0x7fff_fff0)).unwrap_err();
    assert_eq!(e, Error::new(0xFFFF_0001, 3));
    // The APPLICATION logins are refused by default (nothing proves which
    // program a peer runs), with TEEC_ERROR_NOT_SUPPORTED, origin COMMS.
    for login in [
        Login::Application,
        Login::UserApplication,
        Login::GroupApplication(gid),
    ] {
        assert_eq!(identity(&w, login).unwrap_err(), Error::new(0xFFFF_000A, 2));
    }
    assert!(w.wait_log("APPLICATION logins are disabled"));
}

/// With `application_logins = true` the identity is the executable the
/// client ran when it connected.
#[test]
fn application_logins_when_enabled() {
    let w = World::start_with(
        &ta_dir(),
        "application_logins = true\n[limits]\nspare_instances = false\n",
    );
    let uid = nix::unistd::getuid().as_raw();
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let app = identity(&w, Login::Application).unwrap();
    assert_eq!(app, (4, v5(&format!("app={}", exe.display()))));
    let ua = identity(&w, Login::UserApplication).unwrap();
    assert_eq!(ua, (5, v5(&format!("uid={uid:x}:app={}", exe.display()))));
    let e = identity(&w, Login::GroupApplication(0x7fff_fff0)).unwrap_err();
    assert_eq!(e.code, 0xFFFF_0001);
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

/// A TA written in C++ (tests/tas/c/cxx) builds with the devkit from
/// `.cpp` sources with cxxflags-y, cxxflags-<file>-y and cxxflags-remove-y
/// beside a C source, and runs: static constructors once, exceptions
/// thrown and caught, the standard library, virtual calls; an exception
/// nobody catches ends the TA, not the core.
#[test]
fn cxx_ta_runs() {
    let w = World::start();
    let ctx = w.ctx();
    // A session whose C++ checks all held, with one static construction.
    let checked_session = || {
        let (s, _) = ctx
            .open_session(uuid(CXX_TA), Login::Public, &mut [])
            .unwrap();
        let mut p = [Param::ValueOut { a: 99, b: 99 }];
        s.invoke(0, &mut p).unwrap();
        assert!(matches!(p[0], Param::ValueOut { a: 0, b: 1 }), "{:?}", p[0]);
        s
    };
    let s = checked_session();

    let mut out = [0u8; 64];
    let mut p = [
        Param::TempIn {
            buf: b"pear  apple\tfig banana",
        },
        Param::TempOut {
            buf: &mut out,
            size: 64,
        },
    ];
    s.invoke(1, &mut p).unwrap();
    let Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    assert_eq!(&out[..size], b"apple banana fig pear");

    assert_eq!(s.invoke(2, &mut []).unwrap_err(), TARGET_DEAD);
    // The TA's death is its own: a new instance starts afresh.
    checked_session();
}

const CXX_TA: &str = "90e08258-1e51-4cb7-b9de-037367c7692c";

/// The staging-buffer inodes of a TA process's mappings.
fn staging_inodes(pid: i32) -> Vec<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("memfd:oxtee-staging"))
        .filter_map(|l| l.split_whitespace().nth(4)?.parse().ok())
        .collect::<std::collections::BTreeSet<u64>>()
        .into_iter()
        .collect()
}

/// From its second call with temporary memrefs, a session stages them in
/// a buffer of its own that the core maps into that session's TA alone
/// (no copy in the core): results stay right as sizes grow and shrink,
/// short-buffer answers leave the client's buffer alone, and no TA maps a
/// buffer that carries another session's data.
#[test]
fn session_staging_buffers_reach_only_their_ta() {
    let w = World::start();
    let ctx = w.ctx();
    // PARAMS is multi-instance: one process per session.
    let (a, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    let (b, _) = ctx
        .open_session(uuid(PARAMS), Login::Public, &mut [])
        .unwrap();
    for round in 0..3 {
        for (s, tag) in [(&a, 1u8), (&b, 2u8)] {
            for len in [4096usize, 1 << 20, 8192, 3] {
                let data: Vec<u8> = (0..len).map(|i| (i as u8) ^ tag ^ round).collect();
                let mut io = data.clone();
                let mut out = vec![0u8; 3000];
                let mut p = [
                    Param::TempInOut {
                        size: len,
                        buf: &mut io,
                    },
                    Param::TempOut {
                        size: 3000,
                        buf: &mut out,
                    },
                ];
                s.invoke(0, &mut p).unwrap();
                assert!(matches!(p[0], Param::TempInOut { size, .. } if size == len));
                assert!(
                    io.iter().zip(&data).all(|(x, d)| *x == d.wrapping_add(1)),
                    "round {round}, session {tag}, {len} bytes"
                );
                assert!(out.iter().all(|&x| x == 0xA1), "output filled by the TA");
            }
            // A short buffer: the size needed comes back, the bytes do not.
            let mut small = [0x77u8; 10];
            let mut p = [Param::TempOut {
                size: 10,
                buf: &mut small,
            }];
            let e = s.invoke(1, &mut p).unwrap_err();
            assert_eq!(e.code, 0xFFFF_0010);
            assert!(matches!(p[0], Param::TempOut { size: 100, .. }));
            assert_eq!(small, [0x77u8; 10]);
        }
    }
    let pids = w.ta_pids(PARAMS);
    assert_eq!(pids.len(), 2, "{pids:?}");
    let (ia, ib) = (staging_inodes(pids[0]), staging_inodes(pids[1]));
    assert_eq!(ia.len(), 1, "one staging buffer mapped: {ia:?}");
    assert_eq!(ib.len(), 1, "one staging buffer mapped: {ib:?}");
    assert_ne!(ia, ib, "each TA maps its own session's buffer only");
}
