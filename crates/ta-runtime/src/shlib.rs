//! Library TAs (OP-TEE's shared-library TAs) inside a TA process.
//!
//! A library TA is a signed image holding a position-independent ELF
//! shared object whose `DT_SONAME` is its UUID. The core verifies every
//! library a TA may use and hands each one over as a sealed memfd before
//! the TA runs any code of its own (see `oxtee_proto::CoreToTa::Library`):
//! the ones the TA was linked against (its `.oxtee_needed` section, and
//! theirs, `DT_NEEDED`) and the library TAs whose UUID the TA names in its
//! read-only data (what it may `dlopen`). This module maps them, resolves
//! their symbols (their own first, then the TA's exported ones, then the
//! other libraries'), runs the constructors of the linked ones, and fills
//! the TA's import slots, all before the sandbox forbids new executable
//! mappings (W^X: nothing mapped executable after start-up comes from
//! anywhere but a verified image). `dlopen` of a library TA by UUID then
//! runs its constructors and `dlsym` finds its symbols, as on OP-TEE.
//!
//! Refused: text relocations, writable and executable segments, thread
//! local storage, relocation types other than the data and PLT ones.

use oxtee_proto::Uuid;
use std::collections::HashMap;
use std::ffi::{CStr, c_void};
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Mutex;

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_TLS: u32 = 7;
const PT_GNU_RELRO: u32 = 0x6474_e552;
const PF_X: u32 = 1;
const PF_W: u32 = 2;
const PF_R: u32 = 4;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_PLTRELSZ: u64 = 2;
const DT_HASH: u64 = 4;
const DT_STRTAB: u64 = 5;
const DT_SYMTAB: u64 = 6;
const DT_RELA: u64 = 7;
const DT_RELASZ: u64 = 8;
const DT_STRSZ: u64 = 10;
const DT_INIT: u64 = 12;
const DT_SONAME: u64 = 14;
const DT_REL: u64 = 17;
const DT_PLTREL: u64 = 20;
const DT_TEXTREL: u64 = 22;
const DT_JMPREL: u64 = 23;
const DT_INIT_ARRAY: u64 = 25;
const DT_INIT_ARRAYSZ: u64 = 27;
const DT_FLAGS: u64 = 30;
const DF_TEXTREL: u64 = 4;
const DT_GNU_HASH: u64 = 0x6fff_fef5;
const STT_GNU_IFUNC: u8 = 10;
const STB_LOCAL: u8 = 0;
const STB_WEAK: u8 = 2;

#[cfg(target_arch = "x86_64")]
mod reloc {
    pub const NONE: u32 = 0;
    pub const ABS64: u32 = 1;
    pub const GLOB_DAT: u32 = 6;
    pub const JUMP_SLOT: u32 = 7;
    pub const RELATIVE: u32 = 8;
    pub const IRELATIVE: u32 = 37;
}
#[cfg(target_arch = "aarch64")]
mod reloc {
    pub const NONE: u32 = 0;
    pub const ABS64: u32 = 257;
    pub const GLOB_DAT: u32 = 1025;
    pub const JUMP_SLOT: u32 = 1026;
    pub const RELATIVE: u32 = 1027;
    pub const IRELATIVE: u32 = 1032;
}

const PAGE: usize = 4096;

fn page_down(x: usize) -> usize {
    x & !(PAGE - 1)
}

fn page_up(x: usize) -> Option<usize> {
    Some(x.checked_add(PAGE - 1)? & !(PAGE - 1))
}

/// Why a library could not be used.
#[derive(Debug)]
pub struct LoadError(pub String);

fn err<T>(what: impl Into<String>) -> Result<T, LoadError> {
    Err(LoadError(what.into()))
}

/// The symbol table of a mapped object (the TA itself or a library).
#[derive(Debug, Clone, Copy)]
struct Symbols {
    base: usize,
    symtab: usize,
    strtab: usize,
    strsz: usize,
    count: usize,
}

/// An `Elf64_Sym` read out of mapped memory.
#[derive(Clone, Copy)]
struct Sym {
    name: u32,
    info: u8,
    shndx: u16,
    value: u64,
}

