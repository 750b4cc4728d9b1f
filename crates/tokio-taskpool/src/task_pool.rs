use std::fmt;
use std::future::Future;
use std::ops::Deref;

use futures::Stream;

use crate::item_worker::{Spread, Unary};
use crate::{ApplyBuilder, BaseTaskPool, GroupKind, MapBuilder};

/// A pool of tokio tasks that runs any async work in named groups: apply a
/// future factory `n` times, or map a function over an iterator or a stream
/// with a fixed number of tasks at a time.
///
/// Every spawning call returns at once: a background meta task starts the
/// group's tasks as the pool's size limit allows. All the shared controls
/// (size, lock, cancel, flush, close, status) are on [`BaseTaskPool`], which
/// this type dereferences to.
///
/// ```
/// use futures::StreamExt;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("ingest").pool_size(3).build();
/// let squares = pool.map(|x: u64| async move { x * x }, 0..10).num_concurrent(2).start().unwrap();
/// let sum: u64 = squares.map(|out| out.result.unwrap()).fold(0, |a, b| async move { a + b }).await;
/// assert_eq!(sum, 285);
/// pool.gather_and_close().await;
/// # }
/// ```
///
/// # Comparison with `JoinSet`, `TaskTracker` and `buffer_unordered`
///
/// A [`tokio::task::JoinSet`] owns a set of tasks of one output type and
/// aborts them when dropped; `tokio_util::task::TaskTracker` only waits for
/// tasks; `futures`' `buffer_unordered` runs futures inside one task. Use
/// those when that is all you need. A `TaskPool` adds what long-running
/// services need on top: a size limit shared by all groups that can change
/// while tasks run, groups you can name and cancel, task IDs, callbacks,
/// graceful stop, and (with the `control` feature) control from outside the
/// process. Dropping a `TaskPool` handle does not stop its tasks.
#[derive(Clone)]
pub struct TaskPool {
    base: BaseTaskPool,
}

impl TaskPool {
    /// A pool without a size limit, named by a process-wide index
    /// (`TaskPool-0`, `TaskPool-1`, …).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::new();
    /// assert_eq!(pool.pool_size(), None);
    /// assert!(pool.to_string().starts_with("TaskPool-"));
    /// ```
    pub fn new() -> TaskPool {
        TaskPool::builder().build()
    }

    /// A builder to give the pool a name and a size limit.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().name("ingest").pool_size(3).build();
    /// assert_eq!(pool.to_string(), "TaskPool-ingest");
    /// ```
    pub fn builder() -> TaskPoolBuilder {
        TaskPoolBuilder { name: None, pool_size: None }
    }

    /// The shared controls; the same as dereferencing.
    ///
    /// ```
    /// # use tokio_taskpool::{BaseTaskPool, TaskPool};
    /// let pool = TaskPool::new();
    /// let base: &BaseTaskPool = pool.base();
    /// assert_eq!(base.name(), pool.name());
    /// ```
    pub fn base(&self) -> &BaseTaskPool {
        &self.base
    }

