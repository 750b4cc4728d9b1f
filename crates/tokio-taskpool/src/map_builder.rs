use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::Stream;

use crate::engine::{callback, run_stream, Callbacks, GroupSpec};
use crate::{BaseTaskPool, GroupHandle, GroupKind, ItemWorker, PoolError, TaskId};

/// Sets up a map, map_stream or starmap group; made by
/// [`TaskPool::map`](crate::TaskPool::map) and its variants, run by
/// [`MapBuilder::start`].
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let group = pool
///     .map(|n: u32| async move { n + 1 }, 0..100)
///     .num_concurrent(8)
///     .group("increments")
///     .on_end(|_id| async {})
///     .start()
///     .unwrap();
/// assert_eq!(group.collect_all().await.len(), 100);
/// # }
/// ```
#[must_use = "nothing starts until .start() is called"]
pub struct MapBuilder<'a, W, S> {
    pool: &'a BaseTaskPool,
    worker: W,
    items: S,
    kind: GroupKind,
    num_concurrent: usize,
    group: Option<String>,
    callbacks: Callbacks,
}

impl<'a, W, S> MapBuilder<'a, W, S>
where
    S: Stream + Send + 'static,
    S::Item: Send + 'static,
    W: ItemWorker<S::Item>,
{
    pub(crate) fn new(pool: &'a BaseTaskPool, worker: W, items: S, kind: GroupKind) -> Self {
        MapBuilder {
            pool,
            worker,
            items,
            kind,
            num_concurrent: 1,
            group: None,
            callbacks: Callbacks::default(),
        }
    }

    /// How many tasks of the group run at a time (pool room permitting). By
    /// default, one.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.map(|_: u32| std::future::pending::<()>(), 0..10).num_concurrent(3).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(pool.num_running(), 3);
    /// # }
    /// ```
    ///
    /// # Panics
    ///
    /// If `num_concurrent` is 0: the group could never start a task.
    #[track_caller]
    pub fn num_concurrent(mut self, num_concurrent: usize) -> Self {
        assert!(num_concurrent > 0, "map(..).num_concurrent(0): the group could never start a task");
        self.num_concurrent = num_concurrent;
        self
    }

    /// Names the group. By default it is `map-group-N` (`starmap-group-N` for
    /// starmap).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.map(|x: u8| async move { x }, [1, 2]).group("bytes").start().unwrap();
    /// assert_eq!(group.name(), "bytes");
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
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.map(|x: u8| async move { x }, [1, 2])
    ///     .on_end(|id| async move { println!("item task {id} ended") })
    ///     .start()
    ///     .unwrap();
    /// pool.gather_and_close().await;
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
    /// pool.map(|_: u8| std::future::pending::<()>(), [1, 2])
    ///     .on_cancel(|id| async move { println!("item task {id} cancelled") })
    ///     .start()
    ///     .unwrap();
    /// tokio::task::yield_now().await;
    /// pool.cancel_all();
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
    /// background, `num_concurrent` at a time, as room allows.
    ///
    /// ```
    /// # use tokio_taskpool::{PoolError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.gather_and_close().await;
    /// let err = pool.map(|x: u8| async move { x }, [1]).start().unwrap_err();
    /// assert_eq!(err, PoolError::PoolIsClosed { pool: "TaskPool-docs".into() });
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
    pub fn start(self) -> Result<GroupHandle<W::Output>, PoolError> {
        let (sink, results) = tokio::sync::mpsc::unbounded_channel();
        let (worker, items) = (Arc::new(self.worker), self.items);
        let spec = GroupSpec {
            kind: self.kind,
            name: self.group,
            remaining: 0,
            num_concurrent: Some(self.num_concurrent),
            callbacks: self.callbacks,
        };
        let group = self
            .pool
            .start_group(spec, |alive, group| run_stream(alive, group, items, worker, Some(sink)))?;
        Ok(GroupHandle::new(group.name.to_string(), results))
    }
}

impl<W, S> fmt::Debug for MapBuilder<'_, W, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MapBuilder")
            .field("pool", &self.pool.to_string())
            .field("kind", &self.kind)
            .field("num_concurrent", &self.num_concurrent)
            .field("group", &self.group)
            .field("callbacks", &self.callbacks)
            .finish_non_exhaustive()
    }
}
