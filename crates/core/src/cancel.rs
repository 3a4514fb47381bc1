//! Cancellation bookkeeping, the same on both platforms: which call a
//! cancellation names, and cancellations that arrive before their call
//! has started (GP lets a client cancel an operation that has not reached
//! the TA yet; it is then cancelled as soon as it starts). The Linux
//! daemon keys calls by a context's cancel id, the secure kernel by
//! (session, cancel id); what a "call" is (`C`) is the platform's.

use alloc::collections::BTreeMap;

/// Calls in progress and early cancellations, by key.
#[derive(Debug)]
pub struct Cancellations<K, C> {
    calls: BTreeMap<K, Entry<C>>,
    /// Early cancellations remembered at most.
    bound: usize,
}

#[derive(Debug)]
enum Entry<C> {
    /// Asked for before the call started.
    Requested,
    /// The call in progress.
    Running(C),
}

/// What a cancellation request found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found<'a, C> {
    /// The call in progress: cancel it.
    Running(&'a C),
    /// No call yet: remembered for when it starts.
    Remembered,
    /// No call yet, and a cancellation for it was already remembered.
    AlreadyRequested,
}

impl<K: Ord + Copy, C> Cancellations<K, C> {
    /// At most `bound` early cancellations are remembered (beyond it the
    /// remembered ones are forgotten: GP lets a cancellation be ignored).
    pub fn new(bound: usize) -> Self {
        Cancellations {
            calls: BTreeMap::new(),
            bound,
        }
    }

    /// The call `key` starts: true when its cancellation arrived first
    /// (the caller cancels it at once).
    pub fn start(&mut self, key: K, call: C) -> bool {
        matches!(
            self.calls.insert(key, Entry::Running(call)),
            Some(Entry::Requested)
        )
    }

    /// The call `key` ended (or completed without ever being registered:
    /// an early cancellation meant for it is dropped too).
    pub fn finish(&mut self, key: &K) {
        self.calls.remove(key);
    }

    /// The client cancels `key`.
    pub fn request(&mut self, key: K) -> Found<'_, C> {
        if !self.calls.contains_key(&key) {
            let early = self
                .calls
                .values()
                .filter(|e| matches!(e, Entry::Requested))
                .count();
            if early >= self.bound {
                self.calls.retain(|_, e| matches!(e, Entry::Running(_)));
            }
            if self.bound > 0 {
                self.calls.insert(key, Entry::Requested);
            }
            return Found::Remembered;
        }
        match self.calls.get(&key) {
            Some(Entry::Running(c)) => Found::Running(c),
            _ => Found::AlreadyRequested,
        }
    }

    /// Forget whatever `drop` selects (a closed session's keys).
    pub fn forget(&mut self, mut drop: impl FnMut(&K) -> bool) {
        self.calls.retain(|k, _| !drop(k));
    }

    /// Keys known (calls in progress and early cancellations).
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_reaches_its_running_call() {
        let mut c = Cancellations::new(4);
        assert!(!c.start(7u64, "call"));
        assert_eq!(c.request(7), Found::Running(&"call"));
        c.finish(&7);
        assert!(c.is_empty());
    }

    #[test]
    fn a_cancellation_that_overtakes_its_call_is_kept() {
        let mut c = Cancellations::new(4);
        assert_eq!(c.request(3u64), Found::Remembered);
        assert_eq!(c.request(3), Found::AlreadyRequested);
        assert!(c.start(3, "late call"), "cancelled as it starts");
        assert_eq!(c.request(3), Found::Running(&"late call"));
        c.finish(&3);
        // A later call with the same key starts clean.
        assert!(!c.start(3, "next"));
    }

    #[test]
    fn early_cancellations_are_bounded() {
        let mut c = Cancellations::new(2);
        assert!(!c.start(100u64, "running"));
        for k in 0..10 {
            assert_eq!(c.request(k), Found::Remembered);
            assert!(c.len() <= 3, "{k}: {}", c.len());
        }
        // Calls in progress are never forgotten for that.
        assert_eq!(c.request(100), Found::Running(&"running"));
        // A closed session's keys are forgotten on request.
        c.forget(|k| *k < 100);
        assert_eq!(c.len(), 1);
        let mut none: Cancellations<u64, ()> = Cancellations::new(0);
        assert_eq!(none.request(1), Found::Remembered);
        assert!(none.is_empty(), "a bound of 0 remembers nothing");
    }
}
