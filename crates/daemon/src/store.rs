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
use oxtee_core::{head, image, shlib};
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
    /// The key id (`oxtee_core::image::key_id`) of the key that signed it.
    pub signer: [u8; 32],
    /// The digest its signed header carries (SHA-256 over the header,
    /// the bootstrap header and the ELF).
    pub digest: [u8; 32],
    /// SHA-256 of the ELF alone: the code the TA's process maps.
    pub elf_digest: [u8; 32],
    /// The subkeys it was verified through (UUID, subkey_version), root
    /// end first; empty for a TA signed by a root key.
    pub subkeys: Vec<(Uuid, u32)>,
    /// Sealed memfd holding exactly the verified ELF.
    pub exec: OwnedFd,
    /// The library TAs it may use, dependencies first, each with whether
    /// it is linked (else only `dlopen`able); see `oxtee_core::shlib`.
    pub libs: Vec<(Arc<LoadedLib>, bool)>,
    stamp: Stamp,
}

impl LoadedTa {
    /// What an instance of it holds in secure memory for the budget
    /// (`crate::budget`): its code (the ELF, and the library TAs it
    /// links), its heap and its stack.
    pub fn secure_footprint(&self) -> u64 {
        let size = |fd: &OwnedFd| {
            nix::sys::stat::fstat(std::os::fd::AsRawFd::as_raw_fd(fd))
                .map_or(0, |st| st.st_size.max(0) as u64)
        };
        let libs: u64 = self.libs.iter().map(|(l, _)| size(&l.exec)).sum();
        size(&self.exec) + libs + u64::from(self.props.data_size) + u64::from(self.props.stack_size)
    }

    /// Its verified image, as attestation reports it.
    pub fn image(&self) -> oxtee_core::pta::attestation::TaImage {
        oxtee_core::pta::attestation::TaImage {
            identity: self.identity(),
            digest: self.digest,
        }
    }

    /// Who it is, for what keys are bound to (`oxtee_core::sealing`).
    pub fn identity(&self) -> oxtee_core::sealing::TaIdentity {
        oxtee_core::sealing::TaIdentity {
            uuid: self.props.uuid.0,
            ta_version: self.ta_version,
            signer: self.signer,
        }
    }
}

/// A verified library TA (OP-TEE's shared-library TA).
#[derive(Debug)]
pub struct LoadedLib {
    pub uuid: Uuid,
    /// The library TAs it needs (its DT_NEEDED).
    pub needed: Vec<Uuid>,
    /// Sealed memfd holding exactly the verified ELF, `size` bytes.
    pub exec: OwnedFd,
    pub size: u64,
    stamp: Stamp,
}

type Stamp = (u64, u64, u64, i64, i64);

/// What `verify_image` checked: the ELF and its signature's facts.
struct Verified {
    elf: Vec<u8>,
    ta_version: u32,
    signer: [u8; 32],
    digest: [u8; 32],
    subkeys: Vec<(Uuid, u32)>,
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
    libs: Mutex<HashMap<Uuid, Arc<LoadedLib>>>,
}

type Gate<'a> = &'a dyn Fn(Versioned, &Uuid, u32) -> Result<(), String>;

/// The TAs installed into trusted storage (they come before the TA
/// folder's).
pub trait Installed {
    /// The generation of TA `uuid`'s installed image, which changes at
    /// each install (`None`: not installed).
    fn generation(&self, uuid: &Uuid) -> Option<u64>;
    /// Its signed image.
    fn image(&self, uuid: &Uuid) -> Result<Vec<u8>, TeeError>;
}

/// No installed TAs.
pub struct NoneInstalled;

impl Installed for NoneInstalled {
    fn generation(&self, _: &Uuid) -> Option<u64> {
        None
    }
    fn image(&self, _: &Uuid) -> Result<Vec<u8>, TeeError> {
        Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND))
    }
}

