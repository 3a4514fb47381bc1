//! Hostile clients: garbage, truncated, oversized and out-of-order
//! messages, lies about lengths, offsets and handles. Each gets an error
//! or is disconnected; the core keeps serving everyone else.

use crate::harness::*;
use oxtee_client::Login;
use oxtee_proto::{ClientParam, ClientReply, ClientRequest, Dir, NO_CLIENT_PARAMS, decode, encode};
use oxtee_sys::Channel;
use std::os::fd::AsFd;

fn raw(w: &World) -> Channel {
    Channel::connect(&w.socket).unwrap()
}

fn ask(ch: &Channel, req: &ClientRequest) -> Option<ClientReply> {
    ch.send(&encode(req).unwrap(), &[]).ok()?;
    recv(ch)
}

fn recv(ch: &Channel) -> Option<ClientReply> {
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    match ch.recv(&mut buf, &mut Vec::new()) {
        Ok(Some(n)) => decode(&buf[..n]).ok(),
        _ => None,
    }
}

fn hello(ch: &Channel) -> (u32, [u8; 16]) {
    match ask(
        ch,
        &ClientRequest::Hello {
            version: oxtee_proto::PROTO_VERSION,
            tee_name: None,
        },
    ) {
        Some(ClientReply::Hello { context, token }) => (context, token),
        r => panic!("{r:?}"),
    }
}

fn still_serving(w: &World) {
    let ctx = w.ctx();
    let (s, _) = ctx
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    let mut p = [oxtee_client::Param::ValueInOut { a: 5, b: 0 }];
    s.invoke(0, &mut p).unwrap();
}

fn is_error(r: Option<ClientReply>) -> bool {
    match r {
        None => true,
        Some(ClientReply::Error { result, .. }) => result != 0,
        Some(ClientReply::Op { result, .. }) => result != 0,
        Some(_) => false,
    }
}

#[test]
fn garbage_and_malformed_messages_disconnect() {
    let w = World::start();
    for bytes in [
        vec![0xffu8; 3],
        vec![],
        vec![0u8; 1],
        vec![9, 9, 9, 9, 9, 9, 9, 9],
    ] {
        let ch = raw(&w);
        ch.send(&bytes, &[]).unwrap();
        assert!(is_error(recv(&ch)), "{bytes:?}");
        assert!(recv(&ch).is_none(), "disconnected after garbage");
    }
    // Trailing bytes after a valid message.
    let ch = raw(&w);
    let mut b = encode(&ClientRequest::Hello {
        version: oxtee_proto::PROTO_VERSION,
        tee_name: None,
    })
    .unwrap();
    b.push(0);
    ch.send(&b, &[]).unwrap();
    assert!(is_error(recv(&ch)));
    // Oversized message.
    let ch = raw(&w);
    let _ = ch.send(&vec![1u8; oxtee_proto::MAX_MESSAGE + 100], &[]);
    assert!(recv(&ch).is_none());
    // Wrong protocol version.
    let ch = raw(&w);
    assert!(is_error(ask(
        &ch,
        &ClientRequest::Hello {
            version: 999,
            tee_name: None
        }
    )));
    still_serving(&w);
}

