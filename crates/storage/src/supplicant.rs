//! The normal-world side of the store: opaque-named blobs.

use alloc::borrow::ToOwned;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// Errors a [`Supplicant`] reports. Everything else it returns is
/// untrusted data; errors only steer the GP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupplicantError {
    /// The named blob does not exist.
    NotFound,
    /// Out of space (maps to `TEE_ERROR_STORAGE_NO_SPACE`).
    NoSpace,
    /// Any other failure (maps to `TEE_ERROR_GENERIC`).
    Io,
}

/// File-like access to the normal world's blob store (one directory of
/// files in the daemon). Names are 32 lowercase hex characters chosen by
/// the engine (plus nothing else: the engine removes unknown names that
/// look like its own at open). Nothing returned is trusted.
pub trait Supplicant {
    /// Reads up to `buf.len()` bytes at `offset`; returns the number read
    /// (short only at the end of the blob).
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError>;
    /// Writes `data` at `offset`, creating the blob if needed and
    /// zero-filling any gap. Need not be durable before [`Supplicant::sync`].
    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError>;
    /// Truncates or zero-extends the blob.
    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError>;
    /// The blob's length, `None` if it does not exist.
    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError>;
    /// Whether the blob exists (by default from [`Supplicant::size`]; a
    /// store that cannot tell sizes cheaply answers this directly).
    fn exists(&mut self, name: &str) -> Result<bool, SupplicantError> {
        Ok(self.size(name)?.is_some())
    }
    /// Removes the blob (absent is not an error). Need not be durable.
    fn remove(&mut self, name: &str) -> Result<(), SupplicantError>;
    /// Makes every earlier write/set_len of the named blobs, and their
    /// existence, durable (fsync of the files and of their directory).
    fn sync(&mut self, names: &[&str]) -> Result<(), SupplicantError>;
    /// Names of all blobs.
    fn list(&mut self) -> Result<Vec<String>, SupplicantError>;
}

/// An in-memory supplicant (tests, and a model for the file one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemSupplicant {
    /// The blobs by name.
    pub files: BTreeMap<String, Vec<u8>>,
}

impl MemSupplicant {
    /// An empty blob store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Supplicant for MemSupplicant {
    fn read_at(
        &mut self,
        name: &str,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, SupplicantError> {
        let f = self.files.get(name).ok_or(SupplicantError::NotFound)?;
        let Ok(off) = usize::try_from(offset) else {
            return Ok(0);
        };
        if off >= f.len() {
            return Ok(0);
        }
        let n = buf.len().min(f.len() - off);
        buf[..n].copy_from_slice(&f[off..off + n]);
        Ok(n)
    }

    fn write_at(&mut self, name: &str, offset: u64, data: &[u8]) -> Result<(), SupplicantError> {
        let off = usize::try_from(offset).map_err(|_| SupplicantError::NoSpace)?;
        let f = self.files.entry(name.to_owned()).or_default();
        let end = off
            .checked_add(data.len())
            .ok_or(SupplicantError::NoSpace)?;
        if f.len() < end {
            f.resize(end, 0);
        }
        f[off..end].copy_from_slice(data);
        Ok(())
    }

    fn set_len(&mut self, name: &str, len: u64) -> Result<(), SupplicantError> {
        let len = usize::try_from(len).map_err(|_| SupplicantError::NoSpace)?;
        self.files
            .entry(name.to_owned())
            .or_default()
            .resize(len, 0);
        Ok(())
    }

    fn size(&mut self, name: &str) -> Result<Option<u64>, SupplicantError> {
        Ok(self.files.get(name).map(|f| f.len() as u64))
    }

    fn remove(&mut self, name: &str) -> Result<(), SupplicantError> {
        self.files.remove(name);
        Ok(())
    }

    fn sync(&mut self, _names: &[&str]) -> Result<(), SupplicantError> {
        Ok(())
    }

    fn list(&mut self) -> Result<Vec<String>, SupplicantError> {
        Ok(self.files.keys().cloned().collect())
    }
}
