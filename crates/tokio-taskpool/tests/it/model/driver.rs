//! One case of the model test: a random sequence of operations on a real
//! pool, a reference model of what the pool must then look like, and the
//! checks after every step.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::{timeout, Instant};
use tokio_taskpool::{BaseTaskPool, GracefulStop, PoolError, PoolReport, SimpleTaskPool, TaskId, TaskPool};

use super::rng::Rng;
use super::tracker::{GroupCfg, Outcome, ResultKind, Tracker};
use super::workload::{self, Behaviour, Callbacks, OnStop};

/// How long any one wait of the driver may take before the case fails.
const DEADLINE: Duration = Duration::from_secs(20);

/// One thing the driver does to the pool. Targets (which task, which group)
/// are drawn as raw numbers and resolved against the state when the step
/// runs, so that the stream of random numbers does not depend on timing.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Apply { num: usize, plan: Vec<Behaviour>, callbacks: Callbacks },
    Map { plan: Vec<Behaviour>, num_concurrent: usize, callbacks: Callbacks },
    MapStream { plan: Vec<Behaviour>, feed: usize, num_concurrent: usize, callbacks: Callbacks },
    Feed { pick: u64, n: usize },
    CloseStream { pick: u64 },
    Start { n: usize },
    Stop { n: usize },
    Release { picks: Vec<(u64, Outcome)> },
    Cancel { picks: Vec<u64>, bogus: Option<bool> },
    CancelGroup { pick: u64 },
    CancelAll,
    SetPoolSize(Option<usize>),
    Lock,
    Unlock,
    Flush,
    StopGracefully { deadline_ms: u64 },
}

impl Op {
    fn creates_group(&self) -> bool {
        matches!(self, Op::Apply { .. } | Op::Map { .. } | Op::MapStream { .. } | Op::Start { .. })
    }

    fn ends_or_cancels(&self) -> bool {
        matches!(self, Op::Release { .. } | Op::Cancel { .. } | Op::CancelGroup { .. } | Op::CancelAll)
    }
}

/// A step: one operation followed by an exact check, or a burst of
/// operations run at once from several tasks, followed by the checks that do
/// not depend on how they interleaved.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    One(Op),
    Burst(Vec<Op>),
}

fn gen_op(rng: &mut Rng, simple: bool, racy: bool) -> Op {
    loop {
        let op = match rng.range(0, 109) {
            0..=23 if simple => Op::Start { n: rng.range(1, 4) },
            0..=9 => Op::Apply {
                num: rng.range(1, 6),
                plan: workload::behaviours(rng, 8),
                callbacks: Callbacks::random(rng),
            },
            10..=16 => {
                let n = rng.range(0, 8);
                Op::Map {
                    plan: workload::behaviours(rng, n),
                    num_concurrent: rng.range(1, 3),
                    callbacks: Callbacks::random(rng),
                }
            }
            17..=23 => Op::MapStream {
                plan: workload::behaviours(rng, 8),
                feed: rng.range(0, 3),
                num_concurrent: rng.range(1, 3),
                callbacks: Callbacks::random(rng),
            },
            24..=27 if !simple => Op::Feed { pick: rng.next_u64(), n: rng.range(1, 3) },
            28..=29 if !simple => Op::CloseStream { pick: rng.next_u64() },
            24..=29 if simple && !racy => Op::Stop { n: rng.range(1, 4) },
            30..=51 => {
                let k = rng.range(1, 3);
                Op::Release { picks: (0..k).map(|_| (rng.next_u64(), workload::outcome(rng))).collect() }
            }
            52..=61 => {
                let k = rng.range(1, 2);
                let picks = (0..k).map(|_| rng.next_u64()).collect();
                let bogus = if rng.chance(20) { Some(rng.chance(50)) } else { None };
                Op::Cancel { picks, bogus }
            }
            62..=68 => Op::CancelGroup { pick: rng.next_u64() },
            69..=70 => Op::CancelAll,
            71..=83 => Op::SetPoolSize(match rng.range(0, 9) {
                0 => None,
                1 | 2 => Some(0),
                n => Some(n - 2),
            }),
            84..=87 => Op::Lock,
            88..=93 => Op::Unlock,
            94..=98 => Op::Flush,
            99..=101 if !racy => Op::StopGracefully { deadline_ms: [5, 20, 50][rng.range(0, 2)] },
            _ => continue,
        };
        return op;
    }
}

