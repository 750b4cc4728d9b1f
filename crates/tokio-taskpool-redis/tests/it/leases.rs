//! A task that runs longer than `min_idle` keeps its entry: its consumer
//! refreshes the lease, so no other consumer takes it over while it lives.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

use crate::redis_server::RedisServer;
use crate::support::{init_logging, wait_for, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_three_times_longer_than_min_idle_is_handled_once() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "long").await.unwrap();
    let min_idle = Duration::from_millis(600);
    let handled = Arc::new(AtomicUsize::new(0));
    let mut consumers = Vec::new();
    // Two processes' worth of consumers; whichever reads the entry, the
    // other looks for idle entries to take over every ~300 ms.
    for name in ["first", "second"] {
        let pool = TaskPool::builder().name(name).build();
        let handled = handled.clone();
        let consumer = queue
            .consume(&pool, move |job: Job| {
                let handled = handled.clone();
                async move {
                    handled.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                    Ok::<_, String>(())
                }
            })
            .num_concurrent(2)
            .min_idle(min_idle)
            .block(Duration::from_millis(50))
            .start()
            .await
            .unwrap();
        consumers.push(consumer);
    }
    queue.push(&Job { n: 1, ms: 3 * min_idle.as_millis() as u32 + 200 }).await.unwrap();
    wait_for("the long task acked", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.is_empty().await.unwrap() }
    })
    .await;
    assert_eq!(handled.load(Ordering::SeqCst), 1, "the long task ran once");
    for consumer in consumers {
        let stats = consumer.stats();
        assert_eq!((stats.taken_over, stats.leases_lost), (0, 0), "{}", consumer.name());
        consumer.stop(Duration::from_secs(5)).await;
    }
}
