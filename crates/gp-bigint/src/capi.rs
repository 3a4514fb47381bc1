//! GP TEE Internal Core API, arithmetic (GP 1.3.1 chapter 8): `TEE_BigInt`,
//! `TEE_BigIntFMM` and `TEE_BigIntFMMContext`, in the TA itself (as
//! OP-TEE's libutee does it in user space): no system call but the
//! random numbers of `TEE_BigIntIsProbablePrime`.
//!
//! The port of the host tier's `oxtee-ta-capi` `bigint` module, with the
//! same layout, results, error codes and panics. The arithmetic is
//! `num-bigint-dig` (`no_std` + `alloc`, on the TA's heap); this module
//! only moves numbers in and out of the TA's arrays and applies GP's
//! rules. Every function is its own section: a TA that calls none of
//! them links none of this (`--gc-sections`).
//!
//! # Layout
//!
//! `TEE_BigIntSizeInU32(n)` is `((n + 31) / 32) + 2` (devkit
//! `tee_api_defines.h`, as OP-TEE): a 2-word header and the magnitude.
//!
//! | word | contents |
//! |------|----------|
//! | 0 | bits 31..16: magic (`0xB16E` a `TEE_BigInt` or `TEE_BigIntFMM`, `0xB16C` an FMM context); bits 15..0: allocated limbs (`len - 2`, set by the init function) |
//! | 1 | bit 31: sign (1 = negative); bits 30..0: used limbs (no leading zero limb; zero is 0 used limbs, sign 0) |
//! | 2.. | magnitude, 32-bit limbs, least significant first; limbs past the used ones are 0 |
//!
//! An array whose header is not one of these (not initialised, or
//! damaged) panics the TA with `TEE_ERROR_BAD_PARAMETERS`, as does a NULL
//! pointer, a result that does not fit its destination (OP-TEE panics
//! too), a zero divisor, a modulus below 2, a non-invertible operand of
//! `TEE_BigIntInvMod` and a negative exponent of `TEE_BigIntExpMod`.
//!
//! # Fast modular multiplication
//!
//! FMM values use the `TEE_BigInt` layout and hold `x mod n` itself (no
//! Montgomery form): `TEE_BigIntFMMSizeInU32(b)` is
//! `TEE_BigIntSizeInU32(b)`. A context is a copy of the modulus (magic
//! `0xB16C`), `TEE_BigIntFMMContextSizeInU32(b)` words; the functions
//! taking `n` and a context use `n` and only check the context's header.
//! `TEE_BigIntExpMod` accepts a NULL context and any modulus >= 2, even
//! ones included (it never returns `TEE_ERROR_NOT_SUPPORTED`).
//!
//! # Aliasing
//!
//! GP lets operands and destinations be the same array: every function
//! reads all its inputs into owned values before it writes anything, and
//! only touches the arrays through raw pointers.

use alloc::vec;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};

use num_bigint_dig::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::{ext_gcd, probably_prime};

// What every TA library exports (the host tier's `oxtee-ta-capi`, the
// TrustZone tier's libutee).
unsafe extern "C" {
    fn TEE_Panic(code: u32) -> !;
    fn TEE_GenerateRandom(buf: *mut c_void, len: usize);
    fn oxtee_trace_write(level: c_int, func: *const c_char, line: c_int, msg: *const c_char);
}

type TeeResult = u32;

const TEE_SUCCESS: u32 = 0;
const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;
const TEE_ERROR_OVERFLOW: u32 = 0xFFFF_300F;

const MAGIC_INT: u32 = 0xB16E;
const MAGIC_CTX: u32 = 0xB16C;
const MAX_LIMBS: usize = 0xFFFF;
const SIGN_BIT: u32 = 1 << 31;

/// `s` as a NUL-terminated C string in `buf` (cut to fit).
fn c_str<'a>(s: &str, buf: &'a mut [u8; 96]) -> &'a [u8] {
    let n = s.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&s.as_bytes()[..n]);
    buf[n] = 0;
    &buf[..=n]
}