pub(crate) fn gen_step(rng: &mut Rng, simple: bool) -> Step {
    if !rng.chance(30) {
        return Step::One(gen_op(rng, simple, false));
    }
    let n = rng.range(2, 4);
    let mut ops: Vec<Op> = (0..n).map(|_| gen_op(rng, simple, true)).collect();
    // Which groups a cancel_all closes must be known: not together with new groups.
    if ops.iter().any(Op::creates_group) {
        for op in &mut ops {
            if matches!(op, Op::CancelAll) {
                *op = Op::Flush;
            }
        }
    }
    Step::Burst(ops)
}

#[derive(Clone, Debug)]
enum Pool {
    Task(TaskPool),
    Simple(SimpleTaskPool),
}

impl Pool {
    fn base(&self) -> &BaseTaskPool {
        match self {
            Pool::Task(pool) => pool.base(),
            Pool::Simple(pool) => pool.base(),
        }
    }
}

#[derive(Debug)]
enum MKind {
    Counted { num: usize, withdrawn: usize },
    Map { num_concurrent: usize, fed: usize, exhausted: bool, feed: Option<UnboundedSender<u32>> },
}

#[derive(Debug)]
struct MGroup {
    name: String,
    kind: MKind,
    closed: bool,
    /// The tasks of the group seen when it was closed: no other may start.
    ids_at_close: Option<BTreeSet<TaskId>>,
}

/// The reference model: what the pool was asked to do, from which the
/// expected counts, waits and groups follow given what the tasks reported.
#[derive(Debug)]
struct Model {
    limit: Option<usize>,
    locked: bool,
    groups: Vec<MGroup>,
    cancelled: u64,
    reported_failed: u64,
    /// The limits in force since the last check (for the admission bound).
    interval_limits: Vec<Option<usize>>,
    previous_limits: Vec<Option<usize>>,
    next_group: usize,
}

impl Model {
    fn group_state(&self, tracker: &Tracker, g: &MGroup) -> (u64, usize) {
        let log = tracker.log();
        log.groups.get(&g.name).map_or((0, 0), |t| (t.started, t.live))
    }

