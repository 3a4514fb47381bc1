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

/// The Rust test TAs: not built for S-EL0 yet (the C ones are).
const RUST_TAS: [&str; 5] = [
    "d1a6e5f0-3c2b-4e8a-9f17-5b4c3a2d1e02",
    "5c3a9e10-7d21-4f6b-8e43-2a1b0c9d8e02",
    "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5a02",
    "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5b02",
    "7a1e5c20-3b4d-4e8f-9a01-6c2d3e4f5c02",
];

/// Whether this tier runs `ta`.
pub fn here(ta: &str) -> bool {
    !RUST_TAS.contains(&ta)
}

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
