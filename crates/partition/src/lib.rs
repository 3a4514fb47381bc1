//! The secure partitions of oxtee's partitioned mode (issue 15):
//! besides the TA host (the core, which is also the SPMC), a storage
//! partition holding the HUK-derived storage keys and the storage engine,
//! and a crypto partition holding the HUK and the long-term keys derived
//! from it. Each runs as its own process (`oxtee partition storage|crypto`,
//! started by the core), not dumpable, under the TA sandbox's seccomp
//! filters once it has read its key: it can use only its channel to the
//! SPMC and the region the TA host shares with it.
//!
//! * [`wire`]: the channel protocol (FF-A frames, payloads in the shared
//!   region) and the messages;
//! * [`storage`] and [`crypto`]: the two partitions;
//! * [`MANIFESTS`]: their manifests, and the TA host's.
//!
//! The SPMC's side (routing, checks, regions, restarts) is the core's
//! (`oxtee-daemon`'s `spm`), its rules `oxtee-spmc`'s.

#![forbid(unsafe_code)]

pub mod crypto;
pub mod huk;
mod link;
pub mod storage;
pub mod wire;

pub use link::{Link, LinkError};

/// The manifests of partitioned mode: the TA host, storage, crypto.
pub const MANIFESTS: [&str; 3] = [
    include_str!("../manifests/ta-host.toml"),
    include_str!("../manifests/storage.toml"),
    include_str!("../manifests/crypto.toml"),
];

/// The most bulk data one message carries: the largest call buffer a TA
/// may have (a storage read or write of it).
pub const BULK_MAX: usize = 256 << 20;

/// The region's size for partition `id`.
pub fn region_size(id: oxtee_spmc::Id) -> u64 {
    let bulk = if id == wire::STORAGE {
        BULK_MAX
    } else {
        1 << 20
    };
    (wire::HEADER_MAX + bulk) as u64
}

/// Confine this process for good: not dumpable (no ptrace, no
/// `/proc/<pid>/mem` by the same uid), and the TA sandbox's filters: no
/// file can be opened, no process or socket made, no new executable
/// memory. (Single-threaded: the filters cover the whole process.)
pub fn sandbox() -> Result<(), String> {
    nix::sys::prctl::set_dumpable(false).map_err(|e| format!("PR_SET_DUMPABLE: {e}"))?;
    for prog in [
        oxtee_sys::sandbox::allow_list(),
        oxtee_sys::sandbox::runtime_lock(),
    ] {
        if !oxtee_sys::sandbox::apply(&prog) {
            return Err("cannot install the seccomp filters".into());
        }
    }
    Ok(())
}

/// Which partition to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Storage,
    Crypto,
}

/// Run partition `kind` on its standard input (the channel to the SPMC)
/// until the core goes away, within `memory` bytes of address space (its
/// manifest's `memory`, set before it reads anything).
pub fn run(kind: Kind, huk_file: &std::path::Path, memory: u64) -> Result<(), String> {
    use std::os::fd::AsFd;
    nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, memory, memory)
        .map_err(|e| format!("RLIMIT_AS: {e}"))?;
    // Its channel, /dev/null and the log: nothing else, whatever reached it.
    oxtee_sys::close_inherited().map_err(|e| format!("descriptors: {e}"))?;
    let fd = std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map_err(|e| format!("standard input: {e}"))?;
    let ch = oxtee_sys::Channel::from_fd(fd);
    let me = match kind {
        Kind::Storage => wire::STORAGE,
        Kind::Crypto => wire::CRYPTO,
    };
    let link = Link::connect(ch, me).map_err(|e| format!("{e:?}"))?;
    match kind {
        Kind::Storage => storage::run(link, huk_file),
        Kind::Crypto => crypto::run(link, huk_file),
    }
    .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests;
