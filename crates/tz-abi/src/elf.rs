//! How the secure kernel lays out a user TA (issue 13): the ELF of a
//! verified TA image, an AArch64 position-independent executable linked
//! without a dynamic loader (`-static-pie`), turned into a load plan --
//! which pages, with which permissions, hold which bytes of the file, and
//! which words to relocate -- before a single page is mapped.
//!
//! The image was verified (its signature, in secure memory) before it
//! gets here; it is still parsed as hostile input (a signer's mistake, a
//! toolchain's surprise): every offset and size is bounded by the file and
//! by [`MAX_SPAN`], segments may not overlap, no page is both writable and
//! executable (W^X), the entry point is in executable code, and the only
//! relocations are `R_AARCH64_RELATIVE` ones into writable memory (or the
//! read-only-after-relocation range, `PT_GNU_RELRO`). A malformed image is
//! an error, never a panic.

use alloc::vec::Vec;
use core::ops::Range;

use object::LittleEndian as LE;
use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, Rela};

/// The page size of the TA's address space.
pub const PAGE: u64 = 4096;
/// The most address space one TA image may span.
pub const MAX_SPAN: u64 = 16 << 20;
/// The most relocations one image may carry.
pub const MAX_RELOCS: usize = 1 << 16;

/// A page's permissions for the TA (the kernel never executes TA pages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Read-only data.
    R,
    /// Data.
    Rw,
    /// Code.
    Rx,
}

/// One loadable segment, page-aligned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Its pages, as offsets from the load base.
    pub pages: Range<u64>,
    pub perm: Perm,
    /// The file's bytes it holds...
    pub file: Range<usize>,
    /// ...placed at this offset from the load base (the rest is zero).
    pub at: u64,
}

/// Where and how to load an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// In ascending order, without overlaps.
    pub segments: Vec<Segment>,
    /// The address space it spans from the load base (page multiple).
    pub span: u64,
    /// The entry point's offset from the load base.
    pub entry: u64,
    /// `R_AARCH64_RELATIVE`: (offset, addend); write base + addend, as a
    /// little-endian u64, at base + offset.
    pub relocs: Vec<(u64, u64)>,
    /// Pages made read-only once relocated (`PT_GNU_RELRO`).
    pub relro: Option<Range<u64>>,
}

impl Plan {
    /// The part of the span that holds the file's bytes (to the end of the
    /// page of the last one): what a loader stages to place and relocate.
    /// Past it is zero-initialised memory only (`.bss`), which a
    /// relocation may not target.
    pub fn staged(&self) -> u64 {
        let end = self
            .segments
            .iter()
            .map(|s| s.at + s.file.len() as u64)
            .max()
            .unwrap_or(0);
        end.div_ceil(PAGE) * PAGE
    }
}

/// Why an image cannot be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// Not a 64-bit little-endian ELF.
    NotElf,
    /// Not for AArch64.
    WrongMachine,
    /// Not position independent (`ET_DYN`).
    NotPie,
    /// A segment lies outside the file, overlaps another or is misaligned.
    BadSegment,
    /// The image spans more than [`MAX_SPAN`] (a sound image too large for
    /// a TA's address space: the loader answers OUT_OF_MEMORY).
    TooLarge,
    /// A segment would be writable and executable.
    WriteAndExecute,
    /// It needs a dynamic loader (`PT_INTERP`, `DT_NEEDED`, symbols).
    NeedsLoader,
    /// The dynamic section or the relocations do not parse.
    BadDynamic,
    /// A relocation this loader does not apply (its ELF type).
    UnsupportedReloc(u32),
    /// A relocation outside writable (or RELRO) memory.
    RelocOutside,
    /// The entry point is not in executable code.
    BadEntry,
}

fn page_down(v: u64) -> u64 {
    v & !(PAGE - 1)
}

fn page_up(v: u64) -> Option<u64> {
    Some(v.checked_add(PAGE - 1)? & !(PAGE - 1))
}

