//! Just enough of the flattened device tree format (devicetree
//! specification v0.4, chapter 5) for the monitor to take the boot seeds
//! QEMU puts in the machine's device tree: find a property of a node by
//! path, as a byte range of the blob, so that it can be read, scrubbed or
//! overwritten in place (nothing moves, no size changes).
//!
//! The blob comes from the machine's loader; it is still checked like
//! input: every offset and length is bounded by the blob, a malformed one
//! yields `None`, never a panic or an access outside it.

use core::ops::Range;

const MAGIC: u32 = 0xd00d_feed;
const BEGIN_NODE: u32 = 1;
const END_NODE: u32 = 2;
const PROP: u32 = 3;
const NOP: u32 = 4;
const END: u32 = 9;
/// Nodes deeper than this are not searched (QEMU's trees have 4 levels).
const MAX_DEPTH: usize = 16;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let w = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
}

/// The blob's total size from its header (to know how much to look at),
/// or None if `header` (at least its first 8 bytes) is not a device tree.
pub fn total_size(header: &[u8]) -> Option<usize> {
    (be32(header, 0)? == MAGIC).then_some(be32(header, 4)? as usize)
}

/// A NUL-terminated string at `at`, without its NUL.
fn cstr(b: &[u8], at: usize) -> Option<&[u8]> {
    let rest = b.get(at..)?;
    let n = rest.iter().position(|&c| c == 0)?;
    Some(&rest[..n])
}

fn align4(n: usize) -> Option<usize> {
    Some(n.checked_add(3)? & !3)
}

/// The value of property `name` of the node at `path` (`"/"`-separated
/// node names from the root, e.g. `"/chosen"`; a name matches with or
/// without its `@unit-address`), as a range of `blob`.
pub fn find_property(blob: &[u8], path: &str, name: &str) -> Option<Range<usize>> {
    let size = total_size(blob)?;
    let blob = blob.get(..size)?;
    let off_struct = be32(blob, 8)? as usize;
    let off_strings = be32(blob, 12)? as usize;
    let size_struct = be32(blob, 36)? as usize;
    let structs_end = off_struct.checked_add(size_struct)?;
    if structs_end > blob.len() {
        return None;
    }
    let strings = blob.get(off_strings..)?;
    let want: heapless_path::Path = heapless_path::Path::parse(path)?;
    // How many leading components of `want` the current node path matches
    // (`matched == depth` means every level so far is on the path).
    let mut depth = 0usize;
    let mut matched = 0usize;
    let mut at = off_struct;
    while at < structs_end {
        let token = be32(blob, at)?;
        at += 4;
        match token {
            BEGIN_NODE => {
                let node = cstr(blob, at)?;
                at = align4(at.checked_add(node.len() + 1)?)?;
                // The root's name is empty; it is level 0 of every path.
                // This node is path component `depth - 1` if its parent is
                // on the path and its name matches.
                let on_path = depth > 0
                    && matched + 1 == depth
                    && want.component(depth - 1).is_some_and(|c| {
                        node == c
                            || (node.len() > c.len()
                                && node.starts_with(c)
                                && node[c.len()] == b'@')
                    });
                if on_path {
                    matched += 1;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
            }
            END_NODE => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return None; // the root closed: not found
                }
                matched = matched.min(depth - 1);
            }
            PROP => {
                let len = be32(blob, at)? as usize;
                let nameoff = be32(blob, at + 4)? as usize;
                let value = at.checked_add(8)?..at.checked_add(8)?.checked_add(len)?;
                if value.end > structs_end {
                    return None;
                }
                at = align4(value.end)?;
                if depth >= 1 && matched == depth - 1 && matched == want.len() {
                    let pname = cstr(strings, nameoff)?;
                    if pname == name.as_bytes() {
                        return Some(value);
                    }
                }
            }
            NOP => {}
            END => return None,
            _ => return None,
        }
    }
    None
}

/// The seed properties QEMU sets (`/chosen` for the normal world,
/// `/secure-chosen` for the secure world).
pub const SEEDS: [&str; 2] = ["rng-seed", "kaslr-seed"];

/// What [`take_seeds`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct BootSeeds {
    /// The secure world's seed: every byte of the machine tree's
    /// `/secure-chosen` seeds folded into 32 (None: it has none).
    pub secure: Option<[u8; 32]>,
    /// `/chosen` seeds of the machine's tree copied into the normal
    /// world's tree.
    pub refreshed: usize,
}