    /// Runs `factory()` as `num` tasks (one by default) of one new group.
    /// See [`ApplyBuilder`].
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.apply(|| async { 42 }).num(5).start().unwrap();
    /// assert_eq!(group.name(), "apply-group-0");
    /// let outputs = group.collect_all().await;
    /// assert!(outputs.iter().all(|out| *out.result.as_ref().unwrap() == 42));
    /// # }
    /// ```
    pub fn apply<F, Fut>(&self, factory: F) -> ApplyBuilder<'_, F>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        ApplyBuilder::new(&self.base, factory)
    }

    /// Calls `f` on every item of `items`, each call as one task of one new
    /// group, keeping `num_concurrent` of them (one by default) running at a
    /// time. Items are taken from the iterator only as tasks can start. See
    /// [`MapBuilder`].
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.map(|url: &str| async move { url.len() }, ["a", "bb"]).num_concurrent(5).start().unwrap();
    /// pool.gather_and_close().await;
    /// assert_eq!(pool.num_ended(), 2);
    /// # }
    /// ```
    pub fn map<F, I, Fut>(
        &self,
        f: F,
        items: I,
    ) -> MapBuilder<'_, Unary<F>, futures::stream::Iter<I::IntoIter>>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        MapBuilder::new(&self.base, Unary(f), futures::stream::iter(items), GroupKind::Map)
    }

    /// Like [`TaskPool::map`], over the items of an async source: any
    /// [`Stream`], such as a channel receiver wrapped in
    /// `tokio_stream::wrappers::ReceiverStream` or built with
    /// `futures::stream::unfold`. The group ends when the stream does.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let (tx, rx) = futures::channel::mpsc::unbounded::<u32>();
    /// let pool = TaskPool::new();
    /// pool.map_stream(|job| async move { job + 1 }, rx).num_concurrent(4).start().unwrap();
    /// for job in 0..10 {
    ///     tx.unbounded_send(job).unwrap();
    /// }
    /// drop(tx); // the stream ends, so does the group
    /// pool.gather_and_close().await;
    /// assert_eq!(pool.num_ended(), 10);
    /// # }
    /// ```
    pub fn map_stream<F, S, Fut>(&self, f: F, items: S) -> MapBuilder<'_, Unary<F>, S>
    where
        S: Stream + Send + 'static,
        S::Item: Send + 'static,
        F: Fn(S::Item) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        MapBuilder::new(&self.base, Unary(f), items, GroupKind::MapStream)
    }

    /// Like [`TaskPool::map`] for functions of several arguments: each item is
    /// a tuple (of up to twelve elements) spread over `f`'s arguments.
    ///
    /// The guide's `doublestarmap` (keyword arguments) has no Rust
    /// counterpart: give `map` a function that takes a struct.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// async fn other_work(a: u32, b: u32) -> u32 {
    ///     (a..b).sum()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.starmap(other_work, vec![(0, 10), (10, 20)]).num_concurrent(2).start().unwrap();
    /// let mut sums: Vec<u32> = group.collect_all().await.into_iter().map(|o| o.result.unwrap()).collect();
    /// sums.sort();
    /// assert_eq!(sums, [45, 145]);
    /// # }
    /// ```
    pub fn starmap<F, I>(
        &self,
        f: F,
        items: I,
    ) -> MapBuilder<'_, Spread<F>, futures::stream::Iter<I::IntoIter>>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Send + 'static,
        Spread<F>: crate::ItemWorker<I::Item>,
    {
        MapBuilder::new(&self.base, Spread(f), futures::stream::iter(items), GroupKind::Starmap)
    }
}

impl Default for TaskPool {
    fn default() -> Self {
        TaskPool::new()
    }
}

impl Deref for TaskPool {
    type Target = BaseTaskPool;

    fn deref(&self) -> &BaseTaskPool {
        &self.base
    }
}

impl fmt::Display for TaskPool {
    /// `TaskPool-{name}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.base, f)
    }
}

impl fmt::Debug for TaskPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskPool").field(&self.base).finish()
    }
}

/// Builds a [`TaskPool`]; made by [`TaskPool::builder`].
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// let pool = TaskPool::builder().name("ingest").pool_size(8).build();
/// assert_eq!((pool.name(), pool.pool_size()), ("ingest", Some(8)));
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until .build() is called"]
pub struct TaskPoolBuilder {
    name: Option<String>,
    pool_size: Option<usize>,
}

impl TaskPoolBuilder {
    /// Names the pool: it displays as `TaskPool-{name}`. By default a pool is
    /// named by a process-wide index.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::builder().name("a").build().to_string(), "TaskPool-a");
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Limits how many tasks run at once. By default there is no limit.
    /// `0` is allowed: nothing starts until the size is raised.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::builder().pool_size(0).build().pool_size(), Some(0));
    /// ```
    pub fn pool_size(mut self, pool_size: usize) -> Self {
        self.pool_size = Some(pool_size);
        self
    }

    /// Makes the pool.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().build();
    /// assert_eq!(pool.pool_size(), None);
    /// ```
    pub fn build(self) -> TaskPool {
        TaskPool { base: BaseTaskPool::new("TaskPool", self.name, self.pool_size) }
    }
}
