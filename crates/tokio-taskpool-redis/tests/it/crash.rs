//! Three worker processes share a queue of 10,000 jobs of 1–20 ms; one of
//! them is killed with SIGKILL every few hundred jobs and started again
//! under the same instance name. Every job is handled at least once and
//! acknowledged exactly once, none is left pending, and the jobs handled
//! twice are at most what the killed processes held.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_taskpool_redis::RedisQueue;

use crate::redis_server::RedisServer;
use crate::support::{init_logging, Job};
use crate::worker_process::{Worker, WorkerConfig};

const JOBS: u32 = 10_000;
const KILL_EVERY: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_workers_lose_nothing_and_repeat_at_most_what_they_held() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "crash").await.unwrap();
    let stream = queue.keys().stream().to_owned();
    let mut job_of_entry = HashMap::new();
    for chunk in (0..JOBS).collect::<Vec<_>>().chunks(1000) {
        let jobs: Vec<Job> = chunk.iter().map(|&n| Job { n, ms: 1 + (n * 7919) % 20 }).collect();
        let ids = queue.push_many(&jobs).await.unwrap();
        job_of_entry.extend(ids.into_iter().zip(chunk.iter().copied()));
    }

    let lines = Arc::new(Mutex::new(Vec::new()));
    let config = |i: usize| WorkerConfig {
        url: server.url(),
        queue: "crash".into(),
        instance: format!("w{i}"),
        num_concurrent: 16,
        min_idle: Duration::from_millis(1500),
    };
    let mut workers: Vec<Worker> = (0..3).map(|i| Worker::spawn(&config(i), i, lines.clone())).collect();
    let mut names: Vec<String> = workers.iter().map(Worker::consumer_name).collect();
    let mut killed = HashSet::new();

    let handled_count =
        |lines: &[(usize, String)]| lines.iter().filter(|(_, l)| l.starts_with("handled ")).count();
    let (mut kills, mut held_by_killed, mut next_kill) = (0, 0u64, KILL_EVERY);
    let deadline = Instant::now() + Duration::from_secs(120);
    while queue.len().await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "the run did not finish within 2 minutes");
        let handled = handled_count(&lines.lock().unwrap());
        if handled >= next_kill && handled < JOBS as usize - KILL_EVERY {
            let victim = kills % 3;
            workers[victim].kill();
            killed.insert(workers[victim].serial());
            // Dead now: what its consumer holds in Redis is what it took
            // with it, the most that can be handled twice because of it.
            let out = server.cli(&["XPENDING", &stream, "taskpool", "-", "+", "100000", &names[victim]]);
            held_by_killed += out.lines().filter(|l| job_of_entry.contains_key(*l)).count() as u64;
            workers[victim] = Worker::spawn(&config(victim), 3 + kills, lines.clone());
            names[victim] = workers[victim].consumer_name();
            kills += 1;
            next_kill += KILL_EVERY;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for worker in &mut workers {
        worker.stop(Duration::from_secs(20));
    }
    assert!(kills >= 15, "workers were killed {kills} times");

    let lines = lines.lock().unwrap().clone();
    let mut handled: HashMap<u32, u32> = HashMap::new();
    let mut handled_by: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut acked: HashMap<u32, u32> = HashMap::new();
    for (serial, line) in &lines {
        if let Some(n) = line.strip_prefix("handled ") {
            let n = n.parse().unwrap();
            *handled.entry(n).or_default() += 1;
            handled_by.entry(n).or_default().push(*serial);
        } else if let Some(rest) = line.split(" acked ").nth(1) {
            let (id, was_pending) = rest.split_once(" (was pending: ").expect("an ack line");
            if was_pending == "true)" {
                *acked.entry(job_of_entry[id]).or_default() += 1;
            }
        }
    }
    let missing: Vec<u32> = (0..JOBS).filter(|n| !handled.contains_key(n)).collect();
    assert!(
        missing.is_empty(),
        "{} jobs never handled, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // Redis took every entry off the pending list (checked below), each
    // with one acknowledgement that found it pending: two never did.
    assert!(acked.values().all(|&n| n == 1), "an entry was acknowledged twice");
    // A killed worker may have acknowledged an entry and died before it
    // logged so; every other acknowledgement is in the logs.
    let unlogged: Vec<u32> = (0..JOBS).filter(|n| !acked.contains_key(n)).collect();
    for n in &unlogged {
        assert!(
            handled_by[n].iter().any(|serial| killed.contains(serial)),
            "job {n}'s acknowledgement is missing, yet no killed worker handled it"
        );
    }
    let twice = handled.values().filter(|&&n| n > 1).count() as u64;
    let extra: u64 = handled.values().map(|&n| u64::from(n - 1)).sum();
    assert!(
        extra <= held_by_killed,
        "{extra} repeated handlings ({twice} jobs), but the killed held only {held_by_killed}"
    );
    assert_eq!(queue.num_pending().await.unwrap(), 0, "nothing left pending");
    assert_eq!(queue.len().await.unwrap(), 0);
    assert_eq!(
        server.cli(&["XINFO", "CONSUMERS", &stream, "taskpool"]),
        "",
        "the killed consumers were removed by their successors, the live ones at their stop"
    );
    eprintln!(
        "{kills} kills; the killed held {held_by_killed}; {twice} jobs handled twice; {} acks died with their worker",
        unlogged.len()
    );
}
