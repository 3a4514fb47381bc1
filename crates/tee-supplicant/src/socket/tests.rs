//! The socket engine against loopback servers started here.

use super::*;
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};

const INF: u32 = gp::TIMEOUT_BLOCKING;

/// A TCP server on `addr` that echoes each connection until EOF.
fn tcp_echo(addr: &str) -> Option<u16> {
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

fn open(s: &Sockets, v: u32, host: &str, port: u16, proto: u32) -> Result<u32, u32> {
    s.open(0, v, host, port, proto, None)
}

/// A TCP socket of owner 0 connected to a listener here, and its peer.
fn connected(s: &Sockets) -> (u32, std::net::TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = s
        .open(
            0,
            gp::IP_VERSION_4,
            "127.0.0.1",
            port,
            gp::PROTOCOL_TCP,
            None,
        )
        .unwrap();
    (h, l.accept().unwrap().0)
}

fn recv_exact(s: &Sockets, h: u32, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        let (r, d) = s.recv(0, h, n - got.len(), 5000, None);
        assert_eq!(r, TEE_SUCCESS);
        assert!(!d.is_empty(), "peer closed early");
        got.extend(d);
    }
    got
}

#[test]
fn tcp_both_ways_ipv4_and_ipv6_and_large() {
    let s = Sockets::new();
    let p4 = tcp_echo("127.0.0.1:0").unwrap();
    let h = open(&s, gp::IP_VERSION_4, "127.0.0.1", p4, gp::PROTOCOL_TCP).unwrap();
    assert_eq!(s.send(0, h, b"hello", INF, None), (TEE_SUCCESS, 5));
    assert_eq!(recv_exact(&s, h, 5), b"hello");
    // 1 MiB each way: send blocks on a full window until the echo drains
    // it, so the reader runs in a second table's thread of its own.
    let big: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let port = p4;
    let expect = big.clone();
    let reader = std::thread::spawn(move || {
        let s = Sockets::new();
        let h = open(&s, gp::IP_VERSION_DC, "localhost", port, gp::PROTOCOL_TCP).unwrap();
        let mut sent = 0;
        let mut got = Vec::new();
        while got.len() < expect.len() {
            if sent < expect.len() {
                let end = (sent + 65536).min(expect.len());
                let (r, n) = s.send(0, h, &expect[sent..end], INF, None);
                assert_eq!(r, TEE_SUCCESS);
                sent += n;
            }
            let (r, d) = s.recv(0, h, 65536, 0, None);
            assert!(r == TEE_SUCCESS || r == gp::ERROR_TIMEOUT, "{r:x}");
            got.extend(d);
        }
        assert_eq!(got, expect);
    });
    reader.join().unwrap();
    drop(big);
    assert_eq!(s.close(0, h), TEE_SUCCESS);
    assert_eq!(s.close(0, h), TEE_ERROR_BAD_PARAMETERS);
    // IPv6 loopback, when the host has it.
    if let Some(p6) = tcp_echo("[::1]:0") {
        let h = open(&s, gp::IP_VERSION_6, "::1", p6, gp::PROTOCOL_TCP).unwrap();
        assert_eq!(s.send(0, h, b"six", INF, None), (TEE_SUCCESS, 3));
        assert_eq!(recv_exact(&s, h, 3), b"six");
        // An IPv4 address asked as IPv6 has no address of that version.
        assert_eq!(
            open(&s, gp::IP_VERSION_6, "127.0.0.1", p6, gp::PROTOCOL_TCP),
            Err(gp::ERROR_HOSTNAME)
        );
    }
}

