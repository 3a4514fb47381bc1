//! Sealing on both tiers: keys bound to a TA's identity from the system
//! pseudo-TA (OP-TEE's `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`, oxtee's policy
//! command), from the C TA `tests/tas/c/seal` (and its twin under another
//! UUID, `seal-peer`) and from the Rust SDK (`tests/tas/rust/internal`
//! command 5): the same TA gets the same key, another TA another; the
//! policies differ from each other and follow their rules; bad sizes are
//! refused; a client cannot open the PTA; data sealed by one TA does not
//! open in another. What needs the host tier's core (restarts, images
//! re-signed with another version or key, the HUK file) is in
//! `seal_host`.

use crate::harness::*;
use oxtee_client::{Login, Param, Session};

pub(crate) const SEAL: &str = "5ea1c0de-7a11-4b0e-8d3a-1f2e3d4c5b01";
pub(crate) const SEAL_PEER: &str = "5ea1c0de-7a11-4b0e-8d3a-1f2e3d4c5b02";
pub(crate) const RUST_INTERNAL: &str = "6da3ab60-2e9b-4ffa-a7d6-e17c5dac3eca";
pub(crate) const SYSTEM_PTA: &str = "3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc";

pub(crate) const UNIQUE: u32 = 0;
pub(crate) const VERSION: u32 = 1;
pub(crate) const SIGNER: u32 = 2;

const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ACCESS_DENIED: u32 = 0xFFFF_0001;
const MAC_INVALID: u32 = 0xFFFF_3071;
const ORIGIN_TRUSTED_APP: u32 = 4;

/// The seal TA's commands (include/seal_ta.h).
pub(crate) struct SealTa(pub(crate) Session);

impl SealTa {
    pub(crate) fn open(w: &World, ta: &str) -> SealTa {
        SealTa(
            w.ctx()
                .open_session(uuid(ta), Login::Public, &mut [])
                .unwrap()
                .0,
        )
    }

    /// OP-TEE's unique key of `len` bytes.
    pub(crate) fn unique(&self, extra: &[u8], len: usize) -> Result<Vec<u8>, u32> {
        let mut key = vec![0u8; len];
        let mut p = [
            Param::TempIn { buf: extra },
            Param::TempOut {
                buf: &mut key,
                size: len,
            },
        ];
        self.0.invoke(0, &mut p).map_err(|e| e.code)?;
        Ok(key)
    }

    /// The sealing key of `policy` (with `floor`).
    pub(crate) fn key(&self, policy: u32, floor: u32, extra: &[u8]) -> Result<Vec<u8>, u32> {
        call(&self.0, 1, (policy, floor), extra, 32)
    }

    /// A PSA token about this TA for `challenge`.
    pub(crate) fn token(&self, challenge: &[u8]) -> Result<Vec<u8>, u32> {
        self.in_out(6, challenge, 4096)
    }

    /// OP-TEE's HASH_TA_MEMORY of this TA.
    pub(crate) fn hash_memory(&self, nonce: &[u8]) -> Result<Vec<u8>, u32> {
        self.in_out(7, nonce, 32 + 384)
    }

    /// Command `cmd` with `input` in and up to `len` bytes out.
    fn in_out(&self, cmd: u32, input: &[u8], len: usize) -> Result<Vec<u8>, u32> {
        let mut out = vec![0u8; len];
        let mut p = [
            Param::TempIn { buf: input },
            Param::TempOut {
                buf: &mut out,
                size: len,
            },
        ];
        self.0.invoke(cmd, &mut p).map_err(|e| e.code)?;
        let Param::TempOut { size, .. } = p[1] else {
            unreachable!()
        };
        out.truncate(size);
        Ok(out)
    }

    pub(crate) fn seal(&self, policy: u32, floor: u32, data: &[u8]) -> Result<Vec<u8>, u32> {
        call(&self.0, 3, (policy, floor), data, data.len() + 28)
    }

    pub(crate) fn unseal(&self, policy: u32, floor: u32, blob: &[u8]) -> Result<Vec<u8>, u32> {
        call(
            &self.0,
            4,
            (policy, floor),
            blob,
            blob.len().saturating_sub(28),
        )
    }
}

