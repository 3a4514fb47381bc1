//! The GP TEE Sockets API, what only the host tier has or shows: sockets
//! that go with their TA instance and a vanished client that frees the
//! core (its `recv` without timeout ends), a send cut by its timeout with
//! the count so far, the `sockets` switch, and the devkit's headers
//! against `oxtee_gp`.

use crate::harness::*;
use crate::socket::{C_TA, INF, TARGET_DEAD, TCP, ioctl, open, send, session, tcp_echo};
use oxtee_gp::pta_system::socket as gp;
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn a_send_cut_by_its_timeout_reports_what_went() {
    let w = World::start();
    let s = session(&w, C_TA);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let a = open(&s, TCP, "127.0.0.1", port, gp::IP_VERSION_4).unwrap();
    let (_peer, _) = l.accept().unwrap();
    ioctl(
        &s,
        a,
        gp::TCP_SET_SENDBUF,
        &mut 4096i32.to_ne_bytes().to_vec(),
    )
    .unwrap();
    // The peer does not read: the timeout, with the count sent so far;
    // error() reports it.
    let (r, n, err) = send(&s, a, &vec![1u8; 32 << 20], 300);
    assert_eq!((r, err), (gp::ERROR_TIMEOUT, gp::ERROR_TIMEOUT));
    assert!(n > 0 && n < 32 << 20, "{n}");
}

/// Whether the peer of `c` goes away within `within` (what it sends
/// meanwhile is read and dropped).
fn closed_within(mut c: std::net::TcpStream, within: Duration) -> bool {
    c.set_read_timeout(Some(within)).unwrap();
    let mut b = [0u8; 16];
    loop {
        match c.read(&mut b) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn sockets_go_with_their_instance_and_a_vanished_client_frees_the_core() {
    let w = World::start();
    // A TA that dies: its socket is closed in the normal world.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let s = session(&w, C_TA);
    open(&s, TCP, "127.0.0.1", port, gp::IP_VERSION_4).unwrap();
    let (c, _) = l.accept().unwrap();
    let e = s.invoke(6, &mut []).unwrap_err();
    assert_eq!(e.code, TARGET_DEAD);
    assert!(
        closed_within(c, Duration::from_secs(10)),
        "the socket outlived its TA"
    );
    // A client that goes away while its TA waits in recv for ever: the
    // wait ends, the TA ends, its socket closes.
    let mut client = std::process::Command::new(oxtee_bin())
        .args(["invoke", C_TA, "8", "--socket"])
        .arg(&w.socket)
        .arg("--value-in")
        .arg(format!("{port},0"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (c, _) = l.accept().unwrap();
    let pids = w.ta_pids(C_TA);
    assert!(!pids.is_empty());
    client.kill().unwrap();
    client.wait().unwrap();
    assert!(
        closed_within(c, Duration::from_secs(10)),
        "the socket outlived its vanished client"
    );
    assert!(wait_ended(&pids), "the TA outlived its vanished client");
    // The core still serves.
    let s = session(&w, C_TA);
    let echo = tcp_echo("127.0.0.1:0").unwrap();
    let a = open(&s, TCP, "127.0.0.1", echo, gp::IP_VERSION_4).unwrap();
    assert_eq!(send(&s, a, b"ok", INF), (0, 2, 0));
}

#[test]
fn sockets_can_be_turned_off() {
    let w = World::start_with(
        &ta_dir(),
        "sockets = false\n[limits]\ncancel_grace_ms = 300\nspare_instances = false\n",
    );
    let s = session(&w, C_TA);
    assert_eq!(
        open(&s, TCP, "127.0.0.1", 9, gp::IP_VERSION_4),
        Err((0xFFFF_0008, 0))
    );
}

/// The devkit's C headers and `oxtee_gp` (the core's and the Rust SDK's
/// constants) agree on every socket value.
#[test]
fn the_headers_and_the_core_agree() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("v.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <tee_internal_api.h>\n#include <pta_socket.h>\n\
         #include <tee_tcpsocket.h>\n#include <tee_udpsocket.h>\n\
         #include <__tee_tcpsocket_defines_extensions.h>\n\
         int main(void) {\n\
         TEE_UUID u = PTA_SOCKET_UUID;\n\
         printf(\"%08x%04x%04x\", u.timeLow, u.timeMid, u.timeHiAndVersion);\n\
         for (int i = 0; i < 8; i++) printf(\"%02x\", u.clockSeqAndNode[i]);\n\
         printf(\" %u %u %u %u %u %x\", PTA_SOCKET_OPEN, PTA_SOCKET_CLOSE, PTA_SOCKET_SEND,\n\
           PTA_SOCKET_RECV, PTA_SOCKET_IOCTL, PTA_SOCKET_TIMEOUT_BLOCKING);\n\
         printf(\" %x %x %x %x %x %x\", TEE_ISOCKET_PROTOCOLID_TCP, TEE_ISOCKET_PROTOCOLID_UDP,\n\
           TEE_TCP_SET_RECVBUF, TEE_TCP_SET_SENDBUF, TEE_UDP_CHANGEADDR, TEE_UDP_CHANGEPORT);\n\
         printf(\" %x %x %x %x %x %x %x\", TEE_ISOCKET_ERROR_PROTOCOL,\n\
           TEE_ISOCKET_ERROR_REMOTE_CLOSED, TEE_ISOCKET_ERROR_TIMEOUT,\n\
           TEE_ISOCKET_ERROR_OUT_OF_RESOURCES, TEE_ISOCKET_ERROR_LARGE_BUFFER,\n\
           TEE_ISOCKET_WARNING_PROTOCOL, TEE_ISOCKET_ERROR_HOSTNAME);\n\
         printf(\" %d %d %d\\n\", TEE_IP_VERSION_DC, TEE_IP_VERSION_4, TEE_IP_VERSION_6);\n\
         return 0; }\n",
    )
    .unwrap();
    let exe = t.path().join("v");
    let st = std::process::Command::new("gcc")
        .arg("-I")
        .arg(dist().join("devkit/include"))
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success());
    let out = std::process::Command::new(&exe).output().unwrap();
    let got = String::from_utf8(out.stdout).unwrap();
    let uuid: String = gp::UUID.iter().map(|b| format!("{b:02x}")).collect();
    let want = format!(
        "{uuid} {} {} {} {} {} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {:x} {} {} {}\n",
        gp::OPEN,
        gp::CLOSE,
        gp::SEND,
        gp::RECV,
        gp::IOCTL,
        gp::TIMEOUT_BLOCKING,
        gp::PROTOCOL_TCP,
        gp::PROTOCOL_UDP,
        gp::TCP_SET_RECVBUF,
        gp::TCP_SET_SENDBUF,
        gp::UDP_CHANGEADDR,
        gp::UDP_CHANGEPORT,
        gp::ERROR_PROTOCOL,
        gp::ERROR_REMOTE_CLOSED,
        gp::ERROR_TIMEOUT,
        gp::ERROR_OUT_OF_RESOURCES,
        gp::ERROR_LARGE_BUFFER,
        gp::WARNING_PROTOCOL,
        gp::ERROR_HOSTNAME,
        gp::IP_VERSION_DC,
        gp::IP_VERSION_4,
        gp::IP_VERSION_6,
    );
    assert_eq!(got, want);
}
