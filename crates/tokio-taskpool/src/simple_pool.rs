use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::FutureExt;

use crate::engine::{callback, run_counted, Callbacks, GroupSpec};
use crate::shared_controls::shared_controls;
use crate::{GroupHandle, GroupKind, PoolHandle, SpawnError, TaskId};

/// Starts `n` workers as a new group of the pool. The worker's concrete type
/// is erased here, once per `start` call, rather than by boxing every
/// worker's future: a boxed future would cost each alive worker an
/// allocation and its pointer.
type Starter = dyn Fn(&PoolHandle, usize, Callbacks) -> Result<GroupHandle<()>, SpawnError> + Send + Sync;

/// A pool of copies of one worker: `start(n)` adds `n` workers, `stop(n)`
/// takes `n` away, at any time.
///
/// Made for services whose main loop (or an operator, through the control
/// server) regulates how many workers run. The controls it shares with
/// [`TaskPool`](crate::TaskPool) (size, lock, cancel, flush, close, status)
/// are methods of both, documented in full on [`PoolHandle`].
///
/// ```
/// use std::time::Duration;
/// use tokio_taskpool::SimpleTaskPool;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let pool = SimpleTaskPool::new(|| async {
///     loop {
///         tokio::time::sleep(Duration::from_secs(1)).await; // take a job, do it
///     }
/// });
/// pool.start(5).unwrap();
/// tokio::task::yield_now().await;
/// assert_eq!(pool.num_running(), 5);
/// let stopped = pool.stop(3);
/// assert_eq!(stopped.len(), 3);
/// assert_eq!(pool.num_running(), 2);
/// pool.stop_all();
/// pool.gather_and_close().await;
/// # }
/// ```
#[derive(Clone)]
pub struct SimpleTaskPool {
    handle: PoolHandle,
    starter: Arc<Starter>,
    callbacks: Callbacks,
}

impl SimpleTaskPool {
    /// A pool of `worker()` tasks, with no size limit, named by a process-wide
    /// index. Nothing runs until [`SimpleTaskPool::start`].
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// let pool = SimpleTaskPool::new(|| async {});
    /// assert_eq!(pool.num_running(), 0);
    /// assert!(pool.to_string().starts_with("SimpleTaskPool-"));
    /// ```
    pub fn new<F, Fut>(worker: F) -> SimpleTaskPool
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
    {
        SimpleTaskPool::builder(worker).build()
    }

    /// A builder to add a name, a size limit and callbacks.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// let pool = SimpleTaskPool::builder(|| async {})
    ///     .name("workers")
    ///     .pool_size(10)
    ///     .on_end(|id| async move { println!("worker {id} ended") })
    ///     .build();
    /// assert_eq!(pool.to_string(), "SimpleTaskPool-workers");
    /// ```
    pub fn builder<F, Fut>(worker: F) -> SimpleTaskPoolBuilder
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
    {
        // A worker's output is dropped inside the task: the handle reports
        // each worker's end, not its value. `map(drop)` adds no bytes to the
        // worker's future, where an `async` wrapper would hold it twice.
        let worker = Arc::new(move || worker().map(drop));
        let starter: Arc<Starter> = Arc::new(move |pool: &PoolHandle, n: usize, callbacks: Callbacks| {
            let worker = worker.clone();
            let (sink, results) = tokio::sync::mpsc::unbounded_channel();
            let spec = GroupSpec {
                kind: GroupKind::Start,
                name: None,
                remaining: n,
                num_concurrent: None,
                callbacks,
            };
            let group =
                pool.start_group(spec, |alive, group| run_counted(alive, group, worker, Some(sink)))?;
            Ok(GroupHandle::new(group, results))
        });
        SimpleTaskPoolBuilder { starter, name: None, pool_size: None, callbacks: Callbacks::default() }
    }

    shared_controls!(handle);

