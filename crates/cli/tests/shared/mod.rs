//! What the host tier's harness (`tests/it`) and the TrustZone tier's
//! (`tests/tz`) give the suites they share alike.

use oxtee_client::{Error, Uuid};

/// The examples' TAs, C and Rust (every test TA runs on both tiers).
pub const HELLO_C: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
pub const HELLO_RUST: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51c";
pub const SEED_C: &str = "12345678-1234-1234-1234-567890abcdef";
pub const SEED_RUST: &str = "12345678-1234-1234-1234-567890abcdf0";

/// The parameters test TA (`tests/tas/c/params`).
pub const PARAMS: &str = "69de423a-d673-49d1-a5ac-22b9dae89776";

/// The misbehaving test TA (`tests/tas/c/misbehave`).
pub const MISBEHAVE: &str = "40dc6fa0-b27f-4171-8fca-84f566767cb5";

pub const TARGET_DEAD: Error = Error::new(0xFFFF_3024, 3);

pub fn uuid(s: &str) -> Uuid {
    Uuid::parse(s).unwrap()
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
