//! Transient objects holding secret keys (GP 1.3.1 chapter 5): AES, DES
//! and 3DES keys, HMAC keys and generic secrets, each with one attribute,
//! TEE_ATTR_SECRET_VALUE.
//!
//! Sizes are in bits, as in GP. Misuse GP answers with a panic comes back
//! as [`Error::Panic`]; no OS calls here (random key material for
//! TEE_GenerateKey is the caller's).

use crate::{Error, consts::*};
use alloc::{vec, vec::Vec};

pub use oxtee_gp::crypto::{Attr, ObjectInfo, decode_attrs, encode_attrs};

/// The key sizes (bits) an object type allows: (min, max, step); the
/// steps are powers of two.
fn size_rule(object_type: u32) -> Option<(u32, u32, u32)> {
    Some(match object_type {
        TEE_TYPE_AES => (128, 256, 64),
        TEE_TYPE_HMAC_MD5 => (64, 512, 8),
        TEE_TYPE_HMAC_SHA1 => (80, 512, 8),
        TEE_TYPE_HMAC_SHA224 => (112, 512, 8),
        TEE_TYPE_HMAC_SHA256 => (192, 1024, 8),
        TEE_TYPE_HMAC_SHA384 | TEE_TYPE_HMAC_SHA512 => (256, 1024, 8),
        TEE_TYPE_HMAC_SM3 => (80, 1024, 8),
        TEE_TYPE_HMAC_SHA3_224 => (192, 1024, 8),
        TEE_TYPE_HMAC_SHA3_256 | TEE_TYPE_HMAC_SHA3_384 | TEE_TYPE_HMAC_SHA3_512 => (256, 1024, 8),
        TEE_TYPE_SM4 => (128, 128, 8),
        TEE_TYPE_GENERIC_SECRET => (8, 4096, 8),
        // OP-TEE's key derivation inputs (HKDF IKM, PBKDF2 password,
        // Concat KDF shared secret).
        TEE_TYPE_HKDF_IKM | TEE_TYPE_PBKDF2_PASSWORD | TEE_TYPE_CONCAT_KDF_Z => (8, 4096, 8),
        // GP 1.3.1 table 5-9: every modulus size from 256 bits up to 4096
        // (the largest this implementation supports).
        TEE_TYPE_RSA_PUBLIC_KEY | TEE_TYPE_RSA_KEYPAIR => (256, 4096, 1),
        // Any size from 256 bits (OP-TEE's object-type table: 256 to 2048
        // in steps of 1; up to 4096 here).
        TEE_TYPE_DH_KEYPAIR => (256, 4096, 1),
        TEE_TYPE_ED25519_PUBLIC_KEY
        | TEE_TYPE_ED25519_KEYPAIR
        | TEE_TYPE_X25519_PUBLIC_KEY
        | TEE_TYPE_X25519_KEYPAIR => (256, 256, 1),
        // SM2 (OP-TEE: 256 bits, the SM2 curve).
        TEE_TYPE_SM2_DSA_PUBLIC_KEY
        | TEE_TYPE_SM2_DSA_KEYPAIR
        | TEE_TYPE_SM2_KEP_PUBLIC_KEY
        | TEE_TYPE_SM2_KEP_KEYPAIR
        | TEE_TYPE_SM2_PKE_PUBLIC_KEY
        | TEE_TYPE_SM2_PKE_KEYPAIR => (256, 256, 1),
        // The post-quantum vendor types: the size (256 * k) names the
        // parameter set; ML-KEM-768 and ML-DSA-65 only, so far.
        TEE_TYPE_MLKEM_PUBLIC_KEY | TEE_TYPE_MLKEM_KEYPAIR => (768, 768, 1),
        TEE_TYPE_MLDSA_PUBLIC_KEY | TEE_TYPE_MLDSA_KEYPAIR => (1536, 1536, 1),
        _ => return None,
    })
}

/// Whether `bits` is a key size of `object_type`. DES keys may be given
/// by their effective size (GP: 56, 112, 168) or their stored size
/// (OP-TEE: 64, 128, 192, parity bits included).
pub fn size_allowed(object_type: u32, bits: u32) -> bool {
    match object_type {
        TEE_TYPE_DES => matches!(bits, 56 | 64),
        TEE_TYPE_DES3 => matches!(bits, 112 | 128 | 168 | 192),
        // GP: 512 to 1024 bits in steps of 64, 2048 and 3072.
        TEE_TYPE_DSA_PUBLIC_KEY | TEE_TYPE_DSA_KEYPAIR => {
            (512..=1024).contains(&bits) && bits.is_multiple_of(64) || matches!(bits, 2048 | 3072)
        }
        // The NIST curves P-192 to P-521.
        TEE_TYPE_ECDSA_PUBLIC_KEY
        | TEE_TYPE_ECDSA_KEYPAIR
        | TEE_TYPE_ECDH_PUBLIC_KEY
        | TEE_TYPE_ECDH_KEYPAIR => matches!(bits, 192 | 224 | 256 | 384 | 521),
        _ => size_rule(object_type)
            .is_some_and(|(min, max, step)| (min..=max).contains(&bits) && bits & (step - 1) == 0),
    }
}

