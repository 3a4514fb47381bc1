//! The TA of the seed notes (questions 17:36 and 17:40), in Rust: command
//! 0 takes an `int32_t` in the first memref and writes twice its value to
//! the second.
#![no_std]
#![cfg_attr(target_os = "none", no_main)]
#![forbid(unsafe_code)]

use oxtee_ta_sdk::{
    Identity, MemrefIn, MemrefOut, Params, TeeError, TeeResult, TrustedApp, ta_main,
};

struct Doubler;

impl TrustedApp for Doubler {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(Doubler)
    }

    fn open_session(&mut self, _params: Params<'_, '_>, _client: Identity) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), command: u32, params: Params<'_, '_>) -> TeeResult {
        match command {
            0 => params.call(|(input, output): &mut (MemrefIn, MemrefOut)| {
                let bytes: [u8; 4] = input
                    .data()
                    .try_into()
                    .map_err(|_| TeeError::BAD_PARAMETERS)?;
                let value = i32::from_ne_bytes(bytes);
                output.write(&value.wrapping_mul(2).to_ne_bytes())
            }),
            _ => Err(TeeError::NOT_SUPPORTED),
        }
    }
}

ta_main!(Doubler);
