use std::future::Future;
use std::time::Duration;

/// The longest any test waits for something that should happen at once
/// (long enough for a freshly built binary to start on a loaded machine).
pub const WAIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`WAIT`].
///
/// # Panics
///
/// When `fut` takes longer than [`WAIT`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Waits until `cond` holds, checking every 2 ms, failing the test with
/// `what` after [`WAIT`].
///
/// # Panics
///
/// When `cond` does not hold within [`WAIT`].
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    within(what, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
}
