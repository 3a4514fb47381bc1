//! The rules of oxtee's partitioned mode (issue 15): the secure world
//! split into secure partitions, each its own process with its own
//! identity, and the core playing the SPMC (the secure partition manager
//! core of Arm's FF-A). This crate is the SPMC's decision logic, free of
//! any operating system, so that every rule is tested on its own:
//!
//! * [`manifest`]: partitions are declared in manifests (ID, UUIDs,
//!   memory, allowed peers), checked as a set before anything starts.
//! * [`Spmc::direct_req`] / [`Spmc::direct_resp`]: FF-A direct
//!   request/response between partitions. The sender's ID is the one the
//!   SPMC knows the sending channel by: a message naming another sender
//!   is refused; a request goes only to a declared peer, one at a time
//!   per receiver; a response goes only to the partition whose request is
//!   pending.
//! * [`Spmc::mem_send`], [`Spmc::mem_retrieve`], [`Spmc::mem_relinquish`],
//!   [`Spmc::mem_reclaim`]: memory share, lend and donate with the access
//!   FF-A gives them (a lender has no access while lent, a donor none
//!   ever again, a sharer keeps its own). Each decision says which
//!   partitions gain or lose access to which region ([`Access`]); the
//!   caller makes the operating system enforce it.
//! * [`Spmc::partition_died`]: what a dead partition held is unwound
//!   (its pending requests fail with ABORTED, its borrowed memory is
//!   relinquished) and it may start again under the same ID.
//!
//! Function IDs and error codes are FF-A's ([`ffa`]).

#![forbid(unsafe_code)]

pub mod manifest;

use manifest::Manifest;
use std::collections::BTreeMap;

/// FF-A's function IDs (SMC32 forms) and error codes.
pub mod ffa {
    pub const ERROR: u32 = 0x8400_0060;
    pub const SUCCESS: u32 = 0x8400_0061;
    pub const MSG_SEND_DIRECT_REQ: u32 = 0x8400_006F;
    pub const MSG_SEND_DIRECT_RESP: u32 = 0x8400_0070;
    pub const MEM_DONATE: u32 = 0x8400_0071;
    pub const MEM_LEND: u32 = 0x8400_0072;
    pub const MEM_SHARE: u32 = 0x8400_0073;
    pub const MEM_RETRIEVE_REQ: u32 = 0x8400_0074;
    pub const MEM_RELINQUISH: u32 = 0x8400_0076;
    pub const MEM_RECLAIM: u32 = 0x8400_0077;

    /// FF-A's error codes (the value in w2 of an FFA_ERROR).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
    #[repr(i32)]
    pub enum Error {
        #[error("FFA_NOT_SUPPORTED")]
        NotSupported = -1,
        #[error("FFA_INVALID_PARAMETERS")]
        InvalidParameters = -2,
        #[error("FFA_NO_MEMORY")]
        NoMemory = -3,
        #[error("FFA_BUSY")]
        Busy = -4,
        #[error("FFA_DENIED")]
        Denied = -6,
        #[error("FFA_ABORTED")]
        Aborted = -8,
    }
}

pub use ffa::Error;

/// A partition's ID (FF-A's 16-bit endpoint ID; secure partitions have
/// bit 15 set).
pub type Id = u16;

/// A direct message: FF-A's five argument registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Direct {
    /// Who the message says it is from.
    pub sender: Id,
    pub receiver: Id,
    pub args: [u64; 5],
}

/// A memory region as the operating system layer names it.
pub type Region = u64;

/// A memory transaction's handle.
pub type Handle = u64;

/// How memory is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The owner keeps its access; borrowers gain theirs.
    Share,
    /// The owner loses its access until it reclaims the region.
    Lend,
    /// Ownership goes to the one receiver, for good.
    Donate,
}

/// A change of access the operating system must enforce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Grant(Id, Region),
    Revoke(Id, Region),
}

#[derive(Debug)]
struct Partition {
    manifest: Manifest,
    alive: bool,
    /// The sender of the direct request it is handling.
    serving: Option<Id>,
}

#[derive(Debug)]
struct Transaction {
    owner: Id,
    region: Region,
    kind: Kind,
    /// Each receiver and whether it holds the region now.
    receivers: BTreeMap<Id, bool>,
}

