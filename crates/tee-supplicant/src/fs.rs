//! `OPTEE_RPC_CMD_FS`: OP-TEE's REE file system, under one folder.
//!
//! Value 0's `a` is the operation ([`crate::fsop`]); the layouts are
//! OP-TEE's (`optee_rpc_cmd.h`), checked exactly as tee-supplicant checks
//! them:
//!
//! | op | parameters |
//! |---|---|
//! | OPEN, CREATE | value in; memref in: name; value out: `a` the handle |
//! | CLOSE | value in (`b` handle) |
//! | READ | value in (`b` handle, `c` offset); memref out: the data, size answered |
//! | WRITE | value in (`b` handle, `c` offset); memref in: the data |
//! | TRUNCATE | value in (`b` handle, `c` length) |
//! | REMOVE | value in; memref in: name |
//! | RENAME | value in (`b` nonzero: replace an existing target); memref in: old name; memref in: new name |
//! | OPENDIR | value in; memref in: folder name; value out: `a` the handle |
//! | CLOSEDIR | value in (`b` handle) |
//! | READDIR | value in (`b` handle); memref out: the next name, NUL-terminated, size answered |
//!
//! Results are tee-supplicant's: OPEN of a missing file, REMOVE or
//! RENAME of a missing one, OPENDIR of a missing or empty folder and
//! READDIR past the end give `ITEM_NOT_FOUND`; RENAME onto an existing
//! name without leave `ACCESS_CONFLICT`; READDIR into a buffer too small
//! answers the size needed with `SHORT_BUFFER` (and, unlike
//! tee-supplicant, gives the same name again next time); other failures
//! of the file system are `GENERIC`, malformed requests and unknown
//! folder handles `BAD_PARAMETERS`, unknown file handles `GENERIC` (what
//! tee-supplicant's `EBADF` becomes), a full handle table `OUT_OF_MEMORY`
//! and a storage folder that cannot be made `STORAGE_NOT_AVAILABLE`.
//!
//! Confinement: a name ends at its first NUL (OP-TEE sends C strings in
//! larger buffers); it must be relative, at most [`MAX_NAME`] bytes and
//! [`MAX_DEPTH`] components, none empty, `.` or `..` (one trailing `/`
//! is allowed), and must not start with the emulated RPMB's image
//! (`rpmb.img`, `rpmb.img.tmp`). It is resolved one component at a time
//! from a descriptor of the root, each folder opened
//! `O_NOFOLLOW | O_DIRECTORY` and the file `O_NOFOLLOW`, so no symbolic
//! link (planted by anyone) leads out.
//! Handles are indexes into bounded tables ([`MAX_FILES`], [`MAX_DIRS`]),
//! never descriptors of this process. Files are opened `O_SYNC`, as
//! tee-supplicant does: OP-TEE never asks for a flush.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{DirBuilderExt, FileExt};
use std::path::PathBuf;

use nix::dir::{Dir, OwningIter};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, RenameFlags, openat, renameat, renameat2};
use nix::sys::stat::{Mode, fstatat, mkdirat};
use nix::unistd::{UnlinkatFlags, unlinkat};
use oxtee_sys::tee::{Param, attr};

use crate::{BAD, CHUNK, Result, SharedMem, Supplicant, expect, fsop, is_value, res};

/// Open files at once.
pub const MAX_FILES: usize = 64;
/// Open folders at once.
pub const MAX_DIRS: usize = 16;
/// The longest name, in bytes.
pub const MAX_NAME: usize = 1024;
/// The most components of a name.
pub const MAX_DEPTH: usize = 8;

struct DirHandle {
    iter: OwningIter,
    /// A name read but not yet delivered (first entry, or a short buffer).
    pending: Option<Vec<u8>>,
}

pub(crate) struct FsState {
    root_path: PathBuf,
    root: Option<File>,
    files: Vec<Option<File>>,
    dirs: Vec<Option<DirHandle>>,
}

