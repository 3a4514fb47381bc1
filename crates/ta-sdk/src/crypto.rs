//! GP cryptographic operations (Internal Core API v1.3.1 chapter 6) in
//! safe Rust: the generic operation functions, message digests, transient
//! objects holding secret keys, AES ciphers (ECB, CBC, CTR, CTS, XTS),
//! DES and 3DES (ECB, CBC), SM4 (ECB, CBC, CTR), HMAC (MD5, SHA-1, SHA-2,
//! SHA-3, SM3), AES-CMAC, CBC-MAC and authenticated encryption (AES-GCM,
//! AES-CCM), asymmetric ciphers and signatures (RSA, DSA, ECDSA, Ed25519)
//! and key agreement (DH, ECDH, X25519) with their key-pair objects.
//! Identifiers not aliased in [`alg`] and [`obj`] are in [`consts`] with
//! their GP names.
//!
//! An [`Operation`] owns its handle and frees it when dropped. Misuse that
//! GP answers with a panic (updating a SHAKE operation that is already
//! extracting, copying between different algorithms, extracting from a
//! fixed-length hash) panics the TA, as in C.
//!
//! ```ignore
//! let mut op = Operation::allocate(alg::SHA256, Mode::Digest, 0)?;
//! op.digest_update(b"ab");
//! let mut out = [0u8; 32];
//! let n = op.digest_do_final(b"c", &mut out)?;
//! ```

use crate::prelude::*;
use crate::rt::crypto::{self as rc, Attr, Error, ObjHandle, OpHandle};
use crate::{TeeError, TeeResult};

pub use crate::rt::crypto::{Info, InfoMultiple, KeyInfo, ObjectInfo, OpState};