#[test]
fn timeouts_refusals_and_a_closed_peer() {
    let s = Sockets::new();
    // A server that accepts and says nothing, then closes.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = open(&s, gp::IP_VERSION_4, "127.0.0.1", port, gp::PROTOCOL_TCP).unwrap();
    let (peer, _) = l.accept().unwrap();
    let t = Instant::now();
    assert_eq!(s.recv(0, h, 16, 200, None), (gp::ERROR_TIMEOUT, vec![]));
    assert!(
        t.elapsed() >= Duration::from_millis(200),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(s.recv(0, h, 16, 0, None), (gp::ERROR_TIMEOUT, vec![]));
    // Orderly close: 0 bytes, as on OP-TEE.
    drop(peer);
    assert_eq!(s.recv(0, h, 16, 5000, None), (TEE_SUCCESS, vec![]));
    // Sending into the closed connection ends in a reset.
    let mut r = TEE_SUCCESS;
    for _ in 0..50 {
        r = s.send(0, h, b"x", 1000, None).0;
        if r != TEE_SUCCESS {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(r, gp::ERROR_REMOTE_CLOSED);
    // A port nobody listens on.
    drop(l);
    assert_eq!(
        open(&s, gp::IP_VERSION_4, "127.0.0.1", port, gp::PROTOCOL_TCP),
        Err(TEE_ERROR_COMMUNICATION)
    );
    // Names that do not resolve; bad arguments.
    assert_eq!(
        open(
            &s,
            gp::IP_VERSION_DC,
            "no-such-host.invalid",
            80,
            gp::PROTOCOL_TCP
        ),
        Err(gp::ERROR_HOSTNAME)
    );
    assert_eq!(
        open(&s, 7, "127.0.0.1", 80, gp::PROTOCOL_TCP),
        Err(TEE_ERROR_BAD_PARAMETERS)
    );
    assert_eq!(
        open(&s, 1, "127.0.0.1", 80, 0x67),
        Err(TEE_ERROR_BAD_PARAMETERS)
    );
    assert_eq!(s.send(0, 999, b"x", 0, None).0, TEE_ERROR_BAD_PARAMETERS);
    assert_eq!(s.recv(0, 999, 1, 0, None).0, TEE_ERROR_BAD_PARAMETERS);
    assert_eq!(
        s.ioctl(0, 999, gp::TCP_SET_RECVBUF, &mut vec![0; 4]),
        TEE_ERROR_BAD_PARAMETERS
    );
}

#[test]
fn a_send_that_cannot_finish_times_out_with_its_count() {
    let s = Sockets::new();
    // A peer that never reads: the send fills both windows and stops.
    let (h, _peer) = connected(&s);
    assert_eq!(
        s.ioctl(
            0,
            h,
            gp::TCP_SET_SENDBUF,
            &mut 4096i32.to_ne_bytes().to_vec()
        ),
        TEE_SUCCESS
    );
    let data = vec![7u8; 64 << 20];
    let (r, n) = s.send(0, h, &data, 300, None);
    assert_eq!(r, gp::ERROR_TIMEOUT);
    assert!(n > 0 && n < data.len(), "{n}");
    // Bad ioctl buffers and commands of the other protocol.
    assert_eq!(
        s.ioctl(0, h, gp::TCP_SET_RECVBUF, &mut vec![0; 3]),
        TEE_ERROR_BAD_PARAMETERS
    );
    assert_eq!(
        s.ioctl(
            0,
            h,
            gp::TCP_SET_RECVBUF,
            &mut (-1i32).to_ne_bytes().to_vec()
        ),
        TEE_ERROR_BAD_PARAMETERS
    );
    assert_eq!(
        s.ioctl(0, h, gp::UDP_CHANGEPORT, &mut vec![0; 2]),
        TEE_ERROR_NOT_SUPPORTED
    );
}

#[test]
fn udp_datagrams_truncation_and_changing_the_peer() {
    let s = Sockets::new();
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (pa, pb) = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    let h = open(&s, gp::IP_VERSION_4, "127.0.0.1", pa, gp::PROTOCOL_UDP).unwrap();
    assert_eq!(s.send(0, h, b"ping", INF, None), (TEE_SUCCESS, 4));
    let mut buf = [0u8; 100];
    let (n, from) = a.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping");
    a.send_to(b"a long datagram", from).unwrap();
    // One datagram per recv, cut to the buffer.
    assert_eq!(
        s.recv(0, h, 6, 2000, None),
        (TEE_SUCCESS, b"a long".to_vec())
    );
    assert_eq!(s.recv(0, h, 64, 0, None).0, gp::ERROR_TIMEOUT);
    // Another port: the datagrams go to b, and only b's are received.
    assert_eq!(
        s.ioctl(0, h, gp::UDP_CHANGEPORT, &mut pb.to_ne_bytes().to_vec()),
        TEE_SUCCESS
    );
    assert_eq!(s.send(0, h, b"to b", INF, None), (TEE_SUCCESS, 4));
    let (n, from) = b.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"to b");
    a.send_to(b"stale", from).unwrap();
    b.send_to(b"fresh", from).unwrap();
    assert_eq!(
        s.recv(0, h, 64, 2000, None),
        (TEE_SUCCESS, b"fresh".to_vec())
    );
    // Another address by name, same port.
    let mut name = b"localhost\0".to_vec();
    assert_eq!(s.ioctl(0, h, gp::UDP_CHANGEADDR, &mut name), TEE_SUCCESS);
    assert_eq!(
        s.ioctl(0, h, gp::UDP_CHANGEADDR, &mut b"no-nul".to_vec()),
        gp::ERROR_HOSTNAME
    );
    assert_eq!(
        s.ioctl(0, h, gp::UDP_CHANGEPORT, &mut vec![1]),
        TEE_ERROR_BAD_PARAMETERS
    );
    // Larger than any datagram.
    assert_eq!(
        s.send(0, h, &vec![0u8; 70000], INF, None).0,
        gp::ERROR_LARGE_BUFFER
    );
}

#[test]
fn the_table_is_bounded_and_handles_are_not_reused() {
    let s = Sockets::new();
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = a.local_addr().unwrap().port();
    let hs: Vec<u32> = (0..MAX_SOCKETS)
        .map(|_| open(&s, 1, "127.0.0.1", port, gp::PROTOCOL_UDP).unwrap())
        .collect();
    assert_eq!(
        open(&s, 1, "127.0.0.1", port, gp::PROTOCOL_UDP),
        Err(gp::ERROR_OUT_OF_RESOURCES)
    );
    assert_eq!(s.close(0, hs[0]), TEE_SUCCESS);
    let again = open(&s, 1, "127.0.0.1", port, gp::PROTOCOL_UDP).unwrap();
    assert!(!hs.contains(&again));
    assert_eq!(s.len(), MAX_SOCKETS);
}

#[test]
fn an_abort_descriptor_ends_a_wait_for_ever() {
    let s = Sockets::new();
    let (h, _peer) = connected(&s);
    let (abort, trigger) = std::os::unix::net::UnixStream::pair().unwrap();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        drop(trigger);
    });
    assert_eq!(
        s.recv(0, h, 8, INF, Some(abort.as_fd())),
        (TEE_ERROR_CANCEL, vec![])
    );
    t.join().unwrap();
}

