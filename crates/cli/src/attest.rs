//! `oxtee attest`: fetch a PSA attestation token about a TA from the
//! secure world's attestation PTA, for a challenge, and verify it.

use oxtee_client::{Context, Login, Param, Uuid};
use oxtee_core::attestation::{Claims, verify_psa_token};
use oxtee_core::pta::attestation as att;
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};

/// What `oxtee attest` was asked.
pub struct Args<'a> {
    pub ta: &'a str,
    /// Hex; none: 32 random bytes.
    pub challenge: Option<&'a str>,
    /// A pinned public key (PEM) to verify with, instead of the one the
    /// secure world reports.
    pub key: Option<&'a std::path::Path>,
    pub token_out: Option<&'a std::path::Path>,
    pub key_out: Option<&'a std::path::Path>,
    pub socket: Option<&'a str>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let bad = || format!("not hexadecimal: {s}");
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad()))
        .collect()
}

pub fn run(a: &Args<'_>) -> Result<(), String> {
    let ta = Uuid::parse(a.ta).ok_or_else(|| format!("not a UUID: {}", a.ta))?;
    let challenge = match a.challenge {
        Some(h) => unhex(h)?,
        None => {
            let mut c = vec![0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut c);
            c
        }
    };
    if ![32, 48, 64].contains(&challenge.len()) {
        return Err("the challenge must be 32, 48 or 64 bytes".into());
    }
    let ctx = Context::new(a.socket).map_err(|e| format!("cannot reach the secure world: {e}"))?;
    let (s, _) = ctx
        .open_session(Uuid(att::UUID), Login::Public, &mut [])
        .map_err(|e| format!("cannot open the attestation PTA: {e}"))?;
    let mut reported = [0u8; 65];
    let mut p = [Param::TempOut {
        buf: &mut reported,
        size: 65,
    }];
    s.invoke(att::OXTEE_GET_PSA_PUBKEY, &mut p)
        .map_err(|e| format!("cannot get the attestation key: {e}"))?;
    let mut token = vec![0u8; 4096];
    // The PTA takes a TEE_UUID as it lies in memory.
    let id = att::swap_uuid(ta.0);
    let mut p = [
        Param::TempIn { buf: &challenge },
        Param::TempIn { buf: &id },
        Param::TempOut {
            buf: &mut token,
            size: 4096,
        },
    ];
    s.invoke(att::OXTEE_GET_PSA_TOKEN, &mut p)
        .map_err(|e| format!("cannot get a token: {e}"))?;
    let Param::TempOut { size, .. } = p[2] else {
        unreachable!("the parameter set above")
    };
    token.truncate(size);
    let reported_key = p256::PublicKey::from_sec1_bytes(&reported)
        .map_err(|_| "the secure world reported a malformed key".to_string())?;
    if let Some(path) = a.key_out {
        let pem = reported_key
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        std::fs::write(path, pem).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = a.token_out {
        std::fs::write(path, &token).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let (key, pinned) = match a.key {
        Some(path) => {
            let pem =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let k = p256::PublicKey::from_public_key_pem(&pem)
                .map_err(|e| format!("{}: not a P-256 public key ({e})", path.display()))?;
            (k, true)
        }
        None => (reported_key, false),
    };
    let sec1 = key.to_sec1_bytes();
    let claims =
        verify_psa_token(&sec1, &token).map_err(|e| format!("the token does not verify: {e:?}"))?;
    check(&claims, &challenge, &ta)?;
    print(&claims, pinned);
    Ok(())
}

/// The token is about `ta`, for `challenge`.
fn check(c: &Claims, challenge: &[u8], ta: &Uuid) -> Result<(), String> {
    if c.nonce != challenge {
        return Err("the token answers another challenge".into());
    }
    let want = format!("TA:{ta}");
    if !c.components.iter().any(|s| s.measurement_type == want) {
        return Err(format!("the token does not measure TA {ta}"));
    }
    Ok(())
}

fn print(c: &Claims, pinned: bool) {
    println!(
        "PSA attestation token: signature valid ({})",
        if pinned {
            "pinned key"
        } else {
            "the key the secure world reports: pin it with --key for a real check"
        }
    );
    println!("  challenge        {}", hex(&c.nonce));
    println!("  instance id      {}", hex(&c.instance_id));
    println!("  implementation   {}", hex(&c.implementation_id));
    println!("  lifecycle        {:#06x}", c.lifecycle);
    println!("  client id        {}", c.client_id);
    println!("  boot seed        {}", hex(&c.boot_seed));
    for s in &c.components {
        println!(
            "  component        {} version {}",
            s.measurement_type, s.version
        );
        println!("    measurement    {}", hex(&s.value));
        if let Some(id) = &s.signer_id {
            println!("    signer         {}", hex(id));
        }
    }
}
