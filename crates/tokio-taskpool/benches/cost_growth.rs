//! Cost growth: single pool operations timed with 10^3 and with 10^6 other
//! tasks alive in the pool. None of them should cost more with more tasks
//! alive (issue 8's target: the 10^6 figure within 1.5x of the 10^3 one).
//!
//! The other tasks are idle workers waiting on one shared never-firing
//! signal, all started and waiting before anything is timed. Both runtimes:
//! on the multi-thread one (2 workers) a cancelled task is cleaned up by the
//! other worker while the next operation runs, as in a real service, and
//! waking that worker is part of the cost; on the current-thread one the
//! cleanup waits for the next yield, so the figures show the pool's own
//! bookkeeping. Group names: `cost/<runtime>`.
//!
//! - `num_running`, `status` and `set_pool_size` (a change between a limit
//!   above the number of tasks and no limit) are called from the bench
//!   thread, back to back. `status` is on a pool of two groups (the others
//!   and whatever the cancel benches left).
//! - `status_many_groups`: `status()` of the pool whose every worker is a
//!   group of its own. It lists every alive group, so it grows with the
//!   number of groups by design; a reference row, not one of the target's
//!   operations.
//! - `cancel_one`: `cancel(&[id])` of one running task. The victims are
//!   started in batches of 32 (untimed), each cancelled by its ID (timed),
//!   and their ends awaited (untimed) before the next batch.
//! - `cancel_oldest`: `cancel(&[id])` of the *oldest* running task, the one
//!   at the front of the task table (at first one of the 10^3 or 10^6
//!   others). In batches of 32: the 32 oldest are cancelled one by one
//!   (timed), their ends awaited and 32 replacements started (untimed), so
//!   the pool keeps its number of tasks and the next victims are old ones.
//!   Timed after the other `TaskPool` operations, because its replacement
//!   groups stay in the pool.
//! - `cancel_group_10`: `cancel_group` of a group of 10 running tasks, made
//!   and cleaned up around each timed call.
//! - `stop_1`: `SimpleTaskPool::stop(1)`, then (untimed) the stopped worker
//!   is awaited and replaced by `start(1)`, so the pool stays at its size.
//! - `stop_1_many_groups`: the same on a `SimpleTaskPool` whose workers were
//!   each started by a `start(1)` call of their own (one group per worker).
//! - `raw_abort_one`: for reference, `AbortHandle::abort` of one idle raw
//!   tokio task, with as many other raw tasks alive, in batches as above.
//! - `raw_abort_oldest`: for reference, the same for the oldest of the raw
//!   tasks (replaced as in `cancel_oldest`): what touching a task that has
//!   long left the CPU caches costs tokio itself, so that `cancel_oldest`'s
//!   growth can be told apart from the pool's own.
//!
//! `TASKPOOL_BENCH_QUICK=1` runs with 10^3 and 10^4 tasks alive.

// criterion_group! makes an undocumented `pub fn`.
#![allow(missing_docs)]

mod common;

use std::collections::VecDeque;
use std::future::pending;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{current_thread, multi_thread, run_timed, IdleSignal};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use tokio::runtime::Runtime;
use tokio::task::{yield_now, JoinHandle};
use tokio_taskpool::{SimpleTaskPool, TaskId, TaskPool};

fn sizes() -> Vec<usize> {
    if std::env::var_os("TASKPOOL_BENCH_QUICK").is_some() {
        vec![1_000, 10_000]
    } else {
        vec![1_000, 1_000_000]
    }
}

/// A runtime with `alive` idle tasks in each of: a `TaskPool` (one apply
/// group), a `SimpleTaskPool` (one `start(alive)`), a `SimpleTaskPool` fed
/// by `alive` calls of `start(1)` (as a control loop or the control
/// server's `start 1` would), and raw tokio tasks.
struct Fixture {
    runtime: Runtime,
    pool: TaskPool,
    simple: SimpleTaskPool,
    many: SimpleTaskPool,
    raw: RawQueue,
    alive: usize,
}

/// Raw tokio tasks, oldest first, kept between criterion's calls.
type RawQueue = Arc<Mutex<VecDeque<JoinHandle<()>>>>;