/// Trace why (an error line, as `EMSG` would), then panic the TA.
#[cold]
fn panic_bad(func: &str, why: &str) -> ! {
    let (mut f, mut w) = ([0u8; 96], [0u8; 96]);
    let (f, w) = (c_str(func, &mut f), c_str(why, &mut w));
    // SAFETY: both are NUL-terminated and live across the call; the TA
    // library's functions take any such strings.
    unsafe {
        oxtee_trace_write(1, f.as_ptr().cast(), 0, w.as_ptr().cast());
        TEE_Panic(TEE_ERROR_BAD_PARAMETERS)
    }
}

/// `len` bytes at `src` to `dst`, each read (and written) once: `src` or
/// `dst` may be memory the client shares and can change underneath.
///
/// # Safety
/// `src` is valid for reads and `dst` for writes of `len` bytes.
unsafe fn volatile_copy(src: *const u8, dst: *mut u8, len: usize) {
    for i in 0..len {
        // SAFETY: `i < len`: inside both ranges (caller).
        unsafe { dst.add(i).write_volatile(src.add(i).read_volatile()) }
    }
}

/// Random bytes from the TA library (the OS's or the kernel's
/// generator; a failure panics the TA there).
fn random(buf: &mut [u8]) {
    // SAFETY: `buf` is valid for writes of its length.
    unsafe { TEE_GenerateRandom(buf.as_mut_ptr().cast(), buf.len()) }
}

/// Header of the array at `p`: (allocated limbs, used limbs, negative).
///
/// # Safety
/// `p` is NULL or valid for reads of 2 words.
unsafe fn header(func: &str, p: *const u32, magic: u32) -> (usize, usize, bool) {
    if p.is_null() {
        panic_bad(func, "NULL big integer");
    }
    // SAFETY: `p` is valid for 2 words (caller).
    let (w0, w1) = unsafe { (p.read_unaligned(), p.add(1).read_unaligned()) };
    let alloc = (w0 & 0xFFFF) as usize;
    let used = (w1 & !SIGN_BIT) as usize;
    if w0 >> 16 != magic || used > alloc {
        panic_bad(func, "not an initialised big integer");
    }
    (alloc, used, w1 & SIGN_BIT != 0)
}

/// Read a number.
///
/// # Safety
/// `p` is NULL or points to an array initialised by one of the init
/// functions, valid for reads of its whole length.
unsafe fn read_magic(func: &str, p: *const u32, magic: u32) -> BigInt {
    // SAFETY: forwarded.
    let (_, used, neg) = unsafe { header(func, p, magic) };
    let mut limbs = Vec::with_capacity(used);
    for i in 0..used {
        // SAFETY: `used <= alloc`, and the array has `alloc + 2` words.
        limbs.push(unsafe { p.add(2 + i).read_unaligned() });
    }
    let sign = if neg { Sign::Minus } else { Sign::Plus };
    BigInt::from_biguint(sign, BigUint::from_slice(&limbs))
}

/// # Safety
/// As `read_magic`.
unsafe fn read(func: &str, p: *const u32) -> BigInt {
    // SAFETY: forwarded.
    unsafe { read_magic(func, p, MAGIC_INT) }
}

/// `|v|`.
fn mag(v: &BigInt) -> BigUint {
    v.abs().to_biguint().unwrap_or_default()
}

fn limbs_of(v: &BigUint) -> Vec<u32> {
    let bytes = v.to_bytes_le();
    let mut limbs: Vec<u32> = bytes
        .chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(b)
        })
        .collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    limbs
}

/// Store `v`; `Err` (the array untouched) if it does not fit.
///
/// # Safety
/// As `read_magic`, valid for writes too.
unsafe fn try_write_magic(func: &str, p: *mut u32, v: &BigInt, magic: u32) -> Result<(), ()> {
    // SAFETY: forwarded.
    let (alloc, _, _) = unsafe { header(func, p, magic) };
    let limbs = limbs_of(&mag(v));
    if limbs.len() > alloc {
        return Err(());
    }
    let neg = v.is_negative() && !limbs.is_empty();
    // SAFETY: word 1 and words 2..2+alloc are in the array (caller).
    unsafe {
        p.add(1)
            .write_unaligned(limbs.len() as u32 | if neg { SIGN_BIT } else { 0 });
        for i in 0..alloc {
            p.add(2 + i)
                .write_unaligned(limbs.get(i).copied().unwrap_or(0));
        }
    }
    Ok(())
}

