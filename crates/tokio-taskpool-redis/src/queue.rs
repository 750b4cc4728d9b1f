//! [`RedisQueue`]: one work queue on a Redis stream, for producers and
//! for consumers.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use redis::aio::ConnectionManager;
use redis::streams::StreamRangeReply;
use redis::Client;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio_taskpool::TaskPool;

use crate::connection::{self, COMMAND_TIMEOUT};
use crate::error::redact;
use crate::retry_command::with_reconnects;
use crate::scripts::{MOVE_DUE_RETRIES, REQUEUE_DEAD_LETTER};
use crate::{fields, ConsumerBuilder, DeadLetter, QueueError, QueueKeys};

/// How many times a producer's command is tried on a failing connection
/// before the error is returned (about 10 s with the backoff).
const PUSH_TRIES: u32 = 10;

/// A work queue on a Redis stream: producers [`push`](RedisQueue::push)
/// items, and pools in any number of processes
/// [`consume`](RedisQueue::consume) them, each item as a task.
///
/// A cheap `Clone` handle over one connection that reconnects by itself.
///
/// ```no_run
/// use serde::{Deserialize, Serialize};
/// use tokio_taskpool::TaskPool;
/// use tokio_taskpool_redis::RedisQueue;
///
/// #[derive(Serialize, Deserialize)]
/// struct Resize { image: String, width: u32 }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let queue = RedisQueue::connect("redis://127.0.0.1:6379", "thumbnails").await?;
/// queue.push(&Resize { image: "cat.png".into(), width: 128 }).await?;
///
/// let pool = TaskPool::builder().name("thumbnails").pool_size(8).build();
/// let consumer = queue
///     .consume(&pool, |job: Resize| async move {
///         println!("resizing {} to {}", job.image, job.width);
///         Ok::<_, std::io::Error>(())
///     })
///     .num_concurrent(8)
///     .start()
///     .await?;
/// // ... until the service is asked to stop:
/// consumer.stop(std::time::Duration::from_secs(30)).await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisQueue {
    pub(crate) inner: Arc<QueueInner>,
}

pub(crate) struct QueueInner {
    /// The URL as given (it may hold a password: never print it).
    pub(crate) url: String,
    pub(crate) client: Client,
    pub(crate) conn: ConnectionManager,
    pub(crate) keys: QueueKeys,
}

impl RedisQueue {
    /// Connects to the server at `url` for the queue named `name`.
    ///
    /// `url` is `redis://[user][:password@]host[:port][/db]`,
    /// `rediss://...` for TLS, or
    /// `redis+unix:///path/to/socket[?user=..&pass=..&db=..]`.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let queue = RedisQueue::connect("redis+unix:///run/redis/redis.sock?pass=secret", "mail").await?;
    /// assert_eq!(queue.keys().stream(), "taskpool:{mail}:stream");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::BadUrl`], [`QueueError::Authentication`],
    /// [`QueueError::Unreachable`] or [`QueueError::Tls`], each naming the
    /// URL (without its password); it is tried once, not retried.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is written.
    pub async fn connect(url: &str, name: &str) -> Result<RedisQueue, QueueError> {
        RedisQueue::open(url, name, None).await
    }

    /// Like [`connect`](RedisQueue::connect), for a `rediss://` server
    /// whose certificate a private authority signed: `root_certificate` is
    /// that authority's certificate in PEM, trusted instead of the
    /// system's roots.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read("/etc/redis/ca.crt")?;
    /// let queue = RedisQueue::connect_with_root_certificate("rediss://redis.internal:6380/", "mail", &ca).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`connect`](RedisQueue::connect), and [`QueueError::Tls`] when
    /// the server's certificate is not signed by that authority (or
    /// `root_certificate` holds no PEM certificate).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is written.
    pub async fn connect_with_root_certificate(
        url: &str,
        name: &str,
        root_certificate: &[u8],
    ) -> Result<RedisQueue, QueueError> {
        RedisQueue::open(url, name, Some(root_certificate)).await
    }

    async fn open(url: &str, name: &str, root_certificate: Option<&[u8]>) -> Result<RedisQueue, QueueError> {
        let client = connection::open_client(url, root_certificate).await?;
        let conn = connection::manager(url, &client, COMMAND_TIMEOUT).await?;
        Ok(RedisQueue {
            inner: Arc::new(QueueInner { url: url.to_owned(), client, conn, keys: QueueKeys::new(name) }),
        })
    }

