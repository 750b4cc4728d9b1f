//! apalis 1.0 + apalis-redis 1.0 against tokio-taskpool-redis, on one local
//! `redis-server` that the script `run` starts: items per second through
//! one process with a no-op handler at k = 1, 16, 256 (apalis: a worker
//! with `concurrency(k)` and its default batch size of 10; ours: a
//! consumer with `num_concurrent(k)`), 5,000 items each (apalis-redis
//! 1.0's fetch script fails once 8,000 or more jobs are queued), median of 3.
//!
//! Usage: `redis-vs-apalis REDIS_URL`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apalis::prelude::*;
use apalis_redis::{Config, RedisStorage};
use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

const ITEMS: usize = 5_000;
/// 32 bytes once serialized to JSON.
const PAYLOAD: &str = "abcdefghijklmnopqrstuvwxyz0123";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = std::env::args().nth(1).expect("usage: redis-vs-apalis REDIS_URL");
    println!("| consumer | k | items | items/s (median of 3) |");
    println!("|---|---|---|---|");
    for k in [1usize, 16, 256] {
        let mut apalis_runs = Vec::new();
        let mut ours_runs = Vec::new();
        for run in 0..3 {
            apalis_runs.push(apalis_once(&url, &format!("apalis-{k}-{run}"), k).await);
            ours_runs.push(ours_once(&url, &format!("ours-{k}-{run}"), k).await);
        }
        let (a, o) = (median(apalis_runs), median(ours_runs));
        println!("| apalis 1.0.0 + apalis-redis 1.0.0 (batch_size 10) | {k} | {ITEMS} | {a:.0} |");
        println!("| tokio-taskpool-redis | {k} | {ITEMS} | {o:.0} |");
        println!("| ratio (ours / apalis) | {k} | | {:.2}x |", o / a);
    }
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(|a, b| a.total_cmp(b));
    runs[runs.len() / 2]
}

async fn apalis_once(url: &str, queue: &str, k: usize) -> f64 {
    let conn = apalis_redis::connect(url).await.expect("apalis connects");
    let mut storage = RedisStorage::new(conn).with_config(Config::default().queue(queue));
    for chunk in vec![PAYLOAD.to_owned(); ITEMS].chunks(500) {
        storage.push_bulk(chunk.to_vec()).await.expect("apalis pushes");
    }
    let done = Arc::new(AtomicUsize::new(0));
    let counter = done.clone();
    let start = Instant::now();
    let worker = WorkerBuilder::new(format!("{queue}-worker"))
        .backend(storage)
        .concurrency(k)
        .data(counter)
        .build(|_item: String, done: Data<Arc<AtomicUsize>>, worker: WorkerContext| async move {
            if done.fetch_add(1, Ordering::SeqCst) + 1 == ITEMS {
                let _ = worker.stop();
            }
            Ok::<(), BoxDynError>(())
        });
    tokio::time::timeout(Duration::from_secs(300), worker.run()).await.expect("apalis finishes").ok();
    let elapsed = start.elapsed();
    assert_eq!(done.load(Ordering::SeqCst), ITEMS, "apalis ran every job");
    ITEMS as f64 / elapsed.as_secs_f64()
}

async fn ours_once(url: &str, queue: &str, k: usize) -> f64 {
    let queue = RedisQueue::connect(url, queue).await.expect("connects");
    let items = vec![PAYLOAD; 500];
    for _ in 0..ITEMS / 500 {
        queue.push_many(&items).await.expect("pushes");
    }
    let pool = TaskPool::new();
    let start = Instant::now();
    let mut consumer = queue
        .consume(&pool, |_item: String| async { Ok::<_, std::convert::Infallible>(()) })
        .num_concurrent(k)
        .block(Duration::from_millis(100))
        .start()
        .await
        .expect("starts");
    consumer.discard_results();
    while consumer.stats().acked < ITEMS as u64 {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let elapsed = start.elapsed();
    consumer.stop(Duration::from_secs(5)).await;
    ITEMS as f64 / elapsed.as_secs_f64()
}
