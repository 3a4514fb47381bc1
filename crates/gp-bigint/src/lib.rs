//! Big-number arithmetic with the semantics of the GP TEE_BigInt API
//! (GP Internal Core API 1.3.1 chapter 8), shared by both tiers' TA
//! libraries: the Rust SDK (through `oxtee-ta-runtime`), the host tier's C
//! ABI (`oxtee-ta-capi`) and the TrustZone tier's libutee (`tz/utee`).
//! Numbers are `num_bigint_dig::BigInt`; with the `capi` feature, [`capi`]
//! is the C ABI itself (`TEE_BigInt*`), over the GP functions every TA
//! library exports (`TEE_Panic`, `TEE_GenerateRandom`,
//! `oxtee_trace_write`). No OS: `no_std` with a heap.
#![no_std]

extern crate alloc;

#[cfg(feature = "capi")]
pub mod capi;

use alloc::vec;
pub use num_bigint_dig::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

/// `x mod n` in `[0, n - 1]` (n > 0).
pub fn reduce(x: &BigInt, n: &BigInt) -> BigInt {
    x.mod_floor(n)
}

/// `a^-1 mod n` for n >= 2, or None when `a` has no inverse.
pub fn inv_mod(a: &BigInt, n: &BigInt) -> Option<BigInt> {
    let (g, u, _) = ext_gcd(&reduce(a, n), n);
    g.is_one().then(|| reduce(&u, n))
}

/// `a^e mod n` for n >= 2 and e >= 0 (odd or even n).
pub fn exp_mod(a: &BigInt, e: &BigInt, n: &BigInt) -> BigInt {
    let base = reduce(a, n);
    let m = |v: &BigInt| v.to_biguint().unwrap_or_default();
    BigInt::from_biguint(Sign::Plus, m(&base).modpow(&m(e), &m(n)))
}

/// (g, u, v) with g = gcd(|a|, |b|) >= 0 and u * a + v * b = g.
pub fn ext_gcd(a: &BigInt, b: &BigInt) -> (BigInt, BigInt, BigInt) {
    let (mut r0, mut r1) = (a.abs(), b.abs());
    let (mut s0, mut s1) = (BigInt::one(), BigInt::zero());
    let (mut t0, mut t1) = (BigInt::zero(), BigInt::one());
    while !r1.is_zero() {
        let (q, r) = r0.div_rem(&r1);
        r0 = core::mem::replace(&mut r1, r);
        let s = &s0 - &q * &s1;
        s0 = core::mem::replace(&mut s1, s);
        let t = &t0 - &q * &t1;
        t0 = core::mem::replace(&mut t1, t);
    }
    if a.is_negative() {
        s0 = -s0;
    }
    if b.is_negative() {
        t0 = -t0;
    }
    (r0, s0, t0)
}

const SMALL_PRIMES: [u32; 24] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
];

/// Miller-Rabin with bases from `random`: error probability below
/// `2^-confidence` (at least 80, as GP asks; 4^-rounds per round).
pub fn probably_prime(n: &BigUint, confidence: u32, random: &mut dyn FnMut(&mut [u8])) -> bool {
    for &p in &SMALL_PRIMES {
        let p = BigUint::from(p);
        if *n == p {
            return true;
        }
        if (n % &p).is_zero() {
            return false;
        }
    }
    if *n < BigUint::from(2u32) {
        return false;
    }
    let one = BigUint::one();
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    let rounds = confidence.max(80).div_ceil(2);
    let three = BigUint::from(3u32);
    let mut bytes = vec![0u8; n.to_bytes_be().len() + 8];
    'rounds: for _ in 0..rounds {
        random(&mut bytes);
        // a in [2, n - 2] (n > 89 here).
        let a = BigUint::from_bytes_be(&bytes) % (n - &three) + BigUint::from(2u32);
        let mut x = a.modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = &x * &x % n;
            if x == n1 {
                continue 'rounds;
            }
        }
        return false;
    }
    true
}
