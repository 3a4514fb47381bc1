//! The secure world's threads (OP-TEE's `CFG_NUM_THREADS`): at most
//! `secure_threads` client calls (open, invoke, close) run in the core at
//! once; a call beyond them waits its turn, as Linux's OP-TEE driver
//! holds a call the secure world answered with "no free thread" until one
//! returns. A call's nested work (TA-to-TA calls, storage, RPCs) runs on
//! its thread, as on OP-TEE, so waiting never holds a thread. 0: no
//! limit (and clients may call their TAs through direct channels, which
//! bypass the core and so could not be counted).

use crate::LockExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

/// The threads and who waits for one.
pub struct Threads {
    limit: usize,
    /// Busy threads (with no limit: calls in the core).
    busy: Mutex<usize>,
    unlimited_busy: AtomicUsize,
    waiting: AtomicUsize,
    free: Condvar,
}

/// A thread held by one call, given back on drop.
pub struct Thread<'a>(&'a Threads);

impl Threads {
    /// `limit` threads (0: no limit).
    pub fn new(limit: usize) -> Threads {
        Threads {
            limit,
            busy: Mutex::new(0),
            unlimited_busy: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            free: Condvar::new(),
        }
    }

    /// Whether calls are limited (direct channels are then off).
    pub fn limited(&self) -> bool {
        self.limit > 0
    }

    /// A thread for one call, waiting for one to be free.
    pub fn enter(&self) -> Thread<'_> {
        if self.limit == 0 {
            self.unlimited_busy.fetch_add(1, Ordering::Relaxed);
            return Thread(self);
        }
        let mut busy = self.busy.locked();
        if *busy >= self.limit {
            self.waiting.fetch_add(1, Ordering::Relaxed);
            while *busy >= self.limit {
                busy = self
                    .free
                    .wait(busy)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            self.waiting.fetch_sub(1, Ordering::Relaxed);
        }
        *busy += 1;
        Thread(self)
    }

    /// (limit, busy, waiting).
    pub fn usage(&self) -> (usize, usize, usize) {
        let busy = if self.limit == 0 {
            self.unlimited_busy.load(Ordering::Relaxed)
        } else {
            *self.busy.locked()
        };
        (self.limit, busy, self.waiting.load(Ordering::Relaxed))
    }
}

impl Drop for Thread<'_> {
    fn drop(&mut self) {
        let t = self.0;
        if t.limit == 0 {
            t.unlimited_busy.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        *t.busy.locked() -= 1;
        t.free.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[test]
    fn calls_beyond_the_threads_wait_their_turn_and_all_run() {
        let t = Arc::new(Threads::new(3));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let hs: Vec<_> = (0..12)
            .map(|_| {
                let (t, running, most) = (t.clone(), running.clone(), most.clone());
                std::thread::spawn(move || {
                    let _th = t.enter();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        // Three run, nine wait.
        let t0 = std::time::Instant::now();
        while t.usage() != (3, 3, 9) && t0.elapsed() < Duration::from_secs(5) {
            std::thread::yield_now();
        }
        assert!(most.load(Ordering::SeqCst) <= 3);
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "never more than the threads"
        );
        assert_eq!(t.usage(), (3, 0, 0));
    }

    #[test]
    fn no_limit_counts_without_waiting() {
        let t = Threads::new(0);
        let held: Vec<Thread<'_>> = (0..100).map(|_| t.enter()).collect();
        assert_eq!(t.usage(), (0, 100, 0));
        assert!(!t.limited());
        drop(held);
        assert_eq!(t.usage(), (0, 0, 0));
    }
}
