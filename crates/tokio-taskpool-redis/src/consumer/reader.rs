//! The input of the consumer's group: a stream that reads entries from
//! Redis only when the pool polls it, and then only as many as there are
//! free places for.
//!
//! The pool's map group polls its input only once it has a free slot of
//! its own (`num_concurrent`); the reader also counts the room under the
//! pool's size limit and reads nothing while the pool is locked. What it
//! reads it holds (and keeps leased) until the tasks settle the entries.

use std::collections::{HashMap, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimReply, StreamClaimReply, StreamId, StreamPendingCountReply, StreamReadReply,
};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tokio_taskpool::TaskPool;

use super::core::ConsumerCore;
use super::delivery::{Delivery, EntryMeta};
use super::settle::dead_letter;
use crate::backoff::{jittered, Backoff};
use crate::fields::RawEntry;
use crate::stats::StatsCounters;

/// The backoff of the reader after a failed read (Redis down, restarting).
const READ_BACKOFF: Backoff = Backoff::const_new(Duration::from_millis(50), Duration::from_secs(2));

/// The longest pause between two looks at the pool's room while none is
/// free and nothing of this consumer's changes (another group's task may
/// end, the limit may be raised, the pool unlocked).
const MAX_ROOM_PAUSE: Duration = Duration::from_millis(16);

/// How long the reader may wait for more free places (up to a quarter of
/// `num_concurrent`) while its tasks run, to read them in one batch.
const READ_LINGER: Duration = Duration::from_micros(500);

/// Reads for one consumer. Dropping it (the pool ends the group) tells the
/// keeper that nothing more will be read.
pub(crate) struct Reader<T> {
    core: Arc<ConsumerCore>,
    pool: TaskPool,
    /// The connection of the blocking reads alone.
    blocking: ConnectionManager,
    /// Entries read, waiting to be handed to the pool.
    ready: VecDeque<Delivery<T>>,
    /// Consumers of the same instance from earlier starts, whose pending
    /// entries this one finishes first.
    predecessors: VecDeque<String>,
    /// When to look next for entries of dead consumers.
    next_takeover: Instant,
    /// Where the last XAUTOCLAIM scan stopped.
    takeover_cursor: String,
    /// The server's client ID of the blocking connection, for CLIENT
    /// UNBLOCK; `None` until asked, and after an error (a reconnect).
    blocking_id: Option<i64>,
    failures: u32,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Send + 'static> Reader<T> {
    pub(crate) fn new(
        core: Arc<ConsumerCore>,
        pool: TaskPool,
        blocking: ConnectionManager,
        predecessors: Vec<String>,
    ) -> Reader<T> {
        Reader {
            core,
            pool,
            blocking,
            ready: VecDeque::new(),
            predecessors: predecessors.into(),
            // Entries of consumers that died before this one started are
            // looked for at once.
            next_takeover: Instant::now(),
            takeover_cursor: "0-0".to_owned(),
            blocking_id: None,
            failures: 0,
            item: PhantomData,
        }
    }

