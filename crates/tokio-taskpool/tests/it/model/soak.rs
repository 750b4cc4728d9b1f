//! The soak test: a service-like pool mapping over an endless stream for a
//! fixed time while a controller resizes both pools and stops and restarts
//! workers, and a poller reads `status`. Ignored by default; run with
//!
//! ```text
//! TASKPOOL_SOAK_SECS=600 cargo test --release -p tokio-taskpool \
//!     --test it model::soak -- --ignored --nocapture
//! ```
//!
//! Afterwards the resident memory has not grown past its level after the
//! warm-up (plus a margin for allocator noise), and every counter adds up
//! with what the tasks and the result stream saw.
//!
//! The poller reads the service pool's `status`; the control server's own
//! long run is `soak` in the `taskpool-control` crate's tests.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::time::sleep;
use tokio_taskpool::{current, SimpleTaskPool, TaskPool};

use super::rng::Rng;

/// Resident set size of this process, from /proc (Linux).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[derive(Default)]
struct Seen {
    worker_starts: AtomicU64,
    worker_ends: AtomicU64,
    polls: AtomicU64,
    max_over_limit: AtomicU64,
}

#[test]
#[ignore = "soak test: TASKPOOL_SOAK_SECS=600 cargo test --release ... model::soak -- --ignored"]
fn soak_service_pool_keeps_memory_flat_and_counters_consistent() {
    let secs: u64 = std::env::var("TASKPOOL_SOAK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    runtime.block_on(async move {
        let seen = Arc::new(Seen::default());
        let service = TaskPool::builder().name("soak-service").pool_size(8).build();
        let s2 = seen.clone();
        let workers = SimpleTaskPool::builder(move || {
            let seen = s2.clone();
            async move {
                seen.worker_starts.fetch_add(1, Ordering::Relaxed);
                struct End(Arc<Seen>);
                impl Drop for End {
                    fn drop(&mut self) {
                        self.0.worker_ends.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let _end = End(seen);
                let stop = current::stop_requested();
                tokio::pin!(stop);
                loop {
                    tokio::select! {
                        () = &mut stop => break,
                        () = sleep(Duration::from_millis(1)) => {}
                    }
                }
            }
        })
        .name("soak-workers")
        .pool_size(16)
        .build();

        // The service: an endless stream of items; every 97th panics, every
        // 13th fails, the rest sleep up to a millisecond.
        let items = futures::stream::iter(0u64..);
        let handle = service
            .map_stream(
                |i: u64| async move {
                    if i % 97 == 0 {
                        panic!("item {i} panics on purpose");
                    }
                    sleep(Duration::from_micros(i % 1000)).await;
                    if i % 13 == 0 {
                        Err(i)
                    } else {
                        Ok(i)
                    }
                },
                items,
            )
            .num_concurrent(32)
            .group("service")
            .start()
            .unwrap();
        let results = tokio::spawn(async move {
            let (mut ok, mut err, mut panics, mut cancelled) = (0u64, 0u64, 0u64, 0u64);
            let mut handle = handle;
            while let Some(out) = handle.next().await {
                match out.result {
                    Ok(Ok(_)) => ok += 1,
                    Ok(Err(_)) => err += 1,
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    Err(_) => panics += 1,
                }
            }
            (ok, err, panics, cancelled)
        });

        let done = Arc::new(AtomicBool::new(false));
        // The controller: resizes both pools, stops and restarts workers.
        let controller = {
            let (service, workers, done) = (service.clone(), workers.clone(), done.clone());
            tokio::spawn(async move {
                let mut rng = Rng::new(secs);
                let mut stopped = 0u64;
                while !done.load(Ordering::Relaxed) {
                    match rng.range(0, 9) {
                        0..=2 => service.set_pool_size(Some(rng.range(0, 12))),
                        3 => workers.set_pool_size(Some(rng.range(0, 20))),
                        4..=6 => {
                            workers.start(rng.range(1, 8)).unwrap();
                        }
                        _ => stopped += workers.stop(rng.range(1, 8)).len() as u64,
                    }
                    sleep(Duration::from_millis(2)).await;
                }
                stopped
            })
        };
        // The poller: the service pool's `status`.
        let poller = {
            let (service, workers, done, seen) = (service.clone(), workers.clone(), done.clone(), seen.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    let service_view = {
                        let status = service.status();
                        (status.pool_size, status.running)
                    };
                    let workers_status = workers.status();
                    for (size, running) in [service_view, (workers_status.pool_size, workers_status.running)] {
                        let over = running.saturating_sub(size.unwrap_or(usize::MAX)) as u64;
                        seen.max_over_limit.fetch_max(over, Ordering::Relaxed);
                    }
                    seen.polls.fetch_add(1, Ordering::Relaxed);
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
        let stopped = controller.await.unwrap();
        poller.await.unwrap();
        let rss_end = rss_bytes();

        // Wind down: the stream is endless, so the service group is cancelled.
        service.set_pool_size(None);
        service.cancel_group("service").unwrap();
        let service_report = service.gather_and_close().await;
        let _ = workers.stop_all();
        let worker_report = workers.gather_and_close().await;
        let (ok, err, panics, cancelled) = results.await.unwrap();

        let s = &seen;
        eprintln!(
            "soak {:.0} s: service ok {ok} err {err} panics {panics} cancelled {cancelled}; workers started {} \
             stopped by stop() {stopped}; status polls {}; running over a lowered limit by at most {}; \
             RSS after warm-up {:?} MiB, at the end {:?} MiB",
            start.elapsed().as_secs_f64(),
            s.worker_starts.load(Ordering::Relaxed),
            s.polls.load(Ordering::Relaxed),
            s.max_over_limit.load(Ordering::Relaxed),
            rss_warm.map(|b| b >> 20),
            rss_end.map(|b| b >> 20),
        );
        // Counters add up.
        let total = ok + err + panics + cancelled;
        assert_eq!(service.num_ended(), total, "every service task ended once and delivered once");
        assert_eq!(service.num_cancelled(), cancelled);
        assert_eq!(service.num_failed(), panics);
        assert!(service_report.num_failed() <= panics);
        assert_eq!((service.num_running(), service.num_waiting()), (0, 0));
        let (starts, ends) = (s.worker_starts.load(Ordering::Relaxed), s.worker_ends.load(Ordering::Relaxed));
        assert_eq!(starts, ends, "every worker that started ended");
        assert_eq!(workers.num_ended(), starts, "the pool counted every worker's end");
        assert!(workers.num_cancelled() >= stopped, "every worker stop() returned was cancelled");
        assert!(worker_report.is_clean());
        assert!(ok > 0 && starts > 0, "the soak did work");
        // Memory: nothing accumulates per task. The margin covers allocator
        // and runtime noise; a leak of even 100 bytes per task would pass it
        // within the first minute.
        if let (Some(warm), Some(end)) = (rss_warm, rss_end) {
            assert!(end <= warm + warm / 4 + (8 << 20), "RSS grew from {warm} to {end} bytes");
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
}
