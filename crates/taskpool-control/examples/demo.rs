//! A demo service: a pool of workers working through a stream of jobs, with
//! a control server on 127.0.0.1 and on a Unix socket, behind an access
//! token (TCP needs one: every local user can reach a loopback port).
//!
//! ```text
//! cargo run -p taskpool-control --example demo
//! # in another terminal, with the token the demo printed:
//! export TASKPOOL_CTL_TOKEN=...
//! cargo run -p taskpool-ctl -- tcp 127.0.0.1 7878
//! demo> status
//! demo> start 4
//! demo> stop 2
//! ```
//!
//! Arguments (all optional): the TCP port (default 7878) and the Unix socket
//! path (default `$TMPDIR/taskpool-demo.sock`). The token is
//! `$TASKPOOL_CTL_TOKEN` when that is set (at least 16 bytes), else a fresh
//! random one. Ctrl-C stops the service.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskpool_control::ControlServer;
use tokio::sync::{mpsc, Mutex};
use tokio_taskpool::SimpleTaskPool;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(7878), |p| p.parse())?;
    let socket = args.next().map_or_else(|| std::env::temp_dir().join("taskpool-demo.sock"), Into::into);

    // Jobs arrive in a bounded queue, ten a second; each takes 0.3 to 1.2 s.
    let (jobs_tx, jobs_rx) = mpsc::channel::<u64>(100);
    let jobs_rx = Arc::new(Mutex::new(jobs_rx));
    let done = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        for job in 0.. {
            if jobs_tx.send(job).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });

    // Each worker takes the next job, works on it, and loops: start and stop
    // workers to follow the load.
    let worker = {
        let (jobs_rx, done) = (Arc::clone(&jobs_rx), Arc::clone(&done));
        move || {
            let (jobs_rx, done) = (Arc::clone(&jobs_rx), Arc::clone(&done));
            async move {
                loop {
                    let Some(job) = jobs_rx.lock().await.recv().await else { return };
                    tokio::time::sleep(Duration::from_millis(300 + (job * 7919) % 900)).await;
                    // Counting only needs atomicity, not ordering with other memory.
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    };
    let pool = SimpleTaskPool::builder(worker).name("demo").pool_size(32).build();
    pool.start(2)?;

    // taskpool-ctl reads the same variable, so an exported token serves both.
    let token = std::env::var("TASKPOOL_CTL_TOKEN").unwrap_or_else(|_| random_token());
    let server = ControlServer::builder(&pool).token(token.as_str()).build();
    let tcp = server.listen_tcp(("127.0.0.1", port)).await?;
    let unix = server.listen_unix(&socket).await?;
    println!("{} is running 2 workers; jobs arrive 10 per second.", pool);
    println!("Control it with taskpool-ctl, for instance:");
    println!("  export TASKPOOL_CTL_TOKEN={token}");
    println!("  cargo run -p taskpool-ctl -- {}", tcp.endpoint());
    println!("  cargo run -p taskpool-ctl -- {} -- start 4", unix.endpoint());
    println!("  cargo run -p taskpool-ctl -- {} -- status", unix.endpoint());
    println!("Ctrl-C stops the service.");

    let mut report = tokio::time::interval(Duration::from_secs(5));
    report.tick().await;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = report.tick() => println!(
                "workers {}, jobs done {}",
                pool.num_running(),
                done.load(Ordering::Relaxed)
            ),
        }
    }
    println!("stopping");
    tcp.shutdown().await;
    unix.shutdown().await;
    pool.stop_all();
    pool.gather_and_close().await;
    Ok(())
}

/// 32 hex digits from the standard library's randomly keyed hasher: enough
/// for a demo; a real service takes its token from a secret store.
fn random_token() -> String {
    (0..2).map(|_| format!("{:016x}", RandomState::new().build_hasher().finish())).collect()
}
