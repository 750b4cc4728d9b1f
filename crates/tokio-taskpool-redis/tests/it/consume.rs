//! Items pushed are handled as tasks of a group of the pool: results and
//! failures reach the pool's callbacks and the group's handle, the pool's
//! limit holds, and cancel and graceful stop work as for local work.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

use crate::redis_server::RedisServer;
use crate::support::{init_logging, wait_for, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_items_become_tasks_whose_results_and_failures_reach_the_pool() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "consume").await.unwrap();
    let jobs: Vec<Job> = (0..200).map(|n| Job { n, ms: n % 5 }).collect();
    let ids = queue.push_many(&jobs).await.unwrap();
    assert_eq!(ids.len(), 200);
    queue.push(&Job { n: 200, ms: 0 }).await.unwrap();

    let pool = TaskPool::builder().name("consume").pool_size(4).build();
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let ended = Arc::new(AtomicUsize::new(0));
    let (r, m, e) = (running.clone(), most.clone(), ended.clone());
    let mut consumer = queue
        .consume(&pool, move |job: Job| {
            let (running, most) = (r.clone(), m.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                running.fetch_sub(1, Ordering::SeqCst);
                if job.n % 10 == 7 {
                    Err(format!("job {} fails", job.n))
                } else {
                    Ok(job.n * 2)
                }
            }
        })
        .group("doubler")
        .num_concurrent(8)
        .max_deliveries(1)
        .on_end(move |_id| {
            let ended = e.clone();
            async move {
                ended.fetch_add(1, Ordering::SeqCst);
            }
        })
        .start()
        .await
        .unwrap();
    assert_eq!(consumer.group(), "doubler");
    assert!(pool.status().groups.iter().any(|g| g.name == "doubler"), "the consumer is a group of the pool");

    let mut doubled = HashSet::new();
    let mut failures = 0;
    for _ in 0..201 {
        let output = tokio::time::timeout(Duration::from_secs(20), consumer.next())
            .await
            .expect("every item's result arrives")
            .expect("the group is alive");
        match output.result.expect("no task panics or is cancelled") {
            Ok(value) => assert!(doubled.insert(value)),
            Err(message) => {
                assert!(message.ends_with("7 fails"), "{message}");
                failures += 1;
            }
        }
    }
    assert_eq!((doubled.len(), failures), (181, 20));
    assert!(doubled.contains(&400));
    assert!(
        most.load(Ordering::SeqCst) <= 4,
        "the pool's limit of 4 held, saw {}",
        most.load(Ordering::SeqCst)
    );
    wait_for("on_end ran for all 201 tasks", Duration::from_secs(10), || {
        let ended = ended.clone();
        async move { ended.load(Ordering::SeqCst) == 201 }
    })
    .await;
    let stats = consumer.stats();
    assert_eq!((stats.read, stats.acked, stats.dead_lettered, stats.retried), (201, 181, 20, 0));
    assert_eq!(
        queue.dead_letters(100).await.unwrap().len(),
        20,
        "max_deliveries(1): failures go straight to the dead letters"
    );

    let stop = consumer.stop(Duration::from_secs(5)).await;
    assert_eq!(stop.left_pending, Some(0));
    assert!(stop.removed_consumer);
    assert_eq!(
        server.cli(&["XINFO", "CONSUMERS", "taskpool:{consume}:stream", "taskpool"]),
        "",
        "the consumer left the group"
    );
    assert_eq!(queue.len().await.unwrap(), 0, "settled entries are deleted");
    assert_eq!(pool.num_ended(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_leaves_unfinished_entries_pending_and_a_cancelled_task_is_delivered_again() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "stopping").await.unwrap();
    queue
        .push_many(&[Job { n: 1, ms: 60_000 }, Job { n: 2, ms: 60_000 }, Job { n: 3, ms: 0 }])
        .await
        .unwrap();

    let pool = TaskPool::builder().name("stopping").build();
    let started = Arc::new(Mutex::new(Vec::new()));
    let s = started.clone();
    let consumer = queue
        .consume(&pool, move |job: Job| {
            let started = s.clone();
            async move {
                started.lock().unwrap().push(job.n);
                tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                Ok::<_, String>(())
            }
        })
        .num_concurrent(3)
        .min_idle(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    wait_for("three tasks started", Duration::from_secs(10), || {
        let started = started.clone();
        async move { started.lock().unwrap().len() == 3 }
    })
    .await;
    wait_for("job 3 acked", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.num_pending().await.unwrap() == 2 }
    })
    .await;

    // Cancelling a task leaves its entry pending, unleased: the consumer
    // itself takes it over again once idle for min_idle.
    let first = pool.running_tasks().into_iter().map(|t| t.id).min().unwrap();
    pool.cancel(&[first]).unwrap();
    wait_for("the cancelled task's entry delivered again", Duration::from_secs(10), || {
        let started = started.clone();
        async move { started.lock().unwrap().len() == 4 }
    })
    .await;
    assert!(consumer.stats().taken_over >= 1);

    let stop = consumer.stop(Duration::from_millis(200)).await;
    assert_eq!(
        stop.left_pending,
        Some(2),
        "the two long tasks were cancelled at the deadline and stay pending"
    );
    assert!(!stop.removed_consumer, "a consumer with pending entries stays in the group for takeover");
    assert_eq!(pool.num_running(), 0);
    assert_eq!(queue.num_pending().await.unwrap(), 2);
}
