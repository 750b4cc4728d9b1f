use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::TaskOutput;

/// The group a spawning call started, and the results of its tasks.
///
/// It is a [`Stream`] of one [`TaskOutput`] per task, in the order the tasks
/// end, that finishes once the group has started all it will start and every
/// task of it has ended. Results wait here until read; drop the handle and
/// they are dropped as they come, so nothing piles up.
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
#[derive(Debug)]
pub struct GroupHandle<T> {
    name: String,
    results: UnboundedReceiver<TaskOutput<T>>,
}

impl<T> GroupHandle<T> {
    pub(crate) fn new(name: String, results: UnboundedReceiver<TaskOutput<T>>) -> Self {
        GroupHandle { name, results }
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
        &self.name
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

impl<T> Stream for GroupHandle<T> {
    type Item = TaskOutput<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.results.poll_recv(cx)
    }
}
