//! Library TAs (OP-TEE's shared-library TAs) as the core sees them.
//!
//! A library TA is a signed image (the same format as a TA's) holding an
//! ELF shared object for this host, without a TA header, whose
//! `DT_SONAME` is its UUID and whose `DT_NEEDED` entries name the library
//! TAs it needs by UUID. A TA built by the devkit against library TAs
//! lists them in its section [`NEEDED_SECTION`] (16-byte UUIDs); and a TA
//! may `dlopen` a library TA by its UUID, so the UUID strings in a TA's
//! read-only data name the library TAs it may want ([`wants`]). The core
//! verifies each before the TA process starts and hands them over as
//! sealed memfds; the TA process cannot open files.

use alloc::{format, string::String, string::ToString, vec::Vec};
use object::LittleEndian as LE;
use object::elf;
use object::read::elf::{Dyn, FileHeader, SectionHeader};
use oxtee_proto::Uuid;

/// Section of a TA listing the library TAs it was linked against.
pub const NEEDED_SECTION: &str = ".oxtee_needed";
/// Most library TAs one TA process may load.
pub const MAX_LIBRARIES: usize = 32;

/// What the core needs of a verified library TA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    pub uuid: Uuid,
    pub needed: Vec<Uuid>,
}

fn machine() -> u16 {
    if cfg!(target_arch = "x86_64") {
        elf::EM_X86_64
    } else if cfg!(target_arch = "aarch64") {
        elf::EM_AARCH64
    } else {
        elf::EM_NONE
    }
}

/// Whether `elf_bytes` is a library TA's ELF, and what it needs.
pub fn library(elf_bytes: &[u8]) -> Result<Library, String> {
    let hdr = elf::FileHeader64::<LE>::parse(elf_bytes).map_err(|e| e.to_string())?;
    let endian = hdr.endian().map_err(|e| e.to_string())?;
    if hdr.e_machine(endian) != machine() || hdr.e_type(endian) != elf::ET_DYN {
        return Err("not a shared object for this host".into());
    }
    let phdrs = hdr
        .program_headers(endian, elf_bytes)
        .map_err(|e| e.to_string())?;
    use object::read::elf::ProgramHeader;
    if phdrs.iter().any(|p| p.p_type(endian) == elf::PT_INTERP) {
        return Err("has a program interpreter (an executable, not a library)".into());
    }
    let sections = hdr.sections(endian, elf_bytes).map_err(|e| e.to_string())?;
    if sections
        .section_by_name(endian, crate::head::SECTION.as_bytes())
        .is_some()
    {
        return Err("has a TA header (a TA, not a library)".into());
    }
    let mut soname = None;
    let mut needed = Vec::new();
    for sh in sections.iter() {
        let Some((dyns, link)) = sh.dynamic(endian, elf_bytes).map_err(|e| e.to_string())? else {
            continue;
        };
        let strings = sections
            .strings(endian, elf_bytes, link)
            .map_err(|e| e.to_string())?;
        for d in dyns {
            let tag = d.d_tag(endian);
            if tag != elf::DT_SONAME as u64 && tag != elf::DT_NEEDED as u64 {
                continue;
            }
            let name = d.string(endian, strings).map_err(|e| e.to_string())?;
            let name = core::str::from_utf8(name).map_err(|e| e.to_string())?;
            let uuid = Uuid::parse(name.trim_end_matches(".so"))
                .ok_or_else(|| format!("{name:?} is not a library TA's UUID"))?;
            if tag == elf::DT_SONAME as u64 {
                soname = Some(uuid);
            } else {
                needed.push(uuid);
            }
        }
    }
    let uuid = soname.ok_or("no DT_SONAME")?;
    if needed.len() > MAX_LIBRARIES {
        return Err("needs too many libraries".into());
    }
    Ok(Library { uuid, needed })
}

/// What a TA linked against a library TA's `.so` needs to know of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Interface {
    /// The functions it defines (each gets an import stub in the TA).
    pub functions: Vec<String>,
    /// The data objects it defines (a TA cannot import those).
    pub objects: Vec<String>,
    /// What it needs from the TA: its undefined, non-weak symbols.
    pub imports: Vec<String>,
}