/// Store `v`, panicking if it does not fit.
///
/// # Safety
/// As `try_write_magic`.
unsafe fn write(func: &str, p: *mut u32, v: &BigInt) {
    // SAFETY: forwarded.
    if unsafe { try_write_magic(func, p, v, MAGIC_INT) }.is_err() {
        panic_bad(func, "result too large for its destination");
    }
}

/// Initialise `len` words as zero.
///
/// # Safety
/// `p` is NULL or valid for writes of `len` words.
unsafe fn init(func: &str, p: *mut u32, len: usize, magic: u32) {
    if p.is_null() || len < 2 || len - 2 > MAX_LIMBS {
        panic_bad(func, "invalid array or length");
    }
    // SAFETY: `p` is valid for `len` words (caller).
    unsafe {
        p.write_unaligned(magic << 16 | (len - 2) as u32);
        for i in 1..len {
            p.add(i).write_unaligned(0);
        }
    }
}

fn modulus(func: &str, n: BigInt) -> BigInt {
    if n < BigInt::from(2) {
        panic_bad(func, "modulus below 2");
    }
    n
}

/// `x mod n` in `[0, n - 1]` (n > 0).
fn reduce(x: &BigInt, n: &BigInt) -> BigInt {
    x.mod_floor(n)
}

/// `TEE_BigIntSizeInU32`.
fn size_in_u32(bits: usize) -> usize {
    bits.div_ceil(32) + 2
}

/// # Safety
/// `big_int` is valid for writes of `len` words.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntInit(big_int: *mut u32, len: usize) {
    // SAFETY: forwarded.
    unsafe { init("TEE_BigIntInit", big_int, len, MAGIC_INT) }
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_BigIntFMMSizeInU32(modulus_bits: usize) -> usize {
    size_in_u32(modulus_bits)
}

#[unsafe(no_mangle)]
pub extern "C" fn TEE_BigIntFMMContextSizeInU32(modulus_bits: usize) -> usize {
    size_in_u32(modulus_bits)
}

/// # Safety
/// `big_int_fmm` is valid for writes of `len` words.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntInitFMM(big_int_fmm: *mut u32, len: usize) {
    // SAFETY: forwarded.
    unsafe { init("TEE_BigIntInitFMM", big_int_fmm, len, MAGIC_INT) }
}

/// # Safety
/// `context` is valid for writes of `len` words; `modulus` is an
/// initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntInitFMMContext1(
    context: *mut u32,
    len: usize,
    modulus_p: *const u32,
) -> TeeResult {
    const F: &str = "TEE_BigIntInitFMMContext";
    // SAFETY: forwarded; the modulus is read before the context is written.
    let n = modulus(F, unsafe { read(F, modulus_p) });
    // SAFETY: forwarded.
    unsafe { init(F, context, len, MAGIC_CTX) };
    // SAFETY: the context was just initialised with `len` words.
    if unsafe { try_write_magic(F, context, &n, MAGIC_CTX) }.is_err() {
        panic_bad(F, "modulus too large for the context");
    }
    TEE_SUCCESS
}

/// # Safety
/// As `TEE_BigIntInitFMMContext1`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntInitFMMContext(
    context: *mut u32,
    len: usize,
    modulus: *const u32,
) {
    // SAFETY: forwarded.
    unsafe { TEE_BigIntInitFMMContext1(context, len, modulus) };
}

/// # Safety
/// `dest` is an initialised big integer; `buffer` is valid for
/// `buffer_len` bytes (or `buffer_len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertFromOctetString(
    dest: *mut u32,
    buffer: *const u8,
    buffer_len: usize,
    sign: i32,
) -> TeeResult {
    const F: &str = "TEE_BigIntConvertFromOctetString";
    let mut bytes = vec![0u8; buffer_len];
    if buffer_len != 0 {
        if buffer.is_null() {
            panic_bad(F, "NULL buffer")
        }
        // SAFETY: valid for `buffer_len` bytes (caller); copied, because
        // it may be memory the client can change underneath.
        unsafe { volatile_copy(buffer, bytes.as_mut_ptr(), buffer_len) };
    }
    let s = if sign < 0 { Sign::Minus } else { Sign::Plus };
    let v = BigInt::from_biguint(s, BigUint::from_bytes_be(&bytes));
    // SAFETY: forwarded.
    match unsafe { try_write_magic(F, dest, &v, MAGIC_INT) } {
        Ok(()) => TEE_SUCCESS,
        Err(()) => TEE_ERROR_OVERFLOW,
    }
}

