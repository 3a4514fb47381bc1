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
//! | TA management ([`TaMgmtPta`]) | 6e256cba-fc4d-4941-ad09-2ca1860342dd | clients of the core's own uid or root | OP-TEE's BOOTSTRAP (install), UNINSTALL; oxtee's LIST |
//! | socket ([`crate::sockets::SocketPta`]) | 3b996a7d-2c2b-4a49-a896-e1fb5766d2f4 | TAs | OP-TEE's OPEN, CLOSE, SEND, RECV, IOCTL (GP TEE Sockets) |
//! | status ([`StatusPta`]) | 6f787465-0000-4000-8000-737461747573 | clients of the core's own uid or root | oxtee's STATUS, SET_BUDGET |
//! | trace ([`crate::trace::TracePta`]) | 6f787465-0000-4000-8000-007472616365 | clients (all crossings for the core's own uid and root, else the caller's uid's) | oxtee's START, READ |
//! | attestation ([`AttestationPta`]) | 39800861-182a-4720-9b67-2bcd622bc0b5 | clients and TAs | OP-TEE's GET_PUBKEY, GET_TA_SHDR_DIGEST, HASH_TA_MEMORY, HASH_TEE_MEMORY; oxtee's GET_PSA_TOKEN, GET_PSA_PUBKEY |

use oxtee_core::codes::*;
use oxtee_core::pta::attestation::{self as att, TaImage};
use oxtee_core::pta::{Param, param_types, system, types};
use oxtee_proto::Uuid;
use std::sync::{Arc, OnceLock};

/// A calling TA, as the core knows it.
#[derive(Clone, Copy, Debug)]
pub struct CallerTa {
    /// Its instance (unique in the core).
    pub instance: u64,
    /// Its verified image.
    pub image: TaImage,
    /// The measurement of its code in memory (the verified ELF its
    /// process maps from a sealed memfd).
    pub memory: [u8; 32],
}

/// What PTAs ask of the core.
pub trait Core {
    /// The verified image of TA `uuid` (measurements of other TAs).
    fn ta_image(&self, uuid: Uuid) -> Result<TaImage, u32>;
    /// Install a signed TA image into trusted storage after checking it
    /// as loading does: its UUID and version.
    fn install(&self, image: &[u8]) -> Result<(Uuid, u32), u32>;
    /// Remove an installed TA: whether it was installed.
    fn uninstall(&self, uuid: Uuid) -> Result<bool, u32>;
    /// The installed TAs and their versions.
    fn installed(&self) -> Vec<(Uuid, u32)>;
    /// The secure world's state, as text (see [`StatusPta`]).
    fn status(&self) -> String;
    /// Resize the secure memory budget: refused (with the bytes in use)
    /// when the new size cannot hold what is in use.
    fn set_budget(&self, bytes: u64) -> Result<(), u64>;
    /// Invoke supplicant plugin `uuid` on `data`: its result and output.
    fn supp_plugin(
        &self,
        uuid: [u8; 16],
        cmd: u32,
        sub_cmd: u32,
        data: Vec<u8>,
    ) -> Result<(u32, Vec<u8>), u32>;
}

/// Who calls a PTA.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    /// `TEE_LOGIN_*` (`TEE_LOGIN_TRUSTED_APP` for a TA).
    pub login: u32,
    /// The calling TA (`None`: a client).
    pub ta: Option<CallerTa>,
    /// A client's uid (`None`: a TA).
    pub uid: Option<u32>,
    pub core: &'a dyn Core,
    /// The session's own state ([`Pta::session_state`]).
    pub state: Option<&'a (dyn std::any::Any + Send + Sync)>,
    /// Whether a command that waits (for the network) should give up:
    /// the caller's client went away or the caller died. Asked every
    /// 100 ms or so; a command that does not wait never asks.
    pub abort: &'a dyn Fn() -> bool,
}

/// What a PTA keeps for one session: dropped when the session closes
/// (its caller closed it, or the calling TA or client went away).
pub type SessionState = Box<dyn std::any::Any + Send + Sync>;

/// A caller that never gives up.
pub fn never() -> bool {
    false
}

