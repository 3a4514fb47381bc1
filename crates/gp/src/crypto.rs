//! The GP cryptographic API's data types and identifiers, shared by the
//! engine (`oxtee-crypto`), the runtimes of both tiers and the Rust SDK:
//! what a TA sees of an operation or an object, without the engine.

use alloc::vec::Vec;
use consts::*;

/// GP identifiers of the cryptographic and storage API, with the values
/// of OP-TEE's tee_api_defines.h (the devkit header).
pub mod consts {
    pub const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
    pub const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;
    pub const TEE_ERROR_NOT_SUPPORTED: u32 = 0xFFFF_000A;
    pub const TEE_ERROR_SHORT_BUFFER: u32 = 0xFFFF_0010;

    pub const TEE_MODE_ENCRYPT: u32 = 0;
    pub const TEE_MODE_DECRYPT: u32 = 1;
    pub const TEE_MODE_SIGN: u32 = 2;
    pub const TEE_MODE_VERIFY: u32 = 3;
    pub const TEE_MODE_MAC: u32 = 4;
    pub const TEE_MODE_DIGEST: u32 = 5;
    pub const TEE_MODE_DERIVE: u32 = 6;

    pub const TEE_HANDLE_FLAG_PERSISTENT: u32 = 0x0001_0000;
    pub const TEE_HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;
    pub const TEE_HANDLE_FLAG_KEY_SET: u32 = 0x0004_0000;
    pub const TEE_HANDLE_FLAG_EXPECT_TWO_KEYS: u32 = 0x0008_0000;
    pub const TEE_HANDLE_FLAG_EXTRACTING: u32 = 0x0010_0000;

    pub const TEE_OPERATION_CIPHER: u32 = 1;
    pub const TEE_OPERATION_MAC: u32 = 3;
    pub const TEE_OPERATION_AE: u32 = 4;
    pub const TEE_OPERATION_DIGEST: u32 = 5;
    pub const TEE_OPERATION_ASYMMETRIC_CIPHER: u32 = 6;
    pub const TEE_OPERATION_ASYMMETRIC_SIGNATURE: u32 = 7;
    pub const TEE_OPERATION_KEY_DERIVATION: u32 = 8;

    pub const TEE_OPERATION_STATE_INITIAL: u32 = 0;
    pub const TEE_OPERATION_STATE_ACTIVE: u32 = 1;
    pub const TEE_OPERATION_STATE_EXTRACTING: u32 = 2;

    pub const TEE_CRYPTO_ELEMENT_NONE: u32 = 0;

    pub const TEE_ALG_MD5: u32 = 0x5000_0001;
    pub const TEE_ALG_SHA1: u32 = 0x5000_0002;
    pub const TEE_ALG_SHA224: u32 = 0x5000_0003;
    pub const TEE_ALG_SHA256: u32 = 0x5000_0004;
    pub const TEE_ALG_SHA384: u32 = 0x5000_0005;
    pub const TEE_ALG_SHA512: u32 = 0x5000_0006;
    pub const TEE_ALG_SM3: u32 = 0x5000_0007;
    pub const TEE_ALG_SHA3_224: u32 = 0x5000_0008;
    pub const TEE_ALG_SHA3_256: u32 = 0x5000_0009;
    pub const TEE_ALG_SHA3_384: u32 = 0x5000_000A;
    pub const TEE_ALG_SHA3_512: u32 = 0x5000_000B;
    pub const TEE_ALG_SHAKE128: u32 = 0x5000_0101;
    pub const TEE_ALG_SHAKE256: u32 = 0x5000_0102;

    pub const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
    pub const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
    pub const TEE_ERROR_MAC_INVALID: u32 = 0xFFFF_3071;

    pub const TEE_ALG_AES_ECB_NOPAD: u32 = 0x1000_0010;
    pub const TEE_ALG_AES_CBC_NOPAD: u32 = 0x1000_0110;
    pub const TEE_ALG_AES_CTR: u32 = 0x1000_0210;

