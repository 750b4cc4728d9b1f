//! The state one consumer's reader, keeper and tasks share.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::acker::Acker;
use super::delivery::EntryMeta;
use super::options::ConsumerOptions;
use super::settle;
use crate::held::HeldEntries;
use crate::stats::StatsCounters;
use crate::RedisQueue;

/// Owned by an `Arc` that the reader, the keeper, every task and the
/// [`QueueConsumer`](crate::QueueConsumer) hold.
#[derive(Debug)]
pub(crate) struct ConsumerCore {
    pub(crate) queue: RedisQueue,
    /// This consumer's name in the consumer group, unique per start.
    pub(crate) name: String,
    pub(crate) options: ConsumerOptions,
    pub(crate) held: Arc<HeldEntries>,
    pub(crate) stats: Arc<StatsCounters>,
    /// Cancelled when the consumer is asked to stop reading.
    pub(crate) stop: CancellationToken,
    /// Acknowledges in batches.
    pub(crate) acker: Arc<Acker>,
}

impl ConsumerCore {
    /// Acknowledges (and deletes) the entry after its task succeeded, and
    /// waits until Redis has done it.
    pub(crate) async fn ack(&self, meta: &EntryMeta) {
        self.acker.ack(meta.id.clone()).await;
    }

    /// Schedules a retry of the failed entry, or dead-letters it when it
    /// has had its deliveries.
    pub(crate) async fn fail(&self, meta: &EntryMeta, error: String) {
        settle::settle_failure(self, meta, error).await;
    }
}
