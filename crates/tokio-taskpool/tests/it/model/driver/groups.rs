//! Groups and targets: making a group in the real pool (registered with the
//! tracker first, so that its tasks' reports find their configuration), the
//! model's side of it, and resolving the raw numbers an operation drew into
//! a task, group or stream that exists when the step runs.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio_taskpool::{SpawnError, TaskId};

use super::ops::Op;
use super::reference::{Closing, MGroup, MKind};
use super::{Case, Pool};
use crate::model::tracker::{GroupCfg, ResultKind};
use crate::model::workload;

/// What making a group gave: the pool's answer, and for a TaskPool group its
/// name, configuration and (for map_stream) the sender that feeds it.
pub(super) type Created =
    (Result<String, SpawnError>, Option<(String, GroupCfg, Option<UnboundedSender<u32>>)>);

impl Case {
    // Picks resolve a drawn number against what exists now; with nothing to
    // pick from, the operation does nothing.

    pub(super) fn pick_group(&self, pick: u64) -> Option<usize> {
        (!self.model.groups.is_empty()).then(|| (pick % self.model.groups.len() as u64) as usize)
    }

    pub(super) fn pick_stream(&self, pick: u64) -> Option<usize> {
        let streams: Vec<usize> = (0..self.model.groups.len())
            .filter(|&i| matches!(&self.model.groups[i].kind, MKind::Map { feed: Some(_), .. }))
            .collect();
        (!streams.is_empty()).then(|| streams[(pick % streams.len() as u64) as usize])
    }

    /// The distinct tasks waiting at their gate that the picks land on.
    pub(super) fn pick_gated(&self, picks: &[u64]) -> Vec<TaskId> {
        let gated = self.tracker.gated();
        let mut chosen = BTreeSet::new();
        if gated.is_empty() {
            return Vec::new();
        }
        for pick in picks {
            chosen.insert(gated[(pick % gated.len() as u64) as usize]);
        }
        chosen.into_iter().collect()
    }

