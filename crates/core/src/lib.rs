//! Pure secure-world logic of oxtee: no sockets, files, threads or clocks.
//!
//! The daemon (crates/daemon) brings the operating system; this crate
//! decides. It holds the GlobalPlatform constants, the signed TA image
//! format, the TA header embedded in a TA's ELF, client identities, the
//! translation of client parameters into TA parameters, and the instance
//! policy (singleInstance / multiSession / instanceKeepAlive).
#![forbid(unsafe_code)]

pub mod codes;
pub mod head;
pub mod identity;
pub mod image;
pub mod params;
pub mod policy;
pub mod props;
pub mod ptime;
pub mod shlib;

pub use oxtee_proto::Uuid;
