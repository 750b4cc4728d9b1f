//! The tasks and callbacks the model test hands to the pool, and how a random
//! stream picks them.

use std::future::Future;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{current, TaskId};

use super::rng::Rng;
use super::tracker::{Outcome, Tracker};

/// What a task does once it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Behaviour {
    /// Ends after one yield.
    Quick(Outcome),
    /// Ends after a real sleep of a few milliseconds (work, not a wait of the test).
    Sleep(u64, Outcome),
    /// Waits until the driver releases it, or a graceful stop asks it to end.
    Gated(OnStop),
}

/// How a gated task answers a graceful stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnStop {
    /// Returns at once.
    Respond,
    /// Goes on for a few milliseconds, then returns.
    Delay(u64),
    /// Keeps waiting for the driver: the stop's deadline drops it.
    Ignore,
}

pub(crate) fn outcome(rng: &mut Rng) -> Outcome {
    match rng.range(0, 9) {
        0..=6 => Outcome::Finish,
        7 | 8 => Outcome::Fail,
        _ => Outcome::Panic,
    }
}

pub(crate) fn behaviour(rng: &mut Rng) -> Behaviour {
    let pick = rng.range(0, 99);
    let outcome = outcome(rng);
    let ms = rng.range(0, 3) as u64;
    match pick {
        0..=24 => Behaviour::Quick(outcome),
        25..=39 => Behaviour::Sleep(ms, outcome),
        40..=49 => Behaviour::Gated(OnStop::Ignore),
        50..=59 => Behaviour::Gated(OnStop::Delay(ms + 1)),
        _ => Behaviour::Gated(OnStop::Respond),
    }
}

pub(crate) fn behaviours(rng: &mut Rng, n: usize) -> Vec<Behaviour> {
    (0..n).map(|_| behaviour(rng)).collect()
}

/// The body of every task: reports its start, behaves, reports its end.
pub(crate) async fn body(tracker: Tracker, behaviour: Behaviour) -> Result<u64, String> {
    let id = current::id().expect("a pooled task knows its ID");
    let group = current::group().expect("a pooled task knows its group");
    let mut live = tracker.start(id, &group, behaviour);
    let outcome = match behaviour {
        Behaviour::Quick(outcome) => {
            tokio::task::yield_now().await;
            outcome
        }
        Behaviour::Sleep(ms, outcome) => {
            sleep(Duration::from_millis(ms)).await;
            outcome
        }
        Behaviour::Gated(OnStop::Ignore) => tracker.gate(id).await.unwrap_or(Outcome::Finish),
        Behaviour::Gated(on_stop) => {
            let gate = tracker.gate(id);
            let stop = current::stop_requested();
            tokio::select! {
                released = gate => released.unwrap_or(Outcome::Finish),
                () = stop => {
                    tracker.ungate(id);
                    if let OnStop::Delay(ms) = on_stop {
                        sleep(Duration::from_millis(ms)).await;
                    }
                    Outcome::Finish
                }
            }
        }
    };
    live.returned();
    match outcome {
        Outcome::Finish => Ok(id.as_u64()),
        Outcome::Fail => Err(format!("task {id} fails on purpose")),
        Outcome::Panic => {
            tracker.panicking(id);
            panic!("model task {id} panics on purpose")
        }
    }
}

/// How a group's callbacks behave.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Callbacks {
    pub(crate) on_end: bool,
    pub(crate) on_cancel: bool,
    /// Callbacks of every third task ID panic.
    pub(crate) panic: bool,
    /// Callbacks take a few scheduler turns and a millisecond.
    pub(crate) slow: bool,
}

impl Callbacks {
    pub(crate) fn random(rng: &mut Rng) -> Self {
        Callbacks {
            on_end: rng.chance(75),
            on_cancel: rng.chance(65),
            panic: rng.chance(15),
            slow: rng.chance(30),
        }
    }
}

/// A callback that reports itself, and may be slow or panic.
pub(crate) fn callback(
    tracker: Tracker,
    group: String,
    plan: Callbacks,
    cancel: bool,
) -> impl Fn(TaskId) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync + 'static {
    move |id| {
        let (tracker, group) = (tracker.clone(), group.clone());
        Box::pin(async move {
            tracker.callback(id, &group, cancel);
            if plan.slow {
                for _ in 0..5 {
                    tokio::task::yield_now().await;
                }
                sleep(Duration::from_millis(1)).await;
            }
            if plan.panic && id.as_u64() % 3 == 0 {
                tracker.callback_panicking();
                panic!("callback of model task {id} panics on purpose");
            }
        })
    }
}
