//! Pseudo-TAs (OP-TEE's PTAs): services of the core that clients and TAs
//! open by UUID like a TA. This module holds what both platforms share:
//! the parameters as a PTA sees them (copies in the core's memory: a PTA
//! never touches a caller's memory and never reads a byte twice) and the
//! commands whose logic does not depend on the platform. Each platform
//! keeps its registry, sessions and login rules (the daemon's
//! `pta` module, the secure kernel's `oxtee_tz_abi::pta`).

use alloc::vec::Vec;

/// The direction of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    In,
    Out,
    InOut,
}

impl Dir {
    pub fn input(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }
    pub fn output(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

impl From<oxtee_proto::Dir> for Dir {
    fn from(d: oxtee_proto::Dir) -> Dir {
        match d {
            oxtee_proto::Dir::In => Dir::In,
            oxtee_proto::Dir::Out => Dir::Out,
            oxtee_proto::Dir::InOut => Dir::InOut,
        }
    }
}

/// One GP parameter as a PTA sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    None,
    /// `TEE_PARAM_TYPE_VALUE_*`.
    Value {
        a: u32,
        b: u32,
        dir: Dir,
    },
    /// `TEE_PARAM_TYPE_MEMREF_*`: `data` holds the buffer (its input for
    /// In/InOut, zeros for Out); `size` is what the PTA reports back: at
    /// most `data.len()` on success, or the size it needs with
    /// TEE_ERROR_SHORT_BUFFER.
    Memref {
        data: Vec<u8>,
        size: usize,
        dir: Dir,
    },
}

impl Param {
    /// GP's `TEE_PARAM_TYPE_*` number of this parameter.
    pub fn gp_type(&self) -> u32 {
        let d = |dir: Dir| match dir {
            Dir::In => 0,
            Dir::Out => 1,
            Dir::InOut => 2,
        };
        match self {
            Param::None => 0,
            Param::Value { dir, .. } => 1 + d(*dir),
            Param::Memref { dir, .. } => 5 + d(*dir),
        }
    }
}

/// GP's `TEE_PARAM_TYPES(t0, t1, t2, t3)` of a parameter set.
pub fn param_types(p: &[Param; 4]) -> u32 {
    p.iter()
        .enumerate()
        .fold(0, |acc, (i, p)| acc | (p.gp_type() << (4 * i)))
}

/// `TEE_PARAM_TYPES(a, b, c, d)`.
pub const fn types(a: u32, b: u32, c: u32, d: u32) -> u32 {
    a | (b << 4) | (c << 8) | (d << 12)
}

/// The system PTA (OP-TEE's `pta_system.h`): open to TAs only.
pub mod system {
    use super::{Param, param_types, types};
    use crate::sealing::{self, Binding, TaIdentity};
    use oxtee_gp::{TEE_ERROR_BAD_PARAMETERS, TEE_SUCCESS};

    pub use oxtee_gp::pta_system::{
        ADD_RNG_ENTROPY, DERIVE_TA_UNIQUE_KEY, OXTEE_DERIVE_SEALING_KEY, SEAL_SIGNER, SEAL_UNIQUE,
        SEAL_VERSION, UUID,
    };

    /// The key-derivation commands for the calling TA `ta` under `huk`:
    /// `None` when `cmd` is not one of them, else its result (the key in
    /// the output memref, its size set).
    pub fn derive_command(
        huk: &[u8; 32],
        ta: &TaIdentity,
        cmd: u32,
        p: &mut [Param; 4],
    ) -> Option<u32> {
        derive_command_with(cmd, p, |binding, extra, out| {
            sealing::derive(huk, ta, binding, extra, out)
        })
    }

