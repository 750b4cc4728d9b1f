//! The alive tasks of a pool, keyed by their dense, increasing IDs, with no
//! tree nodes and O(1) work per task.
//!
//! IDs are handed out in order under the pool's lock, so a new task always
//! goes at the back of a ring (`VecDeque`) indexed by `id - base`. Tasks end
//! in any order: an ended task leaves a hole, and holes at the front are
//! popped at once. One long-lived task at the front would otherwise pin a
//! ring of holes behind it (a heartbeat task followed by ten million short
//! ones), so when the ring gets sparse its oldest survivors move to a small
//! hash map of stragglers and the front moves on. The ring stays at least a
//! quarter full, so memory stays proportional to the number of alive tasks.
//!
//! Each task is also linked into its group's list (newest last), which is
//! what `cancel_group`, `group_ids` and newest-first `stop` walk without
//! touching other groups' tasks.

use std::collections::{HashMap, VecDeque};

use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use crate::TaskId;

/// A ring shorter than this is never compacted: compaction only pays off
/// for long rings, and short rings cost little.
const MIN_COMPACT_LEN: usize = 1024;

/// Where an alive task is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Its future is being polled.
    Running,
    /// It was cancelled; its future is (being) dropped and its callbacks
    /// may still run.
    Cancelled,
    /// Its future completed (or panicked); its `on_end` callback is running.
    Ending,
}

/// The key of a group in the pool's state: its creation index.
pub(crate) type GroupKey = u64;

/// A link to another alive task of the same group, or none: 8 bytes where
/// an `Option<TaskId>` takes 16 (IDs never reach `u64::MAX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Link(u64);

impl Link {
    pub(crate) const NONE: Link = Link(u64::MAX);

    pub(crate) fn to(id: TaskId) -> Link {
        Link(id.as_u64())
    }

    pub(crate) fn get(self) -> Option<TaskId> {
        (self != Link::NONE).then(|| TaskId::from(self.0))
    }
}

impl From<Option<TaskId>> for Link {
    fn from(id: Option<TaskId>) -> Link {
        id.map_or(Link::NONE, Link::to)
    }
}

/// One alive task.
#[derive(Debug)]
pub(crate) struct TaskEntry {
    pub(crate) group: GroupKey,
    /// Set right after the spawn, which happens outside the lock.
    pub(crate) abort: Option<AbortHandle>,
    /// When it started, in nanoseconds since the pool was made: 8 bytes
    /// instead of a 16-byte `Instant`.
    pub(crate) started: u64,
    /// The previous (older) and next (newer) alive task of the same group.
    pub(crate) prev: Link,
    pub(crate) next: Link,
    /// Its position in its group (see `Registered::index`), for its output.
    pub(crate) index: u64,
    /// The task's own stop signal, made only when the task asks for it
    /// (`current::stop_token`), so that tasks that never ask pay nothing.
    pub(crate) stop: Option<CancellationToken>,
    pub(crate) phase: Phase,
    /// Cancelled before its abort handle was set: the task checks this on
    /// its first poll (see `PoolState::cancel_running`).
    pub(crate) cancelled_unarmed: bool,
    /// A graceful stop of this task alone was asked (see `PoolState::ask_to_stop`).
    pub(crate) stop_asked: bool,
}

/// The alive tasks; see the module docs.
#[derive(Debug, Default)]
pub(crate) struct TaskTable {
    /// The ID of `ring[0]`.
    base: u64,
    ring: VecDeque<Option<TaskEntry>>,
    /// Alive tasks in the ring.
    in_ring: usize,
    /// Alive tasks older than `base`.
    stragglers: HashMap<u64, TaskEntry>,
}

impl TaskTable {
    /// How many tasks are alive.
    pub(crate) fn len(&self) -> usize {
        self.in_ring + self.stragglers.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds the task with the next ID; IDs must come in order.
    pub(crate) fn push(&mut self, id: TaskId, entry: TaskEntry) {
        let id = id.as_u64();
        if self.ring.is_empty() {
            self.base = id;
        }
        debug_assert_eq!(id, self.base + self.ring.len() as u64, "task IDs are registered in order");
        self.ring.push_back(Some(entry));
        self.in_ring += 1;
        self.compact_if_sparse();
    }

    pub(crate) fn get(&self, id: TaskId) -> Option<&TaskEntry> {
        let id = id.as_u64();
        if id < self.base {
            return self.stragglers.get(&id);
        }
        self.ring.get((id - self.base) as usize)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut TaskEntry> {
        let id = id.as_u64();
        if id < self.base {
            return self.stragglers.get_mut(&id);
        }
        self.ring.get_mut((id - self.base) as usize)?.as_mut()
    }

    /// Removes a task; the caller unlinks it from its group first.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<TaskEntry> {
        let raw = id.as_u64();
        if raw < self.base {
            return self.stragglers.remove(&raw);
        }
        let entry = self.ring.get_mut((raw - self.base) as usize)?.take()?;
        self.in_ring -= 1;
        while matches!(self.ring.front(), Some(None)) {
            self.ring.pop_front();
            self.base += 1;
        }
        Some(entry)
    }

    /// Keeps the ring at least a quarter full by moving its oldest alive
    /// tasks to the stragglers. Each task moves at most once, so the cost
    /// is amortized O(1) per task.
    fn compact_if_sparse(&mut self) {
        if self.ring.len() < MIN_COMPACT_LEN || self.ring.len() < 4 * self.in_ring {
            return;
        }
        while self.ring.len() > 2 * self.in_ring {
            match self.ring.pop_front() {
                Some(Some(entry)) => {
                    self.stragglers.insert(self.base, entry);
                    self.in_ring -= 1;
                }
                Some(None) => {}
                None => break,
            }
            self.base += 1;
        }
        while matches!(self.ring.front(), Some(None)) {
            self.ring.pop_front();
            self.base += 1;
        }
    }

    /// The alive tasks, oldest first. The stragglers (few, and old) are
    /// sorted only when the walk reaches past the ring's front.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (TaskId, &TaskEntry)> + '_ {
        let base = self.base;
        let stragglers = self.sorted_stragglers(false);
        stragglers.chain(
            self.ring.iter().enumerate().filter_map(move |(i, slot)| {
                slot.as_ref().map(|entry| (TaskId::from(base + i as u64), entry))
            }),
        )
    }

