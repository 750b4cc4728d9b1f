//! Delays: the exponential backoff of retries and reconnects, and the
//! jitter that keeps many processes from acting in step.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Exponential backoff: `initial` before the second delivery, doubled for
/// each one after, never above `max`.
///
/// ```
/// use std::time::Duration;
/// use tokio_taskpool_redis::Backoff;
///
/// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
/// assert_eq!(backoff.after_failure(1), Duration::from_millis(100));
/// assert_eq!(backoff.after_failure(2), Duration::from_millis(200));
/// assert_eq!(backoff.after_failure(4), Duration::from_millis(800));
/// assert_eq!(backoff.after_failure(5), Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    /// A backoff from `initial` doubling up to `max`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool_redis::Backoff;
    /// let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    /// assert_eq!(backoff.after_failure(7), Duration::from_secs(60));
    /// ```
    ///
    /// # Panics
    ///
    /// If `initial` is above `max`.
    #[track_caller]
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        assert!(initial <= max, "Backoff::new: the initial delay {initial:?} is above the maximum {max:?}");
        Backoff { initial, max }
    }

    /// [`Backoff::new`] for constants; `initial` must not be above `max`.
    pub(crate) const fn const_new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max }
    }

    /// The delay after the `failures`-th failure (counting from 1).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool_redis::Backoff;
    /// let backoff = Backoff::new(Duration::from_millis(10), Duration::from_millis(50));
    /// assert_eq!(backoff.after_failure(3), Duration::from_millis(40));
    /// ```
    pub fn after_failure(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.initial.saturating_mul(1u32 << doublings).min(self.max)
    }
}

/// `base` scaled by a random factor in `[0.5, 1.5)`.
pub(crate) fn jittered(base: Duration) -> Duration {
    base.mul_f64(0.5 + unit_random())
}

/// A random number in `[0, 1)`, from the standard library's per-process
/// random hash keys: good enough to spread timers, and no dependency.
pub(crate) fn unit_random() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A random 64-bit number (not for cryptography).
pub(crate) fn random_u64() -> u64 {
    // The counter only makes successive calls differ; no other memory
    // depends on it, so Relaxed is enough.
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_half_and_one_and_a_half() {
        let base = Duration::from_millis(1000);
        for _ in 0..1000 {
            let d = jittered(base);
            assert!(d >= Duration::from_millis(500) && d < Duration::from_millis(1500), "{d:?}");
        }
    }

    #[test]
    fn backoff_saturates_instead_of_overflowing() {
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        assert_eq!(backoff.after_failure(u32::MAX), Duration::from_secs(30));
        assert_eq!(backoff.after_failure(0), Duration::from_secs(1));
    }
}
