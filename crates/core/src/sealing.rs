//! Keys bound to a TA's identity, derived from the hardware-unique key
//! (HUK): what a TA seals its data with.
//!
//! Every key is `HKDF-SHA256(salt = "oxtee-sealing-v1", IKM = HUK,
//! info = label || identity || extra data)`, as long as the TA asks (16
//! to 32 bytes), so it never leaves the secure world unless the TA
//! exports it, and it differs for every device, TA and identity below.
//! The HUK's other uses (storage keys) take another salt.
//!
//! Three bindings:
//!
//! * [`Binding::Unique`]: OP-TEE's `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`: the
//!   TA's UUID and its extra data. Any TA image signed for that UUID gets
//!   the same key.
//! * [`Binding::Version`]: the UUID, the signed `ta_version` and the
//!   signer: a new version (or an image of the same version signed by
//!   another key) gets another key, as SGX's MRENCLAVE policy.
//! * [`Binding::Signer`]: the UUID, the signer (the key that signed the
//!   TA: the last subkey of its chain, or the root key) and a version
//!   floor no higher than the TA's own `ta_version`: version N+1 derives
//!   the keys of every floor up to N+1, version N cannot derive the key
//!   of floor N+1 (SGX's MRSIGNER policy with its ISVSVN). Data sealed
//!   with floor N by version N opens in version N+1.

use hkdf::Hkdf;
use oxtee_gp::{TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS};
use sha2::Sha256;

pub use oxtee_gp::pta_system::{EXTRA_MAX, KEY_MAX, KEY_MIN};

const SALT: &[u8] = b"oxtee-sealing-v1";

/// Who a TA is, as its verified image says: what keys are bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaIdentity {
    /// Its UUID (RFC 4122 byte order).
    pub uuid: [u8; 16],
    /// The `ta_version` of its signed header.
    pub ta_version: u32,
    /// The key id ([`crate::image::key_id`]) of the key that signed it.
    pub signer: [u8; 32],
}

/// What a key is bound to (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    Unique,
    Version,
    /// The signer, with this version floor.
    Signer(u32),
}

/// Derive the key of `binding` for `ta` with `extra` into `out` (its
/// length is the key's). BAD_PARAMETERS for a key shorter than
/// [`KEY_MIN`] or longer than [`KEY_MAX`] or extra data longer than
/// [`EXTRA_MAX`]; ACCESS_DENIED for a signer floor above the TA's own
/// version. `out` is untouched on error.
pub fn derive(
    huk: &[u8; 32],
    ta: &TaIdentity,
    binding: Binding,
    extra: &[u8],
    out: &mut [u8],
) -> Result<(), u32> {
    if !(KEY_MIN..=KEY_MAX).contains(&out.len()) || extra.len() > EXTRA_MAX {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    let (label, version, signer): (&[u8], Option<u32>, Option<&[u8; 32]>) = match binding {
        Binding::Unique => (b"ta-unique", None, None),
        Binding::Version => (b"ta-version", Some(ta.ta_version), Some(&ta.signer)),
        Binding::Signer(floor) => {
            if floor > ta.ta_version {
                return Err(TEE_ERROR_ACCESS_DENIED);
            }
            (b"ta-signer", Some(floor), Some(&ta.signer))
        }
    };
    let hk = Hkdf::<Sha256>::new(Some(SALT), huk);
    // Every field but the last has a fixed length (the label ends with
    // its NUL), so no two identities give the same info.
    let version = version.map(u32::to_be_bytes);
    let info: [&[u8]; 6] = [
        label,
        b"\0",
        &ta.uuid,
        version.as_ref().map_or(&[][..], |v| &v[..]),
        signer.map_or(&[][..], |s| &s[..]),
        extra,
    ];
    hk.expand_multi_info(&info, out)
        .map_err(|_| TEE_ERROR_BAD_PARAMETERS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUK: [u8; 32] = [0x5a; 32];
    const TA: TaIdentity = TaIdentity {
        uuid: [1; 16],
        ta_version: 3,
        signer: [9; 32],
    };

    fn key(huk: &[u8; 32], ta: &TaIdentity, b: Binding, extra: &[u8]) -> [u8; 32] {
        let mut k = [0; 32];
        derive(huk, ta, b, extra, &mut k).unwrap();
        k
    }

    #[test]
    fn keys_depend_on_every_input_they_are_bound_to() {
        let base = key(&HUK, &TA, Binding::Unique, b"x");
        assert_eq!(base, key(&HUK, &TA, Binding::Unique, b"x"));
        assert_ne!(base, key(&[0x5b; 32], &TA, Binding::Unique, b"x"));
        assert_ne!(base, key(&HUK, &TA, Binding::Unique, b"y"));
        assert_ne!(base, key(&HUK, &TA, Binding::Unique, b""));
        let other = TaIdentity {
            uuid: [2; 16],
            ..TA
        };
        assert_ne!(base, key(&HUK, &other, Binding::Unique, b"x"));
        // The unique key ignores version and signer.
        let newer = TaIdentity {
            ta_version: 4,
            signer: [8; 32],
            ..TA
        };
        assert_eq!(base, key(&HUK, &newer, Binding::Unique, b"x"));
        // The version binding does not.
        let v = key(&HUK, &TA, Binding::Version, b"x");
        assert_ne!(v, base);
        assert_ne!(
            v,
            key(
                &HUK,
                &TaIdentity {
                    ta_version: 4,
                    ..TA
                },
                Binding::Version,
                b"x"
            )
        );
        assert_ne!(
            v,
            key(
                &HUK,
                &TaIdentity {
                    signer: [8; 32],
                    ..TA
                },
                Binding::Version,
                b"x"
            )
        );
        // The signer binding follows the floor, not the version.
        let s = key(&HUK, &TA, Binding::Signer(3), b"x");
        assert_ne!(s, v);
        let v4 = TaIdentity {
            ta_version: 4,
            ..TA
        };
        assert_eq!(s, key(&HUK, &v4, Binding::Signer(3), b"x"));
        assert_ne!(s, key(&HUK, &v4, Binding::Signer(4), b"x"));
        assert_ne!(
            s,
            key(
                &HUK,
                &TaIdentity {
                    signer: [8; 32],
                    ..v4
                },
                Binding::Signer(3),
                b"x"
            )
        );
    }

    #[test]
    fn a_shorter_key_is_a_prefix_and_bounds_are_enforced() {
        let long = key(&HUK, &TA, Binding::Unique, b"");
        let mut short = [0u8; 16];
        derive(&HUK, &TA, Binding::Unique, b"", &mut short).unwrap();
        assert_eq!(short, long[..16]);
        let mut out = [7u8; 33];
        let bad = Err(TEE_ERROR_BAD_PARAMETERS);
        assert_eq!(derive(&HUK, &TA, Binding::Unique, b"", &mut out), bad);
        assert_eq!(derive(&HUK, &TA, Binding::Unique, b"", &mut out[..15]), bad);
        let extra = [0u8; EXTRA_MAX + 1];
        assert_eq!(
            derive(&HUK, &TA, Binding::Unique, &extra, &mut out[..32]),
            bad
        );
        assert!(
            derive(
                &HUK,
                &TA,
                Binding::Unique,
                &extra[..EXTRA_MAX],
                &mut out[..32]
            )
            .is_ok()
        );
        // A floor above the TA's own version is refused, nothing written.
        let mut k = [7u8; 32];
        assert_eq!(
            derive(&HUK, &TA, Binding::Signer(4), b"", &mut k),
            Err(TEE_ERROR_ACCESS_DENIED)
        );
        assert_eq!(k, [7u8; 32]);
    }
}
