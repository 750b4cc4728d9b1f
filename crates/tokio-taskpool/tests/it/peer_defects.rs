//! One test per known defect of Python's asyncio-taskpool 1.2.0 (the library
//! this crate carries into Rust) that concerns the pool itself, numbered as
//! the defects were numbered when they were collected; each test's name
//! says what this pool does where the Python library goes wrong. Defects 9 and 10 concern the
//! control server and are tested with it.

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

use crate::support::{ids, settle};

#[tokio::test(start_paused = true)]
async fn defect_01_pool_size_is_the_configured_limit() {
    let pool = TaskPool::builder().pool_size(5).build();
    pool.apply(pending::<()>).num(3).start().unwrap();
    settle().await;
    assert_eq!(pool.pool_size(), Some(5));
    let status = pool.status();
    assert_eq!((status.pool_size, status.running, status.waiting), (Some(5), 3, 0));
}

#[tokio::test(start_paused = true)]
async fn defect_02_shrinking_while_running_keeps_an_exact_limit() {
    let pool = TaskPool::builder().pool_size(5).build();
    let now = Arc::new(AtomicUsize::new(0));
    let peak_after = Arc::new(AtomicUsize::new(0));
    let (n, p) = (now.clone(), peak_after.clone());
    pool.apply(move || {
        let (n, p) = (n.clone(), p.clone());
        async move {
            let running = n.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(running, Ordering::SeqCst);
            sleep(Duration::from_secs(1)).await;
            n.fetch_sub(1, Ordering::SeqCst);
        }
    })
    .num(20)
    .start()
    .unwrap();
    settle().await;
    pool.set_pool_size(2); // while 5 run
    assert_eq!(pool.num_running(), 5);
    sleep(Duration::from_millis(1500)).await;
    peak_after.store(0, Ordering::SeqCst);
    pool.gather_and_close().await;
    assert_eq!(peak_after.load(Ordering::SeqCst), 2, "the reference ends up with an effective limit of 7");
    assert_eq!(pool.num_ended(), 20);
}

#[tokio::test(start_paused = true)]
async fn defect_03_raising_the_size_wakes_waiting_starts() {
    let pool = TaskPool::builder().pool_size(1).build();
    pool.apply(pending::<()>).num(4).start().unwrap();
    settle().await;
    pool.set_pool_size(4);
    settle().await;
    assert_eq!(pool.num_running(), 4, "the reference left 1 running");
}

