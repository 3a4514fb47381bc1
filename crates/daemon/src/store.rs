//! The TA store: finds `<uuid>.ta` in the TA directory, verifies it in
//! memory and keeps the verified ELF in a fully sealed memfd. The memfd is
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
    /// Sealed memfd holding exactly the verified ELF.
    pub exec: OwnedFd,
    stamp: (u64, u64, u64, i64, i64),
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
    /// also pass `gate` (its UUID and signed `ta_version`: rollback
    /// protection) before it is used.
    pub fn load(
        &self,
        uuid: Uuid,
        gate: &dyn Fn(&Uuid, u32) -> Result<(), String>,
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
        if let Err(why) = gate(&uuid, loaded.ta_version) {
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
        tracing::info!(%uuid, version = img.ta_version, flags = props.flags, "verified TA image");
        Ok(LoadedTa {
            props,
            ta_version: img.ta_version,
            exec,
            stamp,
        })
    }
}
