//! Many client threads and processes at once: no lost or crossed replies.

use crate::harness::*;
use oxtee_client::{Login, Param};

#[test]
fn eight_threads_and_four_processes() {
    let w = World::start();
    let ctx = w.ctx();
    // Four client processes, each looping on its own TA instances.
    let procs: Vec<_> = (0..4)
        .map(|i| {
            let script = format!(
                "for n in $(seq 1 15); do {bin} invoke {ta} 0 --socket {sock} --value-inout $((n*100+{i})),0 | grep -q \"a=$((n*100+{i}+1)) \" || exit 1; done",
                bin = oxtee_bin(),
                ta = if i % 2 == 0 { HELLO_C } else { HELLO_RUST },
                sock = w.socket.display(),
            );
            std::process::Command::new("sh").arg("-c").arg(script).spawn().unwrap()
        })
        .collect();
    std::thread::scope(|sc| {
        for t in 0..8u32 {
            let ctx = &ctx;
            sc.spawn(move || {
                // Half the threads share the multi-session instance, half
                // get instances of their own.
                let ta = if t % 2 == 0 { LIFECYCLE } else { HELLO_C };
                let (s, _) = ctx.open_session(uuid(ta), Login::Public, &mut []).unwrap();
                let (h, _) = ctx.open_session(uuid(HELLO_RUST), Login::Public, &mut []).unwrap();
                for n in 0..40u32 {
                    let v = t * 1_000_000 + n;
                    let mut p = [Param::ValueInOut { a: v, b: t }];
                    h.invoke(0, &mut p).unwrap();
                    assert!(matches!(p[0], Param::ValueInOut { a, b } if a == v + 1 && b == t), "crossed reply {:?}", p[0]);
                    if ta == HELLO_C {
                        let mut p = [Param::ValueInOut { a: v, b: 0 }];
                        s.invoke(1, &mut p).unwrap();
                        assert!(matches!(p[0], Param::ValueInOut { a, .. } if a == v - 1 || (v == 0 && a == u32::MAX)));
                    } else {
                        let mut p = [Param::ValueOut { a: 0, b: 0 }, Param::ValueOut { a: 0, b: 0 }];
                        s.invoke(0, &mut p).unwrap();
                    }
                }
            });
        }
    });
    for mut p in procs {
        assert!(
            p.wait().unwrap().success(),
            "a client process saw a wrong reply"
        );
    }
    let mut p = [Param::ValueOut { a: 9, b: 9 }];
    let (s, _) = ctx
        .open_session(uuid(LIFECYCLE), Login::Public, &mut [])
        .unwrap();
    s.invoke(2, &mut p).unwrap();
    assert!(
        matches!(p[0], Param::ValueOut { a: 0, .. }),
        "entry points overlapped under load"
    );
}