impl Store {
    pub fn new(dir: PathBuf, keys: Vec<RsaPublicKey>) -> Store {
        Store {
            dir,
            keys,
            cache: Mutex::new(HashMap::new()),
            libs: Mutex::new(HashMap::new()),
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
        installed: &dyn Installed,
    ) -> Result<Arc<LoadedTa>, TeeError> {
        if uuid.0 == crate::trusted_storage::CORE_UUID {
            // The core's own namespace in the store: never a TA.
            return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
        }
        let path = self.dir.join(format!("{uuid}.ta"));
        // An installed TA comes first; its stamp is its install generation.
        let generation = installed.generation(&uuid);
        let stamp = match generation {
            Some(g) => (u64::MAX, g, 0, 0, 0),
            None => match std::fs::metadata(&path) {
                Ok(m) => stamp_of(&m),
                Err(e) => {
                    tracing::info!(%uuid, "no such TA: cannot read {} ({e})", path.display());
                    return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
                }
            },
        };
        if let Some(t) = self.cache.locked().get(&uuid) {
            // Reused while neither it nor a library it uses changed.
            if t.stamp == stamp && t.libs.iter().all(|(l, _)| self.unchanged(l)) {
                return Ok(t.clone());
            }
        }
        let bytes = match generation {
            Some(_) => installed.image(&uuid)?,
            None => std::fs::read(&path).map_err(|_| TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND))?,
        };
        let v = self.verify_image(uuid, &bytes, gate)?;
        let props = match head::read(&v.elf) {
            Ok(p) => p,
            Err(e) => {
                if shlib::library(&v.elf).is_ok() {
                    tracing::info!(%uuid, "{} is a library TA, not a TA: no sessions to it", path.display());
                    return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
                }
                tracing::warn!(%uuid, "rejected TA image: {e}");
                return Err(TeeError::tee(TEE_ERROR_SECURITY));
            }
        };
        if props.uuid != uuid {
            tracing::warn!(%uuid, head = %props.uuid, "rejected TA image: its header names another UUID");
            return Err(TeeError::tee(TEE_ERROR_SECURITY));
        }
        let (needed, named) = shlib::wants(&v.elf);
        let libs = self.libraries(uuid, &needed, &named, gate)?;
        let exec = sealed(&format!("ta-{uuid}"), &v.elf, true)?;
        if v.subkeys.is_empty() {
            tracing::info!(%uuid, version = v.ta_version, flags = props.flags, "verified TA image");
        } else {
            let chain: Vec<String> = v.subkeys.iter().map(|(u, _)| u.to_string()).collect();
            tracing::info!(%uuid, version = v.ta_version, flags = props.flags,
                subkeys = %chain.join(" > "), "verified TA image through subkeys");
        }
        let loaded = Arc::new(LoadedTa {
            props,
            ta_version: v.ta_version,
            signer: v.signer,
            digest: v.digest,
            elf_digest: sha2::Digest::finalize(sha2::Digest::chain_update(
                <sha2::Sha256 as sha2::Digest>::new(),
                &v.elf,
            ))
            .into(),
            subkeys: v.subkeys,
            exec,
            libs,
            stamp,
        });
        self.cache.locked().insert(uuid, loaded.clone());
        Ok(loaded)
    }

    fn unchanged(&self, l: &LoadedLib) -> bool {
        let path = self.dir.join(format!("{}.ta", l.uuid));
        std::fs::metadata(path).is_ok_and(|md| stamp_of(&md) == l.stamp)
    }

    /// The library TAs `ta` may use, dependencies first: the `needed` ones
    /// (and what they need) must all be there and verify; of the `named`
    /// ones (UUID strings in the TA: what it may dlopen), those that are
    /// library TAs that verify, and what they need.
    fn libraries(
        &self,
        ta: Uuid,
        needed: &[Uuid],
        named: &[Uuid],
        gate: Gate<'_>,
    ) -> Result<Vec<(Arc<LoadedLib>, bool)>, TeeError> {
        let mut out: Vec<(Arc<LoadedLib>, bool)> = Vec::new();
        let mut stack = Vec::new();
        for &u in needed {
            self.visit(ta, u, true, &mut stack, &mut out, gate)?;
        }
        for &u in named {
            if u == ta || out.iter().any(|(l, _)| l.uuid == u) {
                continue;
            }
            let mut part = out.clone();
            // A string that only looks like a library TA's UUID is no
            // error; one that names a library that fails is skipped (and
            // logged), the TA's dlopen of it fails.
            if self
                .visit(ta, u, false, &mut stack, &mut part, gate)
                .is_ok()
            {
                out = part;
            }
            stack.clear();
        }
        Ok(out)
    }

