//! Replay the fuzz corpus of the TA image and TA header parsers.

use std::path::Path;

#[test]
fn ta_image_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/ta_image");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        if let Ok(img) = oxtee_core::image::parse(&data) {
            let _ = oxtee_core::head::read(img.elf);
        }
        let _ = oxtee_core::head::read(&data);
        let _ = oxtee_core::head::decode(&data);
        assert!(oxtee_core::image::verify(&data, &[]).is_err());
        n += 1;
    }
    assert!(n >= 2);
}
