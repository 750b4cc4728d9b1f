use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::{
    spawn_group, AfterUnlock, CancelRefusal, GroupCore, GroupSpec, MetaGuard, OpenRefusal, PoolInner,
};
use crate::{CancelError, GracefulStop, GroupNotFound, PoolReport, PoolStatus, SpawnError, TaskId, TaskInfo};

/// The controls that both pool kinds share, for code that works with either
/// kind: sizing, locking, counting, cancelling, flushing and closing.
///
/// [`TaskPool`](crate::TaskPool) and [`SimpleTaskPool`](crate::SimpleTaskPool)
/// have each of these methods themselves; their `handle()` gives this type,
/// a cheap `Clone` handle to the same pool, usable from any task or thread
/// (the control server drives a pool through it).
///
/// ```
/// use tokio_taskpool::{PoolHandle, SimpleTaskPool, TaskPool};
///
/// fn report(pool: &PoolHandle) -> String {
///     format!("{pool}: {} running", pool.num_running())
/// }
///
/// let pool = TaskPool::builder().name("ingest").build();
/// assert_eq!(report(&pool.handle()), "TaskPool-ingest: 0 running");
/// let workers = SimpleTaskPool::builder(|| async {}).name("w").build();
/// assert_eq!(report(&workers.handle()), "SimpleTaskPool-w: 0 running");
/// ```
#[derive(Clone)]
pub struct PoolHandle {
    pub(crate) inner: Arc<PoolInner>,
}

impl PoolHandle {
    pub(crate) fn new(kind: &str, name: Option<String>, pool_size: Option<usize>) -> Self {
        PoolHandle { inner: Arc::new(PoolInner::new(kind, name, pool_size)) }
    }

    /// The pool's name: the one given to the builder, or else a process-wide
    /// index (`"0"`, `"1"`, …). The pool displays as `TaskPool-{name}` or
    /// `SimpleTaskPool-{name}`.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().name("ingest").build();
    /// assert_eq!(pool.name(), "ingest");
    /// assert_eq!(pool.to_string(), "TaskPool-ingest");
    /// ```
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The configured size limit (`None`: unlimited), never the free room;
    /// see [`PoolHandle::is_full`] and [`PoolHandle::num_running`] for that.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::new().pool_size(), None);
    /// assert_eq!(TaskPool::builder().pool_size(3).build().pool_size(), Some(3));
    /// ```
    pub fn pool_size(&self) -> Option<usize> {
        self.inner.lock().limit()
    }

    /// Changes the size limit while tasks run: a number, or `None` to lift it.
    ///
    /// Raising it starts waiting tasks at once. Lowering it below the number
    /// of running tasks cancels nothing: they finish, and none is replaced
    /// until fewer run than the new limit. `0` pauses every new start.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().pool_size(3).build();
    /// pool.set_pool_size(10);
    /// assert_eq!(pool.pool_size(), Some(10));
    /// pool.set_pool_size(None);
    /// assert_eq!(pool.pool_size(), None);
    /// ```
    pub fn set_pool_size(&self, pool_size: impl Into<Option<usize>>) {
        let pool_size = pool_size.into();
        self.inner.transition(|state| {
            state.resize(pool_size);
            self.inner.metrics.resized(pool_size);
            ((), AfterUnlock::default())
        });
        tracing::info!("{} size limit set to {}", self.inner.display, SizeDisplay(pool_size));
    }