/// Open `name` in the folder `dir`, never through a symbolic link.
#[allow(unsafe_code)]
fn open_at(dir: RawFd, name: &[u8], flags: OFlag, mode: Mode) -> nix::Result<OwnedFd> {
    let fd = openat(
        Some(dir),
        name,
        flags | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        mode,
    )?;
    // SAFETY: `openat` just returned this descriptor, so it is open and
    // nothing else in the process owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Open the folders `dirs` one inside the other under `root`, none
/// through a symbolic link; with `create`, make the missing ones (0700).
/// Returns a descriptor of each.
fn walk(root: RawFd, dirs: &[&[u8]], create: bool) -> nix::Result<Vec<OwnedFd>> {
    let mut fds: Vec<OwnedFd> = Vec::with_capacity(dirs.len());
    for comp in dirs {
        let parent = fds.last().map_or(root, |f| f.as_raw_fd());
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY;
        let fd = match open_at(parent, comp, flags, Mode::empty()) {
            Err(Errno::ENOENT) if create => {
                match mkdirat(Some(parent), *comp, Mode::S_IRWXU) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(e) => return Err(e),
                }
                open_at(parent, comp, flags, Mode::empty())?
            }
            r => r?,
        };
        fds.push(fd);
    }
    Ok(fds)
}

/// The components of a name (`allow_root`: the empty name, the root).
fn split(name: &[u8], allow_root: bool) -> Result<Vec<&[u8]>> {
    if name.first() == Some(&b'/') {
        return Err(BAD);
    }
    let name = name.strip_suffix(b"/").unwrap_or(name);
    if name.is_empty() {
        return if allow_root { Ok(Vec::new()) } else { Err(BAD) };
    }
    let comps: Vec<&[u8]> = name.split(|&c| c == b'/').collect();
    if comps.len() > MAX_DEPTH {
        return Err(BAD);
    }
    // The emulated RPMB's image is the supplicant's, not the secure
    // world's REE FS: out of reach, whatever it is named as.
    let first = comps.first().copied().unwrap_or_default();
    if first == crate::rpmb::IMAGE.as_bytes() || first == crate::rpmb::IMAGE_TMP.as_bytes() {
        return Err(BAD);
    }
    for c in &comps {
        if c.is_empty() || *c == b"." || *c == b".." || c.contains(&0) {
            return Err(BAD);
        }
    }
    Ok(comps)
}

fn free_slot<T>(table: &mut Vec<Option<T>>, max: usize) -> Option<usize> {
    if let Some(i) = table.iter().position(Option::is_none) {
        return Some(i);
    }
    if table.len() < max {
        table.push(None);
        return Some(table.len() - 1);
    }
    None
}

/// Handles are table index + 1, so a zeroed value names nothing.
fn slot_of(handle: u64) -> Option<usize> {
    usize::try_from(handle).ok()?.checked_sub(1)
}

fn handle_of(slot: usize) -> u64 {
    slot as u64 + 1
}

/// The next name of a folder that does not start with '.' (as
/// tee-supplicant skips them).
fn next_name(iter: &mut OwningIter) -> Result<Option<Vec<u8>>> {
    for e in iter.by_ref() {
        let e = e.map_err(|_| res::GENERIC)?;
        let n: &CStr = e.file_name();
        let n = n.to_bytes();
        if n.first() != Some(&b'.') {
            return Ok(Some(n.to_vec()));
        }
    }
    Ok(None)
}

fn not_found_or(e: Errno, other: u32) -> u32 {
    if e == Errno::ENOENT {
        res::ITEM_NOT_FOUND
    } else {
        other
    }
}

impl FsState {
    pub(crate) fn new(root_path: PathBuf) -> FsState {
        FsState {
            root_path,
            root: None,
            files: Vec::new(),
            dirs: Vec::new(),
        }
    }

