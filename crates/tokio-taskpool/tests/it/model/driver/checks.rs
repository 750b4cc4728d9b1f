//! The invariants checked after every step. First the driver waits, within
//! [`DEADLINE`], until the pool and the tasks are at rest (`settle`), which
//! itself requires the pool to agree with the tasks and the model; then
//! `check` adds what needs the rest to be reached: admission under the
//! limits, closed groups staying closed, and the pool's scalar getters.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::{timeout, Instant};
use tokio_taskpool::TaskId;

use super::{Case, DEADLINE};

impl Case {
    /// Whether the pool and the tasks have come to rest; the error says what
    /// still moves (or, if it never rests, what is wrong).
    fn settled(&self) -> Result<(), String> {
        let base = self.base();
        let log = self.tracker.log();
        let gated: BTreeSet<TaskId> = log.gates.keys().copied().collect();
        ensure!(
            log.live == gated.len(),
            "{} futures alive, {} of them waiting at their gate",
            log.live,
            gated.len()
        );
        for (id, trace) in &log.tasks {
            let cfg = log.cfg(&trace.group);
            ensure!(gated.contains(id) || trace.done(&cfg), "task {id} is still ending: {trace:?}");
        }
        let counts = log.counts();
        drop(log);
        let running: BTreeSet<TaskId> = base.running_tasks().iter().map(|t| t.id).collect();
        ensure!(running == gated, "the pool runs {running:?}, the tasks at their gate are {gated:?}");
        let status = base.status();
        ensure!(
            status.running == gated.len(),
            "num_running {} != {} tasks running",
            status.running,
            gated.len()
        );
        let demand: usize = self.model.groups.iter().map(|g| self.model.demand(&self.tracker, g)).sum();
        let room = self.model.limit.is_none_or(|l| gated.len() < l);
        ensure!(
            !room || demand == 0,
            "room for more tasks ({} running, limit {:?}) but {demand} wanted",
            gated.len(),
            self.model.limit
        );
        let waiting = self.model.waiting(&self.tracker);
        ensure!(status.waiting == waiting, "num_waiting {} != {waiting} in the model", status.waiting);
        let groups: BTreeMap<String, bool> =
            status.groups.iter().map(|g| (g.name.clone(), g.spawning)).collect();
        let expected = self.model.alive_groups(&self.tracker);
        ensure!(
            groups == expected,
            "the pool's groups (name, spawning) {groups:?} != the model's {expected:?}"
        );
        ensure!(
            status.ended == counts.ended,
            "num_ended {} != {} tasks that ended",
            status.ended,
            counts.ended
        );
        ensure!(
            status.cancelled == counts.cancelled,
            "num_cancelled {} != {} tasks cancelled",
            status.cancelled,
            counts.cancelled
        );
        ensure!(
            status.failed == counts.failed(),
            "num_failed {} != {} panics",
            status.failed,
            counts.failed()
        );
        Ok(())
    }

    /// Waits, within [`DEADLINE`], until [`Case::settled`] holds.
    pub(super) async fn settle(&self) -> Result<(), String> {
        let start = Instant::now();
        loop {
            // Armed before the look, so a report between the look and the
            // wait is not missed.
            let notified = self.tracker.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let why = match self.settled() {
                Ok(()) => return Ok(()),
                Err(why) => why,
            };
            if start.elapsed() > DEADLINE {
                return Err(format!("did not settle within {DEADLINE:?}: {why}"));
            }
            // Pool-side changes (a record removed, a meta task gone) do not
            // notify the tracker: re-check at least every millisecond.
            let _ = timeout(Duration::from_millis(1), notified).await;
        }
    }

    /// The checks at a settled point that do not wait.
    pub(super) async fn check(&mut self) -> Result<(), String> {
        self.settle().await?;
        let base = self.base().clone();
        let mut log = self.tracker.log();
        let mut late_starts = Vec::new();
        ensure!(log.violations.is_empty(), "violations: {:#?}", log.violations);
        // Admission: every start since the last check found fewer futures
        // alive than the largest limit in force meanwhile.
        //
        // A meta task takes its place and registers its task in one stretch
        // of synchronous code, but its thread can be preempted in between,
        // and the pool shows nothing of a place taken and not yet handed to
        // a task: such a start may land after the next settled point. So the
        // limits of the interval before count too.
        let limits: Vec<Option<usize>> =
            self.model.interval_limits.iter().chain(&self.model.previous_limits).copied().collect();
        if let (Some(max_before), false) = (log.max_live_before_start, limits.contains(&None)) {
            let bound = limits.iter().map(|l| l.unwrap_or(usize::MAX)).max().unwrap_or(usize::MAX);
            ensure!(
                max_before < bound,
                "a task started while {max_before} others were alive, limits {limits:?}: {:?}",
                log.max_start
            );
        }
        log.max_live_before_start = None;
        log.max_start = None;
        self.model.previous_limits =
            std::mem::replace(&mut self.model.interval_limits, vec![self.model.limit]);
        // A closed group never starts another task, but for one case no pool
        // can prevent: a task whose first poll was under way when the cancel
        // ran (tokio's abort does not stop a poll in progress) may report its
        // start after the cancel returned, when its thread was preempted
        // between the pool's start check and the report. So in a burst:
        // - a task the pool did not list right after the cancel returned was
        //   registered after it, and must never start;
        // - one it listed may report a late start, unless the first-poll
        //   clock (with `--cfg tokio_unstable`) shows that its first poll
        //   began after the cancel returned: then the pool's start gate must
        //   have refused it, or tokio never polled it. That holds whenever it
        //   reported, so every started task of the group is checked.
        // At rest nothing is on its way to a start: the tasks seen before the
        // cancel are all the group may ever start.
        for g in &self.model.groups {
            let Some(closing) = &g.closing else { continue };
            for id in log.group_ids(&g.name) {
                let trace = &log.tasks[&id];
                if !trace.started {
                    continue;
                }
                if let (Some(returned_at), Some(first_poll)) = (closing.returned_at, trace.first_poll) {
                    ensure!(
                        first_poll < returned_at,
                        "group {} started {id}, whose first poll began after the cancel returned \
                         (tick {first_poll}, cancel returned at {returned_at})",
                        g.name
                    );
                }
                if closing.started.contains(&id) {
                    continue;
                }
                ensure!(
                    closing.registered.contains(&id),
                    "group {} started {id} after it was cancelled (registered after the cancel returned)",
                    g.name
                );
                late_starts.push(id);
            }
        }
        let counts = log.counts();
        drop(log);
        self.model.late_starts.extend(late_starts);
        ensure!(
            base.num_cancelled() == self.model.cancelled,
            "num_cancelled {} != {} in the model",
            base.num_cancelled(),
            self.model.cancelled
        );
        ensure!(
            base.pool_size() == self.model.limit,
            "pool_size {:?} != {:?}",
            base.pool_size(),
            self.model.limit
        );
        ensure!(
            base.is_locked() == self.model.locked,
            "is_locked {} != {}",
            base.is_locked(),
            self.model.locked
        );
        ensure!(counts.running == base.num_running(), "running {} != {}", counts.running, base.num_running());
        if let Some(limit) = self.model.limit {
            ensure!(
                base.is_full() == (counts.running >= limit),
                "is_full {} with {} running of {limit}",
                base.is_full(),
                counts.running
            );
        }
        Ok(())
    }
}
