//! What the tasks of one group share: its pool, name, callbacks, stop
//! signal and (for map groups) its concurrency slots.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use futures::future::BoxFuture;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::inner::PoolInner;
use super::measured::GroupMetrics;
use super::task_table::GroupKey;
use crate::TaskId;

/// An `on_end` or `on_cancel` callback, boxed once per group.
pub(crate) type Callback = Arc<dyn Fn(TaskId) -> BoxFuture<'static, ()> + Send + Sync>;

/// Boxes a user's async callback.
pub(crate) fn callback<C, Fut>(callback: C) -> Callback
where
    C: Fn(TaskId) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |id| Box::pin(callback(id)))
}

/// The callbacks a spawning builder was given.
#[derive(Clone, Default)]
pub(crate) struct Callbacks {
    pub(crate) on_end: Option<Callback>,
    pub(crate) on_cancel: Option<Callback>,
}

impl std::fmt::Debug for Callbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callbacks")
            .field("on_end", &self.on_end.is_some())
            .field("on_cancel", &self.on_cancel.is_some())
            .finish()
    }
}

#[derive(Debug)]
pub(crate) struct GroupCore {
    pub(crate) pool: Arc<PoolInner>,
    /// The group's key in the pool state.
    pub(crate) key: GroupKey,
    pub(crate) name: Arc<str>,
    pub(crate) callbacks: Callbacks,
    /// Cancelled by a graceful stop; tasks see it through `current`.
    pub(crate) stop_signal: CancellationToken,
    /// A map group's `num_concurrent` slots. The meta task takes one (and
    /// forgets the permit) before each start; the task gives it back when
    /// its future is gone. Kept here rather than as a permit in each task,
    /// which would cost every alive task 16 bytes.
    pub(crate) slots: Option<Semaphore>,
    /// For a map group whose input is gone: how many inputs it never
    /// started, `None` inside when the input could not tell.
    pub(crate) unstarted: OnceLock<Option<u64>>,
    /// Where its tasks' starts and ends are counted (the `metrics`
    /// feature): its own handles, labelled with its name, if the user named
    /// it (`.group("name")`); else the pool's, shared by every default-named
    /// group, whose names are one per call.
    pub(crate) metrics: GroupMetrics,
}

impl GroupCore {
    /// Records, once, how many inputs of a map group were never started;
    /// known counts also go to the pool's next report.
    pub(crate) fn record_unstarted(&self, unstarted: Option<u64>) {
        if self.unstarted.set(unstarted).is_ok() {
            if let Some(count @ 1..) = unstarted {
                self.pool.lock().count_unstarted(count);
                tracing::debug!(
                    "group '{}' of {} left {count} inputs unstarted",
                    self.name,
                    self.pool.display
                );
            }
        }
    }

    /// Gives a task's concurrency slot back, for map groups.
    pub(crate) fn free_slot(&self) {
        if let Some(slots) = &self.slots {
            slots.add_permits(1);
        }
    }
}
