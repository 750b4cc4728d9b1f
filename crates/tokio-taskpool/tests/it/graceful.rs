//! Taking some tasks away gracefully: `SimpleTaskPool::retire`,
//! `retire_tasks` and `retire_group` signal only the chosen tasks, let them
//! finish what they hold, and drop only those past the timeout.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{sleep, Instant};
use tokio_taskpool::{current, CancelError, SimpleTaskPool, TaskId, TaskPool};

use crate::support::{secs_since, settle};

/// A job queue that remembers which worker took which job and which jobs
/// were finished.
#[derive(Clone, Default)]
struct Queue {
    jobs: Arc<Mutex<VecDeque<u64>>>,
    taken: Arc<Mutex<BTreeMap<u64, TaskId>>>,
    done: Arc<Mutex<Vec<u64>>>,
}

impl Queue {
    fn with_jobs(n: u64) -> Queue {
        let queue = Queue::default();
        queue.jobs.lock().unwrap().extend(0..n);
        queue
    }

    /// A worker: takes jobs one by one (job `j` takes `duration(j)`) and
    /// checks its stop signal only between jobs.
    async fn work(self, duration: fn(u64) -> Duration) {
        let stop = current::stop_token().expect("a pooled task");
        while !stop.is_cancelled() {
            let job = self.jobs.lock().unwrap().pop_front();
            let Some(job) = job else {
                sleep(Duration::from_millis(100)).await;
                continue;
            };
            self.taken.lock().unwrap().insert(job, current::id().unwrap());
            sleep(duration(job)).await;
            self.done.lock().unwrap().push(job);
        }
    }

    /// Jobs taken but never finished by workers that are gone (the
    /// running ones still work on theirs), with the worker that held each.
    fn lost(&self, pool: &SimpleTaskPool) -> Vec<(u64, TaskId)> {
        let running: Vec<TaskId> = pool.running_tasks().iter().map(|task| task.id).collect();
        let done = self.done.lock().unwrap();
        self.taken
            .lock()
            .unwrap()
            .iter()
            .filter(|(job, worker)| !done.contains(job) && !running.contains(worker))
            .map(|(&job, &worker)| (job, worker))
            .collect()
    }
}

fn one_second(_: u64) -> Duration {
    Duration::from_secs(1)
}

#[tokio::test(start_paused = true)]
async fn retiring_busy_workers_loses_no_job_they_had_started() {
    let queue = Queue::with_jobs(100);
    let pool = SimpleTaskPool::new({
        let queue = queue.clone();
        move || queue.clone().work(one_second)
    });
    pool.start(8).unwrap();
    sleep(Duration::from_millis(2500)).await; // every worker is in the middle of a job
    let start = Instant::now();
    let retired = pool.retire(5, Duration::from_secs(10)).await;
    assert_eq!(secs_since(start), 0.5, "each finished the job in hand, then returned");
    assert_eq!((retired.stopped_in_time(), retired.dropped()), (5, &[][..]));
    assert_eq!((pool.num_running(), pool.num_cancelled()), (3, 0));
    assert_eq!(queue.lost(&pool), [], "no job of a retired worker is lost");
    pool.stop_all();
}

#[tokio::test(start_paused = true)]
async fn a_worker_past_the_timeout_is_dropped_and_named() {
    // Job 9 takes a minute; the others a second.
    fn durations(job: u64) -> Duration {
        Duration::from_secs(if job == 9 { 60 } else { 1 })
    }
    let queue = Queue::with_jobs(100);
    let pool = SimpleTaskPool::new({
        let queue = queue.clone();
        move || queue.clone().work(durations)
    });
    pool.start(10).unwrap(); // worker 9 takes job 9
    sleep(Duration::from_millis(500)).await;
    let retired = pool.retire(10, Duration::from_secs(5)).await;
    assert_eq!(retired.dropped(), [TaskId::from(9)]);
    assert_eq!(retired.stopped_in_time(), 9);
    settle().await;
    assert_eq!(queue.lost(&pool), [(9, TaskId::from(9))], "only the dropped worker's job is lost");
    assert_eq!((pool.num_running(), pool.num_cancelled()), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn stop_by_contrast_drops_jobs_in_progress() {
    let queue = Queue::with_jobs(100);
    let pool = SimpleTaskPool::new({
        let queue = queue.clone();
        move || queue.clone().work(one_second)
    });
    pool.start(8).unwrap();
    sleep(Duration::from_millis(2500)).await;
    assert_eq!(pool.stop(5).len(), 5);
    settle().await;
    assert_eq!(queue.lost(&pool).len(), 5, "stop drops the job each worker held");
}

#[tokio::test(start_paused = true)]
async fn retire_withdraws_waiting_starts_first_and_asks_each_worker_once() {
    let pool = SimpleTaskPool::builder(current::stop_requested).pool_size(2).build();
    pool.start(3).unwrap(); // two run, one waits
    settle().await;
    let retired = pool.retire(2, Duration::from_secs(1)).await;
    assert_eq!(retired.stopped_in_time(), 1, "one waiting start withdrawn, one worker retired");
    assert_eq!((pool.num_running(), pool.num_waiting()), (1, 0));
}

#[tokio::test(start_paused = true)]
async fn only_the_retired_tasks_see_their_stop_signal() {
    let pool = TaskPool::new();
    let group = pool
        .apply(|| async {
            current::stop_requested().await;
            current::id().unwrap()
        })
        .num(4)
        .start()
        .unwrap();
    settle().await;
    let stop = pool.retire_tasks(&[TaskId::from(1), TaskId::from(3)], Duration::from_secs(1)).await.unwrap();
    assert_eq!(stop.stopped_in_time(), 2);
    assert_eq!(pool.num_running(), 2);
    let err =
        pool.retire_tasks(&[TaskId::from(0), TaskId::from(3)], Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(err, CancelError::AlreadyEnded { id, .. } if id == TaskId::from(3)));
    assert_eq!(pool.num_running(), 2, "all or nothing: task 0 was not asked");
    group.cancel();
}

#[tokio::test(start_paused = true)]
async fn retire_group_closes_the_group_and_drops_stragglers() {
    let pool = TaskPool::builder().pool_size(3).build();
    let group = pool
        .apply(|| async {
            current::stop_requested().await;
            if current::id() == Some(TaskId::from(1)) {
                std::future::pending::<()>().await; // ignores the signal
            }
        })
        .num(10)
        .start()
        .unwrap();
    settle().await;
    let stop = pool.retire_group(group.name(), Duration::from_secs(2)).await.unwrap();
    assert_eq!((stop.stopped_in_time(), stop.dropped()), (2, &[TaskId::from(1)][..]));
    pool.flush().await;
    assert_eq!(
        (pool.num_running(), pool.num_waiting(), pool.num_ended(), pool.num_cancelled()),
        (0, 0, 3, 1)
    );
    assert!(pool.retire_group("nope", Duration::from_secs(1)).await.is_err());
}
