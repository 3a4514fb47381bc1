//! The record of `oxtee trace`: one boundary crossing per JSON line, the
//! same on both tiers (the host daemon's core and the TrustZone tier's
//! secure kernel write it; `oxtee trace` reads and draws it).

use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// One boundary crossing, a line of `oxtee trace`'s output.
///
/// Participants (`from`, `to`): `CA` (the client application),
/// `libteec` (the TEE Client API in the client's process), `TA <uuid>` (a
/// TA instance), `supplicant` (the normal world's helper); on the host
/// tier `core` (the driver and the TEE core: the secure world's entry)
/// and the partitions of partitioned mode (`storage partition`, ...); on
/// the TrustZone tier `driver` (Linux's OP-TEE driver), `monitor` (the
/// EL3 secure monitor) and `kernel` (the S-EL1 secure kernel).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// Microseconds: on the host tier CLOCK_MONOTONIC (the same clock in
    /// every process of the machine: libteec's own events interleave with
    /// the core's); on the TrustZone tier the secure world's counter since
    /// reset (`oxtee trace` moves it onto the normal world's clock).
    pub t_us: u64,
    /// Pairs a call with its return.
    pub id: u64,
    /// `call` or `return` (or `dropped`: `n` events were lost here).
    pub ev: String,
    pub from: String,
    pub to: String,
    /// The function crossed: `TEEC_InvokeCommand`,
    /// `TA_InvokeCommandEntryPoint`, `TEE_OpenPersistentObject`, ...
    pub name: String,
    /// The OP-TEE SMC function the crossing corresponds to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smc: Option<String>,
    /// The OP-TEE message (`OPTEE_MSG_CMD_*`) or RPC (`OPTEE_RPC_CMD_*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    /// The client process behind the crossing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// The client's context in the core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
    /// The TA (or PTA) the crossing belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ta: Option<String>,
    /// The TA instance (its number in `oxtee status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<u64>,
    /// An invoke's command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<u32>,
    /// A return's result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ret: Option<u32>,
    /// A return's origin (TEEC_ORIGIN_*), when the crossing has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<u32>,
    /// A return's time since its call, in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub us: Option<u64>,
    /// For `dropped`: how many events were lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
}

/// oxtee's trace PTA, 6f787465-0000-4000-8000-007472616365 ("oxte",
/// "trace"): the window on the crossings, on both tiers.
pub const PTA_UUID: [u8; 16] = [
    0x6f, 0x78, 0x74, 0x65, 0x00, 0x00, 0x40, 0x00, 0x80, 0x00, 0x00, 0x74, 0x72, 0x61, 0x63, 0x65,
];
/// Start the session's subscription. Value in: a = a client pid (0:
/// every client); memref in (or none): a TA's UUID, 16 bytes in RFC 4122
/// order. BAD_STATE when already started; BUSY when too many are
/// tracing; NOT_SUPPORTED for a pid where the secure world cannot tell
/// client processes apart (the TrustZone tier: Linux's driver does not
/// say).
pub const CMD_START: u32 = 0;
/// Memref out: whole JSON lines ([`Event`]s) of at most its size,
/// SHORT_BUFFER with the size of the next line when not even that fits;
/// value in: a = how long to wait for the first, in ms (at most
/// [`MAX_WAIT_MS`]). An empty answer: nothing came. BAD_STATE before
/// START.
pub const CMD_READ: u32 = 1;
/// The trace's clock: value out (a, b) = now in microseconds (low and
/// high 32 bits), value out a = which clock ([`CLOCK_MONOTONIC`],
/// [`CLOCK_SECURE_COUNTER`]).
pub const CMD_CLOCK: u32 = 2;
/// The longest READ wait.
pub const MAX_WAIT_MS: u32 = 10_000;
/// The events' clock is the machine's CLOCK_MONOTONIC (the host tier).
pub const CLOCK_MONOTONIC: u32 = 0;
/// The events' clock is the secure world's counter since reset (the
/// TrustZone tier): a reader moves it onto its own clock.
pub const CLOCK_SECURE_COUNTER: u32 = 1;

/// The participant name of TA `uuid` (`PTA <uuid>` for a pseudo-TA of
/// the TrustZone tier's kernel).
pub fn ta_participant(uuid: &crate::Uuid, pseudo: bool) -> String {
    let kind = if pseudo { "PTA" } else { "TA" };
    format!("{kind} {uuid}")
}

/// A reader's unread lines of the record, bounded: beyond the bound
/// lines are dropped and counted, and the next read reports the loss
/// first. The same on both tiers (the host core's subscribers, the
/// secure kernel's).
#[derive(Default, Debug)]
pub struct Lines {
    lines: VecDeque<String>,
    bytes: usize,
    dropped: u64,
}

impl Lines {
    /// Queue `line`, or count it dropped when the unread lines would
    /// pass `max_bytes`.
    pub fn push(&mut self, line: String, max_bytes: usize) {
        if self.bytes + line.len() > max_bytes {
            self.dropped += 1;
        } else {
            self.bytes += line.len();
            self.lines.push_back(line);
        }
    }

    /// Whether a read would find nothing (no line, no loss to report).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }

    /// Lines dropped since the last report.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Whole lines of at most `max` bytes in all, oldest first; a loss
    /// is reported first and alone, by the line `report` makes of its
    /// count. `Err(n)`: the next line alone needs `n` bytes. Empty:
    /// nothing to read.
    pub fn take(
        &mut self,
        max: usize,
        report: impl FnOnce(u64) -> String,
    ) -> Result<String, usize> {
        if self.dropped > 0 {
            let line = report(self.dropped);
            if line.len() > max {
                return Err(line.len());
            }
            self.dropped = 0;
            return Ok(line);
        }
        let mut out = String::new();
        while let Some(l) = self.lines.front() {
            if out.len() + l.len() > max {
                break;
            }
            out.push_str(l);
            self.bytes -= l.len();
            self.lines.pop_front();
        }
        match (out.is_empty(), self.lines.front()) {
            (true, Some(l)) => Err(l.len()),
            _ => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn lines_are_bounded_and_a_loss_is_reported_first() {
        let mut q = Lines::default();
        assert!(q.is_empty());
        for i in 0..5 {
            q.push(format!("line {i}\n"), 21);
        }
        // Three fit in 21 bytes; two are counted dropped.
        assert_eq!(q.dropped(), 2);
        assert_eq!(
            q.take(100, |n| format!("lost {n}\n")),
            Ok("lost 2\n".to_string())
        );
        assert_eq!(q.take(3, |_| unreachable!()), Err(7), "the next line alone");
        assert_eq!(
            q.take(14, |_| unreachable!()),
            Ok("line 0\nline 1\n".to_string())
        );
        assert_eq!(q.take(100, |_| unreachable!()), Ok("line 2\n".to_string()));
        assert!(q.is_empty());
        assert_eq!(q.take(100, |_| unreachable!()), Ok(String::new()));
        // Read lines free their room.
        q.push("x".repeat(21), 21);
        assert_eq!(q.dropped(), 0);
    }
}
