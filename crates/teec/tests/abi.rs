//! The C header and the library must agree: compile C programs against
//! `devkit/include/tee_client_api.h` and compare what they see with the
//! `#[repr(C)]` definitions, then call the built `libteec.so` from C.

use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;
use teec::*;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn include_dir() -> PathBuf {
    root().join("devkit/include")
}

fn work_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// (C expression, what Rust says it is).
fn facts() -> Vec<(&'static str, u64)> {
    macro_rules! size {
        ($t:ident) => {
            (
                concat!("sizeof(", stringify!($t), ")"),
                size_of::<$t>() as u64,
            )
        };
    }
    macro_rules! align {
        ($t:ident) => {
            (
                concat!("_Alignof(", stringify!($t), ")"),
                align_of::<$t>() as u64,
            )
        };
    }
    macro_rules! off {
        ($t:ident, $($f:tt)+) => {
            (
                concat!("offsetof(", stringify!($t), ", ", stringify!($($f)+), ")"),
                offset_of!($t, $($f)+) as u64,
            )
        };
    }
    macro_rules! konst {
        ($($c:ident),+ $(,)?) => {
            vec![$((stringify!($c), $c as u64)),+]
        };
    }
    let mut v = vec![
        size!(TEEC_UUID),
        align!(TEEC_UUID),
        off!(TEEC_UUID, timeLow),
        off!(TEEC_UUID, timeMid),
        off!(TEEC_UUID, timeHiAndVersion),
        off!(TEEC_UUID, clockSeqAndNode),
        size!(TEEC_Context),
        align!(TEEC_Context),
        off!(TEEC_Context, imp.fd),
        off!(TEEC_Context, imp.reg_mem),
        off!(TEEC_Context, imp.memref_null),
        size!(TEEC_Session),
        align!(TEEC_Session),
        off!(TEEC_Session, imp.ctx),
        off!(TEEC_Session, imp.session_id),
        size!(TEEC_SharedMemory),
        align!(TEEC_SharedMemory),
        off!(TEEC_SharedMemory, buffer),
        off!(TEEC_SharedMemory, size),
        off!(TEEC_SharedMemory, flags),
        off!(TEEC_SharedMemory, id),
        off!(TEEC_SharedMemory, alloced_size),
        off!(TEEC_SharedMemory, shadow_buffer),
        off!(TEEC_SharedMemory, registered_fd),
        off!(TEEC_SharedMemory, internal),
        off!(TEEC_SharedMemory, internal.dummy),
        off!(TEEC_SharedMemory, internal.flags),
        size!(TEEC_TempMemoryReference),
        align!(TEEC_TempMemoryReference),
        off!(TEEC_TempMemoryReference, buffer),
        off!(TEEC_TempMemoryReference, size),
        size!(TEEC_RegisteredMemoryReference),
        align!(TEEC_RegisteredMemoryReference),
        off!(TEEC_RegisteredMemoryReference, parent),
        off!(TEEC_RegisteredMemoryReference, size),
        off!(TEEC_RegisteredMemoryReference, offset),
        size!(TEEC_Value),
        align!(TEEC_Value),
        off!(TEEC_Value, a),
        off!(TEEC_Value, b),
        size!(TEEC_Parameter),
        align!(TEEC_Parameter),
        off!(TEEC_Parameter, tmpref),
        off!(TEEC_Parameter, memref),
        off!(TEEC_Parameter, value),
        off!(TEEC_Parameter, memref.offset),
        off!(TEEC_Parameter, value.b),
        size!(TEEC_Operation),
        align!(TEEC_Operation),
        off!(TEEC_Operation, started),
        off!(TEEC_Operation, paramTypes),
        off!(TEEC_Operation, params),
        off!(TEEC_Operation, session),
        ("sizeof(TEEC_Result)", size_of::<TEEC_Result>() as u64),
        (
            "sizeof(((TEEC_Operation *)0)->params)",
            size_of::<[TEEC_Parameter; TEEC_CONFIG_PAYLOAD_REF_COUNT]>() as u64,
        ),
        (
            "TEEC_PARAM_TYPES(TEEC_MEMREF_PARTIAL_INPUT, TEEC_MEMREF_PARTIAL_OUTPUT, TEEC_VALUE_INOUT, TEEC_MEMREF_WHOLE)",
            TEEC_PARAM_TYPES(
                TEEC_MEMREF_PARTIAL_INPUT,
                TEEC_MEMREF_PARTIAL_OUTPUT,
                TEEC_VALUE_INOUT,
                TEEC_MEMREF_WHOLE,
            ) as u64,
        ),
        (
            "TEEC_PARAM_TYPE_GET(0xC3ED, 3)",
            TEEC_PARAM_TYPE_GET(0xC3ED, 3) as u64,
        ),
    ];
    v.extend(konst!(
        TEEC_CONFIG_PAYLOAD_REF_COUNT,
        TEEC_CONFIG_SHAREDMEM_MAX_SIZE,
        TEEC_NONE,
        TEEC_VALUE_INPUT,
        TEEC_VALUE_OUTPUT,
        TEEC_VALUE_INOUT,
        TEEC_MEMREF_TEMP_INPUT,
        TEEC_MEMREF_TEMP_OUTPUT,
        TEEC_MEMREF_TEMP_INOUT,
        TEEC_MEMREF_WHOLE,
        TEEC_MEMREF_PARTIAL_INPUT,
        TEEC_MEMREF_PARTIAL_OUTPUT,
        TEEC_MEMREF_PARTIAL_INOUT,
        TEEC_MEM_INPUT,
        TEEC_MEM_OUTPUT,
        TEEC_SUCCESS,
        TEEC_ERROR_STORAGE_NOT_AVAILABLE,
        TEEC_ERROR_GENERIC,
        TEEC_ERROR_ACCESS_DENIED,
        TEEC_ERROR_CANCEL,
        TEEC_ERROR_ACCESS_CONFLICT,
        TEEC_ERROR_EXCESS_DATA,
        TEEC_ERROR_BAD_FORMAT,
        TEEC_ERROR_BAD_PARAMETERS,
        TEEC_ERROR_BAD_STATE,
        TEEC_ERROR_ITEM_NOT_FOUND,
        TEEC_ERROR_NOT_IMPLEMENTED,
        TEEC_ERROR_NOT_SUPPORTED,
        TEEC_ERROR_NO_DATA,
        TEEC_ERROR_OUT_OF_MEMORY,
        TEEC_ERROR_BUSY,
        TEEC_ERROR_COMMUNICATION,
        TEEC_ERROR_SECURITY,
        TEEC_ERROR_SHORT_BUFFER,
        TEEC_ERROR_EXTERNAL_CANCEL,
        TEEC_ERROR_TARGET_DEAD,
        TEEC_ERROR_STORAGE_NO_SPACE,
        TEEC_ORIGIN_API,
        TEEC_ORIGIN_COMMS,
        TEEC_ORIGIN_TEE,
        TEEC_ORIGIN_TRUSTED_APP,
        TEEC_LOGIN_PUBLIC,
        TEEC_LOGIN_USER,
        TEEC_LOGIN_GROUP,
        TEEC_LOGIN_APPLICATION,
        TEEC_LOGIN_USER_APPLICATION,
        TEEC_LOGIN_GROUP_APPLICATION,
    ));
    v
}

