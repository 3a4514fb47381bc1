//! Big-number arithmetic for the Rust SDK: `oxtee-gp-bigint`'s (which the
//! C TAs' `TEE_BigInt*` functions use too), with this TA's random numbers.

pub use oxtee_gp_bigint::{BigInt, BigUint, Sign, exp_mod, ext_gcd, inv_mod, reduce};

/// Miller-Rabin with random bases: error probability below
/// `2^-confidence` (at least 80, as GP asks).
pub fn probably_prime(n: &BigUint, confidence: u32) -> bool {
    oxtee_gp_bigint::probably_prime(n, confidence, &mut super::random)
}
