//! Signed TA images and the TA header inside them (files from the TA directory).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(img) = oxtee_core::image::parse(data) {
        let _ = oxtee_core::head::read(img.elf);
    }
    let _ = oxtee_core::head::read(data);
    let _ = oxtee_core::head::decode(data);
});
