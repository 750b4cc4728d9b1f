//! The life of one pooled task: registering it, running its future with
//! panics caught, and ending it — normally, or through cancellation — with
//! its callbacks run exactly once, outside every lock.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::future::OptionFuture;
use futures::FutureExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

use super::group_core::{Callback, GroupCore};
use super::inner::RoomPermit;
use super::measured::{Outcome, StartWait};
use super::observed;
use super::state::{Admission, Completion, Registered};
use super::unarmed::UnarmedTask;
use crate::current::{self, TaskContext};
use crate::report::{FailureStage, TaskFailure};
use crate::task_output::payload_message;
use crate::{TaskError, TaskId, TaskOutput};

/// Where a group's results go: `None` when nobody asked for them.
pub(crate) type Sink<T> = Option<UnboundedSender<TaskOutput<T>>>;

/// What every task of a group shares, typed by the tasks' output: the
/// group's core and where its results go. Made once per group; each task
/// holds one clone, so that its guard is one pointer and its ID (every byte
/// of the guard is paid by every alive task, and tokio rounds a task's
/// allocation up to a multiple of 128 bytes).
pub(crate) struct GroupShared<T> {
    pub(crate) core: Arc<GroupCore>,
    pub(crate) sink: Sink<T>,
}

pub(crate) enum Started<M> {
    /// The task runs; `more` says whether a counted group wants more starts.
    Yes { more: bool },
    /// The group is closed (cancelled, stopped, or its starts withdrawn): the
    /// unused future-maker comes back so that it is dropped outside the lock.
    Refused(M),
}

/// Registers and spawns one task of `group`, unless the group was closed in
/// the meantime. The check and the registration happen under one lock, the
/// same lock that cancellation takes, so a cancelled group never registers
/// another task, even when its meta task already held room.
///
/// `make` runs inside the new task, so a panic while building the future is
/// caught and reported like a panic of the task.
pub(crate) fn start_task<T, Fut, M>(
    shared: &Arc<GroupShared<T>>,
    room: RoomPermit<'_>,
    wait: StartWait,
    admission: Admission,
    make: M,
    unarmed: &mut UnarmedTask<'_>,
) -> Started<M>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    M: FnOnce() -> Fut + Send + 'static,
{
    let group = &shared.core;
    let pool = &group.pool;
    // Read before taking the lock, to keep the critical section short.
    let now = Instant::now();
    let (registered, armed) = {
        let mut state = pool.lock();
        // The previous task's abort handle goes in under this same lock.
        let armed = unarmed.take().map(|(id, handle)| state.task_spawned(id, handle));
        let registered = state.register_task(group.key, admission, now);
        pool.metrics.store_counts(&state);
        (registered, armed)
    };
    pool.after_unlock(armed.unwrap_or_default());
    let Some(Registered { id, more, .. }) = registered else {
        drop(room);
        return Started::Refused(make);
    };
    room.handed_to_task();
    group.metrics.started(wait, now);
    let guard = TaskGuard { shared: Some(shared.clone()), id };
    let context = TaskContext { id, group: group.clone() };
    // Spawned outside the lock: a spawn can wake another worker thread with a
    // system call, which would lengthen the critical section that every task
    // end waits for (measured: most lock contention on the multi-thread
    // runtime came from it); and on a runtime that is shutting down, tokio
    // drops the future on the spot, and the guard's `Drop` takes the lock.
    // A cancel before the abort handle is stored (with the next registration,
    // or before the meta task waits: see `UnarmedTask`) finds no handle; the
    // start gate (see `task_future`) covers that window.
    let handle = observed::spawn_task(group, id, task_future(guard, context, make));
    unarmed.set(id, handle.abort_handle());
    tracing::debug!("Started {}_Task-{}", pool.display, id);
    Started::Yes { more }
}

/// The future of a pooled task, built from combinators rather than an async
/// block, because every byte of it is paid by every alive task: the maker and
/// the future it makes share one slot (`lazy(..).flatten()`), and the guard
/// lives only in the final `map`. Panics of both are caught; the task-local
/// context is set around them.
///
/// On its first poll the task passes the start gate before it makes the
/// user's future: a task cancelled before the spawner could set its abort
/// handle may already be scheduled, and must then neither make nor poll the
/// user's future (it ends as cancelled, through its guard's `Drop`).
fn task_future<T, Fut, M>(
    guard: TaskGuard<T>,
    context: TaskContext,
    make: M,
) -> impl Future<Output = ()> + Send + 'static
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    M: FnOnce() -> Fut + Send + 'static,
{
    let future = futures::future::lazy(move |_| {
        let start = current::with_context(|context| context.group.pool.may_start(context.id));
        OptionFuture::from(start.then(make))
    })
    .flatten();
    AssertUnwindSafe(context.scope(future)).catch_unwind().map(move |result| guard.finish(result))
}

