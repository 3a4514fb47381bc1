//! Property values as a TA holds them in its memory (the TrustZone tier's
//! property system calls): `USER_TA_PROP_TYPE_*`, and each type's bytes.
//! One definition for the secure kernel that writes them and the TA
//! runtime that reads them.

use crate::{Identity, PropValue, Uuid};
use alloc::string::String;
use alloc::vec::Vec;

/// `USER_TA_PROP_TYPE_*` (OP-TEE's user_ta_header.h).
pub mod prop_type {
    pub const BOOL: u32 = 0;
    pub const U32: u32 = 1;
    pub const UUID: u32 = 2;
    pub const IDENTITY: u32 = 3;
    pub const STRING: u32 = 4;
    pub const BINARY_BLOCK: u32 = 5;
    pub const U64: u32 = 6;
}

/// A `TEE_UUID` as it lies in a TA's memory (little-endian fields).
pub fn tee_uuid(u: &Uuid) -> [u8; 16] {
    let (tl, tm, th, seq) = u.fields();
    let mut o = [0u8; 16];
    o[..4].copy_from_slice(&tl.to_le_bytes());
    o[4..6].copy_from_slice(&tm.to_le_bytes());
    o[6..8].copy_from_slice(&th.to_le_bytes());
    o[8..].copy_from_slice(&seq);
    o
}

/// The inverse of [`tee_uuid`] (`o` holds at least 16 bytes).
pub fn from_tee_uuid(o: &[u8]) -> Uuid {
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&o[8..16]);
    Uuid::from_fields(
        u32::from_le_bytes([o[0], o[1], o[2], o[3]]),
        u16::from_le_bytes([o[4], o[5]]),
        u16::from_le_bytes([o[6], o[7]]),
        seq,
    )
}

/// A value's type and bytes as the TA gets them (a string with its NUL).
pub fn encode(v: &PropValue) -> (u32, Vec<u8>) {
    match v {
        PropValue::Bool(b) => (prop_type::BOOL, alloc::vec![u8::from(*b)]),
        PropValue::U32(n) => (prop_type::U32, n.to_le_bytes().to_vec()),
        PropValue::U64(n) => (prop_type::U64, n.to_le_bytes().to_vec()),
        PropValue::Uuid(u) => (prop_type::UUID, tee_uuid(u).to_vec()),
        PropValue::Identity(i) => {
            let mut b = i.login.to_le_bytes().to_vec();
            b.extend_from_slice(&tee_uuid(&i.uuid));
            (prop_type::IDENTITY, b)
        }
        PropValue::String(t) => {
            let mut b = t.as_bytes().to_vec();
            b.push(0);
            (prop_type::STRING, b)
        }
        PropValue::Binary(b) => (prop_type::BINARY_BLOCK, b.clone()),
    }
}

/// The inverse of [`encode`]: None for an unknown type or bytes of the
/// wrong size (a string ends at its first NUL, if any).
pub fn decode(kind: u32, v: &[u8]) -> Option<PropValue> {
    Some(match (kind, v.len()) {
        (prop_type::BOOL, 1) => PropValue::Bool(v[0] != 0),
        (prop_type::U32, 4) => PropValue::U32(u32::from_le_bytes([v[0], v[1], v[2], v[3]])),
        (prop_type::U64, 8) => {
            let mut w = [0u8; 8];
            w.copy_from_slice(v);
            PropValue::U64(u64::from_le_bytes(w))
        }
        (prop_type::UUID, 16) => PropValue::Uuid(from_tee_uuid(v)),
        (prop_type::IDENTITY, 20) => PropValue::Identity(Identity {
            login: u32::from_le_bytes([v[0], v[1], v[2], v[3]]),
            uuid: from_tee_uuid(&v[4..]),
        }),
        (prop_type::STRING, _) => {
            let end = v.iter().position(|&c| c == 0).unwrap_or(v.len());
            PropValue::String(String::from_utf8_lossy(&v[..end]).into())
        }
        (prop_type::BINARY_BLOCK, _) => PropValue::Binary(v.to_vec()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_the_ta_layout() {
        let u = Uuid::from_fields(0x0102_0304, 0x0506, 0x0708, [9, 10, 11, 12, 13, 14, 15, 16]);
        assert_eq!(&tee_uuid(&u)[..8], &[4, 3, 2, 1, 6, 5, 8, 7]);
        for v in [
            PropValue::Bool(true),
            PropValue::U32(7),
            PropValue::U64(1 << 40),
            PropValue::Uuid(u),
            PropValue::Identity(Identity {
                login: 0xF000_0000,
                uuid: u,
            }),
            PropValue::String("text".into()),
            PropValue::Binary(alloc::vec![0, 1, 2]),
        ] {
            let (k, b) = encode(&v);
            assert_eq!(decode(k, &b), Some(v));
        }
        assert_eq!(decode(prop_type::U32, &[1, 2]), None);
        assert_eq!(decode(99, &[]), None);
    }
}