#[tokio::test(start_paused = true)]
async fn defect_04_stop_does_not_let_pending_starts_refill_the_pool() {
    let pool = SimpleTaskPool::builder(pending::<()>).pool_size(2).build();
    pool.start(4).unwrap();
    settle().await;
    assert_eq!(pool.stop(2), ids(&[]));
    assert_eq!(pool.stop(2), ids(&[1, 0]));
    sleep(Duration::from_secs(1)).await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn defect_05_gather_and_close_right_after_apply_or_start() {
    let pool = TaskPool::new();
    pool.apply(|| async {}).num(3).start().unwrap();
    pool.starmap(|a: u32, b: u32| async move { a + b }, [(1, 2), (3, 4)]).start().unwrap();
    let report = pool.gather_and_close().await;
    assert!(report.is_clean());
    assert_eq!(pool.num_ended(), 5, "the work requested just before the close all ran");

    let simple = SimpleTaskPool::new(|| async {});
    simple.start(2).unwrap();
    simple.gather_and_close().await;
    assert_eq!(simple.num_ended(), 2);
}

#[tokio::test(start_paused = true)]
async fn defect_06_flush_reports_failures_and_still_forgets() {
    let pool = TaskPool::new();
    pool.apply(|| async { panic!("first") }).start().unwrap();
    pool.apply(|| async { panic!("second") }).start().unwrap();
    settle().await;
    let report = pool.flush().await; // returns, does not re-raise
    let mut messages: Vec<&str> = report.failures().iter().map(|f| f.message.as_str()).collect();
    messages.sort();
    assert_eq!(messages, ["first", "second"]);
    assert!(pool.flush().await.is_clean());
    assert!(pool.status().groups.is_empty(), "nothing of the ended groups is left");
}

#[tokio::test(start_paused = true)]
async fn defect_07_ended_tasks_leave_nothing_behind_without_flush() {
    // One long task keeps the group alive while 20 000 short ones pass through
    // it: at no point does the pool know of more than the two alive tasks.
    let release = Arc::new(tokio::sync::Notify::new());
    let r = release.clone();
    let pool = TaskPool::new();
    let group = pool
        .map(
            move |i: u32| {
                let r = r.clone();
                async move {
                    if i == 0 {
                        r.notified().await;
                    }
                }
            },
            0..20_000,
        )
        .num_concurrent(2)
        .start()
        .unwrap();
    let name = group.name().to_owned();
    drop(group);
    let mut peak = 0;
    while pool.num_ended() < 19_999 {
        peak = peak.max(pool.group_ids(&[&name]).unwrap().len());
        sleep(Duration::from_millis(1)).await;
    }
    assert!(peak <= 2, "the group held {peak} task records");
    assert_eq!(pool.group_ids(&[&name]).unwrap(), [0.into()].into());
    release.notify_one();
    pool.gather_and_close().await;
    assert!(pool.status().groups.is_empty() && pool.running_tasks().is_empty());
    assert_eq!(pool.num_ended(), 20_000);
}

#[tokio::test(start_paused = true)]
async fn defect_08_a_cancelled_task_says_it_was_cancelled() {
    let pool = TaskPool::new();
    let mut group = pool.apply(pending::<u8>).start().unwrap();
    settle().await;
    pool.cancel_group(group.name()).unwrap();
    assert!(group.next().await.unwrap().result.unwrap_err().is_cancelled());
    assert_eq!(pool.num_cancelled(), 1);
}

#[tokio::test(start_paused = true)]
async fn defect_11_a_group_cancelled_while_its_meta_task_holds_room_starts_nothing() {
    // Pool size 1. When task 0 ends, the pool gives its place straight to the
    // waiting meta task, and then drops task 0's value (nobody holds the
    // group's handle). That drop cancels the group: at that instant the meta
    // task holds room and has not spawned yet.
    struct CancelOnDrop(TaskPool);
    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            let _ = self.0.cancel_group("racy");
        }
    }
    let pool = TaskPool::builder().pool_size(1).build();
    let started = Arc::new(AtomicUsize::new(0));
    let (s, p) = (started.clone(), pool.clone());
    let group = pool
        .apply(move || {
            s.fetch_add(1, Ordering::SeqCst);
            let p = p.clone();
            async move { CancelOnDrop(p) }
        })
        .num(3)
        .group("racy")
        .start()
        .unwrap();
    drop(group);
    pool.gather_and_close().await;
    assert_eq!(started.load(Ordering::SeqCst), 1, "the cancelled group started another task");
    assert_eq!(pool.num_ended(), 1);
    assert!(!pool.is_full(), "the place the meta task held was given back");
}

#[tokio::test(start_paused = true)]
async fn defect_12_an_error_making_a_task_reaches_the_caller() {
    let pool = TaskPool::new();
    let group = pool
        .map(
            |i: u32| -> std::future::Ready<u32> {
                assert!(i != 1, "cannot make task for {i}");
                std::future::ready(i)
            },
            0..3,
        )
        .start()
        .unwrap();
    let outputs = group.collect_all().await;
    let failed: Vec<_> = outputs.iter().filter_map(|o| o.result.as_ref().err()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].panic_message(), Some("cannot make task for 1"));
}

#[tokio::test(start_paused = true)]
async fn defect_13_stop_all_of_idle_workers_on_a_shared_event() {
    // Correctness here; the linear cost is measured in benches (BENCHMARKS.md).
    let event = Arc::new(tokio::sync::Notify::new());
    let e = event.clone();
    let pool = SimpleTaskPool::new(move || {
        let e = e.clone();
        async move { e.notified().await }
    });
    pool.start(20_000).unwrap();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.stop_all().len(), 20_000);
    pool.gather_and_close().await;
    assert_eq!(pool.num_ended(), 20_000);
}