    /// The root folder, made (0700) and opened on first use. The path is
    /// the administrator's, so it may go through symbolic links.
    fn root(&mut self) -> Result<RawFd> {
        if self.root.is_none() {
            let unavailable = |_| res::STORAGE_NOT_AVAILABLE;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.root_path)
                .map_err(unavailable)?;
            let f = File::open(&self.root_path).map_err(unavailable)?;
            if !f.metadata().map_err(unavailable)?.is_dir() {
                return Err(res::STORAGE_NOT_AVAILABLE);
            }
            self.root = Some(f);
        }
        self.root
            .as_ref()
            .map(|f| f.as_raw_fd())
            .ok_or(res::STORAGE_NOT_AVAILABLE)
    }

    fn file(&self, handle: u64) -> Result<&File> {
        slot_of(handle)
            .and_then(|i| self.files.get(i))
            .and_then(Option::as_ref)
            .ok_or(res::GENERIC)
    }

    /// How many files and folders are open.
    #[cfg(test)]
    pub(crate) fn open_counts(&self) -> (usize, usize) {
        (
            self.files.iter().flatten().count(),
            self.dirs.iter().flatten().count(),
        )
    }
}

const NAME_IN: &[u64] = &[attr::MEMREF_INPUT];
const VAL_IN: &[u64] = &[attr::VALUE_INPUT];
const VAL_OUT: &[u64] = &[attr::VALUE_OUTPUT];

impl<S: SharedMem> Supplicant<S> {
    pub(crate) fn fs(&mut self, params: &mut [Param]) -> Result<()> {
        match params.first() {
            Some(p) if is_value(p) => {}
            _ => return Err(BAD),
        }
        match params[0].a {
            fsop::OPEN => self.fs_open(params, false),
            fsop::CREATE => self.fs_open(params, true),
            fsop::CLOSE => {
                expect(params, &[VAL_IN])?;
                let slot = slot_of(params[0].b).ok_or(res::GENERIC)?;
                match self.fs.files.get_mut(slot).and_then(Option::take) {
                    Some(f) => {
                        drop(f);
                        Ok(())
                    }
                    None => Err(res::GENERIC),
                }
            }
            fsop::READ => self.fs_read(params),
            fsop::WRITE => self.fs_write(params),
            fsop::TRUNCATE => {
                expect(params, &[VAL_IN])?;
                let f = self.fs.file(params[0].b)?;
                f.set_len(params[0].c).map_err(|_| res::GENERIC)
            }
            fsop::REMOVE => self.fs_remove(params),
            fsop::RENAME => self.fs_rename(params),
            fsop::OPENDIR => self.fs_opendir(params),
            fsop::CLOSEDIR => {
                expect(params, &[VAL_IN])?;
                let slot = slot_of(params[0].b).ok_or(BAD)?;
                self.fs
                    .dirs
                    .get_mut(slot)
                    .and_then(Option::take)
                    .map(drop)
                    .ok_or(BAD)
            }
            fsop::READDIR => self.fs_readdir(params),
            _ => Err(BAD),
        }
    }

    /// The name in a memref: up to its first NUL, at most MAX_NAME bytes.
    fn fs_name(&self, p: &Param) -> Result<Vec<u8>> {
        let (id, off, len) = self.memref_present(p)?;
        let mut b = vec![0u8; len.min(MAX_NAME + 1)];
        self.read_shm(id, off, 0, &mut b)?;
        if let Some(end) = b.iter().position(|&c| c == 0) {
            b.truncate(end);
        }
        if b.len() > MAX_NAME {
            return Err(BAD);
        }
        Ok(b)
    }

