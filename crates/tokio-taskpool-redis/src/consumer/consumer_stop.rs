//! What a consumer reports when it has stopped.

use crate::ConsumerStats;

/// The end of a consumer, from [`QueueConsumer::stop`](crate::QueueConsumer::stop)
/// or [`QueueConsumer::stopped`](crate::QueueConsumer::stopped).
///
/// ```
/// use tokio_taskpool_redis::ConsumerStop;
///
/// fn log(stop: &ConsumerStop) {
///     match stop.left_pending {
///         Some(0) => println!("clean stop after {} acks", stop.stats.acked),
///         Some(n) => println!("{n} entries left for the other consumers"),
///         None => println!("Redis was unreachable at the end"),
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConsumerStop {
    /// Entries this consumer read and did not settle (their tasks were
    /// cancelled at the deadline, or never started): other consumers take
    /// them over once their lease lapses. `None` if Redis could not be
    /// asked.
    pub left_pending: Option<u64>,
    /// Whether the consumer was removed from the consumer group (only when
    /// nothing was left pending).
    pub removed_consumer: bool,
    /// The consumer's counters at the end.
    pub stats: ConsumerStats,
}