/// The dynamic symbols of a library TA's ELF.
pub fn interface(elf_bytes: &[u8]) -> Result<Interface, String> {
    let hdr = elf::FileHeader64::<LE>::parse(elf_bytes).map_err(|e| e.to_string())?;
    let endian = hdr.endian().map_err(|e| e.to_string())?;
    let sections = hdr.sections(endian, elf_bytes).map_err(|e| e.to_string())?;
    let syms = sections
        .symbols(endian, elf_bytes, elf::SHT_DYNSYM)
        .map_err(|e| e.to_string())?;
    let mut out = Interface::default();
    use object::read::elf::Sym;
    for s in syms.iter().skip(1) {
        let name = syms.symbol_name(endian, s).map_err(|e| e.to_string())?;
        let Ok(name) = core::str::from_utf8(name) else {
            continue;
        };
        let bind = s.st_bind();
        if name.is_empty() || bind == elf::STB_LOCAL {
            continue;
        }
        let ty = s.st_type();
        if s.st_shndx(endian) == elf::SHN_UNDEF {
            if bind != elf::STB_WEAK {
                out.imports.push(name.to_string());
            }
        } else if ty == elf::STT_FUNC || ty == elf::STT_GNU_IFUNC {
            out.functions.push(name.to_string());
        } else if ty == elf::STT_OBJECT || ty == elf::STT_COMMON || ty == elf::STT_TLS {
            out.objects.push(name.to_string());
        }
    }
    Ok(out)
}

fn is_uuid_text(w: &[u8]) -> bool {
    w.len() == 36
        && w.iter().enumerate().all(|(i, &c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// The library TAs a TA (or library) may use: the ones it was linked
/// against (its [`NEEDED_SECTION`]), then the UUIDs written as strings in
/// its read-only data (what it may `dlopen`), each once.
pub fn wants(elf_bytes: &[u8]) -> (Vec<Uuid>, Vec<Uuid>) {
    let mut needed = Vec::new();
    let mut named = Vec::new();
    let Ok(hdr) = elf::FileHeader64::<LE>::parse(elf_bytes) else {
        return (needed, named);
    };
    let Ok(endian) = hdr.endian() else {
        return (needed, named);
    };
    let Ok(sections) = hdr.sections(endian, elf_bytes) else {
        return (needed, named);
    };
    for sh in sections.iter() {
        let Ok(name) = sections.section_name(endian, sh) else {
            continue;
        };
        let Ok(data) = sh.data(endian, elf_bytes) else {
            continue;
        };
        if name == NEEDED_SECTION.as_bytes() {
            for c in data.chunks_exact(16) {
                let u = Uuid(c.try_into().unwrap_or([0; 16]));
                if !needed.contains(&u) && needed.len() < MAX_LIBRARIES {
                    needed.push(u);
                }
            }
            continue;
        }
        let flags = sh.sh_flags(endian);
        let alloc = flags & elf::SHF_ALLOC as u64 != 0;
        let ro = flags & (elf::SHF_WRITE | elf::SHF_EXECINSTR) as u64 == 0;
        if !alloc || !ro || sh.sh_type(endian) != elf::SHT_PROGBITS {
            continue;
        }
        let mut i = 0;
        while i + 37 <= data.len() {
            if data[i + 36] == 0 && is_uuid_text(&data[i..i + 36]) {
                let text = core::str::from_utf8(&data[i..i + 36]).unwrap_or("");
                if let Some(u) = Uuid::parse(text) {
                    if !needed.contains(&u) && !named.contains(&u) && named.len() < MAX_LIBRARIES {
                        named.push(u);
                    }
                }
                i += 37;
            } else {
                i += 1;
            }
        }
    }
    (needed, named)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn uuid_text_is_recognised_exactly() {
        assert!(is_uuid_text(b"b3091a65-9751-4784-abf7-0298a7cc35ba"));
        assert!(!is_uuid_text(b"b3091a65-9751-4784-abf7-0298a7cc35b"));
        assert!(!is_uuid_text(b"b3091a65x9751-4784-abf7-0298a7cc35ba"));
        assert!(!is_uuid_text(b"g3091a65-9751-4784-abf7-0298a7cc35ba"));
    }

    #[test]
    fn not_elf_wants_nothing_and_is_no_library() {
        assert_eq!(wants(b"not an elf"), (vec![], vec![]));
        assert!(library(b"not an elf").is_err());
    }
}
