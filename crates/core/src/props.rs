//! The implementation property set (TEE_PROPSET_TEE_IMPLEMENTATION) and
//! the standard TA and client properties, with truthful values.

use crate::codes::*;
use alloc::{format, string::String, string::ToString, vec, vec::Vec};
use oxtee_proto::{Identity, PropValue, Property, TaProps, Uuid};

/// GP TEE Internal Core API version implemented: 1.3.1, encoded as
/// major << 24 | minor << 16 | maintenance << 8.
pub const INTERNAL_CORE_VERSION: u32 = 0x0103_0100;
/// Largest TEE_BigInt size in bits (gpd.tee.arith.maxBigIntSize).
pub const MAX_BIGINT_BITS: u32 = 4096;

/// The device ID (gpd.tee.deviceID): a UUIDv5 over a per-installation
/// seed supplied by the platform (the host's machine id today).
pub fn device_id(seed: &[u8]) -> Uuid {
    // A fixed namespace for oxtee device IDs.
    const NS: [u8; 16] = [
        0x6f, 0x78, 0x74, 0x65, 0x65, 0x2d, 0x4d, 0x65, 0x8a, 0x64, 0x65, 0x76, 0x69, 0x63, 0x65,
        0x31,
    ];
    Uuid(*uuid::Uuid::new_v5(&uuid::Uuid::from_bytes(NS), seed).as_bytes())
}

fn p(name: &str, value: PropValue) -> Property {
    Property {
        name: name.to_string(),
        value,
    }
}

/// What the core states about itself. `device_id` identifies this
/// installation; `version` is the oxtee version string.
pub fn implementation(device_id: Uuid, version: &str) -> Vec<Property> {
    implementation_on(device_id, version, "GlobalPlatform TEE on a Linux host")
}

/// The same, on a platform `platform` describes (gpd.tee.description is
/// `"oxtee <version>: <platform>"`).
pub fn implementation_on(device_id: Uuid, version: &str, platform: &str) -> Vec<Property> {
    let binver = {
        let mut it = version.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
        let (a, b, c) = (
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
            it.next().unwrap_or(0),
        );
        (a << 16) | (b << 8) | c
    };
    vec![
        p("gpd.tee.apiversion", PropValue::String("1.3.1".into())),
        p(
            "gpd.tee.internalCore.version",
            PropValue::U32(INTERNAL_CORE_VERSION),
        ),
        p(
            "gpd.tee.description",
            PropValue::String(format!("oxtee {version}: {platform}")),
        ),
        p("gpd.tee.deviceID", PropValue::Uuid(device_id)),
        // 100: the time source is the REE's (a host clock); 1000 would be a
        // TEE-controlled, REE-unmodifiable source.
        p("gpd.tee.systemTime.protectionLevel", PropValue::U32(100)),
        p(
            "gpd.tee.TAPersistentTime.protectionLevel",
            PropValue::U32(100),
        ),
        p(
            "gpd.tee.arith.maxBigIntSize",
            PropValue::U32(MAX_BIGINT_BITS),
        ),
        p("gpd.tee.cryptography.ecc", PropValue::Bool(false)),
        p("gpd.tee.cryptography.nist", PropValue::Bool(false)),
        p("gpd.tee.cryptography.bsi-r", PropValue::Bool(false)),
        p("gpd.tee.cryptography.bsi-t", PropValue::Bool(false)),
        p("gpd.tee.cryptography.ietf", PropValue::Bool(false)),
        p("gpd.tee.cryptography.octa", PropValue::Bool(false)),
        p("gpd.tee.cryptography.sec", PropValue::Bool(false)),
        // No trusted storage yet: no rollback protection to claim.
        p(
            "gpd.tee.trustedStorage.antiRollback.protectionLevel",
            PropValue::U32(0),
        ),
        p(
            "gpd.tee.trustedStorage.rollbackDetection.protectionLevel",
            PropValue::U32(0),
        ),
        p(
            "gpd.tee.trustedos.implementation.version",
            PropValue::String(version.into()),
        ),
        p(
            "gpd.tee.trustedos.implementation.binaryversion",
            PropValue::U32(binver),
        ),
        p(
            "gpd.tee.trustedos.manufacturer",
            PropValue::String("oxtee".into()),
        ),
        p(
            "gpd.tee.firmware.implementation.version",
            PropValue::String(version.into()),
        ),
        p(
            "gpd.tee.firmware.implementation.binaryversion",
            PropValue::U32(binver),
        ),
        p(
            "gpd.tee.firmware.manufacturer",
            PropValue::String("oxtee".into()),
        ),
    ]
}

/// The standard gpd.ta.* properties of a TA, then its extra properties.
pub fn current_ta(t: &TaProps) -> Vec<Property> {
    let mut v = vec![
        p("gpd.ta.appID", PropValue::Uuid(t.uuid)),
        p(
            "gpd.ta.singleInstance",
            PropValue::Bool(t.flags & TA_FLAG_SINGLE_INSTANCE != 0),
        ),
        p(
            "gpd.ta.multiSession",
            PropValue::Bool(t.flags & TA_FLAG_MULTI_SESSION != 0),
        ),
        p(
            "gpd.ta.instanceKeepAlive",
            PropValue::Bool(t.flags & TA_FLAG_INSTANCE_KEEP_ALIVE != 0),
        ),
        p("gpd.ta.dataSize", PropValue::U32(t.data_size)),
        p("gpd.ta.stackSize", PropValue::U32(t.stack_size)),
        p("gpd.ta.version", PropValue::String(t.version.clone())),
        p(
            "gpd.ta.description",
            PropValue::String(t.description.clone()),
        ),
        p("gpd.ta.endian", PropValue::U32(0)),
        p(
            "gpd.ta.doesNotCloseHandleOnCorruptObject",
            PropValue::Bool(t.flags & (1 << 11) != 0),
        ),
    ];
    v.extend(t.ext.iter().cloned());
    v
}

