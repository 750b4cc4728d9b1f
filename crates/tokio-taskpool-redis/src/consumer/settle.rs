//! Settling failed entries: scheduling retries, and dead-lettering. (The
//! acknowledgements of successes are batched, in `acker`.) A settled entry
//! is deleted from the stream in the same transaction that acknowledges
//! it, so the stream holds only what waits or runs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::core::ConsumerCore;
use super::delivery::EntryMeta;
use crate::fields;
use crate::keys::QueueKeys;
use crate::retry_command::with_reconnects;
use crate::stats::StatsCounters;

/// After a failed delivery: a retry through the delay set, or the
/// dead-letter stream once `max_deliveries` is reached.
pub(crate) async fn settle_failure(core: &ConsumerCore, meta: &EntryMeta, error: String) {
    if meta.deliveries >= core.options.max_deliveries {
        dead_letter(core, meta, &error).await;
    } else {
        schedule_retry(core, meta, &error).await;
    }
}

/// Puts the failed entry in the delay set, due after the backoff, and
/// acknowledges and deletes it, in one transaction.
async fn schedule_retry(core: &ConsumerCore, meta: &EntryMeta, error: &str) {
    let keys = &core.queue.inner.keys;
    let delay = core.options.backoff.after_failure(meta.deliveries);
    let due = now_ms() + delay.as_millis() as u64;
    // The member holds everything the mover needs to queue the item again;
    // origin and attempt make it unique.
    let member = serde_json::json!({
        "item": meta.raw_item,
        "attempt": meta.deliveries + 1,
        "origin": meta.origin,
        "error": error,
    })
    .to_string();
    let mut pipe = redis::pipe();
    pipe.atomic().cmd("ZADD").arg(keys.delayed()).arg(due).arg(member).ignore();
    ack_and_delete(&mut pipe, keys, &meta.id);
    match run_settling(core, "scheduling a retry", &pipe).await {
        Ok(()) => {
            StatsCounters::add(&core.stats.retried, 1);
            tracing::info!(
                "{} failed delivery {} of {} ({}); retry in {delay:?}: {error}",
                core.name,
                meta.deliveries,
                meta.id,
                meta.origin
            );
        }
        Err(err) => tracing::error!(
            "{} could not schedule the retry of {}; it stays pending and will be delivered again: {err}",
            core.name,
            meta.id
        ),
    }
}

/// Moves the entry to the dead-letter stream with its last error, and
/// acknowledges and deletes it, in one transaction.
pub(crate) async fn dead_letter(core: &ConsumerCore, meta: &EntryMeta, error: &str) {
    let keys = &core.queue.inner.keys;
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("XADD")
        .arg(keys.dead())
        .arg("*")
        .arg(fields::ITEM)
        .arg(&meta.raw_item)
        .arg(fields::ATTEMPT)
        .arg(meta.deliveries)
        .arg(fields::ERROR)
        .arg(error)
        .arg(fields::ORIGIN)
        .arg(&meta.origin)
        .arg(fields::CONSUMER)
        .arg(&core.name)
        .arg(fields::FAILED_AT)
        .arg(now_ms())
        .ignore();
    ack_and_delete(&mut pipe, keys, &meta.id);
    match run_settling(core, "dead-lettering an entry", &pipe).await {
        Ok(()) => {
            StatsCounters::add(&core.stats.dead_lettered, 1);
            tracing::warn!(
                "{} dead-lettered {} ({}) after {} deliveries: {error}",
                core.name,
                meta.id,
                meta.origin,
                meta.deliveries
            );
        }
        Err(err) => tracing::error!(
            "{} could not dead-letter {}; it stays pending and will be delivered again: {err}",
            core.name,
            meta.id
        ),
    }
}

/// Runs a settling transaction, trying again while the connection is down
/// (the outcome of a finished task must not be lost to a restart).
async fn run_settling(
    core: &ConsumerCore,
    doing: &'static str,
    pipe: &redis::Pipeline,
) -> Result<(), redis::RedisError> {
    let conn = core.queue.inner.conn.clone();
    with_reconnects(doing, None, || {
        let mut conn = conn.clone();
        async move { pipe.query_async::<()>(&mut conn).await }
    })
    .await
}

/// Milliseconds since the Unix epoch (0 before it: a broken clock only
/// makes retries due at once).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis() as u64
}

/// Ends a settling transaction: the entry is acknowledged and deleted from
/// the stream in the same transaction that retries or dead-letters it, so
/// that it is never both pending and moved.
fn ack_and_delete(pipe: &mut redis::Pipeline, keys: &QueueKeys, id: &str) {
    pipe.cmd("XACK").arg(keys.stream()).arg(keys.group()).arg(id).ignore();
    pipe.cmd("XDEL").arg(keys.stream()).arg(id).ignore();
}
