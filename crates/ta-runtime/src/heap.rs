//! The TA's own memory: the heap behind `TEE_Malloc` and friends, bounded
//! by `gpd.ta.dataSize`, and the answers of `TEE_CheckMemoryAccessRights`.
//!
//! # Heap
//!
//! GP sizes a TA's heap with `gpd.ta.dataSize` (in OP-TEE it is the TA's
//! allocator pool). Here it is an arena of exactly that many bytes
//! (rounded down to the 16-byte allocation granule), mapped on first use
//! between two inaccessible guard pages, so a TA can neither allocate more
//! nor reach beyond the arena without faulting. Blocks are handed out
//! best fit, and freed blocks are coalesced with their free neighbours.
//!
//! The bookkeeping lives outside the arena, in the runtime's own memory:
//! a TA writing past the end of a block cannot corrupt the allocator, and
//! every pointer given back to [`free`] or [`realloc`] is looked up in the
//! table of live blocks, so a foreign, interior or already freed pointer
//! is detected (the C API panics the TA then, as OP-TEE does).
//!
//! libc's `malloc` (used by the runtime itself, by Rust's global
//! allocator and by C code calling `malloc` directly) is separate and
//! bounded only by RLIMIT_DATA.
//!
//! # Access rights
//!
//! [`check_access`] answers from what the runtime knows, without reading
//! `/proc/self/maps` (the sandbox kills a TA that opens a file):
//!
//! * heap blocks: readable, writable, private. A range touching the arena
//!   must lie inside one live block, as requested (not as rounded up);
//! * the TA image: the ELF program headers of the running executable
//!   (`dl_iterate_phdr`), each `PT_LOAD` segment with its R/W flags, the
//!   `PT_GNU_RELRO` pages read-only (libc protects them before `main`);
//! * the stack: from the checking frame up to `__libc_stack_end` (every
//!   frame of the TA lies in between);
//! * the memrefs of the current entry point call, as the core provided
//!   them (recorded by the request loop, forgotten when the next request
//!   arrives): input memrefs readable; output and in/out memrefs readable
//!   and writable (as in OP-TEE). They are shared with the client, so they
//!   are refused unless `TEE_MEMORY_ACCESS_ANY_OWNER` is set.
//!
//! Anything else is refused: NULL, unmapped or kernel addresses, libc's
//! heap, shared memory outside the current call's memrefs, ranges that
//! overflow the address space or leave the regions above.

use crate::CallParams;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{c_int, c_void};
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// `TEE_MEMORY_ACCESS_READ`.
pub const ACCESS_READ: u32 = 0x1;
/// `TEE_MEMORY_ACCESS_WRITE`.
pub const ACCESS_WRITE: u32 = 0x2;
/// `TEE_MEMORY_ACCESS_ANY_OWNER`.
pub const ACCESS_ANY_OWNER: u32 = 0x4;
/// OP-TEE extension: the range must be shared with the normal world.
pub const ACCESS_NONSECURE: u32 = 0x1000_0000;
/// OP-TEE extension: the range must be secure (private to the TA).
pub const ACCESS_SECURE: u32 = 0x2000_0000;

/// Alignment and size unit of heap blocks (enough for any C type).
pub const GRANULE: usize = 16;

/// A pointer given back to the heap that is not the start of a live block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotABlock;

/// One live block: `size` bytes reserved (a multiple of [`GRANULE`]),
/// `req` of them requested, and whether the block is zero-filled (the
/// hint is kept with the block, so a growing realloc zero-fills too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    size: usize,
    req: usize,
    zero: bool,
}

/// The allocator's bookkeeping over offsets `0..len` of the arena. Pure
/// logic: it never touches the arena's memory.
#[derive(Debug)]
struct Blocks {
    len: usize,
    /// Free extents: offset -> size. Never two adjacent ones.
    free: BTreeMap<usize, usize>,
    /// The same extents by (size, offset), for best fit.
    by_size: BTreeSet<(usize, usize)>,
    /// Live blocks by offset.
    used: BTreeMap<usize, Block>,
    /// Sum of the sizes of live blocks.
    in_use: usize,
}

/// `req` rounded up to the granule (at least one granule).
fn rounded(req: usize) -> Option<usize> {
    req.max(1).checked_next_multiple_of(GRANULE)
}

