use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::Stream;

use crate::engine::{run_counted, run_stream, GroupSpec};
use crate::group_builder::{GroupOptions, ItemWorker, Spread, Unary};
use crate::shared_controls::shared_controls;
use crate::{Counted, GroupBuilder, GroupHandle, GroupKind, Mapped, PoolHandle, StarmapFn};

/// A pool of tokio tasks that runs any async work in named groups: apply a
/// future factory `n` times, or map a function over an iterator or a stream
/// with a fixed number of tasks at a time.
///
/// Every spawning call returns at once: a background meta task starts the
/// group's tasks as the pool's size limit allows. The controls it shares
/// with [`SimpleTaskPool`](crate::SimpleTaskPool) (size, lock, cancel,
/// flush, close, status) are methods of both, documented in full on
/// [`PoolHandle`].
///
/// ```
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("ingest").pool_size(3).build();
/// let mut squares = pool.map(|x: u64| async move { x * x }, 0..10).num_concurrent(2).start().unwrap();
/// let mut sum = 0;
/// while let Some(output) = squares.next().await {
///     sum += output.result.unwrap();
/// }
/// assert_eq!(sum, 285);
/// pool.gather_and_close().await;
/// # }
/// ```
///
/// # Comparison with `JoinSet`, `TaskTracker` and `buffer_unordered`
///
/// A [`tokio::task::JoinSet`](https://docs.rs/tokio/1/tokio/task/struct.JoinSet.html) owns a set of tasks of one output type and
/// aborts them when dropped; `tokio_util::task::TaskTracker` only waits for
/// tasks; `futures`' `buffer_unordered` runs futures inside one task. Use
/// those when that is all you need. A `TaskPool` adds what long-running
/// services need on top: a size limit shared by all groups that can change
/// while tasks run, groups you can name and cancel, task IDs, callbacks,
/// graceful stop, and (with the `taskpool-control` crate) control from
/// outside the process. Dropping a `TaskPool` handle does not stop its tasks.
#[derive(Clone)]
pub struct TaskPool {
    handle: PoolHandle,
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

    shared_controls!(handle);

    /// Runs `factory()` as `num` tasks (one by default) of one new group.
    /// See [`GroupBuilder`] for the options.
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
    pub fn apply<F, Fut>(&self, factory: F) -> GroupBuilder<'_, Fut::Output, Counted>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        GroupBuilder::new(
            &self.handle,
            Box::new(move |pool: &PoolHandle, options: GroupOptions| {
                let (sink, results) = tokio::sync::mpsc::unbounded_channel();
                let factory = Arc::new(factory);
                let spec = GroupSpec {
                    kind: GroupKind::Apply,
                    name: options.name,
                    remaining: options.num,
                    num_concurrent: None,
                    callbacks: options.callbacks,
                };
                let group =
                    pool.start_group(spec, |alive, group| run_counted(alive, group, factory, Some(sink)))?;
                Ok(GroupHandle::new(group, results))
            }),
        )
    }

    /// Calls `f` on every item of `items`, each call as one task of one new
    /// group, keeping `num_concurrent` of them (one by default) running at a
    /// time. Items are taken from the iterator only as tasks can start. See
    /// [`GroupBuilder`] for the options.
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
    pub fn map<F, I, Fut>(&self, f: F, items: I) -> GroupBuilder<'_, Fut::Output, Mapped>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.map_group(GroupKind::Map, Unary(f), futures::stream::iter(items))
    }

    /// Like [`TaskPool::map`], over the items of an async source: any
    /// [`Stream`](https://docs.rs/futures/0.3/futures/stream/trait.Stream.html), such as a channel receiver wrapped in
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
    pub fn map_stream<F, S, Fut>(&self, f: F, items: S) -> GroupBuilder<'_, Fut::Output, Mapped>
    where
        S: Stream + Send + 'static,
        S::Item: Send + 'static,
        F: Fn(S::Item) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        self.map_group(GroupKind::MapStream, Unary(f), items)
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
    ) -> GroupBuilder<'_, <F as StarmapFn<I::Item>>::Returns, Mapped>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: Send + 'static,
        F: StarmapFn<I::Item>,
    {
        self.map_group(GroupKind::Starmap, Spread(f), futures::stream::iter(items))
    }

    /// The builder of a map-family group: `worker` is called on each item of
    /// `items`.
    fn map_group<W, S>(&self, kind: GroupKind, worker: W, items: S) -> GroupBuilder<'_, W::Output, Mapped>
    where
        S: Stream + Send + 'static,
        S::Item: Send + 'static,
        W: ItemWorker<S::Item>,
    {
        GroupBuilder::new(
            &self.handle,
            Box::new(move |pool: &PoolHandle, options: GroupOptions| {
                let (sink, results) = tokio::sync::mpsc::unbounded_channel();
                let worker = Arc::new(worker);
                let spec = GroupSpec {
                    kind,
                    name: options.name,
                    remaining: 0,
                    num_concurrent: Some(options.num_concurrent),
                    callbacks: options.callbacks,
                };
                let group = pool
                    .start_group(spec, |alive, group| run_stream(alive, group, items, worker, Some(sink)))?;
                Ok(GroupHandle::new(group, results))
            }),
        )
    }
}

impl Default for TaskPool {
    fn default() -> Self {
        TaskPool::new()
    }
}

impl fmt::Display for TaskPool {
    /// `TaskPool-{name}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.handle, f)
    }
}

impl fmt::Debug for TaskPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskPool").field(&self.handle).finish()
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
        TaskPool { handle: PoolHandle::new("TaskPool", self.name, self.pool_size) }
    }
}
