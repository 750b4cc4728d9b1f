//! The abort handle of the task a meta task spawned last, on its way to the
//! state.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use tokio::task::AbortHandle;

use super::inner::PoolInner;
use crate::TaskId;

/// Holds the abort handle of the task that a meta task spawned last until
/// the next registration takes the pool's lock anyway: the handle goes in
/// under that same lock, so that a task costs one lock fewer than storing it
/// right after the spawn.
///
/// A task must not stay without its handle while its meta task sleeps (a
/// cancel would then find it running with nothing to abort it by), so the
/// handle is stored at once before the meta task waits for anything
/// ([`UnarmedTask::unless_waiting`]), and when this is dropped, however the
/// meta task ends. Until it is stored, a cancel of the task raises the
/// start gate, as for any task between its registration and its spawn.
pub(crate) struct UnarmedTask<'a> {
    pool: &'a PoolInner,
    last: Option<(TaskId, AbortHandle)>,
}

impl<'a> UnarmedTask<'a> {
    pub(crate) fn new(pool: &'a PoolInner) -> Self {
        UnarmedTask { pool, last: None }
    }

    /// Keeps the handle of the task just spawned.
    pub(crate) fn set(&mut self, id: TaskId, handle: AbortHandle) {
        debug_assert!(self.last.is_none(), "the previous handle was handed over");
        self.last = Some((id, handle));
    }

    /// Hands the handle over, for a registration that holds the lock.
    pub(crate) fn take(&mut self) -> Option<(TaskId, AbortHandle)> {
        self.last.take()
    }

    /// Stores the handle in the state now, taking the lock.
    fn store(&mut self) {
        if let Some((id, handle)) = self.last.take() {
            self.pool.transition(|state| ((), state.task_spawned(id, handle)));
        }
    }

    /// Awaits `future`; if it does not complete at once, stores the handle
    /// first, so that it is never held across a wait.
    pub(crate) async fn unless_waiting<F: Future>(&mut self, future: F) -> F::Output {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(output),
            Poll::Pending => {
                self.store();
                Poll::Pending
            }
        })
        .await
    }
}

impl Drop for UnarmedTask<'_> {
    fn drop(&mut self) {
        self.store();
    }
}
