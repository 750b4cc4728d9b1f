//! What one consumer has done so far, as counters.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one [`QueueConsumer`](crate::QueueConsumer), from
/// [`QueueConsumer::stats`](crate::QueueConsumer::stats).
///
/// ```
/// use tokio_taskpool_redis::ConsumerStats;
///
/// let stats = ConsumerStats::default();
/// assert_eq!((stats.read, stats.acked, stats.max_held), (0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerStats {
    /// Entries received: new ones, taken over from dead consumers, and
    /// those of this instance's previous process.
    pub read: u64,
    /// Of `read`, those taken over from other consumers (XAUTOCLAIM, or the
    /// previous process of the same instance).
    pub taken_over: u64,
    /// Read calls that asked for entries (each asked for at most the free
    /// places of the moment).
    pub read_calls: u64,
    /// Entries acknowledged after their task succeeded.
    pub acked: u64,
    /// Of `acked`, those the server said were no longer pending: another
    /// consumer had taken them over and finished first.
    pub acked_already: u64,
    /// Failures put in the delay set for a later retry.
    pub retried: u64,
    /// Entries moved to the dead-letter stream.
    pub dead_lettered: u64,
    /// Leases found taken over by another consumer while this one held the
    /// entry (its refreshes were late, e.g. Redis was unreachable).
    pub leases_lost: u64,
    /// The most entries this consumer held at once (read and not yet
    /// settled): never more than the free places it read for.
    pub max_held: u64,
}

/// The live counters behind [`ConsumerStats`]. They are independent
/// tallies that no other memory depends on, so Relaxed is enough.
#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    pub(crate) read: AtomicU64,
    pub(crate) taken_over: AtomicU64,
    pub(crate) read_calls: AtomicU64,
    pub(crate) acked: AtomicU64,
    pub(crate) acked_already: AtomicU64,
    pub(crate) retried: AtomicU64,
    pub(crate) dead_lettered: AtomicU64,
    pub(crate) leases_lost: AtomicU64,
}

impl StatsCounters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The counters now, with the most entries held at once.
    pub(crate) fn snapshot_with(&self, max_held: usize) -> ConsumerStats {
        ConsumerStats { max_held: max_held as u64, ..self.snapshot() }
    }

    fn snapshot(&self) -> ConsumerStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ConsumerStats {
            read: get(&self.read),
            taken_over: get(&self.taken_over),
            read_calls: get(&self.read_calls),
            acked: get(&self.acked),
            acked_already: get(&self.acked_already),
            retried: get(&self.retried),
            dead_lettered: get(&self.dead_lettered),
            leases_lost: get(&self.leases_lost),
            max_held: 0,
        }
    }
}