/// Algorithm identifiers (TEE_ALG_*).
pub mod alg {
    pub use oxtee_gp::crypto::consts::{
        TEE_ALG_AES_CBC_MAC_NOPAD as AES_CBC_MAC_NOPAD,
        TEE_ALG_AES_CBC_MAC_PKCS5 as AES_CBC_MAC_PKCS5, TEE_ALG_AES_CTS as AES_CTS,
        TEE_ALG_AES_XTS as AES_XTS, TEE_ALG_DES_CBC_MAC_NOPAD as DES_CBC_MAC_NOPAD,
        TEE_ALG_DES_CBC_MAC_PKCS5 as DES_CBC_MAC_PKCS5, TEE_ALG_DES_CBC_NOPAD as DES_CBC_NOPAD,
        TEE_ALG_DES_ECB_NOPAD as DES_ECB_NOPAD, TEE_ALG_DES3_CBC_MAC_NOPAD as DES3_CBC_MAC_NOPAD,
        TEE_ALG_DES3_CBC_MAC_PKCS5 as DES3_CBC_MAC_PKCS5, TEE_ALG_DES3_CBC_NOPAD as DES3_CBC_NOPAD,
        TEE_ALG_DES3_CMAC as DES3_CMAC, TEE_ALG_DES3_ECB_NOPAD as DES3_ECB_NOPAD,
    };
    pub use oxtee_gp::crypto::consts::{
        TEE_ALG_AES_CBC_NOPAD as AES_CBC_NOPAD, TEE_ALG_AES_CCM as AES_CCM,
        TEE_ALG_AES_CMAC as AES_CMAC, TEE_ALG_AES_CTR as AES_CTR,
        TEE_ALG_AES_ECB_NOPAD as AES_ECB_NOPAD, TEE_ALG_AES_GCM as AES_GCM,
        TEE_ALG_HMAC_MD5 as HMAC_MD5, TEE_ALG_HMAC_SHA1 as HMAC_SHA1,
        TEE_ALG_HMAC_SHA224 as HMAC_SHA224, TEE_ALG_HMAC_SHA256 as HMAC_SHA256,
        TEE_ALG_HMAC_SHA384 as HMAC_SHA384, TEE_ALG_HMAC_SHA512 as HMAC_SHA512,
        TEE_ALG_HMAC_SM3 as HMAC_SM3,
    };
    pub use oxtee_gp::crypto::consts::{
        TEE_ALG_DH_DERIVE_SHARED_SECRET as DH_DERIVE_SHARED_SECRET, TEE_ALG_DSA_SHA1 as DSA_SHA1,
        TEE_ALG_DSA_SHA224 as DSA_SHA224, TEE_ALG_DSA_SHA256 as DSA_SHA256,
        TEE_ALG_ECDH_DERIVE_SHARED_SECRET as ECDH_DERIVE_SHARED_SECRET,
        TEE_ALG_ECDSA_SHA1 as ECDSA_SHA1, TEE_ALG_ECDSA_SHA224 as ECDSA_SHA224,
        TEE_ALG_ECDSA_SHA256 as ECDSA_SHA256, TEE_ALG_ECDSA_SHA384 as ECDSA_SHA384,
        TEE_ALG_ECDSA_SHA512 as ECDSA_SHA512, TEE_ALG_ED25519 as ED25519,
        TEE_ALG_RSA_NOPAD as RSA_NOPAD,
        TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1 as RSAES_PKCS1_OAEP_MGF1_SHA1,
        TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256 as RSAES_PKCS1_OAEP_MGF1_SHA256,
        TEE_ALG_RSAES_PKCS1_V1_5 as RSAES_PKCS1_V1_5,
        TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 as RSASSA_PKCS1_PSS_MGF1_SHA256,
        TEE_ALG_RSASSA_PKCS1_V1_5_SHA256 as RSASSA_PKCS1_V1_5_SHA256, TEE_ALG_X25519 as X25519,
    };
    pub use oxtee_gp::crypto::consts::{
        TEE_ALG_HMAC_SHA3_224 as HMAC_SHA3_224, TEE_ALG_HMAC_SHA3_256 as HMAC_SHA3_256,
        TEE_ALG_HMAC_SHA3_384 as HMAC_SHA3_384, TEE_ALG_HMAC_SHA3_512 as HMAC_SHA3_512,
        TEE_ALG_SM4_CBC_NOPAD as SM4_CBC_NOPAD, TEE_ALG_SM4_CTR as SM4_CTR,
        TEE_ALG_SM4_ECB_NOPAD as SM4_ECB_NOPAD,
    };
    pub use oxtee_gp::crypto::consts::{
        TEE_ALG_MD5 as MD5, TEE_ALG_SHA1 as SHA1, TEE_ALG_SHA3_224 as SHA3_224,
        TEE_ALG_SHA3_256 as SHA3_256, TEE_ALG_SHA3_384 as SHA3_384, TEE_ALG_SHA3_512 as SHA3_512,
        TEE_ALG_SHA224 as SHA224, TEE_ALG_SHA256 as SHA256, TEE_ALG_SHA384 as SHA384,
        TEE_ALG_SHA512 as SHA512, TEE_ALG_SHAKE128 as SHAKE128, TEE_ALG_SHAKE256 as SHAKE256,
        TEE_ALG_SM3 as SM3,
    };
}

