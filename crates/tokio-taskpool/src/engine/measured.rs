//! The pool's metrics, recorded through the `metrics` facade when the
//! `metrics` feature is on (the names, labels and meanings are in the crate
//! docs, "Metrics"). Without the feature every type here is empty and every
//! method does nothing, so a task costs nothing more: no clock read, no
//! field, no call.
//!
//! Handles are registered once: the pool's when the pool is made, a named
//! group's when the group is opened (a default-named group shares the
//! pool's, without a `group` label). A task only increments and records
//! through them, never looks a key up.
//!
//! A recorder is user code, so nothing here runs under the state lock,
//! except [`PoolMetrics::store_counts`], which copies two numbers into
//! atomics (see [`LatestGauge`]).

use super::state::PoolState;

/// How a task's future ended, as the `outcome` label says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It completed, whatever its output (the pool does not read it).
    Ok,
    /// It panicked (the panic was caught).
    Panicked,
    /// It was dropped before it completed: cancelled through the pool, or
    /// by tokio shutting down.
    Cancelled,
}

pub(crate) use imp::{GroupMetrics, PoolMetrics, StartWait};

#[cfg(feature = "metrics")]
mod imp {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use metrics::{Counter, Gauge, Histogram, SharedString, Unit};
    use tokio::time::Instant;

    use super::{Outcome, PoolState};

    pub(super) const STARTED: &str = "taskpool_tasks_started_total";
    pub(super) const FINISHED: &str = "taskpool_tasks_finished_total";
    pub(super) const RUNNING: &str = "taskpool_tasks_running";
    pub(super) const WAITING: &str = "taskpool_starts_waiting";
    pub(super) const POOL_SIZE: &str = "taskpool_pool_size";
    pub(super) const DURATION: &str = "taskpool_task_duration_seconds";
    pub(super) const START_WAIT: &str = "taskpool_start_wait_seconds";

    const OUTCOMES: [(Outcome, &str); 3] =
        [(Outcome::Ok, "ok"), (Outcome::Panicked, "panicked"), (Outcome::Cancelled, "cancelled")];

    /// The pool's gauges, and the task handles of its default-named groups.
    #[derive(Debug)]
    pub(crate) struct PoolMetrics {
        pool: SharedString,
        running: LatestGauge,
        waiting: LatestGauge,
        size: LatestGauge,
        /// Shared by every group without a name of the user's.
        unnamed: GroupMetrics,
    }

    impl PoolMetrics {
        pub(crate) fn new(display: &str, limit: Option<usize>) -> Self {
            describe();
            let pool = SharedString::from(display.to_owned());
            let labels = [("pool", pool.clone())];
            let metrics = PoolMetrics {
                running: LatestGauge::new(metrics::gauge!(RUNNING, &labels)),
                waiting: LatestGauge::new(metrics::gauge!(WAITING, &labels)),
                size: LatestGauge::new(metrics::gauge!(POOL_SIZE, &labels)),
                unnamed: GroupMetrics::register(vec![("pool", pool.clone())]),
                pool,
            };
            metrics.running.store(0.0);
            metrics.waiting.store(0.0);
            metrics.resized(limit);
            metrics.publish();
            metrics
        }

        /// The handles for the tasks of a new group: its own, labelled with
        /// its name, when the user `named` it; else the pool's.
        pub(crate) fn group(&self, name: &str, named: bool) -> GroupMetrics {
            if !named {
                return self.unnamed.clone();
            }
            GroupMetrics::register(vec![
                ("pool", self.pool.clone()),
                ("group", SharedString::from(name.to_owned())),
            ])
        }

        /// Under the state lock, after a transition: copies the counts the
        /// gauges show. Values only; [`PoolMetrics::publish`] hands them to
        /// the recorder once the lock is released.
        pub(crate) fn store_counts(&self, state: &PoolState) {
            self.running.store(state.num_running() as f64);
            self.waiting.store(state.num_waiting() as f64);
        }

        /// A new size limit; unlimited is `+Inf`. Published by the next
        /// [`PoolMetrics::publish`].
        pub(crate) fn resized(&self, limit: Option<usize>) {
            self.size.store(limit.map_or(f64::INFINITY, |limit| limit as f64));
        }

        /// Hands the stored counts to the recorder; the lock must be released.
        pub(crate) fn publish(&self) {
            self.running.publish();
            self.waiting.publish();
            self.size.publish();
        }
    }

    /// Handles for the tasks of one group (or of all default-named groups
    /// of a pool). Cloned per group: one `Arc`.
    #[derive(Clone, Debug)]
    pub(crate) struct GroupMetrics(Arc<TaskHandles>);

    #[derive(Debug)]
    struct TaskHandles {
        started: Counter,
        start_wait: Histogram,
        /// By [`Outcome`], in the order of `OUTCOMES`.
        finished: [Counter; 3],
        duration: [Histogram; 3],
    }

