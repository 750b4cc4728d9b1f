//! [`ConsumerBuilder`]: the options of a consumer, ending in `start`.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio_taskpool::{TaskId, TaskPool};
use tokio_util::sync::CancellationToken;

use super::acker::Acker;
use super::core::ConsumerCore;
use super::delivery::Delivery;
use super::options::ConsumerOptions;
use super::reader::Reader;
use super::{consumer_name, create_group, keeper};
use crate::connection;
use crate::held::HeldEntries;
use crate::stats::StatsCounters;
use crate::{Backoff, QueueConsumer, QueueError, RedisQueue};

/// A callback of the group, boxed so that the builder's type does not show it.
type Callback = Arc<dyn Fn(TaskId) -> BoxFuture<'static, ()> + Send + Sync>;

/// Sets up a consumer; made by [`RedisQueue::consume`], run by
/// [`start`](ConsumerBuilder::start).
///
/// The options of the pool's map groups ([`group`](Self::group),
/// [`num_concurrent`](Self::num_concurrent), [`on_end`](Self::on_end),
/// [`on_cancel`](Self::on_cancel)) mean what they mean for
/// [`TaskPool::map_stream`]; the others are the queue's.
///
/// ```no_run
/// # use std::time::Duration;
/// # use tokio_taskpool::TaskPool;
/// # use tokio_taskpool_redis::{Backoff, RedisQueue};
/// # async fn f(queue: RedisQueue, pool: TaskPool) -> Result<(), tokio_taskpool_redis::QueueError> {
/// let consumer = queue
///     .consume(&pool, |url: String| async move { Ok::<_, String>(url.len()) })
///     .group("crawl")
///     .num_concurrent(32)
///     .instance("crawler-1")
///     .min_idle(Duration::from_secs(60))
///     .max_deliveries(3)
///     .retry_backoff(Backoff::new(Duration::from_secs(5), Duration::from_secs(300)))
///     .start()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[must_use = "nothing is consumed until .start() is called"]
pub struct ConsumerBuilder<'p, T, H> {
    queue: RedisQueue,
    pool: &'p TaskPool,
    handler: H,
    options: ConsumerOptions,
    on_end: Option<Callback>,
    on_cancel: Option<Callback>,
    item: std::marker::PhantomData<fn() -> T>,
}

impl<'p, T, H> ConsumerBuilder<'p, T, H> {
    pub(crate) fn new(queue: RedisQueue, pool: &'p TaskPool, handler: H) -> Self {
        ConsumerBuilder {
            queue,
            pool,
            handler,
            options: ConsumerOptions::default(),
            on_end: None,
            on_cancel: None,
            item: std::marker::PhantomData,
        }
    }

