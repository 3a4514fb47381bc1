//! Replay the fuzz corpora of the TrustZone tier's decoders
//! (fuzz/corpus/optee_msg_arg, fuzz/corpus/tz_smc, fuzz/corpus/ta_elf,
//! fuzz/corpus/ta_syscalls): every input must be
//! served or refused, never panic, and keep the invariants the fuzz
//! targets check.

use std::path::Path;

fn replay(target: &str, f: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        f(&std::fs::read(e.unwrap().path()).unwrap());
        n += 1;
    }
    n
}

#[test]
fn optee_msg_arg_corpus() {
    assert!(replay("optee_msg_arg", oxtee_tz_abi::fuzzing::msg_arg) >= 4);
}

#[test]
fn tz_smc_corpus() {
    assert!(replay("tz_smc", oxtee_tz_abi::fuzzing::smc) >= 4);
}

#[test]
fn ta_elf_corpus() {
    assert!(replay("ta_elf", oxtee_tz_abi::fuzzing::ta_elf) >= 1);
}

#[test]
fn ta_syscalls_corpus() {
    assert!(replay("ta_syscalls", oxtee_tz_abi::fuzzing::ta_syscalls) >= 3);
}
