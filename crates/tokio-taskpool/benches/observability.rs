//! What observing the pool costs per task: `apply(..).num(N)` of a no-op
//! future until every result is read, against `N` spawns into a `JoinSet`
//! joined to the end (the hand-written baseline of `throughput`), in the same
//! process, on a multi-thread runtime with 2 workers and on a current-thread
//! runtime, in three setups:
//!
//! - `none`: no tracing subscriber, no metrics recorder;
//! - `fmt-info`: a `tracing_subscriber::fmt` subscriber at info level writing
//!   to `std::io::sink`, the default of every runtime thread (the pool's
//!   spans are at debug level, so disabled);
//! - `recorder`: with the `metrics` feature, a recorder installed globally
//!   that keeps every counter and gauge in an atomic and every histogram as
//!   an atomic count and sum (`AtomicRecorder` below), and no subscriber.
//!
//! Each figure is the median of `REPS` runs of `N` tasks, divided by `N`; the
//! pool's and the baseline's runs alternate, and *vs JoinSet* is the median
//! of the ratios of each pair of runs next to each other (steadier than the
//! ratio of the medians when the machine's load drifts). Plain `main` (harness = false),
//! not criterion: a few medians are what BENCHMARKS.md reports.
//!
//! ```text
//! cargo bench -p tokio-taskpool --bench observability
//! ```
//!
//! The crate's tests turn the `metrics` feature on (its dev-dependency on
//! itself), so the bench is built with it: `none` and `fmt-info` then
//! include what the feature costs with no recorder installed (the metrics
//! facade's no-op handles, and the clock reads). The program prints whether
//! the feature was on.

mod common;

use common::{joinset_apply, pool_apply, run_timed};
use tokio::runtime::{Builder, Runtime};

const N: usize = 100_000;
const REPS: usize = 15;

/// The two runtimes; `on_thread` runs on each worker thread as it starts,
/// and on this thread for the current-thread runtime (whose tasks run in
/// `block_on` here).
fn runtimes(on_thread: impl Fn() + Send + Sync + Clone + 'static) -> Vec<(&'static str, Runtime)> {
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(on_thread.clone())
        .build()
        .expect("a multi-thread runtime");
    on_thread();
    let current = Builder::new_current_thread().enable_all().build().expect("a current-thread runtime");
    vec![("multi_thread", multi), ("current_thread", current)]
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Runs one setup on both runtimes and prints a row per runtime.
fn measure(setup: &str, runtimes: &[(&'static str, Runtime)]) {
    for (name, runtime) in runtimes {
        // Warm-up: the allocator, the runtime's threads, the lazy statics.
        run_timed(runtime, || pool_apply(N));
        run_timed(runtime, || joinset_apply(N));
        let (mut pool, mut raw, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..REPS {
            let p = run_timed(runtime, || pool_apply(N)).as_nanos() as f64 / N as f64;
            let r = run_timed(runtime, || joinset_apply(N)).as_nanos() as f64 / N as f64;
            pool.push(p);
            raw.push(r);
            ratio.push(p / r);
        }
        let (pool, raw, ratio) = (median(pool), median(raw), median(ratio));
        println!("| {setup} | {name} | {pool:.0} ns | {raw:.0} ns | {ratio:.2}x |");
    }
}

fn main() {
    println!(
        "observability: N = {N}, median of {REPS}, metrics feature {}",
        if cfg!(feature = "metrics") { "on" } else { "off" }
    );
    println!("| setup | runtime | pool | JoinSet | vs JoinSet (paired) |");
    println!("|---|---|---|---|---|");
    measure("none", &runtimes(|| {}));

    let fmt_info = || {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_writer(std::io::sink)
            .finish();
        // The thread's default for the rest of its life: the guard is leaked
        // on purpose (the runtime's threads end with the process).
        std::mem::forget(tracing::subscriber::set_default(subscriber));
    };
    measure("fmt-info", &runtimes(fmt_info));
    // Back to no subscriber on this thread for the last setup.
    std::mem::forget(tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default()));

    #[cfg(feature = "metrics")]
    {
        metrics::set_global_recorder(recorder::AtomicRecorder).expect("the first recorder");
        measure("recorder", &runtimes(|| {}));
    }
}

/// A recorder that keeps values in atomics and nothing else.
#[cfg(feature = "metrics")]
mod recorder {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use metrics::{
        Counter, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    /// Hands out a fresh atomic per registration; the pool registers once
    /// per pool and per named group, so nothing needs a map.
    pub(crate) struct AtomicRecorder;

    /// A histogram's count and sum (the sum as `f64` bits).
    #[derive(Default)]
    struct CountSum {
        count: AtomicU64,
        sum: AtomicU64,
    }

    impl HistogramFn for CountSum {
        fn record(&self, value: f64) {
            // Relaxed: only counted, never read in the run.
            self.count.fetch_add(1, Ordering::Relaxed);
            let _ = self.sum.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
        }
    }

    impl Recorder for AtomicRecorder {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

        fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::new(AtomicU64::new(0)))
        }

        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::from_arc(Arc::new(AtomicU64::new(0)))
        }

        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(CountSum::default()))
        }
    }
}