impl Fixture {
    fn new(runtime: Runtime, alive: usize) -> Self {
        let signal = IdleSignal::new();
        let worker = signal.clone();
        let simple_signal = IdleSignal::new();
        let simple_worker = simple_signal.clone();
        let many_signal = IdleSignal::new();
        let many_worker = many_signal.clone();
        let raw_signal = IdleSignal::new();
        let (pool, simple, many, raw) = runtime.block_on(async move {
            let pool = TaskPool::new();
            let others = pool
                .apply(move || worker.worker(alive))
                .num(alive)
                .group("others")
                .start()
                .expect("an open pool");
            // Nobody reads the others' results.
            drop(others);
            signal.all_waiting().await;
            let simple = SimpleTaskPool::new(move || simple_worker.worker(alive));
            simple.start(alive).expect("an open pool");
            simple_signal.all_waiting().await;
            let many = SimpleTaskPool::new(move || many_worker.worker(alive));
            for _ in 0..alive {
                many.start(1).expect("an open pool");
            }
            many_signal.all_waiting().await;
            let raw: VecDeque<JoinHandle<()>> =
                (0..alive).map(|_| tokio::spawn(raw_signal.worker(alive))).collect();
            raw_signal.all_waiting().await;
            (pool, simple, many, raw)
        });
        assert_eq!(pool.num_running(), alive);
        assert_eq!(simple.num_running(), alive);
        assert_eq!(many.num_running(), alive);
        Fixture { runtime, pool, simple, many, raw: Arc::new(Mutex::new(raw)), alive }
    }
}

/// Yields until `done` holds; the wait is never part of a timed section.
async fn wait_for(mut done: impl FnMut() -> bool) {
    while !done() {
        yield_now().await;
    }
}

async fn cancel_one(pool: TaskPool, iters: u64) -> Duration {
    const BATCH: u64 = 32;
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        let ended = pool.num_ended();
        let victims = pool.apply(pending::<()>).num(batch as usize).start().expect("an open pool");
        let name = victims.name().to_owned();
        wait_for(|| pool.group_ids(&[&name]).map_or(0, |ids| ids.len()) == batch as usize).await;
        let ids = pool.group_ids(&[&name]).expect("the victims' group exists");
        let start = Instant::now();
        for id in &ids {
            pool.cancel(&[*id]).expect("a running victim");
        }
        total += start.elapsed();
        wait_for(|| pool.num_ended() == ended + batch).await;
    }
    total
}

/// The oldest alive tasks of `pool` first, as `cancel_oldest` found them;
/// kept between criterion's calls.
type AgeQueue = Arc<Mutex<VecDeque<TaskId>>>;

async fn cancel_oldest(pool: TaskPool, queue: AgeQueue, iters: u64) -> Duration {
    const BATCH: u64 = 32;
    let mut oldest = std::mem::take(&mut *queue.lock().unwrap());
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        let ended = pool.num_ended();
        let victims: Vec<TaskId> = oldest.drain(..batch as usize).collect();
        let start = Instant::now();
        for id in &victims {
            pool.cancel(&[*id]).expect("a running old task");
        }
        total += start.elapsed();
        wait_for(|| pool.num_ended() == ended + batch).await;
        let fresh = pool.apply(pending::<()>).num(batch as usize).start().expect("an open pool");
        let name = fresh.name().to_owned();
        wait_for(|| pool.group_ids(&[&name]).map_or(0, |ids| ids.len()) == batch as usize).await;
        oldest.extend(pool.group_ids(&[&name]).expect("the replacements' group exists"));
    }
    *queue.lock().unwrap() = oldest;
    total
}

/// The raw tokio counterpart of `cancel_one`: `AbortHandle::abort` of one
/// idle task, with as many other raw tasks alive.
async fn raw_abort_one(iters: u64) -> Duration {
    const BATCH: u64 = 32;
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        let signal = IdleSignal::new();
        let victims: Vec<JoinHandle<()>> =
            (0..batch).map(|_| tokio::spawn(signal.worker(batch as usize))).collect();
        signal.all_waiting().await;
        let start = Instant::now();
        for victim in &victims {
            victim.abort();
        }
        total += start.elapsed();
        for victim in victims {
            let _ = victim.await;
        }
    }
    total
}

/// The raw tokio counterpart of `cancel_oldest`: `AbortHandle::abort` of
/// the oldest raw task, replaced by a new idle one.
async fn raw_abort_oldest(queue: RawQueue, iters: u64) -> Duration {
    const BATCH: u64 = 32;
    let mut oldest = std::mem::take(&mut *queue.lock().unwrap());
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        let victims: Vec<JoinHandle<()>> = oldest.drain(..batch as usize).collect();
        let start = Instant::now();
        for victim in &victims {
            victim.abort();
        }
        total += start.elapsed();
        for victim in victims {
            let _ = victim.await;
        }
        oldest.extend((0..batch).map(|_| tokio::spawn(pending::<()>())));
    }
    *queue.lock().unwrap() = oldest;
    total
}

async fn cancel_group_10(pool: TaskPool, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ended = pool.num_ended();
        let victims = pool.apply(pending::<()>).num(10).start().expect("an open pool");
        let name = victims.name().to_owned();
        wait_for(|| pool.group_ids(&[&name]).map_or(0, |ids| ids.len()) == 10).await;
        let start = Instant::now();
        pool.cancel_group(&name).expect("the victims' group exists");
        total += start.elapsed();
        wait_for(|| pool.num_ended() == ended + 10).await;
    }
    total
}