    /// Adds `n` workers, as one new group named `start-group-N`, and returns
    /// at once with the group's handle, as `TaskPool`'s calls do; the
    /// workers start in the background as room allows. The handle streams
    /// each worker's end (the worker's own output is dropped) and can cancel
    /// the group; drop it if you need neither.
    ///
    /// Each call is a group of its own, so that what one call started can
    /// be cancelled, retired or counted as a unit; [`status`](SimpleTaskPool::status)
    /// therefore lists one row per `start` whose workers are still alive,
    /// and [`num_running`](SimpleTaskPool::num_running) gives the total.
    ///
    /// # Errors
    ///
    /// [`SpawnError::PoolIsClosed`] or [`SpawnError::PoolIsLocked`].
    ///
    /// # Panics
    ///
    /// If `n` is 0, or outside a tokio runtime.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = SimpleTaskPool::new(std::future::pending::<()>);
    /// assert_eq!(pool.start(2).unwrap().name(), "start-group-0");
    /// let one = pool.start(1).unwrap();
    /// assert_eq!(one.name(), "start-group-1");
    /// # }
    /// ```
    #[track_caller]
    pub fn start(&self, n: usize) -> Result<GroupHandle<()>, SpawnError> {
        assert!(n > 0, "SimpleTaskPool::start(0): starting no worker is a mistake");
        if tokio::runtime::Handle::try_current().is_err() {
            panic!("{} can only start tasks from within a tokio runtime", self.handle);
        }
        (self.starter)(&self.handle, n, self.callbacks.clone())
    }

    /// Takes `n` workers away: first withdraws starts still waiting for room
    /// (newest first), then cancels running workers, newest first. Returns
    /// the IDs of the cancelled running workers. Withdrawn starts never start
    /// later, so the pool does not refill.
    ///
    /// A cancelled worker's future is dropped wherever it is: work in
    /// progress is lost. To let workers finish what they hold, signal them
    /// and wait with [`stop_gracefully`](SimpleTaskPool::stop_gracefully).
    ///
    /// ```
    /// # use tokio_taskpool::{SimpleTaskPool, TaskId};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = SimpleTaskPool::builder(std::future::pending::<()>).pool_size(2).build();
    /// pool.start(3).unwrap(); // two run, one waits for room
    /// tokio::task::yield_now().await;
    /// assert_eq!(pool.stop(2), [TaskId::from(1)]); // the waiting start, then the newest worker
    /// assert_eq!((pool.num_running(), pool.num_waiting()), (1, 0));
    /// # }
    /// ```
    pub fn stop(&self, n: usize) -> Vec<TaskId> {
        let stopped = self.handle.inner.transition(|state| state.stop_newest(n));
        for id in &stopped {
            tracing::debug!("Cancelling {}_Task-{}", self.handle, id);
        }
        stopped
    }

    /// Takes `n` workers away gracefully: withdraws starts still waiting for
    /// room (newest first), then asks the newest running workers that were
    /// not asked before to stop (each sees its own
    /// [`current::stop_requested`](crate::current::stop_requested) resolve,
    /// the others see nothing), waits until they have ended or `timeout` has
    /// passed, and cancels those still running. A worker that finishes its
    /// job and returns loses nothing; the report names the dropped ones.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped during the wait, the workers have been asked
    /// to stop, but none is cancelled.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::{current, SimpleTaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// // A worker that finishes the job in hand before it stops.
    /// let pool = SimpleTaskPool::new(|| async {
    ///     loop {
    ///         tokio::time::sleep(Duration::from_secs(1)).await; // one job
    ///         if current::stop_token().unwrap().is_cancelled() {
    ///             return;
    ///         }
    ///     }
    /// });
    /// pool.start(5).unwrap();
    /// tokio::task::yield_now().await;
    /// let retired = pool.retire(2, Duration::from_secs(10)).await;
    /// assert_eq!((retired.stopped_in_time(), retired.dropped().len()), (2, 0));
    /// assert_eq!((pool.num_running(), pool.num_cancelled()), (3, 0));
    /// # }
    /// ```
    pub async fn retire(&self, n: usize, timeout: std::time::Duration) -> crate::GracefulStop {
        let asked = self.handle.inner.transition(|state| state.ask_newest_to_stop(n));
        tracing::debug!("{} asked {} workers to stop", self.handle, asked.len());
        self.handle.wait_then_drop(asked, timeout).await
    }

