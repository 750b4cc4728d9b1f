use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::engine::{callback, run_counted, Callbacks, GroupSpec};
use crate::{BaseTaskPool, GroupHandle, GroupKind, PoolError, TaskId};

/// Sets up an apply group; made by [`TaskPool::apply`](crate::TaskPool::apply),
/// run by [`ApplyBuilder::start`].
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let group = pool
///     .apply(|| async { "done" })
///     .num(3)
///     .group("greeters")
///     .on_end(|id| async move { println!("task {id} ended") })
///     .start()
///     .unwrap();
/// assert_eq!(group.name(), "greeters");
/// assert_eq!(group.collect_all().await.len(), 3);
/// # }
/// ```
#[must_use = "nothing starts until .start() is called"]
pub struct ApplyBuilder<'a, F> {
    pool: &'a BaseTaskPool,
    factory: F,
    num: usize,
    group: Option<String>,
    callbacks: Callbacks,
}

impl<'a, F, Fut> ApplyBuilder<'a, F>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    pub(crate) fn new(pool: &'a BaseTaskPool, factory: F) -> Self {
        ApplyBuilder { pool, factory, num: 1, group: None, callbacks: Callbacks::default() }
    }

    /// How many tasks to run. By default, one.
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
    ///
    /// # Panics
    ///
    /// If `num` is 0: a group of no tasks is a mistake.
    #[track_caller]
    pub fn num(mut self, num: usize) -> Self {
        assert!(num > 0, "apply(..).num(0): a group needs at least one task");
        self.num = num;
        self
    }

    /// Names the group. By default it is `apply-group-N`.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.apply(std::future::pending::<()>).group("listeners").start().unwrap();
    /// pool.cancel_group("listeners").unwrap();
    /// # drop(group);
    /// # }
    /// ```
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.group = Some(name.into());
        self
    }

    /// An async callback run with the task's ID when each task ends, however
    /// it ends. By default there is none.
    ///
    /// ```
    /// # use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let ended = Arc::new(AtomicU64::new(0));
    /// let counter = ended.clone();
    /// let pool = TaskPool::new();
    /// pool.apply(|| async {})
    ///     .num(2)
    ///     .on_end(move |_id| {
    ///         let counter = counter.clone();
    ///         async move { counter.fetch_add(1, Ordering::SeqCst); }
    ///     })
    ///     .start()
    ///     .unwrap();
    /// pool.gather_and_close().await;
    /// assert_eq!(ended.load(Ordering::SeqCst), 2);
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

    /// An async callback run with the task's ID when a task is cancelled,
    /// after its future is dropped and before `on_end`. By default there is none.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool
    ///     .apply(std::future::pending::<()>)
    ///     .on_cancel(|id| async move { println!("task {id} was cancelled") })
    ///     .start()
    ///     .unwrap();
    /// tokio::task::yield_now().await;
    /// pool.cancel_group(group.name()).unwrap();
    /// pool.flush().await;
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

    /// Makes the group and returns at once; its tasks start in the
    /// background as room allows.
    ///
    /// ```
    /// # use tokio_taskpool::{PoolError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.apply(std::future::pending::<()>).group("g").start().unwrap();
    /// let err = pool.apply(|| async {}).group("g").start().unwrap_err();
    /// assert_eq!(err, PoolError::GroupExists { pool: "TaskPool-docs".into(), group: "g".into() });
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`PoolError::PoolIsClosed`], [`PoolError::PoolIsLocked`], or
    /// [`PoolError::GroupExists`] when the chosen name is taken.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    #[track_caller]
    pub fn start(self) -> Result<GroupHandle<Fut::Output>, PoolError> {
        let (sink, results) = tokio::sync::mpsc::unbounded_channel();
        let factory = Arc::new(self.factory);
        let spec = GroupSpec {
            kind: GroupKind::Apply,
            name: self.group,
            remaining: self.num,
            num_concurrent: None,
            callbacks: self.callbacks,
        };
        let group =
            self.pool.start_group(spec, |alive, group| run_counted(alive, group, factory, Some(sink)))?;
        Ok(GroupHandle::new(group.name.to_string(), results))
    }
}

impl<F> fmt::Debug for ApplyBuilder<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyBuilder")
            .field("pool", &self.pool.to_string())
            .field("num", &self.num)
            .field("group", &self.group)
            .field("callbacks", &self.callbacks)
            .finish_non_exhaustive()
    }
}
