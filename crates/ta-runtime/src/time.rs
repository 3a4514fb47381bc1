//! Time for TAs: `TEE_GetSystemTime`, `TEE_GetREETime` and `TEE_Wait`.
//!
//! * System time is `CLOCK_BOOTTIME`: monotonic, counting from the host's
//!   boot (an arbitrary origin, as GP allows), including time suspended.
//! * REE time is `CLOCK_REALTIME`: the host's wall clock, seconds since
//!   the Unix epoch, exactly as untrusted as the normal world's time is.
//! * [`wait`] sleeps in short slices and looks at the cancellation flag
//!   (through [`crate::cancellation_flag`], so only when cancellation is
//!   unmasked) before each slice.
//!
//! The sandbox allows `clock_gettime` and `clock_nanosleep`.

use std::time::Duration;

pub use oxtee_gp::ta::{TIMEOUT_INFINITE, TeeTime};

/// How often a waiting TA looks at the cancellation flag.
const POLL: Duration = Duration::from_millis(5);

/// A wait cut short because the operation was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

fn now(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes one timespec into `ts`.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        crate::panic_ta(0xFFFF_0000);
    }
    // Before the epoch (a wall clock set backwards that far) reads as 0.
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(ts.tv_nsec).unwrap_or(0).min(999_999_999);
    Duration::new(secs, nanos)
}

fn tee_time(d: Duration) -> TeeTime {
    TeeTime {
        // Saturates in 2106 (GP's TEE_Time has 32-bit seconds).
        seconds: u32::try_from(d.as_secs()).unwrap_or(u32::MAX),
        millis: d.subsec_millis(),
    }
}

/// TEE_GetSystemTime.
pub fn system_time() -> TeeTime {
    tee_time(now(libc::CLOCK_BOOTTIME))
}

/// TEE_GetREETime: the host's wall clock.
pub fn ree_time() -> TeeTime {
    tee_time(now(libc::CLOCK_REALTIME))
}

fn sleep(d: Duration) {
    let ts = libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    };
    // SAFETY: a relative sleep; no remaining time is asked for (an early
    // return on a signal is fine: the caller works from a deadline).
    unsafe { libc::clock_nanosleep(libc::CLOCK_MONOTONIC, 0, &ts, std::ptr::null_mut()) };
}

/// TEE_Wait: sleep `timeout_ms` milliseconds ([`TIMEOUT_INFINITE`]: until
/// cancelled). Err(Cancelled) as soon as the current operation is
/// cancelled while cancellation is unmasked, including when it already
/// was before the call.
pub fn wait(timeout_ms: u32) -> Result<(), Cancelled> {
    let start = now(libc::CLOCK_MONOTONIC);
    let deadline =
        (timeout_ms != TIMEOUT_INFINITE).then(|| start + Duration::from_millis(timeout_ms.into()));
    loop {
        if crate::cancellation_flag() {
            return Err(Cancelled);
        }
        let slice = match deadline {
            None => POLL,
            Some(d) => {
                let t = now(libc::CLOCK_MONOTONIC);
                if t >= d {
                    return Ok(());
                }
                (d - t).min(POLL)
            }
        };
        sleep(slice);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_waits() {
        let a = system_time();
        let t0 = std::time::Instant::now();
        assert_eq!(wait(30), Ok(()));
        let el = t0.elapsed();
        let b = system_time();
        assert!(el >= Duration::from_millis(30) && el < Duration::from_secs(2));
        assert!(b.as_millis() >= a.as_millis() + 29, "{a:?} {b:?}");
        assert!(a.millis < 1000 && b > a);
        assert_eq!(wait(0), Ok(()));
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let ree = ree_time().as_duration();
        assert!(ree.abs_diff(wall) < Duration::from_secs(2));
    }
}
