//! What a pooled task can know about itself: its ID, its group, and whether a
//! graceful stop asks it to finish.
//!
//! These functions read a task-local value that the pool sets around every
//! task's future. Called from anywhere else (a plain `tokio::spawn`, the
//! task's callbacks, `main`) they return `None`.
//!
//! ```
//! use std::time::Duration;
//! use tokio_taskpool::{current, TaskPool};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let pool = TaskPool::new();
//! pool.apply(|| async {
//!     let id = current::id().expect("inside a pooled task");
//!     // Work until asked to stop, then clean up and return.
//!     tokio::select! {
//!         _ = current::stop_requested() => println!("task {id} stopping"),
//!         _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
//!     }
//! })
//! .num(2)
//! .start()
//! .unwrap();
//! tokio::task::yield_now().await;
//! let stop = pool.stop_gracefully(Duration::from_secs(5)).await;
//! assert_eq!(stop.stopped_in_time(), 2);
//! # }
//! ```

use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::engine::GroupCore;
use crate::TaskId;

tokio::task_local! {
    static CURRENT: TaskContext;
}

pub(crate) struct TaskContext {
    pub(crate) id: TaskId,
    pub(crate) group: Arc<GroupCore>,
}

impl TaskContext {
    pub(crate) fn scope<F: std::future::Future>(
        self,
        future: F,
    ) -> tokio::task::futures::TaskLocalFuture<TaskContext, F> {
        CURRENT.scope(self, future)
    }
}

/// Runs `f` on the context of the pooled task that calls it.
///
/// # Panics
///
/// Outside a pooled task; the engine calls it only from inside one.
pub(crate) fn with_context<R>(f: impl FnOnce(&TaskContext) -> R) -> R {
    CURRENT.with(f)
}

/// The ID of the pooled task that calls this, or `None` outside a pooled task.
///
/// ```
/// assert_eq!(tokio_taskpool::current::id(), None);
/// ```
pub fn id() -> Option<TaskId> {
    CURRENT.try_with(|c| c.id).ok()
}

/// The group name of the pooled task that calls this, or `None` outside one.
///
/// ```
/// assert_eq!(tokio_taskpool::current::group(), None);
/// ```
pub fn group() -> Option<String> {
    CURRENT.try_with(|c| c.group.name.to_string()).ok()
}

/// The token that a graceful stop cancels, for tasks that want to hand it
/// on (e.g. to a `select!` deep in their code); `None` outside a pooled task.
///
/// ```
/// assert!(tokio_taskpool::current::stop_token().is_none());
/// ```
pub fn stop_token() -> Option<CancellationToken> {
    CURRENT
        .try_with(|c| {
            // The task's own token (a child of its group's), so that a
            // graceful stop of this task alone reaches it too.
            let own = c.group.pool.lock().task_stop_token(c.id, &c.group.stop_signal);
            own.unwrap_or_else(|| c.group.stop_signal.clone())
        })
        .ok()
}

/// Resolves when a graceful stop
/// ([`PoolHandle::stop_gracefully`](crate::PoolHandle::stop_gracefully))
/// asks the calling task to finish.
///
/// Outside a pooled task (a plain `tokio::spawn`, a unit test of a worker)
/// nothing can ask it to stop, so it never resolves, like a token nobody
/// cancels; use [`stop_token`] to tell the two cases apart.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // A worker unit-tested outside a pool runs until its own end.
/// let worker = async {
///     tokio::select! {
///         _ = tokio_taskpool::current::stop_requested() => "stopped",
///         _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => "done",
///     }
/// };
/// assert_eq!(tokio::spawn(worker).await.unwrap(), "done");
/// # }
/// ```
///
/// # Cancel safety
///
/// Cancel safe: dropping the future loses nothing, and a later call resolves
/// at once if the stop was already requested.
pub fn stop_requested() -> impl Future<Output = ()> + Send + 'static {
    let token = stop_token();
    async move {
        match token {
            Some(token) => token.cancelled_owned().await,
            None => std::future::pending().await,
        }
    }
}