    /// The input stream of the group.
    pub(crate) fn into_stream(self) -> impl futures::Stream<Item = Delivery<T>> + Send + 'static {
        futures::stream::unfold(self, |mut reader| async move {
            let next = reader.next().await;
            next.map(|delivery| (delivery, reader))
        })
    }

    /// The next entry for a task, read when needed; `None` once the
    /// consumer is asked to stop.
    async fn next(&mut self) -> Option<Delivery<T>> {
        loop {
            if self.core.stop.is_cancelled() {
                return None;
            }
            if let Some(mut delivery) = self.ready.pop_front() {
                delivery.lease.yielded();
                return Some(delivery);
            }
            let free = self.wait_for_free_places().await?;
            // Dropping a read on stop may leave what it read pending under
            // this consumer, for takeover after `min_idle`; waiting out a
            // block time instead would delay every stop.
            let stop = self.core.stop.clone();
            let fetched = tokio::select! {
                fetched = self.fetch(free) => fetched,
                () = stop.cancelled() => return None,
            };
            match fetched {
                Ok(entries) => {
                    self.failures = 0;
                    self.accept(entries).await;
                }
                Err(err) => {
                    self.failures += 1;
                    if is_nogroup(&err) {
                        // The stream or the group is gone (deleted, or a
                        // restart without persistence): make it again.
                        tracing::warn!("{}: the consumer group is gone, creating it again", self.core.name);
                        let _ = super::create_group(&self.core.queue).await;
                    } else {
                        let delay = READ_BACKOFF.after_failure(self.failures);
                        tracing::warn!(
                            "{}: reading failed (try {}), trying again in about {delay:?}: {err}",
                            self.core.name,
                            self.failures
                        );
                        tokio::select! {
                            () = tokio::time::sleep(jittered(delay)) => {}
                            () = self.core.stop.cancelled() => return None,
                        }
                    }
                }
            }
        }
    }

    /// Waits until at least one place is free and returns how many are;
    /// `None` if the consumer is asked to stop meanwhile.
    async fn wait_for_free_places(&mut self) -> Option<usize> {
        let mut pause = Duration::from_micros(250);
        let mut linger_until: Option<Instant> = None;
        loop {
            let changed = self.core.held.changed();
            tokio::pin!(changed);
            // Registered before looking, so that a change right after the
            // look still wakes this wait.
            changed.as_mut().enable();
            let free = free_places(&self.pool, &self.core);
            if free > 0 {
                // While tasks of this group still run, a moment's wait lets
                // more of them finish, so that one read fetches several
                // entries instead of one per finished task. Never with
                // nothing in flight: an idle consumer reads at once.
                let (in_flight, _) = self.core.held.in_flight();
                let enough = free >= self.core.options.num_concurrent.div_ceil(4) || in_flight == 0;
                let deadline = *linger_until.get_or_insert_with(|| Instant::now() + READ_LINGER);
                if enough || Instant::now() >= deadline {
                    return Some(free);
                }
                tokio::select! {
                    () = changed => {}
                    () = tokio::time::sleep_until(deadline) => {}
                    () = self.core.stop.cancelled() => return None,
                }
                continue;
            }
            tokio::select! {
                () = changed => {}
                () = tokio::time::sleep(pause) => pause = (pause * 2).min(MAX_ROOM_PAUSE),
                () = self.core.stop.cancelled() => return None,
            }
        }
    }

    /// Reads at most `free` entries: first those of this instance's
    /// earlier processes, then (when due) those of consumers that stopped
    /// refreshing their leases, then new ones. Each entry comes with how
    /// many deliveries it had before this one.
    async fn fetch(&mut self, free: usize) -> Result<Vec<(RawEntry, u32)>, redis::RedisError> {
        StatsCounters::add(&self.core.stats.read_calls, 1);
        if let Some(predecessor) = self.predecessors.front().cloned() {
            let entries = self.claim_from_predecessor(&predecessor, free).await?;
            if !entries.is_empty() {
                return Ok(entries);
            }
            self.predecessors.pop_front();
        }
        if Instant::now() >= self.next_takeover {
            let entries = self.take_over(free).await?;
            if !entries.is_empty() {
                return Ok(entries);
            }
        }
        self.read_new(free).await
    }

    /// New entries (`>`), blocking up to the block time. While the read
    /// blocks, the free places are watched: if they drop below what was
    /// asked for (the pool is locked, its limit lowered, another group took
    /// room), the read is cut short with CLIENT UNBLOCK, so that no entry
    /// arriving later is delivered to a consumer that has no place for it.
    async fn read_new(&mut self, free: usize) -> Result<Vec<(RawEntry, u32)>, redis::RedisError> {
        if self.blocking_id.is_none() {
            self.blocking_id = Some(redis::cmd("CLIENT").arg("ID").query_async(&mut self.blocking).await?);
        }
        let keys = &self.core.queue.inner.keys;
        let mut command = redis::cmd("XREADGROUP");
        command
            .arg("GROUP")
            .arg(keys.group())
            .arg(&self.core.name)
            .arg("COUNT")
            .arg(free)
            .arg("BLOCK")
            .arg(self.core.options.block.as_millis() as u64)
            .arg("STREAMS")
            .arg(keys.stream())
            .arg(">");
        let mut blocking = self.blocking.clone();
        let read = async move { command.query_async::<Option<StreamReadReply>>(&mut blocking).await };
        tokio::pin!(read);
        let reply = tokio::select! {
            reply = &mut read => reply,
            () = room_shrinks_below(&self.pool, &self.core, free) => {
                self.unblock_read().await;
                read.await
            }
        };
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => {
                // A reconnected connection has another client ID.
                self.blocking_id = None;
                return Err(err);
            }
        };
        let entries: Vec<_> = reply
            .into_iter()
            .flat_map(|reply| reply.keys)
            .flat_map(|key| key.ids)
            .map(|entry| (raw(entry), 0))
            .collect();
        StatsCounters::add(&self.core.stats.read, entries.len() as u64);
        Ok(entries)
    }

    /// Ends the blocking read now, as if its block time had passed (it
    /// returns what it has, normally nothing).
    async fn unblock_read(&mut self) {
        let Some(id) = self.blocking_id else { return };
        let mut conn = self.core.queue.inner.conn.clone();
        if let Err(err) = redis::cmd("CLIENT").arg("UNBLOCK").arg(id).query_async::<i64>(&mut conn).await {
            // Without the right to unblock (an ACL user without CLIENT), the
            // read ends at its block time instead.
            tracing::debug!("{}: CLIENT UNBLOCK failed: {err}", self.core.name);
        }
    }

    /// XAUTOCLAIM: entries idle for `min_idle` (their consumer stopped
    /// refreshing them) become this consumer's. The scan goes on from
    /// where it stopped; once it has gone round, the next one is due after
    /// a jittered half `min_idle`, so that processes do not all scan at once.
    async fn take_over(&mut self, free: usize) -> Result<Vec<(RawEntry, u32)>, redis::RedisError> {
        let keys = &self.core.queue.inner.keys;
        let mut conn = self.core.queue.inner.conn.clone();
        let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
            .arg(keys.stream())
            .arg(keys.group())
            .arg(&self.core.name)
            .arg(self.core.options.min_idle.as_millis() as u64)
            .arg(&self.takeover_cursor)
            .arg("COUNT")
            .arg(free)
            .query_async(&mut conn)
            .await?;
        if reply.next_stream_id == "0-0" {
            self.next_takeover = Instant::now() + jittered(self.core.options.takeover_interval());
        }
        self.takeover_cursor = reply.next_stream_id;
        if reply.claimed.is_empty() {
            return Ok(Vec::new());
        }
        let earlier = self.delivery_counts(&reply.claimed).await?;
        let entries: Vec<_> = reply
            .claimed
            .into_iter()
            .map(|entry| {
                let before = earlier.get(&entry.id).copied().unwrap_or(1);
                (raw(entry), before)
            })
            .collect();
        tracing::info!("{} took over {} entries of consumers that stopped", self.core.name, entries.len());
        StatsCounters::add(&self.core.stats.read, entries.len() as u64);
        StatsCounters::add(&self.core.stats.taken_over, entries.len() as u64);
        Ok(entries)
    }

    /// How many times each of `claimed` (now this consumer's) was delivered
    /// before the claim (the claim itself counted one more).
    async fn delivery_counts(
        &mut self,
        claimed: &[StreamId],
    ) -> Result<HashMap<String, u32>, redis::RedisError> {
        let keys = &self.core.queue.inner.keys;
        let mut conn = self.core.queue.inner.conn.clone();
        let (first, last) = (&claimed[0].id, &claimed[claimed.len() - 1].id);
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(keys.stream())
            .arg(keys.group())
            .arg(first)
            .arg(last)
            .arg(claimed.len().max(1) * 4 + 64)
            .arg(&self.core.name)
            .query_async(&mut conn)
            .await?;
        Ok(pending.ids.into_iter().map(|p| (p.id, (p.times_delivered as u32).saturating_sub(1))).collect())
    }

    /// Claims up to `free` pending entries of an earlier process of this
    /// instance, without waiting for their leases to lapse: that process
    /// is gone, since this one took its instance name. Once it has none,
    /// its consumer is removed from the group.
    async fn claim_from_predecessor(
        &mut self,
        predecessor: &str,
        free: usize,
    ) -> Result<Vec<(RawEntry, u32)>, redis::RedisError> {
        let keys = &self.core.queue.inner.keys;
        let mut conn = self.core.queue.inner.conn.clone();
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(keys.stream())
            .arg(keys.group())
            .arg("-")
            .arg("+")
            .arg(free)
            .arg(predecessor)
            .query_async(&mut conn)
            .await?;
        if pending.ids.is_empty() {
            redis::cmd("XGROUP")
                .arg("DELCONSUMER")
                .arg(keys.stream())
                .arg(keys.group())
                .arg(predecessor)
                .query_async::<()>(&mut conn)
                .await?;
            tracing::info!("{}: removed the consumer of the previous process, {predecessor}", self.core.name);
            return Ok(Vec::new());
        }
        let earlier: HashMap<String, u32> =
            pending.ids.iter().map(|p| (p.id.clone(), p.times_delivered as u32)).collect();
        let mut claim = redis::cmd("XCLAIM");
        claim.arg(keys.stream()).arg(keys.group()).arg(&self.core.name).arg(0);
        for p in &pending.ids {
            claim.arg(&p.id);
        }
        let claimed: StreamClaimReply = claim.query_async(&mut conn).await?;
        let entries: Vec<_> = claimed
            .ids
            .into_iter()
            .map(|entry| {
                let before = earlier.get(&entry.id).copied().unwrap_or(1);
                (raw(entry), before)
            })
            .collect();
        tracing::info!(
            "{} finishes {} pending entries of the previous process {predecessor}",
            self.core.name,
            entries.len()
        );
        StatsCounters::add(&self.core.stats.read, entries.len() as u64);
        StatsCounters::add(&self.core.stats.taken_over, entries.len() as u64);
        Ok(entries)
    }

    /// Holds each entry read and makes it ready for a task, or
    /// dead-letters it when it cannot run: its item does not deserialize,
    /// or its consumers died with it as often as deliveries are allowed.
    async fn accept(&mut self, entries: Vec<(RawEntry, u32)>) {
        let max_deliveries = self.core.options.max_deliveries;
        for (entry, before) in entries {
            let Some(lease) = self.core.held.hold(&entry.id) else {
                // Already held here (a takeover met an entry this consumer
                // runs): it must not run twice in one process.
                continue;
            };
            // `attempt` counts the failures re-queued through the delay
            // set; `before` the deliveries of this very entry whose
            // consumer died.
            let deliveries = entry.attempt + before;
            let meta = EntryMeta {
                id: entry.id.clone(),
                raw_item: entry.item.clone().unwrap_or_default(),
                origin: entry.origin.clone(),
                deliveries,
            };
            let item = match &entry.item {
                None => Err("the entry has no 'item' field".to_owned()),
                Some(json) => serde_json::from_str::<T>(json).map_err(|err| {
                    format!("the item does not deserialize into {}: {err}", std::any::type_name::<T>())
                }),
            };
            if deliveries > max_deliveries {
                let error = format!(
                    "delivered {} times; the consumers that held it stopped before it finished",
                    deliveries - 1
                );
                dead_letter(&self.core, &EntryMeta { deliveries: deliveries - 1, ..meta }, &error).await;
                continue;
            }
            match item {
                Ok(item) => {
                    self.ready.push_back(Delivery { item, meta, lease });
                }
                Err(error) => {
                    dead_letter(&self.core, &meta, &error).await;
                }
            }
        }
    }
}

