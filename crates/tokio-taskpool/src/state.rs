//! The bookkeeping behind a pool: every alive task and group, the counters,
//! and the room accounting. All of it sits behind one `std::sync::Mutex` in
//! [`PoolInner`](crate::inner::PoolInner); the methods here are plain,
//! synchronous state transitions that never call user code, never block and
//! never await, so the lock is held only for a few map operations.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::report::{PoolReport, TaskFailure};
use crate::room::Room;
use crate::{GroupKind, TaskId};

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

#[derive(Debug)]
pub(crate) struct TaskRecord {
    pub(crate) group: u64,
    pub(crate) phase: Phase,
    /// Set right after the spawn, which happens outside the lock.
    pub(crate) abort: Option<AbortHandle>,
    pub(crate) started: Instant,
}

#[derive(Debug)]
pub(crate) struct GroupRecord {
    pub(crate) name: Arc<str>,
    pub(crate) kind: GroupKind,
    pub(crate) meta: Option<AbortHandle>,
    pub(crate) meta_alive: bool,
    /// Alive tasks of this group: running, cancelled or ending.
    pub(crate) live: BTreeSet<TaskId>,
    pub(crate) started: u64,
    /// Starts still wanted by a counted group (apply, start); withdrawn by `stop`.
    pub(crate) remaining: usize,
    /// Set by cancellation and graceful stop: the group starts nothing more.
    pub(crate) closed: bool,
    /// A map group's meta task holds an item and waits for room.
    pub(crate) waiting_for_room: bool,
}

#[derive(Debug)]
pub(crate) struct PoolState {
    pub(crate) room: Room,
    pub(crate) next_id: u64,
    pub(crate) tasks: BTreeMap<TaskId, TaskRecord>,
    /// Keyed by creation order, so that iterating backwards goes newest first.
    pub(crate) groups: BTreeMap<u64, GroupRecord>,
    pub(crate) group_keys: HashMap<Arc<str>, u64>,
    pub(crate) next_group_key: u64,
    pub(crate) default_name_counters: HashMap<&'static str, u64>,
    pub(crate) running: usize,
    pub(crate) counted_remaining: usize,
    /// Map groups whose meta task holds an item and waits for room.
    pub(crate) stream_waiting: usize,
    pub(crate) cancelled: u64,
    pub(crate) ended: u64,
    pub(crate) failed: u64,
    pub(crate) failures: VecDeque<TaskFailure>,
    pub(crate) failed_since_report: u64,
    pub(crate) metas_alive: usize,
    pub(crate) locked: bool,
    pub(crate) closed: bool,
    /// How many `flush`/`gather_and_close`/`until_closed`/graceful stops are
    /// waiting; removals notify only when someone waits, to keep task ends cheap.
    pub(crate) waiters: usize,
    /// Signals a graceful stop to the tasks of the groups made since the last one.
    pub(crate) stop_signal: CancellationToken,
}

