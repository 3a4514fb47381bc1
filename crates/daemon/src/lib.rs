//! The oxtee secure world on a Linux host.
//!
//! This crate brings the operating system to the pure logic of
//! `oxtee-core`: the listening socket clients reach (the analogue of the
//! SMC entry), peer credentials, the TA store on disk, and TA processes in
//! their seccomp sandbox.

pub mod budget;
pub mod config;
pub mod fsperm;
pub mod keys;
pub mod partitions;
pub mod plugins;
pub mod pta;
pub mod server;
pub mod sockets;
pub mod spawn;
pub mod spm;
pub mod store;
pub mod supplicant;
pub mod ta;
pub mod threads;
pub mod trace;
pub mod trusted_storage;

pub use config::Config;

/// `Mutex::lock` that shrugs off poisoning: a panic in one core thread
/// (a bug, caught at that thread's boundary) must not cascade into every
/// other thread that touches the same state. Every critical section in
/// the core leaves its data consistent at each step, so the data behind
/// a poisoned lock is still good.
pub(crate) trait LockExt<T> {
    fn locked(&self) -> std::sync::MutexGuard<'_, T>;
}

impl<T> LockExt<T> for std::sync::Mutex<T> {
    fn locked(&self) -> std::sync::MutexGuard<'_, T> {
        self.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
pub use server::{Server, StartError};
