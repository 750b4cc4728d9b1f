//! [`QueueConsumer`]: a running consumer and its group's results.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_taskpool::{GroupHandle, TaskOutput, TaskPool};

use super::core::ConsumerCore;
use crate::{ConsumerStats, ConsumerStop};

/// A consumer of a [`RedisQueue`](crate::RedisQueue): a group of a pool
/// whose tasks are the queue's items. Made by
/// [`ConsumerBuilder::start`](crate::ConsumerBuilder::start).
///
/// The group is an ordinary group of the pool: its tasks count against the
/// pool's size limit, show in its status, can be cancelled by ID or with
/// the group, and stop with the pool. `T` is what the handler returns,
/// `Result<R, E>`.
///
/// Dropping the handle does not stop the consumer; it discards the
/// results from then on.
pub struct QueueConsumer<T> {
    pub(crate) core: Arc<ConsumerCore>,
    pub(crate) pool: TaskPool,
    pub(crate) group: String,
    pub(crate) results: Option<GroupHandle<T>>,
    pub(crate) report: watch::Receiver<Option<ConsumerStop>>,
}

impl<T> QueueConsumer<T> {
    /// This consumer's name in the Redis consumer group: the instance name
    /// (or the host name), then the process ID, start time and a random
    /// part, so that every start has its own.
    ///
    /// ```no_run
    /// # async fn f(consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// println!("consuming as {}", consumer.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.core.name
    }

    /// The name of the group in the pool.
    ///
    /// ```no_run
    /// # async fn f(pool: tokio_taskpool::TaskPool, consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// pool.cancel_group(consumer.group()).unwrap();
    /// # }
    /// ```
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The consumer's counters now.
    ///
    /// ```no_run
    /// # async fn f(consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// let stats = consumer.stats();
    /// println!("{} read, {} acked, {} retried", stats.read, stats.acked, stats.retried);
    /// # }
    /// ```
    pub fn stats(&self) -> ConsumerStats {
        self.core.stats.snapshot_with(self.core.held.max_held())
    }

    /// How many entries the consumer holds now: read and not yet settled.
    ///
    /// ```no_run
    /// # async fn f(consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// assert!(consumer.num_held() <= 8);
    /// # }
    /// ```
    pub fn num_held(&self) -> usize {
        self.core.held.len()
    }

    /// The next task's output, in the order they end; `None` once the
    /// group has ended, or if results were discarded.
    ///
    /// ```no_run
    /// # async fn f(mut consumer: tokio_taskpool_redis::QueueConsumer<Result<u32, String>>) {
    /// while let Some(output) = consumer.next().await {
    ///     match output.result {
    ///         Ok(Ok(n)) => println!("done: {n}"),
    ///         Ok(Err(e)) => println!("failed, will be retried or dead-lettered: {e}"),
    ///         Err(e) => println!("panicked or cancelled: {e}"),
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`GroupHandle::next`].
    pub async fn next(&mut self) -> Option<TaskOutput<T>> {
        match &mut self.results {
            Some(results) => results.next().await,
            None => None,
        }
    }

    /// Stops keeping the tasks' outputs (a long-running consumer whose
    /// outputs nobody reads would otherwise keep them all).
    ///
    /// ```no_run
    /// # async fn f(mut consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// consumer.discard_results();
    /// assert!(consumer.next().await.is_none());
    /// # }
    /// ```
    pub fn discard_results(&mut self) {
        self.results = None;
    }

    /// Stops gracefully: reads nothing more, asks the running tasks to
    /// stop (through `tokio_taskpool::current::stop_requested`), waits for
    /// them up to `timeout`, then cancels those still running. Entries that
    /// did not finish stay pending for the other consumers (the count is
    /// logged and returned); with none left, the consumer leaves the group.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn f(consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// let stop = consumer.stop(Duration::from_secs(30)).await;
    /// assert_eq!(stop.left_pending, Some(0));
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// If dropped, the consumer has stopped reading and its tasks were
    /// asked to stop, but none is cancelled.
    pub async fn stop(mut self, timeout: Duration) -> ConsumerStop {
        self.core.stop.cancel();
        // Not found: the group had ended already (the pool was stopped).
        let _ = self.pool.retire_group(&self.group, timeout).await;
        self.stopped().await
    }

    /// Waits until the consumer has ended: stopped with
    /// [`stop`](Self::stop) from a clone of its task, or by the pool (its
    /// group cancelled, the pool stopped) and its last entry settled.
    ///
    /// ```no_run
    /// # async fn f(pool: tokio_taskpool::TaskPool, mut consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// pool.stop_gracefully(std::time::Duration::from_secs(5)).await;
    /// let stop = consumer.stopped().await;
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn stopped(&mut self) -> ConsumerStop {
        let report = self.report.wait_for(Option::is_some).await.map(|report| report.clone());
        match report {
            Ok(Some(report)) => report,
            // The keeper is gone without a report only if its runtime shut
            // down; nothing could be counted.
            _ => ConsumerStop { left_pending: None, removed_consumer: false, stats: self.stats() },
        }
    }

    /// Asks the consumer to read nothing more, without waiting: the group
    /// ends once its running tasks have.
    ///
    /// ```no_run
    /// # async fn f(mut consumer: tokio_taskpool_redis::QueueConsumer<Result<(), String>>) {
    /// consumer.stop_reading();
    /// let stop = consumer.stopped().await;
    /// # }
    /// ```
    pub fn stop_reading(&self) {
        self.core.stop.cancel();
    }
}

impl<T> fmt::Debug for QueueConsumer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueConsumer")
            .field("name", &self.core.name)
            .field("group", &self.group)
            .field("held", &self.core.held.len())
            .finish_non_exhaustive()
    }
}