    /// [`derive_command`] with the derivation itself done by `derive`
    /// (`binding`, extra data, the key's buffer: as [`sealing::derive`]
    /// for the calling TA), wherever the HUK is.
    pub fn derive_command_with(
        cmd: u32,
        p: &mut [Param; 4],
        derive: impl FnOnce(Binding, &[u8], &mut [u8]) -> Result<(), u32>,
    ) -> Option<u32> {
        let (binding, first) = match cmd {
            DERIVE_TA_UNIQUE_KEY => {
                if param_types(p) != types(5, 6, 0, 0) {
                    return Some(TEE_ERROR_BAD_PARAMETERS);
                }
                (Binding::Unique, 0)
            }
            OXTEE_DERIVE_SEALING_KEY => {
                if param_types(p) != types(1, 5, 6, 0) {
                    return Some(TEE_ERROR_BAD_PARAMETERS);
                }
                let Param::Value { a, b, .. } = p[0] else {
                    return Some(TEE_ERROR_BAD_PARAMETERS);
                };
                let binding = match (a, b) {
                    (SEAL_UNIQUE, 0) => Binding::Unique,
                    (SEAL_VERSION, 0) => Binding::Version,
                    (SEAL_SIGNER, floor) => Binding::Signer(floor),
                    _ => return Some(TEE_ERROR_BAD_PARAMETERS),
                };
                (binding, 1)
            }
            _ => return None,
        };
        let (extra, out) = p[first..].split_at_mut(1);
        let (Param::Memref { data: extra, .. }, Param::Memref { data, size, .. }) =
            (&extra[0], &mut out[0])
        else {
            return Some(TEE_ERROR_BAD_PARAMETERS);
        };
        Some(match derive(binding, extra, data) {
            Ok(()) => {
                *size = data.len();
                TEE_SUCCESS
            }
            Err(e) => e,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::super::Dir;
        use super::*;
        use alloc::vec;

        const TA: TaIdentity = TaIdentity {
            uuid: [3; 16],
            ta_version: 2,
            signer: [4; 32],
        };

        fn mem(data: &[u8], dir: Dir) -> Param {
            Param::Memref {
                data: data.to_vec(),
                size: data.len(),
                dir,
            }
        }

        fn key_of(p: &[Param; 4], at: usize) -> &[u8] {
            match &p[at] {
                Param::Memref { data, size, .. } => &data[..*size],
                _ => panic!("not a memref"),
            }
        }

        #[test]
        fn derive_commands_check_their_parameters_and_fill_the_key() {
            let huk = [1; 32];
            let mut p = [
                mem(b"extra", Dir::In),
                mem(&[0; 24], Dir::Out),
                Param::None,
                Param::None,
            ];
            assert_eq!(
                derive_command(&huk, &TA, DERIVE_TA_UNIQUE_KEY, &mut p),
                Some(0)
            );
            let mut want = vec![0; 24];
            sealing::derive(&huk, &TA, Binding::Unique, b"extra", &mut want).unwrap();
            assert_eq!(key_of(&p, 1), &want[..]);
            // Not a derive command.
            assert_eq!(derive_command(&huk, &TA, ADD_RNG_ENTROPY, &mut p), None);
            // Wrong types: an inout key.
            p[1] = mem(&[0; 24], Dir::InOut);
            let bad = Some(TEE_ERROR_BAD_PARAMETERS);
            assert_eq!(derive_command(&huk, &TA, DERIVE_TA_UNIQUE_KEY, &mut p), bad);
            // The sealing command, each policy.
            let val = |a, b| Param::Value { a, b, dir: Dir::In };
            for (a, b, binding) in [
                (SEAL_UNIQUE, 0, Binding::Unique),
                (SEAL_VERSION, 0, Binding::Version),
                (SEAL_SIGNER, 1, Binding::Signer(1)),
            ] {
                let mut p = [
                    val(a, b),
                    mem(b"e", Dir::In),
                    mem(&[0; 16], Dir::Out),
                    Param::None,
                ];
                let r = derive_command(&huk, &TA, OXTEE_DERIVE_SEALING_KEY, &mut p);
                assert_eq!(r, Some(TEE_SUCCESS));
                let mut want = [0; 16];
                sealing::derive(&huk, &TA, binding, b"e", &mut want).unwrap();
                assert_eq!(key_of(&p, 2), &want[..]);
            }
            for (a, b, r) in [
                (SEAL_VERSION, 1, TEE_ERROR_BAD_PARAMETERS),
                (7, 0, TEE_ERROR_BAD_PARAMETERS),
                (SEAL_SIGNER, 3, oxtee_gp::TEE_ERROR_ACCESS_DENIED),
            ] {
                let mut p = [
                    val(a, b),
                    mem(b"", Dir::In),
                    mem(&[0; 16], Dir::Out),
                    Param::None,
                ];
                let got = derive_command(&huk, &TA, OXTEE_DERIVE_SEALING_KEY, &mut p);
                assert_eq!(got, Some(r));
                assert_eq!(key_of(&p, 2), &[0; 16]);
            }
        }
    }
}

/// The attestation PTA (OP-TEE's `pta_attestation.h`, and oxtee's PSA
/// token): open to clients and TAs; its commands over what the platform
/// knows ([`attestation::Platform`]).
pub mod attestation {
    use super::{Param, param_types, types};
    use crate::attestation::{Claims, Component};
    use crate::sealing::TaIdentity;
    use alloc::format;
    use alloc::vec::Vec;
    use oxtee_gp::{
        TEE_ERROR_ACCESS_DENIED, TEE_ERROR_BAD_PARAMETERS, TEE_ERROR_NOT_SUPPORTED,
        TEE_ERROR_SHORT_BUFFER, TEE_SUCCESS,
    };

    pub use oxtee_gp::pta_system::attestation::*;

    /// What a TA image is, as the platform verified it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct TaImage {
        pub identity: TaIdentity,
        /// The digest of its signed header (`shdr.hash`).
        pub digest: [u8; 32],
    }

    /// What the platform knows.
    pub trait Platform {
        /// The public half of the RSA key of OP-TEE's signed
        /// measurements, as its exponent and modulus (big-endian). The key
        /// is slow to make: asked for only by those commands. Errors: a GP
        /// code (the keys are not available).
        fn rsa_public(&self) -> Result<(Vec<u8>, Vec<u8>), u32>;
        /// [`crate::attestation::RsaKey::sign_measurement`] with a generator seeded by `seed`.
        fn rsa_sign(
            &self,
            nonce: &[u8],
            measurement: &[u8; 32],
            seed: [u8; 32],
        ) -> Result<Vec<u8>, u32>;
        /// The PSA token key's public key (SEC1, uncompressed).
        fn psa_public(&self) -> Result<[u8; 65], u32>;
        /// [`crate::attestation::PsaKey::sign_payload`]: a token of the encoded claims.
        fn psa_sign(&self, payload: &[u8]) -> Result<Vec<u8>, u32>;
        /// The verified image of TA `uuid` (RFC 4122 bytes), or a GP error
        /// (ITEM_NOT_FOUND, SECURITY).
        fn ta_image(&self, uuid: [u8; 16]) -> Result<TaImage, u32>;
        /// The measurement of the secure world's own code.
        fn core_measurement(&self) -> [u8; 32];
        fn core_version(&self) -> &str;
        fn implementation_id(&self) -> [u8; 32];
        fn lifecycle(&self) -> u32;
        fn boot_seed(&self) -> [u8; 32];
        /// Fill `buf` with random bytes (the signatures' salts).
        fn random(&self, buf: &mut [u8]);
    }

    /// Who calls: a TA (its image and the measurement of its code in
    /// memory) or the normal world (`None`).
    #[derive(Clone, Copy, Debug)]
    pub struct Caller {
        pub ta: Option<(TaImage, [u8; 32])>,
    }

    /// A `TEE_UUID` as it lies in memory (fields in the CPU's order:
    /// little-endian on both tiers) to RFC 4122 bytes.
    pub fn uuid_from_tee(b: &[u8]) -> Option<[u8; 16]> {
        Some(swap_uuid(*<&[u8; 16]>::try_from(b).ok()?))
    }

    /// RFC 4122 bytes to a `TEE_UUID` as it lies in memory, or back: the
    /// same swap of the first three fields' byte order either way.
    pub fn swap_uuid(mut u: [u8; 16]) -> [u8; 16] {
        u[..4].reverse();
        u[4..6].reverse();
        u[6..8].reverse();
        u
    }

    fn mem(p: &[Param; 4], i: usize) -> &[u8] {
        match &p[i] {
            Param::Memref { data, .. } => data,
            _ => &[],
        }
    }

    /// Put `out` into memref `i`, or its size with SHORT_BUFFER.
    fn put(p: &mut [Param; 4], i: usize, out: &[u8]) -> u32 {
        let Param::Memref { data, size, .. } = &mut p[i] else {
            return TEE_ERROR_BAD_PARAMETERS;
        };
        *size = out.len();
        if out.len() > data.len() {
            return TEE_ERROR_SHORT_BUFFER;
        }
        data[..out.len()].copy_from_slice(out);
        TEE_SUCCESS
    }

    /// The size OP-TEE's signed measurements take.
    const SIGNED_LEN: usize = 32 + crate::attestation::RSA_BITS / 8;

    /// A command of the attestation PTA.
    pub fn invoke(pf: &dyn Platform, caller: &Caller, cmd: u32, p: &mut [Param; 4]) -> u32 {
        let t = param_types(p);
        // Signed measurements: refuse a short buffer before signing.
        let signed = |p: &mut [Param; 4], nonce_at: usize, m: &[u8; 32]| {
            let out_at = nonce_at + 1;
            if mem(p, nonce_at).is_empty() {
                return TEE_ERROR_BAD_PARAMETERS;
            }
            if mem(p, out_at).len() < SIGNED_LEN {
                return put(p, out_at, &[0; SIGNED_LEN]);
            }
            let mut seed = [0u8; 32];
            pf.random(&mut seed);
            match pf.rsa_sign(mem(p, nonce_at), m, seed) {
                Ok(out) => put(p, out_at, &out),
                Err(e) => e,
            }
        };
        match cmd {
            GET_PUBKEY => {
                if t != types(6, 6, 2, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let (e, n) = match pf.rsa_public() {
                    Ok(k) => k,
                    Err(e) => return e,
                };
                let r0 = put(p, 0, &e);
                let r1 = put(p, 1, &n);
                p[2] = Param::Value {
                    a: crate::image::ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
                    b: 0,
                    dir: super::Dir::Out,
                };
                if r0 != TEE_SUCCESS { r0 } else { r1 }
            }
            GET_TA_SHDR_DIGEST => {
                if t != types(5, 5, 6, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let Some(uuid) = uuid_from_tee(mem(p, 0)) else {
                    return TEE_ERROR_BAD_PARAMETERS;
                };
                match pf.ta_image(uuid) {
                    Ok(img) => signed(p, 1, &img.digest),
                    Err(e) => e,
                }
            }
            HASH_TA_MEMORY => {
                if t != types(5, 6, 0, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                match caller.ta {
                    Some((_, memory)) => signed(p, 0, &memory),
                    None => TEE_ERROR_ACCESS_DENIED,
                }
            }
            HASH_TEE_MEMORY => {
                if t != types(5, 6, 0, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                signed(p, 0, &pf.core_measurement())
            }
            OXTEE_GET_PSA_PUBKEY => {
                if t != types(6, 0, 0, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                match pf.psa_public() {
                    Ok(k) => put(p, 0, &k),
                    Err(e) => e,
                }
            }
            OXTEE_GET_PSA_TOKEN => {
                if t != types(5, 5, 6, 0) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let nonce = mem(p, 0).to_vec();
                if ![32, 48, 64].contains(&nonce.len()) {
                    return TEE_ERROR_BAD_PARAMETERS;
                }
                let img = match (mem(p, 1), caller.ta) {
                    ([], Some((me, _))) => me,
                    (b, _) => match uuid_from_tee(b) {
                        Some(u) => match pf.ta_image(u) {
                            Ok(i) => i,
                            Err(e) => return e,
                        },
                        None => return TEE_ERROR_BAD_PARAMETERS,
                    },
                };
                let token = psa_claims(pf, caller, nonce, &img)
                    .and_then(|c| pf.psa_sign(&crate::attestation::encode_claims(&c)));
                match token {
                    Ok(t) => put(p, 2, &t),
                    Err(e) => e,
                }
            }
            _ => TEE_ERROR_NOT_SUPPORTED,
        }
    }

    /// The claims of a token about `img` for `caller`.
    pub fn psa_claims(
        pf: &dyn Platform,
        caller: &Caller,
        nonce: Vec<u8>,
        img: &TaImage,
    ) -> Result<Claims, u32> {
        let u = oxtee_proto::Uuid(img.identity.uuid);
        Ok(Claims {
            nonce,
            instance_id: crate::attestation::instance_id(&pf.psa_public()?),
            implementation_id: pf.implementation_id(),
            lifecycle: pf.lifecycle(),
            client_id: if caller.ta.is_some() { 1 } else { -1 },
            boot_seed: pf.boot_seed(),
            components: alloc::vec![
                Component {
                    measurement_type: "oxtee-core".into(),
                    value: pf.core_measurement(),
                    version: pf.core_version().into(),
                    signer_id: None,
                },
                Component {
                    measurement_type: format!("TA:{u}"),
                    value: img.digest,
                    version: format!("{}", img.identity.ta_version),
                    signer_id: Some(img.identity.signer),
                },
            ],
        })
    }
}
