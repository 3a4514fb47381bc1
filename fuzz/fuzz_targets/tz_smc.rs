//! The secure kernel's SMC service on arbitrary registers and normal-world
//! memory: an answer from the SMC ABI, never a panic, and nothing written
//! outside the caller's argument.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxtee_tz_abi::fuzzing::smc(data));