    /// Tasks the group still wants to start now (0 when closed).
    fn demand(&self, tracker: &Tracker, g: &MGroup) -> usize {
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

    fn meta_alive(&self, tracker: &Tracker, g: &MGroup) -> bool {
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

    fn alive(&self, tracker: &Tracker, g: &MGroup) -> bool {
        self.meta_alive(tracker, g) || self.group_state(tracker, g).1 > 0
    }

    fn waiting(&self, tracker: &Tracker) -> usize {
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

    fn alive_groups(&self, tracker: &Tracker) -> BTreeMap<String, bool> {
        self.groups
            .iter()
            .filter(|g| self.alive(tracker, g))
            .map(|g| (g.name.clone(), self.meta_alive(tracker, g)))
            .collect()
    }

    fn close(&mut self, index: usize, ids: BTreeSet<TaskId>) {
        let g = &mut self.groups[index];
        if !g.closed {
            g.closed = true;
            g.ids_at_close = Some(ids);
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
}

struct Case {
    pool: Pool,
    tracker: Tracker,
    model: Model,
    rng: Rng,
}

/// Runs one case; the error says which step broke what.
pub(crate) async fn run_case(seed: u64, steps: usize) -> Result<Stats, String> {
    let mut rng = Rng::new(seed);
    let simple = rng.chance(25);
    let limit = if rng.chance(15) { None } else { Some(rng.range(1, 5)) };
    let simple_callbacks = Callbacks { on_end: true, on_cancel: true, ..Callbacks::random(&mut rng) };
    let simple_plan = Arc::new(workload::behaviours(&mut rng, 16));
    let tracker =
        Tracker::new(GroupCfg { max_concurrent: None, on_end: true, on_cancel: true, results: false });
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
    let model = Model {
        limit,
        locked: false,
        groups: Vec::new(),
        cancelled: 0,
        reported_failed: 0,
        interval_limits: vec![limit],
        previous_limits: vec![limit],
        next_group: 0,
    };
    let mut case = Case { pool, tracker, model, rng };
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
    Ok(stats)
}

macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err(format!($($arg)+));
        }
    };
}

/// What making a group gave: the pool's answer, and for a TaskPool group its
/// name, configuration and (for map_stream) the sender that feeds it.
type Created = (Result<String, PoolError>, Option<(String, GroupCfg, Option<UnboundedSender<u32>>)>);

/// How a burst's operation came out, applied to the model once all are done.
enum Effect {
    None,
    Cancelled(Vec<TaskId>, Result<(), PoolError>),
    GroupCancelled(usize, Result<(), PoolError>, BTreeSet<TaskId>),
    Flushed(PoolReport),
}

impl Case {
    fn base(&self) -> &BaseTaskPool {
        self.pool.base()
    }

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

    fn pick_group(&self, pick: u64) -> Option<usize> {
        (!self.model.groups.is_empty()).then(|| (pick % self.model.groups.len() as u64) as usize)
    }

    fn pick_stream(&self, pick: u64) -> Option<usize> {
        let streams: Vec<usize> = (0..self.model.groups.len())
            .filter(|&i| matches!(&self.model.groups[i].kind, MKind::Map { feed: Some(_), .. }))
            .collect();
        (!streams.is_empty()).then(|| streams[(pick % streams.len() as u64) as usize])
    }

    fn pick_gated(&self, picks: &[u64]) -> Vec<TaskId> {
        let gated = self.tracker.gated();
        let mut chosen = BTreeSet::new();
        if gated.is_empty() {
            return Vec::new();
        }
        for pick in picks {
            chosen.insert(gated[(pick % gated.len() as u64) as usize]);
        }
        chosen.into_iter().collect()
    }

    /// Registers a group with the tracker and starts it in the pool.
    fn create(&mut self, op: &Op) -> Created {
        let Pool::Task(pool) = &self.pool else {
            let Op::Start { n } = op else { unreachable!("only start creates groups of a SimpleTaskPool") };
            let Pool::Simple(pool) = &self.pool else { unreachable!() };
            return (pool.start(*n), None);
        };
        let name = format!("g{}", self.model.next_group);
        self.model.next_group += 1;
        let t = self.tracker.clone();
        let (callbacks, cfg) = match op {
            Op::Apply { callbacks, .. } => (
                *callbacks,
                GroupCfg {
                    max_concurrent: None,
                    on_end: callbacks.on_end,
                    on_cancel: callbacks.on_cancel,
                    results: true,
                },
            ),
            Op::Map { callbacks, num_concurrent, .. } | Op::MapStream { callbacks, num_concurrent, .. } => (
                *callbacks,
                GroupCfg {
                    max_concurrent: Some(*num_concurrent),
                    on_end: callbacks.on_end,
                    on_cancel: callbacks.on_cancel,
                    results: true,
                },
            ),
            _ => unreachable!("not a spawning operation"),
        };
        self.tracker.configure(&name, cfg);
        let on_end = workload::callback(t.clone(), name.clone(), callbacks, false);
        let on_cancel = workload::callback(t.clone(), name.clone(), callbacks, true);
        let mut feed = None;
        let started = match op {
            Op::Apply { num, plan, .. } => {
                let (plan, next, tt) = (Arc::new(plan.clone()), Arc::new(AtomicUsize::new(0)), t.clone());
                let mut b = pool
                    .apply(move || {
                        workload::body(tt.clone(), plan[next.fetch_add(1, Ordering::Relaxed) % plan.len()])
                    })
                    .num(*num)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            Op::Map { plan, num_concurrent, .. } => {
                let (plan, tt) = (Arc::new(plan.clone()), t.clone());
                let items: Vec<u32> = (0..plan.len() as u32).collect();
                let mut b = pool
                    .map(move |i: u32| workload::body(tt.clone(), plan[i as usize]), items)
                    .num_concurrent(*num_concurrent)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            Op::MapStream { plan, num_concurrent, feed: initial, .. } => {
                let (plan, tt) = (Arc::new(plan.clone()), t.clone());
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
                for i in 0..*initial {
                    tx.send(i as u32).expect("the receiver is alive");
                }
                feed = Some(tx);
                let items =
                    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) });
                let mut b = pool
                    .map_stream(
                        move |i: u32| workload::body(tt.clone(), plan[i as usize % plan.len()]),
                        items,
                    )
                    .num_concurrent(*num_concurrent)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            _ => unreachable!(),
        };
        match started {
            Ok(handle) => {
                let (t, group) = (self.tracker.clone(), name.clone());
                tokio::spawn(async move {
                    let mut handle = handle;
                    while let Some(out) = handle.next().await {
                        let kind = match &out.result {
                            Ok(Ok(_)) => ResultKind::Ok,
                            Ok(Err(_)) => ResultKind::Err,
                            Err(e) if e.is_cancelled() => ResultKind::Cancelled,
                            Err(_) => ResultKind::Panic,
                        };
                        t.record_result(out.id, &group, kind);
                    }
                });
                (Ok(name.clone()), Some((name, cfg, feed)))
            }
            Err(e) => (Err(e), None),
        }
    }

    fn add_group(&mut self, op: &Op, name: String, feed: Option<UnboundedSender<u32>>) {
        let kind = match op {
            Op::Apply { num, .. } => MKind::Counted { num: *num, withdrawn: 0 },
            Op::Start { n } => MKind::Counted { num: *n, withdrawn: 0 },
            Op::Map { plan, num_concurrent, .. } => {
                MKind::Map { num_concurrent: *num_concurrent, fed: plan.len(), exhausted: true, feed: None }
            }
            Op::MapStream { num_concurrent, feed: initial, .. } => {
                MKind::Map { num_concurrent: *num_concurrent, fed: *initial, exhausted: false, feed }
            }
            _ => unreachable!(),
        };
        self.model.groups.push(MGroup { name, kind, closed: false, ids_at_close: None });
    }

    /// One operation at a settled point, with the exact expected outcome.
    async fn one(&mut self, op: Op) -> Result<(), String> {
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
                            self.model.locked && matches!(e, PoolError::PoolIsLocked { .. }),
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
                let mut ids = self.pick_gated(picks);
                let expected = match bogus {
                    Some(true) => {
                        let done = self.tracker.log().tasks.iter().find(|(_, t)| t.gone).map(|(&id, _)| id);
                        match done {
                            Some(id) => {
                                ids.push(id);
                                Err(PoolError::AlreadyEnded { pool: base.to_string(), id })
                            }
                            None => Ok(()),
                        }
                    }
                    Some(false) => {
                        let id = TaskId::from(1 << 40);
                        ids.push(id);
                        Err(PoolError::TaskNotFound { pool: base.to_string(), id })
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
                    self.model.close(index, ids);
                    self.model.cancelled += live;
                } else {
                    let expected =
                        Err(PoolError::GroupNotFound { pool: base.to_string(), group: name.clone() });
                    ensure!(got == expected, "cancel_group({name}) of a finished group returned {got:?}");
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

    fn feed(&mut self, pick: u64, n: usize) {
        let Some(index) = self.pick_stream(pick) else { return };
        if let MKind::Map { fed, feed: Some(tx), .. } = &mut self.model.groups[index].kind {
            for _ in 0..n {
                // A closed group's stream is gone; nothing is owed to it then.
                let _ = tx.send(*fed as u32);
                *fed += 1;
            }
        }
    }

    fn close_stream(&mut self, pick: u64) {
        let Some(index) = self.pick_stream(pick) else { return };
        if let MKind::Map { feed, exhausted, .. } = &mut self.model.groups[index].kind {
            *feed = None;
            *exhausted = true;
        }
    }

    fn set_pool_size(&mut self, limit: Option<usize>) {
        self.base().set_pool_size(limit);
        self.model.limit = limit;
        self.model.interval_limits.push(limit);
    }

    fn close_all_alive(&mut self) {
        for index in 0..self.model.groups.len() {
            if self.model.alive(&self.tracker, &self.model.groups[index]) {
                let ids = self.tracker.log().group_ids(&self.model.groups[index].name);
                self.model.close(index, ids);
            }
        }
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

    /// Several operations at once, each in its own task, released together.
    async fn burst(&mut self, ops: Vec<Op>) -> Result<(), String> {
        self.settle().await?;
        let endings = ops.iter().filter(|op| op.ends_or_cancels()).count();
        let had_lock = ops.iter().any(|op| matches!(op, Op::Lock | Op::Unlock));
        let locked_before = self.model.locked;
        // Resolve targets and make groups' closures before the barrier; group
        // creation itself runs inside the burst.
        let barrier = Arc::new(tokio::sync::Barrier::new(ops.len()));
        let mut tasks = Vec::new();
        let mut creations = Vec::new();
        for op in &ops {
            let barrier = barrier.clone();
            let base = self.base().clone();
            let tracker = self.tracker.clone();
            match op {
                Op::Apply { .. } | Op::Map { .. } | Op::MapStream { .. } | Op::Start { .. } => {
                    // Made on the driver's task between the others' operations:
                    // creation is synchronous and cannot be moved into a task
                    // without its builder, so it races from here.
                    creations.push(op.clone());
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        Effect::None
                    }));
                }
                Op::Release { picks } => {
                    let ids = self.pick_gated(&picks.iter().map(|p| p.0).collect::<Vec<_>>());
                    let outcomes: Vec<Outcome> = picks.iter().map(|p| p.1).collect();
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        for (i, id) in ids.iter().enumerate() {
                            tracker.release(*id, outcomes[i % outcomes.len()]);
                        }
                        Effect::None
                    }));
                }
                Op::Cancel { picks, .. } => {
                    let ids = self.pick_gated(picks);
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        let r = base.cancel(&ids);
                        Effect::Cancelled(ids, r)
                    }));
                }
                Op::CancelGroup { pick } => {
                    let Some(index) = self.pick_group(*pick) else {
                        tasks.push(tokio::spawn(async move {
                            barrier.wait().await;
                            Effect::None
                        }));
                        continue;
                    };
                    let name = self.model.groups[index].name.clone();
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        let r = base.cancel_group(&name);
                        // The pool's alive tasks of the group first, then the
                        // tracker's: a task that was registered before the
                        // close and ends in between is in one of the two.
                        let mut ids = base.group_ids(&[&name]).unwrap_or_default();
                        ids.extend(tracker.log().group_ids(&name));
                        Effect::GroupCancelled(index, r, ids)
                    }));
                }
                Op::CancelAll => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    base.cancel_all();
                    Effect::None
                })),
                Op::SetPoolSize(limit) => {
                    let limit = *limit;
                    self.model.interval_limits.push(limit);
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        base.set_pool_size(limit);
                        Effect::None
                    }));
                }
                Op::Lock => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    base.lock();
                    Effect::None
                })),
                Op::Unlock => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    base.unlock();
                    Effect::None
                })),
                Op::Flush => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    match timeout(DEADLINE, base.flush()).await {
                        Ok(report) => Effect::Flushed(report),
                        Err(_) => Effect::None,
                    }
                })),
                Op::Feed { .. } | Op::CloseStream { .. } => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    Effect::None
                })),
                Op::Stop { .. } | Op::StopGracefully { .. } => unreachable!("not generated in bursts"),
            }
        }
        let mut created = Vec::new();
        for op in &creations {
            tokio::task::yield_now().await;
            created.push((op.clone(), self.create(op)));
        }
        let mut effects = Vec::new();
        for task in tasks {
            let effect = timeout(DEADLINE, task).await.map_err(|_| "a burst operation hung".to_owned())?;
            effects.push(effect.map_err(|e| format!("a burst operation panicked: {e}"))?);
        }
        for op in &ops {
            match op {
                Op::Feed { pick, n } => self.feed(*pick, *n),
                Op::CloseStream { pick } => self.close_stream(*pick),
                _ => {}
            }
        }
        if ops.iter().any(|op| matches!(op, Op::CancelAll)) {
            self.close_all_alive_at_burst_start();
        }
        for (op, (result, extra)) in created {
            match result {
                Ok(name) => {
                    let feed = extra.and_then(|(_, _, feed)| feed);
                    self.add_group(&op, name, feed);
                }
                Err(PoolError::PoolIsLocked { .. }) => {
                    ensure!(locked_before || had_lock, "an unlocked pool refused a group in a burst");
                }
                Err(e) => return Err(format!("a group was refused in a burst: {e}")),
            }
        }
        for effect in effects {
            match effect {
                Effect::None => {}
                Effect::Cancelled(ids, r) => match r {
                    Ok(()) => {}
                    Err(PoolError::AlreadyEnded { .. } | PoolError::AlreadyCancelled { .. })
                        if endings > 1 => {}
                    Err(e) => return Err(format!("cancel({ids:?}) in a burst returned {e}")),
                },
                Effect::GroupCancelled(index, r, ids) => match r {
                    Ok(()) => self.model.close(index, ids),
                    Err(PoolError::GroupNotFound { .. }) => {}
                    Err(e) => return Err(format!("cancel_group in a burst returned {e}")),
                },
                Effect::Flushed(report) => self.model.reported_failed += report.num_failed(),
            }
        }
        // Which of a lock and an unlock came last, or which of several sizes,
        // is a matter of timing: the model takes what the pool says.
        if had_lock {
            self.model.locked = self.base().is_locked();
        }
        let size = self.base().pool_size();
        ensure!(
            self.model.interval_limits.contains(&size),
            "pool_size {size:?} is none of the sizes set {:?}",
            self.model.interval_limits
        );
        self.model.limit = size;
        self.settle().await?;
        // The groups a cancel_group closed while tasks of them still started
        // are known only now; those seen at close stay the bound.
        self.model.cancelled = self.tracker.log().counts().cancelled;
        Ok(())
    }

    fn close_all_alive_at_burst_start(&mut self) {
        // cancel_all closed every group the pool had; groups made in the same
        // burst are excluded by the generator.
        for index in 0..self.model.groups.len() {
            let ids = self.tracker.log().group_ids(&self.model.groups[index].name);
            self.model.close(index, ids);
        }
    }

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
        let room = self.model.limit.map_or(true, |l| gated.len() < l);
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
    async fn settle(&self) -> Result<(), String> {
        let start = Instant::now();
        loop {
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
    async fn check(&mut self) -> Result<(), String> {
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

    /// Ends the case: either cancels everything, or lifts the limit and
    /// releases tasks until all work is done; then `gather_and_close`, and
    /// the last checks.
    async fn finish(&mut self) -> Result<(), String> {
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
                matches!(refused, Err(PoolError::PoolIsClosed { .. })),
                "a closed pool accepted a group: {refused:?}"
            );
        }
        Ok(())
    }
}