/// # Safety
/// `buffer_len` is valid; `buffer` is valid for `*buffer_len` bytes;
/// `big_int` is an initialised big integer.
unsafe fn to_octets(
    f: &str,
    buffer: *mut u8,
    buffer_len: usize,
    big_int: *const u32,
) -> (TeeResult, usize) {
    // SAFETY: forwarded.
    let v = unsafe { read(f, big_int) };
    let bytes = if v.is_zero() {
        Vec::new()
    } else {
        mag(&v).to_bytes_be()
    };
    if bytes.len() > buffer_len {
        return (TEE_ERROR_SHORT_BUFFER, bytes.len());
    }
    if !bytes.is_empty() {
        if buffer.is_null() {
            panic_bad(f, "NULL buffer");
        }
        // SAFETY: `buffer` is valid for `buffer_len >= bytes.len()` bytes.
        unsafe { volatile_copy(bytes.as_ptr(), buffer, bytes.len()) };
    }
    (TEE_SUCCESS, bytes.len())
}

/// The magnitude, big-endian, in as few bytes as possible (none for 0).
///
/// # Safety
/// `buffer_len` is valid for reads and writes; `buffer` is valid for
/// `*buffer_len` bytes; `big_int` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertToOctetString(
    buffer: *mut u8,
    buffer_len: *mut usize,
    big_int: *const u32,
) -> TeeResult {
    const F: &str = "TEE_BigIntConvertToOctetString";
    if buffer_len.is_null() {
        panic_bad(F, "NULL length");
    }
    // SAFETY: valid (caller).
    let len = unsafe { buffer_len.read_unaligned() };
    // SAFETY: forwarded.
    let (r, n) = unsafe { to_octets(F, buffer, len, big_int) };
    // SAFETY: valid (caller).
    unsafe { buffer_len.write_unaligned(n) };
    r
}

// The GP 1.1 form (`uint32_t *bufferLen`) is the devkit's shim in
// src/tee_api_compat.c, linked only into GP 1.1 TAs.

/// # Safety
/// `dest` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertFromS32(dest: *mut u32, short_val: i32) {
    // SAFETY: forwarded.
    unsafe { write("TEE_BigIntConvertFromS32", dest, &BigInt::from(short_val)) }
}

/// # Safety
/// `dest` is valid for writes; `src` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertToS32(dest: *mut i32, src: *const u32) -> TeeResult {
    const F: &str = "TEE_BigIntConvertToS32";
    if dest.is_null() {
        panic_bad(F, "NULL destination");
    }
    // SAFETY: forwarded.
    match unsafe { read(F, src) }.to_i32() {
        Some(v) => {
            // SAFETY: valid (caller).
            unsafe { dest.write_unaligned(v) };
            TEE_SUCCESS
        }
        None => TEE_ERROR_OVERFLOW,
    }
}

fn ord(o: core::cmp::Ordering) -> i32 {
    o as i32
}

/// -1, 0 or 1.
///
/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntCmp(op1: *const u32, op2: *const u32) -> i32 {
    const F: &str = "TEE_BigIntCmp";
    // SAFETY: forwarded.
    let (a, b) = unsafe { (read(F, op1), read(F, op2)) };
    ord(a.cmp(&b))
}

/// -1, 0 or 1.
///
/// # Safety
/// `op` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntCmpS32(op: *const u32, short_val: i32) -> i32 {
    // SAFETY: forwarded.
    let a = unsafe { read("TEE_BigIntCmpS32", op) };
    ord(a.cmp(&BigInt::from(short_val)))
}

/// `dest = sign(op) * (|op| >> bits)`.
///
/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntShiftRight(dest: *mut u32, op: *const u32, bits: usize) {
    const F: &str = "TEE_BigIntShiftRight";
    // SAFETY: forwarded.
    let a = unsafe { read(F, op) };
    let mag = mag(&a) >> bits;
    let v = BigInt::from_biguint(a.sign(), mag);
    // SAFETY: forwarded.
    unsafe { write(F, dest, &v) }
}