impl PoolState {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        PoolState {
            room: Room::new(limit),
            next_id: 0,
            tasks: BTreeMap::new(),
            groups: BTreeMap::new(),
            group_keys: HashMap::new(),
            next_group_key: 0,
            default_name_counters: HashMap::new(),
            running: 0,
            counted_remaining: 0,
            stream_waiting: 0,
            cancelled: 0,
            ended: 0,
            failed: 0,
            failures: VecDeque::new(),
            failed_since_report: 0,
            metas_alive: 0,
            locked: false,
            closed: false,
            waiters: 0,
            stop_signal: CancellationToken::new(),
        }
    }

    /// The next free default name such as `apply-group-3`.
    pub(crate) fn default_group_name(&mut self, kind: GroupKind) -> String {
        let prefix = kind.default_prefix();
        let counter = self.default_name_counters.entry(prefix).or_insert(0);
        loop {
            let name = format!("{prefix}-group-{counter}");
            *counter += 1;
            if !self.group_keys.contains_key(name.as_str()) {
                return name;
            }
        }
    }

    /// Registers a new group whose meta task is about to be spawned.
    pub(crate) fn add_group(&mut self, name: Arc<str>, kind: GroupKind, remaining: usize) -> u64 {
        let key = self.next_group_key;
        self.next_group_key += 1;
        self.group_keys.insert(name.clone(), key);
        self.groups.insert(
            key,
            GroupRecord {
                name,
                kind,
                meta: None,
                meta_alive: true,
                live: BTreeSet::new(),
                started: 0,
                remaining,
                closed: false,
                waiting_for_room: false,
            },
        );
        self.counted_remaining += remaining;
        self.metas_alive += 1;
        key
    }

    /// Forgets a group once its meta task is gone and no task of it is alive:
    /// a long-lived pool keeps nothing per finished group.
    pub(crate) fn forget_group_if_done(&mut self, key: u64) {
        let done = self.groups.get(&key).is_some_and(|g| !g.meta_alive && g.live.is_empty());
        if done {
            let group = self.groups.remove(&key).expect("checked above");
            self.group_keys.remove(&group.name);
        }
    }

    /// Stops a group from starting anything more: withdraws its pending starts
    /// and aborts its meta task. The meta task re-checks `closed` under the
    /// lock before every spawn, so a start that already has room still never
    /// happens (the race of the reference library's issue 4).
    pub(crate) fn close_group(&mut self, key: u64) {
        let Some(group) = self.groups.get_mut(&key) else { return };
        group.closed = true;
        self.counted_remaining -= group.remaining;
        group.remaining = 0;
        if std::mem::take(&mut group.waiting_for_room) {
            self.stream_waiting -= 1;
        }
        if let Some(meta) = &group.meta {
            meta.abort();
        }
    }

    /// Withdraws up to `n` pending starts of counted groups, newest group
    /// first; returns how many were withdrawn.
    pub(crate) fn withdraw_pending(&mut self, n: usize) -> usize {
        if self.counted_remaining == 0 {
            // The usual case, and the reason `stop(1)` costs the same with a
            // million groups as with one.
            return 0;
        }
        let mut withdrawn = 0;
        for group in self.groups.values_mut().rev() {
            if withdrawn == n {
                break;
            }
            let take = group.remaining.min(n - withdrawn);
            group.remaining -= take;
            withdrawn += take;
            if take > 0 && group.remaining == 0 {
                if let Some(meta) = &group.meta {
                    meta.abort();
                }
            }
        }
        self.counted_remaining -= withdrawn;
        withdrawn
    }

    /// Marks a map group as waiting for room (or not), keeping the count in step.
    pub(crate) fn set_waiting_for_room(&mut self, key: u64, waiting: bool) {
        let Some(group) = self.groups.get_mut(&key) else { return };
        if group.waiting_for_room == waiting || (waiting && group.closed) {
            return;
        }
        group.waiting_for_room = waiting;
        if waiting {
            self.stream_waiting += 1;
        } else {
            self.stream_waiting -= 1;
        }
    }

    /// Cancels one running task: it stops counting as running and counts as
    /// cancelled from now on; its future is dropped by tokio at its next poll.
    /// Returns false when the task is not running.
    pub(crate) fn cancel_running(&mut self, id: TaskId) -> bool {
        let Some(task) = self.tasks.get_mut(&id) else { return false };
        if task.phase != Phase::Running {
            return false;
        }
        task.phase = Phase::Cancelled;
        if let Some(abort) = &task.abort {
            abort.abort();
        }
        self.running -= 1;
        self.cancelled += 1;
        true
    }

    /// Removes an alive task for good (after its callbacks) and its group if
    /// that was the group's last trace.
    pub(crate) fn remove_task(&mut self, id: TaskId) {
        if let Some(task) = self.tasks.remove(&id) {
            if let Some(group) = self.groups.get_mut(&task.group) {
                group.live.remove(&id);
            }
            self.forget_group_if_done(task.group);
        }
    }

    /// Counts a caught panic and keeps its details for the next report.
    pub(crate) fn record_failure(&mut self, failure: TaskFailure) {
        self.failed += 1;
        self.failed_since_report += 1;
        if self.failures.len() == PoolReport::KEPT_FAILURES {
            self.failures.pop_front();
        }
        self.failures.push_back(failure);
    }

    /// Hands over the failures since the last report.
    pub(crate) fn take_report(&mut self) -> PoolReport {
        let report =
            PoolReport { failures: self.failures.drain(..).collect(), num_failed: self.failed_since_report };
        self.failed_since_report = 0;
        report
    }

    /// Starts wanted but not made for lack of room: pending starts of counted
    /// groups, and map groups that hold an item and wait for room.
    pub(crate) fn num_waiting(&self) -> usize {
        self.counted_remaining + self.stream_waiting
    }
}
