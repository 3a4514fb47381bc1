//! TA -> core: every reply a (possibly compromised) TA process can send.
//!
//! Same property as `client_request`: decoded values survive a round trip
//! (the input bytes themselves may be a non-canonical encoding).
#![no_main]
use oxtee_proto::{TaReply, decode, encode};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode::<TaReply>(data) {
        let bytes = encode(&m).expect("a decoded reply re-encodes");
        let again = decode::<TaReply>(&bytes).expect("a re-encoded reply decodes");
        assert_eq!(again, m);
        assert_eq!(encode(&again).unwrap(), bytes, "encode is not canonical");
    }
});
