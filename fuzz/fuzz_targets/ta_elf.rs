//! A TA image's ELF as the secure kernel loads it: refused, or planned
//! within bounds, placed and relocated.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| oxtee_tz_abi::fuzzing::ta_elf(data));