/// The stored size (bits) of a key of `bits`: DES sizes without parity
/// become the sizes with it (56 -> 64, 112 -> 128, 168 -> 192).
pub fn stored_bits(object_type: u32, bits: u32) -> u32 {
    match (object_type, bits) {
        (TEE_TYPE_DES | TEE_TYPE_DES3, 56 | 112 | 168) => bits / 7 * 8,
        _ => bits,
    }
}

/// Whether `object_type` holds one secret value (a symmetric key, an
/// HMAC key, a generic secret or a key derivation input) rather than an
/// asymmetric key.
pub fn is_secret_type(object_type: u32) -> bool {
    matches!(
        object_type,
        TEE_TYPE_AES
            | TEE_TYPE_DES
            | TEE_TYPE_DES3
            | TEE_TYPE_SM4
            | TEE_TYPE_HMAC_MD5
            | TEE_TYPE_HMAC_SHA1
            | TEE_TYPE_HMAC_SHA224
            | TEE_TYPE_HMAC_SHA256
            | TEE_TYPE_HMAC_SHA384
            | TEE_TYPE_HMAC_SHA512
            | TEE_TYPE_HMAC_SM3
            | TEE_TYPE_HMAC_SHA3_224
            | TEE_TYPE_HMAC_SHA3_256
            | TEE_TYPE_HMAC_SHA3_384
            | TEE_TYPE_HMAC_SHA3_512
            | TEE_TYPE_GENERIC_SECRET
            | TEE_TYPE_HKDF_IKM
            | TEE_TYPE_PBKDF2_PASSWORD
            | TEE_TYPE_CONCAT_KDF_Z
    )
}

/// A transient object (what a transient TEE_ObjectHandle designates).
#[derive(Clone)]
pub struct Object {
    object_type: u32,
    max_size: u32,
    usage: u32,
    /// The key once populated or generated.
    content: Option<Content>,
}

/// An initialised object's key: its size in bits and its attributes
/// (bignums without leading zero bytes).
#[derive(Clone)]
struct Content {
    bits: u32,
    attrs: Vec<Attr>,
}

impl core::fmt::Debug for Object {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the key.
        f.debug_struct("Object")
            .field("object_type", &self.object_type)
            .field("info", &self.info())
            .finish()
    }
}

const PANIC_PARAMS: Error = Error::Panic(TEE_ERROR_BAD_PARAMETERS);

/// The attribute holding the secret of a secret object type: OP-TEE's
/// own attributes for its key derivation inputs, TEE_ATTR_SECRET_VALUE
/// otherwise.
fn secret_attr(object_type: u32) -> u32 {
    match object_type {
        TEE_TYPE_HKDF_IKM => TEE_ATTR_HKDF_IKM,
        TEE_TYPE_PBKDF2_PASSWORD => TEE_ATTR_PBKDF2_PASSWORD,
        TEE_TYPE_CONCAT_KDF_Z => TEE_ATTR_CONCAT_KDF_Z,
        _ => TEE_ATTR_SECRET_VALUE,
    }
}

fn bits_of(len: usize) -> u32 {
    u32::try_from(len)
        .ok()
        .and_then(|n| n.checked_mul(8))
        .unwrap_or(u32::MAX)
}

impl Object {
    /// TEE_AllocateTransientObject: an unknown type or a size the type
    /// does not allow is NOT_SUPPORTED.
    pub fn new(object_type: u32, max_size: u32) -> Result<Object, Error> {
        if !size_allowed(object_type, max_size) {
            return Err(Error::NotSupported);
        }
        Ok(Object {
            object_type,
            max_size: stored_bits(object_type, max_size),
            usage: TEE_USAGE_DEFAULT,
            content: None,
        })
    }

    /// An initialised object of `object_type` with these attributes (as
    /// a persistent object's stored key is reloaded): the attributes are
    /// checked as TEE_PopulateTransientObject checks them.
    pub fn with_attributes(
        object_type: u32,
        max_size: u32,
        usage: u32,
        attrs: &[Attr],
    ) -> Result<Object, Error> {
        let mut o = Object::new(object_type, max_size)?;
        o.populate(attrs).map_err(|_| Error::Bad)?;
        o.usage = usage;
        Ok(o)
    }

