//! The GP property API from a C TA (devkit, TA_CURRENT_TA_EXT_PROPERTIES)
//! and a Rust TA (SDK, Cargo metadata): the three sets with truthful
//! values, every getter's type rules, short buffers, enumerators, panics.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};

const PROPS_C: &str = "3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c13";
const PROPS_RUST: &str = "3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c14";
const TA: u32 = 0;
const CLIENT: u32 = 1;
const TEE: u32 = 2;

fn string(s: &Session, set: u32, name: &str) -> Result<String, Error> {
    let mut out = [0u8; 512];
    let mut p = [
        Param::ValueIn { a: set, b: 0 },
        Param::TempIn {
            buf: name.as_bytes(),
        },
        Param::TempOut {
            buf: &mut out,
            size: 512,
        },
    ];
    s.invoke(0, &mut p)?;
    let Param::TempOut { size, .. } = p[2] else {
        unreachable!()
    };
    let text = &out[..size];
    assert_eq!(text.last(), Some(&0), "NUL-terminated, size counts the NUL");
    Ok(String::from_utf8(text[..size - 1].to_vec()).unwrap())
}

fn typed(s: &Session, set: u32, kind: u32, name: &str) -> Result<Vec<u8>, Error> {
    let mut out = [0u8; 64];
    let mut p = [
        Param::ValueIn { a: set, b: kind },
        Param::TempIn {
            buf: name.as_bytes(),
        },
        Param::TempOut {
            buf: &mut out,
            size: 64,
        },
    ];
    s.invoke(1, &mut p)?;
    let Param::TempOut { size, .. } = p[2] else {
        unreachable!()
    };
    Ok(out[..size].to_vec())
}