/// Object types (TEE_TYPE_*), attribute identifiers (TEE_ATTR_*) and key
/// usage flags (TEE_USAGE_*).
pub mod obj {
    pub use oxtee_gp::crypto::consts::{
        TEE_ATTR_SECRET_VALUE as ATTR_SECRET_VALUE, TEE_TYPE_AES as AES,
        TEE_TYPE_GENERIC_SECRET as GENERIC_SECRET, TEE_TYPE_HMAC_MD5 as HMAC_MD5,
        TEE_TYPE_HMAC_SHA1 as HMAC_SHA1, TEE_TYPE_HMAC_SHA224 as HMAC_SHA224,
        TEE_TYPE_HMAC_SHA256 as HMAC_SHA256, TEE_TYPE_HMAC_SHA384 as HMAC_SHA384,
        TEE_TYPE_HMAC_SHA512 as HMAC_SHA512, TEE_TYPE_HMAC_SM3 as HMAC_SM3,
        TEE_USAGE_DECRYPT as USAGE_DECRYPT, TEE_USAGE_DEFAULT as USAGE_DEFAULT,
        TEE_USAGE_ENCRYPT as USAGE_ENCRYPT, TEE_USAGE_EXTRACTABLE as USAGE_EXTRACTABLE,
        TEE_USAGE_MAC as USAGE_MAC,
    };
    pub use oxtee_gp::crypto::consts::{TEE_TYPE_DES as DES, TEE_TYPE_DES3 as DES3};
    pub use oxtee_gp::crypto::consts::{
        TEE_TYPE_DH_KEYPAIR as DH_KEYPAIR, TEE_TYPE_DSA_KEYPAIR as DSA_KEYPAIR,
        TEE_TYPE_DSA_PUBLIC_KEY as DSA_PUBLIC_KEY, TEE_TYPE_ECDH_KEYPAIR as ECDH_KEYPAIR,
        TEE_TYPE_ECDH_PUBLIC_KEY as ECDH_PUBLIC_KEY, TEE_TYPE_ECDSA_KEYPAIR as ECDSA_KEYPAIR,
        TEE_TYPE_ECDSA_PUBLIC_KEY as ECDSA_PUBLIC_KEY, TEE_TYPE_ED25519_KEYPAIR as ED25519_KEYPAIR,
        TEE_TYPE_ED25519_PUBLIC_KEY as ED25519_PUBLIC_KEY, TEE_TYPE_RSA_KEYPAIR as RSA_KEYPAIR,
        TEE_TYPE_RSA_PUBLIC_KEY as RSA_PUBLIC_KEY, TEE_TYPE_X25519_KEYPAIR as X25519_KEYPAIR,
        TEE_TYPE_X25519_PUBLIC_KEY as X25519_PUBLIC_KEY, TEE_USAGE_DERIVE as USAGE_DERIVE,
        TEE_USAGE_SIGN as USAGE_SIGN, TEE_USAGE_VERIFY as USAGE_VERIFY,
    };
    pub use oxtee_gp::crypto::consts::{
        TEE_TYPE_HMAC_SHA3_224 as HMAC_SHA3_224, TEE_TYPE_HMAC_SHA3_256 as HMAC_SHA3_256,
        TEE_TYPE_HMAC_SHA3_384 as HMAC_SHA3_384, TEE_TYPE_HMAC_SHA3_512 as HMAC_SHA3_512,
        TEE_TYPE_SM4 as SM4,
    };
}

/// Other GP constants of this API (classes, states, handle flags).
pub use oxtee_gp::crypto::consts;

/// TEE_MODE_*.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Mode {
    Encrypt = 0,
    Decrypt = 1,
    Sign = 2,
    Verify = 3,
    Mac = 4,
    Digest = 5,
    Derive = 6,
}

fn err(e: Error) -> TeeError {
    TeeError(e.code())
}

/// TEE_IsAlgorithmSupported (`element` is TEE_CRYPTO_ELEMENT_*; 0 for
/// none).
pub fn is_algorithm_supported(algorithm: u32, element: u32) -> TeeResult {
    rc::is_algorithm_supported(algorithm, element).map_err(err)
}

/// A cryptographic operation (TEE_OperationHandle), freed on drop.
#[derive(Debug)]
pub struct Operation {
    h: OpHandle,
}

impl Operation {
    /// TEE_AllocateOperation. An unknown algorithm, a mode the algorithm
    /// does not have, or a key size it cannot take: `NOT_SUPPORTED`.
    pub fn allocate(algorithm: u32, mode: Mode, max_key_size: u32) -> TeeResult<Operation> {
        rc::allocate(algorithm, mode as u32, max_key_size)
            .map(|h| Operation { h })
            .map_err(err)
    }

