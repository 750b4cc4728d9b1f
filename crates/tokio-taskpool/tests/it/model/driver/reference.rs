//! The reference model: what the pool was asked to do, from which the
//! expected counts, waits and groups follow given what the tasks reported.
//!
//! The model does not guess what the tasks did: how many of a group started
//! and how many are still alive come from the tracker, which the tasks
//! report to as things happen. The model holds only what the driver decided
//! (sizes of groups, what was fed to streams, what was closed, the limit,
//! the lock), so that at a settled point each expectation is exact.
//! (Named `reference` rather than `model` so as not to be confused with the
//! enclosing `model` module of the test.)

use std::collections::{BTreeMap, BTreeSet};

use tokio::sync::mpsc::UnboundedSender;
use tokio_taskpool::TaskId;

use crate::model::tracker::Tracker;

/// What kind of work a group was given.
#[derive(Debug)]
pub(super) enum MKind {
    /// apply, or a SimpleTaskPool's start: `num` tasks, of which `withdrawn`
    /// were taken back by a SimpleTaskPool's stop before they started.
    Counted { num: usize, withdrawn: usize },
    /// map or map_stream: `fed` items so far, at most `num_concurrent` alive;
    /// `exhausted` once no more items can come (the stream is closed, or a
    /// map's items were all given at once). `feed` sends more to a stream.
    Map { num_concurrent: usize, fed: usize, exhausted: bool, feed: Option<UnboundedSender<u32>> },
}

#[derive(Debug)]
pub(super) struct MGroup {
    pub(super) name: String,
    pub(super) kind: MKind,
    pub(super) closed: bool,
    /// What is known of the moment it was cancelled (the first time).
    pub(super) closing: Option<Closing>,
}

/// A group's cancellation, as the driver saw it: the bound for its starts.
#[derive(Debug, Default)]
pub(super) struct Closing {
    /// The tasks of the group the tracker had seen start: at rest, before
    /// the cancel; in a burst, after it returned.
    pub(super) started: BTreeSet<TaskId>,
    /// In a burst: the tasks the pool listed for the group right after the
    /// cancel returned, so registered before it. One of them may still report
    /// its start late (see `Case::check`); any other may not start at all.
    pub(super) registered: BTreeSet<TaskId>,
    /// In a burst: the tick of the [`FirstPolls`] clock right after the
    /// cancel returned; no task of the group may begin its first poll later.
    ///
    /// [`FirstPolls`]: crate::model::tracker::FirstPolls
    pub(super) returned_at: Option<u64>,
}

impl Closing {
    /// A cancel at a settled point: nothing of the group is on its way to a
    /// start, so the tasks seen before the cancel are all it may ever start.
    pub(super) fn at_rest(started: BTreeSet<TaskId>) -> Self {
        Closing { started, ..Closing::default() }
    }
}

/// The reference model: what the pool was asked to do, from which the
/// expected counts, waits and groups follow given what the tasks reported.
#[derive(Debug)]
pub(super) struct Model {
    pub(super) limit: Option<usize>,
    pub(super) locked: bool,
    pub(super) groups: Vec<MGroup>,
    pub(super) cancelled: u64,
    pub(super) reported_failed: u64,
    /// The limits in force since the last check (for the admission bound).
    pub(super) interval_limits: Vec<Option<usize>>,
    pub(super) previous_limits: Vec<Option<usize>>,
    pub(super) next_group: usize,
    /// The tasks of cancelled groups that reported their start after the
    /// cancel returned, accepted as started before it (for the summary).
    pub(super) late_starts: BTreeSet<TaskId>,
}

impl Model {
    /// A fresh pool's model, with the size limit it was built with.
    pub(super) fn new(limit: Option<usize>) -> Self {
        Model {
            limit,
            locked: false,
            groups: Vec::new(),
            cancelled: 0,
            reported_failed: 0,
            interval_limits: vec![limit],
            previous_limits: vec![limit],
            next_group: 0,
            late_starts: BTreeSet::new(),
        }
    }

    /// How many tasks of the group have started and how many are alive, as
    /// the tasks reported.
    pub(super) fn group_state(&self, tracker: &Tracker, g: &MGroup) -> (u64, usize) {
        let log = tracker.log();
        log.groups.get(&g.name).map_or((0, 0), |t| (t.started, t.live))
    }

    /// Tasks the group still wants to start now (0 when closed).
    pub(super) fn demand(&self, tracker: &Tracker, g: &MGroup) -> usize {
        if g.closed {
            return 0;
        }
        let (started, live) = self.group_state(tracker, g);
        match &g.kind {
            MKind::Counted { num, withdrawn } => num - withdrawn - started as usize,
            MKind::Map { num_concurrent, fed, .. } => {
                let left = fed - started as usize;
                left.min(num_concurrent.saturating_sub(live))
            }
        }
    }

    /// Whether the group still spawns (its meta task, which starts its tasks,
    /// is alive): a counted group until all its tasks started, a map group
    /// until it has seen its items run out, which it sees only once it has
    /// room for the next one.
    pub(super) fn meta_alive(&self, tracker: &Tracker, g: &MGroup) -> bool {
        if g.closed {
            return false;
        }
        let (started, live) = self.group_state(tracker, g);
        match &g.kind {
            MKind::Counted { num, withdrawn } => num - withdrawn - started as usize > 0,
            MKind::Map { num_concurrent, fed, exhausted, .. } => {
                !(*exhausted && *fed == started as usize && live < *num_concurrent)
            }
        }
    }

    /// Whether the pool must still list the group: it may start a task, or
    /// one of its tasks is alive.
    pub(super) fn alive(&self, tracker: &Tracker, g: &MGroup) -> bool {
        self.meta_alive(tracker, g) || self.group_state(tracker, g).1 > 0
    }

    /// The pool's `num_waiting`: a counted group waits with each task it has
    /// yet to start, a map group with one meta task at most.
    pub(super) fn waiting(&self, tracker: &Tracker) -> usize {
        self.groups
            .iter()
            .filter(|g| !g.closed)
            .map(|g| {
                let demand = self.demand(tracker, g);
                match g.kind {
                    MKind::Counted { .. } => demand,
                    MKind::Map { .. } => usize::from(demand > 0),
                }
            })
            .sum()
    }

    /// The groups the pool must list, by name, with whether each still spawns.
    pub(super) fn alive_groups(&self, tracker: &Tracker) -> BTreeMap<String, bool> {
        self.groups
            .iter()
            .filter(|g| self.alive(tracker, g))
            .map(|g| (g.name.clone(), self.meta_alive(tracker, g)))
            .collect()
    }

    /// Marks a group cancelled, remembering what was known at that point; a
    /// second close keeps the first, the bound for later starts.
    pub(super) fn close(&mut self, index: usize, closing: Closing) {
        let g = &mut self.groups[index];
        if !g.closed {
            g.closed = true;
            g.closing = Some(closing);
        }
    }
}
