//! Pure secure-world logic of oxtee: no sockets, files, threads or clocks.
//!
//! The daemon (crates/daemon) brings the operating system; this crate
//! decides. It holds the GlobalPlatform constants, the signed TA image
//! format, the TA header embedded in a TA's ELF, client identities, the
//! translation of client parameters into TA parameters, and the instance
//! policy (singleInstance / multiSession / instanceKeepAlive), the instance,
//! session and cancellation tables both platforms keep.
//!
//! It has no OS: `no_std` with a heap, so that the secure kernel of the
//! TrustZone tier links the same code.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod attestation;
pub mod cancel;
pub mod codes;
pub mod head;
pub mod identity;
pub mod image;
pub mod instances;
pub mod params;
pub mod policy;
pub mod props;
pub mod pta;
pub mod ptime;
pub mod sealing;
pub mod sessions;
pub mod shlib;

pub use oxtee_proto::Uuid;
