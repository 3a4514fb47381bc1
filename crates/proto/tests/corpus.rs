//! Replay the fuzz corpora of the wire decoders (fuzz/corpus/*): every
//! input must decode or be refused, never panic, and what decodes must
//! survive a round trip: decode(encode(m)) == m, and its encoding is
//! canonical (encoding it again gives the same bytes). The input itself
//! may be a non-canonical encoding (postcard accepts padded varints).

use oxtee_proto::{
    ClientRequest, CoreToTa, SUPPLICANT_MAX_MESSAGE, SupplicantReply, TaReply, decode,
    decode_with_limit, encode, encode_with_limit,
};
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

fn roundtrip<T>(data: &[u8]) -> bool
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    match decode::<T>(data) {
        Ok(m) => {
            let bytes = encode(&m).unwrap();
            let again: T = decode(&bytes).expect("an encoding decodes");
            assert_eq!(again, m);
            assert_eq!(encode(&again).unwrap(), bytes, "encoding is canonical");
            true
        }
        Err(_) => false,
    }
}

#[test]
fn supplicant_reply_corpus() {
    assert!(
        replay("supplicant_reply", |d| {
            if let Ok(m) = decode_with_limit::<SupplicantReply>(d, SUPPLICANT_MAX_MESSAGE) {
                let b = encode_with_limit(&m, SUPPLICANT_MAX_MESSAGE).unwrap();
                let again: SupplicantReply = decode_with_limit(&b, SUPPLICANT_MAX_MESSAGE).unwrap();
                assert_eq!(again, m);
            }
        }) >= 5
    );
}

#[test]
fn non_canonical_varints_decode_to_the_same_value() {
    // 0x81 0x00 is a padded varint 1: accepted, and re-encoded canonically.
    let m: ClientRequest = decode(&[4, 0x87, 0x00]).unwrap();
    assert_eq!(m, ClientRequest::CloseSession { session: 7 });
    assert!(roundtrip::<ClientRequest>(&[4, 0x87, 0x00]));
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
