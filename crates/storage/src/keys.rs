//! Key derivation from the hardware-unique key.

use aes_gcm::{Aes256Gcm, KeyInit};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Salt of the HKDF-Extract step over the HUK.
const SALT: &[u8] = b"oxtee-storage-v1";

pub(crate) struct Keys {
    prk: Zeroizing<[u8; 32]>,
    pub rpmb: Zeroizing<[u8; 32]>,
    /// Key of the engine's own MAC inside the RPMB block.
    pub frame: Zeroizing<[u8; 32]>,
    names: Zeroizing<[u8; 32]>,
}

fn expand(prk: &[u8; 32], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let hk = Hkdf::<Sha256>::from_prk(prk).expect("32-byte PRK");
    let mut out = Zeroizing::new([0u8; 32]);
    let info: Vec<u8> = info.concat();
    hk.expand(&info, &mut out[..])
        .expect("32 bytes is a valid length");
    out
}

impl Keys {
    pub fn new(huk: &[u8; 32]) -> Self {
        let (prk, _) = Hkdf::<Sha256>::extract(Some(SALT), huk);
        let mut p = Zeroizing::new([0u8; 32]);
        p.copy_from_slice(&prk);
        let rpmb = expand(&p, &[b"rpmb-key"]);
        let names = expand(&p, &[b"file-names"]);
        let frame = expand(&p, &[b"rpmb-frame-mac"]);
        Keys {
            prk: p,
            rpmb,
            frame,
            names,
        }
    }

    /// HMAC-SHA256 of `data` under the frame key.
    pub fn frame_mac(&self, data: &[u8]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.frame[..]).expect("any key");
        m.update(data);
        m.finalize().into_bytes().into()
    }

    /// The per-TA storage key: HKDF-Expand(PRK(HUK), "ta-storage" || uuid).
    pub fn ta_key(&self, ta: &[u8; 16]) -> Zeroizing<[u8; 32]> {
        expand(&self.prk, &[b"ta-storage", ta])
    }

    /// Key of one object file: HKDF-Expand(ta_key, "object" || sid || fid).
    pub fn object_cipher(&self, ta: &[u8; 16], sid: u32, fid: &[u8; 16]) -> Aes256Gcm {
        let tk = self.ta_key(ta);
        let k = expand(&tk, &[b"object", &sid.to_le_bytes(), fid]);
        Aes256Gcm::new_from_slice(&k[..]).expect("32-byte key")
    }

    /// Key of the directory file: HKDF-Expand(PRK(HUK), "directory").
    pub fn dir_cipher(&self) -> Aes256Gcm {
        let k = expand(&self.prk, &[b"directory"]);
        Aes256Gcm::new_from_slice(&k[..]).expect("32-byte key")
    }

    fn name(&self, parts: &[&[u8]]) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.names[..]).expect("any key");
        for p in parts {
            m.update(p);
        }
        let d = m.finalize().into_bytes();
        let mut s = String::with_capacity(32);
        for b in &d[..16] {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    /// Blob name of an object file: hex(HMAC(name_key, "obj" || fid)\[..16\]).
    pub fn object_name(&self, fid: &[u8; 16]) -> String {
        self.name(&[b"obj", fid])
    }

    /// Blob name of the directory: hex(HMAC(name_key, "dir")\[..16\]).
    pub fn dir_name(&self) -> String {
        self.name(&[b"dir"])
    }
}

/// Whether a blob name has the shape of the engine's names.
pub(crate) fn looks_like_ours(name: &str) -> bool {
    name.len() == 32
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}