/// The gpd.client.* properties of a session's client.
pub fn current_client(id: &Identity) -> Vec<Property> {
    vec![
        p("gpd.client.identity", PropValue::Identity(*id)),
        p("gpd.client.endian", PropValue::U32(0)),
    ]
}

/// The current TA's set: the core's (from the verified image), with the
/// TA's own table added (a C TA's `TA_CURRENT_TA_EXT_PROPERTIES`, which it
/// carries in its memory, as on OP-TEE).
pub fn merge(mut ta: Vec<Property>, extra: Vec<Property>) -> Vec<Property> {
    for p in extra {
        // The core's (gpd.* and image) properties win over in-process ones;
        // but a version or description the core's header had no room for
        // (OP-TEE's ta_head) comes from the TA's own table, as on OP-TEE.
        match ta.iter_mut().find(|q| q.name == p.name) {
            Some(q)
                if matches!(p.name.as_str(), "gpd.ta.version" | "gpd.ta.description")
                    && q.value == PropValue::String(String::new()) =>
            {
                q.value = p.value;
            }
            // OP-TEE's ta_head has no heap size either: the table's
            // gpd.ta.dataSize is the heap, within the core's limit.
            Some(q) if p.name == "gpd.ta.dataSize" => {
                if let (PropValue::U32(own), PropValue::U32(limit)) = (&p.value, &q.value)
                    && own < limit
                {
                    q.value = p.value;
                }
            }
            Some(_) => {}
            None => ta.push(p),
        }
    }
    ta
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(name: &str, value: PropValue) -> Property {
        Property {
            name: name.into(),
            value,
        }
    }

    /// The TA's own table fills what OP-TEE's header lacks and may lower
    /// its heap, but cannot raise the heap or override the core's values.
    #[test]
    fn own_table_fills_gaps_within_the_core_limits() {
        let core = || {
            vec![
                prop("gpd.ta.dataSize", PropValue::U32(1 << 20)),
                prop("gpd.ta.version", PropValue::String(String::new())),
                prop("gpd.ta.singleInstance", PropValue::Bool(true)),
            ]
        };
        let get = |v: &[Property], n: &str| v.iter().find(|p| p.name == n).unwrap().value.clone();
        let m = merge(
            core(),
            vec![
                prop("gpd.ta.dataSize", PropValue::U32(4096)),
                prop("gpd.ta.version", PropValue::String("1.2".into())),
                prop("gpd.ta.singleInstance", PropValue::Bool(false)),
                prop("my.prop", PropValue::U32(7)),
            ],
        );
        assert_eq!(get(&m, "gpd.ta.dataSize"), PropValue::U32(4096));
        assert_eq!(get(&m, "gpd.ta.version"), PropValue::String("1.2".into()));
        assert_eq!(get(&m, "gpd.ta.singleInstance"), PropValue::Bool(true));
        assert_eq!(get(&m, "my.prop"), PropValue::U32(7));
        // A larger heap, or one of another type, is ignored.
        for bad in [
            PropValue::U32(u32::MAX),
            PropValue::U64(1),
            PropValue::Bool(true),
        ] {
            let m = merge(core(), vec![prop("gpd.ta.dataSize", bad)]);
            assert_eq!(get(&m, "gpd.ta.dataSize"), PropValue::U32(1 << 20));
        }
    }

    #[test]
    fn text_forms() {
        assert_eq!(PropValue::Bool(true).to_text(), "true");
        assert_eq!(PropValue::U64(u64::MAX).to_text(), "18446744073709551615");
        assert_eq!(PropValue::Binary(b"foobar".to_vec()).to_text(), "Zm9vYmFy");
        assert_eq!(PropValue::Binary(b"fo".to_vec()).to_text(), "Zm8=");
        assert_eq!(PropValue::Binary(b"f".to_vec()).to_text(), "Zg==");
        for v in [&b""[..], b"f", b"fo", b"foo", b"\xff\x00\x80xyz"] {
            assert_eq!(oxtee_proto::unbase64(&oxtee_proto::base64(v)).unwrap(), v);
        }
        assert!(oxtee_proto::unbase64("ab$c").is_none());
        let id = Identity {
            login: 1,
            uuid: Uuid([0x11; 16]),
        };
        assert_eq!(
            PropValue::Identity(id).to_text(),
            "00000001:11111111-1111-1111-1111-111111111111"
        );
    }

    #[test]
    fn standard_sets() {
        let t = TaProps {
            uuid: Uuid([1; 16]),
            flags: TA_FLAG_SINGLE_INSTANCE,
            stack_size: 1,
            data_size: 2,
            version: "v".into(),
            description: "d".into(),
            ext: vec![p("x.y", PropValue::U32(7))],
        };
        let ta = current_ta(&t);
        assert!(ta.contains(&p("gpd.ta.singleInstance", PropValue::Bool(true))));
        assert!(ta.contains(&p("gpd.ta.multiSession", PropValue::Bool(false))));
        assert_eq!(ta.last(), Some(&p("x.y", PropValue::U32(7))));
        let tee = implementation(Uuid([2; 16]), "0.1.0");
        assert!(tee.contains(&p(
            "gpd.tee.internalCore.version",
            PropValue::U32(0x0103_0100)
        )));
        assert!(tee.contains(&p(
            "gpd.tee.trustedos.implementation.binaryversion",
            PropValue::U32(0x100)
        )));
    }
}
