//! The secure memory budget (`secure_memory`): every TA instance is
//! charged its code, heap and stack; an instance that does not fit is
//! refused with TEEC_ERROR_OUT_OF_MEMORY, origin TEE, and the instances
//! already there carry on; an instance that ends gives its charge back.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};

/// One instance per session (its TA flags are 0).
const TA: &str = crate::socket::C_TA;
const OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const ORIGIN_TEE: u32 = 3;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;

fn world(budget: u64) -> World {
    World::start_with(
        &ta_dir(),
        &format!(
            "secure_memory = {budget}\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n"
        ),
    )
}

/// The TA answers (its command 3 on an empty slot: ITEM_NOT_FOUND).
fn alive(s: &Session) -> bool {
    let r = s.invoke(3, &mut [Param::ValueIn { a: 7, b: 0 }]);
    matches!(r, Err(e) if e.code == ITEM_NOT_FOUND)
}

/// What a new instance of `ta` costs, as the core reports it when it
/// refuses one.
fn cost_of(ta: &str) -> u64 {
    let w = world(1);
    let e = w
        .ctx()
        .open_session(uuid(ta), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!((e.code, e.origin), (OUT_OF_MEMORY, ORIGIN_TEE));
    assert!(w.wait_log("secure memory budget exhausted"));
    w.log()
        .split("need=")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("the refusal says what was needed")
}

#[test]
fn instances_beyond_the_budget_are_refused_and_nothing_else_moves() {
    let need = cost_of(TA);
    // Its heap and stack at least, and its code.
    assert!(need > 512 * 1024 + 16 * 1024, "{need}");

    // Room for two and a half.
    let w = world(need * 5 / 2);
    let ctx = w.ctx();
    let open = || ctx.open_session(uuid(TA), Login::Public, &mut []);
    let a = open().unwrap().0;
    let b = open().unwrap().0;
    let e = open().unwrap_err();
    assert_eq!((e.code, e.origin), (OUT_OF_MEMORY, ORIGIN_TEE));
    assert_eq!(w.ta_pids(TA).len(), 2, "no third process was started");
    assert!(alive(&a) && alive(&b), "the instances there carry on");
    // An instance that ends gives its memory back when its process is
    // gone (a closed one is destroyed off the client's path: wait).
    let reopen = || {
        for _ in 0..200 {
            match open() {
                Ok((s, _)) => return s,
                Err(e) => assert_eq!(e.code, OUT_OF_MEMORY),
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the memory of an ended instance did not come back");
    };
    drop(a);
    let c = reopen();
    assert!(alive(&c));
    assert!(open().is_err());
    let e = b.invoke(6, &mut []).unwrap_err();
    assert_ne!(e.code, 0, "the TA panicked");
    let d = reopen();
    assert!(alive(&c) && alive(&d));
}

/// `oxtee status` output of `w` (with `args`): (success, stdout, stderr).
fn status(w: &World, args: &[&str]) -> (bool, String, String) {
    let o = std::process::Command::new(oxtee_bin())
        .arg("status")
        .args(args)
        .arg("--socket")
        .arg(&w.socket)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The number after `key` on its line of a status.
fn field(text: &str, line: &str, key: &str) -> u64 {
    let l = text
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no {line} in {text}"));
    let mut words = l.split_whitespace();
    while let Some(w) = words.next() {
        if w == key {
            return words.next().unwrap().parse().unwrap();
        }
    }
    panic!("no {key} in {l}")
}

#[test]
fn status_shows_the_budget_and_instances_and_the_budget_resizes_when_it_holds() {
    use std::os::unix::process::CommandExt;
    let w = World::start_with(
        &ta_dir(),
        "secure_memory = 536870912\nsocket_group = \"nogroup\"\n[limits]\nspare_instances = false\n",
    );
    let ctx = w.ctx();
    let (a, _) = ctx.open_session(uuid(TA), Login::Public, &mut []).unwrap();
    let (_b, _) = ctx.open_session(uuid(TA), Login::Public, &mut []).unwrap();
    let (ok, text, err) = status(&w, &[]);
    assert!(ok, "{err}");
    assert_eq!(field(&text, "secure_memory", "secure_memory"), 512 << 20);
    let used = field(&text, "secure_memory", "used");
    let instances: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("instance "))
        .collect();
    assert_eq!(instances.len(), 2, "{text}");
    let charged: u64 = instances
        .iter()
        .map(|l| field(l, "instance", "memory"))
        .sum();
    assert_eq!(charged, used, "{text}");
    assert!(
        instances
            .iter()
            .all(|l| l.contains(TA) && field(l, "instance", "sessions") == 1)
    );
    assert!(field(&text, "sessions", "sessions") >= 2);
    // Smaller than what is in use: refused, with a clear message, and
    // nothing changes.
    let (ok, _, err) = status(&w, &["--budget", &(used - 1).to_string()]);
    assert!(
        !ok && err.contains(&format!("{used} bytes are in use")),
        "{err}"
    );
    assert!(alive(&a));
    // Exactly what is in use: taken; no new instance fits, the old ones
    // carry on.
    let (ok, text, err) = status(&w, &["--budget", &used.to_string()]);
    assert!(ok, "{err}");
    assert_eq!(field(&text, "secure_memory", "secure_memory"), used);
    let e = ctx
        .open_session(uuid(TA), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!((e.code, e.origin), (OUT_OF_MEMORY, ORIGIN_TEE));
    assert!(alive(&a));
    // Another user sees nothing and changes nothing.
    let o = std::process::Command::new(oxtee_bin_for_others())
        .args(["status", "--budget", "1073741824", "--socket"])
        .arg(&w.socket)
        .uid(4242)
        .gid(65534)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("only the core's user or root"),
        "{err}"
    );
    let (_, text, _) = status(&w, &[]);
    assert_eq!(field(&text, "secure_memory", "secure_memory"), used);
}

#[test]
fn buffers_an_instance_maps_later_are_charged_and_refused_beyond_the_budget() {
    use crate::storage::{PRIVATE, RW, ST_C, Ta};
    const K: u64 = 1024;
    const BAD_PARAMETERS: u32 = 0xFFFF_0006;
    const ORIGIN_TA: u32 = 4;
    // (A single, kept-alive instance: every session below is its.)
    let need = cost_of(ST_C);
    let w = world(need + 256 * K + 500 * K);
    let used = || field(&status(&w, &[]).1, "secure_memory", "used");
    let ta = Ta::new(&w, ST_C);
    assert_eq!(used(), need);
    // 100 KiB through a temporary memref (a session's first call passes
    // the core: the instance's bounce buffer) into a new object (the
    // TA's call buffer to the core): both are secure memory.
    let data = vec![7u8; 100 * 1024];
    let h = ta.create(PRIVATE, b"a", RW, &data).unwrap();
    ta.close(h);
    assert_eq!(used(), need + 256 * K, "both buffers are charged");
    // 1 MiB (now on the session's direct channel: client memory): the
    // call buffer cannot grow, so the TA's TEE_CreatePersistentObject
    // fails with OUT_OF_MEMORY, and the TA goes on.
    let big = vec![9u8; 1 << 20];
    assert_eq!(ta.create(PRIVATE, b"b", RW, &big), Err(OUT_OF_MEMORY));
    assert_eq!(used(), need + 256 * K);
    let h = ta.create(PRIVATE, b"c", RW, &data).unwrap();
    ta.close(h);
    // Through the core, a bounce buffer too large for the budget: the
    // call is refused by the TEE before the TA sees it.
    let first_call = |len: usize| {
        let other = Ta::new(&w, ST_C);
        let buf = vec![1u8; len];
        other
            .0
            .invoke(1, &mut [Param::TempIn { buf: &buf }])
            .unwrap_err()
    };
    let e = first_call(1 << 20);
    assert_eq!((e.code, e.origin), (OUT_OF_MEMORY, ORIGIN_TEE));
    assert_eq!(used(), need + 256 * K, "nothing moved");
    // One that fits grows the charge (the TA then refuses the types).
    let e = first_call(300 * 1024);
    assert_eq!((e.code, e.origin), (BAD_PARAMETERS, ORIGIN_TA));
    assert_eq!(used(), need + 512 * K + 128 * K);
}