    /// The queue's keys in Redis.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) {
    /// println!("waiting: XLEN {}", queue.keys().stream());
    /// # }
    /// ```
    pub fn keys(&self) -> &QueueKeys {
        &self.inner.keys
    }

    /// Pushes one item and returns its entry ID.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let id = queue.push(&("hello", 42)).await?;
    /// println!("pushed {id}");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Serialize`] if the item does not serialize to JSON;
    /// [`QueueError::Command`] if Redis refuses it or stays unreachable
    /// for about 10 s.
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: if dropped, the item may or may not have been
    /// pushed. Likewise, when the connection fails after the server took
    /// the item but before its answer arrived, the push is tried again and
    /// the item is queued twice; consumers are at least once anyway.
    pub async fn push<T: Serialize + ?Sized>(&self, item: &T) -> Result<String, QueueError> {
        let mut ids = self.push_many(std::iter::once(item)).await?;
        Ok(ids.pop().expect("one push, one ID"))
    }

    /// Pushes many items in one round trip (a pipeline) and returns their
    /// entry IDs in order.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let ids = queue.push_many(&[1u32, 2, 3]).await?;
    /// assert_eq!(ids.len(), 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`push`](RedisQueue::push); when one item does not serialize,
    /// none is pushed.
    ///
    /// # Cancel safety
    ///
    /// As [`push`](RedisQueue::push).
    pub async fn push_many<'i, T, I>(&self, items: I) -> Result<Vec<String>, QueueError>
    where
        T: Serialize + ?Sized + 'i,
        I: IntoIterator<Item = &'i T>,
    {
        let mut pipe = redis::pipe();
        let mut count = 0;
        for item in items {
            let json = serde_json::to_string(item).map_err(|err| QueueError::Serialize {
                queue: self.inner.keys.name().to_owned(),
                reason: err.to_string(),
            })?;
            pipe.cmd("XADD").arg(self.inner.keys.stream()).arg("*").arg(fields::ITEM).arg(json);
            count += 1;
        }
        if count == 0 {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = self
            .run("pushing items", Some(PUSH_TRIES), |mut conn| {
                let pipe = pipe.clone();
                async move { pipe.query_async(&mut conn).await }
            })
            .await?;
        Ok(ids)
    }

    /// How many entries the stream holds: waiting, and read but not yet
    /// settled (settled entries are deleted).
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// println!("{} entries in the stream", queue.len().await?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn len(&self) -> Result<u64, QueueError> {
        let stream = self.inner.keys.stream().to_owned();
        self.run("counting entries", Some(PUSH_TRIES), move |mut conn| {
            let stream = stream.clone();
            async move { redis::cmd("XLEN").arg(stream).query_async(&mut conn).await }
        })
        .await
    }

