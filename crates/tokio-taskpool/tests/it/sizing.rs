use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::TaskPool;

use crate::support::settle;

/// Counts how many tasks run at once and remembers the peak since the last reset.
#[derive(Clone, Default)]
struct Concurrency {
    now: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Concurrency {
    async fn run(&self, secs: u64) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        sleep(Duration::from_secs(secs)).await;
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    fn reset_peak(&self) {
        self.peak.store(self.now.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }
}

#[tokio::test(start_paused = true)]
async fn pool_size_reports_the_limit_not_the_free_room() {
    let pool = TaskPool::builder().pool_size(5).build();
    pool.apply(pending::<()>).num(3).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 3);
    assert_eq!(pool.pool_size(), Some(5));
    assert!(!pool.is_full());
    pool.apply(pending::<()>).num(2).start().unwrap();
    settle().await;
    assert!(pool.is_full());
    assert_eq!(pool.pool_size(), Some(5));
}

#[tokio::test(start_paused = true)]
async fn limit_holds_across_groups() {
    let pool = TaskPool::builder().pool_size(3).build();
    let c = Concurrency::default();
    for _ in 0..4 {
        let c = c.clone();
        pool.map(
            move |s: u64| {
                let c = c.clone();
                async move { c.run(s).await }
            },
            [1, 2, 3, 1, 2],
        )
        .num_concurrent(2)
        .start()
        .unwrap();
    }
    pool.gather_and_close().await;
    assert_eq!(c.peak(), 3);
    assert_eq!(pool.num_ended(), 20);
}

#[tokio::test(start_paused = true)]
async fn lowering_below_running_cancels_nothing_and_replaces_nothing_until_under() {
    let pool = TaskPool::builder().pool_size(5).build();
    let c = Concurrency::default();
    let c2 = c.clone();
    // The first five last 11, 12, 13, 14 and 10 s, so they end one by one.
    pool.map(
        move |s: u64| {
            let c = c2.clone();
            async move { c.run(s).await }
        },
        (1..=20).map(|i| 10 + i % 5),
    )
    .num_concurrent(20)
    .start()
    .unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 5);
    sleep(Duration::from_secs(1)).await;
    pool.set_pool_size(2);
    assert_eq!(pool.pool_size(), Some(2));
    assert_eq!(pool.num_running(), 5, "nothing is cancelled by a shrink");
    // Sample at t = 10.5, 11.5, 12.5, 13.5: ends at 10, 11, 12 are not
    // replaced; the end at 13 leaves 1 running, so one new task starts.
    sleep(Duration::from_millis(9500)).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(pool.num_running());
        sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(seen, [4, 3, 2, 2]);
    c.reset_peak();
    pool.gather_and_close().await;
    assert_eq!(c.peak(), 2);
    assert_eq!((pool.num_ended(), pool.num_cancelled()), (20, 0));
}

#[tokio::test(start_paused = true)]
async fn after_shrink_the_limit_is_exactly_the_new_value() {
    let pool = TaskPool::builder().pool_size(5).build();
    let c = Concurrency::default();
    let c2 = c.clone();
    pool.map(
        move |s: u64| {
            let c = c2.clone();
            async move { c.run(s).await }
        },
        std::iter::repeat_n(3, 30),
    )
    .num_concurrent(30)
    .start()
    .unwrap();
    settle().await;
    pool.set_pool_size(2);
    // The first five end at t=3; from then on exactly two run at a time.
    sleep(Duration::from_millis(3500)).await;
    c.reset_peak();
    assert_eq!(pool.num_running(), 2);
    pool.gather_and_close().await;
    assert_eq!(c.peak(), 2, "the shrink left an effective limit other than 2");
    assert_eq!(pool.num_ended(), 30);
}

#[tokio::test(start_paused = true)]
async fn raising_starts_waiting_tasks_at_once() {
    let pool = TaskPool::builder().pool_size(1).build();
    pool.apply(pending::<()>).num(4).start().unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (1, 3));
    pool.set_pool_size(4);
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (4, 0));
}

#[tokio::test(start_paused = true)]
async fn size_zero_pauses_new_starts_and_raising_resumes() {
    let pool = TaskPool::builder().pool_size(3).build();
    let group = pool.map(|_: u32| sleep(Duration::from_secs(1)), 0..9).num_concurrent(9).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 3);
    pool.set_pool_size(0);
    sleep(Duration::from_millis(1500)).await;
    assert_eq!((pool.num_running(), pool.num_ended()), (0, 3), "nothing started while the size was 0");
    sleep(Duration::from_secs(10)).await;
    assert_eq!(pool.num_ended(), 3);
    assert_eq!(pool.num_waiting(), 1, "the map holds one item waiting for room");
    pool.set_pool_size(3);
    settle().await;
    assert_eq!(pool.num_running(), 3);
    assert_eq!(group.collect_all().await.len(), 9);
}

#[tokio::test(start_paused = true)]
async fn from_unlimited_to_a_limit_below_running() {
    let pool = TaskPool::new();
    let c = Concurrency::default();
    let c2 = c.clone();
    pool.map(
        move |s: u64| {
            let c = c2.clone();
            async move { c.run(s).await }
        },
        std::iter::repeat_n(2, 12),
    )
    .num_concurrent(6)
    .start()
    .unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 6);
    pool.set_pool_size(3);
    sleep(Duration::from_millis(2500)).await;
    c.reset_peak();
    pool.gather_and_close().await;
    assert_eq!(c.peak(), 3);
    pool.set_pool_size(None);
    assert_eq!(pool.pool_size(), None);
}

#[tokio::test(start_paused = true)]
async fn shrink_then_grow_back_pays_the_debt_first() {
    let pool = TaskPool::builder().pool_size(4).build();
    pool.apply(pending::<()>).num(8).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 4);
    pool.set_pool_size(1); // 3 over the limit
    pool.set_pool_size(3); // still 1 over: nothing may start
    settle().await;
    assert_eq!(pool.num_running(), 4);
    pool.set_pool_size(6); // 2 free places now
    settle().await;
    assert_eq!(pool.num_running(), 6);
    assert!(pool.is_full());
}

/// Sizes from outside (a control client, a config file) can be huge; none
/// may panic inside tokio or wrap a counter.
#[tokio::test(start_paused = true)]
async fn huge_requests_neither_panic_nor_overflow() {
    let pool = TaskPool::builder().pool_size(2).build();
    // More slots than tokio's semaphore can hold: unlimited in effect.
    let group =
        pool.map(|_: u32| std::future::pending::<()>(), 0..10).num_concurrent(usize::MAX).start().unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 1));
    group.cancel();
    let workers = tokio_taskpool::SimpleTaskPool::builder(std::future::pending::<()>).pool_size(0).build();
    workers.start(usize::MAX).unwrap();
    workers.start(3).unwrap();
    assert_eq!(workers.num_waiting(), usize::MAX, "saturates instead of wrapping to 2");
    assert!(workers.stop_all().is_empty());
    assert_eq!(workers.num_waiting(), 0, "every pending start withdrawn");
    workers.set_pool_size(None);
    settle().await;
    assert_eq!(workers.num_running(), 0, "withdrawn starts never start");
}

#[tokio::test(start_paused = true)]
async fn set_pool_size_takes_a_number_or_none() {
    let pool = TaskPool::new();
    pool.set_pool_size(4);
    assert_eq!(pool.pool_size(), Some(4));
    pool.set_pool_size(None);
    assert_eq!(pool.pool_size(), None);
}
