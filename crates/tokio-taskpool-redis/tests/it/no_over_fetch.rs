//! A consumer reads only as many entries as it has free places: room under
//! the pool's limit and the group's `num_concurrent`, none while the pool
//! is locked or its limit lowered; what it cannot start stays in Redis for
//! the others.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::{QueueConsumer, RedisQueue};

use crate::redis_server::RedisServer;
use crate::support::{init_logging, wait_for, Job};

/// A consumer whose tasks sleep for the job's time and count themselves.
async fn sleeper(
    queue: &RedisQueue,
    pool: &TaskPool,
    num_concurrent: usize,
    done: Arc<AtomicUsize>,
) -> QueueConsumer<Result<(), String>> {
    queue
        .consume(pool, move |job: Job| {
            let done = done.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                done.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(())
            }
        })
        .num_concurrent(num_concurrent)
        .block(Duration::from_millis(100))
        .start()
        .await
        .unwrap()
}

/// The entries Redis says `consumer` holds.
fn pending_of(server: &RedisServer, stream: &str, consumer: &str) -> u64 {
    let out = server.cli(&["XPENDING", stream, "taskpool", "-", "+", "1000", consumer]);
    out.lines().filter(|line| line.contains('-') && !line.contains('/')).count() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_process_reads_no_more_than_its_free_places_and_leaves_the_rest() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "fetch").await.unwrap();
    let stream = queue.keys().stream().to_owned();
    let jobs: Vec<Job> = (0..60).map(|n| Job { n, ms: 80 }).collect();
    queue.push_many(&jobs).await.unwrap();

    // Two "processes": one limited by its pool (3), one by its group (2).
    let done = Arc::new(AtomicUsize::new(0));
    let pool_a = TaskPool::builder().name("a").pool_size(3).build();
    let pool_b = TaskPool::builder().name("b").build();
    let a = sleeper(&queue, &pool_a, 10, done.clone()).await;
    let b = sleeper(&queue, &pool_b, 2, done.clone()).await;

    let mut samples = 0;
    while done.load(Ordering::SeqCst) < 60 {
        let (held_a, held_b) =
            (pending_of(&server, &stream, a.name()), pending_of(&server, &stream, b.name()));
        assert!(held_a <= 3, "the consumer of a pool of 3 holds {held_a} entries in Redis");
        assert!(held_b <= 2, "the consumer of a group of 2 holds {held_b} entries in Redis");
        assert!(a.num_held() <= 3 && b.num_held() <= 2);
        let waiting = queue.len().await.unwrap() - queue.num_pending().await.unwrap();
        if done.load(Ordering::SeqCst) < 50 {
            assert!(
                waiting > 0 || done.load(Ordering::SeqCst) > 50,
                "entries neither consumer can start stay unread"
            );
        }
        samples += 1;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(samples > 10, "sampled while running ({samples} samples)");
    let (sa, sb) = (a.stats(), b.stats());
    assert_eq!(sa.read + sb.read, 60);
    assert!(sa.read > 0 && sb.read > 0, "both processes took part: {} and {}", sa.read, sb.read);
    assert_eq!(
        (sa.max_held, sb.max_held),
        (3, 2),
        "each held at most, and at some point exactly, its free places"
    );
    a.stop(Duration::from_secs(5)).await;
    b.stop(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_pool_or_a_lowered_limit_reads_nothing_more() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "locked").await.unwrap();
    let stream = queue.keys().stream().to_owned();
    let done = Arc::new(AtomicUsize::new(0));
    let pool = TaskPool::builder().name("locked").pool_size(4).build();
    let consumer = sleeper(&queue, &pool, 4, done.clone()).await;

    queue.push_many(&(0..4).map(|n| Job { n, ms: 10 }).collect::<Vec<_>>()).await.unwrap();
    wait_for("4 jobs done", Duration::from_secs(10), || {
        let done = done.clone();
        async move { done.load(Ordering::SeqCst) == 4 }
    })
    .await;

    // The reader is blocked in a read that asked for 4: the lock must cut
    // it short (the reader looks at the pool every 5 ms while blocked).
    pool.lock();
    tokio::time::sleep(Duration::from_millis(30)).await;
    queue.push_many(&(4..10).map(|n| Job { n, ms: 10 }).collect::<Vec<_>>()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(pending_of(&server, &stream, consumer.name()), 0, "a locked pool reads nothing");
    assert_eq!((done.load(Ordering::SeqCst), consumer.stats().read), (4, 4));

    pool.set_pool_size(0);
    pool.unlock();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(consumer.stats().read, 4, "a pool shrunk to 0 reads nothing");

    pool.set_pool_size(2);
    wait_for("the 6 others done after the limit was raised", Duration::from_secs(10), || {
        let done = done.clone();
        async move { done.load(Ordering::SeqCst) == 10 }
    })
    .await;
    assert!(consumer.stats().max_held <= 4);
    let stop = consumer.stop(Duration::from_secs(5)).await;
    assert_eq!(stop.left_pending, Some(0));
}
