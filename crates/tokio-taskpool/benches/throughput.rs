//! Throughput: what a pool costs per task next to the tokio code one would
//! write by hand, on a multi-thread runtime with 2 workers and on a
//! current-thread runtime, in the same process.
//!
//! - `apply/<runtime>`: `apply(..).num(N)` of a no-op future until every
//!   result is read, vs `N` spawns into a `JoinSet` joined to the end.
//! - `map_k<k>/<runtime>`: `map` over `0..N` with `num_concurrent = k`, vs a
//!   `Semaphore(k)`-gated spawn loop into a `JoinSet`, and vs
//!   `buffer_unordered(k)` (one task, no spawns: a lower bound, not an
//!   equivalent).
//! - `simple/<runtime>`: `SimpleTaskPool::start(N)` of an idle worker that
//!   waits on one shared never-firing signal, until all wait, then
//!   `stop_all` and `gather_and_close`; vs `N` spawns into a `JoinSet`, until
//!   all wait, then `JoinSet::abort_all` and joining every task. The time
//!   of the stop phase alone, and of the stop call in it, is recorded on the
//!   side for `bench/compare`.
//!
//! Every iteration is one whole scenario of `N` tasks, timed inside a
//! spawned task (see `common::run_timed`); criterion's throughput is set to
//! `N` elements, so ns per task is the iteration time divided by `N`.
//!
//! `TASKPOOL_BENCH_QUICK=1` runs only the smallest `N` (for a smoke test).

// criterion_group! makes an undocumented `pub fn`.
#![allow(missing_docs)]

mod common;

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{joinset_apply, pool_apply, record, run_timed, runtimes, IdleSignal};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use futures::StreamExt;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

