//! What the tests share: the item type, and waits on Redis.

use std::future::Future;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The item of most tests: a number, and how long its task takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Job {
    pub(crate) n: u32,
    pub(crate) ms: u32,
}

/// Logs warnings and errors to the test's output.
pub(crate) fn init_logging() {
    let _ = tracing_subscriber::fmt().with_max_level(tracing::Level::WARN).with_test_writer().try_init();
}

/// Waits until `cond` holds, checking every 10 ms, failing the test with
/// `what` after `limit`.
pub(crate) async fn wait_for<F, Fut>(what: &str, limit: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
