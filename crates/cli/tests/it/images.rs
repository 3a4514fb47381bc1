//! Signed TA images: only images signed by a trusted key, for the UUID
//! asked for, run; anything else is TEEC_ERROR_SECURITY and the core
//! keeps serving.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Uuid};
use oxtee_core::image;
use std::path::Path;

const SECURITY: Error = Error::new(0xFFFF_000F, 3);

fn hello_elf() -> Vec<u8> {
    let signed = std::fs::read(ta_dir().join(format!("{HELLO_C}.ta"))).unwrap();
    image::parse(&signed).unwrap().elf.to_vec()
}

fn dev_key() -> rsa::RsaPrivateKey {
    let pem = std::fs::read_to_string(dist().join("devkit/keys/default_ta.pem")).unwrap();
    image::private_key_from_pem(&pem).unwrap()
}

fn open(w: &World, ta: &str) -> Result<(), Error> {
    let ctx = w.ctx();
    let (s, _) = ctx.open_session(uuid(ta), Login::Public, &mut [])?;
    let mut p = [Param::ValueInOut { a: 1, b: 0 }];
    s.invoke(0, &mut p)?;
    assert!(matches!(p[0], Param::ValueInOut { a: 2, .. }));
    Ok(())
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(format!("{name}.ta")), bytes).unwrap();
}

#[test]
fn only_good_images_run() {
    let tas = tempfile::tempdir().unwrap();
    let w = World::start_with(tas.path(), "");
    let elf = hello_elf();
    let u = uuid(HELLO_C);
    let mut rng = rand_core::OsRng;
    let good = image::sign(
        &elf,
        u,
        1,
        &dev_key(),
        image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
        &mut rng,
    )
    .unwrap();
    put(tas.path(), HELLO_C, &good);
    open(&w, HELLO_C).expect("good PSS image");
    let pkcs1 = image::sign(
        &elf,
        u,
        1,
        &dev_key(),
        image::ALG_RSASSA_PKCS1_V1_5_SHA256,
        &mut rng,
    )
    .unwrap();
    put(tas.path(), HELLO_C, &pkcs1);
    open(&w, HELLO_C).expect("good PKCS#1 v1.5 image");

    // Unsigned: the bare ELF.
    put(tas.path(), HELLO_C, &elf);
    assert_eq!(open(&w, HELLO_C).unwrap_err(), SECURITY, "unsigned");
    // One flipped bit anywhere: every header byte, the signature, the
    // bootstrap header, and a spread of ELF bytes.
    let mut positions: Vec<usize> = (0..330).collect();
    positions.extend((330..good.len()).step_by(good.len() / 97));
    positions.push(good.len() - 1);
    for &i in &positions {
        let mut bad = good.clone();
        bad[i] ^= 1 << (i % 8);
        put(tas.path(), HELLO_C, &bad);
        assert_eq!(open(&w, HELLO_C).unwrap_err(), SECURITY, "bit flip at {i}");
    }
    // Truncated.
    for len in [0, 10, 20, 52, 300, 328, good.len() / 2, good.len() - 1] {
        put(tas.path(), HELLO_C, &good[..len]);
        assert_eq!(
            open(&w, HELLO_C).unwrap_err(),
            SECURITY,
            "truncated to {len}"
        );
    }
    // Signed by a key the core does not trust.
    let other = rsa::RsaPrivateKey::new(&mut rng, 2048).unwrap();
    let wrong = image::sign(
        &elf,
        u,
        1,
        &other,
        image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
        &mut rng,
    )
    .unwrap();
    put(tas.path(), HELLO_C, &wrong);
    assert_eq!(open(&w, HELLO_C).unwrap_err(), SECURITY, "wrong key");
    // A good image under another TA's name (UUID mismatch with the file
    // and the request), and a good signature over a different UUID.
    put(tas.path(), HELLO_C, &good);
    put(tas.path(), HELLO_RUST, &good);
    assert_eq!(
        open(&w, HELLO_RUST).unwrap_err(),
        SECURITY,
        "file name / request mismatch"
    );
    let mislabelled = image::sign(
        &elf,
        uuid(HELLO_RUST),
        1,
        &dev_key(),
        image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
        &mut rng,
    )
    .unwrap();
    put(tas.path(), HELLO_RUST, &mislabelled);
    assert_eq!(
        open(&w, HELLO_RUST).unwrap_err(),
        SECURITY,
        "ELF header names another UUID"
    );
    // And through all of it the core kept serving.
    open(&w, HELLO_C).expect("good image still runs");
    assert!(w.wait_log("rejected TA image"));
}

