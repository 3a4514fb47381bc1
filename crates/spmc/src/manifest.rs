//! Partition manifests: what FF-A's partition manifest says of a secure
//! partition, in TOML:
//!
//! ```toml
//! id = 0x8002                       # FF-A endpoint ID (bit 15: secure)
//! name = "storage"
//! uuids = ["6f787465-0000-4000-8000-73746f726167"]  # services it offers
//! memory = 16777216                 # bytes of secure memory it may use
//! peers = [0x8001]                  # who it may send direct requests and memory to
//! ```

use serde::Deserialize;

/// One partition's manifest.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: u16,
    pub name: String,
    #[serde(default)]
    pub uuids: Vec<String>,
    pub memory: u64,
    #[serde(default)]
    pub peers: Vec<u16>,
}

/// What is wrong with a manifest or a set of them.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("manifest: {0}")]
    Parse(String),
    #[error("partition {id:#06x}: a secure partition's ID has bit 15 set")]
    NotSecure { id: u16 },
    #[error("partition {id:#06x}: a name of 1 to 64 letters, digits, '-' or '_' is needed")]
    Name { id: u16 },
    #[error("partition {id:#06x}: {uuid:?} is not a UUID")]
    Uuid { id: u16, uuid: String },
    #[error("partition {id:#06x}: memory must be 4 KiB to 4 GiB")]
    Memory { id: u16 },
    #[error("two partitions have the ID {id:#06x}")]
    DuplicateId { id: u16 },
    #[error("two partitions serve {uuid}")]
    DuplicateUuid { uuid: String },
    #[error("partition {id:#06x}: peer {peer:#06x} is not declared (or is itself)")]
    Peer { id: u16, peer: u16 },
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl Manifest {
    /// Parse and check one manifest.
    pub fn parse(text: &str) -> Result<Manifest, Error> {
        let m: Manifest = toml::from_str(text).map_err(|e| Error::Parse(e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    /// Check what one manifest can say of itself.
    pub fn check(&self) -> Result<(), Error> {
        let id = self.id;
        if id & 0x8000 == 0 {
            return Err(Error::NotSecure { id });
        }
        if self.name.is_empty()
            || self.name.len() > 64
            || !self
                .name
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        {
            return Err(Error::Name { id });
        }
        if let Some(u) = self.uuids.iter().find(|u| !is_uuid(u)) {
            return Err(Error::Uuid {
                id,
                uuid: u.clone(),
            });
        }
        if !(4096..=1 << 32).contains(&self.memory) {
            return Err(Error::Memory { id });
        }
        Ok(())
    }
}

/// Check a set of manifests together: each on its own, IDs and UUIDs
/// unique, every peer declared and none a partition's own ID.
pub fn check_set(set: &[Manifest]) -> Result<(), Error> {
    for (i, m) in set.iter().enumerate() {
        m.check()?;
        if set[..i].iter().any(|o| o.id == m.id) {
            return Err(Error::DuplicateId { id: m.id });
        }
        for u in &m.uuids {
            let twice = set[..i]
                .iter()
                .chain(std::iter::once(m))
                .flat_map(|o| &o.uuids)
                .filter(|o| o.eq_ignore_ascii_case(u))
                .count();
            if twice > 1 {
                return Err(Error::DuplicateUuid { uuid: u.clone() });
            }
        }
    }
    for m in set {
        if let Some(&peer) = m
            .peers
            .iter()
            .find(|p| **p == m.id || !set.iter().any(|o| o.id == **p))
        {
            return Err(Error::Peer { id: m.id, peer });
        }
    }
    Ok(())
}
