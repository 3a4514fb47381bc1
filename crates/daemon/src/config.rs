//! The daemon's configuration (TOML). Every field has a default, so an
//! empty file is a valid configuration.
//!
//! ```toml
//! socket = "/run/oxtee/oxtee.sock"   # default: $OXTEE_SOCKET or /tmp/oxtee-<uid>/oxtee.sock
//! ta_dir = "/var/lib/oxtee/ta"       # signed TAs, named <uuid>.ta
//! storage_dir = "/var/lib/oxtee/storage" # trusted storage (encrypted) and the RPMB emulation
//! # huk_file = "/etc/oxtee/huk"      # default: <storage_dir>/huk, created on first start
//! # huk = "<64 hex digits>"          # or the hardware-unique key itself
//! ta_keys = ["/etc/oxtee/ta_pub.pem"] # PEM RSA keys trusted to sign TAs
//!
//! [limits]
//! max_contexts = 1024
//! max_connections = 4096             # client connections (each has a thread)
//! max_sessions_per_context = 256
//! max_shm_per_context = 268435456     # bytes of registered shared memory
//! max_staging = 268435456             # bytes of temporary memrefs per call
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
    pub limits: Limits,
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