    impl GroupMetrics {
        fn register(labels: Vec<(&'static str, SharedString)>) -> Self {
            let with_outcome = |outcome: &'static str| {
                let mut labels: Vec<(&'static str, SharedString)> = labels.clone();
                labels.push(("outcome", SharedString::const_str(outcome)));
                labels
            };
            GroupMetrics(Arc::new(TaskHandles {
                started: metrics::counter!(STARTED, &labels),
                start_wait: metrics::histogram!(START_WAIT, &labels),
                finished: OUTCOMES.map(|(_, outcome)| metrics::counter!(FINISHED, &with_outcome(outcome))),
                duration: OUTCOMES.map(|(_, outcome)| metrics::histogram!(DURATION, &with_outcome(outcome))),
            }))
        }

        /// A task started at `now`; a start was wanted since `wait`.
        pub(crate) fn started(&self, wait: StartWait, now: Instant) {
            self.0.started.increment(1);
            self.0.start_wait.record(now.saturating_duration_since(wait.since).as_secs_f64());
        }

        /// A task that started at `started` ended (its future completed,
        /// panicked or was dropped) now.
        pub(crate) fn finished(&self, outcome: Outcome, started: Instant) {
            let index = outcome as usize;
            debug_assert_eq!(OUTCOMES[index].0, outcome);
            self.0.finished[index].increment(1);
            self.0.duration[index].record(Instant::now().saturating_duration_since(started).as_secs_f64());
        }
    }

    /// When a meta task began to wait for room for its next start.
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct StartWait {
        since: Instant,
    }

    impl StartWait {
        pub(crate) fn begin() -> Self {
            StartWait { since: Instant::now() }
        }
    }

    /// A gauge set from counts that change under the state lock, without
    /// calling the recorder under it. The count is stored under the lock
    /// (an atomic store), then published after it. Two threads may publish
    /// in the other order than they stored, so a publisher sets the latest
    /// stored value and looks again: if it changed meanwhile, it sets it
    /// again. The thread whose set comes last saw, after its set, the value
    /// it had set as the latest; any store after that look is followed by
    /// its own thread's set. So once the pool is quiet, the gauge shows the
    /// latest count, never a stale one.
    #[derive(Debug)]
    struct LatestGauge {
        /// The bits of an `f64`.
        latest: AtomicU64,
        gauge: Gauge,
    }

    impl LatestGauge {
        fn new(gauge: Gauge) -> Self {
            LatestGauge { latest: AtomicU64::new(0f64.to_bits()), gauge }
        }

        fn store(&self, value: f64) {
            // SeqCst here and in `publish`: the argument above needs one
            // order of these stores and loads with the recorder's sets
            // between them.
            self.latest.store(value.to_bits(), Ordering::SeqCst);
        }

        fn publish(&self) {
            let mut value = self.latest.load(Ordering::SeqCst);
            loop {
                self.gauge.set(f64::from_bits(value));
                let now = self.latest.load(Ordering::SeqCst);
                if now == value {
                    return;
                }
                value = now;
            }
        }
    }

    /// Describes every metric to the recorder (its help text and unit), as
    /// exporters show them; cheap, once per pool.
    fn describe() {
        metrics::describe_counter!(STARTED, Unit::Count, "Tasks the pool started");
        metrics::describe_counter!(
            FINISHED,
            Unit::Count,
            "Tasks whose future ended, by outcome: ok (completed, whatever its output), panicked, cancelled"
        );
        metrics::describe_gauge!(RUNNING, Unit::Count, "Tasks running now (the pool's num_running)");
        metrics::describe_gauge!(
            WAITING,
            Unit::Count,
            "Starts wanted but waiting for room in the pool (the pool's num_waiting)"
        );
        metrics::describe_gauge!(POOL_SIZE, Unit::Count, "The pool's size limit; +Inf when unlimited");
        metrics::describe_histogram!(
            DURATION,
            Unit::Seconds,
            "Time from a task's start to the end of its future, by outcome"
        );
        metrics::describe_histogram!(
            START_WAIT,
            Unit::Seconds,
            "Time a start waited for room in the pool, from when it was wanted to the task's start"
        );
    }
}

/// Without the `metrics` feature: nothing, at no cost.
#[cfg(not(feature = "metrics"))]
mod imp {
    use tokio::time::Instant;

    use super::{Outcome, PoolState};

    #[derive(Debug)]
    pub(crate) struct PoolMetrics;

    impl PoolMetrics {
        #[inline]
        pub(crate) fn new(_display: &str, _limit: Option<usize>) -> Self {
            PoolMetrics
        }

        #[inline]
        pub(crate) fn group(&self, _name: &str, _named: bool) -> GroupMetrics {
            GroupMetrics
        }

        #[inline]
        pub(crate) fn store_counts(&self, _state: &PoolState) {}

        #[inline]
        pub(crate) fn resized(&self, _limit: Option<usize>) {}

        #[inline]
        pub(crate) fn publish(&self) {}
    }

    #[derive(Clone, Debug)]
    pub(crate) struct GroupMetrics;

    impl GroupMetrics {
        #[inline]
        pub(crate) fn started(&self, _wait: StartWait, _now: Instant) {}

        #[inline]
        pub(crate) fn finished(&self, _outcome: Outcome, _started: Instant) {}
    }

    #[derive(Clone, Copy, Debug)]
    pub(crate) struct StartWait;

    impl StartWait {
        #[inline]
        pub(crate) fn begin() -> Self {
            StartWait
        }
    }
}
