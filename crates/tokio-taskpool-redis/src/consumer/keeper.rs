//! The keeper of one consumer, a background task beside the pool's group:
//! refreshes the leases of the held entries, moves due retries back to the
//! stream, and once the consumer is done (nothing more read, nothing held)
//! counts what it left pending and removes it from the group if nothing.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::core::ConsumerCore;
use crate::backoff::jittered;
use crate::retry_command::with_reconnects;
use crate::scripts::{LEASE_BATCH, REFRESH_LEASES};
use crate::stats::StatsCounters;
use crate::ConsumerStop;

/// The longest the keeper sleeps without looking whether it is done.
const MAX_NAP: Duration = Duration::from_millis(100);

/// Runs until the consumer is drained, then sends its final report.
pub(crate) async fn run_keeper(core: Arc<ConsumerCore>, report: watch::Sender<Option<ConsumerStop>>) {
    let lease_interval = core.options.lease_interval();
    let mut next_refresh = Instant::now() + lease_interval;
    let mut next_move = Instant::now() + jittered(core.options.retry_poll);
    while !core.held.is_drained() {
        let ending = core.held.ending();
        let wake = next_refresh.min(next_move).min(Instant::now() + MAX_NAP);
        tokio::select! {
            () = ending => {}
            () = tokio::time::sleep_until(wake) => {}
        }
        let now = Instant::now();
        if now >= next_refresh {
            refresh_leases(&core).await;
            next_refresh = Instant::now() + lease_interval;
        }
        if now >= next_move && !core.stop.is_cancelled() {
            if let Err(err) = core.queue.move_due_retries().await {
                tracing::warn!("{}: moving due retries failed: {err}", core.name);
            }
            next_move = Instant::now() + jittered(core.options.retry_poll);
        }
    }
    let stop = finish(&core).await;
    let _ = report.send(Some(stop));
}

/// Resets the idle time of every entry this consumer holds, in batches; an
/// entry found owned by another consumer is let go (its task goes on, but
/// the entry is no longer this consumer's to keep).
async fn refresh_leases(core: &ConsumerCore) {
    let ids = core.held.ids();
    let keys = &core.queue.inner.keys;
    for chunk in ids.chunks(LEASE_BATCH) {
        let mut invocation = REFRESH_LEASES.key(keys.stream());
        invocation.arg(keys.group()).arg(&core.name).arg(chunk);
        let mut conn = core.queue.inner.conn.clone();
        match invocation.invoke_async::<Vec<String>>(&mut conn).await {
            Ok(lost) => {
                for id in lost {
                    if core.held.forget(&id) {
                        StatsCounters::add(&core.stats.leases_lost, 1);
                        tracing::warn!(
                            "{}: {id} was taken over by another consumer while its lease was late; its task goes on",
                            core.name
                        );
                    }
                }
            }
            Err(err) => tracing::warn!("{}: refreshing {} leases failed: {err}", core.name, chunk.len()),
        }
    }
}

/// Counts the entries this consumer leaves pending; with none, removes it
/// from the consumer group.
async fn finish(core: &ConsumerCore) -> ConsumerStop {
    let keys = &core.queue.inner.keys;
    let conn = core.queue.inner.conn.clone();
    let pending = with_reconnects("counting the pending entries of a stopping consumer", Some(10), || {
        let mut conn = conn.clone();
        async move {
            let reply: redis::streams::StreamPendingCountReply = redis::cmd("XPENDING")
                .arg(keys.stream())
                .arg(keys.group())
                .arg("-")
                .arg("+")
                .arg(1_000_000)
                .arg(&core.name)
                .query_async(&mut conn)
                .await?;
            Ok(reply.ids.len() as u64)
        }
    })
    .await;
    let mut removed = false;
    match pending {
        Ok(0) => {
            let deleted = with_reconnects("removing a stopped consumer", Some(10), || {
                let mut conn = conn.clone();
                async move {
                    redis::cmd("XGROUP")
                        .arg("DELCONSUMER")
                        .arg(keys.stream())
                        .arg(keys.group())
                        .arg(&core.name)
                        .query_async::<i64>(&mut conn)
                        .await
                }
            })
            .await;
            removed = deleted.is_ok();
            tracing::info!("{} stopped with nothing pending and left the consumer group", core.name);
        }
        Ok(left) => tracing::warn!(
            "{} stopped leaving {left} entries pending; other consumers take them over once idle for {:?}",
            core.name,
            core.options.min_idle
        ),
        Err(ref err) => {
            tracing::warn!("{} stopped; its pending entries could not be counted: {err}", core.name)
        }
    }
    ConsumerStop {
        left_pending: pending.ok(),
        removed_consumer: removed,
        stats: core.stats.snapshot_with(core.held.max_held()),
    }
}