    pub const TEE_ALG_HMAC_MD5: u32 = 0x3000_0001;
    pub const TEE_ALG_HMAC_SHA1: u32 = 0x3000_0002;
    pub const TEE_ALG_HMAC_SHA224: u32 = 0x3000_0003;
    pub const TEE_ALG_HMAC_SHA256: u32 = 0x3000_0004;
    pub const TEE_ALG_HMAC_SHA384: u32 = 0x3000_0005;
    pub const TEE_ALG_HMAC_SHA512: u32 = 0x3000_0006;
    pub const TEE_ALG_HMAC_SM3: u32 = 0x3000_0007;

    pub const TEE_TYPE_AES: u32 = 0xA000_0010;
    pub const TEE_TYPE_HMAC_MD5: u32 = 0xA000_0001;
    pub const TEE_TYPE_HMAC_SHA1: u32 = 0xA000_0002;
    pub const TEE_TYPE_HMAC_SHA224: u32 = 0xA000_0003;
    pub const TEE_TYPE_HMAC_SHA256: u32 = 0xA000_0004;
    pub const TEE_TYPE_HMAC_SHA384: u32 = 0xA000_0005;
    pub const TEE_TYPE_HMAC_SHA512: u32 = 0xA000_0006;
    pub const TEE_TYPE_HMAC_SM3: u32 = 0xA000_0007;
    pub const TEE_TYPE_GENERIC_SECRET: u32 = 0xA000_0000;

    pub const TEE_ATTR_FLAG_PUBLIC: u32 = 1 << 28;
    pub const TEE_ATTR_FLAG_VALUE: u32 = 1 << 29;
    pub const TEE_ATTR_SECRET_VALUE: u32 = 0xC000_0000;

    pub const TEE_USAGE_EXTRACTABLE: u32 = 0x0000_0001;
    pub const TEE_USAGE_ENCRYPT: u32 = 0x0000_0002;
    pub const TEE_USAGE_DECRYPT: u32 = 0x0000_0004;
    pub const TEE_USAGE_MAC: u32 = 0x0000_0008;
    pub const TEE_USAGE_SIGN: u32 = 0x0000_0010;
    pub const TEE_USAGE_VERIFY: u32 = 0x0000_0020;
    pub const TEE_USAGE_DERIVE: u32 = 0x0000_0040;
    pub const TEE_USAGE_DEFAULT: u32 = 0xFFFF_FFFF;

    pub const TEE_ALG_AES_CMAC: u32 = 0x3000_0610;
    pub const TEE_ALG_AES_CCM: u32 = 0x4000_0710;
    pub const TEE_ALG_AES_GCM: u32 = 0x4000_0810;

    pub const TEE_ALG_AES_CTS: u32 = 0x1000_0310;
    pub const TEE_ALG_AES_XTS: u32 = 0x1000_0410;
    pub const TEE_ALG_DES_ECB_NOPAD: u32 = 0x1000_0011;
    pub const TEE_ALG_DES_CBC_NOPAD: u32 = 0x1000_0111;
    pub const TEE_ALG_DES3_ECB_NOPAD: u32 = 0x1000_0013;
    pub const TEE_ALG_DES3_CBC_NOPAD: u32 = 0x1000_0113;

    pub const TEE_ALG_AES_CBC_MAC_NOPAD: u32 = 0x3000_0110;
    pub const TEE_ALG_AES_CBC_MAC_PKCS5: u32 = 0x3000_0510;
    pub const TEE_ALG_DES_CBC_MAC_NOPAD: u32 = 0x3000_0111;
    pub const TEE_ALG_DES_CBC_MAC_PKCS5: u32 = 0x3000_0511;
    pub const TEE_ALG_DES3_CBC_MAC_NOPAD: u32 = 0x3000_0113;
    pub const TEE_ALG_DES3_CBC_MAC_PKCS5: u32 = 0x3000_0513;
    /// OP-TEE's TDEA CMAC (tee_api_defines_extensions.h).
    pub const TEE_ALG_DES3_CMAC: u32 = 0xF000_0613;

    pub const TEE_TYPE_DES: u32 = 0xA000_0011;
    pub const TEE_TYPE_DES3: u32 = 0xA000_0013;

