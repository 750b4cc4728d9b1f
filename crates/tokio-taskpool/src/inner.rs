//! The shared core behind every pool handle: the state lock, the semaphore
//! that holds the room, and the notifications that waiting calls use.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::room::ResizableLimit;
use crate::state::PoolState;

/// Process-wide index of pools, for the names of unnamed pools.
static NEXT_POOL_INDEX: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
pub(crate) struct PoolInner {
    /// E.g. `TaskPool-ingest`: what logs and errors call the pool.
    pub(crate) display: String,
    /// E.g. `ingest`, or the pool's index when it has no name.
    pub(crate) name: String,
    state: Mutex<PoolState>,
    /// One permit per free place in the pool, taken without the lock and
    /// given back through [`PoolInner::give_back_room`] (see `room.rs`).
    room: ResizableLimit,
    /// Woken when a task or meta task goes away or the pool closes, for the
    /// calls that wait for that.
    changed: Notify,
}

impl PoolInner {
    pub(crate) fn new(kind: &str, name: Option<String>, limit: Option<usize>) -> Self {
        let name = name.unwrap_or_else(|| NEXT_POOL_INDEX.fetch_add(1, Ordering::Relaxed).to_string());
        PoolInner {
            display: format!("{kind}-{name}"),
            name,
            state: Mutex::new(PoolState::new(limit)),
            room: ResizableLimit::new(limit),
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

    /// Waits for a free place in the pool. Cancel safe: dropping the future
    /// before it completes takes nothing; dropping the returned permit gives
    /// the place back.
    ///
    /// A map group passes its key, so that `num_waiting` counts it while it
    /// waits (counted groups report their pending starts through the state).
    pub(crate) async fn acquire_room(&self, waiting_group: Option<u64>) -> RoomPermit<'_> {
        loop {
            if self.room.try_take() {
                // One atomic load on the fast path: the take synchronizes with
                // any shrink before it (see `owes`).
                if !self.room.owes() {
                    return RoomPermit { inner: self, armed: true };
                }
            } else {
                let _waiting = waiting_group.map(|key| WaitingGuard::new(self, key));
                self.room.take().await;
            }
            // After a wait the permit may have been handed over before a
            // shrink that this task does not synchronize with, so the debt is
            // read under the lock; also when the fast path saw a debt. A
            // permit that pays the debt admits nothing, and the loop waits
            // for another.
            if !self.room.pay_with_taken(&mut self.lock().room) {
                return RoomPermit { inner: self, armed: true };
            }
        }
    }

    /// Gives one place back, or swallows it while a shrink is still owed.
    pub(crate) fn give_back_room(&self, state: &mut PoolState) {
        self.room.give_back(&mut state.room);
    }

    /// Changes the size limit; see [`ResizableLimit::resize`]. Raising it
    /// wakes waiting meta tasks at once; lowering it below the number of
    /// running tasks cancels nothing and replaces none of them until fewer
    /// run than the new limit.
    pub(crate) fn resize(&self, state: &mut PoolState, limit: Option<usize>) {
        self.room.resize(&mut state.room, limit);
    }

    /// Wakes waiting calls if there are any; called after the lock is released.
    pub(crate) fn notify_changed(&self) {
        self.changed.notify_waiters();
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
    key: u64,
}

impl<'a> WaitingGuard<'a> {
    fn new(inner: &'a PoolInner, key: u64) -> Self {
        inner.lock().set_waiting_for_room(key, true);
        WaitingGuard { inner, key }
    }
}

impl Drop for WaitingGuard<'_> {
    fn drop(&mut self) {
        self.inner.lock().set_waiting_for_room(self.key, false);
    }
}

/// Counts a waiting call for as long as it waits, so that task ends know
/// whether to notify.
struct WaiterGuard<'a>(&'a PoolInner);

impl<'a> WaiterGuard<'a> {
    fn new(inner: &'a PoolInner) -> Self {
        inner.lock().waiters += 1;
        WaiterGuard(inner)
    }
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.0.lock().waiters -= 1;
    }
}

/// A place in the pool that a meta task has acquired but not yet handed to a
/// task. Dropping it (say, because the meta task was aborted) gives the place
/// back through the debt-aware path.
#[derive(Debug)]
pub(crate) struct RoomPermit<'a> {
    inner: &'a PoolInner,
    armed: bool,
}

impl RoomPermit<'_> {
    /// Hands the place to a task that is being registered under the lock; the
    /// task gives it back when its future is gone.
    pub(crate) fn hand_to_task(mut self, state: &mut PoolState) {
        self.armed = false;
        state.room.occupied += 1;
    }
}

impl Drop for RoomPermit<'_> {
    fn drop(&mut self) {
        if self.armed {
            let mut state = self.inner.lock();
            self.inner.give_back_room(&mut state);
        }
    }
}
