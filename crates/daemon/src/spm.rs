//! Partitioned mode's operating-system side (see `oxtee_spmc` for the
//! rules): the SPMC's access decisions over memory enforced by the
//! kernel, so that a partition that lost access to a region cannot read
//! or write its bytes whatever it does.
//!
//! A region's bytes live in one memfd, the *live* one, which every
//! partition holding the region maps (the same pages: a share is live).
//! Granting access hands a partition a descriptor of the live memfd.
//! Revoking it moves the bytes: a new live memfd gets a copy, the old one
//! is truncated to nothing, and the holders that keep access receive the
//! new one. Every mapping and descriptor of the old memfd now ends at
//! byte 0: reading through a mapping faults, reading through the
//! descriptor returns nothing, and growing it back (nobody can seal it
//! against that: it is sealed against new seals from birth, so no holder
//! could have sealed it against shrinking either) yields zeros, never
//! the region. A lender thus loses access while lent, a donor for good,
//! a borrower when it relinquishes.

use oxtee_spmc::{Access, Id, Region};
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;

/// A live region.
struct Live {
    size: u64,
    fd: OwnedFd,
    holders: BTreeSet<Id>,
}

/// The regions and who holds each.
#[derive(Default)]
pub struct Regions {
    live: HashMap<Region, Live>,
}

/// A descriptor a partition must map (anew) for `region`: it was granted
/// access, or the region moved while it kept access.
pub struct Delivery {
    pub to: Id,
    pub region: Region,
    pub fd: OwnedFd,
}

fn fresh(size: u64) -> io::Result<OwnedFd> {
    let fd = oxtee_sys::memfd("oxtee-region", size, false)?;
    oxtee_sys::seal_seals(fd.as_fd())?;
    Ok(fd)
}

fn copy(from: &OwnedFd, to: &OwnedFd, size: u64) -> io::Result<()> {
    let (src, dst) = (
        std::fs::File::from(from.try_clone()?),
        std::fs::File::from(to.try_clone()?),
    );
    let mut buf = vec![0u8; (1 << 20).min(size as usize)];
    let mut at = 0u64;
    while at < size {
        let n = buf.len().min((size - at) as usize);
        // A holder may have truncated the region: what is gone reads as
        // zeros (the new memfd is zeros already, and stays sparse where
        // the region was never written).
        let got = src.read_at(&mut buf[..n], at)?;
        if got == 0 {
            break;
        }
        if buf[..got].iter().any(|&b| b != 0) {
            dst.write_all_at(&buf[..got], at)?;
        }
        at += got as u64;
    }
    Ok(())
}

impl Regions {
    /// A new region of `size` bytes held by `owner`: its number (`id`,
    /// as the SPMC knows it) and the owner's descriptor.
    pub fn create(&mut self, id: Region, owner: Id, size: u64) -> io::Result<OwnedFd> {
        if self.live.contains_key(&id) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "region exists",
            ));
        }
        let fd = fresh(size)?;
        let mine = fd.try_clone()?;
        self.live.insert(
            id,
            Live {
                size,
                fd,
                holders: BTreeSet::from([owner]),
            },
        );
        Ok(mine)
    }

    /// Who holds `region` now.
    pub fn holders(&self, region: Region) -> Vec<Id> {
        self.live
            .get(&region)
            .map_or(Vec::new(), |l| l.holders.iter().copied().collect())
    }

    /// Enforce the SPMC's `changes`: the descriptors to hand out.
    pub fn apply(&mut self, changes: &[Access]) -> io::Result<Vec<Delivery>> {
        let mut out = Vec::new();
        for c in changes {
            match *c {
                Access::Grant(to, region) => {
                    let l = self.live.get_mut(&region).ok_or_else(unknown)?;
                    l.holders.insert(to);
                    out.retain(|d: &Delivery| !(d.to == to && d.region == region));
                    out.push(Delivery {
                        to,
                        region,
                        fd: l.fd.try_clone()?,
                    });
                }
                Access::Revoke(from, region) => {
                    let l = self.live.get_mut(&region).ok_or_else(unknown)?;
                    l.holders.remove(&from);
                    out.retain(|d: &Delivery| d.region != region);
                    let moved = fresh(l.size)?;
                    copy(&l.fd, &moved, l.size)?;
                    let old = std::mem::replace(&mut l.fd, moved);
                    nix::unistd::ftruncate(&old, 0).map_err(io::Error::from)?;
                    for &to in &l.holders {
                        out.push(Delivery {
                            to,
                            region,
                            fd: l.fd.try_clone()?,
                        });
                    }
                }
            }
        }
        Ok(out)
    }
}

