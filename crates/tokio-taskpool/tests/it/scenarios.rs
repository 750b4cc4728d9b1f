//! The two reference scenarios that asyncio-taskpool's guide walks through
//! (a minimal SimpleTaskPool started and stopped, and a TaskPool of size 3
//! running apply and starmap), with the exact timeline each must produce,
//! checked on tokio's paused clock. The examples `minimal_simple_pool` and
//! `advanced_task_pool` print the same runs as they happen.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_taskpool::{current, SimpleTaskPool, TaskPool};

use crate::support::{ids, Log};

fn at(start: Instant) -> f64 {
    (Instant::now() - start).as_secs_f64()
}

#[tokio::test(start_paused = true)]
async fn scenario_1_minimal_simple_pool() {
    let start = Instant::now();
    let log = Log::default();
    let (lw, lc) = (log.clone(), log.clone());
    let pool = SimpleTaskPool::builder(move || {
        let log = lw.clone();
        async move {
            let id = current::id().unwrap();
            for i in 0..5 {
                sleep(Duration::from_secs(1)).await;
                log.push(format!("{:.1} task {id} did {i}", at(start)));
            }
        }
    })
    .on_cancel(move |id| {
        let log = lc.clone();
        async move { log.push(format!("{:.1} task {id} cancelled", at(start))) }
    })
    .build();

    pool.start(3).unwrap();
    sleep(Duration::from_millis(1500)).await;
    pool.start(1).unwrap();
    sleep(Duration::from_millis(1500)).await;
    let stopped = pool.stop(2);
    assert_eq!(stopped, ids(&[3, 2]));
    pool.gather_and_close().await;
    assert_eq!(at(start), 5.0, "gather_and_close returns at t=5.0");

    let entries = log.entries();
    for id in [0, 1] {
        let mine: Vec<&String> = entries.iter().filter(|e| e.contains(&format!("task {id} "))).collect();
        let expected: Vec<String> = (0..5).map(|i| format!("{}.0 task {id} did {i}", i + 1)).collect();
        assert_eq!(mine, expected.iter().collect::<Vec<_>>());
    }
    let task3: Vec<&String> = entries.iter().filter(|e| e.contains("task 3 ")).collect();
    assert_eq!(task3, ["2.5 task 3 did 0", "3.0 task 3 cancelled"]);
    let task2: Vec<&String> = entries.iter().filter(|e| e.contains("task 2 ")).collect();
    // Its third count falls on the instant of the stop: either order is valid.
    let without_third: Vec<&String> = task2.iter().copied().filter(|e| !e.ends_with("did 2")).collect();
    assert_eq!(without_third, ["1.0 task 2 did 0", "2.0 task 2 did 1", "3.0 task 2 cancelled"]);
    assert!(task2.len() <= 4);
    assert_eq!((pool.num_cancelled(), pool.num_ended()), (2, 4));
}

#[tokio::test(start_paused = true)]
async fn scenario_2_advanced_pool_of_size_3() {
    let start = Instant::now();
    let log = Log::default();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let star_running = Arc::new(AtomicUsize::new(0));
    let star_peak = Arc::new(AtomicUsize::new(0));

    let pool = TaskPool::builder().pool_size(3).build();
    let (l, r, p) = (log.clone(), running.clone(), peak.clone());
    let work = move |from: u32, to: u32, step: usize| {
        let (log, running, peak) = (l.clone(), r.clone(), p.clone());
        async move {
            let id = current::id().unwrap();
            peak.fetch_max(running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            log.push(format!("{} start {id}", at(start)));
            for _ in (from..to).step_by(step) {
                sleep(Duration::from_secs(1)).await;
            }
            running.fetch_sub(1, Ordering::SeqCst);
            log.push(format!("{} end {id}", at(start)));
        }
    };
    let (l, r, p, sr, sp) =
        (log.clone(), running.clone(), peak.clone(), star_running.clone(), star_peak.clone());
    let other_work = move |a: u32, b: u32| {
        let (log, running, peak, star_running, star_peak) =
            (l.clone(), r.clone(), p.clone(), sr.clone(), sp.clone());
        async move {
            let id = current::id().unwrap();
            peak.fetch_max(running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            star_peak.fetch_max(star_running.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
            log.push(format!("{} start {id}", at(start)));
            for _ in a..b {
                sleep(Duration::from_millis(500)).await;
            }
            star_running.fetch_sub(1, Ordering::SeqCst);
            running.fetch_sub(1, Ordering::SeqCst);
            log.push(format!("{} end {id}", at(start)));
        }
    };

    pool.apply(move || work(100, 200, 10)).num(2).start().unwrap();
    sleep(Duration::from_millis(1500)).await;
    pool.starmap(other_work, [(0, 10), (10, 20), (20, 30), (30, 40)]).num_concurrent(2).start().unwrap();
    pool.gather_and_close().await;
    assert_eq!(at(start), 16.5, "gather_and_close returns at t=16.5");

    let mut entries = log.entries();
    // Events of one instant may come in any order; sort within instants.
    entries.sort_by(|a, b| {
        let key = |e: &str| e.split(' ').next().unwrap().parse::<f64>().unwrap();
        key(a).partial_cmp(&key(b)).unwrap().then(a.cmp(b))
    });
    assert_eq!(
        entries,
        [
            "0 start 0",
            "0 start 1",
            "1.5 start 2",
            "6.5 end 2",
            "6.5 start 3",
            "10 end 0",
            "10 end 1",
            "10 start 4",
            "11.5 end 3",
            "11.5 start 5",
            "15 end 4",
            "16.5 end 5",
        ]
    );
    assert_eq!(peak.load(Ordering::SeqCst), 3);
    assert_eq!(star_peak.load(Ordering::SeqCst), 2);
}
