use std::future::pending;
use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_taskpool::{SimpleTaskPool, SpawnError, TaskPool};

use crate::support::{ids, secs_since, settle};

#[tokio::test(start_paused = true)]
async fn gather_and_close_waits_for_every_task_and_callback_then_closes() {
    let pool = TaskPool::builder().name("g").pool_size(2).build();
    let start = Instant::now();
    pool.apply(|| sleep(Duration::from_secs(1)))
        .num(4)
        .on_end(|_| sleep(Duration::from_secs(1)))
        .start()
        .unwrap();
    let report = pool.gather_and_close().await;
    // Two rounds of 1 s tasks (room is freed before on_end), the last on_end ends at 3 s.
    assert_eq!(secs_since(start), 3.0);
    assert!(report.is_clean());
    assert!(pool.is_closed() && pool.is_locked());
    assert_eq!(pool.num_ended(), 4);
    let err = pool.apply(|| async {}).start().unwrap_err();
    assert_eq!(err, SpawnError::PoolIsClosed { pool: "TaskPool-g".into() });
    assert_eq!(err.to_string(), "TaskPool-g is closed");
    pool.unlock();
    assert!(pool.apply(|| async {}).start().is_err(), "a closed pool stays closed");
}

#[tokio::test(start_paused = true)]
async fn gather_and_close_reports_failures() {
    let pool = TaskPool::new();
    pool.map(|i: u32| async move { assert!(i != 2, "two is not allowed") }, 0..4).start().unwrap();
    let report = pool.gather_and_close().await;
    assert_eq!(report.num_failed(), 1);
    assert_eq!(report.failures()[0].message, "two is not allowed");
}

#[tokio::test(start_paused = true)]
async fn flush_waits_for_callbacks_of_ended_tasks_but_not_for_running_tasks() {
    let pool = TaskPool::new();
    let start = Instant::now();
    pool.apply(|| async {}).on_end(|_| sleep(Duration::from_secs(2))).start().unwrap();
    pool.apply(pending::<()>).start().unwrap();
    settle().await;
    pool.flush().await;
    assert_eq!(secs_since(start), 2.0);
    assert_eq!(pool.num_running(), 1);
    assert_eq!(pool.num_ended(), 1);
}

#[tokio::test(start_paused = true)]
async fn flush_keeps_counts_and_forgets_failures_it_reported() {
    let pool = TaskPool::new();
    pool.apply(|| async { panic!("once") }).start().unwrap();
    settle().await;
    let first = pool.flush().await;
    assert_eq!(first.num_failed(), 1);
    let second = pool.flush().await;
    assert!(second.is_clean(), "a flushed failure is not reported twice");
    assert_eq!((pool.num_failed(), pool.num_ended()), (1, 1), "counts are since the pool was made");
}

#[tokio::test(start_paused = true)]
async fn until_closed_resolves_when_the_pool_closes() {
    let pool = SimpleTaskPool::new(|| sleep(Duration::from_secs(3)));
    pool.start(1).unwrap();
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move {
            pool.until_closed().await;
            Instant::now()
        }
    });
    let start = Instant::now();
    pool.gather_and_close().await;
    let closed_at = waiter.await.unwrap();
    assert_eq!((closed_at - start).as_secs(), 3);
}

#[tokio::test(start_paused = true)]
async fn graceful_stop_signals_waits_then_drops_the_rest() {
    let pool = TaskPool::builder().pool_size(3).build();
    // Two cooperative tasks that take 1 s to wind down, one that ignores the
    // signal, and queued starts that must never start.
    pool.apply(|| async {
        tokio_taskpool::current::stop_requested().await;
        sleep(Duration::from_secs(1)).await;
    })
    .num(2)
    .start()
    .unwrap();
    pool.apply(pending::<()>).num(5).start().unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (3, 4));
    let start = Instant::now();
    let stop = pool.stop_gracefully(Duration::from_secs(5)).await;
    assert_eq!(secs_since(start), 5.0);
    assert_eq!(stop.stopped_in_time(), 2);
    assert_eq!(stop.dropped(), ids(&[2]));
    pool.flush().await;
    assert_eq!(
        (pool.num_running(), pool.num_waiting(), pool.num_ended(), pool.num_cancelled()),
        (0, 0, 3, 1)
    );
    // The pool stays usable, with a fresh signal for new groups.
    let group = pool
        .apply(|| async { tokio_taskpool::current::stop_token().unwrap().is_cancelled() })
        .start()
        .unwrap();
    let out = group.collect_all().await;
    assert!(!out[0].result.as_ref().unwrap());
}

#[tokio::test(start_paused = true)]
async fn graceful_stop_returns_early_when_all_tasks_stop() {
    let pool = TaskPool::new();
    pool.apply(tokio_taskpool::current::stop_requested).num(3).start().unwrap();
    settle().await;
    let start = Instant::now();
    let stop = pool.stop_gracefully(Duration::from_secs(60)).await;
    assert_eq!(secs_since(start), 0.0);
    assert_eq!((stop.stopped_in_time(), stop.dropped().len()), (3, 0));
}

#[tokio::test(start_paused = true)]
async fn close_refuses_new_groups_at_once_and_until_closed_waits_for_the_rest() {
    let pool = TaskPool::builder().name("c").pool_size(1).build();
    let start = Instant::now();
    pool.apply(|| sleep(Duration::from_secs(1))).num(3).start().unwrap();
    pool.close();
    let err = pool.map(|x: u8| async move { x }, [1]).start().unwrap_err();
    assert_eq!(err, SpawnError::PoolIsClosed { pool: "TaskPool-c".into() });
    assert!(!pool.is_closed(), "closing: its group still runs");
    pool.until_closed().await;
    assert_eq!(secs_since(start), 3.0, "the queued starts of the open group still ran");
    assert!(pool.is_closed());
    assert_eq!(pool.num_ended(), 3);
}

/// `gather_and_close` waits for tasks that never end; a graceful stop
/// first bounds the shutdown and names what it dropped.
#[tokio::test(start_paused = true)]
async fn a_shutdown_with_a_task_that_never_ends_is_bounded_by_a_graceful_stop() {
    let pool = TaskPool::new();
    let heartbeat = pool.apply(pending::<()>).group("heartbeat").start().unwrap();
    pool.apply(|| async {
        tokio_taskpool::current::stop_requested().await;
        sleep(Duration::from_secs(1)).await;
    })
    .num(2)
    .start()
    .unwrap();
    settle().await;
    let start = Instant::now();
    pool.close();
    let stop = pool.stop_gracefully(Duration::from_secs(5)).await;
    let report = pool.gather_and_close().await;
    assert_eq!(secs_since(start), 5.0);
    assert_eq!((stop.stopped_in_time(), stop.dropped()), (2, &ids(&[0])[..]));
    assert!(report.is_clean() && pool.is_closed());
    assert!(heartbeat.collect_all().await[0].result.as_ref().unwrap_err().is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn a_dropped_gather_and_close_leaves_the_pool_closed_and_its_tasks_running() {
    let pool = TaskPool::new();
    pool.apply(|| sleep(Duration::from_secs(10))).start().unwrap();
    settle().await;
    let gather = tokio::time::timeout(Duration::from_secs(1), pool.gather_and_close()).await;
    assert!(gather.is_err(), "timed out");
    assert!(matches!(pool.apply(|| async {}).start(), Err(SpawnError::PoolIsClosed { .. })));
    assert_eq!(pool.num_running(), 1);
    pool.until_closed().await;
    assert_eq!(pool.num_ended(), 1);
}
