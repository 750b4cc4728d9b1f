//! Throughput and latency of tokio-taskpool-redis on one local
//! `redis-server` (started by this bench on a Unix socket, persistence
//! off), against a hand-written XREADGROUP/XACK loop on the same server:
//!
//! 1. items/s through one process with a no-op handler at k = 1, 16, 256
//!    (the group's `num_concurrent`; the hand-written loop reads COUNT k),
//!    median of 3 runs, with the Redis commands and round trips per item
//!    from INFO commandstats deltas;
//! 2. items/s with 1, 2 and 4 worker processes (this binary started again
//!    as a worker), k = 256;
//! 3. latency from push to the task's start at low load (one item every
//!    5 ms), p50 and p99.
//!
//! `cargo bench -p tokio-taskpool-redis --bench redis_queue` prints a
//! Markdown table; `-- --quick` runs smaller sizes once. The comparison
//! with apalis is a separate package, `bench/redis-vs-apalis`, kept out of
//! the workspace so that its dependencies do not weigh on every build.

#[path = "../tests/it/redis_server.rs"]
#[allow(dead_code)]
mod redis_server;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;
use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

use redis_server::RedisServer;

/// A 32-byte item once serialized to JSON (30 characters and the quotes).
const PAYLOAD: &str = "abcdefghijklmnopqrstuvwxyz0123";

fn main() {
    if let Ok(spec) = std::env::var("REDIS_BENCH_WORKER") {
        worker(&spec);
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(run(quick));
}

async fn run(quick: bool) {
    let server = RedisServer::start();
    let url = server.url();
    let mut conn =
        redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let version = server.cli(&["INFO", "server"]);
    let version = version.lines().find_map(|l| l.strip_prefix("redis_version:")).unwrap_or("?").to_owned();
    let runs = if quick { 1 } else { 3 };
    println!("redis-server {version} on a Unix socket; tokio multi-thread runtime, 2 workers; {runs} run(s), median");
    println!();
    println!("| consumer | k | items | items/s | commands/item | round trips/item |");
    println!("|---|---|---|---|---|---|");
    let mut ratios = Vec::new();
    for k in [1usize, 16, 256] {
        let n = match (quick, k) {
            (true, 1) => 2_000,
            (true, _) => 10_000,
            (false, 1) => 10_000,
            (false, _) => 50_000,
        };
        let mut rows: HashMap<&str, Vec<Measure>> = HashMap::new();
        for run in 0..runs {
            let name = format!("k{k}-r{run}");
            rows.entry("hand-written, one XACK per entry")
                .or_default()
                .push(hand_written(&url, &mut conn, &format!("{name}-each"), k, n, false).await);
            rows.entry("hand-written, one XACK per batch")
                .or_default()
                .push(hand_written(&url, &mut conn, &format!("{name}-batch"), k, n, true).await);
            rows.entry("tokio-taskpool-redis")
                .or_default()
                .push(ours(&url, &mut conn, &format!("{name}-ours"), k, n).await);
        }
        let mut medians = HashMap::new();
        for label in
            ["hand-written, one XACK per entry", "hand-written, one XACK per batch", "tokio-taskpool-redis"]
        {
            let m = median(&rows[label]);
            println!(
                "| {label} | {k} | {n} | {:.0} | {:.3} | {:.3} |",
                m.per_second, m.commands_per_item, m.round_trips_per_item
            );
            medians.insert(label, m.per_second);
        }
        ratios.push((
            k,
            medians["tokio-taskpool-redis"] / medians["hand-written, one XACK per entry"],
            medians["tokio-taskpool-redis"] / medians["hand-written, one XACK per batch"],
        ));
    }
    println!();
    for (k, each, batch) in ratios {
        println!("k = {k}: tokio-taskpool-redis / hand-written = {each:.2}x (XACK per entry), {batch:.2}x (XACK per batch)");
    }

    println!();
    println!("| worker processes | k | items | items/s |");
    println!("|---|---|---|---|");
    let n = if quick { 20_000 } else { 100_000 };
    for processes in [1usize, 2, 4] {
        let mut measures = Vec::new();
        for run in 0..runs {
            measures.push(
                in_processes(&url, &mut conn, &format!("p{processes}-r{run}"), processes, 256, n).await,
            );
        }
        measures.sort_by(|a, b| a.total_cmp(b));
        println!("| {processes} | 256 | {n} | {:.0} |", measures[measures.len() / 2]);
    }

    println!();
    let samples = if quick { 100 } else { 400 };
    let (p50, p99) = latency(&url, samples).await;
    println!(
        "push to start at low load (one item every 5 ms, {samples} items, k = 16): p50 {p50:?}, p99 {p99:?}"
    );
}

/// One run: items per second, and the commands and round trips each item cost.
#[derive(Debug, Clone, Copy)]
struct Measure {
    per_second: f64,
    commands_per_item: f64,
    round_trips_per_item: f64,
}

fn median(measures: &[Measure]) -> Measure {
    let mut sorted = measures.to_vec();
    sorted.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    sorted[sorted.len() / 2]
}

/// `n` items of [`PAYLOAD`] on the queue `name`.
async fn fill(url: &str, name: &str, n: usize) -> RedisQueue {
    let queue = RedisQueue::connect(url, name).await.unwrap();
    let items = vec![PAYLOAD; 1000];
    for done in (0..n).step_by(1000) {
        queue.push_many(&items[..(n - done).min(1000)]).await.unwrap();
    }
    queue
}

/// Calls of each command so far (INFO commandstats).
async fn commandstats(conn: &mut MultiplexedConnection) -> HashMap<String, u64> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(conn).await.unwrap();
    info.lines()
        .filter_map(|line| {
            let (name, rest) = line.strip_prefix("cmdstat_")?.split_once(':')?;
            let calls = rest.strip_prefix("calls=")?.split(',').next()?.parse().ok()?;
            Some((name.to_owned(), calls))
        })
        .collect()
}

