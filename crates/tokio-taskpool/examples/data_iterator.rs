//! The guide's worker over a data iterator: `map` keeps exactly 5 tasks
//! working over the items at every moment, and `gather_and_close` waits until
//! all the data is consumed.
//!
//! Run it with `cargo run --example data_iterator`.

use std::time::Duration;

use tokio_taskpool::TaskPool;

#[derive(Debug)]
struct Data {
    id: u32,
    weight: u64,
}

async fn another_worker(data: Data) -> u64 {
    // Do the work (say, fetch and store), arrive at a result.
    tokio::time::sleep(Duration::from_millis(20 * data.weight)).await;
    u64::from(data.id) * data.weight
}

#[tokio::main]
async fn main() {
    let data_iter = (0..25).map(|id| Data { id, weight: u64::from(id % 4) + 1 });
    let pool = TaskPool::builder().name("data").build();
    let mut group = pool.map(another_worker, data_iter).num_concurrent(5).start().expect("the pool is open");
    println!("{pool}: started {}", group.name());

    let monitor = {
        let pool = pool.clone();
        tokio::spawn(async move {
            let mut peak = 0;
            while !pool.is_closed() {
                peak = peak.max(pool.num_running());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let mut total = 0;
    while let Some(output) = group.next().await {
        let value = output.result.expect("no task fails here");
        println!("task {} -> {value}", output.id);
        total += value;
    }
    let report = pool.gather_and_close().await;
    println!("total {total}; {} tasks ended, {} failed", pool.num_ended(), report.num_failed());
    println!("peak concurrency seen: {}", monitor.await.expect("the monitor ran"));
}