/// Owns what a task gives back when it ends. Its normal end is
/// [`TaskGuard::finish`]; if the future is dropped first (cancellation through
/// the pool, or tokio shutting down), `Drop` takes the cancellation path.
struct TaskGuard<T: Send + 'static> {
    /// `Some` until the task's future completed and `finish` took over.
    shared: Option<Arc<GroupShared<T>>>,
    id: TaskId,
}

impl<T: Send + 'static> TaskGuard<T> {
    /// Ends the task after its future completed (or panicked): updates the
    /// state, gives the room back, and sends the result; when the group has
    /// an `on_end` callback, the callback and then the result go to a task of
    /// their own (as on the cancel path), which keeps the callback's future
    /// out of every task's future. `Ok(None)`: the task was cancelled before
    /// it started, and `Drop` ends it.
    fn finish(mut self, result: Result<Option<T>, Box<dyn Any + Send>>) {
        let result = match result {
            Ok(None) => return,
            Ok(Some(value)) => Ok(value),
            Err(payload) => Err(payload),
        };
        let id = self.id;
        let group = &self.shared.as_ref().expect("armed until finish").core;
        let pool = group.pool.clone();
        let has_on_end = group.callbacks.on_end.is_some();
        let failure = result.as_ref().err().map(|payload| TaskFailure {
            id: Some(id),
            group: group.name.to_string(),
            stage: FailureStage::Task,
            message: payload_message(payload.as_ref()).unwrap_or("<non-string payload>").to_owned(),
        });
        let completion = {
            let mut state = pool.lock();
            let completion = state.task_completed(id, failure, has_on_end);
            pool.metrics.store_counts(&state);
            completion
        };
        let (index, started, after) = match completion {
            // A cancel won the race with the completion: the value is
            // dropped (after the lock) and `Drop` ends the task as cancelled.
            Completion::CancelledFirst => return,
            Completion::Ended { index, started, after } => (index, started, after),
        };
        let shared = self.shared.take().expect("armed until finish");
        // Frees the group's concurrency slot: its meta task may start the next item.
        shared.core.free_slot();
        pool.after_unlock(after);
        let outcome = if result.is_ok() { Outcome::Ok } else { Outcome::Panicked };
        shared.core.metrics.finished(outcome, started);
        let result = result.map_err(|payload| {
            tracing::error!(
                "{}_Task-{} panicked: {}",
                pool.display,
                id,
                payload_message(payload.as_ref()).unwrap_or("<non-string payload>")
            );
            TaskError::panic(id, payload)
        });
        tracing::debug!("Ended {}_Task-{}", pool.display, id);
        if !has_on_end {
            send(&shared.sink, TaskOutput { id, index, result });
            return;
        }
        // Called from the task's own poll, so a runtime is there. The task's
        // entry stays until the callback is done, for `flush` and `gather_and_close`.
        tokio::spawn(async move {
            let group = &shared.core;
            let on_end = group.callbacks.on_end.as_ref().expect("checked above");
            run_callback(group, id, on_end, FailureStage::OnEnd).await;
            group.pool.transition(|state| ((), state.task_forgotten(id, false)));
            send(&shared.sink, TaskOutput { id, index, result });
        });
    }
}

impl<T: Send + 'static> Drop for TaskGuard<T> {
    fn drop(&mut self) {
        let Some(shared) = self.shared.take() else { return };
        let (id, pool) = (self.id, &shared.core.pool);
        let callbacks = &shared.core.callbacks;
        let has_callbacks = callbacks.on_cancel.is_some() || callbacks.on_end.is_some();
        let (index, started, after) = {
            let mut state = pool.lock();
            let dropped = state.task_dropped(id, has_callbacks);
            pool.metrics.store_counts(&state);
            dropped
        };
        shared.core.free_slot();
        pool.after_unlock(after);
        shared.core.metrics.finished(Outcome::Cancelled, started);
        tracing::debug!("Cancelled {}_Task-{}", pool.display, id);
        if !has_callbacks {
            send(&shared.sink, TaskOutput { id, index, result: Err(TaskError::cancelled(id)) });
            return;
        }
        // The callbacks are async and this is a destructor: they run in a task
        // of their own. The task's entry stays until they are done, so that
        // `flush` and `gather_and_close` wait for them.
        let pool = pool.clone();
        let ending = run_cancel_callbacks(shared, id, index);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(ending);
            }
            Err(_) => {
                // No runtime left to run them on: count the end and forget the task.
                drop(ending);
                pool.transition(|state| ((), state.task_forgotten(id, true)));
            }
        }
    }
}

async fn run_cancel_callbacks<T: Send + 'static>(shared: Arc<GroupShared<T>>, id: TaskId, index: u64) {
    let group = &shared.core;
    if let Some(on_cancel) = &group.callbacks.on_cancel {
        run_callback(group, id, on_cancel, FailureStage::OnCancel).await;
    }
    match &group.callbacks.on_end {
        Some(on_end) => {
            group.pool.lock().cancelled_task_ending();
            run_callback(group, id, on_end, FailureStage::OnEnd).await;
            group.pool.transition(|state| ((), state.task_forgotten(id, false)));
        }
        None => group.pool.transition(|state| ((), state.task_forgotten(id, true))),
    }
    send(&shared.sink, TaskOutput { id, index, result: Err(TaskError::cancelled(id)) });
}