    pub const TEE_ALG_HMAC_SHA3_224: u32 = 0x3000_0008;
    pub const TEE_ALG_HMAC_SHA3_256: u32 = 0x3000_0009;
    pub const TEE_ALG_HMAC_SHA3_384: u32 = 0x3000_000A;
    pub const TEE_ALG_HMAC_SHA3_512: u32 = 0x3000_000B;
    pub const TEE_TYPE_HMAC_SHA3_224: u32 = 0xA000_0008;
    pub const TEE_TYPE_HMAC_SHA3_256: u32 = 0xA000_0009;
    pub const TEE_TYPE_HMAC_SHA3_384: u32 = 0xA000_000A;
    pub const TEE_TYPE_HMAC_SHA3_512: u32 = 0xA000_000B;

    pub const TEE_ALG_SM4_ECB_NOPAD: u32 = 0x1000_0014;
    pub const TEE_ALG_SM4_CBC_NOPAD: u32 = 0x1000_0114;
    pub const TEE_ALG_SM4_CTR: u32 = 0x1000_0214;
    pub const TEE_TYPE_SM4: u32 = 0xA000_0014;

    // OP-TEE's vendor key derivations (tee_api_defines_extensions.h).
    pub const TEE_ALG_HKDF_MD5_DERIVE_KEY: u32 = 0x8000_10C0;
    pub const TEE_ALG_HKDF_SHA1_DERIVE_KEY: u32 = 0x8000_20C0;
    pub const TEE_ALG_HKDF_SHA224_DERIVE_KEY: u32 = 0x8000_30C0;
    pub const TEE_ALG_HKDF_SHA256_DERIVE_KEY: u32 = 0x8000_40C0;
    pub const TEE_ALG_HKDF_SHA384_DERIVE_KEY: u32 = 0x8000_50C0;
    pub const TEE_ALG_HKDF_SHA512_DERIVE_KEY: u32 = 0x8000_60C0;
    pub const TEE_TYPE_HKDF_IKM: u32 = 0xA100_00C0;
    pub const TEE_ATTR_HKDF_IKM: u32 = 0xC000_01C0;
    pub const TEE_ATTR_HKDF_SALT: u32 = 0xD000_02C0;
    pub const TEE_ATTR_HKDF_INFO: u32 = 0xD000_03C0;
    pub const TEE_ATTR_HKDF_OKM_LENGTH: u32 = 0xF000_04C0;
    /// GP 1.3.1's HKDF salt and info attributes (TEE_ATTR_HKDF_SALT/INFO in
    /// GP's and recent OP-TEE's headers, where OP-TEE's own two are renamed
    /// __OPTEE_TEE_ATTR_HKDF_SALT/INFO); OP-TEE's HKDF takes either.
    pub const GP_TEE_ATTR_HKDF_SALT: u32 = 0xD000_0946;
    pub const GP_TEE_ATTR_HKDF_INFO: u32 = 0xD000_0A46;
    pub const TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY: u32 = 0x8000_20C2;
    pub const TEE_TYPE_PBKDF2_PASSWORD: u32 = 0xA100_00C2;
    pub const TEE_ATTR_PBKDF2_PASSWORD: u32 = 0xC000_01C2;
    pub const TEE_ATTR_PBKDF2_SALT: u32 = 0xD000_02C2;
    pub const TEE_ATTR_PBKDF2_ITERATION_COUNT: u32 = 0xF000_03C2;
    pub const TEE_ATTR_PBKDF2_DKM_LENGTH: u32 = 0xF000_04C2;

