//! One operation at a settled point, checked against its exact expected
//! result: with nothing else moving, the model knows precisely what
//! `cancel`, `cancel_group`, `stop`, `stop_gracefully` and `flush` must
//! answer and how the counts change.

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::timeout;
use tokio_taskpool::{CancelError, GracefulStop, SpawnError, TaskId};

use super::ops::Op;
use super::reference::{Closing, MKind};
use super::{Case, Pool, DEADLINE};
use crate::model::workload::{Behaviour, OnStop};

impl Case {
    /// One operation at a settled point, with the exact expected outcome.
    pub(super) async fn one(&mut self, op: Op) -> Result<(), String> {
        self.settle().await?;
        let base = self.base().clone();
        match &op {
            Op::Apply { .. } | Op::Map { .. } | Op::MapStream { .. } | Op::Start { .. } => {
                match self.create(&op) {
                    (Ok(name), extra) => {
                        ensure!(!self.model.locked, "a locked pool made group {name}");
                        let feed = extra.and_then(|(_, _, feed)| feed);
                        self.add_group(&op, name, feed);
                    }
                    (Err(e), _) => {
                        ensure!(
                            self.model.locked && matches!(e, SpawnError::PoolIsLocked { .. }),
                            "an unlocked pool refused a group: {e}"
                        );
                    }
                }
            }
            Op::Feed { pick, n } => self.feed(*pick, *n),
            Op::CloseStream { pick } => self.close_stream(*pick),
            Op::Release { picks } => {
                let ids = self.pick_gated(&picks.iter().map(|p| p.0).collect::<Vec<_>>());
                for (i, id) in ids.iter().enumerate() {
                    ensure!(
                        self.tracker.release(*id, picks[i % picks.len()].1),
                        "gated task {id} could not be released"
                    );
                }
            }
            Op::Cancel { picks, bogus } => {
                // `bogus` adds an ID that must make the whole call fail,
                // cancelling none: a task that is gone, or one never issued.
                // Not a cancelled one: the pool keeps its entry, and answers
                // `AlreadyCancelled`, until its callbacks have returned, which
                // the tracker does not see (it hears when they begin), so
                // either answer could be right at a settled point. A task
                // whose body returned or panicked is `AlreadyEnded` for good.
                let mut ids = self.pick_gated(picks);
                let expected = match bogus {
                    Some(true) => {
                        let done = self
                            .tracker
                            .log()
                            .tasks
                            .iter()
                            .find(|(_, t)| t.gone && !t.cancelled())
                            .map(|(&id, _)| id);
                        match done {
                            Some(id) => {
                                ids.push(id);
                                Err(CancelError::AlreadyEnded { pool: base.to_string().into(), id })
                            }
                            None => Ok(()),
                        }
                    }
                    Some(false) => {
                        let id = TaskId::from(1 << 40);
                        ids.push(id);
                        Err(CancelError::TaskNotFound { pool: base.to_string().into(), id })
                    }
                    None => Ok(()),
                };
                let got = base.cancel(&ids);
                ensure!(got == expected, "cancel({ids:?}) returned {got:?}, the model expected {expected:?}");
                if got.is_ok() {
                    self.model.cancelled += ids.len() as u64;
                }
            }
            Op::CancelGroup { pick } => {
                let Some(index) = self.pick_group(*pick) else { return Ok(()) };
                let g = &self.model.groups[index];
                let alive = self.model.alive(&self.tracker, g);
                let live = self.model.group_state(&self.tracker, g).1 as u64;
                let name = g.name.clone();
                let ids = self.tracker.log().group_ids(&name);
                let got = base.cancel_group(&name);
                if alive {
                    ensure!(got.is_ok(), "cancel_group({name}) of an alive group returned {got:?}");
                    self.model.close(index, Closing::at_rest(ids));
                    self.model.cancelled += live;
                } else {
                    let refused =
                        got.as_ref().is_err_and(|e| e.group() == name && e.pool() == base.to_string());
                    ensure!(refused, "cancel_group({name}) of a finished group returned {got:?}");
                }
            }
            Op::CancelAll => {
                // Read before the cancel: aborted futures go away at once.
                let live = self.tracker.log().live as u64;
                self.close_all_alive();
                base.cancel_all();
                self.model.cancelled += live;
            }
            Op::SetPoolSize(limit) => self.set_pool_size(*limit),
            Op::Lock => {
                base.lock();
                self.model.locked = true;
            }
            Op::Unlock => {
                base.unlock();
                self.model.locked = false;
            }
            Op::Flush => {
                let report = timeout(DEADLINE, base.flush())
                    .await
                    .map_err(|_| "flush hung at a settled point".to_owned())?;
                let failed = self.tracker.log().counts().failed();
                let expected = failed - self.model.reported_failed;
                ensure!(
                    report.num_failed() == expected,
                    "flush reported {} failures, the model expected {expected}",
                    report.num_failed()
                );
                self.model.reported_failed += report.num_failed();
            }
            Op::Stop { n } => self.stop(*n)?,
            Op::StopGracefully { deadline_ms } => self.stop_gracefully(*deadline_ms).await?,
        }
        Ok(())
    }

