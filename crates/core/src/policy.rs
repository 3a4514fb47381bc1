//! Instance policy: where a new session goes, following the TA's
//! gpd.ta.singleInstance, gpd.ta.multiSession and gpd.ta.instanceKeepAlive.

use crate::codes::*;

/// Where a new session to a TA is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Start a new instance (a new TA process).
    NewInstance,
    /// Join the TA's existing single instance.
    Existing,
}

/// Decide the placement of a new session. `existing_sessions` is the
/// number of sessions of the TA's live single instance, if it has one.
pub fn place(flags: u32, existing_sessions: Option<usize>) -> Result<Placement, TeeError> {
    if flags & TA_FLAG_SINGLE_INSTANCE == 0 {
        return Ok(Placement::NewInstance);
    }
    match existing_sessions {
        None => Ok(Placement::NewInstance),
        Some(n) if n > 0 && flags & TA_FLAG_MULTI_SESSION == 0 => {
            Err(TeeError::tee(TEE_ERROR_BUSY))
        }
        Some(_) => Ok(Placement::Existing),
    }
}

/// Whether an instance whose last session just closed is destroyed.
pub fn destroy_when_idle(flags: u32) -> bool {
    !(flags & TA_FLAG_SINGLE_INSTANCE != 0 && flags & TA_FLAG_INSTANCE_KEEP_ALIVE != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_rules() {
        let single = TA_FLAG_SINGLE_INSTANCE;
        let multi = TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION;
        assert_eq!(place(0, Some(3)), Ok(Placement::NewInstance));
        assert_eq!(place(single, None), Ok(Placement::NewInstance));
        assert_eq!(place(single, Some(0)), Ok(Placement::Existing));
        assert_eq!(place(single, Some(1)), Err(TeeError::tee(TEE_ERROR_BUSY)));
        assert_eq!(place(multi, Some(5)), Ok(Placement::Existing));
        assert!(destroy_when_idle(single));
        assert!(destroy_when_idle(TA_FLAG_INSTANCE_KEEP_ALIVE));
        assert!(!destroy_when_idle(single | TA_FLAG_INSTANCE_KEEP_ALIVE));
    }
}