/// Bit `bit_index` of the magnitude.
///
/// # Safety
/// `src` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntGetBit(src: *const u32, bit_index: u32) -> bool {
    // SAFETY: forwarded.
    let a = unsafe { read("TEE_BigIntGetBit", src) };
    ((mag(&a) >> bit_index as usize) & BigUint::one()).is_one()
}

/// The number of bits of the magnitude (0 for 0).
///
/// # Safety
/// `src` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntGetBitCount(src: *const u32) -> u32 {
    // SAFETY: forwarded.
    unsafe { read("TEE_BigIntGetBitCount", src) }.bits() as u32
}

/// Set or clear bit `bit_index` of the magnitude; `TEE_ERROR_OVERFLOW`
/// (nothing changed) if it is beyond the allocated size.
///
/// # Safety
/// `op` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntSetBit(op: *mut u32, bit_index: u32, value: bool) -> TeeResult {
    const F: &str = "TEE_BigIntSetBit";
    // SAFETY: forwarded.
    let (alloc, _, _) = unsafe { header(F, op, MAGIC_INT) };
    if bit_index as usize >= alloc * 32 {
        return TEE_ERROR_OVERFLOW;
    }
    // SAFETY: forwarded.
    let a = unsafe { read(F, op) };
    let bit = BigUint::one() << bit_index as usize;
    let mut mag = mag(&a);
    let set = !(&mag & &bit).is_zero();
    if value && !set {
        mag += &bit;
    } else if !value && set {
        mag -= &bit;
    }
    // Keep the sign (0 has none: setting a bit of 0 gives a positive number).
    let sign = if a.is_negative() {
        Sign::Minus
    } else {
        Sign::Plus
    };
    let v = BigInt::from_biguint(sign, mag);
    // SAFETY: forwarded; it fits, the bit is within the allocation.
    unsafe { write(F, op, &v) };
    TEE_SUCCESS
}

/// # Safety
/// Both are initialised big integers.
unsafe fn assign_with(f: &str, dest: *mut u32, src: *const u32, abs: bool) -> TeeResult {
    // SAFETY: forwarded.
    let mut v = unsafe { read(f, src) };
    if abs {
        v = v.abs();
    }
    // SAFETY: forwarded.
    match unsafe { try_write_magic(f, dest, &v, MAGIC_INT) } {
        Ok(()) => TEE_SUCCESS,
        Err(()) => TEE_ERROR_OVERFLOW,
    }
}

/// `TEE_ERROR_OVERFLOW` (dest unchanged) if `src` does not fit.
///
/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntAssign(dest: *mut u32, src: *const u32) -> TeeResult {
    // SAFETY: forwarded.
    unsafe { assign_with("TEE_BigIntAssign", dest, src, false) }
}

/// `TEE_ERROR_OVERFLOW` (dest unchanged) if `|src|` does not fit.
///
/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntAbs(dest: *mut u32, src: *const u32) -> TeeResult {
    // SAFETY: forwarded.
    unsafe { assign_with("TEE_BigIntAbs", dest, src, true) }
}

/// `dest = f(op1, op2)`.
///
/// # Safety
/// All three are initialised big integers.
unsafe fn binary(
    f: &str,
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    g: impl Fn(BigInt, BigInt) -> BigInt,
) {
    // SAFETY: forwarded.
    let (a, b) = unsafe { (read(f, op1), read(f, op2)) };
    let v = g(a, b);
    // SAFETY: forwarded.
    unsafe { write(f, dest, &v) }
}