fn enumerate(s: &Session, set: u32) -> Vec<(String, String)> {
    let mut out = vec![0u8; 8192];
    let mut p = [
        Param::ValueIn { a: set, b: 0 },
        Param::None,
        Param::TempOut {
            buf: &mut out,
            size: 8192,
        },
    ];
    s.invoke(2, &mut p).unwrap();
    let Param::TempOut { size, .. } = p[2] else {
        unreachable!()
    };
    String::from_utf8(out[..size].to_vec())
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

const BAD_FORMAT: u32 = 0xFFFF_0005;
const NOT_FOUND: u32 = 0xFFFF_0008;

#[test]
fn property_sets_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    for (ta, version, flags_single) in [(PROPS_C, "2.5", true), (PROPS_RUST, "3.1.4", true)] {
        let (s, _) = ctx.open_session(uuid(ta), Login::User, &mut []).unwrap();
        // Current TA: standard properties from the signed image.
        assert_eq!(string(&s, TA, "gpd.ta.appID").unwrap(), ta);
        assert_eq!(string(&s, TA, "gpd.ta.version").unwrap(), version);
        assert_eq!(
            typed(&s, TA, 0, "gpd.ta.singleInstance").unwrap(),
            [flags_single as u8]
        );
        assert_eq!(typed(&s, TA, 0, "gpd.ta.multiSession").unwrap(), [1]);
        assert_eq!(typed(&s, TA, 0, "gpd.ta.instanceKeepAlive").unwrap(), [0]);
        let data = if ta == PROPS_C { 48 * 1024u32 } else { 131072 };
        assert_eq!(
            typed(&s, TA, 1, "gpd.ta.dataSize").unwrap(),
            data.to_le_bytes()
        );
        assert_eq!(typed(&s, TA, 3, "gpd.ta.appID").unwrap(), uuid(ta).0);
        // Extra properties, every type.
        assert_eq!(
            typed(&s, TA, 1, "com.oxtee.test.u32").unwrap(),
            42u32.to_le_bytes()
        );
        assert_eq!(
            typed(&s, TA, 2, "com.oxtee.test.u64").unwrap(),
            0x0123_4567_89ab_cdef_u64.to_le_bytes()
        );
        assert_eq!(typed(&s, TA, 0, "com.oxtee.test.bool").unwrap(), [1]);
        assert_eq!(
            string(&s, TA, "com.oxtee.test.uuid").unwrap(),
            "01020304-0506-0708-090a-0b0c0d0e0f10"
        );
        assert_eq!(
            string(&s, TA, "com.oxtee.test.string").unwrap(),
            "hello properties"
        );
        assert_eq!(
            typed(&s, TA, 5, "com.oxtee.test.binary").unwrap(),
            [0, 1, 2, 3, 4, 0xff]
        );
        assert_eq!(string(&s, TA, "com.oxtee.test.binary").unwrap(), "AAECAwT/");
        if ta == PROPS_C {
            // Binary blocks of a C TA's header decode as on OP-TEE; their
            // text form is the canonical encoding.
            for (name, bytes, text) in [
                ("spaced", &[0u8, 1, 2, 3, 4, 0xff][..], "AAECAwT/"),
                ("unpadded", b"fo", "Zm8="),
                ("stray", b"foobar", "Zm9vYmFy"),
                ("padded", b"f", "Zg=="),
            ] {
                let name = format!("com.oxtee.test.binary.{name}");
                assert_eq!(typed(&s, TA, 5, &name).unwrap(), bytes, "{name}");
                assert_eq!(string(&s, TA, &name).unwrap(), text, "{name}");
            }
        }
        assert_eq!(
            string(&s, TA, "com.oxtee.test.u64").unwrap(),
            "81985529216486895"
        );
        // Wrong type, unknown name.
        assert_eq!(
            typed(&s, TA, 1, "com.oxtee.test.string").unwrap_err().code,
            BAD_FORMAT
        );
        assert_eq!(
            typed(&s, TA, 2, "com.oxtee.test.u32").unwrap_err().code,
            BAD_FORMAT
        );
        assert_eq!(
            typed(&s, TA, 0, "gpd.ta.version").unwrap_err().code,
            BAD_FORMAT
        );
        assert_eq!(
            string(&s, TA, "no.such.property").unwrap_err().code,
            NOT_FOUND
        );
        assert_eq!(
            typed(&s, TEE, 1, "gpd.client.endian").unwrap_err().code,
            NOT_FOUND,
            "sets are separate"
        );
        // Current client: the session's identity.
        let uid = nix::unistd::getuid().as_raw();
        let ns = uuid::Uuid::from_bytes(oxtee_core::identity::LOGIN_NAMESPACE);
        let want = uuid::Uuid::new_v5(&ns, format!("uid={uid:x}").as_bytes());
        let id = typed(&s, CLIENT, 4, "gpd.client.identity").unwrap();
        assert_eq!(id[..4], 1u32.to_le_bytes());
        assert_eq!(id[4..], *want.as_bytes());
        assert_eq!(
            string(&s, CLIENT, "gpd.client.identity").unwrap(),
            format!("00000001:{want}")
        );
        // Implementation.
        assert_eq!(
            typed(&s, TEE, 1, "gpd.tee.internalCore.version").unwrap(),
            0x0103_0100u32.to_le_bytes()
        );
        assert_eq!(
            typed(&s, TEE, 1, "gpd.tee.arith.maxBigIntSize").unwrap(),
            4096u32.to_le_bytes()
        );
        assert_eq!(
            string(&s, TEE, "gpd.tee.trustedos.manufacturer").unwrap(),
            "oxtee"
        );
        assert_eq!(typed(&s, TEE, 3, "gpd.tee.deviceID").unwrap().len(), 16);
        assert_eq!(
            typed(&s, TEE, 1, "gpd.tee.systemTime.protectionLevel").unwrap(),
            100u32.to_le_bytes()
        );
        // Enumeration sees the same sets, in order, with the extras last.
        let all = enumerate(&s, TA);
        assert_eq!(all[0], ("gpd.ta.appID".into(), ta.into()));
        assert!(all.contains(&("com.oxtee.test.string".into(), "hello properties".into())));
        assert!(all.len() >= 16, "{all:?}");
        let client = enumerate(&s, CLIENT);
        assert_eq!(
            client.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["gpd.client.identity", "gpd.client.endian"]
        );
        let tee = enumerate(&s, TEE);
        assert!(
            tee.iter()
                .any(|(k, v)| k == "gpd.tee.apiversion" && v == "1.3.1")
        );
    }
    // The C TA's identity property type (not expressible in Cargo metadata).
    let (s, _) = ctx
        .open_session(uuid(PROPS_C), Login::Public, &mut [])
        .unwrap();
    assert_eq!(
        string(&s, TA, "com.oxtee.test.identity").unwrap(),
        "f0000000:aabbccdd-eeff-1122-0102-030405060708"
    );
    // Short buffer through GetPropertyAsString: the needed size counts the NUL.
    let mut small = [0u8; 4];
    let mut p = [
        Param::ValueIn { a: TA, b: 0 },
        Param::TempIn {
            buf: b"com.oxtee.test.string",
        },
        Param::TempOut {
            buf: &mut small,
            size: 4,
        },
    ];
    assert_eq!(s.invoke(0, &mut p).unwrap_err(), Error::new(0xFFFF_0010, 4));
    assert!(matches!(p[2], Param::TempOut { size: 17, .. }));
}

#[test]
fn enumerator_rules_and_panics() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PROPS_C), Login::Public, &mut [])
        .unwrap();
    s.invoke(4, &mut []).expect("enumerator protocol");
    for case in 0..3 {
        let ctx = w.ctx();
        let (s, _) = ctx
            .open_session(uuid(PROPS_C), Login::Public, &mut [])
            .unwrap();
        let mut p = [Param::ValueIn { a: case, b: 0 }];
        assert_eq!(
            s.invoke(3, &mut p).unwrap_err(),
            TARGET_DEAD,
            "panic case {case}"
        );
        // The next session works (a fresh instance).
        drop(s);
        let (s2, _) = ctx
            .open_session(uuid(PROPS_C), Login::Public, &mut [])
            .unwrap();
        s2.invoke(4, &mut []).unwrap();
    }
}

/// A Rust panic in a Rust TA is a TEE_Panic: logged with its message,
/// TARGET_DEAD for the session, and the next session works.
#[test]
fn rust_panic_is_a_tee_panic() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(PROPS_RUST), Login::Public, &mut [])
        .unwrap();
    assert_eq!(s.invoke(9, &mut []).unwrap_err(), TARGET_DEAD);
    assert!(w.wait_log("deliberate panic for the tests"), "{}", w.log());
    assert!(w.wait_log("TEE_Panic(0xffff0000)"), "{}", w.log());
    drop(s);
    let (s, _) = ctx
        .open_session(uuid(PROPS_RUST), Login::Public, &mut [])
        .unwrap();
    assert_eq!(string(&s, TA, "gpd.ta.version").unwrap(), "3.1.4");
}
