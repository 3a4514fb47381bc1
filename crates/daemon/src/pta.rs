//! The host tier's pseudo-TAs: services of the core that TAs (and, for
//! some, clients) open by UUID like a TA, as on OP-TEE. A PTA runs in the
//! core, not in a TA process; it sees its parameters as copies
//! (`oxtee_core::pta::Param`) made by the core from the caller's memory
//! (a TA's call buffer, a client's staging buffer or shared memory), so
//! it never reads the caller's memory twice, and writes back only the
//! output parameters, after it returns.
//!
//! To add one: implement [`Pta`] (its UUID, who may open it, its
//! commands) and list it in [`Registry::new`]. The logic both tiers share
//! (parameter checks, key derivation, attestation) belongs in
//! `oxtee_core::pta`.
//!
//! Shipped:
//!
//! | PTA | UUID | who | commands |
//! |---|---|---|---|
//! | system ([`SystemPta`]) | 3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc | TAs | ADD_RNG_ENTROPY, DERIVE_TA_UNIQUE_KEY, oxtee's DERIVE_SEALING_KEY |
//! | attestation ([`AttestationPta`]) | 39800861-182a-4720-9b67-2bcd622bc0b5 | clients and TAs | OP-TEE's GET_PUBKEY, GET_TA_SHDR_DIGEST, HASH_TA_MEMORY, HASH_TEE_MEMORY; oxtee's GET_PSA_TOKEN, GET_PSA_PUBKEY |

use oxtee_core::attestation::Keys;
use oxtee_core::codes::*;
use oxtee_core::pta::attestation::{self as att, TaImage};
use oxtee_core::pta::{Param, param_types, system, types};
use oxtee_proto::Uuid;
use std::sync::{Arc, OnceLock};

/// A calling TA, as the core knows it.
#[derive(Clone, Copy, Debug)]
pub struct CallerTa {
    /// Its verified image.
    pub image: TaImage,
    /// The measurement of its code in memory (the verified ELF its
    /// process maps from a sealed memfd).
    pub memory: [u8; 32],
}

/// The TA images the core can verify (for measurements of other TAs).
pub trait TaImages {
    fn ta_image(&self, uuid: Uuid) -> Result<TaImage, u32>;
}

/// Who calls a PTA.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    /// `TEE_LOGIN_*` (`TEE_LOGIN_TRUSTED_APP` for a TA).
    pub login: u32,
    /// The calling TA (`None`: a client).
    pub ta: Option<CallerTa>,
    pub images: &'a dyn TaImages,
}

