//! The daemon's configuration (TOML). Every field has a default, so an
//! empty file is a valid configuration.
//!
//! ```toml
//! socket = "/run/oxtee/oxtee.sock"   # default: $OXTEE_SOCKET, as root /run/oxtee/oxtee.sock,
//!                                    # else $XDG_RUNTIME_DIR/oxtee/oxtee.sock or /tmp/oxtee-<uid>/oxtee.sock
//! ta_dir = "/var/lib/oxtee/ta"       # signed TAs, named <uuid>.ta
//! storage_dir = "/var/lib/oxtee/storage" # trusted storage (encrypted) and the RPMB emulation
//! # huk_file = "/etc/oxtee/huk"      # default: <storage_dir>/huk, created on first start
//! # huk = "<64 hex digits>"          # or the hardware-unique key itself
//! ta_keys = ["/etc/oxtee/ta_pub.pem"] # PEM RSA keys trusted to sign TAs
//! # socket_group = "teeclnt"        # clients' group: socket 0660 root:teeclnt (default 0600)
//! # When the core runs as root, each TA instance runs under a uid of its
//! # own from ta_uid_first..ta_uid_first+ta_uid_count, the supplicant
//! # under supplicant_uid. Choose uids no account uses.
//! ta_uid_first = 1879048192
//! ta_uid_count = 65536
//! supplicant_uid = 1879048191
//! application_logins = false         # APPLICATION logins (see SECURITY.md)
//! rollback_protection = true         # refuse TA images older than the newest seen
//! installed_rollback_protection = true  # the same for TAs installed in trusted storage
//! # plugin_dir = "/usr/lib/tee-supplicant/plugins"  # supplicant plugins (*.plugin); default none
//! sockets = true                     # TAs may open GP sockets (through the normal world)
//! secure_memory = 1073741824         # the secure world's memory: TA code, heaps and stacks
//! secure_threads = 0                 # calls in the core at once (OP-TEE's CFG_NUM_THREADS); 0: no limit
//! secure_mode = "spd"                # "spd": the core holds every key; "spm": partitioned (ARCHITECTURE.md)
//!
//! [limits]
//! max_contexts = 1024
//! max_connections = 4096             # client connections (each has a thread)
//! max_sessions_per_context = 256
//! max_shm_per_context = 268435456     # bytes of registered shared memory
//! max_staging = 268435456             # bytes of temporary memrefs per call (all four)
//! # One user cannot deny service to another: quotas per client uid.
//! max_connections_per_uid = 256
//! max_contexts_per_uid = 64
//! max_sessions_per_uid = 512
//! max_shm_objects_per_uid = 1024
//! max_shm_bytes_per_uid = 1073741824
//! max_temp_bytes_per_uid = 536870912  # temporary memrefs in flight
//! max_instances = 1024               # TA instances (processes), all TAs
//! max_instances_per_ta = 256
//! first_message_ms = 5000            # a new connection must say something by then
//! supplicant_timeout_ms = 30000      # a supplicant silent this long is restarted
//! ta_address_space_overhead = 1073741824 # RLIMIT_AS beyond heap, stack and shared memory
//! ta_heap_overhead = 67108864         # bytes of RLIMIT_DATA beyond gpd.ta.dataSize
//! ta_stack_overhead = 262144          # bytes of RLIMIT_STACK beyond gpd.ta.stackSize
//! cancel_grace_ms = 2000              # a TA busy for a vanished client is killed after this
//! spare_instances = true              # keep one started, not yet created process per TA in use
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub socket: PathBuf,
    pub ta_dir: PathBuf,
    pub storage_dir: PathBuf,
    pub ta_keys: Vec<PathBuf>,
    /// The hardware-unique key file (32 bytes, owner-only); default
    /// `<storage_dir>/huk`, created with a random key on first start.
    pub huk_file: Option<PathBuf>,
    /// The hardware-unique key as 64 hex digits (instead of a file).
    pub huk: Option<String>,
    /// The group whose members may connect (socket mode 0660); without
    /// it only the core's own user may (0600).
    pub socket_group: Option<String>,
    /// First uid of the TA instances' range (core running as root).
    pub ta_uid_first: u32,
    pub ta_uid_count: u32,
    /// The supplicant's uid (core running as root).
    pub supplicant_uid: u32,
    /// Accept the APPLICATION logins (identity from the client's
    /// executable as it was when it connected). Off: refused.
    pub application_logins: bool,
    /// Refuse a signed TA image whose version is older than the newest
    /// one this secure world has loaded for that UUID.
    pub rollback_protection: bool,
    /// The same for TAs installed into trusted storage (`oxtee ta
    /// install`), kept on when `rollback_protection` is turned off for
    /// the TA folder.
    pub installed_rollback_protection: bool,
    /// The supplicant plugins' folder (`*.plugin`, tee-supplicant's
    /// plugin interface), loaded by the supplicant process; none: TAs'
    /// plugin calls find no plugin.
    pub plugin_dir: Option<PathBuf>,
    /// TAs may open TCP and UDP sockets (the GP TEE Sockets API), opened
    /// in the normal world under the supplicant's uid: a TA then reaches
    /// whatever that user reaches. False: the socket PTA is not there.
    pub sockets: bool,
    /// The secure world's memory in bytes (1 GiB by default): every TA
    /// instance is charged its code, heap and stack; an instance that
    /// would not fit is refused with TEE_ERROR_OUT_OF_MEMORY.
    pub secure_memory: u64,
    /// Client calls (open, invoke, close) the core runs at once, as
    /// OP-TEE's CFG_NUM_THREADS (0, the default: no limit). Calls beyond
    /// them wait their turn; with a limit, clients have no direct
    /// channels (every call passes the core, which counts it).
    pub secure_threads: usize,
    /// How the secure world is organised.
    pub secure_mode: SecureMode,
    pub limits: Limits,
}

