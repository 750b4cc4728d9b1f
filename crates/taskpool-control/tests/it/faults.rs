//! Fault injection on the control server: many concurrent sessions send
//! random bytes, truncated lines, oversized lines, invalid UTF-8, valid
//! commands interleaved with garbage, connect and never send, or disconnect
//! in the middle of a command, while a well-formed client keeps asking for
//! `status`. The server must answer the well-formed client within a bound
//! every time, the pool's counts must stay consistent, and no code of the
//! control plane may panic.
//!
//! `TASKPOOL_FAULT_CONNECTIONS` (default 600) sets how many hostile
//! connections are made; `TASKPOOL_FAULT_SEED` the seed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use taskpool_control::ControlServer;
use taskpool_protocol::ControlClient;
use taskpool_test_support::Rng;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};
use tokio_taskpool::TaskPool;

/// Panics raised by control-plane code on this test's runtime threads.
static CONTROL_PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts panics located in the control plane's code (the server and the
/// protocol crates), then lets the previous hook print.
fn count_control_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let ours = std::thread::current().name() == Some("faults-rt");
            let control_plane = |file: &str| {
                file.contains("taskpool-control/src/") || file.contains("taskpool-protocol/src/")
            };
            if ours && info.location().is_some_and(|l| control_plane(l.file())) {
                CONTROL_PANICS.fetch_add(1, Ordering::SeqCst);
            }
            previous(info);
        }));
    });
}

const MAX_LINE: usize = 1024;
const HELLO: &str = r#"{"protocol": "taskpool-control", "version": 1}"#;

/// Valid requests a hostile client mixes with its garbage.
const VALID: &[&str] = &[
    r#"{"id": 1, "command": "status"}"#,
    r#"{"id": 2, "command": "pool-size", "args": {"size": 3}}"#,
    r#"{"id": 3, "command": "pool-size", "args": {"size": null}}"#,
    r#"{"id": 4, "command": "apply", "args": {"function": "nap", "argument": 3, "num": 2}}"#,
    r#"{"id": 5, "command": "map", "args": {"function": "nap", "items": [1, 2, 3], "num_concurrent": 2}}"#,
    r#"{"id": 6, "command": "cancel-all"}"#,
    r#"{"id": 7, "command": "tasks"}"#,
    r#"{"id": 8, "command": "cancel", "args": {"ids": [0, 1, 99999]}}"#,
    r#"{"id": 9, "command": "lock"}"#,
    r#"{"id": 10, "command": "unlock"}"#,
    r#"{"id": 11, "command": "flush"}"#,
];

fn garbage(rng: &mut Rng, len: usize) -> Vec<u8> {
    (0..len).map(|_| rng.next_u64() as u8).collect()
}

/// One hostile connection; every await is bounded, and errors from the
/// server's side (reset, closed) are what these clients ask for.
async fn hostile(addr: std::net::SocketAddr, seed: u64) {
    let mut rng = Rng::new(seed);
    let Ok(Ok(stream)) = timeout(Duration::from_secs(5), TcpStream::connect(addr)).await else { return };
    let mut stream = BufReader::new(stream);
    let deadline = Duration::from_millis(500);
    let kind = rng.range(0, 7);
    let mut bytes: Vec<u8> = Vec::new();
    match kind {
        // Random bytes, with or without a newline.
        0 => {
            let n = rng.range(0, 3 * MAX_LINE);
            bytes = garbage(&mut rng, n);
            if rng.chance(50) {
                bytes.push(b'\n');
            }
        }
        // A truncated hello or request, then gone.
        1 => {
            let line = if rng.chance(50) { HELLO } else { VALID[rng.range(0, VALID.len() - 1)] };
            let cut = rng.range(0, line.len() - 1);
            bytes.extend_from_slice(&line.as_bytes()[..cut]);
        }
        // An oversized line, then a valid hello and a request.
        2 => {
            let n = rng.range(MAX_LINE + 1, 8 * MAX_LINE);
            bytes.extend(std::iter::repeat_n(b'x', n));
            bytes.push(b'\n');
            bytes.extend_from_slice(format!("{HELLO}\n{}\n", VALID[0]).as_bytes());
        }
        // Invalid UTF-8 in the hello, or in a request after a good hello.
        3 => {
            if rng.chance(50) {
                bytes.extend_from_slice(format!("{HELLO}\n").as_bytes());
            }
            bytes.extend_from_slice(b"{\"id\": 1, \"command\": \"st\xff\xfeatus\"}\n");
        }
        // A good hello, then valid commands interleaved with garbage lines.
        4 => {
            bytes.extend_from_slice(format!("{HELLO}\n").as_bytes());
            for _ in 0..rng.range(1, 8) {
                if rng.chance(50) {
                    bytes.extend_from_slice(VALID[rng.range(0, VALID.len() - 1)].as_bytes());
                } else {
                    let n = rng.range(0, 200);
                    bytes.extend(garbage(&mut rng, n).into_iter().filter(|&b| b != b'\n'));
                }
                bytes.push(b'\n');
            }
        }
        // Connect and never send; hold the connection a while.
        5 => {
            sleep(Duration::from_millis(rng.range(10, 400) as u64)).await;
            return;
        }
        // A good hello, then half a command and gone.
        _ => {
            let line = VALID[rng.range(0, VALID.len() - 1)];
            bytes.extend_from_slice(format!("{HELLO}\n").as_bytes());
            bytes.extend_from_slice(&line.as_bytes()[..line.len() / 2]);
        }
    }
    // Send in random pieces, so that lines arrive split.
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let n = rng.range(1, rest.len().min(700));
        if timeout(deadline, stream.get_mut().write_all(&rest[..n])).await.map_or(true, |r| r.is_err()) {
            return;
        }
        rest = &rest[n..];
    }
    if rng.chance(50) {
        // Read what comes back for a little while; some clients leave at once.
        let mut line = Vec::new();
        for _ in 0..rng.range(1, 10) {
            line.clear();
            match timeout(deadline, stream.read_until(b'\n', &mut line)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => break,
            }
        }
    }
}

