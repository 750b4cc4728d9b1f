//! What an observer sees of the pool's tasks: each pooled task runs inside a
//! `tracing` span `taskpool.task` (fields `pool`, `group`, `task`), each
//! meta task inside a span `taskpool.group` (`pool`, `group`), so that logs
//! and traces group by pool and group and a task's own events carry its ID;
//! and, built with `--cfg tokio_unstable`, tokio names every task
//! `POOL/GROUP/ID` (and a meta task `POOL/GROUP/meta`), which tokio-console
//! lists.
//!
//! The spans are at debug level: at info, or with no subscriber, they are
//! disabled and cost a pointer per task that stays null (a disabled span is
//! not kept), because every byte of a task's future is paid by every alive
//! task.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;
use tracing::Span;

use super::group_core::GroupCore;
use crate::TaskId;

pin_project_lite::pin_project! {
    /// A pooled task's future, entered into its span on every poll.
    pub(crate) struct InSpan<F> {
        span: Option<Box<Span>>,
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for InSpan<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.span.as_deref().map(Span::enter);
        this.inner.poll(cx)
    }
}

/// `future` inside the span of task `id` of `group`.
pub(crate) fn in_task_span<F: Future>(group: &GroupCore, id: TaskId, future: F) -> InSpan<F> {
    let span = tracing::debug_span!(
        target: "tokio_taskpool",
        "taskpool.task",
        pool = %group.pool.display,
        group = %group.name,
        task = id.as_u64(),
    );
    InSpan { span: (!span.is_disabled()).then(|| Box::new(span)), inner: future }
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