    /// Registers a group with the tracker and starts it in the pool.
    pub(super) fn create(&mut self, op: &Op) -> Created {
        let Pool::Task(pool) = &self.pool else {
            let Op::Start { n } = op else { unreachable!("only start creates groups of a SimpleTaskPool") };
            let Pool::Simple(pool) = &self.pool else { unreachable!() };
            return (pool.start(*n).map(|handle| handle.name().to_owned()), None);
        };
        let name = format!("g{}", self.model.next_group);
        self.model.next_group += 1;
        let t = self.tracker.clone();
        let (callbacks, cfg) = match op {
            Op::Apply { callbacks, .. } => (
                *callbacks,
                GroupCfg {
                    max_concurrent: None,
                    on_end: callbacks.on_end,
                    on_cancel: callbacks.on_cancel,
                    results: true,
                },
            ),
            Op::Map { callbacks, num_concurrent, .. } | Op::MapStream { callbacks, num_concurrent, .. } => (
                *callbacks,
                GroupCfg {
                    max_concurrent: Some(*num_concurrent),
                    on_end: callbacks.on_end,
                    on_cancel: callbacks.on_cancel,
                    results: true,
                },
            ),
            _ => unreachable!("not a spawning operation"),
        };
        self.tracker.configure(&name, cfg);
        let on_end = workload::callback(t.clone(), name.clone(), callbacks, false);
        let on_cancel = workload::callback(t.clone(), name.clone(), callbacks, true);
        let mut feed = None;
        let started = match op {
            Op::Apply { num, plan, .. } => {
                let (plan, next, tt) = (Arc::new(plan.clone()), Arc::new(AtomicUsize::new(0)), t.clone());
                let mut b = pool
                    .apply(move || {
                        workload::body(tt.clone(), plan[next.fetch_add(1, Ordering::Relaxed) % plan.len()])
                    })
                    .num(*num)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            Op::Map { plan, num_concurrent, .. } => {
                let (plan, tt) = (Arc::new(plan.clone()), t.clone());
                let items: Vec<u32> = (0..plan.len() as u32).collect();
                let mut b = pool
                    .map(move |i: u32| workload::body(tt.clone(), plan[i as usize]), items)
                    .num_concurrent(*num_concurrent)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            Op::MapStream { plan, num_concurrent, feed: initial, .. } => {
                let (plan, tt) = (Arc::new(plan.clone()), t.clone());
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
                for i in 0..*initial {
                    tx.send(i as u32).expect("the receiver is alive");
                }
                feed = Some(tx);
                let items =
                    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) });
                let mut b = pool
                    .map_stream(
                        move |i: u32| workload::body(tt.clone(), plan[i as usize % plan.len()]),
                        items,
                    )
                    .num_concurrent(*num_concurrent)
                    .group(name.clone());
                if callbacks.on_end {
                    b = b.on_end(on_end);
                }
                if callbacks.on_cancel {
                    b = b.on_cancel(on_cancel);
                }
                b.start()
            }
            _ => unreachable!(),
        };
        match started {
            Ok(handle) => {
                // Drain the results into the tracker, which checks each task
                // delivers exactly one, after its callbacks.
                let (t, group) = (self.tracker.clone(), name.clone());
                tokio::spawn(async move {
                    let mut handle = handle;
                    while let Some(out) = handle.next().await {
                        let kind = match &out.result {
                            Ok(Ok(_)) => ResultKind::Ok,
                            Ok(Err(_)) => ResultKind::Err,
                            Err(e) if e.is_cancelled() => ResultKind::Cancelled,
                            Err(_) => ResultKind::Panic,
                        };
                        t.record_result(out.id, &group, kind);
                    }
                });
                (Ok(name.clone()), Some((name, cfg, feed)))
            }
            Err(e) => (Err(e), None),
        }
    }

    /// The model's side of a group the pool accepted.
    pub(super) fn add_group(&mut self, op: &Op, name: String, feed: Option<UnboundedSender<u32>>) {
        let kind = match op {
            Op::Apply { num, .. } => MKind::Counted { num: *num, withdrawn: 0 },
            Op::Start { n } => MKind::Counted { num: *n, withdrawn: 0 },
            Op::Map { plan, num_concurrent, .. } => {
                MKind::Map { num_concurrent: *num_concurrent, fed: plan.len(), exhausted: true, feed: None }
            }
            Op::MapStream { num_concurrent, feed: initial, .. } => {
                MKind::Map { num_concurrent: *num_concurrent, fed: *initial, exhausted: false, feed }
            }
            _ => unreachable!(),
        };
        self.model.groups.push(MGroup { name, kind, closed: false, closing: None });
    }

    /// Sends `n` more items to a picked stream.
    pub(super) fn feed(&mut self, pick: u64, n: usize) {
        let Some(index) = self.pick_stream(pick) else { return };
        if let MKind::Map { fed, feed: Some(tx), .. } = &mut self.model.groups[index].kind {
            for _ in 0..n {
                // A closed group's stream is gone; nothing is owed to it then.
                let _ = tx.send(*fed as u32);
                *fed += 1;
            }
        }
    }

    /// Ends a picked stream by dropping its sender.
    pub(super) fn close_stream(&mut self, pick: u64) {
        let Some(index) = self.pick_stream(pick) else { return };
        if let MKind::Map { feed, exhausted, .. } = &mut self.model.groups[index].kind {
            *feed = None;
            *exhausted = true;
        }
    }

    /// The model's side of a cancel_all (or a graceful stop) at a settled
    /// point: every group the pool still lists is closed.
    pub(super) fn close_all_alive(&mut self) {
        for index in 0..self.model.groups.len() {
            if self.model.alive(&self.tracker, &self.model.groups[index]) {
                let ids = self.tracker.log().group_ids(&self.model.groups[index].name);
                self.model.close(index, Closing::at_rest(ids));
            }
        }
    }
}