#[test]
fn cli_sign_and_inspect() {
    let d = tempfile::tempdir().unwrap();
    let elf = d.path().join("ta.elf");
    std::fs::write(&elf, hello_elf()).unwrap();
    let key = d.path().join("k.pem");
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(oxtee_bin())
            .args(args)
            .output()
            .unwrap()
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let out = run(&[&os("ta"), &os("keygen"), &os("--out"), key.as_os_str()]);
    assert!(out.status.success());
    let out = run(&[
        &os("ta"),
        &os("sign"),
        &os("--key"),
        key.as_os_str(),
        &os("--elf"),
        elf.as_os_str(),
        &os("--out"),
        d.path().as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ta = d.path().join(format!("{HELLO_C}.ta"));
    let pubk = d.path().join("k.pub.pem");
    let out = run(&[
        &os("ta"),
        &os("inspect"),
        ta.as_os_str(),
        &os("--key"),
        pubk.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(HELLO_C)
            && text.contains("RSASSA-PSS-SHA256")
            && text.contains("signature:   valid"),
        "{text}"
    );
    // Inspecting against the wrong key fails.
    let out = run(&[
        &os("ta"),
        &os("inspect"),
        ta.as_os_str(),
        &os("--key"),
        dev_pubkey().as_os_str(),
    ]);
    assert!(!out.status.success());
}

/// Finding 10: an older signed version of a TA does not replace a newer
/// one, across restarts (the record is in the rollback-protected store);
/// `rollback_protection = false` turns that off.
#[test]
fn older_versions_are_refused() {
    let tas = tempfile::tempdir().unwrap();
    let mut w = World::start_with(tas.path(), "");
    let elf = hello_elf();
    let u = uuid(HELLO_C);
    let mut rng = rand_core::OsRng;
    let mut sign = |v: u32| {
        image::sign(
            &elf,
            u,
            v,
            &dev_key(),
            image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            &mut rng,
        )
        .unwrap()
    };
    let (v1, v2, v3) = (sign(1), sign(2), sign(3));
    put(tas.path(), HELLO_C, &v2);
    open(&w, HELLO_C).expect("version 2");
    put(tas.path(), HELLO_C, &v1);
    assert_eq!(open(&w, HELLO_C).unwrap_err(), SECURITY, "downgrade to 1");
    assert!(w.wait_log("older than version 2"), "{}", w.log());
    put(tas.path(), HELLO_C, &v3);
    open(&w, HELLO_C).expect("upgrade to 3");
    w.restart();
    put(tas.path(), HELLO_C, &v2);
    assert_eq!(
        open(&w, HELLO_C).unwrap_err(),
        SECURITY,
        "downgrade after a restart"
    );
    put(tas.path(), HELLO_C, &v3);
    open(&w, HELLO_C).expect("the newest still runs");
    // A normal world that breaks the store (here: a rolled-back RPMB
    // state) does not win downgrades by it: nothing can be checked, so a
    // newly read image is refused.
    let rpmb = w.dir.path().join("storage/rpmb.bin");
    let old_rpmb = std::fs::read(&rpmb).unwrap();
    put(tas.path(), HELLO_C, &v1);
    assert_eq!(open(&w, HELLO_C).unwrap_err(), SECURITY);
    w.restart();
    std::fs::write(&rpmb, vec![0x5a; old_rpmb.len()]).unwrap();
    w.restart();
    assert_eq!(
        open(&w, HELLO_C).unwrap_err(),
        SECURITY,
        "no store, no version check, no image"
    );
    drop(w);
    let w = World::start_with(
        tas.path(),
        "rollback_protection = false\n[limits]\nspare_instances = false\n",
    );
    put(tas.path(), HELLO_C, &v1);
    open(&w, HELLO_C).expect("rollback protection off");
}

/// What is signed and run is the stripped ELF (a tenth of the full one),
/// as OP-TEE signs; the full ELF with its debug information and the link
/// map stay in the build folder for gdb.
#[test]
fn signed_images_are_stripped_and_the_full_elf_is_kept() {
    use object::{Object, ObjectSection};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (ta, build) in [
        (HELLO_C, root.join("target/tas/hello-c")),
        (HELLO_RUST, root.join("target/tas/rust")),
    ] {
        let signed = std::fs::read(ta_dir().join(format!("{ta}.ta"))).unwrap();
        let run = image::parse(&signed).unwrap().elf.to_vec();
        let full = std::fs::read(build.join(format!("{ta}.elf"))).unwrap();
        let sections = |elf: &[u8]| -> Vec<String> {
            let f = object::read::elf::ElfFile64::<object::Endianness>::parse(elf).unwrap();
            f.sections()
                .filter_map(|s| s.name().ok().map(str::to_owned))
                .collect()
        };
        let (run_s, full_s) = (sections(&run), sections(&full));
        assert!(
            !run_s
                .iter()
                .any(|s| [".debug_info", ".debug_line", ".symtab", ".strtab"].contains(&s.as_str())),
            "{ta}: signed image carries {run_s:?}"
        );
        assert!(run_s.iter().any(|s| s == ".oxtee_ta_head"));
        assert!(full_s.iter().any(|s| s == ".debug_info") && full_s.iter().any(|s| s == ".symtab"));
        assert!(
            signed.len() * 8 < full.len(),
            "{ta}: signed {} bytes, full ELF {}",
            signed.len(),
            full.len()
        );
    }
    assert!(
        root.join(format!("target/tas/hello-c/{HELLO_C}.map"))
            .is_file()
    );
}

/// A TA laid out exactly as OP-TEE's examples (user_ta_header_defines.h
/// beside the sources, headers in include/, the examples' Makefile) builds
/// with the devkit and no extra flag, and runs.
#[test]
fn optee_example_layout_builds_and_runs() {
    let w = World::start();
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(
            uuid("b1a3f3c2-6d0e-4c1e-9a55-0c1d2e3f4a5b"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueInOut { a: 42, .. }));
    // The devkit's CFG_ values as macros (its Makefile sets the log level
    // to 4; floating point, mbedTLS and the system PTA yes).
    let mut p = [Param::ValueOut { a: 0, b: 0 }];
    s.invoke(1, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueOut { a: 4, b: 7 }), "{:?}", p[0]);
    // <atomic.h>.
    for n in 1..=2 {
        let mut p = [Param::ValueOut { a: 0, b: 0 }];
        s.invoke(2, &mut p).unwrap();
        assert!(
            matches!(p[0], Param::ValueOut { a, b: 1 } if a == n),
            "{:?}",
            p[0]
        );
    }
    // Every kind of handle fits in 32 bits and works from a uint32_t copy
    // (OP-TEE TAs pass handles through value.a), every time.
    for _ in 0..3 {
        let mut p = [
            Param::ValueOut { a: 9, b: 9 },
            Param::ValueOut { a: 0, b: 0 },
        ];
        s.invoke(3, &mut p).unwrap();
        assert!(matches!(p[0], Param::ValueOut { a: 0, b: 0 }), "{:?}", p[0]);
        assert!(
            matches!(p[1], Param::ValueOut { a, b } if a != 0 && b != 0 && a != b),
            "{:?}",
            p[1]
        );
    }
    // OP-TEE's log system call, as Teaclave's trace_println! uses it:
    // whole lines, however the writes split them.
    s.invoke(4, &mut []).unwrap();
    assert!(w.wait_log("first line"), "{}", w.log());
    assert!(w.wait_log("second line"), "{}", w.log());
    // And from a clean copy of its folder, with nothing but the devkit.
    let (t, ok, err) = build_layout_copy("");
    assert!(ok, "{err}");
    assert!(
        t.path()
            .join("ta/b1a3f3c2-6d0e-4c1e-9a55-0c1d2e3f4a5b.ta")
            .is_file()
    );
    // Its 2 KiB stack is raised to oxtee's minimum, and the build says so.
    assert!(err.contains("below oxtee's minimum TA stack"), "{err}");
}

/// OP-TEE's subkeys (TA_SUBKEY_ARGS): a root key signs a subkey for a
/// namespace, the subkey's holder builds a TA with the devkit as on
/// OP-TEE (its UUID derived from the namespace and its name), and the
/// core runs it with only the root key trusted. A TA outside the
/// namespace, or a subkey the root did not sign, is TEEC_ERROR_SECURITY,
/// as any bad signature.
#[test]
fn ta_signed_through_a_subkey_runs_with_only_the_root_key_trusted() {
    let d = tempfile::tempdir().unwrap();
    let p = |f: &str| d.path().join(f);
    let oxtee = |args: &[&str]| {
        let out = std::process::Command::new(oxtee_bin())
            .current_dir(d.path())
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    for k in ["root.pem", "subkey.pem", "rogue.pem"] {
        assert!(oxtee(&["ta", "keygen", "--out", k]).0);
    }
    const NS: &str = "f04fa996-148a-453c-b037-1dcfbad120a6";
    for (signer, out) in [
        ("root.pem", "subkey.bin"),
        ("rogue.pem", "rogue-subkey.bin"),
    ] {
        let (ok, text) = oxtee(&[
            "ta",
            "sign-subkey",
            "--key",
            signer,
            "--in",
            "subkey.pub.pem",
            "--uuid",
            NS,
            "--out",
            out,
        ]);
        assert!(ok, "{text}");
    }
    let (ok, text) = oxtee(&[
        "ta",
        "subkey-uuid",
        "--in",
        "subkey.bin",
        "--name",
        "layout_ta",
    ]);
    assert!(ok, "{text}");
    let ta_uuid = text
        .lines()
        .find_map(|l| l.strip_prefix("next uuid:"))
        .map(|u| uuid(u.trim()))
        .unwrap();
    assert_eq!(
        ta_uuid,
        image::derive_uuid(uuid(NS), b"layout_ta"),
        "OP-TEE's UUIDv5 (SHA-512) of the namespace and the name"
    );

    // Build the OP-TEE-layout TA under that UUID, signed as OP-TEE's
    // devkit signs through a subkey.
    let build = |subkey: &str| {
        let (f0, f1, f2, f3) = ta_uuid.fields();
        let init = format!(
            "{{ 0x{f0:08x}, 0x{f1:04x}, 0x{f2:04x}, {{ {} }} }}",
            f3.iter()
                .map(|b| format!("0x{b:02x}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let (t, ok, err) = build_layout_copy_with(
            "",
            |dir| {
                let h = dir.join("include/layout_ta.h");
                let text = std::fs::read_to_string(&h).unwrap();
                let start = text.find("#define TA_LAYOUT_UUID").unwrap();
                let end = start + text[start..].find("} }").unwrap() + 3;
                let text = format!(
                    "{}#define TA_LAYOUT_UUID {init}{}",
                    &text[..start],
                    &text[end..]
                );
                std::fs::write(&h, text).unwrap();
            },
            &[
                format!("BINARY={ta_uuid}"),
                format!("OXTEE={}", oxtee_bin()),
                format!("TA_SIGN_KEY={}", p("subkey.pem").display()),
                format!(
                    "TA_SUBKEY_ARGS=--subkey {} --name layout_ta",
                    p(subkey).display()
                ),
                format!("TA_SUBKEY_DEPS={}", p(subkey).display()),
            ],
        );
        assert!(ok, "{err}");
        let ta = t.path().join(format!("ta/{ta_uuid}.ta"));
        (std::fs::read(ta).unwrap(), t)
    };
    let (good, built) = build("subkey.bin");
    let (text_ok, text) = oxtee(&[
        "ta",
        "inspect",
        built
            .path()
            .join(format!("ta/{ta_uuid}.ta"))
            .to_str()
            .unwrap(),
        "--key",
        "root.pub.pem",
    ]);
    assert!(text_ok, "{text}");
    assert!(
        text.contains(&format!("subkey 1:    {NS}"))
            && text.contains("\"layout_ta\"")
            && text.contains(&format!("uuid:        {ta_uuid}"))
            && text.contains("valid, through 1 subkey(s)"),
        "{text}"
    );

    let tas = tempfile::tempdir().unwrap();
    let w = World::start_with_keys(tas.path(), &[p("root.pub.pem")], "");
    let run = |u: Uuid| -> Result<(), Error> {
        let ctx = w.ctx();
        let (s, _) = ctx.open_session(u, Login::Public, &mut [])?;
        let mut prm = [Param::ValueInOut { a: 41, b: 0 }];
        s.invoke(0, &mut prm)?;
        assert!(matches!(prm[0], Param::ValueInOut { a: 42, .. }));
        Ok(())
    };
    let put_ta =
        |u: Uuid, bytes: &[u8]| std::fs::write(tas.path().join(format!("{u}.ta")), bytes).unwrap();
    put_ta(ta_uuid, &good);
    if let Err(e) = run(ta_uuid) {
        panic!(
            "a TA signed through a root-signed subkey: {e:?}\n{}",
            w.log()
        );
    }
    assert!(
        w.wait_log("verified TA image through subkeys"),
        "{}",
        w.log()
    );

    // The same TA through a subkey that a key the core does not trust
    // signed (the TA itself signed by the same subkey key).
    let (rogue, _t) = build("rogue-subkey.bin");
    put_ta(ta_uuid, &rogue);
    assert_eq!(
        run(ta_uuid).unwrap_err(),
        SECURITY,
        "subkey signed by an untrusted key"
    );
    assert!(w.wait_log("signature does not verify with any trusted key"));

    // A TA outside the namespace: the OP-TEE-layout TA under its own
    // UUID, signed by the subkey's key behind the good subkey file and a
    // name. `oxtee ta sign` refuses to make it; built by hand it is
    // refused by the core.
    let outside = uuid("b1a3f3c2-6d0e-4c1e-9a55-0c1d2e3f4a5b");
    let elf = image::parse(&std::fs::read(ta_dir().join(format!("{outside}.ta"))).unwrap())
        .unwrap()
        .elf
        .to_vec();
    let elf_path = p("outside.elf");
    std::fs::write(&elf_path, &elf).unwrap();
    let (ok, text) = oxtee(&[
        "ta",
        "sign",
        "--key",
        "subkey.pem",
        "--subkey",
        "subkey.bin",
        "--name",
        "layout_ta",
        "--elf",
        "outside.elf",
        "--out",
        "outside.ta",
    ]);
    assert!(
        !ok && text.contains(&format!("must have UUID {ta_uuid}")),
        "{text}"
    );
    let sub_key =
        image::private_key_from_pem(&std::fs::read_to_string(p("subkey.pem")).unwrap()).unwrap();
    // The layout TA's ELF under the UUID outside the namespace, signed by `key`.
    let signed_by = |key: &rsa::RsaPrivateKey| {
        image::sign(
            &elf,
            outside,
            0,
            key,
            image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            &mut rand_core::OsRng,
        )
        .unwrap()
    };
    let mut forged = std::fs::read(p("subkey.bin")).unwrap();
    let mut name = b"layout_ta".to_vec();
    name.resize(64, 0); // the default name_size
    forged.extend_from_slice(&name);
    forged.extend_from_slice(&signed_by(&sub_key));
    put_ta(outside, &forged);
    assert_eq!(
        run(outside).unwrap_err(),
        SECURITY,
        "TA outside the subkey's namespace"
    );
    assert!(w.wait_log("outside the UUID namespace"), "{}", w.log());
    // Signed by the root key directly it would run: the refusal is the
    // namespace's, not the ELF's. And the subkey's key is no root key.
    let root =
        image::private_key_from_pem(&std::fs::read_to_string(p("root.pem")).unwrap()).unwrap();
    put_ta(outside, &signed_by(&root));
    run(outside).expect("the same ELF signed by the root key");
    put_ta(outside, &signed_by(&sub_key));
    assert_eq!(
        run(outside).unwrap_err(),
        SECURITY,
        "the subkey's key alone"
    );

    // And the good image still runs.
    put_ta(ta_uuid, &good);
    run(ta_uuid).expect("the good image again");

    // A subkey's version is rollback-protected as on OP-TEE: once a TA
    // ran through version 2 of the subkey, version 1 is refused.
    let stripped = built.path().join(format!("ta/{ta_uuid}.stripped.elf"));
    let mut signed = Vec::new();
    for v in ["2", "1"] {
        let (sk, ta) = (format!("v{v}.bin"), format!("v{v}.ta"));
        let (ok, text) = oxtee(&[
            "ta",
            "sign-subkey",
            "--key",
            "root.pem",
            "--in",
            "subkey.pub.pem",
            "--uuid",
            NS,
            "--subkey-version",
            v,
            "--out",
            &sk,
        ]);
        assert!(ok, "{text}");
        let (ok, text) = oxtee(&[
            "ta",
            "sign",
            "--key",
            "subkey.pem",
            "--subkey",
            &sk,
            "--name",
            "layout_ta",
            "--elf",
            stripped.to_str().unwrap(),
            "--out",
            &ta,
        ]);
        assert!(ok, "{text}");
        signed.push(std::fs::read(p(&ta)).unwrap());
    }
    put_ta(ta_uuid, &signed[0]);
    run(ta_uuid).expect("subkey version 2");
    put_ta(ta_uuid, &signed[1]);
    assert_eq!(
        run(ta_uuid).unwrap_err(),
        SECURITY,
        "subkey version 1 after 2"
    );
    assert!(
        w.wait_log("its subkey: version 1 is older than version 2"),
        "{}",
        w.log()
    );
    put_ta(ta_uuid, &signed[0]);
    run(ta_uuid).expect("subkey version 2 again");
}

/// host_include/conf.h says what mk/conf.mk says, as OP-TEE's devkit
/// gives host programs its configuration, and a host program reads it.
#[test]
fn host_conf_h_matches_conf_mk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mk = std::fs::read_to_string(root.join("devkit/mk/conf.mk")).unwrap();
    let h = std::fs::read_to_string(root.join("devkit/host_include/conf.h")).unwrap();
    let mut n = 0;
    // The TrustZone tier's defaults are not the host's (conf.h is for
    // programs built on the host).
    let mut tz = false;
    for line in mk.lines() {
        if line == "ifeq ($(OXTEE_TIER),tz)" {
            tz = true;
        } else if tz && (line.starts_with("else") || line == "endif") {
            tz = false;
        }
        if tz {
            continue;
        }
        let Some((name, value)) = line.split_once(" ?= ") else {
            continue;
        };
        if !name.starts_with("CFG_") {
            continue;
        }
        let want = match value.trim() {
            "y" => format!("#define {name} 1"),
            "n" | "" => format!("/* {name} is not set */"),
            v => format!("#define {name} {v}"),
        };
        assert!(h.lines().any(|l| l == want), "conf.h lacks `{want}`");
        n += 1;
    }
    assert!(n >= 10, "{n} CFG_ values");
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("conf.c");
    std::fs::write(
        &c,
        "#include <conf.h>\nint main(void) { return CFG_TA_BIGNUM_MAX_BITS == 4096 ? 0 : 1; }\n",
    )
    .unwrap();
    let exe = t.path().join("conf");
    let st = std::process::Command::new("gcc")
        .arg(format!(
            "-I{}",
            dist().join("devkit/host_include").display()
        ))
        .arg("-o")
        .arg(&exe)
        .arg(&c)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(std::process::Command::new(&exe).status().unwrap().success());
}

/// A sub.mk variable the devkit does not support is a clear error, not
/// silently ignored: OP-TEE's library-only and core-only variables, and
/// any other `*-y` one; and a generated source without its recipe.
#[test]
fn unsupported_sub_mk_variables_are_refused() {
    for (var, msg) in [
        (
            "cflags-lib-y += -O3",
            "sets cflags-lib-y, which this devkit does not support",
        ),
        (
            "asm-defines-y += x.c",
            "sets asm-defines-y, which this devkit does not support",
        ),
        (
            "frobnicate-y += x",
            "sets frobnicate-y, which this devkit does not support",
        ),
        (
            "gensrcs-y += g\nproduce-g = g.c",
            "gensrcs-y names g but recipe-g is not set",
        ),
        (
            "gensrcs-y += g\nrecipe-g = true",
            "gensrcs-y names g but produce-g is not set",
        ),
        ("srcs-y += odd.f90", "do not know how to build odd.f90"),
    ] {
        let (_t, ok, err) = build_layout_copy(var);
        assert!(!ok, "{var}: built");
        assert!(err.contains(msg), "{var}: {err}");
    }
}

/// Build a copy of the OP-TEE-layout TA (tests/tas/c/optee-layout) with
/// `extra` appended to its sub.mk, with nothing but the devkit: the copy's
/// folder, whether make succeeded, and what it wrote on standard error.
fn build_layout_copy(extra: &str) -> (tempfile::TempDir, bool, String) {
    build_layout_copy_with(extra, |_| {}, &[])
}

/// `build_layout_copy`, with `edit` applied to the copy's folder before
/// the build and `args` added to make's command line.
fn build_layout_copy_with(
    extra: &str,
    edit: impl FnOnce(&Path),
    args: &[String],
) -> (tempfile::TempDir, bool, String) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/tas/c/optee-layout");
    let t = tempfile::tempdir().unwrap();
    let dst = t.path().join("ta");
    std::fs::create_dir_all(dst.join("include")).unwrap();
    for f in [
        "Makefile",
        "sub.mk",
        "user_ta_header_defines.h",
        "layout_ta.c",
        "include/layout_ta.h",
    ] {
        std::fs::copy(src.join(f), dst.join(f)).unwrap();
    }
    if !extra.is_empty() {
        let mut submk = std::fs::read_to_string(dst.join("sub.mk")).unwrap();
        submk.push_str(extra);
        submk.push('\n');
        std::fs::write(dst.join("sub.mk"), submk).unwrap();
    }
    edit(&dst);
    let out = std::process::Command::new("make")
        .arg("-C")
        .arg(&dst)
        .arg(format!(
            "TA_DEV_KIT_DIR={}",
            dist().join("devkit").display()
        ))
        .arg("CROSS_COMPILE=")
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (t, out.status.success(), err)
}

/// Every header of the devkit compiles on its own after
/// tee_internal_api.h, as C (with OP-TEE's strict TA warnings) and as
/// C++, so that OP-TEE TAs including any of them (pta_system.h, the GP
/// Sockets headers, atomic.h, ...) build; and the values OP-TEE TAs pass
/// around keep OP-TEE's numbers.
#[test]
fn every_devkit_header_compiles_as_c_and_cxx() {
    let inc = dist().join("devkit/include");
    let t = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&inc)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".h"))
        .collect();
    names.sort();
    for h in [
        "pta_system.h",
        "pta_socket.h",
        "tee_isocket.h",
        "tee_tcpsocket.h",
        "tee_udpsocket.h",
        "atomic.h",
    ] {
        assert!(names.iter().any(|n| n == h), "{h} missing from the devkit");
    }
    for name in &names {
        let src = format!(
            "#include <tee_internal_api.h>\n#include <{name}>\n#include <{name}>\n\
             #include <pta_system.h>\n#include <tee_tcpsocket.h>\n#include <tee_udpsocket.h>\n\
             _Static_assert(PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY == 1, \"pta\");\n\
             _Static_assert(TEE_ISOCKET_PROTOCOLID_TCP == 0x65, \"tcp\");\n\
             _Static_assert(TEE_ISOCKET_ERROR_TIMEOUT == 0xF1007003, \"timeout\");\n\
             int f(void);\nint f(void) {{ return 0; }}\n"
        );
        for (compiler, file, flags) in [
            (
                "gcc",
                "t.c",
                &[
                    "-std=gnu11",
                    "-Wall",
                    "-Wextra",
                    "-Wstrict-prototypes",
                    "-Wmissing-prototypes",
                    "-Wundef",
                    "-Wredundant-decls",
                    "-Werror",
                ][..],
            ),
            ("g++", "t.cpp", &["-std=gnu++17", "-Wall", "-Werror"][..]),
        ] {
            let path = t.path().join(file);
            let body = if compiler == "g++" {
                src.replace("_Static_assert", "static_assert")
            } else {
                src.clone()
            };
            std::fs::write(&path, body).unwrap();
            let out = std::process::Command::new(compiler)
                .args(["-fsyntax-only", "-DOXTEE=1"])
                .args(flags)
                .arg(format!("-I{}", inc.display()))
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{name} with {compiler}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// The runtime under OP-TEE's library names (what Teaclave's optee-utee-sys
/// links: -lutee -lutils): one object whose global symbols are only the
/// GP API and what C TAs need (no Rust runtime symbol to clash with a Rust
/// TA's own), no member named like a Rust codegen unit, and a C TA linked
/// against it instead of liboxtee_ta_capi.a runs.
#[test]
fn libutee_exports_only_the_api_and_runs_a_ta() {
    let lib = dist().join("devkit/lib");
    let members = std::process::Command::new("ar")
        .arg("t")
        .arg(lib.join("libutee.a"))
        .output()
        .unwrap();
    let members = String::from_utf8_lossy(&members.stdout).into_owned();
    assert!(
        !members.is_empty() && !members.contains(".rcgu.o"),
        "{members}"
    );
    let syms = std::process::Command::new("readelf")
        .arg("-sW")
        .arg(lib.join("libutee.a"))
        .output()
        .unwrap();
    let syms = String::from_utf8_lossy(&syms.stdout).into_owned();
    // Strong globals: only the API; weak ones: only the unwinder and
    // personality routines a TA's own override.
    let defined = |bind: &'static str| -> Vec<String> {
        syms.lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() >= 8 && f[4] == bind && f[6] != "UND").then(|| f[7].to_string())
            })
            .collect()
    };
    for w in defined("WEAK") {
        assert!(
            w.starts_with("_Unwind_")
                || [
                    "__gcc_personality_v0",
                    "rust_eh_personality",
                    "DW.ref.rust_eh_personality"
                ]
                .contains(&w.as_str()),
            "libutee.a has weak {w}"
        );
    }
    let globals = defined("GLOBAL");
    let globals: Vec<&str> = globals.iter().map(String::as_str).collect();
    assert!(globals.contains(&"TEE_Malloc") && globals.contains(&"main"));
    for local in [
        "rust_eh_personality",
        "_Unwind_Resume",
        "__rust_alloc",
        "malloc",
    ] {
        assert!(!globals.contains(&local), "libutee.a exports {local}");
    }
    for g in &globals {
        assert!(
            g.starts_with("TEE_")
                || g.starts_with("oxtee_")
                || g.starts_with("_utee_")
                || ["main", "dlopen", "dlsym", "dlclose", "dlerror"].contains(g),
            "libutee.a exports {g}"
        );
    }
    let empty = std::process::Command::new("ar")
        .arg("t")
        .arg(lib.join("libutils.a"))
        .output()
        .unwrap();
    assert!(empty.status.success() && empty.stdout.is_empty());

    // A TA linked against it.
    let t = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello/ta-c");
    let ta = t.path().join("ta");
    std::fs::create_dir_all(ta.join("include")).unwrap();
    for f in [
        "Makefile",
        "sub.mk",
        "hello_world_ta.c",
        "include/hello_world_ta.h",
        "include/user_ta_header_defines.h",
    ] {
        std::fs::copy(src.join(f), ta.join(f)).unwrap();
    }
    let out = t.path().join("out");
    let st = std::process::Command::new("make")
        .arg("-s")
        .arg("-C")
        .arg(&ta)
        .arg(format!(
            "TA_DEV_KIT_DIR={}",
            dist().join("devkit").display()
        ))
        .arg("CROSS_COMPILE=")
        .arg(format!("O={}", out.display()))
        .arg(format!(
            "OXTEE_TA_CAPI_LIB={}",
            lib.join("libutee.a").display()
        ))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let w = World::start_with(&out, "");
    let (s, _) = w
        .ctx()
        .open_session(
            uuid("8aaaf200-2450-11e4-abe2-0002a5d5c51b"),
            Login::Public,
            &mut [],
        )
        .unwrap();
    let mut p = [Param::ValueInOut { a: 41, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueInOut { a: 42, .. }),
        "{:?}",
        p[0]
    );
}

