//! The oxtee secure world on a Linux host.
//!
//! This crate brings the operating system to the pure logic of
//! `oxtee-core`: the listening socket clients reach (the analogue of the
//! SMC entry), peer credentials, the TA store on disk, and TA processes in
//! their seccomp sandbox.

pub mod config;
pub mod server;
pub mod spawn;
pub mod store;
pub mod supplicant;
pub mod ta;
pub mod trusted_storage;

pub use config::Config;
pub use server::{Server, StartError};
