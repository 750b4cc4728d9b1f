//! Control plane: round-trip latency of `num-running` and of `start 1`
//! through the control server, over TCP loopback and over a Unix socket,
//! with 1 and with 100 concurrent clients (the JSON-lines client,
//! [`ControlClient`]).
//!
//! Server and clients share one multi-thread runtime with 2 workers, in
//! this process, as an application and its operator's tool would share the
//! machine's 2 cores. Two ways to load the server:
//!
//! - `closed`: every client sends its next request as soon as the last
//!   answer arrives. With 100 clients this keeps 100 requests in flight on
//!   2 cores, so the latency mostly measures queueing (it is reported with
//!   the throughput it reaches).
//! - `paced`: every client sends one request every 10 ms (100 clients:
//!   10,000 requests a second), the way operators' tools and monitors poll.
//!
//! Results are printed and, when `TASKPOOL_BENCH_OUT` is set, appended to
//! `$TASKPOOL_BENCH_OUT/control_plane.jsonl`. `TASKPOOL_BENCH_QUICK=1` sends
//! fewer requests.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskpool_control::ControlServer;
use taskpool_protocol::{Command, ControlClient};
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;
use tokio_taskpool::SimpleTaskPool;

// The three helpers this bench shares with the pool crate's benches
// (`crates/tokio-taskpool/benches/common`), which another crate's bench
// cannot include.

/// The multi-thread runtime of every bench: 2 workers.
fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a multi-thread runtime")
}

/// Appends one JSON object (already formatted) as a line to
/// `$TASKPOOL_BENCH_OUT/<file>.jsonl`, when that variable is set, for
/// `bench/compare`.
fn record(file: &str, json: &str) {
    let Some(dir) = std::env::var_os("TASKPOOL_BENCH_OUT").map(std::path::PathBuf::from) else { return };
    std::fs::create_dir_all(&dir).expect("the bench output directory can be made");
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{file}.jsonl")))
        .expect("the bench output file can be opened");
    writeln!(out, "{json}").expect("the bench output file can be written");
}

/// Whether the binary was started by `cargo bench --no-run`-style test
/// discovery (`--list`) or `cargo test --benches` (no `--bench`), in which
/// case a custom harness should do nothing.
fn should_skip() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Tcp,
    Unix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Load {
    Closed,
    Paced,
}

const PACE: Duration = Duration::from_millis(10);

fn main() {
    if should_skip() {
        return;
    }
    let quick = std::env::var_os("TASKPOOL_BENCH_QUICK").is_some();
    let runtime = multi_thread();
    runtime.block_on(async move {
        tokio::spawn(async move {
            let pool = SimpleTaskPool::new(std::future::pending::<()>);
            let server =
                ControlServer::builder(&pool).allow_unauthenticated_loopback(true).max_sessions(256).build();
            let tcp = server.listen_tcp("127.0.0.1:0").await.expect("a loopback port");
            let addr = tcp.local_addr().expect("a TCP listener has an address");
            let path = std::env::temp_dir().join(format!("taskpool-bench-{}.sock", std::process::id()));
            let unix = server.listen_unix(&path).await.expect("a Unix socket in the temp dir");
            for transport in [Transport::Tcp, Transport::Unix] {
                for (command_name, command) in
                    [("num-running", Command::NumRunning), ("start 1", Command::Start { n: 1 })]
                {
                    for clients in [1, 100] {
                        for load in [Load::Closed, Load::Paced] {
                            let requests = match (load, clients, quick) {
                                (_, _, true) => 20,
                                (Load::Closed, 1, _) => 5_000,
                                (Load::Closed, _, _) => 200,
                                (Load::Paced, 1, _) => 200,
                                (Load::Paced, _, _) => 100,
                            };
                            let connect = Connect { transport, addr, path: path.clone() };
                            let measured = measure(&connect, &command, clients, requests, load).await;
                            report(transport, command_name, clients, load, &measured);
                        }
                    }
                }
            }
            tcp.shutdown().await;
            unix.shutdown().await;
            pool.cancel_all();
        })
        .await
        .expect("the benchmark task does not panic")
    });
}

struct Connect {
    transport: Transport,
    addr: std::net::SocketAddr,
    path: std::path::PathBuf,
}

impl Connect {
    async fn client(&self) -> ControlClient {
        match self.transport {
            Transport::Tcp => ControlClient::connect_tcp(self.addr, None).await,
            Transport::Unix => ControlClient::connect_unix(&self.path, None).await,
        }
        .expect("the client connects")
    }
}

struct Measured {
    latencies: Vec<Duration>,
    wall: Duration,
}

async fn measure(
    connect: &Connect,
    command: &Command,
    clients: usize,
    requests: usize,
    load: Load,
) -> Measured {
    // Connect everyone first: the handshake is not a round trip we measure.
    let mut connected = Vec::with_capacity(clients);
    for _ in 0..clients {
        connected.push(connect.client().await);
    }
    let command = Arc::new(command.clone());
    let start = Instant::now();
    let mut set = JoinSet::new();
    for (index, mut client) in connected.into_iter().enumerate() {
        let command = command.clone();
        set.spawn(async move {
            let mut latencies = Vec::with_capacity(requests);
            // Spread the paced clients over the period, as independent
            // pollers would be.
            let offset = PACE * index as u32 / clients as u32;
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + offset, PACE);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for _ in 0..requests {
                if load == Load::Paced {
                    ticks.tick().await;
                }
                let sent = Instant::now();
                client.call(&command).await.expect("the command succeeds");
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(clients * requests);
    while let Some(done) = set.join_next().await {
        latencies.extend(done.expect("a client task does not panic"));
    }
    let wall = start.elapsed();
    latencies.sort_unstable();
    Measured { latencies, wall }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(transport: Transport, command: &str, clients: usize, load: Load, measured: &Measured) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let (p50, p99, max) = (
        percentile(&measured.latencies, 50.0),
        percentile(&measured.latencies, 99.0),
        *measured.latencies.last().expect("at least one request"),
    );
    let per_second = measured.latencies.len() as f64 / measured.wall.as_secs_f64();
    let transport = match transport {
        Transport::Tcp => "tcp",
        Transport::Unix => "unix",
    };
    let load = match load {
        Load::Closed => "closed",
        Load::Paced => "paced",
    };
    println!(
        "control {transport:4} {command:11} clients={clients:3} {load:6}: p50 {:7.1} us  p99 {:7.1} us  max {:7.1} us  ({} requests, {per_second:.0}/s)",
        us(p50),
        us(p99),
        us(max),
        measured.latencies.len()
    );
    record(
        "control_plane",
        &format!(
            r#"{{"transport":"{transport}","command":"{command}","clients":{clients},"load":"{load}","requests":{},"p50_us":{:.1},"p99_us":{:.1},"max_us":{:.1},"per_second":{per_second:.0}}}"#,
            measured.latencies.len(),
            us(p50),
            us(p99),
            us(max)
        ),
    );
}
