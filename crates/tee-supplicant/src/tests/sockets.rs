//! `OPTEE_RPC_CMD_SOCKET` as the secure world sends it, against loopback
//! servers started here, and as a lying secure world or driver sends it.

use super::*;
use oxtee_gp::pta_system::socket as gp;
use oxtee_tz_abi::optee::rpc::socket as op;
use std::io::{Read, Write};
use std::net::TcpListener;

const IN: u64 = attr::VALUE_INPUT;

/// OPEN for instance `who`: the result and the handle.
fn open(sup: &mut Sup, dev: &mut Fake, who: u64, host: &[u8], port: u16) -> (u32, u64) {
    let (id, mem) = alloc(sup, dev, 256);
    mem.put(0, host);
    let (ret, out) = call(
        sup,
        dev,
        cmd::SOCKET,
        vec![
            val(IN, op::OPEN, who, 0),
            val(
                IN,
                port.into(),
                gp::PROTOCOL_TCP.into(),
                gp::IP_VERSION_4.into(),
            ),
            mref(attr::MEMREF_INPUT, id, 0, host.len() as u64),
            val(attr::VALUE_OUTPUT, 0, 0, 0),
        ],
    );
    (ret, out[3].a)
}

fn send(sup: &mut Sup, dev: &mut Fake, who: u64, h: u64, data: &[u8]) -> (u32, u64) {
    let (id, mem) = alloc(sup, dev, data.len() as u64);
    mem.put(0, data);
    let (ret, out) = call(
        sup,
        dev,
        cmd::SOCKET,
        vec![
            val(IN, op::SEND, who, h),
            mref(attr::MEMREF_INPUT, id, 0, data.len() as u64),
            val(attr::VALUE_INOUT, 2000, 0, 0),
        ],
    );
    (ret, out[2].b)
}

fn recv(sup: &mut Sup, dev: &mut Fake, who: u64, h: u64, len: u64) -> (u32, Vec<u8>) {
    let (id, mem) = alloc(sup, dev, len);
    let (ret, out) = call(
        sup,
        dev,
        cmd::SOCKET,
        vec![
            val(IN, op::RECV, who, h),
            mref(attr::MEMREF_OUTPUT, id, 0, len),
            val(IN, 2000, 0, 0),
        ],
    );
    assert!(out[1].b <= len);
    (ret, mem.get(0, out[1].b as usize))
}

#[test]
fn instances_send_and_receive_through_shared_memory() {
    let (mut sup, mut dev) = plain();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (ret, h) = open(&mut sup, &mut dev, 7, b"127.0.0.1\0", port);
    assert_eq!(ret, res::SUCCESS);
    let (mut peer, _) = l.accept().unwrap();
    assert_eq!(send(&mut sup, &mut dev, 7, h, b"hello"), (res::SUCCESS, 5));
    let mut got = [0u8; 5];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hello");
    peer.write_all(b"back").unwrap();
    assert_eq!(
        recv(&mut sup, &mut dev, 7, h, 64),
        (res::SUCCESS, b"back".to_vec())
    );
    assert_eq!(recv(&mut sup, &mut dev, 7, h, 64).0, gp::ERROR_TIMEOUT);
    // Another instance cannot use it, nor close it.
    assert_eq!(send(&mut sup, &mut dev, 8, h, b"x").0, res::BAD_PARAMETERS);
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::SOCKET,
        vec![val(IN, op::CLOSE, 8, h)],
    );
    assert_eq!(ret, res::BAD_PARAMETERS);
    // Its own CLOSE_ALL closes it.
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::SOCKET,
        vec![val(IN, op::CLOSE_ALL, 7, 0)],
    );
    assert_eq!(ret, res::SUCCESS);
    peer.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    assert_eq!(peer.read(&mut got).unwrap(), 0);
    assert_eq!(send(&mut sup, &mut dev, 7, h, b"x").0, res::BAD_PARAMETERS);
}

#[test]
fn lying_socket_requests_are_refused() {
    let (mut sup, mut dev) = plain();
    // A name without its NUL, or not text: no such host.
    assert_eq!(
        open(&mut sup, &mut dev, 1, b"127.0.0.1", 9).0,
        gp::ERROR_HOSTNAME
    );
    assert_eq!(
        open(&mut sup, &mut dev, 1, b"\xff\xfe\0", 9).0,
        gp::ERROR_HOSTNAME
    );
    let (id, _) = alloc(&mut sup, &mut dev, 16);
    for params in [
        // A reference beyond its allocation.
        vec![
            val(IN, op::SEND, 1, 0),
            mref(attr::MEMREF_INPUT, id, 8, 16),
            val(attr::VALUE_INOUT, 0, 0, 0),
        ],
        // The wrong types.
        vec![
            val(IN, op::RECV, 1, 0),
            mref(attr::MEMREF_INPUT, id, 0, 16),
            val(IN, 0, 0, 0),
        ],
        vec![val(attr::VALUE_OUTPUT, op::CLOSE, 1, 0)],
        // Too few or too many.
        vec![val(IN, op::OPEN, 1, 0)],
        vec![val(IN, op::CLOSE, 1, 0), val(IN, 0, 0, 0)],
        // A handle or port out of range, an unknown operation.
        vec![val(IN, op::CLOSE, 1, 1 << 40)],
        vec![
            val(IN, op::OPEN, 1, 0),
            val(IN, 1 << 20, gp::PROTOCOL_TCP.into(), 1),
            mref(attr::MEMREF_INPUT, id, 0, 4),
            val(attr::VALUE_OUTPUT, 0, 0, 0),
        ],
        vec![val(IN, 99, 1, 0)],
        vec![],
    ] {
        let (ret, _) = call(&mut sup, &mut dev, cmd::SOCKET, params.clone());
        assert_eq!(ret, res::BAD_PARAMETERS, "{params:x?}");
    }
    // A receive larger than any the supplicant serves.
    let big = crate::sockets::MAX_SOCKET_IO as u64 + 1;
    let (bid, _) = alloc(&mut sup, &mut dev, big);
    let (ret, _) = call(
        &mut sup,
        &mut dev,
        cmd::SOCKET,
        vec![
            val(IN, op::RECV, 1, 0),
            mref(attr::MEMREF_OUTPUT, bid, 0, big),
            val(IN, 0, 0, 0),
        ],
    );
    assert_eq!(ret, res::BAD_PARAMETERS);
}
