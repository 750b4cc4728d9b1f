//! Dynamically managed pools of tokio tasks.
//!
//! tokio-taskpool carries the design of Python's
//! [asyncio-taskpool](https://asyncio-taskpool.readthedocs.io/) into async
//! Rust. A pool runs many copies of some async work in named groups, lets you
//! change how many run while they run, cancel a task, a group or everything,
//! and shut down cleanly:
//!
//! - [`TaskPool`]: [`apply`](TaskPool::apply) a future factory `n` times, or
//!   [`map`](TaskPool::map) / [`map_stream`](TaskPool::map_stream) /
//!   [`starmap`](TaskPool::starmap) a function over an iterator or a stream
//!   with a fixed number of tasks at a time; every call makes a named group
//!   whose [`GroupHandle`] streams the tasks' results.
//! - [`SimpleTaskPool`]: one worker function, [`start(n)`](SimpleTaskPool::start)
//!   and [`stop(n)`](SimpleTaskPool::stop) at will.
//! - Shared by both, as methods of each (documented in full on
//!   [`PoolHandle`], which code that works with either kind can hold): a
//!   size limit that can be raised, lowered or set to zero while tasks run;
//!   lock/unlock; cancel by ID, group or all;
//!   [`flush`](PoolHandle::flush); [`close`](PoolHandle::close) and
//!   [`until_closed`](PoolHandle::until_closed), or both at once with
//!   [`gather_and_close`](PoolHandle::gather_and_close);
//!   [`stop_gracefully`](PoolHandle::stop_gracefully) with a timeout; counts
//!   and a [`status`](PoolHandle::status) snapshot.
//!
//! Spawning calls return a [`GroupBuilder`] that ends in `start()`, which
//! gives a [`GroupHandle`]: the group's results as a stream, and a way to
//! cancel the group. Each fallible call has its own error type with exactly
//! the cases it can hit: [`SpawnError`], [`CancelError`], [`GroupNotFound`].
//!
//! ```
//! use std::time::Duration;
//! use tokio_taskpool::TaskPool;
//!
//! async fn fetch(url: String) -> usize {
//!     tokio::time::sleep(Duration::from_millis(100)).await;
//!     url.len()
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let pool = TaskPool::builder().name("crawler").pool_size(10).build();
//! let urls = (0..100).map(|i| format!("https://example.com/{i}"));
//! // Returns at once; 5 tasks of this group work at every moment.
//! let group = pool.map(fetch, urls).num_concurrent(5).start().unwrap();
//! println!("started {}", group.name());
//! let report = pool.gather_and_close().await;
//! assert!(report.is_clean());
//! assert_eq!(pool.num_ended(), 100);
//! # }
//! ```
//!
//! # Cancellation and callbacks
//!
//! Cancelling a task drops its future; then its `on_cancel` callback runs,
//! then its `on_end` callback. Callbacks run exactly once per task, never
//! under the pool's internal lock. A panic in a task, a callback or a map
//! input is caught, logged with `tracing`, counted ([`PoolHandle::num_failed`])
//! and reported by the next `flush` or `gather_and_close`; it never takes the
//! pool down. Tasks that prefer to stop cooperatively read their ID and group
//! and await a graceful stop through [`current`].
//!
//! # Memory
//!
//! A pool keeps records only of alive tasks and groups, plus counters: a map
//! of ten million short tasks leaves nothing behind, with or without
//! `flush`. Results wait in a group's [`GroupHandle`] only while the handle
//! is alive.
//!
//! # Control from outside the process
//!
//! This crate is the pool only; its one feature flag, `metrics` (off by
//! default), records metrics (see [Metrics](#metrics)). To drive a pool
//! from outside its process, serve it with `ControlServer` from the
//! `taskpool-control` crate; `taskpool-protocol` has the wire protocol and
//! a client, and `taskpool-ctl` is the command-line client (see
//! `docs/PROTOCOL.md`).
//!
//! # When to use something else
//!
//! If you only need to wait for a set of tasks, [`tokio::task::JoinSet`](https://docs.rs/tokio/1/tokio/task/struct.JoinSet.html) or
//! `tokio_util::task::TaskTracker` is simpler; to run a bounded number of
//! futures inside one task, `futures::StreamExt::buffer_unordered`. Use a
//! pool when the number of tasks must change while they run, when groups of
//! them must be cancelled or observed, or when an operator must control them.
//!
//! # Logging
//!
//! Every start, cancel and end is logged at debug level as
//! `Started TaskPool-0_Task-3`; lock, unlock, resize and close at info level;
//! caught panics at error level.
//!
//! # Metrics
//!
//! With the `metrics` feature (off by default), the pool records through
//! the [`metrics`](https://docs.rs/metrics/0.24) facade: the application
//! installs the recorder, that is the exporter of its choice (Prometheus,
//! StatsD, OpenTelemetry …), **before it makes the pool**: a pool takes its
//! metric handles when it is made, and a named group when it is opened, so
//! that a task only increments and records through them.
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `taskpool_tasks_started_total` | counter | `pool`, `group`¹ | tasks started |
//! | `taskpool_tasks_finished_total` | counter | `pool`, `group`¹, `outcome` | tasks whose future ended; `outcome` is `ok` (it completed, whatever its output: the pool does not read it, so a task that returns an `Err` is `ok`), `panicked` (a panic was caught) or `cancelled` (its future was dropped first: a cancel, a graceful stop's timeout, the runtime shutting down) |
//! | `taskpool_tasks_running` | gauge | `pool` | tasks running: [`num_running`](PoolHandle::num_running) |
//! | `taskpool_starts_waiting` | gauge | `pool` | starts wanted but waiting for room: [`num_waiting`](PoolHandle::num_waiting) |
//! | `taskpool_pool_size` | gauge | `pool` | the size limit, [`pool_size`](PoolHandle::pool_size); `+Inf` when unlimited |
//! | `taskpool_task_duration_seconds` | histogram | `pool`, `group`¹, `outcome` | from a task's start to the end of its future (its callbacks not included) |
//! | `taskpool_start_wait_seconds` | histogram | `pool`, `group`¹ | how long a start waited for room in the pool: from when the group's meta task began to wait for it (after the group's previous start; for a map, once it holds the next item and a free `num_concurrent` slot) to the task's start |
//!
//! `pool` is the pool's name as logs show it (`TaskPool-ingest`; an unnamed
//! pool is `TaskPool-` and a process-wide index, so name the pools a
//! program makes again and again). ¹ `group` only for groups named with
//! [`GroupBuilder::group`]: default names (`apply-group-7`) are one per call
//! and would make a series per call, so the tasks of all default-named
//! groups of a pool are counted together, in the series without a `group`
//! label. No label ever holds a task ID.
//!
//! Once the pool is at rest, the sum of `taskpool_tasks_finished_total` is
//! [`num_ended`](PoolHandle::num_ended), its `cancelled` series
//! [`num_cancelled`](PoolHandle::num_cancelled), and its `panicked` series
//! the panics of tasks ([`num_failed`](PoolHandle::num_failed) also counts
//! panics of callbacks and map inputs). A task is counted as finished when
//! its future ends, before its callbacks run. The gauges are set at every
//! change, from the counts read under the pool's lock, once the lock is
//! released (a recorder is code of yours, and never runs under the lock).
//! Without the feature none of this is compiled and a task costs nothing
//! more. `examples/prometheus.rs` exports the metrics at `/metrics` with
//! metrics-exporter-prometheus.

