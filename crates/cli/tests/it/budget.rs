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

#[test]
fn instances_beyond_the_budget_are_refused_and_nothing_else_moves() {
    // What one instance costs, as the core reports it when it refuses.
    let w = world(1);
    let e = w
        .ctx()
        .open_session(uuid(TA), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!((e.code, e.origin), (OUT_OF_MEMORY, ORIGIN_TEE));
    assert!(w.wait_log("secure memory budget exhausted"));
    let log = w.log();
    let need: u64 = log
        .split("need=")
        .nth(1)
        .and_then(|t| t.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("the refusal says what was needed");
    // Its heap and stack at least, and its code.
    assert!(need > 512 * 1024 + 16 * 1024, "{need}");
    drop(w);

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