/// Command `cmd` with a value in (`policy`), `input` in and `out_len`
/// bytes out: what came out.
fn call(
    s: &Session,
    cmd: u32,
    policy: (u32, u32),
    input: &[u8],
    out_len: usize,
) -> Result<Vec<u8>, u32> {
    let mut out = vec![0u8; out_len];
    let mut p = [
        Param::ValueIn {
            a: policy.0,
            b: policy.1,
        },
        Param::TempIn { buf: input },
        Param::TempOut {
            buf: &mut out,
            size: out_len,
        },
    ];
    s.invoke(cmd, &mut p).map_err(|e| e.code)?;
    Ok(out)
}

/// A key from the Rust SDK (`policy` 3: `derive_ta_unique_key`).
pub(crate) fn rust_key(
    s: &Session,
    policy: u32,
    floor: u32,
    extra: &[u8],
    len: usize,
) -> Result<Vec<u8>, u32> {
    call(s, 5, (policy, floor), extra, len)
}

#[test]
fn the_same_ta_gets_the_same_key_and_another_ta_another() {
    let w = World::start();
    let a = SealTa::open(&w, SEAL);
    let k = a.unique(b"extra", 32).unwrap();
    assert_ne!(k, vec![0u8; 32]);
    // Again, in another session: the same key.
    assert_eq!(SealTa::open(&w, SEAL).unique(b"extra", 32).unwrap(), k);
    // A shorter key is a prefix (HKDF); other extra data another key.
    assert_eq!(a.unique(b"extra", 16).unwrap(), k[..16]);
    assert_ne!(a.unique(b"extrb", 32).unwrap(), k);
    assert_ne!(a.unique(b"", 32).unwrap(), k);
    // The same source under another UUID: another key, every policy.
    let b = SealTa::open(&w, SEAL_PEER);
    assert_ne!(b.unique(b"extra", 32).unwrap(), k);
    for policy in [UNIQUE, VERSION, SIGNER] {
        assert_ne!(
            a.key(policy, 0, b"x").unwrap(),
            b.key(policy, 0, b"x").unwrap(),
            "policy {policy}"
        );
    }
    // A Rust TA through the SDK: its own key, and the SDK's two commands
    // agree with each other.
    let r = w
        .ctx()
        .open_session(uuid(RUST_INTERNAL), Login::Public, &mut [])
        .unwrap()
        .0;
    let rk = rust_key(&r, 3, 0, b"extra", 32).unwrap();
    assert_ne!(rk, k);
    assert_eq!(rust_key(&r, UNIQUE, 0, b"extra", 32).unwrap(), rk);
    assert_eq!(rust_key(&r, 3, 0, b"extra", 32).unwrap(), rk);
    assert_ne!(rust_key(&r, VERSION, 0, b"extra", 32).unwrap(), rk);
    assert_eq!(rust_key(&r, 3, 0, b"", 15), Err(BAD_PARAMETERS));
}

#[test]
fn policies_differ_and_follow_their_rules() {
    let w = World::start();
    let a = SealTa::open(&w, SEAL);
    // The unique policy is OP-TEE's unique key.
    let unique = a.key(UNIQUE, 0, b"e").unwrap();
    assert_eq!(unique, a.unique(b"e", 32).unwrap());
    let version = a.key(VERSION, 0, b"e").unwrap();
    let signer = a.key(SIGNER, 0, b"e").unwrap();
    assert_ne!(version, unique);
    assert_ne!(signer, unique);
    assert_ne!(signer, version);
    assert_eq!(a.key(VERSION, 0, b"e").unwrap(), version);
    // The test TAs are signed with ta_version 0: a floor above it is
    // refused; the version policy takes no floor; unknown policies.
    assert_eq!(a.key(SIGNER, 1, b"e"), Err(ACCESS_DENIED));
    assert_eq!(a.key(VERSION, 1, b"e"), Err(BAD_PARAMETERS));
    assert_eq!(a.key(7, 0, b"e"), Err(BAD_PARAMETERS));
}

