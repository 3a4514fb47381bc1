//! Internal Core API test TA in Rust: the SDK's time, wait and heap
//! wrappers. Commands:
//!
//! * 0: `(ValueOut,)` system time: a = seconds, b = millis.
//! * 1: `(ValueOut,)` REE time: a = seconds, b = millis.
//! * 2: `(ValueIn, ValueOut)` wait `p0.a` ms (`u32::MAX`: until
//!   cancelled), unmasking cancellation first if `p0.b == 1`; `p1.a` =
//!   elapsed ms by the system time, `p1.b` = 1 if it did not go back.
//!   Returns the wait's result (`TEE_ERROR_CANCEL` when cancelled).
//! * 3: `(ValueIn, ValueOut)` heap bound: `try_alloc(p0.a)` until None,
//!   writing each buffer; `p1.a` = bytes allocated, `p1.b` = buffers.
//!   Then all are dropped and one buffer of 3/4 of the heap must fit
//!   (else `TEE_ERROR_OUT_OF_MEMORY`).
//! * 4: `(ValueOut,)` heap usage: a = bytes in use, b = heap size.
//! * 5: `(ValueIn, MemrefIn, MemrefOut)` a sealing key from the system
//!   PTA (`oxtee_ta_sdk::system`) of `MemrefOut::capacity` bytes with the
//!   extra data `p1`: policy `p0.a` (0 unique, 1 version, 2 signer with
//!   floor `p0.b`; 3: `derive_ta_unique_key`), handed to the client so
//!   the tests can compare it (a real TA keeps it).
//! * 6: `(MemrefIn, MemrefOut)` a PSA attestation token about this TA
//!   for the challenge `p0` (`oxtee_ta_sdk::attestation`).
//! * 7: `(MemrefIn, ValueIn, MemrefInOut, ValueOut)` a supplicant plugin
//!   call (`oxtee_ta_sdk::plugin`): the plugin's UUID (16 octets), its
//!   command and sub-command, the data; `p3.a` = the output's length.
//! * 8: `(ValueIn, MemrefIn, MemrefInOut, ValueOut)` a GP socket
//!   (`oxtee_ta_sdk::socket`) to the server `p1` at port `p0.a` (`p0.b`:
//!   bit 0 UDP, bits 8..: the IP version 0/4/6): send `p2`, receive as
//!   many bytes back (TCP: until that many or the peer closes; UDP: one
//!   datagram of at most 4 KiB), each checked against what was sent
//!   (else `TEE_ERROR_MAC_INVALID`), close; `p3.a` = bytes received
//!   (`p2` is left as it was). Returns the first failing call's code.
//! * 9: `(ValueIn, MemrefIn, ValueIn, ValueOut)` a TCP echo of `p2.a`
//!   bytes of a pattern to the server `p1` at port `p0.a` (IP version
//!   `p0.b`), 16 KiB at a time (`Socket::send_all`, then the piece read
//!   back and checked); `p3.a` = bytes checked.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefInOut, MemrefOut, Params, TeeError, TeeResult, TrustedApp, ValueIn,
    ValueOut, heap_usage, mask_cancellation, ree_time, system_time, ta_main, try_alloc, wait,
};

struct Internal;

