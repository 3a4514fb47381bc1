//! Signed TA images in OP-TEE's layout: signed by a trusted (root) key,
//! or through a chain of OP-TEE subkeys that starts at one.
//!
//! Every header of an image is a signed header:
//!
//! ```text
//! struct shdr {                  // little-endian
//!     u32 magic;                 // 0x4f545348 ("OTSH")
//!     u32 img_type;              // 1 = SHDR_BOOTSTRAP_TA, 3 = SHDR_SUBKEY
//!     u32 img_size;              // size of what the header covers (below)
//!     u32 algo;                  // TEE_ALG_RSASSA_PKCS1_{PSS_MGF1,V1_5}_SHA256
//!     u16 hash_size;             // 32
//!     u16 sig_size;              // modulus size in bytes of the signing key
//! };
//! u8  hash[hash_size];
//! u8  sig[sig_size];             // RSA signature over hash
//! ```
//!
//! A TA signed directly by a root key is one bootstrap header and its ELF:
//!
//! ```text
//! shdr (img_type 1), hash, sig   // hash = SHA-256(shdr || bootstrap || elf)
//! struct shdr_bootstrap_ta { u8 uuid[16]; u32 ta_version; };
//! u8  elf[img_size];             // the TA, an ELF built for the host
//! ```
//!
//! A TA signed through subkeys has one subkey per level in front of that,
//! each followed by the name its namespace gives the next level:
//!
//! ```text
//! shdr (img_type 3), hash, sig   // hash = SHA-256(shdr || subkey), signed by
//!                                //   the root key or the subkey above
//! struct shdr_subkey {           // img_size bytes in all
//!     u8  uuid[16];              // this subkey's UUID, the next level's namespace
//!     u32 name_size;             // size of the name after it (0: identity subkey)
//!     u32 subkey_version;        // rollback counter of this subkey
//!     u32 max_depth;             // subkey levels allowed below this one
//!     u32 algo;                  // the subkey's algorithm (main algorithm RSA)
//!     u32 attr_count;
//!     struct { u32 id, offs, size; } attrs[attr_count];
//!     // then the attribute values, big-endian numbers: TEE_ATTR_RSA_MODULUS
//!     // and TEE_ATTR_RSA_PUBLIC_EXPONENT, at offs from the start of
//!     // shdr_subkey, each inside img_size
//! };
//! u8  name[name_size];           // NUL-padded; not signed (it only picks a
//!                                // UUID inside the namespace)
//! ... next subkey, or the TA's bootstrap header signed by this subkey
//! ```
//!
//! The rules are OP-TEE's (`ree_fs_ta_open` and `shdr_load_pub_key`):
//!
//! * the first header verifies with a trusted key, each later one with the
//!   subkey right before it; a subkey's hash covers its `shdr` and all of
//!   its `img_size` bytes;
//! * `max_depth` strictly decreases along the chain (the first subkey's
//!   must be below `u32::MAX`); 0 means only TAs may come below;
//! * each subkey names the UUID of the next level: its own UUID when
//!   `name_size` is 0 (an identity subkey), else the first 16 bytes of
//!   SHA-512(its UUID || the name up to its first NUL) with the version set
//!   to 5 and the RFC 4122 variant (OP-TEE's UUIDv5, with SHA-512 in place
//!   of SHA-1). The next subkey's UUID, or the TA's, must be exactly that.
//!
//! A subkey file (`oxtee ta sign-subkey`, like OP-TEE's `sign_encrypt.py
//! sign-subkey`) is such a chain up to its last subkey, without the name
//! after it; signing a TA through it appends the name and the TA.
//!
//! Verification works on bytes already in memory; the caller executes
//! exactly the `elf` slice of the buffer it verified.

use alloc::{format, string::String, string::ToString, vec, vec::Vec};
use oxtee_proto::Uuid;
/// The key type of the trusted (root) keys [`verify`] takes.
pub use rsa::RsaPublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256, Sha512};

pub const SHDR_MAGIC: u32 = 0x4f54_5348;
pub const SHDR_TA: u32 = 0;
pub const SHDR_BOOTSTRAP_TA: u32 = 1;
pub const SHDR_ENCRYPTED_TA: u32 = 2;
pub const SHDR_SUBKEY: u32 = 3;
pub const ALG_RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;
pub const ALG_RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;
/// GP attribute IDs of an RSA public key, as a subkey carries them.
pub const TEE_ATTR_RSA_MODULUS: u32 = 0xD000_0130;
pub const TEE_ATTR_RSA_PUBLIC_EXPONENT: u32 = 0xD000_0230;
/// `TEE_ALG_GET_MAIN_ALG(algo)` of the RSA algorithms.
const TEE_MAIN_ALGO_RSA: u32 = 0x30;

const SHDR_LEN: usize = 20;
const BOOTSTRAP_LEN: usize = 20;
const HASH_LEN: usize = 32;
/// `struct shdr_subkey` without its attributes, and one attribute.
const SUBKEY_LEN: usize = 36;
const SUBKEY_ATTR_LEN: usize = 12;
/// Largest TA image accepted (the ELF plus headers).
pub const MAX_IMAGE: usize = 256 << 20;
/// Shortest subkey modulus accepted (the RSA crate caps the longest at
/// 4096 bits). OP-TEE leaves both to its crypto library.
pub const MIN_SUBKEY_BITS: usize = 2048;
/// Most subkeys in one chain. OP-TEE bounds a chain only by `max_depth`;
/// this bounds the work a chain can ask of the core (one RSA verification
/// per level) far above any real hierarchy.
pub const MAX_SUBKEYS: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImageError {
    #[error("image is truncated")]
    Truncated,
    #[error("image is too large")]
    TooLarge,
    #[error("bad magic 0x{0:08x} (not a signed TA)")]
    BadMagic(u32),
    #[error("unsupported image type {0} (only bootstrap TAs and subkeys are supported)")]
    UnsupportedType(u32),
    #[error("unsupported signature algorithm 0x{0:08x}")]
    UnsupportedAlgorithm(u32),
    #[error("image size field does not match the file")]
    SizeMismatch,
    #[error("hash mismatch: the image was modified after signing")]
    HashMismatch,
    #[error("signature does not verify with any trusted key")]
    BadSignature,
    #[error("no trusted TA signing key is configured")]
    NoKeys,
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("malformed subkey: {0}")]
    BadSubkey(&'static str),
    #[error("more than {MAX_SUBKEYS} subkeys in one chain")]
    TooManySubkeys,
    #[error("a header does not verify with subkey {0} above it")]
    BadSubkeySignature(Uuid),
    #[error(
        "subkey {uuid} allows max_depth {max_depth}, but the subkey above it allows only {allowed} levels below (depth exceeded)"
    )]
    SubkeyDepth {
        uuid: Uuid,
        max_depth: u32,
        allowed: u32,
    },
    #[error(
        "subkey {got} is outside the namespace of the subkey above it (which allows {expected})"
    )]
    SubkeyOutsideNamespace { expected: Uuid, got: Uuid },
    #[error("TA {got} is outside the UUID namespace of its subkey (which allows {expected})")]
    UuidOutsideNamespace { expected: Uuid, got: Uuid },
    #[error("this is a subkey file, not a signed TA")]
    NotATa,
}