    pub fn object_type(&self) -> u32 {
        self.object_type
    }

    pub fn is_initialized(&self) -> bool {
        self.content.is_some()
    }

    /// The key size in bits (0 before the object is populated).
    pub fn size(&self) -> u32 {
        self.content.as_ref().map_or(0, |c| c.bits)
    }

    pub fn usage(&self) -> u32 {
        self.usage
    }

    /// A persistent key object's key from what the store keeps (its
    /// type, sizes, usage and [`encode_attrs`] blob): `None` when the
    /// blob does not decode or make a valid key (a corrupt object).
    pub fn from_stored(object_type: u32, max_size: u32, usage: u32, blob: &[u8]) -> Option<Object> {
        let attrs = decode_attrs(blob)?;
        Object::with_attributes(object_type, max_size, usage, &attrs).ok()
    }

    /// The attributes (empty before the object is populated).
    pub fn attributes(&self) -> &[Attr] {
        self.content.as_ref().map_or(&[], |c| &c.attrs)
    }

    /// The secret value of a secret object type (None before the object
    /// is populated, or for an asymmetric key).
    pub fn secret(&self) -> Option<&[u8]> {
        if !is_secret_type(self.object_type) {
            return None;
        }
        self.content.as_ref().and_then(|c| match c.attrs.first() {
            Some(Attr::Ref(_, v)) => Some(v.as_slice()),
            _ => None,
        })
    }

    /// TEE_GetObjectInfo1.
    pub fn info(&self) -> ObjectInfo {
        ObjectInfo {
            object_type: self.object_type,
            object_size: self.size(),
            max_object_size: self.max_size,
            object_usage: self.usage,
            handle_flags: if self.is_initialized() {
                TEE_HANDLE_FLAG_INITIALIZED
            } else {
                0
            },
        }
    }

    /// TEE_ResetTransientObject: uninitialised, every usage allowed again.
    pub fn reset(&mut self) {
        self.content = None;
        self.usage = TEE_USAGE_DEFAULT;
    }

    /// TEE_RestrictObjectUsage1.
    pub fn restrict_usage(&mut self, usage: u32) {
        self.usage &= usage;
    }

    /// TEE_PopulateTransientObject. The object must be uninitialised and
    /// the attributes exactly the ones GP lists for the type (a missing
    /// mandatory attribute, one the type does not have, a repeated one,
    /// a buffer given for a value attribute, or a key larger than the
    /// object's maximum size panics, as GP says). A value the type does
    /// not allow, or inconsistent key components, are BAD_PARAMETERS and
    /// leave the object uninitialised.
    pub fn populate(&mut self, attrs: &[Attr]) -> Result<(), Error> {
        if self.is_initialized() {
            return Err(PANIC_PARAMS);
        }
        for (i, a) in attrs.iter().enumerate() {
            let is_value = matches!(a, Attr::Value(..));
            if is_value != (a.id() & TEE_ATTR_FLAG_VALUE != 0)
                || attrs[..i].iter().any(|b| b.id() == a.id())
            {
                return Err(PANIC_PARAMS);
            }
        }
        let (bits, attrs) = if is_secret_type(self.object_type) {
            let want = secret_attr(self.object_type);
            let [Attr::Ref(id, secret)] = attrs else {
                return Err(PANIC_PARAMS);
            };
            if *id != want {
                return Err(PANIC_PARAMS);
            }
            let bits = bits_of(secret.len());
            if stored_bits(self.object_type, bits) != bits {
                return Err(Error::Bad);
            }
            (bits, attrs.to_vec())
        } else {
            crate::asym::check_attributes(self.object_type, attrs)?
        };
        // A key larger than the object may hold panics (GP 1.3.1
        // TEE_PopulateTransientObject; OP-TEE's TA panics too); a size the
        // type does not allow is BAD_PARAMETERS.
        if bits > self.max_size {
            return Err(PANIC_PARAMS);
        }
        if !size_allowed(self.object_type, bits) {
            return Err(Error::Bad);
        }
        self.content = Some(Content { bits, attrs });
        Ok(())
    }

    /// TEE_GenerateKey with random bytes from `rng`. A size the type does
    /// not allow or above the maximum panics, as does an initialised
    /// object, a public-key type, or a parameter the type does not take
    /// (secret keys take none; see [`crate::asym::generate`] for the
    /// asymmetric ones).
    pub fn generate(
        &mut self,
        key_size: u32,
        params: &[Attr],
        rng: &mut dyn rand_core::CryptoRngCore,
    ) -> Result<(), Error> {
        if self.is_initialized() || !size_allowed(self.object_type, key_size) {
            return Err(PANIC_PARAMS);
        }
        let key_size = stored_bits(self.object_type, key_size);
        if key_size > self.max_size {
            return Err(PANIC_PARAMS);
        }
        let attrs = if is_secret_type(self.object_type) {
            if !params.is_empty() {
                return Err(PANIC_PARAMS);
            }
            let mut k = vec![0u8; key_size as usize / 8];
            rng.fill_bytes(&mut k);
            vec![Attr::Ref(secret_attr(self.object_type), k)]
        } else {
            crate::asym::generate(self.object_type, key_size, params, rng)?
        };
        self.content = Some(Content {
            bits: key_size,
            attrs,
        });
        Ok(())
    }

