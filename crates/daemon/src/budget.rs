//! The secure world's memory budget: the size firmware gives secure RAM
//! (the TZASC regions) on a TrustZone system, here a number in the
//! configuration (`secure_memory`). Every TA instance is charged for its
//! code (the verified ELF it maps), its heap (`TA_DATA_SIZE`) and its
//! stack (`TA_STACK_SIZE`) before its process starts; an instance that
//! would not fit is refused (`TEE_ERROR_OUT_OF_MEMORY`), nothing else is
//! disturbed. The secure buffers it maps later (its call buffer and its
//! bounce buffer, memory of the core's) grow its charge when they grow;
//! shared memory and staging buffers are the client's (normal-world)
//! memory and are not charged. The charge is given back when the
//! instance's process ends.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug)]
struct State {
    size: u64,
    used: u64,
}

/// The budget: its size and what is charged against it.
#[derive(Debug)]
pub struct Budget(Mutex<State>);

/// Bytes charged to a budget, given back on drop.
#[derive(Debug)]
pub struct Charge {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Budget {
    pub fn new(size: u64) -> Arc<Budget> {
        Arc::new(Budget(Mutex::new(State { size, used: 0 })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charge `bytes`, if they fit.
    pub fn charge(self: &Arc<Self>, bytes: u64) -> Option<Charge> {
        let mut s = self.state();
        let used = s.used.checked_add(bytes).filter(|&u| u <= s.size)?;
        s.used = used;
        Some(Charge {
            budget: self.clone(),
            bytes,
        })
    }

    /// (size, bytes in use).
    pub fn usage(&self) -> (u64, u64) {
        let s = self.state();
        (s.size, s.used)
    }

    /// A new size, if it still holds what is in use (else the bytes in
    /// use, and nothing changes).
    pub fn resize(&self, size: u64) -> Result<(), u64> {
        let mut s = self.state();
        if s.used > size {
            return Err(s.used);
        }
        s.size = size;
        Ok(())
    }
}

impl Charge {
    /// The bytes charged.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Charge `extra` bytes more, if they fit (else nothing changes).
    pub fn grow(&mut self, extra: u64) -> bool {
        let mut s = self.budget.state();
        match s.used.checked_add(extra).filter(|&u| u <= s.size) {
            Some(used) => {
                s.used = used;
                self.bytes += extra;
                true
            }
            None => false,
        }
    }

    /// Give back `bytes` of the charge (at most what it holds).
    pub fn shrink(&mut self, bytes: u64) {
        let bytes = bytes.min(self.bytes);
        let mut s = self.budget.state();
        s.used = s.used.saturating_sub(bytes);
        self.bytes -= bytes;
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        let mut s = self.budget.state();
        s.used = s.used.saturating_sub(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_fit_or_are_refused_and_come_back() {
        let b = Budget::new(100);
        let a = b.charge(60).unwrap();
        assert!(b.charge(41).is_none(), "over the size");
        assert!(b.charge(u64::MAX).is_none(), "no overflow");
        let c = b.charge(40).unwrap();
        assert_eq!(b.usage(), (100, 100));
        assert_eq!(
            b.resize(99),
            Err(100),
            "a size that cannot hold what is in use"
        );
        drop(a);
        assert_eq!(b.usage(), (100, 40));
        assert_eq!(b.resize(50), Ok(()));
        assert!(b.charge(11).is_none());
        assert_eq!(c.bytes(), 40);
        let mut c = c;
        assert!(!c.grow(11), "over the size");
        assert!(!c.grow(u64::MAX), "no overflow");
        assert_eq!(
            (b.usage(), c.bytes()),
            ((50, 40), 40),
            "a refused growth changes nothing"
        );
        assert!(c.grow(10));
        assert_eq!((b.usage(), c.bytes()), ((50, 50), 50));
        c.shrink(5);
        assert_eq!((b.usage(), c.bytes()), ((50, 45), 45));
        c.grow(5);
        drop(c);
        assert_eq!(b.usage(), (50, 0), "the growth comes back with the charge");
    }
}
