//! The instance table: GlobalPlatform's rules for where a new session
//! goes and when an instance ends (`gpd.ta.singleInstance`,
//! `gpd.ta.multiSession`, `gpd.ta.instanceKeepAlive`), as data without an
//! operating system. Both platforms drive the same table: the Linux
//! daemon keeps it behind one lock with its TA processes as handles; the
//! secure kernel of the TrustZone tier keeps it with its pseudo-TAs (and,
//! in part 2, its user TAs) as handles.
//!
//! Starting an instance is slow (a process, TA_CreateEntryPoint) and
//! must not hold the table: [`Instances::reserve`] either reserves a
//! session slot on an instance to join or says to start one; the caller
//! starts it and [`Instances::install`]s it, which settles a race with
//! another session of the same single-instance TA that started one
//! meanwhile. [`Instances::release`] ends a session and says when the
//! instance is to be destroyed.

use alloc::collections::BTreeMap;

use crate::Uuid;
use crate::codes::TeeError;
use crate::policy::{self, Placement};

/// The instance table, with the platform's handle `H` for each instance.
#[derive(Debug)]
pub struct Instances<H> {
    live: BTreeMap<u64, Entry<H>>,
    /// The single instance of a TA, by UUID (a dead one is forgotten).
    singles: BTreeMap<Uuid, u64>,
}

#[derive(Debug)]
struct Entry<H> {
    uuid: Uuid,
    flags: u32,
    sessions: usize,
    handle: H,
}

/// Where a new session goes.
#[derive(Debug, PartialEq, Eq)]
pub enum Slot<H> {
    /// A session slot is reserved on this instance (id, handle).
    Existing(u64, H),
    /// Nothing to join: start an instance, then [`Instances::install`] it.
    Start,
}

/// What became of a freshly started instance.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed<H> {
    /// It holds the new session's slot.
    Fresh,
    /// Another session of the same single-instance TA started one first:
    /// the slot is on that one (id, handle); destroy the fresh one.
    Joined(u64, H),
    /// As `Joined`, but the instance that won takes no more sessions: the
    /// open fails with this error; destroy the fresh one.
    Refused(TeeError),
}

/// What ending a session means for its instance.
#[derive(Debug, PartialEq, Eq)]
pub enum Released<H> {
    /// It lives on (sessions left, or kept alive).
    Kept,
    /// Its last session ended and it is not kept alive, or it died: it
    /// left the table; destroy (or reap) it.
    Destroy(H),
    /// Not in the table (already released).
    Unknown,
}

impl<H> Default for Instances<H> {
    fn default() -> Self {
        Instances {
            live: BTreeMap::new(),
            singles: BTreeMap::new(),
        }
    }
}

