//! What an observer sees of the pool's tasks: each pooled task runs inside a
//! `tracing` span `taskpool.task` (fields `pool`, `group`, `task`), each
//! meta task inside a span `taskpool.group` (`pool`, `group`), so that logs
//! and traces group by pool and group and a task's own events carry its ID;
//! and, built with `--cfg tokio_unstable`, tokio names every task
//! `POOL/GROUP/ID` (and a meta task `POOL/GROUP/meta`), which tokio-console
//! lists.
//!
//! The spans are at debug level: at info, or with no subscriber, they are
//! disabled, and a task is then spawned without any span (see
//! `spawn_task`), because every byte of a task's future is paid by every
//! alive task.

use std::future::Future;

use tokio::task::JoinHandle;
use tracing::{Instrument, Span};

use super::group_core::GroupCore;
use crate::TaskId;

/// Spawns `future`, task `id` of `group`: inside its span when the span is
/// enabled, and as the bare future otherwise. The two are different future
/// types, so that a task that is not traced carries no span at all: tokio
/// allocates a task as one cell in steps of 128 bytes, and the 8 bytes of
/// even an empty span pointer crossed a step (measured: 446.6 bytes for a
/// raw idle task, 628.7 with the pointer, 502.6 without).
pub(crate) fn spawn_task<F>(group: &GroupCore, id: TaskId, future: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let span = tracing::debug_span!(
        target: "tokio_taskpool",
        "taskpool.task",
        pool = %group.pool.display,
        group = %group.name,
        task = id.as_u64(),
    );
    let name = || format!("{}/{}/{}", group.pool.display, group.name, id.as_u64());
    if span.is_disabled() {
        spawn_named(name, future)
    } else {
        spawn_named(name, future.instrument(span))
    }
}

/// The span of `group`'s meta task.
pub(crate) fn group_span(group: &GroupCore) -> Span {
    tracing::debug_span!(target: "tokio_taskpool", "taskpool.group", pool = %group.pool.display, group = %group.name)
}

/// Spawns `future` on the current runtime, as `tokio::spawn`; with
/// `--cfg tokio_unstable`, named by `name` (made only then) for
/// tokio-console.
pub(crate) fn spawn_named<F>(name: impl FnOnce() -> String, future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[cfg(tokio_unstable)]
    {
        let name = name();
        tokio::task::Builder::new().name(&name).spawn(future).unwrap_or_else(|e| {
            // Only a runtime that is shutting down refuses; as `spawn` does then.
            panic!("cannot spawn {name}: {e}")
        })
    }
    #[cfg(not(tokio_unstable))]
    {
        let _ = name;
        tokio::spawn(future)
    }
}