    /// The output of TEE_DeriveKey: the object must be an uninitialised
    /// TEE_TYPE_GENERIC_SECRET large enough for `secret`, else a panic
    /// (TEE_ERROR_BAD_PARAMETERS, as OP-TEE's TEE_DeriveKey).
    pub fn set_derived(&mut self, secret: Vec<u8>) -> Result<(), Error> {
        let bits = bits_of(secret.len());
        if self.is_initialized()
            || self.object_type != TEE_TYPE_GENERIC_SECRET
            || bits > self.max_size
            || !size_allowed(self.object_type, bits)
        {
            return Err(PANIC_PARAMS);
        }
        self.content = Some(Content {
            bits,
            attrs: vec![Attr::Ref(TEE_ATTR_SECRET_VALUE, secret)],
        });
        Ok(())
    }

    /// The protection rule of both attribute getters: a protected
    /// attribute (bit 28 clear) of an object without
    /// TEE_USAGE_EXTRACTABLE panics (GP 1.3.1; the panic code is
    /// TEE_ERROR_ACCESS_DENIED, as OP-TEE's).
    fn check_extractable(&self, id: u32) -> Result<&Content, Error> {
        let Some(c) = &self.content else {
            return Err(PANIC_PARAMS);
        };
        if id & TEE_ATTR_FLAG_PUBLIC == 0 && self.usage & TEE_USAGE_EXTRACTABLE == 0 {
            return Err(Error::Panic(TEE_ERROR_ACCESS_DENIED));
        }
        Ok(c)
    }

    /// TEE_GetObjectBufferAttribute with room for `cap` bytes. The object
    /// must be initialised and `id` a buffer attribute, else a panic;
    /// protected attributes as `Object::check_extractable`. An
    /// attribute the object does not have is ITEM_NOT_FOUND; too small a
    /// buffer SHORT_BUFFER.
    pub fn buffer_attribute(&self, id: u32, cap: usize) -> Result<Vec<u8>, Error> {
        if id & TEE_ATTR_FLAG_VALUE != 0 {
            return Err(PANIC_PARAMS);
        }
        let c = self.check_extractable(id)?;
        let Some(v) = c.attrs.iter().find_map(|a| match a {
            Attr::Ref(i, v) if *i == id => Some(v),
            _ => None,
        }) else {
            return Err(Error::ItemNotFound);
        };
        if cap < v.len() {
            return Err(Error::ShortBuffer(v.len()));
        }
        Ok(v.clone())
    }

    /// TEE_GetObjectValueAttribute. The object must be initialised and
    /// `id` a value attribute (bit 29 set), else a panic; protected
    /// attributes as `Object::check_extractable`; an attribute the
    /// object does not have is ITEM_NOT_FOUND.
    pub fn value_attribute(&self, id: u32) -> Result<(u32, u32), Error> {
        if id & TEE_ATTR_FLAG_VALUE == 0 {
            return Err(PANIC_PARAMS);
        }
        let c = self.check_extractable(id)?;
        c.attrs
            .iter()
            .find_map(|a| match a {
                Attr::Value(i, x, y) if *i == id => Some((*x, *y)),
                _ => None,
            })
            .ok_or(Error::ItemNotFound)
    }

    /// TEE_CopyObjectAttributes1 into `self`: uninitialised, of the same
    /// type (or the public-key type of `src`'s key pair, which takes the
    /// public part), large enough, else a panic. The usage becomes the
    /// intersection of both.
    pub fn copy_attributes_from(&mut self, src: &Object) -> Result<(), Error> {
        let Some(c) = &src.content else {
            return Err(PANIC_PARAMS);
        };
        if self.is_initialized() || src.size() > self.max_size {
            return Err(PANIC_PARAMS);
        }
        let content = if self.object_type == src.object_type {
            c.clone()
        } else if crate::asym::public_type_of(src.object_type) == Some(self.object_type) {
            Content {
                bits: c.bits,
                attrs: crate::asym::public_part(self.object_type, &c.attrs),
            }
        } else {
            return Err(PANIC_PARAMS);
        };
        self.content = Some(content);
        self.usage &= src.usage;
        Ok(())
    }
}