    fn fs_open(&mut self, params: &mut [Param], create: bool) -> Result<()> {
        expect(params, &[VAL_IN, NAME_IN, VAL_OUT])?;
        let name = self.fs_name(&params[1])?;
        let comps = split(&name, false)?;
        let (leaf, dirs) = comps.split_last().ok_or(BAD)?;
        let root = self.fs.root()?;
        let slot = free_slot(&mut self.fs.files, MAX_FILES).ok_or(res::OUT_OF_MEMORY)?;
        let base = OFlag::O_SYNC | OFlag::O_NONBLOCK;
        let file = if create {
            let fds = walk(root, dirs, true).map_err(|_| res::GENERIC)?;
            let parent = fds.last().map_or(root, |f| f.as_raw_fd());
            let flags = base | OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_TRUNC;
            let fd = open_at(parent, leaf, flags, Mode::S_IRUSR | Mode::S_IWUSR)
                .map_err(|_| res::GENERIC)?;
            File::from(fd)
        } else {
            let fds = walk(root, dirs, false).map_err(|_| res::ITEM_NOT_FOUND)?;
            let parent = fds.last().map_or(root, |f| f.as_raw_fd());
            // Read-write, or read-only when that is all the folder allows.
            let fd = open_at(parent, leaf, base | OFlag::O_RDWR, Mode::empty())
                .or_else(|_| open_at(parent, leaf, base | OFlag::O_RDONLY, Mode::empty()))
                .map_err(|_| res::ITEM_NOT_FOUND)?;
            File::from(fd)
        };
        // Only regular files: no FIFOs, devices or folders.
        match file.metadata() {
            Ok(m) if m.is_file() => {}
            _ if create => return Err(res::GENERIC),
            _ => return Err(res::ITEM_NOT_FOUND),
        }
        self.fs.files[slot] = Some(file);
        params[2].a = handle_of(slot);
        Ok(())
    }

