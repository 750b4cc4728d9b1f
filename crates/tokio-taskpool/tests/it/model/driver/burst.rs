//! Several operations at once, each from its own task, released together by
//! a barrier. How they interleave is up to the runtime, so the model learns
//! their effects afterwards, from what each call returned, and accepts only
//! the outcomes some interleaving could give; the exact checks of `one` do
//! not apply, the invariants of `checks.rs` still do.

use std::collections::BTreeSet;
use std::sync::Arc;

use tokio::time::timeout;
use tokio_taskpool::{CancelError, GroupNotFound, PoolReport, SpawnError, TaskId};

use super::ops::Op;
use super::reference::Closing;
use super::{Case, DEADLINE};
use crate::model::tracker::Outcome;

/// How a burst's operation came out, applied to the model once all are done.
enum Effect {
    None,
    Cancelled(Vec<TaskId>, Result<(), CancelError>),
    GroupCancelled(usize, Result<usize, GroupNotFound>, Closing),
    /// `cancel_all` returned: the clock's tick then, and the tasks the pool
    /// listed for each group right after.
    AllCancelled(Option<u64>, Vec<BTreeSet<TaskId>>),
    Flushed(PoolReport),
}

impl Case {
    /// Several operations at once, each in its own task, released together.
    pub(super) async fn burst(&mut self, ops: Vec<Op>) -> Result<(), String> {
        self.settle().await?;
        let endings = ops.iter().filter(|op| op.ends_or_cancels()).count();
        let had_lock = ops.iter().any(|op| matches!(op, Op::Lock | Op::Unlock));
        let locked_before = self.model.locked;
        // Resolve targets and make groups' closures before the barrier; group
        // creation itself runs inside the burst.
        let barrier = Arc::new(tokio::sync::Barrier::new(ops.len()));
        let mut tasks = Vec::new();
        let mut creations = Vec::new();
        for op in &ops {
            let barrier = barrier.clone();
            let base = self.base().clone();
            let tracker = self.tracker.clone();
            match op {
                Op::Apply { .. } | Op::Map { .. } | Op::MapStream { .. } | Op::Start { .. } => {
                    // Made on the driver's task between the others' operations:
                    // creation is synchronous and cannot be moved into a task
                    // without its builder, so it races from here.
                    creations.push(op.clone());
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        Effect::None
                    }));
                }
                Op::Release { picks } => {
                    let ids = self.pick_gated(&picks.iter().map(|p| p.0).collect::<Vec<_>>());
                    let outcomes: Vec<Outcome> = picks.iter().map(|p| p.1).collect();
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        for (i, id) in ids.iter().enumerate() {
                            tracker.release(*id, outcomes[i % outcomes.len()]);
                        }
                        Effect::None
                    }));
                }
                Op::Cancel { picks, .. } => {
                    let ids = self.pick_gated(picks);
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        let r = base.cancel(&ids);
                        Effect::Cancelled(ids, r)
                    }));
                }
                Op::CancelGroup { pick } => {
                    let Some(index) = self.pick_group(*pick) else {
                        tasks.push(tokio::spawn(async move {
                            barrier.wait().await;
                            Effect::None
                        }));
                        continue;
                    };
                    let name = self.model.groups[index].name.clone();
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        let r = base.cancel_group(&name);
                        let returned_at = Some(tracker.polls.tick());
                        // The pool's alive tasks of the group first, then the
                        // tracker's: a task that was registered before the
                        // close and ends in between is in one of the two.
                        let registered = base.group_ids(&[&name]).unwrap_or_default();
                        let started = tracker.log().group_ids(&name);
                        Effect::GroupCancelled(index, r, Closing { started, registered, returned_at })
                    }));
                }
                Op::CancelAll => {
                    let names: Vec<String> = self.model.groups.iter().map(|g| g.name.clone()).collect();
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        base.cancel_all();
                        let returned_at = Some(tracker.polls.tick());
                        // A group the pool has forgotten has no task left.
                        let registered =
                            names.iter().map(|name| base.group_ids(&[name]).unwrap_or_default()).collect();
                        Effect::AllCancelled(returned_at, registered)
                    }));
                }
                Op::SetPoolSize(limit) => {
                    let limit = *limit;
                    self.model.interval_limits.push(limit);
                    tasks.push(tokio::spawn(async move {
                        barrier.wait().await;
                        base.set_pool_size(limit);
                        Effect::None
                    }));
                }
                Op::Lock => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    base.lock();
                    Effect::None
                })),
                Op::Unlock => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    base.unlock();
                    Effect::None
                })),
                Op::Flush => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    match timeout(DEADLINE, base.flush()).await {
                        Ok(report) => Effect::Flushed(report),
                        Err(_) => Effect::None,
                    }
                })),
                Op::Feed { .. } | Op::CloseStream { .. } => tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    Effect::None
                })),
                Op::Stop { .. } | Op::StopGracefully { .. } => unreachable!("not generated in bursts"),
            }
        }
        let mut created = Vec::new();
        for op in &creations {
            tokio::task::yield_now().await;
            created.push((op.clone(), self.create(op)));
        }
        let mut effects = Vec::new();
        for task in tasks {
            let effect = timeout(DEADLINE, task).await.map_err(|_| "a burst operation hung".to_owned())?;
            effects.push(effect.map_err(|e| format!("a burst operation panicked: {e}"))?);
        }
        for op in &ops {
            match op {
                Op::Feed { pick, n } => self.feed(*pick, *n),
                Op::CloseStream { pick } => self.close_stream(*pick),
                _ => {}
            }
        }
        for (op, (result, extra)) in created {
            match result {
                Ok(name) => {
                    let feed = extra.and_then(|(_, _, feed)| feed);
                    self.add_group(&op, name, feed);
                }
                Err(SpawnError::PoolIsLocked { .. }) => {
                    ensure!(locked_before || had_lock, "an unlocked pool refused a group in a burst");
                }
                Err(e) => return Err(format!("a group was refused in a burst: {e}")),
            }
        }
        for effect in effects {
            match effect {
                Effect::None => {}
                Effect::AllCancelled(returned_at, registered) => {
                    self.close_all_alive_at_burst_start(returned_at, registered);
                }
                Effect::Cancelled(ids, r) => match r {
                    Ok(()) => {}
                    Err(CancelError::AlreadyEnded { .. } | CancelError::AlreadyCancelled { .. })
                        if endings > 1 => {}
                    Err(e) => return Err(format!("cancel({ids:?}) in a burst returned {e}")),
                },
                // A group that is gone by now is fine: it had ended.
                Effect::GroupCancelled(index, r, closing) => {
                    if r.is_ok() {
                        self.model.close(index, closing)
                    }
                }
                Effect::Flushed(report) => self.model.reported_failed += report.num_failed(),
            }
        }
        // Which of a lock and an unlock came last, or which of several sizes,
        // is a matter of timing: the model takes what the pool says.
        if had_lock {
            self.model.locked = self.base().is_locked();
        }
        let size = self.base().pool_size();
        ensure!(
            self.model.interval_limits.contains(&size),
            "pool_size {size:?} is none of the sizes set {:?}",
            self.model.interval_limits
        );
        self.model.limit = size;
        self.settle().await?;
        // The groups a cancel_group closed while tasks of them still started
        // are known only now; those seen at close stay the bound.
        self.model.cancelled = self.tracker.log().counts().cancelled;
        Ok(())
    }

    fn close_all_alive_at_burst_start(
        &mut self,
        returned_at: Option<u64>,
        registered: Vec<BTreeSet<TaskId>>,
    ) {
        // cancel_all closed every group the pool had; groups made in the same
        // burst are excluded by the generator.
        for (index, registered) in registered.into_iter().enumerate() {
            let started = self.tracker.log().group_ids(&self.model.groups[index].name);
            self.model.close(index, Closing { started, registered, returned_at });
        }
    }
}