/// The places free for this consumer's entries now: room under the
/// group's `num_concurrent` and under the pool's size limit, less the
/// entries handed to the pool that have not started yet; none while
/// the pool is locked.
fn free_places(pool: &TaskPool, core: &ConsumerCore) -> usize {
    if pool.is_locked() {
        return 0;
    }
    let (in_flight, unstarted) = core.held.in_flight();
    let group_room = core.options.num_concurrent.saturating_sub(in_flight);
    let pool_room = match pool.pool_size() {
        None => usize::MAX,
        Some(size) => size.saturating_sub(pool.num_running() + unstarted),
    };
    group_room.min(pool_room)
}

/// Resolves once fewer than `asked` places are free, looking every 5 ms.
async fn room_shrinks_below(pool: &TaskPool, core: &ConsumerCore, asked: usize) {
    while free_places(pool, core) >= asked {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.core.held.reader_gone();
    }
}

/// The fields of a stream entry that this crate reads.
fn raw(entry: StreamId) -> RawEntry {
    RawEntry::from_fields(entry.id, &entry.map)
}

/// Whether the server said the stream or the group does not exist.
fn is_nogroup(err: &redis::RedisError) -> bool {
    err.code() == Some("NOGROUP") || err.to_string().contains("NOGROUP")
}