    fn visit(
        &self,
        ta: Uuid,
        u: Uuid,
        linked: bool,
        stack: &mut Vec<Uuid>,
        out: &mut Vec<(Arc<LoadedLib>, bool)>,
        gate: Gate<'_>,
    ) -> Result<(), TeeError> {
        if let Some(e) = out.iter_mut().find(|(l, _)| l.uuid == u) {
            e.1 |= linked;
            return Ok(());
        }
        if stack.contains(&u) {
            // A cycle of libraries: each is loaded once.
            return Ok(());
        }
        if out.len() + stack.len() >= shlib::MAX_LIBRARIES {
            tracing::warn!(%ta, "more than {} library TAs", shlib::MAX_LIBRARIES);
            return Err(TeeError::tee(TEE_ERROR_OUT_OF_MEMORY));
        }
        let lib = match self.load_library(u, gate, linked)? {
            Some(l) => l,
            None if linked => {
                tracing::warn!(%ta, library = %u, "the TA needs library TA {u}, which is not in the TA folder");
                return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND));
            }
            None => return Err(TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND)),
        };
        stack.push(u);
        for &n in &lib.needed {
            self.visit(ta, n, linked, stack, out, gate)?;
        }
        stack.pop();
        out.push((lib, linked));
        Ok(())
    }

    /// Load (or reuse) library TA `uuid`: `None` when there is no such
    /// file or it is not a library TA (quietly unless `must`).
    fn load_library(
        &self,
        uuid: Uuid,
        gate: Gate<'_>,
        must: bool,
    ) -> Result<Option<Arc<LoadedLib>>, TeeError> {
        let path = self.dir.join(format!("{uuid}.ta"));
        let Ok(md) = std::fs::metadata(&path) else {
            return Ok(None);
        };
        let stamp = stamp_of(&md);
        if let Some(l) = self.libs.locked().get(&uuid) {
            if l.stamp == stamp {
                return Ok(Some(l.clone()));
            }
        }
        let bytes = std::fs::read(&path).map_err(|_| TeeError::tee(TEE_ERROR_ITEM_NOT_FOUND))?;
        let v = match self.verify_image(uuid, &bytes, gate) {
            Ok(v) => v,
            Err(e) if must => return Err(e),
            Err(_) => return Ok(None),
        };
        let info = match shlib::library(&v.elf) {
            Ok(i) => i,
            Err(why) => {
                if must {
                    tracing::warn!(%uuid, "not a library TA: {why}");
                    return Err(TeeError::tee(TEE_ERROR_SECURITY));
                }
                return Ok(None);
            }
        };
        if info.uuid != uuid {
            tracing::warn!(%uuid, soname = %info.uuid, "rejected library TA: its DT_SONAME names another UUID");
            return Err(TeeError::tee(TEE_ERROR_SECURITY));
        }
        let exec = sealed(&format!("lib-{uuid}"), &v.elf, false)?;
        tracing::info!(%uuid, version = v.ta_version, "verified library TA");
        let lib = Arc::new(LoadedLib {
            uuid,
            needed: info.needed,
            exec,
            size: v.elf.len() as u64,
            stamp,
        });
        self.libs.locked().insert(uuid, lib.clone());
        Ok(Some(lib))
    }

    /// Check an image offered for installation as loading will: signed
    /// by a trusted key (through its subkeys), its versions through
    /// `gate`, a TA (not a library) whose header names the UUID it is
    /// signed for. Its UUID and `ta_version`.
    pub fn check_install(&self, bytes: &[u8], gate: Gate<'_>) -> Result<(Uuid, u32), TeeError> {
        let security = TeeError::tee(TEE_ERROR_SECURITY);
        let uuid = image::parse(bytes).map_err(|_| security)?.uuid;
        let v = self.verify_image(uuid, bytes, gate)?;
        match head::read(&v.elf) {
            Ok(p) if p.uuid == uuid => Ok((uuid, v.ta_version)),
            _ => Err(security),
        }
    }

    /// Verify a signed image (TA or library TA) for `uuid`, and pass its
    /// versions through `gate` (rollback protection): each subkey it was
    /// verified through, then the image's own signed version.
    fn verify_image(&self, uuid: Uuid, bytes: &[u8], gate: Gate<'_>) -> Result<Verified, TeeError> {
        let security = TeeError::tee(TEE_ERROR_SECURITY);
        let img = image::verify(bytes, &self.keys).map_err(|e| {
            tracing::warn!(%uuid, "rejected TA image: {e}");
            security
        })?;
        if img.uuid != uuid {
            tracing::warn!(%uuid, signed = %img.uuid, "rejected TA image: signed for another UUID");
            return Err(security);
        }
        let subkeys: Vec<(Uuid, u32)> = img
            .subkeys
            .iter()
            .map(|sk| (sk.uuid, sk.subkey_version))
            .collect();
        for (sk, v) in &subkeys {
            if let Err(why) = gate(Versioned::Subkey, sk, *v) {
                tracing::warn!(%uuid, subkey = %sk, subkey_version = v, "rejected TA image: its subkey: {why}");
                return Err(security);
            }
        }
        if let Err(why) = gate(Versioned::Ta, &uuid, img.ta_version) {
            tracing::warn!(%uuid, version = img.ta_version, "rejected TA image: {why}");
            return Err(security);
        }
        // `verify` knows the signer of an image it accepted.
        let signer = img.signer.ok_or(security)?;
        let digest = img.hash.try_into().map_err(|_| security)?;
        Ok(Verified {
            elf: img.elf.to_vec(),
            ta_version: img.ta_version,
            signer,
            digest,
            subkeys,
        })
    }
}

fn stamp_of(md: &std::fs::Metadata) -> Stamp {
    (md.dev(), md.ino(), md.size(), md.mtime(), md.mtime_nsec())
}

/// A fully sealed memfd holding `bytes` (execute-only for a TA's image,
/// which is exec'ed; a library's is mapped by the TA process).
fn sealed(name: &str, bytes: &[u8], exec_only: bool) -> Result<OwnedFd, TeeError> {
    let fd =
        oxtee_sys::memfd(name, 0, false).map_err(|_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
    oxtee_sys::write_all_at(fd.as_fd(), bytes)
        .map_err(|_| TeeError::tee(TEE_ERROR_OUT_OF_MEMORY))?;
    oxtee_sys::seal_all(fd.as_fd()).map_err(|_| TeeError::tee(TEE_ERROR_GENERIC))?;
    if exec_only {
        oxtee_sys::make_exec_only(fd.as_fd()).map_err(|_| TeeError::tee(TEE_ERROR_GENERIC))?;
    }
    Ok(fd)
}
