//! What a state transition leaves to do once the pool's lock is released.

use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

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
    /// Stop signals of tasks asked to stop gracefully; cancelling one wakes
    /// the task that waits on it.
    stops: Vec<CancellationToken>,
    wake: bool,
}

impl AfterUnlock {
    /// Wakes the waiting calls, if `wake`.
    pub(crate) fn wake(wake: bool) -> Self {
        AfterUnlock { aborts: Vec::new(), stops: Vec::new(), wake }
    }

    /// Fires one abort handle.
    pub(crate) fn abort(handle: AbortHandle) -> Self {
        AfterUnlock { aborts: vec![handle], stops: Vec::new(), wake: false }
    }

    pub(crate) fn push_abort(&mut self, handle: AbortHandle) {
        self.aborts.push(handle);
    }

    pub(crate) fn push_stop(&mut self, token: CancellationToken) {
        self.stops.push(token);
    }

    /// Adds what `other` leaves to do.
    pub(crate) fn merge(&mut self, other: AfterUnlock) {
        self.aborts.extend(other.aborts);
        self.stops.extend(other.stops);
        self.wake |= other.wake;
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
        for token in self.stops {
            token.cancel();
        }
        if self.wake {
            changed.notify_waiters();
        }
    }
}
