//! The hardware-unique key: its file, read (or created on first start)
//! by whoever holds the key: the core in the SPD mode, the storage and
//! crypto partitions in partitioned mode (the TA host never reads it).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use zeroize::Zeroizing;

/// The key in `path`, created with 32 random bytes (mode 0600) if there
/// is none. A key readable by anyone but its owner, or not 32 bytes, is
/// refused.
pub fn load(path: &Path) -> Result<Zeroizing<[u8; 32]>, String> {
    for _ in 0..2 {
        match std::fs::read(path) {
            Ok(b) => {
                let b = Zeroizing::new(b);
                let mode = std::fs::metadata(path)
                    .map(|m| m.permissions().mode())
                    .unwrap_or(0);
                if mode & 0o077 != 0 {
                    return Err(format!(
                        "{}: the hardware-unique key must be readable by its owner only (mode {:o})",
                        path.display(),
                        mode & 0o777
                    ));
                }
                let mut k = Zeroizing::new([0u8; 32]);
                if b.len() != 32 {
                    return Err(format!("{}: not a 32-byte key", path.display()));
                }
                k.copy_from_slice(&b);
                return Ok(k);
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let mut k = Zeroizing::new([0u8; 32]);
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut k[..]);
                match create(path, &k[..]) {
                    Ok(()) => {
                        tracing::info!("created the hardware-unique key {}", path.display());
                        return Ok(k);
                    }
                    // Another holder created it first: read theirs.
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(format!("{}: {e}", path.display())),
                }
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!("{}: cannot be read", path.display()))
}

/// Create the key file atomically: written and flushed under a name of
/// its own, then linked into place (a holder starting at the same time
/// sees no file or the whole key, never a part of it).
fn create(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !dir.is_dir() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let mut nonce = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut nonce);
    let tmp = dir.join(format!(
        ".huk-{}-{:016x}",
        std::process::id(),
        u64::from_le_bytes(nonce)
    ));
    let r = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(key)?;
        f.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    r?;
    File::open(dir)?.sync_all()
}