impl Blocks {
    fn new(len: usize) -> Blocks {
        let len = len / GRANULE * GRANULE;
        let mut b = Blocks {
            len,
            free: BTreeMap::new(),
            by_size: BTreeSet::new(),
            used: BTreeMap::new(),
            in_use: 0,
        };
        if len != 0 {
            b.free.insert(0, len);
            b.by_size.insert((len, 0));
        }
        b
    }

    fn take_free(&mut self, off: usize, size: usize) {
        self.free.remove(&off);
        self.by_size.remove(&(size, off));
    }

    /// Return `off..off+size` to the free extents, merged with free
    /// neighbours.
    fn put_free(&mut self, mut off: usize, mut size: usize) {
        if let Some((&p, &ps)) = self.free.range(..off).next_back()
            && p + ps == off
        {
            self.take_free(p, ps);
            off = p;
            size += ps;
        }
        if let Some(&ns) = self.free.get(&(off + size)) {
            self.take_free(off + size, ns);
            size += ns;
        }
        self.free.insert(off, size);
        self.by_size.insert((size, off));
    }

    /// Reserve a block for `req` bytes; its offset, or None when no free
    /// extent is large enough.
    fn alloc(&mut self, req: usize, zero: bool) -> Option<usize> {
        let size = rounded(req)?;
        let &(fsize, off) = self.by_size.range((size, 0)..).next()?;
        self.take_free(off, fsize);
        if fsize > size {
            self.free.insert(off + size, fsize - size);
            self.by_size.insert((fsize - size, off + size));
        }
        self.used.insert(off, Block { size, req, zero });
        self.in_use += size;
        Some(off)
    }

    fn get(&self, off: usize) -> Option<Block> {
        self.used.get(&off).copied()
    }

    fn free(&mut self, off: usize) -> Result<Block, NotABlock> {
        let b = self.used.remove(&off).ok_or(NotABlock)?;
        self.in_use -= b.size;
        self.put_free(off, b.size);
        Ok(b)
    }

    /// Resize the block at `off` to `req` bytes where it is: shrinking
    /// always works, growing when the extent after it is free and large
    /// enough. Ok(false) when it cannot be done in place.
    fn resize_in_place(&mut self, off: usize, req: usize) -> Result<bool, NotABlock> {
        let b = self.get(off).ok_or(NotABlock)?;
        let Some(size) = rounded(req) else {
            return Ok(false);
        };
        if size <= b.size {
            if size < b.size {
                self.put_free(off + size, b.size - size);
                self.in_use -= b.size - size;
            }
        } else {
            let next = off + b.size;
            let Some(&ns) = self.free.get(&next) else {
                return Ok(false);
            };
            let extra = size - b.size;
            if ns < extra {
                return Ok(false);
            }
            self.take_free(next, ns);
            if ns > extra {
                self.free.insert(next + extra, ns - extra);
                self.by_size.insert((ns - extra, next + extra));
            }
            self.in_use += extra;
        }
        self.used.insert(off, Block { size, req, ..b });
        Ok(true)
    }

    /// Whether `off..off+len` (len > 0) lies inside the requested bytes
    /// of one live block.
    fn within_block(&self, off: usize, len: usize) -> bool {
        let Some((&boff, b)) = self.used.range(..=off).next_back() else {
            return false;
        };
        off.checked_add(len)
            .is_some_and(|end| end <= boff + b.req && off >= boff)
    }
}