    fn fs_read(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, &[attr::MEMREF_OUTPUT]])?;
        let (id, off, len) = self.memref_present(&params[1])?;
        let file = self.fs.file(params[0].b)?;
        let start = params[0].c;
        let mut chunk = vec![0u8; CHUNK.min(len)];
        let mut done = 0usize;
        while done < len {
            let want = (len - done).min(chunk.len());
            let at = start.checked_add(done as u64).ok_or(res::GENERIC)?;
            let n = match file.read_at(&mut chunk[..want], at) {
                Ok(0) => break,
                Ok(n) => n.min(want),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(res::GENERIC),
            };
            self.write_shm(id, off, done, &chunk[..n])?;
            done += n;
        }
        params[1].b = done as u64;
        Ok(())
    }

    fn fs_write(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, NAME_IN])?;
        let (id, off, len) = self.memref_present(&params[1])?;
        let file = self.fs.file(params[0].b)?;
        let start = params[0].c;
        let mut chunk = vec![0u8; CHUNK.min(len)];
        let mut done = 0usize;
        while done < len {
            let want = (len - done).min(chunk.len());
            self.read_shm(id, off, done, &mut chunk[..want])?;
            let at = start.checked_add(done as u64).ok_or(res::GENERIC)?;
            file.write_all_at(&chunk[..want], at)
                .map_err(|_| res::GENERIC)?;
            done += want;
        }
        Ok(())
    }

    fn fs_remove(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, NAME_IN])?;
        let name = self.fs_name(&params[1])?;
        let comps = split(&name, false)?;
        let (leaf, dirs) = comps.split_last().ok_or(BAD)?;
        let root = self.fs.root()?;
        let fds = walk(root, dirs, false).map_err(|e| not_found_or(e, res::GENERIC))?;
        let parent = fds.last().map_or(root, |f| f.as_raw_fd());
        unlinkat(Some(parent), *leaf, UnlinkatFlags::NoRemoveDir)
            .map_err(|e| not_found_or(e, res::GENERIC))?;
        // The folders the file was in go too once empty (never the root).
        for i in (0..dirs.len()).rev() {
            let above = if i == 0 { root } else { fds[i - 1].as_raw_fd() };
            if unlinkat(Some(above), dirs[i], UnlinkatFlags::RemoveDir).is_err() {
                break;
            }
        }
        Ok(())
    }

    fn fs_rename(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, NAME_IN, NAME_IN])?;
        let replace = params[0].b != 0;
        let old = self.fs_name(&params[1])?;
        let new = self.fs_name(&params[2])?;
        let old = split(&old, false)?;
        let new = split(&new, false)?;
        let (old_leaf, old_dirs) = old.split_last().ok_or(BAD)?;
        let (new_leaf, new_dirs) = new.split_last().ok_or(BAD)?;
        let root = self.fs.root()?;
        let walked = |d: &[&[u8]]| walk(root, d, false).map_err(|e| not_found_or(e, res::GENERIC));
        let old_fds = walked(old_dirs)?;
        let new_fds = walked(new_dirs)?;
        let from = old_fds.last().map_or(root, |f| f.as_raw_fd());
        let to = new_fds.last().map_or(root, |f| f.as_raw_fd());
        let r = if replace {
            renameat(Some(from), *old_leaf, Some(to), *new_leaf)
        } else {
            match renameat2(
                Some(from),
                *old_leaf,
                Some(to),
                *new_leaf,
                RenameFlags::RENAME_NOREPLACE,
            ) {
                // A file system without RENAME_NOREPLACE: look, then rename.
                Err(Errno::EINVAL) => {
                    if fstatat(Some(to), *new_leaf, AtFlags::AT_SYMLINK_NOFOLLOW).is_ok() {
                        return Err(res::ACCESS_CONFLICT);
                    }
                    renameat(Some(from), *old_leaf, Some(to), *new_leaf)
                }
                r => r,
            }
        };
        r.map_err(|e| match e {
            Errno::EEXIST => res::ACCESS_CONFLICT,
            e => not_found_or(e, res::GENERIC),
        })
    }

    fn fs_opendir(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, NAME_IN, VAL_OUT])?;
        let name = self.fs_name(&params[1])?;
        let comps = split(&name, true)?;
        let root = self.fs.root()?;
        let slot = free_slot(&mut self.fs.dirs, MAX_DIRS).ok_or(res::OUT_OF_MEMORY)?;
        let (leaf, dirs): (&[u8], &[&[u8]]) = match comps.split_last() {
            Some((l, d)) => (l, d),
            None => (b".", &[]),
        };
        let fds = walk(root, dirs, false).map_err(|_| res::ITEM_NOT_FOUND)?;
        let parent = fds.last().map_or(root, |f| f.as_raw_fd());
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
        let dir = Dir::openat(Some(parent), leaf, flags, Mode::empty())
            .map_err(|_| res::ITEM_NOT_FOUND)?;
        let mut iter = dir.into_iter();
        // An empty folder is not found, as tee-supplicant answers.
        let first = next_name(&mut iter)?.ok_or(res::ITEM_NOT_FOUND)?;
        self.fs.dirs[slot] = Some(DirHandle {
            iter,
            pending: Some(first),
        });
        params[2].a = handle_of(slot);
        Ok(())
    }

    fn fs_readdir(&mut self, params: &mut [Param]) -> Result<()> {
        expect(params, &[VAL_IN, &[attr::MEMREF_OUTPUT]])?;
        let (id, off, len) = self.memref_present(&params[1])?;
        let d = slot_of(params[0].b)
            .and_then(|i| self.fs.dirs.get_mut(i))
            .and_then(Option::as_mut)
            .ok_or(BAD)?;
        let name = match d.pending.take() {
            Some(n) => n,
            None => next_name(&mut d.iter)?.ok_or(res::ITEM_NOT_FOUND)?,
        };
        let need = name.len() + 1;
        params[1].b = need as u64;
        if need > len {
            d.pending = Some(name);
            return Err(res::SHORT_BUFFER);
        }
        let mut out = name;
        out.push(0);
        self.write_shm(id, off, 0, &out)
    }
}
