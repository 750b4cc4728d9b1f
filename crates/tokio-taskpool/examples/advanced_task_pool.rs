//! Scenario 2 of the reference guide: a TaskPool of size 3 with apply and starmap.
//!
//! `work(start, stop, step)` takes 1 s per step; `other_work(a, b)` 0.5 s per
//! step. At t=0, apply `work(100, 200, 10)` twice (tasks 0, 1: 10 s each). At
//! t=1.5, starmap `other_work` over 4 ranges with num_concurrent=2 (5 s each),
//! then gather_and_close at once. Expected timeline:
//!
//! ```text
//! t=0.0   tasks 0 and 1 start (apply)
//! t=1.5   starmap: only one place is free, task 2 (0..10) starts
//! t=6.5   task 2 ends, task 3 (10..20) starts
//! t=10.0  tasks 0 and 1 end; num_concurrent=2 allows one more: task 4 (20..30) starts
//! t=11.5  task 3 ends, task 5 (30..40) starts
//! t=15.0  task 4 ends
//! t=16.5  task 5 ends; gather_and_close returns
//! ```
//!
//! The pool never holds more than 3 running tasks, and never more than 2 of
//! the starmap group. Run it with `cargo run --example advanced_task_pool`
//! (about 16.5 s).

use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_taskpool::{current, TaskPool};

fn stamp(start: Instant) -> String {
    format!("t={:<4.1}", start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let pool = TaskPool::builder().name("advanced").pool_size(3).build();

    let work = move |from: u32, to: u32, step: usize| async move {
        let id = current::id().expect("a pooled task");
        println!("{}  task {id} starts work({from}, {to}, {step})", stamp(start));
        for _ in (from..to).step_by(step) {
            sleep(Duration::from_secs(1)).await;
        }
        println!("{}  task {id} ends", stamp(start));
    };
    let other_work = move |a: u32, b: u32| async move {
        let id = current::id().expect("a pooled task");
        println!("{}  task {id} starts other_work({a}, {b})", stamp(start));
        for _ in a..b {
            sleep(Duration::from_millis(500)).await;
        }
        println!("{}  task {id} ends", stamp(start));
    };

    let applied = pool.apply(move || work(100, 200, 10)).num(2).start().expect("the pool is open");
    println!("{}  {pool}: started group {}", stamp(start), applied.name());
    sleep(Duration::from_millis(1500)).await;
    let starred = pool
        .starmap(other_work, [(0, 10), (10, 20), (20, 30), (30, 40)])
        .num_concurrent(2)
        .start()
        .expect("the pool is open");
    println!("{}  {pool}: started group {} (running: {})", stamp(start), starred.name(), pool.num_running());
    let report = pool.gather_and_close().await;
    println!(
        "{}  gather_and_close returned; {} tasks ended, {} failed",
        stamp(start),
        pool.num_ended(),
        report.num_failed()
    );
}
