//! TA persistent time (TEE_GetTAPersistentTime / TEE_SetTAPersistentTime),
//! kept per TA as an offset from the REE's wall clock: the TA's time when
//! it was set and the REE time at that moment. The REE clock can be moved
//! by the normal world, so the protection level is 100
//! (gpd.tee.TAPersistentTime.protectionLevel); a clock that went back
//! behind the anchor makes the time need a reset.

use crate::codes::*;
use alloc::{format, string::String};

pub const TEE_ERROR_TIME_NOT_SET: u32 = 0xFFFF_5000;
pub const TEE_ERROR_TIME_NEEDS_RESET: u32 = 0xFFFF_5001;
pub const TEE_ERROR_OVERFLOW: u32 = 0xFFFF_300F;

/// What is stored for a TA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// The TA's time when set, in ms.
    pub ta_ms: u64,
    /// The REE wall clock at that moment, in ms since the Unix epoch.
    pub ree_ms: u64,
}

impl Anchor {
    pub fn encode(&self) -> String {
        format!("{} {}\n", self.ta_ms, self.ree_ms)
    }

    pub fn decode(s: &str) -> Option<Anchor> {
        let mut it = s.split_whitespace();
        let a = Anchor {
            ta_ms: it.next()?.parse().ok()?,
            ree_ms: it.next()?.parse().ok()?,
        };
        it.next().is_none().then_some(a)
    }
}

/// The TA's persistent time now: Ok((seconds, millis)), or the GP error
/// with the time to report alongside (TEE_ERROR_OVERFLOW carries the
/// time modulo 2^32 seconds).
pub fn get(anchor: Option<Anchor>, now_ree_ms: u64) -> Result<(u32, u32), (u32, (u32, u32))> {
    let Some(a) = anchor else {
        return Err((TEE_ERROR_TIME_NOT_SET, (0, 0)));
    };
    if now_ree_ms < a.ree_ms {
        return Err((TEE_ERROR_TIME_NEEDS_RESET, (0, 0)));
    }
    let t = a.ta_ms.saturating_add(now_ree_ms - a.ree_ms);
    let secs = t / 1000;
    let millis = (t % 1000) as u32;
    match u32::try_from(secs) {
        Ok(s) => Ok((s, millis)),
        Err(_) => Err((TEE_ERROR_OVERFLOW, (secs as u32, millis))),
    }
}

/// The anchor for setting the time to (seconds, millis) now.
pub fn set(seconds: u32, millis: u32, now_ree_ms: u64) -> Result<Anchor, u32> {
    if millis > 999 {
        return Err(TEE_ERROR_BAD_PARAMETERS);
    }
    Ok(Anchor {
        ta_ms: seconds as u64 * 1000 + millis as u64,
        ree_ms: now_ree_ms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistent_time_rules() {
        assert_eq!(get(None, 5).unwrap_err().0, TEE_ERROR_TIME_NOT_SET);
        let a = set(100, 250, 10_000).unwrap();
        assert_eq!(get(Some(a), 10_000), Ok((100, 250)));
        assert_eq!(get(Some(a), 11_800), Ok((102, 50)));
        assert_eq!(
            get(Some(a), 9_999).unwrap_err().0,
            TEE_ERROR_TIME_NEEDS_RESET
        );
        let near = set(u32::MAX, 999, 0).unwrap();
        assert_eq!(get(Some(near), 0), Ok((u32::MAX, 999)));
        assert_eq!(get(Some(near), 1), Err((TEE_ERROR_OVERFLOW, (0, 0))));
        assert_eq!(get(Some(near), 2_001), Err((TEE_ERROR_OVERFLOW, (2, 0))));
        assert!(set(1, 1000, 0).is_err());
        assert_eq!(Anchor::decode(&a.encode()), Some(a));
        assert_eq!(Anchor::decode("1 2 3"), None);
        assert_eq!(Anchor::decode("x 2"), None);
    }
}
