//! A queue consumer scaled down while busy, without losing a job.
//!
//! Eight workers take 300 ms jobs from a queue. Halfway, `retire(5, ..)`
//! asks the five newest workers alone to stop: each finishes the job in
//! hand and returns, the other three never notice. `stop(n)` would have
//! dropped five jobs in the middle. Then a map over the finished jobs
//! shows that each output says which input it came from.
//!
//! ```text
//! cargo run --example graceful_scale_down
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{current, SimpleTaskPool, TaskPool};

#[derive(Clone, Default)]
struct Queue {
    jobs: Arc<Mutex<VecDeque<u32>>>,
    done: Arc<Mutex<Vec<u32>>>,
}

/// Takes jobs until asked to stop; the signal is read only between jobs, so
/// a job once taken is always finished.
async fn worker(queue: Queue) {
    let stop = current::stop_token().expect("runs in the pool");
    while !stop.is_cancelled() {
        let job = queue.jobs.lock().unwrap().pop_front();
        let Some(job) = job else { return };
        sleep(Duration::from_millis(300)).await;
        queue.done.lock().unwrap().push(job);
    }
    println!("  worker {} stopped between jobs", current::id().unwrap());
}

#[tokio::main]
async fn main() {
    let queue = Queue::default();
    queue.jobs.lock().unwrap().extend(0..60);
    let workers = SimpleTaskPool::builder({
        let queue = queue.clone();
        move || worker(queue.clone())
    })
    .name("consumer")
    .build();
    workers.start(8).unwrap();
    sleep(Duration::from_millis(450)).await; // every worker holds a job

    println!("retire(5, 5 s) while all 8 are busy:");
    let retired = workers.retire(5, Duration::from_secs(5)).await;
    println!(
        "  {} stopped in time, {} dropped; {} still running",
        retired.stopped_in_time(),
        retired.dropped().len(),
        workers.num_running()
    );
    let report = workers.gather_and_close().await;
    let done = queue.done.lock().unwrap().clone();
    println!("all {} jobs done, none lost ({} panics)", done.len(), report.num_failed());
    assert_eq!(done.len(), 60);

    // Per-item outputs: item i of the input comes back with index i,
    // whatever order the tasks end in.
    let pool = TaskPool::new();
    let mut checked = pool
        .map(
            |job: u32| async move {
                if job % 7 == 3 {
                    Err(format!("job {job} is bad"))
                } else {
                    Ok(job)
                }
            },
            done,
        )
        .num_concurrent(8)
        .start()
        .unwrap();
    while let Some(output) = checked.next().await {
        if let Ok(Err(why)) = output.result {
            println!("input #{} (task {}) failed: {why}", output.index, output.id);
        }
    }
}
