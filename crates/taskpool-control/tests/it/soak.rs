//! The control server's soak test: a service-like pool maps over an endless
//! stream for a fixed time while one control client resizes it with
//! `pool-size` and another polls `status`, both over the server. Ignored by
//! default; run with
//!
//! ```text
//! TASKPOOL_SOAK_SECS=600 cargo test --release -p taskpool-control \
//!     --test it soak -- --ignored --nocapture
//! ```
//!
//! Every `status` is answered within 5 s and names the pool; afterwards the
//! resident memory has not grown past its level after the warm-up (plus a
//! margin for allocator noise), and the pool's counters add up with what the
//! result stream saw. The pool's own soak test, without a server, is
//! `model::soak` in the `tokio-taskpool` crate.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskpool_control::ControlServer;
use taskpool_protocol::{Command, ControlClient};
use taskpool_test_support::Rng;
use tokio::time::{sleep, timeout};
use tokio_taskpool::TaskPool;

/// Resident set size of this process, from /proc (Linux).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
#[ignore = "soak test: TASKPOOL_SOAK_SECS=600 cargo test --release -p taskpool-control --test it soak -- --ignored"]
fn soak_control_server_answers_and_keeps_memory_flat() {
    let secs: u64 = std::env::var("TASKPOOL_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    runtime.block_on(async move {
        let service = TaskPool::builder().name("soak-control").pool_size(8).build();
        // An endless stream of items; every 13th fails, the rest sleep up to
        // a millisecond.
        let handle = service
            .map_stream(
                |i: u64| async move {
                    sleep(Duration::from_micros(i % 1000)).await;
                    if i % 13 == 0 {
                        Err(i)
                    } else {
                        Ok(i)
                    }
                },
                futures::stream::iter(0u64..),
            )
            .num_concurrent(32)
            .group("service")
            .start()
            .unwrap();
        let results = tokio::spawn(async move {
            let (mut delivered, mut cancelled) = (0u64, 0u64);
            let mut handle = handle;
            while let Some(out) = handle.next().await {
                match out.result {
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    _ => delivered += 1,
                }
            }
            (delivered, cancelled)
        });

        let server = ControlServer::builder(&service).allow_unauthenticated_loopback(true).build();
        let control = server.listen_tcp("127.0.0.1:0").await.expect("the control server listens");
        let addr = control.local_addr().unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let bound = Duration::from_secs(5);

        // The controller: resizes the pool through the server.
        let controller = {
            let done = done.clone();
            let mut client = ControlClient::connect_tcp(addr, None).await.expect("the controller connects");
            tokio::spawn(async move {
                let mut rng = Rng::new(secs);
                let mut resizes = 0u64;
                while !done.load(Ordering::Relaxed) {
                    let size = Some(rng.range(0, 12));
                    timeout(bound, client.call(&Command::SetPoolSize { size }))
                        .await
                        .expect("pool-size answered within 5 s")
                        .expect("pool-size accepted");
                    resizes += 1;
                    sleep(Duration::from_millis(2)).await;
                }
                resizes
            })
        };
        // The poller: status through the server.
        let polls = Arc::new(AtomicU64::new(0));
        let poller = {
            let (done, polls) = (done.clone(), polls.clone());
            let mut client = ControlClient::connect_tcp(addr, None).await.expect("the poller connects");
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    let status = timeout(bound, client.status())
                        .await
                        .expect("status answered within 5 s")
                        .expect("status answered");
                    assert_eq!(status.name, "TaskPool-soak-control");
                    polls.fetch_add(1, Ordering::Relaxed);
                    sleep(Duration::from_millis(1)).await;
                }
            })
        };

        let start = Instant::now();
        let warm_up = Duration::from_secs(secs / 5);
        sleep(warm_up).await;
        let rss_warm = rss_bytes();
        sleep(Duration::from_secs(secs) - warm_up).await;
        done.store(true, Ordering::Relaxed);
        let resizes = controller.await.unwrap();
        poller.await.unwrap();
        let rss_end = rss_bytes();
        control.shutdown().await;

        // Wind down: the stream is endless, so the service group is cancelled.
        service.set_pool_size(None);
        service.cancel_group("service").unwrap();
        service.gather_and_close().await;
        let (delivered, cancelled) = results.await.unwrap();

        let polls = polls.load(Ordering::Relaxed);
        eprintln!(
            "control soak {:.0} s: {delivered} tasks delivered, {cancelled} cancelled; {resizes} pool-size \
             and {polls} status calls through the server; RSS after warm-up {:?} MiB, at the end {:?} MiB",
            start.elapsed().as_secs_f64(),
            rss_warm.map(|b| b >> 20),
            rss_end.map(|b| b >> 20),
        );
        assert_eq!(service.num_ended(), delivered + cancelled, "every task ended once and delivered once");
        assert_eq!(service.num_cancelled(), cancelled);
        assert_eq!((service.num_running(), service.num_waiting()), (0, 0));
        assert!(delivered > 0 && resizes > 0 && polls > 0, "the soak did work");
        if let (Some(warm), Some(end)) = (rss_warm, rss_end) {
            assert!(end <= warm + warm / 4 + (8 << 20), "RSS grew from {warm} to {end} bytes");
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
}
