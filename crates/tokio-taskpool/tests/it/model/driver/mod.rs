//! One case of the model test: a random sequence of operations on a real
//! pool, a reference model of what the pool must then look like, and the
//! checks after every step.
//!
//! - `ops`: the operations, and how the seed generates them;
//! - `reference`: the reference model the pool is compared with;
//! - `groups`: making groups in the pool and the model, and resolving the
//!   targets an operation drew against the state when it runs;
//! - `execute`: one operation at a settled point, with its exact result;
//! - `burst`: several operations at once, and what follows whatever order
//!   they ran in;
//! - `checks`: waiting for rest, and the invariants after every step;
//! - `finish`: the end of a case, and the checks of the closed pool.
//!
//! All random numbers come from the case's one generator, in this order:
//! the pool's setup (`run_case`), each step's operations (`ops`), then the
//! final phase (`finish`). Nothing else may draw from it, or the same seed
//! would no longer make the same case.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_taskpool::{PoolHandle, SimpleTaskPool, TaskPool};

use super::rng::Rng;
use super::tracker::{FirstPolls, GroupCfg, Tracker};
use super::workload::{self, Callbacks};

/// `return Err(format!(..))` unless the condition holds. Defined before the
/// submodules so that they see it.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

mod burst;
mod checks;
mod execute;
mod finish;
mod groups;
mod ops;
mod reference;

use ops::{gen_step, Step};
use reference::Model;

/// How long any one wait of the driver may take before the case fails.
const DEADLINE: Duration = Duration::from_secs(20);

/// The pool under test: a case drives one of the two kinds.
#[derive(Clone, Debug)]
enum Pool {
    Task(TaskPool),
    Simple(SimpleTaskPool),
}

impl Pool {
    fn base(&self) -> PoolHandle {
        match self {
            Pool::Task(pool) => pool.handle(),
            Pool::Simple(pool) => pool.handle(),
        }
    }
}

/// What a case did, for the summary.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Stats {
    pub(crate) steps: usize,
    pub(crate) bursts: usize,
    pub(crate) tasks: usize,
    pub(crate) cancelled: u64,
    pub(crate) failed: u64,
    pub(crate) groups: usize,
    /// Starts of a cancelled group reported after the cancel returned, by
    /// tasks the pool had registered before it (see `Case::check`).
    pub(crate) late_starts: usize,
}

/// The state of a running case. The steps are methods on it, spread over
/// the submodules by concern.
struct Case {
    pool: Pool,
    tracker: Tracker,
    model: Model,
    rng: Rng,
}

/// Runs one case; the error says which step broke what.
pub(crate) async fn run_case(seed: u64, steps: usize, polls: Arc<FirstPolls>) -> Result<Stats, String> {
    let mut rng = Rng::new(seed);
    let simple = rng.chance(25);
    let limit = if rng.chance(15) { None } else { Some(rng.range(1, 5)) };
    let simple_callbacks = Callbacks { on_end: true, on_cancel: true, ..Callbacks::random(&mut rng) };
    let simple_plan = Arc::new(workload::behaviours(&mut rng, 16));
    let tracker =
        Tracker::new(GroupCfg { max_concurrent: None, on_end: true, on_cancel: true, results: false }, polls);
    let pool = if simple {
        let (t, plan, next) = (tracker.clone(), simple_plan.clone(), Arc::new(AtomicUsize::new(0)));
        let mut builder = SimpleTaskPool::builder(move || {
            let behaviour = plan[next.fetch_add(1, Ordering::Relaxed) % plan.len()];
            workload::body(t.clone(), behaviour)
        })
        .name(format!("model-{seed:x}"))
        .on_end(workload::callback(tracker.clone(), String::new(), simple_callbacks, false))
        .on_cancel(workload::callback(tracker.clone(), String::new(), simple_callbacks, true));
        if let Some(limit) = limit {
            builder = builder.pool_size(limit);
        }
        Pool::Simple(builder.build())
    } else {
        let mut builder = TaskPool::builder().name(format!("model-{seed:x}"));
        if let Some(limit) = limit {
            builder = builder.pool_size(limit);
        }
        Pool::Task(builder.build())
    };
    let mut case = Case { pool, tracker, model: Model::new(limit), rng };
    let mut stats = Stats::default();
    let mut history: Vec<String> = Vec::new();
    for index in 0..steps {
        let step = gen_step(&mut case.rng, simple);
        let what = format!("{step:?}");
        let status = case.base().status();
        history.push(format!(
            "step {index}: {what}\n    before: limit {:?} running {} waiting {} groups {:?}",
            status.pool_size,
            status.running,
            status.waiting,
            status.groups.iter().map(|g| (&g.name, g.tasks, g.started, g.spawning)).collect::<Vec<_>>()
        ));
        let result = match step {
            Step::One(op) => case.one(op).await,
            Step::Burst(ops) => {
                stats.bursts += 1;
                case.burst(ops).await
            }
        };
        let result = match result {
            Ok(()) => case.check().await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            let recent = history.iter().rev().take(12).rev().cloned().collect::<Vec<_>>().join("\n");
            return Err(format!(
                "step {index} of {steps}: {what}\n{e}\n{}\nrecent steps:\n{recent}",
                case.snapshot()
            ));
        }
        stats.steps += 1;
    }
    if let Err(e) = case.finish().await {
        return Err(format!("final phase: {e}\n{}", case.snapshot()));
    }
    let counts = case.tracker.log().counts();
    stats.tasks = case.tracker.log().tasks.len();
    stats.cancelled = counts.cancelled;
    stats.failed = counts.failed();
    stats.groups = case.model.groups.len();
    stats.late_starts = case.model.late_starts.len();
    Ok(stats)
}

impl Case {
    fn base(&self) -> PoolHandle {
        self.pool.base()
    }

    /// The pool, the tracker and the model side by side, for a failure.
    fn snapshot(&self) -> String {
        let mut s = String::new();
        let base = self.base();
        let _ = writeln!(s, "pool: {:?}", base.status());
        let _ =
            writeln!(s, "running tasks: {:?}", base.running_tasks().iter().map(|t| t.id).collect::<Vec<_>>());
        let log = self.tracker.log();
        let _ = writeln!(
            s,
            "tracker: live {} gated {:?} counts {:?}",
            log.live,
            log.gates.keys().collect::<Vec<_>>(),
            log.counts()
        );
        let _ = writeln!(s, "violations: {:?}", log.violations);
        drop(log);
        let _ = writeln!(
            s,
            "model: limit {:?} locked {} cancelled {}",
            self.model.limit, self.model.locked, self.model.cancelled
        );
        for g in &self.model.groups {
            let _ = writeln!(
                s,
                "  group {} closed {} {:?} demand {} meta {} (started, live) {:?}",
                g.name,
                g.closed,
                g.kind,
                self.model.demand(&self.tracker, g),
                self.model.meta_alive(&self.tracker, g),
                self.model.group_state(&self.tracker, g)
            );
        }
        s
    }
}