    // Asymmetric algorithms (tee_api_defines.h).
    pub const TEE_ERROR_SIGNATURE_INVALID: u32 = 0xFFFF_3072;
    pub const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_MD5: u32 = 0x7000_1830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA1: u32 = 0x7000_2830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA224: u32 = 0x7000_3830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA384: u32 = 0x7000_5830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA512: u32 = 0x7000_6830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_MD5SHA1: u32 = 0x7000_F830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_224: u32 = 0x7000_8830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_256: u32 = 0x7000_9830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_384: u32 = 0x7000_A830;
    pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA3_512: u32 = 0x7000_B830;
    /// OP-TEE extension: PKCS#1 v1.5 over a caller-encoded DigestInfo.
    pub const TEE_ALG_RSASSA_PKCS1_V1_5: u32 = 0xF000_0830;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA1: u32 = 0x7021_2930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA224: u32 = 0x7031_3930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA384: u32 = 0x7051_5930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA512: u32 = 0x7061_6930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_224: u32 = 0x7081_8930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_256: u32 = 0x7091_9930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_384: u32 = 0x70A1_A930;
    pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA3_512: u32 = 0x70B1_B930;
    pub const TEE_ALG_RSAES_PKCS1_V1_5: u32 = 0x6000_0130;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA1: u32 = 0x6021_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA224: u32 = 0x6031_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA256: u32 = 0x6041_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA384: u32 = 0x6051_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA512: u32 = 0x6061_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_224: u32 = 0x6081_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_256: u32 = 0x6091_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_384: u32 = 0x60A1_0230;
    pub const TEE_ALG_RSAES_PKCS1_OAEP_MGF1_SHA3_512: u32 = 0x60B1_0230;
    pub const TEE_ALG_RSA_NOPAD: u32 = 0x6000_0030;
    pub const TEE_ALG_DSA_SHA1: u32 = 0x7000_2131;
    pub const TEE_ALG_DSA_SHA224: u32 = 0x7000_3131;
    pub const TEE_ALG_DSA_SHA256: u32 = 0x7000_4131;
    pub const TEE_ALG_DSA_SHA3_224: u32 = 0x7000_8131;
    pub const TEE_ALG_DSA_SHA3_256: u32 = 0x7000_9131;
    pub const TEE_ALG_DSA_SHA3_384: u32 = 0x7000_A131;
    pub const TEE_ALG_DSA_SHA3_512: u32 = 0x7000_B131;
    pub const TEE_ALG_DH_DERIVE_SHARED_SECRET: u32 = 0x8000_0032;
    pub const TEE_ALG_ECDSA_SHA1: u32 = 0x7000_1042;
    pub const TEE_ALG_ECDSA_SHA224: u32 = 0x7000_2042;
    pub const TEE_ALG_ECDSA_SHA256: u32 = 0x7000_3042;
    pub const TEE_ALG_ECDSA_SHA384: u32 = 0x7000_4042;
    pub const TEE_ALG_ECDSA_SHA512: u32 = 0x7000_5042;
    pub const TEE_ALG_ECDSA_SHA3_224: u32 = 0x7000_6042;
    pub const TEE_ALG_ECDSA_SHA3_256: u32 = 0x7000_7042;
    pub const TEE_ALG_ECDSA_SHA3_384: u32 = 0x7000_8042;
    pub const TEE_ALG_ECDSA_SHA3_512: u32 = 0x7000_9042;
    pub const TEE_ALG_ECDH_DERIVE_SHARED_SECRET: u32 = 0x8000_0042;
    /// OP-TEE's pre-1.3 per-curve identifiers, still accepted.
    pub const OPTEE_ALG_ECDSA_P192: u32 = 0x7000_1041;
    pub const OPTEE_ALG_ECDSA_P224: u32 = 0x7000_2041;
    pub const OPTEE_ALG_ECDSA_P256: u32 = 0x7000_3041;
    pub const OPTEE_ALG_ECDSA_P384: u32 = 0x7000_4041;
    pub const OPTEE_ALG_ECDSA_P521: u32 = 0x7000_5041;
    pub const OPTEE_ALG_ECDH_P192: u32 = 0x8000_1042;
    pub const OPTEE_ALG_ECDH_P224: u32 = 0x8000_2042;
    pub const OPTEE_ALG_ECDH_P256: u32 = 0x8000_3042;
    pub const OPTEE_ALG_ECDH_P384: u32 = 0x8000_4042;
    pub const OPTEE_ALG_ECDH_P521: u32 = 0x8000_5042;
    pub const TEE_ALG_ED25519: u32 = 0x7000_6043;
    pub const TEE_ALG_X25519: u32 = 0x8000_0044;
    pub const TEE_TYPE_RSA_PUBLIC_KEY: u32 = 0xA000_0030;
    pub const TEE_TYPE_RSA_KEYPAIR: u32 = 0xA100_0030;
    pub const TEE_TYPE_DSA_PUBLIC_KEY: u32 = 0xA000_0031;
    pub const TEE_TYPE_DSA_KEYPAIR: u32 = 0xA100_0031;
    pub const TEE_TYPE_DH_KEYPAIR: u32 = 0xA100_0032;
    pub const TEE_TYPE_ECDSA_PUBLIC_KEY: u32 = 0xA000_0041;
    pub const TEE_TYPE_ECDSA_KEYPAIR: u32 = 0xA100_0041;
    pub const TEE_TYPE_ECDH_PUBLIC_KEY: u32 = 0xA000_0042;
    pub const TEE_TYPE_ECDH_KEYPAIR: u32 = 0xA100_0042;
    pub const TEE_TYPE_ED25519_PUBLIC_KEY: u32 = 0xA000_0043;
    pub const TEE_TYPE_ED25519_KEYPAIR: u32 = 0xA100_0043;
    pub const TEE_TYPE_X25519_PUBLIC_KEY: u32 = 0xA000_0044;
    pub const TEE_TYPE_X25519_KEYPAIR: u32 = 0xA100_0044;
    pub const TEE_ATTR_RSA_MODULUS: u32 = 0xD000_0130;
    pub const TEE_ATTR_RSA_PUBLIC_EXPONENT: u32 = 0xD000_0230;
    pub const TEE_ATTR_RSA_PRIVATE_EXPONENT: u32 = 0xC000_0330;
    pub const TEE_ATTR_RSA_PRIME1: u32 = 0xC000_0430;
    pub const TEE_ATTR_RSA_PRIME2: u32 = 0xC000_0530;
    pub const TEE_ATTR_RSA_EXPONENT1: u32 = 0xC000_0630;
    pub const TEE_ATTR_RSA_EXPONENT2: u32 = 0xC000_0730;
    pub const TEE_ATTR_RSA_COEFFICIENT: u32 = 0xC000_0830;
    pub const TEE_ATTR_RSA_OAEP_LABEL: u32 = 0xD000_0930;
    pub const TEE_ATTR_RSA_OAEP_MGF_HASH: u32 = 0xD000_0931;
    pub const TEE_ATTR_RSA_PSS_SALT_LENGTH: u32 = 0xF000_0A30;
    pub const TEE_ATTR_DSA_PRIME: u32 = 0xD000_1031;
    pub const TEE_ATTR_DSA_SUBPRIME: u32 = 0xD000_1131;
    pub const TEE_ATTR_DSA_BASE: u32 = 0xD000_1231;
    pub const TEE_ATTR_DSA_PUBLIC_VALUE: u32 = 0xD000_0131;
    pub const TEE_ATTR_DSA_PRIVATE_VALUE: u32 = 0xC000_0231;
    pub const TEE_ATTR_DH_PRIME: u32 = 0xD000_1032;
    pub const TEE_ATTR_DH_SUBPRIME: u32 = 0xD000_1132;
    pub const TEE_ATTR_DH_BASE: u32 = 0xD000_1232;
    pub const TEE_ATTR_DH_X_BITS: u32 = 0xF000_1332;
    pub const TEE_ATTR_DH_PUBLIC_VALUE: u32 = 0xD000_0132;
    pub const TEE_ATTR_DH_PRIVATE_VALUE: u32 = 0xC000_0232;
    pub const TEE_ATTR_ECC_PUBLIC_VALUE_X: u32 = 0xD000_0141;
    pub const TEE_ATTR_ECC_PUBLIC_VALUE_Y: u32 = 0xD000_0241;
    pub const TEE_ATTR_ECC_PRIVATE_VALUE: u32 = 0xC000_0341;
    pub const TEE_ATTR_ECC_CURVE: u32 = 0xF000_0441;
    pub const TEE_ATTR_EDDSA_PREHASH: u32 = 0xF000_0004;
    pub const TEE_ATTR_EDDSA_CTX: u32 = 0xD000_0643;
    pub const TEE_ATTR_ED25519_PUBLIC_VALUE: u32 = 0xD000_0743;
    pub const TEE_ATTR_ED25519_PRIVATE_VALUE: u32 = 0xC000_0843;
    pub const TEE_ATTR_X25519_PUBLIC_VALUE: u32 = 0xD000_0944;
    pub const TEE_ATTR_X25519_PRIVATE_VALUE: u32 = 0xC000_0A44;
    pub const TEE_ECC_CURVE_NIST_P192: u32 = 1;
    pub const TEE_ECC_CURVE_NIST_P224: u32 = 2;
    pub const TEE_ECC_CURVE_NIST_P256: u32 = 3;
    pub const TEE_ECC_CURVE_NIST_P384: u32 = 4;
    pub const TEE_ECC_CURVE_NIST_P521: u32 = 5;
    pub const TEE_ECC_CURVE_25519: u32 = 0x300;
    // OP-TEE's Concat KDF (NIST SP 800-56A 5.8.1).
    pub const TEE_ALG_CONCAT_KDF_SHA1_DERIVE_KEY: u32 = 0x8000_20C1;
    pub const TEE_ALG_CONCAT_KDF_SHA224_DERIVE_KEY: u32 = 0x8000_30C1;
    pub const TEE_ALG_CONCAT_KDF_SHA256_DERIVE_KEY: u32 = 0x8000_40C1;
    pub const TEE_ALG_CONCAT_KDF_SHA384_DERIVE_KEY: u32 = 0x8000_50C1;
    pub const TEE_ALG_CONCAT_KDF_SHA512_DERIVE_KEY: u32 = 0x8000_60C1;
    pub const TEE_TYPE_CONCAT_KDF_Z: u32 = 0xA100_00C1;
    pub const TEE_ATTR_CONCAT_KDF_Z: u32 = 0xC000_01C1;
    pub const TEE_ATTR_CONCAT_KDF_OTHER_INFO: u32 = 0xD000_02C1;
    pub const TEE_ATTR_CONCAT_KDF_DKM_LENGTH: u32 = 0xF000_03C1;
    pub const TEE_ERROR_CIPHERTEXT_INVALID: u32 = 0xF010_0006;
    // SM2 (GM/T 0003, OP-TEE's identifiers; the keys are ECC objects on
    // TEE_ECC_CURVE_SM2).
    pub const TEE_ALG_SM2_DSA_SM3: u32 = 0x7000_6045;
    pub const TEE_ALG_SM2_KEP: u32 = 0x6000_0045;
    pub const TEE_ALG_SM2_PKE: u32 = 0x8000_0046;
    pub const TEE_TYPE_SM2_DSA_PUBLIC_KEY: u32 = 0xA000_0045;
    pub const TEE_TYPE_SM2_DSA_KEYPAIR: u32 = 0xA100_0045;
    pub const TEE_TYPE_SM2_KEP_PUBLIC_KEY: u32 = 0xA000_0046;
    pub const TEE_TYPE_SM2_KEP_KEYPAIR: u32 = 0xA100_0046;
    pub const TEE_TYPE_SM2_PKE_PUBLIC_KEY: u32 = 0xA000_0047;
    pub const TEE_TYPE_SM2_PKE_KEYPAIR: u32 = 0xA100_0047;
    pub const TEE_ECC_CURVE_SM2: u32 = 0x400;
    pub const TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_X: u32 = 0xD000_0146;
    pub const TEE_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_Y: u32 = 0xD000_0246;
    pub const TEE_ATTR_SM2_ID_INITIATOR: u32 = 0xD000_0446;
    pub const TEE_ATTR_SM2_ID_RESPONDER: u32 = 0xD000_0546;
    pub const TEE_ATTR_SM2_KEP_USER: u32 = 0xF000_0646;
    pub const TEE_ATTR_SM2_KEP_CONFIRMATION_IN: u32 = 0xD000_0746;
    pub const TEE_ATTR_SM2_KEP_CONFIRMATION_OUT: u32 = 0xD000_0846;
    // Post-quantum vendor extensions (oxtee's, in OP-TEE's vendor style; see
    // devkit/include/tee_api_defines_extensions.h). One algorithm and one
    // key family per scheme; the key size (256 * k, the module rank) names
    // the parameter set: ML-KEM-768 is 768, ML-DSA-65 is 1536.
    pub const TEE_ALG_MLKEM: u32 = 0xF000_00D0;
    pub const TEE_ALG_MLDSA: u32 = 0xF000_00D1;
    pub const TEE_TYPE_MLKEM_PUBLIC_KEY: u32 = 0xA000_00D0;
    pub const TEE_TYPE_MLKEM_KEYPAIR: u32 = 0xA100_00D0;
    pub const TEE_TYPE_MLDSA_PUBLIC_KEY: u32 = 0xA000_00D1;
    pub const TEE_TYPE_MLDSA_KEYPAIR: u32 = 0xA100_00D1;
    /// ML-KEM encapsulation key ek (FIPS 203 ByteEncode form).
    pub const TEE_ATTR_MLKEM_PUBLIC_KEY: u32 = 0xD000_01D0;
    /// ML-KEM decapsulation key dk (the 'semi-expanded' FIPS 203 form).
    pub const TEE_ATTR_MLKEM_PRIVATE_KEY: u32 = 0xC000_02D0;
    /// ML-KEM key generation seed d || z (64 bytes).
    pub const TEE_ATTR_MLKEM_SEED: u32 = 0xC000_03D0;
    /// Encapsulation parameter: the 32-byte message m of
    /// ML-KEM.Encaps_internal, for known-answer tests only.
    pub const TEE_ATTR_MLKEM_ENCAPS_M: u32 = 0xC000_04D0;
    /// ML-DSA public key pk (FIPS 204 pkEncode).
    pub const TEE_ATTR_MLDSA_PUBLIC_KEY: u32 = 0xD000_01D1;
    /// ML-DSA private key sk (FIPS 204 skEncode).
    pub const TEE_ATTR_MLDSA_PRIVATE_KEY: u32 = 0xC000_02D1;
    /// ML-DSA key generation seed xi (32 bytes).
    pub const TEE_ATTR_MLDSA_SEED: u32 = 0xC000_03D1;
    /// Signature parameter: the context string (at most 255 bytes).
    pub const TEE_ATTR_MLDSA_CONTEXT: u32 = 0xD000_04D1;
    /// Signature parameter: a = 1 for the deterministic variant (rnd = 0),
    /// a = 0 (the default) for hedged signing.
    pub const TEE_ATTR_MLDSA_DETERMINISTIC: u32 = 0xF000_05D1;
}