/// Runs a callback with its panic caught, logged and counted.
async fn run_callback(group: &GroupCore, id: TaskId, callback: &Callback, stage: FailureStage) {
    let outcome = AssertUnwindSafe(async { callback(id).await }).catch_unwind().await;
    if let Err(payload) = outcome {
        let message = payload_message(payload.as_ref()).unwrap_or("<non-string payload>").to_owned();
        // The payload is user data: dropped before taking the lock.
        drop(payload);
        let which = if stage == FailureStage::OnEnd { "on_end" } else { "on_cancel" };
        tracing::error!("{which} callback of {}_Task-{} panicked: {message}", group.pool.display, id);
        group.pool.lock().record_failure(TaskFailure {
            id: Some(id),
            group: group.name.to_string(),
            stage,
            message,
        });
    }
}

/// Hands a result to the group's handle; if the handle is gone, the result is
/// dropped here and nothing accumulates.
fn send<T>(sink: &Sink<T>, output: TaskOutput<T>) {
    if let Some(sink) = sink {
        let _ = sink.send(output);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::engine::{Callbacks, PoolInner};
    use crate::GroupKind;

    /// A pool and one open apply group of `num` starts, without a runtime
    /// task behind it: the test plays the meta task's part.
    fn pool_with_group(num: usize) -> (Arc<PoolInner>, Arc<GroupCore>) {
        let pool = Arc::new(PoolInner::new("TaskPool", Some("gate".into()), None));
        let opened = pool.lock().open_group(Some("g".into()), GroupKind::Apply, num).unwrap();
        let group = Arc::new(GroupCore {
            pool: pool.clone(),
            key: opened.key,
            name: opened.name,
            callbacks: Callbacks::default(),
            stop_signal: opened.stop_signal,
            slots: None,
            unstarted: Default::default(),
            metrics: pool.metrics.group("g", true),
        });
        (pool, group)
    }

    /// The race of a cancel between a task's registration and the moment its
    /// spawner sets its abort handle, played in a fixed order: the task is
    /// registered, cancelled (there is no abort handle to fire), and then
    /// polled, as another worker thread could poll it before the spawner
    /// gets the lock back. Without the start gate its factory ran and its
    /// future was polled after the cancel had returned.
    #[tokio::test]
    async fn a_task_cancelled_before_its_abort_handle_never_makes_its_future() {
        let (pool, group) = pool_with_group(1);
        let id = pool.lock().register_task(group.key, Admission::Counted, Instant::now()).unwrap().id;
        let after = pool.lock().cancel_tasks(&[id]).unwrap();
        pool.after_unlock(after);

        let made = Arc::new(AtomicBool::new(false));
        let (sink, mut results) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(GroupShared { core: group.clone(), sink: Some(sink) });
        let guard = TaskGuard { shared: Some(shared), id };
        let context = TaskContext { id, group: group.clone() };
        let maker_ran = made.clone();
        task_future(guard, context, move || {
            maker_ran.store(true, Ordering::SeqCst);
            async { 7 }
        })
        .await;

        assert!(!made.load(Ordering::SeqCst), "the factory ran after the cancel returned");
        let output = results.recv().await.expect("the task reports its end");
        assert!(output.result.unwrap_err().is_cancelled(), "counted as cancelled, not as ended normally");
        let state = pool.lock();
        assert_eq!((state.num_running(), state.num_cancelled(), state.num_ended()), (0, 1, 1));
        assert!(state.lock_free().start_gate_open(), "the gate opens once the task is gone");
    }

    /// The gate costs nothing to tasks nobody cancelled: they start on the
    /// fast path and end normally.
    #[tokio::test]
    async fn a_task_not_cancelled_starts_while_others_hold_the_gate_closed() {
        let (pool, group) = pool_with_group(2);
        let cancelled = pool.lock().register_task(group.key, Admission::Counted, Instant::now()).unwrap().id;
        let kept = pool.lock().register_task(group.key, Admission::Counted, Instant::now()).unwrap().id;
        let after = pool.lock().cancel_tasks(&[cancelled]).unwrap();
        pool.after_unlock(after);
        assert!(!pool.lock().lock_free().start_gate_open());

        let (sink, mut results) = tokio::sync::mpsc::unbounded_channel();
        let shared = Arc::new(GroupShared { core: group.clone(), sink: Some(sink) });
        let guard = TaskGuard { shared: Some(shared), id: kept };
        task_future(guard, TaskContext { id: kept, group: group.clone() }, || async { 7 }).await;
        assert_eq!(results.recv().await.unwrap().result.unwrap(), 7);
    }
}
