use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{SimpleTaskPool, SpawnError};

use crate::support::{ids, settle};

#[tokio::test(start_paused = true)]
async fn stop_cancels_running_workers_newest_first() {
    let pool = SimpleTaskPool::new(pending::<()>);
    pool.start(3).unwrap();
    settle().await;
    pool.start(2).unwrap();
    settle().await;
    assert_eq!(pool.stop(3), ids(&[4, 3, 2]));
    assert_eq!(pool.stop(1), ids(&[1]));
    assert_eq!(pool.num_running(), 1);
    assert_eq!(pool.stop_all(), ids(&[0]));
    assert_eq!(pool.stop(2), ids(&[]), "stopping more than there are is fine");
}

#[tokio::test(start_paused = true)]
async fn stop_withdraws_pending_starts_first() {
    let pool = SimpleTaskPool::builder(pending::<()>).pool_size(2).build();
    pool.start(5).unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 3));
    assert_eq!(pool.stop(2), ids(&[]), "two pending starts withdrawn, nothing cancelled");
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 1));
    assert_eq!(pool.stop(2), ids(&[1]), "the last pending start, then the newest worker");
    sleep(Duration::from_secs(1)).await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (1, 0), "the pool did not refill");
}

#[tokio::test(start_paused = true)]
async fn stopped_workers_are_not_replaced_and_started_ones_can_be_added_again() {
    let made = Arc::new(AtomicUsize::new(0));
    let m = made.clone();
    let pool = SimpleTaskPool::builder(move || {
        m.fetch_add(1, Ordering::SeqCst);
        pending::<()>()
    })
    .pool_size(3)
    .build();
    pool.start(3).unwrap();
    settle().await;
    pool.stop(2);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(made.load(Ordering::SeqCst), 3);
    pool.start(4).unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn start_on_a_locked_or_closed_pool_is_refused() {
    let pool = SimpleTaskPool::builder(|| async {}).name("w").build();
    pool.lock();
    assert_eq!(pool.start(1).unwrap_err(), SpawnError::PoolIsLocked { pool: "SimpleTaskPool-w".into() });
    pool.unlock();
    pool.gather_and_close().await;
    assert_eq!(pool.start(1).unwrap_err(), SpawnError::PoolIsClosed { pool: "SimpleTaskPool-w".into() });
}

#[test]
#[should_panic(expected = "start(0)")]
fn start_zero_panics() {
    let pool = SimpleTaskPool::new(|| async {});
    let _ = pool.start(0);
}