/// A failure of an operation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// TEE_ERROR_NOT_SUPPORTED.
    NotSupported,
    /// TEE_ERROR_SHORT_BUFFER: the output needs this many bytes; the
    /// operation is unchanged.
    ShortBuffer(usize),
    /// TEE_ERROR_BAD_PARAMETERS as a return code.
    Bad,
    /// TEE_ERROR_ITEM_NOT_FOUND.
    ItemNotFound,
    /// TEE_ERROR_MAC_INVALID.
    MacInvalid,
    /// TEE_ERROR_SIGNATURE_INVALID.
    SignatureInvalid,
    /// TEE_ERROR_CIPHERTEXT_INVALID.
    CiphertextInvalid,
    /// GP says the TA panics; the code is the panic code to use.
    Panic(u32),
}

impl Error {
    /// The GP return code (for `Panic`, the panic code).
    pub fn code(self) -> u32 {
        match self {
            Error::NotSupported => TEE_ERROR_NOT_SUPPORTED,
            Error::ShortBuffer(_) => TEE_ERROR_SHORT_BUFFER,
            Error::Bad => TEE_ERROR_BAD_PARAMETERS,
            Error::ItemNotFound => TEE_ERROR_ITEM_NOT_FOUND,
            Error::MacInvalid => TEE_ERROR_MAC_INVALID,
            Error::SignatureInvalid => TEE_ERROR_SIGNATURE_INVALID,
            Error::CiphertextInvalid => TEE_ERROR_CIPHERTEXT_INVALID,
            Error::Panic(c) => c,
        }
    }