impl<H: Clone> Instances<H> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserve a slot for a new session of the TA `uuid` with instance
    /// `flags` (`TA_FLAG_*`). `alive` tells whether an instance still
    /// runs: a dead single instance is forgotten, never joined.
    pub fn reserve(
        &mut self,
        uuid: Uuid,
        flags: u32,
        alive: impl Fn(&H) -> bool,
    ) -> Result<Slot<H>, TeeError> {
        match self.join(uuid, flags, &alive)? {
            Some((id, h)) => Ok(Slot::Existing(id, h)),
            None => Ok(Slot::Start),
        }
    }

    /// Reserve a slot on the running single instance of `uuid`, judged by
    /// the flags it was installed with: for a platform that learns a TA's
    /// flags only by loading it (the secure kernel). None: no single
    /// instance runs; load the TA, then [`Instances::install`] it.
    pub fn reserve_running(
        &mut self,
        uuid: Uuid,
        alive: impl Fn(&H) -> bool,
    ) -> Result<Option<(u64, H)>, TeeError> {
        let running = self.singles.get(&uuid).and_then(|id| self.live.get(id));
        match running {
            Some(e) => {
                let flags = e.flags;
                self.join(uuid, flags, &alive)
            }
            None => Ok(None),
        }
    }

    /// Enter the instance `id` (the platform's unique number for it),
    /// freshly started for a new session of `uuid` (after
    /// [`Slot::Start`]). A number already in the table is refused as a
    /// BAD_STATE error (the platform numbered two instances alike).
    pub fn install(
        &mut self,
        id: u64,
        uuid: Uuid,
        flags: u32,
        handle: H,
        alive: impl Fn(&H) -> bool,
    ) -> Installed<H> {
        if self.live.contains_key(&id) {
            return Installed::Refused(TeeError::tee(crate::codes::TEE_ERROR_BAD_STATE));
        }
        match self.join(uuid, flags, &alive) {
            Ok(Some((other, h))) => return Installed::Joined(other, h),
            Ok(None) => {}
            Err(e) => return Installed::Refused(e),
        }
        if flags & crate::codes::TA_FLAG_SINGLE_INSTANCE != 0 {
            self.singles.insert(uuid, id);
        }
        self.live.insert(
            id,
            Entry {
                uuid,
                flags,
                sessions: 1,
                handle,
            },
        );
        Installed::Fresh
    }

    /// The TA's live single instance to join, its slot reserved, if the
    /// rules place the session there.
    fn join(
        &mut self,
        uuid: Uuid,
        flags: u32,
        alive: &impl Fn(&H) -> bool,
    ) -> Result<Option<(u64, H)>, TeeError> {
        let existing = self.singles.get(&uuid).copied();
        let entry = existing.and_then(|id| self.live.get(&id).map(|e| (id, e)));
        let entry = match entry {
            Some((id, e)) if alive(&e.handle) => Some((id, e.sessions)),
            Some(_) | None => {
                // Dead, or gone: it takes no session any more.
                self.singles.remove(&uuid);
                None
            }
        };
        match policy::place(flags, entry.map(|(_, n)| n))? {
            Placement::NewInstance => Ok(None),
            Placement::Existing => {
                let Some((id, _)) = entry else {
                    return Ok(None);
                };
                let e = self
                    .live
                    .get_mut(&id)
                    .ok_or(TeeError::tee(crate::codes::TEE_ERROR_BAD_STATE))?;
                e.sessions += 1;
                Ok(Some((id, e.handle.clone())))
            }
        }
    }

    /// A session of instance `id` ended (closed, or failed to open).
    /// `dead`: the instance no longer runs.
    pub fn release(&mut self, id: u64, dead: bool) -> Released<H> {
        let Some(e) = self.live.get_mut(&id) else {
            return Released::Unknown;
        };
        e.sessions = e.sessions.saturating_sub(1);
        if dead {
            self.forget_single(id);
        }
        let Some(e) = self.live.get(&id) else {
            return Released::Unknown;
        };
        if e.sessions == 0 && (dead || policy::destroy_when_idle(e.flags)) {
            self.forget_single(id);
            return match self.live.remove(&id) {
                Some(e) => Released::Destroy(e.handle),
                None => Released::Unknown,
            };
        }
        Released::Kept
    }

    /// Instance `id` died: no new session joins it (its sessions still
    /// end through [`Instances::release`]).
    pub fn died(&mut self, id: u64) {
        self.forget_single(id);
    }

    fn forget_single(&mut self, id: u64) {
        if let Some(e) = self.live.get(&id) {
            if self.singles.get(&e.uuid) == Some(&id) {
                self.singles.remove(&e.uuid);
            }
        }
    }

    /// Sessions of instance `id`.
    pub fn sessions(&self, id: u64) -> Option<usize> {
        self.live.get(&id).map(|e| e.sessions)
    }

    /// Instances in the table.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::*;

    const A: Uuid = Uuid([1; 16]);
    const B: Uuid = Uuid([2; 16]);
    const SINGLE: u32 = TA_FLAG_SINGLE_INSTANCE;
    const MULTI: u32 = TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION;
    const KEEP: u32 = MULTI | TA_FLAG_INSTANCE_KEEP_ALIVE;

    fn alive(_: &&str) -> bool {
        true
    }

    #[test]
    fn multi_instance_tas_get_an_instance_per_session() {
        let mut t = Instances::new();
        assert_eq!(t.reserve(A, 0, alive), Ok(Slot::Start));
        assert_eq!(t.install(1, A, 0, "a1", alive), Installed::Fresh);
        assert_eq!(t.reserve(A, 0, alive), Ok(Slot::Start));
        assert_eq!(t.install(2, A, 0, "a2", alive), Installed::Fresh);
        assert_eq!(t.len(), 2);
        assert_eq!(t.release(1, false), Released::Destroy("a1"));
        assert_eq!(t.release(1, false), Released::Unknown);
        assert_eq!(t.sessions(2), Some(1));
    }

    #[test]
    fn single_instance_rules() {
        let mut t = Instances::new();
        // Single-session: a second session is BUSY while the first lives.
        assert_eq!(t.reserve(A, SINGLE, alive), Ok(Slot::Start));
        assert_eq!(t.install(1, A, SINGLE, "a", alive), Installed::Fresh);
        assert_eq!(
            t.reserve(A, SINGLE, alive),
            Err(TeeError::tee(TEE_ERROR_BUSY))
        );
        // Multi-session: sessions join the one instance.
        assert_eq!(t.reserve(B, MULTI, alive), Ok(Slot::Start));
        assert_eq!(t.install(2, B, MULTI, "b", alive), Installed::Fresh);
        assert_eq!(t.reserve(B, MULTI, alive), Ok(Slot::Existing(2, "b")));
        assert_eq!(t.sessions(2), Some(2));
        assert_eq!(t.release(2, false), Released::Kept);
        // Without keep-alive the last close destroys it; the next session
        // starts a new one.
        assert_eq!(t.release(2, false), Released::Destroy("b"));
        assert_eq!(t.reserve(B, MULTI, alive), Ok(Slot::Start));
    }

    #[test]
    fn keep_alive_instances_outlive_their_sessions() {
        let mut t = Instances::new();
        assert_eq!(t.reserve(A, KEEP, alive), Ok(Slot::Start));
        assert_eq!(t.install(7, A, KEEP, "a", alive), Installed::Fresh);
        assert_eq!(t.release(7, false), Released::Kept);
        assert_eq!(t.sessions(7), Some(0));
        assert_eq!(t.reserve(A, KEEP, alive), Ok(Slot::Existing(7, "a")));
        // A kept instance that dies is destroyed with its last session,
        // and never joined again.
        t.died(7);
        assert_eq!(t.reserve(A, KEEP, alive), Ok(Slot::Start));
        assert_eq!(t.release(7, true), Released::Destroy("a"));
    }

    #[test]
    fn a_dead_single_instance_is_not_joined() {
        let mut t = Instances::new();
        assert_eq!(t.reserve(A, MULTI, alive), Ok(Slot::Start));
        assert_eq!(t.install(1, A, MULTI, "old", alive), Installed::Fresh);
        let dead = |h: &&str| *h != "old";
        assert_eq!(t.reserve(A, MULTI, dead), Ok(Slot::Start));
        assert_eq!(t.install(2, A, MULTI, "new", dead), Installed::Fresh);
        assert_eq!(t.reserve(A, MULTI, dead), Ok(Slot::Existing(2, "new")));
        // The old one's session still ends normally.
        assert_eq!(t.release(1, true), Released::Destroy("old"));
        assert_eq!(t.sessions(2), Some(2));
    }

    #[test]
    fn racing_starts_of_a_single_instance_ta() {
        let mut t = Instances::new();
        // Two opens both told to start an instance.
        assert_eq!(t.reserve(A, MULTI, alive), Ok(Slot::Start));
        assert_eq!(t.reserve(A, MULTI, alive), Ok(Slot::Start));
        assert_eq!(t.install(1, A, MULTI, "first", alive), Installed::Fresh);
        // The second joins the first; its own is to be destroyed.
        assert_eq!(
            t.install(2, A, MULTI, "second", alive),
            Installed::Joined(1, "first")
        );
        assert_eq!(t.sessions(1), Some(2));
        assert_eq!(t.len(), 1);
        // Single-session: the loser's open is BUSY.
        assert_eq!(t.reserve(B, SINGLE, alive), Ok(Slot::Start));
        assert_eq!(t.reserve(B, SINGLE, alive), Ok(Slot::Start));
        assert_eq!(t.install(3, B, SINGLE, "b1", alive), Installed::Fresh);
        assert_eq!(
            t.install(4, B, SINGLE, "b2", alive),
            Installed::Refused(TeeError::tee(TEE_ERROR_BUSY))
        );
        // A number used twice is refused, the table unchanged.
        assert_eq!(
            t.install(3, B, 0, "again", alive),
            Installed::Refused(TeeError::tee(TEE_ERROR_BAD_STATE))
        );
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_running_single_instance_is_judged_by_its_own_flags() {
        let uuid = Uuid([7; 16]);
        let mut t: Instances<u32> = Instances::new();
        let alive = |_: &u32| true;
        assert_eq!(t.reserve_running(uuid, alive), Ok(None));
        let multi = TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION;
        assert_eq!(t.install(1, uuid, multi, 10, alive), Installed::Fresh);
        assert_eq!(t.reserve_running(uuid, alive), Ok(Some((1, 10))));
        assert_eq!(t.sessions(1), Some(2));
        // Single-session: busy while its session is open.
        let other = Uuid([8; 16]);
        assert_eq!(
            t.install(2, other, TA_FLAG_SINGLE_INSTANCE, 20, alive),
            Installed::Fresh
        );
        assert!(t.reserve_running(other, alive).is_err());
        // A dead one is not joined.
        assert_eq!(t.reserve_running(uuid, |_: &u32| false), Ok(None));
    }
}
