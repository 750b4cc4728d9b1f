//! Scenario 1 of the reference guide: a minimal SimpleTaskPool.
//!
//! The worker counts i = 0..5, sleeping 1 s before each count. Main starts 3
//! workers at t=0 (tasks 0, 1, 2), one more at t=1.5 (task 3), and stops 2
//! at t=3.0, then gathers and closes the pool. Expected timeline:
//!
//! ```text
//! t=0.0  start(3) -> tasks 0, 1, 2
//! t=1.0  tasks 0, 1, 2 did 0
//! t=1.5  start(1) -> task 3
//! t=2.0  tasks 0, 1, 2 did 1
//! t=2.5  task 3 did 0
//! t=3.0  tasks 0, 1 did 2 (task 2's "did 2" falls on the same instant: it may or may not print)
//! t=3.0  stop(2) cancels tasks 3 and 2, newest first: stopped [3, 2]
//! t=4.0  tasks 0, 1 did 3
//! t=5.0  tasks 0, 1 did 4 and end; gather_and_close returns
//! ```
//!
//! Run it with `cargo run --example minimal_simple_pool` (about 5 s).

use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_taskpool::{current, SimpleTaskPool};

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let at = move || format!("t={:.1}", start.elapsed().as_secs_f64());

    let pool = SimpleTaskPool::builder(move || async move {
        let id = current::id().expect("a pooled task");
        for i in 0..5 {
            sleep(Duration::from_secs(1)).await;
            println!("{}  task {id} did {i}", at());
        }
        println!("{}  task {id} ends", at());
    })
    .on_cancel(move |id| async move { println!("{}  task {id} cancelled", at()) })
    .build();

    println!("{}  start(3): group {}", at(), pool.start(3).expect("the pool is open").name());
    sleep(Duration::from_millis(1500)).await;
    println!("{}  start(1): group {}", at(), pool.start(1).expect("the pool is open").name());
    sleep(Duration::from_millis(1500)).await;
    let stopped = pool.stop(2);
    println!("{}  stop(2): stopped {stopped:?}", at());
    let report = pool.gather_and_close().await;
    println!(
        "{}  gather_and_close returned: {} ended, {} cancelled, {} failed",
        at(),
        pool.num_ended(),
        pool.num_cancelled(),
        report.num_failed()
    );
}
