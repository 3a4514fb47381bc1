//! The HUK and the long-term keys derived from it (the TAs' unique and
//! sealing keys, the attestation keys), wherever they are: in the core
//! (the SPD mode), in the crypto partition (partitioned mode), or
//! nowhere (the HUK could not be loaded: what derives from it is
//! refused).

use crate::LockExt;
use crate::partitions::{CallError, Partition};
use oxtee_core::attestation::{PsaKey, RsaKey};
use oxtee_core::sealing::{Binding, TaIdentity};
use oxtee_gp::pta_system::{SEAL_SIGNER, SEAL_UNIQUE, SEAL_VERSION};
use oxtee_partition::wire::{CryptoAns, CryptoReq, Identity, RpcAns};
use std::sync::{Mutex, OnceLock};
use zeroize::Zeroizing;

const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;

/// Where the keys are.
#[allow(clippy::large_enum_variant)] // (one per core)
pub enum RootKeys {
    Absent,
    Local {
        huk: Zeroizing<[u8; 32]>,
        rsa: OnceLock<RsaKey>,
        psa: OnceLock<PsaKey>,
    },
    /// The crypto partition, and the HUK to hand it when the
    /// configuration holds one inline (else it reads its key file).
    Partition {
        link: Mutex<Partition>,
        inline: Option<Zeroizing<[u8; 32]>>,
    },
}

impl RootKeys {
    /// Keys held by the core.
    pub fn local(huk: [u8; 32]) -> RootKeys {
        RootKeys::Local {
            huk: Zeroizing::new(huk),
            rsa: OnceLock::new(),
            psa: OnceLock::new(),
        }
    }

    /// Whether keys can be had at all.
    pub fn present(&self) -> bool {
        !matches!(self, RootKeys::Absent)
    }

    /// Ask the crypto partition.
    fn ask(&self, req: CryptoReq, bulk: &[u8]) -> Result<(CryptoAns, Vec<u8>), u32> {
        let RootKeys::Partition { link, inline } = self else {
            return Err(TEE_ERROR_GENERIC);
        };
        let start = |_| CryptoReq::Start {
            huk: inline.as_deref().copied(),
        };
        let started = |a: CryptoAns| match a {
            CryptoAns::Started(Ok(())) => Ok(()),
            CryptoAns::Started(Err(why)) => Err((TEE_ERROR_GENERIC, why)),
            other => Err((TEE_ERROR_GENERIC, format!("answered {other:?}"))),
        };
        // The crypto partition has no normal-world I/O.
        let mut no_rpc = |_, _| {
            (
                RpcAns::Failed(oxtee_partition::wire::BlobError::Io),
                Vec::new(),
            )
        };
        let r = link
            .locked()
            .call(&start, &started, &req, bulk, &mut no_rpc);
        r.map_err(|e| {
            match &e {
                CallError::Refused(_, why) => tracing::error!("crypto partition: {why}"),
                e => tracing::error!("crypto partition: {e:?}"),
            }
            TEE_ERROR_GENERIC
        })
    }

    fn bytes(&self, req: CryptoReq, bulk: &[u8]) -> Result<Vec<u8>, u32> {
        match self.ask(req, bulk)? {
            (CryptoAns::Done(Ok(())), out) => Ok(out),
            (CryptoAns::Done(Err(e)), _) => Err(e),
            _ => Err(TEE_ERROR_GENERIC),
        }
    }

    /// [`oxtee_core::sealing::derive`] for `ta` into `out`.
    pub fn derive(
        &self,
        ta: &TaIdentity,
        binding: Binding,
        extra: &[u8],
        out: &mut [u8],
    ) -> Result<(), u32> {
        match self {
            RootKeys::Absent => Err(TEE_ERROR_GENERIC),
            RootKeys::Local { huk, .. } => {
                oxtee_core::sealing::derive(huk, ta, binding, extra, out)
            }
            RootKeys::Partition { .. } => {
                let binding = match binding {
                    Binding::Unique => (SEAL_UNIQUE, 0),
                    Binding::Version => (SEAL_VERSION, 0),
                    Binding::Signer(floor) => (SEAL_SIGNER, floor),
                };
                let req = CryptoReq::Derive {
                    ta: Identity {
                        uuid: ta.uuid,
                        ta_version: ta.ta_version,
                        signer: ta.signer,
                    },
                    binding,
                    len: u32::try_from(out.len()).map_err(|_| 0xFFFF_0006u32)?,
                };
                let key = Zeroizing::new(self.bytes(req, extra)?);
                if key.len() != out.len() {
                    return Err(TEE_ERROR_GENERIC);
                }
                out.copy_from_slice(&key);
                Ok(())
            }
        }
    }

    /// The RSA attestation key's exponent and modulus.
    pub fn rsa_public(&self) -> Result<(Vec<u8>, Vec<u8>), u32> {
        match self {
            RootKeys::Absent => Err(TEE_ERROR_GENERIC),
            RootKeys::Local { huk, rsa, .. } => {
                Ok(rsa.get_or_init(|| RsaKey::derive(huk)).public_parts())
            }
            RootKeys::Partition { .. } => match self.ask(CryptoReq::RsaPublic, &[])? {
                (CryptoAns::RsaPublic { e, n }, _) => Ok((e, n)),
                _ => Err(TEE_ERROR_GENERIC),
            },
        }
    }

    /// A signed measurement.
    pub fn rsa_sign(&self, nonce: &[u8], m: &[u8; 32], seed: [u8; 32]) -> Result<Vec<u8>, u32> {
        match self {
            RootKeys::Absent => Err(TEE_ERROR_GENERIC),
            RootKeys::Local { huk, rsa, .. } => Ok(rsa
                .get_or_init(|| RsaKey::derive(huk))
                .sign_measurement_seeded(nonce, m, seed)),
            RootKeys::Partition { .. } => self.bytes(
                CryptoReq::RsaSign {
                    measurement: *m,
                    seed,
                },
                nonce,
            ),
        }
    }

    /// The PSA key's public key.
    pub fn psa_public(&self) -> Result<[u8; 65], u32> {
        match self {
            RootKeys::Absent => Err(TEE_ERROR_GENERIC),
            RootKeys::Local { huk, psa, .. } => {
                Ok(psa.get_or_init(|| PsaKey::derive(huk)).public())
            }
            RootKeys::Partition { .. } => self
                .bytes(CryptoReq::PsaPublic, &[])?
                .try_into()
                .map_err(|_| TEE_ERROR_GENERIC),
        }
    }

    /// A PSA token of encoded claims.
    pub fn psa_sign(&self, payload: &[u8]) -> Result<Vec<u8>, u32> {
        match self {
            RootKeys::Absent => Err(TEE_ERROR_GENERIC),
            RootKeys::Local { huk, psa, .. } => Ok(psa
                .get_or_init(|| PsaKey::derive(huk))
                .sign_payload(payload)),
            RootKeys::Partition { .. } => self.bytes(CryptoReq::PsaSign, payload),
        }
    }
}