impl Symbols {
    fn sym(&self, i: usize) -> Sym {
        let p = self.symtab + i * 24;
        // SAFETY: `i < count` and the table lies in mapped memory of the
        // object (checked when the table was found); Elf64_Sym is 24
        // bytes: name u32, info u8, other u8, shndx u16, value u64, size u64.
        unsafe {
            Sym {
                name: (p as *const u32).read_unaligned(),
                info: ((p + 4) as *const u8).read(),
                shndx: ((p + 6) as *const u16).read_unaligned(),
                value: ((p + 8) as *const u64).read_unaligned(),
            }
        }
    }

    fn name(&self, off: u32) -> Option<&'static CStr> {
        let off = off as usize;
        if off >= self.strsz {
            return None;
        }
        let bytes = (self.strtab + off) as *const u8;
        let max = self.strsz - off;
        // SAFETY: the string table is mapped for `strsz` bytes; the scan
        // stays inside it.
        let s = unsafe { std::slice::from_raw_parts(bytes, max) };
        let end = s.iter().position(|&b| b == 0)?;
        CStr::from_bytes_with_nul(&s[..=end]).ok()
    }

    /// The address of a defined, exported symbol (IFUNCs resolved).
    fn address(&self, s: &Sym) -> Option<usize> {
        if s.shndx == 0 || s.info >> 4 == STB_LOCAL {
            return None;
        }
        let a = self.base.wrapping_add(s.value as usize);
        if s.info & 0xf == STT_GNU_IFUNC {
            // SAFETY: an IFUNC symbol's value is its resolver, a function
            // of the (verified or own) object taking no arguments.
            let resolver: extern "C" fn() -> usize = unsafe { std::mem::transmute(a) };
            return Some(resolver());
        }
        Some(a)
    }

    fn lookup(&self, name: &CStr) -> Option<usize> {
        (1..self.count).find_map(|i| {
            let s = self.sym(i);
            (self.name(s.name)? == name)
                .then(|| self.address(&s))
                .flatten()
        })
    }

    fn exports(&self) -> HashMap<Vec<u8>, usize> {
        let mut m = HashMap::new();
        for i in 1..self.count {
            let s = self.sym(i);
            if s.shndx == 0 || s.info >> 4 == STB_LOCAL {
                continue;
            }
            if let (Some(n), Some(a)) = (self.name(s.name), self.address(&s)) {
                m.entry(n.to_bytes().to_vec()).or_insert(a);
            }
        }
        m
    }
}

/// A mapped library TA.
#[derive(Debug)]
struct Lib {
    uuid: Uuid,
    syms: Symbols,
    needed: Vec<Uuid>,
    init: Option<usize>,
    init_array: (usize, usize),
    /// Its constructors ran (linked libraries at start, others at dlopen).
    initialized: bool,
}

