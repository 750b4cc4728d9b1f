//! What the benchmark binaries share: the two runtimes every scenario runs
//! on, a way to time work from inside a spawned task, the idle worker, and
//! machine-readable output for `bench/compare`.
//!
//! Each bench binary includes this module with `mod common;` and uses only
//! part of it.
#![allow(dead_code)]

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use tokio::sync::Notify;

/// `apply` of `n` no-op tasks through a pool, results read: its time.
pub(crate) async fn pool_apply(n: usize) -> Duration {
    let pool = tokio_taskpool::TaskPool::new();
    let start = std::time::Instant::now();
    let mut results = pool.apply(|| async {}).num(n).start().expect("an open pool");
    while futures::StreamExt::next(&mut results).await.is_some() {}
    start.elapsed()
}

/// The hand-written equivalent of [`pool_apply`]: `n` no-op tasks in a
/// `JoinSet`, joined.
pub(crate) async fn joinset_apply(n: usize) -> Duration {
    let start = std::time::Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        set.spawn(async {});
    }
    while set.join_next().await.is_some() {}
    start.elapsed()
}

/// The two runtimes of the issue: multi-thread with 2 workers, and
/// current-thread. The short names appear in benchmark IDs.
pub(crate) fn runtimes() -> Vec<(&'static str, Runtime)> {
    vec![("multi_thread", multi_thread()), ("current_thread", current_thread())]
}

pub(crate) fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a multi-thread runtime")
}

pub(crate) fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().expect("a current-thread runtime")
}

/// Runs `work` as a task spawned on `runtime` and returns the duration it
/// measured itself.
///
/// The work runs in a spawned task rather than in `block_on`, because on
/// the multi-thread runtime a `block_on` future lives on the calling thread,
/// outside the workers, and every wakeup it gets (a semaphore permit, a
/// joined task) becomes a cross-thread wakeup. That would charge both sides
/// of every comparison for something no real program pays.
pub(crate) fn run_timed<F, Fut>(runtime: &Runtime, work: F) -> Duration
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Duration> + Send + 'static,
{
    let task = runtime.spawn(work());
    runtime.block_on(task).expect("the timed task does not panic")
}

/// A never-firing signal that many idle workers wait on, like the shared
/// `asyncio.Event` of the Python scenario, with a count of the workers that
/// have started waiting.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdleSignal {
    never: Arc<Notify>,
    waiting: Arc<AtomicUsize>,
    all_waiting: Arc<Notify>,
}

impl IdleSignal {
    pub(crate) fn new() -> Self {
        IdleSignal::default()
    }

    /// The body of an idle worker: counts itself as waiting and then waits
    /// on the shared signal, which never fires.
    pub(crate) fn worker(&self, expected: usize) -> impl Future<Output = ()> + Send + 'static {
        let signal = self.clone();
        async move {
            let notified = signal.never.notified();
            // Relaxed is enough for a counter; the last worker's notify_one
            // is what the waiter synchronizes with.
            if signal.waiting.fetch_add(1, Ordering::Relaxed) + 1 == expected {
                signal.all_waiting.notify_one();
            }
            notified.await;
        }
    }

    /// Resolves once `expected` workers (the same number passed to
    /// [`IdleSignal::worker`]) have started waiting.
    pub(crate) async fn all_waiting(&self) {
        // notify_one stores a permit when nobody waits yet, so the last
        // worker's signal is never lost.
        self.all_waiting.notified().await;
    }
}

/// Where `bench/compare` wants machine-readable results: the directory in
/// `TASKPOOL_BENCH_OUT`, if set.
fn out_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("TASKPOOL_BENCH_OUT").map(std::path::PathBuf::from)
}

/// Appends one JSON object (already formatted) as a line to
/// `$TASKPOOL_BENCH_OUT/<file>.jsonl`, when that variable is set.
pub(crate) fn record(file: &str, json: &str) {
    let Some(dir) = out_dir() else { return };
    std::fs::create_dir_all(&dir).expect("the bench output directory can be made");
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{file}.jsonl")))
        .expect("the bench output file can be opened");
    writeln!(out, "{json}").expect("the bench output file can be written");
}

/// Resident set size and its peak, in bytes, from `/proc/self/status`.
pub(crate) fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kib| kib * 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Whether the binary was started by `cargo bench --no-run`-style test
/// discovery (`--list`) or `cargo test --benches` (no `--bench`), in which
/// case a custom harness should do nothing.
pub(crate) fn should_skip() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench")
}
