//! The session table: who may use which session. Both platforms keep
//! their sessions in it: the Linux daemon with its client contexts and
//! calling TA instances as owners, the secure kernel of the TrustZone
//! tier with the normal world (and, in part 2, its TA instances) as
//! owners.
//!
//! A session belongs to the owner that opened it: another owner naming
//! its number finds nothing (a client cannot reach another client's
//! session, a TA another TA's). Numbers are never 0 and never those of a
//! live session (nor of a reservation); they are handed out in order, so
//! a closed session's number comes back only after 2^32 others.
//!
//! Opening a session is slow (the TA's open entry point runs) and must
//! not hold the table: [`Sessions::reserve`] takes a number and counts
//! against the owner's bound; the caller opens the session and
//! [`Sessions::fill`]s the reservation, or [`Sessions::cancel`]s it.
//! When the owner goes away meanwhile ([`Sessions::take_all`]), the
//! reservation goes with it and `fill` hands the session back: the caller
//! must close it, nothing is left behind.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// The session table, with the platform's session `S` and owner `O`.
#[derive(Debug)]
pub struct Sessions<O, S> {
    entries: BTreeMap<u32, (O, Option<S>)>,
    per_owner: BTreeMap<O, usize>,
    next: u32,
    max_total: usize,
    max_per_owner: usize,
}

/// Why a reservation was refused (GP: TEE_ERROR_BUSY either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The owner holds its maximum of sessions.
    Owner,
    /// The table holds its maximum.
    Table,
}

impl<O: Ord + Copy, S> Sessions<O, S> {
    /// A table of at most `max_total` sessions (and reservations), at most
    /// `max_per_owner` of them for one owner.
    pub fn new(max_total: usize, max_per_owner: usize) -> Self {
        Sessions {
            entries: BTreeMap::new(),
            per_owner: BTreeMap::new(),
            next: 1,
            max_total,
            max_per_owner,
        }
    }