/// How the secure world is organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SecureMode {
    /// One core hosts every TA and holds every key (a dispatcher handing
    /// everything to one TEE kernel).
    #[default]
    Spd,
    /// Secure partitions (FF-A): the core is the SPMC and the TA host;
    /// trusted storage and the HUK's keys run in partition processes of
    /// their own (`oxtee_partition`).
    Spm,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    pub max_contexts: usize,
    pub max_connections: usize,
    pub max_sessions_per_context: usize,
    pub max_shm_per_context: u64,
    pub max_staging: u64,
    pub ta_heap_overhead: u64,
    pub ta_stack_overhead: u64,
    pub cancel_grace_ms: u64,
    pub spare_instances: bool,
    pub max_connections_per_uid: usize,
    pub max_contexts_per_uid: usize,
    pub max_sessions_per_uid: usize,
    pub max_shm_objects_per_uid: usize,
    pub max_shm_bytes_per_uid: u64,
    pub max_temp_bytes_per_uid: u64,
    pub max_instances: usize,
    pub max_instances_per_ta: usize,
    pub first_message_ms: u64,
    pub supplicant_timeout_ms: u64,
    pub ta_address_space_overhead: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_contexts: 1024,
            max_connections: 4096,
            max_sessions_per_context: 256,
            max_shm_per_context: 256 << 20,
            max_staging: 256 << 20,
            ta_heap_overhead: 64 << 20,
            ta_stack_overhead: 256 << 10,
            cancel_grace_ms: 2000,
            spare_instances: true,
            max_connections_per_uid: 256,
            max_contexts_per_uid: 64,
            max_sessions_per_uid: 512,
            max_shm_objects_per_uid: 1024,
            max_shm_bytes_per_uid: 1 << 30,
            max_temp_bytes_per_uid: 512 << 20,
            max_instances: 1024,
            max_instances_per_ta: 256,
            first_message_ms: 5000,
            supplicant_timeout_ms: 30_000,
            ta_address_space_overhead: 1 << 30,
        }
    }
}

/// The socket path clients use when nothing else is said: `$OXTEE_SOCKET`,
/// else `/tmp/oxtee-<uid>/oxtee.sock`.
pub fn default_socket() -> PathBuf {
    oxtee_sys::default_socket_path()
}

impl Default for Config {
    fn default() -> Self {
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("/var/lib"))
            .join("oxtee");
        Config {
            socket: default_socket(),
            ta_dir: base.join("ta"),
            storage_dir: base.join("storage"),
            ta_keys: Vec::new(),
            huk_file: None,
            huk: None,
            socket_group: None,
            ta_uid_first: 0x7000_0000,
            ta_uid_count: 65536,
            supplicant_uid: 0x7000_0000 - 1,
            application_logins: false,
            rollback_protection: true,
            installed_rollback_protection: true,
            plugin_dir: None,
            sockets: true,
            secure_memory: 1 << 30,
            secure_threads: 0,
            secure_mode: SecureMode::Spd,
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {err}")]
    Read { path: PathBuf, err: std::io::Error },
    #[error("invalid config {path}: {err}")]
    Parse { path: PathBuf, err: toml::de::Error },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError::Read {
            path: path.to_owned(),
            err,
        })?;
        Config::parse(&text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            err,
        })
    }

    pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_has_defaults_and_unknown_keys_are_refused() {
        let c = Config::parse("").unwrap();
        assert_eq!(c.limits.max_sessions_per_context, 256);
        let c = Config::parse("ta_dir = \"/x\"\n[limits]\ncancel_grace_ms = 5\n").unwrap();
        assert_eq!(c.ta_dir, PathBuf::from("/x"));
        assert_eq!(c.limits.cancel_grace_ms, 5);
        assert!(Config::parse("tadir = \"/x\"").is_err());
    }
}
