//! The TrustZone tier's ABIs, as data and pure functions (no OS, no
//! hardware): what the EL3 monitor and the S-EL1 kernel decode from
//! registers and normal-world memory. Everything here is unit-tested on
//! the host; the firmware in `tz/` only moves registers.
//!
//! * [`smccc`]: the Arm SMC Calling Convention (function identifiers,
//!   owners, the standard error) and the PSCI calls the monitor answers.
//! * [`optee`]: OP-TEE's SMC interface, which Linux's `optee` driver
//!   speaks, and its `optee_msg` argument structure in shared memory.
//! * `kernel`, `pta`, `rpc` (feature `kernel`): the secure kernel's
//!   service behind that interface, its pseudo-TAs, and the threads of
//!   calls that wait for the normal world.
//! * `elf` (feature `kernel`): the load plan of a TA image's ELF (W^X
//!   pages, relocations) for user TAs.
//! * `utee` (feature `kernel`): the system calls of user TAs; `cryp`
//!   their cryptographic operations, which the kernel runs;
//!   `tee_storage` their trusted storage.
//! * `ree_fs` (feature `kernel`): the trusted storage engine's blobs and
//!   RPMB through the supplicant's RPCs.
//! * `trace` (feature `kernel`): the kernel's record of SMCs, world
//!   switches and TA entry points for `oxtee trace`, and its trace PTA.
//! * [`fdt`]: finding a property in a flattened device tree (the boot
//!   seeds QEMU hands the firmware).
//! * [`monitor`]: oxtee's own protocol between the monitor and the secure
//!   kernel (entry vector, "call done" returns).
#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "kernel")]
extern crate alloc;

#[cfg(feature = "kernel")]
pub mod cryp;
#[cfg(feature = "kernel")]
pub mod elf;
pub mod fdt;
#[cfg(feature = "kernel")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "kernel")]
pub mod kernel;
pub mod monitor;
pub mod optee;
#[cfg(feature = "kernel")]
pub mod pta;
#[cfg(feature = "kernel")]
pub mod ree_fs;
#[cfg(feature = "kernel")]
pub mod rng;
#[cfg(feature = "kernel")]
pub mod rpc;
pub mod smccc;
#[cfg(feature = "kernel")]
pub mod socket_pta;
#[cfg(feature = "kernel")]
pub mod ta2ta;
#[cfg(feature = "kernel")]
pub mod tee_storage;
#[cfg(feature = "kernel")]
pub mod trace;
#[cfg(feature = "kernel")]
pub mod utee;
#[cfg(feature = "kernel")]
pub mod verified;