fn sizes() -> Vec<usize> {
    if std::env::var_os("TASKPOOL_BENCH_QUICK").is_some() {
        vec![10_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    }
}

/// Long enough for at least ten iterations of the largest scenarios on the
/// shared 2-core machine, short enough that the whole file stays within a
/// few minutes; criterion stretches it when ten iterations need more.
fn measurement_time(n: usize) -> Duration {
    match n {
        0..=10_000 => Duration::from_millis(500),
        10_001..=100_000 => Duration::from_secs(1),
        _ => Duration::from_secs(3),
    }
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(measurement_time(n))
        .throughput(Throughput::Elements(n as u64));
}

/// Runs `iters` scenarios, each timed by itself inside a spawned task.
fn timed_iters<F, Fut>(runtime: &Runtime, iters: u64, scenario: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Duration> + Send + 'static,
{
    (0..iters).map(|_| run_timed(runtime, &scenario)).sum()
}

fn apply(c: &mut Criterion) {
    for (rt_name, runtime) in runtimes() {
        let mut group = c.benchmark_group(format!("apply/{rt_name}"));
        for n in sizes() {
            configure(&mut group, n);
            group.bench_with_input(BenchmarkId::new("pool", n), &n, |b, &n| {
                b.iter_custom(|iters| timed_iters(&runtime, iters, || pool_apply(n)))
            });
            group.bench_with_input(BenchmarkId::new("joinset", n), &n, |b, &n| {
                b.iter_custom(|iters| timed_iters(&runtime, iters, || joinset_apply(n)))
            });
        }
        group.finish();
    }
}

async fn pool_map(n: usize, k: usize) -> Duration {
    let pool = TaskPool::new();
    let start = Instant::now();
    let mut results = pool
        .map(|i: usize| async move { black_box(i) }, 0..n)
        .num_concurrent(k)
        .start()
        .expect("an open pool");
    while results.next().await.is_some() {}
    start.elapsed()
}

async fn semaphore_map(n: usize, k: usize) -> Duration {
    let start = Instant::now();
    let room = Arc::new(Semaphore::new(k));
    let mut set = JoinSet::new();
    for i in 0..n {
        let permit = room.clone().acquire_owned().await.expect("never closed");
        set.spawn(async move {
            let _permit = permit;
            black_box(i)
        });
        // Collect what has ended as we go, as the pool does, so the set
        // holds at most about k tasks.
        while set.try_join_next().is_some() {}
    }
    while set.join_next().await.is_some() {}
    start.elapsed()
}

async fn buffer_unordered_map(n: usize, k: usize) -> Duration {
    let start = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| async move { black_box(i) })
        .buffer_unordered(k)
        .for_each(|_| async {})
        .await;
    start.elapsed()
}

fn map(c: &mut Criterion) {
    // N = 10^4 adds nothing here that apply does not show; the targets are
    // stated at 10^5 and 10^6.
    let sizes: Vec<usize> = sizes().into_iter().filter(|&n| n > 10_000).collect();
    let sizes = if sizes.is_empty() { vec![10_000] } else { sizes };
    for (rt_name, runtime) in runtimes() {
        for k in [1, 16, 1024] {
            let mut group = c.benchmark_group(format!("map_k{k}/{rt_name}"));
            for &n in &sizes {
                configure(&mut group, n);
                group.bench_with_input(BenchmarkId::new("pool", n), &n, |b, &n| {
                    b.iter_custom(|iters| timed_iters(&runtime, iters, || pool_map(n, k)))
                });
                group.bench_with_input(BenchmarkId::new("semaphore", n), &n, |b, &n| {
                    b.iter_custom(|iters| timed_iters(&runtime, iters, || semaphore_map(n, k)))
                });
                group.bench_with_input(BenchmarkId::new("buffer_unordered", n), &n, |b, &n| {
                    b.iter_custom(|iters| timed_iters(&runtime, iters, || buffer_unordered_map(n, k)))
                });
            }
            group.finish();
        }
    }
}

/// The stop phase of each start/stop cycle: the stop call alone (`stop_all`
/// or `JoinSet::abort_all`), and the whole phase until every task is gone.
type Phases = Arc<Mutex<Vec<(Duration, Duration)>>>;

async fn pool_simple(n: usize, stops: Phases) -> Duration {
    let signal = IdleSignal::new();
    let worker = signal.clone();
    let pool = SimpleTaskPool::new(move || worker.worker(n));
    let start = Instant::now();
    pool.start(n).expect("an open pool");
    signal.all_waiting().await;
    let stop = Instant::now();
    let stopped = pool.stop_all();
    let call = stop.elapsed();
    pool.gather_and_close().await;
    stops.lock().unwrap().push((call, stop.elapsed()));
    assert_eq!(stopped.len(), n);
    start.elapsed()
}

async fn joinset_simple(n: usize, stops: Phases) -> Duration {
    let signal = IdleSignal::new();
    let start = Instant::now();
    let mut set = JoinSet::new();
    for _ in 0..n {
        set.spawn(signal.worker(n));
    }
    signal.all_waiting().await;
    let stop = Instant::now();
    set.abort_all();
    let call = stop.elapsed();
    while set.join_next().await.is_some() {}
    stops.lock().unwrap().push((call, stop.elapsed()));
    start.elapsed()
}

fn record_stops(bench: &str, rt_name: &str, n: usize, stops: &Phases) {
    let stops = std::mem::take(&mut *stops.lock().unwrap());
    if stops.is_empty() {
        return;
    }
    let mean_of = |pick: fn(&(Duration, Duration)) -> Duration| {
        stops.iter().map(pick).sum::<Duration>().as_nanos() as f64 / stops.len() as f64
    };
    let (call, mean) = (mean_of(|s| s.0), mean_of(|s| s.1));
    println!(
        "simple/{rt_name}/{bench}/{n}: stop phase alone {:.1} ms ({:.1} ns per task), of which the stop call {:.1} ms",
        mean / 1e6,
        mean / n as f64,
        call / 1e6
    );
    record(
        "throughput_phases",
        &format!(
            r#"{{"scenario":"simple_stop_phase","runtime":"{rt_name}","variant":"{bench}","n":{n},"mean_ns":{mean:.0},"call_ns":{call:.0},"samples":{}}}"#,
            stops.len()
        ),
    );
}

fn simple(c: &mut Criterion) {
    for (rt_name, runtime) in runtimes() {
        let mut group = c.benchmark_group(format!("simple/{rt_name}"));
        for n in sizes() {
            configure(&mut group, n);
            let stops = Phases::default();
            group.bench_with_input(BenchmarkId::new("pool", n), &n, |b, &n| {
                b.iter_custom(|iters| timed_iters(&runtime, iters, || pool_simple(n, stops.clone())))
            });
            record_stops("pool", rt_name, n, &stops);
            group.bench_with_input(BenchmarkId::new("joinset", n), &n, |b, &n| {
                b.iter_custom(|iters| timed_iters(&runtime, iters, || joinset_simple(n, stops.clone())))
            });
            record_stops("joinset", rt_name, n, &stops);
        }
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default().without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = apply, map, simple
}
criterion_main!(benches);