/// One subkey of a chain, borrowing the image buffer.
#[derive(Debug, Clone)]
pub struct Subkey<'a> {
    /// Algorithm of the signature over this subkey (by the level above).
    pub algo: u32,
    pub hash: &'a [u8],
    pub sig: &'a [u8],
    pub uuid: Uuid,
    pub name_size: u32,
    pub subkey_version: u32,
    pub max_depth: u32,
    /// The subkey's own `algo` field.
    pub key_algo: u32,
    /// The public key it carries.
    pub key: RsaPublicKey,
    /// The name after it, up to its first NUL (`None` at the end of a
    /// subkey file, where the name is not there yet).
    pub next_name: Option<&'a [u8]>,
    /// The UUID the next level must have (`None` when the name is not
    /// there yet and the subkey is not an identity subkey).
    pub next_uuid: Option<Uuid>,
    signed_header: &'a [u8],
    body: &'a [u8],
}

/// The parsed parts of a signed image, borrowing the image buffer.
#[derive(Debug, Clone)]
pub struct SignedImage<'a> {
    /// The subkey chain, first (signed by a root key) to last (which
    /// signs the TA); empty for a TA signed by a root key.
    pub subkeys: Vec<Subkey<'a>>,
    pub img_type: u32,
    pub algo: u32,
    pub hash: &'a [u8],
    pub sig: &'a [u8],
    pub uuid: Uuid,
    pub ta_version: u32,
    pub elf: &'a [u8],
    /// The [`key_id`] of the key that signed the TA: the last subkey's
    /// (known when parsed), or the root key's (known once [`verify`]
    /// found which trusted key it is; `None` after [`parse`] alone).
    pub signer: Option<[u8; 32]>,
    signed_header: &'a [u8],
    bootstrap: &'a [u8],
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

/// One `struct shdr` with its hash and signature, at `offs`.
struct Header<'a> {
    img_type: u32,
    img_size: usize,
    algo: u32,
    hash: &'a [u8],
    sig: &'a [u8],
    fixed: &'a [u8],
    /// Offset of what follows the signature.
    end: usize,
}

fn header(bytes: &[u8], offs: usize) -> Result<Header<'_>, ImageError> {
    let b = bytes.get(offs..).ok_or(ImageError::Truncated)?;
    if b.len() < SHDR_LEN {
        return Err(ImageError::Truncated);
    }
    let magic = le32(b, 0);
    if magic != SHDR_MAGIC {
        return Err(ImageError::BadMagic(magic));
    }
    let img_type = le32(b, 4);
    if img_type != SHDR_BOOTSTRAP_TA && img_type != SHDR_SUBKEY {
        return Err(ImageError::UnsupportedType(img_type));
    }
    let img_size = le32(b, 8) as usize;
    let algo = le32(b, 12);
    if algo != ALG_RSASSA_PKCS1_V1_5_SHA256 && algo != ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 {
        return Err(ImageError::UnsupportedAlgorithm(algo));
    }
    let hash_size = le16(b, 16) as usize;
    let sig_size = le16(b, 18) as usize;
    if hash_size != HASH_LEN {
        return Err(ImageError::UnsupportedAlgorithm(algo));
    }
    let hash_end = SHDR_LEN + hash_size;
    let sig_end = hash_end + sig_size;
    if b.len() < sig_end {
        return Err(ImageError::Truncated);
    }
    Ok(Header {
        img_type,
        img_size,
        algo,
        hash: &b[SHDR_LEN..hash_end],
        sig: &b[hash_end..sig_end],
        fixed: &b[..SHDR_LEN],
        end: offs + sig_end,
    })
}

/// The UUID a subkey gives the next level: its own for an identity
/// subkey (`name_size` 0), else derived from its UUID and `name` as
/// OP-TEE derives it: SHA-512 (not RFC 4122's SHA-1) over the namespace
/// UUID and the name up to its first NUL, the first 16 bytes, version 5,
/// RFC 4122 variant.
pub fn derive_uuid(namespace: Uuid, name: &[u8]) -> Uuid {
    let name = name.split(|&c| c == 0).next().unwrap_or_default();
    let mut h = Sha512::new();
    h.update(namespace.0);
    h.update(name);
    let d = h.finalize();
    let mut u = [0u8; 16];
    u.copy_from_slice(&d[..16]);
    u[6] = (u[6] & 0x0f) | 0x50;
    u[8] = (u[8] & 0x3f) | 0x80;
    Uuid(u)
}