impl TrustedApp for Internal {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(Internal)
    }

    fn open_session(&mut self, params: Params<'_, '_>, _client: Identity) -> TeeResult<()> {
        params.call(|_: &mut ()| Ok(()))
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 | 1 => params.call(|(out,): &mut (ValueOut,)| {
                let t = if command == 0 {
                    system_time()
                } else {
                    ree_time()
                };
                out.a = t.seconds;
                out.b = t.millis;
                Ok(())
            }),
            2 => params.call(|(inp, out): &mut (ValueIn, ValueOut)| {
                if inp.b == 1 {
                    mask_cancellation(false);
                }
                let t0 = system_time();
                let r = wait(inp.a);
                let t1 = system_time();
                out.a = t1.as_millis().saturating_sub(t0.as_millis()) as u32;
                out.b = u32::from(t1 >= t0);
                r
            }),
            3 => params.call(|(inp, out): &mut (ValueIn, ValueOut)| {
                let size = inp.a as usize;
                if size == 0 {
                    return Err(TeeError::BAD_PARAMETERS);
                }
                let mut bufs = Vec::new();
                while let Some(mut b) = try_alloc(size) {
                    if b.iter().any(|&x| x != 0) {
                        return Err(TeeError::GENERIC);
                    }
                    b.fill(bufs.len() as u8);
                    // At S-EL0 this list lives in the same heap.
                    if bufs.try_reserve(1).is_err() {
                        break;
                    }
                    bufs.push(b);
                }
                for (i, b) in bufs.iter().enumerate() {
                    if b.iter().any(|&x| x != i as u8) {
                        return Err(TeeError::GENERIC);
                    }
                }
                out.a = (bufs.len() * size) as u32;
                out.b = bufs.len() as u32;
                drop(bufs);
                let (_, total) = heap_usage();
                try_alloc(total / 4 * 3).ok_or(TeeError::OUT_OF_MEMORY)?;
                Ok(())
            }),
            4 => params.call(|(out,): &mut (ValueOut,)| {
                let (used, total) = heap_usage();
                out.a = used as u32;
                out.b = total as u32;
                Ok(())
            }),
            5 => params.call(|(p, extra, out): &mut (ValueIn, MemrefIn, MemrefOut)| {
                use oxtee_ta_sdk::system::{self, SealPolicy};
                let mut key = vec![0u8; out.capacity()];
                let policy = match p.a {
                    0 => SealPolicy::Unique,
                    1 => SealPolicy::Version,
                    2 => SealPolicy::Signer { floor: p.b },
                    _ => SealPolicy::Unique,
                };
                let r = if p.a == 3 {
                    system::derive_ta_unique_key(extra.data(), &mut key)
                } else {
                    system::derive_sealing_key(policy, extra.data(), &mut key)
                };
                r.map_err(|e| e.code)?;
                out.write(&key)
            }),
            6 => params.call(|(challenge, out): &mut (MemrefIn, MemrefOut)| {
                let token =
                    oxtee_ta_sdk::attestation::psa_token(challenge.data()).map_err(|e| e.code)?;
                out.write(&token)
            }),
            7 => params.call(
                |(id, c, data, out): &mut (MemrefIn, ValueIn, MemrefInOut, ValueOut)| {
                    let id: [u8; 16] =
                        id.data().try_into().map_err(|_| TeeError::BAD_PARAMETERS)?;
                    let mut buf = data.data().to_vec();
                    let n =
                        oxtee_ta_sdk::plugin::invoke(oxtee_ta_sdk::Uuid(id), c.a, c.b, &mut buf)
                            .map_err(|e| e.code)?;
                    data.write(&buf[..n])?;
                    out.a = n as u32;
                    Ok(())
                },
            ),
            8 => params.call(
                |(p, host, data, out): &mut (ValueIn, MemrefIn, MemrefInOut, ValueOut)| {
                    use oxtee_ta_sdk::socket::{IpVersion, Socket};
                    let host =
                        core::str::from_utf8(host.data()).map_err(|_| TeeError::BAD_PARAMETERS)?;
                    let version = match p.b >> 8 {
                        4 => IpVersion::V4,
                        6 => IpVersion::V6,
                        _ => IpVersion::Any,
                    };
                    let port = u16::try_from(p.a).map_err(|_| TeeError::BAD_PARAMETERS)?;
                    let udp = p.b & 1 == 1;
                    let mut s = if udp {
                        Socket::udp(version, host, port)
                    } else {
                        Socket::tcp(version, host, port)
                    }
                    .map_err(|e| e.code)?;
                    let sent = data.data();
                    s.send_all(sent, 5000).map_err(|e| e.code)?;
                    // Received in small pieces (the heap is 64 KiB) and
                    // checked here against what was sent.
                    let mut piece = [0u8; 4096];
                    let mut got = 0;
                    while got < sent.len() {
                        let want = (sent.len() - got).min(piece.len());
                        let n = s.recv(&mut piece[..want], 5000).map_err(|e| e.code)?;
                        if piece[..n] != sent[got..got + n] {
                            return Err(TeeError(0xFFFF_3071)); // TEE_ERROR_MAC_INVALID
                        }
                        got += n;
                        if n == 0 || udp {
                            break;
                        }
                    }
                    s.close().map_err(|e| e.code)?;
                    out.a = got as u32;
                    Ok(())
                },
            ),
            9 => params.call(
                |(p, host, n, out): &mut (ValueIn, MemrefIn, ValueIn, ValueOut)| {
                    use oxtee_ta_sdk::socket::{IpVersion, Socket};
                    let host =
                        core::str::from_utf8(host.data()).map_err(|_| TeeError::BAD_PARAMETERS)?;
                    let version = match p.b {
                        4 => IpVersion::V4,
                        6 => IpVersion::V6,
                        _ => IpVersion::Any,
                    };
                    let port = u16::try_from(p.a).map_err(|_| TeeError::BAD_PARAMETERS)?;
                    let mut s = Socket::tcp(version, host, port).map_err(|e| e.code)?;
                    let total = n.a as usize;
                    let mut piece = vec![0u8; 16 << 10];
                    let mut back = vec![0u8; 16 << 10];
                    let mut done = 0;
                    while done < total {
                        let len = (total - done).min(piece.len());
                        for (i, b) in piece[..len].iter_mut().enumerate() {
                            *b = ((done + i) * 7 % 251) as u8;
                        }
                        s.send_all(&piece[..len], 5000).map_err(|e| e.code)?;
                        let mut got = 0;
                        while got < len {
                            let k = s.recv(&mut back[got..len], 5000).map_err(|e| e.code)?;
                            if k == 0 {
                                return Err(TeeError(0xFFFF_000E)); // COMMUNICATION
                            }
                            got += k;
                        }
                        if back[..len] != piece[..len] {
                            return Err(TeeError(0xFFFF_3071)); // MAC_INVALID
                        }
                        done += len;
                    }
                    s.close().map_err(|e| e.code)?;
                    out.a = done as u32;
                    Ok(())
                },
            ),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(Internal);
