//! The suites' world on the TrustZone tier: the secure world is already
//! running (the guest's), reached through `/dev/tee0`.
//!
//! Its log is the secure UART's, which the normal world cannot read: a
//! check of it prints the line it expects ("oxtee-suite: expect in the
//! secure log: ..."), and `scripts/tz.sh` fails unless the secure log of
//! the same boot has every such line.

#[path = "../shared/mod.rs"]
mod shared;
pub use shared::*;

use oxtee_client::Context;

/// The secure kernel's memory (secure RAM after the monitor's MiB).
pub const KERNEL_MEMORY: u64 = 0x0e10_0000;

pub struct World;

impl World {
    pub fn start() -> World {
        World
    }

    pub fn ctx(&self) -> Context {
        Context::new(None).expect("initialize a context on /dev/tee0")
    }

    pub fn log(&self) -> String {
        "(the secure log: see scripts/tz.sh's output)".into()
    }

    /// Ask scripts/tz.sh to find `needle` in the secure log.
    pub fn wait_log(&self, needle: &str) -> bool {
        println!("oxtee-suite: expect in the secure log: {needle}");
        true
    }
}