/// The load plan of `image` (see the module's description), at any
/// alignment (the ELF structures are read in place, 8-byte aligned: an
/// image that is not is read from an aligned copy).
pub fn plan(image: &[u8]) -> Result<Plan, LoadError> {
    if image.as_ptr().align_offset(8) == 0 {
        return plan_aligned(image);
    }
    let mut copy = alloc::vec![0u8; image.len() + 8];
    let at = copy.as_ptr().align_offset(8);
    copy[at..at + image.len()].copy_from_slice(image);
    plan_aligned(&copy[at..at + image.len()])
}

fn plan_aligned(image: &[u8]) -> Result<Plan, LoadError> {
    let hdr = elf::FileHeader64::<LE>::parse(image).map_err(|_| LoadError::NotElf)?;
    let e = hdr.endian().map_err(|_| LoadError::NotElf)?;
    if hdr.e_machine(e) != elf::EM_AARCH64 {
        return Err(LoadError::WrongMachine);
    }
    if hdr.e_type(e) != elf::ET_DYN {
        return Err(LoadError::NotPie);
    }
    let phdrs = hdr
        .program_headers(e, image)
        .map_err(|_| LoadError::BadSegment)?;
    let mut segments: Vec<Segment> = Vec::new();
    let mut relro = None;
    let mut dynamic = None;
    for ph in phdrs {
        match ph.p_type(e) {
            elf::PT_LOAD => {
                let flags = ph.p_flags(e);
                let perm = match (flags & elf::PF_W != 0, flags & elf::PF_X != 0) {
                    (true, true) => return Err(LoadError::WriteAndExecute),
                    (true, false) => Perm::Rw,
                    (false, true) => Perm::Rx,
                    (false, false) => Perm::R,
                };
                let (vaddr, memsz) = (ph.p_vaddr(e), ph.p_memsz(e));
                let (offset, filesz) = (ph.p_offset(e), ph.p_filesz(e));
                // The file's page offset must match the address's (the
                // linker's layout), and the file part must fit.
                if filesz > memsz || vaddr % PAGE != offset % PAGE {
                    return Err(LoadError::BadSegment);
                }
                let file_end = offset.checked_add(filesz).ok_or(LoadError::BadSegment)?;
                if file_end > image.len() as u64 {
                    return Err(LoadError::BadSegment);
                }
                let end = vaddr.checked_add(memsz).ok_or(LoadError::BadSegment)?;
                let pages = page_down(vaddr)..page_up(end).ok_or(LoadError::BadSegment)?;
                if memsz == 0 {
                    return Err(LoadError::BadSegment);
                }
                if pages.end > MAX_SPAN {
                    return Err(LoadError::TooLarge);
                }
                if let Some(prev) = segments.last() {
                    if pages.start < prev.pages.end {
                        return Err(LoadError::BadSegment);
                    }
                }
                segments.push(Segment {
                    pages,
                    perm,
                    file: offset as usize..file_end as usize,
                    at: vaddr,
                });
            }
            elf::PT_INTERP => return Err(LoadError::NeedsLoader),
            elf::PT_GNU_RELRO => {
                let (vaddr, memsz) = (ph.p_vaddr(e), ph.p_memsz(e));
                let end = vaddr.checked_add(memsz).ok_or(LoadError::BadSegment)?;
                relro = Some(page_down(vaddr)..page_down(end));
            }
            elf::PT_DYNAMIC => dynamic = Some((ph.p_offset(e), ph.p_filesz(e))),
            _ => {}
        }
    }
    let span = segments.last().ok_or(LoadError::BadSegment)?.pages.end;
    let entry = hdr.e_entry(e);
    let in_code = |a: u64| {
        segments.iter().any(|s| {
            s.perm == Perm::Rx && (s.at..s.at + (s.file.end - s.file.start) as u64).contains(&a)
        })
    };
    if !in_code(entry) {
        return Err(LoadError::BadEntry);
    }
    let relocs = match dynamic {
        None => Vec::new(),
        Some((off, size)) => relocations(image, &segments, off, size)?,
    };
    // Where relocations may write: data, or what becomes read-only after.
    let writable = |a: u64| {
        segments
            .iter()
            .any(|s| s.perm == Perm::Rw && s.pages.contains(&a))
            || relro.as_ref().is_some_and(|r| r.contains(&a))
    };
    for &(at, _) in &relocs {
        let last = at.checked_add(7).ok_or(LoadError::RelocOutside)?;
        if !writable(at) || !writable(last) || last >= span {
            return Err(LoadError::RelocOutside);
        }
    }
    // Read-only after relocation: only ever part of the data.
    if let Some(r) = &relro {
        let in_data = |a: u64| {
            segments
                .iter()
                .any(|s| s.perm == Perm::Rw && s.pages.contains(&a))
        };
        if !r.is_empty() && (!in_data(r.start) || !in_data(r.end - 1)) {
            return Err(LoadError::BadSegment);
        }
    }
    Ok(Plan {
        segments,
        span,
        entry,
        relocs,
        relro,
    })
}