/// The arena and its bookkeeping.
struct Heap {
    /// The whole mapping, guard pages included.
    map: usize,
    map_len: usize,
    /// The first usable byte (after the low guard page).
    base: usize,
    blocks: Blocks,
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions; glibc answers _SC_PAGESIZE
    // from memory, without a system call.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

impl Heap {
    /// Map an arena of `len` bytes between two guard pages.
    fn map(len: usize) -> Option<Heap> {
        let page = page_size();
        let body = len.checked_next_multiple_of(page)?;
        let map_len = body.checked_add(2 * page)?;
        // SAFETY: a fresh anonymous mapping at an address of the kernel's
        // choosing; it overlaps nothing else in the process.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return None;
        }
        let base = map as usize + page;
        if body != 0 {
            // SAFETY: `base..base+body` lies inside the mapping just made,
            // which nothing else refers to yet.
            let r = unsafe {
                libc::mprotect(
                    base as *mut c_void,
                    body,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            if r != 0 {
                // SAFETY: unmapping the mapping made above, unused.
                unsafe { libc::munmap(map, map_len) };
                return None;
            }
        }
        Some(Heap {
            map: map as usize,
            map_len,
            base,
            blocks: Blocks::new(len),
        })
    }

    fn ptr(&self, off: usize) -> *mut u8 {
        (self.base + off) as *mut u8
    }

    /// The offset of `p` if it points into the arena.
    fn offset(&self, p: *const u8) -> Option<usize> {
        let a = p as usize;
        (a >= self.base && a < self.base + self.blocks.len).then(|| a - self.base)
    }

    fn alloc(&mut self, size: usize, zero: bool) -> Option<NonNull<u8>> {
        let off = self.blocks.alloc(size, zero)?;
        let p = self.ptr(off);
        if zero {
            // SAFETY: `p..p+size` is the block just reserved, inside the
            // read-write part of the arena; nothing else refers to it.
            unsafe { std::ptr::write_bytes(p, 0, size) };
        }
        NonNull::new(p)
    }

    fn free(&mut self, p: *const u8) -> Result<(), NotABlock> {
        let off = self.offset(p).ok_or(NotABlock)?;
        self.blocks.free(off).map(|_| ())
    }

    /// # Safety
    /// No reference into the block at `p` may be used afterwards unless
    /// the block stayed in place (the returned pointer equals `p`).
    unsafe fn realloc(&mut self, p: *mut u8, size: usize) -> Result<*mut u8, NotABlock> {
        let off = self.offset(p).ok_or(NotABlock)?;
        let old = self.blocks.get(off).ok_or(NotABlock)?;
        if self.blocks.resize_in_place(off, size)? {
            if old.zero && size > old.req {
                // SAFETY: the block now spans at least `size` bytes from
                // `p`, all inside the arena.
                unsafe { std::ptr::write_bytes(p.add(old.req), 0, size - old.req) };
            }
            return Ok(p);
        }
        let Some(noff) = self.blocks.alloc(size, old.zero) else {
            return Ok(std::ptr::null_mut());
        };
        let q = self.ptr(noff);
        let keep = old.req.min(size);
        // SAFETY: two distinct live blocks of the arena (they cannot
        // overlap), `keep` bytes fit in both.
        unsafe { std::ptr::copy_nonoverlapping(p, q, keep) };
        if old.zero && size > keep {
            // SAFETY: the new block spans `size` bytes from `q`.
            unsafe { std::ptr::write_bytes(q.add(keep), 0, size - keep) };
        }
        self.blocks.free(off)?;
        Ok(q)
    }

    /// None when `start..end` does not touch the arena's mapping (guard
    /// pages included); otherwise whether it lies inside one live block.
    fn verdict(&self, start: usize, end: usize) -> Option<bool> {
        if end <= self.map || start >= self.map + self.map_len {
            return None;
        }
        Some(start >= self.base && self.blocks.within_block(start - self.base, end - start))
    }
}

#[cfg(test)]
impl Drop for Heap {
    fn drop(&mut self) {
        // SAFETY: test heaps own their mapping and are dropped only when
        // no block of theirs is referred to any more.
        unsafe { libc::munmap(self.map as *mut c_void, self.map_len) };
    }
}

/// The TA's heap: None until first used (or when it cannot be mapped).
static HEAP: Mutex<Option<Heap>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, Option<Heap>> {
    HEAP.lock().unwrap_or_else(|e| e.into_inner())
}

/// Run `f` on the heap, mapping it first if needed. None before
/// `TA_CreateEntryPoint` (the data size is not known yet) or when the
/// arena cannot be mapped.
fn with_heap<R>(f: impl FnOnce(&mut Heap) -> R) -> Option<R> {
    let mut g = lock();
    if g.is_none() {
        let size = crate::props::data_size()?;
        *g = Heap::map(usize::try_from(size).ok()?);
    }
    g.as_mut().map(f)
}

/// Allocate `size` bytes (zero-filled if `zero`) from the TA's heap.
/// NULL when the heap (gpd.ta.dataSize) has no room, or before the TA's
/// properties are known. A zero `size` reserves one granule.
pub fn malloc(size: usize, zero: bool) -> *mut u8 {
    with_heap(|h| h.alloc(size, zero))
        .flatten()
        .map_or(std::ptr::null_mut(), NonNull::as_ptr)
}

/// Resize the block at `p` to `size` bytes, in place when possible,
/// otherwise by moving it; the bytes added are zero-filled when the block
/// was allocated zero-filled. Ok(NULL) when there is no room (the block
/// is untouched then).
///
/// # Safety
/// If the block moves (the result differs from `p`), nothing may use the
/// old block any more.
pub unsafe fn realloc(p: *mut u8, size: usize) -> Result<*mut u8, NotABlock> {
    let mut g = lock();
    let h = g.as_mut().ok_or(NotABlock)?;
    // SAFETY: forwarded from the caller.
    unsafe { h.realloc(p, size) }
}

/// Free the block at `p`; Err if `p` is not the start of a live block.
///
/// # Safety
/// Nothing may use the block afterwards.
pub unsafe fn free(p: *mut u8) -> Result<(), NotABlock> {
    lock().as_mut().ok_or(NotABlock)?.free(p)
}

/// Bytes of the heap in use (live blocks, rounded to the granule) and its
/// size; (0, 0) before the heap is first used.
pub fn usage() -> (usize, usize) {
    lock()
        .as_ref()
        .map_or((0, 0), |h| (h.blocks.in_use, h.blocks.len))
}

/// A zero-filled buffer in the TA's heap: it counts against the same
/// `gpd.ta.dataSize` budget as `TEE_Malloc`, and is freed on drop.
pub struct HeapBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl HeapBuf {
    /// None when the heap has no room for `len` bytes.
    pub fn try_new(len: usize) -> Option<HeapBuf> {
        if len == 0 {
            return Some(HeapBuf {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        NonNull::new(malloc(len, true)).map(|ptr| HeapBuf { ptr, len })
    }
}

impl std::ops::Deref for HeapBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr..ptr+len` is a live heap block (or empty with a
        // dangling, aligned pointer) owned by this HeapBuf alone: the heap
        // hands a block out once and only `drop` below gives it back. Its
        // bytes were zero-filled at allocation, so they are initialised.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl std::ops::DerefMut for HeapBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for HeapBuf {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: the block is this HeapBuf's own and no reference to
            // it outlives `self`.
            let _ = unsafe { free(self.ptr.as_ptr()) };
        }
    }
}

impl std::fmt::Debug for HeapBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeapBuf").field("len", &self.len).finish()
    }
}

// ---------------------------------------------------------------------------
// TEE_CheckMemoryAccessRights
// ---------------------------------------------------------------------------

/// A range of the address space and what the TA may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Area {
    start: usize,
    end: usize,
    read: bool,
    write: bool,
    /// Shared with the client (a memref), as opposed to private to the TA.
    shared: bool,
}

/// What a request needs of every byte of its range.
#[derive(Debug, Clone, Copy)]
struct Need {
    read: bool,
    write: bool,
    /// Shared memory is acceptable (TEE_MEMORY_ACCESS_ANY_OWNER).
    shared_ok: bool,
    /// Only shared memory is acceptable (TEE_MEMORY_ACCESS_NONSECURE).
    shared_only: bool,
    /// Only private memory is acceptable (TEE_MEMORY_ACCESS_SECURE).
    private_only: bool,
}

impl Need {
    fn from_flags(flags: u32) -> Need {
        Need {
            read: flags & ACCESS_READ != 0,
            write: flags & ACCESS_WRITE != 0,
            shared_ok: flags & ACCESS_ANY_OWNER != 0,
            shared_only: flags & ACCESS_NONSECURE != 0,
            private_only: flags & ACCESS_SECURE != 0,
        }
    }

    fn granted_by(&self, a: &Area) -> bool {
        (!self.read || a.read)
            && (!self.write || a.write)
            && (if a.shared {
                self.shared_ok && !self.private_only
            } else {
                !self.shared_only
            })
    }
}

/// Whether `start..end` (non-empty) is covered, without a gap, by areas
/// each granting `need`.
fn covered(areas: &[Area], start: usize, end: usize, need: Need) -> bool {
    let mut at = start;
    while at < end {
        let Some(next) = areas
            .iter()
            .filter(|a| a.start <= at && at < a.end && need.granted_by(a))
            .map(|a| a.end)
            .max()
        else {
            return false;
        };
        at = next;
    }
    true
}

thread_local! {
    /// The memrefs of the entry point call in progress.
    static CALL_MEMREFS: Cell<[Option<Area>; 4]> = const { Cell::new([None; 4]) };
}

/// Hook of the request loop: remember the memrefs of the call about to be
/// made (their buffers and capacities as the core provided them, so a TA
/// changing its `TEE_Param`s does not widen its rights).
pub(crate) fn record_call_memrefs(p: &CallParams<'_>) {
    let mut m = [None; 4];
    for (i, slot) in m.iter_mut().enumerate() {
        let (read, write) = match p.type_of(i) {
            5 => (true, false),
            6 | 7 => (true, true),
            _ => continue,
        };
        // SAFETY: both union variants of an initialised TeeParam are plain
        // data; this reads the pointer bits only.
        let start = unsafe { p.raw[i].memref.buffer } as usize;
        let cap = p.capacity(i);
        if start == 0 || cap == 0 {
            continue;
        }
        *slot = start.checked_add(cap).map(|end| Area {
            start,
            end,
            read,
            write,
            shared: true,
        });
    }
    CALL_MEMREFS.with(|c| c.set(m));
}

/// Whether any of the `len` bytes at `addr` lie in memory the client
/// shares with the TA in the current call (its memrefs). GP 1.3.1 makes a
/// persistent object ID there a panic: the client could change it while
/// the TEE reads it.
pub fn touches_client_memory(addr: usize, len: usize) -> bool {
    let end = addr.saturating_add(len);
    len != 0
        && CALL_MEMREFS
            .with(Cell::get)
            .into_iter()
            .flatten()
            .any(|a| a.shared && a.start < end && addr < a.end)
}

/// Hook of the request loop: a new request from the core; the previous
/// call's memrefs are no longer the TA's to use.
pub(crate) fn forget_call_memrefs() {
    CALL_MEMREFS.with(|c| c.set([None; 4]));
}

unsafe extern "C" {
    /// glibc: the stack pointer at process start; every frame of the
    /// process's (only) thread lies below it.
    static __libc_stack_end: *mut c_void;
}

/// RLIMIT_STACK (read with prlimit64 and no new limit, which the sandbox
/// allows); None when unlimited or unknown.
fn stack_limit() -> Option<usize> {
    static LIMIT: OnceLock<Option<usize>> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let mut r = libc::rlimit64 {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: reads the calling process's limit into `r`; no new
        // limit is set.
        let ok = unsafe { libc::prlimit64(0, libc::RLIMIT_STACK, std::ptr::null(), &mut r) } == 0;
        (ok && r.rlim_cur != libc::RLIM64_INFINITY)
            .then(|| usize::try_from(r.rlim_cur).ok())
            .flatten()
    })
}

/// The live part of the stack: from this frame up to `__libc_stack_end`.
/// None when called on another stack than the main thread's (further
/// below its top than RLIMIT_STACK allows).
#[inline(never)]
fn stack_area() -> Option<Area> {
    let marker = 0u8;
    let low = std::hint::black_box(&marker) as *const u8 as usize;
    // SAFETY: glibc sets `__libc_stack_end` before `main` and never
    // changes it; this reads a pointer-sized value.
    let top = unsafe { __libc_stack_end } as usize;
    let on_main_stack = stack_limit().is_none_or(|l| top - low <= l);
    (low < top && on_main_stack).then_some(Area {
        start: low,
        end: top,
        read: true,
        write: true,
        shared: false,
    })
}

const PF_W: u32 = 2;
const PF_R: u32 = 4;

/// The segments of the executable this runtime is part of.
fn image_areas() -> &'static [Area] {
    static IMAGE: OnceLock<Vec<Area>> = OnceLock::new();
    IMAGE.get_or_init(|| {
        static ANCHOR: u8 = 0;
        let mut probe = Probe {
            anchor: &ANCHOR as *const u8 as usize,
            page: page_size(),
            areas: Vec::new(),
        };
        // SAFETY: the callback only reads the program headers libc hands
        // it and writes to `probe`, which outlives the call.
        unsafe {
            libc::dl_iterate_phdr(Some(phdr_callback), (&mut probe as *mut Probe).cast());
        }
        probe.areas
    })
}

struct Probe {
    anchor: usize,
    page: usize,
    areas: Vec<Area>,
}

/// Split `a` so that `ro_start..ro_end` loses its write permission.
fn split_read_only(a: Area, ro_start: usize, ro_end: usize, out: &mut Vec<Area>) {
    let (s, e) = (ro_start.max(a.start), ro_end.min(a.end));
    if s >= e {
        out.push(a);
        return;
    }
    if a.start < s {
        out.push(Area { end: s, ..a });
    }
    out.push(Area {
        start: s,
        end: e,
        write: false,
        ..a
    });
    if e < a.end {
        out.push(Area { start: e, ..a });
    }
}

unsafe extern "C" fn phdr_callback(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    data: *mut c_void,
) -> c_int {
    // SAFETY: libc passes a valid dl_phdr_info for the duration of the
    // call, and `data` is the Probe passed to dl_iterate_phdr.
    let (info, probe) = unsafe { (&*info, &mut *data.cast::<Probe>()) };
    if info.dlpi_phdr.is_null() {
        return 0;
    }
    // SAFETY: libc's program header table of this object has
    // `dlpi_phnum` entries and stays mapped for the life of the process.
    let phdrs = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
    let bias = info.dlpi_addr as usize;
    let mut loads = Vec::new();
    let mut relro = None;
    for ph in phdrs {
        let (Ok(vaddr), Ok(memsz)) = (usize::try_from(ph.p_vaddr), usize::try_from(ph.p_memsz))
        else {
            continue;
        };
        let Some(start) = bias.checked_add(vaddr) else {
            continue;
        };
        let Some(end) = start.checked_add(memsz) else {
            continue;
        };
        if ph.p_type == libc::PT_LOAD && memsz != 0 {
            loads.push(Area {
                start,
                end,
                read: ph.p_flags & PF_R != 0,
                write: ph.p_flags & PF_W != 0,
                shared: false,
            });
        } else if ph.p_type == libc::PT_GNU_RELRO {
            // libc makes the whole pages of the range read-only.
            let page = probe.page;
            relro = Some((start / page * page, end / page * page));
        }
    }
    if !loads
        .iter()
        .any(|a| a.start <= probe.anchor && probe.anchor < a.end)
    {
        return 0; // another object (the vDSO): keep looking
    }
    for a in loads {
        match relro {
            Some((s, e)) => split_read_only(a, s, e, &mut probe.areas),
            None => probe.areas.push(a),
        }
    }
    1
}

/// TEE_CheckMemoryAccessRights: whether the TA may access `len` bytes at
/// `addr` as `flags` asks (see the module documentation). An empty range
/// is accepted, as in OP-TEE. Flag bits other than READ, WRITE,
/// ANY_OWNER, and OP-TEE's SECURE / NONSECURE are ignored (as in OP-TEE).
pub fn check_access(flags: u32, addr: usize, len: usize) -> bool {
    if len == 0 {
        return true;
    }
    let Some(end) = addr.checked_add(len) else {
        return false;
    };
    if flags & ACCESS_SECURE != 0 && flags & ACCESS_NONSECURE != 0 {
        return false;
    }
    let need = Need::from_flags(flags);
    // The heap is private (secure) memory, readable and writable.
    if let Some(v) = lock().as_ref().and_then(|h| h.verdict(addr, end)) {
        return v && !need.shared_only;
    }
    let mut areas: Vec<Area> = image_areas().to_vec();
    areas.extend(stack_area());
    areas.extend(CALL_MEMREFS.with(Cell::get).into_iter().flatten());
    covered(&areas, addr, end, need)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check the bookkeeping's invariants: free and used extents tile the
    /// arena, no two free extents touch, both free indexes agree.
    fn check(b: &Blocks) {
        let mut ext: Vec<(usize, usize, bool)> = b
            .free
            .iter()
            .map(|(&o, &s)| (o, s, true))
            .chain(b.used.iter().map(|(&o, blk)| (o, blk.size, false)))
            .collect();
        ext.sort();
        let mut at = 0;
        let mut prev_free = false;
        for &(o, s, f) in &ext {
            assert_eq!(o, at, "extents tile the arena: {ext:?}");
            assert!(s > 0 && s % GRANULE == 0);
            assert!(!(f && prev_free), "free extents are coalesced: {ext:?}");
            prev_free = f;
            at = o + s;
        }
        assert_eq!(at, b.len);
        assert_eq!(b.free.len(), b.by_size.len());
        for (&o, &s) in &b.free {
            assert!(b.by_size.contains(&(s, o)));
        }
        let in_use: usize = b.used.values().map(|blk| blk.size).sum();
        assert_eq!(in_use, b.in_use);
        for blk in b.used.values() {
            assert!(blk.req <= blk.size && rounded(blk.req) == Some(blk.size));
        }
    }

    #[test]
    fn bounded_best_fit_and_coalescing() {
        let mut b = Blocks::new(1000); // 992 usable
        assert_eq!(b.len, 992);
        let a = b.alloc(100, true).unwrap();
        let c = b.alloc(200, true).unwrap();
        let d = b.alloc(100, true).unwrap();
        check(&b);
        assert_eq!((a, c, d), (0, 112, 320));
        assert_eq!(b.alloc(992, true), None, "no room");
        b.free(c).unwrap();
        check(&b);
        // Best fit: the 208-byte hole fits 150 better than the tail.
        assert_eq!(b.alloc(150, false), Some(112));
        b.free(112).unwrap();
        assert_eq!(b.free(112), Err(NotABlock), "double free");
        assert_eq!(b.free(5), Err(NotABlock), "interior pointer");
        b.free(a).unwrap();
        b.free(d).unwrap();
        check(&b);
        assert_eq!(b.free.len(), 1, "everything coalesced");
        assert_eq!(b.alloc(992, true), Some(0));
        assert_eq!(b.alloc(1, true), None);
        assert_eq!(b.alloc(usize::MAX, true), None, "rounding overflow");
    }

    #[test]
    fn resize_in_place() {
        let mut b = Blocks::new(512);
        let a = b.alloc(32, true).unwrap();
        let c = b.alloc(32, true).unwrap();
        assert_eq!(b.resize_in_place(a, 40), Ok(false), "blocked by c");
        assert_eq!(b.resize_in_place(a, 16), Ok(true), "shrink");
        assert_eq!(b.resize_in_place(a, 32), Ok(true), "regrow into its tail");
        assert_eq!(
            b.resize_in_place(c, 480),
            Ok(true),
            "grow into the free tail"
        );
        assert_eq!(b.resize_in_place(c, 481), Ok(false));
        assert_eq!(b.resize_in_place(7, 1), Err(NotABlock));
        check(&b);
        assert!(b.within_block(c, 480) && !b.within_block(c, 481));
        assert!(!b.within_block(a + 16, 32), "spans two blocks");
    }

    #[test]
    fn random_operations_keep_the_invariants() {
        let mut b = Blocks::new(64 * 1024);
        let mut live: Vec<usize> = Vec::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = (x >> 16) as usize;
            match r % 4 {
                0 | 1 => {
                    if let Some(o) = b.alloc(r % 3000, r & 1 == 0) {
                        live.push(o);
                    }
                }
                2 if !live.is_empty() => {
                    let o = live.swap_remove(r % live.len());
                    b.free(o).unwrap();
                }
                _ if !live.is_empty() => {
                    let o = live[r % live.len()];
                    let _ = b.resize_in_place(o, r % 5000).unwrap();
                }
                _ => {}
            }
            check(&b);
        }
        for o in live {
            b.free(o).unwrap();
        }
        check(&b);
        assert_eq!(b.in_use, 0);
        assert_eq!(b.free.len(), 1);
    }

    #[test]
    fn arena_alloc_realloc_free() {
        let mut h = Heap::map(4096).unwrap();
        let p = h.alloc(100, true).unwrap().as_ptr();
        // SAFETY: a live block of 100 bytes.
        let s = unsafe { std::slice::from_raw_parts_mut(p, 100) };
        assert!(s.iter().all(|&b| b == 0));
        s.fill(7);
        let q = h.alloc(16, false).unwrap().as_ptr();
        // Growing past `q` moves the block, keeps the bytes, zero-fills.
        // SAFETY: `s` is not used after the move.
        let p2 = unsafe { h.realloc(p, 300) }.unwrap();
        assert_ne!(p2, p);
        // SAFETY: a live block of 300 bytes.
        let s2 = unsafe { std::slice::from_raw_parts(p2, 300) };
        assert!(s2[..100].iter().all(|&b| b == 7) && s2[100..].iter().all(|&b| b == 0));
        assert_eq!(h.verdict(p as usize, p as usize + 1), Some(false), "freed");
        assert_eq!(h.verdict(p2 as usize, p2 as usize + 300), Some(true));
        assert_eq!(h.verdict(p2 as usize, p2 as usize + 301), Some(false));
        assert_eq!(h.verdict(h.map, h.map + 1), Some(false), "guard page");
        assert_eq!(h.verdict(0, 16), None);
        // SAFETY: no block is referred to afterwards.
        assert_eq!(unsafe { h.realloc(p2, 5000) }, Ok(std::ptr::null_mut()));
        assert_eq!(h.free(q), Ok(()));
        assert_eq!(h.free(q), Err(NotABlock));
        let local = 0u8;
        assert_eq!(h.free(&local), Err(NotABlock));
        assert_eq!(h.free(p2), Ok(()));
        assert_eq!(h.blocks.in_use, 0);
        assert!(Heap::map(0).is_some_and(|mut h| h.alloc(1, true).is_none()));
    }

    #[test]
    fn coverage_needs_every_byte_granted() {
        let ro = Area {
            start: 100,
            end: 200,
            read: true,
            write: false,
            shared: false,
        };
        let rw = Area {
            start: 200,
            end: 300,
            write: true,
            ..ro
        };
        let shm = Area {
            start: 400,
            end: 500,
            write: true,
            shared: true,
            ..ro
        };
        let all = [ro, rw, shm];
        let n = Need::from_flags;
        assert!(covered(&all, 150, 250, n(ACCESS_READ)));
        assert!(!covered(&all, 150, 250, n(ACCESS_WRITE)));
        assert!(covered(&all, 200, 300, n(ACCESS_WRITE | ACCESS_READ)));
        assert!(!covered(&all, 250, 301, n(ACCESS_READ)), "past the end");
        assert!(!covered(&all, 350, 450, n(ACCESS_READ | ACCESS_ANY_OWNER)));
        assert!(
            !covered(&all, 400, 450, n(ACCESS_READ)),
            "shared, not any owner"
        );
        assert!(covered(&all, 400, 450, n(ACCESS_READ | ACCESS_ANY_OWNER)));
        assert!(covered(
            &all,
            400,
            450,
            n(ACCESS_WRITE | ACCESS_ANY_OWNER | ACCESS_NONSECURE)
        ));
        assert!(!covered(
            &all,
            100,
            150,
            n(ACCESS_READ | ACCESS_ANY_OWNER | ACCESS_NONSECURE)
        ));
        assert!(!covered(
            &all,
            400,
            450,
            n(ACCESS_READ | ACCESS_ANY_OWNER | ACCESS_SECURE)
        ));
        assert!(covered(
            &all,
            100,
            150,
            n(ACCESS_READ | ACCESS_ANY_OWNER | ACCESS_SECURE)
        ));
        let mut v = Vec::new();
        split_read_only(rw, 0, 250, &mut v);
        assert_eq!(v.len(), 2);
        assert!(!v[0].write && v[0].end == 250 && v[1].write && v[1].start == 250);
    }

    /// The image and stack areas agree with what the kernel says.
    #[test]
    fn image_and_stack_match_proc_maps() {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        let perms = |addr: usize| -> Option<String> {
            maps.lines().find_map(|l| {
                let (range, rest) = l.split_once(' ')?;
                let (s, e) = range.split_once('-')?;
                let (s, e) = (
                    usize::from_str_radix(s, 16).ok()?,
                    usize::from_str_radix(e, 16).ok()?,
                );
                (s <= addr && addr < e).then(|| rest[..4].to_string())
            })
        };
        let areas = image_areas();
        assert!(!areas.is_empty());
        for a in areas {
            for addr in [a.start, a.end - 1] {
                let p = perms(addr).unwrap_or_else(|| panic!("{addr:#x} mapped"));
                assert_eq!(p.as_bytes()[0] == b'r', a.read, "{a:?} {p}");
                assert_eq!(p.as_bytes()[1] == b'w', a.write, "{a:?} {p}");
            }
        }
        static RODATA: [u8; 4] = [1, 2, 3, 4];
        static mut DATA: [u8; 4] = [0; 4];
        let ro = RODATA.as_ptr() as usize;
        let rw = &raw const DATA as usize;
        let r = ACCESS_READ;
        let w = ACCESS_WRITE;
        assert!(check_access(r, ro, 4) && !check_access(w, ro, 4));
        assert!(check_access(r | w, rw, 4));
        let local = [0u8; 32];
        let l = std::hint::black_box(&local).as_ptr() as usize;
        // SAFETY: no preconditions.
        let main_thread = unsafe { libc::gettid() == libc::getpid() };
        // libtest runs tests on other threads: their stacks are not the
        // TA's stack (a TA has one thread).
        assert_eq!(check_access(r | w, l, 32), main_thread);
        assert!(perms(l).is_some_and(|p| p.starts_with("rw")));
        assert!(!check_access(r, 0, 1), "NULL");
        assert!(!check_access(r, usize::MAX - 7, 16), "overflow");
        assert!(!check_access(r, 0xffff_8000_0000_0000, 16), "kernel");
        assert!(check_access(r, 0, 0), "empty range");
        let boxed = Box::new([0u8; 64]);
        assert!(!check_access(r, boxed.as_ptr() as usize, 64), "libc heap");
        assert!(!check_access(r | ACCESS_SECURE | ACCESS_NONSECURE, ro, 4));
    }
}