    /// Names the group in the pool. By default the pool names it, as for
    /// any map group (`map-group-N`).
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).group("numbers");
    /// # }
    /// ```
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.options.group = Some(name.into());
        self
    }

    /// How many of the group's tasks run at a time (pool room permitting),
    /// and so the most entries it holds. By default, one.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).num_concurrent(16);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `num_concurrent` is 0.
    #[track_caller]
    pub fn num_concurrent(mut self, num_concurrent: usize) -> Self {
        assert!(num_concurrent > 0, "consume(..).num_concurrent(0): the consumer could never run a task");
        self.options.num_concurrent = num_concurrent;
        self
    }

    /// A stable name for this process across restarts (a pod or systemd
    /// instance name). Its consumer name starts with it, and on start it
    /// first finishes the pending entries of its earlier processes at once,
    /// instead of waiting `min_idle` for their leases to lapse. Give each
    /// live process its own: a second live process with the same instance
    /// would take the first one's entries. By default none: the entries of
    /// a dead process are taken over after `min_idle`, by any consumer.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).instance("worker-3");
    /// # }
    /// ```
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.options.instance = Some(instance.into());
        self
    }

    /// How long an entry may go without a lease refresh before other
    /// consumers take it over. A live consumer refreshes its entries three
    /// times per `min_idle`, however long its tasks run. By default, 30 s.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).min_idle(Duration::from_secs(10));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `min_idle` is below 30 ms (leases could not be kept).
    #[track_caller]
    pub fn min_idle(mut self, min_idle: Duration) -> Self {
        assert!(min_idle >= Duration::from_millis(30), "consume(..).min_idle({min_idle:?}): at least 30 ms");
        self.options.min_idle = min_idle;
        self
    }

    /// How long one read waits for new entries on the server (XREADGROUP
    /// BLOCK). By default, 1 s.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).block(Duration::from_millis(200));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `block` is zero (which means "forever" to Redis) or over an hour.
    #[track_caller]
    pub fn block(mut self, block: Duration) -> Self {
        assert!(
            block >= Duration::from_millis(1) && block <= Duration::from_secs(3600),
            "consume(..).block({block:?}): between 1 ms and an hour"
        );
        self.options.block = block;
        self
    }

    /// How many deliveries an entry gets before it goes to the dead-letter
    /// stream: failures and panics count, and so do deliveries whose
    /// process died. By default, 5.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).max_deliveries(1); // no retry
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `max_deliveries` is 0.
    #[track_caller]
    pub fn max_deliveries(mut self, max_deliveries: u32) -> Self {
        assert!(max_deliveries > 0, "consume(..).max_deliveries(0): an entry needs one delivery");
        self.options.max_deliveries = max_deliveries;
        self
    }

    /// The delay before each retry. By default, 1 s doubling up to 5 min.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # use tokio_taskpool_redis::Backoff;
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).retry_backoff(backoff);
    /// # }
    /// ```
    pub fn retry_backoff(mut self, backoff: Backoff) -> Self {
        self.options.backoff = backoff;
        self
    }

    /// How often, on average, this consumer moves the retries that are due
    /// back to the stream. By default, 250 ms: a retry starts up to that
    /// much after its backoff.
    ///
    /// ```no_run
    /// # use std::time::Duration;
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).retry_poll(Duration::from_millis(50));
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `retry_poll` is zero.
    #[track_caller]
    pub fn retry_poll(mut self, retry_poll: Duration) -> Self {
        assert!(!retry_poll.is_zero(), "consume(..).retry_poll(0): the mover needs a period");
        self.options.retry_poll = retry_poll;
        self
    }

    /// An async callback run with the task's ID when each task ends, as for
    /// any group. By default there is none.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue
    ///     .consume(&pool, |n: u32| async move { Ok::<_, String>(n) })
    ///     .on_end(|id| async move { println!("task {id} ended") });
    /// # }
    /// ```
    pub fn on_end<C, CFut>(mut self, on_end: C) -> Self
    where
        C: Fn(TaskId) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = ()> + Send + 'static,
    {
        self.on_end = Some(Arc::new(move |id| on_end(id).boxed()));
        self
    }

    /// An async callback run with the task's ID when a task is cancelled,
    /// as for any group. A cancelled task's entry is not settled: it stays
    /// pending and is delivered again after `min_idle`. By default there is
    /// none.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) {
    /// let c = queue
    ///     .consume(&pool, |n: u32| async move { Ok::<_, String>(n) })
    ///     .on_cancel(|id| async move { println!("task {id} cancelled") });
    /// # }
    /// ```
    pub fn on_cancel<C, CFut>(mut self, on_cancel: C) -> Self
    where
        C: Fn(TaskId) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = ()> + Send + 'static,
    {
        self.on_cancel = Some(Arc::new(move |id| on_cancel(id).boxed()));
        self
    }
}