/// The file bytes that virtual range [at, at + len) holds, if one
/// segment's file part holds all of it.
fn file_range(segments: &[Segment], at: u64, len: u64) -> Option<Range<usize>> {
    let end = at.checked_add(len)?;
    segments.iter().find_map(|s| {
        let filesz = (s.file.end - s.file.start) as u64;
        (at >= s.at && end <= s.at + filesz).then(|| {
            let from = s.file.start + (at - s.at) as usize;
            from..from + len as usize
        })
    })
}

fn relocations(
    image: &[u8],
    segments: &[Segment],
    off: u64,
    size: u64,
) -> Result<Vec<(u64, u64)>, LoadError> {
    let end = off.checked_add(size).ok_or(LoadError::BadDynamic)?;
    let dyns = image
        .get(off as usize..end as usize)
        .ok_or(LoadError::BadDynamic)?;
    let e = LE;
    let (mut rela, mut relasz, mut relaent) = (None, 0u64, 24u64);
    let n = dyns.len() / core::mem::size_of::<elf::Dyn64<LE>>();
    let table: &[elf::Dyn64<LE>] = object::pod::slice_from_bytes(dyns, n)
        .map_err(|_| LoadError::BadDynamic)?
        .0;
    let is = |tag: u64, t: u32| tag == u64::from(t);
    for d in table {
        let (tag, val) = (d.d_tag(e), d.d_val(e));
        if is(tag, elf::DT_NULL) {
            break;
        } else if is(tag, elf::DT_NEEDED) || is(tag, elf::DT_REL) || is(tag, elf::DT_JMPREL) {
            // Libraries, REL-style or PLT relocations: a loader's work.
            return Err(LoadError::NeedsLoader);
        } else if is(tag, elf::DT_RELA) {
            rela = Some(val);
        } else if is(tag, elf::DT_RELASZ) {
            relasz = val;
        } else if is(tag, elf::DT_RELAENT) {
            relaent = val;
        }
    }
    let Some(rela) = rela else {
        return Ok(Vec::new());
    };
    if relaent != 24 || relasz % 24 != 0 || (relasz / 24) as usize > MAX_RELOCS {
        return Err(LoadError::BadDynamic);
    }
    let bytes = file_range(segments, rela, relasz).ok_or(LoadError::BadDynamic)?;
    let count = (relasz / 24) as usize;
    let entries: &[elf::Rela64<LE>] = object::pod::slice_from_bytes(&image[bytes], count)
        .map_err(|_| LoadError::BadDynamic)?
        .0;
    entries
        .iter()
        .map(|r| {
            let kind = r.r_type(e, false);
            if kind != elf::R_AARCH64_RELATIVE || r.r_sym(e, false) != 0 {
                return Err(LoadError::UnsupportedReloc(kind));
            }
            Ok((r.r_offset(e), r.r_addend(e) as u64))
        })
        .collect()
}

