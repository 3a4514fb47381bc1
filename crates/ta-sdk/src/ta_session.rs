//! TA-to-TA calls for Rust TAs (TEE_OpenTASession, TEE_InvokeTACommand,
//! TEE_CloseTASession). The callee sees this TA as its client, with login
//! TEE_LOGIN_TRUSTED_APP and this TA's UUID.

pub use crate::rt::ta2ta::CallArg;
use crate::{TeeError, TeeResult};
pub use oxtee_proto::Uuid;

/// No timeout (TEE_TIMEOUT_INFINITE).
pub const INFINITE: u32 = u32::MAX;

/// A session this TA opened to another TA; closed on drop.
#[derive(Debug)]
pub struct TaSession {
    id: u32,
    open: bool,
}

/// A failed call: the result code and its return origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallError {
    pub code: TeeError,
    pub origin: u32,
}

fn check(r: crate::rt::ta2ta::CallResult) -> Result<u32, CallError> {
    if r.result == 0 {
        Ok(r.session)
    } else {
        Err(CallError {
            code: TeeError(r.result),
            origin: r.origin,
        })
    }
}

impl TaSession {
    /// Open a session to `uuid`, passing `args` to its open-session entry
    /// point (outputs are written back into `args`). `timeout_ms`: cancel
    /// the callee after this long ([`INFINITE`]: never).
    pub fn open(
        uuid: Uuid,
        timeout_ms: u32,
        args: &mut [CallArg<'_>],
    ) -> Result<TaSession, CallError> {
        let id = check(crate::rt::ta2ta::open_session(uuid, timeout_ms, args))?;
        Ok(TaSession { id, open: true })
    }

    /// Invoke `command` (outputs are written back into `args`).
    pub fn invoke(
        &self,
        command: u32,
        timeout_ms: u32,
        args: &mut [CallArg<'_>],
    ) -> Result<(), CallError> {
        check(crate::rt::ta2ta::invoke(self.id, timeout_ms, command, args)).map(|_| ())
    }

    /// Close now (also done on drop).
    pub fn close(mut self) -> TeeResult {
        self.close_inner();
        Ok(())
    }

    fn close_inner(&mut self) {
        if core::mem::take(&mut self.open) {
            crate::rt::ta2ta::close_session(self.id);
        }
    }
}

impl Drop for TaSession {
    fn drop(&mut self) {
        self.close_inner()
    }
}
