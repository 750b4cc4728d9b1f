use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::engine::GroupCore;
use crate::TaskOutput;

/// The group a spawning call started, and the results of its tasks.
///
/// It is a [`Stream`](https://docs.rs/futures/0.3/futures/stream/trait.Stream.html) of one [`TaskOutput`] per task, in the order the tasks
/// end, that finishes once the group has started all it will start and every
/// task of it has ended; [`next`](GroupHandle::next) reads it without any
/// trait in scope. Results wait here until read; drop the handle and they
/// are dropped as they come, so nothing piles up. Like a `JoinSet`'s
/// `AbortHandle`, it can [`cancel`](GroupHandle::cancel) its group.
///
/// ```
/// use futures::StreamExt;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let group = pool.map(|x: u32| async move { x * 2 }, 1..=3).num_concurrent(2).start().unwrap();
/// assert_eq!(group.name(), "map-group-0");
/// let mut doubled: Vec<u32> = group.map(|out| out.result.unwrap()).collect().await;
/// doubled.sort();
/// assert_eq!(doubled, [2, 4, 6]);
/// # }
/// ```
pub struct GroupHandle<T> {
    group: Arc<GroupCore>,
    results: UnboundedReceiver<TaskOutput<T>>,
}

impl<T> GroupHandle<T> {
    pub(crate) fn new(group: Arc<GroupCore>, results: UnboundedReceiver<TaskOutput<T>>) -> Self {
        GroupHandle { group, results }
    }

    /// The group's name, to pass to `cancel_group` or `group_ids`.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.apply(|| async {}).group("once").start().unwrap();
    /// assert_eq!(group.name(), "once");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.group.name
    }

    /// Cancels the group, as [`cancel_group`](crate::TaskPool::cancel_group)
    /// does, and returns how many of its running tasks it cancelled. Unlike
    /// cancelling by name, it cannot miss: a group that is done (or already
    /// cancelled) has nothing left to cancel, and it returns 0.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::builder().pool_size(2).build();
    /// let group = pool.apply(std::future::pending::<()>).num(5).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(group.cancel(), 2);
    /// assert_eq!((pool.num_running(), pool.num_waiting()), (0, 0));
    /// assert_eq!(group.cancel(), 0);
    /// # }
    /// ```
    pub fn cancel(&self) -> usize {
        let pool = &self.group.pool;
        let cancelled = pool.transition(|state| state.cancel_group_by_key(self.group.key));
        tracing::debug!("{} cancelling group '{}' ({} running)", pool.display, self.group.name, cancelled);
        cancelled
    }

    /// For a `map`, `map_stream` or `starmap` group whose input is gone: how
    /// many of its inputs were never started. `Some(0)` when it ran out of
    /// input, more when a cancel or a stop cut it short; `None` while the
    /// group still reads its input, for other groups, and when the input
    /// cannot tell how much was left (a channel, say; an iterator over a
    /// `Vec` or a range can).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut group = pool.map(|_: u32| std::future::pending::<()>(), 0..500).num_concurrent(4).start().unwrap();
    /// tokio::task::yield_now().await;
    /// assert_eq!(group.unstarted_inputs(), None, "still reading");
    /// group.cancel();
    /// while group.next().await.is_some() {}
    /// assert_eq!(group.unstarted_inputs(), Some(496));
    /// # }
    /// ```
    pub fn unstarted_inputs(&self) -> Option<u64> {
        self.group.unstarted.get().copied().flatten()
    }

    /// The next task's output, in the order the tasks end; `None` once the
    /// group is done. The same as [`StreamExt::next`](https://docs.rs/futures/0.3/futures/stream/trait.StreamExt.html#method.next),
    /// without the import.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut group = pool.apply(|| async { 7 }).start().unwrap();
    /// assert_eq!(group.next().await.unwrap().result.unwrap(), 7);
    /// assert!(group.next().await.is_none());
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an output is taken only when the future completes.
    pub async fn next(&mut self) -> Option<TaskOutput<T>> {
        self.results.recv().await
    }

    /// Collects every result, waiting until the group is done.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let outputs = pool.apply(|| async { 7 }).num(2).start().unwrap().collect_all().await;
    /// assert_eq!(outputs.iter().map(|o| *o.result.as_ref().unwrap()).sum::<i32>(), 14);
    /// # }
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Not cancel safe: results collected so far are lost if the future is
    /// dropped. Poll the handle as a stream to keep them.
    pub async fn collect_all(mut self) -> Vec<TaskOutput<T>> {
        let mut all = Vec::new();
        while let Some(output) = self.results.recv().await {
            all.push(output);
        }
        all
    }
}

impl<T> fmt::Debug for GroupHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupHandle").field("name", &self.group.name).finish_non_exhaustive()
    }
}

impl<T> Stream for GroupHandle<T> {
    type Item = TaskOutput<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.results.poll_recv(cx)
    }
}
