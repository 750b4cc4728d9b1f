//! An operator gets in while hostile clients flood the server: 1,000
//! connections that never send a line plus 100 that send one byte a
//! second, over TCP and over a Unix socket. During the flood and after it,
//! `taskpool-ctl status` succeeds within the handshake deadline plus one
//! second, and the pool's counts are untouched.
//!
//! This needs about 4,500 file descriptors (both ends of every connection
//! are in this process); the test says so if the limit is lower.

use std::future::Future;
use std::time::{Duration, Instant};

use taskpool_control::{ControlHandle, ControlServer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio_taskpool::SimpleTaskPool;

use crate::support::{ctl, socket_path, target, wait_until, within};

const TOKEN: &str = "flood-test-token-0123456789";
const SILENT: usize = 1_000;
const TRICKLING: usize = 100;
/// The server's default handshake deadline.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_gets_in_during_and_after_a_flood_over_tcp() {
    let (pool, server) = service("flood-tcp");
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    flood_then_status(&pool, &handle, || async move { TcpStream::connect(addr).await.expect("connect") })
        .await;
    handle.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_gets_in_during_and_after_a_flood_over_a_unix_socket() {
    let (pool, server) = service("flood-unix");
    let handle = server.listen_unix(socket_path("flood")).await.unwrap();
    let path = handle.endpoint().to_string().trim_start_matches("unix ").to_owned();
    flood_then_status(&pool, &handle, || {
        let path = path.clone();
        async move { UnixStream::connect(path).await.expect("connect") }
    })
    .await;
    handle.shutdown().await;
}

/// A pool with three workers and its control server, with default limits.
fn service(name: &str) -> (SimpleTaskPool, ControlServer) {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name(name).build();
    pool.start(3).unwrap();
    let server = ControlServer::builder(&pool).token(TOKEN).build();
    (pool, server)
}

async fn flood_then_status<S, F, Fut>(pool: &SimpleTaskPool, handle: &ControlHandle, connect: F)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let mut silent = Vec::with_capacity(SILENT);
    for n in 0..SILENT {
        silent.push(within(&format!("silent connection {n}"), connect()).await);
    }
    let mut trickling = Vec::with_capacity(TRICKLING);
    for _ in 0..TRICKLING {
        let mut stream = connect().await;
        trickling.push(tokio::spawn(async move {
            // One byte a second until the server hangs up.
            while stream.write_all(b" ").await.is_ok() {
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }

    operator_status(pool, handle, "during the flood").await;

    // The server closes the tricklers by its deadline, whatever they send.
    within("the trickling connections closed by the server", async {
        for trickler in trickling {
            trickler.await.unwrap();
        }
    })
    .await;
    drop(silent);
    operator_status(pool, handle, "after the flood").await;
    wait_until("the workers untouched", || pool.num_running() == 3).await;
    assert_eq!((pool.num_cancelled(), pool.num_ended()), (0, 0), "the flood changed nothing in the pool");
}

/// Runs `taskpool-ctl ... -- status` and checks that it succeeds in time and
/// shows the three workers.
async fn operator_status(pool: &SimpleTaskPool, handle: &ControlHandle, when: &str) {
    let target = target(handle);
    let mut args: Vec<&str> = target.iter().map(String::as_str).collect();
    args.extend(["--", "status"]);
    let started = Instant::now();
    let run = ctl(&args, "", &[("TASKPOOL_CTL_TOKEN", TOKEN)]).await;
    let took = started.elapsed();
    let status = run.ok();
    assert!(
        took < HANDSHAKE_DEADLINE + Duration::from_secs(1),
        "status {when} took {took:?}, beyond the handshake deadline plus one second"
    );
    assert!(status.contains(&format!("SimpleTaskPool-{}", pool.handle().name())), "{status}");
    assert!(status.contains("running 3,"), "status {when}: {status}");
}
