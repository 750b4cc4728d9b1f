//! Helpers shared by the test modules.

pub(crate) use taskpool_test_support::Log;
use tokio::time::Instant;
use tokio_taskpool::TaskId;

/// Lets every task that can run, run, on the paused clock without moving it.
pub(crate) async fn settle() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

/// Seconds since `start`, on tokio's clock.
pub(crate) fn secs_since(start: Instant) -> f64 {
    (Instant::now() - start).as_secs_f64()
}

pub(crate) fn ids(raw: &[u64]) -> Vec<TaskId> {
    raw.iter().map(|&id| TaskId::from(id)).collect()
}
