//! What tasks, callbacks and result streams report, checked as it happens.
//!
//! A panic inside a pooled task or callback would be caught by the pool and
//! turned into a failure count, so the checks made here never panic: they
//! record a violation, and the driver fails the case when it finds one.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{oneshot, Notify};
use tokio_taskpool::TaskId;

use super::workload::Behaviour;

/// How a released gated task ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Finish,
    Fail,
    Panic,
}

/// What a group's result stream said about a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ResultKind {
    Ok,
    Err,
    Panic,
    Cancelled,
}

/// What the tracker knows about a group's configuration.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GroupCfg {
    /// A map group's `num_concurrent`.
    pub(crate) max_concurrent: Option<usize>,
    pub(crate) on_end: bool,
    pub(crate) on_cancel: bool,
    /// Whether a task's result reaches a `GroupHandle` (TaskPool groups).
    pub(crate) results: bool,
}

/// Everything seen of one task ID.
#[derive(Clone, Debug, Default)]
pub(crate) struct Trace {
    pub(crate) group: String,
    pub(crate) behaviour: Option<Behaviour>,
    /// Its future was polled (and so reported its ID).
    pub(crate) started: bool,
    /// When tokio began the first poll of its task, on the [`FirstPolls`]
    /// clock; `None` without the poll hook (`--cfg tokio_unstable`).
    pub(crate) first_poll: Option<u64>,
    /// Its future is gone: returned, panicked, or dropped.
    pub(crate) gone: bool,
    /// Its body ran to its end (a value or a panic) rather than being dropped.
    pub(crate) returned: bool,
    pub(crate) panicked: bool,
    pub(crate) on_cancel: u32,
    pub(crate) on_end: u32,
    pub(crate) results: u32,
    pub(crate) result: Option<ResultKind>,
}

impl Trace {
    pub(crate) fn cancelled(&self) -> bool {
        self.on_cancel > 0 || self.result == Some(ResultKind::Cancelled)
    }

    /// Ended for good: future gone and everything that follows delivered.
    pub(crate) fn done(&self, cfg: &GroupCfg) -> bool {
        (self.gone || !self.started)
            && (!cfg.on_end || self.on_end == 1)
            && (!cfg.results || self.results == 1)
            && (!cfg.on_cancel || !self.cancelled() || self.on_cancel == 1)
            && (cfg.on_end || cfg.results || self.cancelled() || self.returned)
    }
}

#[derive(Debug, Default)]
pub(crate) struct GroupTrace {
    pub(crate) started: u64,
    pub(crate) live: usize,
}

#[derive(Default)]
pub(crate) struct Log {
    pub(crate) tasks: BTreeMap<TaskId, Trace>,
    pub(crate) cfgs: HashMap<String, GroupCfg>,
    /// For groups the driver did not name (SimpleTaskPool's `start`).
    pub(crate) default_cfg: GroupCfg,
    pub(crate) groups: HashMap<String, GroupTrace>,
    /// Gated tasks waiting for the driver, by ID.
    pub(crate) gates: BTreeMap<TaskId, oneshot::Sender<Outcome>>,
    /// Futures alive now.
    pub(crate) live: usize,
    /// The most futures that were alive when another one started, since the
    /// driver last reset it: a start is admitted only below the size limit.
    pub(crate) max_live_before_start: Option<usize>,
    /// The start that set `max_live_before_start`, and the futures alive then.
    pub(crate) max_start: Option<(TaskId, Vec<TaskId>)>,
    pub(crate) callback_panics: u64,
    pub(crate) violations: Vec<String>,
}

impl Log {
    pub(crate) fn cfg(&self, group: &str) -> GroupCfg {
        self.cfgs.get(group).copied().unwrap_or(self.default_cfg)
    }

    fn violation(&mut self, message: String) {
        self.violations.push(message);
    }

    /// The pool's counters as the tasks saw them.
    pub(crate) fn counts(&self) -> Counts {
        let mut counts = Counts { callback_panics: self.callback_panics, ..Counts::default() };
        for trace in self.tasks.values() {
            let cfg = self.cfg(&trace.group);
            if trace.started && !trace.gone && !trace.cancelled() {
                counts.running += 1;
            }
            if trace.cancelled() {
                counts.cancelled += 1;
            }
            if trace.done(&cfg) {
                counts.ended += 1;
            }
            if trace.panicked && !trace.cancelled() {
                counts.task_panics += 1;
            }
        }
        counts
    }

