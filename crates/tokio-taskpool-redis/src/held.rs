//! The entries one consumer holds: read from Redis and not yet settled
//! (acknowledged, scheduled for retry or dead-lettered). Their leases are
//! refreshed while they are here; how many there are, against the free
//! places, decides how much the reader may ask for.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;

/// The held entries of one consumer and the counts the reader needs.
#[derive(Debug, Default)]
pub(crate) struct HeldEntries {
    state: Mutex<HeldState>,
    /// Signalled whenever an entry is let go or a task starts, so that a
    /// reader waiting for a free place looks again.
    changed: Notify,
    /// Signalled when the reader is gone, and after that whenever an entry
    /// is let go, so that the keeper notices the end at once without
    /// waking for every entry while the consumer runs.
    ending: Notify,
}

#[derive(Debug, Default)]
struct HeldState {
    ids: HashSet<String>,
    /// Entries handed to the pool (yielded by the stream) and not yet let
    /// go: they occupy places of the group.
    in_flight: usize,
    /// Of `in_flight`, those whose task has not started yet: they will
    /// occupy places of the pool that `num_running` does not show yet.
    unstarted: usize,
    /// Whether the pool still holds the stream that reads for this consumer.
    reader_alive: bool,
    max_held: usize,
}

impl HeldEntries {
    pub(crate) fn new() -> Arc<HeldEntries> {
        let held = Arc::new(HeldEntries::default());
        held.lock().reader_alive = true;
        held
    }

    fn lock(&self) -> MutexGuard<'_, HeldState> {
        // Nothing panics while holding this lock; a poisoned lock would
        // still hold consistent counts.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes `id` into the held set; the lease lets it go when dropped.
    /// Returns `None` if it is held already (a takeover that returned an
    /// entry this consumer is running: it must not run twice here).
    pub(crate) fn hold(self: &Arc<Self>, id: &str) -> Option<Lease> {
        let mut state = self.lock();
        if !state.ids.insert(id.to_owned()) {
            return None;
        }
        state.max_held = state.max_held.max(state.ids.len());
        Some(Lease { held: Arc::clone(self), id: id.to_owned(), yielded: false, started: false })
    }

    /// How many entries are held.
    pub(crate) fn len(&self) -> usize {
        self.lock().ids.len()
    }

    /// The most entries held at once.
    pub(crate) fn max_held(&self) -> usize {
        self.lock().max_held
    }

    /// `(in_flight, unstarted)`.
    pub(crate) fn in_flight(&self) -> (usize, usize) {
        let state = self.lock();
        (state.in_flight, state.unstarted)
    }

    /// The IDs held now, for a lease refresh.
    pub(crate) fn ids(&self) -> Vec<String> {
        self.lock().ids.iter().cloned().collect()
    }

    /// Forgets `id` without settling it: another consumer owns it now.
    /// Its task goes on; its lease is no longer refreshed.
    pub(crate) fn forget(&self, id: &str) -> bool {
        let (removed, ending) = {
            let mut state = self.lock();
            (state.ids.remove(id), !state.reader_alive)
        };
        if ending {
            self.ending.notify_waiters();
        }
        removed
    }

    /// Marks the stream dropped by the pool: nothing more will be read.
    pub(crate) fn reader_gone(&self) {
        self.lock().reader_alive = false;
        self.changed.notify_waiters();
        self.ending.notify_waiters();
    }

    /// Whether the reader is gone and nothing is held: the consumer is done.
    pub(crate) fn is_drained(&self) -> bool {
        let state = self.lock();
        !state.reader_alive && state.ids.is_empty() && state.in_flight == 0
    }

    /// Waits until something changes (an entry let go, a task started).
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// Waits until the reader is gone, or, once it is, an entry is let go.
    pub(crate) fn ending(&self) -> tokio::sync::futures::Notified<'_> {
        self.ending.notified()
    }
}

/// One held entry. Dropping it lets the entry go from the held set, however
/// its task ends (settled, failed, cancelled or never started); an entry let
/// go unsettled stays pending in Redis, and after `min_idle` without a
/// refresh it is taken over.
#[derive(Debug)]
pub(crate) struct Lease {
    held: Arc<HeldEntries>,
    id: String,
    yielded: bool,
    started: bool,
}

impl Lease {
    /// The entry is handed to the pool as the input of a task.
    pub(crate) fn yielded(&mut self) {
        if !self.yielded {
            self.yielded = true;
            let mut state = self.held.lock();
            state.in_flight += 1;
            state.unstarted += 1;
        }
    }

    /// The entry's task has started.
    pub(crate) fn started(&mut self) {
        if self.yielded && !self.started {
            self.started = true;
            self.held.lock().unstarted -= 1;
            self.held.changed.notify_waiters();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let ending = {
            let mut state = self.held.lock();
            state.ids.remove(&self.id);
            if self.yielded {
                state.in_flight -= 1;
                if !self.started {
                    state.unstarted -= 1;
                }
            }
            !state.reader_alive
        };
        self.held.changed.notify_waiters();
        if ending {
            self.held.ending.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_count_in_flight_and_unstarted_until_dropped() {
        let held = HeldEntries::new();
        let mut a = held.hold("1-0").unwrap();
        let mut b = held.hold("2-0").unwrap();
        assert!(held.hold("1-0").is_none(), "an entry is held once");
        assert_eq!((held.len(), held.in_flight()), (2, (0, 0)));
        a.yielded();
        b.yielded();
        a.started();
        assert_eq!(held.in_flight(), (2, 1));
        drop(b);
        assert_eq!((held.len(), held.in_flight()), (1, (1, 0)));
        drop(a);
        assert_eq!((held.len(), held.in_flight(), held.max_held()), (0, (0, 0), 2));
        assert!(!held.is_drained(), "the reader is alive");
        held.reader_gone();
        assert!(held.is_drained());
    }
}
