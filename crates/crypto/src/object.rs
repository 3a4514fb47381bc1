//! Transient objects holding secret keys (GP 1.3.1 chapter 5): AES, DES
//! and 3DES keys, HMAC keys and generic secrets, each with one attribute,
//! TEE_ATTR_SECRET_VALUE.
//!
//! Sizes are in bits, as in GP. Misuse GP answers with a panic comes back
//! as [`Error::Panic`]; no OS calls here (random key material for
//! TEE_GenerateKey is the caller's).

use crate::{Error, consts::*};

/// One attribute given to TEE_PopulateTransientObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    /// A buffer attribute (TEE_InitRefAttribute).
    Ref(u32, Vec<u8>),
    /// A value attribute (TEE_InitValueAttribute).
    Value(u32, u32, u32),
}

impl Attr {
    pub fn id(&self) -> u32 {
        match self {
            Attr::Ref(id, _) | Attr::Value(id, _, _) => *id,
        }
    }
}

/// The fields of `TEE_ObjectInfo` (a transient object has no data
/// stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ObjectInfo {
    pub object_type: u32,
    pub object_size: u32,
    pub max_object_size: u32,
    pub object_usage: u32,
    pub handle_flags: u32,
}

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
        // OP-TEE's key derivation inputs (HKDF IKM, PBKDF2 password).
        TEE_TYPE_HKDF_IKM | TEE_TYPE_PBKDF2_PASSWORD => (8, 4096, 8),
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

/// A transient object (what a transient TEE_ObjectHandle designates).
#[derive(Clone)]
pub struct Object {
    object_type: u32,
    max_size: u32,
    usage: u32,
    /// The secret once populated or generated.
    secret: Option<Vec<u8>>,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Object")
            .field("object_type", &self.object_type)
            .field("info", &self.info())
            .finish()
    }
}

const PANIC_PARAMS: Error = Error::Panic(TEE_ERROR_BAD_PARAMETERS);