#[test]
fn out_of_order_and_lying_requests() {
    let w = World::start();
    // Requests before Hello.
    for req in [
        ClientRequest::Invoke {
            session: 1,
            command: 0,
            params: NO_CLIENT_PARAMS,
            cancel_id: 1,
        },
        ClientRequest::CloseSession { session: 1 },
        ClientRequest::Finalize,
        ClientRequest::ReleaseShm { id: 1 },
    ] {
        let ch = raw(&w);
        assert!(is_error(ask(&ch, &req)), "{req:?}");
    }
    // Hello twice.
    let ch = raw(&w);
    hello(&ch);
    assert!(is_error(ask(
        &ch,
        &ClientRequest::Hello {
            version: oxtee_proto::PROTO_VERSION,
            tee_name: None
        }
    )));
    // Attach with a wrong token.
    let a = raw(&w);
    let (ctx_id, token) = hello(&a);
    let b = raw(&w);
    let mut bad = token;
    bad[0] ^= 1;
    assert!(is_error(ask(
        &b,
        &ClientRequest::Attach {
            context: ctx_id,
            token: bad
        }
    )));
    // Handles that belong to someone else, or nobody.
    let victim = w.ctx();
    let (vs, _) = victim
        .open_session(uuid(HELLO_C), Login::Public, &mut [])
        .unwrap();
    for s in [vs.id(), 0, u32::MAX] {
        let r = ask(
            &a,
            &ClientRequest::Invoke {
                session: s,
                command: 0,
                params: NO_CLIENT_PARAMS,
                cancel_id: 5,
            },
        );
        assert!(
            matches!(
                r,
                Some(ClientReply::Op {
                    result: 0xFFFF_0006,
                    ..
                })
            ),
            "{r:?}"
        );
        let r = ask(&a, &ClientRequest::CloseSession { session: s });
        assert!(is_error(r));
    }
    // The victim's session survived the attempts.
    let mut p = [oxtee_client::Param::ValueInOut { a: 1, b: 0 }];
    vs.invoke(0, &mut p).unwrap();
    // Lies about lengths and offsets: staging region past the buffer, shm
    // ids that do not exist, absurd sizes.
    let session = open_params(&a);
    let lies = [
        ClientParam::Staged {
            dir: Dir::In,
            offset: 0,
            size: 1,
            null: false,
        },
        ClientParam::Staged {
            dir: Dir::In,
            offset: u64::MAX - 1,
            size: 4,
            null: false,
        },
        ClientParam::Shm {
            dir: Dir::In,
            id: 12345,
            offset: 0,
            size: 1,
        },
        ClientParam::Staged {
            dir: Dir::In,
            offset: 0,
            size: u64::MAX,
            null: true,
        },
    ];
    for lie in lies {
        let r = ask(
            &a,
            &ClientRequest::Invoke {
                session,
                command: 0,
                params: [lie, ClientParam::None, ClientParam::None, ClientParam::None],
                cancel_id: 2,
            },
        );
        assert!(
            matches!(
                r,
                Some(ClientReply::Op {
                    result: 0xFFFF_0006,
                    origin: 1,
                    ..
                })
            ),
            "{lie:?}: {r:?}"
        );
    }
    // Descriptors where none belong, and none where one must be.
    let fd = oxtee_sys::memfd("x", 4096, true).unwrap();
    a.send(
        &encode(&ClientRequest::CloseSession { session }).unwrap(),
        &[fd.as_fd()],
    )
    .unwrap();
    assert!(is_error(recv(&a)));
    let c = raw(&w);
    hello(&c);
    assert!(is_error(ask(
        &c,
        &ClientRequest::RegisterShm { size: 16, flags: 3 }
    )));
    // Shared memory that can shrink under the TA, or is smaller than claimed.
    let d = raw(&w);
    hello(&d);
    let unsealed = oxtee_sys::memfd("u", 4096, false).unwrap();
    d.send(
        &encode(&ClientRequest::RegisterShm {
            size: 4096,
            flags: 3,
        })
        .unwrap(),
        &[unsealed.as_fd()],
    )
    .unwrap();
    assert!(is_error(recv(&d)));
    let small = oxtee_sys::memfd("s", 16, true).unwrap();
    d.send(
        &encode(&ClientRequest::RegisterShm {
            size: 4096,
            flags: 3,
        })
        .unwrap(),
        &[small.as_fd()],
    )
    .unwrap();
    assert!(is_error(recv(&d)));
    d.send(
        &encode(&ClientRequest::SetStaging {
            size: 1 << 20,
            session: None,
        })
        .unwrap(),
        &[small.as_fd()],
    )
    .unwrap();
    assert!(is_error(recv(&d)));
    still_serving(&w);
}