fn unknown() -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, "no such region")
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxtee_spmc::{Kind, Spmc, manifest::Manifest};

    const HOST: Id = 0x8001;
    const STORAGE: Id = 0x8002;

    fn spmc() -> Spmc {
        let m = |id, name: &str, peers: &[Id]| Manifest {
            id,
            name: name.into(),
            uuids: Vec::new(),
            memory: 1 << 20,
            peers: peers.to_vec(),
        };
        let mut s = Spmc::new(vec![
            m(HOST, "host", &[STORAGE]),
            m(STORAGE, "storage", &[HOST]),
        ])
        .unwrap();
        s.started(HOST).unwrap();
        s.started(STORAGE).unwrap();
        s
    }

    fn file(fd: &OwnedFd) -> std::fs::File {
        std::fs::File::from(fd.try_clone().unwrap())
    }

    fn read(fd: &OwnedFd, n: usize) -> Vec<u8> {
        let mut b = vec![0u8; n];
        let got = file(fd).read_at(&mut b, 0).unwrap();
        b.truncate(got);
        b
    }

    fn write(fd: &OwnedFd, data: &[u8]) {
        file(fd).write_all_at(data, 0).unwrap();
    }

    /// What a partition that lost access can still get at through its
    /// descriptor: nothing, even after growing the file back.
    fn lost(fd: &OwnedFd) {
        assert_eq!(file(fd).metadata().unwrap().len(), 0);
        assert!(read(fd, 5).is_empty());
        nix::unistd::ftruncate(fd, 8192).unwrap();
        assert_eq!(read(fd, 5), vec![0; 5], "regrown: zeros, not the region");
    }

    fn only(d: Vec<Delivery>, to: Id) -> OwnedFd {
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].to, to);
        d.into_iter().next().unwrap().fd
    }

    #[test]
    fn a_lender_cannot_touch_the_region_while_lent_and_has_it_back_after() {
        let (mut s, mut r) = (spmc(), Regions::default());
        s.add_region(HOST, 1).unwrap();
        let host = r.create(1, HOST, 8192).unwrap();
        write(&host, b"hello");
        let (h, ch) = s.mem_send(HOST, Kind::Lend, 1, &[STORAGE]).unwrap();
        assert!(r.apply(&ch).unwrap().is_empty(), "nobody holds it now");
        lost(&host);
        let storage = only(
            r.apply(&s.mem_retrieve(STORAGE, h).unwrap()).unwrap(),
            STORAGE,
        );
        assert_eq!(read(&storage, 5), b"hello", "the bytes moved with it");
        write(&storage, b"world");
        let ch = s.mem_relinquish(STORAGE, h).unwrap();
        assert!(r.apply(&ch).unwrap().is_empty());
        lost(&storage);
        let host = only(r.apply(&s.mem_reclaim(HOST, h).unwrap()).unwrap(), HOST);
        assert_eq!(read(&host, 5), b"world");
        assert_eq!(r.holders(1), vec![HOST]);
    }

    #[test]
    fn a_share_is_live_for_both_and_a_donor_loses_the_region_for_good() {
        let (mut s, mut r) = (spmc(), Regions::default());
        s.add_region(HOST, 1).unwrap();
        let host = r.create(1, HOST, 4096).unwrap();
        let (h, ch) = s.mem_send(HOST, Kind::Share, 1, &[STORAGE]).unwrap();
        assert!(r.apply(&ch).unwrap().is_empty());
        let storage = only(
            r.apply(&s.mem_retrieve(STORAGE, h).unwrap()).unwrap(),
            STORAGE,
        );
        write(&storage, b"both!");
        assert_eq!(read(&host, 5), b"both!", "the same pages");
        // The borrower relinquishes: the region moves, the owner follows.
        let d = r.apply(&s.mem_relinquish(STORAGE, h).unwrap()).unwrap();
        let host = only(d, HOST);
        lost(&storage);
        assert_eq!(read(&host, 5), b"both!");
        assert!(
            r.apply(&s.mem_reclaim(HOST, h).unwrap())
                .unwrap()
                .is_empty()
        );

        let (h, ch) = s.mem_send(HOST, Kind::Donate, 1, &[STORAGE]).unwrap();
        r.apply(&ch).unwrap();
        let storage = only(
            r.apply(&s.mem_retrieve(STORAGE, h).unwrap()).unwrap(),
            STORAGE,
        );
        lost(&host);
        assert_eq!(read(&storage, 5), b"both!");
        assert_eq!(r.holders(1), vec![STORAGE]);
        assert!(s.mem_reclaim(HOST, h).is_err(), "no way back");
    }

    #[test]
    fn a_holder_cannot_pin_a_region_with_seals_of_its_own() {
        let mut r = Regions::default();
        let fd = r.create(1, HOST, 4096).unwrap();
        let pin = nix::fcntl::fcntl(
            std::os::fd::AsRawFd::as_raw_fd(&fd),
            nix::fcntl::FcntlArg::F_ADD_SEALS(nix::fcntl::SealFlag::F_SEAL_SHRINK),
        );
        assert!(pin.is_err(), "sealed against new seals");
        r.apply(&[Access::Revoke(HOST, 1)]).unwrap();
        lost(&fd);
        assert!(
            r.apply(&[Access::Grant(HOST, 9)]).is_err(),
            "unknown region"
        );
    }
}