/// Commands between two snapshots, less the INFO that took the second one;
/// and the round trips, where a MULTI ... EXEC transaction is one.
fn deltas(
    before: &HashMap<String, u64>,
    after: &HashMap<String, u64>,
    in_transactions: &[&str],
) -> (u64, u64) {
    let delta = |name: &str| after.get(name).copied().unwrap_or(0) - before.get(name).copied().unwrap_or(0);
    let commands: u64 = after.keys().map(|name| delta(name)).sum::<u64>() - 1;
    let inside: u64 = in_transactions.iter().map(|name| delta(name)).sum::<u64>() + delta("multi");
    (commands, commands - inside)
}

/// The baseline: XREADGROUP COUNT k, then XACK, either one command per
/// entry (each awaited, as a simple loop would) or one for the batch.
async fn hand_written(
    url: &str,
    conn: &mut MultiplexedConnection,
    name: &str,
    k: usize,
    n: usize,
    batch_ack: bool,
) -> Measure {
    let queue = fill(url, name, n).await;
    let stream = queue.keys().stream().to_owned();
    let mut reader = redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap();
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&stream)
        .arg("g")
        .arg("0")
        .query_async(&mut reader)
        .await
        .unwrap();
    let before = commandstats(conn).await;
    let start = Instant::now();
    let mut done = 0;
    while done < n {
        let reply: Option<redis::streams::StreamReadReply> = redis::cmd("XREADGROUP")
            .arg("GROUP")
            .arg("g")
            .arg("c")
            .arg("COUNT")
            .arg(k)
            .arg("BLOCK")
            .arg(100)
            .arg("STREAMS")
            .arg(&stream)
            .arg(">")
            .query_async(&mut reader)
            .await
            .unwrap();
        let ids: Vec<String> =
            reply.into_iter().flat_map(|r| r.keys).flat_map(|key| key.ids).map(|e| e.id).collect();
        if batch_ack {
            if !ids.is_empty() {
                let _: i64 = redis::cmd("XACK")
                    .arg(&stream)
                    .arg("g")
                    .arg(&ids)
                    .query_async(&mut reader)
                    .await
                    .unwrap();
            }
        } else {
            for id in &ids {
                let _: i64 =
                    redis::cmd("XACK").arg(&stream).arg("g").arg(id).query_async(&mut reader).await.unwrap();
            }
        }
        done += ids.len();
    }
    let elapsed = start.elapsed();
    let (commands, round_trips) = deltas(&before, &commandstats(conn).await, &[]);
    let _: () = redis::cmd("DEL").arg(&stream).query_async(conn).await.unwrap();
    measure(n, elapsed, commands, round_trips)
}

fn measure(n: usize, elapsed: Duration, commands: u64, round_trips: u64) -> Measure {
    Measure {
        per_second: n as f64 / elapsed.as_secs_f64(),
        commands_per_item: commands as f64 / n as f64,
        round_trips_per_item: round_trips as f64 / n as f64,
    }
}