/// The subkey whose header is `h` at `offs`; `name` says whether the name
/// after it must be there (an image) or may be missing at the very end of
/// the buffer (a subkey file). Returns the subkey and where the next
/// header starts.
fn subkey<'a>(
    bytes: &'a [u8],
    h: &Header<'a>,
    file: bool,
) -> Result<(Subkey<'a>, usize), ImageError> {
    let start = h.end;
    let end = start.checked_add(h.img_size).ok_or(ImageError::Truncated)?;
    let body = bytes.get(start..end).ok_or(ImageError::Truncated)?;
    if body.len() < SUBKEY_LEN {
        return Err(ImageError::BadSubkey("smaller than struct shdr_subkey"));
    }
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&body[..16]);
    let uuid = Uuid(uuid);
    let name_size = le32(body, 16);
    let subkey_version = le32(body, 20);
    let max_depth = le32(body, 24);
    let key_algo = le32(body, 28);
    let attr_count = le32(body, 32) as usize;
    // Every attribute descriptor, and every value, inside img_size.
    let table_end = attr_count
        .checked_mul(SUBKEY_ATTR_LEN)
        .and_then(|n| n.checked_add(SUBKEY_LEN))
        .filter(|&n| n <= body.len())
        .ok_or(ImageError::BadSubkey("attribute table beyond the subkey"))?;
    let mut modulus = None;
    let mut exponent = None;
    for at in (SUBKEY_LEN..table_end).step_by(SUBKEY_ATTR_LEN) {
        let (id, offs, size) = (
            le32(body, at),
            le32(body, at + 4) as usize,
            le32(body, at + 8) as usize,
        );
        let value = offs
            .checked_add(size)
            .and_then(|e| body.get(offs..e))
            .ok_or(ImageError::BadSubkey("attribute value outside the subkey"))?;
        // The first attribute with an ID counts, as in OP-TEE.
        match id {
            TEE_ATTR_RSA_MODULUS if modulus.is_none() => modulus = Some(value),
            TEE_ATTR_RSA_PUBLIC_EXPONENT if exponent.is_none() => exponent = Some(value),
            _ => {}
        }
    }
    if key_algo & 0xff != TEE_MAIN_ALGO_RSA {
        return Err(ImageError::BadSubkey("its algorithm is not RSA"));
    }
    let (Some(n), Some(e)) = (modulus, exponent) else {
        return Err(ImageError::BadSubkey(
            "no RSA modulus or public exponent attribute",
        ));
    };
    let key = RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
        .map_err(|_| ImageError::BadSubkey("its RSA public key is not usable"))?;
    if key.n().bits() < MIN_SUBKEY_BITS {
        return Err(ImageError::BadSubkey(
            "its RSA key is shorter than 2048 bits",
        ));
    }
    let (next_name, next) = if file && end == bytes.len() {
        (None, end)
    } else {
        let name_end = end
            .checked_add(name_size as usize)
            .filter(|&e| e <= bytes.len())
            .ok_or(ImageError::Truncated)?;
        let name = &bytes[end..name_end];
        (
            Some(name.split(|&c| c == 0).next().unwrap_or_default()),
            name_end,
        )
    };
    let next_uuid = match (name_size, next_name) {
        (0, _) => Some(uuid),
        (_, Some(name)) => Some(derive_uuid(uuid, name)),
        (_, None) => None,
    };
    Ok((
        Subkey {
            algo: h.algo,
            hash: h.hash,
            sig: h.sig,
            uuid,
            name_size,
            subkey_version,
            max_depth,
            key_algo,
            key,
            next_name,
            next_uuid,
            signed_header: h.fixed,
            body,
        },
        next,
    ))
}

/// Parse the layout without checking any signature or the chain's rules.
pub fn parse(bytes: &[u8]) -> Result<SignedImage<'_>, ImageError> {
    if bytes.len() > MAX_IMAGE {
        return Err(ImageError::TooLarge);
    }
    let mut subkeys = Vec::new();
    let mut offs = 0;
    loop {
        let h = header(bytes, offs)?;
        if h.img_type == SHDR_SUBKEY {
            if subkeys.len() == MAX_SUBKEYS {
                return Err(ImageError::TooManySubkeys);
            }
            let (sk, next) = subkey(bytes, &h, false)?;
            subkeys.push(sk);
            offs = next;
            continue;
        }
        let boot_end = h.end + BOOTSTRAP_LEN;
        if bytes.len() < boot_end {
            return Err(ImageError::Truncated);
        }
        let elf = &bytes[boot_end..];
        if elf.len() < h.img_size {
            return Err(ImageError::Truncated);
        }
        if elf.len() != h.img_size {
            return Err(ImageError::SizeMismatch);
        }
        let bootstrap = &bytes[h.end..boot_end];
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(&bootstrap[..16]);
        let signer = subkeys.last().map(|sk| key_id(&sk.key));
        return Ok(SignedImage {
            subkeys,
            signer,
            img_type: h.img_type,
            algo: h.algo,
            hash: h.hash,
            sig: h.sig,
            uuid: Uuid(uuid),
            ta_version: le32(bootstrap, 16),
            elf,
            signed_header: h.fixed,
            bootstrap,
        });
    }
}

/// Parse a subkey file: one or more subkeys, each but the last followed
/// by its name, the last ending the file. Nothing is verified.
pub fn parse_subkey_file(bytes: &[u8]) -> Result<Vec<Subkey<'_>>, ImageError> {
    if bytes.len() > MAX_IMAGE {
        return Err(ImageError::TooLarge);
    }
    let mut subkeys = Vec::new();
    let mut offs = 0;
    while subkeys.is_empty() || offs < bytes.len() {
        let h = header(bytes, offs)?;
        if h.img_type != SHDR_SUBKEY {
            return Err(ImageError::BadSubkey("a subkey file holds only subkeys"));
        }
        if subkeys.len() == MAX_SUBKEYS {
            return Err(ImageError::TooManySubkeys);
        }
        let (sk, next) = subkey(bytes, &h, true)?;
        subkeys.push(sk);
        offs = next;
    }
    Ok(subkeys)
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A public key's identity: SHA-256 over a label and the key's modulus
/// and public exponent (big-endian, each after its length as four
/// big-endian bytes). What sealing keys are bound to under the signer
/// policy (`crate::sealing`) and what attestation reports as a signer.
pub fn key_id(key: &RsaPublicKey) -> [u8; 32] {
    let n = key.n().to_bytes_be();
    let e = key.e().to_bytes_be();
    let (nl, el) = (
        (n.len() as u32).to_be_bytes(),
        (e.len() as u32).to_be_bytes(),
    );
    digest(&[b"oxtee-signer-v1\0", &nl, &n, &el, &e])
}

fn sig_ok(key: &RsaPublicKey, algo: u32, hash: &[u8], sig: &[u8]) -> bool {
    match algo {
        ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => key
            .verify(Pss::new_with_salt::<Sha256>(HASH_LEN), hash, sig)
            .is_ok(),
        ALG_RSASSA_PKCS1_V1_5_SHA256 => {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), hash, sig).is_ok()
        }
        _ => false,
    }
}

/// The end of a verified chain: the index of the root key that verified
/// its first header, and the last subkey with the UUID what it signs must
/// have (`None`: no subkey, the root key signs what follows).
type ChainEnd<'k> = (usize, Option<(&'k Subkey<'k>, Option<Uuid>)>);

