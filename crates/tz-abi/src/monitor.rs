//! oxtee's protocol between the EL3 monitor and the S-EL1 kernel.
//!
//! The kernel is entered at fixed offsets of an *entry vector* whose
//! address it hands to the monitor once, at the end of its cold boot; it
//! answers every entry with an SMC carrying one of the `RETURN_*`
//! identifiers below and its results in x1..x4, which the monitor hands to
//! the normal world in x0..x3. (The identifiers are those TF-A's OP-TEE
//! dispatcher uses for the same roles.)

/// Cold boot finished; x1 = the entry vector's address.
pub const RETURN_ENTRY_DONE: u32 = 0xBE00_0000;
/// A call finished; x1..x4 = the normal world's x0..x3.
pub const RETURN_CALL_DONE: u32 = 0xBE00_0005;

/// Offset of the yielding-call entry in the entry vector.
pub const ENTRY_YIELDING: u64 = 0;
/// Offset of the fast-call entry.
pub const ENTRY_FAST: u64 = 4;
/// Size of the entry vector (one branch instruction per entry).
pub const ENTRY_VECTOR_SIZE: u64 = 8;

/// What the monitor accepts as an entry vector: 4-byte aligned, and the
/// whole vector inside the kernel's own secure memory.
pub fn valid_entry_vector(addr: u64, kernel_start: u64, kernel_end: u64) -> bool {
    addr.is_multiple_of(4)
        && addr >= kernel_start
        && addr
            .checked_add(ENTRY_VECTOR_SIZE)
            .is_some_and(|end| end <= kernel_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_vector_must_lie_in_the_kernel() {
        let (s, e) = (0x0e10_0000, 0x0f00_0000);
        assert!(valid_entry_vector(s, s, e));
        assert!(valid_entry_vector(e - 8, s, e));
        assert!(!valid_entry_vector(e - 4, s, e));
        assert!(!valid_entry_vector(s + 2, s, e));
        assert!(!valid_entry_vector(s - 8, s, e));
        assert!(!valid_entry_vector(u64::MAX - 3, s, e));
    }
}
