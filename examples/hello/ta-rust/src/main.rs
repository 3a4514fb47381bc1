//! Hello world TA in Rust: the same commands as OP-TEE's hello_world TA.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::prelude::*;
use oxtee_ta_sdk::{
    Identity, Params, TeeError, TeeResult, TrustedApp, ValueInOut, log_info, ta_main,
};

const CMD_INC_VALUE: u32 = 0;
const CMD_DEC_VALUE: u32 = 1;

struct Hello;

impl TrustedApp for Hello {
    type Session = ();

    fn create() -> TeeResult<Self> {
        log_info("hello TA created");
        Ok(Hello)
    }

    fn open_session(&mut self, params: Params<'_, '_>, _client: Identity) -> TeeResult<()> {
        params.call(|_: &mut ()| Ok(()))
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            CMD_INC_VALUE => params.call(|(v,): &mut (ValueInOut,)| {
                log_info(&format!("got value {} from the client, incrementing", v.a));
                v.a = v.a.wrapping_add(1);
                Ok(())
            }),
            CMD_DEC_VALUE => params.call(|(v,): &mut (ValueInOut,)| {
                v.a = v.a.wrapping_sub(1);
                Ok(())
            }),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(Hello);
