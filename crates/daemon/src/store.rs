//! The TA store: finds `<uuid>.ta` in the TA directory, verifies it in
//! memory (signed by a trusted key, or through OP-TEE subkeys that start
//! at one: `oxtee_core::image`) and keeps the verified ELF in a fully sealed memfd. The memfd is
//! what gets executed, so the bytes run are the bytes verified; the file
//! is never read again for that instance.
//!
//! (Reading the file is the normal-world supplicant's job in the design;
//! here the daemon does it itself, and trusts nothing it reads.)

use crate::LockExt;
use oxtee_core::codes::*;
use oxtee_core::{head, image};
use oxtee_proto::{TaProps, Uuid};
use rsa::RsaPublicKey;
use std::collections::HashMap;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A verified TA, ready to run.
#[derive(Debug)]
pub struct LoadedTa {
    pub props: TaProps,
    pub ta_version: u32,
    /// The subkeys it was verified through (UUID, subkey_version), root
    /// end first; empty for a TA signed by a root key.
    pub subkeys: Vec<(Uuid, u32)>,
    /// Sealed memfd holding exactly the verified ELF.
    pub exec: OwnedFd,
    stamp: (u64, u64, u64, i64, i64),
}

/// What a rollback record is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    /// A TA's signed `ta_version`.
    Ta,
    /// The `subkey_version` of a subkey a TA was verified through.
    Subkey,
}

pub struct Store {
    dir: PathBuf,
    keys: Vec<RsaPublicKey>,
    cache: Mutex<HashMap<Uuid, Arc<LoadedTa>>>,
}

impl Store {
    pub fn new(dir: PathBuf, keys: Vec<RsaPublicKey>) -> Store {
        Store {
            dir,
            keys,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Load (or reuse) the TA with `uuid`. A newly verified image must
    /// also pass `gate` (rollback protection) before it is used: for each
    /// subkey it was verified through, its UUID and `subkey_version`, then
    /// its own UUID and signed `ta_version`.
    pub fn load(
        &self,
        uuid: Uuid,
        gate: &dyn Fn(Versioned, &Uuid, u32) -> Result<(), String>,
    ) -> Result<Arc<LoadedTa>, TeeError> {
        if uuid.0 == crate::trusted_storage::CORE_UUID {
            // The core's own namespace in the store: never a TA.
            return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
        }
        let path = self.dir.join(format!("{uuid}.ta"));
        let md = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                tracing::info!(%uuid, "no such TA: cannot read {} ({e})", path.display());
                return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
            }
        };
        let stamp = (md.dev(), md.ino(), md.size(), md.mtime(), md.mtime_nsec());
        if let Some(t) = self.cache.locked().get(&uuid) {
            if t.stamp == stamp {
                return Ok(t.clone());
            }
        }
        let bytes = std::fs::read(&path).map_err(|_| TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND))?;
        let loaded = Arc::new(self.verify(uuid, &bytes, stamp)?);
        for (sk, v) in &loaded.subkeys {
            if let Err(why) = gate(Versioned::Subkey, sk, *v) {
                tracing::warn!(%uuid, subkey = %sk, subkey_version = v, "rejected TA image: its subkey: {why}");
                return Err(TeeError::tee(TEE_ERROR_SECURITY));
            }
        }
        if let Err(why) = gate(Versioned::Ta, &uuid, loaded.ta_version) {
            tracing::warn!(%uuid, version = loaded.ta_version, "rejected TA image: {why}");
            return Err(TeeError::tee(TEE_ERROR_SECURITY));
        }
        self.cache.locked().insert(uuid, loaded.clone());
        Ok(loaded)
    }

    fn verify(
        &self,
        uuid: Uuid,
        bytes: &[u8],
        stamp: (u64, u64, u64, i64, i64),
    ) -> Result<LoadedTa, TeeError> {
        let security = TeeError::tee(TEE_ERROR_SECURITY);
        let img = image::verify(bytes, &self.keys).map_err(|e| {
            tracing::warn!(%uuid, "rejected TA image: {e}");
            security
        })?;
        if img.uuid != uuid {
            tracing::warn!(%uuid, signed = %img.uuid, "rejected TA image: signed for another UUID");
            return Err(security);
        }
        let props = head::read(img.elf).map_err(|e| {
            tracing::warn!(%uuid, "rejected TA image: {e}");
            security
        })?;
        if props.uuid != uuid {
            tracing::warn!(%uuid, head = %props.uuid, "rejected TA image: its header names another UUID");
            return Err(security);
        }
        let exec = oxtee_sys::memfd(&format!("ta-{uuid}"), 0, false)
            .map_err(|_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
        oxtee_sys::write_all_at(exec.as_fd(), img.elf)
            .map_err(|_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
        oxtee_sys::seal_all(exec.as_fd()).map_err(|_| TeeError::tee(TEE_ERROR_GENERIC))?;
        oxtee_sys::make_exec_only(exec.as_fd()).map_err(|_| TeeError::tee(TEE_ERROR_GENERIC))?;
        let subkeys: Vec<(Uuid, u32)> = img
            .subkeys
            .iter()
            .map(|sk| (sk.uuid, sk.subkey_version))
            .collect();
        if subkeys.is_empty() {
            tracing::info!(%uuid, version = img.ta_version, flags = props.flags, "verified TA image");
        } else {
            let chain: Vec<String> = subkeys.iter().map(|(u, _)| u.to_string()).collect();
            tracing::info!(%uuid, version = img.ta_version, flags = props.flags,
                subkeys = %chain.join(" > "), "verified TA image through subkeys");
        }
        Ok(LoadedTa {
            props,
            ta_version: img.ta_version,
            subkeys,
            exec,
            stamp,
        })
    }
}
