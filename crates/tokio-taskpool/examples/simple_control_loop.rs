//! The guide's SimpleTaskPool whose main loop regulates the number of
//! workers: it reads the backlog of a queue and starts or stops workers to
//! match it.
//!
//! Run it with `cargo run --example simple_control_loop`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio_taskpool::SimpleTaskPool;

#[tokio::main]
async fn main() {
    // The "queue": a backlog counter fed by a producer with bursts.
    let backlog = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));

    let (b, d) = (backlog.clone(), done.clone());
    let pool = SimpleTaskPool::builder(move || {
        let (backlog, done) = (b.clone(), d.clone());
        async move {
            loop {
                let took =
                    backlog.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                if took {
                    tokio::time::sleep(Duration::from_millis(20)).await; // work on one item
                    done.fetch_add(1, Ordering::SeqCst);
                } else {
                    tokio::time::sleep(Duration::from_millis(5)).await; // idle
                }
            }
        }
    })
    .name("workers")
    .pool_size(12)
    .build();
    pool.start(2).expect("the pool is open");

    for tick in 0..30 {
        if tick % 10 == 0 {
            backlog.fetch_add(300, Ordering::SeqCst); // a burst arrives
        }
        let waiting = backlog.load(Ordering::SeqCst);
        let running = pool.num_running();
        if waiting > 100 && running < 10 {
            pool.start(3).expect("the pool is open");
        } else if waiting < 20 && running > 2 {
            pool.stop(2);
        }
        println!(
            "tick {tick:2}: backlog {waiting:3}, workers {running:2}, done {}",
            done.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stopped = pool.stop_all();
    let report = pool.gather_and_close().await;
    println!(
        "stopped {} workers; {} done; {} failed",
        stopped.len(),
        done.load(Ordering::SeqCst),
        report.num_failed()
    );
}
