//! The examples' TAs, C and Rust, on both tiers (`tests/tz` runs this
//! file in the guest against them at S-EL0): their commands, and a client
//! that gives them the wrong parameter types or an unknown command.

use crate::harness::*;
use oxtee_client::{Error, Login, Param};
use oxtee_proto::Dir;

#[test]
fn hello_world_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in [HELLO_C, HELLO_RUST] {
        let (s, origin) = ctx.open_session(uuid(ta), Login::Public, &mut []).unwrap();
        assert_eq!(origin, 4, "origin of a successful open is the TA");
        let mut p = [Param::ValueInOut { a: 42, b: 7 }];
        assert_eq!(s.invoke(0, &mut p).unwrap(), 4);
        assert!(
            matches!(p[0], Param::ValueInOut { a: 43, b: 7 }),
            "{ta}: {:?}",
            p[0]
        );
        let mut p = [Param::ValueInOut { a: 42, b: 0 }];
        s.invoke(1, &mut p).unwrap();
        assert!(matches!(p[0], Param::ValueInOut { a: 41, .. }));
        // Wrong parameter types are refused by the TA (C) / the SDK (Rust).
        let mut p = [Param::ValueIn { a: 1, b: 2 }];
        assert_eq!(
            s.invoke(0, &mut p).unwrap_err(),
            Error::new(0xFFFF_0006, 4),
            "{ta}"
        );
        // Unknown command.
        let mut p = [Param::ValueInOut { a: 1, b: 2 }];
        assert_eq!(s.invoke(77, &mut p).unwrap_err().code, 0xFFFF_000A, "{ta}");
    }
}

/// The seed notes' sample, corrected: allocated shared memory, two
/// partial memrefs, 5 in, 10 out.
#[test]
fn seed_sample_with_partial_memrefs() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in [SEED_C, SEED_RUST] {
        let (s, _) = ctx.open_session(uuid(ta), Login::Public, &mut []).unwrap();
        let shm = ctx.allocate_shared_memory(8, 3).unwrap();
        assert!(shm.write(0, &5i32.to_ne_bytes()));
        let mut p = [
            Param::Shm {
                mem: &shm,
                dir: Dir::In,
                offset: 0,
                size: 4,
            },
            Param::Shm {
                mem: &shm,
                dir: Dir::Out,
                offset: 4,
                size: 4,
            },
        ];
        s.invoke(0, &mut p).unwrap();
        assert!(matches!(p[1], Param::Shm { size: 4, .. }));
        let mut out = [0u8; 4];
        assert!(shm.read(4, &mut out));
        assert_eq!(i32::from_ne_bytes(out), 10, "{ta}");
        // A too-small output memref gets the needed size back.
        let mut small = [0u8; 2];
        let mut p = [
            Param::TempIn {
                buf: &7i32.to_ne_bytes(),
            },
            Param::TempOut {
                buf: &mut small,
                size: 2,
            },
        ];
        assert_eq!(
            s.invoke(0, &mut p).unwrap_err(),
            Error::new(0xFFFF_0010, 4),
            "{ta}"
        );
        assert!(
            matches!(p[1], Param::TempOut { size: 4, .. }),
            "{ta}: {:?}",
            p[1]
        );
    }
}