/// The firmware's handling of boot seeds: take the secure seed from the
/// machine's tree `live` and zero it there (it lies in normal-world
/// RAM); give the normal world's tree `guest` this boot's `/chosen`
/// seeds (in place, where it has properties of the same length) and zero
/// any secure seed it carries.
pub fn take_seeds(live: &mut [u8], guest: Option<&mut [u8]>) -> BootSeeds {
    let mut out = BootSeeds {
        secure: None,
        refreshed: 0,
    };
    for name in SEEDS {
        if let Some(r) = find_property(live, "/secure-chosen", name) {
            let seed = out.secure.get_or_insert([0; 32]);
            for (i, b) in live[r.clone()].iter().enumerate() {
                seed[i % 32] ^= b;
            }
            live[r].fill(0);
        }
    }
    if let Some(guest) = guest {
        for name in SEEDS {
            if let Some(r) = find_property(guest, "/secure-chosen", name) {
                guest[r].fill(0);
            }
            let (Some(from), Some(to)) = (
                find_property(live, "/chosen", name),
                find_property(guest, "/chosen", name),
            ) else {
                continue;
            };
            if from.len() == to.len() {
                guest[to].copy_from_slice(&live[from]);
                out.refreshed += 1;
            }
        }
    }
    out
}

/// A path's components without allocating (the monitor has no heap).
mod heapless_path {
    pub struct Path<'a> {
        parts: [&'a [u8]; super::MAX_DEPTH],
        n: usize,
    }

    impl<'a> Path<'a> {
        pub fn parse(path: &'a str) -> Option<Self> {
            let mut parts = [&[][..]; super::MAX_DEPTH];
            let mut n = 0;
            for c in path.split('/').filter(|c| !c.is_empty()) {
                *parts.get_mut(n)? = c.as_bytes();
                n += 1;
            }
            Some(Path { parts, n })
        }

        pub fn len(&self) -> usize {
            self.n
        }

        pub fn component(&self, i: usize) -> Option<&'a [u8]> {
            (i < self.n).then(|| self.parts[i])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    /// A tiny device tree writer for the tests.
    struct Writer {
        structs: Vec<u8>,
        strings: Vec<u8>,
    }

    impl Writer {
        fn new() -> Self {
            Writer {
                structs: Vec::new(),
                strings: Vec::new(),
            }
        }
        fn word(&mut self, w: u32) {
            self.structs.extend_from_slice(&w.to_be_bytes());
        }
        fn pad(&mut self) {
            while !self.structs.len().is_multiple_of(4) {
                self.structs.push(0);
            }
        }
        fn begin(&mut self, name: &str) -> &mut Self {
            self.word(BEGIN_NODE);
            self.structs.extend_from_slice(name.as_bytes());
            self.structs.push(0);
            self.pad();
            self
        }
        fn end(&mut self) -> &mut Self {
            self.word(END_NODE);
            self
        }
        fn prop(&mut self, name: &str, value: &[u8]) -> &mut Self {
            let off = self.strings.len() as u32;
            self.strings.extend_from_slice(name.as_bytes());
            self.strings.push(0);
            self.word(PROP);
            self.word(value.len() as u32);
            self.word(off);
            self.structs.extend_from_slice(value);
            self.pad();
            self
        }
        fn finish(&mut self) -> Vec<u8> {
            self.word(END);
            let off_struct = 40 + 16; // header + an empty reserve map
            let off_strings = off_struct + self.structs.len();
            let total = off_strings + self.strings.len();
            let mut b = Vec::new();
            for w in [
                MAGIC,
                total as u32,
                off_struct as u32,
                off_strings as u32,
                40,
                17,
                16,
                0,
                self.strings.len() as u32,
                self.structs.len() as u32,
            ] {
                b.extend_from_slice(&w.to_be_bytes());
            }
            b.extend_from_slice(&[0; 16]);
            b.extend_from_slice(&self.structs);
            b.extend_from_slice(&self.strings);
            b
        }
    }

    fn qemu_like() -> Vec<u8> {
        Writer::new()
            .begin("")
            .prop("compatible", b"linux,dummy-virt\0")
            .begin("secure-chosen")
            .prop("stdout-path", b"/pl011@9040000\0")
            .prop("rng-seed", &[0xAA; 32])
            .prop("kaslr-seed", &[0xBB; 8])
            .end()
            .begin("chosen")
            .begin("inner")
            .prop("rng-seed", &[0xDD; 4])
            .end()
            .prop("rng-seed", &[0xCC; 32])
            .end()
            .begin("pl011@9040000")
            .prop("status", b"okay\0")
            .end()
            .end()
            .finish()
    }

