//! Failures are retried after an exponential backoff; entries that fail on
//! every delivery end in the dead-letter stream with their last error, and
//! re-queued dead letters are handled.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::{Backoff, RedisQueue};

use crate::redis_server::RedisServer;
use crate::support::{init_logging, wait_for, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_back_off_then_dead_letter_and_requeued_dead_letters_run() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "retries").await.unwrap();
    // Jobs 0..3 always fail, 3..6 fail once, 6..10 succeed; job 9 panics
    // on its first delivery.
    let jobs: Vec<Job> = (0..10).map(|n| Job { n, ms: 0 }).collect();
    queue.push_many(&jobs).await.unwrap();

    let attempts: Arc<Mutex<HashMap<u32, Vec<Instant>>>> = Arc::default();
    let healed = Arc::new(AtomicBool::new(false));
    let pool = TaskPool::builder().name("retries").build();
    let (a, h) = (attempts.clone(), healed.clone());
    let consumer = queue
        .consume(&pool, move |job: Job| {
            let (attempts, healed) = (a.clone(), h.clone());
            async move {
                let tries = {
                    let mut attempts = attempts.lock().unwrap();
                    let list = attempts.entry(job.n).or_default();
                    list.push(Instant::now());
                    list.len()
                };
                match job.n {
                    0..3 if !healed.load(Ordering::SeqCst) => Err(format!("job {} always fails", job.n)),
                    3..6 if tries == 1 => Err(format!("job {} fails once", job.n)),
                    9 if tries == 1 => panic!("job 9 panics once"),
                    _ => Ok(job.n),
                }
            }
        })
        .num_concurrent(10)
        .max_deliveries(3)
        .retry_backoff(Backoff::new(Duration::from_millis(200), Duration::from_millis(300)))
        .retry_poll(Duration::from_millis(20))
        .block(Duration::from_millis(50))
        .start()
        .await
        .unwrap();

    wait_for("3 dead letters", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.dead_letters(10).await.unwrap().len() == 3 }
    })
    .await;
    wait_for("every other job done", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.is_empty().await.unwrap() && queue.num_delayed().await.unwrap() == 0 }
    })
    .await;

    let attempts_now = attempts.lock().unwrap().clone();
    for n in 0..3 {
        let times = &attempts_now[&n];
        assert_eq!(times.len(), 3, "job {n} had max_deliveries deliveries");
        let (first, second) = (times[1] - times[0], times[2] - times[1]);
        // 200 ms, then doubled to 400 ms but capped at 300 ms; the mover
        // polls every ~20 ms, reads block 50 ms.
        assert!(
            first >= Duration::from_millis(200) && first < Duration::from_millis(700),
            "job {n}: first backoff {first:?}"
        );
        assert!(
            second >= Duration::from_millis(300) && second < Duration::from_millis(800),
            "job {n}: second backoff {second:?}"
        );
    }
    for n in [3, 4, 5, 9] {
        assert_eq!(attempts_now[&n].len(), 2, "job {n} failed once, then succeeded");
    }
    for n in 6..9 {
        assert_eq!(attempts_now[&n].len(), 1, "job {n} ran once");
    }

    let dead = queue.dead_letters(10).await.unwrap();
    let mut dead_jobs: Vec<(Job, String, u32)> = dead
        .iter()
        .map(|d| (serde_json::from_str::<Job>(&d.item).unwrap(), d.error.clone(), d.deliveries))
        .collect();
    dead_jobs.sort_by_key(|(job, ..)| job.n);
    assert_eq!(
        dead_jobs,
        (0..3).map(|n| (Job { n, ms: 0 }, format!("job {n} always fails"), 3)).collect::<Vec<_>>(),
        "the dead letters are exactly the jobs that always fail, with their last error"
    );
    assert!(dead.iter().all(|d| d.consumer == consumer.name()));
    assert_eq!(pool.num_failed(), 1, "the panic reached the pool as a failure");
    let stats = consumer.stats();
    assert_eq!((stats.retried, stats.dead_lettered, stats.acked), (6 + 4, 3, 7));

    healed.store(true, Ordering::SeqCst);
    for d in &dead {
        assert!(queue.requeue_dead_letter(&d.id).await.unwrap());
    }
    assert!(!queue.requeue_dead_letter(&dead[0].id).await.unwrap(), "a dead letter is re-queued once");
    wait_for("the re-queued jobs done", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.is_empty().await.unwrap() }
    })
    .await;
    assert!(queue.dead_letters(10).await.unwrap().is_empty());
    for n in 0..3 {
        assert_eq!(attempts.lock().unwrap()[&n].len(), 4, "job {n} ran again once re-queued");
    }
    consumer.stop(Duration::from_secs(5)).await;
}
