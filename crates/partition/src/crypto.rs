//! The crypto partition: the HUK and the long-term keys derived from it
//! (the TAs' unique and sealing keys of the system PTA, the attestation
//! keys), in a process of their own. The TA host asks it for a TA's key
//! (naming the TA it verified), for signed measurements and for PSA
//! tokens; the HUK and the attestation private keys never leave it.

use crate::link::{Link, LinkError};
use crate::wire::{CryptoAns, CryptoReq};
use oxtee_core::attestation::{PsaKey, RsaKey};
use oxtee_core::sealing::{self, Binding, TaIdentity};
use oxtee_gp::pta_system::{SEAL_SIGNER, SEAL_UNIQUE, SEAL_VERSION};
use std::path::Path;
use std::sync::OnceLock;
use zeroize::Zeroizing;

const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
const TEE_ERROR_BAD_STATE: u32 = 0xFFFF_0007;

/// Run the crypto partition on `link` until the TA host goes away.
pub fn run(mut link: Link, huk_file: &Path) -> Result<(), LinkError> {
    let mut huk: Option<Zeroizing<[u8; 32]>> = None;
    let rsa: OnceLock<RsaKey> = OnceLock::new();
    let psa: OnceLock<PsaKey> = OnceLock::new();
    loop {
        let (req, bulk) = match link.next_call::<CryptoReq>() {
            Ok(r) => r,
            Err(LinkError::Closed) => return Ok(()),
            Err(e) => return Err(e),
        };
        if let CryptoReq::Start { huk: inline } = req {
            if huk.is_some() {
                return Err(LinkError::Protocol("started twice".into()));
            }
            let r = match inline {
                Some(k) => Ok(Zeroizing::new(k)),
                None => crate::huk::load(huk_file),
            }
            .and_then(|k| {
                crate::sandbox().map_err(|e| format!("crypto partition sandbox: {e}"))?;
                Ok(k)
            });
            let answer = r.map(|k| huk = Some(k));
            link.answer(&CryptoAns::Started(answer), &[])?;
            continue;
        }
        let Some(key) = huk.as_deref() else {
            link.answer(&CryptoAns::Done(Err(TEE_ERROR_BAD_STATE)), &[])?;
            continue;
        };
        match req {
            CryptoReq::Start { .. } => unreachable!("handled above"),
            CryptoReq::Derive { ta, binding, len } => {
                let binding = match binding {
                    (SEAL_UNIQUE, 0) => Some(Binding::Unique),
                    (SEAL_VERSION, 0) => Some(Binding::Version),
                    (SEAL_SIGNER, floor) => Some(Binding::Signer(floor)),
                    _ => None,
                };
                let id = TaIdentity {
                    uuid: ta.uuid,
                    ta_version: ta.ta_version,
                    signer: ta.signer,
                };
                // (sealing::derive bounds the length; this only keeps
                // a huge one from being allocated first.)
                let mut out = Zeroizing::new(vec![0u8; (len as usize).min(1 << 16)]);
                let r = match binding {
                    Some(b) if len as usize == out.len() => {
                        sealing::derive(key, &id, b, &bulk, &mut out)
                    }
                    _ => Err(TEE_ERROR_BAD_PARAMETERS),
                };
                let bulk: &[u8] = if r.is_ok() { &out } else { &[] };
                link.answer(&CryptoAns::Done(r), bulk)?;
            }
            CryptoReq::RsaPublic => {
                let (e, n) = rsa.get_or_init(|| RsaKey::derive(key)).public_parts();
                link.answer(&CryptoAns::RsaPublic { e, n }, &[])?;
            }
            CryptoReq::RsaSign { measurement, seed } => {
                let k = rsa.get_or_init(|| RsaKey::derive(key));
                let out = k.sign_measurement_seeded(&bulk, &measurement, seed);
                link.answer(&CryptoAns::Done(Ok(())), &out)?;
            }
            CryptoReq::PsaPublic => {
                let k = psa.get_or_init(|| PsaKey::derive(key));
                link.answer(&CryptoAns::Done(Ok(())), &k.public())?;
            }
            CryptoReq::PsaSign => {
                let k = psa.get_or_init(|| PsaKey::derive(key));
                link.answer(&CryptoAns::Done(Ok(())), &k.sign_payload(&bulk))?;
            }
        }
    }
}
