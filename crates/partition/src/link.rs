//! A partition's side of its channel to the SPMC.

use crate::wire::{self, Frame, OP_ANSWER, OP_CALL, OP_RPC, OP_RPC_ANSWER, PayloadError};
use oxtee_spmc::{Direct, Id, ffa};
use oxtee_sys::{Channel, Mapping};
use serde::{Deserialize, Serialize};
use std::os::fd::AsFd;

/// Why a partition stops.
#[derive(Debug)]
pub enum LinkError {
    /// The SPMC went away (the core stopped): a normal end.
    Closed,
    /// The SPMC broke the protocol.
    Protocol(String),
}

impl From<std::io::Error> for LinkError {
    fn from(e: std::io::Error) -> LinkError {
        LinkError::Protocol(format!("channel: {e}"))
    }
}

fn bad(what: impl Into<String>) -> LinkError {
    LinkError::Protocol(what.into())
}

/// The channel and the region the TA host shares.
pub struct Link {
    ch: Channel,
    me: Id,
    region: Mapping,
}

impl Link {
    /// Take the channel on `ch` (the partition's standard input) and
    /// retrieve the region the TA host shares: the first frame must be
    /// its FFA_MEM_SHARE notice `[handle, size]`.
    pub fn connect(ch: Channel, me: Id) -> Result<Link, LinkError> {
        let (f, _) = recv(&ch)?;
        if f.func != ffa::MEM_SHARE || f.msg.sender != wire::TA_HOST || f.msg.receiver != me {
            return Err(bad("the first message is not the region's FFA_MEM_SHARE"));
        }
        let (handle, size) = (f.msg.args[0], f.msg.args[1]);
        send(
            &ch,
            &Frame {
                func: ffa::MEM_RETRIEVE_REQ,
                msg: Direct {
                    sender: me,
                    receiver: wire::TA_HOST,
                    args: [handle, 0, 0, 0, 0],
                },
            },
        )?;
        let (f, mut fds) = recv(&ch)?;
        if f.func != wire::MEM_RETRIEVE_RESP || f.msg.args[0] != handle || fds.len() != 1 {
            return Err(bad("the region was not delivered"));
        }
        let fd = fds.pop().expect("one descriptor");
        let len = usize::try_from(size).map_err(|_| bad("region size"))?;
        if std::fs::File::from(fd.try_clone()?).metadata()?.len() < size {
            return Err(bad("the region is smaller than announced"));
        }
        let region = Mapping::map(fd.as_fd(), len)?;
        Ok(Link { ch, me, region })
    }

    /// The next request of the TA host (which must be an [`OP_CALL`]).
    pub fn next_call<T: for<'de> Deserialize<'de>>(&mut self) -> Result<(T, Vec<u8>), LinkError> {
        self.expect(OP_CALL)
    }

    fn expect<T: for<'de> Deserialize<'de>>(&mut self, op: u64) -> Result<(T, Vec<u8>), LinkError> {
        let (f, fds) = recv(&self.ch)?;
        if !fds.is_empty()
            || f.func != ffa::MSG_SEND_DIRECT_REQ
            || f.msg.sender != wire::TA_HOST
            || f.msg.receiver != self.me
            || f.msg.args[0] != op
        {
            return Err(bad(format!("unexpected message {f:?}")));
        }
        wire::take(&self.region, [f.msg.args[1], f.msg.args[2]])
            .map_err(|e| bad(format!("request payload: {e:?}")))
    }

    fn respond<T: Serialize>(&mut self, op: u64, header: &T, bulk: &[u8]) -> Result<(), LinkError> {
        let lens = match wire::put(&self.region, header, bulk) {
            Ok(l) => l,
            Err(PayloadError::TooLarge) => return Err(bad("answer too large for the region")),
            Err(e) => return Err(bad(format!("{e:?}"))),
        };
        send(
            &self.ch,
            &Frame {
                func: ffa::MSG_SEND_DIRECT_RESP,
                msg: Direct {
                    sender: self.me,
                    receiver: wire::TA_HOST,
                    args: [op, lens[0], lens[1], 0, 0],
                },
            },
        )
    }

    /// Answer the current call.
    pub fn answer<T: Serialize>(&mut self, header: &T, bulk: &[u8]) -> Result<(), LinkError> {
        self.respond(OP_ANSWER, header, bulk)
    }

    /// Ask the TA host for normal-world I/O in the middle of a call, and
    /// wait for its answer.
    pub fn rpc<Q: Serialize, A: for<'de> Deserialize<'de>>(
        &mut self,
        req: &Q,
        bulk: &[u8],
    ) -> Result<(A, Vec<u8>), LinkError> {
        self.respond(OP_RPC, req, bulk)?;
        self.expect(OP_RPC_ANSWER)
    }
}

fn send(ch: &Channel, f: &Frame) -> Result<(), LinkError> {
    ch.send(&f.to_bytes(), &[]).map_err(LinkError::from)
}

fn recv(ch: &Channel) -> Result<(Frame, Vec<std::os::fd::OwnedFd>), LinkError> {
    let mut buf = [0u8; wire::FRAME + 1];
    let mut fds = Vec::new();
    match ch.recv(&mut buf, &mut fds)? {
        None => Err(LinkError::Closed),
        Some(n) => Frame::from_bytes(&buf[..n])
            .map(|f| (f, fds))
            .ok_or_else(|| bad("not a frame")),
    }
}
