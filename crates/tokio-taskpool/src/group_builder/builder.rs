use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use super::markers::{Counted, Mapped};
use crate::engine::{callback, Callbacks};
use crate::{GroupHandle, PoolHandle, SpawnError, TaskId};

/// The options of a group that the starter turns into a running group.
#[derive(Debug)]
pub(crate) struct GroupOptions {
    pub(crate) name: Option<String>,
    pub(crate) callbacks: Callbacks,
    /// How many tasks an apply group runs.
    pub(crate) num: usize,
    /// How many tasks of a map group run at a time.
    pub(crate) num_concurrent: usize,
}

/// Opens the group and spawns its meta task. Boxed once per group, so that
/// neither the user's function nor how items reach it shows in the
/// builder's type.
pub(crate) type Starter<'a, T> =
    Box<dyn FnOnce(&PoolHandle, GroupOptions) -> Result<GroupHandle<T>, SpawnError> + Send + 'a>;

/// Sets up a group of a [`TaskPool`](crate::TaskPool); made by
/// [`apply`](crate::TaskPool::apply), [`map`](crate::TaskPool::map),
/// [`map_stream`](crate::TaskPool::map_stream) and
/// [`starmap`](crate::TaskPool::starmap), run by [`start`](GroupBuilder::start).
///
/// `T` is what each task returns. `K` says which options the builder has
/// besides the shared ones ([`group`](GroupBuilder::group),
/// [`on_end`](GroupBuilder::on_end), [`on_cancel`](GroupBuilder::on_cancel)):
/// [`Counted`] builders (apply) have [`num`](GroupBuilder::num), [`Mapped`]
/// builders (the map family) have [`num_concurrent`](GroupBuilder::num_concurrent).
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
pub struct GroupBuilder<'a, T, K> {
    pool: &'a PoolHandle,
    starter: Starter<'a, T>,
    options: GroupOptions,
    kind: PhantomData<K>,
}

impl<'a, T, K> GroupBuilder<'a, T, K> {
    pub(crate) fn new(pool: &'a PoolHandle, starter: Starter<'a, T>) -> Self {
        GroupBuilder {
            pool,
            starter,
            options: GroupOptions { name: None, callbacks: Callbacks::default(), num: 1, num_concurrent: 1 },
            kind: PhantomData,
        }
    }

    /// Names the group. By default it is `apply-group-N`, `map-group-N` or
    /// `starmap-group-N`, with the first `N` not in use.
    ///
    /// A name is at most [`MAX_GROUP_NAME_LEN`](crate::MAX_GROUP_NAME_LEN)
    /// bytes of printable characters (no control characters, no invisible
    /// formatting characters such as bidirectional overrides); otherwise
    /// [`start`](Self::start) returns [`SpawnError::BadGroupName`].
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.apply(std::future::pending::<()>).group("listeners").start().unwrap();
    /// assert_eq!(group.name(), "listeners");
    /// pool.cancel_group("listeners").unwrap();
    /// # }
    /// ```
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.options.name = Some(name.into());
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
        self.options.callbacks.on_end = Some(callback(on_end));
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
    /// group.cancel();
    /// pool.flush().await;
    /// assert_eq!(pool.num_cancelled(), 1);
    /// # }
    /// ```
    pub fn on_cancel<C, CFut>(mut self, on_cancel: C) -> Self
    where
        C: Fn(TaskId) -> CFut + Send + Sync + 'static,
        CFut: Future<Output = ()> + Send + 'static,
    {
        self.options.callbacks.on_cancel = Some(callback(on_cancel));
        self
    }

    /// Makes the group and returns at once with its handle; its tasks start
    /// in the background as room allows.
    ///
    /// ```
    /// # use tokio_taskpool::{SpawnError, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::builder().name("docs").build();
    /// pool.apply(std::future::pending::<()>).group("g").start().unwrap();
    /// let err = pool.apply(|| async {}).group("g").start().unwrap_err();
    /// assert_eq!(err, SpawnError::GroupExists { pool: "TaskPool-docs".into(), group: "g".into() });
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`SpawnError::PoolIsClosed`], [`SpawnError::PoolIsLocked`],
    /// [`SpawnError::GroupExists`] when the chosen name is taken, or
    /// [`SpawnError::BadGroupName`] when it is too long or not printable.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    #[track_caller]
    pub fn start(self) -> Result<GroupHandle<T>, SpawnError> {
        if tokio::runtime::Handle::try_current().is_err() {
            panic!("{} can only start tasks from within a tokio runtime", self.pool);
        }
        if let Some(group) = &self.options.name {
            if !is_valid_group_name(group) {
                let pool = std::sync::Arc::clone(&self.pool.inner.display);
                return Err(SpawnError::BadGroupName { pool, group: group.clone() });
            }
        }
        (self.starter)(self.pool, self.options)
    }
}

impl<T> GroupBuilder<'_, T, Counted> {
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
        self.options.num = num;
        self
    }
}

impl<T> GroupBuilder<'_, T, Mapped> {
    /// How many tasks of the group run at a time (pool room permitting). By
    /// default, one. Items are taken from the input only as tasks can start.
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
        self.options.num_concurrent = num_concurrent;
        self
    }
}

impl<T, K> fmt::Debug for GroupBuilder<'_, T, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupBuilder")
            .field("pool", &self.pool.to_string())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Whether `name` may name a group: at most
/// [`MAX_GROUP_NAME_LEN`](crate::MAX_GROUP_NAME_LEN) bytes, and no control
/// or invisible formatting character.
fn is_valid_group_name(name: &str) -> bool {
    name.len() <= crate::MAX_GROUP_NAME_LEN
        && !name.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
        })
}
