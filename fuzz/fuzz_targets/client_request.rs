//! Client -> core: every request a CA's library (or anyone on the socket) can send.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = oxtee_proto::decode::<oxtee_proto::ClientRequest>(data) {
        // What decodes must re-encode to the same bytes (no ambiguity).
        assert_eq!(oxtee_proto::encode(&m).unwrap(), data);
    }
});
