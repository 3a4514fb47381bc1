//! The host tier's example, memory and time, misbehaving TA, parameter,
//! property, cryptography, sealing, GP sockets, trusted
//! storage and TA-to-TA suites (`tests/it`), the same sources,
//! run against the TrustZone tier: `scripts/tz.sh` builds this target for
//! aarch64 (feature `tz-suite`) and runs it inside the guest, where
//! oxtee's client reaches the secure kernel through Linux's `/dev/tee0`
//! and the test TAs, C ones built with the TrustZone devkit and Rust ones
//! with `oxtee ta build --tier tz`, run at S-EL0.
//! (The BigInt cases checked against Python run on the host tier only:
//! the guest has no Python; `scripts/tz.sh` skips them by name.)

mod harness;

#[path = "../it/aead.rs"]
mod aead;
#[path = "../it/asym.rs"]
mod asym;
#[path = "../it/bigint.rs"]
mod bigint;
#[path = "../it/digest.rs"]
mod digest;
#[path = "../it/examples.rs"]
mod examples;
#[path = "../it/mem_time.rs"]
mod mem_time;
#[path = "../it/misbehave.rs"]
mod misbehave;
#[path = "../it/params.rs"]
mod params;
#[path = "../it/props.rs"]
mod props;
#[path = "../it/seal.rs"]
mod seal;
#[path = "../it/socket.rs"]
mod socket;
#[path = "../it/storage.rs"]
mod storage;
#[path = "../it/symcrypt.rs"]
mod symcrypt;
#[path = "../it/ta2ta.rs"]
mod ta2ta;
mod tamper;
