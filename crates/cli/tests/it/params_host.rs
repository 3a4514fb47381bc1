//! The `params` cases that need the host tier's core (the shared ones
//! are in `params`).

use crate::harness::*;
use oxtee_client::{Error, Login, Param};

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

const CXX_TA: &str = "90e08258-1e51-4cb7-b9de-037367c7692c";

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
