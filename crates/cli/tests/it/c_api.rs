//! The C client library (libteec.so.2) and tee_client_api.h, used the way
//! an OP-TEE client application uses them: compiled with gcc, linked with
//! -lteec.

use crate::harness::*;
use std::path::PathBuf;
use std::process::Command;

/// Compile a C client application against dist/teec.
pub fn compile_ca(w: &World, name: &str, src: &str) -> PathBuf {
    let teec = dist().join("teec");
    let c = w.dir.path().join(format!("{name}.c"));
    let exe = w.dir.path().join(name);
    std::fs::write(&c, src).unwrap();
    let out = Command::new("gcc")
        .args(["-Wall", "-Werror", "-pthread", "-o"])
        .arg(&exe)
        .arg(&c)
        .arg(format!("-I{}", teec.join("include").display()))
        .arg(format!("-L{}", teec.join("lib").display()))
        .arg("-lteec")
        .arg(format!("-Wl,-rpath,{}", teec.join("lib").display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

fn run_ca(w: &World, exe: &std::path::Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(exe)
        .args(args)
        .env("OXTEE_SOCKET", &w.socket)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn example_c_clients_against_c_and_rust_tas() {
    let w = World::start();
    let hello = dist().join("ca/hello-ca");
    let seed = dist().join("ca/seed-ca");
    for ta in [HELLO_C, HELLO_RUST] {
        let (ok, out) = run_ca(&w, &hello, &[ta]);
        assert!(ok && out.contains("43"), "hello CA vs {ta}: {out}");
    }
    for ta in [SEED_C, SEED_RUST] {
        let (ok, out) = run_ca(&w, &seed, &[ta]);
        assert!(
            ok && out.contains("Input: 5, Output: 10"),
            "seed CA vs {ta}: {out}"
        );
    }
}

/// Every TEEC function and parameter type from C (tests/it/c/teec_suite.c).
#[test]
fn teec_suite_in_c() {
    let w = World::start();
    let exe = compile_ca(&w, "teec_suite", include_str!("c/teec_suite.c"));
    let (ok, out) = run_ca(&w, &exe, &[]);
    println!("{out}");
    assert!(ok && out.contains("\n0 failed"), "{out}");
    assert!(
        out.lines().filter(|l| l.starts_with("ok ")).count() >= 45,
        "{out}"
    );
}

/// A client that cannot reach the secure world is told where libteec
/// looked and how to point it elsewhere.
#[test]
fn unreachable_secure_world_is_explained() {
    let out = Command::new(dist().join("ca/hello-ca"))
        .arg(HELLO_C)
        .env("OXTEE_SOCKET", "/nonexistent/oxtee.sock")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot reach the secure world at /nonexistent/oxtee.sock")
            && err.contains("OXTEE_SOCKET"),
        "{err}"
    );
}

/// A client written as Teaclave's examples are, on the optee-teec crate
/// from crates.io (tests/teaclave/ca, built by scripts/build.sh with only
/// OPTEE_CLIENT_EXPORT=dist/teec), runs against oxtee: values, a
/// temporary memref and a short-buffer answer.
#[test]
fn teaclave_style_client() {
    let w = World::start();
    let out = Command::new(dist().join("ca/teaclave-style-ca"))
        .env("OXTEE_SOCKET", &w.socket)
        .env("LD_LIBRARY_PATH", dist().join("teec/lib"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text,
        "inc value is 30\nsum is 15\nshort buffer, needs 100\nTeaclave TA: 129\n"
    );
}

/// A TA written as Teaclave's examples are, on optee-utee and
/// optee-utee-build from crates.io (tests/teaclave/ta, built by
/// scripts/build.sh against dist/devkit and signed with its key), runs:
/// its entry-point macros, typed parameters, the GP API through
/// optee-utee (SHA-256), and trace_println! in the TEE's log.
#[test]
fn teaclave_style_ta() {
    let w = World::start();
    let (s, _) = w
        .ctx()
        .open_session(
            uuid("c0ffee00-7eac-4a1e-b0b5-000000000001"),
            oxtee_client::Login::Public,
            &mut [],
        )
        .unwrap();
    let mut p = [oxtee_client::Param::ValueInOut { a: 5, b: 0 }];
    s.invoke(0, &mut p).unwrap();
    assert!(
        matches!(p[0], oxtee_client::Param::ValueInOut { a: 105, .. }),
        "{:?}",
        p[0]
    );
    let mut out = [0u8; 32];
    let mut p = [
        oxtee_client::Param::TempIn { buf: b"abc" },
        oxtee_client::Param::TempOut {
            buf: &mut out,
            size: 32,
        },
    ];
    s.invoke(1, &mut p).unwrap();
    let _ = p;
    use sha2::Digest;
    assert_eq!(out.as_slice(), sha2::Sha256::digest(b"abc").as_slice());
    // Trusted storage through optee-utee's PersistentObject.
    let mut back = [0u8; 64];
    let mut p = [
        oxtee_client::Param::TempIn {
            buf: b"kept by a Teaclave TA",
        },
        oxtee_client::Param::TempOut {
            buf: &mut back,
            size: 64,
        },
    ];
    s.invoke(2, &mut p).unwrap();
    let oxtee_client::Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    assert_eq!(&back[..size], b"kept by a Teaclave TA");
    // gpd.ta.version: the TA's own table's (its crate version).
    let mut v = [0u8; 32];
    let mut p = [oxtee_client::Param::TempOut {
        buf: &mut v,
        size: 32,
    }];
    s.invoke(3, &mut p).unwrap();
    let oxtee_client::Param::TempOut { size, .. } = p[0] else {
        unreachable!()
    };
    assert_eq!(&v[..size], b"0.1.0");
    // AES through optee-utee's Cipher (FIPS-197-style known answer: the
    // zero block under the zero key), Random and Time.
    let mut block = [0u8; 16];
    let mut p = [
        oxtee_client::Param::TempOut {
            buf: &mut block,
            size: 16,
        },
        oxtee_client::Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(4, &mut p).unwrap();
    assert!(
        matches!(p[1], oxtee_client::Param::ValueOut { a: 1, .. }),
        "{:?}",
        p[1]
    );
    let _ = p;
    assert_eq!(
        block,
        [
            0x66, 0xe9, 0x4b, 0xd4, 0xef, 0x8a, 0x2c, 0x3b, 0x88, 0x4c, 0xfa, 0x59, 0xca, 0x34,
            0x2b, 0x2e
        ]
    );
    // gpd.ta.dataSize is the table's (TaConfig's 256 KiB: OP-TEE's ta_head
    // has no field for it), and TEE_Malloc holds to it.
    let mut p = [oxtee_client::Param::ValueOut { a: 0, b: 0 }];
    s.invoke(5, &mut p).unwrap();
    assert!(
        matches!(p[0], oxtee_client::Param::ValueOut { a: 0x40000, b: 1 }),
        "{:?}",
        p[0]
    );
    // BigInt through optee-utee: (2^127 - 1)^2 = 2^254 - 2^128 + 1, a
    // Mersenne prime; 2^127 + 1 is divisible by 3.
    for (x, square, prime, rest) in [
        (
            "7fffffffffffffffffffffffffffffff",
            "3fffffffffffffffffffffffffffffff00000000000000000000000000000001",
            1,
            727,
        ),
        (
            "80000000000000000000000000000001",
            "4000000000000000000000000000000100000000000000000000000000000001",
            0,
            729,
        ),
    ] {
        let x = crate::symcrypt::unhex(x);
        let mut out = [0u8; 64];
        let mut p = [
            oxtee_client::Param::TempIn { buf: &x },
            oxtee_client::Param::TempOut {
                buf: &mut out,
                size: 64,
            },
            oxtee_client::Param::ValueOut { a: 9, b: 9 },
        ];
        s.invoke(6, &mut p).unwrap();
        let oxtee_client::Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        let oxtee_client::Param::ValueOut { a, b } = p[2] else {
            unreachable!()
        };
        assert_eq!(crate::symcrypt::hex(&out[..size]), square);
        assert_eq!((a, b), (prime, rest));
    }
    assert!(w.wait_log("[+] Teaclave-style TA create"), "{}", w.log());
}
