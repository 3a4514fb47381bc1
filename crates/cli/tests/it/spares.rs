//! Spare TA processes (started and sandboxed ahead of need, created on
//! demand): every new instance is still a fresh process that runs
//! TA_CreateEntryPoint, and a spare never outlives the image it was
//! started from.

use crate::harness::*;
use oxtee_client::{Error, Login, Param};
use oxtee_core::image;

const SPARES: &str = "[limits]\ncancel_grace_ms = 300\nspare_instances = true\n";

#[test]
fn every_instance_is_fresh() {
    let w = World::start_with(&ta_dir(), SPARES);
    let ctx = w.ctx();
    for _ in 0..5 {
        let (s, _) = ctx
            .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
            .unwrap();
        let mut p = [
            Param::ValueOut { a: 0, b: 0 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(0, &mut p).unwrap();
        assert!(
            matches!(
                p,
                [Param::ValueOut { a: 1, b: 1 }, Param::ValueOut { a: 0, .. }]
            ),
            "a new instance ran create once and open once: {p:?}"
        );
    }
    // Misbehaving instances do not poison the spare.
    for _ in 0..3 {
        let (s, _) = ctx
            .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
            .unwrap();
        assert_eq!(s.invoke(7, &mut []).unwrap_err(), TARGET_DEAD);
    }
    let (s, _) = ctx
        .open_session(uuid(MISBEHAVE), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(8, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 1, b: 2 }));
}

#[test]
fn a_spare_dies_with_its_image() {
    let tas = tempfile::tempdir().unwrap();
    let good = std::fs::read(ta_dir().join(format!("{HELLO_C}.ta"))).unwrap();
    let path = tas.path().join(format!("{HELLO_C}.ta"));
    std::fs::write(&path, &good).unwrap();
    let w = World::start_with(tas.path(), SPARES);
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    drop(s);
    // Wait until the spare for this image is running.
    let mut spare = false;
    for _ in 0..400 {
        if !w.ta_pids(HELLO_C).is_empty() {
            spare = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(spare, "a spare process was started");
    // Replace the image with a tampered one: the spare must not be used.
    let mut bad = good.clone();
    let n = bad.len();
    bad[n - 100] ^= 0x40;
    std::fs::write(&path, &bad).unwrap();
    let e = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e, Error::new(0xFFFF_000F, 3));
    // A good image again (re-signed): works.
    let elf = image::parse(&good).unwrap().elf.to_vec();
    let pem = std::fs::read_to_string(dist().join("devkit/keys/default_ta.pem")).unwrap();
    let key = image::private_key_from_pem(&pem).unwrap();
    let resigned = image::sign(
        &elf,
        uuid(HELLO_C),
        2,
        &key,
        image::ALG_RSASSA_PKCS1_V1_5_SHA256,
        &mut rand_core::OsRng,
    )
    .unwrap();
    std::fs::write(&path, &resigned).unwrap();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(0, &mut p).unwrap();
}
