//! Supplicant -> core: every reply the normal-world supplicant can send,
//! decoded with the supplicant link's size limit as the daemon does.
//!
//! Same property as `client_request`: decoded values survive a round trip
//! (the input bytes themselves may be a non-canonical encoding).
#![no_main]
use oxtee_proto::{SUPPLICANT_MAX_MESSAGE, SupplicantReply, decode_with_limit, encode_with_limit};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = decode_with_limit::<SupplicantReply>(data, SUPPLICANT_MAX_MESSAGE) {
        let bytes =
            encode_with_limit(&m, SUPPLICANT_MAX_MESSAGE).expect("a decoded reply re-encodes");
        let again = decode_with_limit::<SupplicantReply>(&bytes, SUPPLICANT_MAX_MESSAGE)
            .expect("a re-encoded reply decodes");
        assert_eq!(again, m);
        assert_eq!(
            encode_with_limit(&again, SUPPLICANT_MAX_MESSAGE).unwrap(),
            bytes,
            "encode is not canonical"
        );
    }
});
