//! `optee_msg` arguments as the secure kernel copies them from the normal
//! world: decoded or refused, and what decodes round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxtee_tz_abi::fuzzing::msg_arg(data));