/// A TA linked `-pie` rather than `-static-pie` (OP-TEE-style Rust builds)
/// keeps dynamic relocations against optional (weak) references nothing
/// defines; signing settles them as absent, and refuses a required
/// (strong) one, which no loader will ever satisfy.
#[test]
fn signing_settles_optional_references_and_refuses_missing_ones() {
    let t = tempfile::tempdir().unwrap();
    let build = |name: &str, body: &str| -> Vec<u8> {
        let src = t.path().join(format!("{name}.c"));
        std::fs::write(
            &src,
            format!(
                "__attribute__((section(\".ta_head\"), used)) const unsigned char ta_head[32] = {{ 1 }};\n{body}\n"
            ),
        )
        .unwrap();
        let out = t.path().join(name);
        let st = std::process::Command::new("gcc")
            .args(["-fPIE", "-pie", "-nostdlib", "-Wl,-e,entry", "-o"])
            .arg(&out)
            .arg(&src)
            .arg("-lc")
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}",
            String::from_utf8_lossy(&st.stderr)
        );
        std::fs::read(&out).unwrap()
    };
    let mut weak = build(
        "weak",
        "extern void optional_hook(void) __attribute__((weak));\n\
         void entry(void) { if (optional_hook) optional_hook(); for (;;); }",
    );
    let n = oxtee_core::head::settle_optional_references(&mut weak).unwrap();
    assert!(n >= 1, "nothing settled");
    assert_eq!(
        oxtee_core::head::settle_optional_references(&mut weak).unwrap(),
        0
    );
    let mut strong = build(
        "strong",
        // Linked against the shared C library: the required `puts` is left
        // to a dynamic loader.
        "extern int puts(const char *);\nint (*volatile p)(const char *) = puts;\n\
         void entry(void) { for (;;); }",
    );
    let e = oxtee_core::head::settle_optional_references(&mut strong).unwrap_err();
    assert!(e.contains("puts"), "{e}");
}

