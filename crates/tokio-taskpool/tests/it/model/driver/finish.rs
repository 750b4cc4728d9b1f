//! The end of a case: all remaining work ends (cancelled at once, or run to
//! completion under no limit), `gather_and_close` closes the pool, and the
//! last checks see that every task ended exactly once with its callbacks and
//! result, and that the pool's totals and the flush reports add up.
//!
//! This phase draws from the case's generator too (which way to end, and how
//! each released task ends), after all the steps: keep it last.

use tokio::time::timeout;
use tokio_taskpool::SpawnError;

use super::reference::MKind;
use super::{Case, Pool, DEADLINE};
use crate::model::workload;

impl Case {
    /// Ends the case: either cancels everything, or lifts the limit and
    /// releases tasks until all work is done; then `gather_and_close`, and
    /// the last checks.
    pub(super) async fn finish(&mut self) -> Result<(), String> {
        for g in &mut self.model.groups {
            if let MKind::Map { feed, exhausted, .. } = &mut g.kind {
                *feed = None;
                *exhausted = true;
            }
        }
        self.base().unlock();
        self.model.locked = false;
        if self.rng.chance(50) {
            self.settle().await?;
            let live = self.tracker.log().live as u64;
            self.close_all_alive();
            self.base().cancel_all();
            self.model.cancelled += live;
            self.check().await?;
        } else {
            self.set_pool_size(None);
            for round in 0.. {
                self.check().await?;
                let gated = self.tracker.gated();
                if gated.is_empty() && self.model.alive_groups(&self.tracker).is_empty() {
                    break;
                }
                ensure!(round < 1000, "work never ran out");
                for id in gated {
                    let outcome = workload::outcome(&mut self.rng);
                    self.tracker.release(id, outcome);
                }
            }
        }
        let base = self.base().clone();
        let report = timeout(DEADLINE, base.gather_and_close())
            .await
            .map_err(|_| "gather_and_close hung".to_owned())?;
        let log = self.tracker.log();
        ensure!(log.violations.is_empty(), "violations: {:#?}", log.violations);
        let counts = log.counts();
        for (id, trace) in &log.tasks {
            let cfg = log.cfg(&trace.group);
            ensure!(trace.done(&cfg), "task {id} never ended: {trace:?}");
            ensure!(
                trace.started || trace.cancelled(),
                "task {id} ended without starting or being cancelled"
            );
            ensure!(trace.on_end == u32::from(cfg.on_end), "on_end of task {id} ran {} times", trace.on_end);
            let cancel_calls = u32::from(cfg.on_cancel && trace.cancelled());
            ensure!(trace.on_cancel == cancel_calls, "on_cancel of task {id} ran {} times", trace.on_cancel);
            ensure!(trace.results == u32::from(cfg.results), "task {id} delivered {} results", trace.results);
        }
        let tasks = log.tasks.len() as u64;
        drop(log);
        ensure!(base.is_closed(), "gather_and_close left the pool open");
        ensure!(base.num_running() == 0 && base.num_waiting() == 0, "closed pool: {:?}", base.status());
        ensure!(base.status().groups.is_empty(), "closed pool keeps groups: {:?}", base.status().groups);
        ensure!(base.num_ended() == tasks, "num_ended {} != {tasks} tasks", base.num_ended());
        ensure!(
            base.num_cancelled() == counts.cancelled,
            "num_cancelled {} != {}",
            base.num_cancelled(),
            counts.cancelled
        );
        ensure!(
            base.num_failed() == counts.failed(),
            "num_failed {} != {}",
            base.num_failed(),
            counts.failed()
        );
        ensure!(
            self.model.reported_failed + report.num_failed() == counts.failed(),
            "reports counted {} + {} failures of {}",
            self.model.reported_failed,
            report.num_failed(),
            counts.failed()
        );
        if let Pool::Task(pool) = &self.pool {
            let refused = pool.apply(|| async {}).start().map(|_| ());
            ensure!(
                matches!(refused, Err(SpawnError::PoolIsClosed { .. })),
                "a closed pool accepted a group: {refused:?}"
            );
        }
        Ok(())
    }
}
