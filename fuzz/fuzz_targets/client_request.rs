//! Client -> core: every request a CA's library (or anyone on the socket) can send.
//!
//! Postcard accepts non-canonical varints, so the input need not be what
//! `encode` gives back; what must hold is that a decoded value survives a
//! round trip and that `encode` is canonical.
#![no_main]
use oxtee_proto::{ClientRequest, decode, encode};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode::<ClientRequest>(data) {
        let bytes = encode(&m).expect("a decoded request re-encodes");
        let again = decode::<ClientRequest>(&bytes).expect("a re-encoded request decodes");
        assert_eq!(again, m);
        assert_eq!(encode(&again).unwrap(), bytes, "encode is not canonical");
    }
});