/// Apply `plan`'s relocations to the loaded image `mem` (its whole span,
/// to run at `base`).
pub fn relocate(plan: &Plan, base: u64, mem: &mut [u8]) -> Result<(), LoadError> {
    for &(at, addend) in &plan.relocs {
        let at = at as usize;
        let slot = mem.get_mut(at..at + 8).ok_or(LoadError::RelocOutside)?;
        slot.copy_from_slice(&base.wrapping_add(addend).to_le_bytes());
    }
    Ok(())
}

/// Place `image`'s segments into `mem` (the zeroed span of the plan):
/// each segment's file bytes at its offset; the rest stays zero.
pub fn place(plan: &Plan, image: &[u8], mem: &mut [u8]) -> Result<(), LoadError> {
    for s in &plan.segments {
        let from = image.get(s.file.clone()).ok_or(LoadError::BadSegment)?;
        let at = s.at as usize;
        mem.get_mut(at..at + from.len())
            .ok_or(LoadError::BadSegment)?
            .copy_from_slice(from);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec;

    /// `testdata/pie.c`, built as its comment says (a static PIE without
    /// libc, as TA images are linked).
    const PIE: &[u8] = include_bytes!("testdata/pie.elf");

    #[test]
    fn staging_covers_the_files_bytes_and_relocations_but_not_the_bss() {
        let p = plan(PIE).unwrap();
        let staged = p.staged();
        assert!(staged.is_multiple_of(PAGE) && staged <= p.span);
        let last = p
            .segments
            .iter()
            .map(|s| s.at + s.file.len() as u64)
            .max()
            .unwrap();
        assert!(last <= staged && staged - last < PAGE);
        let mut mem = vec![0u8; staged as usize];
        place(&p, PIE, &mut mem).unwrap();
        relocate(&p, 0x40_0000, &mut mem).unwrap();
        // The same bytes as placing into the whole span.
        let mut whole = vec![0u8; p.span as usize];
        place(&p, PIE, &mut whole).unwrap();
        relocate(&p, 0x40_0000, &mut whole).unwrap();
        assert_eq!(whole[..staged as usize], mem[..]);
        assert!(whole[staged as usize..].iter().all(|&b| b == 0));
    }

    #[test]
    fn a_static_pie_is_planned_placed_and_relocated() {
        let p = plan(PIE).unwrap();
        let perms: std::vec::Vec<_> = p
            .segments
            .iter()
            .map(|s| (s.pages.clone(), s.perm))
            .collect();
        assert_eq!(
            perms,
            [
                (0..0x1000, Perm::R),
                (0x1000..0x2000, Perm::Rx),
                (0x2000..0x3000, Perm::R),
                (0x3000..0x7000, Perm::Rw),
            ]
        );
        assert_eq!(p.span, 0x7000);
        assert_eq!(p.entry, 0x1000);
        assert_eq!(p.relocs, [(0x4000, 0x2000), (0x4008, 0x2006)]);
        assert_eq!(p.relro, Some(0x3000..0x4000));
        // The same plan at any alignment of the image.
        let mut odd = vec![0u8; PIE.len() + 1];
        odd[1..].copy_from_slice(PIE);
        assert_eq!(plan(&odd[1..]).as_ref(), Ok(&p));
        let mut mem = vec![0u8; p.span as usize];
        place(&p, PIE, &mut mem).unwrap();
        assert_eq!(&mem[0x2000..0x2010], b"hello from S-EL0");
        let base = 0x7f00_0000_0000u64;
        relocate(&p, base, &mut mem).unwrap();
        let word = |at: usize| u64::from_le_bytes(mem[at..at + 8].try_into().unwrap());
        assert_eq!(word(0x4000), base + 0x2000);
        assert_eq!(word(0x4008), base + 0x2006);
        assert_eq!(word(0x4010), 0, "the table's null entry stays null");
        // Zeroed data is zero.
        assert!(mem[0x4100..0x7000].iter().all(|&b| b == 0));
    }

    fn patched(at: usize, bytes: &[u8]) -> std::vec::Vec<u8> {
        let mut v = PIE.to_vec();
        v[at..at + bytes.len()].copy_from_slice(bytes);
        v
    }

    /// Program header `i`'s field at `field` (offset in the 56-byte entry).
    fn ph(i: usize, field: usize) -> usize {
        64 + 56 * i + field
    }

    #[test]
    fn hostile_images_are_refused() {
        assert_eq!(plan(b"not an elf"), Err(LoadError::NotElf));
        assert_eq!(
            plan(&patched(18, &62u16.to_le_bytes())),
            Err(LoadError::WrongMachine)
        );
        assert_eq!(
            plan(&patched(16, &2u16.to_le_bytes())),
            Err(LoadError::NotPie)
        );
        // Code made writable: W^X.
        assert_eq!(
            plan(&patched(ph(1, 4), &7u32.to_le_bytes())),
            Err(LoadError::WriteAndExecute)
        );
        // Data made executable: the same.
        assert_eq!(
            plan(&patched(ph(3, 4), &7u32.to_le_bytes())),
            Err(LoadError::WriteAndExecute)
        );
        // Code made plain data: the entry point is no longer in code.
        assert_eq!(
            plan(&patched(ph(1, 4), &4u32.to_le_bytes())),
            Err(LoadError::BadEntry)
        );
        // An entry point outside the code.
        assert_eq!(
            plan(&patched(24, &0x2000u64.to_le_bytes())),
            Err(LoadError::BadEntry)
        );
        // A segment past the end of the file, or huge, or overlapping the
        // one before it.
        assert_eq!(
            plan(&patched(ph(2, 32), &0x10_0000u64.to_le_bytes())),
            Err(LoadError::BadSegment)
        );
        assert_eq!(
            plan(&patched(ph(3, 40), &(MAX_SPAN).to_le_bytes())),
            Err(LoadError::TooLarge)
        );
        let mut v = patched(ph(2, 16), &0x1000u64.to_le_bytes());
        v[ph(2, 8)..ph(2, 16)].copy_from_slice(&0x1000u64.to_le_bytes());
        assert_eq!(plan(&v), Err(LoadError::BadSegment));
        // A relocation of another kind, or one aimed at code.
        let rela = 0x270;
        assert_eq!(
            plan(&patched(rela + 8, &257u64.to_le_bytes())),
            Err(LoadError::UnsupportedReloc(257))
        );
        assert_eq!(
            plan(&patched(rela, &0x1000u64.to_le_bytes())),
            Err(LoadError::RelocOutside)
        );
        assert_eq!(
            plan(&patched(rela, &0x6ffcu64.to_le_bytes())),
            Err(LoadError::RelocOutside)
        );
        // An interpreter: it wants a dynamic loader.
        assert_eq!(
            plan(&patched(ph(5, 0), &3u32.to_le_bytes())),
            Err(LoadError::NeedsLoader)
        );
    }

    #[test]
    fn damaged_images_never_panic() {
        for n in (0..PIE.len()).step_by(7) {
            let _ = plan(&PIE[..n]);
        }
        for i in 0..0x400.min(PIE.len()) {
            for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut b = PIE.to_vec();
                b[i] = v;
                if let Ok(p) = plan(&b) {
                    // Whatever is accepted can be placed and relocated.
                    let mut mem = vec![0u8; p.span as usize];
                    place(&p, &b, &mut mem).unwrap();
                    relocate(&p, 0x1000_0000, &mut mem).unwrap();
                }
            }
        }
    }
}