    /// Reserve a number for a session `owner` is opening.
    pub fn reserve(&mut self, owner: O) -> Result<u32, Full> {
        if self.entries.len() >= self.max_total {
            return Err(Full::Table);
        }
        let held = self.per_owner.get(&owner).copied().unwrap_or(0);
        if held >= self.max_per_owner {
            return Err(Full::Owner);
        }
        // At most `max_total` (< 2^32) numbers are live: one is free.
        let id = loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1).max(1);
            if !self.entries.contains_key(&id) {
                break id;
            }
        };
        self.entries.insert(id, (owner, None));
        self.per_owner.insert(owner, held + 1);
        Ok(id)
    }

    /// The session reserved as `id` by `owner` opened: from now on `owner`
    /// finds it. If the reservation is gone (the owner's sessions were
    /// taken meanwhile) or not `owner`'s, the session comes back: close it.
    pub fn fill(&mut self, owner: O, id: u32, session: S) -> Result<(), S> {
        match self.entries.get_mut(&id) {
            Some((o, slot @ None)) if *o == owner => {
                *slot = Some(session);
                Ok(())
            }
            _ => Err(session),
        }
    }

    /// The session reserved as `id` by `owner` did not open: release the
    /// number. (An open session is not touched: see [`Sessions::remove`].)
    pub fn cancel(&mut self, owner: O, id: u32) {
        if matches!(self.entries.get(&id), Some((o, None)) if *o == owner) {
            self.entries.remove(&id);
            self.uncount(owner);
        }
    }

    /// `owner`'s open session `id`.
    pub fn get(&self, owner: O, id: u32) -> Option<&S> {
        match self.entries.get(&id) {
            Some((o, Some(s))) if *o == owner => Some(s),
            _ => None,
        }
    }

    /// Whether `owner` has the open session `id`.
    pub fn contains(&self, owner: O, id: u32) -> bool {
        self.get(owner, id).is_some()
    }

    /// Take `owner`'s open session `id` out of the table (to close it).
    pub fn remove(&mut self, owner: O, id: u32) -> Option<S> {
        if !self.contains(owner, id) {
            return None;
        }
        let (_, s) = self.entries.remove(&id)?;
        self.uncount(owner);
        s
    }

    /// The owner goes away: its open sessions leave the table (close each)
    /// and its reservations lapse (their [`Sessions::fill`] hands the
    /// session back).
    pub fn take_all(&mut self, owner: O) -> Vec<(u32, S)> {
        let ids: Vec<u32> = self
            .entries
            .iter()
            .filter(|(_, (o, _))| *o == owner)
            .map(|(&id, _)| id)
            .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some((_, Some(s))) = self.entries.remove(&id) {
                out.push((id, s));
            }
        }
        self.per_owner.remove(&owner);
        out
    }

    /// `owner`'s open sessions.
    pub fn owned(&self, owner: O) -> impl Iterator<Item = (u32, &S)> {
        self.entries
            .iter()
            .filter_map(move |(&id, (o, s))| match s {
                Some(s) if *o == owner => Some((id, s)),
                _ => None,
            })
    }

    /// Sessions and reservations `owner` holds.
    pub fn count(&self, owner: O) -> usize {
        self.per_owner.get(&owner).copied().unwrap_or(0)
    }

    /// Sessions and reservations in the table.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn uncount(&mut self, owner: O) {
        if let Some(n) = self.per_owner.get_mut(&owner) {
            *n -= 1;
            if *n == 0 {
                self.per_owner.remove(&owner);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn sessions_belong_to_their_owner() {
        let mut t: Sessions<u8, &str> = Sessions::new(10, 10);
        let a = t.reserve(1).unwrap();
        t.fill(1, a, "a").unwrap();
        let b = t.reserve(2).unwrap();
        t.fill(2, b, "b").unwrap();
        assert_ne!(a, b);
        assert_eq!(t.get(1, a), Some(&"a"));
        // Another owner naming the number finds nothing and removes nothing.
        assert_eq!(t.get(2, a), None);
        assert_eq!(t.remove(2, a), None);
        assert_eq!(t.get(1, a), Some(&"a"));
        // Nor may it fill or cancel another's reservation.
        let c = t.reserve(1).unwrap();
        assert_eq!(t.fill(2, c, "x"), Err("x"));
        t.cancel(2, c);
        assert_eq!(t.count(1), 2);
        assert_eq!(t.fill(1, c, "c"), Ok(()));
        assert_eq!(t.owned(1).map(|(_, s)| *s).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(t.remove(1, a), Some("a"));
        assert_eq!(t.remove(1, a), None);
        assert_eq!(t.count(1), 1);
        // A reservation is not a session: nothing finds it.
        let r = t.reserve(2).unwrap();
        assert_eq!(t.get(2, r), None);
        assert_eq!(t.remove(2, r), None);
        assert_eq!(t.count(2), 2);
        t.cancel(2, r);
        assert_eq!(t.count(2), 1);
        // Cancel does not touch an open session.
        t.cancel(2, b);
        assert_eq!(t.get(2, b), Some(&"b"));
    }

    #[test]
    fn bounds_count_reservations() {
        let mut t: Sessions<u8, u32> = Sessions::new(3, 2);
        let a = t.reserve(1).unwrap();
        let _b = t.reserve(1).unwrap();
        assert_eq!(t.reserve(1), Err(Full::Owner));
        let _c = t.reserve(2).unwrap();
        assert_eq!(t.reserve(3), Err(Full::Table));
        t.cancel(1, a);
        assert!(t.reserve(1).is_ok());
        assert_eq!(t.len(), 3);
        assert_eq!(t.reserve(2), Err(Full::Table));
    }

    #[test]
    fn an_owner_going_away_leaves_nothing_behind() {
        let mut t: Sessions<u8, u32> = Sessions::new(10, 10);
        let a = t.reserve(1).unwrap();
        t.fill(1, a, 100).unwrap();
        let opening = t.reserve(1).unwrap();
        let other = t.reserve(2).unwrap();
        t.fill(2, other, 200).unwrap();
        assert_eq!(t.take_all(1), vec![(a, 100)]);
        assert_eq!(t.count(1), 0);
        assert_eq!(t.len(), 1);
        // The open that was under way: its session comes back to be closed.
        assert_eq!(t.fill(1, opening, 101), Err(101));
        assert_eq!(t.get(1, opening), None);
        assert_eq!(t.get(2, other), Some(&200));
        assert!(t.take_all(1).is_empty());
    }

    #[test]
    fn numbers_skip_zero_and_live_sessions() {
        let mut t: Sessions<u8, ()> = Sessions::new(10, 10);
        let first = t.reserve(1).unwrap();
        t.fill(1, first, ()).unwrap();
        assert_eq!(first, 1);
        // Around the 32-bit wrap: never 0, never the live 1.
        t.next = u32::MAX;
        assert_eq!(t.reserve(1), Ok(u32::MAX));
        assert_eq!(t.reserve(1), Ok(2));
        // Closed numbers come back only when the counter reaches them.
        t.remove(1, first);
        assert_eq!(t.reserve(1), Ok(3));
    }
}