#[derive(Debug, Default)]
struct Registry {
    libs: Vec<Lib>,
    exe: HashMap<Vec<u8>, usize>,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn registry() -> std::sync::MutexGuard<'static, Option<Registry>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// The dynamic section entries at `dynamic` (absolute address, `count`
/// entries at most), as (tag, value) pairs up to DT_NULL.
fn dyn_entries(dynamic: usize, count: usize) -> Vec<(u64, u64)> {
    let mut v = Vec::new();
    for i in 0..count {
        // SAFETY: PT_DYNAMIC of a mapped object, `count` 16-byte entries.
        let (tag, val) = unsafe {
            (
                ((dynamic + 16 * i) as *const u64).read_unaligned(),
                ((dynamic + 16 * i + 8) as *const u64).read_unaligned(),
            )
        };
        if tag == DT_NULL {
            break;
        }
        v.push((tag, val));
    }
    v
}

/// Number of symbols, from DT_HASH (nchain) or DT_GNU_HASH (past the
/// last chain of the highest bucket).
fn symbol_count(hash: Option<usize>, gnu_hash: Option<usize>) -> usize {
    if let Some(h) = hash {
        // SAFETY: the DT_HASH table lies in mapped memory of the object;
        // its second word is the number of symbols.
        return unsafe { ((h + 4) as *const u32).read_unaligned() } as usize;
    }
    let Some(g) = gnu_hash else { return 0 };
    // SAFETY: the DT_GNU_HASH table lies in mapped memory of the object;
    // its header gives the sizes of the bloom filter, buckets and chains
    // read here.
    unsafe {
        let nbuckets = (g as *const u32).read_unaligned() as usize;
        let symoffset = ((g + 4) as *const u32).read_unaligned() as usize;
        let bloom_size = ((g + 8) as *const u32).read_unaligned() as usize;
        let buckets = g + 16 + bloom_size * 8;
        let chains = buckets + nbuckets * 4;
        let mut last = 0;
        for b in 0..nbuckets {
            last = last.max(((buckets + 4 * b) as *const u32).read_unaligned() as usize);
        }
        if last < symoffset {
            return symoffset;
        }
        loop {
            let h = ((chains + 4 * (last - symoffset)) as *const u32).read_unaligned();
            last += 1;
            if h & 1 != 0 {
                return last;
            }
        }
    }
}

/// The TA's own exported symbols (empty when it exports none).
fn exe_symbols() -> Option<Symbols> {
    struct Found(Option<Symbols>);
    unsafe extern "C" fn each(
        info: *mut libc::dl_phdr_info,
        _size: libc::size_t,
        data: *mut c_void,
    ) -> libc::c_int {
        // SAFETY: glibc passes a valid info for the main program first;
        // `data` is the `Found` below.
        unsafe {
            let found = &mut *(data as *mut Found);
            let info = &*info;
            let base = info.dlpi_addr as usize;
            for i in 0..info.dlpi_phnum as usize {
                let ph = &*info.dlpi_phdr.add(i);
                if ph.p_type == PT_DYNAMIC {
                    let fix = |v: u64| {
                        let v = v as usize;
                        // glibc may have relocated the entries in place.
                        if v < base { base + v } else { v }
                    };
                    let dynamic = base + ph.p_vaddr as usize;
                    let d = dyn_entries(dynamic, ph.p_memsz as usize / 16);
                    let get = |t| d.iter().find(|(k, _)| *k == t).map(|(_, v)| *v);
                    if let (Some(st), Some(sy), Some(sz)) =
                        (get(DT_STRTAB), get(DT_SYMTAB), get(DT_STRSZ))
                    {
                        let count = symbol_count(get(DT_HASH).map(fix), get(DT_GNU_HASH).map(fix));
                        found.0 = Some(Symbols {
                            base,
                            symtab: fix(sy),
                            strtab: fix(st),
                            strsz: sz as usize,
                            count,
                        });
                    }
                }
            }
        }
        1 // the main program only
    }
    let mut found = Found(None);
    // SAFETY: `each` only reads what glibc hands it and writes `found`.
    unsafe { libc::dl_iterate_phdr(Some(each), &mut found as *mut Found as *mut c_void) };
    found.0
}

/// A read-only view of the whole file, for its headers.
struct FileView {
    ptr: *mut c_void,
    len: usize,
}

impl FileView {
    fn bytes(&self) -> &[u8] {
        // SAFETY: a private read-only mapping of `len` bytes, alive as
        // long as `self`.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }
}

impl Drop for FileView {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map_library`.
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

#[derive(Clone, Copy)]
struct Seg {
    vaddr: usize,
    offset: usize,
    filesz: usize,
    memsz: usize,
    flags: u32,
}

fn prot(flags: u32) -> libc::c_int {
    let mut p = 0;
    if flags & PF_R != 0 {
        p |= libc::PROT_READ;
    }
    if flags & PF_W != 0 {
        p |= libc::PROT_WRITE;
    }
    if flags & PF_X != 0 {
        p |= libc::PROT_EXEC;
    }
    p
}

/// Map, relocate and register the library in `fd` (`size` bytes).
fn map_library(uuid: Uuid, fd: &OwnedFd, size: usize, reg: &mut Registry) -> Result<(), LoadError> {
    if size < 64 {
        return err("not an ELF file");
    }
    // SAFETY: a private read-only mapping of the sealed memfd; released
    // by FileView.
    let view = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            fd.as_raw_fd(),
            0,
        )
    };
    if view == libc::MAP_FAILED {
        return err("cannot map the image");
    }
    let view = FileView {
        ptr: view,
        len: size,
    };
    let b = view.bytes();
    let bad = || LoadError("malformed ELF headers".into());
    if &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 || u16_at(b, 16) != Some(3) {
        return err("not a 64-bit little-endian ELF shared object");
    }
    let phoff = u64_at(b, 32).ok_or_else(bad)? as usize;
    let phentsize = u16_at(b, 54).ok_or_else(bad)? as usize;
    let phnum = u16_at(b, 56).ok_or_else(bad)? as usize;
    if phentsize != 56 || phnum > 64 {
        return Err(bad());
    }
    let mut loads = Vec::new();
    let mut dynamic = None;
    let mut relro = None;
    for i in 0..phnum {
        let p = phoff.checked_add(i * 56).ok_or_else(bad)?;
        let ty = u32_at(b, p).ok_or_else(bad)?;
        let seg = Seg {
            flags: u32_at(b, p + 4).ok_or_else(bad)?,
            offset: u64_at(b, p + 8).ok_or_else(bad)? as usize,
            vaddr: u64_at(b, p + 16).ok_or_else(bad)? as usize,
            filesz: u64_at(b, p + 32).ok_or_else(bad)? as usize,
            memsz: u64_at(b, p + 40).ok_or_else(bad)? as usize,
        };
        match ty {
            PT_LOAD => loads.push(seg),
            PT_DYNAMIC => dynamic = Some(seg),
            PT_GNU_RELRO => relro = Some(seg),
            PT_TLS => return err("thread-local storage is not supported in library TAs"),
            _ => {}
        }
    }
    let dynamic = dynamic.ok_or_else(|| LoadError("no dynamic section".into()))?;
    if loads.is_empty() {
        return Err(bad());
    }
    let mut span = 0usize;
    for s in &loads {
        if s.flags & PF_W != 0 && s.flags & PF_X != 0 {
            return err("a segment is writable and executable");
        }
        let end_file = s.offset.checked_add(s.filesz).ok_or_else(bad)?;
        let end_mem = s.vaddr.checked_add(s.memsz).ok_or_else(bad)?;
        if end_file > size || s.filesz > s.memsz || s.vaddr % PAGE != s.offset % PAGE {
            return Err(bad());
        }
        span = span.max(page_up(end_mem).ok_or_else(bad)?);
    }
    if span > 256 << 20 {
        return err("library too large");
    }
    // SAFETY: a fresh private reservation; every later mapping replaces
    // part of it (MAP_FIXED inside our own reservation).
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            span,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return err("out of address space");
    }
    let base = base as usize;
    for s in &loads {
        let start = page_down(s.vaddr);
        let file_end = s.vaddr + s.filesz;
        let mem_end = page_up(s.vaddr + s.memsz).ok_or_else(bad)?;
        let mapped_end = if s.filesz > 0 {
            let end = page_up(file_end).ok_or_else(bad)?;
            // SAFETY: inside the reservation; a private copy of the image.
            let p = unsafe {
                libc::mmap(
                    (base + start) as *mut c_void,
                    end - start,
                    prot(s.flags),
                    libc::MAP_PRIVATE | libc::MAP_FIXED,
                    fd.as_raw_fd(),
                    page_down(s.offset) as libc::off_t,
                )
            };
            if p == libc::MAP_FAILED {
                return err("cannot map a segment");
            }
            end
        } else {
            start
        };
        if s.memsz > s.filesz {
            if s.flags & PF_W == 0 {
                return err("zero-filled memory in a read-only segment");
            }
            // The rest of the last file page belongs to .bss.
            if s.filesz > 0 && mapped_end > file_end {
                // SAFETY: writable private pages just mapped.
                unsafe {
                    std::ptr::write_bytes((base + file_end) as *mut u8, 0, mapped_end - file_end)
                };
            }
            if mem_end > mapped_end {
                // SAFETY: inside the reservation; fresh zero pages.
                let p = unsafe {
                    libc::mmap(
                        (base + mapped_end) as *mut c_void,
                        mem_end - mapped_end,
                        prot(s.flags),
                        libc::MAP_PRIVATE | libc::MAP_FIXED | libc::MAP_ANONYMOUS,
                        -1,
                        0,
                    )
                };
                if p == libc::MAP_FAILED {
                    return err("cannot map zero-filled memory");
                }
            }
        }
    }
    let in_image = |addr: u64, len: usize| {
        let a = addr as usize;
        a.checked_add(len).is_some_and(|e| e <= span)
    };
    let writable = |addr: usize| {
        loads
            .iter()
            .any(|s| s.flags & PF_W != 0 && addr >= s.vaddr && addr + 8 <= s.vaddr + s.memsz)
    };
    if !in_image(dynamic.vaddr as u64, dynamic.memsz) {
        return Err(bad());
    }
    let d = dyn_entries(base + dynamic.vaddr, dynamic.memsz / 16);
    let get = |t| d.iter().find(|(k, _)| *k == t).map(|(_, v)| *v);
    if get(DT_TEXTREL).is_some() || get(DT_FLAGS).is_some_and(|f| f & DF_TEXTREL != 0) {
        return err("text relocations");
    }
    if get(DT_REL).is_some() || get(DT_PLTREL).is_some_and(|t| t != DT_RELA) {
        return err("REL relocations (only RELA)");
    }
    let (Some(strtab), Some(symtab), Some(strsz)) = (get(DT_STRTAB), get(DT_SYMTAB), get(DT_STRSZ))
    else {
        return err("no dynamic symbol table");
    };
    if !in_image(strtab, strsz as usize) || !in_image(symtab, 24) {
        return Err(bad());
    }
    let hash = get(DT_HASH)
        .filter(|&h| in_image(h, 8))
        .map(|h| base + h as usize);
    let gnu = get(DT_GNU_HASH)
        .filter(|&h| in_image(h, 16))
        .map(|h| base + h as usize);
    let syms = Symbols {
        base,
        symtab: base + symtab as usize,
        strtab: base + strtab as usize,
        strsz: strsz as usize,
        count: symbol_count(hash, gnu),
    };
    if !in_image(symtab, syms.count.saturating_mul(24)) {
        return Err(bad());
    }
    let soname = get(DT_SONAME).and_then(|o| syms.name(o as u32));
    if soname.and_then(|s| Uuid::parse(s.to_str().ok()?)) != Some(uuid) {
        return err("its DT_SONAME is not its UUID");
    }
    let needed: Vec<Uuid> = d
        .iter()
        .filter(|(t, _)| *t == DT_NEEDED)
        .map(|(_, o)| {
            syms.name(*o as u32)
                .and_then(|n| Uuid::parse(n.to_str().ok()?.trim_end_matches(".so")))
                .ok_or_else(|| LoadError("a DT_NEEDED entry is not a library TA's UUID".into()))
        })
        .collect::<Result<_, _>>()?;

    // Relocate: the library's own definitions first, then the TA's, then
    // the other libraries'.
    let resolve = |name: &CStr, weak: bool| -> Result<usize, LoadError> {
        if let Some(a) = syms.lookup(name) {
            return Ok(a);
        }
        if let Some(&a) = reg.exe.get(name.to_bytes()) {
            return Ok(a);
        }
        if let Some(a) = reg.libs.iter().find_map(|l| l.syms.lookup(name)) {
            return Ok(a);
        }
        if weak {
            return Ok(0);
        }
        err(format!(
            "undefined symbol {} (the TA must export it: call it from the TA or link it in)",
            name.to_string_lossy()
        ))
    };
    let tables = [
        (get(DT_RELA), get(DT_RELASZ)),
        (get(DT_JMPREL), get(DT_PLTRELSZ)),
    ];
    for (at, len) in tables {
        let (Some(at), Some(len)) = (at, len) else {
            continue;
        };
        if !in_image(at, len as usize) {
            return Err(bad());
        }
        for i in 0..len as usize / 24 {
            let p = base + at as usize + 24 * i;
            // SAFETY: inside the mapped relocation table (checked above).
            let (off, info, addend) = unsafe {
                (
                    (p as *const u64).read_unaligned() as usize,
                    (((p + 8) as *const u64).read_unaligned()),
                    ((p + 16) as *const i64).read_unaligned(),
                )
            };
            let ty = info as u32;
            let sym = (info >> 32) as usize;
            if ty == reloc::NONE {
                continue;
            }
            if !writable(off) {
                return err("a relocation outside the writable segments");
            }
            let value = match ty {
                reloc::RELATIVE => base.wrapping_add(addend as usize),
                reloc::IRELATIVE => {
                    let r = base.wrapping_add(addend as usize);
                    // SAFETY: the resolver is a function of this library.
                    let f: extern "C" fn() -> usize = unsafe { std::mem::transmute(r) };
                    f()
                }
                reloc::ABS64 | reloc::GLOB_DAT | reloc::JUMP_SLOT => {
                    if sym == 0 || sym >= syms.count {
                        return Err(bad());
                    }
                    let s = syms.sym(sym);
                    let name = syms.name(s.name).ok_or_else(bad)?;
                    let a = if s.info >> 4 == STB_LOCAL && s.shndx != 0 {
                        base.wrapping_add(s.value as usize)
                    } else {
                        resolve(name, s.info >> 4 == STB_WEAK)?
                    };
                    let add = if ty == reloc::ABS64 {
                        addend as usize
                    } else {
                        0
                    };
                    a.wrapping_add(add)
                }
                other => return err(format!("unsupported relocation type {other}")),
            };
            // SAFETY: `off` lies in a writable segment of this library.
            unsafe { ((base + off) as *mut usize).write_unaligned(value) };
        }
    }
    if let Some(r) = relro {
        let start = page_down(r.vaddr);
        let end = page_down(r.vaddr + r.memsz);
        if end > start {
            // SAFETY: pages of this library; read-only after relocation.
            unsafe { libc::mprotect((base + start) as *mut c_void, end - start, libc::PROT_READ) };
        }
    }
    let init_array = match (get(DT_INIT_ARRAY), get(DT_INIT_ARRAYSZ)) {
        (Some(a), Some(n)) if in_image(a, n as usize) => (base + a as usize, n as usize / 8),
        _ => (0, 0),
    };
    reg.libs.push(Lib {
        uuid,
        syms,
        needed,
        init: get(DT_INIT)
            .filter(|&a| in_image(a, 1))
            .map(|a| base + a as usize),
        init_array,
        initialized: false,
    });
    Ok(())
}

/// Run the constructors of library `i` and, first, of what it needs.
fn initialize(reg: &mut Registry, i: usize) {
    if reg.libs[i].initialized {
        return;
    }
    reg.libs[i].initialized = true;
    for n in reg.libs[i].needed.clone() {
        if let Some(j) = reg.libs.iter().position(|l| l.uuid == n) {
            initialize(reg, j);
        }
    }
    let l = &reg.libs[i];
    let (init, (arr, n)) = (l.init, l.init_array);
    if let Some(f) = init {
        // SAFETY: DT_INIT of a verified, relocated library.
        let f: extern "C" fn() = unsafe { std::mem::transmute(f) };
        f();
    }
    for k in 0..n {
        // SAFETY: DT_INIT_ARRAY entries of a verified, relocated library.
        let f = unsafe { ((arr + 8 * k) as *const usize).read_unaligned() };
        if f != 0 && f != usize::MAX {
            // SAFETY: a constructor of the verified, relocated library.
            let f: extern "C" fn() = unsafe { std::mem::transmute(f) };
            f();
        }
    }
}

/// One import of the TA from a library it was linked against: the
/// devkit's generated stub jumps through `slot`.
#[repr(C)]
struct Import {
    name: *const libc::c_char,
    slot: *mut usize,
    uuid: [u8; 16],
}

/// Map the libraries the core sends (before the sandbox is locked), fill
/// the TA's import slots and run the linked libraries' constructors.
/// `libs` are the (uuid, linked, memfd, size) the core sent, in the order
/// it sent them (dependencies first).
pub(crate) fn load(libs: Vec<(Uuid, bool, OwnedFd, usize)>) -> Result<(), LoadError> {
    if libs.is_empty() {
        // Nothing to map (most TAs): dlopen then reports that.
        return Ok(());
    }
    let mut guard = registry();
    let reg = guard.get_or_insert_with(Registry::default);
    let exe = exe_symbols();
    reg.exe = exe.map(|s| s.exports()).unwrap_or_default();
    let mut linked = Vec::new();
    for (uuid, is_linked, fd, size) in libs {
        map_library(uuid, &fd, size, reg)
            .map_err(|e| LoadError(format!("library TA {uuid}: {}", e.0)))?;
        if is_linked {
            linked.push(uuid);
        }
    }
    // The TA's imports (the devkit's table, exported by name).
    if let Some(&table) = reg.exe.get(&b"oxtee_shlib_imports"[..]) {
        // SAFETY: the devkit's generated table: a u64 count, then that
        // many `Import` records (names NUL-terminated, slots writable).
        unsafe {
            let n = (table as *const u64).read_unaligned() as usize;
            let first = (table + 8) as *const Import;
            for i in 0..n {
                let imp = &*first.add(i);
                let name = CStr::from_ptr(imp.name);
                let uuid = Uuid(imp.uuid);
                let lib = reg.libs.iter().find(|l| l.uuid == uuid).ok_or_else(|| {
                    LoadError(format!(
                        "library TA {uuid}, which the TA was linked against, is missing"
                    ))
                })?;
                let a = lib.syms.lookup(name).ok_or_else(|| {
                    LoadError(format!(
                        "library TA {uuid} does not define {}",
                        name.to_string_lossy()
                    ))
                })?;
                imp.slot.write(a);
            }
        }
    }
    for uuid in linked {
        if let Some(i) = reg.libs.iter().position(|l| l.uuid == uuid) {
            initialize(reg, i);
        }
    }
    Ok(())
}

thread_local! {
    static LAST_ERROR: std::cell::RefCell<Option<std::ffi::CString>> =
        const { std::cell::RefCell::new(None) };
}

fn set_error(msg: String) {
    let c = std::ffi::CString::new(msg.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(c));
}

/// The message of the last failed [`open`] or [`symbol`], once (then
/// `None`), as `dlerror` reports it.
pub fn take_error() -> Option<std::ffi::CString> {
    LAST_ERROR.with(|e| e.borrow_mut().take())
}

/// `dlopen` of a library TA by its UUID (the text form; a trailing
/// ".so" is accepted): runs its constructors on first use. Returns a
/// non-zero handle.
pub fn open(name: &str) -> Option<usize> {
    let Some(uuid) = Uuid::parse(name.trim_end_matches(".so")) else {
        set_error(format!("{name}: not a library TA's UUID"));
        return None;
    };
    let mut guard = registry();
    let Some(reg) = guard.as_mut() else {
        set_error(format!("{name}: no library TAs were loaded"));
        return None;
    };
    let Some(i) = reg.libs.iter().position(|l| l.uuid == uuid) else {
        set_error(format!(
            "{name}: not available to this TA (a library TA is loaded at start when the TA \
             links it or names its UUID as a string, and only when the core verified it)"
        ));
        return None;
    };
    initialize(reg, i);
    Some(i + 1)
}

/// `dlsym`: the address of `name` in the library behind `handle` (or
/// what it needs); handle 0 (RTLD_DEFAULT) searches the TA and every
/// library.
pub fn symbol(handle: usize, name: &CStr) -> Option<usize> {
    let guard = registry();
    let found = guard.as_ref().and_then(|reg| {
        if handle == 0 {
            return reg
                .exe
                .get(name.to_bytes())
                .copied()
                .or_else(|| reg.libs.iter().find_map(|l| l.syms.lookup(name)));
        }
        let lib = reg.libs.get(handle - 1)?;
        lib.syms.lookup(name).or_else(|| {
            lib.needed.iter().find_map(|n| {
                reg.libs
                    .iter()
                    .find(|l| l.uuid == *n)
                    .and_then(|l| l.syms.lookup(name))
            })
        })
    });
    if found.is_none() {
        set_error(format!("undefined symbol {}", name.to_string_lossy()));
    }
    found
}

/// Whether `handle` is one [`open`] returned.
pub fn is_handle(handle: usize) -> bool {
    handle != 0 && registry().as_ref().is_some_and(|r| handle <= r.libs.len())
}