#![forbid(unsafe_code)]

pub mod current;
mod engine;
mod error;
mod group_builder;
mod group_handle;
mod pool_handle;
mod report;
mod shared_controls;
mod simple_pool;
mod status;
mod task_id;
mod task_output;
mod task_pool;

pub use error::{CancelError, GroupNotFound, SpawnError};
pub use group_builder::{Counted, GroupBuilder, Mapped, StarmapFn};
pub use group_handle::GroupHandle;
pub use pool_handle::PoolHandle;
pub use report::{FailureStage, GracefulStop, PoolReport, TaskFailure};
pub use simple_pool::{SimpleTaskPool, SimpleTaskPoolBuilder};
pub use status::{GroupKind, GroupStatus, PoolStatus, TaskInfo};
pub use task_id::TaskId;
pub use task_output::{TaskError, TaskOutput};
pub use task_pool::{TaskPool, TaskPoolBuilder};

/// The longest name [`GroupBuilder::group`] takes, in bytes; a group name
/// also holds only printable characters. A longer name, or one with a
/// control or invisible formatting character, makes `start` fail with
/// [`SpawnError::BadGroupName`].
///
/// ```
/// use tokio_taskpool::{SpawnError, TaskPool, MAX_GROUP_NAME_LEN};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("docs").build();
/// let long = "g".repeat(MAX_GROUP_NAME_LEN + 1);
/// let err = pool.apply(|| async {}).group(long).start().unwrap_err();
/// assert!(matches!(err, SpawnError::BadGroupName { .. }));
/// assert_eq!(err.kind(), "bad_group_name");
/// let err = pool.apply(|| async {}).group("a\u{1b}[2J").start().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "TaskPool-docs refuses the group name 'a\\u{1b}[2J': at most 128 bytes of printable characters"
/// );
/// pool.apply(|| async {}).group("ünïcödé, spaces and all").start().unwrap();
/// # }
/// ```
pub const MAX_GROUP_NAME_LEN: usize = 128;
