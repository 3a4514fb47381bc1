//! The Internal Core API arithmetic (GP 1.3.1 chapter 8) through the C
//! test TA tests/tas/c/bigint: random operands (fixed-seed PRNG, up to
//! 2048 bits, both signs, aliased destinations) checked against Python 3's
//! `int`, and the edge cases: zero, ±1, conversion overflow, short
//! buffers, and the panics GP asks for.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};
use std::io::Write;
use std::process::{Command, Stdio};

const BIGINT: &str = "b1961e7a-4b5d-4e2c-9a3f-0c8d7e6f5a41";
const CMD_OP: u32 = 0;

// Operations of tests/tas/c/bigint/include/bigint_ta.h.
const CONVERT: u32 = 0;
const TO_OCTET: u32 = 1;
const FROM_S32: u32 = 2;
const TO_S32: u32 = 3;
const CMP: u32 = 4;
const CMP_S32: u32 = 5;
const SHIFT_RIGHT: u32 = 6;
const GET_BIT: u32 = 7;
const GET_BIT_COUNT: u32 = 8;
const SET_BIT: u32 = 9;
const ASSIGN: u32 = 10;
const ABS: u32 = 11;
const ADD: u32 = 12;
const SUB: u32 = 13;
const NEG: u32 = 14;
const MUL: u32 = 15;
const SQUARE: u32 = 16;
const DIV: u32 = 17;
const MOD: u32 = 18;
const ADD_MOD: u32 = 19;
const SUB_MOD: u32 = 20;
const MUL_MOD: u32 = 21;
const SQUARE_MOD: u32 = 22;
const INV_MOD: u32 = 23;
const EXP_MOD: u32 = 24;
const RELATIVE_PRIME: u32 = 25;
const EXT_GCD: u32 = 26;
const IS_PRIME: u32 = 27;
const FMM: u32 = 28;
const FMM_SIZES: u32 = 29;
const PANIC: u32 = 30;

const F_ALIAS_A: u32 = 0x1;
const F_ALIAS_B: u32 = 0x2;
const F_ALIAS_AB: u32 = 0x3;
const F_NULL_1: u32 = 0x10;
const F_NULL_2: u32 = 0x20;
const F_CONTEXT: u32 = 0x40;
const F_BIT_VALUE: u32 = 0x80;

const OVERFLOW: u32 = 0xFFFF_300F;
const SHORT_BUFFER: u32 = 0xFFFF_0010;

/// The operation names of the Python oracle.
fn name(op: u32) -> &'static str {
    [
        "convert",
        "to_octet",
        "from_s32",
        "to_s32",
        "cmp",
        "cmp_s32",
        "shr",
        "get_bit",
        "bit_count",
        "set_bit",
        "assign",
        "abs",
        "add",
        "sub",
        "neg",
        "mul",
        "square",
        "div",
        "mod",
        "add_mod",
        "sub_mod",
        "mul_mod",
        "square_mod",
        "inv_mod",
        "exp_mod",
        "rel_prime",
        "gcd",
        "is_prime",
        "fmm",
    ][op as usize]
}

/// The oracle: one line per case, `op a b n arg bits` (Python integer
/// literals) -> the expected outputs, as `outputs()` formats the TA's.
const ORACLE: &str = r#"
import sys, math, random
rng = random.Random(1)
def h(x): return hex(x)
def sgn(x): return (x > 0) - (x < 0)
def tdiv(a, b):
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0): q = -q
    return q, a - q * b
BASES = [rng.randrange(2, 1 << 64) for _ in range(40)]
def is_prime(n):
    if n < 2: return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0: return n == p
    d, s = n - 1, 0
    while d % 2 == 0: d, s = d // 2, s + 1
    for b in BASES:
        a = b % (n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1): continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1: break
        else: return False
    return True