    /// The error a GP function's return code `code` stands for (a short
    /// buffer with the size `needed`); a code of no other variant comes
    /// back as `Panic(code)`, whose [`Error::code`] is `code` again.
    pub fn from_code(code: u32, needed: usize) -> Error {
        match code {
            TEE_ERROR_NOT_SUPPORTED => Error::NotSupported,
            TEE_ERROR_SHORT_BUFFER => Error::ShortBuffer(needed),
            TEE_ERROR_BAD_PARAMETERS => Error::Bad,
            TEE_ERROR_ITEM_NOT_FOUND => Error::ItemNotFound,
            TEE_ERROR_MAC_INVALID => Error::MacInvalid,
            TEE_ERROR_SIGNATURE_INVALID => Error::SignatureInvalid,
            TEE_ERROR_CIPHERTEXT_INVALID => Error::CiphertextInvalid,
            c => Error::Panic(c),
        }
    }
}

/// TEE_OPERATION_STATE_* (GP 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum OpState {
    Initial = TEE_OPERATION_STATE_INITIAL,
    Active = TEE_OPERATION_STATE_ACTIVE,
    Extracting = TEE_OPERATION_STATE_EXTRACTING,
}

/// The fields of `TEE_OperationInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Info {
    pub algorithm: u32,
    pub operation_class: u32,
    pub mode: u32,
    pub digest_length: u32,
    pub max_key_size: u32,
    pub key_size: u32,
    pub required_key_usage: u32,
    pub handle_state: u32,
}