/// Check a chain in OP-TEE's order: the first header with a trusted key,
/// then for each subkey its hash, attributes (checked when parsed), depth
/// and namespace, and the next header's signature with its key.
fn verify_chain<'k>(
    subkeys: &'k [Subkey<'_>],
    first: (u32, &[u8], &[u8]),
    keys: &'k [RsaPublicKey],
) -> Result<ChainEnd<'k>, ImageError> {
    if keys.is_empty() {
        return Err(ImageError::NoKeys);
    }
    let (algo, hash, sig) = first;
    let Some(root) = keys.iter().position(|k| sig_ok(k, algo, hash, sig)) else {
        return Err(ImageError::BadSignature);
    };
    let mut allowed = u32::MAX;
    let mut above: Option<&Subkey<'_>> = None;
    for sk in subkeys {
        if let Some(up) = above {
            if !sig_ok(&up.key, sk.algo, sk.hash, sk.sig) {
                return Err(ImageError::BadSubkeySignature(up.uuid));
            }
        }
        if digest(&[sk.signed_header, sk.body]).as_slice() != sk.hash {
            return Err(ImageError::HashMismatch);
        }
        if sk.max_depth >= allowed {
            return Err(ImageError::SubkeyDepth {
                uuid: sk.uuid,
                max_depth: sk.max_depth,
                allowed,
            });
        }
        if let Some(up) = above {
            let expected = up.next_uuid.ok_or(ImageError::Truncated)?;
            if sk.uuid != expected {
                return Err(ImageError::SubkeyOutsideNamespace {
                    expected,
                    got: sk.uuid,
                });
            }
        }
        allowed = sk.max_depth;
        above = Some(sk);
    }
    Ok((root, above.map(|sk| (sk, sk.next_uuid))))
}

/// Parse and verify an image against the trusted (root) keys, with its
/// subkey chain if it has one.
pub fn verify<'a>(bytes: &'a [u8], keys: &[RsaPublicKey]) -> Result<SignedImage<'a>, ImageError> {
    let mut img = parse(bytes)?;
    let first = match img.subkeys.first() {
        Some(sk) => (sk.algo, sk.hash, sk.sig),
        None => (img.algo, img.hash, img.sig),
    };
    let (root, last) = verify_chain(&img.subkeys, first, keys)?;
    if let Some((last, next_uuid)) = last {
        if !sig_ok(&last.key, img.algo, img.hash, img.sig) {
            return Err(ImageError::BadSubkeySignature(last.uuid));
        }
        let expected = next_uuid.ok_or(ImageError::Truncated)?;
        if img.uuid != expected {
            return Err(ImageError::UuidOutsideNamespace {
                expected,
                got: img.uuid,
            });
        }
    }
    if digest(&[img.signed_header, img.bootstrap, img.elf]).as_slice() != img.hash {
        return Err(ImageError::HashMismatch);
    }
    if img.subkeys.is_empty() {
        img.signer = Some(key_id(&keys[root]));
    }
    Ok(img)
}

/// Parse and verify a subkey file against the trusted (root) keys.
pub fn verify_subkey_file<'a>(
    bytes: &'a [u8],
    keys: &[RsaPublicKey],
) -> Result<Vec<Subkey<'a>>, ImageError> {
    let subkeys = parse_subkey_file(bytes)?;
    let first = (subkeys[0].algo, subkeys[0].hash, subkeys[0].sig);
    verify_chain(&subkeys, first, keys)?;
    Ok(subkeys)
}

/// `shdr || hash || sig` for a payload `parts` (what the hash covers
/// after the `shdr`) of which `img_size` bytes are counted in the header.
fn signed_header(
    img_type: u32,
    img_size: usize,
    parts: &[&[u8]],
    key: &RsaPrivateKey,
    algo: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, ImageError> {
    let img_size = u32::try_from(img_size).map_err(|_| ImageError::TooLarge)?;
    let sig_size =
        u16::try_from(key.size()).map_err(|_| ImageError::Sign("key too large".into()))?;
    let mut out = Vec::with_capacity(SHDR_LEN + HASH_LEN + sig_size as usize);
    out.extend_from_slice(&SHDR_MAGIC.to_le_bytes());
    out.extend_from_slice(&img_type.to_le_bytes());
    out.extend_from_slice(&img_size.to_le_bytes());
    out.extend_from_slice(&algo.to_le_bytes());
    out.extend_from_slice(&(HASH_LEN as u16).to_le_bytes());
    out.extend_from_slice(&sig_size.to_le_bytes());
    let mut all: Vec<&[u8]> = vec![&out[..SHDR_LEN]];
    all.extend_from_slice(parts);
    let hash = digest(&all);
    let sig = match algo {
        ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => key
            .sign_with_rng(rng, Pss::new_with_salt::<Sha256>(HASH_LEN), &hash)
            .map_err(|e| ImageError::Sign(e.to_string()))?,
        ALG_RSASSA_PKCS1_V1_5_SHA256 => key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &hash)
            .map_err(|e| ImageError::Sign(e.to_string()))?,
        other => return Err(ImageError::UnsupportedAlgorithm(other)),
    };
    out.extend_from_slice(&hash);
    out.extend_from_slice(&sig);
    Ok(out)
}

/// Produce a signed bootstrap image of `elf`, signed by `key` (a root key).
pub fn sign(
    elf: &[u8],
    uuid: Uuid,
    ta_version: u32,
    key: &RsaPrivateKey,
    algo: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, ImageError> {
    if elf.len() + 4096 > MAX_IMAGE {
        return Err(ImageError::TooLarge);
    }
    let mut bootstrap = Vec::with_capacity(BOOTSTRAP_LEN);
    bootstrap.extend_from_slice(&uuid.0);
    bootstrap.extend_from_slice(&ta_version.to_le_bytes());
    let mut out = signed_header(
        SHDR_BOOTSTRAP_TA,
        elf.len(),
        &[&bootstrap, elf],
        key,
        algo,
        rng,
    )?;
    out.reserve(BOOTSTRAP_LEN + elf.len());
    out.extend_from_slice(&bootstrap);
    out.extend_from_slice(elf);
    Ok(out)
}

/// `chain` (a subkey file) and the name for the level below its last
/// subkey, NUL-padded to that subkey's `name_size`, as OP-TEE's signer
/// writes it. The name must fit and hold no NUL; an identity subkey
/// (`name_size` 0) takes no name.
fn chain_with_name<'a>(chain: &'a [u8], name: &[u8]) -> Result<(Vec<u8>, Subkey<'a>), ImageError> {
    let subkeys = parse_subkey_file(chain)?;
    let last = subkeys.last().expect("a subkey file has a subkey").clone();
    if name.contains(&0) {
        return Err(ImageError::Sign("the name holds a NUL byte".into()));
    }
    if name.len() > last.name_size as usize {
        return Err(ImageError::Sign(format!(
            "the name is {} bytes, longer than the subkey's name_size {}",
            name.len(),
            last.name_size
        )));
    }
    let mut out = chain.to_vec();
    out.extend_from_slice(name);
    out.resize(chain.len() + last.name_size as usize, 0);
    Ok((out, last))
}