OVF, KEEP = 0xFFFF300F, 0x5A5A5A5A
def fits(x, bits): return abs(x).bit_length() <= (bits + 31) // 32 * 32
out = []
for line in sys.stdin:
    f = line.split()
    if not f: continue
    op, v = f[0], [int(x, 0) for x in f[1:]]
    if op == "chk_gcd":
        a, b, g, u, w = v
        out.append(str(int(g == math.gcd(a, b) and u * a + w * b == g)))
        continue
    if op == "next_prime":
        n = v[0] | 1
        while not is_prime(n): n += 2
        out.append(h(n))
        continue
    a, b, n, arg, bits, flags = v
    if op == "convert": r = [h(a)]
    elif op == "to_octet":
        need = (abs(a).bit_length() + 7) // 8
        r = [0, need, h(a)] if need <= arg else [0xFFFF0010, need]
    elif op == "from_s32": r = [h(arg - (1 << 32) if arg >= 1 << 31 else arg)]
    elif op == "to_s32":
        r = [0, a] if -(1 << 31) <= a < (1 << 31) else [OVF, KEEP]
    elif op == "cmp": r = [sgn(a - b)]
    elif op == "cmp_s32": r = [sgn(a - (arg - (1 << 32) if arg >= 1 << 31 else arg))]
    elif op == "shr": r = [h(sgn(a) * (abs(a) >> arg))]
    elif op == "get_bit": r = [(abs(a) >> arg) & 1]
    elif op == "bit_count": r = [abs(a).bit_length()]
    elif op == "set_bit":
        i, val = arg, flags & 0x80
        if i >= (bits + 31) // 32 * 32: r = [OVF, h(a)]
        else:
            m = abs(a) | (1 << i) if val else abs(a) & ~(1 << i)
            r = [0, h(-m if a < 0 else m)]
    elif op in ("assign", "abs"):
        x = a if op == "assign" else abs(a)
        r = [0, h(x)] if fits(x, arg or bits) else [OVF, h(0)]
    elif op == "add": r = [h(a + b)]
    elif op == "sub": r = [h(a - b)]
    elif op == "neg": r = [h(-a)]
    elif op == "mul": r = [h(a * b)]
    elif op == "square": r = [h(a * a)]
    elif op == "div": r = [h(x) for x in tdiv(a, b)]
    elif op == "mod": r = [h(a % n)]
    elif op == "add_mod": r = [h((a + b) % n)]
    elif op == "sub_mod": r = [h((a - b) % n)]
    elif op in ("mul_mod", "fmm"): r = [h(a * b % n)]
    elif op == "square_mod": r = [h(a * a % n)]
    elif op == "inv_mod": r = [h(pow(a, -1, n))] if math.gcd(a, n) == 1 else ["X"]
    elif op == "exp_mod": r = [0, h(pow(a, b, n))]
    elif op == "rel_prime": r = [int(math.gcd(a, b) == 1)]
    elif op == "gcd": r = [h(math.gcd(a, b))]
    elif op == "is_prime": r = [int(is_prime(a))]
    if op == "fmm": r = [0] + r
    out.append(" ".join(str(x) for x in r))
print("\n".join(out))
"#;

/// Run the oracle over `lines`.
fn python(lines: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", ORACLE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.join("\n");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "python3 failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let res: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(res.len(), lines.len(), "oracle answers");
    res
}

/// A signed number: sign and big-endian magnitude.
#[derive(Clone, Debug, Default, PartialEq)]
struct Num {
    neg: bool,
    mag: Vec<u8>,
}

