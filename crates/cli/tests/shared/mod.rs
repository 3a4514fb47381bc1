//! What the host tier's harness (`tests/it`) and the TrustZone tier's
//! (`tests/tz`) give the suites they share alike.

use oxtee_client::{Error, Uuid};

/// The parameters test TA (`tests/tas/c/params`).
pub const PARAMS: &str = "69de423a-d673-49d1-a5ac-22b9dae89776";

pub const TARGET_DEAD: Error = Error::new(0xFFFF_3024, 3);

pub fn uuid(s: &str) -> Uuid {
    Uuid::parse(s).unwrap()
}

/// The TAs of `tas` this tier runs (see `here`).
pub fn tier<const N: usize>(tas: [&'static str; N]) -> impl Iterator<Item = &'static str> {
    tas.into_iter().filter(|t| super::here(t))
}

/// Command 0 of the batch test TAs (aead, asym): `input` in, room for
/// `cap` bytes out; the answer is `n` results of u32 code, u32 length and
/// that many bytes, with nothing after them.
pub fn batch(s: &oxtee_client::Session, input: &[u8], cap: usize, n: usize) -> Vec<(u32, Vec<u8>)> {
    use oxtee_client::Param;
    let mut out = vec![0u8; cap];
    let mut p = [
        Param::TempIn { buf: input },
        Param::TempOut {
            buf: &mut out,
            size: cap,
        },
    ];
    s.invoke(0, &mut p).expect("batch");
    let Param::TempOut { size, .. } = p[1] else {
        unreachable!()
    };
    let mut d = &out[..size];
    let mut r = Vec::with_capacity(n);
    for _ in 0..n {
        let code = u32::from_le_bytes(d[..4].try_into().unwrap());
        let len = u32::from_le_bytes(d[4..8].try_into().unwrap()) as usize;
        r.push((code, d[8..8 + len].to_vec()));
        d = &d[8 + len..];
    }
    assert!(d.is_empty(), "trailing bytes after {n} results");
    r
}