#[test]
fn control_server_survives_hostile_clients() {
    count_control_panics();
    let connections =
        std::env::var("TASKPOOL_FAULT_CONNECTIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed: u64 = std::env::var("TASKPOOL_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_name("faults-rt")
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let started = Arc::new(AtomicU64::new(0));
        let ended = Arc::new(AtomicU64::new(0));
        let pool = TaskPool::builder().name("faults").pool_size(4).build();
        let (s, e) = (started.clone(), ended.clone());
        let server = ControlServer::builder(&pool).allow_unauthenticated_loopback(true)
            .register("nap", move |ms: u64| {
                let (s, e) = (s.clone(), e.clone());
                async move {
                    s.fetch_add(1, Ordering::SeqCst);
                    struct End(Arc<AtomicU64>);
                    impl Drop for End {
                        fn drop(&mut self) {
                            self.0.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    let _end = End(e);
                    sleep(Duration::from_millis(ms.min(20))).await;
                }
            })
            .max_line_len(MAX_LINE)
            .max_sessions(256)
            .idle_timeout(Duration::from_secs(1))
            .build();
        let handle = server.listen_tcp("127.0.0.1:0").await.expect("the server listens");
        let addr = handle.local_addr().expect("a TCP address");

        // Hostile clients: 24 at a time.
        let attack = tokio::spawn(async move {
            let mut rng = Rng::new(seed);
            let mut running = tokio::task::JoinSet::new();
            for _ in 0..connections {
                if running.len() >= 24 {
                    running.join_next().await;
                }
                running.spawn(hostile(addr, rng.next_u64()));
            }
            while running.join_next().await.is_some() {}
        });

        // The well-formed client: status within a bound, every time.
        let bound = Duration::from_secs(3);
        let mut client = timeout(bound, ControlClient::connect_tcp(addr, None))
            .await
            .expect("connecting within the bound")
            .expect("the well-formed client connects");
        let start = Instant::now();
        let (mut polls, mut slowest) = (0u64, Duration::ZERO);
        while !attack.is_finished() {
            let asked = Instant::now();
            let status = timeout(bound, client.status())
                .await
                .unwrap_or_else(|_| panic!("status took longer than {bound:?} after {polls} polls"))
                .expect("status answered");
            slowest = slowest.max(asked.elapsed());
            polls += 1;
            assert_eq!(status.name, "TaskPool-faults");
            sleep(Duration::from_millis(2)).await;
        }
        attack.await.expect("no hostile client panicked");
        // A fresh well-formed client still gets in after the attack.
        let mut late = timeout(bound, ControlClient::connect_tcp(addr, None)).await.unwrap().unwrap();
        timeout(bound, late.status()).await.unwrap().unwrap();

        pool.unlock();
        let report = timeout(Duration::from_secs(20), pool.gather_and_close()).await.expect("gather_and_close");
        let (s, e) = (started.load(Ordering::SeqCst), ended.load(Ordering::SeqCst));
        eprintln!(
            "faults: {connections} hostile connections in {:.1} s; {polls} status polls, slowest {slowest:?}; \
             {s} tasks started through the server, {} ended, {} cancelled",
            start.elapsed().as_secs_f64(),
            pool.num_ended(),
            pool.num_cancelled()
        );
        assert_eq!(s, e, "every task started through the server ended");
        assert!(pool.num_ended() >= s, "the pool counted every end");
        assert_eq!((pool.num_running(), pool.num_waiting()), (0, 0));
        assert_eq!((pool.num_failed(), report.num_failed()), (0, 0), "nap never panics");
        assert_eq!(CONTROL_PANICS.load(Ordering::SeqCst), 0, "control-plane code panicked");
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
}