/// A service in the core.
pub trait Pta: Send + Sync {
    /// The UUID it is opened by.
    fn uuid(&self) -> Uuid;
    /// Its login rules: whether `caller` may open a session (a refusal
    /// has origin TRUSTED_APP, as an OP-TEE PTA's).
    fn open(&self, caller: &Caller<'_>) -> Result<(), u32>;
    /// The state of a session `caller` has just opened (none by
    /// default); its commands see it as [`Caller::state`].
    fn session_state(&self, _caller: &Caller<'_>) -> Option<SessionState> {
        None
    }
    /// A command of a session `caller` opened: a GP result (origin: the
    /// trusted application), the parameters updated in place.
    fn invoke(&self, caller: &Caller<'_>, cmd: u32, params: &mut [Param; 4]) -> u32;
    /// The largest memref it takes (the core refuses larger inputs and
    /// copies at most this much of an output buffer).
    fn max_memref(&self) -> usize {
        64 << 10
    }
    /// Whether it watches the secure world (status, trace): its sessions'
    /// requests are not traced and take no secure thread, as OP-TEE's
    /// fast calls.
    fn monitoring(&self) -> bool {
        false
    }
}

/// The PTAs of a core.
pub struct Registry {
    ptas: Vec<Arc<dyn Pta>>,
}

impl Registry {
    /// Every shipped PTA; `keys` are the HUK's (absent: it could not be
    /// loaded, and what derives from it is refused).
    pub fn new(
        keys: Arc<crate::keys::RootKeys>,
        sockets: crate::sockets::SocketPta,
        trace: crate::trace::TracePta,
    ) -> Registry {
        Registry {
            ptas: vec![
                Arc::new(sockets),
                Arc::new(SystemPta { keys: keys.clone() }),
                Arc::new(AttestationPta::new(keys)),
                Arc::new(TaMgmtPta),
                Arc::new(StatusPta),
                Arc::new(trace),
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
    keys: Arc<crate::keys::RootKeys>,
}

/// `PTA_SYSTEM_SUPP_PLUGIN_INVOKE`: memref in (the plugin's `TEE_UUID`),
/// value in (command, sub-command), memref inout (the data), value out
/// (a: the output's length).
const SUPP_PLUGIN_INVOKE: u32 = 13;

/// A TA's call of a supplicant plugin, through the supplicant process.
fn supp_plugin(caller: &Caller<'_>, p: &mut [Param; 4]) -> u32 {
    if param_types(p) != types(5, 1, 7, 2) {
        return TEE_ERROR_BAD_PARAMETERS;
    }
    let (Param::Memref { data: id, .. }, Param::Value { a: cmd, b: sub, .. }) = (&p[0], &p[1])
    else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let Some(uuid) = att::uuid_from_tee(id) else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let (cmd, sub) = (*cmd, *sub);
    let Param::Memref { data, .. } = &mut p[2] else {
        return TEE_ERROR_BAD_PARAMETERS;
    };
    let (result, out) = match caller.core.supp_plugin(uuid, cmd, sub, data.clone()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    data[..out.len()].copy_from_slice(&out);
    p[3] = Param::Value {
        a: out.len() as u32,
        b: 0,
        dir: oxtee_core::pta::Dir::Out,
    };
    result
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
        if cmd == SUPP_PLUGIN_INVOKE {
            return supp_plugin(caller, p);
        }
        if !self.keys.present() {
            if matches!(
                cmd,
                system::DERIVE_TA_UNIQUE_KEY | system::OXTEE_DERIVE_SEALING_KEY
            ) {
                tracing::error!("system PTA: no hardware-unique key; cannot derive keys");
                return TEE_ERROR_GENERIC;
            }
            return TEE_ERROR_NOT_SUPPORTED;
        }
        let me = &ta.image.identity;
        system::derive_command_with(cmd, p, |binding, extra, out| {
            self.keys.derive(me, binding, extra, out)
        })
        .unwrap_or(TEE_ERROR_NOT_SUPPORTED)
    }
}

/// OP-TEE's attestation PTA and oxtee's PSA token
/// (`oxtee_core::pta::attestation`), for clients and TAs. Its keys derive
/// from the HUK, each on first use (the RSA key takes about a second).
pub struct AttestationPta {
    keys: Arc<crate::keys::RootKeys>,
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
    fn new(keys: Arc<crate::keys::RootKeys>) -> AttestationPta {
        let mut boot_seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut boot_seed);
        AttestationPta {
            keys,
            core: OnceLock::new(),
            boot_seed,
        }
    }
}

/// The attestation PTA's view of the host for one call.
struct Host<'a> {
    pta: &'a AttestationPta,
    core: &'a dyn Core,
}

impl att::Platform for Host<'_> {
    fn rsa_public(&self) -> Result<(Vec<u8>, Vec<u8>), u32> {
        self.pta.keys.rsa_public()
    }
    fn rsa_sign(&self, nonce: &[u8], m: &[u8; 32], seed: [u8; 32]) -> Result<Vec<u8>, u32> {
        self.pta.keys.rsa_sign(nonce, m, seed)
    }
    fn psa_public(&self) -> Result<[u8; 65], u32> {
        self.pta.keys.psa_public()
    }
    fn psa_sign(&self, payload: &[u8]) -> Result<Vec<u8>, u32> {
        self.pta.keys.psa_sign(payload)
    }
    fn ta_image(&self, uuid: [u8; 16]) -> Result<TaImage, u32> {
        self.core.ta_image(Uuid(uuid))
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
        if !self.keys.present() {
            tracing::error!("attestation PTA: no hardware-unique key; no attestation key");
            return TEE_ERROR_GENERIC;
        }
        let host = Host {
            pta: self,
            core: caller.core,
        };
        let who = att::Caller {
            ta: caller.ta.map(|t| (t.image, t.memory)),
        };
        att::invoke(&host, &who, cmd, p)
    }
}

/// OP-TEE's secure-storage TA management PTA (`pta_secstor_ta_mgmt.h`):
/// signed TA images installed into trusted storage, where the core
/// loads them from before the TA folder. Installing or removing TAs
/// changes what every user runs: only clients running as the core's own
/// user or root may open it (OP-TEE lets any client install a signed
/// image; on a shared host another user could remove TAs).
pub struct TaMgmtPta;

impl TaMgmtPta {
    pub const UUID: [u8; 16] = oxtee_gp::pta_system::ta_mgmt::UUID;
    pub const BOOTSTRAP: u32 = oxtee_gp::pta_system::ta_mgmt::BOOTSTRAP;
    pub const UNINSTALL: u32 = oxtee_gp::pta_system::ta_mgmt::UNINSTALL;
    pub const LIST: u32 = oxtee_gp::pta_system::ta_mgmt::LIST;
    /// The largest image it takes.
    pub const MAX_IMAGE: usize = 32 << 20;
}

impl Pta for TaMgmtPta {
    fn uuid(&self) -> Uuid {
        Uuid(Self::UUID)
    }

    fn open(&self, caller: &Caller<'_>) -> Result<(), u32> {
        let me = nix::unistd::geteuid().as_raw();
        match caller.uid {
            Some(uid) if uid == 0 || uid == me => Ok(()),
            _ => Err(TEE_ERROR_ACCESS_DENIED),
        }
    }

    fn max_memref(&self) -> usize {
        Self::MAX_IMAGE
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let t = param_types(p);
        match cmd {
            Self::BOOTSTRAP if t == types(5, 0, 0, 0) => {
                let Param::Memref { data, .. } = &p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                match caller.core.install(data) {
                    Ok(_) => TEE_SUCCESS,
                    Err(e) => e,
                }
            }
            Self::UNINSTALL if t == types(5, 0, 0, 0) => {
                let Param::Memref { data, .. } = &p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                let Some(uuid) = att::uuid_from_tee(data) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                match caller.core.uninstall(Uuid(uuid)) {
                    Ok(true) => TEE_SUCCESS,
                    Ok(false) => TEE_ERROR_ITEM_NOT_FOUND,
                    Err(e) => e,
                }
            }
            Self::LIST if t == types(6, 0, 0, 0) => {
                let mut list = caller.core.installed();
                list.sort();
                let out: Vec<u8> = list
                    .iter()
                    .flat_map(|(u, v)| u.0.iter().copied().chain(v.to_le_bytes()))
                    .collect();
                let Param::Memref { data, size, .. } = &mut p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                *size = out.len();
                if out.len() > data.len() {
                    return TEE_ERROR_SHORT_BUFFER;
                }
                data[..out.len()].copy_from_slice(&out);
                TEE_SUCCESS
            }
            Self::BOOTSTRAP | Self::UNINSTALL | Self::LIST => TEE_ERROR_BAD_PARAMETERS,
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}

/// oxtee's status PTA: what the secure world holds (`oxtee status`), and
/// its memory budget resized while it runs. For clients of the core's
/// own uid or root: it shows every user's TA instances.
pub struct StatusPta;

impl StatusPta {
    /// 6f787465-0000-4000-8000-737461747573 ("oxte", "status").
    pub const UUID: [u8; 16] = oxtee_proto::status::PTA_UUID;
    /// Memref out: lines of text, `key value...` (`uptime_ms`,
    /// `secure_memory SIZE used USED`, `secure_threads N busy B waiting
    /// W` (N 0: no limit), `contexts N`, `sessions N`, `secure_mode
    /// spd|spm`, in partitioned mode `partition ID NAME pid PID (0: not
    /// running) starts N` for each, then `instance ID UUID pid PID memory
    /// BYTES sessions N` for each).
    pub const STATUS: u32 = 0;
    /// Value in: a = the new size's low 32 bits, b = its high 32 bits.
    /// BAD_STATE when it cannot hold what is in use (the bytes in use
    /// are in the status).
    pub const SET_BUDGET: u32 = 1;
}

impl Pta for StatusPta {
    fn uuid(&self) -> Uuid {
        Uuid(Self::UUID)
    }

    fn monitoring(&self) -> bool {
        true
    }

    fn open(&self, caller: &Caller<'_>) -> Result<(), u32> {
        TaMgmtPta.open(caller)
    }

    fn invoke(&self, caller: &Caller<'_>, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let t = param_types(p);
        match cmd {
            Self::STATUS if t == types(6, 0, 0, 0) => {
                let text = caller.core.status();
                let Param::Memref { data, size, .. } = &mut p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                *size = text.len();
                if text.len() > data.len() {
                    return TEE_ERROR_SHORT_BUFFER;
                }
                data[..text.len()].copy_from_slice(text.as_bytes());
                TEE_SUCCESS
            }
            Self::SET_BUDGET if t == types(1, 0, 0, 0) => {
                let Param::Value { a, b, .. } = p[0] else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                match caller.core.set_budget(u64::from(b) << 32 | u64::from(a)) {
                    Ok(()) => TEE_SUCCESS,
                    Err(_) => TEE_ERROR_BAD_STATE,
                }
            }
            Self::STATUS | Self::SET_BUDGET => TEE_ERROR_BAD_PARAMETERS,
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }
}
