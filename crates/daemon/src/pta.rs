//! The host tier's pseudo-TAs: services of the core that TAs (and, for
//! some, clients) open by UUID like a TA, as on OP-TEE. A PTA runs in the
//! core, not in a TA process; it sees its parameters as copies
//! (`oxtee_core::pta::Param`) made by the core from the caller's buffer,
//! so it never reads the caller's memory twice, and writes back only the
//! output parameters, after it returns.
//!
//! To add one: implement [`Pta`] (its UUID, who may open it, its
//! commands) and list it in [`Registry::new`]. The logic both tiers share
//! (parameter checks, key derivation) belongs in `oxtee_core::pta`.
//!
//! Shipped:
//!
//! | PTA | UUID | who | commands |
//! |---|---|---|---|
//! | system ([`SystemPta`]) | 3a2f8978-5dc0-11e8-9c2d-fa7ae01bbebc | TAs | ADD_RNG_ENTROPY, DERIVE_TA_UNIQUE_KEY, oxtee's DERIVE_SEALING_KEY |

use oxtee_core::codes::*;
use oxtee_core::pta::{Param, param_types, system, types};
use oxtee_core::sealing::TaIdentity;
use oxtee_proto::Uuid;
use std::sync::Arc;

/// Who calls a PTA.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    /// `TEE_LOGIN_*` (`TEE_LOGIN_TRUSTED_APP` for a TA).
    pub login: u32,
    /// The calling TA's verified identity (`None`: a client).
    pub ta: Option<&'a TaIdentity>,
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
            ptas: vec![Arc::new(SystemPta {
                huk: huk.map(zeroize::Zeroizing::new),
            })],
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
        system::derive_command(huk, ta, cmd, p).unwrap_or(TEE_ERROR_NOT_SUPPORTED)
    }
}