/// Build files written for OP-TEE call `$(TA_DEV_KIT_DIR)/scripts/
/// sign_encrypt.py`: its command line signs with oxtee, refuses an image
/// whose header names another UUID (leaving no output), refuses what
/// oxtee does not do with a clear error, and `verify` checks key and UUID.
#[test]
fn optee_sign_script_command_line() {
    let d = tempfile::tempdir().unwrap();
    let elf = d.path().join("stripped_ta");
    std::fs::write(&elf, hello_elf()).unwrap();
    let script = dist().join("devkit/scripts/sign_encrypt.py");
    let key = dist().join("devkit/keys/default_ta.pem");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(&script)
            .args(args)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let k = key.to_str().unwrap();
    let e = elf.to_str().unwrap();
    let out = d.path().join("out.ta");
    let o = out.to_str().unwrap();

    // Signed under the UUID the header names (PKCS#1 v1.5 chosen by --algo,
    // version carried), the image verifies with the devkit's public key.
    let (ok, err) = run(&[
        "--uuid",
        HELLO_C,
        "--key",
        k,
        "--in",
        e,
        "--out",
        o,
        "--ta-version",
        "0x7",
        "--algo",
        "TEE_ALG_RSASSA_PKCS1_V1_5_SHA256",
    ]);
    assert!(ok, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    let img = image::verify(&bytes, &[rsa::RsaPublicKey::from(&dev_key())])
        .expect("verifies with the devkit key");
    assert_eq!(img.uuid.to_string(), HELLO_C);
    assert_eq!(img.ta_version, 7);
    assert_eq!(img.algo, image::ALG_RSASSA_PKCS1_V1_5_SHA256);
    let (ok, err) = run(&["verify", "--uuid", HELLO_C, "--key", k, "--in", o]);
    assert!(ok, "{err}");

    // verify: another UUID, another key.
    let other = "0badc0de-0000-4000-8000-000000000001";
    let (ok, err) = run(&["verify", "--uuid", other, "--key", k, "--in", o]);
    assert!(!ok && err.contains("not 0badc0de"), "{err}");
    let other_key = d.path().join("other.pem");
    let st = std::process::Command::new(oxtee_bin())
        .args(["ta", "keygen", "--out"])
        .arg(&other_key)
        .status()
        .unwrap();
    assert!(st.success());
    let (ok, _) = run(&[
        "verify",
        "--uuid",
        HELLO_C,
        "--key",
        other_key.to_str().unwrap(),
        "--in",
        o,
    ]);
    assert!(!ok, "verified with a key that did not sign it");

    // A UUID the TA's header does not name: refused, nothing written.
    let wrong = d.path().join("wrong.ta");
    let (ok, err) = run(&[
        "--uuid",
        other,
        "--key",
        k,
        "--in",
        e,
        "--out",
        wrong.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains(HELLO_C) && err.contains(other), "{err}");
    assert!(!wrong.exists());

    // What oxtee does not do is refused by name, with nothing written.
    for (extra, why) in [
        (
            &["--enc-key", "00112233445566778899aabbccddeeff"][..],
            "encrypted",
        ),
        (&["digest"][..], "offline signing"),
        (&["stitch"][..], "offline signing"),
        (&["--uuid", "not-a-uuid"][..], "not a UUID"),
    ] {
        let mut args = vec!["--uuid", HELLO_C, "--key", k, "--in", e, "--out"];
        args.push(wrong.to_str().unwrap());
        args.extend_from_slice(extra);
        let (ok, err) = run(&args);
        assert!(!ok && err.contains(why), "{extra:?}: {err}");
        assert!(!wrong.exists());
    }
}
