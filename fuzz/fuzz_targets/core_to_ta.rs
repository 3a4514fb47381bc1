//! Core -> TA: the TA runtime's decoder.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = oxtee_proto::decode::<oxtee_proto::CoreToTa>(data);
});
