//! The secure kernel's SMC service on arbitrary registers and normal-world
//! memory, several calls on one kernel: an answer from the SMC ABI, never
//! a panic, nothing written outside normal-world memory or beyond the
//! bounds, and the kernel's own bounds kept.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxtee_tz_abi::fuzzing::smc(data));
