//! The guide's queue worker: `apply` runs 5 copies of a worker that takes
//! items from an input queue and puts results on an output queue; when the
//! work is done, `cancel_group` stops the workers and `flush` waits for their
//! cancellation to finish.
//!
//! Run it with `cargo run --example queue_worker`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Mutex};
use tokio_taskpool::{current, TaskPool};

/// Takes items forever; a pool task like this ends only when cancelled.
async fn queue_worker(q_in: Arc<Mutex<mpsc::Receiver<u64>>>, q_out: mpsc::Sender<(u64, u64)>) {
    loop {
        let item = q_in.lock().await.recv().await;
        let Some(item) = item else { return };
        tokio::time::sleep(Duration::from_millis(10 * (item % 5))).await; // some work
        let worker = current::id().expect("a pooled task").as_u64();
        if q_out.send((worker, item * item)).await.is_err() {
            return;
        }
    }
}

#[tokio::main]
async fn main() {
    let (to_workers, q_in) = mpsc::channel(100);
    let (q_out, mut results) = mpsc::channel(100);
    let q_in = Arc::new(Mutex::new(q_in));

    let pool = TaskPool::new();
    let group = pool
        .apply(move || queue_worker(q_in.clone(), q_out.clone()))
        .num(5)
        .on_cancel(|id| async move { println!("worker {id} cancelled") })
        .start()
        .expect("the pool is open");
    println!("{pool}: started {} with {} workers", group.name(), 5);

    for item in 1..=20 {
        to_workers.send(item).await.expect("workers are listening");
    }
    let mut sum = 0;
    for _ in 1..=20 {
        let (worker, square) = results.recv().await.expect("workers are alive");
        println!("worker {worker} returned {square}");
        sum += square;
    }
    println!("sum of squares: {sum}");

    pool.cancel_group(group.name()).expect("the group is alive");
    pool.flush().await;
    println!(
        "{} running, {} cancelled, {} ended",
        pool.num_running(),
        pool.num_cancelled(),
        pool.num_ended()
    );
}
