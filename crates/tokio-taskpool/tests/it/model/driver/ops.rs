//! The operations the driver applies to the pool, and how a case's generator
//! draws them.
//!
//! Everything here is a function of the random stream alone: targets (which
//! task, which group, which stream) are drawn as raw numbers and resolved
//! against the state only when the step runs (`groups.rs`), so the stream of
//! random numbers, and with it every later step, does not depend on timing.
//! The order of the draws below is what a seed means: changing it, even
//! without changing the distribution, makes every recorded seed replay
//! something else.

use crate::model::rng::Rng;
use crate::model::tracker::Outcome;
use crate::model::workload::{self, Behaviour, Callbacks};

/// One thing the driver does to the pool. Targets (which task, which group)
/// are drawn as raw numbers and resolved against the state when the step
/// runs, so that the stream of random numbers does not depend on timing.
#[derive(Clone, Debug)]
pub(super) enum Op {
    Apply { num: usize, plan: Vec<Behaviour>, callbacks: Callbacks },
    Map { plan: Vec<Behaviour>, num_concurrent: usize, callbacks: Callbacks },
    MapStream { plan: Vec<Behaviour>, feed: usize, num_concurrent: usize, callbacks: Callbacks },
    Feed { pick: u64, n: usize },
    CloseStream { pick: u64 },
    Start { n: usize },
    Stop { n: usize },
    Release { picks: Vec<(u64, Outcome)> },
    Cancel { picks: Vec<u64>, bogus: Option<bool> },
    CancelGroup { pick: u64 },
    CancelAll,
    SetPoolSize(Option<usize>),
    Lock,
    Unlock,
    Flush,
    StopGracefully { deadline_ms: u64 },
}

impl Op {
    pub(super) fn creates_group(&self) -> bool {
        matches!(self, Op::Apply { .. } | Op::Map { .. } | Op::MapStream { .. } | Op::Start { .. })
    }

    pub(super) fn ends_or_cancels(&self) -> bool {
        matches!(self, Op::Release { .. } | Op::Cancel { .. } | Op::CancelGroup { .. } | Op::CancelAll)
    }
}

/// A step: one operation followed by an exact check, or a burst of
/// operations run at once from several tasks, followed by the checks that do
/// not depend on how they interleaved.
#[derive(Clone, Debug)]
pub(super) enum Step {
    One(Op),
    Burst(Vec<Op>),
}

/// Draws one operation. `simple` selects the operations of a
/// SimpleTaskPool (start and stop instead of the group-making calls and
/// stream feeding); `racy` leaves out those whose expected outcome needs a
/// settled pool (stop, graceful stop), for bursts. Draws that land on an
/// operation left out are redrawn, which consumes more numbers: that too is
/// part of what a seed means.
fn gen_op(rng: &mut Rng, simple: bool, racy: bool) -> Op {
    loop {
        let op = match rng.range(0, 109) {
            0..=23 if simple => Op::Start { n: rng.range(1, 4) },
            0..=9 => Op::Apply {
                num: rng.range(1, 6),
                plan: workload::behaviours(rng, 8),
                callbacks: Callbacks::random(rng),
            },
            10..=16 => {
                let n = rng.range(0, 8);
                Op::Map {
                    plan: workload::behaviours(rng, n),
                    num_concurrent: rng.range(1, 3),
                    callbacks: Callbacks::random(rng),
                }
            }
            17..=23 => Op::MapStream {
                plan: workload::behaviours(rng, 8),
                feed: rng.range(0, 3),
                num_concurrent: rng.range(1, 3),
                callbacks: Callbacks::random(rng),
            },
            24..=27 if !simple => Op::Feed { pick: rng.next_u64(), n: rng.range(1, 3) },
            28..=29 if !simple => Op::CloseStream { pick: rng.next_u64() },
            24..=29 if simple && !racy => Op::Stop { n: rng.range(1, 4) },
            30..=51 => {
                let k = rng.range(1, 3);
                Op::Release { picks: (0..k).map(|_| (rng.next_u64(), workload::outcome(rng))).collect() }
            }
            52..=61 => {
                let k = rng.range(1, 2);
                let picks = (0..k).map(|_| rng.next_u64()).collect();
                let bogus = if rng.chance(20) { Some(rng.chance(50)) } else { None };
                Op::Cancel { picks, bogus }
            }
            62..=68 => Op::CancelGroup { pick: rng.next_u64() },
            69..=70 => Op::CancelAll,
            71..=83 => Op::SetPoolSize(match rng.range(0, 9) {
                0 => None,
                1 | 2 => Some(0),
                n => Some(n - 2),
            }),
            84..=87 => Op::Lock,
            88..=93 => Op::Unlock,
            94..=98 => Op::Flush,
            99..=101 if !racy => Op::StopGracefully { deadline_ms: [5, 20, 50][rng.range(0, 2)] },
            _ => continue,
        };
        return op;
    }
}

/// Draws the next step: a single operation, or (30 %) a burst of two to four.
pub(super) fn gen_step(rng: &mut Rng, simple: bool) -> Step {
    if !rng.chance(30) {
        return Step::One(gen_op(rng, simple, false));
    }
    let n = rng.range(2, 4);
    let mut ops: Vec<Op> = (0..n).map(|_| gen_op(rng, simple, true)).collect();
    // Which groups a cancel_all closes must be known: not together with new groups.
    if ops.iter().any(Op::creates_group) {
        for op in &mut ops {
            if matches!(op, Op::CancelAll) {
                *op = Op::Flush;
            }
        }
    }
    Step::Burst(ops)
}
