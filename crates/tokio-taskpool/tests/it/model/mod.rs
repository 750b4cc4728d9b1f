//! Model-based randomized test: a seeded generator drives a real pool on a
//! multi-thread runtime through random operations (apply, map, map_stream,
//! start, stop, cancel by ID, cancel_group, cancel_all, set_pool_size up,
//! down, to 0 and back, lock, unlock, flush, graceful stop, and releasing
//! tasks that finish, fail or panic), one at a time or several at once from
//! different tasks, and checks the pool against a reference model after every
//! step and at the end.
//!
//! The tasks report to a tracker (`tracker.rs`) that checks, as things
//! happen, that every task ID starts at most once, that its future goes away
//! exactly once, that `on_cancel` and `on_end` run at most once each and in
//! that order after the future is gone, that its result is delivered exactly
//! once after them, and that a map group never runs more than its
//! `num_concurrent`. After each step the driver (`driver/`) waits, within
//! a deadline, until the pool and the tasks are at rest, and checks:
//!
//! - the pool's running tasks are exactly the tasks waiting at their gate,
//!   and `num_running`, `num_cancelled`, `num_ended`, `num_failed` equal what
//!   the tasks reported (so each ID is in exactly one of running, cancelled,
//!   ended);
//! - every start since the last check found fewer tasks alive than the
//!   largest size limit in force meanwhile (never over-admits, also while
//!   the pool is over a lowered limit), and when there is room, no group
//!   wants to start anything (never loses a slot);
//! - `num_waiting`, the alive groups and whether each still spawns equal the
//!   model's; a cancelled group never starts another task;
//! - after a single operation its exact result: `cancel`'s all-or-nothing
//!   errors, `cancel_group` of a finished group, `stop`'s choice of what to
//!   withdraw and cancel, `stop_gracefully`'s dropped tasks, `flush`'s count
//!   of failures, and `num_cancelled` as the model counts it;
//! - at the end, `gather_and_close` completes, every task ended exactly once
//!   with its callbacks run exactly once, and the reports add up.
//!
//! The operations are a function of the seed: targets are drawn as numbers
//! and resolved against the state when the step runs. How the runtime
//! interleaves the tasks is not, so a replayed seed runs the same operations
//! on possibly different interleavings; that is also why this is not a
//! proptest state machine, whose shrinking assumes a run is a function of its
//! input. Failures print the seed and the command to replay it.
//!
//! A cancelled group never starts another task, with one exception that no
//! pool can prevent: a task whose first poll was already under way when the
//! cancel ran (tokio's abort does not stop a poll in progress) may report its
//! start after the cancel returned, when its thread was preempted between
//! the pool's start check and the report. In a burst such a late start is
//! accepted if the pool listed the task right after the cancel returned;
//! built with `RUSTFLAGS="--cfg tokio_unstable"`, the runtime's poll hook
//! times every task's first poll, and a task of a cancelled group whose first
//! poll began after the cancel returned fails the case however early it
//! reported (see `FirstPolls` in `tracker.rs`).
//!
//! `TASKPOOL_MODEL_CASES` (default 300) and `TASKPOOL_MODEL_STEPS` (default 50)
//! size the run; `TASKPOOL_MODEL_SEED` replays one case; `TASKPOOL_MODEL_BASE`
//! changes the base seed of the cases (default fixed, so CI runs the same
//! sequences every time).

mod driver;
mod regressions;
mod rng;
mod soak;
mod tracker;
mod workload;

use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_u64(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => value.parse(),
    };
    Some(parsed.unwrap_or_else(|_| panic!("{name}={value} is not a number")))
}

/// Runs one case on a fresh multi-thread runtime; the error names the seed.
fn run_one(seed: u64, steps: usize) -> Result<driver::Stats, String> {
    let polls = Arc::new(tracker::FirstPolls::default());
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(4).enable_all();
    // Times the first poll of every task, so that a start reported after a
    // cancel returned can be judged (see `FirstPolls`); tokio has the hook
    // only with `--cfg tokio_unstable`.
    #[cfg(tokio_unstable)]
    builder.on_before_task_poll({
        let polls = polls.clone();
        move |meta| polls.polling(meta.id())
    });
    let runtime = builder.build().expect("a runtime");
    let outcome = runtime.block_on(async move {
        // A whole case has a deadline too, beyond the one of every wait.
        match tokio::time::timeout(Duration::from_secs(300), driver::run_case(seed, steps, polls)).await {
            Ok(result) => result,
            Err(_) => Err("the case did not finish within 300 s".to_owned()),
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    outcome.map_err(|e| {
        format!(
            "model case failed, seed {seed:#x}; replay with\n  \
             TASKPOOL_MODEL_SEED={seed:#x} TASKPOOL_MODEL_STEPS={steps} cargo test -p tokio-taskpool \
             --test it model:: -- --nocapture\n{e}"
        )
    })
}

#[test]
fn random_operations_keep_every_invariant() {
    let steps = env_u64("TASKPOOL_MODEL_STEPS").unwrap_or(50) as usize;
    let seeds: Vec<u64> = match env_u64("TASKPOOL_MODEL_SEED") {
        Some(seed) => vec![seed],
        None => {
            let cases = env_u64("TASKPOOL_MODEL_CASES").unwrap_or(300);
            let base = env_u64("TASKPOOL_MODEL_BASE").unwrap_or(0x7a5c_9001);
            (0..cases).map(|i| rng::case_seed(base, i)).collect()
        }
    };
    let start = Instant::now();
    let mut total = driver::Stats::default();
    for &seed in &seeds {
        let stats = run_one(seed, steps).unwrap_or_else(|e| panic!("{e}"));
        total.steps += stats.steps;
        total.bursts += stats.bursts;
        total.tasks += stats.tasks;
        total.cancelled += stats.cancelled;
        total.failed += stats.failed;
        total.groups += stats.groups;
        total.late_starts += stats.late_starts;
    }
    eprintln!(
        "model: {} cases, {} steps ({} bursts), {} groups, {} tasks, {} cancelled, {} panics, in {:.1} s",
        seeds.len(),
        total.steps,
        total.bursts,
        total.groups,
        total.tasks,
        total.cancelled,
        total.failed,
        start.elapsed().as_secs_f64()
    );
    eprintln!(
        "model: {} starts of a cancelled group reported after the cancel returned, by tasks registered \
         before it ({})",
        total.late_starts,
        if cfg!(tokio_unstable) {
            "each first polled before the cancel returned"
        } else {
            "first polls not timed without --cfg tokio_unstable"
        }
    );
    assert_eq!(total.steps, seeds.len() * steps);
}
