//! Pools of [`tokio_taskpool`] in many processes, fed by a work queue on a
//! Redis stream: at least once, never reading more than they can run.
//!
//! Producers [`push`](RedisQueue::push) serde items onto a queue; each
//! process [`consume`](RedisQueue::consume)s it into a group of its pool,
//! as [`TaskPool::map_stream`](tokio_taskpool::TaskPool::map_stream) would
//! from a local stream: the pool's size limit, groups, callbacks, cancel and
//! graceful stop work as for local work.
//!
//! ```no_run
//! use std::time::Duration;
//! use serde::{Deserialize, Serialize};
//! use tokio_taskpool::TaskPool;
//! use tokio_taskpool_redis::RedisQueue;
//!
//! #[derive(Serialize, Deserialize)]
//! struct Email { to: String, body: String }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let queue = RedisQueue::connect("redis://127.0.0.1/", "mail").await?;
//! queue.push(&Email { to: "a@example.com".into(), body: "hi".into() }).await?;
//!
//! let pool = TaskPool::builder().name("mailer").pool_size(20).build();
//! let consumer = queue
//!     .consume(&pool, |email: Email| async move {
//!         println!("sending to {}", email.to);
//!         Ok::<_, std::io::Error>(())
//!     })
//!     .group("send")
//!     .num_concurrent(20)
//!     .instance("mailer-1")
//!     .start()
//!     .await?;
//! tokio::signal::ctrl_c().await?;
//! let stop = consumer.stop(Duration::from_secs(30)).await;
//! println!("stopped; {:?} entries left for the others", stop.left_pending);
//! # Ok(())
//! # }
//! ```
//!
//! # Guarantees
//!
//! - **No over-fetch.** A consumer reads only when its group has a free
//!   place, and then at most as many entries as there are free places:
//!   room under the group's `num_concurrent` and under the pool's size
//!   limit. While the pool is locked or full (a lowered limit included), it
//!   reads nothing. The rest stays in Redis for the other processes.
//! - **At least once, and not twice while alive.** An entry is acknowledged
//!   only after its task succeeded, or once it is dead-lettered. While a
//!   task runs, its consumer refreshes the entry's lease (XCLAIM JUSTID,
//!   three times per `min_idle`), so a long task is never handed to
//!   another consumer. Entries idle for `min_idle` (their process died) are
//!   taken over by live consumers (XAUTOCLAIM, at jittered times). A
//!   process with an [`instance`](ConsumerBuilder::instance) name first
//!   finishes what its earlier process of that instance left.
//! - **Retries and dead letters.** A failed or panicking task's entry is
//!   retried after an exponential [`Backoff`] through a delay set; after
//!   `max_deliveries` it goes to a dead-letter stream with its last error
//!   ([`RedisQueue::dead_letters`], [`RedisQueue::requeue_dead_letter`]).
//!   An entry whose item does not deserialize goes there at once.
//! - **Connections.** Everything reconnects with backoff; the blocking
//!   reads have a connection of their own whose response timeout exceeds
//!   the block time. `redis://`, `rediss://` (TLS, rustls) and
//!   `redis+unix://` URLs, with a password or an ACL user.
//!
//! The keys and entries written to Redis are described in `docs/REDIS.md`.
//! Redis 6.2 or later is needed (XAUTOCLAIM); Redis 7 is what is tested.
//!
//! # When to use something else
//!
//! For work that arrives inside one process, use the pool directly. For
//! exactly-once effects, make the handler idempotent: at-least-once means a
//! task may run again after a crash.

#![forbid(unsafe_code)]

mod backoff;
mod connection;
mod consumer;
mod dead_letter;
mod error;
mod fields;
mod held;
mod keys;
mod queue;
mod retry_command;
mod scripts;
mod stats;

pub use backoff::Backoff;
pub use consumer::{ConsumerBuilder, ConsumerStop, QueueConsumer};
pub use dead_letter::DeadLetter;
pub use error::QueueError;
pub use keys::QueueKeys;
pub use queue::RedisQueue;
pub use stats::ConsumerStats;
