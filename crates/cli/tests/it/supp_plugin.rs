//! Supplicant plugins on the host tier: TAs call `tee_invoke_supp_plugin`
//! (C, `tests/tas/c/supp-plugin`) and `oxtee_ta_sdk::plugin::invoke`
//! (Rust, `tests/tas/rust/internal` command 7); the supplicant process
//! loads `*.plugin` files with tee-supplicant's interface from
//! `plugin_dir` and forwards the calls to the test plugin
//! (`tests/plugins/test_plugin.c`): data both ways, state kept across
//! calls, a file written in the normal world, the plugin's errors
//! returned; an unknown plugin, no plugin folder, a broken plugin file and
//! a plugin that lies about its output's length are handled.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use std::path::Path;

const C_TA: &str = "b1061e00-5e11-4c8a-9d2f-706c7567696e";
const RUST_TA: &str = crate::seal::RUST_INTERNAL;
const PLUGIN: &str = "7f1a5e00-91c3-4d4e-8a5b-706c7567696e";
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const BAD_FORMAT: u32 = 0xFFFF_0005;
const GENERIC: u32 = 0xFFFF_0000;

/// A world whose supplicant loads the test plugin (and a broken file).
fn world(t: &Path) -> World {
    use std::os::unix::fs::PermissionsExt;
    let dir = t.join("plugins");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(
        dist().join("plugins/oxtee-test.plugin"),
        dir.join("oxtee-test.plugin"),
    )
    .unwrap();
    std::fs::write(dir.join("broken.plugin"), b"not a shared object").unwrap();
    for d in [t, &dir] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // (A top-level key: before the [limits] table the harness needs.)
    World::start_with(
        &ta_dir(),
        &format!(
            "plugin_dir = {dir:?}\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n"
        ),
    )
}

/// A TA's plugin call (its command `via`: 0 for the C TA, 7 for the
/// Rust one): the data after it and the output length reported.
fn call(
    (s, via): (&Session, u32),
    cmd: u32,
    sub: u32,
    data: &[u8],
    plugin: &str,
) -> Result<(Vec<u8>, u32), u32> {
    // The C TA takes a TEE_UUID as it lies in memory, the Rust one the
    // UUID's octets.
    let mut id = uuid(plugin).0;
    if via == 0 {
        id = oxtee_core::pta::attestation::swap_uuid(id);
    }
    let mut buf = data.to_vec();
    let n = buf.len();
    let mut p = [
        Param::TempIn { buf: &id },
        Param::ValueIn { a: cmd, b: sub },
        Param::TempInOut {
            buf: &mut buf,
            size: n,
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(via, &mut p).map_err(|e| e.code)?;
    let Param::ValueOut { a, .. } = p[3] else {
        unreachable!()
    };
    let _ = p;
    Ok((buf, a))
}

#[test]
fn tas_call_plugins_through_the_supplicant() {
    let t = tempfile::tempdir().unwrap();
    let w = world(t.path());
    let ctx = w.ctx();
    for (ta, via) in [(C_TA, 0), (RUST_TA, 7)] {
        let (session, _) = ctx.open_session(uuid(ta), Login::Public, &mut []).unwrap();
        let s = (&session, via);
        // Data both ways.
        let (out, n) = call(s, 0, 0, b"hello", PLUGIN).unwrap();
        assert_eq!((&out[..], n), (&b"olleh"[..], 5), "{ta}");
        // The plugin keeps its state: one init, calls counted.
        let (out, n) = call(s, 1, 0, &[0u8; 64], PLUGIN).unwrap();
        let text = String::from_utf8_lossy(&out[..n as usize]).into_owned();
        assert!(text.starts_with("inits=1 calls="), "{ta}: {text}");
        let calls: u32 = text.rsplit('=').next().unwrap().parse().unwrap();
        let (out, n) = call(s, 1, 0, &[0u8; 64], PLUGIN).unwrap();
        let again = String::from_utf8_lossy(&out[..n as usize]).into_owned();
        assert_eq!(again, format!("inits=1 calls={}", calls + 1), "{ta}");
        // Its errors come back as its results.
        assert_eq!(call(s, 2, 0, b"x", PLUGIN), Err(BAD_FORMAT), "{ta}");
        // A plugin claiming more output than the buffer: refused.
        assert_eq!(call(s, 3, 0, b"xyz", PLUGIN), Err(GENERIC), "{ta}");
        // No such plugin.
        let other = "7f1a5e00-91c3-4d4e-8a5b-000000000000";
        assert_eq!(call(s, 0, 0, b"x", other), Err(ITEM_NOT_FOUND), "{ta}");
    }
    // A file written by the plugin in the normal world.
    use std::os::unix::fs::PermissionsExt;
    let logs = t.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o777)).unwrap();
    let log = logs.join("plugin.log");
    let mut data = log.to_str().unwrap().as_bytes().to_vec();
    data.push(0);
    data.extend_from_slice(b"written by a TA");
    let (s, _) = ctx
        .open_session(uuid(C_TA), Login::Public, &mut [])
        .unwrap();
    let (_, n) = call((&s, 0), 4, 7, &data, PLUGIN).unwrap();
    assert_eq!(n, 0);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "7 written by a TA\n"
    );
}

#[test]
fn without_a_plugin_folder_there_is_no_plugin() {
    let w = World::start();
    let (s, _) = w
        .ctx()
        .open_session(uuid(C_TA), Login::Public, &mut [])
        .unwrap();
    assert_eq!(call((&s, 0), 0, 0, b"x", PLUGIN), Err(ITEM_NOT_FOUND));
}