impl Num {
    fn new(neg: bool, mag: &[u8]) -> Num {
        Num {
            neg,
            mag: mag.to_vec(),
        }
    }
    fn int(v: i64) -> Num {
        let b = v.unsigned_abs().to_be_bytes();
        let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        Num {
            neg: v < 0,
            mag: b[first..].to_vec(),
        }
    }
    /// The significant bits of the magnitude.
    fn bits(&self) -> u32 {
        match self.mag.iter().position(|&b| b != 0) {
            Some(i) => (self.mag.len() - i - 1) as u32 * 8 + (8 - self.mag[i].leading_zeros()),
            None => 0,
        }
    }
    /// As Python writes it: `hex(x)`.
    fn hex(&self) -> String {
        let mut s: String = self.mag.iter().map(|b| format!("{b:02x}")).collect();
        let t = s.trim_start_matches('0');
        s = if t.is_empty() { "0".into() } else { t.into() };
        if s != "0" && self.neg {
            format!("-0x{s}")
        } else {
            format!("0x{s}")
        }
    }
    fn record(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&u32::from(self.neg).to_le_bytes());
        out.extend_from_slice(&(self.mag.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.mag);
    }
}

/// A fixed-seed PRNG (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
    /// Up to `max` bytes (often small), positive or negative.
    fn num(&mut self, max: usize) -> Num {
        let len = if self.below(4) == 0 {
            self.below(9) as usize
        } else {
            self.below(max as u64 + 1) as usize
        };
        Num::new(self.below(2) == 0, &self.bytes(len))
    }
    /// Fewer than `len` bytes, negative if `signed` and a coin says so.
    fn sized(&mut self, len: u64, signed: bool) -> Num {
        let neg = signed && self.below(2) == 0;
        let l = self.below(len) as usize;
        Num::new(neg, &self.bytes(l))
    }
    /// A modulus >= 2 of up to `max` bytes.
    fn modulus(&mut self, max: usize) -> Num {
        let len = 1 + self.below(max as u64) as usize;
        let mut m = self.bytes(len);
        m[0] |= 1;
        if len == 1 && m[0] < 2 {
            m[0] = 3;
        }
        Num::new(false, &m)
    }
    /// In [0, n - 1].
    fn below_num(&mut self, n: &Num) -> Num {
        let mut m = self.bytes(n.mag.len());
        m[0] = (u64::from(m[0]) % u64::from(n.mag[0])) as u8;
        Num::new(false, &m)
    }
}

/// One call of the TA.
#[derive(Clone, Debug, Default)]
struct Case {
    op: u32,
    flags: u32,
    bits: u32,
    arg: u32,
    a: Num,
    b: Num,
    n: Num,
}

/// What the TA answered: (return value, second output, result numbers).
type Answer = (u32, u32, Vec<Num>);

fn run(s: &Session, c: &Case) -> Result<Answer, Error> {
    run_cmd(s, CMD_OP, c)
}

fn run_cmd(s: &Session, cmd: u32, c: &Case) -> Result<Answer, Error> {
    let mut input = Vec::new();
    c.a.record(&mut input);
    c.b.record(&mut input);
    c.n.record(&mut input);
    let mut out = vec![0u8; 4096];
    let mut p = [
        Param::ValueInOut {
            a: c.op,
            b: c.flags,
        },
        Param::TempIn { buf: &input },
        Param::TempOut {
            buf: &mut out,
            size: 4096,
        },
        Param::ValueIn {
            a: c.bits,
            b: c.arg,
        },
    ];
    s.invoke(cmd, &mut p)?;
    let (ret, ret2) = match p[0] {
        Param::ValueInOut { a, b } => (a, b),
        _ => unreachable!(),
    };
    let size = match p[2] {
        Param::TempOut { size, .. } => size,
        _ => unreachable!(),
    };
    let mut nums = Vec::new();
    let mut off = 0;
    while off < size {
        let sign = u32::from_le_bytes(out[off..off + 4].try_into().unwrap());
        let len = u32::from_le_bytes(out[off + 4..off + 8].try_into().unwrap()) as usize;
        assert!(sign <= 1);
        nums.push(Num::new(sign == 1, &out[off + 8..off + 8 + len]));
        if len > 0 {
            assert_ne!(out[off + 8], 0, "leading zero byte");
        }
        off += 8 + len;
    }
    assert_eq!(off, size);
    Ok((ret, ret2, nums))
}

