//! Redis killed and started again mid-run, with append-only persistence:
//! the consumers reconnect, the producer's acknowledged pushes are all
//! handled, and nothing is left pending.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

use crate::redis_server::{RedisServer, ServerOptions};
use crate::support::{init_logging, wait_for, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_and_producer_ride_out_a_redis_restart() {
    init_logging();
    let server = Arc::new(Mutex::new(RedisServer::start_with(ServerOptions {
        append_only: true,
        ..ServerOptions::default()
    })));
    let url = server.lock().unwrap().url();
    let queue = RedisQueue::connect(&url, "restart").await.unwrap();
    let handled = Arc::new(Mutex::new(HashSet::new()));
    let mut consumers = Vec::new();
    for name in ["a", "b"] {
        let pool = TaskPool::builder().name(name).build();
        let handled = handled.clone();
        let consumer = queue
            .consume(&pool, move |job: Job| {
                let handled = handled.clone();
                async move {
                    tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                    handled.lock().unwrap().insert(job.n);
                    Ok::<_, String>(())
                }
            })
            .num_concurrent(8)
            .min_idle(Duration::from_secs(2))
            .block(Duration::from_millis(200))
            .start()
            .await
            .unwrap();
        consumers.push(consumer);
    }

    // The producer pushes 40 batches of 25, one every 10 ms, across the
    // restart; the jobs of every batch whose push returned Ok must run.
    let producer_queue = queue.clone();
    let producer = tokio::spawn(async move {
        let mut acknowledged = Vec::new();
        let mut refused = 0;
        for batch in 0..40u32 {
            let jobs: Vec<Job> = (batch * 25..batch * 25 + 25).map(|n| Job { n, ms: 3 }).collect();
            match producer_queue.push_many(&jobs).await {
                Ok(_) => acknowledged.extend(jobs.iter().map(|j| j.n)),
                Err(_) => refused += 1,
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (acknowledged, refused)
    });

    wait_for("some jobs handled before the restart", Duration::from_secs(10), || {
        let handled = handled.clone();
        async move { handled.lock().unwrap().len() >= 150 }
    })
    .await;
    let restarting = server.clone();
    let down = Instant::now();
    tokio::task::spawn_blocking(move || restarting.lock().unwrap().restart(Duration::from_millis(700)))
        .await
        .unwrap();
    let downtime = down.elapsed();

    let (acknowledged, refused) = producer.await.unwrap();
    assert!(
        acknowledged.len() >= 900,
        "most pushes got through ({} jobs, {refused} batches refused)",
        acknowledged.len()
    );
    wait_for("every acknowledged push handled and acked", Duration::from_secs(30), || {
        let (queue, handled, acknowledged) = (queue.clone(), handled.clone(), acknowledged.clone());
        async move {
            let all_handled = acknowledged.iter().all(|n| handled.lock().unwrap().contains(n));
            all_handled && queue.num_pending().await.unwrap_or(1) == 0 && queue.len().await.unwrap_or(1) == 0
        }
    })
    .await;
    let reads_after: u64 = consumers.iter().map(|c| c.stats().read).sum();
    assert!(reads_after >= acknowledged.len() as u64);
    for consumer in consumers {
        let stop = consumer.stop(Duration::from_secs(5)).await;
        assert_eq!(stop.left_pending, Some(0));
    }
    eprintln!(
        "redis was down for {downtime:?}; {} jobs acknowledged, {refused} batches refused",
        acknowledged.len()
    );
}