    pub(crate) fn group_ids(&self, group: &str) -> BTreeSet<TaskId> {
        self.tasks.iter().filter(|(_, t)| t.group == group).map(|(&id, _)| id).collect()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) running: usize,
    pub(crate) cancelled: u64,
    pub(crate) ended: u64,
    pub(crate) task_panics: u64,
    pub(crate) callback_panics: u64,
}

impl Counts {
    pub(crate) fn failed(&self) -> u64 {
        self.task_panics + self.callback_panics
    }
}

/// When tokio began the first poll of each task of a case's runtime, on a
/// clock that the driver also reads right after a cancel returned.
///
/// A task of a cancelled group may report its start after the cancel
/// returned and still be right: its first poll was under way (tokio's abort
/// does not stop a poll in progress), and its thread was preempted between
/// the pool's start check and the task's report. Its first poll cannot have
/// begun after the cancel returned, though: then the pool's start gate
/// refuses it, or tokio never polls it. The clock tells the two apart.
///
/// Filled by the runtime's `on_before_task_poll` hook, which tokio has only
/// with `--cfg tokio_unstable` (see `run_one`); without it this stays empty
/// and the check falls back to what can be decided without it.
#[derive(Debug, Default)]
pub(crate) struct FirstPolls {
    clock: AtomicU64,
    first: Mutex<HashMap<tokio::task::Id, u64>>,
}

impl FirstPolls {
    /// A tick of the clock. Sequentially consistent read-modify-writes of
    /// one atomic: a first poll that ticks after a cancel's tick
    /// synchronizes with everything the cancel did before.
    pub(crate) fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }

    /// Called before every poll of every task of the runtime (the hook).
    #[cfg_attr(not(tokio_unstable), allow(dead_code))]
    pub(crate) fn polling(&self, id: tokio::task::Id) {
        let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        if let Entry::Vacant(entry) = first.entry(id) {
            entry.insert(self.tick());
        }
    }

    fn first_poll(&self, id: tokio::task::Id) -> Option<u64> {
        self.first.lock().unwrap_or_else(|p| p.into_inner()).get(&id).copied()
    }
}

#[derive(Clone, Default)]
pub(crate) struct Tracker {
    log: Arc<Mutex<Log>>,
    /// Woken by every report, so that the driver's bounded waits re-check.
    pub(crate) changed: Arc<Notify>,
    /// The first polls of the case's runtime, when it has the poll hook.
    pub(crate) polls: Arc<FirstPolls>,
}

