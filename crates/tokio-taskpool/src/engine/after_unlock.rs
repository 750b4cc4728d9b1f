//! What a state transition leaves to do once the pool's lock is released.

use tokio::task::AbortHandle;

/// Work that a [`PoolState`](super::PoolState) transition hands back to be
/// done after the lock is released: firing abort handles (which may wake a
/// worker thread with a system call, too slow to do while every task end
/// waits for the lock) and waking the calls that wait for a change.
///
/// It is `#[must_use]`: dropping it would lose an abort or a wake-up.
#[derive(Debug, Default)]
#[must_use = "the aborts and wake-ups must happen once the lock is released"]
pub(crate) struct AfterUnlock {
    aborts: Vec<AbortHandle>,
    wake: bool,
}

impl AfterUnlock {
    /// Wakes the waiting calls, if `wake`.
    pub(crate) fn wake(wake: bool) -> Self {
        AfterUnlock { aborts: Vec::new(), wake }
    }

    /// Fires one abort handle.
    pub(crate) fn abort(handle: AbortHandle) -> Self {
        AfterUnlock { aborts: vec![handle], wake: false }
    }

    pub(crate) fn push_abort(&mut self, handle: AbortHandle) {
        self.aborts.push(handle);
    }

    /// Whether it wakes the waiting calls.
    #[cfg(test)]
    pub(crate) fn wakes(&self) -> bool {
        self.wake
    }

    /// Does it all; the caller has released the lock.
    pub(crate) fn run(self, changed: &tokio::sync::Notify) {
        for handle in self.aborts {
            handle.abort();
        }
        if self.wake {
            changed.notify_waiters();
        }
    }
}