#[test]
fn bad_sizes_are_refused() {
    let w = World::start();
    let a = SealTa::open(&w, SEAL);
    for len in [0, 1, 15, 33, 64] {
        assert_eq!(a.unique(b"", len), Err(BAD_PARAMETERS), "key of {len}");
    }
    for len in [16, 24, 32] {
        assert_eq!(a.unique(b"", len).unwrap().len(), len);
    }
    assert!(a.unique(&[1u8; 1024], 32).is_ok());
    assert_eq!(a.unique(&[1u8; 1025], 32), Err(BAD_PARAMETERS));
}

#[test]
fn a_client_cannot_open_the_system_pta_and_a_ta_can() {
    let w = World::start();
    let ctx = w.ctx();
    // Refused by the PTA itself, as OP-TEE's: origin TRUSTED_APP.
    for login in [Login::Public, Login::User] {
        let Err(e) = ctx.open_session(uuid(SYSTEM_PTA), login, &mut []) else {
            panic!("a client opened the system PTA");
        };
        assert_eq!((e.code, e.origin), (ACCESS_DENIED, ORIGIN_TRUSTED_APP));
    }
    let a = SealTa::open(&w, SEAL);
    let mut p = [Param::ValueOut { a: 9, b: 9 }];
    a.0.invoke(5, &mut p).unwrap();
    assert!(matches!(p[0], Param::ValueOut { a: 0, .. }), "{:?}", p[0]);
    // Entropy is taken.
    let mut p = [Param::TempIn { buf: &[0x42; 64] }];
    a.0.invoke(2, &mut p).unwrap();
}

#[test]
fn sealed_data_opens_in_the_same_ta_only() {
    let w = World::start();
    let a = SealTa::open(&w, SEAL);
    let data = b"the secret recipe".to_vec();
    for policy in [UNIQUE, VERSION, SIGNER] {
        let blob = a.seal(policy, 0, &data).unwrap();
        assert!(!blob.windows(data.len()).any(|w| w == data));
        assert_eq!(a.unseal(policy, 0, &blob).unwrap(), data);
        // Another policy's key does not open it.
        let other = (policy + 1) % 3;
        assert_eq!(a.unseal(other, 0, &blob), Err(MAC_INVALID));
        // Nor another TA's.
        let b = SealTa::open(&w, SEAL_PEER);
        assert_eq!(b.unseal(policy, 0, &blob), Err(MAC_INVALID));
        // A flipped bit does not open.
        let mut bad = blob.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert_eq!(a.unseal(policy, 0, &bad), Err(MAC_INVALID));
    }
}

/// Attestation on both tiers: a TA gets a PSA token about itself from
/// the attestation PTA; it verifies with the key a client reads from the
/// same PTA, answers the challenge and measures that TA (its version
/// and signer, the caller a TA); a changed token does not verify. (The
/// host tier's `attest.rs` checks tokens with pycose too.)
#[test]
fn a_ta_gets_a_psa_token_about_itself() {
    use oxtee_core::attestation::verify_psa_token;
    const ATTESTATION: &str = "39800861-182a-4720-9b67-2bcd622bc0b5";
    let w = World::start();
    let a = SealTa::open(&w, SEAL);
    let challenge = [0x44u8; 32];
    let token = a.token(&challenge).unwrap();
    let (s, _) = w
        .ctx()
        .open_session(uuid(ATTESTATION), Login::Public, &mut [])
        .unwrap();
    let mut key = [0u8; 65];
    let mut p = [Param::TempOut {
        buf: &mut key,
        size: 65,
    }];
    s.invoke(0x6f78_0002, &mut p).unwrap();
    let _ = p;
    let claims = verify_psa_token(&key, &token).unwrap();
    assert_eq!(claims.nonce, challenge);
    assert_eq!(claims.client_id, 1, "a TA asked");
    let ta = claims
        .components
        .iter()
        .find(|c| c.measurement_type == format!("TA:{SEAL}"))
        .expect("the TA is measured");
    assert_eq!(ta.version, "0");
    assert!(ta.signer_id.is_some());
    assert!(
        claims
            .components
            .iter()
            .any(|c| c.measurement_type == "oxtee-core" && c.value != [0; 32])
    );
    let mut bad = token.clone();
    let at = bad.len() / 2;
    bad[at] ^= 1;
    assert!(verify_psa_token(&key, &bad).is_err());
    // A short challenge is refused.
    assert_eq!(a.token(&[1; 16]), Err(BAD_PARAMETERS));
}