async fn stop_1(simple: SimpleTaskPool, alive: usize, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let ended = simple.num_ended();
        let start = Instant::now();
        let stopped = simple.stop(1);
        total += start.elapsed();
        assert_eq!(stopped.len(), 1);
        wait_for(|| simple.num_ended() == ended + 1).await;
        simple.start(1).expect("an open pool");
        wait_for(|| simple.num_running() == alive).await;
    }
    total
}

/// Makes the runtime of one fixture.
type MakeRuntime = fn() -> Runtime;

fn cost_growth(c: &mut Criterion) {
    // A fresh runtime per fixture: tearing one down frees its million tasks.
    let flavors: [(&str, MakeRuntime); 2] =
        [("multi_thread", multi_thread), ("current_thread", current_thread)];
    for (rt_name, make_runtime) in flavors {
        cost_growth_on(c, rt_name, make_runtime);
    }
}

fn cost_growth_on(c: &mut Criterion, rt_name: &str, make_runtime: MakeRuntime) {
    let mut group = c.benchmark_group(format!("cost/{rt_name}"));
    group.sample_size(10).warm_up_time(Duration::from_millis(200)).measurement_time(Duration::from_secs(1));
    for alive in sizes() {
        let fixture = Fixture::new(make_runtime(), alive);
        let Fixture { runtime, pool, simple, many, raw, .. } = &fixture;

        group.bench_with_input(BenchmarkId::new("num_running", alive), &alive, |b, _| {
            b.iter(|| black_box(pool.num_running()))
        });
        group.bench_with_input(BenchmarkId::new("status", alive), &alive, |b, _| {
            b.iter(|| black_box(pool.status()))
        });
        group.bench_with_input(BenchmarkId::new("status_many_groups", alive), &alive, |b, _| {
            b.iter(|| black_box(many.status()))
        });
        let limits = [Some(2 * alive + 10), None];
        let mut turn = 0;
        group.bench_with_input(BenchmarkId::new("set_pool_size", alive), &alive, |b, _| {
            b.iter(|| {
                turn += 1;
                pool.set_pool_size(limits[turn % 2]);
            })
        });
        pool.set_pool_size(None);
        group.bench_with_input(BenchmarkId::new("cancel_one", alive), &alive, |b, _| {
            b.iter_custom(|iters| {
                let pool = pool.clone();
                run_timed(runtime, move || cancel_one(pool, iters))
            })
        });
        group.bench_with_input(BenchmarkId::new("raw_abort_one", alive), &alive, |b, _| {
            b.iter_custom(|iters| run_timed(runtime, move || raw_abort_one(iters)))
        });
        group.bench_with_input(BenchmarkId::new("cancel_group_10", alive), &alive, |b, _| {
            b.iter_custom(|iters| {
                let pool = pool.clone();
                run_timed(runtime, move || cancel_group_10(pool, iters))
            })
        });
        // Last of the TaskPool operations: its replacement groups stay.
        let queue: AgeQueue = Arc::new(Mutex::new(
            pool.group_ids(&["others"]).expect("the others' group exists").into_iter().collect(),
        ));
        group.bench_with_input(BenchmarkId::new("cancel_oldest", alive), &alive, |b, _| {
            b.iter_custom(|iters| {
                let (pool, queue) = (pool.clone(), queue.clone());
                run_timed(runtime, move || cancel_oldest(pool, queue, iters))
            })
        });
        group.bench_with_input(BenchmarkId::new("raw_abort_oldest", alive), &alive, |b, _| {
            b.iter_custom(|iters| {
                let raw = raw.clone();
                run_timed(runtime, move || raw_abort_oldest(raw, iters))
            })
        });
        group.bench_with_input(BenchmarkId::new("stop_1", alive), &alive, |b, &alive| {
            b.iter_custom(|iters| {
                let simple = simple.clone();
                run_timed(runtime, move || stop_1(simple, alive, iters))
            })
        });
        group.bench_with_input(BenchmarkId::new("stop_1_many_groups", alive), &alive, |b, &alive| {
            b.iter_custom(|iters| {
                let many = many.clone();
                run_timed(runtime, move || stop_1(many, alive, iters))
            })
        });
        assert_eq!(pool.num_running(), fixture.alive, "the timed operations left the others alone");
        assert_eq!(simple.num_running(), fixture.alive);
        // Tearing down a million tasks is not part of any figure.
        let Fixture { runtime, pool, simple, many, raw, .. } = fixture;
        pool.cancel_all();
        simple.cancel_all();
        many.cancel_all();
        raw.lock().unwrap().iter().for_each(JoinHandle::abort);
        runtime.shutdown_background();
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default().without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = cost_growth
}
criterion_main!(benches);