/// `dest = f(op1, op2, n)` with `n >= 2`.
///
/// # Safety
/// All four are initialised big integers.
unsafe fn modular(
    f: &str,
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
    g: impl Fn(BigInt, BigInt, &BigInt) -> BigInt,
) {
    // SAFETY: forwarded.
    let (a, b, n) = unsafe { (read(f, op1), read(f, op2), read(f, n)) };
    let n = modulus(f, n);
    let v = reduce(&g(a, b, &n), &n);
    // SAFETY: forwarded.
    unsafe { write(f, dest, &v) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntAdd(dest: *mut u32, op1: *const u32, op2: *const u32) {
    // SAFETY: forwarded.
    unsafe { binary("TEE_BigIntAdd", dest, op1, op2, |a, b| a + b) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntSub(dest: *mut u32, op1: *const u32, op2: *const u32) {
    // SAFETY: forwarded.
    unsafe { binary("TEE_BigIntSub", dest, op1, op2, |a, b| a - b) }
}

/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntNeg(dest: *mut u32, op: *const u32) {
    // SAFETY: forwarded.
    unsafe { binary("TEE_BigIntNeg", dest, op, op, |a, _| -a) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntMul(dest: *mut u32, op1: *const u32, op2: *const u32) {
    // SAFETY: forwarded.
    unsafe { binary("TEE_BigIntMul", dest, op1, op2, |a, b| a * b) }
}

/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntSquare(dest: *mut u32, op: *const u32) {
    // SAFETY: forwarded.
    unsafe { binary("TEE_BigIntSquare", dest, op, op, |a, _| &a * &a) }
}

/// Quotient truncated toward zero, remainder with the sign of `op1`
/// (`op1 = q * op2 + r`). Either destination may be NULL. A zero `op2`
/// panics.
///
/// # Safety
/// Each non-NULL pointer is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntDiv(
    dest_q: *mut u32,
    dest_r: *mut u32,
    op1: *const u32,
    op2: *const u32,
) {
    const F: &str = "TEE_BigIntDiv";
    // SAFETY: forwarded.
    let (a, b) = unsafe { (read(F, op1), read(F, op2)) };
    if b.is_zero() {
        panic_bad(F, "division by zero");
    }
    let (q, r) = a.div_rem(&b);
    if !dest_q.is_null() {
        // SAFETY: forwarded.
        unsafe { write(F, dest_q, &q) }
    }
    if !dest_r.is_null() {
        // SAFETY: forwarded.
        unsafe { write(F, dest_r, &r) }
    }
}

/// `op mod n` in `[0, n - 1]`; `n < 2` panics (as OP-TEE).
///
/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntMod(dest: *mut u32, op: *const u32, n: *const u32) {
    // SAFETY: forwarded.
    unsafe { modular("TEE_BigIntMod", dest, op, op, n, |a, _, _| a) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntAddMod(
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
) {
    // SAFETY: forwarded.
    unsafe { modular("TEE_BigIntAddMod", dest, op1, op2, n, |a, b, _| a + b) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntSubMod(
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
) {
    // SAFETY: forwarded.
    unsafe { modular("TEE_BigIntSubMod", dest, op1, op2, n, |a, b, _| a - b) }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntMulMod(
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
) {
    // SAFETY: forwarded.
    unsafe {
        modular("TEE_BigIntMulMod", dest, op1, op2, n, |a, b, n| {
            reduce(&a, n) * reduce(&b, n)
        })
    }
}

/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntSquareMod(dest: *mut u32, op: *const u32, n: *const u32) {
    // SAFETY: forwarded.
    unsafe {
        modular("TEE_BigIntSquareMod", dest, op, op, n, |a, _, n| {
            let a = reduce(&a, n);
            &a * &a
        })
    }
}

/// `op^-1 mod n`; `n < 2` or `op` not invertible (0 included) panics.
///
/// # Safety
/// All are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntInvMod(dest: *mut u32, op: *const u32, n: *const u32) {
    const F: &str = "TEE_BigIntInvMod";
    // SAFETY: forwarded.
    let (a, n) = unsafe { (read(F, op), read(F, n)) };
    let n = modulus(F, n);
    let (g, u, _) = ext_gcd(&reduce(&a, &n), &n);
    if !g.is_one() {
        panic_bad(F, "operand not invertible");
    }
    // SAFETY: forwarded.
    unsafe { write(F, dest, &reduce(&u, &n)) }
}

/// # Safety
/// `context` is NULL or an initialised FMM context.
unsafe fn check_context(f: &str, context: *const u32) {
    if !context.is_null() {
        // SAFETY: forwarded.
        unsafe { header(f, context, MAGIC_CTX) };
    }
}

/// `op1^op2 mod n`, any `n >= 2` (odd or even); `op2 < 0` panics.
/// `context` may be NULL.
///
/// # Safety
/// `dest`, `op1`, `op2`, `n` are initialised big integers; `context` is
/// NULL or an initialised FMM context.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntExpMod(
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
    context: *const u32,
) -> TeeResult {
    const F: &str = "TEE_BigIntExpMod";
    // SAFETY: forwarded.
    let (a, e, n) = unsafe { (read(F, op1), read(F, op2), read(F, n)) };
    // SAFETY: forwarded.
    unsafe { check_context(F, context) };
    let n = modulus(F, n);
    if e.is_negative() {
        panic_bad(F, "negative exponent");
    }
    let base = reduce(&a, &n);
    let v = mag(&base).modpow(&mag(&e), &mag(&n));
    // SAFETY: forwarded.
    unsafe { write(F, dest, &BigInt::from_biguint(Sign::Plus, v)) };
    TEE_SUCCESS
}

/// gcd(op1, op2) == 1.
///
/// # Safety
/// Both are initialised big integers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntRelativePrime(op1: *const u32, op2: *const u32) -> bool {
    const F: &str = "TEE_BigIntRelativePrime";
    // SAFETY: forwarded.
    let (a, b) = unsafe { (read(F, op1), read(F, op2)) };
    a.gcd(&b).is_one()
}

/// `gcd = gcd(|op1|, |op2|) >= 0` and `u * op1 + v * op2 = gcd` (the
/// extended Euclidean algorithm's coefficients); `u` and `v` may be NULL.
///
/// # Safety
/// Each non-NULL pointer is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntComputeExtendedGcd(
    gcd: *mut u32,
    u: *mut u32,
    v: *mut u32,
    op1: *const u32,
    op2: *const u32,
) {
    const F: &str = "TEE_BigIntComputeExtendedGcd";
    // SAFETY: forwarded.
    let (a, b) = unsafe { (read(F, op1), read(F, op2)) };
    let (g, s, t) = ext_gcd(&a, &b);
    // SAFETY: forwarded.
    unsafe { write(F, gcd, &g) };
    if !u.is_null() {
        // SAFETY: forwarded.
        unsafe { write(F, u, &s) }
    }
    if !v.is_null() {
        // SAFETY: forwarded.
        unsafe { write(F, v, &t) }
    }
}

/// 1 probably prime, 0 composite (never -1). Values below 2 are not
/// prime.
///
/// # Safety
/// `op` is an initialised big integer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntIsProbablePrime(op: *const u32, confidence_level: u32) -> i32 {
    // SAFETY: forwarded.
    let a = unsafe { read("TEE_BigIntIsProbablePrime", op) };
    if a.is_negative() {
        return 0;
    }
    i32::from(probably_prime(&mag(&a), confidence_level, &mut random))
}

/// `dest = src mod n` (the FMM representation is the residue itself).
///
/// # Safety
/// `dest` an initialised FMM value, `src` and `n` initialised big
/// integers, `context` an initialised context (or NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertToFMM(
    dest: *mut u32,
    src: *const u32,
    n: *const u32,
    context: *const u32,
) {
    const F: &str = "TEE_BigIntConvertToFMM";
    // SAFETY: forwarded.
    unsafe { check_context(F, context) };
    // SAFETY: forwarded.
    unsafe { modular(F, dest, src, src, n, |a, _, _| a) }
}

/// `dest = src mod n`.
///
/// # Safety
/// As `TEE_BigIntConvertToFMM`, `src` the FMM value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntConvertFromFMM(
    dest: *mut u32,
    src: *const u32,
    n: *const u32,
    context: *const u32,
) {
    const F: &str = "TEE_BigIntConvertFromFMM";
    // SAFETY: forwarded.
    unsafe { check_context(F, context) };
    // SAFETY: forwarded.
    unsafe { modular(F, dest, src, src, n, |a, _, _| a) }
}

/// `dest = op1 * op2 mod n`.
///
/// # Safety
/// As `TEE_BigIntConvertToFMM`; `dest`, `op1`, `op2` FMM values.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn TEE_BigIntComputeFMM(
    dest: *mut u32,
    op1: *const u32,
    op2: *const u32,
    n: *const u32,
    context: *const u32,
) {
    const F: &str = "TEE_BigIntComputeFMM";
    // SAFETY: forwarded.
    unsafe { check_context(F, context) };
    // SAFETY: forwarded.
    unsafe {
        modular(F, dest, op1, op2, n, |a, b, n| {
            reduce(&a, n) * reduce(&b, n)
        })
    }
}
