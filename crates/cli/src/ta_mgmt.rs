//! `oxtee ta install / uninstall / list`: TAs installed into the running
//! secure world's trusted storage, through its TA management PTA
//! (OP-TEE's `PTA_SECSTOR_TA_MGMT_UUID`).

use oxtee_client::{Context, Login, Param, Session, Uuid};
use oxtee_daemon::pta::TaMgmtPta;
use std::path::Path;

fn session(socket: Option<&str>) -> Result<(Context, Session), String> {
    let ctx = Context::new(socket).map_err(|e| format!("cannot reach the secure world: {e}"))?;
    let (s, _) = ctx
        .open_session(Uuid(TaMgmtPta::UUID), Login::Public, &mut [])
        .map_err(|e| format!("cannot open the TA management PTA: {e}"))?;
    Ok((ctx, s))
}

fn why(code: u32) -> &'static str {
    match code {
        0xFFFF_000F => {
            "the image does not verify (signature, UUID, header), or a newer version was seen \
             (rollback protection)"
        }
        0xFFFF_0003 => "a newer version of this TA is installed",
        0xFFFF_0008 => "no such TA installed",
        0xFFFF_0001 => "only the core's user or root manages TAs",
        _ => "refused",
    }
}

pub fn install(file: &Path, socket: Option<&str>) -> Result<(), String> {
    let image = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (_ctx, s) = session(socket)?;
    let mut p = [Param::TempIn { buf: &image }];
    s.invoke(TaMgmtPta::BOOTSTRAP, &mut p)
        .map_err(|e| format!("{}: {} ({e})", file.display(), why(e.code)))?;
    let img = oxtee_core::image::parse(&image).map_err(|e| e.to_string())?;
    println!("installed {} version {}", img.uuid, img.ta_version);
    Ok(())
}

pub fn uninstall(uuid: &str, socket: Option<&str>) -> Result<(), String> {
    let u = Uuid::parse(uuid).ok_or_else(|| format!("not a UUID: {uuid}"))?;
    // The PTA takes a TEE_UUID as it lies in memory.
    let id = oxtee_core::pta::attestation::swap_uuid(u.0);
    let (_ctx, s) = session(socket)?;
    let mut p = [Param::TempIn { buf: &id }];
    s.invoke(TaMgmtPta::UNINSTALL, &mut p)
        .map_err(|e| format!("{uuid}: {} ({e})", why(e.code)))?;
    println!("uninstalled {u}");
    Ok(())
}

pub fn list(socket: Option<&str>) -> Result<(), String> {
    let (_ctx, s) = session(socket)?;
    let out =
        read_out(&s, TaMgmtPta::LIST).map_err(|e| format!("cannot list: {} ({e})", why(e.code)))?;
    for e in out.chunks_exact(20) {
        let u = Uuid(e[..16].try_into().expect("16 bytes"));
        let v = u32::from_le_bytes(e[16..].try_into().expect("4 bytes"));
        println!("{u} version {v}");
    }
    Ok(())
}

/// A PTA command whose one parameter is a memref out: its output, asked
/// again with the size the PTA says it needs (SHORT_BUFFER).
pub fn read_out(s: &Session, cmd: u32) -> Result<Vec<u8>, oxtee_client::Error> {
    let mut size = 4096;
    loop {
        let mut out = vec![0u8; size];
        let mut p = [Param::TempOut {
            buf: &mut out,
            size,
        }];
        let r = s.invoke(cmd, &mut p);
        let Param::TempOut { size: n, .. } = p[0] else {
            unreachable!("the parameter above")
        };
        match r {
            Ok(_) => {
                out.truncate(n.min(size));
                return Ok(out);
            }
            Err(e) if e.code == 0xFFFF_0010 && n > size => size = n,
            Err(e) => return Err(e),
        }
    }
}