/// Random byte strings and mutated valid messages never take the core down.
#[test]
fn fuzzed_messages_never_hurt_the_core() {
    let w = World::start();
    let valid: Vec<Vec<u8>> = vec![
        encode(&ClientRequest::Hello {
            version: oxtee_proto::PROTO_VERSION,
            tee_name: Some("x".into()),
        })
        .unwrap(),
        encode(&ClientRequest::OpenSession {
            uuid: uuid(HELLO_C),
            login: 0,
            connection_data: 0,
            params: NO_CLIENT_PARAMS,
            cancel_id: 3,
        })
        .unwrap(),
        encode(&ClientRequest::Invoke {
            session: 2,
            command: 0,
            params: [ClientParam::Value {
                dir: Dir::InOut,
                a: 1,
                b: 2,
            }; 4],
            cancel_id: 4,
        })
        .unwrap(),
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let ch = raw(&w);
        if round % 2 == 0 {
            hello(&ch);
        }
        let mut m = valid[(next() % 3) as usize].clone();
        for _ in 0..(next() % 4 + 1) {
            let i = (next() as usize) % m.len();
            m[i] = next() as u8;
        }
        if next() % 5 == 0 {
            m.truncate((next() as usize) % m.len());
        }
        let _ = ch.send(&m, &[]);
        let _ = recv(&ch);
    }
    still_serving(&w);
}