#[test]
fn server_names_from_the_secure_world_are_checked() {
    assert_eq!(host_from_c(b"example.org\0"), Some("example.org"));
    assert_eq!(host_from_c(b"::1\0"), Some("::1"));
    for bad in [&b""[..], b"\0", b"no-nul", b"a\0b\0", b"\xff\xfe\0"] {
        assert_eq!(host_from_c(bad), None, "{bad:?}");
    }
    let long = [vec![b'a'; gp::MAX_HOST], vec![0]].concat();
    assert_eq!(host_from_c(&long), None);
}

#[test]
fn owners_are_kept_apart_and_a_wait_holds_only_its_socket() {
    let s = std::sync::Arc::new(Sockets::new());
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let a = s
        .open(1, 1, "127.0.0.1", port, gp::PROTOCOL_TCP, None)
        .unwrap();
    let (mut peer_a, _) = l.accept().unwrap();
    let b = s
        .open(2, 1, "127.0.0.1", port, gp::PROTOCOL_TCP, None)
        .unwrap();
    let (mut peer_b, _) = l.accept().unwrap();
    // Another owner's handle is nobody's.
    assert_eq!(s.send(2, a, b"x", 0, None).0, TEE_ERROR_BAD_PARAMETERS);
    assert_eq!(s.recv(1, b, 1, 0, None).0, TEE_ERROR_BAD_PARAMETERS);
    assert_eq!(s.close(2, a), TEE_ERROR_BAD_PARAMETERS);
    // Owner 1 waits on its socket while owner 2 works on its own.
    let waiter = {
        let s = s.clone();
        std::thread::spawn(move || s.recv(1, a, 16, INF, None))
    };
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(s.send(2, b, b"busy?", INF, None), (TEE_SUCCESS, 5));
    let mut got = [0u8; 5];
    peer_b.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"busy?");
    peer_a.write_all(b"done").unwrap();
    assert_eq!(waiter.join().unwrap(), (TEE_SUCCESS, b"done".to_vec()));
    // Closing all of owner 1's sockets leaves owner 2's.
    s.close_all(1);
    assert_eq!(s.len(), 1);
    assert_eq!(s.send(1, a, b"x", 0, None).0, TEE_ERROR_BAD_PARAMETERS);
    assert_eq!(s.send(2, b, b"x", 0, None).0, TEE_SUCCESS);
    let mut one = [0u8; 1];
    peer_a
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(
        peer_a.read(&mut one).unwrap(),
        0,
        "owner 1's socket is closed"
    );
}