impl<T, H, Fut, R, E> ConsumerBuilder<'_, T, H>
where
    T: DeserializeOwned + Send + 'static,
    H: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    R: Send + 'static,
    E: fmt::Display + Send + 'static,
{
    /// Joins the consumer group (making the stream and the group if
    /// needed), opens the connection of the blocking reads, and starts the
    /// group in the pool. Returns once the consumer runs.
    ///
    /// ```no_run
    /// # async fn f(queue: tokio_taskpool_redis::RedisQueue, pool: tokio_taskpool::TaskPool) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let consumer = queue.consume(&pool, |n: u32| async move { Ok::<_, String>(n) }).start().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`] if Redis refuses the group or cannot be
    /// reached, or if the pool refuses the group (closed, locked, the name
    /// taken or not allowed), with the pool's reason.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if dropped, the consumer group may have been made;
    /// no entry has been read.
    pub async fn start(self) -> Result<QueueConsumer<Result<R, E>>, QueueError> {
        let ConsumerBuilder { queue, pool, handler, options, on_end, on_cancel, .. } = self;
        let name_of_queue = queue.inner.keys.name().to_owned();
        create_group(&queue)
            .await
            .map_err(|err| QueueError::command(&name_of_queue, "creating the consumer group", &err))?;
        // The blocking reads wait up to `block` on the server: their
        // connection must wait longer than that for an answer.
        let blocking = connection::manager(
            &queue.inner.url,
            &queue.inner.client,
            options.block + connection::COMMAND_TIMEOUT,
        )
        .await?;
        let name = consumer_name(options.instance.as_deref());
        let predecessors = match &options.instance {
            Some(instance) => super::predecessors(&queue, instance, &name)
                .await
                .map_err(|err| QueueError::command(&name_of_queue, "listing the consumers", &err))?,
            None => Vec::new(),
        };
        let stats = Arc::new(StatsCounters::default());
        let core = Arc::new(ConsumerCore {
            queue: queue.clone(),
            name: name.clone(),
            options: options.clone(),
            held: HeldEntries::new(),
            stats: Arc::clone(&stats),
            stop: CancellationToken::new(),
            acker: Acker::new(queue.clone(), name.clone(), Arc::clone(&stats)),
        });
        let reader = Reader::<T>::new(Arc::clone(&core), pool.clone(), blocking, predecessors);
        let handler = Arc::new(handler);
        let task_core = Arc::clone(&core);
        let worker =
            move |delivery: Delivery<T>| run_task(Arc::clone(&task_core), Arc::clone(&handler), delivery);

        let mut builder =
            pool.map_stream(worker, reader.into_stream()).num_concurrent(options.num_concurrent);
        if let Some(group) = &options.group {
            builder = builder.group(group.clone());
        }
        if let Some(on_end) = on_end {
            builder = builder.on_end(move |id| on_end(id));
        }
        if let Some(on_cancel) = on_cancel {
            builder = builder.on_cancel(move |id| on_cancel(id));
        }
        let results = builder.start().map_err(|err| QueueError::Command {
            queue: name_of_queue.clone(),
            doing: "starting the group in the pool",
            reason: err.to_string(),
        })?;
        let (report_tx, report) = watch::channel(None);
        tokio::spawn(keeper::run_keeper(Arc::clone(&core), report_tx));
        tracing::info!("{name} consumes queue '{name_of_queue}' as group '{}' of {pool}", results.name());
        Ok(QueueConsumer {
            core,
            pool: pool.clone(),
            group: results.name().to_owned(),
            results: Some(results),
            report,
        })
    }
}

/// One task: runs the handler on the item, then settles the entry: an ack
/// on success; on an error or a panic, a retry or a dead letter. A panic is
/// passed on to the pool after settling, so that the pool counts and
/// reports it as for any task.
async fn run_task<T, H, Fut, R, E>(
    core: Arc<ConsumerCore>,
    handler: Arc<H>,
    delivery: Delivery<T>,
) -> Result<R, E>
where
    H: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    E: fmt::Display,
{
    let Delivery { item, meta, mut lease } = delivery;
    lease.started();
    let outcome = AssertUnwindSafe(async move { handler(item).await }).catch_unwind().await;
    match outcome {
        Ok(Ok(value)) => {
            core.ack(&meta).await;
            drop(lease);
            Ok(value)
        }
        Ok(Err(err)) => {
            core.fail(&meta, err.to_string()).await;
            drop(lease);
            Err(err)
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string payload>".to_owned());
            core.fail(&meta, format!("panicked: {message}")).await;
            drop(lease);
            std::panic::resume_unwind(payload)
        }
    }
}

impl<T, H> fmt::Debug for ConsumerBuilder<'_, T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerBuilder")
            .field("queue", &self.queue)
            .field("pool", &self.pool.to_string())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