    #[test]
    fn finds_properties_by_path() {
        let b = qemu_like();
        assert_eq!(total_size(&b), Some(b.len()));
        let r = find_property(&b, "/secure-chosen", "rng-seed").unwrap();
        assert_eq!(&b[r], &[0xAA; 32]);
        let r = find_property(&b, "/secure-chosen", "kaslr-seed").unwrap();
        assert_eq!(&b[r], &[0xBB; 8]);
        // The property of the node itself, not of a child with one alike.
        let r = find_property(&b, "/chosen", "rng-seed").unwrap();
        assert_eq!(&b[r], &[0xCC; 32]);
        let r = find_property(&b, "/chosen/inner", "rng-seed").unwrap();
        assert_eq!(&b[r], &[0xDD; 4]);
        // A unit address may be left out.
        let r = find_property(&b, "/pl011", "status").unwrap();
        assert_eq!(&b[r], b"okay\0");
        let r = find_property(&b, "/", "compatible").unwrap();
        assert_eq!(&b[r], b"linux,dummy-virt\0");
        // Absent nodes and properties.
        assert_eq!(find_property(&b, "/chosen", "kaslr-seed"), None);
        assert_eq!(find_property(&b, "/nope", "rng-seed"), None);
        assert_eq!(find_property(&b, "/secure", "rng-seed"), None);
        assert_eq!(find_property(&b, "/inner", "rng-seed"), None);
    }

    #[test]
    fn malformed_blobs_are_refused_not_followed() {
        let good = qemu_like();
        assert_eq!(total_size(&good[..4]), None);
        let mut bad = good.clone();
        bad[0] ^= 1;
        assert_eq!(find_property(&bad, "/chosen", "rng-seed"), None);
        // A total size beyond the buffer.
        let mut bad = good.clone();
        bad[4..8].copy_from_slice(&(good.len() as u32 + 1).to_be_bytes());
        assert_eq!(find_property(&bad, "/chosen", "rng-seed"), None);
        // Every truncation and every single-byte change: no panic, and a
        // found range always lies inside the blob.
        for n in 0..good.len() {
            let mut cut = good[..n].to_vec();
            if n >= 8 {
                cut[4..8].copy_from_slice(&(n as u32).to_be_bytes());
            }
            let _ = find_property(&cut, "/chosen", "rng-seed");
        }
        for i in 0..good.len() {
            for v in [0u8, 0x03, 0x7f, 0xff] {
                let mut b = good.clone();
                b[i] = v;
                if let Some(r) = find_property(&b, "/secure-chosen", "rng-seed") {
                    assert!(r.end <= b.len());
                }
            }
        }
        // A property length that runs past the structure block.
        let mut b = good.clone();
        let r = find_property(&good, "/secure-chosen", "rng-seed").unwrap();
        b[r.start - 8..r.start - 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(find_property(&b, "/secure-chosen", "rng-seed"), None);
    }

    #[test]
    fn boot_seeds_move_where_they_belong() {
        let mut live = qemu_like();
        // The normal world's tree, built from an older dump: stale seeds,
        // and a secure seed it should never have carried.
        let mut guest = Writer::new()
            .begin("")
            .begin("secure-chosen")
            .prop("rng-seed", &[0x11; 32])
            .end()
            .begin("chosen")
            .prop("bootargs", b"console=ttyAMA0\0")
            .prop("rng-seed", &[0x22; 32])
            .prop("kaslr-seed", &[0x33; 8])
            .end()
            .end()
            .finish();
        let got = take_seeds(&mut live, Some(&mut guest));
        let mut want = [0u8; 32];
        for (i, b) in [[0xAA; 32].as_slice(), &[0xBB; 8]]
            .concat()
            .iter()
            .enumerate()
        {
            want[i % 32] ^= b;
        }
        assert_eq!(got.secure, Some(want));
        // (The machine's /chosen has an rng-seed but no kaslr-seed.)
        assert_eq!(got.refreshed, 1);
        let at = |b: &[u8], p, n| b[find_property(b, p, n).unwrap()].to_vec();
        // Scrubbed where the normal world could read it.
        assert_eq!(at(&live, "/secure-chosen", "rng-seed"), [0; 32]);
        assert_eq!(at(&live, "/secure-chosen", "kaslr-seed"), [0; 8]);
        assert_eq!(at(&guest, "/secure-chosen", "rng-seed"), [0; 32]);
        // This boot's seed for the normal world; what has no fresh value
        // and everything else is left as it was.
        assert_eq!(at(&guest, "/chosen", "rng-seed"), [0xCC; 32]);
        assert_eq!(at(&guest, "/chosen", "kaslr-seed"), [0x33; 8]);
        assert_eq!(at(&guest, "/chosen", "bootargs"), b"console=ttyAMA0\0");
        assert_eq!(at(&live, "/chosen", "rng-seed"), [0xCC; 32]);
        // Taking again finds a zero seed (never the old one) and a machine
        // without secure seeds gives none.
        assert_eq!(take_seeds(&mut live, None).secure, Some([0; 32]));
        let mut bare = Writer::new().begin("").begin("chosen").end().end().finish();
        assert_eq!(
            take_seeds(&mut bare, None),
            BootSeeds {
                secure: None,
                refreshed: 0
            }
        );
    }
}
