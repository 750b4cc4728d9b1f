//! Helpers shared by the test modules.

use std::sync::{Arc, Mutex};

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

/// A shared, ordered log of what happened.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub(crate) fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub(crate) fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

pub(crate) fn ids(raw: &[u64]) -> Vec<TaskId> {
    raw.iter().map(|&id| TaskId::from(id)).collect()
}