    /// TEE_GetOperationInfo.
    pub fn info(&self) -> Info {
        rc::info(self.h)
    }

    /// TEE_GetOperationInfoMultiple (with every key slot).
    pub fn info_multiple(&self) -> InfoMultiple {
        rc::info_multiple(self.h)
    }

    /// TEE_ResetOperation: back to the initial state.
    pub fn reset(&mut self) {
        rc::reset(self.h)
    }

    /// TEE_CopyOperation: make `self` an independent copy of `src` (same
    /// algorithm and mode, else the TA panics).
    pub fn copy_from(&mut self, src: &Operation) {
        rc::copy(self.h, src.h)
    }

    /// TEE_DigestUpdate.
    pub fn digest_update(&mut self, chunk: &[u8]) {
        rc::digest_update(self.h, chunk)
    }

    /// TEE_DigestDoFinal into `out`: the number of bytes written (for
    /// SHAKE, all of `out`). Too small a buffer: `SHORT_BUFFER`, with the
    /// size needed in [`Operation::digest_len`], the operation unchanged.
    pub fn digest_do_final(&mut self, chunk: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        let d = rc::digest_do_final(self.h, chunk, out.len()).map_err(err)?;
        out[..d.len()].copy_from_slice(&d);
        Ok(d.len())
    }

    /// TEE_DigestDoFinal into a new vector of the digest's length (for
    /// SHAKE, of `xof_len` bytes).
    pub fn digest_final(&mut self, chunk: &[u8], xof_len: usize) -> Vec<u8> {
        let len = match self.digest_len() {
            0 => xof_len,
            n => n,
        };
        let mut out = vec![0u8; len];
        match self.digest_do_final(chunk, &mut out) {
            Ok(n) => out.truncate(n),
            Err(_) => unreachable!("a buffer of the digest length is large enough"),
        }
        out
    }

    /// TEE_DigestExtract: the next bytes of the output into `out`, and
    /// how many were written; the operation is then extracting until a
    /// final or a reset. SHAKE fills `out`; a fixed-length digest is
    /// handed out in pieces (what is left of it, at most `out.len()`).
    pub fn digest_extract(&mut self, out: &mut [u8]) -> usize {
        rc::digest_extract(self.h, out)
    }

    /// The digest length (0 for SHAKE, whose output has any length).
    pub fn digest_len(&self) -> usize {
        self.info().digest_length as usize
    }
}

/// An attribute for [`TransientObject::populate`].
#[derive(Debug, Clone, Copy)]
pub enum Attribute<'a> {
    /// TEE_InitRefAttribute.
    Ref(u32, &'a [u8]),
    /// TEE_InitValueAttribute.
    Value(u32, u32, u32),
}

