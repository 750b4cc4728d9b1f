//! The bookkeeping behind a pool, and the only code that changes it.
//!
//! [`PoolState`] sits behind the pool's one `std::sync::Mutex` (see
//! [`PoolInner`](super::PoolInner)). Its fields are private: it changes only
//! through one method per event (a group opened, a task registered, a task
//! completed, dropped or forgotten, a meta task gone, a cancel, a resize …).
//! Each method is a plain synchronous transition that never calls user code,
//! never blocks and never awaits, and returns what must happen once the lock
//! is released ([`AfterUnlock`]: abort handles to fire, waiters to wake), so
//! every transition can be unit-tested without a runtime (`tests.rs`).

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::after_unlock::AfterUnlock;
use super::groups::GroupTable;
use super::room::{ResizableLimit, Room};
use super::task_table::{GroupKey, Link, Phase, TaskEntry, TaskTable};
use crate::report::{PoolReport, TaskFailure};
use crate::{GroupKind, GroupStatus, TaskId, TaskInfo};

/// Which rule admits a start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// apply and start: one of the group's remaining starts is used up.
    Counted,
    /// map: any start while the group is open.
    Open,
}

/// Why a group could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OpenRefusal {
    Closed,
    Locked,
    NameTaken(String),
}

/// Why a task could not be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CancelRefusal {
    AlreadyCancelled,
    AlreadyEnded,
    NotFound,
}

/// A newly opened group.
#[derive(Debug)]
pub(crate) struct OpenedGroup {
    pub(crate) key: GroupKey,
    pub(crate) name: Arc<str>,
    /// The graceful-stop signal its tasks see.
    pub(crate) stop_signal: CancellationToken,
}

/// A task that [`PoolState::register_task`] admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Registered {
    pub(crate) id: TaskId,
    /// Its position among its group's tasks, from 0: for a map group, the
    /// position of its input.
    pub(crate) index: u64,
    /// Whether a counted group wants more starts.
    pub(crate) more: bool,
}

/// What a completed task's future means for the pool.
#[derive(Debug)]
pub(crate) enum Completion {
    /// A cancel won the race with the completion: the task counts as
    /// cancelled, and its drop path ends it.
    CancelledFirst,
    /// The task ended normally (or panicked); it counts as ended. Its
    /// position in its group comes back for its output.
    Ended { index: u64, started: Instant, after: AfterUnlock },
}

/// What the pool knows, behind its lock; see the module docs.
#[derive(Debug)]
pub(crate) struct PoolState {
    /// Shared with the lock-free paths: the size limit's permits and the
    /// start gate (see [`LockFree`]).
    lock_free: Arc<LockFree>,
    room: Room,
    next_id: u64,
    tasks: TaskTable,
    groups: GroupTable,
    running: usize,
    /// Pending starts of counted groups. Wider than `usize` because each
    /// group may ask for up to `usize::MAX` starts.
    counted_remaining: u128,
    /// Map groups whose meta task holds an item and waits for room.
    stream_waiting: usize,
    cancelled: u64,
    ended: u64,
    failed: u64,
    failures: VecDeque<TaskFailure>,
    failed_since_report: u64,
    /// Inputs of map groups cut short that were never started, since the
    /// last report.
    unstarted_since_report: u64,
    metas_alive: usize,
    locked: bool,
    /// Set by `close`: no group is opened any more. The pool is closed once
    /// this is set and nothing is alive.
    closing: bool,
    /// How many `flush`/`gather_and_close`/`until_closed`/graceful stops are
    /// waiting: transitions ask for a wake-up only when someone waits, which
    /// keeps task ends cheap.
    waiters: usize,
    /// Signals a graceful stop to the tasks of the groups made since the last one.
    stop_signal: CancellationToken,
    /// Task ages are kept as nanoseconds since this instant.
    epoch: Instant,
}

/// What the paths that do not take the lock read: the size limit's permits,
/// and the start gate.
#[derive(Debug)]
pub(crate) struct LockFree {
    pub(crate) limit: ResizableLimit,
    /// How many alive tasks were cancelled before their abort handle was
    /// set. Such a task may already be scheduled, so on its first poll it
    /// looks here (one atomic load) and, only while this is not zero, asks
    /// the state under the lock whether it was cancelled, in which case it
    /// never makes or polls the user's future.
    unarmed_cancels: AtomicUsize,
    /// Counts every cancel of a running task, so that a task that asked the
    /// state can tell whether a cancel came while it released the lock (it
    /// may have had its abort handle by then: the abort does not stop a poll
    /// that is under way).
    cancel_epoch: AtomicU64,
}