    /// Takes every worker away: withdraws every waiting start and cancels
    /// every running worker. Returns the IDs of the cancelled workers, newest
    /// first. Its cost is linear in the number of workers, whatever they wait on.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = SimpleTaskPool::new(std::future::pending::<()>);
    /// pool.start(3).unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(pool.stop_all().len(), 3);
    /// assert_eq!(pool.num_running(), 0);
    /// # }
    /// ```
    pub fn stop_all(&self) -> Vec<TaskId> {
        self.stop(usize::MAX)
    }
}

impl fmt::Display for SimpleTaskPool {
    /// `SimpleTaskPool-{name}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.handle, f)
    }
}

impl fmt::Debug for SimpleTaskPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleTaskPool")
            .field("handle", &self.handle)
            .field("callbacks", &self.callbacks)
            .finish_non_exhaustive()
    }
}

/// Builds a [`SimpleTaskPool`]; made by [`SimpleTaskPool::builder`].
///
/// ```
/// # use tokio_taskpool::SimpleTaskPool;
/// let pool = SimpleTaskPool::builder(|| async {}).name("workers").pool_size(4).build();
/// assert_eq!((pool.name(), pool.pool_size()), ("workers", Some(4)));
/// ```
#[must_use = "a builder does nothing until .build() is called"]
pub struct SimpleTaskPoolBuilder {
    starter: Arc<Starter>,
    name: Option<String>,
    pool_size: Option<usize>,
    callbacks: Callbacks,
}

impl SimpleTaskPoolBuilder {
    /// Names the pool: it displays as `SimpleTaskPool-{name}`. By default a
    /// pool is named by a process-wide index.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// assert_eq!(SimpleTaskPool::builder(|| async {}).name("w").build().to_string(), "SimpleTaskPool-w");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Limits how many workers run at once. By default there is no limit.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// assert_eq!(SimpleTaskPool::builder(|| async {}).pool_size(2).build().pool_size(), Some(2));
    /// ```
    pub fn pool_size(mut self, pool_size: usize) -> Self {
        self.pool_size = Some(pool_size);
        self
    }

    /// An async callback run with the worker's ID when each worker ends,
    /// however it ends. By default there is none.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = SimpleTaskPool::builder(|| async {})
    ///     .on_end(|id| async move { println!("worker {id} ended") })
    ///     .build();
    /// pool.start(2).unwrap();
    /// pool.gather_and_close().await;
    /// assert_eq!(pool.num_ended(), 2);
    /// # }
    /// ```
    pub fn on_end<C, CFut>(mut self, on_end: C) -> Self
    where
        C: Fn(TaskId) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = ()> + Send + 'static,
    {
        self.callbacks.on_end = Some(callback(on_end));
        self
    }

    /// An async callback run with the worker's ID when a worker is cancelled
    /// (e.g. by `stop`), after its future is dropped and before `on_end`. By
    /// default there is none.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = SimpleTaskPool::builder(std::future::pending::<()>)
    ///     .on_cancel(|id| async move { println!("worker {id} stopped") })
    ///     .build();
    /// pool.start(1).unwrap();
    /// tokio::task::yield_now().await;
    /// pool.stop_all();
    /// pool.gather_and_close().await;
    /// assert_eq!(pool.num_cancelled(), 1);
    /// # }
    /// ```
    pub fn on_cancel<C, CFut>(mut self, on_cancel: C) -> Self
    where
        C: Fn(TaskId) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = ()> + Send + 'static,
    {
        self.callbacks.on_cancel = Some(callback(on_cancel));
        self
    }

    /// Makes the pool.
    ///
    /// ```
    /// # use tokio_taskpool::SimpleTaskPool;
    /// let pool = SimpleTaskPool::builder(|| async {}).build();
    /// assert_eq!(pool.num_running(), 0);
    /// ```
    pub fn build(self) -> SimpleTaskPool {
        SimpleTaskPool {
            handle: PoolHandle::new("SimpleTaskPool", self.name, self.pool_size),
            starter: self.starter,
            callbacks: self.callbacks,
        }
    }
}

impl fmt::Debug for SimpleTaskPoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimpleTaskPoolBuilder")
            .field("name", &self.name)
            .field("pool_size", &self.pool_size)
            .field("callbacks", &self.callbacks)
            .finish_non_exhaustive()
    }
}