    /// The alive tasks, newest first. Walks the ring from the back, so it
    /// touches only what it yields plus the holes between them; the
    /// stragglers are sorted only if the walk gets that far, so that
    /// `stop(1)` stays O(1) however many old tasks there are.
    pub(crate) fn iter_newest_first(&self) -> impl Iterator<Item = (TaskId, &TaskEntry)> + '_ {
        let base = self.base;
        let ring =
            self.ring.iter().enumerate().rev().filter_map(move |(i, slot)| {
                slot.as_ref().map(|entry| (TaskId::from(base + i as u64), entry))
            });
        ring.chain(self.sorted_stragglers(true))
    }

    /// The stragglers in ID order (or reversed), sorted on the first
    /// `next()`, not before.
    fn sorted_stragglers(&self, newest_first: bool) -> impl Iterator<Item = (TaskId, &TaskEntry)> + '_ {
        let mut sorted: Option<std::vec::IntoIter<(TaskId, &TaskEntry)>> = None;
        std::iter::from_fn(move || {
            let sorted = sorted.get_or_insert_with(|| {
                let mut old: Vec<(TaskId, &TaskEntry)> =
                    self.stragglers.iter().map(|(&id, entry)| (TaskId::from(id), entry)).collect();
                old.sort_unstable_by_key(|(id, _)| *id);
                if newest_first {
                    old.reverse();
                }
                old.into_iter()
            });
            sorted.next()
        })
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn entry() -> TaskEntry {
        TaskEntry {
            group: 0,
            abort: None,
            started: 0,
            prev: Link::NONE,
            next: Link::NONE,
            index: 0,
            stop: None,
            phase: Phase::Running,
            cancelled_unarmed: false,
            stop_asked: false,
        }
    }

    #[test]
    fn holes_at_the_front_are_popped() {
        let mut table = TaskTable::default();
        for id in 0..4 {
            table.push(TaskId::from(id), entry());
        }
        table.remove(TaskId::from(1));
        table.remove(TaskId::from(0));
        assert_eq!((table.base, table.ring.len(), table.len()), (2, 2, 2));
        assert!(table.get(TaskId::from(1)).is_none());
        assert!(table.get(TaskId::from(3)).is_some());
        assert!(table.remove(TaskId::from(1)).is_none(), "a removed task is gone for good");
    }

    #[test]
    fn a_long_lived_task_does_not_pin_a_ring_of_holes() {
        let mut table = TaskTable::default();
        table.push(TaskId::from(0), entry());
        for id in 1..100_000u64 {
            table.push(TaskId::from(id), entry());
            table.remove(TaskId::from(id));
        }
        assert_eq!(table.len(), 1);
        assert!(table.ring.len() < MIN_COMPACT_LEN, "ring of {} slots for one task", table.ring.len());
        assert!(table.get(TaskId::from(0)).is_some(), "the old task is still found");
        assert_eq!(table.iter().map(|(id, _)| id.as_u64()).collect::<Vec<_>>(), [0]);
        table.push(TaskId::from(100_000), entry());
        assert_eq!(table.iter_newest_first().map(|(id, _)| id.as_u64()).collect::<Vec<_>>(), [100_000, 0]);
        assert!(table.remove(TaskId::from(0)).is_some());
        assert_eq!(table.len(), 1);
    }

    #[test]
    fn iteration_is_in_id_order_across_ring_and_stragglers() {
        let mut table = TaskTable::default();
        for id in 0..5000u64 {
            table.push(TaskId::from(id), entry());
            if id % 7 != 0 {
                table.remove(TaskId::from(id));
            }
        }
        let ids: Vec<u64> = table.iter().map(|(id, _)| id.as_u64()).collect();
        let expected: Vec<u64> = (0..5000).filter(|id| id % 7 == 0).collect();
        assert_eq!(ids, expected);
        let mut newest: Vec<u64> = table.iter_newest_first().map(|(id, _)| id.as_u64()).collect();
        newest.reverse();
        assert_eq!(newest, expected);
        assert!(!table.stragglers.is_empty(), "the test exercises the stragglers");
    }

    #[test]
    fn taking_the_newest_does_not_sort_the_stragglers() {
        let mut table = TaskTable::default();
        for id in 0..10_000u64 {
            table.push(TaskId::from(id), entry());
            if id % 7 != 0 && id < 9_990 {
                table.remove(TaskId::from(id));
            }
        }
        assert!(!table.stragglers.is_empty());
        // Only the ring's back is touched: the first item is the newest.
        assert_eq!(table.iter_newest_first().next().map(|(id, _)| id.as_u64()), Some(9_999));
    }
}
