//! `OPTEE_RPC_CMD_LOAD_TA`: a TA image from the TA folders.
//!
//! Value 0 carries the UUID as its 16 octets (the bytes of `a` then `b`
//! as they lie in memory); memref 1 is the buffer. As tee-supplicant
//! answers: without a buffer, the image's size and success (the size
//! query); with one too small, the size and `SHORT_BUFFER`; otherwise the
//! image copied in and its size. No image: `ITEM_NOT_FOUND`.
//!
//! Files are looked for as `<dir>/<uuid>.ta` in each folder in order, the
//! UUID in RFC 4122 form in lower case (`%08x-%04x-%04x-%04x-%012x`),
//! then, as tee-supplicant still does, in its old form without the
//! fourth dash. The folders are the administrator's; the UUID only picks
//! a name made of hex digits and dashes, so nothing the secure world
//! sends can name another file.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use oxtee_sys::tee::{Param, attr};

use crate::{Buf, CHUNK, Result, SharedMem, Supplicant, expect, res};

/// The UUID's octets as value 0 carries them.
pub(crate) fn uuid_octets(v: &Param) -> [u8; 16] {
    let mut o = [0u8; 16];
    o[..8].copy_from_slice(&v.a.to_ne_bytes());
    o[8..].copy_from_slice(&v.b.to_ne_bytes());
    o
}

/// The file names tee-supplicant tries for a UUID, in its order.
pub fn ta_file_names(o: &[u8; 16]) -> [String; 2] {
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let head = format!("{}-{}-{}", hex(&o[0..4]), hex(&o[4..6]), hex(&o[6..8]));
    [
        format!("{head}-{}-{}.ta", hex(&o[8..10]), hex(&o[10..16])),
        format!("{head}-{}.ta", hex(&o[8..16])),
    ]
}

/// The first regular file of the candidates, open, with its size.
fn find(dirs: &[PathBuf], names: &[String]) -> Option<(File, u64, PathBuf)> {
    for d in dirs {
        for n in names {
            let path = Path::new(d).join(n);
            let Ok(f) = File::open(&path) else { continue };
            match f.metadata() {
                Ok(m) if m.is_file() => return Some((f, m.len(), path)),
                _ => continue,
            }
        }
    }
    None
}

impl<S: SharedMem> Supplicant<S> {
    pub(crate) fn load_ta(&mut self, params: &mut [Param]) -> Result<()> {
        expect(
            params,
            &[
                &[attr::VALUE_INPUT, attr::VALUE_INOUT],
                &[attr::MEMREF_OUTPUT, attr::MEMREF_INOUT],
            ],
        )?;
        let buf = self.memref(&params[1])?;
        let names = ta_file_names(&uuid_octets(&params[0]));
        let (mut file, size, _) = find(&self.cfg.ta_dirs, &names).ok_or(res::ITEM_NOT_FOUND)?;
        params[1].b = size;
        let (id, off, len) = match buf {
            Buf::Absent => return Ok(()),
            Buf::Region { id, off, len } => (id, off, len),
        };
        let size = usize::try_from(size).map_err(|_| res::SHORT_BUFFER)?;
        if size > len {
            return Err(res::SHORT_BUFFER);
        }
        let mut chunk = vec![0u8; CHUNK.min(size)];
        let mut done = 0;
        while done < size {
            let want = (size - done).min(chunk.len());
            // The file was measured above; one that shrinks meanwhile is
            // an image not found, as tee-supplicant says of a short read.
            file.read_exact(&mut chunk[..want])
                .map_err(|_| res::ITEM_NOT_FOUND)?;
            self.write_shm(id, off, done, &chunk[..want])?;
            done += want;
        }
        Ok(())
    }
}
