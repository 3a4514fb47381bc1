//! The GP TEE Sockets API, on both tiers: TAs open TCP and UDP sockets
//! with `TEE_tcpSocket`/`TEE_udpSocket` (C, `tests/tas/c/socket`) and
//! `oxtee_ta_sdk::socket` (Rust, `tests/tas/rust/internal` command 8)
//! through the socket PTA; the normal world's network supplicant holds
//! the sockets. Against echo servers on loopback started here: data both
//! ways over IPv4 and IPv6, a large transfer, timeouts, a closed peer,
//! refused connections, names that do not resolve, ioctls; and the
//! attackers: a client opening the PTA, a TA using another instance's
//! handles. (`socket_host.rs`: what only the host tier has.)

use crate::harness::*;
use oxtee_client::{Login, Param, Session};
use oxtee_gp::pta_system::socket as gp;
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

pub(crate) const C_TA: &str = "b1061e00-5e11-4c8a-9d2f-736f636b6574";
pub(crate) const RUST_TA: &str = crate::seal::RUST_INTERNAL;
pub(crate) const PTA: &str = "3b996a7d-2c2b-4a49-a896-e1fb5766d2f4";
pub(crate) const INF: u32 = u32::MAX;
pub(crate) const TCP: u32 = gp::PROTOCOL_TCP;
pub(crate) const UDP: u32 = gp::PROTOCOL_UDP;
pub(crate) const COMMUNICATION: u32 = 0xFFFF_000E;
pub(crate) const BAD_PARAMETERS: u32 = 0xFFFF_0006;
pub(crate) const ACCESS_DENIED: u32 = 0xFFFF_0001;
pub(crate) const TARGET_DEAD: u32 = 0xFFFF_3024;

