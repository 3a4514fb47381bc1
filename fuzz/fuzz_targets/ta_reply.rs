//! TA -> core: every reply a (possibly compromised) TA process can send.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(m) = oxtee_proto::decode::<oxtee_proto::TaReply>(data) {
        assert_eq!(oxtee_proto::encode(&m).unwrap(), data);
    }
});