/// The UUID a name gives below the last subkey of a subkey file.
pub fn next_uuid(chain: &[u8], name: &[u8]) -> Result<Uuid, ImageError> {
    let (_, last) = chain_with_name(chain, name)?;
    Ok(if last.name_size == 0 {
        last.uuid
    } else {
        derive_uuid(last.uuid, name)
    })
}

/// Produce a signed bootstrap image of `elf` through a subkey: the subkey
/// file `chain`, the `name` in its namespace, then the TA signed by `key`
/// (the last subkey's private key). The TA's `uuid` must be the one the
/// subkey and the name give.
pub fn sign_with_subkey(
    elf: &[u8],
    uuid: Uuid,
    ta_version: u32,
    (chain, name): (&[u8], &[u8]),
    key: &RsaPrivateKey,
    algo: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, ImageError> {
    let expected = next_uuid(chain, name)?;
    if uuid != expected {
        return Err(ImageError::UuidOutsideNamespace {
            expected,
            got: uuid,
        });
    }
    let (mut out, last) = chain_with_name(chain, name)?;
    if last.key != key.to_public_key() {
        return Err(ImageError::Sign(
            "the signing key is not the subkey's key".into(),
        ));
    }
    out.extend_from_slice(&sign(elf, uuid, ta_version, key, algo, rng)?);
    Ok(out)
}

/// What a new subkey says about itself.
#[derive(Debug, Clone, Copy)]
pub struct SubkeyParams {
    /// Its UUID: the namespace of the level below it.
    pub uuid: Uuid,
    /// Size of the name field after it; 0 makes an identity subkey.
    pub name_size: u32,
    pub subkey_version: u32,
    pub max_depth: u32,
    /// The algorithm recorded in the subkey.
    pub algo: u32,
}

/// A big-endian number as OP-TEE's signer writes subkey attributes:
/// `bit_length / 8 + 1` bytes (a leading zero when the top byte is full).
fn attr_bytes(n: &BigUint) -> Vec<u8> {
    let len = n.bits() / 8 + 1;
    let raw = n.to_bytes_be();
    let mut v = vec![0u8; len - raw.len()];
    v.extend_from_slice(&raw);
    v
}

/// The `struct shdr_subkey` payload carrying `public`.
pub fn subkey_body(p: &SubkeyParams, public: &RsaPublicKey) -> Vec<u8> {
    let (n, e) = (attr_bytes(public.n()), attr_bytes(public.e()));
    let values = SUBKEY_LEN + 2 * SUBKEY_ATTR_LEN;
    let mut b = Vec::with_capacity(values + n.len() + e.len());
    b.extend_from_slice(&p.uuid.0);
    for v in [p.name_size, p.subkey_version, p.max_depth, p.algo, 2] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for (id, offs, size) in [
        (TEE_ATTR_RSA_MODULUS, values, n.len()),
        (TEE_ATTR_RSA_PUBLIC_EXPONENT, values + n.len(), e.len()),
    ] {
        for v in [id, offs as u32, size as u32] {
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    b.extend_from_slice(&n);
    b.extend_from_slice(&e);
    b
}

/// Produce a subkey file for `public`, signed by `key`: a root key
/// (`parent` `None`), or the last subkey of the subkey file `parent`,
/// whose namespace then gets `name` for the new subkey. The rules
/// `verify` enforces are checked here too: the new UUID must be the one
/// the parent and the name give, and its `max_depth` below the parent's.
pub fn sign_subkey(
    params: &SubkeyParams,
    public: &RsaPublicKey,
    parent: Option<(&[u8], &[u8])>,
    key: &RsaPrivateKey,
    algo: u32,
    rng: &mut impl rand_core::CryptoRngCore,
) -> Result<Vec<u8>, ImageError> {
    if params.algo & 0xff != TEE_MAIN_ALGO_RSA {
        return Err(ImageError::BadSubkey("its algorithm is not RSA"));
    }
    let mut out = Vec::new();
    if let Some((chain, name)) = parent {
        let expected = next_uuid(chain, name)?;
        if params.uuid != expected {
            return Err(ImageError::SubkeyOutsideNamespace {
                expected,
                got: params.uuid,
            });
        }
        let (with_name, last) = chain_with_name(chain, name)?;
        if params.max_depth >= last.max_depth {
            return Err(ImageError::SubkeyDepth {
                uuid: params.uuid,
                max_depth: params.max_depth,
                allowed: last.max_depth,
            });
        }
        if last.key != key.to_public_key() {
            return Err(ImageError::Sign(
                "the signing key is not the parent subkey's key".into(),
            ));
        }
        out = with_name;
    } else if params.max_depth == u32::MAX {
        return Err(ImageError::SubkeyDepth {
            uuid: params.uuid,
            max_depth: params.max_depth,
            allowed: u32::MAX,
        });
    }
    let body = subkey_body(params, public);
    out.extend_from_slice(&signed_header(
        SHDR_SUBKEY,
        body.len(),
        &[&body],
        key,
        algo,
        rng,
    )?);
    out.extend_from_slice(&body);
    Ok(out)
}

/// Load an RSA private key from PEM (PKCS#8 or PKCS#1).
pub fn private_key_from_pem(pem: &str) -> Result<RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an RSA private key in PEM: {e}"))
}

/// Load an RSA public key from PEM (SubjectPublicKeyInfo or PKCS#1), or
/// the public half of a private key.
pub fn public_key_from_pem(pem: &str) -> Result<RsaPublicKey, String> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPublicKey::from_pkcs1_pem(pem))
        .or_else(|_| private_key_from_pem(pem).map(|k| k.to_public_key()))
        .map_err(|e| format!("not an RSA key in PEM: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// Test key `i`, generated once per test process (RSA-2048 is slow).
    fn cached_key(i: usize) -> &'static RsaPrivateKey {
        static K: [OnceLock<RsaPrivateKey>; 4] = [const { OnceLock::new() }; 4];
        K[i].get_or_init(|| RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap())
    }

    fn key() -> &'static RsaPrivateKey {
        cached_key(0)
    }

    fn other_key() -> &'static RsaPrivateKey {
        cached_key(1)
    }

    const U: Uuid = Uuid([7; 16]);

    fn signed(algo: u32) -> Vec<u8> {
        sign(
            b"\x7fELF pretend elf bytes",
            U,
            3,
            key(),
            algo,
            &mut rand_core::OsRng,
        )
        .unwrap()
    }

    #[test]
    fn sign_verify_both_algorithms() {
        let pubk = [key().to_public_key()];
        for algo in [
            ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            ALG_RSASSA_PKCS1_V1_5_SHA256,
        ] {
            let img = signed(algo);
            let v = verify(&img, &pubk).unwrap();
            assert_eq!(v.uuid, U);
            assert_eq!(v.ta_version, 3);
            assert_eq!(v.elf, b"\x7fELF pretend elf bytes");
            assert_eq!(v.algo, algo);
        }
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let pubk = [key().to_public_key()];
        let img = signed(ALG_RSASSA_PKCS1_PSS_MGF1_SHA256);
        // Flip one bit in every byte position (sampled stride for the
        // signature, all header and payload bytes).
        for i in 0..img.len() {
            let mut bad = img.clone();
            bad[i] ^= 1 << (i % 8);
            assert!(verify(&bad, &pubk).is_err(), "flip at {i} accepted");
        }
    }

    #[test]
    fn truncated_wrong_key_unsigned_and_no_keys() {
        let img = signed(ALG_RSASSA_PKCS1_PSS_MGF1_SHA256);
        let pubk = [key().to_public_key()];
        for len in 0..img.len() {
            assert!(
                verify(&img[..len], &pubk).is_err(),
                "truncation to {len} accepted"
            );
        }
        assert_eq!(
            verify(&img, &[other_key().to_public_key()]).unwrap_err(),
            ImageError::BadSignature
        );
        assert_eq!(verify(&img, &[]).unwrap_err(), ImageError::NoKeys);
        assert_eq!(
            verify(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", &pubk).unwrap_err(),
            ImageError::BadMagic(0x464c457f)
        );
        // Any one of several keys may sign; the signer is the one that did.
        let keys = [other_key().to_public_key(), key().to_public_key()];
        let v = verify(&img, &keys).unwrap();
        assert_eq!(v.signer, Some(key_id(&keys[1])));
        assert_ne!(key_id(&keys[0]), key_id(&keys[1]));
        // Parsed only, a root-signed image does not know its signer.
        assert_eq!(parse(&img).unwrap().signer, None);
    }

    // ---- subkeys ----

    fn sub_key() -> &'static RsaPrivateKey {
        cached_key(2)
    }

    fn sub_key2() -> &'static RsaPrivateKey {
        cached_key(3)
    }

    const PSS: u32 = ALG_RSASSA_PKCS1_PSS_MGF1_SHA256;
    const NS: Uuid = Uuid([
        0xf0, 0x4f, 0xa9, 0x96, 0x14, 0x8a, 0x45, 0x3c, 0xb0, 0x37, 0x1d, 0xcf, 0xba, 0xd1, 0x20,
        0xa6,
    ]);
    const ELF: &[u8] = b"\x7fELF pretend elf bytes";

    fn params(uuid: Uuid, name_size: u32, max_depth: u32) -> SubkeyParams {
        SubkeyParams {
            uuid,
            name_size,
            subkey_version: 1,
            max_depth,
            algo: PSS,
        }
    }

    /// A subkey file for `sub_key()` with namespace NS, signed by `signer`.
    fn subkey_file(signer: &RsaPrivateKey, max_depth: u32) -> Vec<u8> {
        sign_subkey(
            &params(NS, 64, max_depth),
            &sub_key().to_public_key(),
            None,
            signer,
            PSS,
            &mut rand_core::OsRng,
        )
        .unwrap()
    }

    fn ta_through(chain: &[u8], name: &str, key: &RsaPrivateKey) -> Vec<u8> {
        let u = next_uuid(chain, name.as_bytes()).unwrap();
        sign_with_subkey(
            ELF,
            u,
            2,
            (chain, name.as_bytes()),
            key,
            PSS,
            &mut rand_core::OsRng,
        )
        .unwrap()
    }

    /// Like `sign_with_subkey`, without its checks: any UUID.
    fn ta_through_unchecked(chain: &[u8], name: &str, uuid: Uuid, key: &RsaPrivateKey) -> Vec<u8> {
        let (mut out, _) = chain_with_name(chain, name.as_bytes()).unwrap();
        out.extend_from_slice(&sign(ELF, uuid, 2, key, PSS, &mut rand_core::OsRng).unwrap());
        out
    }

    #[test]
    fn uuid_derivation_matches_optee() {
        // The chain of OP-TEE's subkey documentation: top-level subkey
        // f04fa996-..., "mid_level_subkey", then "subkey1_ta".
        let mid = derive_uuid(NS, b"mid_level_subkey");
        assert_eq!(mid.to_string(), "1a5948c5-1aa0-518c-86f4-be6f6a057b16");
        let ta = derive_uuid(mid, b"subkey1_ta\0\0\0ignored");
        assert_eq!(ta.to_string(), "5c206987-16a3-59cc-ab0f-64b9cfc9e758");
    }

    #[test]
    fn ta_signed_through_a_subkey_verifies_with_the_root_key_only() {
        let chain = subkey_file(key(), 0);
        // The subkey file on its own: one subkey, verified by the root.
        let sks = verify_subkey_file(&chain, &[key().to_public_key()]).unwrap();
        assert_eq!(sks.len(), 1);
        assert_eq!(sks[0].uuid, NS);
        assert_eq!(sks[0].next_uuid, None);
        assert_eq!(
            verify_subkey_file(&chain, &[other_key().to_public_key()]).unwrap_err(),
            ImageError::BadSignature
        );
        let img = ta_through(&chain, "subkey1_ta", sub_key());
        let v = verify(&img, &[other_key().to_public_key(), key().to_public_key()]).unwrap();
        assert_eq!(v.uuid, derive_uuid(NS, b"subkey1_ta"));
        assert_eq!(v.elf, ELF);
        assert_eq!(v.ta_version, 2);
        assert_eq!(v.subkeys.len(), 1);
        assert_eq!(v.subkeys[0].next_name, Some(&b"subkey1_ta"[..]));
        assert_eq!(v.subkeys[0].subkey_version, 1);
        // Its signer is the subkey, known from the image alone.
        assert_eq!(v.signer, Some(key_id(&sub_key().to_public_key())));
        assert_eq!(parse(&img).unwrap().signer, v.signer);
        // The subkey's own key is not a root key.
        assert_eq!(
            verify(&img, &[sub_key().to_public_key()]).unwrap_err(),
            ImageError::BadSignature
        );
        // The layout is OP-TEE's: the subkey file, the name padded to
        // name_size, then an ordinary bootstrap image.
        assert_eq!(&img[..chain.len()], &chain[..]);
        assert_eq!(&img[chain.len()..chain.len() + 10], b"subkey1_ta");
        assert!(
            img[chain.len() + 10..chain.len() + 64]
                .iter()
                .all(|&b| b == 0)
        );
        assert_eq!(le32(&img, chain.len() + 64), SHDR_MAGIC);
        // The subkey payload: 36 + 2 * 12 bytes of header, then the
        // modulus with a leading zero byte and the exponent, as OP-TEE's
        // signer writes them (320 bytes for a 2048-bit key).
        assert_eq!(le32(&chain, 8), 320);
    }

    #[test]
    fn two_level_chain_and_identity_subkey() {
        let top = subkey_file(key(), 1);
        let mid_uuid = next_uuid(&top, b"mid").unwrap();
        let chain = sign_subkey(
            &params(mid_uuid, 32, 0),
            &sub_key2().to_public_key(),
            Some((&top, b"mid")),
            sub_key(),
            ALG_RSASSA_PKCS1_V1_5_SHA256,
            &mut rand_core::OsRng,
        )
        .unwrap();
        assert_eq!(
            verify_subkey_file(&chain, &[key().to_public_key()])
                .unwrap()
                .len(),
            2
        );
        let img = ta_through(&chain, "ta", sub_key2());
        let v = verify(&img, &[key().to_public_key()]).unwrap();
        assert_eq!(v.uuid, derive_uuid(mid_uuid, b"ta"));
        assert_eq!(v.subkeys.len(), 2);
        // The second level signed by the wrong key, or outside the first
        // level's namespace, is refused even by the signer's own checks.
        assert!(
            sign_subkey(
                &params(mid_uuid, 32, 0),
                &sub_key2().to_public_key(),
                Some((&top, b"mid")),
                key(),
                PSS,
                &mut rand_core::OsRng,
            )
            .is_err()
        );
        assert!(matches!(
            sign_subkey(
                &params(NS, 32, 0),
                &sub_key2().to_public_key(),
                Some((&top, b"mid")),
                sub_key(),
                PSS,
                &mut rand_core::OsRng,
            ),
            Err(ImageError::SubkeyOutsideNamespace { .. })
        ));
        // Identity subkey: name_size 0, the TA has the subkey's own UUID.
        let ta_uuid = Uuid([0x42; 16]);
        let id = sign_subkey(
            &params(ta_uuid, 0, 0),
            &sub_key().to_public_key(),
            None,
            key(),
            PSS,
            &mut rand_core::OsRng,
        )
        .unwrap();
        assert_eq!(next_uuid(&id, b"").unwrap(), ta_uuid);
        assert!(next_uuid(&id, b"x").is_err(), "no room for a name");
        let img = ta_through(&id, "", sub_key());
        assert_eq!(
            verify(&img, &[key().to_public_key()]).unwrap().uuid,
            ta_uuid
        );
    }

    #[test]
    fn subkey_signed_by_an_untrusted_key_is_refused() {
        let chain = subkey_file(other_key(), 0);
        let img = ta_through(&chain, "subkey1_ta", sub_key());
        assert_eq!(
            verify(&img, &[key().to_public_key()]).unwrap_err(),
            ImageError::BadSignature
        );
        // A TA signed by the root key behind a subkey (not by the subkey).
        let chain = subkey_file(key(), 0);
        let u = derive_uuid(NS, b"x");
        let img = ta_through_unchecked(&chain, "x", u, key());
        assert_eq!(
            verify(&img, &[key().to_public_key()]).unwrap_err(),
            ImageError::BadSubkeySignature(NS)
        );
        assert!(
            sign_with_subkey(ELF, u, 0, (&chain, b"x"), key(), PSS, &mut rand_core::OsRng).is_err()
        );
    }

    #[test]
    fn ta_outside_the_subkey_namespace_is_refused() {
        let chain = subkey_file(key(), 0);
        let keys = [key().to_public_key()];
        // Any UUID but the derived one, even the namespace's own.
        for u in [U, NS, derive_uuid(NS, b"another")] {
            let img = ta_through_unchecked(&chain, "mine", u, sub_key());
            assert_eq!(
                verify(&img, &keys).unwrap_err(),
                ImageError::UuidOutsideNamespace {
                    expected: derive_uuid(NS, b"mine"),
                    got: u
                }
            );
        }
        assert!(matches!(
            sign_with_subkey(
                ELF,
                U,
                0,
                (&chain, b"mine"),
                sub_key(),
                PSS,
                &mut rand_core::OsRng
            ),
            Err(ImageError::UuidOutsideNamespace { .. })
        ));
        // The name is not signed, but changing it changes the UUID it
        // allows: a good image with another name no longer verifies.
        let mut img = ta_through(&chain, "mine", sub_key());
        img[chain.len()] = b'w';
        assert!(matches!(
            verify(&img, &keys).unwrap_err(),
            ImageError::UuidOutsideNamespace { .. }
        ));
        // Names that do not fit, or hold a NUL, are refused when signing.
        assert!(next_uuid(&chain, &[b'a'; 65]).is_err());
        assert!(next_uuid(&chain, b"a\0b").is_err());
    }

    #[test]
    fn depth_is_enforced() {
        let keys = [key().to_public_key()];
        // A subkey below one with max_depth 0 (made without the signer's
        // checks, as an attacker holding that subkey could).
        let top = subkey_file(key(), 0);
        let mid_uuid = next_uuid(&top, b"mid").unwrap();
        let body = subkey_body(&params(mid_uuid, 32, 0), &sub_key2().to_public_key());
        let (mut chain, _) = chain_with_name(&top, b"mid").unwrap();
        chain.extend_from_slice(
            &signed_header(
                SHDR_SUBKEY,
                body.len(),
                &[&body],
                sub_key(),
                PSS,
                &mut rand_core::OsRng,
            )
            .unwrap(),
        );
        chain.extend_from_slice(&body);
        assert!(matches!(
            verify_subkey_file(&chain, &keys).unwrap_err(),
            ImageError::SubkeyDepth {
                max_depth: 0,
                allowed: 0,
                ..
            }
        ));
        let img = ta_through_unchecked(&chain, "ta", derive_uuid(mid_uuid, b"ta"), sub_key2());
        assert!(matches!(
            verify(&img, &keys).unwrap_err(),
            ImageError::SubkeyDepth { .. }
        ));
        // The signer refuses it too.
        assert!(matches!(
            sign_subkey(
                &params(mid_uuid, 32, 0),
                &sub_key2().to_public_key(),
                Some((&top, b"mid")),
                sub_key(),
                PSS,
                &mut rand_core::OsRng
            ),
            Err(ImageError::SubkeyDepth { .. })
        ));
        // The first subkey's max_depth must be below u32::MAX.
        let body = subkey_body(&params(NS, 64, u32::MAX), &sub_key().to_public_key());
        let mut chain = signed_header(
            SHDR_SUBKEY,
            body.len(),
            &[&body],
            key(),
            PSS,
            &mut rand_core::OsRng,
        )
        .unwrap();
        chain.extend_from_slice(&body);
        assert!(matches!(
            verify_subkey_file(&chain, &keys).unwrap_err(),
            ImageError::SubkeyDepth { .. }
        ));
    }

    /// A root-signed subkey whose payload is `body`, and a TA behind it.
    fn signed_subkey_image(body: &[u8]) -> Vec<u8> {
        let mut img = signed_header(
            SHDR_SUBKEY,
            body.len(),
            &[body],
            key(),
            PSS,
            &mut rand_core::OsRng,
        )
        .unwrap();
        img.extend_from_slice(body);
        img.extend_from_slice(&[0u8; 64]);
        img.extend_from_slice(&sign(ELF, U, 0, sub_key(), PSS, &mut rand_core::OsRng).unwrap());
        img
    }

    #[test]
    fn malformed_subkey_attributes_are_refused_even_when_signed() {
        let keys = [key().to_public_key()];
        let good = subkey_body(&params(NS, 64, 0), &sub_key().to_public_key());
        let set =
            |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let n_at = SUBKEY_LEN; // the modulus descriptor
        let e_at = SUBKEY_LEN + SUBKEY_ATTR_LEN;
        let len = good.len() as u32;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                {
                    let mut b = good.clone();
                    set(&mut b, n_at + 4, len);
                    b
                },
                "modulus offset at the end",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, n_at + 8, len);
                    b
                },
                "modulus size too large",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, e_at + 4, u32::MAX);
                    b
                },
                "exponent offset overflows",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, e_at + 4, 4);
                    set(&mut b, e_at + 8, u32::MAX - 2);
                    b
                },
                "offset + size wraps",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, 32, 0x1555_5556);
                    b
                },
                "attr_count * 12 wraps",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, 32, len / 12);
                    b
                },
                "attr table beyond the subkey",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, 32, 0);
                    b
                },
                "no attributes",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, e_at, 0xD000_0330);
                    b
                },
                "no exponent",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, 28, 0x7000_3041);
                    b
                },
                "not RSA (ECDSA)",
            ),
            (
                {
                    let mut b = good.clone();
                    set(&mut b, n_at + 8, 8);
                    b
                },
                "a 64-bit modulus",
            ),
            (
                subkey_body(
                    &params(NS, 64, 0),
                    &RsaPrivateKey::new(&mut rand_core::OsRng, 1024)
                        .unwrap()
                        .to_public_key(),
                ),
                "a 1024-bit key",
            ),
            (good[..SUBKEY_LEN - 1].to_vec(), "shorter than shdr_subkey"),
        ];
        for (body, what) in cases {
            let img = signed_subkey_image(&body);
            assert!(
                matches!(verify(&img, &keys), Err(ImageError::BadSubkey(_))),
                "{what}: {:?}",
                verify(&img, &keys).map(|_| ())
            );
        }
        // img_size claiming more than the image holds.
        let mut img = signed_subkey_image(&good);
        let big = (img.len() as u32).to_le_bytes();
        img[8..12].copy_from_slice(&big);
        assert_eq!(verify(&img, &keys).unwrap_err(), ImageError::Truncated);
        img[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(verify(&img, &keys).unwrap_err(), ImageError::Truncated);
        // name_size beyond the image.
        let mut body = good.clone();
        set(&mut body, 16, u32::MAX);
        assert_eq!(
            verify(&signed_subkey_image(&body), &keys).unwrap_err(),
            ImageError::Truncated
        );
    }

    #[test]
    fn a_modified_subkey_is_refused() {
        let chain = subkey_file(key(), 0);
        let img = ta_through(&chain, "subkey1_ta", sub_key());
        let keys = [key().to_public_key()];
        let name = chain.len()..chain.len() + b"subkey1_ta".len();
        // Every bit of the subkey (header, hash, signature, payload with
        // its key) and of the name; the NUL padding after the name is
        // neither signed nor part of the UUID, as on OP-TEE.
        for i in 0..name.end + 1 {
            for bit in [0, 7] {
                let mut bad = img.clone();
                bad[i] ^= 1 << bit;
                assert!(
                    verify(&bad, &keys).is_err(),
                    "flip of bit {bit} at {i} accepted"
                );
            }
        }
        let mut padded = img.clone();
        padded[chain.len() + 40] = b'z';
        assert!(verify(&padded, &keys).is_ok());
        // Swapping in another key (re-encoded, same sizes) breaks the hash.
        let other = subkey_body(&params(NS, 64, 0), &other_key().to_public_key());
        let body_at = chain.len() - other.len();
        let mut bad = img.clone();
        bad[body_at..chain.len()].copy_from_slice(&other);
        assert_eq!(verify(&bad, &keys).unwrap_err(), ImageError::HashMismatch);
        // A higher max_depth or another UUID: the hash again.
        for at in [body_at, body_at + 24] {
            let mut bad = img.clone();
            bad[at] ^= 0x10;
            assert_eq!(
                verify(&bad, &keys).unwrap_err(),
                ImageError::HashMismatch,
                "at {at}"
            );
        }
        // Every truncation.
        for len in 0..img.len() {
            assert!(
                verify(&img[..len], &keys).is_err(),
                "truncation to {len} accepted"
            );
        }
    }

    #[test]
    fn chains_longer_than_the_cap_are_refused() {
        // MAX_SUBKEYS + 1 identity subkeys (structure only: parsing stops
        // before any signature is checked).
        let body = subkey_body(&params(NS, 0, 0), &sub_key().to_public_key());
        let one = {
            let mut v = signed_header(
                SHDR_SUBKEY,
                body.len(),
                &[&body],
                key(),
                PSS,
                &mut rand_core::OsRng,
            )
            .unwrap();
            v.extend_from_slice(&body);
            v
        };
        let mut img = one.repeat(MAX_SUBKEYS + 1);
        img.extend_from_slice(&sign(ELF, NS, 0, sub_key(), PSS, &mut rand_core::OsRng).unwrap());
        assert_eq!(parse(&img).unwrap_err(), ImageError::TooManySubkeys);
        assert_eq!(
            parse_subkey_file(&one.repeat(MAX_SUBKEYS + 1)).unwrap_err(),
            ImageError::TooManySubkeys
        );
        // A subkey file is not a TA, and a TA is not a subkey file.
        assert!(parse(&one).is_err());
        assert!(parse_subkey_file(&signed(PSS)).is_err());
    }
}