/// A service in the core.
pub trait Pta: Send + Sync {
    /// The UUID it is opened by.
    fn uuid(&self) -> Uuid;
    /// Its login rules: whether `caller` may open a session (a refusal
    /// has origin TRUSTED_APP, as an OP-TEE PTA's).
    fn open(&self, caller: &Caller<'_>) -> Result<(), u32>;
    /// A command of a session `caller` opened: a GP result (origin: the
    /// trusted application), the parameters updated in place.
    fn invoke(&self, caller: &Caller<'_>, cmd: u32, params: &mut [Param; 4]) -> u32;
}

/// The PTAs of a core.
pub struct Registry {
    ptas: Vec<Arc<dyn Pta>>,
}

impl Registry {
    /// Every shipped PTA; `huk` is the hardware-unique key (`None`: it
    /// could not be loaded, and what derives from it is refused).
    pub fn new(huk: Option<[u8; 32]>) -> Registry {
        Registry {
            ptas: vec![
                Arc::new(SystemPta {
                    huk: huk.map(zeroize::Zeroizing::new),
                }),
                Arc::new(AttestationPta::new(huk)),
            ],
        }
    }

    /// The PTA with this UUID.
    pub fn find(&self, uuid: Uuid) -> Option<Arc<dyn Pta>> {
        self.ptas.iter().find(|p| p.uuid() == uuid).cloned()
    }
}

/// OP-TEE's system PTA (`pta_system.h`), for TAs only. Its memory and
/// library commands (MAP_ZI, DLOPEN, ...) serve OP-TEE's loader inside
/// the TA; oxtee's loader is the core's own, so they answer
/// NOT_SUPPORTED, as OP-TEE answers a command it does not have.
pub struct SystemPta {
    huk: Option<zeroize::Zeroizing<[u8; 32]>>,
}

/// Most entropy one ADD_RNG_ENTROPY takes (the rest is ignored; the
/// kernel's pool mixes what it is given, it does not need more).
const MAX_ENTROPY: usize = 4096;

impl Pta for SystemPta {
    fn uuid(&self) -> Uuid {
        Uuid(system::UUID)
    }

    fn open(&self, caller: &Caller<'_>) -> Result<(), u32> {
        match caller.ta {
            Some(_) => Ok(()),
            None => Err(TEE_ERROR_ACCESS_DENIED),
        }
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let Some(ta) = caller.ta else {
            return TEE_ERROR_ACCESS_DENIED;
        };
        if cmd == system::ADD_RNG_ENTROPY {
            if param_types(p) != types(5, 0, 0, 0) {
                return TEE_ERROR_BAD_PARAMETERS;
            }
            let Param::Memref { data, .. } = &p[0] else {
                return TEE_ERROR_BAD_PARAMETERS;
            };
            // TAs draw from the kernel's generator (getrandom): writing to
            // /dev/urandom mixes the bytes into its pool (uncredited).
            let data = &data[..data.len().min(MAX_ENTROPY)];
            return match std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/urandom")
                .and_then(|mut f| std::io::Write::write_all(&mut f, data))
            {
                Ok(()) => TEE_SUCCESS,
                Err(e) => {
                    tracing::warn!("system PTA: cannot add entropy: {e}");
                    TEE_ERROR_GENERIC
                }
            };
        }
        let Some(huk) = &self.huk else {
            if matches!(
                cmd,
                system::DERIVE_TA_UNIQUE_KEY | system::OXTEE_DERIVE_SEALING_KEY
            ) {
                tracing::error!("system PTA: no hardware-unique key; cannot derive keys");
                return TEE_ERROR_GENERIC;
            }
            return TEE_ERROR_NOT_SUPPORTED;
        };
        system::derive_command(huk, &ta.image.identity, cmd, p).unwrap_or(TEE_ERROR_NOT_SUPPORTED)
    }
}

/// OP-TEE's attestation PTA and oxtee's PSA token
/// (`oxtee_core::pta::attestation`), for clients and TAs. Its keys derive
/// from the HUK, on first use (the RSA key takes a second).
pub struct AttestationPta {
    huk: Option<zeroize::Zeroizing<[u8; 32]>>,
    keys: OnceLock<Keys>,
    core: OnceLock<[u8; 32]>,
    /// Random at each start of the core.
    boot_seed: [u8; 32],
}

/// The host tier's implementation ID: what kind of secure world this is.
pub fn implementation_id() -> [u8; 32] {
    <sha2::Sha256 as sha2::Digest>::digest(b"oxtee implementation: host tier (sandboxed processes)")
        .into()
}

impl AttestationPta {
    fn new(huk: Option<[u8; 32]>) -> AttestationPta {
        let mut boot_seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut boot_seed);
        AttestationPta {
            huk: huk.map(zeroize::Zeroizing::new),
            keys: OnceLock::new(),
            core: OnceLock::new(),
            boot_seed,
        }
    }
}

/// The attestation PTA's view of the host for one call.
struct Host<'a> {
    pta: &'a AttestationPta,
    keys: &'a Keys,
    images: &'a dyn TaImages,
}

impl att::Platform for Host<'_> {
    fn keys(&self) -> &Keys {
        self.keys
    }
    fn ta_image(&self, uuid: [u8; 16]) -> Result<TaImage, u32> {
        self.images.ta_image(Uuid(uuid))
    }
    /// The core's executable, as the kernel maps it.
    fn core_measurement(&self) -> [u8; 32] {
        *self.pta.core.get_or_init(|| {
            let mut h = <sha2::Sha256 as sha2::Digest>::new();
            let r = std::fs::File::open("/proc/self/exe")
                .and_then(|mut f| std::io::copy(&mut f, &mut h));
            if let Err(e) = r {
                // Nothing measured: a value no executable hashes to.
                tracing::error!("attestation: cannot read the core's executable: {e}");
                return [0; 32];
            }
            sha2::Digest::finalize(h).into()
        })
    }
    fn core_version(&self) -> &str {
        env!("CARGO_PKG_VERSION")
    }
    fn implementation_id(&self) -> [u8; 32] {
        implementation_id()
    }
    /// The host's root can read the HUK and debug the core: a
    /// debuggable root of trust, not a secured one.
    fn lifecycle(&self) -> u32 {
        oxtee_core::attestation::LIFECYCLE_NON_PSA_ROT_DEBUG
    }
    fn boot_seed(&self) -> [u8; 32] {
        self.pta.boot_seed
    }
    fn random(&self, buf: &mut [u8]) {
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, buf)
    }
}

impl Pta for AttestationPta {
    fn uuid(&self) -> Uuid {
        Uuid(att::UUID)
    }

    fn open(&self, _: &Caller<'_>) -> Result<(), u32> {
        Ok(())
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let Some(huk) = &self.huk else {
            tracing::error!("attestation PTA: no hardware-unique key; no attestation key");
            return TEE_ERROR_GENERIC;
        };
        let keys = self.keys.get_or_init(|| Keys::derive(huk));
        let host = Host {
            pta: self,
            keys,
            images: caller.images,
        };
        let who = att::Caller {
            ta: caller.ta.map(|t| (t.image, t.memory)),
        };
        att::invoke(&host, &who, cmd, p)
    }
}