/// One `TEE_OperationInfoKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyInfo {
    pub key_size: u32,
    pub required_key_usage: u32,
}

/// The fields of `TEE_OperationInfoMultiple`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InfoMultiple {
    pub algorithm: u32,
    pub operation_class: u32,
    pub mode: u32,
    pub digest_length: u32,
    pub max_key_size: u32,
    pub handle_state: u32,
    pub operation_state: u32,
    /// `numberOfKeys` is its length.
    pub keys: Vec<KeyInfo>,
}

/// One attribute given to TEE_PopulateTransientObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attr {
    /// A buffer attribute (TEE_InitRefAttribute).
    Ref(u32, Vec<u8>),
    /// A value attribute (TEE_InitValueAttribute).
    Value(u32, u32, u32),
}

/// Serialize attributes for the store: per attribute its id, then a
/// value's two words or a buffer's length and bytes (little endian).
pub fn encode_attrs(attrs: &[Attr]) -> Vec<u8> {
    let mut b = Vec::new();
    for a in attrs {
        match a {
            Attr::Value(id, x, y) => {
                b.extend(id.to_le_bytes());
                b.extend(x.to_le_bytes());
                b.extend(y.to_le_bytes());
            }
            Attr::Ref(id, v) => {
                b.extend(id.to_le_bytes());
                b.extend((v.len() as u32).to_le_bytes());
                b.extend_from_slice(v);
            }
        }
    }
    b
}

/// The inverse of [`encode_attrs`] (None for malformed bytes).
pub fn decode_attrs(mut b: &[u8]) -> Option<Vec<Attr>> {
    let word = |b: &mut &[u8]| -> Option<u32> {
        let (w, rest) = b.split_first_chunk::<4>()?;
        *b = rest;
        Some(u32::from_le_bytes(*w))
    };
    let mut out = Vec::new();
    while !b.is_empty() {
        let id = word(&mut b)?;
        if id & 0x2000_0000 != 0 {
            out.push(Attr::Value(id, word(&mut b)?, word(&mut b)?));
        } else {
            let n = word(&mut b)? as usize;
            if b.len() < n {
                return None;
            }
            out.push(Attr::Ref(id, b[..n].to_vec()));
            b = &b[n..];
        }
    }
    Some(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip() {
        for e in [
            Error::NotSupported,
            Error::ShortBuffer(7),
            Error::Bad,
            Error::ItemNotFound,
            Error::MacInvalid,
            Error::SignatureInvalid,
            Error::CiphertextInvalid,
            Error::Panic(0xFFFF_000C),
        ] {
            assert_eq!(Error::from_code(e.code(), 7), e);
        }
    }
}