    /// Sets the limit in the pool and the model, and remembers it among the
    /// limits in force since the last check (for the admission bound).
    pub(super) fn set_pool_size(&mut self, limit: Option<usize>) {
        self.base().set_pool_size(limit);
        self.model.limit = limit;
        self.model.interval_limits.push(limit);
    }

    /// SimpleTaskPool::stop: pending starts of the newest groups go first,
    /// then the newest running tasks.
    fn stop(&mut self, n: usize) -> Result<(), String> {
        let Pool::Simple(pool) = &self.pool else { return Ok(()) };
        let mut withdrawn = 0;
        for index in (0..self.model.groups.len()).rev() {
            let demand = self.model.demand(&self.tracker, &self.model.groups[index]);
            let take = demand.min(n - withdrawn);
            if let MKind::Counted { withdrawn: w, .. } = &mut self.model.groups[index].kind {
                *w += take;
            }
            withdrawn += take;
        }
        let mut running = self.tracker.gated();
        running.reverse();
        running.truncate(n - withdrawn);
        let got = pool.stop(n);
        ensure!(
            got == running,
            "stop({n}) cancelled {got:?}, the model expected {running:?} after withdrawing {withdrawn}"
        );
        self.model.cancelled += got.len() as u64;
        Ok(())
    }

    /// A graceful stop: every running task is asked to stop; those that
    /// ignore it must be among the ones dropped at the deadline.
    async fn stop_gracefully(&mut self, deadline_ms: u64) -> Result<(), String> {
        let live: BTreeSet<TaskId> = self.tracker.gated().into_iter().collect();
        let stubborn: BTreeSet<TaskId> = {
            let log = self.tracker.log();
            live.iter()
                .copied()
                .filter(|id| log.tasks[id].behaviour == Some(Behaviour::Gated(OnStop::Ignore)))
                .collect()
        };
        self.close_all_alive();
        let stop: GracefulStop =
            timeout(DEADLINE, self.base().stop_gracefully(Duration::from_millis(deadline_ms)))
                .await
                .map_err(|_| "stop_gracefully hung".to_owned())?;
        let dropped: BTreeSet<TaskId> = stop.dropped().iter().copied().collect();
        ensure!(
            stop.stopped_in_time() + dropped.len() == live.len(),
            "graceful stop of {} tasks: {stop:?}",
            live.len()
        );
        ensure!(
            dropped.is_subset(&live),
            "graceful stop dropped tasks that were not running: {stop:?} of {live:?}"
        );
        ensure!(
            stubborn.is_subset(&dropped),
            "tasks that ignore the stop {stubborn:?} were not dropped: {stop:?}"
        );
        self.model.cancelled += dropped.len() as u64;
        Ok(())
    }
}
