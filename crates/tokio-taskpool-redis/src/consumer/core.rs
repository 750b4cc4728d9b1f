//! The state one consumer's reader, keeper and tasks share.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::delivery::EntryMeta;
use super::options::ConsumerOptions;
use super::settle::{self, AckRequest};
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
    /// To the task that acknowledges in batches; it ends when every
    /// sender is gone.
    pub(crate) acks: mpsc::UnboundedSender<AckRequest>,
}

impl ConsumerCore {
    /// Acknowledges (and deletes) the entry after its task succeeded, and
    /// waits until Redis has done it.
    pub(crate) async fn ack(&self, meta: &EntryMeta) {
        let (done, acked) = oneshot::channel();
        if self.acks.send(AckRequest { id: meta.id.clone(), done }).is_ok() {
            // An error means the acker gave up on this batch (it logged
            // why); the entry stays pending and is delivered again.
            let _ = acked.await;
        }
    }

    /// Schedules a retry of the failed entry, or dead-letters it when it
    /// has had its deliveries.
    pub(crate) async fn fail(&self, meta: &EntryMeta, error: String) {
        settle::settle_failure(self, meta, error).await;
    }
}
