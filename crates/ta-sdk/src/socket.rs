//! The GP TEE Sockets API for Rust TAs: TCP and UDP sockets opened by the
//! normal world's supplicant on this TA's behalf, through OP-TEE's socket
//! pseudo-TA (the same one `TEE_tcpSocket`/`TEE_udpSocket` use in C).
//! Everything received comes from the normal world and the network:
//! authenticate it (TLS, a MAC) before trusting it.
//!
//! ```no_run
//! use oxtee_ta_sdk::socket::{IpVersion, Socket, INFINITE};
//! let mut s = Socket::tcp(IpVersion::Any, "127.0.0.1", 7)?;
//! s.send_all(b"ping", 1000)?;
//! let mut buf = [0u8; 4];
//! let n = s.recv(&mut buf, INFINITE)?;
//! # Ok::<(), oxtee_ta_sdk::socket::SocketError>(())
//! ```

use crate::TeeError;
use crate::ta_session::{CallArg, TaSession, Uuid};
use oxtee_gp::pta_system::socket as pta;

/// No timeout (`TEE_TIMEOUT_INFINITE`).
pub const INFINITE: u32 = u32::MAX;

/// Which IP version to use (`TEE_IP_VERSION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpVersion {
    /// Either (`TEE_IP_VERSION_DC`).
    Any,
    V4,
    V6,
}

/// A failed socket operation: GP's code, and for a send the bytes that
/// went before it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SocketError {
    pub code: TeeError,
    /// Bytes sent before the error (sends only).
    pub sent: usize,
}

impl SocketError {
    /// `TEE_ISOCKET_ERROR_TIMEOUT`.
    pub fn is_timeout(&self) -> bool {
        self.code.0 == pta::ERROR_TIMEOUT
    }
    /// `TEE_ISOCKET_ERROR_HOSTNAME`: the name did not resolve.
    pub fn is_hostname(&self) -> bool {
        self.code.0 == pta::ERROR_HOSTNAME
    }
    /// `TEE_ISOCKET_ERROR_REMOTE_CLOSED`.
    pub fn is_remote_closed(&self) -> bool {
        self.code.0 == pta::ERROR_REMOTE_CLOSED
    }
}

fn err(code: TeeError) -> SocketError {
    SocketError { code, sent: 0 }
}

/// The most one send hands the pseudo-TA (longer sends go in pieces:
/// the secure kernel copies each, so small pieces keep secure memory
/// free).
const PIECE: usize = 64 << 10;

/// A connected TCP or UDP socket; closed on drop.
#[derive(Debug)]
pub struct Socket {
    session: TaSession,
    handle: u32,
    udp: bool,
    closed: bool,
}

impl Socket {
    /// Connect a TCP socket to `server` (a name or an address) at `port`.
    pub fn tcp(version: IpVersion, server: &str, port: u16) -> Result<Socket, SocketError> {
        Socket::open(version, server, port, false)
    }

    /// A UDP socket whose datagrams go to and come from `server:port`.
    pub fn udp(version: IpVersion, server: &str, port: u16) -> Result<Socket, SocketError> {
        Socket::open(version, server, port, true)
    }

    fn open(version: IpVersion, server: &str, port: u16, udp: bool) -> Result<Socket, SocketError> {
        let session =
            TaSession::open(Uuid(pta::UUID), INFINITE, &mut []).map_err(|e| err(e.code))?;
        let mut name = alloc::vec::Vec::with_capacity(server.len() + 1);
        name.extend_from_slice(server.as_bytes());
        name.push(0);
        let v = match version {
            IpVersion::Any => pta::IP_VERSION_DC,
            IpVersion::V4 => pta::IP_VERSION_4,
            IpVersion::V6 => pta::IP_VERSION_6,
        };
        let proto = if udp {
            pta::PROTOCOL_UDP
        } else {
            pta::PROTOCOL_TCP
        };
        let mut args = [
            CallArg::ValueIn {
                a: v,
                b: port.into(),
            },
            CallArg::MemIn {
                size: name.len(),
                buf: Some(&name),
            },
            CallArg::ValueIn { a: proto, b: 0 },
            CallArg::ValueOut { a: 0, b: 0 },
        ];
        session
            .invoke(pta::OPEN, INFINITE, &mut args)
            .map_err(|e| err(e.code))?;
        let CallArg::ValueOut { a: handle, .. } = args[3] else {
            unreachable!("the argument set above")
        };
        Ok(Socket {
            session,
            handle,
            udp,
            closed: false,
        })
    }