#[test]
fn header_matches_rust_definitions() {
    let facts = facts();
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <tee_client_api.h>\n\
         int main(void)\n{\n",
    );
    for (expr, _) in &facts {
        c += &format!("\tprintf(\"%llu\\n\", (unsigned long long)({expr}));\n");
    }
    c += "\treturn 0;\n}\n";
    let dir = work_dir("teec-abi");
    let src = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&src, c).unwrap();
    run(Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&exe));
    let out = run(&mut Command::new(&exe));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), facts.len());
    let mut wrong = Vec::new();
    for ((expr, rust), line) in facts.iter().zip(lines) {
        let c: u64 = line.parse().unwrap();
        if c != *rust {
            wrong.push(format!("{expr}: C says {c}, Rust says {rust}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "header and library disagree:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn header_is_cxx_safe() {
    if Command::new("g++").arg("--version").output().is_err() {
        eprintln!("no g++: skipped");
        return;
    }
    let dir = work_dir("teec-cxx");
    let src = dir.join("use.cc");
    std::fs::write(
        &src,
        "#include <tee_client_api.h>\n\
         static_assert(sizeof(TEEC_Operation) > 0, \"\");\n\
         TEEC_Result (*f)(TEEC_Context *, TEEC_SharedMemory *) = TEEC_AllocateSharedMemory;\n",
    )
    .unwrap();
    run(Command::new("g++")
        .args(["-std=c++11", "-Wall", "-Werror", "-fsyntax-only", "-I"])
        .arg(include_dir())
        .arg(&src));
}

/// The cdylib next to this test's `deps/` directory, if cargo built it.
fn libteec_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?.to_path_buf();
    dir.join("libteec.so").exists().then_some(dir)
}

/// Call the exported functions from C through the shared library: NULL
/// handling, error origins, a missing TEE.
#[test]
fn c_calls_into_libteec() {
    let Some(lib) = libteec_dir() else {
        eprintln!("libteec.so not found next to the test binary: skipped");
        return;
    };
    let dir = work_dir("teec-capi");
    // Installed as scripts/build.sh does: the soname, and the link name.
    let libdir = dir.join("lib");
    let _ = std::fs::remove_dir_all(&libdir);
    std::fs::create_dir_all(&libdir).unwrap();
    std::os::unix::fs::symlink(lib.join("libteec.so"), libdir.join("libteec.so.2")).unwrap();
    std::os::unix::fs::symlink("libteec.so.2", libdir.join("libteec.so")).unwrap();
    let src = dir.join("capi.c");
    let exe = dir.join("capi");
    std::fs::write(&src, CAPI_C).unwrap();
    run(Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(include_dir())
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&libdir)
        .arg("-lteec"));
    let out = run(Command::new(&exe).env("LD_LIBRARY_PATH", &libdir));
    assert_eq!(out.trim(), "ok");
}

const CAPI_C: &str = r#"
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>

#define CHECK(c) do { if (!(c)) { printf("line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_SharedMemory shm;
	TEEC_Operation op;
	TEEC_UUID uuid = { 1, 2, 3, { 4, 5, 6, 7, 8, 9, 10, 11 } };
	uint32_t origin = 0;

	memset(&ctx, 0, sizeof(ctx));
	memset(&sess, 0, sizeof(sess));
	memset(&shm, 0, sizeof(shm));
	memset(&op, 0, sizeof(op));

	CHECK(TEEC_InitializeContext(NULL, NULL) == TEEC_ERROR_BAD_PARAMETERS);
	CHECK(TEEC_InitializeContext("/nonexistent/oxtee.sock", &ctx) ==
	      TEEC_ERROR_ITEM_NOT_FOUND);
	CHECK(TEEC_OpenSession(NULL, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL,
			       NULL, &origin) == TEEC_ERROR_BAD_PARAMETERS);
	CHECK(origin == TEEC_ORIGIN_API);
	origin = 0;
	CHECK(TEEC_InvokeCommand(NULL, 0, &op, &origin) ==
	      TEEC_ERROR_BAD_PARAMETERS);
	CHECK(origin == TEEC_ORIGIN_API);
	CHECK(TEEC_InvokeCommand(NULL, 0, NULL, NULL) ==
	      TEEC_ERROR_BAD_PARAMETERS);
	CHECK(TEEC_AllocateSharedMemory(NULL, &shm) ==
	      TEEC_ERROR_BAD_PARAMETERS);
	CHECK(TEEC_RegisterSharedMemory(&ctx, NULL) ==
	      TEEC_ERROR_BAD_PARAMETERS);
	CHECK(TEEC_RegisterSharedMemoryFileDescriptor(&ctx, &shm, 0) ==
	      TEEC_ERROR_NOT_SUPPORTED);
	TEEC_ReleaseSharedMemory(NULL);
	TEEC_ReleaseSharedMemory(&shm);
	TEEC_RequestCancellation(NULL);
	TEEC_CloseSession(NULL);
	TEEC_FinalizeContext(NULL);
	TEEC_FinalizeContext(&ctx);
	printf("ok\n");
	return 0;
}
"#;
