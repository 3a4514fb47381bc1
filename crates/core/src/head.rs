//! The TA header: a fixed-size record in the ELF section `.oxtee_ta_head`
//! that carries the TA's properties. C TAs get it from the devkit's
//! `user_ta_header.c` (built from `user_ta_header_defines.h`), Rust TAs
//! from the SDK's `ta!` macro. The core reads it from the verified image,
//! never from what a client says.
//!
//! ```text
//! struct oxtee_ta_head {          // little-endian, 360 bytes
//!     u32 magic;                  // 0x4154584f ("OXTA")
//!     u32 head_version;           // 1
//!     TEE_UUID uuid;              // timeLow, timeMid, timeHiAndVersion, clockSeqAndNode[8]
//!     u32 flags;                  // TA_FLAG_*
//!     u32 stack_size;
//!     u32 data_size;
//!     u32 reserved;
//!     char version[64];           // NUL-terminated
//!     char description[256];      // NUL-terminated
//! };
//! ```
//!
//! Version 2 (written by `oxtee ta build` for Rust TAs) appends the TA's
//! extra properties: a little-endian `u32` length, then that many bytes of
//! a postcard-encoded `Vec<Property>` (at most [`MAX_EXT`] bytes). C TAs
//! keep their extra properties in their own `ta_props` array (OP-TEE's
//! `TA_CURRENT_TA_EXT_PROPERTIES`), which their runtime reads in-process.

use alloc::{format, string::String, string::ToString, vec, vec::Vec};
use object::LittleEndian as LE;
use object::elf;
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use oxtee_proto::{Property, TaProps, Uuid};

pub const SECTION: &str = ".oxtee_ta_head";
/// OP-TEE's TA header section (what Teaclave's optee-utee-build emits):
/// `struct ta_head { TEE_UUID uuid; u32 stack_size; u32 flags; u64
/// depr_entry; }`, 32 bytes. Read when a TA has no oxtee header.
pub const OPTEE_SECTION: &str = ".ta_head";
/// The heap limit (gpd.ta.dataSize) of a TA with OP-TEE's header, which
/// has no field for it (an OP-TEE TA's heap is an array in its own .bss);
/// the runtime lowers it to the gpd.ta.dataSize of the TA's own table.
pub const OPTEE_DATA_SIZE: u32 = 32 << 20;
pub const MAGIC: u32 = 0x4154_584f;
pub const HEAD_VERSION: u32 = 1;
/// Header version with extra properties appended.
pub const HEAD_VERSION_EXT: u32 = 2;
/// Largest encoded extra-property list.
pub const MAX_EXT: usize = oxtee_proto::limits::EXT_PROPS;
pub const HEAD_LEN: usize = 360;
/// Smallest and largest stack a TA may ask for.
pub const MIN_STACK: u32 = 16 * 1024;
pub const MAX_STACK: u32 = 64 << 20;
/// Largest heap (data size) a TA may ask for.
pub const MAX_DATA: u32 = 1 << 30;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeadError {
    #[error("not an ELF64 little-endian file for the machine asked for: {0}")]
    NotElf(String),
    #[error("the TA must be a static position-independent executable (it has an interpreter)")]
    Dynamic,
    #[error("the TA has no {SECTION} section (was it built with the oxtee devkit or SDK?)")]
    Missing,
    #[error("the {SECTION} section is malformed: {0}")]
    Malformed(&'static str),
}

fn field_str(b: &[u8]) -> Result<String, HeadError> {
    let end = b
        .iter()
        .position(|&c| c == 0)
        .ok_or(HeadError::Malformed("string not terminated"))?;
    String::from_utf8(b[..end].to_vec()).map_err(|_| HeadError::Malformed("string not UTF-8"))
}

/// Decode the 360-byte header record.
pub fn decode(b: &[u8]) -> Result<TaProps, HeadError> {
    if b.len() < HEAD_LEN {
        return Err(HeadError::Malformed("section too short"));
    }
    let u32at = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let u16at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    if u32at(0) != MAGIC {
        return Err(HeadError::Malformed("bad magic"));
    }
    let version = u32at(4);
    if version != HEAD_VERSION && version != HEAD_VERSION_EXT {
        return Err(HeadError::Malformed("unsupported header version"));
    }
    let mut ext = Vec::new();
    if version == HEAD_VERSION_EXT {
        if b.len() < HEAD_LEN + 4 {
            return Err(HeadError::Malformed("extra properties missing"));
        }
        let n = u32at(HEAD_LEN) as usize;
        if n > MAX_EXT || b.len() < HEAD_LEN + 4 + n {
            return Err(HeadError::Malformed("extra properties out of range"));
        }
        ext = oxtee_proto::decode::<Vec<Property>>(&b[HEAD_LEN + 4..HEAD_LEN + 4 + n])
            .map_err(|_| HeadError::Malformed("extra properties undecodable"))?;
        let mut names: Vec<&str> = ext.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1])
            || names.iter().any(|n| n.is_empty() || n.starts_with("gpd."))
        {
            return Err(HeadError::Malformed(
                "extra property names must be unique, non-empty and outside gpd.",
            ));
        }
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&b[16..24]);
    let uuid = Uuid::from_fields(u32at(8), u16at(12), u16at(14), seq);
    let stack_size = u32at(28);
    let data_size = u32at(32);
    if !(MIN_STACK..=MAX_STACK).contains(&stack_size) {
        return Err(HeadError::Malformed("stack size out of range"));
    }
    if data_size > MAX_DATA {
        return Err(HeadError::Malformed("data size out of range"));
    }
    Ok(TaProps {
        uuid,
        flags: u32at(24),
        stack_size,
        data_size,
        version: field_str(&b[40..104])?,
        description: field_str(&b[104..360])?,
        ext,
    })
}