/// The attribute holding the secret of an object type: OP-TEE's
/// TEE_ATTR_HKDF_IKM and TEE_ATTR_PBKDF2_PASSWORD for its key derivation
/// inputs, TEE_ATTR_SECRET_VALUE otherwise.
fn secret_attr(object_type: u32) -> u32 {
    match object_type {
        TEE_TYPE_HKDF_IKM => TEE_ATTR_HKDF_IKM,
        TEE_TYPE_PBKDF2_PASSWORD => TEE_ATTR_PBKDF2_PASSWORD,
        _ => TEE_ATTR_SECRET_VALUE,
    }
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
            secret: None,
        })
    }

    pub fn object_type(&self) -> u32 {
        self.object_type
    }

    pub fn is_initialized(&self) -> bool {
        self.secret.is_some()
    }

    /// The key size in bits (0 before the object is populated).
    pub fn size(&self) -> u32 {
        self.secret.as_ref().map_or(0, |s| 8 * s.len() as u32)
    }

    pub fn usage(&self) -> u32 {
        self.usage
    }

    /// The secret value (None before the object is populated).
    pub fn secret(&self) -> Option<&[u8]> {
        self.secret.as_deref()
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
        self.secret = None;
        self.usage = TEE_USAGE_DEFAULT;
    }

    /// TEE_RestrictObjectUsage1.
    pub fn restrict_usage(&mut self, usage: u32) {
        self.usage &= usage;
    }

    /// TEE_PopulateTransientObject. The object must be uninitialised, and
    /// the attributes exactly TEE_ATTR_SECRET_VALUE (a missing or foreign
    /// attribute panics, as GP says); a value size the type or the
    /// object's maximum size does not allow is BAD_PARAMETERS and leaves
    /// the object uninitialised.
    pub fn populate(&mut self, attrs: &[Attr]) -> Result<(), Error> {
        if self.is_initialized() {
            return Err(PANIC_PARAMS);
        }
        let mut secret = None;
        let want = secret_attr(self.object_type);
        for a in attrs {
            match a {
                Attr::Ref(id, v) if *id == want && secret.is_none() => secret = Some(v),
                _ => return Err(PANIC_PARAMS),
            }
        }
        let Some(secret) = secret else {
            return Err(PANIC_PARAMS);
        };
        let bits = u32::try_from(secret.len())
            .ok()
            .and_then(|n| n.checked_mul(8))
            .unwrap_or(u32::MAX);
        if bits > self.max_size
            || !size_allowed(self.object_type, bits)
            || stored_bits(self.object_type, bits) != bits
        {
            return Err(Error::Bad);
        }
        self.secret = Some(secret.clone());
        Ok(())
    }

    /// TEE_GenerateKey: `fill` provides `key_size / 8` random bytes. A
    /// size the type does not allow or above the maximum panics, as does
    /// an initialised object or any parameter (secret keys take none).
    pub fn generate(
        &mut self,
        key_size: u32,
        params: &[Attr],
        fill: impl FnOnce(&mut [u8]),
    ) -> Result<(), Error> {
        if self.is_initialized() || !params.is_empty() || !size_allowed(self.object_type, key_size)
        {
            return Err(PANIC_PARAMS);
        }
        let key_size = stored_bits(self.object_type, key_size);
        if key_size > self.max_size {
            return Err(PANIC_PARAMS);
        }
        let mut k = vec![0u8; key_size as usize / 8];
        fill(&mut k);
        self.secret = Some(k);
        Ok(())
    }

    /// The output of TEE_DeriveKey: the object must be an uninitialised
    /// TEE_TYPE_GENERIC_SECRET large enough for `secret`, else a panic
    /// (TEE_ERROR_BAD_PARAMETERS, as OP-TEE's TEE_DeriveKey).
    pub fn set_derived(&mut self, secret: Vec<u8>) -> Result<(), Error> {
        let bits = u32::try_from(secret.len())
            .ok()
            .and_then(|n| n.checked_mul(8))
            .unwrap_or(u32::MAX);
        if self.is_initialized()
            || self.object_type != TEE_TYPE_GENERIC_SECRET
            || bits > self.max_size
            || !size_allowed(self.object_type, bits)
        {
            return Err(PANIC_PARAMS);
        }
        self.secret = Some(secret);
        Ok(())
    }

    /// TEE_GetObjectBufferAttribute with room for `cap` bytes. The object
    /// must be initialised and `id` a buffer attribute; a protected
    /// attribute (bit 28 clear) of an object without
    /// TEE_USAGE_EXTRACTABLE panics (GP 1.3.1; the panic code is
    /// TEE_ERROR_ACCESS_DENIED, as OP-TEE's). An attribute the object does
    /// not have is ITEM_NOT_FOUND; too small a buffer SHORT_BUFFER.
    pub fn buffer_attribute(&self, id: u32, cap: usize) -> Result<Vec<u8>, Error> {
        let Some(secret) = &self.secret else {
            return Err(PANIC_PARAMS);
        };
        if id & TEE_ATTR_FLAG_VALUE != 0 {
            return Err(PANIC_PARAMS);
        }
        if id & TEE_ATTR_FLAG_PUBLIC == 0 && self.usage & TEE_USAGE_EXTRACTABLE == 0 {
            return Err(Error::Panic(TEE_ERROR_ACCESS_DENIED));
        }
        if id != secret_attr(self.object_type) {
            return Err(Error::ItemNotFound);
        }
        if cap < secret.len() {
            return Err(Error::ShortBuffer(secret.len()));
        }
        Ok(secret.clone())
    }

    /// TEE_GetObjectValueAttribute. The object must be initialised and
    /// `id` a value attribute (bit 29 set), else a panic; a protected one
    /// (bit 28 clear) of an object without TEE_USAGE_EXTRACTABLE panics
    /// with TEE_ERROR_ACCESS_DENIED. Secret-key objects have no value
    /// attribute: anything else is ITEM_NOT_FOUND.
    pub fn value_attribute(&self, id: u32) -> Result<(u32, u32), Error> {
        if !self.is_initialized() || id & TEE_ATTR_FLAG_VALUE == 0 {
            return Err(PANIC_PARAMS);
        }
        if id & TEE_ATTR_FLAG_PUBLIC == 0 && self.usage & TEE_USAGE_EXTRACTABLE == 0 {
            return Err(Error::Panic(TEE_ERROR_ACCESS_DENIED));
        }
        Err(Error::ItemNotFound)
    }

    /// TEE_CopyObjectAttributes1 into `self`: uninitialised, of the same
    /// type, large enough, else a panic. The usage becomes the
    /// intersection of both.
    pub fn copy_attributes_from(&mut self, src: &Object) -> Result<(), Error> {
        if self.is_initialized()
            || !src.is_initialized()
            || self.object_type != src.object_type
            || src.size() > self.max_size
        {
            return Err(PANIC_PARAMS);
        }
        self.secret = src.secret.clone();
        self.usage &= src.usage;
        Ok(())
    }
}