    /// Send once: how many bytes went (TCP: all of `data` unless the
    /// timeout came first, which is an error carrying the count; UDP: one
    /// datagram).
    pub fn send(&mut self, data: &[u8], timeout_ms: u32) -> Result<usize, SocketError> {
        let mut args = [
            CallArg::ValueIn {
                a: self.handle,
                b: timeout_ms,
            },
            CallArg::MemIn {
                size: data.len(),
                buf: Some(data),
            },
            CallArg::ValueOut { a: 0, b: 0 },
        ];
        let r = self.session.invoke(pta::SEND, INFINITE, &mut args);
        let CallArg::ValueOut { a: sent, .. } = args[2] else {
            unreachable!("the argument set above")
        };
        let sent = (sent as usize).min(data.len());
        match r {
            Ok(()) => Ok(sent),
            Err(e) => Err(SocketError { code: e.code, sent }),
        }
    }

    /// Send all of `data` within `timeout_ms` (in pieces when it is long).
    pub fn send_all(&mut self, data: &[u8], timeout_ms: u32) -> Result<(), SocketError> {
        let mut done = 0;
        for piece in data.chunks(PIECE) {
            match self.send(piece, timeout_ms) {
                Ok(n) if n == piece.len() => done += n,
                Ok(n) => {
                    return Err(SocketError {
                        code: TeeError(pta::ERROR_TIMEOUT),
                        sent: done + n,
                    });
                }
                Err(e) => {
                    return Err(SocketError {
                        code: e.code,
                        sent: done + e.sent,
                    });
                }
            }
        }
        Ok(())
    }

    /// Receive into `buf`: how many bytes came (TCP: 0 once the peer has
    /// closed its side; UDP: one datagram, cut to `buf`).
    pub fn recv(&mut self, buf: &mut [u8], timeout_ms: u32) -> Result<usize, SocketError> {
        let want = buf.len().min(PIECE);
        let mut args = [
            CallArg::ValueIn {
                a: self.handle,
                b: timeout_ms,
            },
            CallArg::MemOut {
                size: want,
                buf: Some(&mut buf[..want]),
            },
        ];
        self.session
            .invoke(pta::RECV, INFINITE, &mut args)
            .map_err(|e| err(e.code))?;
        let CallArg::MemOut { size, .. } = args[1] else {
            unreachable!("the argument set above")
        };
        Ok(size.min(want))
    }

    fn ioctl(&mut self, command: u32, data: &mut [u8]) -> Result<(), SocketError> {
        let size = data.len();
        let mut args = [
            CallArg::ValueIn {
                a: self.handle,
                b: command,
            },
            CallArg::MemInOut {
                buf: Some(data),
                size,
            },
        ];
        self.session
            .invoke(pta::IOCTL, INFINITE, &mut args)
            .map_err(|e| err(e.code))
    }

    /// `TEE_TCP_SET_RECVBUF` (TCP only).
    pub fn set_recv_buffer(&mut self, bytes: i32) -> Result<(), SocketError> {
        self.tcp_only()?;
        self.ioctl(pta::TCP_SET_RECVBUF, &mut bytes.to_ne_bytes())
    }

    /// `TEE_TCP_SET_SENDBUF` (TCP only).
    pub fn set_send_buffer(&mut self, bytes: i32) -> Result<(), SocketError> {
        self.tcp_only()?;
        self.ioctl(pta::TCP_SET_SENDBUF, &mut bytes.to_ne_bytes())
    }

    /// `TEE_UDP_CHANGEPORT` (UDP only): datagrams go to another port.
    pub fn change_port(&mut self, port: u16) -> Result<(), SocketError> {
        self.udp_only()?;
        self.ioctl(pta::UDP_CHANGEPORT, &mut port.to_ne_bytes())
    }

    /// `TEE_UDP_CHANGEADDR` (UDP only): datagrams go to another server
    /// (same port).
    pub fn change_server(&mut self, server: &str) -> Result<(), SocketError> {
        self.udp_only()?;
        let mut name = alloc::vec::Vec::with_capacity(server.len() + 1);
        name.extend_from_slice(server.as_bytes());
        name.push(0);
        self.ioctl(pta::UDP_CHANGEADDR, &mut name)
    }

    fn tcp_only(&self) -> Result<(), SocketError> {
        match self.udp {
            false => Ok(()),
            true => Err(err(TeeError(oxtee_gp::TEE_ERROR_NOT_SUPPORTED))),
        }
    }

    fn udp_only(&self) -> Result<(), SocketError> {
        match self.udp {
            true => Ok(()),
            false => Err(err(TeeError(oxtee_gp::TEE_ERROR_NOT_SUPPORTED))),
        }
    }

    /// Close now (also done on drop): the result of the close.
    pub fn close(mut self) -> Result<(), SocketError> {
        self.closed = true;
        self.close_handle()
    }

    fn close_handle(&mut self) -> Result<(), SocketError> {
        let mut args = [CallArg::ValueIn {
            a: self.handle,
            b: 0,
        }];
        self.session
            .invoke(pta::CLOSE, INFINITE, &mut args)
            .map_err(|e| err(e.code))
    }
}

impl Drop for Socket {
    /// The instance's other sockets share the normal world's side: this
    /// one is closed there now, not when the last of them goes.
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.close_handle();
        }
    }
}