    /// Whether the stream holds no entry (see [`len`](RedisQueue::len)).
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// if queue.is_empty().await? { println!("all done") }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn is_empty(&self) -> Result<bool, QueueError> {
        Ok(self.len().await? == 0)
    }

    /// How many entries are read by some consumer and not yet settled
    /// (the consumer group's pending list).
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// println!("{} entries being worked on", queue.num_pending().await?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`]; a queue that no consumer has joined yet
    /// has none pending.
    pub async fn num_pending(&self) -> Result<u64, QueueError> {
        let keys = self.inner.keys.clone();
        let reply: Result<redis::Value, _> = self
            .run("counting pending entries", Some(PUSH_TRIES), move |mut conn| {
                let keys = keys.clone();
                async move {
                    redis::cmd("XPENDING").arg(keys.stream()).arg(keys.group()).query_async(&mut conn).await
                }
            })
            .await;
        match reply {
            Ok(redis::Value::Array(parts)) => Ok(match parts.first() {
                Some(redis::Value::Int(n)) => *n as u64,
                _ => 0,
            }),
            Ok(_) => Ok(0),
            Err(QueueError::Command { reason, .. }) if reason.contains("NOGROUP") => Ok(0),
            Err(err) => Err(err),
        }
    }

    /// How many failed items wait in the delay set for their retry.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// println!("{} retries scheduled", queue.num_delayed().await?);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn num_delayed(&self) -> Result<u64, QueueError> {
        let delayed = self.inner.keys.delayed().to_owned();
        self.run("counting retries", Some(PUSH_TRIES), move |mut conn| {
            let delayed = delayed.clone();
            async move { redis::cmd("ZCARD").arg(delayed).query_async(&mut conn).await }
        })
        .await
    }

    /// The first `count` dead letters, oldest first.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// for dead in queue.dead_letters(100).await? {
    ///     eprintln!("{}: {} ({})", dead.id, dead.item, dead.error);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn dead_letters(&self, count: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let dead = self.inner.keys.dead().to_owned();
        let reply: StreamRangeReply = self
            .run("listing dead letters", Some(PUSH_TRIES), move |mut conn| {
                let dead = dead.clone();
                async move {
                    redis::cmd("XRANGE")
                        .arg(dead)
                        .arg("-")
                        .arg("+")
                        .arg("COUNT")
                        .arg(count)
                        .query_async(&mut conn)
                        .await
                }
            })
            .await?;
        Ok(reply.ids.into_iter().map(|entry| DeadLetter::from_fields(entry.id, &entry.map)).collect())
    }

    /// Puts the dead letter `id` back in the queue as a fresh entry (its
    /// deliveries counted from one again) and removes it from the
    /// dead-letter stream, in one step. Returns whether there was one.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// for dead in queue.dead_letters(100).await? {
    ///     queue.requeue_dead_letter(&dead.id).await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn requeue_dead_letter(&self, id: &str) -> Result<bool, QueueError> {
        let keys = self.inner.keys.clone();
        let id = id.to_owned();
        let moved: i64 = self
            .run("re-queueing a dead letter", Some(PUSH_TRIES), move |mut conn| {
                let (keys, id) = (keys.clone(), id.clone());
                async move {
                    REQUEUE_DEAD_LETTER
                        .key(keys.dead())
                        .key(keys.stream())
                        .arg(id)
                        .invoke_async(&mut conn)
                        .await
                }
            })
            .await?;
        Ok(moved == 1)
    }

    /// Moves the retries that are due from the delay set to the stream (at
    /// most 500 per call) and returns how many. Every consumer does this
    /// about every 250 ms; call it yourself only where no consumer runs.
    ///
    /// ```no_run
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let moved = queue.move_due_retries().await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`QueueError::Command`].
    pub async fn move_due_retries(&self) -> Result<u64, QueueError> {
        let keys = self.inner.keys.clone();
        self.run("moving due retries", Some(1), move |mut conn| {
            let keys = keys.clone();
            async move {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as u64);
                MOVE_DUE_RETRIES
                    .key(keys.delayed())
                    .key(keys.stream())
                    .arg(now)
                    .arg(500)
                    .invoke_async(&mut conn)
                    .await
            }
        })
        .await
    }

    /// Starts building a consumer: a group of `pool` whose tasks run
    /// `handler` on the queue's items, read only as places are free. See
    /// [`ConsumerBuilder`] for the options.
    ///
    /// `handler` returns `Result<R, E>`: `Ok` acknowledges the entry; `Err`
    /// (or a panic) schedules a retry after a backoff, until the entry has
    /// had its deliveries and goes to the dead-letter stream with the
    /// error. The group's results are what the handler returned.
    ///
    /// ```no_run
    /// # use tokio_taskpool::TaskPool;
    /// # use tokio_taskpool_redis::RedisQueue;
    /// # async fn f(queue: RedisQueue) -> Result<(), tokio_taskpool_redis::QueueError> {
    /// let pool = TaskPool::builder().pool_size(4).build();
    /// let mut consumer = queue
    ///     .consume(&pool, |n: u64| async move { if n % 2 == 0 { Ok(n) } else { Err(format!("{n} is odd")) } })
    ///     .num_concurrent(4)
    ///     .group("numbers")
    ///     .start()
    ///     .await?;
    /// while let Some(output) = consumer.next().await {
    ///     println!("task {} returned {:?}", output.id, output.result);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn consume<'p, T, H, Fut, R, E>(&self, pool: &'p TaskPool, handler: H) -> ConsumerBuilder<'p, T, H>
    where
        T: DeserializeOwned + Send + 'static,
        H: Fn(T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        R: Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        ConsumerBuilder::new(self.clone(), pool, handler)
    }

    /// Runs a command on the shared connection, trying again while the
    /// connection is being re-established.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        doing: &'static str,
        tries: Option<u32>,
        command: F,
    ) -> Result<T, QueueError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, redis::RedisError>>,
    {
        with_reconnects(doing, tries, || command(self.inner.conn.clone()))
            .await
            .map_err(|err| QueueError::command(self.inner.keys.name(), doing, &err))
    }
}

impl fmt::Debug for RedisQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisQueue")
            .field("url", &redact(&self.inner.url))
            .field("name", &self.inner.keys.name())
            .finish_non_exhaustive()
    }
}
