//! The shared core behind every pool handle: the state lock, the lock-free
//! parts (the size limit's permits, the start gate), and the notification
//! that waiting calls use.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::after_unlock::AfterUnlock;
use super::measured::PoolMetrics;
use super::state::{LockFree, PoolState};
use super::task_table::GroupKey;
use crate::TaskId;

/// Process-wide index of pools, for the names of unnamed pools.
static NEXT_POOL_INDEX: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
pub(crate) struct PoolInner {
    /// E.g. `TaskPool-ingest`: what logs and errors call the pool. An
    /// `Arc<str>` so that an error names the pool without copying a string.
    pub(crate) display: Arc<str>,
    /// E.g. `ingest`, or the pool's index when it has no name.
    pub(crate) name: String,
    state: Mutex<PoolState>,
    /// Read without the lock: a place is taken there (the semaphore's fast
    /// path), and a task's first poll checks the start gate there.
    lock_free: Arc<LockFree>,
    /// Woken when a task or meta task goes away or the pool closes, for the
    /// calls that wait for that.
    changed: Notify,
    /// The pool's gauges and the handles of its default-named groups (the
    /// `metrics` feature; empty without it).
    pub(crate) metrics: PoolMetrics,
}

impl PoolInner {
    pub(crate) fn new(kind: &str, name: Option<String>, limit: Option<usize>) -> Self {
        let name = name.unwrap_or_else(|| NEXT_POOL_INDEX.fetch_add(1, Ordering::Relaxed).to_string());
        let state = PoolState::new(limit);
        let display: Arc<str> = format!("{kind}-{name}").into();
        PoolInner {
            metrics: PoolMetrics::new(&display, limit),
            display,
            name,
            lock_free: state.lock_free().clone(),
            state: Mutex::new(state),
            changed: Notify::new(),
        }
    }

    /// Locks the state. No user code ever runs under this lock, so a poisoned
    /// lock can only come from a bug of ours that panicked between two
    /// consistent states; the data is still usable, and refusing it would turn
    /// one bug into a dead pool.
    pub(crate) fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one transition under the lock, then does what it left to do
    /// once the lock is released.
    pub(crate) fn transition<R>(&self, event: impl FnOnce(&mut PoolState) -> (R, AfterUnlock)) -> R {
        let (result, after) = {
            let mut state = self.lock();
            let done = event(&mut state);
            self.metrics.store_counts(&state);
            done
        };
        self.after_unlock(after);
        result
    }

    /// Does what a transition left to do, and hands the gauges stored under
    /// the lock to the metrics recorder; the lock must be released.
    pub(crate) fn after_unlock(&self, after: AfterUnlock) {
        after.run(&self.changed);
        self.metrics.publish();
    }

    /// On a task's first poll, before it makes the user's future: whether
    /// it may start, or was cancelled before it had an abort handle (see
    /// [`LockFree`]). One atomic load while no such cancel is pending.
    ///
    /// Otherwise the state is asked under the lock. Releasing the lock may
    /// wake a waiting canceller, which the kernel may run at once in place of
    /// this thread; a cancel that then completes must still keep this task
    /// from starting, so the answer holds only if no cancel came after it
    /// (the epoch), else the task asks again.
    pub(crate) fn may_start(&self, id: TaskId) -> bool {
        if self.lock_free.start_gate_open() {
            return true;
        }
        loop {
            let (cancelled, epoch) = self.lock().cancelled_before_start(id);
            if cancelled {
                return false;
            }
            // Not the gate again: a cancel that came meanwhile may have found
            // the abort handle set, which does not close the gate.
            if self.lock_free.cancel_epoch() == epoch {
                return true;
            }
        }
    }

    /// Waits for a free place in the pool. Cancel safe: dropping the future
    /// before it completes takes nothing; dropping the returned permit gives
    /// the place back.
    ///
    /// A map group passes its key, so that `num_waiting` counts it while it
    /// waits (counted groups report their pending starts through the state).
    pub(crate) async fn acquire_room(&self, waiting_group: Option<GroupKey>) -> RoomPermit<'_> {
        let limit = &self.lock_free.limit;
        loop {
            if limit.try_take() {
                // One atomic load on the fast path: the take synchronizes with
                // any shrink before it (see `ResizableLimit::owes`).
                if !limit.owes() {
                    return RoomPermit { inner: self, armed: true };
                }
            } else {
                let _waiting = waiting_group.map(|key| WaitingGuard::new(self, key));
                limit.take().await;
            }
            // After a wait the permit may have been handed over before a
            // shrink that this task does not synchronize with, so the debt is
            // read under the lock; also when the fast path saw a debt. A
            // permit that pays the debt admits nothing, and the loop waits
            // for another.
            if !self.lock().pay_with_taken() {
                return RoomPermit { inner: self, armed: true };
            }
        }
    }

    /// Waits until `done` holds for the state. Cancel safe: dropping the
    /// future only stops waiting.
    pub(crate) async fn wait_until(&self, mut done: impl FnMut(&PoolState) -> bool) {
        let _waiter = WaiterGuard::new(self);
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a change between the check and the
            // await is not missed.
            notified.as_mut().enable();
            if done(&self.lock()) {
                return;
            }
            notified.await;
        }
    }
}

/// Marks a map group as waiting for room while its meta task waits, also when
/// the wait is cut short by an abort. Taken only on the slow path, when there
/// is no room, so the extra locking costs nothing while room is plentiful.
struct WaitingGuard<'a> {
    inner: &'a PoolInner,
    key: GroupKey,
}

impl<'a> WaitingGuard<'a> {
    fn new(inner: &'a PoolInner, key: GroupKey) -> Self {
        // Through `transition`, for the `taskpool_starts_waiting` gauge.
        inner.transition(|state| (state.set_waiting_for_room(key, true), AfterUnlock::default()));
        WaitingGuard { inner, key }
    }
}

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.inner.transition(|state| (state.set_waiting_for_room(self.key, false), AfterUnlock::default()));
    }
}

/// Counts a waiting call for as long as it waits, so that transitions know
/// whether to wake anyone.
struct WaiterGuard<'a>(&'a PoolInner);

impl<'a> WaiterGuard<'a> {
    fn new(inner: &'a PoolInner) -> Self {
        inner.lock().add_waiter();
        WaiterGuard(inner)
    }
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().remove_waiter();
    }
}

/// A place in the pool that a meta task has acquired but not yet handed to a
/// task. Dropping it (say, because the meta task was aborted, or the group
/// was closed) gives the place back through the debt-aware path.
#[derive(Debug)]
pub(crate) struct RoomPermit<'a> {
    inner: &'a PoolInner,
    armed: bool,
}

impl RoomPermit<'_> {
    /// The place now belongs to a task that was registered (the state counts
    /// it as occupied); the task gives it back when its future is gone.
    pub(crate) fn handed_to_task(mut self) {
        self.armed = false;
    }
}

impl Drop for RoomPermit<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.inner.lock().return_unused_room();
        }
    }
}
