//! A worker service: consumes the queue `thumbnails` into a pool until
//! Ctrl-C (or SIGTERM), then stops gracefully. Run two of them and the
//! producer against a local redis-server:
//!
//! ```text
//! redis-server --port 6379 --save "" --appendonly yes &
//! cargo run -p tokio-taskpool-redis --example queue_worker -- --instance a &
//! cargo run -p tokio-taskpool-redis --example queue_worker -- --instance b --pool-size 2 &
//! cargo run -p tokio-taskpool-redis --example queue_producer -- push 200
//! ```
//!
//! Options: `--url URL` (default `redis://127.0.0.1:6379/`), `--queue NAME`
//! (default `thumbnails`), `--instance NAME` (a stable name per worker: a
//! restarted worker first finishes what its previous process left),
//! `--pool-size N` (default 8). A job whose `width` is 0 fails on every
//! delivery and ends in the dead-letter stream (see `queue_producer dead`).

use std::process::ExitCode;
use std::time::Duration;

use serde::Deserialize;
use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::{Backoff, RedisQueue};

/// One job, as `queue_producer` pushes it.
#[derive(Debug, Deserialize)]
struct Thumbnail {
    image: String,
    width: u32,
}

/// The work: pretend to resize for 20 to 200 ms.
async fn resize(job: Thumbnail) -> Result<String, String> {
    if job.width == 0 {
        return Err(format!("cannot resize {} to width 0", job.image));
    }
    tokio::time::sleep(Duration::from_millis(20 + u64::from(job.width % 180))).await;
    Ok(format!("{}@{}", job.image, job.width))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("queue_worker: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let url = option("--url").unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let queue_name = option("--queue").unwrap_or_else(|| "thumbnails".into());
    let pool_size: usize = option("--pool-size").map_or(Ok(8), |s| s.parse())?;

    let queue = RedisQueue::connect(&url, &queue_name).await?;
    let pool = TaskPool::builder().name("thumbnails").pool_size(pool_size).build();
    let mut builder = queue
        .consume(&pool, resize)
        .group("resize")
        .num_concurrent(pool_size)
        .min_idle(Duration::from_secs(10))
        .max_deliveries(3)
        .retry_backoff(Backoff::new(Duration::from_millis(500), Duration::from_secs(10)));
    if let Some(instance) = option("--instance") {
        builder = builder.instance(instance);
    }
    let mut consumer = builder.start().await?;
    println!("{} consumes '{queue_name}' with up to {pool_size} tasks", consumer.name());

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            output = consumer.next() => match output {
                Some(output) => match output.result {
                    Ok(Ok(done)) => println!("done: {done}"),
                    Ok(Err(err)) => println!("failed (retried or dead-lettered): {err}"),
                    Err(err) => println!("task {} did not finish: {err}", output.id),
                },
                None => break,
            },
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    println!("stopping: running jobs get 5 s to finish");
    let stop = consumer.stop(Duration::from_secs(5)).await;
    println!(
        "stopped after {} jobs acknowledged; {} left pending for the other workers",
        stop.stats.acked,
        stop.left_pending.map_or("an unknown number of".to_string(), |n| n.to_string())
    );
    Ok(())
}