/// The TA's answer in the oracle's format.
fn outputs(c: &Case, (ret, ret2, nums): &Answer) -> String {
    let hexes = || nums.iter().map(Num::hex).collect::<Vec<_>>().join(" ");
    match c.op {
        TO_OCTET if *ret == 0 => format!("{ret} {ret2} {}", hexes()),
        TO_OCTET | TO_S32 => format!(
            "{ret} {}",
            if c.op == TO_S32 && *ret == 0 {
                *ret2 as i32 as i64
            } else {
                i64::from(*ret2)
            }
        ),
        CMP | CMP_S32 => format!("{}", *ret as i32),
        GET_BIT | GET_BIT_COUNT | RELATIVE_PRIME | IS_PRIME => format!("{ret}"),
        SET_BIT | ASSIGN | ABS | EXP_MOD | FMM => format!("{ret} {}", hexes()),
        EXT_GCD => nums[0].hex(),
        _ => hexes(),
    }
}

fn line(c: &Case) -> String {
    format!(
        "{} {} {} {} {} {} {}",
        name(c.op),
        c.a.hex(),
        c.b.hex(),
        c.n.hex(),
        c.arg,
        c.bits,
        c.flags
    )
}

fn open(w: &World) -> Session {
    w.ctx()
        .open_session(uuid(BIGINT), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Bits for every TA big integer of a case: room for the operands and
/// the result.
fn room(c: &Case) -> u32 {
    let m = c.a.bits().max(c.b.bits()).max(c.n.bits());
    match c.op {
        MUL | SQUARE => c.a.bits() + c.b.bits().max(c.a.bits()) + 64,
        _ => m + 64,
    }
}

/// Random cases of `op`.
fn cases(rng: &mut Rng, op: u32, count: usize) -> Vec<Case> {
    let mut v = Vec::new();
    for _ in 0..count {
        let mut c = Case {
            op,
            ..Case::default()
        };
        match op {
            CONVERT | TO_S32 | GET_BIT_COUNT | NEG | SQUARE | ABS | ASSIGN => {
                c.a = if op == TO_S32 && rng.below(2) == 0 {
                    rng.sized(5, true)
                } else {
                    rng.num(256)
                };
            }
            TO_OCTET => {
                c.a = rng.num(256);
                c.arg = rng.below(c.a.mag.len() as u64 + 2) as u32;
            }
            FROM_S32 => c.arg = rng.next() as u32,
            CMP_S32 => {
                c.a = rng.sized(6, true);
                c.arg = rng.next() as u32;
            }
            SHIFT_RIGHT | GET_BIT => {
                c.a = rng.num(256);
                c.arg = rng.below(u64::from(c.a.bits()) + 40) as u32;
            }
            SET_BIT => {
                c.a = rng.num(256);
                c.arg = rng.below(u64::from(c.a.bits()) + 96) as u32;
                if rng.below(2) == 0 {
                    c.flags |= F_BIT_VALUE;
                }
            }
            CMP | ADD | SUB | MUL | DIV | RELATIVE_PRIME | EXT_GCD => {
                c.a = rng.num(256);
                c.b = rng.num(256);
                if op == CMP && rng.below(4) == 0 {
                    c.b = c.a.clone();
                }
                if op == DIV && c.b.bits() == 0 {
                    c.b = Num::int(7);
                }
            }
            MOD => {
                c.a = rng.num(256);
                c.n = rng.modulus(256);
            }
            ADD_MOD | SUB_MOD | MUL_MOD | SQUARE_MOD | INV_MOD | FMM | EXP_MOD => {
                c.n = rng.modulus(256);
                c.a = rng.below_num(&c.n);
                c.b = if op == EXP_MOD {
                    rng.sized(257, false)
                } else {
                    rng.below_num(&c.n)
                };
                if op == EXP_MOD && rng.below(2) == 0 {
                    c.flags |= F_CONTEXT;
                }
            }
            _ => unreachable!(),
        }
        // Destinations aliasing operands.
        let binary = matches!(
            op,
            ADD | SUB | MUL | DIV | ADD_MOD | SUB_MOD | MUL_MOD | EXP_MOD | EXT_GCD | FMM
        );
        let unary = matches!(
            op,
            SHIFT_RIGHT | NEG | SQUARE | MOD | SQUARE_MOD | INV_MOD | ASSIGN | ABS | FROM_S32
        );
        match rng.below(4) {
            1 if binary || unary => c.flags |= F_ALIAS_A,
            2 if binary && op != EXP_MOD => c.flags |= F_ALIAS_B,
            3 if binary && op != EXP_MOD => {
                c.flags |= F_ALIAS_AB;
                c.b = c.a.clone();
            }
            _ => {}
        }
        if op == DIV && c.b.bits() == 0 {
            c.flags &= !F_ALIAS_AB;
            c.b = Num::int(7);
        }
        c.bits = room(&c);
        if matches!(op, ASSIGN | ABS) && c.flags == 0 {
            // Destinations of every size, too small ones included.
            c.arg = rng.below(u64::from(c.a.bits()) + 64) as u32 + 1;
        }
        v.push(c);
    }
    v
}

/// Run `cases`, compare with the oracle; returns how many ran.
fn check(s: &Session, cases: &[Case]) -> usize {
    check_cmd(s, CMD_OP, cases)
}

fn check_cmd(s: &Session, cmd: u32, cases: &[Case]) -> usize {
    let expected = python(&cases.iter().map(line).collect::<Vec<_>>());
    let mut gcd_checks = Vec::new();
    let mut ran = 0;
    for (c, e) in cases.iter().zip(&expected) {
        if e == "X" {
            continue; // not invertible: a panic, tested on its own
        }
        let ans = run_cmd(s, cmd, c).unwrap_or_else(|err| panic!("{c:?}: {err}"));
        assert_eq!(&outputs(c, &ans), e, "{c:?}");
        if c.op == EXT_GCD {
            let (_, _, n) = &ans;
            gcd_checks.push(format!(
                "chk_gcd {} {} {} {} {}",
                c.a.hex(),
                c.b.hex(),
                n[0].hex(),
                n[1].hex(),
                n[2].hex()
            ));
        }
        ran += 1;
    }
    if !gcd_checks.is_empty() {
        for (i, r) in python(&gcd_checks).iter().enumerate() {
            assert_eq!(r, "1", "{}", gcd_checks[i]);
        }
    }
    ran
}

#[test]
fn bigint_random_against_python() {
    let w = World::start();
    let s = open(&w);
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for op in [
        CONVERT,
        TO_OCTET,
        FROM_S32,
        TO_S32,
        CMP,
        CMP_S32,
        SHIFT_RIGHT,
        GET_BIT,
        GET_BIT_COUNT,
        SET_BIT,
        ASSIGN,
        ABS,
        ADD,
        SUB,
        NEG,
        MUL,
        SQUARE,
        DIV,
        MOD,
        ADD_MOD,
        SUB_MOD,
        MUL_MOD,
        SQUARE_MOD,
        INV_MOD,
        RELATIVE_PRIME,
        EXT_GCD,
        FMM,
    ] {
        let c = cases(&mut rng, op, 300);
        let ran = check(&s, &c);
        assert!(ran >= 100, "{}: only {ran} cases ran", name(op));
    }
    // Modular exponentiation is slower: fewer cases, odd and even moduli.
    let c = cases(&mut rng, EXP_MOD, 120);
    assert!(c.iter().any(|c| c.n.mag.last().unwrap() % 2 == 0));
    check(&s, &c);
}

#[test]
fn bigint_primality_against_python() {
    let w = World::start();
    let s = open(&w);
    let mut rng = Rng(42);
    // Primes of up to 512 bits from the oracle, and their products.
    let seeds: Vec<String> = (0..60)
        .map(|_| {
            let len = 1 + rng.below(64) as usize;
            format!("next_prime {}", Num::new(false, &rng.bytes(len)).hex())
        })
        .collect();
    let primes = python(&seeds);
    let mut cs = Vec::new();
    let num = |h: &str| {
        let h = h.trim_start_matches("0x");
        let h = if h.len() % 2 == 1 {
            format!("0{h}")
        } else {
            h.to_owned()
        };
        let mag: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        Num::new(false, &mag)
    };
    let mut add = |a: Num, conf: u32| {
        let mut c = Case {
            op: IS_PRIME,
            arg: conf,
            a,
            ..Case::default()
        };
        c.bits = room(&c);
        cs.push(c);
    };
    for (i, p) in primes.iter().enumerate() {
        add(num(p), [0, 80, 100, 200][i % 4]);
        let mut neg = num(p);
        neg.neg = true;
        add(neg, 80);
    }
    // Carmichael numbers, small values, random odd numbers.
    for v in [
        0i64, 1, 2, 3, 4, 5, 89, 91, 97, 561, 1105, 41041, 825265, 3215031751,
    ] {
        add(Num::int(v), 80);
        add(Num::int(-v), 80);
    }
    for _ in 0..200 {
        let len = 1 + rng.below(256) as usize;
        let mut m = rng.bytes(len);
        *m.last_mut().unwrap() |= 1;
        add(Num::new(false, &m), 80);
    }
    check(&s, &cs);
    // Products of two primes are composite.
    let mut cs2 = Vec::new();
    for p in primes.chunks(2) {
        let c = Case {
            op: MUL,
            a: num(&p[0]),
            b: num(&p[1]),
            bits: 1100,
            ..Case::default()
        };
        let (_, _, r) = run(&s, &c).unwrap();
        let mut c = Case {
            op: IS_PRIME,
            arg: 80,
            a: r[0].clone(),
            ..Case::default()
        };
        c.bits = room(&c);
        cs2.push(c);
    }
    check(&s, &cs2);
}

fn case(op: u32, a: Num, b: Num, n: Num, bits: u32) -> Case {
    Case {
        op,
        a,
        b,
        n,
        bits,
        ..Case::default()
    }
}

#[test]
fn bigint_edge_cases() {
    let w = World::start();
    let s = open(&w);
    let zero = Num::default();
    let one = Num::int(1);
    let m1 = Num::int(-1);
    let z = |op, a: &Num, b: &Num, bits| case(op, a.clone(), b.clone(), Num::default(), bits);

    // -0 converts to 0 with a non-negative sign, and leading zero bytes
    // are ignored (12 bytes into 64 bits).
    let (_, _, r) = run(&s, &z(CONVERT, &Num::new(true, &[0, 0]), &zero, 32)).unwrap();
    assert_eq!(r, vec![Num::default()]);
    let r = run(
        &s,
        &z(
            CONVERT,
            &Num::new(true, &[0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
            &zero,
            64,
        ),
    );
    assert_eq!(
        r.unwrap().2,
        vec![Num::new(true, &[1, 2, 3, 4, 5, 6, 7, 8])]
    );
    // Overflow on conversion: 65 bits into 64.
    let r = run(
        &s,
        &z(
            CONVERT,
            &Num::new(false, &[1, 0, 0, 0, 0, 0, 0, 0, 0]),
            &zero,
            64,
        ),
    );
    assert_eq!(r.unwrap_err(), Error::new(OVERFLOW, 4));
    // A big integer of 0 bits holds 0 only.
    assert!(run(&s, &z(CONVERT, &zero, &zero, 0)).is_ok());
    assert_eq!(
        run(&s, &z(CONVERT, &one, &zero, 0)).unwrap_err(),
        Error::new(OVERFLOW, 4)
    );

    // Short buffers report the size needed; 0 needs none.
    let mut c = z(TO_OCTET, &Num::int(0x12345), &zero, 64);
    c.arg = 2;
    assert_eq!(run(&s, &c).unwrap(), (SHORT_BUFFER, 3, vec![]));
    c.arg = 3;
    assert_eq!(
        run(&s, &c).unwrap(),
        (0, 3, vec![Num::new(false, &[1, 0x23, 0x45])])
    );
    let mut c = z(TO_OCTET, &zero, &zero, 64);
    c.arg = 0;
    assert_eq!(run(&s, &c).unwrap(), (0, 0, vec![Num::default()]));

    // int32 conversions at the limits.
    for (v, ok) in [
        (0i64, true),
        (1, true),
        (-1, true),
        (i32::MAX as i64, true),
        (i32::MIN as i64, true),
        (i32::MAX as i64 + 1, false),
        (i32::MIN as i64 - 1, false),
    ] {
        let (ret, val, _) = run(&s, &z(TO_S32, &Num::int(v), &zero, 64)).unwrap();
        if ok {
            assert_eq!((ret, val as i32 as i64), (0, v));
        } else {
            assert_eq!((ret, val), (OVERFLOW, 0x5A5A_5A5A), "{v}");
        }
    }
    // ±1 and 0 through the arithmetic.
    let t = |op, a: &Num, b: &Num| run(&s, &z(op, a, b, 64)).unwrap().2[0].clone();
    assert_eq!(t(ADD, &one, &m1), zero);
    assert_eq!(t(SUB, &zero, &one), m1);
    assert_eq!(t(MUL, &m1, &m1), one);
    assert_eq!(t(MUL, &m1, &zero), zero);
    assert_eq!(t(NEG, &zero, &zero), zero);
    assert_eq!(t(SHIFT_RIGHT, &m1, &zero), m1);
    let mut c = z(SHIFT_RIGHT, &m1, &zero, 64);
    c.arg = 1;
    assert_eq!(
        run(&s, &c).unwrap().2,
        vec![zero.clone()],
        "-1 >> 1 is 0 (magnitude shift)"
    );
    let r = run(&s, &z(DIV, &Num::int(-7), &Num::int(2), 64)).unwrap().2;
    assert_eq!(r, vec![Num::int(-3), m1.clone()], "truncated toward zero");
    let mut c = z(DIV, &Num::int(-7), &Num::int(2), 64);
    c.flags = F_NULL_1;
    assert_eq!(run(&s, &c).unwrap().2, vec![zero.clone(), m1.clone()]);
    c.flags = F_NULL_2 | F_ALIAS_AB;
    c.b = c.a.clone();
    assert_eq!(run(&s, &c).unwrap().2, vec![one.clone(), zero.clone()]);
    // gcd(0, 0) = 0; u and v may be NULL.
    let mut c = z(EXT_GCD, &zero, &zero, 64);
    assert_eq!(run(&s, &c).unwrap().2[0], zero);
    c.a = Num::int(12);
    c.b = Num::int(-18);
    c.flags = F_NULL_1 | F_NULL_2;
    assert_eq!(
        run(&s, &c).unwrap().2,
        vec![Num::int(6), zero.clone(), zero.clone()]
    );
    // Assign / Abs / SetBit beyond the destination: TEE_ERROR_OVERFLOW,
    // the destination unchanged.
    let mut c = z(ASSIGN, &Num::new(true, &[1, 0, 0, 0, 0]), &zero, 64);
    c.arg = 32;
    assert_eq!(run(&s, &c).unwrap(), (OVERFLOW, 0, vec![zero.clone()]));
    c.arg = 33;
    assert_eq!(run(&s, &c).unwrap().0, 0);
    let mut c = z(SET_BIT, &m1, &zero, 64);
    c.arg = 64;
    assert_eq!(run(&s, &c).unwrap(), (OVERFLOW, 0, vec![m1.clone()]));
    c.arg = 63;
    c.flags = F_BIT_VALUE;
    assert_eq!(
        run(&s, &c).unwrap().2,
        vec![Num::new(true, &[0x80, 0, 0, 0, 0, 0, 0, 1])]
    );
    // FMM sizes follow TEE_BigIntSizeInU32.
    let (a, b, _) = run(
        &s,
        &Case {
            op: FMM_SIZES,
            arg: 2048,
            ..Case::default()
        },
    )
    .unwrap();
    assert_eq!((a, b), (66, 66));
    // Exponentiation: x^0 = 1, 0^0 = 1, even modulus, with and without a
    // context.
    for flags in [0, F_CONTEXT] {
        let mut c = case(EXP_MOD, zero.clone(), zero.clone(), Num::int(10), 64);
        c.flags = flags;
        assert_eq!(run(&s, &c).unwrap(), (0, 0, vec![one.clone()]));
        c.a = Num::int(3);
        c.b = Num::int(5);
        assert_eq!(run(&s, &c).unwrap(), (0, 0, vec![Num::int(3)]));
    }
    assert_eq!(
        run(
            &s,
            &case(INV_MOD, Num::int(3), zero.clone(), Num::int(7), 64)
        )
        .unwrap()
        .2,
        vec![Num::int(5)]
    );
}

#[test]
fn bigint_panics() {
    let w = World::start();
    let bits = 64;
    let n = |v| Num::int(v);
    let mut panics = vec![
        case(DIV, n(5), n(0), n(0), bits),
        case(MOD, n(5), n(0), n(0), bits),
        case(MOD, n(5), n(0), n(-7), bits),
        case(MOD, n(5), n(0), n(1), bits),
        case(ADD_MOD, n(1), n(1), n(0), bits),
        case(INV_MOD, n(6), n(0), n(9), bits),
        case(INV_MOD, n(0), n(0), n(9), bits),
        case(EXP_MOD, n(2), n(-1), n(9), bits),
        case(EXP_MOD, n(2), n(3), n(-9), bits),
        case(FMM, n(2), n(3), n(0), bits),
        // Results larger than the destination.
        case(MUL, n(1 << 62), n(1 << 62), n(0), bits),
        case(ADD, n(0xFFFF_FFFF), n(1), n(0), 32),
    ];
    for i in 0..4 {
        panics.push(Case {
            op: PANIC,
            arg: i,
            bits,
            ..Case::default()
        });
    }
    for c in &panics {
        let s = open(&w);
        assert_eq!(run(&s, c).unwrap_err(), TARGET_DEAD, "{c:?}");
        // The next session works.
        let s = open(&w);
        let (_, _, r) = run(&s, &case(ADD, n(2), n(3), n(0), bits)).unwrap();
        assert_eq!(r, vec![n(5)]);
    }
}

/// The same arithmetic from a Rust TA through the SDK (tests/tas/rust/props,
/// command 20, the C TA's parameters), against the same oracle.
#[test]
fn bigint_rust_sdk_against_python() {
    let w = World::start();
    let s = w
        .ctx()
        .open_session(
            uuid("3f1b7c2e-5d0a-4c8e-9b61-2a7d4e8f0c14"),
            Login::Public,
            &mut [],
        )
        .unwrap()
        .0;
    let mut rng = Rng(0x5eed);
    for op in [
        ADD,
        SUB,
        NEG,
        MUL,
        SQUARE,
        DIV,
        MOD,
        ADD_MOD,
        SUB_MOD,
        MUL_MOD,
        SQUARE_MOD,
        INV_MOD,
        RELATIVE_PRIME,
        EXT_GCD,
    ] {
        let c = cases(&mut rng, op, 100);
        let ran = check_cmd(&s, 20, &c);
        assert!(ran >= 30, "{}: only {ran} cases ran", name(op));
    }
    let c = cases(&mut rng, EXP_MOD, 40);
    check_cmd(&s, 20, &c);
}