/// The SPMC's state.
#[derive(Debug, Default)]
pub struct Spmc {
    partitions: BTreeMap<Id, Partition>,
    /// Each region's owner and whether the owner has access.
    regions: BTreeMap<Region, (Id, bool)>,
    transactions: BTreeMap<Handle, Transaction>,
    next_handle: Handle,
}

impl Spmc {
    /// An SPMC for `manifests` (checked as a set: see
    /// [`manifest::check_set`]).
    pub fn new(manifests: Vec<Manifest>) -> Result<Spmc, manifest::Error> {
        manifest::check_set(&manifests)?;
        Ok(Spmc {
            partitions: manifests
                .into_iter()
                .map(|m| {
                    (
                        m.id,
                        Partition {
                            manifest: m,
                            alive: false,
                            serving: None,
                        },
                    )
                })
                .collect(),
            ..Spmc::default()
        })
    }

    /// The manifest of partition `id`.
    pub fn manifest(&self, id: Id) -> Option<&Manifest> {
        self.partitions.get(&id).map(|p| &p.manifest)
    }

    /// The partition serving `uuid`.
    pub fn by_uuid(&self, uuid: &str) -> Option<Id> {
        self.partitions
            .values()
            .find(|p| {
                p.manifest
                    .uuids
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(uuid))
            })
            .map(|p| p.manifest.id)
    }

    /// Partition `id` (re)started.
    pub fn started(&mut self, id: Id) -> Result<(), Error> {
        let p = self
            .partitions
            .get_mut(&id)
            .ok_or(Error::InvalidParameters)?;
        p.alive = true;
        p.serving = None;
        Ok(())
    }

    /// A region partition `owner` starts out owning, with access.
    pub fn add_region(&mut self, owner: Id, region: Region) -> Result<(), Error> {
        if !self.partitions.contains_key(&owner) || self.regions.contains_key(&region) {
            return Err(Error::InvalidParameters);
        }
        self.regions.insert(region, (owner, true));
        Ok(())
    }

    /// Who owns `region`, and whether the owner has access now.
    pub fn region(&self, region: Region) -> Option<(Id, bool)> {
        self.regions.get(&region).copied()
    }

    fn alive(&self, id: Id) -> Result<&Partition, Error> {
        match self.partitions.get(&id) {
            Some(p) if p.alive => Ok(p),
            Some(_) => Err(Error::Aborted),
            None => Err(Error::InvalidParameters),
        }
    }

    /// FFA_MSG_SEND_DIRECT_REQ from the partition whose channel is
    /// `from`: where it goes.
    pub fn direct_req(&mut self, from: Id, m: &Direct) -> Result<Id, Error> {
        if m.sender != from {
            return Err(Error::InvalidParameters);
        }
        let sender = self.alive(from)?;
        if !sender.manifest.peers.contains(&m.receiver) {
            return Err(Error::Denied);
        }
        let receiver = self.alive(m.receiver)?;
        if receiver.serving.is_some() {
            return Err(Error::Busy);
        }
        // (A request to oneself would wait for itself.)
        if m.receiver == from {
            return Err(Error::InvalidParameters);
        }
        self.partitions
            .get_mut(&m.receiver)
            .expect("checked above")
            .serving = Some(from);
        Ok(m.receiver)
    }

    /// FFA_MSG_SEND_DIRECT_RESP from the partition whose channel is
    /// `from`: where it goes (the sender of the request it answers).
    pub fn direct_resp(&mut self, from: Id, m: &Direct) -> Result<Id, Error> {
        if m.sender != from {
            return Err(Error::InvalidParameters);
        }
        let p = self
            .partitions
            .get_mut(&from)
            .ok_or(Error::InvalidParameters)?;
        match p.serving {
            Some(to) if to == m.receiver => {
                p.serving = None;
                Ok(to)
            }
            _ => Err(Error::Denied),
        }
    }

    /// FFA_MEM_SHARE / LEND / DONATE of `region` by `from` to
    /// `receivers`: the transaction's handle and the access changes.
    pub fn mem_send(
        &mut self,
        from: Id,
        kind: Kind,
        region: Region,
        receivers: &[Id],
    ) -> Result<(Handle, Vec<Access>), Error> {
        let sender = self.alive(from)?;
        if receivers.is_empty()
            || (kind == Kind::Donate && receivers.len() != 1)
            || receivers.iter().enumerate().any(|(i, r)| {
                *r == from || receivers[..i].contains(r) || !self.partitions.contains_key(r)
            })
        {
            return Err(Error::InvalidParameters);
        }
        if receivers.iter().any(|r| !sender.manifest.peers.contains(r)) {
            return Err(Error::Denied);
        }
        // Only an owner with access sends, and a region is in one
        // transaction at a time.
        match self.regions.get(&region) {
            Some(&(owner, true)) if owner == from => {}
            _ => return Err(Error::Denied),
        }
        if self.transactions.values().any(|t| t.region == region) {
            return Err(Error::Denied);
        }
        self.next_handle += 1;
        let handle = self.next_handle;
        self.transactions.insert(
            handle,
            Transaction {
                owner: from,
                region,
                kind,
                receivers: receivers.iter().map(|r| (*r, false)).collect(),
            },
        );
        let mut changes = Vec::new();
        if kind != Kind::Share {
            self.regions.insert(region, (from, false));
            changes.push(Access::Revoke(from, region));
        }
        Ok((handle, changes))
    }

    /// FFA_MEM_RETRIEVE_REQ of `handle` by `from`.
    pub fn mem_retrieve(&mut self, from: Id, handle: Handle) -> Result<Vec<Access>, Error> {
        self.alive(from)?;
        let t = self
            .transactions
            .get_mut(&handle)
            .ok_or(Error::InvalidParameters)?;
        match t.receivers.get_mut(&from) {
            Some(held) if !*held => *held = true,
            Some(_) => return Err(Error::Denied),
            None => return Err(Error::Denied),
        }
        let region = t.region;
        if t.kind == Kind::Donate {
            // Ownership moves: the transaction is over.
            self.transactions.remove(&handle);
            self.regions.insert(region, (from, true));
        }
        Ok(vec![Access::Grant(from, region)])
    }

    /// FFA_MEM_RELINQUISH of `handle` by `from`.
    pub fn mem_relinquish(&mut self, from: Id, handle: Handle) -> Result<Vec<Access>, Error> {
        let t = self
            .transactions
            .get_mut(&handle)
            .ok_or(Error::InvalidParameters)?;
        match t.receivers.get_mut(&from) {
            Some(held) if *held => *held = false,
            _ => return Err(Error::Denied),
        }
        Ok(vec![Access::Revoke(from, t.region)])
    }

    /// FFA_MEM_RECLAIM of `handle` by `from`: once no receiver holds the
    /// region, its owner has it (and its access) back.
    pub fn mem_reclaim(&mut self, from: Id, handle: Handle) -> Result<Vec<Access>, Error> {
        let t = self
            .transactions
            .get(&handle)
            .ok_or(Error::InvalidParameters)?;
        if t.owner != from {
            return Err(Error::Denied);
        }
        if t.receivers.values().any(|held| *held) {
            return Err(Error::Denied);
        }
        let t = self.transactions.remove(&handle).expect("found above");
        self.regions.insert(t.region, (from, true));
        Ok(match t.kind {
            Kind::Share => Vec::new(),
            Kind::Lend | Kind::Donate => vec![Access::Grant(from, t.region)],
        })
    }

    /// Partition `id` died: the requests it served or waited on end
    /// (each pending sender is returned, to be answered ABORTED), what it
    /// borrowed is relinquished. Memory it owns stays its own, for when
    /// it starts again.
    pub fn partition_died(&mut self, id: Id) -> (Vec<Id>, Vec<Access>) {
        let Some(p) = self.partitions.get_mut(&id) else {
            return (Vec::new(), Vec::new());
        };
        p.alive = false;
        let mut aborted: Vec<Id> = p.serving.take().into_iter().collect();
        // Requests it was waiting for: the receivers' answers have nowhere
        // to go (a receiver still serving it answers into nothing).
        for other in self.partitions.values_mut() {
            if other.serving == Some(id) {
                other.serving = None;
            }
        }
        aborted.retain(|s| *s != id);
        let mut changes = Vec::new();
        for t in self.transactions.values_mut() {
            if let Some(held) = t.receivers.get_mut(&id) {
                if *held {
                    *held = false;
                    changes.push(Access::Revoke(id, t.region));
                }
            }
        }
        (aborted, changes)
    }
}

#[cfg(test)]
mod tests;