/// A TCP echo server on `addr` (None: the host has no such loopback).
pub(crate) fn tcp_echo(addr: &str) -> Option<u16> {
    let l = TcpListener::bind(addr).ok()?;
    let port = l.local_addr().ok()?.port();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { return };
            std::thread::spawn(move || {
                let mut b = [0u8; 65536];
                while let Ok(n) = c.read(&mut b) {
                    if n == 0 || c.write_all(&b[..n]).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Some(port)
}

/// A UDP echo server on `addr`.
pub(crate) fn udp_echo(addr: &str) -> Option<u16> {
    let s = UdpSocket::bind(addr).ok()?;
    let port = s.local_addr().ok()?.port();
    std::thread::spawn(move || {
        let mut b = [0u8; 65536];
        while let Ok((n, from)) = s.recv_from(&mut b) {
            let _ = s.send_to(&b[..n], from);
        }
    });
    Some(port)
}

/// The C TA's socket slot: open (its slot, or the code and protocol
/// error).
pub(crate) fn open(
    s: &Session,
    proto: u32,
    host: &str,
    port: u16,
    version: u32,
) -> Result<u32, (u32, u32)> {
    let mut p = [
        Param::ValueIn {
            a: proto,
            b: port.into(),
        },
        Param::TempIn {
            buf: host.as_bytes(),
        },
        Param::ValueIn { a: version, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    let r = s.invoke(0, &mut p);
    let Param::ValueOut { a, b } = p[3] else {
        unreachable!()
    };
    r.map(|_| a).map_err(|e| (e.code, b))
}

/// Send on a slot: the result, the count and the socket's error().
pub(crate) fn send(s: &Session, slot: u32, data: &[u8], timeout: u32) -> (u32, u32, u32) {
    let mut p = [
        Param::ValueIn {
            a: slot,
            b: timeout,
        },
        Param::TempIn { buf: data },
        Param::ValueOut { a: 0, b: 0 },
    ];
    let r = s.invoke(1, &mut p).map_or_else(|e| e.code, |_| 0);
    let Param::ValueOut { a, b } = p[2] else {
        unreachable!()
    };
    (r, a, b)
}

/// Receive up to `n` bytes on a slot.
pub(crate) fn recv(s: &Session, slot: u32, n: usize, timeout: u32) -> Result<Vec<u8>, u32> {
    let mut buf = vec![0u8; n];
    let mut p = [
        Param::ValueIn {
            a: slot,
            b: timeout,
        },
        Param::TempOut {
            buf: &mut buf,
            size: n,
        },
    ];
    let r = s.invoke(2, &mut p);
    let Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    r.map_err(|e| e.code)?;
    buf.truncate(size);
    Ok(buf)
}

pub(crate) fn close(s: &Session, slot: u32) -> Result<(), u32> {
    s.invoke(3, &mut [Param::ValueIn { a: slot, b: 0 }])
        .map(|_| ())
        .map_err(|e| e.code)
}

pub(crate) fn ioctl(s: &Session, slot: u32, cmd: u32, data: &mut Vec<u8>) -> Result<(), u32> {
    let n = data.len();
    s.invoke(
        4,
        &mut [
            Param::ValueIn { a: slot, b: cmd },
            Param::TempInOut { buf: data, size: n },
        ],
    )
    .map(|_| ())
    .map_err(|e| e.code)
}

/// The Rust TA's round trip (command 8): what came back (checked by
/// the TA against what it sent).
pub(crate) fn rust_roundtrip(
    s: &Session,
    host: &str,
    port: u16,
    udp: bool,
    version: u32,
    data: &[u8],
) -> Result<Vec<u8>, u32> {
    let mut buf = data.to_vec();
    let n = buf.len();
    let mut p = [
        Param::ValueIn {
            a: port.into(),
            b: u32::from(udp) | version << 8,
        },
        Param::TempIn {
            buf: host.as_bytes(),
        },
        Param::TempInOut {
            buf: &mut buf,
            size: n,
        },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(8, &mut p).map_err(|e| e.code)?;
    let Param::ValueOut { a, .. } = p[3] else {
        unreachable!()
    };
    let _ = p;
    // The TA checked each byte against what it sent: what came back is
    // the start of what went.
    buf.truncate(a as usize);
    Ok(buf)
}

pub(crate) fn session(w: &World, ta: &str) -> Session {
    w.ctx()
        .open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

#[test]
fn tcp_and_udp_both_ways_over_ipv4_and_ipv6_from_c_and_rust() {
    let w = World::start();
    let s = session(&w, C_TA);
    let t4 = tcp_echo("127.0.0.1:0").unwrap();
    let u4 = udp_echo("127.0.0.1:0").unwrap();
    // TCP, by address and by name.
    let a = open(&s, TCP, "127.0.0.1", t4, gp::IP_VERSION_4).unwrap();
    assert_eq!(send(&s, a, b"hello", INF), (0, 5, 0));
    assert_eq!(recv(&s, a, 5, 5000).unwrap(), b"hello");
    let b = open(&s, TCP, "localhost", t4, gp::IP_VERSION_DC).unwrap();
    assert_ne!(a, b);
    // 4 MiB through the TA in 64 KiB pieces, each checked by the TA.
    let mut p = [
        Param::ValueIn { a: b, b: 4 << 20 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    s.invoke(5, &mut p).unwrap();
    assert!(matches!(p[1], Param::ValueOut { a: 0x40_0000, .. }));
    // One send of 768 KiB and a bit (in the library's pieces; the
    // TrustZone tier copies a client's memref of at most 1 MiB), read
    // back here in the TA's receive sizes.
    let big: Vec<u8> = (0..(768u32 << 10) + 5).map(|i| (i % 253) as u8).collect();
    let (r, n, _) = send(&s, b, &big, INF);
    assert_eq!((r, n as usize), (0, big.len()));
    let mut back = Vec::new();
    while back.len() < big.len() {
        let d = recv(&s, b, 256 << 10, 5000).unwrap();
        assert!(!d.is_empty());
        back.extend(d);
    }
    assert!(back == big, "3 MiB came back changed");
    close(&s, a).unwrap();
    close(&s, b).unwrap();
    // UDP: one datagram each way.
    let u = open(&s, UDP, "127.0.0.1", u4, gp::IP_VERSION_4).unwrap();
    assert_eq!(send(&s, u, b"ping", INF), (0, 4, 0));
    assert_eq!(recv(&s, u, 100, 5000).unwrap(), b"ping");
    // Cut to the buffer, as on OP-TEE.
    assert_eq!(send(&s, u, b"a long datagram", INF).0, 0);
    assert_eq!(recv(&s, u, 6, 5000).unwrap(), b"a long");
    // The Rust SDK, both protocols.
    let r = session(&w, RUST_TA);
    assert_eq!(
        rust_roundtrip(&r, "127.0.0.1", t4, false, 4, b"from rust").unwrap(),
        b"from rust"
    );
    // 2 MiB through the SDK's send_all and recv, checked by the TA.
    let mut p = [
        Param::ValueIn { a: t4.into(), b: 4 },
        Param::TempIn { buf: b"127.0.0.1" },
        Param::ValueIn { a: 2 << 20, b: 0 },
        Param::ValueOut { a: 0, b: 0 },
    ];
    r.invoke(9, &mut p).unwrap();
    assert!(matches!(p[3], Param::ValueOut { a: 0x20_0000, .. }));
    // A payload from the client, by name.
    let mid: Vec<u8> = (0..(20u32 << 10) + 17).map(|i| (i % 249) as u8).collect();
    assert!(rust_roundtrip(&r, "localhost", t4, false, 0, &mid).unwrap() == mid);
    assert_eq!(
        rust_roundtrip(&r, "127.0.0.1", u4, true, 4, b"datagram").unwrap(),
        b"datagram"
    );
    // IPv6 loopback, when the host has it.
    let (Some(t6), Some(u6)) = (tcp_echo("[::1]:0"), udp_echo("[::1]:0")) else {
        eprintln!("no IPv6 loopback here: IPv6 not tested");
        return;
    };
    let a = open(&s, TCP, "::1", t6, gp::IP_VERSION_6).unwrap();
    assert_eq!(send(&s, a, b"six", INF), (0, 3, 0));
    assert_eq!(recv(&s, a, 3, 5000).unwrap(), b"six");
    let u = open(&s, UDP, "::1", u6, gp::IP_VERSION_6).unwrap();
    assert_eq!(send(&s, u, b"six!", INF), (0, 4, 0));
    assert_eq!(recv(&s, u, 100, 5000).unwrap(), b"six!");
    assert_eq!(
        rust_roundtrip(&r, "::1", t6, false, 6, b"v6 rust").unwrap(),
        b"v6 rust"
    );
    assert_eq!(
        rust_roundtrip(&r, "::1", u6, true, 6, b"v6 dgram").unwrap(),
        b"v6 dgram"
    );
    // An IPv4 address asked for as IPv6: no such address.
    assert_eq!(
        open(&s, TCP, "127.0.0.1", t6, gp::IP_VERSION_6),
        Err((gp::ERROR_PROTOCOL, gp::ERROR_HOSTNAME))
    );
}

#[test]
fn timeouts_closed_peers_refusals_and_bad_names() {
    let w = World::start();
    let s = session(&w, C_TA);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let a = open(&s, TCP, "127.0.0.1", port, gp::IP_VERSION_4).unwrap();
    let (mut peer, _) = l.accept().unwrap();
    // Nothing to read: the timeout, then a poll.
    let t = Instant::now();
    assert_eq!(recv(&s, a, 16, 300), Err(gp::ERROR_TIMEOUT));
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(recv(&s, a, 16, 0), Err(gp::ERROR_TIMEOUT));
    // Data that came meanwhile.
    peer.write_all(b"late").unwrap();
    assert_eq!(recv(&s, a, 16, 5000).unwrap(), b"late");
    // Buffer sizes.
    ioctl(
        &s,
        a,
        gp::TCP_SET_RECVBUF,
        &mut 65536i32.to_ne_bytes().to_vec(),
    )
    .unwrap();
    ioctl(
        &s,
        a,
        gp::TCP_SET_SENDBUF,
        &mut 4096i32.to_ne_bytes().to_vec(),
    )
    .unwrap();
    // The peer closes: 0 bytes once what it sent is read, and sending
    // ends in REMOTE_CLOSED.
    drop(peer);
    drop(l);
    let mut r = TEE_SUCCESS_CODE;
    for _ in 0..100 {
        r = send(&s, a, b"x", 1000).0;
        if r != TEE_SUCCESS_CODE {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(r, gp::ERROR_REMOTE_CLOSED);
    close(&s, a).unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let a = open(&s, TCP, "127.0.0.1", port, gp::IP_VERSION_4).unwrap();
    let (peer, _) = l.accept().unwrap();
    drop(peer);
    assert_eq!(recv(&s, a, 16, 5000).unwrap(), b"");
    // Refused: nobody listens there any more.
    drop(l);
    assert_eq!(
        open(&s, TCP, "127.0.0.1", port, gp::IP_VERSION_4),
        Err((COMMUNICATION, 0))
    );
    // A name that does not resolve: PROTOCOL with the protocol error
    // HOSTNAME (as OP-TEE's libutee reports it).
    assert_eq!(
        open(&s, TCP, "no-such-host.invalid", 80, gp::IP_VERSION_DC),
        Err((gp::ERROR_PROTOCOL, gp::ERROR_HOSTNAME))
    );
    assert_eq!(open(&s, TCP, "127.0.0.1", 80, 9), Err((BAD_PARAMETERS, 0)));
    // The Rust SDK reports the same codes.
    let r = session(&w, RUST_TA);
    assert_eq!(
        rust_roundtrip(&r, "127.0.0.1", port, false, 4, b"x"),
        Err(COMMUNICATION)
    );
    assert_eq!(
        rust_roundtrip(&r, "no-such-host.invalid", 80, false, 0, b"x"),
        Err(gp::ERROR_HOSTNAME)
    );
    // UDP: another port by ioctl.
    let u1 = udp_echo("127.0.0.1:0").unwrap();
    let other = UdpSocket::bind("127.0.0.1:0").unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let u = open(&s, UDP, "127.0.0.1", u1, gp::IP_VERSION_4).unwrap();
    let port2 = other.local_addr().unwrap().port();
    ioctl(&s, u, gp::UDP_CHANGEPORT, &mut port2.to_ne_bytes().to_vec()).unwrap();
    assert_eq!(send(&s, u, b"moved", INF).0, 0);
    let mut b = [0u8; 16];
    let (n, _) = other.recv_from(&mut b).unwrap();
    assert_eq!(&b[..n], b"moved");
    ioctl(&s, u, gp::UDP_CHANGEADDR, &mut b"localhost\0".to_vec()).unwrap();
    assert_eq!(
        ioctl(
            &s,
            u,
            gp::UDP_CHANGEADDR,
            &mut b"no-such-host.invalid\0".to_vec()
        ),
        Err(gp::ERROR_HOSTNAME)
    );
    // A datagram larger than UDP carries.
    assert_eq!(
        send(&s, u, &vec![0u8; 70000], INF).0,
        gp::ERROR_LARGE_BUFFER
    );
    // An ioctl of the other protocol panics the TA (as on OP-TEE).
    let e = ioctl(&s, u, gp::TCP_SET_RECVBUF, &mut vec![0; 4]).unwrap_err();
    assert_eq!(e, TARGET_DEAD);
}

pub(crate) const TEE_SUCCESS_CODE: u32 = 0;

#[test]
fn hostile_callers_of_the_socket_pta() {
    let w = World::start();
    // A client cannot open it: its own network is the normal world's.
    let e = w
        .ctx()
        .open_session(uuid(PTA), Login::Public, &mut [])
        .unwrap_err();
    assert_eq!(e.code, ACCESS_DENIED);
    // Instance A holds a socket; instance B (another session: one
    // instance each) tries the handles A would have: none is B's.
    let port = tcp_echo("127.0.0.1:0").unwrap();
    let a = session(&w, C_TA);
    let slot = open(&a, TCP, "127.0.0.1", port, gp::IP_VERSION_4).unwrap();
    let b = session(&w, C_TA);
    for handle in 0..4 {
        let r = b.invoke(7, &mut [Param::ValueIn { a: handle, b: 0 }]);
        assert_eq!(r.unwrap_err().code, BAD_PARAMETERS, "handle {handle}");
    }
    // A's socket still works.
    assert_eq!(send(&a, slot, b"still mine", INF), (0, 10, 0));
    assert_eq!(recv(&a, slot, 10, 5000).unwrap(), b"still mine");
}