/// Connections beyond the configured limit are refused with BUSY; the
/// ones already there keep working, and closing one frees a slot.
#[test]
fn connection_limit() {
    let w = World::start_with(&ta_dir(), "[limits]\nmax_connections = 3\n");
    let held: Vec<_> = (0..3).map(|_| raw(&w)).collect();
    for c in &held {
        hello(c);
    }
    let extra = raw(&w);
    assert!(matches!(
        recv(&extra),
        Some(ClientReply::Error {
            result: 0xFFFF_000D,
            ..
        })
    ));
    drop(held);
    let mut ok = false;
    for _ in 0..200 {
        if oxtee_client::Context::new(Some(w.socket.to_str().unwrap())).is_ok() {
            ok = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(ok, "slots are freed when connections close");
}

fn set_staging(
    ch: &Channel,
    size: u64,
    session: Option<u32>,
    fd: &std::os::fd::OwnedFd,
) -> Option<ClientReply> {
    ch.send(
        &encode(&ClientRequest::SetStaging { size, session }).unwrap(),
        &[fd.as_fd()],
    )
    .ok()?;
    recv(ch)
}

fn open_params(ch: &Channel) -> u32 {
    open_ta(ch, PARAMS)
}

fn open_ta(ch: &Channel, ta: &str) -> u32 {
    let r = ask(
        ch,
        &ClientRequest::OpenSession {
            uuid: uuid(ta),
            login: 0,
            connection_data: 0,
            params: NO_CLIENT_PARAMS,
            cancel_id: 1,
        },
    );
    let Some(ClientReply::Op {
        result: 0, session, ..
    }) = r
    else {
        panic!("{r:?}")
    };
    session
}

/// A session's own staging buffer (mapped into its TA): only for a session
/// of the asking context, sealed and as large as claimed, a few per
/// connection (the buffers of closed sessions go first), and offsets are
/// checked against it once it is in use.
#[test]
fn session_staging_buffers_resist_lies() {
    let w = World::start();
    let a = raw(&w);
    hello(&a);
    let mine = open_params(&a);
    let sealed = || oxtee_sys::memfd("s", 64 << 10, true).unwrap();
    // Another context cannot give my session a buffer, nor can anyone give
    // one to a session that does not exist.
    let other = raw(&w);
    hello(&other);
    assert!(matches!(
        set_staging(&other, 64 << 10, Some(mine), &sealed()),
        Some(ClientReply::Error {
            result: 0xFFFF_0006,
            ..
        })
    ));
    assert!(matches!(
        set_staging(&a, 64 << 10, Some(mine ^ 0x5555), &sealed()),
        Some(ClientReply::Error {
            result: 0xFFFF_0006,
            ..
        })
    ));
    // Unsealed, or smaller than claimed: refused.
    let unsealed = oxtee_sys::memfd("u", 64 << 10, false).unwrap();
    assert!(is_error(set_staging(&a, 64 << 10, Some(mine), &unsealed)));
    let small = oxtee_sys::memfd("t", 4096, true).unwrap();
    assert!(is_error(set_staging(&a, 64 << 10, Some(mine), &small)));
    // A real one: offsets beyond it are refused, inside it a call works.
    assert!(matches!(
        set_staging(&a, 64 << 10, Some(mine), &sealed()),
        Some(ClientReply::Ok)
    ));
    let call = |offset: u64, size: u64| {
        ask(
            &a,
            &ClientRequest::Invoke {
                session: mine,
                command: 2,
                params: [
                    ClientParam::Staged {
                        dir: Dir::In,
                        offset,
                        size,
                        null: false,
                    },
                    ClientParam::Value {
                        dir: Dir::Out,
                        a: 0,
                        b: 0,
                    },
                    ClientParam::None,
                    ClientParam::None,
                ],
                cancel_id: 3,
            },
        )
    };
    assert!(matches!(
        call((64 << 10) - 8, 16),
        Some(ClientReply::Op {
            result: 0xFFFF_0006,
            origin: 1,
            ..
        })
    ));
    assert!(matches!(
        call(1024, 4096),
        Some(ClientReply::Op { result: 0, .. })
    ));
    // At most four per connection; a closed session's buffer makes room.
    let more: Vec<u32> = (0..4).map(|_| open_params(&a)).collect();
    for s in &more[..3] {
        assert!(matches!(
            set_staging(&a, 64 << 10, Some(*s), &sealed()),
            Some(ClientReply::Ok)
        ));
    }
    assert!(matches!(
        set_staging(&a, 64 << 10, Some(more[3]), &sealed()),
        Some(ClientReply::Error {
            result: 0xFFFF_000D,
            ..
        })
    ));
    assert!(matches!(
        ask(&a, &ClientRequest::CloseSession { session: more[0] }),
        Some(ClientReply::Ok)
    ));
    assert!(matches!(
        set_staging(&a, 64 << 10, Some(more[3]), &sealed()),
        Some(ClientReply::Ok)
    ));
    still_serving(&w);
}

/// Ask for `session`'s direct channel: the answer and the channel.
fn direct(ch: &Channel, session: u32) -> (Option<ClientReply>, Option<Channel>) {
    ch.send(&encode(&ClientRequest::Direct { session }).unwrap(), &[])
        .unwrap();
    let mut buf = vec![0u8; oxtee_proto::MAX_MESSAGE];
    let mut fds = Vec::new();
    match ch.recv(&mut buf, &mut fds) {
        Ok(Some(n)) => (decode(&buf[..n]).ok(), fds.pop().map(Channel::from_fd)),
        _ => (None, None),
    }
}

fn direct_call(ch: &Channel, call: &oxtee_proto::DirectCall) -> Option<oxtee_proto::DirectReply> {
    ch.send(&encode(call).unwrap(), &[]).ok()?;
    let mut buf = vec![0u8; 4096];
    match ch.recv(&mut buf, &mut Vec::new()) {
        Ok(Some(n)) => decode(&buf[..n]).ok(),
        _ => None,
    }
}

/// A session's direct channel (calls straight to its TA): only for a
/// session of the asking context, one per session; what a call names
/// must be the session's own (its staging buffer, its context's shared
/// memory, within bounds), otherwise the TA sends it back to the core,
/// which refuses it; garbage or descriptors on the channel lose the
/// channel, not the TA.
#[test]
fn direct_channels_resist_lies() {
    use oxtee_proto::{DirectCall, DirectReply, OutParam};
    const DIGEST: &str = "d1a6e5f0-3c2b-4e8a-9f17-5b4c3a2d1e01";
    let w = World::start();
    // Two clients of one (single-instance) TA.
    let a = raw(&w);
    hello(&a);
    let b = raw(&w);
    hello(&b);
    let sa = open_ta(&a, DIGEST);
    let sb = open_ta(&b, DIGEST);
    // Not for another context's session, nor one that does not exist.
    assert!(matches!(
        direct(&b, sa).0,
        Some(ClientReply::Error {
            result: 0xFFFF_0006,
            ..
        })
    ));
    assert!(matches!(
        direct(&a, sa ^ 0x7777).0,
        Some(ClientReply::Error {
            result: 0xFFFF_0006,
            ..
        })
    ));
    // A staging buffer needs the channel first.
    let st = oxtee_sys::memfd("s", 64 << 10, true).unwrap();
    a.send(
        &encode(&ClientRequest::DirectStaging {
            session: sa,
            size: 64 << 10,
        })
        .unwrap(),
        &[st.as_fd()],
    )
    .unwrap();
    assert!(matches!(
        recv(&a),
        Some(ClientReply::Error {
            result: 0xFFFF_0007,
            ..
        })
    ));
    let (r, da) = direct(&a, sa);
    assert!(matches!(r, Some(ClientReply::Ok)), "{r:?}");
    let da = da.expect("a channel");
    // One per session.
    assert!(matches!(
        direct(&a, sa).0,
        Some(ClientReply::Error {
            result: 0xFFFF_000D,
            ..
        })
    ));
    // B registers shared memory and uses it through the core, so the TA
    // has it mapped; A names it on its direct channel: sent back to the
    // core, which refuses it (it is not A's).
    let shm = oxtee_sys::memfd("m", 4096, true).unwrap();
    b.send(
        &encode(&ClientRequest::RegisterShm {
            size: 4096,
            flags: 3,
        })
        .unwrap(),
        &[shm.as_fd()],
    )
    .unwrap();
    let Some(ClientReply::Shm { id: bshm }) = recv(&b) else {
        panic!("register")
    };
    let sha256 = |p1: ClientParam, p2: ClientParam| {
        [
            ClientParam::Value {
                dir: Dir::In,
                a: 0x5000_0004,
                b: 0,
            },
            p1,
            p2,
            ClientParam::None,
        ]
    };
    let b_out = ClientParam::Shm {
        dir: Dir::Out,
        id: bshm,
        offset: 2048,
        size: 32,
    };
    let on_b_shm = sha256(
        ClientParam::Shm {
            dir: Dir::In,
            id: bshm,
            offset: 0,
            size: 16,
        },
        b_out,
    );
    let r = ask(
        &b,
        &ClientRequest::Invoke {
            session: sb,
            command: 0,
            params: on_b_shm,
            cancel_id: 2,
        },
    );
    assert!(
        matches!(r, Some(ClientReply::Op { result: 0, .. })),
        "B's own call: {r:?}"
    );
    let call = |params, staging| DirectCall {
        command: 0,
        params,
        staging,
        cancel_id: 3,
    };
    assert_eq!(
        direct_call(&da, &call(on_b_shm, 0)),
        Some(DirectReply::Redirect)
    );
    let r = ask(
        &a,
        &ClientRequest::Invoke {
            session: sa,
            command: 0,
            params: on_b_shm,
            cancel_id: 4,
        },
    );
    assert!(
        matches!(
            r,
            Some(ClientReply::Op {
                result: 0xFFFF_0006,
                ..
            })
        ),
        "{r:?}"
    );
    // A staging buffer: its own works, out of bounds or another id does not.
    a.send(
        &encode(&ClientRequest::DirectStaging {
            session: sa,
            size: 64 << 10,
        })
        .unwrap(),
        &[st.as_fd()],
    )
    .unwrap();
    let Some(ClientReply::Shm { id: staging }) = recv(&a) else {
        panic!("direct staging")
    };
    let staged = |offset, size| {
        sha256(
            ClientParam::Staged {
                dir: Dir::In,
                offset,
                size,
                null: false,
            },
            ClientParam::Staged {
                dir: Dir::Out,
                offset: 1024,
                size: 32,
                null: false,
            },
        )
    };
    let r = direct_call(&da, &call(staged(0, 16), staging));
    assert!(
        matches!(
            r,
            Some(DirectReply::Done {
                result: 0,
                params: [_, _, OutParam::Size(32), _],
                ..
            })
        ),
        "{r:?}"
    );
    // (It hashed the 16 zero bytes at the start of the buffer.)
    let m = oxtee_sys::Mapping::map(st.as_fd(), 64 << 10).unwrap();
    let mut digest = [0u8; 32];
    assert!(m.read(1024, &mut digest));
    assert_eq!(
        crate::symcrypt::hex(&digest),
        "374708fff7719dd5979ec875d56cd2286f6d3cf7ec317a3b25632aab28ec37bb"
    );
    for (params, id) in [
        (staged((64 << 10) - 8, 16), staging),
        (staged(0, u64::MAX), staging),
        (staged(0, 16), bshm),
        (staged(0, 16), staging ^ 0x4444),
    ] {
        assert_eq!(
            direct_call(&da, &call(params, id)),
            Some(DirectReply::Redirect)
        );
    }
    // Garbage, then descriptors: the channel goes, the TA and the
    // session stay.
    da.send(&[0xff; 7], &[]).unwrap();
    let mut buf = [0u8; 64];
    assert!(matches!(da.recv(&mut buf, &mut Vec::new()), Ok(None)));
    let r = ask(
        &a,
        &ClientRequest::Invoke {
            session: sa,
            command: 0,
            params: sha256(ClientParam::None, ClientParam::None),
            cancel_id: 5,
        },
    );
    assert!(matches!(r, Some(ClientReply::Op { .. })), "{r:?}");
    let (_, db) = direct(&b, sb);
    let db = db.expect("B's channel");
    db.send(&encode(&call(staged(0, 1), 0)).unwrap(), &[shm.as_fd()])
        .unwrap();
    assert!(matches!(db.recv(&mut buf, &mut Vec::new()), Ok(None)));
    // Direct channels are descriptors in a process with few of them: an
    // instance holds a bounded number (sa's and sb's count until their
    // sessions close), then the core says BUSY and calls go through it.
    let mut held = Vec::new();
    let last = loop {
        let s = open_ta(&a, DIGEST);
        match direct(&a, s) {
            (Some(ClientReply::Ok), Some(ch)) => held.push((s, ch)),
            (r, _) => break (s, r),
        }
        assert!(held.len() < 64, "no limit");
    };
    assert_eq!(held.len() + 2, oxtee_proto::limits::DIRECT_CHANNELS);
    assert!(matches!(
        last.1,
        Some(ClientReply::Error {
            result: 0xFFFF_000D,
            ..
        })
    ));
    // The TA is fine, and a closed session makes room.
    let (s0, ch0) = held.pop().unwrap();
    let r = direct_call(&ch0, &call(sha256(ClientParam::None, ClientParam::None), 0));
    assert!(matches!(r, Some(DirectReply::Done { .. })), "{r:?}");
    assert!(matches!(
        ask(&a, &ClientRequest::CloseSession { session: s0 }),
        Some(ClientReply::Ok)
    ));
    assert!(matches!(direct(&a, last.0).0, Some(ClientReply::Ok)));
    still_serving(&w);
}