/// Decode OP-TEE's `ta_head` (see [`OPTEE_SECTION`]): the UUID, flags and
/// stack size (raised to [`MIN_STACK`], as the devkit raises a C TA's);
/// the heap is [`OPTEE_DATA_SIZE`]; version and description are empty
/// (an OP-TEE TA serves its gpd.ta.* properties itself).
pub fn decode_optee(b: &[u8]) -> Result<TaProps, HeadError> {
    if b.len() != 32 {
        return Err(HeadError::Malformed("OP-TEE ta_head is not 32 bytes"));
    }
    let u32at = |at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
    let u16at = |at: usize| u16::from_le_bytes([b[at], b[at + 1]]);
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&b[8..16]);
    let stack_size = u32at(16).max(MIN_STACK);
    if stack_size > MAX_STACK {
        return Err(HeadError::Malformed("stack size out of range"));
    }
    Ok(TaProps {
        uuid: Uuid::from_fields(u32at(0), u16at(4), u16at(6), seq),
        flags: u32at(20),
        stack_size,
        data_size: OPTEE_DATA_SIZE,
        version: String::new(),
        description: String::new(),
        ext: Vec::new(),
    })
}

/// A TA must run with no dynamic loader. A TA linked `-pie` rather than
/// `-static-pie` (as OP-TEE-style Rust builds link: `-pie`, the C library
/// from the devkit's linker script) keeps dynamic relocations against its
/// *optional* (weak) references that nothing defines, which glibc's
/// self-relocation would turn into the load address; they are absent, so
/// each becomes `R_*_NONE` and its slot stays 0. A relocation against an
/// undefined non-weak symbol is an error (it cannot be satisfied). Returns
/// how many were settled; a static PIE has none.
pub fn settle_optional_references(elf_bytes: &mut [u8]) -> Result<usize, String> {
    use object::read::elf::Sym;
    let mut patches = Vec::new();
    {
        let hdr = elf::FileHeader64::<LE>::parse(&*elf_bytes).map_err(|e| e.to_string())?;
        let endian = hdr.endian().map_err(|e| e.to_string())?;
        let sections = hdr
            .sections(endian, &*elf_bytes)
            .map_err(|e| e.to_string())?;
        for sh in sections.iter() {
            if sh.sh_type(endian) != elf::SHT_RELA {
                continue;
            }
            let link = object::SectionIndex(sh.sh_link(endian) as usize);
            let Ok(dynsym) = sections.section(link) else {
                continue;
            };
            if dynsym.sh_type(endian) != elf::SHT_DYNSYM {
                continue;
            }
            let syms = sections
                .symbol_table_by_index(endian, &*elf_bytes, link)
                .map_err(|e| e.to_string())?;
            let off = sh.sh_offset(endian) as usize;
            let size = sh.sh_size(endian) as usize;
            let end = off.checked_add(size).filter(|&e| e <= elf_bytes.len());
            let Some(end) = end else {
                return Err("relocation table out of the file".into());
            };
            for at in (off..end).step_by(24) {
                if at + 24 > end {
                    break;
                }
                let info =
                    u64::from_le_bytes(elf_bytes[at + 8..at + 16].try_into().unwrap_or([0; 8]));
                let (index, ty) = ((info >> 32) as usize, info as u32);
                if index == 0 || ty == 0 {
                    continue;
                }
                let sym = syms
                    .symbol(object::SymbolIndex(index))
                    .map_err(|e| e.to_string())?;
                if sym.st_shndx(endian) != elf::SHN_UNDEF {
                    continue;
                }
                if sym.st_bind() != elf::STB_WEAK {
                    let name = syms.symbol_name(endian, sym).unwrap_or(b"?");
                    return Err(format!(
                        "undefined symbol {} needs a dynamic loader (link it into the TA)",
                        String::from_utf8_lossy(name)
                    ));
                }
                patches.push(at + 8);
            }
        }
    }
    for &at in &patches {
        // Keep the symbol index, make the type NONE (0 on every machine).
        elf_bytes[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    }
    Ok(patches.len())
}

/// Encode a header record (used by tests and tools; TAs embed it at build time).
pub fn encode(p: &TaProps) -> Vec<u8> {
    let mut b = vec![0u8; HEAD_LEN];
    let (tl, tm, th, seq) = p.uuid.fields();
    b[0..4].copy_from_slice(&MAGIC.to_le_bytes());
    let version = if p.ext.is_empty() {
        HEAD_VERSION
    } else {
        HEAD_VERSION_EXT
    };
    b[4..8].copy_from_slice(&version.to_le_bytes());
    b[8..12].copy_from_slice(&tl.to_le_bytes());
    b[12..14].copy_from_slice(&tm.to_le_bytes());
    b[14..16].copy_from_slice(&th.to_le_bytes());
    b[16..24].copy_from_slice(&seq);
    b[24..28].copy_from_slice(&p.flags.to_le_bytes());
    b[28..32].copy_from_slice(&p.stack_size.to_le_bytes());
    b[32..36].copy_from_slice(&p.data_size.to_le_bytes());
    let v = p.version.as_bytes();
    let n = v.len().min(63);
    b[40..40 + n].copy_from_slice(&v[..n]);
    let d = p.description.as_bytes();
    let n = d.len().min(255);
    b[104..104 + n].copy_from_slice(&d[..n]);
    if !p.ext.is_empty() {
        let e = oxtee_proto::encode(&p.ext).unwrap_or_default();
        b.extend_from_slice(&(e.len() as u32).to_le_bytes());
        b.extend_from_slice(&e);
    }
    b
}

/// Check that `elf` is a static PIE for this host and read its TA header.
pub fn read(elf_bytes: &[u8]) -> Result<TaProps, HeadError> {
    let host_machine = if cfg!(target_arch = "x86_64") {
        elf::EM_X86_64
    } else if cfg!(target_arch = "aarch64") {
        elf::EM_AARCH64
    } else {
        elf::EM_NONE
    };
    read_for(elf_bytes, host_machine)
}

/// The same for TAs of machine `machine` (`EM_*`): the host's signing
/// tool reads the headers of TrustZone-tier (AArch64) TAs with it.
pub fn read_for(elf_bytes: &[u8], machine: u16) -> Result<TaProps, HeadError> {
    // The ELF structures are read in place, 8-byte aligned; an ELF behind
    // a subkey chain (its name is padded to any size) can start anywhere
    // in its image, so such a one is read from an aligned copy.
    let off = elf_bytes.as_ptr().align_offset(8);
    if off != 0 {
        let mut copy = vec![0u8; elf_bytes.len() + 8];
        let at = copy.as_ptr().align_offset(8);
        copy[at..at + elf_bytes.len()].copy_from_slice(elf_bytes);
        return read_aligned(&copy[at..at + elf_bytes.len()], machine);
    }
    read_aligned(elf_bytes, machine)
}

fn read_aligned(elf_bytes: &[u8], want: u16) -> Result<TaProps, HeadError> {
    let hdr =
        elf::FileHeader64::<LE>::parse(elf_bytes).map_err(|e| HeadError::NotElf(e.to_string()))?;
    let endian = hdr.endian().map_err(|e| HeadError::NotElf(e.to_string()))?;
    let machine = hdr.e_machine(endian);
    if machine != want {
        return Err(HeadError::NotElf(format!(
            "machine {machine} is not {want}, the one asked for"
        )));
    }
    if hdr.e_type(endian) != elf::ET_DYN && hdr.e_type(endian) != elf::ET_EXEC {
        return Err(HeadError::NotElf("not an executable".into()));
    }
    let phdrs = hdr
        .program_headers(endian, elf_bytes)
        .map_err(|e| HeadError::NotElf(e.to_string()))?;
    if phdrs.iter().any(|p| p.p_type(endian) == elf::PT_INTERP) {
        return Err(HeadError::Dynamic);
    }
    let sections = hdr
        .sections(endian, elf_bytes)
        .map_err(|e| HeadError::NotElf(e.to_string()))?;
    if let Some((_, sh)) = sections.section_by_name(endian, SECTION.as_bytes()) {
        let data = sh
            .data(endian, elf_bytes)
            .map_err(|_| HeadError::Malformed("section out of file"))?;
        return decode(data);
    }
    let (_, sh) = sections
        .section_by_name(endian, OPTEE_SECTION.as_bytes())
        .ok_or(HeadError::Missing)?;
    let data = sh
        .data(endian, elf_bytes)
        .map_err(|_| HeadError::Malformed("section out of file"))?;
    decode_optee(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine asked for is the one checked: an AArch64 static PIE
    /// (without a TA header) is another machine's for an x86-64 host, and
    /// read for AArch64 it gets as far as the missing header.
    #[test]
    fn headers_are_read_for_the_machine_asked_for() {
        let pie = include_bytes!("../../tz-abi/src/testdata/pie.elf");
        assert!(matches!(
            read_for(pie, elf::EM_X86_64),
            Err(HeadError::NotElf(_))
        ));
        assert!(matches!(
            read_for(pie, elf::EM_AARCH64),
            Err(HeadError::Missing)
        ));
    }

    #[test]
    fn an_elf_reads_the_same_at_any_alignment() {
        // This test program: an ELF for the host (dynamic, so refused as
        // a TA, but only after its headers were read).
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let want = format!("{:?}", read(&exe));
        assert!(want.contains("Dynamic"), "{want}");
        let mut buf = vec![0u8; exe.len() + 8];
        for shift in 1..8 {
            buf[shift..shift + exe.len()].copy_from_slice(&exe);
            assert_eq!(format!("{:?}", read(&buf[shift..shift + exe.len()])), want);
        }
    }

    #[test]
    fn optee_ta_head_is_read() {
        let mut b = vec![0u8; 32];
        b[0..4].copy_from_slice(&0x8aaa_f200u32.to_le_bytes());
        b[4..6].copy_from_slice(&0x2450u16.to_le_bytes());
        b[6..8].copy_from_slice(&0x11e4u16.to_le_bytes());
        b[8..16].copy_from_slice(&[0xab, 0xe2, 0, 2, 0xa5, 0xd5, 0xc5, 0x1b]);
        b[16..20].copy_from_slice(&(2048u32).to_le_bytes());
        b[20..24].copy_from_slice(&(4u32 | 8).to_le_bytes());
        b[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
        let p = decode_optee(&b).unwrap();
        assert_eq!(p.uuid.to_string(), "8aaaf200-2450-11e4-abe2-0002a5d5c51b");
        assert_eq!(
            (p.flags, p.stack_size, p.data_size),
            (12, MIN_STACK, OPTEE_DATA_SIZE)
        );
        assert!(decode_optee(&b[..31]).is_err());
        b[16..20].copy_from_slice(&(MAX_STACK + 1).to_le_bytes());
        assert!(decode_optee(&b).is_err());
    }

    #[test]
    fn head_roundtrip_and_checks() {
        let p = TaProps {
            uuid: Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b").unwrap(),
            flags: 0x4 | 0x8,
            stack_size: 0x4000,
            data_size: 0x8000,
            version: "1.2".into(),
            description: "hello".into(),
            ext: vec![],
        };
        let b = encode(&p);
        assert_eq!(decode(&b).unwrap(), p);
        let mut with_ext = p.clone();
        with_ext.ext = vec![
            Property {
                name: "com.example.flag".into(),
                value: oxtee_proto::PropValue::Bool(true),
            },
            Property {
                name: "com.example.n".into(),
                value: oxtee_proto::PropValue::U64(1 << 40),
            },
        ];
        let b2 = encode(&with_ext);
        assert_eq!(decode(&b2).unwrap(), with_ext);
        assert!(
            decode(&b2[..b2.len() - 1]).is_err(),
            "truncated extra properties"
        );
        let mut dup = with_ext.clone();
        dup.ext[1].name = "com.example.flag".into();
        assert!(decode(&encode(&dup)).is_err(), "duplicate names");
        dup.ext[1].name = "gpd.ta.version".into();
        assert!(decode(&encode(&dup)).is_err(), "gpd. names are the TEE's");
        let mut bad = b.clone();
        bad[0] ^= 1;
        assert!(decode(&bad).is_err());
        let mut bad = b.clone();
        bad[28..32].copy_from_slice(&1u32.to_le_bytes());
        assert!(decode(&bad).is_err());
        let mut bad = b.clone();
        for c in &mut bad[104..360] {
            *c = b'x';
        }
        assert!(decode(&bad).is_err());
        assert!(decode(&b[..100]).is_err());
        assert!(read(b"not an elf").is_err());
    }
}
