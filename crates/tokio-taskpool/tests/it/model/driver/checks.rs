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
        // A closed group never starts another task.
        for g in &self.model.groups {
            if let Some(at_close) = &g.ids_at_close {
                let now = log.group_ids(&g.name);
                let extra: Vec<_> = now.difference(at_close).filter(|id| log.tasks[id].started).collect();
                ensure!(extra.is_empty(), "group {} started {extra:?} after it was cancelled", g.name);
            }
        }
        let counts = log.counts();
        drop(log);
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
