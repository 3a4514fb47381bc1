//! The GP TEE_BigInt operations for Rust TAs, over
//! [`num_bigint_dig::BigInt`](BigInt). Where the C API panics the TA
//! (a modulus below 2, division by zero, no inverse, a negative
//! exponent), these return `TEE_ERROR_BAD_PARAMETERS`.

use crate::prelude::*;
pub use crate::rt::bigint::{BigInt, BigUint, Sign};
use crate::{TeeError, TeeResult};
use num_integer::Integer;
use num_traits::{Signed, Zero};

fn modulus(n: &BigInt) -> TeeResult<&BigInt> {
    if *n < BigInt::from(2) {
        Err(TeeError::BAD_PARAMETERS)
    } else {
        Ok(n)
    }
}

/// TEE_BigIntConvertFromOctetString: a big-endian magnitude and a sign.
pub fn from_octets(bytes: &[u8], negative: bool) -> BigInt {
    BigInt::from_bytes_be(if negative { Sign::Minus } else { Sign::Plus }, bytes)
}

/// TEE_BigIntConvertToOctetString: (negative, big-endian magnitude without
/// leading zeros; empty for zero).
pub fn to_octets(v: &BigInt) -> (bool, Vec<u8>) {
    if v.is_zero() {
        return (false, Vec::new());
    }
    let (sign, bytes) = v.to_bytes_be();
    (sign == Sign::Minus, bytes)
}

/// TEE_BigIntDiv: quotient and remainder, truncated toward zero.
pub fn div(a: &BigInt, b: &BigInt) -> TeeResult<(BigInt, BigInt)> {
    if b.is_zero() {
        return Err(TeeError::BAD_PARAMETERS);
    }
    Ok(a.div_rem(b))
}

/// TEE_BigIntMod: `a mod n` in `[0, n - 1]`.
pub fn modulo(a: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    Ok(crate::rt::bigint::reduce(a, modulus(n)?))
}

/// TEE_BigIntAddMod.
pub fn add_mod(a: &BigInt, b: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    modulo(&(a + b), n)
}

/// TEE_BigIntSubMod.
pub fn sub_mod(a: &BigInt, b: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    modulo(&(a - b), n)
}

/// TEE_BigIntMulMod.
pub fn mul_mod(a: &BigInt, b: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    modulo(&(a * b), n)
}

/// TEE_BigIntSquareMod.
pub fn square_mod(a: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    modulo(&(a * a), n)
}

/// TEE_BigIntInvMod (`TEE_ERROR_BAD_PARAMETERS` when there is no inverse).
pub fn inv_mod(a: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    crate::rt::bigint::inv_mod(a, modulus(n)?).ok_or(TeeError::BAD_PARAMETERS)
}

/// TEE_BigIntExpMod: `a^e mod n`, any modulus of at least 2.
pub fn exp_mod(a: &BigInt, e: &BigInt, n: &BigInt) -> TeeResult<BigInt> {
    if e.is_negative() {
        return Err(TeeError::BAD_PARAMETERS);
    }
    Ok(crate::rt::bigint::exp_mod(a, e, modulus(n)?))
}

/// TEE_BigIntRelativePrime.
pub fn relative_prime(a: &BigInt, b: &BigInt) -> bool {
    a.gcd(b) == BigInt::from(1)
}

/// TEE_BigIntComputeExtendedGcd: (gcd >= 0, u, v) with u*a + v*b = gcd.
pub fn extended_gcd(a: &BigInt, b: &BigInt) -> (BigInt, BigInt, BigInt) {
    crate::rt::bigint::ext_gcd(a, b)
}

/// TEE_BigIntIsProbablePrime (error probability below 2^-max(80, confidence)).
pub fn is_probable_prime(a: &BigInt, confidence: u32) -> bool {
    match a.to_biguint() {
        Some(m) if a.sign() != Sign::Minus => crate::rt::bigint::probably_prime(&m, confidence),
        _ => false,
    }
}
