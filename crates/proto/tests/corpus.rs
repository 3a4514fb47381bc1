//! Replay the fuzz corpora of the wire decoders (fuzz/corpus/*): every
//! input must decode or be refused, never panic, and what decodes must
//! re-encode to the same bytes.

use oxtee_proto::{ClientRequest, CoreToTa, TaReply, decode, encode};
use std::path::Path;

fn replay(target: &str, f: impl Fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let data = std::fs::read(e.unwrap().path()).unwrap();
        f(&data);
        n += 1;
    }
    n
}

fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned>(data: &[u8]) -> bool {
    match decode::<T>(data) {
        Ok(m) => {
            assert_eq!(encode(&m).unwrap(), data, "non-canonical encoding accepted");
            true
        }
        Err(_) => false,
    }
}

#[test]
fn client_request_corpus() {
    assert!(
        replay("client_request", |d| {
            roundtrip::<ClientRequest>(d);
        }) >= 5
    );
}

#[test]
fn ta_reply_corpus() {
    assert!(
        replay("ta_reply", |d| {
            roundtrip::<TaReply>(d);
        }) >= 3
    );
}

#[test]
fn core_to_ta_corpus() {
    assert!(
        replay("core_to_ta", |d| {
            let _ = decode::<CoreToTa>(d);
        }) >= 3
    );
}

#[test]
fn seeds_mean_what_they_say() {
    assert_eq!(
        decode::<ClientRequest>(&[4, 7]).unwrap(),
        ClientRequest::CloseSession { session: 7 }
    );
    assert_eq!(
        decode::<TaReply>(&[1, 0xad, 0xbd, 0x03]).unwrap(),
        TaReply::Panic { code: 0xdead }
    );
    assert!(decode::<TaReply>(&[1, 1, 0]).is_err(), "trailing byte");
}
