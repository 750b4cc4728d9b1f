//! A worker process for the tests where processes must die: this test
//! binary started again with `TASKPOOL_REDIS_WORKER` set runs the ignored
//! test `worker_process::worker`, which consumes a queue until its stdin
//! closes (then stops gracefully) or it is killed.
//!
//! It prints `consumer NAME` once, `handled N` when a job's handler has
//! finished, and the crate's acknowledgement log lines (`... acked ID (was
//! pending: true)`), each flushed as it is written, so that what a killed
//! worker did is known up to its death.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

use crate::support::Job;

/// What a worker is told through its environment.
#[derive(Debug, Clone)]
pub(crate) struct WorkerConfig {
    pub(crate) url: String,
    pub(crate) queue: String,
    pub(crate) instance: String,
    pub(crate) num_concurrent: usize,
    pub(crate) min_idle: Duration,
}

/// A running worker process and the lines it printed.
#[derive(Debug)]
pub(crate) struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<(usize, String)>>>,
    serial: usize,
}

impl Worker {
    /// Starts a worker; its lines go to `lines`, shared by all workers,
    /// each with `serial`, which names this process.
    pub(crate) fn spawn(
        config: &WorkerConfig,
        serial: usize,
        lines: Arc<Mutex<Vec<(usize, String)>>>,
    ) -> Worker {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut child = Command::new(exe)
            .args(["worker_process::worker", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env("TASKPOOL_REDIS_WORKER", "1")
            .env("WORKER_URL", &config.url)
            .env("WORKER_QUEUE", &config.queue)
            .env("WORKER_INSTANCE", &config.instance)
            .env("WORKER_CONCURRENCY", config.num_concurrent.to_string())
            .env("WORKER_MIN_IDLE_MS", config.min_idle.as_millis().to_string())
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the worker process starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let stdin = child.stdin.take();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The test harness starts the worker's first line with its
                // own, unterminated "test ... ".
                let line = match line.split_once("test worker_process::worker ... ") {
                    Some((_, rest)) => rest.to_owned(),
                    None => line,
                };
                sink.lock().unwrap().push((serial, line));
            }
        });
        Worker { child, stdin, lines, serial }
    }

    /// Kills the worker with SIGKILL and waits for it to be gone.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the worker");
        self.child.wait().expect("the killed worker is reaped");
    }

    /// Closes its stdin (a graceful stop) and waits up to `limit` for it to exit.
    pub(crate) fn stop(&mut self, limit: Duration) {
        self.stdin = None;
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("the worker's status") {
                assert!(status.success(), "the worker exited with {status}");
                return;
            }
            assert!(std::time::Instant::now() < deadline, "the worker did not stop within {limit:?}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The serial number it was given.
    pub(crate) fn serial(&self) -> usize {
        self.serial
    }

    /// The consumer name it printed, waiting up to 20 s for it.
    pub(crate) fn consumer_name(&self) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let found = self.lines.lock().unwrap().iter().find_map(|(serial, line)| {
                line.strip_prefix("consumer ")
                    .filter(|_| *serial == self.serial)
                    .and_then(|rest| rest.split_once(' '))
                    .map(|(_pid, name)| name.to_owned())
            });
            if let Some(name) = found {
                return name;
            }
            if std::time::Instant::now() > deadline {
                let lines = self.lines.lock().unwrap();
                let others: Vec<&String> = lines
                    .iter()
                    .map(|(_, line)| line)
                    .filter(|l| !l.starts_with("handled") && !l.contains(" acked "))
                    .collect();
                panic!(
                    "worker {} did not print its consumer name within 20 s; other lines: {others:?}",
                    self.serial
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The worker's body; does nothing unless started by [`Worker::spawn`].
#[test]
#[ignore = "the body of the worker processes that the crash test starts"]
fn worker() {
    if std::env::var_os("TASKPOOL_REDIS_WORKER").is_none() {
        return;
    }
    let env = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by the test"));
    // The acknowledgements (debug) and warnings, as plain lines on stdout.
    let filter = Targets::new()
        .with_target("tokio_taskpool_redis::ack", Level::DEBUG)
        .with_target("tokio_taskpool_redis", Level::WARN);
    let lines = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stdout)
        .with_ansi(false)
        .without_time()
        .with_target(false);
    tracing_subscriber::registry().with(lines.with_filter(filter)).init();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let queue = RedisQueue::connect(&env("WORKER_URL"), &env("WORKER_QUEUE")).await.unwrap();
        let pool = TaskPool::builder().name("worker").build();
        let mut consumer = queue
            .consume(&pool, |job: Job| async move {
                tokio::time::sleep(Duration::from_millis(u64::from(job.ms))).await;
                println!("handled {}", job.n);
                Ok::<_, String>(())
            })
            .num_concurrent(env("WORKER_CONCURRENCY").parse().unwrap())
            .instance(env("WORKER_INSTANCE"))
            .min_idle(Duration::from_millis(env("WORKER_MIN_IDLE_MS").parse().unwrap()))
            .block(Duration::from_millis(200))
            .start()
            .await
            .unwrap();
        consumer.discard_results();
        println!("consumer {} {}", std::process::id(), consumer.name());
        // Until the test closes stdin.
        tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {}
        })
        .await
        .unwrap();
        let stop = consumer.stop(Duration::from_secs(5)).await;
        println!("stopped left_pending={:?}", stop.left_pending);
    });
}
