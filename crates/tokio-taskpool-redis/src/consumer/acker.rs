//! Acknowledging the entries of succeeded tasks in batches: every
//! acknowledgement that arrives while one transaction is on its way goes
//! into the next one, so a busy consumer pays one round trip for many
//! entries, and an idle one pays no extra hop through a background task.
//!
//! The first task to find no transaction under way sends one itself, and
//! keeps sending while others queue up behind it (a "combining" batcher).

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

use crate::retry_command::with_reconnects;
use crate::stats::StatsCounters;
use crate::RedisQueue;

/// The most acknowledgements sent in one transaction.
const ACK_BATCH: usize = 1024;

/// The acknowledgements of one consumer.
#[derive(Debug)]
pub(crate) struct Acker {
    queue: RedisQueue,
    consumer: String,
    stats: Arc<StatsCounters>,
    state: Mutex<AckState>,
}

#[derive(Debug, Default)]
struct AckState {
    waiting: Vec<AckRequest>,
    /// Whether some task is sending transactions; it sends until
    /// `waiting` is empty.
    sending: bool,
}

/// A request to acknowledge one entry; `done` says whether the server still
/// had it pending.
#[derive(Debug)]
struct AckRequest {
    id: String,
    done: oneshot::Sender<bool>,
}

impl Acker {
    pub(crate) fn new(queue: RedisQueue, consumer: String, stats: Arc<StatsCounters>) -> Arc<Acker> {
        Arc::new(Acker { queue, consumer, stats, state: Mutex::default() })
    }

    fn lock(&self) -> MutexGuard<'_, AckState> {
        // Nothing panics under this lock.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Acknowledges and deletes entry `id`; returns whether it was still
    /// pending (false: another consumer had taken it over and settled it,
    /// or the acknowledgement could not be sent and the entry will be
    /// delivered again). A lost connection is retried until the server
    /// answers, so a finished task's result is not lost to a Redis restart.
    ///
    /// Cancel safe in effect: if the caller is dropped while it sends for
    /// others, a new task takes over the sending.
    pub(crate) async fn ack(self: &Arc<Self>, id: String) -> bool {
        let (done, answer) = oneshot::channel();
        let lead = {
            let mut state = self.lock();
            state.waiting.push(AckRequest { id, done });
            !std::mem::replace(&mut state.sending, true)
        };
        if lead {
            Sender { acker: Arc::clone(self), batch: Vec::new(), finished: false }.send_until_empty().await;
        }
        answer.await.unwrap_or(false)
    }
}

/// The duty of sending, held by one task at a time. If that task is
/// dropped mid-way (cancelled), the duty and the batch it was sending pass
/// to a new task: acknowledging twice is harmless, never acknowledging
/// would redeliver finished work.
struct Sender {
    acker: Arc<Acker>,
    batch: Vec<AckRequest>,
    /// Set when it gave up the duty with nothing left to send.
    finished: bool,
}

impl Sender {
    async fn send_until_empty(mut self) {
        loop {
            {
                let mut state = self.acker.lock();
                if state.waiting.is_empty() {
                    state.sending = false;
                    self.finished = true;
                    return;
                }
                let take = state.waiting.len().min(ACK_BATCH);
                self.batch.extend(state.waiting.drain(..take));
            }
            self.send_batch().await;
        }
    }

    /// One transaction: XACK each entry (to learn which were pending), then
    /// one XDEL for all.
    async fn send_batch(&mut self) {
        let acker = &self.acker;
        let keys = &acker.queue.inner.keys;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for request in &self.batch {
            pipe.cmd("XACK").arg(keys.stream()).arg(keys.group()).arg(&request.id);
        }
        pipe.cmd("XDEL").arg(keys.stream()).arg(self.batch.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
        let conn = acker.queue.inner.conn.clone();
        let replies: Result<Vec<i64>, _> = with_reconnects("acknowledging entries", None, || {
            let (pipe, mut conn) = (pipe.clone(), conn.clone());
            async move { pipe.query_async(&mut conn).await }
        })
        .await;
        let batch = std::mem::take(&mut self.batch);
        match replies {
            Ok(replies) => {
                for (request, reply) in batch.into_iter().zip(replies) {
                    let removed = reply == 1;
                    StatsCounters::add(&acker.stats.acked, 1);
                    if !removed {
                        StatsCounters::add(&acker.stats.acked_already, 1);
                    }
                    tracing::debug!(
                        target: "tokio_taskpool_redis::ack",
                        "{} acked {} (was pending: {removed})",
                        acker.consumer,
                        request.id
                    );
                    let _ = request.done.send(removed);
                }
            }
            Err(err) => tracing::error!(
                "{} could not acknowledge {} entries, which stay pending and will be delivered again: {err}",
                acker.consumer,
                batch.len()
            ),
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Dropped mid-way: put the unsent batch back first in line, and
        // hand the duty (`sending` is still set) to a task of its own.
        {
            let mut state = self.acker.lock();
            let unsent: Vec<_> = self.batch.drain(..).collect();
            state.waiting.splice(0..0, unsent);
        }
        {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let next = Sender { acker: Arc::clone(&self.acker), batch: Vec::new(), finished: false };
                    runtime.spawn(next.send_until_empty());
                }
                // The runtime is shutting down: nothing can be sent; the
                // entries stay pending and are delivered again.
                Err(_) => self.acker.lock().sending = false,
            }
        }
    }
}
