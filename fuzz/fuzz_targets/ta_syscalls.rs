//! A hostile user TA's system calls (the cryptographic ones and the rest)
//! against one instance's kernel state: served or refused, never a panic;
//! only the TA's writable data written; handles within their bound.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxtee_tz_abi::fuzzing::ta_syscalls(data));