impl LockFree {
    /// Whether a task on its first poll may start without asking the state.
    pub(crate) fn start_gate_open(&self) -> bool {
        // Acquire pairs with the Release increment in `cancel_running`: a
        // first poll that comes after a cancel returned sees the raise.
        self.unarmed_cancels.load(Ordering::Acquire) == 0
    }

    /// The number of cancels of running tasks so far.
    pub(crate) fn cancel_epoch(&self) -> u64 {
        // Acquire, as in `start_gate_open`.
        self.cancel_epoch.load(Ordering::Acquire)
    }
}

impl PoolState {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        PoolState {
            lock_free: Arc::new(LockFree {
                limit: ResizableLimit::new(limit),
                unarmed_cancels: AtomicUsize::new(0),
                cancel_epoch: AtomicU64::new(0),
            }),
            room: Room::new(limit),
            next_id: 0,
            tasks: TaskTable::default(),
            groups: GroupTable::default(),
            running: 0,
            counted_remaining: 0,
            stream_waiting: 0,
            cancelled: 0,
            ended: 0,
            failed: 0,
            failures: VecDeque::new(),
            failed_since_report: 0,
            unstarted_since_report: 0,
            metas_alive: 0,
            locked: false,
            closing: false,
            waiters: 0,
            stop_signal: CancellationToken::new(),
            epoch: Instant::now(),
        }
    }

    pub(crate) fn lock_free(&self) -> &Arc<LockFree> {
        &self.lock_free
    }

    fn wake_if_waited(&self) -> AfterUnlock {
        AfterUnlock::wake(self.waiters > 0)
    }

    // ----- groups -----

    /// Opens a group whose meta task is about to be spawned.
    pub(crate) fn open_group(
        &mut self,
        name: Option<String>,
        kind: GroupKind,
        remaining: usize,
    ) -> Result<OpenedGroup, OpenRefusal> {
        if self.closing {
            return Err(OpenRefusal::Closed);
        }
        if self.locked {
            return Err(OpenRefusal::Locked);
        }
        let name: Arc<str> = match name {
            Some(name) if self.groups.contains_name(&name) => return Err(OpenRefusal::NameTaken(name)),
            Some(name) => name.into(),
            None => self.groups.default_name(kind),
        };
        let key = self.groups.insert(name.clone(), kind, remaining);
        self.counted_remaining += remaining as u128;
        self.metas_alive += 1;
        Ok(OpenedGroup { key, name, stop_signal: self.stop_signal.child_token() })
    }

    /// The meta task of a group was spawned: keep its abort handle, or abort
    /// it if the group was closed in the meantime.
    pub(crate) fn meta_spawned(&mut self, key: GroupKey, handle: AbortHandle) -> AfterUnlock {
        match self.groups.get_mut(key) {
            Some(group) if group.closed => AfterUnlock::abort(handle),
            Some(group) if group.meta_alive => {
                group.meta = Some(handle);
                AfterUnlock::default()
            }
            _ => AfterUnlock::default(),
        }
    }

    /// A meta task is gone, done or aborted: whatever it had not started is
    /// withdrawn, and the group is forgotten if nothing of it is alive.
    pub(crate) fn meta_gone(&mut self, key: GroupKey) -> AfterUnlock {
        if let Some(group) = self.groups.get_mut(key) {
            group.meta_alive = false;
            let withdrawn = std::mem::take(&mut group.remaining);
            self.counted_remaining -= withdrawn as u128;
            if std::mem::take(&mut group.waiting_for_room) {
                self.stream_waiting -= 1;
            }
        }
        self.metas_alive -= 1;
        self.groups.forget_if_done(key);
        self.wake_if_waited()
    }

    /// Marks a map group as waiting for room (or not), keeping the count in step.
    pub(crate) fn set_waiting_for_room(&mut self, key: GroupKey, waiting: bool) {
        let Some(group) = self.groups.get_mut(key) else { return };
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

    /// Stops a group from starting anything more: withdraws its pending
    /// starts and aborts its meta task. Registration re-checks `closed`
    /// under the lock, so a start that already holds room never happens.
    fn close_group(&mut self, key: GroupKey, after: &mut AfterUnlock) {
        let Some(group) = self.groups.get_mut(key) else { return };
        group.closed = true;
        self.counted_remaining -= std::mem::take(&mut group.remaining) as u128;
        if std::mem::take(&mut group.waiting_for_room) {
            self.stream_waiting -= 1;
        }
        if let Some(meta) = &group.meta {
            after.push_abort(meta.clone());
        }
    }

    // ----- tasks -----

    /// Registers a task of `key` that holds room, unless the group was
    /// closed (or, counted, has no start left). Returns its ID and whether
    /// the group wants more starts.
    pub(crate) fn register_task(
        &mut self,
        key: GroupKey,
        admission: Admission,
        now: Instant,
    ) -> Option<Registered> {
        let id = TaskId::from(self.next_id);
        let group = self.groups.get_mut(key)?;
        if group.closed || (admission == Admission::Counted && group.remaining == 0) {
            return None;
        }
        if admission == Admission::Counted {
            group.remaining -= 1;
            self.counted_remaining -= 1;
        }
        let more = group.remaining > 0;
        let prev = group.newest.replace(id);
        if group.oldest.is_none() {
            group.oldest = Some(id);
        }
        group.alive += 1;
        let index = group.started;
        group.started += 1;
        if let Some(prev) = prev {
            self.tasks.get_mut(prev).expect("a group's newest task is alive").next = Link::to(id);
        }
        self.next_id += 1;
        self.room.occupied += 1;
        self.running += 1;
        let started = now.saturating_duration_since(self.epoch).as_nanos() as u64;
        self.tasks.push(
            id,
            TaskEntry {
                group: key,
                abort: None,
                started,
                prev: prev.into(),
                next: Link::NONE,
                index,
                stop: None,
                phase: Phase::Running,
                cancelled_unarmed: false,
                stop_asked: false,
            },
        );
        Some(Registered { id, index, more })
    }

    /// A task was spawned: keep its abort handle, or abort it if it was
    /// cancelled in the meantime.
    pub(crate) fn task_spawned(&mut self, id: TaskId, handle: AbortHandle) -> AfterUnlock {
        match self.tasks.get_mut(id) {
            Some(task) if task.phase == Phase::Cancelled => AfterUnlock::abort(handle),
            Some(task) => {
                task.abort = Some(handle);
                AfterUnlock::default()
            }
            None => AfterUnlock::default(),
        }
    }

    /// On a task's first poll, when the start gate is not open: whether the
    /// task was cancelled before it could start, and the epoch of cancels
    /// this answer is good for (see `PoolInner::may_start`).
    pub(crate) fn cancelled_before_start(&self, id: TaskId) -> (bool, u64) {
        let cancelled = self.tasks.get(id).is_some_and(|task| task.phase == Phase::Cancelled);
        (cancelled, self.lock_free.cancel_epoch())
    }

    /// A task's future completed (or panicked, with `failure`). Its room is
    /// given back; it counts as ended from now on. With an `on_end` callback
    /// to run, the task stays alive until [`PoolState::task_forgotten`].
    pub(crate) fn task_completed(
        &mut self,
        id: TaskId,
        failure: Option<TaskFailure>,
        has_on_end: bool,
    ) -> Completion {
        let task = self.tasks.get_mut(id).expect("an alive task has an entry");
        if task.phase == Phase::Cancelled {
            return Completion::CancelledFirst;
        }
        task.phase = Phase::Ending;
        let index = task.index;
        let started = self.epoch + Duration::from_nanos(task.started);
        self.running -= 1;
        self.give_back_room();
        if let Some(failure) = failure {
            self.record_failure(failure);
        }
        self.ended += 1;
        if !has_on_end {
            self.remove_task(id);
        }
        Completion::Ended { index, started, after: self.wake_if_waited() }
    }

    /// A task's future was dropped before it completed: cancelled through
    /// the pool, or by tokio shutting down (which also counts as a cancel).
    /// Its room is given back. Without callbacks to run, it ends here;
    /// otherwise it stays alive until [`PoolState::task_forgotten`].
    /// Returns the task's position in its group, for its output, and when
    /// it started.
    pub(crate) fn task_dropped(&mut self, id: TaskId, has_callbacks: bool) -> (u64, Instant, AfterUnlock) {
        let (mut index, mut started) = (0, self.epoch);
        if let Some(task) = self.tasks.get_mut(id) {
            index = task.index;
            started = self.epoch + Duration::from_nanos(task.started);
            if task.phase == Phase::Running {
                task.phase = Phase::Cancelled;
                self.running -= 1;
                self.cancelled += 1;
            }
        }
        self.give_back_room();
        if !has_callbacks {
            self.ended += 1;
            self.remove_task(id);
        }
        (index, started, self.wake_if_waited())
    }

    /// A cancelled task is about to run its `on_end` callback: it counts as
    /// ended from now on.
    pub(crate) fn cancelled_task_ending(&mut self) {
        self.ended += 1;
    }

    /// A task's callbacks are done: it is forgotten, and its group too if
    /// that was the group's last trace. `count_end` counts it as ended here
    /// (a cancelled task without `on_end`).
    pub(crate) fn task_forgotten(&mut self, id: TaskId, count_end: bool) -> AfterUnlock {
        if count_end {
            self.ended += 1;
        }
        self.remove_task(id);
        self.wake_if_waited()
    }

    fn give_back_room(&mut self) {
        self.room.occupied -= 1;
        self.lock_free.limit.give_back(&mut self.room);
    }

    fn remove_task(&mut self, id: TaskId) {
        let Some(task) = self.tasks.remove(id) else { return };
        if task.cancelled_unarmed {
            self.lock_free.unarmed_cancels.fetch_sub(1, Ordering::Release);
        }
        if let Some(prev) = task.prev.get() {
            self.tasks.get_mut(prev).expect("linked tasks are alive").next = task.next;
        }
        if let Some(next) = task.next.get() {
            self.tasks.get_mut(next).expect("linked tasks are alive").prev = task.prev;
        }
        if let Some(group) = self.groups.get_mut(task.group) {
            if group.oldest == Some(id) {
                group.oldest = task.next.get();
            }
            if group.newest == Some(id) {
                group.newest = task.prev.get();
            }
            group.alive -= 1;
        }
        self.groups.forget_if_done(task.group);
    }

    /// Cancels one running task: it stops counting as running and counts as
    /// cancelled from now on; its future is dropped by tokio. Returns false
    /// when the task is not running.
    fn cancel_running(&mut self, id: TaskId, after: &mut AfterUnlock) -> bool {
        let Some(task) = self.tasks.get_mut(id) else { return false };
        if task.phase != Phase::Running {
            return false;
        }
        task.phase = Phase::Cancelled;
        match &task.abort {
            Some(abort) => after.push_abort(abort.clone()),
            None => {
                // Spawned, or about to be, but its abort handle is not set
                // yet: it may be polled before the spawner sets it, so the
                // gate makes its first poll ask (see `LockFree`).
                task.cancelled_unarmed = true;
                self.lock_free.unarmed_cancels.fetch_add(1, Ordering::Release);
            }
        }
        self.lock_free.cancel_epoch.fetch_add(1, Ordering::Release);
        self.running -= 1;
        self.cancelled += 1;
        true
    }

    /// Cancels the given tasks, all or nothing.
    pub(crate) fn cancel_tasks(&mut self, ids: &[TaskId]) -> Result<AfterUnlock, (TaskId, CancelRefusal)> {
        self.check_running(ids)?;
        let mut after = AfterUnlock::default();
        for &id in ids {
            self.cancel_running(id, &mut after);
        }
        Ok(after)
    }

    /// Whether every one of these tasks runs; else the first that does not,
    /// and why.
    pub(crate) fn check_running(&self, ids: &[TaskId]) -> Result<(), (TaskId, CancelRefusal)> {
        for &id in ids {
            match self.tasks.get(id).map(|task| task.phase) {
                Some(Phase::Running) => {}
                Some(Phase::Cancelled) => return Err((id, CancelRefusal::AlreadyCancelled)),
                Some(Phase::Ending) => return Err((id, CancelRefusal::AlreadyEnded)),
                None if id.as_u64() < self.next_id => return Err((id, CancelRefusal::AlreadyEnded)),
                None => return Err((id, CancelRefusal::NotFound)),
            }
        }
        Ok(())
    }

    /// Cancels a group: closes it, then cancels its running tasks. Returns
    /// how many tasks it cancelled; `None` when no group has this name.
    pub(crate) fn cancel_group(&mut self, name: &str) -> Option<(usize, AfterUnlock)> {
        let key = self.groups.key_of(name)?;
        let mut after = AfterUnlock::default();
        let cancelled = self.close_and_cancel_group(key, &mut after);
        Some((cancelled, after))
    }

    /// Cancels a group by key, as a group's handle does; a group that is
    /// forgotten has nothing left to cancel.
    pub(crate) fn cancel_group_by_key(&mut self, key: GroupKey) -> (usize, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let cancelled = self.close_and_cancel_group(key, &mut after);
        (cancelled, after)
    }

    /// The alive tasks of a group, oldest first, by its links: the cost is
    /// that of the group, whatever else is alive.
    fn group_tasks(&self, key: GroupKey) -> Vec<TaskId> {
        let mut ids = Vec::with_capacity(self.groups.get(key).map_or(0, |g| g.alive));
        let mut cursor = self.groups.get(key).and_then(|g| g.oldest);
        while let Some(id) = cursor {
            ids.push(id);
            cursor = self.tasks.get(id).and_then(|task| task.next.get());
        }
        ids
    }

    fn close_and_cancel_group(&mut self, key: GroupKey, after: &mut AfterUnlock) -> usize {
        self.close_group(key, after);
        let mut cancelled = 0;
        for id in self.group_tasks(key) {
            cancelled += usize::from(self.cancel_running(id, after));
        }
        cancelled
    }

    /// Cancels every group, and so every running task.
    pub(crate) fn cancel_all(&mut self) -> AfterUnlock {
        let mut after = AfterUnlock::default();
        for key in self.groups.keys() {
            self.close_and_cancel_group(key, &mut after);
        }
        after
    }

    /// Takes `n` tasks away: first withdraws pending starts of counted
    /// groups (newest group first), then cancels running tasks, newest
    /// first. Returns the cancelled tasks.
    pub(crate) fn stop_newest(&mut self, n: usize) -> (Vec<TaskId>, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let withdrawn = self.withdraw_pending(n, &mut after);
        let running: Vec<TaskId> = self
            .tasks
            .iter_newest_first()
            .filter(|(_, task)| task.phase == Phase::Running)
            .map(|(id, _)| id)
            .take(n - withdrawn)
            .collect();
        for &id in &running {
            self.cancel_running(id, &mut after);
        }
        (running, after)
    }

    /// Withdraws up to `n` pending starts, newest group first, and returns
    /// how many (saturated to `usize`). `usize::MAX` withdraws them all,
    /// even when several huge groups together want more than that.
    fn withdraw_pending(&mut self, n: usize, after: &mut AfterUnlock) -> usize {
        if self.counted_remaining == 0 {
            // The usual case, and the reason `stop(1)` costs the same with a
            // million groups as with one.
            return 0;
        }
        let wanted = if n == usize::MAX { u128::MAX } else { n as u128 };
        let mut withdrawn: u128 = 0;
        for group in self.groups.iter_mut_newest_first() {
            if withdrawn == wanted {
                break;
            }
            let take = (group.remaining as u128).min(wanted - withdrawn) as usize;
            group.remaining -= take;
            withdrawn += take as u128;
            if take > 0 && group.remaining == 0 {
                if let Some(meta) = &group.meta {
                    after.push_abort(meta.clone());
                }
            }
        }
        self.counted_remaining -= withdrawn;
        usize::try_from(withdrawn).unwrap_or(usize::MAX)
    }

    /// A task's own stop signal: a child of its group's, made on first
    /// request, already cancelled if a stop of this task was asked. `None`
    /// once the task is forgotten.
    pub(crate) fn task_stop_token(
        &mut self,
        id: TaskId,
        group_signal: &CancellationToken,
    ) -> Option<CancellationToken> {
        let task = self.tasks.get_mut(id)?;
        let token = task.stop.get_or_insert_with(|| group_signal.child_token());
        if task.stop_asked {
            // Cancelling a token nobody waits on yet only sets a flag.
            token.cancel();
        }
        Some(token.clone())
    }

    /// Asks these tasks to stop gracefully: each that still runs sees its
    /// own stop signal. Returns those that were running.
    pub(crate) fn ask_to_stop(&mut self, ids: &[TaskId]) -> (Vec<TaskId>, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let mut asked = Vec::with_capacity(ids.len());
        for &id in ids {
            let Some(task) = self.tasks.get_mut(id) else { continue };
            if task.phase != Phase::Running {
                continue;
            }
            task.stop_asked = true;
            if let Some(token) = &task.stop {
                after.push_stop(token.clone());
            }
            asked.push(id);
        }
        (asked, after)
    }

    /// The graceful counterpart of [`PoolState::stop_newest`]: withdraws
    /// pending starts first, then asks the `n` newest running tasks that
    /// were not asked before to stop. Returns those tasks.
    pub(crate) fn ask_newest_to_stop(&mut self, n: usize) -> (Vec<TaskId>, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let withdrawn = self.withdraw_pending(n, &mut after);
        let chosen: Vec<TaskId> = self
            .tasks
            .iter_newest_first()
            .filter(|(_, task)| task.phase == Phase::Running && !task.stop_asked)
            .map(|(id, _)| id)
            .take(n - withdrawn)
            .collect();
        let (asked, stops) = self.ask_to_stop(&chosen);
        after.merge(stops);
        (asked, after)
    }

    /// The graceful counterpart of `cancel_group`: closes the group and asks
    /// its running tasks to stop. `None` when no group has this name.
    pub(crate) fn ask_group_to_stop(&mut self, name: &str) -> Option<(Vec<TaskId>, AfterUnlock)> {
        let key = self.groups.key_of(name)?;
        let mut after = AfterUnlock::default();
        self.close_group(key, &mut after);
        let alive = self.group_tasks(key);
        let (asked, stops) = self.ask_to_stop(&alive);
        after.merge(stops);
        Some((asked, after))
    }

    /// Whether none of these tasks runs any more.
    pub(crate) fn none_running(&self, ids: &[TaskId]) -> bool {
        ids.iter().all(|&id| self.tasks.get(id).is_none_or(|task| task.phase != Phase::Running))
    }

    /// Cancels those of these tasks that still run (a graceful stop's
    /// timeout); returns them.
    pub(crate) fn cancel_still_running(&mut self, ids: &[TaskId]) -> (Vec<TaskId>, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let dropped = ids.iter().copied().filter(|&id| self.cancel_running(id, &mut after)).collect();
        (dropped, after)
    }

    /// The first half of a graceful stop: closes every group and signals
    /// every task. Returns how many tasks were running.
    pub(crate) fn begin_graceful_stop(&mut self) -> (usize, AfterUnlock) {
        let mut after = AfterUnlock::default();
        for key in self.groups.keys() {
            self.close_group(key, &mut after);
        }
        std::mem::take(&mut self.stop_signal).cancel();
        (self.running, after)
    }

    /// The end of a graceful stop: cancels the tasks still running.
    pub(crate) fn cancel_every_running(&mut self) -> (Vec<TaskId>, AfterUnlock) {
        let mut after = AfterUnlock::default();
        let running: Vec<TaskId> =
            self.tasks.iter().filter(|(_, task)| task.phase == Phase::Running).map(|(id, _)| id).collect();
        for &id in &running {
            self.cancel_running(id, &mut after);
        }
        (running, after)
    }

    // ----- pool-wide -----

    /// Changes the size limit; see [`ResizableLimit::resize`].
    pub(crate) fn resize(&mut self, limit: Option<usize>) {
        self.lock_free.limit.resize(&mut self.room, limit);
    }

    /// A permit taken by a meta task pays an owed shrink instead of
    /// admitting a task (see [`ResizableLimit::pay_with_taken`]).
    pub(crate) fn pay_with_taken(&mut self) -> bool {
        self.lock_free.limit.pay_with_taken(&mut self.room)
    }

    /// A place a meta task took but did not hand to a task comes back.
    pub(crate) fn return_unused_room(&mut self) {
        self.lock_free.limit.give_back(&mut self.room);
    }

    pub(crate) fn set_locked(&mut self, locked: bool) {
        self.locked = locked;
    }

    /// Closes the pool for good: it opens no group any more (and stays
    /// locked); groups already open go on until they are done.
    pub(crate) fn close(&mut self) -> AfterUnlock {
        self.closing = true;
        self.locked = true;
        self.wake_if_waited()
    }

    pub(crate) fn add_waiter(&mut self) {
        self.waiters += 1;
    }

    pub(crate) fn remove_waiter(&mut self) {
        self.waiters -= 1;
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

    /// Counts inputs of a map group that was cut short before it started them.
    pub(crate) fn count_unstarted(&mut self, count: u64) {
        self.unstarted_since_report += count;
    }

    /// Hands over the failures (and unstarted inputs) since the last report.
    pub(crate) fn take_report(&mut self) -> PoolReport {
        PoolReport {
            failures: self.failures.drain(..).collect(),
            num_failed: std::mem::take(&mut self.failed_since_report),
            unstarted_inputs: std::mem::take(&mut self.unstarted_since_report),
        }
    }

    // ----- queries -----

    pub(crate) fn limit(&self) -> Option<usize> {
        self.room.limit
    }

    pub(crate) fn is_full(&self) -> bool {
        self.room.limit.is_some_and(|limit| self.room.occupied >= limit)
    }

    pub(crate) fn is_locked(&self) -> bool {
        self.locked
    }

    /// Whether `close` was called: the pool opens no group any more.
    pub(crate) fn is_closing(&self) -> bool {
        self.closing
    }

    /// Whether the pool is closed and nothing of it is alive any more.
    pub(crate) fn is_closed(&self) -> bool {
        self.closing && self.is_idle()
    }

    pub(crate) fn num_running(&self) -> usize {
        self.running
    }

    pub(crate) fn num_cancelled(&self) -> u64 {
        self.cancelled
    }

    pub(crate) fn num_ended(&self) -> u64 {
        self.ended
    }

    pub(crate) fn num_failed(&self) -> u64 {
        self.failed
    }

    /// Starts wanted but not made for lack of room: pending starts of counted
    /// groups, and map groups that hold an item and wait for room.
    pub(crate) fn num_waiting(&self) -> usize {
        usize::try_from(self.counted_remaining).unwrap_or(usize::MAX).saturating_add(self.stream_waiting)
    }

    /// Nothing is alive: no meta task, no task.
    pub(crate) fn is_idle(&self) -> bool {
        self.metas_alive == 0 && self.tasks.is_empty()
    }

    pub(crate) fn is_alive(&self, id: TaskId) -> bool {
        self.tasks.get(id).is_some()
    }

    /// The tasks that are cancelled or ending, for `flush` to wait for.
    pub(crate) fn ending_tasks(&self) -> Vec<TaskId> {
        self.tasks.iter().filter(|(_, task)| task.phase != Phase::Running).map(|(id, _)| id).collect()
    }

    /// The alive tasks of the named groups (each name once); `Err` names the
    /// first unknown group.
    pub(crate) fn group_ids<'n>(&self, names: &[&'n str]) -> Result<BTreeSet<TaskId>, &'n str> {
        let mut keys = BTreeSet::new();
        for &name in names {
            keys.insert(self.groups.key_of(name).ok_or(name)?);
        }
        let mut ids = BTreeSet::new();
        for key in keys {
            ids.extend(self.group_tasks(key));
        }
        Ok(ids)
    }

    /// The alive groups, oldest first.
    pub(crate) fn group_statuses(&self) -> Vec<GroupStatus> {
        self.groups
            .iter()
            .map(|group| GroupStatus {
                name: group.name.to_string(),
                kind: group.kind,
                tasks: group.alive,
                started: group.started,
                spawning: group.meta_alive,
            })
            .collect()
    }

    /// The running tasks, oldest first, with their group and age at `now`.
    /// At most `max` of them: the work under the lock is that of the rows
    /// returned, whatever else runs.
    pub(crate) fn running_tasks(&self, now: Instant, max: usize) -> Vec<TaskInfo> {
        let now = now.saturating_duration_since(self.epoch).as_nanos() as u64;
        self.tasks
            .iter()
            .filter(|(_, task)| task.phase == Phase::Running)
            .take(max)
            .map(|(id, task)| TaskInfo {
                id,
                group: self.groups.get(task.group).map(|g| g.name.to_string()).unwrap_or_default(),
                age: std::time::Duration::from_nanos(now.saturating_sub(task.started)),
            })
            .collect()
    }
}