/// This crate: a consumer with `num_concurrent(k)` on an unlimited pool,
/// no-op handler, from its start until every item is acknowledged.
async fn ours(url: &str, conn: &mut MultiplexedConnection, name: &str, k: usize, n: usize) -> Measure {
    let queue = fill(url, name, n).await;
    let pool = TaskPool::new();
    let before = commandstats(conn).await;
    let start = Instant::now();
    let mut consumer = queue
        .consume(&pool, |_item: String| async { Ok::<_, std::convert::Infallible>(()) })
        .num_concurrent(k)
        .block(Duration::from_millis(100))
        .start()
        .await
        .unwrap();
    consumer.discard_results();
    while consumer.stats().acked < n as u64 {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let elapsed = start.elapsed();
    let (commands, round_trips) = deltas(&before, &commandstats(conn).await, &["xack", "xdel"]);
    consumer.stop(Duration::from_secs(5)).await;
    let _: () = redis::cmd("DEL").arg(queue.keys().stream()).query_async(conn).await.unwrap();
    measure(n, elapsed, commands, round_trips)
}

/// `processes` workers (this binary as `worker`) drain `n` items; from the
/// moment they are all told to go until the stream is empty.
async fn in_processes(
    url: &str,
    conn: &mut MultiplexedConnection,
    name: &str,
    processes: usize,
    k: usize,
    n: usize,
) -> f64 {
    let queue = fill(url, name, n).await;
    let exe = std::env::current_exe().unwrap();
    let mut workers: Vec<Child> = (0..processes)
        .map(|_| {
            Command::new(&exe)
                .env("REDIS_BENCH_WORKER", format!("{url}|{name}|{k}"))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for worker in &mut workers {
        let mut line = String::new();
        BufReader::new(worker.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
    }
    let start = Instant::now();
    for worker in &mut workers {
        writeln!(worker.stdin.as_mut().unwrap(), "go").unwrap();
    }
    while queue.len().await.unwrap() > 0 {
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    let elapsed = start.elapsed();
    for mut worker in workers {
        drop(worker.stdin.take());
        worker.wait().unwrap();
    }
    let _: () = redis::cmd("DEL").arg(queue.keys().stream()).query_async(conn).await.unwrap();
    n as f64 / elapsed.as_secs_f64()
}

/// A worker process: consumes with a pool of size 0 until told "go" on
/// stdin, then without limit until stdin closes.
fn worker(spec: &str) {
    let mut parts = spec.split('|');
    let (url, name, k) =
        (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap().parse().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let queue = RedisQueue::connect(url, name).await.unwrap();
        let pool = TaskPool::builder().pool_size(0).build();
        let mut consumer = queue
            .consume(&pool, |_item: String| async { Ok::<_, std::convert::Infallible>(()) })
            .num_concurrent(k)
            .block(Duration::from_millis(100))
            .start()
            .await
            .unwrap();
        consumer.discard_results();
        println!("ready");
        let pool_for_go = pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut lines = std::io::stdin().lock().lines();
            if let Some(Ok(_go)) = lines.next() {
                pool_for_go.set_pool_size(None);
            }
            for _ in lines {}
        })
        .await
        .unwrap();
        consumer.stop(Duration::from_secs(5)).await;
    });
}

/// Push-to-start latency: one item every 5 ms carrying its push time.
async fn latency(url: &str, samples: usize) -> (Duration, Duration) {
    let queue = RedisQueue::connect(url, "latency").await.unwrap();
    let pool = TaskPool::new();
    let delays = Arc::new(Mutex::new(Vec::with_capacity(samples)));
    let d = delays.clone();
    let consumer = queue
        .consume(&pool, move |pushed_ns: u128| {
            let delays = d.clone();
            async move {
                delays.lock().unwrap().push(now_ns().saturating_sub(pushed_ns));
                Ok::<_, std::convert::Infallible>(())
            }
        })
        .num_concurrent(16)
        .start()
        .await
        .unwrap();
    for _ in 0..samples {
        queue.push(&now_ns()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    while delays.lock().unwrap().len() < samples {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    consumer.stop(Duration::from_secs(5)).await;
    let mut delays = delays.lock().unwrap().clone();
    delays.sort_unstable();
    let at = |q: f64| {
        Duration::from_nanos(delays[((delays.len() as f64 * q) as usize).min(delays.len() - 1)] as u64)
    };
    (at(0.50), at(0.99))
}

fn now_ns() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos()
}
