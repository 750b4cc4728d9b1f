//! A service that exports its pool's metrics for Prometheus at
//! `http://127.0.0.1:9000/metrics` (the `metrics` feature with
//! metrics-exporter-prometheus; the pool only records, the application
//! chooses the exporter).
//!
//! ```text
//! cargo run -p tokio-taskpool --features metrics --example prometheus [PORT]
//! curl -s http://127.0.0.1:9000/metrics | grep taskpool_
//! ```
//!
//! The pool `jobs` (size 4) runs a named group `ingest`, which maps a job
//! every 100 ms, some slow, some panicking; and every 2 s a default-named
//! `apply` group of short tasks, counted without a `group` label. It runs
//! until Ctrl-C.

use std::time::Duration;

use futures::StreamExt;
use metrics_exporter_prometheus::PrometheusBuilder;
use tokio_taskpool::TaskPool;

/// One job: most take 50 ms, every 7th takes a second, every 10th panics.
async fn job(n: u64) -> u64 {
    let slow = if n % 7 == 0 { 1000 } else { 50 };
    tokio::time::sleep(Duration::from_millis(slow)).await;
    if n % 10 == 0 {
        panic!("job {n} failed");
    }
    n * 2
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::args().nth(1).map(|port| port.parse()).transpose()?.unwrap_or(9000);
    // The recorder first: the pool takes its metric handles when it is made
    // (and a named group when it is opened).
    PrometheusBuilder::new()
        .with_http_listener(([127, 0, 0, 1], port))
        .set_buckets(&[0.001, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])?
        .install()?;
    println!("metrics at http://127.0.0.1:{port}/metrics; Ctrl-C to stop");
    // One line per failed job rather than a backtrace; the pool catches the
    // panic and counts it (`outcome="panicked"`).
    std::panic::set_hook(Box::new(|info| eprintln!("{info}")));

    let pool = TaskPool::builder().name("jobs").pool_size(4).build();
    let jobs = job_numbers();
    let _ingest = pool.map_stream(job, jobs).num_concurrent(8).group("ingest").start()?;
    let mut every_2s = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = every_2s.tick() => {
                // Results not wanted: the handle is dropped at once.
                pool.apply(|| tokio::time::sleep(Duration::from_millis(20))).num(5).start()?;
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    pool.cancel_all();
    pool.gather_and_close().await;
    Ok(())
}

/// A job number every 100 ms, forever.
fn job_numbers() -> impl futures::Stream<Item = u64> + Send + 'static {
    futures::stream::unfold(0u64, |n| async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((n, n + 1))
    })
    .boxed()
}