fn attrs(a: &[Attribute<'_>]) -> Vec<Attr> {
    a.iter()
        .map(|a| match *a {
            Attribute::Ref(id, b) => Attr::Ref(id, b.to_vec()),
            Attribute::Value(id, x, y) => Attr::Value(id, x, y),
        })
        .collect()
}

/// A transient object (TEE_ObjectHandle), freed on drop.
#[derive(Debug)]
pub struct TransientObject {
    pub(crate) h: ObjHandle,
}

impl TransientObject {
    /// TEE_AllocateTransientObject (`max_size` in bits). An unknown type
    /// or a size it does not allow: `NOT_SUPPORTED`.
    pub fn allocate(object_type: u32, max_size: u32) -> TeeResult<TransientObject> {
        rc::allocate_object(object_type, max_size)
            .map(|h| TransientObject { h })
            .map_err(err)
    }

    /// TEE_PopulateTransientObject: `BAD_PARAMETERS` for a value size the
    /// type or the maximum size does not allow; a populated object, a
    /// missing or foreign attribute panic the TA.
    pub fn populate(&mut self, a: &[Attribute<'_>]) -> TeeResult {
        rc::populate(self.h, &attrs(a)).map_err(err)
    }

    /// TEE_GenerateKey (`key_size` in bits) without parameters: secret
    /// keys, RSA (exponent 65537), Ed25519 and X25519 key pairs.
    pub fn generate_key(&mut self, key_size: u32) {
        // Without parameters nothing can be inconsistent: any misuse
        // panics the TA inside the runtime.
        let _ = rc::generate_key(self.h, key_size, &[]);
    }

    /// TEE_GenerateKey with GP's generation parameters (RSA public
    /// exponent; DSA domain; DH prime, base, subprime, private bits; the
    /// ECC curve): `BAD_PARAMETERS` for parameters that do not fit
    /// `key_size`.
    pub fn generate_key_with(&mut self, key_size: u32, params: &[Attribute<'_>]) -> TeeResult {
        rc::generate_key(self.h, key_size, &attrs(params)).map_err(err)
    }

    /// TEE_ResetTransientObject.
    pub fn reset(&mut self) {
        rc::reset_object(self.h)
    }

    /// TEE_GetObjectInfo1.
    pub fn info(&self) -> ObjectInfo {
        rc::object_info(self.h)
    }

    /// TEE_RestrictObjectUsage1.
    pub fn restrict_usage(&mut self, usage: u32) {
        rc::restrict_usage(self.h, usage)
    }

    /// TEE_GetObjectBufferAttribute into `out`: the size written, or
    /// `SHORT_BUFFER` / `ITEM_NOT_FOUND`. A protected attribute of an
    /// object without TEE_USAGE_EXTRACTABLE panics the TA.
    pub fn buffer_attribute(&self, id: u32, out: &mut [u8]) -> TeeResult<usize> {
        let v = rc::buffer_attribute(self.h, id, out.len()).map_err(err)?;
        out[..v.len()].copy_from_slice(&v);
        Ok(v.len())
    }

    /// TEE_GetObjectValueAttribute: `(a, b)` or `ITEM_NOT_FOUND` (secret
    /// keys have no value attribute). A buffer attribute's identifier, or
    /// a protected attribute of an object without
    /// TEE_USAGE_EXTRACTABLE, panics the TA.
    pub fn value_attribute(&self, id: u32) -> TeeResult<(u32, u32)> {
        rc::value_attribute(self.h, id).map_err(err)
    }

    /// TEE_CopyObjectAttributes1 from `src` into `self`.
    pub fn copy_attributes_from(&mut self, src: &TransientObject) {
        rc::copy_object_attributes(self.h, src.h)
    }
}

impl Drop for TransientObject {
    fn drop(&mut self) {
        rc::free_object(self.h)
    }
}

impl Operation {
    /// TEE_SetOperationKey (`None` clears the key). A key of another type,
    /// larger than the maximum key size or without the usage the mode
    /// needs panics the TA, as does an operation not in the initial state.
    pub fn set_key(&mut self, key: Option<&TransientObject>) {
        rc::set_key(self.h, key.map(|k| k.h))
    }

    /// TEE_SetOperationKey with a persistent key object (the same rules
    /// as [`Operation::set_key`]; a pure data object panics the TA).
    pub fn set_persistent_key(&mut self, key: &crate::storage::PersistentObject) {
        rc::set_key(self.h, Some(key.h))
    }

    /// TEE_SetOperationKey2 (AES-XTS: the data key and the tweak key;
    /// `None` for both clears them). Only one key, keys of different
    /// sizes, an operation taking one key, or anything
    /// [`Operation::set_key`] refuses panics the TA.
    pub fn set_key2(&mut self, key1: Option<&TransientObject>, key2: Option<&TransientObject>) {
        rc::set_key2(self.h, key1.map(|k| k.h), key2.map(|k| k.h))
    }

    /// TEE_CipherInit.
    pub fn cipher_init(&mut self, iv: &[u8]) {
        rc::cipher_init(self.h, iv)
    }

    /// TEE_CipherUpdate into `out`: the size written, or `SHORT_BUFFER`
    /// (with `SHORT_BUFFER`, `out` must grow; or use [`Operation::cipher_update_vec`]).
    pub fn cipher_update(&mut self, src: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        rc::cipher_update_into(self.h, src, out).map_err(err)
    }

    /// TEE_CipherUpdate into a new vector.
    pub fn cipher_update_vec(&mut self, src: &[u8]) -> Vec<u8> {
        rc::cipher_update(self.h, src, usize::MAX).unwrap_or_default()
    }

    /// TEE_CipherDoFinal into `out`: the size written, `SHORT_BUFFER`, or
    /// `BAD_PARAMETERS` (ECB/CBC input not a whole number of blocks).
    pub fn cipher_do_final(&mut self, src: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        rc::cipher_do_final_into(self.h, src, out).map_err(err)
    }

    /// TEE_CipherDoFinal into a new vector.
    pub fn cipher_final_vec(&mut self, src: &[u8]) -> TeeResult<Vec<u8>> {
        rc::cipher_do_final(self.h, src, usize::MAX).map_err(err)
    }

    /// TEE_MACInit (HMAC ignores the IV).
    pub fn mac_init(&mut self, iv: &[u8]) {
        rc::mac_init(self.h, iv)
    }

    /// TEE_MACUpdate.
    pub fn mac_update(&mut self, chunk: &[u8]) {
        rc::mac_update(self.h, chunk)
    }

    /// TEE_MACComputeFinal into `out`: the MAC's length, or
    /// `SHORT_BUFFER` (the operation unchanged).
    pub fn mac_compute_final(&mut self, msg: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        let v = rc::mac_compute_final(self.h, msg, out.len()).map_err(err)?;
        out[..v.len()].copy_from_slice(&v);
        Ok(v.len())
    }

    /// TEE_MACCompareFinal: `MAC_INVALID` unless `mac` is the MAC.
    pub fn mac_compare_final(&mut self, msg: &[u8], mac: &[u8]) -> TeeResult {
        rc::mac_compare_final(self.h, msg, mac).map_err(err)
    }
}

impl Operation {
    /// TEE_AEInit (`tag_bits` in bits; CCM needs the AAD and payload
    /// lengths, GCM ignores them). A tag or nonce length GP does not allow
    /// for the algorithm: `NOT_SUPPORTED`.
    pub fn ae_init(
        &mut self,
        nonce: &[u8],
        tag_bits: u32,
        aad_len: usize,
        payload_len: usize,
    ) -> TeeResult {
        rc::ae_init(self.h, nonce, tag_bits, aad_len as u64, payload_len as u64).map_err(err)
    }

    /// TEE_AEUpdateAAD (after the payload has begun, the TA panics).
    pub fn ae_update_aad(&mut self, aad: &[u8]) {
        rc::ae_update_aad(self.h, aad)
    }

    /// TEE_AEUpdate into `out`: the size written (as long as `src`), or
    /// `SHORT_BUFFER`.
    pub fn ae_update(&mut self, src: &[u8], out: &mut [u8]) -> TeeResult<usize> {
        let v = rc::ae_update(self.h, src, out.len()).map_err(err)?;
        out[..v.len()].copy_from_slice(&v);
        Ok(v.len())
    }

    /// The tag length in bytes TEE_AEInit set (the size a short tag
    /// buffer of [`Operation::ae_encrypt_final`] needs).
    pub fn ae_tag_len(&self) -> usize {
        rc::ae_tag_len(self.h)
    }

    /// TEE_AEEncryptFinal into `out` and `tag`: (output size, tag size),
    /// or `SHORT_BUFFER` if either is too small (the operation unchanged;
    /// the output needs `src.len()`, the tag [`Operation::ae_tag_len`]).
    pub fn ae_encrypt_final(
        &mut self,
        src: &[u8],
        out: &mut [u8],
        tag: &mut [u8],
    ) -> TeeResult<(usize, usize)> {
        rc::ae_encrypt_final_into(self.h, src, out, tag).map_err(err)
    }

    /// TEE_AEDecryptFinal into `out`: the size written, `SHORT_BUFFER`, or
    /// `MAC_INVALID` (nothing written) unless `tag` is the tag.
    pub fn ae_decrypt_final(&mut self, src: &[u8], out: &mut [u8], tag: &[u8]) -> TeeResult<usize> {
        rc::ae_decrypt_final_into(self.h, src, out, tag).map_err(err)
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        rc::free(self.h)
    }
}

impl Operation {
    /// TEE_DeriveKey (OP-TEE's HKDF and PBKDF2, mode DERIVE): derive with
    /// `params` into `derived`, an uninitialised TEE_TYPE_GENERIC_SECRET
    /// object. A missing or foreign parameter, or an output too long for
    /// the algorithm or the object, panics the TA.
    pub fn derive_key(&mut self, params: &[Attribute<'_>], derived: &mut TransientObject) {
        rc::derive_key(self.h, &attrs(params), derived.h);
    }

    /// TEE_DeriveKey of an SM2 key exchange (TEE_SetOperationKey2 with
    /// the own static and ephemeral key pairs): the confirmation value S
    /// to send to the peer when `params` hold
    /// TEE_ATTR_SM2_KEP_CONFIRMATION_OUT (with any buffer: the value is
    /// returned here).
    pub fn derive_key_sm2(
        &mut self,
        params: &[Attribute<'_>],
        derived: &mut TransientObject,
    ) -> Option<Vec<u8>> {
        rc::derive_key(self.h, &attrs(params), derived.h)
    }
}

/// Copy `v` into `out`: the size written.
fn put(v: Vec<u8>, out: &mut [u8]) -> usize {
    out[..v.len()].copy_from_slice(&v);
    v.len()
}

impl Operation {
    /// TEE_AsymmetricEncrypt into `out` (operation parameters such as the
    /// OAEP label in `params`): the size written, `SHORT_BUFFER`, or
    /// `BAD_PARAMETERS` for a message too long for the key.
    pub fn asymmetric_encrypt(
        &mut self,
        params: &[Attribute<'_>],
        src: &[u8],
        out: &mut [u8],
    ) -> TeeResult<usize> {
        rc::asymmetric_encrypt(self.h, &attrs(params), src, out.len())
            .map(|v| put(v, out))
            .map_err(err)
    }

    /// TEE_AsymmetricDecrypt into `out`: the size written,
    /// `SHORT_BUFFER`, or `CIPHERTEXT_INVALID`.
    pub fn asymmetric_decrypt(
        &mut self,
        params: &[Attribute<'_>],
        src: &[u8],
        out: &mut [u8],
    ) -> TeeResult<usize> {
        rc::asymmetric_decrypt(self.h, &attrs(params), src, out.len())
            .map(|v| put(v, out))
            .map_err(err)
    }

    /// TEE_AsymmetricSignDigest into `out` (for Ed25519 `digest` is the
    /// message): the size written or `SHORT_BUFFER`.
    pub fn asymmetric_sign_digest(
        &mut self,
        params: &[Attribute<'_>],
        digest: &[u8],
        out: &mut [u8],
    ) -> TeeResult<usize> {
        rc::asymmetric_sign_digest(self.h, &attrs(params), digest, out.len())
            .map(|v| put(v, out))
            .map_err(err)
    }

    /// TEE_AsymmetricVerifyDigest: `Ok` or `SIGNATURE_INVALID`.
    pub fn asymmetric_verify_digest(
        &mut self,
        params: &[Attribute<'_>],
        digest: &[u8],
        signature: &[u8],
    ) -> TeeResult {
        rc::asymmetric_verify_digest(self.h, &attrs(params), digest, signature).map_err(err)
    }
}