impl Tracker {
    pub(crate) fn new(default_cfg: GroupCfg, polls: Arc<FirstPolls>) -> Self {
        let tracker = Tracker { polls, ..Tracker::default() };
        tracker.log().default_cfg = default_cfg;
        tracker
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn changed(&self) {
        self.changed.notify_waiters();
    }

    pub(crate) fn configure(&self, group: &str, cfg: GroupCfg) {
        self.log().cfgs.insert(group.to_owned(), cfg);
    }

    /// A task's future is polled for the first time.
    pub(crate) fn start(&self, id: TaskId, group: &str, behaviour: Behaviour) -> LiveGuard {
        // The hook ran before this poll began, on this task's tokio ID.
        let first_poll = tokio::task::try_id().and_then(|tokio_id| self.polls.first_poll(tokio_id));
        let mut log = self.log();
        if let Some(trace) = log.tasks.get(&id) {
            let what = if trace.started { "started twice" } else { "started after it was reported ended" };
            log.violation(format!("task {id} {what}"));
        }
        let before = log.live;
        if log.max_live_before_start.is_none_or(|m| before > m) {
            log.max_live_before_start = Some(before);
            let alive = log.tasks.iter().filter(|(_, t)| t.started && !t.gone).map(|(&id, _)| id).collect();
            log.max_start = Some((id, alive));
        }
        log.live += 1;
        let cfg = log.cfg(group);
        let g = log.groups.entry(group.to_owned()).or_default();
        g.started += 1;
        g.live += 1;
        let group_live = g.live;
        if let Some(max) = cfg.max_concurrent {
            if group_live > max {
                log.violation(format!(
                    "task {id} started while {} tasks of map group {group} were alive (num_concurrent {max})",
                    group_live - 1
                ));
            }
        }
        log.tasks.insert(
            id,
            Trace {
                group: group.to_owned(),
                behaviour: Some(behaviour),
                started: true,
                first_poll,
                ..Trace::default()
            },
        );
        drop(log);
        self.changed();
        LiveGuard { tracker: self.clone(), id, returned: false }
    }

    /// A gated task waits for [`Tracker::release`].
    pub(crate) fn gate(&self, id: TaskId) -> oneshot::Receiver<Outcome> {
        let (tx, rx) = oneshot::channel();
        self.log().gates.insert(id, tx);
        self.changed();
        rx
    }

    /// A gated task stopped waiting (it answered a graceful stop).
    pub(crate) fn ungate(&self, id: TaskId) {
        self.log().gates.remove(&id);
        self.changed();
    }

    pub(crate) fn release(&self, id: TaskId, outcome: Outcome) -> bool {
        let sender = self.log().gates.remove(&id);
        sender.is_some_and(|tx| tx.send(outcome).is_ok())
    }

    pub(crate) fn gated(&self) -> Vec<TaskId> {
        self.log().gates.keys().copied().collect()
    }

    pub(crate) fn panicking(&self, id: TaskId) {
        if let Some(trace) = self.log().tasks.get_mut(&id) {
            trace.panicked = true;
        }
    }

    pub(crate) fn callback_panicking(&self) {
        self.log().callback_panics += 1;
    }

    /// A callback starts; `cancel` says which one.
    pub(crate) fn callback(&self, id: TaskId, group: &str, cancel: bool) {
        let mut log = self.log();
        let trace =
            log.tasks.entry(id).or_insert_with(|| Trace { group: group.to_owned(), ..Trace::default() });
        let name = if cancel { "on_cancel" } else { "on_end" };
        let mut problems = Vec::new();
        if trace.started && !trace.gone {
            problems.push(format!("{name} of task {id} ran while its future was alive"));
        }
        if trace.results > 0 {
            problems.push(format!("{name} of task {id} ran after its result was delivered"));
        }
        if trace.on_end > 0 {
            problems.push(format!("{name} of task {id} ran after on_end"));
        }
        if cancel {
            if trace.on_cancel > 0 {
                problems.push(format!("on_cancel of task {id} ran twice"));
            }
            trace.on_cancel += 1;
        } else {
            trace.on_end += 1;
        }
        for p in problems {
            log.violation(p);
        }
        drop(log);
        self.changed();
    }

    /// The group's result stream delivered the outcome of `id`.
    pub(crate) fn record_result(&self, id: TaskId, group: &str, kind: ResultKind) {
        let mut log = self.log();
        let cfg = log.cfg(group);
        let trace =
            log.tasks.entry(id).or_insert_with(|| Trace { group: group.to_owned(), ..Trace::default() });
        let mut problems = Vec::new();
        if trace.results > 0 {
            problems.push(format!("task {id} delivered a second result {kind:?} after {:?}", trace.result));
        }
        if trace.started && !trace.gone {
            problems.push(format!("task {id} delivered {kind:?} while its future was alive"));
        }
        if cfg.on_end && trace.on_end != 1 {
            problems.push(format!("task {id} delivered {kind:?} before its on_end ran"));
        }
        match kind {
            ResultKind::Cancelled => {
                if cfg.on_cancel && trace.on_cancel != 1 {
                    problems.push(format!("task {id} delivered Cancelled without on_cancel"));
                }
            }
            _ => {
                if !trace.started || !trace.returned {
                    problems.push(format!("task {id} delivered {kind:?} but its body did not return"));
                }
                if trace.on_cancel > 0 {
                    problems.push(format!("task {id} delivered {kind:?} after on_cancel ran"));
                }
                if (kind == ResultKind::Panic) != trace.panicked {
                    problems.push(format!("task {id} delivered {kind:?}, panicked = {}", trace.panicked));
                }
            }
        }
        trace.results += 1;
        trace.result = Some(kind);
        for p in problems {
            log.violation(p);
        }
        drop(log);
        self.changed();
    }
}

/// Marks a task's future alive while it exists.
pub(crate) struct LiveGuard {
    tracker: Tracker,
    id: TaskId,
    returned: bool,
}

impl LiveGuard {
    pub(crate) fn returned(&mut self) {
        self.returned = true;
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let mut log = self.tracker.log();
        log.live -= 1;
        log.gates.remove(&self.id);
        let trace = log.tasks.get_mut(&self.id).expect("a live task has a trace");
        let twice = trace.gone;
        trace.gone = true;
        trace.returned = self.returned;
        let group = trace.group.clone();
        if let Some(g) = log.groups.get_mut(&group) {
            g.live -= 1;
        }
        if twice {
            log.violation(format!("the future of task {} was dropped twice", self.id));
        }
        drop(log);
        self.tracker.changed();
    }
}