    /// Whether the pool refuses new groups (see [`PoolHandle::lock`]).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::new();
    /// pool.lock();
    /// assert!(pool.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.inner.lock().is_locked()
    }

    /// Makes the pool refuse new groups: spawning calls return
    /// [`SpawnError::PoolIsLocked`]. Groups already made go on starting their
    /// tasks.
    ///
    /// ```
    /// # use tokio_taskpool::{SpawnError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.lock();
    /// let err = pool.apply(|| async {}).start().unwrap_err();
    /// assert_eq!(err, SpawnError::PoolIsLocked { pool: "TaskPool-docs".into() });
    /// # }
    /// ```
    pub fn lock(&self) {
        self.inner.lock().set_locked(true);
        tracing::info!("{} is locked", self.inner.display);
    }

    /// Lets the pool accept new groups again (a closed pool stays closed).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::new();
    /// pool.lock();
    /// pool.unlock();
    /// assert!(!pool.is_locked());
    /// ```
    pub fn unlock(&self) {
        self.inner.lock().set_locked(false);
        tracing::info!("{} is unlocked", self.inner.display);
    }

    /// Whether the pool is closed: [`close`](PoolHandle::close) was called
    /// and every group it had is done, every task ended and its callbacks
    /// run. From then on nothing of the pool runs.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// assert!(!pool.is_closed());
    /// pool.gather_and_close().await;
    /// assert!(pool.is_closed());
    /// # }
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.lock().is_closed()
    }

    /// Closes the pool, at once and for good: it locks, and spawning calls
    /// return [`SpawnError::PoolIsClosed`] from now on; groups already made
    /// go on starting and running their tasks. Wait for them with
    /// [`until_closed`](PoolHandle::until_closed), as with
    /// `tokio_util::task::TaskTracker::close` and `wait`;
    /// [`gather_and_close`](PoolHandle::gather_and_close) does both and
    /// reports failures.
    ///
    /// ```
    /// # use tokio_taskpool::{SpawnError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| tokio::time::sleep(std::time::Duration::from_secs(1))).num(2).start().unwrap();
    /// pool.close();
    /// assert!(matches!(pool.apply(|| async {}).start(), Err(SpawnError::PoolIsClosed { .. })));
    /// assert!(!pool.is_closed(), "its tasks still run");
    /// pool.until_closed().await;
    /// assert_eq!(pool.num_ended(), 2);
    /// # }
    /// ```
    pub fn close(&self) {
        let already = self.inner.transition(|state| (state.is_closing(), state.close()));
        if !already {
            tracing::info!("{} is closing", self.inner.display);
        }
    }

    /// How many tasks are running now. A cancelled task stops counting at
    /// once; a task whose future completed stops counting before its `on_end`
    /// callback runs.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(std::future::pending::<()>).num(3).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(pool.num_running(), 3);
    /// # }
    /// ```
    pub fn num_running(&self) -> usize {
        self.inner.lock().num_running()
    }

    /// How many tasks meta tasks want to start but have not started yet, for
    /// lack of room: the pending starts of apply and start groups, plus one
    /// for each map group that holds an item and waits for room.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().pool_size(2).build();
    /// pool.apply(std::future::pending::<()>).num(5).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!((pool.num_running(), pool.num_waiting()), (2, 3));
    /// # }
    /// ```
    pub fn num_waiting(&self) -> usize {
        self.inner.lock().num_waiting()
    }

    /// How many tasks were cancelled since the pool was made.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::new().num_cancelled(), 0);
    /// ```
    pub fn num_cancelled(&self) -> u64 {
        self.inner.lock().num_cancelled()
    }

    /// How many tasks ended since the pool was made, however they ended. A
    /// task counts as ended from the moment its `on_end` callback starts (or,
    /// without one, from the moment its future is gone).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async {}).num(4).start().unwrap();
    /// pool.gather_and_close().await;
    /// assert_eq!(pool.num_ended(), 4);
    /// # }
    /// ```
    pub fn num_ended(&self) -> u64 {
        self.inner.lock().num_ended()
    }

    /// How many panics were caught since the pool was made: in tasks (and
    /// the factories that make their futures), callbacks and map inputs.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!("oops") }).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert_eq!((pool.num_failed(), report.num_failed()), (1, 1));
    /// # }
    /// ```
    pub fn num_failed(&self) -> u64 {
        self.inner.lock().num_failed()
    }

    /// Whether the pool has no free room: as many alive task futures as the
    /// size limit allows (never true without a limit).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().pool_size(1).build();
    /// assert!(!pool.is_full());
    /// pool.apply(std::future::pending::<()>).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert!(pool.is_full());
    /// # }
    /// ```
    pub fn is_full(&self) -> bool {
        self.inner.lock().is_full()
    }

    /// The IDs of the alive tasks (running, or ending) of the named groups.
    ///
    /// # Errors
    ///
    /// [`GroupNotFound`] for the first name that is not a group alive in the
    /// pool. A group is forgotten once it has started all it will start and
    /// all its tasks have ended.
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.apply(std::future::pending::<()>).num(2).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let ids = pool.group_ids(&[group.name()]).unwrap();
    /// assert_eq!(ids.into_iter().collect::<Vec<_>>(), [TaskId::from(0), TaskId::from(1)]);
    /// # }
    /// ```
    pub fn group_ids(&self, groups: &[&str]) -> Result<BTreeSet<TaskId>, GroupNotFound> {
        let ids = self.inner.lock().group_ids(groups);
        ids.map_err(|name| self.group_not_found(name))
    }

    /// Cancels running tasks: each one's future is dropped, then its
    /// `on_cancel` callback runs, then its `on_end` callback.
    ///
    /// All or nothing: if any ID is refused, no task is cancelled.
    ///
    /// # Errors
    ///
    /// For the first refused ID: [`CancelError::AlreadyCancelled`],
    /// [`CancelError::AlreadyEnded`], or [`CancelError::TaskNotFound`] when
    /// the pool never had such a task.
    ///
    /// ```
    /// # use tokio_taskpool::{CancelError, TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.apply(std::future::pending::<()>).start().unwrap();
    /// tokio::task::yield_now().await;
    /// pool.cancel(&[TaskId::from(0)]).unwrap();
    /// assert_eq!(pool.num_cancelled(), 1);
    /// assert_eq!(
    ///     pool.cancel(&[TaskId::from(7)]),
    ///     Err(CancelError::TaskNotFound { pool: "TaskPool-docs".into(), id: TaskId::from(7) })
    /// );
    /// # }
    /// ```
    pub fn cancel(&self, ids: &[TaskId]) -> Result<(), CancelError> {
        self.inner
            .transition(|state| match state.cancel_tasks(ids) {
                Ok(after) => (Ok(()), after),
                Err(refused) => (Err(refused), AfterUnlock::default()),
            })
            .map_err(|(id, refusal)| self.error_for_task(id, refusal))?;
        for id in ids {
            tracing::debug!("Cancelling {}_Task-{}", self.inner.display, id);
        }
        Ok(())
    }

    /// Cancels a group: first its meta task, so that nothing it still wanted
    /// to start starts later, then every running task of it. Returns how
    /// many running tasks it cancelled: 0 for a group whose tasks have all
    /// ended but that is not forgotten yet.
    ///
    /// # Errors
    ///
    /// [`GroupNotFound`] when no group of that name is alive. To cancel a
    /// group without that race, keep its [`GroupHandle`](crate::GroupHandle)
    /// and call [`GroupHandle::cancel`](crate::GroupHandle::cancel).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().pool_size(2).build();
    /// let group = pool.apply(std::future::pending::<()>).num(5).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(pool.cancel_group(group.name()), Ok(2));
    /// pool.flush().await;
    /// assert_eq!((pool.num_running(), pool.num_waiting(), pool.num_cancelled()), (0, 0, 2));
    /// # }
    /// ```
    pub fn cancel_group(&self, group: &str) -> Result<usize, GroupNotFound> {
        let cancelled = self.inner.transition(|state| match state.cancel_group(group) {
            Some((num, after)) => (Some(num), after),
            None => (None, AfterUnlock::default()),
        });
        let num = cancelled.ok_or_else(|| self.group_not_found(group))?;
        tracing::debug!("{} cancelled group '{}' ({} running)", self.inner.display, group, num);
        Ok(num)
    }

    /// Cancels every group (meta tasks first) and so every running task.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(std::future::pending::<()>).num(3).start().unwrap();
    /// tokio::task::yield_now().await;
    /// pool.cancel_all();
    /// assert_eq!(pool.num_cancelled(), 3);
    /// # }
    /// ```
    pub fn cancel_all(&self) {
        self.inner.transition(|state| ((), state.cancel_all()));
    }

    /// Waits until every task that has ended or been cancelled so far has
    /// finished its callbacks, then reports the failures (panics) since the
    /// last report and forgets them. Running tasks are not waited for.
    ///
    /// Unlike the reference library, it never raises a task's panic and
    /// always forgets what it flushed; ended tasks are forgotten as they end
    /// anyway, so a pool needs no flush to keep its memory bounded.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops the wait. The failures are
    /// taken only when it completes.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!("bad input") }).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let report = pool.flush().await;
    /// assert_eq!(report.failures()[0].message, "bad input");
    /// assert!(pool.flush().await.is_clean());
    /// # }
    /// ```
    pub async fn flush(&self) -> PoolReport {
        let ending = self.inner.lock().ending_tasks();
        self.inner.wait_until(|state| ending.iter().all(|&id| !state.is_alive(id))).await;
        self.inner.lock().take_report()
    }

    /// Closes the pool ([`close`](PoolHandle::close)), lets every meta task
    /// finish starting what it was asked to start, waits for every task and
    /// its callbacks, and reports the failures since the last report. From
    /// the call on, spawning calls return [`SpawnError::PoolIsClosed`].
    ///
    /// Work requested just before the call still starts: unlike the
    /// reference library, `apply(..)` directly followed by
    /// `gather_and_close()` is fine. It waits as long as the tasks run: a
    /// task that never ends (a heartbeat, a worker loop) keeps it waiting
    /// forever. For a bounded shutdown, stop them first with
    /// [`stop_gracefully`](PoolHandle::stop_gracefully), which drops what
    /// has not stopped by its timeout and says which tasks those were:
    /// `pool.close(); pool.stop_gracefully(timeout).await; pool.gather_and_close().await`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe in that dropping the future loses nothing but the report:
    /// the pool is closed from the first poll on, its tasks go on, and the
    /// failures stay for the next `flush`.
    ///
    /// ```
    /// # use tokio_taskpool::{SpawnError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.apply(|| async {}).num(3).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert!(report.is_clean());
    /// assert_eq!(pool.num_ended(), 3);
    /// let err = pool.apply(|| async {}).start().unwrap_err();
    /// assert_eq!(err, SpawnError::PoolIsClosed { pool: "TaskPool-docs".into() });
    /// # }
    /// ```
    pub async fn gather_and_close(&self) -> PoolReport {
        self.close();
        self.until_closed().await;
        let report = self.inner.lock().take_report();
        tracing::info!("{} is closed", self.inner.display);
        report
    }

    /// Waits until the pool is closed: [`close`](PoolHandle::close) (or
    /// `gather_and_close`) was called and everything of the pool has ended.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops the wait.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let watcher = tokio::spawn({
    ///     let pool = pool.clone();
    ///     async move { pool.until_closed().await }
    /// });
    /// pool.gather_and_close().await;
    /// watcher.await.unwrap();
    /// # }
    /// ```
    pub async fn until_closed(&self) {
        self.inner.wait_until(|state| state.is_closed()).await;
    }

    /// Stops everything gracefully: withdraws every pending start, signals
    /// every task through [`current::stop_requested`](crate::current::stop_requested),
    /// waits until no task runs or `timeout` has passed, then cancels the
    /// tasks still running. The pool stays open; groups made afterwards get
    /// a fresh stop signal.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped during the wait, the tasks have been
    /// signalled and pending starts withdrawn, but nothing is cancelled.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// // This one ignores the signal and is dropped at the deadline.
    /// pool.apply(std::future::pending::<()>).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let stop = pool.stop_gracefully(Duration::from_secs(2)).await;
    /// assert_eq!((stop.stopped_in_time(), stop.dropped().len()), (0, 1));
    /// # }
    /// ```
    pub async fn stop_gracefully(&self, timeout: Duration) -> GracefulStop {
        let signalled = self.inner.transition(|state| state.begin_graceful_stop());
        tracing::info!("{} is stopping gracefully ({} running)", self.inner.display, signalled);
        let _ = tokio::time::timeout(timeout, self.inner.wait_until(|state| state.num_running() == 0)).await;
        let dropped = self.inner.transition(|state| state.cancel_every_running());
        if !dropped.is_empty() {
            tracing::info!("{} dropped {} tasks at the deadline", self.inner.display, dropped.len());
        }
        GracefulStop { stopped_in_time: signalled.saturating_sub(dropped.len()), dropped }
    }

    /// The graceful counterpart of [`cancel`](PoolHandle::cancel): asks these
    /// tasks alone to stop (each sees its own
    /// [`current::stop_requested`](crate::current::stop_requested) resolve),
    /// waits until they have ended or `timeout` has passed, then cancels
    /// those still running. Other tasks are not disturbed.
    ///
    /// # Errors
    ///
    /// As `cancel`, for the first ID that is not running; then nothing is
    /// asked.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped during the wait, the tasks have been asked
    /// to stop, but none is cancelled.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::{current, TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { current::stop_requested().await }).num(3).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let stop = pool.retire_tasks(&[TaskId::from(2)], Duration::from_secs(5)).await.unwrap();
    /// assert_eq!((stop.stopped_in_time(), stop.dropped().len()), (1, 0));
    /// assert_eq!((pool.num_running(), pool.num_cancelled()), (2, 0));
    /// # }
    /// ```
    pub async fn retire_tasks(&self, ids: &[TaskId], timeout: Duration) -> Result<GracefulStop, CancelError> {
        let asked = self.inner.transition(|state| match state.check_running(ids) {
            Err(refused) => (Err(refused), crate::engine::AfterUnlock::default()),
            Ok(()) => {
                let (asked, after) = state.ask_to_stop(ids);
                (Ok(asked), after)
            }
        });
        let asked = asked.map_err(|(id, refusal)| self.error_for_task(id, refusal))?;
        Ok(self.wait_then_drop(asked, timeout).await)
    }

    /// The graceful counterpart of [`cancel_group`](PoolHandle::cancel_group):
    /// the group starts nothing more, its running tasks are asked to stop,
    /// and those still running after `timeout` are cancelled.
    ///
    /// # Errors
    ///
    /// [`GroupNotFound`] when no group of that name is alive.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped during the wait, the group is closed and its
    /// tasks asked to stop, but none is cancelled.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::{current, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().pool_size(2).build();
    /// let group = pool.apply(|| async { current::stop_requested().await }).num(5).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let stop = pool.retire_group(group.name(), Duration::from_secs(5)).await.unwrap();
    /// assert_eq!(stop.stopped_in_time(), 2);
    /// assert_eq!((pool.num_running(), pool.num_waiting(), pool.num_cancelled()), (0, 0, 0));
    /// # }
    /// ```
    pub async fn retire_group(&self, group: &str, timeout: Duration) -> Result<GracefulStop, GroupNotFound> {
        let asked = self.inner.transition(|state| match state.ask_group_to_stop(group) {
            Some((asked, after)) => (Some(asked), after),
            None => (None, crate::engine::AfterUnlock::default()),
        });
        let asked = asked.ok_or_else(|| self.group_not_found(group))?;
        Ok(self.wait_then_drop(asked, timeout).await)
    }

    /// The end of a graceful stop of some tasks: waits until none of them
    /// runs or `timeout` has passed, then cancels those still running.
    pub(crate) async fn wait_then_drop(&self, asked: Vec<TaskId>, timeout: Duration) -> GracefulStop {
        let _ =
            tokio::time::timeout(timeout, self.inner.wait_until(|state| state.none_running(&asked))).await;
        let dropped = self.inner.transition(|state| state.cancel_still_running(&asked));
        if !dropped.is_empty() {
            tracing::info!(
                "{} dropped {} tasks at the end of a graceful stop",
                self.inner.display,
                dropped.len()
            );
        }
        GracefulStop { stopped_in_time: asked.len() - dropped.len(), dropped }
    }

    /// A snapshot of the pool's counters and groups. Its cost does not grow
    /// with the number of tasks.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let status = TaskPool::builder().name("ingest").pool_size(4).build().status();
    /// assert_eq!(status.name, "TaskPool-ingest");
    /// assert_eq!((status.pool_size, status.running, status.groups.len()), (Some(4), 0, 0));
    /// ```
    pub fn status(&self) -> PoolStatus {
        let state = self.inner.lock();
        PoolStatus {
            name: self.inner.display.to_string(),
            pool_size: state.limit(),
            running: state.num_running(),
            waiting: state.num_waiting(),
            cancelled: state.num_cancelled(),
            ended: state.num_ended(),
            failed: state.num_failed(),
            locked: state.is_locked(),
            closed: state.is_closed(),
            groups: state.group_statuses(),
        }
    }

    /// The running tasks, oldest first, with their group and age.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(std::future::pending::<()>).group("idle").start().unwrap();
    /// tokio::task::yield_now().await;
    /// tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    /// let tasks = pool.running_tasks();
    /// assert_eq!((tasks[0].group.as_str(), tasks[0].age.as_secs()), ("idle", 5));
    /// # }
    /// ```
    pub fn running_tasks(&self) -> Vec<TaskInfo> {
        self.running_tasks_up_to(usize::MAX).0
    }

    /// The `max` oldest running tasks, with their group and age, and how
    /// many tasks run in all. The work done under the pool's lock is that of
    /// the rows returned, so a caller that shows a page of a large pool (the
    /// control server's `tasks`) does not hold up every task end for the
    /// whole list.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(std::future::pending::<()>).num(5).start().unwrap();
    /// tokio::task::yield_now().await;
    /// let (first, total) = pool.running_tasks_up_to(2);
    /// assert_eq!((first.len(), first[0].id.as_u64(), total), (2, 0, 5));
    /// # }
    /// ```
    pub fn running_tasks_up_to(&self, max: usize) -> (Vec<TaskInfo>, usize) {
        let now = tokio::time::Instant::now();
        let state = self.inner.lock();
        (state.running_tasks(now, max), state.num_running())
    }

    /// Opens a group and spawns its meta task (see [`spawn_group`]).
    #[track_caller]
    pub(crate) fn start_group<M, Fut>(&self, spec: GroupSpec, meta: M) -> Result<Arc<GroupCore>, SpawnError>
    where
        M: FnOnce(MetaGuard, Arc<GroupCore>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        spawn_group(&self.inner, spec, meta).map_err(|refusal| {
            let pool = self.inner.display.clone();
            match refusal {
                OpenRefusal::Closed => SpawnError::PoolIsClosed { pool },
                OpenRefusal::Locked => SpawnError::PoolIsLocked { pool },
                OpenRefusal::NameTaken(group) => SpawnError::GroupExists { pool, group },
            }
        })
    }

    fn group_not_found(&self, group: &str) -> GroupNotFound {
        GroupNotFound { pool: self.inner.display.clone(), group: group.to_owned() }
    }

    fn error_for_task(&self, id: TaskId, refusal: CancelRefusal) -> CancelError {
        let pool = self.inner.display.clone();
        match refusal {
            CancelRefusal::AlreadyCancelled => CancelError::AlreadyCancelled { pool, id },
            CancelRefusal::AlreadyEnded => CancelError::AlreadyEnded { pool, id },
            CancelRefusal::NotFound => CancelError::TaskNotFound { pool, id },
        }
    }
}

struct SizeDisplay(Option<usize>);

impl fmt::Display for SizeDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(size) => write!(f, "{size}"),
            None => f.write_str("unlimited"),
        }
    }
}

impl fmt::Display for PoolHandle {
    /// `TaskPool-{name}` or `SimpleTaskPool-{name}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.display)
    }
}

impl fmt::Debug for PoolHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.lock();
        f.debug_struct("PoolHandle")
            .field("name", &self.inner.display)
            .field("pool_size", &state.limit())
            .field("running", &state.num_running())
            .field("locked", &state.is_locked())
            .field("closed", &state.is_closed())
            .finish_non_exhaustive()
    }
}
