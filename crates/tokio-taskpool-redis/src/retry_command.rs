//! Running a command again after a lost connection, while the connection
//! manager reconnects.

use std::future::Future;
use std::time::Duration;

use redis::RedisError;

use crate::backoff::{jittered, Backoff};

/// The backoff between tries of a command that failed on the connection.
const COMMAND_BACKOFF: Backoff = Backoff::const_new(Duration::from_millis(50), Duration::from_secs(2));

/// Whether `err` says the connection failed (worth trying again once it is
/// back), rather than the command itself.
pub(crate) fn is_connection_error(err: &RedisError) -> bool {
    err.is_io_error()
        || err.is_connection_dropped()
        || err.is_connection_refusal()
        || err.is_timeout()
        || err.is_unrecoverable_error()
        || matches!(err.code(), Some("LOADING"))
}

/// Runs `command` until it succeeds, fails for another reason than the
/// connection, or has failed `tries` times on the connection (`None`: until
/// it succeeds). Each failure is logged with `doing`.
pub(crate) async fn with_reconnects<T, F, Fut>(
    doing: &str,
    tries: Option<u32>,
    mut command: F,
) -> Result<T, RedisError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RedisError>>,
{
    let mut failures = 0u32;
    loop {
        match command().await {
            Ok(value) => {
                if failures > 0 {
                    tracing::info!("{doing} succeeded after {failures} failed tries");
                }
                return Ok(value);
            }
            Err(err) if is_connection_error(&err) => {
                failures += 1;
                if tries.is_some_and(|tries| failures >= tries) {
                    return Err(err);
                }
                tracing::warn!("{doing} failed on the connection (try {failures}), trying again: {err}");
                tokio::time::sleep(jittered(COMMAND_BACKOFF.after_failure(failures))).await;
            }
            Err(err) => return Err(err),
        }
    }
}
